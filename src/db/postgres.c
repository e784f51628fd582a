/* The PostgreSQL engine (libpq): one connection per thread with bounded
 * statement, lock and idle-in-transaction timeouts, UTC, and a per-connection
 * cache of server-side prepared statements keyed by the SQL text's address
 * and the parameter types. Errors are mapped by SQLSTATE to our result codes;
 * a connection lost during COMMIT is reported as "outcome unknown", never as
 * a failure or a success (reliability.md §1.3, rule 20).
 *
 * Round trips: a transaction's BEGIN waits and goes with its first statement,
 * and statements nobody waits for (db_exec_later: history, audit and outbox
 * rows) go with the next one that is waited for or with COMMIT, in one
 * pipeline (libpq's pipeline mode). A batch holding BEGIN never holds COMMIT,
 * so a batch that met a restarted server can always be sent again on a new
 * session, and a lost COMMIT is never sent twice. */
#include "db/db_int.h"

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/xalloc.h"

#define STMT_CACHE_SLOTS  256
#define PARAMS_ON_STACK	  16
#define NUM_TEXT_BYTES	  32
#define CONNECT_TIMEOUT_S "10"
#define LATER_MAX	  64 /* statements held back before they are sent anyway */

/* Type oids from the server's pg_type.dat; libpq has no header for them. */
#define OID_BOOL   16
#define OID_INT8   20
#define OID_FLOAT8 701

/* Session settings applied on every (re)connect: a runaway statement, a
 * lock wait or a forgotten transaction can never hold the server forever,
 * and timestamps never depend on the server's zone. */
static const char session_sql[] = "SET statement_timeout = '30s';"
				  "SET lock_timeout = '10s';"
				  "SET idle_in_transaction_session_timeout = '60s';"
				  "SET TIME ZONE 'UTC';"
				  "SET client_encoding = 'UTF8'";

struct stmt_slot {
	const char *sql; /* the caller's pointer: the hash key */
	char *text;	 /* a copy: dynamic SQL may reuse a freed address */
	size_t nparams;
	Oid *types;    /* as prepared; 0 lets the server infer */
	char name[16]; /* "" while the slot is empty */
};

/* A statement sent with the next one waited for (db_exec_later). */
struct later {
	const char *sql;
	struct db_val *params; /* texts are copies */
	size_t nparams;
};

struct db_conn {
	PGconn *conn;
	bool lost; /* a statement failed for want of a server */
	unsigned long next_stmt_id;
	struct stmt_slot cache[STMT_CACHE_SLOTS];
	/* Statements evicted from the cache, dropped on the server once no
	 * transaction is open, so a failing DEALLOCATE can never abort a
	 * caller's transaction. */
	char **stale;
	size_t nstale, stale_cap;
	/* BEGIN not sent yet: it goes with the transaction's first statement. */
	bool begin_later;
	struct later *later;
	size_t nlater, later_cap;
};

/* The length of msg's first line: libpq's messages run on with DETAIL and
 * HINT lines (which may quote values) and end in a newline. */
static int line_len(const char *msg)
{
	size_t n = strcspn(msg, "\n");
	return n > 400 ? 400 : (int)n;
}

static void notice_drop(void *arg, const char *message)
{
	/* "relation … already exists, skipping" and the like: not worth a
	 * line at info level, and never written to standard error by libpq. */
	(void)arg;
	log_debug(NULL, "pg_notice", "%.*s", line_len(message), message);
}

static void slot_clear(struct stmt_slot *s)
{
	free(s->text);
	free(s->types);
	memset(s, 0, sizeof(*s));
}

static void later_clear(struct db_conn *c)
{
	for (size_t i = 0; i < c->nlater; i++) {
		for (size_t j = 0; j < c->later[i].nparams; j++) {
			if (c->later[i].params[j].type == DB_TEXT)
				free((char *)c->later[i].params[j].s);
		}
		free(c->later[i].params);
	}
	c->nlater = 0;
}

static void later_add(struct db_conn *c, const char *sql, const struct db_val *params,
		      size_t nparams)
{
	if (c->nlater == c->later_cap) {
		c->later_cap = c->later_cap ? c->later_cap * 2 : 8;
		c->later = xrealloc(c->later, c->later_cap * sizeof(*c->later));
	}
	struct later *l = &c->later[c->nlater++];
	l->sql = sql;
	l->nparams = nparams;
	l->params = xcalloc(nparams ? nparams : 1, sizeof(*l->params));
	for (size_t i = 0; i < nparams; i++) {
		l->params[i] = params[i];
		if (params[i].type == DB_TEXT)
			l->params[i].s = xstrdup(params[i].s);
	}
}

