/* The earning rules, the consumer that applies them to outbox events, and
 * the expiry of old points. Event data is JSON (an activity's points), read
 * with jansson as the group bots' scanner reads it. */
#include "domain/points_award.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/events.h"
#include "domain/inbox.h"
#include "domain/permission.h"
#include "domain/points.h"
#include "domain/request.h"

#define SCAN_BATCH   500
#define EXPIRY_BATCH 500
#define RULE_COLS                                                                    \
	"code, kind, category, reason, basis, beneficiary, amount, night_bonus_pct," \
	" holiday_bonus_pct, monthly_cap, enabled, updated_s"

/* Rules */

static void rule_from_row(const struct db_rows *rows, size_t i, struct points_rule *r)
{
	memset(r, 0, sizeof(*r));
	text_copy(r->code, sizeof(r->code), db_rows_text(rows, i, 0));
	text_copy(r->kind, sizeof(r->kind), db_rows_text(rows, i, 1));
	text_copy(r->category, sizeof(r->category), db_rows_text(rows, i, 2));
	text_copy(r->reason, sizeof(r->reason), db_rows_text(rows, i, 3));
	text_copy(r->basis, sizeof(r->basis), db_rows_text(rows, i, 4));
	text_copy(r->beneficiary, sizeof(r->beneficiary), db_rows_text(rows, i, 5));
	r->amount = db_rows_int(rows, i, 6);
	r->night_bonus_pct = (int)db_rows_int(rows, i, 7);
	r->holiday_bonus_pct = (int)db_rows_int(rows, i, 8);
	r->monthly_cap = db_rows_int(rows, i, 9);
	r->enabled = db_rows_int(rows, i, 10) != 0;
	r->updated_s = db_rows_int(rows, i, 11);
}

enum rc points_rules_list(struct db *db, struct points_rule **out, size_t *n, struct problem *prob)
{
	*out = NULL;
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, "SELECT " RULE_COLS " FROM points_rules ORDER BY code", NULL, 0,
			     &rows, prob);
	if (rc != RC_OK)
		return rc;
	*n = db_rows_count(rows);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		rule_from_row(rows, i, &(*out)[i]);
	db_rows_free(rows);
	return RC_OK;
}

static enum rc rule_get(struct db *db, const char *code, struct points_rule *r,
			struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT " RULE_COLS " FROM points_rules WHERE code = $1", &rows, prob,
			  DB_T(code));
	if (rc != RC_OK)
		return rc;
	if (!db_rows_count(rows)) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这条积分规则：%s", code);
	}
	rule_from_row(rows, 0, r);
	db_rows_free(rows);
	return RC_OK;
}

/* Field errors for the amounts of c out of range. */
static void rule_change_check(const struct points_rule_change *c, struct problem *prob)
{
	if (c->has_amount && (c->amount < 0 || c->amount > POINTS_AMOUNT_MAX))
		problem_field(prob, "amount", "积分数应为 0–%d", POINTS_AMOUNT_MAX);
	if (c->has_night && (c->night_bonus_pct < 0 || c->night_bonus_pct > 1000))
		problem_field(prob, "night_bonus_pct", "加成应为 0–1000%%");
	if (c->has_holiday && (c->holiday_bonus_pct < 0 || c->holiday_bonus_pct > 1000))
		problem_field(prob, "holiday_bonus_pct", "加成应为 0–1000%%");
	if (c->has_cap && (c->monthly_cap < 0 || c->monthly_cap > POINTS_AMOUNT_MAX))
		problem_field(prob, "monthly_cap", "积分数应为 0–%d", POINTS_AMOUNT_MAX);
}

/* The amounts c sets, into r. */
static void rule_change_apply(const struct points_rule_change *c, struct points_rule *r)
{
	if (c->has_amount)
		r->amount = c->amount;
	if (c->has_night)
		r->night_bonus_pct = c->night_bonus_pct;
	if (c->has_holiday)
		r->holiday_bonus_pct = c->holiday_bonus_pct;
	if (c->has_cap)
		r->monthly_cap = c->monthly_cap;
}

