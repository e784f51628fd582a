/* Tests of src/domain/field.c with a small noun of its own (a "toy" with a
 * name, a kind from a list, a size, an owner and a note) on a fresh SQLite
 * store: the table's checks report every bad field at once, a create needs
 * the required ones and an update only checks what it gives, rows go in and
 * come back through the table's columns, an update writes only the fields
 * given, and each field's permission is asked of the caller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/log.h"
#include "domain/field.h"
#include "fixture.h"

struct toy {
	int64_t id;
	char name[32];
	char kind[16];
	int size;
	int64_t owner_id;
	char note[64];
	int64_t created_s;
};

struct toy_input {
	bool has_name, has_kind, has_size, has_owner, has_note;
	const char *name, *kind, *note;
	int size;
	int64_t owner_id;
};

static const struct field_choice toy_kinds[] = {
	{ "ball", "球", "Ball" },
	{ "kite", "风筝", "Kite" },
	{ NULL, NULL, NULL },
};

#define REC(m) .rec_off = offsetof(struct toy, m), .rec_size = sizeof(((struct toy *)0)->m)
#define IN(m, has) \
	.in_off = offsetof(struct toy_input, m), .has_off = offsetof(struct toy_input, has)
#define NO_INPUT .in_off = FIELD_NO_INPUT, .has_off = FIELD_NO_INPUT

/* clang-format off */
static const struct field toy_fields[] = {
	{ .name = "id", .column = "id", .kind = FIELD_INT64, .flags = FIELD_READONLY, REC(id), NO_INPUT },
	{ .name = "name", .column = "name", .kind = FIELD_TEXT, .flags = FIELD_REQUIRED, REC(name),
	  IN(name, has_name), .max = 6, .edit = ACT_STATION_PROFILE, .invalid = "名称应为 1–%d 个字",
	  .denied = "只有街道、社区工作人员或管理员可以修改" },
	{ .name = "kind", .column = "kind", .kind = FIELD_CODE, REC(kind), IN(kind, has_kind),
	  .choices = toy_kinds, .def = "ball", .edit = ACT_STATION_EDIT },
	{ .name = "size", .column = "size", .kind = FIELD_INT, REC(size), IN(size, has_size), .min = 1,
	  .max = 9, .edit = ACT_STATION_RATE, .denied = "星级来自考核评定，只有管理员可以修改" },
	{ .name = "owner_id", .column = "owner_id", .kind = FIELD_INT64, .flags = FIELD_OPTIONAL,
	  REC(owner_id), IN(owner_id, has_owner), .edit = ACT_STATION_EDIT },
	{ .name = "note", .column = "note", .kind = FIELD_TEXT, .flags = FIELD_OPTIONAL | FIELD_MULTILINE,
	  REC(note), IN(note, has_note), .max = 20, .edit = ACT_STATION_EDIT },
	{ .name = "created_at", .column = "created_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(created_s), NO_INPUT },
};
/* clang-format on */

static const struct noun toy_noun = { "toy", "toys", toy_fields,
				      sizeof(toy_fields) / sizeof(toy_fields[0]) };

static struct fx_engine eng;
static struct db *db;

static int setup(void **state)
{
	(void)state;
	db = fx_fresh(&eng);
	if (!db)
		return -1;
	struct problem prob;
	problem_init(&prob);
	return db_exec_script(db,
			      "CREATE TABLE toys (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
			      " kind TEXT NOT NULL, size INTEGER NOT NULL, owner_id INTEGER,"
			      " note TEXT, created_s INTEGER NOT NULL DEFAULT 0)",
			      &prob) == RC_OK
		       ? 0
		       : -1;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&eng, db);
	return 0;
}

static const char *field_message(const struct problem *prob, const char *name)
{
	for (size_t i = 0; i < prob->nfields; i++)
		if (!strcmp(prob->fields[i].name, name))
			return prob->fields[i].message;
	return NULL;
}

static void every_bad_field_at_once(void **state)
{
	(void)state;
	struct toy_input in = { .has_name = true,
				.name = "一个很长很长的名字",
				.has_kind = true,
				.kind = "drum",
				.has_size = true,
				.size = 10,
				.has_note = true,
				.note = "有\x01控制字符" };
	struct problem prob;
	problem_init(&prob);
	field_check(&toy_noun, &in, false, &prob);
	assert_int_equal(prob.rc, RC_INVALID);
	assert_int_equal(prob.nfields, 4);
	assert_string_equal(field_message(&prob, "name"), "名称应为 1–6 个字");
	assert_non_null(field_message(&prob, "kind"));
	assert_non_null(field_message(&prob, "size"));
	assert_non_null(field_message(&prob, "note"));

	/* An update checks what it gives; a create also what it needs. */
	struct toy_input some = { .has_note = true, .note = "第一行\n第二行" };
	problem_init(&prob);
	field_check(&toy_noun, &some, false, &prob);
	assert_false(problem_has_fields(&prob));
	field_check(&toy_noun, &some, true, &prob);
	assert_int_equal(prob.nfields, 1);
	assert_non_null(field_message(&prob, "name"));

	/* An optional text may be emptied; a required one may not. */
	struct toy_input blank = { .has_name = true, .name = "", .has_note = true, .note = "" };
	problem_init(&prob);
	field_check(&toy_noun, &blank, false, &prob);
	assert_int_equal(prob.nfields, 1);
	assert_non_null(field_message(&prob, "name"));
}

