/* The points ledger: posting an entry (the one write), balances, the
 * canonical text the chain covers, and the city's calendar the monthly
 * summaries and expiry count in. */
#include "domain/points.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/text.h"
#include "core/xalloc.h"

const struct points_reason_name points_reasons[] = {
	{ POINTS_REASON_SERVICE, "服务完成", "Service done" },
	{ POINTS_REASON_REPORT, "随手拍确认", "Report confirmed" },
	{ POINTS_REASON_TASK, "任务完成", "Task done" },
	{ POINTS_REASON_ACTIVITY, "参加活动", "Activity attended" },
	{ POINTS_REASON_SHIFT, "值班完成", "Shift done" },
	{ POINTS_REASON_REDEMPTION, "积分兑换", "Redemption" },
	{ POINTS_REASON_REFUND, "兑换退回", "Refund" },
	{ POINTS_REASON_EXPIRY, "积分过期", "Expiry" },
	{ POINTS_REASON_CORRECTION, "人工更正", "Correction" },
	{ NULL, NULL, NULL },
};

bool points_reason_known(const char *reason)
{
	for (size_t i = 0; reason && points_reasons[i].code; i++)
		if (!strcmp(points_reasons[i].code, reason))
			return true;
	return false;
}

/* The city's calendar: days since 1970-01-01 from a civil date and back
 * (H. Hinnant's algorithms), so no gmtime is needed. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int points_month_of(int64_t t_s)
{
	int y, m, d;
	civil_from_days(floor_div(t_s + POINTS_CITY_OFFSET, 86400), &y, &m, &d);
	return y * 100 + m;
}

int64_t points_month_start_s(int yyyymm)
{
	return days_from_civil(yyyymm / 100, yyyymm % 100, 1) * 86400 - POINTS_CITY_OFFSET;
}

int64_t points_year_start_s(int year)
{
	return days_from_civil(year, 1, 1) * 86400 - POINTS_CITY_OFFSET;
}

void points_canon(const struct points_canon *c, struct sb *out)
{
	sb_addlit(out, "points\n");
	chain_canon_int(out, "account", c->account_id);
	chain_canon_int(out, "seq", c->seq);
	chain_canon_int(out, "amount", c->amount);
	chain_canon_text(out, "reason", c->reason);
	chain_canon_text(out, "ref_kind", c->ref_kind);
	chain_canon_int(out, "ref_id", c->ref_id);
	chain_canon_text(out, "rule", c->rule);
	chain_canon_text(out, "region", c->region_code);
	chain_canon_int(out, "station", c->station_id);
	chain_canon_int(out, "granted_by", c->granted_by);
	chain_canon_text(out, "note", c->note);
	chain_canon_int(out, "created", c->created_s);
}

static void canon_row(const struct db_rows *rows, size_t i, struct sb *out)
{
	struct points_canon c = {
		.account_id = db_rows_int(rows, i, 0),
		.seq = db_rows_int(rows, i, 1),
		.amount = db_rows_int(rows, i, 4),
		.reason = db_rows_text(rows, i, 5),
		.ref_kind = db_rows_text(rows, i, 6),
		.ref_id = db_rows_int(rows, i, 7),
		.rule = db_rows_text(rows, i, 8),
		.region_code = db_rows_text(rows, i, 9),
		.station_id = db_rows_int(rows, i, 10),
		.granted_by = db_rows_int(rows, i, 11),
		.note = db_rows_text(rows, i, 12),
		.created_s = db_rows_int(rows, i, 13),
	};
	points_canon(&c, out);
}

const struct chain_kind points_chain = {
	.name = "points",
	.entries_sql = "SELECT account_id, seq, id, mac, amount, reason, ref_kind, ref_id, rule,"
		       " region_code, COALESCE(station_id, 0), COALESCE(granted_by, 0), note,"
		       " created_s FROM points_entries WHERE account_id > $1 OR (account_id = $1"
		       " AND seq > $2) ORDER BY account_id, seq LIMIT $3",
	.heads_sql = "SELECT account_id, last_seq, head_mac FROM points_balances"
		     " WHERE account_id > $1 AND last_seq > 0 ORDER BY account_id LIMIT $2",
	.canon = canon_row,
};

static enum rc check_post(const struct points_post *e, struct problem *prob)
{
	if (!points_reason_known(e->reason))
		problem_field(prob, "reason", "没有这个积分原因：%s", e->reason ? e->reason : "");
	if (e->amount == 0)
		problem_field(prob, "amount", "积分数不能为 0");
	else if (e->amount > POINTS_AMOUNT_MAX || e->amount < -POINTS_AMOUNT_MAX)
		problem_field(prob, "amount", "积分数应在 ±%d 之内", POINTS_AMOUNT_MAX);
	else if (e->reason && (!strcmp(e->reason, POINTS_REASON_REDEMPTION) ||
			       !strcmp(e->reason, POINTS_REASON_EXPIRY))) {
		if (e->amount > 0)
			problem_field(prob, "amount", "兑换和过期的积分数应为负数");
	} else if (e->reason && strcmp(e->reason, POINTS_REASON_CORRECTION) != 0 && e->amount < 0) {
		problem_field(prob, "amount", "获得积分的积分数应为正数");
	}
	if (!e->ref_kind || !*e->ref_kind || strlen(e->ref_kind) >= POINTS_REF_MAX)
		problem_field(prob, "ref_kind", "请说明积分的来由");
	bool correction = e->reason && !strcmp(e->reason, POINTS_REASON_CORRECTION);
	size_t note_len = 0;
	const char *note = e->note ? text_trim(e->note, &note_len) : NULL;
	if (correction && (!note || !note_len))
		problem_field(prob, "note", "更正积分须写明原因");
	else if (e->note && (text_chars(e->note) > POINTS_NOTE_MAX ||
			     text_line_fault(e->note, strlen(e->note)) != TEXT_FINE))
		problem_field(prob, "note", "原因应为一行、最多 %d 个字", POINTS_NOTE_MAX);
	return problem_has_fields(prob) ? RC_INVALID : RC_OK;
}

/* Adds the entry to its month's row of the summary. */
static enum rc add_monthly(struct db *db, const struct points_post *e, int64_t at_s,
			   struct problem *prob)
{
	int64_t issued = 0, redeemed = 0, expired = 0, corrected = 0;
	if (!strcmp(e->reason, POINTS_REASON_REDEMPTION))
		redeemed = -e->amount;
	else if (!strcmp(e->reason, POINTS_REASON_REFUND))
		redeemed = -e->amount;
	else if (!strcmp(e->reason, POINTS_REASON_EXPIRY))
		expired = -e->amount;
	else if (e->amount < 0)
		corrected = -e->amount;
	else
		issued = e->amount;
	return db_q(db,
		    "INSERT INTO points_monthly (month, region_code, station_id, issued, redeemed,"
		    " expired, corrected) VALUES ($1, $2, $3, $4, $5, $6, $7)"
		    " ON CONFLICT (month, region_code, station_id) DO UPDATE SET"
		    " issued = points_monthly.issued + excluded.issued,"
		    " redeemed = points_monthly.redeemed + excluded.redeemed,"
		    " expired = points_monthly.expired + excluded.expired,"
		    " corrected = points_monthly.corrected + excluded.corrected",
		    NULL, prob, DB_I(points_month_of(at_s)),
		    DB_T(e->region_code ? e->region_code : ""), DB_I(e->station_id), DB_I(issued),
		    DB_I(redeemed), DB_I(expired), DB_I(corrected));
}

