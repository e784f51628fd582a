/* The snapshot and its store. Hazard pointers (Michael, 2004) keep readers
 * lock-free: a reader publishes the pointer it is about to use in its own
 * slot and re-checks that it is still current; the writer, after swapping,
 * waits until no slot holds the old pointer. Reads take nanoseconds and
 * writes are rare, so the writer's short wait costs nothing anyone sees. */
#include "domain/station_snapshot.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "core/clock.h"
#include "core/log.h"
#include "core/sb.h"
#include "core/xalloc.h"
#include "geo/distance.h"

#define HAZARD_SLOTS 256

struct snapshot_store {
	_Atomic(struct snapshot *) current;
	_Atomic(const struct snapshot *) hazard[HAZARD_SLOTS];
	atomic_bool slot_taken[HAZARD_SLOTS];
	pthread_key_t slot_key;	  /* slot index + 1 of the calling thread */
	pthread_mutex_t write_mu; /* one rebuild at a time */
	uint64_t generation;
};

/* Building */

struct builder {
	size_t n, cap;
	struct snap_station *stations;
	struct sb text;
	size_t nschedules, cap_schedules;
	struct snap_schedule *schedules;
	size_t nbuckets;   /* a power of two, or 0 before the first schedule */
	uint32_t *buckets; /* schedule + 1 by hash, open addressing; 0: empty */
	size_t nranges, cap_ranges;
	struct hours_range *ranges;
	size_t nexc, cap_exc;
	struct hours_exception *exc;
};

static uint32_t add_text(struct builder *b, const char *s)
{
	uint32_t off = (uint32_t)b->text.len;
	sb_adds(&b->text, s ? s : "");
	sb_addc(&b->text, '\0');
	return off;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ull; /* FNV-1a, a word at a time */
}

/* Hashes hours field by field: the structs have padding. */
static uint64_t hours_hash(const struct hours_view *h)
{
	uint64_t x = mix(0xcbf29ce484222325ull, h->nranges);

	for (size_t i = 0; i < h->nranges; i++) {
		const struct hours_range *r = &h->ranges[i];
		x = mix(x, (uint64_t)r->day << 32 | (uint64_t)r->open_min << 16 | r->close_min);
	}
	x = mix(x, h->nexceptions);
	for (size_t i = 0; i < h->nexceptions; i++) {
		const struct hours_exception *e = &h->exceptions[i];
		x = mix(x, (uint64_t)(uint32_t)e->day_num << 32 | (uint64_t)e->open_min << 16 |
				   e->close_min);
		x = mix(x, e->closed);
	}
	x = mix(x, h->closed);
	x = mix(x, (uint64_t)h->closed_until_s);
	/* Multiplying carries low bits up, never down: fold the high ones
	 * back (MurmurHash3's finalizer) before the table takes the low ones. */
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	return x ^ (x >> 33);
}

static struct hours_view builder_schedule(const struct builder *b, uint32_t i)
{
	const struct snap_schedule *sc = &b->schedules[i];
	struct hours_view v = { b->ranges + sc->ranges, sc->nranges, b->exc + sc->exceptions,
				sc->nexceptions,	sc->closed,  sc->closed_until_s };
	return v;
}

static bool hours_equal(const struct hours_view *x, const struct hours_view *y)
{
	if (x->nranges != y->nranges || x->nexceptions != y->nexceptions ||
	    x->closed != y->closed || x->closed_until_s != y->closed_until_s)
		return false;
	for (size_t i = 0; i < x->nranges; i++) {
		const struct hours_range *a = &x->ranges[i], *b = &y->ranges[i];
		if (a->day != b->day || a->open_min != b->open_min || a->close_min != b->close_min)
			return false;
	}
	for (size_t i = 0; i < x->nexceptions; i++) {
		const struct hours_exception *a = &x->exceptions[i], *b = &y->exceptions[i];
		if (a->day_num != b->day_num || a->closed != b->closed ||
		    a->open_min != b->open_min || a->close_min != b->close_min)
			return false;
	}
	return true;
}

