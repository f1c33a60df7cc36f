/* scrape: one Locust target and its scrape path: fetch (client) -> parse
 * (stats) -> render (collector), on every scrape, never from a cache.
 *
 * Concurrent scrapes of one target share the fetch in flight: the first
 * caller fetches, later ones wait for that fetch's result instead of
 * queueing their own.  Results are reference-counted text. */
#ifndef LE_SCRAPE_H
#define LE_SCRAPE_H

#include <pthread.h>
#include <stdint.h>

#include "buf.h"
#include "client.h"
#include "collector.h"
#include "config.h"
#include "csvsource.h"
#include "stats.h"

typedef struct result {
	int refs;
	int up;
	buf_t text;
} result_t;

typedef struct {
	char *uri;
	const config_t *cfg;
	collector_opts_t opts;
	client_t *client;     /* http(s):// */
	csvsource_t csv;      /* file:// (headless Locust's --csv files) */
	const char *csv_prefix;
	snapshot_t snap;
	collector_t col;
	buf_t body, detail;
	selfstats_t self;
	lstate_t last_state;
	reason_t last_reason;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int in_flight;
	int waiting;   /* callers waiting for the fetch in flight */
	uint64_t gen;
	result_t *last;
} target_t;

/* NULL on OOM. uri overrides cfg->uri (for /probe). */
target_t *target_new(const config_t *cfg, const char *uri, const collector_opts_t *opts);
void target_free(target_t *t);

/* Scrape (or join the scrape in flight) and return a referenced result;
 * NULL only when memory ran out.  Release it with result_release. */
result_t *target_scrape(target_t *t);
void result_release(target_t *t, result_t *r);

#endif
