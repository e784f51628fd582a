/* Tests for src/media/image.c. Every picture is made here with libgd itself
 * (libjpeg for what libgd cannot write, and the EXIF segments, hostile
 * headers and PNG bombs by hand), so the expected sizes and colours are
 * known exactly. Header readers are fed every prefix of real files, each in a
 * heap block of exactly that size so that ASan sees any read past the end;
 * the decoder is fed seeded random garbage and bit-flipped real files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
/* After stdio.h, which it needs. */
#include <jpeglib.h>

#include "media/image.h"

static const struct image_limits limits = { .max_edge = 1600, .thumb_edge = 360, .quality = 82 };

#define RED    0xFF0000
#define GREEN  0x00FF00
#define BLUE   0x0000FF
#define YELLOW 0xFFFF00

/* A file in memory, malloc'd. */
struct blob {
	unsigned char *data;
	size_t len;
};

static struct blob blob_from_gd(void *gd_data, int size)
{
	struct blob b = { .data = malloc((size_t)size), .len = (size_t)size };

	assert_non_null(gd_data);
	assert_true(size > 0);
	assert_non_null(b.data);
	memcpy(b.data, gd_data, (size_t)size);
	gdFree(gd_data);
	return b;
}

static void blob_free(struct blob *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

/* Inserts bytes at offset at, growing b. */
static void blob_insert(struct blob *b, size_t at, const unsigned char *bytes, size_t n)
{
	unsigned char *d = malloc(b->len + n);

	assert_non_null(d);
	memcpy(d, b->data, at);
	memcpy(d + at, bytes, n);
	memcpy(d + at + n, b->data + at, b->len - at);
	free(b->data);
	b->data = d;
	b->len += n;
}

static int contains(const struct blob *b, const void *needle, size_t n)
{
	for (size_t i = 0; i + n <= b->len; i++)
		if (!memcmp(b->data + i, needle, n))
			return 1;
	return 0;
}

static gdImagePtr solid(int w, int h, int color)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);

	assert_non_null(im);
	gdImageFilledRectangle(im, 0, 0, w - 1, h - 1, color);
	return im;
}

/* Red, green, blue and yellow quarters, clockwise from the top left, so any
 * turn or mirror moves them somewhere else. */
static gdImagePtr quadrants(int w, int h)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);

	assert_non_null(im);
	gdImageFilledRectangle(im, 0, 0, w / 2 - 1, h / 2 - 1, RED);
	gdImageFilledRectangle(im, w / 2, 0, w - 1, h / 2 - 1, GREEN);
	gdImageFilledRectangle(im, w / 2, h / 2, w - 1, h - 1, YELLOW);
	gdImageFilledRectangle(im, 0, h / 2, w / 2 - 1, h - 1, BLUE);
	return im;
}

/* The encoders take the image and destroy it. */
static struct blob jpeg_of(gdImagePtr im, int quality)
{
	int size = 0;
	void *p = gdImageJpegPtr(im, &size, quality);

	gdImageDestroy(im);
	return blob_from_gd(p, size);
}

static struct blob png_of(gdImagePtr im)
{
	int size = 0;
	void *p = gdImagePngPtr(im, &size);

	gdImageDestroy(im);
	return blob_from_gd(p, size);
}

static struct blob webp_of(gdImagePtr im, int quantization)
{
	int size = 0;
	void *p = gdImageWebpPtrEx(im, &size, quantization);

	gdImageDestroy(im);
	return blob_from_gd(p, size);
}

static struct blob gif_of(gdImagePtr im)
{
	int size = 0;
	void *p = gdImageGifPtr(im, &size);

	gdImageDestroy(im);
	return blob_from_gd(p, size);
}

static void put16(unsigned char *p, unsigned v, int big_endian)
{
	p[big_endian ? 0 : 1] = (unsigned char)(v >> 8);
	p[big_endian ? 1 : 0] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v, int big_endian)
{
	for (int i = 0; i < 4; i++)
		p[big_endian ? 3 - i : i] = (unsigned char)(v >> (8 * i));
}

static void put_entry(unsigned char *p, unsigned tag, unsigned type, uint32_t count, int big_endian)
{
	put16(p, tag, big_endian);
	put16(p + 2, type, big_endian);
	put32(p + 4, count, big_endian);
}

#define EXIF_APP1_LEN (4 + 6 + 56)

/* An APP1 segment as a phone writes it, cut down to what we test: a TIFF
 * header, IFD0 with Orientation and a pointer to a GPS IFD, and the GPS IFD
 * with GPSLatitudeRef "N". */
static void exif_app1(unsigned char seg[EXIF_APP1_LEN], unsigned orientation, int big_endian)
{
	unsigned char *tiff = seg + 10;

	memset(seg, 0, EXIF_APP1_LEN);
	seg[0] = 0xFF;
	seg[1] = 0xE1;
	seg[2] = (EXIF_APP1_LEN - 2) >> 8;
	seg[3] = (EXIF_APP1_LEN - 2) & 0xFF;
	memcpy(seg + 4, "Exif\0\0", 6);
	memcpy(tiff, big_endian ? "MM" : "II", 2);
	put16(tiff + 2, 42, big_endian);
	put32(tiff + 4, 8, big_endian);
	/* IFD0 at 8: two entries, sorted by tag, then no next IFD. */
	put16(tiff + 8, 2, big_endian);
	put_entry(tiff + 10, 0x0112, 3, 1, big_endian); /* Orientation, SHORT */
	put16(tiff + 18, orientation, big_endian);
	put_entry(tiff + 22, 0x8825, 4, 1, big_endian); /* GPS IFD pointer, LONG */
	put32(tiff + 30, 38, big_endian);
	put32(tiff + 34, 0, big_endian);
	/* The GPS IFD at 38: GPSLatitudeRef, ASCII, 2 bytes inline. */
	put16(tiff + 38, 1, big_endian);
	put_entry(tiff + 40, 0x0001, 2, 2, big_endian);
	tiff[48] = 'N';
	put32(tiff + 52, 0, big_endian);
}

static struct blob jpeg_with_orientation(gdImagePtr im, unsigned orientation, int big_endian)
{
	struct blob b = jpeg_of(im, 92);
	unsigned char seg[EXIF_APP1_LEN];

	exif_app1(seg, orientation, big_endian);
	blob_insert(&b, 2, seg, sizeof(seg));
	return b;
}

static gdImagePtr decode_jpeg(const unsigned char *p, size_t len)
{
	gdImagePtr im = gdImageCreateFromJpegPtr((int)len, (void *)p);

	assert_non_null(im);
	return im;
}

static void assert_color_near(gdImagePtr im, int x, int y, int want, int tolerance)
{
	int c = gdImageGetTrueColorPixel(im, x, y);
	int dr = abs(gdTrueColorGetRed(c) - (want >> 16 & 0xFF));
	int dg = abs(gdTrueColorGetGreen(c) - (want >> 8 & 0xFF));
	int db = abs(gdTrueColorGetBlue(c) - (want & 0xFF));

	if (dr <= tolerance && dg <= tolerance && db <= tolerance)
		return;
	print_error("pixel (%d, %d) is #%06x, want #%06x within %d\n", x, y, c & 0xFFFFFF, want,
		    tolerance);
	fail();
}

