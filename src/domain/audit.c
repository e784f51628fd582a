/* Audit rows. The actor label is the masked phone of the account, so the log
 * can be read by those who may read it without revealing numbers. */
#include "domain/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/phone.h"
#include "core/xalloc.h"
#include "domain/permission.h"

void audit_detail_init(struct audit_detail *d)
{
	sb_init(&d->sb, 0);
}

static void detail_key(struct audit_detail *d, const char *key)
{
	sb_addc(&d->sb, d->sb.len ? ',' : '{');
	sb_addc(&d->sb, '"');
	sb_add_json_escaped(&d->sb, key, strlen(key));
	sb_adds(&d->sb, "\":");
}

void audit_detail_str(struct audit_detail *d, const char *key, const char *value)
{
	detail_key(d, key);
	if (!value) {
		sb_adds(&d->sb, "null");
		return;
	}
	sb_addc(&d->sb, '"');
	size_t at = d->sb.len;
	sb_add_json_escaped(&d->sb, value, strlen(value));
	log_mask_phones(d->sb.buf + at, d->sb.len - at);
	sb_addc(&d->sb, '"');
}

void audit_detail_int(struct audit_detail *d, const char *key, int64_t value)
{
	detail_key(d, key);
	sb_addf(&d->sb, "%lld", (long long)value);
}

void audit_detail_release(struct audit_detail *d)
{
	sb_release(&d->sb);
}

enum rc audit_record(struct db_tx *tx, const struct actor *actor, const char *action,
		     const char *object_type, const char *object_id, const char *scope,
		     struct audit_detail *detail, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	char label[32] = "system";
	int64_t actor_id = 0;
	if (actor && actor->p) {
		if (actor->p->kind == AUTH_CLI) {
			memcpy(label, "cli", 4);
		} else if (actor->p->account_id) {
			actor_id = actor->p->account_id;
			phone_mask(actor->p->phone, label);
		} else {
			memcpy(label, "anonymous", 10);
		}
	}
	const char *detail_json = NULL;
	if (detail && detail->sb.len) {
		sb_addc(&detail->sb, '}');
		detail_json = sb_str(&detail->sb);
	}
	enum rc rc = db_q_later(
		db,
		"INSERT INTO audit_log (at_s, actor_id, actor_label, action, object_type,"
		" object_id, ip, request_id, detail, scope)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		prob, DB_I(clock_now_s()), DB_IOPT(actor_id, actor_id), DB_T(label), DB_T(action),
		DB_T(object_type), DB_T(object_id), DB_T(actor ? actor->ip : NULL),
		DB_T(actor ? actor->request_id : NULL), DB_T(detail_json),
		DB_T(scope && *scope ? scope : NULL));
	if (detail && detail->sb.len)
		detail->sb.len--, detail->sb.buf[detail->sb.len] = '\0';
	return rc;
}

enum rc audit_record_id(struct db_tx *tx, const struct actor *actor, const char *action,
			const char *object_type, int64_t object_id, const char *scope,
			struct audit_detail *detail, struct problem *prob)
{
	char idbuf[24];
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)object_id);
	return audit_record(tx, actor, action, object_type, idbuf, scope, detail, prob);
}

/* Appends to sql the rows viewer may read, binding into params from *np on;
 * nothing when viewer reads everything. Patterns go to pats (freed by the
 * caller). */
static void visible_rows(const struct principal *viewer, struct sb *sql, struct db_val *params,
			 size_t *np, char **pats)
{
	struct scope_target everywhere = { 0 };
	if (permission_allows(viewer, ACT_AUDIT_READ, &everywhere))
		return;
	sb_addf(sql, " AND (actor_id = $%zu", *np + 1);
	params[(*np)++] = DB_I(viewer->account_id ? viewer->account_id : -1);
	for (size_t i = 0; i < viewer->ngrants; i++) {
		const struct role_grant *g = &viewer->grants[i];
		struct principal one = { .kind = viewer->kind, .ngrants = 1, .grants = { *g } };
		if (!permission_allows(&one, ACT_AUDIT_READ, NULL))
			continue;
		if (strncmp(g->scope, "station:", 8) == 0) {
			sb_addf(sql, " OR (object_type = 'station' AND object_id = $%zu)", *np + 1);
			params[(*np)++] = DB_T(g->scope + 8);
		} else {
			sb_addf(sql, " OR scope LIKE $%zu ESCAPE '\\'", *np + 1);
			pats[i] = db_like_pattern(g->scope, false);
			params[(*np)++] = DB_T(pats[i]);
		}
	}
	/* What belongs to no place in particular is the whole city's. */
	if (permission_allows_citywide(viewer, ACT_AUDIT_READ))
		sb_adds(sql, " OR scope IS NULL");
	sb_addc(sql, ')');
}

