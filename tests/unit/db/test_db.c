/* Tests of src/db/ through its door, db.h, on both engines: SQLite always (a
 * file under $YZ_TEST_TMP or /tmp), PostgreSQL when YZ_TEST_PG_URL names a
 * database (scripts/pg.sh start DIR; scripts/pg.sh url DIR). Each test gets a
 * fresh store: a new SQLite file, or a freshly made PostgreSQL schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "db/db.h"
#include "db/migrations.h"

#define PG_SCHEMA "yz_test_db"

/* The engine the running group is about; set by its group setup. */
struct engine {
	enum db_kind kind;
	char tmp_dir[512];  /* SQLite: the files of this run */
	struct db *admin;   /* PostgreSQL: recreates the test schema */
	unsigned next_file; /* SQLite: a new file per test */
};

static struct engine eng;
static char cur_url[1200];
static char cur_path[600];
static struct db *db; /* the fresh store of the running test */

static const char table_sql[] =
	"CREATE TABLE t (id BIGINT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, s TEXT, n BIGINT,"
	" u TEXT UNIQUE)";

/* Writes the PostgreSQL URL for the test schema, with extra server options
 * ("-c name=value" words, already URL-encoded) or none. */
static void pg_url(char *out, size_t cap, const char *extra)
{
	const char *base = getenv("YZ_TEST_PG_URL");
	snprintf(out, cap, "%s%soptions=-c%%20search_path%%3D" PG_SCHEMA "%s%s", base,
		 strchr(base, '?') ? "&" : "?", extra ? "%20" : "", extra ? extra : "");
}

static void remove_sqlite_files(const char *path)
{
	char p[700];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* Opens a handle on the current test's store; *new*. */
static struct db *open_store(const struct db_options *opt)
{
	struct problem prob = { 0 };
	struct db *h = NULL;
	enum rc rc = db_open(cur_url, opt, &h, &prob);
	if (rc != RC_OK)
		fail_msg("db_open(%s): %s: %s", cur_url, prob.type, prob.detail);
	return h;
}

static void exec_ok(struct db *h, const char *sql)
{
	struct problem prob = { 0 };
	enum rc rc = db_exec_script(h, sql, &prob);
	if (rc != RC_OK)
		fail_msg("%s: %s: %s", sql, prob.type, prob.detail);
}

/* Runs a query without parameters that yields one integer. */
static int64_t q_int(struct db *h, const char *sql)
{
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(h, sql, NULL, 0, &rows, &prob);
	if (rc != RC_OK)
		fail_msg("%s: %s: %s", sql, prob.type, prob.detail);
	assert_int_equal(db_rows_count(rows), 1);
	int64_t v = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	return v;
}

static void insert_ok(struct db *h, int64_t id, const char *s)
{
	struct problem prob = { 0 };
	enum rc rc = db_q(h, "INSERT INTO t (id, s) VALUES ($1, $2)", NULL, &prob, DB_I(id),
			  DB_T(s));
	if (rc != RC_OK)
		fail_msg("insert %lld: %s: %s", (long long)id, prob.type, prob.detail);
}

/* Group and test fixtures */

static int sqlite_group_setup(void **state)
{
	(void)state;
	memset(&eng, 0, sizeof(eng));
	eng.kind = DB_KIND_SQLITE;
	const char *base = getenv("YZ_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	if (mkdir(base, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "cannot create %s: %s\n", base, strerror(errno));
		return -1;
	}
	snprintf(eng.tmp_dir, sizeof(eng.tmp_dir), "%s/yz_test_db.XXXXXX", base);
	if (!mkdtemp(eng.tmp_dir)) {
		fprintf(stderr, "mkdtemp in %s: %s\n", base, strerror(errno));
		return -1;
	}
	return 0;
}

static int sqlite_group_teardown(void **state)
{
	(void)state;
	rmdir(eng.tmp_dir);
	return 0;
}

static int pg_group_setup(void **state)
{
	(void)state;
	memset(&eng, 0, sizeof(eng));
	eng.kind = DB_KIND_POSTGRES;
	struct problem prob = { 0 };
	if (db_open(getenv("YZ_TEST_PG_URL"), NULL, &eng.admin, &prob) != RC_OK) {
		fprintf(stderr, "cannot open YZ_TEST_PG_URL: %s: %s\n", prob.type, prob.detail);
		return -1;
	}
	return 0;
}

static int pg_group_teardown(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	db_exec_script(eng.admin, "DROP SCHEMA IF EXISTS " PG_SCHEMA " CASCADE", &prob);
	db_close(eng.admin);
	eng.admin = NULL;
	return 0;
}

/* A fresh, empty store and a handle on it in db. */
static int fresh_empty(void **state)
{
	(void)state;
	if (eng.kind == DB_KIND_SQLITE) {
		snprintf(cur_path, sizeof(cur_path), "%s/t%u.db", eng.tmp_dir, eng.next_file++);
		snprintf(cur_url, sizeof(cur_url), "sqlite:%s", cur_path);
		remove_sqlite_files(cur_path);
	} else {
		pg_url(cur_url, sizeof(cur_url), NULL);
		struct problem prob = { 0 };
		if (db_exec_script(eng.admin,
				   "DROP SCHEMA IF EXISTS " PG_SCHEMA
				   " CASCADE; CREATE SCHEMA " PG_SCHEMA,
				   &prob) != RC_OK) {
			fprintf(stderr, "cannot recreate schema: %s\n", prob.detail);
			return -1;
		}
	}
	db = open_store(NULL);
	return db ? 0 : -1;
}

/* A fresh store holding the scratch table t. */
static int fresh_table(void **state)
{
	if (fresh_empty(state) != 0)
		return -1;
	exec_ok(db, table_sql);
	return 0;
}

static int fresh_teardown(void **state)
{
	(void)state;
	db_close(db);
	db = NULL;
	if (eng.kind == DB_KIND_SQLITE)
		remove_sqlite_files(cur_path);
	return 0;
}

/* Tests on both engines */

static void test_db__open_names_the_engine_and_answers_a_ping(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	assert_int_equal(db_kind(db), eng.kind);
	assert_int_equal(db_ping(db, &prob), RC_OK);
	assert_int_equal(db_storage_state(db), DB_STORAGE_OK);
}

static void test_db__migration_text_keeps_each_engines_blocks(void **state)
{
	(void)state;
	const char *sql = "CREATE TABLE a (id @PK@, x @REAL@);\n"
			  "-- @sqlite\n"
			  "CREATE TRIGGER only_sqlite;\n"
			  "-- @end\n"
			  "-- @postgres  \n"
			  "ALTER TABLE a ADD EXCLUDE;\n"
			  "-- @end\n"
			  "CREATE INDEX both_engines ON a(x); -- @sqlite is not a marker here\n";
	char *lite = db_migration_text(DB_KIND_SQLITE, sql);
	assert_string_equal(lite,
			    "CREATE TABLE a (id INTEGER PRIMARY KEY, x REAL);\n"
			    "CREATE TRIGGER only_sqlite;\n"
			    "CREATE INDEX both_engines ON a(x); -- @sqlite is not a marker here\n");
	char *pg = db_migration_text(DB_KIND_POSTGRES, sql);
	assert_string_equal(pg,
			    "CREATE TABLE a (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY "
			    "KEY, x DOUBLE PRECISION);\n"
			    "ALTER TABLE a ADD EXCLUDE;\n"
			    "CREATE INDEX both_engines ON a(x); -- @sqlite is not a marker here\n");
	free(lite);
	free(pg);
}

static void test_db__migrate_applies_every_migration_once(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	int applied = -1;
	assert_true(db_migrations_count > 0);
	assert_int_equal(db_migrate(db, &applied, &prob), RC_OK);
	assert_int_equal(applied, (int)db_migrations_count);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM schema_migrations"),
			 (int64_t)db_migrations_count);
	assert_int_equal(db_schema_version(db), db_migrations[db_migrations_count - 1].version);

	assert_int_equal(db_migrate(db, &applied, &prob), RC_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM schema_migrations"),
			 (int64_t)db_migrations_count);
	/* The tables of the first migration exist and take rows. */
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM accounts"), 0);
}