/* Normalizes b, which must succeed, and checks what holds for every output:
 * both are JPEGs that libgd reads back at the sizes reported, and neither
 * carries an APP1 (EXIF, XMP) or a comment. In entropy-coded data 0xFF is
 * always followed by 0x00 or a restart marker, so searching the whole file
 * for these markers finds only real segments. */
static void normalize_ok(const struct blob *b, const struct image_limits *lim,
			 struct image_out *out)
{
	struct problem prob;
	static const unsigned char app1[] = { 0xFF, 0xE1 }, com[] = { 0xFF, 0xFE };

	problem_init(&prob);
	assert_int_equal(image_normalize(b->data, b->len, lim, out, &prob), RC_OK);
	for (int i = 0; i < 2; i++) {
		struct blob o = { i ? out->thumb : out->full, i ? out->thumb_len : out->full_len };
		gdImagePtr im;

		assert_non_null(o.data);
		assert_true(o.len > 4);
		assert_int_equal(o.data[0], 0xFF);
		assert_int_equal(o.data[1], 0xD8);
		assert_false(contains(&o, app1, sizeof(app1)));
		assert_false(contains(&o, com, sizeof(com)));
		assert_false(contains(&o, "Exif", 4));
		im = decode_jpeg(o.data, o.len);
		assert_int_equal(gdImageSX(im), i ? out->thumb_width : out->width);
		assert_int_equal(gdImageSY(im), i ? out->thumb_height : out->height);
		gdImageDestroy(im);
	}
}

static void assert_refused(const struct blob *b, const char *type)
{
	struct image_out out;
	struct problem prob;

	problem_init(&prob);
	memset(&out, 0xA5, sizeof(out));
	assert_int_equal(image_normalize(b->data, b->len, &limits, &out, &prob), RC_INVALID);
	assert_string_equal(prob.type, type);
	assert_true(prob.detail[0] != '\0');
	/* A refusal leaves nothing to release, and releasing is harmless. */
	assert_null(out.full);
	assert_null(out.thumb);
	image_out_release(&out);
}

/* Appends a PNG chunk with its length and CRC. */
static void png_chunk(struct blob *b, const char type[4], const unsigned char *data, uint32_t n)
{
	unsigned char head[8], crc[4];
	uint32_t c = (uint32_t)crc32(0, (const unsigned char *)type, 4);

	put32(head, n, 1);
	memcpy(head + 4, type, 4);
	if (n)
		c = (uint32_t)crc32(c, data, n);
	put32(crc, c, 1);
	blob_insert(b, b->len, head, sizeof(head));
	if (n)
		blob_insert(b, b->len, data, n);
	blob_insert(b, b->len, crc, sizeof(crc));
}

/* A PNG's signature and IHDR: w × h, 8 bits, the colour type given. */
static struct blob png_start(uint32_t w, uint32_t h, unsigned char colour_type)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
	unsigned char ihdr[13] = { 0 };
	struct blob b = { .data = malloc(8), .len = 8 };

	assert_non_null(b.data);
	memcpy(b.data, sig, 8);
	put32(ihdr, w, 1);
	put32(ihdr + 4, h, 1);
	ihdr[8] = 8; /* bit depth */
	ihdr[9] = colour_type;
	png_chunk(&b, "IHDR", ihdr, sizeof(ihdr));
	return b;
}

/* A PNG's first 33 bytes: signature and IHDR (8-bit RGB), with a correct CRC. */
static struct blob png_header_only(uint32_t w, uint32_t h)
{
	return png_start(w, h, 2);
}

/* SOI, then a baseline SOF0 for w × h with three components, then EOI. */
static struct blob jpeg_header_only(unsigned w, unsigned h)
{
	static const unsigned char tmpl[] = {
		0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0,	0,    0,    0,	  0x03,
		0x01, 0x11, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9,
	};
	struct blob b = { .data = malloc(sizeof(tmpl)), .len = sizeof(tmpl) };

	assert_non_null(b.data);
	memcpy(b.data, tmpl, sizeof(tmpl));
	put16(b.data + 7, h, 1);
	put16(b.data + 9, w, 1);
	return b;
}

static void test_image__sniff_recognises_jpeg_png_and_webp(void **state)
{
	struct blob jpeg = jpeg_of(solid(8, 8, RED), 80);
	struct blob png = png_of(solid(8, 8, RED));
	struct blob webp = webp_of(solid(8, 8, RED), 80);

	(void)state;
	assert_int_equal(image_sniff(jpeg.data, jpeg.len), IMAGE_JPEG);
	assert_int_equal(image_sniff(png.data, png.len), IMAGE_PNG);
	assert_int_equal(image_sniff(webp.data, webp.len), IMAGE_WEBP);
	/* The magic alone is enough to be recognised (and no more is read). */
	assert_int_equal(image_sniff(jpeg.data, 3), IMAGE_JPEG);
	assert_int_equal(image_sniff(png.data, 8), IMAGE_PNG);
	assert_int_equal(image_sniff(webp.data, 12), IMAGE_WEBP);
	blob_free(&jpeg);
	blob_free(&png);
	blob_free(&webp);
}

static void test_image__sniff_refuses_text_gif_and_empty(void **state)
{
	struct blob gif = gif_of(solid(8, 8, RED));
	struct blob png = png_of(solid(8, 8, RED));
	static const char text[] = "<svg xmlns='http://www.w3.org/2000/svg'/>";
	static const unsigned char wave[] = "RIFF\x24\0\0\0WAVEfmt ";
	static const unsigned char two_bytes[] = { 0xFF, 0xD8 };

	(void)state;
	assert_int_equal(image_sniff(gif.data, gif.len), IMAGE_UNKNOWN);
	assert_int_equal(image_sniff(text, sizeof(text) - 1), IMAGE_UNKNOWN);
	assert_int_equal(image_sniff(wave, sizeof(wave) - 1), IMAGE_UNKNOWN);
	assert_int_equal(image_sniff(two_bytes, sizeof(two_bytes)), IMAGE_UNKNOWN);
	assert_int_equal(image_sniff(png.data, 7), IMAGE_UNKNOWN);
	assert_int_equal(image_sniff("", 0), IMAGE_UNKNOWN);
	assert_int_equal(image_sniff(NULL, 0), IMAGE_UNKNOWN);
	blob_free(&gif);
	blob_free(&png);
}

/* Asserts that image_header_size reads nothing from every prefix of b
 * shorter than some length and exactly w × h from every prefix from there
 * on; returns that length. Each prefix is copied into a block of its own
 * size, so a read past it is a heap overflow ASan reports. */
static size_t assert_prefixes_read_nothing_until_whole(const struct blob *b, int w, int h)
{
	size_t first_ok = 0;

	for (size_t n = 0; n <= b->len; n++) {
		unsigned char *copy = malloc(n ? n : 1);
		int got_w = -1, got_h = -1, ok;

		assert_non_null(copy);
		memcpy(copy, b->data, n);
		ok = image_header_size(copy, n, &got_w, &got_h);
		free(copy);
		if (!ok) {
			if (first_ok) {
				print_error("prefix of %zu bytes unreadable after %zu was\n", n,
					    first_ok);
				fail();
			}
			assert_int_equal(got_w, 0);
			assert_int_equal(got_h, 0);
			continue;
		}
		if (!first_ok)
			first_ok = n;
		assert_int_equal(got_w, w);
		assert_int_equal(got_h, h);
	}
	assert_true(first_ok > 0);
	return first_ok;
}

