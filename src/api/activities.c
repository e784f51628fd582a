/* /api/v1/activities: finding activities (near me, at a station, in a
 * region), organising them (create, change, publish, cancel), signing up
 * and cancelling, attendance by the activity's code or the organiser's
 * sheet, an after-hours desk's counts, a deliberation meeting's problems,
 * one's own activities, and the iCalendar feeds (domain/activity.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/ical.h"
#include "api/qr.h"
#include "api/query.h"
#include "api/reply.h"
#include "api/write.h"
#include "core/clock.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/activity.h"

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static bool kind_known(const char *kind)
{
	for (size_t i = 0; activity_kinds[i].code; i++)
		if (!strcmp(activity_kinds[i].code, kind))
			return true;
	return false;
}

static json_t *render_signup(const struct activity_signup *s)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:b,s:o,s:o}", "id", (json_int_t)s->id, "state",
			      s->state, "state_name",
			      field_choice_zh(activity_signup_states, s->state), "walk_in",
			      s->walk_in, "signed_up_at", json_time(s->created_s), "attended_at",
			      s->attended_s ? json_time(s->attended_s) : json_null());
	if (!strcmp(s->state, "waitlisted"))
		json_object_set_new(o, "waitlist_position", json_integer(s->waitlist_position));
	return o;
}

static json_t *render_activity(const struct activity *a, const double *distance_m)
{
	json_t *o = json_pack(
		"{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:o,s:o,s:o,s:i,s:i,s:i,s:i,s:s,s:s,s:i,s:{s:I,s:s},"
		"s:s,s:s,s:i,s:i,s:o,s:o}",
		"id", (json_int_t)a->id, "kind", a->kind, "kind_name",
		field_choice_zh(activity_kinds, a->kind), "title", a->title, "description",
		a->description ? a->description : "", "station",
		a->station_id ? json_pack("{s:I,s:s,s:s}", "id", (json_int_t)a->station_id, "name",
					  a->station_name, "address", a->station_address)
			      : json_null(),
		"place", str_or_null(a->place), "region_code", a->region_code, "starts_at",
		json_time(a->starts_s), "ends_at", json_time(a->ends_s), "signup_cutoff_at",
		json_time(a->signup_cutoff_s), "capacity", a->capacity, "seats_taken",
		a->seats_taken, "seats_left",
		a->capacity > a->seats_taken ? a->capacity - a->seats_taken : 0, "waitlisted",
		a->waitlisted, "audience", a->audience, "audience_name",
		field_choice_zh(activity_audiences, a->audience), "points", a->points, "organiser",
		"id", (json_int_t)a->organiser_id, "name", a->organiser_name, "state", a->state,
		"state_name", field_choice_zh(activity_states, a->state), "sequence", a->sequence,
		"version", a->version, "created_at", json_time(a->created_s), "updated_at",
		json_time(a->updated_s));
	if (a->audience_ref)
		json_object_set_new(o, "audience_ref",
				    json_pack("{s:I,s:s}", "id", (json_int_t)a->audience_ref,
					      "name", a->audience_name));
	if (a->has_location)
		json_object_set_new(o, "location",
				    json_pack("{s:f,s:f}", "lat", a->lat, "lng", a->lng));
	if (distance_m)
		json_object_set_new(o, "distance_m", json_integer((json_int_t)(*distance_m + 0.5)));
	if (a->project_id)
		json_object_set_new(o, "project_id", json_integer(a->project_id));
	if (a->party_org_id)
		json_object_set_new(o, "party_org",
				    json_pack("{s:I,s:s}", "id", (json_int_t)a->party_org_id,
					      "name", a->party_org_name));
	if (!strcmp(a->kind, "party_meeting"))
		json_object_set_new(o, "minutes", str_or_null(a->minutes));
	if (!strcmp(a->kind, "deliberation")) {
		json_object_set_new(o, "topic", str_or_null(a->topic));
		json_object_set_new(o, "participants", str_or_null(a->participants));
		json_object_set_new(o, "outcome", str_or_null(a->outcome));
	}
	if (a->cancel_reason)
		json_object_set_new(o, "cancel_reason", json_string(a->cancel_reason));
	return o;
}

/* The detail: the activity, the viewer's sign-up, whether they manage it
 * (then the attendance link too), a desk's items, a meeting's problems. */