static void test_db__every_value_type_and_null_round_trip(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	const char *odd = "服务站 O'Neil \\ \"q\" ;--";
	assert_int_equal(db_q(db, "INSERT INTO t (id, i, r, s, n) VALUES ($1, $2, $3, $4, $5)",
			      NULL, &prob, DB_I(1), DB_I(INT64_MAX), DB_R(0.1), DB_T(odd), DB_NUL),
			 RC_OK);
	assert_int_equal(db_q(db, "INSERT INTO t (id, i, r, s, n) VALUES ($1, $2, $3, $4, $5)",
			      NULL, &prob, DB_I(2), DB_I(INT64_MIN), DB_R(-2.5), DB_T(""),
			      DB_T(NULL)),
			 RC_OK);
	assert_int_equal(db_q(db, "INSERT INTO t (id, i, r, s, n) VALUES ($1, $2, $3, $4, $5)",
			      NULL, &prob, DB_I(3), DB_IOPT(false, 9), DB_R(1e300), DB_NUL,
			      DB_IOPT(true, -7)),
			 RC_OK);

	assert_int_equal(
		db_exec(db, "SELECT id, i, r, s, n FROM t ORDER BY id", NULL, 0, &rows, &prob),
		RC_OK);
	assert_int_equal(db_rows_count(rows), 3);
	assert_int_equal(db_rows_cols(rows), 5);
	assert_string_equal(db_rows_name(rows, 0), "id");
	assert_string_equal(db_rows_name(rows, 4), "n");

	assert_int_equal(db_rows_int(rows, 0, 0), 1);
	assert_int_equal(db_rows_int(rows, 0, 1), INT64_MAX);
	assert_true(db_rows_real(rows, 0, 2) == 0.1);
	assert_string_equal(db_rows_text(rows, 0, 3), odd);
	assert_true(db_rows_null(rows, 0, 4));
	assert_null(db_rows_text(rows, 0, 4));

	assert_int_equal(db_rows_int(rows, 1, 1), INT64_MIN);
	assert_true(db_rows_real(rows, 1, 2) == -2.5);
	assert_false(db_rows_null(rows, 1, 3));
	assert_string_equal(db_rows_text(rows, 1, 3), "");
	assert_true(db_rows_null(rows, 1, 4));

	assert_true(db_rows_null(rows, 2, 1));
	assert_true(db_rows_real(rows, 2, 2) == 1e300);
	assert_true(db_rows_null(rows, 2, 3));
	assert_int_equal(db_rows_int(rows, 2, 4), -7);
	/* Out of range reads are NULL, not a crash. */
	assert_true(db_rows_null(rows, 3, 0));
	assert_true(db_rows_null(rows, 0, 5));
	db_rows_free(rows);
}

static void test_db__comparisons_read_as_integers(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	assert_int_equal(db_exec(db, "SELECT 1 < 2, 2 < 1", NULL, 0, &rows, &prob), RC_OK);
	assert_string_equal(db_rows_text(rows, 0, 0), "1");
	assert_string_equal(db_rows_text(rows, 0, 1), "0");
	assert_int_equal(db_rows_int(rows, 0, 0), 1);
	db_rows_free(rows);
}

static void test_db__a_statement_takes_many_parameters(void **state)
{
	(void)state;
	enum { N = 40 };
	char sql[512];
	struct db_val params[N];
	size_t len = 0;
	len += (size_t)snprintf(sql + len, sizeof(sql) - len, "SELECT $1");
	params[0] = DB_I(1);
	for (int i = 2; i <= N; i++) {
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, " + $%d", i);
		params[i - 1] = DB_I(i);
	}
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	assert_int_equal(db_exec(db, sql, params, N, &rows, &prob), RC_OK);
	assert_int_equal(db_rows_int(rows, 0, 0), N * (N + 1) / 2);
	db_rows_free(rows);
}

static void test_db__commit_makes_the_write_visible(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct db *other = open_store(NULL);
	assert_int_equal(db_begin(db, &prob), RC_OK);
	assert_true(db_in_tx(db));
	insert_ok(db, 1, "a");
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 1);
	assert_int_equal(q_int(other, "SELECT COUNT(*) FROM t"), 0);
	assert_int_equal(db_commit(db, &prob), RC_OK);
	assert_false(db_in_tx(db));
	assert_int_equal(q_int(other, "SELECT COUNT(*) FROM t"), 1);
	db_close(other);
}

