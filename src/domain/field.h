/* Field tables: each noun (station, account …) describes its fields once, in
 * a static table in the manner of nginx's ngx_command_t — the JSON name, the
 * column, the C type and where the value sits in the noun's record and input
 * structs, the limits, whether a create needs it, who may see it and who may
 * change it. That one table drives validation (every field error at once),
 * the SQL column list and row mapping, the INSERT and the UPDATE of the
 * fields given, the per-field permission check, the audit row's list of
 * changed fields, and, in api/, parsing, rendering and the OpenAPI schema.
 *
 * A field the table cannot describe in these terms (a location, opening
 * hours, a list of rooms) is FIELD_CUSTOM: the table still names it, says
 * who may change it and documents it, and the noun's own code parses,
 * validates, stores and renders it.
 *
 * Adding an editable field to a noun is a migration, a member in its record
 * and input structs, and one row. docs/internals/nouns.md walks through it. */
#ifndef YZ_DOMAIN_FIELD_H
#define YZ_DOMAIN_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "core/sb.h"
#include "db/db.h"
#include "domain/permission.h"

enum field_kind {
	FIELD_TEXT,   /* record: char[rec_size]; input: const char * */
	FIELD_CODE,   /* text from the table's choices; record char[], input const char * */
	FIELD_INT,    /* record and input: int */
	FIELD_INT64,  /* record and input: int64_t (an id of another row: 0 is none, NULL) */
	FIELD_REAL,   /* record and input: double, within [min, max]; stored NULL when not given */
	FIELD_BOOL,   /* record and input: bool, stored 0 or 1; a create without it stores
		       * def "1" as true, anything else as false */
	FIELD_TIME,   /* record: int64_t Unix seconds, shown as RFC 3339 (read-only) */
	FIELD_SET,    /* codes from the table's choices, several at once: record and input
		       * int64_t with bit i for choices[i]; JSON an array of codes */
	FIELD_CUSTOM, /* the noun's own code does the work; the table documents it */
};

/* Who sees a field when the noun is shown. */
enum field_vis {
	FIELD_PUBLIC, /* everyone who may see the noun */
	FIELD_MASKED, /* everyone, masked (a phone number) unless the viewer may see it whole */
	FIELD_STAFF,  /* only those who may manage the noun */
	FIELD_HIDDEN, /* nobody: written, never shown (a password, a secret) */
};

#define FIELD_REQUIRED	0x01u /* a create needs it */
#define FIELD_OPTIONAL	0x02u /* may be empty: stored NULL, left out when shown */
#define FIELD_MULTILINE 0x04u /* text that may hold line breaks */
#define FIELD_READONLY	0x08u /* shown, never written through the input (id, times) */
#define FIELD_SUMMARY	0x10u /* in the summary as well as the detail */
#define FIELD_NO_INPUT	((size_t)-1)

/* A code a FIELD_CODE field may take, with its names. */
struct field_choice {
	const char *code, *zh, *en;
};

struct field {
	const char *name;   /* in JSON, in field errors, in the audit row */
	const char *column; /* in the noun's table; NULL: not a plain column */
	enum field_kind kind;
	unsigned flags;
	enum field_vis vis;
	size_t rec_off, rec_size;	    /* the value in the record struct */
	size_t in_off, has_off;		    /* the value and its "given" flag in the input struct */
	int64_t min, max;		    /* text: characters; numbers: values */
	const struct field_choice *choices; /* FIELD_CODE: NULL-terminated */
	const char *def;		    /* text stored on create when not given */
	enum action edit;		    /* needed, beyond editing the noun, to change it */
	/* Chinese format for a bad value, with at most one %d (given max), or
	 * NULL for the kind's own message. */
	const char *invalid;
	/* Chinese text of the refusal when edit is not held, or NULL. */
	const char *denied;
	const char *doc;	/* OpenAPI description */
	const char *schema_ref; /* FIELD_CUSTOM: the component schema it takes */
};

