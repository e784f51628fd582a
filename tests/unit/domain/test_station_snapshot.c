/* Tests of src/domain/station_snapshot.c: answers equal a brute-force reading
 * of the same stations (amenities, open now, theme, distance order), shared
 * schedules keep every station's hours, lookups and search, each station's
 * fragment from the render hook (all kept at build when they fit, else
 * rendered and kept on demand, by several threads at once), a one-station
 * update equals a full reload (fragments included), and readers that never
 * see a freed snapshot while writers swap new ones in (run under ASan in
 * CI). */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/clock.h"
#include "core/log.h"
#include "domain/station_snapshot.h"
#include "geo/distance.h"

#include "fixture.h"

#define N 3000

static struct amenity catalog[] = {
	{ .code = "water", .bit = 0 },
	{ .code = "microwave", .bit = 4 },
	{ .code = "charger", .bit = 6 },
};

static uint64_t rng = 42;
static double frand(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(rng >> 11) / (double)(1ull << 53);
}

static struct station *make_stations(size_t n)
{
	struct station *st = calloc(n, sizeof(*st));
	for (size_t i = 0; i < n; i++) {
		struct station *s = &st[i];
		s->id = (int64_t)(n - i); /* out of order on purpose */
		snprintf(s->name, sizeof(s->name), "驿站%zu号", i);
		snprintf(s->address, sizeof(s->address), "宝鸡市金台区第%zu街", i % 50);
		memcpy(s->level, "community", 10);
		memcpy(s->theme, i % 3 ? "general" : "love", i % 3 ? 8 : 5);
		memcpy(s->region_code, i % 2 ? "610303008003" : "610302004008", 13);
		s->lat = 34.36 + (frand() - 0.5) * 0.1;
		s->lng = 107.20 + (frand() - 0.5) * 0.1;
		s->amenities = (frand() < 0.5 ? 1ull << 4 : 0) | (frand() < 0.7 ? 1ull : 0);
		int kind = (int)(frand() * 4);
		for (int d = 1; d <= 7; d++) {
			struct hours_range r = { (uint8_t)d, 480, 1200 };
			if (kind == 1)
				r = (struct hours_range){ (uint8_t)d, 0, 1440 };
			if (kind == 2)
				r = (struct hours_range){ (uint8_t)d, 1320, 120 };
			s->hours.ranges[s->hours.nranges++] = r;
		}
		s->hours.closed = kind == 3 && frand() < 0.5;
		/* Some close until a moment in the coming week, some have a
		 * dated exception in it: shared schedules must keep both. */
		if (s->hours.closed && frand() < 0.5)
			s->hours.closed_until_s = clock_now_s() + (int64_t)(frand() * 7 * 86400);
		if (frand() < 0.2) {
			int32_t today;
			int wd, min;
			hours_local(clock_now_s(), &today, &wd, &min);
			struct hours_exception *e = &s->hours.exceptions[s->hours.nexceptions++];
			e->day_num = today + (int32_t)(frand() * 7);
			e->closed = frand() < 0.5;
			e->open_min = e->closed ? 0 : 600;
			e->close_min = e->closed ? 0 : 840;
		}
	}
	return st;
}

/* A render hook of the tests' own: "[id name|", then the location between
 * two NULs, then "|phone amenities]" and *ctx dots of padding (ctx may be
 * NULL). */
static void render_test(void *ctx, const void *row, struct sb *sb)
{
	const struct snapshot_row *r = row;
	const struct station *s = r->station;
	size_t pad = ctx ? *(const size_t *)ctx : 0;
	sb_addf(sb, "[%lld %s|", (long long)s->id, s->name);
	sb_addc(sb, '\0');
	sb_addf(sb, "%.6f,%.6f", s->lat, s->lng);
	sb_addc(sb, '\0');
	sb_addf(sb, "|%s %llx]", s->phone, (unsigned long long)s->amenities);
	for (size_t i = 0; i < pad; i++)
		sb_addc(sb, '.');
}

