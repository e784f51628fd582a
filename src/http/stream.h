/* The server's streamed answers (http_resp_stream in http.h), internal to
 * http/: how many there are, the cap on them, and ending them all when the
 * server stops. */
#ifndef YZ_HTTP_STREAM_H
#define YZ_HTTP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

struct MHD_Response;
struct streams;

/* A registry for at most max streams at once. *new*. */
struct streams *streams_new(size_t max);
/* Frees r (after streams_stop and the daemon's end). NULL is fine. */
void streams_free(struct streams *r);
/* Ends every stream: each is woken, and its next fill is the end of its
 * answer; new streams are refused from now on. Thread-safe. */
void streams_stop(struct streams *r);
/* The libmicrohttpd answer of resp's stream (a chunked body pulled from its
 * source), or NULL if it cannot be made (then the stream is over: its
 * done has run). */
struct MHD_Response *streams_response(struct http_resp *resp);
/* Open streams now, and streams refused for the cap since the start. */
size_t streams_open(struct streams *r);
uint64_t streams_refused(struct streams *r);
size_t streams_max(struct streams *r);

#endif
