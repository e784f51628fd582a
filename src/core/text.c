/* Text helpers. The UTF-8 reader follows the Unicode Standard's table of
 * well-formed byte sequences (chapter 3, table 3-7): everything else —
 * stray continuation bytes, overlong forms, surrogates, code points past
 * U+10FFFF, sequences cut short — is malformed. */
#include "core/text.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

void text_copy(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (!cap)
		return;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

size_t text_chars(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Reads the character at s[0..len): its length in bytes, with the code
 * point in *cp, or 0 when the bytes there are not well-formed UTF-8. */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	/* The smallest code point each length may carry; below it, the form
	 * is overlong. */
	static const uint32_t least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0; /* a continuation byte, or F8–FF */
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < least[n] || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

static bool is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

static bool is_bidi_control(uint32_t c)
{
	return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* Unicode's space separators (general category Zs). */
static bool is_space(uint32_t c)
{
	return c == 0x20 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	       c == 0x202f || c == 0x205f || c == 0x3000;
}

enum text_fault text_line_fault(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		uint32_t c;
		size_t n = utf8_next(p + i, len - i, &c);

		if (!n)
			return TEXT_NOT_UTF8;
		if (is_control(c))
			return TEXT_CONTROL;
		if (is_bidi_control(c))
			return TEXT_BIDI;
		i += n;
	}
	return TEXT_FINE;
}

const char *text_trim(const char *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = *len, end = 0;

	/* One pass: the first character that is not a space starts the text,
	 * the last one ends it. */
	for (size_t i = 0; i < *len;) {
		uint32_t c;
		size_t n = utf8_next(p + i, *len - i, &c);

		if (!n) {
			/* Not text: keep the rest as it is. */
			if (start == *len)
				start = i;
			end = *len;
			break;
		}
		if (!is_space(c)) {
			if (start == *len)
				start = i;
			end = i + n;
		}
		i += n;
	}
	if (start >= end) {
		*len = 0;
		return s;
	}
	*len = end - start;
	return s + start;
}
