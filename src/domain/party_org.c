/* Party organisations: the table and the tree's rules. */
#include "domain/party_org.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "domain/events.h"
#include "domain/person.h"

#define REC(m) \
	.rec_off = offsetof(struct party_org, m), .rec_size = sizeof(((struct party_org *)0)->m)
#define IN(m, has)                                     \
	.in_off = offsetof(struct party_org_input, m), \
	.has_off = offsetof(struct party_org_input, has)
#define NO_INPUT .in_off = FIELD_NO_INPUT, .has_off = FIELD_NO_INPUT

const struct field_choice party_org_kinds[] = {
	{ "committee", "行业党委", "Industry party committee" },
	{ "branch", "党支部", "Party branch" },
	{ "group", "党小组", "Party group" },
	{ NULL, NULL, NULL },
};

/* clang-format off */
static const struct field party_org_fields[] = {
	{ .name = "id", .column = "id", .kind = FIELD_INT64, .flags = FIELD_READONLY | FIELD_SUMMARY,
	  REC(id), NO_INPUT, .doc = "编号" },
	{ .name = "parent_id", .column = "parent_id", .kind = FIELD_INT64,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(parent_id), IN(parent_id, has_parent),
	  .doc = "上级党组织；没有时为最上级" },
	{ .name = "kind", .column = "kind", .kind = FIELD_CODE, .flags = FIELD_REQUIRED | FIELD_SUMMARY,
	  REC(kind), IN(kind, has_kind), .choices = party_org_kinds,
	  .invalid = "类别应为 committee, branch, group 之一", .doc = "类别：行业党委、党支部、党小组" },
	{ .name = "name", .column = "name", .kind = FIELD_TEXT, .flags = FIELD_REQUIRED | FIELD_SUMMARY,
	  REC(name), IN(name, has_name), .max = 60, .invalid = "名称应为 1–%d 个字",
	  .doc = "名称，如 金台区快递行业联合党支部" },
	{ .name = "region_code", .column = "region_code", .kind = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_SUMMARY, REC(region_code), IN(region_code, has_region),
	  .max = 12, .doc = "所在区县、街道或社区" },
	{ .name = "secretary_id", .column = "secretary_id", .kind = FIELD_INT64,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(secretary_id), IN(secretary_id, has_secretary),
	  .doc = "书记（台账中的人）" },
	{ .name = "created_at", .column = "created_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(created_s), NO_INPUT, .doc = "登记时间" },
};
/* clang-format on */

const struct noun party_org_noun = {
	.name = "party_org",
	.table = "party_orgs",
	.fields = party_org_fields,
	.nfields = sizeof(party_org_fields) / sizeof(party_org_fields[0]),
};

/* The rank of a kind: a committee holds branches, a branch groups. */
static int rank(const char *kind)
{
	return !strcmp(kind, "committee") ? 0 : !strcmp(kind, "branch") ? 1 : 2;
}

static enum rc validate(struct db *db, const void *input, bool create, const char *region,
			struct problem *prob)
{
	const struct party_org_input *in = input;
	(void)create;
	enum rc rc = RC_OK;
	struct db_rows *rows = NULL;
	if (in->has_parent && in->parent_id) {
		rc = db_q(db, "SELECT kind, region_code FROM party_orgs WHERE id = $1", &rows, prob,
			  DB_I(in->parent_id));
		if (rc != RC_OK)
			return rc;
		if (db_rows_count(rows) == 0) {
			problem_field(prob, "parent_id", "没有这个党组织");
		} else {
			const char *pk = db_rows_text(rows, 0, 0), *pr = db_rows_text(rows, 0, 1);
			if (in->has_kind && in->kind && rank(pk) >= rank(in->kind))
				problem_field(
					prob, "parent_id",
					"上级应为更高一级的组织（行业党委 › 党支部 › 党小组）");
			if (region && *region && strncmp(region, pr, strlen(pr)) != 0)
				problem_field(prob, "region_code", "应在上级党组织所在区域之内");
		}
		db_rows_free(rows);
	}
	if (in->has_secretary && in->secretary_id) {
		rc = db_q(db, "SELECT 1 FROM persons WHERE id = $1", &rows, prob,
			  DB_I(in->secretary_id));
		if (rc == RC_OK && db_rows_count(rows) == 0)
			problem_field(prob, "secretary_id", "没有这个人");
		db_rows_free(rows);
	}
	return rc;
}

const struct registry_noun party_org_registry = {
	.noun = &party_org_noun,
	.read = ACT_PERSON_READ,
	.edit = ACT_PERSON_EDIT,
	.event = "party_org.changed",
	.rec_size = sizeof(struct party_org),
	.in_size = sizeof(struct party_org_input),
	.region_rec_off = offsetof(struct party_org, region_code),
	.region_in_off = offsetof(struct party_org_input, region_code),
	.region_has_off = offsetof(struct party_org_input, has_region),
	.min_region_digits = 6,
	.validate = validate,
};

enum rc party_org_report_in(struct db_tx *tx, const struct actor *actor, int64_t id,
			    int64_t *person_id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct party_org org;
	enum rc rc = registry_get(db, &party_org_registry, id, &org, prob);
	if (rc != RC_OK)
		return rc;
	if (strcmp(org.kind, "branch") != 0)
		return problem_set(prob, RC_CONFLICT, "not-a-branch", "只能向党支部报到");
	if (!actor->p || !actor->p->account_id)
		return problem_set(prob, RC_UNAUTHORIZED, "unauthorized", "请先登录");
	struct person p;
	rc = person_of_account(tx, actor, actor->p->account_id, &p, prob);
	if (rc != RC_OK)
		return rc;
	if (!(p.categories &
	      (PERSON_BIT(PERSON_PARTY_MEMBER) | PERSON_BIT(PERSON_MOBILE_PARTY_MEMBER))))
		return problem_set(prob, RC_CONFLICT, "not-a-party-member",
				   "请先在我的信息里选择“党员”或“流动党员”");
	/* Someone the ledger has not placed yet belongs where they reported. */
	rc = db_q(db,
		  "UPDATE persons SET party_org_id = $1, updated_s = $2,"
		  " region_code = COALESCE(region_code, $4) WHERE id = $3",
		  NULL, prob, DB_I(id), DB_I(clock_now_s()), DB_I(p.id), DB_T(org.region_code));
	if (rc != RC_OK)
		return rc;
	*person_id = p.id;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "person_id", p.id);
	rc = audit_record_id(tx, actor, "party_org.report_in", "party_org", id, org.region_code, &d,
			     prob);
	audit_detail_release(&d);
	char sid[24];
	snprintf(sid, sizeof(sid), "%lld", (long long)p.id);
	return rc == RC_OK ? events_record(tx, EVENT_PERSON_CHANGED, sid, prob) : rc;
}
