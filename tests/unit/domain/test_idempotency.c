/* Tests of src/domain/idempotency.c on a fresh SQLite store (tests/unit/
 * domain/fixture.h): a retried write gets the first answer and does the work
 * once, the same key with another request is refused, a rolled-back write
 * leaves no claim, keys belong to one principal, and old answers expire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/log.h"
#include "domain/idempotency.h"
#include "fixture.h"

static struct fx_engine eng;
static struct db *db;

static int setup(void **state)
{
	(void)state;
	db = fx_fresh(&eng);
	return db ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&eng, db);
	return 0;
}

static void key_for(struct write_key *k, const char *principal, const char *key, const char *body)
{
	memset(k, 0, sizeof(*k));
	k->principal = principal;
	k->key = key;
	write_key_hash(k, "POST", "/api/v1/stations", "", 0, body, strlen(body));
}

/* Runs one write: the work is a row in a scratch table. */
static enum rc write_once(const struct write_key *k, enum write_start *start,
			  struct write_replay *rep, struct problem *prob)
{
	problem_init(prob);
	struct db_tx *tx = fx_begin(db);
	enum rc rc = write_claim(tx, k, start, rep, prob);
	if (rc != RC_OK || *start == WRITE_REPLAY)
		return fx_end(tx, rc, prob);
	rc = db_q(db, "INSERT INTO work (at) VALUES ($1)", NULL, prob, DB_I(1));
	if (rc == RC_OK)
		rc = write_store(tx, k, 201, "application/json", "{\"id\":7}", "/api/v1/stations/7",
				 prob);
	return fx_end(tx, rc, prob);
}

static void test_idempotency__a_retry_gets_the_first_answer_and_the_work_is_done_once(void **state)
{
	(void)state;
	fx_exec(db, "CREATE TABLE work (at BIGINT)");
	struct write_key k;
	key_for(&k, "a:1", "key-1", "{\"name\":\"驿站\"}");
	enum write_start start;
	struct write_replay rep;
	struct problem prob;
	assert_int_equal(write_once(&k, &start, &rep, &prob), RC_OK);
	assert_int_equal(start, WRITE_FRESH);
	assert_int_equal(write_once(&k, &start, &rep, &prob), RC_OK);
	assert_int_equal(start, WRITE_REPLAY);
	assert_false(db_in_tx(db));
	assert_int_equal(rep.status, 201);
	assert_string_equal(rep.content_type, "application/json");
	assert_string_equal(rep.body, "{\"id\":7}");
	assert_string_equal(rep.location, "/api/v1/stations/7");
	write_replay_release(&rep);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM work"), 1);
}

static void test_idempotency__the_same_key_with_another_request_is_refused(void **state)
{
	(void)state;
	fx_exec(db, "CREATE TABLE work (at BIGINT)");
	struct write_key k, other;
	key_for(&k, "a:1", "key-1", "{\"name\":\"驿站\"}");
	key_for(&other, "a:1", "key-1", "{\"name\":\"另一个\"}");
	assert_string_not_equal(k.request_hash, other.request_hash);
	enum write_start start;
	struct write_replay rep;
	struct problem prob;
	assert_int_equal(write_once(&k, &start, &rep, &prob), RC_OK);
	assert_int_equal(write_once(&other, &start, &rep, &prob), RC_INVALID);
	assert_string_equal(prob.type, "idempotency-key-reused");
	assert_false(db_in_tx(db));
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM work"), 1);
}

static void test_idempotency__a_rolled_back_write_leaves_no_claim(void **state)
{
	(void)state;
	fx_exec(db, "CREATE TABLE work (at BIGINT)");
	struct write_key k;
	key_for(&k, "a:1", "key-1", "{}");
	enum write_start start;
	struct write_replay rep;
	struct problem prob = { 0 };
	struct db_tx *tx = fx_begin(db);
	assert_int_equal(write_claim(tx, &k, &start, &rep, &prob), RC_OK);
	assert_int_equal(start, WRITE_FRESH);
	assert_int_equal(fx_end(tx, RC_INTERNAL, &prob), RC_INTERNAL);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM idempotency_keys"), 0);
	assert_int_equal(write_once(&k, &start, &rep, &prob), RC_OK);
	assert_int_equal(start, WRITE_FRESH);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM work"), 1);
}

