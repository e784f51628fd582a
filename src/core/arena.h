/* The request arena (after nginx's r->pool): many small allocations freed in
 * one go when the request completes. Not thread-safe; one arena per request. */
#ifndef YZ_CORE_ARENA_H
#define YZ_CORE_ARENA_H

#include <stddef.h>

struct arena;

/* Returns a *new* arena; aborts on exhaustion. */
struct arena *arena_new(void);
/* Frees every block the arena handed out; NULL is a no-op. */
void arena_free(struct arena *a);
/* Forgets everything the arena handed out, as arena_free does, but keeps
 * the arena and one standard block for the next user (a connection's next
 * request): it is a new, empty arena without a malloc. */
void arena_reset(struct arena *a);
/* Returns memory owned by the arena, aligned for any type, zeroed. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t len);

#endif
