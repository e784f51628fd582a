/* Activities: the rules of publishing, sign-ups with a waitlist,
 * attendance and reminders (activity.h). */
#include "domain/activity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/checkin.h"
#include "domain/events.h"
#include "domain/hours.h"
#include "domain/inbox.h"
#include "domain/permission.h"
#include "domain/person.h"
#include "domain/region.h"
#include "domain/request.h"
#include "domain/scope.h"
#include "domain/secret.h"
#include "geo/distance.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

const struct field_choice activity_kinds[] = {
	{ "training", "培训", "Training" },
	{ "party_lesson", "党课", "Party lesson" },
	{ "party_meeting", "三会一课", "Party meeting" },
	{ "clinic", "义诊", "Free clinic" },
	{ "event", "文化活动", "Cultural event" },
	{ "project", "志愿服务项目", "Volunteer project" },
	{ "service_desk", "延时流动办公桌", "After-hours service desk" },
	{ "deliberation", "板凳会", "Deliberation meeting" },
	{ NULL, NULL, NULL },
};

const struct field_choice activity_states[] = {
	{ "draft", "草稿", "Draft" },
	{ "published", "报名中", "Published" },
	{ "cancelled", "已取消", "Cancelled" },
	{ "done", "已结束", "Done" },
	{ NULL, NULL, NULL },
};

const struct field_choice activity_audiences[] = {
	{ "everyone", "所有人", "Everyone" },
	{ "workers", "新就业群体", "Workers" },
	{ "party", "党员", "Party members" },
	{ "team", "志愿服务队队员", "Team members" },
	{ "party_org", "党组织成员", "Party organisation members" },
	{ NULL, NULL, NULL },
};

const struct field_choice activity_signup_states[] = {
	{ "signed", "已报名", "Signed up" },	{ "waitlisted", "候补", "Waitlisted" },
	{ "cancelled", "已取消", "Cancelled" }, { "attended", "已签到", "Attended" },
	{ "no_show", "未到", "No-show" },	{ NULL, NULL, NULL },
};

void activity_release(struct activity *a)
{
	if (!a)
		return;
	free(a->description);
	free(a->minutes);
	free(a->topic);
	free(a->participants);
	free(a->outcome);
	free(a->cancel_reason);
	a->description = a->minutes = a->topic = a->participants = a->outcome = NULL;
	a->cancel_reason = NULL;
}

void activity_page_release(struct activity_page *page)
{
	if (!page)
		return;
	for (size_t i = 0; i < page->n; i++)
		activity_release(&page->items[i]);
	free(page->items);
	free(page->distance_m);
	memset(page, 0, sizeof(*page));
}

/* Reading */

#define ACTIVITY_FROM                                                                     \
	" FROM activities a LEFT JOIN stations s ON s.id = a.station_id"                  \
	" JOIN accounts o ON o.id = a.organiser_id"                                       \
	" LEFT JOIN teams t ON a.audience = 'team' AND t.id = a.audience_ref"             \
	" LEFT JOIN party_orgs po ON a.audience = 'party_org' AND po.id = a.audience_ref" \
	" LEFT JOIN party_orgs mo ON mo.id = a.party_org_id"
#define ACTIVITY_COLS                                                                          \
	"a.id, a.kind, a.title, a.description, a.station_id, s.name, s.address, s.lat, s.lng," \
	" a.place, a.region_code, a.starts_s, a.ends_s, a.signup_cutoff_s, a.capacity,"        \
	" a.seats_taken, (SELECT COUNT(*) FROM activity_signups w WHERE w.activity_id = a.id"  \
	" AND w.state = 'waitlisted'), a.audience, a.audience_ref, COALESCE(t.name, po.name)," \
	" a.points, a.organiser_id, o.name, a.state, a.sequence, a.project_id,"                \
	" a.party_org_id, mo.name, a.minutes, a.topic, a.participants, a.outcome,"             \
	" a.cancel_reason, a.closed_s, a.created_s, a.updated_s, a.version, a.attend_token"
#define ACTIVITY_NCOLS 38

static char *dup_or_null(const struct db_rows *rows, size_t i, size_t c)
{
	return db_rows_null(rows, i, c) ? NULL : xstrdup(db_rows_text(rows, i, c));
}

static const char *text_or_empty(const struct db_rows *rows, size_t i, size_t c)
{
	return db_rows_null(rows, i, c) ? "" : db_rows_text(rows, i, c);
}

static void from_row(const struct db_rows *rows, size_t i, size_t c, struct activity *a)
{
	memset(a, 0, sizeof(*a));
	a->id = db_rows_int(rows, i, c++);
	text_copy(a->kind, sizeof(a->kind), db_rows_text(rows, i, c++));
	text_copy(a->title, sizeof(a->title), db_rows_text(rows, i, c++));
	a->description = xstrdup(text_or_empty(rows, i, c++));
	a->station_id = db_rows_int(rows, i, c++);
	text_copy(a->station_name, sizeof(a->station_name), text_or_empty(rows, i, c++));
	text_copy(a->station_address, sizeof(a->station_address), text_or_empty(rows, i, c++));
	a->has_location = !db_rows_null(rows, i, c);
	a->lat = db_rows_real(rows, i, c++);
	a->lng = db_rows_real(rows, i, c++);
	text_copy(a->place, sizeof(a->place), text_or_empty(rows, i, c++));
	text_copy(a->region_code, sizeof(a->region_code), db_rows_text(rows, i, c++));
	a->starts_s = db_rows_int(rows, i, c++);
	a->ends_s = db_rows_int(rows, i, c++);
	a->signup_cutoff_s = db_rows_int(rows, i, c++);
	a->capacity = (int)db_rows_int(rows, i, c++);
	a->seats_taken = (int)db_rows_int(rows, i, c++);
	a->waitlisted = (int)db_rows_int(rows, i, c++);
	text_copy(a->audience, sizeof(a->audience), db_rows_text(rows, i, c++));
	a->audience_ref = db_rows_int(rows, i, c++);
	text_copy(a->audience_name, sizeof(a->audience_name), text_or_empty(rows, i, c++));
	a->points = (int)db_rows_int(rows, i, c++);
	a->organiser_id = db_rows_int(rows, i, c++);
	text_copy(a->organiser_name, sizeof(a->organiser_name), text_or_empty(rows, i, c++));
	text_copy(a->state, sizeof(a->state), db_rows_text(rows, i, c++));
	a->sequence = (int)db_rows_int(rows, i, c++);
	a->project_id = db_rows_int(rows, i, c++);
	a->party_org_id = db_rows_int(rows, i, c++);
	text_copy(a->party_org_name, sizeof(a->party_org_name), text_or_empty(rows, i, c++));
	a->minutes = dup_or_null(rows, i, c++);
	a->topic = dup_or_null(rows, i, c++);
	a->participants = dup_or_null(rows, i, c++);
	a->outcome = dup_or_null(rows, i, c++);
	a->cancel_reason = dup_or_null(rows, i, c++);
	a->closed_s = db_rows_int(rows, i, c++);
	a->created_s = db_rows_int(rows, i, c++);
	a->updated_s = db_rows_int(rows, i, c++);
	a->version = (int)db_rows_int(rows, i, c++);
	text_copy(a->attend_token, sizeof(a->attend_token), db_rows_text(rows, i, c++));
}

static enum rc load(struct db *db, int64_t id, struct activity *out, struct problem *prob)
{
	struct db_rows *rows = NULL;
	memset(out, 0, sizeof(*out));
	enum rc rc = db_q(db, "SELECT " ACTIVITY_COLS ACTIVITY_FROM " WHERE a.id = $1", &rows, prob,
			  DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) != 1) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个活动");
	}
	from_row(rows, 0, 0, out);
	db_rows_free(rows);
	return RC_OK;
}

bool activity_may_manage(const struct principal *p, const struct activity *a)
{
	if (!p || !p->account_id)
		return false;
	if (p->account_id == a->organiser_id)
		return true;
	struct scope_target t = { .region = a->region_code, .station_id = a->station_id };
	return permission_allows(p, ACT_ACTIVITY_MANAGE, &t);
}

static bool visible(const struct principal *p, const struct activity *a)
{
	return strcmp(a->state, "draft") != 0 || activity_may_manage(p, a);
}

enum rc activity_read(struct db *db, const struct principal *viewer, int64_t id,
		      struct activity *out, struct problem *prob)
{
	enum rc rc = load(db, id, out, prob);
	if (rc != RC_OK)
		return rc;
	if (!visible(viewer, out)) {
		activity_release(out);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个活动");
	}
	if (!activity_may_manage(viewer, out))
		out->attend_token[0] = '\0';
	return RC_OK;
}

