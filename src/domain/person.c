/* People: the ledger's entries, their checks, reads and counts. */
#include "domain/person.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/phone.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/events.h"
#include "domain/permission.h"
#include "domain/region.h"
#include "domain/registry.h"
#include "domain/scope.h"

const struct field_choice person_categories[] = {
	[PERSON_COURIER] = { "courier", "快递员", "Courier" },
	[PERSON_RIDER] = { "rider", "外卖骑手", "Delivery rider" },
	[PERSON_DRIVER] = { "driver", "网约车司机", "Ride-hailing driver" },
	[PERSON_TRUCKER] = { "trucker", "货车司机", "Truck driver" },
	[PERSON_RESIDENT] = { "resident", "居民", "Resident" },
	[PERSON_PARTY_MEMBER] = { "party_member", "党员", "Party member" },
	[PERSON_MOBILE_PARTY_MEMBER] = { "mobile_party_member", "流动党员", "Mobile party member" },
	[PERSON_VOLUNTEER] = { "volunteer", "志愿者", "Volunteer" },
	[PERSON_STAFF] = { "staff", "工作人员", "Staff" },
	[PERSON_CATEGORY_COUNT] = { NULL, NULL, NULL },
};

/* The fields. What a person may change of their own profile is marked
 * ACT_SIGNED_IN; what places them in the city's organisation (their
 * community and grid, instructor, party organisation, number) is staff's. */
#define REC(m) .rec_off = offsetof(struct person, m), .rec_size = sizeof(((struct person *)0)->m)
#define IN(m, has) \
	.in_off = offsetof(struct person_input, m), .has_off = offsetof(struct person_input, has)
#define NO_INPUT .in_off = FIELD_NO_INPUT, .has_off = FIELD_NO_INPUT
#define SELF	 .edit = ACT_SIGNED_IN
#define STAFF	 .edit = ACT_PERSON_EDIT, .denied = "只有街道、社区工作人员可以修改"

/* clang-format off */
static const struct field person_fields[] = {
	{ .name = "id", .column = "id", .kind = FIELD_INT64,
	  .flags = FIELD_READONLY | FIELD_SUMMARY, REC(id), NO_INPUT, .doc = "编号" },
	{ .name = "name", .column = "name", .kind = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_SUMMARY, REC(name), IN(name, has_name),
	  .max = PERSON_NAME_MAX, SELF, .invalid = "姓名应为 1–%d 个字", .doc = "姓名" },
	{ .name = "phone", .column = "phone", .kind = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_SUMMARY, .vis = FIELD_MASKED, REC(phone),
	  IN(phone, has_phone), .max = 20, STAFF,
	  .doc = "手机号（除本人外显示为 138****1234；完整号码见 /people/{id}/phone，每次读取记入审计）" },
	{ .name = "categories", .column = "categories", .kind = FIELD_SET,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(categories), IN(categories, has_categories),
	  .choices = person_categories, SELF, .doc = "类别，可多选" },
	{ .name = "platform", .column = "platform", .kind = FIELD_TEXT,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(platform), IN(platform, has_platform),
	  .max = PERSON_CODE_CAP - 1, SELF, .doc = "平台或单位编码（见 /api/v1/people/catalog）" },
	{ .name = "work_site_id", .column = "work_site_id", .kind = FIELD_INT64,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(work_site_id), IN(work_site_id, has_work_site),
	  SELF, .doc = "所在快递、外卖站点" },
	{ .name = "region_code", .column = "region_code", .kind = FIELD_TEXT,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(region_code), IN(region_code, has_region),
	  .max = 12, STAFF, .invalid = "所属区域应为街道（9 位）或社区（12 位）代码",
	  .doc = "所属社区（12 位），未知时为街道（9 位）" },
	{ .name = "grid_id", .column = "grid_id", .kind = FIELD_INT64,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(grid_id), IN(grid_id, has_grid), STAFF,
	  .doc = "所属网格" },
	{ .name = "party_org_id", .column = "party_org_id", .kind = FIELD_INT64,
	  .flags = FIELD_OPTIONAL, REC(party_org_id), IN(party_org_id, has_party_org), STAFF,
	  .doc = "所属党组织（党员）" },
	{ .name = "instructor_id", .column = "instructor_id", .kind = FIELD_INT64,
	  .flags = FIELD_OPTIONAL, REC(instructor_id), IN(instructor_id, has_instructor), STAFF,
	  .doc = "党建指导员（账号编号）" },
	{ .name = "roles", .kind = FIELD_CUSTOM, .flags = FIELD_SUMMARY,
	  .has_off = offsetof(struct person_input, has_roles), SELF, .schema_ref = "CodeList",
	  .doc = "认领的志愿岗位（七大员等，见 /api/v1/people/catalog）" },
	{ .name = "teams", .kind = FIELD_CUSTOM, .flags = FIELD_READONLY, NO_INPUT,
	  .schema_ref = "PersonTeams", .doc = "所在队伍（在队的）" },
	{ .name = "account_id", .column = "account_id", .kind = FIELD_INT64,
	  .flags = FIELD_READONLY | FIELD_OPTIONAL | FIELD_SUMMARY, REC(account_id), NO_INPUT,
	  .doc = "本人注册的账号；未注册时没有" },
	{ .name = "consent_version", .column = "consent_version", .kind = FIELD_TEXT,
	  .flags = FIELD_OPTIONAL, REC(consent_version), IN(consent_version, has_consent),
	  .max = 20, SELF, .doc = "本人同意的个人信息告知书版本" },
	{ .name = "consent_at", .column = "consent_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(consent_s), NO_INPUT, .doc = "同意的时间" },
	{ .name = "last_checkin_at", .column = "last_checkin_s", .kind = FIELD_TIME,
	  .flags = FIELD_READONLY | FIELD_SUMMARY, REC(last_checkin_s), NO_INPUT,
	  .doc = "最近一次签到" },
	{ .name = "last_contact_at", .column = "last_contact_s", .kind = FIELD_TIME,
	  .flags = FIELD_READONLY, REC(last_contact_s), NO_INPUT, .doc = "指导员最近一次联系" },
	{ .name = "deleted_s", .column = "deleted_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  .vis = FIELD_HIDDEN, REC(deleted_s), NO_INPUT },
	{ .name = "created_at", .column = "created_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(created_s), NO_INPUT, .doc = "登记时间" },
	{ .name = "updated_at", .column = "updated_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(updated_s), NO_INPUT, .doc = "最后修改时间" },
};
/* clang-format on */

#undef REC
#undef IN
#undef NO_INPUT
#undef SELF
#undef STAFF

const struct noun person_noun = {
	.name = "person",
	.table = "persons",
	.fields = person_fields,
	.nfields = sizeof(person_fields) / sizeof(person_fields[0]),
};

/* Reading */

static enum rc load_roles_teams(struct db *db, struct person *items, size_t n, struct problem *prob)
{
	if (!n)
		return RC_OK;
	/* A page is in id order: one range query each, matched in C. */
	int64_t lo = items[0].id, hi = items[n - 1].id;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db,
		"SELECT person_id, role_code FROM person_roles"
		" WHERE person_id >= $1 AND person_id <= $2 ORDER BY person_id, role_code",
		&rows, prob, DB_I(lo), DB_I(hi));
	if (rc != RC_OK)
		return rc;
	size_t k = 0;
	for (size_t i = 0; i < db_rows_count(rows); i++) {
		int64_t pid = db_rows_int(rows, i, 0);
		while (k < n && items[k].id < pid)
			k++;
		if (k < n && items[k].id == pid && items[k].nroles < PERSON_ROLES_MAX)
			text_copy(items[k].roles[items[k].nroles++], PERSON_CODE_CAP,
				  db_rows_text(rows, i, 1));
	}
	db_rows_free(rows);
	rc = db_q(
		db,
		"SELECT m.person_id, t.id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id"
		" WHERE m.person_id >= $1 AND m.person_id <= $2 AND m.left_s IS NULL"
		" ORDER BY m.person_id, t.id",
		&rows, prob, DB_I(lo), DB_I(hi));
	if (rc != RC_OK)
		return rc;
	k = 0;
	for (size_t i = 0; i < db_rows_count(rows); i++) {
		int64_t pid = db_rows_int(rows, i, 0);
		while (k < n && items[k].id < pid)
			k++;
		if (k < n && items[k].id == pid && items[k].nteams < PERSON_TEAMS_MAX) {
			struct person_team *t = &items[k].teams[items[k].nteams++];
			t->id = db_rows_int(rows, i, 1);
			text_copy(t->name, sizeof(t->name), db_rows_text(rows, i, 2));
		}
	}
	db_rows_free(rows);
	return RC_OK;
}

static enum rc get_where(struct db *db, const char *tail, struct db_val key, struct person *out,
			 struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, field_select(&person_noun, tail), &key, 1, &rows, prob);
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) != 1) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个人");
	}
	memset(out, 0, sizeof(*out));
	field_from_row(&person_noun, rows, 0, 0, out);
	db_rows_free(rows);
	return load_roles_teams(db, out, 1, prob);
}

