/* Tests for src/geo/index.c: the ring search must give exactly what looking
 * at every station gives (same entries, same order, same distances) over
 * clustered, scattered, polar and antimeridian points with random filters,
 * radii and limits; plus the edge cases and the bounding-box query. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "geo/distance.h"
#include "geo/index.h"

#define N_RANDOM  6000
#define MAX_LIMIT 64

/* splitmix64: a fixed seed gives the same points on every run. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double rng_unit(void)
{
	return (double)(rng_next() >> 11) * 0x1.0p-53;
}

static double rng_range(double lo, double hi)
{
	return lo + (hi - lo) * rng_unit();
}

/* Roughly normal, from the sum of four uniforms. */
static double rng_normal(void)
{
	return (rng_unit() + rng_unit() + rng_unit() + rng_unit() - 2.0) * 1.7320508;
}

static const struct geo_point cities[] = {
	{ .lat = 39.9042, .lng = 116.4074 }, /* Beijing */
	{ .lat = 31.2304, .lng = 121.4737 }, /* Shanghai */
	{ .lat = 34.3551, .lng = 107.1553 }, /* Baoji */
	{ .lat = 30.0961, .lng = 114.9804 }, /* Daye */
	{ .lat = 22.5431, .lng = 114.0579 }, /* Shenzhen */
	{ .lat = 43.7928, .lng = 87.6177 },  /* Urumqi */
};

#define N_CITIES (sizeof(cities) / sizeof(cities[0]))

static struct geo_point near_city(double sigma_m)
{
	const struct geo_point *c = &cities[rng_next() % N_CITIES];
	double deg = GEO_EARTH_RADIUS_M * GEO_RAD_PER_DEG;

	return (struct geo_point){
		.lat = c->lat + rng_normal() * sigma_m / deg,
		.lng = c->lng + rng_normal() * sigma_m / (deg * cos(c->lat * GEO_RAD_PER_DEG)),
	};
}

/* Points the index has to get right besides the cities: anywhere on the
 * globe, hugging the antimeridian (on both sides and exactly on it), near
 * and at the poles. */
static struct geo_point awkward_point(void)
{
	switch (rng_next() % 4) {
	case 0:
		return (struct geo_point){ .lat = rng_range(-90.0, 90.0),
					   .lng = rng_range(-180.0, 180.0) };
	case 1: {
		double lng = rng_next() % 5 == 0 ? 180.0 : 180.0 - rng_unit() * 0.05;

		return (struct geo_point){ .lat = rng_range(-1.0, 1.0),
					   .lng = rng_next() % 2 ? lng : -lng };
	}
	case 2:
		return (struct geo_point){ .lat = rng_next() % 7 ? 89.99 + 0.01 * rng_unit() : 90.0,
					   .lng = rng_range(-180.0, 180.0) };
	default:
		return (struct geo_point){ .lat = rng_range(18.0, 54.0),
					   .lng = rng_range(73.0, 135.0) };
	}
}

static struct geo_index_entry *random_entries(size_t n)
{
	struct geo_index_entry *e = xcalloc(n, sizeof(*e));

	for (size_t i = 0; i < n; i++) {
		uint64_t kind = rng_next() % 10;

		e[i].id = (int64_t)(rng_next() % (3 * n)); /* some ids repeat */
		if (kind < 7)
			e[i].pt = near_city(kind < 4 ? 1500.0 : 8000.0);
		else if (kind < 9)
			e[i].pt = awkward_point();
		else if (i > 0)
			e[i].pt = e[rng_next() % i].pt; /* a station on top of another */
		else
			e[i].pt = cities[0];
		e[i].amenities = rng_next() & 0xf;
		e[i].flags = (uint32_t)i;
	}
	return e;
}

/* A filter that keeps a pseudo-random subset, and checks it is only asked
 * about entries that already have the required amenities. */
struct filter_ctx {
	uint64_t salt;
	uint64_t keep_out_of_8;
	uint64_t need;
	size_t calls;
};

