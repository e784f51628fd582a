/* The permission table. A row per action lists the roles that may take it;
 * scope decides where. Anything not listed is denied. */
#include "domain/permission.h"

#include <stdio.h>
#include <string.h>

#define R(role) (1u << (role))
#define ANY_ROLE                                                                                \
	(R(ROLE_ADMIN) | R(ROLE_STAFF) | R(ROLE_MANAGER) | R(ROLE_VOLUNTEER) | R(ROLE_WORKER) | \
	 R(ROLE_RESIDENT))

static const struct {
	const char *name;
	unsigned roles;
} table[ACT_COUNT] = {
	[ACT_PUBLIC] = { "public", 0 },
	[ACT_SIGNED_IN] = { "signed_in", 0 },
	[ACT_ACCOUNT_LIST] = { "account.list", R(ROLE_ADMIN) | R(ROLE_STAFF) },
	[ACT_ACCOUNT_CREATE] = { "account.create", R(ROLE_ADMIN) | R(ROLE_STAFF) },
	[ACT_ACCOUNT_READ] = { "account.read", R(ROLE_ADMIN) | R(ROLE_STAFF) },
	[ACT_ACCOUNT_UPDATE] = { "account.update", R(ROLE_ADMIN) },
	[ACT_PHONE_REVEAL] = { "phone.reveal", R(ROLE_ADMIN) },
	[ACT_ROLE_GRANT] = { "role.grant", R(ROLE_ADMIN) | R(ROLE_STAFF) },
	[ACT_TOKEN_MANAGE] = { "token.manage", R(ROLE_ADMIN) },
	[ACT_AUDIT_READ] = { "audit.read", R(ROLE_ADMIN) },
	[ACT_STATION_CREATE] = { "station.create", R(ROLE_ADMIN) | R(ROLE_STAFF) },
	[ACT_STATION_EDIT] = { "station.edit", R(ROLE_ADMIN) | R(ROLE_STAFF) | R(ROLE_MANAGER) },
	[ACT_STATION_PROFILE] = { "station.profile", R(ROLE_ADMIN) | R(ROLE_STAFF) },
	[ACT_STATION_RATE] = { "station.rate", R(ROLE_ADMIN) },
	[ACT_CATALOG_EDIT] = { "catalog.edit", R(ROLE_ADMIN) },
	[ACT_QR_ROTATE] = { "qr.rotate", R(ROLE_ADMIN) },
	[ACT_REGION_EDIT] = { "region.edit", R(ROLE_ADMIN) },
	[ACT_PERSON_READ] = { "person.read", R(ROLE_ADMIN) | R(ROLE_STAFF) },
	[ACT_PERSON_EDIT] = { "person.edit", R(ROLE_ADMIN) | R(ROLE_STAFF) },
	[ACT_PERSON_PHONE] = { "person.phone", R(ROLE_ADMIN) | R(ROLE_STAFF) },
	[ACT_CHECKIN_READ] = { "checkin.read", R(ROLE_ADMIN) | R(ROLE_STAFF) },
	[ACT_REQUEST_READ] = { "request.read", R(ROLE_ADMIN) | R(ROLE_STAFF) | R(ROLE_MANAGER) },
	[ACT_REQUEST_DISPATCH] = { "request.dispatch",
				   R(ROLE_ADMIN) | R(ROLE_STAFF) | R(ROLE_MANAGER) },
	[ACT_BOT_MANAGE] = { "bot.manage", R(ROLE_ADMIN) | R(ROLE_STAFF) | R(ROLE_MANAGER) },
	[ACT_METRICS_READ] = { "metrics.read", 0 },
	[ACT_ROOM_MANAGE] = { "room.manage", R(ROLE_ADMIN) | R(ROLE_STAFF) | R(ROLE_MANAGER) },
	[ACT_ACTIVITY_MANAGE] = { "activity.manage",
				  R(ROLE_ADMIN) | R(ROLE_STAFF) | R(ROLE_MANAGER) },
	[ACT_POINTS_MANAGE] = { "points.manage", R(ROLE_ADMIN) },
	[ACT_POINTS_READ] = { "points.read", R(ROLE_ADMIN) | R(ROLE_STAFF) },
	[ACT_POINTS_CORRECT] = { "points.correct", R(ROLE_ADMIN) | R(ROLE_STAFF) },
	[ACT_SHOP_MANAGE] = { "shop.manage", R(ROLE_ADMIN) | R(ROLE_STAFF) | R(ROLE_MANAGER) },
};

