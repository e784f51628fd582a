/* Inside db/: the table of operations each engine provides, and the shared
 * pieces of a handle. Only db.c, sqlite.c, postgres.c and migrate.c include
 * this; everyone else uses db.h. */
#ifndef YZ_DB_DB_INT_H
#define YZ_DB_DB_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/sb.h"
#include "db/db.h"

struct db_conn; /* engine-specific connection */

struct db_ops {
	const char *name;
	/* Opens a connection for the calling thread. */
	enum rc (*connect)(struct db *db, struct db_conn **out, struct problem *prob);
	void (*disconnect)(struct db_conn *c);
	/* Checks durability settings once at db_open. */
	enum rc (*check_settings)(struct db *db, struct db_conn *c, struct problem *prob);
	enum rc (*exec)(struct db *db, struct db_conn *c, const char *sql,
			const struct db_val *params, size_t nparams, struct db_rows **rows,
			struct problem *prob);
	enum rc (*exec_script)(struct db *db, struct db_conn *c, const char *sql,
			       struct problem *prob);
	/* db_exec_later inside a transaction; NULL runs it at once. */
	enum rc (*exec_later)(struct db *db, struct db_conn *c, const char *sql,
			      const struct db_val *params, size_t nparams, struct problem *prob);
	const char *begin_sql;
	/* True if the connection is unusable and should be reopened. */
	bool (*broken)(struct db_conn *c);
};

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_postgres_ops;

/* A transaction's handle (db.h): the connection that holds it. */
struct db_tx {
	struct db *db;
	struct db_conn_slot *slot;
};

struct db_conn_slot {
	struct db *db;
	struct db_conn *conn;
	struct db_tx tx; /* the handle of the transaction open on it */
	bool in_tx;
	bool marked;	 /* the open transaction wants db->on_commit after it commits */
	char notify[64]; /* the channel the open transaction notifies at commit, or "" */
	struct db_conn_slot *next;
};

struct db {
	const struct db_ops *ops;
	enum db_kind kind;
	char *url;	/* as given */
	char *url_safe; /* password masked */
	char *target;	/* engine part: file path or libpq conninfo */
	struct db_options opt;
	pthread_key_t key;
	pthread_mutex_t mu; /* guards slots */
	struct db_conn_slot *slots;
	char instance[17];  /* this process's handle, in notifications */
	atomic_int storage; /* enum db_storage */
	atomic_llong full_since_ms;
	/* Test-only failure injection (db_fault_arm). */
	atomic_int fault_kind;	/* enum db_fault */
	atomic_long fault_left; /* statements until the fault fires */
	atomic_int fault_rc;
	atomic_bool fault_fired;
	char fault_sql[96];
	/* db_tx_group: the writes waiting to share a transaction, and
	 * whether a thread is running one for them now. */
	pthread_mutex_t group_mu;
	pthread_cond_t group_cv;
	struct db_group_item *group_head, **group_tail;
	bool group_leader;
	/* Notifications of committed transactions, sent by a thread of their
	 * own (notify.c), several commits' in one. */
	struct db_notifier *notifier;
	db_commit_fn on_commit; /* set before serving, read-only after */
	void *on_commit_ctx;
};

/* Builds a result. Engines add column names, then cells row by row. */
struct db_rows *db_rows_new(size_t ncols);
void db_rows_set_name(struct db_rows *r, size_t col, const char *name);
void db_rows_add_cell(struct db_rows *r, const char *s, size_t len, bool is_null);

/* True on a thread whose statements the test-only failure injection
 * (db_fault_arm) leaves alone: the notifier's, which run after the write
 * they tell of has committed, when no failure could undo it. */
extern _Thread_local bool db_fault_exempt;

/* A committed transaction notified channel: the notifier thread (started
 * on first use) tells the listeners soon, once for every commit since it
 * last did. Never blocks on the database. */
void db_notify_committed(struct db *db, const char *channel);
/* Stops the notifier thread, sending what is still due. */
void db_notifier_stop(struct db *db);

/* Engines report storage trouble here. */
void db_storage_full(struct db *db);
void db_storage_failed(struct db *db);

#endif
