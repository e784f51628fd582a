/* Uploaded photos, made plain: we read the type and the size from the bytes
 * ourselves, so that nothing is decoded before we know it is small enough;
 * then each format's own library (libjpeg, libpng, libwebp) reads the header
 * again, and from it we reckon the memory the whole upload will take, which
 * must fit a limit per upload and the budget shared by every upload in the
 * process before a pixel is decoded. JPEG and WebP are decoded straight at
 * (about) the size we keep, PNG row by row into the one picture; libgd
 * scales and re-encodes, and libexif reads the one tag we honour
 * (Orientation). The header readers see hostile input first: every read in
 * them is checked against the length. */
#include "media/image.h"

#include <assert.h>
#include <gd.h>
#include <libexif/exif-data.h>
#include <limits.h>
#include <png.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* libjpeg's headers need stdio.h's FILE first. */
#include <jerror.h>
#include <jpeglib.h>
#include <webp/decode.h>

#include "core/xalloc.h"

/* JPEG markers we look for by name. */
#define JPEG_SOI  0xD8
#define JPEG_EOI  0xD9
#define JPEG_SOS  0xDA
#define JPEG_APP1 0xE1
#define JPEG_COM  0xFE

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
	size_t start;	    /* the first 0xFF before the marker byte */
	size_t payload_off; /* just past the two length bytes */
	size_t payload_len;
	size_t end; /* just past the segment */
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
	case IMAGE_JPEG: ok = jpeg_header_size(data, len, &w, &h); break;
	case IMAGE_PNG: ok = png_header_size(data, len, &w, &h); break;
	case IMAGE_WEBP: ok = webp_header_size(data, len, &w, &h); break;
	case IMAGE_UNKNOWN: break;
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

void image_fit_within(int w, int h, int edge, int *fw, int *fh)
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

/* ---- the budget ---- */

void image_budget_init(struct image_budget *b, int64_t max_bytes)
{
	assert(max_bytes > 0);
	b->max_bytes = max_bytes;
	atomic_init(&b->used_bytes, 0);
}

bool image_budget_claim(struct image_budget *b, int64_t bytes)
{
	int64_t used = atomic_load(&b->used_bytes);

	do {
		if (bytes > b->max_bytes - used)
			return false;
	} while (!atomic_compare_exchange_weak(&b->used_bytes, &used, used + bytes));
	return true;
}

void image_budget_release(struct image_budget *b, int64_t bytes)
{
	int64_t was = atomic_fetch_sub(&b->used_bytes, bytes);

	assert(was >= bytes);
	(void)was;
}

/* ---- decoders ---- */

/* Progressive JPEGs with more scans than this are refused: each scan is a
 * pass over every block of the picture, and a few bytes make one. Encoders
 * write about ten. */
#define JPEG_SCANS_MAX	    64
/* What a decoder keeps besides its whole-picture buffers: rows of blocks or
 * pixels at the file's full width, and tables. Reckoned generously. */
#define DECODER_ROW_BYTES   256
#define DECODER_FIXED_BYTES (1 << 20)
/* The most libpng allocates for one ancillary chunk, and how many it keeps.
 * We read none of them but gAMA and tRNS; the rest are skipped unread. */
#define PNG_CHUNK_MAX_BYTES (256 << 10)
#define PNG_CHUNKS_MAX	    32

struct jpeg_fail {
	struct jpeg_error_mgr pub; /* first: libjpeg hands back a pointer to it */
	jmp_buf jump;
};

struct jpeg_decoder {
	struct jpeg_decompress_struct cinfo;
	struct jpeg_fail fail;
	struct jpeg_progress_mgr progress;
	bool created;
	JSAMPLE *row;
	gdImagePtr im;
};

struct png_decoder {
	png_structp png;
	png_infop info;
	size_t pos; /* how far libpng has read */
	int passes; /* 7 for an interlaced file, else 1 */
	gdImagePtr im;
};

