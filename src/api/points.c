/* /api/v1/me/points, /api/v1/points/…: a person's statement, a region's
 * entries and monthly summary for staff, the public monthly figures per
 * station, the earning rules and corrections. */
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/query.h"
#include "api/reply.h"
#include "api/write.h"
#include "core/clock.h"
#include "domain/permission.h"
#include "domain/points.h"
#include "domain/points_award.h"

static const char *reason_zh(const char *code)
{
	for (size_t i = 0; points_reasons[i].code; i++)
		if (code && !strcmp(points_reasons[i].code, code))
			return points_reasons[i].zh;
	return code ? code : "";
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *entry_json(const struct points_entry *e, bool with_account)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "seq", json_integer(e->seq));
	json_object_set_new(o, "amount", json_integer(e->amount));
	json_object_set_new(o, "reason", json_string(e->reason));
	json_object_set_new(o, "reason_label", json_string(reason_zh(e->reason)));
	json_object_set_new(
		o, "ref", json_pack("{s:s,s:I}", "kind", e->ref_kind, "id", (json_int_t)e->ref_id));
	json_object_set_new(o, "rule", str_or_null(e->rule));
	json_object_set_new(o, "region_code", str_or_null(e->region_code));
	json_object_set_new(o, "station",
			    e->station_id ? json_pack("{s:I,s:s}", "id", (json_int_t)e->station_id,
						      "name", e->station_name)
					  : json_null());
	json_object_set_new(o, "granted_by",
			    e->granted_by ? json_integer(e->granted_by) : json_null());
	json_object_set_new(o, "note", str_or_null(e->note));
	json_object_set_new(o, "created_at", json_time(e->created_s));
	if (with_account)
		json_object_set_new(o, "account",
				    json_pack("{s:I,s:s}", "id", (json_int_t)e->account_id, "name",
					      e->account_name));
	return o;
}

static json_t *page_json(const struct points_page *page, bool with_account)
{
	json_t *items = json_array();
	for (size_t i = 0; i < page->n; i++)
		json_array_append_new(items, entry_json(&page->items[i], with_account));
	return json_pack("{s:o,s:o}", "items", items, "next_cursor",
			 page->next_cursor ? json_integer(page->next_cursor) : json_null());
}

