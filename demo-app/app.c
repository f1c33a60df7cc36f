/* app: per-request behaviour of the demo app (see app.h).
 *
 * Default (no scenario): exactly the Flask seed: /, /about (100-300 ms),
 * /products (200-500 ms), /contact (404).  Scenarios add their effect on
 * top, each counted in its own metric. */
#include "app.h"

#include <civetweb.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "cache.h"
#include "db.h"
#include "expo.h"
#include "leak.h"
#include "metrics.h"
#include "pause.h"
#include "pool.h"
#include "respond.h"
#include "scenario.h"

#define TEXT "text/plain; charset=utf-8"
#define JSON "application/json"

static struct {
	double spike_ratio;
	size_t leak_bytes;
	int pool_normal, pool_small;
	double pool_timeout;
	int cache_small;
	long threads;
} set;

static pool_t pool;
static atomic_int busy;

/* ---- scenario effects that change state when switched ---- */

static void warm_one(int64_t id, int64_t price)
{
	cache_put(id, price);
}

static void apply_scenario(scenario_t s, int on)
{
	switch (s) {
	case SC_POOR_CACHE:
		cache_resize(on ? set.cache_small : DB_PRODUCTS);
		if (!on)
			db_each_product(warm_one); /* the fix: a warm, full cache */
		break;
	case SC_POOL_EXHAUSTION:
		pool_resize(&pool, on ? set.pool_small : set.pool_normal);
		break;
	case SC_MEMORY_LEAK:
		if (!on)
			leak_release();
		break;
	default:
		break;
	}
}

int app_init(const demo_config_t *cfg, buf_t *err)
{
	set.spike_ratio = cfg->spike_ratio;
	set.leak_bytes = cfg->leak_bytes;
	set.pool_normal = (int)cfg->threads;
	set.pool_small = (int)cfg->pool_size;
	set.pool_timeout = cfg->pool_timeout;
	set.cache_small = (int)cfg->cache_size;
	set.threads = cfg->threads;
	leak_configure(cfg->leak_cap);
	if (metrics_init() || pool_init(&pool, set.pool_normal) ||
	    cache_init(DB_PRODUCTS)) {
		buf_puts(err, "out of memory");
		return -1;
	}
	if (db_open(cfg->db, err))
		return -1;
	if (db_each_product(warm_one)) {
		buf_puts(err, "database: cannot read the products");
		return -1;
	}
	scenario_set_hook(apply_scenario);
	for (int s = 0; s < SC_COUNT; s++)
		if (cfg->scenarios & (1u << s))
			scenario_set((scenario_t)s, 1);
	return 0;
}

void app_shutdown(void)
{
	scenario_set_hook(NULL);
	db_close();
	cache_free();
	leak_release();
	pool_destroy(&pool);
	metrics_free();
}

void app_drain(double max_s)
{
	double until = pause_now() + max_s;
	struct timespec tick = {0, 10 * 1000 * 1000};
	while (metrics_in_flight_now() > 0 && pause_now() < until)
		nanosleep(&tick, NULL);
}

void app_busy(int delta)
{
	atomic_fetch_add(&busy, delta);
}

/* ---- delays ---- */

double app_base_delay(route_id_t r, rng_t *rng)
{
	switch (r) {
	case R_ABOUT: return rng_uniform(rng, 0.100, 0.300);
	case R_PRODUCTS: return rng_uniform(rng, 0.200, 0.500);
	default: return 0;
	}
}

double app_spike_delay(rng_t *rng, double ratio)
{
	double u = rng_unit(rng), extra = rng_uniform(rng, 1.0, 3.0);
	return u < ratio ? extra : 0;
}

/* ---- the seed routes and their backend work ---- */

static void reply(app_response_t *resp, int status, const char *ctype,
		  const char *text)
{
	resp->status = status;
	resp->ctype = ctype;
	buf_puts(&resp->body, text);
}

/* /products: the base delay, plus a database read and a render when the
 * product page is not in the cache. */
static void products(app_response_t *resp, rng_t *rng, double extra)
{
	int64_t id = rng_range(rng, 1, DB_PRODUCTS), price;
	double delay = app_base_delay(R_PRODUCTS, rng) + extra;
	int hit = cache_get(id, &price);
	metrics_cache(hit);
	resp->cache = hit ? "hit" : "miss";
	if (!hit) {
		if (db_product_price(id, &price)) {
			reply(resp, 500, TEXT, "Internal Server Error");
			return;
		}
		cache_put(id, price);
		delay += rng_uniform(rng, 0.100, 0.300); /* rendering the page */
	}
	pause_for(delay);
	reply(resp, 200, TEXT, "Products Page");
}

