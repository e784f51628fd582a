/* Query parameters read the same way by every resource (api/query.h). */
#include "api/query.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool query_crs(struct http_req *req, enum geo_crs *crs, struct problem *prob)
{
	const char *s = http_req_query(req, "crs");
	*crs = GEO_CRS_WGS84;
	if (s && *s && geo_crs_parse(s, crs) != 0) {
		problem_field(prob, "crs", "坐标系应为 wgs84, gcj02 或 bd09");
		return false;
	}
	return true;
}

/* strtod for the plain decimals clients send ("34.36512", "-7", "1500"):
 * with at most 15 significant digits and 22 decimals, digits / 10^decimals
 * is one correctly rounded division of two exact doubles, the value strtod
 * gives. Anything else goes to strtod itself. */
static double parse_double(const char *s, char **end)
{
	static const double pow10[] = { 1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,
					1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
					1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
	const char *p = s;
	bool neg = *p == '-';
	if (neg)
		p++;
	uint64_t m = 0;
	int ndigits = 0, ndecimals = 0;
	const char *start = p;
	for (; *p >= '0' && *p <= '9'; p++, ndigits++)
		m = m * 10 + (uint64_t)(*p - '0');
	bool any = p != start;
	if (*p == '.') {
		p++;
		const char *frac = p;
		for (; *p >= '0' && *p <= '9'; p++, ndigits++, ndecimals++)
			m = m * 10 + (uint64_t)(*p - '0');
		any = any || p != frac;
	}
	if (!any || *p || ndigits > 15 || ndecimals > 22)
		return strtod(s, end);
	*end = (char *)p;
	double v = (double)m / pow10[ndecimals];
	return neg ? -v : v;
}

bool query_double(struct http_req *req, const char *name, bool required, double min, double max,
		  double def, double *out, struct problem *prob)
{
	const char *s = http_req_query(req, name);
	if (!s || !*s) {
		if (required)
			problem_field(prob, name, "必填 (required)");
		*out = def;
		return !required;
	}
	char *end = NULL;
	double v = parse_double(s, &end);
	if (*end || !isfinite(v) || v < min || v > max) {
		problem_field(prob, name, "应为 %g 到 %g 之间的数", min, max);
		return false;
	}
	*out = v;
	return true;
}

bool query_bool(struct http_req *req, const char *name, bool *out, struct problem *prob)
{
	const char *s = http_req_query(req, name);
	*out = false;
	if (!s || !*s || !strcmp(s, "0") || !strcmp(s, "false"))
		return true;
	if (!strcmp(s, "1") || !strcmp(s, "true")) {
		*out = true;
		return true;
	}
	problem_field(prob, name, "应为 true 或 false");
	return false;
}

/* bbox=south,west,north,east */
bool query_bbox(struct http_req *req, double box[4], enum geo_crs crs, struct problem *prob)
{
	const char *s = http_req_query(req, "bbox");
	if (!s)
		return false;
	char *end = NULL;
	const char *p = s;
	for (int i = 0; i < 4; i++) {
		box[i] = strtod(p, &end);
		if (end == p || !isfinite(box[i]) || (i < 3 && *end != ',') || (i == 3 && *end)) {
			problem_field(prob, "bbox", "应为 南纬,西经,北纬,东经 四个数");
			return false;
		}
		p = end + 1;
	}
	if (box[0] > box[2] || box[0] < -90 || box[2] > 90 || box[1] < -180 || box[3] > 180) {
		problem_field(prob, "bbox", "范围无效：南 ≤ 北，纬度 −90…90，经度 −180…180");
		return false;
	}
	if (crs != GEO_CRS_WGS84) {
		struct geo_point sw = geo_to_wgs84((struct geo_point){ box[0], box[1] }, crs);
		struct geo_point ne = geo_to_wgs84((struct geo_point){ box[2], box[3] }, crs);
		box[0] = sw.lat, box[1] = sw.lng, box[2] = ne.lat, box[3] = ne.lng;
	}
	return true;
}

bool query_region(struct http_req *req, const char *name, bool required, char out[13],
		  struct problem *prob)
{
	const char *s = http_req_query(req, name);
	out[0] = '\0';
	if (!s && !required)
		return true;
	if (!s || !*s || strlen(s) > 12 || strspn(s, "0123456789") != strlen(s)) {
		problem_field(prob, name, "区域代码应为数字前缀，如 610303008");
		return false;
	}
	memcpy(out, s, strlen(s) + 1);
	return true;
}