enum rc points_rule_update(struct db_tx *tx, const struct actor *actor, const char *code,
			   const struct points_rule_change *c, struct points_rule *out,
			   struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (!permission_allows_citywide(actor->p, ACT_POINTS_MANAGE))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有全市范围的管理员可以修改积分规则");
	rule_change_check(c, prob);
	if (problem_has_fields(prob))
		return RC_INVALID;
	struct points_rule r;
	enum rc rc = rule_get(db, code, &r, prob);
	if (rc != RC_OK)
		return rc;
	rule_change_apply(c, &r);
	if (c->has_enabled)
		r.enabled = c->enabled;
	r.updated_s = clock_now_s();
	rc = db_q(
		db,
		"UPDATE points_rules SET amount = $1, night_bonus_pct = $2, holiday_bonus_pct = $3,"
		" monthly_cap = $4, enabled = $5, updated_s = $6 WHERE code = $7",
		NULL, prob, DB_I(r.amount), DB_I(r.night_bonus_pct), DB_I(r.holiday_bonus_pct),
		DB_I(r.monthly_cap), DB_I(r.enabled ? 1 : 0), DB_I(r.updated_s), DB_T(code));
	if (rc != RC_OK)
		return rc;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "amount", r.amount);
	audit_detail_int(&d, "night_bonus_pct", r.night_bonus_pct);
	audit_detail_int(&d, "holiday_bonus_pct", r.holiday_bonus_pct);
	audit_detail_int(&d, "monthly_cap", r.monthly_cap);
	audit_detail_int(&d, "enabled", r.enabled);
	rc = audit_record(tx, actor, "points.rule.update", "points_rule", code, NULL, &d, prob);
	audit_detail_release(&d);
	if (rc == RC_OK && out)
		*out = r;
	return rc;
}

enum rc points_rule_create(struct db_tx *tx, const struct actor *actor, const char *kind,
			   const char *category, const char *basis,
			   const struct points_rule_change *c, struct points_rule *out,
			   struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (!permission_allows_citywide(actor->p, ACT_POINTS_MANAGE))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有全市范围的管理员可以修改积分规则");
	if (!kind || !request_kind_known(kind))
		problem_field(prob, "kind",
			      "应为 order、wish、report、suggestion、mediation、task、visit 之一");
	if (!category || !*category || !strcmp(category, "*"))
		problem_field(prob, "category", "要写明类别");
	if (basis && strcmp(basis, "fixed") != 0 && strcmp(basis, "per_hour") != 0)
		problem_field(prob, "basis", "应为 fixed（每件）或 per_hour（每小时）");
	rule_change_check(c, prob);
	if (problem_has_fields(prob))
		return RC_INVALID;
	struct points_rule r;
	char code[POINTS_RULE_CODE_MAX];
	if ((size_t)snprintf(code, sizeof(code), "%s.%s", kind, category) >= sizeof(code)) {
		problem_field(prob, "category", "类别代码太长，做不成规则");
		return RC_INVALID;
	}
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT 1 FROM request_categories WHERE kind = $1 AND code = $2",
			  &rows, prob, DB_T(kind), DB_T(category));
	bool known = rc == RC_OK && db_rows_count(rows) == 1;
	db_rows_free(rows);
	if (rc != RC_OK)
		return rc;
	if (!known) {
		problem_field(prob, "category", "这一类诉求没有这个类别：%s", category);
		problem_field_en(prob, "A %s has no category %s", kind, category);
		return RC_INVALID;
	}
	/* The kind's rule gives what the category's does not change. */
	rc = rule_get(db, kind, &r, prob);
	if (rc != RC_OK)
		return rc;
	text_copy(r.code, sizeof(r.code), code);
	text_copy(r.category, sizeof(r.category), category);
	if (basis)
		text_copy(r.basis, sizeof(r.basis), basis);
	rule_change_apply(c, &r);
	r.enabled = c->has_enabled ? c->enabled : true;
	r.updated_s = clock_now_s();
	rc = db_q(db,
		  "INSERT INTO points_rules (code, kind, category, reason, basis, amount,"
		  " night_bonus_pct, holiday_bonus_pct, monthly_cap, beneficiary, enabled,"
		  " updated_s) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
		  NULL, prob, DB_T(r.code), DB_T(r.kind), DB_T(r.category), DB_T(r.reason),
		  DB_T(r.basis), DB_I(r.amount), DB_I(r.night_bonus_pct), DB_I(r.holiday_bonus_pct),
		  DB_I(r.monthly_cap), DB_T(r.beneficiary), DB_I(r.enabled ? 1 : 0),
		  DB_I(r.updated_s));
	if (rc == RC_CONFLICT)
		return problem_set(prob, RC_CONFLICT, "rule-exists",
				   "这个类别已经有自己的积分规则：%s，请修改它", code);
	if (rc != RC_OK)
		return rc;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_str(&d, "basis", r.basis);
	audit_detail_int(&d, "amount", r.amount);
	audit_detail_int(&d, "night_bonus_pct", r.night_bonus_pct);
	audit_detail_int(&d, "holiday_bonus_pct", r.holiday_bonus_pct);
	audit_detail_int(&d, "monthly_cap", r.monthly_cap);
	rc = audit_record(tx, actor, "points.rule.create", "points_rule", code, NULL, &d, prob);
	audit_detail_release(&d);
	if (rc == RC_OK && out)
		*out = r;
	return rc;
}

