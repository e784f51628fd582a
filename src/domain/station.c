/* Stations. Validation reports every bad field at once, in words a station
 * manager understands; permission is judged against the station's region and
 * hub, so staff of one street cannot touch another street's stations. */
#include "domain/station.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "domain/icon.h"
#include "domain/events.h"
#include "domain/field.h"
#include "domain/permission.h"
#include "domain/scope.h"
#include "domain/secret.h"
#include "geo/coord.h"
#include "geo/distance.h"

/* station_each reads this many stations at a time. A struct station holds
 * every field a form can edit (about 7.7 KB), so a page of 256 is 2 MB:
 * big enough that the per-page queries cost little, small enough that the
 * memory it frees after the snapshot is built is not worth keeping. */
#define PAGE_ROWS 256

const struct field_choice station_levels[] = {
	{ "street", "街道驿站", "Street station" },
	{ "community", "社区驿站", "Community station" },
	{ "compound", "小区驿站", "Compound station" },
	{ "corner", "爱心角", "Care corner" },
	{ "merchant", "联盟商家", "Partner shop" },
	{ NULL, NULL, NULL },
};

const struct field_choice station_themes[] = {
	{ "general", "红色驿站", "Red station" },
	{ "love", "爱心驿站", "Care" },
	{ "talent", "人才驿站", "Talent" },
	{ "reading", "悦读驿站", "Reading" },
	{ "finance", "金融驿站", "Finance" },
	{ "entrepreneurship", "创业驿站", "Entrepreneurship" },
	{ "integrity", "清风驿站", "Integrity" },
	{ "ecommerce", "电商驿站", "E-commerce" },
	{ "mediation", "调解驿站", "Mediation" },
	{ "worker", "小哥驿站", "Riders' station" },
	{ NULL, NULL, NULL },
};

int station_kind_find(const struct field_choice *table, const char *code)
{
	for (int i = 0; code && table[i].code; i++)
		if (!strcmp(table[i].code, code))
			return i;
	return -1;
}

/* Amenity catalog */

enum rc amenity_catalog(struct db *db, struct amenity **items, size_t *n, struct problem *prob)
{
	struct db_rows *rows = NULL;
	*items = NULL;
	*n = 0;
	enum rc rc = db_exec(db,
			     "SELECT code, bit, name_zh, name_en, icon, sort FROM amenities"
			     " ORDER BY sort, code",
			     NULL, 0, &rows, prob);
	if (rc != RC_OK)
		return rc;
	*n = db_rows_count(rows);
	*items = xcalloc(*n ? *n : 1, sizeof(**items));
	for (size_t i = 0; i < *n; i++) {
		struct amenity *a = &(*items)[i];
		text_copy(a->code, sizeof(a->code), db_rows_text(rows, i, 0));
		a->bit = (int)db_rows_int(rows, i, 1);
		text_copy(a->name_zh, sizeof(a->name_zh), db_rows_text(rows, i, 2));
		text_copy(a->name_en, sizeof(a->name_en), db_rows_text(rows, i, 3));
		text_copy(a->icon, sizeof(a->icon), db_rows_text(rows, i, 4));
		a->sort = (int)db_rows_int(rows, i, 5);
	}
	db_rows_free(rows);
	return RC_OK;
}

static bool code_acceptable(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= 24)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

enum rc amenity_upsert(struct db_tx *tx, const struct actor *actor, const struct amenity *in,
		       struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	/* The catalog is the whole city's: a district's admin does not change
	 * what every other district shows. */
	if (!permission_allows_citywide(actor->p, ACT_CATALOG_EDIT))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有市级（或更高）管理员可以修改设施目录");
	if (!code_acceptable(in->code))
		problem_field(prob, "code", "编码应为 1–23 个小写字母、数字或下划线");
	if (!in->name_zh[0] || text_chars(in->name_zh) > 10)
		problem_field(prob, "name_zh", "中文名称应为 1–10 个字");
	if (!in->name_en[0])
		problem_field(prob, "name_en", "请填写英文名称");
	if (!icon_known(in->icon))
		problem_field(prob, "icon", "图标应为网页图标库里的名称，如 microwave、droplet");
	if (problem_has_fields(prob))
		return prob->rc;
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, "SELECT code, bit FROM amenities", NULL, 0, &rows, prob);
	if (rc != RC_OK)
		return rc;
	uint64_t used = 0;
	bool exists = false;
	for (size_t i = 0; i < db_rows_count(rows); i++) {
		used |= 1ull << db_rows_int(rows, i, 1);
		if (!strcmp(db_rows_text(rows, i, 0), in->code))
			exists = true;
	}
	db_rows_free(rows);
	if (exists) {
		rc = db_q(db,
			  "UPDATE amenities SET name_zh = $1, name_en = $2, icon = $3, sort = $4"
			  " WHERE code = $5",
			  NULL, prob, DB_T(in->name_zh), DB_T(in->name_en), DB_T(in->icon),
			  DB_I(in->sort), DB_T(in->code));
	} else {
		int bit = 0;
		while (bit < 64 && (used & (1ull << bit)))
			bit++;
		if (bit == 64)
			return problem_set(prob, RC_CONFLICT, "catalog-full",
					   "设施目录已满（最多 64 项）");
		rc = db_q(
			db,
			"INSERT INTO amenities (code, bit, name_zh, name_en, icon, sort, created_s)"
			" VALUES ($1, $2, $3, $4, $5, $6, $7)",
			NULL, prob, DB_T(in->code), DB_I(bit), DB_T(in->name_zh), DB_T(in->name_en),
			DB_T(in->icon), DB_I(in->sort), DB_I(clock_now_s()));
	}
	if (rc != RC_OK)
		return rc;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_str(&d, "name_zh", in->name_zh);
	rc = audit_record(tx, actor, exists ? "amenity.update" : "amenity.create", "amenity",
			  in->code, NULL, &d, prob);
	audit_detail_release(&d);
	/* The catalog is part of every station's snapshot: re-read it all. */
	return rc == RC_OK ? events_record(tx, EVENT_STATION_CHANGED, "*", prob) : rc;
}