static void test_db__rollback_discards_the_write(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	assert_int_equal(db_begin(db, &prob), RC_OK);
	insert_ok(db, 1, "a");
	db_rollback(db);
	assert_false(db_in_tx(db));
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 0);
	db_rollback(db); /* no transaction: a no-op */
	assert_int_equal(db_commit(db, &prob), RC_INTERNAL);
}

static void test_db__a_nested_begin_is_refused(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	assert_int_equal(db_begin(db, &prob), RC_OK);
	assert_int_equal(db_begin(db, &prob), RC_INTERNAL);
	db_rollback(db);
}

static void test_db__unique_violation_is_a_conflict(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	assert_int_equal(
		db_q(db, "INSERT INTO t (id, u) VALUES ($1, $2)", NULL, &prob, DB_I(1), DB_T("x")),
		RC_OK);
	problem_init(&prob);
	assert_int_equal(
		db_q(db, "INSERT INTO t (id, u) VALUES ($1, $2)", NULL, &prob, DB_I(2), DB_T("x")),
		RC_CONFLICT);
	assert_string_equal(prob.type, "conflict");
	problem_init(&prob);
	assert_int_equal(
		db_q(db, "INSERT INTO t (id, u) VALUES ($1, $2)", NULL, &prob, DB_I(1), DB_T("y")),
		RC_CONFLICT);

	/* Inside a transaction too; the caller rolls back. */
	problem_init(&prob);
	assert_int_equal(db_begin(db, &prob), RC_OK);
	assert_int_equal(
		db_q(db, "INSERT INTO t (id, u) VALUES ($1, $2)", NULL, &prob, DB_I(3), DB_T("x")),
		RC_CONFLICT);
	db_rollback(db);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 1);
}

static void test_db__an_overlap_refused_by_the_schema_is_an_exclusion_conflict(void **state)
{
	(void)state;
	/* The same rule, each engine in its own words: PostgreSQL's exclusion
	 * constraint, SQLite's trigger. Both reach the caller alike. */
	exec_ok(db, "CREATE TABLE slots (id INTEGER PRIMARY KEY, a BIGINT NOT NULL,"
		    " b BIGINT NOT NULL)");
	if (eng.kind == DB_KIND_POSTGRES)
		exec_ok(db, "ALTER TABLE slots ADD CONSTRAINT slots_no_overlap"
			    " EXCLUDE USING gist (int8range(a, b) WITH &&)");
	else
		exec_ok(db, "CREATE TRIGGER slots_no_overlap BEFORE INSERT ON slots BEGIN"
			    " SELECT RAISE(ABORT, 'slots_no_overlap') WHERE EXISTS (SELECT 1"
			    " FROM slots s WHERE s.a < NEW.b AND NEW.a < s.b); END");
	static const char ins[] = "INSERT INTO slots (id, a, b) VALUES ($1, $2, $3)";
	struct problem prob = { 0 };
	assert_int_equal(db_q(db, ins, NULL, &prob, DB_I(1), DB_I(100), DB_I(200)), RC_OK);
	/* Touching is not overlapping: [200, 300) after [100, 200). */
	assert_int_equal(db_q(db, ins, NULL, &prob, DB_I(2), DB_I(200), DB_I(300)), RC_OK);
	problem_init(&prob);
	assert_int_equal(db_q(db, ins, NULL, &prob, DB_I(3), DB_I(150), DB_I(250)), RC_CONFLICT);
	assert_string_equal(prob.type, "exclusion");
	/* A unique key is still a plain conflict. */
	problem_init(&prob);
	assert_int_equal(db_q(db, ins, NULL, &prob, DB_I(1), DB_I(500), DB_I(600)), RC_CONFLICT);
	assert_string_equal(prob.type, "conflict");
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM slots"), 2);
}

static void test_db__a_held_write_lock_reads_as_busy(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	insert_ok(db, 1, "a");
	struct db *other = open_store(&(struct db_options){ .busy_timeout_ms = 50 });
	assert_int_equal(db_begin(db, &prob), RC_OK);
	if (eng.kind == DB_KIND_SQLITE) {
		/* BEGIN IMMEDIATE takes the one write lock. */
		assert_int_equal(db_begin(other, &prob), RC_BUSY);
	} else {
		struct db_rows *rows = NULL;
		assert_int_equal(db_exec(db, "SELECT id FROM t WHERE id = 1 FOR UPDATE", NULL, 0,
					 &rows, &prob),
				 RC_OK);
		db_rows_free(rows);
		problem_init(&prob);
		assert_int_equal(db_exec(other, "SELECT id FROM t WHERE id = 1 FOR UPDATE NOWAIT",
					 NULL, 0, NULL, &prob),
				 RC_BUSY);
	}
	assert_string_equal(prob.type, "busy");
	assert_int_equal(prob.retry_after_s, 0);
	assert_false(db_in_tx(other));
	db_rollback(db);
	db_close(other);
}

struct tx_ctx {
	int calls;
	int busy_first; /* this many attempts report contention */
	enum rc finally;
};

static enum rc insert_in_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct db *h = db_tx_db(tx);
	struct tx_ctx *ctx = arg;
	ctx->calls++;
	enum rc rc = db_q(h, "INSERT INTO t (id, s) VALUES ($1, $2)", NULL, prob, DB_I(42),
			  DB_T("tx"));
	if (rc != RC_OK)
		return rc;
	if (ctx->calls <= ctx->busy_first)
		return problem_set(prob, RC_BUSY, "busy", "simulated contention");
	if (ctx->finally != RC_OK)
		return problem_set(prob, ctx->finally, "conflict", "simulated refusal");
	return RC_OK;
}

static void test_db__tx_retries_contention_then_commits_once(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct tx_ctx ctx = { .busy_first = 2 };
	assert_int_equal(db_tx(db, insert_in_tx, &ctx, &prob), RC_OK);
	assert_int_equal(ctx.calls, 3);
	assert_false(db_in_tx(db));
	/* The earlier attempts were rolled back, or the insert would clash. */
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t WHERE id = 42"), 1);
}