/* Forgets every cached statement without telling the server (used when the
 * session is new and the server already forgot them). */
static void cache_forget(struct db_conn *c)
{
	for (size_t i = 0; i < STMT_CACHE_SLOTS; i++)
		slot_clear(&c->cache[i]);
	for (size_t i = 0; i < c->nstale; i++)
		free(c->stale[i]);
	c->nstale = 0;
}

/* Empties a slot whose statement still exists on the server. */
static void slot_evict(struct db_conn *c, struct stmt_slot *s)
{
	if (s->name[0]) {
		if (c->nstale == c->stale_cap) {
			c->stale_cap = c->stale_cap ? c->stale_cap * 2 : 8;
			c->stale = xrealloc(c->stale, c->stale_cap * sizeof(*c->stale));
		}
		c->stale[c->nstale++] = xstrdup(s->name);
	}
	slot_clear(s);
}

/* Drops evicted statements on the server; only outside a transaction, and
 * errors are harmless there. */
static void stale_flush(struct db_conn *c)
{
	if (c->nstale == 0 || PQtransactionStatus(c->conn) != PQTRANS_IDLE)
		return;
	struct sb sb = SB_INIT;
	for (size_t i = 0; i < c->nstale; i++) {
		sb_addf(&sb, "DEALLOCATE %s;", c->stale[i]);
		free(c->stale[i]);
	}
	c->nstale = 0;
	PQclear(PQexec(c->conn, sb_str(&sb)));
	sb_release(&sb);
}

static bool is_class(const char *state, const char *cls)
{
	return state && strncmp(state, cls, 2) == 0;
}

static bool is_state(const char *state, const char *code)
{
	return state && strcmp(state, code) == 0;
}

/* True if sql's first word is word (any case). */
static bool first_word_is(const char *sql, const char *word)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n')
		sql++;
	size_t n = strlen(word);
	return strncasecmp(sql, word, n) == 0 &&
	       (sql[n] == '\0' || sql[n] == ' ' || sql[n] == ';' || sql[n] == '\n' ||
		sql[n] == '\t');
}

static bool is_commit(const char *sql)
{
	return first_word_is(sql, "COMMIT") || first_word_is(sql, "END");
}

static bool is_begin(const char *sql)
{
	return first_word_is(sql, "BEGIN") || first_word_is(sql, "START");
}

/* True if the statement ends or starts a transaction: these run over the
 * simple protocol, outside the statement cache. */
static bool is_tx_control(const char *sql)
{
	return is_begin(sql) || is_commit(sql) || first_word_is(sql, "ROLLBACK") ||
	       first_word_is(sql, "ABORT");
}

/* True if a failed statement (res may be NULL) means the server is gone or
 * going: the statement may or may not have run, and db.c reopens the
 * connection between transactions. */
static bool is_lost(struct db_conn *c, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (!state && PQstatus(c->conn) == CONNECTION_OK) {
		/* libpq made this error itself. When a write to a closed
		 * socket failed it still says CONNECTION_OK ("server closed the
		 * connection unexpectedly"); reading makes it look. */
		PQconsumeInput(c->conn);
	}
	if (PQstatus(c->conn) == CONNECTION_BAD ||
	    (is_class(state, "08") && !is_state(state, "08P01")) || is_state(state, "57P01") ||
	    is_state(state, "57P02") || is_state(state, "57P03"))
		c->lost = true;
	return c->lost;
}

/* Maps a failed result (res may be NULL) to an rc and a problem. The log
 * carries the SQLSTATE, the server's primary message and our SQL text, never
 * the bound values or the message detail, which may quote user data. */
