/* Rooms and bookings (room.h): the rooms of a station with their rules,
 * booking a slot, the manager's decision, check-in and the release of
 * bookings nobody came to. The database keeps bookings from overlapping
 * (migration 0019); the look for a clashing booking here only makes the
 * refusal name it. */
#include "domain/room.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/events.h"
#include "domain/inbox.h"
#include "domain/permission.h"
#include "domain/scope.h"

const struct field_choice room_kinds[] = {
	{ "meeting_room", "会议室", "Meeting room" },
	{ "reading_space", "阅览区", "Reading space" },
	{ "party_home", "党员之家", "Party members' home" },
	{ "activity_room", "活动室", "Activity room" },
	{ "other", "其他", "Other" },
	{ NULL, NULL, NULL },
};

const struct field_choice room_booking_states[] = {
	{ "pending", "待审批", "Pending" },
	{ "approved", "已批准", "Approved" },
	{ "declined", "未批准", "Declined" },
	{ "cancelled", "已取消", "Cancelled" },
	{ "released", "已释放", "Released" },
	{ "checked_in", "已签到", "Checked in" },
	{ NULL, NULL, NULL },
};

/* Local "HH:MM" of t, into out (6 bytes). */
static void local_hhmm(int64_t t, char out[6])
{
	int32_t day;
	int wd, min;
	hours_local(t, &day, &wd, &min);
	hours_format_hhmm(min, out);
}

/* Local "YYYY-MM-DD HH:MM" of t, into out (17 bytes). */
static void local_when(int64_t t, char out[17])
{
	int32_t day;
	int wd, min;
	hours_local(t, &day, &wd, &min);
	char date[11], hm[6];
	hours_format_date(day, date);
	hours_format_hhmm(min, hm);
	snprintf(out, 17, "%s %s", date, hm);
}

/* Rooms */

static struct scope_target target_of(const char *region, int64_t station_id, int64_t hub_id)
{
	return (struct scope_target){ .region = region,
				      .station_id = station_id,
				      .hub_id = hub_id };
}

bool room_may_manage(const struct principal *p, const struct room *r)
{
	struct scope_target t = target_of(r->region_code, r->station_id, r->hub_id);
	return p && permission_allows(p, ACT_ROOM_MANAGE, &t);
}

#define ROOM_COLS                                                                              \
	"r.id, r.station_id, s.name, s.region_code, COALESCE(s.parent_id, 0), r.name, r.kind," \
	" r.capacity, r.bookable, COALESCE(r.note, ''), r.max_minutes, r.created_s,"           \
	" r.updated_s FROM station_rooms r JOIN stations s ON s.id = r.station_id"

static void room_from_row(const struct db_rows *rows, size_t i, struct room *r)
{
	memset(r, 0, sizeof(*r));
	size_t c = 0;
	r->id = db_rows_int(rows, i, c++);
	r->station_id = db_rows_int(rows, i, c++);
	text_copy(r->station_name, sizeof(r->station_name), db_rows_text(rows, i, c++));
	text_copy(r->region_code, sizeof(r->region_code), db_rows_text(rows, i, c++));
	r->hub_id = db_rows_int(rows, i, c++);
	text_copy(r->name, sizeof(r->name), db_rows_text(rows, i, c++));
	text_copy(r->kind, sizeof(r->kind), db_rows_text(rows, i, c++));
	r->capacity = (int)db_rows_int(rows, i, c++);
	r->bookable = db_rows_int(rows, i, c++) != 0;
	text_copy(r->note, sizeof(r->note), db_rows_text(rows, i, c++));
	r->max_minutes = (int)db_rows_int(rows, i, c++);
	r->created_s = db_rows_int(rows, i, c++);
	r->updated_s = db_rows_int(rows, i, c++);
}

/* Fills the hours of rooms[0..n) (all of one station): each room's own
 * weekly ranges, else the station's; the station's dated exceptions. */
