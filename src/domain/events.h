/* After-commit events. A domain write records what happened
 * (events_record: "station.changed" 42) in the outbox table, in its own
 * transaction, so the event exists exactly when the write does. After
 * commit, the process's subscribers hear of it: on the committing thread
 * for its own writes (the snapshot is fresh before the answer goes out),
 * and through LISTEN/NOTIFY for the writes of other servers on one
 * PostgreSQL database. Subscribers are fed by reading the outbox from the
 * process's position, never from the notification itself, so a
 * notification lost (a dropped connection, a crash between commit and
 * delivery) loses no event. */
#ifndef YZ_DOMAIN_EVENTS_H
#define YZ_DOMAIN_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/principal.h"

#define EVENTS_CHANNEL	      "yizhan_events"
#define EVENT_STATION_CHANGED "station.changed"
#define EVENTS_KEEP_S	      (24 * 3600) /* outbox rows older than this are deleted */

/* Whom an event concerns (migration 0011). Every member may be absent:
 * NULL or 0. */
struct event_audience {
	const char *region_code; /* the object's region: staff of it and above hear it */
	int64_t station_id;	 /* the object's station: its group bot hears it */
	int64_t account_id;	 /* the one account it is addressed to (an inbox entry) */
	const char *data;	 /* a small JSON object: what a message about it says */
};

/* One event as subscribers see it. Borrowed for the call. */
struct event {
	int64_t id;
	const char *topic;
	const char *object_id; /* an id, or "*" for every object of the topic */
	struct event_audience to;
	int64_t created_s;
};
typedef void (*event_fn)(const struct event *e, void *ctx);

struct events;
/* A new registry with no subscribers, its position at the end of db's
 * outbox (what happened before it existed is not its business). */
struct events *events_new(struct db *db, struct problem *prob);
/* Frees ev; NULL is fine. */
void events_free(struct events *ev);
/* fn(ctx) hears every event of topic from now on ("*": of every topic).
 * Call before serving. */
void events_subscribe(struct events *ev, const char *topic, event_fn fn, void *ctx);

/* Records topic/object_id in the caller's open transaction, tells the other
 * servers at commit (NOTIFY) and marks the transaction so that this
 * process's subscribers hear of it right after commit (db_on_commit with
 * events_after_commit). */
enum rc events_record(struct db_tx *tx, const char *topic, const char *object_id,
		      struct problem *prob);

/* events_record with the event's audience (NULL: none). */
enum rc events_record_to(struct db_tx *tx, const char *topic, const char *object_id,
			 const struct event_audience *to, struct problem *prob);

/* Feeds the subscribers every event committed since the last call, in id
 * order, each once. Safe from any thread (one feeds at a time). */
enum rc events_catch_up(struct events *ev, struct problem *prob);
/* events_catch_up for db_on_commit and the listener: errors are logged. */
void events_after_commit(void *ev);

/* fn(e, ctx) for each event with after < id, in id order, at most limit
 * of them; *last gets the last id given (after when none). For a reader
 * that resumes from its own position (a stream's Last-Event-ID). */
enum rc events_read_after(struct db *db, int64_t after, int64_t limit, event_fn fn, void *ctx,
			  int64_t *last, struct problem *prob);

/* True if a live stream may show e to anybody: it is addressed to an
 * account, or it is a request's (topic "request.…") in a region. Pure. */
bool events_streamable(const struct event *e);
/* True if p may be shown e as it happens (a live stream): an event
 * addressed to an account, by that account alone; an event of a request
 * (topic "request.…") in a region, by whoever may read the requests there
 * (ACT_REQUEST_READ over its region and station); nothing else — station
 * and person changes are for the servers' own read models. Pure. */
bool events_visible_to(const struct event *e, const struct principal *p);

/* A consumer's position in the outbox (a group bot's scanner, the points
 * awarded from events) after it read ids[0..n) (ascending, all above
 * *pos): it moves over every id that follows it without a gap, and over a
 * gap once the gap has been open for hole_wait_s (an insert rolled back
 * leaves one for ever; a commit a moment late fills it). *hole_since_s
 * holds when the gap was first met, 0 for none. Pure. */
void events_cursor_advance(const int64_t *ids, size_t n, int64_t now_s, int64_t hole_wait_s,
			   int64_t *pos, int64_t *hole_since_s);

/* A consumer's place in the outbox (group bots, points), kept in a table
 * of its own with one row (id 1): scanned_id, hole_since_s. */
struct events_cursor {
	int64_t pos, hole_since_s;
};
/* *news: whether the outbox holds events past the place kept in table.
 * Asked before the consumer takes its lock, since most looks find none. */
enum rc events_cursor_news(struct db *db, const char *table, bool *news, struct problem *prob);
/* Reads the place kept in table into *c, locked for the transaction on
 * PostgreSQL (SQLite's writer holds the whole file); *found is false if
 * the row is missing. */
enum rc events_cursor_lock(struct db_tx *tx, const char *table, struct events_cursor *c,
			   bool *found, struct problem *prob);
/* Moves the place read as *was past the events ids (events_cursor_advance)
 * and keeps it in table if it moved; *pos is the new place. */
enum rc events_cursor_move(struct db_tx *tx, const char *table, const struct events_cursor *was,
			   const int64_t *ids, size_t n, int64_t now_s, int64_t hole_wait_s,
			   int64_t *pos, struct problem *prob);

/* Deletes outbox rows older than EVENTS_KEEP_S, all but the newest. */
enum rc events_purge(struct db *db, int64_t now_s, struct problem *prob);

#endif