/* The station's fields: what each is called, where it is stored, its
 * limits, who sees and who may change it (field.h). A manager keeps the
 * day-to-day fields, staff and admins decide what the station is, and stars
 * come from evaluation (admins until it exists). */
#define REC(m) .rec_off = offsetof(struct station, m), .rec_size = sizeof(((struct station *)0)->m)
#define IN(m, has) \
	.in_off = offsetof(struct station_input, m), .has_off = offsetof(struct station_input, has)
#define NO_INPUT .in_off = FIELD_NO_INPUT, .has_off = FIELD_NO_INPUT
#define PROFILE	 .edit = ACT_STATION_PROFILE, .denied = "只有街道、社区工作人员或管理员可以修改"
#define DAILY	 .edit = ACT_STATION_EDIT

/* clang-format off */
static const struct field station_fields[] = {
	{ .name = "id", .column = "id", .kind = FIELD_INT64,
	  .flags = FIELD_READONLY | FIELD_SUMMARY, REC(id), NO_INPUT, .doc = "编号" },
	{ .name = "name", .column = "name", .kind = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_SUMMARY, REC(name), IN(name, has_name),
	  .max = STATION_NAME_MAX, PROFILE, .invalid = "名称应为 1–%d 个字", .doc = "名称" },
	{ .name = "level", .column = "level", .kind = FIELD_CODE,
	  .flags = FIELD_REQUIRED | FIELD_SUMMARY, REC(level), IN(level, has_level),
	  .choices = station_levels, PROFILE,
	  .invalid = "级别应为 street, community, compound, corner, merchant 之一", .doc = "级别" },
	{ .name = "theme", .column = "theme", .kind = FIELD_CODE, .flags = FIELD_SUMMARY,
	  REC(theme), IN(theme, has_theme), .choices = station_themes, .def = "general", PROFILE,
	  .invalid = "主题不在目录中（如 general, love, talent, reading …）", .doc = "主题；新建时默认 general" },
	{ .name = "parent_id", .column = "parent_id", .kind = FIELD_INT64,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(parent_id), IN(parent_id, has_parent),
	  PROFILE, .doc = "总站编号；null 或 0 表示没有总站" },
	{ .name = "region_code", .column = "region_code", .kind = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_SUMMARY, REC(region_code), IN(region_code, has_region),
	  .max = 12, PROFILE, .invalid = "所属区域应为街道（9 位）或社区（12 位）代码", .doc = "所属街道（9 位）或社区（12 位）代码" },
	{ .name = "address", .column = "address", .kind = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_SUMMARY, REC(address), IN(address, has_address),
	  .max = STATION_ADDRESS_MAX, PROFILE, .invalid = "地址应为 1–%d 个字", .doc = "地址" },
	{ .name = "location", .kind = FIELD_CUSTOM, .flags = FIELD_REQUIRED | FIELD_SUMMARY,
	  .has_off = offsetof(struct station_input, has_location), PROFILE,
	  .schema_ref = "Location", .doc = "位置（按 crs 参数的坐标系）" },
	{ .name = "lat", .column = "lat", .kind = FIELD_REAL, .flags = FIELD_READONLY,
	  .vis = FIELD_HIDDEN, REC(lat), NO_INPUT },
	{ .name = "lng", .column = "lng", .kind = FIELD_REAL, .flags = FIELD_READONLY,
	  .vis = FIELD_HIDDEN, REC(lng), NO_INPUT },
	{ .name = "amenities", .kind = FIELD_CUSTOM, .flags = FIELD_SUMMARY,
	  .has_off = offsetof(struct station_input, has_amenities), DAILY,
	  .schema_ref = "AmenityCodes", .doc = "设施编码（见 /api/v1/amenities）" },
	{ .name = "phone", .column = "phone", .kind = FIELD_TEXT,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(phone), IN(phone, has_phone), .min = 5,
	  .max = 20, DAILY, .invalid = "电话只能包含数字、空格、+ 和 -（5–20 位）", .doc = "驿站电话；空或 null 表示没有" },
	{ .name = "stars", .column = "stars", .kind = FIELD_INT, .flags = FIELD_SUMMARY, REC(stars),
	  IN(stars, has_stars), .max = STATION_STARS_MAX, .edit = ACT_STATION_RATE,
	  .denied = "星级来自考核评定，只有管理员可以修改", .invalid = "星级应为 0–%d", .doc = "星级（考核评定）" },
	{ .name = "description", .column = "description", .kind = FIELD_TEXT,
	  .flags = FIELD_OPTIONAL | FIELD_MULTILINE, REC(description),
	  IN(description, has_description), .max = STATION_DESCRIPTION_MAX, DAILY,
	  .invalid = "简介最多 %d 字", .doc = "简介" },
	{ .name = "hours", .kind = FIELD_CUSTOM,
	  .has_off = offsetof(struct station_input, has_hours), DAILY, .schema_ref = "Hours",
	  .doc = "开放时间" },
	{ .name = "rooms", .kind = FIELD_CUSTOM,
	  .has_off = offsetof(struct station_input, has_rooms), DAILY, .schema_ref = "RoomList",
	  .doc = "房间" },
	{ .name = "closed", .column = "closed", .kind = FIELD_BOOL, .flags = FIELD_READONLY,
	  .vis = FIELD_HIDDEN, REC(hours.closed), NO_INPUT },
	{ .name = "closed_reason", .column = "closed_reason", .kind = FIELD_TEXT,
	  .flags = FIELD_READONLY, .vis = FIELD_HIDDEN, REC(closed_reason), NO_INPUT },
	{ .name = "closed_until_s", .column = "closed_until_s", .kind = FIELD_TIME,
	  .flags = FIELD_READONLY, .vis = FIELD_HIDDEN, REC(hours.closed_until_s), NO_INPUT },
	{ .name = "qr_token", .column = "qr_token", .kind = FIELD_TEXT, .flags = FIELD_READONLY,
	  .vis = FIELD_HIDDEN, REC(qr_token), NO_INPUT },
	{ .name = "version", .column = "version", .kind = FIELD_INT64, .flags = FIELD_READONLY,
	  REC(version), NO_INPUT, .doc = "版本号，每次修改加一" },
	{ .name = "created_at", .column = "created_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(created_s), NO_INPUT, .doc = "登记时间" },
	{ .name = "updated_at", .column = "updated_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(updated_s), NO_INPUT, .doc = "最后修改时间" },
};
/* clang-format on */

#undef REC
#undef IN
#undef NO_INPUT
#undef PROFILE
#undef DAILY

const struct noun station_noun = {
	.name = "station",
	.table = "stations",
	.fields = station_fields,
	.nfields = sizeof(station_fields) / sizeof(station_fields[0]),
};

/* Reading */

static void row_to_station(const struct db_rows *r, size_t i, struct station *s)
{
	memset(s, 0, sizeof(*s));
	field_from_row(&station_noun, r, i, 0, s);
}

/* Finds station id in stations[0..n) (sorted by id). */
static struct station *find(struct station *stations, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (stations[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && stations[lo].id == id ? &stations[lo] : NULL;
}

/* Loads the hours and exceptions of the stations with ids in [lo, hi]
 * into stations[0..n). */
static enum rc load_hours(struct db *db, struct station *st, size_t n, int64_t lo, int64_t hi,
			  struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc;
	rc = db_q(db,
		  "SELECT station_id, day, open_min, close_min FROM station_hours"
		  " WHERE station_id >= $1 AND station_id <= $2 ORDER BY station_id, day, open_min",
		  &rows, prob, DB_I(lo), DB_I(hi));
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; i < db_rows_count(rows); i++) {
		struct station *s = find(st, n, db_rows_int(rows, i, 0));
		if (!s || s->hours.nranges >= HOURS_RANGES_MAX)
			continue;
		struct hours_range *r = &s->hours.ranges[s->hours.nranges++];
		r->day = (uint8_t)db_rows_int(rows, i, 1);
		r->open_min = (uint16_t)db_rows_int(rows, i, 2);
		r->close_min = (uint16_t)db_rows_int(rows, i, 3);
	}
	db_rows_free(rows);
	rc = db_q(
		db,
		"SELECT station_id, day, closed, open_min, close_min, note FROM station_exceptions"
		" WHERE station_id >= $1 AND station_id <= $2 ORDER BY station_id, day",
		&rows, prob, DB_I(lo), DB_I(hi));
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; i < db_rows_count(rows); i++) {
		struct station *s = find(st, n, db_rows_int(rows, i, 0));
		int32_t day;
		if (!s || s->hours.nexceptions >= HOURS_EXCEPTIONS_MAX ||
		    !hours_parse_date(db_rows_text(rows, i, 1), &day))
			continue;
		size_t k = s->hours.nexceptions++;
		struct hours_exception *e = &s->hours.exceptions[k];
		e->day_num = day;
		e->closed = db_rows_int(rows, i, 2) != 0;
		e->open_min = (uint16_t)db_rows_int(rows, i, 3);
		e->close_min = (uint16_t)db_rows_int(rows, i, 4);
		text_copy(s->exception_notes[k], sizeof(s->exception_notes[k]),
			  db_rows_text(rows, i, 5));
	}
	db_rows_free(rows);
	return RC_OK;
}

/* Loads amenities, hours, exceptions and rooms of the stations with ids in
 * [lo, hi] into stations[0..n). */
static enum rc load_details(struct db *db, struct station *st, size_t n, int64_t lo, int64_t hi,
			    struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT sa.station_id, a.bit FROM station_amenities sa"
			  " JOIN amenities a ON a.code = sa.amenity"
			  " WHERE sa.station_id >= $1 AND sa.station_id <= $2",
			  &rows, prob, DB_I(lo), DB_I(hi));
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; i < db_rows_count(rows); i++) {
		struct station *s = find(st, n, db_rows_int(rows, i, 0));
		if (s)
			s->amenities |= 1ull << db_rows_int(rows, i, 1);
	}
	db_rows_free(rows);
	rc = load_hours(db, st, n, lo, hi, prob);
	if (rc != RC_OK)
		return rc;
	rc = db_q(db,
		  "SELECT station_id, id, name, capacity FROM station_rooms"
		  " WHERE station_id >= $1 AND station_id <= $2 ORDER BY station_id, id",
		  &rows, prob, DB_I(lo), DB_I(hi));
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; i < db_rows_count(rows); i++) {
		struct station *s = find(st, n, db_rows_int(rows, i, 0));
		if (!s || s->nrooms >= STATION_ROOMS_MAX)
			continue;
		struct station_room *room = &s->rooms[s->nrooms++];
		room->id = db_rows_int(rows, i, 1);
		text_copy(room->name, sizeof(room->name), db_rows_text(rows, i, 2));
		room->capacity = (int)db_rows_int(rows, i, 3);
	}
	db_rows_free(rows);
	return RC_OK;
}