static enum rc load_hours(struct db *db, int64_t station_id, struct room *rooms, size_t n,
			  struct problem *prob)
{
	struct db_rows *rows = NULL;
	struct hours station = { 0 };
	enum rc rc = db_q(db,
			  "SELECT day, open_min, close_min FROM station_hours WHERE station_id = $1"
			  " ORDER BY day, open_min",
			  &rows, prob, DB_I(station_id));
	for (size_t i = 0; rc == RC_OK && i < db_rows_count(rows) && i < HOURS_RANGES_MAX; i++)
		station.ranges[station.nranges++] = (struct hours_range){
			(uint8_t)db_rows_int(rows, i, 0), (uint16_t)db_rows_int(rows, i, 1),
			(uint16_t)db_rows_int(rows, i, 2)
		};
	db_rows_free(rows);
	rows = NULL;
	if (rc == RC_OK)
		rc = db_q(db,
			  "SELECT day, closed, COALESCE(open_min, 0), COALESCE(close_min, 0)"
			  " FROM station_exceptions WHERE station_id = $1 ORDER BY day",
			  &rows, prob, DB_I(station_id));
	for (size_t i = 0; rc == RC_OK && i < db_rows_count(rows); i++) {
		int32_t day;
		if (station.nexceptions >= HOURS_EXCEPTIONS_MAX ||
		    !hours_parse_date(db_rows_text(rows, i, 0), &day))
			continue;
		station.exceptions[station.nexceptions++] = (struct hours_exception){
			.day_num = day,
			.closed = db_rows_int(rows, i, 1) != 0,
			.open_min = (uint16_t)db_rows_int(rows, i, 2),
			.close_min = (uint16_t)db_rows_int(rows, i, 3),
		};
	}
	db_rows_free(rows);
	rows = NULL;
	if (rc == RC_OK)
		rc = db_q(db,
			  "SELECT h.room_id, h.day, h.open_min, h.close_min FROM room_hours h"
			  " JOIN station_rooms r ON r.id = h.room_id WHERE r.station_id = $1"
			  " ORDER BY h.room_id, h.day, h.open_min",
			  &rows, prob, DB_I(station_id));
	for (size_t k = 0; rc == RC_OK && k < n; k++) {
		struct room *r = &rooms[k];
		r->hours.nranges = 0;
		for (size_t i = 0; i < db_rows_count(rows); i++) {
			if (db_rows_int(rows, i, 0) != r->id ||
			    r->hours.nranges >= HOURS_RANGES_MAX)
				continue;
			r->hours.ranges[r->hours.nranges++] = (struct hours_range){
				(uint8_t)db_rows_int(rows, i, 1), (uint16_t)db_rows_int(rows, i, 2),
				(uint16_t)db_rows_int(rows, i, 3)
			};
		}
		r->own_hours = r->hours.nranges > 0;
		if (!r->own_hours) {
			memcpy(r->hours.ranges, station.ranges,
			       station.nranges * sizeof(station.ranges[0]));
			r->hours.nranges = station.nranges;
		}
		memcpy(r->hours.exceptions, station.exceptions,
		       station.nexceptions * sizeof(station.exceptions[0]));
		r->hours.nexceptions = station.nexceptions;
	}
	db_rows_free(rows);
	return rc;
}

enum rc room_list(struct db *db, int64_t station_id, struct room **items, size_t *n,
		  struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT COUNT(*) FROM stations WHERE id = $1", &rows, prob,
			  DB_I(station_id));
	if (rc == RC_OK && db_rows_int(rows, 0, 0) == 0)
		rc = problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个驿站");
	db_rows_free(rows);
	rows = NULL;
	if (rc != RC_OK)
		return rc;
	rc = db_q(db, "SELECT " ROOM_COLS " WHERE r.station_id = $1 ORDER BY r.id", &rows, prob,
		  DB_I(station_id));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	struct room *list = xcalloc(count ? count : 1, sizeof(*list));
	for (size_t i = 0; i < count; i++)
		room_from_row(rows, i, &list[i]);
	db_rows_free(rows);
	rc = load_hours(db, station_id, list, count, prob);
	if (rc != RC_OK) {
		free(list);
		return rc;
	}
	*items = list;
	*n = count;
	return RC_OK;
}

enum rc room_get(struct db *db, int64_t id, struct room *out, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT " ROOM_COLS " WHERE r.id = $1", &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) != 1) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个房间");
	}
	room_from_row(rows, 0, out);
	db_rows_free(rows);
	return load_hours(db, out->station_id, out, 1, prob);
}

/* Every bad field of in at once; create: name is required. */
static void check_room_input(const struct room_input *in, bool create, struct problem *prob)
{
	if (create && !in->has_name)
		problem_field(prob, "name", "房间名称不能为空");
	if (in->has_name && (!in->name || !*in->name || text_chars(in->name) > ROOM_NAME_MAX))
		problem_field(prob, "name", "房间名称应为 1–%d 个字", ROOM_NAME_MAX);
	if (in->has_kind && field_choice_index(room_kinds, in->kind) < 0)
		problem_field(prob, "kind",
			      "应为 meeting_room、reading_space、party_home、activity_room、"
			      "other 之一");
	if (in->has_capacity && (in->capacity < 0 || in->capacity > ROOM_CAPACITY_MAX))
		problem_field(prob, "capacity", "容纳人数应为 0–%d", ROOM_CAPACITY_MAX);
	if (in->has_note && in->note && text_chars(in->note) > ROOM_NOTE_MAX)
		problem_field(prob, "note", "说明最多 %d 个字", ROOM_NOTE_MAX);
	if (in->has_max_minutes && (in->max_minutes < 15 || in->max_minutes > 1440))
		problem_field(prob, "max_minutes", "单次预约最长时间应为 15–1440 分钟");
	if (in->has_hours)
		for (size_t i = 0; i < in->hours.nranges; i++) {
			const struct hours_range *r = &in->hours.ranges[i];
			if (r->day < 1 || r->day > 7 || r->open_min >= 1440 || r->close_min == 0 ||
			    r->close_min > 1440) {
				problem_field(prob, "hours",
					      "每一段应为 {days: [1–7], open: \"HH:MM\", close: "
					      "\"HH:MM\"}");
				break;
			}
		}
}

/* Station id's region and hub, for the permission of a room to be. */
static enum rc station_place(struct db *db, int64_t station_id, struct room *r,
			     struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT name, region_code, COALESCE(parent_id, 0) FROM stations"
			  " WHERE id = $1",
			  &rows, prob, DB_I(station_id));
	if (rc == RC_OK && db_rows_count(rows) != 1)
		rc = problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个驿站");
	if (rc == RC_OK) {
		r->station_id = station_id;
		text_copy(r->station_name, sizeof(r->station_name), db_rows_text(rows, 0, 0));
		text_copy(r->region_code, sizeof(r->region_code), db_rows_text(rows, 0, 1));
		r->hub_id = db_rows_int(rows, 0, 2);
	}
	db_rows_free(rows);
	return rc;
}

