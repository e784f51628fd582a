/* An immutable spatial index of station points, answering "the k nearest
 * within a radius that have these amenities and pass this filter" and "what
 * lies in this box". domain/station_snapshot builds one per snapshot; after
 * geo_index_build() returns, nothing writes to the index, so any number of
 * threads may query it at once without locks. Queries never allocate. */
#ifndef YZ_GEO_INDEX_H
#define YZ_GEO_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "geo/coord.h"

/* One station as the index sees it. pt is WGS-84. amenities is a bitset
 * whose meaning belongs to the caller; flags and tag are carried along
 * untouched. Entries are stored whole, in the index's spatial order, so a
 * filter that reads only the entry it is given (its tag, say) touches no
 * memory the query has not already touched. */
struct geo_index_entry {
	int64_t id;
	struct geo_point pt;
	uint64_t amenities;
	uint32_t flags;
	uint32_t tag;
};

/* One answer of geo_index_nearest(): a *borrowed* entry (valid while the
 * index lives) and its geo_distance_m() from the query centre. */
struct geo_index_hit {
	const struct geo_index_entry *entry;
	double distance_m;
};

/* Caller-supplied predicate; return true to keep e. It is called only for
 * entries that have every required amenity and that a cheap lower bound on
 * their distance does not rule out of the radius or of the current top
 * `limit` (so far fewer than the query looks at), before their exact
 * distance is computed, from the querying thread; it must give the same
 * answer for the same entry within one query. */
typedef bool (*geo_index_filter)(const struct geo_index_entry *e, void *ctx);

struct geo_index;

/* Builds an index over a copy of entries[0..n) (entries may be NULL when n
 * is 0) and returns the *new* index, which the caller frees with
 * geo_index_free(). Entries whose point fails geo_point_valid() are left
 * out. Ids need not be unique. Takes O(n log n) time; aborts on OOM. */
struct geo_index *geo_index_build(const struct geo_index_entry *entries, size_t n);

/* Frees ix; NULL is a no-op. No query may be running on it. */
void geo_index_free(struct geo_index *ix);

/* Number of entries held (those of the build input with a valid point). */
size_t geo_index_count(const struct geo_index *ix);

/* Finds the entries within radius_m metres (great-circle, inclusive) of
 * center that have all bits of amenities_required set and that filter
 * accepts (filter may be NULL to accept all; ctx is passed to it). Writes
 * the nearest `limit` of them to out[0..limit), sorted by distance, then by
 * id, then by position in the index, and returns how many it wrote. out is
 * also used as scratch, so out[returned..limit) is unspecified afterwards.
 * Returns 0 for limit 0, an invalid center, or a negative or NaN radius. */
size_t geo_index_nearest(const struct geo_index *ix, struct geo_point center, double radius_m,
			 uint64_t amenities_required, geo_index_filter filter, void *ctx,
			 size_t limit, struct geo_index_hit *out);

/* The same contract and the same answer as geo_index_nearest(), found by
 * looking at every entry. For tests and benchmarks. */
size_t geo_index_nearest_scan(const struct geo_index *ix, struct geo_point center, double radius_m,
			      uint64_t amenities_required, geo_index_filter filter, void *ctx,
			      size_t limit, struct geo_index_hit *out);

/* Writes to out[0..limit) *borrowed* pointers to the entries with south <=
 * lat <= north and west <= lng <= east, choosing the ones with the smallest
 * ids when more match, sorted by id (ties by position in the index), and
 * returns how many it wrote. west > east means the box crosses the
 * antimeridian. Returns 0 for south > north or NaN bounds. out[returned..
 * limit) is unspecified afterwards. */
size_t geo_index_bbox(const struct geo_index *ix, double south, double west, double north,
		      double east, size_t limit, const struct geo_index_entry **out);

#endif
