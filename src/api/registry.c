/* The resources of the region-scoped nouns (domain/registry.h): work sites,
 * teams and their members, party organisations, grids. One handler of each
 * kind serves them all; what differs is the noun and, for work sites and
 * teams, what the answer adds (the site's workers, the team's members). */
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
#include "domain/grid.h"
#include "domain/party_org.h"
#include "domain/team.h"
#include "domain/work_site.h"

static json_t *render(const struct registry_noun *rn, const void *rec)
{
	struct fields_view view = { .whole_phone = true, .staff = true };
	struct sb sb = SB_INIT;
	sb_addc(&sb, '{');
	fields_render(rn->noun, rec, &view, NULL, NULL, &sb);
	sb_addc(&sb, '}');
	json_t *o = json_loadb(sb.buf, sb.len, 0, NULL);
	sb_release(&sb);
	return o ? o : json_object();
}

static json_t *workers_json(const struct work_site_workers *w)
{
	return json_pack("{s:I,s:I,s:I}", "total", (json_int_t)w->total, "registered",
			 (json_int_t)w->registered, "checked_in_30d",
			 (json_int_t)w->checked_in_30d);
}

/* What the answer about rec adds for its noun. */
static enum rc extend(struct db *db, const struct registry_noun *rn, const void *rec, json_t *o,
		      bool detail, struct problem *prob)
{
	if (rn == &work_site_registry) {
		struct work_site_workers w;
		enum rc rc = work_site_workers(db, rec, 1, &w, prob);
		if (rc == RC_OK)
			json_object_set_new(o, "workers", workers_json(&w));
		return rc;
	}
	if (rn == &team_registry && detail) {
		struct team_member *m = NULL;
		size_t n = 0;
		enum rc rc = team_members(db, ((const struct team *)rec)->id, &m, &n, prob);
		if (rc != RC_OK)
			return rc;
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_pack("{s:I,s:s,s:o,s:o}", "person_id",
							   (json_int_t)m[i].person_id, "name",
							   m[i].name, "joined_at",
							   json_time(m[i].joined_s), "left_at",
							   json_time(m[i].left_s)));
		free(m);
		json_object_set_new(o, "members", a);
	}
	return RC_OK;
}

static void list(struct http_req *req, struct http_resp *resp, const struct registry_noun *rn)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t after = 0, limit = 100;
	query_int(req, "after", 0, INT64_MAX, 0, &after, &prob);
	query_int(req, "limit", 1, 500, 100, &limit, &prob);
	char region[13];
	query_region(req, "region", false, region, &prob);
	struct registry_page page;
	if (problem_has_fields(&prob) ||
	    registry_list(app->db, req_principal(req), rn, region, after, (size_t)limit, &page,
			  &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	struct work_site_workers *w = NULL;
	if (rn == &work_site_registry) {
		w = xcalloc(page.n ? page.n : 1, sizeof(*w));
		if (work_site_workers(app->db, page.items, page.n, w, &prob) != RC_OK) {
			free(w);
			registry_page_release(&page);
			reply_problem(req, resp, &prob);
			return;
		}
	}
	json_t *items = json_array();
	for (size_t i = 0; i < page.n; i++) {
		json_t *o = render(rn, (char *)page.items + i * rn->rec_size);
		if (w)
			json_object_set_new(o, "workers", workers_json(&w[i]));
		json_array_append_new(items, o);
	}
	free(w);
	json_t *o = json_pack("{s:o,s:o}", "items", items, "next_after",
			      page.next_after_id ? json_integer(page.next_after_id) : json_null());
	registry_page_release(&page);
	reply_json(resp, 200, o);
}

static void get(struct http_req *req, struct http_resp *resp, const struct registry_noun *rn)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	void *rec = xcalloc(1, rn->rec_size);
	json_t *o = NULL;
	if (param_id(req, "id", &id, &prob) &&
	    registry_read(app->db, req_principal(req), rn, id, rec, &prob) == RC_OK) {
		o = render(rn, rec);
		if (extend(app->db, rn, rec, o, true, &prob) != RC_OK) {
			json_decref(o);
			o = NULL;
		}
	}
	free(rec);
	if (o)
		reply_json(resp, 200, o);
	else
		reply_problem(req, resp, &prob);
}

struct write_arg {
	const struct registry_noun *rn;
	int64_t id; /* 0: create */
	void *in;
};

static enum rc save_tx(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		       struct write_out *out, struct problem *prob)
{
	struct write_arg *w = arg;
	int64_t id = w->id;
	enum rc rc = id ? registry_update(tx, actor, w->rn, id, w->in, prob)
			: registry_create(tx, actor, w->rn, w->in, &id, prob);
	if (rc != RC_OK)
		return rc;
	struct db *db = ((struct app *)req->app)->db;
	void *rec = xcalloc(1, w->rn->rec_size);
	rc = registry_get(db, w->rn, id, rec, prob);
	if (rc == RC_OK) {
		out->body = render(w->rn, rec);
		rc = extend(db, w->rn, rec, out->body, true, prob);
	}
	free(rec);
	if (rc == RC_OK && !w->id) {
		out->status = 201;
		snprintf(out->location, sizeof(out->location), "/api/v1/%ss/%lld",
			 w->rn->noun->name, (long long)id);
	}
	return rc;
}

