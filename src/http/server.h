/* The HTTP server: libmicrohttpd with epoll and an internal thread pool,
 * limits on headers, bodies, connections and idle time, security headers and
 * a request id on every response, JSON access log lines, metrics, static
 * files, a work pool for the handlers of routes marked offload, streamed
 * answers, and a graceful stop that lets requests in flight finish. */
#ifndef YZ_HTTP_SERVER_H
#define YZ_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/problem.h"
#include "http/http.h"

struct http_server;

/* How the server's own errors (no such address, wrong method, a body too
 * large, too many requests, busy) are answered under a path prefix that
 * follows another standard, which defines its own error format. */
struct http_error_face {
	const char *prefix; /* "/open311/" */
	/* Fills resp: status with detail (in the client's language). */
	void (*answer)(struct http_req *req, struct http_resp *resp, int status,
		       const char *detail);
};

struct http_server_config {
	const char *listen;		 /* "127.0.0.1:8080", "[::1]:0", ":8080" */
	const struct http_route *routes; /* borrowed; must outlive the server */
	size_t nroutes;
	void *app; /* handed to handlers as req->app */
	/* Runs for every matched route after the rate limit: authenticates the
	 * caller, checks route->perm and sets req->principal. Returns false
	 * having filled resp (401/403) to stop the request. */
	bool (*auth)(struct http_req *req, struct http_resp *resp);
	const char *static_dir; /* NULL: no static files */
	unsigned threads;	/* request threads; 0: one per core */
	unsigned work_threads;	/* threads of the work pool (routes marked offload); 0: cores - 1 */
	size_t work_queue_max; /* offloaded requests that may wait for a work thread; 0: 16 per thread */
	unsigned conn_max;	   /* connections besides streams; 0: 1024 */
	size_t stream_max;	   /* streamed answers at once, each a connection of
				    * its own on top of conn_max; 0: 2000 */
	unsigned idle_timeout_s;   /* 0: 60 */
	size_t header_max_bytes;   /* header fields together; 0: 32 KiB */
	unsigned header_timeout_s; /* a request header must arrive within; 0: 10 */
	bool access_log;
	const char *img_src; /* extra CSP img-src origins (map tiles), or NULL */
	const struct http_error_face *error_faces; /* borrowed; NULL: problem+json everywhere */
	size_t nerror_faces;
};

/* Starts serving. Writes the bound address ("http://127.0.0.1:41234") into
 * bound. Returns a *new* server, or NULL with prob filled. */
struct http_server *http_server_start(const struct http_server_config *cfg, char *bound, size_t cap,
				      struct problem *prob);
/* Stops accepting connections, waits up to drain_ms for requests in flight
 * to finish, then closes everything and frees the server. */
void http_server_stop(struct http_server *s, int drain_ms);
/* Appends the Prometheus text of this server's metrics. Thread-safe. */
void http_server_metrics(struct http_server *s, struct sb *sb);
/* Number of static files loaded. */
size_t http_server_static_count(const struct http_server *s);

#endif
