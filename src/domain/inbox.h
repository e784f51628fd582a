/* The inbox: each account's notifications. A domain write that concerns
 * someone (an order dispatched to them, their report resolved) calls
 * inbox_notify in its own transaction; the entry and its "inbox.added"
 * event, addressed to that account, commit with the write. A person reads,
 * counts and marks read only their own entries. */
#ifndef YZ_DOMAIN_INBOX_H
#define YZ_DOMAIN_INBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/principal.h"

#define EVENT_INBOX_ADDED "inbox.added" /* object_id: the entry; addressed to its account */
#define EVENT_INBOX_READ  "inbox.read"	/* object_id: the entry, or "*" for all of them */

#define INBOX_TITLE_MAX 100  /* characters; a longer title is cut (with "…") */
#define INBOX_BODY_MAX	1000 /* characters; likewise */
#define INBOX_LIMIT_MAX 100  /* entries a page */
#define INBOX_KIND_MAX	16   /* bytes of the longest kind, with its NUL */
#define INBOX_NOUN_MAX	24

/* What an entry tells of: "dispatched", "accepted", "resolved", "escalated",
 * "rated", "reopened", "rejected", "cancelled", "project" (a suggestion
 * became a project), "notice"; of room bookings "room_booked",
 * "room_approved", "room_declined", "room_released"; of activities:
 * "seated" (off the waitlist), "changed", "reminder" (and "cancelled"); of
 * points "points"; of the love supermarket "shop" (a redemption handed
 * over or refunded) and "distribution" (something to collect). True if
 * kind is one of them. */
bool inbox_kind_known(const char *kind);

/* Adds an entry for account_id in the caller's open transaction and records
 * the "inbox.added" event addressed to it (its data: id, kind, ref, title).
 * kind must be known and title non-empty, valid one-line UTF-8: anything
 * else is a programming error (RC_INTERNAL). ref_noun/ref_id name what the
 * entry is about (NULL/0: nothing); body may be NULL. Title and body longer
 * than their maximum are cut. An account that does not exist is
 * RC_CONFLICT. The event's data also says how many entries of the account
 * are unread, so an open page updates its count without asking. */
enum rc inbox_notify(struct db_tx *tx, int64_t account_id, const char *kind, const char *ref_noun,
		     int64_t ref_id, const char *title, const char *body, struct problem *prob);

struct inbox_entry {
	int64_t id;
	char kind[INBOX_KIND_MAX];
	char ref_noun[INBOX_NOUN_MAX]; /* "" when about nothing */
	int64_t ref_id;
	const char *title; /* borrowed from the page */
	const char *body;  /* borrowed from the page; NULL if none */
	int64_t created_s;
	int64_t read_s; /* 0: unread */
};

struct inbox_page {
	struct inbox_entry *items; /* newest first */
	size_t n;
	int64_t next_cursor;  /* the cursor of the next page; 0: this was the last */
	struct db_rows *rows; /* what the strings are borrowed from */
};

/* p's entries, newest first: those older than cursor (an id; 0: from the
 * newest), only the unread ones if unread_only, at most limit (1 to
 * INBOX_LIMIT_MAX). An anonymous principal has none. Release page with
 * inbox_page_release. */
enum rc inbox_list(struct db *db, const struct principal *p, bool unread_only, int64_t cursor,
		   size_t limit, struct inbox_page *page, struct problem *prob);
void inbox_page_release(struct inbox_page *page);
/* How many of p's entries are unread. */
enum rc inbox_unread(struct db *db, const struct principal *p, int64_t *n, struct problem *prob);
/* One of p's entries (RC_NOT_FOUND if it is someone else's: nobody learns
 * another's entries exist). Release with inbox_page_release. */
enum rc inbox_get(struct db *db, const struct principal *p, int64_t id, struct inbox_page *one,
		  struct problem *prob);
/* Marks p's entry id read (already read: it stays as it was), in the
 * caller's transaction; someone else's entry is RC_NOT_FOUND. Records
 * "inbox.read" addressed to p (data: the unread count), so p's other
 * windows update their count. */
enum rc inbox_mark_read(struct db_tx *tx, const struct principal *p, int64_t id,
			struct problem *prob);
/* Marks every unread entry of p read; *marked (may be NULL) gets how many. */
enum rc inbox_mark_all_read(struct db_tx *tx, const struct principal *p, int64_t *marked,
			    struct problem *prob);
/* Deletes every entry of account_id (the account is being erased). */
enum rc inbox_erase_account(struct db_tx *tx, int64_t account_id, struct problem *prob);

#endif
