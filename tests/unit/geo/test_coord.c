/* Tests for src/geo/coord.c: the WGS-84/GCJ-02/BD-09 transforms against the
 * reference pairs printed by gcoord 1.0.7 (6 decimals, checked to 1e-6
 * degrees) and its full-precision outputs (checked to 1e-9), round trips,
 * the China box, and parsing of system names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "geo/coord.h"

/* The reference tables list (lng, lat); keep that order here to copy them
 * without swapping by hand. */
#define LL(lng_, lat_)                       \
	{                                    \
		.lat = (lat_), .lng = (lng_) \
	}

struct reference_row {
	const char *name;
	struct geo_point in;
	struct geo_point wgs_to_gcj;
	struct geo_point gcj_to_bd;
	struct geo_point gcj_to_wgs;
	struct geo_point bd_to_gcj;
	struct geo_point wgs_to_bd;
	struct geo_point bd_to_wgs;
};

/* Each row applies every transform to the same input. */
static const struct reference_row reference[] = {
	{ "116.397128, 39.916527 (Beijing)", LL(116.397128, 39.916527), LL(116.403372, 39.917931),
	  LL(116.403495, 39.922867), LL(116.390886, 39.915126), LL(116.390744, 39.910222),
	  LL(116.409739, 39.924269), LL(116.384507, 39.908825) },
	{ "107.155344, 34.355068 (Weibin cp)", LL(107.155344, 34.355068), LL(107.160130, 34.353766),
	  LL(107.161762, 34.361386), LL(107.150551, 34.356362), LL(107.148911, 34.348794),
	  LL(107.166546, 34.360093), LL(107.144110, 34.350080) },
	{ "114.980424, 30.096147 (Daye cp)", LL(114.980424, 30.096147), LL(114.985600, 30.093554),
	  LL(114.986862, 30.102308), LL(114.975266, 30.098754), LL(114.974011, 30.089895),
	  LL(114.992060, 30.099628), LL(114.968874, 30.092519) },
	{ "103.549991, 29.413091 (Shawan cp)", LL(103.549991, 29.413091), LL(103.551978, 29.410140),
	  LL(103.556427, 29.419363), LL(103.548000, 29.416036), LL(103.543541, 29.406887),
	  LL(103.558407, 29.416426), LL(103.541537, 29.409822) },
	{ "121.473701, 31.230416 (Shanghai)", LL(121.473701, 31.230416), LL(121.478224, 31.228474),
	  LL(121.480238, 31.236351), LL(121.469163, 31.232345), LL(121.467196, 31.224358),
	  LL(121.484782, 31.234327), LL(121.462639, 31.226274) },
	{ "114.057868, 22.543099 (Shenzhen)", LL(114.057868, 22.543099), LL(114.062982, 22.540382),
	  LL(114.064420, 22.548756), LL(114.052760, 22.545826), LL(114.051325, 22.537410),
	  LL(114.069532, 22.546040), LL(114.046228, 22.540151) },
	{ "87.617733, 43.792818 (Urumqi)", LL(87.617733, 43.792818), LL(87.620582, 43.794043),
	  LL(87.624148, 43.798972), LL(87.614887, 43.791595), LL(87.611354, 43.786605),
	  LL(87.627015, 43.800164), LL(87.608512, 43.785382) },
	{ "139.691706, 35.689487 (Tokyo, outside the box)", LL(139.691706, 35.689487),
	  LL(139.691706, 35.689487), LL(139.698129, 35.695832), LL(139.691706, 35.689487),
	  LL(139.685294, 35.683080), LL(139.698129, 35.695832), LL(139.685294, 35.683080) },
	{ "136.0, 35.0 (inside gcoord's box, outside coordtransform's)", LL(136.0, 35.0),
	  LL(136.005767, 34.999668), LL(136.006536, 35.005792), LL(135.994251, 35.000350),
	  LL(135.993494, 34.994078), LL(136.012327, 35.005363), LL(135.987766, 34.994453) },
};

#define N_REFERENCE (sizeof(reference) / sizeof(reference[0]))

