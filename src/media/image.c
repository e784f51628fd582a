/* Uploaded photos, made plain: we read the type and the size from the bytes
 * ourselves, so that nothing is decoded before we know it is small enough,
 * then let libgd decode (libpng itself for PNG), scale and re-encode, and
 * libexif read the one tag we honour (Orientation). The header readers see
 * hostile input first: every read in them is checked against the length. */
#include "media/image.h"

#include <assert.h>
#include <gd.h>
#include <libexif/exif-data.h>
#include <limits.h>
#include <png.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* JPEG markers we look for by name. */
#define JPEG_SOI 0xD8
#define JPEG_EOI 0xD9
#define JPEG_SOS 0xDA
#define JPEG_APP1 0xE1
#define JPEG_COM 0xFE

static const unsigned char png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
static const unsigned char exif_header[6] = { 'E', 'x', 'i', 'f', 0, 0 };

static uint32_t be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le16(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le24(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static uint32_t le32(const unsigned char *p)
{
	return le24(p) | (uint32_t)p[3] << 24;
}

enum image_kind image_sniff(const void *data, size_t len)
{
	const unsigned char *d = data;

	if (len >= 3 && d[0] == 0xFF && d[1] == JPEG_SOI && d[2] == 0xFF)
		return IMAGE_JPEG;
	if (len >= sizeof(png_signature) && !memcmp(d, png_signature, sizeof(png_signature)))
		return IMAGE_PNG;
	if (len >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
		return IMAGE_WEBP;
	return IMAGE_UNKNOWN;
}

/* One marker segment of a JPEG header. */
struct jpeg_segment {
	unsigned char marker;
	size_t start;       /* the first 0xFF before the marker byte */
	size_t payload_off; /* just past the two length bytes */
	size_t payload_len;
	size_t end;         /* just past the segment */
};

/* Steps from *pos to the next segment that has a length, the way libjpeg's
 * next_marker() does: bytes other than 0xFF are skipped, a run of 0xFF is
 * fill, 0xFF 0x00 is no marker. Staying in step with libjpeg matters: the
 * frame size we check must be the one it will decode. Returns 1 with *seg
 * filled and *pos past it, or 0 at SOI/EOI, a bad length or the end of the
 * data (a segment must lie wholly inside it). */
static int jpeg_next_segment(const unsigned char *d, size_t len, size_t *pos,
			     struct jpeg_segment *seg)
{
	size_t p = *pos;

	for (;;) {
		size_t start, seg_len;
		unsigned char m;

		while (p < len && d[p] != 0xFF)
			p++;
		start = p;
		while (p < len && d[p] == 0xFF)
			p++;
		if (p >= len)
			return 0;
		m = d[p++];
		/* A stuffed zero, TEM and RST0–7 stand alone, without a length. */
		if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD7))
			continue;
		if (m == JPEG_SOI || m == JPEG_EOI || len - p < 2)
			return 0;
		seg_len = be16(d + p);
		if (seg_len < 2 || seg_len > len - p)
			return 0;
		seg->marker = m;
		seg->start = start;
		seg->payload_off = p + 2;
		seg->payload_len = seg_len - 2;
		seg->end = p + seg_len;
		*pos = seg->end;
		return 1;
	}
}

/* SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range. */
static int jpeg_is_sof(unsigned char m)
{
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static int jpeg_header_size(const unsigned char *d, size_t len, int *width, int *height)
{
	struct jpeg_segment seg;
	size_t pos = 2;

	while (jpeg_next_segment(d, len, &pos, &seg)) {
		const unsigned char *p = d + seg.payload_off;

		/* A scan before any frame header: libjpeg refuses it too. */
		if (seg.marker == JPEG_SOS)
			return 0;
		if (!jpeg_is_sof(seg.marker))
			continue;
		/* Precision, height, width, component count. */
		if (seg.payload_len < 6)
			return 0;
		*height = (int)be16(p + 1);
		*width = (int)be16(p + 3);
		return 1;
	}
	return 0;
}

static int png_header_size(const unsigned char *d, size_t len, int *width, int *height)
{
	uint32_t w, h;

	/* The signature, then IHDR: length 13, type, width, height. */
	if (len < 24 || be32(d + 8) != 13 || memcmp(d + 12, "IHDR", 4))
		return 0;
	w = be32(d + 16);
	h = be32(d + 20);
	if (w > INT32_MAX || h > INT32_MAX)
		return 0;
	*width = (int)w;
	*height = (int)h;
	return 1;
}

static int webp_header_size(const unsigned char *d, size_t len, int *width, int *height)
{
	const unsigned char *chunk = d + 12;
	const unsigned char *p = d + 20; /* the first chunk's payload */
	uint32_t chunk_len;

	if (len < 20)
		return 0;
	chunk_len = le32(chunk + 4);
	if (!memcmp(chunk, "VP8 ", 4)) {
		/* Lossy: a 3-byte frame tag whose low bit is 0 on a key frame,
		 * the start code, then 14-bit width and height (the top two bits
		 * are an upscaling hint). */
		if (len < 30 || chunk_len < 10 || (p[0] & 1) || p[3] != 0x9D || p[4] != 0x01 ||
		    p[5] != 0x2A)
			return 0;
		*width = (int)(le16(p + 6) & 0x3FFF);
		*height = (int)(le16(p + 8) & 0x3FFF);
		return 1;
	}
	if (!memcmp(chunk, "VP8L", 4)) {
		/* Lossless: signature 0x2F, then width-1 and height-1 in 14 bits
		 * each, an alpha bit and a 3-bit version that must be 0. */
		uint32_t bits;

		if (len < 25 || chunk_len < 5 || p[0] != 0x2F)
			return 0;
		bits = le32(p + 1);
		if (bits >> 29)
			return 0;
		*width = (int)(bits & 0x3FFF) + 1;
		*height = (int)(bits >> 14 & 0x3FFF) + 1;
		return 1;
	}
	if (!memcmp(chunk, "VP8X", 4)) {
		/* Extended: flags and reserved bytes, then the canvas's width-1
		 * and height-1 in 24 bits each. */
		if (len < 30 || chunk_len < 10)
			return 0;
		*width = (int)le24(p + 4) + 1;
		*height = (int)le24(p + 7) + 1;
		return 1;
	}
	return 0;
}

int image_header_size(const void *data, size_t len, int *width, int *height)
{
	int w = 0, h = 0, ok = 0;

	switch (image_sniff(data, len)) {
	case IMAGE_JPEG:
		ok = jpeg_header_size(data, len, &w, &h);
		break;
	case IMAGE_PNG:
		ok = png_header_size(data, len, &w, &h);
		break;
	case IMAGE_WEBP:
		ok = webp_header_size(data, len, &w, &h);
		break;
	case IMAGE_UNKNOWN:
		break;
	}
	/* A zero side (JPEG's "height from DNL", a VP8 frame of nothing) is
	 * nothing we can show. */
	if (!ok || w <= 0 || h <= 0)
		w = h = ok = 0;
	*width = w;
	*height = h;
	return ok;
}

/* libgd reports through one process-wide hook that prints to stderr unless
 * told otherwise; the server's stderr is its JSON log, and a bad upload is
 * the client's problem, not an event to log, so the hook says nothing. */
static void gd_quiet(int priority, const char *format, va_list args)
{
	(void)priority;
	(void)format;
	(void)args;
}

static void gd_quiet_install(void)
{
	gdSetErrorMethod(gd_quiet);
}

static pthread_once_t gd_quiet_once = PTHREAD_ONCE_INIT;

/* The EXIF Orientation of a JPEG, 1 (as stored) to 8, or 1 when absent or
 * out of range. We find the APP1 segment that starts with "Exif\0\0"
 * ourselves, walking the same segments as for the size, so libexif sees only
 * that segment, and an XMP APP1 in front of it does not hide it. */
static int jpeg_orientation(const unsigned char *d, size_t len)
{
	struct jpeg_segment seg;
	size_t pos = 2;
	int orientation = 1;

	while (jpeg_next_segment(d, len, &pos, &seg)) {
		const unsigned char *p = d + seg.payload_off;
		ExifData *ed;
		ExifEntry *e;

		if (seg.marker == JPEG_SOS)
			break;
		if (seg.marker != JPEG_APP1 || seg.payload_len < sizeof(exif_header) ||
		    memcmp(p, exif_header, sizeof(exif_header)))
			continue;
		ed = exif_data_new();
		if (!ed)
			break;
		/* Following the specification would make libexif add the tags
		 * it finds missing; we only read. */
		exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
		exif_data_load_data(ed, p, (unsigned int)seg.payload_len);
		e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
		if (e && e->format == EXIF_FORMAT_SHORT && e->components >= 1 && e->data &&
		    e->size >= 2) {
			int v = exif_get_short(e->data, exif_data_get_byte_order(ed));

			if (v >= 1 && v <= 8)
				orientation = v;
		}
		exif_data_unref(ed);
		break;
	}
	return orientation;
}

/* How each EXIF orientation maps a displayed pixel (dx, dy) back to the
 * stored one: swap exchanges the axes first, flip_x and flip_y then count
 * from the far edge of the stored picture. 6, for instance, is a quarter
 * turn clockwise: the stored left column becomes the displayed top row. */
static const struct {
	unsigned char swap, flip_x, flip_y;
} orientations[9] = {
	[1] = { 0, 0, 0 }, /* as stored */
	[2] = { 0, 1, 0 }, /* mirrored left to right */
	[3] = { 0, 1, 1 }, /* half turn */
	[4] = { 0, 0, 1 }, /* mirrored top to bottom */
	[5] = { 1, 0, 0 }, /* transposed */
	[6] = { 1, 0, 1 }, /* quarter turn clockwise */
	[7] = { 1, 1, 1 }, /* transverse */
	[8] = { 1, 1, 0 }, /* quarter turn anticlockwise */
};

/* Returns a *new* truecolor image: src as it should be displayed. libgd
 * 2.3.3 exports no quarter turns or transposes, so we copy pixels. */
static gdImagePtr orient(gdImagePtr src, int orientation)
{
	int w = gdImageSX(src), h = gdImageSY(src);
	int swap = orientations[orientation].swap;
	int dw = swap ? h : w, dh = swap ? w : h;
	gdImagePtr dst = gdImageCreateTrueColor(dw, dh);

	if (!dst)
		return NULL;
	for (int dy = 0; dy < dh; dy++) {
		for (int dx = 0; dx < dw; dx++) {
			int u = swap ? dy : dx, v = swap ? dx : dy;
			int sx = orientations[orientation].flip_x ? w - 1 - u : u;
			int sy = orientations[orientation].flip_y ? h - 1 - v : v;

			dst->tpixels[dy][dx] = src->tpixels[sy][sx];
		}
	}
	return dst;
}

static int over_white(int channel, int alpha)
{
	return (channel * (gdAlphaMax - alpha) + 255 * alpha + gdAlphaMax / 2) / gdAlphaMax;
}

/* Composes every pixel over white, so transparent areas do not turn black
 * when JPEG drops the alpha channel. */
static void flatten_onto_white(gdImagePtr im)
{
	for (int y = 0; y < gdImageSY(im); y++) {
		for (int x = 0; x < gdImageSX(im); x++) {
			int c = im->tpixels[y][x];
			int a = gdTrueColorGetAlpha(c);

			if (a == gdAlphaOpaque)
				continue;
			im->tpixels[y][x] = gdTrueColor(over_white(gdTrueColorGetRed(c), a),
							over_white(gdTrueColorGetGreen(c), a),
							over_white(gdTrueColorGetBlue(c), a));
		}
	}
}

/* The size that fits (w, h) within edge on its long side, rounded to the
 * nearest pixel and never below one; never larger than (w, h). */
static void fit_within(int w, int h, int edge, int *fw, int *fh)
{
	int long_side = w > h ? w : h;

	if (long_side <= edge) {
		*fw = w;
		*fh = h;
		return;
	}
	*fw = (int)(((int64_t)w * edge + long_side / 2) / long_side);
	*fh = (int)(((int64_t)h * edge + long_side / 2) / long_side);
	if (*fw < 1)
		*fw = 1;
	if (*fh < 1)
		*fh = 1;
}

/* Returns a *new* image of w × h, or NULL when libgd cannot allocate. The
 * triangle filter widens with the reduction, so every source pixel counts
 * and fine patterns do not alias the way plain bilinear sampling lets them. */
static gdImagePtr scale(gdImagePtr src, int w, int h)
{
	if (!gdImageSetInterpolationMethod(src, GD_TRIANGLE))
		return NULL;
	return gdImageScale(src, (unsigned int)w, (unsigned int)h);
}

/* Encodes im as a JPEG into a *new* malloc'd buffer. libgd writes a comment
 * naming itself and its libjpeg; that is ours to withhold, so the copy skips
 * COM segments. Returns 0, or -1 when libgd fails. */
static int encode_jpeg(gdImagePtr im, int quality, unsigned char **buf, size_t *buf_len)
{
	int size = 0;
	unsigned char *enc = gdImageJpegPtr(im, &size, quality);
	struct jpeg_segment seg;
	size_t pos = 2, copied = 0, n = 0;

	if (!enc || size < 4) {
		gdFree(enc);
		return -1;
	}
	*buf = xmalloc((size_t)size);
	while (jpeg_next_segment(enc, (size_t)size, &pos, &seg) && seg.marker != JPEG_SOS) {
		if (seg.marker != JPEG_COM)
			continue;
		memcpy(*buf + n, enc + copied, seg.start - copied);
		n += seg.start - copied;
		copied = seg.end;
	}
	memcpy(*buf + n, enc + copied, (size_t)size - copied);
	*buf_len = n + (size_t)size - copied;
	gdFree(enc);
	return 0;
}

/* PNG goes through libpng's simplified API rather than libgd's reader:
 * libgd 2.3.3 creates its libpng reader without a warning callback, so
 * libpng's default one prints "libpng warning: ..." to stderr for a damaged
 * chunk, past gdSetErrorMethod. The simplified API keeps its messages in the
 * struct, and turns palettes, grey, 16-bit samples and tRNS colour keys into
 * plain 8-bit RGBA for us. Returns a *new* truecolor image or NULL. */
static gdImagePtr decode_png(const void *data, size_t len)
{
	png_image png;
	unsigned char *rgba = NULL;
	gdImagePtr im = NULL;

	memset(&png, 0, sizeof(png));
	png.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&png, data, len))
		goto out;
	png.format = PNG_FORMAT_RGBA;
	/* The caller has checked the pixel count, so this cannot overflow. */
	rgba = malloc((size_t)png.width * png.height * 4);
	if (!rgba || !png_image_finish_read(&png, NULL, rgba, 0, NULL))
		goto out;
	im = gdImageCreateTrueColor((int)png.width, (int)png.height);
	if (!im)
		goto out;
	for (size_t y = 0; y < png.height; y++) {
		const unsigned char *p = rgba + y * png.width * 4;

		for (size_t x = 0; x < png.width; x++, p += 4)
			im->tpixels[y][x] =
				gdTrueColorAlpha(p[0], p[1], p[2], gdAlphaMax - (p[3] >> 1));
	}
out:
	png_image_free(&png);
	free(rgba);
	return im;
}