static enum rc write_hours(struct db *db, int64_t id, const struct room_input *in,
			   struct problem *prob)
{
	enum rc rc = db_q(db, "DELETE FROM room_hours WHERE room_id = $1", NULL, prob, DB_I(id));
	for (size_t i = 0; rc == RC_OK && i < in->hours.nranges; i++)
		rc = db_q(db,
			  "INSERT INTO room_hours (room_id, day, open_min, close_min)"
			  " VALUES ($1, $2, $3, $4)",
			  NULL, prob, DB_I(id), DB_I(in->hours.ranges[i].day),
			  DB_I(in->hours.ranges[i].open_min), DB_I(in->hours.ranges[i].close_min));
	return rc;
}

/* The audit row and the station's change event of a room write. */
static enum rc record_room(struct db_tx *tx, const struct actor *actor, const char *action,
			   const struct room *r, int64_t id, struct problem *prob)
{
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "station_id", r->station_id);
	if (r->name[0])
		audit_detail_str(&d, "name", r->name);
	enum rc rc = audit_record_id(tx, actor, action, "room", id, r->region_code, &d, prob);
	audit_detail_release(&d);
	char sid[24];
	snprintf(sid, sizeof(sid), "%lld", (long long)r->station_id);
	/* The station's detail lists its rooms. */
	if (rc == RC_OK)
		rc = events_record(tx, EVENT_STATION_CHANGED, sid, prob);
	return rc;
}

enum rc room_create(struct db_tx *tx, const struct actor *actor, int64_t station_id,
		    const struct room_input *in, int64_t *id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct room r = { 0 };
	enum rc rc = station_place(db, station_id, &r, prob);
	if (rc != RC_OK)
		return rc;
	if (!room_may_manage(actor->p, &r))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有本驿站的管理员可以管理房间");
	check_room_input(in, true, prob);
	if (problem_has_fields(prob))
		return RC_INVALID;
	int64_t now = clock_now_s();
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "INSERT INTO station_rooms (station_id, name, capacity, kind, bookable, note,"
		  " max_minutes, created_s, updated_s) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)"
		  " RETURNING id",
		  &rows, prob, DB_I(station_id), DB_T(in->name),
		  DB_I(in->has_capacity ? in->capacity : 0),
		  DB_T(in->has_kind ? in->kind : "meeting_room"),
		  DB_I(in->has_bookable ? in->bookable : true),
		  DB_T(in->has_note && in->note && *in->note ? in->note : NULL),
		  DB_I(in->has_max_minutes ? in->max_minutes : ROOM_MAX_MINUTES_DEF), DB_I(now));
	if (rc == RC_CONFLICT)
		problem_set(prob, RC_CONFLICT, "conflict", "本驿站已有同名的房间");
	if (rc == RC_OK)
		*id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	if (rc == RC_OK && in->has_hours)
		rc = write_hours(db, *id, in, prob);
	text_copy(r.name, sizeof(r.name), in->name);
	if (rc == RC_OK)
		rc = record_room(tx, actor, "room.created", &r, *id, prob);
	return rc;
}

enum rc room_update(struct db_tx *tx, const struct actor *actor, int64_t id,
		    const struct room_input *in, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct room *r = xcalloc(1, sizeof(*r));
	enum rc rc = room_get(db, id, r, prob);
	if (rc == RC_OK && !room_may_manage(actor->p, r))
		rc = problem_set(prob, RC_FORBIDDEN, "forbidden", "只有本驿站的管理员可以管理房间");
	if (rc == RC_OK) {
		check_room_input(in, false, prob);
		if (problem_has_fields(prob))
			rc = RC_INVALID;
	}
	if (rc == RC_OK)
		rc = db_q(db,
			  "UPDATE station_rooms SET name = $1, kind = $2, capacity = $3,"
			  " bookable = $4, note = $5, max_minutes = $6, updated_s = $7"
			  " WHERE id = $8",
			  NULL, prob, DB_T(in->has_name ? in->name : r->name),
			  DB_T(in->has_kind ? in->kind : r->kind),
			  DB_I(in->has_capacity ? in->capacity : r->capacity),
			  DB_I(in->has_bookable ? in->bookable : r->bookable),
			  DB_T(in->has_note ? (in->note && *in->note ? in->note : NULL)
					    : (r->note[0] ? r->note : NULL)),
			  DB_I(in->has_max_minutes ? in->max_minutes : r->max_minutes),
			  DB_I(clock_now_s()), DB_I(id));
	if (rc == RC_OK && in->has_hours)
		rc = write_hours(db, id, in, prob);
	if (rc == RC_OK)
		rc = record_room(tx, actor, "room.updated", r, id, prob);
	free(r);
	return rc;
}