static void assert_point_near(struct geo_point got, struct geo_point want, double tol_deg,
			      const char *what, const char *row)
{
	double d_lat = fabs(got.lat - want.lat);
	double d_lng = fabs(got.lng - want.lng);

	if (d_lat <= tol_deg && d_lng <= tol_deg)
		return;
	print_error("%s of %s: got (%.12f, %.12f), want (%.12f, %.12f) within %g\n", what, row,
		    got.lng, got.lat, want.lng, want.lat, tol_deg);
	fail();
}

static void test_coord__wgs84_to_gcj02_matches_gcoord_reference(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_REFERENCE; i++)
		assert_point_near(geo_wgs84_to_gcj02(reference[i].in), reference[i].wgs_to_gcj,
				  1e-6, "WGS->GCJ", reference[i].name);
}

static void test_coord__gcj02_to_bd09_matches_gcoord_reference(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_REFERENCE; i++)
		assert_point_near(geo_gcj02_to_bd09(reference[i].in), reference[i].gcj_to_bd, 1e-6,
				  "GCJ->BD", reference[i].name);
}

static void test_coord__gcj02_to_wgs84_matches_gcoord_reference(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_REFERENCE; i++)
		assert_point_near(geo_gcj02_to_wgs84(reference[i].in), reference[i].gcj_to_wgs,
				  1e-6, "GCJ->WGS", reference[i].name);
}

static void test_coord__bd09_to_gcj02_matches_gcoord_reference(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_REFERENCE; i++)
		assert_point_near(geo_bd09_to_gcj02(reference[i].in), reference[i].bd_to_gcj, 1e-6,
				  "BD->GCJ", reference[i].name);
}

static void test_coord__wgs84_to_bd09_matches_gcoord_reference(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_REFERENCE; i++)
		assert_point_near(geo_from_wgs84(reference[i].in, GEO_CRS_BD09),
				  reference[i].wgs_to_bd, 1e-6, "WGS->BD", reference[i].name);
}

static void test_coord__bd09_to_wgs84_matches_gcoord_reference(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_REFERENCE; i++)
		assert_point_near(geo_to_wgs84(reference[i].in, GEO_CRS_BD09),
				  reference[i].bd_to_wgs, 1e-6, "BD->WGS", reference[i].name);
}

static void test_coord__generic_conversions_match_the_named_ones(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_REFERENCE; i++) {
		const struct reference_row *r = &reference[i];

		assert_point_near(geo_from_wgs84(r->in, GEO_CRS_GCJ02), r->wgs_to_gcj, 1e-6,
				  "from_wgs84(GCJ)", r->name);
		assert_point_near(geo_to_wgs84(r->in, GEO_CRS_GCJ02), r->gcj_to_wgs, 1e-6,
				  "to_wgs84(GCJ)", r->name);
		assert_point_near(geo_from_wgs84(r->in, GEO_CRS_WGS84), r->in, 0.0,
				  "from_wgs84(WGS)", r->name);
		assert_point_near(geo_to_wgs84(r->in, GEO_CRS_WGS84), r->in, 0.0, "to_wgs84(WGS)",
				  r->name);
	}
}

static void test_coord__forward_transforms_match_gcoord_to_full_precision(void **state)
{
	struct geo_point beijing = LL(116.397128, 39.916527);
	struct geo_point weibin = LL(107.155344, 34.355068);

	(void)state;
	assert_point_near(geo_wgs84_to_gcj02(beijing),
			  (struct geo_point)LL(116.40337249402477, 39.917930749245947), 1e-9,
			  "WGS->GCJ", "Beijing");
	assert_point_near(geo_wgs84_to_gcj02(weibin),
			  (struct geo_point)LL(107.16013014539631, 34.353765509243559), 1e-9,
			  "WGS->GCJ", "Weibin");
	assert_point_near(geo_gcj02_to_bd09(beijing),
			  (struct geo_point)LL(116.40349519827029, 39.922867311092325), 1e-9,
			  "GCJ->BD", "Beijing");
	assert_point_near(geo_gcj02_to_bd09(weibin),
			  (struct geo_point)LL(107.16176236038655, 34.361385852739083), 1e-9,
			  "GCJ->BD", "Weibin");
}

