/* /api/v1/stations: find stations (nearest open with what I need, a map
 * viewport, a name search, GeoJSON), read one, and — for those who run them —
 * create, edit, close and reopen, and print the check-in QR code. Finding
 * reads the snapshot, and its answers are sent from the snapshot's own
 * rendered fragments, with what depends on the request written around them:
 * no tree of allocations, and few copies. */
#include "api/stations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/qr.h"
#include "api/query.h"
#include "api/fields.h"
#include "api/reply.h"
#include "api/write.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/permission.h"
#include "domain/station.h"
#include "domain/station_snapshot.h"
#include "domain/station_view.h"
#include "geo/coord.h"

#define NEARBY_LIMIT_MAX 50
#define LIST_LIMIT_MAX	 2000

/* "microwave,charger" → bitset; unknown codes are field errors. */
static uint64_t query_amenities(struct http_req *req, const struct snapshot *snap,
				struct problem *prob)
{
	const char *s = http_req_query(req, "amenity");
	uint64_t bits = 0;
	while (s && *s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		char code[32];
		if (n && n < sizeof(code)) {
			memcpy(code, s, n);
			code[n] = '\0';
			int bit = snapshot_amenity_bit(snap, code);
			if (bit < 0)
				problem_field(prob, "amenity", "设施目录中没有 \"%s\"", code);
			else
				bits |= 1ull << bit;
		}
		s = comma ? comma + 1 : NULL;
	}
	return bits;
}

static int query_kind(struct http_req *req, const char *name, const struct field_choice *table,
		      struct problem *prob)
{
	const char *s = http_req_query(req, name);
	if (!s || !*s)
		return -1;
	int k = station_kind_find(table, s);
	/* Whole sentences, not a word slotted into one, so each has its English. */
	if (k < 0)
		problem_field(prob, name,
			      table == station_themes ? "没有这个主题：%s" : "没有这个级别：%s", s);
	return k;
}

static void release_hold(void *arg)
{
	readmodel_unhold(arg);
}

/* Keeps snap, acquired, until the answer is sent, if it borrows from it. */
static void hold_for_answer(struct http_resp *resp, struct app *app, const struct snapshot *snap)
{
	if (http_resp_borrowing(resp))
		http_resp_on_release(resp, release_hold, snapshot_hold(app->stations, snap));
}

void h_stations_nearby(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	double lat, lng, radius;
	int64_t limit = 10;
	bool open_now;
	enum geo_crs crs;
	query_double(req, "lat", true, -90, 90, 0, &lat, &prob);
	query_double(req, "lng", true, -180, 180, 0, &lng, &prob);
	query_double(req, "radius_m", false, 1, 50000, 1500, &radius, &prob);
	query_int(req, "limit", 1, NEARBY_LIMIT_MAX, 10, &limit, &prob);
	query_bool(req, "open_now", &open_now, &prob);
	query_crs(req, &crs, &prob);
	struct nearby_query q = {
		.radius_m = radius,
		.limit = (size_t)limit,
		.open_now = open_now,
		.now_s = clock_now_s(),
		.theme = query_kind(req, "theme", station_themes, &prob),
		.level = query_kind(req, "level", station_levels, &prob),
	};
	const struct snapshot *snap = snapshot_acquire(app->stations);
	q.amenities = query_amenities(req, snap, &prob);
	if (problem_has_fields(&prob)) {
		snapshot_release(app->stations, snap);
		reply_problem(req, resp, &prob);
		return;
	}
	struct geo_point in = { lat, lng };
	q.center = geo_to_wgs84(in, crs);
	struct geo_index_hit work[NEARBY_LIMIT_MAX];
	struct nearby_hit hits[NEARBY_LIMIT_MAX];
	size_t n = snapshot_nearby(snap, &q, work, hits);
	struct sb *sb = &resp->body;
	sb_addlit(sb, "{\"items\":[");
	station_render_hits(resp, snap, hits, n, crs, q.now_s);
	sb_addlit(sb, "],\"count\":");
	sb_add_uint(sb, n);
	sb_addlit(sb, ",\"crs\":\"");
	sb_adds(sb, geo_crs_name(crs));
	sb_addlit(sb, "\"}");
	hold_for_answer(resp, app, snap);
	snapshot_release(app->stations, snap);
	resp->status = 200;
	resp->content_type = "application/json";
}

/* Lists for the map viewport (bbox) or a search (q, region), or a hub's
 * branches (parent): every match, at most cap. */