enum rc activity_list(struct db *db, const struct principal *viewer,
		      const struct activity_filter *f, size_t limit, struct activity_page *page,
		      struct problem *prob)
{
	memset(page, 0, sizeof(*page));
	struct sb sql = SB_INIT;
	struct db_val params[12];
	size_t np = 0;
	char *like = NULL;
	int64_t now = clock_now_s();
	sb_adds(&sql, "SELECT " ACTIVITY_COLS ACTIVITY_FROM " WHERE 1 = 1");
	if (f->drafts)
		sb_adds(&sql, " AND a.state IN ('draft', 'published', 'cancelled', 'done')");
	else if (f->with_cancelled)
		sb_adds(&sql, " AND a.state IN ('published', 'cancelled', 'done')");
	else
		sb_adds(&sql, " AND a.state IN ('published', 'done')");
	if (f->kind) {
		params[np++] = DB_T(f->kind);
		sb_addf(&sql, " AND a.kind = $%zu", np);
	}
	if (f->station_id) {
		params[np++] = DB_I(f->station_id);
		sb_addf(&sql, " AND a.station_id = $%zu", np);
	}
	if (f->region[0]) {
		like = db_like_pattern(f->region, false);
		params[np++] = DB_T(like);
		sb_addf(&sql, " AND a.region_code LIKE $%zu ESCAPE '\\'", np);
	}
	if (f->upcoming) {
		params[np++] = DB_I(now);
		sb_addf(&sql, " AND a.ends_s > $%zu", np);
	}
	if (f->from_s) {
		params[np++] = DB_I(f->from_s);
		sb_addf(&sql, " AND a.starts_s >= $%zu", np);
	}
	if (f->to_s) {
		params[np++] = DB_I(f->to_s);
		sb_addf(&sql, " AND a.starts_s <= $%zu", np);
	}
	if (f->near) {
		/* A box around the point first (a degree of latitude is 111 km). */
		double dlat = f->radius_m / 111000.0;
		double dlng = dlat / fmax(cos(f->lat * M_PI / 180.0), 0.01);
		params[np++] = DB_R(f->lat - dlat);
		params[np++] = DB_R(f->lat + dlat);
		sb_addf(&sql, " AND s.lat BETWEEN $%zu AND $%zu", np - 1, np);
		params[np++] = DB_R(f->lng - dlng);
		params[np++] = DB_R(f->lng + dlng);
		sb_addf(&sql, " AND s.lng BETWEEN $%zu AND $%zu", np - 1, np);
	}
	sb_adds(&sql, " ORDER BY a.starts_s, a.id");
	params[np++] = DB_I(f->near ? 2000 : (int64_t)limit * 4 + 50);
	sb_addf(&sql, " LIMIT $%zu", np);
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np, &rows, prob);
	sb_release(&sql);
	free(like);
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	page->items = xcalloc(count ? count : 1, sizeof(*page->items));
	if (f->near)
		page->distance_m = xcalloc(count ? count : 1, sizeof(double));
	for (size_t i = 0; i < count; i++) {
		struct activity *a = &page->items[page->n];
		from_row(rows, i, 0, a);
		double d = 0;
		if (f->near)
			d = geo_distance_m((struct geo_point){ f->lat, f->lng },
					   (struct geo_point){ a->lat, a->lng });
		bool keep = visible(viewer, a) && (!f->drafts || activity_may_manage(viewer, a) ||
						   strcmp(a->state, "draft") != 0);
		if (f->near && d > f->radius_m)
			keep = false;
		if (!keep) {
			activity_release(a);
			continue;
		}
		if (!activity_may_manage(viewer, a))
			a->attend_token[0] = '\0';
		if (f->near)
			page->distance_m[page->n] = d;
		page->n++;
	}
	db_rows_free(rows);
	if (f->near) {
		/* Nearest first (insertion sort: a page is small). */
		for (size_t i = 1; i < page->n; i++) {
			for (size_t j = i; j > 0 && page->distance_m[j] < page->distance_m[j - 1];
			     j--) {
				struct activity t = page->items[j];
				page->items[j] = page->items[j - 1];
				page->items[j - 1] = t;
				double td = page->distance_m[j];
				page->distance_m[j] = page->distance_m[j - 1];
				page->distance_m[j - 1] = td;
			}
		}
	}
	while (page->n > limit)
		activity_release(&page->items[--page->n]);
	return RC_OK;
}

/* The city's local "YYYY-MM-DD HH:MM" of t. */
static void local_time(int64_t t, char out[20])
{
	int32_t day;
	int weekday, minute;
	char date[11], hhmm[6];
	hours_local(t, &day, &weekday, &minute);
	hours_format_date(day, date);
	hours_format_hhmm(minute, hhmm);
	snprintf(out, 20, "%s %s", date, hhmm);
}

/* Writing */

/* The audit row and the "activity.<action>" event of a write, its
 * audience the activity's region and station (and account_id, when the
 * event concerns one person). */
static enum rc record(struct db_tx *tx, const struct actor *actor, const struct activity *a,
		      const char *action, int64_t account_id, const char *object_id,
		      const char *extra_json, struct problem *prob)
{
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_str(&d, "kind", a->kind);
	if (account_id)
		audit_detail_int(&d, "account_id", account_id);
	char audit_action[48];
	snprintf(audit_action, sizeof(audit_action), "activity.%s", action);
	enum rc rc = audit_record_id(tx, actor, audit_action, "activity", a->id, a->region_code, &d,
				     prob);
	audit_detail_release(&d);
	if (rc != RC_OK)
		return rc;
	struct sb data = SB_INIT;
	sb_addf(&data, "{\"activity_id\":%lld,\"kind\":", (long long)a->id);
	sb_add_json_string(&data, a->kind);
	sb_addlit(&data, ",\"kind_label\":");
	sb_add_json_string(&data, field_choice_zh(activity_kinds, a->kind));
	sb_addlit(&data, ",\"title\":");
	sb_add_json_string(&data, a->title);
	if (a->station_name[0]) {
		sb_addlit(&data, ",\"station\":");
		sb_add_json_string(&data, a->station_name);
	}
	if (extra_json)
		sb_adds(&data, extra_json);
	sb_addf(&data, ",\"url\":\"/activity.html?id=%lld\"}", (long long)a->id);
	char topic[48], sid[24];
	snprintf(topic, sizeof(topic), "activity.%s", action);
	snprintf(sid, sizeof(sid), "%lld", (long long)a->id);
	struct event_audience to = { .region_code = a->region_code,
				     .station_id = a->station_id,
				     .account_id = account_id,
				     .data = sb_str(&data) };
	rc = events_record_to(tx, topic, object_id ? object_id : sid, &to, prob);
	sb_release(&data);
	return rc;
}

/* Tells account_id of a in its inbox: "<what>：<title>". */
static enum rc tell(struct db_tx *tx, int64_t account_id, const char *kind, const char *what,
		    const struct activity *a, const char *body, struct problem *prob)
{
	char title[ACTIVITY_TITLE_MAX * 4 + 64];
	snprintf(title, sizeof(title), "%s：%s", what, a->title);
	return inbox_notify(tx, account_id, kind, "activity", a->id, title,
			    body && *body ? body : NULL, prob);
}

/* Tells everyone signed up or waitlisted. */
static enum rc tell_participants(struct db_tx *tx, const struct activity *a, const char *kind,
				 const char *what, const char *body, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db_tx_db(tx),
			  "SELECT account_id FROM activity_signups WHERE activity_id = $1"
			  " AND state IN ('signed', 'waitlisted') ORDER BY position",
			  &rows, prob, DB_I(a->id));
	for (size_t i = 0; rc == RC_OK && i < db_rows_count(rows); i++)
		rc = tell(tx, db_rows_int(rows, i, 0), kind, what, a, body, prob);
	db_rows_free(rows);
	return rc;
}

/* Where the activity is, in words, for a message. */
static void where_of(const struct activity *a, char *out, size_t cap)
{
	if (a->station_name[0] && a->place[0])
		snprintf(out, cap, "%s（%s）", a->station_name, a->place);
	else
		snprintf(out, cap, "%s", a->station_name[0] ? a->station_name : a->place);
}

static bool exists(struct db *db, const char *sql, int64_t id, struct problem *prob, enum rc *rc)
{
	struct db_rows *rows = NULL;
	*rc = db_q(db, sql, &rows, prob, DB_I(id));
	bool yes = *rc == RC_OK && db_rows_count(rows) > 0;
	db_rows_free(rows);
	return yes;
}

/* Checks in against what it changes (base: the stored activity, or NULL
 * for a create); every field error at once. Fills region (the station's,
 * else the one given) and station_name. */
