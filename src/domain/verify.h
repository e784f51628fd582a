/* Verifying the ledgers' chains (domain/chain.h): every kind of chain the
 * program keeps is listed here (points; a new ledger adds its kind to the
 * list in verify.c), walked by `yizhan verify` and by the server's periodic
 * job, and each run is recorded (ledger_verify_runs) so /metrics can show
 * the last. A run also compares the number of entries with the last run's:
 * entries are only ever added, so fewer now means some were removed even
 * where a chain's head was rolled back with them. */
#ifndef YZ_DOMAIN_VERIFY_H
#define YZ_DOMAIN_VERIFY_H

#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/chain.h"

struct verify_run {
	int64_t started_s, finished_s;
	int64_t entries;  /* entries checked */
	int64_t problems; /* findings */
};

/* Walks every chain of every kind, fn(finding, ctx) for each finding (fn
 * may be NULL), and records the run. A shrinking ledger is reported as a
 * finding of kind "*" (what "removed", chain_id 0, seq_from the last run's
 * count, seq_to this one's). */
enum rc verify_ledgers(struct db *db, int64_t now_s, chain_finding_fn fn, void *ctx,
		       struct verify_run *run, struct problem *prob);
/* The last recorded run; RC_NOT_FOUND when there was none. */
enum rc verify_last(struct db *db, struct verify_run *run, struct problem *prob);

#endif
