/* Tests of src/domain/session.c on a fresh SQLite store (tests/unit/domain/
 * fixture.h): sign-in opens a session that resolves to the account with its
 * roles; a wrong password and an unknown phone get the same answer; a
 * session ends when idle too long, past its lifetime, on logout, and when
 * its account is disabled; API tokens stop at revocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/clock.h"
#include "core/log.h"
#include "domain/session.h"
#include "fixture.h"

#define PASSWORD "correct horse battery"

static struct fx_engine eng;
static const struct session_policy policy = { .idle_s = 1800, .absolute_s = 43200 };

static struct {
	struct db *db;
	int64_t staff_id;
	struct principal admin_p;
	struct actor admin;
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
	fx.staff_id = fx_account(fx.db, "13800000002", "街道工作人员", "staff", FX_STREET);
	static char hash[SECRET_PWHASH_LEN];
	if (!hash[0] && !password_hash(NULL, PASSWORD, hash))
		return -1;
	struct problem prob = { 0 };
	return db_q(fx.db, "UPDATE accounts SET pw_hash = $1 WHERE id = $2", NULL, &prob,
		    DB_T(hash), DB_I(fx.staff_id)) == RC_OK
		       ? 0
		       : -1;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&eng, fx.db);
	return 0;
}

static enum rc login(const char *phone, const char *password, struct session_new *out,
		     struct problem *prob)
{
	struct login_attempt in = {
		.phone = phone, .password = password, .ip = "10.0.0.1", .request_id = "test"
	};
	problem_init(prob);
	return session_login(fx.db, &policy, NULL, &in, out, prob);
}

static enum rc resolve(const char *token, struct principal *p, struct problem *prob)
{
	problem_init(prob);
	return session_resolve(fx.db, &policy, token, p, prob);
}

static void test_session__sign_in_resolves_to_the_account_and_its_roles(void **state)
{
	(void)state;
	struct session_new s;
	struct principal p;
	struct problem prob;
	assert_int_equal(login("138 0000 0002", PASSWORD, &s, &prob), RC_OK);
	assert_int_equal(s.account.id, fx.staff_id);
	assert_true(s.expires_s > clock_now_s() + policy.absolute_s - 60);
	assert_int_equal(resolve(s.token, &p, &prob), RC_OK);
	assert_int_equal(p.kind, AUTH_SESSION);
	assert_int_equal(p.account_id, fx.staff_id);
	assert_int_equal(p.credential_id, s.id);
	assert_int_equal(p.ngrants, 1);
	assert_int_equal(p.grants[0].role, ROLE_STAFF);
	assert_string_equal(p.grants[0].scope, FX_STREET);
	/* The token is stored only as its hash. */
	struct problem q = { 0 };
	struct db_rows *rows = NULL;
	assert_int_equal(db_q(fx.db, "SELECT COUNT(*) FROM sessions WHERE token_hash = $1", &rows,
			      &q, DB_T(s.token)),
			 RC_OK);
	assert_int_equal(db_rows_int(rows, 0, 0), 0);
	db_rows_free(rows);
	assert_int_equal(
		fx_int(fx.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'session.login'"), 1);
	/* A value nobody was given resolves to nothing. */
	assert_int_equal(resolve("not-a-token", &p, &prob), RC_UNAUTHORIZED);
}

static void test_session__a_wrong_password_and_an_unknown_phone_get_the_same_answer(void **state)
{
	(void)state;
	struct session_new s;
	struct problem wrong, unknown;
	assert_int_equal(login("13800000002", "wrong password", &s, &wrong), RC_UNAUTHORIZED);
	assert_int_equal(login("13999999999", PASSWORD, &s, &unknown), RC_UNAUTHORIZED);
	assert_string_equal(wrong.type, unknown.type);
	assert_string_equal(wrong.detail, unknown.detail);
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM sessions"), 0);
	/* The failure on a real account is audited. */
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM audit_log"
				       " WHERE action = 'session.login_failed'"),
			 1);
}

