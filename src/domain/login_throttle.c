/* The sign-in throttle. A failure is one atomic upsert of its (number,
 * address) row, so failures arriving at once through several servers all
 * count; the wait it starts is written by a second statement in the same
 * transaction. Waits are kept in milliseconds: a wait of one second means
 * one second, not "until the clock's next second". */
#include "domain/login_throttle.h"

#include <string.h>

#include "core/clock.h"
#include "core/phone.h"
#include "domain/secret.h"

void login_throttle_key(const char *phone, char key[LOGIN_KEY_CAP])
{
	if (phone && phone_normalize(phone, key))
		return;
	/* Anything else as a digest: short, and plain ASCII whatever bytes
	 * were sent (a cut UTF-8 sequence is no valid PostgreSQL text). */
	char hex[SECRET_HASH_LEN];
	secret_hash(phone ? phone : "", hex);
	key[0] = '?';
	memcpy(key + 1, hex, LOGIN_KEY_CAP - 2);
	key[LOGIN_KEY_CAP - 1] = '\0';
}

/* The wait after the failures-th failure: none before LOGIN_FREE_FAILURES,
 * then 1 s, doubling with each failure, up to LOGIN_DELAY_MAX_S. */
static int delay_s(int failures)
{
	if (failures < LOGIN_FREE_FAILURES)
		return 0;
	int d = 1;
	for (int i = LOGIN_FREE_FAILURES; i < failures && d < LOGIN_DELAY_MAX_S; i++)
		d *= 2;
	return d < LOGIN_DELAY_MAX_S ? d : LOGIN_DELAY_MAX_S;
}

enum rc login_throttle_check(struct db *db, const char *key, const char *ip, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db, "SELECT blocked_until_ms FROM login_throttle WHERE phone = $1 AND ip = $2",
		&rows, prob, DB_T(key), DB_T(ip));
	if (rc != RC_OK)
		return rc;
	int64_t until_ms = db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	int64_t left_ms = until_ms - clock_now_ms();
	if (left_ms <= 0)
		return RC_OK;
	prob->retry_after_s = (int)((left_ms + 999) / 1000);
	/* The same words whatever the number: they must not tell whether it
	 * belongs to an account. */
	return problem_set(
		prob, RC_LIMITED, "login-throttled",
		"登录失败次数过多，请 %d 秒后再试 (too many failed sign-ins from this address)",
		prob->retry_after_s);
}

/* Addresses whose last failure as key is at or after since_s. */
static enum rc failing_addresses(struct db *db, const char *key, int64_t since_s, int *out,
				 struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db, "SELECT COUNT(*) FROM login_throttle WHERE phone = $1 AND last_failed_s >= $2",
		&rows, prob, DB_T(key), DB_I(since_s));
	if (rc != RC_OK)
		return rc;
	*out = (int)db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	return RC_OK;
}

enum rc login_throttle_failed(struct db *db, const char *key, const char *ip,
			      struct login_failure *out, struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	int64_t now_ms = clock_now_ms(), now_s = now_ms / 1000;
	int64_t window_s = now_s - LOGIN_BURST_WINDOW_S, forget_s = now_s - LOGIN_FORGET_S;
	int before = 0;
	enum rc rc = failing_addresses(db, key, window_s, &before, prob);
	if (rc != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(
		db,
		"INSERT INTO login_throttle (phone, ip, failures, last_failed_s) VALUES ($1, $2, 1, $3)"
		" ON CONFLICT (phone, ip) DO UPDATE SET last_failed_s = $3,"
		" failures = CASE WHEN login_throttle.last_failed_s < $4 THEN 1"
		" ELSE login_throttle.failures + 1 END"
		" RETURNING failures",
		&rows, prob, DB_T(key), DB_T(ip), DB_I(now_s), DB_I(forget_s));
	if (rc != RC_OK)
		return rc;
	out->failures = (int)db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	out->delay_s = delay_s(out->failures);
	if (out->delay_s) {
		rc = db_q(
			db,
			"UPDATE login_throttle SET blocked_until_ms = $1 WHERE phone = $2 AND ip = $3",
			NULL, prob, DB_I(now_ms + (int64_t)out->delay_s * 1000), DB_T(key),
			DB_T(ip));
		if (rc != RC_OK)
			return rc;
	}
	rc = failing_addresses(db, key, window_s, &out->addresses, prob);
	if (rc != RC_OK)
		return rc;
	/* Reported when the count reaches the mark, not at every failure past
	 * it: one alert a burst. */
	out->burst = before < LOGIN_BURST_ADDRESSES && out->addresses >= LOGIN_BURST_ADDRESSES;
	/* Rows nobody failed from for an hour wait for nothing and count
	 * nothing. The index on last_failed_s makes this cheap when there are
	 * none, which is nearly always. */
	return db_q(db, "DELETE FROM login_throttle WHERE last_failed_s < $1", NULL, prob,
		    DB_I(forget_s));
}

enum rc login_throttle_clear(struct db *db, const char *key, const char *ip, struct problem *prob)
{
	return db_q(db, "DELETE FROM login_throttle WHERE phone = $1 AND ip = $2", NULL, prob,
		    DB_T(key), DB_T(ip));
}
