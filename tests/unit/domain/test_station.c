/* Tests of src/domain/station.c on a fresh SQLite store (tests/unit/domain/
 * fixture.h): validation reports every bad field at once, a station must lie
 * near its street, who may create and edit which station, which fields a
 * manager may not touch, the 1+N hub rule, and the audit row of each write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/log.h"
#include "fixture.h"

static struct fx_engine eng;

static struct {
	struct db *db;
	struct principal city_p, district_p, other_district_p, staff_p;
	struct actor city, district, other_district, staff;
	int64_t station_id;
} fx;

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.db = fx_fresh(&eng);
	if (!fx.db)
		return -1;
	fx_principal(fx.db, fx_account(fx.db, "13800000001", "市管理员", "admin", FX_CITY),
		     &fx.city_p);
	fx_principal(fx.db, fx_account(fx.db, "13800000002", "区管理员", "admin", FX_DISTRICT),
		     &fx.district_p);
	fx_principal(fx.db,
		     fx_account(fx.db, "13800000003", "金台区管理员", "admin", FX_OTHER_DISTRICT),
		     &fx.other_district_p);
	fx_principal(fx.db, fx_account(fx.db, "13800000004", "街道工作人员", "staff", FX_STREET),
		     &fx.staff_p);
	fx.city = fx_actor(&fx.city_p);
	fx.district = fx_actor(&fx.district_p);
	fx.other_district = fx_actor(&fx.other_district_p);
	fx.staff = fx_actor(&fx.staff_p);
	fx.station_id = fx_station(fx.db, &fx.city, "龙腾路驿站", FX_COMMUNITY);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&eng, fx.db);
	return 0;
}

static enum rc create(const struct actor *actor, const struct station_input *in, int64_t *id,
		      struct problem *prob)
{
	problem_init(prob);
	struct db_tx *tx = fx_begin(fx.db);
	return fx_end(tx, station_create(tx, actor, in, id, prob), prob);
}

static enum rc update(const struct actor *actor, int64_t id, const struct station_input *in,
		      struct problem *prob)
{
	problem_init(prob);
	struct db_tx *tx = fx_begin(fx.db);
	return fx_end(tx, station_update(tx, actor, id, in, prob), prob);
}

static int64_t stations(void)
{
	return fx_int(fx.db, "SELECT COUNT(*) FROM stations");
}

static void test_station__create_reports_every_bad_field_at_once(void **state)
{
	(void)state;
	struct station_input in = { 0 };
	in.has_name = in.has_level = in.has_address = in.has_region = in.has_stars = true;
	in.has_phone = in.has_amenities = true;
	in.name = "";
	in.level = "castle";
	in.address = "";
	in.region_code = FX_STREET;
	in.stars = 9;
	in.phone = "call me";
	in.amenities[0] = "jacuzzi";
	in.namenities = 1;
	struct problem prob;
	int64_t id = 0;
	int64_t before = stations();
	assert_int_equal(create(&fx.city, &in, &id, &prob), RC_INVALID);
	static const char *const fields[] = { "name",  "level", "address",  "location",
					      "stars", "phone", "amenities" };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!fx_has_field(&prob, fields[i]))
			fail_msg("no field error on %s", fields[i]);
	assert_false(fx_has_field(&prob, "region_code"));
	assert_int_equal(stations(), before);
}

static void test_station__create_refuses_a_region_that_is_not_a_known_street(void **state)
{
	(void)state;
	struct station_input in;
	struct problem prob;
	int64_t id = 0;
	fx_station_input(&in, "无名驿站", "610302999");
	assert_int_equal(create(&fx.city, &in, &id, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "region_code"));
	/* A district is too coarse for a station. */
	fx_station_input(&in, "无名驿站", FX_DISTRICT);
	assert_int_equal(create(&fx.city, &in, &id, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "region_code"));
}

static void test_station__create_refuses_a_point_far_from_its_street(void **state)
{
	(void)state;
	struct station_input in;
	struct problem prob;
	int64_t id = 0;
	fx_station_input(&in, "远方驿站", FX_STREET);
	in.lat = FX_LAT - 0.07; /* about 7.8 km south of the street's communities */
	assert_int_equal(create(&fx.city, &in, &id, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "location"));
	/* Two kilometres away is still the street. */
	in.lat = FX_LAT - 0.018;
	assert_int_equal(create(&fx.city, &in, &id, &prob), RC_OK);
	assert_true(id > fx.station_id);
}