static size_t list_stations(struct http_req *req, const struct snapshot *snap,
			    const struct snap_station **out, size_t cap, enum geo_crs crs,
			    struct problem *prob)
{
	double box[4];
	const char *q = http_req_query(req, "q");
	const char *region = http_req_query(req, "region");
	int64_t parent = 0;
	if (q && strlen(q) > 64)
		problem_field(prob, "q", "搜索词最多 64 字节");
	query_int(req, "parent", 1, INT64_MAX, 0, &parent, prob);
	bool has_box = query_bbox(req, box, crs, prob);
	if (problem_has_fields(prob))
		return 0;
	size_t n;
	bool filter = parent != 0;
	if (!has_box) {
		n = snapshot_search(snap, q, region, cap, out);
	} else {
		n = snapshot_bbox(snap, box[0], box[1], box[2], box[3], cap, out);
		filter = filter || (q && *q) || (region && *region);
	}
	if (!filter)
		return n;
	size_t k = 0, plen = region ? strlen(region) : 0;
	for (size_t i = 0; i < n; i++) {
		const struct snap_station *s = out[i];
		if (parent && s->parent_id != parent)
			continue;
		if (plen && strncmp(s->region_code, region, plen) != 0)
			continue;
		if (q && *q && !strstr(snapshot_text(snap, s->name), q) &&
		    !strstr(snapshot_text(snap, s->address), q))
			continue;
		out[k++] = s;
	}
	return k;
}

/* Finds every station a list request names (bbox, q, region, parent) in
 * snap; *found is *new* (free it). Answers the problem and returns false
 * when the query is bad. */
static bool find_or_answer(struct http_req *req, struct http_resp *resp,
			   const struct snapshot *snap, enum geo_crs crs,
			   const struct snap_station ***found, size_t *n)
{
	struct problem prob;
	problem_init(&prob);
	size_t cap = snap->n;
	*found = xcalloc(cap ? cap : 1, sizeof(**found));
	*n = list_stations(req, snap, *found, cap, crs, &prob);
	if (!problem_has_fields(&prob))
		return true;
	free(*found);
	*found = NULL;
	reply_problem(req, resp, &prob);
	return false;
}

void h_stations_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	enum geo_crs crs;
	int64_t limit;
	query_crs(req, &crs, &prob);
	query_int(req, "limit", 1, LIST_LIMIT_MAX, 500, &limit, &prob);
	if (problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	const struct snapshot *snap = snapshot_acquire(app->stations);
	const struct snap_station **found = NULL;
	size_t total = 0;
	if (!find_or_answer(req, resp, snap, crs, &found, &total)) {
		snapshot_release(app->stations, snap);
		return;
	}
	/* total counts every match; the page shows the first limit of them. */
	size_t n = total < (size_t)limit ? total : (size_t)limit;
	int64_t now = clock_now_s();
	struct sb *sb = &resp->body;
	struct sb scratch = SB_INIT;
	sb_adds(sb, "{\"items\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(sb, ',');
		station_render_summary(resp, true, &scratch, snap, found[i], crs,
				       snapshot_open_at(snap, found[i], now), now);
		sb_addc(sb, '}');
	}
	sb_release(&scratch);
	sb_addlit(sb, "],\"count\":");
	sb_add_uint(sb, n);
	sb_addlit(sb, ",\"total\":");
	sb_add_uint(sb, total);
	sb_addlit(sb, ",\"crs\":\"");
	sb_adds(sb, geo_crs_name(crs));
	sb_addlit(sb, "\"}");
	hold_for_answer(resp, app, snap);
	snapshot_release(app->stations, snap);
	free(found);
	resp->status = 200;
	resp->content_type = "application/json";
}

