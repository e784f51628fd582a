/* The engine-neutral half of db/: URL parsing, the per-thread connection
 * slots, transactions with retry, the storage fail-stop gate and results. */
#include "db/db_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"

#define DB_FULL_PROBE_MS 5000
#define DB_TX_ATTEMPTS	 8
#define DB_GROUP_MAX	 64 /* writes at most in one shared transaction */

struct db_cell {
	size_t off; /* into text */
	size_t len;
	bool is_null;
};

struct db_rows {
	size_t ncols;
	size_t ncells, cap;
	char **names;
	struct db_cell *cells;
	struct sb text;
};

static void slot_destroy(void *p)
{
	struct db_conn_slot *slot = p;
	struct db *db = slot->db;
	pthread_mutex_lock(&db->mu);
	for (struct db_conn_slot **pp = &db->slots; *pp; pp = &(*pp)->next) {
		if (*pp == slot) {
			*pp = slot->next;
			break;
		}
	}
	pthread_mutex_unlock(&db->mu);
	if (slot->conn)
		db->ops->disconnect(slot->conn);
	free(slot);
}

/* Returns the calling thread's slot with a live connection, or NULL. */
static struct db_conn_slot *slot_get(struct db *db, struct problem *prob)
{
	struct db_conn_slot *slot = pthread_getspecific(db->key);
	if (slot && slot->conn && !slot->in_tx && db->ops->broken(slot->conn)) {
		/* The server went away (PostgreSQL restart): reconnect between
		 * transactions, never in the middle of one. */
		db->ops->disconnect(slot->conn);
		slot->conn = NULL;
	}
	if (!slot) {
		slot = xcalloc(1, sizeof(*slot));
		slot->db = db;
		pthread_setspecific(db->key, slot);
		pthread_mutex_lock(&db->mu);
		slot->next = db->slots;
		db->slots = slot;
		pthread_mutex_unlock(&db->mu);
	}
	if (!slot->conn) {
		if (db->ops->connect(db, &slot->conn, prob) != RC_OK)
			return NULL;
	}
	return slot;
}

static char *mask_url(const char *url)
{
	/* postgresql://user:secret@host/db → postgresql://user:***@host/db */
	const char *scheme = strstr(url, "://");
	const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
	const char *colon = scheme ? memchr(scheme + 3, ':', at ? (size_t)(at - scheme - 3) : 0)
				   : NULL;
	if (!at || !colon)
		return xstrdup(url);
	struct sb sb = SB_INIT;
	sb_add(&sb, url, (size_t)(colon - url) + 1);
	sb_adds(&sb, "***");
	sb_adds(&sb, at);
	return sb_detach(&sb, NULL);
}

