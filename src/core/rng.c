/* splitmix64 (Steele, Lea and Flood), as core/rng.h describes. */
#include "core/rng.h"

#include <math.h>

void rng_seed(struct rng *r, uint64_t seed)
{
	/* Spread small seeds (1, 2, 3 …) apart before the first step. */
	r->s = seed * 0x2545f4914f6cdd1dull + 1;
}

uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

bool rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

double rng_normal(struct rng *r)
{
	double u = 1.0 - rng_unit(r), v = rng_unit(r);
	return sqrt(-2.0 * log(u)) * cos(2.0 * 3.14159265358979323846 * v);
}
