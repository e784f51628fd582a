/* Accounts: a person who can sign in, identified by a mainland mobile number,
 * with a display name, an optional password (staff may register residents
 * who never sign in) and the roles they hold. Write functions run inside the
 * caller's transaction and record their audit row there. */
#ifndef YZ_DOMAIN_ACCOUNT_H
#define YZ_DOMAIN_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/field.h"
#include "domain/principal.h"

struct procpool; /* core/procpool.h: the password helpers (secret.h) */

#define ACCOUNT_NAME_MAX_CHARS 40

struct account {
	int64_t id;
	char phone[12];
	char name[ACCOUNT_NAME_MAX_CHARS * 4 + 1];
	bool has_password;
	bool disabled;
	int64_t created_s;
	int64_t updated_s;
	size_t ngrants;
	struct role_grant grants[PRINCIPAL_GRANTS_MAX];
};

/* What a create sets. A field is given when its has_ flag is set or its
 * pointer is not NULL. */
struct account_new {
	bool has_phone, has_name, has_password;
	const char *phone;
	const char *name;
	const char *password; /* NULL: no sign-in until a password is set */
};

/* The account's field table (field.h). */
extern const struct noun account_noun;

/* Validates a display name: 1–40 characters of printable UTF-8. */
bool account_name_acceptable(const char *name, const char *field, struct problem *prob);

/* Creates an account (needs ACT_ACCOUNT_CREATE). RC_INVALID with field
 * errors for a bad phone, name or password; RC_CONFLICT if the phone is
 * registered already. In the caller's transaction. The password is hashed
 * in one of helpers (secret.h), or in the calling thread if NULL. */
enum rc account_create(struct db_tx *tx, const struct actor *actor, struct procpool *helpers,
		       const struct account_new *in, struct account *out, struct problem *prob);
/* Reads one account as viewer may see it: RC_FORBIDDEN unless it is
 * viewer's own or viewer reaches it with ACT_ACCOUNT_READ (reach.h); the
 * phone is masked unless it is viewer's own or viewer reaches it with
 * ACT_PHONE_REVEAL. RC_NOT_FOUND if none. */
enum rc account_read(struct db *db, const struct principal *viewer, int64_t id, struct account *out,
		     struct problem *prob);
/* Reads one account with its grants, unmasked, without asking who wants
 * it (for the domain and the command line). RC_NOT_FOUND if none. */
enum rc account_get(struct db *db, int64_t id, struct account *out, struct problem *prob);
/* Reads the account of a phone number (normalized first). */
enum rc account_get_by_phone(struct db *db, const char *phone, struct account *out,
			     struct problem *prob);
/* Loads the grants of account id into out (at most PRINCIPAL_GRANTS_MAX). */
enum rc account_grants(struct db *db, int64_t id, struct role_grant *out, size_t *n,
		       struct problem *prob);

struct account_page {
	size_t n;
	struct account *items;
	int64_t next_after_id; /* 0: no more */
};
/* Lists by id the accounts viewer may list (its own, and those it reaches
 * with ACT_ACCOUNT_LIST), phones masked as account_read does. q filters by
 * a name substring or by phone digits: the whole number, the digits the
 * masked form shows, or any digits of a number viewer sees whole, so a
 * search never finds what the answer hides. */
enum rc account_list(struct db *db, const struct principal *viewer, const char *q, int64_t after_id,
		     size_t limit, struct account_page *page, struct problem *prob);
void account_page_release(struct account_page *page);

/* Renames an account: its owner, or ACT_ACCOUNT_UPDATE reaching it. */
enum rc account_rename(struct db_tx *tx, const struct actor *actor, int64_t id, const char *name,
		       struct problem *prob);
/* Sets a password: the owner (who must give the current one, if any) or
 * ACT_ACCOUNT_UPDATE reaching the account. Ends the account's other sessions.
 * Hashes as account_create does. */
enum rc account_set_password(struct db_tx *tx, const struct actor *actor, struct procpool *helpers,
			     int64_t id, const char *current, const char *password,
			     struct problem *prob);

/* Disables or enables an account: ACT_ACCOUNT_UPDATE reaching it, never
 * one's own.
 * Disabling ends the account's sessions and stops its API tokens and its
 * sign-in; enabling lets it sign in again (and its unrevoked tokens work
 * again). Setting the state it already has changes nothing and writes no
 * audit row. */
enum rc account_set_disabled(struct db_tx *tx, const struct actor *actor, int64_t id, bool disabled,
			     struct problem *prob);

/* Grants role at scope to account id: the scope must name a region or
 * station that exists (field error on "scope"), permission_may_grant must
 * allow it there, and the actor must reach the account with ACT_ROLE_GRANT.
 * The new grant's id goes to *grant_id. RC_CONFLICT if held already. */
enum rc role_grant_add(struct db_tx *tx, const struct actor *actor, int64_t account_id,
		       const char *role, const char *scope, int64_t *grant_id,
		       struct problem *prob);
/* Revokes one grant, under the same rules as granting it. */
enum rc role_grant_remove(struct db_tx *tx, const struct actor *actor, int64_t account_id,
			  int64_t grant_id, struct problem *prob);

#endif
