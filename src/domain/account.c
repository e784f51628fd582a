/* Accounts and role grants. Phone numbers are stored in their canonical
 * 11 digits so one person has one account however they type it. */
#include "domain/account.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/clock.h"
#include "core/phone.h"
#include "core/xalloc.h"
#include "domain/permission.h"
#include "domain/reach.h"
#include "domain/scope.h"
#include "domain/secret.h"

bool account_name_acceptable(const char *name, const char *field, struct problem *prob)
{
	size_t chars = 0, bytes = name ? strlen(name) : 0;
	for (size_t i = 0; i < bytes; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f) {
			problem_field(prob, field, "姓名不能包含控制字符");
			return false;
		}
		if ((c & 0xc0) != 0x80)
			chars++;
	}
	if (chars == 0 || chars > ACCOUNT_NAME_MAX_CHARS) {
		problem_field(prob, field, "姓名应为 1–%d 个字符", ACCOUNT_NAME_MAX_CHARS);
		return false;
	}
	return true;
}

/* The account's fields (field.h). The phone is stored in its canonical
 * 11 digits and shown masked unless the viewer may see it whole (the
 * reads below mask it); the password is written, never shown. */
#define REC(m) .rec_off = offsetof(struct account, m), .rec_size = sizeof(((struct account *)0)->m)
#define IN(m, has) \
	.in_off = offsetof(struct account_new, m), .has_off = offsetof(struct account_new, has)
#define NO_INPUT .in_off = FIELD_NO_INPUT, .has_off = FIELD_NO_INPUT

/* clang-format off */
static const struct field account_fields[] = {
	{ .name = "id", .column = "id", .kind = FIELD_INT64, .flags = FIELD_READONLY, REC(id),
	  NO_INPUT, .doc = "编号" },
	{ .name = "phone", .column = "phone", .kind = FIELD_CUSTOM, .flags = FIELD_REQUIRED,
	  .vis = FIELD_MASKED, REC(phone), IN(phone, has_phone), .edit = ACT_ACCOUNT_CREATE,
	  .doc = "手机号（11 位）；除本人和有权查看者外显示为 138****1234" },
	{ .name = "name", .column = "name", .kind = FIELD_TEXT, .flags = FIELD_REQUIRED, REC(name),
	  IN(name, has_name), .max = ACCOUNT_NAME_MAX_CHARS, .edit = ACT_ACCOUNT_UPDATE,
	  .invalid = "姓名应为 1–%d 个字符", .doc = "姓名" },
	{ .name = "password", .kind = FIELD_CUSTOM, .vis = FIELD_HIDDEN, IN(password, has_password),
	  .edit = ACT_ACCOUNT_UPDATE, .doc = "密码（至少 8 位）；不填则暂不能登录" },
	{ .name = "has_password", .column = "CASE WHEN pw_hash IS NULL THEN 0 ELSE 1 END",
	  .kind = FIELD_BOOL, .flags = FIELD_READONLY, REC(has_password), NO_INPUT,
	  .doc = "是否已设置密码" },
	{ .name = "disabled", .column = "disabled", .kind = FIELD_BOOL, .flags = FIELD_READONLY,
	  REC(disabled), NO_INPUT, .doc = "是否已停用" },
	{ .name = "roles", .kind = FIELD_CUSTOM, .flags = FIELD_READONLY, NO_INPUT,
	  .schema_ref = "RoleGrantList", .doc = "角色" },
	{ .name = "created_at", .column = "created_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(created_s), NO_INPUT, .doc = "创建时间" },
	{ .name = "updated_at", .column = "updated_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(updated_s), NO_INPUT, .doc = "最后修改时间" },
};
/* clang-format on */

#undef REC
#undef IN
#undef NO_INPUT

const struct noun account_noun = {
	.name = "account",
	.table = "accounts",
	.fields = account_fields,
	.nfields = sizeof(account_fields) / sizeof(account_fields[0]),
};

static void row_to_account(const struct db_rows *r, size_t i, struct account *a)
{
	memset(a, 0, sizeof(*a));
	field_from_row(&account_noun, r, i, 0, a);
}

enum rc account_grants(struct db *db, int64_t id, struct role_grant *out, size_t *n,
		       struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db, "SELECT id, role, scope FROM role_grants WHERE account_id = $1 ORDER BY id",
		&rows, prob, DB_I(id));
	*n = 0;
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; i < db_rows_count(rows) && *n < PRINCIPAL_GRANTS_MAX; i++) {
		struct role_grant *g = &out[*n];
		if (!role_parse(db_rows_text(rows, i, 1), &g->role))
			continue;
		g->id = db_rows_int(rows, i, 0);
		text_copy(g->scope, sizeof(g->scope), db_rows_text(rows, i, 2));
		(*n)++;
	}
	db_rows_free(rows);
	return RC_OK;
}