static void save(struct http_req *req, struct http_resp *resp, const struct registry_noun *rn,
		 bool create)
{
	struct problem prob;
	problem_init(&prob);
	struct write_arg w = { .rn = rn };
	if (!create && !param_id(req, "id", &w.id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	w.in = xcalloc(1, rn->in_size);
	fields_parse(rn->noun, body, w.in, NULL, NULL, &prob);
	api_write_checked(req, resp, &prob, save_tx, &w);
	free(w.in);
	json_decref(body);
}

#define NOUN_HANDLERS(stem, reg)                                             \
	void h_##stem##_list(struct http_req *req, struct http_resp *resp)   \
	{                                                                    \
		list(req, resp, &reg);                                       \
	}                                                                    \
	void h_##stem##_get(struct http_req *req, struct http_resp *resp)    \
	{                                                                    \
		get(req, resp, &reg);                                        \
	}                                                                    \
	void h_##stem##_create(struct http_req *req, struct http_resp *resp) \
	{                                                                    \
		save(req, resp, &reg, true);                                 \
	}                                                                    \
	void h_##stem##_update(struct http_req *req, struct http_resp *resp) \
	{                                                                    \
		save(req, resp, &reg, false);                                \
	}

NOUN_HANDLERS(work_site, work_site_registry)
NOUN_HANDLERS(team, team_registry)
NOUN_HANDLERS(party_org, party_org_registry)
NOUN_HANDLERS(grid, grid_registry)

/* The work sites a worker picks theirs from (signed in; no manager
 * contact): ?region= prefix, ?platform=, ?q= in the name or address. */
void h_work_site_choices(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	char region[13];
	int64_t limit = 0;
	const char *platform = http_req_query(req, "platform");
	const char *q = http_req_query(req, "q");
	query_region(req, "region", false, region, &prob);
	query_int(req, "limit", 1, 100, 30, &limit, &prob);
	if (platform && strlen(platform) > 32)
		problem_field(&prob, "platform", "平台编码太长（最多 32 个字符）");
	if (q && strlen(q) > 120)
		problem_field(&prob, "q", "搜索词太长（最多 40 个字）");
	struct work_site_choice *items = NULL;
	size_t n = 0;
	if (problem_has_fields(&prob) ||
	    work_site_choices(app->db, region, platform ? platform : "", q ? q : "", (size_t)limit,
			      &items, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{sI ss ss ss}", "id", (json_int_t)items[i].id, "name",
				      items[i].name, "address", items[i].address, "region_code",
				      items[i].region_code);
		if (items[i].platform[0])
			json_object_set_new(o, "platform", json_string(items[i].platform));
		json_array_append_new(list, o);
	}
	free(items);
	reply_json(resp, 200, json_pack("{so}", "items", list));
}

struct member_arg {
	int64_t team_id, person_id;
	bool join;
};

static enum rc member(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	struct member_arg *m = arg;
	enum rc rc = m->join ? team_join(tx, actor, m->team_id, m->person_id, prob)
			     : team_leave(tx, actor, m->team_id, m->person_id, prob);
	if (rc != RC_OK)
		return rc;
	/* The team as it is now, members included. */
	struct db *db = ((struct app *)req->app)->db;
	struct team t;
	rc = registry_get(db, &team_registry, m->team_id, &t, prob);
	if (rc == RC_OK) {
		out->body = render(&team_registry, &t);
		rc = extend(db, &team_registry, &t, out->body, true, prob);
	}
	return rc;
}

void h_team_member_add(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct member_arg m = { .join = true };
	json_t *body = NULL;
	static const char *const allowed[] = { "person_id", NULL };
	if (!read_id_and_body(req, resp, "id", &m.team_id, allowed, &body, &prob))
		return;
	field_int(body, "person_id", true, 1, INT64_MAX, &m.person_id, &prob);
	api_write_checked(req, resp, &prob, member, &m);
	json_decref(body);
}

void h_team_member_remove(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct member_arg m = { .join = false };
	if (!param_id(req, "id", &m.team_id, &prob) ||
	    !param_id(req, "person_id", &m.person_id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, member, &m);
}

static enum rc report_in(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			 void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	int64_t person_id = 0;
	enum rc rc = party_org_report_in(tx, actor, *(int64_t *)arg, &person_id, prob);
	if (rc == RC_OK)
		out->body = json_pack("{s:I,s:I}", "party_org_id", (json_int_t) * (int64_t *)arg,
				      "person_id", (json_int_t)person_id);
	return rc;
}

void h_party_org_report_in(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	if (!param_id(req, "id", &id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, report_in, &id);
}