enum rc db_open(const char *url, const struct db_options *opt, struct db **out,
		struct problem *prob)
{
	const struct db_ops *ops = NULL;
	const char *target = NULL;
	enum db_kind kind;
	if (strncmp(url, "sqlite:", 7) == 0) {
		ops = &db_sqlite_ops;
		kind = DB_KIND_SQLITE;
		target = url + 7;
		if (strncmp(target, "//", 2) == 0)
			target += 2;
	} else if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
		ops = &db_postgres_ops;
		kind = DB_KIND_POSTGRES;
		target = url;
	} else {
		return problem_set(
			prob, RC_INVALID, "config",
			"数据库地址无法识别: 应为 sqlite:PATH 或 postgresql://… (got \"%.80s\")",
			url);
	}
	if (!*target)
		return problem_set(prob, RC_INVALID, "config", "数据库地址缺少文件路径");

	struct db *db = xcalloc(1, sizeof(*db));
	db->ops = ops;
	db->kind = kind;
	db->url = xstrdup(url);
	db->url_safe = mask_url(url);
	db->target = xstrdup(target);
	if (opt)
		db->opt = *opt;
	if (db->opt.busy_timeout_ms <= 0)
		db->opt.busy_timeout_ms = 5000;
	pthread_key_create(&db->key, slot_destroy);
	pthread_mutex_init(&db->mu, NULL);
	pthread_mutex_init(&db->group_mu, NULL);
	pthread_cond_init(&db->group_cv, NULL);
	db->group_tail = &db->group_head;
	atomic_init(&db->storage, DB_STORAGE_OK);
	atomic_init(&db->full_since_ms, 0);
	atomic_init(&db->fault_kind, DB_FAULT_NONE);
	atomic_init(&db->fault_left, 0);
	atomic_init(&db->fault_rc, RC_OK);
	atomic_init(&db->fault_fired, false);
	unsigned char rnd[8] = { 0 };
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		uint64_t fallback = (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)db;
		memcpy(rnd, &fallback, sizeof(rnd));
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(db->instance + 2 * i, 3, "%02x", rnd[i]);

	struct db_conn_slot *slot = slot_get(db, prob);
	if (!slot || ops->check_settings(db, slot->conn, prob) != RC_OK) {
		db_close(db);
		return prob->rc ? prob->rc : RC_UNAVAILABLE;
	}
	*out = db;
	return RC_OK;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	db_notifier_stop(db);
	/* Threads that called in may have exited already (their destructors
	 * closed their slots); close what remains. */
	pthread_mutex_lock(&db->mu);
	struct db_conn_slot *slot = db->slots;
	db->slots = NULL;
	pthread_mutex_unlock(&db->mu);
	while (slot) {
		struct db_conn_slot *next = slot->next;
		if (slot->conn)
			db->ops->disconnect(slot->conn);
		free(slot);
		slot = next;
	}
	pthread_setspecific(db->key, NULL);
	pthread_key_delete(db->key);
	pthread_mutex_destroy(&db->mu);
	pthread_mutex_destroy(&db->group_mu);
	pthread_cond_destroy(&db->group_cv);
	free(db->url);
	free(db->url_safe);
	free(db->target);
	free(db);
}

enum db_kind db_kind(const struct db *db)
{
	return db->kind;
}

const char *db_url_safe(const struct db *db)
{
	return db->url_safe;
}

/* Failure injection (db_fault_arm) */

void db_fault_arm(struct db *db, enum db_fault kind, unsigned n, enum rc rc)
{
	atomic_store(&db->fault_kind, DB_FAULT_NONE);
	atomic_store(&db->fault_fired, false);
	db->fault_sql[0] = '\0';
	atomic_store(&db->fault_rc, rc);
	atomic_store(&db->fault_left, (long)(n ? n : 1));
	atomic_store(&db->fault_kind, kind);
}

bool db_fault_fired(struct db *db)
{
	return atomic_load(&db->fault_fired);
}

const char *db_fault_sql(struct db *db)
{
	return atomic_load(&db->fault_fired) ? db->fault_sql : "";
}

/* RC_OK unless sql is where the armed fault of this kind fires; then the
 * fault disarms itself and the statement fails the way the engine would
 * have said it. Costs one atomic load while nothing is armed. */
_Thread_local bool db_fault_exempt;

static enum rc fault_check(struct db *db, enum db_fault kind, const char *sql, struct problem *prob)
{
	if (db_fault_exempt || atomic_load(&db->fault_kind) != (int)kind)
		return RC_OK;
	if (kind == DB_FAULT_STATEMENT && atomic_fetch_sub(&db->fault_left, 1) != 1)
		return RC_OK;
	int expected = (int)kind;
	if (!atomic_compare_exchange_strong(&db->fault_kind, &expected, DB_FAULT_NONE))
		return RC_OK;
	snprintf(db->fault_sql, sizeof(db->fault_sql), "%s", sql);
	atomic_store(&db->fault_fired, true);
	enum rc rc = (enum rc)atomic_load(&db->fault_rc);
	switch (rc) {
	case RC_BUSY: return problem_set(prob, RC_BUSY, "busy", "数据库繁忙，请稍后重试");
	case RC_UNAVAILABLE:
		return problem_set(prob, RC_UNAVAILABLE, "storage-unreachable", "数据库无法连接");
	default: return problem_set(prob, rc == RC_OK ? RC_INTERNAL : rc, "internal", "数据库错误");
	}
}

/* The calling thread's slot, with a live connection, for running sql; NULL
 * (prob says why) when the armed fault fires here or no connection opens. */
static struct db_conn_slot *statement_slot(struct db *db, const char *sql, struct problem *prob)
{
	if (fault_check(db, DB_FAULT_STATEMENT, sql, prob) != RC_OK)
		return NULL;
	return slot_get(db, prob);
}

