/* The synthetic country the benchmarks measure: stations normally
 * distributed around real city centres, with the amenities, hours and
 * closures stations have, drawn from the project's random generator
 * (core/rng.h) so that one seed always gives the same stations. Used by
 * yizhan-bench index (in memory) and seed-synthetic (through the domain). */
#ifndef YZ_BENCH_SYNTH_H
#define YZ_BENCH_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "domain/station.h"
#include "geo/coord.h"
#include "geo/distance.h"

/* How the stations spread: a normal distribution of this many metres around
 * each city centre, and about this many stations per city — 150,000
 * stations fill 30 cities, 350 one (the demo city, 宝鸡). */
#define CITY_SIGMA_M	  6000.0
#define STATIONS_PER_CITY 5000

#define M_PER_DEG (GEO_EARTH_RADIUS_M * GEO_RAD_PER_DEG)

/* The week the synthetic hours' exceptions fall in, and the index queries'
 * "now": Monday 2026-03-02 00:00 local time onwards. */
#define SYNTH_WEEK "2026-03-02"

/* A city centre, WGS-84, rounded to about 100 m; code is the city's 4-digit
 * prefix of the national division codes. */
struct synth_city {
	const char *name;
	double lat, lng;
	const char *code;
};
/* The demo city first, so a few hundred stations land where seed-demo puts
 * its accounts. */
extern const struct synth_city synth_cities[];
extern const size_t synth_ncities;

/* The catalog of migration 0003 (code, bit), and how often a station offers
 * each amenity. */
struct synth_amenity {
	const char *code;
	int bit;
	double share;
};
extern const struct synth_amenity synth_amenities[];
extern const size_t synth_namenities;

struct synth {
	struct rng rng;
	size_t ncities;
	int32_t day0; /* local day number of the week's Monday */
	int64_t week_start_s;
};

/* How many cities n stations fill (wanted, if not 0, within 1…all). */
size_t synth_cities_for(size_t n, size_t wanted);
/* Starts drawing from seed around the first ncities cities. */
void synth_init(struct synth *sy, uint64_t seed, size_t ncities);
/* A point drawn around one of the cities in use; *city (if not NULL) gets
 * which (an index into synth_cities). */
struct geo_point synth_point(struct synth *sy, size_t *city);
/* Fills the fields of *s a station has in the registry (not the QR token,
 * rooms, notes or timestamps); *city gets its city, if not NULL. s must be
 * zeroed; id is i + 1. */
void synth_station(struct synth *sy, size_t i, struct station *s, size_t *city);

#endif
