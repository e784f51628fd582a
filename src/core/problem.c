/* Problem details: fixed-size, so filling one never fails or allocates. Each
 * text is formatted twice from one argument list, once from the Chinese
 * format the code wrote and once from its English in the catalog. */
#include "core/text.h"
#include "core/problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const problem_lang_tags[PROBLEM_LANG_COUNT] = { "zh-CN", "en" };

/* Only what is read before it is written: field slots past nfields are
 * never read, so starting a problem, which every request does, costs the
 * same however many fields and languages a problem can hold. */
void problem_init(struct problem *prob)
{
	prob->rc = RC_OK;
	prob->type[0] = '\0';
	prob->detail[0] = '\0';
	prob->detail_en[0] = '\0';
	prob->retry_after_s = 0;
	prob->status = 0;
	prob->nfields = 0;
}

/* The English format comes from a table, not a literal, so the compiler
 * cannot check it against the arguments; the catalog's unit test checks
 * that every English format takes the same conversions, in the same order,
 * as its Chinese one, which the compiler did check. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void format_both(char *zh, size_t zh_cap, char *en, size_t en_cap, const char *fmt,
			va_list ap)
{
	va_list ap_en;
	va_copy(ap_en, ap);
	vsnprintf(zh, zh_cap, fmt, ap);
	const char *en_fmt = problem_en(fmt);
	if (en_fmt)
		vsnprintf(en, en_cap, en_fmt, ap_en);
	else
		text_copy(en, en_cap, zh);
	va_end(ap_en);
}
#pragma GCC diagnostic pop

enum rc problem_set(struct problem *prob, enum rc rc, const char *type, const char *fmt, ...)
{
	va_list ap;
	prob->rc = rc;
	text_copy(prob->type, sizeof(prob->type), type ? type : "");
	va_start(ap, fmt);
	format_both(prob->detail, sizeof(prob->detail), prob->detail_en, sizeof(prob->detail_en),
		    fmt, ap);
	va_end(ap);
	return rc;
}

void problem_field(struct problem *prob, const char *name, const char *fmt, ...)
{
	if (prob->rc == RC_OK) {
		prob->rc = RC_INVALID;
		text_copy(prob->type, sizeof(prob->type), "validation");
		text_copy(prob->detail, sizeof(prob->detail), "请求内容有误，请检查标出的字段。");
		text_copy(prob->detail_en, sizeof(prob->detail_en),
			  "Some fields are not valid; see the errors for each.");
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
	format_both(f->message, sizeof(f->message), f->message_en, sizeof(f->message_en), fmt, ap);
	va_end(ap);
}

bool problem_has_fields(const struct problem *prob)
{
	return prob->nfields > 0;
}

const char *problem_detail(const struct problem *prob, enum problem_lang lang)
{
	if (lang == PROBLEM_LANG_EN && prob->detail_en[0])
		return prob->detail_en;
	return prob->detail;
}

const char *problem_field_message(const struct problem *prob, size_t i, enum problem_lang lang)
{
	const struct problem_field *f = &prob->fields[i];
	if (lang == PROBLEM_LANG_EN && f->message_en[0])
		return f->message_en;
	return f->message;
}

void problem_field_en(struct problem *prob, const char *fmt, ...)
{
	if (!prob->nfields)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prob->fields[prob->nfields - 1].message_en, sizeof(prob->fields[0].message_en),
		  fmt, ap);
	va_end(ap);
}

void problem_detail_en(struct problem *prob, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prob->detail_en, sizeof(prob->detail_en), fmt, ap);
	va_end(ap);
}
