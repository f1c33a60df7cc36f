/* csvsource: headless Locust (--headless --csv PREFIX) as a stats source.
 *
 * --locust.uri=file:///path/PREFIX reads PREFIX_stats.csv (required),
 * PREFIX_failures.csv and, when --csv-full-history wrote it, the last
 * Aggregated line of PREFIX_stats_history.csv (user count, current RPS)
 * into the same snapshot model the JSON parser fills.  Files missing or
 * older than the staleness limit read as RS_STALE. */
#ifndef LE_CSVSOURCE_H
#define LE_CSVSOURCE_H

#include "buf.h"
#include "reason.h"
#include "stats.h"

typedef struct {
	buf_t stats, failures, history, path;
} csvsource_t;

void csvsource_init(csvsource_t *cs);
void csvsource_free(csvsource_t *cs);

/* prefix: the path after file://; max_age_s: staleness limit; max_bytes:
 * the largest file read.  Snapshot strings point into cs until the next
 * load. */
reason_t csvsource_load(csvsource_t *cs, const char *prefix, double max_age_s, long long max_bytes,
			snapshot_t *s, buf_t *detail);

#endif
