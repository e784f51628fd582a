/* /api/v1/…rooms, /api/v1/room-bookings: a station's rooms (list, add,
 * change, remove), its room calendar, booking a slot, my bookings, the
 * manager's list, and each step of a booking (domain/room.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/reply.h"
#include "api/write.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "domain/permission.h"
#include "domain/room.h"

/* The weekly ranges, days that share open and close grouped, and the
 * dated exceptions: the station's Hours shape. */
static json_t *hours_json(const struct hours *h)
{
	json_t *weekly = json_array();
	bool used[HOURS_RANGES_MAX] = { false };
	for (size_t i = 0; i < h->nranges; i++) {
		if (used[i])
			continue;
		const struct hours_range *r = &h->ranges[i];
		json_t *days = json_array();
		for (size_t k = i; k < h->nranges; k++) {
			const struct hours_range *o = &h->ranges[k];
			if (!used[k] && o->open_min == r->open_min &&
			    o->close_min == r->close_min) {
				used[k] = true;
				json_array_append_new(days, json_integer(o->day));
			}
		}
		char open[6], close[6];
		hours_format_hhmm(r->open_min, open);
		hours_format_hhmm(r->close_min, close);
		json_array_append_new(weekly, json_pack("{s:o,s:s,s:s}", "days", days, "open", open,
							"close", close));
	}
	json_t *exc = json_array();
	for (size_t i = 0; i < h->nexceptions; i++) {
		const struct hours_exception *e = &h->exceptions[i];
		char date[11];
		hours_format_date(e->day_num, date);
		json_t *o = json_pack("{s:s,s:b}", "date", date, "closed", e->closed);
		if (!e->closed) {
			char open[6], close[6];
			hours_format_hhmm(e->open_min, open);
			hours_format_hhmm(e->close_min, close);
			json_object_set_new(o, "open", json_string(open));
			json_object_set_new(o, "close", json_string(close));
		}
		json_array_append_new(exc, o);
	}
	return json_pack("{s:o,s:o,s:b}", "weekly", weekly, "exceptions", exc, "always_open",
			 hours_always_open(h));
}

static json_t *render_room(const struct room *r)
{
	json_t *o = json_pack(
		"{s:I,s:I,s:s,s:s,s:s,s:i,s:b,s:i,s:b,s:o,s:o}", "id", (json_int_t)r->id,
		"station_id", (json_int_t)r->station_id, "name", r->name, "kind", r->kind,
		"kind_name", field_choice_zh(room_kinds, r->kind), "capacity", r->capacity,
		"bookable", r->bookable, "max_minutes", r->max_minutes, "own_hours", r->own_hours,
		"hours", hours_json(&r->hours), "updated_at", json_time(r->updated_s));
	if (r->note[0])
		json_object_set_new(o, "note", json_string(r->note));
	return o;
}

/* A booking as viewer sees it: who booked and why only to the booker and
 * the room's managers; the steps viewer may take. */
static json_t *render_booking(const struct principal *viewer, const struct room_booking *b)
{
	json_t *o = json_pack("{s:I,s:I,s:s,s:I,s:s,s:s,s:i,s:o,s:o,s:s,s:s,s:i,s:o}", "id",
			      (json_int_t)b->id, "room_id", (json_int_t)b->room_id, "room_name",
			      b->room_name, "station_id", (json_int_t)b->station_id, "station_name",
			      b->station_name, "group_name", b->group_name, "attendees",
			      b->attendees, "starts_at", json_time(b->starts_s), "ends_at",
			      json_time(b->ends_s), "state", b->state, "state_name",
			      field_choice_zh(room_booking_states, b->state), "version", b->version,
			      "created_at", json_time(b->created_s));
	if (b->party_org_id)
		json_object_set_new(o, "party_org_id", json_integer(b->party_org_id));
	if (b->team_id)
		json_object_set_new(o, "team_id", json_integer(b->team_id));
	bool mine = viewer && viewer->account_id && viewer->account_id == b->booker_id;
	json_object_set_new(o, "mine", json_boolean(mine));
	if (room_booking_may_see_all(viewer, b)) {
		json_object_set_new(o, "purpose", json_string(b->purpose));
		json_object_set_new(o, "booker",
				    json_pack("{s:I,s:s}", "id", (json_int_t)b->booker_id, "name",
					      b->booker_name));
		if (b->decided_s)
			json_object_set_new(o, "decided_at", json_time(b->decided_s));
		if (b->decline_reason[0])
			json_object_set_new(o, "decline_reason", json_string(b->decline_reason));
		if (b->checked_in_s)
			json_object_set_new(o, "checked_in_at", json_time(b->checked_in_s));
	}
	const char *next[8];
	size_t n = room_booking_actions(viewer, b, clock_now_s(), next, 8);
	json_t *actions = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(actions, json_string(next[i]));
	json_object_set_new(o, "actions", actions);
	return o;
}