/* Checks f against what render_test gives for s, without the NULs. */
static void assert_fragment_of(const struct snap_fragment *f, const struct station *s, size_t pad)
{
	char pre[400], hole[64], post[80];
	snprintf(pre, sizeof(pre), "[%lld %s|", (long long)s->id, s->name);
	snprintf(hole, sizeof(hole), "%.6f,%.6f", s->lat, s->lng);
	snprintf(post, sizeof(post), "|%s %llx]", s->phone, (unsigned long long)s->amenities);
	size_t lp = strlen(pre), lh = strlen(hole), lq = strlen(post);
	assert_int_equal(f->len, lp + lh + lq + pad);
	assert_int_equal(f->hole, lp);
	assert_int_equal(f->hole_len, lh);
	assert_memory_equal(f->text, pre, lp);
	assert_memory_equal(f->text + lp, hole, lh);
	assert_memory_equal(f->text + lp + lh, post, lq);
	for (size_t i = 0; i < pad; i++)
		assert_int_equal(f->text[lp + lh + lq + i], '.');
}

/* Checks snapshot_nearby against a brute-force reading of stations, which
 * has station ids n..1 (make_stations). */
static void assert_nearby_matches(const struct snapshot *snap, const struct station *st,
				  size_t n_st, const struct nearby_query *nq)
{
	struct geo_index_hit work[20];
	struct nearby_hit hits[20];
	struct ref {
		double d;
		int64_t id;
	} *ref = calloc(n_st, sizeof(*ref));
	size_t n = snapshot_nearby(snap, nq, work, hits), m = 0;

	for (size_t i = 0; i < n_st; i++) {
		const struct station *s = &st[i];
		double d = geo_distance_m(nq->center, (struct geo_point){ s->lat, s->lng });
		if (d > nq->radius_m || (s->amenities & nq->amenities) != nq->amenities)
			continue;
		if (nq->theme >= 0 && strcmp(s->theme, station_themes[nq->theme].code) != 0)
			continue;
		if (nq->open_now && !hours_open_at(&s->hours, nq->now_s))
			continue;
		ref[m].d = d;
		ref[m].id = s->id;
		m++;
	}
	/* selection of the nearest, ties by id */
	for (size_t i = 0; i < m && i < nq->limit; i++) {
		size_t best = i;
		for (size_t k = i + 1; k < m; k++)
			if (ref[k].d < ref[best].d ||
			    (ref[k].d == ref[best].d && ref[k].id < ref[best].id))
				best = k;
		struct ref t = ref[i];
		ref[i] = ref[best];
		ref[best] = t;
	}
	size_t want = m < nq->limit ? m : nq->limit;
	assert_int_equal(n, want);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(hits[i].station->id, ref[i].id);
		assert_true(hits[i].distance_m == ref[i].d);
		const struct station *s = &st[n_st - (size_t)ref[i].id];
		assert_int_equal(hits[i].open_now, hours_open_at(&s->hours, nq->now_s));
	}
	free(ref);
}

static struct nearby_query random_query(int q)
{
	struct nearby_query nq = {
		.center = { 34.36 + (frand() - 0.5) * 0.1, 107.20 + (frand() - 0.5) * 0.1 },
		.radius_m = 300 + frand() * 3000,
		.limit = 1 + (size_t)(frand() * 19),
		.amenities = q % 2 ? 1ull << 4 : 0,
		.open_now = q % 3 == 0,
		.now_s = clock_now_s() + (int64_t)(frand() * 7 * 86400),
		.theme = q % 5 == 0 ? station_kind_find(station_themes, "love") : -1,
		.level = -1,
	};
	return nq;
}

static void test_snapshot__nearby_matches_brute_force(void **state)
{
	(void)state;
	struct station *st = make_stations(N);
	struct snapshot_store *store = snapshot_store_new(NULL);
	snapshot_store_load(store, st, N, catalog, 3);
	const struct snapshot *snap = snapshot_acquire(store);
	assert_int_equal(snap->n, N);
	for (int q = 0; q < 200; q++) {
		struct nearby_query nq = random_query(q);
		assert_nearby_matches(snap, st, N, &nq);
	}
	snapshot_release(store, snap);
	snapshot_store_free(store);
	free(st);
}

