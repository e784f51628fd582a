/* Coverage. Any station counts, open or temporarily closed: the question is
 * where the network reaches, not who is at the desk right now. */
#include "domain/coverage.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "domain/region.h"

#define WITHIN_MAX     50
/* Farther than any two points on Earth: "the nearest station, however far". */
#define ANY_DISTANCE_M 2.1e7

static int cmp_item(const void *a, const void *b)
{
	const struct coverage_item *x = a, *y = b;
	if (x->covered != y->covered)
		return x->covered ? 1 : -1;
	return strcmp(x->code, y->code);
}

/* The other kinds of level-5 region under code, with their counts, so that an
 * answer says what it leaves out. */
static enum rc left_out(struct db *db, const char *code, struct coverage *out, struct problem *prob)
{
	struct sb like = SB_INIT;
	sb_adds(&like, code);
	sb_addc(&like, '%');
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT kind, COUNT(*) FROM regions WHERE code LIKE $1 AND level = 5"
			  " AND kind <> '" COVERAGE_COUNTED_KIND "' GROUP BY kind"
			  " ORDER BY COUNT(*) DESC, kind",
			  &rows, prob, DB_T(sb_str(&like)));
	sb_release(&like);
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(rows);
	out->left_out = xcalloc(n ? n : 1, sizeof(*out->left_out));
	for (size_t i = 0; i < n; i++) {
		text_copy(out->left_out[i].kind, sizeof(out->left_out[i].kind),
			  db_rows_text(rows, i, 0));
		out->left_out[i].count = (size_t)db_rows_int(rows, i, 1);
	}
	out->nleft_out = n;
	db_rows_free(rows);
	return RC_OK;
}

enum rc coverage_compute(struct db *db, const struct snapshot *snap, const char *region, int walk_m,
			 struct coverage *out, struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	struct region r;
	enum rc rc = region_get(db, region, &r, prob);
	if (rc != RC_OK)
		return rc;
	text_copy(out->region, sizeof(out->region), r.code);
	out->walk_m = walk_m;
	struct sb like = SB_INIT;
	sb_adds(&like, r.code);
	sb_addc(&like, '%');
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "SELECT c.code, c.short_name, c.lat, c.lng, p.short_name FROM regions c"
		  " LEFT JOIN regions p ON p.code = c.parent_code"
		  " WHERE c.code LIKE $1 AND c.level = 5 AND c.kind = '" COVERAGE_COUNTED_KIND "'"
		  " ORDER BY c.code",
		  &rows, prob, DB_T(sb_str(&like)));
	sb_release(&like);
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(rows);
	out->items = xcalloc(n ? n : 1, sizeof(*out->items));
	struct geo_index_hit work[WITHIN_MAX];
	struct nearby_hit hits[WITHIN_MAX];
	for (size_t i = 0; i < n; i++) {
		struct coverage_item *it = &out->items[i];
		text_copy(it->code, sizeof(it->code), db_rows_text(rows, i, 0));
		text_copy(it->name, sizeof(it->name), db_rows_text(rows, i, 1));
		if (!db_rows_null(rows, i, 4))
			text_copy(it->parent_name, sizeof(it->parent_name),
				  db_rows_text(rows, i, 4));
		it->has_location = !db_rows_null(rows, i, 2) && !db_rows_null(rows, i, 3);
		if (!it->has_location)
			continue;
		it->pt.lat = db_rows_real(rows, i, 2);
		it->pt.lng = db_rows_real(rows, i, 3);
		out->located++;
		struct nearby_query q = { .center = it->pt,
					  .radius_m = walk_m,
					  .limit = WITHIN_MAX,
					  .theme = -1,
					  .level = -1 };
		size_t k = snapshot_nearby(snap, &q, work, hits);
		it->stations_within = (int64_t)k;
		it->covered = k > 0;
		if (k)
			out->covered++;
		/* A gap is measured too: how far its people walk today is what
		 * tells a planner which gap to close first. */
		else {
			q.radius_m = ANY_DISTANCE_M;
			q.limit = 1;
			k = snapshot_nearby(snap, &q, work, hits);
		}
		if (k) {
			it->nearest_id = hits[0].station->id;
			it->nearest_m = hits[0].distance_m;
			it->nearest_pt = hits[0].station->pt;
		}
	}
	db_rows_free(rows);
	rows = NULL;
	rc = left_out(db, r.code, out, prob);
	if (rc != RC_OK) {
		coverage_release(out);
		return rc;
	}
	out->n = n;
	out->communities = n;
	out->share = out->located ? (double)out->covered / (double)out->located : 0;
	if (n)
		qsort(out->items, n, sizeof(*out->items), cmp_item);
	return RC_OK;
}

void coverage_release(struct coverage *c)
{
	free(c->items);
	free(c->left_out);
	memset(c, 0, sizeof(*c));
}
