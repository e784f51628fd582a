/* Option parsing from the table. */
#include "core/config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The words a boolean option takes, after "=" or as the next argument. */
static bool bool_word(const char *s, bool *value)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
			*value = !strcmp(s, yes[i]);
			return true;
		}
	}
	return false;
}

static enum rc set_value(const struct config_option *o, void *base, const char *value,
			 const char *from, struct problem *prob)
{
	char *slot = (char *)base + o->offset;
	switch (o->type) {
	case CONFIG_STR: *(const char **)slot = value; return RC_OK;
	case CONFIG_INT: {
		char *end = NULL;
		errno = 0;
		long long v = value ? strtoll(value, &end, 10) : 0;
		if (!value || !*value || *end || errno || v < o->min || v > o->max)
			return problem_set(
				prob, RC_INVALID, "config",
				"%s: --%s wants a whole number from %lld to %lld, got \"%s\"", from,
				o->flag, (long long)o->min, (long long)o->max, value ? value : "");
		*(int64_t *)slot = v;
		return RC_OK;
	}
	case CONFIG_BOOL: {
		bool b = true;
		if (value && *value && !bool_word(value, &b))
			return problem_set(prob, RC_INVALID, "config",
					   "%s: --%s wants true or false, got \"%s\"", from,
					   o->flag, value);
		*(bool *)slot = value && !*value ? false : b;
		return RC_OK;
	}
	}
	return RC_INTERNAL;
}

enum rc config_parse(const struct config_option *opts, size_t nopts, void *base, int argc,
		     char **argv, bool *help, struct problem *prob)
{
	*help = false;
	for (size_t i = 0; i < nopts; i++) {
		const char *v = opts[i].env ? getenv(opts[i].env) : NULL;
		const char *from = v && *v ? opts[i].env : "default";
		if (!(v && *v))
			v = opts[i].def;
		if (!v && opts[i].type != CONFIG_STR)
			continue;
		enum rc rc = set_value(&opts[i], base, v, from, prob);
		if (rc != RC_OK)
			return rc;
	}
	for (int a = 0; a < argc; a++) {
		const char *arg = argv[a];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			*help = true;
			return RC_OK;
		}
		if (strncmp(arg, "--", 2) != 0)
			return problem_set(prob, RC_INVALID, "config", "unexpected argument \"%s\"",
					   arg);
		const char *name = arg + 2;
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		const struct config_option *o = NULL;
		for (size_t i = 0; i < nopts; i++)
			if (strlen(opts[i].flag) == nlen && !strncmp(opts[i].flag, name, nlen))
				o = &opts[i];
		if (!o)
			return problem_set(prob, RC_INVALID, "config",
					   "unknown option --%.*s (see --help)", (int)nlen, name);
		const char *value = eq ? eq + 1 : NULL;
		bool b;
		if (!value && o->type == CONFIG_BOOL) {
			/* "--flag false" as well as "--flag=false"; a flag alone, or
			 * followed by another option, means true. */
			if (a + 1 < argc && bool_word(argv[a + 1], &b))
				value = argv[++a];
		} else if (!value) {
			if (a + 1 >= argc)
				return problem_set(prob, RC_INVALID, "config", "--%s needs a value",
						   o->flag);
			value = argv[++a];
		}
		enum rc rc = set_value(o, base, value, "command line", prob);
		if (rc != RC_OK)
			return rc;
	}
	return RC_OK;
}

static const char *type_word(const struct config_option *o)
{
	return o->type == CONFIG_INT ? "N" : o->type == CONFIG_BOOL ? "[true|false]" : "VALUE";
}

void config_usage(const struct config_option *opts, size_t nopts, struct sb *sb)
{
	for (size_t i = 0; i < nopts; i++) {
		const struct config_option *o = &opts[i];
		sb_addf(sb, "  --%s %s\n      %s", o->flag, type_word(o), o->help);
		if (o->env)
			sb_addf(sb, " [%s]", o->env);
		if (o->def && *o->def)
			sb_addf(sb, " (default: %s)", o->def);
		sb_addc(sb, '\n');
	}
}

void config_markdown(const struct config_option *opts, size_t nopts, struct sb *sb)
{
	sb_adds(sb, "| flag | environment | default | meaning |\n|---|---|---|---|\n");
	for (size_t i = 0; i < nopts; i++) {
		const struct config_option *o = &opts[i];
		sb_addf(sb, "| `--%s` | %s%s%s | %s%s%s | %s |\n", o->flag, o->env ? "`" : "",
			o->env ? o->env : "", o->env ? "`" : "", o->def && *o->def ? "`" : "",
			o->def ? o->def : "", o->def && *o->def ? "`" : "", o->help);
	}
}
