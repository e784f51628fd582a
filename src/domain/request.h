/* Requests: the service loop "群众点单、支部派单、党员接单、反馈评单". Seven
 * kinds share one lifecycle:
 *
 *   submitted ─dispatch→ dispatched ─accept→ accepted ─start→ in_progress
 *       │  └─accept (a wish: any volunteer)─┘     └──────resolve──────┐
 *       ├─reject→ rejected                                            v
 *       └─cancel→ cancelled        reopened ←─reopen (7 days)─ resolved ─rate→ rated
 *                                      └─dispatch→ …            └─close→ closed ←─close─┘
 *
 * Each transition names who may take it (the requester, the assignee, a
 * member of the team it was dispatched to, staff of its place) and is a
 * row of the request's history, an audit row and an outbox event
 * ("request.<action>", audience: its community and station). Two members
 * taking one request at once: the version check lets exactly one win; the
 * other gets RC_CONFLICT.
 *
 * Deadlines come from the category (hours to accept, hours to resolve).
 * request_escalate_due, run by a background timer, moves overdue requests
 * up one level (the street, then the district), once per level: the level
 * is compared and set in one statement, so two servers on one database
 * never escalate one request twice. */
#ifndef YZ_DOMAIN_REQUEST_H
#define YZ_DOMAIN_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/field.h"
#include "domain/photo.h"

#define REQUEST_TITLE_MAX   60	 /* characters */
#define REQUEST_TEXT_MAX    2000 /* description, record, parties */
#define REQUEST_NOTE_MAX    500
#define REQUEST_PHOTOS_MAX  6
#define REQUEST_REOPEN_S    (7 * 86400)
#define REQUEST_DUPLICATE_M 50.0
#define REQUEST_DUPLICATE_S (7 * 86400)
#define REQUEST_CODE_CAP    33

#define EVENT_REQUEST_PREFIX "request."

/* The kinds and the states, with their names (code, zh, en). */
extern const struct field_choice request_kinds[];
extern const struct field_choice request_states[];
/* The transitions' names: submit, dispatch, accept, start, resolve, rate,
 * reject, cancel, reopen, close, escalate. */
extern const struct field_choice request_actions[];

/* The Chinese name of code among choices (the code itself when unknown,
 * "" for NULL), and whether code names a kind. */
const char *request_name(const struct field_choice *choices, const char *code);
bool request_kind_known(const char *kind);

struct request {
	int64_t id;
	char kind[16];
	char category[REQUEST_CODE_CAP];
	char title[REQUEST_TITLE_MAX * 4 + 1];
	char *description; /* *new*, freed by request_release */
	char state[16];
	bool has_location;
	double lat, lng; /* WGS-84 */
	int64_t station_id;
	char station_name[241];
	char region_code[13];
	int64_t requester_id;
	char requester_name[97];
	int64_t assignee_id;
	char assignee_name[97];
	int64_t team_id;
	char team_name[241];
	int rating; /* 0: not rated */
	char *rating_comment;
	char *parties; /* mediation; *new* */
	bool major;
	int settled;			   /* -1 not yet, 0 no, 1 yes */
	char *household, *reason, *record; /* visit; *new* */
	int proof_count;		   /* task; -1 none */
	int64_t project_id;
	int64_t respond_due_s, resolve_due_s;
	int escalation;
	int64_t escalated_s, created_s, updated_s, dispatched_s, accepted_s, resolved_s, closed_s;
	int version;
	int followers;
};
void request_release(struct request *r);

/* What a person files. Text is borrowed. */
struct request_input {
	const char *kind, *category, *title, *description;
	bool has_location;
	double lat, lng;		/* WGS-84 */
	int64_t station_id;		/* 0: none */
	const char *region_code;	/* NULL: the station's, else the requester's community */
	const char *parties;		/* mediation */
	bool major;			/* mediation */
	const char *household, *reason; /* visit */
	int64_t assignee_id;		/* task, visit: filed straight to someone (staff only) */
};

/* Files a request: checks every field (field errors at once), the kind
 * and category, that the location lies in China, that the station exists;
 * mediation, task and visit may be filed only by staff of the place
 * (RC_FORBIDDEN). Writes the row, its "submit" history row, audit and
 * event; when filed straight to an assignee, it is dispatched at once. */
enum rc request_create(struct db_tx *tx, const struct actor *actor, const struct request_input *in,
		       int64_t *id, struct problem *prob);

