/* /api/v1/amenities: the catalog of what a station can offer (water, a
 * microwave, a charger …) with the station levels and themes, and — for
 * those who keep it — adding or renaming a catalog entry. A change rebuilds
 * the station snapshot, which holds the catalog. */
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/reply.h"
#include "api/stations.h"
#include "api/write.h"

void h_amenities_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	const struct snapshot *snap = snapshot_acquire(app->stations);
	json_t *items = json_array();
	for (size_t i = 0; i < snap->namenities; i++) {
		const struct amenity *a = &snap->amenities[i];
		json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:s}", "code", a->code,
						       "name_zh", a->name_zh, "name_en", a->name_en,
						       "icon", a->icon));
	}
	snapshot_release(app->stations, snap);
	json_t *levels = json_array(), *themes = json_array();
	for (size_t i = 0; station_levels[i].code; i++)
		json_array_append_new(levels,
				      json_pack("{s:s,s:s,s:s}", "code", station_levels[i].code,
						"name_zh", station_levels[i].zh, "name_en",
						station_levels[i].en));
	for (size_t i = 0; station_themes[i].code; i++)
		json_array_append_new(themes,
				      json_pack("{s:s,s:s,s:s}", "code", station_themes[i].code,
						"name_zh", station_themes[i].zh, "name_en",
						station_themes[i].en));
	reply_json(
		resp, 200,
		json_pack("{s:o,s:o,s:o}", "amenities", items, "levels", levels, "themes", themes));
}

struct amenity_arg {
	struct amenity in;
};

static enum rc do_amenity(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			  void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct amenity_arg *a = arg;
	enum rc rc = amenity_upsert(tx, actor, &a->in, prob);
	if (rc == RC_OK)
		out->body = json_pack("{s:s,s:s,s:s,s:s}", "code", a->in.code, "name_zh",
				      a->in.name_zh, "name_en", a->in.name_en, "icon", a->in.icon);
	return rc;
}

void h_amenity_put(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct amenity_arg a = { 0 };
	json_t *body = NULL;
	const char *code = http_req_param(req, "code");
	static const char *const allowed[] = { "name_zh", "name_en", "icon", "sort", NULL };
	if (!read_id_and_body(req, resp, NULL, NULL, allowed, &body, &prob))
		return;
	const char *zh = field_text(body, "name_zh", true, false, &prob);
	const char *en = field_text(body, "name_en", true, false, &prob);
	const char *icon = field_str(body, "icon", true, &prob);
	int64_t sort = 0;
	field_int(body, "sort", false, 0, AMENITY_SORT_MAX, &sort, &prob);
	if (strlen(code) >= sizeof(a.in.code) || (zh && strlen(zh) >= sizeof(a.in.name_zh)) ||
	    (en && strlen(en) >= sizeof(a.in.name_en)) ||
	    (icon && strlen(icon) >= sizeof(a.in.icon)))
		problem_field(&prob, "name_zh", "名称或图标过长");
	if (problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		json_decref(body);
		return;
	}
	memcpy(a.in.code, code, strlen(code) + 1);
	memcpy(a.in.name_zh, zh, strlen(zh) + 1);
	memcpy(a.in.name_en, en, strlen(en) + 1);
	memcpy(a.in.icon, icon, strlen(icon) + 1);
	a.in.sort = (int)sort;
	/* The snapshot follows the catalog's station.changed "*" event at commit. */
	api_write(req, resp, do_amenity, &a);
	json_decref(body);
}
