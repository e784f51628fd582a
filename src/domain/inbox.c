/* The inbox table (migration 0013) and its events. Every query names the
 * account, taken from the principal and never from the request, so one
 * person's entries are invisible to every other: an id that is not the
 * caller's is answered as if it did not exist. */
#include "domain/inbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/events.h"

static const char *const kinds[] = {
	"dispatched",  "accepted",	"resolved",	 "escalated",	  "rated",
	"reopened",    "rejected",	"cancelled",	 "project",	  "notice",
	"room_booked", "room_approved", "room_declined", "room_released", "seated",
	"changed",     "reminder",	"points",	 "shop",	  "distribution",
};

bool inbox_kind_known(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i], kind) == 0)
			return true;
	return false;
}

/* s cut to max_chars characters, the last of them "…" when it was longer,
 * into sb. s is well-formed UTF-8. */
static void add_cut(struct sb *sb, const char *s, size_t max_chars)
{
	size_t chars = 0, i = 0, keep = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue;
		if (chars == max_chars - 1)
			keep = i;
		if (++chars > max_chars) {
			sb_add(sb, s, keep);
			sb_addlit(sb, "…");
			return;
		}
	}
	sb_add(sb, s, i);
}

static bool one_line(const char *s)
{
	return s && *s && text_line_fault(s, strlen(s)) == TEXT_FINE;
}

static enum rc count_unread(struct db *db, int64_t account_id, int64_t *n, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT COUNT(*) FROM inbox WHERE account_id = $1 AND read_s IS NULL",
			  &rows, prob, DB_I(account_id));
	*n = rc == RC_OK ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	return rc;
}

/* Records topic about object_id addressed to account_id, with data. */
static enum rc record(struct db_tx *tx, const char *topic, const char *object_id,
		      int64_t account_id, const char *data, struct problem *prob)
{
	struct event_audience to = { .account_id = account_id, .data = data };
	return events_record_to(tx, topic, object_id, &to, prob);
}

enum rc inbox_notify(struct db_tx *tx, int64_t account_id, const char *kind, const char *ref_noun,
		     int64_t ref_id, const char *title, const char *body, struct problem *prob)
{
	if (account_id <= 0 || !inbox_kind_known(kind) || !one_line(title) ||
	    (ref_noun && (!*ref_noun || strlen(ref_noun) >= INBOX_NOUN_MAX)) ||
	    (body && text_line_fault(body, strlen(body)) == TEXT_NOT_UTF8))
		return problem_set(prob, RC_INTERNAL, "internal",
				   "inbox_notify: bad arguments (kind %s)", kind ? kind : "NULL");
	struct db *db = db_tx_db(tx);
	struct sb t = SB_INIT, b = SB_INIT, data = SB_INIT;
	struct db_rows *rows = NULL;
	add_cut(&t, title, INBOX_TITLE_MAX);
	if (body)
		add_cut(&b, body, INBOX_BODY_MAX);
	enum rc rc = db_q(db,
			  "INSERT INTO inbox (account_id, kind, ref_noun, ref_id, title, body,"
			  " created_s) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
			  &rows, prob, DB_I(account_id), DB_T(kind), DB_T(ref_noun),
			  DB_IOPT(ref_noun, ref_id), DB_T(sb_str(&t)),
			  DB_T(body ? sb_str(&b) : NULL), DB_I(clock_now_s()));
	if (rc != RC_OK)
		goto out;
	int64_t id = db_rows_int(rows, 0, 0);
	int64_t unread = 0;
	rc = count_unread(db, account_id, &unread, prob);
	if (rc != RC_OK)
		goto out;
	/* What a page shows of it at once, without asking: a small object. */
	sb_addlit(&data, "{\"id\":");
	sb_add_int(&data, id);
	sb_addlit(&data, ",\"kind\":\"");
	sb_adds(&data, kind);
	sb_addlit(&data, "\",\"ref\":");
	if (ref_noun) {
		sb_addlit(&data, "{\"noun\":\"");
		sb_add_json_escaped(&data, ref_noun, strlen(ref_noun));
		sb_addlit(&data, "\",\"id\":");
		sb_add_int(&data, ref_id);
		sb_addc(&data, '}');
	} else {
		sb_addlit(&data, "null");
	}
	sb_addlit(&data, ",\"title\":\"");
	sb_add_json_escaped(&data, t.buf, t.len);
	sb_addlit(&data, "\",\"unread\":");
	sb_add_int(&data, unread);
	sb_addc(&data, '}');
	char sid[24];
	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	rc = record(tx, EVENT_INBOX_ADDED, sid, account_id, sb_str(&data), prob);
out:
	db_rows_free(rows);
	sb_release(&t);
	sb_release(&b);
	sb_release(&data);
	return rc;
}

#define ENTRY_COLUMNS "id, kind, ref_noun, ref_id, title, body, created_s, read_s"

