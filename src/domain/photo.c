/* Photo rows and station photos. The files themselves are core/blob's. */
#include "domain/photo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/station.h"

enum rc station_photo_may_edit(struct db *db, const struct actor *actor, int64_t station_id,
			       struct problem *prob)
{
	struct station *s = xmalloc(sizeof(*s));
	enum rc rc = station_get(db, station_id, s, prob);
	if (rc == RC_OK && !station_may_edit(actor, s))
		rc = problem_set(prob, RC_FORBIDDEN, "forbidden",
				 "只有本站站长、所在街道社区工作人员或管理员可以修改照片");
	free(s);
	return rc;
}

bool photo_caption_clean(const char *caption, char out[PHOTO_CAPTION_BYTES], struct problem *prob)
{
	size_t len = caption ? strlen(caption) : 0;
	const char *text = caption;

	out[0] = '\0';
	/* A query string's %ff arrives as the byte 0xff: nothing here may
	 * assume the caption is text until this says so. */
	switch (text_line_fault(caption, len)) {
	case TEXT_FINE: break;
	case TEXT_NOT_UTF8:
		problem_field(prob, "caption", "照片说明不是有效的 UTF-8 文字 (not valid UTF-8)");
		return false;
	case TEXT_CONTROL:
		problem_field(prob, "caption",
			      "照片说明不能包含换行等控制字符 (no control characters)");
		return false;
	case TEXT_BIDI:
		problem_field(prob, "caption",
			      "照片说明不能包含改变文字方向的控制符 (no bidirectional overrides)");
		return false;
	}
	if (len)
		text = text_trim(caption, &len);
	/* A character takes at most four bytes, so text longer than out holds
	 * is too long anyway. */
	if (len < PHOTO_CAPTION_BYTES) {
		/* No caption at all is NULL, which memcpy may not be given even
		 * for no bytes. */
		if (len)
			memcpy(out, text, len);
		out[len] = '\0';
	}
	if (len >= PHOTO_CAPTION_BYTES || text_chars(out) > PHOTO_CAPTION_MAX) {
		out[0] = '\0';
		problem_field(prob, "caption", "最多 %d 个字", PHOTO_CAPTION_MAX);
		return false;
	}
	return true;
}

static void row_to_photo(const struct db_rows *r, size_t i, struct photo *p)
{
	memset(p, 0, sizeof(*p));
	p->id = db_rows_int(r, i, 0);
	text_copy(p->sha256, sizeof(p->sha256), db_rows_text(r, i, 1));
	text_copy(p->thumb_sha256, sizeof(p->thumb_sha256), db_rows_text(r, i, 2));
	p->width = (int)db_rows_int(r, i, 3);
	p->height = (int)db_rows_int(r, i, 4);
	p->bytes = db_rows_int(r, i, 5);
	p->position = (int)db_rows_int(r, i, 6);
	text_copy(p->caption, sizeof(p->caption), db_rows_text(r, i, 7));
	p->added_s = db_rows_int(r, i, 8);
}

#define PHOTO_COLS                                                                              \
	"p.id, p.sha256, p.thumb_sha256, p.width, p.height, p.bytes, sp.position, sp.caption, " \
	"sp.added_s"

