/* Requests: one lifecycle for orders, wishes, reports, suggestions,
 * mediation cases, tasks and home visits (request.h). */
#include "domain/request.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/phone.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/events.h"
#include "domain/permission.h"
#include "domain/person.h"
#include "domain/region.h"
#include "domain/registry.h"
#include "domain/scope.h"
#include "geo/coord.h"
#include "domain/hours.h"
#include "domain/inbox.h"
#include "geo/distance.h"

const struct field_choice request_kinds[] = {
	{ "order", "点单", "Service order" },	   { "wish", "微心愿", "Micro-wish" },
	{ "report", "随手拍", "Photo report" },	   { "suggestion", "驿见箱", "Suggestion" },
	{ "mediation", "调解", "Mediation case" }, { "task", "任务", "Task" },
	{ "visit", "走访", "Home visit" },	   { NULL, NULL, NULL },
};

const struct field_choice request_states[] = {
	{ "submitted", "已提交", "Submitted" },
	{ "dispatched", "已派单", "Dispatched" },
	{ "accepted", "已接单", "Accepted" },
	{ "in_progress", "办理中", "In progress" },
	{ "resolved", "已办结", "Resolved" },
	{ "rated", "已评价", "Rated" },
	{ "rejected", "未受理", "Rejected" },
	{ "cancelled", "已撤回", "Cancelled" },
	{ "reopened", "已重新打开", "Reopened" },
	{ "closed", "已关闭", "Closed" },
	{ NULL, NULL, NULL },
};

const struct field_choice request_actions[] = {
	{ "submit", "提交", "Submit" },		{ "dispatch", "派单", "Dispatch" },
	{ "accept", "接单", "Accept" },		{ "start", "开始办理", "Start" },
	{ "resolve", "办结", "Resolve" },	{ "rate", "评价", "Rate" },
	{ "reject", "不予受理", "Reject" },	{ "cancel", "撤回", "Cancel" },
	{ "reopen", "重新打开", "Reopen" },	{ "close", "关闭", "Close" },
	{ "escalate", "升级督办", "Escalate" }, { NULL, NULL, NULL },
};

enum {
	K_ORDER,
	K_WISH,
	K_REPORT,
	K_SUGGESTION,
	K_MEDIATION,
	K_TASK,
	K_VISIT,
};

enum {
	S_SUBMITTED,
	S_DISPATCHED,
	S_ACCEPTED,
	S_IN_PROGRESS,
	S_RESOLVED,
	S_RATED,
	S_REJECTED,
	S_CANCELLED,
	S_REOPENED,
	S_CLOSED,
	S_COUNT
};
#define SB(s)	(1u << (s))
#define S_OPEN	(SB(S_SUBMITTED) | SB(S_DISPATCHED) | SB(S_REOPENED))
#define S_WORK	(SB(S_ACCEPTED) | SB(S_IN_PROGRESS))
#define S_LIVE	(S_OPEN | S_WORK)
#define S_ENDED (SB(S_RESOLVED) | SB(S_RATED))

/* Who may take a step. */
#define W_REQUESTER 0x01u
#define W_ASSIGNEE  0x02u /* the account it was dispatched to, or a member of its team */
#define W_STAFF	    0x04u /* ACT_REQUEST_DISPATCH at the request's place */
#define W_VOLUNTEER 0x08u /* anyone signed in but the requester (a wish) */

struct transition {
	const char *action;
	unsigned from; /* states, SB() */
	int to;
	unsigned who;
	unsigned kinds; /* 0: every kind; else 1u << K_* */
};

static const struct transition transitions[] = {
	{ "dispatch", S_OPEN | SB(S_ACCEPTED), S_DISPATCHED, W_STAFF, 0 },
	{ "accept", SB(S_DISPATCHED), S_ACCEPTED, W_ASSIGNEE, 0 },
	{ "accept", SB(S_SUBMITTED) | SB(S_REOPENED), S_ACCEPTED, W_VOLUNTEER, 1u << K_WISH },
	{ "start", SB(S_ACCEPTED), S_IN_PROGRESS, W_ASSIGNEE, 0 },
	{ "resolve", S_WORK, S_RESOLVED, W_ASSIGNEE, 0 },
	{ "rate", SB(S_RESOLVED), S_RATED, W_REQUESTER, 0 },
	{ "reject", S_OPEN, S_REJECTED, W_STAFF, 0 },
	{ "cancel", S_OPEN, S_CANCELLED, W_REQUESTER, 0 },
	{ "reopen", S_ENDED, S_REOPENED, W_REQUESTER, 0 },
	{ "close", S_ENDED | S_OPEN, S_CLOSED, W_STAFF, 0 },
};
#define NTRANSITIONS (sizeof(transitions) / sizeof(transitions[0]))

void request_release(struct request *r)
{
	if (!r)
		return;
	free(r->description);
	free(r->rating_comment);
	free(r->parties);
	free(r->household);
	free(r->reason);
	free(r->record);
	r->description = r->rating_comment = r->parties = NULL;
	r->household = r->reason = r->record = NULL;
}

/* Reading */

#define REQUEST_COLS                                                                                 \
	"r.id, r.kind, r.category, r.title, r.description, r.state, r.lat, r.lng,"                   \
	" r.station_id, s.name, r.region_code, r.requester_id, ra.name, r.assignee_id,"              \
	" aa.name, r.team_id, t.name, r.rating, r.rating_comment, r.parties, r.major,"               \
	" r.settled, r.household, r.reason, r.record, r.proof_count, r.project_id,"                  \
	" r.respond_due_s, r.resolve_due_s, r.escalation, r.escalated_s, r.created_s,"               \
	" r.updated_s, r.dispatched_s, r.accepted_s, r.resolved_s, r.closed_s, r.version,"           \
	" (SELECT COUNT(*) FROM request_followers f WHERE f.request_id = r.id)"                      \
	" FROM requests r LEFT JOIN stations s ON s.id = r.station_id"                               \
	" JOIN accounts ra ON ra.id = r.requester_id LEFT JOIN accounts aa ON aa.id = r.assignee_id" \
	" LEFT JOIN teams t ON t.id = r.team_id"

static char *dup_or_null(const struct db_rows *rows, size_t i, size_t c)
{
	return db_rows_null(rows, i, c) ? NULL : xstrdup(db_rows_text(rows, i, c));
}

static void from_row(const struct db_rows *rows, size_t i, struct request *r)
{
	memset(r, 0, sizeof(*r));
	size_t c = 0;
	r->id = db_rows_int(rows, i, c++);
	text_copy(r->kind, sizeof(r->kind), db_rows_text(rows, i, c++));
	text_copy(r->category, sizeof(r->category), db_rows_text(rows, i, c++));
	text_copy(r->title, sizeof(r->title), db_rows_text(rows, i, c++));
	r->description = xstrdup(db_rows_text(rows, i, c++) ? db_rows_text(rows, i, c - 1) : "");
	text_copy(r->state, sizeof(r->state), db_rows_text(rows, i, c++));
	r->has_location = !db_rows_null(rows, i, c);
	r->lat = db_rows_real(rows, i, c++);
	r->lng = db_rows_real(rows, i, c++);
	r->station_id = db_rows_int(rows, i, c++);
	text_copy(r->station_name, sizeof(r->station_name), db_rows_text(rows, i, c++));
	text_copy(r->region_code, sizeof(r->region_code), db_rows_text(rows, i, c++));
	r->requester_id = db_rows_int(rows, i, c++);
	text_copy(r->requester_name, sizeof(r->requester_name), db_rows_text(rows, i, c++));
	r->assignee_id = db_rows_int(rows, i, c++);
	text_copy(r->assignee_name, sizeof(r->assignee_name), db_rows_text(rows, i, c++));
	r->team_id = db_rows_int(rows, i, c++);
	text_copy(r->team_name, sizeof(r->team_name), db_rows_text(rows, i, c++));
	r->rating = (int)db_rows_int(rows, i, c++);
	r->rating_comment = dup_or_null(rows, i, c++);
	r->parties = dup_or_null(rows, i, c++);
	r->major = db_rows_int(rows, i, c++) != 0;
	r->settled = db_rows_null(rows, i, c) ? -1 : (int)db_rows_int(rows, i, c);
	c++;
	r->household = dup_or_null(rows, i, c++);
	r->reason = dup_or_null(rows, i, c++);
	r->record = dup_or_null(rows, i, c++);
	r->proof_count = db_rows_null(rows, i, c) ? -1 : (int)db_rows_int(rows, i, c);
	c++;
	r->project_id = db_rows_int(rows, i, c++);
	r->respond_due_s = db_rows_int(rows, i, c++);
	r->resolve_due_s = db_rows_int(rows, i, c++);
	r->escalation = (int)db_rows_int(rows, i, c++);
	r->escalated_s = db_rows_int(rows, i, c++);
	r->created_s = db_rows_int(rows, i, c++);
	r->updated_s = db_rows_int(rows, i, c++);
	r->dispatched_s = db_rows_int(rows, i, c++);
	r->accepted_s = db_rows_int(rows, i, c++);
	r->resolved_s = db_rows_int(rows, i, c++);
	r->closed_s = db_rows_int(rows, i, c++);
	r->version = (int)db_rows_int(rows, i, c++);
	r->followers = (int)db_rows_int(rows, i, c++);
}

static enum rc load(struct db *db, int64_t id, struct request *out, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT " REQUEST_COLS " WHERE r.id = $1", &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) != 1) {
		db_rows_free(rows);
		memset(out, 0, sizeof(*out));
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个诉求");
	}
	from_row(rows, 0, out);
	db_rows_free(rows);
	return RC_OK;
}

