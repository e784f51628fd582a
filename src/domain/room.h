/* Rooms and their bookings ("会议室对外开放"): a station's rooms (会议室,
 * 阅览区, 党员之家 …) with a kind, a capacity, opening hours (their own or
 * the station's) and a longest booking; residents' groups and party
 * branches book time slots, the station's managers approve or decline.
 *
 *   pending ─approve→ approved ─check_in→ checked_in
 *      │                 │
 *      ├─decline→ declined ←┤        (manager, with a reason)
 *      ├─cancel→ cancelled ←┤        (the booker, or a manager)
 *      └─release→ released ←┘        (nobody checked in by start + 15 min)
 *
 * Two bookings that hold a room (pending, approved, checked in) never
 * overlap: migration 0019 makes the database refuse it on both engines, so
 * of many booking one slot at once exactly one wins; the others get
 * RC_CONFLICT "overlap" ("该时段已被预约"). Each step writes the row (version
 * compared), an audit row, an outbox event ("room.<step>", audience: the
 * station and its region) and tells the booker in their inbox; a new
 * booking tells the station's managers. Times are Unix seconds; hours are
 * the city's local time (domain/hours.h). */
#ifndef YZ_DOMAIN_ROOM_H
#define YZ_DOMAIN_ROOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/field.h"
#include "domain/hours.h"

#define ROOM_NAME_MAX	       30  /* characters */
#define ROOM_NOTE_MAX	       200 /* characters */
#define ROOM_CAPACITY_MAX      10000
#define ROOM_MAX_MINUTES_DEF   240	    /* the longest booking unless the room says */
#define ROOM_GROUP_MAX	       60	    /* characters */
#define ROOM_PURPOSE_MAX       200	    /* characters */
#define ROOM_REASON_MAX	       200	    /* characters */
#define ROOM_BOOK_AHEAD_S      (90 * 86400) /* how far ahead one may book */
#define ROOM_CHECKIN_EARLY_S   (15 * 60)    /* check in from this long before the start */
#define ROOM_RELEASE_AFTER_S   (15 * 60)    /* released when not checked in by start + this */
#define ROOM_CALENDAR_DAYS_MAX 14

#define EVENT_ROOM_PREFIX "room."

/* The kinds (meeting_room 会议室, reading_space 阅览区, party_home 党员之家,
 * activity_room 活动室, other 其他) and the booking states, each with its
 * Chinese and English name. */
extern const struct field_choice room_kinds[];
extern const struct field_choice room_booking_states[];

struct room {
	int64_t id;
	int64_t station_id;
	char station_name[241];
	char region_code[13];
	int64_t hub_id; /* the station's hub, for scopes; 0 if none */
	char name[ROOM_NAME_MAX * 4 + 1];
	char kind[16];
	int capacity; /* 0: not limited */
	bool bookable;
	char note[ROOM_NOTE_MAX * 4 + 1];
	int max_minutes;
	bool own_hours;	    /* hours.ranges are the room's own, else the station's */
	struct hours hours; /* weekly ranges; the station's dated exceptions */
	int64_t created_s, updated_s;
};

/* What a create or a change gives; text borrowed; has_* says which. */
struct room_input {
	bool has_name, has_kind, has_capacity, has_bookable, has_note, has_max_minutes, has_hours;
	const char *name, *kind, *note;
	int capacity;
	bool bookable;
	int max_minutes;
	/* The room's own weekly ranges; nranges 0 with has_hours: the
	 * station's hours again. Only ranges are read. */
	struct hours hours;
};

/* True if p may manage the rooms of the room's station and decide its
 * bookings (ACT_ROOM_MANAGE over the station). */
bool room_may_manage(const struct principal *p, const struct room *r);

/* The rooms of station id, in the order made; *items is *new* (free()).
 * RC_NOT_FOUND for no such station. */
enum rc room_list(struct db *db, int64_t station_id, struct room **items, size_t *n,
		  struct problem *prob);
/* One room; RC_NOT_FOUND when none. */
enum rc room_get(struct db *db, int64_t id, struct room *out, struct problem *prob);

/* Adds a room to station_id (name required); checks every field at once
 * and ACT_ROOM_MANAGE over the station. *id gets the new room's id. */
enum rc room_create(struct db_tx *tx, const struct actor *actor, int64_t station_id,
		    const struct room_input *in, int64_t *id, struct problem *prob);
