/* Teams: the table, the checks, the members. */
#include "domain/team.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/events.h"

#define REC(m) .rec_off = offsetof(struct team, m), .rec_size = sizeof(((struct team *)0)->m)
#define IN(m, has) \
	.in_off = offsetof(struct team_input, m), .has_off = offsetof(struct team_input, has)
#define NO_INPUT .in_off = FIELD_NO_INPUT, .has_off = FIELD_NO_INPUT

/* clang-format off */
static const struct field team_fields[] = {
	{ .name = "id", .column = "id", .kind = FIELD_INT64, .flags = FIELD_READONLY | FIELD_SUMMARY,
	  REC(id), NO_INPUT, .doc = "编号" },
	{ .name = "name", .column = "name", .kind = FIELD_TEXT, .flags = FIELD_REQUIRED | FIELD_SUMMARY,
	  REC(name), IN(name, has_name), .max = 40, .invalid = "名称应为 1–%d 个字",
	  .doc = "队伍或服务品牌名称，如 红色先锋队" },
	{ .name = "station_id", .column = "station_id", .kind = FIELD_INT64,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(station_id), IN(station_id, has_station),
	  .doc = "所在驿站" },
	{ .name = "region_code", .column = "region_code", .kind = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_SUMMARY, REC(region_code), IN(region_code, has_region),
	  .max = 12, .doc = "所属区县、街道或社区" },
	{ .name = "leader_id", .column = "leader_id", .kind = FIELD_INT64,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(leader_id), IN(leader_id, has_leader),
	  .doc = "队长（台账中的人）" },
	{ .name = "created_at", .column = "created_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(created_s), NO_INPUT, .doc = "成立登记时间" },
};
/* clang-format on */

const struct noun team_noun = {
	.name = "team",
	.table = "teams",
	.fields = team_fields,
	.nfields = sizeof(team_fields) / sizeof(team_fields[0]),
};

static enum rc exists(struct db *db, const char *sql, int64_t id, const char *field,
		      struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, sql, &rows, prob, DB_I(id));
	if (rc == RC_OK && db_rows_count(rows) == 0)
		problem_field(prob, field, "没有这一项 (not found)");
	db_rows_free(rows);
	return rc;
}

static enum rc validate(struct db *db, const void *input, bool create, const char *region,
			struct problem *prob)
{
	const struct team_input *in = input;
	(void)create;
	(void)region;
	enum rc rc = RC_OK;
	if (in->has_station && in->station_id)
		rc = exists(db, "SELECT 1 FROM stations WHERE id = $1", in->station_id,
			    "station_id", prob);
	if (rc == RC_OK && in->has_leader && in->leader_id)
		rc = exists(db, "SELECT 1 FROM persons WHERE id = $1", in->leader_id, "leader_id",
			    prob);
	return rc;
}

const struct registry_noun team_registry = {
	.noun = &team_noun,
	.read = ACT_PERSON_READ,
	.edit = ACT_PERSON_EDIT,
	.event = "team.changed",
	.rec_size = sizeof(struct team),
	.in_size = sizeof(struct team_input),
	.region_rec_off = offsetof(struct team, region_code),
	.region_in_off = offsetof(struct team_input, region_code),
	.region_has_off = offsetof(struct team_input, has_region),
	.min_region_digits = 6,
	.validate = validate,
};

/* The team, if actor may change it. */
static enum rc team_for_edit(struct db *db, const struct actor *actor, int64_t team_id,
			     struct team *t, struct problem *prob)
{
	enum rc rc = registry_get(db, &team_registry, team_id, t, prob);
	if (rc != RC_OK)
		return rc;
	struct scope_target target = { .region = t->region_code };
	if (!permission_allows(actor->p, ACT_PERSON_EDIT, &target))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权修改区域 %s 的这一项",
				   t->region_code);
	return RC_OK;
}

static enum rc member_changed(struct db_tx *tx, const struct actor *actor, const char *action,
			      const struct team *t, int64_t person_id, struct problem *prob)
{
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "person_id", person_id);
	enum rc rc = audit_record_id(tx, actor, action, "team", t->id, t->region_code, &d, prob);
	audit_detail_release(&d);
	char sid[24];
	snprintf(sid, sizeof(sid), "%lld", (long long)t->id);
	return rc == RC_OK ? events_record(tx, "team.changed", sid, prob) : rc;
}

enum rc team_join(struct db_tx *tx, const struct actor *actor, int64_t team_id, int64_t person_id,
		  struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct team t;
	enum rc rc = team_for_edit(db, actor, team_id, &t, prob);
	if (rc != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "SELECT (SELECT COUNT(*) FROM persons WHERE id = $2),"
		  " (SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND person_id = $2"
		  " AND left_s IS NULL)",
		  &rows, prob, DB_I(team_id), DB_I(person_id));
	if (rc != RC_OK)
		return rc;
	bool person = db_rows_int(rows, 0, 0) > 0, member = db_rows_int(rows, 0, 1) > 0;
	db_rows_free(rows);
	if (!person) {
		problem_field(prob, "person_id", "没有这个人");
		return RC_INVALID;
	}
	if (member)
		return problem_set(prob, RC_CONFLICT, "conflict", "已经是这个队伍的成员");
	rc = db_q(db, "INSERT INTO team_members (team_id, person_id, joined_s) VALUES ($1, $2, $3)",
		  NULL, prob, DB_I(team_id), DB_I(person_id), DB_I(clock_now_s()));
	return rc == RC_OK ? member_changed(tx, actor, "team.join", &t, person_id, prob) : rc;
}

enum rc team_leave(struct db_tx *tx, const struct actor *actor, int64_t team_id, int64_t person_id,
		   struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct team t;
	enum rc rc = team_for_edit(db, actor, team_id, &t, prob);
	if (rc != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "UPDATE team_members SET left_s = $3 WHERE team_id = $1 AND person_id = $2"
		  " AND left_s IS NULL RETURNING id",
		  &rows, prob, DB_I(team_id), DB_I(person_id), DB_I(clock_now_s()));
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(rows);
	db_rows_free(rows);
	if (!n)
		return problem_set(prob, RC_NOT_FOUND, "not-found", "不是这个队伍的成员");
	return member_changed(tx, actor, "team.leave", &t, person_id, prob);
}

enum rc team_members(struct db *db, int64_t team_id, struct team_member **items, size_t *n,
		     struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT m.person_id, p.name, m.joined_s, m.left_s FROM team_members m"
			  " JOIN persons p ON p.id = m.person_id WHERE m.team_id = $1"
			  " ORDER BY m.joined_s DESC, m.id DESC",
			  &rows, prob, DB_I(team_id));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count; i++) {
		struct team_member *m = &(*items)[i];
		m->person_id = db_rows_int(rows, i, 0);
		text_copy(m->name, sizeof(m->name), db_rows_text(rows, i, 1));
		m->joined_s = db_rows_int(rows, i, 2);
		m->left_s = db_rows_null(rows, i, 3) ? 0 : db_rows_int(rows, i, 3);
	}
	*n = count;
	db_rows_free(rows);
	return RC_OK;
}