static struct toy read_toy(int64_t id)
{
	struct toy t;
	memset(&t, 0xa5, sizeof(t));
	struct sb sql = SB_INIT;
	sb_addlit(&sql, "SELECT ");
	field_columns(&toy_noun, &sql);
	assert_string_equal(sb_str(&sql), "SELECT id, name, kind, size, owner_id, note, created_s");
	sb_addlit(&sql, " FROM toys WHERE id = $1");
	struct problem prob;
	problem_init(&prob);
	struct db_rows *rows = NULL;
	assert_int_equal(db_q(db, sb_str(&sql), &rows, &prob, DB_I(id)), RC_OK);
	sb_release(&sql);
	assert_int_equal(db_rows_count(rows), 1);
	memset(&t, 0, sizeof(t));
	field_from_row(&toy_noun, rows, 0, 0, &t);
	db_rows_free(rows);
	return t;
}

static void insert_update_and_read_back(void **state)
{
	(void)state;
	struct problem prob;
	problem_init(&prob);
	struct db_tx *tx = fx_begin(db);
	struct toy_input in = { .has_name = true, .name = "红球", .has_size = true, .size = 3 };
	const struct field_extra extra[] = { { "created_s", DB_I(1700000000), NULL } };
	int64_t id = 0;
	assert_int_equal(field_insert(tx, &toy_noun, &in, extra, 1, &id, &prob), RC_OK);
	assert_true(id > 0);
	struct toy t = read_toy(id);
	assert_int_equal(t.id, id);
	assert_string_equal(t.name, "红球");
	assert_string_equal(t.kind, "ball"); /* the default */
	assert_int_equal(t.size, 3);
	assert_int_equal(t.owner_id, 0);
	assert_string_equal(t.note, "");
	assert_int_equal(t.created_s, 1700000000);

	/* Only the fields given change; an expression extra is SQL. */
	struct toy_input change = {
		.has_kind = true, .kind = "kite", .has_owner = true, .owner_id = 7
	};
	const struct field_extra bump[] = { { "size", DB_NUL, "size + 1" } };
	assert_int_equal(field_update(tx, &toy_noun, id, &change, bump, 1, &prob), RC_OK);
	t = read_toy(id);
	assert_string_equal(t.name, "红球");
	assert_string_equal(t.kind, "kite");
	assert_int_equal(t.size, 4);
	assert_int_equal(t.owner_id, 7);

	/* Clearing an optional id stores NULL. */
	struct toy_input clear = { .has_owner = true, .owner_id = 0 };
	assert_int_equal(field_update(tx, &toy_noun, id, &clear, NULL, 0, &prob), RC_OK);
	struct db_rows *rows = NULL;
	assert_int_equal(
		db_q(db, "SELECT owner_id FROM toys WHERE id = $1", &rows, &prob, DB_I(id)), RC_OK);
	assert_true(db_rows_null(rows, 0, 0));
	db_rows_free(rows);

	/* No such row. */
	problem_init(&prob);
	assert_int_equal(field_update(tx, &toy_noun, id + 1000, &change, NULL, 0, &prob),
			 RC_NOT_FOUND);
	assert_int_equal(fx_end(tx, RC_OK, &prob), RC_OK);
}

static bool allow_daily_only(void *ctx, enum action a)
{
	(void)ctx;
	return a == ACT_STATION_EDIT;
}

static void each_field_asks_its_permission(void **state)
{
	(void)state;
	struct toy_input in = { .has_name = true,
				.name = "x",
				.has_size = true,
				.size = 2,
				.has_note = true,
				.note = "y" };
	struct problem prob;
	problem_init(&prob);
	assert_int_equal(field_allowed(&toy_noun, &in, allow_daily_only, NULL, &prob),
			 RC_FORBIDDEN);
	assert_string_equal(prob.type, "forbidden-field");
	assert_int_equal(prob.nfields, 2);
	assert_string_equal(field_message(&prob, "name"), "只有街道、社区工作人员或管理员可以修改");
	assert_string_equal(field_message(&prob, "size"), "星级来自考核评定，只有管理员可以修改");

	struct toy_input daily = { .has_note = true, .note = "y" };
	problem_init(&prob);
	assert_int_equal(field_allowed(&toy_noun, &daily, allow_daily_only, NULL, &prob), RC_OK);

	const char *names[8];
	size_t n = field_editable(&toy_noun, allow_daily_only, NULL, names, 8);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "kind");
	assert_string_equal(names[1], "owner_id");
	assert_string_equal(names[2], "note");

	struct sb given = SB_INIT;
	field_given_names(&toy_noun, &in, &given);
	assert_string_equal(sb_str(&given), "name,size,note");
	sb_release(&given);
}

int main(void)
{
	log_open(2, LOG_FATAL, false);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_bad_field_at_once),
		cmocka_unit_test(insert_update_and_read_back),
		cmocka_unit_test(each_field_asks_its_permission),
	};
	return cmocka_run_group_tests_name("field", tests, setup, teardown);
}
