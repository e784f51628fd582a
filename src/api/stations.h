/* What the station resources share: stations.c (finding, reading and
 * writing stations), amenities.c (the catalog), station_render.c (the one
 * way a station is shown). */
#ifndef YZ_API_STATIONS_H
#define YZ_API_STATIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/app.h"
#include "core/problem.h"
#include "core/sb.h"
#include "domain/station.h"
#include "domain/station_snapshot.h"
#include "geo/coord.h"
#include "http/http.h"

/* station_render.c */

/* The render hook of the station snapshot (domain/station_snapshot.h,
 * handed to snapshot_store_new): a station's summary, from its field
 * table's summary view, its location (in WGS-84) between two NULs, the
 * part an answer in another coordinate system replaces. Borrowed, static. */
const struct readmodel_render *station_fragment_renderer(void);
/* Appends one station's summary object to resp's body, without its closing
 * brace (a finding answer adds its own fields): id, name, level, theme,
 * parent_id and phone when they have a value, region_code, address,
 * location in crs, amenities, stars — the snapshot's fragment — then
 * open_now and closed (a closure whose end passed is over). With borrow the
 * fragment is sent from the snapshot itself (http_resp_borrow), and the
 * caller must hold snap until the answer lets go of it (snapshot_hold);
 * else it is copied. scratch is the caller's, for a fragment the snapshot
 * does not keep. snap and s are borrowed for the call. */
void station_render_summary(struct http_resp *resp, bool borrow, struct sb *scratch,
			    const struct snapshot *snap, const struct snap_station *s,
			    enum geo_crs crs, bool open_now, int64_t now_s);
/* Appends the n items of a nearby answer, comma-separated: each hit's
 * summary (borrowed, as above) with distance_m and walk_minutes. */
void station_render_hits(struct http_resp *resp, const struct snapshot *snap,
			 const struct nearby_hit *hits, size_t n, enum geo_crs crs, int64_t now_s);
/* One station in full, read from the database, as req's caller may see it
 * (the summary's fields plus names, description, hours, closure, rooms,
 * photos, what the caller may edit, the check-in link for those who may).
 * *out is a *new* object on RC_OK; errors (not found …) in prob. */
enum rc station_render_detail(struct http_req *req, int64_t id, enum geo_crs crs, json_t **out,
			      struct problem *prob);

#endif