static enum rc get_where(struct db *db, const char *sql, struct db_val key, struct account *out,
			 struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, sql, &key, 1, &rows, prob);
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) == 0) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "账号不存在 (no such account)");
	}
	row_to_account(rows, 0, out);
	db_rows_free(rows);
	return account_grants(db, out->id, out->grants, &out->ngrants, prob);
}

enum rc account_get(struct db *db, int64_t id, struct account *out, struct problem *prob)
{
	const char *sql = field_select(&account_noun, "WHERE id = $1");
	enum rc rc = get_where(db, sql, DB_I(id), out, prob);
	return rc;
}

enum rc account_get_by_phone(struct db *db, const char *phone, struct account *out,
			     struct problem *prob)
{
	char canon[12];
	if (!phone_normalize(phone, canon))
		return problem_set(prob, RC_NOT_FOUND, "not-found", "账号不存在 (no such account)");
	const char *sql = field_select(&account_noun, "WHERE phone = $1");
	enum rc rc = get_where(db, sql, DB_T(canon), out, prob);
	return rc;
}

enum rc account_create(struct db_tx *tx, const struct actor *actor, struct procpool *helpers,
		       const struct account_new *in, struct account *out, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	char canon[12];
	char pwhash[SECRET_PWHASH_LEN];
	if (!permission_allows(actor->p, ACT_ACCOUNT_CREATE, NULL))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "没有创建账号的权限");
	struct account_new given = *in;
	given.has_phone |= in->phone != NULL;
	given.has_name |= in->name != NULL;
	given.has_password |= in->password != NULL;
	if (!in->phone || !phone_normalize(in->phone, canon))
		problem_field(prob, "phone", "请填写有效的 11 位手机号码");
	field_check(&account_noun, &given, true, prob);
	if (in->password)
		password_acceptable(in->password, "password", prob);
	if (problem_has_fields(prob))
		return prob->rc;
	if (in->password && !password_hash(helpers, in->password, pwhash))
		return problem_set(prob, RC_INTERNAL, "internal", "无法计算密码摘要");

	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT id FROM accounts WHERE phone = $1", &rows, prob, DB_T(canon));
	if (rc != RC_OK)
		return rc;
	bool taken = db_rows_count(rows) > 0;
	db_rows_free(rows);
	rows = NULL;
	if (taken) {
		problem_field(prob, "phone", "该手机号已注册");
		return problem_set(prob, RC_CONFLICT, "phone-taken",
				   "该手机号已注册 (phone already registered)");
	}
	int64_t now = clock_now_s();
	const struct field_extra extra[] = {
		{ "phone", DB_T(canon), NULL },
		{ "pw_hash", DB_T(in->password ? pwhash : NULL), NULL },
		{ "created_s", DB_I(now), NULL },
		{ "updated_s", DB_I(now), NULL },
	};
	int64_t id = 0;
	rc = field_insert(tx, &account_noun, &given, extra, sizeof(extra) / sizeof(extra[0]), &id,
			  prob);
	if (rc != RC_OK)
		return rc;

	char scope[SCOPE_MAX];
	permission_region_of(actor->p, ACT_ACCOUNT_CREATE, scope);
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_str(&d, "phone", canon);
	audit_detail_str(&d, "name", in->name);
	rc = audit_record_id(tx, actor, "account.create", "account", id, scope, &d, prob);
	audit_detail_release(&d);
	if (rc != RC_OK)
		return rc;
	return account_get(db, id, out, prob);
}

/* What a viewer sees of one account: may they see it at all, and its whole
 * phone number? Self sees everything. */
static enum rc view_of(struct db *db, const struct principal *viewer, enum action see, int64_t id,
		       bool *visible, bool *reveal, struct problem *prob)
{
	*visible = *reveal = false;
	if (viewer && viewer->kind != AUTH_NONE && viewer->account_id == id) {
		*visible = *reveal = true;
		return RC_OK;
	}
	struct reach *r = xmalloc(sizeof(*r));
	enum rc rc = reach_load(db, id, r, prob);
	if (rc == RC_OK) {
		*visible = permission_reaches(viewer, see, r->grants, r->places, r->n);
		*reveal = *visible &&
			  permission_reaches(viewer, ACT_PHONE_REVEAL, r->grants, r->places, r->n);
	}
	free(r);
	return rc;
}

