/* Delivering events to group bots, at least once, from the outbox.
 *
 * The scanner reads the outbox from bot_cursor's position and, for each
 * event an enabled bot takes (bot_matches), adds a pending row to
 * bot_deliveries in the same transaction that moves the cursor. The sender
 * claims due deliveries (one per bot at a time, so a group reads them in
 * order), POSTs them to the bots' webhooks on its own thread, and marks one
 * sent only after the platform accepted it (HTTP 200 with errcode 0);
 * otherwise it is tried again after bot_backoff_s, and given up ("dead")
 * when not sent within a day. A failing bot is held back as a whole, so a
 * dead one costs one timeout per retry, and no request ever waits for a
 * bot: requests only write the outbox.
 *
 * Several servers may share a PostgreSQL database: the cursor row is locked
 * while one scans, deliveries are claimed with SKIP LOCKED and a lease (a
 * claimed delivery is due again a minute later, so one whose sender died is
 * sent by another), and UNIQUE (bot_id, outbox_id) makes a repeated scan
 * harmless. The outbox commits out of order (events.c): an id missing below
 * newer ones is waited for, the cursor staying below it, for
 * BOT_SCAN_HOLE_S, and the events above it are matched meanwhile. */
#ifndef YZ_DOMAIN_BOT_DELIVERY_H
#define YZ_DOMAIN_BOT_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "core/sb.h"
#include "core/webhook.h"
#include "db/db.h"
#include "domain/bot.h"

#define BOT_SCAN_HOLE_S	       30 /* how long a missing outbox id is waited for */
#define BOT_LEASE_S	       60 /* a claimed delivery is due again after this */
#define BOT_BATCH_MAX	       16 /* posts at once */
#define BOT_CONNECT_TIMEOUT_MS 3000
#define BOT_TIMEOUT_MS	       10000
#define BOT_KEEP_S	       (7 * 86400) /* sent and dead deliveries are kept this long */

struct bot_sender_config {
	const char *public_url; /* the base of links in messages ("https://yizhan.example") */
	int64_t poll_ms;	/* how often to look for other servers' events and due retries */
};

struct bot_sender;
/* Starts the delivery thread, which looks at once (resuming what a
 * previous run left pending) and then every poll_ms or when woken. A *new*
 * sender; db and cfg->public_url are borrowed for its life. */
struct bot_sender *bot_sender_start(struct db *db, const struct bot_sender_config *cfg);
/* Wakes the thread to look now (new events were committed). Cheap and
 * thread-safe: for an events subscriber. */
void bot_sender_wake(struct bot_sender *s);
/* Cuts posts in flight short (their deliveries stay due), stops and joins
 * the thread, frees s. NULL is fine. */
void bot_sender_stop(struct bot_sender *s);

/* The steps of one look, for tests. */

/* Matches the outbox events after the cursor (a batch of them) against the
 * enabled bots, adds their deliveries and moves the cursor. *queued gets
 * the deliveries added, *more whether another batch waits. */
enum rc bot_scan(struct db *db, int64_t now_s, size_t *queued, bool *more, struct problem *prob);
/* Claims up to BOT_BATCH_MAX due deliveries, posts them through c and
 * records each result. *claimed gets how many were claimed (0: none due). */
enum rc bot_send_due(struct db *db, struct webhook_client *c, const char *public_url, int64_t now_s,
		     size_t *claimed, struct problem *prob);
/* Gives up deliveries pending for more than BOT_GIVE_UP_S and deletes
 * finished ones older than BOT_KEEP_S. */
enum rc bot_sweep(struct db *db, int64_t now_s, struct problem *prob);

/* The JSON body of the message for an event of topic with its data (a JSON
 * object: number, kind_label, title, state_label, station, region, url,
 * actor, note; any may be missing; NULL or malformed counts as {}), for a
 * bot of kind ("wecom" or "dingtalk") named bot_name, links starting with
 * public_url. Appended to out. */
void bot_message(const char *kind, const char *topic, const char *data, const char *bot_name,
		 const char *public_url, struct sb *out);
/* Whether a platform accepted a post: no transport error, HTTP 200 and a
 * JSON answer with errcode 0. If not, why, into err. */
bool bot_accepted(long status, const char *reply, const char *error,
		  char err[BOT_ERROR_MAX_BYTES + 1]);

#endif
