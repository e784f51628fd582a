/* The sign-in throttle: failed sign-ins are counted per (number, client
 * address), never per account alone, so a stranger who guesses at a number
 * slows down only their own address and the account stays usable from
 * every other. After LOGIN_FREE_FAILURES failures an address must wait 1 s
 * before its next try, then 2 s, 4 s … up to LOGIN_DELAY_MAX_S; a success
 * clears its count, and so does an hour without failures. Numbers that
 * belong to no account are counted alike, so the answers never tell them
 * apart. Many addresses failing against one number within a short window
 * is a burst: reported once, for an alert. The counts are rows of the
 * login_throttle table, shared by every server on one database. */
#ifndef YZ_DOMAIN_LOGIN_THROTTLE_H
#define YZ_DOMAIN_LOGIN_THROTTLE_H

#include <stdbool.h>

#include "core/problem.h"
#include "db/db.h"

#define LOGIN_FREE_FAILURES   5		/* failures from one address before it must wait */
#define LOGIN_DELAY_MAX_S     (15 * 60) /* the longest wait */
#define LOGIN_FORGET_S	      (60 * 60) /* failures older than this count no more */
#define LOGIN_BURST_ADDRESSES 5		/* a burst: this many addresses failing … */
#define LOGIN_BURST_WINDOW_S  (10 * 60) /* … against one number within this long */
#define LOGIN_KEY_CAP	      33	/* a number as a key: 11 digits, or "?" and 31 hex digits */

struct login_failure {
	int failures;  /* from this address, this one included */
	int delay_s;   /* the wait this failure started, or 0 */
	int addresses; /* addresses whose last failure against the number is within the window */
	bool burst;    /* this failure brought addresses to LOGIN_BURST_ADDRESSES */
};

/* Writes the key that counts sign-ins for phone: its 11 digits if it is a
 * mobile number (so "+86 138…" and "138…" count together), else "?" and
 * the start of the text's SHA-256 in hex. */
void login_throttle_key(const char *phone, char key[LOGIN_KEY_CAP]);
/* RC_OK when ip may try to sign in as key now; RC_LIMITED ("login-throttled",
 * prob->retry_after_s set) while it must wait. Reads only. */
enum rc login_throttle_check(struct db *db, const char *key, const char *ip, struct problem *prob);
/* Counts a failed sign-in of ip as key, in the caller's transaction: starts
 * the address's wait once it has failed LOGIN_FREE_FAILURES times, and
 * removes rows forgotten long ago. Fills out. */
enum rc login_throttle_failed(struct db *db, const char *key, const char *ip,
			      struct login_failure *out, struct problem *prob);
/* Forgets the failures of ip as key (it signed in), in the caller's
 * transaction. */
enum rc login_throttle_clear(struct db *db, const char *key, const char *ip, struct problem *prob);

#endif
