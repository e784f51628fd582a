/* Photos: pictures stored in the content-addressed folder (core/blob.h) with
 * a row each, and the photos a station shows. The picture's files are
 * written and synced before the transaction that adds its rows, so a row
 * never points at a missing file; files whose transaction failed are
 * collected by photo_collect at start-up. */
#ifndef YZ_DOMAIN_PHOTO_H
#define YZ_DOMAIN_PHOTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/blob.h"
#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "media/image.h"

#define STATION_PHOTOS_MAX  12
#define PHOTO_CAPTION_MAX   60 /* characters */
#define PHOTO_CAPTION_BYTES (PHOTO_CAPTION_MAX * 4 + 1)
#define PHOTO_EXT	    ".jpg"

struct photo {
	int64_t id;
	char sha256[BLOB_HASH_HEX];
	char thumb_sha256[BLOB_HASH_HEX];
	int width, height;
	int64_t bytes;
	int position; /* within the station */
	char caption[PHOTO_CAPTION_BYTES];
	int64_t added_s;
};

/* The stored files of a new picture (already synced). */
struct photo_files {
	char sha256[BLOB_HASH_HEX];
	char thumb_sha256[BLOB_HASH_HEX];
	int width, height;
	int64_t bytes;
};

/* Whether actor may change station id's photos: RC_OK, RC_FORBIDDEN or
 * RC_NOT_FOUND. Asked before the upload's work, and again in the write. */
enum rc station_photo_may_edit(struct db *db, const struct actor *actor, int64_t station_id,
			       struct problem *prob);
/* Makes the caption a person typed (NULL: none) ready to store: the text
 * inside the white space around it, copied into out. False, with a field
 * error on "caption", when it is not UTF-8, holds a control character (a new
 * line too) or a bidirectional override, or is longer than PHOTO_CAPTION_MAX
 * characters once trimmed; out is then "". */
bool photo_caption_clean(const char *caption, char out[PHOTO_CAPTION_BYTES], struct problem *prob);
/* The first half of adding a photo, before its transaction: checks that
 * actor may change station id's photos and the caption (cleaned into
 * caption_out), then decodes the picture, turns it upright, strips what it
 * says about where it was taken and re-encodes it with its thumbnail
 * (media/image.h, within lim), and writes and syncs both files into bs.
 * files gets what station_photo_add needs. Every refusal comes before the
 * costly work. */
enum rc photo_upload_prepare(struct db *db, const struct actor *actor, int64_t station_id,
			     const void *bytes, size_t len, const char *caption,
			     const struct image_limits *lim, const struct blob_store *bs,
			     char caption_out[PHOTO_CAPTION_BYTES], struct photo_files *files,
			     struct problem *prob);
/* Decodes the picture, turns it upright, strips what it says about where
 * it was taken, re-encodes it with its thumbnail (within lim) and writes
 * and syncs both files into bs: the costly half of any photo, before its
 * transaction. */
enum rc photo_files_make(const void *bytes, size_t len, const struct image_limits *lim,
			 const struct blob_store *bs, struct photo_files *files,
			 struct problem *prob);
/* The photos row of files (made once per picture, whoever sent it first):
 * *photo_id gets its id. In the caller's transaction. */
enum rc photo_row(struct db_tx *tx, const struct actor *actor, const struct photo_files *files,
		  int64_t *photo_id, struct problem *prob);
/* Adds the picture to the station, last in order, with its audit row (in
 * the caller's transaction); the caption is cleaned as photo_caption_clean
 * does. Refuses a bad caption (RC_INVALID, field "caption"), a 13th photo
 * (RC_INVALID, "too-many-photos") and the same picture twice (RC_CONFLICT). */
enum rc station_photo_add(struct db_tx *tx, const struct actor *actor, int64_t station_id,
			  const struct photo_files *files, const char *caption, struct photo *out,
			  struct problem *prob);
/* Removes a photo from the station (the file stays while any row names
 * it). RC_NOT_FOUND if the station does not show it. */
enum rc station_photo_remove(struct db_tx *tx, const struct actor *actor, int64_t station_id,
			     int64_t photo_id, struct problem *prob);
/* The station's photos in order, at most STATION_PHOTOS_MAX. */
enum rc station_photos(struct db *db, int64_t station_id, struct photo *out, size_t *n,
		       struct problem *prob);
/* A photo anyone may see (one a station shows); RC_NOT_FOUND otherwise. */
enum rc photo_get_public(struct db *db, int64_t photo_id, struct photo *out, struct problem *prob);
/* Ties the photo folder to this database: a folder this database made its
 * marker for is *ours; a folder another database marked is not (its files
 * are never collected here). */
enum rc photo_folder_claim(struct db *db, const struct blob_store *bs, bool *ours,
			   struct problem *prob);
/* Removes files older than min_age_s that no photo row names; returns how
 * many, or -1. Only for a folder photo_folder_claim called ours. */
long photo_collect(struct db *db, const struct blob_store *bs, int64_t min_age_s,
		   struct problem *prob);

#endif