struct webp_decoder {
	WebPDecoderConfig config;
};

/* One upload being decoded. The decoders' state lives here, outside the
 * functions that call setjmp, so it is intact after a longjmp. */
struct decoder {
	const unsigned char *data;
	size_t len;
	int width, height;	   /* as stored, from our header reader */
	int out_width, out_height; /* what read() hands over, chosen by open() */
	int64_t codec_bytes;	   /* the decoder's own memory at its fullest */
	union {
		struct jpeg_decoder jpeg;
		struct png_decoder png;
		struct webp_decoder webp;
	} u;
};

/* One format's decoder, in three steps, so the cost is known between the
 * first and the second. */
struct decoder_ops {
	/* Reads the header with the format's library, checks it agrees with
	 * ours, and chooses the decoded size for a picture to fit within edge
	 * pixels: fills out_width, out_height and codec_bytes. Decodes
	 * nothing. Returns 0, or -1 when the library refuses the header. */
	int (*open)(struct decoder *dec, int edge);
	/* Decodes into a *new* opaque truecolor picture of out_width ×
	 * out_height (transparency laid over white), or NULL when the data is
	 * damaged, cut short, or libgd cannot allocate. */
	gdImagePtr (*read)(struct decoder *dec);
	/* Frees the decoder's memory; safe after a failed open. */
	void (*close)(struct decoder *dec);
};

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* Bytes libgd takes for a truecolor picture: four a pixel, and a pointer
 * and an allocation of its own for each row. */
static int64_t gd_bytes(int w, int h)
{
	return (int64_t)h * ((int64_t)w * 4 + 32);
}

static unsigned char over_white(unsigned channel, unsigned alpha)
{
	return (unsigned char)((channel * alpha + 255 * (255 - alpha) + 127) / 255);
}

/* A row of 8-bit RGBA with straight alpha into libgd's opaque pixels, laid
 * over white so transparent areas do not turn black when JPEG drops the
 * alpha channel. dst may be rgba itself: each pixel is read before it is
 * written, and both take four bytes. */
static void rgba_row(int *dst, const unsigned char *rgba, int w)
{
	for (int x = 0; x < w; x++) {
		const unsigned char *p = rgba + 4 * (size_t)x;
		unsigned r = p[0], g = p[1], b = p[2], a = p[3];

		if (a != 255) {
			r = over_white(r, a);
			g = over_white(g, a);
			b = over_white(b, a);
		}
		dst[x] = gdTrueColor(r, g, b);
	}
}

static void rgb_row(int *dst, const unsigned char *rgb, int w)
{
	for (int x = 0; x < w; x++, rgb += 3)
		dst[x] = gdTrueColor(rgb[0], rgb[1], rgb[2]);
}

/* CMYK as printers' JPEGs carry it. Adobe's (with an APP14 marker) store
 * each ink inverted, 255 for none; the others store the ink itself. */
static void cmyk_row(int *dst, const unsigned char *cmyk, int w, bool inverted)
{
	for (int x = 0; x < w; x++, cmyk += 4) {
		unsigned c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];

		if (!inverted) {
			c = 255 - c;
			m = 255 - m;
			y = 255 - y;
			k = 255 - k;
		}
		/* Now 255 is no ink: the light left after the ink and the black. */
		dst[x] = gdTrueColor((c * k + 127) / 255, (m * k + 127) / 255, (y * k + 127) / 255);
	}
}

static _Noreturn void jpeg_fail_exit(j_common_ptr cinfo)
{
	longjmp(((struct jpeg_fail *)cinfo->err)->jump, 1);
}

/* libjpeg warns and carries on where data is damaged or missing, filling
 * the rest of the picture with grey; a picture stored wrong is worse than a
 * refusal the uploader can act on. Only warnings about metadata pass. Trace
 * messages (level >= 0) are dropped, and nothing reaches stderr. */
