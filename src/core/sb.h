/* The string builder (after git's strbuf and curl's dynbuf): a growable,
 * always NUL-terminated byte buffer with an optional cap and a sticky error,
 * so a chain of appends needs one check at the end. */
#ifndef YZ_CORE_SB_H
#define YZ_CORE_SB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct sb {
	char *buf;      /* NUL-terminated; "" (static) until the first append */
	size_t len;
	size_t cap;
	size_t max_len; /* 0: unlimited */
	bool err;       /* set once an append would pass max_len */
};

#define SB_INIT { .buf = NULL, .len = 0, .cap = 0, .max_len = 0, .err = false }

/* Prepares an empty builder holding at most max_len bytes (0: no cap). */
void sb_init(struct sb *sb, size_t max_len);
/* Frees the buffer and leaves an empty builder. */
void sb_release(struct sb *sb);
/* Returns the buffer, *new* and owned by the caller, and empties the builder. */
char *sb_detach(struct sb *sb, size_t *len_out);
/* Returns the contents (borrowed, valid until the next append): never NULL. */
const char *sb_str(const struct sb *sb);

void sb_add(struct sb *sb, const void *ptr, size_t len);
void sb_adds(struct sb *sb, const char *s);
void sb_addc(struct sb *sb, char c);
void sb_addf(struct sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct sb *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends s as the body of a JSON string (no quotes), escaping as RFC 8259 asks. */
void sb_add_json_escaped(struct sb *sb, const char *s, size_t len);
void sb_reset(struct sb *sb);

#endif
