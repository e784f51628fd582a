/* Small operations on NUL-terminated UTF-8 text that every layer needs:
 * copying into a fixed buffer, counting characters (not bytes), so a
 * 40-character Chinese name is 40, not 120, and checking and trimming a line
 * a person typed before it is stored and shown to others. */
#ifndef YZ_CORE_TEXT_H
#define YZ_CORE_TEXT_H

#include <stddef.h>

/* What is wrong with a line of text, the first fault found. */
enum text_fault {
	TEXT_FINE = 0,
	TEXT_NOT_UTF8, /* malformed, overlong, a surrogate, or past U+10FFFF */
	TEXT_CONTROL,  /* C0 or C1 control (tab and new line too), DEL, U+2028, U+2029 */
	TEXT_BIDI,     /* bidirectional embedding, override or isolate: U+202A–U+202E,
			* U+2066–U+2069, which can make text read other than it is */
};

/* Copies src (NULL: "") into dst of cap bytes, truncating, always
 * terminating. Truncation may split a UTF-8 sequence: size buffers for the
 * longest allowed value. */
void text_copy(char *dst, size_t cap, const char *src);
/* The number of UTF-8 characters in s (NULL: 0). */
size_t text_chars(const char *s);
/* Checks s[0..len) as one line of text to store and show: well-formed UTF-8
 * without control characters or bidirectional controls. A NUL inside is a
 * control character. Returns TEXT_FINE or the first fault. */
enum text_fault text_line_fault(const char *s, size_t len);
/* The text inside the white space around s[0..*len): returns where it
 * starts (within s) and sets *len to its length. White space is every
 * Unicode space separator: the ASCII space, no-break space (U+00A0),
 * ideographic space (U+3000) and the rest of category Zs. Expects text that
 * text_line_fault found fine; on other bytes it stops trimming there. */
const char *text_trim(const char *s, size_t *len);

#endif
