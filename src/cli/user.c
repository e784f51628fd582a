/* yizhan user add|passwd|role: account administration from the shell, for
 * the first admin of a new deployment and for operators. Acts as "cli" in
 * the audit log. Passwords come from standard input, never from argv. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/log.h"
#include "domain/account.h"
#include "domain/secret.h"

struct user_config {
	const char *db;
	const char *phone;
	const char *name;
	const char *role;   /* ROLE[@SCOPE] */
	const char *revoke; /* ROLE[@SCOPE] */
	bool password_stdin;
};

#define OPT(field) offsetof(struct user_config, field)

static const struct config_option options[] = {
	{ "db", "YIZHAN_DB", "sqlite:var/yizhan.db", CONFIG_STR, OPT(db), 0, 0,
	  "数据库：sqlite:PATH 或 postgresql://…" },
	{ "phone", NULL, NULL, CONFIG_STR, OPT(phone), 0, 0, "手机号" },
	{ "name", NULL, NULL, CONFIG_STR, OPT(name), 0, 0, "姓名（add）" },
	{ "role", NULL, NULL, CONFIG_STR, OPT(role), 0, 0,
	  "授予角色 ROLE[@SCOPE]，如 admin@6103、staff@610303008、manager@station:12（无 @ 时为 *）" },
	{ "revoke", NULL, NULL, CONFIG_STR, OPT(revoke), 0, 0, "撤销角色 ROLE[@SCOPE]（role）" },
	{ "password-stdin", NULL, "false", CONFIG_BOOL, OPT(password_stdin), 0, 0,
	  "从标准输入读一行作为密码" },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static void split_role(const char *spec, char *role, size_t rcap, const char **scope)
{
	const char *at = strchr(spec, '@');
	size_t n = at ? (size_t)(at - spec) : strlen(spec);
	if (n >= rcap)
		n = rcap - 1;
	memcpy(role, spec, n);
	role[n] = '\0';
	*scope = at ? at + 1 : "*";
}

struct user_op {
	const char *verb;
	struct user_config *cfg;
	char password[160];
	struct account account;
};

static enum rc do_add(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct user_op *op = arg;
	struct principal cli;
	principal_cli(&cli);
	struct actor actor = { .p = &cli, .ip = NULL, .request_id = NULL };
	struct account_new in = { .phone = op->cfg->phone,
				  .name = op->cfg->name,
				  .password = op->password[0] ? op->password : NULL };
	enum rc rc = account_create(tx, &actor, NULL, &in, &op->account, prob);
	if (rc != RC_OK || !op->cfg->role)
		return rc;
	char role[32];
	const char *scope;
	int64_t gid;
	split_role(op->cfg->role, role, sizeof(role), &scope);
	return role_grant_add(tx, &actor, op->account.id, role, scope, &gid, prob);
}

static enum rc do_passwd(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct user_op *op = arg;
	struct principal cli;
	principal_cli(&cli);
	struct actor actor = { .p = &cli };
	enum rc rc = account_get_by_phone(db, op->cfg->phone, &op->account, prob);
	if (rc != RC_OK)
		return rc;
	return account_set_password(tx, &actor, NULL, op->account.id, NULL, op->password, prob);
}

static enum rc do_role(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct user_op *op = arg;
	struct principal cli;
	principal_cli(&cli);
	struct actor actor = { .p = &cli };
	enum rc rc = account_get_by_phone(db, op->cfg->phone, &op->account, prob);
	if (rc != RC_OK)
		return rc;
	char role[32];
	const char *scope;
	if (op->cfg->role) {
		int64_t gid;
		split_role(op->cfg->role, role, sizeof(role), &scope);
		rc = role_grant_add(tx, &actor, op->account.id, role, scope, &gid, prob);
		if (rc != RC_OK)
			return rc;
	}
	if (op->cfg->revoke) {
		split_role(op->cfg->revoke, role, sizeof(role), &scope);
		for (size_t i = 0; i < op->account.ngrants; i++) {
			const struct role_grant *g = &op->account.grants[i];
			if (!strcmp(role_name(g->role), role) && !strcmp(g->scope, scope))
				return role_grant_remove(tx, &actor, op->account.id, g->id, prob);
		}
		return problem_set(prob, RC_NOT_FOUND, "not-found", "该账号没有角色 %s@%s", role,
				   scope);
	}
	return RC_OK;
}

static void usage(void)
{
	struct sb sb = SB_INIT;
	sb_adds(&sb,
		"usage: yizhan user add    --phone P --name N [--role ROLE[@SCOPE]] [--password-stdin]\n"
		"       yizhan user passwd --phone P --password-stdin\n"
		"       yizhan user role   --phone P [--role ROLE[@SCOPE]] [--revoke ROLE[@SCOPE]]\n\n");
	config_usage(options, NOPTIONS, &sb);
	fputs(sb_str(&sb), stdout);
	sb_release(&sb);
}

int cli_user(int argc, char **argv)
{
	struct user_config cfg = { 0 };
	struct problem prob;
	problem_init(&prob);
	bool help = false;
	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		usage();
		return argc < 1 ? 1 : 0;
	}
	const char *verb = argv[0];
	if (config_parse(options, NOPTIONS, &cfg, argc - 1, argv + 1, &help, &prob) != RC_OK)
		return cli_fail("user", &prob);
	if (help) {
		usage();
		return 0;
	}
	db_tx_fn fn = !strcmp(verb, "add")	? do_add
		      : !strcmp(verb, "passwd") ? do_passwd
		      : !strcmp(verb, "role")	? do_role
						: NULL;
	if (!fn) {
		problem_set(&prob, RC_INVALID, "usage", "unknown verb \"%s\": add, passwd or role",
			    verb);
		return cli_fail("user", &prob);
	}
	if (!cfg.phone) {
		problem_set(&prob, RC_INVALID, "usage", "--phone is required");
		return cli_fail("user", &prob);
	}
	struct user_op op = { .verb = verb, .cfg = &cfg };
	if (cfg.password_stdin && !cli_read_stdin_line(op.password, sizeof(op.password))) {
		problem_set(&prob, RC_INVALID, "usage", "no password on standard input");
		return cli_fail("user", &prob);
	}
	if (fn == do_passwd && !op.password[0]) {
		problem_set(&prob, RC_INVALID, "usage", "passwd needs --password-stdin");
		return cli_fail("user", &prob);
	}
	if (!secret_init())
		return 1;
	log_open(2, LOG_WARN, false);
	struct db *db = cli_open_db(cfg.db, NULL, NULL);
	if (!db)
		return 1;
	enum rc rc = db_tx(db, fn, &op, &prob);
	db_close(db);
	if (rc != RC_OK) {
		if (prob.nfields)
			fprintf(stderr, "yizhan user %s: %s: %s\n", verb, prob.fields[0].name,
				prob.fields[0].message);
		else
			cli_fail("user", &prob);
		return 1;
	}
	printf("ok: account %lld\n", (long long)op.account.id);
	return 0;
}