enum rc person_get(struct db *db, int64_t id, struct person *out, struct problem *prob)
{
	return get_where(db, "WHERE id = $1", DB_I(id), out, prob);
}

enum rc person_get_by_account(struct db *db, int64_t account_id, struct person *out,
			      struct problem *prob)
{
	return get_where(db, "WHERE account_id = $1", DB_I(account_id), out, prob);
}

enum rc person_names_get(struct db *db, const struct person *p, struct person_names *out,
			 struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	if (!p->grid_id && !p->instructor_id && !p->work_site_id)
		return RC_OK;
	/* One row whatever is set: each name comes from its own subquery, NULL
	 * when the reference is unset or its row is gone. */
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT (SELECT name FROM grids WHERE id = $1),"
			  " (SELECT name FROM accounts WHERE id = $2),"
			  " (SELECT name FROM work_sites WHERE id = $3)",
			  &rows, prob, DB_I(p->grid_id), DB_I(p->instructor_id),
			  DB_I(p->work_site_id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows)) {
		if (!db_rows_null(rows, 0, 0))
			text_copy(out->grid, sizeof(out->grid), db_rows_text(rows, 0, 0));
		if (!db_rows_null(rows, 0, 1))
			text_copy(out->instructor, sizeof(out->instructor),
				  db_rows_text(rows, 0, 1));
		if (!db_rows_null(rows, 0, 2))
			text_copy(out->work_site, sizeof(out->work_site), db_rows_text(rows, 0, 2));
	}
	db_rows_free(rows);
	return RC_OK;
}

/* The place a person belongs to, as a permission target: their region, or
 * "" (only "*" covers it) when none is known. */
static struct scope_target person_target(const struct person *p)
{
	return (struct scope_target){ .region = p->region_code };
}

static bool is_self(const struct principal *viewer, const struct person *p)
{
	return viewer && viewer->account_id && p->account_id == viewer->account_id;
}

enum rc person_read(struct db *db, const struct principal *viewer, int64_t id,
		    struct person_view *out, struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	enum rc rc = person_get(db, id, &out->p, prob);
	if (rc != RC_OK)
		return rc;
	struct scope_target t = person_target(&out->p);
	out->self = is_self(viewer, &out->p);
	if (!out->self && !permission_allows(viewer, ACT_PERSON_READ, &t))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权查看这个人");
	out->may_edit = permission_allows(viewer, ACT_PERSON_EDIT, &t);
	out->whole_phone = out->self;
	if (!out->whole_phone) {
		char masked[12];
		phone_mask(out->p.phone, masked);
		text_copy(out->p.phone, sizeof(out->p.phone), masked);
	}
	return RC_OK;
}

/* Checks */

static enum rc exists(struct db *db, const char *sql, struct db_val key, bool *found,
		      struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, sql, &key, 1, &rows, prob);
	if (rc == RC_OK)
		*found = db_rows_count(rows) > 0;
	db_rows_free(rows);
	return rc;
}

/* Checks what in gives against the table and the database; region is the
 * person's region after the change (for the grid). Field errors in prob;
 * a database failure is returned as such. */