struct noun {
	const char *name;  /* "station": audit object type, OpenAPI schema stem */
	const char *table; /* "stations" */
	const struct field *fields;
	size_t nfields;
};

/* The row of field name, or NULL. */
const struct field *field_find(const struct noun *n, const char *name);

/* True if field f was given in the input struct in. */
bool field_given(const struct field *f, const void *in);
/* Marks f as given in in. */
void field_mark(const struct field *f, void *in);

/* Checks the plain fields of in: those given (and, for a create, those
 * FIELD_REQUIRED) — text length and control characters, codes against the
 * choices, numbers against the limits. Adds a field error for each bad one;
 * FIELD_CUSTOM fields are the noun's to check. */
void field_check(const struct noun *n, const void *in, bool create, struct problem *prob);
/* The index of code among choices (NULL-terminated), or -1. */
int field_choice_index(const struct field_choice *choices, const char *code);
/* The Chinese or English name of code among choices; code itself (or "")
 * when it is not one of them. */
const char *field_choice_zh(const struct field_choice *choices, const char *code);
const char *field_choice_en(const struct field_choice *choices, const char *code);
/* Checks a text typed by a person for a command without a field table:
 * NULL or "" passes unless required ("不能为空"); otherwise it must hold no
 * control character or bidirectional override (multiline allows line
 * breaks, "\n" or "\r\n") and at most max characters. False with a field
 * error on field when not. */
bool field_text_ok(struct problem *prob, const char *field, const char *s, size_t max,
		   bool required, bool multiline);

/* Appends the list of the noun's columns ("id, name, …", in table order) to
 * sb: the SELECT list field_from_row maps. A column may be an expression
 * ("pw_hash IS NOT NULL"); a FIELD_CUSTOM field with a column and a
 * rec_size reads as text, the noun's own code writes it. */
void field_columns(const struct noun *n, struct sb *sb);
/* "SELECT <field_columns> FROM <table> <tail>", stored once (db_sql_intern,
 * so the engine prepares it once): borrowed for the life of the process. */
const char *field_select(const struct noun *n, const char *tail);
/* Fills rec from row i of rows, columns in field_columns order from col. */
void field_from_row(const struct noun *n, const struct db_rows *rows, size_t i, size_t col,
		    void *rec);

/* A column the noun's own code sets on insert or update besides the table's
 * (qr_token, created_s …). */
struct field_extra {
	const char *column;
	struct db_val value;
	const char *expr; /* instead of value: SQL for the new value ("version + 1") */
};

/* INSERT INTO the noun's table the plain columns of in (given or defaulted;
 * an empty optional text and a 0 id as NULL) and extra; *id gets the new
 * row's id. */
enum rc field_insert(struct db_tx *tx, const struct noun *n, const void *in,
		     const struct field_extra *extra, size_t nextra, int64_t *id,
		     struct problem *prob);
/* UPDATE the row id: the plain columns given in in, and extra. Returns
 * RC_NOT_FOUND if no row has that id. */
enum rc field_update(struct db_tx *tx, const struct noun *n, int64_t id, const void *in,
		     const struct field_extra *extra, size_t nextra, struct problem *prob);

/* Asks allow(ctx, action) for each field given in in; RC_FORBIDDEN naming
 * every field the caller may not change, else RC_OK. */
enum rc field_allowed(const struct noun *n, const void *in, bool (*allow)(void *ctx, enum action a),
		      void *ctx, struct problem *prob);
/* The names of the fields the caller may change (allow, as above) into
 * out[0..cap); returns how many. */
size_t field_editable(const struct noun *n, bool (*allow)(void *ctx, enum action a), void *ctx,
		      const char *out[], size_t cap);
/* Appends the names of the fields given in in, comma-separated, to sb. */
void field_given_names(const struct noun *n, const void *in, struct sb *sb);

#endif
