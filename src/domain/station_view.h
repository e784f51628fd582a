/* A station as one person sees it in full: the station itself, the amenity
 * catalog its codes refer to, its photos, and what that person may do with
 * it — the one read behind a station's page and its detail in the API. And
 * the check-in QR secret, for those who keep the station. */
#ifndef YZ_DOMAIN_STATION_VIEW_H
#define YZ_DOMAIN_STATION_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/photo.h"
#include "domain/station.h"

#define STATION_EDITABLE_MAX 24

struct station_view {
	struct station station;
	struct amenity *catalog; /* by sort order */
	size_t ncatalog;
	struct photo photos[STATION_PHOTOS_MAX];
	size_t nphotos;
	bool can_edit;				    /* the viewer keeps this station */
	const char *editable[STATION_EDITABLE_MAX]; /* the fields the viewer may change */
	size_t neditable;
};

/* Reads station id as actor sees it into *out (new: station_view_free).
 * RC_NOT_FOUND if there is none. */
enum rc station_view_read(struct db *db, const struct actor *actor, int64_t id,
			  struct station_view **out, struct problem *prob);
void station_view_free(struct station_view *v);

/* The secret of station id's check-in QR code into out, for those who may
 * edit the station (they print it); RC_FORBIDDEN for anyone else. */
enum rc station_qr_secret(struct db *db, const struct actor *actor, int64_t id,
			  char out[STATION_QR_TOKEN_CAP], struct problem *prob);

#endif