enum rc points_post(struct db_tx *tx, const struct points_post *e, struct points_posted *out,
		    struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct points_posted res = { 0 };
	if (out)
		*out = res;
	enum rc rc = check_post(e, prob);
	if (rc != RC_OK)
		return rc;
	if (!chain_key_ready())
		return problem_set(prob, RC_INTERNAL, "ledger-key", "账本密钥未设置");
	int64_t at_s = e->created_s ? e->created_s : clock_now_s();

	/* The balance row first, made if missing and locked: one account's
	 * entries are posted one at a time, so seq and the chain follow
	 * commit order. On SQLite the write transaction is the lock. */
	rc = db_q(db,
		  "INSERT INTO points_balances (account_id, balance, last_seq, head_mac)"
		  " SELECT id, 0, 0, '' FROM accounts WHERE id = $1"
		  " ON CONFLICT (account_id) DO NOTHING",
		  NULL, prob, DB_I(e->account_id));
	if (rc != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  db_kind(db) == DB_KIND_POSTGRES
			  ? "SELECT balance, last_seq, head_mac FROM points_balances"
			    " WHERE account_id = $1 FOR UPDATE"
			  : "SELECT balance, last_seq, head_mac FROM points_balances"
			    " WHERE account_id = $1",
		  &rows, prob, DB_I(e->account_id));
	if (rc != RC_OK)
		return rc;
	if (!db_rows_count(rows)) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个账号：%lld",
				   (long long)e->account_id);
	}
	int64_t balance = db_rows_int(rows, 0, 0), seq = db_rows_int(rows, 0, 1) + 1;
	char prev[CHAIN_MAC_HEX];
	text_copy(prev, sizeof(prev), db_rows_text(rows, 0, 2));
	db_rows_free(rows);

	/* Asked under the lock: a racing post of the same award has committed
	 * by now, and its row is seen. */
	rc = db_q(db,
		  "SELECT id, seq FROM points_entries WHERE reason = $1 AND ref_kind = $2"
		  " AND ref_id = $3 AND account_id = $4",
		  &rows, prob, DB_T(e->reason), DB_T(e->ref_kind), DB_I(e->ref_id),
		  DB_I(e->account_id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows)) {
		res.entry_id = db_rows_int(rows, 0, 0);
		res.seq = db_rows_int(rows, 0, 1);
		res.balance = balance;
		res.already = true;
		db_rows_free(rows);
		if (out)
			*out = res;
		return RC_OK;
	}
	db_rows_free(rows);
	if (balance + e->amount < 0)
		return problem_set(prob, RC_CONFLICT, "insufficient-points",
				   "积分不足：余额 %lld 分，需要 %lld 分", (long long)balance,
				   (long long)-e->amount);

	size_t note_len = 0;
	const char *trimmed = e->note ? text_trim(e->note, &note_len) : NULL;
	char *note = trimmed && note_len ? xstrndup(trimmed, note_len) : NULL;
	struct points_canon c = {
		.account_id = e->account_id,
		.seq = seq,
		.amount = e->amount,
		.reason = e->reason,
		.ref_kind = e->ref_kind,
		.ref_id = e->ref_id,
		.rule = e->rule,
		.region_code = e->region_code,
		.station_id = e->station_id,
		.granted_by = e->granted_by,
		.note = note,
		.created_s = at_s,
	};
	struct sb canon = SB_INIT;
	points_canon(&c, &canon);
	char mac[CHAIN_MAC_HEX];
	chain_mac(prev, canon.buf, canon.len, mac);
	sb_release(&canon);
	rc = db_q(db,
		  "INSERT INTO points_entries (account_id, amount, reason, ref_kind, ref_id, rule,"
		  " region_code, station_id, granted_by, note, created_s, seq, mac)"
		  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
		  &rows, prob, DB_I(e->account_id), DB_I(e->amount), DB_T(e->reason),
		  DB_T(e->ref_kind), DB_I(e->ref_id), DB_T(e->rule), DB_T(e->region_code),
		  DB_IOPT(e->station_id > 0, e->station_id),
		  DB_IOPT(e->granted_by > 0, e->granted_by), DB_T(note), DB_I(at_s), DB_I(seq),
		  DB_T(mac));
	free(note);
	if (rc != RC_OK)
		return rc;
	res.entry_id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	res.seq = seq;
	res.balance = balance + e->amount;
	rc = add_monthly(db, e, at_s, prob);
	if (rc == RC_OK && out)
		*out = res;
	return rc;
}

enum rc points_balance(struct db *db, int64_t account_id, int64_t *balance, struct problem *prob)
{
	*balance = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT balance FROM points_balances WHERE account_id = $1", &rows,
			  prob, DB_I(account_id));
	if (rc == RC_OK && db_rows_count(rows))
		*balance = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	return rc;
}
