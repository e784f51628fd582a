/* yizhan migrate: applies pending migrations and says what it did. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/log.h"

struct migrate_config {
	const char *db;
};

static const struct config_option options[] = {
	{ "db", "YIZHAN_DB", "sqlite:var/yizhan.db", CONFIG_STR,
	  offsetof(struct migrate_config, db), 0, 0, "数据库：sqlite:PATH 或 postgresql://…" },
};

int cli_migrate(int argc, char **argv)
{
	struct migrate_config cfg = { 0 };
	struct problem prob;
	problem_init(&prob);
	int code = cli_parse("migrate", "Applies pending schema migrations.", options, 1, &cfg,
			     argc, argv);
	if (code >= 0)
		return code;
	log_open(2, LOG_WARN, false);
	int applied = 0;
	struct db *db = cli_open_db(cfg.db, NULL, &applied);
	if (!db)
		return 1;
	printf("applied %d migration(s); schema version %d (%s)\n", applied, db_schema_version(db),
	       db_url_safe(db));
	db_close(db);
	return 0;
}
