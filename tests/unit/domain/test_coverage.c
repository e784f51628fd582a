/* Tests of src/domain/coverage.c on a fresh SQLite store (tests/unit/domain/
 * fixture.h) and a snapshot built from it: which communities have a station
 * within the walk, the nearest station of those that do not, what is left
 * out (villages, communities without a point), and unknown regions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/log.h"
#include "domain/coverage.h"
#include "domain/station_snapshot.h"
#include "fixture.h"

#define WALK_M 1200

static struct fx_engine eng;

static struct {
	struct db *db;
	struct principal admin_p;
	struct actor admin;
	int64_t station_id;
	struct snapshot_store *store;
} fx;

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.db = fx_fresh(&eng);
	if (!fx.db)
		return -1;
	fx_principal(fx.db, fx_account(fx.db, "13800000001", "市管理员", "admin", FX_CITY),
		     &fx.admin_p);
	fx.admin = fx_actor(&fx.admin_p);
	/* On 龙腾路社区's point. */
	fx.station_id = fx_station(fx.db, &fx.admin, "龙腾路驿站", FX_COMMUNITY);
	fx.store = snapshot_store_new(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	snapshot_store_free(fx.store);
	fx_close(&eng, fx.db);
	return 0;
}

static enum rc compute(const char *region, struct coverage *c, struct problem *prob)
{
	problem_init(prob);
	if (snapshot_store_reload(fx.store, fx.db, prob) != RC_OK)
		fail_msg("reload: %s", prob->detail);
	const struct snapshot *snap = snapshot_acquire(fx.store);
	enum rc rc = coverage_compute(fx.db, snap, region, WALK_M, c, prob);
	snapshot_release(fx.store, snap);
	return rc;
}

static const struct coverage_item *item(const struct coverage *c, const char *code)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->items[i].code, code))
			return &c->items[i];
	fail_msg("no item %s", code);
	return NULL;
}

static void test_coverage__a_street_counts_its_communities_within_the_walk(void **state)
{
	(void)state;
	struct coverage c;
	struct problem prob;
	assert_int_equal(compute(FX_STREET, &c, &prob), RC_OK);
	assert_int_equal(c.walk_m, WALK_M);
	assert_int_equal(c.communities, 2);
	assert_int_equal(c.located, 2);
	assert_int_equal(c.covered, 1);
	assert_true(c.share > 0.49 && c.share < 0.51);
	/* Uncovered first. */
	assert_int_equal(c.n, 2);
	assert_string_equal(c.items[0].code, "610302001002");
	assert_false(c.items[0].covered);
	assert_string_equal(c.items[1].code, FX_COMMUNITY);
	assert_true(c.items[1].covered);
	assert_int_equal(c.items[1].stations_within, 1);
	assert_string_equal(c.items[1].parent_name, "经二路街道");
	coverage_release(&c);
}

static void test_coverage__an_uncovered_community_names_its_nearest_station(void **state)
{
	(void)state;
	struct coverage c;
	struct problem prob;
	assert_int_equal(compute(FX_DISTRICT, &c, &prob), RC_OK);
	assert_int_equal(c.communities, 3);
	assert_int_equal(c.covered, 1);
	const struct coverage_item *far = item(&c, "610302002001");
	assert_false(far->covered);
	assert_int_equal(far->nearest_id, fx.station_id);
	/* 清姜路社区 lies about 4.3 km from the station. */
	assert_true(far->nearest_m > 3800 && far->nearest_m < 4800);
	assert_int_equal(far->stations_within, 0);
	const struct coverage_item *near = item(&c, "610302001002");
	assert_true(near->nearest_m > WALK_M && near->nearest_m < 2500);
	coverage_release(&c);
}

static void test_coverage__a_new_station_covers_the_community_beside_it(void **state)
{
	(void)state;
	struct station_input in;
	struct problem prob = { 0 };
	int64_t id = 0;
	fx_station_input(&in, "公园路驿站", "610302001002");
	in.lat = 34.3800;
	in.lng = 107.1640;
	struct db_tx *tx = fx_begin(fx.db);
	assert_int_equal(fx_end(tx, station_create(tx, &fx.admin, &in, &id, &prob), &prob), RC_OK);
	struct coverage c;
	assert_int_equal(compute(FX_STREET, &c, &prob), RC_OK);
	assert_int_equal(c.covered, 2);
	const struct coverage_item *it = item(&c, "610302001002");
	assert_true(it->covered);
	assert_int_equal(it->nearest_id, id);
	assert_true(it->nearest_m < 200);
	coverage_release(&c);
}

static void test_coverage__villages_and_communities_without_a_point_are_set_apart(void **state)
{
	(void)state;
	fx_exec(fx.db,
		"INSERT INTO regions (code, name, short_name, level, kind, parent_code)"
		" VALUES ('610302001003', '新建社区居委会', '新建社区', 5, 'community', '610302001')");
	struct coverage c;
	struct problem prob;
	assert_int_equal(compute(FX_STREET, &c, &prob), RC_OK);
	assert_int_equal(c.communities, 3);
	assert_int_equal(c.located, 2);
	assert_true(c.share > 0.49 && c.share < 0.51);
	const struct coverage_item *unknown = item(&c, "610302001003");
	assert_false(unknown->has_location);
	assert_false(unknown->covered);
	assert_int_equal(unknown->nearest_id, 0);
	assert_int_equal(c.nleft_out, 1);
	assert_string_equal(c.left_out[0].kind, "village");
	assert_int_equal(c.left_out[0].count, 1);
	coverage_release(&c);
}

static void test_coverage__an_unknown_region_is_not_found(void **state)
{
	(void)state;
	struct coverage c;
	struct problem prob;
	assert_int_equal(compute("610399", &c, &prob), RC_NOT_FOUND);
}

static int group_setup(void **state)
{
	(void)state;
	log_open(2, LOG_FATAL, false);
	return fx_sqlite_setup(&eng, "yz_test_coverage");
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
		TEST(test_coverage__a_street_counts_its_communities_within_the_walk),
		TEST(test_coverage__an_uncovered_community_names_its_nearest_station),
		TEST(test_coverage__a_new_station_covers_the_community_beside_it),
		TEST(test_coverage__villages_and_communities_without_a_point_are_set_apart),
		TEST(test_coverage__an_unknown_region_is_not_found),
	};
	return cmocka_run_group_tests_name("coverage", tests, group_setup, group_teardown);
}