static void test_image__header_size_reads_png_from_ihdr(void **state)
{
	struct blob png = png_of(solid(123, 45, BLUE));

	(void)state;
	assert_int_equal(assert_prefixes_read_nothing_until_whole(&png, 123, 45), 24);
	blob_free(&png);
}

static void test_image__header_size_reads_jpeg_from_the_frame_header(void **state)
{
	struct blob jpeg = jpeg_of(solid(321, 47, BLUE), 90);
	size_t sof = 0;

	(void)state;
	/* libgd writes baseline JPEGs; the frame header ends the header. */
	while (sof + 4 < jpeg.len && !(jpeg.data[sof] == 0xFF && jpeg.data[sof + 1] == 0xC0))
		sof++;
	assert_true(sof + 4 < jpeg.len);
	assert_int_equal(assert_prefixes_read_nothing_until_whole(&jpeg, 321, 47),
			 sof + 2 + (jpeg.data[sof + 2] << 8 | jpeg.data[sof + 3]));
	blob_free(&jpeg);
}

static void test_image__header_size_reads_webp_lossy_lossless_and_extended(void **state)
{
	struct blob lossy = webp_of(solid(333, 77, GREEN), 80);
	struct blob lossless = webp_of(solid(4001, 3, GREEN), gdWebpLossless);
	gdImagePtr im = solid(64, 50, GREEN);
	struct blob extended;

	(void)state;
	/* libwebp writes a VP8X chunk in front of lossy data with alpha. */
	gdImageSaveAlpha(im, 1);
	gdImageAlphaBlending(im, 0);
	gdImageSetPixel(im, 3, 3, gdTrueColorAlpha(0, 0, 0, 100));
	extended = webp_of(im, 80);
	assert_memory_equal(lossy.data + 12, "VP8 ", 4);
	assert_memory_equal(lossless.data + 12, "VP8L", 4);
	assert_memory_equal(extended.data + 12, "VP8X", 4);
	assert_int_equal(assert_prefixes_read_nothing_until_whole(&lossy, 333, 77), 30);
	assert_int_equal(assert_prefixes_read_nothing_until_whole(&lossless, 4001, 3), 25);
	assert_int_equal(assert_prefixes_read_nothing_until_whole(&extended, 64, 50), 30);
	blob_free(&lossy);
	blob_free(&lossless);
	blob_free(&extended);
}

static void test_image__header_size_reads_24_bit_vp8x_canvas_sizes(void **state)
{
	unsigned char vp8x[30] = "RIFF\x16\0\0\0WEBPVP8X\x0a\0\0\0";
	int w = 0, h = 0;

	(void)state;
	/* 20000 × 3000000, minus one each, in 24 bits little-endian. */
	vp8x[24] = 0x1F, vp8x[25] = 0x4E, vp8x[26] = 0x00;
	vp8x[27] = 0xBF, vp8x[28] = 0xC6, vp8x[29] = 0x2D;
	assert_int_equal(image_header_size(vp8x, sizeof(vp8x), &w, &h), 1);
	assert_int_equal(w, 20000);
	assert_int_equal(h, 3000000);
}

static void test_image__jpeg_header_skips_segments_by_length_like_libjpeg(void **state)
{
	struct blob jpeg = jpeg_of(solid(100, 60, RED), 90);
	/* An APP2 whose payload holds a fake SOF0 for 1 × 1, then fill bytes. */
	static const unsigned char decoy[] = {
		0xFF, 0xE2, 0x00, 0x0D, 0xFF, 0xC0, 0x00, 0x0B, 0x08,
		0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0xFF, 0xFF, 0xFF,
	};
	int w = 0, h = 0;
	struct image_out out;

	(void)state;
	blob_insert(&jpeg, 2, decoy, sizeof(decoy));
	assert_int_equal(image_header_size(jpeg.data, jpeg.len, &w, &h), 1);
	assert_int_equal(w, 100);
	assert_int_equal(h, 60);
	/* libjpeg agrees, which is the point of walking the same way. */
	normalize_ok(&jpeg, &limits, &out);
	assert_int_equal(out.width, 100);
	assert_int_equal(out.height, 60);
	image_out_release(&out);
	blob_free(&jpeg);
}

static void test_image__jpeg_header_refuses_scan_first_and_empty_sides(void **state)
{
	static const unsigned char scan_first[] = {
		0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0xFF,
		0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00,
	};
	struct blob zero_height = jpeg_header_only(640, 0);
	struct blob bad_length = jpeg_header_only(640, 480);
	int w = 7, h = 7;

	(void)state;
	bad_length.data[5] = 0x01; /* a segment length below 2 */
	assert_int_equal(image_header_size(scan_first, sizeof(scan_first), &w, &h), 0);
	assert_int_equal(w, 0);
	assert_int_equal(h, 0);
	assert_int_equal(image_header_size(zero_height.data, zero_height.len, &w, &h), 0);
	assert_int_equal(image_header_size(bad_length.data, bad_length.len, &w, &h), 0);
	blob_free(&zero_height);
	blob_free(&bad_length);
}

static void test_image__normalize_scales_a_large_png_to_the_long_edge(void **state)
{
	gdImagePtr im = solid(3000, 2000, 0x2878C8);
	struct blob png;
	struct image_out out;
	gdImagePtr back;

	(void)state;
	/* A dark frame at the very edge, to see that scaling keeps the borders. */
	gdImageRectangle(im, 0, 0, 2999, 1999, 0x000000);
	png = png_of(im);
	normalize_ok(&png, &limits, &out);
	assert_int_equal(out.source_kind, IMAGE_PNG);
	assert_int_equal(out.width, 1600);
	assert_int_equal(out.height, 1067); /* 2000 × 1600 / 3000 = 1066.7 */
	assert_int_equal(out.thumb_width, 360);
	assert_int_equal(out.thumb_height, 240);
	assert_true(out.thumb_len < out.full_len);
	back = decode_jpeg(out.full, out.full_len);
	assert_color_near(back, 800, 533, 0x2878C8, 10);
	assert_color_near(back, 5, 5, 0x2878C8, 10);
	assert_color_near(back, 1594, 1061, 0x2878C8, 10);
	gdImageDestroy(back);
	back = decode_jpeg(out.thumb, out.thumb_len);
	assert_color_near(back, 180, 120, 0x2878C8, 10);
	assert_color_near(back, 3, 236, 0x2878C8, 12);
	gdImageDestroy(back);
	image_out_release(&out);
	blob_free(&png);
}

static void test_image__normalize_fits_portrait_pictures_by_their_height(void **state)
{
	struct blob jpeg = jpeg_of(solid(900, 2000, RED), 85);
	struct image_out out;

	(void)state;
	normalize_ok(&jpeg, &limits, &out);
	assert_int_equal(out.source_kind, IMAGE_JPEG);
	assert_int_equal(out.width, 720);
	assert_int_equal(out.height, 1600);
	assert_int_equal(out.thumb_width, 162);
	assert_int_equal(out.thumb_height, 360);
	image_out_release(&out);
	blob_free(&jpeg);
}

