/* Group-bot deliveries: the scanner, the sender, the messages and the
 * thread that runs them. The platforms speak JSON, and an event's data is
 * JSON: this file reads both with jansson and writes the messages with the
 * string builder. */
#include "domain/bot_delivery.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/events.h"

#define SCAN_BATCH   500
#define CLAIM_WINDOW 64 /* due deliveries looked at to pick one per bot */

/* The scanner */

struct scanned {
	int64_t id, station_id;
	char *topic, *object_id, *region_code;
};

struct scan {
	int64_t now_s;
	struct scanned *ev;
	size_t nev;
	size_t queued;
	bool more;
};

static void scan_release(struct scan *s)
{
	for (size_t i = 0; i < s->nev; i++) {
		free(s->ev[i].topic);
		free(s->ev[i].object_id);
		free(s->ev[i].region_code);
	}
	free(s->ev);
	s->ev = NULL;
	s->nev = 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void collect(const struct event *e, void *arg)
{
	struct scan *s = arg;
	struct scanned *c = &s->ev[s->nev++];
	c->id = e->id;
	c->station_id = e->to.station_id;
	c->topic = dup_or_null(e->topic);
	c->object_id = dup_or_null(e->object_id);
	c->region_code = dup_or_null(e->to.region_code);
}

static enum rc scan_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct scan *s = arg;
	struct db *db = db_tx_db(tx);
	scan_release(s); /* a retried transaction starts over */
	s->queued = 0;
	s->more = false;
	struct db_rows *bots = NULL;
	struct events_cursor cur;
	bool found = false;
	enum rc rc = events_cursor_lock(tx, "bot_cursor", &cur, &found, prob);
	if (rc != RC_OK)
		return rc;
	if (!found)
		return problem_set(prob, RC_INTERNAL, "internal", "群机器人的事件位置丢失");
	int64_t pos = cur.pos;
	s->ev = xcalloc(SCAN_BATCH, sizeof(*s->ev));
	int64_t last = pos;
	rc = events_read_after(db, pos, SCAN_BATCH, collect, s, &last, prob);
	if (rc != RC_OK || !s->nev)
		return rc;
	rc = db_exec(db,
		     "SELECT id, COALESCE(station_id, 0), COALESCE(region_code, ''), topics"
		     " FROM bots WHERE enabled = 1",
		     NULL, 0, &bots, prob);
	if (rc != RC_OK)
		return rc;
	size_t nb = db_rows_count(bots);
	struct bot_target *t = xcalloc(nb ? nb : 1, sizeof(*t));
	for (size_t i = 0; i < nb; i++) {
		t[i].id = db_rows_int(bots, i, 0);
		t[i].station_id = db_rows_int(bots, i, 1);
		text_copy(t[i].region_code, sizeof(t[i].region_code), db_rows_text(bots, i, 2));
		t[i].topics = db_rows_int(bots, i, 3);
	}
	db_rows_free(bots);
	for (size_t e = 0; e < s->nev && rc == RC_OK; e++) {
		const struct scanned *ev = &s->ev[e];
		for (size_t b = 0; b < nb && rc == RC_OK; b++) {
			if (!bot_matches(&t[b], ev->topic, ev->object_id, ev->region_code,
					 ev->station_id))
				continue;
			struct db_rows *added = NULL;
			rc = db_q(
				db,
				"INSERT INTO bot_deliveries (bot_id, outbox_id, topic, state,"
				" attempts, next_s, created_s) VALUES ($1, $2, $3, 'pending', 0,"
				" $4, $4) ON CONFLICT (bot_id, outbox_id) DO NOTHING RETURNING id",
				&added, prob, DB_I(t[b].id), DB_I(ev->id), DB_T(ev->topic),
				DB_I(s->now_s));
			if (rc == RC_OK)
				s->queued += db_rows_count(added);
			db_rows_free(added);
		}
	}
	free(t);
	if (rc != RC_OK)
		return rc;
	int64_t new_pos = pos;
	int64_t *ids = xcalloc(s->nev, sizeof(*ids));
	for (size_t i = 0; i < s->nev; i++)
		ids[i] = s->ev[i].id;
	rc = events_cursor_move(tx, "bot_cursor", &cur, ids, s->nev, s->now_s, BOT_SCAN_HOLE_S,
				&new_pos, prob);
	free(ids);
	s->more = s->nev == SCAN_BATCH && new_pos > pos;
	return rc;
}

