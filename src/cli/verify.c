/* yizhan verify: walks every ledger chain (points, and whatever other
 * ledgers domain/verify.c lists) with the ledger key, prints each entry
 * changed or removed since it was written, records the run for /metrics,
 * and exits 1 if it found anything (2 when it could not run). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "domain/verify.h"

struct verify_config {
	const char *db;
	const char *ledger_key_file;
};

static const struct config_option options[] = {
	{ "db", "YIZHAN_DB", "sqlite:var/yizhan.db", CONFIG_STR, offsetof(struct verify_config, db),
	  0, 0, "数据库：sqlite:PATH 或 postgresql://…" },
	{ "ledger-key-file", "YIZHAN_LEDGER_KEY_FILE", "", CONFIG_STR,
	  offsetof(struct verify_config, ledger_key_file), 0, 0,
	  "账本链的 HMAC 密钥文件（与 serve 相同；空则用数据库旁的 ledger.key）" },
};

static void print_finding(const struct chain_finding *f, void *ctx)
{
	(void)ctx;
	if (!strcmp(f->what, "changed"))
		printf("%s chain %lld: entry %lld (seq %lld) changed since it was written\n",
		       f->kind, (long long)f->chain_id, (long long)f->entry_id,
		       (long long)f->seq_from);
	else if (!strcmp(f->what, "head"))
		printf("%s chain %lld: head (seq %lld) does not match its last entry\n", f->kind,
		       (long long)f->chain_id, (long long)f->seq_from);
	else if (!strcmp(f->kind, "*"))
		printf("ledgers shrank: %lld entries at the last run, %lld now\n",
		       (long long)f->seq_from, (long long)f->seq_to);
	else
		printf("%s chain %lld: entries seq %lld-%lld removed\n", f->kind,
		       (long long)f->chain_id, (long long)f->seq_from, (long long)f->seq_to);
}

int cli_verify(int argc, char **argv)
{
	struct verify_config cfg = { 0 };
	struct problem prob;
	problem_init(&prob);
	int code = cli_parse("verify",
			     "Checks every ledger entry against its chain: reports entries changed "
			     "or removed since written; exit 1 if any.",
			     options, sizeof(options) / sizeof(options[0]), &cfg, argc, argv);
	if (code >= 0)
		return code;
	log_open(2, LOG_WARN, false);
	if (!cli_ledger_key("verify", cfg.db, cfg.ledger_key_file, false, false))
		return 2;
	struct db *db = cli_open_db(cfg.db, NULL, NULL);
	if (!db)
		return 2;
	struct verify_run run;
	enum rc rc = verify_ledgers(db, clock_now_s(), print_finding, NULL, &run, &prob);
	db_close(db);
	if (rc != RC_OK) {
		cli_fail("verify", &prob);
		return 2;
	}
	printf("checked %lld entries: %lld problem(s)\n", (long long)run.entries,
	       (long long)run.problems);
	return run.problems ? 1 : 0;
}