static bool filter_some(const struct geo_index_entry *e, void *ctx)
{
	struct filter_ctx *f = ctx;
	uint64_t h = ((uint64_t)e->id ^ f->salt) * 0x9e3779b97f4a7c15ull;

	assert_true((e->amenities & f->need) == f->need);
	f->calls++;
	return (h >> 61) < f->keep_out_of_8;
}

static void assert_hits_equal(const struct geo_index_hit *a, size_t na,
			      const struct geo_index_hit *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		if (a[i].entry == b[i].entry && a[i].distance_m == b[i].distance_m)
			continue;
		print_error("hit %zu: id %lld at %.9f m vs id %lld at %.9f m\n", i,
			    (long long)a[i].entry->id, a[i].distance_m, (long long)b[i].entry->id,
			    b[i].distance_m);
		fail();
	}
}

/* What any correct answer satisfies, checked without the index's help. */
static void assert_hits_sound(const struct geo_index_hit *h, size_t n, struct geo_point center,
			      double radius_m, uint64_t need)
{
	for (size_t i = 0; i < n; i++) {
		assert_true(h[i].distance_m == geo_distance_m(center, h[i].entry->pt));
		assert_true(h[i].distance_m <= radius_m);
		assert_true((h[i].entry->amenities & need) == need);
		if (i == 0)
			continue;
		assert_true(h[i - 1].distance_m <= h[i].distance_m);
		if (h[i - 1].distance_m == h[i].distance_m)
			assert_true(h[i - 1].entry->id <= h[i].entry->id);
	}
}

static double random_radius(void)
{
	switch (rng_next() % 8) {
	case 0: return 0.0;
	case 1: return rng_range(0.0, 200.0);
	case 2:
	case 3: return rng_range(0.0, 5000.0);
	case 4: return rng_range(0.0, 50e3);
	case 5: return rng_range(0.0, 3e6);
	case 6: return INFINITY;
	default: return 1500.0;
	}
}

static struct geo_point random_center(const struct geo_index_entry *e, size_t n)
{
	switch (rng_next() % 4) {
	case 0: return e[rng_next() % n].pt; /* exactly on a station */
	case 1: return awkward_point();
	default: return near_city(5000.0);
	}
}

static void test_index__nearest_matches_the_scan_on_random_points_and_filters(void **state)
{
	struct geo_index_entry *e;
	struct geo_index *ix;
	struct geo_index_hit *got = xcalloc(N_RANDOM, sizeof(*got));
	struct geo_index_hit *want = xcalloc(N_RANDOM, sizeof(*want));

	(void)state;
	rng_state = 20261122;
	e = random_entries(N_RANDOM);
	ix = geo_index_build(e, N_RANDOM);
	assert_int_equal(geo_index_count(ix), N_RANDOM);
	for (int q = 0; q < 4000; q++) {
		struct geo_point center = random_center(e, N_RANDOM);
		double radius_m = random_radius();
		size_t limit = rng_next() % 50 == 0 ? N_RANDOM : 1 + rng_next() % MAX_LIMIT;
		uint64_t need = rng_next() % 3 == 0 ? 0 : rng_next() & 0xf;
		struct filter_ctx f = { .salt = rng_next(),
					.keep_out_of_8 = rng_next() % 9,
					.need = need };
		geo_index_filter filter = rng_next() % 2 ? filter_some : NULL;
		size_t n_got, n_want;

		n_got = geo_index_nearest(ix, center, radius_m, need, filter, &f, limit, got);
		n_want = geo_index_nearest_scan(ix, center, radius_m, need, filter, &f, limit,
						want);
		assert_true(n_got <= limit);
		assert_hits_equal(got, n_got, want, n_want);
		assert_hits_sound(got, n_got, center, radius_m, need);
	}
	geo_index_free(ix);
	free(e);
	free(got);
	free(want);
}

/* The scan is the reference, so check it against a plain sort of every
 * entry the index holds (listed through an all-world bbox query). */
