/* Tests of src/domain/points.c and src/domain/chain.c: the HMAC against a
 * published vector, posting (seq, balance, the monthly summary), an award
 * posted twice counting once, a spend beyond the balance refused by the
 * code and by the database itself, entries that cannot be changed, and
 * chain_verify finding an entry changed, one removed and a head rolled
 * back. SQLite always, PostgreSQL when YZ_TEST_PG_URL is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/log.h"
#include "domain/chain.h"
#include "domain/points.h"
#include "domain/points_award.h"
#include "fixture.h"

static struct fx_engine eng;
static struct db *db;
static int64_t alice, bob;

static enum rc post_tx(struct db_tx *tx, void *ctx, struct problem *prob)
{
	const struct points_post *e = ctx;
	return points_post(tx, e, NULL, prob);
}

static enum rc post(int64_t account, int64_t amount, const char *reason, int64_t ref,
		    struct problem *prob)
{
	struct points_post e = { .account_id = account,
				 .amount = amount,
				 .reason = reason,
				 .ref_kind = "request",
				 .ref_id = ref,
				 .region_code = FX_COMMUNITY,
				 .station_id = 0,
				 .note = !strcmp(reason, POINTS_REASON_CORRECTION) ? "补录" : NULL,
				 .created_s = 1767225600 + ref }; /* 2026-01-01 08:00 +08:00 */
	problem_init(prob);
	return db_tx(db, post_tx, &e, prob);
}

static int64_t balance(int64_t account)
{
	struct problem prob = { 0 };
	int64_t b = -1;
	assert_int_equal(points_balance(db, account, &b, &prob), RC_OK);
	return b;
}