static struct scope_target target_of(const struct request *r)
{
	return (struct scope_target){ .region = r->region_code, .station_id = r->station_id };
}

static bool is_staff(const struct principal *p, enum action a, const struct request *r)
{
	struct scope_target t = target_of(r);
	return p && permission_allows(p, a, &t);
}

/* True if viewer's person is a member of team now. */
static bool in_team(struct db *db, const struct principal *viewer, int64_t team_id)
{
	if (!team_id || !viewer || !viewer->account_id)
		return false;
	struct problem prob;
	problem_init(&prob);
	struct db_rows *rows = NULL;
	if (db_q(db,
		 "SELECT 1 FROM team_members m JOIN persons p ON p.id = m.person_id"
		 " WHERE m.team_id = $1 AND p.account_id = $2 AND m.left_s IS NULL LIMIT 1",
		 &rows, &prob, DB_I(team_id), DB_I(viewer->account_id)) != RC_OK)
		return false;
	bool yes = db_rows_count(rows) == 1;
	db_rows_free(rows);
	return yes;
}

static bool is_follower(struct db *db, const struct principal *viewer, int64_t id)
{
	if (!viewer || !viewer->account_id)
		return false;
	struct problem prob;
	problem_init(&prob);
	struct db_rows *rows = NULL;
	if (db_q(db, "SELECT 1 FROM request_followers WHERE request_id = $1 AND account_id = $2",
		 &rows, &prob, DB_I(id), DB_I(viewer->account_id)) != RC_OK)
		return false;
	bool yes = db_rows_count(rows) == 1;
	db_rows_free(rows);
	return yes;
}

/* The assignee: the account it went to, or, dispatched to a team and not
 * yet taken, any member of the team. */
static bool is_assignee(struct db *db, const struct principal *p, const struct request *r)
{
	if (!p || !p->account_id)
		return false;
	if (r->assignee_id)
		return r->assignee_id == p->account_id;
	return in_team(db, p, r->team_id);
}

/* A wish still waiting is on the wall every signed-in person sees. */
static bool on_wall(const struct request *r)
{
	return !strcmp(r->kind, "wish") &&
	       (!strcmp(r->state, "submitted") || !strcmp(r->state, "reopened"));
}

static bool may_read(struct db *db, const struct principal *p, const struct request *r)
{
	if (!p)
		return false;
	if (p->account_id && on_wall(r))
		return true;
	if (p->account_id && (p->account_id == r->requester_id || p->account_id == r->assignee_id))
		return true;
	if (is_staff(p, ACT_REQUEST_READ, r))
		return true;
	return in_team(db, p, r->team_id) || is_follower(db, p, r->id);
}

/* Mediation parties as others see them: every digit of a number past the
 * third and before the last four hidden, every name but its first
 * character. The studio's staff see them whole. */
static char *mask_parties(const char *s)
{
	struct sb sb = SB_INIT;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t d = i;
		while (d < n && s[d] >= '0' && s[d] <= '9')
			d++;
		if (d - i >= 7) {
			for (size_t k = i; k < d; k++)
				sb_addc(&sb, (k - i < 3 || d - k <= 4) ? s[k] : '*');
			i = d;
			continue;
		}
		if (d > i) {
			sb_add(&sb, s + i, d - i);
			i = d;
			continue;
		}
		/* A run of non-ASCII letters (a Chinese name): its first kept. */
		if ((unsigned char)s[i] >= 0x80) {
			size_t j = i, chars = 0;
			while (j < n && (unsigned char)s[j] >= 0x80) {
				size_t len = 1;
				while (j + len < n && ((unsigned char)s[j + len] & 0xC0) == 0x80)
					len++;
				/* Chinese punctuation (U+3000–U+303F, U+FF00–U+FF0F) ends a name. */
				unsigned char a = (unsigned char)s[j], b = (unsigned char)s[j + 1];
				bool punct = len == 3 &&
					     ((a == 0xE3 && b == 0x80) || (a == 0xEF && b == 0xBC));
				if (punct)
					break;
				if (chars++ == 0)
					sb_add(&sb, s + j, len);
				else
					sb_addc(&sb, '*');
				j += len;
			}
			if (j == i) { /* punctuation */
				size_t len = 1;
				while (i + len < n && ((unsigned char)s[i + len] & 0xC0) == 0x80)
					len++;
				sb_add(&sb, s + i, len);
				j = i + len;
			}
			i = j;
			continue;
		}
		sb_addc(&sb, s[i++]);
	}
	return sb_detach(&sb, NULL);
}

/* What a viewer with no part in it (a follower, someone at the wish
 * wall) sees of the requester: the family name. */
static void mask_for(const struct principal *viewer, struct request *r)
{
	bool involved = viewer && viewer->account_id &&
			(viewer->account_id == r->requester_id ||
			 viewer->account_id == r->assignee_id);
	if (!involved && !is_staff(viewer, ACT_REQUEST_READ, r) && r->requester_name[0]) {
		size_t len = 1;
		while (r->requester_name[len] &&
		       ((unsigned char)r->requester_name[len] & 0xC0) == 0x80)
			len++;
		memcpy(r->requester_name + len, "**", 3);
	}
	if (r->parties && !is_staff(viewer, ACT_REQUEST_DISPATCH, r)) {
		char *masked = mask_parties(r->parties);
		free(r->parties);
		r->parties = masked;
	}
}

enum rc request_read(struct db *db, const struct principal *viewer, int64_t id, struct request *out,
		     struct problem *prob)
{
	enum rc rc = load(db, id, out, prob);
	if (rc != RC_OK)
		return rc;
	if (!may_read(db, viewer, out)) {
		request_release(out);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个诉求");
	}
	mask_for(viewer, out);
	return RC_OK;
}

/* The transition for action from r's state, and whether p is among those
 * who may take it. NULL when no transition of that name leaves the state. */
static const struct transition *find_transition(const char *action, const struct request *r,
						int kind, bool (*who)(unsigned w, void *ctx),
						void *ctx, bool *allowed)
{
	int st = field_choice_index(request_states, r->state);
	const struct transition *found = NULL;
	*allowed = false;
	for (size_t i = 0; i < NTRANSITIONS; i++) {
		const struct transition *t = &transitions[i];
		if (strcmp(t->action, action) != 0 || st < 0 || !(t->from & SB(st)))
			continue;
		if (t->kinds && !(t->kinds & (1u << kind)))
			continue;
		if (!found)
			found = t;
		if (who(t->who, ctx)) {
			*allowed = true;
			return t;
		}
	}
	return found;
}

struct who_ctx {
	struct db *db;
	const struct principal *p;
	const struct request *r;
};

static bool who_matches(unsigned w, void *arg)
{
	struct who_ctx *c = arg;
	const struct principal *p = c->p;
	bool signed_in = p && p->account_id;
	if ((w & W_REQUESTER) && signed_in && p->account_id == c->r->requester_id)
		return true;
	if ((w & W_ASSIGNEE) && is_assignee(c->db, p, c->r))
		return true;
	if ((w & W_STAFF) && is_staff(p, ACT_REQUEST_DISPATCH, c->r))
		return true;
	if ((w & W_VOLUNTEER) && signed_in && p->account_id != c->r->requester_id)
		return true;
	return false;
}

size_t request_next_actions(struct db *db, const struct principal *viewer, const struct request *r,
			    const char *out[], size_t cap)
{
	struct who_ctx c = { db, viewer, r };
	int kind = field_choice_index(request_kinds, r->kind);
	size_t n = 0;
	for (size_t i = 0; i < NTRANSITIONS && n < cap; i++) {
		const char *a = transitions[i].action;
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup = dup || strcmp(out[k], a) == 0;
		bool allowed;
		if (dup || !find_transition(a, r, kind, who_matches, &c, &allowed) || !allowed)
			continue;
		if (strcmp(a, "reopen") == 0 && clock_now_s() - r->resolved_s > REQUEST_REOPEN_S)
			continue;
		out[n++] = a;
	}
	return n;
}

/* Writing */

const char *request_name(const struct field_choice *c, const char *code)
{
	return field_choice_zh(c, code);
}

bool request_kind_known(const char *kind)
{
	return field_choice_index(request_kinds, kind) >= 0;
}

