/* rng: reproducible per-request random numbers.
 *
 * A global seed plus an atomic request counter give every request its own
 * splitmix64 stream, so the delays of a run are reproducible with --seed
 * (for the same request order) and no state is shared between threads. */
#ifndef DEMO_RNG_H
#define DEMO_RNG_H

#include <stdint.h>

typedef struct {
	uint64_t s;
} rng_t;

void rng_set_seed(uint64_t seed);
/* The stream of the next request (takes one tick of the global counter). */
void rng_for_request(rng_t *r);
/* A stream from an explicit seed (tests). */
void rng_init(rng_t *r, uint64_t seed);
uint64_t rng_next(rng_t *r);
/* Uniform double in [0, 1). */
double rng_unit(rng_t *r);
/* Uniform double in [lo, hi]. */
double rng_uniform(rng_t *r, double lo, double hi);
/* Uniform integer in [lo, hi]. */
long rng_range(rng_t *r, long lo, long hi);

#endif