static void jpeg_warning(j_common_ptr cinfo, int level)
{
	if (level >= 0)
		return;
	switch (cinfo->err->msg_code) {
	case JWRN_ADOBE_XFORM:
	case JWRN_BOGUS_ICC:
	case JWRN_EXTRANEOUS_DATA:
	case JWRN_JFIF_MAJOR: return;
	default: jpeg_fail_exit(cinfo);
	}
}

/* Called between scans while a progressive picture is read. */
static void jpeg_count_scans(j_common_ptr cinfo)
{
	if (cinfo->is_decompressor && ((j_decompress_ptr)cinfo)->input_scan_number > JPEG_SCANS_MAX)
		jpeg_fail_exit(cinfo);
}

static int64_t round_up(int64_t n, int64_t multiple)
{
	return (n + multiple - 1) / multiple * multiple;
}

/* A progressive or multi-scan picture keeps every DCT coefficient until its
 * last scan, at full size whatever the scale: 128 bytes a block of each
 * component. A single-scan one needs only a row of blocks. */
static int64_t jpeg_coefficient_bytes(const struct jpeg_decompress_struct *c)
{
	int64_t bytes = 0;

	if (!c->progressive_mode && c->comps_in_scan == c->num_components)
		return 0;
	for (int ci = 0; ci < c->num_components; ci++) {
		const jpeg_component_info *comp = &c->comp_info[ci];

		bytes += round_up(comp->width_in_blocks, comp->h_samp_factor) *
			 round_up(comp->height_in_blocks, comp->v_samp_factor) *
			 (int64_t)sizeof(JBLOCK);
	}
	return bytes;
}

static int jpeg_open(struct decoder *dec, int edge)
{
	struct jpeg_decoder *j = &dec->u.jpeg;
	struct jpeg_decompress_struct *c = &j->cinfo;

	c->err = jpeg_std_error(&j->fail.pub);
	j->fail.pub.error_exit = jpeg_fail_exit;
	j->fail.pub.emit_message = jpeg_warning;
	if (setjmp(j->fail.jump))
		return -1;
	jpeg_create_decompress(c);
	j->created = true;
	j->progress.progress_monitor = jpeg_count_scans;
	c->progress = &j->progress;
	jpeg_mem_src(c, dec->data, (unsigned long)dec->len);
	if (jpeg_read_header(c, TRUE) != JPEG_HEADER_OK)
		return -1;
	if ((int64_t)c->image_width != dec->width || (int64_t)c->image_height != dec->height)
		return -1;
	c->out_color_space = c->jpeg_color_space == JCS_CMYK || c->jpeg_color_space == JCS_YCCK
				     ? JCS_CMYK
				     : JCS_RGB;
	/* The smallest of libjpeg's scales, 1/8 to 8/8, that leaves the long
	 * side at least edge: the inverse DCT then makes only about the pixels
	 * we keep, and the full-size picture never exists. */
	for (unsigned num = 1; num <= 8; num++) {
		c->scale_num = num;
		c->scale_denom = 8;
		jpeg_calc_output_dimensions(c);
		if ((int)c->output_width >= edge || (int)c->output_height >= edge)
			break;
	}
	dec->out_width = (int)c->output_width;
	dec->out_height = (int)c->output_height;
	dec->codec_bytes = jpeg_coefficient_bytes(c) + (int64_t)dec->width * DECODER_ROW_BYTES +
			   DECODER_FIXED_BYTES;
	/* libjpeg then refuses (rather than allocates) whole-picture buffers
	 * beyond our reckoning, should it and ours ever differ. */
	c->mem->max_memory_to_use = (long)dec->codec_bytes;
	return 0;
}