static bool hours_same(const struct hours_view *x, const struct hours *y)
{
	if (x->nranges != y->nranges || x->nexceptions != y->nexceptions ||
	    x->closed != y->closed || x->closed_until_s != y->closed_until_s)
		return false;
	for (size_t i = 0; i < y->nranges; i++)
		if (x->ranges[i].day != y->ranges[i].day ||
		    x->ranges[i].open_min != y->ranges[i].open_min ||
		    x->ranges[i].close_min != y->ranges[i].close_min)
			return false;
	for (size_t i = 0; i < y->nexceptions; i++)
		if (x->exceptions[i].day_num != y->exceptions[i].day_num ||
		    x->exceptions[i].closed != y->exceptions[i].closed ||
		    x->exceptions[i].open_min != y->exceptions[i].open_min ||
		    x->exceptions[i].close_min != y->exceptions[i].close_min)
			return false;
	return true;
}

static void test_snapshot__stations_with_the_same_hours_share_a_schedule(void **state)
{
	(void)state;
	struct station *st = make_stations(400);
	struct snapshot_store *store = snapshot_store_new(NULL);
	snapshot_store_load(store, st, 400, catalog, 3);
	const struct snapshot *snap = snapshot_acquire(store);
	assert_true(snap->nschedules < 100);
	for (size_t i = 0; i < 400; i++) {
		const struct snap_station *a = snapshot_station(snap, st[i].id);
		struct hours_view v = snapshot_hours(snap, a);
		assert_true(hours_same(&v, &st[i].hours));
		assert_int_equal(a->closed, st[i].hours.closed);
		for (size_t k = 0; k < i; k++) {
			const struct snap_station *b = snapshot_station(snap, st[k].id);
			assert_int_equal(a->schedule == b->schedule, hours_same(&v, &st[k].hours));
		}
	}
	snapshot_release(store, snap);
	snapshot_store_free(store);
	free(st);
}

/* A query remembers "open now" for a few thousand schedules; stations with
 * schedules beyond those are asked each time and must get the same answer. */
static void test_snapshot__open_now_is_right_past_the_remembered_schedules(void **state)
{
	(void)state;
	enum { MANY = 6000 };
	struct station *st = make_stations(MANY);
	for (size_t i = 0; i < MANY; i++) {
		/* A past, distinct exception each: as many schedules as stations. */
		struct hours *h = &st[i].hours;
		if (h->nexceptions == HOURS_EXCEPTIONS_MAX)
			continue;
		h->exceptions[h->nexceptions++] = (struct hours_exception){ .day_num = (int32_t)i,
									    .closed = true };
	}
	struct snapshot_store *store = snapshot_store_new(NULL);
	snapshot_store_load(store, st, MANY, catalog, 3);
	const struct snapshot *snap = snapshot_acquire(store);
	assert_true(snap->nschedules > 5000);
	for (int q = 0; q < 100; q++) {
		struct nearby_query nq = random_query(q * 3);
		assert_nearby_matches(snap, st, MANY, &nq);
	}
	snapshot_release(store, snap);
	snapshot_store_free(store);
	free(st);
}

static void test_snapshot__lookup_and_search(void **state)
{
	(void)state;
	struct station *st = make_stations(100);
	struct snapshot_store *store = snapshot_store_new(NULL);
	snapshot_store_load(store, st, 100, catalog, 3);
	const struct snapshot *snap = snapshot_acquire(store);
	const struct snap_station *s = snapshot_station(snap, 42);
	assert_non_null(s);
	assert_int_equal(s->id, 42);
	assert_string_equal(snapshot_text(snap, s->name), st[100 - 42].name);
	assert_null(snapshot_station(snap, 0));
	assert_null(snapshot_station(snap, 101));
	const struct snap_station *out[100];
	size_t n = snapshot_search(snap, "驿站7", NULL, 100, out);
	assert_int_equal(n, 11); /* 7, 70–79 */
	for (size_t i = 1; i < n; i++)
		assert_true(out[i - 1]->id < out[i]->id);
	n = snapshot_search(snap, "第4街", "610302", 100, out);
	for (size_t i = 0; i < n; i++)
		assert_memory_equal(out[i]->region_code, "610302", 6);
	assert_true(n > 0);
	assert_int_equal(snapshot_amenity_bit(snap, "microwave"), 4);
	assert_int_equal(snapshot_amenity_bit(snap, "nope"), -1);
	snapshot_release(store, snap);
	snapshot_store_free(store);
	free(st);
}