enum rc station_get(struct db *db, int64_t id, struct station *out, struct problem *prob)
{
	struct db_rows *rows = NULL;
	const char *sql = field_select(&station_noun, "WHERE id = $1");
	enum rc rc = db_q(db, sql, &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) == 0) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "驿站不存在 (no such station)");
	}
	row_to_station(rows, 0, out);
	db_rows_free(rows);
	return load_details(db, out, 1, id, id, prob);
}

enum rc station_each(struct db *db, void (*fn)(const struct station *s, void *ctx), void *ctx,
		     struct problem *prob)
{
	/* Page by id so memory stays bounded however many stations there are. */
	struct station *page = xcalloc(PAGE_ROWS, sizeof(*page));
	const char *sql = field_select(&station_noun, "WHERE id > $1 ORDER BY id LIMIT $2");
	int64_t after = 0;
	enum rc rc = RC_OK;
	for (;;) {
		struct db_rows *rows = NULL;
		rc = db_q(db, sql, &rows, prob, DB_I(after), DB_I(PAGE_ROWS));
		if (rc != RC_OK)
			break;
		size_t n = db_rows_count(rows);
		for (size_t i = 0; i < n; i++)
			row_to_station(rows, i, &page[i]);
		db_rows_free(rows);
		if (n == 0)
			break;
		rc = load_details(db, page, n, page[0].id, page[n - 1].id, prob);
		if (rc != RC_OK)
			break;
		for (size_t i = 0; i < n; i++)
			fn(&page[i], ctx);
		after = page[n - 1].id;
		if (n < PAGE_ROWS)
			break;
	}
	free(page);
	return rc;
}

