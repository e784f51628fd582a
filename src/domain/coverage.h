/* Coverage: for a region, which of its communities have a station within a
 * 15-minute walk (the "15分钟服务圈", about 1,200 m) and which do not — the
 * figure a district official answers for, and the list of where the next
 * station should go. Reads community points from the regions table and
 * stations from the snapshot. */
#ifndef YZ_DOMAIN_COVERAGE_H
#define YZ_DOMAIN_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/station_snapshot.h"

struct coverage_item {
	char code[13];
	char name[128];
	char parent_name[128]; /* its street or town, which tells apart
				  * communities of the same name */
	bool has_location;
	struct geo_point pt;
	bool covered;
	int64_t nearest_id; /* the nearest station at any distance; 0: no
				  * point, or the network has no station */
	double nearest_m;
	struct geo_point nearest_pt;
	int64_t stations_within; /* how many stations within the walk */
};

/* A kind of level-5 region that coverage does not count, and how many of it
 * the region has. */
struct coverage_left_out {
	char kind[16];
	size_t count;
};

/* The one kind of level-5 region coverage counts: the 居委会 of towns and
 * cities. Villages (村委会) are left out: the walking circle is an urban
 * measure, and their points are rarely known. */
#define COVERAGE_COUNTED_KIND "community"

struct coverage {
	char region[13];
	int walk_m;
	size_t communities; /* all communities (居委会) in the region */
	size_t located;	    /* with a known point */
	size_t covered;
	double share; /* covered / located, 0 when none located */
	size_t n;
	struct coverage_item *items; /* uncovered first, then by code */
	size_t nleft_out;
	struct coverage_left_out *left_out; /* by kind */
};

/* Computes coverage of region (any level) at walk_m metres: each community
 * with the nearest station (at any distance) and how many lie within the
 * walk, and the other kinds of level-5 region left out. RC_NOT_FOUND for an
 * unknown region. out is filled only on RC_OK; release it with
 * coverage_release. */
enum rc coverage_compute(struct db *db, const struct snapshot *snap, const char *region, int walk_m,
			 struct coverage *out, struct problem *prob);
void coverage_release(struct coverage *c);

#endif