static enum rc map_error(struct db *db, struct db_conn *c, const PGresult *res, const char *sql,
			 struct problem *prob)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!msg)
		msg = PQerrorMessage(c->conn);
	if (!msg || !*msg)
		msg = "unknown error";

	if (is_state(state, "53100")) {
		db_storage_full(db);
		prob->retry_after_s = 5;
		return problem_set(prob, RC_UNAVAILABLE, "storage-full",
				   "存储空间已满，暂时无法保存，请稍后再试 (disk full)");
	}
	if (is_state(state, "58030") || is_state(state, "XX001") || is_state(state, "XX002")) {
		db_storage_failed(db);
		prob->retry_after_s = 60;
		log_error(NULL, "pg_io", "postgresql error %s (%s) on: %.120s", state, msg, sql);
		return problem_set(prob, RC_UNAVAILABLE, "storage-failed",
				   "存储写入失败，系统暂停接收修改 (storage error)");
	}
	if (is_lost(c, res)) {
		prob->retry_after_s = 1;
		if (is_commit(sql)) {
			/* The COMMIT may have reached the server and been made
			 * durable before the reply was lost (Jepsen's lesson):
			 * only a retry with the same idempotency key is safe. */
			log_warn(NULL, "pg_commit_unknown",
				 "connection lost during COMMIT (%s): outcome unknown",
				 state ? state : "no sqlstate");
			return problem_set(prob, RC_BUSY, "storage-unreachable",
					   "数据库连接中断，提交结果未知，请稍后用同一请求重试 "
					   "(connection lost during commit: outcome unknown)");
		}
		log_warn(NULL, "pg_unreachable", "postgresql connection lost (%s): %.*s",
			 state ? state : "no sqlstate", line_len(msg), msg);
		return problem_set(prob, RC_BUSY, "storage-unreachable",
				   "数据库暂时无法连接，请稍后重试 (database unreachable)");
	}
	if (is_state(state, "23P01"))
		return problem_set(prob, RC_CONFLICT, "exclusion",
				   "与已有的记录冲突（时段重叠）: %s", msg);
	if (is_class(state, "23"))
		return problem_set(prob, RC_CONFLICT, "conflict", "数据冲突: %s", msg);
	if (is_state(state, "40001") || is_state(state, "40P01") || is_state(state, "55P03"))
		return problem_set(prob, RC_BUSY, "busy", "数据库繁忙，请稍后重试");
	if (is_class(state, "22"))
		return problem_set(prob, RC_INVALID, "validation",
				   "数据值无效或超出范围 (SQLSTATE %s)", state);
	if (is_state(state, "57014") || is_class(state, "53")) {
		/* A statement timeout or an exhausted server: the same work
		 * right away would meet the same fate, so the client waits. */
		log_warn(NULL, "pg_overload", "postgresql error %s (%s) on: %.120s", state, msg,
			 sql);
		prob->retry_after_s = 1;
		return problem_set(prob, RC_BUSY, "busy", "数据库繁忙，请稍后重试 (SQLSTATE %s)",
				   state);
	}
	log_error(NULL, "pg_error", "postgresql error %s (%s) on: %.200s", state ? state : "-", msg,
		  sql);
	return problem_set(prob, RC_INTERNAL, "internal", "数据库错误");
}

static bool result_ok(const PGresult *res)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
}

static enum rc run_simple(struct db *db, struct db_conn *c, const char *sql, struct problem *prob)
{
	PGresult *res = PQexec(c->conn, sql);
	enum rc rc = result_ok(res) ? RC_OK : map_error(db, c, res, sql, prob);
	PQclear(res);
	return rc;
}

static enum rc session_setup(struct db *db, struct db_conn *c, struct problem *prob)
{
	PQsetNoticeProcessor(c->conn, notice_drop, NULL);
	return run_simple(db, c, session_sql, prob);
}

static void pgsql_disconnect(struct db_conn *c)
{
	if (!c)
		return;
	cache_forget(c);
	free(c->stale);
	later_clear(c);
	free(c->later);
	PQfinish(c->conn);
	free(c);
}

static enum rc pgsql_connect(struct db *db, struct db_conn **out, struct problem *prob)
{
	struct db_conn *c = xcalloc(1, sizeof(*c));
	/* With expand_dbname the URL is parsed as a whole; it comes after our
	 * default connect timeout, so a connect_timeout in the URL wins. */
	const char *const keys[] = { "connect_timeout", "dbname", NULL };
	const char *const vals[] = { CONNECT_TIMEOUT_S, db->target, NULL };
	c->conn = PQconnectdbParams(keys, vals, 1);
	if (!c->conn || PQstatus(c->conn) != CONNECTION_OK) {
		const char *msg = c->conn ? PQerrorMessage(c->conn) : "out of memory";
		log_warn(NULL, "pg_connect", "cannot connect to %s: %.*s", db->url_safe,
			 line_len(msg), msg);
		prob->retry_after_s = 1;
		problem_set(prob, RC_BUSY, "storage-unreachable", "无法连接数据库 %s: %.*s",
			    db->url_safe, line_len(msg), msg);
		pgsql_disconnect(c);
		return RC_BUSY;
	}
	enum rc rc = session_setup(db, c, prob);
	if (rc != RC_OK) {
		pgsql_disconnect(c);
		return rc;
	}
	*out = c;
	return RC_OK;
}

