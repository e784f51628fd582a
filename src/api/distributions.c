/* Distributions (暖新大礼包, 送清凉) and people's own codes: creating one
 * from a filter of the ledger, its progress and list, handing over by
 * scanning a person's code, closing it (domain/distribution.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/qr.h"
#include "api/handlers.h"
#include "api/query.h"
#include "api/reply.h"
#include "api/write.h"
#include "domain/distribution.h"
#include "domain/hours.h"

static json_t *render(const struct distribution *d)
{
	json_t *o = json_pack(
		"{s:I,s:s,s:{s:I,s:s},s:s,s:{s:I,s:s},s:i,s:i,s:i,s:i,s:s,s:o,s:o,s:o,s:I}", "id",
		(json_int_t)d->id, "title", d->title, "station", "id", (json_int_t)d->station_id,
		"name", d->station_name, "region_code", d->region_code, "item", "id",
		(json_int_t)d->item_id, "name", d->item_name, "qty_each", d->qty_each, "people",
		d->people, "handed", d->handed, "due", d->people - d->handed, "state", d->state,
		"note", d->note[0] ? json_string(d->note) : json_null(), "created_at",
		json_time(d->created_s), "closed_at", json_time(d->closed_s), "returned",
		(json_int_t)d->returned);
	return o;
}

/* The filter object of a create: the ledger's filters by name. */
static void read_filter(json_t *v, struct distribution_input *in, struct problem *prob)
{
	if (!v || !json_is_object(v)) {
		problem_field(prob, "filter", "应为对象：{region, category, platform, …}");
		return;
	}
	static const char *const allowed[] = { "region",	   "category", "platform",
					       "work_site_id",	   "team_id",  "grid_id",
					       "registered_since", NULL };
	fields_known(v, allowed, prob);
	struct person_filter *f = &in->filter;
	const char *region = field_str(v, "region", false, prob);
	if (region &&
	    (strlen(region) >= sizeof(f->region) || strspn(region, "0123456789") != strlen(region)))
		problem_field(prob, "filter.region", "发放范围应为街道（9 位）或社区（12 位）代码");
	else if (region)
		snprintf(f->region, sizeof(f->region), "%s", region);
	const char *cat = field_str(v, "category", false, prob);
	if (cat) {
		int bit = -1;
		for (int k = 0; person_categories[k].code; k++)
			if (!strcmp(person_categories[k].code, cat))
				bit = k;
		if (bit < 0)
			problem_field(prob, "filter.category", "没有这个类别：%s", cat);
		else
			f->categories = PERSON_BIT(bit);
	}
	const char *platform = field_str(v, "platform", false, prob);
	if (platform)
		snprintf(f->platform, sizeof(f->platform), "%s", platform);
	field_int(v, "work_site_id", false, 1, INT64_MAX, &f->work_site_id, prob);
	field_int(v, "team_id", false, 1, INT64_MAX, &f->team_id, prob);
	field_int(v, "grid_id", false, 1, INT64_MAX, &f->grid_id, prob);
	const char *since = field_str(v, "registered_since", false, prob);
	int32_t day = 0;
	if (since && !hours_parse_date(since, &day))
		problem_field(prob, "filter.registered_since", "应为日期 YYYY-MM-DD");
	else if (since)
		in->registered_since_s = (int64_t)day * 86400 - 8 * 3600;
}

struct create_arg {
	struct distribution_input in;
};

static enum rc answer(struct db_tx *tx, const struct actor *actor, int64_t id,
		      struct write_out *out, struct problem *prob)
{
	struct distribution d;
	enum rc rc = distribution_read(db_tx_db(tx), actor->p, id, &d, prob);
	if (rc == RC_OK)
		out->body = render(&d);
	return rc;
}

