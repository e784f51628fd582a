/* Tests of src/domain/account.c on a fresh SQLite store (tests/unit/domain/
 * fixture.h): field errors reported together, one account per phone, reach
 * (nobody acts on an account whose roles reach further than their own),
 * masked phones, and who may grant which role where. */
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
	int64_t city_id, district_id, staff_id, resident_id;
	struct principal city_p, district_p, staff_p, resident_p;
	struct actor city, district, staff, resident;
} fx;

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.db = fx_fresh(&eng);
	if (!fx.db)
		return -1;
	fx.city_id = fx_account(fx.db, "13800000001", "市管理员", "admin", FX_CITY);
	fx.district_id = fx_account(fx.db, "13800000002", "区管理员", "admin", FX_DISTRICT);
	fx.staff_id = fx_account(fx.db, "13800000003", "街道工作人员", "staff", FX_STREET);
	fx.resident_id = fx_account(fx.db, "13800000004", "居民", "resident", FX_COMMUNITY);
	fx_principal(fx.db, fx.city_id, &fx.city_p);
	fx_principal(fx.db, fx.district_id, &fx.district_p);
	fx_principal(fx.db, fx.staff_id, &fx.staff_p);
	fx_principal(fx.db, fx.resident_id, &fx.resident_p);
	fx.city = fx_actor(&fx.city_p);
	fx.district = fx_actor(&fx.district_p);
	fx.staff = fx_actor(&fx.staff_p);
	fx.resident = fx_actor(&fx.resident_p);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&eng, fx.db);
	return 0;
}

static enum rc create(const struct actor *actor, const char *phone, const char *name,
		      struct account *out, struct problem *prob)
{
	struct account_new in = { .phone = phone, .name = name };
	problem_init(prob);
	struct db_tx *tx = fx_begin(fx.db);
	return fx_end(tx, account_create(tx, actor, NULL, &in, out, prob), prob);
}

static enum rc disable(const struct actor *actor, int64_t id, struct problem *prob)
{
	problem_init(prob);
	struct db_tx *tx = fx_begin(fx.db);
	return fx_end(tx, account_set_disabled(tx, actor, id, true, prob), prob);
}

static enum rc grant(const struct actor *actor, int64_t id, const char *role, const char *scope,
		     struct problem *prob)
{
	int64_t grant_id = 0;
	problem_init(prob);
	struct db_tx *tx = fx_begin(fx.db);
	return fx_end(tx, role_grant_add(tx, actor, id, role, scope, &grant_id, prob), prob);
}

static int64_t count(const char *sql)
{
	return fx_int(fx.db, sql);
}

static void test_account__create_reports_a_bad_phone_and_name_together(void **state)
{
	(void)state;
	struct account out;
	struct problem prob;
	int64_t before = count("SELECT COUNT(*) FROM accounts");
	assert_int_equal(create(&fx.city, "1234", "", &out, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "phone"));
	assert_true(fx_has_field(&prob, "name"));
	assert_int_equal(count("SELECT COUNT(*) FROM accounts"), before);
}

static void test_account__create_normalizes_the_phone_and_refuses_it_twice(void **state)
{
	(void)state;
	struct account out;
	struct problem prob;
	assert_int_equal(create(&fx.staff, "+86 139-0000-1111", "新居民", &out, &prob), RC_OK);
	assert_string_equal(out.phone, "13900001111");
	assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE action = 'account.create'"),
			 1);
	assert_int_equal(create(&fx.city, "13900001111", "另一个人", &out, &prob), RC_CONFLICT);
	assert_true(fx_has_field(&prob, "phone"));
	assert_int_equal(count("SELECT COUNT(*) FROM accounts WHERE phone = '13900001111'"), 1);
}

static void test_account__a_resident_cannot_create_accounts(void **state)
{
	(void)state;
	struct account out;
	struct problem prob;
	assert_int_equal(create(&fx.resident, "13900002222", "朋友", &out, &prob), RC_FORBIDDEN);
	assert_int_equal(count("SELECT COUNT(*) FROM accounts WHERE phone = '13900002222'"), 0);
}

static void test_account__a_district_admin_cannot_act_on_the_city_admin(void **state)
{
	(void)state;
	struct problem prob;
	assert_int_equal(disable(&fx.district, fx.city_id, &prob), RC_FORBIDDEN);
	assert_int_equal(grant(&fx.district, fx.city_id, "volunteer", FX_STREET, &prob),
			 RC_FORBIDDEN);
	struct account a;
	assert_int_equal(account_read(fx.db, &fx.district_p, fx.city_id, &a, &prob), RC_FORBIDDEN);
	assert_int_equal(fx_int_p(fx.db, "SELECT disabled FROM accounts WHERE id = $1", fx.city_id),
			 0);
	/* The other way round is allowed. */
	assert_int_equal(disable(&fx.city, fx.district_id, &prob), RC_OK);
	assert_int_equal(account_get(fx.db, fx.district_id, &a, &prob), RC_OK);
	assert_true(a.disabled);
}