static gdImagePtr jpeg_read(struct decoder *dec)
{
	struct jpeg_decoder *j = &dec->u.jpeg;
	struct jpeg_decompress_struct *c = &j->cinfo;

	if (setjmp(j->fail.jump))
		goto fail;
	j->im = gdImageCreateTrueColor(dec->out_width, dec->out_height);
	if (!j->im)
		goto fail;
	/* For a progressive picture, this reads every scan. */
	jpeg_start_decompress(c);
	if ((int)c->output_width != dec->out_width || (int)c->output_height != dec->out_height)
		goto fail;
	j->row = xmalloc((size_t)c->output_width * (size_t)c->output_components);
	while (c->output_scanline < c->output_height) {
		JSAMPROW rows[1] = { j->row };
		int *dst = j->im->tpixels[c->output_scanline];

		if (jpeg_read_scanlines(c, rows, 1) != 1)
			goto fail;
		if (c->out_color_space == JCS_CMYK)
			cmyk_row(dst, j->row, dec->out_width, c->saw_Adobe_marker);
		else
			rgb_row(dst, j->row, dec->out_width);
	}
	/* Reads on to the end of the image, so damage after the last row
	 * counts too. */
	jpeg_finish_decompress(c);
	gdImagePtr im = j->im;
	j->im = NULL;
	return im;
fail:
	if (j->im)
		gdImageDestroy(j->im);
	j->im = NULL;
	return NULL;
}

static void jpeg_close(struct decoder *dec)
{
	struct jpeg_decoder *j = &dec->u.jpeg;

	if (j->created)
		jpeg_destroy_decompress(&j->cinfo);
	free(j->row);
	if (j->im)
		gdImageDestroy(j->im);
}

/* libpng's errors end the decoding silently; its warnings, which are about
 * chunks we do not read, are dropped: by default both print to stderr. */