/* A grid over the whole box, finer than gcoord's own 0.37 x 0.29 degrees. */
static void test_coord__gcj02_round_trip_is_exact_to_1e_10_degrees(void **state)
{
	(void)state;
	for (double lat = 0.9; lat <= 55.8; lat += 0.23) {
		for (double lng = 72.1; lng <= 137.8; lng += 0.31) {
			struct geo_point w = { .lat = lat, .lng = lng };
			struct geo_point g = geo_wgs84_to_gcj02(w);

			assert_point_near(geo_gcj02_to_wgs84(g), w, 1e-10, "WGS->GCJ->WGS", "grid");
			assert_point_near(geo_wgs84_to_gcj02(geo_gcj02_to_wgs84(w)), w, 1e-10,
					  "GCJ->WGS->GCJ", "grid");
		}
	}
}

/* BD-09's published pair of formulas is only an approximate inverse. */
static void test_coord__bd09_round_trip_stays_within_a_quarter_metre(void **state)
{
	(void)state;
	for (double lat = 0.9; lat <= 55.8; lat += 0.23) {
		for (double lng = 72.1; lng <= 137.8; lng += 0.31) {
			struct geo_point p = { .lat = lat, .lng = lng };

			assert_point_near(geo_bd09_to_gcj02(geo_gcj02_to_bd09(p)), p, 3e-6,
					  "GCJ->BD->GCJ", "grid");
			struct geo_point bd = geo_from_wgs84(p, GEO_CRS_BD09);

			assert_point_near(geo_to_wgs84(bd, GEO_CRS_BD09), p, 3e-6, "WGS->BD->WGS",
					  "grid");
		}
	}
}

static void test_coord__points_outside_china_are_unchanged(void **state)
{
	static const struct geo_point outside[] = {
		LL(139.691706, 35.689487), /* Tokyo */
		LL(-0.1276, 51.5072),	   /* London */
		LL(100.0, 60.0),	   /* north of the box */
		LL(72.0039, 30.0),	   /* just west of it */
		LL(137.8348, 30.0),	   /* just east of it */
		LL(0.0, 0.0),
		LL(-180.0, -90.0),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		assert_false(geo_in_china(outside[i]));
		assert_point_near(geo_wgs84_to_gcj02(outside[i]), outside[i], 0.0, "WGS->GCJ",
				  "outside");
		assert_point_near(geo_gcj02_to_wgs84(outside[i]), outside[i], 0.0, "GCJ->WGS",
				  "outside");
	}
}

static void test_coord__china_box_is_gcoords_inclusive_box(void **state)
{
	(void)state;
	assert_true(geo_in_china((struct geo_point)LL(72.004, 0.8293)));
	assert_true(geo_in_china((struct geo_point)LL(137.8347, 55.8271)));
	assert_true(geo_in_china((struct geo_point)LL(116.397128, 39.916527)));
	assert_false(geo_in_china((struct geo_point)LL(72.004, 0.8292)));
	assert_false(geo_in_china((struct geo_point)LL(137.8347, 55.8272)));
	assert_false(geo_in_china((struct geo_point)LL(NAN, 30.0)));
	assert_false(geo_in_china((struct geo_point)LL(116.0, NAN)));
}

static void test_coord__transforms_keep_nan_out_of_the_china_box(void **state)
{
	struct geo_point p = LL(NAN, 30.0);

	(void)state;
	assert_true(isnan(geo_wgs84_to_gcj02(p).lng));
	assert_true(isnan(geo_gcj02_to_wgs84(p).lng));
}

