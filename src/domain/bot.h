/* Group bots (群机器人): a WeCom (企业微信) or DingTalk (钉钉) group's
 * webhook that a station or a region (a district, street or community)
 * configures, with the event topics that go there. A station manager keeps
 * the bots of the station, staff of a street those within the street
 * (ACT_BOT_MANAGE at the bot's place). The webhook URL is a secret: stored
 * as given, shown only masked (bot_url_mask), never logged or audited; a
 * write may replace it, nothing reads it back whole. What is sent, and
 * when, is domain/bot_delivery.h's. */
#ifndef YZ_DOMAIN_BOT_H
#define YZ_DOMAIN_BOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/field.h"

#define BOT_NAME_MAX	     40	  /* characters */
#define BOT_URL_MAX_BYTES    2048 /* the webhook URL */
#define BOT_SECRET_MAX_BYTES 128  /* DingTalk's 加签 secret ("SEC" and 64 hex digits) */
#define BOT_MASKED_CAP	     160  /* a masked URL and its NUL */
#define BOT_ERROR_MAX_BYTES  200  /* a failure as recorded */
#define BOT_SIGN_CAP	     96	  /* a DingTalk signature, URL-encoded, and its NUL */
#define BOT_TEST_TOPIC	     "bot.test"
#define BOT_GIVE_UP_S	     (24 * 3600) /* a delivery not sent by then is dead */

/* The topics a bot may take (a FIELD_SET's choices, NULL-terminated): the
 * requests' lifecycle, code "request.dispatched", zh the label a message
 * shows ("已派单"). New topics are appended: a bot's set is stored as bits
 * by position. */
extern const struct field_choice bot_topics[];
/* The Chinese label of topic ("已派单"; "测试消息" for BOT_TEST_TOPIC), or
 * NULL for a topic no bot takes. Static. */
const char *bot_topic_label(const char *topic);
/* The bit of topic in a bot's set, or 0 for a topic no bot takes. */
int64_t bot_topic_bit(const char *topic);

struct bot {
	int64_t id;
	char name[BOT_NAME_MAX * 4 + 1];
	char kind[12]; /* "wecom" or "dingtalk" */
	char url[BOT_URL_MAX_BYTES + 1];
	char url_masked[BOT_MASKED_CAP];
	char secret[BOT_SECRET_MAX_BYTES + 1];
	bool has_secret;
	int64_t station_id; /* 0: a region's bot */
	char station_name[241];
	char region_code[13]; /* "": a station's bot */
	char region_name[128];
	int64_t topics; /* bits of bot_topics */
	bool enabled;
	int64_t created_s, updated_s, last_ok_s;
	char last_error[BOT_ERROR_MAX_BYTES + 1];
	int failures;
	/* Where the bot lies, for permission: its region, or its station's
	 * region and hub. */
	char place_region[13];
	int64_t hub_id;
};

struct bot_input {
	bool has_name, has_kind, has_url, has_secret, has_station_id, has_region, has_topics,
		has_enabled;
	const char *name, *kind, *url, *secret, *region_code;
	int64_t station_id, topics;
	bool enabled;
};

extern const struct noun bot_noun;

/* Checks url as a webhook address, adding field errors under "url": an
 * absolute https URL with a host (http only to this machine: 127.0.0.1,
 * [::1], localhost), no user or password, no spaces or control characters,
 * at most BOT_URL_MAX_BYTES; not a masked address sent back. kind ("wecom",
 * "dingtalk") is not checked against the host: relays are allowed. */
void bot_url_check(const char *url, struct problem *prob);
/* The masked form of url into out: scheme, host and the start of the path,
 * then "****" and the last four characters of the key when it is long
 * enough to spare them ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****a1b2").
 * Never holds more of the key than those four characters. */
void bot_url_mask(const char *url, char out[BOT_MASKED_CAP]);

