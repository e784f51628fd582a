/* A station as the API shows it, rendered in one place, from its field
 * table (domain/station.c): the summary that finding answers carry and the
 * detail of GET /stations/{id} are both fields_render over the same rows,
 * so the two cannot disagree (an optional field without a value, parent_id
 * or phone, is left out of both). The summary is rendered when a snapshot
 * is built: this file hands the snapshot its render hook, and an answer
 * then sends each station's fragment from the snapshot itself, with only
 * what depends on the request (the location in the asked coordinate
 * system, open now, distance) written per request. */
#include "api/stations.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fields.h"
#include "api/render.h"
#include "api/reply.h"
#include "api/write.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "domain/permission.h"
#include "domain/station_view.h"
#include "geo/distance.h"

/* Numbers go through the string builder's own formatting (no printf: it
 * was most of a request's time), with the very bytes printf gives. */
static void add_point(struct sb *sb, struct geo_point p, enum geo_crs crs)
{
	struct geo_point q = crs == GEO_CRS_WGS84 ? p : geo_from_wgs84(p, crs);
	sb_addlit(sb, ",\"location\":{\"lat\":");
	sb_add_fixed(sb, q.lat, 6);
	sb_addlit(sb, ",\"lng\":");
	sb_add_fixed(sb, q.lng, 6);
	sb_addc(sb, '}');
}

static void add_amenity_codes(struct sb *sb, const struct amenity *catalog, size_t ncatalog,
			      uint64_t bits)
{
	sb_addlit(sb, ",\"amenities\":[");
	bool first = true;
	for (size_t i = 0; i < ncatalog && bits; i++) {
		uint64_t bit = 1ull << catalog[i].bit;
		if (!(bits & bit))
			continue;
		bits &= ~bit;
		if (!first)
			sb_addc(sb, ',');
		sb_addc(sb, '"');
		sb_adds(sb, catalog[i].code);
		sb_addc(sb, '"');
		first = false;
	}
	sb_addc(sb, ']');
}

/* The summary's own fields: the location in WGS-84 between two NULs (the
 * snapshot takes them out and keeps their places: an answer in another
 * coordinate system puts its own there), and the amenity codes. */
static void render_summary_custom(const struct field *f, const void *rec, struct sb *sb, void *ctx)
{
	const struct station *s = rec;
	const struct snapshot_row *row = ctx;
	if (!strcmp(f->name, "location")) {
		sb_addc(sb, '\0');
		add_point(sb, (struct geo_point){ s->lat, s->lng }, GEO_CRS_WGS84);
		sb_addc(sb, '\0');
	} else if (!strcmp(f->name, "amenities")) {
		add_amenity_codes(sb, row->catalog, row->ncatalog, s->amenities);
	}
}

/* The snapshot's render hook: from the opening brace to the last summary
 * field (stars), what anyone may see. */
static void render_fragment(void *ctx, const void *row, struct sb *sb)
{
	const struct snapshot_row *r = row;
	struct fields_view view = { .summary = true };
	(void)ctx;
	sb_addc(sb, '{');
	fields_render(&station_noun, r->station, &view, render_summary_custom, (void *)r, sb);
}

const struct readmodel_render *station_fragment_renderer(void)
{
	static const struct readmodel_render hook = { render_fragment, NULL };
	return &hook;
}

/* What changes with the time of the request: open now, and whether a
 * temporary closure still holds (one whose expected end passed is over). */
static void render_open_part(struct sb *sb, const struct snapshot *snap,
			     const struct snap_station *s, bool open_now, int64_t now_s)
{
	if (open_now)
		sb_addlit(sb, ",\"open_now\":true");
	else
		sb_addlit(sb, ",\"open_now\":false");
	if (s->closed && snapshot_closed_at(snap, s, now_s))
		sb_addlit(sb, ",\"closed\":true");
	else
		sb_addlit(sb, ",\"closed\":false");
}

/* text[0..len) into the body: borrowed when it is the snapshot's own and
 * the caller holds the snapshot for the answer, else copied. */
static void add_piece(struct http_resp *resp, bool borrow, const struct snap_fragment *f,
		      const char *text, size_t len)
{
	if (borrow && f->kept)
		http_resp_borrow(resp, text, len);
	else
		sb_add(&resp->body, text, len);
}

void station_render_summary(struct http_resp *resp, bool borrow, struct sb *scratch,
			    const struct snapshot *snap, const struct snap_station *s,
			    enum geo_crs crs, bool open_now, int64_t now_s)
{
	struct snap_fragment f;
	bool ok = snapshot_fragment(snap, s, scratch, &f);
	assert(ok); /* the server's store renders (station_fragment_renderer) */
	(void)ok;
	if (crs == GEO_CRS_WGS84) {
		add_piece(resp, borrow, &f, f.text, f.len);
	} else {
		size_t after = f.hole + f.hole_len;
		add_piece(resp, borrow, &f, f.text, f.hole);
		add_point(&resp->body, s->pt, crs);
		add_piece(resp, borrow, &f, f.text + after, f.len - after);
	}
	render_open_part(&resp->body, snap, s, open_now, now_s);
}