static int64_t customer_of(const char *query, rng_t *rng)
{
	char v[24];
	if (query && mg_get_var(query, strlen(query), "customer", v, sizeof v) > 0) {
		char *end;
		long long id = strtoll(v, &end, 10);
		if (!*end && id >= 1 && id <= DB_CUSTOMERS)
			return id;
	}
	return rng_range(rng, 1, DB_CUSTOMERS);
}

static void orders(app_response_t *resp, const char *query, rng_t *rng,
		   double extra)
{
	int64_t customer = customer_of(query, rng);
	if (db_orders_json(customer, scenario_enabled(SC_SLOW_DB), &resp->body)) {
		buf_reset(&resp->body);
		reply(resp, 500, TEXT, "Internal Server Error");
		return;
	}
	pause_for(extra);
	resp->status = 200;
	resp->ctype = JSON;
}

/* /about, /products and /orders each hold a backend connection while they
 * work; the pool is as large as the thread pool unless pool_exhaustion
 * shrinks it. */
static void backend(route_id_t r, const char *query, app_response_t *resp,
		    rng_t *rng, double extra)
{
	double waited;
	if (pool_acquire(&pool, set.pool_timeout, &waited)) {
		metrics_pool_wait(waited);
		metrics_pool_timeout();
		reply(resp, 503, TEXT, "Service Unavailable: no backend connection");
		return;
	}
	metrics_pool_wait(waited);
	if (r == R_ABOUT) {
		pause_for(app_base_delay(R_ABOUT, rng) + extra);
		reply(resp, 200, TEXT, "About Page");
	} else if (r == R_PRODUCTS) {
		products(resp, rng, extra);
	} else {
		orders(resp, query, rng, extra);
	}
	if (r != R_ABOUT)
		metrics_db_statements(r, db_statements_take());
	pool_release(&pool);
}

static void serve_seed(route_id_t r, const char *query, app_response_t *resp)
{
	rng_t rng;
	rng_for_request(&rng);
	double extra = 0;
	if (scenario_enabled(SC_LATENCY_SPIKES) &&
	    (extra = app_spike_delay(&rng, set.spike_ratio)) > 0)
		metrics_latency_spike();
	if (scenario_enabled(SC_MEMORY_LEAK))
		leak_retain(set.leak_bytes);
	switch (r) {
	case R_ROOT:
		pause_for(extra);
		reply(resp, 200, TEXT, "Hello from Demo App!");
		break;
	case R_CONTACT:
		pause_for(extra);
		reply(resp, 404, TEXT, "Not Found");
		break;
	default:
		backend(r, query, resp, &rng, extra);
		break;
	}
}

/* ---- operational routes ---- */

static void serve_metrics(app_response_t *resp)
{
	metrics_gauges_t g = {
		.worker_threads = (double)set.threads,
		.worker_threads_busy = (double)atomic_load(&busy),
		.leaked_bytes = (double)leak_bytes(),
		.pool_size = pool_capacity(&pool),
		.pool_in_use = pool_in_use(&pool),
	};
	metrics_render(&resp->body, &g);
	resp->status = resp->body.oom ? 500 : 200;
	resp->ctype = EXPO_CONTENT_TYPE;
	resp->gzip_ok = 1;
	resp->exposition = 1;
}

static int read_only(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

void app_serve(const char *method, const char *path, const char *query,
	       route_id_t route, app_response_t *resp)
{
	if (route == R_ADMIN) {
		resp->status = admin_serve(method, path, query, &resp->body,
					   &resp->allow);
		resp->ctype = JSON;
		return;
	}
	if (route == R_OTHER) {
		reply(resp, 404, TEXT, "Not Found");
		return;
	}
	if (!read_only(method)) {
		resp->allow = "GET, HEAD";
		reply(resp, 405, TEXT, "Method Not Allowed");
		return;
	}
	if (route == R_METRICS)
		serve_metrics(resp);
	else if (route == R_HEALTHZ)
		reply(resp, 200, TEXT, "ok");
	else
		serve_seed(route, query, resp);
}

/* ---- civetweb glue ---- */

int app_handle(struct mg_connection *c, void *cbdata)
{
	(void)cbdata;
	const struct mg_request_info *ri = mg_get_request_info(c);
	double start = pause_now();
	metrics_in_flight(1);
	route_id_t route = route_lookup(ri->local_uri ? ri->local_uri : "");
	app_response_t resp = {.status = 500, .ctype = TEXT};
	buf_init(&resp.body);
	app_serve(ri->request_method, ri->local_uri ? ri->local_uri : "",
		  ri->query_string, route, &resp);
	respond_send(c, &resp, strcmp(ri->request_method, "HEAD") == 0);
	buf_free(&resp.body);
	metrics_request(route, method_lookup(ri->request_method), resp.status,
			pause_now() - start);
	metrics_in_flight(-1);
	return resp.status;
}