static void rehash(struct builder *b)
{
	size_t nbuckets = b->nbuckets ? b->nbuckets * 2 : 64;
	uint32_t *buckets = xcalloc(nbuckets, sizeof(*buckets));

	for (uint32_t i = 0; i < b->nschedules; i++) {
		struct hours_view v = builder_schedule(b, i);
		size_t k = hours_hash(&v) & (nbuckets - 1);
		while (buckets[k])
			k = (k + 1) & (nbuckets - 1);
		buckets[k] = i + 1;
	}
	free(b->buckets);
	b->buckets = buckets;
	b->nbuckets = nbuckets;
}

/* The schedule with hours h, added if it is new. */
static uint32_t schedule_of(struct builder *b, const struct hours_view *h)
{
	size_t k;

	assert(h->nranges <= HOURS_RANGES_MAX && h->nexceptions <= HOURS_EXCEPTIONS_MAX);
	if (2 * (b->nschedules + 1) > b->nbuckets)
		rehash(b);
	for (k = hours_hash(h) & (b->nbuckets - 1); b->buckets[k];
	     k = (k + 1) & (b->nbuckets - 1)) {
		struct hours_view v = builder_schedule(b, b->buckets[k] - 1);
		if (hours_equal(&v, h))
			return b->buckets[k] - 1;
	}

	if (b->nschedules == b->cap_schedules) {
		b->cap_schedules = b->cap_schedules ? b->cap_schedules * 2 : 16;
		b->schedules = xrealloc(b->schedules, b->cap_schedules * sizeof(*b->schedules));
	}
	if (b->nranges + h->nranges > b->cap_ranges) {
		b->cap_ranges = (b->cap_ranges + h->nranges) * 2;
		b->ranges = xrealloc(b->ranges, b->cap_ranges * sizeof(*b->ranges));
	}
	if (b->nexc + h->nexceptions > b->cap_exc) {
		b->cap_exc = (b->cap_exc + h->nexceptions) * 2 + 16;
		b->exc = xrealloc(b->exc, b->cap_exc * sizeof(*b->exc));
	}
	b->schedules[b->nschedules] = (struct snap_schedule){
		.ranges = (uint32_t)b->nranges,
		.exceptions = (uint32_t)b->nexc,
		.nranges = (uint16_t)h->nranges,
		.nexceptions = (uint16_t)h->nexceptions,
		.closed = h->closed,
		.closed_until_s = h->closed_until_s,
	};
	if (h->nranges)
		memcpy(b->ranges + b->nranges, h->ranges, h->nranges * sizeof(*b->ranges));
	if (h->nexceptions)
		memcpy(b->exc + b->nexc, h->exceptions, h->nexceptions * sizeof(*b->exc));
	b->nranges += h->nranges;
	b->nexc += h->nexceptions;
	b->buckets[k] = (uint32_t)b->nschedules + 1;
	return (uint32_t)b->nschedules++;
}

static struct snap_station *builder_next(struct builder *b)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->stations = xrealloc(b->stations, b->cap * sizeof(*b->stations));
	}
	return &b->stations[b->n++];
}

static void builder_add(const struct station *s, void *ctx)
{
	struct builder *b = ctx;
	struct snap_station *o = builder_next(b);
	struct hours_view h = hours_view_of(&s->hours);

	memset(o, 0, sizeof(*o));
	o->id = s->id;
	o->parent_id = s->parent_id;
	o->pt.lat = s->lat;
	o->pt.lng = s->lng;
	o->amenities = s->amenities;
	o->closed = s->hours.closed;
	o->name = add_text(b, s->name);
	o->address = add_text(b, s->address);
	o->phone = add_text(b, s->phone);
	int lv = station_kind_find(station_levels, s->level);
	int th = station_kind_find(station_themes, s->theme);
	o->level = (uint8_t)(lv < 0 ? 0 : lv);
	o->theme = (uint8_t)(th < 0 ? 0 : th);
	o->stars = (uint8_t)s->stars;
	memcpy(o->region_code, s->region_code, sizeof(o->region_code));
	o->schedule = schedule_of(b, &h);
}

