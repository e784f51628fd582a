/* The demo city's people, work sites, teams, party organisations, grids. */
#include "domain/demo_people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/rng.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/checkin.h"
#include "domain/grid.h"
#include "domain/party_org.h"
#include "domain/person.h"
#include "domain/region.h"
#include "domain/team.h"
#include "domain/work_site.h"

#define PHONE_BASE 19800000000LL
#define BATCH_ROWS 200

/* Rows of one table written a batch at a time: one INSERT of many rows. */
struct batch {
	struct db *db;
	const char *head; /* "INSERT INTO t (a, b) VALUES " */
	size_t ncols, nrows;
	struct db_val params[BATCH_ROWS * 12];
	char text[BATCH_ROWS * 12][48]; /* copies of short text values */
	size_t ntext;
};

static enum rc batch_flush(struct batch *b, struct problem *prob)
{
	if (!b->nrows)
		return RC_OK;
	struct sb sql = SB_INIT;
	sb_adds(&sql, b->head);
	size_t p = 0;
	for (size_t r = 0; r < b->nrows; r++) {
		sb_adds(&sql, r ? ", (" : "(");
		for (size_t c = 0; c < b->ncols; c++) {
			if (c)
				sb_addlit(&sql, ", ");
			sb_addf(&sql, "$%zu", ++p);
		}
		sb_addc(&sql, ')');
	}
	enum rc rc = db_exec(b->db, db_sql_intern(sb_str(&sql)), b->params, p, NULL, prob);
	sb_release(&sql);
	b->nrows = 0;
	b->ntext = 0;
	return rc;
}

/* Adds a row of ncols values; text values are copied. */
static enum rc batch_add(struct batch *b, const struct db_val *vals, struct problem *prob)
{
	struct db_val *row = &b->params[b->nrows * b->ncols];
	for (size_t c = 0; c < b->ncols; c++) {
		row[c] = vals[c];
		if (vals[c].type == DB_TEXT && vals[c].s) {
			text_copy(b->text[b->ntext], sizeof(b->text[0]), vals[c].s);
			row[c].s = b->text[b->ntext++];
		}
	}
	return ++b->nrows == BATCH_ROWS ? batch_flush(b, prob) : RC_OK;
}

static const char *const surnames[] = { "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周",
					"吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高",
					"林", "罗", "郑", "梁", "谢", "宋", "唐", "韩", "冯" };
static const char *const given[] = { "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明",
				     "超", "静", "丽", "敏", "娜", "芳", "鹏", "浩", "宇",
				     "斌", "凯", "亮", "龙", "飞", "刚", "平", "辉", "波" };

/* A street with its communities, stations and what is made in it. */
struct street {
	struct region r;
	struct region *communities;
	size_t ncommunities;
	int64_t *stations;
	char (*station_regions)[13];
	size_t nstations;
	int64_t sites[3];
	char site_platform[3][16];
	int64_t branch, team;
	int64_t grids[64][2]; /* per community: two grids */
};

static enum rc load_stations(struct db *db, struct street *s, struct problem *prob)
{
	char like[16];
	snprintf(like, sizeof(like), "%s%%", s->r.code);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db, "SELECT id, region_code FROM stations WHERE region_code LIKE $1 ORDER BY id",
		&rows, prob, DB_T(like));
	if (rc != RC_OK)
		return rc;
	s->nstations = db_rows_count(rows);
	s->stations = xcalloc(s->nstations ? s->nstations : 1, sizeof(*s->stations));
	s->station_regions = xcalloc(s->nstations ? s->nstations : 1, sizeof(*s->station_regions));
	for (size_t i = 0; i < s->nstations; i++) {
		s->stations[i] = db_rows_int(rows, i, 0);
		text_copy(s->station_regions[i], 13, db_rows_text(rows, i, 1));
	}
	db_rows_free(rows);
	return RC_OK;
}

