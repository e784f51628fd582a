/* Reach: where an account's roles lie, and whether an actor may act on that
 * account. A grant's scope resolves to a place (a station scope lies in its
 * station's region), and every write on an account, its roles or its API
 * tokens asks reach_check first, so nobody acts on someone whose roles reach
 * beyond their own (permission_reaches decides). */
#ifndef YZ_DOMAIN_REACH_H
#define YZ_DOMAIN_REACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/permission.h"

/* An account's grants with the place each is held at. */
struct reach {
	int64_t account_id;
	size_t n;
	struct role_grant grants[PRINCIPAL_GRANTS_MAX];
	struct scope_place places[PRINCIPAL_GRANTS_MAX];
};

/* Resolves a normalized scope to its place. *exists says whether the region
 * or station it names is there ("*" always is); a station that is not there
 * resolves to a place only "*" and that station's own scope cover. Errors
 * only for the database. */
enum rc scope_resolve(struct db *db, const char *scope, struct scope_place *out, bool *exists,
		      struct problem *prob);

/* Loads account_id's grants and their places into out. RC_NOT_FOUND if there
 * is no such account. */
enum rc reach_load(struct db *db, int64_t account_id, struct reach *out, struct problem *prob);

/* RC_OK if actor may do a to account_id: the actor is that account and
 * self_ok, or permission_reaches says so. RC_NOT_FOUND if there is no such
 * account, RC_FORBIDDEN (with a message naming why) otherwise. The loaded
 * grants go to *out when out is not NULL. */
enum rc reach_check(struct db *db, const struct actor *actor, enum action a, int64_t account_id,
		    bool self_ok, struct reach *out, struct problem *prob);

/* The region an action on the account r happened in, for the audit log:
 * the region all its grants share, or, for an account without grants, the
 * region through which actor may do a; "" when that is everywhere. */
void reach_audit_scope(const struct reach *r, const struct principal *actor, enum action a,
		       char out[SCOPE_MAX]);

/* The region all of account_id's grants share, into out ("" if none or
 * everywhere): the scope of audit rows about the account's own doings. */
enum rc reach_home_scope(struct db *db, int64_t account_id, char out[SCOPE_MAX],
			 struct problem *prob);

/* The region the places share (cut to a whole level: 2, 4, 6, 9 or 12
 * digits); "" if any is everywhere or they share none. */
void scope_places_common(const struct scope_place *places, size_t n, char out[SCOPE_MAX]);

#endif