static bool pgsql_broken(struct db_conn *c)
{
	return c->lost || PQstatus(c->conn) != CONNECTION_OK;
}

/* Reads one SHOW; *new* string, or NULL on failure. */
static char *show(struct db_conn *c, const char *name)
{
	struct sb sb = SB_INIT;
	sb_addf(&sb, "SHOW %s", name);
	PGresult *res = PQexec(c->conn, sb_str(&sb));
	sb_release(&sb);
	char *v = NULL;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    !PQgetisnull(res, 0, 0))
		v = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

static enum rc pgsql_check_settings(struct db *db, struct db_conn *c, struct problem *prob)
{
	static const struct {
		const char *name;
		const char *ok[2];
	} need[] = {
		{ "fsync", { "on", NULL } },
		{ "full_page_writes", { "on", NULL } },
		{ "synchronous_commit", { "on", "remote_apply" } },
	};
	enum rc rc = RC_OK;
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]) && rc == RC_OK; i++) {
		char *v = show(c, need[i].name);
		bool ok = v && ((need[i].ok[0] && strcmp(v, need[i].ok[0]) == 0) ||
				(need[i].ok[1] && strcmp(v, need[i].ok[1]) == 0));
		if (!ok && !db->opt.allow_weak_sync)
			rc = problem_set(
				prob, RC_UNAVAILABLE, "weak-durability",
				"refusing to run with weak durability: %s=%s (need %s%s%s)",
				need[i].name, v ? v : "unreadable", need[i].ok[0],
				need[i].ok[1] ? " or " : "", need[i].ok[1] ? need[i].ok[1] : "");
		else if (!ok)
			log_warn(NULL, "weak_durability",
				 "postgresql %s=%s: acknowledged writes may be lost", need[i].name,
				 v ? v : "unreadable");
		free(v);
	}
	if (rc != RC_OK)
		return rc;
	/* Page checksums catch silent corruption; their absence is worth a
	 * line in the log but not a refusal (initdb decides, not us). */
	char *sums = show(c, "data_checksums");
	if (!sums || strcmp(sums, "on") != 0)
		log_warn(NULL, "pg_checksums",
			 "postgresql data_checksums=%s: initdb --data-checksums recommended",
			 sums ? sums : "unreadable");
	free(sums);
	return RC_OK;
}

static Oid type_oid(enum db_type t)
{
	switch (t) {
	case DB_INT: return OID_INT8;
	case DB_REAL: return OID_FLOAT8;
	case DB_TEXT:
	case DB_NULL: break;
	}
	return 0;
}

/* True if the cached statement can take these values: a NULL fits any
 * parameter type, everything else must match what was prepared. */
static bool types_fit(const struct stmt_slot *s, const struct db_val *params, size_t nparams)
{
	if (s->nparams != nparams)
		return false;
	for (size_t i = 0; i < nparams; i++) {
		if (params[i].type != DB_NULL && type_oid(params[i].type) != s->types[i])
			return false;
	}
	return true;
}

/* Finds or prepares the statement for sql with these parameter types.
 * Returns the slot, or NULL with *res holding the server's error. */
static struct stmt_slot *stmt_get(struct db_conn *c, const char *sql, const struct db_val *params,
				  size_t nparams, PGresult **res)
{
	size_t h = ((uintptr_t)sql >> 4) % STMT_CACHE_SLOTS;
	struct stmt_slot *s = &c->cache[h];
	bool same_sql = s->name[0] && s->sql == sql && strcmp(s->text, sql) == 0;
	if (same_sql && types_fit(s, params, nparams))
		return s;
	/* Fix the types now: a NULL keeps what the same text was prepared
	 * with before, so optional values do not make it flip back and forth. */
	Oid *types = xcalloc(nparams ? nparams : 1, sizeof(Oid));
	for (size_t i = 0; i < nparams; i++) {
		if (params[i].type != DB_NULL)
			types[i] = type_oid(params[i].type);
		else if (same_sql && s->nparams == nparams)
			types[i] = s->types[i];
	}
	char name[16];
	snprintf(name, sizeof(name), "s%lu", ++c->next_stmt_id);
	PGresult *r = PQprepare(c->conn, name, sql, (int)nparams, types);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		free(types);
		*res = r;
		return NULL;
	}
	PQclear(r);
	slot_evict(c, s);
	s->sql = sql;
	s->text = xstrdup(sql);
	s->nparams = nparams;
	s->types = types;
	memcpy(s->name, name, sizeof(name));
	return s;
}

