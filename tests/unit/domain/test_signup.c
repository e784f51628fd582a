/* Tests of src/domain/signup.c on a fresh SQLite store: a code is stored
 * hashed and verifies; five tries, then none, even with the right code;
 * five minutes; one a minute to a number; a completed sign-up makes one
 * account and one person however often it is repeated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/signup.h"
#include "fixture.h"

static struct fx_engine eng;
static struct db *db;
static const struct signup_policy pol = SIGNUP_POLICY_DEFAULT;
static const struct session_policy spol = { .idle_s = 1800, .absolute_s = 43200 };

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

static void new_code(const char *phone, char code[SIGNUP_CODE_LEN + 1])
{
	char canon[12];
	struct problem prob = { 0 };
	assert_int_equal(signup_code_new(db, &pol, phone, "10.0.0.1", canon, code, &prob), RC_OK);
	assert_int_equal(strlen(code), SIGNUP_CODE_LEN);
}

static void test_signup__five_tries_then_none(void **state)
{
	(void)state;
	char code[SIGNUP_CODE_LEN + 1], wrong[] = "000000";
	new_code("13700000001", code);
	if (!strcmp(code, wrong))
		wrong[0] = '1';
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM signup_codes WHERE code_hash LIKE "
				    "'$argon2id$%'"),
			 1);
	struct problem prob;
	int64_t id = 0;
	for (int i = 0; i < 4; i++) {
		problem_init(&prob);
		assert_int_equal(signup_code_check(db, &pol, "13700000001", wrong, &id, &prob),
				 RC_INVALID);
		assert_true(fx_has_field(&prob, "code"));
	}
	problem_init(&prob);
	assert_int_equal(signup_code_check(db, &pol, "13700000001", wrong, &id, &prob), RC_LIMITED);
	problem_init(&prob);
	assert_int_equal(signup_code_check(db, &pol, "13700000001", code, &id, &prob), RC_LIMITED);
	assert_int_equal(fx_int(db, "SELECT tries FROM signup_codes"), 5);
}

static void test_signup__a_code_lives_five_minutes(void **state)
{
	(void)state;
	char code[SIGNUP_CODE_LEN + 1];
	new_code("13700000002", code);
	struct problem prob = { 0 };
	int64_t id = 0;
	assert_int_equal(signup_code_check(db, &pol, "13700000002", code, &id, &prob), RC_OK);
	fx_exec(db, "UPDATE signup_codes SET expires_s = expires_s - 301");
	problem_init(&prob);
	assert_int_equal(signup_code_check(db, &pol, "13700000002", code, &id, &prob), RC_INVALID);
}

static void test_signup__one_code_a_minute_to_a_number(void **state)
{
	(void)state;
	char code[SIGNUP_CODE_LEN + 1], canon[12];
	new_code("13700000003", code);
	struct problem prob = { 0 };
	assert_int_equal(signup_code_new(db, &pol, "13700000003", "10.0.0.2", canon, code, &prob),
			 RC_LIMITED);
	assert_true(prob.retry_after_s > 0 && prob.retry_after_s <= 60);
	problem_init(&prob);
	assert_int_equal(signup_code_new(db, &pol, "1370000", "10.0.0.2", canon, code, &prob),
			 RC_INVALID);
	assert_true(fx_has_field(&prob, "phone"));
}

static void test_signup__completing_twice_makes_one_account_and_person(void **state)
{
	(void)state;
	char code[SIGNUP_CODE_LEN + 1];
	new_code("13700000004", code);
	struct problem prob = { 0 };
	int64_t id = 0;
	assert_int_equal(signup_code_check(db, &pol, "13700000004", code, &id, &prob), RC_OK);
	struct person_input in = { .has_consent = true, .consent_version = "2026-01" };
	struct signup_result r1, r2;
	problem_init(&prob);
	assert_int_equal(signup_complete(db, &spol, id, "13700000004", NULL, &in, "10.0.0.1", "t",
					 &r1, &prob),
			 RC_INVALID);
	assert_true(fx_has_field(&prob, "name"));
	problem_init(&prob);
	assert_int_equal(signup_complete(db, &spol, id, "13700000004", "新用户", &in, "10.0.0.1",
					 "t", &r1, &prob),
			 RC_OK);
	assert_true(r1.new_account);
	problem_init(&prob);
	assert_int_equal(signup_complete(db, &spol, id, "13700000004", "新用户", &in, "10.0.0.1",
					 "t", &r2, &prob),
			 RC_OK);
	assert_false(r2.new_account);
	assert_int_equal(r2.person.id, r1.person.id);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM accounts"), 1);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM persons"), 1);
	assert_string_equal(r1.person.consent_version, "2026-01");
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static int group_setup(void **state)
{
	(void)state;
	return fx_sqlite_setup(&eng, "signup");
}

static int group_teardown(void **state)
{
	(void)state;
	fx_engine_teardown(&eng);
	return 0;
}

int main(void)
{
	if (!secret_init())
		return 1;
	const struct CMUnitTest tests[] = {
		TEST(test_signup__five_tries_then_none),
		TEST(test_signup__a_code_lives_five_minutes),
		TEST(test_signup__one_code_a_minute_to_a_number),
		TEST(test_signup__completing_twice_makes_one_account_and_person),
	};
	return cmocka_run_group_tests_name("signup", tests, group_setup, group_teardown);
}
