/* Problem details: fixed-size, so filling one never fails or allocates. */
#include "core/problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void problem_init(struct problem *prob)
{
	memset(prob, 0, sizeof(*prob));
}

enum rc problem_set(struct problem *prob, enum rc rc, const char *type, const char *fmt, ...)
{
	va_list ap;
	prob->rc = rc;
	copy_str(prob->type, sizeof(prob->type), type ? type : "");
	va_start(ap, fmt);
	vsnprintf(prob->detail, sizeof(prob->detail), fmt, ap);
	va_end(ap);
	return rc;
}

void problem_field(struct problem *prob, const char *name, const char *fmt, ...)
{
	if (prob->rc == RC_OK) {
		prob->rc = RC_INVALID;
		copy_str(prob->type, sizeof(prob->type), "validation");
		copy_str(prob->detail, sizeof(prob->detail), "请求内容有误，请检查标出的字段。");
	}
	if (prob->nfields >= PROBLEM_FIELDS_MAX)
		return;
	/* One message per field: the first is the most specific. */
	for (size_t i = 0; i < prob->nfields; i++)
		if (!strcmp(prob->fields[i].name, name))
			return;
	struct problem_field *f = &prob->fields[prob->nfields++];
	copy_str(f->name, sizeof(f->name), name);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

bool problem_has_fields(const struct problem *prob)
{
	return prob->nfields > 0;
}