static int hit_cmp(const void *pa, const void *pb)
{
	const struct geo_index_hit *a = pa, *b = pb;

	if (a->distance_m != b->distance_m)
		return a->distance_m < b->distance_m ? -1 : 1;
	if (a->entry->id != b->entry->id)
		return a->entry->id < b->entry->id ? -1 : 1;
	return a->entry < b->entry ? -1 : a->entry > b->entry;
}

static void test_index__scan_matches_a_full_sort(void **state)
{
	struct geo_index_entry *e;
	struct geo_index *ix;
	const struct geo_index_entry **all = xcalloc(2000, sizeof(*all));
	struct geo_index_hit *sorted = xcalloc(2000, sizeof(*sorted));
	struct geo_index_hit got[MAX_LIMIT];
	size_t n_all;

	(void)state;
	rng_state = 7;
	e = random_entries(2000);
	ix = geo_index_build(e, 2000);
	n_all = geo_index_bbox(ix, -90.0, -180.0, 90.0, 180.0, 2000, all);
	assert_int_equal(n_all, 2000);
	for (int q = 0; q < 300; q++) {
		struct geo_point center = random_center(e, 2000);
		double radius_m = random_radius();
		uint64_t need = rng_next() & 0x3;
		size_t limit = 1 + rng_next() % MAX_LIMIT, n_sorted = 0, n_got;

		for (size_t i = 0; i < n_all; i++) {
			double d = geo_distance_m(center, all[i]->pt);

			if (d <= radius_m && (all[i]->amenities & need) == need)
				sorted[n_sorted++] = (struct geo_index_hit){ .entry = all[i],
									     .distance_m = d };
		}
		qsort(sorted, n_sorted, sizeof(*sorted), hit_cmp);
		n_got = geo_index_nearest_scan(ix, center, radius_m, need, NULL, NULL, limit, got);
		assert_hits_equal(got, n_got, sorted, n_sorted < limit ? n_sorted : limit);
	}
	geo_index_free(ix);
	free(e);
	free((void *)all);
	free(sorted);
}

static void test_index__an_empty_index_answers_nothing(void **state)
{
	struct geo_index *ix = geo_index_build(NULL, 0);
	struct geo_index_hit hits[4];
	const struct geo_index_entry *boxed[4];
	struct geo_point center = { .lat = 39.9, .lng = 116.4 };

	(void)state;
	assert_non_null(ix);
	assert_int_equal(geo_index_count(ix), 0);
	assert_int_equal(geo_index_nearest(ix, center, INFINITY, 0, NULL, NULL, 4, hits), 0);
	assert_int_equal(geo_index_nearest_scan(ix, center, INFINITY, 0, NULL, NULL, 4, hits), 0);
	assert_int_equal(geo_index_bbox(ix, -90.0, -180.0, 90.0, 180.0, 4, boxed), 0);
	geo_index_free(ix);
}

static void test_index__entries_with_invalid_points_are_left_out(void **state)
{
	struct geo_index_entry e[] = {
		{ .id = 1, .pt = { .lat = NAN, .lng = 116.4 } },
		{ .id = 2, .pt = { .lat = 39.9, .lng = 116.4 } },
		{ .id = 3, .pt = { .lat = 91.0, .lng = 0.0 } },
		{ .id = 4, .pt = { .lat = 0.0, .lng = -INFINITY } },
	};
	struct geo_index *ix = geo_index_build(e, 4);
	struct geo_index_hit hits[4];

	(void)state;
	assert_int_equal(geo_index_count(ix), 1);
	assert_int_equal(geo_index_nearest(ix, e[1].pt, INFINITY, 0, NULL, NULL, 4, hits), 1);
	assert_int_equal(hits[0].entry->id, 2);
	geo_index_free(ix);

	ix = geo_index_build(e, 1);
	assert_int_equal(geo_index_count(ix), 0);
	assert_int_equal(geo_index_nearest(ix, e[1].pt, INFINITY, 0, NULL, NULL, 4, hits), 0);
	geo_index_free(ix);
}

