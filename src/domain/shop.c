/* The love supermarket: items, their stock ledger, redemptions with
 * pick-up codes, hand-overs and refunds (shop.h). */
#include "domain/shop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/chain.h"
#include "domain/events.h"
#include "domain/inbox.h"
#include "domain/points.h"
#include "domain/secret.h"

const struct field_choice stock_move_kinds[] = {
	{ "received", "入库", "Received" },	{ "redeemed", "积分兑换", "Redeemed" },
	{ "handed_out", "发放", "Handed out" }, { "written_off", "报损", "Written off" },
	{ "returned", "退回", "Returned" },	{ NULL, NULL, NULL },
};

/* Places and permission */

enum rc shop_station_place(struct db *db, int64_t station_id, char region[13], int64_t *hub_id,
			   char *name, size_t name_cap, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT region_code, parent_id, name FROM stations WHERE id = $1",
			  &rows, prob, DB_I(station_id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) != 1) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个驿站");
	}
	text_copy(region, 13, db_rows_text(rows, 0, 0));
	*hub_id = db_rows_int(rows, 0, 1);
	if (name)
		text_copy(name, name_cap, db_rows_text(rows, 0, 2));
	db_rows_free(rows);
	return RC_OK;
}

static bool manages(const struct principal *p, int64_t station_id, const char *region,
		    int64_t hub_id)
{
	struct scope_target t = { .region = region, .station_id = station_id, .hub_id = hub_id };
	return p && permission_allows(p, ACT_SHOP_MANAGE, &t);
}

enum rc shop_station_managed(struct db *db, const struct principal *p, int64_t station_id,
			     char region[13], bool *managed, struct problem *prob)
{
	int64_t hub = 0;
	*managed = false;
	enum rc rc = shop_station_place(db, station_id, region, &hub, NULL, 0, prob);
	if (rc == RC_OK)
		*managed = manages(p, station_id, region, hub);
	return rc;
}

bool shop_may_manage(struct db *db, const struct principal *viewer, int64_t station_id)
{
	char region[13];
	bool managed = false;
	struct problem prob;
	problem_init(&prob);
	shop_station_managed(db, viewer, station_id, region, &managed, &prob);
	return managed;
}

/* RC_FORBIDDEN unless actor manages station_id (RC_NOT_FOUND if there is
 * no such station). */
static enum rc need_manager(struct db *db, const struct principal *p, int64_t station_id,
			    char region[13], struct problem *prob)
{
	bool managed = false;
	enum rc rc = shop_station_managed(db, p, station_id, region, &managed, prob);
	if (rc == RC_OK && !managed)
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有本驿站的站长和辖区工作人员可以管理爱心超市");
	return rc;
}

/* Items */

#define ITEM_COLS                                                                       \
	"i.id, i.station_id, s.name, s.region_code, i.name, i.description, i.photo_id," \
	" i.price_points, i.monthly_limit, i.active, i.stock, i.created_s, i.updated_s" \
	" FROM shop_items i JOIN stations s ON s.id = i.station_id"

static void item_from_row(const struct db_rows *rows, size_t i, struct shop_item *it)
{
	memset(it, 0, sizeof(*it));
	size_t c = 0;
	it->id = db_rows_int(rows, i, c++);
	it->station_id = db_rows_int(rows, i, c++);
	text_copy(it->station_name, sizeof(it->station_name), db_rows_text(rows, i, c++));
	text_copy(it->region_code, sizeof(it->region_code), db_rows_text(rows, i, c++));
	text_copy(it->name, sizeof(it->name), db_rows_text(rows, i, c++));
	text_copy(it->description, sizeof(it->description), db_rows_text(rows, i, c++));
	it->photo_id = db_rows_int(rows, i, c++);
	it->price_points = db_rows_int(rows, i, c++);
	it->monthly_limit = (int)db_rows_int(rows, i, c++);
	it->active = db_rows_int(rows, i, c++) != 0;
	it->stock = db_rows_int(rows, i, c++);
	it->created_s = db_rows_int(rows, i, c++);
	it->updated_s = db_rows_int(rows, i, c++);
}

static enum rc item_load(struct db *db, int64_t id, struct shop_item *out, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT " ITEM_COLS " WHERE i.id = $1", &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	bool found = db_rows_count(rows) == 1;
	if (found)
		item_from_row(rows, 0, out);
	db_rows_free(rows);
	return found ? RC_OK : problem_set(prob, RC_NOT_FOUND, "not-found", "没有这件商品");
}