static enum rc check_input(struct db *db, const struct activity_input *in,
			   const struct activity *base, char region[13], struct problem *prob)
{
	bool create = base == NULL;
	enum rc rc = RC_OK;
	const char *kind = in->has_kind ? in->kind : base ? base->kind : NULL;
	if ((create || in->has_kind) && field_choice_index(activity_kinds, in->kind) < 0)
		problem_field(prob, "kind",
			      "应为 training、party_lesson、party_meeting、clinic、event、project、"
			      "service_desk、deliberation 之一");
	if (create || in->has_title)
		field_text_ok(prob, "title", in->title, ACTIVITY_TITLE_MAX, true, false);
	if (in->has_description)
		field_text_ok(prob, "description", in->description, ACTIVITY_TEXT_MAX, false, true);
	if (in->has_place)
		field_text_ok(prob, "place", in->place, ACTIVITY_PLACE_MAX, false, false);
	if (in->has_minutes)
		field_text_ok(prob, "minutes", in->minutes, ACTIVITY_TEXT_MAX, false, true);
	if (in->has_topic)
		field_text_ok(prob, "topic", in->topic, ACTIVITY_TITLE_MAX * 2, false, false);
	if (in->has_participants)
		field_text_ok(prob, "participants", in->participants, ACTIVITY_TEXT_MAX, false,
			      true);
	if (in->has_outcome)
		field_text_ok(prob, "outcome", in->outcome, ACTIVITY_TEXT_MAX, false, true);
	int64_t starts = in->has_starts ? in->starts_s : base ? base->starts_s : 0;
	int64_t ends = in->has_ends ? in->ends_s : base ? base->ends_s : 0;
	int64_t cutoff = in->has_cutoff ? in->signup_cutoff_s
			 : base		? base->signup_cutoff_s
					: starts;
	if (create && !in->has_starts)
		problem_field(prob, "starts_at", "不能为空");
	if (create && !in->has_ends)
		problem_field(prob, "ends_at", "不能为空");
	if (starts && ends && ends <= starts)
		problem_field(prob, "ends_at", "结束时间应晚于开始时间");
	if (starts && ends && ends - starts > 31 * 86400)
		problem_field(prob, "ends_at", "一次活动最长 31 天");
	if (starts && cutoff > starts)
		problem_field(prob, "signup_cutoff_at", "报名截止时间不能晚于开始时间");
	if (create && !in->has_capacity)
		problem_field(prob, "capacity", "不能为空");
	if (in->has_capacity && (in->capacity < 1 || in->capacity > ACTIVITY_CAPACITY_MAX))
		problem_field(prob, "capacity", "名额应为 1–%d", ACTIVITY_CAPACITY_MAX);
	if (in->has_points && (in->points < 0 || in->points > ACTIVITY_POINTS_MAX))
		problem_field(prob, "points", "积分应为 0–%d", ACTIVITY_POINTS_MAX);
	const char *audience = in->has_audience ? in->audience : base ? base->audience : "everyone";
	int64_t audience_ref = in->has_audience ? in->audience_ref : base ? base->audience_ref : 0;
	if (in->has_audience && field_choice_index(activity_audiences, in->audience) < 0)
		problem_field(prob, "audience",
			      "应为 everyone、workers、party、team、party_org 之一");
	bool needs_ref = audience && (!strcmp(audience, "team") || !strcmp(audience, "party_org"));
	if (needs_ref && !audience_ref)
		problem_field(prob, "audience_ref", "只限一支队伍或一个党组织时，要指明是哪一个");
	if (!needs_ref && in->has_audience && in->audience_ref)
		problem_field(prob, "audience_ref", "只有 team 和 party_org 需要 audience_ref");
	if (needs_ref && audience_ref && in->has_audience) {
		bool team = !strcmp(audience, "team");
		if (!exists(db,
			    team ? "SELECT 1 FROM teams WHERE id = $1"
				 : "SELECT 1 FROM party_orgs WHERE id = $1",
			    audience_ref, prob, &rc))
			problem_field(prob, "audience_ref",
				      team ? "没有这支队伍" : "没有这个党组织");
		if (rc != RC_OK)
			return rc;
	}
	bool meeting = kind && !strcmp(kind, "party_meeting");
	int64_t party_org = in->has_party_org ? in->party_org_id : base ? base->party_org_id : 0;
	if (meeting && !party_org)
		problem_field(prob, "party_org_id", "三会一课要写明由哪个党组织召开");
	if (!meeting && in->has_party_org && in->party_org_id)
		problem_field(prob, "party_org_id", "只有三会一课由党组织召开");
	if (!meeting && in->has_minutes && in->minutes && *in->minutes)
		problem_field(prob, "minutes", "只有三会一课有会议记录");
	if (in->has_party_org && in->party_org_id) {
		if (!exists(db, "SELECT 1 FROM party_orgs WHERE id = $1", in->party_org_id, prob,
			    &rc))
			problem_field(prob, "party_org_id", "没有这个党组织");
		if (rc != RC_OK)
			return rc;
	}
	bool deliberation = kind && !strcmp(kind, "deliberation");
	if (!deliberation && ((in->has_topic && in->topic && *in->topic) ||
			      (in->has_outcome && in->outcome && *in->outcome) ||
			      (in->has_participants && in->participants && *in->participants)))
		problem_field(prob,
			      in->has_topic	? "topic"
			      : in->has_outcome ? "outcome"
						: "participants",
			      "只有板凳会有议题、参加人和结果");
	bool desk = kind && !strcmp(kind, "service_desk");
	if (in->has_items && !desk)
		problem_field(prob, "service_items", "只有延时流动办公桌有政务服务事项");
	for (size_t i = 0; in->has_items && i < in->nitems; i++) {
		if (!field_text_ok(prob, "service_items", in->items[i], ACTIVITY_ITEM_MAX, true,
				   false))
			break;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(in->items[i], in->items[j])) {
				problem_field(prob, "service_items", "事项重复：%s", in->items[i]);
				break;
			}
	}
	if (in->has_project && in->project_id) {
		if (!exists(db, "SELECT 1 FROM projects WHERE id = $1", in->project_id, prob, &rc))
			problem_field(prob, "project_id", "没有这个服务项目");
		if (rc != RC_OK)
			return rc;
	}
	/* Where: a station (its community), else a region and a place. */
	region[0] = '\0';
	if (base)
		text_copy(region, 13, base->region_code);
	if (in->has_station && in->station_id) {
		struct db_rows *rows = NULL;
		rc = db_q(db, "SELECT region_code FROM stations WHERE id = $1", &rows, prob,
			  DB_I(in->station_id));
		if (rc != RC_OK)
			return rc;
		if (db_rows_count(rows) == 1)
			text_copy(region, 13, db_rows_text(rows, 0, 0));
		else
			problem_field(prob, "station_id", "没有这个驿站");
		db_rows_free(rows);
	} else if (in->has_region && in->region_code && *in->region_code) {
		char code[REGION_CODE_MAX];
		struct region reg;
		struct problem miss;
		problem_init(&miss);
		if (!region_code_normalize(in->region_code, code) || strlen(code) < 6)
			problem_field(prob, "region_code", "应为区县（6 位）、街道或社区的代码");
		else if (region_get(db, code, &reg, &miss) != RC_OK)
			problem_field(prob, "region_code", "没有这个行政区划：%s", in->region_code);
		else
			text_copy(region, 13, code);
	}
	int64_t station = in->has_station ? in->station_id : base ? base->station_id : 0;
	const char *place = in->has_place ? in->place : base ? base->place : NULL;
	if (!station && (!place || !*place) && !problem_has_fields(prob))
		problem_field(prob, in->has_place ? "place" : "station_id",
			      "要选一个驿站，或写明地点");
	if (!region[0] && !problem_has_fields(prob))
		problem_field(prob, "region_code", "不在驿站举办的活动要写明所在区划");
	return RC_OK;
}

static enum rc write_items(struct db *db, int64_t id, const struct activity_input *in,
			   struct problem *prob)
{
	enum rc rc = db_q(db, "DELETE FROM activity_desk_items WHERE activity_id = $1", NULL, prob,
			  DB_I(id));
	for (size_t i = 0; rc == RC_OK && i < in->nitems; i++)
		rc = db_q(db,
			  "INSERT INTO activity_desk_items (activity_id, item, served, sort)"
			  " VALUES ($1, $2, 0, $3)",
			  NULL, prob, DB_I(id), DB_T(in->items[i]), DB_I((int64_t)i));
	return rc;
}

static const char *opt(const char *s)
{
	return s && *s ? s : NULL;
}

enum rc activity_create(struct db_tx *tx, const struct actor *actor,
			const struct activity_input *in, int64_t *id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	*id = 0;
	if (!actor->p || !actor->p->account_id)
		return problem_set(prob, RC_UNAUTHORIZED, "unauthenticated", "请先登录");
	char region[13];
	enum rc rc = check_input(db, in, NULL, region, prob);
	if (rc != RC_OK)
		return rc;
	if (problem_has_fields(prob))
		return RC_INVALID;
	struct scope_target t = { .region = region, .station_id = in->station_id };
	if (!permission_allows(actor->p, ACT_ACTIVITY_MANAGE, &t))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有这个驿站或区域的工作人员可以组织活动");
	char token[ACTIVITY_TOKEN_CAP];
	secret_token("a_", token, sizeof(token));
	int64_t now = clock_now_s();
	const char *audience = in->has_audience ? in->audience : "everyone";
	if (!in->has_audience && !strcmp(in->kind, "party_meeting"))
		audience = "party_org";
	int64_t audience_ref = in->has_audience			? in->audience_ref
			       : !strcmp(audience, "party_org") ? in->party_org_id
								: 0;
	struct db_rows *rows = NULL;
	rc = db_q(
		db,
		"INSERT INTO activities (kind, title, description, station_id, place, region_code,"
		" starts_s, ends_s, signup_cutoff_s, capacity, audience, audience_ref, points,"
		" organiser_id, state, attend_token, project_id, party_org_id, minutes, topic,"
		" participants, outcome, created_s, updated_s) VALUES ($1, $2, $3, $4, $5, $6,"
		" $7, $8, $9, $10, $11, $12, $13, $14, 'draft', $15, $16, $17, $18, $19, $20, $21,"
		" $22, $22) RETURNING id",
		&rows, prob, DB_T(in->kind), DB_T(in->title),
		DB_T(in->description ? in->description : ""),
		DB_IOPT(in->station_id != 0, in->station_id), DB_T(opt(in->place)), DB_T(region),
		DB_I(in->starts_s), DB_I(in->ends_s),
		DB_I(in->has_cutoff ? in->signup_cutoff_s : in->starts_s), DB_I(in->capacity),
		DB_T(audience), DB_IOPT(audience_ref != 0, audience_ref),
		DB_I(in->has_points ? in->points : 0), DB_I(actor->p->account_id), DB_T(token),
		DB_IOPT(in->project_id != 0, in->project_id),
		DB_IOPT(in->party_org_id != 0, in->party_org_id), DB_T(opt(in->minutes)),
		DB_T(opt(in->topic)), DB_T(opt(in->participants)), DB_T(opt(in->outcome)),
		DB_I(now));
	if (rc != RC_OK)
		return rc;
	*id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	if (in->has_items)
		rc = write_items(db, *id, in, prob);
	struct activity a;
	if (rc == RC_OK)
		rc = load(db, *id, &a, prob);
	if (rc != RC_OK)
		return rc;
	rc = record(tx, actor, &a, "created", 0, NULL, NULL, prob);
	activity_release(&a);
	return rc;
}

