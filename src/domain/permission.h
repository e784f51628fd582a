/* The one function that decides every permission: role × action × scope,
 * denying by default. Each route names its action in the route table; a
 * handler that acts on one object asks again with that object's scope. */
#ifndef YZ_DOMAIN_PERMISSION_H
#define YZ_DOMAIN_PERMISSION_H

#include <stdbool.h>

#include "domain/principal.h"
#include "domain/scope.h"

enum action {
	ACT_PUBLIC = 0, /* anyone, signed in or not */
	ACT_SIGNED_IN,	/* any account */
	ACT_ACCOUNT_LIST,
	ACT_ACCOUNT_CREATE,
	ACT_ACCOUNT_READ,   /* another account's profile */
	ACT_ACCOUNT_UPDATE, /* another account's name, password, lock */
	ACT_PHONE_REVEAL,   /* see full phone numbers */
	ACT_ROLE_GRANT,	    /* grant or revoke roles within the scope */
	ACT_TOKEN_MANAGE,   /* API tokens */
	ACT_AUDIT_READ,
	ACT_STATION_CREATE,  /* register a station within the scope */
	ACT_STATION_EDIT,    /* a station's day-to-day fields: hours, amenities, closure,
			      * photos, description, phone */
	ACT_STATION_PROFILE, /* what a station is: name, level, theme, hub, region, address,
			      * location */
	ACT_STATION_RATE,    /* a station's stars (evaluation) */
	ACT_CATALOG_EDIT,    /* the catalogs: amenities, request categories (city-wide) */
	ACT_QR_ROTATE,	     /* replace a station's check-in QR secret */
	ACT_REGION_EDIT,     /* a region's representative point (admins) */
	ACT_PERSON_READ,     /* the ledger of people within the scope, and its counts */
	ACT_PERSON_EDIT,     /* enter and change people, work sites, teams, party organisations */
	ACT_PERSON_PHONE,    /* read a person's whole mobile number (each read audited) */
	ACT_CHECKIN_READ,    /* the day's check-ins per station and street of a region */
	ACT_REQUEST_READ, /* the requests (orders, wishes, reports …) of the scope: the queue */
	ACT_REQUEST_DISPATCH, /* dispatch, reject and close the scope's requests, turn a
			       * suggestion into a project */
	ACT_BOT_MANAGE,	      /* the group-bot webhooks of a station or region */
	ACT_METRICS_READ,     /* /metrics: granted by the deployment's --metrics-access, no role */
	ACT_ROOM_MANAGE,      /* a station's rooms: add, change, remove; approve and decline
			       * their bookings */
	ACT_ACTIVITY_MANAGE,  /* organise the scope's activities: create, change, publish,
			       * cancel, the attendance sheet, desk counts, meeting records */
	ACT_POINTS_MANAGE,    /* the earning rules (city-wide) */
	ACT_POINTS_READ,      /* the points statements and monthly summary of the scope */
	ACT_POINTS_CORRECT,   /* correct a person's points (a new entry with a reason) */
	ACT_SHOP_MANAGE, /* a station's love supermarket: items, stock, hand-overs, distributions */
	ACT_COUNT
};

/* Static name ("audit.read"), for logs and the OpenAPI document. */
const char *action_name(enum action a);

/* True if p may do a on target. target NULL asks "anywhere at all?" (the
 * route-level check). ACT_PUBLIC is always allowed; ACT_SIGNED_IN needs an
 * account; every other action needs a grant whose role the action's table
 * row lists and whose scope covers target. */
bool permission_allows(const struct principal *p, enum action a, const struct scope_target *target);

/* True if p may grant (or revoke) role at place: p needs ACT_ROLE_GRANT
 * through a grant whose scope covers place and whose role outranks the role
 * given (admins may also grant admin within their scope). Nobody grants
 * more than they hold. */
bool permission_may_grant(const struct principal *p, enum role role,
			  const struct scope_place *place);

/* True if p may do a to another account that holds grants[0..n), each held
 * at places[i]: for every grant of the account, p needs a grant allowing a
 * whose scope covers that grant's place and whose role outranks it (an admin
 * also reaches admins at or within its scope). So nobody acts on someone
 * whose roles reach beyond their own. An account with no grants is reached
 * by anyone who may do a somewhere. Acting on oneself is the caller's rule. */
bool permission_reaches(const struct principal *p, enum action a, const struct role_grant *grants,
			const struct scope_place *places, size_t n);

/* True if p may do a across a whole city: through a grant whose scope is
 * "*", a province or a city (a region code of at most 4 digits). For what
 * belongs to the city rather than to one place in it (the amenity catalog). */
bool permission_allows_citywide(const struct principal *p, enum action a);

/* The region prefixes where p may do a, into out[0..cap) (each SCOPE_MAX
 * bytes); returns how many. "" among them means everywhere ("*"). Grants
 * held at a station are left out: a list of people or check-ins by region
 * asks this. */
size_t permission_regions(const struct principal *p, enum action a, char (*out)[SCOPE_MAX],
			  size_t cap);

/* The region code of the first grant through which p may do a, into out;
 * "" if that grant is "*" or a station, or p may not do a at all. Where an
 * action on an object without a place of its own happened, for the audit. */
void permission_region_of(const struct principal *p, enum action a, char out[SCOPE_MAX]);

#endif
