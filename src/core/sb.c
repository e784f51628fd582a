/* String builder. Appends past max_len set the sticky error and are dropped,
 * so a capped builder never holds a truncated half-record. */
#include "core/sb.h"

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

void sb_add(struct sb *sb, const void *ptr, size_t len)
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

void sb_addc(struct sb *sb, char c)
{
	sb_add(sb, &c, 1);
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

void sb_add_json_escaped(struct sb *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
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