static void test_db__tx_returns_a_refusal_without_retry_and_writes_nothing(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct tx_ctx ctx = { .finally = RC_CONFLICT };
	assert_int_equal(db_tx(db, insert_in_tx, &ctx, &prob), RC_CONFLICT);
	assert_int_equal(ctx.calls, 1);
	assert_false(db_in_tx(db));
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 0);
}

static void test_db__statement_cache_keys_on_text_not_only_address(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	assert_int_equal(db_q(db, "INSERT INTO t (id, i, s) VALUES ($1, $2, $3)", NULL, &prob,
			      DB_I(1), DB_I(100), DB_T("one")),
			 RC_OK);

	/* The same text in two heap buffers. */
	char *a = xstrdup("SELECT s FROM t WHERE id = $1");
	char *b = xstrdup(a);
	assert_int_equal(db_q(db, a, &rows, &prob, DB_I(1)), RC_OK);
	assert_string_equal(db_rows_text(rows, 0, 0), "one");
	db_rows_free(rows);
	assert_int_equal(db_q(db, b, &rows, &prob, DB_I(1)), RC_OK);
	assert_string_equal(db_rows_text(rows, 0, 0), "one");
	db_rows_free(rows);
	free(b);

	/* One buffer rewritten with other SQL of the same length. */
	snprintf(a, strlen(a) + 1, "%s", "SELECT i FROM t WHERE id = $1");
	assert_int_equal(db_q(db, a, &rows, &prob, DB_I(1)), RC_OK);
	assert_string_equal(db_rows_text(rows, 0, 0), "100");
	db_rows_free(rows);
	free(a);

	/* The same statement with a NULL, then other types, at one place. */
	static const char ins[] = "INSERT INTO t (id, n) VALUES ($1, $2)";
	assert_int_equal(db_q(db, ins, NULL, &prob, DB_I(10), DB_NUL), RC_OK);
	assert_int_equal(db_q(db, ins, NULL, &prob, DB_I(11), DB_I(7)), RC_OK);
	assert_int_equal(db_q(db, ins, NULL, &prob, DB_I(12), DB_NUL), RC_OK);
	assert_int_equal(db_q(db, ins, NULL, &prob, DB_I(13), DB_R(2.0)), RC_OK);
	assert_int_equal(db_q(db, ins, NULL, &prob, DB_I(14), DB_T("8")), RC_OK);
	assert_int_equal(db_q(db, ins, NULL, &prob, DB_I(15), DB_I(9)), RC_OK);
	assert_int_equal(
		db_exec(db, "SELECT n FROM t WHERE id >= 10 ORDER BY id", NULL, 0, &rows, &prob),
		RC_OK);
	assert_int_equal(db_rows_count(rows), 6);
	assert_true(db_rows_null(rows, 0, 0));
	assert_int_equal(db_rows_int(rows, 1, 0), 7);
	assert_true(db_rows_null(rows, 2, 0));
	assert_int_equal(db_rows_int(rows, 3, 0), 2);
	assert_int_equal(db_rows_int(rows, 4, 0), 8);
	assert_int_equal(db_rows_int(rows, 5, 0), 9);
	db_rows_free(rows);
}

static void test_db__no_rows_is_an_empty_result_with_columns(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	assert_int_equal(db_q(db, "SELECT id, s FROM t WHERE id = $1", &rows, &prob, DB_I(-1)),
			 RC_OK);
	assert_non_null(rows);
	assert_int_equal(db_rows_count(rows), 0);
	assert_int_equal(db_rows_cols(rows), 2);
	assert_string_equal(db_rows_name(rows, 1), "s");
	assert_null(db_rows_text(rows, 0, 0));
	assert_int_equal(db_rows_int(rows, 0, 0), 0);
	db_rows_free(rows);

	/* A statement that returns nothing still gives a result. */
	assert_int_equal(db_q(db, "UPDATE t SET s = $1 WHERE id = -1", &rows, &prob, DB_T("x")),
			 RC_OK);
	assert_non_null(rows);
	assert_int_equal(db_rows_count(rows), 0);
	db_rows_free(rows);
}

static void test_db__weak_durability_is_refused_unless_allowed(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct db *weak = NULL;
	char url[sizeof(cur_url)];
	struct db_options normal = { .sqlite_synchronous = "NORMAL" };
	if (eng.kind == DB_KIND_SQLITE)
		snprintf(url, sizeof(url), "%s", cur_url);
	else
		pg_url(url, sizeof(url), "-c%20synchronous_commit%3Doff");
	enum rc rc = db_open(url, &normal, &weak, &prob);
	assert_int_equal(rc, RC_UNAVAILABLE);
	assert_null(weak);
	assert_string_equal(prob.type, "weak-durability");
	assert_non_null(strstr(prob.detail, "synchronous"));

	problem_init(&prob);
	rc = db_open(
		url,
		&(struct db_options){ .allow_weak_sync = true, .sqlite_synchronous = "NORMAL" },
		&weak, &prob);
	assert_int_equal(rc, RC_OK);
	db_close(weak);
}

static void test_db__dynamic_sql_does_not_pile_up_prepared_statements(void **state)
{
	(void)state;
	enum { N = 700 };
	char *texts[N];
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	for (int i = 0; i < N; i++) {
		char buf[64];
		snprintf(buf, sizeof(buf), "SELECT %d + $1", i);
		texts[i] = xstrdup(buf);
	}
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) {
			assert_int_equal(db_q(db, texts[i], &rows, &prob, DB_I(1)), RC_OK);
			assert_int_equal(db_rows_int(rows, 0, 0), i + 1);
			db_rows_free(rows);
		}
	}
	for (int i = 0; i < N; i++)
		free(texts[i]);
	if (eng.kind == DB_KIND_POSTGRES) {
		/* Evicted statements are dropped on the server too. */
		int64_t n = q_int(db, "SELECT COUNT(*) FROM pg_prepared_statements");
		assert_true(n <= 256 + 1);
	}
}

struct counter_job {
	int increments;
	enum rc rc;
};