enum rc points_rule_delete(struct db_tx *tx, const struct actor *actor, const char *code,
			   struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (!permission_allows_citywide(actor->p, ACT_POINTS_MANAGE))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有全市范围的管理员可以修改积分规则");
	struct points_rule r;
	enum rc rc = rule_get(db, code, &r, prob);
	if (rc != RC_OK)
		return rc;
	if (!strcmp(r.category, "*"))
		return problem_set(prob, RC_CONFLICT, "rule-kept",
				   "一类诉求的总规则不能删除，只能停用（enabled: false）");
	rc = db_q(db, "DELETE FROM points_rules WHERE code = $1", NULL, prob, DB_T(code));
	if (rc == RC_OK)
		rc = audit_record(tx, actor, "points.rule.delete", "points_rule", code, NULL, NULL,
				  prob);
	return rc;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t points_rule_amount(const struct points_rule *r, int64_t start_s, int64_t end_s,
			   int64_t event_points, points_holiday_fn holiday, void *ctx)
{
	if (!strcmp(r->basis, "event"))
		return event_points > 0 ? event_points : 0;
	if (strcmp(r->basis, "per_hour") != 0)
		return r->amount;
	if (r->amount <= 0)
		return 0;
	if (end_s - start_s > POINTS_HOURS_MAX * 3600)
		end_s = start_s + POINTS_HOURS_MAX * 3600;
	/* Weighted minutes, in hundredths: each minute 100, plus its bonuses. */
	int64_t weighted = 0;
	int64_t cached_day = INT64_MIN;
	bool cached_holiday = false;
	for (int64_t t = start_s; t < end_s; t += 60) {
		int64_t local = t + POINTS_CITY_OFFSET;
		int64_t day = floor_div(local, 86400);
		int hour = (int)(floor_div(local, 3600) % 24);
		if (day != cached_day) {
			cached_day = day;
			int64_t wd = ((day % 7) + 11) % 7; /* 1970-01-01 was a Thursday: 0 Sunday */
			cached_holiday = wd == 0 || wd == 6 || (holiday && holiday(day, ctx));
		}
		weighted += 100;
		if (hour >= 22 || hour < 6)
			weighted += r->night_bonus_pct;
		if (cached_holiday)
			weighted += r->holiday_bonus_pct;
	}
	/* amount per 60 minutes of 100: rounded half up. */
	int64_t pts = (r->amount * weighted + 3000) / 6000;
	return pts > 0 ? pts : 1;
}

/* Holidays from the table, for points_rule_amount. */
static bool table_holiday(int64_t day, void *ctx)
{
	struct db *db = ctx;
	int64_t z = day + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	int y = (int)(yoe + era * 400 + (m <= 2));
	char date[16];
	struct sb sb = SB_INIT;
	sb_addf(&sb, "%04d-%02d-%02d", y, m, d);
	text_copy(date, sizeof(date), sb_str(&sb));
	sb_release(&sb);
	struct problem prob;
	problem_init(&prob);
	struct db_rows *rows = NULL;
	bool yes = db_q(db, "SELECT 1 FROM points_holidays WHERE day = $1", &rows, &prob,
			DB_T(date)) == RC_OK &&
		   db_rows_count(rows) > 0;
	db_rows_free(rows);
	return yes;
}

/* The consumer */

struct award_event {
	int64_t id, station_id;
	char *topic, *object_id, *region_code, *data;
};

struct scan {
	int64_t now_s;
	struct award_event *ev;
	size_t nev;
	size_t awarded;
	bool more;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void scan_release(struct scan *s)
{
	for (size_t i = 0; i < s->nev; i++) {
		free(s->ev[i].topic);
		free(s->ev[i].object_id);
		free(s->ev[i].region_code);
		free(s->ev[i].data);
	}
	free(s->ev);
	s->ev = NULL;
	s->nev = 0;
}

static void collect(const struct event *e, void *arg)
{
	struct scan *s = arg;
	struct award_event *c = &s->ev[s->nev++];
	c->id = e->id;
	c->station_id = e->to.station_id;
	c->topic = dup_or_null(e->topic);
	c->object_id = dup_or_null(e->object_id);
	c->region_code = dup_or_null(e->to.region_code);
	c->data = dup_or_null(e->to.data);
}

/* The rule for kind and category: the category's own before '*'. */
static enum rc rule_for(struct db *db, const char *kind, const char *category,
			struct points_rule *r, bool *found, struct problem *prob)
{
	*found = false;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT " RULE_COLS " FROM points_rules WHERE kind = $1 AND"
			  " (category = $2 OR category = '*') AND enabled = 1"
			  " ORDER BY CASE WHEN category = '*' THEN 1 ELSE 0 END LIMIT 1",
			  &rows, prob, DB_T(kind), DB_T(category));
	if (rc == RC_OK && db_rows_count(rows)) {
		rule_from_row(rows, 0, r);
		*found = true;
	}
	db_rows_free(rows);
	return rc;
}

/* Posts amount by rule r to account (capped by the rule's monthly cap) and
 * tells the account. */
static enum rc award(struct db_tx *tx, const struct points_rule *r, int64_t account, int64_t amount,
		     const char *ref_kind, int64_t ref_id, const char *region, int64_t station_id,
		     const char *title, int64_t now_s, size_t *awarded, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (account <= 0 || amount <= 0)
		return RC_OK;
	if (r->monthly_cap > 0) {
		struct db_rows *rows = NULL;
		enum rc rc = db_q(db,
				  "SELECT COALESCE(SUM(amount), 0) FROM points_entries"
				  " WHERE account_id = $1 AND rule = $2 AND created_s >= $3",
				  &rows, prob, DB_I(account), DB_T(r->code),
				  DB_I(points_month_start_s(points_month_of(now_s))));
		if (rc != RC_OK)
			return rc;
		int64_t so_far = db_rows_int(rows, 0, 0);
		db_rows_free(rows);
		if (amount > r->monthly_cap - so_far)
			amount = r->monthly_cap - so_far;
		if (amount <= 0)
			return RC_OK;
	}
	struct points_post e = { .account_id = account,
				 .amount = amount,
				 .reason = r->reason,
				 .ref_kind = ref_kind,
				 .ref_id = ref_id,
				 .rule = r->code,
				 .region_code = region,
				 .station_id = station_id,
				 .created_s = now_s };
	struct points_posted res;
	enum rc rc = points_post(tx, &e, &res, prob);
	if (rc != RC_OK || res.already)
		return rc;
	(*awarded)++;
	struct sb t = SB_INIT;
	sb_addf(&t, "获得 %lld 积分", (long long)amount);
	if (title && *title) {
		sb_adds(&t, "：");
		sb_adds(&t, title);
	}
	struct sb body = SB_INIT;
	sb_addf(&body, "余额 %lld 分", (long long)res.balance);
	rc = inbox_notify(tx, account, "points", "points", res.entry_id, sb_str(&t), sb_str(&body),
			  prob);
	sb_release(&t);
	sb_release(&body);
	return rc;
}

static enum rc on_request_resolved(struct db_tx *tx, const struct award_event *ev, int64_t now_s,
				   size_t *awarded, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	char *end = NULL;
	long long id = strtoll(ev->object_id ? ev->object_id : "", &end, 10);
	if (!end || *end || id <= 0)
		return RC_OK;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db,
		"SELECT kind, category, COALESCE(assignee_id, 0), requester_id,"
		" COALESCE(accepted_s, dispatched_s, created_s), COALESCE(resolved_s, 0),"
		" region_code, COALESCE(station_id, 0), title FROM requests WHERE id = $1",
		&rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (!db_rows_count(rows) || db_rows_int(rows, 0, 5) == 0) {
		db_rows_free(rows);
		return RC_OK; /* gone, or not resolved after all */
	}
	struct points_rule r;
	bool found = false;
	rc = rule_for(db, db_rows_text(rows, 0, 0), db_rows_text(rows, 0, 1), &r, &found, prob);
	if (rc == RC_OK && found) {
		int64_t who = !strcmp(r.beneficiary, "requester")  ? db_rows_int(rows, 0, 3)
			      : !strcmp(r.beneficiary, "assignee") ? db_rows_int(rows, 0, 2)
								   : 0;
		int64_t amount = points_rule_amount(&r, db_rows_int(rows, 0, 4),
						    db_rows_int(rows, 0, 5), 0, table_holiday, db);
		rc = award(tx, &r, who, amount, "request", id, db_rows_text(rows, 0, 6),
			   db_rows_int(rows, 0, 7), db_rows_text(rows, 0, 8), now_s, awarded, prob);
	}
	db_rows_free(rows);
	return rc;
}

static enum rc on_activity_attended(struct db_tx *tx, const struct award_event *ev, int64_t now_s,
				    size_t *awarded, struct problem *prob)
{
	json_t *d = ev->data ? json_loads(ev->data, 0, NULL) : NULL;
	json_int_t signup = json_integer_value(json_object_get(d, "signup_id"));
	json_int_t account = json_integer_value(json_object_get(d, "account_id"));
	json_int_t pts = json_integer_value(json_object_get(d, "points"));
	const char *title = json_string_value(json_object_get(d, "title"));
	enum rc rc = RC_OK;
	struct points_rule r;
	bool found = false;
	if (signup > 0 && account > 0 && pts > 0 && pts <= POINTS_AMOUNT_MAX)
		rc = rule_for(db_tx_db(tx), "activity", "*", &r, &found, prob);
	if (rc == RC_OK && found)
		rc = award(tx, &r, account, points_rule_amount(&r, 0, 0, pts, NULL, NULL), "signup",
			   signup, ev->region_code, ev->station_id, title, now_s, awarded, prob);
	json_decref(d);
	return rc;
}

static enum rc scan_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct scan *s = arg;
	struct db *db = db_tx_db(tx);
	scan_release(s);
	s->awarded = 0;
	s->more = false;
	struct events_cursor cur;
	bool found = false;
	enum rc rc = events_cursor_lock(tx, "points_cursor", &cur, &found, prob);
	if (rc != RC_OK)
		return rc;
	if (!found)
		return problem_set(prob, RC_INTERNAL, "internal", "积分的事件位置丢失");
	int64_t pos = cur.pos;
	s->ev = xcalloc(SCAN_BATCH, sizeof(*s->ev));
	int64_t last = pos;
	rc = events_read_after(db, pos, SCAN_BATCH, collect, s, &last, prob);
	if (rc != RC_OK || !s->nev)
		return rc;
	/* Events after a hole are applied now; when the hole fills, they are
	 * read again and the awards' keys make that harmless. */
	for (size_t i = 0; i < s->nev && rc == RC_OK; i++) {
		const struct award_event *ev = &s->ev[i];
		if (!ev->topic)
			continue;
		if (!strcmp(ev->topic, EVENT_REQUEST_RESOLVED))
			rc = on_request_resolved(tx, ev, s->now_s, &s->awarded, prob);
		else if (!strcmp(ev->topic, EVENT_ACTIVITY_ATTENDED))
			rc = on_activity_attended(tx, ev, s->now_s, &s->awarded, prob);
		if (rc == RC_INVALID || rc == RC_NOT_FOUND) {
			/* An event nothing can be awarded for: said, and passed. */
			log_warn(NULL, "points", "event %lld (%s) awards nothing: %s",
				 (long long)ev->id, ev->topic, prob->detail);
			problem_init(prob);
			rc = RC_OK;
		}
	}
	if (rc != RC_OK)
		return rc;
	int64_t new_pos = pos;
	int64_t *ids = xcalloc(s->nev, sizeof(*ids));
	for (size_t i = 0; i < s->nev; i++)
		ids[i] = s->ev[i].id;
	rc = events_cursor_move(tx, "points_cursor", &cur, ids, s->nev, s->now_s,
				POINTS_SCAN_HOLE_S, &new_pos, prob);
	free(ids);
	s->more = s->nev == SCAN_BATCH && new_pos > pos;
	return rc;
}

