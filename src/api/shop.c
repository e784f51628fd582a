/* The love supermarket's API: a station's items, their stock and its
 * ledger, redeeming for points, my redemptions with their pick-up codes,
 * a station's redemptions and the hand-over by code (domain/shop.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/qr.h"
#include "api/handlers.h"
#include "api/query.h"
#include "api/reply.h"
#include "api/write.h"
#include "domain/shop.h"

json_t *render_shop_item(const struct shop_item *it);
json_t *render_redemption(const struct redemption *r, bool with_code);

json_t *render_shop_item(const struct shop_item *it)
{
	json_t *o = json_pack("{s:I,s:{s:I,s:s},s:s,s:s,s:I,s:i,s:b,s:I,s:o,s:o}", "id",
			      (json_int_t)it->id, "station", "id", (json_int_t)it->station_id,
			      "name", it->station_name, "name", it->name, "description",
			      it->description, "price_points", (json_int_t)it->price_points,
			      "monthly_limit", it->monthly_limit, "active", it->active, "stock",
			      (json_int_t)it->stock, "created_at", json_time(it->created_s),
			      "updated_at", json_time(it->updated_s));
	if (it->photo_id) {
		char url[64];
		snprintf(url, sizeof(url), "/api/v1/photos/%lld", (long long)it->photo_id);
		json_object_set_new(o, "photo_url", json_string(url));
	}
	return o;
}

json_t *render_redemption(const struct redemption *r, bool with_code)
{
	json_t *o = json_pack(
		"{s:I,s:{s:I,s:s},s:{s:I,s:s},s:{s:I,s:s},s:i,s:I,s:s,s:o,s:o,s:o,s:o}", "id",
		(json_int_t)r->id, "item", "id", (json_int_t)r->item_id, "name", r->item_name,
		"station", "id", (json_int_t)r->station_id, "name", r->station_name, "account",
		"id", (json_int_t)r->account_id, "name", r->account_name, "qty", r->qty, "points",
		(json_int_t)r->points, "state", r->state, "created_at", json_time(r->created_s),
		"handed_at", json_time(r->handed_s), "refunded_at", json_time(r->refunded_s),
		"collect_by", json_time(r->due_s));
	if (with_code && r->code[0]) {
		json_object_set_new(o, "code", json_string(r->code));
		struct sb svg = SB_INIT;
		if (qr_svg(r->code, &svg))
			json_object_set_new(o, "qr_svg", json_string(sb_str(&svg)));
		sb_release(&svg);
	}
	return o;
}

/* Items */

static void read_item_input(json_t *body, struct shop_item_input *in, struct problem *prob)
{
	static const char *const allowed[] = {
		"name", "description", "price_points", "monthly_limit", "active", "photo_id", NULL
	};
	fields_known(body, allowed, prob);
	in->has_name = json_object_get(body, "name") != NULL;
	in->name = field_text(body, "name", false, false, prob);
	in->has_description = json_object_get(body, "description") != NULL;
	in->description = field_text(body, "description", false, true, prob);
	in->has_price = field_int(body, "price_points", false, INT64_MIN, INT64_MAX,
				  &in->price_points, prob);
	in->has_limit = field_int(body, "monthly_limit", false, INT64_MIN, INT64_MAX,
				  &in->monthly_limit, prob);
	json_t *a = json_object_get(body, "active");
	if (a && !json_is_boolean(a))
		problem_field(prob, "active", "应为 true 或 false");
	else if (a) {
		in->has_active = true;
		in->active = json_is_true(a);
	}
	json_t *ph = json_object_get(body, "photo_id");
	if (ph && json_is_null(ph))
		in->has_photo = true;
	else if (ph)
		in->has_photo = field_int(body, "photo_id", false, 1, INT64_MAX, &in->photo_id,
					  prob);
}

struct item_arg {
	int64_t id; /* the station on create, the item on update */
	struct shop_item_input in;
	json_t *body;
};

