/* The points ledger: posting an entry (the one write), balances, the
 * canonical text the chain covers, and the city's calendar the monthly
 * summaries and expiry count in. */
#include "domain/points.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/audit.h"
#include "domain/permission.h"

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
	size_t note_len = e->note ? strlen(e->note) : 0;
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

	size_t note_len = e->note ? strlen(e->note) : 0;
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

/* Statements */

#define ENTRY_COLS                                                                              \
	"e.id, e.account_id, e.seq, e.amount, e.ref_id, COALESCE(e.station_id, 0),"             \
	" COALESCE(e.granted_by, 0), e.created_s, e.reason, e.ref_kind, e.rule, e.region_code," \
	" e.note, COALESCE(a.name, ''), COALESCE(s.name, '')"
#define ENTRY_FROM                                                           \
	" FROM points_entries e LEFT JOIN accounts a ON a.id = e.account_id" \
	" LEFT JOIN stations s ON s.id = e.station_id"

void points_page_release(struct points_page *page)
{
	free(page->items);
	db_rows_free(page->rows);
	memset(page, 0, sizeof(*page));
}

static void page_from_rows(struct db_rows *rows, size_t limit, bool by_seq,
			   struct points_page *page)
{
	size_t n = db_rows_count(rows);
	size_t shown = n > limit ? limit : n;
	page->rows = rows;
	page->items = xcalloc(shown ? shown : 1, sizeof(*page->items));
	for (size_t i = 0; i < shown; i++) {
		struct points_entry *e = &page->items[i];
		e->id = db_rows_int(rows, i, 0);
		e->account_id = db_rows_int(rows, i, 1);
		e->seq = db_rows_int(rows, i, 2);
		e->amount = db_rows_int(rows, i, 3);
		e->ref_id = db_rows_int(rows, i, 4);
		e->station_id = db_rows_int(rows, i, 5);
		e->granted_by = db_rows_int(rows, i, 6);
		e->created_s = db_rows_int(rows, i, 7);
		e->reason = db_rows_text(rows, i, 8);
		e->ref_kind = db_rows_text(rows, i, 9);
		e->rule = db_rows_text(rows, i, 10);
		e->region_code = db_rows_text(rows, i, 11);
		e->note = db_rows_text(rows, i, 12);
		e->account_name = db_rows_text(rows, i, 13);
		e->station_name = db_rows_text(rows, i, 14);
	}
	page->n = shown;
	page->next_cursor = n > limit ? (by_seq ? page->items[shown - 1].seq
						: page->items[shown - 1].id)
				      : 0;
}

enum rc points_statement(struct db *db, int64_t account_id, int64_t cursor, size_t limit,
			 struct points_page *page, struct problem *prob)
{
	memset(page, 0, sizeof(*page));
	if (limit < 1 || limit > POINTS_LIMIT_MAX)
		limit = 20;
	enum rc rc = points_balance(db, account_id, &page->balance, prob);
	if (rc != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "SELECT " ENTRY_COLS ENTRY_FROM " WHERE e.account_id = $1 AND e.seq < $2"
		  " ORDER BY e.seq DESC LIMIT $3",
		  &rows, prob, DB_I(account_id), DB_I(cursor > 0 ? cursor : INT64_MAX),
		  DB_I((int64_t)limit + 1));
	if (rc != RC_OK)
		return rc;
	page_from_rows(rows, limit, true, page);
	return RC_OK;
}

/* The upper end of a code prefix's range: codes are digits, ':' follows
 * '9'. */
static void prefix_end(const char *region, char out[16])
{
	text_copy(out, 15, region);
	size_t n = strlen(out);
	out[n] = ':';
	out[n + 1] = '\0';
}

enum rc points_region_entries(struct db *db, const struct principal *p, const char *region,
			      int64_t cursor, size_t limit, struct points_page *page,
			      struct problem *prob)
{
	memset(page, 0, sizeof(*page));
	struct scope_target t = { .region = region };
	if (!permission_allows(p, ACT_POINTS_READ, &t))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权查看 %s 的积分", region);
	if (limit < 1 || limit > POINTS_LIMIT_MAX)
		limit = 20;
	char hi[16];
	prefix_end(region, hi);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT " ENTRY_COLS ENTRY_FROM " WHERE e.region_code >= $1 AND"
			  " e.region_code < $2 AND e.id < $3 ORDER BY e.id DESC"
			  " LIMIT $4",
			  &rows, prob, DB_T(region), DB_T(hi),
			  DB_I(cursor > 0 ? cursor : INT64_MAX), DB_I((int64_t)limit + 1));
	if (rc != RC_OK)
		return rc;
	page_from_rows(rows, limit, false, page);
	return RC_OK;
}

void points_summary_release(struct points_summary *s)
{
	free(s->stations);
	db_rows_free(s->rows);
	memset(s, 0, sizeof(*s));
}

