/* Signing up with a one-time code. */
#include "domain/signup.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/phone.h"
#include "core/text.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/secret.h"

struct code_new_ctx {
	const struct signup_policy *pol;
	const char *phone, *ip, *hash;
};

static int64_t count_since(struct db *db, const char *sql, const char *key, int64_t since,
			   enum rc *rc, struct problem *prob)
{
	struct db_rows *rows = NULL;
	*rc = db_q(db, sql, &rows, prob, DB_T(key), DB_I(since));
	int64_t n = *rc == RC_OK ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	return n;
}

/* RC_LIMITED as set in prob, with its Retry-After. */
static enum rc limited(struct problem *prob, int64_t wait_s)
{
	prob->retry_after_s = (int)(wait_s > 0 ? wait_s : 1);
	return RC_LIMITED;
}

static enum rc code_new_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct code_new_ctx *c = arg;
	struct db *db = db_tx_db(tx);
	int64_t now = clock_now_s();
	enum rc rc;
	struct db_rows *rows = NULL;
	rc = db_q(db, "SELECT MAX(created_s) FROM signup_codes WHERE phone = $1", &rows, prob,
		  DB_T(c->phone));
	if (rc != RC_OK)
		return rc;
	int64_t last = db_rows_null(rows, 0, 0) ? 0 : db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	if (last && now - last < c->pol->resend_s) {
		int64_t wait = c->pol->resend_s - (now - last);
		problem_set(prob, RC_LIMITED, "rate-limited", "验证码刚发过，请 %lld 秒后再试",
			    (long long)wait);
		return limited(prob, wait);
	}
	int64_t n = count_since(
		db, "SELECT COUNT(*) FROM signup_codes WHERE phone = $1 AND created_s > $2",
		c->phone, now - 3600, &rc, prob);
	if (rc != RC_OK)
		return rc;
	if (n >= c->pol->per_phone_hour) {
		problem_set(prob, RC_LIMITED, "rate-limited",
			    "这个号码一小时内收到的验证码太多，请稍后再试");
		return limited(prob, 3600);
	}
	n = count_since(db,
			"SELECT COUNT(*) FROM signup_codes WHERE client_ip = $1 AND created_s > $2",
			c->ip, now - 3600, &rc, prob);
	if (rc != RC_OK)
		return rc;
	if (n >= c->pol->per_ip_hour) {
		problem_set(prob, RC_LIMITED, "rate-limited",
			    "这个网络地址一小时内请求的验证码太多，请稍后再试");
		return limited(prob, 3600);
	}
	return db_q(db,
		    "INSERT INTO signup_codes (phone, code_hash, client_ip, created_s, expires_s)"
		    " VALUES ($1, $2, $3, $4, $5)",
		    NULL, prob, DB_T(c->phone), DB_T(c->hash), DB_T(c->ip), DB_I(now),
		    DB_I(now + c->pol->ttl_s));
}

enum rc signup_code_new(struct db *db, const struct signup_policy *pol, const char *phone,
			const char *ip, char canon[12], char code[SIGNUP_CODE_LEN + 1],
			struct problem *prob)
{
	if (!phone || !phone_normalize(phone, canon)) {
		problem_field(prob, "phone", "手机号应为 11 位中国大陆手机号");
		return RC_INVALID;
	}
	secret_digits(code, SIGNUP_CODE_LEN);
	char hash[SECRET_PWHASH_LEN];
	if (!password_hash(pol->helpers, code, hash))
		return problem_set(prob, RC_INTERNAL, "internal", "无法计算验证码摘要");
	struct code_new_ctx c = { .pol = pol, .phone = canon, .ip = ip ? ip : "", .hash = hash };
	return db_tx(db, code_new_tx, &c, prob);
}

struct check_ctx {
	const struct signup_policy *pol;
	const char *phone;
	int64_t id;
	char hash[SECRET_PWHASH_LEN];
	int tries;
};

static enum rc check_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct check_ctx *c = arg;
	struct db *db = db_tx_db(tx);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT id, code_hash, tries FROM signup_codes WHERE phone = $1"
			  " AND expires_s > $2 ORDER BY id DESC LIMIT 1",
			  &rows, prob, DB_T(c->phone), DB_I(clock_now_s()));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) == 0) {
		db_rows_free(rows);
		problem_field(prob, "code", "验证码已过期或还没有获取，请重新获取");
		return RC_INVALID;
	}
	c->id = db_rows_int(rows, 0, 0);
	text_copy(c->hash, sizeof(c->hash), db_rows_text(rows, 0, 1));
	c->tries = (int)db_rows_int(rows, 0, 2);
	db_rows_free(rows);
	if (c->tries >= c->pol->max_tries)
		return problem_set(prob, RC_LIMITED, "code-tries-exhausted",
				   "验证码输错次数太多，请重新获取");
	c->tries++;
	return db_q(db, "UPDATE signup_codes SET tries = tries + 1 WHERE id = $1", NULL, prob,
		    DB_I(c->id));
}

