/* The server. libmicrohttpd calls access_handler several times per request:
 * once when the headers are in (we route and check the declared body size),
 * once per chunk of body (we gather it, up to the route's limit), and once at
 * the end (we dispatch). The completion callback logs, counts and frees.
 *
 * A request thread serves many connections, so a handler that computes for
 * a tenth of a second would hold up all of them. The handler of a route
 * marked offload therefore runs on the work pool: the connection is
 * suspended, the pool runs the handler and resumes the connection, and
 * libmicrohttpd calls access_handler once more, which sends the answer.
 * A handler may also answer with a stream (http_resp_stream, http/stream.c)
 * whose bytes come as they become known; at stop those end first. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/workpool.h"
#include "core/xalloc.h"
#include "http/deadline.h"
#include "http/metrics.h"
#include "http/ratelimit.h"
#include "http/router.h"
#include "http/static.h"
#include "http/stream.h"

struct http_server {
	struct http_server_config cfg;
	struct MHD_Daemon *daemon;
	struct router *router;
	struct metrics *metrics;
	struct ratelimit *ratelimit;
	struct static_files *files;
	struct deadlines *deadlines; /* of request headers (http/deadline.h) */
	size_t header_max;	     /* header fields together, bytes */
	struct workpool *pool;	     /* runs the handlers of offloaded routes */
	struct streams *streams;     /* streamed answers (http/stream.h) */
	char *csp;		     /* for pages: what a browser may load */
	char id_prefix[13];
	atomic_ullong next_id;
};

/* What a connection keeps across its keep-alive requests: the client's
 * address, formatted once, and the last request's context for the next,
 * with its answer buffer if that is small. */
#define SPARE_BODY_MAX_BYTES (8 * 1024)

struct conn_ctx {
	char ip[INET6_ADDRSTRLEN];
	struct req_ctx *spare;
	struct sb line;		    /* the access log line being built */
	struct deadline_conn clock; /* the header deadline */
	/* What check_uri() saw of the current request's raw URI. */
	size_t uri_len;
	bool uri_refused; /* answered 414 there: serve nothing */
	bool uri_nul;	  /* %00: a NUL would cut the decoded text short */
};

/* For answers that are not pages (JSON, problems, images, metrics): nothing
 * runs in them, so the policy need only keep them out of frames; the rest of
 * the page policy, and X-Frame-Options and Cross-Origin-Opener-Policy, would
 * be bytes on every answer for nothing. */
static const char csp_data[] = "default-src 'self'; frame-ancestors 'none'";

enum req_state {
	REQ_ROUTED,
	REQ_NOT_FOUND,
	REQ_NOT_ALLOWED,
	REQ_STATIC,
	REQ_TOO_LARGE,
	REQ_BAD_URI,
	REQ_HEAD_TOO_LARGE,
	REQ_SPOOL_FAILED, /* a spooled body could not be written */
};

/* An offloaded request: its handler waits for or runs on the pool while the
 * connection is suspended (RUNNING), then its answer waits to be sent. */
enum req_offload { OFFLOAD_NONE, OFFLOAD_RUNNING, OFFLOAD_ANSWERED };

struct req_ctx {
	struct http_req req;
	struct http_resp resp;
	enum req_state state;
	char request_id[72];
	char method[16];
	char path[240]; /* short paths are copied here, not to the arena */
	char allow[64];
	char no_body[1]; /* "": the body of a request without one */
	size_t body_max;
	struct sb body;
	int body_fd; /* the spooled body (route->spool), or -1 */
	int64_t start_us;
	int status;
	size_t bytes;
	size_t metrics_route;
	bool dispatched;
	enum req_offload offload;
};

static void request_id(struct http_server *s, struct MHD_Connection *conn, struct req_ctx *ctx)
{
	/* Keep a caller's id (a proxy's or a client's) if it is plain and short,
	 * so one id follows the request across systems. */
	const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
	if (given) {
		size_t n = strlen(given);
		bool ok = n > 0 && n <= 64;
		for (size_t i = 0; ok && i < n; i++) {
			char c = given[i];
			ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
		}
		if (ok) {
			memcpy(ctx->request_id, given, n + 1);
			ctx->req.request_id = ctx->request_id;
			return;
		}
	}
	/* prefix-%08llx, without printf. */
	static const char hex[] = "0123456789abcdef";
	unsigned long long id = atomic_fetch_add_explicit(&s->next_id, 1, memory_order_relaxed);
	char digits[16];
	size_t nd = 0;
	do {
		digits[nd++] = hex[id & 15];
		id >>= 4;
	} while (id || nd < 8);
	char *p = ctx->request_id;
	memcpy(p, s->id_prefix, 12);
	p += 12;
	*p++ = '-';
	while (nd)
		*p++ = digits[--nd];
	*p = '\0';
	ctx->req.request_id = ctx->request_id;
}

static void format_ip(struct MHD_Connection *conn, char *buf, size_t cap)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(buf, cap, "unknown");
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
				  (socklen_t)cap);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
				  (socklen_t)cap);
	}
}