static enum rc person_validate(struct db *db, const struct person_input *in, bool create,
			       const char *region, struct problem *prob)
{
	field_check(&person_noun, in, create, prob);
	char norm[12];
	if (in->has_phone && in->phone && !phone_normalize(in->phone, norm))
		problem_field(prob, "phone", "手机号应为 11 位中国大陆手机号");
	bool found = true;
	enum rc rc = RC_OK;
	if (in->has_region && in->region_code && *in->region_code) {
		char code[REGION_CODE_MAX];
		struct region r;
		struct problem lookup;
		problem_init(&lookup);
		if (!region_code_normalize(in->region_code, code) || strlen(code) < 9) {
			problem_field(prob, "region_code",
				      "所属区域应为街道（9 位）或社区（12 位）代码");
		} else if ((rc = region_get(db, code, &r, &lookup)) == RC_NOT_FOUND) {
			problem_field(prob, "region_code", "没有这个街道或社区代码：%s", code);
			rc = RC_OK;
		} else if (rc != RC_OK) {
			*prob = lookup;
			return rc;
		}
	}
	if (in->has_platform && in->platform && *in->platform) {
		rc = exists(db, "SELECT 1 FROM platforms WHERE code = $1", DB_T(in->platform),
			    &found, prob);
		if (rc != RC_OK)
			return rc;
		if (!found)
			problem_field(prob, "platform", "没有这个平台或单位：%s", in->platform);
	}
	for (size_t i = 0; in->has_roles && i < in->nroles; i++) {
		rc = exists(db, "SELECT 1 FROM volunteer_roles WHERE code = $1", DB_T(in->roles[i]),
			    &found, prob);
		if (rc != RC_OK)
			return rc;
		if (!found) {
			problem_field(prob, "roles", "没有这个志愿岗位：%s", in->roles[i]);
			break;
		}
	}
	if (in->has_work_site && in->work_site_id) {
		rc = exists(db, "SELECT 1 FROM work_sites WHERE id = $1", DB_I(in->work_site_id),
			    &found, prob);
		if (rc != RC_OK)
			return rc;
		if (!found)
			problem_field(prob, "work_site_id", "没有这个站点");
	}
	if (in->has_party_org && in->party_org_id) {
		rc = exists(db, "SELECT 1 FROM party_orgs WHERE id = $1", DB_I(in->party_org_id),
			    &found, prob);
		if (rc != RC_OK)
			return rc;
		if (!found)
			problem_field(prob, "party_org_id", "没有这个党组织");
	}
	if (in->has_instructor && in->instructor_id) {
		rc = exists(db, "SELECT 1 FROM accounts WHERE id = $1", DB_I(in->instructor_id),
			    &found, prob);
		if (rc != RC_OK)
			return rc;
		if (!found)
			problem_field(prob, "instructor_id", "没有这个账号");
	}
	if (in->has_grid && in->grid_id) {
		struct db_rows *rows = NULL;
		rc = db_q(db, "SELECT region_code FROM grids WHERE id = $1", &rows, prob,
			  DB_I(in->grid_id));
		if (rc != RC_OK)
			return rc;
		if (db_rows_count(rows) == 0)
			problem_field(prob, "grid_id", "没有这个网格");
		else if (!region || strcmp(db_rows_text(rows, 0, 0), region) != 0)
			problem_field(prob, "grid_id", "网格不在此人所属的社区");
		db_rows_free(rows);
	}
	return problem_has_fields(prob) ? RC_INVALID : RC_OK;
}

/* Writing */

static enum rc write_roles(struct db *db, int64_t id, const struct person_input *in,
			   struct problem *prob)
{
	if (!in->has_roles)
		return RC_OK;
	enum rc rc = db_q(db, "DELETE FROM person_roles WHERE person_id = $1", NULL, prob,
			  DB_I(id));
	for (size_t i = 0; rc == RC_OK && i < in->nroles; i++) {
		bool again = false;
		for (size_t j = 0; j < i; j++)
			again = again || strcmp(in->roles[i], in->roles[j]) == 0;
		if (!again)
			rc = db_q(db,
				  "INSERT INTO person_roles (person_id, role_code) VALUES ($1, $2)",
				  NULL, prob, DB_I(id), DB_T(in->roles[i]));
	}
	return rc;
}

static enum rc changed(struct db_tx *tx, const struct actor *actor, const char *action, int64_t id,
		       const char *region, const struct person_input *in, struct problem *prob)
{
	struct audit_detail d;
	audit_detail_init(&d);
	struct sb names = SB_INIT;
	field_given_names(&person_noun, in, &names);
	audit_detail_str(&d, "fields", sb_str(&names));
	sb_release(&names);
	enum rc rc = audit_record_id(tx, actor, action, "person", id, region, &d, prob);
	audit_detail_release(&d);
	if (rc != RC_OK)
		return rc;
	char sid[24];
	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	return events_record(tx, EVENT_PERSON_CHANGED, sid, prob);
}

/* The input as stored: the phone and region normalized into the buffers. */
static void normalized(const struct person_input *in, struct person_input *row, char phone[12],
		       char region[REGION_CODE_MAX])
{
	*row = *in;
	if (in->has_phone && in->phone && phone_normalize(in->phone, phone))
		row->phone = phone;
	if (in->has_region && in->region_code && region_code_normalize(in->region_code, region))
		row->region_code = region;
}

static enum rc phone_taken(struct problem *prob)
{
	problem_field(prob, "phone", "台账中已有这个手机号");
	return problem_set(prob, RC_CONFLICT, "conflict", "台账中已有这个手机号");
}

enum rc person_create(struct db_tx *tx, const struct actor *actor, const struct person_input *in,
		      int64_t *id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	char phone[12] = "", region[REGION_CODE_MAX] = "";
	struct person_input row;
	normalized(in, &row, phone, region);
	if (!in->has_region || !in->region_code || !*in->region_code)
		problem_field(prob, "region_code", "请填写所属街道或社区");
	enum rc rc = person_validate(db, in, true, region, prob);
	if (rc != RC_OK)
		return rc;
	struct scope_target t = { .region = region };
	if (!permission_allows(actor->p, ACT_PERSON_EDIT, &t))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权在区域 %s 登记人员",
				   region);
	bool found = false;
	rc = exists(db, "SELECT 1 FROM persons WHERE phone = $1", DB_T(phone), &found, prob);
	if (rc != RC_OK)
		return rc;
	if (found)
		return phone_taken(prob);
	int64_t now = clock_now_s();
	/* A number that has an account already belongs to that account. */
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "SELECT id FROM accounts WHERE phone = $1"
		  " AND NOT EXISTS (SELECT 1 FROM persons WHERE account_id = accounts.id)",
		  &rows, prob, DB_T(phone));
	if (rc != RC_OK)
		return rc;
	int64_t account = db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	const struct field_extra extra[] = {
		{ "account_id", DB_IOPT(account != 0, account), NULL },
		{ "consent_s", DB_IOPT(in->has_consent && in->consent_version, now), NULL },
		{ "created_s", DB_I(now), NULL },
		{ "updated_s", DB_I(now), NULL },
	};
	rc = field_insert(tx, &person_noun, &row, extra, sizeof(extra) / sizeof(extra[0]), id,
			  prob);
	if (rc == RC_CONFLICT)
		return phone_taken(prob);
	if (rc == RC_OK)
		rc = write_roles(db, *id, in, prob);
	return rc == RC_OK ? changed(tx, actor, "person.create", *id, region, in, prob) : rc;
}