static void test_snapshot__keeps_every_stations_fragment_rendered_at_build(void **state)
{
	(void)state;
	struct station *st = make_stations(N);
	struct readmodel_render hook = { render_test, NULL };
	struct snapshot_store *store = snapshot_store_new(&hook);
	snapshot_store_load(store, st, N, catalog, 3);
	const struct snapshot *snap = snapshot_acquire(store);
	assert_true(snapshot_fragments_complete(snap));
	struct sb scratch = SB_INIT;
	/* The stations came in descending id order: each fragment follows its
	 * station into place. */
	for (size_t i = 0; i < N; i++) {
		struct snap_fragment f;
		assert_true(
			snapshot_fragment(snap, snapshot_station(snap, st[i].id), &scratch, &f));
		assert_true(f.kept);
		assert_fragment_of(&f, &st[i], 0);
	}
	assert_int_equal(scratch.len, 0);
	snapshot_release(store, snap);
	snapshot_store_free(store);

	/* Without a hook, no fragments. */
	store = snapshot_store_new(NULL);
	snapshot_store_load(store, st, 10, catalog, 3);
	snap = snapshot_acquire(store);
	struct snap_fragment f = { 0 };
	assert_false(snapshot_fragment(snap, &snap->stations[0], &scratch, &f));
	assert_false(snapshot_fragments_complete(snap));
	snapshot_release(store, snap);
	snapshot_store_free(store);
	sb_release(&scratch);
	free(st);
}

/* Padding that makes N fragments far more than SNAPSHOT_FRAGMENTS_MAX. */
static size_t big_pad = 4000;

struct asker {
	struct snapshot_store *store;
	const struct station *st;
	unsigned seed;
	long kept;
};

static void *ask_fragments(void *arg)
{
	struct asker *a = arg;
	struct sb scratch = SB_INIT;
	const struct snapshot *snap = snapshot_acquire(a->store);
	for (int k = 0; k < 4000; k++) {
		a->seed = a->seed * 1103515245u + 12345u;
		const struct station *s = &a->st[(a->seed >> 8) % N];
		struct snap_fragment f;
		assert_true(snapshot_fragment(snap, snapshot_station(snap, s->id), &scratch, &f));
		assert_fragment_of(&f, s, big_pad);
		a->kept += f.kept;
	}
	snapshot_release(a->store, snap);
	sb_release(&scratch);
	return NULL;
}

static void test_snapshot__renders_fragments_on_demand_when_they_do_not_fit(void **state)
{
	(void)state;
	struct station *st = make_stations(N);
	struct readmodel_render hook = { render_test, &big_pad };
	struct snapshot_store *store = snapshot_store_new(&hook);
	snapshot_store_load(store, st, N, catalog, 3);
	const struct snapshot *snap = snapshot_acquire(store);
	assert_false(snapshot_fragments_complete(snap));
	snapshot_release(store, snap);

	/* Several threads ask at once: each gets the right text, kept or not. */
	struct asker askers[4];
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		askers[i] = (struct asker){ .store = store, .st = st, .seed = (unsigned)i + 1 };
		pthread_create(&t[i], NULL, ask_fragments, &askers[i]);
	}
	long kept = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		kept += askers[i].kept;
	}
	assert_true(kept > 0);

	/* Every station in order: the first ones asked for are kept until the
	 * pool is spent, the rest rendered each time; asked again, a kept one
	 * is the same bytes in the same place. */
	struct sb scratch = SB_INIT;
	snap = snapshot_acquire(store);
	size_t nkept = 0, nscratch = 0;
	for (size_t i = 0; i < N; i++) {
		struct snap_fragment f, again;
		const struct snap_station *s = snapshot_station(snap, st[i].id);
		assert_true(snapshot_fragment(snap, s, &scratch, &f));
		assert_fragment_of(&f, &st[i], big_pad);
		if (!f.kept) {
			nscratch++;
			continue;
		}
		nkept++;
		assert_true(snapshot_fragment(snap, s, &scratch, &again));
		assert_true(again.kept);
		assert_ptr_equal(again.text, f.text);
	}
	assert_true(nkept > 0 && nscratch > 0);
	assert_true(nkept * (big_pad + 40) <= SNAPSHOT_FRAGMENTS_MAX);
	snapshot_release(store, snap);
	sb_release(&scratch);
	snapshot_store_free(store);
	free(st);
}