static struct conn_ctx *conn_ctx_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* Connections come and go: their context is made and freed here. */
static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *s = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn_ctx *cc = xcalloc(1, sizeof(*cc));
		format_ip(conn, cc->ip, sizeof(cc->ip));
		const union MHD_ConnectionInfo *fd = MHD_get_connection_info(
			conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (fd)
			deadline_conn_open(s->deadlines, &cc->clock, fd->connect_fd, cc->ip);
		*socket_context = cc;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
		struct conn_ctx *cc = *socket_context;
		deadline_conn_close(s->deadlines, &cc->clock);
		if (cc->spare) {
			arena_free(cc->spare->req.arena);
			sb_release(&cc->spare->resp.body);
			free(cc->spare);
		}
		sb_release(&cc->line);
		free(cc);
		*socket_context = NULL;
	}
}

/* The headers of every answer. Pages (static files, and HTML a handler
 * might make) get the full browser policy; data answers get a short one. */
static void add_common_headers(struct http_server *s, struct req_ctx *ctx, struct MHD_Response *r,
			       bool is_page)
{
	MHD_add_response_header(r, "X-Request-Id", ctx->req.request_id);
	MHD_add_response_header(r, "Content-Security-Policy", is_page ? s->csp : csp_data);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "strict-origin-when-cross-origin");
	if (is_page) {
		MHD_add_response_header(r, "X-Frame-Options", "DENY");
		MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	}
}

static bool has_header(const struct http_resp *resp, const char *name)
{
	for (size_t i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return true;
	return false;
}

/* At most this many pieces go to libmicrohttpd as a vector: 0.9.75 sends
 * no more than the system's IOV_MAX (1024) of them and then stops, so an
 * answer of more is copied together (as a list of hundreds of stations). */
#define IOVEC_MAX 1000

/* Copies the borrowed pieces into the body, in their places, and lets go
 * of what they borrowed. */
static void flatten(struct http_resp *resp)
{
	struct sb flat = SB_INIT;
	size_t from = 0;
	sb_reserve(&flat, http_resp_body_len(resp));
	for (size_t i = 0; i < resp->nsplices; i++) {
		const struct http_splice *sp = &resp->splices[i];
		sb_add(&flat, resp->body.buf + from, sp->at - from);
		sb_add(&flat, sp->data, sp->len);
		from = sp->at;
	}
	sb_add(&flat, resp->body.buf + from, resp->body.len - from);
	sb_release(&resp->body);
	resp->body = flat;
	resp->nsplices = 0;
	resp->borrowed_len = 0;
}

/* The answer's body as libmicrohttpd sends it: its own bytes where they
 * are, with the borrowed pieces between them, in one vectored write. The
 * vector is copied by libmicrohttpd; the bytes are not. */
static struct MHD_Response *response_from_pieces(struct http_resp *resp)
{
	size_t max = 2 * resp->nsplices + 1, n = 0, from = 0;
	struct MHD_IoVec *iov = arena_alloc(resp->arena, max * sizeof(*iov));
	for (size_t i = 0; i < resp->nsplices; i++) {
		const struct http_splice *sp = &resp->splices[i];
		if (sp->at > from)
			iov[n++] = (struct MHD_IoVec){ resp->body.buf + from, sp->at - from };
		from = sp->at;
		iov[n++] = (struct MHD_IoVec){ sp->data, sp->len };
	}
	if (resp->body.len > from)
		iov[n++] = (struct MHD_IoVec){ resp->body.buf + from, resp->body.len - from };
	return MHD_create_response_from_iovec(iov, (unsigned)n, resp->release, resp->release_arg);
}

static enum MHD_Result queue(struct http_server *s, struct MHD_Connection *conn,
			     struct req_ctx *ctx)
{
	struct http_resp *resp = &ctx->resp;
	size_t len = http_resp_body_len(resp);
	if (!resp->status)
		resp->status = len ? 200 : 204;
	/* The body stays in the context, which lives until the answer is sent
	 * (completed() below), and is kept for the connection's next answer. */
	if (resp->status == 204 || resp->status == 304)
		len = 0;
	struct MHD_Response *r;
	bool pieces = false;
	if (resp->stream) {
		r = streams_response(resp);
		if (r)
			MHD_add_response_header(r, "Content-Type",
						resp->content_type ? resp->content_type
								   : "application/octet-stream");
	} else if (resp->file_fd >= 0 && resp->status != 204 && resp->status != 304) {
		/* libmicrohttpd closes the file when the answer is done with. */
		len = (size_t)resp->file_len;
		r = MHD_create_response_from_fd64(resp->file_len, resp->file_fd);
		if (!r)
			close(resp->file_fd);
		resp->file_fd = -1;
		if (resp->release)
			resp->release(resp->release_arg);
	} else {
		if (len && 2 * resp->nsplices + 1 > IOVEC_MAX)
			flatten(resp);
		pieces = len && resp->nsplices;
		if (pieces) {
			/* libmicrohttpd calls release once it has let go of the answer. */
			r = response_from_pieces(resp);
		} else {
			r = MHD_create_response_from_buffer(len, len ? resp->body.buf : (void *)"",
							    MHD_RESPMEM_PERSISTENT);
			/* Nothing borrowed is sent: let go of it now. */
			if (resp->release)
				resp->release(resp->release_arg);
		}
	}
	if (!r) {
		if (pieces && resp->release)
			resp->release(resp->release_arg);
		return MHD_NO;
	}
	resp->release = NULL;
	const char *type = resp->content_type ? resp->content_type : "application/json";
	if (len)
		MHD_add_response_header(r, "Content-Type", type);
	for (size_t i = 0; i < resp->nheaders; i++)
		MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
	add_common_headers(s, ctx, r, len && strncmp(type, "text/html", 9) == 0);
	if (!has_header(resp, "Cache-Control"))
		MHD_add_response_header(r, "Cache-Control", "no-store");
	ctx->status = resp->status;
	ctx->bytes = len;
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

static bool accepts_gzip(struct MHD_Connection *conn)
{
	const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
	return ae && strstr(ae, "gzip");
}

static enum MHD_Result serve_static(struct http_server *s, struct MHD_Connection *conn,
				    struct req_ctx *ctx, const struct static_file *f)
{
	const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
	bool not_modified = inm && strstr(inm, f->etag);
	bool gz = !not_modified && f->gz && accepts_gzip(conn);
	size_t len = not_modified ? 0 : (gz ? f->gz_len : f->len);
	const void *data = gz ? f->gz : f->data;
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data,
								 MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", f->content_type);
	MHD_add_response_header(r, "ETag", f->etag);
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	if (f->gz)
		MHD_add_response_header(r, "Vary", "Accept-Encoding");
	if (gz)
		MHD_add_response_header(r, "Content-Encoding", "gzip");
	add_common_headers(s, ctx, r, true);
	ctx->status = not_modified ? 304 : 200;
	ctx->bytes = len;
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)ctx->status, r);
	MHD_destroy_response(r);
	return ret;
}