void station_render_hits(struct http_resp *resp, const struct snapshot *snap,
			 const struct nearby_hit *hits, size_t n, enum geo_crs crs, int64_t now_s)
{
	struct sb scratch = SB_INIT;
	snapshot_prefetch_fragments(snap, hits, n);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(&resp->body, ',');
		station_render_summary(resp, true, &scratch, snap, hits[i].station, crs,
				       hits[i].open_now, now_s);
		sb_addlit(&resp->body, ",\"distance_m\":");
		sb_add_fixed(&resp->body, hits[i].distance_m, 0);
		sb_addlit(&resp->body, ",\"walk_minutes\":");
		sb_add_int(&resp->body, geo_walk_minutes(hits[i].distance_m));
		sb_addc(&resp->body, '}');
	}
	sb_release(&scratch);
}

/* One station, in full, from the database (so its detail is exact). */

static json_t *hours_json(const struct station *s)
{
	json_t *weekly = json_array();
	bool used[HOURS_RANGES_MAX] = { false };
	/* Group the days that share the same open and close times. */
	for (size_t i = 0; i < s->hours.nranges; i++) {
		if (used[i])
			continue;
		const struct hours_range *r = &s->hours.ranges[i];
		json_t *days = json_array();
		for (size_t k = i; k < s->hours.nranges; k++) {
			const struct hours_range *o = &s->hours.ranges[k];
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
	for (size_t i = 0; i < s->hours.nexceptions; i++) {
		const struct hours_exception *e = &s->hours.exceptions[i];
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
		if (s->exception_notes[i][0])
			json_object_set_new(o, "note", json_string(s->exception_notes[i]));
		json_array_append_new(exc, o);
	}
	return json_pack("{s:o,s:o,s:b}", "weekly", weekly, "exceptions", exc, "always_open",
			 hours_always_open(&s->hours));
}

/* The station's own fields in its detail: the location in the asked
 * coordinate system and the amenity codes; hours and rooms are added as
 * objects afterwards. */
struct detail_ctx {
	enum geo_crs crs;
	const struct amenity *catalog;
	size_t ncatalog;
};

static void render_custom(const struct field *f, const void *rec, struct sb *sb, void *ctx)
{
	const struct station *s = rec;
	const struct detail_ctx *d = ctx;
	if (!strcmp(f->name, "location"))
		add_point(sb, (struct geo_point){ s->lat, s->lng }, d->crs);
	else if (!strcmp(f->name, "amenities"))
		add_amenity_codes(sb, d->catalog, d->ncatalog, s->amenities);
}

static json_t *station_json(struct http_req *req, const struct station_view *v, enum geo_crs crs)
{
	const struct station *s = &v->station;
	int lv = station_kind_find(station_levels, s->level);
	int th = station_kind_find(station_themes, s->theme);
	bool can_edit = v->can_edit;
	struct fields_view view = { .whole_phone = true, .staff = can_edit };
	struct detail_ctx d = { crs, v->catalog, v->ncatalog };
	struct sb sb = SB_INIT;
	sb_addc(&sb, '{');
	fields_render(&station_noun, s, &view, render_custom, &d, &sb);
	sb_addc(&sb, '}');
	json_t *o = json_loadb(sb.buf, sb.len, 0, NULL);
	sb_release(&sb);
	if (!o)
		return NULL;
	json_object_set_new(o, "level_name", json_string(lv >= 0 ? station_levels[lv].zh : ""));
	json_object_set_new(o, "theme_name", json_string(th >= 0 ? station_themes[th].zh : ""));
	json_object_set_new(o, "hours", hours_json(s));
	int64_t now = clock_now_s();
	struct hours_view hv = hours_view_of(&s->hours);
	bool closed = hours_view_closed_at(&hv, now);
	json_object_set_new(o, "open_now", json_boolean(hours_open_at(&s->hours, now)));
	json_object_set_new(o, "closed", json_boolean(closed));
	json_object_set_new(o, "closure",
			    closed ? json_pack("{s:s,s:o}", "reason", s->closed_reason, "until",
					       json_time(s->hours.closed_until_s))
				   : json_null());
	json_t *rooms = json_array();
	for (size_t i = 0; i < s->nrooms; i++)
		json_array_append_new(
			rooms, json_pack("{s:I,s:s,s:i}", "id", (json_int_t)s->rooms[i].id, "name",
					 s->rooms[i].name, "capacity", s->rooms[i].capacity));
	json_object_set_new(o, "rooms", rooms);
	json_t *photos = json_array();
	for (size_t i = 0; i < v->nphotos; i++)
		json_array_append_new(photos, render_photo(&v->photos[i]));
	json_object_set_new(o, "photos", photos);
	json_object_set_new(o, "can_edit", json_boolean(can_edit));
	if (can_edit) {
		/* What the station's QR code says, for those who print it. */
		struct sb link = SB_INIT;
		sb_addf(&link, "%s/c/%s", ((struct app *)req->app)->public_url, s->qr_token);
		json_object_set_new(o, "checkin_url", json_string(sb_str(&link)));
		sb_release(&link);
	}
	json_t *editable = json_array();
	for (size_t i = 0; i < v->neditable; i++)
		json_array_append_new(editable, json_string(v->editable[i]));
	json_object_set_new(o, "editable", editable);
	json_object_set_new(o, "crs", json_string(geo_crs_name(crs)));
	return o;
}

enum rc station_render_detail(struct http_req *req, int64_t id, enum geo_crs crs, json_t **out,
			      struct problem *prob)
{
	struct app *app = req->app;
	struct actor actor = api_actor(req);
	struct station_view *v = NULL;
	enum rc rc = station_view_read(app->db, &actor, id, &v, prob);
	if (rc == RC_OK && !(*out = station_json(req, v, crs)))
		rc = problem_set(prob, RC_INTERNAL, "internal", "驿站信息生成失败");
	station_view_free(v);
	return rc;
}
