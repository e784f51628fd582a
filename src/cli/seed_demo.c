/* yizhan seed-demo: the demo city's accounts, one per role, with the
 * passwords the README lists. Idempotent: accounts that exist are kept. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/log.h"
#include "domain/account.h"
#include "domain/secret.h"

struct seed_config {
	const char *db;
	int64_t seed;
};

static const struct config_option options[] = {
	{ "db", "YIZHAN_DB", "sqlite:var/yizhan.db", CONFIG_STR, offsetof(struct seed_config, db), 0,
	  0, "数据库：sqlite:PATH 或 postgresql://…" },
	{ "seed", "YIZHAN_SEED", "1", CONFIG_INT, offsetof(struct seed_config, seed), 0, INT64_MAX,
	  "随机种子：同一种子生成同一座演示城市" },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

#define DEMO_PASSWORD "Yizhan@2026"

/* 宝鸡市 6103; 金台区 610303 › 卧龙寺街道 610303008 › 龙腾路社区 610303008003. */
static const struct demo_account {
	const char *phone, *name, *role, *scope;
} demo[] = {
	{ "13800000001", "王主任（区管理员）", "admin", "6103" },
	{ "13800000002", "李干事（卧龙寺街道）", "staff", "610303008" },
	{ "13800000003", "杨站长（驿站负责人）", "manager", "station:1" },
	{ "13800000004", "赵志愿者", "volunteer", "610303008003" },
	{ "13800000005", "陈骑手", "worker", "6103" },
	{ "13800000006", "刘居民", "resident", "610303008003" },
};

static enum rc seed_accounts(struct db *db, void *arg, struct problem *prob)
{
	int *created = arg;
	struct principal cli;
	principal_cli(&cli);
	struct actor actor = { .p = &cli };
	for (size_t i = 0; i < sizeof(demo) / sizeof(demo[0]); i++) {
		struct account a;
		struct problem lookup = { 0 };
		if (account_get_by_phone(db, demo[i].phone, &a, &lookup) == RC_OK)
			continue;
		struct account_new in = { .phone = demo[i].phone, .name = demo[i].name,
					  .password = DEMO_PASSWORD };
		enum rc rc = account_create(db, &actor, &in, &a, prob);
		int64_t gid;
		if (rc == RC_OK)
			rc = role_grant_add(db, &actor, a.id, demo[i].role, demo[i].scope, &gid, prob);
		if (rc != RC_OK)
			return rc;
		(*created)++;
	}
	return RC_OK;
}

int cli_seed_demo(int argc, char **argv)
{
	struct seed_config cfg = { 0 };
	struct problem prob;
	problem_init(&prob);
	bool help = false;
	if (config_parse(options, NOPTIONS, &cfg, argc, argv, &help, &prob) != RC_OK)
		return cli_fail("seed-demo", &prob);
	if (help) {
		struct sb sb = SB_INIT;
		sb_adds(&sb, "usage: yizhan seed-demo [--db URL] [--seed N]\n\n"
			     "Builds the demo city (宝鸡市) and its demo accounts.\n\n");
		config_usage(options, NOPTIONS, &sb);
		fputs(sb_str(&sb), stdout);
		sb_release(&sb);
		return 0;
	}
	if (!secret_init())
		return 1;
	log_open(2, LOG_WARN, false);
	struct db *db = cli_open_db(cfg.db, NULL, NULL);
	if (!db)
		return 1;
	int created = 0;
	enum rc rc = db_tx(db, seed_accounts, &created, &prob);
	db_close(db);
	if (rc != RC_OK)
		return cli_fail("seed-demo", &prob);
	printf("demo accounts: %d created, %zu in all (password %s)\n", created,
	       sizeof(demo) / sizeof(demo[0]), DEMO_PASSWORD);
	return 0;
}
