/* Notifications between servers on one PostgreSQL database. A payload goes
 * out as "INSTANCE PAYLOAD", INSTANCE being the sending handle's random id,
 * so a listener can drop what its own process sent (that process already
 * acted on its write). The listener is a thread with a libpq connection of
 * its own: it waits in poll() on the connection's socket and on a pipe that
 * db_listener_stop writes to, and reconnects with a growing pause (0.2 s up
 * to 5 s) when the database goes away; after every (re)connection it calls
 * back with NULL, since notifications sent meanwhile are lost.
 *
 * A notification made inside a transaction is sent after it commits, by a
 * thread of its own, once for all the commits since it last sent: PostgreSQL
 * holds a database-wide lock from a notifying transaction's commit until it
 * ends, so a NOTIFY inside every write would make the writes take turns at
 * their WAL flush instead of sharing it. Listeners read what happened from
 * the outbox, not from the payload, so one notice stands for many: after a
 * notice goes out the thread waits NOTIFY_GAP_MS before the next, and the
 * commits of a burst share it (each notice is a round trip on a connection
 * of its own and a wakeup for every listening server). A commit after a
 * quiet spell is told at once. */
#include "db/db_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/text.h"
#include "core/xalloc.h"

#define CHANNEL_MAX 63
#define PAYLOAD_MAX 7000 /* PostgreSQL allows just under 8000 bytes */

struct db_listener {
	struct db *db;
	char channel[CHANNEL_MAX + 1];
	db_notify_fn fn;
	void *ctx;
	int stop_pipe[2];
	pthread_t thread;
};

