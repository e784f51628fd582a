/* Signing up from a phone: a one-time code sent to the number proves it is
 * the caller's, then the profile (name, categories, platform, roles,
 * consent) makes or completes their account and their ledger entry, and a
 * session starts. Codes are six digits, stored only as their Argon2id hash,
 * valid five minutes, five tries each; sending is limited per number (one a
 * minute, five an hour) and per client address (twenty an hour). A number
 * that has an account already signs in this way; a number staff entered in
 * the ledger is linked to the new account, not entered twice. A completed
 * sign-up retried with the same code within its five minutes (a dropped
 * connection) answers again and makes nothing new. */
#ifndef YZ_DOMAIN_SIGNUP_H
#define YZ_DOMAIN_SIGNUP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/person.h"
#include "domain/session.h"

#define SIGNUP_CODE_LEN 6

struct procpool;

struct signup_policy {
	int64_t ttl_s;	    /* a code's life */
	int64_t resend_s;   /* between two codes to one number */
	int per_phone_hour; /* codes to one number in an hour */
	int per_ip_hour;    /* codes asked from one address in an hour */
	int max_tries;	    /* wrong entries of one code */
	/* Where codes are hashed (domain/secret.h); NULL: the calling thread. */
	struct procpool *helpers;
};
#define SIGNUP_POLICY_DEFAULT           \
	{                               \
		300, 60, 5, 20, 5, NULL \
	}

/* Makes a code for phone asked from ip: the number normalized into canon,
 * the code (to send, never stored) into code. RC_INVALID for a number that
 * is not a mainland mobile number, RC_LIMITED (with retry_after_s) past a
 * limit. In a transaction of its own. */
enum rc signup_code_new(struct db *db, const struct signup_policy *pol, const char *phone,
			const char *ip, char canon[12], char code[SIGNUP_CODE_LEN + 1],
			struct problem *prob);

/* Checks code against the newest live code of phone, counting the try
 * first (committed, so a wrong code costs a try whatever follows). The
 * code's id into *code_id. RC_INVALID (field "code") for a wrong, expired
 * or missing code, RC_LIMITED once its tries are used up. */
enum rc signup_code_check(struct db *db, const struct signup_policy *pol, const char *phone,
			  const char *code, int64_t *code_id, struct problem *prob);

struct signup_result {
	struct session_new session;
	struct person person;
	bool new_account;
};

/* After signup_code_check: marks the code used, makes the account (name
 * needed then) or finds it, links or makes the person, applies profile
 * (the fields a person may change of their own) and opens a session, in
 * one transaction. RC_FORBIDDEN for a disabled account. */
enum rc signup_complete(struct db *db, const struct session_policy *spol, int64_t code_id,
			const char *phone, const char *name, const struct person_input *profile,
			const char *ip, const char *request_id, struct signup_result *out,
			struct problem *prob);

#endif