/* What the scanner needs of an enabled bot. */
struct bot_target {
	int64_t id;
	int64_t station_id; /* 0: a region's bot */
	char region_code[13];
	int64_t topics;
};
/* True if the event (topic, object_id, its audience's region_code and
 * station_id; NULL and 0 when absent) goes to bot b: a test event to the bot
 * it names; otherwise a topic in b's set, and the event's station being b's
 * station or the event's region lying within b's region. */
bool bot_matches(const struct bot_target *b, const char *topic, const char *object_id,
		 const char *region_code, int64_t station_id);

/* Seconds to wait before the next try after the attempts-th failure (1 →
 * 10 s, 2 → 30 s, then 2 min, 10 min, 1 h, 3 h, 6 h, and 12 h from then on). */
int64_t bot_backoff_s(int attempts);

/* DingTalk's 加签: base64 of HMAC-SHA256 over "timestamp_ms\nsecret" keyed
 * with secret, URL-encoded, into out (the sign= query parameter). */
void bot_dingtalk_sign(const char *secret, int64_t timestamp_ms, char out[BOT_SIGN_CAP]);

/* Creates a bot from in (name, kind, url, topics and a station_id or a
 * region_code required): the fields checked, the place existing and within
 * the actor's ACT_BOT_MANAGE, the row, its audit row ("bot.create", the
 * names of the fields given, never their values). */
enum rc bot_create(struct db_tx *tx, const struct actor *actor, const struct bot_input *in,
		   int64_t *id, struct problem *prob);
/* Changes the fields given in in, checked the same way; the actor needs
 * ACT_BOT_MANAGE at the bot's place and, when it moves, at the new one.
 * Giving a station clears the region and the other way round. A new url
 * (or re-enabling) makes the bot's waiting deliveries due at once.
 * RC_NOT_FOUND, RC_FORBIDDEN, RC_INVALID. */
enum rc bot_update(struct db_tx *tx, const struct actor *actor, int64_t id,
		   const struct bot_input *in, struct problem *prob);
/* Deletes the bot and its deliveries ("bot.delete"). */
enum rc bot_delete(struct db_tx *tx, const struct actor *actor, int64_t id, struct problem *prob);
/* Queues a test message (BOT_TEST_TOPIC) through the same outbox, scanner
 * and sender as every event ("bot.test" audited). RC_CONFLICT when the bot
 * is disabled. */
enum rc bot_test(struct db_tx *tx, const struct actor *actor, int64_t id, struct problem *prob);

/* Reads one bot, unchecked. RC_NOT_FOUND. */
enum rc bot_get(struct db *db, int64_t id, struct bot *out, struct problem *prob);
/* Reads one bot for viewer: ACT_BOT_MANAGE at its place, or RC_FORBIDDEN. */
enum rc bot_read(struct db *db, const struct principal *viewer, int64_t id, struct bot *out,
		 struct problem *prob);

struct bot_filter {
	int64_t station_id; /* 0: any */
	const char *region; /* a code prefix the bot's place lies within; NULL or "": any */
	int64_t after_id;
	size_t limit; /* 1..200 */
};
struct bot_page {
	size_t n;
	struct bot *items;     /* by id */
	int64_t next_after_id; /* 0: no more */
};
/* The bots matching f that viewer may manage, by id. RC_FORBIDDEN for a
 * region or station outside viewer's reach. */
enum rc bot_list(struct db *db, const struct principal *viewer, const struct bot_filter *f,
		 struct bot_page *page, struct problem *prob);
void bot_page_release(struct bot_page *page);

struct bot_delivery_row {
	int64_t id, outbox_id;
	char topic[64];
	char state[8]; /* pending, sent, dead */
	int attempts;
	int64_t next_s; /* pending: when it is tried next */
	char last_error[BOT_ERROR_MAX_BYTES + 1];
	int64_t created_s, sent_s;
};
/* The bot's latest deliveries, newest first, at most limit; *rows is *new*
 * (free()). Unchecked: read the bot first. */
enum rc bot_deliveries(struct db *db, int64_t bot_id, size_t limit, struct bot_delivery_row **rows,
		       size_t *n, struct problem *prob);

#endif