enum rc bot_scan(struct db *db, int64_t now_s, size_t *queued, bool *more, struct problem *prob)
{
	*queued = 0;
	*more = false;
	/* Most looks find nothing new: ask before taking the write lock. */
	bool news = false;
	enum rc rc = events_cursor_news(db, "bot_cursor", &news, prob);
	if (rc != RC_OK || !news)
		return rc;
	struct scan s = { .now_s = now_s };
	rc = db_tx(db, scan_tx, &s, prob);
	if (rc == RC_OK) {
		*queued = s.queued;
		*more = s.more;
	}
	scan_release(&s);
	return rc;
}

/* Messages */

/* The value of member key of o when it is a non-empty string, else NULL. */
static const char *member(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : NULL;
}

/* Appends s as message text: at most max_chars characters (then "…"), on
 * one line, with the characters markdown would read as markup replaced by
 * their full-width forms, so a title cannot become a link or a heading. */
static void add_clean(struct sb *out, const char *s, size_t max_chars)
{
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xC0) != 0x80 && chars++ == max_chars) {
			sb_adds(out, "…");
			return;
		}
		switch (*p) {
		case '[': sb_adds(out, "［"); break;
		case ']': sb_adds(out, "］"); break;
		case '*': sb_adds(out, "＊"); break;
		case '`': sb_adds(out, "｀"); break;
		case '<': sb_adds(out, "＜"); break;
		case '>': sb_adds(out, "＞"); break;
		case '\\': sb_adds(out, "＼"); break;
		default: sb_addc(out, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p); break;
		}
	}
}

/* "a · b", "a" or "b" as a quoted line; nothing when both are missing. */
static void add_pair(struct sb *out, const char *nl, const char *prefix, const char *a,
		     const char *b)
{
	if (!a && !b)
		return;
	sb_adds(out, nl);
	sb_addlit(out, "> ");
	if (a) {
		sb_adds(out, prefix);
		add_clean(out, a, 40);
	}
	if (a && b)
		sb_addlit(out, " · ");
	if (b)
		add_clean(out, b, 40);
}

/* The link of a message: a path on this deployment, or an absolute http(s)
 * address, kept only if it can stand in a markdown link as it is. */
static bool link_of(const char *url, const char *public_url, struct sb *out)
{
	if (!url)
		return false;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("()<>\"'`", *p))
			return false;
	if (url[0] == '/' && url[1] != '/' && public_url && *public_url) {
		size_t n = strlen(public_url);
		while (n && public_url[n - 1] == '/')
			n--;
		sb_add(out, public_url, n);
		sb_adds(out, url);
		return true;
	}
	if (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7)) {
		sb_adds(out, url);
		return true;
	}
	return false;
}

static void add_json_string(struct sb *out, const char *s, size_t len)
{
	sb_addc(out, '"');
	sb_add_json_escaped(out, s, len);
	sb_addc(out, '"');
}