static void mask_phone(struct account *a)
{
	char masked[12];
	phone_mask(a->phone, masked);
	memcpy(a->phone, masked, sizeof(masked));
}

enum rc account_read(struct db *db, const struct principal *viewer, int64_t id, struct account *out,
		     struct problem *prob)
{
	bool visible, reveal;
	enum rc rc = view_of(db, viewer, ACT_ACCOUNT_READ, id, &visible, &reveal, prob);
	if (rc != RC_OK)
		return rc;
	if (!visible)
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "无权查看此账号：它的角色超出了你的范围或级别");
	rc = account_get(db, id, out, prob);
	if (rc == RC_OK && !reveal)
		mask_phone(out);
	return rc;
}

/* True if the digits q are found where viewer may look: the whole number,
 * or the digits the masked form shows (first three, last four), or anywhere
 * when the viewer sees the whole number. */
static bool phone_matches(const char *phone, const char *q, bool reveal)
{
	if (!q || !*q)
		return true;
	if (reveal)
		return strstr(phone, q) != NULL;
	char masked[12];
	phone_mask(phone, masked);
	return strcmp(phone, q) == 0 || strstr(masked, q) != NULL;
}

enum rc account_list(struct db *db, const struct principal *viewer, const char *q, int64_t after_id,
		     size_t limit, struct account_page *page, struct problem *prob)
{
	memset(page, 0, sizeof(*page));
	if (limit == 0 || limit > 200)
		limit = 50;
	char *like = q && *q ? db_like_pattern(q, true) : NULL;
	page->items = xcalloc(limit + 1, sizeof(*page->items));
	enum rc rc = RC_OK;
	/* Accounts the viewer may not see are skipped, so read in batches until
	 * the page (and one more, to know there is a next page) is full. */
	int64_t cursor = after_id;
	bool exhausted = false;
	const char *sql = field_select(
		&account_noun,
		"WHERE id > $1 AND (CAST($2 AS TEXT) IS NULL OR name LIKE $2 ESCAPE '\\'"
		" OR phone LIKE $2 ESCAPE '\\') ORDER BY id LIMIT $3");
	while (rc == RC_OK && !exhausted && page->n <= limit) {
		struct db_rows *rows = NULL;
		const size_t batch = 200;
		rc = db_q(db, sql, &rows, prob, DB_I(cursor), DB_T(like), DB_I(batch));
		if (rc != RC_OK)
			break;
		size_t n = db_rows_count(rows);
		exhausted = n < batch;
		for (size_t i = 0; i < n && page->n <= limit && rc == RC_OK; i++) {
			struct account *a = &page->items[page->n];
			row_to_account(rows, i, a);
			cursor = a->id;
			bool visible, reveal;
			rc = view_of(db, viewer, ACT_ACCOUNT_LIST, a->id, &visible, &reveal, prob);
			if (rc != RC_OK || !visible)
				continue;
			/* Digits found only inside the number count where the viewer
			 * could read them. */
			bool phone_only = q && *q && strstr(a->phone, q) && !strstr(a->name, q);
			if (phone_only && !phone_matches(a->phone, q, reveal))
				continue;
			if (!reveal)
				mask_phone(a);
			page->n++;
		}
		db_rows_free(rows);
	}
	free(like);
	if (rc == RC_OK && page->n > limit) {
		page->n = limit;
		page->next_after_id = page->items[limit - 1].id;
	}
	for (size_t i = 0; rc == RC_OK && i < page->n; i++)
		rc = account_grants(db, page->items[i].id, page->items[i].grants,
				    &page->items[i].ngrants, prob);
	if (rc != RC_OK)
		account_page_release(page);
	return rc;
}

void account_page_release(struct account_page *page)
{
	free(page->items);
	memset(page, 0, sizeof(*page));
}

static bool is_self(const struct actor *actor, int64_t id)
{
	return actor->p && actor->p->account_id == id && actor->p->kind != AUTH_NONE;
}

