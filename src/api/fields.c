/* A noun's fields in JSON, from its field table. */
#include "api/fields.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/reply.h"
#include "core/clock.h"
#include "core/phone.h"

/* A field a request body may set. */
static bool settable(const struct field *f)
{
	return !(f->flags & FIELD_READONLY) && f->has_off != FIELD_NO_INPUT;
}

/* A FIELD_SET value: an array of distinct codes of f's choices (null or []
 * for none). */
static bool parse_set(const struct field *f, json_t *v, int64_t *bits, struct problem *prob)
{
	*bits = 0;
	if (json_is_null(v))
		return true;
	if (!json_is_array(v)) {
		problem_field(prob, f->name, "应为编码的数组 (an array of codes)");
		return false;
	}
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		const char *code = json_string_value(e);
		int bit = -1;
		for (int k = 0; code && k < 63 && f->choices[k].code; k++)
			if (strcmp(f->choices[k].code, code) == 0)
				bit = k;
		if (bit < 0) {
			problem_field(prob, f->name, "“%s”不在可选值中 (not one of the codes)",
				      code ? code : "?");
			return false;
		}
		*bits |= INT64_C(1) << bit;
	}
	return true;
}

void fields_parse(const struct noun *n, json_t *body, void *in, fields_parse_fn custom, void *ctx,
		  struct problem *prob)
{
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v)
	{
		const struct field *f = field_find(n, key);
		if (!f || !settable(f)) {
			problem_field(prob, key, "未知字段 (unknown field)");
			continue;
		}
		char *at = (char *)in + f->in_off;
		switch (f->kind) {
		case FIELD_TEXT:
		case FIELD_CODE:
			/* Given even when unreadable, so that the table's check
			 * names a missing required value too. */
			field_mark(f, in);
			*(const char **)at = field_text(body, key, false,
							f->flags & FIELD_MULTILINE, prob);
			break;
		case FIELD_INT: {
			int64_t i = 0;
			if (field_int(body, key, false, f->min, f->max, &i, prob)) {
				field_mark(f, in);
				*(int *)at = (int)i;
			} else if (json_is_null(v)) {
				problem_field(prob, key, "必填 (required)");
			}
			break;
		}
		case FIELD_INT64: {
			int64_t i = 0;
			if (json_is_null(v) && (f->flags & FIELD_OPTIONAL)) {
				field_mark(f, in);
				*(int64_t *)at = 0;
			} else if (json_is_null(v)) {
				problem_field(prob, key, "必填 (required)");
			} else if (field_int(body, key, false, f->min, f->max ? f->max : INT64_MAX,
					     &i, prob)) {
				field_mark(f, in);
				*(int64_t *)at = i;
			}
			break;
		}
		case FIELD_REAL: {
			double d = 0;
			if (json_is_null(v) && (f->flags & FIELD_OPTIONAL)) {
				field_mark(f, in);
				*(double *)at = 0;
			} else if (field_number(body, key, true, &d, prob)) {
				field_mark(f, in);
				*(double *)at = d;
			}
			break;
		}
		case FIELD_BOOL:
			if (json_is_boolean(v)) {
				field_mark(f, in);
				*(bool *)at = json_is_true(v);
			} else {
				problem_field(prob, key, "应为 true 或 false");
			}
			break;
		case FIELD_SET: {
			int64_t bits = 0;
			if (parse_set(f, v, &bits, prob)) {
				field_mark(f, in);
				*(int64_t *)at = bits;
			}
			break;
		}
		case FIELD_CUSTOM:
			if (custom)
				custom(f, v, in, ctx, prob);
			break;
		default: problem_field(prob, key, "未知字段 (unknown field)"); break;
		}
	}
}

static void add_key(struct sb *sb, const char *name)
{
	if (sb->len && sb->buf[sb->len - 1] != '{')
		sb_addc(sb, ',');
	sb_addc(sb, '"');
	sb_adds(sb, name);
	sb_addlit(sb, "\":");
}

static void add_text(struct sb *sb, const char *s)
{
	sb_addc(sb, '"');
	sb_add_json_escaped(sb, s, strlen(s));
	sb_addc(sb, '"');
}

void fields_render(const struct noun *n, const void *rec, const struct fields_view *view,
		   fields_render_fn custom, void *ctx, struct sb *sb)
{
	for (size_t i = 0; i < n->nfields; i++) {
		const struct field *f = &n->fields[i];
		if (f->vis == FIELD_HIDDEN || (f->vis == FIELD_STAFF && !view->staff) ||
		    (view->summary && !(f->flags & FIELD_SUMMARY)))
			continue;
		const char *at = (const char *)rec + f->rec_off;
		/* A custom field kept as text in the record shows as text. */
		enum field_kind kind = f->kind == FIELD_CUSTOM && f->rec_size ? FIELD_TEXT
									      : f->kind;
		switch (kind) {
		case FIELD_TEXT:
		case FIELD_CODE:
			if (!*at && (f->flags & FIELD_OPTIONAL))
				break;
			add_key(sb, f->name);
			if (f->vis == FIELD_MASKED && !view->whole_phone) {
				char masked[12];
				phone_mask(at, masked);
				add_text(sb, masked);
			} else {
				add_text(sb, at);
			}
			break;
		case FIELD_INT:
			add_key(sb, f->name);
			sb_add_int(sb, *(const int *)at);
			break;
		case FIELD_INT64:
			if (!*(const int64_t *)at && (f->flags & FIELD_OPTIONAL))
				break;
			add_key(sb, f->name);
			sb_add_int(sb, *(const int64_t *)at);
			break;
		case FIELD_REAL:
			if (*(const double *)at == 0 && (f->flags & FIELD_OPTIONAL))
				break;
			add_key(sb, f->name);
			sb_add_fixed(sb, *(const double *)at, 6);
			break;
		case FIELD_BOOL:
			add_key(sb, f->name);
			if (*(const bool *)at)
				sb_addlit(sb, "true");
			else
				sb_addlit(sb, "false");
			break;
		case FIELD_SET: {
			add_key(sb, f->name);
			sb_addc(sb, '[');
			int64_t bits = *(const int64_t *)at;
			bool first = true;
			for (int k = 0; k < 63 && f->choices[k].code; k++) {
				if (!(bits & (INT64_C(1) << k)))
					continue;
				if (!first)
					sb_addc(sb, ',');
				first = false;
				add_text(sb, f->choices[k].code);
			}
			sb_addc(sb, ']');
			break;
		}
		case FIELD_TIME: {
			add_key(sb, f->name);
			int64_t t = *(const int64_t *)at;
			if (!t) {
				sb_addlit(sb, "null");
				break;
			}
			char buf[32];
			clock_rfc3339(t, buf);
			add_text(sb, buf);
			break;
		}
		case FIELD_CUSTOM:
			if (custom)
				custom(f, rec, sb, ctx);
			break;
		}
	}
}