void bot_message(const char *kind, const char *topic, const char *data, const char *bot_name,
		 const char *public_url, struct sb *out)
{
	bool ding = kind && !strcmp(kind, "dingtalk");
	const char *nl = ding ? "\n\n" : "\n";
	json_t *d = data ? json_loads(data, 0, NULL) : NULL;
	if (!json_is_object(d)) {
		json_decref(d);
		d = json_object();
	}
	bool test = topic && !strcmp(topic, BOT_TEST_TOPIC);
	const char *label = bot_topic_label(topic);
	if (!label)
		label = member(d, "state_label");
	const char *title = test ? bot_name : member(d, "title");
	if (!title)
		title = member(d, "kind_label");

	struct sb head = SB_INIT, text = SB_INIT;
	sb_adds(&head, "【");
	add_clean(&head, label ? label : "通知", 12);
	sb_adds(&head, "】");
	add_clean(&head, title ? title : "服务请求", 60);

	sb_addlit(&text, "**");
	sb_add(&text, head.buf, head.len);
	sb_addlit(&text, "**");
	if (test) {
		sb_adds(&text, nl);
		sb_adds(&text, "> 群机器人设置成功：驿站的服务消息会推送到这个群。");
	}
	add_pair(&text, nl, "编号 ", member(d, "number"), member(d, "kind_label"));
	add_pair(&text, nl, "", member(d, "station"), member(d, "region"));
	const char *actor = member(d, "actor"), *note = member(d, "note");
	if (actor || note) {
		sb_adds(&text, nl);
		sb_addlit(&text, "> ");
		if (actor)
			add_clean(&text, actor, 20);
		if (actor && note)
			sb_adds(&text, "：");
		if (note)
			add_clean(&text, note, 200);
	}
	struct sb link = SB_INIT;
	if (link_of(member(d, "url"), public_url, &link)) {
		sb_adds(&text, nl);
		sb_adds(&text, "[查看详情](");
		sb_add(&text, link.buf, link.len);
		sb_addc(&text, ')');
	}
	sb_release(&link);
	json_decref(d);

	sb_addlit(out, "{\"msgtype\":\"markdown\",\"markdown\":{");
	if (ding) {
		sb_addlit(out, "\"title\":");
		add_json_string(out, head.buf, head.len);
		sb_addlit(out, ",\"text\":");
	} else {
		sb_addlit(out, "\"content\":");
	}
	add_json_string(out, text.buf, text.len);
	sb_addlit(out, "}}");
	sb_release(&head);
	sb_release(&text);
}

bool bot_accepted(long status, const char *reply, const char *error,
		  char err[BOT_ERROR_MAX_BYTES + 1])
{
	struct sb why = SB_INIT;
	bool ok = false;
	json_t *a = NULL;
	if (error && *error) {
		sb_adds(&why, "没有应答：");
		sb_adds(&why, error);
	} else if (status != 200) {
		sb_addf(&why, "应答 HTTP %ld", status);
	} else if (!(a = json_loads(reply ? reply : "", 0, NULL)) ||
		   !json_is_integer(json_object_get(a, "errcode"))) {
		sb_adds(&why, "应答不是机器人平台的格式（没有 errcode）");
	} else if (json_integer_value(json_object_get(a, "errcode")) != 0) {
		sb_addf(&why, "平台拒绝：errcode %lld",
			(long long)json_integer_value(json_object_get(a, "errcode")));
		const char *msg = json_string_value(json_object_get(a, "errmsg"));
		if (msg && *msg) {
			sb_addc(&why, ' ');
			add_clean(&why, msg, 120);
		}
	} else {
		ok = true;
	}
	json_decref(a);
	/* Cut at a character's start, within the cap. */
	size_t n = why.len < BOT_ERROR_MAX_BYTES ? why.len : BOT_ERROR_MAX_BYTES;
	while (n && n < why.len && ((unsigned char)why.buf[n] & 0xC0) == 0x80)
		n--;
	memcpy(err, why.len ? why.buf : "", n);
	err[n] = '\0';
	sb_release(&why);
	return ok;
}

/* The sender */

struct claim {
	int64_t id, bot_id, attempts, created_s;
	int failures;
	char *topic, *kind, *url, *secret, *name, *data;
};

struct claims {
	int64_t now_s;
	struct claim c[BOT_BATCH_MAX];
	size_t n;
};

static void claims_release(struct claims *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		struct claim *c = &cl->c[i];
		free(c->topic);
		free(c->kind);
		free(c->url);
		free(c->secret);
		free(c->name);
		free(c->data);
	}
	cl->n = 0;
}