static enum rc increment(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct db *h = db_tx_db(tx);
	(void)arg;
	return db_exec(h, "UPDATE t SET i = i + 1 WHERE id = 1", NULL, 0, NULL, prob);
}

static void *counter_main(void *arg)
{
	struct counter_job *job = arg;
	for (int k = 0; k < job->increments && job->rc == RC_OK; k++) {
		struct problem prob = { 0 };
		job->rc = db_tx(db, increment, NULL, &prob);
	}
	return NULL;
}

static void test_db__threads_each_get_a_connection_and_no_increment_is_lost(void **state)
{
	(void)state;
	enum { THREADS = 4, EACH = 50 };
	struct problem prob = { 0 };
	assert_int_equal(
		db_q(db, "INSERT INTO t (id, i) VALUES ($1, $2)", NULL, &prob, DB_I(1), DB_I(0)),
		RC_OK);
	pthread_t tids[THREADS];
	struct counter_job jobs[THREADS];
	for (int k = 0; k < THREADS; k++) {
		jobs[k] = (struct counter_job){ .increments = EACH, .rc = RC_OK };
		assert_int_equal(pthread_create(&tids[k], NULL, counter_main, &jobs[k]), 0);
	}
	for (int k = 0; k < THREADS; k++) {
		pthread_join(tids[k], NULL);
		assert_int_equal(jobs[k].rc, RC_OK);
	}
	assert_int_equal(q_int(db, "SELECT i FROM t WHERE id = 1"), THREADS * EACH);
}

/* db_tx_group: a write that stands, one whose statement fails after it
 * wrote (a unique clash), one that refuses after it wrote. */
static enum rc group_write(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct db *h = db_tx_db(tx);
	int64_t id = *(const int64_t *)arg;
	enum rc rc = db_q(h, "INSERT INTO t (id, i) VALUES ($1, $2)", NULL, prob, DB_I(id),
			  DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (id % 5 == 0)
		return db_q(h, "INSERT INTO t (id, u) VALUES ($1, 'clash')", NULL, prob,
			    DB_I(id + 100000));
	if (id % 7 == 0)
		return problem_set(prob, RC_INVALID, "validation", "refused");
	return RC_OK;
}

struct group_job {
	int64_t first, n;
	enum rc rcs[64];
};

static void *group_main(void *arg)
{
	struct group_job *job = arg;
	for (int64_t k = 0; k < job->n; k++) {
		struct problem prob = { 0 };
		int64_t id = job->first + k;
		job->rcs[k] = db_tx_group(db, group_write, &id, &prob);
		if (job->rcs[k] != RC_OK && job->rcs[k] != prob.rc)
			job->rcs[k] = RC_INTERNAL; /* the problem must say the same */
	}
	return NULL;
}

static void test_db__grouped_writes_commit_together_and_refusals_alone(void **state)
{
	(void)state;
	enum { THREADS = 8, EACH = 40 };
	struct problem prob = { 0 };
	assert_int_equal(db_q(db, "INSERT INTO t (id, u) VALUES (0, 'clash')", NULL, &prob), RC_OK);
	pthread_t tids[THREADS];
	static struct group_job jobs[THREADS];
	for (int k = 0; k < THREADS; k++) {
		jobs[k] = (struct group_job){ .first = 1 + k * EACH, .n = EACH };
		assert_int_equal(pthread_create(&tids[k], NULL, group_main, &jobs[k]), 0);
	}
	int64_t stood = 0;
	for (int k = 0; k < THREADS; k++) {
		pthread_join(tids[k], NULL);
		for (int64_t j = 0; j < EACH; j++) {
			int64_t id = jobs[k].first + j;
			enum rc want = id % 5 == 0 ? RC_CONFLICT : id % 7 == 0 ? RC_INVALID : RC_OK;
			assert_int_equal(jobs[k].rcs[j], want);
			stood += want == RC_OK;
		}
	}
	/* Every write that stood is there, nothing of a refused one. */
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t WHERE id BETWEEN 1 AND 100000"), stood);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t WHERE id % 5 = 0 AND id > 0"
				   " OR id % 7 = 0 AND id > 0"),
			 0);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t WHERE u = 'clash'"), 1);
	/* Alone, it is db_tx. */
	int64_t id = 7;
	assert_int_equal(db_tx_group(db, group_write, &id, &prob), RC_INVALID);
	id = 100001;
	assert_int_equal(db_tx_group(db, group_write, &id, &prob), RC_OK);
	assert_int_equal(q_int(db, "SELECT i FROM t WHERE id = 100001"), 100001);
}

/* Tests on SQLite only */

static void test_db__full_disk_refuses_writes_until_space_returns(void **state)
{
	(void)state;
	db_close(db);
	db = open_store(&(struct db_options){ .sqlite_max_pages = 40 });
	exec_ok(db, table_sql);
	char big[3000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	const char *text = big;

	struct problem prob = { 0 };
	enum rc rc = RC_OK;
	int id;
	for (id = 1; id < 1000 && rc == RC_OK; id++) {
		problem_init(&prob);
		rc = db_q(db, "INSERT INTO t (id, s) VALUES ($1, $2)", NULL, &prob, DB_I(id),
			  DB_T(text));
	}
	assert_true(id > 2); /* some rows fit */
	assert_int_equal(rc, RC_UNAVAILABLE);
	assert_string_equal(prob.type, "storage-full");
	assert_int_equal(prob.retry_after_s, 5);
	assert_int_equal(db_storage_state(db), DB_STORAGE_FULL);

	/* Writers are turned away at the door, before any engine work. */
	problem_init(&prob);
	assert_int_equal(db_begin(db, &prob), RC_UNAVAILABLE);
	assert_string_equal(prob.type, "storage-full");
	assert_true(prob.retry_after_s > 0);
	assert_false(db_in_tx(db));
	/* Reads still work. */
	assert_true(q_int(db, "SELECT COUNT(*) FROM t") > 0);
}

/* Tests on PostgreSQL only */

static int64_t backend_pid(struct db *h)
{
	return q_int(h, "SELECT pg_backend_pid()");
}

/* Ends another handle's server process and waits until it is gone, as a
 * server restart would. */
static void terminate(struct db *killer, int64_t pid)
{
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	assert_int_equal(db_q(killer, "SELECT pg_terminate_backend(CAST($1 AS INTEGER), 5000)",
			      &rows, &prob, DB_I(pid)),
			 RC_OK);
	assert_string_equal(db_rows_text(rows, 0, 0), "1");
	db_rows_free(rows);
}

static void test_db__commit_after_a_failed_statement_is_not_durable(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	insert_ok(db, 1, "a");
	assert_int_equal(db_begin(db, &prob), RC_OK);
	insert_ok(db, 2, "b");
	assert_int_equal(db_q(db, "INSERT INTO t (id) VALUES ($1)", NULL, &prob, DB_I(1)),
			 RC_CONFLICT);
	/* A caller that ignores the error must not get RC_OK from COMMIT:
	 * PostgreSQL rolled the whole transaction back. */
	problem_init(&prob);
	assert_int_not_equal(db_commit(db, &prob), RC_OK);
	assert_false(db_in_tx(db));
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 1);
}