/* Copies a result into a db_rows (*new*). */
static struct db_rows *rows_build(const PGresult *res)
{
	int ncols = PQnfields(res);
	int nrows = PQntuples(res);
	struct db_rows *r = db_rows_new((size_t)(ncols > 0 ? ncols : 0));
	for (int j = 0; j < ncols; j++)
		db_rows_set_name(r, (size_t)j, PQfname(res, j));
	for (int i = 0; i < nrows; i++) {
		for (int j = 0; j < ncols; j++) {
			if (PQgetisnull(res, i, j)) {
				db_rows_add_cell(r, NULL, 0, true);
				continue;
			}
			const char *v = PQgetvalue(res, i, j);
			if (PQftype(res, j) == OID_BOOL) {
				/* Our schema stores booleans as integers; an
				 * expression like "x > 0" still yields one. */
				db_rows_add_cell(r, v[0] == 't' ? "1" : "0", 1, false);
				continue;
			}
			db_rows_add_cell(r, v, (size_t)PQgetlength(res, i, j), false);
		}
	}
	return r;
}

/* Reopens the session in place (PQreset) after the server went away while
 * no transaction was open; the new session has no prepared statements. */
static bool reopen(struct db *db, struct db_conn *c)
{
	PQreset(c->conn);
	cache_forget(c);
	if (PQstatus(c->conn) != CONNECTION_OK)
		return false;
	c->lost = false;
	struct problem ignored = { 0 };
	return session_setup(db, c, &ignored) == RC_OK;
}

/* The values as libpq takes them: texts as they are, numbers printed into
 * nums. */
static void vals_fill(const struct db_val *params, size_t nparams, const char **vals,
		      char (*nums)[NUM_TEXT_BYTES])
{
	for (size_t i = 0; i < nparams; i++) {
		const struct db_val *v = &params[i];
		switch (v->type) {
		case DB_NULL: vals[i] = NULL; break;
		case DB_INT:
			snprintf(nums[i], NUM_TEXT_BYTES, "%lld", (long long)v->i);
			vals[i] = nums[i];
			break;
		case DB_REAL:
			snprintf(nums[i], NUM_TEXT_BYTES, "%.17g", v->d);
			vals[i] = nums[i];
			break;
		case DB_TEXT: vals[i] = v->s; break;
		}
	}
}

/* The cache slot holding sql, or NULL. */
static struct stmt_slot *slot_of(struct db_conn *c, const char *sql)
{
	struct stmt_slot *s = &c->cache[((uintptr_t)sql >> 4) % STMT_CACHE_SLOTS];
	return s->name[0] && s->sql == sql ? s : NULL;
}

/* True if a prepared statement failed because it must be prepared again:
 * "cached plan must not change result type" after DDL, or dropped behind
 * our back (DISCARD ALL). */
static bool needs_prepare(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	return is_state(state, "0A000") || is_state(state, "26000");
}

/* Forgets sql's prepared statement after needs_prepare said so. */
static void slot_drop(struct db_conn *c, const char *sql, const PGresult *res)
{
	struct stmt_slot *s = slot_of(c, sql);
	if (!s)
		return;
	log_debug(NULL, "pg_reprepare", "statement %s: %s", s->name,
		  PQresultErrorField(res, PG_DIAG_SQLSTATE));
	if (is_state(PQresultErrorField(res, PG_DIAG_SQLSTATE), "26000"))
		s->name[0] = '\0';
	slot_evict(c, s);
}

/* One batch's statements: the held-back ones, then the waited one. */
struct batch {
	struct later *st;
	size_t n;
	bool with_begin;  /* BEGIN goes first */
	bool last_waited; /* st[n - 1] is the statement waited for */
	bool tx_control;  /* ... and it is COMMIT, ROLLBACK or the like */
	const char **vals;
	char (*nums)[NUM_TEXT_BYTES];
	char (*names)[16];
};