static json_t *render_detail(struct app *app, const struct principal *viewer,
			     const struct activity *a, struct problem *prob)
{
	json_t *o = render_activity(a, NULL);
	struct activity_signup s;
	bool found = false;
	if (activity_my_signup(app->db, viewer, a->id, &s, &found, prob) != RC_OK)
		goto fail;
	json_object_set_new(o, "my_signup", found ? render_signup(&s) : json_null());
	bool manage = activity_may_manage(viewer, a);
	json_object_set_new(o, "may_manage", json_boolean(manage));
	if (manage && a->attend_token[0]) {
		char url[512];
		snprintf(url, sizeof(url), "%s/activity.html?id=%lld&t=%s", app->public_url,
			 (long long)a->id, a->attend_token);
		json_object_set_new(o, "attend_url", json_string(url));
	}
	if (!strcmp(a->kind, "service_desk")) {
		struct activity_desk_item *items = NULL;
		size_t n = 0;
		if (activity_desk_items(app->db, a->id, &items, &n, prob) != RC_OK)
			goto fail;
		json_t *list = json_array();
		int total = 0;
		for (size_t i = 0; i < n; i++) {
			json_array_append_new(list, json_pack("{s:s,s:i}", "item", items[i].item,
							      "served", items[i].served));
			total += items[i].served;
		}
		free(items);
		json_object_set_new(o, "service_items", list);
		json_object_set_new(o, "served_total", json_integer(total));
	}
	if (!strcmp(a->kind, "deliberation")) {
		struct activity_problem *items = NULL;
		size_t n = 0;
		if (activity_problems(app->db, a->id, &items, &n, prob) != RC_OK)
			goto fail;
		json_t *list = json_array();
		int solved = 0;
		for (size_t i = 0; i < n; i++) {
			json_t *p = json_pack("{s:I,s:s,s:b}", "id", (json_int_t)items[i].id,
					      "text", items[i].text, "solved", items[i].solved);
			json_object_set_new(p, "request_id",
					    items[i].request_id ? json_integer(items[i].request_id)
								: json_null());
			json_array_append_new(list, p);
			solved += items[i].solved;
		}
		free(items);
		json_object_set_new(o, "problems", list);
		json_object_set_new(o, "problems_solved", json_integer(solved));
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* Reading */

void h_activity_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct activity_filter f = { .upcoming = true };
	int64_t limit = 0, station = 0;
	bool past = false;
	f.kind = http_req_query(req, "kind");
	if (f.kind && !*f.kind)
		f.kind = NULL;
	if (f.kind && !kind_known(f.kind))
		problem_field(&prob, "kind", "没有这个活动类型：%s", f.kind);
	query_int(req, "station_id", 1, INT64_MAX, 0, &station, &prob);
	f.station_id = station;
	query_region(req, "region", false, f.region, &prob);
	query_int(req, "limit", 1, 200, 50, &limit, &prob);
	query_bool(req, "past", &past, &prob);
	query_bool(req, "drafts", &f.drafts, &prob);
	f.upcoming = !past;
	if (http_req_query(req, "lat") || http_req_query(req, "lng")) {
		f.near = true;
		query_double(req, "lat", true, -90, 90, 0, &f.lat, &prob);
		query_double(req, "lng", true, -180, 180, 0, &f.lng, &prob);
		query_double(req, "radius_m", false, 100, 50000, 5000, &f.radius_m, &prob);
	}
	struct activity_page page;
	if (problem_has_fields(&prob) ||
	    activity_list(app->db, req_principal(req), &f, (size_t)limit, &page, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < page.n; i++)
		json_array_append_new(
			items, render_activity(&page.items[i],
					       page.distance_m ? &page.distance_m[i] : NULL));
	activity_page_release(&page);
	json_t *kinds = json_array();
	for (size_t i = 0; activity_kinds[i].code; i++)
		json_array_append_new(
			kinds, json_pack("{s:s,s:s,s:s}", "code", activity_kinds[i].code, "name",
					 activity_kinds[i].zh, "name_en", activity_kinds[i].en));
	reply_json(resp, 200, json_pack("{s:o,s:o}", "items", items, "kinds", kinds));
}

void h_activity_get(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	struct activity a;
	if (!param_id(req, "id", &id, &prob) ||
	    activity_read(app->db, req_principal(req), id, &a, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *o = render_detail(app, req_principal(req), &a, &prob);
	activity_release(&a);
	if (!o) {
		reply_problem(req, resp, &prob);
		return;
	}
	reply_json(resp, 200, o);
}

/* Organising */

static bool read_time(json_t *body, const char *key, bool *has, int64_t *out, struct problem *prob)
{
	json_t *v = json_object_get(body, key);
	if (!v)
		return false;
	if (!json_is_string(v) || clock_parse_rfc3339(json_string_value(v), out) != 0) {
		problem_field(prob, key, "应为 RFC 3339 时间，如 2026-05-01T09:00:00+08:00");
		return false;
	}
	*has = true;
	return true;
}

/* A text member: given (maybe null, which clears it) sets *has. */
static void read_text(json_t *body, const char *key, bool multiline, bool *has, const char **out,
		      struct problem *prob)
{
	json_t *v = json_object_get(body, key);
	if (!v)
		return;
	*has = true;
	*out = json_is_null(v) ? NULL : field_text(body, key, false, multiline, prob);
}

static void read_id(json_t *body, const char *key, bool *has, int64_t *out, struct problem *prob)
{
	json_t *v = json_object_get(body, key);
	if (!v)
		return;
	*has = true;
	*out = 0;
	if (!json_is_null(v))
		field_int(body, key, false, 1, INT64_MAX, out, prob);
}

static void read_input(json_t *body, struct activity_input *in, struct problem *prob)
{
	static const char *const allowed[] = { "kind",	     "title",	      "description",
					       "station_id", "place",	      "region_code",
					       "starts_at",  "ends_at",	      "signup_cutoff_at",
					       "capacity",   "audience",      "audience_ref",
					       "points",     "project_id",    "party_org_id",
					       "minutes",    "topic",	      "participants",
					       "outcome",    "service_items", "version",
					       NULL };
	fields_known(body, allowed, prob);
	int64_t v = 0;
	if (json_object_get(body, "kind")) {
		in->has_kind = true;
		in->kind = field_str(body, "kind", true, prob);
	}
	read_text(body, "title", false, &in->has_title, &in->title, prob);
	/* Named here too, so that they come with the other fields' errors. */
	if (in->has_kind && in->kind && !kind_known(in->kind))
		problem_field(prob, "kind",
			      "应为 training、party_lesson、party_meeting、clinic、event、project、"
			      "service_desk、deliberation 之一");
	if (in->has_title && (!in->title || !*in->title))
		problem_field(prob, "title", "不能为空");
	read_text(body, "description", true, &in->has_description, &in->description, prob);
	read_text(body, "place", false, &in->has_place, &in->place, prob);
	read_text(body, "minutes", true, &in->has_minutes, &in->minutes, prob);
	read_text(body, "topic", false, &in->has_topic, &in->topic, prob);
	read_text(body, "participants", true, &in->has_participants, &in->participants, prob);
	read_text(body, "outcome", true, &in->has_outcome, &in->outcome, prob);
	if (json_object_get(body, "region_code")) {
		in->has_region = true;
		in->region_code = field_str(body, "region_code", false, prob);
	}
	read_id(body, "station_id", &in->has_station, &in->station_id, prob);
	read_id(body, "project_id", &in->has_project, &in->project_id, prob);
	read_id(body, "party_org_id", &in->has_party_org, &in->party_org_id, prob);
	read_time(body, "starts_at", &in->has_starts, &in->starts_s, prob);
	read_time(body, "ends_at", &in->has_ends, &in->ends_s, prob);
	read_time(body, "signup_cutoff_at", &in->has_cutoff, &in->signup_cutoff_s, prob);
	if (json_object_get(body, "capacity") &&
	    field_int(body, "capacity", false, 1, ACTIVITY_CAPACITY_MAX, &v, prob)) {
		in->has_capacity = true;
		in->capacity = (int)v;
	}
	if (json_object_get(body, "points") &&
	    field_int(body, "points", false, 0, ACTIVITY_POINTS_MAX, &v, prob)) {
		in->has_points = true;
		in->points = (int)v;
	}
	if (json_object_get(body, "audience")) {
		in->has_audience = true;
		in->audience = field_str(body, "audience", true, prob);
		if (json_object_get(body, "audience_ref"))
			field_int(body, "audience_ref", false, 1, INT64_MAX, &in->audience_ref,
				  prob);
	} else if (json_object_get(body, "audience_ref")) {
		problem_field(prob, "audience_ref", "要和 audience 一起给出");
	}
	if (json_object_get(body, "version") &&
	    field_int(body, "version", false, 1, INT32_MAX, &v, prob))
		in->version = (int)v;
	json_t *items = json_object_get(body, "service_items");
	if (items) {
		in->has_items = true;
		if (!json_is_array(items) || json_array_size(items) > ACTIVITY_DESK_ITEMS_MAX) {
			problem_field(prob, "service_items", "应为事项名称的数组（最多 %d 项）",
				      ACTIVITY_DESK_ITEMS_MAX);
			return;
		}
		for (size_t i = 0; i < json_array_size(items); i++) {
			const char *s = text_value(json_array_get(items, i), "service_items", false,
						   prob);
			if (!s)
				return;
			in->items[in->nitems++] = s;
		}
	}
}

struct create_arg {
	struct activity_input in;
	struct app *app;
};

static enum rc create(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	(void)req;
	struct create_arg *c = arg;
	int64_t id = 0;
	enum rc rc = activity_create(tx, actor, &c->in, &id, prob);
	if (rc != RC_OK)
		return rc;
	struct activity a;
	rc = activity_read(db_tx_db(tx), actor->p, id, &a, prob);
	if (rc != RC_OK)
		return rc;
	out->body = render_detail(c->app, actor->p, &a, prob);
	activity_release(&a);
	if (!out->body)
		return prob->rc ? prob->rc : RC_INTERNAL;
	out->status = 201;
	snprintf(out->location, sizeof(out->location), "/api/v1/activities/%lld", (long long)id);
	return RC_OK;
}

void h_activity_create(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	struct create_arg c = { .app = req->app };
	read_input(body, &c.in, &prob);
	if (!c.in.has_kind)
		problem_field(&prob, "kind", "不能为空");
	if (!c.in.has_title)
		problem_field(&prob, "title", "不能为空");
	api_write_checked(req, resp, &prob, create, &c);
	json_decref(body);
}

/* The commands on one activity that answer with its detail. */
enum op { OP_UPDATE, OP_PUBLISH, OP_CANCEL, OP_SIGNUP, OP_UNSIGN, OP_MARK, OP_DESK };

struct op_arg {
	enum op op;
	int64_t id;
	struct app *app;
	struct activity_input in;
	const char *reason;
	int64_t account_id;
	const char *state;
	struct activity_desk_item *items;
	size_t nitems;
};

static enum rc run_op(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	(void)req;
	struct op_arg *o = arg;
	struct activity_signup s;
	enum rc rc = RC_OK;
	switch (o->op) {
	case OP_UPDATE: rc = activity_update(tx, actor, o->id, &o->in, prob); break;
	case OP_PUBLISH: rc = activity_publish(tx, actor, o->id, prob); break;
	case OP_CANCEL: rc = activity_cancel(tx, actor, o->id, o->reason, prob); break;
	case OP_SIGNUP:
		rc = activity_signup(tx, actor, o->id, &s, prob);
		out->status = 201;
		break;
	case OP_UNSIGN: rc = activity_signup_cancel(tx, actor, o->id, prob); break;
	case OP_MARK: rc = activity_mark(tx, actor, o->id, o->account_id, o->state, prob); break;
	case OP_DESK: rc = activity_desk_count(tx, actor, o->id, o->items, o->nitems, prob); break;
	}
	if (rc != RC_OK)
		return rc;
	struct activity a;
	rc = activity_read(db_tx_db(tx), actor->p, o->id, &a, prob);
	if (rc != RC_OK)
		return rc;
	out->body = render_detail(o->app, actor->p, &a, prob);
	activity_release(&a);
	return out->body ? RC_OK : (prob->rc ? prob->rc : RC_INTERNAL);
}

static void op_route(struct http_req *req, struct http_resp *resp, enum op op,
		     const char *const *allowed)
{
	struct problem prob;
	problem_init(&prob);
	struct op_arg o = { .op = op, .app = req->app };
	json_t *body = NULL;
	if (!allowed) {
		if (!param_id(req, "id", &o.id, &prob)) {
			reply_problem(req, resp, &prob);
			return;
		}
		api_write(req, resp, run_op, &o);
		return;
	}
	if (!read_id_and_body(req, resp, "id", &o.id, allowed, &body, &prob))
		return;
	switch (op) {
	case OP_UPDATE: read_input(body, &o.in, &prob); break;
	case OP_CANCEL: o.reason = field_text(body, "reason", true, true, &prob); break;
	case OP_MARK:
		field_int(body, "account_id", true, 1, INT64_MAX, &o.account_id, &prob);
		o.state = field_str(body, "state", true, &prob);
		break;
	case OP_DESK: {
		json_t *items = json_object_get(body, "items");
		if (!json_is_array(items) || json_array_size(items) > ACTIVITY_DESK_ITEMS_MAX) {
			problem_field(&prob, "items", "应为 [{item, served}] 数组");
			break;
		}
		o.items = xcalloc(json_array_size(items) + 1, sizeof(*o.items));
		for (size_t i = 0; i < json_array_size(items); i++) {
			json_t *it = json_array_get(items, i);
			const char *name = json_is_object(it)
						   ? text_value(json_object_get(it, "item"),
								"items", false, &prob)
						   : NULL;
			int64_t served = 0;
			if (!name || !value_int(json_object_get(it, "served"), "items", 0, 100000,
						&served, &prob)) {
				if (!problem_has_fields(&prob))
					problem_field(&prob, "items", "应为 [{item, served}] 数组");
				break;
			}
			text_copy(o.items[o.nitems].item, sizeof(o.items[0].item), name);
			o.items[o.nitems++].served = (int)served;
		}
		break;
	}
	default: break;
	}
	api_write_checked(req, resp, &prob, run_op, &o);
	free(o.items);
	json_decref(body);
}

void h_activity_update(struct http_req *req, struct http_resp *resp)
{
	static const char *const allowed[] = { "kind",	     "title",	      "description",
					       "station_id", "place",	      "region_code",
					       "starts_at",  "ends_at",	      "signup_cutoff_at",
					       "capacity",   "audience",      "audience_ref",
					       "points",     "project_id",    "party_org_id",
					       "minutes",    "topic",	      "participants",
					       "outcome",    "service_items", "version",
					       NULL };
	op_route(req, resp, OP_UPDATE, allowed);
}

void h_activity_publish(struct http_req *req, struct http_resp *resp)
{
	op_route(req, resp, OP_PUBLISH, NULL);
}

void h_activity_cancel(struct http_req *req, struct http_resp *resp)
{
	static const char *const allowed[] = { "reason", NULL };
	op_route(req, resp, OP_CANCEL, allowed);
}

void h_activity_signup(struct http_req *req, struct http_resp *resp)
{
	op_route(req, resp, OP_SIGNUP, NULL);
}

void h_activity_unsign(struct http_req *req, struct http_resp *resp)
{
	op_route(req, resp, OP_UNSIGN, NULL);
}

void h_activity_mark(struct http_req *req, struct http_resp *resp)
{
	static const char *const allowed[] = { "account_id", "state", NULL };
	op_route(req, resp, OP_MARK, allowed);
}

void h_activity_desk(struct http_req *req, struct http_resp *resp)
{
	static const char *const allowed[] = { "items", NULL };
	op_route(req, resp, OP_DESK, allowed);
}

/* Attendance by the code */

struct attend_arg {
	int64_t id;
	const char *token;
	struct app *app;
};

static enum rc do_attend(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			 void *arg, struct write_out *out, struct problem *prob)
{
	struct attend_arg *a = arg;
	struct activity_signup s;
	bool already = false;
	enum rc rc = activity_attend(tx, actor, a->id, a->token, req->client_ip, &s, &already,
				     prob);
	if (rc != RC_OK)
		return rc;
	json_t *o = render_signup(&s);
	json_object_set_new(o, "already", json_boolean(already));
	json_object_set_new(o, "activity_id", json_integer(a->id));
	out->body = o;
	return RC_OK;
}

void h_activity_attend(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct attend_arg a = { .app = req->app };
	json_t *body = NULL;
	static const char *const allowed[] = { "token", NULL };
	if (!read_id_and_body(req, resp, "id", &a.id, allowed, &body, &prob))
		return;
	a.token = field_str(body, "token", true, &prob);
	api_write_checked(req, resp, &prob, do_attend, &a);
	json_decref(body);
}

/* The organiser's sheet */

void h_activity_sheet(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	struct activity_signup *items = NULL;
	size_t n = 0;
	if (!param_id(req, "id", &id, &prob) ||
	    activity_sheet(app->db, req_principal(req), id, &items, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *list = json_array();
	int counts[5] = { 0 };
	for (size_t i = 0; i < n; i++) {
		json_t *o = render_signup(&items[i]);
		json_object_set_new(o, "account",
				    json_pack("{s:I,s:s}", "id", (json_int_t)items[i].account_id,
					      "name", items[i].account_name));
		json_object_set_new(o, "how", str_or_null(items[i].how));
		json_array_append_new(list, o);
		for (int k = 0; k < 5; k++)
			if (!strcmp(items[i].state, activity_signup_states[k].code))
				counts[k]++;
	}
	free(items);
	json_t *tally = json_object();
	for (int k = 0; k < 5; k++)
		json_object_set_new(tally, activity_signup_states[k].code, json_integer(counts[k]));
	reply_json(resp, 200,
		   json_pack("{s:I,s:o,s:o}", "activity_id", (json_int_t)id, "items", list,
			     "counts", tally));
}

static void activity_qr(struct http_req *req, struct http_resp *resp, bool png)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	struct activity a;
	if (!param_id(req, "id", &id, &prob) ||
	    activity_read(app->db, req_principal(req), id, &a, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	if (!activity_may_manage(req_principal(req), &a)) {
		activity_release(&a);
		problem_set(&prob, RC_FORBIDDEN, "forbidden",
			    "只有活动的组织者和所在驿站、区域的工作人员可以管理它");
		reply_problem(req, resp, &prob);
		return;
	}
	struct sb link = SB_INIT;
	sb_addf(&link, "%s/activity.html?id=%lld&t=%s", app->public_url, (long long)a.id,
		a.attend_token);
	activity_release(&a);
	bool ok = png ? qr_png(sb_str(&link), 8, &resp->body) : qr_svg(sb_str(&link), &resp->body);
	sb_release(&link);
	if (!ok) {
		problem_set(&prob, RC_INTERNAL, "internal", "二维码生成失败");
		reply_problem(req, resp, &prob);
		return;
	}
	resp->status = 200;
	resp->content_type = png ? "image/png" : "image/svg+xml";
}

void h_activity_qr_svg(struct http_req *req, struct http_resp *resp)
{
	activity_qr(req, resp, false);
}

void h_activity_qr_png(struct http_req *req, struct http_resp *resp)
{
	activity_qr(req, resp, true);
}

/* Deliberation problems */

struct problem_arg {
	int64_t id;
	const char *text, *category;
	bool solved, open_request;
};

static enum rc add_problem(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			   void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct problem_arg *a = arg;
	struct activity_problem p;
	enum rc rc = activity_problem_add(tx, actor, a->id, a->text, a->solved, a->open_request,
					  a->category, &p, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	out->body = json_pack("{s:I,s:s,s:b,s:o}", "id", (json_int_t)p.id, "text", p.text, "solved",
			      p.solved, "request_id",
			      p.request_id ? json_integer(p.request_id) : json_null());
	return RC_OK;
}

static void read_flag(json_t *body, const char *key, bool *out, struct problem *prob)
{
	json_t *v = json_object_get(body, key);
	if (!v || json_is_null(v))
		return;
	if (!json_is_boolean(v))
		problem_field(prob, key, "应为 true 或 false");
	else
		*out = json_is_true(v);
}

void h_activity_problem_add(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct problem_arg a = { 0 };
	json_t *body = NULL;
	static const char *const allowed[] = { "text", "solved", "open_request", "category", NULL };
	if (!read_id_and_body(req, resp, "id", &a.id, allowed, &body, &prob))
		return;
	a.text = field_text(body, "text", true, true, &prob);
	a.category = field_str(body, "category", false, &prob);
	read_flag(body, "solved", &a.solved, &prob);
	read_flag(body, "open_request", &a.open_request, &prob);
	api_write_checked(req, resp, &prob, add_problem, &a);
	json_decref(body);
}

/* One's own */

void h_my_activities(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	bool past = false;
	query_bool(req, "past", &past, &prob);
	struct activity_page page;
	struct activity_signup *signups = NULL;
	const struct principal *p = req_principal(req);
	if (problem_has_fields(&prob) ||
	    activity_mine(app->db, p->account_id, !past, &page, &signups, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < page.n; i++) {
		json_t *o = render_activity(&page.items[i], NULL);
		json_object_set_new(o, "my_signup", render_signup(&signups[i]));
		json_array_append_new(items, o);
	}
	activity_page_release(&page);
	free(signups);
	reply_json(resp, 200, json_pack("{s:o}", "items", items));
}

static enum rc mint_feed(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			 void *arg, struct write_out *out, struct problem *prob)
{
	struct app *app = arg;
	(void)req;
	char token[ACTIVITY_TOKEN_CAP];
	enum rc rc = activity_feed_token(tx, actor, token, prob);
	if (rc != RC_OK)
		return rc;
	char url[512];
	snprintf(url, sizeof(url), "%s/api/v1/me/activities.ics?token=%s", app->public_url, token);
	static const char *const secrets[] = { "token", "url", NULL };
	out->secret_keys = secrets;
	out->status = 201;
	out->body = json_pack("{s:s,s:s}", "token", token, "url", url);
	return RC_OK;
}

void h_my_activity_feed(struct http_req *req, struct http_resp *resp)
{
	api_write(req, resp, mint_feed, req->app);
}

/* iCalendar */

/* The host of the deployment's public address, for UIDs. */
static void public_host(const char *url, char *out, size_t cap)
{
	const char *h = strstr(url, "://");
	h = h ? h + 3 : url;
	size_t len = strcspn(h, "/:");
	text_copy(out, len + 1 < cap ? len + 1 : cap, h);
}

static void reply_calendar(struct http_req *req, struct http_resp *resp, const char *name,
			   const struct activity *items, size_t n,
			   const struct activity_signup *mine)
{
	struct app *app = req->app;
	struct ical_event *ev = xcalloc(n ? n : 1, sizeof(*ev));
	char host[256];
	public_host(app->public_url, host, sizeof(host));
	char(*urls)[512] = xcalloc(n ? n : 1, sizeof(*urls));
	char(*where)[1280] = xcalloc(n ? n : 1, sizeof(*where));
	for (size_t i = 0; i < n; i++) {
		const struct activity *a = &items[i];
		bool dropped = mine && !strcmp(mine[i].state, "cancelled");
		snprintf(urls[i], sizeof(urls[i]), "%s/activity.html?id=%lld", app->public_url,
			 (long long)a->id);
		if (a->station_name[0] && a->place[0])
			snprintf(where[i], sizeof(where[i]), "%s %s（%s）", a->station_name,
				 a->station_address, a->place);
		else if (a->station_name[0])
			snprintf(where[i], sizeof(where[i]), "%s %s", a->station_name,
				 a->station_address);
		else
			snprintf(where[i], sizeof(where[i]), "%s", a->place);
		ev[i] = (struct ical_event){
			.id = a->id,
			.summary = a->title,
			.description = a->description,
			.location = where[i],
			.categories = field_choice_zh(activity_kinds, a->kind),
			.url = urls[i],
			.has_geo = a->has_location,
			.lat = a->lat,
			.lng = a->lng,
			.starts_s = a->starts_s,
			.ends_s = a->ends_s,
			.created_s = a->created_s,
			.modified_s = a->updated_s,
			/* A sign-up cancelled is a change for that person's calendar. */
			.sequence = a->sequence + (dropped ? 1 : 0),
			.cancelled = !strcmp(a->state, "cancelled") || dropped,
		};
	}
	bool ok = ical_calendar(name, host, ev, n, &resp->body);
	free(ev);
	free(urls);
	free(where);
	if (!ok) {
		struct problem prob;
		problem_init(&prob);
		problem_set(&prob, RC_INTERNAL, "internal", "日历生成失败");
		reply_problem(req, resp, &prob);
		return;
	}
	resp->status = 200;
	resp->content_type = "text/calendar; charset=utf-8";
	http_resp_header(resp, "Cache-Control", "private, max-age=300");
}

void h_activity_ics(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct activity_filter f = { .with_cancelled = true };
	int64_t station = 0;
	query_int(req, "station", 1, INT64_MAX, 0, &station, &prob);
	query_region(req, "region", false, f.region, &prob);
	f.station_id = station;
	if (!station && !f.region[0] && !problem_has_fields(&prob))
		problem_field(&prob, "station", "要给出驿站 (station) 或区划 (region)");
	/* From a month back: a calendar keeps what it has seen. */
	f.from_s = clock_now_s() - 30 * 86400;
	struct activity_page page;
	if (problem_has_fields(&prob) ||
	    activity_list(app->db, NULL, &f, 500, &page, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	char name[300];
	if (station && page.n)
		snprintf(name, sizeof(name), "%s 活动", page.items[0].station_name);
	else
		snprintf(name, sizeof(name), "驿站活动 %s", station ? "" : f.region);
	reply_calendar(req, resp, name, page.items, page.n, NULL);
	activity_page_release(&page);
}

void h_my_activity_ics(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t account = 0;
	struct activity_page page;
	struct activity_signup *signups = NULL;
	if (activity_feed_account(app->db, http_req_query(req, "token"), &account, &prob) !=
		    RC_OK ||
	    activity_mine(app->db, account, false, &page, &signups, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	reply_calendar(req, resp, "我的驿站活动", page.items, page.n, signups);
	activity_page_release(&page);
	free(signups);
}