void h_points_me(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	const struct principal *p = req_principal(req);
	struct problem prob;
	problem_init(&prob);
	int64_t cursor = 0, limit = 0;
	query_int(req, "cursor", 1, INT64_MAX, 0, &cursor, &prob);
	query_int(req, "limit", 1, POINTS_LIMIT_MAX, 20, &limit, &prob);
	struct points_page page = { 0 };
	if (problem_has_fields(&prob) || points_statement(app->db, p->account_id, cursor,
							  (size_t)limit, &page, &prob) != RC_OK) {
		points_page_release(&page);
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *o = page_json(&page, false);
	json_object_set_new(o, "balance", json_integer(page.balance));
	points_page_release(&page);
	reply_json(resp, 200, o);
}

void h_points_entries(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	char region[13];
	int64_t cursor = 0, limit = 0;
	query_region(req, "region", true, region, &prob);
	query_int(req, "cursor", 1, INT64_MAX, 0, &cursor, &prob);
	query_int(req, "limit", 1, POINTS_LIMIT_MAX, 20, &limit, &prob);
	struct points_page page = { 0 };
	if (problem_has_fields(&prob) ||
	    points_region_entries(app->db, req_principal(req), region, cursor, (size_t)limit, &page,
				  &prob) != RC_OK) {
		points_page_release(&page);
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *o = page_json(&page, true);
	points_page_release(&page);
	reply_json(resp, 200, o);
}

/* ?month=YYYY-MM (default: this month, city time) into *month (yyyymm). */
static bool query_month(struct http_req *req, int *month, struct problem *prob)
{
	const char *s = http_req_query(req, "month");
	if (!s || !*s) {
		*month = points_month_of(clock_now_s());
		return true;
	}
	int y = 0, m = 0;
	bool ok = strlen(s) == 7 && s[4] == '-';
	for (int i = 0; ok && i < 7; i++)
		ok = i == 4 || (s[i] >= '0' && s[i] <= '9');
	if (ok) {
		y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
		m = (s[5] - '0') * 10 + (s[6] - '0');
	}
	if (!ok || y < 2000 || m < 1 || m > 12) {
		problem_field(prob, "month", "月份应写作 YYYY-MM，如 2026-05");
		return false;
	}
	*month = y * 100 + m;
	return true;
}

static json_t *sum_json(const struct points_sum *s, bool full)
{
	json_t *o = json_pack("{s:I,s:I}", "issued", (json_int_t)s->issued, "redeemed",
			      (json_int_t)s->redeemed);
	if (full) {
		json_object_set_new(o, "expired", json_integer(s->expired));
		json_object_set_new(o, "corrected", json_integer(s->corrected));
	}
	return o;
}

static json_t *summary_json(const struct points_summary *s, bool full)
{
	json_t *stations = json_array();
	for (size_t i = 0; i < s->n; i++) {
		const struct points_sum *r = &s->stations[i];
		json_t *o = sum_json(r, full);
		json_object_set_new(o, "station",
				    r->station_id ? json_pack("{s:I,s:s}", "id",
							      (json_int_t)r->station_id, "name",
							      r->station_name)
						  : json_null());
		if (full)
			json_object_set_new(o, "region_code", str_or_null(r->region_code));
		json_array_append_new(stations, o);
	}
	char month[8] = { (char)('0' + s->month / 100000),
			  (char)('0' + s->month / 10000 % 10),
			  (char)('0' + s->month / 1000 % 10),
			  (char)('0' + s->month / 100 % 10),
			  '-',
			  (char)('0' + s->month / 10 % 10),
			  (char)('0' + s->month % 10),
			  0 };
	return json_pack("{s:s,s:o,s:o}", "month", month, "stations", stations, "total",
			 sum_json(&s->total, full));
}

void h_points_summary(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	char region[13];
	int month = 0;
	query_region(req, "region", true, region, &prob);
	query_month(req, &month, &prob);
	if (problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	struct scope_target t = { .region = region };
	if (!permission_allows(req_principal(req), ACT_POINTS_READ, &t)) {
		problem_set(&prob, RC_FORBIDDEN, "forbidden", "无权查看 %s 的积分", region);
		reply_problem(req, resp, &prob);
		return;
	}
	struct points_summary s;
	if (points_summary(app->db, region, month, 0, &s, &prob) != RC_OK) {
		points_summary_release(&s);
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *o = summary_json(&s, true);
	json_object_set_new(o, "region_code", json_string(region));
	points_summary_release(&s);
	reply_json(resp, 200, o);
}

void h_points_monthly(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int month = 0;
	int64_t station = 0;
	char region[13];
	query_month(req, &month, &prob);
	query_int(req, "station", 1, INT64_MAX, 0, &station, &prob);
	query_region(req, "region", false, region, &prob);
	struct points_summary s = { 0 };
	if (problem_has_fields(&prob) ||
	    points_summary(app->db, region, month, station, &s, &prob) != RC_OK) {
		points_summary_release(&s);
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *o = summary_json(&s, false);
	points_summary_release(&s);
	reply_json(resp, 200, o);
}

static json_t *rule_json(const struct points_rule *r)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:i,s:i,s:I,s:s,s:b,s:o}", "code", r->code,
			 "kind", r->kind, "category", r->category, "reason", r->reason, "basis",
			 r->basis, "amount", (json_int_t)r->amount, "night_bonus_pct",
			 r->night_bonus_pct, "holiday_bonus_pct", r->holiday_bonus_pct,
			 "monthly_cap", (json_int_t)r->monthly_cap, "beneficiary", r->beneficiary,
			 "enabled", r->enabled, "updated_at",
			 r->updated_s ? json_time(r->updated_s) : json_null());
}

void h_points_rules(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct points_rule *rules = NULL;
	size_t n = 0;
	if (points_rules_list(app->db, &rules, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, rule_json(&rules[i]));
	free(rules);
	reply_json(resp, 200, json_pack("{s:o}", "items", items));
}

struct rule_update {
	const char *code;
	struct points_rule_change c;
};

static enum rc rule_update(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			   void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct rule_update *u = arg;
	struct points_rule r;
	enum rc rc = points_rule_update(tx, actor, u->code, &u->c, &r, prob);
	if (rc == RC_OK)
		out->body = rule_json(&r);
	return rc;
}

/* The amounts of a rule given in body into c. */
static void rule_change_read(json_t *body, struct points_rule_change *c, struct problem *prob)
{
	int64_t v = 0;
	if ((c->has_amount = json_object_get(body, "amount") != NULL))
		field_int(body, "amount", true, 0, POINTS_AMOUNT_MAX, &c->amount, prob);
	if ((c->has_night = json_object_get(body, "night_bonus_pct") != NULL) &&
	    field_int(body, "night_bonus_pct", true, 0, 1000, &v, prob))
		c->night_bonus_pct = (int)v;
	if ((c->has_holiday = json_object_get(body, "holiday_bonus_pct") != NULL) &&
	    field_int(body, "holiday_bonus_pct", true, 0, 1000, &v, prob))
		c->holiday_bonus_pct = (int)v;
	if ((c->has_cap = json_object_get(body, "monthly_cap") != NULL))
		field_int(body, "monthly_cap", true, 0, POINTS_AMOUNT_MAX, &c->monthly_cap, prob);
	json_t *en = json_object_get(body, "enabled");
	if ((c->has_enabled = en != NULL)) {
		if (!json_is_boolean(en))
			problem_field(prob, "enabled", "应为 true 或 false");
		c->enabled = json_is_true(en);
	}
}

struct rule_create {
	const char *kind, *category, *basis;
	struct points_rule_change c;
};

static enum rc rule_create(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			   void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct rule_create *k = arg;
	struct points_rule r;
	enum rc rc = points_rule_create(tx, actor, k->kind, k->category, k->basis, &k->c, &r, prob);
	if (rc == RC_OK) {
		out->status = 201;
		out->body = rule_json(&r);
		snprintf(out->location, sizeof(out->location), "/api/v1/points/rules/%s", r.code);
	}
	return rc;
}

void h_points_rule_create(struct http_req *req, struct http_resp *resp)
{
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	struct problem prob;
	problem_init(&prob);
	static const char *const allowed[] = {
		"kind",	       "category",	  "basis",
		"amount",      "night_bonus_pct", "holiday_bonus_pct",
		"monthly_cap", "enabled",	  NULL
	};
	fields_known(body, allowed, &prob);
	/* Who may comes first: kind and category are checked by the domain. */
	struct rule_create k = { .kind = field_str(body, "kind", false, &prob),
				 .category = field_str(body, "category", false, &prob),
				 .basis = field_str(body, "basis", false, &prob) };
	rule_change_read(body, &k.c, &prob);
	api_write_checked(req, resp, &prob, rule_create, &k);
	json_decref(body);
}

static enum rc rule_delete(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			   void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	(void)arg;
	out->status = 204;
	return points_rule_delete(tx, actor, http_req_param(req, "code"), prob);
}

void h_points_rule_delete(struct http_req *req, struct http_resp *resp)
{
	api_write(req, resp, rule_delete, NULL);
}

void h_points_rule_update(struct http_req *req, struct http_resp *resp)
{
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	struct problem prob;
	problem_init(&prob);
	static const char *const allowed[] = {
		"amount", "night_bonus_pct", "holiday_bonus_pct", "monthly_cap", "enabled", NULL
	};
	fields_known(body, allowed, &prob);
	struct rule_update u = { .code = http_req_param(req, "code") };
	rule_change_read(body, &u.c, &prob);
	api_write_checked(req, resp, &prob, rule_update, &u);
	json_decref(body);
}

struct correction {
	struct points_correction c;
};

static enum rc correct(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		       struct write_out *out, struct problem *prob)
{
	(void)req;
	struct correction *k = arg;
	struct points_posted res;
	enum rc rc = points_correct(tx, actor, &k->c, &res, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	out->body = json_pack("{s:I,s:I,s:I}", "entry_id", (json_int_t)res.entry_id, "seq",
			      (json_int_t)res.seq, "balance", (json_int_t)res.balance);
	return RC_OK;
}

void h_points_correct(struct http_req *req, struct http_resp *resp)
{
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	struct problem prob;
	problem_init(&prob);
	static const char *const allowed[] = { "account_id", "amount", "note", "entry_id", NULL };
	fields_known(body, allowed, &prob);
	struct correction k = { 0 };
	field_int(body, "entry_id", false, 1, INT64_MAX, &k.c.entry_id, &prob);
	field_int(body, "account_id", !json_object_get(body, "entry_id"), 1, INT64_MAX,
		  &k.c.account_id, &prob);
	field_int(body, "amount", !json_object_get(body, "entry_id"), -POINTS_AMOUNT_MAX,
		  POINTS_AMOUNT_MAX, &k.c.amount, &prob);
	k.c.note = field_text(body, "note", false, false, &prob);
	if (!k.c.note)
		problem_field(&prob, "note", "更正积分须写明原因");
	api_write_checked(req, resp, &prob, correct, &k);
	json_decref(body);
}
