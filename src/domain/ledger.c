/* The ledger in and out of spreadsheets. */
#include "domain/ledger.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/phone.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/events.h"
#include "domain/permission.h"
#include "domain/region.h"
#include "domain/scope.h"

/* Export */

enum col {
	COL_ID,
	COL_NAME,
	COL_PHONE,
	COL_CATEGORIES,
	COL_PLATFORM,
	COL_WORK_SITE,
	COL_REGION,
	COL_REGION_NAME,
	COL_GRID,
	COL_PARTY_ORG,
	COL_ROLES,
	COL_TEAMS,
	COL_REGISTERED,
	COL_LAST_CHECKIN,
	COL_CREATED,
	COL_COUNT
};

/* The header, the same words export writes and import reads. */
static const char *const titles[COL_COUNT] = {
	[COL_ID] = "编号",
	[COL_NAME] = "姓名",
	[COL_PHONE] = "手机号",
	[COL_CATEGORIES] = "类别",
	[COL_PLATFORM] = "平台/单位",
	[COL_WORK_SITE] = "站点编号",
	[COL_REGION] = "所属区域代码",
	[COL_REGION_NAME] = "所属区域",
	[COL_GRID] = "网格编号",
	[COL_PARTY_ORG] = "党组织编号",
	[COL_ROLES] = "志愿岗位",
	[COL_TEAMS] = "队伍",
	[COL_REGISTERED] = "已注册",
	[COL_LAST_CHECKIN] = "最近签到",
	[COL_CREATED] = "登记时间",
};

/* A small map of code → name, filled as codes are met. */
struct names {
	size_t n, cap;
	struct {
		char code[160];
		char name[128];
	} * items;
};

static const char *names_find(const struct names *m, const char *code)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->items[i].code, code))
			return m->items[i].name;
	return NULL;
}

static void names_put(struct names *m, const char *code, const char *name)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->items = xrealloc(m->items, m->cap * sizeof(*m->items));
	}
	text_copy(m->items[m->n].code, sizeof(m->items[m->n].code), code);
	text_copy(m->items[m->n].name, sizeof(m->items[m->n].name), name);
	m->n++;
}

static const char *region_name(struct db *db, struct names *m, const char *code)
{
	if (!code[0])
		return "";
	const char *have = names_find(m, code);
	if (have)
		return have;
	struct region r;
	struct problem ignore;
	problem_init(&ignore);
	names_put(m, code, region_get(db, code, &r, &ignore) == RC_OK ? r.short_name : "");
	return m->items[m->n - 1].name;
}

/* Wall-clock seconds of the city (UTC+8) for a date cell. */
#define CITY_OFFSET_S (8 * 3600)

struct export_ctx {
	struct db *db;
	struct sheet_writer *w;
	struct names regions, catalog; /* region names; platform and role names */
	char phone[24];
	struct sb cats, roles, teams;
};

static const char *category_names(struct sb *sb, int64_t bits)
{
	sb_reset(sb);
	for (int k = 0; k < PERSON_CATEGORY_COUNT; k++)
		if (bits & PERSON_BIT(k)) {
			if (sb->len)
				sb_adds(sb, "、");
			sb_adds(sb, person_categories[k].zh);
		}
	return sb_str(sb);
}

