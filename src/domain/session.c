/* Sessions and API tokens. A sign-in answer never says whether the phone
 * exists: an unknown phone costs the same Argon2id verification as a wrong
 * password and gets the same words back. */
#include "domain/session.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/phone.h"
#include "core/xalloc.h"
#include "domain/login_throttle.h"
#include "domain/permission.h"
#include "domain/reach.h"

static enum rc wrong_credentials(struct problem *prob)
{
	return problem_set(prob, RC_UNAUTHORIZED, "bad-credentials", "手机号或密码不正确");
}

/* A hash no password matches, verified against when the phone is unknown so
 * both answers take as long. Computed once, on first use, by the helpers
 * that hash the passwords. */
static char dummy_hash[SECRET_PWHASH_LEN];
static bool dummy_ready;
static pthread_mutex_t dummy_mu = PTHREAD_MUTEX_INITIALIZER;
static const char *dummy(struct procpool *helpers)
{
	pthread_mutex_lock(&dummy_mu);
	if (!dummy_ready) {
		char pw[SESSION_TOKEN_CAP];
		secret_token("x", pw, sizeof(pw));
		dummy_ready = password_hash(helpers, pw, dummy_hash);
	}
	pthread_mutex_unlock(&dummy_mu);
	return dummy_ready ? dummy_hash : "";
}

struct login_ctx {
	const struct login_attempt *in;
	const char *key;    /* the phone as the throttle counts it */
	int64_t account_id; /* 0: no account can sign in with this phone */
	char phone[12];
	bool ok;
	const struct session_policy *pol;
	struct session_new *out;
	struct login_failure failure;
};

/* A failed attempt: counted for the address, and audited when there is an
 * account to audit it on. */
static enum rc failed_tx(struct db_tx *tx, struct login_ctx *c, const struct actor *actor,
			 struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	enum rc rc = login_throttle_failed(db, c->key, c->in->ip, &c->failure, prob);
	if (rc != RC_OK || !c->account_id)
		return rc;
	char scope[SCOPE_MAX];
	rc = reach_home_scope(db, c->account_id, scope, prob);
	if (rc != RC_OK)
		return rc;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "failures", c->failure.failures);
	if (c->failure.delay_s)
		audit_detail_int(&d, "delay_s", c->failure.delay_s);
	rc = audit_record_id(tx, actor, "session.login_failed", "account", c->account_id, scope, &d,
			     prob);
	audit_detail_release(&d);
	return rc;
}

enum rc session_open(struct db_tx *tx, const struct session_policy *pol, const struct actor *actor,
		     int64_t account_id, struct session_new *out, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	int64_t now = clock_now_s();
	char token_hash[SECRET_HASH_LEN], csrf_hash[SECRET_HASH_LEN];
	secret_token("", out->token, sizeof(out->token));
	session_csrf_token(out->token, out->csrf);
	secret_hash(out->token, token_hash);
	secret_hash(out->csrf, csrf_hash);
	out->expires_s = now + pol->absolute_s;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db,
		"INSERT INTO sessions (token_hash, csrf_hash, account_id, created_s,"
		" last_seen_s, expires_s, ip) VALUES ($1, $2, $3, $4, $4, $5, $6) RETURNING id",
		&rows, prob, DB_T(token_hash), DB_T(csrf_hash), DB_I(account_id), DB_I(now),
		DB_I(out->expires_s), DB_T(actor->ip));
	if (rc != RC_OK)
		return rc;
	out->id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	char scope[SCOPE_MAX];
	rc = reach_home_scope(db, account_id, scope, prob);
	if (rc != RC_OK)
		return rc;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "account_id", account_id);
	rc = audit_record_id(tx, actor, "session.login", "session", out->id, scope, &d, prob);
	audit_detail_release(&d);
	return rc;
}

static enum rc login_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct login_ctx *c = arg;
	struct principal who = { .kind = AUTH_SESSION, .account_id = c->account_id };
	memcpy(who.phone, c->phone, sizeof(who.phone));
	struct actor actor = { .p = &who, .ip = c->in->ip, .request_id = c->in->request_id };
	if (!c->ok)
		return failed_tx(tx, c, &actor, prob);
	enum rc rc = login_throttle_clear(db, c->key, c->in->ip, prob);
	if (rc != RC_OK)
		return rc;
	return session_open(tx, c->pol, &actor, c->account_id, c->out, prob);
}

