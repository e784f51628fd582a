/* The request catalog: each kind's categories with their deadlines, kept by
 * the city's admins (request.h). A category is never deleted, since the
 * requests filed under it keep it: it is retired, and then offered for no
 * new request. */
#include "domain/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "domain/permission.h"

#define CATEGORY_COLUMNS "kind, code, name_zh, name_en, respond_h, resolve_h, sort, retired"

static void category_from_row(const struct db_rows *rows, size_t i, struct request_category *c)
{
	memset(c, 0, sizeof(*c));
	text_copy(c->kind, sizeof(c->kind), db_rows_text(rows, i, 0));
	text_copy(c->code, sizeof(c->code), db_rows_text(rows, i, 1));
	text_copy(c->name_zh, sizeof(c->name_zh), db_rows_text(rows, i, 2));
	text_copy(c->name_en, sizeof(c->name_en), db_rows_text(rows, i, 3));
	c->respond_h = (int)db_rows_int(rows, i, 4);
	c->resolve_h = (int)db_rows_int(rows, i, 5);
	c->sort = (int)db_rows_int(rows, i, 6);
	c->retired = db_rows_int(rows, i, 7) != 0;
}

enum rc request_categories(struct db *db, const char *kind, struct request_category **items,
			   size_t *n, struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT " CATEGORY_COLUMNS " FROM request_categories"
			  " WHERE ($1 = '' OR kind = $1) ORDER BY kind, sort, code",
			  &rows, prob, DB_T(kind ? kind : ""));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count; i++)
		category_from_row(rows, i, &(*items)[i]);
	*n = count;
	db_rows_free(rows);
	return RC_OK;
}

/* A code as Open311 and URLs carry it: a lower-case letter, then lower-case
 * letters, digits or _, at most REQUEST_CODE_CAP - 1 in all. */
static bool code_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= REQUEST_CODE_CAP || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

enum rc request_category_put(struct db_tx *tx, const struct actor *actor,
			     const struct request_category_input *in, struct request_category *out,
			     bool *created, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	*created = false;
	/* Every district files under the same catalog: a district's admin
	 * does not change what the others' residents are offered. */
	if (!permission_allows_citywide(actor->p, ACT_CATALOG_EDIT))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有市级（或更高）管理员可以修改诉求类别");
	if (!request_kind_known(in->kind))
		problem_field(prob, "kind",
			      "应为 order、wish、report、suggestion、mediation、task、visit 之一");
	if (!code_ok(in->code))
		problem_field(prob, "code", "编码应为小写字母开头的 1–32 个小写字母、数字或下划线");
	field_text_ok(prob, "name", in->name_zh, REQUEST_CATEGORY_NAME_MAX, true, false);
	field_text_ok(prob, "name_en", in->name_en, REQUEST_CATEGORY_NAME_EN_MAX, false, false);
	if (in->respond_h < 1 || in->respond_h > REQUEST_RESPOND_H_MAX)
		problem_field(prob, "respond_hours", "接单时限应为 1–%d 小时",
			      REQUEST_RESPOND_H_MAX);
	if (in->resolve_h < 1 || in->resolve_h > REQUEST_RESOLVE_H_MAX)
		problem_field(prob, "resolve_hours", "办结时限应为 1–%d 小时",
			      REQUEST_RESOLVE_H_MAX);
	else if (in->resolve_h < in->respond_h)
		problem_field(prob, "resolve_hours", "办结时限不能短于接单时限");
	if (in->sort < 0 || in->sort > REQUEST_CATEGORY_SORT_MAX)
		problem_field(prob, "sort", "排序应为 0–%d", REQUEST_CATEGORY_SORT_MAX);
	if (problem_has_fields(prob))
		return prob->rc;

	const char *name_en = in->name_en && *in->name_en ? in->name_en : in->name_zh;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT " CATEGORY_COLUMNS " FROM request_categories"
			  " WHERE kind = $1 AND code = $2",
			  &rows, prob, DB_T(in->kind), DB_T(in->code));
	if (rc != RC_OK)
		return rc;
	struct request_category before = { 0 };
	bool exists = db_rows_count(rows) == 1;
	if (exists)
		category_from_row(rows, 0, &before);
	db_rows_free(rows);
	int sort = in->has_sort ? in->sort : before.sort;
	bool retired = in->has_retired ? in->retired : before.retired;
	if (exists)
		rc = db_q(
			db,
			"UPDATE request_categories SET name_zh = $1, name_en = $2, respond_h = $3,"
			" resolve_h = $4, sort = $5, retired = $6 WHERE kind = $7 AND code = $8",
			NULL, prob, DB_T(in->name_zh), DB_T(name_en), DB_I(in->respond_h),
			DB_I(in->resolve_h), DB_I(sort), DB_I(retired ? 1 : 0), DB_T(in->kind),
			DB_T(in->code));
	else
		rc = db_q(db,
			  "INSERT INTO request_categories (kind, code, name_zh, name_en, respond_h,"
			  " resolve_h, sort, retired) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			  NULL, prob, DB_T(in->kind), DB_T(in->code), DB_T(in->name_zh),
			  DB_T(name_en), DB_I(in->respond_h), DB_I(in->resolve_h), DB_I(sort),
			  DB_I(retired ? 1 : 0));
	if (rc != RC_OK)
		return rc;

	memset(out, 0, sizeof(*out));
	text_copy(out->kind, sizeof(out->kind), in->kind);
	text_copy(out->code, sizeof(out->code), in->code);
	text_copy(out->name_zh, sizeof(out->name_zh), in->name_zh);
	text_copy(out->name_en, sizeof(out->name_en), name_en);
	out->respond_h = in->respond_h;
	out->resolve_h = in->resolve_h;
	out->sort = sort;
	out->retired = retired;
	*created = !exists;

	/* The audit row says what it was and what it is now. */
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_str(&d, "name", out->name_zh);
	audit_detail_int(&d, "respond_hours", out->respond_h);
	audit_detail_int(&d, "resolve_hours", out->resolve_h);
	audit_detail_int(&d, "retired", out->retired);
	if (exists) {
		if (strcmp(before.name_zh, out->name_zh) != 0)
			audit_detail_str(&d, "name_was", before.name_zh);
		if (before.respond_h != out->respond_h)
			audit_detail_int(&d, "respond_hours_was", before.respond_h);
		if (before.resolve_h != out->resolve_h)
			audit_detail_int(&d, "resolve_hours_was", before.resolve_h);
		if (before.retired != out->retired)
			audit_detail_int(&d, "retired_was", before.retired);
	}
	char object[16 + REQUEST_CODE_CAP + 1];
	snprintf(object, sizeof(object), "%s.%s", out->kind, out->code);
	rc = audit_record(tx, actor, exists ? "request_category.update" : "request_category.create",
			  "request_category", object, NULL, &d, prob);
	audit_detail_release(&d);
	return rc;
}
