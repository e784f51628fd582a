/* Sign-in: sessions for people (a cookie plus a CSRF token for writes) and
 * API tokens for integrations (a bearer value an admin creates and revokes).
 * Both are 256-bit random values stored only as SHA-256 hashes. Failed
 * sign-ins slow down the address they come from (domain/login_throttle.h);
 * no account is ever locked as a whole. */
#ifndef YZ_DOMAIN_SESSION_H
#define YZ_DOMAIN_SESSION_H

#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/principal.h"
#include "domain/secret.h"

#define SESSION_TOKEN_CAP 64

struct session_policy {
	int64_t idle_s;	    /* ends after this long without a request (default 1800) */
	int64_t absolute_s; /* ends this long after sign-in whatever happens (default 43200) */
};

struct session_new {
	int64_t id;
	char token[SESSION_TOKEN_CAP]; /* goes into the cookie; never stored */
	char csrf[SECRET_HASH_LEN];    /* the client sends it back on writes */
	int64_t expires_s;
	struct account account;
};

/* A sign-in attempt. The strings are borrowed. */
struct login_attempt {
	const char *phone, *password;
	const char *ip; /* the client's address: failures are counted per (phone, ip) */
	const char *request_id;
	bool burst; /* out: this failure made a burst against the account (an alert) */
};

/* Checks phone and password and opens a session; runs its own transaction
 * (a failure must be counted even though sign-in fails). Costs one Argon2id
 * verification (a dummy one for an unknown phone), unless the address must
 * wait. RC_UNAUTHORIZED for a wrong phone or password; RC_LIMITED
 * ("login-throttled", prob->retry_after_s set) while this address must wait
 * before trying this phone again. Unknown and registered phones get the same
 * answers, failure after failure. The hash is verified in one of helpers
 * (secret.h), or in the calling thread if helpers is NULL. */
enum rc session_login(struct db *db, const struct session_policy *pol, struct procpool *helpers,
		      struct login_attempt *in, struct session_new *out, struct problem *prob);
/* Opens a session for account_id in the caller's transaction, with its
 * audit row (as actor): after a sign-in, or a verified sign-up code. */
enum rc session_open(struct db_tx *tx, const struct session_policy *pol, const struct actor *actor,
		     int64_t account_id, struct session_new *out, struct problem *prob);
/* The CSRF token of the session whose cookie value is token: derived from
 * the cookie, so a page that has the cookie (a new tab) can ask for it again,
 * while a page that cannot read the cookie cannot compute it. */
void session_csrf_token(const char *token, char out[SECRET_HASH_LEN]);
/* Resolves a cookie value to a principal. RC_UNAUTHORIZED if unknown,
 * revoked, idle too long or past its lifetime. Touches last_seen at most
 * once a minute, so most requests only read. */
enum rc session_resolve(struct db *db, const struct session_policy *pol, const char *token,
			struct principal *out, struct problem *prob);
/* Ends the principal's session (in the caller's transaction). */
enum rc session_logout(struct db_tx *tx, const struct actor *actor, struct problem *prob);

struct api_token_new {
	int64_t id;
	char token[SESSION_TOKEN_CAP]; /* shown once, never stored */
};
struct api_token_info {
	int64_t id;
	int64_t account_id;
	char name[96];
	int64_t created_s;
	int64_t last_used_s;
	int64_t revoked_s;
};
/* Creates a token acting as account_id: needs ACT_TOKEN_MANAGE over that
 * account (reach_check; one's own account too). RC_INVALID naming
 * account_id if there is no such account. */
enum rc api_token_create(struct db_tx *tx, const struct actor *actor, int64_t account_id,
			 const char *name, struct api_token_new *out, struct problem *prob);
/* Revokes a token: needs ACT_TOKEN_MANAGE over its account. */
enum rc api_token_revoke(struct db_tx *tx, const struct actor *actor, int64_t id,
			 struct problem *prob);
/* Lists the tokens of the accounts viewer reaches with ACT_TOKEN_MANAGE
 * (and viewer's own), newest first (*items is new; free() it). */
enum rc api_token_list(struct db *db, const struct principal *viewer, struct api_token_info **items,
		       size_t *n, struct problem *prob);
/* Resolves a bearer value to a principal; RC_UNAUTHORIZED if unknown or revoked. */
enum rc api_token_resolve(struct db *db, const char *token, struct principal *out,
			  struct problem *prob);

#endif