#define DUE_SQL                                                                                  \
	"SELECT d.id, d.bot_id, d.attempts, d.created_s, d.topic, b.kind, b.url, b.secret,"      \
	" b.name, o.data, b.failures FROM bot_deliveries d JOIN bots b ON b.id = d.bot_id"       \
	" LEFT JOIN outbox o ON o.id = d.outbox_id WHERE d.state = 'pending' AND d.next_s <= $1" \
	" AND b.enabled = 1 AND (b.retry_s IS NULL OR b.retry_s <= $1) ORDER BY d.id LIMIT $2"

static enum rc claim_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct claims *cl = arg;
	struct db *db = db_tx_db(tx);
	claims_release(cl);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  db_kind(db) == DB_KIND_POSTGRES ? DUE_SQL " FOR UPDATE OF d SKIP LOCKED"
							  : DUE_SQL,
			  &rows, prob, DB_I(cl->now_s), DB_I(CLAIM_WINDOW));
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; i < db_rows_count(rows) && cl->n < BOT_BATCH_MAX && rc == RC_OK; i++) {
		int64_t bot_id = db_rows_int(rows, i, 1);
		bool taken = false;
		/* One per bot: a group reads its messages in order. */
		for (size_t k = 0; k < cl->n && !taken; k++)
			taken = cl->c[k].bot_id == bot_id;
		if (taken)
			continue;
		struct claim *c = &cl->c[cl->n++];
		memset(c, 0, sizeof(*c));
		c->id = db_rows_int(rows, i, 0);
		c->bot_id = bot_id;
		c->attempts = db_rows_int(rows, i, 2);
		c->created_s = db_rows_int(rows, i, 3);
		c->topic = dup_or_null(db_rows_text(rows, i, 4));
		c->kind = dup_or_null(db_rows_text(rows, i, 5));
		c->url = dup_or_null(db_rows_text(rows, i, 6));
		c->secret = dup_or_null(db_rows_text(rows, i, 7));
		c->name = dup_or_null(db_rows_text(rows, i, 8));
		c->data = dup_or_null(db_rows_text(rows, i, 9));
		c->failures = (int)db_rows_int(rows, i, 10);
		rc = db_q(db, "UPDATE bot_deliveries SET next_s = $1 WHERE id = $2", NULL, prob,
			  DB_I(cl->now_s + BOT_LEASE_S), DB_I(c->id));
	}
	db_rows_free(rows);
	return rc;
}

struct results {
	const struct claims *cl;
	const struct webhook_post *posts;
	int64_t now_s;
};

static enum rc record_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct results *r = arg;
	struct db *db = db_tx_db(tx);
	enum rc rc = RC_OK;
	for (size_t i = 0; i < r->cl->n && rc == RC_OK; i++) {
		const struct claim *c = &r->cl->c[i];
		const struct webhook_post *p = &r->posts[i];
		if (p->cancelled)
			continue; /* the lease runs out and it is sent again */
		char err[BOT_ERROR_MAX_BYTES + 1];
		if (bot_accepted(p->status, p->reply, p->error, err)) {
			rc = db_q(
				db,
				"UPDATE bot_deliveries SET state = 'sent', attempts = attempts + 1,"
				" sent_s = $1, last_error = NULL WHERE id = $2 AND state = 'pending'",
				NULL, prob, DB_I(r->now_s), DB_I(c->id));
			if (rc == RC_OK)
				rc = db_q(
					db,
					"UPDATE bots SET last_ok_s = $1, failures = 0, retry_s = NULL,"
					" last_error = NULL WHERE id = $2",
					NULL, prob, DB_I(r->now_s), DB_I(c->bot_id));
			continue;
		}
		int attempts = (int)c->attempts + 1;
		int64_t next = r->now_s + bot_backoff_s(attempts);
		bool dead = next > c->created_s + BOT_GIVE_UP_S;
		rc = db_q(db,
			  "UPDATE bot_deliveries SET attempts = $1, next_s = $2, state = $3,"
			  " last_error = $4 WHERE id = $5 AND state = 'pending'",
			  NULL, prob, DB_I(attempts), DB_I(next), DB_T(dead ? "dead" : "pending"),
			  DB_T(err), DB_I(c->id));
		if (rc == RC_OK)
			rc = db_q(db,
				  "UPDATE bots SET failures = failures + 1, last_error = $1,"
				  " retry_s = $2 WHERE id = $3",
				  NULL, prob, DB_T(err),
				  DB_I(r->now_s + bot_backoff_s(c->failures + 1)), DB_I(c->bot_id));
	}
	return rc;
}

