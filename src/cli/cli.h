/* The verbs of the yizhan command (DESIGN.md "The command line"): each takes
 * the arguments after its name, prints a one-line reason on failure and
 * returns the process exit code. */
#ifndef YZ_CLI_CLI_H
#define YZ_CLI_CLI_H

#include <stdbool.h>

#include "core/config.h"
#include "core/problem.h"
#include "db/db.h"

int cli_serve(int argc, char **argv);
int cli_migrate(int argc, char **argv);
int cli_user(int argc, char **argv);
int cli_seed_demo(int argc, char **argv);
int cli_import_regions(int argc, char **argv);
int cli_config_doc(int argc, char **argv);

/* Parses argv into cfg by the option table. Returns -1 to go on, or the
 * exit code: 0 after printing the usage for --help (verb and about, then the
 * options), 1 after printing a one-line reason for a bad option. */
int cli_parse(const char *verb, const char *about, const struct config_option *opts, size_t nopts,
	      void *cfg, int argc, char **argv);

/* Opens url (creating var/ for the default SQLite file) and applies pending
 * migrations (how many into *applied, if not NULL); prints the reason and
 * returns NULL on failure. */
struct db *cli_open_db(const char *url, const struct db_options *opt, int *applied);
/* Prints "yizhan VERB: reason" to stderr and returns 1. */
int cli_fail(const char *verb, const struct problem *prob);
/* Reads one line (a password) from standard input into buf; false on EOF. */
bool cli_read_stdin_line(char *buf, size_t cap);

#endif