/* Changes the given fields of room id. */
enum rc room_update(struct db_tx *tx, const struct actor *actor, int64_t id,
		    const struct room_input *in, struct problem *prob);
/* Removes room id; RC_CONFLICT while a booking still holds it from now on. */
enum rc room_delete(struct db_tx *tx, const struct actor *actor, int64_t id, struct problem *prob);

struct room_booking {
	int64_t id;
	int64_t room_id;
	char room_name[ROOM_NAME_MAX * 4 + 1];
	int64_t station_id;
	char station_name[241];
	char region_code[13];
	int64_t hub_id;
	int64_t booker_id;
	char booker_name[97];
	char group_name[ROOM_GROUP_MAX * 4 + 1];
	int64_t party_org_id, team_id;
	char purpose[ROOM_PURPOSE_MAX * 4 + 1];
	int attendees;
	int64_t starts_s, ends_s;
	char state[16];
	int64_t decided_by, decided_s, checked_in_s;
	char decline_reason[ROOM_REASON_MAX * 4 + 1];
	int version;
	int64_t created_s, updated_s;
};

/* What a booker asks. Text borrowed. */
struct room_booking_input {
	const char *group_name, *purpose;
	int64_t party_org_id, team_id; /* 0: none */
	int attendees;
	int64_t starts_s, ends_s;
};

/* Checks a booking of room against its rules at now_s, adding a field
 * error for each broken one: ends after it starts (ends_at), not in the
 * past and at most ROOM_BOOK_AHEAD_S ahead (starts_at), no longer than the
 * room's longest booking, within its opening hours on that day (hours),
 * attendees 1 to the capacity. Pure; true if none is broken. */
bool room_booking_check(const struct room *room, const struct room_booking_input *in, int64_t now_s,
			struct problem *prob);

/* Books room_id for actor: the rules above (RC_INVALID with every broken
 * one), the room bookable (RC_CONFLICT), then the slot free (RC_CONFLICT
 * "overlap", naming the booking it meets). The row starts pending. *id gets
 * the booking. */
enum rc room_book(struct db_tx *tx, const struct actor *actor, int64_t room_id,
		  const struct room_booking_input *in, int64_t *id, struct problem *prob);

/* One step on booking id: "approve", "decline" (reason required), "cancel",
 * "check_in". RC_CONFLICT naming the state when the step does not follow
 * from it (or the check-in window is not open); RC_FORBIDDEN naming who
 * may; version > 0 is compared. */
enum rc room_booking_step(struct db_tx *tx, const struct actor *actor, int64_t id,
			  const char *action, const char *reason, int version,
			  struct problem *prob);

/* The steps viewer may take on b at now_s, into out[0..cap); how many. */
size_t room_booking_actions(const struct principal *viewer, const struct room_booking *b,
			    int64_t now_s, const char *out[], size_t cap);

/* Booking id as viewer may see it: the booker and those who manage the
 * room (others: RC_NOT_FOUND). */
enum rc room_booking_read(struct db *db, const struct principal *viewer, int64_t id,
			  struct room_booking *out, struct problem *prob);
/* True if viewer may see the booker and purpose of b (its booker, or one
 * who manages its room). */
bool room_booking_may_see_all(const struct principal *viewer, const struct room_booking *b);

/* Bookings of station_id's rooms that meet [from_s, to_s), oldest first,
 * those declined and cancelled left out. *items is *new*. */
enum rc room_calendar(struct db *db, int64_t station_id, int64_t from_s, int64_t to_s,
		      struct room_booking **items, size_t *n, struct problem *prob);
/* viewer's own bookings, newest start first (at most limit). */
enum rc room_bookings_mine(struct db *db, const struct principal *viewer, size_t limit,
			   struct room_booking **items, size_t *n, struct problem *prob);
/* The bookings viewer manages (of station_id, 0: every station it may),
 * in state (NULL: pending and approved) that have not ended, soonest
 * first, at most limit. */
enum rc room_bookings_managed(struct db *db, const struct principal *viewer, int64_t station_id,
			      const char *state, size_t limit, struct room_booking **items,
			      size_t *n, struct problem *prob);

/* One pass of the release job at now_s: every booking pending or approved
 * and not checked in by its start + ROOM_RELEASE_AFTER_S is released (the
 * state compared and set in one statement: with several servers, once),
 * with its audit row and event, and its booker told. *released gets how
 * many. */
enum rc room_release_due(struct db *db, int64_t now_s, int *released, struct problem *prob);

#endif
