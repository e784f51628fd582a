/* The one function that decides every permission: role × action × scope,
 * denying by default. Each route names its action in the route table; a
 * handler that acts on one object asks again with that object's scope. */
#ifndef YZ_DOMAIN_PERMISSION_H
#define YZ_DOMAIN_PERMISSION_H

#include <stdbool.h>

#include "domain/principal.h"
#include "domain/scope.h"

enum action {
	ACT_PUBLIC = 0,      /* anyone, signed in or not */
	ACT_SIGNED_IN,       /* any account */
	ACT_ACCOUNT_LIST,
	ACT_ACCOUNT_CREATE,
	ACT_ACCOUNT_READ,    /* another account's profile */
	ACT_ACCOUNT_UPDATE,  /* another account's name, password, lock */
	ACT_PHONE_REVEAL,    /* see full phone numbers */
	ACT_ROLE_GRANT,      /* grant or revoke roles within the scope */
	ACT_TOKEN_MANAGE,    /* API tokens */
	ACT_AUDIT_READ,
	ACT_STATION_CREATE,  /* register a station within the scope */
	ACT_STATION_EDIT,    /* a station's profile, hours, amenities, closure */
	ACT_CATALOG_EDIT,    /* the amenity catalog */
	ACT_QR_ROTATE,       /* replace a station's check-in QR secret */
	ACT_REGION_EDIT,     /* a region's representative point (admins) */
	ACT_METRICS_READ,    /* /metrics: granted by the deployment's --metrics-access, no role */
	ACT_COUNT
};

/* Static name ("audit.read"), for logs and the OpenAPI document. */
const char *action_name(enum action a);

/* True if p may do a on target. target NULL asks "anywhere at all?" (the
 * route-level check). ACT_PUBLIC is always allowed; ACT_SIGNED_IN needs an
 * account; every other action needs a grant whose role the action's table
 * row lists and whose scope covers target. */
bool permission_allows(const struct principal *p, enum action a,
		       const struct scope_target *target);

/* True if p may grant (or revoke) role at scope: p needs ACT_ROLE_GRANT
 * over that scope through a grant whose role outranks the role given
 * (admins may also grant admin within their scope). */
bool permission_may_grant(const struct principal *p, enum role role, const char *scope);

#endif
