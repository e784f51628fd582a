/* GET /api/v1/stream and the hub behind it (api/stream.h).
 *
 * An event is rendered once, when the hub hears it, into the bytes every
 * stream sends ("id: …", "event: …", "data: {…}"), and kept in a ring of the
 * last RING_SIZE events; each stream keeps its own place in the ring. The
 * hub wakes only the streams whose caller may see the event (one account
 * for an inbox entry, the staff of its place for a request), and each
 * stream, filling, copies the entries it may see from its place on. Nobody
 * waits on a stream: the hub's lock is held to copy bytes, and wakes are
 * sent after letting go of it.
 *
 * Ids only grow on a stream, so that Last-Event-ID means "everything up to
 * here". On PostgreSQL transactions may commit out of id order, and an
 * event can arrive after a larger id was sent: such an event is sent live
 * without an id line (it is not lost, and the resume position stays). A
 * stream that starts with Last-Event-ID, or whose place has been
 * overwritten in the ring (a slow reader), first reads the outbox after its
 * last id, in batches, then carries on from the ring where that reading
 * ended. What it read may still reach the ring after that (events other
 * processes wrote arrive with the next poll): the ids it sent while reading
 * are kept, the last REPLAYED_KEEP of them, so that they are not taken for
 * late ones and sent twice.
 *
 * Streams end after STREAM_LIFETIME_S (give or take a tenth, so that many
 * opened at once do not all come back at once): the browser reconnects
 * with its Last-Event-ID and is authenticated again, so a signed-out or
 * disabled account stops hearing events within that time. */
#include "api/stream.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/reply.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/ticker.h"
#include "core/xalloc.h"

#define RING_SIZE	  1024 /* a power of two */
#define REPLAY_BATCH	  200
#define STREAM_LIFETIME_S 600
#define OUT_KEEP_BYTES	  (16 * 1024) /* a stream's buffer kept between bursts */
#define REPLAYED_KEEP	  512

/* One event as streams send it. */
struct entry {
	int64_t id;
	int64_t account_id, station_id;
	char topic[64];
	char region[SCOPE_MAX];
	char *text; /* "id: …\nevent: …\ndata: …\n\n", *new* */
	size_t len;
	size_t body_at; /* where the text goes on without its id line */
};

struct client;

struct stream_hub {
	struct db *db;
	int64_t keepalive_ms;
	struct ticker *ticker;
	pthread_mutex_t mu; /* guards what follows */
	uint64_t next_seq;  /* the ring holds [next_seq - RING_SIZE, next_seq) */
	struct entry ring[RING_SIZE];
	struct client *clients;
	size_t nclients;
};

struct client {
	struct stream_hub *hub;
	struct http_stream *st; /* held */
	struct principal who;
	struct client *prev, *next; /* the hub's list, under its lock */
	/* Read by the keep-alive thread, written by fill. */
	_Atomic int64_t quiet_since_ms;
	int64_t ends_ms;
	/* fill's own (one fill at a time): */
	bool replaying;
	int64_t cursor;	    /* replay: the outbox after this id */
	int64_t nread;	    /* replay: rows the last batch read */
	int64_t last_id;    /* the last id sent on an id line */
	uint64_t seq;	    /* the next ring entry to look at */
	uint64_t late_from; /* entries from here on not above last_id came late */
	int64_t *replayed;  /* ids sent while reading the outbox, ascending */
	size_t nreplayed;
	bool failed;
	struct sb out; /* bytes to send, from out_at */
	size_t out_at;
};

static int64_t mono_ms(void)
{
	return clock_mono_us() / 1000;
}

/* The bytes of e on a stream, into sb; *body_at: where they go on without
 * the id line. False for an event a stream cannot carry (a topic or id
 * that would break the lines). */
