/* /api/v1/requests: orders, wishes, photo reports, suggestions, mediation
 * cases, tasks and home visits — filing, the queue, each step of the
 * lifecycle, the history, joining a nearby report, suggestions made
 * projects, and the counts dashboards show (domain/request.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/query.h"
#include "api/render.h"
#include "api/reply.h"
#include "api/write.h"
#include "core/clock.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/request.h"
#include "geo/coord.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *ref(int64_t id, const char *name)
{
	return id ? json_pack("{s:I,s:s}", "id", (json_int_t)id, "name", name) : json_null();
}

static bool overdue(const struct request *r, int64_t now)
{
	if (!strcmp(r->state, "submitted") || !strcmp(r->state, "dispatched") ||
	    !strcmp(r->state, "reopened"))
		return r->respond_due_s < now;
	if (!strcmp(r->state, "accepted") || !strcmp(r->state, "in_progress"))
		return r->resolve_due_s < now;
	return false;
}

json_t *render_request(const struct request *r, enum geo_crs crs)
{
	char number[24];
	snprintf(number, sizeof(number), "R%06lld", (long long)r->id);
	int64_t now = clock_now_s();
	json_t *o = json_pack(
		"{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:o,s:b,s:i,s:o,s:o,s:o,s:o,"
		"s:i,s:i}",
		"id", (json_int_t)r->id, "number", number, "kind", r->kind, "kind_name",
		request_name(request_kinds, r->kind), "category", r->category, "title", r->title,
		"description", r->description ? r->description : "", "state", r->state,
		"state_name", request_name(request_states, r->state), "station",
		ref(r->station_id, r->station_name), "region_code", r->region_code, "requester",
		ref(r->requester_id, r->requester_name), "assignee",
		ref(r->assignee_id, r->assignee_name), "team", ref(r->team_id, r->team_name),
		"overdue", overdue(r, now), "escalation", r->escalation, "respond_due",
		json_time(r->respond_due_s), "resolve_due", json_time(r->resolve_due_s),
		"created_at", json_time(r->created_s), "updated_at", json_time(r->updated_s),
		"version", r->version, "followers", r->followers);
	if (r->has_location) {
		struct geo_point p = { r->lat, r->lng };
		if (crs != GEO_CRS_WGS84)
			p = geo_from_wgs84(p, crs);
		json_object_set_new(o, "location",
				    json_pack("{s:f,s:f}", "lat", p.lat, "lng", p.lng));
	}
	if (r->dispatched_s)
		json_object_set_new(o, "dispatched_at", json_time(r->dispatched_s));
	if (r->accepted_s)
		json_object_set_new(o, "accepted_at", json_time(r->accepted_s));
	if (r->resolved_s)
		json_object_set_new(o, "resolved_at", json_time(r->resolved_s));
	if (r->closed_s)
		json_object_set_new(o, "closed_at", json_time(r->closed_s));
	if (r->escalated_s)
		json_object_set_new(o, "escalated_at", json_time(r->escalated_s));
	if (r->rating) {
		json_object_set_new(o, "rating", json_integer(r->rating));
		json_object_set_new(o, "rating_comment", str_or_null(r->rating_comment));
	}
	if (!strcmp(r->kind, "mediation")) {
		json_object_set_new(o, "parties", str_or_null(r->parties));
		json_object_set_new(o, "major", json_boolean(r->major));
		json_object_set_new(o, "settled",
				    r->settled < 0 ? json_null() : json_boolean(r->settled > 0));
	}
	if (!strcmp(r->kind, "visit")) {
		json_object_set_new(o, "household", str_or_null(r->household));
		json_object_set_new(o, "reason", str_or_null(r->reason));
		json_object_set_new(o, "record", str_or_null(r->record));
	}
	if (!strcmp(r->kind, "task"))
		json_object_set_new(o, "proof_count",
				    r->proof_count < 0 ? json_null()
						       : json_integer(r->proof_count));
	if (r->project_id)
		json_object_set_new(o, "project_id", json_integer(r->project_id));
	return o;
}

/* The detail: the request, what the viewer may do next, its photos. */
static json_t *render_detail(struct db *db, const struct principal *viewer, const struct request *r,
			     enum geo_crs crs, struct problem *prob)
{
	json_t *o = render_request(r, crs);
	const char *next[16];
	size_t n = request_next_actions(db, viewer, r, next, 16);
	json_t *actions = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(actions, json_string(next[i]));
	json_object_set_new(o, "actions", actions);
	struct request_photo *photos = NULL;
	size_t np = 0;
	if (request_photos(db, r->id, &photos, &np, prob) != RC_OK) {
		json_decref(o);
		return NULL;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < np; i++) {
		json_t *p = render_photo(&photos[i].photo);
		json_object_del(p, "caption");
		json_object_set_new(p, "role", json_string(photos[i].role));
		json_array_append_new(list, p);
	}
	free(photos);
	json_object_set_new(o, "photos", list);
	return o;
}

