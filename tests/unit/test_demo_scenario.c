/* Unit tests: demo-app scenarios (parsing, toggles, hooks, JSON), the
 * admin API and every route served through app_serve (no HTTP server). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "app.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "leak.h"
#include "scenario.h"

typedef struct {
	int status;
	buf_t body;
	const char *allow, *cache;
} result_t;

static result_t serve(const char *method, const char *path, const char *query)
{
	app_response_t r = {.status = -1};
	buf_init(&r.body);
	app_serve(method, path, query, route_lookup(path), &r);
	result_t out = {r.status, r.body, r.allow, r.cache};
	return out;
}

static void expect(const char *method, const char *path, int status,
		   const char *body)
{
	result_t r = serve(method, path, NULL);
	assert_int_equal(r.status, status);
	if (body)
		assert_string_equal(buf_str(&r.body), body);
	buf_free(&r.body);
}

static int setup(void **state)
{
	(void)state;
	demo_config_t cfg;
	buf_t err;
	buf_init(&err);
	config_defaults(&cfg);
	cfg.threads = 16;
	cfg.leak_bytes = 4096;
	cfg.leak_cap = 3 * 4096;
	int rc = app_init(&cfg, &err);
	if (rc)
		print_error("app_init: %s\n", buf_str(&err));
	buf_free(&err);
	return rc;
}

static int teardown(void **state)
{
	(void)state;
	for (int s = 0; s < SC_COUNT; s++)
		scenario_set((scenario_t)s, 0);
	app_shutdown();
	return 0;
}

static void test_parse_list(void **state)
{
	(void)state;
	unsigned m;
	buf_t err;
	buf_init(&err);
	assert_int_equal(scenario_parse_list("slow_db,poor_cache", &m, &err), 0);
	assert_int_equal(m, (1u << SC_SLOW_DB) | (1u << SC_POOR_CACHE));
	assert_int_equal(scenario_parse_list("", &m, &err), 0);
	assert_int_equal(m, 0);
	assert_int_equal(scenario_parse_list("none", &m, &err), 0);
	assert_int_equal(m, 0);
	assert_int_equal(scenario_parse_list("latency_spikes,", &m, &err), 0);
	assert_int_equal(m, 1u << SC_LATENCY_SPIKES);
	assert_int_equal(scenario_parse_list("slow_db,bogus", &m, &err), -1);
	assert_non_null(strstr(buf_str(&err), "bogus"));
	buf_free(&err);
	for (int s = 0; s < SC_COUNT; s++)
		assert_int_equal(scenario_lookup(scenario_name((scenario_t)s),
						 strlen(scenario_name((scenario_t)s))), s);
}

static int hook_calls, hook_last_on;
static void count_hook(scenario_t s, int on)
{
	(void)s;
	hook_calls++;
	hook_last_on = on;
}

static void test_toggle_hook(void **state)
{
	(void)state;
	scenario_set_hook(count_hook);
	hook_calls = 0;
	assert_int_equal(scenario_set(SC_SLOW_DB, 1), 1);
	assert_int_equal(scenario_set(SC_SLOW_DB, 1), 0); /* no change */
	assert_true(scenario_enabled(SC_SLOW_DB));
	assert_int_equal(scenario_set(SC_SLOW_DB, 0), 1);
	assert_int_equal(hook_calls, 2);
	assert_int_equal(hook_last_on, 0);
	scenario_set_hook(NULL);
}

static void test_seed_routes(void **state)
{
	(void)state;
	expect("GET", "/", 200, "Hello from Demo App!");
	expect("GET", "/about", 200, "About Page");
	expect("GET", "/products", 200, "Products Page");
	expect("GET", "/contact", 404, NULL);
	expect("GET", "/healthz", 200, NULL);
	expect("GET", "/nope", 404, NULL);
	expect("HEAD", "/", 200, "Hello from Demo App!");
	result_t r = serve("POST", "/about", NULL);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.allow, "GET, HEAD");
	buf_free(&r.body);
}

/* The statements_per_request count of route in /metrics, with `le` (0
 * before the route ran any: no series yet). */
static double statements_bucket(const char *route, const char *le)
{
	result_t r = serve("GET", "/metrics", NULL);
	buf_t key;
	buf_init(&key);
	buf_printf(&key, "demo_db_statements_per_request_bucket{route=\"%s\",le=\"%s\"} ", route, le);
	const char *at = strstr(buf_str(&r.body), buf_str(&key));
	double v = at ? strtod(at + key.len, NULL) : 0;
	buf_free(&key);
	buf_free(&r.body);
	return v;
}

