/* Check-ins: one per person, station and ten minutes. */
#include "domain/checkin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/events.h"
#include "domain/hours.h"
#include "domain/permission.h"
#include "domain/person.h"
#include "domain/registry.h"
#include "domain/scope.h"
#include "domain/station.h"

const struct field_choice checkin_purposes[] = {
	{ "registration", "登记", "Registration" },
	{ "report_in", "党员报到", "Party member report-in" },
	{ "activity", "参加活动", "Activity attendance" },
	{ "shift_start", "上岗", "Shift start" },
	{ "rest", "歇脚", "Rest visit" },
	{ NULL, NULL, NULL },
};

void checkin_day(int64_t t_s, char out[11])
{
	int32_t day;
	int weekday, minute;
	hours_local(t_s, &day, &weekday, &minute);
	hours_format_date(day, out);
}

static bool purpose_known(const char *p)
{
	for (const struct field_choice *c = checkin_purposes; p && c->code; c++)
		if (strcmp(c->code, p) == 0)
			return true;
	return false;
}

enum rc checkin_count_station(struct db *db, int64_t station_id, const char *day, int64_t *n,
			      struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT n FROM checkin_days WHERE station_id = $1 AND day = $2",
			  &rows, prob, DB_I(station_id), DB_T(day));
	if (rc == RC_OK)
		*n = db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	return rc;
}

/* Places a person without a community in the station's: its community
 * (a station registered at a street places them in the street), and the
 * community's grid when it has exactly one. */
static enum rc place_person(struct db *db, int64_t person_id, const struct station *s, bool *placed,
			    struct problem *prob)
{
	*placed = false;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT id FROM grids WHERE region_code = $1 ORDER BY id LIMIT 2",
			  &rows, prob, DB_T(s->region_code));
	if (rc != RC_OK)
		return rc;
	int64_t grid = db_rows_count(rows) == 1 ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	rc = db_q(db,
		  "UPDATE persons SET region_code = $1, grid_id = $2"
		  " WHERE id = $3 AND region_code IS NULL",
		  NULL, prob, DB_T(s->region_code), DB_IOPT(grid != 0, grid), DB_I(person_id));
	*placed = rc == RC_OK;
	return rc;
}

/* Where a check-in happens: the station of a scanned code (which must be
 * open now), or one an activity's verified code names. */
struct checkin_where {
	const char *token;  /* the station's QR token, or NULL */
	int64_t station_id; /* when token is NULL */
};

