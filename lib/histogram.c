/* histogram: atomic Prometheus histogram (see histogram.h). */
#include "histogram.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

int histogram_init(histogram_t *h, const double *bounds, size_t nbounds)
{
	h->bounds = bounds;
	h->nbounds = nbounds;
	h->counts = calloc(nbounds + 1, sizeof *h->counts);
	atomic_init(&h->sum_bits, 0);
	if (!h->counts)
		return -1;
	for (size_t i = 0; i <= nbounds; i++)
		atomic_init(&h->counts[i], 0);
	return 0;
}

void histogram_free(histogram_t *h)
{
	free(h->counts);
	h->counts = NULL;
}

static uint64_t dbits(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return u;
}

static double bitsd(uint64_t u)
{
	double d;
	memcpy(&d, &u, sizeof d);
	return d;
}

/* Index of the first bound >= v (binary search), nbounds for +Inf. */
static size_t bucket_of(const histogram_t *h, double v)
{
	size_t lo = 0, hi = h->nbounds;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v <= h->bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void histogram_observe(histogram_t *h, double v)
{
	if (isnan(v))
		return;
	atomic_fetch_add_explicit(&h->counts[bucket_of(h, v)], 1,
				  memory_order_relaxed);
	uint64_t old = atomic_load_explicit(&h->sum_bits, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(
		&h->sum_bits, &old, dbits(bitsd(old) + v),
		memory_order_relaxed, memory_order_relaxed))
		;
}

uint64_t histogram_count(const histogram_t *h)
{
	uint64_t n = 0;
	for (size_t i = 0; i <= h->nbounds; i++)
		n += atomic_load_explicit(&h->counts[i], memory_order_relaxed);
	return n;
}

double histogram_sum(const histogram_t *h)
{
	return bitsd(atomic_load_explicit(&h->sum_bits, memory_order_relaxed));
}

void histogram_render(buf_t *out, const char *prefix, const char *name,
		      const char *labelset, size_t lslen,
		      const histogram_t *h)
{
	uint64_t cum = 0;
	buf_t le;
	buf_init(&le);
	for (size_t i = 0; i <= h->nbounds; i++) {
		cum += atomic_load_explicit(&h->counts[i], memory_order_relaxed);
		buf_reset(&le);
		expo_double(&le, i < h->nbounds ? h->bounds[i] : INFINITY);
		expo_label_t l = {"le", buf_str(&le), le.len};
		if (le.oom) {
			out->oom = 1;
			break;
		}
		expo_sample_ls(out, prefix, name, "_bucket", labelset, lslen,
			       &l, (double)cum);
	}
	buf_free(&le);
	expo_sample_ls(out, prefix, name, "_sum", labelset, lslen, NULL,
		       histogram_sum(h));
	expo_sample_ls(out, prefix, name, "_count", labelset, lslen, NULL,
		       (double)cum);
}