/* A render hook that writes every summary field of the station's table
 * (FIELD_SUMMARY), whatever they are, then *ctx dots of padding. */
static void render_summary_fields(void *ctx, const void *row, struct sb *sb)
{
	const struct snapshot_row *r = row;
	const char *rec = (const char *)r->station;
	for (size_t i = 0; i < station_noun.nfields; i++) {
		const struct field *f = &station_noun.fields[i];
		if (!(f->flags & FIELD_SUMMARY))
			continue;
		sb_addf(sb, "%s=", f->name);
		switch (f->kind) {
		case FIELD_TEXT:
		case FIELD_CODE: sb_adds(sb, rec + f->rec_off); break;
		case FIELD_INT: sb_add_int(sb, *(const int *)(rec + f->rec_off)); break;
		case FIELD_INT64: sb_add_int(sb, *(const int64_t *)(rec + f->rec_off)); break;
		case FIELD_CUSTOM:
			if (!strcmp(f->name, "location")) {
				sb_addc(sb, '\0');
				sb_addf(sb, "%.6f,%.6f", r->station->lat, r->station->lng);
				sb_addc(sb, '\0');
			} else if (!strcmp(f->name, "amenities")) {
				sb_add_uint(sb, r->station->amenities);
			} else {
				fail_msg("summary field %s: the snapshot does not keep it",
					 f->name);
			}
			break;
		default: fail_msg("summary field %s: a kind the snapshot does not keep", f->name);
		}
		sb_addc(sb, ';');
	}
	size_t pad = ctx ? *(const size_t *)ctx : 0;
	for (size_t i = 0; i < pad; i++)
		sb_addc(sb, '.');
}

/* A snapshot too big to keep its fragments renders them from what it holds
 * of each station, not from the database's row: both must give the same
 * text, so every field a summary shows must be one the snapshot keeps. */
static void test_snapshot__a_fragment_rendered_on_demand_equals_one_rendered_at_build(void **state)
{
	(void)state;
	struct station *st = make_stations(N);
	for (size_t i = 0; i < N; i++) {
		st[i].parent_id = i % 3 ? 0 : (int64_t)(i % 97 + 1);
		if (i % 4)
			snprintf(st[i].phone, sizeof(st[i].phone), "0917-%07zu", i);
		st[i].stars = (int)(i % 6);
	}
	struct readmodel_render at_build = { render_summary_fields, NULL };
	struct readmodel_render on_demand = { render_summary_fields, &big_pad };
	struct snapshot_store *a = snapshot_store_new(&at_build);
	struct snapshot_store *b = snapshot_store_new(&on_demand);
	snapshot_store_load(a, st, N, catalog, 3);
	snapshot_store_load(b, st, N, catalog, 3);
	const struct snapshot *sa = snapshot_acquire(a);
	const struct snapshot *sb = snapshot_acquire(b);
	assert_true(snapshot_fragments_complete(sa));
	assert_false(snapshot_fragments_complete(sb));
	struct sb scratch_a = SB_INIT, scratch_b = SB_INIT;
	for (size_t i = 0; i < N; i++) {
		struct snap_fragment fa, fb;
		assert_true(snapshot_fragment(sa, &sa->stations[i], &scratch_a, &fa));
		assert_true(snapshot_fragment(sb, &sb->stations[i], &scratch_b, &fb));
		assert_int_equal(fa.len + big_pad, fb.len);
		assert_int_equal(fa.hole, fb.hole);
		assert_int_equal(fa.hole_len, fb.hole_len);
		assert_memory_equal(fa.text, fb.text, fa.len);
	}
	sb_release(&scratch_a);
	sb_release(&scratch_b);
	snapshot_release(b, sb);
	snapshot_release(a, sa);
	snapshot_store_free(a);
	snapshot_store_free(b);
	free(st);
}