enum rc db_exec(struct db *db, const char *sql, const struct db_val *params, size_t nparams,
		struct db_rows **rows, struct problem *prob)
{
	if (rows)
		*rows = NULL;
	struct db_conn_slot *slot = statement_slot(db, sql, prob);
	if (!slot)
		return prob->rc;
	return db->ops->exec(db, slot->conn, sql, params, nparams, rows, prob);
}

enum rc db_exec_later(struct db *db, const char *sql, const struct db_val *params, size_t nparams,
		      struct problem *prob)
{
	struct db_conn_slot *slot = statement_slot(db, sql, prob);
	if (!slot)
		return prob->rc;
	if (!slot->in_tx || !db->ops->exec_later)
		return db->ops->exec(db, slot->conn, sql, params, nparams, NULL, prob);
	return db->ops->exec_later(db, slot->conn, sql, params, nparams, prob);
}

/* The interned SQL texts: an open-addressing table that doubles when half
 * full, under one mutex (interning happens once per statement text and
 * call, far from the cost of running it). */
static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;
static char **intern_slots;
static size_t intern_cap, intern_n;

static size_t intern_hash(const char *s)
{
	size_t h = 14695981039346656037u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

const char *db_sql_intern(const char *sql)
{
	pthread_mutex_lock(&intern_mu);
	if (2 * (intern_n + 1) > intern_cap) {
		size_t cap = intern_cap ? intern_cap * 2 : 64;
		char **slots = xcalloc(cap, sizeof(*slots));
		for (size_t i = 0; i < intern_cap; i++) {
			if (!intern_slots[i])
				continue;
			size_t k = intern_hash(intern_slots[i]) & (cap - 1);
			while (slots[k])
				k = (k + 1) & (cap - 1);
			slots[k] = intern_slots[i];
		}
		free(intern_slots);
		intern_slots = slots;
		intern_cap = cap;
	}
	size_t k = intern_hash(sql) & (intern_cap - 1);
	while (intern_slots[k] && strcmp(intern_slots[k], sql) != 0)
		k = (k + 1) & (intern_cap - 1);
	if (!intern_slots[k]) {
		intern_slots[k] = xstrdup(sql);
		intern_n++;
	}
	const char *out = intern_slots[k];
	pthread_mutex_unlock(&intern_mu);
	return out;
}

char *db_like_pattern(const char *s, bool contains)
{
	struct sb sb = SB_INIT;
	if (contains)
		sb_addc(&sb, '%');
	for (const char *p = s; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			sb_addc(&sb, '\\');
		sb_addc(&sb, *p);
	}
	sb_addc(&sb, '%');
	return sb_detach(&sb, NULL);
}

enum rc db_exec_script(struct db *db, const char *sql, struct problem *prob)
{
	struct db_conn_slot *slot = statement_slot(db, sql, prob);
	if (!slot)
		return prob->rc;
	return db->ops->exec_script(db, slot->conn, sql, prob);
}

enum db_storage db_storage_state(struct db *db)
{
	return (enum db_storage)atomic_load(&db->storage);
}

void db_storage_full(struct db *db)
{
	int expected = DB_STORAGE_OK;
	atomic_store(&db->full_since_ms, clock_now_ms());
	if (atomic_compare_exchange_strong(&db->storage, &expected, DB_STORAGE_FULL))
		log_error(NULL, "storage_full",
			  "database reports a full disk: writes refused until space is freed");
}

void db_storage_failed(struct db *db)
{
	if (atomic_exchange(&db->storage, DB_STORAGE_FAILED) != DB_STORAGE_FAILED)
		log_error(NULL, "storage_failed",
			  "database reports a failed write or sync: writes refused until restart");
}

static enum rc write_gate(struct db *db, struct problem *prob)
{
	int st = atomic_load(&db->storage);
	if (st == DB_STORAGE_FAILED) {
		prob->retry_after_s = 60;
		return problem_set(
			prob, RC_UNAVAILABLE, "storage-failed",
			"存储写入失败，系统暂停接收修改，请稍后再试 (storage failed a sync; writes paused until restart)");
	}
	if (st == DB_STORAGE_FULL) {
		/* Let one write through now and then as a probe: if space was
		 * freed it commits and the gate opens again. */
		long long since = atomic_load(&db->full_since_ms);
		if (clock_now_ms() - since < DB_FULL_PROBE_MS) {
			prob->retry_after_s = 5;
			return problem_set(prob, RC_UNAVAILABLE, "storage-full",
					   "存储空间已满，暂时无法保存，请稍后再试 (disk full)");
		}
		atomic_store(&db->full_since_ms, clock_now_ms());
	}
	return RC_OK;
}

enum rc db_begin(struct db *db, struct problem *prob)
{
	enum rc rc = write_gate(db, prob);
	if (rc != RC_OK)
		return rc;
	struct db_conn_slot *slot = slot_get(db, prob);
	if (!slot)
		return prob->rc;
	if (slot->in_tx)
		return problem_set(prob, RC_INTERNAL, "internal", "nested transaction");
	rc = fault_check(db, DB_FAULT_STATEMENT, db->ops->begin_sql, prob);
	if (rc != RC_OK)
		return rc;
	rc = db->ops->exec(db, slot->conn, db->ops->begin_sql, NULL, 0, NULL, prob);
	if (rc == RC_OK) {
		slot->in_tx = true;
		slot->marked = false;
	}
	return rc;
}

void db_on_commit(struct db *db, db_commit_fn fn, void *ctx)
{
	db->on_commit = fn;
	db->on_commit_ctx = ctx;
}

struct db *db_tx_db(struct db_tx *tx)
{
	return tx->db;
}

void db_tx_mark(struct db_tx *tx)
{
	if (tx->slot->in_tx)
		tx->slot->marked = true;
}

enum rc db_commit(struct db *db, struct problem *prob)
{
	struct db_conn_slot *slot = pthread_getspecific(db->key);
	if (!slot || !slot->in_tx)
		return problem_set(prob, RC_INTERNAL, "internal", "commit without transaction");
	enum rc rc = fault_check(db, DB_FAULT_COMMIT, "COMMIT", prob);
	if (rc == RC_OK)
		rc = db->ops->exec(db, slot->conn, "COMMIT", NULL, 0, NULL, prob);
	if (rc != RC_OK) {
		db->ops->exec(db, slot->conn, "ROLLBACK", NULL, 0, NULL, &(struct problem){ 0 });
		slot->in_tx = false;
		slot->marked = false;
		slot->notify[0] = '\0';
		return rc;
	}
	slot->in_tx = false;
	if (slot->notify[0]) {
		db_notify_committed(db, slot->notify);
		slot->notify[0] = '\0';
	}
	if (atomic_load(&db->storage) == DB_STORAGE_FULL) {
		int expected = DB_STORAGE_FULL;
		if (atomic_compare_exchange_strong(&db->storage, &expected, DB_STORAGE_OK))
			log_info(NULL, "storage_ok", "writes succeed again after a full disk");
	}
	if (slot->marked) {
		slot->marked = false;
		if (db->on_commit)
			db->on_commit(db->on_commit_ctx);
	}
	return RC_OK;
}

void db_rollback(struct db *db)
{
	struct db_conn_slot *slot = pthread_getspecific(db->key);
	if (!slot || !slot->in_tx)
		return;
	struct problem ignored = { 0 };
	if (slot->conn)
		db->ops->exec(db, slot->conn, "ROLLBACK", NULL, 0, NULL, &ignored);
	slot->in_tx = false;
	slot->marked = false;
	slot->notify[0] = '\0';
}

bool db_in_tx(struct db *db)
{
	struct db_conn_slot *slot = pthread_getspecific(db->key);
	return slot && slot->in_tx;
}

enum rc db_tx(struct db *db, db_tx_fn fn, void *ctx, struct problem *prob)
{
	enum rc rc = RC_INTERNAL;
	for (int attempt = 0; attempt < DB_TX_ATTEMPTS; attempt++) {
		problem_init(prob);
		rc = db_begin(db, prob);
		if (rc == RC_OK) {
			struct db_conn_slot *slot = pthread_getspecific(db->key);
			slot->tx = (struct db_tx){ db, slot };
			rc = fn(&slot->tx, ctx, prob);
			if (rc == RC_OK)
				rc = db_commit(db, prob);
			else
				db_rollback(db);
		}
		/* Lock contention, a serialization failure, or another write
		 * of the same idempotency key still in flight: back off a
		 * little, growing, then run it all again. A database that
		 * cannot be reached is not retried here: its client waits. */
		if (rc != RC_BUSY || !strcmp(prob->type, "storage-unreachable"))
			return rc;
		usleep((useconds_t)(2000u << attempt));
	}
	if (prob->retry_after_s <= 0)
		prob->retry_after_s = 1;
	return rc;
}

/* Group commit */

/* One write waiting in db_tx_group. Lives on its caller's stack. */
struct db_group_item {
	db_tx_fn fn;
	void *ctx;
	struct problem *prob;
	enum rc rc;
	bool done;
	struct db_group_item *next;
};

/* Runs the batch in one transaction, each item inside its own savepoint
 * (a refusal undoes that item alone), and commits once. An item's rc is
 * RC_BUSY when it must be run again alone: contention, or a transaction
 * that failed as a whole (then nothing of the batch stands). A batch of
 * one runs as db_tx runs it once, without a savepoint. */
static void group_run(struct db *db, struct db_group_item *batch)
{
	struct problem p;
	problem_init(&p);
	for (struct db_group_item *it = batch; it; it = it->next) {
		problem_init(it->prob);
		it->rc = RC_BUSY;
	}
	enum rc rc = db_begin(db, &p);
	if (rc != RC_OK)
		return;
	struct db_conn_slot *slot = pthread_getspecific(db->key);
	slot->tx = (struct db_tx){ db, slot };
	bool alone = !batch->next;
	size_t ok = 0;
	for (struct db_group_item *it = batch; it && rc == RC_OK; it = it->next) {
		if (!alone && (rc = db_exec(db, "SAVEPOINT yz_group", NULL, 0, NULL, &p)) != RC_OK)
			break;
		it->rc = it->fn(&slot->tx, it->ctx, it->prob);
		if (it->rc == RC_OK) {
			ok++;
			if (!alone)
				rc = db_exec(db, "RELEASE SAVEPOINT yz_group", NULL, 0, NULL, &p);
			continue;
		}
		if (it->prob->rc == RC_UNAVAILABLE)
			it->rc = RC_BUSY;
		if (!alone && (rc = db_exec(db, "ROLLBACK TO SAVEPOINT yz_group", NULL, 0, NULL,
					    &p)) == RC_OK)
			rc = db_exec(db, "RELEASE SAVEPOINT yz_group", NULL, 0, NULL, &p);
	}
	if (rc != RC_OK || !ok) {
		db_rollback(db);
		if (rc != RC_OK)
			for (struct db_group_item *it = batch; it; it = it->next)
				it->rc = RC_BUSY;
		return;
	}
	rc = db_commit(db, &p);
	if (rc != RC_OK)
		for (struct db_group_item *it = batch; it; it = it->next)
			if (it->rc == RC_OK) {
				*it->prob = p;
				it->rc = rc;
			}
}

enum rc db_tx_group(struct db *db, db_tx_fn fn, void *ctx, struct problem *prob)
{
	/* PostgreSQL already shares one WAL flush among the transactions
	 * that commit at once, and runs them side by side: grouping them
	 * behind one connection would only queue them. */
	if (db->kind == DB_KIND_POSTGRES)
		return db_tx(db, fn, ctx, prob);
	struct db_group_item me = { .fn = fn, .ctx = ctx, .prob = prob };
	bool finished = false;
	pthread_mutex_lock(&db->group_mu);
	*db->group_tail = &me;
	db->group_tail = &me.next;
	while (!finished) {
		if (db->group_leader) {
			pthread_cond_wait(&db->group_cv, &db->group_mu);
			finished = me.done;
			continue;
		}
		/* Lead: take what waits (this thread's write among it), run
		 * it as one transaction, hand out the outcomes. */
		db->group_leader = true;
		struct db_group_item *batch = db->group_head;
		size_t n = 0;
		struct db_group_item **cut = &db->group_head;
		while (*cut && n < DB_GROUP_MAX) {
			cut = &(*cut)->next;
			n++;
		}
		db->group_head = *cut;
		if (!db->group_head)
			db->group_tail = &db->group_head;
		*cut = NULL;
		pthread_mutex_unlock(&db->group_mu);
		group_run(db, batch);
		pthread_mutex_lock(&db->group_mu);
		for (struct db_group_item *it = batch; it; it = it->next)
			it->done = true;
		db->group_leader = false;
		pthread_cond_broadcast(&db->group_cv);
		finished = me.done;
	}
	pthread_mutex_unlock(&db->group_mu);
	/* Contention, or a batch whose transaction failed: alone, with
	 * db_tx's retries. */
	if (me.rc == RC_BUSY)
		return db_tx(db, fn, ctx, prob);
	return me.rc;
}

enum rc db_tx_open(struct db *db, struct db_tx **tx, struct problem *prob)
{
	*tx = NULL;
	enum rc rc = db_begin(db, prob);
	if (rc != RC_OK)
		return rc;
	struct db_conn_slot *slot = pthread_getspecific(db->key);
	slot->tx = (struct db_tx){ db, slot };
	*tx = &slot->tx;
	return RC_OK;
}

enum rc db_tx_close(struct db_tx *tx, enum rc rc, struct problem *prob)
{
	if (rc != RC_OK) {
		db_rollback(tx->db);
		return rc;
	}
	return db_commit(tx->db, prob);
}

enum rc db_ping(struct db *db, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, "SELECT 1", NULL, 0, &rows, prob);
	db_rows_free(rows);
	if (rc != RC_OK)
		return problem_set(prob, RC_UNAVAILABLE, "storage-unreachable", "数据库无法连接");
	return RC_OK;
}

