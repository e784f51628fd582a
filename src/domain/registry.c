/* The shared commands of region-scoped nouns. */
#include "domain/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/events.h"
#include "domain/region.h"
#include "domain/scope.h"

enum rc registry_scope_sql(const struct principal *viewer, enum action a, const char *column,
			   const char *region, struct sb *sql, struct db_val *params, size_t *np,
			   char (*likes)[REGISTRY_LIKE_CAP], struct problem *prob)
{
	char regions[PRINCIPAL_GRANTS_MAX][SCOPE_MAX];
	size_t nr = permission_regions(viewer, a, regions, PRINCIPAL_GRANTS_MAX);
	bool everywhere = false, within = !region[0];
	for (size_t i = 0; i < nr; i++) {
		everywhere = everywhere || !regions[i][0];
		within = within || !regions[i][0] || scope_within(regions[i], region);
	}
	if (!within)
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权查看区域 %s", region);
	size_t nl = 0;
	if (region[0]) {
		snprintf(likes[nl], REGISTRY_LIKE_CAP, "%s%%", region);
		params[(*np)++] = DB_T(likes[nl++]);
		sb_addf(sql, " AND %s LIKE $%zu", column, *np);
	} else if (!everywhere) {
		sb_addlit(sql, " AND (");
		for (size_t i = 0; i < nr && nl < REGISTRY_LIKES; i++) {
			snprintf(likes[nl], REGISTRY_LIKE_CAP, "%s%%", regions[i]);
			params[(*np)++] = DB_T(likes[nl++]);
			sb_addf(sql, "%s%s LIKE $%zu", i ? " OR " : "", column, *np);
		}
		if (!nr)
			sb_addlit(sql, "1 = 0");
		sb_addc(sql, ')');
	}
	return RC_OK;
}

static const char *in_region(const struct registry_noun *rn, const void *in)
{
	if (!*(const bool *)((const char *)in + rn->region_has_off))
		return NULL;
	return *(const char *const *)((const char *)in + rn->region_in_off);
}

static const char *rec_region(const struct registry_noun *rn, const void *rec)
{
	return (const char *)rec + rn->region_rec_off;
}

/* The region given in in, normalized into out and checked to exist;
 * a field error if not. */
static enum rc check_region(struct db *db, const struct registry_noun *rn, const char *given,
			    char out[REGION_CODE_MAX], struct problem *prob)
{
	struct region r;
	struct problem lookup;
	problem_init(&lookup);
	if (!given || !region_code_normalize(given, out) ||
	    (int)strlen(out) < rn->min_region_digits) {
		if (rn->min_region_digits >= 12)
			problem_field(prob, "region_code", "所属区域应为社区（12 位）代码");
		else if (rn->min_region_digits >= 9)
			problem_field(prob, "region_code",
				      "所属区域应为街道（9 位）或社区（12 位）代码");
		else
			problem_field(prob, "region_code", "所属区域应为区县、街道或社区代码");
		return RC_INVALID;
	}
	enum rc rc = region_get(db, out, &r, &lookup);
	if (rc == RC_NOT_FOUND) {
		problem_field(prob, "region_code", "没有这个区域代码：%s", out);
		return RC_INVALID;
	}
	if (rc != RC_OK)
		*prob = lookup;
	return rc;
}

static enum rc changed(struct db_tx *tx, const struct actor *actor, const struct registry_noun *rn,
		       const char *verb, int64_t id, const char *region, const void *in,
		       struct problem *prob)
{
	char action[64];
	snprintf(action, sizeof(action), "%s.%s", rn->noun->name, verb);
	struct audit_detail d;
	audit_detail_init(&d);
	struct sb names = SB_INIT;
	field_given_names(rn->noun, in, &names);
	audit_detail_str(&d, "fields", sb_str(&names));
	sb_release(&names);
	enum rc rc = audit_record_id(tx, actor, action, rn->noun->name, id, region, &d, prob);
	audit_detail_release(&d);
	char sid[24];
	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	return rc == RC_OK ? events_record(tx, rn->event, sid, prob) : rc;
}

/* A unique key clash: the nouns' only one is a name within a region. */
static enum rc same_name(struct problem *prob)
{
	problem_init(prob);
	problem_field(prob, "name", "同一区域已有同名的一项");
	return problem_set(prob, RC_CONFLICT, "conflict", "同一区域已有同名的一项");
}

/* Copies in with its region replaced by the normalized one. */
static void *with_region(const struct registry_noun *rn, const void *in, size_t in_size,
			 const char *region)
{
	char *copy = xmalloc(in_size);
	memcpy(copy, in, in_size);
	*(const char **)(copy + rn->region_in_off) = region;
	return copy;
}

