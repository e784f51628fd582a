/* The write path every changing request takes: one transaction holding the
 * domain's writes, their audit rows and the Idempotency-Key answer; retries
 * on lock contention; only a committed write is acknowledged. */
#ifndef YZ_API_WRITE_H
#define YZ_API_WRITE_H

#include <jansson.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "http/http.h"

struct write_out {
	int status;	    /* 200 if 0 */
	json_t *body;	    /* stolen by the write path; NULL for 204 */
	char location[160]; /* Location header for 201, or "" */
	/* Keys of body that carry a secret (NULL-terminated, static), or NULL.
	 * The secret is shown in this answer only: the answer stored for a
	 * retry with the same Idempotency-Key leaves these keys out and names
	 * them under "secrets_withheld" instead. */
	const char *const *secret_keys;
};

/* Runs inside the open transaction tx: make the domain's command, fill
 * out. Any result but RC_OK rolls back and is answered as a problem; the
 * whole function may run again when the transaction meets contention. */
typedef enum rc (*write_fn)(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			    void *arg, struct write_out *out, struct problem *prob);

/* Answers resp: replays a stored answer for a repeated Idempotency-Key
 * (without the secrets of out->secret_keys), refuses a reused key (422),
 * otherwise runs fn in a transaction and commits before answering. */
void api_write(struct http_req *req, struct http_resp *resp, write_fn fn, void *arg);
/* api_write, unless prob already holds field errors from reading the
 * request: then those are the answer. */
void api_write_checked(struct http_req *req, struct http_resp *resp, const struct problem *prob,
		       write_fn fn, void *arg);
/* api_write_checked through db_tx_group: for many small writes that
 * arrive at once (check-ins, requests filed), which then share one commit.
 * fn must not depend on the thread it runs on. */
void api_write_grouped(struct http_req *req, struct http_resp *resp, const struct problem *prob,
		       write_fn fn, void *arg);
/* The actor for the audit log of req (borrowed pointers into req). */
struct actor api_actor(const struct http_req *req);

#endif
