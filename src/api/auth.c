/* Authentication and the route-level permission check: a Bearer API token
 * or the session cookie becomes req->principal; writes made with the cookie
 * must carry the session's CSRF token in X-CSRF-Token; then the route's
 * action is asked of the one permission function. */
#include <string.h>
#include <strings.h>

#include "api/app.h"
#include "api/reply.h"
#include "core/log.h"
#include "domain/permission.h"
#include "domain/secret.h"
#include "domain/session.h"

static bool is_write(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	       strcmp(method, "OPTIONS") != 0;
}

static bool refuse(struct http_req *req, struct http_resp *resp, struct problem *prob)
{
	reply_problem(req, resp, prob);
	return false;
}

static bool is_loopback(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
	       strncmp(ip, "::ffff:127.", 11) == 0;
}

/* /metrics is read by a Prometheus server, not by a person: who may read it
 * is the deployment's choice (--metrics-access), not a role's. Its token is
 * compared by hash, in constant time, like a CSRF token. */
static bool metrics_allowed(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	if (app->metrics_access == METRICS_PUBLIC ||
	    (app->metrics_access == METRICS_LOOPBACK && is_loopback(req->client_ip)))
		return true;
	if (app->metrics_access == METRICS_LOOPBACK) {
		problem_set(&prob, RC_FORBIDDEN, "forbidden",
			    "指标只对本机开放 (metrics are for this machine only)");
		return refuse(req, resp, &prob);
	}
	const char *authz = http_req_header(req, "Authorization");
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
		char hash[SECRET_HASH_LEN];
		secret_hash(authz + 7, hash);
		if (secret_equal(hash, app->metrics_token_hash))
			return true;
	}
	http_resp_header(resp, "WWW-Authenticate", "Bearer realm=\"metrics\"");
	problem_set(&prob, RC_UNAUTHORIZED, "unauthenticated",
		    "读取指标需要指标令牌 (Authorization: Bearer, the metrics token)");
	return refuse(req, resp, &prob);
}

static bool authenticate(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	const struct http_route *route = req->route;
	if (route->perm == ACT_METRICS_READ)
		return metrics_allowed(req, resp);
	/* Another standard's interface (Open311) authenticates in its handler,
	 * with what its clients send (api_key in the request), and answers in
	 * its own error format: a cookie or Authorization header means nothing
	 * there. */
	if (route->standard)
		return true;
	bool public_route = route->perm == ACT_PUBLIC;
	struct principal *p = NULL;

	const char *authz = http_req_header(req, "Authorization");
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
		p = arena_alloc(req->arena, sizeof(*p));
		if (api_token_resolve(app->db, authz + 7, p, &prob) != RC_OK)
			return refuse(req, resp, &prob);
		req->principal = p;
	} else if (authz && !public_route) {
		problem_set(&prob, RC_UNAUTHORIZED, "bad-token", "只支持 Bearer 令牌");
		return refuse(req, resp, &prob);
	} else {
		const char *cookie = http_req_cookie(req, "yz_session");
		if (cookie && *cookie) {
			p = arena_alloc(req->arena, sizeof(*p));
			enum rc rc = session_resolve(app->db, &app->session, cookie, p, &prob);
			if (rc != RC_OK && !public_route) {
				if (rc == RC_UNAUTHORIZED)
					http_resp_header(
						resp, "Set-Cookie",
						"yz_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
				return refuse(req, resp, &prob);
			}
			if (rc == RC_OK) {
				bool csrf_ok = true;
				if (is_write(req->method)) {
					const char *csrf = http_req_header(req, "X-CSRF-Token");
					char hash[SECRET_HASH_LEN];
					if (csrf)
						secret_hash(csrf, hash);
					csrf_ok = csrf && secret_equal(hash, p->csrf_hash);
				}
				if (csrf_ok) {
					req->principal = p;
				} else if (!public_route) {
					log_warn(req->request_id, "csrf",
						 "write refused: missing or wrong CSRF token");
					problem_set(
						&prob, RC_FORBIDDEN, "csrf",
						"缺少或错误的 CSRF 令牌 (X-CSRF-Token)，请刷新页面后重试");
					return refuse(req, resp, &prob);
				}
			}
		}
	}
	if (public_route)
		return true;
	problem_init(&prob);
	if (!req->principal) {
		problem_set(&prob, RC_UNAUTHORIZED, "unauthenticated", "请先登录");
		return refuse(req, resp, &prob);
	}
	if (!permission_allows(req->principal, (enum action)route->perm, NULL)) {
		problem_set(&prob, RC_FORBIDDEN, "forbidden", "没有权限执行此操作 (%s)",
			    action_name((enum action)route->perm));
		return refuse(req, resp, &prob);
	}
	return true;
}

/* One rule for every API route: a query parameter the route does not name
 * is refused (a misspelt amenity filter should not silently return every
 * station). Pages (/c/…) take what links carry. */
static bool query_known(struct http_req *req, struct http_resp *resp)
{
	if (strncmp(req->route->pattern, "/api/", 5) != 0)
		return true;
	const char *name = http_req_query_unknown(req);
	if (!name)
		return true;
	struct problem prob;
	problem_init(&prob);
	problem_field(&prob, name, "这个地址不认识这个查询参数 (unknown query parameter)");
	return refuse(req, resp, &prob);
}

bool api_auth(struct http_req *req, struct http_resp *resp)
{
	return authenticate(req, resp) && query_known(req, resp);
}
