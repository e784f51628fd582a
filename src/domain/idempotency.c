/* Idempotency keys. The key is claimed first thing in the write's
 * transaction, before any of the work, by inserting its row with status 0.
 * A concurrent retry with the same key then waits on that row (SQLite
 * serializes writers at BEGIN IMMEDIATE; PostgreSQL blocks on the primary
 * key) and, once the first commits, finds the stored answer; if the first
 * rolls back, the claim goes with it and the retry does the work itself.
 * So two racing retries never both run the work, and neither trips over
 * the other's unique keys. write_commit() fills the row with the answer. */
#include "domain/idempotency.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"

bool idem_key_acceptable(const char *key)
{
	size_t n = key ? strlen(key) : 0;
	if (n == 0 || n > IDEM_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return false;
	return true;
}

void write_key_hash(struct write_key *k, const char *method, const char *path, const char *query,
		    size_t query_len, const char *body, size_t body_len)
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	char query_len_text[24];
	/* Each part is ended or counted, so no two requests run together into
	 * the same bytes. */
	snprintf(query_len_text, sizeof(query_len_text), "%zu:", query_len);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)method, strlen(method) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)path, strlen(path) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)query_len_text,
				  strlen(query_len_text));
	crypto_hash_sha256_update(&st, (const unsigned char *)query, query_len);
	crypto_hash_sha256_update(&st, (const unsigned char *)body, body_len);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(k->request_hash, sizeof(k->request_hash), h, sizeof(h));
}

static enum rc replay_or_refuse(struct db *db, const struct write_key *k, enum write_start *start,
				struct write_replay *replay, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db,
		"SELECT request_hash, status, content_type, body, location FROM idempotency_keys"
		" WHERE principal = $1 AND idem_key = $2",
		&rows, prob, DB_T(k->principal), DB_T(k->key));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) == 0 || db_rows_int(rows, 0, 1) == 0) {
		/* The holder of the claim rolled back between our insert and
		 * this read (PostgreSQL), or it is still in flight: try again. */
		db_rows_free(rows);
		prob->retry_after_s = 1;
		return problem_set(prob, RC_BUSY, "busy", "同一请求正在处理，请稍后重试");
	}
	if (strcmp(db_rows_text(rows, 0, 0), k->request_hash) != 0) {
		db_rows_free(rows);
		return problem_set(
			prob, RC_INVALID, "idempotency-key-reused",
			"这个 Idempotency-Key 已用于另一个请求 (key reused with a different request)");
	}
	*start = WRITE_REPLAY;
	replay->status = (int)db_rows_int(rows, 0, 1);
	replay->content_type = xstrdup(db_rows_text(rows, 0, 2));
	replay->body = xstrdup(db_rows_text(rows, 0, 3));
	replay->location = db_rows_text(rows, 0, 4) ? xstrdup(db_rows_text(rows, 0, 4)) : NULL;
	db_rows_free(rows);
	return RC_OK;
}

enum rc write_claim(struct db_tx *tx, const struct write_key *k, enum write_start *start,
		    struct write_replay *replay, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	memset(replay, 0, sizeof(*replay));
	*start = WRITE_FRESH;
	if (!k->key)
		return RC_OK;
	/* Claim the key. On a conflict with a claim still in flight this
	 * statement waits for that transaction to end. */
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "INSERT INTO idempotency_keys (principal, idem_key, request_hash, status,"
			  " content_type, body, location, created_s)"
			  " VALUES ($1, $2, $3, 0, '', '', NULL, $4)"
			  " ON CONFLICT (principal, idem_key) DO NOTHING RETURNING 1",
			  &rows, prob, DB_T(k->principal), DB_T(k->key), DB_T(k->request_hash),
			  DB_I(clock_now_s()));
	if (rc != RC_OK)
		return rc;
	size_t claimed = db_rows_count(rows);
	db_rows_free(rows);
	if (claimed == 1)
		return RC_OK;
	return replay_or_refuse(db, k, start, replay, prob);
}

enum rc write_store(struct db_tx *tx, const struct write_key *k, int status,
		    const char *content_type, const char *body, const char *location,
		    struct problem *prob)
{
	if (!k->key)
		return RC_OK;
	return db_q(db_tx_db(tx),
		    "UPDATE idempotency_keys SET status = $3, content_type = $4, body = $5,"
		    " location = $6 WHERE principal = $1 AND idem_key = $2",
		    NULL, prob, DB_T(k->principal), DB_T(k->key), DB_I(status), DB_T(content_type),
		    DB_T(body), DB_T(location));
}

void write_replay_release(struct write_replay *r)
{
	free(r->content_type);
	free(r->body);
	free(r->location);
	memset(r, 0, sizeof(*r));
}

long idem_expire(struct db *db, int64_t max_age_s, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "DELETE FROM idempotency_keys WHERE created_s < $1 RETURNING 1",
			  &rows, prob, DB_I(clock_now_s() - max_age_s));
	long n = rc == RC_OK ? (long)db_rows_count(rows) : -1;
	db_rows_free(rows);
	return n;
}
