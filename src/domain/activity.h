/* Activities: trainings, party lessons and meetings (三会一课), free
 * clinics, cultural events, volunteer projects, after-hours service desks
 * and deliberation meetings (板凳会), at a station or a place.
 *
 *   draft ─publish→ published ─(ends, no-shows marked)→ done
 *                      └─cancel→ cancelled (participants told; points untouched)
 *
 * Staff of the activity's region or station (ACT_ACTIVITY_MANAGE there)
 * and its organiser manage it; anybody reads a published one. People sign
 * up while it is published and before its cut-off, if they are of its
 * audience (everyone, workers, party members, a team, a party
 * organisation): a seat while seats are free, else a place on the waitlist.
 * Seats are a counter on the activity row with a CHECK, taken while that
 * row is locked (PostgreSQL's row lock, SQLite's write lock), so no two
 * sign-ups take the last seat; a seat freed (a cancellation, more
 * capacity) goes to the first on the waitlist in the same transaction,
 * and they are told. Attendance comes from scanning the activity's code
 * (its secret token, within 30 minutes of the start until the end; a
 * check-in with purpose "activity" at its station) or from the organiser;
 * each attendance records "activity.attended" once, from which points are
 * awarded. Every write is an audit row and an "activity.…" event. */
#ifndef YZ_DOMAIN_ACTIVITY_H
#define YZ_DOMAIN_ACTIVITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/field.h"

#define ACTIVITY_TITLE_MAX	60   /* characters */
#define ACTIVITY_TEXT_MAX	4000 /* description, minutes, outcome */
#define ACTIVITY_PLACE_MAX	120
#define ACTIVITY_CAPACITY_MAX	100000
#define ACTIVITY_POINTS_MAX	1000
#define ACTIVITY_DESK_ITEMS_MAX 40
#define ACTIVITY_ITEM_MAX	40   /* characters of a service item's name */
#define ACTIVITY_EARLY_S	1800 /* attendance opens this long before the start */
#define ACTIVITY_GRACE_S	3600 /* after the end, the signed-up who never came are no-shows */
#define ACTIVITY_TOKEN_CAP	64
#define ACTIVITY_PROBLEM_MAX	300 /* characters of a deliberation problem */

#define EVENT_ACTIVITY_ATTENDED "activity.attended"

extern const struct field_choice activity_kinds[];
extern const struct field_choice activity_states[];
extern const struct field_choice activity_audiences[];
extern const struct field_choice activity_signup_states[];

struct activity {
	int64_t id;
	char kind[16];
	char title[ACTIVITY_TITLE_MAX * 4 + 1];
	char *description; /* *new* (all the char * members), freed by activity_release */
	int64_t station_id;
	char station_name[241];
	char station_address[481];
	bool has_location; /* the station's */
	double lat, lng;
	char place[ACTIVITY_PLACE_MAX * 4 + 1];
	char region_code[13];
	int64_t starts_s, ends_s, signup_cutoff_s;
	int capacity, seats_taken, waitlisted;
	char audience[12];
	int64_t audience_ref;
	char audience_name[241];
	int points;
	int64_t organiser_id;
	char organiser_name[97];
	char state[12];
	int sequence;
	int64_t project_id, party_org_id;
	char party_org_name[241];
	char *minutes, *topic, *participants, *outcome, *cancel_reason;
	int64_t closed_s, created_s, updated_s;
	int version;
	char attend_token[ACTIVITY_TOKEN_CAP];
};
void activity_release(struct activity *a);

/* What a create or a change sets; text is borrowed. A change sets what is
 * given (has_*). */
struct activity_input {
	bool has_kind, has_title, has_description, has_station, has_place, has_region, has_starts,
		has_ends, has_cutoff, has_capacity, has_audience, has_points, has_project,
		has_party_org, has_minutes, has_topic, has_participants, has_outcome, has_items;
	const char *kind, *title, *description, *place, *region_code, *audience;
	const char *minutes, *topic, *participants, *outcome;
	int64_t station_id, starts_s, ends_s, signup_cutoff_s, audience_ref, project_id,
		party_org_id;
	int capacity, points;
	int version; /* > 0: refuse (RC_CONFLICT) if the activity changed since */
	/* An after-hours desk's service items (names); a create or a change. */
	size_t nitems;
	const char *items[ACTIVITY_DESK_ITEMS_MAX];
};