static void test_idempotency__keys_belong_to_one_principal(void **state)
{
	(void)state;
	fx_exec(db, "CREATE TABLE work (at BIGINT)");
	struct write_key mine, theirs;
	key_for(&mine, "a:1", "shared", "{}");
	key_for(&theirs, "a:2", "shared", "{}");
	enum write_start start;
	struct write_replay rep;
	struct problem prob;
	assert_int_equal(write_once(&mine, &start, &rep, &prob), RC_OK);
	assert_int_equal(write_once(&theirs, &start, &rep, &prob), RC_OK);
	assert_int_equal(start, WRITE_FRESH);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM work"), 2);
}

static void test_idempotency__a_write_without_a_key_stores_no_answer(void **state)
{
	(void)state;
	fx_exec(db, "CREATE TABLE work (at BIGINT)");
	struct write_key k = { .principal = "a:1" };
	enum write_start start;
	struct write_replay rep;
	struct problem prob;
	assert_int_equal(write_once(&k, &start, &rep, &prob), RC_OK);
	assert_int_equal(write_once(&k, &start, &rep, &prob), RC_OK);
	assert_int_equal(start, WRITE_FRESH);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM work"), 2);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM idempotency_keys"), 0);
}

static void test_idempotency__old_answers_expire(void **state)
{
	(void)state;
	fx_exec(db, "CREATE TABLE work (at BIGINT)");
	struct write_key a, b;
	key_for(&a, "a:1", "old", "{}");
	key_for(&b, "a:1", "new", "{}");
	enum write_start start;
	struct write_replay rep;
	struct problem prob = { 0 };
	assert_int_equal(write_once(&a, &start, &rep, &prob), RC_OK);
	assert_int_equal(write_once(&b, &start, &rep, &prob), RC_OK);
	fx_exec(db,
		"UPDATE idempotency_keys SET created_s = created_s - 90000 WHERE idem_key = 'old'");
	assert_int_equal(idem_expire(db, 86400, &prob), 1);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'new'"),
			 1);
	/* Expired, the key does the work again. */
	assert_int_equal(write_once(&a, &start, &rep, &prob), RC_OK);
	assert_int_equal(start, WRITE_FRESH);
}

static void test_idempotency__the_fingerprint_keeps_the_parts_of_a_request_apart(void **state)
{
	(void)state;
	struct write_key a = { 0 }, b = { 0 }, c = { 0 };
	write_key_hash(&a, "POST", "/x", "a=1", 3, "bc", 2);
	write_key_hash(&b, "POST", "/x", "a=1b", 4, "c", 1);
	write_key_hash(&c, "PATCH", "/x", "a=1", 3, "bc", 2);
	assert_string_not_equal(a.request_hash, b.request_hash);
	assert_string_not_equal(a.request_hash, c.request_hash);
	assert_int_equal(strlen(a.request_hash), 64);
	assert_true(idem_key_acceptable("retry-7f3a"));
	assert_false(idem_key_acceptable(""));
	assert_false(idem_key_acceptable("has space"));
	char longest[IDEM_KEY_MAX + 2];
	memset(longest, 'k', sizeof(longest) - 1);
	longest[IDEM_KEY_MAX] = '\0';
	assert_true(idem_key_acceptable(longest));
	longest[IDEM_KEY_MAX] = 'k';
	longest[IDEM_KEY_MAX + 1] = '\0';
	assert_false(idem_key_acceptable(longest));
}

static int group_setup(void **state)
{
	(void)state;
	log_open(2, LOG_FATAL, false);
	return fx_sqlite_setup(&eng, "yz_test_idempotency");
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
		TEST(test_idempotency__a_retry_gets_the_first_answer_and_the_work_is_done_once),
		TEST(test_idempotency__the_same_key_with_another_request_is_refused),
		TEST(test_idempotency__a_rolled_back_write_leaves_no_claim),
		TEST(test_idempotency__keys_belong_to_one_principal),
		TEST(test_idempotency__a_write_without_a_key_stores_no_answer),
		TEST(test_idempotency__old_answers_expire),
		TEST(test_idempotency__the_fingerprint_keeps_the_parts_of_a_request_apart),
	};
	return cmocka_run_group_tests_name("idempotency", tests, group_setup, group_teardown);
}