struct allow_ctx {
	const struct principal *p;
	bool self;
	struct scope_target target;
};

static bool allow_field(void *arg, enum action a)
{
	struct allow_ctx *c = arg;
	if (a == ACT_SIGNED_IN && c->self)
		return true;
	return permission_allows(c->p, a == ACT_SIGNED_IN ? ACT_PERSON_EDIT : a, &c->target);
}

static bool self_only(void *arg, enum action a)
{
	(void)arg;
	return a == ACT_SIGNED_IN;
}

enum rc person_check_own(const struct person_input *in, struct problem *prob)
{
	return field_allowed(&person_noun, in, self_only, NULL, prob);
}

enum rc person_update(struct db_tx *tx, const struct actor *actor, int64_t id,
		      const struct person_input *in, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct person cur;
	enum rc rc = person_get(db, id, &cur, prob);
	if (rc != RC_OK)
		return rc;
	struct allow_ctx c = { .p = actor->p,
			       .self = is_self(actor->p, &cur),
			       .target = person_target(&cur) };
	if (!c.self && !permission_allows(actor->p, ACT_PERSON_EDIT, &c.target))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权修改这个人的信息");
	rc = field_allowed(&person_noun, in, allow_field, &c, prob);
	if (rc != RC_OK)
		return rc;
	char phone[12] = "", region[REGION_CODE_MAX] = "";
	struct person_input row;
	normalized(in, &row, phone, region);
	if (!in->has_region)
		text_copy(region, sizeof(region), cur.region_code);
	rc = person_validate(db, in, false, region, prob);
	if (rc != RC_OK)
		return rc;
	/* Moving a person: the new place must be the mover's too. */
	if (in->has_region && strcmp(region, cur.region_code) != 0) {
		struct scope_target t = { .region = region };
		if (!permission_allows(actor->p, ACT_PERSON_EDIT, &t))
			return problem_set(prob, RC_FORBIDDEN, "forbidden",
					   "无权在区域 %s 登记人员", region);
		/* The old grid belongs to the old community. */
		if (!in->has_grid && cur.grid_id) {
			row.has_grid = true;
			row.grid_id = 0;
		}
	}
	int64_t now = clock_now_s();
	const struct field_extra extra[] = {
		{ "updated_s", DB_I(now), NULL },
		{ "consent_s", DB_IOPT(in->consent_version && *in->consent_version, now), NULL },
	};
	size_t nextra = in->has_consent ? 2 : 1;
	rc = field_update(tx, &person_noun, id, &row, extra, nextra, prob);
	if (rc == RC_CONFLICT)
		return phone_taken(prob);
	if (rc == RC_OK)
		rc = write_roles(db, id, in, prob);
	return rc == RC_OK ? changed(tx, actor, "person.update", id, region, in, prob) : rc;
}

enum rc person_phone(struct db_tx *tx, const struct actor *actor, int64_t id, char out[24],
		     struct problem *prob)
{
	struct person p;
	enum rc rc = person_get(db_tx_db(tx), id, &p, prob);
	if (rc != RC_OK)
		return rc;
	struct scope_target t = person_target(&p);
	if (!is_self(actor->p, &p) && !permission_allows(actor->p, ACT_PERSON_PHONE, &t))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权查看完整手机号");
	text_copy(out, 24, p.phone);
	return audit_record_id(tx, actor, "person.phone_read", "person", id, p.region_code, NULL,
			       prob);
}

enum rc person_of_account(struct db_tx *tx, const struct actor *actor, int64_t account_id,
			  struct person *out, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct problem miss;
	problem_init(&miss);
	enum rc rc = person_get_by_account(db, account_id, out, &miss);
	if (rc != RC_NOT_FOUND) {
		if (rc != RC_OK)
			*prob = miss;
		return rc;
	}
	struct db_rows *rows = NULL;
	rc = db_q(db, "SELECT phone, name FROM accounts WHERE id = $1", &rows, prob,
		  DB_I(account_id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) != 1) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个账号");
	}
	char phone[12], name[PERSON_NAME_MAX * 4 + 1];
	text_copy(phone, sizeof(phone), db_rows_text(rows, 0, 0));
	text_copy(name, sizeof(name), db_rows_text(rows, 0, 1));
	db_rows_free(rows);
	int64_t now = clock_now_s();
	/* The ledger's entry of the same number, entered by staff: linked. */
	rc = db_q(db,
		  "UPDATE persons SET account_id = $1, updated_s = $2"
		  " WHERE phone = $3 AND account_id IS NULL RETURNING id",
		  &rows, prob, DB_I(account_id), DB_I(now), DB_T(phone));
	if (rc != RC_OK)
		return rc;
	int64_t id = db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	const char *action = "person.link";
	if (!id) {
		struct person_input in = {
			.has_name = true, .name = name, .has_phone = true, .phone = phone
		};
		const struct field_extra extra[] = {
			{ "account_id", DB_I(account_id), NULL },
			{ "created_s", DB_I(now), NULL },
			{ "updated_s", DB_I(now), NULL },
		};
		rc = field_insert(tx, &person_noun, &in, extra, sizeof(extra) / sizeof(extra[0]),
				  &id, prob);
		if (rc != RC_OK)
			return rc;
		action = "person.register";
	}
	rc = person_get(db, id, out, prob);
	if (rc != RC_OK)
		return rc;
	struct person_input none = { 0 };
	return changed(tx, actor, action, id, out->region_code, &none, prob);
}

/* Instructors' contacts */

