/* Points (积分): an append-only ledger per account. Every entry is a row of
 * points_entries (migration 0017) with an amount (+ earned, − spent), a
 * reason, what caused it (ref_kind, ref_id), the rule that awarded it, the
 * place of the cause, who granted it and, for a correction, why. The
 * balance is the sum of the entries, kept in points_balances by a trigger
 * in the entry's own statement and never negative (a CHECK: the database
 * refuses it whoever writes). Each account's entries form an HMAC chain
 * (domain/chain.h), so an entry changed or removed later is found by
 * `yizhan verify`.
 *
 * points_post is the one way an entry is written, in the caller's
 * transaction; callers check who may (a correction: staff of the person's
 * region; a redemption: the shop's rules). An award is posted once per
 * (reason, ref_kind, ref_id, account): posting it again is harmless and
 * says "already", so an event delivered twice or a retried request awards
 * once. */
#ifndef YZ_DOMAIN_POINTS_H
#define YZ_DOMAIN_POINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/chain.h"

/* Reasons (the reason column). */
#define POINTS_REASON_SERVICE	 "service"    /* a service resolved (order, wish, visit …) */
#define POINTS_REASON_REPORT	 "report"     /* a report confirmed (resolved) */
#define POINTS_REASON_TASK	 "task"	      /* a publicity task done */
#define POINTS_REASON_ACTIVITY	 "activity"   /* an activity attended */
#define POINTS_REASON_SHIFT	 "shift"      /* a duty shift done */
#define POINTS_REASON_REDEMPTION "redemption" /* spent in the love supermarket (amount < 0) */
#define POINTS_REASON_REFUND	 "refund"     /* a redemption given back (amount > 0) */
#define POINTS_REASON_EXPIRY	 "expiry"     /* expired (amount < 0) */
#define POINTS_REASON_CORRECTION "correction" /* staff's correction, either sign, with a note */

#define POINTS_NOTE_MAX	   200 /* characters */
#define POINTS_REF_MAX	   24  /* bytes of ref_kind and rule, with the NUL */
#define POINTS_LIMIT_MAX   100 /* entries a page */
#define POINTS_AMOUNT_MAX  1000000
#define POINTS_CITY_OFFSET (8 * 3600) /* the city's time: UTC+8 */

/* The reasons with their names: code, Chinese, English; NULL-terminated. */
struct points_reason_name {
	const char *code, *zh, *en;
};
extern const struct points_reason_name points_reasons[];
/* True if reason is one of them. */
bool points_reason_known(const char *reason);

/* One entry to post. Text is borrowed for the call. */
struct points_post {
	int64_t account_id;
	int64_t amount;		 /* non-zero; its sign must suit the reason */
	const char *reason;	 /* POINTS_REASON_* */
	const char *ref_kind;	 /* "request", "signup", "redemption", "entry", "year" … */
	int64_t ref_id;		 /* with ref_kind: what caused it */
	const char *rule;	 /* the rule's code, or NULL */
	const char *region_code; /* the cause's region, or NULL */
	int64_t station_id;	 /* the cause's station, or 0 */
	int64_t granted_by;	 /* the account that granted it; 0: the system (a rule) */
	const char *note;	 /* required for a correction; else NULL or a remark */
	int64_t created_s;	 /* 0: now */
};

/* What a post did. */
struct points_posted {
	int64_t entry_id; /* the new entry, or the one already posted */
	int64_t seq;
	int64_t balance; /* the account's balance after it */
	bool already;	 /* the same (reason, ref_kind, ref_id, account) was posted before */
};

/* Posts e in the caller's transaction: locks the account's balance row,
 * writes the entry with its seq and mac (the balance follows by trigger)
 * and adds it to the monthly summary. Errors: RC_INVALID naming the field
 * (amount zero, beyond ±POINTS_AMOUNT_MAX or of the wrong sign for the
 * reason, reason unknown, ref_kind missing, a correction without a note);
 * RC_CONFLICT "insufficient-points" when a spend is beyond the balance
 * ("积分不足：余额 8 分，需要 10 分"); RC_NOT_FOUND when the account does not
 * exist; RC_INTERNAL when no ledger key is set. An entry already posted
 * for (reason, ref_kind, ref_id, account) is RC_OK with out->already and
 * writes nothing. out may be NULL. */