enum rc room_delete(struct db_tx *tx, const struct actor *actor, int64_t id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct room *r = xcalloc(1, sizeof(*r));
	struct db_rows *rows = NULL;
	enum rc rc = room_get(db, id, r, prob);
	if (rc == RC_OK && !room_may_manage(actor->p, r))
		rc = problem_set(prob, RC_FORBIDDEN, "forbidden", "只有本驿站的管理员可以管理房间");
	if (rc == RC_OK)
		rc = db_q(db,
			  "SELECT COUNT(*) FROM room_bookings WHERE room_id = $1 AND ends_s > $2"
			  " AND state IN ('pending', 'approved', 'checked_in')",
			  &rows, prob, DB_I(id), DB_I(clock_now_s()));
	if (rc == RC_OK && db_rows_int(rows, 0, 0) > 0)
		rc = problem_set(prob, RC_CONFLICT, "room-booked",
				 "这个房间还有 %lld 个未结束的预约，请先处理或改为不可预约",
				 (long long)db_rows_int(rows, 0, 0));
	db_rows_free(rows);
	if (rc == RC_OK)
		rc = db_q(db, "DELETE FROM station_rooms WHERE id = $1", NULL, prob, DB_I(id));
	if (rc == RC_OK)
		rc = record_room(tx, actor, "room.deleted", r, id, prob);
	free(r);
	return rc;
}

/* Bookings */

bool room_booking_check(const struct room *room, const struct room_booking_input *in, int64_t now_s,
			struct problem *prob)
{
	size_t before = prob->nfields;
	if (!in->group_name || !*in->group_name || text_chars(in->group_name) > ROOM_GROUP_MAX)
		problem_field(prob, "group_name", "预约的团体（居民小组、党支部等）应为 1–%d 个字",
			      ROOM_GROUP_MAX);
	if (!in->purpose || !*in->purpose || text_chars(in->purpose) > ROOM_PURPOSE_MAX)
		problem_field(prob, "purpose", "用途应为 1–%d 个字", ROOM_PURPOSE_MAX);
	if (in->attendees < 1)
		problem_field(prob, "attendees", "人数至少 1 人");
	else if (room->capacity > 0 && in->attendees > room->capacity)
		problem_field(prob, "attendees", "人数超过房间容纳人数（%d 人）", room->capacity);
	if (in->ends_s <= in->starts_s) {
		problem_field(prob, "ends_at", "结束时间应晚于开始时间");
	} else {
		if (in->starts_s < now_s)
			problem_field(prob, "starts_at", "不能预约已经过去的时间");
		else if (in->starts_s > now_s + ROOM_BOOK_AHEAD_S)
			problem_field(prob, "starts_at", "最多提前 %d 天预约",
				      ROOM_BOOK_AHEAD_S / 86400);
		if (in->ends_s - in->starts_s > (int64_t)room->max_minutes * 60)
			problem_field(prob, "ends_at", "单次预约最长 %d 分钟", room->max_minutes);
		else {
			struct hours_view v = hours_view_of(&room->hours);
			if (!hours_view_covers(&v, in->starts_s, in->ends_s))
				problem_field(prob, "hours", "预约时间不在房间的开放时间内");
		}
	}
	return prob->nfields == before;
}

#define BOOKING_COLS                                                                                \
	"b.id, b.room_id, r.name, r.station_id, s.name, s.region_code, COALESCE(s.parent_id, 0),"   \
	" b.booker_id, COALESCE(a.name, ''), b.group_name, COALESCE(b.party_org_id, 0),"            \
	" COALESCE(b.team_id, 0), b.purpose, b.attendees, b.starts_s, b.ends_s, b.state,"           \
	" COALESCE(b.decided_by, 0), COALESCE(b.decided_s, 0), COALESCE(b.checked_in_s, 0),"        \
	" COALESCE(b.decline_reason, ''), b.version, b.created_s, b.updated_s FROM room_bookings b" \
	" JOIN station_rooms r ON r.id = b.room_id JOIN stations s ON s.id = r.station_id"          \
	" LEFT JOIN accounts a ON a.id = b.booker_id"

static void booking_from_row(const struct db_rows *rows, size_t i, struct room_booking *b)
{
	memset(b, 0, sizeof(*b));
	size_t c = 0;
	b->id = db_rows_int(rows, i, c++);
	b->room_id = db_rows_int(rows, i, c++);
	text_copy(b->room_name, sizeof(b->room_name), db_rows_text(rows, i, c++));
	b->station_id = db_rows_int(rows, i, c++);
	text_copy(b->station_name, sizeof(b->station_name), db_rows_text(rows, i, c++));
	text_copy(b->region_code, sizeof(b->region_code), db_rows_text(rows, i, c++));
	b->hub_id = db_rows_int(rows, i, c++);
	b->booker_id = db_rows_int(rows, i, c++);
	text_copy(b->booker_name, sizeof(b->booker_name), db_rows_text(rows, i, c++));
	text_copy(b->group_name, sizeof(b->group_name), db_rows_text(rows, i, c++));
	b->party_org_id = db_rows_int(rows, i, c++);
	b->team_id = db_rows_int(rows, i, c++);
	text_copy(b->purpose, sizeof(b->purpose), db_rows_text(rows, i, c++));
	b->attendees = (int)db_rows_int(rows, i, c++);
	b->starts_s = db_rows_int(rows, i, c++);
	b->ends_s = db_rows_int(rows, i, c++);
	text_copy(b->state, sizeof(b->state), db_rows_text(rows, i, c++));
	b->decided_by = db_rows_int(rows, i, c++);
	b->decided_s = db_rows_int(rows, i, c++);
	b->checked_in_s = db_rows_int(rows, i, c++);
	text_copy(b->decline_reason, sizeof(b->decline_reason), db_rows_text(rows, i, c++));
	b->version = (int)db_rows_int(rows, i, c++);
	b->created_s = db_rows_int(rows, i, c++);
	b->updated_s = db_rows_int(rows, i, c++);
}

