/* Earning points by rule, and losing them by expiry.
 *
 * The rules (points_rules, migration 0017) say what a kind of cause of a
 * category earns and for whom. The awarding consumer reads the outbox from
 * its own position (points_cursor), as the group bots' scanner does, and
 * applies them to "request.resolve" (the assignee's service, the
 * requester's confirmed report, per request kind) and "activity.attended"
 * (the participant gets the activity's points). An award is an entry keyed
 * (reason, ref_kind, ref_id, account): an event read twice — a second
 * server, a cursor reset, a request reopened and resolved again — awards
 * once. The earner is told through the inbox (kind "points").
 *
 * Expiry: points earned in year Y expire at the end of year Y + years
 * (city time); what is left of them — spends take the oldest points first
 * — becomes an entry (reason expiry, ref ("year", Y)) once per account and
 * year. */
#ifndef YZ_DOMAIN_POINTS_AWARD_H
#define YZ_DOMAIN_POINTS_AWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/activity.h" /* EVENT_ACTIVITY_ATTENDED */
#include "domain/audit.h"

#define EVENT_REQUEST_RESOLVED "request.resolve"
#define POINTS_SCAN_HOLE_S     30 /* how long a missing outbox id is waited for */
#define POINTS_HOURS_MAX       24 /* per_hour counts at most this much service */
#define POINTS_RULE_CODE_MAX   24 /* bytes with the NUL */

struct points_rule {
	char code[POINTS_RULE_CODE_MAX];
	char kind[16];
	char category[33];
	char reason[16];
	char basis[12];	      /* fixed, per_hour, event */
	char beneficiary[16]; /* assignee, requester, participant */
	int64_t amount;
	int night_bonus_pct, holiday_bonus_pct;
	int64_t monthly_cap; /* 0: none */
	bool enabled;
	int64_t updated_s;
};

/* Every rule, ordered by code: a *new* array into *out (free() it). */
enum rc points_rules_list(struct db *db, struct points_rule **out, size_t *n, struct problem *prob);

/* A change to a rule: what is set (has_*) changes. */
struct points_rule_change {
	bool has_amount, has_night, has_holiday, has_cap, has_enabled;
	int64_t amount;	       /* 0–POINTS_AMOUNT_MAX */
	int night_bonus_pct;   /* 0–1000 */
	int holiday_bonus_pct; /* 0–1000 */
	int64_t monthly_cap;   /* 0–POINTS_AMOUNT_MAX */
	bool enabled;
};
/* Changes rule code for actor, who needs ACT_POINTS_MANAGE city-wide
 * (RC_FORBIDDEN); RC_NOT_FOUND for an unknown code, RC_INVALID naming a
 * field out of range. Audited. out (may be NULL) gets the rule after. */
enum rc points_rule_update(struct db_tx *tx, const struct actor *actor, const char *code,
			   const struct points_rule_change *c, struct points_rule *out,
			   struct problem *prob);

/* A rule of its own for one category of a request kind, made from the
 * kind's rule (category '*'): its reason and beneficiary, its basis and
 * amounts unless c sets them (c->basis: "fixed" or "per_hour", or NULL).
 * Its code is "kind.category". Needs ACT_POINTS_MANAGE city-wide
 * (RC_FORBIDDEN); RC_INVALID naming the field for an unknown kind or
 * category or an amount out of range; RC_CONFLICT when the category has a
 * rule already. Audited. out (may be NULL) gets the rule. */
enum rc points_rule_create(struct db_tx *tx, const struct actor *actor, const char *kind,
			   const char *category, const char *basis,
			   const struct points_rule_change *c, struct points_rule *out,
			   struct problem *prob);
/* Removes a category's own rule (its kind's rule applies again); a kind's
 * rule (category '*') is disabled, never removed: RC_CONFLICT. Same
 * permission as points_rule_create. Audited. */
enum rc points_rule_delete(struct db_tx *tx, const struct actor *actor, const char *code,
			   struct problem *prob);

/* Whether day (days since 1970-01-01, city time) is a holiday: a Saturday,
 * a Sunday or a date of the list. */
typedef bool (*points_holiday_fn)(int64_t day, void *ctx);
/* What a rule awards for service from start_s to end_s: fixed → amount;
 * per_hour → amount per hour of at most POINTS_HOURS_MAX hours, each minute
 * at night (22:00–06:00 city time) worth night_bonus_pct more, each on a
 * holiday holiday_bonus_pct more, rounded, at least 1 when amount > 0;
 * event → event_points. Pure. */
int64_t points_rule_amount(const struct points_rule *r, int64_t start_s, int64_t end_s,
			   int64_t event_points, points_holiday_fn holiday, void *ctx);

/* Reads a batch of outbox events after the consumer's position, awards
 * what the rules say in the transaction that moves it; *awarded gets the
 * entries made, *more whether another batch waits. */
enum rc points_award_scan(struct db *db, int64_t now_s, size_t *awarded, bool *more,
			  struct problem *prob);

/* What is left of year Y's earnings when they expire: earned_before (all
 * credits before Y), earned_in (credits in Y), debits (all spends counted
 * against them, oldest points first). Pure. */
int64_t points_fifo_left(int64_t earned_before, int64_t earned_in, int64_t debits);
/* Writes the expiry entries due at now_s with points lasting years (0:
 * never), oldest year first; *entries gets how many were written. */
enum rc points_expire_due(struct db *db, int64_t now_s, int years, int64_t *entries,
			  struct problem *prob);

#endif