/* Sends the batch in one pipeline and reads every answer. *bad gets the
 * first failure (NULL if none came back: a lost connection), *bad_at its
 * statement's index (-1: BEGIN), *cur the waited statement's result.
 * True if everything succeeded. */
static bool batch_send(struct db_conn *c, struct batch *b, PGresult **bad, long *bad_at,
		       PGresult **cur)
{
	*bad = *cur = NULL;
	*bad_at = -1;
	/* Prepared first, outside the pipeline, as one at a time would be. */
	for (size_t i = 0; i < b->n; i++) {
		if (b->tx_control && i == b->n - 1)
			break;
		struct stmt_slot *s = stmt_get(c, b->st[i].sql, b->st[i].params, b->st[i].nparams,
					       bad);
		if (!s) {
			*bad_at = (long)i;
			return false;
		}
		memcpy(b->names[i], s->name, sizeof(b->names[i]));
	}
	if (PQenterPipelineMode(c->conn) != 1)
		return false;
	size_t nsent = 0, off = 0;
	bool sent = true;
	if (b->with_begin) {
		sent = PQsendQueryParams(c->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) == 1;
		nsent += sent;
	}
	for (size_t i = 0; sent && i < b->n; i++) {
		const struct later *l = &b->st[i];
		if (b->tx_control && i == b->n - 1)
			sent = PQsendQueryParams(c->conn, l->sql, 0, NULL, NULL, NULL, NULL, 0) ==
			       1;
		else
			sent = PQsendQueryPrepared(c->conn, b->names[i], (int)l->nparams,
						   b->vals + off, NULL, NULL, 0) == 1;
		off += l->nparams;
		nsent += sent;
	}
	bool synced = nsent > 0 && PQpipelineSync(c->conn) == 1;
	size_t nread = 0;
	for (; nread < nsent; nread++) {
		PGresult *r = PQgetResult(c->conn);
		if (!r)
			break;
		long at = (long)nread - (b->with_begin ? 1 : 0);
		ExecStatusType st = PQresultStatus(r);
		if (result_ok(r) && b->last_waited && at == (long)b->n - 1) {
			*cur = r;
		} else if (result_ok(r) || st == PGRES_PIPELINE_ABORTED || *bad) {
			PQclear(r);
		} else {
			*bad = r;
			*bad_at = at;
		}
		/* Each statement's answers end with a NULL. */
		for (int k = 0; k < 8; k++) {
			PGresult *more = PQgetResult(c->conn);
			if (!more)
				break;
			PQclear(more);
		}
		if (PQstatus(c->conn) == CONNECTION_BAD)
			break;
	}
	if (synced && nread == nsent && PQstatus(c->conn) == CONNECTION_OK) {
		PGresult *r = PQgetResult(c->conn);
		synced = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
		PQclear(r);
	}
	if (PQexitPipelineMode(c->conn) != 1 && PQstatus(c->conn) == CONNECTION_OK) {
		/* Answers left unread: the session cannot be trusted with
		 * the next statement, so it is opened again between
		 * transactions. */
		log_warn(NULL, "pg_pipeline", "leaving pipeline mode failed: %.*s",
			 line_len(PQerrorMessage(c->conn)), PQerrorMessage(c->conn));
		c->lost = true;
	}
	return sent && synced && nread == nsent && !*bad && (!b->last_waited || *cur);
}

/* The held-back statements (after BEGIN, if it waits), then sql unless it
 * is NULL, in one round trip; rows (if not NULL) gets sql's result. */
static enum rc run_batch(struct db *db, struct db_conn *c, const char *sql,
			 const struct db_val *params, size_t nparams, struct db_rows **rows,
			 struct problem *prob)
{
	struct batch b = { .n = c->nlater + (sql ? 1 : 0),
			   .with_begin = c->begin_later,
			   .last_waited = sql != NULL,
			   .tx_control = sql && is_tx_control(sql) && nparams == 0 };
	bool has_commit = sql && is_commit(sql);
	b.st = xcalloc(b.n ? b.n : 1, sizeof(*b.st));
	if (c->nlater)
		memcpy(b.st, c->later, c->nlater * sizeof(*b.st));
	if (sql)
		b.st[b.n - 1] = (struct later){ sql, (struct db_val *)params, nparams };
	size_t total = 0;
	for (size_t i = 0; i < b.n; i++)
		total += b.st[i].nparams;
	b.vals = xcalloc(total ? total : 1, sizeof(*b.vals));
	b.nums = xcalloc(total ? total : 1, sizeof(*b.nums));
	b.names = xcalloc(b.n ? b.n : 1, sizeof(*b.names));
	for (size_t i = 0, off = 0; i < b.n; off += b.st[i].nparams, i++)
		vals_fill(b.st[i].params, b.st[i].nparams, b.vals + off, b.nums + off);

