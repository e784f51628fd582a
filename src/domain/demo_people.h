/* The demo city's people: the ledger a street would have after its 摸排 —
 * a few thousand riders, couriers, drivers, residents and party members
 * over the urban streets of 金台区 and 渭滨区, their work sites (快递、外卖
 * 站点), teams (红色先锋队, 新渭骑士 …), the courier industry's party
 * committee with its joint branches, community grids, claimed volunteer
 * roles and a month of check-ins — so the ledger shows real-looking counts
 * on first start. Deterministic for a given seed; numbers start 198/199 so
 * they never meet a real one in a test. */
#ifndef YZ_DOMAIN_DEMO_PEOPLE_H
#define YZ_DOMAIN_DEMO_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"

struct demo_people_stats {
	size_t people, work_sites, teams, party_orgs, grids, checkins;
};

/* Builds the population in the caller's transaction; needs the demo
 * stations (demo_city_build). Does nothing if the ledger has anyone. */
enum rc demo_people_build(struct db_tx *tx, const struct actor *actor, uint64_t seed, size_t people,
			  struct demo_people_stats *st, struct problem *prob);

#endif