static void item_check(const struct shop_item_input *in, bool create, struct problem *prob)
{
	if (create || in->has_name)
		field_text_ok(prob, "name", in->name, SHOP_NAME_MAX, true, false);
	if (in->has_description)
		field_text_ok(prob, "description", in->description, SHOP_TEXT_MAX, false, true);
	if ((create || in->has_price) &&
	    (!in->has_price || in->price_points < 1 || in->price_points > SHOP_PRICE_MAX))
		problem_field(prob, "price_points", "兑换所需积分应为 1–%d 的整数", SHOP_PRICE_MAX);
	if (in->has_limit && (in->monthly_limit < 0 || in->monthly_limit > 1000))
		problem_field(prob, "monthly_limit", "每人每月限兑应为 0–1000 件（0 为不限）");
}

/* A photo given for an item must be one of its station's. */
static enum rc photo_check(struct db *db, const struct shop_item_input *in, int64_t station_id,
			   struct problem *prob)
{
	if (!in->has_photo || !in->photo_id)
		return RC_OK;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT 1 FROM station_photos WHERE photo_id = $1 AND station_id = $2",
			  &rows, prob, DB_I(in->photo_id), DB_I(station_id));
	if (rc == RC_OK && db_rows_count(rows) == 0)
		problem_field(prob, "photo_id", "应为本驿站已上传的照片");
	db_rows_free(rows);
	return rc;
}

/* The audit row and the event of a change to item it. */
static enum rc record(struct db_tx *tx, const struct actor *actor, const char *action,
		      const char *object_type, int64_t object_id, const char *region,
		      int64_t station_id, int64_t to_account, struct audit_detail *d,
		      const char *data, struct problem *prob)
{
	enum rc rc = audit_record_id(tx, actor, action, object_type, object_id, region, d, prob);
	if (rc != RC_OK)
		return rc;
	char sid[24];
	snprintf(sid, sizeof(sid), "%lld", (long long)object_id);
	struct event_audience to = { .region_code = region,
				     .station_id = station_id,
				     .account_id = to_account,
				     .data = data };
	return events_record_to(tx, action, sid, &to, prob);
}

static void item_data(struct sb *sb, const struct shop_item *it)
{
	sb_addf(sb, "{\"item_id\":%lld,\"name\":", (long long)it->id);
	sb_add_json_string(sb, it->name);
	sb_addf(sb, ",\"stock\":%lld,\"station_id\":%lld}", (long long)it->stock,
		(long long)it->station_id);
}

enum rc shop_item_create(struct db_tx *tx, const struct actor *actor, int64_t station_id,
			 const struct shop_item_input *in, int64_t *id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	char region[13];
	enum rc rc = need_manager(db, actor->p, station_id, region, prob);
	if (rc != RC_OK)
		return rc;
	item_check(in, true, prob);
	if ((rc = photo_check(db, in, station_id, prob)) != RC_OK)
		return rc;
	if (problem_has_fields(prob))
		return RC_INVALID;
	int64_t now = clock_now_s();
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "INSERT INTO shop_items (station_id, name, description, photo_id, price_points,"
		  " monthly_limit, active, stock, seq, created_s, updated_s)"
		  " VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, $8, $8) RETURNING id",
		  &rows, prob, DB_I(station_id), DB_T(in->name),
		  DB_T(in->has_description && in->description ? in->description : ""),
		  DB_IOPT(in->has_photo && in->photo_id, in->photo_id), DB_I(in->price_points),
		  DB_I(in->has_limit ? in->monthly_limit : 0),
		  DB_I(in->has_active && !in->active ? 0 : 1), DB_I(now));
	if (rc != RC_OK)
		return rc;
	*id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	struct shop_item it;
	if ((rc = item_load(db, *id, &it, prob)) != RC_OK)
		return rc;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_str(&d, "name", it.name);
	audit_detail_int(&d, "price_points", it.price_points);
	audit_detail_int(&d, "station_id", station_id);
	struct sb data = SB_INIT;
	item_data(&data, &it);
	rc = record(tx, actor, "shop.item_created", "shop_item", *id, region, station_id, 0, &d,
		    sb_str(&data), prob);
	sb_release(&data);
	audit_detail_release(&d);
	return rc;
}