/* The request's history row, audit row and outbox event for one step. */
static enum rc record_step(struct db_tx *tx, const struct actor *actor, const struct request *r,
			   const char *action, const char *from, const char *to, const char *note,
			   struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	int64_t actor_id = actor && actor->p ? actor->p->account_id : 0;
	char label[97] = "系统";
	if (actor_id)
		text_copy(label, sizeof(label), actor->p->name[0] ? actor->p->name : "用户");
	enum rc rc = db_q_later(
		db,
		"INSERT INTO request_events (request_id, at_s, actor_id, actor_label, action,"
		" from_state, to_state, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		prob, DB_I(r->id), DB_I(clock_now_s()), DB_IOPT(actor_id != 0, actor_id),
		DB_T(label), DB_T(action), DB_T(from), DB_T(to), DB_T(note && *note ? note : NULL));
	if (rc != RC_OK)
		return rc;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_str(&d, "kind", r->kind);
	if (from)
		audit_detail_str(&d, "from", from);
	audit_detail_str(&d, "to", to);
	char audit_action[40];
	snprintf(audit_action, sizeof(audit_action), "request.%s", action);
	rc = audit_record_id(tx, actor, audit_action, "request", r->id, r->region_code, &d, prob);
	audit_detail_release(&d);
	if (rc != RC_OK)
		return rc;
	/* What a message about it says (group bots, the live queue). */
	struct sb data = SB_INIT;
	sb_addf(&data, "{\"number\":\"R%06lld\",\"kind\":", (long long)r->id);
	sb_add_json_string(&data, r->kind);
	sb_addlit(&data, ",\"kind_label\":");
	sb_add_json_string(&data, field_choice_zh(request_kinds, r->kind));
	sb_addlit(&data, ",\"title\":");
	sb_add_json_string(&data, r->title);
	sb_addlit(&data, ",\"state\":");
	sb_add_json_string(&data, to);
	sb_addlit(&data, ",\"state_label\":");
	sb_add_json_string(&data, field_choice_zh(request_states, to));
	if (r->station_name[0]) {
		sb_addlit(&data, ",\"station\":");
		sb_add_json_string(&data, r->station_name);
	}
	sb_addlit(&data, ",\"actor\":");
	sb_add_json_string(&data, label);
	if (note && *note) {
		sb_addlit(&data, ",\"note\":");
		sb_add_json_string(&data, note);
	}
	sb_addf(&data, ",\"url\":\"/request.html?id=%lld\"}", (long long)r->id);
	char topic[40], sid[24];
	snprintf(topic, sizeof(topic), EVENT_REQUEST_PREFIX "%s", action);
	snprintf(sid, sizeof(sid), "%lld", (long long)r->id);
	struct event_audience to_whom = { .region_code = r->region_code,
					  .station_id = r->station_id,
					  .data = sb_str(&data) };
	rc = events_record_to(tx, topic, sid, &to_whom, prob);
	sb_release(&data);
	return rc;
}

/* The category's deadlines; field error when kind has no such category. */
static enum rc category_deadlines(struct db *db, const char *kind, const char *category,
				  int *respond_h, int *resolve_h, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT respond_h, resolve_h FROM request_categories"
			  " WHERE kind = $1 AND code = $2",
			  &rows, prob, DB_T(kind), DB_T(category));
	if (rc != RC_OK)
		return rc;
	bool found = db_rows_count(rows) == 1;
	if (found) {
		*respond_h = (int)db_rows_int(rows, 0, 0);
		*resolve_h = (int)db_rows_int(rows, 0, 1);
	}
	db_rows_free(rows);
	if (!found) {
		problem_field(prob, "category", "“%s”没有这个类别：%s",
			      field_choice_zh(request_kinds, kind), category);
		problem_field_en(prob, "A %s has no category %s",
				 field_choice_en(request_kinds, kind), category);
	}
	return RC_OK;
}

static bool staff_kind(int kind)
{
	return kind == K_MEDIATION || kind == K_TASK || kind == K_VISIT;
}

/* The everyday filing, of a resident's kind at a station: the category's
 * deadlines and the station's community are read by the INSERT itself, one
 * statement in all. *filed is false (and nothing written) if the category or
 * the station is not there; the caller then goes the long way, which says
 * which. */
static enum rc insert_at_station(struct db *db, const struct actor *actor,
				 const struct request_input *in, struct request *r, bool *filed,
				 struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db,
		"INSERT INTO requests (kind, category, title, description, state, lat, lng,"
		" station_id, region_code, requester_id, major, respond_due_s, resolve_due_s,"
		" created_s, updated_s)"
		" SELECT $1, $2, $3, $4, 'submitted', $5, $6, s.id, s.region_code, $7, 0,"
		" $8 + c.respond_h * 3600, $8 + c.resolve_h * 3600, $8, $8"
		" FROM request_categories c JOIN stations s ON s.id = $9"
		" WHERE c.kind = $1 AND c.code = $2 AND c.retired = 0"
		" RETURNING id, region_code, (SELECT name FROM stations WHERE id = station_id)",
		&rows, prob, DB_T(in->kind), DB_T(in->category), DB_T(in->title),
		DB_T(in->description ? in->description : ""),
		in->has_location ? DB_R(in->lat) : DB_NUL,
		in->has_location ? DB_R(in->lng) : DB_NUL, DB_I(actor->p->account_id),
		DB_I(clock_now_s()), DB_I(in->station_id));
	if (rc != RC_OK)
		return rc;
	*filed = db_rows_count(rows) == 1;
	if (*filed) {
		r->id = db_rows_int(rows, 0, 0);
		text_copy(r->region_code, sizeof(r->region_code), db_rows_text(rows, 0, 1));
		text_copy(r->station_name, sizeof(r->station_name), db_rows_text(rows, 0, 2));
	}
	db_rows_free(rows);
	return RC_OK;
}

enum rc request_create(struct db_tx *tx, const struct actor *actor, const struct request_input *in,
		       int64_t *id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	*id = 0;
	if (!actor->p || !actor->p->account_id)
		return problem_set(prob, RC_UNAUTHORIZED, "unauthenticated", "请先登录");
	int kind = field_choice_index(request_kinds, in->kind);
	if (kind < 0)
		problem_field(prob, "kind",
			      "应为 order、wish、report、suggestion、mediation、task、visit 之一");
	if (!in->category || !*in->category)
		problem_field(prob, "category", "不能为空");
	field_text_ok(prob, "title", in->title, REQUEST_TITLE_MAX, true, false);
	field_text_ok(prob, "description", in->description, REQUEST_TEXT_MAX, false, true);
	field_text_ok(prob, "parties", in->parties, REQUEST_TEXT_MAX, false, true);
	field_text_ok(prob, "household", in->household, 120, kind == K_VISIT, false);
	field_text_ok(prob, "reason", in->reason, REQUEST_NOTE_MAX, false, true);
	if (kind != K_MEDIATION && (in->parties || in->major))
		problem_field(prob, kind == K_MEDIATION || in->parties ? "parties" : "major",
			      "只有调解案件有当事人和重大案件标记");
	if (kind != K_VISIT && (in->household || in->reason))
		problem_field(prob, in->household ? "household" : "reason",
			      "只有走访记录有走访对象和事由");
	if (kind == K_MEDIATION && (!in->parties || !*in->parties))
		problem_field(prob, "parties", "调解案件要写明当事人");
	if (in->has_location) {
		struct geo_point pt = { in->lat, in->lng };
		if (!geo_point_valid(pt) || !geo_in_china(pt))
			problem_field(prob, "location", "位置应在中国境内");
	}
	if (kind == K_REPORT && !in->has_location && !in->station_id)
		problem_field(prob, "location", "随手拍要有位置（或选一个驿站）");
	bool has_category = kind >= 0 && in->category && *in->category;
	struct request r = { 0 };
	text_copy(r.kind, sizeof(r.kind), in->kind);
	text_copy(r.title, sizeof(r.title), in->title);
	r.station_id = in->station_id;
	enum rc rc = RC_OK;
	if (has_category && in->station_id && !staff_kind(kind) && !in->assignee_id &&
	    !problem_has_fields(prob)) {
		bool filed = false;
		rc = insert_at_station(db, actor, in, &r, &filed, prob);
		if (rc != RC_OK || filed) {
			if (rc == RC_OK)
				rc = record_step(tx, actor, &r, "submit", NULL, "submitted", NULL,
						 prob);
			if (rc == RC_OK)
				*id = r.id;
			return rc;
		}
	}
	/* The category's deadlines and the station's community and name, in
	 * one statement. */
	int respond_h = 0, resolve_h = 0;
	char region[REGION_CODE_MAX] = "";
	char station_name[241] = "";
	struct db_rows *looked = NULL;
	if (has_category || in->station_id)
		rc = db_q(db,
			  "SELECT c.respond_h, c.resolve_h, s.region_code, s.name, c.retired"
			  " FROM (SELECT 1) one"
			  " LEFT JOIN request_categories c ON c.kind = $1 AND c.code = $2"
			  " LEFT JOIN stations s ON s.id = $3",
			  &looked, prob, DB_T(in->kind), DB_T(in->category ? in->category : ""),
			  DB_I(in->station_id));
	if (rc != RC_OK)
		return rc;
	if (has_category && db_rows_null(looked, 0, 0)) {
		problem_field(prob, "category", "“%s”没有这个类别：%s",
			      field_choice_zh(request_kinds, in->kind), in->category);
		problem_field_en(prob, "A %s has no category %s",
				 field_choice_en(request_kinds, in->kind), in->category);
	} else if (has_category && db_rows_int(looked, 0, 4)) {
		problem_field(prob, "category", "“%s”的类别“%s”已停用",
			      field_choice_zh(request_kinds, in->kind), in->category);
		problem_field_en(prob, "The %s category %s is retired",
				 field_choice_en(request_kinds, in->kind), in->category);
	} else if (has_category) {
		respond_h = (int)db_rows_int(looked, 0, 0);
		resolve_h = (int)db_rows_int(looked, 0, 1);
	}
	/* Where it belongs: the station's community, the one given, or the
	 * requester's own. */
	if (in->station_id && db_rows_null(looked, 0, 2)) {
		problem_field(prob, "station_id", "没有这个驿站");
	} else if (in->station_id) {
		text_copy(region, sizeof(region), db_rows_text(looked, 0, 2));
		text_copy(station_name, sizeof(station_name), db_rows_text(looked, 0, 3));
	}
	db_rows_free(looked);
	if (!region[0] && in->region_code) {
		struct region reg;
		struct problem miss;
		problem_init(&miss);
		if (!region_code_normalize(in->region_code, region) || strlen(region) < 9 ||
		    region_get(db, region, &reg, &miss) != RC_OK) {
			problem_field(prob, "region_code",
				      "所属区域应为街道（9 位）或社区（12 位）代码");
			region[0] = '\0';
		}
	}
	if (!region[0] && !problem_has_fields(prob)) {
		struct db_rows *rows = NULL;
		rc = db_q(db, "SELECT region_code FROM persons WHERE account_id = $1", &rows, prob,
			  DB_I(actor->p->account_id));
		if (rc != RC_OK)
			return rc;
		if (db_rows_count(rows) == 1 && !db_rows_null(rows, 0, 0))
			text_copy(region, sizeof(region), db_rows_text(rows, 0, 0));
		db_rows_free(rows);
		if (!region[0])
			problem_field(prob, "station_id",
				      "请选择驿站或所属社区 (station_id 或 region_code)");
	}
	if (problem_has_fields(prob))
		return RC_INVALID;
	text_copy(r.region_code, sizeof(r.region_code), region);
	text_copy(r.station_name, sizeof(r.station_name), station_name);
	if (staff_kind(kind) && !is_staff(actor->p, ACT_REQUEST_DISPATCH, &r))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "%s由驿站、社区或街道的工作人员登记",
				   field_choice_zh(request_kinds, in->kind));
	if (in->assignee_id && !is_staff(actor->p, ACT_REQUEST_DISPATCH, &r))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有工作人员可以在登记时直接派给某人");
	if (in->assignee_id) {
		struct db_rows *rows = NULL;
		rc = db_q(db, "SELECT 1 FROM accounts WHERE id = $1", &rows, prob,
			  DB_I(in->assignee_id));
		if (rc != RC_OK)
			return rc;
		bool found = db_rows_count(rows) == 1;
		db_rows_free(rows);
		if (!found) {
			problem_field(prob, "assignee_id", "没有这个账号");
			return RC_INVALID;
		}
	}
	int64_t now = clock_now_s();
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "INSERT INTO requests (kind, category, title, description, state, lat, lng,"
		  " station_id, region_code, requester_id, parties, major, household, reason,"
		  " respond_due_s, resolve_due_s, created_s, updated_s)"
		  " VALUES ($1, $2, $3, $4, 'submitted', $5, $6, $7, $8, $9, $10, $11, $12, $13,"
		  " $14, $15, $16, $16) RETURNING id",
		  &rows, prob, DB_T(in->kind), DB_T(in->category), DB_T(in->title),
		  DB_T(in->description ? in->description : ""),
		  in->has_location ? DB_R(in->lat) : DB_NUL,
		  in->has_location ? DB_R(in->lng) : DB_NUL,
		  DB_IOPT(in->station_id != 0, in->station_id), DB_T(region),
		  DB_I(actor->p->account_id),
		  DB_T(in->parties && *in->parties ? in->parties : NULL), DB_I(in->major ? 1 : 0),
		  DB_T(in->household && *in->household ? in->household : NULL),
		  DB_T(in->reason && *in->reason ? in->reason : NULL),
		  DB_I(now + (int64_t)respond_h * 3600), DB_I(now + (int64_t)resolve_h * 3600),
		  DB_I(now));
	if (rc != RC_OK)
		return rc;
	r.id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	rc = record_step(tx, actor, &r, "submit", NULL, "submitted", NULL, prob);
	if (rc != RC_OK)
		return rc;
	*id = r.id;
	if (in->assignee_id) {
		struct request_step step = { .action = "dispatch",
					     .assignee_id = in->assignee_id,
					     .settled = -1,
					     .proof_count = -1 };
		rc = request_step(tx, actor, r.id, &step, prob);
	}
	return rc;
}