/* Loads id for a manager's command: RC_NOT_FOUND for a draft the actor
 * may not see, RC_FORBIDDEN for one they may not manage. */
static enum rc load_managed(struct db *db, const struct actor *actor, int64_t id,
			    struct activity *a, struct problem *prob)
{
	enum rc rc = activity_read(db, actor->p, id, a, prob);
	if (rc != RC_OK)
		return rc;
	if (!activity_may_manage(actor->p, a)) {
		activity_release(a);
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有活动的组织者和所在驿站、区域的工作人员可以管理它");
	}
	return RC_OK;
}

/* Locks the activity row until the end of the transaction (PostgreSQL:
 * the row lock; SQLite holds the write lock already) and reads its seats. */
static enum rc lock_row(struct db *db, int64_t id, bool next_in_line, int64_t *seq, int *taken,
			int *capacity, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "UPDATE activities SET signup_seq = signup_seq + $2 WHERE id = $1"
			  " RETURNING signup_seq, seats_taken, capacity",
			  &rows, prob, DB_I(id), DB_I(next_in_line ? 1 : 0));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) != 1) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个活动");
	}
	if (seq)
		*seq = db_rows_int(rows, 0, 0);
	*taken = (int)db_rows_int(rows, 0, 1);
	*capacity = (int)db_rows_int(rows, 0, 2);
	db_rows_free(rows);
	return RC_OK;
}

static enum rc take_seat(struct db *db, int64_t id, int delta, struct problem *prob)
{
	return db_q(db, "UPDATE activities SET seats_taken = seats_taken + $2 WHERE id = $1", NULL,
		    prob, DB_I(id), DB_I(delta));
}

/* Free seats go to the waitlist, first in line first; each is told. */
static enum rc promote(struct db_tx *tx, const struct activity *a, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	enum rc rc = RC_OK;
	for (;;) {
		int taken = 0, capacity = 0;
		rc = lock_row(db, a->id, false, NULL, &taken, &capacity, prob);
		if (rc != RC_OK || taken >= capacity)
			break;
		struct db_rows *rows = NULL;
		rc = db_q(db,
			  "SELECT id, account_id FROM activity_signups WHERE activity_id = $1"
			  " AND state = 'waitlisted' ORDER BY position LIMIT 1",
			  &rows, prob, DB_I(a->id));
		if (rc != RC_OK || db_rows_count(rows) == 0) {
			db_rows_free(rows);
			break;
		}
		int64_t sid = db_rows_int(rows, 0, 0), account = db_rows_int(rows, 0, 1);
		db_rows_free(rows);
		rc = db_q(
			db,
			"UPDATE activity_signups SET state = 'signed', updated_s = $2 WHERE id = $1",
			NULL, prob, DB_I(sid), DB_I(clock_now_s()));
		if (rc == RC_OK)
			rc = take_seat(db, a->id, 1, prob);
		if (rc == RC_OK)
			rc = tell(tx, account, "seated", "候补转正，您已报上名", a, NULL, prob);
		char obj[24];
		snprintf(obj, sizeof(obj), "%lld", (long long)sid);
		if (rc == RC_OK)
			rc = record(tx, NULL, a, "promoted", account, obj, NULL, prob);
		if (rc != RC_OK)
			break;
	}
	return rc;
}

static bool people_see(const struct activity_input *in)
{
	return in->has_title || in->has_description || in->has_starts || in->has_ends ||
	       in->has_station || in->has_place;
}

enum rc activity_update(struct db_tx *tx, const struct actor *actor, int64_t id,
			const struct activity_input *in, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct activity a;
	enum rc rc = load_managed(db, actor, id, &a, prob);
	if (rc != RC_OK)
		return rc;
	char region[13];
	if (in->version > 0 && in->version != a.version) {
		rc = problem_set(prob, RC_CONFLICT, "version-mismatch",
				 "活动已被别人改过（版本 %d，您的是 %d），请刷新后再改", a.version,
				 in->version);
		goto out;
	}
	if (!strcmp(a.state, "cancelled") || !strcmp(a.state, "done")) {
		rc = problem_set(prob, RC_CONFLICT, "invalid-transition",
				 !strcmp(a.state, "done") ? "活动已结束，不能再改（会议记录除外）"
							  : "活动已取消，不能再改");
		/* A finished meeting's minutes, outcome and desk counts may still
		 * be written. */
		bool record_only = !strcmp(a.state, "done") && !people_see(in) &&
				   !in->has_capacity && !in->has_kind && !in->has_audience &&
				   !in->has_cutoff && !in->has_points && !in->has_region;
		if (!record_only)
			goto out;
		problem_init(prob);
		rc = RC_OK;
	}
	if (in->has_kind && strcmp(in->kind, a.kind) != 0 && strcmp(a.state, "draft") != 0)
		problem_field(prob, "kind", "发布后不能改活动类型");
	rc = check_input(db, in, &a, region, prob);
	if (rc != RC_OK)
		goto out;
	if (problem_has_fields(prob)) {
		rc = RC_INVALID;
		goto out;
	}
	if (strcmp(region, a.region_code) != 0 ||
	    (in->has_station && in->station_id != a.station_id)) {
		struct scope_target t = { .region = region,
					  .station_id = in->has_station ? in->station_id
									: a.station_id };
		if (!permission_allows(actor->p, ACT_ACTIVITY_MANAGE, &t)) {
			rc = problem_set(prob, RC_FORBIDDEN, "forbidden",
					 "只能把活动移到您负责的驿站或区域");
			goto out;
		}
	}
	if (in->has_capacity && in->capacity < a.seats_taken) {
		rc = problem_set(prob, RC_CONFLICT, "capacity-below-signups",
				 "已有 %d 人报名，名额不能少于这个数", a.seats_taken);
		goto out;
	}
	bool seen = people_see(in) && strcmp(a.state, "draft") != 0;
	int64_t now = clock_now_s();
	struct sb sql = SB_INIT;
	struct db_val params[32];
	size_t np = 0;
	sb_adds(&sql, "UPDATE activities SET version = version + 1");
#define SET_T(has, col, v)                                     \
	do {                                                   \
		if (has) {                                     \
			params[np++] = DB_T(v);                \
			sb_addf(&sql, ", " col " = $%zu", np); \
		}                                              \
	} while (0)
#define SET_I(has, col, v)                                     \
	do {                                                   \
		if (has) {                                     \
			params[np++] = DB_I(v);                \
			sb_addf(&sql, ", " col " = $%zu", np); \
		}                                              \
	} while (0)
#define SET_ID(has, col, v)                                    \
	do {                                                   \
		if (has) {                                     \
			params[np++] = DB_IOPT((v) != 0, v);   \
			sb_addf(&sql, ", " col " = $%zu", np); \
		}                                              \
	} while (0)
	SET_T(in->has_kind, "kind", in->kind);
	SET_T(in->has_title, "title", in->title);
	SET_T(in->has_description, "description", in->description ? in->description : "");
	SET_ID(in->has_station, "station_id", in->station_id);
	SET_T(in->has_place, "place", opt(in->place));
	SET_T(strcmp(region, a.region_code) != 0, "region_code", region);
	SET_I(in->has_starts, "starts_s", in->starts_s);
	SET_I(in->has_ends, "ends_s", in->ends_s);
	SET_I(in->has_cutoff ||
		      (in->has_starts && !in->has_cutoff && a.signup_cutoff_s > in->starts_s),
	      "signup_cutoff_s", in->has_cutoff ? in->signup_cutoff_s : in->starts_s);
	SET_I(in->has_capacity, "capacity", in->capacity);
	SET_T(in->has_audience, "audience", in->audience);
	SET_ID(in->has_audience, "audience_ref", in->audience_ref);
	SET_I(in->has_points, "points", in->points);
	SET_ID(in->has_project, "project_id", in->project_id);
	SET_ID(in->has_party_org, "party_org_id", in->party_org_id);
	SET_T(in->has_minutes, "minutes", opt(in->minutes));
	SET_T(in->has_topic, "topic", opt(in->topic));
	SET_T(in->has_participants, "participants", opt(in->participants));
	SET_T(in->has_outcome, "outcome", opt(in->outcome));
	SET_I(true, "updated_s", now);
	if (seen)
		sb_adds(&sql, ", sequence = sequence + 1");
#undef SET_T
#undef SET_I
#undef SET_ID
	params[np++] = DB_I(id);
	sb_addf(&sql, " WHERE id = $%zu", np);
	rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np, NULL, prob);
	sb_release(&sql);
	if (rc == RC_OK && in->has_items)
		rc = write_items(db, id, in, prob);
	activity_release(&a);
	if (rc == RC_OK)
		rc = load(db, id, &a, prob);
	if (rc != RC_OK)
		return rc;
	rc = record(tx, actor, &a, "changed", 0, NULL, NULL, prob);
	if (rc == RC_OK && seen) {
		char when[20], where[800], body[1000];
		local_time(a.starts_s, when);
		where_of(&a, where, sizeof(where));
		snprintf(body, sizeof(body), "现在的时间：%s；地点：%s", when, where);
		rc = tell_participants(tx, &a, "changed", "活动有变动", body, prob);
	}
	if (rc == RC_OK && in->has_capacity && !strcmp(a.state, "published"))
		rc = promote(tx, &a, prob);