static enum rc booking_list_q(struct db *db, const char *sql, const struct db_val *params,
			      size_t np, struct room_booking **items, size_t *n,
			      struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, sql, params, np, &rows, prob);
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	struct room_booking *list = xcalloc(count ? count : 1, sizeof(*list));
	for (size_t i = 0; i < count; i++)
		booking_from_row(rows, i, &list[i]);
	db_rows_free(rows);
	*items = list;
	*n = count;
	return RC_OK;
}

static enum rc load_booking(struct db *db, int64_t id, struct room_booking *out,
			    struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT " BOOKING_COLS " WHERE b.id = $1", &rows, prob, DB_I(id));
	if (rc == RC_OK && db_rows_count(rows) != 1)
		rc = problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个预约");
	if (rc == RC_OK)
		booking_from_row(rows, 0, out);
	db_rows_free(rows);
	return rc;
}

static bool manages_booking(const struct principal *p, const struct room_booking *b)
{
	struct scope_target t = target_of(b->region_code, b->station_id, b->hub_id);
	return p && permission_allows(p, ACT_ROOM_MANAGE, &t);
}

bool room_booking_may_see_all(const struct principal *viewer, const struct room_booking *b)
{
	return viewer && ((viewer->account_id && viewer->account_id == b->booker_id) ||
			  manages_booking(viewer, b));
}

/* What a message about b says (the live queue, group bots), its audit row
 * and its outbox event "room.<step>". */
static enum rc record_booking(struct db_tx *tx, const struct actor *actor,
			      const struct room_booking *b, const char *step, const char *to,
			      const char *note, struct problem *prob)
{
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "room_id", b->room_id);
	audit_detail_str(&d, "state", to);
	char when[17];
	local_when(b->starts_s, when);
	audit_detail_str(&d, "starts", when);
	char action[40];
	snprintf(action, sizeof(action), EVENT_ROOM_PREFIX "%s", step);
	enum rc rc = audit_record_id(tx, actor, action, "room_booking", b->id, b->region_code, &d,
				     prob);
	audit_detail_release(&d);
	if (rc != RC_OK)
		return rc;
	char end[6];
	local_hhmm(b->ends_s, end);
	struct sb data = SB_INIT;
	sb_addf(&data, "{\"booking_id\":%lld,\"room_id\":%lld,\"room\":", (long long)b->id,
		(long long)b->room_id);
	sb_add_json_string(&data, b->room_name);
	sb_addlit(&data, ",\"station\":");
	sb_add_json_string(&data, b->station_name);
	sb_addlit(&data, ",\"group\":");
	sb_add_json_string(&data, b->group_name);
	sb_addlit(&data, ",\"when\":");
	char span[40];
	snprintf(span, sizeof(span), "%s–%s", when, end);
	sb_add_json_string(&data, span);
	sb_addlit(&data, ",\"state\":");
	sb_add_json_string(&data, to);
	sb_addlit(&data, ",\"state_label\":");
	sb_add_json_string(&data, field_choice_zh(room_booking_states, to));
	if (note && *note) {
		sb_addlit(&data, ",\"note\":");
		sb_add_json_string(&data, note);
	}
	sb_addf(&data, ",\"url\":\"/rooms.html?station=%lld\"}", (long long)b->station_id);
	char sid[24];
	snprintf(sid, sizeof(sid), "%lld", (long long)b->id);
	struct event_audience to_whom = { .region_code = b->region_code,
					  .station_id = b->station_id,
					  .data = sb_str(&data) };
	rc = events_record_to(tx, action, sid, &to_whom, prob);
	sb_release(&data);
	return rc;
}

/* Tells account_id of b: "<what>：<room> <when>". */
static enum rc tell(struct db_tx *tx, int64_t account_id, const char *kind, const char *what,
		    const struct room_booking *b, const char *body, struct problem *prob)
{
	if (!account_id)
		return RC_OK;
	char when[17], end[6];
	local_when(b->starts_s, when);
	local_hhmm(b->ends_s, end);
	char title[sizeof(b->room_name) + 96];
	snprintf(title, sizeof(title), "%s：%s %s–%s", what, b->room_name, when, end);
	return inbox_notify(tx, account_id, kind, "room_booking", b->id, title,
			    body && *body ? body : NULL, prob);
}

/* The managers of b's station (grants held at the station) hear of a new
 * booking to decide. */
static enum rc tell_managers(struct db_tx *tx, const struct room_booking *b, struct problem *prob)
{
	char scope[32];
	snprintf(scope, sizeof(scope), "station:%lld", (long long)b->station_id);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db_tx_db(tx),
			  "SELECT DISTINCT account_id FROM role_grants WHERE scope = $1"
			  " AND role IN ('manager', 'staff', 'admin')",
			  &rows, prob, DB_T(scope));
	char body[ROOM_GROUP_MAX * 4 + 32];
	snprintf(body, sizeof(body), "%s，%d 人", b->group_name, b->attendees);
	for (size_t i = 0; rc == RC_OK && i < db_rows_count(rows); i++)
		if (db_rows_int(rows, i, 0) != b->booker_id)
			rc = tell(tx, db_rows_int(rows, i, 0), "room_booked", "新的房间预约待审批",
				  b, body, prob);
	db_rows_free(rows);
	return rc;
}