/* Writing */

static struct scope_target target_of(const struct station *s)
{
	struct scope_target t = { .region = s->region_code,
				  .station_id = s->id,
				  .hub_id = s->parent_id };
	return t;
}

bool station_may_edit(const struct actor *actor, const struct station *s)
{
	struct scope_target t = target_of(s);
	return permission_allows(actor->p, ACT_STATION_EDIT, &t);
}

enum rc station_validate(struct db *db, const struct station_input *in, bool create,
			 struct problem *prob)
{
	/* The table checks the plain fields; the rest is the station's own. */
	field_check(&station_noun, in, create, prob);
	if (in->has_location || create) {
		struct geo_point p = { in->lat, in->lng };
		if (!in->has_location)
			problem_field(prob, "location", "请填写位置（纬度、经度）");
		else if (!geo_point_valid(p) || !geo_in_china(p))
			problem_field(prob, "location", "位置应在中国境内（WGS-84 纬度、经度）");
	}
	if (in->has_phone && in->phone && *in->phone) {
		bool ok = true;
		for (const char *c = in->phone; ok && *c; c++)
			ok = (*c >= '0' && *c <= '9') || *c == '-' || *c == '+' || *c == ' ';
		if (!ok)
			problem_field(prob, "phone", "电话只能包含数字、空格、+ 和 -（5–20 位）");
	}
	if (in->has_hours) {
		for (size_t i = 0; i < in->hours.nranges; i++) {
			const struct hours_range *r = &in->hours.ranges[i];
			if (r->day < 1 || r->day > 7 || r->open_min >= 1440 || r->close_min == 0 ||
			    r->close_min > 1440) {
				problem_field(prob, "hours.weekly",
					      "营业时间有误：星期应为 1–7，时间 00:00–24:00");
				break;
			}
		}
	}
	if (in->has_rooms) {
		for (size_t i = 0; i < in->nrooms; i++) {
			if (!in->rooms[i].name[0] || in->rooms[i].capacity < 0 ||
			    in->rooms[i].capacity > STATION_ROOM_CAPACITY_MAX) {
				problem_field(prob, "rooms", "房间需要名称，容纳人数 0–%d",
					      STATION_ROOM_CAPACITY_MAX);
				break;
			}
		}
	}
	if (in->has_region || create) {
		char norm[SCOPE_MAX];
		if (!scope_normalize(in->region_code, norm) || strlen(norm) < 9 ||
		    !strcmp(norm, "*") || !strncmp(norm, "station:", 8)) {
			problem_field(prob, "region_code",
				      "所属区域应为街道（9 位）或社区（12 位）代码");
		} else {
			struct db_rows *rows = NULL;
			/* The region must be one we know, once regions are imported
			 * (whether any are is one row's question, not a count of all). */
			enum rc rc = db_q(
				db,
				"SELECT (SELECT COUNT(*) FROM regions WHERE code = $1),"
				" (SELECT COUNT(*) FROM (SELECT 1 FROM regions LIMIT 1) AS any_region)",
				&rows, prob, DB_T(norm));
			if (rc != RC_OK)
				return rc;
			if (db_rows_int(rows, 0, 0) == 0 && db_rows_int(rows, 0, 1) > 0)
				problem_field(prob, "region_code", "没有这个街道或社区代码：%s",
					      norm);
			db_rows_free(rows);
		}
	}
	if (in->has_amenities) {
		for (size_t i = 0; i < in->namenities; i++) {
			struct db_rows *rows = NULL;
			enum rc rc = db_q(db, "SELECT 1 FROM amenities WHERE code = $1", &rows,
					  prob, DB_T(in->amenities[i]));
			if (rc != RC_OK)
				return rc;
			if (db_rows_count(rows) == 0)
				problem_field(prob, "amenities", "设施目录中没有 \"%s\"",
					      in->amenities[i]);
			db_rows_free(rows);
		}
	}
	return problem_has_fields(prob) ? prob->rc : RC_OK;
}

