/* Tests of src/domain/login_throttle.c on a fresh, migrated SQLite file
 * (under $YZ_TEST_TMP or /tmp): failures count per (number, address), five
 * are free, then the address waits 1 s, 2 s, 4 s … up to the cap; a success
 * or an hour's quiet forgets them; a burst is reported once. */
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

#include "core/clock.h"
#include "core/log.h"
#include "db/db.h"
#include "domain/login_throttle.h"

#include "fixture.h"

static struct {
	struct db *db;
	char path[600];
} fx;

static int setup(void **state)
{
	(void)state;
	log_open(2, LOG_ERROR, false);
	const char *tmp = getenv("YZ_TEST_TMP");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -1;
	snprintf(fx.path, sizeof(fx.path), "%s/test_login_throttle_%ld.db", tmp, (long)getpid());
	fx_remove_sqlite_files(fx.path);
	char url[700];
	snprintf(url, sizeof(url), "sqlite:%s", fx.path);
	struct problem prob = { 0 };
	int applied = 0;
	if (db_open(url, NULL, &fx.db, &prob) != RC_OK ||
	    db_migrate(fx.db, &applied, &prob) != RC_OK) {
		print_error("setup: %s\n", prob.detail);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	db_close(fx.db);
	fx_remove_sqlite_files(fx.path);
	return 0;
}

static struct login_failure failed_from(const char *key, const char *ip)
{
	struct problem prob = { 0 };
	struct login_failure f;
	assert_int_equal(login_throttle_failed(fx.db, key, ip, &f, &prob), RC_OK);
	return f;
}

/* RC_OK, or the seconds to wait. */
static int wait_s(const char *key, const char *ip)
{
	struct problem prob = { 0 };
	enum rc rc = login_throttle_check(fx.db, key, ip, &prob);
	if (rc == RC_OK)
		return 0;
	assert_int_equal(rc, RC_LIMITED);
	assert_string_equal(prob.type, "login-throttled");
	assert_true(prob.retry_after_s > 0);
	return prob.retry_after_s;
}

static void test_login_throttle__lets_an_address_fail_five_times_then_makes_it_wait_doubling(
	void **state)
{
	(void)state;
	static const int want[] = { 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900 };
	for (int i = 0; i < (int)(sizeof(want) / sizeof(want[0])); i++) {
		struct login_failure f = failed_from("13900000001", "10.0.0.1");
		assert_int_equal(f.failures, i + 1);
		assert_int_equal(f.delay_s, want[i]);
		int w = wait_s("13900000001", "10.0.0.1");
		assert_true(w == want[i] || (want[i] > 1 && w == want[i] - 1));
	}
}

static void test_login_throttle__counts_each_address_and_each_number_apart(void **state)
{
	(void)state;
	for (int i = 0; i < 5; i++)
		failed_from("13900000002", "10.0.0.1");
	assert_int_equal(wait_s("13900000002", "10.0.0.1"), 1);
	/* Another address, and another number from the same address, are free. */
	assert_int_equal(wait_s("13900000002", "10.0.0.2"), 0);
	assert_int_equal(wait_s("13900000003", "10.0.0.1"), 0);
	assert_int_equal(failed_from("13900000002", "10.0.0.2").failures, 1);
	assert_int_equal(failed_from("13900000003", "10.0.0.1").failures, 1);
}

static void test_login_throttle__a_success_forgets_the_failures_of_its_address_only(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	for (int i = 0; i < 5; i++) {
		failed_from("13900000004", "10.0.0.1");
		failed_from("13900000004", "10.0.0.2");
	}
	assert_int_equal(login_throttle_clear(fx.db, "13900000004", "10.0.0.1", &prob), RC_OK);
	assert_int_equal(wait_s("13900000004", "10.0.0.1"), 0);
	assert_int_equal(failed_from("13900000004", "10.0.0.1").failures, 1);
	assert_int_equal(wait_s("13900000004", "10.0.0.2"), 1);
}

static void test_login_throttle__failures_an_hour_old_are_forgotten(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	for (int i = 0; i < 7; i++)
		failed_from("13900000005", "10.0.0.1");
	failed_from("13900000006", "10.0.0.9");
	/* Both an hour and a second ago, and no longer waiting. */
	assert_int_equal(db_q(fx.db,
			      "UPDATE login_throttle SET last_failed_s = $1, blocked_until_ms = 0"
			      " WHERE phone IN ('13900000005', '13900000006')",
			      NULL, &prob, DB_I(clock_now_s() - LOGIN_FORGET_S - 1)),
			 RC_OK);
	assert_int_equal(failed_from("13900000005", "10.0.0.1").failures, 1);
	/* And a failure anywhere sweeps such rows away. */
	struct db_rows *rows = NULL;
	assert_int_equal(db_q(fx.db,
			      "SELECT COUNT(*) FROM login_throttle WHERE phone = '13900000006'",
			      &rows, &prob),
			 RC_OK);
	assert_int_equal(db_rows_int(rows, 0, 0), 0);
	db_rows_free(rows);
}

static void test_login_throttle__reports_a_burst_once_when_the_fifth_address_fails(void **state)
{
	(void)state;
	for (int i = 1; i <= 7; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.0.1.%d", i);
		struct login_failure f = failed_from("13900000007", ip);
		assert_int_equal(f.addresses, i);
		assert_int_equal(f.burst, i == LOGIN_BURST_ADDRESSES);
		/* An address failing again adds no address. */
		f = failed_from("13900000007", ip);
		assert_int_equal(f.addresses, i);
		assert_false(f.burst);
	}
}

static void test_login_throttle__keys_a_number_by_its_digits_and_anything_else_by_a_digest(
	void **state)
{
	(void)state;
	char a[LOGIN_KEY_CAP], b[LOGIN_KEY_CAP];
	login_throttle_key("+86 139-0000-0008", a);
	assert_string_equal(a, "13900000008");
	login_throttle_key("13900000008", b);
	assert_string_equal(a, b);
	login_throttle_key("not a number, 不是号码", a);
	assert_int_equal(strlen(a), LOGIN_KEY_CAP - 1);
	assert_int_equal(a[0], '?');
	for (size_t i = 1; i < strlen(a); i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	login_throttle_key("not a number, 不是号码", b);
	assert_string_equal(a, b);
	login_throttle_key(NULL, b);
	assert_string_not_equal(a, b);
	assert_int_equal(b[0], '?');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_login_throttle__lets_an_address_fail_five_times_then_makes_it_wait_doubling),
		cmocka_unit_test(test_login_throttle__counts_each_address_and_each_number_apart),
		cmocka_unit_test(
			test_login_throttle__a_success_forgets_the_failures_of_its_address_only),
		cmocka_unit_test(test_login_throttle__failures_an_hour_old_are_forgotten),
		cmocka_unit_test(
			test_login_throttle__reports_a_burst_once_when_the_fifth_address_fails),
		cmocka_unit_test(
			test_login_throttle__keys_a_number_by_its_digits_and_anything_else_by_a_digest),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
