/* The outbox and its readers. Ids come from one sequence, but concurrent
 * transactions commit out of order: an id may become visible after larger
 * ones were read. So the reader keeps a watermark below which everything was
 * fed, and the ids above it it has already fed; a hole that stays open for
 * EVENTS_HOLE_S (a rolled-back insert leaves one for ever on PostgreSQL) is
 * given up. */
#include "domain/events.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sb.h"
#include "core/xalloc.h"
#include "domain/permission.h"

#define EVENTS_HOLE_S	       30
#define EVENTS_SEEN_MAX	       4096
#define EVENTS_BATCH	       500
#define EVENTS_SUBSCRIBERS_MAX 16

struct subscriber {
	const char *topic;
	event_fn fn;
	void *ctx;
};

struct events {
	struct db *db;
	pthread_mutex_t mu; /* one feeder at a time; guards what follows */
	int64_t watermark;  /* every id <= watermark was fed (or given up) */
	size_t nseen;	    /* fed ids above the watermark, ascending */
	int64_t seen[EVENTS_SEEN_MAX];
	int64_t hole_since_s; /* when the lowest hole above the watermark was first met */
	size_t nsubs;
	struct subscriber subs[EVENTS_SUBSCRIBERS_MAX];
};

struct events *events_new(struct db *db, struct problem *prob)
{
	struct db_rows *rows = NULL;
	if (db_q(db, "SELECT COALESCE(MAX(id), 0) FROM outbox", &rows, prob) != RC_OK)
		return NULL;
	struct events *ev = xcalloc(1, sizeof(*ev));
	ev->db = db;
	ev->watermark = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	pthread_mutex_init(&ev->mu, NULL);
	return ev;
}

void events_free(struct events *ev)
{
	if (!ev)
		return;
	pthread_mutex_destroy(&ev->mu);
	free(ev);
}

void events_subscribe(struct events *ev, const char *topic, event_fn fn, void *ctx)
{
	if (ev->nsubs == EVENTS_SUBSCRIBERS_MAX)
		abort(); /* a programming error: raise the limit */
	ev->subs[ev->nsubs++] = (struct subscriber){ topic, fn, ctx };
}

enum rc events_record(struct db_tx *tx, const char *topic, const char *object_id,
		      struct problem *prob)
{
	return events_record_to(tx, topic, object_id, NULL, prob);
}

enum rc events_record_to(struct db_tx *tx, const char *topic, const char *object_id,
			 const struct event_audience *to, struct problem *prob)
{
	static const struct event_audience none = { 0 };
	if (!to)
		to = &none;
	struct db *db = db_tx_db(tx);
	enum rc rc = db_q_later(
		db,
		"INSERT INTO outbox (topic, object_id, created_s, region_code, station_id,"
		" account_id, data) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		prob, DB_T(topic), DB_T(object_id), DB_I(clock_now_s()), DB_T(to->region_code),
		DB_IOPT(to->station_id, to->station_id), DB_IOPT(to->account_id, to->account_id),
		DB_T(to->data));
	if (rc != RC_OK)
		return rc;
	db_tx_mark(tx);
	/* The payload says only "look": readers take the events from the table. */
	return db_notify(db, EVENTS_CHANNEL, topic, prob);
}