enum rc shop_item_update(struct db_tx *tx, const struct actor *actor, int64_t id,
			 const struct shop_item_input *in, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct shop_item it;
	enum rc rc = item_load(db, id, &it, prob);
	if (rc != RC_OK)
		return rc;
	char region[13];
	if ((rc = need_manager(db, actor->p, it.station_id, region, prob)) != RC_OK)
		return rc;
	item_check(in, false, prob);
	if ((rc = photo_check(db, in, it.station_id, prob)) != RC_OK)
		return rc;
	if (problem_has_fields(prob))
		return RC_INVALID;
	rc = db_q(db,
		  "UPDATE shop_items SET name = CASE WHEN $2 = 1 THEN $3 ELSE name END,"
		  " description = CASE WHEN $4 = 1 THEN $5 ELSE description END,"
		  " price_points = CASE WHEN $6 = 1 THEN $7 ELSE price_points END,"
		  " monthly_limit = CASE WHEN $8 = 1 THEN $9 ELSE monthly_limit END,"
		  " active = CASE WHEN $10 = 1 THEN $11 ELSE active END,"
		  " photo_id = CASE WHEN $12 = 1 THEN $13 ELSE photo_id END,"
		  " updated_s = $14 WHERE id = $1",
		  NULL, prob, DB_I(id), DB_I(in->has_name), DB_T(in->has_name ? in->name : ""),
		  DB_I(in->has_description),
		  DB_T(in->has_description && in->description ? in->description : ""),
		  DB_I(in->has_price), DB_I(in->price_points), DB_I(in->has_limit),
		  DB_I(in->monthly_limit), DB_I(in->has_active), DB_I(in->active ? 1 : 0),
		  DB_I(in->has_photo), DB_IOPT(in->has_photo && in->photo_id, in->photo_id),
		  DB_I(clock_now_s()));
	if (rc != RC_OK)
		return rc;
	if ((rc = item_load(db, id, &it, prob)) != RC_OK)
		return rc;
	struct audit_detail d;
	audit_detail_init(&d);
	if (in->has_name)
		audit_detail_str(&d, "name", it.name);
	if (in->has_price)
		audit_detail_int(&d, "price_points", it.price_points);
	if (in->has_limit)
		audit_detail_int(&d, "monthly_limit", it.monthly_limit);
	if (in->has_active)
		audit_detail_int(&d, "active", it.active);
	struct sb data = SB_INIT;
	item_data(&data, &it);
	rc = record(tx, actor, "shop.item_changed", "shop_item", id, region, it.station_id, 0, &d,
		    sb_str(&data), prob);
	sb_release(&data);
	audit_detail_release(&d);
	return rc;
}

enum rc shop_item_read(struct db *db, const struct principal *viewer, int64_t id,
		       struct shop_item *out, struct problem *prob)
{
	enum rc rc = item_load(db, id, out, prob);
	if (rc != RC_OK)
		return rc;
	if (!out->active && !shop_may_manage(db, viewer, out->station_id))
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这件商品");
	return RC_OK;
}

enum rc shop_items_list(struct db *db, const struct principal *viewer, int64_t station_id, bool all,
			struct shop_item **items, size_t *n, struct problem *prob)
{
	*items = NULL;
	*n = 0;
	char region[13], name[8];
	int64_t hub = 0;
	enum rc rc = shop_station_place(db, station_id, region, &hub, name, sizeof(name), prob);
	if (rc != RC_OK)
		return rc;
	if (all && !manages(viewer, station_id, region, hub))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有本驿站的站长和辖区工作人员可以看到下架的商品");
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "SELECT " ITEM_COLS " WHERE i.station_id = $1 AND ($2 = 1 OR i.active = 1)"
		  " ORDER BY i.active DESC, i.name, i.id",
		  &rows, prob, DB_I(station_id), DB_I(all ? 1 : 0));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count; i++)
		item_from_row(rows, i, &(*items)[i]);
	*n = count;
	db_rows_free(rows);
	return RC_OK;
}

/* The stock ledger */

static bool move_kind_known(const char *kind)
{
	for (size_t i = 0; kind && stock_move_kinds[i].code; i++)
		if (!strcmp(stock_move_kinds[i].code, kind))
			return true;
	return false;
}

/* The canonical text of a move, as the chain covers it (chain.h). */
static void move_canon(struct sb *sb, int64_t item_id, int64_t seq, const char *kind, int64_t qty,
		       int64_t stock_after, const char *ref_kind, int64_t ref_id,
		       int64_t account_id, const char *note, int64_t created_s)
{
	chain_canon_int(sb, "item_id", item_id);
	chain_canon_int(sb, "seq", seq);
	chain_canon_text(sb, "kind", kind);
	chain_canon_int(sb, "qty", qty);
	chain_canon_int(sb, "stock_after", stock_after);
	chain_canon_text(sb, "ref_kind", ref_kind);
	chain_canon_int(sb, "ref_id", ref_id);
	chain_canon_int(sb, "account_id", account_id);
	chain_canon_text(sb, "note", note);
	chain_canon_int(sb, "created_s", created_s);
}

static void move_canon_row(const struct db_rows *rows, size_t i, struct sb *out)
{
	move_canon(out, db_rows_int(rows, i, 0), db_rows_int(rows, i, 1), db_rows_text(rows, i, 4),
		   db_rows_int(rows, i, 5), db_rows_int(rows, i, 6), db_rows_text(rows, i, 7),
		   db_rows_int(rows, i, 8), db_rows_int(rows, i, 9), db_rows_text(rows, i, 10),
		   db_rows_int(rows, i, 11));
}