/* The holding booking of room_id that meets [from, to), if any. */
static enum rc find_clash(struct db *db, int64_t room_id, int64_t from, int64_t to, int64_t *starts,
			  int64_t *ends, struct problem *prob)
{
	struct db_rows *rows = NULL;
	*starts = *ends = 0;
	enum rc rc = db_q(db,
			  "SELECT starts_s, ends_s FROM room_bookings WHERE room_id = $1"
			  " AND state IN ('pending', 'approved', 'checked_in')"
			  " AND starts_s < $2 AND $3 < ends_s ORDER BY starts_s LIMIT 1",
			  &rows, prob, DB_I(room_id), DB_I(to), DB_I(from));
	if (rc == RC_OK && db_rows_count(rows) == 1) {
		*starts = db_rows_int(rows, 0, 0);
		*ends = db_rows_int(rows, 0, 1);
	}
	db_rows_free(rows);
	return rc;
}

static enum rc overlap(struct problem *prob, int64_t starts, int64_t ends)
{
	problem_init(prob);
	if (!starts)
		return problem_set(prob, RC_CONFLICT, "overlap", "该时段已被预约");
	char when[17], end[6];
	local_when(starts, when);
	local_hhmm(ends, end);
	return problem_set(prob, RC_CONFLICT, "overlap", "该时段已被预约（%s–%s）", when, end);
}

/* An id of a row in table, if given, must exist. */
static void check_ref(struct db *db, const char *sql, const char *field, int64_t id,
		      struct problem *prob)
{
	if (!id)
		return;
	struct problem p2;
	problem_init(&p2);
	struct db_rows *rows = NULL;
	if (db_q(db, sql, &rows, &p2, DB_I(id)) != RC_OK || db_rows_count(rows) == 0)
		problem_field(prob, field, "没有这个组织：%lld", (long long)id);
	db_rows_free(rows);
}

enum rc room_book(struct db_tx *tx, const struct actor *actor, int64_t room_id,
		  const struct room_booking_input *in, int64_t *id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	if (!actor->p || !actor->p->account_id)
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "请先登录再预约");
	struct room *room = xcalloc(1, sizeof(*room));
	struct room_booking *b = NULL;
	int64_t now = clock_now_s();
	enum rc rc = room_get(db, room_id, room, prob);
	if (rc != RC_OK)
		goto out;
	if (!room->bookable) {
		rc = problem_set(prob, RC_CONFLICT, "not-bookable", "这个房间暂不接受预约");
		goto out;
	}
	room_booking_check(room, in, now, prob);
	check_ref(db, "SELECT 1 FROM party_orgs WHERE id = $1", "party_org_id", in->party_org_id,
		  prob);
	check_ref(db, "SELECT 1 FROM teams WHERE id = $1", "team_id", in->team_id, prob);
	if (problem_has_fields(prob)) {
		rc = RC_INVALID;
		goto out;
	}
	int64_t cs = 0, ce = 0;
	rc = find_clash(db, room_id, in->starts_s, in->ends_s, &cs, &ce, prob);
	if (rc == RC_OK && cs) {
		rc = overlap(prob, cs, ce);
		goto out;
	}
	struct db_rows *rows = NULL;
	if (rc == RC_OK)
		rc = db_q(db,
			  "INSERT INTO room_bookings (room_id, booker_id, group_name, party_org_id,"
			  " team_id, purpose, attendees, starts_s, ends_s, state, created_s,"
			  " updated_s) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10,"
			  " $10) RETURNING id",
			  &rows, prob, DB_I(room_id), DB_I(actor->p->account_id),
			  DB_T(in->group_name), DB_IOPT(in->party_org_id != 0, in->party_org_id),
			  DB_IOPT(in->team_id != 0, in->team_id), DB_T(in->purpose),
			  DB_I(in->attendees), DB_I(in->starts_s), DB_I(in->ends_s), DB_I(now));
	/* Another booking of the slot committed between the look and the
	 * insert: the database said no. */
	if (rc == RC_CONFLICT && !strcmp(prob->type, "exclusion"))
		rc = overlap(prob, 0, 0);
	if (rc == RC_OK)
		*id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	if (rc != RC_OK)
		goto out;
	b = xcalloc(1, sizeof(*b));
	rc = load_booking(db, *id, b, prob);
	if (rc == RC_OK)
		rc = record_booking(tx, actor, b, "booked", "pending", NULL, prob);
	if (rc == RC_OK)
		rc = tell_managers(tx, b, prob);
out:
	free(b);
	free(room);
	return rc;
}

enum rc room_booking_read(struct db *db, const struct principal *viewer, int64_t id,
			  struct room_booking *out, struct problem *prob)
{
	enum rc rc = load_booking(db, id, out, prob);
	if (rc == RC_OK && !room_booking_may_see_all(viewer, out))
		rc = problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个预约");
	return rc;
}

/* Steps: the states each leaves, the state it reaches, who may. */
enum { WHO_MANAGER = 1, WHO_BOOKER = 2 };
static const struct {
	const char *action, *zh, *from, *to;
	unsigned who;
} steps[] = {
	{ "approve", "批准", "pending", "approved", WHO_MANAGER },
	{ "decline", "不批准", "pending approved", "declined", WHO_MANAGER },
	{ "cancel", "取消", "pending approved", "cancelled", WHO_MANAGER | WHO_BOOKER },
	{ "check_in", "签到", "approved", "checked_in", WHO_MANAGER | WHO_BOOKER },
};