/* The street's work sites, its party branch, its team and its grids. */
static enum rc build_street(struct db_tx *tx, const struct actor *actor, struct rng *rng,
			    struct street *s, int64_t committee, size_t index,
			    struct demo_people_stats *st, struct problem *prob)
{
	static const struct {
		const char *platform, *brand, *kind;
	} kinds[] = {
		{ "sf", "顺丰", "营业部" }, { "meituan", "美团", "站" },
		{ "zto", "中通", "网点" },  { "eleme", "饿了么", "站" },
		{ "jd", "京东", "站" },	    { "yunda", "韵达", "网点" },
	};
	char name[160], street_name[96];
	text_copy(street_name, sizeof(street_name), s->r.short_name);
	/* "卧龙寺街道" → "卧龙寺" for the sites' names. */
	char *cut = strstr(street_name, "街道");
	if (cut)
		*cut = '\0';
	enum rc rc = RC_OK;
	for (int k = 0; k < 3 && rc == RC_OK; k++) {
		const struct region *c = &s->communities[rng_below(rng, s->ncommunities)];
		int kind = (int)((index + (size_t)k * 2) % (sizeof(kinds) / sizeof(kinds[0])));
		snprintf(name, sizeof(name), "%s%s%s", kinds[kind].brand, street_name,
			 kinds[kind].kind);
		struct work_site_input in = { .has_name = true,
					      .name = name,
					      .has_platform = true,
					      .platform = kinds[kind].platform,
					      .has_address = true,
					      .has_region = true,
					      .region_code = c->code };
		char address[160];
		snprintf(address, sizeof(address), "%s%u号", c->short_name,
			 (unsigned)(1 + rng_below(rng, 200)));
		in.address = address;
		rc = registry_create(tx, actor, &work_site_registry, &in, &s->sites[k], prob);
		text_copy(s->site_platform[k], sizeof(s->site_platform[k]), kinds[kind].platform);
		st->work_sites++;
	}
	if (rc != RC_OK)
		return rc;
	snprintf(name, sizeof(name), "%s街道快递外卖联合党支部", street_name);
	struct party_org_input po = { .has_kind = true,
				      .kind = "branch",
				      .has_name = true,
				      .name = name,
				      .has_region = true,
				      .region_code = s->r.code,
				      .has_parent = true,
				      .parent_id = committee };
	rc = registry_create(tx, actor, &party_org_registry, &po, &s->branch, prob);
	st->party_orgs++;
	/* The brands the articles name, then the street's own. */
	static const struct {
		const char *street, *team;
	} brands[] = { { "610303008", "红色先锋队" },
		       { "610302001", "新渭骑士" },
		       { "610302002", "铜河小哥" } };
	const char *team = NULL;
	for (size_t i = 0; i < sizeof(brands) / sizeof(brands[0]); i++)
		if (!strcmp(brands[i].street, s->r.code))
			team = brands[i].team;
	if (!team) {
		snprintf(name, sizeof(name), "%s小哥志愿服务队", street_name);
		team = name;
	}
	struct team_input ti = { .has_name = true,
				 .name = team,
				 .has_region = true,
				 .region_code = s->r.code,
				 .has_station = s->nstations > 0,
				 .station_id = s->nstations ? s->stations[0] : 0 };
	if (rc == RC_OK)
		rc = registry_create(tx, actor, &team_registry, &ti, &s->team, prob);
	st->teams++;
	for (size_t c = 0; c < s->ncommunities && c < 64 && rc == RC_OK; c++) {
		for (int g = 0; g < 2 && rc == RC_OK; g++) {
			struct grid_input gi = { .has_name = true,
						 .name = g ? "第二网格" : "第一网格",
						 .has_region = true,
						 .region_code = s->communities[c].code };
			rc = registry_create(tx, actor, &grid_registry, &gi, &s->grids[c][g], prob);
			st->grids++;
		}
	}
	return rc;
}

/* Which categories a worker of a site's platform has. */
static int64_t categories_for(struct rng *rng, const char *platform)
{
	bool food = !strcmp(platform, "meituan") || !strcmp(platform, "eleme");
	int64_t c = PERSON_BIT(food ? PERSON_RIDER : PERSON_COURIER);
	if (rng_chance(rng, 0.08)) {
		c |= PERSON_BIT(PERSON_PARTY_MEMBER);
		if (rng_chance(rng, 0.35))
			c |= PERSON_BIT(PERSON_MOBILE_PARTY_MEMBER);
	}
	if (rng_chance(rng, 0.2))
		c |= PERSON_BIT(PERSON_VOLUNTEER);
	return c;
}