static bool channel_ok(const char *channel)
{
	size_t n = channel ? strlen(channel) : 0;
	if (n == 0 || n > CHANNEL_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = channel[i];
		if (!((c >= 'a' && c <= 'z') || c == '_' || (i && c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

enum rc db_notify(struct db *db, const char *channel, const char *payload, struct problem *prob)
{
	if (db->kind != DB_KIND_POSTGRES)
		return RC_OK;
	if (!channel_ok(channel) || !payload || strlen(payload) > PAYLOAD_MAX)
		return problem_set(prob, RC_INTERNAL, "internal", "bad notification %s", channel);
	if (db_in_tx(db)) {
		struct db_conn_slot *slot = pthread_getspecific(db->key);
		text_copy(slot->notify, sizeof(slot->notify), channel);
		return RC_OK;
	}
	char *msg = xmalloc(strlen(db->instance) + 1 + strlen(payload) + 1);
	memcpy(msg, db->instance, strlen(db->instance));
	msg[strlen(db->instance)] = ' ';
	memcpy(msg + strlen(db->instance) + 1, payload, strlen(payload) + 1);
	enum rc rc = db_q(db, "SELECT pg_notify($1, $2)", NULL, prob, DB_T(channel), DB_T(msg));
	free(msg);
	return rc;
}

#define NOTIFY_CHANNELS 4
#define NOTIFY_GAP_MS	10

struct db_notifier {
	struct db *db;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC */
	pthread_t thread;
	bool stop;
	bool idle; /* waiting for a commit: only then does one wake it */
	size_t npending;
	char pending[NOTIFY_CHANNELS][CHANNEL_MAX + 1];
};

static void *notifier_main(void *arg)
{
	struct db_notifier *n = arg;
	struct db *db = n->db;
	db_fault_exempt = true;
	pthread_mutex_lock(&n->mu);
	for (;;) {
		n->idle = true;
		while (!n->npending && !n->stop)
			pthread_cond_wait(&n->cv, &n->mu);
		n->idle = false;
		if (!n->npending)
			break;
		char channels[NOTIFY_CHANNELS][CHANNEL_MAX + 1];
		size_t count = n->npending;
		memcpy(channels, n->pending, sizeof(channels));
		n->npending = 0;
		pthread_mutex_unlock(&n->mu);
		for (size_t i = 0; i < count; i++) {
			struct problem prob = { 0 };
			if (db_notify(db, channels[i], "committed", &prob) != RC_OK)
				log_warn(NULL, "notify", "telling the other servers failed: %s",
					 prob.detail);
		}
		struct timespec at;
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_nsec += NOTIFY_GAP_MS * 1000000L;
		if (at.tv_nsec >= 1000000000L) {
			at.tv_sec++;
			at.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&n->mu);
		while (!n->stop && pthread_cond_timedwait(&n->cv, &n->mu, &at) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

void db_notify_committed(struct db *db, const char *channel)
{
	pthread_mutex_lock(&db->mu);
	if (!db->notifier) {
		struct db_notifier *n = xcalloc(1, sizeof(*n));
		n->db = db;
		pthread_mutex_init(&n->mu, NULL);
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&n->cv, &ca);
		pthread_condattr_destroy(&ca);
		db->notifier = n;
		if (pthread_create(&n->thread, NULL, notifier_main, n)) {
			log_error(NULL, "notify", "cannot start the notifier thread");
			abort();
		}
	}
	struct db_notifier *n = db->notifier;
	pthread_mutex_unlock(&db->mu);
	pthread_mutex_lock(&n->mu);
	bool known = false;
	for (size_t i = 0; i < n->npending && !known; i++)
		known = !strcmp(n->pending[i], channel);
	if (!known && n->npending < NOTIFY_CHANNELS)
		text_copy(n->pending[n->npending++], CHANNEL_MAX + 1, channel);
	if (n->idle)
		pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
}

void db_notifier_stop(struct db *db)
{
	pthread_mutex_lock(&db->mu);
	struct db_notifier *n = db->notifier;
	db->notifier = NULL;
	pthread_mutex_unlock(&db->mu);
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	n->stop = true;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
	pthread_join(n->thread, NULL);
	pthread_mutex_destroy(&n->mu);
	pthread_cond_destroy(&n->cv);
	free(n);
}

/* Waits up to ms for the stop pipe; true if stopping. */
static bool wait_stop(struct db_listener *l, int ms)
{
	struct pollfd p = { .fd = l->stop_pipe[0], .events = POLLIN };
	return poll(&p, 1, ms) > 0;
}

static PGconn *connect_listening(struct db_listener *l)
{
	const char *const keys[] = { "connect_timeout", "dbname", NULL };
	const char *const vals[] = { "5", l->db->target, NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return NULL;
	}
	char sql[32 + CHANNEL_MAX];
	snprintf(sql, sizeof(sql), "LISTEN %s", l->channel); /* channel_ok: a plain name */
	PGresult *res = PQexec(c, sql);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok || PQsetnonblocking(c, 1) != 0) {
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Hands the queued notifications to the callback; a burst bigger than
 * BURST_MAX (a bulk import) becomes one "re-read everything". */
#define BURST_MAX 64
static void deliver(struct db_listener *l, PGconn *c)
{
	size_t self = strlen(l->db->instance);
	PGnotify *batch[BURST_MAX];
	size_t n = 0;
	bool overflow = false;
	PGnotify *note;
	while ((note = PQnotifies(c))) {
		const char *p = note->extra ? note->extra : "";
		if (strncmp(p, l->db->instance, self) == 0 && p[self] == ' ') {
			PQfreemem(note); /* this process's own write */
			continue;
		}
		if (n < BURST_MAX)
			batch[n++] = note;
		else {
			overflow = true;
			PQfreemem(note);
		}
	}
	if (overflow)
		l->fn(NULL, l->ctx);
	for (size_t i = 0; i < n; i++) {
		if (!overflow) {
			const char *p = batch[i]->extra ? batch[i]->extra : "";
			const char *space = strchr(p, ' ');
			l->fn(space ? space + 1 : p, l->ctx);
		}
		PQfreemem(batch[i]);
	}
}

static void *listen_main(void *arg)
{
	struct db_listener *l = arg;
	int pause_ms = 200;
	bool warned = false;
	for (;;) {
		PGconn *c = connect_listening(l);
		if (!c) {
			if (!warned)
				log_warn(NULL, "listen", "cannot listen on %s at %s; retrying",
					 l->channel, l->db->url_safe);
			warned = true;
			if (wait_stop(l, pause_ms))
				return NULL;
			pause_ms = pause_ms * 2 > 5000 ? 5000 : pause_ms * 2;
			continue;
		}
		if (warned)
			log_info(NULL, "listen", "listening on %s again", l->channel);
		warned = false;
		pause_ms = 200;
		l->fn(NULL, l->ctx); /* whatever happened while not listening */
		for (;;) {
			struct pollfd p[2] = { { .fd = PQsocket(c), .events = POLLIN },
					       { .fd = l->stop_pipe[0], .events = POLLIN } };
			int r = poll(p, 2, -1);
			if (r < 0 && errno == EINTR)
				continue;
			if (p[1].revents) {
				PQfinish(c);
				return NULL;
			}
			if (r < 0 || !PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK)
				break;
			deliver(l, c);
		}
		log_warn(NULL, "listen", "lost the connection listening on %s: %s", l->channel,
			 PQerrorMessage(c));
		PQfinish(c);
		warned = true;
	}
}

enum rc db_listen(struct db *db, const char *channel, db_notify_fn fn, void *ctx,
		  struct db_listener **out, struct problem *prob)
{
	*out = NULL;
	if (db->kind != DB_KIND_POSTGRES)
		return RC_OK;
	if (!channel_ok(channel))
		return problem_set(prob, RC_INVALID, "config", "bad channel name %s", channel);
	struct db_listener *l = xcalloc(1, sizeof(*l));
	l->db = db;
	text_copy(l->channel, sizeof(l->channel), channel);
	l->fn = fn;
	l->ctx = ctx;
	if (pipe2(l->stop_pipe, O_CLOEXEC) != 0) {
		free(l);
		return problem_set(prob, RC_INTERNAL, "internal", "pipe: %s", strerror(errno));
	}
	if (pthread_create(&l->thread, NULL, listen_main, l) != 0) {
		close(l->stop_pipe[0]);
		close(l->stop_pipe[1]);
		free(l);
		return problem_set(prob, RC_INTERNAL, "internal", "cannot start the listener");
	}
	*out = l;
	return RC_OK;
}

void db_listener_stop(struct db_listener *l)
{
	if (!l)
		return;
	ssize_t w;
	do
		w = write(l->stop_pipe[1], "x", 1);
	while (w < 0 && errno == EINTR);
	pthread_join(l->thread, NULL);
	close(l->stop_pipe[0]);
	close(l->stop_pipe[1]);
	free(l);
}