/* True if word is one of the space-separated words of list. */
static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

enum rc room_booking_step(struct db_tx *tx, const struct actor *actor, int64_t id,
			  const char *action, const char *reason, int version, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	size_t k = 0;
	while (k < sizeof(steps) / sizeof(steps[0]) && (!action || strcmp(steps[k].action, action)))
		k++;
	if (k == sizeof(steps) / sizeof(steps[0])) {
		problem_field(prob, "action", "应为 approve、decline、cancel、check_in 之一");
		return RC_INVALID;
	}
	bool is_decline = !strcmp(action, "decline");
	if (is_decline && (!reason || !*reason))
		problem_field(prob, "reason", "不批准要写明原因");
	if (reason && text_chars(reason) > ROOM_REASON_MAX)
		problem_field(prob, "reason", "原因最多 %d 个字", ROOM_REASON_MAX);
	if (problem_has_fields(prob))
		return RC_INVALID;
	struct room_booking *b = xcalloc(1, sizeof(*b));
	enum rc rc = room_booking_read(db, actor->p, id, b, prob);
	if (rc != RC_OK)
		goto out;
	bool manager = manages_booking(actor->p, b);
	bool booker = actor->p && actor->p->account_id == b->booker_id;
	if (!((steps[k].who & WHO_MANAGER) && manager) &&
	    !((steps[k].who & WHO_BOOKER) && booker)) {
		rc = problem_set(prob, RC_FORBIDDEN, "forbidden",
				 steps[k].who & WHO_BOOKER ? "只有预约人或驿站管理员可以%s"
							   : "只有驿站管理员可以%s",
				 steps[k].zh);
		problem_detail_en(prob, "Only %s may %s this booking",
				  steps[k].who & WHO_BOOKER ? "the booker or the station's managers"
							    : "the station's managers",
				  steps[k].action);
		goto out;
	}
	if (!word_in(steps[k].from, b->state)) {
		rc = problem_set(prob, RC_CONFLICT, "invalid-transition", "预约现在是“%s”，不能%s",
				 field_choice_zh(room_booking_states, b->state), steps[k].zh);
		problem_detail_en(prob, "The booking is %s now: it cannot be %s",
				  field_choice_en(room_booking_states, b->state), steps[k].action);
		goto out;
	}
	int64_t now = clock_now_s();
	if (!strcmp(action, "check_in")) {
		if (now < b->starts_s - ROOM_CHECKIN_EARLY_S) {
			rc = problem_set(prob, RC_CONFLICT, "too-early", "开始前 %d 分钟起才能签到",
					 ROOM_CHECKIN_EARLY_S / 60);
			goto out;
		}
		if (now > b->starts_s + ROOM_RELEASE_AFTER_S) {
			rc = problem_set(prob, RC_CONFLICT, "too-late",
					 "开始后 %d 分钟内未签到，预约已失效",
					 ROOM_RELEASE_AFTER_S / 60);
			goto out;
		}
	}
	if (version > 0 && version != b->version) {
		rc = problem_set(prob, RC_CONFLICT, "version-conflict",
				 "预约刚被别人改过，请刷新后再试");
		goto out;
	}
	struct db_rows *rows = NULL;
	bool decides = !strcmp(action, "approve") || is_decline;
	rc = db_q(db,
		  "UPDATE room_bookings SET state = $1, updated_s = $2, version = version + 1,"
		  " decided_by = CASE WHEN $3 = 1 THEN $4 ELSE decided_by END,"
		  " decided_s = CASE WHEN $3 = 1 THEN $2 ELSE decided_s END,"
		  " decline_reason = CASE WHEN $3 = 1 THEN $5 ELSE decline_reason END,"
		  " checked_in_s = CASE WHEN $1 = 'checked_in' THEN $2 ELSE checked_in_s END"
		  " WHERE id = $6 AND version = $7 RETURNING id",
		  &rows, prob, DB_T(steps[k].to), DB_I(now), DB_I(decides ? 1 : 0),
		  DB_I(actor->p->account_id), DB_T(is_decline ? reason : NULL), DB_I(id),
		  DB_I(b->version));
	if (rc == RC_OK && db_rows_count(rows) != 1)
		rc = problem_set(prob, RC_CONFLICT, "taken", "这个预约刚被别人处理了，请刷新");
	db_rows_free(rows);
	if (rc != RC_OK)
		goto out;
	char step_name[16];
	snprintf(step_name, sizeof(step_name), "%s",
		 !strcmp(action, "check_in") ? "checked_in"
		 : !strcmp(action, "approve")
			 ? "approved"
			 : (!strcmp(action, "decline") ? "declined" : "cancelled"));
	rc = record_booking(tx, actor, b, step_name, steps[k].to, is_decline ? reason : NULL, prob);
	if (rc == RC_OK && !strcmp(action, "approve"))
		rc = tell(tx, b->booker_id, "room_approved", "房间预约已批准", b, NULL, prob);
	if (rc == RC_OK && is_decline)
		rc = tell(tx, b->booker_id, "room_declined", "房间预约未批准", b, reason, prob);
	if (rc == RC_OK && !strcmp(action, "cancel") && !booker)
		rc = tell(tx, b->booker_id, "cancelled", "房间预约已被管理员取消", b, reason, prob);
out:
	free(b);
	return rc;
}