static void test_station__create_records_its_audit_row_in_the_stations_region(void **state)
{
	(void)state;
	struct station_input in;
	struct problem prob;
	int64_t id = 0;
	fx_station_input(&in, "公园路驿站", "610302001002");
	int64_t audits = fx_int(fx.db, "SELECT COUNT(*) FROM audit_log");
	assert_int_equal(create(&fx.district, &in, &id, &prob), RC_OK);
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM audit_log"), audits + 1);
	struct db_rows *rows = NULL;
	assert_int_equal(db_q(fx.db,
			      "SELECT action, object_type, object_id, scope, actor_id"
			      " FROM audit_log ORDER BY id DESC LIMIT $1",
			      &rows, &prob, DB_I(1)),
			 RC_OK);
	assert_string_equal(db_rows_text(rows, 0, 0), "station.create");
	assert_string_equal(db_rows_text(rows, 0, 1), "station");
	assert_int_equal(db_rows_int(rows, 0, 2), id);
	assert_string_equal(db_rows_text(rows, 0, 3), "610302001002");
	assert_int_equal(db_rows_int(rows, 0, 4), fx.district_p.account_id);
	db_rows_free(rows);
}

static void test_station__a_district_admin_cannot_create_in_another_district(void **state)
{
	(void)state;
	struct station_input in;
	struct problem prob;
	int64_t id = 0;
	fx_station_input(&in, "东风路驿站", FX_OTHER_STREET);
	in.lat = 34.3750;
	in.lng = 107.2100;
	int64_t before = stations();
	assert_int_equal(create(&fx.district, &in, &id, &prob), RC_FORBIDDEN);
	assert_int_equal(stations(), before);
	assert_int_equal(create(&fx.other_district, &in, &id, &prob), RC_OK);
	assert_int_equal(stations(), before + 1);
}

static void test_station__staff_of_one_street_cannot_edit_another_streets_station(void **state)
{
	(void)state;
	struct station_input in;
	struct problem prob;
	int64_t id = 0;
	fx_station_input(&in, "清姜路驿站", "610302002001");
	in.lat = 34.3400;
	in.lng = 107.1200;
	assert_int_equal(create(&fx.city, &in, &id, &prob), RC_OK);
	struct station_input change = { .has_phone = true, .phone = "0917-5550000" };
	assert_int_equal(update(&fx.staff, id, &change, &prob), RC_FORBIDDEN);
	assert_int_equal(update(&fx.staff, fx.station_id, &change, &prob), RC_OK);
	struct station s;
	assert_int_equal(station_get(fx.db, fx.station_id, &s, &prob), RC_OK);
	assert_string_equal(s.phone, "0917-5550000");
	assert_int_equal(station_get(fx.db, id, &s, &prob), RC_OK);
	assert_string_equal(s.phone, "");
}

static void test_station__a_manager_cannot_change_stars_or_region(void **state)
{
	(void)state;
	struct principal mp;
	char scope[32];
	snprintf(scope, sizeof(scope), "station:%lld", (long long)fx.station_id);
	fx_principal(fx.db, fx_account(fx.db, "13800000009", "站长", "manager", scope), &mp);
	struct actor manager = fx_actor(&mp);
	struct problem prob;
	struct station_input in = { .has_stars = true,
				    .stars = 5,
				    .has_region = true,
				    .region_code = "610302001002",
				    .has_phone = true,
				    .phone = "0917-1110000" };
	assert_int_equal(update(&manager, fx.station_id, &in, &prob), RC_FORBIDDEN);
	assert_true(fx_has_field(&prob, "stars"));
	assert_true(fx_has_field(&prob, "region_code"));
	assert_false(fx_has_field(&prob, "phone"));
	struct station s;
	assert_int_equal(station_get(fx.db, fx.station_id, &s, &prob), RC_OK);
	assert_int_equal(s.stars, 0);
	assert_string_equal(s.region_code, FX_COMMUNITY);
	assert_string_equal(s.phone, "");
	/* The day-to-day fields are the manager's. */
	struct station_input daily = { .has_phone = true, .phone = "0917-1110000" };
	assert_int_equal(update(&manager, fx.station_id, &daily, &prob), RC_OK);
	const char *fields[16];
	size_t n = station_editable(&manager, &s, fields, 16);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		assert_string_not_equal(fields[i], "stars");
		assert_string_not_equal(fields[i], "region_code");
	}
	/* The city admin may set the stars. */
	struct station_input stars = { .has_stars = true, .stars = 4 };
	assert_int_equal(update(&fx.city, fx.station_id, &stars, &prob), RC_OK);
	assert_int_equal(station_get(fx.db, fx.station_id, &s, &prob), RC_OK);
	assert_int_equal(s.stars, 4);
}

