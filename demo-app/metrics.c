/* metrics: the demo app's metric state and its family table (see metrics.h).
 *
 * Counters are plain atomics indexed by bounded enums (route, method, status
 * 100-599), histograms come from lib/histogram; the exposition walks one
 * table of families, each row with its HELP/TYPE and a sample writer. */
#include "metrics.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "expo.h"
#include "histogram.h"
#include "procmetrics.h"
#include "scenario.h"

#define STATUS_MIN 100
#define STATUS_SLOTS 500

static const double http_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.15,
				     0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1,
				     1.5, 2, 3, 5, 10};
static const double db_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
				   0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
				   0.5, 1};
/* statements per request: 0 (a cache hit), 1 (one query), N+1 patterns */
static const double stmt_bounds[] = {0, 1, 2, 3, 5, 10, 20, 50, 100};
static const double pool_bounds[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
				     0.25, 0.5, 1, 2.5, 5};
#define NB(a) (sizeof(a) / sizeof((a)[0]))

static _Atomic uint64_t requests[R_COUNT][M_COUNT][STATUS_SLOTS];
static histogram_t http_hist[R_COUNT];
static histogram_t stmt_hist[R_COUNT];
static histogram_t db_hist, pool_hist;
static atomic_long in_flight;
static _Atomic uint64_t spikes, db_queries, cache_hits, cache_misses,
	pool_timeouts;

int metrics_init(void)
{
	int rc = 0;
	for (int r = 0; r < R_COUNT; r++)
		rc |= histogram_init(&http_hist[r], http_bounds, NB(http_bounds)) |
		      histogram_init(&stmt_hist[r], stmt_bounds, NB(stmt_bounds));
	rc |= histogram_init(&db_hist, db_bounds, NB(db_bounds));
	rc |= histogram_init(&pool_hist, pool_bounds, NB(pool_bounds));
	if (rc)
		metrics_free();
	return rc;
}

void metrics_free(void)
{
	for (int r = 0; r < R_COUNT; r++) {
		histogram_free(&http_hist[r]);
		histogram_free(&stmt_hist[r]);
	}
	histogram_free(&db_hist);
	histogram_free(&pool_hist);
}

