/* Distances on the Earth, and the walking time the public pages show next to
 * a station ("12 min walk"). Spherical model with the IUGG mean radius: good
 * to about 0.5% anywhere, which is far below how well we know where people
 * stand. Pure computation: no state, no allocation, thread-safe. */
#ifndef YZ_GEO_DISTANCE_H
#define YZ_GEO_DISTANCE_H

#include "geo/coord.h"

/* IUGG mean Earth radius R1, in metres. */
#define GEO_EARTH_RADIUS_M 6371008.8

/* Degrees to radians; the one spelling every geo/ file uses, so that the
 * index's distances round exactly as geo_distance_m()'s do. */
#define GEO_RAD_PER_DEG (3.14159265358979323846 / 180.0)

/* Walking model: speed along streets, and how much longer a street route
 * is than the straight line between its ends. */
#define GEO_WALK_M_PER_MIN 80.0
#define GEO_WALK_DETOUR	   1.25

/* Great-circle distance between a and b in metres (haversine). Symmetric,
 * exactly 0 for equal points, handles the antimeridian. NaN in, NaN out. */
double geo_distance_m(struct geo_point a, struct geo_point b);

/* Equirectangular approximation of geo_distance_m() (one cos instead of
 * six transcendental calls) for pruning and sorting where a small error is tolerable.
 * Longitude differences wrap at the antimeridian. Between latitudes -60 and
 * 60 it is within 1e-4 (relative) of geo_distance_m() below 100 km and
 * within about 1e-3 at 1,000 km; near a pole it degrades. It is not a bound
 * in either direction, so prune with a margin. */
double geo_distance_fast_m(struct geo_point a, struct geo_point b);

/* Whole minutes to walk a straight-line distance: distance_m times
 * GEO_WALK_DETOUR at GEO_WALK_M_PER_MIN, rounded up, at least 1. Zero,
 * negative and NaN distances give 1; huge ones saturate at INT_MAX. */
int geo_walk_minutes(double distance_m);

#endif
