/* The SQLite engine: one connection per thread, WAL with synchronous=FULL,
 * foreign keys on, a busy timeout, and a per-connection cache of prepared
 * statements keyed by the SQL text's address (queries are string literals). */
#include "db/db_int.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"

/* Prepared statements, found by the address of their text: a set of
 * STMT_CACHE_WAYS slots per address, the least recently used replaced, so
 * two hot statements whose addresses meet do not prepare each other away. */
#define STMT_CACHE_SLOTS 1024
#define STMT_CACHE_WAYS	 4

struct stmt_slot {
	uint64_t used;	 /* when last used, by the connection's counter */
	const char *sql; /* the caller's pointer: the hash key */
	char *text;	 /* a copy: dynamic SQL may reuse a freed address */
	sqlite3_stmt *stmt;
	int nbind;
	int *param_of; /* bind index - 1 → $N - 1; worked out once at prepare */
};

struct db_conn {
	sqlite3 *h;
	struct stmt_slot cache[STMT_CACHE_SLOTS];
	uint64_t clock;
};

static enum rc map_error(struct db *db, sqlite3 *h, int err, const char *sql, struct problem *prob)
{
	int primary = err & 0xff;
	const char *msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(err);
	switch (primary) {
	case SQLITE_CONSTRAINT:
		/* A trigger's RAISE(ABORT): a rule the schema keeps that no
		 * index can (bookings of a room that overlap), said the way
		 * PostgreSQL's exclusion constraint says it. */
		if (err == SQLITE_CONSTRAINT_TRIGGER)
			return problem_set(prob, RC_CONFLICT, "exclusion",
					   "与已有的记录冲突（时段重叠）: %s", msg);
		return problem_set(prob, RC_CONFLICT, "conflict", "数据冲突: %s", msg);
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return problem_set(prob, RC_BUSY, "busy", "数据库繁忙，请稍后重试");
	case SQLITE_FULL:
		db_storage_full(db);
		prob->retry_after_s = 5;
		return problem_set(prob, RC_UNAVAILABLE, "storage-full",
				   "存储空间已满，暂时无法保存，请稍后再试 (disk full)");
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		db_storage_failed(db);
		prob->retry_after_s = 60;
		log_error(NULL, "sqlite_io", "sqlite error %d (%s) on: %.120s", err, msg, sql);
		return problem_set(prob, RC_UNAVAILABLE, "storage-failed",
				   "存储写入失败，系统暂停接收修改 (storage error)");
	default:
		log_error(NULL, "sqlite_error", "sqlite error %d (%s) on: %.200s", err, msg, sql);
		return problem_set(prob, RC_INTERNAL, "internal", "数据库错误");
	}
}

static enum rc sq_exec_script(struct db *db, struct db_conn *c, const char *sql,
			      struct problem *prob)
{
	char *err = NULL;
	int rc = sqlite3_exec(c->h, sql, NULL, NULL, &err);
	sqlite3_free(err);
	if (rc != SQLITE_OK)
		return map_error(db, c->h, sqlite3_extended_errcode(c->h), sql, prob);
	return RC_OK;
}

static enum rc sq_connect(struct db *db, struct db_conn **out, struct problem *prob)
{
	struct db_conn *c = xcalloc(1, sizeof(*c));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(db->target, &c->h, flags, NULL);
	if (rc != SQLITE_OK) {
		problem_set(prob, RC_UNAVAILABLE, "storage-unreachable",
			    "无法打开数据库文件 %s: %s", db->target,
			    c->h ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc));
		sqlite3_close(c->h);
		free(c);
		return RC_UNAVAILABLE;
	}
	sqlite3_extended_result_codes(c->h, 1);
	sqlite3_busy_timeout(c->h, db->opt.busy_timeout_ms);
	/* FULL unless a test asks for one of the weaker settings by name. */
	const char *sync = "FULL", *want = db->opt.sqlite_synchronous;
	static const char *const weaker[] = { "OFF", "NORMAL", "EXTRA" };
	for (size_t i = 0; want && i < sizeof(weaker) / sizeof(weaker[0]); i++)
		if (strcmp(want, weaker[i]) == 0)
			sync = weaker[i];
	struct sb sb = SB_INIT;
	sb_addf(&sb, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON;",
		sync);
	if (db->opt.sqlite_max_pages > 0)
		sb_addf(&sb, "PRAGMA max_page_count=%lld;", (long long)db->opt.sqlite_max_pages);
	enum rc r = sq_exec_script(db, c, sb_str(&sb), prob);
	sb_release(&sb);
	if (r != RC_OK) {
		sqlite3_close(c->h);
		free(c);
		return r;
	}
	*out = c;
	return RC_OK;
}

static void sq_disconnect(struct db_conn *c)
{
	for (size_t i = 0; i < STMT_CACHE_SLOTS; i++) {
		sqlite3_finalize(c->cache[i].stmt);
		free(c->cache[i].text);
		free(c->cache[i].param_of);
	}
	sqlite3_close(c->h);
	free(c);
}

static bool sq_broken(struct db_conn *c)
{
	(void)c;
	return false;
}

