/* QR rendering. The SVG is one path of unit squares, so it stays small and
 * scales without blur; the PNG is 1-bit grey written through libpng. */
#include "api/qr.h"

#include <png.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define QUIET 4

bool qr_svg(const char *text, struct sb *out)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return false;
	int size = qr->width + 2 * QUIET;
	sb_addf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		"shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
		"<path fill=\"#000\" d=\"",
		size, size, size, size);
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				sb_addf(out, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
	sb_adds(out, "\"/></svg>\n");
	QRcode_free(qr);
	return true;
}

static void png_write_sb(png_structp png, png_bytep data, png_size_t len)
{
	sb_add(png_get_io_ptr(png), data, len);
}

static void png_flush_noop(png_structp png)
{
	(void)png;
}

bool qr_png(const char *text, int scale, struct sb *out)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return false;
	volatile bool ok = false;
	int size = (qr->width + 2 * QUIET) * scale;
	unsigned char *row = xcalloc((size_t)size, 1);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info)
		goto out;
	if (setjmp(png_jmpbuf(png)))
		goto out;
	png_set_write_fn(png, out, png_write_sb, png_flush_noop);
	png_set_IHDR(png, info, (png_uint_32)size, (png_uint_32)size, 8, PNG_COLOR_TYPE_GRAY,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < size; y++) {
		int my = y / scale - QUIET;
		for (int x = 0; x < size; x++) {
			int mx = x / scale - QUIET;
			bool dark = my >= 0 && my < qr->width && mx >= 0 && mx < qr->width &&
				    (qr->data[my * qr->width + mx] & 1);
			row[x] = dark ? 0 : 255;
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	ok = true;
out:
	if (png)
		png_destroy_write_struct(&png, info ? &info : NULL);
	free(row);
	QRcode_free(qr);
	return ok;
}