static const char *copy_short(struct arena *a, char *buf, size_t cap, const char *str)
{
	size_t n = strlen(str);
	if (n >= cap)
		return arena_strndup(a, str, n);
	memcpy(buf, str, n + 1);
	return buf;
}

static struct req_ctx *ctx_new(struct http_server *s, struct MHD_Connection *conn, const char *url,
			       const char *method)
{
	/* Reuse the context the connection's last request left, if any. */
	struct conn_ctx *cc = conn_ctx_of(conn);
	struct req_ctx *ctx = cc ? cc->spare : NULL;
	struct sb body = SB_INIT;
	struct arena *a = NULL;
	if (ctx) {
		cc->spare = NULL;
		body = ctx->resp.body;
		a = ctx->req.arena;
		memset(ctx, 0, sizeof(*ctx));
	} else {
		ctx = xcalloc(1, sizeof(*ctx));
		a = arena_new();
	}
	ctx->start_us = clock_mono_us();
	ctx->req.arena = a;
	ctx->req.conn = conn;
	ctx->req.streams = s->streams;
	ctx->req.app = s->cfg.app;
	ctx->req.method = copy_short(a, ctx->method, sizeof(ctx->method), method);
	ctx->req.path = copy_short(a, ctx->path, sizeof(ctx->path), url);
	if (cc) {
		ctx->req.client_ip = cc->ip;
	} else {
		char ip[INET6_ADDRSTRLEN];
		format_ip(conn, ip, sizeof(ip));
		ctx->req.client_ip = arena_strdup(a, ip);
	}
	request_id(s, conn, ctx);
	ctx->resp.arena = a;
	ctx->resp.request_id = ctx->req.request_id;
	ctx->resp.body = body;
	sb_reset(&ctx->resp.body);
	ctx->resp.file_fd = -1;
	ctx->req.body_fd = -1;
	ctx->body_fd = -1;
	ctx->metrics_route = s->cfg.nroutes + 1;
	metrics_inflight_add(s->metrics, 1);
	return ctx;
}

/* Refuses what the head alone shows cannot be served: a NUL decoded from
 * %00, which would cut the path or a parameter short (/index.html%00.css
 * would name /index.html), and header fields over the limit (the memory
 * pool is larger than the limit, to hold libmicrohttpd's records of a head
 * within it, so the limit is checked here). True when refused. */
static bool head_refused(struct http_server *s, struct MHD_Connection *conn,
			 const struct conn_ctx *cc, struct req_ctx *ctx)
{
	const union MHD_ConnectionInfo *hs = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	/* The head less its request line, "METHOD URI HTTP/1.1\r\n". */
	size_t line = (cc ? cc->uri_len : 0) + strlen(ctx->req.method) + 12;
	size_t fields = hs && hs->header_size > line ? hs->header_size - line : 0;
	if (cc && cc->uri_nul)
		ctx->state = REQ_BAD_URI;
	else if (fields > s->header_max)
		ctx->state = REQ_HEAD_TOO_LARGE;
	else
		return false;
	ctx->body_max = 64 * 1024; /* read and drop a small body, then answer */
	return true;
}

