/* Allocation that never returns NULL: yizhan treats running out of memory as
 * fatal (STYLE.md rule 11), so callers need no NULL checks. */
#ifndef YZ_CORE_XALLOC_H
#define YZ_CORE_XALLOC_H

#include <stddef.h>

/* Each returns a *new* block owned by the caller; aborts on exhaustion. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);

#endif
