/* /api/v1/me/inbox: the caller's notifications, newest first, their unread
 * count, and marking one or all of them read. Only ever the caller's own:
 * the domain takes the account from the principal, never from the URL. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/query.h"
#include "api/reply.h"
#include "api/write.h"
#include "domain/inbox.h"

static json_t *entry_json(const struct inbox_entry *e)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "kind", json_string(e->kind));
	json_object_set_new(o, "ref",
			    e->ref_noun[0] ? json_pack("{s:s,s:I}", "noun", e->ref_noun, "id",
						       (json_int_t)e->ref_id)
					   : json_null());
	json_object_set_new(o, "title", json_string(e->title));
	json_object_set_new(o, "body", e->body ? json_string(e->body) : json_null());
	json_object_set_new(o, "created_at", json_time(e->created_s));
	json_object_set_new(o, "read_at", json_time(e->read_s));
	return o;
}

void h_inbox_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	const struct principal *p = req_principal(req);
	struct problem prob;
	problem_init(&prob);
	bool unread_only = false;
	int64_t cursor = 0, limit = 0, unread = 0;
	query_bool(req, "unread", &unread_only, &prob);
	query_int(req, "cursor", 1, INT64_MAX, 0, &cursor, &prob);
	query_int(req, "limit", 1, INBOX_LIMIT_MAX, 20, &limit, &prob);
	struct inbox_page page = { 0 };
	if (problem_has_fields(&prob) ||
	    inbox_list(app->db, p, unread_only, cursor, (size_t)limit, &page, &prob) != RC_OK ||
	    inbox_unread(app->db, p, &unread, &prob) != RC_OK) {
		inbox_page_release(&page);
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < page.n; i++)
		json_array_append_new(items, entry_json(&page.items[i]));
	json_t *o = json_pack("{s:o,s:o,s:I}", "items", items, "next_cursor",
			      page.next_cursor ? json_integer(page.next_cursor) : json_null(),
			      "unread", (json_int_t)unread);
	inbox_page_release(&page);
	reply_json(resp, 200, o);
}

void h_inbox_unread(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t n = 0;
	if (inbox_unread(app->db, req_principal(req), &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	reply_json(resp, 200, json_pack("{s:I}", "unread", (json_int_t)n));
}

static enum rc mark_one(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	int64_t id = *(int64_t *)arg;
	struct inbox_page one;
	enum rc rc = inbox_mark_read(tx, actor->p, id, prob);
	if (rc == RC_OK)
		rc = inbox_get(db_tx_db(tx), actor->p, id, &one, prob);
	if (rc != RC_OK)
		return rc;
	out->body = entry_json(&one.items[0]);
	inbox_page_release(&one);
	return RC_OK;
}

void h_inbox_read(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	if (!param_id(req, "id", &id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, mark_one, &id);
}

static enum rc mark_all(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	(void)arg;
	int64_t marked = 0;
	enum rc rc = inbox_mark_all_read(tx, actor->p, &marked, prob);
	if (rc != RC_OK)
		return rc;
	out->body = json_pack("{s:I,s:i}", "marked", (json_int_t)marked, "unread", 0);
	return RC_OK;
}

void h_inbox_read_all(struct http_req *req, struct http_resp *resp)
{
	api_write(req, resp, mark_all, NULL);
}