enum rc audit_list(struct db *db, const struct principal *viewer, const struct audit_filter *f,
		   struct audit_page *page, struct problem *prob)
{
	memset(page, 0, sizeof(*page));
	size_t limit = f->limit ? f->limit : 50;
	if (limit > 200)
		limit = 200;
	/* One SQL text for every filter combination: an absent filter binds
	 * NULL and its condition is true. Only what the viewer may read is
	 * added per viewer. */
	const char *action = f->action && *f->action ? f->action : NULL;
	bool prefix = action && action[strlen(action) - 1] == '.';
	char *like = prefix ? db_like_pattern(action, false) : NULL;
	struct db_val params[10 + 1 + PRINCIPAL_GRANTS_MAX] = {
		DB_I(f->actor_id),  DB_T(prefix ? NULL : action),
		DB_T(like),	    DB_T(f->object_type),
		DB_T(f->object_id), DB_T(f->request_id),
		DB_I(f->since_s),   DB_I(f->until_s),
		DB_I(f->before_id), DB_I(limit + 1),
	};
	size_t np = 10;
	char *pats[PRINCIPAL_GRANTS_MAX] = { 0 };
	struct sb sql = SB_INIT;
	sb_adds(&sql, "SELECT id, at_s, actor_id, actor_label, action, object_type, object_id, ip,"
		      " request_id, detail, scope FROM audit_log"
		      " WHERE ($1 = 0 OR actor_id = $1)"
		      " AND (CAST($2 AS TEXT) IS NULL OR action = $2)"
		      " AND (CAST($3 AS TEXT) IS NULL OR action LIKE $3 ESCAPE '\\')"
		      " AND (CAST($4 AS TEXT) IS NULL OR object_type = $4)"
		      " AND (CAST($5 AS TEXT) IS NULL OR object_id = $5)"
		      " AND (CAST($6 AS TEXT) IS NULL OR request_id = $6)"
		      " AND ($7 = 0 OR at_s >= $7) AND ($8 = 0 OR at_s < $8)"
		      " AND ($9 = 0 OR id < $9)");
	visible_rows(viewer, &sql, params, &np, pats);
	sb_adds(&sql, " ORDER BY id DESC LIMIT $10");
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, sb_str(&sql), params, np, &rows, prob);
	sb_release(&sql);
	for (size_t i = 0; i < PRINCIPAL_GRANTS_MAX; i++)
		free(pats[i]);
	free(like);
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(rows);
	bool more = n > limit;
	if (more)
		n = limit;
	page->entries = xcalloc(n ? n : 1, sizeof(*page->entries));
	for (size_t i = 0; i < n; i++) {
		struct audit_entry *e = &page->entries[i];
		e->id = db_rows_int(rows, i, 0);
		e->at_s = db_rows_int(rows, i, 1);
		e->actor_id = db_rows_int(rows, i, 2);
		text_copy(e->actor_label, sizeof(e->actor_label), db_rows_text(rows, i, 3));
		text_copy(e->action, sizeof(e->action), db_rows_text(rows, i, 4));
		text_copy(e->object_type, sizeof(e->object_type), db_rows_text(rows, i, 5));
		text_copy(e->object_id, sizeof(e->object_id), db_rows_text(rows, i, 6));
		text_copy(e->ip, sizeof(e->ip), db_rows_text(rows, i, 7));
		text_copy(e->request_id, sizeof(e->request_id), db_rows_text(rows, i, 8));
		text_copy(e->scope, sizeof(e->scope), db_rows_text(rows, i, 10));
		const char *d = db_rows_text(rows, i, 9);
		e->detail = d ? xstrdup(d) : NULL;
	}
	page->n = n;
	page->next_before_id = more ? page->entries[n - 1].id : 0;
	db_rows_free(rows);
	return RC_OK;
}

void audit_page_release(struct audit_page *page)
{
	for (size_t i = 0; i < page->n; i++)
		free(page->entries[i].detail);
	free(page->entries);
	memset(page, 0, sizeof(*page));
}
