/* The header deadline. libmicrohttpd's connection timeout is an idle
 * timeout: a client that sends a byte now and then holds a connection for
 * ever without finishing its request. Here a background thread (a ticker)
 * closes a connection whose request header has not arrived within the
 * deadline: for a new connection counted from its start, for a kept-alive
 * one from the first byte of its next request (found in the kernel's
 * TCP_INFO), so a connection idle between requests is left to the idle
 * timeout. While a request is being served (its header is in) no deadline
 * runs, and none cuts a connection whose bytes wait in the kernel unread
 * (the server is busy, not the client slow). */
#ifndef YZ_HTTP_DEADLINE_H
#define YZ_HTTP_DEADLINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct deadlines;

/* One connection's clock, embedded in the server's connection context. The
 * fields are the deadline module's. */
struct deadline_conn {
	struct deadline_conn *prev, *next; /* the watch list, under its mutex */
	int fd;
	const char *ip; /* borrowed: for the log line */
	/* > 0: waiting for a header since then (ms, monotonic), the clock
	 * running; < 0: idle since -value, the clock starting at the next byte;
	 * 0: a request is being served. Written by the connection's thread. */
	_Atomic int64_t since_ms;
	int64_t seen_ms, head_from_ms; /* the watcher's own */
	bool closed;
};

/* Starts watching with a deadline of timeout_ms. Returns *new* deadlines. */
struct deadlines *deadlines_start(int64_t timeout_ms);
/* Stops the watcher and frees d; call once no connection is tracked (after
 * the server stopped). NULL is a no-op. */
void deadlines_free(struct deadlines *d);

/* A new connection on socket fd: its first header must arrive within the
 * deadline from now. c must stay put until deadline_conn_close. */
void deadline_conn_open(struct deadlines *d, struct deadline_conn *c, int fd, const char *ip);
/* The connection is closing: stop watching it. Call before its socket is
 * closed (libmicrohttpd's MHD_CONNECTION_NOTIFY_CLOSED is). */
void deadline_conn_close(struct deadlines *d, struct deadline_conn *c);
/* A request's header is in: no deadline while it is served. Lock-free. */
void deadline_conn_busy(struct deadline_conn *c);
/* The answer went out: the next request's clock starts at its first byte.
 * Lock-free. */
void deadline_conn_idle(struct deadline_conn *c);

#endif