/* Decides what the request is before any body arrives. */
static void route_request(struct http_server *s, struct req_ctx *ctx)
{
	enum router_result rr = router_match(s->router, ctx->req.method, ctx->req.path, &ctx->req,
					     ctx->allow, sizeof(ctx->allow));
	ctx->body_max = HTTP_BODY_MAX_DEFAULT;
	if (rr == ROUTER_MATCH) {
		ctx->state = REQ_ROUTED;
		ctx->metrics_route = ctx->req.route_index;
		if (ctx->req.route->body_max_bytes)
			ctx->body_max = ctx->req.route->body_max_bytes;
		return;
	}
	bool get = strcmp(ctx->req.method, "GET") == 0 || strcmp(ctx->req.method, "HEAD") == 0;
	if (rr == ROUTER_NOT_FOUND && get && strncmp(ctx->req.path, "/api/", 5) != 0 &&
	    static_find(s->files, ctx->req.path)) {
		ctx->state = REQ_STATIC;
		ctx->metrics_route = s->cfg.nroutes;
		return;
	}
	ctx->state = rr == ROUTER_METHOD_NOT_ALLOWED ? REQ_NOT_ALLOWED : REQ_NOT_FOUND;
	ctx->body_max = 64 * 1024; /* read and drop a small body, then answer */
}

/* The problems the server answers itself, before any handler: their texts
 * in the languages of core/problem.h, Chinese first. */
struct own_problem {
	int status;
	const char *type;
	const char *title[PROBLEM_LANG_COUNT];
	const char *detail[PROBLEM_LANG_COUNT];
};

static const struct own_problem not_found = { 404,
					      "not-found",
					      { "未找到", "Not found" },
					      { "没有这个地址",
						"There is nothing at this address" } };
static const struct own_problem not_allowed = { 405,
						"method-not-allowed",
						{ "方法不允许", "Method not allowed" },
						{ "这个地址不支持该请求方法",
						  "This address does not take this method" } };
static const struct own_problem rate_limited = {
	429,
	"rate-limited",
	{ "请求过于频繁", "Too many requests" },
	{ "来自这个地址的请求过于频繁，请稍后再试",
	  "Too many requests from this address; please try again later" }
};

/* Answers p in the language the client prefers, with detail (when not
 * NULL) instead of p's own. */
static void own_problem(const struct http_server *s, struct req_ctx *ctx,
			const struct own_problem *p, const char *const *detail)
{
	size_t lang = http_req_language(&ctx->req, problem_lang_tags, PROBLEM_LANG_COUNT);
	const struct http_error_face *face = NULL;
	for (size_t i = 0; ctx->req.path && i < s->cfg.nerror_faces && !face; i++) {
		const struct http_error_face *f = &s->cfg.error_faces[i];
		if (!strncmp(ctx->req.path, f->prefix, strlen(f->prefix)))
			face = f;
	}
	if (face)
		face->answer(&ctx->req, &ctx->resp, p->status, (detail ? detail : p->detail)[lang]);
	else
		http_resp_problem(&ctx->resp, p->status, p->type, p->title[lang],
				  (detail ? detail : p->detail)[lang]);
	http_resp_header(&ctx->resp, "Content-Language", problem_lang_tags[lang]);
	http_resp_header(&ctx->resp, "Vary", "Accept-Language");
}

static void too_large(const struct http_server *s, struct req_ctx *ctx)
{
	static const struct own_problem p = {
		413, "body-too-large", { "请求体过大", "Request body too large" }, { NULL, NULL }
	};
	char zh[96], en[96];
	snprintf(zh, sizeof(zh), "请求体超过上限 %zu 字节", ctx->body_max);
	snprintf(en, sizeof(en), "The request body is larger than the limit of %zu bytes",
		 ctx->body_max);
	const char *const detail[PROBLEM_LANG_COUNT] = { zh, en };
	own_problem(s, ctx, &p, detail);
}

/* Everything before the route's handler: the answers that need none (no
 * route, too large, rate-limited, not authenticated). Returns true when the
 * handler is to run; false having filled the answer. */
static bool admit(struct http_server *s, struct req_ctx *ctx)
{
	struct http_req *req = &ctx->req;
	struct http_resp *resp = &ctx->resp;
	switch (ctx->state) {
	case REQ_TOO_LARGE: too_large(s, ctx); return false;
	case REQ_BAD_URI:
		http_resp_problem(resp, 400, "bad-request", "请求格式错误",
				  "地址中不能含有 %00 (a NUL byte in the path or query)");
		return false;
	case REQ_HEAD_TOO_LARGE: {
		char detail[160];
		snprintf(detail, sizeof(detail),
			 "请求头超过 %zu 字节 (header fields larger than %zu bytes)", s->header_max,
			 s->header_max);
		http_resp_problem(resp, 431, "headers-too-large", "请求头过大", detail);
		return false;
	}
	case REQ_NOT_FOUND: own_problem(s, ctx, &not_found, NULL); return false;
	case REQ_NOT_ALLOWED:
		own_problem(s, ctx, &not_allowed, NULL);
		http_resp_header(resp, "Allow", ctx->allow);
		return false;
	case REQ_SPOOL_FAILED:
		http_resp_problem(resp, 503, "storage-unavailable", "暂时无法保存",
				  "上传的文件无法暂存，请稍后再试");
		http_resp_header(resp, "Retry-After", "30");
		return false;
	case REQ_STATIC:
	case REQ_ROUTED: break;
	}
	req->body = ctx->body.buf ? ctx->body.buf : ctx->no_body;
	if (req->route->spool) {
		/* The file from its start; body_len counted what was written. */
		if (ctx->body_fd >= 0 && lseek(ctx->body_fd, 0, SEEK_SET) != 0) {
			http_resp_problem(resp, 503, "storage-unavailable", "暂时无法保存",
					  "上传的文件无法暂存，请稍后再试");
			http_resp_header(resp, "Retry-After", "30");
			return false;
		}
		req->body_fd = ctx->body_fd;
	} else {
		req->body_len = ctx->body.len;
	}
	int retry = 0;
	if (req->route->rate_per_min > 0 &&
	    !ratelimit_take(s->ratelimit, req->route_index, req->client_ip,
			    req->route->rate_per_min, clock_now_ms(), &retry)) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%d", retry);
		own_problem(s, ctx, &rate_limited, NULL);
		http_resp_header(resp, "Retry-After", ra);
		return false;
	}
	return !s->cfg.auth || s->cfg.auth(req, resp);
}

