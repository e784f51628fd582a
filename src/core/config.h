/* Configuration as a table (after Redis's config table): each option has a
 * flag, an environment variable, a default that works on a fresh machine and
 * a line of help. Flags beat the environment, which beats the default.
 * --help and docs/config.md are printed from the same table. */
#ifndef YZ_CORE_CONFIG_H
#define YZ_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "core/sb.h"

enum config_type { CONFIG_STR, CONFIG_INT, CONFIG_BOOL };

struct config_option {
	const char *flag; /* "listen" for --listen */
	const char *env;  /* "YIZHAN_LISTEN", or NULL */
	const char *def;  /* default as text, or NULL */
	enum config_type type;
	size_t offset;	  /* into the caller's struct: const char *, int64_t or bool */
	int64_t min, max; /* CONFIG_INT bounds */
	const char *help;
};

/* Fills the struct at base from defaults, the environment and argv (--flag
 * VALUE, --flag=VALUE; a boolean also alone, meaning true, and then takes
 * the next argument only if it is 1/0, true/false, yes/no or on/off).
 * Strings point into argv, the environment or the table (borrowed). Unknown
 * flags and bad values are RC_INVALID with a one-line reason in
 * prob->detail. --help sets *help. */
enum rc config_parse(const struct config_option *opts, size_t nopts, void *base, int argc,
		     char **argv, bool *help, struct problem *prob);
/* Appends "  --flag VALUE  help (env, default)" lines. */
void config_usage(const struct config_option *opts, size_t nopts, struct sb *sb);
/* Appends a Markdown table of the options. */
void config_markdown(const struct config_option *opts, size_t nopts, struct sb *sb);

#endif