static int pragma_int(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_TEXT
			    ? (strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0)
			    : sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static enum rc sq_check_settings(struct db *db, struct db_conn *c, struct problem *prob)
{
	int wal = pragma_int(c->h, "PRAGMA journal_mode");
	int sync = pragma_int(c->h, "PRAGMA synchronous");
	int fk = pragma_int(c->h, "PRAGMA foreign_keys");
	if ((wal != 1 || sync < 2 || fk != 1) && !db->opt.allow_weak_sync)
		return problem_set(
			prob, RC_UNAVAILABLE, "weak-durability",
			"refusing to run with weak durability: journal_mode=%s synchronous=%d "
			"foreign_keys=%d (need wal, 2 (FULL), 1)",
			wal == 1 ? "wal" : "other", sync, fk);
	return RC_OK;
}

/* Finds or prepares the statement for sql. Asking SQLite for a parameter's
 * name is a linear scan, so the $N → bind index map is built here, once. */
static int stmt_get(struct db_conn *c, const char *sql, struct stmt_slot **out)
{
	size_t set = (size_t)((((uintptr_t)sql >> 4) * UINT64_C(0x9e3779b97f4a7c15)) >> 40) %
		     (STMT_CACHE_SLOTS / STMT_CACHE_WAYS);
	struct stmt_slot *ways = &c->cache[set * STMT_CACHE_WAYS], *s = &ways[0];
	c->clock++;
	for (size_t w = 0; w < STMT_CACHE_WAYS; w++) {
		if (ways[w].stmt && ways[w].sql == sql && strcmp(ways[w].text, sql) == 0) {
			ways[w].used = c->clock;
			*out = &ways[w];
			return SQLITE_OK;
		}
		if (!ways[w].stmt || ways[w].used < s->used)
			s = &ways[w]; /* an empty slot, or the least recently used */
		if (!ways[w].stmt)
			break;
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_finalize(s->stmt);
	free(s->text);
	free(s->param_of);
	s->text = xstrdup(sql);
	s->sql = sql;
	s->stmt = st;
	s->used = c->clock;
	s->nbind = sqlite3_bind_parameter_count(st);
	s->param_of = xcalloc(s->nbind ? (size_t)s->nbind : 1, sizeof(int));
	for (int i = 1; i <= s->nbind; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		s->param_of[i - 1] = name && name[0] == '$' ? (int)strtol(name + 1, NULL, 10) - 1
							    : -1;
	}
	*out = s;
	return SQLITE_OK;
}

static enum rc sq_exec(struct db *db, struct db_conn *c, const char *sql,
		       const struct db_val *params, size_t nparams, struct db_rows **rows,
		       struct problem *prob)
{
	/* After SQLITE_FULL or an I/O error SQLite may have rolled the
	 * transaction back itself: there is nothing left to roll back. */
	if (!strcmp(sql, "ROLLBACK") && sqlite3_get_autocommit(c->h))
		return RC_OK;
	struct stmt_slot *slot = NULL;
	int rc = stmt_get(c, sql, &slot);
	if (rc != SQLITE_OK)
		return map_error(db, c->h, sqlite3_extended_errcode(c->h), sql, prob);
	sqlite3_stmt *st = slot->stmt;
	enum rc out = RC_OK;
	for (int i = 1; i <= slot->nbind; i++) {
		int idx = slot->param_of[i - 1];
		if (idx < 0 || (size_t)idx >= nparams) {
			out = problem_set(prob, RC_INTERNAL, "internal", "bad placeholder %d", i);
			goto done;
		}
		const struct db_val *v = &params[idx];
		switch (v->type) {
		case DB_NULL: rc = sqlite3_bind_null(st, i); break;
		case DB_INT: rc = sqlite3_bind_int64(st, i, v->i); break;
		case DB_REAL: rc = sqlite3_bind_double(st, i, v->d); break;
		case DB_TEXT: rc = sqlite3_bind_text(st, i, v->s, -1, SQLITE_STATIC); break;
		}
		if (rc != SQLITE_OK) {
			out = map_error(db, c->h, rc, sql, prob);
			goto done;
		}
	}
	struct db_rows *r = NULL;
	int ncols = sqlite3_column_count(st);
	if (rows) {
		r = db_rows_new((size_t)ncols);
		for (int i = 0; i < ncols; i++)
			db_rows_set_name(r, (size_t)i, sqlite3_column_name(st, i));
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!r)
			continue;
		for (int i = 0; i < ncols; i++) {
			if (sqlite3_column_type(st, i) == SQLITE_NULL) {
				db_rows_add_cell(r, NULL, 0, true);
				continue;
			}
			const unsigned char *t = sqlite3_column_text(st, i);
			db_rows_add_cell(r, (const char *)t, (size_t)sqlite3_column_bytes(st, i),
					 false);
		}
	}
	if (rc != SQLITE_DONE) {
		out = map_error(db, c->h, sqlite3_extended_errcode(c->h), sql, prob);
		db_rows_free(r);
		goto done;
	}
	if (rows)
		*rows = r;
done:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return out;
}

const struct db_ops db_sqlite_ops = {
	.name = "sqlite",
	.connect = sq_connect,
	.disconnect = sq_disconnect,
	.check_settings = sq_check_settings,
	.exec = sq_exec,
	.exec_script = sq_exec_script,
	.begin_sql = "BEGIN IMMEDIATE",
	.broken = sq_broken,
};
