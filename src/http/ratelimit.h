/* Per-client-address rate limits (token buckets), one bucket per route and
 * address. Fixed memory: the table has a set number of slots and evicts the
 * stalest bucket, so many addresses cannot exhaust memory. Thread-safe. */
#ifndef YZ_HTTP_RATELIMIT_H
#define YZ_HTTP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ratelimit;

struct ratelimit *ratelimit_new(size_t slots);
void ratelimit_free(struct ratelimit *rl);
/* Takes one token from the bucket of (key, ip) that refills per_min tokens a
 * minute up to per_min. Returns true if allowed; otherwise *retry_after_s
 * says when the next token arrives. */
bool ratelimit_take(struct ratelimit *rl, size_t key, const char *ip, int per_min, int64_t now_ms,
		    int *retry_after_s);

#endif