enum rc signup_code_check(struct db *db, const struct signup_policy *pol, const char *phone,
			  const char *code, int64_t *code_id, struct problem *prob)
{
	char canon[12];
	if (!phone || !phone_normalize(phone, canon)) {
		problem_field(prob, "phone", "手机号应为 11 位中国大陆手机号");
		return RC_INVALID;
	}
	if (!code || strlen(code) != SIGNUP_CODE_LEN ||
	    strspn(code, "0123456789") != SIGNUP_CODE_LEN) {
		problem_field(prob, "code", "验证码是 6 位数字");
		return RC_INVALID;
	}
	struct check_ctx c = { .pol = pol, .phone = canon };
	enum rc rc = db_tx(db, check_tx, &c, prob);
	if (rc != RC_OK)
		return rc;
	if (!password_verify(pol->helpers, c.hash, code)) {
		int left = pol->max_tries - c.tries;
		if (left <= 0)
			return problem_set(prob, RC_LIMITED, "code-tries-exhausted",
					   "验证码输错次数太多，请重新获取");
		problem_field(prob, "code", "验证码不对，还可以再试 %d 次", left);
		return RC_INVALID;
	}
	*code_id = c.id;
	return RC_OK;
}

struct complete_ctx {
	const struct session_policy *spol;
	int64_t code_id;
	const char *phone, *name, *ip, *request_id;
	const struct person_input *profile;
	struct signup_result *out;
};

static bool profile_given(const struct person_input *in)
{
	return in->has_name || in->has_categories || in->has_platform || in->has_work_site ||
	       in->has_roles || in->has_consent;
}

static enum rc complete_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct complete_ctx *c = arg;
	struct db *db = db_tx_db(tx);
	int64_t now = clock_now_s();
	memset(c->out, 0, sizeof(*c->out));
	enum rc rc = db_q(db,
			  "UPDATE signup_codes SET used_s = $1 WHERE id = $2 AND used_s IS NULL",
			  NULL, prob, DB_I(now), DB_I(c->code_id));
	if (rc != RC_OK)
		return rc;
	struct account a;
	struct problem miss;
	problem_init(&miss);
	rc = account_get_by_phone(db, c->phone, &a, &miss);
	if (rc != RC_OK && rc != RC_NOT_FOUND) {
		*prob = miss;
		return rc;
	}
	int64_t account_id = rc == RC_OK ? a.id : 0;
	if (account_id && a.disabled)
		return problem_set(prob, RC_FORBIDDEN, "account-disabled", "这个账号已停用");
	struct principal who = { .kind = AUTH_SESSION, .account_id = account_id };
	text_copy(who.phone, sizeof(who.phone), c->phone);
	struct actor actor = { .p = &who, .ip = c->ip, .request_id = c->request_id };
	if (!account_id) {
		if (!c->name || !*c->name) {
			problem_field(prob, "name", "第一次注册请填写姓名");
			return RC_INVALID;
		}
		if (!account_name_acceptable(c->name, "name", prob))
			return RC_INVALID;
		struct db_rows *rows = NULL;
		rc = db_q(db,
			  "INSERT INTO accounts (phone, name, created_s, updated_s)"
			  " VALUES ($1, $2, $3, $3) RETURNING id",
			  &rows, prob, DB_T(c->phone), DB_T(c->name), DB_I(now));
		if (rc != RC_OK)
			return rc;
		account_id = who.account_id = db_rows_int(rows, 0, 0);
		db_rows_free(rows);
		rc = audit_record_id(tx, &actor, "account.register", "account", account_id, "",
				     NULL, prob);
		if (rc != RC_OK)
			return rc;
		c->out->new_account = true;
	}
	rc = person_of_account(tx, &actor, account_id, &c->out->person, prob);
	if (rc == RC_OK && profile_given(c->profile))
		rc = person_update(tx, &actor, c->out->person.id, c->profile, prob);
	if (rc == RC_OK)
		rc = person_get(db, c->out->person.id, &c->out->person, prob);
	if (rc == RC_OK)
		rc = session_open(tx, c->spol, &actor, account_id, &c->out->session, prob);
	if (rc == RC_OK)
		rc = account_get(db, account_id, &c->out->session.account, prob);
	return rc;
}

enum rc signup_complete(struct db *db, const struct session_policy *spol, int64_t code_id,
			const char *phone, const char *name, const struct person_input *profile,
			const char *ip, const char *request_id, struct signup_result *out,
			struct problem *prob)
{
	char canon[12];
	if (!phone || !phone_normalize(phone, canon)) {
		problem_field(prob, "phone", "手机号应为 11 位中国大陆手机号");
		return RC_INVALID;
	}
	struct complete_ctx c = { .spol = spol,
				  .code_id = code_id,
				  .phone = canon,
				  .name = name,
				  .ip = ip,
				  .request_id = request_id,
				  .profile = profile,
				  .out = out };
	return db_tx(db, complete_tx, &c, prob);
}
