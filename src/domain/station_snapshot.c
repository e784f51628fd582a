/* The snapshot and its store. Hazard pointers (Michael, 2004) keep readers
 * lock-free: a reader publishes the pointer it is about to use in its own
 * slot and re-checks that it is still current; the writer, after swapping,
 * waits until no slot holds the old pointer. Reads take nanoseconds and
 * writes are rare, so the writer's short wait costs nothing anyone sees. */
#include "domain/station_snapshot.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	pthread_key_t slot_key;     /* slot index + 1 of the calling thread */
	pthread_mutex_t write_mu;   /* one rebuild at a time */
	uint64_t generation;
};

/* Building */

struct builder {
	size_t n, cap;
	struct snap_station *stations;
	struct sb text;
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

static void builder_add(const struct station *s, void *ctx)
{
	struct builder *b = ctx;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->stations = xrealloc(b->stations, b->cap * sizeof(*b->stations));
	}
	struct snap_station *o = &b->stations[b->n++];
	memset(o, 0, sizeof(*o));
	o->id = s->id;
	o->parent_id = s->parent_id;
	o->pt.lat = s->lat;
	o->pt.lng = s->lng;
	o->amenities = s->amenities;
	o->closed = s->hours.closed;
	o->closed_until_s = s->hours.closed_until_s;
	o->updated_s = s->updated_s;
	o->name = add_text(b, s->name);
	o->address = add_text(b, s->address);
	o->phone = add_text(b, s->phone);
	int lv = station_kind_find(station_levels, s->level);
	int th = station_kind_find(station_themes, s->theme);
	o->level = (uint8_t)(lv < 0 ? 0 : lv);
	o->theme = (uint8_t)(th < 0 ? 0 : th);
	o->stars = (uint8_t)s->stars;
	memcpy(o->region_code, s->region_code, sizeof(o->region_code));
	if (b->nranges + s->hours.nranges > b->cap_ranges) {
		b->cap_ranges = (b->cap_ranges + s->hours.nranges) * 2;
		b->ranges = xrealloc(b->ranges, b->cap_ranges * sizeof(*b->ranges));
	}
	o->ranges = (uint32_t)b->nranges;
	o->nranges = (uint16_t)s->hours.nranges;
	if (s->hours.nranges)
		memcpy(b->ranges + b->nranges, s->hours.ranges, s->hours.nranges * sizeof(*b->ranges));
	b->nranges += s->hours.nranges;
	if (b->nexc + s->hours.nexceptions > b->cap_exc) {
		b->cap_exc = (b->cap_exc + s->hours.nexceptions) * 2 + 16;
		b->exc = xrealloc(b->exc, b->cap_exc * sizeof(*b->exc));
	}
	o->exceptions = (uint32_t)b->nexc;
	o->nexceptions = (uint16_t)s->hours.nexceptions;
	if (s->hours.nexceptions)
		memcpy(b->exc + b->nexc, s->hours.exceptions, s->hours.nexceptions * sizeof(*b->exc));
	b->nexc += s->hours.nexceptions;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = ((const struct snap_station *)a)->id, y = ((const struct snap_station *)b)->id;
	return (x > y) - (x < y);
}

static struct snapshot *builder_finish(struct builder *b, const struct amenity *catalog,
				       size_t ncatalog)
{
	struct snapshot *snap = xcalloc(1, sizeof(*snap));
	/* Station text offsets were taken before sorting, so sorting moves
	 * only the records. */
	if (b->n)
		qsort(b->stations, b->n, sizeof(*b->stations), cmp_id);
	snap->n = b->n;
	snap->stations = b->stations ? b->stations : xcalloc(1, sizeof(*snap->stations));
	snap->text = sb_detach(&b->text, NULL);
	snap->range_pool = b->ranges;
	snap->exception_pool = b->exc;
	struct geo_index_entry *entries = xcalloc(b->n ? b->n : 1, sizeof(*entries));
	for (size_t i = 0; i < b->n; i++) {
		entries[i].id = snap->stations[i].id;
		entries[i].pt = snap->stations[i].pt;
		entries[i].amenities = snap->stations[i].amenities;
		entries[i].flags = (uint32_t)i;
	}
	snap->index = geo_index_build(entries, b->n);
	free(entries);
	snap->namenities = ncatalog;
	snap->amenities = xcalloc(ncatalog ? ncatalog : 1, sizeof(*snap->amenities));
	if (ncatalog)
		memcpy(snap->amenities, catalog, ncatalog * sizeof(*catalog));
	snap->built_s = clock_now_s();
	return snap;
}

static void snapshot_free(struct snapshot *snap)
{
	if (!snap)
		return;
	free(snap->stations);
	free(snap->text);
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
		free(b.stations);
		free(b.ranges);
		free(b.exc);
		sb_release(&b.text);
		free(catalog);
		return rc;
	}
	swap_in(st, builder_finish(&b, catalog, ncatalog));
	pthread_mutex_unlock(&st->write_mu);
	free(catalog);
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
	struct hours_view v = { snap->range_pool + s->ranges, s->nranges,
				snap->exception_pool + s->exceptions, s->nexceptions, s->closed,
				s->closed_until_s };
	return v;
}

bool snapshot_open_at(const struct snapshot *snap, const struct snap_station *s, int64_t now_s)
{
	struct hours_view v = snapshot_hours(snap, s);
	return hours_view_open_at(&v, now_s);
}

int snapshot_amenity_bit(const struct snapshot *snap, const char *code)
{
	for (size_t i = 0; i < snap->namenities; i++)
		if (!strcmp(snap->amenities[i].code, code))
			return snap->amenities[i].bit;
	return -1;
}

struct filter_ctx {
	const struct snapshot *snap;
	const struct nearby_query *q;
};

static bool nearby_filter(const struct geo_index_entry *e, void *arg)
{
	struct filter_ctx *c = arg;
	const struct snap_station *s = &c->snap->stations[e->flags];
	if (c->q->theme >= 0 && s->theme != c->q->theme)
		return false;
	if (c->q->level >= 0 && s->level != c->q->level)
		return false;
	return !c->q->open_now || snapshot_open_at(c->snap, s, c->q->now_s);
}

size_t snapshot_nearby(const struct snapshot *snap, const struct nearby_query *q,
		       struct geo_index_hit *work, struct nearby_hit *out)
{
	struct filter_ctx c = { snap, q };
	size_t n = geo_index_nearest(snap->index, q->center, q->radius_m, q->amenities,
				     nearby_filter, &c, q->limit, work);
	for (size_t i = 0; i < n; i++) {
		const struct snap_station *s = &snap->stations[work[i].entry->flags];
		out[i].station = s;
		out[i].distance_m = work[i].distance_m;
		out[i].open_now = q->open_now || snapshot_open_at(snap, s, q->now_s);
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
		if (q && *q && !strstr(snap->text + s->name, q) && !strstr(snap->text + s->address, q))
			continue;
		out[n++] = s;
	}
	return n;
}
