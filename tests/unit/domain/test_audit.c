/* Tests of src/domain/audit.c on a fresh SQLite store (tests/unit/domain/
 * fixture.h): who reads which rows (a region's admins its rows, the city's
 * admins also what belongs to no place, a station's grant that station's
 * rows, anyone their own actions), the filters and the cursor, and phone
 * numbers masked in the detail. */
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
	struct principal city_p, district_p, other_p, staff_p, manager_p;
	struct actor city, district, other, staff;
} fx;

static void record(const struct actor *actor, const char *action, const char *type, const char *id,
		   const char *scope)
{
	struct problem prob = { 0 };
	struct db_tx *tx = fx_begin(fx.db);
	if (fx_end(tx, audit_record(tx, actor, action, type, id, scope, NULL, &prob), &prob) !=
	    RC_OK)
		fail_msg("audit_record: %s", prob.detail);
}

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
		     &fx.other_p);
	fx_principal(fx.db, fx_account(fx.db, "13800000004", "街道工作人员", "staff", FX_STREET),
		     &fx.staff_p);
	fx.city = fx_actor(&fx.city_p);
	fx.district = fx_actor(&fx.district_p);
	fx.other = fx_actor(&fx.other_p);
	fx.staff = fx_actor(&fx.staff_p);
	/* One row in each place, by the city admin, and one by staff. */
	record(&fx.city, "station.update", "station", "1", FX_COMMUNITY);
	record(&fx.city, "station.update", "station", "2", "610303001001");
	record(&fx.city, "amenity.update", "amenity", "water", NULL);
	record(&fx.city, "role.grant", "role_grant", "5", FX_STREET);
	record(&fx.staff, "station.close", "station", "3", "610302002001");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&eng, fx.db);
	return 0;
}

/* The object ids of the rows viewer reads with filter f, newest first,
 * joined by commas. */
static void ids_seen(const struct principal *viewer, const struct audit_filter *f, char *out,
		     size_t cap)
{
	struct audit_page page;
	struct problem prob = { 0 };
	struct audit_filter all = { .limit = 50 };
	if (audit_list(fx.db, viewer, f ? f : &all, &page, &prob) != RC_OK)
		fail_msg("audit_list: %s", prob.detail);
	out[0] = '\0';
	size_t len = 0;
	for (size_t i = 0; i < page.n; i++)
		len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s%s", i ? "," : "",
					page.entries[i].object_id);
	audit_page_release(&page);
}

static void test_audit__a_district_admin_reads_only_its_districts_rows(void **state)
{
	(void)state;
	char seen[256];
	ids_seen(&fx.district_p, NULL, seen, sizeof(seen));
	/* Staff's closure in 清姜 (their district), the grant, station 1; not
	 * 金台区's station 2 nor the city's catalog. */
	assert_string_equal(seen, "3,5,1");
	ids_seen(&fx.other_p, NULL, seen, sizeof(seen));
	assert_string_equal(seen, "2");
}

static void test_audit__the_city_admin_also_reads_what_belongs_to_no_place(void **state)
{
	(void)state;
	char seen[256];
	ids_seen(&fx.city_p, NULL, seen, sizeof(seen));
	assert_string_equal(seen, "3,5,water,2,1");
}

static void test_audit__without_the_right_one_reads_only_ones_own_actions(void **state)
{
	(void)state;
	char seen[256];
	ids_seen(&fx.staff_p, NULL, seen, sizeof(seen));
	assert_string_equal(seen, "3");
}

static void test_audit__a_station_grant_reads_that_stations_rows(void **state)
{
	(void)state;
	struct principal p = { .kind = AUTH_SESSION, .account_id = 99, .ngrants = 1 };
	p.grants[0].role = ROLE_ADMIN;
	text_copy(p.grants[0].scope, sizeof(p.grants[0].scope), "station:2");
	char seen[256];
	ids_seen(&p, NULL, seen, sizeof(seen));
	assert_string_equal(seen, "2");
}

static void test_audit__filters_and_the_cursor_narrow_the_rows(void **state)
{
	(void)state;
	char seen[256];
	struct audit_filter by_prefix = { .action = "station.", .limit = 50 };
	ids_seen(&fx.city_p, &by_prefix, seen, sizeof(seen));
	assert_string_equal(seen, "3,2,1");
	struct audit_filter exact = { .action = "station.update", .object_id = "2", .limit = 50 };
	ids_seen(&fx.city_p, &exact, seen, sizeof(seen));
	assert_string_equal(seen, "2");
	struct audit_filter by_actor = { .actor_id = fx.staff_p.account_id, .limit = 50 };
	ids_seen(&fx.city_p, &by_actor, seen, sizeof(seen));
	assert_string_equal(seen, "3");
	/* Two a page: three pages, the last without a cursor. */
	struct audit_page page;
	struct problem prob = { 0 };
	struct audit_filter f = { .limit = 2 };
	size_t pages = 0, rows = 0;
	do {
		assert_int_equal(audit_list(fx.db, &fx.city_p, &f, &page, &prob), RC_OK);
		rows += page.n;
		pages++;
		f.before_id = page.next_before_id;
		audit_page_release(&page);
	} while (f.before_id && pages < 10);
	assert_int_equal(pages, 3);
	assert_int_equal(rows, 5);
}

static void test_audit__phone_numbers_in_the_detail_are_masked(void **state)
{
	(void)state;
	struct audit_detail d;
	struct problem prob = { 0 };
	audit_detail_init(&d);
	audit_detail_str(&d, "phone", "13912345678");
	audit_detail_str(&d, "note", "say \"hi\"");
	audit_detail_int(&d, "n", 42);
	struct db_tx *tx = fx_begin(fx.db);
	assert_int_equal(fx_end(tx,
				audit_record_id(tx, &fx.city, "account.create", "account", 77,
						FX_STREET, &d, &prob),
				&prob),
			 RC_OK);
	audit_detail_release(&d);
	struct audit_page page;
	struct audit_filter f = { .object_id = "77", .limit = 5 };
	assert_int_equal(audit_list(fx.db, &fx.city_p, &f, &page, &prob), RC_OK);
	assert_int_equal(page.n, 1);
	assert_non_null(page.entries[0].detail);
	assert_null(strstr(page.entries[0].detail, "13912345678"));
	assert_non_null(strstr(page.entries[0].detail, "5678"));
	assert_non_null(strstr(page.entries[0].detail, "\\\"hi\\\""));
	assert_non_null(strstr(page.entries[0].detail, "42"));
	assert_string_equal(page.entries[0].ip, "127.0.0.1");
	assert_string_equal(page.entries[0].request_id, "test");
	audit_page_release(&page);
}

static int group_setup(void **state)
{
	(void)state;
	log_open(2, LOG_FATAL, false);
	return fx_sqlite_setup(&eng, "yz_test_audit");
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
		TEST(test_audit__a_district_admin_reads_only_its_districts_rows),
		TEST(test_audit__the_city_admin_also_reads_what_belongs_to_no_place),
		TEST(test_audit__without_the_right_one_reads_only_ones_own_actions),
		TEST(test_audit__a_station_grant_reads_that_stations_rows),
		TEST(test_audit__filters_and_the_cursor_narrow_the_rows),
		TEST(test_audit__phone_numbers_in_the_detail_are_masked),
	};
	return cmocka_run_group_tests_name("audit", tests, group_setup, group_teardown);
}