static void test_image__normalize_never_upscales(void **state)
{
	struct blob webp = webp_of(quadrants(200, 100), 90);
	struct blob thin = png_of(solid(2000, 1, GREEN));
	struct image_out out;
	gdImagePtr back;

	(void)state;
	normalize_ok(&webp, &limits, &out);
	assert_int_equal(out.source_kind, IMAGE_WEBP);
	assert_int_equal(out.width, 200);
	assert_int_equal(out.height, 100);
	assert_int_equal(out.thumb_width, 200);
	assert_int_equal(out.thumb_height, 100);
	back = decode_jpeg(out.full, out.full_len);
	assert_color_near(back, 50, 25, RED, 24);
	assert_color_near(back, 150, 75, YELLOW, 24);
	gdImageDestroy(back);
	image_out_release(&out);
	/* A short side that would round to nothing stays one pixel. */
	normalize_ok(&thin, &limits, &out);
	assert_int_equal(out.width, 1600);
	assert_int_equal(out.height, 1);
	assert_int_equal(out.thumb_width, 360);
	assert_int_equal(out.thumb_height, 1);
	image_out_release(&out);
	/* Nor does the thumbnail outgrow the full picture. */
	normalize_ok(&thin,
		     &(struct image_limits){ .max_edge = 100, .thumb_edge = 500, .quality = 50 },
		     &out);
	assert_int_equal(out.width, 100);
	assert_int_equal(out.thumb_width, 100);
	assert_int_equal(out.thumb_height, 1);
	image_out_release(&out);
	blob_free(&webp);
	blob_free(&thin);
}

static void test_image__orientation_6_turns_clockwise_and_drops_gps(void **state)
{
	gdImagePtr im = solid(400, 200, RED);
	struct blob jpeg;
	struct image_out out;
	gdImagePtr back;

	(void)state;
	gdImageFilledRectangle(im, 200, 0, 399, 199, BLUE);
	jpeg = jpeg_with_orientation(im, 6, 0);
	assert_true(contains(&jpeg, "Exif", 4));
	normalize_ok(&jpeg, &limits, &out);
	assert_int_equal(out.width, 200);
	assert_int_equal(out.height, 400);
	assert_int_equal(out.thumb_width, 180);
	assert_int_equal(out.thumb_height, 360);
	/* The stored left edge, red, is now the top. */
	back = decode_jpeg(out.full, out.full_len);
	assert_color_near(back, 100, 50, RED, 24);
	assert_color_near(back, 100, 350, BLUE, 24);
	gdImageDestroy(back);
	back = decode_jpeg(out.thumb, out.thumb_len);
	assert_color_near(back, 90, 40, RED, 24);
	assert_color_near(back, 90, 320, BLUE, 24);
	gdImageDestroy(back);
	image_out_release(&out);
	blob_free(&jpeg);
}

/* Where the stored red, green, blue and yellow quarters are displayed under
 * each EXIF orientation, read off the pictures in the EXIF 2.32 standard,
 * table 4 ("Orientation"). */
static const struct {
	unsigned orientation;
	int w, h;
	int top_left, top_right, bottom_left, bottom_right;
} displayed[] = {
	{ 1, 400, 200, RED, GREEN, BLUE, YELLOW },
	{ 2, 400, 200, GREEN, RED, YELLOW, BLUE },
	{ 3, 400, 200, YELLOW, BLUE, GREEN, RED },
	{ 4, 400, 200, BLUE, YELLOW, RED, GREEN },
	{ 5, 200, 400, RED, BLUE, GREEN, YELLOW },
	{ 6, 200, 400, BLUE, RED, YELLOW, GREEN },
	{ 7, 200, 400, YELLOW, GREEN, BLUE, RED },
	{ 8, 200, 400, GREEN, YELLOW, RED, BLUE },
	/* Out of range: shown as stored. */
	{ 0, 400, 200, RED, GREEN, BLUE, YELLOW },
	{ 9, 400, 200, RED, GREEN, BLUE, YELLOW },
};

static void test_image__every_orientation_puts_the_quarters_where_exif_says(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(displayed) / sizeof(displayed[0]); i++) {
		for (int big_endian = 0; big_endian < 2; big_endian++) {
			struct blob jpeg = jpeg_with_orientation(
				quadrants(400, 200), displayed[i].orientation, big_endian);
			struct image_out out;
			gdImagePtr back;
			int w = displayed[i].w, h = displayed[i].h;

			print_message("orientation %u, %s\n", displayed[i].orientation,
				      big_endian ? "big-endian" : "little-endian");
			normalize_ok(&jpeg, &limits, &out);
			assert_int_equal(out.width, w);
			assert_int_equal(out.height, h);
			back = decode_jpeg(out.full, out.full_len);
			assert_color_near(back, w / 4, h / 4, displayed[i].top_left, 24);
			assert_color_near(back, 3 * w / 4, h / 4, displayed[i].top_right, 24);
			assert_color_near(back, w / 4, 3 * h / 4, displayed[i].bottom_left, 24);
			assert_color_near(back, 3 * w / 4, 3 * h / 4, displayed[i].bottom_right,
					  24);
			gdImageDestroy(back);
			image_out_release(&out);
			blob_free(&jpeg);
		}
	}
}

static void test_image__orientation_is_found_behind_an_xmp_segment(void **state)
{
	static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>";
	unsigned char seg[4 + sizeof(xmp)] = { 0xFF, 0xE1, 0, sizeof(xmp) + 2 };
	struct blob jpeg = jpeg_with_orientation(quadrants(400, 200), 8, 0);
	struct image_out out;
	gdImagePtr back;

	(void)state;
	memcpy(seg + 4, xmp, sizeof(xmp));
	blob_insert(&jpeg, 2, seg, sizeof(seg));
	normalize_ok(&jpeg, &limits, &out);
	assert_int_equal(out.width, 200);
	assert_int_equal(out.height, 400);
	back = decode_jpeg(out.full, out.full_len);
	assert_color_near(back, 50, 100, GREEN, 24);
	gdImageDestroy(back);
	assert_false(contains(&(struct blob){ out.full, out.full_len }, "xmpmeta", 7));
	image_out_release(&out);
	blob_free(&jpeg);
}

/* Half the picture fully transparent, the other half red at half opacity. */
static void draw_transparency(gdImagePtr im)
{
	int w = gdImageSX(im), h = gdImageSY(im);

	gdImageAlphaBlending(im, 0);
	gdImageSaveAlpha(im, 1);
	gdImageFilledRectangle(im, 0, 0, w / 2 - 1, h - 1, gdTrueColorAlpha(0, 0, 0, 127));
	gdImageFilledRectangle(im, w / 2, 0, w - 1, h - 1, gdTrueColorAlpha(255, 0, 0, 64));
}

static void assert_flattened_onto_white(const struct blob *b, int check_half)
{
	struct image_out out;
	gdImagePtr back;

	normalize_ok(b, &limits, &out);
	back = decode_jpeg(out.full, out.full_len);
	assert_color_near(back, 10, 10, 0xFFFFFF, 8);
	/* Red over white at half opacity is pink, not dark red. */
	if (check_half)
		assert_color_near(back, out.width - 10, 10, 0xFF7F7F, 14);
	gdImageDestroy(back);
	image_out_release(&out);
}

