/* The one door to storage. A struct db is shared by all threads; each thread
 * that calls in gets its own connection, opened on first use, so a worker
 * thread never waits for another's query. SQL is written once with $1, $2 …
 * placeholders and runs on SQLite and PostgreSQL alike.
 *
 * Transactions belong to the calling thread's connection: db_begin(),
 * then any db_exec(), then db_commit() or db_rollback(). */
#ifndef YZ_DB_DB_H
#define YZ_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "core/rc.h"

struct db;
struct db_rows;

enum db_kind { DB_KIND_SQLITE, DB_KIND_POSTGRES };

enum db_type { DB_NULL, DB_INT, DB_REAL, DB_TEXT };

/* A value bound to one placeholder. Text is borrowed for the call. */
struct db_val {
	enum db_type type;
	int64_t i;
	double d;
	const char *s;
};

#define DB_I(x) ((struct db_val){ .type = DB_INT, .i = (int64_t)(x) })
#define DB_R(x) ((struct db_val){ .type = DB_REAL, .d = (double)(x) })
static inline struct db_val db_text(const char *s)
{
	struct db_val v = { .type = s ? DB_TEXT : DB_NULL, .s = s };
	return v;
}
#define DB_T(x)		    db_text(x)
#define DB_NUL		    ((struct db_val){ .type = DB_NULL })
/* An optional integer: NULL unless present. */
#define DB_IOPT(present, x) ((present) ? DB_I(x) : DB_NUL)

struct db_options {
	int busy_timeout_ms;		/* SQLite lock wait; default 5000 */
	int64_t sqlite_max_pages;	/* > 0: cap the SQLite file (tests of a full disk) */
	bool allow_weak_sync;		/* tests only: accept weaker durability settings */
	const char *sqlite_synchronous; /* tests only: OFF, NORMAL or EXTRA instead of FULL */
};

/* Opens url ("sqlite:PATH" or "postgresql://…" / "postgres://…") and checks
 * that the engine is reachable and its durability settings are safe.
 * On success *out is a *new* handle for db_close(). */
enum rc db_open(const char *url, const struct db_options *opt, struct db **out,
		struct problem *prob);
/* Closes every connection; NULL is a no-op. Call after all threads stopped. */
void db_close(struct db *db);
enum db_kind db_kind(const struct db *db);
/* The URL with any password replaced by "***" (borrowed). */
const char *db_url_safe(const struct db *db);

/* Runs one statement on the calling thread's connection. If rows is not NULL
 * it receives the *new* result (free with db_rows_free) — also for statements
 * that return nothing. Engine errors map to: unique/foreign key → RC_CONFLICT,
 * an exclusion constraint (PostgreSQL) or a trigger's RAISE(ABORT) (SQLite)
 * → RC_CONFLICT with type "exclusion" (a rule like "no two bookings of a
 * room overlap", which each engine keeps its own way),
 * lock contention or serialization failure → RC_BUSY, disk full or failed
 * sync → RC_UNAVAILABLE (and the handle refuses writes, see db_begin),
 * anything else → RC_INTERNAL; prob says so in words. */
enum rc db_exec(struct db *db, const char *sql, const struct db_val *params, size_t nparams,
		struct db_rows **rows, struct problem *prob);

#define DB_ARGS(...)                            \
	(const struct db_val[]){ __VA_ARGS__ }, \
		(sizeof((const struct db_val[]){ __VA_ARGS__ }) / sizeof(struct db_val))
/* db_q(db, sql, &rows, prob, DB_I(1), DB_T("x")) — at least one parameter. */
#define db_q(db, sql, rows, prob, ...) db_exec(db, sql, DB_ARGS(__VA_ARGS__), rows, prob)

/* Runs a statement whose answer nobody waits for: an INSERT of a history,
 * audit or outbox row. Inside a transaction on PostgreSQL it is sent with
 * the next statement that is waited for (or with COMMIT), in one round trip
 * (libpq's pipeline mode); its error, if any, is then that statement's (a
 * conflict or invalid value of it as RC_INTERNAL, since it is not the waited
 * statement's own). Elsewhere it runs at once, as db_exec. So only for
 * statements whose failure the caller handles by giving up the transaction,
 * never for one whose particular error it acts on. */