static bool render(struct sb *sb, const struct event *e, size_t *body_at)
{
	if (strpbrk(e->topic, "\r\n") || !e->object_id)
		return false;
	sb_addlit(sb, "id: ");
	sb_add_int(sb, e->id);
	sb_addc(sb, '\n');
	*body_at = sb->len;
	sb_addlit(sb, "event: ");
	sb_adds(sb, e->topic);
	sb_addlit(sb, "\ndata: {\"topic\":\"");
	sb_add_json_escaped(sb, e->topic, strlen(e->topic));
	sb_addlit(sb, "\",\"object_id\":\"");
	sb_add_json_escaped(sb, e->object_id, strlen(e->object_id));
	sb_addlit(sb, "\",\"region_code\":");
	if (e->to.region_code) {
		sb_addc(sb, '"');
		sb_add_json_escaped(sb, e->to.region_code, strlen(e->to.region_code));
		sb_addc(sb, '"');
	} else {
		sb_addlit(sb, "null");
	}
	sb_addlit(sb, ",\"station_id\":");
	if (e->to.station_id)
		sb_add_int(sb, e->to.station_id);
	else
		sb_addlit(sb, "null");
	/* The domain's small object, checked and put on one line. */
	json_t *data = e->to.data ? json_loads(e->to.data, JSON_REJECT_DUPLICATES, NULL) : NULL;
	char *text = data ? json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	sb_addlit(sb, ",\"data\":");
	sb_adds(sb, text ? text : "null");
	sb_addlit(sb, "}\n\n");
	free(text);
	json_decref(data);
	return !sb->err;
}

static struct event entry_event(const struct entry *en)
{
	return (struct event){ .id = en->id,
			       .topic = en->topic,
			       .object_id = "",
			       .to = { .region_code = en->region[0] ? en->region : NULL,
				       .station_id = en->station_id,
				       .account_id = en->account_id } };
}

/* Holds the streams of the clients for which keep(c, arg), under the
 * lock; *n gets how many. *new* array (NULL when none). */
static struct http_stream **hold_clients(struct stream_hub *hub,
					 bool (*keep)(const struct client *c, const void *arg),
					 const void *arg, size_t *n)
{
	struct http_stream **all = hub->nclients ? xcalloc(hub->nclients, sizeof(*all)) : NULL;
	*n = 0;
	for (struct client *c = hub->clients; c; c = c->next) {
		if (!keep(c, arg))
			continue;
		http_stream_hold(c->st);
		all[(*n)++] = c->st;
	}
	return all;
}

static void wake_all(struct http_stream **all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		http_stream_wake(all[i]);
		http_stream_release(all[i]);
	}
	free(all);
}

static bool may_see(const struct client *c, const void *arg)
{
	return events_visible_to(arg, &c->who);
}

void stream_hub_event(const struct event *e, void *arg)
{
	struct stream_hub *hub = arg;
	if (!events_streamable(e))
		return;
	struct sb sb = SB_INIT;
	size_t body_at = 0;
	if (!render(&sb, e, &body_at)) {
		sb_release(&sb);
		return;
	}
	pthread_mutex_lock(&hub->mu);
	struct entry *en = &hub->ring[hub->next_seq % RING_SIZE];
	free(en->text);
	en->id = e->id;
	en->account_id = e->to.account_id;
	en->station_id = e->to.station_id;
	text_copy(en->topic, sizeof(en->topic), e->topic);
	text_copy(en->region, sizeof(en->region), e->to.region_code);
	en->text = sb_detach(&sb, &en->len);
	en->body_at = body_at;
	hub->next_seq++;
	size_t n = 0;
	struct http_stream **woken = hold_clients(hub, may_see, e, &n);
	pthread_mutex_unlock(&hub->mu);
	wake_all(woken, n);
}

static bool quiet_or_over(const struct client *c, const void *arg)
{
	const int64_t *limits = arg; /* now, keepalive */
	return limits[0] - atomic_load(&c->quiet_since_ms) >= limits[1] || limits[0] >= c->ends_ms;
}

/* The keep-alive thread: wakes the streams that said nothing for a while
 * (they send a comment line) or whose time is up (they end). */
static void keepalive(void *arg)
{
	struct stream_hub *hub = arg;
	int64_t limits[2] = { mono_ms(), hub->keepalive_ms };
	pthread_mutex_lock(&hub->mu);
	size_t n = 0;
	struct http_stream **woken = hold_clients(hub, quiet_or_over, limits, &n);
	pthread_mutex_unlock(&hub->mu);
	wake_all(woken, n);
}