static void test_orders_same_result_both_ways(void **state)
{
	(void)state;
	(void)db_statements_take();
	double one = statements_bucket("/orders", "1"), many = statements_bucket("/orders", "50");
	result_t fast = serve("GET", "/orders", "customer=17");
	assert_int_equal(fast.status, 200);
	assert_non_null(strstr(buf_str(&fast.body), "\"customer_id\":17"));
	assert_non_null(strstr(buf_str(&fast.body), "customer-17"));
	scenario_set(SC_SLOW_DB, 1);
	result_t slow = serve("GET", "/orders", "customer=17");
	scenario_set(SC_SLOW_DB, 0);
	assert_int_equal(slow.status, 200);
	assert_string_equal(buf_str(&fast.body), buf_str(&slow.body));
	buf_free(&fast.body);
	buf_free(&slow.body);
	/* one request with the JOIN (<= 1 statement), one with 1 + 2 x 20 */
	assert_true(statements_bucket("/orders", "1") == one + 1);
	assert_true(statements_bucket("/orders", "20") == one + 1);
	assert_true(statements_bucket("/orders", "50") == many + 2);
	assert_int_equal(db_statements_take(), 0); /* each request took its own */
}

static void test_statements_counted_per_thread(void **state)
{
	(void)state;
	(void)db_statements_take();
	int64_t price;
	assert_int_equal(db_product_price(7, &price), 0);
	assert_int_equal(db_product_price(8, &price), 0);
	assert_int_equal(db_statements_take(), 2);
	assert_int_equal(db_statements_take(), 0);
	/* a warm /products lookup runs none */
	double zero = statements_bucket("/products", "0");
	expect("GET", "/products", 200, NULL);
	assert_true(statements_bucket("/products", "0") == zero + 1);
}

static void test_poor_cache_shrinks(void **state)
{
	(void)state;
	assert_int_equal(cache_capacity(), 1000);
	result_t r = serve("GET", "/products", NULL);
	assert_string_equal(r.cache, "hit"); /* warm at start */
	buf_free(&r.body);
	scenario_set(SC_POOR_CACHE, 1);
	assert_int_equal(cache_capacity(), 10);
	scenario_set(SC_POOR_CACHE, 0);
	assert_int_equal(cache_capacity(), 1000);
	r = serve("GET", "/products", NULL);
	assert_string_equal(r.cache, "hit"); /* re-warmed by the fix */
	buf_free(&r.body);
}

static void test_leak_bounded_and_released(void **state)
{
	(void)state;
	scenario_set(SC_MEMORY_LEAK, 1);
	for (int i = 0; i < 5; i++)
		expect("GET", "/", 200, NULL);
	assert_int_equal(leak_bytes(), 3 * 4096); /* capped */
	scenario_set(SC_MEMORY_LEAK, 0);
	assert_int_equal(leak_bytes(), 0);
	expect("GET", "/", 200, NULL);
	assert_int_equal(leak_bytes(), 0);
}

static void test_admin_api(void **state)
{
	(void)state;
	result_t r = serve("GET", "/admin/scenarios", NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(buf_str(&r.body), "{\"name\":\"pool_exhaustion\",\"enabled\":false"));
	buf_free(&r.body);
	r = serve("POST", "/admin/scenarios/pool_exhaustion", "state=on");
	assert_int_equal(r.status, 200);
	assert_string_equal(buf_str(&r.body), "{\"name\":\"pool_exhaustion\",\"enabled\":true}\n");
	assert_true(scenario_enabled(SC_POOL_EXHAUSTION));
	buf_free(&r.body);
	r = serve("POST", "/admin/scenarios/pool_exhaustion", "state=off");
	assert_false(scenario_enabled(SC_POOL_EXHAUSTION));
	buf_free(&r.body);
	r = serve("POST", "/admin/scenarios/pool_exhaustion", "state=maybe");
	assert_int_equal(r.status, 400);
	buf_free(&r.body);
	r = serve("POST", "/admin/scenarios/pool_exhaustion", NULL);
	assert_int_equal(r.status, 400);
	buf_free(&r.body);
	r = serve("POST", "/admin/scenarios/warp_drive", "state=on");
	assert_int_equal(r.status, 404);
	buf_free(&r.body);
	r = serve("DELETE", "/admin/scenarios/slow_db", NULL);
	assert_int_equal(r.status, 405);
	buf_free(&r.body);
	r = serve("POST", "/admin/scenarios", NULL);
	assert_int_equal(r.status, 405);
	buf_free(&r.body);
}

static void test_pool_exhaustion_visible(void **state)
{
	(void)state;
	scenario_set(SC_POOL_EXHAUSTION, 1);
	result_t r = serve("GET", "/metrics", NULL);
	assert_non_null(strstr(buf_str(&r.body), "\ndemo_pool_size 4\n"));
	assert_non_null(strstr(buf_str(&r.body),
			       "demo_scenario_enabled{scenario=\"pool_exhaustion\"} 1\n"));
	buf_free(&r.body);
	scenario_set(SC_POOL_EXHAUSTION, 0);
	r = serve("GET", "/metrics", NULL);
	assert_non_null(strstr(buf_str(&r.body), "\ndemo_pool_size 16\n"));
	buf_free(&r.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_seed_routes),
		cmocka_unit_test(test_orders_same_result_both_ways),
		cmocka_unit_test(test_statements_counted_per_thread),
		cmocka_unit_test(test_poor_cache_shrinks),
		cmocka_unit_test(test_leak_bounded_and_released),
		cmocka_unit_test(test_admin_api),
		cmocka_unit_test(test_pool_exhaustion_visible),
		/* last: replaces the app's hook */
		cmocka_unit_test(test_toggle_hook),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