static void test_db__a_bad_number_is_invalid(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	assert_int_equal(db_q(db, "INSERT INTO t (id, i) VALUES ($1, $2)", NULL, &prob, DB_I(1),
			      DB_T("12x")),
			 RC_INVALID);
	assert_int_equal(db_q(db, "SELECT CAST($1 AS INTEGER)", NULL, &prob, DB_I(INT64_MAX)),
			 RC_INVALID);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 0);
}

static void test_db__a_statement_past_its_timeout_is_busy_for_a_while(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	exec_ok(db, "SET statement_timeout = '50ms'");
	assert_int_equal(db_exec(db, "SELECT pg_sleep(2)", NULL, 0, NULL, &prob), RC_BUSY);
	assert_string_equal(prob.type, "busy");
	/* Not retried at once inside db_tx: the client comes back later. */
	assert_int_equal(prob.retry_after_s, 1);
}

static void test_db__a_lost_connection_is_reopened_for_the_next_transaction(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct db *killer = open_store(NULL);
	int64_t pid = backend_pid(db);

	/* Lost between transactions: BEGIN reconnects on its own. */
	terminate(killer, pid);
	assert_int_equal(db_begin(db, &prob), RC_OK);
	insert_ok(db, 1, "a");
	assert_int_equal(db_commit(db, &prob), RC_OK);
	assert_int_not_equal(backend_pid(db), pid);

	/* Lost under a read outside a transaction: a read changes nothing, so
	 * it is run again on a new connection. */
	pid = backend_pid(db);
	terminate(killer, pid);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 1);
	assert_int_not_equal(backend_pid(db), pid);

	/* Lost under a write outside a transaction: it may or may not have
	 * run, so a retryable refusal, and the next call works on a new
	 * connection. */
	terminate(killer, backend_pid(db));
	problem_init(&prob);
	assert_int_equal(
		db_q(db, "INSERT INTO t (id, s) VALUES ($1, $2)", NULL, &prob, DB_I(2), DB_T("b")),
		RC_BUSY);
	assert_string_equal(prob.type, "storage-unreachable");
	assert_int_equal(prob.retry_after_s, 1);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 1);
	db_close(killer);
}

static void test_db__connection_lost_at_commit_is_an_unknown_outcome(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct db *killer = open_store(NULL);
	assert_int_equal(db_begin(db, &prob), RC_OK);
	insert_ok(db, 1, "a");
	terminate(killer, backend_pid(db));
	enum rc rc = db_commit(db, &prob);
	assert_int_equal(rc, RC_BUSY);
	assert_string_equal(prob.type, "storage-unreachable");
	assert_int_equal(prob.retry_after_s, 1);
	assert_non_null(strstr(prob.detail, "unknown"));
	assert_false(db_in_tx(db));

	/* The handle recovers by itself. */
	problem_init(&prob);
	assert_int_equal(db_begin(db, &prob), RC_OK);
	insert_ok(db, 2, "b");
	assert_int_equal(db_commit(db, &prob), RC_OK);
	db_close(killer);
}

static void test_db__a_commit_after_the_connection_was_lost_is_refused(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct db *killer = open_store(NULL);
	assert_int_equal(db_begin(db, &prob), RC_OK);
	insert_ok(db, 1, "a");
	terminate(killer, backend_pid(db));
	assert_int_equal(db_q(db, "INSERT INTO t (id) VALUES ($1)", NULL, &prob, DB_I(2)), RC_BUSY);
	/* A caller that commits anyway learns the transaction is gone. */
	problem_init(&prob);
	assert_int_equal(db_commit(db, &prob), RC_BUSY);
	assert_string_equal(prob.type, "storage-unreachable");
	assert_null(strstr(prob.detail, "unknown"));
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 0);
	db_close(killer);
}

static void test_db__statements_dropped_or_changed_on_the_server_are_prepared_again(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	static const char sel[] = "SELECT * FROM t WHERE id = $1";
	insert_ok(db, 1, "a");
	assert_int_equal(db_q(db, sel, &rows, &prob, DB_I(1)), RC_OK);
	db_rows_free(rows);

	exec_ok(db, "DEALLOCATE ALL");
	assert_int_equal(db_q(db, sel, &rows, &prob, DB_I(1)), RC_OK);
	assert_string_equal(db_rows_text(rows, 0, 3), "a");
	db_rows_free(rows);

	/* "cached plan must not change result type" */
	exec_ok(db, "ALTER TABLE t ADD COLUMN extra TEXT DEFAULT 'e'");
	assert_int_equal(db_q(db, sel, &rows, &prob, DB_I(1)), RC_OK);
	assert_int_equal(db_rows_cols(rows), 7);
	assert_string_equal(db_rows_text(rows, 0, 6), "e");
	db_rows_free(rows);
}

/* Statements held back (db_exec_later) */

static enum rc later_insert(struct db *h, int64_t id, const char *s, struct problem *prob)
{
	return db_q_later(h, "INSERT INTO t (id, s) VALUES ($1, $2)", prob, DB_I(id), DB_T(s));
}

