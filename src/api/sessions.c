/* /api/v1/session: sign in, who am I, sign out. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/render.h"
#include "api/reply.h"
#include "api/write.h"
#include "domain/session.h"

void session_cookie_set(struct http_req *req, struct http_resp *resp, const char *token,
			int64_t max_age_s)
{
	struct app *app = req->app;
	char buf[256];
	snprintf(buf, sizeof(buf), "yz_session=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Lax%s",
		 token, (long long)max_age_s, app->cookie_secure ? "; Secure" : "");
	http_resp_header(resp, "Set-Cookie", buf);
}

json_t *render_session(const struct app *app, const struct session_new *s)
{
	struct principal viewer = { .kind = AUTH_SESSION, .account_id = s->account.id };
	json_t *o = json_object();
	json_object_set_new(o, "csrf_token", json_string(s->csrf));
	json_object_set_new(o, "expires_at", json_time(s->expires_s));
	json_object_set_new(o, "idle_timeout_s", json_integer(app->session.idle_s));
	json_object_set_new(o, "account", render_account(&viewer, &s->account));
	return o;
}

void h_session_create(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	static const char *const allowed[] = { "phone", "password", NULL };
	fields_known(body, allowed, &prob);
	const char *phone = field_str(body, "phone", true, &prob);
	const char *password = field_str(body, "password", true, &prob);
	if (problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		goto out;
	}
	struct session_new s;
	struct login_attempt in = { .phone = phone,
				    .password = password,
				    .ip = req->client_ip,
				    .request_id = req->request_id };
	enum rc rc = session_login(app->db, &app->session, app->passwords, &in, &s, &prob);
	if (in.burst)
		atomic_fetch_add_explicit(&app->login_bursts, 1, memory_order_relaxed);
	if (rc != RC_OK) {
		reply_problem(req, resp, &prob);
		goto out;
	}
	json_t *o = render_session(app, &s);
	session_cookie_set(req, resp, s.token, app->session.absolute_s);
	reply_json(resp, 201, o);
out:
	json_decref(body);
}

void h_session_get(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	const struct principal *p = req_principal(req);
	struct problem prob;
	problem_init(&prob);
	struct account a;
	if (account_get(app->db, p->account_id, &a, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "auth", json_string(p->kind == AUTH_TOKEN ? "token" : "session"));
	const char *cookie = p->kind == AUTH_SESSION ? http_req_cookie(req, "yz_session") : NULL;
	if (cookie) {
		/* A new tab has the cookie but not the token: give it again. */
		char csrf[SECRET_HASH_LEN];
		session_csrf_token(cookie, csrf);
		json_object_set_new(o, "csrf_token", json_string(csrf));
	}
	json_object_set_new(o, "idle_timeout_s", json_integer(app->session.idle_s));
	json_object_set_new(o, "account", render_account(p, &a));
	reply_json(resp, 200, o);
}

static enum rc logout(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	(void)req;
	(void)arg;
	out->status = 204;
	return session_logout(tx, actor, prob);
}

void h_session_delete(struct http_req *req, struct http_resp *resp)
{
	api_write(req, resp, logout, NULL);
	if (resp->status == 204)
		session_cookie_set(req, resp, "", 0);
}
