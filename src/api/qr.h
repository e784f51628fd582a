/* QR codes for printing at stations (libqrencode): the same symbol as SVG
 * (crisp at any size, for posters) or PNG (for phones and chat apps). */
#ifndef YZ_API_QR_H
#define YZ_API_QR_H

#include <stdbool.h>

#include "core/sb.h"

/* Appends an SVG of text's QR code (error correction M, 4-module quiet
 * zone). False if text cannot be encoded. */
bool qr_svg(const char *text, struct sb *out);
/* Appends a PNG with scale pixels per module. */
bool qr_png(const char *text, int scale, struct sb *out);

#endif
