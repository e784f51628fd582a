/* /api/v1/bots: the group bots of a station or a region, their test
 * message and their recent deliveries. Every answer shows a bot's webhook
 * address masked (url_masked); the address itself is only ever written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/fields.h"
#include "api/handlers.h"
#include "api/query.h"
#include "api/reply.h"
#include "api/write.h"
#include "core/xalloc.h"
#include "domain/bot.h"

static json_t *render(const struct bot *b)
{
	struct fields_view view = { .staff = true };
	struct sb sb = SB_INIT;
	sb_addc(&sb, '{');
	fields_render(&bot_noun, b, &view, NULL, NULL, &sb);
	sb_addc(&sb, '}');
	json_t *o = json_loadb(sb.buf, sb.len, 0, NULL);
	sb_release(&sb);
	return o ? o : json_object();
}

void h_bots_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t after = 0, limit = 100, station = 0;
	char region[13];
	query_int(req, "after", 0, INT64_MAX, 0, &after, &prob);
	query_int(req, "limit", 1, 200, 100, &limit, &prob);
	query_int(req, "station_id", 1, INT64_MAX, 0, &station, &prob);
	query_region(req, "region", false, region, &prob);
	struct bot_filter f = {
		.station_id = station, .region = region, .after_id = after, .limit = (size_t)limit
	};
	struct bot_page page;
	if (problem_has_fields(&prob) ||
	    bot_list(app->db, req_principal(req), &f, &page, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < page.n; i++)
		json_array_append_new(items, render(&page.items[i]));
	json_t *o = json_pack("{s:o,s:o}", "items", items, "next_after",
			      page.next_after_id ? json_integer(page.next_after_id) : json_null());
	bot_page_release(&page);
	reply_json(resp, 200, o);
}

void h_bot_get(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	struct bot *b = xmalloc(sizeof(*b));
	if (param_id(req, "id", &id, &prob) &&
	    bot_read(app->db, req_principal(req), id, b, &prob) == RC_OK)
		reply_json(resp, 200, render(b));
	else
		reply_problem(req, resp, &prob);
	free(b);
}

struct save {
	int64_t id; /* 0: create */
	struct bot_input in;
};

static enum rc save_tx(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		       struct write_out *out, struct problem *prob)
{
	(void)req;
	struct save *s = arg;
	int64_t id = s->id;
	enum rc rc = id ? bot_update(tx, actor, id, &s->in, prob)
			: bot_create(tx, actor, &s->in, &id, prob);
	if (rc != RC_OK)
		return rc;
	struct bot *b = xmalloc(sizeof(*b));
	rc = bot_get(db_tx_db(tx), id, b, prob);
	if (rc == RC_OK)
		out->body = render(b);
	free(b);
	if (rc == RC_OK && !s->id) {
		out->status = 201;
		snprintf(out->location, sizeof(out->location), "/api/v1/bots/%lld", (long long)id);
	}
	return rc;
}

static void save(struct http_req *req, struct http_resp *resp, bool create)
{
	struct problem prob;
	problem_init(&prob);
	struct save s = { 0 };
	if (!create && !param_id(req, "id", &s.id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	fields_parse(&bot_noun, body, &s.in, NULL, NULL, &prob);
	api_write_checked(req, resp, &prob, save_tx, &s);
	json_decref(body);
}

void h_bots_create(struct http_req *req, struct http_resp *resp)
{
	save(req, resp, true);
}

void h_bot_update(struct http_req *req, struct http_resp *resp)
{
	save(req, resp, false);
}

static enum rc delete_tx(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			 void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	(void)out;
	return bot_delete(tx, actor, *(int64_t *)arg, prob);
}

void h_bot_delete(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	if (!param_id(req, "id", &id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, delete_tx, &id);
}

static enum rc test_tx(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		       struct write_out *out, struct problem *prob)
{
	(void)req;
	int64_t id = *(int64_t *)arg;
	enum rc rc = bot_test(tx, actor, id, prob);
	if (rc == RC_OK) {
		out->status = 202;
		out->body = json_pack("{s:I,s:b}", "bot_id", (json_int_t)id, "queued", 1);
	}
	return rc;
}

void h_bot_test(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	if (!param_id(req, "id", &id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, test_tx, &id);
}

void h_bot_deliveries(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id, limit = 50;
	struct bot *b = xmalloc(sizeof(*b));
	struct bot_delivery_row *rows = NULL;
	size_t n = 0;
	bool ok = param_id(req, "id", &id, &prob) &&
		  query_int(req, "limit", 1, 200, 50, &limit, &prob) &&
		  bot_read(app->db, req_principal(req), id, b, &prob) == RC_OK &&
		  bot_deliveries(app->db, id, (size_t)limit, &rows, &n, &prob) == RC_OK;
	free(b);
	if (!ok) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct bot_delivery_row *r = &rows[i];
		bool pending = !strcmp(r->state, "pending");
		json_array_append_new(
			items,
			json_pack("{s:I,s:I,s:s,s:s,s:i,s:o,s:o,s:o,s:o}", "id", (json_int_t)r->id,
				  "outbox_id", (json_int_t)r->outbox_id, "topic", r->topic, "state",
				  r->state, "attempts", r->attempts, "next_at",
				  pending ? json_time(r->next_s) : json_null(), "last_error",
				  r->last_error[0] ? json_string(r->last_error) : json_null(),
				  "created_at", json_time(r->created_s), "sent_at",
				  json_time(r->sent_s)));
	}
	free(rows);
	reply_json(resp, 200, json_pack("{s:o}", "items", items));
}