static enum rc record_at(struct db_tx *tx, const struct actor *actor,
			 const struct checkin_where *where, const char *purpose,
			 const char *client_ip, struct checkin_result *out, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	memset(out, 0, sizeof(*out));
	if (!purpose_known(purpose)) {
		problem_field(
			prob, "purpose",
			"签到目的应为 registration, report_in, activity, shift_start, rest 之一");
		return RC_INVALID;
	}
	if (!actor->p || !actor->p->account_id)
		return problem_set(prob, RC_UNAUTHORIZED, "unauthorized", "请先登录再签到");
	struct station *s = xmalloc(sizeof(*s));
	int64_t now = clock_now_s();
	enum rc rc;
	if (where->token) {
		rc = station_by_qr_hours(db, where->token, s, prob);
		if (rc == RC_OK && !hours_open_at(&s->hours, now))
			rc = problem_set(prob, RC_CONFLICT, "station-closed",
					 "驿站现在没有开放，不能签到");
	} else {
		rc = station_get(db, where->station_id, s, prob);
	}
	int64_t station_id = s->id;
	/* The person's row first: concurrent check-ins of one person queue
	 * here (a row lock on PostgreSQL, the write lock on SQLite), so the
	 * ten-minute rule sees the other's row. An account without a person
	 * yet gets one (or is linked to the ledger's entry of its number). */
	int64_t person_id = 0;
	bool unplaced = false;
	for (int pass = 0; rc == RC_OK && !person_id && pass < 2; pass++) {
		struct db_rows *me = NULL;
		rc = db_q(db,
			  "UPDATE persons SET last_checkin_s = $1 WHERE account_id = $2"
			  " RETURNING id, region_code",
			  &me, prob, DB_I(now), DB_I(actor->p->account_id));
		if (rc == RC_OK && db_rows_count(me) == 1) {
			person_id = db_rows_int(me, 0, 0);
			unplaced = db_rows_null(me, 0, 1) || !*db_rows_text(me, 0, 1);
		}
		db_rows_free(me);
		if (rc == RC_OK && !person_id && pass == 0) {
			struct person p;
			rc = person_of_account(tx, actor, actor->p->account_id, &p, prob);
		}
	}
	if (rc == RC_OK && !person_id)
		rc = problem_set(prob, RC_INTERNAL, "internal", "no person for account %lld",
				 (long long)actor->p->account_id);
	struct db_rows *rows = NULL;
	if (rc == RC_OK)
		rc = db_q(db,
			  "SELECT id, purpose, at_s, day, region_code FROM checkins"
			  " WHERE person_id = $1 AND station_id = $2 AND at_s > $3"
			  " ORDER BY at_s DESC LIMIT 1",
			  &rows, prob, DB_I(person_id), DB_I(station_id),
			  DB_I(now - CHECKIN_DEDUP_S));
	if (rc != RC_OK) {
		free(s);
		return rc;
	}
	struct checkin *c = &out->c;
	c->person_id = person_id;
	c->station_id = station_id;
	text_copy(c->station_name, sizeof(c->station_name), s->name);
	if (db_rows_count(rows)) {
		out->duplicate = true;
		c->id = db_rows_int(rows, 0, 0);
		text_copy(c->purpose, sizeof(c->purpose), db_rows_text(rows, 0, 1));
		c->at_s = db_rows_int(rows, 0, 2);
		text_copy(c->day, sizeof(c->day), db_rows_text(rows, 0, 3));
		text_copy(c->region_code, sizeof(c->region_code), db_rows_text(rows, 0, 4));
		db_rows_free(rows);
		free(s);
		return checkin_count_station(db, station_id, c->day, &out->today_count, prob);
	}
	db_rows_free(rows);
	text_copy(c->purpose, sizeof(c->purpose), purpose);
	text_copy(c->region_code, sizeof(c->region_code), s->region_code);
	c->at_s = now;
	checkin_day(now, c->day);
	rc = db_q(db,
		  "INSERT INTO checkins (person_id, station_id, purpose, region_code, at_s, day,"
		  " client_ip) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
		  &rows, prob, DB_I(person_id), DB_I(station_id), DB_T(purpose),
		  DB_T(s->region_code), DB_I(now), DB_T(c->day), DB_T(client_ip));
	if (rc == RC_OK) {
		c->id = db_rows_int(rows, 0, 0);
		db_rows_free(rows);
		if (unplaced)
			rc = place_person(db, person_id, s, &out->placed, prob);
	}
	free(s);
	if (rc != RC_OK)
		return rc;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "person_id", person_id);
	audit_detail_int(&d, "station_id", station_id);
	audit_detail_str(&d, "purpose", purpose);
	rc = audit_record_id(tx, actor, "checkin.create", "checkin", c->id, c->region_code, &d,
			     prob);
	audit_detail_release(&d);
	char sid[24];
	snprintf(sid, sizeof(sid), "%lld", (long long)c->id);
	if (rc == RC_OK)
		rc = events_record(tx, EVENT_CHECKIN_CREATED, sid, prob);
	if (rc != RC_OK)
		return rc;
	/* The day's count, kept by the check-ins themselves (0012). */
	rc = db_q(db,
		  "INSERT INTO checkin_days (station_id, day, n) VALUES ($1, $2, 1)"
		  " ON CONFLICT (station_id, day) DO UPDATE SET n = checkin_days.n + 1 RETURNING n",
		  &rows, prob, DB_I(station_id), DB_T(c->day));
	if (rc == RC_OK)
		out->today_count = db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	return rc;
}

enum rc checkin_record(struct db_tx *tx, const struct actor *actor, const char *token,
		       const char *purpose, const char *client_ip, struct checkin_result *out,
		       struct problem *prob)
{
	struct checkin_where where = { .token = token ? token : "" };
	return record_at(tx, actor, &where, purpose, client_ip, out, prob);
}