static enum rc write_person(struct export_ctx *c, const struct person *p, bool whole,
			    struct problem *prob)
{
	char id[24], region_code[13];
	snprintf(id, sizeof(id), "%lld", (long long)p->id);
	text_copy(region_code, sizeof(region_code), p->region_code);
	/* Whole or masked as the page was read. */
	(void)whole;
	text_copy(c->phone, sizeof(c->phone), p->phone);
	sb_reset(&c->roles);
	for (size_t i = 0; i < p->nroles; i++) {
		if (i)
			sb_adds(&c->roles, "、");
		const char *name = names_find(&c->catalog, p->roles[i]);
		sb_adds(&c->roles, name ? name : p->roles[i]);
	}
	sb_reset(&c->teams);
	for (size_t i = 0; i < p->nteams; i++) {
		if (i)
			sb_adds(&c->teams, "、");
		sb_adds(&c->teams, p->teams[i].name);
	}
	const char *platform = p->platform[0] ? names_find(&c->catalog, p->platform) : NULL;
	struct sheet_cell cells[COL_COUNT] = {
		[COL_ID] = SHEET_NUMBER((double)p->id),
		[COL_NAME] = SHEET_TEXT(p->name),
		[COL_PHONE] = SHEET_TEXT(c->phone),
		[COL_CATEGORIES] = SHEET_TEXT(category_names(&c->cats, p->categories)),
		[COL_PLATFORM] = SHEET_TEXT(platform ? platform : p->platform),
		[COL_WORK_SITE] = p->work_site_id ? SHEET_NUMBER((double)p->work_site_id)
						  : SHEET_EMPTY,
		[COL_REGION] = SHEET_TEXT(region_code),
		[COL_REGION_NAME] = SHEET_TEXT(region_name(c->db, &c->regions, region_code)),
		[COL_GRID] = p->grid_id ? SHEET_NUMBER((double)p->grid_id) : SHEET_EMPTY,
		[COL_PARTY_ORG] = p->party_org_id ? SHEET_NUMBER((double)p->party_org_id)
						  : SHEET_EMPTY,
		[COL_ROLES] = SHEET_TEXT(sb_str(&c->roles)),
		[COL_TEAMS] = SHEET_TEXT(sb_str(&c->teams)),
		[COL_REGISTERED] = SHEET_TEXT(p->account_id ? "是" : "否"),
		[COL_LAST_CHECKIN] = p->last_checkin_s
					     ? SHEET_DATETIME(p->last_checkin_s + CITY_OFFSET_S)
					     : SHEET_EMPTY,
		[COL_CREATED] = SHEET_DATE(p->created_s + CITY_OFFSET_S),
	};
	return sheet_writer_add_row(c->w, cells, COL_COUNT, prob);
}

/* One sheet: the people matching f, a page at a time. */
static enum rc write_sheet(struct export_ctx *c, const struct principal *viewer,
			   const struct person_filter *f, const char *name, bool whole,
			   int64_t *rows, struct problem *prob)
{
	struct sheet_column cols[COL_COUNT];
	for (int i = 0; i < COL_COUNT; i++)
		cols[i] = (struct sheet_column){ .title = titles[i] };
	enum rc rc = sheet_writer_add_sheet(c->w, name, cols, COL_COUNT, prob);
	int64_t after = 0;
	while (rc == RC_OK) {
		struct person_page page;
		rc = person_list_walk(c->db, viewer, f, whole, after, 1000, &page, prob);
		if (rc != RC_OK)
			break;
		for (size_t i = 0; i < page.n && rc == RC_OK; i++)
			rc = write_person(c, &page.items[i], whole, prob);
		*rows += (int64_t)page.n;
		after = page.next_after_id;
		person_page_release(&page);
		if (!after)
			break;
	}
	return rc;
}

