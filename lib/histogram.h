/* histogram: a lock-free Prometheus histogram (fixed upper bounds, atomic
 * bucket counts and sum) and its exposition (_bucket/_sum/_count lines).
 *
 * Observing is wait-free apart from a CAS loop on the sum; rendering reads
 * the buckets once, so _count always equals the +Inf bucket. */
#ifndef LE_HISTOGRAM_H
#define LE_HISTOGRAM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct {
	const double *bounds;       /* ascending upper bounds, without +Inf */
	size_t nbounds;
	_Atomic uint64_t *counts;   /* nbounds + 1 non-cumulative counts */
	_Atomic uint64_t sum_bits;  /* the sum, as the bits of a double */
} histogram_t;

/* bounds must outlive the histogram; 0 on success, -1 on OOM. */
int histogram_init(histogram_t *h, const double *bounds, size_t nbounds);
void histogram_free(histogram_t *h);
void histogram_observe(histogram_t *h, double v);
uint64_t histogram_count(const histogram_t *h);
double histogram_sum(const histogram_t *h);

/* Append <prefix><name>_bucket{<labelset>,le="..."} lines, then _sum and
 * _count.  labelset is pre-rendered by expo_labelset (may be NULL). */
void histogram_render(buf_t *out, const char *prefix, const char *name,
		      const char *labelset, size_t lslen,
		      const histogram_t *h);

#endif