const struct chain_kind shop_stock_chain = {
	.name = "stock",
	.entries_sql = "SELECT item_id, seq, id, mac, kind, qty, stock_after, ref_kind, ref_id,"
		       " account_id, note, created_s FROM stock_moves"
		       " WHERE (item_id > $1 OR (item_id = $1 AND seq > $2))"
		       " ORDER BY item_id, seq LIMIT $3",
	.heads_sql = "SELECT id, seq, head_mac FROM shop_items WHERE id > $1 AND seq > 0"
		     " ORDER BY id LIMIT $2",
	.canon = move_canon_row,
};

enum rc shop_stock_post(struct db_tx *tx, int64_t account_id, int64_t item_id, const char *kind,
			int64_t qty, const struct stock_ref *ref, const char *note,
			int64_t *stock_after, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (!move_kind_known(kind) || qty == 0)
		return problem_set(prob, RC_INTERNAL, "internal", "库存变动有误");
	int64_t now = clock_now_s();
	/* One statement takes the stock and the next number: it locks the
	 * item's row, so moves of one item are written one after another, and
	 * gives the head of its chain (RETURNING shows head_mac unchanged). */
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "UPDATE shop_items SET stock = stock + $2, seq = seq + 1, updated_s = $3"
			  " WHERE id = $1 AND stock + $2 >= 0 RETURNING stock, seq, head_mac",
			  &rows, prob, DB_I(item_id), DB_I(qty), DB_I(now));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) != 1) {
		db_rows_free(rows);
		rows = NULL;
		rc = db_q(db, "SELECT stock FROM shop_items WHERE id = $1", &rows, prob,
			  DB_I(item_id));
		if (rc != RC_OK)
			return rc;
		bool found = db_rows_count(rows) == 1;
		int64_t left = found ? db_rows_int(rows, 0, 0) : 0;
		db_rows_free(rows);
		if (!found)
			return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这件商品");
		return problem_set(prob, RC_CONFLICT, "stock-short",
				   "库存不足：还剩 %lld 件，需要 %lld 件", (long long)left,
				   (long long)-qty);
	}
	int64_t stock = db_rows_int(rows, 0, 0), seq = db_rows_int(rows, 0, 1);
	char prev[CHAIN_MAC_HEX];
	text_copy(prev, sizeof(prev), db_rows_text(rows, 0, 2));
	db_rows_free(rows);
	const char *ref_kind = ref && ref->kind ? ref->kind : NULL;
	int64_t ref_id = ref_kind ? ref->id : 0;
	const char *note_v = note && *note ? note : NULL;
	struct sb canon = SB_INIT;
	move_canon(&canon, item_id, seq, kind, qty, stock, ref_kind, ref_id, account_id, note_v,
		   now);
	char mac[CHAIN_MAC_HEX];
	bool made = chain_mac(prev, sb_str(&canon), canon.len, mac);
	sb_release(&canon);
	if (!made)
		return problem_set(prob, RC_INTERNAL, "internal", "账本密钥未设置");
	rc = db_q(db,
		  "INSERT INTO stock_moves (item_id, seq, kind, qty, stock_after, ref_kind, ref_id,"
		  " account_id, note, created_s, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
		  " $10, $11)",
		  NULL, prob, DB_I(item_id), DB_I(seq), DB_T(kind), DB_I(qty), DB_I(stock),
		  DB_T(ref_kind), DB_IOPT(ref_kind, ref_id), DB_IOPT(account_id != 0, account_id),
		  DB_T(note_v), DB_I(now), DB_T(mac));
	if (rc == RC_OK)
		rc = db_q(db, "UPDATE shop_items SET head_mac = $2 WHERE id = $1", NULL, prob,
			  DB_I(item_id), DB_T(mac));
	if (rc == RC_OK && stock_after)
		*stock_after = stock;
	return rc;
}

enum rc shop_stock_change(struct db_tx *tx, const struct actor *actor, int64_t item_id,
			  const char *kind, int64_t qty, const char *note, int64_t *stock_after,
			  struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	bool receive = kind && !strcmp(kind, "received");
	bool write_off = kind && !strcmp(kind, "written_off");
	if (!receive && !write_off)
		problem_field(prob, "kind", "应为 received（入库）或 written_off（报损）");
	if (qty < 1 || qty > SHOP_QTY_MAX)
		problem_field(prob, "qty", "数量应为 1–%d 的整数", SHOP_QTY_MAX);
	if (write_off && (!note || !*note))
		problem_field(prob, "note", "报损要写明原因");
	else
		field_text_ok(prob, "note", note, SHOP_TEXT_MAX, false, true);
	if (problem_has_fields(prob))
		return RC_INVALID;
	struct shop_item it;
	enum rc rc = item_load(db, item_id, &it, prob);
	if (rc != RC_OK)
		return rc;
	char region[13];
	if ((rc = need_manager(db, actor->p, it.station_id, region, prob)) != RC_OK)
		return rc;
	int64_t after = 0;
	rc = shop_stock_post(tx, actor->p->account_id, item_id, kind, receive ? qty : -qty, NULL,
			     note, &after, prob);
	if (rc != RC_OK)
		return rc;
	if (stock_after)
		*stock_after = after;
	it.stock = after;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_str(&d, "kind", kind);
	audit_detail_int(&d, "qty", qty);
	audit_detail_int(&d, "stock", after);
	struct sb data = SB_INIT;
	item_data(&data, &it);
	rc = record(tx, actor, receive ? "shop.received" : "shop.written_off", "shop_item", item_id,
		    region, it.station_id, 0, &d, sb_str(&data), prob);
	sb_release(&data);
	audit_detail_release(&d);
	return rc;
}

