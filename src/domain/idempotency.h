/* Writes that survive bad networks: a write request may carry an
 * Idempotency-Key; its answer is stored in the same transaction as the write,
 * so a retry with the same key gets the stored answer and the work is done
 * once. The same key with a different request is refused.
 *
 * Use, inside the write's transaction (db_tx): write_claim() looks the key
 * up; on WRITE_FRESH the caller makes its domain calls, then write_store()
 * stores the answer (if there is a key) before the transaction commits. */
#ifndef YZ_DOMAIN_IDEMPOTENCY_H
#define YZ_DOMAIN_IDEMPOTENCY_H

#include <stddef.h>

#include "core/problem.h"
#include "db/db.h"

#define IDEM_KEY_MAX 255

struct write_key {
	const char *principal; /* "a:42" or "ip:127.0.0.1" */
	const char *key;       /* NULL: no idempotency for this write */
	char request_hash[65]; /* over method, path, query and body */
};

enum write_start { WRITE_FRESH, WRITE_REPLAY };

struct write_replay {
	int status;
	char *content_type; /* new; write_replay_release */
	char *body;
	char *location;
};

/* Checks a client's key: 1–255 printable ASCII characters. */
bool idem_key_acceptable(const char *key);
/* Fills k->request_hash from the request's method, path, query (in a form
 * where different queries differ, http_req_query_canonical) and body. */
void write_key_hash(struct write_key *k, const char *method, const char *path, const char *query,
		    size_t query_len, const char *body, size_t body_len);

/* In tx: claims the key (if k has one), waiting for a concurrent write that
 * holds it. WRITE_REPLAY fills *replay: the answer stored for the key. A
 * claim still in flight: RC_BUSY (db_tx runs it again). The same key with a
 * different request hash: RC_INVALID, type "idempotency-key-reused". */
enum rc write_claim(struct db_tx *tx, const struct write_key *k, enum write_start *start,
		    struct write_replay *replay, struct problem *prob);
/* In tx: stores the answer under the key (if k has one). */
enum rc write_store(struct db_tx *tx, const struct write_key *k, int status,
		    const char *content_type, const char *body, const char *location,
		    struct problem *prob);
void write_replay_release(struct write_replay *r);
/* Deletes stored answers older than max_age_s; returns how many. */
long idem_expire(struct db *db, int64_t max_age_s, struct problem *prob);

#endif