enum rc station_photo_add(struct db_tx *tx, const struct actor *actor, int64_t station_id,
			  const struct photo_files *files, const char *caption, struct photo *out,
			  struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	enum rc rc = station_photo_may_edit(db, actor, station_id, prob);
	if (rc != RC_OK)
		return rc;
	char clean[PHOTO_CAPTION_BYTES];
	if (!photo_caption_clean(caption, clean, prob))
		return prob->rc;
	caption = clean;
	int64_t now = clock_now_s();
	int64_t by = actor->p ? actor->p->account_id : 0;

	int64_t photo_id = 0;
	rc = photo_row(tx, actor, files, &photo_id, prob);
	if (rc != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "SELECT (SELECT COUNT(*) FROM station_photos WHERE station_id = $1),"
		  " (SELECT COALESCE(MAX(position), 0) FROM station_photos WHERE station_id = $1)",
		  &rows, prob, DB_I(station_id));
	if (rc != RC_OK)
		return rc;
	int64_t count = db_rows_int(rows, 0, 0);
	int position = (int)db_rows_int(rows, 0, 1) + 1;
	db_rows_free(rows);
	if (count >= STATION_PHOTOS_MAX)
		return problem_set(prob, RC_INVALID, "too-many-photos",
				   "每个驿站最多 %d 张照片，请先删除一张", STATION_PHOTOS_MAX);
	rc = db_q(
		db,
		"INSERT INTO station_photos (station_id, photo_id, position, caption, added_by, added_s)"
		" VALUES ($1, $2, $3, $4, $5, $6)",
		NULL, prob, DB_I(station_id), DB_I(photo_id), DB_I(position), DB_T(caption),
		DB_IOPT(by != 0, by), DB_I(now));
	if (rc == RC_CONFLICT)
		return problem_set(
			prob, RC_CONFLICT, "duplicate-photo",
			"这张照片已经在本站的照片里 (the station shows this photo already)");
	if (rc != RC_OK)
		return rc;

	memset(out, 0, sizeof(*out));
	out->id = photo_id;
	text_copy(out->sha256, sizeof(out->sha256), files->sha256);
	text_copy(out->thumb_sha256, sizeof(out->thumb_sha256), files->thumb_sha256);
	out->width = files->width;
	out->height = files->height;
	out->bytes = files->bytes;
	out->position = position;
	text_copy(out->caption, sizeof(out->caption), caption);
	out->added_s = now;

	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "photo_id", photo_id);
	audit_detail_str(&d, "sha256", files->sha256);
	if (*caption)
		audit_detail_str(&d, "caption", caption);
	char region[SCOPE_MAX];
	rc = station_region_of(db, station_id, region, prob);
	if (rc == RC_OK)
		rc = audit_record_id(tx, actor, "station.photo_add", "station", station_id, region,
				     &d, prob);
	audit_detail_release(&d);
	return rc;
}

enum rc station_photo_remove(struct db_tx *tx, const struct actor *actor, int64_t station_id,
			     int64_t photo_id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	enum rc rc = station_photo_may_edit(db, actor, station_id, prob);
	if (rc != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(
		db,
		"DELETE FROM station_photos WHERE station_id = $1 AND photo_id = $2 RETURNING photo_id",
		&rows, prob, DB_I(station_id), DB_I(photo_id));
	if (rc != RC_OK)
		return rc;
	size_t n = db_rows_count(rows);
	db_rows_free(rows);
	if (n == 0)
		return problem_set(prob, RC_NOT_FOUND, "not-found",
				   "本站没有这张照片 (no such photo)");
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "photo_id", photo_id);
	char region[SCOPE_MAX];
	rc = station_region_of(db, station_id, region, prob);
	if (rc == RC_OK)
		rc = audit_record_id(tx, actor, "station.photo_remove", "station", station_id,
				     region, &d, prob);
	audit_detail_release(&d);
	return rc;
}

enum rc station_photos(struct db *db, int64_t station_id, struct photo *out, size_t *n,
		       struct problem *prob)
{
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT " PHOTO_COLS
			  " FROM station_photos sp JOIN photos p ON p.id = sp.photo_id"
			  " WHERE sp.station_id = $1 ORDER BY sp.position, p.id LIMIT $2",
			  &rows, prob, DB_I(station_id), DB_I(STATION_PHOTOS_MAX));
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; i < db_rows_count(rows); i++)
		row_to_photo(rows, i, &out[(*n)++]);
	db_rows_free(rows);
	return RC_OK;
}

enum rc photo_get_public(struct db *db, int64_t photo_id, struct photo *out, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT " PHOTO_COLS
			  " FROM photos p JOIN station_photos sp ON sp.photo_id = p.id"
			  " WHERE p.id = $1 ORDER BY sp.station_id LIMIT 1",
			  &rows, prob, DB_I(photo_id));
	if (rc != RC_OK)
		return rc;
	bool found = db_rows_count(rows) == 1;
	if (found)
		row_to_photo(rows, 0, out);
	db_rows_free(rows);
	return found ? RC_OK
		     : problem_set(prob, RC_NOT_FOUND, "not-found", "没有这张照片 (no such photo)");
}

