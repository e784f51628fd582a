/* Haversine distance, its cheap equirectangular cousin, and walking minutes.
 * geo/index.c precomputes parts of the haversine per station and must stay
 * bit-for-bit in step with geo_distance_m(); a unit test checks that. */
#include "geo/distance.h"

#include <limits.h>
#include <math.h>

double geo_distance_m(struct geo_point a, struct geo_point b)
{
	double phi1 = a.lat * GEO_RAD_PER_DEG;
	double phi2 = b.lat * GEO_RAD_PER_DEG;
	double s_phi = sin((phi2 - phi1) / 2.0);
	double s_lambda = sin((b.lng - a.lng) * GEO_RAD_PER_DEG / 2.0);
	double h = s_phi * s_phi + cos(phi1) * cos(phi2) * s_lambda * s_lambda;

	/* Rounding can push h a hair above 1 for antipodal points. */
	if (h > 1.0)
		h = 1.0;
	return 2.0 * GEO_EARTH_RADIUS_M * asin(sqrt(h));
}

double geo_distance_fast_m(struct geo_point a, struct geo_point b)
{
	double d_lng = b.lng - a.lng;
	double x, y;

	if (d_lng > 180.0)
		d_lng -= 360.0;
	else if (d_lng < -180.0)
		d_lng += 360.0;
	x = d_lng * GEO_RAD_PER_DEG * cos((a.lat + b.lat) / 2.0 * GEO_RAD_PER_DEG);
	y = (b.lat - a.lat) * GEO_RAD_PER_DEG;
	return GEO_EARTH_RADIUS_M * sqrt(x * x + y * y);
}

int geo_walk_minutes(double distance_m)
{
	double minutes;

	if (!(distance_m > 0.0))
		return 1;
	minutes = distance_m * GEO_WALK_DETOUR / GEO_WALK_M_PER_MIN;
	if (!(minutes < (double)INT_MAX))
		return INT_MAX;
	/* A distance that is a whole number of minutes should not tip into the
	 * next minute through rounding in the multiplication. */
	minutes = ceil(minutes - 1e-9);
	return minutes < 1.0 ? 1 : (int)minutes;
}