const struct field_choice contact_channels[] = {
	{ "visit", "上门走访", "Visit" },
	{ "phone", "电话", "Phone call" },
	{ "wechat", "微信", "WeChat" },
	{ "meeting", "座谈", "Meeting" },
	{ "station", "驿站面谈", "At a station" },
	{ NULL, NULL, NULL },
};

enum rc person_contact_add(struct db_tx *tx, const struct actor *actor, int64_t id, int64_t at_s,
			   const char *channel, const char *notes, int64_t *contact_id,
			   struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	int64_t now = clock_now_s();
	bool known = false;
	for (const struct field_choice *c = contact_channels; channel && c->code; c++)
		known = known || !strcmp(c->code, channel);
	if (!known)
		problem_field(prob, "channel",
			      "联系方式应为 visit, phone, wechat, meeting, station 之一");
	if (at_s > now + 60 || (at_s && at_s < now - 366 * 86400))
		problem_field(prob, "at", "联系时间应在过去一年之内，不能在将来");
	if (notes && text_chars(notes) > 500)
		problem_field(prob, "notes", "记录最多 500 字");
	if (problem_has_fields(prob))
		return RC_INVALID;
	struct person p;
	enum rc rc = person_get(db, id, &p, prob);
	if (rc != RC_OK)
		return rc;
	struct scope_target t = person_target(&p);
	if (!permission_allows(actor->p, ACT_PERSON_EDIT, &t))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权修改这个人的信息");
	int64_t at = at_s ? at_s : now;
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "INSERT INTO instructor_contacts (person_id, account_id, at_s, channel, notes)"
		  " VALUES ($1, $2, $3, $4, $5) RETURNING id",
		  &rows, prob, DB_I(id), DB_I(actor->p->account_id), DB_I(at), DB_T(channel),
		  DB_T(notes && *notes ? notes : NULL));
	if (rc != RC_OK)
		return rc;
	*contact_id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	rc = db_q(db,
		  "UPDATE persons SET last_contact_s = $1 WHERE id = $2"
		  " AND (last_contact_s IS NULL OR last_contact_s < $1)",
		  NULL, prob, DB_I(at), DB_I(id));
	if (rc != RC_OK)
		return rc;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_str(&d, "channel", channel);
	rc = audit_record_id(tx, actor, "person.contact", "person", id, p.region_code, &d, prob);
	audit_detail_release(&d);
	return rc;
}

enum rc person_contacts(struct db *db, const struct principal *viewer, int64_t id,
			struct person_contact **items, size_t *n, struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct person_view v;
	enum rc rc = person_read(db, viewer, id, &v, prob);
	if (rc != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "SELECT c.id, c.account_id, a.name, c.at_s, c.channel, c.notes"
		  " FROM instructor_contacts c JOIN accounts a ON a.id = c.account_id"
		  " WHERE c.person_id = $1 ORDER BY c.at_s DESC, c.id DESC LIMIT 200",
		  &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count; i++) {
		struct person_contact *c = &(*items)[i];
		c->id = db_rows_int(rows, i, 0);
		c->account_id = db_rows_int(rows, i, 1);
		text_copy(c->account_name, sizeof(c->account_name), db_rows_text(rows, i, 2));
		c->at_s = db_rows_int(rows, i, 3);
		text_copy(c->channel, sizeof(c->channel), db_rows_text(rows, i, 4));
		text_copy(c->notes, sizeof(c->notes), db_rows_text(rows, i, 5));
	}
	*n = count;
	db_rows_free(rows);
	return RC_OK;
}

/* The ledger */

/* Appends f's conditions, and the viewer's scope, to sql as " AND …",
 * params from *np on. RC_FORBIDDEN if f's region lies outside the scope. */
static enum rc filter_sql(const struct principal *viewer, const struct person_filter *f,
			  struct sb *sql, struct db_val *params, size_t *np,
			  char (*likes)[REGISTRY_LIKE_CAP], struct problem *prob)
{
	enum rc rc = registry_scope_sql(viewer, ACT_PERSON_READ, "region_code", f->region, sql,
					params, np, likes, prob);
	if (rc != RC_OK)
		return rc;
	if (f->grid_id) {
		params[(*np)++] = DB_I(f->grid_id);
		sb_addf(sql, " AND grid_id = $%zu", *np);
	}
	if (f->categories) {
		params[(*np)++] = DB_I(f->categories);
		sb_addf(sql, " AND (categories & $%zu) <> 0", *np);
	}
	if (f->platform[0]) {
		params[(*np)++] = DB_T(f->platform);
		sb_addf(sql, " AND platform = $%zu", *np);
	}
	if (f->work_site_id) {
		params[(*np)++] = DB_I(f->work_site_id);
		sb_addf(sql, " AND work_site_id = $%zu", *np);
	}
	if (f->party_org_id) {
		params[(*np)++] = DB_I(f->party_org_id);
		sb_addf(sql, " AND party_org_id = $%zu", *np);
	}
	if (f->team_id) {
		params[(*np)++] = DB_I(f->team_id);
		sb_addf(sql,
			" AND EXISTS (SELECT 1 FROM team_members m WHERE m.person_id = persons.id"
			" AND m.team_id = $%zu AND m.left_s IS NULL)",
			*np);
	}
	if (f->role[0]) {
		params[(*np)++] = DB_T(f->role);
		sb_addf(sql,
			" AND EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = persons.id"
			" AND r.role_code = $%zu)",
			*np);
	}
	int64_t now = clock_now_s();
	if (f->checked_in_days > 0) {
		params[(*np)++] = DB_I(now - (int64_t)f->checked_in_days * 86400);
		sb_addf(sql, " AND last_checkin_s >= $%zu", *np);
	} else if (f->checked_in_days < 0) {
		params[(*np)++] = DB_I(now + (int64_t)f->checked_in_days * 86400);
		sb_addf(sql, " AND (last_checkin_s IS NULL OR last_checkin_s < $%zu)", *np);
	}
	if (f->not_contacted_days > 0) {
		params[(*np)++] = DB_I(now - (int64_t)f->not_contacted_days * 86400);
		sb_addf(sql, " AND (last_contact_s IS NULL OR last_contact_s < $%zu)", *np);
	}
	if (f->q && *f->q) {
		char phone[12];
		if (phone_normalize(f->q, phone)) {
			params[(*np)++] = DB_T(xstrdup(phone));
			sb_addf(sql, " AND phone = $%zu", *np);
		} else {
			params[(*np)++] = DB_T(db_like_pattern(f->q, true));
			sb_addf(sql, " AND name LIKE $%zu ESCAPE '\\'", *np);
		}
	}
	return RC_OK;
}