static const char *who_text(unsigned w, bool en)
{
	if (w & W_STAFF)
		return en ? "the staff of its station, community or street"
			  : "驿站、社区或街道的工作人员";
	if (w & W_REQUESTER)
		return en ? "the person who filed it" : "提出人本人";
	if (w & W_ASSIGNEE)
		return en ? "the person it was dispatched to (or a member of its team)"
			  : "接单人（或派给的队伍的成员）";
	return en ? "a volunteer other than the person who filed it" : "除提出人以外的志愿者";
}

/* The dispatch target: an account, or a team in the request's street. */
static enum rc check_dispatch(struct db *db, const struct request *r, const struct request_step *s,
			      struct problem *prob)
{
	if (!!s->assignee_id == !!s->team_id) {
		problem_field(prob, s->assignee_id ? "team_id" : "assignee_id",
			      "派单要指定一个人 (assignee_id) 或一支队伍 (team_id)，只选一个");
		return RC_INVALID;
	}
	struct db_rows *rows = NULL;
	enum rc rc = s->assignee_id ? db_q(db, "SELECT 1 FROM accounts WHERE id = $1", &rows, prob,
					   DB_I(s->assignee_id))
				    : db_q(db, "SELECT region_code FROM teams WHERE id = $1", &rows,
					   prob, DB_I(s->team_id));
	if (rc != RC_OK)
		return rc;
	bool found = db_rows_count(rows) == 1;
	db_rows_free(rows);
	(void)r;
	if (!found) {
		if (s->assignee_id)
			problem_field(prob, "assignee_id", "没有这个账号");
		else
			problem_field(prob, "team_id", "没有这支队伍");
		return RC_INVALID;
	}
	return RC_OK;
}

/* Tells account_id of r in its inbox: "<what>：<title>". */
static enum rc tell(struct db_tx *tx, int64_t account_id, const char *kind, const char *what,
		    const struct request *r, const char *body, struct problem *prob)
{
	if (!account_id)
		return RC_OK;
	char title[REQUEST_TITLE_MAX * 4 + 64];
	snprintf(title, sizeof(title), "%s：%s", what, r->title);
	return inbox_notify(tx, account_id, kind, "request", r->id, title,
			    body && *body ? body : NULL, prob);
}

/* Tells every current member of team (with an account) but skip. */
static enum rc tell_team(struct db_tx *tx, int64_t team_id, const char *what,
			 const struct request *r, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db_tx_db(tx),
			  "SELECT DISTINCT p.account_id FROM team_members m JOIN persons p"
			  " ON p.id = m.person_id WHERE m.team_id = $1 AND m.left_s IS NULL"
			  " AND p.account_id IS NOT NULL",
			  &rows, prob, DB_I(team_id));
	for (size_t i = 0; rc == RC_OK && i < db_rows_count(rows); i++)
		rc = tell(tx, db_rows_int(rows, i, 0), "dispatched", what, r, NULL, prob);
	db_rows_free(rows);
	return rc;
}

/* Who hears of a step: the assignee of a dispatch (or the team), the
 * requester of an acceptance, a resolution, a rejection and a project,
 * the followers of a resolution, the one who did the work of a rating, a
 * reopening and a cancellation. */
static enum rc tell_step(struct db_tx *tx, const char *action, const struct request *before,
			 const struct request_step *s, struct problem *prob)
{
	const struct request *r = before;
	if (!strcmp(action, "dispatch"))
		return s->team_id
			       ? tell_team(tx, s->team_id, "派给你的队伍", r, prob)
			       : tell(tx, s->assignee_id, "dispatched", "派给你", r, s->note, prob);
	if (!strcmp(action, "accept"))
		return tell(tx, r->requester_id, "accepted", "已有人接单", r, NULL, prob);
	if (!strcmp(action, "resolve")) {
		enum rc rc = tell(tx, r->requester_id, "resolved", "已办结，请评价", r, s->note,
				  prob);
		struct db_rows *rows = NULL;
		if (rc == RC_OK)
			rc = db_q(db_tx_db(tx),
				  "SELECT account_id FROM request_followers WHERE request_id = $1",
				  &rows, prob, DB_I(r->id));
		for (size_t i = 0; rc == RC_OK && i < db_rows_count(rows); i++)
			rc = tell(tx, db_rows_int(rows, i, 0), "resolved", "你关注的问题已办结", r,
				  s->note, prob);
		db_rows_free(rows);
		return rc;
	}
	if (!strcmp(action, "rate")) {
		char body[64];
		snprintf(body, sizeof(body), "%d 星", s->rating);
		return tell(tx, r->assignee_id, "rated", "收到评价", r, body, prob);
	}
	if (!strcmp(action, "reopen"))
		return tell(tx, r->assignee_id, "reopened", "被重新打开", r, s->note, prob);
	if (!strcmp(action, "reject"))
		return tell(tx, r->requester_id, "rejected", "未受理", r, s->note, prob);
	if (!strcmp(action, "cancel"))
		return tell(tx, r->assignee_id, "cancelled", "已撤回", r, s->note, prob);
	return RC_OK;
}

