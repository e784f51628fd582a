/* What went wrong, in words a person can act on: filled by whoever detects
 * the error (domain rules, validation, storage) and rendered by api/ as an
 * RFC 9457 problem document with per-field errors. Caller-owned, fixed size.
 *
 * Every text is kept in Chinese (the default) and English: the code writes
 * one Chinese format, and the English catalog (core/problem_en.c) gives the
 * English format with the same conversions, filled from the same arguments.
 * scripts/check-problem-texts.mjs keeps the catalog in step with the code. */
#ifndef YZ_CORE_PROBLEM_H
#define YZ_CORE_PROBLEM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/rc.h"

#define PROBLEM_FIELDS_MAX 16

/* The languages a problem is written in, the default first. */
enum problem_lang { PROBLEM_LANG_ZH, PROBLEM_LANG_EN, PROBLEM_LANG_COUNT };
/* Their language tags (RFC 5646), indexed by enum problem_lang:
 * "zh-CN", "en". */
extern const char *const problem_lang_tags[PROBLEM_LANG_COUNT];

struct problem_field {
	char name[64];	      /* JSON pointer-ish field name: "phone", "roles[0].scope" */
	char message[192];    /* human text in Chinese */
	char message_en[192]; /* the same in English */
};

/* About 8 KiB: fine on the stack of a request thread, not in a loop of them. */
struct problem {
	enum rc rc;
	char type[48];	  /* short slug, e.g. "validation", "login-throttled" */
	char detail[256]; /* in Chinese */
	char detail_en[256];
	int retry_after_s; /* > 0: the client may retry after this many seconds */
	int status;	   /* > 0: the HTTP status, when rc alone does not say it */
	size_t nfields;
	struct problem_field fields[PROBLEM_FIELDS_MAX];
};

/* Empties prob: RC_OK, no type, detail or fields. Field slots past nfields
 * are left as they were and must not be read. */
void problem_init(struct problem *prob);
/* Sets rc, type and a detail formatted from fmt, a Chinese format string, in
 * Chinese and (by the catalog) in English; returns rc so callers can
 * `return problem_set(prob, RC_INVALID, "validation", "...")`. fmt must be a
 * literal with a catalog entry (or no Chinese in it); a text from a variable
 * cannot be translated, so pass the problem that holds it instead. */
enum rc problem_set(struct problem *prob, enum rc rc, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Adds a field error, formatted like problem_set's detail, and marks the
 * problem RC_INVALID/"validation" if unset. The first message of a field
 * wins; errors past PROBLEM_FIELDS_MAX are dropped. */
void problem_field(struct problem *prob, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The English of prob's detail, when its Chinese carries Chinese
 * arguments the catalog (problem_en.c) cannot translate. */
void problem_detail_en(struct problem *prob, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The English of the field error added last, when its Chinese carries
 * Chinese arguments the catalog (problem_en.c) cannot translate. */
void problem_field_en(struct problem *prob, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* True once any field error was added. */
bool problem_has_fields(const struct problem *prob);

/* The detail, and field i's message, in lang (borrowed from prob). English
 * falls back to the Chinese text when there is none. */
const char *problem_detail(const struct problem *prob, enum problem_lang lang);
const char *problem_field_message(const struct problem *prob, size_t i, enum problem_lang lang);

/* The English catalog (core/problem_en.c): pairs of a Chinese format string
 * as written in the code and its English, sorted by zh in byte order. */
struct problem_text {
	const char *zh;
	const char *en;
};
/* The English format for the Chinese format zh, or NULL when the catalog
 * has none. Borrowed, static. */
const char *problem_en(const char *zh);
/* The whole catalog, for its tests: *n entries. Borrowed, static. */
const struct problem_text *problem_catalog(size_t *n);

#endif
