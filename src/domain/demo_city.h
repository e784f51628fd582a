/* The demo city: 宝鸡市 (Baoji) built from the real region data — about 350
 * stations across its real districts, streets and communities, with levels,
 * themes, "1+N" hub-and-branch groups, amenities, hours (some 24 h, some past
 * midnight), a few temporarily closed — and an estimated point for each
 * community so coverage can be computed. Deterministic for a given seed. */
#ifndef YZ_DOMAIN_DEMO_CITY_H
#define YZ_DOMAIN_DEMO_CITY_H

#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/principal.h"

#define DEMO_CITY_CODE "6103"

struct demo_city_stats {
	size_t communities_located;
	size_t stations;
	size_t hubs;
	size_t closed;
};

/* The id of 金心驿 (龙腾路社区), the station the demo manager runs, or 0 if
 * the demo city is not there. */
enum rc demo_city_featured_station(struct db *db, int64_t *id, struct problem *prob);
/* The demo account with this phone as a signed-in person with its roles,
 * for the demo's other parts that act as the demo people. */
enum rc demo_principal(struct db *db, const char *phone, struct principal *p, struct problem *prob);
/* Places the demo stations (in the caller's transaction). Needs the regions
 * of 宝鸡市 imported. Does nothing if any station exists already (stats all
 * zero). */
enum rc demo_city_build(struct db_tx *tx, const struct actor *actor, uint64_t seed,
			struct demo_city_stats *st, struct problem *prob);

#endif
