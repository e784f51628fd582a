/* Coverage. Any station counts, open or temporarily closed: the question is
 * where the network reaches, not who is at the desk right now. */
#include "domain/coverage.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "domain/region.h"

#define WITHIN_MAX 50

static int cmp_item(const void *a, const void *b)
{
	const struct coverage_item *x = a, *y = b;
	if (x->covered != y->covered)
		return x->covered ? 1 : -1;
	return strcmp(x->code, y->code);
}

enum rc coverage_compute(struct db *db, const struct snapshot *snap, const char *region,
			 int walk_m, struct coverage *out, struct problem *prob)
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
		  "SELECT code, short_name, lat, lng FROM regions"
		  " WHERE code LIKE $1 AND level = 5 AND kind = 'community' ORDER BY code",
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
		it->has_location = !db_rows_null(rows, i, 2) && !db_rows_null(rows, i, 3);
		if (!it->has_location)
			continue;
		it->pt.lat = db_rows_real(rows, i, 2);
		it->pt.lng = db_rows_real(rows, i, 3);
		out->located++;
		struct nearby_query q = { .center = it->pt, .radius_m = walk_m, .limit = WITHIN_MAX,
					  .theme = -1, .level = -1 };
		size_t k = snapshot_nearby(snap, &q, work, hits);
		it->stations_within = (int64_t)k;
		it->covered = k > 0;
		if (k) {
			it->nearest_id = hits[0].station->id;
			it->nearest_m = hits[0].distance_m;
			out->covered++;
		}
	}
	db_rows_free(rows);
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
	memset(c, 0, sizeof(*c));
}
