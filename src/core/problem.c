/* Problem details: fixed-size, so filling one never fails or allocates. */
#include "core/text.h"
#include "core/problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void problem_init(struct problem *prob)
{
	memset(prob, 0, sizeof(*prob));
}

enum rc problem_set(struct problem *prob, enum rc rc, const char *type, const char *fmt, ...)
{
	va_list ap;
	prob->rc = rc;
	text_copy(prob->type, sizeof(prob->type), type ? type : "");
	va_start(ap, fmt);
	vsnprintf(prob->detail, sizeof(prob->detail), fmt, ap);
	va_end(ap);
	return rc;
}

void problem_field(struct problem *prob, const char *name, const char *fmt, ...)
{
	if (prob->rc == RC_OK) {
		prob->rc = RC_INVALID;
		text_copy(prob->type, sizeof(prob->type), "validation");
		text_copy(prob->detail, sizeof(prob->detail), "请求内容有误，请检查标出的字段。");
	}
	if (prob->nfields >= PROBLEM_FIELDS_MAX)
		return;
	/* One message per field: the first is the most specific. */
	for (size_t i = 0; i < prob->nfields; i++)
		if (!strcmp(prob->fields[i].name, name))
			return;
	struct problem_field *f = &prob->fields[prob->nfields++];
	text_copy(f->name, sizeof(f->name), name);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

bool problem_has_fields(const struct problem *prob)
{
	return prob->nfields > 0;
}
