/* What went wrong, in words a person can act on: filled by whoever detects
 * the error (domain rules, validation, storage) and rendered by api/ as an
 * RFC 9457 problem document with per-field errors. Caller-owned, fixed size. */
#ifndef YZ_CORE_PROBLEM_H
#define YZ_CORE_PROBLEM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/rc.h"

#define PROBLEM_FIELDS_MAX 16

struct problem_field {
	char name[64];     /* JSON pointer-ish field name: "phone", "roles[0].scope" */
	char message[192]; /* human text, Chinese first */
};

struct problem {
	enum rc rc;
	char type[48];     /* short slug, e.g. "validation", "login-throttled" */
	char detail[256];
	int retry_after_s; /* > 0: the client may retry after this many seconds */
	int status;        /* > 0: the HTTP status, when rc alone does not say it */
	size_t nfields;
	struct problem_field fields[PROBLEM_FIELDS_MAX];
};

void problem_init(struct problem *prob);
/* Sets rc, type and a formatted detail; returns rc so callers can
 * `return problem_set(prob, RC_INVALID, "validation", "...")`. */
enum rc problem_set(struct problem *prob, enum rc rc, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Adds a field error and marks the problem RC_INVALID/"validation" if unset. */
void problem_field(struct problem *prob, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* True once any field error was added. */
bool problem_has_fields(const struct problem *prob);

#endif