enum rc request_step(struct db_tx *tx, const struct actor *actor, int64_t id,
		     const struct request_step *s, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (!s->action || field_choice_index(request_actions, s->action) < 0 ||
	    strcmp(s->action, "submit") == 0 || strcmp(s->action, "escalate") == 0) {
		problem_field(
			prob, "action",
			"应为 dispatch、accept、start、resolve、rate、reject、cancel、reopen、"
			"close 之一");
		return RC_INVALID;
	}
	field_text_ok(prob, "note", s->note, REQUEST_NOTE_MAX, false, true);
	if (problem_has_fields(prob))
		return RC_INVALID;
	struct request r;
	enum rc rc = load(db, id, &r, prob);
	if (rc != RC_OK)
		return rc;
	if (!may_read(db, actor->p, &r)) {
		request_release(&r);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个诉求");
	}
	int kind = field_choice_index(request_kinds, r.kind);
	struct who_ctx c = { db, actor->p, &r };
	bool allowed = false;
	const struct transition *t = find_transition(s->action, &r, kind, who_matches, &c,
						     &allowed);
	if (!t) {
		rc = problem_set(prob, RC_CONFLICT, "invalid-transition", "诉求现在是“%s”，不能%s",
				 field_choice_zh(request_states, r.state),
				 field_choice_zh(request_actions, s->action));
		problem_detail_en(prob, "The request is %s now: the step %s cannot be taken",
				  field_choice_en(request_states, r.state), s->action);
		request_release(&r);
		return rc;
	}
	if (!allowed) {
		rc = problem_set(prob, RC_FORBIDDEN, "forbidden", "只有%s可以%s",
				 who_text(t->who, false),
				 field_choice_zh(request_actions, s->action));
		problem_detail_en(prob, "Only %s may take the step %s", who_text(t->who, true),
				  s->action);
		request_release(&r);
		return rc;
	}
	if (s->version > 0 && s->version != r.version) {
		request_release(&r);
		return problem_set(prob, RC_CONFLICT, "version-conflict",
				   "诉求刚被别人改过，请刷新后再试");
	}
	int64_t now = clock_now_s();
	/* What the step sets besides the state. */
	struct sb set = SB_INIT;
	struct db_val params[16];
	size_t np = 0;
	params[np++] = DB_T(request_states[t->to].code);
	params[np++] = DB_I(now);
	params[np++] = DB_I(id);
	params[np++] = DB_I(r.version);
	if (!strcmp(s->action, "dispatch")) {
		rc = check_dispatch(db, &r, s, prob);
		if (rc == RC_OK) {
			params[np++] = DB_IOPT(s->assignee_id != 0, s->assignee_id);
			params[np++] = DB_IOPT(s->team_id != 0, s->team_id);
			sb_addf(&set, ", assignee_id = $%zu, team_id = $%zu, dispatched_s = $2",
				np - 1, np);
		}
	} else if (!strcmp(s->action, "accept")) {
		params[np++] = DB_I(actor->p->account_id);
		sb_addf(&set, ", assignee_id = $%zu, accepted_s = $2", np);
	} else if (!strcmp(s->action, "resolve")) {
		if (kind == K_VISIT) {
			if (field_text_ok(prob, "record", s->record, REQUEST_TEXT_MAX, true, true))
				params[np++] = DB_T(s->record);
			sb_addf(&set, ", record = $%zu", np);
		}
		if (kind == K_MEDIATION) {
			if (s->settled < 0)
				problem_field(prob, "settled",
					      "调解结案要写明是否调解成功 (true/false)");
			params[np++] = DB_I(s->settled > 0 ? 1 : 0);
			sb_addf(&set, ", settled = $%zu", np);
		} else if (s->settled >= 0) {
			problem_field(prob, "settled", "只有调解案件有调解结果");
		}
		if (kind == K_TASK) {
			if (s->proof_count < 0 || s->proof_count > 1000000)
				problem_field(prob, "proof_count",
					      "任务办结要写明完成数量（0–1000000）");
			struct db_rows *proof = NULL;
			rc = db_q(db,
				  "SELECT COUNT(*) FROM request_photos WHERE request_id = $1"
				  " AND role = 'proof'",
				  &proof, prob, DB_I(id));
			if (rc == RC_OK && db_rows_int(proof, 0, 0) == 0)
				problem_field(prob, "proof_photo", "任务办结要先上传一张凭证照片");
			db_rows_free(proof);
			params[np++] = DB_I(s->proof_count);
			sb_addf(&set, ", proof_count = $%zu", np);
		}
		sb_addlit(&set, ", resolved_s = $2");
	} else if (!strcmp(s->action, "rate")) {
		if (s->rating < 1 || s->rating > 5)
			problem_field(prob, "rating", "评分应为 1–5 的整数");
		field_text_ok(prob, "comment", s->comment, REQUEST_NOTE_MAX, false, true);
		params[np++] = DB_I(s->rating);
		params[np++] = DB_T(s->comment && *s->comment ? s->comment : NULL);
		sb_addf(&set, ", rating = $%zu, rating_comment = $%zu", np - 1, np);
	} else if (!strcmp(s->action, "reopen")) {
		if (now - r.resolved_s > REQUEST_REOPEN_S)
			rc = problem_set(prob, RC_CONFLICT, "reopen-expired",
					 "办结已超过 7 天，不能重新打开；请提一个新的诉求");
		/* Back to the queue: nobody holds it, the clock starts again. */
		sb_addlit(&set, ", assignee_id = NULL, team_id = NULL, resolved_s = NULL,"
				" rating = NULL, rating_comment = NULL, escalation = 0");
	} else if (!strcmp(s->action, "close") || !strcmp(s->action, "reject") ||
		   !strcmp(s->action, "cancel")) {
		sb_addlit(&set, ", closed_s = $2");
	}
	if (rc == RC_OK && problem_has_fields(prob))
		rc = RC_INVALID;
	if (rc == RC_OK && !strcmp(s->action, "reopen")) {
		/* The deadlines start again from now, with the category's hours. */
		int respond_h = 0, resolve_h = 0;
		rc = category_deadlines(db, r.kind, r.category, &respond_h, &resolve_h, prob);
		params[np++] = DB_I(now + (int64_t)respond_h * 3600);
		params[np++] = DB_I(now + (int64_t)resolve_h * 3600);
		sb_addf(&set, ", respond_due_s = $%zu, resolve_due_s = $%zu", np - 1, np);
	}
	if (rc != RC_OK) {
		sb_release(&set);
		request_release(&r);
		return rc;
	}
	/* The version makes two steps taken at once meet here: one changes
	 * the row, the other finds it changed. */
	struct sb sql = SB_INIT;
	sb_addf(&sql,
		"UPDATE requests SET state = $1, updated_s = $2, version = version + 1%s"
		" WHERE id = $3 AND version = $4 RETURNING id",
		sb_str(&set));
	struct db_rows *rows = NULL;
	rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np, &rows, prob);
	sb_release(&sql);
	sb_release(&set);
	/* No row changed: another step came first (PostgreSQL waited for it
	 * and found the version moved on). */
	if (rc == RC_OK && db_rows_count(rows) != 1) {
		rc = problem_set(prob, RC_CONFLICT, "taken", "这个诉求刚被别人处理了（%s），请刷新",
				 field_choice_zh(request_actions, s->action));
		problem_detail_en(prob,
				  "Someone else has just acted on this request (%s): reload it",
				  s->action);
	}
	db_rows_free(rows);
	if (rc == RC_OK) {
		char from[16];
		text_copy(from, sizeof(from), r.state);
		rc = record_step(tx, actor, &r, s->action, from, request_states[t->to].code,
				 s->note, prob);
	}
	if (rc == RC_OK)
		rc = tell_step(tx, s->action, &r, s, prob);
	request_release(&r);
	return rc;
}

enum rc request_history(struct db *db, const struct principal *viewer, int64_t id,
			struct request_event **items, size_t *n, struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct request r;
	enum rc rc = request_read(db, viewer, id, &r, prob);
	if (rc != RC_OK)
		return rc;
	request_release(&r);
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "SELECT id, at_s, actor_id, actor_label, action, from_state, to_state, note"
		  " FROM request_events WHERE request_id = $1 ORDER BY id",
		  &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count; i++) {
		struct request_event *e = &(*items)[i];
		e->id = db_rows_int(rows, i, 0);
		e->at_s = db_rows_int(rows, i, 1);
		e->actor_id = db_rows_int(rows, i, 2);
		text_copy(e->actor_label, sizeof(e->actor_label), db_rows_text(rows, i, 3));
		text_copy(e->action, sizeof(e->action), db_rows_text(rows, i, 4));
		text_copy(e->from_state, sizeof(e->from_state), db_rows_text(rows, i, 5));
		text_copy(e->to_state, sizeof(e->to_state), db_rows_text(rows, i, 6));
		text_copy(e->note, sizeof(e->note), db_rows_text(rows, i, 7));
	}
	*n = count;
	db_rows_free(rows);
	return RC_OK;
}

/* Listing */

#define OPEN_STATES "('submitted', 'dispatched', 'accepted', 'in_progress', 'reopened')"