/* A migrated SQLite file under $YZ_TEST_TMP (or /tmp). */
static struct db *open_db(char *path, size_t cap)
{
	const char *tmp = getenv("YZ_TEST_TMP");
	char url[700];
	struct problem prob;
	struct db *db = NULL;
	int applied = 0;

	problem_init(&prob);
	snprintf(path, cap, "%s/test_snapshot_%ld.db", tmp && *tmp ? tmp : "/tmp", (long)getpid());
	/* A file of an earlier run with the same pid, and its WAL, must go:
	 * SQLite would replay a stale WAL into the new file. */
	fx_remove_sqlite_files(path);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	if (db_open(url, NULL, &db, &prob) != RC_OK || db_migrate(db, &applied, &prob) != RC_OK)
		fail_msg("test database: %s", prob.detail);
	return db;
}

static void sql(struct db *db, const char *q)
{
	struct problem prob;
	problem_init(&prob);
	if (db_q(db, q, NULL, &prob) != RC_OK)
		fail_msg("%s: %s", q, prob.detail);
}

/* Everything a reader can see of two snapshots is the same. */
static void assert_same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->namenities, b->namenities);
	assert_int_equal(geo_index_count(a->index), geo_index_count(b->index));
	for (size_t i = 0; i < a->n; i++) {
		const struct snap_station *x = &a->stations[i], *y = &b->stations[i];
		assert_int_equal(x->id, y->id);
		assert_int_equal(x->parent_id, y->parent_id);
		assert_true(x->pt.lat == y->pt.lat && x->pt.lng == y->pt.lng);
		assert_int_equal(x->amenities, y->amenities);
		assert_int_equal(x->level, y->level);
		assert_int_equal(x->theme, y->theme);
		assert_int_equal(x->stars, y->stars);
		assert_int_equal(x->closed, y->closed);
		assert_string_equal(x->region_code, y->region_code);
		assert_string_equal(snapshot_text(a, x->name), snapshot_text(b, y->name));
		assert_string_equal(snapshot_text(a, x->address), snapshot_text(b, y->address));
		assert_string_equal(snapshot_text(a, x->phone), snapshot_text(b, y->phone));
		struct hours_view hx = snapshot_hours(a, x), hy = snapshot_hours(b, y);
		struct hours h = { .nranges = hy.nranges,
				   .nexceptions = hy.nexceptions,
				   .closed = hy.closed,
				   .closed_until_s = hy.closed_until_s };
		memcpy(h.ranges, hy.ranges, hy.nranges * sizeof(*hy.ranges));
		memcpy(h.exceptions, hy.exceptions, hy.nexceptions * sizeof(*hy.exceptions));
		assert_true(hours_same(&hx, &h));
		struct sb sa = SB_INIT, sb = SB_INIT;
		struct snap_fragment fa, fb;
		assert_true(snapshot_fragment(a, x, &sa, &fa));
		assert_true(snapshot_fragment(b, y, &sb, &fb));
		assert_true(fa.kept && fb.kept);
		assert_int_equal(fa.len, fb.len);
		assert_int_equal(fa.hole, fb.hole);
		assert_int_equal(fa.hole_len, fb.hole_len);
		assert_memory_equal(fa.text, fb.text, fa.len);
		sb_release(&sa);
		sb_release(&sb);
	}
	struct geo_index_hit work[10];
	struct nearby_hit ha[10], hb[10];
	struct nearby_query q = { .center = { 34.36, 107.20 },
				  .radius_m = 5000,
				  .limit = 10,
				  .open_now = true,
				  .now_s = clock_now_s(),
				  .theme = -1,
				  .level = -1 };
	size_t na = snapshot_nearby(a, &q, work, ha), nb = snapshot_nearby(b, &q, work, hb);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(ha[i].station->id, hb[i].station->id);
		assert_true(ha[i].distance_m == hb[i].distance_m);
	}
}

