/* Token buckets in an open-addressed table under a few striped locks. */
#include "http/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define STRIPES 16
#define PROBE	8

struct bucket {
	uint64_t hash;
	size_t key;
	char ip[48];
	double tokens;
	int64_t last_ms;
};

struct ratelimit {
	size_t nslots;
	struct bucket *slots;
	pthread_mutex_t mu[STRIPES];
};

struct ratelimit *ratelimit_new(size_t slots)
{
	struct ratelimit *rl = xcalloc(1, sizeof(*rl));
	rl->nslots = slots < PROBE * STRIPES ? PROBE * STRIPES : slots;
	rl->slots = xcalloc(rl->nslots, sizeof(*rl->slots));
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&rl->mu[i], NULL);
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&rl->mu[i]);
	free(rl->slots);
	free(rl);
}

static uint64_t fnv1a(size_t key, const char *s)
{
	uint64_t h = 1469598103934665603ull ^ key;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

bool ratelimit_take(struct ratelimit *rl, size_t key, const char *ip, int per_min, int64_t now_ms,
		    int *retry_after_s)
{
	if (per_min <= 0)
		return true;
	uint64_t h = fnv1a(key, ip);
	/* Probe windows never straddle stripes: the stripe is chosen from the
	 * window's first slot, and windows are aligned to PROBE. */
	size_t base = (size_t)(h % (rl->nslots / PROBE)) * PROBE;
	pthread_mutex_t *mu = &rl->mu[(base / PROBE) % STRIPES];
	pthread_mutex_lock(mu);
	struct bucket *hit = NULL, *stalest = &rl->slots[base];
	for (size_t i = 0; i < PROBE; i++) {
		struct bucket *b = &rl->slots[base + i];
		if (b->hash == h && b->key == key && strcmp(b->ip, ip) == 0) {
			hit = b;
			break;
		}
		if (b->last_ms < stalest->last_ms)
			stalest = b;
	}
	if (!hit) {
		hit = stalest;
		hit->hash = h;
		hit->key = key;
		size_t n = strlen(ip);
		if (n >= sizeof(hit->ip))
			n = sizeof(hit->ip) - 1;
		memcpy(hit->ip, ip, n);
		hit->ip[n] = '\0';
		hit->tokens = per_min;
		hit->last_ms = now_ms;
	}
	double rate_per_ms = per_min / 60000.0;
	hit->tokens += (double)(now_ms - hit->last_ms) * rate_per_ms;
	if (hit->tokens > per_min)
		hit->tokens = per_min;
	hit->last_ms = now_ms;
	bool ok = hit->tokens >= 1.0;
	if (ok)
		hit->tokens -= 1.0;
	else if (retry_after_s)
		*retry_after_s = (int)((1.0 - hit->tokens) / rate_per_ms / 1000.0) + 1;
	pthread_mutex_unlock(mu);
	return ok;
}