enum rc request_list(struct db *db, const struct principal *viewer, const struct request_filter *f,
		     int64_t before_id, size_t limit, struct request_page *page,
		     struct problem *prob)
{
	memset(page, 0, sizeof(*page));
	if (f->kind && field_choice_index(request_kinds, f->kind) < 0)
		problem_field(prob, "kind", "没有这个种类：%s", f->kind);
	if (f->state && strcmp(f->state, "open") != 0 &&
	    field_choice_index(request_states, f->state) < 0)
		problem_field(prob, "state", "没有这个状态：%s", f->state);
	if (problem_has_fields(prob))
		return RC_INVALID;
	struct db_val params[REGISTRY_LIKES + 16];
	char likes[REGISTRY_LIKES][REGISTRY_LIKE_CAP];
	size_t np = 0;
	struct sb sql = SB_INIT;
	sb_addlit(&sql, "SELECT " REQUEST_COLS " WHERE 1 = 1");
	enum rc rc = RC_OK;
	int64_t me = viewer && viewer->account_id ? viewer->account_id : -1;
	if (f->wall) {
		/* The wish wall: every open wish, for anyone signed in. */
		if (!f->kind || strcmp(f->kind, "wish") != 0) {
			sb_release(&sql);
			problem_field(prob, "wall", "只有微心愿有心愿墙 (kind=wish)");
			return RC_INVALID;
		}
		if (me < 0) {
			sb_release(&sql);
			return problem_set(prob, RC_UNAUTHORIZED, "unauthenticated", "请先登录");
		}
		sb_addlit(&sql, " AND r.state IN ('submitted', 'reopened')");
		if (f->region[0]) {
			snprintf(likes[0], REGISTRY_LIKE_CAP, "%s%%", f->region);
			params[np++] = DB_T(likes[0]);
			sb_addf(&sql, " AND r.region_code LIKE $%zu", np);
		}
		if (f->station_id) {
			params[np++] = DB_I(f->station_id);
			sb_addf(&sql, " AND r.station_id = $%zu", np);
		}
	} else if (f->mine) {
		params[np++] = DB_I(me);
		sb_addf(&sql, " AND r.requester_id = $%zu", np);
	} else if (f->assigned) {
		params[np++] = DB_I(me);
		sb_addf(&sql,
			" AND (r.assignee_id = $%zu OR (r.assignee_id IS NULL AND r.team_id IN"
			" (SELECT m.team_id FROM team_members m JOIN persons p ON p.id = m.person_id"
			" WHERE p.account_id = $%zu AND m.left_s IS NULL)))",
			np, np);
	} else {
		/* Staff: their regions, and the stations they manage. */
		struct sb scope = SB_INIT;
		size_t np0 = np;
		rc = registry_scope_sql(viewer, ACT_REQUEST_READ, "r.region_code", f->region,
					&scope, params, &np, likes, prob);
		size_t nstations = 0;
		char stations[256] = "";
		for (size_t i = 0; viewer && i < viewer->ngrants && !f->region[0]; i++) {
			const char *sc = viewer->grants[i].scope;
			if (strncmp(sc, "station:", 8) != 0)
				continue;
			long long sid = strtoll(sc + 8, NULL, 10);
			struct scope_target t = { .region = "", .station_id = sid };
			if (sid > 0 && permission_allows(viewer, ACT_REQUEST_READ, &t) &&
			    strlen(stations) + 24 < sizeof(stations)) {
				snprintf(stations + strlen(stations), 24, "%s%lld",
					 nstations++ ? ", " : "", sid);
			}
		}
		if (rc == RC_FORBIDDEN && nstations == 0) {
			sb_release(&scope);
			sb_release(&sql);
			return rc;
		}
		if (nstations) {
			/* scope is " AND (…)" or " AND x LIKE $n": or'ed with the stations. */
			problem_init(prob);
			rc = RC_OK;
			const char *cond = sb_str(&scope);
			if (strncmp(cond, " AND ", 5) == 0)
				cond += 5;
			bool none = np == np0 && !*cond;
			sb_addf(&sql, " AND (%s%sr.station_id IN (%s))", none ? "" : cond,
				none ? "" : " OR ", stations);
			if (!none && strstr(cond, "1 = 0")) {
				sb_reset(&sql);
				sb_addlit(&sql, "SELECT " REQUEST_COLS " WHERE 1 = 1");
				np = np0;
				sb_addf(&sql, " AND r.station_id IN (%s)", stations);
			}
		} else {
			sb_adds(&sql, sb_str(&scope));
		}
		sb_release(&scope);
		if (f->station_id) {
			params[np++] = DB_I(f->station_id);
			sb_addf(&sql, " AND r.station_id = $%zu", np);
		}
	}
	if (rc != RC_OK) {
		sb_release(&sql);
		return rc;
	}
	if (f->kind) {
		params[np++] = DB_T(f->kind);
		sb_addf(&sql, " AND r.kind = $%zu", np);
	}
	if (f->category) {
		params[np++] = DB_T(f->category);
		sb_addf(&sql, " AND r.category = $%zu", np);
	}
	if (f->state && !strcmp(f->state, "open")) {
		sb_addlit(&sql, " AND r.state IN " OPEN_STATES);
	} else if (f->state) {
		params[np++] = DB_T(f->state);
		sb_addf(&sql, " AND r.state = $%zu", np);
	}
	if (f->overdue) {
		params[np++] = DB_I(clock_now_s());
		sb_addf(&sql,
			" AND ((r.state IN ('submitted', 'dispatched', 'reopened') AND r.respond_due_s < $%zu)"
			" OR (r.state IN ('accepted', 'in_progress') AND r.resolve_due_s < $%zu))",
			np, np);
	}
	if (before_id > 0) {
		params[np++] = DB_I(before_id);
		sb_addf(&sql, " AND r.id < $%zu", np);
	}
	params[np++] = DB_I((int64_t)limit + 1);
	sb_addf(&sql, " ORDER BY r.id DESC LIMIT $%zu", np);
	struct db_rows *rows = NULL;
	rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np, &rows, prob);
	sb_release(&sql);
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	bool more = count > limit;
	if (more)
		count = limit;
	page->items = xcalloc(count ? count : 1, sizeof(*page->items));
	for (size_t i = 0; i < count; i++) {
		from_row(rows, i, &page->items[i]);
		mask_for(viewer, &page->items[i]);
	}
	page->n = count;
	page->next_before_id = more ? page->items[count - 1].id : 0;
	db_rows_free(rows);
	return RC_OK;
}

void request_page_release(struct request_page *page)
{
	for (size_t i = 0; i < page->n; i++)
		request_release(&page->items[i]);
	free(page->items);
	memset(page, 0, sizeof(*page));
}

/* The public view */

bool request_is_public(const struct request *r)
{
	return (!strcmp(r->kind, "report") || !strcmp(r->kind, "suggestion")) &&
	       strcmp(r->state, "rejected") != 0 && strcmp(r->state, "cancelled") != 0;
}

bool request_may_read(struct db *db, const struct principal *viewer, const struct request *r)
{
	return may_read(db, viewer, r);
}

#define PUBLIC_IDS_MAX 100
#define PUBLIC_BATCH   500
#define PUBLIC_ONLY_SQL                           \
	" AND r.kind IN ('report', 'suggestion')" \
	" AND r.state NOT IN ('rejected', 'cancelled')"

enum rc request_public_list(struct db *db, const struct principal *viewer,
			    const struct request_public_filter *f, size_t limit,
			    struct request_page *page, struct problem *prob)
{
	memset(page, 0, sizeof(*page));
	if (f->nids > PUBLIC_IDS_MAX)
		problem_field(prob, "service_request_id", "最多 %d 个编号", PUBLIC_IDS_MAX);
	if (f->kind && field_choice_index(request_kinds, f->kind) < 0)
		problem_field(prob, "kind", "没有这个种类：%s", f->kind);
	if (problem_has_fields(prob))
		return RC_INVALID;
	bool anonymous = !viewer || !viewer->account_id;
	page->items = xcalloc(limit ? limit : 1, sizeof(*page->items));
	int64_t before = 0;
	enum rc rc = RC_OK;
	/* A signed-in viewer's list is the public one and what request_read
	 * lets it read: judged row by row, read in batches until the page is
	 * full. Anonymous lists are the public rows alone, limited in SQL. */
	for (;;) {
		struct db_val params[128 + 8];
		size_t np = 0;
		struct sb sql = SB_INIT;
		sb_addlit(&sql, "SELECT " REQUEST_COLS " WHERE 1 = 1");
		if (anonymous)
			sb_addlit(&sql, PUBLIC_ONLY_SQL);
		if (f->nids) {
			/* Padded to a power of two with the last id, so that few
			 * distinct statements are made (db_sql_intern keeps each). */
			size_t slots = 1;
			while (slots < f->nids)
				slots *= 2;
			sb_addlit(&sql, " AND r.id IN (");
			for (size_t i = 0; i < slots; i++) {
				params[np++] = DB_I(f->ids[i < f->nids ? i : f->nids - 1]);
				sb_addf(&sql, "%s$%zu", i ? ", " : "", np);
			}
			sb_addlit(&sql, ")");
		}
		if (f->kind) {
			params[np++] = DB_T(f->kind);
			sb_addf(&sql, " AND r.kind = $%zu", np);
		}
		if (f->category) {
			params[np++] = DB_T(f->category);
			sb_addf(&sql, " AND r.category = $%zu", np);
		}
		if (f->from_s) {
			params[np++] = DB_I(f->from_s);
			sb_addf(&sql, " AND r.created_s >= $%zu", np);
		}
		if (f->to_s) {
			params[np++] = DB_I(f->to_s);
			sb_addf(&sql, " AND r.created_s <= $%zu", np);
		}
		if (f->status == 1)
			sb_addlit(&sql, " AND r.state IN " OPEN_STATES);
		else if (f->status == 2)
			sb_addlit(&sql, " AND r.state NOT IN " OPEN_STATES);
		if (before) {
			params[np++] = DB_I(before);
			sb_addf(&sql, " AND r.id < $%zu", np);
		}
		size_t batch = anonymous ? limit - page->n : PUBLIC_BATCH;
		params[np++] = DB_I((int64_t)batch);
		sb_addf(&sql, " ORDER BY r.id DESC LIMIT $%zu", np);
		struct db_rows *rows = NULL;
		rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np, &rows, prob);
		sb_release(&sql);
		if (rc != RC_OK)
			break;
		size_t count = db_rows_count(rows);
		for (size_t i = 0; i < count && page->n < limit; i++) {
			struct request *r = &page->items[page->n];
			from_row(rows, i, r);
			before = r->id;
			if (request_is_public(r) || may_read(db, viewer, r)) {
				mask_for(viewer, r);
				page->n++;
			} else {
				request_release(r);
			}
		}
		db_rows_free(rows);
		if (anonymous || count < batch || page->n >= limit)
			break;
	}
	if (rc != RC_OK)
		request_page_release(page);
	return rc;
}

enum rc request_public_read(struct db *db, const struct principal *viewer, int64_t id,
			    struct request *out, bool *full, struct problem *prob)
{
	*full = false;
	enum rc rc = load(db, id, out, prob);
	if (rc != RC_OK)
		return rc;
	*full = may_read(db, viewer, out);
	if (!*full && !request_is_public(out)) {
		request_release(out);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个诉求");
	}
	mask_for(viewer, out);
	return RC_OK;
}

