/* Photos as people upload them, made safe to store and show: the type is
 * recognised from the bytes (JPEG, PNG or WebP, never the client's word),
 * the pixel count and the memory the work will take are reckoned from the
 * header before anything is decoded, a JPEG is decoded straight at about
 * the size kept (never at its full 12 or 50 megapixels), damaged and cut-off
 * files are refused rather than filled with grey, a phone's EXIF orientation
 * is applied, the picture is scaled to fit a long edge and re-encoded as a
 * plain JPEG, so no metadata (GPS position, camera, owner) survives, and a
 * small thumbnail is made beside it.
 *
 * Pure computation on memory (libjpeg, libpng, libwebp, libgd, libexif): no
 * files, no database. Safe to call from several threads at once; uploads in
 * parallel share the memory of one struct image_budget. */
#ifndef YZ_MEDIA_IMAGE_H
#define YZ_MEDIA_IMAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"

/* Pictures over this many pixels are refused before decoding. */
#define IMAGE_MAX_PIXELS     (50L * 1000 * 1000)
/* The most memory one upload may take, from decoding to encoding, as
 * reckoned from its header. A 12-megapixel phone JPEG needs about 30 MiB, a
 * progressive one or a 16-megapixel PNG up to about 90 MiB (both are decoded
 * whole: PNG cannot be decoded smaller, and a progressive JPEG keeps every
 * coefficient until its last scan). */
#define IMAGE_WORK_MAX_BYTES ((int64_t)96 << 20)

enum image_kind { IMAGE_UNKNOWN = 0, IMAGE_JPEG, IMAGE_PNG, IMAGE_WEBP };

/* Memory for uploads being decoded, shared by all of them: each claims what
 * it will need before it decodes anything and gives it back when done. */
struct image_budget {
	int64_t max_bytes;	    /* set by image_budget_init, then read-only */
	_Atomic int64_t used_bytes; /* claimed right now */
};

struct image_limits {
	int max_edge;		     /* the stored picture's longest side, pixels (e.g. 1600) */
	int thumb_edge;		     /* the thumbnail's longest side (e.g. 360) */
	int quality;		     /* JPEG quality 1–100 (e.g. 82) */
	struct image_budget *budget; /* borrowed, shared with other uploads; NULL: none */
};

struct image_out {
	unsigned char *full; /* JPEG, malloc'd; image_out_release */
	size_t full_len;
	int width, height; /* of full, after orientation */
	unsigned char *thumb;
	size_t thumb_len;
	int thumb_width, thumb_height;
	enum image_kind source_kind;
	/* Reckoned from the header before decoding, and what the decoders
	 * were held to: the most the decoding held (the decoder's buffers and
	 * the decoded picture), and the most the whole upload held, which is
	 * what it claimed from the budget. */
	int64_t decode_bytes;
	int64_t work_bytes;
};

/* Starts a budget of max_bytes (> 0) with nothing claimed. */
void image_budget_init(struct image_budget *b, int64_t max_bytes);
/* Claims bytes if they fit beside what is claimed already: true, or false
 * with nothing claimed. Thread-safe. */
bool image_budget_claim(struct image_budget *b, int64_t bytes);
/* Gives back bytes claimed before. Thread-safe. */
void image_budget_release(struct image_budget *b, int64_t bytes);

/* The size that fits w × h within edge pixels on its long side, rounded to
 * the nearest pixel and never below one; never larger than w × h. */
void image_fit_within(int w, int h, int edge, int *fw, int *fh);
/* What the first bytes say the data is. */
enum image_kind image_sniff(const void *data, size_t len);
/* Width and height from the header alone (no decoding); 0 if unreadable. */
int image_header_size(const void *data, size_t len, int *width, int *height);
/* Normalizes an upload. Refusals, each with a Chinese detail: RC_INVALID
 * with type "unsupported-image" (not JPEG/PNG/WebP), "image-too-large"
 * (over IMAGE_MAX_PIXELS, or needing more memory than IMAGE_WORK_MAX_BYTES
 * or than the whole budget) or "bad-image" (cannot be decoded: damaged, cut
 * short, or a progressive JPEG of too many scans); RC_BUSY with type "busy"
 * and prob->retry_after_s when other uploads hold too much of the budget
 * right now. On RC_OK the caller releases *out. */
enum rc image_normalize(const void *data, size_t len, const struct image_limits *lim,
			struct image_out *out, struct problem *prob);
void image_out_release(struct image_out *out);
/* A made-up w × h picture as JPEG, different for each seed (a page of a
 * leaflet on a desk): for the demo city, which has no photographs. *new*
 * bytes (free()), *len its size; NULL if w or h is out of 16–4096. */
unsigned char *image_sample_jpeg(int w, int h, unsigned seed, size_t *len);

#endif