enum rc points_award_scan(struct db *db, int64_t now_s, size_t *awarded, bool *more,
			  struct problem *prob)
{
	*awarded = 0;
	*more = false;
	bool news = false;
	enum rc rc = events_cursor_news(db, "points_cursor", &news, prob);
	if (rc != RC_OK || !news)
		return rc;
	struct scan s = { .now_s = now_s };
	rc = db_tx(db, scan_tx, &s, prob);
	if (rc == RC_OK) {
		*awarded = s.awarded;
		*more = s.more;
	}
	scan_release(&s);
	return rc;
}

/* Expiry */

int64_t points_fifo_left(int64_t earned_before, int64_t earned_in, int64_t debits)
{
	int64_t against = debits - earned_before;
	if (against < 0)
		against = 0;
	int64_t left = earned_in - against;
	return left < 0 ? 0 : left > earned_in ? earned_in : left;
}

struct expiry {
	int year;
	int64_t year_start_s, year_end_s, deadline_s, now_s;
	int64_t after;	    /* the last account done */
	int64_t next_after; /* after this batch commits */
	int64_t batch;	    /* entries this batch wrote */
	bool more;
};

static enum rc expire_batch(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct expiry *x = arg;
	struct db *db = db_tx_db(tx);
	struct db_rows *accts = NULL;
	x->more = false;
	enum rc rc = db_q(db,
			  "SELECT account_id, balance FROM points_balances WHERE account_id > $1"
			  " AND balance > 0 ORDER BY account_id LIMIT $2",
			  &accts, prob, DB_I(x->after), DB_I(EXPIRY_BATCH));
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(accts);
	int64_t written = 0, last = x->after;
	for (size_t i = 0; i < n && rc == RC_OK; i++) {
		int64_t account = db_rows_int(accts, i, 0), balance = db_rows_int(accts, i, 1);
		last = account;
		struct db_rows *rows = NULL;
		rc = db_q(db,
			  "SELECT COALESCE(SUM(CASE WHEN amount > 0 AND created_s < $2 THEN amount"
			  " ELSE 0 END), 0), COALESCE(SUM(CASE WHEN amount > 0 AND created_s >= $2"
			  " AND created_s < $3 THEN amount ELSE 0 END), 0), COALESCE(SUM(CASE WHEN"
			  " amount < 0 AND (created_s < $4 OR (reason = 'expiry' AND ref_id < $5))"
			  " THEN -amount ELSE 0 END), 0) FROM points_entries WHERE account_id = $1",
			  &rows, prob, DB_I(account), DB_I(x->year_start_s), DB_I(x->year_end_s),
			  DB_I(x->deadline_s), DB_I(x->year));
		if (rc != RC_OK)
			break;
		int64_t left = points_fifo_left(db_rows_int(rows, 0, 0), db_rows_int(rows, 0, 1),
						db_rows_int(rows, 0, 2));
		db_rows_free(rows);
		if (left > balance)
			left = balance;
		if (left <= 0)
			continue;
		struct points_post e = { .account_id = account,
					 .amount = -left,
					 .reason = POINTS_REASON_EXPIRY,
					 .ref_kind = "year",
					 .ref_id = x->year,
					 .created_s = x->now_s };
		struct points_posted res;
		rc = points_post(tx, &e, &res, prob);
		if (rc == RC_OK && !res.already)
			written++;
	}
	db_rows_free(accts);
	if (rc != RC_OK)
		return rc;
	x->batch = written;
	x->next_after = last;
	x->more = n == EXPIRY_BATCH;
	if (!x->more)
		rc = db_q(db,
			  "INSERT INTO points_expiry_years (year, done_s) VALUES ($1, $2)"
			  " ON CONFLICT (year) DO NOTHING",
			  NULL, prob, DB_I(x->year), DB_I(x->now_s));
	return rc;
}