/* Reloads a second store from the database and compares. */
static void assert_like_a_reload(struct snapshot_store *store, struct db *db)
{
	struct problem prob;
	problem_init(&prob);
	struct readmodel_render hook = { render_test, NULL };
	struct snapshot_store *fresh = snapshot_store_new(&hook);
	assert_int_equal(snapshot_store_reload(fresh, db, &prob), RC_OK);
	const struct snapshot *a = snapshot_acquire(store);
	const struct snapshot *b = snapshot_acquire(fresh);
	assert_same_snapshot(a, b);
	snapshot_release(fresh, b);
	snapshot_release(store, a);
	snapshot_store_free(fresh);
}

#define STATION_SQL(name, lat, lng, closed)                                                       \
	"INSERT INTO stations (name, level, theme, region_code, address, lat, lng, phone, stars," \
	" closed, qr_token, created_s, updated_s) VALUES ('" name "', 'community', 'general',"    \
	" '610302004008', '宝鸡市" name "', " #lat ", " #lng ", '0917-1234567', 3, " #closed ","  \
	" '" name "-qr', 1, 1)"

static void test_snapshot__updating_one_station_equals_a_full_reload(void **state)
{
	(void)state;
	char path[600];
	struct problem prob;
	problem_init(&prob);
	log_open(2, LOG_ERROR, false);
	struct db *db = open_db(path, sizeof(path));
	sql(db, STATION_SQL("一号", 34.36, 107.20, 0));
	sql(db, STATION_SQL("二号", 34.361, 107.201, 0));
	sql(db, STATION_SQL("三号", 34.362, 107.199, 1));
	sql(db, "INSERT INTO station_amenities (station_id, amenity) VALUES (1, 'microwave'),"
		" (2, 'water'), (3, 'microwave')");
	sql(db, "INSERT INTO station_hours (station_id, day, open_min, close_min) VALUES"
		" (1, 1, 0, 1440), (1, 2, 0, 1440), (2, 1, 480, 1200), (3, 1, 0, 1440)");
	struct readmodel_render hook = { render_test, NULL };
	struct snapshot_store *store = snapshot_store_new(&hook);
	assert_int_equal(snapshot_store_reload(store, db, &prob), RC_OK);

	/* Changed: moved, renamed, new hours and an exception. */
	sql(db, "UPDATE stations SET name = '二号改', lat = 34.37, lng = 107.21 WHERE id = 2");
	sql(db, "INSERT INTO station_hours (station_id, day, open_min, close_min) VALUES"
		" (2, 3, 1320, 120)");
	sql(db,
	    "INSERT INTO station_exceptions (station_id, day, closed) VALUES (2, '2026-12-01', 1)");
	assert_int_equal(snapshot_store_update_station(store, db, 2, &prob), RC_OK);
	assert_like_a_reload(store, db);

	/* Added, with the same hours as another. */
	sql(db, STATION_SQL("四号", 34.35, 107.19, 0));
	sql(db, "INSERT INTO station_hours (station_id, day, open_min, close_min) VALUES"
		" (4, 1, 0, 1440), (4, 2, 0, 1440)");
	assert_int_equal(snapshot_store_update_station(store, db, 4, &prob), RC_OK);
	assert_like_a_reload(store, db);
	const struct snapshot *snap = snapshot_acquire(store);
	assert_int_equal(snapshot_station(snap, 4)->schedule, snapshot_station(snap, 1)->schedule);
	snapshot_release(store, snap);

	/* Removed. */
	sql(db, "DELETE FROM station_amenities WHERE station_id = 1");
	sql(db, "DELETE FROM station_hours WHERE station_id = 1");
	sql(db, "DELETE FROM stations WHERE id = 1");
	assert_int_equal(snapshot_store_update_station(store, db, 1, &prob), RC_OK);
	assert_like_a_reload(store, db);

	/* Never there: nothing changes but the generation. */
	assert_int_equal(snapshot_store_update_station(store, db, 99, &prob), RC_OK);
	assert_like_a_reload(store, db);
	snap = snapshot_acquire(store);
	assert_int_equal(snap->n, 3);
	assert_null(snapshot_station(snap, 1));
	assert_string_equal(snapshot_text(snap, snapshot_station(snap, 2)->name), "二号改");
	assert_int_equal(snap->generation, 5);
	snapshot_release(store, snap);

	/* A failed read changes nothing. */
	sql(db, "ALTER TABLE stations RENAME TO stations_gone");
	assert_int_not_equal(snapshot_store_update_station(store, db, 2, &prob), RC_OK);
	snap = snapshot_acquire(store);
	assert_int_equal(snap->generation, 5);
	assert_int_equal(snap->n, 3);
	snapshot_release(store, snap);

	snapshot_store_free(store);
	db_close(db);
	unlink(path);
	log_close();
}