void session_csrf_token(const char *token, char out[SECRET_HASH_LEN])
{
	struct sb sb = SB_INIT;
	sb_adds(&sb, "yizhan-csrf:");
	sb_adds(&sb, token);
	secret_hash(sb_str(&sb), out);
	sb_release(&sb);
}

enum rc session_login(struct db *db, const struct session_policy *pol, struct procpool *helpers,
		      struct login_attempt *in, struct session_new *out, struct problem *prob)
{
	const char *unknown = dummy(helpers);
	memset(out, 0, sizeof(*out));
	in->burst = false;
	const char *password = in->password ? in->password : "";
	char key[LOGIN_KEY_CAP];
	login_throttle_key(in->phone, key);
	/* Before anything that could tell the phone's accounts apart: an
	 * address that must wait gets the same answer for every phone. */
	enum rc rc = login_throttle_check(db, key, in->ip, prob);
	if (rc != RC_OK)
		return rc;
	struct login_ctx c = { .in = in, .key = key, .pol = pol, .out = out };
	struct account a;
	struct problem lookup = { 0 };
	rc = account_get_by_phone(db, in->phone, &a, &lookup);
	if (rc != RC_OK && rc != RC_NOT_FOUND) {
		*prob = lookup;
		return rc;
	}
	char *stored = NULL;
	if (rc == RC_OK && a.has_password && !a.disabled) {
		struct db_rows *rows = NULL;
		rc = db_q(db, "SELECT pw_hash FROM accounts WHERE id = $1", &rows, prob,
			  DB_I(a.id));
		if (rc != RC_OK)
			return rc;
		stored = xstrdup(db_rows_text(rows, 0, 0) ? db_rows_text(rows, 0, 0) : "");
		db_rows_free(rows);
		c.account_id = a.id;
		memcpy(c.phone, a.phone, sizeof(c.phone));
	}
	/* An unknown phone costs the same verification as a wrong password. */
	bool match = password_verify(helpers, stored ? stored : unknown, password);
	c.ok = stored && match;
	free(stored);
	rc = db_tx(db, login_tx, &c, prob);
	if (rc != RC_OK)
		return rc;
	if (c.ok) {
		out->account = a;
		return RC_OK;
	}
	if (c.failure.burst && c.account_id) {
		in->burst = true;
		log_warn(
			in->request_id, "login_burst",
			"failed sign-ins for %s from %d addresses within %d minutes (the latest from %s)",
			c.phone, c.failure.addresses, LOGIN_BURST_WINDOW_S / 60, in->ip);
	}
	log_info(in->request_id, "login_failed", "sign-in refused for %s from %s",
		 in->phone ? in->phone : "", in->ip);
	return wrong_credentials(prob);
}

enum rc session_resolve(struct db *db, const struct session_policy *pol, const char *token,
			struct principal *out, struct problem *prob)
{
	char hash[SECRET_HASH_LEN];
	memset(out, 0, sizeof(*out));
	secret_hash(token, hash);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db,
		"SELECT s.id, s.account_id, s.csrf_hash, s.last_seen_s, s.expires_s,"
		" s.revoked_s, a.phone, a.name, a.disabled"
		" FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1",
		&rows, prob, DB_T(hash));
	if (rc != RC_OK)
		return rc;
	int64_t now = clock_now_s();
	bool ok = db_rows_count(rows) == 1 && db_rows_null(rows, 0, 5) &&
		  db_rows_int(rows, 0, 8) == 0 && now < db_rows_int(rows, 0, 4) &&
		  now - db_rows_int(rows, 0, 3) <= pol->idle_s;
	if (!ok) {
		db_rows_free(rows);
		return problem_set(prob, RC_UNAUTHORIZED, "session-expired",
				   "登录已过期，请重新登录");
	}
	out->kind = AUTH_SESSION;
	out->credential_id = db_rows_int(rows, 0, 0);
	out->account_id = db_rows_int(rows, 0, 1);
	text_copy(out->csrf_hash, sizeof(out->csrf_hash), db_rows_text(rows, 0, 2));
	text_copy(out->phone, sizeof(out->phone), db_rows_text(rows, 0, 6));
	text_copy(out->name, sizeof(out->name), db_rows_text(rows, 0, 7));
	int64_t last_seen = db_rows_int(rows, 0, 3);
	db_rows_free(rows);
	/* Keep the idle clock fresh without a write per request. */
	int64_t every = pol->idle_s / 4 < 60 ? pol->idle_s / 4 : 60;
	if (now - last_seen >= every) {
		struct problem ignored = { 0 };
		db_q(db, "UPDATE sessions SET last_seen_s = $1 WHERE id = $2", NULL, &ignored,
		     DB_I(now), DB_I(out->credential_id));
	}
	return account_grants(db, out->account_id, out->grants, &out->ngrants, prob);
}