static void fill_page(struct inbox_page *page, struct db_rows *rows, size_t n)
{
	page->rows = rows;
	page->n = n;
	page->items = n ? xcalloc(n, sizeof(page->items[0])) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct inbox_entry *e = &page->items[i];
		e->id = db_rows_int(rows, i, 0);
		text_copy(e->kind, sizeof(e->kind), db_rows_text(rows, i, 1));
		text_copy(e->ref_noun, sizeof(e->ref_noun), db_rows_text(rows, i, 2));
		e->ref_id = db_rows_int(rows, i, 3);
		e->title = db_rows_text(rows, i, 4);
		e->body = db_rows_text(rows, i, 5);
		e->created_s = db_rows_int(rows, i, 6);
		e->read_s = db_rows_int(rows, i, 7);
	}
}

static int64_t account_of(const struct principal *p)
{
	return p && p->kind != AUTH_NONE ? p->account_id : 0;
}

enum rc inbox_list(struct db *db, const struct principal *p, bool unread_only, int64_t cursor,
		   size_t limit, struct inbox_page *page, struct problem *prob)
{
	memset(page, 0, sizeof(*page));
	int64_t account = account_of(p);
	if (limit < 1 || limit > INBOX_LIMIT_MAX)
		limit = INBOX_LIMIT_MAX;
	if (!account)
		return RC_OK;
	/* One more than asked: whether there is a next page. */
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  unread_only ? "SELECT " ENTRY_COLUMNS " FROM inbox WHERE account_id = $1"
					" AND id < $2 AND read_s IS NULL ORDER BY id DESC LIMIT $3"
				      : "SELECT " ENTRY_COLUMNS " FROM inbox WHERE account_id = $1"
					" AND id < $2 ORDER BY id DESC LIMIT $3",
			  &rows, prob, DB_I(account), DB_I(cursor > 0 ? cursor : INT64_MAX),
			  DB_I(limit + 1));
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(rows);
	bool more = n > limit;
	fill_page(page, rows, more ? limit : n);
	page->next_cursor = more ? page->items[limit - 1].id : 0;
	return RC_OK;
}

void inbox_page_release(struct inbox_page *page)
{
	if (!page)
		return;
	free(page->items);
	db_rows_free(page->rows);
	memset(page, 0, sizeof(*page));
}

enum rc inbox_unread(struct db *db, const struct principal *p, int64_t *n, struct problem *prob)
{
	int64_t account = account_of(p);
	*n = 0;
	return account ? count_unread(db, account, n, prob) : RC_OK;
}

static enum rc not_found(struct problem *prob)
{
	return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这条消息");
}

enum rc inbox_get(struct db *db, const struct principal *p, int64_t id, struct inbox_page *one,
		  struct problem *prob)
{
	memset(one, 0, sizeof(*one));
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT " ENTRY_COLUMNS " FROM inbox WHERE id = $1 AND account_id = $2",
			  &rows, prob, DB_I(id), DB_I(account_of(p)));
	if (rc != RC_OK)
		return rc;
	if (!db_rows_count(rows)) {
		db_rows_free(rows);
		return not_found(prob);
	}
	fill_page(one, rows, 1);
	return RC_OK;
}

/* Tells p's other windows: "inbox.read" with the unread count. */
static enum rc record_read(struct db_tx *tx, int64_t account, const char *object_id,
			   struct problem *prob)
{
	int64_t unread = 0;
	enum rc rc = count_unread(db_tx_db(tx), account, &unread, prob);
	if (rc != RC_OK)
		return rc;
	struct sb data = SB_INIT;
	sb_addlit(&data, "{\"unread\":");
	sb_add_int(&data, unread);
	sb_addc(&data, '}');
	rc = record(tx, EVENT_INBOX_READ, object_id, account, sb_str(&data), prob);
	sb_release(&data);
	return rc;
}

enum rc inbox_mark_read(struct db_tx *tx, const struct principal *p, int64_t id,
			struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	int64_t account = account_of(p);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT read_s FROM inbox WHERE id = $1 AND account_id = $2", &rows,
			  prob, DB_I(id), DB_I(account));
	if (rc != RC_OK)
		return rc;
	bool found = db_rows_count(rows) == 1, unread = found && db_rows_null(rows, 0, 0);
	db_rows_free(rows);
	if (!found)
		return not_found(prob);
	if (!unread)
		return RC_OK; /* read before: nothing changes, nobody need be told */
	rc = db_q(db, "UPDATE inbox SET read_s = $1 WHERE id = $2", NULL, prob, DB_I(clock_now_s()),
		  DB_I(id));
	char sid[24];
	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	return rc == RC_OK ? record_read(tx, account, sid, prob) : rc;
}

enum rc inbox_mark_all_read(struct db_tx *tx, const struct principal *p, int64_t *marked,
			    struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	int64_t account = account_of(p);
	struct db_rows *rows = NULL;
	if (marked)
		*marked = 0;
	if (!account)
		return RC_OK;
	enum rc rc = db_q(db,
			  "UPDATE inbox SET read_s = $1 WHERE account_id = $2 AND read_s IS NULL"
			  " RETURNING id",
			  &rows, prob, DB_I(clock_now_s()), DB_I(account));
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(rows);
	db_rows_free(rows);
	if (marked)
		*marked = (int64_t)n;
	return n ? record_read(tx, account, "*", prob) : RC_OK;
}

enum rc inbox_erase_account(struct db_tx *tx, int64_t account_id, struct problem *prob)
{
	return db_q(db_tx_db(tx), "DELETE FROM inbox WHERE account_id = $1", NULL, prob,
		    DB_I(account_id));
}
