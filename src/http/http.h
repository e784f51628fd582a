/* The HTTP library of yizhan: request and response types, the route record
 * that api/ fills in, and the server that runs a route table handed to it at
 * start. It knows HTTP and nothing of stations or accounts (DESIGN.md). */
#ifndef YZ_HTTP_HTTP_H
#define YZ_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/sb.h"

#define HTTP_PARAMS_MAX	       6
#define HTTP_HEADERS_MAX       16
#define HTTP_BODY_MAX_DEFAULT  (1024 * 1024)
/* The request heads the server promises to read: a URI of up to 8 KiB with
 * up to 100 query parameters (beyond: 414 at once), and header fields of up
 * to http_server_config.header_max_bytes together, up to 100 of them
 * (beyond: 431, or the connection is closed). */
#define HTTP_URI_MAX_BYTES     (8 * 1024)
#define HTTP_QUERY_PARAMS_MAX  100
#define HTTP_HEADER_FIELDS_MAX 100

struct http_req;
struct http_resp;
struct http_stream;

typedef void (*http_handler)(struct http_req *req, struct http_resp *resp);

/* One row of the route table (api/routes.c). Everything that describes a
 * route lives here so the router, the 405 Allow header, the OpenAPI
 * document and the permission check all read the same record. */
struct http_route {
	const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE" */
	const char *pattern; /* "/api/v1/accounts/{id}" */
	http_handler handler;
	int perm;	       /* opaque to http: checked by the auth hook */
	size_t body_max_bytes; /* 0: HTTP_BODY_MAX_DEFAULT */
	int rate_per_min;      /* > 0: per-client-address limit */
	/* The handler does expensive work (hashing a password, decoding an
	 * image): it runs on the server's work pool, after the rate limit and
	 * the auth hook have run on the request thread, while the connection
	 * waits suspended; a full pool answers 503 with Retry-After. */
	bool offload;
	/* The body goes to a temporary file (req->body_fd) as it arrives, not
	 * to memory: for large uploads read as a stream (spreadsheets). */
	bool spool;
	/* For the OpenAPI document: */
	const char *tag;
	const char *summary;
	const char *req_schema;	 /* component name of the JSON body, or NULL */
	const char *resp_schema; /* component name of the success body, or NULL */
	int ok_status;		 /* 200 if 0 */
	bool creates_too;	 /* a PUT that adds what is not there yet answers 201 then */
	const char *query;	 /* "name:type:description;…" query parameters */
	const char *req_media;	 /* a non-JSON body: "image/jpeg,image/png", or NULL */
	const char *resp_media;	 /* a non-JSON answer: "image/jpeg", or NULL */
	/* The route implements another standard's interface (its name,
	 * "Open311 GeoReport v2"): the standard describes it, so it is left
	 * out of the OpenAPI document, and its handler authenticates and
	 * answers errors the standard's way. NULL for our own API. */
	const char *standard;
};

struct http_req {
	struct arena *arena; /* freed when the request completes */
	const char *method;
	const char *path; /* decoded, without the query */
	const char *request_id;
	const char *client_ip;
	const struct http_route *route;
	size_t route_index;
	const char *param_names[HTTP_PARAMS_MAX];
	const char *param_values[HTTP_PARAMS_MAX];
	size_t nparams;
	char *body; /* NUL-terminated, in the arena ("" for a spooled body) */
	size_t body_len;
	int body_fd;	 /* a spooled body: an unlinked file, borrowed; -1 if none */
	void *app;	 /* handed to http_server_start */
	void *principal; /* set by the auth hook; NULL: anonymous */
	void *conn;	 /* the underlying connection (server.c only) */
	void *streams;	 /* the server's streams (http/stream.c only) */
};

struct http_header {
	const char *name, *value;
};

/* Bytes the answer sends from memory it does not own (http_resp_borrow),
 * placed after the first at bytes of its body. */
struct http_splice {
	size_t at;
	const void *data;
	size_t len;
};

struct http_resp {
	int status;
	const char *content_type;
	struct sb body;
	struct http_header headers[HTTP_HEADERS_MAX];
	size_t nheaders;
	struct arena *arena;
	const char *request_id; /* the request's id, for problem documents */
	/* The answer's bytes from a file instead of body (http_resp_file):
	 * owned, closed once sent; -1 if none. */
	int file_fd;
	uint64_t file_len;
	/* Borrowed pieces of the body, in order (in the arena), and the
	 * callback that lets go of what they borrow. */
	struct http_splice *splices;
	size_t nsplices, cap_splices;
	size_t borrowed_len;
	void (*release)(void *arg);
	void *release_arg;
	/* A streamed answer (http_resp_stream), or NULL. */
	struct http_stream *stream;
};

/* Request accessors: every string is borrowed and lives as long as req. */
const char *http_req_header(const struct http_req *req, const char *name);
const char *http_req_query(const struct http_req *req, const char *name);
/* Appends the query parameters to sb in the order they were sent, decoded
 * and length-prefixed ("4:name=5:value&", "4:flag!&" without a value), so
 * two different queries never give the same text. */
void http_req_query_canonical(const struct http_req *req, struct sb *sb);
/* The name of the first query parameter the request's route does not
 * declare in its query spec (borrowed, valid for the request), or NULL. */
const char *http_req_query_unknown(const struct http_req *req);
/* True if the Content-Type value ct names exactly the media type type
 * ("application/json"), in any case, with or without parameters
 * ("application/json; charset=utf-8"); "application/jsonx" is not. */