struct stream_hub *stream_hub_new(struct db *db, int64_t keepalive_ms)
{
	struct stream_hub *hub = xcalloc(1, sizeof(*hub));
	hub->db = db;
	hub->keepalive_ms = keepalive_ms > 0 ? keepalive_ms : STREAM_KEEPALIVE_MS_DEFAULT;
	pthread_mutex_init(&hub->mu, NULL);
	/* Looks four times a keep-alive interval, at most every second. */
	int64_t tick_ms = hub->keepalive_ms / 4;
	hub->ticker = ticker_start(tick_ms < 10	    ? 10
				   : tick_ms > 1000 ? 1000
						    : tick_ms,
				   keepalive, hub);
	return hub;
}

void stream_hub_free(struct stream_hub *hub)
{
	if (!hub)
		return;
	ticker_stop(hub->ticker);
	for (size_t i = 0; i < RING_SIZE; i++)
		free(hub->ring[i].text);
	pthread_mutex_destroy(&hub->mu);
	free(hub);
}

static bool was_replayed(const struct client *c, int64_t id)
{
	size_t lo = 0, hi = c->nreplayed;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->replayed[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nreplayed && c->replayed[lo] == id;
}

/* Adds the bytes of event id (which c may see) to what c sends: with its id
 * line when the id is above the last sent; when not, and it came late
 * (live, not sent while reading the outbox), without it. */
static void add_event(struct client *c, const char *text, size_t len, size_t body_at, int64_t id,
		      bool late)
{
	if (id > c->last_id) {
		sb_add(&c->out, text, len);
		c->last_id = id;
	} else if (late && !was_replayed(c, id)) {
		sb_add(&c->out, text + body_at, len - body_at);
	}
}

static void replayed(const struct event *e, void *arg)
{
	struct client *c = arg;
	c->nread++;
	if (!events_visible_to(e, &c->who))
		return;
	struct sb sb = SB_INIT;
	size_t body_at = 0;
	if (render(&sb, e, &body_at) && e->id > c->last_id) {
		add_event(c, sb.buf, sb.len, body_at, e->id, false);
		if (!c->replayed)
			c->replayed = xcalloc(REPLAYED_KEEP, sizeof(c->replayed[0]));
		if (c->nreplayed == REPLAYED_KEEP) {
			memmove(c->replayed, c->replayed + 1,
				(REPLAYED_KEEP - 1) * sizeof(c->replayed[0]));
			c->nreplayed--;
		}
		c->replayed[c->nreplayed++] = e->id;
	}
	sb_release(&sb);
}

/* One batch of the outbox after c's cursor; the last one (fewer than a
 * batch) hands c over to the ring where the reading began. */
static void replay(struct client *c)
{
	struct stream_hub *hub = c->hub;
	pthread_mutex_lock(&hub->mu);
	uint64_t mark = hub->next_seq;
	pthread_mutex_unlock(&hub->mu);
	struct problem prob;
	problem_init(&prob);
	c->nread = 0;
	if (events_read_after(hub->db, c->cursor, REPLAY_BATCH, replayed, c, &c->cursor, &prob) !=
	    RC_OK) {
		log_warn(NULL, "stream", "cannot read the outbox for a stream: %s", prob.detail);
		c->failed = true;
		return;
	}
	/* Everything fed to the ring before the last read began was committed
	 * before it, hence read: go on from there. */
	if (c->nread < REPLAY_BATCH) {
		c->replaying = false;
		c->seq = c->late_from = mark;
	}
}

/* The ring from c's place on, under the hub's lock. */
static void catch_up(struct client *c)
{
	struct stream_hub *hub = c->hub;
	pthread_mutex_lock(&hub->mu);
	uint64_t oldest = hub->next_seq > RING_SIZE ? hub->next_seq - RING_SIZE : 0;
	if (c->seq < oldest) {
		/* Overwritten before this stream read it: from the outbox. */
		c->replaying = true;
		c->cursor = c->last_id;
	} else {
		for (; c->seq < hub->next_seq; c->seq++) {
			const struct entry *en = &hub->ring[c->seq % RING_SIZE];
			struct event e = entry_event(en);
			if (events_visible_to(&e, &c->who))
				add_event(c, en->text, en->len, en->body_at, en->id,
					  c->seq >= c->late_from);
		}
	}
	pthread_mutex_unlock(&hub->mu);
}

static long fill(void *arg, char *buf, size_t cap)
{
	struct client *c = arg;
	for (;;) {
		size_t have = c->out.len - c->out_at;
		if (have) {
			size_t n = have < cap ? have : cap;
			memcpy(buf, c->out.buf + c->out_at, n);
			c->out_at += n;
			if (c->out_at == c->out.len) {
				if (c->out.cap > OUT_KEEP_BYTES)
					sb_release(&c->out);
				sb_reset(&c->out);
				c->out_at = 0;
			}
			atomic_store(&c->quiet_since_ms, mono_ms());
			return (long)n;
		}
		int64_t now = mono_ms();
		if (c->failed || now >= c->ends_ms)
			return HTTP_STREAM_END;
		if (c->replaying) {
			replay(c);
			continue;
		}
		catch_up(c);
		if (c->replaying || c->out.len)
			continue;
		if (now - atomic_load(&c->quiet_since_ms) < c->hub->keepalive_ms)
			return 0;
		sb_addlit(&c->out, ": keepalive\n\n");
	}
}

static void done(void *arg)
{
	struct client *c = arg;
	struct stream_hub *hub = c->hub;
	pthread_mutex_lock(&hub->mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		hub->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	hub->nclients--;
	pthread_mutex_unlock(&hub->mu);
	http_stream_release(c->st);
	sb_release(&c->out);
	free(c->replayed);
	free(c);
}

/* The position to resume after: the Last-Event-ID header a browser sends
 * when it reconnects, else ?last_event_id= (for clients that cannot set a
 * header), else -1: start at the end. */
static bool resume_from(struct http_req *req, int64_t *after, struct problem *prob)
{
	const char *h = http_req_header(req, "Last-Event-ID");
	*after = -1;
	if (h) {
		size_t len = strlen(h);
		char *end = NULL;
		long long v = len && len <= 18 && strspn(h, "0123456789") == len
				      ? strtoll(h, &end, 10)
				      : -1;
		if (v < 0) {
			problem_field(prob, "Last-Event-ID", "应为上次收到的事件编号（整数）");
			return false;
		}
		*after = v;
		return true;
	}
	if (http_req_query(req, "last_event_id"))
		return query_int(req, "last_event_id", 0, INT64_MAX, 0, after, prob);
	return true;
}

void h_stream(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t after;
	if (!resume_from(req, &after, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	struct client *c = xcalloc(1, sizeof(*c));
	c->hub = app->streams;
	c->who = *req_principal(req);
	struct http_stream_source src = { fill, done, c };
	c->st = http_resp_stream(req, resp, &src);
	if (!c->st) {
		free(c);
		problem_set(&prob, RC_BUSY, "busy", "实时推送的连接已满，请稍后再试");
		prob.retry_after_s = 10;
		reply_problem(req, resp, &prob);
		return;
	}
	resp->content_type = "text/event-stream; charset=utf-8";
	/* A proxy (nginx) must pass each event on, not gather them. */
	http_resp_header(resp, "X-Accel-Buffering", "no");
	int64_t now = mono_ms(), life_ms = STREAM_LIFETIME_S * 1000;
	c->ends_ms = now + life_ms * 9 / 10 + (int64_t)((uint64_t)clock_mono_us() % (life_ms / 5));
	atomic_init(&c->quiet_since_ms, now);
	sb_addlit(&c->out, "retry: ");
	sb_add_int(&c->out, STREAM_RETRY_MS);
	sb_addlit(&c->out, "\n\n");
	if (after >= 0) {
		c->replaying = true;
		c->cursor = c->last_id = after;
	}
	struct stream_hub *hub = c->hub;
	pthread_mutex_lock(&hub->mu);
	c->seq = c->late_from = hub->next_seq;
	c->next = hub->clients;
	if (hub->clients)
		hub->clients->prev = c;
	hub->clients = c;
	hub->nclients++;
	pthread_mutex_unlock(&hub->mu);
}
