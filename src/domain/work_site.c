/* Work sites: the table and the checks of their own. */
#include "domain/work_site.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/phone.h"
#include "core/text.h"
#include "core/xalloc.h"

#define REC(m) \
	.rec_off = offsetof(struct work_site, m), .rec_size = sizeof(((struct work_site *)0)->m)
#define IN(m, has)                                     \
	.in_off = offsetof(struct work_site_input, m), \
	.has_off = offsetof(struct work_site_input, has)
#define NO_INPUT .in_off = FIELD_NO_INPUT, .has_off = FIELD_NO_INPUT

/* clang-format off */
static const struct field work_site_fields[] = {
	{ .name = "id", .column = "id", .kind = FIELD_INT64, .flags = FIELD_READONLY | FIELD_SUMMARY,
	  REC(id), NO_INPUT, .doc = "编号" },
	{ .name = "name", .column = "name", .kind = FIELD_TEXT, .flags = FIELD_REQUIRED | FIELD_SUMMARY,
	  REC(name), IN(name, has_name), .max = WORK_SITE_NAME_MAX, .invalid = "名称应为 1–%d 个字",
	  .doc = "站点名称，如 顺丰金台营业部" },
	{ .name = "platform", .column = "platform", .kind = FIELD_TEXT,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(platform), IN(platform, has_platform), .max = 32,
	  .doc = "所属平台或公司编码（见 /api/v1/people/catalog）" },
	{ .name = "address", .column = "address", .kind = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_SUMMARY, REC(address), IN(address, has_address), .max = 120,
	  .invalid = "地址应为 1–%d 个字", .doc = "地址" },
	{ .name = "lat", .column = "lat", .kind = FIELD_REAL, .flags = FIELD_OPTIONAL | FIELD_SUMMARY,
	  REC(lat), IN(lat, has_lat), .min = 3, .max = 54, .invalid = "纬度应在中国境内（3–54）",
	  .doc = "纬度（WGS-84）" },
	{ .name = "lng", .column = "lng", .kind = FIELD_REAL, .flags = FIELD_OPTIONAL | FIELD_SUMMARY,
	  REC(lng), IN(lng, has_lng), .min = 73, .max = 136, .invalid = "经度应在中国境内（73–136）",
	  .doc = "经度（WGS-84）" },
	{ .name = "region_code", .column = "region_code", .kind = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_SUMMARY, REC(region_code), IN(region_code, has_region),
	  .max = 12, .doc = "所在街道（9 位）或社区（12 位）" },
	{ .name = "manager_name", .column = "manager_name", .kind = FIELD_TEXT, .flags = FIELD_OPTIONAL,
	  REC(manager_name), IN(manager_name, has_manager_name), .max = 40, .doc = "站点负责人" },
	{ .name = "manager_phone", .column = "manager_phone", .kind = FIELD_TEXT,
	  .flags = FIELD_OPTIONAL, REC(manager_phone), IN(manager_phone, has_manager_phone), .min = 5,
	  .max = 20, .invalid = "电话只能包含数字、空格、+ 和 -（5–20 位）", .doc = "负责人电话" },
	{ .name = "created_at", .column = "created_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(created_s), NO_INPUT, .doc = "登记时间" },
	{ .name = "updated_at", .column = "updated_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(updated_s), NO_INPUT, .doc = "最后修改时间" },
};
/* clang-format on */

const struct noun work_site_noun = {
	.name = "work_site",
	.table = "work_sites",
	.fields = work_site_fields,
	.nfields = sizeof(work_site_fields) / sizeof(work_site_fields[0]),
};

static enum rc validate(struct db *db, const void *input, bool create, const char *region,
			struct problem *prob)
{
	const struct work_site_input *in = input;
	(void)create;
	(void)region;
	if (in->has_manager_phone && in->manager_phone && *in->manager_phone &&
	    strspn(in->manager_phone, "0123456789 +-") != strlen(in->manager_phone))
		problem_field(prob, "manager_phone", "电话只能包含数字、空格、+ 和 -（5–20 位）");
	if (in->has_lat != in->has_lng)
		problem_field(prob, in->has_lat ? "lng" : "lat", "经纬度要一起给出");
	if (!in->has_platform || !in->platform || !*in->platform)
		return RC_OK;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT 1 FROM platforms WHERE code = $1", &rows, prob,
			  DB_T(in->platform));
	if (rc == RC_OK && db_rows_count(rows) == 0)
		problem_field(prob, "platform", "没有这个平台或单位：%s", in->platform);
	db_rows_free(rows);
	return rc;
}

const struct registry_noun work_site_registry = {
	.noun = &work_site_noun,
	.read = ACT_PERSON_READ,
	.edit = ACT_PERSON_EDIT,
	.event = "work_site.changed",
	.rec_size = sizeof(struct work_site),
	.in_size = sizeof(struct work_site_input),
	.region_rec_off = offsetof(struct work_site, region_code),
	.region_in_off = offsetof(struct work_site_input, region_code),
	.region_has_off = offsetof(struct work_site_input, has_region),
	.min_region_digits = 9,
	.validate = validate,
};

enum rc work_site_workers(struct db *db, const struct work_site *sites, size_t n,
			  struct work_site_workers *out, struct problem *prob)
{
	memset(out, 0, n * sizeof(*out));
	if (!n)
		return RC_OK;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT work_site_id, COUNT(*),"
			  " SUM(CASE WHEN account_id IS NOT NULL THEN 1 ELSE 0 END),"
			  " SUM(CASE WHEN last_checkin_s >= $3 THEN 1 ELSE 0 END)"
			  " FROM persons WHERE work_site_id >= $1 AND work_site_id <= $2"
			  " GROUP BY work_site_id ORDER BY work_site_id",
			  &rows, prob, DB_I(sites[0].id), DB_I(sites[n - 1].id),
			  DB_I(clock_now_s() - 30 * 86400));
	if (rc != RC_OK)
		return rc;
	size_t k = 0;
	for (size_t i = 0; i < db_rows_count(rows); i++) {
		int64_t id = db_rows_int(rows, i, 0);
		while (k < n && sites[k].id < id)
			k++;
		if (k < n && sites[k].id == id) {
			out[k].total = db_rows_int(rows, i, 1);
			out[k].registered = db_rows_int(rows, i, 2);
			out[k].checked_in_30d = db_rows_int(rows, i, 3);
		}
	}
	db_rows_free(rows);
	return RC_OK;
}