static void test_db__held_back_statements_land_before_the_next_one_and_commit(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct db *other = open_store(NULL);
	char text[32];

	/* Outside a transaction it runs at once. */
	assert_int_equal(later_insert(db, 1, "a", &prob), RC_OK);
	assert_int_equal(q_int(other, "SELECT COUNT(*) FROM t"), 1);

	assert_int_equal(db_begin(db, &prob), RC_OK);
	insert_ok(db, 2, "b");
	/* Texts are the caller's only for the call. */
	for (int64_t id = 3; id < 203; id++) {
		snprintf(text, sizeof(text), "held %lld", (long long)id);
		assert_int_equal(later_insert(db, id, text, &prob), RC_OK);
		memset(text, 'x', sizeof(text) - 1);
	}
	/* The next statement waited for sees them all, in order. */
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 202);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t WHERE s = 'held ' || id"), 200);
	assert_int_equal(later_insert(db, 203, "c", &prob), RC_OK);
	assert_int_equal(db_commit(db, &prob), RC_OK);
	assert_int_equal(q_int(other, "SELECT COUNT(*) FROM t"), 203);

	/* A transaction of nothing but held-back statements. */
	assert_int_equal(db_begin(db, &prob), RC_OK);
	assert_int_equal(later_insert(db, 300, "d", &prob), RC_OK);
	assert_int_equal(later_insert(db, 301, "e", &prob), RC_OK);
	assert_int_equal(db_commit(db, &prob), RC_OK);
	assert_int_equal(q_int(other, "SELECT COUNT(*) FROM t WHERE id >= 300"), 2);

	/* A transaction that writes nothing. */
	assert_int_equal(db_begin(db, &prob), RC_OK);
	assert_int_equal(db_commit(db, &prob), RC_OK);
	assert_int_equal(db_begin(db, &prob), RC_OK);
	db_rollback(db);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 205);
	db_close(other);
}

static void test_db__rollback_forgets_held_back_statements(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	assert_int_equal(db_begin(db, &prob), RC_OK);
	insert_ok(db, 1, "a");
	assert_int_equal(later_insert(db, 2, "b", &prob), RC_OK);
	db_rollback(db);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 0);
	/* Nothing of it comes back with the next transaction. */
	assert_int_equal(db_begin(db, &prob), RC_OK);
	insert_ok(db, 3, "c");
	assert_int_equal(db_commit(db, &prob), RC_OK);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 1);
}

static void test_db__a_held_back_failure_fails_the_transaction_not_as_a_conflict(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	insert_ok(db, 1, "a");

	/* Found at the next statement waited for: it fails, though it is
	 * not its own conflict, and nothing of the transaction stands. */
	assert_int_equal(db_begin(db, &prob), RC_OK);
	insert_ok(db, 2, "b");
	enum rc rc = later_insert(db, 1, "dup", &prob);
	if (rc == RC_OK) {
		rc = db_q(db, "INSERT INTO t (id, s) VALUES ($1, $2)", NULL, &prob, DB_I(3),
			  DB_T("c"));
		assert_int_equal(rc, RC_INTERNAL);
	} else {
		assert_int_equal(rc, RC_CONFLICT); /* SQLite: at once */
	}
	db_rollback(db);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 1);

	/* Found at COMMIT: the commit fails and nothing stands. */
	problem_init(&prob);
	assert_int_equal(db_begin(db, &prob), RC_OK);
	insert_ok(db, 4, "d");
	rc = later_insert(db, 1, "dup", &prob);
	if (rc == RC_OK) {
		assert_int_equal(db_commit(db, &prob), RC_INTERNAL);
		assert_false(db_in_tx(db));
	} else {
		db_rollback(db);
	}
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 1);

	/* And the handle goes on. */
	problem_init(&prob);
	assert_int_equal(db_begin(db, &prob), RC_OK);
	assert_int_equal(later_insert(db, 5, "e", &prob), RC_OK);
	assert_int_equal(db_commit(db, &prob), RC_OK);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 2);
}

static void test_db__held_back_statements_lost_with_the_commit_are_an_unknown_outcome(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct db *killer = open_store(NULL);

	/* Lost between transactions: the first statement goes with BEGIN
	 * and both go again on a new connection. */
	int64_t pid = backend_pid(db);
	terminate(killer, pid);
	assert_int_equal(db_begin(db, &prob), RC_OK);
	assert_int_equal(later_insert(db, 1, "a", &prob), RC_OK);
	assert_int_equal(later_insert(db, 2, "b", &prob), RC_OK);
	assert_int_equal(db_commit(db, &prob), RC_OK);
	assert_int_not_equal(backend_pid(db), pid);
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 2);

	/* Lost before COMMIT went with the held-back statements: it may have
	 * been made durable, so the outcome is unknown. */
	assert_int_equal(db_begin(db, &prob), RC_OK);
	insert_ok(db, 3, "c");
	assert_int_equal(later_insert(db, 4, "d", &prob), RC_OK);
	terminate(killer, backend_pid(db));
	assert_int_equal(db_commit(db, &prob), RC_BUSY);
	assert_string_equal(prob.type, "storage-unreachable");
	assert_non_null(strstr(prob.detail, "unknown"));
	assert_false(db_in_tx(db));
	assert_int_equal(q_int(db, "SELECT COUNT(*) FROM t"), 2);
	db_close(killer);
}

/* What the listening server saw: notices, and the most rows it found in t
 * when told (it reads the table, as servers read the outbox). */
struct heard {
	struct db *reader;
	pthread_mutex_t mu;
	int notices;
	int64_t most_rows;
};

static void heard_notice(const char *payload, void *ctx)
{
	struct heard *h = ctx;
	if (!payload)
		return;
	int64_t rows = q_int(h->reader, "SELECT COUNT(*) FROM t");
	pthread_mutex_lock(&h->mu);
	h->notices++;
	if (rows > h->most_rows)
		h->most_rows = rows;
	pthread_mutex_unlock(&h->mu);
}

/* Waits up to 5 s for the listener to have seen want rows. */
static int64_t heard_rows(struct heard *h, int64_t want)
{
	int64_t seen = 0;
	for (int i = 0; i < 500 && seen < want; i++) {
		pthread_mutex_lock(&h->mu);
		seen = h->most_rows;
		pthread_mutex_unlock(&h->mu);
		if (seen < want)
			usleep(10000);
	}
	return seen;
}