enum rc ledger_export(struct db *db, const struct actor *actor, const struct person_filter *f,
		      const struct ledger_export *opts, int *fd, uint64_t *len, int64_t *rows,
		      struct problem *prob)
{
	*fd = -1;
	*len = 0;
	*rows = 0;
	const struct principal *viewer = actor->p;
	/* Whole numbers: only where the viewer may read them, all of them. */
	if (opts->whole_phones) {
		char regions[PRINCIPAL_GRANTS_MAX][SCOPE_MAX];
		size_t nr = permission_regions(viewer, ACT_PERSON_PHONE, regions,
					       PRINCIPAL_GRANTS_MAX);
		bool covered = false;
		for (size_t i = 0; i < nr; i++)
			covered = covered || !regions[i][0] ||
				  (f->region[0] && scope_within(regions[i], f->region));
		char read_regions[PRINCIPAL_GRANTS_MAX][SCOPE_MAX];
		size_t nread = permission_regions(viewer, ACT_PERSON_READ, read_regions,
						  PRINCIPAL_GRANTS_MAX);
		/* Without a region filter, every place the viewer reads must be
		 * one where they may read whole numbers too. */
		if (!f->region[0]) {
			covered = nread > 0;
			for (size_t i = 0; i < nread; i++) {
				bool one = false;
				for (size_t j = 0; j < nr; j++)
					one = one || !regions[j][0] ||
					      scope_within(regions[j], read_regions[i]);
				covered = covered && one;
			}
		}
		if (!covered)
			return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权查看完整手机号");
	}
	int out = open(P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (out < 0 && opts->format == SHEET_CSV)
		return problem_set(prob, RC_INTERNAL, "internal", "无法建立导出文件");
	struct sheet_write_opts wo = { .format = opts->format, .csv_guard_formulas = true };
	if (opts->format == SHEET_CSV) {
		wo.sink = sheet_sink_fd;
		wo.sink_ctx = &out;
	}
	struct export_ctx c = { .db = db, .cats = SB_INIT, .roles = SB_INIT, .teams = SB_INIT };
	c.w = sheet_writer_new(&wo, prob);
	if (!c.w) {
		if (out >= 0)
			close(out);
		return prob->rc ? prob->rc : RC_INTERNAL;
	}
	/* The names of the platforms and roles, once. */
	struct person_catalog_item *items = NULL;
	size_t n = 0;
	enum rc rc = person_catalog(db, false, &items, &n, prob);
	for (size_t i = 0; rc == RC_OK && i < n; i++)
		names_put(&c.catalog, items[i].code, items[i].name_zh);
	free(items);
	if (rc == RC_OK)
		rc = person_catalog(db, true, &items, &n, prob);
	for (size_t i = 0; rc == RC_OK && i < n; i++)
		names_put(&c.catalog, items[i].code, items[i].name_zh);
	if (rc == RC_OK)
		free(items);
	if (rc == RC_OK && opts->by_category && opts->format == SHEET_XLSX) {
		for (int k = 0; rc == RC_OK && k < PERSON_CATEGORY_COUNT; k++) {
			if (f->categories && !(f->categories & PERSON_BIT(k)))
				continue;
			struct person_filter one = *f;
			one.categories = PERSON_BIT(k);
			int64_t in_sheet = 0;
			rc = write_sheet(&c, viewer, &one, person_categories[k].zh,
					 opts->whole_phones, &in_sheet, prob);
		}
		/* People are counted once, whatever their sheets. */
		if (rc == RC_OK) {
			struct person_page page;
			rc = person_list(db, viewer, f, 0, 1, &page, prob);
			if (rc == RC_OK)
				*rows = page.total;
			person_page_release(&page);
		}
	} else if (rc == RC_OK) {
		rc = write_sheet(&c, viewer, f, "台账", opts->whole_phones, rows, prob);
	}
	struct sheet_written done = { .fd = -1 };
	if (rc == RC_OK)
		rc = sheet_writer_finish(c.w, &done, prob);
	sheet_writer_free(c.w);
	free(c.regions.items);
	free(c.catalog.items);
	sb_release(&c.cats);
	sb_release(&c.roles);
	sb_release(&c.teams);
	if (opts->format == SHEET_XLSX) {
		if (out >= 0)
			close(out);
		out = done.fd;
	}
	if (rc != RC_OK) {
		if (out >= 0)
			close(out);
		return rc;
	}
	if (lseek(out, 0, SEEK_SET) != 0) {
		close(out);
		return problem_set(prob, RC_INTERNAL, "internal", "无法建立导出文件");
	}
	*fd = out;
	*len = done.bytes;
	/* The export, in the audit log. */
	struct db_tx *tx = NULL;
	rc = db_tx_open(db, &tx, prob);
	if (rc == RC_OK) {
		struct audit_detail d;
		audit_detail_init(&d);
		audit_detail_int(&d, "rows", *rows);
		audit_detail_str(&d, "format", opts->format == SHEET_XLSX ? "xlsx" : "csv");
		audit_detail_int(&d, "whole_phones", opts->whole_phones);
		if (f->region[0])
			audit_detail_str(&d, "region", f->region);
		char scope[SCOPE_MAX] = "";
		if (f->region[0])
			text_copy(scope, sizeof(scope), f->region);
		else
			permission_region_of(viewer, ACT_PERSON_READ, scope);
		rc = db_tx_close(
			tx,
			audit_record(tx, actor, "person.export", "person", "*", scope, &d, prob),
			prob);
		audit_detail_release(&d);
	}
	if (rc != RC_OK) {
		close(out);
		*fd = -1;
	}
	return rc;
}

/* Import */

enum imp {
	IMP_NAME,
	IMP_PHONE,
	IMP_CATEGORIES,
	IMP_PLATFORM,
	IMP_REGION,
	IMP_WORK_SITE,
	IMP_GRID,
	IMP_PARTY_ORG,
	IMP_ROLES,
	IMP_COUNT
};

/* The header words each column is known by (the export's first). */
static const char *const import_titles[IMP_COUNT][4] = {
	[IMP_NAME] = { "姓名", "name", NULL },
	[IMP_PHONE] = { "手机号", "手机", "手机号码", "phone" },
	[IMP_CATEGORIES] = { "类别", "categories", NULL },
	[IMP_PLATFORM] = { "平台/单位", "平台", "单位", "platform" },
	[IMP_REGION] = { "所属区域代码", "社区代码", "region_code", NULL },
	[IMP_WORK_SITE] = { "站点编号", "work_site_id", NULL },
	[IMP_GRID] = { "网格编号", "grid_id", NULL },
	[IMP_PARTY_ORG] = { "党组织编号", "party_org_id", NULL },
	[IMP_ROLES] = { "志愿岗位", "roles", NULL },
};

static const char *const import_fields[IMP_COUNT] = {
	[IMP_NAME] = "name",
	[IMP_PHONE] = "phone",
	[IMP_CATEGORIES] = "categories",
	[IMP_PLATFORM] = "platform",
	[IMP_REGION] = "region_code",
	[IMP_WORK_SITE] = "work_site_id",
	[IMP_GRID] = "grid_id",
	[IMP_PARTY_ORG] = "party_org_id",
	[IMP_ROLES] = "roles",
};

/* A set of ids (or phone numbers as integers, all > 0) met so far: open
 * addressing, at most 7/8 full (no larger than the sorted array it
 * replaces), so each row costs the same whatever the file's order and size;
 * the sorted array moved half of itself for every number of a ledger in no
 * order. */
struct idset {
	size_t n, cap; /* cap: 0 or a power of two */
	int64_t *v;    /* 0: a free slot */
};

static size_t idset_slot(const struct idset *s, int64_t x)
{
	uint64_t h = (uint64_t)x * 0x9E3779B97F4A7C15u;
	size_t k = (size_t)(h ^ h >> 32) & (s->cap - 1);
	while (s->v[k] && s->v[k] != x)
		k = (k + 1) & (s->cap - 1);
	return k;
}

static bool idset_has(const struct idset *s, int64_t x)
{
	return s->cap && s->v[idset_slot(s, x)] == x;
}

static void idset_add(struct idset *s, int64_t x)
{
	if (8 * (s->n + 1) > 7 * s->cap) {
		struct idset grown = { .cap = s->cap ? s->cap * 2 : 1024 };
		grown.v = xcalloc(grown.cap, sizeof(*grown.v));
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				grown.v[idset_slot(&grown, s->v[i])] = s->v[i];
		grown.n = s->n;
		free(s->v);
		*s = grown;
	}
	size_t k = idset_slot(s, x);
	if (!s->v[k]) {
		s->v[k] = x;
		s->n++;
	}
}

static void idset_clear(struct idset *s)
{
	if (s->cap)
		memset(s->v, 0, s->cap * sizeof(*s->v));
	s->n = 0;
}

struct import_ctx {
	struct db_tx *tx;
	struct db *db;
	const struct actor *actor;
	bool skip_bad;
	struct ledger_report *r;
	int col[IMP_COUNT];
	bool header_seen;
	struct names catalog;	   /* platforms and roles: code and Chinese name → code */
	struct names regions;	   /* codes known to exist ("1") or not ("") */
	struct idset phones;	   /* numbers met in the file */
	struct idset good_ids[3];  /* work sites, grids, party organisations that exist */
	struct names grid_regions; /* grid id → its community */
	struct problem row;	   /* this row's errors */
	int fd;			   /* the file */
	enum rc fatal;
	struct problem *prob;
};

/* The code of a platform or role given by code or Chinese name, or NULL. */
static const char *catalog_code(struct import_ctx *c, const char *kind, const char *given)
{
	char key[160];
	snprintf(key, sizeof(key), "%s:%s", kind, given);
	return names_find(&c->catalog, key);
}

static enum rc load_catalog_db(struct import_ctx *c, struct db *db, struct problem *prob)
{
	for (int which = 0; which < 2; which++) {
		struct person_catalog_item *items = NULL;
		size_t n = 0;
		enum rc rc = person_catalog(db, which, &items, &n, prob);
		if (rc != RC_OK)
			return rc;
		const char *kind = which ? "role" : "platform";
		for (size_t i = 0; i < n; i++) {
			char key[160];
			snprintf(key, sizeof(key), "%s:%s", kind, items[i].code);
			names_put(&c->catalog, key, items[i].code);
			snprintf(key, sizeof(key), "%s:%s", kind, items[i].name_zh);
			names_put(&c->catalog, key, items[i].code);
		}
		free(items);
	}
	return RC_OK;
}

static bool region_exists(struct import_ctx *c, const char *code)
{
	const char *have = names_find(&c->regions, code);
	if (have)
		return *have;
	struct region reg;
	struct problem ignore;
	problem_init(&ignore);
	bool ok = region_get(c->db, code, &reg, &ignore) == RC_OK;
	names_put(&c->regions, code, ok ? "1" : "");
	return ok;
}

/* True if table has row id (cached in set k). */
static bool row_exists(struct import_ctx *c, int k, int64_t id)
{
	if (idset_has(&c->good_ids[k], id))
		return true;
	static const char *const sql[3] = { "SELECT region_code FROM work_sites WHERE id = $1",
					    "SELECT region_code FROM grids WHERE id = $1",
					    "SELECT region_code FROM party_orgs WHERE id = $1" };
	struct db_rows *rows = NULL;
	struct problem ignore;
	problem_init(&ignore);
	bool ok = db_q(c->db, sql[k], &rows, &ignore, DB_I(id)) == RC_OK && db_rows_count(rows);
	if (ok) {
		idset_add(&c->good_ids[k], id);
		if (k == 1) {
			char key[24];
			snprintf(key, sizeof(key), "%lld", (long long)id);
			names_put(&c->grid_regions, key, db_rows_text(rows, 0, 0));
		}
	}
	db_rows_free(rows);
	return ok;
}

/* The cell of column f in this row, trimmed into buf, or "". */
static const char *cell(const struct import_ctx *c, enum imp f, const char *const *cells, size_t n,
			char *buf, size_t cap)
{
	buf[0] = '\0';
	if (c->col[f] < 0 || (size_t)c->col[f] >= n)
		return buf;
	const char *s = cells[c->col[f]];
	while (*s == ' ' || *s == '\t')
		s++;
	text_copy(buf, cap, s);
	size_t len = strlen(buf);
	while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		buf[--len] = '\0';
	return buf;
}

static bool parse_id(const char *s, int64_t *out)
{
	if (!*s)
		return false;
	int64_t v = 0;
	for (; *s; s++) {
		if (*s == '.' && s[1] == '0' && !s[2])
			break; /* a number Excel shows as 12.0 */
		if (*s < '0' || *s > '9' || v > INT64_MAX / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return v > 0;
}

/* The next item of a list "a、b，c" into out; false at the end. */
static bool next_item(const char **p, char *out, size_t cap)
{
	static const char *const seps[] = { "、", "，", ",", "；", ";", "/", " ", NULL };
	const char *s = *p;
	for (;;) {
		bool skipped = false;
		for (int i = 0; seps[i]; i++)
			if (!strncmp(s, seps[i], strlen(seps[i]))) {
				s += strlen(seps[i]);
				skipped = true;
			}
		if (!skipped)
			break;
	}
	if (!*s)
		return false;
	size_t n = 0;
	while (s[n]) {
		bool sep = false;
		for (int i = 0; seps[i] && !sep; i++)
			sep = !strncmp(s + n, seps[i], strlen(seps[i]));
		if (sep)
			break;
		n++;
	}
	text_copy(out, n + 1 < cap ? n + 1 : cap, s);
	*p = s + n;
	return true;
}

static void keep_errors(struct import_ctx *c, size_t rownum)
{
	struct ledger_report *r = c->r;
	r->errors_total++;
	for (size_t i = 0; i < c->row.nfields && i < PROBLEM_FIELDS_MAX; i++) {
		if (r->nerrors >= LEDGER_ERRORS_SHOWN)
			break;
		struct ledger_row_error *e = &r->errors[r->nerrors++];
		e->row = rownum;
		e->f = c->row.fields[i];
		e->column[0] = '\0';
		for (int k = 0; k < IMP_COUNT; k++)
			if (!strcmp(import_fields[k], e->f.name))
				text_copy(e->column, sizeof(e->column), import_titles[k][0]);
	}
}

static enum rc insert_row(struct import_ctx *c, const char *name, const char *phone,
			  int64_t categories, const char *platform, const char *region,
			  const int64_t ids[3], const char (*roles)[PERSON_CODE_CAP], size_t nroles)
{
	int64_t now = clock_now_s();
	struct db_rows *rows = NULL;
	enum rc rc = db_q(c->db,
			  "INSERT INTO persons (name, phone, categories, platform, region_code,"
			  " work_site_id, grid_id, party_org_id, account_id, created_s, updated_s)"
			  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT id FROM accounts a"
			  " WHERE a.phone = $2 AND NOT EXISTS (SELECT 1 FROM persons p"
			  " WHERE p.account_id = a.id)), $9, $9) RETURNING id",
			  &rows, c->prob, DB_T(name), DB_T(phone), DB_I(categories),
			  DB_T(platform && *platform ? platform : NULL), DB_T(region),
			  DB_IOPT(ids[0] != 0, ids[0]), DB_IOPT(ids[1] != 0, ids[1]),
			  DB_IOPT(ids[2] != 0, ids[2]), DB_I(now));
	if (rc != RC_OK)
		return rc;
	int64_t id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	for (size_t i = 0; rc == RC_OK && i < nroles; i++)
		rc = db_q(c->db, "INSERT INTO person_roles (person_id, role_code) VALUES ($1, $2)",
			  NULL, c->prob, DB_I(id), DB_T(roles[i]));
	return rc;
}

static enum sheet_next on_row(void *ctx, size_t rownum, const char *const *cells, size_t n)
{
	struct import_ctx *c = ctx;
	if (!c->header_seen) {
		c->header_seen = true;
		for (int k = 0; k < IMP_COUNT; k++) {
			c->col[k] = -1;
			for (size_t i = 0; i < n && c->col[k] < 0; i++)
				for (int t = 0; t < 4 && import_titles[k][t]; t++)
					if (!strcmp(cells[i], import_titles[k][t]))
						c->col[k] = (int)i;
		}
		if (c->col[IMP_NAME] < 0 || c->col[IMP_PHONE] < 0 || c->col[IMP_REGION] < 0) {
			c->fatal = problem_set(
				c->prob, RC_INVALID, "bad-sheet",
				"第一行应为表头，至少有“姓名”“手机号”“所属区域代码”三列");
			return SHEET_STOP;
		}
		return SHEET_CONTINUE;
	}
	c->r->rows++;
	struct problem *row = &c->row;
	problem_init(row);
	char name[200], phone_in[64], cats[400], platform_in[80], region_in[32], num[3][32],
		roles_in[400];
	cell(c, IMP_NAME, cells, n, name, sizeof(name));
	cell(c, IMP_PHONE, cells, n, phone_in, sizeof(phone_in));
	cell(c, IMP_CATEGORIES, cells, n, cats, sizeof(cats));
	cell(c, IMP_PLATFORM, cells, n, platform_in, sizeof(platform_in));
	cell(c, IMP_REGION, cells, n, region_in, sizeof(region_in));
	cell(c, IMP_WORK_SITE, cells, n, num[0], sizeof(num[0]));
	cell(c, IMP_GRID, cells, n, num[1], sizeof(num[1]));
	cell(c, IMP_PARTY_ORG, cells, n, num[2], sizeof(num[2]));
	cell(c, IMP_ROLES, cells, n, roles_in, sizeof(roles_in));

	size_t chars = text_chars(name);
	if (chars < 1 || chars > PERSON_NAME_MAX)
		problem_field(row, "name", "姓名应为 1–%d 个字", PERSON_NAME_MAX);
	char phone[12] = "";
	if (!phone_normalize(phone_in, phone)) {
		problem_field(row, "phone", "手机号应为 11 位中国大陆手机号");
	} else {
		int64_t key = strtoll(phone, NULL, 10);
		if (idset_has(&c->phones, key)) {
			problem_field(row, "phone", "文件中前面已有这个手机号");
		} else {
			idset_add(&c->phones, key);
			struct db_rows *rows = NULL;
			enum rc rc = db_q(c->db, "SELECT 1 FROM persons WHERE phone = $1", &rows,
					  c->prob, DB_T(phone));
			if (rc != RC_OK) {
				c->fatal = rc;
				return SHEET_STOP;
			}
			if (db_rows_count(rows))
				problem_field(row, "phone", "台账中已有这个手机号");
			db_rows_free(rows);
		}
	}
	int64_t categories = 0;
	char item[128];
	const char *p = cats;
	while (next_item(&p, item, sizeof(item))) {
		int bit = -1;
		for (int k = 0; k < PERSON_CATEGORY_COUNT && bit < 0; k++)
			if (!strcmp(item, person_categories[k].code) ||
			    !strcmp(item, person_categories[k].zh))
				bit = k;
		if (bit < 0) {
			problem_field(row, "categories", "没有这个类别：%s", item);
			break;
		}
		categories |= PERSON_BIT(bit);
	}
	const char *platform = "";
	if (platform_in[0] && !(platform = catalog_code(c, "platform", platform_in))) {
		problem_field(row, "platform", "没有这个平台或单位：%s", platform_in);
		platform = "";
	}
	char region[REGION_CODE_MAX] = "";
	if (!region_code_normalize(region_in, region) || strlen(region) < 9) {
		problem_field(row, "region_code", "所属区域应为街道（9 位）或社区（12 位）代码");
	} else if (!region_exists(c, region)) {
		problem_field(row, "region_code", "没有这个街道或社区代码：%s", region);
	} else {
		struct scope_target t = { .region = region };
		if (!permission_allows(c->actor->p, ACT_PERSON_EDIT, &t))
			problem_field(row, "region_code", "无权在区域 %s 登记人员", region);
	}
	int64_t ids[3] = { 0, 0, 0 };
	for (int k = 0; k < 3; k++) {
		if (!num[k][0] || (parse_id(num[k], &ids[k]) && row_exists(c, k, ids[k])))
			continue;
		ids[k] = 0;
		if (k == 0)
			problem_field(row, "work_site_id", "没有这个站点");
		else if (k == 1)
			problem_field(row, "grid_id", "没有这个网格");
		else
			problem_field(row, "party_org_id", "没有这个党组织");
	}
	if (ids[1] && region[0]) {
		char key[24];
		snprintf(key, sizeof(key), "%lld", (long long)ids[1]);
		const char *gr = names_find(&c->grid_regions, key);
		if (gr && strcmp(gr, region) != 0)
			problem_field(row, "grid_id", "网格不在此人所属的社区");
	}
	char roles[PERSON_ROLES_MAX][PERSON_CODE_CAP];
	size_t nroles = 0;
	p = roles_in;
	while (next_item(&p, item, sizeof(item))) {
		const char *code = catalog_code(c, "role", item);
		if (!code) {
			problem_field(row, "roles", "没有这个志愿岗位：%s", item);
			break;
		}
		bool again = false;
		for (size_t i = 0; i < nroles; i++)
			again = again || !strcmp(roles[i], code);
		if (!again && nroles < PERSON_ROLES_MAX)
			text_copy(roles[nroles++], PERSON_CODE_CAP, code);
	}
	if (row->nfields) {
		keep_errors(c, rownum);
		return SHEET_CONTINUE;
	}
	/* All or nothing: once a row is wrong, the rest are only checked. */
	if (!c->skip_bad && c->r->errors_total)
		return SHEET_CONTINUE;
	enum rc rc = insert_row(c, name, phone, categories, platform, region, ids, roles, nroles);
	if (rc != RC_OK) {
		c->fatal = rc;
		return SHEET_STOP;
	}
	c->r->created++;
	return SHEET_CONTINUE;
}

static enum rc import_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct import_ctx *c = arg;
	struct ledger_report *r = c->r;
	/* A retry reads the file again from its start. */
	r->rows = r->created = r->skipped = r->errors_total = r->nerrors = 0;
	c->header_seen = false;
	idset_clear(&c->phones);
	c->fatal = RC_OK;
	c->tx = tx;
	c->db = db_tx_db(tx);
	c->prob = prob;
	struct sheet_read_opts opts = {
		.lim = { .max_file_bytes = LEDGER_IMPORT_MAX_BYTES,
			 .max_rows = LEDGER_IMPORT_MAX_ROWS + 1 },
		.on_row = on_row,
		.ctx = c,
	};
	struct sheet_info info;
	enum rc rc = sheet_read_fd(c->fd, &opts, &info, prob);
	r->format = info.format;
	if (rc != RC_OK)
		return rc;
	if (c->fatal != RC_OK)
		return c->fatal;
	if (!c->header_seen)
		return problem_set(prob, RC_INVALID, "bad-sheet", "文件里没有内容");
	if (r->errors_total && !c->skip_bad) {
		problem_set(prob, RC_INVALID, "import-rejected",
			    "有 %zu 行不对，一行也没有导入；改正后重新导入，或选择跳过错误行",
			    r->errors_total);
		return RC_INVALID;
	}
	r->skipped = r->errors_total;
	r->written = r->created > 0;
	if (!r->created)
		return RC_OK;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "rows", (int64_t)r->rows);
	audit_detail_int(&d, "created", (int64_t)r->created);
	audit_detail_int(&d, "skipped", (int64_t)r->skipped);
	char scope[SCOPE_MAX] = "";
	permission_region_of(c->actor->p, ACT_PERSON_EDIT, scope);
	rc = audit_record(tx, c->actor, "person.import", "person", "*", scope, &d, prob);
	audit_detail_release(&d);
	return rc == RC_OK ? events_record(tx, EVENT_PERSON_CHANGED, "*", prob) : rc;
}

enum rc ledger_import(struct db *db, const struct actor *actor, int fd, bool skip_bad,
		      struct ledger_report *report, struct problem *prob)
{
	memset(report, 0, sizeof(*report));
	report->skip_bad = skip_bad;
	report->errors = xcalloc(LEDGER_ERRORS_SHOWN, sizeof(*report->errors));
	if (!permission_allows(actor->p, ACT_PERSON_EDIT, NULL))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权登记人员");
	struct import_ctx *c = xcalloc(1, sizeof(*c));
	c->actor = actor;
	c->skip_bad = skip_bad;
	c->r = report;
	c->fd = fd;
	enum rc rc = load_catalog_db(c, db, prob);
	if (rc == RC_OK)
		rc = db_tx(db, import_tx, c, prob);
	if (rc != RC_OK)
		report->written = false;
	free(c->catalog.items);
	free(c->regions.items);
	free(c->grid_regions.items);
	free(c->phones.v);
	for (int k = 0; k < 3; k++)
		free(c->good_ids[k].v);
	free(c);
	return rc;
}

void ledger_report_release(struct ledger_report *report)
{
	free(report->errors);
	memset(report, 0, sizeof(*report));
}
