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
int cli_verify(int argc, char **argv);

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
/* Sets the ledger key (domain/chain.h) from the file at path, or when path
 * is empty from the development default beside the database
 * (chain_key_default_path), made if missing when create is true — except
 * in production, where an empty path is refused: the key must be a file the
 * operator keeps outside the database and its backups. Prints the reason
 * and returns false on failure. */
bool cli_ledger_key(const char *verb, const char *db_url, const char *path, bool production,
		    bool create);
/* Reads one line (a password) from standard input into buf; false on EOF. */
bool cli_read_stdin_line(char *buf, size_t cap);
/* The photo folder: configured (when not empty), else photos/ beside the
 * SQLite file of db_url, else var/photos. */
void cli_photo_dir(const char *db_url, const char *configured, char *out, size_t cap);

#endif