/* On a pool thread: the handler, then the connection goes back to its
 * request thread, which sends the answer (access_handler). */
static void run_offloaded(void *arg)
{
	struct req_ctx *ctx = arg;
	ctx->req.route->handler(&ctx->req, &ctx->resp);
	ctx->offload = OFFLOAD_ANSWERED;
	/* Takes libmicrohttpd's lock, which the request thread takes before it
	 * looks at the connection again: everything written above is seen. */
	MHD_resume_connection(ctx->req.conn);
}

/* Hands the handler to the work pool. The connection is suspended before
 * the job is queued, so that a job done at once cannot resume a connection
 * that is not yet suspended. A full queue is answered 503 the same way,
 * through a resume, so every offloaded answer leaves by one path. */
static void offload(struct http_server *s, struct MHD_Connection *conn, struct req_ctx *ctx)
{
	ctx->offload = OFFLOAD_RUNNING;
	MHD_suspend_connection(conn);
	if (workpool_submit(s->pool, run_offloaded, ctx) == WORKPOOL_QUEUED)
		return;
	char ra[16];
	snprintf(ra, sizeof(ra), "%d", workpool_retry_after_s(s->pool));
	static const struct own_problem busy = {
		503,
		"busy",
		{ "服务繁忙", "Busy" },
		{ "服务器正忙，请稍后重试",
		  "Too many expensive requests at once: please try again shortly" }
	};
	own_problem(s, ctx, &busy, NULL);
	http_resp_header(&ctx->resp, "Retry-After", ra);
	ctx->offload = OFFLOAD_ANSWERED;
	MHD_resume_connection(conn);
}