out:
	activity_release(&a);
	return rc;
}

enum rc activity_publish(struct db_tx *tx, const struct actor *actor, int64_t id,
			 struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct activity a;
	enum rc rc = load_managed(db, actor, id, &a, prob);
	if (rc != RC_OK)
		return rc;
	if (strcmp(a.state, "draft") != 0) {
		rc = problem_set(prob, RC_CONFLICT, "invalid-transition",
				 "只有草稿可以发布（现在：%s）", a.state);
	} else if (a.ends_s <= clock_now_s()) {
		rc = problem_set(prob, RC_CONFLICT, "invalid-transition",
				 "活动已经结束，不能再发布");
	} else {
		rc = db_q(db,
			  "UPDATE activities SET state = 'published', version = version + 1,"
			  " updated_s = $2 WHERE id = $1",
			  NULL, prob, DB_I(id), DB_I(clock_now_s()));
		if (rc == RC_OK)
			rc = record(tx, actor, &a, "published", 0, NULL, NULL, prob);
	}
	activity_release(&a);
	return rc;
}

enum rc activity_cancel(struct db_tx *tx, const struct actor *actor, int64_t id, const char *reason,
			struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (!field_text_ok(prob, "reason", reason, 200, true, true))
		return RC_INVALID;
	struct activity a;
	enum rc rc = load_managed(db, actor, id, &a, prob);
	if (rc != RC_OK)
		return rc;
	if (strcmp(a.state, "draft") != 0 && strcmp(a.state, "published") != 0) {
		rc = problem_set(prob, RC_CONFLICT, "invalid-transition",
				 "只有草稿和报名中的活动可以取消（现在：%s）", a.state);
		goto out;
	}
	/* Points already awarded stay: nothing here touches attendance. */
	rc = db_q(db,
		  "UPDATE activities SET state = 'cancelled', cancel_reason = $2,"
		  " sequence = sequence + 1, version = version + 1, updated_s = $3 WHERE id = $1",
		  NULL, prob, DB_I(id), DB_T(reason), DB_I(clock_now_s()));
	if (rc == RC_OK)
		rc = record(tx, actor, &a, "cancelled", 0, NULL, NULL, prob);
	if (rc == RC_OK)
		rc = tell_participants(tx, &a, "cancelled", "活动取消", reason, prob);
out:
	activity_release(&a);
	return rc;
}

/* Sign-ups */

/* Whether the person of account may join a's audience. */
bool activity_audience_admits(const char *audience, int64_t categories, bool in_team,
			      bool in_party_org)
{
	if (!audience || !strcmp(audience, "everyone"))
		return true;
	if (!strcmp(audience, "workers"))
		return (categories & PERSON_WORKERS) != 0;
	if (!strcmp(audience, "party"))
		return (categories & (PERSON_BIT(PERSON_PARTY_MEMBER) |
				      PERSON_BIT(PERSON_MOBILE_PARTY_MEMBER))) != 0;
	if (!strcmp(audience, "team"))
		return in_team;
	if (!strcmp(audience, "party_org"))
		return in_party_org;
	return false;
}

/* The person of account: categories, and whether they are in team_id now
 * and in party_org_id or an organisation under it. */
static enum rc eligible(struct db_tx *tx, const struct actor *actor, const struct activity *a,
			bool *ok, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	*ok = !strcmp(a->audience, "everyone");
	if (*ok)
		return RC_OK;
	/* The account's person: the ledger's entry of its number is linked
	 * to it now if it was not yet (staff entered the categories there). */
	struct person p;
	enum rc rc = person_of_account(tx, actor, actor->p->account_id, &p, prob);
	if (rc != RC_OK)
		return rc;
	int64_t person = p.id, categories = p.categories, org = p.party_org_id;
	struct db_rows *rows = NULL;
	bool team = false, in_org = false;
	if (person && !strcmp(a->audience, "team")) {
		rc = db_q(db,
			  "SELECT 1 FROM team_members WHERE team_id = $1 AND person_id = $2"
			  " AND left_s IS NULL",
			  &rows, prob, DB_I(a->audience_ref), DB_I(person));
		team = rc == RC_OK && db_rows_count(rows) > 0;
		db_rows_free(rows);
	}
	/* Up the tree from the person's organisation (a branch under the
	 * committee the meeting is for belongs to it). */
	for (int depth = 0; rc == RC_OK && org && depth < 8 && !strcmp(a->audience, "party_org");
	     depth++) {
		if (org == a->audience_ref) {
			in_org = true;
			break;
		}
		rc = db_q(db, "SELECT parent_id FROM party_orgs WHERE id = $1", &rows, prob,
			  DB_I(org));
		org = rc == RC_OK && db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
		db_rows_free(rows);
	}
	if (rc == RC_OK)
		*ok = activity_audience_admits(a->audience, categories, team, in_org);
	return rc;
}

static void signup_from_row(const struct db_rows *rows, size_t i, struct activity_signup *s)
{
	memset(s, 0, sizeof(*s));
	size_t c = 0;
	s->id = db_rows_int(rows, i, c++);
	s->activity_id = db_rows_int(rows, i, c++);
	s->account_id = db_rows_int(rows, i, c++);
	text_copy(s->account_name, sizeof(s->account_name), text_or_empty(rows, i, c++));
	text_copy(s->state, sizeof(s->state), db_rows_text(rows, i, c++));
	s->position = db_rows_int(rows, i, c++);
	s->walk_in = db_rows_int(rows, i, c++) != 0;
	text_copy(s->how, sizeof(s->how), text_or_empty(rows, i, c++));
	s->created_s = db_rows_int(rows, i, c++);
	s->attended_s = db_rows_int(rows, i, c++);
	s->waitlist_position = (int)db_rows_int(rows, i, c++);
}

#define SIGNUP_COLS                                                                          \
	"g.id, g.activity_id, g.account_id, u.name, g.state, g.position, g.walk_in, g.how,"  \
	" g.created_s, g.attended_s, CASE WHEN g.state = 'waitlisted' THEN (SELECT COUNT(*)" \
	" FROM activity_signups w WHERE w.activity_id = g.activity_id"                       \
	" AND w.state = 'waitlisted' AND w.position <= g.position) ELSE 0 END"               \
	" FROM activity_signups g JOIN accounts u ON u.id = g.account_id"

static enum rc signup_of(struct db *db, int64_t id, int64_t account_id, struct activity_signup *out,
			 bool *found, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT " SIGNUP_COLS " WHERE g.activity_id = $1 AND g.account_id = $2",
			  &rows, prob, DB_I(id), DB_I(account_id));
	*found = rc == RC_OK && db_rows_count(rows) == 1;
	if (*found)
		signup_from_row(rows, 0, out);
	else
		memset(out, 0, sizeof(*out));
	db_rows_free(rows);
	return rc;
}

enum rc activity_my_signup(struct db *db, const struct principal *viewer, int64_t id,
			   struct activity_signup *out, bool *found, struct problem *prob)
{
	*found = false;
	memset(out, 0, sizeof(*out));
	if (!viewer || !viewer->account_id)
		return RC_OK;
	return signup_of(db, id, viewer->account_id, out, found, prob);
}

static enum rc refuse_closed(struct problem *prob, const char *type, int64_t cutoff)
{
	char when[20];
	local_time(cutoff, when);
	return !strcmp(type, "signup-closed")
		       ? problem_set(prob, RC_CONFLICT, type, "报名已于 %s 截止", when)
		       : problem_set(prob, RC_CONFLICT, type, "取消报名已于 %s 截止", when);
}