enum rc photo_folder_claim(struct db *db, const struct blob_store *bs, bool *ours,
			   struct problem *prob)
{
	*ours = false;
	char id[33];
	bool created;
	enum rc rc = blob_marker(bs, id, &created, prob);
	if (rc != RC_OK)
		return rc;
	if (created) {
		rc = db_q(db, "INSERT INTO photo_folders (marker, created_s) VALUES ($1, $2)", NULL,
			  prob, DB_T(id), DB_I(clock_now_s()));
		*ours = rc == RC_OK;
		return rc;
	}
	struct db_rows *rows = NULL;
	rc = db_q(db, "SELECT 1 FROM photo_folders WHERE marker = $1", &rows, prob, DB_T(id));
	if (rc == RC_OK)
		*ours = db_rows_count(rows) == 1;
	db_rows_free(rows);
	return rc;
}

struct known {
	char (*hashes)[BLOB_HASH_HEX];
	size_t n;
};

static int cmp_hash(const void *a, const void *b)
{
	return strcmp(a, b);
}

static bool keep_known(const char *hex, void *ctx)
{
	const struct known *k = ctx;
	return bsearch(hex, k->hashes, k->n, BLOB_HASH_HEX, cmp_hash) != NULL;
}

long photo_collect(struct db *db, const struct blob_store *bs, int64_t min_age_s,
		   struct problem *prob)
{
	struct db_rows *rows = NULL;
	if (db_exec(db, "SELECT sha256 FROM photos UNION SELECT thumb_sha256 FROM photos", NULL, 0,
		    &rows, prob) != RC_OK)
		return -1;
	struct known k = { .n = db_rows_count(rows) };
	k.hashes = xcalloc(k.n ? k.n : 1, BLOB_HASH_HEX);
	for (size_t i = 0; i < k.n; i++)
		text_copy(k.hashes[i], BLOB_HASH_HEX, db_rows_text(rows, i, 0));
	db_rows_free(rows);
	qsort(k.hashes, k.n, BLOB_HASH_HEX, cmp_hash);
	long removed = blob_collect(bs, min_age_s, keep_known, &k);
	free(k.hashes);
	return removed;
}

enum rc photo_row(struct db_tx *tx, const struct actor *actor, const struct photo_files *files,
		  int64_t *photo_id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	int64_t by = actor && actor->p ? actor->p->account_id : 0;
	/* One row per picture, whoever uploaded it first. */
	enum rc rc = db_q(
		db,
		"INSERT INTO photos (sha256, thumb_sha256, width, height, bytes, created_by, created_s)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256) DO NOTHING",
		NULL, prob, DB_T(files->sha256), DB_T(files->thumb_sha256), DB_I(files->width),
		DB_I(files->height), DB_I(files->bytes), DB_IOPT(by != 0, by), DB_I(clock_now_s()));
	if (rc != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(db, "SELECT id FROM photos WHERE sha256 = $1", &rows, prob, DB_T(files->sha256));
	if (rc != RC_OK)
		return rc;
	*photo_id = db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	return *photo_id ? RC_OK : problem_set(prob, RC_INTERNAL, "internal", "photo row missing");
}

enum rc photo_files_make(const void *bytes, size_t len, const struct image_limits *lim,
			 const struct blob_store *bs, struct photo_files *files,
			 struct problem *prob)
{
	memset(files, 0, sizeof(*files));
	struct image_out img;
	enum rc rc = image_normalize(bytes, len, lim, &img, prob);
	if (rc != RC_OK)
		return rc;
	rc = blob_put(bs, img.full, img.full_len, PHOTO_EXT, files->sha256, prob);
	if (rc == RC_OK)
		rc = blob_put(bs, img.thumb, img.thumb_len, PHOTO_EXT, files->thumb_sha256, prob);
	files->width = img.width;
	files->height = img.height;
	files->bytes = (int64_t)img.full_len;
	image_out_release(&img);
	return rc;
}

enum rc photo_upload_prepare(struct db *db, const struct actor *actor, int64_t station_id,
			     const void *bytes, size_t len, const char *caption,
			     const struct image_limits *lim, const struct blob_store *bs,
			     char caption_out[PHOTO_CAPTION_BYTES], struct photo_files *files,
			     struct problem *prob)
{
	memset(files, 0, sizeof(*files));
	/* A bad caption or a refusal costs nothing: checked before decoding. */
	if (!photo_caption_clean(caption, caption_out, prob))
		return prob->rc;
	enum rc rc = station_photo_may_edit(db, actor, station_id, prob);
	if (rc != RC_OK)
		return rc;
	return photo_files_make(bytes, len, lim, bs, files, prob);
}