enum rc shop_stock_moves(struct db *db, const struct principal *viewer, int64_t item_id,
			 int64_t before_seq, size_t limit, struct stock_move **items, size_t *n,
			 struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct shop_item it;
	enum rc rc = item_load(db, item_id, &it, prob);
	if (rc != RC_OK)
		return rc;
	char region[13];
	if ((rc = need_manager(db, viewer, it.station_id, region, prob)) != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "SELECT m.id, m.seq, m.kind, m.qty, m.stock_after, m.ref_kind, m.ref_id,"
		  " m.account_id, a.name, m.note, m.created_s FROM stock_moves m"
		  " LEFT JOIN accounts a ON a.id = m.account_id"
		  " WHERE m.item_id = $1 AND ($2 = 0 OR m.seq < $2) ORDER BY m.seq DESC LIMIT $3",
		  &rows, prob, DB_I(item_id), DB_I(before_seq), DB_I((int64_t)limit));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count; i++) {
		struct stock_move *m = &(*items)[i];
		size_t c = 0;
		m->item_id = item_id;
		m->id = db_rows_int(rows, i, c++);
		m->seq = db_rows_int(rows, i, c++);
		text_copy(m->kind, sizeof(m->kind), db_rows_text(rows, i, c++));
		m->qty = db_rows_int(rows, i, c++);
		m->stock_after = db_rows_int(rows, i, c++);
		text_copy(m->ref_kind, sizeof(m->ref_kind),
			  db_rows_null(rows, i, c) ? "" : db_rows_text(rows, i, c));
		c++;
		m->ref_id = db_rows_int(rows, i, c++);
		m->account_id = db_rows_int(rows, i, c++);
		text_copy(m->account_name, sizeof(m->account_name),
			  db_rows_null(rows, i, c) ? "" : db_rows_text(rows, i, c));
		c++;
		text_copy(m->note, sizeof(m->note),
			  db_rows_null(rows, i, c) ? "" : db_rows_text(rows, i, c));
		c++;
		m->created_s = db_rows_int(rows, i, c++);
	}
	*n = count;
	db_rows_free(rows);
	return RC_OK;
}

/* Pick-up codes */

/* The code of a redemption: SHOP_CODE_LEN digits drawn from the keyed
 * hash of its nonce, so only a holder of the key can compute it. */
static enum rc code_of(const char *nonce, char code[SHOP_CODE_LEN + 1], struct problem *prob)
{
	char mac[CHAIN_MAC_HEX];
	if (!chain_mac("pickup-code", nonce, strlen(nonce), mac))
		return problem_set(prob, RC_INTERNAL, "internal", "账本密钥未设置");
	/* 15 hex digits: 60 bits, far more than 8 decimal digits take. */
	uint64_t v = 0;
	for (int i = 0; i < 15; i++)
		v = (v << 4) | (uint64_t)(mac[i] <= '9' ? mac[i] - '0' : mac[i] - 'a' + 10);
	for (int i = SHOP_CODE_LEN - 1; i >= 0; i--) {
		code[i] = (char)('0' + v % 10);
		v /= 10;
	}
	code[SHOP_CODE_LEN] = '\0';
	return RC_OK;
}

/* How a code is found: the keyed hash of "station:code". */
static enum rc code_hash(int64_t station_id, const char *code, char out[CHAIN_MAC_HEX],
			 struct problem *prob)
{
	char msg[64];
	int len = snprintf(msg, sizeof(msg), "%lld:%s", (long long)station_id, code);
	if (!chain_mac("pickup-lookup", msg, (size_t)len, out))
		return problem_set(prob, RC_INTERNAL, "internal", "账本密钥未设置");
	return RC_OK;
}

/* A scanned or typed code: its digits alone (spaces and dashes dropped). */
static bool code_normalize(const char *in, char out[SHOP_CODE_LEN + 1])
{
	size_t n = 0;
	for (const char *p = in; p && *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (*p < '0' || *p > '9' || n == SHOP_CODE_LEN)
			return false;
		out[n++] = *p;
	}
	out[n] = '\0';
	return n == SHOP_CODE_LEN;
}

/* Redemptions */