enum rc checkin_record_station(struct db_tx *tx, const struct actor *actor, int64_t station_id,
			       const char *purpose, const char *client_ip,
			       struct checkin_result *out, struct problem *prob)
{
	struct checkin_where where = { .station_id = station_id };
	return record_at(tx, actor, &where, purpose, client_ip, out, prob);
}

enum rc checkin_list_person(struct db *db, int64_t person_id, size_t limit, struct checkin **items,
			    size_t *n, struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db,
		"SELECT c.id, c.station_id, s.name, c.purpose, c.region_code, c.at_s, c.day"
		" FROM checkins c JOIN stations s ON s.id = c.station_id"
		" WHERE c.person_id = $1 ORDER BY c.at_s DESC, c.id DESC LIMIT $2",
		&rows, prob, DB_I(person_id), DB_I((int64_t)limit));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count; i++) {
		struct checkin *c = &(*items)[i];
		c->id = db_rows_int(rows, i, 0);
		c->person_id = person_id;
		c->station_id = db_rows_int(rows, i, 1);
		text_copy(c->station_name, sizeof(c->station_name), db_rows_text(rows, i, 2));
		text_copy(c->purpose, sizeof(c->purpose), db_rows_text(rows, i, 3));
		text_copy(c->region_code, sizeof(c->region_code), db_rows_text(rows, i, 4));
		c->at_s = db_rows_int(rows, i, 5);
		text_copy(c->day, sizeof(c->day), db_rows_text(rows, i, 6));
	}
	*n = count;
	db_rows_free(rows);
	return RC_OK;
}

enum rc checkin_tally(struct db *db, const struct principal *viewer, const char *region,
		      const char *day, struct checkin_tally *out, struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	/* The region, within what the viewer may read (registry.h). */
	struct db_val params[REGISTRY_LIKES + 2];
	char likes[REGISTRY_LIKES][REGISTRY_LIKE_CAP];
	size_t np = 0;
	struct sb sql = SB_INIT;
	sb_addlit(&sql, "SELECT c.station_id, s.name, c.region_code, COUNT(*) FROM checkins c"
			" JOIN stations s ON s.id = c.station_id WHERE c.day = $1");
	params[np++] = DB_T(day);
	enum rc rc = registry_scope_sql(viewer, ACT_CHECKIN_READ, "c.region_code", region, &sql,
					params, &np, likes, prob);
	if (rc != RC_OK) {
		sb_release(&sql);
		return rc;
	}
	sb_addlit(&sql, " GROUP BY c.station_id, s.name, c.region_code"
			" ORDER BY COUNT(*) DESC, c.station_id");
	struct db_rows *rows = NULL;
	rc = db_exec(db, db_sql_intern(sb_str(&sql)), params, np, &rows, prob);
	sb_release(&sql);
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(rows);
	out->stations = xcalloc(n ? n : 1, sizeof(*out->stations));
	out->streets = xcalloc(n ? n : 1, sizeof(*out->streets));
	for (size_t i = 0; i < n; i++) {
		out->stations[i].station_id = db_rows_int(rows, i, 0);
		text_copy(out->stations[i].name, sizeof(out->stations[i].name),
			  db_rows_text(rows, i, 1));
		text_copy(out->stations[i].region_code, 13, db_rows_text(rows, i, 2));
		out->stations[i].n = db_rows_int(rows, i, 3);
		out->total += out->stations[i].n;
		/* The street: the first nine digits of the station's region. */
		char street[10];
		text_copy(street, sizeof(street), out->stations[i].region_code);
		size_t k = 0;
		while (k < out->nstreets && strcmp(out->streets[k].code, street) != 0)
			k++;
		if (k == out->nstreets)
			text_copy(out->streets[out->nstreets++].code, 13, street);
		out->streets[k].n += out->stations[i].n;
	}
	out->nstations = n;
	db_rows_free(rows);
	return RC_OK;
}

void checkin_tally_release(struct checkin_tally *t)
{
	free(t->stations);
	free(t->streets);
	memset(t, 0, sizeof(*t));
}
