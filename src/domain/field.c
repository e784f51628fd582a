/* Field tables: the work every noun's fields share, driven by the noun's
 * static table (field.h). */
#include "domain/field.h"

#include <stdio.h>
#include <string.h>

#include "core/text.h"

const struct field *field_find(const struct noun *n, const char *name)
{
	for (size_t i = 0; name && i < n->nfields; i++)
		if (!strcmp(n->fields[i].name, name))
			return &n->fields[i];
	return NULL;
}

/* A field the input carries (not read-only, has a "given" flag). */
static bool is_input(const struct field *f)
{
	return !(f->flags & FIELD_READONLY) && f->has_off != FIELD_NO_INPUT;
}

/* A field stored by field_insert/field_update: an input with a column. */
static bool is_plain_input(const struct field *f)
{
	return is_input(f) && f->column && f->kind != FIELD_CUSTOM;
}

bool field_given(const struct field *f, const void *in)
{
	return is_input(f) && *(const bool *)((const char *)in + f->has_off);
}

void field_mark(const struct field *f, void *in)
{
	if (is_input(f))
		*(bool *)((char *)in + f->has_off) = true;
}

static const char *in_text(const struct field *f, const void *in)
{
	return *(const char *const *)((const char *)in + f->in_off);
}

static int in_int(const struct field *f, const void *in)
{
	return *(const int *)((const char *)in + f->in_off);
}

static int64_t in_int64(const struct field *f, const void *in)
{
	return *(const int64_t *)((const char *)in + f->in_off);
}

static double in_real(const struct field *f, const void *in)
{
	return *(const double *)((const char *)in + f->in_off);
}

static bool in_bool(const struct field *f, const void *in)
{
	return *(const bool *)((const char *)in + f->in_off);
}

static bool has_control(const char *s, bool multiline)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && !(multiline && *s == '\n'))
			return true;
	return false;
}

static bool choice_known(const struct field_choice *c, const char *code)
{
	for (; code && c && c->code; c++)
		if (!strcmp(c->code, code))
			return true;
	return false;
}

/* The table's message for a bad value of f: a literal of the noun's table,
 * with at most one %d, given f's maximum. The literals are checked against
 * the English catalog like every other (scripts/check-problem-texts.mjs). */
static void field_invalid(const struct field *f, struct problem *prob, const char *fallback)
{
	const char *fmt = f->invalid ? f->invalid : fallback;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	problem_field(prob, f->name, fmt, (int)f->max);
#pragma GCC diagnostic pop
}

void field_check(const struct noun *n, const void *in, bool create, struct problem *prob)
{
	for (size_t i = 0; i < n->nfields; i++) {
		const struct field *f = &n->fields[i];
		if (!is_input(f) || f->kind == FIELD_CUSTOM)
			continue;
		bool given = field_given(f, in);
		if (!given && !(create && (f->flags & FIELD_REQUIRED)))
			continue;
		switch (f->kind) {
		case FIELD_TEXT: {
			const char *s = given ? in_text(f, in) : NULL;
			if (!s || !*s) {
				if (!(f->flags & FIELD_OPTIONAL))
					field_invalid(f, prob, "请填写（最多 %d 个字）");
				break;
			}
			size_t chars = text_chars(s);
			if ((int64_t)chars < (f->min > 0 ? f->min : 1) || (int64_t)chars > f->max ||
			    has_control(s, f->flags & FIELD_MULTILINE))
				field_invalid(f, prob, "应为最多 %d 个字的文字");
			break;
		}
		case FIELD_CODE: {
			const char *s = given ? in_text(f, in) : NULL;
			if ((s && *s) || !(f->flags & FIELD_OPTIONAL))
				if (!choice_known(f->choices, s))
					field_invalid(f, prob, "不是可选的值之一");
			break;
		}
		case FIELD_INT:
			if (!given || in_int(f, in) < f->min || in_int(f, in) > f->max)
				field_invalid(f, prob, "应为不超过 %d 的整数");
			break;
		case FIELD_INT64:
			if (!given || in_int64(f, in) < f->min ||
			    (f->max && in_int64(f, in) > f->max))
				field_invalid(f, prob, "应为非负整数");
			break;
		case FIELD_REAL:
			if (!given || in_real(f, in) < (double)f->min ||
			    in_real(f, in) > (double)f->max)
				field_invalid(f, prob, "应为 %d 以内的数");
			break;
		case FIELD_SET: {
			size_t nchoices = 0;
			while (f->choices && f->choices[nchoices].code)
				nchoices++;
			uint64_t known = nchoices >= 64 ? UINT64_MAX
							: (UINT64_C(1) << nchoices) - 1;
			if ((uint64_t)in_int64(f, in) & ~known)
				field_invalid(f, prob, "含有不在可选值中的项");
			break;
		}
		default: break;
		}
	}
}