static enum rc item_answer(struct db_tx *tx, const struct actor *actor, int64_t id,
			   struct write_out *out, struct problem *prob)
{
	struct shop_item it;
	enum rc rc = shop_item_read(db_tx_db(tx), actor->p, id, &it, prob);
	if (rc != RC_OK)
		return rc;
	out->body = render_shop_item(&it);
	return RC_OK;
}

static enum rc item_create(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			   void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct item_arg *a = arg;
	int64_t id = 0;
	enum rc rc = shop_item_create(tx, actor, a->id, &a->in, &id, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	snprintf(out->location, sizeof(out->location), "/api/v1/shop/items/%lld", (long long)id);
	return item_answer(tx, actor, id, out, prob);
}

static enum rc item_update(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			   void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct item_arg *a = arg;
	enum rc rc = shop_item_update(tx, actor, a->id, &a->in, prob);
	return rc == RC_OK ? item_answer(tx, actor, a->id, out, prob) : rc;
}

void h_shop_items_create(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct item_arg a = { 0 };
	json_t *body = NULL;
	if (!param_id(req, "id", &a.id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	if (!body_object(req, resp, &body))
		return;
	read_item_input(body, &a.in, &prob);
	api_write_checked(req, resp, &prob, item_create, &a);
	json_decref(body);
}

void h_shop_item_update(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct item_arg a = { 0 };
	json_t *body = NULL;
	if (!param_id(req, "id", &a.id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	if (!body_object(req, resp, &body))
		return;
	read_item_input(body, &a.in, &prob);
	api_write_checked(req, resp, &prob, item_update, &a);
	json_decref(body);
}

void h_shop_items_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t station;
	bool all = false;
	struct shop_item *items = NULL;
	size_t n = 0;
	if (!param_id(req, "id", &station, &prob) || !query_bool(req, "all", &all, &prob) ||
	    shop_items_list(app->db, req_principal(req), station, all, &items, &n, &prob) !=
		    RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, render_shop_item(&items[i]));
	free(items);
	bool manage = shop_may_manage(app->db, req_principal(req), station);
	reply_json(resp, 200, json_pack("{s:o,s:b}", "items", list, "may_manage", manage));
}

void h_shop_item_get(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	struct shop_item it;
	if (!param_id(req, "id", &id, &prob) ||
	    shop_item_read(app->db, req_principal(req), id, &it, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	reply_json(resp, 200, render_shop_item(&it));
}

/* Stock */

struct stock_arg {
	int64_t id;
	const char *kind, *note;
	int64_t qty;
};

static enum rc stock_change(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			    void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct stock_arg *a = arg;
	enum rc rc = shop_stock_change(tx, actor, a->id, a->kind, a->qty, a->note, NULL, prob);
	return rc == RC_OK ? item_answer(tx, actor, a->id, out, prob) : rc;
}

void h_shop_stock_change(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct stock_arg a = { 0 };
	json_t *body = NULL;
	static const char *const allowed[] = { "kind", "qty", "note", NULL };
	if (!read_id_and_body(req, resp, "id", &a.id, allowed, &body, &prob))
		return;
	a.kind = field_str(body, "kind", false, &prob);
	field_int(body, "qty", false, INT64_MIN, INT64_MAX, &a.qty, &prob);
	a.note = field_text(body, "note", false, true, &prob);
	api_write_checked(req, resp, &prob, stock_change, &a);
	json_decref(body);
}

void h_shop_stock_moves(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id, before = 0, limit = 0;
	struct stock_move *items = NULL;
	size_t n = 0;
	if (!param_id(req, "id", &id, &prob) ||
	    !query_int(req, "before", 1, INT64_MAX, 0, &before, &prob) ||
	    !query_int(req, "limit", 1, 200, 50, &limit, &prob) ||
	    shop_stock_moves(app->db, req_principal(req), id, before, (size_t)limit, &items, &n,
			     &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct stock_move *m = &items[i];
		json_t *o = json_pack("{s:I,s:I,s:s,s:I,s:I,s:o,s:o}", "id", (json_int_t)m->id,
				      "seq", (json_int_t)m->seq, "kind", m->kind, "qty",
				      (json_int_t)m->qty, "stock_after", (json_int_t)m->stock_after,
				      "at", json_time(m->created_s), "note",
				      m->note[0] ? json_string(m->note) : json_null());
		json_object_set_new(o, "ref",
				    m->ref_kind[0] ? json_pack("{s:s,s:I}", "kind", m->ref_kind,
							       "id", (json_int_t)m->ref_id)
						   : json_null());
		json_object_set_new(o, "by",
				    m->account_id ? json_pack("{s:I,s:s}", "id",
							      (json_int_t)m->account_id, "name",
							      m->account_name)
						  : json_null());
		json_array_append_new(list, o);
	}
	int64_t next = n == (size_t)limit && n ? items[n - 1].seq : 0;
	free(items);
	reply_json(resp, 200,
		   json_pack("{s:o,s:o}", "items", list, "next_before",
			     next > 1 ? json_integer(next) : json_null()));
}

/* Redemptions */

struct redeem_arg {
	int64_t id;
	int64_t qty;
	const char *code;
};

static enum rc redeem(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	(void)req;
	struct redeem_arg *a = arg;
	struct redemption r;
	enum rc rc = shop_redeem(tx, actor, a->id, (int)a->qty, &r, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	out->body = render_redemption(&r, true);
	return RC_OK;
}

void h_shop_redeem(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct redeem_arg a = { .qty = 1 };
	json_t *body = NULL;
	static const char *const allowed[] = { "qty", NULL };
	if (!read_id_and_body(req, resp, "id", &a.id, allowed, &body, &prob))
		return;
	field_int(body, "qty", false, 1, SHOP_REDEEM_QTY_MAX, &a.qty, &prob);
	api_write_grouped(req, resp, &prob, redeem, &a);
	json_decref(body);
}

static enum rc hand_over(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			 void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct redeem_arg *a = arg;
	struct redemption r;
	enum rc rc = shop_hand_over(tx, actor, a->id, a->code, &r, prob);
	if (rc != RC_OK)
		return rc;
	out->body = render_redemption(&r, false);
	return RC_OK;
}

void h_shop_hand_over(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct redeem_arg a = { 0 };
	json_t *body = NULL;
	static const char *const allowed[] = { "code", NULL };
	if (!read_id_and_body(req, resp, "id", &a.id, allowed, &body, &prob))
		return;
	a.code = field_str(body, "code", false, &prob);
	api_write_checked(req, resp, &prob, hand_over, &a);
	json_decref(body);
}

static void list_redemptions(struct http_req *req, struct http_resp *resp, bool mine)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct redemption_filter f = { 0 };
	const struct principal *viewer = req_principal(req);
	int64_t before = 0, limit = 0;
	if (mine)
		f.account_id = viewer->account_id;
	else
		param_id(req, "id", &f.station_id, &prob);
	f.state = http_req_query(req, "state");
	if (f.state && strcmp(f.state, "reserved") && strcmp(f.state, "handed_over") &&
	    strcmp(f.state, "refunded"))
		problem_field(&prob, "state", "应为 reserved、handed_over、refunded 之一");
	query_int(req, "before", 1, INT64_MAX, 0, &before, &prob);
	query_int(req, "limit", 1, 200, 50, &limit, &prob);
	struct redemption *items = NULL;
	size_t n = 0;
	if (prob.rc || problem_has_fields(&prob) ||
	    shop_redemptions(app->db, viewer, &f, before, (size_t)limit, &items, &n, &prob) !=
		    RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, render_redemption(&items[i], mine));
	int64_t next = n == (size_t)limit && n ? items[n - 1].id : 0;
	free(items);
	reply_json(resp, 200,
		   json_pack("{s:o,s:o}", "items", list, "next_before",
			     next ? json_integer(next) : json_null()));
}

void h_me_redemptions(struct http_req *req, struct http_resp *resp)
{
	list_redemptions(req, resp, true);
}

void h_shop_redemptions(struct http_req *req, struct http_resp *resp)
{
	list_redemptions(req, resp, false);
}