/* Adds a station of another snapshot, with its text and hours. */
static void builder_add_snap(struct builder *b, const struct snapshot *snap,
			     const struct snap_station *s)
{
	struct snap_station *o = builder_next(b);
	struct hours_view h = snapshot_hours(snap, s);

	*o = *s;
	o->name = add_text(b, snap->text + s->name);
	o->address = add_text(b, snap->text + s->address);
	o->phone = add_text(b, snap->text + s->phone);
	o->schedule = schedule_of(b, &h);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = ((const struct snap_station *)a)->id, y = ((const struct snap_station *)b)->id;
	return (x > y) - (x < y);
}

/* realloc to exactly n elements of size bytes (at least one, so never NULL):
 * a snapshot lives long, and the slack of a doubling array is dead weight. */
static void *fit(void *p, size_t n, size_t size)
{
	return xrealloc(p, (n ? n : 1) * size);
}

/* A *new* snapshot of what b holds, which it takes, leaving b empty. */
static struct snapshot *builder_finish(struct builder *b, const struct amenity *catalog,
				       size_t ncatalog)
{
	struct snapshot *snap = xcalloc(1, sizeof(*snap));
	size_t text_len = 0;
	bool sorted = true;

	/* Station text offsets were taken before sorting, so sorting moves
	 * only the records; the database hands them over in id order. */
	for (size_t i = 1; i < b->n && sorted; i++)
		sorted = b->stations[i - 1].id <= b->stations[i].id;
	if (!sorted)
		qsort(b->stations, b->n, sizeof(*b->stations), cmp_id);
	snap->n = b->n;
	snap->stations = fit(b->stations, b->n, sizeof(*snap->stations));
	snap->text = sb_detach(&b->text, &text_len);
	snap->text = xrealloc(snap->text, text_len + 1);
	snap->text_len = text_len;
	snap->nschedules = b->nschedules;
	snap->schedules = fit(b->schedules, b->nschedules, sizeof(*snap->schedules));
	snap->range_pool = fit(b->ranges, b->nranges, sizeof(*snap->range_pool));
	snap->exception_pool = fit(b->exc, b->nexc, sizeof(*snap->exception_pool));
	free(b->buckets);
	memset(b, 0, sizeof(*b));
	struct geo_index_entry *entries = xcalloc(snap->n ? snap->n : 1, sizeof(*entries));
	for (size_t i = 0; i < snap->n; i++) {
		entries[i].id = snap->stations[i].id;
		entries[i].pt = snap->stations[i].pt;
		entries[i].amenities = snap->stations[i].amenities;
		entries[i].flags = (uint32_t)i;
		entries[i].tag = snap->stations[i].schedule;
	}
	snap->index = geo_index_build(entries, snap->n);
	free(entries);
	snap->namenities = ncatalog;
	snap->amenities = xcalloc(ncatalog ? ncatalog : 1, sizeof(*snap->amenities));
	if (ncatalog)
		memcpy(snap->amenities, catalog, ncatalog * sizeof(*catalog));
	snap->built_s = clock_now_s();
	return snap;
}

static void builder_release(struct builder *b)
{
	free(b->stations);
	free(b->schedules);
	free(b->buckets);
	free(b->ranges);
	free(b->exc);
	sb_release(&b->text);
}

static void snapshot_free(struct snapshot *snap)
{
	if (!snap)
		return;
	free(snap->stations);
	free(snap->text);
	free(snap->schedules);
	free(snap->range_pool);
	free(snap->exception_pool);
	geo_index_free(snap->index);
	free(snap->amenities);
	free(snap);
}

/* The store */

struct slot_owner {
	struct snapshot_store *st;
	size_t slot;
};

static void slot_destructor(void *p)
{
	struct slot_owner *o = p;
	atomic_store(&o->st->hazard[o->slot], NULL);
	atomic_store(&o->st->slot_taken[o->slot], false);
	free(o);
}

