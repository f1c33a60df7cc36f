/* scrape: one Locust target and its scrape path: fetch (client) -> parse
 * (stats) -> render (collector), on every scrape, never from a cache.
 *
 * Concurrent scrapes of one target share the fetch in flight: the first
 * caller fetches, later ones wait for that fetch's result instead of
 * queueing their own.  Results are reference-counted text; its
 * OpenMetrics form and its gzip are made at most once, by the first caller
 * that wants them so.
 *
 * Memory is reused from one scrape to the next, sized to what recent
 * scrapes needed (keep_t), in two blocks whose contents never live at the
 * same time: Locust's answer, then the gzip (of the text, or of the
 * OpenMetrics form when that was asked first); the decoded JSON tree, then
 * the text.  The OpenMetrics form, when asked, is a third block, kept the
 * same way (a client that asks for the other format than the gzip's gets
 * a gzip of its own, per request).  Each
 * stage is bounded by a flag: the answer (--locust.max-response-size), its
 * decoded tree (--locust.max-decoded-size), its rows (--locust.max-rows) and
 * the rendered text (--web.max-response-size); beyond any of them the
 * scrape is locust_up 0 with reason too_large. */
#ifndef LE_SCRAPE_H
#define LE_SCRAPE_H

#include <pthread.h>
#include <stdint.h>

#include "buf.h"
#include "client.h"
#include "collector.h"
#include "config.h"
#include "csvsource.h"
#include "openmetrics.h"
#include "stats.h"

typedef struct result {
	int refs;
	int up;
	buf_t text;
	pthread_mutex_t gz_mu; /* guards gz and om */
	int gz_state; /* 0: not made yet, 1: gz holds it, -1: it failed */
	int gz_om;    /* gz holds the gzip of om (else of text) */
	buf_t gz;
	int om_state; /* the same for om */
	buf_t om;     /* text's OpenMetrics form (lib/openmetrics) */
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
	keep_t keep_text, keep_aux; /* text and tree; Locust's answer and gzip */
	keep_t keep_om;             /* the OpenMetrics form */
	size_t footprint;           /* buffers' capacity after the last scrape */
	/* Appended to every rendering (the server's own auth counters). */
	void (*render_extra)(void *ud, buf_t *out);
	void *render_extra_ud;
} target_t;

/* NULL on OOM. uri overrides cfg->uri (for /probe). */
target_t *target_new(const config_t *cfg, const char *uri, const collector_opts_t *opts);
void target_free(target_t *t);

/* Scrape (or join the scrape in flight) and return a referenced result;
 * NULL only when memory ran out.  Release it with result_release. */
result_t *target_scrape(target_t *t);
void result_release(target_t *t, result_t *r);
/* r's text in format f: the text itself, or its OpenMetrics form (made
 * on the first call, shared by the others); NULL when memory ran out. */
const buf_t *result_form(result_t *r, expo_format_t f);
/* The gzip of r's form in format f: made once for the first format asked,
 * shared by the others; the other format's is made into scratch (which
 * the caller frees).  NULL when it cannot be made. */
const buf_t *result_gzip(result_t *r, expo_format_t f, buf_t *scratch);

#endif