/* Results */

struct db_rows *db_rows_new(size_t ncols)
{
	struct db_rows *r = xcalloc(1, sizeof(*r));
	r->ncols = ncols;
	r->names = xcalloc(ncols ? ncols : 1, sizeof(char *));
	sb_init(&r->text, 0);
	return r;
}

void db_rows_set_name(struct db_rows *r, size_t col, const char *name)
{
	free(r->names[col]);
	r->names[col] = xstrdup(name ? name : "");
}

void db_rows_add_cell(struct db_rows *r, const char *s, size_t len, bool is_null)
{
	if (r->ncells == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->cells = xrealloc(r->cells, r->cap * sizeof(*r->cells));
	}
	struct db_cell *c = &r->cells[r->ncells++];
	c->off = r->text.len;
	c->len = is_null ? 0 : len;
	c->is_null = is_null;
	if (!is_null)
		sb_add(&r->text, s, len);
	sb_addc(&r->text, '\0');
}

size_t db_rows_count(const struct db_rows *r)
{
	return r && r->ncols ? r->ncells / r->ncols : 0;
}

size_t db_rows_cols(const struct db_rows *r)
{
	return r ? r->ncols : 0;
}

static const struct db_cell *cell(const struct db_rows *r, size_t row, size_t col)
{
	if (!r || col >= r->ncols || row * r->ncols + col >= r->ncells)
		return NULL;
	return &r->cells[row * r->ncols + col];
}

bool db_rows_null(const struct db_rows *r, size_t row, size_t col)
{
	const struct db_cell *c = cell(r, row, col);
	return !c || c->is_null;
}

const char *db_rows_text(const struct db_rows *r, size_t row, size_t col)
{
	const struct db_cell *c = cell(r, row, col);
	return !c || c->is_null ? NULL : sb_str(&r->text) + c->off;
}

int64_t db_rows_int(const struct db_rows *r, size_t row, size_t col)
{
	const char *s = db_rows_text(r, row, col);
	return s ? strtoll(s, NULL, 10) : 0;
}

double db_rows_real(const struct db_rows *r, size_t row, size_t col)
{
	const char *s = db_rows_text(r, row, col);
	return s ? strtod(s, NULL) : 0.0;
}

const char *db_rows_name(const struct db_rows *r, size_t col)
{
	return col < r->ncols ? r->names[col] : NULL;
}

void db_rows_free(struct db_rows *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ncols; i++)
		free(r->names[i]);
	free(r->names);
	free(r->cells);
	sb_release(&r->text);
	free(r);
}