struct snapshot_store *snapshot_store_new(void)
{
	struct snapshot_store *st = xcalloc(1, sizeof(*st));
	struct builder b = { 0 };
	sb_init(&b.text, 0);
	atomic_init(&st->current, builder_finish(&b, NULL, 0));
	for (size_t i = 0; i < HAZARD_SLOTS; i++) {
		atomic_init(&st->hazard[i], NULL);
		atomic_init(&st->slot_taken[i], false);
	}
	pthread_key_create(&st->slot_key, slot_destructor);
	pthread_mutex_init(&st->write_mu, NULL);
	return st;
}

void snapshot_store_free(struct snapshot_store *st)
{
	if (!st)
		return;
	struct slot_owner *o = pthread_getspecific(st->slot_key);
	if (o) {
		pthread_setspecific(st->slot_key, NULL);
		free(o);
	}
	pthread_key_delete(st->slot_key);
	pthread_mutex_destroy(&st->write_mu);
	snapshot_free(atomic_load(&st->current));
	free(st);
}

/* The calling thread's hazard slot, claimed on first use; -1 if all taken. */
static long thread_slot(struct snapshot_store *st)
{
	struct slot_owner *o = pthread_getspecific(st->slot_key);
	if (o)
		return (long)o->slot;
	for (size_t i = 0; i < HAZARD_SLOTS; i++) {
		bool expected = false;
		if (atomic_compare_exchange_strong(&st->slot_taken[i], &expected, true)) {
			o = xmalloc(sizeof(*o));
			o->st = st;
			o->slot = i;
			pthread_setspecific(st->slot_key, o);
			return (long)i;
		}
	}
	return -1;
}

const struct snapshot *snapshot_acquire(struct snapshot_store *st)
{
	long slot = thread_slot(st);
	if (slot < 0) {
		/* More threads than slots: serialize with writers instead. */
		pthread_mutex_lock(&st->write_mu);
		return atomic_load(&st->current);
	}
	struct snapshot *p;
	do {
		p = atomic_load(&st->current);
		atomic_store(&st->hazard[slot], p);
	} while (p != atomic_load(&st->current));
	return p;
}

void snapshot_release(struct snapshot_store *st, const struct snapshot *snap)
{
	(void)snap;
	struct slot_owner *o = pthread_getspecific(st->slot_key);
	if (!o) {
		pthread_mutex_unlock(&st->write_mu);
		return;
	}
	atomic_store(&st->hazard[o->slot], NULL);
}

static bool in_use(struct snapshot_store *st, const struct snapshot *old)
{
	for (size_t i = 0; i < HAZARD_SLOTS; i++)
		if (atomic_load(&st->hazard[i]) == old)
			return true;
	return false;
}

/* Building a snapshot from the database frees far more than it keeps (pages
 * of full station records, query results, the builder's doubling arrays),
 * and glibc keeps freed memory mapped in case it is wanted again; hand it
 * back so that the server's resident size is what the snapshot holds. */
