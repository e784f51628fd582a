/* The list of chain kinds and the recorded runs over them. */
#include "domain/verify.h"

#include <string.h>

#include "core/clock.h"
#include "core/sb.h"
#include "domain/points.h"
#include "domain/shop.h"

/* Every kind of chain there is. */
static const struct chain_kind *const chain_kinds[] = {
	&points_chain,
	&shop_stock_chain,
};

struct relay {
	chain_finding_fn fn;
	void *ctx;
	struct sb first; /* the first finding, in words, for the run's row */
};

static void relay(const struct chain_finding *f, void *arg)
{
	struct relay *r = arg;
	if (!r->first.len)
		sb_addf(&r->first, "%s %s: chain %lld entry %lld seq %lld-%lld", f->kind, f->what,
			(long long)f->chain_id, (long long)f->entry_id, (long long)f->seq_from,
			(long long)f->seq_to);
	if (r->fn)
		r->fn(f, r->ctx);
}

enum rc verify_ledgers(struct db *db, int64_t now_s, chain_finding_fn fn, void *ctx,
		       struct verify_run *run, struct problem *prob)
{
	memset(run, 0, sizeof(*run));
	run->started_s = now_s;
	struct relay r = { .fn = fn, .ctx = ctx, .first = SB_INIT };
	enum rc rc = RC_OK;
	for (size_t i = 0; i < sizeof(chain_kinds) / sizeof(chain_kinds[0]) && rc == RC_OK; i++)
		rc = chain_verify(db, chain_kinds[i], relay, &r, &run->entries, &run->problems,
				  prob);
	struct verify_run last;
	struct problem ignore;
	problem_init(&ignore);
	if (rc == RC_OK && verify_last(db, &last, &ignore) == RC_OK &&
	    last.entries > run->entries) {
		struct chain_finding f = { .kind = "*",
					   .what = "removed",
					   .seq_from = last.entries,
					   .seq_to = run->entries };
		run->problems++;
		relay(&f, &r);
	}
	run->finished_s = clock_now_s();
	if (rc == RC_OK)
		rc = db_q(
			db,
			"INSERT INTO ledger_verify_runs (started_s, finished_s, entries, problems,"
			" detail) VALUES ($1, $2, $3, $4, $5)",
			NULL, prob, DB_I(run->started_s), DB_I(run->finished_s), DB_I(run->entries),
			DB_I(run->problems), DB_T(r.first.len ? sb_str(&r.first) : NULL));
	sb_release(&r.first);
	return rc;
}

enum rc verify_last(struct db *db, struct verify_run *run, struct problem *prob)
{
	memset(run, 0, sizeof(*run));
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(
		db,
		"SELECT started_s, finished_s, entries, problems FROM ledger_verify_runs"
		" ORDER BY id DESC LIMIT 1",
		NULL, 0, &rows, prob);
	if (rc != RC_OK)
		return rc;
	if (!db_rows_count(rows)) {
		db_rows_free(rows);
		return RC_NOT_FOUND;
	}
	run->started_s = db_rows_int(rows, 0, 0);
	run->finished_s = db_rows_int(rows, 0, 1);
	run->entries = db_rows_int(rows, 0, 2);
	run->problems = db_rows_int(rows, 0, 3);
	db_rows_free(rows);
	return RC_OK;
}
