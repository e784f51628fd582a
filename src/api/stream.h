/* The live stream (GET /api/v1/stream, Server-Sent Events): the events a
 * signed-in caller may see, as they commit. The hub keeps the recent
 * events, rendered once, in a bounded ring, and the open streams; it hears
 * every event (events_subscribe with "*") and wakes the streams that may
 * see it. A stream that resumes (Last-Event-ID), or fell behind the ring,
 * reads what it missed from the outbox first. */
#ifndef YZ_API_STREAM_H
#define YZ_API_STREAM_H

#include <stdint.h>

#include "db/db.h"
#include "domain/events.h"

#define STREAM_KEEPALIVE_MS_DEFAULT 20000
#define STREAM_RETRY_MS		    3000 /* what a browser waits before reconnecting */

struct stream_hub;

/* A hub reading missed events from db; an open stream that sent nothing
 * for keepalive_ms sends a comment line. Starts its keep-alive thread
 * (block the process's signals first). *new*. */
struct stream_hub *stream_hub_new(struct db *db, int64_t keepalive_ms);
/* Stops its thread and frees hub, after the server stopped (no stream is
 * open) and after the last event was fed. NULL is fine. */
void stream_hub_free(struct stream_hub *hub);
/* The subscriber (event_fn) to give events_subscribe(ev, "*", …, hub):
 * keeps e if a stream may show it to anyone, and wakes those that may. */
void stream_hub_event(const struct event *e, void *hub);

#endif
