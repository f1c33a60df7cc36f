/* Unit tests: lib/histogram and the demo app's /metrics rendering (every
 * family once, HELP/TYPE, cumulative buckets, bounded labels). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "histogram.h"
#include "metrics.h"
#include "scenario.h"

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void test_histogram_buckets(void **state)
{
	(void)state;
	static const double b[] = {0.1, 0.5, 1};
	histogram_t h;
	assert_int_equal(histogram_init(&h, b, 3), 0);
	histogram_observe(&h, 0.05);
	histogram_observe(&h, 0.1); /* le is inclusive */
	histogram_observe(&h, 0.7);
	histogram_observe(&h, 30);
	histogram_observe(&h, NAN); /* ignored */
	assert_int_equal(histogram_count(&h), 4);
	assert_true(fabs(histogram_sum(&h) - 30.85) < 1e-9);
	buf_t out;
	buf_init(&out);
	histogram_render(&out, "x_", "d", "{r=\"a\"}", 7, &h);
	assert_string_equal(buf_str(&out),
			    "x_d_bucket{r=\"a\",le=\"0.1\"} 2\n"
			    "x_d_bucket{r=\"a\",le=\"0.5\"} 2\n"
			    "x_d_bucket{r=\"a\",le=\"1\"} 3\n"
			    "x_d_bucket{r=\"a\",le=\"+Inf\"} 4\n"
			    "x_d_sum{r=\"a\"} 30.85\n"
			    "x_d_count{r=\"a\"} 4\n");
	buf_reset(&out);
	histogram_render(&out, "", "d", NULL, 0, &h);
	assert_non_null(strstr(buf_str(&out), "d_bucket{le=\"+Inf\"} 4\nd_sum 30.85\nd_count 4\n"));
	buf_free(&out);
	histogram_free(&h);
}

static void render(buf_t *out)
{
	metrics_gauges_t g = {1100, 3, 4096, 4, 2};
	buf_reset(out);
	metrics_render(out, &g);
	assert_false(out->oom);
}

static void test_every_family_once(void **state)
{
	(void)state;
	static const char *const names[] = {
		"http_requests_total counter", "http_request_duration_seconds histogram",
		"http_requests_in_flight gauge", "demo_worker_threads gauge",
		"demo_worker_threads_busy gauge", "demo_scenario_enabled gauge",
		"demo_latency_spikes_total counter", "demo_leaked_bytes gauge",
		"demo_db_queries_total counter", "demo_db_query_duration_seconds histogram",
		"demo_db_statements_per_request histogram",
		"demo_cache_requests_total counter", "demo_pool_size gauge",
		"demo_pool_in_use gauge", "demo_pool_wait_seconds histogram",
		"demo_pool_timeouts_total counter", "process_cpu_seconds_total counter",
		"process_resident_memory_bytes gauge", "process_threads gauge",
	};
	buf_t out;
	buf_init(&out);
	render(&out);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		buf_t t;
		buf_init(&t);
		buf_printf(&t, "# TYPE %s\n", names[i]);
		assert_int_equal(count(buf_str(&out), buf_str(&t)), 1);
		buf_free(&t);
	}
	assert_non_null(strstr(buf_str(&out), "\ndemo_worker_threads 1100\n"));
	assert_non_null(strstr(buf_str(&out), "\ndemo_worker_threads_busy 3\n"));
	assert_non_null(strstr(buf_str(&out), "\ndemo_leaked_bytes 4096\n"));
	assert_non_null(strstr(buf_str(&out), "\ndemo_pool_in_use 2\n"));
	assert_int_equal(count(buf_str(&out), "demo_scenario_enabled{scenario="), SC_COUNT);
	buf_free(&out);
}

static void test_requests_and_duration(void **state)
{
	(void)state;
	buf_t out;
	buf_init(&out);
	metrics_request(R_ABOUT, M_GET, 200, 0.12);
	metrics_request(R_ABOUT, M_GET, 200, 0.28);
	metrics_request(R_CONTACT, M_GET, 404, 0.001);
	metrics_request(R_OTHER, M_OTHER, 404, 0.001);
	metrics_request(R_ROOT, M_GET, 999, 0.001); /* out of range: 500 */
	render(&out);
	const char *s = buf_str(&out);
	assert_non_null(strstr(s, "http_requests_total{method=\"GET\",route=\"/about\",code=\"200\"} 2\n"));
	assert_non_null(strstr(s, "http_requests_total{method=\"GET\",route=\"/contact\",code=\"404\"} 1\n"));
	assert_non_null(strstr(s, "http_requests_total{method=\"other\",route=\"other\",code=\"404\"} 1\n"));
	assert_non_null(strstr(s, "http_requests_total{method=\"GET\",route=\"/\",code=\"500\"} 1\n"));
	assert_non_null(strstr(s, "http_request_duration_seconds_bucket{route=\"/about\",le=\"0.1\"} 0\n"));
	assert_non_null(strstr(s, "http_request_duration_seconds_bucket{route=\"/about\",le=\"0.15\"} 1\n"));
	assert_non_null(strstr(s, "http_request_duration_seconds_bucket{route=\"/about\",le=\"0.3\"} 2\n"));
	assert_non_null(strstr(s, "http_request_duration_seconds_bucket{route=\"/about\",le=\"10\"} 2\n"));
	assert_non_null(strstr(s, "http_request_duration_seconds_count{route=\"/about\"} 2\n"));
	assert_non_null(strstr(s, "http_request_duration_seconds_sum{route=\"/about\"} 0.4\n"));
	/* 18 bounds + Inf for each of the 9 route labels */
	assert_int_equal(count(s, "http_request_duration_seconds_bucket{"), 19 * R_COUNT);
	buf_free(&out);
}