static gdImagePtr decode(enum image_kind kind, const void *data, size_t len)
{
	/* libgd takes a non-const pointer but only reads through it. */
	void *d = (void *)data;

	switch (kind) {
	case IMAGE_JPEG:
		/* Warnings are about damaged entropy data; libjpeg fills what
		 * is missing, and a partly grey photo beats a refusal. */
		return gdImageCreateFromJpegPtrEx((int)len, d, 1);
	case IMAGE_PNG:
		return decode_png(data, len);
	case IMAGE_WEBP:
		return gdImageCreateFromWebpPtr((int)len, d);
	case IMAGE_UNKNOWN:
		break;
	}
	return NULL;
}

static enum rc too_large(struct problem *prob, int w, int h)
{
	return problem_set(prob, RC_INVALID, "image-too-large",
			   "图片像素过多（%d×%d），最多 %ld 万像素 (image too large)", w, h,
			   IMAGE_MAX_PIXELS / 10000);
}

static enum rc bad_image(struct problem *prob)
{
	return problem_set(prob, RC_INVALID, "bad-image",
			   "无法读取这张图片，文件可能已损坏 (cannot decode image)");
}

/* libgd returns NULL from scaling and encoding only when it cannot allocate. */
static enum rc out_of_memory(struct problem *prob)
{
	return problem_set(prob, RC_INTERNAL, "internal", "处理图片时内存不足 (out of memory)");
}

