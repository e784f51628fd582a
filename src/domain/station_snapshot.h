/* The station snapshot: an immutable, in-memory copy of every station in a
 * compact form, with a spatial index and each station's summary already
 * rendered, built from the database and swapped in atomically after each
 * write. It is the first user of the read-model store (readmodel.h), which
 * gives it lock-free readers, serialized writers and the deferred free;
 * what a snapshot holds — the stations, the shared schedules, the index,
 * the amenity catalog and the fragments — is this module's own. */
#ifndef YZ_DOMAIN_STATION_SNAPSHOT_H
#define YZ_DOMAIN_STATION_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/hours.h"
#include "domain/readmodel.h"
#include "domain/station.h"
#include "geo/coord.h"
#include "geo/index.h"

/* One station, compactly. Strings are offsets into the snapshot's text. */
struct snap_station {
	int64_t id;
	int64_t parent_id;
	struct geo_point pt; /* WGS-84 */
	uint64_t amenities;
	uint32_t name, address, phone; /* offsets into text */
	uint32_t schedule;	       /* index into the snapshot's schedules */
	uint8_t level, theme, stars;
	bool closed; /* temporarily closed (also in the schedule) */
	char region_code[13];
};

/* Opening hours shared by every station that has the same ones: weekly
 * ranges, dated exceptions and the temporary closure. Most stations keep
 * one of a few schedules, so the snapshot stores each once, and a query
 * asks "open now?" once per schedule rather than once per station. */
struct snap_schedule {
	uint32_t ranges;     /* offset into the range pool */
	uint32_t exceptions; /* offset into the exception pool */
	uint16_t nranges, nexceptions;
	bool closed;
	int64_t closed_until_s;
};

struct snapshot {
	size_t n;
	struct snap_station *stations; /* sorted by id */
	char *text;
	size_t text_len; /* bytes of text, NULs included */
	size_t nschedules;
	struct snap_schedule *schedules;
	struct hours_range *range_pool;
	struct hours_exception *exception_pool;
	struct geo_index *index; /* entry flags = position in stations, tag = schedule */
	size_t namenities;
	struct amenity *amenities; /* the catalog, by sort order */
	struct snap_frags *frags;  /* the summary fragments: snapshot_fragment */
	int64_t built_s;
	uint64_t generation;
};

/* What the render hook of a station store is given as its row: a station
 * and the catalog its amenity bits are read against, both borrowed for the
 * call. The hook renders the station's summary and puts a NUL byte before
 * and after its location (in WGS-84): the part an answer in another
 * coordinate system replaces with its own. */
struct snapshot_row {
	const struct station *station;
	const struct amenity *catalog;
	size_t ncatalog;
};

struct snapshot_store;

/* A *new* store holding an empty snapshot. With render (copied; NULL for
 * none), each snapshot keeps every station's fragment, rendered by it. */
struct snapshot_store *snapshot_store_new(const struct readmodel_render *render);
void snapshot_store_free(struct snapshot_store *st);

/* Rebuilds from the database and swaps the new snapshot in; waits until no
 * reader has the old one acquired, then lets go of it (readmodel.h).
 * Writers are serialized; an error leaves the current snapshot. */
enum rc snapshot_store_reload(struct snapshot_store *st, struct db *db, struct problem *prob);
/* Makes one station's write visible without reading every station again:
 * re-reads station id from the database (station_get) and swaps in a
 * snapshot that differs from the current one only there — the station
 * added, replaced, or left out if the database no longer has it. The rest
 * is copied from the current snapshot (its amenity catalog included, so a
 * catalog change needs snapshot_store_reload) and the index is rebuilt:
 * tens of milliseconds at 150,000 stations where a reload takes seconds.
 * Writers are serialized with reloads. Errors from the database leave the
 * current snapshot in place. */
enum rc snapshot_store_update_station(struct snapshot_store *st, struct db *db, int64_t id,
				      struct problem *prob);
/* Builds from stations given directly (benchmarks and tests) and swaps in. */
void snapshot_store_load(struct snapshot_store *st, const struct station *stations, size_t n,
			 const struct amenity *catalog, size_t ncatalog);