/* How far a station may lie from the known points of its region: from the
 * nearest community point of its street, or, when the street has none yet,
 * of its district (a county's villages lie far from its towns). */
#define STATION_NEAR_STREET_M	5000.0
#define STATION_NEAR_DISTRICT_M 30000.0

/* Field error on "location" if (lat, lng) lies far from region's known
 * points; nothing when none are known (regions not located yet). */
static enum rc check_location_in_region(struct db *db, const char *region, double lat, double lng,
					struct problem *prob)
{
	struct geo_point at = { lat, lng };
	static const struct {
		size_t digits;
		double max_m;
	} levels[] = { { 9, STATION_NEAR_STREET_M }, { 6, STATION_NEAR_DISTRICT_M } };
	for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
		if (strlen(region) < levels[l].digits)
			continue;
		/* The codes under a prefix of digits are those from the prefix up to
		 * the next prefix (610303008 … 610303009): a range the primary key
		 * answers, where LIKE, being case-insensitive, read every region —
		 * tens of thousands a create once several cities are imported. No
		 * region code starts with nines only, so the increment never wraps. */
		size_t n_digits = levels[l].digits;
		char prefix[SCOPE_MAX], next[SCOPE_MAX];
		memcpy(prefix, region, n_digits);
		prefix[n_digits] = '\0';
		memcpy(next, prefix, n_digits + 1);
		for (size_t i = n_digits; i-- > 0;) {
			if (next[i] < '9') {
				next[i]++;
				break;
			}
			next[i] = '0';
		}
		struct db_rows *rows = NULL;
		enum rc rc = db_q(db,
				  "SELECT lat, lng FROM regions WHERE code >= $1 AND code < $2"
				  " AND lat IS NOT NULL AND lng IS NOT NULL",
				  &rows, prob, DB_T(prefix), DB_T(next));
		if (rc != RC_OK)
			return rc;
		size_t n = db_rows_count(rows);
		double best = -1;
		for (size_t i = 0; i < n; i++) {
			struct geo_point p = { db_rows_real(rows, i, 0), db_rows_real(rows, i, 1) };
			double d = geo_distance_m(at, p);
			if (best < 0 || d < best)
				best = d;
		}
		db_rows_free(rows);
		if (n == 0)
			continue;
		/* Whole sentences per level, so each has its English. */
		if (best > levels[l].max_m)
			problem_field(
				prob, "location",
				levels[l].digits == 9
					? "位置离所属街道已知的社区太远（最近 %.1f 公里，应在 %.0f 公里以内）"
					: "位置离所属区县已知的社区太远（最近 %.1f 公里，应在 %.0f 公里以内）",
				best / 1000.0, levels[l].max_m / 1000.0);
		return problem_has_fields(prob) ? prob->rc : RC_OK;
	}
	return RC_OK;
}

static enum rc check_parent(struct db *db, int64_t self_id, int64_t parent_id, struct problem *prob)
{
	if (!parent_id)
		return RC_OK;
	if (parent_id == self_id) {
		problem_field(prob, "parent_id", "驿站不能以自己为总站");
		return prob->rc;
	}
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT parent_id FROM stations WHERE id = $1", &rows, prob,
			  DB_I(parent_id));
	if (rc != RC_OK)
		return rc;
	bool found = db_rows_count(rows) == 1, is_branch = found && !db_rows_null(rows, 0, 0);
	db_rows_free(rows);
	/* "1+N": one level of hub and branches, so a branch cannot be a hub. */
	if (!found)
		problem_field(prob, "parent_id", "总站 %lld 不存在", (long long)parent_id);
	else if (is_branch)
		problem_field(prob, "parent_id", "总站本身不能是分站（只支持“1+N”一层）");
	return problem_has_fields(prob) ? prob->rc : RC_OK;
}