enum rc activity_signup(struct db_tx *tx, const struct actor *actor, int64_t id,
			struct activity_signup *out, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	memset(out, 0, sizeof(*out));
	if (!actor->p || !actor->p->account_id)
		return problem_set(prob, RC_UNAUTHORIZED, "unauthenticated", "请先登录");
	int64_t me = actor->p->account_id, now = clock_now_s();
	struct activity a;
	enum rc rc = activity_read(db, actor->p, id, &a, prob);
	if (rc != RC_OK)
		return rc;
	bool ok = false;
	if (strcmp(a.state, "published") != 0) {
		rc = !strcmp(a.state, "cancelled")
			     ? problem_set(prob, RC_CONFLICT, "not-open", "活动已取消，不能报名")
		     : !strcmp(a.state, "done")
			     ? problem_set(prob, RC_CONFLICT, "not-open", "活动已结束，不能报名")
			     : problem_set(prob, RC_CONFLICT, "not-open",
					   "活动还没有发布，不能报名");
		goto out;
	}
	if (now > a.signup_cutoff_s) {
		rc = refuse_closed(prob, "signup-closed", a.signup_cutoff_s);
		goto out;
	}
	rc = eligible(tx, actor, &a, &ok, prob);
	if (rc != RC_OK)
		goto out;
	if (!ok) {
		rc = !strcmp(a.audience, "workers")
			     ? problem_set(prob, RC_FORBIDDEN, "not-eligible",
					   "这个活动只限快递员、外卖骑手、网约车和货车司机报名")
		     : !strcmp(a.audience, "party")
			     ? problem_set(prob, RC_FORBIDDEN, "not-eligible",
					   "这个活动只限党员报名")
		     : !strcmp(a.audience, "team") ? problem_set(prob, RC_FORBIDDEN, "not-eligible",
								 "这个活动只限本队队员报名")
						   : problem_set(prob, RC_FORBIDDEN, "not-eligible",
								 "这个活动只限本党组织的党员报名");
		goto out;
	}
	/* From here the activity row is locked: the seats counted are the
	 * seats there are, and the line is this transaction's to extend. */
	int64_t seq = 0;
	int taken = 0, capacity = 0;
	rc = lock_row(db, id, true, &seq, &taken, &capacity, prob);
	if (rc != RC_OK)
		goto out;
	bool found = false;
	struct activity_signup old;
	rc = signup_of(db, id, me, &old, &found, prob);
	if (rc != RC_OK)
		goto out;
	if (found && strcmp(old.state, "cancelled") != 0) {
		rc = !strcmp(old.state, "waitlisted")
			     ? problem_set(prob, RC_CONFLICT, "already-signed-up",
					   "您已在候补名单上（第 %d 位）", old.waitlist_position)
			     : problem_set(prob, RC_CONFLICT, "already-signed-up",
					   "您已报名这个活动");
		goto out;
	}
	bool seat = taken < capacity;
	const char *state = seat ? "signed" : "waitlisted";
	if (seat)
		rc = take_seat(db, id, 1, prob);
	if (rc == RC_OK && found)
		rc = db_q(db,
			  "UPDATE activity_signups SET state = $2, position = $3, walk_in = 0,"
			  " how = NULL, attended_s = NULL, reminded_day = 0, reminded_hour = 0,"
			  " created_s = $4, updated_s = $4 WHERE id = $1",
			  NULL, prob, DB_I(old.id), DB_T(state), DB_I(seq), DB_I(now));
	else if (rc == RC_OK)
		rc = db_q(db,
			  "INSERT INTO activity_signups (activity_id, account_id, state, position,"
			  " created_s, updated_s) VALUES ($1, $2, $3, $4, $5, $5)",
			  NULL, prob, DB_I(id), DB_I(me), DB_T(state), DB_I(seq), DB_I(now));
	if (rc == RC_OK)
		rc = signup_of(db, id, me, out, &found, prob);
	char obj[24], extra[64];
	snprintf(obj, sizeof(obj), "%lld", (long long)out->id);
	snprintf(extra, sizeof(extra), ",\"state\":\"%s\"", state);
	if (rc == RC_OK)
		rc = record(tx, actor, &a, "signup", me, obj, extra, prob);
out:
	activity_release(&a);
	return rc;
}

enum rc activity_signup_cancel(struct db_tx *tx, const struct actor *actor, int64_t id,
			       struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (!actor->p || !actor->p->account_id)
		return problem_set(prob, RC_UNAUTHORIZED, "unauthenticated", "请先登录");
	int64_t me = actor->p->account_id;
	struct activity a;
	enum rc rc = activity_read(db, actor->p, id, &a, prob);
	if (rc != RC_OK)
		return rc;
	if (clock_now_s() > a.signup_cutoff_s) {
		rc = refuse_closed(prob, "cancel-closed", a.signup_cutoff_s);
		goto out;
	}
	int taken = 0, capacity = 0;
	rc = lock_row(db, id, false, NULL, &taken, &capacity, prob);
	bool found = false;
	struct activity_signup s;
	if (rc == RC_OK)
		rc = signup_of(db, id, me, &s, &found, prob);
	if (rc != RC_OK)
		goto out;
	if (!found || (strcmp(s.state, "signed") != 0 && strcmp(s.state, "waitlisted") != 0)) {
		rc = problem_set(prob, RC_CONFLICT, "not-signed-up", "您没有报名这个活动");
		goto out;
	}
	rc = db_q(db,
		  "UPDATE activity_signups SET state = 'cancelled', updated_s = $2 WHERE id = $1",
		  NULL, prob, DB_I(s.id), DB_I(clock_now_s()));
	if (rc == RC_OK && !strcmp(s.state, "signed"))
		rc = take_seat(db, id, -1, prob);
	char obj[24];
	snprintf(obj, sizeof(obj), "%lld", (long long)s.id);
	if (rc == RC_OK)
		rc = record(tx, actor, &a, "signup_cancelled", me, obj, NULL, prob);
	if (rc == RC_OK && !strcmp(s.state, "signed") && !strcmp(a.state, "published"))
		rc = promote(tx, &a, prob);
out:
	activity_release(&a);
	return rc;
}

/* Attendance */

/* Marks the sign-up attended (or makes one for a walk-in) and records
 * "activity.attended" for the points ledger. *already: nothing new. */
static enum rc attend(struct db_tx *tx, const struct actor *actor, const struct activity *a,
		      int64_t account_id, const char *how, struct activity_signup *out,
		      bool *already, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	*already = false;
	int64_t seq = 0, now = clock_now_s();
	int taken = 0, capacity = 0;
	enum rc rc = lock_row(db, a->id, true, &seq, &taken, &capacity, prob);
	bool found = false;
	struct activity_signup s;
	if (rc == RC_OK)
		rc = signup_of(db, a->id, account_id, &s, &found, prob);
	if (rc != RC_OK)
		return rc;
	if (found && !strcmp(s.state, "attended")) {
		*already = true;
		*out = s;
		return RC_OK;
	}
	bool seated = found && (!strcmp(s.state, "signed") || !strcmp(s.state, "no_show"));
	if (!seated) {
		if (taken >= capacity)
			return problem_set(prob, RC_CONFLICT, "full",
					   "名额已满（%d 人），没有报名的不能再签到", capacity);
		rc = take_seat(db, a->id, 1, prob);
	}
	if (rc == RC_OK && found)
		rc = db_q(
			db,
			"UPDATE activity_signups SET state = 'attended', how = $2, attended_s = $3,"
			" walk_in = $4, updated_s = $3 WHERE id = $1",
			NULL, prob, DB_I(s.id), DB_T(how), DB_I(now), DB_I(seated ? 0 : 1));
	else if (rc == RC_OK)
		rc = db_q(db,
			  "INSERT INTO activity_signups (activity_id, account_id, state, position,"
			  " walk_in, how, created_s, updated_s, attended_s)"
			  " VALUES ($1, $2, 'attended', $3, 1, $4, $5, $5, $5)",
			  NULL, prob, DB_I(a->id), DB_I(account_id), DB_I(seq), DB_T(how),
			  DB_I(now));
	if (rc == RC_OK)
		rc = signup_of(db, a->id, account_id, out, &found, prob);
	if (rc != RC_OK)
		return rc;
	/* The points ledger awards from this event: its object is the
	 * sign-up, so one attendance is one award. */
	struct sb extra = SB_INIT;
	sb_addf(&extra, ",\"signup_id\":%lld,\"account_id\":%lld,\"points\":%d,\"how\":",
		(long long)out->id, (long long)account_id, a->points);
	sb_add_json_string(&extra, how);
	char obj[24];
	snprintf(obj, sizeof(obj), "%lld", (long long)out->id);
	rc = record(tx, actor, a, "attended", account_id, obj, sb_str(&extra), prob);
	sb_release(&extra);
	return rc;
}

