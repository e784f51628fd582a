/* The demo city's love supermarkets (demo_shop.h). */
#include "domain/demo_city.h"
#include "domain/demo_shop.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "domain/account.h"
#include "domain/distribution.h"
#include "domain/points.h"
#include "domain/shop.h"

/* The goods each demo station offers. */
static const struct demo_item {
	const char *name, *description;
	int price, limit, stock;
} goods[] = {
	{ "矿泉水", "550 毫升，一瓶", 5, 0, 48 },
	{ "毛巾", "纯棉，一条", 10, 2, 20 },
	{ "洗衣液", "2 千克装", 30, 1, 12 },
	{ "雨衣", "骑手分体式", 40, 1, 8 },
	{ "暖新大礼包", "保温杯、手套、护膝、充电宝", 200, 1, 0 },
};
#define NGOODS (sizeof(goods) / sizeof(goods[0]))

struct build {
	size_t made;
};

/* The items of one station; the first station's ids into ids. */
static enum rc stock_station(struct db_tx *tx, const struct actor *manager, int64_t station,
			     int64_t ids[NGOODS], struct problem *prob)
{
	enum rc rc = RC_OK;
	for (size_t i = 0; i < NGOODS && rc == RC_OK; i++) {
		const struct demo_item *g = &goods[i];
		struct shop_item_input in = { .name = g->name,
					      .has_name = true,
					      .description = g->description,
					      .has_description = true,
					      .price_points = g->price,
					      .has_price = true,
					      .monthly_limit = g->limit,
					      .has_limit = true };
		rc = shop_item_create(tx, manager, station, &in, &ids[i], prob);
		if (rc == RC_OK && g->stock)
			rc = shop_stock_post(tx, manager->p->account_id, ids[i], "received",
					     g->stock, NULL, "街道统一配送", NULL, prob);
	}
	return rc;
}

static enum rc build_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct build *b = arg;
	struct db *db = db_tx_db(tx);
	b->made = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, "SELECT 1 FROM shop_items LIMIT 1", NULL, 0, &rows, prob);
	if (rc != RC_OK)
		return rc;
	bool done = db_rows_count(rows) > 0;
	db_rows_free(rows);
	if (done)
		return RC_OK;
	struct principal staff_p, manager_p, volunteer_p, worker_p;
	if ((rc = demo_principal(db, "13800000002", &staff_p, prob)) != RC_OK ||
	    (rc = demo_principal(db, "13800000003", &manager_p, prob)) != RC_OK ||
	    (rc = demo_principal(db, "13800000004", &volunteer_p, prob)) != RC_OK ||
	    (rc = demo_principal(db, "13800000005", &worker_p, prob)) != RC_OK)
		return rc == RC_NOT_FOUND ? RC_OK : rc; /* no demo accounts: nothing to show */
	struct actor staff = { .p = &staff_p, .ip = "seed-demo" };
	struct actor manager = { .p = &manager_p, .ip = "seed-demo" };
	struct actor volunteer = { .p = &volunteer_p, .ip = "seed-demo" };
	struct actor worker = { .p = &worker_p, .ip = "seed-demo" };
	/* The manager's station, stocked by its manager; two more of the
	 * street, stocked by the street's staff. */
	int64_t home = 0;
	for (size_t i = 0; i < manager_p.ngrants; i++)
		if (!strncmp(manager_p.grants[i].scope, "station:", 8))
			home = strtoll(manager_p.grants[i].scope + 8, NULL, 10);
	if (!home)
		return RC_OK;
	int64_t ids[NGOODS], other[NGOODS];
	if ((rc = stock_station(tx, &manager, home, ids, prob)) != RC_OK)
		return rc;
	b->made += NGOODS;
	rc = db_q(db,
		  "SELECT id FROM stations WHERE region_code LIKE '610303008%' AND id <> $1"
		  " ORDER BY id LIMIT 2",
		  &rows, prob, DB_I(home));
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; i < db_rows_count(rows) && rc == RC_OK; i++) {
		rc = stock_station(tx, &staff, db_rows_int(rows, i, 0), other, prob);
		b->made += NGOODS;
	}
	db_rows_free(rows);
	if (rc != RC_OK)
		return rc;
	/* A towel handed over to the volunteer, water waiting for the worker. */
	struct redemption r;
	int64_t balance = 0;
	if ((rc = points_balance(db, volunteer_p.account_id, &balance, prob)) != RC_OK)
		return rc;
	if (balance >= goods[1].price) {
		if ((rc = shop_redeem(tx, &volunteer, ids[1], 1, &r, prob)) != RC_OK)
			return rc;
		char code[SHOP_CODE_LEN + 1];
		text_copy(code, sizeof(code), r.code);
		if ((rc = shop_hand_over(tx, &manager, home, code, &r, prob)) != RC_OK)
			return rc;
	}
	if ((rc = points_balance(db, worker_p.account_id, &balance, prob)) != RC_OK)
		return rc;
	if (balance >= goods[0].price &&
	    (rc = shop_redeem(tx, &worker, ids[0], 1, &r, prob)) != RC_OK)
		return rc;
	/* 暖新大礼包 for the street's new-employment workers: stock for each, two
	 * served. */
	struct distribution_input in = { .title = "暖新大礼包",
					 .note = "新就业群体关爱行动",
					 .station_id = home,
					 .item_id = ids[4],
					 .qty_each = 1 };
	text_copy(in.filter.region, sizeof(in.filter.region), "610303008");
	in.filter.categories = PERSON_WORKERS;
	rc = db_q(db,
		  "SELECT COUNT(*) FROM persons WHERE region_code LIKE '610303008%'"
		  " AND deleted_s IS NULL AND (categories & $1) <> 0",
		  &rows, prob, DB_I(PERSON_WORKERS));
	if (rc != RC_OK)
		return rc;
	int64_t riders = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	if (riders == 0 || riders > DISTRIBUTION_PEOPLE_MAX)
		return RC_OK;
	if ((rc = shop_stock_post(tx, staff_p.account_id, ids[4], "received", riders + 10, NULL,
				  "区委组织部配发", NULL, prob)) != RC_OK)
		return rc;
	int64_t dist = 0;
	if ((rc = distribution_create(tx, &staff, &in, &dist, prob)) != RC_OK)
		return rc;
	rc = db_q(db,
		  "SELECT person_id FROM distribution_people WHERE distribution_id = $1"
		  " ORDER BY person_id LIMIT 2",
		  &rows, prob, DB_I(dist));
	for (size_t i = 0; rc == RC_OK && i < db_rows_count(rows); i++) {
		char token[PERSON_CODE_LEN];
		rc = person_code_get(tx, &staff, db_rows_int(rows, i, 0), token, prob);
		if (rc == RC_OK)
			rc = distribution_hand_over(tx, &manager, dist, token, NULL, prob);
	}
	db_rows_free(rows);
	return rc;
}

enum rc demo_shop_build(struct db *db, size_t *made, struct problem *prob)
{
	struct build b = { 0 };
	enum rc rc = db_tx(db, build_tx, &b, prob);
	*made = rc == RC_OK ? b.made : 0;
	return rc;
}
