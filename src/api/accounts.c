/* /api/v1/accounts: people who can sign in, and the roles they hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/render.h"
#include "api/fields.h"
#include "api/reply.h"
#include "api/write.h"
#include "domain/account.h"
#include "domain/permission.h"

json_t *render_grants(const struct role_grant *g, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(g[i].id));
		json_object_set_new(o, "role", json_string(role_name(g[i].role)));
		json_object_set_new(o, "scope", json_string(g[i].scope));
		json_array_append_new(arr, o);
	}
	return arr;
}

static void render_roles(const struct field *f, const void *rec, struct sb *sb, void *ctx)
{
	const struct account *a = rec;
	(void)ctx;
	json_t *roles = render_grants(a->grants, a->ngrants);
	char *text = json_dumps(roles, JSON_COMPACT);
	json_decref(roles);
	if (sb->len && sb->buf[sb->len - 1] != '{')
		sb_addc(sb, ',');
	sb_addf(sb, "\"%s\":%s", f->name, text ? text : "[]");
	free(text);
}

json_t *render_account(const struct principal *viewer, const struct account *a)
{
	/* The domain masked the phone for the viewer already (account_read,
	 * account_list), so the renderer shows what it was given. */
	(void)viewer;
	struct fields_view view = { .whole_phone = true, .staff = true };
	struct sb sb = SB_INIT;
	sb_addc(&sb, '{');
	fields_render(&account_noun, a, &view, render_roles, NULL, &sb);
	sb_addc(&sb, '}');
	json_t *o = json_loadb(sb.buf, sb.len, 0, NULL);
	sb_release(&sb);
	return o ? o : json_object();
}