enum rc points_expire_due(struct db *db, int64_t now_s, int years, int64_t *entries,
			  struct problem *prob)
{
	*entries = 0;
	if (years <= 0)
		return RC_OK;
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db,
			     "SELECT COALESCE(MIN(month), 0) FROM points_monthly WHERE issued > 0",
			     NULL, 0, &rows, prob);
	if (rc != RC_OK)
		return rc;
	int first = (int)(db_rows_int(rows, 0, 0) / 100);
	db_rows_free(rows);
	if (!first)
		return RC_OK;
	int this_year = points_month_of(now_s) / 100;
	for (int y = first; y + years < this_year && rc == RC_OK; y++) {
		rc = db_q(db, "SELECT 1 FROM points_expiry_years WHERE year = $1", &rows, prob,
			  DB_I(y));
		if (rc != RC_OK)
			break;
		bool done = db_rows_count(rows) > 0;
		db_rows_free(rows);
		if (done)
			continue;
		struct expiry x = { .year = y,
				    .year_start_s = points_year_start_s(y),
				    .year_end_s = points_year_start_s(y + 1),
				    .deadline_s = points_year_start_s(y + years + 1),
				    .now_s = now_s };
		do {
			rc = db_tx(db, expire_batch, &x, prob);
			if (rc == RC_OK) {
				*entries += x.batch;
				x.after = x.next_after;
			}
		} while (rc == RC_OK && x.more);
	}
	return rc;
}
