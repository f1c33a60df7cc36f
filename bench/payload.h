/* payload: generated Locust 2.4x GET /stats/requests documents for the
 * benchmarks, in Locust's real shape (master with workers, per-entry
 * percentiles, sorted keys, 2-space indentation as Flask's jsonify), with N
 * endpoints plus the Aggregated row.  Deterministic: the same N gives the
 * same bytes. */
#ifndef BENCH_PAYLOAD_H
#define BENCH_PAYLOAD_H

#include <stddef.h>

#include "buf.h"

/* Append the document for n endpoints to out (check out->oom). */
void payload_generate(buf_t *out, size_t n);

#endif