static void test_coord__point_valid_requires_finite_degrees_in_range(void **state)
{
	(void)state;
	assert_true(geo_point_valid((struct geo_point)LL(116.4, 39.9)));
	assert_true(geo_point_valid((struct geo_point)LL(-180.0, -90.0)));
	assert_true(geo_point_valid((struct geo_point)LL(180.0, 90.0)));
	assert_false(geo_point_valid((struct geo_point)LL(180.0001, 0.0)));
	assert_false(geo_point_valid((struct geo_point)LL(0.0, -90.0001)));
	assert_false(geo_point_valid((struct geo_point)LL(NAN, 0.0)));
	assert_false(geo_point_valid((struct geo_point)LL(0.0, NAN)));
	assert_false(geo_point_valid((struct geo_point)LL(INFINITY, 0.0)));
	assert_false(geo_point_valid((struct geo_point)LL(0.0, -INFINITY)));
}

static void test_coord__parse_accepts_the_three_names_in_any_case(void **state)
{
	enum geo_crs crs = GEO_CRS_BD09;

	(void)state;
	assert_int_equal(geo_crs_parse("wgs84", &crs), 0);
	assert_int_equal(crs, GEO_CRS_WGS84);
	assert_int_equal(geo_crs_parse("GCJ02", &crs), 0);
	assert_int_equal(crs, GEO_CRS_GCJ02);
	assert_int_equal(geo_crs_parse("Bd09", &crs), 0);
	assert_int_equal(crs, GEO_CRS_BD09);
	assert_int_equal(geo_crs_parse("WGS84", &crs), 0);
	assert_int_equal(crs, GEO_CRS_WGS84);
}

static void test_coord__parse_rejects_anything_else_and_leaves_out_alone(void **state)
{
	static const char *const bad[] = {
		"", "wgs", "wgs-84", "WGS 84", "gcj02 ", " bd09", "bd09mc", "epsg:4326", "gcj0",
	};
	enum geo_crs crs = GEO_CRS_GCJ02;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(geo_crs_parse(bad[i], &crs), -1);
		assert_int_equal(crs, GEO_CRS_GCJ02);
	}
	assert_int_equal(geo_crs_parse(NULL, &crs), -1);
	assert_int_equal(crs, GEO_CRS_GCJ02);
}

static void test_coord__crs_name_round_trips_through_parse(void **state)
{
	static const enum geo_crs all[] = { GEO_CRS_WGS84, GEO_CRS_GCJ02, GEO_CRS_BD09 };

	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		enum geo_crs back;

		assert_int_equal(geo_crs_parse(geo_crs_name(all[i]), &back), 0);
		assert_int_equal(back, all[i]);
	}
	assert_string_equal(geo_crs_name(GEO_CRS_GCJ02), "gcj02");
	assert_string_equal(geo_crs_name((enum geo_crs)42), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coord__wgs84_to_gcj02_matches_gcoord_reference),
		cmocka_unit_test(test_coord__gcj02_to_bd09_matches_gcoord_reference),
		cmocka_unit_test(test_coord__gcj02_to_wgs84_matches_gcoord_reference),
		cmocka_unit_test(test_coord__bd09_to_gcj02_matches_gcoord_reference),
		cmocka_unit_test(test_coord__wgs84_to_bd09_matches_gcoord_reference),
		cmocka_unit_test(test_coord__bd09_to_wgs84_matches_gcoord_reference),
		cmocka_unit_test(test_coord__generic_conversions_match_the_named_ones),
		cmocka_unit_test(test_coord__forward_transforms_match_gcoord_to_full_precision),
		cmocka_unit_test(test_coord__gcj02_round_trip_is_exact_to_1e_10_degrees),
		cmocka_unit_test(test_coord__bd09_round_trip_stays_within_a_quarter_metre),
		cmocka_unit_test(test_coord__points_outside_china_are_unchanged),
		cmocka_unit_test(test_coord__china_box_is_gcoords_inclusive_box),
		cmocka_unit_test(test_coord__transforms_keep_nan_out_of_the_china_box),
		cmocka_unit_test(test_coord__point_valid_requires_finite_degrees_in_range),
		cmocka_unit_test(test_coord__parse_accepts_the_three_names_in_any_case),
		cmocka_unit_test(test_coord__parse_rejects_anything_else_and_leaves_out_alone),
		cmocka_unit_test(test_coord__crs_name_round_trips_through_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
