/* The demo city's love supermarkets: goods with stock at a few stations of
 * 卧龙寺街道 (received through the stock ledger), a redemption waiting to be
 * collected and one handed over, and a 暖新大礼包 distribution to the
 * street's couriers and riders with two already served — all made through the shop's
 * own commands by the demo accounts, so `make run` shows them. */
#ifndef YZ_DOMAIN_DEMO_SHOP_H
#define YZ_DOMAIN_DEMO_SHOP_H

#include <stddef.h>

#include "core/problem.h"
#include "db/db.h"

/* Builds them in one transaction unless any shop item exists; needs the
 * ledger key, the demo accounts, stations, people and points. *made gets
 * how many items were made. */
enum rc demo_shop_build(struct db *db, size_t *made, struct problem *prob);

#endif