	stale_flush(c);
	PGresult *bad = NULL, *cur = NULL;
	long bad_at = -1;
	enum rc rc = RC_OK;
	bool ok = false;
	for (int attempt = 0; attempt < 2; attempt++) {
		PQclear(bad);
		PQclear(cur);
		ok = batch_send(c, &b, &bad, &bad_at, &cur);
		if (ok || attempt > 0)
			break;
		if (bad && bad_at >= 0 && needs_prepare(bad))
			slot_drop(c, b.st[bad_at].sql, bad);
		/* Nothing of a batch that opens the transaction can have
		 * stood: after a server restart it goes again on a new
		 * session, and after a dropped statement again at once. */
		if (!b.with_begin)
			break;
		if (is_lost(c, bad)) {
			log_info(NULL, "pg_reconnect",
				 "postgresql connection was lost; reconnecting");
			if (!reopen(db, c))
				break;
		} else if (bad && needs_prepare(bad)) {
			PQclear(PQexec(c->conn, "ROLLBACK"));
		} else {
			break;
		}
	}
	if (!ok) {
		bool lost = is_lost(c, bad);
		const char *what = has_commit && lost ? "COMMIT"
				   : bad_at >= 0      ? b.st[bad_at].sql
				   : b.with_begin     ? "BEGIN"
				   : sql	      ? sql
						      : "(held-back statements)";
		rc = map_error(db, c, bad, what, prob);
		if (bad_at >= 0 && (size_t)bad_at < c->nlater &&
		    (rc == RC_CONFLICT || rc == RC_INVALID)) {
			/* Not the waited statement's own conflict: its caller
			 * must not take it for one. */
			log_error(NULL, "pg_later_failed", "a held-back statement failed: %.200s",
				  what);
			problem_init(prob);
			rc = problem_set(prob, RC_INTERNAL, "internal", "数据库错误");
		}
	} else if (has_commit && strcmp(PQcmdStatus(cur), "ROLLBACK") == 0) {
		log_error(NULL, "pg_commit_rolled_back",
			  "COMMIT of an aborted transaction was rolled back");
		rc = problem_set(prob, RC_INTERNAL, "internal",
				 "数据库错误 (transaction was rolled back)");
	} else if (rows) {
		*rows = rows_build(cur);
	}
	PQclear(bad);
	PQclear(cur);
	later_clear(c);
	c->begin_later = false;
	free(b.st);
	free(b.vals);
	free(b.nums);
	free(b.names);
	return rc;
}

static enum rc pgsql_exec(struct db *db, struct db_conn *c, const char *sql,
			  const struct db_val *params, size_t nparams, struct db_rows **rows,
			  struct problem *prob)
{
	const char *stack_vals[PARAMS_ON_STACK];
	char stack_nums[PARAMS_ON_STACK][NUM_TEXT_BYTES];
	const char **vals = stack_vals;
	char(*nums)[NUM_TEXT_BYTES] = stack_nums;
	PGresult *res = NULL;
	enum rc rc = RC_OK;
	bool tx_control = is_tx_control(sql) && nparams == 0;

	if (tx_control && first_word_is(sql, "ROLLBACK")) {
		/* What was held back is forgotten; if not even BEGIN was
		 * sent, the server has nothing to undo. */
		later_clear(c);
		if (c->begin_later) {
			c->begin_later = false;
			return RC_OK;
		}
	}
	if (tx_control && is_begin(sql) && !c->begin_later && !c->lost &&
	    PQstatus(c->conn) == CONNECTION_OK && PQtransactionStatus(c->conn) == PQTRANS_IDLE) {
		c->begin_later = true;
		return RC_OK;
	}
	if (tx_control && is_commit(sql) && c->begin_later && !c->nlater) {
		c->begin_later = false; /* nothing was written */
		return RC_OK;
	}
	if (c->lost || PQstatus(c->conn) == CONNECTION_BAD) {
		/* The session ended earlier in this transaction, and the
		 * server rolled it back: ROLLBACK has nothing left to do, and
		 * a COMMIT never left us, so its outcome is known. */
		if (first_word_is(sql, "ROLLBACK"))
			return RC_OK;
		if (is_commit(sql)) {
			later_clear(c);
			c->begin_later = false;
			prob->retry_after_s = 1;
			return problem_set(prob, RC_BUSY, "storage-unreachable",
					   "数据库连接已中断，事务未提交，请稍后重试 "
					   "(connection lost before commit: rolled back)");
		}
	}
	if (c->begin_later || c->nlater)
		return run_batch(db, c, sql, params, nparams, rows, prob);