enum rc registry_create(struct db_tx *tx, const struct actor *actor, const struct registry_noun *rn,
			const void *in, int64_t *id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	char region[REGION_CODE_MAX] = "";
	field_check(rn->noun, in, true, prob);
	enum rc rc = check_region(db, rn, in_region(rn, in), region, prob);
	if (rc != RC_OK && rc != RC_INVALID)
		return rc;
	if (rn->validate && (rc = rn->validate(db, in, true, region, prob)) != RC_OK &&
	    rc != RC_INVALID)
		return rc;
	if (problem_has_fields(prob))
		return RC_INVALID;
	struct scope_target t = { .region = region };
	if (!permission_allows(actor->p, rn->edit, &t))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权在区域 %s 登记", region);
	int64_t now = clock_now_s();
	const struct field_extra extra[] = {
		{ "created_s", DB_I(now), NULL },
		{ "updated_s", DB_I(now), NULL },
	};
	void *row = with_region(rn, in, rn->in_size, region);
	rc = field_insert(tx, rn->noun, row, extra, field_find(rn->noun, "updated_at") ? 2 : 1, id,
			  prob);
	free(row);
	if (rc == RC_CONFLICT)
		return same_name(prob);
	return rc == RC_OK ? changed(tx, actor, rn, "create", *id, region, in, prob) : rc;
}

enum rc registry_get(struct db *db, const struct registry_noun *rn, int64_t id, void *rec,
		     struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, field_select(rn->noun, "WHERE id = $1"), &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) != 1) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这一项 (not found)");
	}
	memset(rec, 0, rn->rec_size);
	field_from_row(rn->noun, rows, 0, 0, rec);
	db_rows_free(rows);
	return RC_OK;
}

enum rc registry_read(struct db *db, const struct principal *viewer, const struct registry_noun *rn,
		      int64_t id, void *rec, struct problem *prob)
{
	enum rc rc = registry_get(db, rn, id, rec, prob);
	if (rc != RC_OK)
		return rc;
	struct scope_target t = { .region = rec_region(rn, rec) };
	if (!permission_allows(viewer, rn->read, &t))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权查看区域 %s", t.region);
	return RC_OK;
}

enum rc registry_update(struct db_tx *tx, const struct actor *actor, const struct registry_noun *rn,
			int64_t id, const void *in, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	void *cur = xmalloc(rn->rec_size);
	enum rc rc = registry_get(db, rn, id, cur, prob);
	char region[REGION_CODE_MAX] = "";
	if (rc == RC_OK) {
		text_copy(region, sizeof(region), rec_region(rn, cur));
		struct scope_target t = { .region = region };
		if (!permission_allows(actor->p, rn->edit, &t))
			rc = problem_set(prob, RC_FORBIDDEN, "forbidden",
					 "无权修改区域 %s 的这一项", region);
	}
	free(cur);
	if (rc != RC_OK)
		return rc;
	field_check(rn->noun, in, false, prob);
	const char *moved = in_region(rn, in);
	if (moved && (rc = check_region(db, rn, moved, region, prob)) != RC_OK && rc != RC_INVALID)
		return rc;
	if (rn->validate && (rc = rn->validate(db, in, false, region, prob)) != RC_OK &&
	    rc != RC_INVALID)
		return rc;
	if (problem_has_fields(prob))
		return RC_INVALID;
	struct scope_target t = { .region = region };
	if (moved && !permission_allows(actor->p, rn->edit, &t))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权在区域 %s 登记", region);
	const struct field_extra extra[] = { { "updated_s", DB_I(clock_now_s()), NULL } };
	void *row = with_region(rn, in, rn->in_size, moved ? region : NULL);
	rc = field_update(tx, rn->noun, id, row, extra, field_find(rn->noun, "updated_at") ? 1 : 0,
			  prob);
	free(row);
	if (rc == RC_CONFLICT)
		return same_name(prob);
	return rc == RC_OK ? changed(tx, actor, rn, "update", id, region, in, prob) : rc;
}

enum rc registry_list(struct db *db, const struct principal *viewer, const struct registry_noun *rn,
		      const char *region, int64_t after_id, size_t limit,
		      struct registry_page *page, struct problem *prob)
{
	memset(page, 0, sizeof(*page));
	struct db_val params[REGISTRY_LIKES + 3];
	char likes[REGISTRY_LIKES][REGISTRY_LIKE_CAP];
	size_t np = 0;
	struct sb where = SB_INIT;
	sb_addlit(&where, "WHERE 1 = 1");
	enum rc rc = registry_scope_sql(viewer, rn->read, "region_code", region ? region : "",
					&where, params, &np, likes, prob);
	if (rc == RC_OK) {
		params[np++] = DB_I(after_id);
		params[np++] = DB_I((int64_t)limit + 1);
		sb_addf(&where, " AND id > $%zu ORDER BY id LIMIT $%zu", np - 1, np);
		struct db_rows *rows = NULL;
		rc = db_exec(db, field_select(rn->noun, sb_str(&where)), params, np, &rows, prob);
		if (rc == RC_OK) {
			size_t n = db_rows_count(rows);
			if (n > limit)
				n = limit;
			page->items = xcalloc(n ? n : 1, rn->rec_size);
			for (size_t i = 0; i < n; i++)
				field_from_row(rn->noun, rows, i, 0,
					       (char *)page->items + i * rn->rec_size);
			page->n = n;
			if (db_rows_count(rows) > limit && n)
				page->next_after_id = *(
					int64_t *)((char *)page->items + (n - 1) * rn->rec_size +
						   field_find(rn->noun, "id")->rec_off);
			db_rows_free(rows);
		}
	}
	sb_release(&where);
	return rc;
}

void registry_page_release(struct registry_page *page)
{
	free(page->items);
	memset(page, 0, sizeof(*page));
}