enum rc request_last_note(struct db *db, int64_t id, char *note, size_t cap, struct problem *prob)
{
	note[0] = '\0';
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT note FROM request_events WHERE request_id = $1"
			  " AND note IS NOT NULL AND note <> '' ORDER BY id DESC LIMIT 1",
			  &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) == 1)
		text_copy(note, cap, db_rows_text(rows, 0, 0));
	db_rows_free(rows);
	return RC_OK;
}

/* Duplicates and followers */

enum rc request_duplicates(struct db *db, const char *kind, const char *category, double lat,
			   double lng, struct request_nearby **items, size_t *n,
			   struct problem *prob)
{
	*items = NULL;
	*n = 0;
	/* A box a little larger than the circle, then the exact distance. */
	double dlat = REQUEST_DUPLICATE_M / 111000.0 * 1.2;
	double dlng = dlat / fmax(cos(lat * M_PI / 180.0), 0.1);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT r.id, r.title, r.state, r.lat, r.lng, r.created_s,"
			  " (SELECT COUNT(*) FROM request_followers f WHERE f.request_id = r.id)"
			  " FROM requests r WHERE r.kind = $1 AND r.category = $2"
			  " AND r.state IN " OPEN_STATES " AND r.created_s >= $3"
			  " AND r.lat BETWEEN $4 AND $5 AND r.lng BETWEEN $6 AND $7 ORDER BY r.id",
			  &rows, prob, DB_T(kind), DB_T(category),
			  DB_I(clock_now_s() - REQUEST_DUPLICATE_S), DB_R(lat - dlat),
			  DB_R(lat + dlat), DB_R(lng - dlng), DB_R(lng + dlng));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows), k = 0;
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count; i++) {
		struct geo_point a = { lat, lng };
		struct geo_point b = { db_rows_real(rows, i, 3), db_rows_real(rows, i, 4) };
		double d = geo_distance_m(a, b);
		if (d > REQUEST_DUPLICATE_M)
			continue;
		struct request_nearby *x = &(*items)[k++];
		x->id = db_rows_int(rows, i, 0);
		text_copy(x->title, sizeof(x->title), db_rows_text(rows, i, 1));
		text_copy(x->state, sizeof(x->state), db_rows_text(rows, i, 2));
		x->distance_m = d;
		x->created_s = db_rows_int(rows, i, 5);
		x->followers = (int)db_rows_int(rows, i, 6);
	}
	*n = k;
	db_rows_free(rows);
	return RC_OK;
}

enum rc request_follow(struct db_tx *tx, const struct actor *actor, int64_t id,
		       struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (!actor->p || !actor->p->account_id)
		return problem_set(prob, RC_UNAUTHORIZED, "unauthenticated", "请先登录");
	struct request r;
	enum rc rc = load(db, id, &r, prob);
	if (rc != RC_OK)
		return rc;
	int st = field_choice_index(request_states, r.state);
	bool open = st >= 0 && (S_LIVE & SB(st));
	bool report = !strcmp(r.kind, "report");
	if (!report || !open) {
		rc = report ? problem_set(prob, RC_CONFLICT, "invalid-transition",
					  "这条随手拍已经是“%s”，不能再加入",
					  field_choice_zh(request_states, r.state))
			    : problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个诉求");
		if (report)
			problem_detail_en(prob, "This report is %s already and cannot be joined",
					  field_choice_en(request_states, r.state));
		request_release(&r);
		return rc;
	}
	if (r.requester_id == actor->p->account_id) {
		request_release(&r);
		return RC_OK; /* one's own: nothing to join */
	}
	rc = db_q(db,
		  "INSERT INTO request_followers (request_id, account_id, created_s)"
		  " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		  NULL, prob, DB_I(id), DB_I(actor->p->account_id), DB_I(clock_now_s()));
	if (rc == RC_OK) {
		struct audit_detail d;
		audit_detail_init(&d);
		rc = audit_record_id(tx, actor, "request.follow", "request", id, r.region_code, &d,
				     prob);
		audit_detail_release(&d);
	}
	request_release(&r);
	return rc;
}

/* Photos */

static enum rc photo_rule(struct db *db, const struct actor *actor, const struct request *r,
			  const char *role, struct problem *prob)
{
	int st = field_choice_index(request_states, r->state);
	if (!role || (strcmp(role, "request") != 0 && strcmp(role, "proof") != 0)) {
		problem_field(prob, "role", "应为 request（提出时的照片）或 proof（办理凭证）");
		return RC_INVALID;
	}
	if (!strcmp(role, "request")) {
		if (!actor->p || actor->p->account_id != r->requester_id)
			return problem_set(prob, RC_FORBIDDEN, "forbidden",
					   "只有提出人可以补充照片");
		if (st < 0 || !(S_OPEN & SB(st)))
			return problem_set(prob, RC_CONFLICT, "invalid-transition",
					   "诉求已经有人接手，不能再补充照片");
		return RC_OK;
	}
	if (!is_assignee(db, actor->p, r) || !r->assignee_id)
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "只有接单人可以上传办理凭证");
	if (st < 0 || !(S_WORK & SB(st))) {
		problem_set(prob, RC_CONFLICT, "invalid-transition",
			    "诉求现在是“%s”，不能上传办理凭证",
			    field_choice_zh(request_states, r->state));
		problem_detail_en(prob, "The request is %s now: no proof can be added",
				  field_choice_en(request_states, r->state));
		return RC_CONFLICT;
	}
	return RC_OK;
}

enum rc request_photo_may_add(struct db *db, const struct actor *actor, int64_t id,
			      const char *role, struct problem *prob)
{
	struct request r;
	enum rc rc = load(db, id, &r, prob);
	if (rc != RC_OK)
		return rc;
	if (!may_read(db, actor->p, &r))
		rc = problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个诉求");
	else
		rc = photo_rule(db, actor, &r, role, prob);
	request_release(&r);
	return rc;
}

enum rc request_photo_add(struct db_tx *tx, const struct actor *actor, int64_t id, const char *role,
			  const struct photo_files *files, struct photo *out, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	enum rc rc = request_photo_may_add(db, actor, id, role, prob);
	if (rc != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(db, "SELECT COUNT(*) FROM request_photos WHERE request_id = $1", &rows, prob,
		  DB_I(id));
	if (rc != RC_OK)
		return rc;
	int64_t count = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	if (count >= REQUEST_PHOTOS_MAX)
		return problem_set(prob, RC_INVALID, "too-many-photos", "每个诉求最多 %d 张照片",
				   REQUEST_PHOTOS_MAX);
	int64_t photo_id = 0;
	rc = photo_row(tx, actor, files, &photo_id, prob);
	if (rc != RC_OK)
		return rc;
	rc = db_q(db,
		  "INSERT INTO request_photos (request_id, photo_id, role, added_by, added_s)"
		  " VALUES ($1, $2, $3, $4, $5)",
		  NULL, prob, DB_I(id), DB_I(photo_id), DB_T(role), DB_I(actor->p->account_id),
		  DB_I(clock_now_s()));
	if (rc == RC_CONFLICT)
		return problem_set(prob, RC_CONFLICT, "duplicate-photo", "这张照片已经传过了");
	if (rc != RC_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	out->id = photo_id;
	text_copy(out->sha256, sizeof(out->sha256), files->sha256);
	text_copy(out->thumb_sha256, sizeof(out->thumb_sha256), files->thumb_sha256);
	out->width = files->width;
	out->height = files->height;
	out->bytes = files->bytes;
	out->added_s = clock_now_s();
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_str(&d, "role", role);
	audit_detail_int(&d, "photo_id", photo_id);
	rc = audit_record_id(tx, actor, "request.photo", "request", id, "", &d, prob);
	audit_detail_release(&d);
	return rc;
}

enum rc request_photos(struct db *db, int64_t id, struct request_photo **items, size_t *n,
		       struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db,
		"SELECT p.id, p.sha256, p.thumb_sha256, p.width, p.height, p.bytes,"
		" rp.added_s, rp.role FROM request_photos rp JOIN photos p"
		" ON p.id = rp.photo_id WHERE rp.request_id = $1 ORDER BY rp.added_s, p.id",
		&rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count; i++) {
		struct request_photo *x = &(*items)[i];
		x->photo.id = db_rows_int(rows, i, 0);
		text_copy(x->photo.sha256, sizeof(x->photo.sha256), db_rows_text(rows, i, 1));
		text_copy(x->photo.thumb_sha256, sizeof(x->photo.thumb_sha256),
			  db_rows_text(rows, i, 2));
		x->photo.width = (int)db_rows_int(rows, i, 3);
		x->photo.height = (int)db_rows_int(rows, i, 4);
		x->photo.bytes = db_rows_int(rows, i, 5);
		x->photo.added_s = db_rows_int(rows, i, 6);
		text_copy(x->role, sizeof(x->role), db_rows_text(rows, i, 7));
	}
	*n = count;
	db_rows_free(rows);
	return RC_OK;
}

enum rc request_photo_get(struct db *db, const struct principal *viewer, int64_t photo_id,
			  struct photo *out, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT request_id FROM request_photos WHERE photo_id = $1", &rows,
			  prob, DB_I(photo_id));
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; i < db_rows_count(rows); i++) {
		int64_t rid = db_rows_int(rows, i, 0);
		struct request r;
		struct problem miss;
		problem_init(&miss);
		if (request_read(db, viewer, rid, &r, &miss) != RC_OK)
			continue;
		request_release(&r);
		struct request_photo *items = NULL;
		size_t n = 0;
		rc = request_photos(db, rid, &items, &n, prob);
		for (size_t k = 0; rc == RC_OK && k < n; k++)
			if (items[k].photo.id == photo_id) {
				*out = items[k].photo;
				free(items);
				db_rows_free(rows);
				return RC_OK;
			}
		free(items);
	}
	db_rows_free(rows);
	return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这张照片 (no such photo)");
}

