/* The string builder (after git's strbuf and curl's dynbuf): a growable,
 * always NUL-terminated byte buffer with an optional cap and a sticky error,
 * so a chain of appends needs one check at the end. */
#ifndef YZ_CORE_SB_H
#define YZ_CORE_SB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct sb {
	char *buf; /* NUL-terminated; "" (static) until the first append */
	size_t len;
	size_t cap;
	size_t max_len; /* 0: unlimited */
	bool err;	/* set once an append would pass max_len */
};

#define SB_INIT                                                             \
	{                                                                   \
		.buf = NULL, .len = 0, .cap = 0, .max_len = 0, .err = false \
	}

/* Prepares an empty builder holding at most max_len bytes (0: no cap). */
void sb_init(struct sb *sb, size_t max_len);
/* Frees the buffer and leaves an empty builder. */
void sb_release(struct sb *sb);
/* Returns the buffer, *new* and owned by the caller, and empties the builder. */
char *sb_detach(struct sb *sb, size_t *len_out);
/* Returns the contents (borrowed, valid until the next append): never NULL. */
const char *sb_str(const struct sb *sb);

/* What sb_add does when the bytes do not simply fit: grows the buffer, or
 * sets the error past max_len. Use sb_add. */
void sb_add_slow(struct sb *sb, const void *ptr, size_t len);

/* Appends len bytes. Inline, as git's strbuf_addch: when there is room and
 * no cap (the usual case on hot paths), it is a copy. */
static inline void sb_add(struct sb *sb, const void *ptr, size_t len)
{
	if (!sb->max_len && sb->len + len < sb->cap) {
		memcpy(sb->buf + sb->len, ptr, len);
		sb->len += len;
		sb->buf[sb->len] = '\0';
		return;
	}
	sb_add_slow(sb, ptr, len);
}

static inline void sb_addc(struct sb *sb, char c)
{
	sb_add(sb, &c, 1);
}

/* Appends a string literal without measuring it at run time. */
#define sb_addlit(sb, lit) sb_add((sb), "" lit, sizeof(lit) - 1)
void sb_adds(struct sb *sb, const char *s);
void sb_addf(struct sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct sb *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Makes room for extra more bytes now, so that appends up to that size do
 * not reallocate; past max_len it sets the sticky error, as an append would. */
void sb_reserve(struct sb *sb, size_t extra);

/* Fast number formatting for hot paths, without printf. */
/* Appends v in decimal: the same bytes as "%lld" / "%llu". */
void sb_add_int(struct sb *sb, long long v);
void sb_add_uint(struct sb *sb, unsigned long long v);
/* Appends v with decimals (0–9) digits after the point: the same bytes as
 * "%.*f" with the default rounding (the exact binary value, ties to even),
 * including "-0.000000" for negative values that round to zero. Values too
 * small, too large or not finite fall back to snprintf. */
void sb_add_fixed(struct sb *sb, double v, int decimals);

/* Appends s as the body of a JSON string (no quotes), escaping as RFC 8259
 * asks; a byte that is not part of well-formed UTF-8 becomes \ufffd, so the
 * result is valid JSON whatever s holds. */
void sb_add_json_escaped(struct sb *sb, const char *s, size_t len);
/* Appends s as a JSON string, quotes included; NULL as "". */
void sb_add_json_string(struct sb *sb, const char *s);
void sb_reset(struct sb *sb);

#endif