enum rc db_exec_later(struct db *db, const char *sql, const struct db_val *params, size_t nparams,
		      struct problem *prob);
#define db_q_later(db, sql, prob, ...) db_exec_later(db, sql, DB_ARGS(__VA_ARGS__), prob)

/* The one stored copy of the SQL text sql: equal texts give the same
 * pointer, valid for the life of the process. Statements are prepared once
 * per connection and found again by their text's address, so SQL put
 * together at run time (field tables) goes through here. The copies are
 * never freed: there is one per distinct statement the program makes. */
const char *db_sql_intern(const char *sql);

/* A LIKE pattern matching text that contains s (contains) or starts with it,
 * with LIKE's wildcards and the escape character in s escaped: the SQL must
 * say `LIKE $n ESCAPE '\'`. Returns a *new* string. */
char *db_like_pattern(const char *s, bool contains);

/* Runs several ;-separated statements without parameters (migrations). */
enum rc db_exec_script(struct db *db, const char *sql, struct problem *prob);

/* Transactions. Every write runs in db_tx, which hands the function it
 * runs a struct db_tx: the domain's writes take one, so none can be called
 * outside a transaction, and every write has the same retry. */
struct db_tx;
typedef enum rc (*db_tx_fn)(struct db_tx *tx, void *ctx, struct problem *prob);
/* Runs fn inside a transaction (SQLite: BEGIN IMMEDIATE), retrying the whole
 * transaction (a few times, backing off) when the engine reports lock
 * contention or a serialization failure, or fn reports RC_BUSY. fn returns
 * RC_OK to commit; anything else rolls back and is returned. Refuses with
 * RC_UNAVAILABLE while storage is failed (see db_storage_state). The one
 * retry loop of the program. */
enum rc db_tx(struct db *db, db_tx_fn fn, void *ctx, struct problem *prob);
/* db_tx for many small writes that arrive at once (check-ins, requests
 * filed). On SQLite, where writers take turns, fn may share its transaction
 * with the writes of other threads waiting at the same moment, each inside its own savepoint, so one commit
 * (one sync) makes them all durable. A refusal of fn undoes fn's own
 * statements only; the others commit. Returns what db_tx would: RC_OK only
 * once the shared transaction has committed. Contention, or a shared
 * transaction that failed, runs fn again alone through db_tx. Alone, it
 * costs what db_tx costs. fn must not depend on the thread it runs on (it
 * runs on whichever waiting thread commits for the group). On PostgreSQL,
 * which already shares one WAL flush among transactions committing at once
 * and runs them side by side, it is db_tx. */
enum rc db_tx_group(struct db *db, db_tx_fn fn, void *ctx, struct problem *prob);
/* The handle the transaction's statements run through (they run on the
 * connection that holds it: the calling thread's). */
struct db *db_tx_db(struct db_tx *tx);
/* After-commit work: fn runs on the committing thread, after a transaction
 * marked with db_tx_mark has committed (never after a rollback). Set once,
 * before any thread writes (not thread-safe to change later). */
typedef void (*db_commit_fn)(void *ctx);
void db_on_commit(struct db *db, db_commit_fn fn, void *ctx);
/* Marks tx: when it commits, the db_on_commit function runs. */
void db_tx_mark(struct db_tx *tx);

/* A transaction without the retry, for bulk loading that commits in batches
 * and for tests: db_tx_open starts one on the calling thread's connection
 * and gives its handle (valid until db_tx_close); db_tx_close commits if rc
 * is RC_OK (returning the commit's result: only RC_OK means durable) or
 * rolls back and returns rc. */
enum rc db_tx_open(struct db *db, struct db_tx **tx, struct problem *prob);
enum rc db_tx_close(struct db_tx *tx, enum rc rc, struct problem *prob);

/* The parts of db_tx, for the engine's own tests and bulk loading that
 * commits in batches: db_begin starts a transaction on the calling thread's
 * connection; only RC_OK from db_commit means the write is durable (on
 * failure it rolled back); db_rollback rolls back if one is open and never
 * fails; db_in_tx says whether one is open on this thread. */
enum rc db_begin(struct db *db, struct problem *prob);
enum rc db_commit(struct db *db, struct problem *prob);
void db_rollback(struct db *db);
bool db_in_tx(struct db *db);