enum rc points_summary(struct db *db, const char *region, int month, int64_t station_id,
		       struct points_summary *out, struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	out->month = month;
	char hi[16];
	prefix_end(region ? region : "", hi);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT m.station_id, COALESCE(MIN(s.name), ''), MIN(m.region_code),"
			  " SUM(m.issued), SUM(m.redeemed), SUM(m.expired), SUM(m.corrected)"
			  " FROM points_monthly m LEFT JOIN stations s ON s.id = m.station_id"
			  " WHERE m.month = $1 AND m.region_code >= $2 AND m.region_code < $3"
			  " AND ($4 = 0 OR m.station_id = $4) GROUP BY m.station_id"
			  " ORDER BY m.station_id",
			  &rows, prob, DB_I(month), DB_T(region ? region : ""), DB_T(hi),
			  DB_I(station_id));
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(rows);
	out->rows = rows;
	out->stations = xcalloc(n ? n : 1, sizeof(*out->stations));
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		struct points_sum *s = &out->stations[i];
		s->station_id = db_rows_int(rows, i, 0);
		s->station_name = db_rows_text(rows, i, 1);
		s->region_code = db_rows_text(rows, i, 2);
		s->issued = db_rows_int(rows, i, 3);
		s->redeemed = db_rows_int(rows, i, 4);
		s->expired = db_rows_int(rows, i, 5);
		s->corrected = db_rows_int(rows, i, 6);
		out->total.issued += s->issued;
		out->total.redeemed += s->redeemed;
		out->total.expired += s->expired;
		out->total.corrected += s->corrected;
	}
	return RC_OK;
}

/* Corrections */

enum rc points_correct(struct db_tx *tx, const struct actor *actor,
		       const struct points_correction *c, struct points_posted *out,
		       struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	size_t note_len = c->note ? strlen(c->note) : 0;
	if (!c->note || !text_trim(c->note, &note_len) || !note_len)
		problem_field(prob, "note", "更正积分须写明原因");
	if (!c->entry_id && !c->amount)
		problem_field(prob, "amount", "积分数不能为 0");
	if (problem_has_fields(prob))
		return RC_INVALID;
	int64_t account = c->account_id, amount = c->amount, station = 0;
	char region[16] = "";
	struct db_rows *rows = NULL;
	enum rc rc;
	if (c->entry_id) {
		rc = db_q(db,
			  "SELECT account_id, amount, COALESCE(region_code, ''),"
			  " COALESCE(station_id, 0) FROM points_entries WHERE id = $1",
			  &rows, prob, DB_I(c->entry_id));
		if (rc != RC_OK)
			return rc;
		if (!db_rows_count(rows)) {
			db_rows_free(rows);
			return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这条积分记录");
		}
		account = db_rows_int(rows, 0, 0);
		if (!amount)
			amount = -db_rows_int(rows, 0, 1);
		text_copy(region, sizeof(region), db_rows_text(rows, 0, 2));
		station = db_rows_int(rows, 0, 3);
		db_rows_free(rows);
	} else {
		rc = db_q(db, "SELECT COALESCE(region_code, '') FROM persons WHERE account_id = $1",
			  &rows, prob, DB_I(account));
		if (rc != RC_OK)
			return rc;
		if (db_rows_count(rows))
			text_copy(region, sizeof(region), db_rows_text(rows, 0, 0));
		db_rows_free(rows);
	}
	struct scope_target t = { .region = region, .station_id = station };
	bool may = region[0] ? permission_allows(actor->p, ACT_POINTS_CORRECT, &t)
			     : permission_allows_citywide(actor->p, ACT_POINTS_CORRECT);
	if (!may)
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有这个人所在地区的工作人员可以更正其积分");
	int64_t ref = c->entry_id;
	if (!ref) {
		rc = db_q(db,
			  "SELECT COALESCE(MAX(last_seq), 0) + 1 FROM points_balances"
			  " WHERE account_id = $1",
			  &rows, prob, DB_I(account));
		if (rc != RC_OK)
			return rc;
		ref = db_rows_int(rows, 0, 0);
		db_rows_free(rows);
	}
	struct points_post e = { .account_id = account,
				 .amount = amount,
				 .reason = POINTS_REASON_CORRECTION,
				 .ref_kind = c->entry_id ? "entry" : "correction",
				 .ref_id = ref,
				 .region_code = region[0] ? region : NULL,
				 .station_id = station,
				 .granted_by = actor->p ? actor->p->account_id : 0,
				 .note = c->note };
	struct points_posted res;
	rc = points_post(tx, &e, &res, prob);
	if (rc != RC_OK)
		return rc;
	if (res.already) {
		if (c->entry_id)
			return problem_set(prob, RC_CONFLICT, "already-corrected",
					   "这条积分记录已经更正过");
		return RC_BUSY; /* another correction took the seq meanwhile: again */
	}
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "account_id", account);
	audit_detail_int(&d, "amount", amount);
	audit_detail_int(&d, "entry_id", res.entry_id);
	audit_detail_str(&d, "note", c->note);
	rc = audit_record_id(tx, actor, "points.correct", "points_entry", res.entry_id,
			     region[0] ? region : NULL, &d, prob);
	audit_detail_release(&d);
	if (rc == RC_OK && out)
		*out = res;
	return rc;
}