static enum rc insert_and_notify(struct db_tx *tx, void *ctx, struct problem *prob)
{
	int64_t id = *(int64_t *)ctx;
	struct db *h = db_tx_db(tx);
	enum rc rc = db_q(h, "INSERT INTO t (id, s) VALUES ($1, 'n')", NULL, prob, DB_I(id));
	return rc == RC_OK ? db_notify(h, "yz_test", "written", prob) : rc;
}

static void test_db__a_burst_of_commits_shares_notices_and_the_last_is_told(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct heard h = { .reader = open_store(NULL), .mu = PTHREAD_MUTEX_INITIALIZER };
	struct db *listening = open_store(NULL);
	struct db_listener *l = NULL;
	assert_int_equal(db_listen(listening, "yz_test", heard_notice, &h, &l, &prob), RC_OK);

	/* Sixty commits a millisecond apart: the other server is told of
	 * them all (it finds every row), by at most one notice a 10 ms and
	 * one more for the last commits. */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int64_t id = 1; id <= 60; id++) {
		assert_int_equal(db_tx(db, insert_and_notify, &id, &prob), RC_OK);
		usleep(1000);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(heard_rows(&h, 60), 60);
	pthread_mutex_lock(&h.mu);
	int burst = h.notices;
	pthread_mutex_unlock(&h.mu);
	int64_t ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(burst >= 1);
	if (burst > ms / 10 + 2)
		fail_msg("%d notices for 60 commits in %lld ms", burst, (long long)ms);

	/* One commit after a quiet spell is told on its own. */
	int64_t id = 61;
	assert_int_equal(db_tx(db, insert_and_notify, &id, &prob), RC_OK);
	assert_int_equal(heard_rows(&h, 61), 61);

	db_listener_stop(l);
	db_close(listening);
	db_close(h.reader);
}

#define TEST(name, setup) cmocka_unit_test_setup_teardown(name, setup, fresh_teardown)

#define BOTH_ENGINES                                                                               \
	TEST(test_db__open_names_the_engine_and_answers_a_ping, fresh_empty),                      \
		TEST(test_db__migrate_applies_every_migration_once, fresh_empty),                  \
		TEST(test_db__every_value_type_and_null_round_trip, fresh_table),                  \
		TEST(test_db__comparisons_read_as_integers, fresh_empty),                          \
		TEST(test_db__a_statement_takes_many_parameters, fresh_empty),                     \
		TEST(test_db__commit_makes_the_write_visible, fresh_table),                        \
		TEST(test_db__rollback_discards_the_write, fresh_table),                           \
		TEST(test_db__a_nested_begin_is_refused, fresh_table),                             \
		TEST(test_db__unique_violation_is_a_conflict, fresh_table),                        \
		TEST(test_db__an_overlap_refused_by_the_schema_is_an_exclusion_conflict,           \
		     fresh_empty),                                                                 \
		TEST(test_db__a_held_write_lock_reads_as_busy, fresh_table),                       \
		TEST(test_db__tx_retries_contention_then_commits_once, fresh_table),               \
		TEST(test_db__tx_returns_a_refusal_without_retry_and_writes_nothing, fresh_table), \
		TEST(test_db__statement_cache_keys_on_text_not_only_address, fresh_table),         \
		TEST(test_db__no_rows_is_an_empty_result_with_columns, fresh_table),               \
		TEST(test_db__dynamic_sql_does_not_pile_up_prepared_statements, fresh_empty),      \
		TEST(test_db__grouped_writes_commit_together_and_refusals_alone, fresh_table),     \
		TEST(test_db__threads_each_get_a_connection_and_no_increment_is_lost,              \
		     fresh_table),                                                                 \
		TEST(test_db__weak_durability_is_refused_unless_allowed, fresh_empty),             \
		TEST(test_db__held_back_statements_land_before_the_next_one_and_commit,            \
		     fresh_table),                                                                 \
		TEST(test_db__rollback_forgets_held_back_statements, fresh_table),                 \
		TEST(test_db__a_held_back_failure_fails_the_transaction_not_as_a_conflict,         \
		     fresh_table)

int main(void)
{
	const char *level = getenv("YZ_TEST_LOG");
	int min = level ? log_level_parse(level) : -1;
	log_open(STDERR_FILENO, min >= 0 ? (enum log_level)min : LOG_FATAL, false);

	const struct CMUnitTest sqlite_tests[] = {
		cmocka_unit_test(test_db__migration_text_keeps_each_engines_blocks),
		BOTH_ENGINES,
		TEST(test_db__full_disk_refuses_writes_until_space_returns, fresh_empty),
	};
	const struct CMUnitTest pg_tests[] = {
		BOTH_ENGINES,
		TEST(test_db__commit_after_a_failed_statement_is_not_durable, fresh_table),
		TEST(test_db__a_bad_number_is_invalid, fresh_table),
		TEST(test_db__a_statement_past_its_timeout_is_busy_for_a_while, fresh_empty),
		TEST(test_db__a_lost_connection_is_reopened_for_the_next_transaction, fresh_table),
		TEST(test_db__connection_lost_at_commit_is_an_unknown_outcome, fresh_table),
		TEST(test_db__a_commit_after_the_connection_was_lost_is_refused, fresh_table),
		TEST(test_db__statements_dropped_or_changed_on_the_server_are_prepared_again,
		     fresh_table),
		TEST(test_db__held_back_statements_lost_with_the_commit_are_an_unknown_outcome,
		     fresh_table),
		TEST(test_db__a_burst_of_commits_shares_notices_and_the_last_is_told, fresh_table),
	};

	int failed = cmocka_run_group_tests_name("db on sqlite", sqlite_tests, sqlite_group_setup,
						 sqlite_group_teardown);
	const char *pg = getenv("YZ_TEST_PG_URL");
	if (pg && *pg)
		failed += cmocka_run_group_tests_name("db on postgresql", pg_tests, pg_group_setup,
						      pg_group_teardown);
	else
		printf("[  SKIPPED ] db on postgresql: YZ_TEST_PG_URL is not set "
		       "(scripts/pg.sh start DIR; export YZ_TEST_PG_URL=$(scripts/pg.sh url DIR))\n");
	log_close();
	return failed;
}