enum rc image_normalize(const void *data, size_t len, const struct image_limits *lim,
			struct image_out *out, struct problem *prob)
{
	enum image_kind kind = image_sniff(data, len);
	gdImagePtr im = NULL, next = NULL, thumb = NULL;
	int w, h, fw, fh, tw, th, orientation;
	enum rc rc = RC_OK;

	assert(lim->max_edge > 0 && lim->thumb_edge > 0);
	assert(lim->quality >= 1 && lim->quality <= 100);
	memset(out, 0, sizeof(*out));
	if (kind == IMAGE_UNKNOWN)
		return problem_set(prob, RC_INVALID, "unsupported-image",
				   "只支持 JPEG、PNG 或 WebP 格式的图片 (only JPEG, PNG or WebP)");
	if (!image_header_size(data, len, &w, &h))
		return bad_image(prob);
	if ((int64_t)w * h > IMAGE_MAX_PIXELS || len > INT_MAX)
		return too_large(prob, w, h);

	pthread_once(&gd_quiet_once, gd_quiet_install);
	im = decode(kind, data, len);
	if (!im) {
		rc = bad_image(prob);
		goto out;
	}
	/* The decoders read the same header we did; this holds if they agree. */
	if ((int64_t)gdImageSX(im) * gdImageSY(im) > IMAGE_MAX_PIXELS) {
		rc = too_large(prob, gdImageSX(im), gdImageSY(im));
		goto out;
	}
	w = gdImageSX(im);
	h = gdImageSY(im);

