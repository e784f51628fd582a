/* /api/v1/checkins: checking in at a station by its QR code, a station's
 * count of the day, and the day's tally per station and street for staff. */
#include <stdio.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/query.h"
#include "api/reply.h"
#include "api/write.h"
#include "core/clock.h"
#include "domain/checkin.h"
#include "domain/hours.h"

struct checkin_arg {
	const char *token, *purpose;
};

static enum rc record(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	struct checkin_arg *a = arg;
	struct checkin_result r;
	enum rc rc = checkin_record(tx, actor, a->token, a->purpose, req->client_ip, &r, prob);
	if (rc != RC_OK)
		return rc;
	out->status = r.duplicate ? 200 : 201;
	out->body = json_pack("{s:I,s:I,s:s,s:s,s:o,s:s,s:b,s:b,s:I}", "id", (json_int_t)r.c.id,
			      "station_id", (json_int_t)r.c.station_id, "station_name",
			      r.c.station_name, "purpose", r.c.purpose, "at", json_time(r.c.at_s),
			      "day", r.c.day, "duplicate", r.duplicate, "placed", r.placed,
			      "today_count", (json_int_t)r.today_count);
	return RC_OK;
}

void h_checkin_create(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	static const char *const allowed[] = { "token", "purpose", NULL };
	fields_known(body, allowed, &prob);
	struct checkin_arg a = { .token = field_str(body, "token", true, &prob),
				 .purpose = field_str(body, "purpose", false, &prob) };
	if (!a.purpose)
		a.purpose = "rest";
	api_write_grouped(req, resp, &prob, record, &a);
	json_decref(body);
}

/* The day asked (YYYY-MM-DD) or today, into day. */
static bool read_day(struct http_req *req, char day[11], struct problem *prob)
{
	const char *s = http_req_query(req, "day");
	int32_t n;
	if (!s) {
		checkin_day(clock_now_s(), day);
		return true;
	}
	if (!hours_parse_date(s, &n)) {
		problem_field(prob, "day", "日期应为 YYYY-MM-DD");
		return false;
	}
	hours_format_date(n, day);
	return true;
}

void h_station_checkins_today(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id, n = 0;
	char day[11];
	if (!param_id(req, "id", &id, &prob) || !read_day(req, day, &prob) ||
	    checkin_count_station(app->db, id, day, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	reply_json(resp, 200,
		   json_pack("{s:I,s:s,s:I}", "station_id", (json_int_t)id, "day", day, "count",
			     (json_int_t)n));
}

void h_checkins_tally(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	char day[11];
	char region[13];
	query_region(req, "region", true, region, &prob);
	struct checkin_tally t;
	if (!read_day(req, day, &prob) || problem_has_fields(&prob) ||
	    checkin_tally(app->db, req_principal(req), region, day, &t, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *stations = json_array(), *streets = json_array();
	for (size_t i = 0; i < t.nstations; i++)
		json_array_append_new(stations, json_pack("{s:I,s:s,s:s,s:I}", "station_id",
							  (json_int_t)t.stations[i].station_id,
							  "name", t.stations[i].name, "region_code",
							  t.stations[i].region_code, "count",
							  (json_int_t)t.stations[i].n));
	for (size_t i = 0; i < t.nstreets; i++)
		json_array_append_new(streets, json_pack("{s:s,s:I}", "code", t.streets[i].code,
							 "count", (json_int_t)t.streets[i].n));
	json_t *o = json_pack("{s:s,s:s,s:I,s:o,s:o}", "region", region, "day", day, "total",
			      (json_int_t)t.total, "stations", stations, "streets", streets);
	checkin_tally_release(&t);
	reply_json(resp, 200, o);
}