/* Frees the strings filter_sql made for q. */
static void filter_params_release(const struct person_filter *f, struct db_val *params, size_t np)
{
	if (f->q && *f->q && np)
		free((char *)params[np - 1].s);
}

#define FILTER_PARAMS_MAX 24

/* True if f asks for nothing but a region (or nothing at all): then the
 * tallies the database keeps (0020) hold the whole answer. */
static bool filter_region_only(const struct person_filter *f)
{
	return !f->grid_id && !f->categories && !f->platform[0] && !f->work_site_id &&
	       !f->team_id && !f->role[0] && !f->party_org_id && !f->checked_in_days &&
	       !f->not_contacted_days && !(f->q && *f->q);
}

static enum rc list_people(struct db *db, const struct principal *viewer,
			   const struct person_filter *f, int64_t after_id, size_t limit, bool mask,
			   bool count, struct person_page *page, struct problem *prob)
{
	memset(page, 0, sizeof(*page));
	struct db_val params[FILTER_PARAMS_MAX];
	char likes[REGISTRY_LIKES][REGISTRY_LIKE_CAP];
	size_t np = 0;
	struct sb where = SB_INIT;
	sb_addlit(&where, "WHERE 1 = 1");
	enum rc rc = filter_sql(viewer, f, &where, params, &np, likes, prob);
	if (rc != RC_OK) {
		sb_release(&where);
		return rc;
	}
	size_t nfilter = np;
	/* The total first, with the filter alone (unless not wanted). */
	struct db_rows *rows = NULL;
	if (count) {
		/* A region alone: the total the database keeps (0020). */
		struct sb sql = SB_INIT;
		if (filter_region_only(f))
			sb_addf(&sql, "SELECT COALESCE(SUM(n), 0) FROM person_tallies %s",
				sb_str(&where));
		else
			sb_addf(&sql, "SELECT COUNT(*) FROM persons %s", sb_str(&where));
		rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np, &rows, prob);
		sb_release(&sql);
		if (rc == RC_OK)
			page->total = db_rows_int(rows, 0, 0);
		db_rows_free(rows);
		rows = NULL;
	}
	if (rc == RC_OK) {
		params[np++] = DB_I(after_id);
		params[np++] = DB_I((int64_t)limit + 1);
		sb_addf(&where, " AND id > $%zu ORDER BY id LIMIT $%zu", np - 1, np);
		rc = db_exec(db, field_select(&person_noun, sb_str(&where)), params, np, &rows,
			     prob);
	}
	filter_params_release(f, params, nfilter);
	sb_release(&where);
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(rows);
	if (n > limit)
		n = limit;
	page->items = xcalloc(n ? n : 1, sizeof(*page->items));
	for (size_t i = 0; i < n; i++) {
		struct person *p = &page->items[i];
		field_from_row(&person_noun, rows, i, 0, p);
		if (mask && !is_self(viewer, p)) {
			char masked[12];
			phone_mask(p->phone, masked);
			text_copy(p->phone, sizeof(p->phone), masked);
		}
	}
	page->n = n;
	if (db_rows_count(rows) > limit && n)
		page->next_after_id = page->items[n - 1].id;
	db_rows_free(rows);
	rc = load_roles_teams(db, page->items, n, prob);
	if (rc != RC_OK)
		person_page_release(page);
	return rc;
}

enum rc person_list(struct db *db, const struct principal *viewer, const struct person_filter *f,
		    int64_t after_id, size_t limit, struct person_page *page, struct problem *prob)
{
	return list_people(db, viewer, f, after_id, limit, true, true, page, prob);
}

enum rc person_list_walk(struct db *db, const struct principal *viewer,
			 const struct person_filter *f, bool whole, int64_t after_id, size_t limit,
			 struct person_page *page, struct problem *prob)
{
	return list_people(db, viewer, f, after_id, limit, !whole, false, page, prob);
}

void person_page_release(struct person_page *page)
{
	free(page->items);
	memset(page, 0, sizeof(*page));
}

/* The length of the codes one level below a region code of length len. */
static size_t child_len(size_t len)
{
	switch (len) {
	case 0: return 2;
	case 2: return 4;
	case 4: return 6;
	case 6: return 9;
	default: return 12;
	}
}

/* A code and its count, for the tallies person_count makes in C. */
struct tally {
	char code[PERSON_CODE_CAP];
	int64_t n;
};

static void tally_add(struct tally **t, size_t *n, size_t *cap, const char *code, int64_t k)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*t)[i].code, code)) {
			(*t)[i].n += k;
			return;
		}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*t = xrealloc(*t, *cap * sizeof(**t));
	}
	text_copy((*t)[*n].code, PERSON_CODE_CAP, code);
	(*t)[(*n)++].n = k;
}

/* Most first, then by code. */
static int tally_by_count(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->code, y->code);
}

static int tally_by_code(const void *a, const void *b)
{
	return strcmp(((const struct tally *)a)->code, ((const struct tally *)b)->code);
}

/* Platforms most first and communities by code into out; frees both. */
static void counts_fill_tallies(struct person_counts *out, struct tally *platforms,
				size_t nplatforms, struct tally *regions, size_t nregions)
{
	if (nplatforms)
		qsort(platforms, nplatforms, sizeof(*platforms), tally_by_count);
	for (size_t i = 0; i < nplatforms && out->nplatforms < 32; i++) {
		text_copy(out->platforms[out->nplatforms].code, PERSON_CODE_CAP, platforms[i].code);
		out->platforms[out->nplatforms++].n = platforms[i].n;
	}
	if (nregions)
		qsort(regions, nregions, sizeof(*regions), tally_by_code);
	for (size_t i = 0; i < nregions && out->nregions < 64; i++) {
		text_copy(out->regions[out->nregions].code, 13, regions[i].code);
		out->regions[out->nregions++].n = regions[i].n;
	}
	free(platforms);
	free(regions);
}

/* The first second of the "checked in within 30 days" window: the start
 * of the city's day (UTC+8) 29 days before today's, so the window is 30
 * whole days, as the kept tallies count by day (0020). */
static int64_t checkin_window_start(int64_t now)
{
	int64_t today = (now + 8 * 3600) / 86400;
	return (today - 29) * 86400 - 8 * 3600;
}