static enum rc write_children(struct db *db, int64_t id, const struct station_input *in,
			      struct problem *prob)
{
	enum rc rc = RC_OK;
	if (in->has_amenities) {
		rc = db_q(db, "DELETE FROM station_amenities WHERE station_id = $1", NULL, prob,
			  DB_I(id));
		for (size_t i = 0; rc == RC_OK && i < in->namenities; i++)
			rc = db_q(
				db,
				"INSERT INTO station_amenities (station_id, amenity) VALUES ($1, $2)"
				" ON CONFLICT DO NOTHING",
				NULL, prob, DB_I(id), DB_T(in->amenities[i]));
	}
	if (rc == RC_OK && in->has_hours) {
		rc = db_q(db, "DELETE FROM station_hours WHERE station_id = $1", NULL, prob,
			  DB_I(id));
		for (size_t i = 0; rc == RC_OK && i < in->hours.nranges; i++) {
			const struct hours_range *r = &in->hours.ranges[i];
			rc = db_q(db,
				  "INSERT INTO station_hours (station_id, day, open_min, close_min)"
				  " VALUES ($1, $2, $3, $4)",
				  NULL, prob, DB_I(id), DB_I(r->day), DB_I(r->open_min),
				  DB_I(r->close_min));
		}
		if (rc == RC_OK)
			rc = db_q(db, "DELETE FROM station_exceptions WHERE station_id = $1", NULL,
				  prob, DB_I(id));
		for (size_t i = 0; rc == RC_OK && i < in->hours.nexceptions; i++) {
			const struct hours_exception *e = &in->hours.exceptions[i];
			char day[11];
			hours_format_date(e->day_num, day);
			rc = db_q(
				db,
				"INSERT INTO station_exceptions (station_id, day, closed, open_min,"
				" close_min, note) VALUES ($1, $2, $3, $4, $5, $6)"
				" ON CONFLICT (station_id, day) DO NOTHING",
				NULL, prob, DB_I(id), DB_T(day), DB_I(e->closed),
				DB_IOPT(!e->closed, e->open_min), DB_IOPT(!e->closed, e->close_min),
				DB_T(in->exception_notes[i][0] ? in->exception_notes[i] : NULL));
		}
	}
	if (rc == RC_OK && in->has_rooms) {
		/* Rooms keep their ids when their names stay (bookings will refer
		 * to them): delete the ones gone, add the new ones. */
		struct db_rows *rows = NULL;
		rc = db_q(db, "SELECT id, name FROM station_rooms WHERE station_id = $1", &rows,
			  prob, DB_I(id));
		for (size_t i = 0; rc == RC_OK && i < db_rows_count(rows); i++) {
			bool keep = false;
			for (size_t k = 0; k < in->nrooms; k++)
				keep |= !strcmp(in->rooms[k].name, db_rows_text(rows, i, 1));
			if (keep)
				continue;
			/* A room with bookings still to come is not removed under
			 * its bookers: they are declined or cancelled first. */
			struct db_rows *held = NULL;
			rc = db_q(
				db,
				"SELECT COUNT(*) FROM room_bookings WHERE room_id = $1 AND ends_s > $2"
				" AND state IN ('pending', 'approved', 'checked_in')",
				&held, prob, DB_I(db_rows_int(rows, i, 0)), DB_I(clock_now_s()));
			int64_t n = rc == RC_OK ? db_rows_int(held, 0, 0) : 0;
			db_rows_free(held);
			if (rc == RC_OK && n > 0) {
				problem_field(
					prob, "rooms",
					"房间“%s”还有 %lld 个未结束的预约，不能删除：请先处理这些预约",
					db_rows_text(rows, i, 1), (long long)n);
				problem_field_en(
					prob,
					"The room %s still has %lld bookings to come and cannot be"
					" removed: decline or cancel them first",
					db_rows_text(rows, i, 1), (long long)n);
				rc = RC_INVALID;
			}
			if (rc == RC_OK)
				rc = db_q(db, "DELETE FROM station_rooms WHERE id = $1", NULL, prob,
					  DB_I(db_rows_int(rows, i, 0)));
		}
		for (size_t k = 0; rc == RC_OK && k < in->nrooms; k++) {
			bool exists = false;
			for (size_t i = 0; i < db_rows_count(rows); i++)
				exists |= !strcmp(in->rooms[k].name, db_rows_text(rows, i, 1));
			if (exists)
				rc = db_q(
					db,
					"UPDATE station_rooms SET capacity = $1 WHERE station_id = $2"
					" AND name = $3",
					NULL, prob, DB_I(in->rooms[k].capacity), DB_I(id),
					DB_T(in->rooms[k].name));
			else
				rc = db_q(db,
					  "INSERT INTO station_rooms (station_id, name, capacity)"
					  " VALUES ($1, $2, $3)",
					  NULL, prob, DB_I(id), DB_T(in->rooms[k].name),
					  DB_I(in->rooms[k].capacity));
		}
		db_rows_free(rows);
	}
	return rc;
}

enum rc station_by_qr(struct db *db, const char *token, int64_t *id, struct problem *prob)
{
	struct db_rows *rows = NULL;
	*id = 0;
	if (!token || !*token || strlen(token) >= STATION_QR_TOKEN_CAP)
		return problem_set(prob, RC_NOT_FOUND, "not-found",
				   "二维码无效或已更换，请扫描驿站现在张贴的二维码");
	enum rc rc = db_q(db, "SELECT id FROM stations WHERE qr_token = $1", &rows, prob,
			  DB_T(token));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) == 1)
		*id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	if (!*id)
		return problem_set(prob, RC_NOT_FOUND, "not-found",
				   "二维码无效或已更换，请扫描驿站现在张贴的二维码");
	return RC_OK;
}

