/* Points on the Earth and the three coordinate systems met in China: WGS-84
 * (GPS, OpenStreetMap), GCJ-02 (the state-mandated offset used by AMap and
 * Tencent) and BD-09 (Baidu's further offset). The transforms reproduce
 * gcoord 1.0.7 (MIT; src/crs/GCJ02.ts, src/crs/BD09.ts) digit for digit.
 * Pure computation: no state, no allocation, every function is thread-safe. */
#ifndef YZ_GEO_COORD_H
#define YZ_GEO_COORD_H

#include <stdbool.h>

/* A position in degrees: lat north positive, lng east positive. */
struct geo_point {
	double lat;
	double lng;
};

enum geo_crs {
	GEO_CRS_WGS84,
	GEO_CRS_GCJ02,
	GEO_CRS_BD09,
};

/* Parses "wgs84", "gcj02" or "bd09" (ASCII case-insensitive) into *out.
 * Returns 0 on success, -1 for NULL or any other text (*out is untouched). */
int geo_crs_parse(const char *s, enum geo_crs *out);

/* Returns the static lower-case name parse accepts ("wgs84", ...), or "?"
 * for a value outside the enum. */
const char *geo_crs_name(enum geo_crs crs);

/* True if p is finite with lat in [-90, 90] and lng in [-180, 180]. */
bool geo_point_valid(struct geo_point p);

/* True if p lies in gcoord's rough box around China (lng 72.004..137.8347,
 * lat 0.8293..55.8271, inclusive). Only points inside the box are shifted by
 * the WGS-84 <-> GCJ-02 transforms; NaN is outside. */
bool geo_in_china(struct geo_point p);

/* WGS-84 to GCJ-02; returns p unchanged outside geo_in_china(). */
struct geo_point geo_wgs84_to_gcj02(struct geo_point p);

/* GCJ-02 to WGS-84 by fixed-point iteration on the forward transform (as
 * gcoord does, but carried on until the residual is below 1e-11 degrees, so
 * a round trip through geo_wgs84_to_gcj02() is exact to about 1e-11 degrees).
 * Returns p unchanged outside geo_in_china(). */
struct geo_point geo_gcj02_to_wgs84(struct geo_point p);

/* GCJ-02 to BD-09 and back, as Baidu publishes them; no box check. The pair
 * is not an exact inverse: over China a round trip moves a point by up to
 * about 2e-6 degrees (a quarter of a metre). */
struct geo_point geo_gcj02_to_bd09(struct geo_point p);
struct geo_point geo_bd09_to_gcj02(struct geo_point p);

/* Converts p from the system `from` to WGS-84, and from WGS-84 to `to`;
 * WGS-84 itself passes through unchanged. */
struct geo_point geo_to_wgs84(struct geo_point p, enum geo_crs from);
struct geo_point geo_from_wgs84(struct geo_point p, enum geo_crs to);

#endif