	if (nparams > PARAMS_ON_STACK) {
		vals = xcalloc(nparams, sizeof(*vals));
		nums = xcalloc(nparams, sizeof(*nums));
	}
	vals_fill(params, nparams, vals, nums);
	stale_flush(c);
	for (int attempt = 0; attempt < 2; attempt++) {
		/* A BEGIN on a connection that broke earlier (a reconnect that
		 * failed while the server was down) has nothing in flight
		 * either: it may reconnect like an idle one. */
		bool idle = PQtransactionStatus(c->conn) == PQTRANS_IDLE ||
			    (is_begin(sql) && PQstatus(c->conn) == CONNECTION_BAD);
		PQclear(res);
		res = NULL;
		if (tx_control) {
			res = PQexec(c->conn, sql);
		} else {
			struct stmt_slot *s = stmt_get(c, sql, params, nparams, &res);
			if (s)
				res = PQexecPrepared(c->conn, s->name, (int)nparams, vals, NULL,
						     NULL, 0);
			if (s && !result_ok(res) && needs_prepare(res)) {
				/* Prepare afresh next time, and now if no
				 * transaction was spoiled by the failure. */
				slot_drop(c, sql, res);
				if (idle)
					continue;
			}
		}
		if (!result_ok(res) && idle && attempt == 0 &&
		    (is_begin(sql) || first_word_is(sql, "SELECT")) && is_lost(c, res)) {
			/* The server restarted since our last statement: BEGIN,
			 * or a read outside a transaction, changes nothing, so
			 * reconnect and try it once more. */
			log_info(NULL, "pg_reconnect",
				 "postgresql connection was lost; reconnecting");
			if (reopen(db, c))
				continue;
		}
		break;
	}

	if (!result_ok(res)) {
		rc = map_error(db, c, res, sql, prob);
		goto out;
	}
	if (is_commit(sql) && strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
		/* PostgreSQL answers COMMIT of a failed transaction with
		 * "ROLLBACK" and no error; never let that pass as durable. */
		log_error(NULL, "pg_commit_rolled_back",
			  "COMMIT of an aborted transaction was rolled back");
		rc = problem_set(prob, RC_INTERNAL, "internal",
				 "数据库错误 (transaction was rolled back)");
		goto out;
	}
	if (rows)
		*rows = rows_build(res);
out:
	PQclear(res);
	if (vals != stack_vals) {
		free(vals);
		free(nums);
	}
	return rc;
}

/* A statement whose answer nobody waits for, inside a transaction: held
 * back until the next one that is waited for. The transaction's first
 * statement is waited for, so a batch with BEGIN never holds COMMIT. */
static enum rc pgsql_exec_later(struct db *db, struct db_conn *c, const char *sql,
				const struct db_val *params, size_t nparams, struct problem *prob)
{
	if (c->begin_later || c->nlater + 1 >= LATER_MAX)
		return pgsql_exec(db, c, sql, params, nparams, NULL, prob);
	later_add(c, sql, params, nparams);
	return RC_OK;
}

static enum rc pgsql_exec_script(struct db *db, struct db_conn *c, const char *sql,
				 struct problem *prob)
{
	if (c->begin_later || c->nlater) {
		enum rc rc = run_batch(db, c, NULL, NULL, 0, NULL, prob);
		if (rc != RC_OK)
			return rc;
	}
	stale_flush(c);
	return run_simple(db, c, sql, prob);
}

const struct db_ops db_postgres_ops = {
	.name = "postgresql",
	.connect = pgsql_connect,
	.disconnect = pgsql_disconnect,
	.check_settings = pgsql_check_settings,
	.exec = pgsql_exec,
	.exec_script = pgsql_exec_script,
	.exec_later = pgsql_exec_later,
	.begin_sql = "BEGIN",
	.broken = pgsql_broken,
};
