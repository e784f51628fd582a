/* The commands every noun that belongs to a region shares: work sites,
 * teams, party organisations, grids — and the next ones. A noun describes
 * its fields once (field.h) and adds a registry_noun: which actions read
 * and change it, where its region_code lies in its record and input, and
 * its own checks. Then create, update, read and list are these functions:
 * each checks the table's fields, the noun's own rules, that the region
 * exists and lies within the actor's scope (the object's region, also the
 * new one when it moves), writes the row, its audit row and its
 * "<noun>.changed" event in the caller's transaction. */
#ifndef YZ_DOMAIN_REGISTRY_H
#define YZ_DOMAIN_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/field.h"
#include "domain/permission.h"

struct registry_noun {
	const struct noun *noun;
	enum action read, edit;
	const char *event;     /* "work_site.changed" */
	size_t rec_size;       /* sizeof the record */
	size_t in_size;	       /* sizeof the input */
	size_t region_rec_off; /* char region_code[13] in the record */
	size_t region_in_off;  /* const char *region_code in the input */
	size_t region_has_off; /* its bool "given" flag in the input */
	int min_region_digits; /* 6 (district), 9 (street) or 12 (community) */
	/* The noun's own checks of in (references exist …) with region the
	 * object's region after the write; field errors into prob, a database
	 * failure returned. NULL: none. */
	enum rc (*validate)(struct db *db, const void *in, bool create, const char *region,
			    struct problem *prob);
};

/* Creates a row from in (ACT edit at its region, which a create needs). */
enum rc registry_create(struct db_tx *tx, const struct actor *actor, const struct registry_noun *rn,
			const void *in, int64_t *id, struct problem *prob);
/* Changes the fields given in in: edit at the row's region (and at the
 * new one, when the region changes). */
enum rc registry_update(struct db_tx *tx, const struct actor *actor, const struct registry_noun *rn,
			int64_t id, const void *in, struct problem *prob);
/* Reads one row, unchecked. RC_NOT_FOUND. */
enum rc registry_get(struct db *db, const struct registry_noun *rn, int64_t id, void *rec,
		     struct problem *prob);
/* Reads one row for viewer: read at its region, or RC_FORBIDDEN. */
enum rc registry_read(struct db *db, const struct principal *viewer, const struct registry_noun *rn,
		      int64_t id, void *rec, struct problem *prob);

struct registry_page {
	size_t n;
	void *items; /* n records of rn->rec_size */
	int64_t next_after_id;
};
/* The rows within region (a code prefix; "" for the viewer's whole scope)
 * that viewer may read, by id after after_id. RC_FORBIDDEN for a region
 * outside the viewer's scope. */
enum rc registry_list(struct db *db, const struct principal *viewer, const struct registry_noun *rn,
		      const char *region, int64_t after_id, size_t limit,
		      struct registry_page *page, struct problem *prob);
void registry_page_release(struct registry_page *page);

/* The scope condition for viewer doing a on rows whose region column is
 * column: appends " AND (…)" to sql with its parameters from *np on
 * (patterns kept in likes). RC_FORBIDDEN if region (a prefix, "" for
 * none) lies outside what viewer may do a on. Shared with the ledger. */
#define REGISTRY_LIKE_CAP (SCOPE_MAX + 2)
#define REGISTRY_LIKES	  8
enum rc registry_scope_sql(const struct principal *viewer, enum action a, const char *column,
			   const char *region, struct sb *sql, struct db_val *params, size_t *np,
			   char (*likes)[REGISTRY_LIKE_CAP], struct problem *prob);

#endif
