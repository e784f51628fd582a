/* /api/v1/tokens: bearer tokens for integrations, created and revoked by
 * admins. The token itself is shown once, in the creation answer. */
#include <stdio.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/reply.h"
#include "api/write.h"
#include "domain/session.h"

void h_tokens_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct api_token_info *items = NULL;
	size_t n = 0;
	if (api_token_list(app->db, req_principal(req), &items, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(items[i].id));
		json_object_set_new(o, "account_id", json_integer(items[i].account_id));
		json_object_set_new(o, "name", json_string(items[i].name));
		json_object_set_new(o, "created_at", json_time(items[i].created_s));
		json_object_set_new(o, "last_used_at", json_time(items[i].last_used_s));
		json_object_set_new(o, "revoked_at", json_time(items[i].revoked_s));
		json_array_append_new(arr, o);
	}
	free(items);
	json_t *o = json_object();
	json_object_set_new(o, "items", arr);
	reply_json(resp, 200, o);
}

struct token_arg {
	int64_t account_id, id;
	const char *name;
};

static enum rc create(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	(void)req;
	struct token_arg *t = arg;
	struct api_token_new tok;
	enum rc rc = api_token_create(tx, actor, t->account_id, t->name, &tok, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	out->body = json_object();
	json_object_set_new(out->body, "id", json_integer(tok.id));
	json_object_set_new(out->body, "account_id", json_integer(t->account_id));
	json_object_set_new(out->body, "name", json_string(t->name));
	json_object_set_new(out->body, "token", json_string(tok.token));
	static const char *const secret_keys[] = { "token", NULL };
	out->secret_keys = secret_keys;
	snprintf(out->location, sizeof(out->location), "/api/v1/tokens/%lld", (long long)tok.id);
	return RC_OK;
}

void h_tokens_create(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	json_t *body = NULL;
	static const char *const allowed[] = { "account_id", "name", NULL };
	if (!read_id_and_body(req, resp, NULL, NULL, allowed, &body, &prob))
		return;
	struct token_arg t = { 0 };
	field_int(body, "account_id", true, 1, INT64_MAX, &t.account_id, &prob);
	t.name = field_text(body, "name", true, false, &prob);
	api_write_checked(req, resp, &prob, create, &t);
	json_decref(body);
}

static enum rc revoke(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	(void)req;
	struct token_arg *t = arg;
	out->status = 204;
	return api_token_revoke(tx, actor, t->id, prob);
}

void h_token_delete(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct token_arg t = { 0 };
	if (!param_id(req, "id", &t.id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, revoke, &t);
}