static void test_index__limit_zero_writes_nothing(void **state)
{
	struct geo_index_entry e = { .id = 7, .pt = { .lat = 39.9, .lng = 116.4 } };
	struct geo_index *ix = geo_index_build(&e, 1);
	struct geo_index_hit hit = { .entry = NULL, .distance_m = -1.0 };
	const struct geo_index_entry *boxed = NULL;

	(void)state;
	assert_int_equal(geo_index_nearest(ix, e.pt, 1000.0, 0, NULL, NULL, 0, &hit), 0);
	assert_int_equal(geo_index_nearest_scan(ix, e.pt, 1000.0, 0, NULL, NULL, 0, &hit), 0);
	assert_null(hit.entry);
	assert_true(hit.distance_m == -1.0);
	assert_int_equal(geo_index_bbox(ix, -90.0, -180.0, 90.0, 180.0, 0, &boxed), 0);
	assert_null(boxed);
	geo_index_free(ix);
}

static void test_index__bad_center_or_radius_finds_nothing(void **state)
{
	struct geo_index_entry e = { .id = 7, .pt = { .lat = 39.9, .lng = 116.4 } };
	struct geo_index *ix = geo_index_build(&e, 1);
	struct geo_index_hit hits[2];
	struct geo_point nan_center = { .lat = NAN, .lng = 116.4 };
	struct geo_point off_world = { .lat = 39.9, .lng = 200.0 };

	(void)state;
	assert_int_equal(geo_index_nearest(ix, nan_center, 1000.0, 0, NULL, NULL, 2, hits), 0);
	assert_int_equal(geo_index_nearest(ix, off_world, 1000.0, 0, NULL, NULL, 2, hits), 0);
	assert_int_equal(geo_index_nearest(ix, e.pt, -1.0, 0, NULL, NULL, 2, hits), 0);
	assert_int_equal(geo_index_nearest(ix, e.pt, NAN, 0, NULL, NULL, 2, hits), 0);
	assert_int_equal(geo_index_nearest_scan(ix, e.pt, NAN, 0, NULL, NULL, 2, hits), 0);
	/* Radius 0 still finds a station exactly at the centre. */
	assert_int_equal(geo_index_nearest(ix, e.pt, 0.0, 0, NULL, NULL, 2, hits), 1);
	assert_true(hits[0].distance_m == 0.0);
	geo_index_free(ix);
}

static void test_index__equal_distances_are_ordered_by_id(void **state)
{
	struct geo_index_entry e[] = {
		{ .id = 50, .pt = { .lat = 30.0, .lng = 114.0 } },
		{ .id = 30, .pt = { .lat = 30.0, .lng = 114.0 } },
		{ .id = 90, .pt = { .lat = 30.0, .lng = 114.0 } },
		{ .id = 10, .pt = { .lat = 30.01, .lng = 114.0 } },
	};
	struct geo_index *ix = geo_index_build(e, 4);
	struct geo_index_hit hits[4];
	struct geo_point center = { .lat = 30.0, .lng = 114.0 };

	(void)state;
	assert_int_equal(geo_index_nearest(ix, center, 5000.0, 0, NULL, NULL, 4, hits), 4);
	assert_int_equal(hits[0].entry->id, 30);
	assert_int_equal(hits[1].entry->id, 50);
	assert_int_equal(hits[2].entry->id, 90);
	assert_int_equal(hits[3].entry->id, 10);
	assert_int_equal(geo_index_nearest(ix, center, 5000.0, 0, NULL, NULL, 2, hits), 2);
	assert_int_equal(hits[0].entry->id, 30);
	assert_int_equal(hits[1].entry->id, 50);
	geo_index_free(ix);
}

/* Entries equal in distance and id fall back to their position in the
 * index, the order geo_index_bbox() also lists them in. */
