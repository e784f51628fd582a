/* The snapshot: how it is built (from the database, from one changed
 * station and the current snapshot, or from stations given), and how it is
 * read. Swapping and freeing are the read-model store's (readmodel.c). */
#include "domain/station_snapshot.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "core/clock.h"
#include "core/log.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "geo/distance.h"

struct snapshot_store {
	struct readmodel *rm;
};

/* The fragments of a snapshot. Each station's entry, by its position in
 * stations, packs where its text lies in pool, its length, and the place
 * and length of its marked part: offset << 40 | len << 24 | hole << 8 |
 * hole_len, 0 for none (a fragment is never empty). Built complete, the
 * pool is exactly as large as the fragments. Otherwise (lazy) it is
 * SNAPSHOT_FRAGMENTS_MAX of reserved address space that becomes memory only
 * as it fills: a station's fragment is rendered the first time it is asked
 * for, appended under mu and published with an atomic store of its entry,
 * so readers never lock; mu is taken only by the first answers that need a
 * station after a write. */
struct snap_frags {
	_Atomic uint64_t *at;
	char *pool;
	size_t used; /* lazy: under mu */
	bool lazy;
	atomic_bool full; /* lazy: the pool is spent */
	pthread_mutex_t mu;
	struct readmodel *rm; /* the render hook; the store outlives its readers */
};

#define FRAG_LEN_MAX  0xffffu
#define FRAG_HOLE_MAX 0xffu
_Static_assert(SNAPSHOT_FRAGMENTS_MAX <= (1u << 24), "fragment offsets take 24 bits");

static bool frag_fits(const struct snap_fragment *f)
{
	return f->len && f->len <= FRAG_LEN_MAX && f->hole_len <= FRAG_HOLE_MAX;
}

static uint64_t frag_entry(size_t off, const struct snap_fragment *f)
{
	return (uint64_t)off << 40 | (uint64_t)f->len << 24 | (uint64_t)f->hole << 8 |
	       (uint64_t)f->hole_len;
}

/* The fragment of entry e (not 0) of pool. */
static struct snap_fragment frag_decode(const char *pool, uint64_t e)
{
	struct snap_fragment f = {
		.text = pool + (e >> 40),
		.len = (e >> 24) & FRAG_LEN_MAX,
		.hole = (e >> 8) & FRAG_LEN_MAX,
		.hole_len = e & FRAG_HOLE_MAX,
		.kept = true,
	};
	return f;
}

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
	/* Fragments, while they fit SNAPSHOT_FRAGMENTS_MAX: entries by the
	 * order stations were added (frag_entry), text in frags. */
	struct readmodel *rm; /* NULL: no fragments */
	const struct amenity *catalog;
	size_t ncatalog;
	bool lazy;	 /* the fragments did not fit: render them on demand */
	size_t expected; /* stations the build will add, if known */
	uint64_t *frag_at;
	struct sb frags;
	struct sb scratch;
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

static void builder_init(struct builder *b, struct readmodel *rm)
{
	memset(b, 0, sizeof(*b));
	sb_init(&b->text, 0);
	sb_init(&b->frags, 0);
	sb_init(&b->scratch, 0);
	b->rm = rm && readmodel_renders(rm) ? rm : NULL;
}

static void builder_reserve(struct builder *b, size_t cap)
{
	if (cap <= b->cap)
		return;
	b->cap = cap;
	b->stations = xrealloc(b->stations, b->cap * sizeof(*b->stations));
	b->frag_at = xrealloc(b->frag_at, b->cap * sizeof(*b->frag_at));
}

static struct snap_station *builder_next(struct builder *b)
{
	if (b->n == b->cap)
		builder_reserve(b, b->cap ? b->cap * 2 : 256);
	b->frag_at[b->n] = 0;
	return &b->stations[b->n++];
}

/* The fragments do not fit: the snapshot renders them on demand instead. */
static void builder_go_lazy(struct builder *b)
{
	b->lazy = true;
	sb_release(&b->frags);
	memset(b->frag_at, 0, b->n * sizeof(*b->frag_at));
}

