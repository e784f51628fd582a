/* Small operations on NUL-terminated UTF-8 text that every layer needs:
 * copying into a fixed buffer and counting characters (not bytes), so a
 * 40-character Chinese name is 40, not 120. */
#ifndef YZ_CORE_TEXT_H
#define YZ_CORE_TEXT_H

#include <stddef.h>

/* Copies src (NULL: "") into dst of cap bytes, truncating, always
 * terminating. Truncation may split a UTF-8 sequence: size buffers for the
 * longest allowed value. */
void text_copy(char *dst, size_t cap, const char *src);
/* The number of UTF-8 characters in s (NULL: 0). */
size_t text_chars(const char *s);

#endif