/* The address a post goes to: DingTalk's signed one carries the time and
 * the signature. *new* string. */
static char *post_url(const struct claim *c)
{
	if (!c->secret || !*c->secret || !c->kind || strcmp(c->kind, "dingtalk") != 0)
		return xstrdup(c->url ? c->url : "");
	int64_t ms = clock_now_ms();
	char sign[BOT_SIGN_CAP];
	bot_dingtalk_sign(c->secret, ms, sign);
	struct sb u = SB_INIT;
	sb_adds(&u, c->url);
	sb_addc(&u, strchr(c->url, '?') ? '&' : '?');
	sb_addf(&u, "timestamp=%lld&sign=%s", (long long)ms, sign);
	return sb_detach(&u, NULL);
}

enum rc bot_send_due(struct db *db, struct webhook_client *wc, const char *public_url,
		     int64_t now_s, size_t *claimed, struct problem *prob)
{
	*claimed = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT 1 FROM bot_deliveries WHERE state = 'pending' AND next_s <= $1"
			  " LIMIT 1",
			  &rows, prob, DB_I(now_s));
	if (rc != RC_OK)
		return rc;
	bool due = db_rows_count(rows) > 0;
	db_rows_free(rows);
	if (!due)
		return RC_OK;
	struct claims *cl = xcalloc(1, sizeof(*cl));
	cl->now_s = now_s;
	rc = db_tx(db, claim_tx, cl, prob);
	if (rc != RC_OK || !cl->n) {
		claims_release(cl);
		free(cl);
		return rc;
	}
	*claimed = cl->n;
	struct webhook_post *posts = xcalloc(cl->n, sizeof(*posts));
	char *urls[BOT_BATCH_MAX] = { 0 }, *bodies[BOT_BATCH_MAX] = { 0 };
	for (size_t i = 0; i < cl->n; i++) {
		struct sb body = SB_INIT;
		bot_message(cl->c[i].kind, cl->c[i].topic, cl->c[i].data, cl->c[i].name, public_url,
			    &body);
		bodies[i] = sb_detach(&body, NULL);
		urls[i] = post_url(&cl->c[i]);
		posts[i].url = urls[i];
		posts[i].body = bodies[i];
	}
	const struct webhook_limits lim = { .connect_timeout_ms = BOT_CONNECT_TIMEOUT_MS,
					    .timeout_ms = BOT_TIMEOUT_MS };
	webhook_post_all(wc, posts, cl->n, &lim);
	/* The time of the answers, not of the claim: a timeout took a while. */
	struct results res = { .cl = cl, .posts = posts, .now_s = clock_now_s() };
	if (res.now_s < now_s)
		res.now_s = now_s;
	rc = db_tx(db, record_tx, &res, prob);
	for (size_t i = 0; i < cl->n; i++) {
		char err[BOT_ERROR_MAX_BYTES + 1];
		if (!posts[i].cancelled &&
		    !bot_accepted(posts[i].status, posts[i].reply, posts[i].error, err))
			log_warn(NULL, "bot_delivery",
				 "bot %lld: delivery %lld not accepted (attempt %lld): %s",
				 (long long)cl->c[i].bot_id, (long long)cl->c[i].id,
				 (long long)cl->c[i].attempts + 1, err);
		free(urls[i]);
		free(bodies[i]);
	}
	free(posts);
	claims_release(cl);
	free(cl);
	return rc;
}