static void test_index__identical_entries_come_back_in_index_order(void **state)
{
	struct geo_index_entry e[] = {
		{ .id = 4, .pt = { .lat = 30.0, .lng = 114.0 }, .flags = 1 },
		{ .id = 4, .pt = { .lat = 30.0, .lng = 114.0 }, .flags = 2 },
		{ .id = 4, .pt = { .lat = 30.0, .lng = 114.0 }, .flags = 3 },
		{ .id = 4, .pt = { .lat = 30.0, .lng = 114.0 }, .flags = 4 },
	};
	struct geo_index *ix = geo_index_build(e, 4);
	struct geo_index_hit hits[4], scanned[4];
	const struct geo_index_entry *listed[4];

	(void)state;
	assert_int_equal(geo_index_bbox(ix, -90.0, -180.0, 90.0, 180.0, 4, listed), 4);
	assert_int_equal(geo_index_nearest(ix, e[0].pt, 10.0, 0, NULL, NULL, 4, hits), 4);
	assert_int_equal(geo_index_nearest_scan(ix, e[0].pt, 10.0, 0, NULL, NULL, 4, scanned), 4);
	for (size_t i = 0; i < 4; i++) {
		assert_ptr_equal(hits[i].entry, listed[i]);
		assert_ptr_equal(scanned[i].entry, listed[i]);
	}
	for (size_t limit = 1; limit <= 3; limit++) {
		assert_int_equal(geo_index_nearest(ix, e[0].pt, 10.0, 0, NULL, NULL, limit, hits),
				 limit);
		assert_int_equal(geo_index_bbox(ix, 29.0, 113.0, 31.0, 115.0, limit, listed),
				 limit);
		for (size_t i = 0; i < limit; i++)
			assert_ptr_equal(hits[i].entry, listed[i]);
	}
	geo_index_free(ix);
}

static void test_index__required_amenities_must_all_be_present(void **state)
{
	struct geo_index_entry e[] = {
		{ .id = 1, .pt = { .lat = 30.0, .lng = 114.0 }, .amenities = 0x1 },
		{ .id = 2, .pt = { .lat = 30.001, .lng = 114.0 }, .amenities = 0x3 },
		{ .id = 3, .pt = { .lat = 30.002, .lng = 114.0 }, .amenities = 0x2 },
		{ .id = 4, .pt = { .lat = 30.003, .lng = 114.0 }, .amenities = 0x7 },
	};
	struct geo_index *ix = geo_index_build(e, 4);
	struct geo_index_hit hits[4];
	struct geo_point center = { .lat = 30.0, .lng = 114.0 };
	struct filter_ctx f = { .keep_out_of_8 = 8, .need = 0x3 };

	(void)state;
	assert_int_equal(geo_index_nearest(ix, center, 5000.0, 0x3, filter_some, &f, 4, hits), 2);
	assert_int_equal(hits[0].entry->id, 2);
	assert_int_equal(hits[1].entry->id, 4);
	assert_int_equal(f.calls, 2);
	geo_index_free(ix);
}

static void test_index__build_copies_its_input(void **state)
{
	struct geo_index_entry e[] = {
		{ .id = 1, .pt = { .lat = 30.0, .lng = 114.0 }, .flags = 5, .tag = 50 },
		{ .id = 2, .pt = { .lat = 30.01, .lng = 114.0 }, .flags = 6, .tag = 60 },
	};
	struct geo_index *ix = geo_index_build(e, 2);
	struct geo_index_hit hits[2];

	(void)state;
	memset(e, 0xff, sizeof(e));
	assert_int_equal(geo_index_nearest(ix, (struct geo_point){ .lat = 30.0, .lng = 114.0 },
					   5000.0, 0, NULL, NULL, 2, hits),
			 2);
	assert_int_equal(hits[0].entry->id, 1);
	assert_int_equal(hits[0].entry->flags, 5);
	assert_int_equal(hits[0].entry->tag, 50);
	assert_int_equal(hits[1].entry->id, 2);
	assert_int_equal(hits[1].entry->flags, 6);
	assert_int_equal(hits[1].entry->tag, 60);
	geo_index_free(ix);
}

/* The filter may be slow, so the index asks it only about stations that a
 * cheap bound cannot rule out: around cities, none much further than the
 * radius. */