static _Noreturn void png_fail(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void png_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void png_take(png_structp png, png_bytep out, size_t n)
{
	struct decoder *dec = png_get_io_ptr(png);

	if (n > dec->len - dec->u.png.pos)
		png_error(png, "cut short");
	memcpy(out, dec->data + dec->u.png.pos, n);
	dec->u.png.pos += n;
}

static int png_open(struct decoder *dec, int edge)
{
	struct png_decoder *p = &dec->u.png;
	static const png_byte gama[] = "gAMA";
	double gamma;
	int type, depth;

	(void)edge; /* PNG has no way to decode at a smaller size */
	p->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, dec, png_fail, png_quiet);
	if (!p->png)
		return -1;
	p->info = png_create_info_struct(p->png);
	if (!p->info)
		return -1;
	if (setjmp(png_jmpbuf(p->png)))
		return -1;
	png_set_read_fn(p->png, dec, png_take);
	/* Our header reader has checked the size; libpng holds to it. */
	png_set_user_limits(p->png, (png_uint_32)dec->width, (png_uint_32)dec->height);
	png_set_chunk_malloc_max(p->png, PNG_CHUNK_MAX_BYTES);
	png_set_chunk_cache_max(p->png, PNG_CHUNKS_MAX);
	/* Every ancillary chunk but tRNS and gAMA is skipped without being
	 * decompressed or stored: text, ICC profiles, EXIF and the rest. */
	png_set_keep_unknown_chunks(p->png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
	png_set_keep_unknown_chunks(p->png, PNG_HANDLE_CHUNK_AS_DEFAULT, gama, 1);
	png_read_info(p->png, p->info);
	if ((int64_t)png_get_image_width(p->png, p->info) != dec->width ||
	    (int64_t)png_get_image_height(p->png, p->info) != dec->height)
		return -1;
	type = png_get_color_type(p->png, p->info);
	depth = png_get_bit_depth(p->png, p->info);
	/* Whatever the file holds, 8-bit RGBA comes out: palettes, grey and
	 * tRNS colour keys expanded, 16-bit samples scaled, alpha added. */
	png_set_expand(p->png);
	if (depth == 16)
		png_set_scale_16(p->png);
	if (!(type & PNG_COLOR_MASK_COLOR))
		png_set_gray_to_rgb(p->png);
	if (!(type & PNG_COLOR_MASK_ALPHA) && !png_get_valid(p->png, p->info, PNG_INFO_tRNS))
		png_set_filler(p->png, 0xFF, PNG_FILLER_AFTER);
	if (png_get_gAMA(p->png, p->info, &gamma))
		png_set_gamma(p->png, PNG_DEFAULT_sRGB, gamma);
	p->passes = png_set_interlace_handling(p->png);
	png_read_update_info(p->png, p->info);
	if (png_get_rowbytes(p->png, p->info) != (size_t)dec->width * 4)
		return -1;
	dec->out_width = dec->width;
	dec->out_height = dec->height;
	/* Two rows in the file's own format, at most eight bytes a pixel, and
	 * zlib's window. */
	dec->codec_bytes = (int64_t)dec->width * 16 + DECODER_FIXED_BYTES;
	return 0;
}

static gdImagePtr png_read(struct decoder *dec)
{
	struct png_decoder *p = &dec->u.png;

	p->im = gdImageCreateTrueColor(dec->width, dec->height);
	if (!p->im)
		return NULL;
	if (setjmp(png_jmpbuf(p->png))) {
		gdImageDestroy(p->im);
		p->im = NULL;
		return NULL;
	}
	/* Row by row straight into the picture, whose rows take four bytes a
	 * pixel as RGBA does: no second copy of the picture is made. An
	 * interlaced file fills each row over seven passes; a row is final,
	 * and turned into libgd's pixels, in the last. */
	for (int pass = 0; pass < p->passes; pass++) {
		for (int y = 0; y < dec->height; y++) {
			png_read_row(p->png, (png_bytep)p->im->tpixels[y], NULL);
			if (pass == p->passes - 1)
				rgba_row(p->im->tpixels[y], (unsigned char *)p->im->tpixels[y],
					 dec->width);
		}
	}
	gdImagePtr im = p->im;
	p->im = NULL;
	return im;
}

static void png_close(struct decoder *dec)
{
	struct png_decoder *p = &dec->u.png;

	if (p->png)
		png_destroy_read_struct(&p->png, p->info ? &p->info : NULL, NULL);
	if (p->im)
		gdImageDestroy(p->im);
}

static int webp_open(struct decoder *dec, int edge)
{
	WebPDecoderConfig *cfg = &dec->u.webp.config;
	const WebPBitstreamFeatures *f = &cfg->input;
	int64_t pixels = (int64_t)dec->width * dec->height, whole;
	int fw, fh;

	if (!WebPInitDecoderConfig(cfg) ||
	    WebPGetFeatures(dec->data, dec->len, &cfg->input) != VP8_STATUS_OK)
		return -1;
	/* An animation is many pictures; none of them is the photo. */
	if (f->has_animation || f->width != dec->width || f->height != dec->height)
		return -1;
	/* libwebp scales as it decodes, to exactly the size we keep. */
	image_fit_within(dec->width, dec->height, edge, &fw, &fh);
	if (fw != dec->width || fh != dec->height) {
		cfg->options.use_scaling = 1;
		cfg->options.scaled_width = fw;
		cfg->options.scaled_height = fh;
	}
	cfg->output.colorspace = MODE_RGBA;
	dec->out_width = fw;
	dec->out_height = fh;
	/* Lossy data is decoded a row of macroblocks at a time; lossless data
	 * is decoded whole first, four bytes a pixel, and so may be a lossy
	 * picture's alpha, beside its plane of one byte a pixel. Then the RGBA
	 * it hands over. */
	if (f->format == 1)
		whole = f->has_alpha ? pixels * 5 : 0;
	else
		whole = pixels * 4;
	dec->codec_bytes = whole + (int64_t)fw * fh * 4 + (int64_t)dec->width * DECODER_ROW_BYTES +
			   DECODER_FIXED_BYTES;
	return 0;
}

static gdImagePtr webp_read(struct decoder *dec)
{
	WebPDecoderConfig *cfg = &dec->u.webp.config;
	const WebPRGBABuffer *rgba = &cfg->output.u.RGBA;
	gdImagePtr im;

	if (WebPDecode(dec->data, dec->len, cfg) != VP8_STATUS_OK ||
	    cfg->output.width != dec->out_width || cfg->output.height != dec->out_height)
		return NULL;
	im = gdImageCreateTrueColor(dec->out_width, dec->out_height);
	if (!im)
		return NULL;
	for (int y = 0; y < dec->out_height; y++)
		rgba_row(im->tpixels[y], rgba->rgba + (size_t)y * (size_t)rgba->stride,
			 dec->out_width);
	/* What libwebp decoded is not needed any longer. */
	WebPFreeDecBuffer(&cfg->output);
	return im;
}

static void webp_close(struct decoder *dec)
{
	WebPFreeDecBuffer(&dec->u.webp.config.output);
}

static const struct decoder_ops decoders[] = {
	[IMAGE_JPEG] = { jpeg_open, jpeg_read, jpeg_close },
	[IMAGE_PNG] = { png_open, png_read, png_close },
	[IMAGE_WEBP] = { webp_open, webp_read, webp_close },
};

/* ---- normalizing ---- */

/* The most the upload holds at once, in bytes, reckoned from the plan:
 * decoding (the decoder's buffers and the decoded picture), scaling to fit
 * (the decoded picture, libgd's intermediate of the new width by the old
 * height, and the result), turning (two fitted pictures), the thumbnail (the
 * fitted picture, an intermediate and the thumbnail) and encoding (both
 * pictures, and the JPEGs as libgd grows them and as we copy them, less than
 * four bytes a pixel together at the qualities we use); and a megabyte for
 * libgd's and libjpeg's tables. sw × sh is the fitted size as stored, before
 * turning. */
static int64_t work_bytes(const struct decoder *dec, int sw, int sh, int tw, int th)
{
	int64_t decoded = gd_bytes(dec->out_width, dec->out_height);
	int64_t fitted = gd_bytes(sw, sh), thumb = gd_bytes(tw, th);
	int64_t most = dec->codec_bytes + decoded;

	if (sw != dec->out_width || sh != dec->out_height)
		most = max64(most, decoded + gd_bytes(sw, dec->out_height) + fitted);
	most = max64(most, 2 * fitted);
	most = max64(most, fitted + gd_bytes(tw, sw > sh ? sw : sh) + thumb);
	most = max64(most, fitted + thumb + (int64_t)sw * sh * 4);
	return most + DECODER_FIXED_BYTES;
}

static enum rc too_large(struct problem *prob, int w, int h)
{
	return problem_set(prob, RC_INVALID, "image-too-large",
			   "图片像素过多（%d×%d），最多 %ld 万像素 (image too large)", w, h,
			   IMAGE_MAX_PIXELS / 10000);
}

static enum rc too_costly(struct problem *prob, int64_t need, int64_t limit)
{
	return problem_set(prob, RC_INVALID, "image-too-large",
			   "处理这张图片需要约 %lld MiB 内存，每张最多 %lld MiB；请缩小后再上传"
			   " (image too large to decode)",
			   (long long)((need + (1 << 20) - 1) >> 20), (long long)(limit >> 20));
}

static enum rc bad_image(struct problem *prob)
{
	return problem_set(prob, RC_INVALID, "bad-image",
			   "无法读取这张图片，文件可能不完整或已损坏 (cannot decode image)");
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
	struct decoder dec = { .data = data, .len = len };
	bool decoding = false;
	gdImagePtr im = NULL, next = NULL, thumb = NULL;
	int w, h, fw, fh, sw, sh, tw, th, orientation;
	int64_t need = 0, decode_need = 0, limit = IMAGE_WORK_MAX_BYTES;
	bool claimed = false;
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
	dec.width = w;
	dec.height = h;
	decoding = true;
	if (decoders[kind].open(&dec, lim->max_edge)) {
		rc = bad_image(prob);
		goto out;
	}

	/* Sizes are those of the picture as displayed; scaling happens before
	 * turning it, on the fewer pixels, so the axes swap back for that. */
	orientation = kind == IMAGE_JPEG ? jpeg_orientation(data, len) : 1;
	if (orientations[orientation].swap) {
		int t = w;

		w = h;
		h = t;
	}
	image_fit_within(w, h, lim->max_edge, &fw, &fh);
	/* The thumbnail is made from the full picture and is never larger. */
	image_fit_within(w, h, lim->thumb_edge < lim->max_edge ? lim->thumb_edge : lim->max_edge,
			 &tw, &th);
	sw = orientations[orientation].swap ? fh : fw;
	sh = orientations[orientation].swap ? fw : fh;

	/* Everything is known before a pixel is decoded: an upload that can
	 * never fit is refused, one that cannot fit now is asked to come back. */
	need = work_bytes(&dec, sw, sh, tw, th);
	decode_need = dec.codec_bytes + gd_bytes(dec.out_width, dec.out_height);
	if (lim->budget && lim->budget->max_bytes < limit)
		limit = lim->budget->max_bytes;
	if (need > limit) {
		rc = too_costly(prob, need, limit);
		goto out;
	}
	if (lim->budget && !image_budget_claim(lim->budget, need)) {
		prob->retry_after_s = 2;
		rc = problem_set(prob, RC_BUSY, "busy",
				 "正在处理的其他照片已用满处理照片的内存，请稍后重试"
				 " (busy: photo memory in use, retry)");
		goto out;
	}
	claimed = lim->budget != NULL;

	im = decoders[kind].read(&dec);
	/* The decoder's buffers go before scaling begins. */
	decoders[kind].close(&dec);
	decoding = false;
	if (!im) {
		rc = bad_image(prob);
		goto out;
	}
	/* The pixel loops below rely on truecolor, which the decoders make. */
	assert(gdImageTrueColor(im));

	if (sw != gdImageSX(im) || sh != gdImageSY(im)) {
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
	if (decoding)
		decoders[kind].close(&dec);
	if (thumb)
		gdImageDestroy(thumb);
	if (im)
		gdImageDestroy(im);
	if (claimed)
		image_budget_release(lim->budget, need);
	if (rc != RC_OK) {
		image_out_release(out);
	} else {
		out->decode_bytes = decode_need;
		out->work_bytes = need;
	}
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

unsigned char *image_sample_jpeg(int w, int h, unsigned seed, size_t *len)
{
	*len = 0;
	if (w < 16 || h < 16 || w > 4096 || h > 4096)
		return NULL;
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	if (!im)
		return NULL;
	unsigned r = seed * 2654435761u;
	/* A desk, a sheet of paper, lines of print and a red title. */
	gdImageFilledRectangle(im, 0, 0, w - 1, h - 1,
			       gdTrueColor(120 + (int)(r % 60), 90 + (int)(r / 7 % 40), 60));
	int mx = w / 8, my = h / 10;
	gdImageFilledRectangle(im, mx, my, w - mx, h - my, gdTrueColor(246, 244, 238));
	gdImageFilledRectangle(im, mx + w / 16, my + h / 14, w - mx - w / 16, my + h / 7,
			       gdTrueColor(200, 16, 46));
	int ink = gdTrueColor(60, 60, 60);
	for (int y = my + h / 5, k = 0; y < h - my - h / 20; y += h / 24, k++) {
		int end = w - mx - w / 16 - (int)((r >> (k % 24)) % (unsigned)(w / 5 + 1));
		gdImageFilledRectangle(im, mx + w / 16, y, end, y + h / 90 + 1, ink);
	}
	int size = 0;
	void *jpeg = gdImageJpegPtr(im, &size, 80);
	gdImageDestroy(im);
	if (!jpeg || size <= 0)
		return NULL;
	unsigned char *out = xmalloc((size_t)size);
	memcpy(out, jpeg, (size_t)size);
	gdFree(jpeg);
	*len = (size_t)size;
	return out;
}
