/* Tile sources. AMap's tiles are drawn in GCJ-02, so the page converts
 * station coordinates before placing markers on them (GET /api/v1/config
 * tells it which). */
#include "api/tiles.h"

#include <string.h>

#include "core/text.h"

/* "https://{s}.tile.example/{z}/..." becomes "https://(wildcard).tile.example" */
static void origin_of(const char *url, char *out, size_t cap)
{
	const char *host = strstr(url, "://");
	const char *end = host ? strchr(host + 3, '/') : NULL;
	size_t n = end ? (size_t)(end - url) : strlen(url);
	char buf[256];
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, url, n);
	buf[n] = '\0';
	char *s = strstr(buf, "{s}");
	if (s) {
		*s = '*';
		memmove(s + 1, s + 3, strlen(s + 3) + 1);
	}
	/* webrd0{s}.is.autonavi.com: a placeholder inside a label needs a
	 * wildcard for the whole label. */
	char *star = strchr(buf, '*');
	if (star && star > buf && star[-1] != '/' && star[-1] != '.') {
		char *label = star;
		while (label > buf && label[-1] != '/' && label[-1] != '.')
			label--;
		memmove(label + 1, star + 1, strlen(star + 1) + 1);
		*label = '*';
	}
	text_copy(out, cap, buf);
}

bool tiles_resolve(const char *name, const char *url, const char *crs, struct tiles *out,
		   struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	if (url && *url) {
		if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
			problem_set(prob, RC_INVALID, "config",
				    "--tiles-url must start with http:// or https://");
			return false;
		}
		if (strcmp(crs, "wgs84") != 0 && strcmp(crs, "gcj02") != 0) {
			problem_set(prob, RC_INVALID, "config",
				    "--tiles-crs must be wgs84 or gcj02");
			return false;
		}
		text_copy(out->name, sizeof(out->name), "custom");
		text_copy(out->url, sizeof(out->url), url);
		text_copy(out->crs, sizeof(out->crs), crs);
		text_copy(out->subdomains, sizeof(out->subdomains), "abc");
	} else if (!strcmp(name, "osm")) {
		text_copy(out->name, sizeof(out->name), "osm");
		text_copy(out->url, sizeof(out->url),
			  "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png");
		text_copy(out->subdomains, sizeof(out->subdomains), "abc");
		text_copy(out->crs, sizeof(out->crs), "wgs84");
		text_copy(out->attribution, sizeof(out->attribution),
			  "© OpenStreetMap contributors");
	} else if (!strcmp(name, "amap")) {
		text_copy(out->name, sizeof(out->name), "amap");
		text_copy(
			out->url, sizeof(out->url),
			"https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}");
		text_copy(out->subdomains, sizeof(out->subdomains), "1234");
		text_copy(out->crs, sizeof(out->crs), "gcj02");
		text_copy(out->attribution, sizeof(out->attribution), "© 高德地图 AutoNavi");
	} else if (!strcmp(name, "none")) {
		text_copy(out->name, sizeof(out->name), "none");
		text_copy(out->crs, sizeof(out->crs), "wgs84");
		return true;
	} else {
		problem_set(prob, RC_INVALID, "config",
			    "--tiles must be osm, amap or none (got \"%s\")", name);
		return false;
	}
	origin_of(out->url, out->origin, sizeof(out->origin));
	return true;
}