struct far_ctx {
	struct geo_point center;
	double radius_m;
	double worst_m; /* the farthest station the filter was asked about */
};

static bool filter_note_distance(const struct geo_index_entry *e, void *ctx)
{
	struct far_ctx *f = ctx;
	double d = geo_distance_m(f->center, e->pt);

	if (d > f->worst_m)
		f->worst_m = d;
	return (e->id & 1) == 0;
}

static void test_index__the_filter_is_not_asked_about_far_stations(void **state)
{
	enum { N = 5000 };
	struct geo_index_entry *e = xcalloc(N, sizeof(*e));
	struct geo_index_hit hits[MAX_LIMIT];
	struct geo_index *ix;

	(void)state;
	rng_state = 99;
	for (size_t i = 0; i < N; i++) {
		e[i].id = (int64_t)i;
		e[i].pt = near_city(3000.0);
	}
	ix = geo_index_build(e, N);
	for (int q = 0; q < 500; q++) {
		struct far_ctx f = { .center = near_city(3000.0),
				     .radius_m = rng_range(0.0, 5000.0) };
		size_t limit = 1 + rng_next() % MAX_LIMIT;

		geo_index_nearest(ix, f.center, f.radius_m, 0, filter_note_distance, &f, limit,
				  hits);
		assert_true(f.worst_m <= f.radius_m * 1.001 + 1.0);
	}
	geo_index_free(ix);
	free(e);
}

static void test_index__finds_neighbours_across_the_antimeridian_and_the_pole(void **state)
{
	struct geo_index_entry e[] = {
		{ .id = 1, .pt = { .lat = 0.0, .lng = 179.999 } },
		{ .id = 2, .pt = { .lat = 0.0, .lng = -179.999 } },
		{ .id = 3, .pt = { .lat = 0.0, .lng = 180.0 } },
		{ .id = 4, .pt = { .lat = 89.999, .lng = 0.0 } },
		{ .id = 5, .pt = { .lat = 89.999, .lng = 180.0 } },
		{ .id = 6, .pt = { .lat = 0.0, .lng = 0.0 } },
	};
	struct geo_index *ix = geo_index_build(e, 6);
	struct geo_index_hit hits[6];

	(void)state;
	assert_int_equal(geo_index_nearest(ix, (struct geo_point){ .lat = 0.0, .lng = -180.0 },
					   500.0, 0, NULL, NULL, 6, hits),
			 3);
	assert_int_equal(hits[0].entry->id, 3);
	assert_int_equal(geo_index_nearest(ix, e[3].pt, 500.0, 0, NULL, NULL, 6, hits), 2);
	assert_int_equal(hits[0].entry->id, 4);
	assert_int_equal(hits[1].entry->id, 5);
	geo_index_free(ix);
}

static int entry_id_cmp(const void *pa, const void *pb)
{
	const struct geo_index_entry *a = *(const struct geo_index_entry *const *)pa;
	const struct geo_index_entry *b = *(const struct geo_index_entry *const *)pb;

	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a < b ? -1 : a > b;
}

static bool in_box(struct geo_point p, double south, double west, double north, double east)
{
	if (p.lat < south || p.lat > north)
		return false;
	if (west <= east)
		return p.lng >= west && p.lng <= east;
	return p.lng >= west || p.lng <= east;
}