/* Suggestions become projects */

enum rc request_to_project(struct db_tx *tx, const struct actor *actor, int64_t id,
			   const char *title, const char *starts_on, int64_t *project_id,
			   struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	*project_id = 0;
	field_text_ok(prob, "title", title, REQUEST_TITLE_MAX, true, false);
	int32_t day;
	if (!starts_on || !hours_parse_date(starts_on, &day))
		problem_field(prob, "starts_on", "日期应为 YYYY-MM-DD");
	if (problem_has_fields(prob))
		return RC_INVALID;
	struct request r;
	enum rc rc = load(db, id, &r, prob);
	if (rc != RC_OK)
		return rc;
	if (!may_read(db, actor->p, &r) || strcmp(r.kind, "suggestion") != 0) {
		request_release(&r);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这条建议");
	}
	if (!is_staff(actor->p, ACT_REQUEST_DISPATCH, &r)) {
		request_release(&r);
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有驿站、社区或街道的工作人员可以把建议立为项目");
	}
	if (r.project_id) {
		request_release(&r);
		return problem_set(prob, RC_CONFLICT, "already-project", "这条建议已经立为项目");
	}
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "INSERT INTO projects (title, starts_on, region_code, station_id, created_by,"
		  " created_s) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
		  &rows, prob, DB_T(title), DB_T(starts_on), DB_T(r.region_code),
		  DB_IOPT(r.station_id != 0, r.station_id), DB_I(actor->p->account_id),
		  DB_I(clock_now_s()));
	if (rc == RC_OK) {
		*project_id = db_rows_int(rows, 0, 0);
		db_rows_free(rows);
		rc = db_q(db, "UPDATE requests SET project_id = $1 WHERE id = $2", NULL, prob,
			  DB_I(*project_id), DB_I(id));
	}
	if (rc == RC_OK)
		rc = tell(tx, r.requester_id, "project", "你的建议立为服务项目", &r, title, prob);
	request_release(&r);
	if (rc != RC_OK)
		return rc;
	char note[REQUEST_TITLE_MAX * 4 + 64];
	snprintf(note, sizeof(note), "立为服务项目：%s（%s 开始）", title, starts_on);
	/* A suggestion still open is closed by becoming a project; one
	 * already resolved keeps its state and gets the note. */
	struct request_step close = {
		.action = "close", .note = note, .settled = -1, .proof_count = -1
	};
	struct problem quiet;
	problem_init(&quiet);
	rc = request_step(tx, actor, id, &close, &quiet);
	if (rc == RC_CONFLICT) {
		struct request now;
		rc = load(db, id, &now, prob);
		if (rc == RC_OK)
			rc = record_step(tx, actor, &now, "close", now.state, now.state, note,
					 prob);
		request_release(&now);
	} else if (rc != RC_OK) {
		*prob = quiet;
	}
	return rc;
}

/* Dashboards */

enum rc request_stats(struct db *db, const struct principal *viewer, const char *region,
		      struct request_stats *out, struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	struct db_val params[REGISTRY_LIKES + 4];
	char likes[REGISTRY_LIKES][REGISTRY_LIKE_CAP];
	size_t np = 0;
	params[np++] = DB_I(clock_now_s());
	struct sb where = SB_INIT;
	sb_addlit(&where, " WHERE 1 = 1");
	enum rc rc = registry_scope_sql(viewer, ACT_REQUEST_READ, "region_code", region, &where,
					params, &np, likes, prob);
	if (rc != RC_OK) {
		sb_release(&where);
		return rc;
	}
	size_t len = strlen(region) < 9 ? 9 : 12;
	struct sb sql = SB_INIT;
	sb_addf(&sql,
		"SELECT kind, state, region_code, COUNT(*),"
		" SUM(CASE WHEN (state IN ('submitted', 'dispatched', 'reopened') AND respond_due_s < $1)"
		" OR (state IN ('accepted', 'in_progress') AND resolve_due_s < $1) THEN 1 ELSE 0 END),"
		" SUM(major), SUM(CASE WHEN settled = 1 THEN 1 ELSE 0 END),"
		" SUM(CASE WHEN settled IS NOT NULL THEN 1 ELSE 0 END),"
		" SUM(COALESCE(rating, 0)), SUM(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END)"
		" FROM requests%s GROUP BY kind, state, region_code",
		sb_str(&where));
	struct db_rows *rows = NULL;
	rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np, &rows, prob);
	sb_release(&sql);
	sb_release(&where);
	if (rc != RC_OK)
		return rc;
	int64_t rating_sum = 0;
	for (size_t i = 0; i < db_rows_count(rows); i++) {
		int k = field_choice_index(request_kinds, db_rows_text(rows, i, 0));
		int s = field_choice_index(request_states, db_rows_text(rows, i, 1));
		int64_t n = db_rows_int(rows, i, 3);
		bool open = s >= 0 && (S_LIVE & SB(s));
		out->total += n;
		if (open)
			out->open += n;
		out->overdue += db_rows_int(rows, i, 4);
		if (k >= 0 && s >= 0)
			out->by_kind_state[k][s] += n;
		if (k == K_MEDIATION) {
			out->mediation_cases += n;
			out->mediation_major += db_rows_int(rows, i, 5);
			out->mediation_settled += db_rows_int(rows, i, 6);
			out->mediation_closed += db_rows_int(rows, i, 7);
		}
		rating_sum += db_rows_int(rows, i, 8);
		out->rated += db_rows_int(rows, i, 9);
		/* Per child region of the one asked about. */
		char code[13];
		text_copy(code, len + 1 < sizeof(code) ? len + 1 : sizeof(code),
			  db_rows_text(rows, i, 2));
		size_t j = 0;
		while (j < out->nregions && strcmp(out->regions[j].code, code) != 0)
			j++;
		if (j == out->nregions && j < 64) {
			text_copy(out->regions[j].code, sizeof(out->regions[j].code), code);
			out->nregions++;
		}
		if (j < out->nregions) {
			out->regions[j].n += n;
			if (open)
				out->regions[j].open += n;
		}
	}
	db_rows_free(rows);
	if (out->mediation_closed)
		out->mediation_success = (double)out->mediation_settled /
					 (double)out->mediation_closed;
	if (out->rated)
		out->rating_avg = (double)rating_sum / (double)out->rated;
	return RC_OK;
}

/* Escalation */

struct escalate_arg {
	int64_t id, now_s;
	int from_level;
	bool done;
};

static enum rc escalate_one(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct escalate_arg *a = ctx;
	struct db *db = db_tx_db(tx);
	a->done = false;
	/* Compared and set in one statement: of two servers, one moves it. */
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "UPDATE requests SET escalation = $1, escalated_s = $2, updated_s = $2,"
			  " version = version + 1 WHERE id = $3 AND escalation = $4 RETURNING id",
			  &rows, prob, DB_I(a->from_level + 1), DB_I(a->now_s), DB_I(a->id),
			  DB_I(a->from_level));
	if (rc != RC_OK)
		return rc;
	bool ours = db_rows_count(rows) == 1;
	db_rows_free(rows);
	if (!ours)
		return RC_OK;
	struct request r;
	rc = load(db, a->id, &r, prob);
	if (rc != RC_OK)
		return rc;
	char note[96];
	snprintf(note, sizeof(note), "超过期限未%s，升级到%s督办",
		 (!strcmp(r.state, "accepted") || !strcmp(r.state, "in_progress")) ? "办结"
										   : "接单",
		 a->from_level == 0 ? "街道" : "区县");
	rc = record_step(tx, NULL, &r, "escalate", r.state, r.state, note, prob);
	/* The staff of the level it went up to hear of it. */
	char level[13];
	text_copy(level, a->from_level == 0 ? 10 : 7, r.region_code);
	struct db_rows *staff = NULL;
	if (rc == RC_OK)
		rc = db_q(db,
			  "SELECT DISTINCT account_id FROM role_grants WHERE scope = $1"
			  " AND role IN ('staff', 'admin')",
			  &staff, prob, DB_T(level));
	for (size_t i = 0; rc == RC_OK && i < db_rows_count(staff); i++)
		rc = tell(tx, db_rows_int(staff, i, 0), "escalated", "超期督办", &r, note, prob);
	db_rows_free(staff);
	request_release(&r);
	a->done = rc == RC_OK;
	return rc;
}

enum rc request_escalate_due(struct db *db, int64_t now_s, int *escalated, struct problem *prob)
{
	*escalated = 0;
	/* Level 1 when a deadline passes; level 2 when as long again passes. */
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT id, escalation FROM requests WHERE escalation < 2 AND ("
			  " (state IN ('submitted', 'dispatched', 'reopened') AND"
			  "  respond_due_s + (respond_due_s - created_s) * escalation < $1)"
			  " OR (state IN ('accepted', 'in_progress') AND"
			  "  resolve_due_s + (resolve_due_s - created_s) * escalation < $1))"
			  " ORDER BY id LIMIT 500",
			  &rows, prob, DB_I(now_s));
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; i < db_rows_count(rows); i++) {
		struct escalate_arg a = { .id = db_rows_int(rows, i, 0),
					  .now_s = now_s,
					  .from_level = (int)db_rows_int(rows, i, 1) };
		rc = db_tx(db, escalate_one, &a, prob);
		if (rc != RC_OK)
			break;
		*escalated += a.done;
	}
	db_rows_free(rows);
	return rc;
}