void field_columns(const struct noun *n, struct sb *sb)
{
	bool first = true;
	for (size_t i = 0; i < n->nfields; i++) {
		const struct field *f = &n->fields[i];
		if (!f->column)
			continue;
		if (!first)
			sb_addlit(sb, ", ");
		sb_adds(sb, f->column);
		first = false;
	}
}

const char *field_select(const struct noun *n, const char *tail)
{
	struct sb sql = SB_INIT;
	sb_addlit(&sql, "SELECT ");
	field_columns(n, &sql);
	sb_addf(&sql, " FROM %s %s", n->table, tail);
	const char *out = db_sql_intern(sb_str(&sql));
	sb_release(&sql);
	return out;
}

void field_from_row(const struct noun *n, const struct db_rows *rows, size_t i, size_t col,
		    void *rec)
{
	char *base = rec;
	for (size_t k = 0; k < n->nfields; k++) {
		const struct field *f = &n->fields[k];
		if (!f->column)
			continue;
		void *at = base + f->rec_off;
		switch (f->kind) {
		case FIELD_TEXT:
		case FIELD_CODE: text_copy(at, f->rec_size, db_rows_text(rows, i, col)); break;
		case FIELD_INT: *(int *)at = (int)db_rows_int(rows, i, col); break;
		case FIELD_INT64:
		case FIELD_SET:
		case FIELD_TIME: *(int64_t *)at = db_rows_int(rows, i, col); break;
		case FIELD_REAL: *(double *)at = db_rows_real(rows, i, col); break;
		case FIELD_BOOL: *(bool *)at = db_rows_int(rows, i, col) != 0; break;
		case FIELD_CUSTOM:
			/* A custom field with a column of its own reads as text. */
			if (f->rec_size)
				text_copy(at, f->rec_size, db_rows_text(rows, i, col));
			break;
		}
		col++;
	}
}

/* The value of plain input field f to store: given, or its default. */
static struct db_val stored_value(const struct field *f, const void *in)
{
	bool given = field_given(f, in);
	switch (f->kind) {
	case FIELD_TEXT:
	case FIELD_CODE: {
		const char *s = given ? in_text(f, in) : f->def;
		return DB_T(s && *s ? s : NULL);
	}
	case FIELD_INT: return DB_I(given ? in_int(f, in) : 0);
	case FIELD_SET: return DB_I(given ? in_int64(f, in) : 0);
	case FIELD_REAL: return given ? DB_R(in_real(f, in)) : DB_NUL;
	case FIELD_BOOL: return DB_I(given ? in_bool(f, in) : f->def && !strcmp(f->def, "1"));
	case FIELD_INT64: {
		int64_t v = given ? in_int64(f, in) : 0;
		return (f->flags & FIELD_OPTIONAL) ? DB_IOPT(v != 0, v) : DB_I(v);
	}
	default: return DB_NUL;
	}
}

#define FIELD_PARAMS_MAX 48

enum rc field_insert(struct db_tx *tx, const struct noun *n, const void *in,
		     const struct field_extra *extra, size_t nextra, int64_t *id,
		     struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct db_val params[FIELD_PARAMS_MAX];
	size_t np = 0;
	struct sb cols = SB_INIT, vals = SB_INIT;
	for (size_t i = 0; i < n->nfields + nextra; i++) {
		const char *column;
		const char *expr = NULL;
		struct db_val v;
		if (i < n->nfields) {
			const struct field *f = &n->fields[i];
			if (!is_plain_input(f))
				continue;
			column = f->column;
			v = stored_value(f, in);
		} else {
			column = extra[i - n->nfields].column;
			expr = extra[i - n->nfields].expr;
			v = extra[i - n->nfields].value;
		}
		if (cols.len) {
			sb_addlit(&cols, ", ");
			sb_addlit(&vals, ", ");
		}
		sb_adds(&cols, column);
		if (expr) {
			sb_adds(&vals, expr);
		} else if (np < FIELD_PARAMS_MAX) {
			params[np++] = v;
			sb_addf(&vals, "$%zu", np);
		}
	}
	struct sb sql = SB_INIT;
	sb_addf(&sql, "INSERT INTO %s (%s) VALUES (%s) RETURNING id", n->table, sb_str(&cols),
		sb_str(&vals));
	sb_release(&cols);
	sb_release(&vals);
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np, &rows, prob);
	sb_release(&sql);
	if (rc != RC_OK)
		return rc;
	*id = db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	return RC_OK;
}

