/* Reach. A station scope is compared by the station's region and hub, so a
 * district admin reaches the manager of a station in the district, and a
 * grant of "*" is reached only by "*". */
#include "domain/reach.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "domain/account.h"

enum rc scope_resolve(struct db *db, const char *scope, struct scope_place *out, bool *exists,
		      struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	*exists = false;
	if (strcmp(scope, "*") == 0) {
		*exists = true;
		return RC_OK;
	}
	struct db_rows *rows = NULL;
	enum rc rc;
	if (strncmp(scope, "station:", 8) == 0) {
		out->station_id = strtoll(scope + 8, NULL, 10);
		rc = db_q(db, "SELECT region_code, parent_id FROM stations WHERE id = $1", &rows,
			  prob, DB_I(out->station_id));
		if (rc != RC_OK)
			return rc;
		if (db_rows_count(rows) == 1) {
			*exists = true;
			text_copy(out->region, sizeof(out->region), db_rows_text(rows, 0, 0));
			out->hub_id = db_rows_int(rows, 0, 1);
		}
		db_rows_free(rows);
		return RC_OK;
	}
	text_copy(out->region, sizeof(out->region), scope);
	rc = db_q(db, "SELECT 1 FROM regions WHERE code = $1", &rows, prob, DB_T(scope));
	if (rc != RC_OK)
		return rc;
	*exists = db_rows_count(rows) == 1;
	db_rows_free(rows);
	return RC_OK;
}

enum rc reach_load(struct db *db, int64_t account_id, struct reach *out, struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	out->account_id = account_id;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT id FROM accounts WHERE id = $1", &rows, prob,
			  DB_I(account_id));
	if (rc != RC_OK)
		return rc;
	size_t found = db_rows_count(rows);
	db_rows_free(rows);
	if (!found)
		return problem_set(prob, RC_NOT_FOUND, "not-found", "账号不存在 (no such account)");
	rc = account_grants(db, account_id, out->grants, &out->n, prob);
	for (size_t i = 0; rc == RC_OK && i < out->n; i++) {
		bool exists;
		rc = scope_resolve(db, out->grants[i].scope, &out->places[i], &exists, prob);
	}
	return rc;
}

enum rc reach_check(struct db *db, const struct actor *actor, enum action a, int64_t account_id,
		    bool self_ok, struct reach *out, struct problem *prob)
{
	struct reach *r = out ? out : xmalloc(sizeof(*r));
	enum rc rc = reach_load(db, account_id, r, prob);
	if (rc == RC_OK) {
		const struct principal *p = actor->p;
		bool self = p && p->kind != AUTH_NONE && p->account_id == account_id;
		if (!(self && self_ok) && !permission_reaches(p, a, r->grants, r->places, r->n))
			rc = problem_set(prob, RC_FORBIDDEN, "forbidden",
					 "无权对此账号执行 %s：它的角色超出了你的范围或级别"
					 " (the account's roles reach beyond your scope or rank)",
					 action_name(a));
	}
	if (!out)
		free(r);
	return rc;
}

void scope_places_common(const struct scope_place *places, size_t n, char out[SCOPE_MAX])
{
	out[0] = '\0';
	if (n == 0)
		return;
	size_t len = strlen(places[0].region);
	for (size_t i = 1; i < n; i++) {
		size_t k = 0;
		while (k < len && places[i].region[k] == places[0].region[k])
			k++;
		len = k;
	}
	static const size_t levels[] = { 12, 9, 6, 4, 2 };
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (levels[i] <= len) {
			memcpy(out, places[0].region, levels[i]);
			out[levels[i]] = '\0';
			return;
		}
	}
}

void reach_audit_scope(const struct reach *r, const struct principal *actor, enum action a,
		       char out[SCOPE_MAX])
{
	if (r->n)
		scope_places_common(r->places, r->n, out);
	else
		permission_region_of(actor, a, out);
}

enum rc reach_home_scope(struct db *db, int64_t account_id, char out[SCOPE_MAX],
			 struct problem *prob)
{
	struct reach *r = xmalloc(sizeof(*r));
	out[0] = '\0';
	enum rc rc = reach_load(db, account_id, r, prob);
	if (rc == RC_OK)
		scope_places_common(r->places, r->n, out);
	free(r);
	return rc;
}