const char *action_name(enum action a)
{
	return (unsigned)a < ACT_COUNT ? table[a].name : "unknown";
}

bool permission_allows(const struct principal *p, enum action a, const struct scope_target *target)
{
	if ((unsigned)a >= ACT_COUNT)
		return false;
	if (a == ACT_PUBLIC)
		return true;
	if (!p || p->kind == AUTH_NONE)
		return false;
	if (a == ACT_SIGNED_IN)
		return true;
	for (size_t i = 0; i < p->ngrants; i++) {
		const struct role_grant *g = &p->grants[i];
		if (!(table[a].roles & R(g->role)))
			continue;
		if (!target || scope_covers(g->scope, target))
			return true;
	}
	return false;
}

static bool outranks(enum role actor, enum role target)
{
	return actor < target || (actor == ROLE_ADMIN && target == ROLE_ADMIN);
}

bool permission_may_grant(const struct principal *p, enum role role,
			  const struct scope_place *place)
{
	if (!p || p->kind == AUTH_NONE || (unsigned)role >= ROLE_COUNT || !place)
		return false;
	struct scope_target t = scope_place_target(place);
	for (size_t i = 0; i < p->ngrants; i++) {
		const struct role_grant *g = &p->grants[i];
		if (!(table[ACT_ROLE_GRANT].roles & R(g->role)))
			continue;
		if (scope_covers(g->scope, &t) && outranks(g->role, role))
			return true;
	}
	return false;
}

bool permission_reaches(const struct principal *p, enum action a, const struct role_grant *grants,
			const struct scope_place *places, size_t n)
{
	if ((unsigned)a >= ACT_COUNT || !p || p->kind == AUTH_NONE)
		return false;
	if (n == 0)
		return permission_allows(p, a, NULL);
	for (size_t i = 0; i < n; i++) {
		struct scope_target t = scope_place_target(&places[i]);
		bool covered = false;
		for (size_t j = 0; j < p->ngrants && !covered; j++) {
			const struct role_grant *g = &p->grants[j];
			covered = (table[a].roles & R(g->role)) &&
				  outranks(g->role, grants[i].role) && scope_covers(g->scope, &t);
		}
		if (!covered)
			return false;
	}
	return true;
}

bool permission_allows_citywide(const struct principal *p, enum action a)
{
	if ((unsigned)a >= ACT_COUNT || !p || p->kind == AUTH_NONE)
		return false;
	for (size_t i = 0; i < p->ngrants; i++) {
		const struct role_grant *g = &p->grants[i];
		if (!(table[a].roles & R(g->role)))
			continue;
		size_t len = strlen(g->scope);
		if (strcmp(g->scope, "*") == 0 ||
		    (len <= 4 && strncmp(g->scope, "station:", 8) != 0))
			return true;
	}
	return false;
}

void permission_region_of(const struct principal *p, enum action a, char out[SCOPE_MAX])
{
	out[0] = '\0';
	if ((unsigned)a >= ACT_COUNT || !p)
		return;
	for (size_t i = 0; i < p->ngrants; i++) {
		const struct role_grant *g = &p->grants[i];
		if (!(table[a].roles & R(g->role)))
			continue;
		if (strcmp(g->scope, "*") != 0 && strncmp(g->scope, "station:", 8) != 0)
			memcpy(out, g->scope, strlen(g->scope) + 1);
		return;
	}
}

size_t permission_regions(const struct principal *p, enum action a, char (*out)[SCOPE_MAX],
			  size_t cap)
{
	size_t n = 0;
	if ((unsigned)a >= ACT_COUNT || !p || p->kind == AUTH_NONE)
		return 0;
	for (size_t i = 0; i < p->ngrants && n < cap; i++) {
		const struct role_grant *g = &p->grants[i];
		if (!(table[a].roles & R(g->role)) || strncmp(g->scope, "station:", 8) == 0)
			continue;
		snprintf(out[n++], SCOPE_MAX, "%s", strcmp(g->scope, "*") == 0 ? "" : g->scope);
	}
	return n;
}