size_t room_booking_actions(const struct principal *viewer, const struct room_booking *b,
			    int64_t now_s, const char *out[], size_t cap)
{
	size_t n = 0;
	bool manager = manages_booking(viewer, b);
	bool booker = viewer && viewer->account_id && viewer->account_id == b->booker_id;
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]) && n < cap; k++) {
		if (!word_in(steps[k].from, b->state) ||
		    !(((steps[k].who & WHO_MANAGER) && manager) ||
		      ((steps[k].who & WHO_BOOKER) && booker)))
			continue;
		if (!strcmp(steps[k].action, "check_in") &&
		    (now_s < b->starts_s - ROOM_CHECKIN_EARLY_S ||
		     now_s > b->starts_s + ROOM_RELEASE_AFTER_S))
			continue;
		out[n++] = steps[k].action;
	}
	return n;
}

enum rc room_calendar(struct db *db, int64_t station_id, int64_t from_s, int64_t to_s,
		      struct room_booking **items, size_t *n, struct problem *prob)
{
	return booking_list_q(db,
			      "SELECT " BOOKING_COLS " WHERE r.station_id = $1 AND b.starts_s < $3"
			      " AND b.ends_s > $2 AND b.state NOT IN ('declined', 'cancelled')"
			      " ORDER BY b.starts_s, b.id",
			      DB_ARGS(DB_I(station_id), DB_I(from_s), DB_I(to_s)), items, n, prob);
}

enum rc room_bookings_mine(struct db *db, const struct principal *viewer, size_t limit,
			   struct room_booking **items, size_t *n, struct problem *prob)
{
	return booking_list_q(db,
			      "SELECT " BOOKING_COLS " WHERE b.booker_id = $1"
			      " ORDER BY b.starts_s DESC, b.id DESC LIMIT $2",
			      DB_ARGS(DB_I(viewer->account_id), DB_I(limit)), items, n, prob);
}

enum rc room_bookings_managed(struct db *db, const struct principal *viewer, int64_t station_id,
			      const char *state, size_t limit, struct room_booking **items,
			      size_t *n, struct problem *prob)
{
	if (state && field_choice_index(room_booking_states, state) < 0) {
		problem_field(prob, "state", "没有这个状态：%s", state);
		return RC_INVALID;
	}
	/* Bookings not yet ended are few against a city's rooms: read them and
	 * keep the ones whose station the viewer manages. */
	struct room_booking *all = NULL;
	size_t count = 0;
	enum rc rc = booking_list_q(
		db,
		"SELECT " BOOKING_COLS " WHERE b.ends_s > $1 AND ($2 = 0 OR r.station_id = $2)"
		" AND (($3 = '' AND b.state IN ('pending', 'approved')) OR b.state = $3)"
		" ORDER BY b.starts_s, b.id LIMIT 2000",
		DB_ARGS(DB_I(clock_now_s()), DB_I(station_id), DB_T(state ? state : "")), &all,
		&count, prob);
	if (rc != RC_OK)
		return rc;
	size_t kept = 0;
	for (size_t i = 0; i < count && kept < limit; i++)
		if (manages_booking(viewer, &all[i]))
			all[kept++] = all[i];
	*items = all;
	*n = kept;
	return RC_OK;
}

struct release_arg {
	int64_t id, now_s;
	bool done;
};

static enum rc release_one(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct release_arg *a = ctx;
	struct db *db = db_tx_db(tx);
	a->done = false;
	/* Compared and set in one statement: of two servers, one releases it. */
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "UPDATE room_bookings SET state = 'released', updated_s = $1,"
			  " version = version + 1 WHERE id = $2"
			  " AND state IN ('pending', 'approved') AND starts_s + $3 <= $1"
			  " RETURNING id",
			  &rows, prob, DB_I(a->now_s), DB_I(a->id), DB_I(ROOM_RELEASE_AFTER_S));
	bool ours = rc == RC_OK && db_rows_count(rows) == 1;
	db_rows_free(rows);
	if (!ours)
		return rc;
	struct room_booking *b = xcalloc(1, sizeof(*b));
	rc = load_booking(db, a->id, b, prob);
	char note[64];
	snprintf(note, sizeof(note), "开始后 %d 分钟内未签到", ROOM_RELEASE_AFTER_S / 60);
	if (rc == RC_OK)
		rc = record_booking(tx, NULL, b, "released", "released", note, prob);
	if (rc == RC_OK)
		rc = tell(tx, b->booker_id, "room_released", "房间预约已释放", b, note, prob);
	free(b);
	a->done = rc == RC_OK;
	return rc;
}

enum rc room_release_due(struct db *db, int64_t now_s, int *released, struct problem *prob)
{
	*released = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT id FROM room_bookings WHERE state IN ('pending', 'approved')"
			  " AND starts_s + $1 <= $2 ORDER BY starts_s LIMIT 500",
			  &rows, prob, DB_I(ROOM_RELEASE_AFTER_S), DB_I(now_s));
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; i < db_rows_count(rows); i++) {
		struct release_arg a = { .id = db_rows_int(rows, i, 0), .now_s = now_s };
		rc = db_tx(db, release_one, &a, prob);
		if (rc != RC_OK)
			break;
		*released += a.done;
	}
	db_rows_free(rows);
	return rc;
}