static void test_image__transparency_is_flattened_onto_white(void **state)
{
	gdImagePtr im;
	struct blob b;
	int key;

	(void)state;
	im = gdImageCreateTrueColor(64, 64);
	draw_transparency(im);
	b = png_of(im);
	assert_flattened_onto_white(&b, 1);
	blob_free(&b);

	im = gdImageCreateTrueColor(64, 64);
	draw_transparency(im);
	b = webp_of(im, gdWebpLossless);
	assert_flattened_onto_white(&b, 1);
	blob_free(&b);

	im = gdImageCreateTrueColor(64, 64);
	draw_transparency(im);
	b = webp_of(im, 90);
	assert_flattened_onto_white(&b, 1);
	blob_free(&b);

	/* A palette PNG whose transparent entry is black. */
	im = gdImageCreate(64, 64);
	key = gdImageColorAllocate(im, 0, 0, 0);
	gdImageColorAllocate(im, 255, 0, 0);
	gdImageColorTransparent(im, key);
	b = png_of(im);
	assert_flattened_onto_white(&b, 0);
	blob_free(&b);

	/* A truecolor PNG with a tRNS colour key instead of an alpha channel. */
	im = solid(64, 64, 0x000000);
	gdImageColorTransparent(im, 0x000000);
	b = png_of(im);
	assert_true(contains(&b, "tRNS", 4));
	assert_flattened_onto_white(&b, 0);
	blob_free(&b);
}

static void test_image__refuses_what_it_cannot_show(void **state)
{
	unsigned char garbage[600];
	struct blob jpeg_magic = { garbage, sizeof(garbage) };
	struct blob gif = gif_of(solid(40, 40, RED));
	struct blob huge_png = png_header_only(20000, 20000);
	struct blob small_png = png_header_only(640, 480);
	struct blob text = { (unsigned char *)"hello, world", 12 };
	struct blob empty = { (unsigned char *)"", 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (unsigned char)(i * 37 + 11);
	garbage[0] = 0xFF, garbage[1] = 0xD8, garbage[2] = 0xFF;
	assert_refused(&jpeg_magic, "bad-image");
	assert_refused(&huge_png, "image-too-large");
	/* A header that promises a small picture and then ends. */
	assert_refused(&small_png, "bad-image");
	assert_refused(&gif, "unsupported-image");
	assert_refused(&text, "unsupported-image");
	assert_refused(&empty, "unsupported-image");
	blob_free(&gif);
	blob_free(&huge_png);
	blob_free(&small_png);
}

static void test_image__the_pixel_limit_is_checked_before_decoding(void **state)
{
	/* 10000 × 5000 is exactly the limit: allowed through to the decoder,
	 * which finds no picture; one more row is refused unread. */
	struct blob at_limit = jpeg_header_only(10000, 5000);
	struct blob over = jpeg_header_only(10000, 5001);
	unsigned char vp8x[30] = "RIFF\x16\0\0\0WEBPVP8X\x0a\0\0\0";
	struct blob webp = { vp8x, sizeof(vp8x) };
	struct image_out out;
	struct problem prob;

	(void)state;
	assert_refused(&at_limit, "bad-image");
	assert_refused(&over, "image-too-large");
	vp8x[24] = vp8x[25] = vp8x[26] = 0xFF; /* 16777216 × 4 */
	vp8x[27] = 3;
	assert_refused(&webp, "image-too-large");
	problem_init(&prob);
	assert_int_equal(image_normalize(over.data, over.len, &limits, &out, &prob), RC_INVALID);
	assert_non_null(strstr(prob.detail, "10000×5001"));
	blob_free(&at_limit);
	blob_free(&over);
}

/* splitmix64: the same sequence on every platform and libc. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15u);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

/* Rewrites every PNG chunk's CRC, so a mutation reaches libpng's checks of
 * the content instead of stopping at the checksum. */
static void png_fix_crcs(unsigned char *d, size_t len)
{
	size_t p = 8;

	while (len >= p && len - p >= 12) {
		uint32_t n = (uint32_t)d[p] << 24 | d[p + 1] << 16 | d[p + 2] << 8 | d[p + 3];

		if (n > len - p - 12)
			break;
		put32(d + p + 8 + n, (uint32_t)crc32(0, d + p + 4, n + 4), 1);
		p += 12 + n;
	}
}

/* Normalizes d with small limits, which must either succeed with sane
 * outputs or refuse; returns 1 if it succeeded. */
static int assert_ok_or_invalid(const unsigned char *d, size_t len, const char *what,
				unsigned iteration)
{
	static const struct image_limits small = { .max_edge = 64,
						   .thumb_edge = 16,
						   .quality = 60 };
	struct image_out out;
	struct problem prob;
	enum rc rc;
	int w, h;

	problem_init(&prob);
	(void)image_sniff(d, len);
	(void)image_header_size(d, len, &w, &h);
	rc = image_normalize(d, len, &small, &out, &prob);
	if (rc == RC_OK) {
		assert_non_null(out.full);
		assert_non_null(out.thumb);
		assert_true(out.width >= 1 && out.width <= 64);
		assert_true(out.height >= 1 && out.height <= 64);
		assert_true(out.thumb_width >= 1 && out.thumb_width <= 16);
		assert_true(out.thumb_height >= 1 && out.thumb_height <= 16);
		image_out_release(&out);
		return 1;
	}
	if (rc != RC_INVALID) {
		print_error("%s #%u: rc %d (%s)\n", what, iteration, (int)rc, prob.type);
		fail();
	}
	return 0;
}

static void test_image__random_garbage_is_refused_without_crashing(void **state)
{
	static const unsigned char *const magics[] = {
		(const unsigned char *)"",
		(const unsigned char *)"\xFF\xD8\xFF",
		(const unsigned char *)"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR",
		(const unsigned char *)"RIFF\0\0\0\0WEBPVP8 ",
		(const unsigned char *)"RIFF\0\0\0\0WEBPVP8L",
		(const unsigned char *)"RIFF\0\0\0\0WEBPVP8X",
	};
	static const size_t magic_len[] = { 0, 3, 16, 16, 16, 16 };
	uint64_t seed = 20240611;

	(void)state;
	for (unsigned i = 0; i < 1500; i++) {
		size_t len = next_random(&seed) % 700;
		size_t m = next_random(&seed) % 6;
		unsigned char *d;

		if (len < magic_len[m])
			len = magic_len[m];
		d = malloc(len ? len : 1);
		assert_non_null(d);
		for (size_t j = 0; j < len; j++)
			d[j] = (unsigned char)next_random(&seed);
		memcpy(d, magics[m], magic_len[m]);
		/* Keep WebP sizes small, so what libwebp accepts decodes quickly. */
		if (len >= 30 && m == 3)
			d[27] = d[29] = 0;
		if (len >= 30 && m == 4)
			d[22] = d[23] = d[24] = 0;
		if (len >= 30 && m == 5)
			d[25] = d[26] = d[28] = d[29] = 0;
		assert_ok_or_invalid(d, len, "garbage", i);
		free(d);
	}
}

static void test_image__bit_flipped_pictures_never_crash(void **state)
{
	struct blob seeds[6];
	gdImagePtr im;
	uint64_t seed = 7;
	unsigned ok[6] = { 0 };

	(void)state;
	seeds[0] = jpeg_with_orientation(quadrants(40, 30), 6, 0);
	seeds[1] = jpeg_with_orientation(quadrants(40, 30), 3, 1);
	im = quadrants(40, 30);
	draw_transparency(im);
	seeds[2] = png_of(im);
	im = gdImageCreate(40, 30);
	gdImageColorTransparent(im, gdImageColorAllocate(im, 0, 0, 0));
	gdImageFilledRectangle(im, 5, 5, 20, 20, gdImageColorAllocate(im, 9, 99, 199));
	seeds[3] = png_of(im);
	seeds[4] = webp_of(quadrants(40, 30), 70);
	im = quadrants(40, 30);
	draw_transparency(im);
	seeds[5] = webp_of(im, gdWebpLossless);

	for (unsigned i = 0; i < 3000; i++) {
		size_t s = i % 6;
		size_t len = seeds[s].len;
		unsigned char *d = malloc(len);
		unsigned flips = 1 + next_random(&seed) % 6;

		assert_non_null(d);
		memcpy(d, seeds[s].data, len);
		for (unsigned f = 0; f < flips; f++) {
			size_t at = next_random(&seed) % len;

			d[at] ^= (unsigned char)(1u << next_random(&seed) % 8);
		}
		if (next_random(&seed) % 8 == 0)
			len -= next_random(&seed) % len;
		if (s == 2 || s == 3)
			png_fix_crcs(d, len);
		ok[s] += (unsigned)assert_ok_or_invalid(d, len, "bit flips", i);
		free(d);
	}
	/* Most flips land in pixel data, which still decodes; if nothing got
	 * through, the mutations never reached the decoders. */
	for (size_t s = 0; s < 6; s++) {
		print_message("seed %zu: %u of 500 mutants decoded\n", s, ok[s]);
		assert_true(ok[s] > 0);
		blob_free(&seeds[s]);
	}
}

/* Runs normalize on damaged files with fd 2 pointing at a temporary file and
 * returns how many bytes landed there. */
static long stderr_bytes_while_refusing(const struct blob *bad, size_t n)
{
	FILE *capture = tmpfile();
	int saved;
	long written;

	assert_non_null(capture);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(capture), 2) >= 0);
	for (size_t i = 0; i < n; i++) {
		struct image_out out;
		struct problem prob;

		problem_init(&prob);
		if (image_normalize(bad[i].data, bad[i].len, &limits, &out, &prob) == RC_OK)
			image_out_release(&out);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(fseek(capture, 0, SEEK_END), 0);
	written = ftell(capture);
	fclose(capture);
	return written;
}

