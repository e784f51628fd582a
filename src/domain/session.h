/* Sign-in: sessions for people (a cookie plus a CSRF token for writes) and
 * API tokens for integrations (a bearer value an admin creates and revokes).
 * Both are 256-bit random values stored only as SHA-256 hashes. Failed
 * sign-ins count per account: after SESSION_LOCK_AFTER in a row the account
 * is locked for SESSION_LOCK_S. */
#ifndef YZ_DOMAIN_SESSION_H
#define YZ_DOMAIN_SESSION_H

#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/principal.h"
#include "domain/secret.h"

#define SESSION_LOCK_AFTER 5
#define SESSION_LOCK_S (15 * 60)
#define SESSION_TOKEN_CAP 64

struct session_policy {
	int64_t idle_s;     /* ends after this long without a request (default 1800) */
	int64_t absolute_s; /* ends this long after sign-in whatever happens (default 43200) */
};

struct session_new {
	int64_t id;
	char token[SESSION_TOKEN_CAP]; /* goes into the cookie; never stored */
	char csrf[SECRET_HASH_LEN];    /* the client sends it back on writes */
	int64_t expires_s;
	struct account account;
};

/* Checks phone and password and opens a session; runs its own transaction
 * (the failure counter must be committed even when sign-in fails).
 * RC_UNAUTHORIZED for a wrong phone or password (same answer for both),
 * RC_LOCKED while the account is locked (prob->retry_after_s set). */
enum rc session_login(struct db *db, const struct session_policy *pol, const char *phone,
		      const char *password, const char *ip, const char *request_id,
		      struct session_new *out, struct problem *prob);
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
enum rc session_logout(struct db *db, const struct actor *actor, struct problem *prob);

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
enum rc api_token_create(struct db *db, const struct actor *actor, int64_t account_id,
			 const char *name, struct api_token_new *out, struct problem *prob);
/* Revokes a token: needs ACT_TOKEN_MANAGE over its account. */
enum rc api_token_revoke(struct db *db, const struct actor *actor, int64_t id,
			 struct problem *prob);
/* Lists the tokens of the accounts viewer reaches with ACT_TOKEN_MANAGE
 * (and viewer's own), newest first (*items is new; free() it). */
enum rc api_token_list(struct db *db, const struct principal *viewer,
		       struct api_token_info **items, size_t *n, struct problem *prob);
/* Resolves a bearer value to a principal; RC_UNAUTHORIZED if unknown or revoked. */
enum rc api_token_resolve(struct db *db, const char *token, struct principal *out,
			  struct problem *prob);

#endif
