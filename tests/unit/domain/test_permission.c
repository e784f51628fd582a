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

static struct scope_place at(const char *region)
{
	struct scope_place pl = { 0 };
	memcpy(pl.region, region, strlen(region) + 1);
	return pl;
}

static struct scope_place station_in(int64_t id, const char *region)
{
	struct scope_place pl = at(region);
	pl.station_id = id;
	return pl;
}

static const struct scope_place everywhere = { 0 };

static void test_permission__granting_needs_scope_and_rank(void **state)
{
	(void)state;
	struct principal staff = who(ROLE_STAFF, "610303008");
	struct scope_place community = at("610303008003"), street = at("610303008");
	struct scope_place other = at("610302004"), city = at("6103");
	struct scope_place own_station = station_in(3, "610303008003");
	struct scope_place far_station = station_in(4, "610302004001");
	assert_true(permission_may_grant(&staff, ROLE_VOLUNTEER, &community));
	assert_true(permission_may_grant(&staff, ROLE_MANAGER, &street));
	assert_false(permission_may_grant(&staff, ROLE_VOLUNTEER, &other));
	assert_false(permission_may_grant(&staff, ROLE_VOLUNTEER, &city));
	assert_false(permission_may_grant(&staff, ROLE_STAFF, &community));
	assert_false(permission_may_grant(&staff, ROLE_ADMIN, &community));
	assert_false(permission_may_grant(&staff, ROLE_VOLUNTEER, &everywhere));
	assert_true(permission_may_grant(&staff, ROLE_MANAGER, &own_station));
	assert_false(permission_may_grant(&staff, ROLE_MANAGER, &far_station));
	assert_false(permission_may_grant(&staff, ROLE_VOLUNTEER, NULL));

	struct principal admin = who(ROLE_ADMIN, "6103");
	struct scope_place district = at("610303"), other_city = at("4202");
	assert_true(permission_may_grant(&admin, ROLE_ADMIN, &district));
	assert_true(permission_may_grant(&admin, ROLE_ADMIN, &city));
	assert_true(permission_may_grant(&admin, ROLE_STAFF, &other));
	assert_false(permission_may_grant(&admin, ROLE_STAFF, &other_city));
	assert_false(permission_may_grant(&admin, ROLE_ADMIN, &everywhere));
	struct scope_place province = at("61");
	assert_false(permission_may_grant(&admin, ROLE_ADMIN, &province));

	struct principal global = who(ROLE_ADMIN, "*");
	assert_true(permission_may_grant(&global, ROLE_MANAGER, &far_station));
	assert_true(permission_may_grant(&global, ROLE_ADMIN, &everywhere));

	struct principal manager = who(ROLE_MANAGER, "station:3");
	assert_false(permission_may_grant(&manager, ROLE_VOLUNTEER, &own_station));
}

static void test_permission__nobody_reaches_an_account_whose_roles_reach_further(void **state)
{
	(void)state;
	struct principal district = who(ROLE_ADMIN, "610303");
	struct role_grant city_admin[] = { { .role = ROLE_ADMIN, .scope = "6103" } };
	struct scope_place city_place[] = { at("6103") };
	struct role_grant own_admin[] = { { .role = ROLE_ADMIN, .scope = "610303" } };
	struct scope_place own_place[] = { at("610303") };
	struct role_grant mixed[] = { { .role = ROLE_STAFF, .scope = "610303008" },
				      { .role = ROLE_VOLUNTEER, .scope = "610302004003" } };
	struct scope_place mixed_place[] = { at("610303008"), at("610302004003") };
	struct role_grant manager[] = { { .role = ROLE_MANAGER, .scope = "station:2" } };
	struct scope_place manager_place[] = { station_in(2, "610303008003") };
	struct role_grant global[] = { { .role = ROLE_ADMIN, .scope = "*" } };

	for (int a = ACT_ACCOUNT_UPDATE; a <= ACT_TOKEN_MANAGE; a++) {
		assert_false(permission_reaches(&district, a, city_admin, city_place, 1));
		assert_false(permission_reaches(&district, a, global, &everywhere, 1));
		assert_false(permission_reaches(&district, a, mixed, mixed_place, 2));
		assert_true(permission_reaches(&district, a, own_admin, own_place, 1));
		assert_true(permission_reaches(&district, a, mixed, mixed_place, 1));
		assert_true(permission_reaches(&district, a, manager, manager_place, 1));
	}
	/* No grants: anyone who may do it somewhere. */
	assert_true(permission_reaches(&district, ACT_ACCOUNT_UPDATE, NULL, NULL, 0));
	struct principal staff = who(ROLE_STAFF, "610303008");
	assert_false(permission_reaches(&staff, ACT_ACCOUNT_UPDATE, NULL, NULL, 0));
	/* Staff read what lies below them, not their peers. */
	struct role_grant peer[] = { { .role = ROLE_STAFF, .scope = "610303008003" } };
	struct scope_place peer_place[] = { at("610303008003") };
	assert_true(permission_reaches(&staff, ACT_ACCOUNT_READ, manager, manager_place, 1));
	assert_false(permission_reaches(&staff, ACT_ACCOUNT_READ, peer, peer_place, 1));
	struct principal anon = { .kind = AUTH_NONE };
	assert_false(permission_reaches(&anon, ACT_ACCOUNT_READ, NULL, NULL, 0));
}

static void test_permission__the_catalog_is_for_city_admins(void **state)
{
	(void)state;
	struct principal city = who(ROLE_ADMIN, "6103"), province = who(ROLE_ADMIN, "61");
	struct principal district = who(ROLE_ADMIN, "610303"), global = who(ROLE_ADMIN, "*");
	struct principal staff = who(ROLE_STAFF, "6103");
	assert_true(permission_allows_citywide(&city, ACT_CATALOG_EDIT));
	assert_true(permission_allows_citywide(&province, ACT_CATALOG_EDIT));
	assert_true(permission_allows_citywide(&global, ACT_CATALOG_EDIT));
	assert_false(permission_allows_citywide(&district, ACT_CATALOG_EDIT));
	assert_false(permission_allows_citywide(&staff, ACT_CATALOG_EDIT));
	char region[SCOPE_MAX];
	permission_region_of(&district, ACT_ACCOUNT_CREATE, region);
	assert_string_equal(region, "610303");
	permission_region_of(&global, ACT_ACCOUNT_CREATE, region);
	assert_string_equal(region, "");
	permission_region_of(&staff, ACT_AUDIT_READ, region);
	assert_string_equal(region, "");
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
		cmocka_unit_test(
			test_permission__station_scope_covers_the_station_and_its_branches),
		cmocka_unit_test(test_scope__normalizes_padded_codes_and_refuses_junk),
		cmocka_unit_test(test_permission__granting_needs_scope_and_rank),
		cmocka_unit_test(test_permission__one_matching_grant_among_many_is_enough),
		cmocka_unit_test(
			test_permission__nobody_reaches_an_account_whose_roles_reach_further),
		cmocka_unit_test(test_permission__the_catalog_is_for_city_admins),
	};
	return cmocka_run_group_tests_name("permission", tests, NULL, NULL);
}