static void test_station__an_update_changes_only_the_fields_given_and_bumps_the_version(void **state)
{
	(void)state;
	struct problem prob;
	struct station before, after;
	assert_int_equal(station_get(fx.db, fx.station_id, &before, &prob), RC_OK);
	struct station_input in = { .has_description = true, .description = "有微波炉和饮水机" };
	assert_int_equal(update(&fx.city, fx.station_id, &in, &prob), RC_OK);
	assert_int_equal(station_get(fx.db, fx.station_id, &after, &prob), RC_OK);
	assert_string_equal(after.description, "有微波炉和饮水机");
	assert_string_equal(after.name, before.name);
	assert_string_equal(after.address, before.address);
	assert_string_equal(after.region_code, before.region_code);
	assert_int_equal(after.version, before.version + 1);
	assert_int_equal(
		fx_int(fx.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'station.update'"), 1);
}

static void test_station__a_branch_cannot_be_a_hub(void **state)
{
	(void)state;
	struct station_input in;
	struct problem prob;
	int64_t branch = 0, id = 0;
	fx_station_input(&in, "分站", FX_COMMUNITY);
	in.has_parent = true;
	in.parent_id = fx.station_id;
	assert_int_equal(create(&fx.city, &in, &branch, &prob), RC_OK);
	fx_station_input(&in, "分站的分站", FX_COMMUNITY);
	in.has_parent = true;
	in.parent_id = branch;
	assert_int_equal(create(&fx.city, &in, &id, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "parent_id"));
	struct station_input self = { .has_parent = true, .parent_id = fx.station_id };
	assert_int_equal(update(&fx.city, fx.station_id, &self, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "parent_id"));
}

static void test_station__closing_needs_a_reason_and_reopening_clears_it(void **state)
{
	(void)state;
	struct problem prob;
	problem_init(&prob);
	struct db_tx *tx = fx_begin(fx.db);
	assert_int_equal(
		fx_end(tx, station_set_closed(tx, &fx.staff, fx.station_id, true, "", 0, &prob),
		       &prob),
		RC_INVALID);
	assert_true(fx_has_field(&prob, "reason"));
	problem_init(&prob);
	tx = fx_begin(fx.db);
	assert_int_equal(
		fx_end(tx, station_set_closed(tx, &fx.staff, fx.station_id, true, "装修", 0, &prob),
		       &prob),
		RC_OK);
	struct station s;
	assert_int_equal(station_get(fx.db, fx.station_id, &s, &prob), RC_OK);
	assert_true(s.hours.closed);
	assert_string_equal(s.closed_reason, "装修");
	problem_init(&prob);
	tx = fx_begin(fx.db);
	assert_int_equal(
		fx_end(tx, station_set_closed(tx, &fx.staff, fx.station_id, false, NULL, 0, &prob),
		       &prob),
		RC_OK);
	assert_int_equal(station_get(fx.db, fx.station_id, &s, &prob), RC_OK);
	assert_false(s.hours.closed);
	assert_string_equal(s.closed_reason, "");
}

static void test_station__a_rotated_qr_code_stops_finding_the_station(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct station s;
	int64_t id = 0;
	assert_int_equal(station_get(fx.db, fx.station_id, &s, &prob), RC_OK);
	char old[STATION_QR_TOKEN_CAP];
	text_copy(old, sizeof(old), s.qr_token);
	assert_int_equal(station_by_qr(fx.db, old, &id, &prob), RC_OK);
	assert_int_equal(id, fx.station_id);
	/* Staff may not rotate; an admin may. */
	problem_init(&prob);
	struct db_tx *tx = fx_begin(fx.db);
	assert_int_equal(fx_end(tx, station_rotate_qr(tx, &fx.staff, fx.station_id, &prob), &prob),
			 RC_FORBIDDEN);
	problem_init(&prob);
	tx = fx_begin(fx.db);
	assert_int_equal(
		fx_end(tx, station_rotate_qr(tx, &fx.district, fx.station_id, &prob), &prob),
		RC_OK);
	assert_int_equal(station_by_qr(fx.db, old, &id, &prob), RC_NOT_FOUND);
	assert_int_equal(station_get(fx.db, fx.station_id, &s, &prob), RC_OK);
	assert_string_not_equal(s.qr_token, old);
	assert_int_equal(station_by_qr(fx.db, s.qr_token, &id, &prob), RC_OK);
	assert_int_equal(id, fx.station_id);
}

static int group_setup(void **state)
{
	(void)state;
	log_open(2, LOG_FATAL, false);
	return fx_sqlite_setup(&eng, "yz_test_station");
}

static int group_teardown(void **state)
{
	(void)state;
	fx_engine_teardown(&eng);
	return 0;
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_station__create_reports_every_bad_field_at_once),
		TEST(test_station__create_refuses_a_region_that_is_not_a_known_street),
		TEST(test_station__create_refuses_a_point_far_from_its_street),
		TEST(test_station__create_records_its_audit_row_in_the_stations_region),
		TEST(test_station__a_district_admin_cannot_create_in_another_district),
		TEST(test_station__staff_of_one_street_cannot_edit_another_streets_station),
		TEST(test_station__a_manager_cannot_change_stars_or_region),
		TEST(test_station__an_update_changes_only_the_fields_given_and_bumps_the_version),
		TEST(test_station__a_branch_cannot_be_a_hub),
		TEST(test_station__closing_needs_a_reason_and_reopening_clears_it),
		TEST(test_station__a_rotated_qr_code_stops_finding_the_station),
	};
	return cmocka_run_group_tests_name("station", tests, group_setup, group_teardown);
}