/* The counts of a region from the kept tallies: a few rows per community
 * rather than a pass over every person. */
static enum rc count_tallied(struct db *db, const struct principal *viewer,
			     const struct person_filter *f, struct person_counts *out,
			     struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	struct db_val params[FILTER_PARAMS_MAX];
	char likes[REGISTRY_LIKES][REGISTRY_LIKE_CAP];
	size_t np = 0;
	struct sb where = SB_INIT, sql = SB_INIT;
	sb_addlit(&where, "WHERE 1 = 1");
	enum rc rc = registry_scope_sql(viewer, ACT_PERSON_READ, "region_code", f->region, &where,
					params, &np, likes, prob);
	struct db_rows *rows = NULL;
	if (rc == RC_OK) {
		sb_addf(&sql,
			"SELECT region_code, categories, platform, n, registered FROM person_tallies"
			" %s AND n > 0",
			sb_str(&where));
		rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np, &rows, prob);
		sb_reset(&sql);
	}
	struct tally *platforms = NULL, *regions = NULL;
	size_t nplatforms = 0, platforms_cap = 0, nregions = 0, regions_cap = 0;
	size_t len = child_len(strlen(f->region));
	for (size_t i = 0; rc == RC_OK && i < db_rows_count(rows); i++) {
		int64_t n = db_rows_int(rows, i, 3), cats = db_rows_int(rows, i, 1);
		out->total += n;
		out->registered += db_rows_int(rows, i, 4);
		for (int c = 0; c < PERSON_CATEGORY_COUNT; c++)
			if (cats & PERSON_BIT(c))
				out->by_category[c] += n;
		if (*db_rows_text(rows, i, 2))
			tally_add(&platforms, &nplatforms, &platforms_cap, db_rows_text(rows, i, 2),
				  n);
		if (*db_rows_text(rows, i, 0)) {
			char code[13];
			text_copy(code, len + 1 < sizeof(code) ? len + 1 : sizeof(code),
				  db_rows_text(rows, i, 0));
			tally_add(&regions, &nregions, &regions_cap, code, n);
		}
	}
	db_rows_free(rows);
	rows = NULL;
	out->party_members = out->by_category[PERSON_PARTY_MEMBER];
	counts_fill_tallies(out, platforms, nplatforms, regions, nregions);
	if (rc == RC_OK) {
		params[np] = DB_I((checkin_window_start(clock_now_s()) + 8 * 3600) / 86400);
		sb_addf(&sql, "SELECT SUM(n) FROM person_checkin_tallies %s AND day >= $%zu",
			sb_str(&where), np + 1);
		rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np + 1, &rows, prob);
		sb_reset(&sql);
	}
	if (rc == RC_OK) {
		out->checked_in_30d = db_rows_null(rows, 0, 0) ? 0 : db_rows_int(rows, 0, 0);
		db_rows_free(rows);
		sb_addf(&sql,
			"SELECT role_code, SUM(n) FROM person_role_tallies %s GROUP BY role_code"
			" HAVING SUM(n) > 0 ORDER BY SUM(n) DESC, role_code",
			sb_str(&where));
		rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np, &rows, prob);
	}
	if (rc == RC_OK) {
		for (size_t i = 0; i < db_rows_count(rows) && out->nroles < 32; i++) {
			text_copy(out->roles[out->nroles].code, PERSON_CODE_CAP,
				  db_rows_text(rows, i, 0));
			out->roles[out->nroles++].n = db_rows_int(rows, i, 1);
		}
		db_rows_free(rows);
	}
	sb_release(&sql);
	sb_release(&where);
	return rc;
}

static enum rc count_uncached(struct db *db, const struct principal *viewer,
			      const struct person_filter *f, struct person_counts *out,
			      struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	struct db_val params[FILTER_PARAMS_MAX];
	char likes[REGISTRY_LIKES][REGISTRY_LIKE_CAP];
	size_t np = 0;
	struct sb where = SB_INIT;
	sb_addlit(&where, "WHERE 1 = 1");
	enum rc rc = filter_sql(viewer, f, &where, params, &np, likes, prob);
	if (rc != RC_OK) {
		sb_release(&where);
		return rc;
	}
	/* The counts come from a row per combination of community, categories
	 * and platform, read in the order of the index on those columns
	 * (0010): a pass over that index, far smaller than the rows, with no
	 * sorting, and the figures summed here. Summing each category in SQL
	 * cost a dozen expressions a row, and platforms and regions a pass
	 * each. */
	struct sb sql = SB_INIT;
	sb_addf(&sql,
		"SELECT region_code, categories, platform, COUNT(*) FROM persons %s"
		" GROUP BY region_code, categories, platform",
		sb_str(&where));
	struct db_rows *rows = NULL;
	rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np, &rows, prob);
	sb_release(&sql);
	struct tally *platforms = NULL, *regions = NULL;
	size_t nplatforms = 0, platforms_cap = 0, nregions = 0, regions_cap = 0;
	size_t len = child_len(strlen(f->region));
	for (size_t i = 0; rc == RC_OK && i < db_rows_count(rows); i++) {
		int64_t n = db_rows_int(rows, i, 3), cats = db_rows_int(rows, i, 1);
		out->total += n;
		for (int c = 0; c < PERSON_CATEGORY_COUNT; c++)
			if (cats & PERSON_BIT(c))
				out->by_category[c] += n;
		if (!db_rows_null(rows, i, 2))
			tally_add(&platforms, &nplatforms, &platforms_cap, db_rows_text(rows, i, 2),
				  n);
		if (!db_rows_null(rows, i, 0)) {
			char code[13];
			text_copy(code, len + 1 < sizeof(code) ? len + 1 : sizeof(code),
				  db_rows_text(rows, i, 0));
			tally_add(&regions, &nregions, &regions_cap, code, n);
		}
	}
	db_rows_free(rows);
	rows = NULL;
	out->party_members = out->by_category[PERSON_PARTY_MEMBER];
	counts_fill_tallies(out, platforms, nplatforms, regions, nregions);
	if (rc == RC_OK) {
		params[np] = DB_I(checkin_window_start(clock_now_s()));
		sb_addf(&sql,
			"SELECT COUNT(account_id), SUM(CASE WHEN last_checkin_s >= $%zu THEN 1 ELSE 0"
			" END) FROM persons %s",
			np + 1, sb_str(&where));
		rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np + 1, &rows, prob);
		sb_release(&sql);
	}
	if (rc == RC_OK) {
		out->registered = db_rows_int(rows, 0, 0);
		out->checked_in_30d = db_rows_int(rows, 0, 1);
		db_rows_free(rows);
		sb_addf(&sql,
			"SELECT r.role_code, COUNT(*) FROM person_roles r JOIN persons"
			" ON persons.id = r.person_id %s GROUP BY r.role_code"
			" ORDER BY COUNT(*) DESC, r.role_code",
			sb_str(&where));
		rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np, &rows, prob);
		sb_release(&sql);
	}
	if (rc == RC_OK) {
		for (size_t i = 0; i < db_rows_count(rows) && out->nroles < 32; i++) {
			text_copy(out->roles[out->nroles].code, PERSON_CODE_CAP,
				  db_rows_text(rows, i, 0));
			out->roles[out->nroles++].n = db_rows_int(rows, i, 1);
		}
		db_rows_free(rows);
	}
	filter_params_release(f, params, np);
	sb_release(&where);
	return rc;
}