enum rc demo_people_build(struct db_tx *tx, const struct actor *actor, uint64_t seed, size_t people,
			  struct demo_people_stats *st, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	memset(st, 0, sizeof(*st));
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, "SELECT COUNT(*) FROM persons", NULL, 0, &rows, prob);
	if (rc != RC_OK)
		return rc;
	int64_t existing = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	if (existing || !people)
		return RC_OK;
	struct rng rng;
	rng_seed(&rng, seed ^ 0x9e3779b97f4a7c15ULL);
	static const char *const districts[] = { "610303", "610302" };
	static const char *const committees[] = { "金台区快递物流行业党委",
						  "渭滨区新就业群体党委" };
	struct street *streets = xcalloc(64, sizeof(*streets));
	size_t nstreets = 0;
	for (size_t d = 0; d < 2 && rc == RC_OK; d++) {
		struct party_org_input po = { .has_kind = true,
					      .kind = "committee",
					      .has_name = true,
					      .name = committees[d],
					      .has_region = true,
					      .region_code = districts[d] };
		int64_t committee = 0;
		rc = registry_create(tx, actor, &party_org_registry, &po, &committee, prob);
		st->party_orgs++;
		struct region *list = NULL;
		size_t n = 0;
		if (rc == RC_OK)
			rc = region_children(db, districts[d], &list, &n, prob);
		for (size_t i = 0; i < n && rc == RC_OK && nstreets < 64; i++) {
			if (strcmp(list[i].kind, "street") != 0)
				continue;
			struct street *s = &streets[nstreets];
			s->r = list[i];
			rc = region_children(db, s->r.code, &s->communities, &s->ncommunities,
					     prob);
			if (rc == RC_OK && !s->ncommunities) {
				free(s->communities);
				continue;
			}
			if (rc == RC_OK)
				rc = load_stations(db, s, prob);
			if (rc == RC_OK)
				rc = build_street(tx, actor, &rng, s, committee, nstreets, st,
						  prob);
			nstreets++;
		}
		free(list);
	}
	/* The people: 卧龙寺街道 (the first street) gets a larger share. */
	int64_t now = clock_now_s();
	struct batch *b = xcalloc(1, sizeof(*b));
	b->db = db;
	b->head = "INSERT INTO persons (name, phone, categories, platform, work_site_id,"
		  " region_code, grid_id, party_org_id, last_checkin_s, created_s, updated_s)"
		  " VALUES ";
	b->ncols = 11;
	char *street_of = xcalloc(people ? people : 1, 1);
	int64_t *checkin_at = xcalloc(people ? people : 1, sizeof(*checkin_at));
	for (size_t i = 0; i < people && rc == RC_OK && nstreets; i++) {
		size_t si = rng_chance(&rng, 0.12) ? 0 : (size_t)rng_below(&rng, nstreets);
		struct street *s = &streets[si];
		street_of[i] = (char)si;
		char name[16], phone[24];
		snprintf(name, sizeof(name), "%s%s%s",
			 surnames[rng_below(&rng, sizeof(surnames) / sizeof(surnames[0]))],
			 given[rng_below(&rng, sizeof(given) / sizeof(given[0]))],
			 rng_chance(&rng, 0.5)
				 ? given[rng_below(&rng, sizeof(given) / sizeof(given[0]))]
				 : "");
		snprintf(phone, sizeof(phone), "%lld", PHONE_BASE + (long long)i);
		size_t ci = (size_t)rng_below(&rng, s->ncommunities);
		double kind = rng_unit(&rng);
		int64_t categories, site = 0;
		const char *platform = NULL;
		if (kind < 0.72) { /* a courier or a rider of one of the street's sites */
			int k = (int)rng_below(&rng, 3);
			site = s->sites[k];
			platform = s->site_platform[k];
			categories = categories_for(&rng, platform);
		} else if (kind < 0.84) {
			categories = PERSON_BIT(PERSON_DRIVER);
			platform = "didi";
		} else if (kind < 0.89) {
			categories = PERSON_BIT(PERSON_TRUCKER);
			platform = "huolala";
		} else {
			categories = PERSON_BIT(PERSON_RESIDENT) |
				     (rng_chance(&rng, 0.4) ? PERSON_BIT(PERSON_VOLUNTEER) : 0);
		}
		if (!(categories & PERSON_BIT(PERSON_PARTY_MEMBER)) && rng_chance(&rng, 0.04))
			categories |= PERSON_BIT(PERSON_PARTY_MEMBER);
		int64_t grid = ci < 64 && rng_chance(&rng, 0.7) ? s->grids[ci][rng_below(&rng, 2)]
								: 0;
		int64_t org = (categories & PERSON_BIT(PERSON_PARTY_MEMBER)) ? s->branch : 0;
		checkin_at[i] = s->nstations && rng_chance(&rng, 0.55)
					? now - (int64_t)rng_below(&rng, 30 * 86400)
					: 0;
		int64_t created = now - 30 * 86400 - (int64_t)rng_below(&rng, 150 * 86400);
		const struct db_val vals[] = {
			DB_T(name),
			DB_T(phone),
			DB_I(categories),
			DB_T(platform),
			DB_IOPT(site != 0, site),
			DB_T(s->communities[ci].code),
			DB_IOPT(grid != 0, grid),
			DB_IOPT(org != 0, org),
			DB_IOPT(checkin_at[i] != 0, checkin_at[i]),
			DB_I(created),
			DB_I(created),
		};
		rc = batch_add(b, vals, prob);
		st->people++;
	}
	if (rc == RC_OK)
		rc = batch_flush(b, prob);
	/* Their ids by number; then roles, team members and check-ins. */
	int64_t *ids = xcalloc(people ? people : 1, sizeof(*ids));
	if (rc == RC_OK)
		rc = db_q(db, "SELECT id, phone FROM persons WHERE phone LIKE $1", &rows, prob,
			  DB_T("198%"));
	if (rc == RC_OK) {
		for (size_t r = 0; r < db_rows_count(rows); r++) {
			long long idx = strtoll(db_rows_text(rows, r, 1), NULL, 10) - PHONE_BASE;
			if (idx >= 0 && (size_t)idx < people)
				ids[idx] = db_rows_int(rows, r, 0);
		}
		db_rows_free(rows);
	}
	static const char *const roles[] = { "guard",  "publicity", "civility",	 "opinion",
					     "safety", "mediator",  "elder_care" };
	b->head = "INSERT INTO person_roles (person_id, role_code) VALUES ";
	b->ncols = 2;
	for (size_t i = 0; i < people && rc == RC_OK; i++) {
		if (!ids[i] || !rng_chance(&rng, 0.22))
			continue;
		size_t first = (size_t)rng_below(&rng, 7);
		const struct db_val vals[] = { DB_I(ids[i]), DB_T(roles[first]) };
		rc = batch_add(b, vals, prob);
		if (rc == RC_OK && rng_chance(&rng, 0.3)) {
			const struct db_val more[] = { DB_I(ids[i]), DB_T(roles[(first + 1) % 7]) };
			rc = batch_add(b, more, prob);
		}
	}
	if (rc == RC_OK)
		rc = batch_flush(b, prob);
	b->head = "INSERT INTO team_members (team_id, person_id, joined_s) VALUES ";
	b->ncols = 3;
	for (size_t i = 0; i < people && rc == RC_OK; i++) {
		if (!ids[i] || !rng_chance(&rng, 0.1))
			continue;
		const struct db_val vals[] = { DB_I(streets[(size_t)street_of[i]].team),
					       DB_I(ids[i]),
					       DB_I(now - (int64_t)rng_below(&rng, 90 * 86400)) };
		rc = batch_add(b, vals, prob);
	}
	if (rc == RC_OK)
		rc = batch_flush(b, prob);
	b->head = "INSERT INTO checkins (person_id, station_id, purpose, region_code, at_s, day)"
		  " VALUES ";
	b->ncols = 6;
	static const char *const purposes[] = { "rest", "rest", "rest", "report_in",
						"shift_start" };
	for (size_t i = 0; i < people && rc == RC_OK; i++) {
		struct street *s = &streets[(size_t)street_of[i]];
		if (!ids[i] || !checkin_at[i] || !s->nstations)
			continue;
		char day[11];
		checkin_day(checkin_at[i], day);
		size_t k = (size_t)rng_below(&rng, s->nstations);
		const struct db_val vals[] = {
			DB_I(ids[i]),
			DB_I(s->stations[k]),
			DB_T(purposes[rng_below(&rng, 5)]),
			DB_T(s->station_regions[k]),
			DB_I(checkin_at[i]),
			DB_T(day),
		};
		rc = batch_add(b, vals, prob);
		st->checkins++;
	}
	if (rc == RC_OK)
		rc = batch_flush(b, prob);
	free(ids);
	free(b);
	free(street_of);
	free(checkin_at);
	for (size_t i = 0; i < nstreets; i++) {
		free(streets[i].communities);
		free(streets[i].stations);
		free(streets[i].station_regions);
	}
	free(streets);
	return rc;
}
