/* The demo city's rooms and bookings (demo_rooms.h). */
#include "domain/demo_city.h"
#include "domain/demo_rooms.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/text.h"
#include "domain/account.h"
#include "domain/room.h"

#define DEMO_ROOM_STATIONS 12

static const struct {
	const char *name, *kind;
	int capacity;
} wanted[] = {
	{ "会议室", "meeting_room", 20 },
	{ "阅览区", "reading_space", 12 },
	{ "党员之家", "party_home", 30 },
};

/* Who books what: day from today, local start hour and minutes, length in
 * minutes, and what becomes of it. */
static const struct {
	const char *group, *purpose;
	int attendees, day, hour, minutes;
	const char *then; /* NULL: stays pending; approve, decline, cancel */
} plays[] = {
	{ "龙腾路居民议事会", "楼道加装电梯议事", 12, 1, 9, 90, "approve" },
	{ "第三党支部", "主题党日：重温入党誓词", 15, 1, 14, 120, NULL },
	{ "快递小哥联谊会", "安全骑行培训", 10, 2, 19, 60, "approve" },
	{ "老年书画社", "书法练习", 8, 3, 9, 120, "decline" },
	{ "亲子阅读小组", "周末绘本共读", 10, 5, 10, 90, NULL },
	{ "物业业委会", "物业费公示说明会", 18, 4, 15, 60, "cancel" },
};

struct create_arg {
	const struct actor *actor;
	int64_t station, room_id;
	size_t i;
	bool exists;
};

static enum rc make_room(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct create_arg *a = ctx;
	struct room_input in = { .has_name = true,
				 .name = wanted[a->i].name,
				 .has_kind = true,
				 .kind = wanted[a->i].kind,
				 .has_capacity = true,
				 .capacity = wanted[a->i].capacity,
				 .has_hours = true };
	for (uint8_t d = 1; d <= 7; d++)
		in.hours.ranges[in.hours.nranges++] = (struct hours_range){ d, 8 * 60, 21 * 60 };
	if (a->exists)
		return room_update(tx, a->actor, a->room_id, &in, prob);
	return room_create(tx, a->actor, a->station, &in, &a->room_id, prob);
}

struct book_arg {
	const struct actor *actor;
	int64_t room_id, id;
	struct room_booking_input in;
};

static enum rc make_booking(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct book_arg *a = ctx;
	return room_book(tx, a->actor, a->room_id, &a->in, &a->id, prob);
}

struct step_arg {
	const struct actor *actor;
	int64_t id;
	const char *action;
};

static enum rc take_step(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct step_arg *a = ctx;
	return room_booking_step(tx, a->actor, a->id, a->action,
				 !strcmp(a->action, "decline") ? "当天房间另有安排，请改约" : NULL,
				 0, prob);
}

enum rc demo_rooms_build(struct db *db, size_t *rooms, size_t *bookings, struct problem *prob)
{
	*rooms = *bookings = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT COUNT(*) FROM room_bookings WHERE id > $1", &rows, prob,
			  DB_I(0));
	int64_t have = rc == RC_OK ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	if (rc != RC_OK || have)
		return rc;
	struct principal admin, resident;
	rc = demo_principal(db, "13800000001", &admin, prob);
	if (rc == RC_OK)
		rc = demo_principal(db, "13800000006", &resident, prob);
	if (rc != RC_OK)
		return rc;
	struct actor by_admin = { .p = &admin, .ip = "127.0.0.1", .request_id = "seed" };
	struct actor by_resident = { .p = &resident, .ip = "127.0.0.1", .request_id = "seed" };
	rc = db_q(db, "SELECT id FROM stations WHERE id > $1 ORDER BY id LIMIT 12", &rows, prob,
		  DB_I(0));
	if (rc != RC_OK)
		return rc;
	/* Today's local midnight, as Unix time. */
	int32_t today;
	int wd, min;
	int64_t now = clock_now_s();
	hours_local(now, &today, &wd, &min);
	int64_t midnight = (int64_t)today * 86400 - HOURS_LOCAL_OFFSET_S;
	for (size_t s = 0; rc == RC_OK && s < db_rows_count(rows); s++) {
		int64_t station = db_rows_int(rows, s, 0);
		struct room *have_rooms = NULL;
		size_t nhave = 0;
		rc = room_list(db, station, &have_rooms, &nhave, prob);
		int64_t first_room = 0;
		for (size_t i = 0; rc == RC_OK && i < sizeof(wanted) / sizeof(wanted[0]); i++) {
			if (i == 2 && s % 2)
				continue;
			struct create_arg a = { .actor = &by_admin, .station = station, .i = i };
			for (size_t k = 0; k < nhave; k++)
				if (!strcmp(have_rooms[k].name, wanted[i].name)) {
					a.exists = true;
					a.room_id = have_rooms[k].id;
				}
			rc = db_tx(db, make_room, &a, prob);
			if (rc == RC_OK && !a.exists)
				(*rooms)++;
			if (!first_room)
				first_room = a.room_id;
		}
		free(have_rooms);
		/* Two bookings a station, from the plays in turn. */
		for (size_t k = 0; rc == RC_OK && k < 2; k++) {
			size_t p = (s * 2 + k) % (sizeof(plays) / sizeof(plays[0]));
			struct book_arg b = { .actor = &by_resident, .room_id = first_room };
			b.in.group_name = plays[p].group;
			b.in.purpose = plays[p].purpose;
			b.in.attendees = plays[p].attendees;
			b.in.starts_s = midnight + (int64_t)plays[p].day * 86400 +
					(int64_t)plays[p].hour * 3600;
			b.in.ends_s = b.in.starts_s + (int64_t)plays[p].minutes * 60;
			rc = db_tx(db, make_booking, &b, prob);
			if (rc == RC_OK && plays[p].then) {
				struct step_arg st = { .actor = plays[p].then[0] == 'c'
									? &by_resident
									: &by_admin,
						       .id = b.id,
						       .action = plays[p].then };
				rc = db_tx(db, take_step, &st, prob);
			}
			if (rc == RC_OK)
				(*bookings)++;
		}
	}
	db_rows_free(rows);
	return rc;
}