/* A spooled body: written to an unlinked temporary file as it comes. */
static bool spool_add(struct req_ctx *ctx, const char *data, size_t len)
{
	if (ctx->body_fd < 0) {
		ctx->body_fd = open(P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (ctx->body_fd < 0)
			return false;
	}
	while (len) {
		ssize_t n = write(ctx->body_fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		data += n;
		len -= (size_t)n;
		ctx->req.body_len += (size_t)n;
	}
	return true;
}

static void spool_close(struct req_ctx *ctx)
{
	if (ctx->body_fd >= 0)
		close(ctx->body_fd);
	ctx->body_fd = -1;
	ctx->req.body_fd = -1;
	ctx->req.body_len = 0;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	struct http_server *s = cls;
	struct req_ctx *ctx = *con_cls;
	(void)version;
	if (!ctx) {
		struct conn_ctx *cc = conn_ctx_of(conn);
		if (cc && cc->uri_refused)
			return MHD_NO; /* answered in check_uri(): close */
		if (cc)
			deadline_conn_busy(&cc->clock);
		ctx = ctx_new(s, conn, url, method);
		*con_cls = ctx;
		if (!head_refused(s, conn, cc, ctx))
			route_request(s, ctx);
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > ctx->body_max) {
			/* Answer before reading a byte of it: the connection closes. */
			ctx->dispatched = true;
			too_large(s, ctx);
			return queue(s, conn, ctx);
		}
		sb_init(&ctx->body, 0);
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (ctx->state != REQ_TOO_LARGE) {
			if (ctx->body.len + ctx->req.body_len + *upload_data_size > ctx->body_max) {
				ctx->state = REQ_TOO_LARGE;
				sb_release(&ctx->body);
				spool_close(ctx);
			} else if (ctx->state == REQ_ROUTED && ctx->req.route->spool) {
				if (!spool_add(ctx, upload_data, *upload_data_size))
					ctx->state = REQ_SPOOL_FAILED;
			} else {
				sb_add(&ctx->body, upload_data, *upload_data_size);
			}
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ctx->dispatched) {
		/* Called again after an offloaded handler resumed the connection. */
		if (ctx->offload != OFFLOAD_ANSWERED)
			return MHD_YES;
		ctx->offload = OFFLOAD_NONE;
		return queue(s, conn, ctx);
	}
	ctx->dispatched = true;
	if (ctx->state == REQ_STATIC)
		return serve_static(s, conn, ctx, static_find(s->files, ctx->req.path));
	if (admit(s, ctx)) {
		if (ctx->req.route->offload) {
			offload(s, conn, ctx);
			return MHD_YES;
		}
		ctx->req.route->handler(&ctx->req, &ctx->resp);
	}
	return queue(s, conn, ctx);
}

/* One JSON line a request, built with the string builder's own number
 * formatting in the connection's reusable buffer: no printf, no allocation. */
static void access_log(struct req_ctx *ctx, struct conn_ctx *cc, int64_t dur_us)
{
	struct sb local = SB_INIT;
	struct sb *sb = cc ? &cc->line : &local;
	sb_reset(sb);
	sb_addlit(sb, "{\"ts\":\"");
	sb_adds(sb, log_now_rfc3339());
	sb_addlit(sb, "\",\"level\":\"info\",\"event\":\"access\",\"req\":\"");
	sb_add_json_escaped(sb, ctx->req.request_id, strlen(ctx->req.request_id));
	sb_addlit(sb, "\",\"method\":\"");
	sb_add_json_escaped(sb, ctx->req.method, strlen(ctx->req.method));
	sb_addlit(sb, "\",\"path\":\"");
	size_t at = sb->len;
	sb_add_json_escaped(sb, ctx->req.path, strlen(ctx->req.path));
	if (!sb->err)
		log_mask_phones(sb->buf + at, sb->len - at);
	sb_addlit(sb, "\",\"route\":\"");
	if (ctx->state == REQ_ROUTED)
		sb_adds(sb, ctx->req.route->pattern);
	else
		sb_adds(sb, ctx->state == REQ_STATIC ? "static" : "unmatched");
	sb_addlit(sb, "\",\"status\":");
	sb_add_int(sb, ctx->status);
	sb_addlit(sb, ",\"bytes\":");
	sb_add_uint(sb, ctx->bytes);
	sb_addlit(sb, ",\"dur_us\":");
	sb_add_int(sb, dur_us);
	sb_addlit(sb, ",\"ip\":\"");
	sb_adds(sb, ctx->req.client_ip);
	sb_addlit(sb, "\"}");
	log_line(sb_str(sb), sb->len);
	sb_release(&local);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct req_ctx *ctx = *con_cls;
	if (!ctx)
		return;
	int64_t dur_us = clock_mono_us() - ctx->start_us;
	if (!ctx->status)
		ctx->status = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? 200 : 499;
	metrics_observe(s->metrics, ctx->metrics_route, ctx->status, dur_us);
	struct conn_ctx *cc = conn ? conn_ctx_of(conn) : NULL;
	if (cc)
		deadline_conn_idle(&cc->clock);
	if (s->cfg.access_log)
		access_log(ctx, cc, dur_us);
	metrics_inflight_add(s->metrics, -1);
	*con_cls = NULL;
	/* An answer that was never queued still lets go of what it borrowed. */
	if (ctx->resp.release)
		ctx->resp.release(ctx->resp.release_arg);
	ctx->resp.release = NULL;
	/* Keep the context for the connection's next request. */
	sb_release(&ctx->body);
	spool_close(ctx);
	if (ctx->resp.file_fd >= 0) {
		close(ctx->resp.file_fd);
		ctx->resp.file_fd = -1;
	}
	if (cc && !cc->spare && ctx->resp.body.cap <= SPARE_BODY_MAX_BYTES &&
	    !ctx->resp.body.max_len) {
		arena_reset(ctx->req.arena);
		cc->spare = ctx;
	} else {
		arena_free(ctx->req.arena);
		sb_release(&ctx->resp.body);
		free(ctx);
	}
}

/* Answers 414 on the connection's socket itself and shuts it down: see
 * check_uri() for why libmicrohttpd cannot be asked to. */
static void refuse_uri(struct http_server *s, struct MHD_Connection *conn, struct conn_ctx *cc,
		       size_t nparams)
{
	struct req_ctx *tmp = xcalloc(1, sizeof(*tmp));
	request_id(s, conn, tmp); /* no header is read yet: a new id */
	const char *id = tmp->req.request_id;
	char detail[200];
	snprintf(detail, sizeof(detail),
		 "请求地址超过 %d 字节或 %d 个查询参数 (URI over %d bytes or %d query parameters)",
		 HTTP_URI_MAX_BYTES, HTTP_QUERY_PARAMS_MAX, HTTP_URI_MAX_BYTES,
		 HTTP_QUERY_PARAMS_MAX);
	struct http_resp resp = { .body = SB_INIT, .request_id = id, .file_fd = -1 };
	http_resp_problem(&resp, 414, "uri-too-long", "请求地址过长", detail);
	struct sb out = SB_INIT;
	sb_addf(&out,
		"HTTP/1.1 414 URI Too Long\r\nConnection: close\r\n"
		"Content-Type: application/problem+json\r\nContent-Length: %zu\r\n"
		"X-Request-Id: %s\r\nContent-Security-Policy: %s\r\nX-Content-Type-Options: nosniff\r\n"
		"Referrer-Policy: strict-origin-when-cross-origin\r\nCache-Control: no-store\r\n\r\n",
		resp.body.len, id, csp_data);
	sb_add(&out, resp.body.buf, resp.body.len);
	const union MHD_ConnectionInfo *fd = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (fd && !out.err) {
		/* A few hundred bytes fit an empty send buffer: no wait. */
		if (send(fd->connect_fd, out.buf, out.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug(id, "uri-too-long", "cannot send the answer");
		shutdown(fd->connect_fd, SHUT_RDWR);
	}
	metrics_observe(s->metrics, s->cfg.nroutes + 1, 414, 0);
	log_info(id, "uri-too-long",
		 "answered 414 to %s: a URI of %zu bytes with %zu query parameters", cc->ip,
		 cc->uri_len, nparams);
	sb_release(&out);
	sb_release(&resp.body);
	free(tmp);
}

/* Sees each request's raw URI before libmicrohttpd splits and decodes it.
 * A URI over HTTP_URI_MAX_BYTES or HTTP_QUERY_PARAMS_MAX parameters is
 * answered here, at once. libmicrohttpd 0.9.75 keeps a record of each query
 * parameter in the connection's memory pool; when they do not fit, it
 * queues its 431 and then loses it, and the connection hangs silent until
 * the idle timeout. The pool is sized for the promised limits (see
 * http_server_start), so only a URI over them can run it out; such a URI
 * is answered here on the socket itself, which is then shut down. */
static void *check_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http_server *s = cls;
	struct conn_ctx *cc = conn_ctx_of(conn);
	if (!cc)
		return NULL;
	size_t nparams = 0;
	const char *q = strchr(uri, '?');
	if (q && q[1])
		for (nparams = 1, q++; *q; q++)
			nparams += *q == '&';
	cc->uri_len = strlen(uri);
	cc->uri_nul = strstr(uri, "%00") != NULL;
	cc->uri_refused = cc->uri_len > HTTP_URI_MAX_BYTES || nparams > HTTP_QUERY_PARAMS_MAX;
	if (cc->uri_refused)
		refuse_uri(s, conn, cc, nparams);
	return NULL; /* no request context yet: access_handler makes it */
}

/* Parses "host:port", "[v6]:port", ":port" or "port". */
static bool parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen,
			 struct problem *prob)
{
	char host[256] = "";
	const char *port = NULL;
	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');
		if (!end || end[1] != ':' || (size_t)(end - listen - 1) >= sizeof(host))
			goto bad;
		memcpy(host, listen + 1, (size_t)(end - listen - 1));
		host[end - listen - 1] = '\0';
		port = end + 2;
	} else {
		const char *colon = strrchr(listen, ':');
		if (colon) {
			if ((size_t)(colon - listen) >= sizeof(host))
				goto bad;
			memcpy(host, listen, (size_t)(colon - listen));
			host[colon - listen] = '\0';
			port = colon + 1;
		} else {
			port = listen;
		}
	}
	char *end = NULL;
	long p = strtol(port, &end, 10);
	if (!*port || *end || p < 0 || p > 65535)
		goto bad;
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	if (getaddrinfo(host[0] ? host : NULL, port, &hints, &res) != 0 || !res)
		goto bad;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return true;
bad:
	problem_set(prob, RC_INVALID, "config", "监听地址无效: \"%s\" (want HOST:PORT)", listen);
	return false;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warn(NULL, "http", "%s", msg);
}

struct http_server *http_server_start(const struct http_server_config *cfg, char *bound, size_t cap,
				      struct problem *prob)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	if (!parse_listen(cfg->listen, &ss, &sslen, prob))
		return NULL;
	struct http_server *s = xcalloc(1, sizeof(*s));
	s->cfg = *cfg;
	unsigned threads = cfg->threads;
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 2;
	}
	s->header_max = cfg->header_max_bytes ? cfg->header_max_bytes : 32 * 1024;
	/* libmicrohttpd reads a head into its connection's memory pool and adds
	 * a record (under 64 bytes) for each query parameter and header field:
	 * room for the largest head promised (http.h) and its answer's lines. */
	size_t pool_bytes = s->header_max + HTTP_URI_MAX_BYTES +
			    (HTTP_QUERY_PARAMS_MAX + HTTP_HEADER_FIELDS_MAX) * 64 + 8 * 1024;
	s->deadlines = deadlines_start(
		(int64_t)(cfg->header_timeout_s ? cfg->header_timeout_s : 10) * 1000);
	s->router = router_new(cfg->routes, cfg->nroutes);
	s->metrics = metrics_new(cfg->routes, cfg->nroutes);
	s->ratelimit = ratelimit_new(16384);
	s->files = static_load(cfg->static_dir);
	/* Nice 10: the work threads get a tenth of a core's share where a
	 * request thread wants it too, and all of what is idle. */
	struct workpool_config wc = { .threads = cfg->work_threads,
				      .queue_max = cfg->work_queue_max,
				      .nice = 10 };
	s->pool = workpool_new(&wc);
	size_t stream_max = cfg->stream_max ? cfg->stream_max : 2000;
	s->streams = streams_new(stream_max);
	unsigned char rnd[6];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(s->id_prefix, sizeof(s->id_prefix), rnd, sizeof(rnd));
	struct sb csp = SB_INIT;
	sb_adds(&csp, "default-src 'self'; img-src 'self' data: blob:");
	if (cfg->img_src && *cfg->img_src)
		sb_addf(&csp, " %s", cfg->img_src);
	sb_adds(&csp,
		"; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; "
		"base-uri 'self'; form-action 'self'; frame-ancestors 'none'");
	s->csp = sb_detach(&csp, NULL);

	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, access_handler, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)((cfg->conn_max ? cfg->conn_max : 1024u) + stream_max),
		MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout_s ? cfg->idle_timeout_s : 60u,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool_bytes, MHD_OPTION_URI_LOG_CALLBACK,
		check_uri, s, MHD_OPTION_NOTIFY_COMPLETED, completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, notify_connection, s, MHD_OPTION_LISTEN_BACKLOG_SIZE,
		1024u, MHD_OPTION_END);
	if (!s->daemon) {
		problem_set(prob, RC_UNAVAILABLE, "listen",
			    "无法在 %s 上监听 (address in use or not allowed)", cfg->listen);
		http_server_stop(s, 0);
		return NULL;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = di ? di->port : 0;
	char host[INET6_ADDRSTRLEN] = "0.0.0.0";
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	if (ss.ss_family == AF_INET6)
		snprintf(bound, cap, "http://[%s]:%u", host, port);
	else
		snprintf(bound, cap, "http://%s:%u", host, port);
	return s;
}