enum rc activity_attend(struct db_tx *tx, const struct actor *actor, int64_t id, const char *token,
			const char *client_ip, struct activity_signup *out, bool *already,
			struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	memset(out, 0, sizeof(*out));
	*already = false;
	if (!actor->p || !actor->p->account_id)
		return problem_set(prob, RC_UNAUTHORIZED, "unauthenticated", "请先登录再签到");
	struct activity a;
	enum rc rc = load(db, id, &a, prob);
	if (rc != RC_OK)
		return rc;
	int64_t now = clock_now_s();
	if (!token || !*token || !secret_equal(token, a.attend_token)) {
		rc = problem_set(prob, RC_FORBIDDEN, "bad-token",
				 "签到码不对：请扫描活动现场的二维码");
	} else if (strcmp(a.state, "published") != 0) {
		rc = !strcmp(a.state, "cancelled")
			     ? problem_set(prob, RC_CONFLICT, "not-open", "活动已取消，不能签到")
		     : !strcmp(a.state, "done")
			     ? problem_set(prob, RC_CONFLICT, "not-open", "活动已结束，不能签到")
			     : problem_set(prob, RC_CONFLICT, "not-open",
					   "活动还没有发布，不能签到");
	} else if (now < a.starts_s - ACTIVITY_EARLY_S || now > a.ends_s) {
		char from[20], to[20];
		local_time(a.starts_s - ACTIVITY_EARLY_S, from);
		local_time(a.ends_s, to);
		rc = problem_set(prob, RC_CONFLICT, "not-now", "签到时间为 %s 至 %s", from, to);
	} else {
		rc = attend(tx, actor, &a, actor->p->account_id, "scan", out, already, prob);
	}
	if (rc == RC_OK && !*already && a.station_id) {
		struct checkin_result cr;
		rc = checkin_record_station(tx, actor, a.station_id, "activity", client_ip, &cr,
					    prob);
	}
	activity_release(&a);
	return rc;
}

enum rc activity_mark(struct db_tx *tx, const struct actor *actor, int64_t id, int64_t account_id,
		      const char *state, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	bool to_attended = state && !strcmp(state, "attended");
	if (!to_attended && !(state && !strcmp(state, "no_show"))) {
		problem_field(prob, "state", "应为 attended 或 no_show");
		return RC_INVALID;
	}
	struct activity a;
	enum rc rc = load_managed(db, actor, id, &a, prob);
	if (rc != RC_OK)
		return rc;
	int64_t now = clock_now_s();
	if (strcmp(a.state, "published") != 0 && strcmp(a.state, "done") != 0) {
		rc = problem_set(prob, RC_CONFLICT, "not-open", "只有报名中和已结束的活动可以点名");
		goto out;
	}
	if (now < a.starts_s - ACTIVITY_EARLY_S) {
		rc = problem_set(prob, RC_CONFLICT, "not-now", "活动还没开始，不能点名");
		goto out;
	}
	bool found = false;
	struct activity_signup s;
	rc = signup_of(db, id, account_id, &s, &found, prob);
	if (rc != RC_OK)
		goto out;
	if (!found || !strcmp(s.state, "cancelled")) {
		rc = problem_set(prob, RC_NOT_FOUND, "not-found", "这个人没有报名这个活动");
		goto out;
	}
	if (to_attended) {
		bool already = false;
		if (!strcmp(s.state, "waitlisted") || !strcmp(s.state, "signed") ||
		    !strcmp(s.state, "no_show"))
			rc = attend(tx, actor, &a, account_id, "organiser", &s, &already, prob);
		goto out;
	}
	if (!strcmp(s.state, "no_show"))
		goto out;
	if (strcmp(s.state, "signed") != 0) {
		rc = problem_set(prob, RC_CONFLICT, "invalid-transition",
				 !strcmp(s.state, "attended") ? "已签到的人不能记为未到"
							      : "候补的人不能记为未到");
		goto out;
	}
	rc = db_q(db, "UPDATE activity_signups SET state = 'no_show', updated_s = $2 WHERE id = $1",
		  NULL, prob, DB_I(s.id), DB_I(now));
	char obj[24];
	snprintf(obj, sizeof(obj), "%lld", (long long)s.id);
	if (rc == RC_OK)
		rc = record(tx, actor, &a, "no_show", account_id, obj, NULL, prob);
out:
	activity_release(&a);
	return rc;
}

static enum rc signups_where(struct db *db, const char *sql, int64_t v,
			     struct activity_signup **items, size_t *n, struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, sql, &rows, prob, DB_I(v));
	if (rc != RC_OK)
		return rc;
	*n = db_rows_count(rows);
	*items = xcalloc(*n ? *n : 1, sizeof(**items));
	for (size_t i = 0; i < *n; i++)
		signup_from_row(rows, i, &(*items)[i]);
	db_rows_free(rows);
	return RC_OK;
}

enum rc activity_sheet(struct db *db, const struct principal *viewer, int64_t id,
		       struct activity_signup **items, size_t *n, struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct actor actor = { .p = viewer };
	struct activity a;
	enum rc rc = load_managed(db, &actor, id, &a, prob);
	if (rc != RC_OK)
		return rc;
	activity_release(&a);
	return signups_where(db,
			     "SELECT " SIGNUP_COLS " WHERE g.activity_id = $1 ORDER BY g.position",
			     id, items, n, prob);
}

enum rc activity_mine(struct db *db, int64_t account_id, bool upcoming, struct activity_page *page,
		      struct activity_signup **signups, struct problem *prob)
{
	memset(page, 0, sizeof(*page));
	*signups = NULL;
	size_t n = 0;
	enum rc rc = signups_where(db,
				   "SELECT " SIGNUP_COLS
				   " JOIN activities x ON x.id = g.activity_id"
				   " WHERE g.account_id = $1 ORDER BY x.starts_s, x.id LIMIT 500",
				   account_id, signups, &n, prob);
	if (rc != RC_OK)
		return rc;
	page->items = xcalloc(n ? n : 1, sizeof(*page->items));
	int64_t now = clock_now_s();
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct activity *a = &page->items[k];
		rc = load(db, (*signups)[i].activity_id, a, prob);
		if (rc != RC_OK)
			break;
		a->attend_token[0] = '\0';
		if ((upcoming && a->ends_s <= now) || !strcmp(a->state, "draft")) {
			activity_release(a);
			continue;
		}
		(*signups)[k++] = (*signups)[i];
		page->n = k;
	}
	page->n = k;
	if (rc != RC_OK) {
		activity_page_release(page);
		free(*signups);
		*signups = NULL;
	}
	return rc;
}

/* Desk and deliberation records */

enum rc activity_desk_items(struct db *db, int64_t id, struct activity_desk_item **items, size_t *n,
			    struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT item, served FROM activity_desk_items WHERE activity_id = $1"
			  " ORDER BY sort, item",
			  &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	*n = db_rows_count(rows);
	*items = xcalloc(*n ? *n : 1, sizeof(**items));
	for (size_t i = 0; i < *n; i++) {
		text_copy((*items)[i].item, sizeof((*items)[i].item), db_rows_text(rows, i, 0));
		(*items)[i].served = (int)db_rows_int(rows, i, 1);
	}
	db_rows_free(rows);
	return RC_OK;
}

enum rc activity_desk_count(struct db_tx *tx, const struct actor *actor, int64_t id,
			    const struct activity_desk_item *items, size_t n, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct activity a;
	enum rc rc = load_managed(db, actor, id, &a, prob);
	if (rc != RC_OK)
		return rc;
	if (strcmp(a.kind, "service_desk") != 0) {
		rc = problem_set(prob, RC_CONFLICT, "wrong-kind",
				 "只有延时流动办公桌记录各事项的服务人数");
		goto out;
	}
	for (size_t i = 0; rc == RC_OK && i < n; i++) {
		if (items[i].served < 0 || items[i].served > 100000) {
			problem_field(prob, "items", "服务人数应为 0–100000");
			rc = RC_INVALID;
			break;
		}
		struct db_rows *rows = NULL;
		rc = db_q(db,
			  "UPDATE activity_desk_items SET served = $3 WHERE activity_id = $1"
			  " AND item = $2 RETURNING item",
			  &rows, prob, DB_I(id), DB_T(items[i].item), DB_I(items[i].served));
		bool hit = rc == RC_OK && db_rows_count(rows) == 1;
		db_rows_free(rows);
		if (rc == RC_OK && !hit) {
			problem_field(prob, "items", "这个办公桌没有这个事项：%s", items[i].item);
			rc = RC_INVALID;
		}
	}
	if (rc == RC_OK)
		rc = record(tx, actor, &a, "desk_counted", 0, NULL, NULL, prob);
out:
	activity_release(&a);
	return rc;
}

enum rc activity_problems(struct db *db, int64_t id, struct activity_problem **items, size_t *n,
			  struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT id, text, solved, request_id FROM activity_problems"
			  " WHERE activity_id = $1 ORDER BY id",
			  &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	*n = db_rows_count(rows);
	*items = xcalloc(*n ? *n : 1, sizeof(**items));
	for (size_t i = 0; i < *n; i++) {
		struct activity_problem *p = &(*items)[i];
		p->id = db_rows_int(rows, i, 0);
		text_copy(p->text, sizeof(p->text), db_rows_text(rows, i, 1));
		p->solved = db_rows_int(rows, i, 2) != 0;
		p->request_id = db_rows_int(rows, i, 3);
	}
	db_rows_free(rows);
	return RC_OK;
}