/* One step of the lifecycle. Text is borrowed. */
struct request_step {
	const char *action;  /* dispatch, accept, start, resolve, rate, reject, cancel,
			       * reopen, close */
	int version;	     /* > 0: refuse (RC_CONFLICT) if the request changed since */
	int64_t assignee_id; /* dispatch: an account */
	int64_t team_id;     /* dispatch: a team, whoever of it takes it first */
	int rating;	     /* rate: 1–5 */
	const char *comment; /* rate */
	const char *note;    /* any: kept in the history */
	int settled;	     /* resolve a mediation: 1 settled, 0 not; -1 not given */
	const char *record;  /* resolve a visit: required */
	int proof_count;     /* resolve a task: how many; -1 not given (and a proof photo
			       * must have been added) */
};

/* Takes step on request id for actor: checks the transition is allowed from
 * the current state (RC_CONFLICT "invalid-transition", naming both) and by
 * this person (RC_FORBIDDEN naming who may), then writes. out (may be NULL)
 * gets the request as it is after the step. */
enum rc request_step(struct db_tx *tx, const struct actor *actor, int64_t id,
		     const struct request_step *step, struct problem *prob);

/* Reads request id for viewer: the requester, the assignee, members of its
 * team, followers, and staff who may read requests at its place. Others
 * get RC_NOT_FOUND (a request's existence is not told). Mediation parties
 * are masked unless the viewer may dispatch it. out is released with
 * request_release. */
enum rc request_read(struct db *db, const struct principal *viewer, int64_t id, struct request *out,
		     struct problem *prob);
/* What viewer may do next with r: the actions, into out[0..cap). */
size_t request_next_actions(struct db *db, const struct principal *viewer, const struct request *r,
			    const char *out[], size_t cap);

/* A row of a request's history. */
struct request_event {
	int64_t id, at_s, actor_id;
	char actor_label[97];
	char action[16], from_state[16], to_state[16];
	char note[REQUEST_NOTE_MAX * 4 + 1];
};
/* The history of a request viewer may read (request_read's rule), oldest
 * first; *items is *new*. */
enum rc request_history(struct db *db, const struct principal *viewer, int64_t id,
			struct request_event **items, size_t *n, struct problem *prob);

/* Which requests a list shows. */
struct request_filter {
	const char *kind;  /* NULL: any */
	const char *state; /* NULL: any; "open": not resolved, rated, rejected, cancelled or
			    * closed */
	const char *category;
	char region[13];    /* a code prefix within the viewer's scope */
	int64_t station_id; /* 0: any */
	bool mine;	    /* filed by the viewer */
	bool assigned;	    /* assigned to the viewer or open to a team of theirs */
	bool overdue;	    /* past a deadline */
	bool wall;	    /* the wish wall: open wishes, for anyone signed in (kind wish) */
};
struct request_page {
	size_t n;
	struct request *items;
	int64_t next_before_id; /* 0: no more */
};
/* Newest first, before before_id (0: from the newest). mine and assigned
 * lists are the viewer's own; otherwise staff see their scope's
 * (RC_FORBIDDEN for a region outside it). */
enum rc request_list(struct db *db, const struct principal *viewer, const struct request_filter *f,
		     int64_t before_id, size_t limit, struct request_page *page,
		     struct problem *prob);
void request_page_release(struct request_page *page);

/* The public view (Open311, api/open311.c). Anyone may see reports and
 * suggestions that were not rejected or cancelled; a viewer (NULL:
 * anonymous) also sees what request_read lets it read. */
bool request_is_public(const struct request *r);
/* True if viewer (NULL: anonymous) may read r whole: request_read's rule. */
bool request_may_read(struct db *db, const struct principal *viewer, const struct request *r);
struct request_public_filter {
	const int64_t *ids; /* only these (nids of them); nids 0: any */
	size_t nids;
	const char *kind, *category; /* NULL: any */
	int64_t from_s, to_s;	     /* created in [from_s, to_s]; 0: unbounded */
	int status;		     /* 0 any, 1 open (not ended), 2 closed */
};
/* Newest first, at most limit, each one public or readable by viewer.
 * page->next_before_id is 0. */
enum rc request_public_list(struct db *db, const struct principal *viewer,
			    const struct request_public_filter *f, size_t limit,
			    struct request_page *page, struct problem *prob);
/* Request id if it is public or viewer may read it (RC_NOT_FOUND
 * otherwise); *full is true when viewer may read it whole (request_read's
 * rule). out is released with request_release. */
enum rc request_public_read(struct db *db, const struct principal *viewer, int64_t id,
			    struct request *out, bool *full, struct problem *prob);
/* The note of the latest history row that has one, into note (cap bytes;
 * "" when none). */
enum rc request_last_note(struct db *db, int64_t id, char *note, size_t cap, struct problem *prob);

/* Open reports of category within REQUEST_DUPLICATE_M of (lat, lng) filed
 * in the last REQUEST_DUPLICATE_S: the ones a new report could join.
 * Only what anyone may see of them (id, title, state, distance). */