#define RED_COLS                                                                      \
	"r.id, r.item_id, r.station_id, r.account_id, i.name, s.name, a.name, r.qty," \
	" r.points, r.state, r.code_nonce, r.created_s, r.handed_s, r.refunded_s"     \
	" FROM redemptions r JOIN shop_items i ON i.id = r.item_id"                   \
	" JOIN stations s ON s.id = r.station_id JOIN accounts a ON a.id = r.account_id"

static enum rc red_from_row(const struct db_rows *rows, size_t i, bool with_code,
			    struct redemption *r, struct problem *prob)
{
	memset(r, 0, sizeof(*r));
	size_t c = 0;
	r->id = db_rows_int(rows, i, c++);
	r->item_id = db_rows_int(rows, i, c++);
	r->station_id = db_rows_int(rows, i, c++);
	r->account_id = db_rows_int(rows, i, c++);
	text_copy(r->item_name, sizeof(r->item_name), db_rows_text(rows, i, c++));
	text_copy(r->station_name, sizeof(r->station_name), db_rows_text(rows, i, c++));
	text_copy(r->account_name, sizeof(r->account_name), db_rows_text(rows, i, c++));
	r->qty = (int)db_rows_int(rows, i, c++);
	r->points = db_rows_int(rows, i, c++);
	text_copy(r->state, sizeof(r->state), db_rows_text(rows, i, c++));
	const char *nonce = db_rows_text(rows, i, c++);
	r->created_s = db_rows_int(rows, i, c++);
	r->handed_s = db_rows_int(rows, i, c++);
	r->refunded_s = db_rows_int(rows, i, c++);
	r->due_s = r->created_s + SHOP_REFUND_AFTER_S;
	if (with_code && !strcmp(r->state, "reserved"))
		return code_of(nonce, r->code, prob);
	return RC_OK;
}

static enum rc red_load(struct db *db, int64_t id, bool with_code, struct redemption *out,
			struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT " RED_COLS " WHERE r.id = $1", &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) != 1) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这笔兑换");
	}
	rc = red_from_row(rows, 0, with_code, out, prob);
	db_rows_free(rows);
	return rc;
}

static void red_data(struct sb *sb, const struct redemption *r)
{
	sb_addf(sb, "{\"redemption_id\":%lld,\"item_id\":%lld,\"item\":", (long long)r->id,
		(long long)r->item_id);
	sb_add_json_string(sb, r->item_name);
	sb_addf(sb, ",\"qty\":%d,\"points\":%lld,\"state\":", r->qty, (long long)r->points);
	sb_add_json_string(sb, r->state);
	sb_addlit(sb, "}");
}

static enum rc red_record(struct db_tx *tx, const struct actor *actor, const char *action,
			  const struct redemption *r, const char *region, struct problem *prob)
{
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "item_id", r->item_id);
	audit_detail_int(&d, "qty", r->qty);
	audit_detail_int(&d, "points", r->points);
	audit_detail_int(&d, "account_id", r->account_id);
	struct sb data = SB_INIT;
	red_data(&data, r);
	enum rc rc = record(tx, actor, action, "redemption", r->id, region, r->station_id,
			    r->account_id, &d, sb_str(&data), prob);
	sb_release(&data);
	audit_detail_release(&d);
	return rc;
}