static void test_image__bad_uploads_write_nothing_to_stderr(void **state)
{
	struct blob bad[5];
	size_t n;

	(void)state;
	/* A JPEG cut inside its entropy data (libjpeg warns), one cut before
	 * its scan (libjpeg fails), a PNG with a broken IDAT CRC (libpng
	 * fails), one whose text chunk has a broken CRC (libpng warns), and a
	 * WebP with its bitstream cut. */
	bad[0] = jpeg_of(quadrants(300, 200), 90);
	bad[0].len = bad[0].len * 2 / 3;
	bad[1] = jpeg_of(quadrants(300, 200), 90);
	for (n = 2; !(bad[1].data[n] == 0xFF && bad[1].data[n + 1] == 0xDA); n++)
		;
	bad[1].len = n;
	bad[2] = png_of(quadrants(300, 200));
	bad[2].data[bad[2].len - 20] ^= 0x55;
	bad[3] = png_of(quadrants(30, 20));
	{
		static const unsigned char text[] = { 0,   0, 0,   4,	't',  'E',  'X',  't',
						      'a', 0, 'b', 'c', 0xDE, 0xAD, 0xBE, 0xEF };

		blob_insert(&bad[3], 33, text, sizeof(text));
	}
	bad[4] = webp_of(quadrants(300, 200), 80);
	bad[4].len = bad[4].len / 2;
	assert_int_equal(stderr_bytes_while_refusing(bad, 5), 0);
	for (n = 0; n < 5; n++)
		blob_free(&bad[n]);
}

/* A picture of noise, which JPEG cannot squeeze: its entropy data is most
 * of the file. */
static gdImagePtr noise(int w, int h, uint64_t seed)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);

	assert_non_null(im);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			gdImageSetPixel(im, x, y, (int)(next_random(&seed) & 0xFFFFFF));
	return im;
}

/* A w × h 8-bit grey PNG of one shade, its rows deflated a slice at a time
 * so that making a big one costs no memory. Of zeros it is a deflate bomb:
 * deflate squeezes them about a thousandfold (7000 × 7000 is 49 MB of rows
 * in 48 KB). */
static struct blob png_grey(uint32_t w, uint32_t h, unsigned char shade)
{
	unsigned char *row = malloc((size_t)w + 1);
	struct blob b = png_start(w, h, 0); /* colour type 0: grey */
	size_t cap = 1 << 20;
	unsigned char *z = malloc(cap);
	z_stream zs;

	assert_non_null(row);
	assert_non_null(z);
	row[0] = 0; /* no filter */
	memset(row + 1, shade, w);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit(&zs, 9), Z_OK);
	zs.next_out = z;
	zs.avail_out = (uInt)cap;
	for (uint32_t y = 0; y < h; y++) {
		zs.next_in = row;
		zs.avail_in = w + 1;
		assert_true(deflate(&zs, y + 1 < h ? Z_NO_FLUSH : Z_FINISH) != Z_STREAM_ERROR);
		assert_true(zs.avail_out > 0);
	}
	assert_int_equal(deflateEnd(&zs), Z_OK);
	png_chunk(&b, "IDAT", z, (uint32_t)(cap - zs.avail_out));
	png_chunk(&b, "IEND", NULL, 0);
	free(z);
	free(row);
	return b;
}

/* A progressive JPEG that is nearly all header: a frame of w × h in three
 * full-resolution components (4:4:4), a DC Huffman table with one code, and
 * the first scan cut short after n bytes. */
static struct blob progressive_header_only(unsigned w, unsigned h, size_t n)
{
	static const unsigned char sof2[] = {
		0xFF, 0xC2, 0x00, 0x11, 0x08, 0,    0,	  0,	0,    0x03,
		0x01, 0x11, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00,
	};
	/* DC table 0: one code of one bit, for "no difference". */
	static const unsigned char dht[] = {
		0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0, 0, 0, 0, 0,
		0,    0,    0,	  0,	0,    0,    0, 0, 0, 0, 0x00,
	};
	/* The DC scan of all three components. */
	static const unsigned char sos[] = {
		0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
	};
	unsigned char dqt[4 + 65] = { 0xFF, 0xDB, 0x00, 0x43, 0x00 };
	struct blob b = { .data = malloc(2), .len = 2 };
	unsigned char *scan = calloc(1, n);

	assert_non_null(b.data);
	assert_non_null(scan);
	b.data[0] = 0xFF;
	b.data[1] = 0xD8;
	memset(dqt + 5, 1, 64);
	blob_insert(&b, b.len, dqt, sizeof(dqt));
	blob_insert(&b, b.len, sof2, sizeof(sof2));
	put16(b.data + b.len - sizeof(sof2) + 5, h, 1);
	put16(b.data + b.len - sizeof(sof2) + 7, w, 1);
	blob_insert(&b, b.len, dht, sizeof(dht));
	blob_insert(&b, b.len, sos, sizeof(sos));
	blob_insert(&b, b.len, scan, n);
	free(scan);
	return b;
}

static void test_image__a_truncated_jpeg_is_refused_not_filled_with_grey(void **state)
{
	struct blob jpeg = jpeg_of(noise(300, 200, 42), 90);
	struct blob progressive;
	gdImagePtr im = noise(300, 200, 43);

	(void)state;
	/* Cut to 1,000 bytes: the headers and the first rows' data. */
	assert_true(jpeg.len > 4000);
	jpeg.len = 1000;
	assert_refused(&jpeg, "bad-image");
	/* A progressive one missing its last scans is as incomplete. */
	gdImageInterlace(im, 1);
	progressive = jpeg_of(im, 90);
	progressive.len -= progressive.len / 4;
	assert_refused(&progressive, "bad-image");
	blob_free(&jpeg);
	blob_free(&progressive);
}