enum rc bot_sweep(struct db *db, int64_t now_s, struct problem *prob)
{
	enum rc rc = db_q(
		db,
		"UPDATE bot_deliveries SET state = 'dead', last_error = COALESCE("
		"last_error, '24 小时内没有送出') WHERE state = 'pending' AND created_s < $1",
		NULL, prob, DB_I(now_s - BOT_GIVE_UP_S));
	if (rc != RC_OK)
		return rc;
	return db_q(db, "DELETE FROM bot_deliveries WHERE state <> 'pending' AND created_s < $1",
		    NULL, prob, DB_I(now_s - BOT_KEEP_S));
}

/* The thread */

#define SWEEP_EVERY_S 60

struct bot_sender {
	struct db *db;
	const char *public_url;
	int64_t poll_ms;
	struct webhook_client *web;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, woken;
	int64_t last_sweep_s;
	bool failing; /* the last look failed: said once, not every poll */
};

static void note(struct bot_sender *s, enum rc rc, const struct problem *prob, const char *what)
{
	if (rc == RC_OK) {
		if (s->failing)
			log_info(NULL, "bot_delivery", "group-bot deliveries work again");
		s->failing = false;
		return;
	}
	if (!s->failing)
		log_warn(NULL, "bot_delivery", "%s failed: %s", what, prob->detail);
	s->failing = true;
}

static bool stopping(struct bot_sender *s)
{
	pthread_mutex_lock(&s->mu);
	bool stop = s->stop;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

/* One look: new events matched, due deliveries sent, old ones swept. */
static void look(struct bot_sender *s)
{
	struct problem prob;
	enum rc rc;
	bool more = true;
	for (int rounds = 0; more && rounds < 20 && !stopping(s); rounds++) {
		size_t queued = 0;
		problem_init(&prob);
		rc = bot_scan(s->db, clock_now_s(), &queued, &more, &prob);
		note(s, rc, &prob, "reading the outbox for group bots");
		if (rc != RC_OK)
			return;
	}
	size_t claimed = 1;
	for (int rounds = 0; claimed && rounds < 20 && !stopping(s); rounds++) {
		problem_init(&prob);
		rc = bot_send_due(s->db, s->web, s->public_url, clock_now_s(), &claimed, &prob);
		note(s, rc, &prob, "sending to group bots");
		if (rc != RC_OK)
			return;
	}
	int64_t now = clock_now_s();
	if (now - s->last_sweep_s >= SWEEP_EVERY_S) {
		problem_init(&prob);
		rc = bot_sweep(s->db, now, &prob);
		note(s, rc, &prob, "sweeping group-bot deliveries");
		if (rc == RC_OK)
			s->last_sweep_s = now;
	}
}

static struct timespec deadline_after(int64_t ms)
{
	struct timespec at;
	clock_gettime(CLOCK_MONOTONIC, &at);
	at.tv_sec += (time_t)(ms / 1000);
	at.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (at.tv_nsec >= 1000000000L) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000L;
	}
	return at;
}

static void *run(void *arg)
{
	struct bot_sender *s = arg;
	for (;;) {
		look(s);
		pthread_mutex_lock(&s->mu);
		struct timespec at = deadline_after(s->poll_ms);
		int rc = 0;
		while (!s->stop && !s->woken && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&s->cv, &s->mu, &at);
		s->woken = false;
		bool stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
	}
	return NULL;
}

struct bot_sender *bot_sender_start(struct db *db, const struct bot_sender_config *cfg)
{
	struct bot_sender *s = xcalloc(1, sizeof(*s));
	s->db = db;
	s->public_url = cfg->public_url;
	s->poll_ms = cfg->poll_ms > 0 ? cfg->poll_ms : 2000;
	s->web = webhook_client_new();
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&s->mu, NULL);
	if (pthread_create(&s->thread, NULL, run, s) != 0)
		abort(); /* exhaustion */
	return s;
}

void bot_sender_wake(struct bot_sender *s)
{
	pthread_mutex_lock(&s->mu);
	s->woken = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void bot_sender_stop(struct bot_sender *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	webhook_cancel(s->web);
	pthread_join(s->thread, NULL);
	webhook_client_free(s->web);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