enum rc shop_redeem(struct db_tx *tx, const struct actor *actor, int64_t item_id, int qty,
		    struct redemption *out, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	memset(out, 0, sizeof(*out));
	if (!actor->p || !actor->p->account_id)
		return problem_set(prob, RC_UNAUTHORIZED, "unauthenticated", "请先登录");
	if (qty < 1 || qty > SHOP_REDEEM_QTY_MAX) {
		problem_field(prob, "qty", "每次兑换 1–%d 件", SHOP_REDEEM_QTY_MAX);
		return RC_INVALID;
	}
	struct shop_item it;
	enum rc rc = item_load(db, item_id, &it, prob);
	if (rc != RC_OK)
		return rc;
	if (!it.active)
		return problem_set(prob, RC_CONFLICT, "item-inactive", "这件商品已下架");
	int64_t account = actor->p->account_id;
	int64_t points = it.price_points * qty;
	/* A nonce whose code no other redemption of the station has. */
	char nonce[SECRET_TOKEN_LEN], code[SHOP_CODE_LEN + 1], hash[CHAIN_MAC_HEX];
	for (int tries = 0;; tries++) {
		secret_token("", nonce, sizeof(nonce));
		if ((rc = code_of(nonce, code, prob)) != RC_OK ||
		    (rc = code_hash(it.station_id, code, hash, prob)) != RC_OK)
			return rc;
		struct db_rows *rows = NULL;
		rc = db_q(db, "SELECT 1 FROM redemptions WHERE code_hash = $1", &rows, prob,
			  DB_T(hash));
		if (rc != RC_OK)
			return rc;
		bool taken = db_rows_count(rows) > 0;
		db_rows_free(rows);
		if (!taken)
			break;
		if (tries == 20)
			return problem_set(prob, RC_BUSY, "busy", "取货码生成失败，请重试");
	}
	int64_t now = clock_now_s();
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "INSERT INTO redemptions (item_id, station_id, account_id, qty, points, state,"
		  " code_nonce, code_hash, created_s) VALUES ($1, $2, $3, $4, $5, 'reserved', $6,"
		  " $7, $8) RETURNING id",
		  &rows, prob, DB_I(item_id), DB_I(it.station_id), DB_I(account), DB_I(qty),
		  DB_I(points), DB_T(nonce), DB_T(hash), DB_I(now));
	if (rc != RC_OK)
		return rc;
	int64_t id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	/* The stock first: its statement locks the item's row, so the month's
	 * count below sees every redemption of this item committed before. */
	struct stock_ref ref = { "redemption", id };
	if ((rc = shop_stock_post(tx, account, item_id, "redeemed", -qty, &ref, NULL, NULL,
				  prob)) != RC_OK)
		return rc;
	if (it.monthly_limit > 0) {
		rows = NULL;
		rc = db_q(db,
			  "SELECT COALESCE(SUM(qty), 0) FROM redemptions WHERE account_id = $1"
			  " AND item_id = $2 AND created_s >= $3 AND state <> 'refunded'"
			  " AND id <> $4",
			  &rows, prob, DB_I(account), DB_I(item_id),
			  DB_I(points_month_start_s(points_month_of(now))), DB_I(id));
		if (rc != RC_OK)
			return rc;
		int64_t had = db_rows_int(rows, 0, 0);
		db_rows_free(rows);
		if (had + qty > it.monthly_limit)
			return problem_set(prob, RC_CONFLICT, "monthly-limit",
					   "本月已兑换 %lld 件，每人每月限 %d 件", (long long)had,
					   it.monthly_limit);
	}
	struct points_post spend = { .account_id = account,
				     .amount = -points,
				     .reason = POINTS_REASON_REDEMPTION,
				     .ref_kind = "redemption",
				     .ref_id = id,
				     .region_code = it.region_code,
				     .station_id = it.station_id,
				     .created_s = now };
	if ((rc = points_post(tx, &spend, NULL, prob)) != RC_OK)
		return rc;
	if ((rc = red_load(db, id, true, out, prob)) != RC_OK)
		return rc;
	return red_record(tx, actor, "shop.redeemed", out, it.region_code, prob);
}

enum rc shop_hand_over(struct db_tx *tx, const struct actor *actor, int64_t station_id,
		       const char *code_in, struct redemption *out, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	memset(out, 0, sizeof(*out));
	char region[13];
	enum rc rc = need_manager(db, actor->p, station_id, region, prob);
	if (rc != RC_OK)
		return rc;
	char code[SHOP_CODE_LEN + 1];
	if (!code_normalize(code_in, code)) {
		problem_field(prob, "code", "取货码应为 %d 位数字", SHOP_CODE_LEN);
		return RC_INVALID;
	}
	char hash[CHAIN_MAC_HEX];
	if ((rc = code_hash(station_id, code, hash, prob)) != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(db, "SELECT id FROM redemptions WHERE code_hash = $1 AND station_id = $2", &rows,
		  prob, DB_T(hash), DB_I(station_id));
	if (rc != RC_OK)
		return rc;
	int64_t id = db_rows_count(rows) == 1 ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	if (!id)
		return problem_set(prob, RC_NOT_FOUND, "code-unknown", "本驿站没有这个取货码");
	/* Claimed by its state: of two scans at once, one hands it over. */
	int64_t now = clock_now_s();
	rows = NULL;
	rc = db_q(db,
		  "UPDATE redemptions SET state = 'handed_over', handed_s = $2, handed_by = $3"
		  " WHERE id = $1 AND state = 'reserved' RETURNING id",
		  &rows, prob, DB_I(id), DB_I(now), DB_I(actor->p->account_id));
	if (rc != RC_OK)
		return rc;
	bool claimed = db_rows_count(rows) == 1;
	db_rows_free(rows);
	if ((rc = red_load(db, id, false, out, prob)) != RC_OK)
		return rc;
	if (!claimed) {
		char when[32];
		clock_rfc3339(out->handed_s ? out->handed_s : out->refunded_s, when);
		if (!strcmp(out->state, "refunded"))
			return problem_set(prob, RC_CONFLICT, "code-refunded",
					   "取货码已失效：逾期未取，积分已于 %s 退回", when);
		return problem_set(prob, RC_CONFLICT, "code-used", "取货码已使用：%s 已领取", when);
	}
	if ((rc = red_record(tx, actor, "shop.handed_over", out, region, prob)) != RC_OK)
		return rc;
	char title[SHOP_NAME_MAX * 4 + 64];
	snprintf(title, sizeof(title), "已领取：%s × %d", out->item_name, out->qty);
	return inbox_notify(tx, out->account_id, "shop", "redemption", out->id, title,
			    out->station_name, prob);
}

enum rc shop_redemptions(struct db *db, const struct principal *viewer,
			 const struct redemption_filter *f, int64_t before_id, size_t limit,
			 struct redemption **items, size_t *n, struct problem *prob)
{
	*items = NULL;
	*n = 0;
	bool mine = f->account_id != 0;
	if (mine && (!viewer || viewer->account_id != f->account_id))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "只能查看自己的兑换");
	if (!mine) {
		char region[13];
		enum rc rc = need_manager(db, viewer, f->station_id, region, prob);
		if (rc != RC_OK)
			return rc;
	}
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT " RED_COLS " WHERE (($1 <> 0 AND r.account_id = $1) OR"
			  " ($1 = 0 AND r.station_id = $2)) AND ($3 = '' OR r.state = $3)"
			  " AND ($4 = 0 OR r.id < $4) ORDER BY r.id DESC LIMIT $5",
			  &rows, prob, DB_I(f->account_id), DB_I(f->station_id),
			  DB_T(f->state ? f->state : ""), DB_I(before_id), DB_I((int64_t)limit));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count && rc == RC_OK; i++)
		rc = red_from_row(rows, i, mine, &(*items)[i], prob);
	db_rows_free(rows);
	if (rc != RC_OK) {
		free(*items);
		*items = NULL;
		return rc;
	}
	*n = count;
	return RC_OK;
}

