/* The map's base layer, as configured: a tile URL template, the coordinate
 * system its tiles are drawn in (OpenStreetMap: WGS-84; AMap: GCJ-02), the
 * attribution to show, and the origin the page's CSP must allow. */
#ifndef YZ_API_TILES_H
#define YZ_API_TILES_H

#include <stdbool.h>

#include "core/problem.h"

struct tiles {
	char name[16]; /* "osm", "amap", "custom", "none" */
	char url[256]; /* Leaflet template; "" for none */
	char subdomains[16];
	char crs[8]; /* "wgs84" or "gcj02" */
	char attribution[128];
	char origin[160]; /* for CSP img-src, "" for none */
};

/* Resolves --tiles / --tiles-url / --tiles-crs. False with prob filled for
 * an unknown name, a URL that is not http(s), or an unknown crs. */
bool tiles_resolve(const char *name, const char *url, const char *crs, struct tiles *out,
		   struct problem *prob);

#endif