void http_server_stop(struct http_server *s, int drain_ms)
{
	if (!s)
		return;
	if (s->daemon) {
		MHD_socket fd = MHD_quiesce_daemon(s->daemon);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
		/* Streams last as long as they are let: end them, so they do not
		 * hold up the drain. */
		streams_stop(s->streams);
		int64_t deadline = clock_mono_us() + (int64_t)drain_ms * 1000;
		while (metrics_inflight(s->metrics) > 0 && clock_mono_us() < deadline)
			usleep(5000);
		if (metrics_inflight(s->metrics) > 0)
			log_warn(NULL, "shutdown", "%ld requests still in flight after %d ms",
				 metrics_inflight(s->metrics), drain_ms);
		/* libmicrohttpd must not stop with a connection suspended: let
		 * the pool finish what it holds, each job resuming its own. Until
		 * the daemon stops, a request that still arrives on an open
		 * connection is refused by the stopped pool (503), not lost. */
		workpool_stop(s->pool);
		MHD_stop_daemon(s->daemon);
	}
	deadlines_free(s->deadlines);
	workpool_free(s->pool);
	streams_free(s->streams);
	router_free(s->router);
	metrics_free(s->metrics);
	ratelimit_free(s->ratelimit);
	static_free(s->files);
	free(s->csp);
	free(s);
}