enum rc points_post(struct db_tx *tx, const struct points_post *e, struct points_posted *out,
		    struct problem *prob);

/* The account's balance (0 when it never had an entry). */
enum rc points_balance(struct db *db, int64_t account_id, int64_t *balance, struct problem *prob);

/* The canonical text of an entry as its mac covers it (for chain_verify
 * and the bench's bulk fill). Text is borrowed. */
struct points_canon {
	int64_t account_id, seq, amount, ref_id, station_id, granted_by, created_s;
	const char *reason, *ref_kind, *rule, *region_code, *note;
};
void points_canon(const struct points_canon *c, struct sb *out);

/* The points ledger as chain_verify walks it. */
extern const struct chain_kind points_chain;

/* The month (yyyymm) of t_s in city time, and the first second of a
 * month and of a year in city time. */
int points_month_of(int64_t t_s);
int64_t points_month_start_s(int yyyymm);
int64_t points_year_start_s(int year);

/* Statements */

struct points_entry {
	int64_t id, account_id, seq, amount, ref_id, station_id, granted_by, created_s;
	const char *reason, *ref_kind, *rule, *region_code, *note; /* borrowed from the page */
	const char *account_name, *station_name;		   /* "" when none */
};

struct points_page {
	struct points_entry *items; /* newest first */
	size_t n;
	int64_t next_cursor;  /* of the next page; 0: this was the last */
	int64_t balance;      /* points_statement: the account's balance */
	struct db_rows *rows; /* what the strings are borrowed from */
};
void points_page_release(struct points_page *page);

/* One account's entries, newest first: those before cursor (a seq; 0: from
 * the newest), at most limit (1–POINTS_LIMIT_MAX), and its balance. */
enum rc points_statement(struct db *db, int64_t account_id, int64_t cursor, size_t limit,
			 struct points_page *page, struct problem *prob);

struct principal;
/* The entries caused within region (a code prefix), newest first, before
 * cursor (an id; 0: from the newest), for p, who needs ACT_POINTS_READ over
 * region (RC_FORBIDDEN naming it). */
enum rc points_region_entries(struct db *db, const struct principal *p, const char *region,
			      int64_t cursor, size_t limit, struct points_page *page,
			      struct problem *prob);

/* A month's points per station (0: entries of no station), from the
 * monthly table. */
struct points_sum {
	int64_t station_id;
	const char *station_name; /* borrowed; "" for none */
	const char *region_code;  /* the station's region, or the entries' */
	int64_t issued, redeemed, expired, corrected;
};
struct points_summary {
	int month; /* yyyymm */
	struct points_sum *stations;
	size_t n;
	struct points_sum total;
	struct db_rows *rows;
};
void points_summary_release(struct points_summary *s);
/* The summary of month within region ("" everywhere), of one station when
 * station_id > 0. Readable by anyone (no personal data); staff routes check
 * their scope before. */
enum rc points_summary(struct db *db, const char *region, int month, int64_t station_id,
		       struct points_summary *out, struct problem *prob);

/* Corrections */

struct actor;
struct points_correction {
	int64_t account_id; /* whose points; with entry_id, taken from the entry */
	int64_t amount;	    /* ± points; 0 with entry_id: the entry's amount reversed */
	const char *note;   /* why: required */
	int64_t entry_id;   /* > 0: the correction of this entry */
};
/* A correction by actor, who needs ACT_POINTS_CORRECT over the place: the
 * entry's region when one is corrected, else the region of the person the
 * account belongs to (persons.account_id), else city-wide. A new entry
 * (reason correction, granted by actor, ref ("entry", id) or ("correction",
 * the account's next seq)); never an edit. RC_INVALID naming note when it
 * is missing; RC_CONFLICT when the entry was corrected already or the
 * balance would go negative; audited. */
enum rc points_correct(struct db_tx *tx, const struct actor *actor,
		       const struct points_correction *c, struct points_posted *out,
		       struct problem *prob);

#endif