static void test_session__a_session_idle_too_long_ends(void **state)
{
	(void)state;
	struct session_new s;
	struct principal p;
	struct problem prob;
	assert_int_equal(login("13800000002", PASSWORD, &s, &prob), RC_OK);
	/* Just inside the idle limit it still works, and is touched. */
	int64_t now = clock_now_s();
	assert_int_equal(db_q(fx.db, "UPDATE sessions SET last_seen_s = $1 WHERE id = $2", NULL,
			      &prob, DB_I(now - policy.idle_s + 30), DB_I(s.id)),
			 RC_OK);
	assert_int_equal(resolve(s.token, &p, &prob), RC_OK);
	assert_true(fx_int_p(fx.db, "SELECT last_seen_s FROM sessions WHERE id = $1", s.id) >= now);
	assert_int_equal(db_q(fx.db, "UPDATE sessions SET last_seen_s = $1 WHERE id = $2", NULL,
			      &prob, DB_I(now - policy.idle_s - 5), DB_I(s.id)),
			 RC_OK);
	assert_int_equal(resolve(s.token, &p, &prob), RC_UNAUTHORIZED);
	assert_string_equal(prob.type, "session-expired");
}

static void test_session__a_session_past_its_lifetime_ends_however_busy(void **state)
{
	(void)state;
	struct session_new s;
	struct principal p;
	struct problem prob;
	assert_int_equal(login("13800000002", PASSWORD, &s, &prob), RC_OK);
	assert_int_equal(
		db_q(fx.db, "UPDATE sessions SET expires_s = $1, last_seen_s = $2 WHERE id = $3",
		     NULL, &prob, DB_I(clock_now_s() - 1), DB_I(clock_now_s()), DB_I(s.id)),
		RC_OK);
	assert_int_equal(resolve(s.token, &p, &prob), RC_UNAUTHORIZED);
}

static void test_session__logout_and_disabling_the_account_end_the_session(void **state)
{
	(void)state;
	struct session_new a, b;
	struct principal p;
	struct problem prob;
	assert_int_equal(login("13800000002", PASSWORD, &a, &prob), RC_OK);
	assert_int_equal(login("13800000002", PASSWORD, &b, &prob), RC_OK);
	assert_int_equal(resolve(a.token, &p, &prob), RC_OK);
	struct actor me = fx_actor(&p);
	struct db_tx *tx = fx_begin(fx.db);
	assert_int_equal(fx_end(tx, session_logout(tx, &me, &prob), &prob), RC_OK);
	assert_int_equal(resolve(a.token, &p, &prob), RC_UNAUTHORIZED);
	assert_int_equal(resolve(b.token, &p, &prob), RC_OK);
	problem_init(&prob);
	tx = fx_begin(fx.db);
	assert_int_equal(
		fx_end(tx, account_set_disabled(tx, &fx.admin, fx.staff_id, true, &prob), &prob),
		RC_OK);
	assert_int_equal(resolve(b.token, &p, &prob), RC_UNAUTHORIZED);
	/* And no new one opens. */
	assert_int_equal(login("13800000002", PASSWORD, &a, &prob), RC_UNAUTHORIZED);
}

static void test_session__a_revoked_api_token_stops_working(void **state)
{
	(void)state;
	struct api_token_new t;
	struct principal p;
	struct problem prob = { 0 };
	struct db_tx *tx = fx_begin(fx.db);
	assert_int_equal(
		fx_end(tx, api_token_create(tx, &fx.admin, fx.staff_id, "导出", &t, &prob), &prob),
		RC_OK);
	assert_int_equal(api_token_resolve(fx.db, t.token, &p, &prob), RC_OK);
	assert_int_equal(p.kind, AUTH_TOKEN);
	assert_int_equal(p.account_id, fx.staff_id);
	problem_init(&prob);
	tx = fx_begin(fx.db);
	assert_int_equal(fx_end(tx, api_token_revoke(tx, &fx.admin, t.id, &prob), &prob), RC_OK);
	assert_int_equal(api_token_resolve(fx.db, t.token, &p, &prob), RC_UNAUTHORIZED);
}

static int group_setup(void **state)
{
	(void)state;
	log_open(2, LOG_FATAL, false);
	return fx_sqlite_setup(&eng, "yz_test_session");
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
		TEST(test_session__sign_in_resolves_to_the_account_and_its_roles),
		TEST(test_session__a_wrong_password_and_an_unknown_phone_get_the_same_answer),
		TEST(test_session__a_session_idle_too_long_ends),
		TEST(test_session__a_session_past_its_lifetime_ends_however_busy),
		TEST(test_session__logout_and_disabling_the_account_end_the_session),
		TEST(test_session__a_revoked_api_token_stops_working),
	};
	return cmocka_run_group_tests_name("session", tests, group_setup, group_teardown);
}