enum rc field_update(struct db_tx *tx, const struct noun *n, int64_t id, const void *in,
		     const struct field_extra *extra, size_t nextra, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct db_val params[FIELD_PARAMS_MAX];
	size_t np = 0;
	struct sb sql = SB_INIT;
	sb_addf(&sql, "UPDATE %s SET ", n->table);
	bool first = true;
	for (size_t i = 0; i < n->nfields + nextra; i++) {
		const char *column;
		const char *expr = NULL;
		struct db_val v;
		if (i < n->nfields) {
			const struct field *f = &n->fields[i];
			if (!is_plain_input(f) || !field_given(f, in))
				continue;
			column = f->column;
			v = stored_value(f, in);
		} else {
			column = extra[i - n->nfields].column;
			expr = extra[i - n->nfields].expr;
			v = extra[i - n->nfields].value;
		}
		if (!first)
			sb_addlit(&sql, ", ");
		first = false;
		if (expr) {
			sb_addf(&sql, "%s = %s", column, expr);
		} else if (np < FIELD_PARAMS_MAX - 1) {
			params[np++] = v;
			sb_addf(&sql, "%s = $%zu", column, np);
		}
	}
	params[np++] = DB_I(id);
	sb_addf(&sql, " WHERE id = $%zu RETURNING id", np);
	struct db_rows *rows = NULL;
	enum rc rc = first ? RC_OK
			   : db_exec(db, db_sql_intern(sb_str(&sql)), params, np, &rows, prob);
	sb_release(&sql);
	if (rc != RC_OK || first)
		return rc;
	size_t found = db_rows_count(rows);
	db_rows_free(rows);
	return found ? RC_OK
		     : problem_set(prob, RC_NOT_FOUND, "not-found", "没有这一项 (not found)");
}

enum rc field_allowed(const struct noun *n, const void *in, bool (*allow)(void *ctx, enum action a),
		      void *ctx, struct problem *prob)
{
	struct problem denied;
	problem_init(&denied);
	for (size_t i = 0; i < n->nfields; i++) {
		const struct field *f = &n->fields[i];
		if (!field_given(f, in) || allow(ctx, f->edit))
			continue;
		if (!problem_has_fields(&denied))
			problem_set(&denied, RC_FORBIDDEN, "forbidden-field",
				    "无权修改标出的字段 (you may not change the fields marked)");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		problem_field(&denied, f->name, f->denied ? f->denied : "无权修改这一项", 0);
#pragma GCC diagnostic pop
	}
	if (!problem_has_fields(&denied))
		return RC_OK;
	*prob = denied;
	return prob->rc;
}

size_t field_editable(const struct noun *n, bool (*allow)(void *ctx, enum action a), void *ctx,
		      const char *out[], size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n->nfields && k < cap; i++)
		if (is_input(&n->fields[i]) && allow(ctx, n->fields[i].edit))
			out[k++] = n->fields[i].name;
	return k;
}

void field_given_names(const struct noun *n, const void *in, struct sb *sb)
{
	for (size_t i = 0; i < n->nfields; i++) {
		if (!field_given(&n->fields[i], in))
			continue;
		if (sb->len)
			sb_addc(sb, ',');
		sb_adds(sb, n->fields[i].name);
	}
}

bool field_text_ok(struct problem *prob, const char *field, const char *s, size_t max,
		   bool required, bool multiline)
{
	if (!s || !*s) {
		if (required) {
			problem_field(prob, field, "不能为空");
			return false;
		}
		return true;
	}
	size_t len = strlen(s);
	for (size_t i = 0, start = 0; i <= len; i++) {
		if (i < len && !(multiline && s[i] == '\n'))
			continue;
		size_t end = i;
		if (multiline && end > start && s[end - 1] == '\r')
			end--;
		enum text_fault f = text_line_fault(s + start, end - start);
		if (f != TEXT_FINE) {
			problem_field(prob, field,
				      multiline
					      ? "含有不能保存的字符（控制字符或双向控制符）"
					      : "含有不能保存的字符（换行、控制字符或双向控制符）");
			return false;
		}
		start = i + 1;
	}
	if (text_chars(s) > max) {
		problem_field(prob, field, "太长了：最多 %d 个字", (int)max);
		return false;
	}
	return true;
}

int field_choice_index(const struct field_choice *choices, const char *code)
{
	for (int i = 0; code && choices[i].code; i++)
		if (!strcmp(choices[i].code, code))
			return i;
	return -1;
}

const char *field_choice_zh(const struct field_choice *choices, const char *code)
{
	int i = field_choice_index(choices, code);
	return i >= 0 ? choices[i].zh : code ? code : "";
}

const char *field_choice_en(const struct field_choice *choices, const char *code)
{
	int i = field_choice_index(choices, code);
	return i >= 0 ? choices[i].en : code ? code : "";
}
