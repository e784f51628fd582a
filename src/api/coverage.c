/* /api/v1/coverage: which communities of a region have a station within
 * the walking circle and which do not, each with its nearest station — the
 * planning page's question. */
#include <math.h>

#include "api/handlers.h"
#include "api/query.h"
#include "api/reply.h"
#include "domain/coverage.h"
#include "domain/station_snapshot.h"
#include "geo/distance.h"

/* Coverage of a region by the walking circle. */
void h_coverage(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t walk_m;
	enum geo_crs crs;
	const char *region = http_req_query(req, "region");
	if (!region || !*region)
		problem_field(&prob, "region",
			      "必填：区域代码，如 6103（宝鸡市）或 610303（金台区）");
	query_int(req, "walk_m", 100, 10000, app->walk_m, &walk_m, &prob);
	query_crs(req, &crs, &prob);
	if (problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	const struct snapshot *snap = snapshot_acquire(app->stations);
	struct coverage c;
	enum rc rc = coverage_compute(app->db, snap, region, (int)walk_m, &c, &prob);
	if (rc != RC_OK) {
		snapshot_release(app->stations, snap);
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < c.n; i++) {
		const struct coverage_item *it = &c.items[i];
		json_t *o = json_pack("{s:s,s:s,s:s,s:b}", "code", it->code, "name", it->name,
				      "parent_name", it->parent_name, "covered", it->covered);
		if (it->has_location) {
			struct geo_point p = geo_from_wgs84(it->pt, crs);
			json_object_set_new(o, "location",
					    json_pack("{s:f,s:f}", "lat", round(p.lat * 1e6) / 1e6,
						      "lng", round(p.lng * 1e6) / 1e6));
		} else {
			json_object_set_new(o, "location", json_null());
		}
		json_object_set_new(o, "stations_within", json_integer(it->stations_within));
		if (it->nearest_id) {
			const struct snap_station *s = snapshot_station(snap, it->nearest_id);
			struct geo_point np = geo_from_wgs84(it->nearest_pt, crs);
			json_object_set_new(o, "nearest",
					    json_pack("{s:I,s:s,s:i,s:i,s:{s:f,s:f}}", "id",
						      (json_int_t)it->nearest_id, "name",
						      s ? snapshot_text(snap, s->name) : "",
						      "distance_m", (int)lround(it->nearest_m),
						      "walk_minutes",
						      geo_walk_minutes(it->nearest_m), "location",
						      "lat", round(np.lat * 1e6) / 1e6, "lng",
						      round(np.lng * 1e6) / 1e6));
		} else {
			json_object_set_new(o, "nearest", json_null());
		}
		json_array_append_new(items, o);
	}
	snapshot_release(app->stations, snap);
	json_t *left_out = json_array();
	for (size_t i = 0; i < c.nleft_out; i++)
		json_array_append_new(left_out,
				      json_pack("{s:s,s:I}", "kind", c.left_out[i].kind, "count",
						(json_int_t)c.left_out[i].count));
	json_t *o = json_pack("{s:s,s:i,s:[s],s:o,s:I,s:I,s:I,s:f,s:o}", "region", c.region,
			      "walk_m", c.walk_m, "counted_kinds", COVERAGE_COUNTED_KIND,
			      "not_counted", left_out, "communities", (json_int_t)c.communities,
			      "located", (json_int_t)c.located, "covered", (json_int_t)c.covered,
			      "share", round(c.share * 10000) / 10000, "items", items);
	coverage_release(&c);
	reply_json(resp, 200, o);
}