static bool was_seen(const struct events *ev, int64_t id)
{
	size_t lo = 0, hi = ev->nseen;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ev->seen[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ev->nseen && ev->seen[lo] == id;
}

static void add_seen(struct events *ev, int64_t id)
{
	if (ev->nseen == EVENTS_SEEN_MAX) {
		/* Far too many out of order: give up the oldest hole. */
		ev->watermark = ev->seen[0];
		memmove(ev->seen, ev->seen + 1, (ev->nseen - 1) * sizeof(ev->seen[0]));
		ev->nseen--;
	}
	size_t i = ev->nseen;
	while (i > 0 && ev->seen[i - 1] > id) {
		ev->seen[i] = ev->seen[i - 1];
		i--;
	}
	ev->seen[i] = id;
	ev->nseen++;
}

/* Moves the watermark over every fed id that follows it without a hole,
 * and over a hole that has stayed open too long. */
static void advance(struct events *ev, int64_t now_s)
{
	for (;;) {
		size_t k = 0;
		while (k < ev->nseen && ev->seen[k] == ev->watermark + 1 + (int64_t)k)
			k++;
		if (k) {
			ev->watermark += (int64_t)k;
			memmove(ev->seen, ev->seen + k, (ev->nseen - k) * sizeof(ev->seen[0]));
			ev->nseen -= k;
			ev->hole_since_s = 0;
		}
		if (!ev->nseen)
			return;
		if (!ev->hole_since_s)
			ev->hole_since_s = now_s;
		if (now_s - ev->hole_since_s < EVENTS_HOLE_S)
			return;
		ev->watermark = ev->seen[0] - 1; /* the hole is given up */
		ev->hole_since_s = 0;
	}
}

static void feed(struct events *ev, const struct event *e)
{
	for (size_t i = 0; i < ev->nsubs; i++)
		if (strcmp(ev->subs[i].topic, "*") == 0 || strcmp(ev->subs[i].topic, e->topic) == 0)
			ev->subs[i].fn(e, ev->subs[i].ctx);
}

#define EVENT_COLUMNS "id, topic, object_id, region_code, station_id, account_id, data, created_s"

static struct event event_of_row(const struct db_rows *rows, size_t i)
{
	return (struct event){
		.id = db_rows_int(rows, i, 0),
		.topic = db_rows_text(rows, i, 1),
		.object_id = db_rows_text(rows, i, 2),
		.to = { .region_code = db_rows_text(rows, i, 3),
			.station_id = db_rows_int(rows, i, 4),
			.account_id = db_rows_int(rows, i, 5),
			.data = db_rows_text(rows, i, 6) },
		.created_s = db_rows_int(rows, i, 7),
	};
}

/* Outbox consumers' places */

/* before, the cursor table's name (one of the program's own), after. */
static const char *cursor_sql(const char *before, const char *table, const char *after)
{
	struct sb sql = SB_INIT;
	sb_adds(&sql, before);
	sb_adds(&sql, table);
	sb_adds(&sql, after);
	const char *out = db_sql_intern(sb_str(&sql));
	sb_release(&sql);
	return out;
}

enum rc events_cursor_news(struct db *db, const char *table, bool *news, struct problem *prob)
{
	struct db_rows *rows = NULL;
	*news = false;
	enum rc rc = db_exec(db,
			     cursor_sql("SELECT 1 FROM outbox WHERE id > (SELECT scanned_id FROM ",
					table, " WHERE id = 1) LIMIT 1"),
			     NULL, 0, &rows, prob);
	if (rc == RC_OK)
		*news = db_rows_count(rows) > 0;
	db_rows_free(rows);
	return rc;
}

enum rc events_cursor_lock(struct db_tx *tx, const char *table, struct events_cursor *c,
			   bool *found, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct db_rows *rows = NULL;
	*found = false;
	enum rc rc = db_exec(db,
			     cursor_sql("SELECT scanned_id, hole_since_s FROM ", table,
					db_kind(db) == DB_KIND_POSTGRES ? " WHERE id = 1 FOR UPDATE"
									: " WHERE id = 1"),
			     NULL, 0, &rows, prob);
	if (rc == RC_OK && db_rows_count(rows) == 1) {
		*found = true;
		c->pos = db_rows_int(rows, 0, 0);
		c->hole_since_s = db_rows_int(rows, 0, 1);
	}
	db_rows_free(rows);
	return rc;
}

enum rc events_cursor_move(struct db_tx *tx, const char *table, const struct events_cursor *was,
			   const int64_t *ids, size_t n, int64_t now_s, int64_t hole_wait_s,
			   int64_t *pos, struct problem *prob)
{
	int64_t hole = was->hole_since_s;
	*pos = was->pos;
	events_cursor_advance(ids, n, now_s, hole_wait_s, pos, &hole);
	if (*pos == was->pos && hole == was->hole_since_s)
		return RC_OK;
	return db_q(db_tx_db(tx),
		    cursor_sql("UPDATE ", table,
			       " SET scanned_id = $1, hole_since_s = $2 WHERE id = 1"),
		    NULL, prob, DB_I(*pos), DB_I(hole));
}

enum rc events_catch_up(struct events *ev, struct problem *prob)
{
	enum rc rc = RC_OK;
	pthread_mutex_lock(&ev->mu);
	for (;;) {
		struct db_rows *rows = NULL;
		rc = db_q(ev->db,
			  "SELECT " EVENT_COLUMNS " FROM outbox WHERE id > $1 ORDER BY id LIMIT $2",
			  &rows, prob, DB_I(ev->watermark), DB_I(EVENTS_BATCH));
		if (rc != RC_OK)
			break;
		size_t n = db_rows_count(rows), fed = 0;
		for (size_t i = 0; i < n; i++) {
			int64_t id = db_rows_int(rows, i, 0);
			if (was_seen(ev, id))
				continue;
			struct event e = event_of_row(rows, i);
			feed(ev, &e);
			add_seen(ev, id);
			fed++;
		}
		db_rows_free(rows);
		advance(ev, clock_now_s());
		if (n < EVENTS_BATCH || !fed)
			break;
	}
	pthread_mutex_unlock(&ev->mu);
	return rc;
}

void events_after_commit(void *arg)
{
	struct events *ev = arg;
	struct problem prob;
	problem_init(&prob);
	if (events_catch_up(ev, &prob) != RC_OK)
		log_error(NULL, "events", "reading the outbox failed: %s", prob.detail);
}

enum rc events_read_after(struct db *db, int64_t after, int64_t limit, event_fn fn, void *ctx,
			  int64_t *last, struct problem *prob)
{
	struct db_rows *rows = NULL;
	*last = after;
	enum rc rc = db_q(db,
			  "SELECT " EVENT_COLUMNS " FROM outbox WHERE id > $1 ORDER BY id LIMIT $2",
			  &rows, prob, DB_I(after), DB_I(limit));
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; i < db_rows_count(rows); i++) {
		struct event e = event_of_row(rows, i);
		fn(&e, ctx);
		*last = e.id;
	}
	db_rows_free(rows);
	return RC_OK;
}

