/* Unit tests: demo-app per-request random streams and delay distributions
 * (seed bands, spike fraction and size, reproducibility with a seed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>

#include "app.h"
#include "pause.h"
#include "rng.h"

#define N 20000

static void band(route_id_t r, double lo, double hi)
{
	rng_t g;
	rng_init(&g, 42);
	double min = 1e9, max = -1, sum = 0;
	int low_half = 0;
	for (int i = 0; i < N; i++) {
		double d = app_base_delay(r, &g);
		min = fmin(min, d);
		max = fmax(max, d);
		sum += d;
		low_half += d < (lo + hi) / 2;
	}
	assert_true(min >= lo && max <= hi);
	/* uniform: covers the band and is centred on its middle */
	assert_true(min < lo + (hi - lo) * 0.01);
	assert_true(max > hi - (hi - lo) * 0.01);
	assert_true(fabs(sum / N - (lo + hi) / 2) < (hi - lo) * 0.02);
	assert_true(low_half > N * 0.47 && low_half < N * 0.53);
}

static void test_about_band(void **state)
{
	(void)state;
	band(R_ABOUT, 0.100, 0.300);
}

static void test_products_band(void **state)
{
	(void)state;
	band(R_PRODUCTS, 0.200, 0.500);
}

static void test_instant_routes(void **state)
{
	(void)state;
	rng_t g;
	rng_init(&g, 1);
	assert_true(app_base_delay(R_ROOT, &g) == 0);
	assert_true(app_base_delay(R_CONTACT, &g) == 0);
	assert_true(app_base_delay(R_METRICS, &g) == 0);
}

static void test_spikes(void **state)
{
	(void)state;
	rng_t g;
	rng_init(&g, 7);
	int spiked = 0;
	for (int i = 0; i < N; i++) {
		double d = app_spike_delay(&g, 0.02);
		if (d > 0) {
			spiked++;
			assert_true(d >= 1.0 && d <= 3.0);
		}
	}
	/* 2% of 20000 = 400; binomial sd ~ 20 */
	assert_in_range(spiked, 320, 480);
	rng_init(&g, 7);
	for (int i = 0; i < 1000; i++)
		assert_true(app_spike_delay(&g, 0) == 0);
	for (int i = 0; i < 1000; i++)
		assert_true(app_spike_delay(&g, 1) >= 1.0);
}

static void test_seed_reproducible(void **state)
{
	(void)state;
	double a[50], b[50];
	rng_t g;
	rng_set_seed(1234);
	for (int i = 0; i < 50; i++) {
		rng_for_request(&g);
		a[i] = app_base_delay(R_ABOUT, &g);
	}
	rng_set_seed(1234);
	for (int i = 0; i < 50; i++) {
		rng_for_request(&g);
		b[i] = app_base_delay(R_ABOUT, &g);
	}
	for (int i = 0; i < 50; i++)
		assert_true(a[i] == b[i]);
	rng_set_seed(1235);
	rng_for_request(&g);
	assert_true(app_base_delay(R_ABOUT, &g) != a[0]);
	/* consecutive requests get different streams */
	assert_true(a[0] != a[1]);
}

static void test_range_bounds(void **state)
{
	(void)state;
	rng_t g;
	rng_init(&g, 3);
	int seen[6] = {0};
	for (int i = 0; i < 6000; i++) {
		long v = rng_range(&g, 1, 5);
		assert_in_range(v, 1, 5);
		seen[v]++;
	}
	for (int v = 1; v <= 5; v++)
		assert_true(seen[v] > 1000);
}

static void test_pause(void **state)
{
	(void)state;
	double t0 = pause_now();
	assert_int_equal(pause_for(0.05), 0);
	double dt = pause_now() - t0;
	assert_true(dt >= 0.05);
	assert_int_equal(pause_for(0), 0);
	pause_shutdown();
	t0 = pause_now();
	assert_int_equal(pause_for(5), -1); /* returns at once after shutdown */
	assert_true(pause_now() - t0 < 1.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_about_band),
		cmocka_unit_test(test_products_band),
		cmocka_unit_test(test_instant_routes),
		cmocka_unit_test(test_spikes),
		cmocka_unit_test(test_seed_reproducible),
		cmocka_unit_test(test_range_bounds),
		cmocka_unit_test(test_pause),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