static void test_account__nobody_disables_their_own_account(void **state)
{
	(void)state;
	struct problem prob;
	assert_int_equal(disable(&fx.city, fx.city_id, &prob), RC_INVALID);
	struct account a;
	assert_int_equal(account_get(fx.db, fx.city_id, &a, &prob), RC_OK);
	assert_false(a.disabled);
}

static void test_account__phones_are_masked_unless_the_viewer_may_reveal_them(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct account a;
	/* Staff read the resident of their street, masked; an admin sees it. */
	assert_int_equal(account_read(fx.db, &fx.staff_p, fx.resident_id, &a, &prob), RC_OK);
	assert_string_not_equal(a.phone, "13800000004");
	assert_memory_equal(a.phone, "138", 3);
	assert_string_equal(a.phone + 7, "0004");
	assert_int_equal(account_read(fx.db, &fx.district_p, fx.resident_id, &a, &prob), RC_OK);
	assert_string_equal(a.phone, "13800000004");
	/* One's own, always whole. */
	assert_int_equal(account_read(fx.db, &fx.resident_p, fx.resident_id, &a, &prob), RC_OK);
	assert_string_equal(a.phone, "13800000004");
	/* A resident does not read others. */
	assert_int_equal(account_read(fx.db, &fx.resident_p, fx.staff_id, &a, &prob), RC_FORBIDDEN);
}

static void test_account__grants_stay_within_the_granters_scope_and_rank(void **state)
{
	(void)state;
	struct problem prob;
	/* Staff of a street may make a volunteer there, not an admin, and not
	 * in another street. */
	assert_int_equal(grant(&fx.staff, fx.resident_id, "volunteer", FX_COMMUNITY, &prob), RC_OK);
	assert_int_equal(grant(&fx.staff, fx.resident_id, "admin", FX_STREET, &prob), RC_FORBIDDEN);
	assert_int_equal(grant(&fx.staff, fx.resident_id, "volunteer", FX_STREET2, &prob),
			 RC_FORBIDDEN);
	/* The district admin may not grant across the city. */
	assert_int_equal(grant(&fx.district, fx.resident_id, "staff", FX_CITY, &prob),
			 RC_FORBIDDEN);
	assert_int_equal(fx_int_p(fx.db, "SELECT COUNT(*) FROM role_grants WHERE account_id = $1",
				  fx.resident_id),
			 2);
	assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE action = 'role.grant'"), 1);
}

static void test_account__a_grant_needs_a_known_scope_and_is_made_once(void **state)
{
	(void)state;
	struct problem prob;
	assert_int_equal(grant(&fx.city, fx.resident_id, "volunteer", "610302999", &prob),
			 RC_INVALID);
	assert_true(fx_has_field(&prob, "scope"));
	assert_int_equal(grant(&fx.city, fx.resident_id, "mayor", FX_STREET, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "role"));
	assert_int_equal(grant(&fx.city, fx.resident_id, "volunteer", FX_STREET, &prob), RC_OK);
	assert_int_equal(grant(&fx.city, fx.resident_id, "volunteer", FX_STREET, &prob),
			 RC_CONFLICT);
	assert_int_equal(fx_int_p(fx.db,
				  "SELECT COUNT(*) FROM role_grants WHERE account_id = $1"
				  " AND role = 'volunteer'",
				  fx.resident_id),
			 1);
}

static int group_setup(void **state)
{
	(void)state;
	log_open(2, LOG_FATAL, false);
	return fx_sqlite_setup(&eng, "yz_test_account");
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
		TEST(test_account__create_reports_a_bad_phone_and_name_together),
		TEST(test_account__create_normalizes_the_phone_and_refuses_it_twice),
		TEST(test_account__a_resident_cannot_create_accounts),
		TEST(test_account__a_district_admin_cannot_act_on_the_city_admin),
		TEST(test_account__nobody_disables_their_own_account),
		TEST(test_account__phones_are_masked_unless_the_viewer_may_reveal_them),
		TEST(test_account__grants_stay_within_the_granters_scope_and_rank),
		TEST(test_account__a_grant_needs_a_known_scope_and_is_made_once),
	};
	return cmocka_run_group_tests_name("account", tests, group_setup, group_teardown);
}