enum rc station_by_qr_hours(struct db *db, const char *token, struct station *out,
			    struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	if (!token || !*token || strlen(token) >= STATION_QR_TOKEN_CAP)
		return problem_set(prob, RC_NOT_FOUND, "not-found",
				   "二维码无效或已更换，请扫描驿站现在张贴的二维码");
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT id, name, region_code, closed, closed_until_s FROM stations"
			  " WHERE qr_token = $1",
			  &rows, prob, DB_T(token));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) != 1) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found",
				   "二维码无效或已更换，请扫描驿站现在张贴的二维码");
	}
	out->id = db_rows_int(rows, 0, 0);
	text_copy(out->name, sizeof(out->name), db_rows_text(rows, 0, 1));
	text_copy(out->region_code, sizeof(out->region_code), db_rows_text(rows, 0, 2));
	out->hours.closed = db_rows_int(rows, 0, 3) != 0;
	out->hours.closed_until_s = db_rows_int(rows, 0, 4);
	db_rows_free(rows);
	return load_hours(db, out, 1, out->id, out->id, prob);
}

enum rc station_region_of(struct db *db, int64_t id, char out[SCOPE_MAX], struct problem *prob)
{
	struct db_rows *rows = NULL;
	out[0] = '\0';
	enum rc rc = db_q(db, "SELECT region_code FROM stations WHERE id = $1", &rows, prob,
			  DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) == 1)
		text_copy(out, SCOPE_MAX, db_rows_text(rows, 0, 0));
	db_rows_free(rows);
	return RC_OK;
}

/* Every station write ends here, in its transaction: the audit row and the
 * station.changed event (events.h), which refreshes every server's
 * snapshot after commit. */
static enum rc station_changed(struct db_tx *tx, const struct actor *actor, const char *action,
			       int64_t id, struct audit_detail *d, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	char region[SCOPE_MAX];
	enum rc rc = station_region_of(db, id, region, prob);
	if (rc != RC_OK)
		return rc;
	rc = audit_record_id(tx, actor, action, "station", id, region, d, prob);
	if (rc != RC_OK)
		return rc;
	char object_id[24];
	snprintf(object_id, sizeof(object_id), "%lld", (long long)id);
	return events_record(tx, EVENT_STATION_CHANGED, object_id, prob);
}

/* Who may change each field is the table's .edit: asked here over the
 * station's place. */
struct field_ask {
	const struct actor *actor;
	const struct scope_target *t;
};

static bool field_ask(void *ctx, enum action a)
{
	const struct field_ask *q = ctx;
	return permission_allows(q->actor->p, a, q->t);
}

size_t station_editable(const struct actor *actor, const struct station *s, const char *out[],
			size_t cap)
{
	struct scope_target t = target_of(s);
	if (!permission_allows(actor->p, ACT_STATION_EDIT, &t))
		return 0;
	struct field_ask q = { actor, &t };
	return field_editable(&station_noun, field_ask, &q, out, cap);
}

/* RC_FORBIDDEN naming every field of in the actor may not set at t. */
static enum rc fields_allowed(const struct actor *actor, const struct station_input *in,
			      const struct scope_target *t, struct problem *prob)
{
	struct field_ask q = { actor, t };
	return field_allowed(&station_noun, in, field_ask, &q, prob);
}

enum rc station_create(struct db_tx *tx, const struct actor *actor, const struct station_input *in,
		       int64_t *id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	/* Validation first: without a valid region there is no scope to judge. */
	enum rc rc = station_validate(db, in, true, prob);
	if (rc != RC_OK)
		return rc;
	char norm[SCOPE_MAX] = "";
	scope_normalize(in->region_code, norm);
	rc = check_location_in_region(db, norm, in->lat, in->lng, prob);
	if (rc != RC_OK)
		return rc;
	struct scope_target t = { .region = norm, .hub_id = in->has_parent ? in->parent_id : 0 };
	if (!permission_allows(actor->p, ACT_STATION_CREATE, &t))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权在区域 %s 新建驿站", norm);
	if (in->has_stars && in->stars) {
		struct station_input only_stars = { .has_stars = true };
		rc = fields_allowed(actor, &only_stars, &t, prob);
		if (rc != RC_OK)
			return rc;
	}
	rc = check_parent(db, 0, in->has_parent ? in->parent_id : 0, prob);
	if (rc != RC_OK)
		return rc;
	char qr[STATION_QR_TOKEN_CAP];
	secret_token("", qr, sizeof(qr));
	int64_t now = clock_now_s();
	/* The table's columns, the region as normalized, and what the station
	 * itself sets. */
	struct station_input *row = xmalloc(sizeof(*row));
	*row = *in;
	row->region_code = norm;
	const struct field_extra extra[] = {
		{ "lat", DB_R(in->lat), NULL },	  { "lng", DB_R(in->lng), NULL },
		{ "qr_token", DB_T(qr), NULL },	  { "created_s", DB_I(now), NULL },
		{ "updated_s", DB_I(now), NULL },
	};
	rc = field_insert(tx, &station_noun, row, extra, sizeof(extra) / sizeof(extra[0]), id,
			  prob);
	free(row);
	if (rc != RC_OK)
		return rc;
	rc = write_children(db, *id, in, prob);
	if (rc != RC_OK)
		return rc;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_str(&d, "name", in->name);
	audit_detail_str(&d, "region_code", norm);
	rc = station_changed(tx, actor, "station.create", *id, &d, prob);
	audit_detail_release(&d);
	return rc;
}

static enum rc load_for_edit(struct db *db, const struct actor *actor, int64_t id,
			     struct station *cur, struct problem *prob)
{
	enum rc rc = station_get(db, id, cur, prob);
	if (rc != RC_OK)
		return rc;
	if (!station_may_edit(actor, cur))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "无权修改这个驿站（只能修改自己负责范围内的驿站）");
	return RC_OK;
}