static enum rc create(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	(void)req;
	struct create_arg *a = arg;
	int64_t id = 0;
	enum rc rc = distribution_create(tx, actor, &a->in, &id, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	snprintf(out->location, sizeof(out->location), "/api/v1/distributions/%lld", (long long)id);
	return answer(tx, actor, id, out, prob);
}

void h_distributions_create(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct create_arg a = { 0 };
	json_t *body = NULL;
	static const char *const allowed[] = { "title",	   "note",   "station_id", "item_id",
					       "qty_each", "filter", NULL };
	if (!read_id_and_body(req, resp, NULL, NULL, allowed, &body, &prob))
		return;
	struct distribution_input *in = &a.in;
	in->title = field_text(body, "title", true, false, &prob);
	in->note = field_text(body, "note", false, true, &prob);
	field_int(body, "station_id", true, 1, INT64_MAX, &in->station_id, &prob);
	field_int(body, "item_id", true, 1, INT64_MAX, &in->item_id, &prob);
	in->qty_each = 1;
	field_int(body, "qty_each", false, 1, 100, &in->qty_each, &prob);
	read_filter(json_object_get(body, "filter"), in, &prob);
	api_write_checked(req, resp, &prob, create, &a);
	json_decref(body);
}

void h_distributions_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t station;
	struct distribution *items = NULL;
	size_t n = 0;
	if (!param_id(req, "id", &station, &prob) ||
	    distribution_list(app->db, req_principal(req), station, &items, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, render(&items[i]));
	free(items);
	reply_json(resp, 200, json_pack("{s:o}", "items", list));
}

void h_distribution_get(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	struct distribution d;
	if (!param_id(req, "id", &id, &prob) ||
	    distribution_read(app->db, req_principal(req), id, &d, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	reply_json(resp, 200, render(&d));
}

void h_distribution_people(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id, after = 0, limit = 0;
	const char *state = http_req_query(req, "state");
	if (!param_id(req, "id", &id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	if (state && strcmp(state, "due") && strcmp(state, "handed_over"))
		problem_field(&prob, "state", "应为 due 或 handed_over");
	query_int(req, "after", 1, INT64_MAX, 0, &after, &prob);
	query_int(req, "limit", 1, 500, 100, &limit, &prob);
	struct distribution_person *items = NULL;
	size_t n = 0;
	if (problem_has_fields(&prob) ||
	    distribution_people(app->db, req_principal(req), id, state, after, (size_t)limit,
				&items, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:o}", "person_id",
						      (json_int_t)items[i].person_id, "name",
						      items[i].name, "state", items[i].state,
						      "handed_at", json_time(items[i].handed_s)));
	int64_t next = n == (size_t)limit && n ? items[n - 1].person_id : 0;
	free(items);
	reply_json(resp, 200,
		   json_pack("{s:o,s:o}", "items", list, "next_after",
			     next ? json_integer(next) : json_null()));
}

struct hand_arg {
	int64_t id;
	const char *code;
};

static enum rc hand_over(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			 void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct hand_arg *a = arg;
	struct person p;
	enum rc rc = distribution_hand_over(tx, actor, a->id, a->code, &p, prob);
	if (rc != RC_OK)
		return rc;
	rc = answer(tx, actor, a->id, out, prob);
	if (rc == RC_OK)
		json_object_set_new(out->body, "person",
				    json_pack("{s:I,s:s}", "id", (json_int_t)p.id, "name", p.name));
	return rc;
}

void h_distribution_hand_over(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct hand_arg a = { 0 };
	json_t *body = NULL;
	static const char *const allowed[] = { "code", NULL };
	if (!read_id_and_body(req, resp, "id", &a.id, allowed, &body, &prob))
		return;
	a.code = field_str(body, "code", false, &prob);
	api_write_checked(req, resp, &prob, hand_over, &a);
	json_decref(body);
}

static enum rc close_it(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct hand_arg *a = arg;
	enum rc rc = distribution_close(tx, actor, a->id, prob);
	return rc == RC_OK ? answer(tx, actor, a->id, out, prob) : rc;
}

void h_distribution_close(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct hand_arg a = { 0 };
	if (!param_id(req, "id", &a.id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, close_it, &a);
}

/* People's own codes */

struct code_arg {
	int64_t person_id; /* 0: mine */
};

static enum rc code(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		    struct write_out *out, struct problem *prob)
{
	(void)req;
	struct code_arg *a = arg;
	char token[PERSON_CODE_LEN];
	enum rc rc = a->person_id ? person_code_get(tx, actor, a->person_id, token, prob)
				  : person_code_mine(tx, actor, token, prob);
	if (rc != RC_OK)
		return rc;
	out->body = json_pack("{s:s}", "code", token);
	struct sb svg = SB_INIT;
	if (qr_svg(token, &svg))
		json_object_set_new(out->body, "qr_svg", json_string(sb_str(&svg)));
	sb_release(&svg);
	static const char *const secret[] = { "code", "qr_svg", NULL };
	out->secret_keys = secret;
	return RC_OK;
}

void h_me_code(struct http_req *req, struct http_resp *resp)
{
	struct code_arg a = { 0 };
	api_write(req, resp, code, &a);
}

void h_person_code(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct code_arg a = { 0 };
	if (!param_id(req, "id", &a.person_id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, code, &a);
}
