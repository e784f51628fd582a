/* The love supermarket (爱心超市): goods a station gives for points.
 *
 * An item belongs to one station: a name, a price in points, a limit per
 * person per month (0: none), active or not, and its stock. The stock is
 * the running sum of the item's stock ledger (stock_moves): received (+),
 * redeemed (−), handed_out (− a distribution's batch), written_off (−,
 * with a note), returned (+ a refund or a distribution's leftovers). Every
 * move is numbered per item and chained with an HMAC keyed outside the
 * database (domain/chain.h, kind "stock"), and written with the item's
 * stock in one statement, so the two never disagree and stock never goes
 * below zero.
 *
 * A redemption, in one transaction: the item's stock is taken, the month's
 * limit checked (after the item's row is locked, so two at once cannot
 * both pass), the points spent (domain/points.h), the move and the
 * redemption written with a pick-up code. Any refusal writes nothing.
 * The code (8 digits) is derived from a nonce with the key outside the
 * database and stored only as a keyed hash: the redeemer sees it, a
 * manager of the station scans or types it to hand the goods over, once.
 * Redemptions not collected within SHOP_REFUND_AFTER_S are refunded by a
 * background job: the points back, the stock back, the redeemer told.
 *
 * Who may: the station's manager and staff of its region (ACT_SHOP_MANAGE
 * at the station) manage items, stock and hand-overs; anyone signed in
 * redeems an active item. Each command records its audit row and an
 * outbox event ("shop.…") in the caller's transaction. */
#ifndef YZ_DOMAIN_SHOP_H
#define YZ_DOMAIN_SHOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/field.h"
#include "domain/permission.h"

#define SHOP_NAME_MAX	    40	/* characters */
#define SHOP_TEXT_MAX	    500 /* description, note */
#define SHOP_PRICE_MAX	    1000000
#define SHOP_QTY_MAX	    100000 /* one move */
#define SHOP_REDEEM_QTY_MAX 20
#define SHOP_CODE_LEN	    8
#define SHOP_REFUND_AFTER_S (14 * 86400)
#define SHOP_CODE_CAP	    80 /* a scanned code: digits, or a person's token */

struct shop_item {
	int64_t id;
	int64_t station_id;
	char station_name[241];
	char region_code[13];
	char name[SHOP_NAME_MAX * 4 + 1];
	char description[SHOP_TEXT_MAX * 4 + 1];
	int64_t photo_id; /* 0: none */
	int64_t price_points;
	int monthly_limit; /* 0: none */
	bool active;
	int64_t stock;
	int64_t created_s, updated_s;
};

/* What a create or an update sets; a field is given when its has_ flag is
 * set (a create needs name and price). Text is borrowed. */
struct shop_item_input {
	const char *name, *description;
	bool has_name, has_description;
	int64_t price_points;
	bool has_price;
	int64_t monthly_limit;
	bool has_limit;
	bool active, has_active;
	int64_t photo_id; /* a photo of the station; 0 with has_photo: none */
	bool has_photo;
};

/* Adds an item to station_id (ACT_SHOP_MANAGE there), stock 0. */
enum rc shop_item_create(struct db_tx *tx, const struct actor *actor, int64_t station_id,
			 const struct shop_item_input *in, int64_t *id, struct problem *prob);
/* Changes the fields given (ACT_SHOP_MANAGE at its station). Stock changes
 * only through moves. */
enum rc shop_item_update(struct db_tx *tx, const struct actor *actor, int64_t id,
			 const struct shop_item_input *in, struct problem *prob);
/* Reads item id: anyone when active, the station's managers always. */
enum rc shop_item_read(struct db *db, const struct principal *viewer, int64_t id,
		       struct shop_item *out, struct problem *prob);
/* The items of station_id, by name: the active ones, and when viewer
 * manages the station and all is set, the inactive too. *items *new*. */
enum rc shop_items_list(struct db *db, const struct principal *viewer, int64_t station_id, bool all,
			struct shop_item **items, size_t *n, struct problem *prob);
/* Station id's region into region, and whether p manages its shop (its
 * manager, the hub's, or staff of its region); RC_NOT_FOUND if there is no
 * such station. */
enum rc shop_station_managed(struct db *db, const struct principal *p, int64_t station_id,
			     char region[13], bool *managed, struct problem *prob);
/* True if viewer may manage the shop of station_id. */
bool shop_may_manage(struct db *db, const struct principal *viewer, int64_t station_id);

