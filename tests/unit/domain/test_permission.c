/* Tests of src/domain/permission.c and scope.c: role × action × scope,
 * deny by default, region codes nest by prefix, station scopes, granting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "domain/permission.h"

static struct principal who(enum role role, const char *scope)
{
	struct principal p = { .kind = AUTH_SESSION, .account_id = 7, .ngrants = 1 };
	p.grants[0].role = role;
	size_t n = strlen(scope);
	memcpy(p.grants[0].scope, scope, n + 1);
	return p;
}

static void test_permission__anonymous_gets_only_public(void **state)
{
	(void)state;
	struct principal anon = { .kind = AUTH_NONE };
	assert_true(permission_allows(&anon, ACT_PUBLIC, NULL));
	assert_false(permission_allows(&anon, ACT_SIGNED_IN, NULL));
	assert_false(permission_allows(&anon, ACT_AUDIT_READ, NULL));
	assert_false(permission_allows(NULL, ACT_SIGNED_IN, NULL));
}

static void test_permission__denies_actions_no_role_lists(void **state)
{
	(void)state;
	struct principal p = who(ROLE_RESIDENT, "*");
	assert_true(permission_allows(&p, ACT_SIGNED_IN, NULL));
	for (int a = ACT_ACCOUNT_LIST; a < ACT_COUNT; a++)
		assert_false(permission_allows(&p, (enum action)a, NULL));
	assert_false(permission_allows(&p, ACT_COUNT, NULL));
}

static void test_permission__audit_is_for_admins_only(void **state)
{
	(void)state;
	struct principal admin = who(ROLE_ADMIN, "6103");
	struct principal staff = who(ROLE_STAFF, "*");
	assert_true(permission_allows(&admin, ACT_AUDIT_READ, NULL));
	assert_false(permission_allows(&staff, ACT_AUDIT_READ, NULL));
	/* /metrics is the deployment's to open (--metrics-access), no role's. */
	assert_false(permission_allows(&admin, ACT_METRICS_READ, NULL));
}

static void test_permission__region_scope_covers_what_lies_below(void **state)
{
	(void)state;
	struct principal staff = who(ROLE_STAFF, "610303008");
	struct scope_target community = { .region = "610303008003" };
	struct scope_target street = { .region = "610303008" };
	struct scope_target other_street = { .region = "610302004008" };
	struct scope_target district = { .region = "610303" };
	assert_true(permission_allows(&staff, ACT_ROLE_GRANT, &community));
	assert_true(permission_allows(&staff, ACT_ROLE_GRANT, &street));
	assert_false(permission_allows(&staff, ACT_ROLE_GRANT, &other_street));
	assert_false(permission_allows(&staff, ACT_ROLE_GRANT, &district));
}

static void test_permission__station_scope_covers_the_station_and_its_branches(void **state)
{
	(void)state;
	struct principal mgr = who(ROLE_ADMIN, "station:12");
	struct scope_target hub = { .region = "610303008003", .station_id = 12 };
	struct scope_target branch = { .region = "610303008003", .station_id = 40, .hub_id = 12 };
	struct scope_target other = { .region = "610303008003", .station_id = 13 };
	struct scope_target region_only = { .region = "610303008003" };
	assert_true(permission_allows(&mgr, ACT_ACCOUNT_READ, &hub));
	assert_true(permission_allows(&mgr, ACT_ACCOUNT_READ, &branch));
	assert_false(permission_allows(&mgr, ACT_ACCOUNT_READ, &other));
	assert_false(permission_allows(&mgr, ACT_ACCOUNT_READ, &region_only));
}

static void test_scope__normalizes_padded_codes_and_refuses_junk(void **state)
{
	(void)state;
	char out[SCOPE_MAX];
	assert_true(scope_normalize("610303008000", out));
	assert_string_equal(out, "610303008");
	assert_true(scope_normalize("610300000000", out));
	assert_string_equal(out, "6103");
	assert_true(scope_normalize("610303008003", out));
	assert_string_equal(out, "610303008003");
	assert_true(scope_normalize("*", out));
	assert_true(scope_normalize("station:12", out));
	assert_string_equal(out, "station:12");
	assert_false(scope_normalize("61030", out));
	assert_false(scope_normalize("station:", out));
	assert_false(scope_normalize("station:0", out));
	assert_false(scope_normalize("station:1x", out));
	assert_false(scope_normalize("00", out));
	assert_false(scope_normalize("", out));
	assert_false(scope_normalize(NULL, out));
	assert_false(scope_normalize("61a3", out));
}

static void test_permission__granting_needs_scope_and_rank(void **state)
{
	(void)state;
	struct principal staff = who(ROLE_STAFF, "610303008");
	assert_true(permission_may_grant(&staff, ROLE_VOLUNTEER, "610303008003"));
	assert_true(permission_may_grant(&staff, ROLE_MANAGER, "610303008"));
	assert_false(permission_may_grant(&staff, ROLE_VOLUNTEER, "610302004"));
	assert_false(permission_may_grant(&staff, ROLE_VOLUNTEER, "6103"));
	assert_false(permission_may_grant(&staff, ROLE_STAFF, "610303008003"));
	assert_false(permission_may_grant(&staff, ROLE_ADMIN, "610303008003"));
	assert_false(permission_may_grant(&staff, ROLE_VOLUNTEER, "*"));
	assert_false(permission_may_grant(&staff, ROLE_VOLUNTEER, "station:3"));

	struct principal admin = who(ROLE_ADMIN, "6103");
	assert_true(permission_may_grant(&admin, ROLE_ADMIN, "610303"));
	assert_true(permission_may_grant(&admin, ROLE_STAFF, "610302004"));
	assert_false(permission_may_grant(&admin, ROLE_STAFF, "4202"));
	assert_false(permission_may_grant(&admin, ROLE_ADMIN, "*"));

	struct principal global = who(ROLE_ADMIN, "*");
	assert_true(permission_may_grant(&global, ROLE_MANAGER, "station:3"));

	struct principal manager = who(ROLE_MANAGER, "station:3");
	assert_false(permission_may_grant(&manager, ROLE_VOLUNTEER, "station:3"));
}

static void test_permission__one_matching_grant_among_many_is_enough(void **state)
{
	(void)state;
	struct principal p = who(ROLE_RESIDENT, "610303008003");
	p.grants[1].role = ROLE_STAFF;
	memcpy(p.grants[1].scope, "610302", 7);
	p.ngrants = 2;
	struct scope_target t = { .region = "610302004008" };
	struct scope_target elsewhere = { .region = "610303008003" };
	assert_true(permission_allows(&p, ACT_ACCOUNT_CREATE, &t));
	assert_false(permission_allows(&p, ACT_ACCOUNT_CREATE, &elsewhere));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_permission__anonymous_gets_only_public),
		cmocka_unit_test(test_permission__denies_actions_no_role_lists),
		cmocka_unit_test(test_permission__audit_is_for_admins_only),
		cmocka_unit_test(test_permission__region_scope_covers_what_lies_below),
		cmocka_unit_test(test_permission__station_scope_covers_the_station_and_its_branches),
		cmocka_unit_test(test_scope__normalizes_padded_codes_and_refuses_junk),
		cmocka_unit_test(test_permission__granting_needs_scope_and_rank),
		cmocka_unit_test(test_permission__one_matching_grant_among_many_is_enough),
	};
	return cmocka_run_group_tests_name("permission", tests, NULL, NULL);
}