/* Returns the current snapshot, *borrowed* until snapshot_release on the
 * same thread. Lock-free. A thread holds at most one snapshot at a time. */
const struct snapshot *snapshot_acquire(struct snapshot_store *st);
void snapshot_release(struct snapshot_store *st, const struct snapshot *snap);
/* Keeps snap, acquired by the calling thread, alive past snapshot_release
 * until readmodel_unhold of the *new* hold returned, on any thread: for an
 * answer sent from the snapshot's own bytes after the handler returns. */
struct readmodel_hold *snapshot_hold(struct snapshot_store *st, const struct snapshot *snap);

/* A station's summary fragment: the render hook's text for it, the two
 * NULs taken out. text[hole..hole + hole_len) is what they marked (the
 * location in WGS-84), which a reader may keep or replace. */
struct snap_fragment {
	const char *text;
	size_t len, hole, hole_len;
	bool kept; /* text is the snapshot's (valid while it is held), else scratch's */
};

/* The fragment of s in snap. A snapshot keeps every station's fragment,
 * rendered when it was built, as long as they fit SNAPSHOT_FRAGMENTS_MAX
 * bytes together (a city's stations do; 150,000 would take some 45 MB).
 * Past that it keeps each one from the first time it is asked for, within
 * the same bound, and beyond the bound renders it into scratch (reset
 * first) on each call. Returns false, out untouched, if the store has no
 * render hook. Thread-safe; snap must be acquired. */
#define SNAPSHOT_FRAGMENTS_MAX (8u << 20) /* under 16 MiB: entries keep 24-bit offsets */
bool snapshot_fragment(const struct snapshot *snap, const struct snap_station *s,
		       struct sb *scratch, struct snap_fragment *out);
/* True if every station's fragment was rendered at build (none on demand). */
bool snapshot_fragments_complete(const struct snapshot *snap);

/* Lookups on a snapshot (all borrowed from it). */
const struct snap_station *snapshot_station(const struct snapshot *snap, int64_t id);
const char *snapshot_text(const struct snapshot *snap, uint32_t off);
struct hours_view snapshot_hours(const struct snapshot *snap, const struct snap_station *s);
bool snapshot_open_at(const struct snapshot *snap, const struct snap_station *s, int64_t now_s);
/* True if s is temporarily closed at now_s (hours_view_closed_at). */
bool snapshot_closed_at(const struct snapshot *snap, const struct snap_station *s, int64_t now_s);
/* The bit of amenity code, or -1 if the catalog has no such code. */
int snapshot_amenity_bit(const struct snapshot *snap, const char *code);

struct nearby_query {
	struct geo_point center; /* WGS-84 */
	double radius_m;
	size_t limit;
	uint64_t amenities; /* all required */
	bool open_now;
	int64_t now_s;
	int theme; /* index into station_themes, or -1 */
	int level; /* index into station_levels, or -1 */
};

struct nearby_hit {
	const struct snap_station *station;
	double distance_m;
	bool open_now;
};

/* The nearest stations matching q, nearest first; out holds q->limit. */
size_t snapshot_nearby(const struct snapshot *snap, const struct nearby_query *q,
		       struct geo_index_hit *work, struct nearby_hit *out);
/* Starts loading the fragments of the n hits into the CPU's cache, all at
 * once: with many stations they lie far apart, and waiting for each in
 * turn (entry, then text) takes longer than copying them. */
void snapshot_prefetch_fragments(const struct snapshot *snap, const struct nearby_hit *hits,
				 size_t n);
/* Stations inside a box, by id, at most limit. */
size_t snapshot_bbox(const struct snapshot *snap, double south, double west, double north,
		     double east, size_t limit, const struct snap_station **out);
/* Stations whose name or address contains q (a UTF-8 substring), by id. */
size_t snapshot_search(const struct snapshot *snap, const char *q, const char *region_prefix,
		       size_t limit, const struct snap_station **out);

#endif
