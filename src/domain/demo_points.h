/* The demo city's points: the awards the rules make for the demo requests
 * resolved by seed-demo (the consumer run at once, so a server starting
 * later finds nothing left to award), and a few months of direct entries
 * for the demo volunteer, worker and resident — activities, a shift, a
 * task, a redemption — so `make run` shows statements and summaries. */
#ifndef YZ_DOMAIN_DEMO_POINTS_H
#define YZ_DOMAIN_DEMO_POINTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"

/* Unless demo entries exist: awards what the outbox holds, then writes the
 * direct entries dated before now_s. *made gets the entries written. Needs
 * the ledger key, the demo accounts and stations. */
enum rc demo_points_build(struct db *db, int64_t now_s, size_t *made, struct problem *prob);

#endif
