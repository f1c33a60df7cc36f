/* rng: splitmix64 streams per request (see rng.h). */
#include "rng.h"

#include <stdatomic.h>

static uint64_t global_seed;
static _Atomic uint64_t request_counter;

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_set_seed(uint64_t seed)
{
	global_seed = seed;
	atomic_store(&request_counter, 0);
}

void rng_init(rng_t *r, uint64_t seed)
{
	r->s = mix(seed);
}

void rng_for_request(rng_t *r)
{
	uint64_t n = atomic_fetch_add_explicit(&request_counter, 1,
					       memory_order_relaxed);
	rng_init(r, global_seed ^ mix(n + 0x9e3779b97f4a7c15ULL));
}

uint64_t rng_next(rng_t *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix(r->s);
}

double rng_unit(rng_t *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

double rng_uniform(rng_t *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unit(r);
}

long rng_range(rng_t *r, long lo, long hi)
{
	uint64_t span = (uint64_t)(hi - lo) + 1;
	return lo + (long)(rng_next(r) % span);
}