	/* libgd reads JPEG and WebP into truecolor, and so do we PNG; the
	 * pixel loops below rely on it. */
	assert(gdImageTrueColor(im));
	if (kind != IMAGE_JPEG)
		flatten_onto_white(im);

	/* Sizes are those of the picture as displayed; scaling happens before
	 * turning it, on the fewer pixels, so the axes swap back for that. */
	orientation = kind == IMAGE_JPEG ? jpeg_orientation(data, len) : 1;
	if (orientations[orientation].swap) {
		int t = w;

		w = h;
		h = t;
	}
	fit_within(w, h, lim->max_edge, &fw, &fh);
	/* The thumbnail is made from the full picture and is never larger. */
	fit_within(w, h, lim->thumb_edge < lim->max_edge ? lim->thumb_edge : lim->max_edge, &tw,
		   &th);

	if (fw != w || fh != h) {
		int sw = orientations[orientation].swap ? fh : fw;
		int sh = orientations[orientation].swap ? fw : fh;

		next = scale(im, sw, sh);
		if (!next) {
			rc = out_of_memory(prob);
			goto out;
		}
		gdImageDestroy(im);
		im = next;
	}
	if (orientation != 1) {
		next = orient(im, orientation);
		if (!next) {
			rc = out_of_memory(prob);
			goto out;
		}
		gdImageDestroy(im);
		im = next;
	}
	if (tw != fw || th != fh) {
		thumb = scale(im, tw, th);
		if (!thumb) {
			rc = out_of_memory(prob);
			goto out;
		}
	}

	if (encode_jpeg(im, lim->quality, &out->full, &out->full_len) ||
	    encode_jpeg(thumb ? thumb : im, lim->quality, &out->thumb, &out->thumb_len)) {
		rc = out_of_memory(prob);
		goto out;
	}
	out->width = fw;
	out->height = fh;
	out->thumb_width = tw;
	out->thumb_height = th;
	out->source_kind = kind;
out:
	if (thumb)
		gdImageDestroy(thumb);
	if (im)
		gdImageDestroy(im);
	if (rc != RC_OK)
		image_out_release(out);
	return rc;
}

void image_out_release(struct image_out *out)
{
	if (!out)
		return;
	free(out->full);
	free(out->thumb);
	memset(out, 0, sizeof(*out));
}
