/* Check-ins (报到): a signed-in person scans a station's QR code and says
 * why they came — registration, a party member's report-in, an activity,
 * the start of a shift, a rest. The same person at the same station within
 * ten minutes is one check-in, however often the phone retries. A new
 * worker's first check-in places them in that station's community (and its
 * grid, when the community has one) unless staff placed them already.
 * Each check-in is an audit row and a "checkin.created" event, in the
 * transaction that records it. */
#ifndef YZ_DOMAIN_CHECKIN_H
#define YZ_DOMAIN_CHECKIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/field.h"

#define CHECKIN_DEDUP_S	      600 /* the same person at the same station: one check-in */
#define EVENT_CHECKIN_CREATED "checkin.created"

/* The purposes, by code. */
extern const struct field_choice checkin_purposes[];

struct checkin {
	int64_t id;
	int64_t person_id;
	int64_t station_id;
	char station_name[256];
	char purpose[24];
	char region_code[13];
	int64_t at_s;
	char day[11];
};

struct checkin_result {
	struct checkin c;
	bool duplicate;	     /* the person had checked in here within ten minutes */
	bool placed;	     /* this check-in set the person's community */
	int64_t today_count; /* check-ins at the station today, this one included */
};

/* Checks the signed-in actor in at the station whose QR code carries
 * token, for purpose (a code of checkin_purposes). RC_NOT_FOUND for an
 * unknown or replaced code, RC_CONFLICT ("station-closed") for a station
 * that is not open now, RC_INVALID for an unknown purpose. The actor's
 * person is made from their account if the ledger has none. */
enum rc checkin_record(struct db_tx *tx, const struct actor *actor, const char *token,
		       const char *purpose, const char *client_ip, struct checkin_result *out,
		       struct problem *prob);

/* checkin_record at station_id without its code, for a code that named
 * the station and was verified already (an activity's: its own time window
 * stands for the station's hours). RC_NOT_FOUND for no such station. */
enum rc checkin_record_station(struct db_tx *tx, const struct actor *actor, int64_t station_id,
			       const char *purpose, const char *client_ip,
			       struct checkin_result *out, struct problem *prob);
/* The city's date of Unix time t ("YYYY-MM-DD"). */
void checkin_day(int64_t t_s, char out[11]);

/* Check-ins at station id on day (the city's date), counted. */
enum rc checkin_count_station(struct db *db, int64_t station_id, const char *day, int64_t *n,
			      struct problem *prob);

/* A person's own check-ins, newest first, at most limit; *items is *new*. */
enum rc checkin_list_person(struct db *db, int64_t person_id, size_t limit, struct checkin **items,
			    size_t *n, struct problem *prob);

/* Check-ins on day per station and per street within region (a prefix),
 * for those who may read them (ACT_CHECKIN_READ there; a station manager
 * asks with the station's own region and sees their station). */
struct checkin_tally {
	size_t nstations, nstreets;
	int64_t total;
	struct {
		int64_t station_id;
		char name[256];
		char region_code[13];
		int64_t n;
	} * stations;
	struct {
		char code[13];
		int64_t n;
	} * streets;
};
enum rc checkin_tally(struct db *db, const struct principal *viewer, const char *region,
		      const char *day, struct checkin_tally *out, struct problem *prob);
void checkin_tally_release(struct checkin_tally *t);

#endif