/* One category of the catalog; with its kind when it stands alone. */
static json_t *category_json(const struct request_category *c, bool with_kind)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:b}", "code", c->code, "name", c->name_zh,
			      "name_en", c->name_en, "respond_hours", c->respond_h, "resolve_hours",
			      c->resolve_h, "sort", c->sort, "retired", c->retired);
	if (with_kind)
		json_object_set_new(o, "kind", json_string(c->kind));
	return o;
}

void h_request_categories(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	const char *kind = http_req_query(req, "kind");
	if (kind && !request_kind_known(kind))
		problem_field(&prob, "kind", "没有这个种类：%s", kind);
	struct request_category *items = NULL;
	size_t n = 0;
	if (problem_has_fields(&prob) ||
	    request_categories(app->db, kind, &items, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *kinds = json_array();
	for (size_t k = 0; request_kinds[k].code; k++) {
		if (kind && strcmp(kind, request_kinds[k].code) != 0)
			continue;
		json_t *cats = json_array();
		for (size_t i = 0; i < n; i++)
			if (!strcmp(items[i].kind, request_kinds[k].code))
				json_array_append_new(cats, category_json(&items[i], false));
		json_array_append_new(kinds,
				      json_pack("{s:s,s:s,s:s,s:o}", "code", request_kinds[k].code,
						"name", request_kinds[k].zh, "name_en",
						request_kinds[k].en, "categories", cats));
	}
	free(items);
	json_t *states = json_array();
	for (size_t i = 0; request_states[i].code; i++)
		json_array_append_new(
			states, json_pack("{s:s,s:s,s:s}", "code", request_states[i].code, "name",
					  request_states[i].zh, "name_en", request_states[i].en));
	reply_json(resp, 200, json_pack("{s:o,s:o}", "kinds", kinds, "states", states));
}

struct category_put {
	struct request_category_input in;
};

static enum rc category_put(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			    void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct category_put *a = arg;
	struct request_category c;
	bool created = false;
	enum rc rc = request_category_put(tx, actor, &a->in, &c, &created, prob);
	if (rc != RC_OK)
		return rc;
	out->status = created ? 201 : 200;
	out->body = category_json(&c, true);
	if (created)
		snprintf(out->location, sizeof(out->location), "/api/v1/requests/categories/%s/%s",
			 c.kind, c.code);
	return RC_OK;
}

void h_request_category_put(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	json_t *body = NULL;
	static const char *const allowed[] = {
		"name", "name_en", "respond_hours", "resolve_hours", "sort", "retired", NULL
	};
	if (!read_id_and_body(req, resp, NULL, NULL, allowed, &body, &prob))
		return;
	struct category_put a = { .in = { .kind = http_req_param(req, "kind"),
					  .code = http_req_param(req, "code") } };
	/* The ranges are the domain's to say; here only the types. */
	int64_t respond = 0, resolve = 0, sort = 0;
	a.in.name_zh = field_text(body, "name", true, false, &prob);
	a.in.name_en = field_text(body, "name_en", false, false, &prob);
	field_int(body, "respond_hours", true, INT32_MIN, INT32_MAX, &respond, &prob);
	field_int(body, "resolve_hours", true, INT32_MIN, INT32_MAX, &resolve, &prob);
	if ((a.in.has_sort = json_object_get(body, "sort") != NULL))
		field_int(body, "sort", true, INT32_MIN, INT32_MAX, &sort, &prob);
	json_t *retired = json_object_get(body, "retired");
	if ((a.in.has_retired = retired != NULL)) {
		if (!json_is_boolean(retired))
			problem_field(&prob, "retired", "应为 true 或 false");
		a.in.retired = json_is_true(retired);
	}
	a.in.respond_h = (int)respond;
	a.in.resolve_h = (int)resolve;
	a.in.sort = (int)sort;
	api_write_checked(req, resp, &prob, category_put, &a);
	json_decref(body);
}

/* Filing */

struct create_arg {
	struct request_input in;
	enum geo_crs crs;
};

static enum rc create(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	(void)req;
	struct create_arg *a = arg;
	int64_t id = 0;
	enum rc rc = request_create(tx, actor, &a->in, &id, prob);
	if (rc != RC_OK)
		return rc;
	struct request r;
	rc = request_read(db_tx_db(tx), actor->p, id, &r, prob);
	if (rc != RC_OK)
		return rc;
	out->body = render_detail(db_tx_db(tx), actor->p, &r, a->crs, prob);
	request_release(&r);
	if (!out->body)
		return prob->rc ? prob->rc : RC_INTERNAL;
	out->status = 201;
	snprintf(out->location, sizeof(out->location), "/api/v1/requests/%lld", (long long)id);
	return RC_OK;
}

/* {lat, lng} in crs into in (WGS-84); a field error when malformed. */
static void read_location(json_t *body, enum geo_crs crs, bool *has, double *lat, double *lng,
			  struct problem *prob)
{
	json_t *v = json_object_get(body, "location");
	*has = false;
	if (!v || json_is_null(v))
		return;
	json_t *la = json_object_get(v, "lat"), *ln = json_object_get(v, "lng");
	if (!json_is_object(v) || !json_is_number(la) || !json_is_number(ln)) {
		problem_field(prob, "location", "应为 {lat: 纬度, lng: 经度}");
		return;
	}
	struct geo_point p = { json_number_value(la), json_number_value(ln) };
	if (!geo_point_valid(p) || !geo_in_china(p)) {
		problem_field(prob, "location", "位置应在中国境内");
		return;
	}
	p = geo_to_wgs84(p, crs);
	*has = true;
	*lat = p.lat;
	*lng = p.lng;
}

static bool field_flag(json_t *body, const char *key, bool *out, struct problem *prob)
{
	json_t *v = json_object_get(body, key);
	if (!v || json_is_null(v))
		return false;
	if (!json_is_boolean(v)) {
		problem_field(prob, key, "应为 true 或 false");
		return false;
	}
	*out = json_is_true(v);
	return true;
}

void h_request_create(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct create_arg a = { 0 };
	if (!query_crs(req, &a.crs, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	static const char *const allowed[] = { "kind",	      "category", "title",
					       "description", "location", "station_id",
					       "region_code", "parties",  "major",
					       "household",   "reason",	  "assignee_id",
					       NULL };
	fields_known(body, allowed, &prob);
	struct request_input *in = &a.in;
	in->kind = field_str(body, "kind", true, &prob);
	in->category = field_str(body, "category", true, &prob);
	/* Checked here too, so that they are named with the other fields. */
	if (in->kind && !request_kind_known(in->kind))
		problem_field(&prob, "kind",
			      "应为 order、wish、report、suggestion、mediation、task、visit 之一");
	if (in->category && !*in->category)
		problem_field(&prob, "category", "不能为空");
	in->title = field_text(body, "title", true, false, &prob);
	if (in->title && text_chars(in->title) > REQUEST_TITLE_MAX)
		problem_field(&prob, "title", "太长了：最多 %d 个字", REQUEST_TITLE_MAX);
	in->description = field_text(body, "description", false, true, &prob);
	in->parties = field_text(body, "parties", false, true, &prob);
	in->household = field_text(body, "household", false, false, &prob);
	in->reason = field_text(body, "reason", false, true, &prob);
	in->region_code = field_str(body, "region_code", false, &prob);
	field_int(body, "station_id", false, 1, INT64_MAX, &in->station_id, &prob);
	field_int(body, "assignee_id", false, 1, INT64_MAX, &in->assignee_id, &prob);
	field_flag(body, "major", &in->major, &prob);
	read_location(body, a.crs, &in->has_location, &in->lat, &in->lng, &prob);
	api_write_grouped(req, resp, &prob, create, &a);
	json_decref(body);
}

/* Reading */

static bool read_request(struct http_req *req, struct http_resp *resp, struct request *r,
			 enum geo_crs *crs, struct problem *prob)
{
	struct app *app = req->app;
	int64_t id;
	if (!param_id(req, "id", &id, prob) || !query_crs(req, crs, prob) ||
	    request_read(app->db, req_principal(req), id, r, prob) != RC_OK) {
		reply_problem(req, resp, prob);
		return false;
	}
	return true;
}

void h_request_get(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct request r;
	enum geo_crs crs;
	if (!read_request(req, resp, &r, &crs, &prob))
		return;
	json_t *o = render_detail(app->db, req_principal(req), &r, crs, &prob);
	request_release(&r);
	if (!o) {
		reply_problem(req, resp, &prob);
		return;
	}
	reply_json(resp, 200, o);
}

void h_request_history(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	struct request_event *items = NULL;
	size_t n = 0;
	if (!param_id(req, "id", &id, &prob) ||
	    request_history(app->db, req_principal(req), id, &items, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct request_event *e = &items[i];
		json_t *o = json_pack("{s:I,s:o,s:s,s:s,s:s,s:s}", "id", (json_int_t)e->id, "at",
				      json_time(e->at_s), "actor", e->actor_label, "action",
				      e->action, "action_name",
				      request_name(request_actions, e->action), "to_state",
				      e->to_state);
		json_object_set_new(o, "from_state",
				    e->from_state[0] ? json_string(e->from_state) : json_null());
		json_object_set_new(o, "note", e->note[0] ? json_string(e->note) : json_null());
		json_array_append_new(list, o);
	}
	free(items);
	reply_json(resp, 200, json_pack("{s:o}", "items", list));
}

void h_request_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct request_filter f = { 0 };
	enum geo_crs crs = GEO_CRS_WGS84;
	int64_t before = 0, limit = 0, station = 0;
	f.kind = http_req_query(req, "kind");
	f.state = http_req_query(req, "state");
	f.category = http_req_query(req, "category");
	query_region(req, "region", false, f.region, &prob);
	query_int(req, "station_id", 1, INT64_MAX, 0, &station, &prob);
	query_int(req, "before", 1, INT64_MAX, 0, &before, &prob);
	query_int(req, "limit", 1, 200, 50, &limit, &prob);
	query_bool(req, "mine", &f.mine, &prob);
	query_bool(req, "assigned", &f.assigned, &prob);
	query_bool(req, "overdue", &f.overdue, &prob);
	query_bool(req, "wall", &f.wall, &prob);
	query_crs(req, &crs, &prob);
	f.station_id = station;
	struct request_page page;
	if (problem_has_fields(&prob) || request_list(app->db, req_principal(req), &f, before,
						      (size_t)limit, &page, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < page.n; i++)
		json_array_append_new(items, render_request(&page.items[i], crs));
	json_t *o = json_pack("{s:o,s:o}", "items", items, "next_before",
			      page.next_before_id ? json_integer(page.next_before_id)
						  : json_null());
	request_page_release(&page);
	reply_json(resp, 200, o);
}

/* Steps */

struct step_arg {
	int64_t id;
	struct request_step step;
	enum geo_crs crs;
};

static enum rc take_step(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			 void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct step_arg *a = arg;
	enum rc rc = request_step(tx, actor, a->id, &a->step, prob);
	if (rc != RC_OK)
		return rc;
	struct request r;
	rc = request_read(db_tx_db(tx), actor->p, a->id, &r, prob);
	if (rc == RC_NOT_FOUND) {
		/* Stepped out of sight (a volunteer handing a wish back): say so. */
		problem_init(prob);
		out->body = json_pack("{s:I,s:s}", "id", (json_int_t)a->id, "action",
				      a->step.action);
		return RC_OK;
	}
	if (rc != RC_OK)
		return rc;
	out->body = render_detail(db_tx_db(tx), actor->p, &r, a->crs, prob);
	request_release(&r);
	return out->body ? RC_OK : (prob->rc ? prob->rc : RC_INTERNAL);
}

void h_request_step(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct step_arg a = { .step = { .settled = -1, .proof_count = -1 } };
	json_t *body = NULL;
	static const char *const allowed[] = { "action", "version",	"assignee_id", "team_id",
					       "rating", "comment",	"note",	       "settled",
					       "record", "proof_count", NULL };
	if (!query_crs(req, &a.crs, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	if (!read_id_and_body(req, resp, "id", &a.id, allowed, &body, &prob))
		return;
	struct request_step *s = &a.step;
	int64_t v = 0;
	s->action = field_str(body, "action", true, &prob);
	if (field_int(body, "version", false, 1, INT32_MAX, &v, &prob))
		s->version = (int)v;
	field_int(body, "assignee_id", false, 1, INT64_MAX, &s->assignee_id, &prob);
	field_int(body, "team_id", false, 1, INT64_MAX, &s->team_id, &prob);
	if (json_object_get(body, "rating")) {
		if (field_int(body, "rating", false, 1, 5, &v, &prob))
			s->rating = (int)v;
	}
	s->comment = field_text(body, "comment", false, true, &prob);
	s->note = field_text(body, "note", false, true, &prob);
	s->record = field_text(body, "record", false, true, &prob);
	bool settled;
	if (field_flag(body, "settled", &settled, &prob))
		s->settled = settled ? 1 : 0;
	if (json_object_get(body, "proof_count") &&
	    field_int(body, "proof_count", false, 0, 1000000, &v, &prob))
		s->proof_count = (int)v;
	api_write_checked(req, resp, &prob, take_step, &a);
	json_decref(body);
}

/* Duplicates and following */

void h_request_duplicates(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	enum geo_crs crs = GEO_CRS_WGS84;
	double lat = 0, lng = 0;
	const char *kind = http_req_query(req, "kind");
	const char *category = http_req_query(req, "category");
	query_crs(req, &crs, &prob);
	query_double(req, "lat", true, -90, 90, 0, &lat, &prob);
	query_double(req, "lng", true, -180, 180, 0, &lng, &prob);
	if (!kind)
		kind = "report";
	if (strcmp(kind, "report") != 0)
		problem_field(&prob, "kind", "只有随手拍会找附近的相同问题");
	if (!category)
		problem_field(&prob, "category", "不能为空");
	struct geo_point p = geo_to_wgs84((struct geo_point){ lat, lng }, crs);
	if (!problem_has_fields(&prob) && !geo_in_china(p))
		problem_field(&prob, "lat", "位置应在中国境内");
	struct request_nearby *items = NULL;
	size_t n = 0;
	if (problem_has_fields(&prob) ||
	    request_duplicates(app->db, kind, category, p.lat, p.lng, &items, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
			list,
			json_pack("{s:I,s:s,s:s,s:s,s:i,s:o,s:i}", "id", (json_int_t)items[i].id,
				  "title", items[i].title, "state", items[i].state, "state_name",
				  request_name(request_states, items[i].state), "distance_m",
				  (int)(items[i].distance_m + 0.5), "created_at",
				  json_time(items[i].created_s), "followers", items[i].followers));
	free(items);
	reply_json(resp, 200, json_pack("{s:o}", "items", list));
}

static enum rc follow(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	(void)req;
	int64_t id = *(int64_t *)arg;
	enum rc rc = request_follow(tx, actor, id, prob);
	if (rc == RC_OK)
		out->body = json_pack("{s:I,s:b}", "id", (json_int_t)id, "following", 1);
	return rc;
}

void h_request_follow(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	if (!param_id(req, "id", &id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, follow, &id);
}

/* Suggestions made projects */

struct project_arg {
	int64_t id;
	const char *title, *starts_on;
};

static enum rc project(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		       struct write_out *out, struct problem *prob)
{
	(void)req;
	struct project_arg *a = arg;
	int64_t pid = 0;
	enum rc rc = request_to_project(tx, actor, a->id, a->title, a->starts_on, &pid, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	out->body = json_pack("{s:I,s:s,s:s,s:I}", "id", (json_int_t)pid, "title", a->title,
			      "starts_on", a->starts_on, "suggestion_id", (json_int_t)a->id);
	return RC_OK;
}

void h_request_project(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct project_arg a = { 0 };
	json_t *body = NULL;
	static const char *const allowed[] = { "title", "starts_on", NULL };
	if (!read_id_and_body(req, resp, "id", &a.id, allowed, &body, &prob))
		return;
	a.title = field_text(body, "title", true, false, &prob);
	a.starts_on = field_str(body, "starts_on", true, &prob);
	api_write_checked(req, resp, &prob, project, &a);
	json_decref(body);
}

/* Dashboards */

void h_request_stats(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	char region[13];
	query_region(req, "region", false, region, &prob);
	struct request_stats *st = xmalloc(sizeof(*st));
	if (problem_has_fields(&prob) ||
	    request_stats(app->db, req_principal(req), region, st, &prob) != RC_OK) {
		free(st);
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *kinds = json_object();
	for (size_t k = 0; request_kinds[k].code; k++) {
		json_t *states = json_object();
		int64_t total = 0;
		for (size_t s = 0; request_states[s].code; s++) {
			if (st->by_kind_state[k][s])
				json_object_set_new(states, request_states[s].code,
						    json_integer(st->by_kind_state[k][s]));
			total += st->by_kind_state[k][s];
		}
		json_object_set_new(
			kinds, request_kinds[k].code,
			json_pack("{s:I,s:o}", "total", (json_int_t)total, "by_state", states));
	}
	json_t *regions = json_array();
	for (size_t i = 0; i < st->nregions; i++)
		json_array_append_new(regions,
				      json_pack("{s:s,s:I,s:I}", "code", st->regions[i].code,
						"count", (json_int_t)st->regions[i].n, "open",
						(json_int_t)st->regions[i].open));
	json_t *o = json_pack(
		"{s:I,s:I,s:I,s:o,s:o,s:{s:I,s:I,s:I,s:I,s:f},s:{s:I,s:f}}", "total",
		(json_int_t)st->total, "open", (json_int_t)st->open, "overdue",
		(json_int_t)st->overdue, "by_kind", kinds, "by_region", regions, "mediation",
		"cases", (json_int_t)st->mediation_cases, "major", (json_int_t)st->mediation_major,
		"decided", (json_int_t)st->mediation_closed, "settled",
		(json_int_t)st->mediation_settled, "success_rate", st->mediation_success, "rating",
		"count", (json_int_t)st->rated, "average", st->rating_avg);
	free(st);
	reply_json(resp, 200, o);
}
