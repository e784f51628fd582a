/* Tests of src/domain/station_snapshot.c: answers equal a brute-force reading
 * of the same stations (amenities, open now, theme, distance order), lookups
 * and search, and readers that never see a freed snapshot while writers swap
 * new ones in (run under ASan in CI). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"
#include "domain/station_snapshot.h"
#include "geo/distance.h"

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
	}
	return st;
}

static void test_snapshot__nearby_matches_brute_force(void **state)
{
	(void)state;
	struct station *st = make_stations(N);
	struct snapshot_store *store = snapshot_store_new();
	snapshot_store_load(store, st, N, catalog, 3);
	const struct snapshot *snap = snapshot_acquire(store);
	assert_int_equal(snap->n, N);
	struct geo_index_hit work[20];
	struct nearby_hit hits[20];
	for (int q = 0; q < 200; q++) {
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
		size_t n = snapshot_nearby(snap, &nq, work, hits);
		/* Brute force over the original array. */
		struct { double d; int64_t id; } ref[N];
		size_t m = 0;
		for (size_t i = 0; i < N; i++) {
			const struct station *s = &st[i];
			double d = geo_distance_m(nq.center, (struct geo_point){ s->lat, s->lng });
			if (d > nq.radius_m || (s->amenities & nq.amenities) != nq.amenities)
				continue;
			if (nq.theme >= 0 && strcmp(s->theme, "love") != 0)
				continue;
			if (nq.open_now && !hours_open_at(&s->hours, nq.now_s))
				continue;
			ref[m].d = d;
			ref[m].id = s->id;
			m++;
		}
		/* selection of the nearest, ties by id */
		for (size_t i = 0; i < m && i < nq.limit; i++) {
			size_t best = i;
			for (size_t k = i + 1; k < m; k++)
				if (ref[k].d < ref[best].d || (ref[k].d == ref[best].d && ref[k].id < ref[best].id))
					best = k;
			double td = ref[i].d;
			int64_t tid = ref[i].id;
			ref[i] = ref[best];
			ref[best].d = td;
			ref[best].id = tid;
		}
		size_t want = m < nq.limit ? m : nq.limit;
		assert_int_equal(n, want);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(hits[i].station->id, ref[i].id);
			const struct station *s = &st[N - (size_t)ref[i].id];
			assert_int_equal(hits[i].open_now, hours_open_at(&s->hours, nq.now_s));
		}
	}
	snapshot_release(store, snap);
	snapshot_store_free(store);
	free(st);
}

static void test_snapshot__lookup_and_search(void **state)
{
	(void)state;
	struct station *st = make_stations(100);
	struct snapshot_store *store = snapshot_store_new();
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
		struct nearby_query q = { .center = { 34.36, 107.20 }, .radius_m = 2000, .limit = 10,
					  .now_s = clock_now_s(), .theme = -1, .level = -1 };
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
	struct race r = { .store = snapshot_store_new() };
	snapshot_store_load(r.store, st, 500, catalog, 3);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, reader, &r);
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
		cmocka_unit_test(test_snapshot__lookup_and_search),
		cmocka_unit_test(test_snapshot__readers_survive_concurrent_swaps),
	};
	return cmocka_run_group_tests_name("station_snapshot", tests, NULL, NULL);
}