static void test_index__bbox_matches_brute_force_and_keeps_the_smallest_ids(void **state)
{
	struct geo_index_entry *e;
	struct geo_index *ix;
	const struct geo_index_entry **all = xcalloc(N_RANDOM, sizeof(*all));
	const struct geo_index_entry **want = xcalloc(N_RANDOM, sizeof(*want));
	const struct geo_index_entry **got = xcalloc(N_RANDOM, sizeof(*got));
	size_t n_all;

	(void)state;
	rng_state = 42;
	e = random_entries(N_RANDOM);
	ix = geo_index_build(e, N_RANDOM);
	n_all = geo_index_bbox(ix, -90.0, -180.0, 90.0, 180.0, N_RANDOM, all);
	assert_int_equal(n_all, N_RANDOM);
	for (size_t i = 1; i < n_all; i++)
		assert_true(entry_id_cmp(&all[i - 1], &all[i]) < 0);
	for (int q = 0; q < 1500; q++) {
		struct geo_point c = random_center(e, N_RANDOM);
		double half_lat = rng_next() % 4 == 0 ? rng_range(0.0, 30.0) : rng_range(0.0, 0.2);
		double half_lng = rng_next() % 4 == 0 ? rng_range(0.0, 60.0) : rng_range(0.0, 0.3);
		double south = c.lat - half_lat, north = c.lat + half_lat;
		double west = c.lng - half_lng, east = c.lng + half_lng;
		size_t limit = rng_next() % 3 == 0 ? 1 + rng_next() % 20 : N_RANDOM;
		size_t n_want = 0, n_got;

		/* Boxes reaching past the antimeridian wrap, as a map client
		 * sends them; some are degenerate, one point wide. */
		if (west < -180.0)
			west += 360.0;
		if (east > 180.0)
			east -= 360.0;
		if (rng_next() % 20 == 0) {
			south = north = c.lat;
			west = east = c.lng;
		}
		for (size_t i = 0; i < n_all; i++) {
			if (in_box(all[i]->pt, south, west, north, east))
				want[n_want++] = all[i];
		}
		n_got = geo_index_bbox(ix, south, west, north, east, limit, got);
		assert_int_equal(n_got, n_want < limit ? n_want : limit);
		assert_memory_equal(got, want, n_got * sizeof(*got));
	}
	geo_index_free(ix);
	free(e);
	free((void *)all);
	free((void *)want);
	free((void *)got);
}

static void test_index__bbox_rejects_inverted_latitudes_and_nan(void **state)
{
	struct geo_index_entry e = { .id = 7, .pt = { .lat = 39.9, .lng = 116.4 } };
	struct geo_index *ix = geo_index_build(&e, 1);
	const struct geo_index_entry *boxed[1];

	(void)state;
	assert_int_equal(geo_index_bbox(ix, 40.0, 116.0, 39.0, 117.0, 1, boxed), 0);
	assert_int_equal(geo_index_bbox(ix, NAN, 116.0, 40.0, 117.0, 1, boxed), 0);
	assert_int_equal(geo_index_bbox(ix, 39.0, NAN, 40.0, 117.0, 1, boxed), 0);
	assert_int_equal(geo_index_bbox(ix, 39.0, 116.0, 40.0, 117.0, 1, boxed), 1);
	assert_int_equal(boxed[0]->id, 7);
	geo_index_free(ix);
}

static void test_index__free_accepts_null(void **state)
{
	(void)state;
	geo_index_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index__nearest_matches_the_scan_on_random_points_and_filters),
		cmocka_unit_test(test_index__scan_matches_a_full_sort),
		cmocka_unit_test(test_index__an_empty_index_answers_nothing),
		cmocka_unit_test(test_index__entries_with_invalid_points_are_left_out),
		cmocka_unit_test(test_index__limit_zero_writes_nothing),
		cmocka_unit_test(test_index__bad_center_or_radius_finds_nothing),
		cmocka_unit_test(test_index__equal_distances_are_ordered_by_id),
		cmocka_unit_test(test_index__identical_entries_come_back_in_index_order),
		cmocka_unit_test(test_index__required_amenities_must_all_be_present),
		cmocka_unit_test(test_index__build_copies_its_input),
		cmocka_unit_test(test_index__the_filter_is_not_asked_about_far_stations),
		cmocka_unit_test(test_index__finds_neighbours_across_the_antimeridian_and_the_pole),
		cmocka_unit_test(test_index__bbox_matches_brute_force_and_keeps_the_smallest_ids),
		cmocka_unit_test(test_index__bbox_rejects_inverted_latitudes_and_nan),
		cmocka_unit_test(test_index__free_accepts_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