enum rc session_logout(struct db_tx *tx, const struct actor *actor, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (!actor->p || actor->p->kind != AUTH_SESSION)
		return problem_set(prob, RC_INVALID, "no-session", "当前不是会话登录");
	enum rc rc = db_q(db, "UPDATE sessions SET revoked_s = $1 WHERE id = $2", NULL, prob,
			  DB_I(clock_now_s()), DB_I(actor->p->credential_id));
	char scope[SCOPE_MAX];
	if (rc == RC_OK)
		rc = reach_home_scope(db, actor->p->account_id, scope, prob);
	if (rc != RC_OK)
		return rc;
	return audit_record_id(tx, actor, "session.logout", "session", actor->p->credential_id,
			       scope, NULL, prob);
}

enum rc api_token_create(struct db_tx *tx, const struct actor *actor, int64_t account_id,
			 const char *name, struct api_token_new *out, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (!permission_allows(actor->p, ACT_TOKEN_MANAGE, NULL))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "只有管理员可以管理接口令牌");
	size_t nlen = name ? strlen(name) : 0;
	if (nlen == 0 || nlen > 80)
		problem_field(prob, "name", "请填写令牌用途（1–80 字节）");
	if (account_id <= 0)
		problem_field(prob, "account_id", "请填写令牌代表的账号编号");
	if (problem_has_fields(prob))
		return prob->rc;
	/* A token acts as its account: only for an account within the actor's
	 * reach, or the actor's own. */
	struct reach *r = xmalloc(sizeof(*r));
	struct db_rows *rows = NULL;
	enum rc rc = reach_check(db, actor, ACT_TOKEN_MANAGE, account_id, true, r, prob);
	if (rc == RC_NOT_FOUND) {
		problem_init(prob);
		problem_field(prob, "account_id", "账号不存在");
		rc = prob->rc;
	}
	if (rc != RC_OK)
		goto out;
	char hash[SECRET_HASH_LEN];
	secret_token("yzt_", out->token, sizeof(out->token));
	secret_hash(out->token, hash);
	rc = db_q(db,
		  "INSERT INTO api_tokens (token_hash, account_id, name, created_by, created_s)"
		  " VALUES ($1, $2, $3, $4, $5) RETURNING id",
		  &rows, prob, DB_T(hash), DB_I(account_id), DB_T(name),
		  DB_IOPT(actor->p->account_id, actor->p->account_id), DB_I(clock_now_s()));
	if (rc != RC_OK)
		goto out;
	out->id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	char scope[SCOPE_MAX];
	reach_audit_scope(r, actor->p, ACT_TOKEN_MANAGE, scope);
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "account_id", account_id);
	audit_detail_str(&d, "name", name);
	rc = audit_record_id(tx, actor, "token.create", "api_token", out->id, scope, &d, prob);
	audit_detail_release(&d);
out:
	free(r);
	return rc;
}