static void test_scenario_counters(void **state)
{
	(void)state;
	buf_t out;
	buf_init(&out);
	metrics_latency_spike();
	metrics_cache(1);
	metrics_cache(0);
	metrics_cache(0);
	metrics_db_query(0.002);
	metrics_pool_wait(0.3);
	metrics_pool_timeout();
	scenario_set(SC_SLOW_DB, 1);
	render(&out);
	scenario_set(SC_SLOW_DB, 0);
	const char *s = buf_str(&out);
	assert_non_null(strstr(s, "\ndemo_latency_spikes_total 1\n"));
	assert_non_null(strstr(s, "demo_cache_requests_total{result=\"hit\"} 1\n"));
	assert_non_null(strstr(s, "demo_cache_requests_total{result=\"miss\"} 2\n"));
	assert_non_null(strstr(s, "\ndemo_db_queries_total 1\n"));
	assert_non_null(strstr(s, "demo_db_query_duration_seconds_bucket{le=\"0.0025\"} 1\n"));
	assert_non_null(strstr(s, "demo_pool_wait_seconds_bucket{le=\"0.25\"} 0\n"));
	assert_non_null(strstr(s, "demo_pool_wait_seconds_bucket{le=\"0.5\"} 1\n"));
	assert_non_null(strstr(s, "\ndemo_pool_timeouts_total 1\n"));
	assert_non_null(strstr(s, "demo_scenario_enabled{scenario=\"slow_db\"} 1\n"));
	assert_non_null(strstr(s, "demo_scenario_enabled{scenario=\"poor_cache\"} 0\n"));
	buf_free(&out);
}

static void test_in_flight(void **state)
{
	(void)state;
	buf_t out;
	buf_init(&out);
	metrics_in_flight(1);
	metrics_in_flight(1);
	metrics_in_flight(-1);
	render(&out);
	assert_non_null(strstr(buf_str(&out), "\nhttp_requests_in_flight 1\n"));
	metrics_in_flight(-1);
	buf_free(&out);
}

static int setup(void **state)
{
	(void)state;
	return metrics_init();
}

static int teardown(void **state)
{
	(void)state;
	metrics_free();
	return 0;
}

static void test_statements_per_request(void **state)
{
	(void)state;
	buf_t out;
	buf_init(&out);
	render(&out);
	/* no route has run a statement yet: no series */
	assert_null(strstr(buf_str(&out), "demo_db_statements_per_request_bucket{"));
	metrics_db_statements(R_ORDERS, 41);
	metrics_db_statements(R_ORDERS, 1);
	metrics_db_statements(R_PRODUCTS, 0);
	metrics_db_statements((route_id_t)99, 3); /* out of range: "other" */
	render(&out);
	const char *s = buf_str(&out);
	assert_non_null(strstr(s, "demo_db_statements_per_request_bucket{route=\"/orders\",le=\"0\"} 0\n"));
	assert_non_null(strstr(s, "demo_db_statements_per_request_bucket{route=\"/orders\",le=\"1\"} 1\n"));
	assert_non_null(strstr(s, "demo_db_statements_per_request_bucket{route=\"/orders\",le=\"20\"} 1\n"));
	assert_non_null(strstr(s, "demo_db_statements_per_request_bucket{route=\"/orders\",le=\"50\"} 2\n"));
	assert_non_null(strstr(s, "demo_db_statements_per_request_sum{route=\"/orders\"} 42\n"));
	assert_non_null(strstr(s, "demo_db_statements_per_request_count{route=\"/orders\"} 2\n"));
	assert_non_null(strstr(s, "demo_db_statements_per_request_bucket{route=\"/products\",le=\"0\"} 1\n"));
	assert_non_null(strstr(s, "demo_db_statements_per_request_count{route=\"other\"} 1\n"));
	/* 9 bounds + Inf for each of the three routes observed, no others */
	assert_int_equal(count(s, "demo_db_statements_per_request_bucket{"), 3 * 10);
	assert_null(strstr(s, "demo_db_statements_per_request_count{route=\"/about\"}"));
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_histogram_buckets),
		cmocka_unit_test(test_every_family_once),
		cmocka_unit_test(test_requests_and_duration),
		cmocka_unit_test(test_scenario_counters),
		cmocka_unit_test(test_in_flight),
		cmocka_unit_test(test_statements_per_request),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