enum rc activity_problem_add(struct db_tx *tx, const struct actor *actor, int64_t id,
			     const char *text, bool solved, bool open_request, const char *category,
			     struct activity_problem *out, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	memset(out, 0, sizeof(*out));
	if (!field_text_ok(prob, "text", text, ACTIVITY_PROBLEM_MAX, true, true))
		return RC_INVALID;
	struct activity a;
	enum rc rc = load_managed(db, actor, id, &a, prob);
	if (rc != RC_OK)
		return rc;
	if (strcmp(a.kind, "deliberation") != 0) {
		rc = problem_set(prob, RC_CONFLICT, "wrong-kind", "只有板凳会记录议出的问题");
		goto out;
	}
	int64_t request_id = 0;
	if (open_request) {
		/* The problem's first line is the request's title. */
		char title[REQUEST_TITLE_MAX * 4 + 1];
		size_t len = strcspn(text, "\r\n");
		text_copy(title, sizeof(title) < len + 1 ? sizeof(title) : len + 1, text);
		while (text_chars(title) > REQUEST_TITLE_MAX)
			title[strlen(title) - 1] = '\0';
		/* Cutting bytes may leave half a character: back to a whole one. */
		size_t tl = strlen(title);
		while (tl && ((unsigned char)title[tl - 1] & 0xC0) == 0x80)
			title[--tl] = '\0';
		if (tl && (unsigned char)title[tl - 1] >= 0xC0)
			title[--tl] = '\0';
		struct sb desc = SB_INIT;
		sb_addf(&desc, "%s\n\n来自板凳会：%s（/activity.html?id=%lld）", text, a.title,
			(long long)a.id);
		struct request_input rin = {
			.kind = "suggestion",
			.category = category && *category ? category : "community",
			.title = title,
			.description = sb_str(&desc),
			.station_id = a.station_id,
			.region_code = a.station_id ? NULL : a.region_code,
		};
		rc = request_create(tx, actor, &rin, &request_id, prob);
		sb_release(&desc);
		if (rc == RC_OK && problem_has_fields(prob))
			rc = RC_INVALID;
		if (rc != RC_OK)
			goto out;
	}
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "INSERT INTO activity_problems (activity_id, text, solved, request_id, created_s)"
		  " VALUES ($1, $2, $3, $4, $5) RETURNING id",
		  &rows, prob, DB_I(id), DB_T(text), DB_I(solved ? 1 : 0),
		  DB_IOPT(request_id != 0, request_id), DB_I(clock_now_s()));
	if (rc == RC_OK) {
		out->id = db_rows_int(rows, 0, 0);
		text_copy(out->text, sizeof(out->text), text);
		out->solved = solved;
		out->request_id = request_id;
	}
	db_rows_free(rows);
	if (rc == RC_OK)
		rc = record(tx, actor, &a, "problem_added", 0, NULL, NULL, prob);
out:
	activity_release(&a);
	return rc;
}

/* Calendar feeds */

enum rc activity_feed_token(struct db_tx *tx, const struct actor *actor, char *token,
			    struct problem *prob)
{
	if (!actor->p || !actor->p->account_id)
		return problem_set(prob, RC_UNAUTHORIZED, "unauthenticated", "请先登录");
	secret_token("cal_", token, ACTIVITY_TOKEN_CAP);
	char hash[SECRET_HASH_LEN];
	secret_hash(token, hash);
	enum rc rc = db_q(db_tx_db(tx),
			  "INSERT INTO activity_feeds (account_id, token_hash, created_s)"
			  " VALUES ($1, $2, $3) ON CONFLICT (account_id) DO UPDATE"
			  " SET token_hash = excluded.token_hash, created_s = excluded.created_s",
			  NULL, prob, DB_I(actor->p->account_id), DB_T(hash), DB_I(clock_now_s()));
	if (rc != RC_OK)
		return rc;
	return audit_record_id(tx, actor, "activity.feed_token", "account", actor->p->account_id,
			       NULL, NULL, prob);
}

enum rc activity_feed_account(struct db *db, const char *token, int64_t *account_id,
			      struct problem *prob)
{
	*account_id = 0;
	if (!token || strncmp(token, "cal_", 4) != 0 || strlen(token) > ACTIVITY_TOKEN_CAP)
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个日历订阅");
	char hash[SECRET_HASH_LEN];
	secret_hash(token, hash);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT account_id FROM activity_feeds WHERE token_hash = $1", &rows,
			  prob, DB_T(hash));
	if (rc == RC_OK && db_rows_count(rows) == 1)
		*account_id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	if (rc == RC_OK && !*account_id)
		rc = problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个日历订阅");
	return rc;
}

/* The background step */

struct remind_arg {
	int64_t signup_id, account_id, activity_id, now_s;
	bool hour; /* the hour's reminder (else the day's) */
	bool sent;
};

static enum rc remind_one(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct remind_arg *r = ctx;
	struct db *db = db_tx_db(tx);
	r->sent = false;
	/* Claimed in one statement: of two servers, one sends it. The hour's
	 * reminder also settles the day's (one that came too late is not
	 * sent after the hour's). */
	struct db_rows *rows = NULL;
	enum rc rc = r->hour ? db_q(db,
				    "UPDATE activity_signups SET reminded_hour = 1, reminded_day = 1"
				    " WHERE id = $1 AND reminded_hour = 0 AND state = 'signed'"
				    " RETURNING id",
				    &rows, prob, DB_I(r->signup_id))
			     : db_q(db,
				    "UPDATE activity_signups SET reminded_day = 1"
				    " WHERE id = $1 AND reminded_day = 0 AND state = 'signed'"
				    " RETURNING id",
				    &rows, prob, DB_I(r->signup_id));
	bool ours = rc == RC_OK && db_rows_count(rows) == 1;
	db_rows_free(rows);
	if (!ours)
		return rc;
	struct activity a;
	rc = load(db, r->activity_id, &a, prob);
	if (rc != RC_OK)
		return rc;
	char when[20], where[800], body[1000];
	local_time(a.starts_s, when);
	where_of(&a, where, sizeof(where));
	snprintf(body, sizeof(body), "%s 在 %s", when, where);
	rc = tell(tx, r->account_id, "reminder", r->hour ? "一小时后开始" : "24 小时内开始", &a,
		  body, prob);
	activity_release(&a);
	r->sent = rc == RC_OK;
	return rc;
}

struct close_arg {
	int64_t id, now_s;
	bool closed;
};

static enum rc close_one(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct close_arg *c = ctx;
	struct db *db = db_tx_db(tx);
	c->closed = false;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db,
		"UPDATE activities SET state = 'done', closed_s = $2, updated_s = $2,"
		" version = version + 1 WHERE id = $1 AND state = 'published' RETURNING id",
		&rows, prob, DB_I(c->id), DB_I(c->now_s));
	bool ours = rc == RC_OK && db_rows_count(rows) == 1;
	db_rows_free(rows);
	if (!ours)
		return rc;
	rc = db_q(db,
		  "UPDATE activity_signups SET state = 'no_show', updated_s = $2"
		  " WHERE activity_id = $1 AND state = 'signed'",
		  NULL, prob, DB_I(c->id), DB_I(c->now_s));
	struct activity a;
	if (rc == RC_OK)
		rc = load(db, c->id, &a, prob);
	if (rc != RC_OK)
		return rc;
	rc = record(tx, NULL, &a, "done", 0, NULL, NULL, prob);
	activity_release(&a);
	c->closed = rc == RC_OK;
	return rc;
}

enum rc activity_tick(struct db *db, int64_t now_s, int *sent, int *closed, struct problem *prob)
{
	if (sent)
		*sent = 0;
	if (closed)
		*closed = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db,
		"SELECT g.id, g.account_id, a.id, a.starts_s, g.reminded_day"
		" FROM activity_signups g JOIN activities a ON a.id = g.activity_id"
		" WHERE a.state = 'published' AND g.state = 'signed'"
		" AND g.reminded_hour = 0 AND a.starts_s > $1 AND a.starts_s <= $1 + 86400"
		" AND (g.reminded_day = 0 OR a.starts_s <= $1 + 3600)"
		" ORDER BY a.starts_s, g.id LIMIT 1000",
		&rows, prob, DB_I(now_s));
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; rc == RC_OK && i < db_rows_count(rows); i++) {
		struct remind_arg r = { .signup_id = db_rows_int(rows, i, 0),
					.account_id = db_rows_int(rows, i, 1),
					.activity_id = db_rows_int(rows, i, 2),
					.now_s = now_s,
					.hour = db_rows_int(rows, i, 3) <= now_s + 3600 };
		rc = db_tx(db, remind_one, &r, prob);
		if (sent)
			*sent += r.sent;
	}
	db_rows_free(rows);
	if (rc != RC_OK)
		return rc;
	rc = db_q(db,
		  "SELECT id FROM activities WHERE state = 'published' AND ends_s + $2 <= $1"
		  " ORDER BY ends_s LIMIT 200",
		  &rows, prob, DB_I(now_s), DB_I(ACTIVITY_GRACE_S));
	for (size_t i = 0; rc == RC_OK && i < db_rows_count(rows); i++) {
		struct close_arg c = { .id = db_rows_int(rows, i, 0), .now_s = now_s };
		rc = db_tx(db, close_one, &c, prob);
		if (closed)
			*closed += c.closed;
	}
	db_rows_free(rows);
	return rc;
}
