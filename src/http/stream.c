/* Streamed answers on libmicrohttpd's thread pool. The body is a chunked
 * answer whose content reader calls the source's fill. In this mode a
 * content reader must neither block nor answer "nothing yet" and leave the
 * connection in the event loop (the loop would call it again at once, for
 * ever): when fill has nothing, the reader suspends the connection, which
 * leaves the loop, and a wake resumes it.
 *
 * A wake can come at any moment, also while fill runs, so each stream keeps
 * one atomic state: ACTIVE while its reader runs, WOKEN when a wake came
 * meanwhile, PARKED once suspended, CLOSED when over. The reader suspends
 * first and then moves ACTIVE to PARKED; if a wake came in between (WOKEN),
 * it resumes its own connection at once, so no wake is lost. A waker
 * resumes only a PARKED connection, and only the waker that moves it out
 * of PARKED does: libmicrohttpd never closes a suspended connection, so the
 * connection is there to resume. Wakers take no lock of ours while they
 * call libmicrohttpd, which may hold its own while it calls fill or done. */
#include "http/stream.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/xalloc.h"

enum stream_state { STREAM_ACTIVE, STREAM_WOKEN, STREAM_PARKED, STREAM_CLOSED };

struct http_stream {
	struct http_stream_source src;
	struct MHD_Connection *conn;
	struct streams *reg;
	_Atomic int state;
	atomic_int refs;
	struct http_stream *prev, *next; /* the registry's list, under its mutex */
};

struct streams {
	pthread_mutex_t mu; /* guards the list */
	struct http_stream *head;
	size_t max;
	atomic_size_t open;
	atomic_ullong refused;
	atomic_bool stopping;
};

struct streams *streams_new(size_t max)
{
	struct streams *r = xcalloc(1, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	r->max = max;
	return r;
}

void streams_free(struct streams *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r);
}

size_t streams_open(struct streams *r)
{
	return atomic_load(&r->open);
}

uint64_t streams_refused(struct streams *r)
{
	return atomic_load(&r->refused);
}

size_t streams_max(struct streams *r)
{
	return r->max;
}

void http_stream_hold(struct http_stream *st)
{
	atomic_fetch_add(&st->refs, 1);
}

void http_stream_release(struct http_stream *st)
{
	if (st && atomic_fetch_sub(&st->refs, 1) == 1)
		free(st);
}

void http_stream_wake(struct http_stream *st)
{
	int s = atomic_load(&st->state);
	for (;;) {
		if (s == STREAM_PARKED) {
			if (atomic_compare_exchange_weak(&st->state, &s, STREAM_ACTIVE)) {
				MHD_resume_connection(st->conn);
				return;
			}
		} else if (s == STREAM_ACTIVE) {
			if (atomic_compare_exchange_weak(&st->state, &s, STREAM_WOKEN))
				return;
		} else {
			return; /* woken already, or over */
		}
	}
}

struct http_stream *http_resp_stream(struct http_req *req, struct http_resp *resp,
				     const struct http_stream_source *src)
{
	struct streams *r = req->streams;
	if (atomic_load(&r->stopping))
		return NULL;
	if (atomic_fetch_add(&r->open, 1) >= r->max) {
		atomic_fetch_sub(&r->open, 1);
		atomic_fetch_add(&r->refused, 1);
		return NULL;
	}
	struct http_stream *st = xcalloc(1, sizeof(*st));
	st->src = *src;
	st->conn = req->conn;
	st->reg = r;
	atomic_init(&st->state, STREAM_ACTIVE);
	atomic_init(&st->refs, 2); /* the caller's, and the answer's until done */
	pthread_mutex_lock(&r->mu);
	st->next = r->head;
	if (r->head)
		r->head->prev = st;
	r->head = st;
	pthread_mutex_unlock(&r->mu);
	resp->stream = st;
	resp->status = 200;
	return st;
}

static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_stream *st = cls;
	(void)pos;
	if (atomic_load(&st->reg->stopping))
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* A wake from now on finds ACTIVE and leaves WOKEN. */
	atomic_store(&st->state, STREAM_ACTIVE);
	long n = st->src.fill(st->src.arg, buf, max);
	if (n > 0)
		return (ssize_t)n;
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* Nothing now: out of the loop until a wake. Suspending is allowed from
	 * a content reader; only the thread running it touches the connection
	 * until the state says PARKED. */
	MHD_suspend_connection(st->conn);
	int expect = STREAM_ACTIVE;
	if (atomic_compare_exchange_strong(&st->state, &expect, STREAM_PARKED))
		return 0;
	/* Woken between fill and here: back into the loop, to fill again. */
	atomic_store(&st->state, STREAM_ACTIVE);
	MHD_resume_connection(st->conn);
	return 0;
}

/* The answer is let go of: the stream is over. */
static void free_stream(void *cls)
{
	struct http_stream *st = cls;
	struct streams *r = st->reg;
	atomic_store(&st->state, STREAM_CLOSED);
	pthread_mutex_lock(&r->mu);
	if (st->prev)
		st->prev->next = st->next;
	else
		r->head = st->next;
	if (st->next)
		st->next->prev = st->prev;
	pthread_mutex_unlock(&r->mu);
	atomic_fetch_sub(&r->open, 1);
	st->src.done(st->src.arg);
	http_stream_release(st);
}

struct MHD_Response *streams_response(struct http_resp *resp)
{
	struct http_stream *st = resp->stream;
	/* A chunked answer is read straight into the connection's own buffer;
	 * the response's block (zeroed by libmicrohttpd for each stream) is only
	 * used without chunks (HTTP/1.0), so it is kept small. */
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024,
								   read_stream, st, free_stream);
	if (!r)
		free_stream(st);
	return r;
}

void streams_stop(struct streams *r)
{
	atomic_store(&r->stopping, true);
	/* Hold each under the lock, wake each outside it. */
	pthread_mutex_lock(&r->mu);
	size_t n = 0;
	for (struct http_stream *st = r->head; st; st = st->next)
		n++;
	struct http_stream **all = n ? xcalloc(n, sizeof(*all)) : NULL;
	n = 0;
	for (struct http_stream *st = r->head; st; st = st->next) {
		http_stream_hold(st);
		all[n++] = st;
	}
	pthread_mutex_unlock(&r->mu);
	for (size_t i = 0; i < n; i++) {
		http_stream_wake(all[i]);
		http_stream_release(all[i]);
	}
	free(all);
}