/* Keeps f as the fragment of the station added last, while the fragments
 * fit. */
static void builder_keep(struct builder *b, const struct snap_fragment *f)
{
	if (b->lazy || !frag_fits(f))
		return;
	/* Give up as soon as the stations so far say that all will not fit,
	 * rather than render megabytes only to throw them away. */
	bool hopeless = b->n >= 256 && b->expected > b->n &&
			b->frags.len / b->n * b->expected > SNAPSHOT_FRAGMENTS_MAX;
	if (hopeless || b->frags.len + f->len > SNAPSHOT_FRAGMENTS_MAX) {
		builder_go_lazy(b);
		return;
	}
	b->frag_at[b->n - 1] = frag_entry(b->frags.len, f);
	sb_add(&b->frags, f->text, f->len);
}

/* Renders station s through rm's hook into sb (emptied first) and takes
 * the two NULs that mark its location out: *out describes what is left in
 * sb (no marked part if the hook marks none). */
static void render_row(struct readmodel *rm, const struct station *s, const struct amenity *catalog,
		       size_t ncatalog, struct sb *sb, struct snap_fragment *out)
{
	struct snapshot_row row = { s, catalog, ncatalog };
	sb_reset(sb);
	readmodel_render(rm, &row, sb);
	*out = (struct snap_fragment){ .len = sb->err ? 0 : sb->len, .hole = sb->len };
	char *start = out->len ? memchr(sb->buf, '\0', sb->len) : NULL;
	char *end = start ? memchr(start + 1, '\0', sb->len - (size_t)(start + 1 - sb->buf)) : NULL;
	if (end) {
		out->hole = (size_t)(start - sb->buf);
		out->hole_len = (size_t)(end - start - 1);
		memmove(start, start + 1, out->hole_len);
		memmove(end - 1, end + 1, sb->len - (size_t)(end + 1 - sb->buf));
		sb->len -= 2;
		sb->buf[sb->len] = '\0';
		out->len = sb->len;
	}
	out->text = sb_str(sb);
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
	if (b->rm && !b->lazy) {
		struct snap_fragment f;
		render_row(b->rm, s, b->catalog, b->ncatalog, &b->scratch, &f);
		builder_keep(b, &f);
	}
}

/* Adds a station of another snapshot, with its text, hours and fragment. */
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
	if (b->rm && !b->lazy) {
		uint64_t e = atomic_load(&snap->frags->at[s - snap->stations]);
		if (e) {
			struct snap_fragment f = frag_decode(snap->frags->pool, e);
			builder_keep(b, &f);
		}
	}
}

struct by_id {
	int64_t id;
	size_t at;
};

static int cmp_by_id(const void *a, const void *b)
{
	int64_t x = ((const struct by_id *)a)->id, y = ((const struct by_id *)b)->id;
	return (x > y) - (x < y);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = ((const struct snap_station *)a)->id, y = ((const struct snap_station *)b)->id;
	return (x > y) - (x < y);
}

/* Puts the stations (and their fragment entries) in id order. Their text
 * offsets were taken as they came, so only the records move. */
static void builder_sort(struct builder *b)
{
	bool sorted = true;
	for (size_t i = 1; i < b->n && sorted; i++)
		sorted = b->stations[i - 1].id <= b->stations[i].id;
	if (sorted)
		return;
	struct by_id *order = xmalloc(b->n * sizeof(*order));
	for (size_t i = 0; i < b->n; i++)
		order[i] = (struct by_id){ b->stations[i].id, i };
	qsort(order, b->n, sizeof(*order), cmp_by_id);
	struct snap_station *stations = xmalloc(b->cap * sizeof(*stations));
	uint64_t *frag_at = xmalloc(b->cap * sizeof(*frag_at));
	for (size_t i = 0; i < b->n; i++) {
		stations[i] = b->stations[order[i].at];
		frag_at[i] = b->frag_at[order[i].at];
	}
	free(b->stations);
	free(b->frag_at);
	free(order);
	b->stations = stations;
	b->frag_at = frag_at;
}