enum db_storage { DB_STORAGE_OK, DB_STORAGE_FULL, DB_STORAGE_FAILED };
/* What the last writes learned: FULL (disk full: writes get 503 until a
 * probe write succeeds, at most every few seconds) or FAILED (a sync failed:
 * writes get 503 until restart, since the engine may have lost pages). */
enum db_storage db_storage_state(struct db *db);
/* Checks the engine answers (SELECT 1): RC_OK or RC_UNAVAILABLE. */
enum rc db_ping(struct db *db, struct problem *prob);

/* Telling the other servers on the same database that something changed
 * (PostgreSQL LISTEN/NOTIFY; with SQLite there is one server and these do
 * nothing). db_notify queues payload on channel in the caller's open
 * transaction: it is delivered when, and only if, the transaction commits. */
enum rc db_notify(struct db *db, const char *channel, const char *payload, struct problem *prob);
/* Called on the listener's thread for each notification from another
 * process, and with payload NULL after the listener (re)connects, when
 * notifications may have been missed and everything should be re-read.
 * A process's own notifications are not delivered to it. */
typedef void (*db_notify_fn)(const char *payload, void *ctx);
struct db_listener;
/* Starts a thread that listens on channel with a connection of its own,
 * reconnecting with backoff when the database goes away. *out is NULL for
 * SQLite. */
enum rc db_listen(struct db *db, const char *channel, db_notify_fn fn, void *ctx,
		  struct db_listener **out, struct problem *prob);
/* Stops the thread and closes its connection. NULL is fine. */
void db_listener_stop(struct db_listener *l);

/* Failure injection, for tests that walk a write's failure paths (STYLE.md
 * rule 20): inert until armed, and armed only by a test's call, never by
 * configuration. Armed with DB_FAULT_STATEMENT, the nth statement from now
 * (db_exec, db_exec_script, and the BEGIN of db_begin, counted on every
 * thread of this handle) is not sent to the engine and fails with rc instead;
 * armed with DB_FAULT_COMMIT, the next db_commit rolls back and fails with rc
 * instead of committing. A fault fires once and disarms itself. rc is what a
 * real failure would give: RC_INTERNAL (an engine error), RC_BUSY (lock
 * contention: db_tx and the write path then retry the whole transaction),
 * RC_UNAVAILABLE; its problem text is the one the engines use.
 *
 * No fault fails an allocation. xalloc aborts on exhaustion by design (rule
 * 11), so no caller could answer a failed xmalloc with anything but a crash;
 * the only allocations on a write path that end in an error rather than an
 * abort are the engines' own (SQLite's SQLITE_NOMEM, libpq's NULL result),
 * and each surfaces as a failed statement: the statement fault with
 * RC_INTERNAL stands for them. Thread-safe; meant for single-threaded tests. */
enum db_fault { DB_FAULT_NONE, DB_FAULT_STATEMENT, DB_FAULT_COMMIT };
/* Arms kind to fire at the nth statement (n >= 1; ignored for a commit) with
 * rc. DB_FAULT_NONE disarms. */
void db_fault_arm(struct db *db, enum db_fault kind, unsigned n, enum rc rc);
/* True once the last armed fault has fired. */
bool db_fault_fired(struct db *db);
/* The SQL the last fault failed (its first bytes; borrowed, valid until the
 * next db_fault_arm), or "" if none fired. */
const char *db_fault_sql(struct db *db);

/* Results: a fully read, immutable table. Cells are text (as the engine
 * renders them) or NULL. */
size_t db_rows_count(const struct db_rows *r);
size_t db_rows_cols(const struct db_rows *r);
bool db_rows_null(const struct db_rows *r, size_t row, size_t col);
/* Borrowed, valid until db_rows_free; NULL for SQL NULL. */
const char *db_rows_text(const struct db_rows *r, size_t row, size_t col);
int64_t db_rows_int(const struct db_rows *r, size_t row, size_t col);
double db_rows_real(const struct db_rows *r, size_t row, size_t col);
const char *db_rows_name(const struct db_rows *r, size_t col);
void db_rows_free(struct db_rows *r);

/* Applies every migration not yet recorded, in order, each in its own
 * transaction; reports applied versions through *applied. */
enum rc db_migrate(struct db *db, int *applied, struct problem *prob);
/* Returns the highest applied migration version, or 0. */
int db_schema_version(struct db *db);

#endif
