/* collector: one stats snapshot (plus the exporter's own counters) ->
 * Prometheus metric families.
 *
 * Every family is one row of a table (name, type, help, set, renderer),
 * the way HAProxy's promex does it; one loop renders the table.  Two sets:
 * "compat" (the Go exporter's names and labels, all gauges, the Aggregated
 * row included) and "native" (Prometheus naming: base units, _total
 * counters, a summary for latency, no aggregate row inside per-endpoint
 * families).  Self metrics and process_* are always on. */
#ifndef LE_COLLECTOR_H
#define LE_COLLECTOR_H

#include <stdatomic.h>
#include <stdint.h>

#include "buf.h"
#include "reason.h"
#include "stats.h"

/* The Pushgateway pusher's counters (push.c writes, renders read). */
typedef struct {
	_Atomic uint64_t pushes;             /* attempted, failed ones included */
	_Atomic uint64_t errors[RS__COUNT];  /* failed, by reason */
} pushstats_t;

/* The exporter's own counters for one target. */
typedef struct {
	uint64_t scrapes;
	uint64_t errors[RS__COUNT];
	double last_duration;  /* seconds, fetch + parse */
	double run_start;      /* unix time the current run was first seen, 0 if none */
	const pushstats_t *push; /* the main target with --pushgateway.url, else NULL */
} selfstats_t;

typedef struct {
	const char *ns;  /* metric namespace, e.g. "locust" */
	int compat;
	int native;
	int process;     /* include process_* (off for /probe) */
	const char *version;
	const char *revision;
} collector_opts_t;

/* Scratch space reused across renders (no per-sample allocation). */
typedef struct {
	buf_t prefix;
	buf_t ls;        /* pre-rendered {method=..,name=..} per row */
	size_t *ls_off;
	size_t ls_cap;
	buf_t tmp;
	buf_t errs;      /* normalized error texts */
	size_t *err_off;
	double *err_occ;
	size_t err_cap;
} collector_t;

void collector_init(collector_t *c);
void collector_free(collector_t *c);

/* Append the whole exposition to out.  snap is NULL when Locust could not
 * be read: then only locust_up 0, the self metrics and process_* appear. */
void collector_render(collector_t *c, buf_t *out, const collector_opts_t *o,
		      const snapshot_t *snap, const selfstats_t *self);

/* Native error text, bounded to max bytes on a UTF-8 boundary.  legacy 1
 * (JSON of Locust <= 2.27): HTML entities decoded and the extra repr()
 * layer of old masters removed; legacy 2 (CSV files, never HTML-escaped):
 * only the repr() layer removed; 0: the text as it is. */
void collector_error_text(buf_t *out, const char *s, size_t len, int legacy, size_t max);

#endif
