/* What the verbs share: opening the database the same way everywhere. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/log.h"
#include "domain/chain.h"

int cli_parse(const char *verb, const char *about, const struct config_option *opts, size_t nopts,
	      void *cfg, int argc, char **argv)
{
	struct problem prob;
	problem_init(&prob);
	bool help = false;
	if (config_parse(opts, nopts, cfg, argc, argv, &help, &prob) != RC_OK)
		return cli_fail(verb, &prob);
	if (!help)
		return -1;
	struct sb sb = SB_INIT;
	/* A verb names its program when it is not yizhan's (yizhan-bench …). */
	sb_addf(&sb, "usage: %s%s [options]\n\n%s\n\n", strncmp(verb, "yizhan", 6) ? "yizhan " : "",
		verb, about);
	config_usage(opts, nopts, &sb);
	fputs(sb_str(&sb), stdout);
	sb_release(&sb);
	return 0;
}

int cli_fail(const char *verb, const struct problem *prob)
{
	fprintf(stderr, "%s%s: %s\n", strncmp(verb, "yizhan", 6) ? "yizhan " : "", verb,
		prob->detail[0] ? prob->detail : rc_name(prob->rc));
	return 1;
}

/* Creates the parent folder of a relative SQLite path such as var/x.db. */
static void make_parent(const char *url)
{
	if (strncmp(url, "sqlite:", 7) != 0)
		return;
	const char *path = url + 7;
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return;
	char dir[512];
	size_t n = (size_t)(slash - path);
	if (n >= sizeof(dir))
		return;
	memcpy(dir, path, n);
	dir[n] = '\0';
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		fprintf(stderr, "yizhan: cannot create %s: %s\n", dir, strerror(errno));
}

struct db *cli_open_db(const char *url, const struct db_options *opt, int *applied_out)
{
	struct problem prob;
	problem_init(&prob);
	struct db *db = NULL;
	make_parent(url);
	if (db_open(url, opt, &db, &prob) != RC_OK) {
		log_msg(LOG_FATAL, NULL, "db_open", "%s", prob.detail);
		fprintf(stderr, "yizhan: cannot open database: %s\n", prob.detail);
		return NULL;
	}
	int applied = 0;
	if (db_migrate(db, &applied, &prob) != RC_OK) {
		fprintf(stderr, "yizhan: migration failed: %s\n", prob.detail);
		db_close(db);
		return NULL;
	}
	if (applied_out)
		*applied_out = applied;
	return db;
}

bool cli_read_stdin_line(char *buf, size_t cap)
{
	if (!fgets(buf, (int)cap, stdin))
		return false;
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return true;
}

bool cli_ledger_key(const char *verb, const char *db_url, const char *path, bool production,
		    bool create)
{
	struct problem prob;
	problem_init(&prob);
	if ((!path || !*path) && production) {
		problem_set(&prob, RC_INVALID, "ledger-key",
			    "生产部署须用 --ledger-key-file 指定账本密钥文件（放在数据库之外）");
		cli_fail(verb, &prob);
		return false;
	}
	char def[512];
	if (!path || !*path) {
		chain_key_default_path(db_url, def, sizeof(def));
		path = def;
	}
	bool created = false;
	if (chain_key_load(path, create && !production, &created, &prob) != RC_OK) {
		cli_fail(verb, &prob);
		return false;
	}
	if (created)
		log_info(NULL, "ledger_key",
			 "made a new ledger key at %s (development): keep it outside the "
			 "database's backups, or use --ledger-key-file in production",
			 path);
	return true;
}

void cli_photo_dir(const char *db_url, const char *configured, char *out, size_t cap)
{
	if (configured && *configured) {
		snprintf(out, cap, "%s", configured);
		return;
	}
	if (strncmp(db_url, "sqlite:", 7) == 0) {
		const char *path = db_url + 7;
		const char *slash = strrchr(path, '/');
		if (!slash)
			snprintf(out, cap, "photos");
		else
			snprintf(out, cap, "%.*s/photos", (int)(slash - path), path);
		return;
	}
	snprintf(out, cap, "var/photos");
}