/* The refund job */

struct refund_ctx {
	int64_t id;
	bool done;
};

static enum rc refund_one(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct refund_ctx *c = arg;
	struct db *db = db_tx_db(tx);
	c->done = false;
	int64_t now = clock_now_s();
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "UPDATE redemptions SET state = 'refunded', refunded_s = $2"
			  " WHERE id = $1 AND state = 'reserved' RETURNING id",
			  &rows, prob, DB_I(c->id), DB_I(now));
	if (rc != RC_OK)
		return rc;
	bool claimed = db_rows_count(rows) == 1;
	db_rows_free(rows);
	if (!claimed)
		return RC_OK; /* handed over or refunded meanwhile */
	struct redemption r;
	if ((rc = red_load(db, c->id, false, &r, prob)) != RC_OK)
		return rc;
	struct stock_ref ref = { "redemption", r.id };
	if ((rc = shop_stock_post(tx, 0, r.item_id, "returned", r.qty, &ref, "逾期未取，退回库存",
				  NULL, prob)) != RC_OK)
		return rc;
	char region[13];
	int64_t hub = 0;
	if ((rc = shop_station_place(db, r.station_id, region, &hub, NULL, 0, prob)) != RC_OK)
		return rc;
	/* Posted once per redemption (the ledger's own rule), whatever runs it. */
	struct points_post back = { .account_id = r.account_id,
				    .amount = r.points,
				    .reason = POINTS_REASON_REFUND,
				    .ref_kind = "redemption",
				    .ref_id = r.id,
				    .region_code = region,
				    .station_id = r.station_id,
				    .note = "逾期未取，积分退回",
				    .created_s = now };
	if ((rc = points_post(tx, &back, NULL, prob)) != RC_OK)
		return rc;
	struct principal sys = { .kind = AUTH_NONE };
	struct actor actor = { .p = &sys };
	if ((rc = red_record(tx, &actor, "shop.refunded", &r, region, prob)) != RC_OK)
		return rc;
	char title[SHOP_NAME_MAX * 4 + 80], body[400];
	snprintf(title, sizeof(title), "逾期未取，积分已退回：%s × %d", r.item_name, r.qty);
	snprintf(body, sizeof(body), "%lld 积分已退回你的账户（%s）", (long long)r.points,
		 r.station_name);
	if ((rc = inbox_notify(tx, r.account_id, "shop", "redemption", r.id, title, body, prob)) !=
	    RC_OK)
		return rc;
	c->done = true;
	return RC_OK;
}

enum rc shop_refund_due(struct db *db, int64_t now_s, int *refunded, struct problem *prob)
{
	*refunded = 0;
	for (;;) {
		struct db_rows *rows = NULL;
		enum rc rc = db_q(db,
				  "SELECT id FROM redemptions WHERE state = 'reserved'"
				  " AND created_s <= $1 ORDER BY created_s, id LIMIT 100",
				  &rows, prob, DB_I(now_s - SHOP_REFUND_AFTER_S));
		if (rc != RC_OK)
			return rc;
		size_t count = db_rows_count(rows);
		for (size_t i = 0; i < count && rc == RC_OK; i++) {
			struct refund_ctx c = { .id = db_rows_int(rows, i, 0) };
			rc = db_tx(db, refund_one, &c, prob);
			if (rc == RC_OK && c.done)
				(*refunded)++;
		}
		db_rows_free(rows);
		if (rc != RC_OK || count < 100)
			return rc;
	}
}