static void test_image__a_progressive_jpeg_declaring_7000x7000_is_refused_before_decoding(
	void **state)
{
	struct blob jpeg = progressive_header_only(7000, 7000, 480);
	int w = 0, h = 0;

	(void)state;
	/* 606 bytes for 49 megapixels, under the pixel limit; decoding them
	 * would take 294 MB of coefficients before the first row. */
	assert_int_equal(jpeg.len, 606);
	assert_int_equal(image_header_size(jpeg.data, jpeg.len, &w, &h), 1);
	assert_true((int64_t)w * h <= IMAGE_MAX_PIXELS);
	assert_refused(&jpeg, "image-too-large");
	blob_free(&jpeg);
}

static void test_image__a_png_deflate_bomb_is_refused_before_inflating(void **state)
{
	struct blob png = png_grey(7000, 7000, 0);

	(void)state;
	assert_true(png.len < 64 * 1024);
	assert_refused(&png, "image-too-large");
	blob_free(&png);
}

/* Encodes w × h pixels, all the same (components bytes), with libjpeg
 * itself, for what libgd cannot write: CMYK, or a scan script of our own. */
static struct blob jpeg_by_libjpeg(int w, int h, int components, J_COLOR_SPACE space,
				   const unsigned char *pixel, const jpeg_scan_info *scans,
				   int nscans)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned char *buf = NULL, *row = malloc((size_t)w * (size_t)components);
	unsigned long size = 0;
	struct blob b;

	assert_non_null(row);
	for (int x = 0; x < w; x++)
		memcpy(row + (size_t)x * (size_t)components, pixel, (size_t)components);
	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &buf, &size);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = components;
	c.in_color_space = space;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 95, TRUE);
	if (scans) {
		c.scan_info = scans;
		c.num_scans = nscans;
	}
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW r = row;

		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	b.data = malloc(size);
	b.len = size;
	assert_non_null(b.data);
	memcpy(b.data, buf, size);
	free(buf);
	free(row);
	return b;
}

static void assert_quadrants(const struct image_out *out)
{
	gdImagePtr back = decode_jpeg(out->full, out->full_len);
	int w = out->width, h = out->height;

	assert_color_near(back, w / 4, h / 4, RED, 24);
	assert_color_near(back, 3 * w / 4, h / 4, GREEN, 24);
	assert_color_near(back, w / 4, 3 * h / 4, BLUE, 24);
	assert_color_near(back, 3 * w / 4, 3 * h / 4, YELLOW, 24);
	gdImageDestroy(back);
}

static void test_image__a_12_megapixel_jpeg_is_decoded_at_a_quarter_of_its_pixels(void **state)
{
	struct blob jpeg = jpeg_of(quadrants(4000, 3000), 80);
	const int64_t full_size = 4000LL * 3000 * 4; /* the whole picture as RGBA */
	struct image_out out;

	(void)state;
	normalize_ok(&jpeg, &limits, &out);
	assert_int_equal(out.width, 1600);
	assert_int_equal(out.height, 1200);
	assert_quadrants(&out);
	/* libjpeg's scale 4/8 makes 2000 × 1500 straight from the DCT: the
	 * decoding holds about a quarter of the full picture, and the whole
	 * upload, scaling included, less than two thirds of it. */
	print_message("decode %lld bytes, whole upload %lld, full picture %lld\n",
		      (long long)out.decode_bytes, (long long)out.work_bytes, (long long)full_size);
	assert_true(out.decode_bytes >= 2000LL * 1500 * 4);
	assert_true(out.decode_bytes < full_size / 3);
	assert_true(out.work_bytes < full_size * 2 / 3);
	image_out_release(&out);
	blob_free(&jpeg);
}

static void test_image__a_progressive_jpeg_counts_its_coefficients_and_still_decodes(void **state)
{
	gdImagePtr im = quadrants(2000, 1500);
	struct blob baseline = jpeg_of(quadrants(2000, 1500), 85), progressive;
	struct image_out base_out, prog_out;

	(void)state;
	gdImageInterlace(im, 1);
	progressive = jpeg_of(im, 85);
	normalize_ok(&baseline, &limits, &base_out);
	normalize_ok(&progressive, &limits, &prog_out);
	assert_int_equal(prog_out.width, 1600);
	assert_int_equal(prog_out.height, 1200);
	assert_quadrants(&prog_out);
	/* Every coefficient is kept until the last scan: two bytes for each
	 * of 1.5 samples a pixel (4:2:0), at full size. */
	assert_true(prog_out.decode_bytes >= base_out.decode_bytes + 2000LL * 1500 * 3);
	image_out_release(&base_out);
	image_out_release(&prog_out);
	blob_free(&baseline);
	blob_free(&progressive);
}

static void test_image__a_progressive_jpeg_of_too_many_scans_is_refused(void **state)
{
	static const unsigned char grey[3] = { 128, 128, 128 };
	jpeg_scan_info scans[1 + 3 * 63];
	int n = 0;
	struct blob many;

	(void)state;
	/* A legal script of 190 scans: the DC of all three components, then
	 * each AC coefficient of each component alone. */
	memset(scans, 0, sizeof(scans));
	scans[n].comps_in_scan = 3;
	scans[n].component_index[1] = 1;
	scans[n].component_index[2] = 2;
	n++;
	for (int ci = 0; ci < 3; ci++) {
		for (int k = 1; k < 64; k++, n++) {
			scans[n].comps_in_scan = 1;
			scans[n].component_index[0] = ci;
			scans[n].Ss = scans[n].Se = k;
		}
	}
	many = jpeg_by_libjpeg(64, 48, 3, JCS_RGB, grey, scans, n);
	assert_refused(&many, "bad-image");
	blob_free(&many);
}

static void test_image__an_adobe_cmyk_jpeg_comes_out_in_its_colours(void **state)
{
	/* Red in Adobe's inverted inks: no cyan, full magenta and yellow, no
	 * black (255 is no ink). */
	static const unsigned char red[4] = { 255, 0, 0, 255 };
	struct blob cmyk = jpeg_by_libjpeg(64, 48, 4, JCS_CMYK, red, NULL, 0);
	struct image_out out;
	gdImagePtr back;

	(void)state;
	normalize_ok(&cmyk, &limits, &out);
	back = decode_jpeg(out.full, out.full_len);
	assert_color_near(back, 32, 24, RED, 24);
	gdImageDestroy(back);
	image_out_release(&out);
	blob_free(&cmyk);
}

static void test_image__interlaced_and_grey_pngs_decode_row_by_row(void **state)
{
	gdImagePtr im = quadrants(300, 200);
	struct blob interlaced, grey = png_grey(64, 48, 0x80);
	struct image_out out;
	gdImagePtr back;

	(void)state;
	gdImageInterlace(im, 1);
	interlaced = png_of(im);
	normalize_ok(&interlaced, &limits, &out);
	assert_quadrants(&out);
	/* The PNG is decoded whole, as one picture of four bytes a pixel. */
	assert_true(out.decode_bytes >= 300 * 200 * 4);
	image_out_release(&out);
	normalize_ok(&grey, &limits, &out);
	back = decode_jpeg(out.full, out.full_len);
	assert_color_near(back, 32, 24, 0x808080, 4);
	gdImageDestroy(back);
	image_out_release(&out);
	blob_free(&interlaced);
	blob_free(&grey);
}