/* True if p may manage a (its organiser, or ACT_ACTIVITY_MANAGE at its
 * region and station). */
bool activity_may_manage(const struct principal *p, const struct activity *a);

/* Creates a draft (ACT_ACTIVITY_MANAGE at its station or region; the
 * creator is its organiser). Every field error at once. */
enum rc activity_create(struct db_tx *tx, const struct actor *actor,
			const struct activity_input *in, int64_t *id, struct problem *prob);
/* Changes what in gives. A published activity's change that people see
 * (times, place, title, description) bumps its sequence and tells its
 * participants; more capacity promotes the waitlist, less than the seats
 * taken is RC_CONFLICT. */
enum rc activity_update(struct db_tx *tx, const struct actor *actor, int64_t id,
			const struct activity_input *in, struct problem *prob);
/* draft → published. */
enum rc activity_publish(struct db_tx *tx, const struct actor *actor, int64_t id,
			 struct problem *prob);
/* → cancelled, with a reason; every participant and waitlisted told. */
enum rc activity_cancel(struct db_tx *tx, const struct actor *actor, int64_t id, const char *reason,
			struct problem *prob);

/* Reads one: published, cancelled and done ones for anybody, drafts for
 * those who manage it (RC_NOT_FOUND otherwise). The token is cleared
 * unless viewer manages it. Release with activity_release. */
enum rc activity_read(struct db *db, const struct principal *viewer, int64_t id,
		      struct activity *out, struct problem *prob);

struct activity_filter {
	const char *kind;   /* NULL: any */
	int64_t station_id; /* 0: any */
	char region[13];    /* a code prefix; "" any */
	bool near;	    /* within radius_m of (lat, lng), nearest first */
	double lat, lng, radius_m;
	bool upcoming;	      /* not ended yet (else: from from_s) */
	int64_t from_s, to_s; /* starts within [from_s, to_s]; 0 unbounded */
	bool drafts;	      /* include the drafts viewer manages */
	bool with_cancelled;  /* the cancelled too (calendars) */
};
struct activity_page {
	size_t n;
	struct activity *items;
	double *distance_m; /* near: each item's distance; else NULL */
};
/* Activities by filter, soonest first (nearest first when near), at most
 * limit. */
enum rc activity_list(struct db *db, const struct principal *viewer,
		      const struct activity_filter *f, size_t limit, struct activity_page *page,
		      struct problem *prob);
void activity_page_release(struct activity_page *page);

/* A person's sign-up. */
struct activity_signup {
	int64_t id, activity_id, account_id;
	char account_name[97];
	char state[12];
	int64_t position;      /* place in line; waitlist_position counts the waitlisted before */
	int waitlist_position; /* 1 = next to be promoted; 0 when not waitlisted */
	bool walk_in;
	char how[12];
	int64_t created_s, attended_s;
};

/* Signs actor up for activity id: RC_CONFLICT "already-signed-up",
 * "signup-closed" (after the cut-off, naming it), "not-open" (not
 * published); RC_FORBIDDEN "not-eligible" naming the audience. out gets the
 * sign-up (signed or waitlisted). */
enum rc activity_signup(struct db_tx *tx, const struct actor *actor, int64_t id,
			struct activity_signup *out, struct problem *prob);
/* Cancels actor's own sign-up until the cut-off (RC_CONFLICT
 * "cancel-closed" after it, naming it); a freed seat goes to the first on
 * the waitlist. */
enum rc activity_signup_cancel(struct db_tx *tx, const struct actor *actor, int64_t id,
			       struct problem *prob);
/* viewer's sign-up of activity id, if any (found false when none). */
enum rc activity_my_signup(struct db *db, const struct principal *viewer, int64_t id,
			   struct activity_signup *out, bool *found, struct problem *prob);

