/* A noun's fields in JSON, driven by its field table (domain/field.h):
 * reading a request body into the noun's input struct, writing a record's
 * fields into an answer, and the noun's OpenAPI component schemas. The
 * table's FIELD_CUSTOM fields go to the noun's own callbacks. */
#ifndef YZ_API_FIELDS_H
#define YZ_API_FIELDS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/problem.h"
#include "core/sb.h"
#include "domain/field.h"

/* Reads a FIELD_CUSTOM field's value v into in (marking it given), or adds
 * a field error. */
typedef void (*fields_parse_fn)(const struct field *f, json_t *v, void *in, void *ctx,
				struct problem *prob);

/* Reads body into in: every key must be a field of the table that a request
 * may set (else "unknown field"); each value is checked for its type and
 * range, trimmed if it is text, and marked given; null clears an optional
 * field. Every error is added to prob, none stops the reading. */
void fields_parse(const struct noun *n, json_t *body, void *in, fields_parse_fn custom, void *ctx,
		  struct problem *prob);

/* What a viewer sees of a record. */
struct fields_view {
	bool summary;	  /* only the FIELD_SUMMARY fields */
	bool whole_phone; /* FIELD_MASKED fields unmasked */
	bool staff;	  /* FIELD_STAFF fields shown */
};

/* Writes a FIELD_CUSTOM field of rec as ,"name":value (or nothing). A
 * custom field the record keeps as text (a column and a rec_size) is
 * written as text without asking. */
typedef void (*fields_render_fn)(const struct field *f, const void *rec, struct sb *sb, void *ctx);

/* Writes the fields of rec the view shows, in table order, as
 * "name":value pairs after an opening brace the caller wrote (a comma
 * before each but the first after the brace). An optional field without a
 * value is left out; a time of 0 is null. */
void fields_render(const struct noun *n, const void *rec, const struct fields_view *view,
		   fields_render_fn custom, void *ctx, struct sb *sb);

/* Which of a noun's JSON Schemas. */
enum fields_schema_kind {
	FIELDS_CREATE,	/* a create's body: what a request may set, the required listed */
	FIELDS_UPDATE,	/* an update's body: what a request may set, none required */
	FIELDS_DETAIL,	/* what the API shows of one (every field not hidden) */
	FIELDS_SUMMARY, /* what a list shows of each (the FIELD_SUMMARY fields) */
};

/* The noun's JSON Schema (OpenAPI 3.1) of that kind. New ref. */
json_t *fields_schema(const struct noun *n, enum fields_schema_kind kind);

#endif
