/* Stations: the registry of service posts — name, level, theme, hub, region,
 * address, WGS-84 location, amenities from the catalog, weekly hours with
 * dated exceptions, temporary closure, phone, stars, rooms, and the secret of
 * the check-in QR code. Writes run inside the caller's transaction, check the
 * permission against the station's scope, and record their audit row. Reads
 * on the hot path come from the snapshot (station_snapshot.h), not here. */
#ifndef YZ_DOMAIN_STATION_H
#define YZ_DOMAIN_STATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/field.h"
#include "domain/hours.h"

#define STATION_NAME_MAX	  64  /* characters */
#define STATION_ADDRESS_MAX	  128 /* characters */
#define STATION_DESCRIPTION_MAX	  500 /* characters */
#define STATION_ROOMS_MAX	  16
#define STATION_STARS_MAX	  5
#define STATION_ROOM_CAPACITY_MAX 10000 /* people */
#define AMENITY_SORT_MAX	  99999 /* catalog order: 0 … this */
#define STATION_QR_TOKEN_CAP	  48

/* Levels and themes: code, 中文, English. NULL-terminated tables. */
extern const struct field_choice station_levels[];
extern const struct field_choice station_themes[];
/* Index of code in table, or -1. */
int station_kind_find(const struct field_choice *table, const char *code);

/* The station's field table (field.h): its fields, columns, limits, who
 * sees and who may change each. */
extern const struct noun station_noun;

struct amenity {
	char code[24];
	int bit;
	char name_zh[32];
	char name_en[48];
	char icon[16];
	int sort;
};

/* Loads the amenity catalog ordered by sort (*items new; free()). */
enum rc amenity_catalog(struct db *db, struct amenity **items, size_t *n, struct problem *prob);
/* Adds or renames a catalog entry (ACT_CATALOG_EDIT); a new code gets the
 * lowest free bit. RC_CONFLICT when all 64 bits are used. */
enum rc amenity_upsert(struct db_tx *tx, const struct actor *actor, const struct amenity *in,
		       struct problem *prob);

struct station_room {
	int64_t id;
	char name[96];
	int capacity;
};

struct station {
	int64_t id;
	char name[STATION_NAME_MAX * 4 + 1];
	char level[16];
	char theme[24];
	int64_t parent_id; /* 0: none */
	char region_code[13];
	char address[STATION_ADDRESS_MAX * 4 + 1];
	double lat, lng; /* WGS-84 */
	char phone[32];
	int stars;
	char description[1024];
	char closed_reason[256];
	char qr_token[STATION_QR_TOKEN_CAP];
	uint64_t amenities; /* bitset by catalog bit */
	struct hours hours; /* includes closed / closed_until_s */
	char exception_notes[HOURS_EXCEPTIONS_MAX][96];
	size_t nrooms;
	struct station_room rooms[STATION_ROOMS_MAX];
	int64_t version;
	int64_t created_s, updated_s;
};

/* What a create or update sets. For an update, only fields whose has_ flag
 * is true change; for a create, name, level, region_code, address and the
 * location are required. Strings are borrowed. */
struct station_input {
	bool has_name, has_level, has_theme, has_parent, has_region, has_address, has_location,
		has_phone, has_stars, has_description, has_amenities, has_hours, has_rooms;
	const char *name, *level, *theme, *region_code, *address, *phone, *description;
	int64_t parent_id;
	double lat, lng; /* WGS-84 */
	int stars;
	const char *amenities[64];
	size_t namenities;
	struct hours hours; /* ranges and exceptions only */
	char exception_notes[HOURS_EXCEPTIONS_MAX][96];
	struct station_room rooms[STATION_ROOMS_MAX];
	size_t nrooms;
};

/* Checks in without writing, as create (all required fields) or update
 * (only the given ones). RC_INVALID with every field error in prob; the
 * database's error if a lookup (region, amenity) failed; else RC_OK. */
enum rc station_validate(struct db *db, const struct station_input *in, bool create,
			 struct problem *prob);
/* Creates a station (ACT_STATION_CREATE over its region). Field errors for
 * every bad field at once. *id gets the new id. */
enum rc station_create(struct db_tx *tx, const struct actor *actor, const struct station_input *in,
		       int64_t *id, struct problem *prob);
/* Changes a station (ACT_STATION_EDIT over it: admins anywhere in scope,
 * staff in their region, managers at their station). */
enum rc station_update(struct db_tx *tx, const struct actor *actor, int64_t id,
		       const struct station_input *in, struct problem *prob);
/* Temporarily closes (with a reason, until until_s or 0 for "until
 * reopened") or reopens a station. */
enum rc station_set_closed(struct db_tx *tx, const struct actor *actor, int64_t id, bool closed,
			   const char *reason, int64_t until_s, struct problem *prob);
/* Replaces the QR secret (ACT_QR_ROTATE); the old printed code stops working. */
enum rc station_rotate_qr(struct db_tx *tx, const struct actor *actor, int64_t id,
			  struct problem *prob);
/* Reads one station in full. */
enum rc station_get(struct db *db, int64_t id, struct station *out, struct problem *prob);
/* Calls fn for every station in id order (for building the snapshot). The
 * station passed is borrowed for the call. */
enum rc station_each(struct db *db, void (*fn)(const struct station *s, void *ctx), void *ctx,
		     struct problem *prob);
/* True if the actor may edit station s (for showing the edit form). */
bool station_may_edit(const struct actor *actor, const struct station *s);
/* The input fields of s the actor may change ("name", "hours", "stars" …:
 * a manager the day-to-day ones, staff also what the station is, admins also
 * its stars), as static strings into out; returns how many (0 for someone
 * who may not edit s at all). */
size_t station_editable(const struct actor *actor, const struct station *s, const char *out[],
			size_t cap);
/* The id of the station whose QR code carries token. RC_NOT_FOUND (with
 * words for someone who scanned an old code) if none does. */
enum rc station_by_qr(struct db *db, const char *token, int64_t *id, struct problem *prob);
/* The station whose QR code carries token, with only what a check-in
 * needs: id, name, region_code and hours (closure and exceptions too);
 * everything else zero. RC_NOT_FOUND as station_by_qr. */
enum rc station_by_qr_hours(struct db *db, const char *token, struct station *out,
			    struct problem *prob);
/* The region code station id lies in, into out ("" if there is no such
 * station): the scope of its audit rows. */
enum rc station_region_of(struct db *db, int64_t id, char out[SCOPE_MAX], struct problem *prob);

#endif