static json_t *field_schema(const struct field *f, bool input)
{
	json_t *s = json_object();
	switch (f->kind) {
	case FIELD_TEXT:
	case FIELD_CODE:
		json_object_set_new(s, "type",
				    input && (f->flags & FIELD_OPTIONAL)
					    ? json_pack("[s,s]", "string", "null")
					    : json_string("string"));
		if (f->kind == FIELD_TEXT && f->max && f->vis != FIELD_MASKED) {
			json_object_set_new(s, "maxLength", json_integer(f->max));
			if (input && f->min)
				json_object_set_new(s, "minLength", json_integer(f->min));
		}
		if (f->kind == FIELD_CODE && f->choices) {
			json_t *e = json_array();
			for (const struct field_choice *c = f->choices; c->code; c++)
				json_array_append_new(e, json_string(c->code));
			json_object_set_new(s, "enum", e);
		}
		break;
	case FIELD_INT:
		json_object_set_new(s, "type", json_string("integer"));
		json_object_set_new(s, "minimum", json_integer(f->min));
		json_object_set_new(s, "maximum", json_integer(f->max));
		break;
	case FIELD_INT64:
		json_object_set_new(s, "type",
				    input && (f->flags & FIELD_OPTIONAL)
					    ? json_pack("[s,s]", "integer", "null")
					    : json_string("integer"));
		json_object_set_new(s, "minimum", json_integer(f->min));
		if (f->max)
			json_object_set_new(s, "maximum", json_integer(f->max));
		break;
	case FIELD_SET: {
		json_t *e = json_array();
		for (const struct field_choice *c = f->choices; c && c->code; c++)
			json_array_append_new(e, json_string(c->code));
		json_object_set_new(s, "type",
				    input && (f->flags & FIELD_OPTIONAL)
					    ? json_pack("[s,s]", "array", "null")
					    : json_string("array"));
		json_object_set_new(s, "items",
				    json_pack("{s:s,s:o}", "type", "string", "enum", e));
		json_object_set_new(s, "uniqueItems", json_true());
		break;
	}
	case FIELD_REAL:
		json_object_set_new(s, "type",
				    input && (f->flags & FIELD_OPTIONAL)
					    ? json_pack("[s,s]", "number", "null")
					    : json_string("number"));
		if (f->min || f->max) {
			json_object_set_new(s, "minimum", json_integer(f->min));
			json_object_set_new(s, "maximum", json_integer(f->max));
		}
		break;
	case FIELD_BOOL: json_object_set_new(s, "type", json_string("boolean")); break;
	case FIELD_TIME:
		json_object_set_new(s, "type", json_pack("[s,s]", "string", "null"));
		json_object_set_new(s, "format", json_string("date-time"));
		break;
	case FIELD_CUSTOM:
		/* Without a schema of its own, a custom field is text. */
		if (!f->schema_ref) {
			json_object_set_new(s, "type", json_string("string"));
		} else {
			char ref[96];
			snprintf(ref, sizeof(ref), "#/components/schemas/%s", f->schema_ref);
			json_object_set_new(s, "$ref", json_string(ref));
		}
		break;
	}
	if (f->doc)
		json_object_set_new(s, "description", json_string(f->doc));
	if (!input && (f->flags & FIELD_READONLY))
		json_object_set_new(s, "readOnly", json_true());
	if (input && f->vis == FIELD_HIDDEN)
		json_object_set_new(s, "writeOnly", json_true());
	return s;
}

json_t *fields_schema(const struct noun *n, enum fields_schema_kind kind)
{
	bool input = kind == FIELDS_CREATE || kind == FIELDS_UPDATE;
	json_t *props = json_object(), *required = json_array();
	for (size_t i = 0; i < n->nfields; i++) {
		const struct field *f = &n->fields[i];
		if (input ? !settable(f) : f->vis == FIELD_HIDDEN)
			continue;
		if (kind == FIELDS_SUMMARY && !(f->flags & FIELD_SUMMARY))
			continue;
		json_object_set_new(props, f->name, field_schema(f, input));
		if (kind == FIELDS_CREATE && (f->flags & FIELD_REQUIRED))
			json_array_append_new(required, json_string(f->name));
		else if (!input && !(f->flags & FIELD_OPTIONAL))
			json_array_append_new(required, json_string(f->name));
	}
	json_t *s = json_pack("{s:s,s:o}", "type", "object", "properties", props);
	if (input)
		json_object_set_new(s, "additionalProperties", json_false());
	if (json_array_size(required))
		json_object_set_new(s, "required", required);
	else
		json_decref(required);
	return s;
}