enum rc account_rename(struct db_tx *tx, const struct actor *actor, int64_t id, const char *name,
		       struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (!account_name_acceptable(name, "name", prob))
		return prob->rc;
	struct reach *r = xmalloc(sizeof(*r));
	enum rc rc = reach_check(db, actor, ACT_ACCOUNT_UPDATE, id, true, r, prob);
	if (rc == RC_OK)
		rc = db_q(db, "UPDATE accounts SET name = $1, updated_s = $2 WHERE id = $3", NULL,
			  prob, DB_T(name), DB_I(clock_now_s()), DB_I(id));
	if (rc == RC_OK) {
		char scope[SCOPE_MAX];
		reach_audit_scope(r, actor->p, ACT_ACCOUNT_UPDATE, scope);
		struct audit_detail d;
		audit_detail_init(&d);
		audit_detail_str(&d, "name", name);
		rc = audit_record_id(tx, actor, "account.rename", "account", id, scope, &d, prob);
		audit_detail_release(&d);
	}
	free(r);
	return rc;
}

enum rc account_set_password(struct db_tx *tx, const struct actor *actor, struct procpool *helpers,
			     int64_t id, const char *current, const char *password,
			     struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	bool self = is_self(actor, id);
	if (!password_acceptable(password, "password", prob))
		return prob->rc;
	struct reach r;
	enum rc rc = reach_check(db, actor, ACT_ACCOUNT_UPDATE, id, true, &r, prob);
	if (rc != RC_OK)
		return rc;
	char scope[SCOPE_MAX];
	reach_audit_scope(&r, actor->p, ACT_ACCOUNT_UPDATE, scope);
	struct db_rows *rows = NULL;
	rc = db_q(db, "SELECT pw_hash FROM accounts WHERE id = $1", &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) == 0) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "账号不存在 (no such account)");
	}
	const char *stored = db_rows_text(rows, 0, 0);
	bool ok = !self || actor->p->kind == AUTH_CLI || !stored ||
		  password_verify(helpers, stored, current);
	db_rows_free(rows);
	if (!ok) {
		problem_field(prob, "current_password", "当前密码不正确");
		return prob->rc;
	}
	char pwhash[SECRET_PWHASH_LEN];
	if (!password_hash(helpers, password, pwhash))
		return problem_set(prob, RC_INTERNAL, "internal", "无法计算密码摘要");
	int64_t now = clock_now_s();
	rc = db_q(db, "UPDATE accounts SET pw_hash = $1, updated_s = $2 WHERE id = $3", NULL, prob,
		  DB_T(pwhash), DB_I(now), DB_I(id));
	if (rc != RC_OK)
		return rc;
	/* A new password ends every other session of the account. */
	int64_t keep = self && actor->p->kind == AUTH_SESSION ? actor->p->credential_id : 0;
	rc = db_q(db,
		  "UPDATE sessions SET revoked_s = $1 WHERE account_id = $2 AND id <> $3"
		  " AND revoked_s IS NULL",
		  NULL, prob, DB_I(now), DB_I(id), DB_I(keep));
	if (rc != RC_OK)
		return rc;
	return audit_record_id(tx, actor, "account.password", "account", id, scope, NULL, prob);
}

