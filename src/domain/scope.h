/* Scopes: where a role is held. "*" is everywhere; a region code covers
 * itself and every region whose code it prefixes (the official 12-digit codes
 * nest: 61 › 6103 › 610302 › 610302004 › 610302004003); "station:ID" covers
 * that station (and, for a hub, its branches). */
#ifndef YZ_DOMAIN_SCOPE_H
#define YZ_DOMAIN_SCOPE_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/principal.h"

/* The object a permission is asked about. region is a normalized region
 * code ("610302004003") or NULL; station_id/hub_id are 0 when not a station. */
struct scope_target {
	const char *region;
	int64_t station_id;
	int64_t hub_id;
};

/* Where a grant is held, resolved so grants can be compared with objects: a
 * region code, or a station with its region and hub, or everywhere (region
 * "" and no station). Built from a scope string by scope_resolve (place.h). */
struct scope_place {
	char region[SCOPE_MAX];
	int64_t station_id;
	int64_t hub_id;
};

/* The place as a permission target (borrowed pointers into pl). A place
 * that is everywhere is covered by "*" alone. */
struct scope_target scope_place_target(const struct scope_place *pl);

/* Normalizes a scope string into out: "*", a region code with the
 * zero-padding of its level removed (610302004000 → 610302004), or
 * "station:ID". Returns false for anything else. */
bool scope_normalize(const char *in, char out[SCOPE_MAX]);
/* True if scope covers target. */
bool scope_covers(const char *scope, const struct scope_target *target);
/* True if scope a covers everything scope b covers (b lies within a). */
bool scope_within(const char *outer, const char *inner);

#endif