void http_server_metrics(struct http_server *s, struct sb *sb)
{
	metrics_render(s->metrics, sb);
	struct workpool_stats st;
	workpool_stats(s->pool, &st);
	sb_addf(sb,
		"# HELP yizhan_work_threads Threads of the work pool (password hashing, photo decoding).\n"
		"# TYPE yizhan_work_threads gauge\nyizhan_work_threads %u\n"
		"# HELP yizhan_work_queue_max Offloaded requests that may wait for a work thread.\n"
		"# TYPE yizhan_work_queue_max gauge\nyizhan_work_queue_max %zu\n"
		"# HELP yizhan_work_waiting Offloaded requests waiting for a work thread now.\n"
		"# TYPE yizhan_work_waiting gauge\nyizhan_work_waiting %zu\n"
		"# HELP yizhan_work_running Offloaded requests on a work thread now.\n"
		"# TYPE yizhan_work_running gauge\nyizhan_work_running %zu\n"
		"# HELP yizhan_work_done_total Offloaded requests the work pool has run.\n"
		"# TYPE yizhan_work_done_total counter\nyizhan_work_done_total %llu\n"
		"# HELP yizhan_work_rejected_total Offloaded requests refused with 503: the queue was full.\n"
		"# TYPE yizhan_work_rejected_total counter\nyizhan_work_rejected_total %llu\n",
		st.threads, st.queue_max, st.waiting, st.running, (unsigned long long)st.done,
		(unsigned long long)st.rejected);
	sb_addf(sb,
		"# HELP yizhan_streams_open Streamed answers (live event streams) open now.\n"
		"# TYPE yizhan_streams_open gauge\nyizhan_streams_open %zu\n"
		"# HELP yizhan_streams_max Streamed answers the server holds at most (--stream-max).\n"
		"# TYPE yizhan_streams_max gauge\nyizhan_streams_max %zu\n"
		"# HELP yizhan_streams_refused_total Streams refused with 503: as many were open as may be.\n"
		"# TYPE yizhan_streams_refused_total counter\nyizhan_streams_refused_total %llu\n",
		streams_open(s->streams), streams_max(s->streams),
		(unsigned long long)streams_refused(s->streams));
}

size_t http_server_static_count(const struct http_server *s)
{
	return static_count(s->files);
}