static void test_chain__hmac_matches_rfc4231_case_6(void **state)
{
	(void)state;
	unsigned char key[131];
	memset(key, 0xaa, sizeof(key));
	assert_true(chain_key_set(key, sizeof(key)));
	const char *data = "Test Using Larger Than Block-Size Key - Hash Key First";
	char mac[CHAIN_MAC_HEX];
	assert_true(chain_mac(NULL, data, strlen(data), mac));
	assert_string_equal(mac,
			    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	/* The previous mac is part of what is signed: split anywhere, same mac. */
	char mac2[CHAIN_MAC_HEX];
	assert_true(chain_mac("Test Using", data + 10, strlen(data) - 10, mac2));
	assert_string_equal(mac, mac2);
	assert_false(chain_key_set(key, 31));
	unsigned char k32[32] = { 1 };
	assert_true(chain_key_set(k32, sizeof(k32)));
}

static void test_chain__canonical_text_escapes_and_tells_null_from_empty(void **state)
{
	(void)state;
	struct sb sb = SB_INIT;
	chain_canon_text(&sb, "a", NULL);
	chain_canon_text(&sb, "b", "");
	chain_canon_text(&sb, "c", "x\ny\\");
	chain_canon_int(&sb, "d", -7);
	assert_string_equal(sb_str(&sb), "a=\\N\nb=\nc=x\\ny\\\\\nd=-7\n");
	sb_release(&sb);
}

static void test_points__calendar_counts_in_city_time(void **state)
{
	(void)state;
	/* 2025-12-31 16:00 UTC is 2026-01-01 00:00 in the city. */
	assert_int_equal(points_month_of(1767196800), 202601);
	assert_int_equal(points_month_of(1767196799), 202512);
	assert_int_equal(points_month_start_s(202601), 1767196800);
	assert_int_equal(points_year_start_s(2026), 1767196800);
	assert_int_equal(points_month_start_s(202403),
			 points_year_start_s(2024) + (31 + 29) * 86400);
}

static void test_points__posting_numbers_entries_and_keeps_the_balance(void **state)
{
	(void)state;
	struct problem prob;
	assert_int_equal(post(alice, 10, POINTS_REASON_SERVICE, 1, &prob), RC_OK);
	assert_int_equal(post(alice, 5, POINTS_REASON_TASK, 2, &prob), RC_OK);
	assert_int_equal(post(alice, -3, POINTS_REASON_REDEMPTION, 3, &prob), RC_OK);
	assert_int_equal(balance(alice), 12);
	assert_int_equal(
		fx_int_p(db, "SELECT MAX(seq) FROM points_entries WHERE account_id = $1", alice),
		3);
	assert_int_equal(fx_int(db, "SELECT issued FROM points_monthly WHERE month = 202601"), 15);
	assert_int_equal(fx_int(db, "SELECT redeemed FROM points_monthly WHERE month = 202601"), 3);
	assert_int_equal(balance(bob), 0);
}

static void test_points__an_award_posted_twice_counts_once(void **state)
{
	(void)state;
	struct problem prob;
	assert_int_equal(post(bob, 7, POINTS_REASON_REPORT, 10, &prob), RC_OK);
	struct points_post e = { .account_id = bob,
				 .amount = 7,
				 .reason = POINTS_REASON_REPORT,
				 .ref_kind = "request",
				 .ref_id = 10 };
	struct points_posted res;
	struct db_tx *tx = fx_begin(db);
	assert_int_equal(points_post(tx, &e, &res, &prob), RC_OK);
	assert_int_equal(fx_end(tx, RC_OK, &prob), RC_OK);
	assert_true(res.already);
	assert_int_equal(res.balance, 7);
	assert_int_equal(balance(bob), 7);
	assert_int_equal(
		fx_int_p(db, "SELECT COUNT(*) FROM points_entries WHERE account_id = $1", bob), 1);
}

static void test_points__redeem_refuses_to_go_negative(void **state)
{
	(void)state;
	struct problem prob;
	int64_t before = fx_int(db, "SELECT COUNT(*) FROM points_entries");
	assert_int_equal(post(bob, -8, POINTS_REASON_REDEMPTION, 11, &prob), RC_CONFLICT);
	assert_string_equal(prob.type, "insufficient-points");
	assert_string_equal(prob.detail, "积分不足：余额 7 分，需要 8 分");
	assert_int_equal(balance(bob), 7);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM points_entries"), before);
	/* The database refuses it too, whoever writes. */
	struct db_rows *rows = NULL;
	problem_init(&prob);
	assert_int_not_equal(db_q(db,
				  "UPDATE points_balances SET balance = -1 WHERE account_id = $1",
				  &rows, &prob, DB_I(bob)),
			     RC_OK);
	problem_init(&prob);
	assert_int_not_equal(
		db_q(db,
		     "INSERT INTO points_entries (account_id, amount, reason, ref_kind,"
		     " ref_id, created_s, seq, mac) VALUES ($1, -100, 'redemption',"
		     " 'x', 1, 1, 2, 'm')",
		     &rows, &prob, DB_I(bob)),
		RC_OK);
	assert_int_equal(balance(bob), 7);
	/* And entries are never edited. */
	problem_init(&prob);
	assert_int_not_equal(db_q(db, "UPDATE points_entries SET amount = 70 WHERE account_id = $1",
				  &rows, &prob, DB_I(bob)),
			     RC_OK);
	problem_init(&prob);
	assert_int_not_equal(db_q(db, "DELETE FROM points_entries WHERE account_id = $1", &rows,
				  &prob, DB_I(bob)),
			     RC_OK);
}

static void test_points__bad_entries_name_the_field(void **state)
{
	(void)state;
	struct problem prob;
	struct points_post e = { .account_id = bob,
				 .amount = 5,
				 .reason = POINTS_REASON_CORRECTION,
				 .ref_kind = "correction",
				 .ref_id = 1,
				 .note = "  " };
	problem_init(&prob);
	assert_int_equal(db_tx(db, post_tx, &e, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "note"));
	e.reason = POINTS_REASON_SERVICE;
	e.amount = -5;
	problem_init(&prob);
	assert_int_equal(db_tx(db, post_tx, &e, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "amount"));
	e.reason = "gift";
	problem_init(&prob);
	assert_int_equal(db_tx(db, post_tx, &e, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "reason"));
	e.reason = POINTS_REASON_SERVICE;
	e.amount = 5;
	e.account_id = 999999;
	problem_init(&prob);
	assert_int_equal(db_tx(db, post_tx, &e, &prob), RC_NOT_FOUND);
}

struct seen {
	int changed, removed, head;
	int64_t entry_id;
};

static void on_finding(const struct chain_finding *f, void *ctx)
{
	struct seen *s = ctx;
	if (!strcmp(f->what, "changed")) {
		s->changed++;
		s->entry_id = f->entry_id;
	} else if (!strcmp(f->what, "removed")) {
		s->removed++;
	} else {
		s->head++;
	}
}

static struct seen verify(int64_t *entries)
{
	struct seen s = { 0 };
	struct problem prob = { 0 };
	int64_t problems = 0;
	*entries = 0;
	assert_int_equal(chain_verify(db, &points_chain, on_finding, &s, entries, &problems, &prob),
			 RC_OK);
	assert_int_equal(problems, s.changed + s.removed + s.head);
	return s;
}

static void test_points__verify_finds_changed_and_removed_entries(void **state)
{
	(void)state;
	int64_t n = 0;
	struct seen s = verify(&n);
	assert_int_equal(s.changed + s.removed + s.head, 0);
	assert_int_equal(n, fx_int(db, "SELECT COUNT(*) FROM points_entries"));

	/* Whoever has the database's shell: off with the guard, change one. */
	if (eng.kind == DB_KIND_SQLITE)
		fx_exec(db, "DROP TRIGGER points_entries_no_update; DROP TRIGGER"
			    " points_entries_no_delete");
	else
		fx_exec(db, "DROP TRIGGER points_entries_frozen ON points_entries");
	int64_t second = fx_int_p(
		db, "SELECT id FROM points_entries WHERE account_id = $1 AND seq = 2", alice);
	char sql[160];
	snprintf(sql, sizeof(sql), "UPDATE points_entries SET amount = 500 WHERE id = %lld",
		 (long long)second);
	fx_exec(db, sql);
	s = verify(&n);
	assert_int_equal(s.changed, 1);
	assert_int_equal(s.entry_id, second);
	assert_int_equal(s.removed + s.head, 0);

	/* One in the middle removed: a gap. */
	snprintf(sql, sizeof(sql), "DELETE FROM points_entries WHERE id = %lld", (long long)second);
	fx_exec(db, sql);
	s = verify(&n);
	assert_int_equal(s.changed, 0);
	assert_int_equal(s.removed, 1);
	/* The last entry removed too: the head still names it. */
	snprintf(sql, sizeof(sql), "DELETE FROM points_entries WHERE account_id = %lld AND seq = 3",
		 (long long)alice);
	fx_exec(db, sql);
	s = verify(&n);
	assert_int_equal(s.changed + s.head, 0);
	assert_int_equal(s.removed, 1);
	assert_int_equal(n, fx_int(db, "SELECT COUNT(*) FROM points_entries"));
	/* A head rolled back to the first entry but with a forged mac. */
	snprintf(sql, sizeof(sql),
		 "UPDATE points_balances SET last_seq = 1, head_mac = 'x' WHERE account_id = %lld",
		 (long long)alice);
	fx_exec(db, sql);
	s = verify(&n);
	assert_int_equal(s.head, 1);
}

static void test_points__expiry_takes_what_spends_left_oldest_first(void **state)
{
	(void)state;
	/* Nothing earned before, 10 in the year, 4 spent: 6 expire. */
	assert_int_equal(points_fifo_left(0, 10, 4), 6);
	/* Spends take the older points first: 5 from before, 2 from the year. */
	assert_int_equal(points_fifo_left(5, 10, 7), 8);
	/* Spends within the older points leave the year whole. */
	assert_int_equal(points_fifo_left(20, 10, 7), 10);
	/* Spent everything and more (later earnings): nothing left to expire. */
	assert_int_equal(points_fifo_left(5, 10, 30), 0);
	assert_int_equal(points_fifo_left(0, 0, 0), 0);
}

static bool no_holiday(int64_t day, void *ctx)
{
	(void)day;
	(void)ctx;
	return false;
}

static void test_points__per_hour_counts_the_night_share_and_weekends(void **state)
{
	(void)state;
	struct points_rule r = {
		.basis = "per_hour", .amount = 2, .night_bonus_pct = 50, .holiday_bonus_pct = 100
	};
	/* Tuesday 2026-06-02 20:00–24:00 city time: two hours by day, two at night. */
	int64_t start = 1780401600; /* 2026-06-02 12:00 UTC = 20:00 +08:00 */
	assert_int_equal(points_rule_amount(&r, start, start + 4 * 3600, 0, no_holiday, NULL),
			 2 * 2 + 2 * 3);
	/* Saturday 2026-06-06 10:00–13:00: three hours, each doubled. */
	int64_t sat = 1780711200; /* 2026-06-06 02:00 UTC = 10:00 +08:00 */
	assert_int_equal(points_rule_amount(&r, sat, sat + 3 * 3600, 0, no_holiday, NULL), 12);
	/* Ten minutes: at least one point; a day and more: counted up to 24 h. */
	assert_int_equal(points_rule_amount(&r, start - 7200, start - 6600, 0, no_holiday, NULL),
			 1);
	struct points_rule fixed = { .basis = "fixed", .amount = 5 };
	assert_int_equal(points_rule_amount(&fixed, 0, 0, 0, NULL, NULL), 5);
	struct points_rule event = { .basis = "event" };
	assert_int_equal(points_rule_amount(&event, 0, 0, 30, NULL, NULL), 30);
}

static int group_setup(void **state)
{
	(void)state;
	unsigned char key[32];
	memset(key, 7, sizeof(key));
	chain_key_set(key, sizeof(key));
	db = fx_fresh(&eng);
	if (!db)
		return -1;
	alice = fx_account(db, "13900000001", "爱丽丝", NULL, NULL);
	bob = fx_account(db, "13900000002", "鲍勃", NULL, NULL);
	return 0;
}

static int sqlite_setup(void **state)
{
	return fx_sqlite_setup(&eng, "yz-points") ? -1 : group_setup(state);
}

static int pg_setup(void **state)
{
	return fx_pg_setup(&eng, "yz_points_test") ? -1 : group_setup(state);
}

static int group_teardown(void **state)
{
	(void)state;
	fx_close(&eng, db);
	fx_engine_teardown(&eng);
	return 0;
}

int main(void)
{
	log_open(STDERR_FILENO, LOG_FATAL, false);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain__hmac_matches_rfc4231_case_6),
		cmocka_unit_test(test_chain__canonical_text_escapes_and_tells_null_from_empty),
		cmocka_unit_test(test_points__calendar_counts_in_city_time),
		cmocka_unit_test(test_points__expiry_takes_what_spends_left_oldest_first),
		cmocka_unit_test(test_points__per_hour_counts_the_night_share_and_weekends),
		cmocka_unit_test(test_points__posting_numbers_entries_and_keeps_the_balance),
		cmocka_unit_test(test_points__an_award_posted_twice_counts_once),
		cmocka_unit_test(test_points__redeem_refuses_to_go_negative),
		cmocka_unit_test(test_points__bad_entries_name_the_field),
		cmocka_unit_test(test_points__verify_finds_changed_and_removed_entries),
	};
	int failed = cmocka_run_group_tests_name("points on sqlite", tests, sqlite_setup,
						 group_teardown);
	const char *pg = getenv("YZ_TEST_PG_URL");
	if (pg && *pg)
		failed += cmocka_run_group_tests_name("points on postgresql", tests, pg_setup,
						      group_teardown);
	else
		printf("[  SKIPPED ] points on postgresql: YZ_TEST_PG_URL is not set\n");
	log_close();
	return failed;
}