enum rc account_set_disabled(struct db_tx *tx, const struct actor *actor, int64_t id, bool disabled,
			     struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (is_self(actor, id))
		return problem_set(prob, RC_INVALID, "own-account",
				   "不能停用或启用自己的账号 (not your own account)");
	struct reach r;
	enum rc rc = reach_check(db, actor, ACT_ACCOUNT_UPDATE, id, false, &r, prob);
	if (rc != RC_OK)
		return rc;
	char scope[SCOPE_MAX];
	reach_audit_scope(&r, actor->p, ACT_ACCOUNT_UPDATE, scope);
	int64_t now = clock_now_s();
	struct db_rows *rows = NULL;
	rc = db_q(db, "SELECT disabled FROM accounts WHERE id = $1", &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(rows);
	bool was = n == 1 && db_rows_int(rows, 0, 0) != 0;
	db_rows_free(rows);
	if (n == 0)
		return problem_set(prob, RC_NOT_FOUND, "not-found", "账号不存在 (no such account)");
	if (was == disabled)
		return RC_OK;
	rc = db_q(db, "UPDATE accounts SET disabled = $1, updated_s = $2 WHERE id = $3", NULL, prob,
		  DB_I(disabled ? 1 : 0), DB_I(now), DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (disabled) {
		rc = db_q(
			db,
			"UPDATE sessions SET revoked_s = $1 WHERE account_id = $2 AND revoked_s IS NULL",
			NULL, prob, DB_I(now), DB_I(id));
		if (rc != RC_OK)
			return rc;
	}
	return audit_record_id(tx, actor, disabled ? "account.disable" : "account.enable",
			       "account", id, scope, NULL, prob);
}

/* Resolves scope for a grant: it must name a region or station that is
 * there. A field error on "scope" otherwise. */
static enum rc grant_place(struct db *db, const char *scope, struct scope_place *place,
			   struct problem *prob)
{
	bool exists;
	enum rc rc = scope_resolve(db, scope, place, &exists, prob);
	if (rc != RC_OK)
		return rc;
	if (!exists) {
		if (strncmp(scope, "station:", 8) == 0)
			problem_field(prob, "scope", "驿站 %s 不存在", scope + 8);
		else
			problem_field(prob, "scope", "区域代码 %s 不存在（先导入行政区划）", scope);
		return prob->rc;
	}
	return RC_OK;
}

enum rc role_grant_add(struct db_tx *tx, const struct actor *actor, int64_t account_id,
		       const char *role, const char *scope, int64_t *grant_id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	enum role r;
	char norm[SCOPE_MAX];
	struct scope_place place;
	if (!role_parse(role, &r))
		problem_field(prob, "role",
			      "角色应为 admin, staff, manager, volunteer, worker, resident 之一");
	if (!scope_normalize(scope, norm))
		problem_field(prob, "scope",
			      "范围应为 *、行政区划代码（2/4/6/9/12 位）或 station:编号");
	if (problem_has_fields(prob))
		return prob->rc;
	enum rc rc = grant_place(db, norm, &place, prob);
	if (rc != RC_OK)
		return rc;
	if (!permission_may_grant(actor->p, r, &place))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "无权在范围 %s 内授予角色 %s (outside your scope or rank)", norm,
				   role);
	/* Nobody changes the roles of someone whose roles reach beyond their own. */
	rc = reach_check(db, actor, ACT_ROLE_GRANT, account_id, false, NULL, prob);
	if (rc != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "INSERT INTO role_grants (account_id, role, scope, granted_by, created_s)"
		  " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, role, scope) DO NOTHING"
		  " RETURNING id",
		  &rows, prob, DB_I(account_id), DB_T(role), DB_T(norm),
		  DB_IOPT(actor->p->account_id, actor->p->account_id), DB_I(clock_now_s()));
	if (rc != RC_OK)
		return rc;
	size_t found = db_rows_count(rows);
	*grant_id = found ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	if (!found)
		return problem_set(prob, RC_CONFLICT, "conflict", "该账号已在此范围拥有此角色");
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "account_id", account_id);
	audit_detail_str(&d, "role", role);
	audit_detail_str(&d, "scope", norm);
	rc = audit_record_id(tx, actor, "role.grant", "role_grant", *grant_id, place.region, &d,
			     prob);
	audit_detail_release(&d);
	return rc;
}

enum rc role_grant_remove(struct db_tx *tx, const struct actor *actor, int64_t account_id,
			  int64_t grant_id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT role, scope FROM role_grants WHERE id = $1 AND account_id = $2",
			  &rows, prob, DB_I(grant_id), DB_I(account_id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) == 0) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这条角色授权");
	}
	enum role r = ROLE_RESIDENT;
	role_parse(db_rows_text(rows, 0, 0), &r);
	char scope[SCOPE_MAX];
	text_copy(scope, sizeof(scope), db_rows_text(rows, 0, 1));
	char role[16];
	text_copy(role, sizeof(role), db_rows_text(rows, 0, 0));
	db_rows_free(rows);
	struct scope_place place;
	bool exists;
	rc = scope_resolve(db, scope, &place, &exists, prob);
	if (rc != RC_OK)
		return rc;
	if (!permission_may_grant(actor->p, r, &place))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权撤销范围 %s 内的角色 %s",
				   scope, role);
	rc = reach_check(db, actor, ACT_ROLE_GRANT, account_id, false, NULL, prob);
	if (rc != RC_OK)
		return rc;
	rc = db_q(db, "DELETE FROM role_grants WHERE id = $1", NULL, prob, DB_I(grant_id));
	if (rc != RC_OK)
		return rc;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "account_id", account_id);
	audit_detail_str(&d, "role", role);
	audit_detail_str(&d, "scope", scope);
	rc = audit_record_id(tx, actor, "role.revoke", "role_grant", grant_id, place.region, &d,
			     prob);
	audit_detail_release(&d);
	return rc;
}
