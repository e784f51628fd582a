/* Tests of src/domain/privacy.c on a fresh SQLite store: the retention job
 * removes old check-ins' client addresses and spent sign-up codes and
 * nothing younger; erasure anonymises a person, keeps their check-ins and
 * categories, and frees their number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/clock.h"
#include "domain/privacy.h"
#include "fixture.h"

static struct fx_engine eng;
static struct db *db;
static struct principal staff_p;
static int64_t person_id;

static int setup(void **state)
{
	(void)state;
	db = fx_fresh(&eng);
	if (!db)
		return -1;
	fx_principal(db, fx_account(db, "13800000002", "街道工作人员", "staff", FX_STREET),
		     &staff_p);
	int64_t station = fx_station(db,
				     &(struct actor){ .p = &staff_p, .ip = "1", .request_id = "t" },
				     "隐私站", FX_COMMUNITY);
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO persons (name, phone, categories, region_code, created_s, updated_s)"
		 " VALUES ('骑手', '13900009999', 2, '%s', 1, 1)",
		 FX_COMMUNITY);
	fx_exec(db, sql);
	person_id = fx_int(db, "SELECT id FROM persons");
	int64_t now = clock_now_s();
	snprintf(
		sql, sizeof(sql),
		"INSERT INTO checkins (person_id, station_id, purpose, region_code, at_s, day, client_ip)"
		" VALUES (%lld, %lld, 'rest', '%s', %lld, '2026-01-01', '10.0.0.1'),"
		" (%lld, %lld, 'rest', '%s', %lld, '2026-12-01', '10.0.0.2');"
		"INSERT INTO signup_codes (phone, code_hash, created_s, expires_s)"
		" VALUES ('13900009999', 'h', %lld, %lld), ('13900009999', 'h', %lld, %lld)",
		(long long)person_id, (long long)station, FX_COMMUNITY,
		(long long)(now - 200 * 86400), (long long)person_id, (long long)station,
		FX_COMMUNITY, (long long)(now - 3600), (long long)(now - 2 * 86400),
		(long long)(now - 2 * 86400 + 300), (long long)now, (long long)(now + 300));
	fx_exec(db, sql);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&eng, db);
	return 0;
}

static void test_privacy__retention_removes_only_what_is_old(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	int64_t n = 0;
	assert_int_equal(privacy_purge(db, clock_now_s(), 180 * 86400, &n, &prob), RC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM checkins WHERE client_ip IS NULL"), 1);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM checkins"), 2);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM signup_codes"), 1);
	assert_int_equal(privacy_purge(db, clock_now_s(), 180 * 86400, &n, &prob), RC_OK);
	assert_int_equal(n, 0);
}

static void test_privacy__erasure_keeps_the_counts(void **state)
{
	(void)state;
	struct actor staff = fx_actor(&staff_p);
	struct problem prob = { 0 };
	struct db_tx *tx = fx_begin(db);
	assert_int_equal(fx_end(tx, privacy_erase(tx, &staff, person_id, &prob), &prob), RC_OK);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM persons WHERE phone IS NULL AND "
				    "deleted_s IS NOT NULL AND name = '已注销' AND categories = 2"),
			 1);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM checkins WHERE client_ip IS NULL"), 2);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM checkins"), 2);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM signup_codes"), 0);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'person.erase'"),
			 1);
	/* Someone outside the staff member's street may not erase. */
	struct principal other;
	fx_principal(db, fx_account(db, "13800000003", "别处", "staff", FX_OTHER_STREET), &other);
	struct actor oa = fx_actor(&other);
	problem_init(&prob);
	tx = fx_begin(db);
	assert_int_equal(fx_end(tx, privacy_erase(tx, &oa, person_id, &prob), &prob), RC_FORBIDDEN);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static int group_setup(void **state)
{
	(void)state;
	return fx_sqlite_setup(&eng, "privacy");
}

static int group_teardown(void **state)
{
	(void)state;
	fx_engine_teardown(&eng);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_privacy__retention_removes_only_what_is_old),
		TEST(test_privacy__erasure_keeps_the_counts),
	};
	return cmocka_run_group_tests_name("privacy", tests, group_setup, group_teardown);
}
