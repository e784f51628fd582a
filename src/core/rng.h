/* The project's one random generator, for made-up data that must come out
 * the same for a given seed: the demo city, the benchmark's synthetic
 * stations. splitmix64 — tiny, deterministic on every platform, good enough
 * for data; never for secrets (those come from libsodium, domain/secret.h).
 * A struct rng belongs to one thread. */
#ifndef YZ_CORE_RNG_H
#define YZ_CORE_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct rng {
	uint64_t s;
};

/* Starts r at seed: the same seed gives the same sequence. */
void rng_seed(struct rng *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1). */
double rng_unit(struct rng *r);
/* Uniform in [0, n); 0 when n is 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* True with probability p. */
bool rng_chance(struct rng *r, double p);
/* Standard normal (Box-Muller, one value of the pair). */
double rng_normal(struct rng *r);

#endif
