/* Unit tests: demo-app flags and DEMO_APP_* environment variables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "scenario.h"

static int parse(demo_config_t *c, buf_t *err, int argc, char **argv)
{
	config_defaults(c);
	buf_reset(err);
	return config_parse(c, argc, argv, err);
}

#define ARGV(...) ((char *[]){"demo-app", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"demo-app", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(c, err, ...) parse(c, err, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_defaults(void **state)
{
	(void)state;
	demo_config_t c;
	buf_t err;
	buf_init(&err);
	assert_int_equal(parse(&c, &err, 1, (char *[]){"demo-app", NULL}), 0);
	assert_string_equal(c.listen, "0.0.0.0:5000");
	assert_int_equal(c.threads, 1100);
	assert_int_equal(c.scenarios, 0);
	assert_false(c.seed.set);
	assert_null(c.db);
	assert_true(c.spike_ratio == 0.02);
	assert_int_equal(c.leak_cap, 256u << 20);
	assert_false(c.keep_alive); /* closes after each answer, as Flask's dev server */
	buf_free(&err);
}

static void test_both_forms(void **state)
{
	(void)state;
	demo_config_t c;
	buf_t err;
	buf_init(&err);
	assert_int_equal(PARSE(&c, &err, "--listen=127.0.0.1:0", "--threads", "64",
			       "--scenario=slow_db,poor_cache", "--seed", "99",
			       "--leak-cap=1MiB", "--leak-bytes", "4K",
			       "--pool-timeout=0.5", "--spike-ratio", "0.5"), 0);
	assert_string_equal(c.listen, "127.0.0.1:0");
	assert_int_equal(c.threads, 64);
	assert_int_equal(c.scenarios, (1u << SC_SLOW_DB) | (1u << SC_POOR_CACHE));
	assert_true(c.seed.set);
	assert_int_equal(c.seed.value, 99);
	assert_int_equal(c.leak_cap, 1u << 20);
	assert_int_equal(c.leak_bytes, 4096);
	assert_true(c.pool_timeout == 0.5);
	assert_true(c.spike_ratio == 0.5);
	buf_free(&err);
}

static void test_env_and_precedence(void **state)
{
	(void)state;
	demo_config_t c;
	buf_t err;
	buf_init(&err);
	setenv("DEMO_APP_THREADS", "32", 1);
	setenv("DEMO_APP_SCENARIOS", "latency_spikes", 1);
	setenv("DEMO_APP_LISTEN", ":6000", 1);
	assert_int_equal(PARSE(&c, &err, "--threads=48"), 0);
	assert_int_equal(c.threads, 48); /* the flag wins */
	assert_int_equal(c.scenarios, 1u << SC_LATENCY_SPIKES);
	assert_string_equal(c.listen, ":6000");
	setenv("DEMO_APP_THREADS", "lots", 1);
	assert_int_equal(PARSE(&c, &err, "--threads=48"), -1);
	assert_string_equal(buf_str(&err), "DEMO_APP_THREADS: invalid value \"lots\" (expected an integer 1-20000)");
	unsetenv("DEMO_APP_THREADS");
	unsetenv("DEMO_APP_SCENARIOS");
	unsetenv("DEMO_APP_LISTEN");
	buf_free(&err);
}

static void test_errors_one_line(void **state)
{
	(void)state;
	demo_config_t c;
	buf_t err;
	buf_init(&err);
	char *bad[][2] = {
		{"--bogus=1", NULL}, {"--threads=0", NULL}, {"--threads", NULL},
		{"--scenario=nope", NULL}, {"--seed=-3", NULL}, {"--listen=[::]:5000", NULL},
		{"--listen=host:99999", NULL}, {"--spike-ratio=1.5", NULL},
		{"--leak-cap=12Q", NULL}, {"--pool-size=0", NULL}, {"positional", NULL},
		{"--cache-size=5000", NULL}, {"--log-level=loud", NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *argv[] = {"demo-app", bad[i][0], NULL};
		assert_int_equal(parse(&c, &err, 2, argv), -1);
		assert_true(err.len > 0);
		assert_null(strchr(buf_str(&err), '\n'));
	}
	assert_int_equal(PARSE(&c, &err, "--unknown"), -1);
	assert_string_equal(buf_str(&err), "unknown flag --unknown (see --help)");
	buf_free(&err);
}

static void test_keep_alive(void **state)
{
	(void)state;
	demo_config_t c;
	buf_t err;
	buf_init(&err);
	/* alone it means on and takes no value: the next argument stays a flag */
	assert_int_equal(PARSE(&c, &err, "--keep-alive", "--threads", "8"), 0);
	assert_true(c.keep_alive);
	assert_int_equal(c.threads, 8);
	assert_int_equal(PARSE(&c, &err, "--keep-alive=off"), 0);
	assert_false(c.keep_alive);
	assert_int_equal(PARSE(&c, &err, "--keep-alive=YES"), 0);
	assert_true(c.keep_alive);
	assert_int_equal(PARSE(&c, &err, "--keep-alive", "on"), -1); /* no value but after '=' */
	assert_string_equal(buf_str(&err), "unexpected argument \"on\" (see --help)");
	assert_int_equal(PARSE(&c, &err, "--keep-alive=maybe"), -1);
	assert_string_equal(buf_str(&err), "--keep-alive: invalid value \"maybe\" (expected on/off, true/false, yes/no or 1/0)");

	setenv("DEMO_APP_KEEP_ALIVE", "1", 1);
	assert_int_equal(PARSE(&c, &err, "--threads=4"), 0);
	assert_true(c.keep_alive);
	assert_int_equal(PARSE(&c, &err, "--keep-alive=false"), 0);
	assert_false(c.keep_alive); /* the flag wins */
	setenv("DEMO_APP_KEEP_ALIVE", "no", 1);
	assert_int_equal(PARSE(&c, &err, "--keep-alive"), 0);
	assert_true(c.keep_alive);
	assert_int_equal(PARSE(&c, &err, "--threads=4"), 0);
	assert_false(c.keep_alive);
	setenv("DEMO_APP_KEEP_ALIVE", "", 1);
	assert_int_equal(PARSE(&c, &err, "--threads=4"), -1);
	assert_string_equal(buf_str(&err), "DEMO_APP_KEEP_ALIVE: invalid value \"\" (expected on/off, true/false, yes/no or 1/0)");
	unsetenv("DEMO_APP_KEEP_ALIVE");
	buf_free(&err);
}

static void test_help_version(void **state)
{
	(void)state;
	demo_config_t c;
	buf_t err;
	buf_init(&err);
	assert_int_equal(PARSE(&c, &err, "--help"), 1);
	assert_true(c.help);
	assert_int_equal(PARSE(&c, &err, "--version"), 1);
	assert_true(c.version);
	buf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_both_forms),
		cmocka_unit_test(test_env_and_precedence),
		cmocka_unit_test(test_errors_one_line),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_help_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