/* Attendance by the activity's code: token must be the activity's
 * (RC_FORBIDDEN "bad-token"), now within [start − ACTIVITY_EARLY_S, end]
 * (RC_CONFLICT "not-now"), the activity published. A signed-up (or
 * no-show) person is marked attended; one without a seat takes a free one
 * as a walk-in, else RC_CONFLICT "full". At a station, a check-in with
 * purpose "activity" too. *already: they had been marked before (nothing
 * new recorded). */
enum rc activity_attend(struct db_tx *tx, const struct actor *actor, int64_t id, const char *token,
			const char *client_ip, struct activity_signup *out, bool *already,
			struct problem *prob);
/* The organiser marks account_id: "attended" (signed, no-show or
 * waitlisted with a free seat) or "no_show" (signed, once the activity has
 * started). Marking what is marked already changes nothing. */
enum rc activity_mark(struct db_tx *tx, const struct actor *actor, int64_t id, int64_t account_id,
		      const char *state, struct problem *prob);

/* The sign-ups of activity id, in line order (managers only). *items is
 * *new*. */
enum rc activity_sheet(struct db *db, const struct principal *viewer, int64_t id,
		       struct activity_signup **items, size_t *n, struct problem *prob);

/* The activities account_id signed up for (cancelled sign-ups too), with
 * the sign-ups, soonest first; only those not ended yet if upcoming. items and signups are parallel; both *new* (release
 * items with activity_page_release on a page made of them). */
enum rc activity_mine(struct db *db, int64_t account_id, bool upcoming, struct activity_page *page,
		      struct activity_signup **signups, struct problem *prob);

/* An after-hours desk's service items and how many each served. */
struct activity_desk_item {
	char item[ACTIVITY_ITEM_MAX * 4 + 1];
	int served;
};
enum rc activity_desk_items(struct db *db, int64_t id, struct activity_desk_item **items, size_t *n,
			    struct problem *prob);
/* Sets the counts served (managers; items must be the desk's). */
enum rc activity_desk_count(struct db_tx *tx, const struct actor *actor, int64_t id,
			    const struct activity_desk_item *items, size_t n, struct problem *prob);

/* A deliberation meeting's problem. */
struct activity_problem {
	int64_t id;
	char text[ACTIVITY_PROBLEM_MAX * 4 + 1];
	bool solved;
	int64_t request_id;
};
enum rc activity_problems(struct db *db, int64_t id, struct activity_problem **items, size_t *n,
			  struct problem *prob);
/* Adds a problem to deliberation meeting id (managers); open_request
 * files it as a suggestion of category (the request domain's rules) at
 * the meeting's station or region, linked both ways. */
enum rc activity_problem_add(struct db_tx *tx, const struct actor *actor, int64_t id,
			     const char *text, bool solved, bool open_request, const char *category,
			     struct activity_problem *out, struct problem *prob);

/* The private calendar feed: a new token for actor (the old one stops
 * working), into token (ACTIVITY_TOKEN_CAP). */
enum rc activity_feed_token(struct db_tx *tx, const struct actor *actor, char *token,
			    struct problem *prob);
/* The account a feed token belongs to (RC_NOT_FOUND). */
enum rc activity_feed_account(struct db *db, const char *token, int64_t *account_id,
			      struct problem *prob);

/* The background step at now_s: reminders a day and an hour before to
 * the signed-up (each sent once, claimed in one statement, so several
 * servers never send twice), and, past the end plus ACTIVITY_GRACE_S,
 * the signed-up who never came marked no_show and the activity done.
 * *sent and *closed (may be NULL) get how many. */
enum rc activity_tick(struct db *db, int64_t now_s, int *sent, int *closed, struct problem *prob);

/* The eligibility rule alone, for tests: whether a person with categories
 * (person.h bits), team membership and party organisation membership may
 * join audience. */
bool activity_audience_admits(const char *audience, int64_t categories, bool in_team,
			      bool in_party_org);

#endif
