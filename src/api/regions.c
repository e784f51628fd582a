/* /api/v1/regions: China's administrative divisions for pickers, breadcrumbs
 * and search (public), and a region's representative point (admins). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/reply.h"
#include "api/write.h"
#include "domain/region.h"

#define SEARCH_LIMIT_DEFAULT 20

static json_t *render_region(const struct region *g)
{
	json_t *o = json_object();
	json_object_set_new(o, "code", json_string(g->code));
	json_object_set_new(o, "name", json_string(g->name));
	json_object_set_new(o, "short_name", json_string(g->short_name));
	json_object_set_new(o, "level", json_integer(g->level));
	json_object_set_new(o, "kind", json_string(g->kind));
	json_object_set_new(o, "parent_code",
			    g->parent_code[0] ? json_string(g->parent_code) : json_null());
	json_t *loc = json_null();
	if (g->has_location)
		loc = json_pack("{s:f,s:f,s:s}", "lat", g->lat, "lng", g->lng, "source",
				g->location_source);
	json_object_set_new(o, "location", loc);
	return o;
}

/* {items: [...]}, *new*; takes items and frees them. */
static json_t *render_list(struct region *items, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, render_region(&items[i]));
	free(items);
	return json_pack("{s:o}", "items", arr);
}

void h_regions_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	const char *q = http_req_query(req, "q");
	const char *within = http_req_query(req, "within");
	int64_t limit = SEARCH_LIMIT_DEFAULT;
	struct region *items = NULL;
	size_t n = 0;
	enum rc rc;
	if (!query_int(req, "limit", 1, REGION_SEARCH_LIMIT_MAX, SEARCH_LIMIT_DEFAULT, &limit,
		       &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	if (q && *q) {
		rc = region_search(app->db, q, within, (size_t)limit, &items, &n, &prob);
	} else {
		/* Browsing: the provinces, or what lies directly under within. */
		char norm[REGION_CODE_MAX];
		if (within && *within && !region_code_normalize(within, norm)) {
			problem_field(&prob, "within", "应为行政区划代码（2/4/6/9/12 位数字）");
			reply_problem(req, resp, &prob);
			return;
		}
		rc = region_children(app->db, within && *within ? norm : NULL, &items, &n, &prob);
	}
	if (rc != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	reply_json(resp, 200, render_list(items, n));
}

void h_region_get(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct region *path = NULL;
	size_t n = 0;
	/* The breadcrumb ends with the region itself: one query answers both. */
	if (region_ancestors(app->db, http_req_param(req, "code"), &path, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *o = render_region(&path[n - 1]);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, render_region(&path[i]));
	free(path);
	json_object_set_new(o, "path", arr);
	reply_json(resp, 200, o);
}

void h_region_children(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct region *items = NULL;
	size_t n = 0;
	if (region_children(app->db, http_req_param(req, "code"), &items, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	reply_json(resp, 200, render_list(items, n));
}

struct locate_arg {
	const char *code;
	double lat, lng;
	const char *source;
};

static enum rc locate(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	struct locate_arg *l = arg;
	struct db *db = ((struct app *)req->app)->db;
	struct region g;
	enum rc rc = region_set_location(tx, actor, l->code, l->lat, l->lng, l->source, prob);
	if (rc == RC_OK)
		rc = region_get(db, l->code, &g, prob);
	if (rc == RC_OK)
		out->body = render_region(&g);
	return rc;
}

void h_region_location_put(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct locate_arg l = { .code = http_req_param(req, "code"), .lat = NAN, .lng = NAN };
	json_t *body = NULL;
	static const char *const allowed[] = { "lat", "lng", "source", NULL };
	if (!read_id_and_body(req, resp, NULL, NULL, allowed, &body, &prob))
		return;
	field_number(body, "lat", true, &l.lat, &prob);
	field_number(body, "lng", true, &l.lng, &prob);
	l.source = field_str(body, "source", false, &prob);
	if (!l.source)
		l.source = "surveyed"; /* a person entering a point has looked it up */
	api_write_checked(req, resp, &prob, locate, &l);
	json_decref(body);
}