bool events_streamable(const struct event *e)
{
	return e->to.account_id ||
	       (strncmp(e->topic, "request.", 8) == 0 && e->to.region_code && *e->to.region_code);
}

bool events_visible_to(const struct event *e, const struct principal *p)
{
	if (!p || p->kind == AUTH_NONE || !events_streamable(e))
		return false;
	if (e->to.account_id)
		return e->to.account_id == p->account_id;
	struct scope_target t = { .region = e->to.region_code, .station_id = e->to.station_id };
	return permission_allows(p, ACT_REQUEST_READ, &t);
}

void events_cursor_advance(const int64_t *ids, size_t n, int64_t now_s, int64_t hole_wait_s,
			   int64_t *pos, int64_t *hole_since_s)
{
	size_t i = 0;
	for (;;) {
		while (i < n && ids[i] == *pos + 1)
			*pos = ids[i++];
		if (i == n) {
			*hole_since_s = 0;
			return;
		}
		if (!*hole_since_s) {
			*hole_since_s = now_s;
			return;
		}
		if (now_s - *hole_since_s < hole_wait_s)
			return;
		*pos = ids[i] - 1; /* the gap is given up */
		*hole_since_s = 0;
	}
}

enum rc events_purge(struct db *db, int64_t now_s, struct problem *prob)
{
	/* The newest row stays, however old: SQLite gives a new row the
	 * largest id plus one, so an emptied table would hand out ids again
	 * that readers keeping a position (group bots) have passed. */
	/* In id order, which the primary key serves: everything before the
	 * first row young enough to keep (ids and times rise together but for
	 * commits a moment apart), or before the newest when none is. */
	return db_q(db,
		    "DELETE FROM outbox WHERE id < COALESCE((SELECT id FROM outbox"
		    " WHERE created_s >= $1 ORDER BY id LIMIT 1), (SELECT MAX(id) FROM outbox))",
		    NULL, prob, DB_I(now_s - EVENTS_KEEP_S));
}