static void trim_heap(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* Called with write_mu held. */
static void swap_in(struct snapshot_store *st, struct snapshot *snap)
{
	snap->generation = ++st->generation;
	struct snapshot *old = atomic_exchange(&st->current, snap);
	while (in_use(st, old))
		usleep(50);
	snapshot_free(old);
}

enum rc snapshot_store_reload(struct snapshot_store *st, struct db *db, struct problem *prob)
{
	struct builder b = { 0 };
	sb_init(&b.text, 0);
	struct amenity *catalog = NULL;
	size_t ncatalog = 0;
	pthread_mutex_lock(&st->write_mu);
	enum rc rc = amenity_catalog(db, &catalog, &ncatalog, prob);
	if (rc == RC_OK)
		rc = station_each(db, builder_add, &b, prob);
	if (rc != RC_OK) {
		pthread_mutex_unlock(&st->write_mu);
		builder_release(&b);
		free(catalog);
		return rc;
	}
	swap_in(st, builder_finish(&b, catalog, ncatalog));
	pthread_mutex_unlock(&st->write_mu);
	free(catalog);
	trim_heap();
	return RC_OK;
}

void snapshot_store_load(struct snapshot_store *st, const struct station *stations, size_t n,
			 const struct amenity *catalog, size_t ncatalog)
{
	struct builder b = { 0 };
	sb_init(&b.text, 0);
	for (size_t i = 0; i < n; i++)
		builder_add(&stations[i], &b);
	pthread_mutex_lock(&st->write_mu);
	swap_in(st, builder_finish(&b, catalog, ncatalog));
	pthread_mutex_unlock(&st->write_mu);
}

enum rc snapshot_store_update_station(struct snapshot_store *st, struct db *db, int64_t id,
				      struct problem *prob)
{
	struct station *fresh = xmalloc(sizeof(*fresh));
	struct builder b = { 0 };
	sb_init(&b.text, 0);
	pthread_mutex_lock(&st->write_mu);
	/* Read under the lock, so that of two writes to one station the later
	 * swap always carries the later row. Only writers swap snapshots and
	 * this one holds the lock, so the current one stays put unannounced. */
	const struct snapshot *cur = atomic_load(&st->current);
	enum rc rc = station_get(db, id, fresh, prob);
	bool present = rc == RC_OK;
	if (rc == RC_NOT_FOUND) {
		problem_init(prob);
		rc = RC_OK;
	}
	if (rc != RC_OK)
		goto out;
	/* The stations in id order, the one that changed in its place. */
	b.cap = cur->n + 1;
	b.stations = xmalloc(b.cap * sizeof(*b.stations));
	sb_reserve(&b.text, cur->text_len + sizeof(fresh->name) + sizeof(fresh->address) +
				    sizeof(fresh->phone));
	size_t i = 0;
	for (; i < cur->n && cur->stations[i].id < id; i++)
		builder_add_snap(&b, cur, &cur->stations[i]);
	if (present)
		builder_add(fresh, &b);
	if (i < cur->n && cur->stations[i].id == id)
		i++;
	for (; i < cur->n; i++)
		builder_add_snap(&b, cur, &cur->stations[i]);
	swap_in(st, builder_finish(&b, cur->amenities, cur->namenities));
out:
	pthread_mutex_unlock(&st->write_mu);
	builder_release(&b);
	free(fresh);
	if (rc == RC_OK)
		trim_heap();
	return rc;
}

/* Reading */

const struct snap_station *snapshot_station(const struct snapshot *snap, int64_t id)
{
	struct snap_station key = { .id = id };
	return snap->n ? bsearch(&key, snap->stations, snap->n, sizeof(key), cmp_id) : NULL;
}

const char *snapshot_text(const struct snapshot *snap, uint32_t off)
{
	return snap->text + off;
}

struct hours_view snapshot_hours(const struct snapshot *snap, const struct snap_station *s)
{
	const struct snap_schedule *sc = &snap->schedules[s->schedule];
	struct hours_view v = { snap->range_pool + sc->ranges,
				sc->nranges,
				snap->exception_pool + sc->exceptions,
				sc->nexceptions,
				sc->closed,
				sc->closed_until_s };
	return v;
}

static bool schedule_open_at(const struct snapshot *snap, uint32_t schedule, int64_t now_s)
{
	const struct snap_schedule *sc = &snap->schedules[schedule];
	struct hours_view v = { snap->range_pool + sc->ranges,
				sc->nranges,
				snap->exception_pool + sc->exceptions,
				sc->nexceptions,
				sc->closed,
				sc->closed_until_s };
	return hours_view_open_at(&v, now_s);
}

bool snapshot_closed_at(const struct snapshot *snap, const struct snap_station *s, int64_t now_s)
{
	struct hours_view v = snapshot_hours(snap, s);
	return hours_view_closed_at(&v, now_s);
}

bool snapshot_open_at(const struct snapshot *snap, const struct snap_station *s, int64_t now_s)
{
	return schedule_open_at(snap, s->schedule, now_s);
}

int snapshot_amenity_bit(const struct snapshot *snap, const char *code)
{
	for (size_t i = 0; i < snap->namenities; i++)
		if (!strcmp(snap->amenities[i].code, code))
			return snap->amenities[i].bit;
	return -1;
}

/* A query asks "open now?" once per schedule, not once per station: the
 * answers for the first OPEN_CACHE_MAX schedules are kept on the stack
 * (0: not asked yet, else OPEN_NO or OPEN_YES); stations with a schedule
 * beyond that are asked each time, which is correct, only slower. */
#define OPEN_CACHE_MAX 4096
enum { OPEN_NO = 1, OPEN_YES = 2 };

struct filter_ctx {
	const struct snapshot *snap;
	const struct nearby_query *q;
	uint8_t *open; /* by schedule, for schedules below nopen */
	size_t nopen;
};

static bool filter_open(struct filter_ctx *c, uint32_t schedule)
{
	if (schedule >= c->nopen)
		return schedule_open_at(c->snap, schedule, c->q->now_s);
	if (!c->open[schedule])
		c->open[schedule] = schedule_open_at(c->snap, schedule, c->q->now_s) ? OPEN_YES
										     : OPEN_NO;
	return c->open[schedule] == OPEN_YES;
}

/* The index hands over entries whose tag is their schedule, so open now
 * costs no look at the station record; theme and level do. */
static bool nearby_filter(const struct geo_index_entry *e, void *arg)
{
	struct filter_ctx *c = arg;
	if (c->q->theme >= 0 || c->q->level >= 0) {
		const struct snap_station *s = &c->snap->stations[e->flags];
		if (c->q->theme >= 0 && s->theme != c->q->theme)
			return false;
		if (c->q->level >= 0 && s->level != c->q->level)
			return false;
	}
	return !c->q->open_now || filter_open(c, e->tag);
}

size_t snapshot_nearby(const struct snapshot *snap, const struct nearby_query *q,
		       struct geo_index_hit *work, struct nearby_hit *out)
{
	uint8_t open[OPEN_CACHE_MAX];
	struct filter_ctx c = { snap, q, open,
				snap->nschedules < OPEN_CACHE_MAX ? snap->nschedules
								  : OPEN_CACHE_MAX };
	bool filtered = q->open_now || q->theme >= 0 || q->level >= 0;

	memset(open, 0, c.nopen);
	size_t n = geo_index_nearest(snap->index, q->center, q->radius_m, q->amenities,
				     filtered ? nearby_filter : NULL, &c, q->limit, work);
	for (size_t i = 0; i < n; i++) {
		const struct snap_station *s = &snap->stations[work[i].entry->flags];
		out[i].station = s;
		out[i].distance_m = work[i].distance_m;
		out[i].open_now = filter_open(&c, s->schedule);
	}
	return n;
}

size_t snapshot_bbox(const struct snapshot *snap, double south, double west, double north,
		     double east, size_t limit, const struct snap_station **out)
{
	const struct geo_index_entry **entries = xcalloc(limit ? limit : 1, sizeof(*entries));
	size_t n = geo_index_bbox(snap->index, south, west, north, east, limit, entries);
	for (size_t i = 0; i < n; i++)
		out[i] = &snap->stations[entries[i]->flags];
	free(entries);
	return n;
}

size_t snapshot_search(const struct snapshot *snap, const char *q, const char *region_prefix,
		       size_t limit, const struct snap_station **out)
{
	size_t n = 0, plen = region_prefix ? strlen(region_prefix) : 0;
	for (size_t i = 0; i < snap->n && n < limit; i++) {
		const struct snap_station *s = &snap->stations[i];
		if (plen && strncmp(s->region_code, region_prefix, plen) != 0)
			continue;
		if (q && *q && !strstr(snap->text + s->name, q) &&
		    !strstr(snap->text + s->address, q))
			continue;
		out[n++] = s;
	}
	return n;
}