struct race {
	struct snapshot_store *store;
	atomic_bool stop;
	atomic_long reads;
};

static void *reader(void *arg)
{
	struct race *r = arg;
	struct geo_index_hit work[10];
	struct nearby_hit hits[10];
	while (!atomic_load(&r->stop)) {
		const struct snapshot *snap = snapshot_acquire(r->store);
		struct nearby_query q = { .center = { 34.36, 107.20 },
					  .radius_m = 2000,
					  .limit = 10,
					  .now_s = clock_now_s(),
					  .theme = -1,
					  .level = -1 };
		size_t n = snapshot_nearby(snap, &q, work, hits);
		for (size_t i = 0; i < n; i++)
			assert_true(snapshot_text(snap, hits[i].station->name)[0] != '\0');
		snapshot_release(r->store, snap);
		atomic_fetch_add(&r->reads, 1);
	}
	return NULL;
}

static void test_snapshot__readers_survive_concurrent_swaps(void **state)
{
	(void)state;
	struct station *st = make_stations(500);
	struct race r = { .store = snapshot_store_new(NULL) };
	snapshot_store_load(r.store, st, 500, catalog, 3);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, reader, &r);
	/* The readers are under way before the swaps start, however busy the
	 * machine is. */
	while (atomic_load(&r.reads) < 4)
		sched_yield();
	for (int k = 0; k < 200; k++)
		snapshot_store_load(r.store, st, 100 + (size_t)k * 2, catalog, 3);
	atomic_store(&r.stop, true);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_true(atomic_load(&r.reads) > 0);
	const struct snapshot *snap = snapshot_acquire(r.store);
	assert_int_equal(snap->n, 100 + 199 * 2);
	assert_int_equal(snap->generation, 201);
	snapshot_release(r.store, snap);
	snapshot_store_free(r.store);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot__nearby_matches_brute_force),
		cmocka_unit_test(test_snapshot__stations_with_the_same_hours_share_a_schedule),
		cmocka_unit_test(test_snapshot__open_now_is_right_past_the_remembered_schedules),
		cmocka_unit_test(test_snapshot__updating_one_station_equals_a_full_reload),
		cmocka_unit_test(test_snapshot__lookup_and_search),
		cmocka_unit_test(test_snapshot__keeps_every_stations_fragment_rendered_at_build),
		cmocka_unit_test(test_snapshot__renders_fragments_on_demand_when_they_do_not_fit),
		cmocka_unit_test(
			test_snapshot__a_fragment_rendered_on_demand_equals_one_rendered_at_build),
		cmocka_unit_test(test_snapshot__readers_survive_concurrent_swaps),
	};
	return cmocka_run_group_tests_name("station_snapshot", tests, NULL, NULL);
}