enum rc station_update(struct db_tx *tx, const struct actor *actor, int64_t id,
		       const struct station_input *in, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct station *cur = xmalloc(sizeof(*cur));
	enum rc rc = load_for_edit(db, actor, id, cur, prob);
	if (rc != RC_OK)
		goto out;
	rc = station_validate(db, in, false, prob);
	if (rc != RC_OK)
		goto out;
	struct scope_target here = target_of(cur);
	rc = fields_allowed(actor, in, &here, prob);
	if (rc != RC_OK)
		goto out;
	char norm[SCOPE_MAX];
	text_copy(norm, sizeof(norm), cur->region_code);
	if (in->has_region) {
		scope_normalize(in->region_code, norm);
		/* Moving a station needs the right over its new region too, held
		 * there as a region (a grant on the station itself moves with it). */
		struct scope_target there = { .region = norm };
		if (!permission_allows(actor->p, ACT_STATION_PROFILE, &there)) {
			rc = problem_set(prob, RC_FORBIDDEN, "forbidden", "无权把驿站移到区域 %s",
					 norm);
			goto out;
		}
	}
	if (in->has_region || in->has_location) {
		rc = check_location_in_region(db, norm, in->has_location ? in->lat : cur->lat,
					      in->has_location ? in->lng : cur->lng, prob);
		if (rc != RC_OK)
			goto out;
	}
	if (in->has_parent) {
		rc = check_parent(db, id, in->parent_id, prob);
		if (rc != RC_OK)
			goto out;
	}
	struct station_input *row = xmalloc(sizeof(*row));
	*row = *in;
	row->region_code = norm;
	struct field_extra extra[4] = { { "version", DB_NUL, "version + 1" },
					{ "updated_s", DB_I(clock_now_s()), NULL } };
	size_t nextra = 2;
	if (in->has_location) {
		extra[nextra++] = (struct field_extra){ "lat", DB_R(in->lat), NULL };
		extra[nextra++] = (struct field_extra){ "lng", DB_R(in->lng), NULL };
	}
	rc = field_update(tx, &station_noun, id, row, extra, nextra, prob);
	free(row);
	if (rc != RC_OK)
		goto out;
	rc = write_children(db, id, in, prob);
	if (rc != RC_OK)
		goto out;
	struct audit_detail d;
	audit_detail_init(&d);
	struct sb changed = SB_INIT;
	field_given_names(&station_noun, in, &changed);
	audit_detail_str(&d, "fields", sb_str(&changed));
	sb_release(&changed);
	rc = station_changed(tx, actor, "station.update", id, &d, prob);
	audit_detail_release(&d);
out:
	free(cur);
	return rc;
}

enum rc station_set_closed(struct db_tx *tx, const struct actor *actor, int64_t id, bool closed,
			   const char *reason, int64_t until_s, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct station *cur = xmalloc(sizeof(*cur));
	enum rc rc = load_for_edit(db, actor, id, cur, prob);
	if (rc != RC_OK)
		goto out;
	if (closed && (!reason || !*reason || text_chars(reason) > 80))
		problem_field(prob, "reason", "请填写暂停开放的原因（1–80 字）");
	if (closed && until_s && until_s <= clock_now_s())
		problem_field(prob, "until", "恢复开放时间应在将来");
	if (problem_has_fields(prob)) {
		rc = prob->rc;
		goto out;
	}
	rc = db_q(db,
		  "UPDATE stations SET closed = $1, closed_reason = $2, closed_until_s = $3,"
		  " version = version + 1, updated_s = $4 WHERE id = $5",
		  NULL, prob, DB_I(closed), DB_T(closed ? reason : NULL),
		  DB_IOPT(closed && until_s, until_s), DB_I(clock_now_s()), DB_I(id));
	if (rc != RC_OK)
		goto out;
	struct audit_detail d;
	audit_detail_init(&d);
	if (closed) {
		audit_detail_str(&d, "reason", reason);
		audit_detail_int(&d, "until_s", until_s);
	}
	rc = station_changed(tx, actor, closed ? "station.close" : "station.reopen", id, &d, prob);
	audit_detail_release(&d);
out:
	free(cur);
	return rc;
}

enum rc station_rotate_qr(struct db_tx *tx, const struct actor *actor, int64_t id,
			  struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct station *cur = xmalloc(sizeof(*cur));
	enum rc rc = station_get(db, id, cur, prob);
	struct scope_target t = target_of(cur);
	bool allowed = rc == RC_OK && permission_allows(actor->p, ACT_QR_ROTATE, &t);
	free(cur);
	if (rc != RC_OK)
		return rc;
	if (!allowed)
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有本区域的管理员可以更换这个驿站的二维码");
	char qr[STATION_QR_TOKEN_CAP];
	secret_token("", qr, sizeof(qr));
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "UPDATE stations SET qr_token = $1, version = version + 1, updated_s = $2"
		  " WHERE id = $3 RETURNING id",
		  &rows, prob, DB_T(qr), DB_I(clock_now_s()), DB_I(id));
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(rows);
	db_rows_free(rows);
	if (!n)
		return problem_set(prob, RC_NOT_FOUND, "not-found", "驿站不存在 (no such station)");
	return station_changed(tx, actor, "station.qr_rotate", id, NULL, prob);
}