/* One row of the stock ledger. */
struct stock_move {
	int64_t id, item_id, seq;
	char kind[16];
	int64_t qty, stock_after;
	char ref_kind[16];
	int64_t ref_id;
	int64_t account_id;
	char account_name[97];
	char note[SHOP_TEXT_MAX * 4 + 1];
	int64_t created_s;
};

/* A move's kinds, with their names. */
extern const struct field_choice stock_move_kinds[];

/* What a move is about (a redemption, a distribution); NULL kind: nothing. */
struct stock_ref {
	const char *kind;
	int64_t id;
};

/* Adds qty (signed, nonzero) to item_id's stock as one move of kind in the
 * caller's transaction: the item's stock and seq changed in one statement
 * (RC_CONFLICT "stock-short" naming what is left when it would go below
 * zero), the move chained after the item's last. No permission check: the
 * caller's command has made it. *stock_after (may be NULL) gets the new
 * stock. */
enum rc shop_stock_post(struct db_tx *tx, int64_t account_id, int64_t item_id, const char *kind,
			int64_t qty, const struct stock_ref *ref, const char *note,
			int64_t *stock_after, struct problem *prob);

/* A manager's move: kind "received" (qty > 0) or "written_off" (qty > 0
 * taken, a note required), ACT_SHOP_MANAGE at the item's station; audit
 * and a "shop.stock" event. */
enum rc shop_stock_change(struct db_tx *tx, const struct actor *actor, int64_t item_id,
			  const char *kind, int64_t qty, const char *note, int64_t *stock_after,
			  struct problem *prob);
/* The item's ledger, newest first, before seq before_seq (0: from the
 * newest), at most limit; ACT_SHOP_MANAGE at its station. *items *new*. */
enum rc shop_stock_moves(struct db *db, const struct principal *viewer, int64_t item_id,
			 int64_t before_seq, size_t limit, struct stock_move **items, size_t *n,
			 struct problem *prob);

/* Redemptions. */
struct redemption {
	int64_t id, item_id, station_id, account_id;
	char item_name[SHOP_NAME_MAX * 4 + 1];
	char station_name[241];
	char account_name[97];
	int qty;
	int64_t points;
	char state[16];		      /* reserved, handed_over, refunded */
	char code[SHOP_CODE_LEN + 1]; /* only for the redeemer; "" otherwise */
	int64_t created_s, handed_s, refunded_s, due_s;
};

/* Redeems qty of item_id for the actor (signed in, the item active): in
 * the caller's transaction, everything or nothing. RC_CONFLICT naming the
 * rule broken: "stock-short", "monthly-limit", "points-short". out gets
 * the redemption with its code. */
enum rc shop_redeem(struct db_tx *tx, const struct actor *actor, int64_t item_id, int qty,
		    struct redemption *out, struct problem *prob);
/* Hands over the redemption whose code is code at station_id: the actor
 * manages the station (RC_FORBIDDEN), the code is one of the station's
 * (RC_NOT_FOUND "code-unknown"), still reserved (RC_CONFLICT "code-used",
 * "code-refunded"). out gets it as it is after. */
enum rc shop_hand_over(struct db_tx *tx, const struct actor *actor, int64_t station_id,
		       const char *code, struct redemption *out, struct problem *prob);

struct redemption_filter {
	int64_t account_id; /* the viewer's own (with codes) when set */
	int64_t station_id; /* a station's (its managers) when set */
	const char *state;  /* NULL: any */
};
/* Newest first, before before_id (0: from the newest), at most limit.
 * Mine: the viewer's own, with their codes while reserved. A station's:
 * ACT_SHOP_MANAGE there, without codes. *items *new*. */
enum rc shop_redemptions(struct db *db, const struct principal *viewer,
			 const struct redemption_filter *f, int64_t before_id, size_t limit,
			 struct redemption **items, size_t *n, struct problem *prob);

/* One pass of the refund job at now_s: each redemption still reserved
 * SHOP_REFUND_AFTER_S after it was made is refunded once (claimed with
 * its state, so two servers never refund one twice): points back, stock
 * back, the redeemer told. *refunded gets how many. */
enum rc shop_refund_due(struct db *db, int64_t now_s, int *refunded, struct problem *prob);

/* The stock ledger's chains, one per item, for `yizhan verify`. */
struct chain_kind;
extern const struct chain_kind shop_stock_chain;

/* Station id's region and hub, for scope checks; RC_NOT_FOUND. */
enum rc shop_station_place(struct db *db, int64_t station_id, char region[13], int64_t *hub_id,
			   char *name, size_t name_cap, struct problem *prob);

#endif