enum rc api_token_revoke(struct db_tx *tx, const struct actor *actor, int64_t id,
			 struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (!permission_allows(actor->p, ACT_TOKEN_MANAGE, NULL))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "只有管理员可以管理接口令牌");
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT account_id FROM api_tokens WHERE id = $1 AND revoked_s IS NULL",
			  &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(rows);
	int64_t account_id = n ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	if (!n)
		return problem_set(prob, RC_NOT_FOUND, "not-found", "令牌不存在或已撤销");
	struct reach *r = xmalloc(sizeof(*r));
	rc = reach_check(db, actor, ACT_TOKEN_MANAGE, account_id, true, r, prob);
	if (rc == RC_OK)
		rc = db_q(db, "UPDATE api_tokens SET revoked_s = $1 WHERE id = $2", NULL, prob,
			  DB_I(clock_now_s()), DB_I(id));
	if (rc == RC_OK) {
		char scope[SCOPE_MAX];
		reach_audit_scope(r, actor->p, ACT_TOKEN_MANAGE, scope);
		rc = audit_record_id(tx, actor, "token.revoke", "api_token", id, scope, NULL, prob);
	}
	free(r);
	return rc;
}

enum rc api_token_list(struct db *db, const struct principal *viewer, struct api_token_info **items,
		       size_t *n, struct problem *prob)
{
	struct db_rows *rows = NULL;
	*items = NULL;
	*n = 0;
	enum rc rc = db_exec(db,
			     "SELECT id, account_id, name, created_s, last_used_s, revoked_s"
			     " FROM api_tokens ORDER BY id DESC LIMIT 500",
			     NULL, 0, &rows, prob);
	if (rc != RC_OK)
		return rc;
	size_t total = db_rows_count(rows);
	*items = xcalloc(total ? total : 1, sizeof(**items));
	struct reach *r = xmalloc(sizeof(*r));
	struct actor who = { .p = viewer };
	for (size_t i = 0; i < total && rc == RC_OK; i++) {
		int64_t account_id = db_rows_int(rows, i, 1);
		struct problem denied;
		problem_init(&denied);
		enum rc seen = reach_check(db, &who, ACT_TOKEN_MANAGE, account_id, true, r,
					   &denied);
		if (seen == RC_FORBIDDEN || seen == RC_NOT_FOUND)
			continue;
		if (seen != RC_OK) {
			*prob = denied; /* both languages of its texts */
			rc = seen;
			break;
		}
		struct api_token_info *t = &(*items)[(*n)++];
		t->id = db_rows_int(rows, i, 0);
		t->account_id = account_id;
		text_copy(t->name, sizeof(t->name), db_rows_text(rows, i, 2));
		t->created_s = db_rows_int(rows, i, 3);
		t->last_used_s = db_rows_int(rows, i, 4);
		t->revoked_s = db_rows_int(rows, i, 5);
	}
	free(r);
	db_rows_free(rows);
	if (rc != RC_OK) {
		free(*items);
		*items = NULL;
		*n = 0;
	}
	return rc;
}

enum rc api_token_resolve(struct db *db, const char *token, struct principal *out,
			  struct problem *prob)
{
	char hash[SECRET_HASH_LEN];
	memset(out, 0, sizeof(*out));
	secret_hash(token, hash);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT t.id, t.account_id, a.phone, a.name, t.last_used_s"
			  " FROM api_tokens t JOIN accounts a ON a.id = t.account_id"
			  " WHERE t.token_hash = $1 AND t.revoked_s IS NULL AND a.disabled = 0",
			  &rows, prob, DB_T(hash));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) != 1) {
		db_rows_free(rows);
		return problem_set(prob, RC_UNAUTHORIZED, "bad-token", "接口令牌无效或已撤销");
	}
	out->kind = AUTH_TOKEN;
	out->credential_id = db_rows_int(rows, 0, 0);
	out->account_id = db_rows_int(rows, 0, 1);
	text_copy(out->phone, sizeof(out->phone), db_rows_text(rows, 0, 2));
	text_copy(out->name, sizeof(out->name), db_rows_text(rows, 0, 3));
	int64_t last = db_rows_int(rows, 0, 4), now = clock_now_s();
	db_rows_free(rows);
	if (now - last >= 60) {
		struct problem ignored = { 0 };
		db_q(db, "UPDATE api_tokens SET last_used_s = $1 WHERE id = $2", NULL, &ignored,
		     DB_I(now), DB_I(out->credential_id));
	}
	return account_grants(db, out->account_id, out->grants, &out->ngrants, prob);
}
