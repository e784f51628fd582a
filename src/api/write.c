/* The write path. A replayed answer carries Idempotent-Replayed: true so a
 * client can tell it got the first answer again. A secret in an answer (a
 * new API token) is never stored with it: whoever replays the key — the
 * same client, or another session of the same account, perhaps after the
 * token was revoked — gets the answer without it. */
#include "api/write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/reply.h"
#include "core/log.h"
#include "domain/idempotency.h"

struct actor api_actor(const struct http_req *req)
{
	struct actor a = { .p = req_principal(req),
			   .ip = req->client_ip,
			   .request_id = req->request_id };
	return a;
}

static void replay(struct http_resp *resp, struct write_replay *r)
{
	resp->status = r->status;
	resp->content_type = r->content_type;
	sb_reset(&resp->body);
	sb_adds(&resp->body, r->body);
	resp->content_type = arena_strdup(resp->arena, r->content_type);
	if (r->location)
		http_resp_header(resp, "Location", r->location);
	http_resp_header(resp, "Idempotent-Replayed", "true");
}

/* The answer to store for a retry: body without the keys that carry a
 * secret, and the list of those keys so the retry can tell why. */
static char *without_secrets(json_t *body, const char *const *secret_keys)
{
	json_t *withheld = json_array();
	for (size_t i = 0; secret_keys[i]; i++) {
		if (json_object_del(body, secret_keys[i]) == 0)
			json_array_append_new(withheld, json_string(secret_keys[i]));
	}
	json_object_set_new(body, "secrets_withheld", withheld);
	return json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(10));
}

static void write_run(struct http_req *req, struct http_resp *resp, write_fn fn, void *arg,
		      bool grouped);

void api_write_checked(struct http_req *req, struct http_resp *resp, const struct problem *prob,
		       write_fn fn, void *arg)
{
	if (problem_has_fields(prob))
		reply_problem(req, resp, prob);
	else
		write_run(req, resp, fn, arg, false);
}

void api_write_grouped(struct http_req *req, struct http_resp *resp, const struct problem *prob,
		       write_fn fn, void *arg)
{
	if (problem_has_fields(prob))
		reply_problem(req, resp, prob);
	else
		write_run(req, resp, fn, arg, true);
}

/* One attempt of a write, run by db_tx (which runs it again on
 * contention): the key's claim, the domain's command, the answer stored. */
struct attempt {
	struct http_req *req;
	const struct actor *actor;
	const struct write_key *k;
	write_fn fn;
	void *arg;
	bool replayed;
	struct write_replay rep;
	int status;
	char *text; /* the answer's body, or NULL */
	char location[160];
};

static void attempt_reset(struct attempt *a)
{
	write_replay_release(&a->rep);
	free(a->text);
	a->text = NULL;
	a->replayed = false;
	a->status = 0;
	a->location[0] = '\0';
}

static enum rc attempt_run(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct attempt *a = ctx;
	attempt_reset(a);
	enum write_start start;
	enum rc rc = write_claim(tx, a->k, &start, &a->rep, prob);
	if (rc != RC_OK)
		return rc;
	if (start == WRITE_REPLAY) {
		a->replayed = true;
		return RC_OK;
	}
	struct write_out out = { 0 };
	rc = a->fn(tx, a->req, a->actor, a->arg, &out, prob);
	if (rc != RC_OK) {
		json_decref(out.body);
		return rc;
	}
	a->status = out.status ? out.status : (out.body ? 200 : 204);
	a->text = out.body ? json_dumps(out.body, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
	char *stored = a->k->key && out.secret_keys ? without_secrets(out.body, out.secret_keys)
						    : NULL;
	json_decref(out.body);
	memcpy(a->location, out.location, sizeof(a->location));
	rc = write_store(tx, a->k, a->status, "application/json",
			 stored	   ? stored
			 : a->text ? a->text
				   : "",
			 a->location[0] ? a->location : NULL, prob);
	free(stored);
	return rc;
}

void api_write(struct http_req *req, struct http_resp *resp, write_fn fn, void *arg)
{
	write_run(req, resp, fn, arg, false);
}

static void write_run(struct http_req *req, struct http_resp *resp, write_fn fn, void *arg,
		      bool grouped)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	const struct principal *p = req_principal(req);
	char principal_key[64];
	if (p->account_id)
		snprintf(principal_key, sizeof(principal_key), "a:%lld", (long long)p->account_id);
	else
		snprintf(principal_key, sizeof(principal_key), "ip:%s", req->client_ip);
	struct write_key k = { .principal = principal_key,
			       .key = http_req_header(req, "Idempotency-Key") };
	if (k.key && !idem_key_acceptable(k.key)) {
		problem_field(&prob, "Idempotency-Key", "应为 1–255 个可见 ASCII 字符");
		reply_problem(req, resp, &prob);
		return;
	}
	if (k.key) {
		struct sb query = SB_INIT;
		http_req_query_canonical(req, &query);
		write_key_hash(&k, req->method, req->path, sb_str(&query), query.len, req->body,
			       req->body_len);
		sb_release(&query);
	}
	struct actor actor = api_actor(req);
	struct attempt a = { .req = req, .actor = &actor, .k = &k, .fn = fn, .arg = arg };
	enum rc rc = grouped ? db_tx_group(app->db, attempt_run, &a, &prob)
			     : db_tx(app->db, attempt_run, &a, &prob);
	if (rc == RC_OK && a.replayed) {
		replay(resp, &a.rep);
	} else if (rc == RC_OK) {
		resp->status = a.status;
		resp->content_type = "application/json";
		sb_reset(&resp->body);
		if (a.text)
			sb_adds(&resp->body, a.text);
		if (a.location[0])
			http_resp_header(resp, "Location", a.location);
	} else {
		if (prob.rc == RC_INTERNAL)
			log_error(req->request_id, "write_failed", "%s %s: %s", req->method,
				  req->path, prob.detail);
		reply_problem(req, resp, &prob);
	}
	attempt_reset(&a);
}
