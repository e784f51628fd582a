/* Photos as people upload them, made safe to store and show: the type is
 * recognised from the bytes (JPEG, PNG or WebP, never the client's word),
 * the pixel count is checked from the header before anything is decoded, a
 * phone's EXIF orientation is applied, the picture is scaled to fit a long
 * edge and re-encoded as a plain JPEG, so no metadata (GPS position, camera,
 * owner) survives, and a small thumbnail is made beside it.
 *
 * Pure computation on memory (libgd, libexif): no files, no database. Safe to
 * call from several threads at once. */
#ifndef YZ_MEDIA_IMAGE_H
#define YZ_MEDIA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"

/* Pictures over this many pixels are refused before decoding. */
#define IMAGE_MAX_PIXELS (50L * 1000 * 1000)

enum image_kind { IMAGE_UNKNOWN = 0, IMAGE_JPEG, IMAGE_PNG, IMAGE_WEBP };

struct image_limits {
	int max_edge;   /* the stored picture's longest side, pixels (e.g. 1600) */
	int thumb_edge; /* the thumbnail's longest side (e.g. 360) */
	int quality;    /* JPEG quality 1–100 (e.g. 82) */
};

struct image_out {
	unsigned char *full; /* JPEG, malloc'd; image_out_release */
	size_t full_len;
	int width, height;   /* of full, after orientation */
	unsigned char *thumb;
	size_t thumb_len;
	int thumb_width, thumb_height;
	enum image_kind source_kind;
};

/* What the first bytes say the data is. */
enum image_kind image_sniff(const void *data, size_t len);
/* Width and height from the header alone (no decoding); 0 if unreadable. */
int image_header_size(const void *data, size_t len, int *width, int *height);
/* Normalizes an upload. Refusals: RC_INVALID with type "unsupported-image"
 * (not JPEG/PNG/WebP), "image-too-large" (over IMAGE_MAX_PIXELS) or
 * "bad-image" (cannot be decoded), each with a Chinese detail. On RC_OK the
 * caller releases *out. */
enum rc image_normalize(const void *data, size_t len, const struct image_limits *lim,
			struct image_out *out, struct problem *prob);
void image_out_release(struct image_out *out);

#endif
