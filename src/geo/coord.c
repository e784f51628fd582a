/* WGS-84 <-> GCJ-02 <-> BD-09. The arithmetic is written in exactly the order
 * gcoord's TypeScript evaluates it, so that with IEEE doubles and libm the
 * results match gcoord to the last printed digit (the unit tests hold us to
 * 1e-9 degrees). Do not "simplify" the expressions: reassociation changes bits. */
#include "geo/coord.h"

#include <math.h>
#include <stddef.h>
#include <strings.h>

/* Math.PI; the same double as M_PI, spelt out so no feature macro is needed. */
#define GEO_PI 3.14159265358979323846

/* Krasovsky 1940 ellipsoid, which GCJ-02 is defined on. */
static const double krasovsky_a = 6378245.0;
static const double krasovsky_ee = 0.00669342162296594323;

/* Baidu's factor for BD-09. */
static const double baidu_x_pi = GEO_PI * 3000.0 / 180.0;

/* The fixed-point inverse stops once the forward image is this close (in
 * degrees) to the target. gcoord stops at 1e-6; we go on, which costs one or
 * two more rounds of the forward transform and buys exact round trips. */
static const double gcj_inverse_epsilon_deg = 1e-11;
static const int gcj_inverse_max_rounds = 32;

static const struct {
	const char *name;
	enum geo_crs crs;
} crs_names[] = {
	{ "wgs84", GEO_CRS_WGS84 },
	{ "gcj02", GEO_CRS_GCJ02 },
	{ "bd09", GEO_CRS_BD09 },
};

int geo_crs_parse(const char *s, enum geo_crs *out)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof(crs_names) / sizeof(crs_names[0]); i++) {
		if (strcasecmp(s, crs_names[i].name) == 0) {
			*out = crs_names[i].crs;
			return 0;
		}
	}
	return -1;
}

const char *geo_crs_name(enum geo_crs crs)
{
	for (size_t i = 0; i < sizeof(crs_names) / sizeof(crs_names[0]); i++) {
		if (crs_names[i].crs == crs)
			return crs_names[i].name;
	}
	return "?";
}

bool geo_point_valid(struct geo_point p)
{
	/* The comparisons are false for NaN, so NaN fails without isfinite(). */
	return p.lat >= -90.0 && p.lat <= 90.0 && p.lng >= -180.0 && p.lng <= 180.0;
}

bool geo_in_china(struct geo_point p)
{
	return p.lng >= 72.004 && p.lng <= 137.8347 && p.lat >= 0.8293 && p.lat <= 55.8271;
}

static double transform_lat(double x, double y)
{
	double ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x));

	ret += (20.0 * sin(6.0 * x * GEO_PI) + 20.0 * sin(2.0 * x * GEO_PI)) * 2.0 / 3.0;
	ret += (20.0 * sin(y * GEO_PI) + 40.0 * sin(y / 3.0 * GEO_PI)) * 2.0 / 3.0;
	ret += (160.0 * sin(y / 12.0 * GEO_PI) + 320.0 * sin(y * GEO_PI / 30.0)) * 2.0 / 3.0;
	return ret;
}

static double transform_lng(double x, double y)
{
	double ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));

	ret += (20.0 * sin(6.0 * x * GEO_PI) + 20.0 * sin(2.0 * x * GEO_PI)) * 2.0 / 3.0;
	ret += (20.0 * sin(x * GEO_PI) + 40.0 * sin(x / 3.0 * GEO_PI)) * 2.0 / 3.0;
	ret += (150.0 * sin(x / 12.0 * GEO_PI) + 300.0 * sin(x / 30.0 * GEO_PI)) * 2.0 / 3.0;
	return ret;
}

/* The GCJ-02 offset without the box check. The inverse iterates on this, not
 * on the boxed transform: near the box edge an iterate may step outside the
 * box, and the boxed transform would then make the iteration oscillate. */
static struct geo_point gcj_shift(struct geo_point p)
{
	double d_lng = transform_lng(p.lng - 105.0, p.lat - 35.0);
	double d_lat = transform_lat(p.lng - 105.0, p.lat - 35.0);
	double rad_lat = p.lat / 180.0 * GEO_PI;
	double magic = sin(rad_lat);
	double sqrt_magic;

	magic = 1.0 - krasovsky_ee * magic * magic;
	sqrt_magic = sqrt(magic);
	d_lng = (d_lng * 180.0) / (krasovsky_a / sqrt_magic * cos(rad_lat) * GEO_PI);
	d_lat = (d_lat * 180.0) /
		((krasovsky_a * (1.0 - krasovsky_ee)) / (magic * sqrt_magic) * GEO_PI);
	return (struct geo_point){ .lat = p.lat + d_lat, .lng = p.lng + d_lng };
}

struct geo_point geo_wgs84_to_gcj02(struct geo_point p)
{
	if (!geo_in_china(p))
		return p;
	return gcj_shift(p);
}

struct geo_point geo_gcj02_to_wgs84(struct geo_point p)
{
	struct geo_point w = p;

	if (!geo_in_china(p))
		return p;
	/* The shift varies by about 1e-3 of a degree per degree, so each round
	 * gains two to three digits; five rounds reach 1e-11 from anywhere. */
	for (int round = 0; round < gcj_inverse_max_rounds; round++) {
		struct geo_point t = gcj_shift(w);
		double d_lat = t.lat - p.lat;
		double d_lng = t.lng - p.lng;

		if (fabs(d_lat) <= gcj_inverse_epsilon_deg &&
		    fabs(d_lng) <= gcj_inverse_epsilon_deg)
			break;
		w.lat -= d_lat;
		w.lng -= d_lng;
	}
	return w;
}

struct geo_point geo_gcj02_to_bd09(struct geo_point p)
{
	double x = p.lng;
	double y = p.lat;
	double z = sqrt(x * x + y * y) + 0.00002 * sin(y * baidu_x_pi);
	double theta = atan2(y, x) + 0.000003 * cos(x * baidu_x_pi);

	return (struct geo_point){ .lat = z * sin(theta) + 0.006, .lng = z * cos(theta) + 0.0065 };
}

struct geo_point geo_bd09_to_gcj02(struct geo_point p)
{
	double x = p.lng - 0.0065;
	double y = p.lat - 0.006;
	double z = sqrt(x * x + y * y) - 0.00002 * sin(y * baidu_x_pi);
	double theta = atan2(y, x) - 0.000003 * cos(x * baidu_x_pi);

	return (struct geo_point){ .lat = z * sin(theta), .lng = z * cos(theta) };
}

struct geo_point geo_to_wgs84(struct geo_point p, enum geo_crs from)
{
	switch (from) {
	case GEO_CRS_WGS84: return p;
	case GEO_CRS_GCJ02: return geo_gcj02_to_wgs84(p);
	case GEO_CRS_BD09: return geo_gcj02_to_wgs84(geo_bd09_to_gcj02(p));
	}
	return p;
}

struct geo_point geo_from_wgs84(struct geo_point p, enum geo_crs to)
{
	switch (to) {
	case GEO_CRS_WGS84: return p;
	case GEO_CRS_GCJ02: return geo_wgs84_to_gcj02(p);
	case GEO_CRS_BD09: return geo_gcj02_to_bd09(geo_wgs84_to_gcj02(p));
	}
	return p;
}
