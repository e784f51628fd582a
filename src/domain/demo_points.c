/* The demo points: see demo_points.h. */
#include "domain/demo_points.h"

#include <stdbool.h>

#include "core/text.h"
#include "domain/points.h"
#include "domain/points_award.h"

struct demo_entry {
	const char *phone;
	int64_t amount;
	const char *reason, *rule, *note;
	int days_ago;
};

/* Volunteer, worker, resident (the demo accounts seed-demo makes). */
static const struct demo_entry entries[] = {
	{ "13800000004", 20, POINTS_REASON_ACTIVITY, "activity", NULL, 75 },
	{ "13800000004", 8, POINTS_REASON_SHIFT, "shift", NULL, 40 },
	{ "13800000004", 5, POINTS_REASON_SERVICE, "wish", NULL, 12 },
	{ "13800000004", -10, POINTS_REASON_REDEMPTION, NULL, NULL, 5 },
	{ "13800000005", 5, POINTS_REASON_TASK, "task", NULL, 50 },
	{ "13800000005", 10, POINTS_REASON_ACTIVITY, "activity", NULL, 20 },
	{ "13800000005", -6, POINTS_REASON_REDEMPTION, NULL, NULL, 3 },
	{ "13800000006", 2, POINTS_REASON_REPORT, "report", NULL, 33 },
	{ "13800000006", 15, POINTS_REASON_ACTIVITY, "activity", NULL, 9 },
	{ "13800000006", 3, POINTS_REASON_CORRECTION, NULL, "补记 3 月的随手拍", 2 },
};

struct build {
	int64_t now_s;
	size_t made;
};

static enum rc build_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct build *b = arg;
	struct db *db = db_tx_db(tx);
	b->made = 0;
	struct db_rows *st = NULL;
	enum rc rc = db_exec(db, "SELECT id, region_code FROM stations ORDER BY id LIMIT 3", NULL,
			     0, &st, prob);
	if (rc != RC_OK)
		return rc;
	size_t nst = db_rows_count(st);
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]) && rc == RC_OK; i++) {
		const struct demo_entry *d = &entries[i];
		struct db_rows *acct = NULL;
		rc = db_q(db, "SELECT id FROM accounts WHERE phone = $1", &acct, prob,
			  DB_T(d->phone));
		if (rc != RC_OK)
			break;
		int64_t account = db_rows_count(acct) ? db_rows_int(acct, 0, 0) : 0;
		db_rows_free(acct);
		if (!account)
			continue;
		size_t s = i % (nst ? nst : 1);
		struct points_post e = {
			.account_id = account,
			.amount = d->amount,
			.reason = d->reason,
			.ref_kind = "demo",
			.ref_id = (int64_t)i + 1,
			.rule = d->rule,
			.region_code = nst ? db_rows_text(st, s, 1) : NULL,
			.station_id = nst ? db_rows_int(st, s, 0) : 0,
			.note = d->note,
			.created_s = b->now_s - (int64_t)d->days_ago * 86400,
		};
		struct points_posted res;
		rc = points_post(tx, &e, &res, prob);
		if (rc == RC_OK && !res.already)
			b->made++;
	}
	db_rows_free(st);
	return rc;
}

enum rc demo_points_build(struct db *db, int64_t now_s, size_t *made, struct problem *prob)
{
	*made = 0;
	bool more = true;
	enum rc rc = RC_OK;
	while (rc == RC_OK && more) {
		size_t n = 0;
		rc = points_award_scan(db, now_s, &n, &more, prob);
		*made += n;
	}
	if (rc != RC_OK)
		return rc;
	struct build b = { .now_s = now_s };
	rc = db_tx(db, build_tx, &b, prob);
	if (rc == RC_OK)
		*made += b.made;
	return rc;
}