enum rc person_catalog(struct db *db, bool which_roles, struct person_catalog_item **items,
		       size_t *n, struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db,
			     which_roles ? "SELECT code, name_zh, name_en FROM volunteer_roles"
					   " ORDER BY sort, code"
					 : "SELECT code, name_zh, name_en FROM platforms"
					   " ORDER BY sort, code",
			     NULL, 0, &rows, prob);
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count; i++) {
		text_copy((*items)[i].code, PERSON_CODE_CAP, db_rows_text(rows, i, 0));
		text_copy((*items)[i].name_zh, 64, db_rows_text(rows, i, 1));
		text_copy((*items)[i].name_en, 64, db_rows_text(rows, i, 2));
	}
	*n = count;
	db_rows_free(rows);
	return RC_OK;
}

/* The counts' cache. A street's counts take a pass over its people (tens
 * of milliseconds at 100,000), and staff read them on every visit to the
 * ledger, far more often than the ledger changes. So answers are kept,
 * keyed by the viewer's scope and the filter, until the ledger changes
 * (person_counts_changed, called after commit by the process's event
 * subscriber, also for other servers' writes) or PERSON_COUNTS_TTL_S
 * passes, which bounds how late "checked in within N days" may be. Off
 * until person_counts_cache_enable: without a subscriber to tell it of
 * changes it would answer stale counts. */
#define PERSON_COUNTS_SLOTS 32
#define PERSON_COUNTS_TTL_S 60
#define PERSON_COUNTS_KEY   640

static struct {
	pthread_mutex_t mu;
	atomic_bool on;
	atomic_uint_fast64_t generation;
	uint64_t uses;
	struct counts_slot {
		char key[PERSON_COUNTS_KEY];
		uint64_t generation, used;
		int64_t at_s;
		struct person_counts c;
	} slots[PERSON_COUNTS_SLOTS];
} counts_cache = { .mu = PTHREAD_MUTEX_INITIALIZER };

void person_counts_cache_enable(bool on)
{
	atomic_store(&counts_cache.on, on);
	person_counts_changed();
}

void person_counts_changed(void)
{
	atomic_fetch_add(&counts_cache.generation, 1);
}

/* The key of viewer's scope and f; false if it does not fit (not cached). */
static bool counts_key(const struct principal *viewer, const struct person_filter *f,
		       char key[PERSON_COUNTS_KEY])
{
	char regions[8][SCOPE_MAX];
	size_t n = permission_regions(viewer, ACT_PERSON_READ, regions, 8);
	if (n == 8 || (f->q && *f->q))
		return false;
	struct sb sb = SB_INIT;
	for (size_t i = 0; i < n; i++)
		sb_addf(&sb, "%s,", regions[i]);
	sb_addf(&sb, "|%s|%lld|%lld|%s|%lld|%lld|%s|%lld|%d|%d", f->region, (long long)f->grid_id,
		(long long)f->categories, f->platform, (long long)f->work_site_id,
		(long long)f->team_id, f->role, (long long)f->party_org_id, f->checked_in_days,
		f->not_contacted_days);
	bool fits = sb.len < PERSON_COUNTS_KEY;
	if (fits)
		memcpy(key, sb_str(&sb), sb.len + 1);
	sb_release(&sb);
	return fits;
}

enum rc person_count(struct db *db, const struct principal *viewer, const struct person_filter *f,
		     struct person_counts *out, struct problem *prob)
{
	char key[PERSON_COUNTS_KEY];
	if (filter_region_only(f))
		return count_tallied(db, viewer, f, out, prob);
	if (!atomic_load(&counts_cache.on) || !counts_key(viewer, f, key))
		return count_uncached(db, viewer, f, out, prob);
	uint64_t gen = atomic_load(&counts_cache.generation);
	int64_t now = clock_now_s();
	pthread_mutex_lock(&counts_cache.mu);
	for (size_t i = 0; i < PERSON_COUNTS_SLOTS; i++) {
		struct counts_slot *sl = &counts_cache.slots[i];
		if (sl->used && sl->generation == gen && now - sl->at_s < PERSON_COUNTS_TTL_S &&
		    now >= sl->at_s && strcmp(sl->key, key) == 0) {
			*out = sl->c;
			sl->used = ++counts_cache.uses;
			pthread_mutex_unlock(&counts_cache.mu);
			return RC_OK;
		}
	}
	pthread_mutex_unlock(&counts_cache.mu);
	/* Counted outside the lock; the generation read before counting, so a
	 * change committed meanwhile makes this answer a miss next time. */
	enum rc rc = count_uncached(db, viewer, f, out, prob);
	if (rc != RC_OK)
		return rc;
	pthread_mutex_lock(&counts_cache.mu);
	struct counts_slot *victim = &counts_cache.slots[0];
	for (size_t i = 1; i < PERSON_COUNTS_SLOTS; i++)
		if (counts_cache.slots[i].used < victim->used)
			victim = &counts_cache.slots[i];
	memcpy(victim->key, key, sizeof(victim->key));
	victim->generation = gen;
	victim->at_s = now;
	victim->c = *out;
	victim->used = ++counts_cache.uses;
	pthread_mutex_unlock(&counts_cache.mu);
	return RC_OK;
}