bool http_media_type_is(const char *ct, const char *type);
/* The value of path parameter {name}, or NULL. */
const char *http_req_param(const struct http_req *req, const char *name);
/* The value of cookie name, copied into the arena, or NULL. */
const char *http_req_cookie(const struct http_req *req, const char *name);

/* Which of the n language tags in offered ("zh-CN", "en") the client prefers
 * by accept_language, an Accept-Language value (RFC 9110 §12.5.4): each tag
 * weighs the q of the most specific range naming it (the whole tag, then its
 * primary subtag, then "*"); the heaviest wins. Returns an index into
 * offered: 0, the server's default, when the header is NULL, names none of
 * them acceptably, or ties. Elements that do not parse are skipped. Pure;
 * looks at no more than the first 8 offers. */
size_t http_language_pick(const char *accept_language, const char *const *offered, size_t n);
/* http_language_pick for req's Accept-Language header. */
size_t http_req_language(const struct http_req *req, const char *const *offered, size_t n);

/* Answers with len bytes of the file fd from its start (taken: closed once
 * sent, or at once if the answer cannot be made) instead of the body. */
void http_resp_file(struct http_resp *resp, int fd, uint64_t len);
/* Appends len bytes at data to the body, without copying them if they are
 * HTTP_BORROW_MIN_BYTES or more: the answer is then sent from data itself,
 * in one vectored write with what the body holds around it (bytes added to
 * the body before and after keep their places), and data is *borrowed*
 * until the callback given to http_resp_on_release runs, which the caller
 * must arrange for if data might change or go (http_resp_borrowing says
 * whether anything was borrowed). Fewer bytes are copied at once. A problem
 * or JSON body set afterwards (http_resp_problem, http_resp_json) drops
 * what was borrowed. */
void http_resp_borrow(struct http_resp *resp, const void *data, size_t len);
/* Below this, a piece is cheaper copied than sent from where it lies.
 * libmicrohttpd 0.9.75 writes the head of a vectored answer with a send()
 * (and a TCP segment) of its own, and the kernel copies each piece of a
 * vector with its own checks: a nearby answer of ten stations sent as 42
 * pieces of ~110 bytes took about 6 µs more CPU than the same bytes copied
 * into one buffer (27 against 21 µs a request), and even a 2.5 KB body sent
 * as one piece cost a microsecond more than copying it — the price of
 * copying some 25 KB. So only large pieces (a whole rendered dashboard)
 * are sent in place. */
#define HTTP_BORROW_MIN_BYTES (32 * 1024)
/* True if the body holds borrowed pieces. */
bool http_resp_borrowing(const struct http_resp *resp);
/* Calls release(arg) exactly once, on a request thread, when the server
 * no longer needs what the answer borrowed: after it is sent, when the
 * connection closes first, or at once when the answer sends none of it (a
 * problem set afterwards). One per answer. */
void http_resp_on_release(struct http_resp *resp, void (*release)(void *arg), void *arg);
/* The length of the body with what it borrowed. */
size_t http_resp_body_len(const struct http_resp *resp);

/* A streamed answer: a body of unknown length whose bytes come from a
 * callback as they become known, for as long as it likes (Server-Sent
 * Events). While the callback has nothing to give, the connection waits
 * suspended, costing no thread, until http_stream_wake. Streams end when
 * the callback says so, when the client goes away (noticed at the next
 * write) and when the server stops. */
#define HTTP_STREAM_END (-1)
struct http_stream_source {
	/* Puts up to cap bytes into buf and returns how many; 0 when there
	 * are none now; HTTP_STREAM_END when the answer is complete. Runs on
	 * a request thread, never twice at once for one stream; must not
	 * block. */
	long (*fill)(void *arg, char *buf, size_t cap);
	/* The stream is over (ended, the client gone, the server stopping):
	 * runs once, after the last fill, on a server thread; arg may go. */
	void (*done)(void *arg);
	void *arg;
};
/* Makes the answer to req a stream from src, status 200, with the content
 * type and headers set on resp (before or after; nothing else of resp is
 * sent, and the handler must leave status and body alone).
 * Returns the stream, *held* once for the caller (http_stream_release), or
 * NULL when the server holds as many streams as it may, or is stopping
 * (then src is not used: the caller answers, 503). */
struct http_stream *http_resp_stream(struct http_req *req, struct http_resp *resp,
				     const struct http_stream_source *src);
/* Another hold on st: it stays valid until each hold is released. */
void http_stream_hold(struct http_stream *st);
/* Lets go of a hold; the last one frees st. NULL is fine. */
void http_stream_release(struct http_stream *st);
/* Tells the server that st's source has bytes again: a waiting connection
 * is resumed and fill called soon. Thread-safe and cheap when nothing
 * waits; does nothing once the stream is over. The caller holds st
 * (http_stream_hold) and no lock that fill or done take: libmicrohttpd
 * may hold locks of its own while it calls them, which waking takes. */
void http_stream_wake(struct http_stream *st);

/* Adds a response header; both strings are copied into the arena. */
void http_resp_header(struct http_resp *resp, const char *name, const char *value);
/* Replaces the body with an RFC 9457 problem document without field errors. */
void http_resp_problem(struct http_resp *resp, int status, const char *type, const char *title,
		       const char *detail);
/* Sets status and a JSON body (copied). */
void http_resp_json(struct http_resp *resp, int status, const char *json, size_t len);
/* The standard reason phrase of status ("Not Found"). */
const char *http_status_text(int status);

#endif