void h_accounts_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t after = 0, limit = 50;
	query_int(req, "after", 0, INT64_MAX, 0, &after, &prob);
	query_int(req, "limit", 1, 200, 50, &limit, &prob);
	if (problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	struct account_page page;
	if (account_list(app->db, req_principal(req), http_req_query(req, "q"), after,
			 (size_t)limit, &page, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < page.n; i++)
		json_array_append_new(items, render_account(req_principal(req), &page.items[i]));
	json_t *o = json_object();
	json_object_set_new(o, "items", items);
	json_object_set_new(o, "next_after",
			    page.next_after_id ? json_integer(page.next_after_id) : json_null());
	account_page_release(&page);
	reply_json(resp, 200, o);
}

struct create_arg {
	struct account_new in;
};

static enum rc create(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	struct create_arg *c = arg;
	struct account a;
	struct app *app = req->app;
	enum rc rc = account_create(tx, actor, app->passwords, &c->in, &a, prob);
	if (rc == RC_OK)
		rc = account_read(app->db, actor->p, a.id, &a, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	out->body = render_account(actor->p, &a);
	snprintf(out->location, sizeof(out->location), "/api/v1/accounts/%lld", (long long)a.id);
	return RC_OK;
}

/* The phone and the password: strings the domain checks. */
static void parse_custom(const struct field *f, json_t *v, void *input, void *ctx,
			 struct problem *prob)
{
	struct account_new *in = input;
	(void)v;
	(void)ctx;
	json_t *obj = json_pack("{s:O}", f->name, v);
	const char *s = field_str(obj, f->name, true, prob);
	json_decref(obj);
	if (!s)
		return;
	field_mark(f, in);
	/* Borrowed from the body, which outlives the write. */
	*(const char **)((char *)in + f->in_off) = json_string_value(v);
}

void h_accounts_create(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	struct create_arg c = { 0 };
	fields_parse(&account_noun, body, &c.in, parse_custom, NULL, &prob);
	if (!c.in.has_phone)
		problem_field(&prob, "phone", "必填 (required)");
	if (!c.in.has_name)
		problem_field(&prob, "name", "必填 (required)");
	api_write_checked(req, resp, &prob, create, &c);
	json_decref(body);
}

void h_account_get(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	struct account a;
	if (!param_id(req, "id", &id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	if (account_read(app->db, req_principal(req), id, &a, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	reply_json(resp, 200, render_account(req_principal(req), &a));
}

struct update_arg {
	int64_t id;
	const char *name;
	const char *current, *password;
	const char *role, *scope;
	int64_t grant_id;
	bool disabled;
};

static enum rc render_after(struct http_req *req, const struct actor *actor, int64_t id,
			    struct write_out *out, struct problem *prob)
{
	struct account a;
	enum rc rc = account_read(((struct app *)req->app)->db, actor->p, id, &a, prob);
	if (rc == RC_OK)
		out->body = render_account(actor->p, &a);
	return rc;
}

static enum rc update(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	struct update_arg *u = arg;
	enum rc rc = account_rename(tx, actor, u->id, u->name, prob);
	return rc == RC_OK ? render_after(req, actor, u->id, out, prob) : rc;
}

void h_account_update(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct update_arg u = { 0 };
	json_t *body = NULL;
	static const char *const allowed[] = { "name", NULL };
	if (!read_id_and_body(req, resp, "id", &u.id, allowed, &body, &prob))
		return;
	u.name = field_text(body, "name", true, false, &prob);
	api_write_checked(req, resp, &prob, update, &u);
	json_decref(body);
}

static enum rc set_password(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			    void *arg, struct write_out *out, struct problem *prob)
{
	struct app *app = req->app;
	struct update_arg *u = arg;
	out->status = 204;
	return account_set_password(tx, actor, app->passwords, u->id, u->current, u->password,
				    prob);
}

void h_account_password(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct update_arg u = { 0 };
	json_t *body = NULL;
	static const char *const allowed[] = { "current_password", "password", NULL };
	if (!read_id_and_body(req, resp, "id", &u.id, allowed, &body, &prob))
		return;
	u.current = field_str(body, "current_password", false, &prob);
	u.password = field_str(body, "password", true, &prob);
	api_write_checked(req, resp, &prob, set_password, &u);
	json_decref(body);
}

static enum rc role_add(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			void *arg, struct write_out *out, struct problem *prob)
{
	struct update_arg *u = arg;
	int64_t grant_id = 0;
	enum rc rc = role_grant_add(tx, actor, u->id, u->role, u->scope, &grant_id, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	return render_after(req, actor, u->id, out, prob);
}

void h_account_role_add(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct update_arg u = { 0 };
	json_t *body = NULL;
	static const char *const allowed[] = { "role", "scope", NULL };
	if (!read_id_and_body(req, resp, "id", &u.id, allowed, &body, &prob))
		return;
	u.role = field_str(body, "role", true, &prob);
	u.scope = field_str(body, "scope", true, &prob);
	api_write_checked(req, resp, &prob, role_add, &u);
	json_decref(body);
}

static enum rc role_remove(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			   void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct update_arg *u = arg;
	out->status = 204;
	return role_grant_remove(tx, actor, u->id, u->grant_id, prob);
}

void h_account_role_remove(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct update_arg u = { 0 };
	if (!param_id(req, "id", &u.id, &prob) || !param_id(req, "grant_id", &u.grant_id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, role_remove, &u);
}

static enum rc set_disabled(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			    void *arg, struct write_out *out, struct problem *prob)
{
	struct update_arg *u = arg;
	enum rc rc = account_set_disabled(tx, actor, u->id, u->disabled, prob);
	return rc == RC_OK ? render_after(req, actor, u->id, out, prob) : rc;
}

static void disabled_to(struct http_req *req, struct http_resp *resp, bool disabled)
{
	struct problem prob;
	problem_init(&prob);
	struct update_arg u = { .disabled = disabled };
	if (!param_id(req, "id", &u.id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, set_disabled, &u);
}

void h_account_disable(struct http_req *req, struct http_resp *resp)
{
	disabled_to(req, resp, true);
}

void h_account_enable(struct http_req *req, struct http_resp *resp)
{
	disabled_to(req, resp, false);
}