/* realloc to exactly n elements of size bytes (at least one, so never NULL):
 * a snapshot lives long, and the slack of a doubling array is dead weight. */
static void *fit(void *p, size_t n, size_t size)
{
	return xrealloc(p, (n ? n : 1) * size);
}

/* The fragments of what b holds, which it takes. */
static struct snap_frags *frags_finish(struct builder *b)
{
	struct snap_frags *f = xcalloc(1, sizeof(*f));
	f->at = xcalloc(b->n ? b->n : 1, sizeof(*f->at));
	pthread_mutex_init(&f->mu, NULL);
	f->rm = b->rm;
	if (!b->rm)
		return f;
	if (b->lazy) {
		/* Reserved, not committed: pages become memory as they fill. */
		void *pool = mmap(NULL, SNAPSHOT_FRAGMENTS_MAX, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		f->lazy = true;
		f->pool = pool == MAP_FAILED ? NULL : pool;
		atomic_init(&f->full, f->pool == NULL);
		return f;
	}
	for (size_t i = 0; i < b->n; i++)
		atomic_init(&f->at[i], b->frag_at[i]);
	size_t len = 0;
	f->pool = sb_detach(&b->frags, &len);
	f->pool = xrealloc(f->pool, len + 1);
	f->used = len;
	return f;
}

static void frags_free(struct snap_frags *f)
{
	if (!f)
		return;
	if (f->lazy && f->pool)
		munmap(f->pool, SNAPSHOT_FRAGMENTS_MAX);
	else
		free(f->pool);
	free((void *)f->at);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/* A *new* snapshot of what b holds, which it takes, leaving b empty. */
static struct snapshot *builder_finish(struct builder *b, const struct amenity *catalog,
				       size_t ncatalog)
{
	struct snapshot *snap = xcalloc(1, sizeof(*snap));
	size_t text_len = 0;

	builder_sort(b);
	snap->frags = frags_finish(b);
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
	free(b->frag_at);
	sb_release(&b->frags);
	sb_release(&b->scratch);
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
	free(b->frag_at);
	sb_release(&b->text);
	sb_release(&b->frags);
	sb_release(&b->scratch);
}

static void snapshot_free(void *ctx, void *model)
{
	struct snapshot *snap = model;
	(void)ctx;
	if (!snap)
		return;
	free(snap->stations);
	free(snap->text);
	free(snap->schedules);
	free(snap->range_pool);
	free(snap->exception_pool);
	geo_index_free(snap->index);
	free(snap->amenities);
	frags_free(snap->frags);
	free(snap);
}

/* Every station of the database. */
static enum rc build_all(struct builder *b, struct db *db, struct snapshot **out,
			 struct problem *prob)
{
	struct amenity *catalog = NULL;
	size_t ncatalog = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, "SELECT COUNT(*) FROM stations", NULL, 0, &rows, prob);
	if (rc == RC_OK) {
		b->expected = (size_t)db_rows_int(rows, 0, 0);
		db_rows_free(rows);
		rc = amenity_catalog(db, &catalog, &ncatalog, prob);
	}
	b->catalog = catalog;
	b->ncatalog = ncatalog;
	if (rc == RC_OK)
		rc = station_each(db, builder_add, b, prob);
	if (rc == RC_OK)
		*out = builder_finish(b, catalog, ncatalog);
	free(catalog);
	return rc;
}

/* The current snapshot with station id as the database has it now: added,
 * replaced, or left out if it is gone. Read under the writers' lock, so of
 * two writes to one station the later swap carries the later row. */
static enum rc build_one(struct builder *b, const struct snapshot *cur, struct db *db, int64_t id,
			 struct snapshot **out, struct problem *prob)
{
	struct station *fresh = xmalloc(sizeof(*fresh));
	enum rc rc = station_get(db, id, fresh, prob);
	bool present = rc == RC_OK;
	if (rc == RC_NOT_FOUND) {
		problem_init(prob);
		rc = RC_OK;
	}
	if (rc != RC_OK)
		goto out;
	/* The stations in id order, the one that changed in its place; the
	 * others keep their fragments, unless the current snapshot renders
	 * on demand (then so does this one). */
	b->catalog = cur->amenities;
	b->ncatalog = cur->namenities;
	b->lazy = cur->frags->lazy;
	b->expected = cur->n + 1;
	builder_reserve(b, cur->n + 1);
	sb_reserve(&b->text, cur->text_len + sizeof(fresh->name) + sizeof(fresh->address) +
				     sizeof(fresh->phone));
	if (b->rm && !b->lazy)
		sb_reserve(&b->frags, cur->frags->used + 4096);
	size_t i = 0;
	for (; i < cur->n && cur->stations[i].id < id; i++)
		builder_add_snap(b, cur, &cur->stations[i]);
	if (present)
		builder_add(fresh, b);
	if (i < cur->n && cur->stations[i].id == id)
		i++;
	for (; i < cur->n; i++)
		builder_add_snap(b, cur, &cur->stations[i]);
	*out = builder_finish(b, cur->amenities, cur->namenities);
out:
	free(fresh);
	return rc;
}

/* The catalog that goes with stations given directly (snapshot_store_load). */
struct given_catalog {
	const struct amenity *items;
	size_t n;
};

/* The read-model store's build hook (readmodel.h). */
static enum rc snapshot_build(void *ctx, struct readmodel *rm, const void *current,
			      const struct readmodel_source *src, uint64_t generation, void **out,
			      struct problem *prob)
{
	const struct snapshot *cur = current;
	struct snapshot *snap = NULL;
	struct builder b;
	enum rc rc = RC_OK;
	(void)ctx;
	builder_init(&b, rm);
	if (src->db && src->id) {
		rc = build_one(&b, cur, src->db, src->id, &snap, prob);
	} else if (src->db) {
		rc = build_all(&b, src->db, &snap, prob);
	} else {
		const struct station *stations = src->rows;
		const struct given_catalog *g = src->arg;
		b.catalog = g ? g->items : NULL;
		b.ncatalog = g ? g->n : 0;
		b.expected = src->nrows;
		for (size_t i = 0; i < src->nrows; i++)
			builder_add(&stations[i], &b);
		snap = builder_finish(&b, b.catalog, b.ncatalog);
	}
	builder_release(&b);
	if (rc != RC_OK)
		return rc;
	snap->generation = generation;
	*out = snap;
	return RC_OK;
}

static const struct readmodel_ops snapshot_ops = {
	.build = snapshot_build,
	.free = snapshot_free,
};

/* The store */

struct snapshot_store *snapshot_store_new(const struct readmodel_render *render)
{
	struct snapshot_store *st = xcalloc(1, sizeof(*st));
	st->rm = readmodel_new(&snapshot_ops, NULL, render);
	return st;
}

void snapshot_store_free(struct snapshot_store *st)
{
	if (!st)
		return;
	readmodel_free(st->rm);
	free(st);
}

const struct snapshot *snapshot_acquire(struct snapshot_store *st)
{
	return readmodel_acquire(st->rm);
}

void snapshot_release(struct snapshot_store *st, const struct snapshot *snap)
{
	readmodel_release(st->rm, snap);
}

struct readmodel_hold *snapshot_hold(struct snapshot_store *st, const struct snapshot *snap)
{
	return readmodel_hold(st->rm, snap);
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

enum rc snapshot_store_reload(struct snapshot_store *st, struct db *db, struct problem *prob)
{
	struct readmodel_source src = { .db = db };
	enum rc rc = readmodel_refresh(st->rm, &src, prob);
	if (rc == RC_OK)
		trim_heap();
	return rc;
}

void snapshot_store_load(struct snapshot_store *st, const struct station *stations, size_t n,
			 const struct amenity *catalog, size_t ncatalog)
{
	struct given_catalog g = { catalog, ncatalog };
	struct readmodel_source src = { .rows = stations, .nrows = n, .arg = &g };
	struct problem prob;
	problem_init(&prob);
	enum rc rc = readmodel_refresh(st->rm, &src, &prob);
	assert(rc == RC_OK); /* building from given rows cannot fail */
	(void)rc;
}

enum rc snapshot_store_update_station(struct snapshot_store *st, struct db *db, int64_t id,
				      struct problem *prob)
{
	struct readmodel_source src = { .db = db, .id = id };
	enum rc rc = readmodel_refresh(st->rm, &src, prob);
	if (rc == RC_OK)
		trim_heap();
	return rc;
}

/* Fragments */

/* A struct station with what the snapshot keeps of s: the fields its
 * summary shows, for the render hook. */
static void station_of(const struct snapshot *snap, const struct snap_station *s,
		       struct station *out)
{
	memset(out, 0, sizeof(*out));
	out->id = s->id;
	out->parent_id = s->parent_id;
	text_copy(out->name, sizeof(out->name), snap->text + s->name);
	text_copy(out->level, sizeof(out->level), station_levels[s->level].code);
	text_copy(out->theme, sizeof(out->theme), station_themes[s->theme].code);
	memcpy(out->region_code, s->region_code, sizeof(out->region_code));
	text_copy(out->address, sizeof(out->address), snap->text + s->address);
	out->lat = s->pt.lat;
	out->lng = s->pt.lng;
	out->amenities = s->amenities;
	text_copy(out->phone, sizeof(out->phone), snap->text + s->phone);
	out->stars = s->stars;
	out->hours.closed = s->closed;
}

/* Keeps the fragment just rendered into out (in scratch) for station i of
 * a snapshot that renders on demand, if the pool has room; out then points
 * at the kept copy. */
static void frag_keep(struct snap_frags *f, size_t i, struct snap_fragment *out)
{
	if (!f->lazy || !frag_fits(out) || atomic_load_explicit(&f->full, memory_order_relaxed))
		return;
	pthread_mutex_lock(&f->mu);
	uint64_t e = atomic_load_explicit(&f->at[i], memory_order_relaxed);
	if (e) {
		/* Another thread kept it meanwhile. */
		*out = frag_decode(f->pool, e);
	} else if (f->used + out->len > SNAPSHOT_FRAGMENTS_MAX) {
		atomic_store_explicit(&f->full, true, memory_order_relaxed);
	} else {
		memcpy(f->pool + f->used, out->text, out->len);
		atomic_store_explicit(&f->at[i], frag_entry(f->used, out), memory_order_release);
		out->text = f->pool + f->used;
		out->kept = true;
		f->used += out->len;
	}
	pthread_mutex_unlock(&f->mu);
}

bool snapshot_fragment(const struct snapshot *snap, const struct snap_station *s,
		       struct sb *scratch, struct snap_fragment *out)
{
	struct snap_frags *f = snap->frags;
	if (!f->rm)
		return false;
	size_t i = (size_t)(s - snap->stations);
	uint64_t e = atomic_load_explicit(&f->at[i], memory_order_acquire);
	if (e) {
		*out = frag_decode(f->pool, e);
		return true;
	}
	/* Not kept (yet): render it from what the snapshot holds. */
	struct station st;
	station_of(snap, s, &st);
	render_row(f->rm, &st, snap->amenities, snap->namenities, scratch, out);
	out->kept = false;
	frag_keep(f, i, out);
	return true;
}

void snapshot_prefetch_fragments(const struct snapshot *snap, const struct nearby_hit *hits,
				 size_t n)
{
	const struct snap_frags *f = snap->frags;
	for (size_t i = 0; i < n; i++)
		__builtin_prefetch((const void *)&f->at[hits[i].station - snap->stations]);
	for (size_t i = 0; i < n; i++) {
		uint64_t e = atomic_load_explicit(&f->at[hits[i].station - snap->stations],
						  memory_order_relaxed);
		/* A fragment is 300–500 bytes; prefetching never faults. */
		for (size_t at = 0; e && at < 512; at += 64)
			__builtin_prefetch(f->pool + (e >> 40) + at);
	}
}

bool snapshot_fragments_complete(const struct snapshot *snap)
{
	return snap->frags->rm && !snap->frags->lazy;
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