void h_stations_geojson(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t limit;
	enum geo_crs crs;
	query_int(req, "limit", 1, 200000, 200000, &limit, &prob);
	/* RFC 7946 knows one coordinate system: say so rather than ignore crs. */
	if (query_crs(req, &crs, &prob) && crs != GEO_CRS_WGS84)
		problem_field(&prob, "crs", "GeoJSON 总是 WGS-84（RFC 7946），crs 只能为 wgs84");
	if (problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	const struct snapshot *snap = snapshot_acquire(app->stations);
	const struct snap_station **found = NULL;
	size_t n = 0;
	if (!find_or_answer(req, resp, snap, GEO_CRS_WGS84, &found, &n)) {
		snapshot_release(app->stations, snap);
		return;
	}
	if (n > (size_t)limit)
		n = (size_t)limit;
	/* RFC 7946: WGS-84 only, positions as [longitude, latitude]. */
	int64_t now = clock_now_s();
	struct sb *sb = &resp->body;
	struct sb scratch = SB_INIT;
	sb_adds(sb, "{\"type\":\"FeatureCollection\",\"features\":[");
	for (size_t i = 0; i < n; i++) {
		const struct snap_station *s = found[i];
		if (i)
			sb_addc(sb, ',');
		sb_addlit(sb, "{\"type\":\"Feature\",\"id\":");
		sb_add_int(sb, s->id);
		sb_addlit(sb, ",\"geometry\":{\"type\":\"Point\",\"coordinates\":[");
		sb_add_fixed(sb, s->pt.lng, 6);
		sb_addc(sb, ',');
		sb_add_fixed(sb, s->pt.lat, 6);
		sb_addlit(sb, "]},\"properties\":");
		/* Copied: a collection may hold every station. */
		station_render_summary(resp, false, &scratch, snap, s, GEO_CRS_WGS84,
				       snapshot_open_at(snap, s, now), now);
		sb_adds(sb, "}}");
	}
	sb_release(&scratch);
	sb_adds(sb, "]}");
	snapshot_release(app->stations, snap);
	free(found);
	resp->status = 200;
	resp->content_type = "application/geo+json";
}

void h_station_get(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	enum geo_crs crs;
	json_t *o = NULL;
	if (!param_id(req, "id", &id, &prob) || !query_crs(req, &crs, &prob) ||
	    station_render_detail(req, id, crs, &o, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	reply_json(resp, 200, o);
}

/* Writing */

struct station_arg {
	int64_t id;
	struct station_input in;
	enum geo_crs crs;
	bool closed;
	const char *reason;
	int64_t until_s;
};

static void parse_hours(json_t *h, struct station_input *in, struct problem *prob)
{
	in->has_hours = true;
	json_t *weekly = json_object_get(h, "weekly");
	json_t *exc = json_object_get(h, "exceptions");
	if (!json_is_object(h) || (weekly && !json_is_array(weekly)) ||
	    (exc && !json_is_array(exc))) {
		problem_field(prob, "hours", "应为 {weekly: [...], exceptions: [...]}");
		return;
	}
	bool always = json_is_true(json_object_get(h, "always_open"));
	size_t i;
	json_t *r;
	if (always) {
		for (int d = 1; d <= 7; d++)
			in->hours.ranges[in->hours.nranges++] = (struct hours_range){ (uint8_t)d, 0,
										      1440 };
	}
	json_array_foreach(weekly, i, r)
	{
		if (always)
			break;
		json_t *days = json_object_get(r, "days");
		int open = hours_parse_hhmm(json_string_value(json_object_get(r, "open")));
		int close = hours_parse_hhmm(json_string_value(json_object_get(r, "close")));
		if (!json_is_array(days) || !json_array_size(days) || open < 0 || open >= 1440 ||
		    close <= 0) {
			problem_field(
				prob, "hours.weekly",
				"每一段应为 {days: [1–7], open: \"HH:MM\", close: \"HH:MM\"}");
			return;
		}
		size_t k;
		json_t *d;
		json_array_foreach(days, k, d)
		{
			json_int_t day = json_is_integer(d) ? json_integer_value(d) : 0;
			if (day < 1 || day > 7) {
				problem_field(prob, "hours.weekly",
					      "星期应为 1（周一）到 7（周日）");
				return;
			}
			if (in->hours.nranges >= HOURS_RANGES_MAX) {
				problem_field(prob, "hours.weekly", "每周最多 %d 个时段",
					      HOURS_RANGES_MAX);
				return;
			}
			in->hours.ranges[in->hours.nranges++] = (struct hours_range){
				(uint8_t)day, (uint16_t)open, (uint16_t)close
			};
		}
	}
	json_array_foreach(exc, i, r)
	{
		int32_t day;
		const char *date = json_string_value(json_object_get(r, "date"));
		if (!date || !hours_parse_date(date, &day)) {
			problem_field(prob, "hours.exceptions", "日期应为 YYYY-MM-DD");
			return;
		}
		if (in->hours.nexceptions >= HOURS_EXCEPTIONS_MAX) {
			problem_field(prob, "hours.exceptions", "最多 %d 个特殊日期",
				      HOURS_EXCEPTIONS_MAX);
			return;
		}
		size_t k = in->hours.nexceptions;
		struct hours_exception *e = &in->hours.exceptions[k];
		e->day_num = day;
		e->closed = !json_is_false(json_object_get(r, "closed"));
		if (!e->closed) {
			int open = hours_parse_hhmm(json_string_value(json_object_get(r, "open")));
			int close = hours_parse_hhmm(
				json_string_value(json_object_get(r, "close")));
			if (open < 0 || open >= 1440 || close <= 0) {
				problem_field(prob, "hours.exceptions",
					      "不休息的特殊日期需要 open 和 close");
				return;
			}
			e->open_min = (uint16_t)open;
			e->close_min = (uint16_t)close;
		}
		const char *note = text_value(json_object_get(r, "note"), "hours.exceptions", false,
					      prob);
		if (note && strlen(note) >= sizeof(in->exception_notes[k])) {
			problem_field(prob, "hours.exceptions", "备注最多 30 个字");
			return;
		}
		if (note)
			memcpy(in->exception_notes[k], note, strlen(note) + 1);
		in->hours.nexceptions++;
	}
}

static void parse_rooms(json_t *v, struct station_input *in, struct problem *prob)
{
	size_t i;
	json_t *r;
	in->has_rooms = true;
	if (!json_is_array(v) || json_array_size(v) > STATION_ROOMS_MAX) {
		problem_field(prob, "rooms", "应为房间数组（最多 %d 间）", STATION_ROOMS_MAX);
		return;
	}
	json_array_foreach(v, i, r)
	{
		const char *name = text_value(json_object_get(r, "name"), "rooms", false, prob);
		json_t *cap = json_object_get(r, "capacity");
		int64_t capacity = 0;
		if (!name || !*name || strlen(name) >= sizeof(in->rooms[0].name)) {
			problem_field(prob, "rooms", "每间房需要 name（名称）和整数 capacity");
			return;
		}
		if (cap && !value_int(cap, "rooms.capacity", 0, STATION_ROOM_CAPACITY_MAX,
				      &capacity, prob))
			return;
		memcpy(in->rooms[in->nrooms].name, name, strlen(name) + 1);
		in->rooms[in->nrooms].capacity = (int)capacity;
		in->nrooms++;
	}
}

/* The station's own fields (FIELD_CUSTOM in its table): location, amenities,
 * hours and rooms. */
static void parse_custom(const struct field *f, json_t *v, void *input, void *ctx,
			 struct problem *prob)
{
	struct station_input *in = input;
	const struct station_arg *a = ctx;
	if (!strcmp(f->name, "location")) {
		json_t *lat = json_object_get(v, "lat"), *lng = json_object_get(v, "lng");
		if (!json_is_number(lat) || !json_is_number(lng)) {
			problem_field(prob, "location", "应为 {lat: 纬度, lng: 经度}");
			return;
		}
		struct geo_point p = geo_to_wgs84(
			(struct geo_point){ json_number_value(lat), json_number_value(lng) },
			a->crs);
		in->has_location = true;
		in->lat = p.lat;
		in->lng = p.lng;
	} else if (!strcmp(f->name, "amenities")) {
		size_t i;
		json_t *code;
		in->has_amenities = true;
		if (!json_is_array(v) || json_array_size(v) > 64) {
			problem_field(prob, "amenities", "应为设施编码数组");
			return;
		}
		json_array_foreach(v, i, code)
		{
			if (!json_is_string(code)) {
				problem_field(prob, "amenities", "应为设施编码数组");
				return;
			}
			in->amenities[in->namenities++] = json_string_value(code);
		}
	} else if (!strcmp(f->name, "hours")) {
		parse_hours(v, in, prob);
	} else if (!strcmp(f->name, "rooms")) {
		parse_rooms(v, in, prob);
	}
}

/* Reads the station fields of body into a->in; every bad field is reported. */
static void parse_station(json_t *body, struct station_arg *a, struct problem *prob)
{
	fields_parse(&station_noun, body, &a->in, parse_custom, a, prob);
}

static enum rc do_create(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			 void *arg, struct write_out *out, struct problem *prob)
{
	struct station_arg *a = arg;
	enum rc rc = station_create(tx, actor, &a->in, &a->id, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	snprintf(out->location, sizeof(out->location), "/api/v1/stations/%lld", (long long)a->id);
	return station_render_detail(req, a->id, a->crs, &out->body, prob);
}

static enum rc do_update(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			 void *arg, struct write_out *out, struct problem *prob)
{
	struct station_arg *a = arg;
	enum rc rc = station_update(tx, actor, a->id, &a->in, prob);
	return rc == RC_OK ? station_render_detail(req, a->id, a->crs, &out->body, prob) : rc;
}

static void station_write(struct http_req *req, struct http_resp *resp, bool create)
{
	struct problem prob;
	problem_init(&prob);
	struct station_arg *a = xcalloc(1, sizeof(*a));
	json_t *body = NULL;
	if ((!create && !param_id(req, "id", &a->id, &prob)) || !query_crs(req, &a->crs, &prob)) {
		reply_problem(req, resp, &prob);
		goto out;
	}
	if (!body_object(req, resp, &body))
		goto out;
	parse_station(body, a, &prob);
	if (problem_has_fields(&prob)) {
		/* Report the fields that parsed but break the rules too, so the
		 * form can show every problem at once. */
		(void)station_validate(((struct app *)req->app)->db, &a->in, create, &prob);
		reply_problem(req, resp, &prob);
		goto out;
	}
	/* The snapshot follows the write's station.changed event at commit. */
	api_write(req, resp, create ? do_create : do_update, a);
out:
	json_decref(body);
	free(a);
}

void h_stations_create(struct http_req *req, struct http_resp *resp)
{
	station_write(req, resp, true);
}

void h_station_update(struct http_req *req, struct http_resp *resp)
{
	station_write(req, resp, false);
}

static enum rc do_close(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			void *arg, struct write_out *out, struct problem *prob)
{
	struct station_arg *a = arg;
	enum rc rc = station_set_closed(tx, actor, a->id, a->closed, a->reason, a->until_s, prob);
	return rc == RC_OK ? station_render_detail(req, a->id, GEO_CRS_WGS84, &out->body, prob)
			   : rc;
}

void h_station_close(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct station_arg *a = xcalloc(1, sizeof(*a));
	json_t *body = NULL;
	a->closed = true;
	static const char *const allowed[] = { "reason", "until", NULL };
	if (!read_id_and_body(req, resp, "id", &a->id, allowed, &body, &prob))
		goto out;
	a->reason = field_text(body, "reason", true, false, &prob);
	const char *until = field_str(body, "until", false, &prob);
	if (until && clock_parse_rfc3339(until, &a->until_s) != 0)
		problem_field(&prob, "until", "应为 RFC 3339 时间，如 2026-12-01T08:00:00+08:00");
	api_write_checked(req, resp, &prob, do_close, a);
out:
	json_decref(body);
	free(a);
}

void h_station_reopen(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct station_arg *a = xcalloc(1, sizeof(*a));
	if (!param_id(req, "id", &a->id, &prob)) {
		reply_problem(req, resp, &prob);
	} else {
		api_write(req, resp, do_close, a);
	}
	free(a);
}

static enum rc do_rotate(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			 void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct station_arg *a = arg;
	out->status = 204;
	return station_rotate_qr(tx, actor, a->id, prob);
}

void h_station_qr_rotate(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct station_arg *a = xcalloc(1, sizeof(*a));
	if (!param_id(req, "id", &a->id, &prob))
		reply_problem(req, resp, &prob);
	else
		api_write(req, resp, do_rotate, a);
	free(a);
}

/* The QR code: for those who may edit the station (it is printed and hung
 * up there; the link inside is what a passer-by scans to check in). */
static void station_qr(struct http_req *req, struct http_resp *resp, bool png)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	char secret[STATION_QR_TOKEN_CAP];
	struct actor actor = api_actor(req);
	if (!param_id(req, "id", &id, &prob) ||
	    station_qr_secret(app->db, &actor, id, secret, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	struct sb link = SB_INIT;
	sb_addf(&link, "%s/c/%s", app->public_url, secret);
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

void h_station_qr_svg(struct http_req *req, struct http_resp *resp)
{
	station_qr(req, resp, false);
}

void h_station_qr_png(struct http_req *req, struct http_resp *resp)
{
	station_qr(req, resp, true);
}

void h_checkin_link(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id = 0;
	if (station_by_qr(app->db, http_req_param(req, "token"), &id, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	/* The code opens the check-in page, which needs the token to check in
	 * (the token is one we printed: the lookup above matched it exactly, so
	 * it is URL-safe as stored). */
	char where[128];
	snprintf(where, sizeof(where), "/checkin.html?id=%lld&t=%s", (long long)id,
		 http_req_param(req, "token"));
	http_resp_header(resp, "Location", where);
	http_resp_header(resp, "Cache-Control", "no-store");
	resp->status = 302;
}
