/* metrics: every metric of the demo app (RED metrics per route, thread and
 * pool gauges, scenario metrics) and their exposition at /metrics. */
#ifndef DEMO_METRICS_H
#define DEMO_METRICS_H

#include "buf.h"
#include "route.h"

/* Point-in-time values owned by other modules, read at scrape time. */
typedef struct {
	double worker_threads;
	double worker_threads_busy;
	double leaked_bytes;
	double pool_size;
	double pool_in_use;
} metrics_gauges_t;

int metrics_init(void);
void metrics_free(void);

void metrics_request(route_id_t r, method_t m, int status, double seconds);
void metrics_in_flight(int delta);
long metrics_in_flight_now(void);
void metrics_latency_spike(void);
void metrics_db_query(double seconds);
/* The SQL statements one request of route r ran (from the first on, the
 * route has a series). */
void metrics_db_statements(route_id_t r, unsigned n);
void metrics_cache(int hit);
void metrics_pool_wait(double seconds);
void metrics_pool_timeout(void);

/* The whole exposition, process_* included. */
void metrics_render(buf_t *out, const metrics_gauges_t *g);

#endif
