/* app: what the demo app does per request: the seed routes with their
 * delays, the scenarios' effects, /metrics, /healthz and the admin API.
 * Independent of civetweb except for app_handle, the request handler. */
#ifndef DEMO_APP_H
#define DEMO_APP_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "rng.h"
#include "route.h"

struct mg_connection;

/* Set up database, cache, pool, metrics and scenarios from the config;
 * 0 or -1 with a one-line reason in err. */
int app_init(const demo_config_t *cfg, buf_t *err);
void app_shutdown(void);

/* The seed's delay of a route in seconds (0 for instant routes). */
double app_base_delay(route_id_t r, rng_t *rng);
/* The latency_spikes extra delay: 0, or 1-3 s for a `ratio` fraction. */
double app_spike_delay(rng_t *rng, double ratio);

/* A response before it goes on the wire. */
typedef struct {
	int status;
	const char *ctype;
	buf_t body;
	const char *allow;     /* Allow header for 405 */
	const char *cache;     /* X-Cache header: "hit" or "miss" */
	int gzip_ok;           /* may be compressed (metrics) */
	int exposition;        /* a 0.0.4 exposition: OpenMetrics when asked */
} app_response_t;

/* Serve one request (method, path, query) into resp; used by app_handle
 * and directly by the unit tests.  resp->body must be initialised. */
void app_serve(const char *method, const char *path, const char *query,
	       route_id_t route, app_response_t *resp);

/* Wait (at most max_s seconds) until no request is being handled: after
 * pause_shutdown() the sleeping ones finish early and still answer. */
void app_drain(double max_s);

/* Worker threads holding a connection (server callbacks keep it). */
void app_busy(int delta);

/* civetweb request handler for every path. */
int app_handle(struct mg_connection *c, void *cbdata);

#endif