static void inc(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static uint64_t get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void metrics_request(route_id_t r, method_t m, int status, double seconds)
{
	if ((unsigned)r >= R_COUNT)
		r = R_OTHER;
	if ((unsigned)m >= M_COUNT)
		m = M_OTHER;
	if (status < STATUS_MIN || status >= STATUS_MIN + STATUS_SLOTS)
		status = 500;
	inc(&requests[r][m][status - STATUS_MIN]);
	histogram_observe(&http_hist[r], seconds);
}

void metrics_in_flight(int delta)
{
	atomic_fetch_add(&in_flight, delta);
}

long metrics_in_flight_now(void)
{
	return atomic_load(&in_flight);
}

void metrics_latency_spike(void) { inc(&spikes); }
void metrics_cache(int hit) { inc(hit ? &cache_hits : &cache_misses); }
void metrics_pool_timeout(void) { inc(&pool_timeouts); }

void metrics_db_query(double seconds)
{
	inc(&db_queries);
	histogram_observe(&db_hist, seconds);
}

void metrics_db_statements(route_id_t r, unsigned n)
{
	if ((unsigned)r >= R_COUNT)
		r = R_OTHER;
	histogram_observe(&stmt_hist[r], (double)n);
}

void metrics_pool_wait(double seconds)
{
	histogram_observe(&pool_hist, seconds);
}

/* ---- sample writers: one per family, or generic for plain values ---- */

struct family;
typedef void (*render_fn)(buf_t *out, const struct family *f,
			  const metrics_gauges_t *g);

struct family {
	expo_family_t f;
	render_fn render;
	_Atomic uint64_t *counter;  /* r_counter */
	size_t gauge;               /* r_gauge: offset in metrics_gauges_t */
	histogram_t *hist;          /* r_hist */
};

static void r_counter(buf_t *out, const struct family *f, const metrics_gauges_t *g)
{
	(void)g;
	expo_sample(out, "", f->f.name, NULL, NULL, 0, (double)get(f->counter));
}

static void r_gauge(buf_t *out, const struct family *f, const metrics_gauges_t *g)
{
	double v;
	memcpy(&v, (const char *)g + f->gauge, sizeof v);
	expo_sample(out, "", f->f.name, NULL, NULL, 0, v);
}

static void r_requests(buf_t *out, const struct family *f, const metrics_gauges_t *g)
{
	(void)g;
	for (int r = 0; r < R_COUNT; r++)
		for (int m = 0; m < M_COUNT; m++)
			for (int s = 0; s < STATUS_SLOTS; s++) {
				uint64_t n = get(&requests[r][m][s]);
				if (!n)
					continue;
				char code[12];
				snprintf(code, sizeof code, "%d", s + STATUS_MIN);
				expo_label_t l[] = {
					{"method", method_label((method_t)m), EXPO_STRLEN},
					{"route", route_label((route_id_t)r), EXPO_STRLEN},
					{"code", code, EXPO_STRLEN},
				};
				expo_sample(out, "", f->f.name, NULL, l, 3, (double)n);
			}
}

/* One histogram per route; `all`: every route, else those observed. */
static void per_route(buf_t *out, const char *name, histogram_t *h, int all)
{
	buf_t ls;
	buf_init(&ls);
	for (int r = 0; r < R_COUNT; r++) {
		if (!all && histogram_count(&h[r]) == 0)
			continue;
		buf_reset(&ls);
		expo_label_t l = {"route", route_label((route_id_t)r), EXPO_STRLEN};
		expo_labelset(&ls, &l, 1);
		if (ls.oom) {
			out->oom = 1;
			break;
		}
		histogram_render(out, "", name, ls.data, ls.len, &h[r]);
	}
	buf_free(&ls);
}

static void r_duration(buf_t *out, const struct family *f, const metrics_gauges_t *g)
{
	(void)g;
	per_route(out, f->f.name, http_hist, 1);
}

static void r_statements(buf_t *out, const struct family *f, const metrics_gauges_t *g)
{
	(void)g;
	per_route(out, f->f.name, stmt_hist, 0);
}

static void r_in_flight(buf_t *out, const struct family *f, const metrics_gauges_t *g)
{
	(void)g;
	expo_sample(out, "", f->f.name, NULL, NULL, 0, (double)atomic_load(&in_flight));
}

static void r_scenarios(buf_t *out, const struct family *f, const metrics_gauges_t *g)
{
	(void)g;
	for (int s = 0; s < SC_COUNT; s++) {
		expo_label_t l = {"scenario", scenario_name((scenario_t)s), EXPO_STRLEN};
		expo_sample(out, "", f->f.name, NULL, &l, 1,
			    scenario_enabled((scenario_t)s));
	}
}

static void r_hist(buf_t *out, const struct family *f, const metrics_gauges_t *g)
{
	(void)g;
	histogram_render(out, "", f->f.name, NULL, 0, f->hist);
}

static void r_cache(buf_t *out, const struct family *f, const metrics_gauges_t *g)
{
	(void)g;
	expo_label_t hit = {"result", "hit", EXPO_STRLEN};
	expo_label_t miss = {"result", "miss", EXPO_STRLEN};
	expo_sample(out, "", f->f.name, NULL, &hit, 1, (double)get(&cache_hits));
	expo_sample(out, "", f->f.name, NULL, &miss, 1, (double)get(&cache_misses));
}

#define GAUGE(field) r_gauge, NULL, offsetof(metrics_gauges_t, field), NULL
#define COUNTER(var) r_counter, &(var), 0, NULL
#define HIST(var) r_hist, NULL, 0, &(var)

static const struct family families[] = {
	{{"http_requests_total", EXPO_COUNTER, "HTTP requests served, by method, route and status code."}, r_requests, NULL, 0, NULL},
	{{"http_request_duration_seconds", EXPO_HISTOGRAM, "Server-side request duration in seconds, by route."}, r_duration, NULL, 0, NULL},
	{{"http_requests_in_flight", EXPO_GAUGE, "Requests currently being handled."}, r_in_flight, NULL, 0, NULL},
	{{"demo_worker_threads", EXPO_GAUGE, "Size of the HTTP worker thread pool."}, GAUGE(worker_threads)},
	{{"demo_worker_threads_busy", EXPO_GAUGE, "Worker threads currently holding a connection."}, GAUGE(worker_threads_busy)},
	{{"demo_scenario_enabled", EXPO_GAUGE, "1 when the performance-problem scenario is switched on."}, r_scenarios, NULL, 0, NULL},
	{{"demo_latency_spikes_total", EXPO_COUNTER, "Requests delayed by the latency_spikes scenario."}, COUNTER(spikes)},
	{{"demo_leaked_bytes", EXPO_GAUGE, "Bytes retained by the memory_leak scenario."}, GAUGE(leaked_bytes)},
	{{"demo_db_queries_total", EXPO_COUNTER, "SQL statements executed against the embedded database."}, COUNTER(db_queries)},
	{{"demo_db_query_duration_seconds", EXPO_HISTOGRAM, "Duration of one SQL statement in seconds."}, HIST(db_hist)},
	{{"demo_db_statements_per_request", EXPO_HISTOGRAM, "SQL statements one request ran, by route (N+1 patterns run many)."}, r_statements, NULL, 0, NULL},
	{{"demo_cache_requests_total", EXPO_COUNTER, "Lookups in the /products cache, by result."}, r_cache, NULL, 0, NULL},
	{{"demo_pool_size", EXPO_GAUGE, "Capacity of the backend connection pool."}, GAUGE(pool_size)},
	{{"demo_pool_in_use", EXPO_GAUGE, "Backend connections currently in use."}, GAUGE(pool_in_use)},
	{{"demo_pool_wait_seconds", EXPO_HISTOGRAM, "Time spent waiting for a backend connection in seconds."}, HIST(pool_hist)},
	{{"demo_pool_timeouts_total", EXPO_COUNTER, "Requests that gave up waiting for a backend connection (503)."}, COUNTER(pool_timeouts)},
};

void metrics_render(buf_t *out, const metrics_gauges_t *g)
{
	for (size_t i = 0; i < NB(families); i++) {
		expo_header(out, "", &families[i].f);
		families[i].render(out, &families[i], g);
	}
	procmetrics_render(out);
}