enum rc work_site_choices(struct db *db, const char *region, const char *platform, const char *q,
			  size_t limit, struct work_site_choice **out, size_t *n,
			  struct problem *prob)
{
	*out = NULL;
	*n = 0;
	char *in_region = db_like_pattern(region ? region : "", false);
	char *matching = db_like_pattern(q ? q : "", true);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT id, name, platform, address, region_code FROM work_sites"
			  " WHERE region_code LIKE $1 ESCAPE '\\'"
			  " AND ($2 = '' OR platform = $2)"
			  " AND (name LIKE $3 ESCAPE '\\' OR address LIKE $3 ESCAPE '\\')"
			  " ORDER BY name, id LIMIT $4",
			  &rows, prob, DB_T(in_region), DB_T(platform ? platform : ""),
			  DB_T(matching), DB_I((int64_t)limit));
	free(in_region);
	free(matching);
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	*out = xcalloc(count ? count : 1, sizeof(**out));
	for (size_t i = 0; i < count; i++) {
		struct work_site_choice *c = &(*out)[i];
		c->id = db_rows_int(rows, i, 0);
		text_copy(c->name, sizeof(c->name), db_rows_text(rows, i, 1));
		text_copy(c->platform, sizeof(c->platform),
			  db_rows_null(rows, i, 2) ? "" : db_rows_text(rows, i, 2));
		text_copy(c->address, sizeof(c->address), db_rows_text(rows, i, 3));
		text_copy(c->region_code, sizeof(c->region_code), db_rows_text(rows, i, 4));
	}
	*n = count;
	db_rows_free(rows);
	return RC_OK;
}
