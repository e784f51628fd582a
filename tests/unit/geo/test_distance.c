/* Tests for src/geo/distance.c: haversine distances against known values,
 * the equirectangular shortcut against the haversine, and the walking
 * minutes shown next to a station. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>

#include "geo/distance.h"

/* One degree of a great circle on the IUGG mean sphere, in metres. */
#define DEGREE_M (GEO_EARTH_RADIUS_M * 3.14159265358979323846 / 180.0)

static const struct geo_point tiananmen = { .lat = 39.9042, .lng = 116.4074 };
static const struct geo_point peoples_square = { .lat = 31.2304, .lng = 121.4737 };

static void assert_near(double got, double want, double tol)
{
	if (fabs(got - want) <= tol)
		return;
	print_error("got %.9f, want %.9f within %g\n", got, want, tol);
	fail();
}

static void test_distance__beijing_to_shanghai_is_about_1067_km(void **state)
{
	(void)state;
	assert_near(geo_distance_m(tiananmen, peoples_square), 1067e3, 1067e3 * 0.005);
}

static void test_distance__is_zero_between_a_point_and_itself(void **state)
{
	static const struct geo_point points[] = {
		{ .lat = 39.9042, .lng = 116.4074 },
		{ .lat = 0.0, .lng = 0.0 },
		{ .lat = 90.0, .lng = 0.0 },
		{ .lat = -33.8688, .lng = -180.0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		assert_true(geo_distance_m(points[i], points[i]) == 0.0);
		assert_true(geo_distance_fast_m(points[i], points[i]) == 0.0);
	}
}

static void test_distance__a_degree_of_meridian_or_equator_is_pi_r_over_180(void **state)
{
	struct geo_point a = { .lat = 30.0, .lng = 114.0 };
	struct geo_point b = { .lat = 31.0, .lng = 114.0 };
	struct geo_point c = { .lat = 0.0, .lng = 114.0 };
	struct geo_point d = { .lat = 0.0, .lng = 115.0 };

	(void)state;
	assert_near(geo_distance_m(a, b), DEGREE_M, 1e-6);
	assert_near(geo_distance_m(c, d), DEGREE_M, 1e-6);
	assert_near(DEGREE_M, 111195.08, 0.01);
}

static void test_distance__antipodes_are_half_a_circumference_apart(void **state)
{
	struct geo_point a = { .lat = 30.0, .lng = 114.0 };
	struct geo_point b = { .lat = -30.0, .lng = -66.0 };
	struct geo_point north = { .lat = 90.0, .lng = 0.0 };
	struct geo_point south = { .lat = -90.0, .lng = 0.0 };

	(void)state;
	assert_near(geo_distance_m(a, b), 180.0 * DEGREE_M, 1e-3);
	assert_near(geo_distance_m(north, south), 180.0 * DEGREE_M, 1e-3);
}

static void test_distance__is_symmetric_to_the_bit(void **state)
{
	(void)state;
	for (double lat = -80.0; lat <= 80.0; lat += 7.3) {
		for (double lng = -179.0; lng <= 179.0; lng += 11.7) {
			struct geo_point a = { .lat = lat, .lng = lng };
			struct geo_point b = { .lat = 39.9 - lat / 3.0, .lng = 116.4 - lng / 5.0 };

			assert_true(geo_distance_m(a, b) == geo_distance_m(b, a));
		}
	}
}

static void test_distance__crosses_the_antimeridian_the_short_way(void **state)
{
	struct geo_point east = { .lat = 0.0, .lng = 179.5 };
	struct geo_point west = { .lat = 0.0, .lng = -179.5 };

	(void)state;
	assert_near(geo_distance_m(east, west), DEGREE_M, 1e-6);
	assert_near(geo_distance_fast_m(east, west), DEGREE_M, 1e-6);
}

static void test_distance__fast_is_within_1e_4_of_haversine_below_100_km(void **state)
{
	(void)state;
	for (double lat = -60.0; lat <= 60.0; lat += 2.5) {
		for (double bearing = 0.0; bearing < 6.28; bearing += 0.3) {
			for (double dist_m = 10.0; dist_m <= 100e3; dist_m *= 2.0) {
				double lng_m = DEGREE_M * cos(lat * GEO_RAD_PER_DEG);
				struct geo_point a = { .lat = lat, .lng = 110.0 };
				struct geo_point b = {
					.lat = lat + dist_m * cos(bearing) / DEGREE_M,
					.lng = 110.0 + dist_m * sin(bearing) / lng_m,
				};
				double exact = geo_distance_m(a, b);

				assert_near(geo_distance_fast_m(a, b), exact, exact * 1e-4);
			}
		}
	}
	assert_near(geo_distance_fast_m(tiananmen, peoples_square),
		    geo_distance_m(tiananmen, peoples_square), 1067e3 * 1e-3);
}

static void test_distance__nan_in_gives_nan_out(void **state)
{
	struct geo_point bad = { .lat = NAN, .lng = 116.0 };

	(void)state;
	assert_true(isnan(geo_distance_m(bad, tiananmen)));
	assert_true(isnan(geo_distance_fast_m(tiananmen, bad)));
}

static void test_distance__walk_minutes_round_up_with_the_detour_factor(void **state)
{
	(void)state;
	/* 64 m straight is 80 m of street: exactly one minute. */
	assert_int_equal(geo_walk_minutes(64.0), 1);
	assert_int_equal(geo_walk_minutes(64.01), 2);
	assert_int_equal(geo_walk_minutes(128.0), 2);
	assert_int_equal(geo_walk_minutes(1000.0), 16); /* 15.625 */
	assert_int_equal(geo_walk_minutes(1280.0), 20);
	assert_int_equal(geo_walk_minutes(1500.0), 24); /* 23.4375 */
	/* Whole-minute distances do not tip over through rounding. */
	for (int minutes = 1; minutes <= 600; minutes++)
		assert_int_equal(geo_walk_minutes(minutes * 64.0), minutes);
}

static void test_distance__walk_minutes_are_at_least_one(void **state)
{
	(void)state;
	assert_int_equal(geo_walk_minutes(0.0), 1);
	assert_int_equal(geo_walk_minutes(0.5), 1);
	assert_int_equal(geo_walk_minutes(-10.0), 1);
	assert_int_equal(geo_walk_minutes(NAN), 1);
}

static void test_distance__walk_minutes_saturate_instead_of_overflowing(void **state)
{
	(void)state;
	assert_int_equal(geo_walk_minutes(1e300), INT_MAX);
	assert_int_equal(geo_walk_minutes(INFINITY), INT_MAX);
	assert_int_equal(geo_walk_minutes(20037508.0), 313087); /* half the Earth */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance__beijing_to_shanghai_is_about_1067_km),
		cmocka_unit_test(test_distance__is_zero_between_a_point_and_itself),
		cmocka_unit_test(test_distance__a_degree_of_meridian_or_equator_is_pi_r_over_180),
		cmocka_unit_test(test_distance__antipodes_are_half_a_circumference_apart),
		cmocka_unit_test(test_distance__is_symmetric_to_the_bit),
		cmocka_unit_test(test_distance__crosses_the_antimeridian_the_short_way),
		cmocka_unit_test(test_distance__fast_is_within_1e_4_of_haversine_below_100_km),
		cmocka_unit_test(test_distance__nan_in_gives_nan_out),
		cmocka_unit_test(test_distance__walk_minutes_round_up_with_the_detour_factor),
		cmocka_unit_test(test_distance__walk_minutes_are_at_least_one),
		cmocka_unit_test(test_distance__walk_minutes_saturate_instead_of_overflowing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