struct request_nearby {
	int64_t id;
	char title[REQUEST_TITLE_MAX * 4 + 1];
	char state[16];
	double distance_m;
	int64_t created_s;
	int followers;
};
enum rc request_duplicates(struct db *db, const char *kind, const char *category, double lat,
			   double lng, struct request_nearby **items, size_t *n,
			   struct problem *prob);
/* Joins actor to report id ("I see it too"): a follower is told of its
 * progress. RC_CONFLICT if the report is no longer open. */
enum rc request_follow(struct db_tx *tx, const struct actor *actor, int64_t id,
		       struct problem *prob);

/* Adds a photo (its files already made with photo_files_make) to request
 * id: role "request" by the requester before it is accepted, "proof" by
 * the assignee while working. */
enum rc request_photo_add(struct db_tx *tx, const struct actor *actor, int64_t id, const char *role,
			  const struct photo_files *files, struct photo *out, struct problem *prob);
/* Whether actor may add a photo of role to request id (before the work of
 * decoding it). */
enum rc request_photo_may_add(struct db *db, const struct actor *actor, int64_t id,
			      const char *role, struct problem *prob);
/* The photos of a request viewer may read, in order added. */
struct request_photo {
	struct photo photo;
	char role[8];
};
enum rc request_photos(struct db *db, int64_t id, struct request_photo **items, size_t *n,
		       struct problem *prob);
/* A photo of a request viewer may read; RC_NOT_FOUND otherwise. */
enum rc request_photo_get(struct db *db, const struct principal *viewer, int64_t photo_id,
			  struct photo *out, struct problem *prob);

/* Turns suggestion id into a service project (staff of its place): the
 * project row, the link, a "close" step with the project in the note, and
 * the requester is told. */
enum rc request_to_project(struct db_tx *tx, const struct actor *actor, int64_t id,
			   const char *title, const char *starts_on, int64_t *project_id,
			   struct problem *prob);

/* Counts for dashboards within region (viewer's scope): per kind and
 * state, per community, and mediation's cases, major ones and settled
 * share. */
struct request_stats {
	int64_t total, open, overdue;
	int64_t by_kind_state[7][10];
	int64_t mediation_cases, mediation_major, mediation_settled, mediation_closed;
	double mediation_success; /* settled / decided, 0 when none */
	double rating_avg;
	int64_t rated;
	size_t nregions;
	struct {
		char code[13];
		int64_t n, open;
	} regions[64];
};
enum rc request_stats(struct db *db, const struct principal *viewer, const char *region,
		      struct request_stats *out, struct problem *prob);

/* The catalog of categories (request_category.c): kind, code, names,
 * deadlines in hours, place in the list, and whether it is retired (offered
 * for no new request; the requests filed under it keep it). Kind NULL or ""
 * lists every kind's. */
#define REQUEST_CATEGORY_NAME_MAX    20	  /* characters */
#define REQUEST_CATEGORY_NAME_EN_MAX 60	  /* characters */
#define REQUEST_RESPOND_H_MAX	     720  /* 30 days to accept */
#define REQUEST_RESOLVE_H_MAX	     8760 /* a year to resolve */
#define REQUEST_CATEGORY_SORT_MAX    9999
struct request_category {
	char kind[16];
	char code[REQUEST_CODE_CAP];
	char name_zh[97], name_en[241];
	int respond_h, resolve_h, sort;
	bool retired;
};
enum rc request_categories(struct db *db, const char *kind, struct request_category **items,
			   size_t *n, struct problem *prob);

/* Adds the category in->kind/in->code, or changes it: its names, its
 * deadlines (they apply to requests filed from then on), its place in the
 * list, retired or not. The catalog is the city's: only an admin whose
 * scope is the whole city (ACT_CATALOG_EDIT) changes it. *out gets the
 * category as stored, *created whether it is new. */
struct request_category_input {
	const char *kind, *code, *name_zh, *name_en; /* name_en NULL: name_zh */
	int respond_h, resolve_h;
	int sort;     /* when has_sort; else kept (0 for a new one) */
	bool retired; /* when has_retired; else kept (false for a new one) */
	bool has_sort, has_retired;
};
enum rc request_category_put(struct db_tx *tx, const struct actor *actor,
			     const struct request_category_input *in, struct request_category *out,
			     bool *created, struct problem *prob);

/* One pass of the escalation timer at now_s: every open request past a
 * deadline goes up one level (once per level, at most to the district),
 * with its history row, audit and event, and the staff of the new level
 * are told. *escalated gets how many. Safe with several servers. */
enum rc request_escalate_due(struct db *db, int64_t now_s, int *escalated, struct problem *prob);

#endif