static void test_image__a_large_webp_is_scaled_while_decoded(void **state)
{
	struct blob lossy = webp_of(quadrants(4000, 2000), 80);
	struct blob lossless = webp_of(quadrants(2400, 1200), gdWebpLossless);
	struct image_out out;

	(void)state;
	/* Lossy data is decoded a row of macroblocks at a time, scaled as it
	 * comes: what is held is the fitted picture twice (libwebp's RGBA and
	 * libgd's), under half of the 32 MB of the whole one. */
	normalize_ok(&lossy, &limits, &out);
	assert_int_equal(out.width, 1600);
	assert_int_equal(out.height, 800);
	assert_quadrants(&out);
	assert_true(out.decode_bytes < 4000LL * 2000 * 4 / 2);
	image_out_release(&out);
	/* Lossless data is decoded whole first, and counted so. */
	normalize_ok(&lossless, &limits, &out);
	assert_int_equal(out.width, 1600);
	assert_quadrants(&out);
	assert_true(out.decode_bytes >= 2400LL * 1200 * 4);
	image_out_release(&out);
	blob_free(&lossy);
	blob_free(&lossless);
}

static void test_image__uploads_share_one_budget_and_are_told_to_retry_when_it_is_spent(void **state)
{
	struct blob jpeg = jpeg_of(quadrants(3000, 2000), 80);
	struct image_budget budget, small;
	struct image_limits lim = limits;
	struct image_out out;
	struct problem prob;
	int64_t need;

	(void)state;
	image_budget_init(&budget, 64 << 20);
	lim.budget = &budget;
	normalize_ok(&jpeg, &lim, &out);
	need = out.work_bytes;
	image_out_release(&out);
	assert_true(need > 0 && need < 64 << 20);
	assert_int_equal(atomic_load(&budget.used_bytes), 0);

	/* Another upload holds all but a byte less than this one needs. */
	assert_true(image_budget_claim(&budget, (64 << 20) - need + 1));
	assert_false(image_budget_claim(&budget, need));
	problem_init(&prob);
	assert_int_equal(image_normalize(jpeg.data, jpeg.len, &lim, &out, &prob), RC_BUSY);
	assert_string_equal(prob.type, "busy");
	assert_true(prob.retry_after_s > 0);
	assert_null(out.full);
	assert_int_equal(atomic_load(&budget.used_bytes), (64 << 20) - need + 1);
	/* Once it is done, there is room again. */
	image_budget_release(&budget, (64 << 20) - need + 1);
	normalize_ok(&jpeg, &lim, &out);
	image_out_release(&out);
	assert_int_equal(atomic_load(&budget.used_bytes), 0);

	/* An upload that needs more than the whole budget can never fit: it
	 * is refused for good, not asked to retry. */
	image_budget_init(&small, need - 1);
	lim.budget = &small;
	problem_init(&prob);
	assert_int_equal(image_normalize(jpeg.data, jpeg.len, &lim, &out, &prob), RC_INVALID);
	assert_string_equal(prob.type, "image-too-large");
	assert_int_equal(atomic_load(&small.used_bytes), 0);
	blob_free(&jpeg);
}

/* The demo's made-up pictures: JPEG of the size asked, one per seed, and
 * accepted by the upload pipeline like a photograph. */
static void test_image__sample_pictures_are_jpeg_and_differ_by_seed(void **state)
{
	(void)state;
	size_t a_len = 0, b_len = 0, none = 1;
	unsigned char *a = image_sample_jpeg(320, 240, 1, &a_len);
	unsigned char *b = image_sample_jpeg(320, 240, 2, &b_len);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(image_sniff(a, a_len), IMAGE_JPEG);
	assert_true(a_len != b_len || memcmp(a, b, a_len) != 0);
	struct image_limits lim = { .max_edge = 1600, .thumb_edge = 160, .quality = 80 };
	struct image_out out;
	struct problem prob = { 0 };
	assert_int_equal(image_normalize(a, a_len, &lim, &out, &prob), RC_OK);
	assert_int_equal(out.width, 320);
	assert_int_equal(out.height, 240);
	image_out_release(&out);
	assert_null(image_sample_jpeg(8, 240, 1, &none));
	assert_int_equal(none, 0);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image__sniff_recognises_jpeg_png_and_webp),
		cmocka_unit_test(test_image__sample_pictures_are_jpeg_and_differ_by_seed),
		cmocka_unit_test(test_image__sniff_refuses_text_gif_and_empty),
		cmocka_unit_test(test_image__header_size_reads_png_from_ihdr),
		cmocka_unit_test(test_image__header_size_reads_jpeg_from_the_frame_header),
		cmocka_unit_test(test_image__header_size_reads_webp_lossy_lossless_and_extended),
		cmocka_unit_test(test_image__header_size_reads_24_bit_vp8x_canvas_sizes),
		cmocka_unit_test(test_image__jpeg_header_skips_segments_by_length_like_libjpeg),
		cmocka_unit_test(test_image__jpeg_header_refuses_scan_first_and_empty_sides),
		cmocka_unit_test(test_image__normalize_scales_a_large_png_to_the_long_edge),
		cmocka_unit_test(test_image__normalize_fits_portrait_pictures_by_their_height),
		cmocka_unit_test(test_image__normalize_never_upscales),
		cmocka_unit_test(test_image__orientation_6_turns_clockwise_and_drops_gps),
		cmocka_unit_test(test_image__every_orientation_puts_the_quarters_where_exif_says),
		cmocka_unit_test(test_image__orientation_is_found_behind_an_xmp_segment),
		cmocka_unit_test(test_image__transparency_is_flattened_onto_white),
		cmocka_unit_test(test_image__refuses_what_it_cannot_show),
		cmocka_unit_test(test_image__the_pixel_limit_is_checked_before_decoding),
		cmocka_unit_test(test_image__random_garbage_is_refused_without_crashing),
		cmocka_unit_test(test_image__bit_flipped_pictures_never_crash),
		cmocka_unit_test(test_image__bad_uploads_write_nothing_to_stderr),
		cmocka_unit_test(test_image__a_truncated_jpeg_is_refused_not_filled_with_grey),
		cmocka_unit_test(
			test_image__a_progressive_jpeg_declaring_7000x7000_is_refused_before_decoding),
		cmocka_unit_test(test_image__a_png_deflate_bomb_is_refused_before_inflating),
		cmocka_unit_test(
			test_image__a_12_megapixel_jpeg_is_decoded_at_a_quarter_of_its_pixels),
		cmocka_unit_test(
			test_image__a_progressive_jpeg_counts_its_coefficients_and_still_decodes),
		cmocka_unit_test(test_image__a_progressive_jpeg_of_too_many_scans_is_refused),
		cmocka_unit_test(test_image__an_adobe_cmyk_jpeg_comes_out_in_its_colours),
		cmocka_unit_test(test_image__interlaced_and_grey_pngs_decode_row_by_row),
		cmocka_unit_test(test_image__a_large_webp_is_scaled_while_decoded),
		cmocka_unit_test(
			test_image__uploads_share_one_budget_and_are_told_to_retry_when_it_is_spent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
