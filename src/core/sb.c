/* String builder. Appends past max_len set the sticky error and are dropped,
 * so a capped builder never holds a truncated half-record. */
#include "core/sb.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static char sb_empty[1];

void sb_init(struct sb *sb, size_t max_len)
{
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->max_len = max_len;
	sb->err = false;
}

void sb_release(struct sb *sb)
{
	free(sb->buf);
	sb_init(sb, sb->max_len);
}

void sb_reset(struct sb *sb)
{
	sb->len = 0;
	sb->err = false;
	if (sb->buf)
		sb->buf[0] = '\0';
}

const char *sb_str(const struct sb *sb)
{
	return sb->buf ? sb->buf : sb_empty;
}

char *sb_detach(struct sb *sb, size_t *len_out)
{
	char *p = sb->buf ? sb->buf : xstrdup("");
	if (len_out)
		*len_out = sb->len;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return p;
}

static bool sb_grow(struct sb *sb, size_t extra)
{
	if (sb->err)
		return false;
	if (sb->max_len && sb->len + extra > sb->max_len) {
		sb->err = true;
		return false;
	}
	if (sb->len + extra + 1 <= sb->cap)
		return true;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
	return true;
}

void sb_reserve(struct sb *sb, size_t extra)
{
	sb_grow(sb, extra);
}

void sb_add_slow(struct sb *sb, const void *ptr, size_t len)
{
	if (!sb_grow(sb, len))
		return;
	memcpy(sb->buf + sb->len, ptr, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct sb *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_vaddf(struct sb *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || !sb_grow(sb, (size_t)n))
		return;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_addf(struct sb *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

/* Number formatting. printf parses its format, locks nothing but still walks
 * a general machine for each value, and formats doubles through multiple
 * precision arithmetic; on the hot path (the coordinates and ids of every
 * station of an answer) that was most of the time a request took. */

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
				     "25262728293031323334353637383940414243444546474849"
				     "50515253545556575859606162636465666768697071727374"
				     "75767778798081828384858687888990919293949596979899";

/* Writes v's digits so that they end at end; returns where they start. */
static char *put_uint(char *end, uint64_t v)
{
	char *p = end;
	while (v >= 100) {
		unsigned i = (unsigned)(v % 100) * 2;
		v /= 100;
		*--p = digit_pairs[i + 1];
		*--p = digit_pairs[i];
	}
	if (v >= 10) {
		*--p = digit_pairs[v * 2 + 1];
		*--p = digit_pairs[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

void sb_add_uint(struct sb *sb, unsigned long long v)
{
	char buf[24];
	char *p = put_uint(buf + sizeof(buf), v);
	sb_add(sb, p, (size_t)(buf + sizeof(buf) - p));
}

void sb_add_int(struct sb *sb, long long v)
{
	char buf[24];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char *p = put_uint(buf + sizeof(buf), u);
	if (v < 0)
		*--p = '-';
	sb_add(sb, p, (size_t)(buf + sizeof(buf) - p));
}

/* "%.*f" done exactly with integers, for 2^-12 <= |v| < 2^53 (and 0). There
 * the fraction of |v| is a whole number of 2^-64ths, so fraction * 10^d is
 * a 64.64 fixed-point product computed without error, and rounding it by
 * its exact remainder — ties to the even digit, as glibc does in the default
 * rounding mode — gives the digits printf gives. Writes so that the text ends
 * at end and returns where it starts, or NULL outside that range (the caller
 * uses snprintf). */
static char *fmt_fixed(char *end, double v, int decimals)
{
	static const uint32_t pow10[] = { 1,	  10,	   100,	     1000,	10000,
					  100000, 1000000, 10000000, 100000000, 1000000000 };
	double a = fabs(v);
	if (decimals < 0 || decimals > 9 || !(a < 0x1p53) || (a != 0 && a < 0x1p-12))
		return NULL;
	uint64_t ip = (uint64_t)a;
	uint64_t frac = (uint64_t)((a - (double)ip) * 0x1p64);
	uint64_t p10 = pow10[decimals];
	uint64_t lo = (frac & 0xffffffffu) * p10;
	uint64_t mid = (frac >> 32) * p10 + (lo >> 32);
	uint64_t q = mid >> 32;
	uint64_t rem = (mid << 32) | (lo & 0xffffffffu);
	uint64_t half = 1ull << 63;
	if (rem > half || (rem == half && ((decimals ? q : ip) & 1))) {
		if (++q == p10) {
			q = 0;
			ip++;
		}
	}
	char *p = end;
	if (decimals) {
		for (int i = 0; i < decimals; i++) {
			*--p = (char)('0' + q % 10);
			q /= 10;
		}
		*--p = '.';
	}
	p = put_uint(p, ip);
	if (signbit(v))
		*--p = '-';
	return p;
}

void sb_add_fixed(struct sb *sb, double v, int decimals)
{
	char buf[48];
	char *p = fmt_fixed(buf + sizeof(buf), v, decimals);
	if (p)
		sb_add(sb, p, (size_t)(buf + sizeof(buf) - p));
	else
		sb_addf(sb, "%.*f", decimals, v);
}

/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0 when there is none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	static const uint32_t least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len = s[0] < 0x80		    ? 1
		     : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
		     : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		     : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
						    : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t cp = s[0] & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void sb_add_json_escaped(struct sb *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			/* JSON text is UTF-8: a byte that does not belong to a
			 * well-formed sequence becomes U+FFFD, so a line built
			 * from a client's bytes still parses. */
			size_t n = utf8_len((const unsigned char *)s + i, len - i);
			if (n) {
				i += n - 1;
				continue;
			}
			sb_add(sb, s + run, i - run);
			run = i + 1;
			sb_add(sb, "\\ufffd", 6);
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_add(sb, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': sb_add(sb, "\\\"", 2); break;
		case '\\': sb_add(sb, "\\\\", 2); break;
		case '\n': sb_add(sb, "\\n", 2); break;
		case '\r': sb_add(sb, "\\r", 2); break;
		case '\t': sb_add(sb, "\\t", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			sb_add(sb, u, 6);
		}
		}
	}
	sb_add(sb, s + run, len - run);
}

void sb_add_json_string(struct sb *sb, const char *s)
{
	sb_addc(sb, '"');
	sb_add_json_escaped(sb, s ? s : "", s ? strlen(s) : 0);
	sb_addc(sb, '"');
}
