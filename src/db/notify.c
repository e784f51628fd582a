/* Notifications between servers on one PostgreSQL database. A payload goes
 * out as "INSTANCE PAYLOAD", INSTANCE being the sending handle's random id,
 * so a listener can drop what its own process sent (that process already
 * acted on its write). The listener is a thread with a libpq connection of
 * its own: it waits in poll() on the connection's socket and on a pipe that
 * db_listener_stop writes to, and reconnects with a growing pause (0.2 s up
 * to 5 s) when the database goes away; after every (re)connection it calls
 * back with NULL, since notifications sent meanwhile are lost. */
#include "db/db_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	char *msg = xmalloc(strlen(db->instance) + 1 + strlen(payload) + 1);
	memcpy(msg, db->instance, strlen(db->instance));
	msg[strlen(db->instance)] = ' ';
	memcpy(msg + strlen(db->instance) + 1, payload, strlen(payload) + 1);
	enum rc rc = db_q(db, "SELECT pg_notify($1, $2)", NULL, prob, DB_T(channel), DB_T(msg));
	free(msg);
	return rc;
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