static json_t *render_bookings(const struct principal *viewer, const struct room_booking *items,
			       size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, render_booking(viewer, &items[i]));
	return list;
}

static json_t *kinds_json(void)
{
	json_t *kinds = json_array();
	for (size_t i = 0; room_kinds[i].code; i++)
		json_array_append_new(kinds,
				      json_pack("{s:s,s:s,s:s}", "code", room_kinds[i].code, "name",
						room_kinds[i].zh, "name_en", room_kinds[i].en));
	return kinds;
}

/* Rooms */

void h_station_rooms(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	struct room *items = NULL;
	size_t n = 0;
	if (!param_id(req, "id", &id, &prob) ||
	    room_list(app->db, id, &items, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *list = json_array();
	bool manage = false;
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(list, render_room(&items[i]));
		manage = manage || room_may_manage(req_principal(req), &items[i]);
	}
	free(items);
	reply_json(resp, 200,
		   json_pack("{s:o,s:o,s:b}", "items", list, "kinds", kinds_json(), "may_manage",
			     manage));
}

/* The room's own weekly hours: [{days, open, close}], [] or null for the
 * station's. */
static void parse_room_hours(json_t *v, struct room_input *in, struct problem *prob)
{
	in->has_hours = true;
	if (!v || json_is_null(v))
		return;
	if (!json_is_array(v)) {
		problem_field(prob, "hours",
			      "应为 [{days: [1–7], open: \"HH:MM\", close: \"HH:MM\"}]");
		return;
	}
	size_t i;
	json_t *r;
	json_array_foreach(v, i, r)
	{
		json_t *days = json_object_get(r, "days");
		int open = hours_parse_hhmm(json_string_value(json_object_get(r, "open")));
		int close = hours_parse_hhmm(json_string_value(json_object_get(r, "close")));
		if (!json_is_array(days) || !json_array_size(days) || open < 0 || open >= 1440 ||
		    close <= 0) {
			problem_field(
				prob, "hours",
				"每一段应为 {days: [1–7], open: \"HH:MM\", close: \"HH:MM\"}");
			return;
		}
		size_t k;
		json_t *d;
		json_array_foreach(days, k, d)
		{
			json_int_t day = json_is_integer(d) ? json_integer_value(d) : 0;
			if (day < 1 || day > 7) {
				problem_field(prob, "hours", "星期应为 1（周一）到 7（周日）");
				return;
			}
			if (in->hours.nranges >= HOURS_RANGES_MAX) {
				problem_field(prob, "hours", "每周最多 %d 个时段",
					      HOURS_RANGES_MAX);
				return;
			}
			in->hours.ranges[in->hours.nranges++] = (struct hours_range){
				(uint8_t)day, (uint16_t)open, (uint16_t)close
			};
		}
	}
}

static const char *const room_keys[] = { "name",	"kind",	 "capacity", "bookable",
					 "max_minutes", "hours", "note",     NULL };

static void parse_room(json_t *body, struct room_input *in, struct problem *prob)
{
	int64_t v = 0;
	if (json_object_get(body, "name")) {
		in->has_name = true;
		in->name = field_text(body, "name", true, false, prob);
	}
	if (json_object_get(body, "kind")) {
		in->has_kind = true;
		in->kind = field_str(body, "kind", true, prob);
		/* Checked here too, so that it is named with the other fields. */
		size_t k = 0;
		while (in->kind && room_kinds[k].code && strcmp(room_kinds[k].code, in->kind))
			k++;
		if (in->kind && !room_kinds[k].code)
			problem_field(
				prob, "kind",
				"应为 meeting_room、reading_space、party_home、activity_room、"
				"other 之一");
	}
	if (json_object_get(body, "capacity") &&
	    field_int(body, "capacity", true, 0, ROOM_CAPACITY_MAX, &v, prob)) {
		in->has_capacity = true;
		in->capacity = (int)v;
	}
	if (json_object_get(body, "max_minutes") &&
	    field_int(body, "max_minutes", true, 15, 1440, &v, prob)) {
		in->has_max_minutes = true;
		in->max_minutes = (int)v;
	}
	json_t *b = json_object_get(body, "bookable");
	if (b) {
		if (!json_is_boolean(b))
			problem_field(prob, "bookable", "应为 true 或 false");
		in->has_bookable = true;
		in->bookable = json_is_true(b);
	}
	if (json_object_get(body, "note")) {
		in->has_note = true;
		in->note = field_text(body, "note", false, true, prob);
	}
	if (json_object_get(body, "hours"))
		parse_room_hours(json_object_get(body, "hours"), in, prob);
}

struct room_arg {
	int64_t id;
	struct room_input in;
};

static enum rc answer_room(struct db *db, int64_t id, struct write_out *out, struct problem *prob)
{
	struct room *r = xcalloc(1, sizeof(*r));
	enum rc rc = room_get(db, id, r, prob);
	if (rc == RC_OK)
		out->body = render_room(r);
	free(r);
	return rc;
}

static enum rc create_room(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			   void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct room_arg *a = arg;
	int64_t id = 0;
	enum rc rc = room_create(tx, actor, a->id, &a->in, &id, prob);
	if (rc == RC_OK)
		rc = answer_room(db_tx_db(tx), id, out, prob);
	if (rc == RC_OK) {
		out->status = 201;
		snprintf(out->location, sizeof(out->location), "/api/v1/rooms/%lld", (long long)id);
	}
	return rc;
}

void h_room_create(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct room_arg a = { 0 };
	json_t *body = NULL;
	if (!read_id_and_body(req, resp, "id", &a.id, room_keys, &body, &prob))
		return;
	parse_room(body, &a.in, &prob);
	api_write_checked(req, resp, &prob, create_room, &a);
	json_decref(body);
}

static enum rc update_room(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			   void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct room_arg *a = arg;
	enum rc rc = room_update(tx, actor, a->id, &a->in, prob);
	return rc == RC_OK ? answer_room(db_tx_db(tx), a->id, out, prob) : rc;
}

void h_room_update(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct room_arg a = { 0 };
	json_t *body = NULL;
	if (!read_id_and_body(req, resp, "id", &a.id, room_keys, &body, &prob))
		return;
	parse_room(body, &a.in, &prob);
	api_write_checked(req, resp, &prob, update_room, &a);
	json_decref(body);
}

static enum rc delete_room(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			   void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct room_arg *a = arg;
	out->status = 204;
	return room_delete(tx, actor, a->id, prob);
}

void h_room_delete(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct room_arg a = { 0 };
	if (!param_id(req, "id", &a.id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, delete_room, &a);
}

/* The calendar */

void h_room_calendar(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id, days = 7;
	int32_t from_day = 0;
	int wd, min;
	hours_local(clock_now_s(), &from_day, &wd, &min);
	const char *from = http_req_query(req, "from");
	if (from && *from && !hours_parse_date(from, &from_day))
		problem_field(&prob, "from", "日期应为 YYYY-MM-DD");
	query_int(req, "days", 1, ROOM_CALENDAR_DAYS_MAX, 7, &days, &prob);
	struct room *rooms = NULL;
	size_t nrooms = 0;
	struct room_booking *items = NULL;
	size_t n = 0;
	int64_t from_s = (int64_t)from_day * 86400 - HOURS_LOCAL_OFFSET_S;
	int64_t to_s = from_s + days * 86400;
	if (!param_id(req, "id", &id, &prob) || problem_has_fields(&prob) ||
	    room_list(app->db, id, &rooms, &nrooms, &prob) != RC_OK ||
	    room_calendar(app->db, id, from_s, to_s, &items, &n, &prob) != RC_OK) {
		free(rooms);
		reply_problem(req, resp, &prob);
		return;
	}
	const struct principal *viewer = req_principal(req);
	json_t *list = json_array();
	bool manage = false;
	for (size_t i = 0; i < nrooms; i++) {
		json_array_append_new(list, render_room(&rooms[i]));
		manage = manage || room_may_manage(viewer, &rooms[i]);
	}
	char date[11];
	hours_format_date(from_day, date);
	json_t *o = json_pack("{s:I,s:s,s:I,s:o,s:o,s:o,s:b}", "station_id", (json_int_t)id, "from",
			      date, "days", (json_int_t)days, "rooms", list, "bookings",
			      render_bookings(viewer, items, n), "kinds", kinds_json(),
			      "may_manage", manage);
	free(rooms);
	free(items);
	reply_json(resp, 200, o);
}

/* Booking */

struct book_arg {
	int64_t room_id;
	struct room_booking_input in;
};

static enum rc answer_booking(struct db *db, const struct actor *actor, int64_t id,
			      struct write_out *out, struct problem *prob)
{
	struct room_booking *b = xcalloc(1, sizeof(*b));
	enum rc rc = room_booking_read(db, actor->p, id, b, prob);
	if (rc == RC_OK)
		out->body = render_booking(actor->p, b);
	free(b);
	return rc;
}

static enum rc book(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		    struct write_out *out, struct problem *prob)
{
	(void)req;
	struct book_arg *a = arg;
	int64_t id = 0;
	enum rc rc = room_book(tx, actor, a->room_id, &a->in, &id, prob);
	if (rc == RC_OK)
		rc = answer_booking(db_tx_db(tx), actor, id, out, prob);
	if (rc == RC_OK) {
		out->status = 201;
		snprintf(out->location, sizeof(out->location), "/api/v1/room-bookings/%lld",
			 (long long)id);
	}
	return rc;
}

static void field_time(json_t *body, const char *key, int64_t *out, struct problem *prob)
{
	const char *s = field_str(body, key, true, prob);
	if (s && clock_parse_rfc3339(s, out) != 0)
		problem_field(prob, key, "时间应为 RFC 3339，如 2026-05-01T09:00:00+08:00");
}

void h_room_book(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct book_arg a = { 0 };
	json_t *body = NULL;
	static const char *const allowed[] = { "group_name", "purpose", "attendees",
					       "starts_at",  "ends_at", "party_org_id",
					       "team_id",    NULL };
	if (!read_id_and_body(req, resp, "id", &a.room_id, allowed, &body, &prob))
		return;
	struct room_booking_input *in = &a.in;
	int64_t v = 0;
	in->group_name = field_text(body, "group_name", true, false, &prob);
	in->purpose = field_text(body, "purpose", true, true, &prob);
	if (field_int(body, "attendees", true, 1, ROOM_CAPACITY_MAX, &v, &prob))
		in->attendees = (int)v;
	field_time(body, "starts_at", &in->starts_s, &prob);
	field_time(body, "ends_at", &in->ends_s, &prob);
	field_int(body, "party_org_id", false, 1, INT64_MAX, &in->party_org_id, &prob);
	field_int(body, "team_id", false, 1, INT64_MAX, &in->team_id, &prob);
	api_write_checked(req, resp, &prob, book, &a);
	json_decref(body);
}

void h_room_bookings_mine(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t limit = 50;
	struct room_booking *items = NULL;
	size_t n = 0;
	if (!query_int(req, "limit", 1, 200, 50, &limit, &prob) ||
	    room_bookings_mine(app->db, req_principal(req), (size_t)limit, &items, &n, &prob) !=
		    RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *list = render_bookings(req_principal(req), items, n);
	free(items);
	reply_json(resp, 200, json_pack("{s:o}", "items", list));
}

void h_room_bookings_managed(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t station = 0, limit = 100;
	query_int(req, "station_id", 1, INT64_MAX, 0, &station, &prob);
	query_int(req, "limit", 1, 500, 100, &limit, &prob);
	const char *state = http_req_query(req, "state");
	struct room_booking *items = NULL;
	size_t n = 0;
	if (problem_has_fields(&prob) ||
	    room_bookings_managed(app->db, req_principal(req), station,
				  state && *state ? state : NULL, (size_t)limit, &items, &n,
				  &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *list = render_bookings(req_principal(req), items, n);
	free(items);
	reply_json(resp, 200, json_pack("{s:o}", "items", list));
}

void h_room_booking_get(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	struct room_booking *b = xcalloc(1, sizeof(*b));
	if (!param_id(req, "id", &id, &prob) ||
	    room_booking_read(app->db, req_principal(req), id, b, &prob) != RC_OK) {
		free(b);
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *o = render_booking(req_principal(req), b);
	free(b);
	reply_json(resp, 200, o);
}

struct step_arg {
	int64_t id;
	const char *action, *reason;
	int version;
};

static enum rc take_step(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			 void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct step_arg *a = arg;
	enum rc rc = room_booking_step(tx, actor, a->id, a->action, a->reason, a->version, prob);
	return rc == RC_OK ? answer_booking(db_tx_db(tx), actor, a->id, out, prob) : rc;
}

void h_room_booking_step(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct step_arg a = { 0 };
	json_t *body = NULL;
	static const char *const allowed[] = { "action", "reason", "version", NULL };
	if (!read_id_and_body(req, resp, "id", &a.id, allowed, &body, &prob))
		return;
	int64_t v = 0;
	a.action = field_str(body, "action", true, &prob);
	a.reason = field_text(body, "reason", false, true, &prob);
	if (field_int(body, "version", false, 1, INT32_MAX, &v, &prob))
		a.version = (int)v;
	api_write_checked(req, resp, &prob, take_step, &a);
	json_decref(body);
}
