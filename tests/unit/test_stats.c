/* test_stats: Locust JSON -> snapshot (exporter/stats.c) for every version's
 * fixture (tests/fixtures/locust, real and built from SPEC.md), plus
 * malformed and wrong-typed bodies, which must give RS_PARSE / RS_SCHEMA and
 * leave no data behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fixture.h"
#include "stats.h"

/* ---- helpers ------------------------------------------------------------ */

static snapshot_t snap;
static char *body;

static int setup(void **st)
{
	(void)st;
	snapshot_init(&snap);
	body = NULL;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	snapshot_free(&snap);
	free(body);
	return 0;
}

static void load(const char *rel)
{
	parse_fixture(&snap, &body, rel);
}

static const stat_row_t *row(const char *method, const char *name)
{
	for (size_t i = 0; i < snap.nrows; i++)
		if (strcmp(snap.rows[i].method, method) == 0 && strcmp(snap.rows[i].name, name) == 0)
			return &snap.rows[i];
	fail_msg("no row %s %s", method, name);
	return NULL;
}

/* The quantile q of a row's percentiles (NAN when absent). */
static double pct(const quantile_t *p, int n, double q)
{
	for (int i = 0; i < n; i++)
		if (p[i].q == q)
			return p[i].ms;
	return NAN;
}

#define assert_nan(x) assert_true(isnan(x))
#define assert_dbl(x, want) assert_true((x) == (want))

/* ---- per-version fixtures ------------------------------------------------ */

static void test_v1_0_master_hatching(void **st)
{
	(void)st;
	load("1.0/master_stats_requests_hatching.json");
	assert_int_equal(snap.state, ST_SPAWNING); /* hatching reads as spawning */
	assert_string_equal(snap.state_str, "hatching");
	assert_dbl(snap.user_count, 3);
	assert_dbl(snap.fail_ratio, 0.25);
	assert_dbl(snap.total_rps, 3.5);
	assert_nan(snap.total_fail_per_sec); /* 2.18.4+ */
	assert_nan(snap.current_rps);        /* top level: 2.45+ */
	assert_nan(snap.worker_count);       /* 2.37.2+ */
	/* _50 = 2, _95 = null -> NAN */
	assert_int_equal(snap.ncur_pct, 2);
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.5), 2);
	assert_nan(pct(snap.cur_pct, snap.ncur_pct, 0.95));
	assert_int_equal(snap.nrows, 2);
	assert_true(snap.has_total);
	assert_string_equal(snap.total.name, "Aggregated");
	assert_string_equal(snap.total.method, ""); /* null */
	assert_int_equal(snap.total.method_len, 0);
	assert_dbl(snap.total.num_requests, 40);
	assert_dbl(snap.total.num_failures, 10);
	const stat_row_t *r = row("GET", "/");
	assert_dbl(r->num_requests, 30);
	assert_dbl(r->avg_ms, 2.5);
	assert_dbl(r->min_ms, 1);
	assert_dbl(r->max_ms, 6);
	assert_dbl(r->median_ms, 2);
	assert_dbl(r->current_rps, 2.5);
	assert_dbl(r->current_fail_per_sec, 0);
	assert_dbl(r->avg_content_length, 39);
	assert_nan(r->total_rps); /* per entry: 2.31+ */
	assert_int_equal(r->npct, 1);
	assert_dbl(pct(r->pct, r->npct, 0.9), 4);
	assert_true(snap.has_workers);
	assert_int_equal(snap.nworkers, 2);
	assert_string_equal(snap.workers[0].id, "host_aaaa");
	assert_int_equal(snap.workers[0].state, ST_SPAWNING);
	assert_string_equal(snap.workers[0].state_str, "hatching");
	assert_dbl(snap.workers[0].user_count, 2);
	assert_dbl(snap.workers[0].cpu_percent, 1.5);
	assert_nan(snap.workers[0].memory_bytes); /* 2.4.2+ */
	assert_int_equal(snap.workers[1].state, ST_RUNNING);
	assert_int_equal(snap.nerrors, 1);
	assert_true(snap.legacy_escaping);
	assert_dbl(snap.errors[0].occurrences, 10);
	assert_string_equal(snap.errors[0].method, "GET");
	assert_non_null(strstr(snap.errors[0].error, "&quot;HTTPError(&#x27;404"));
}

static void test_v1_6_0(void **st)
{
	(void)st;
	load("1.6.0/stats_requests.json");
	assert_int_equal(snap.state, ST_RUNNING);
	assert_false(snap.has_workers);
	assert_int_equal(snap.nworkers, 0);
	assert_int_equal(snap.nrows, 4);
	assert_string_equal(snap.total.method, "");
	assert_dbl(snap.total.num_requests, 154);
	assert_dbl(snap.total.avg_content_length, 106.13636363636364);
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.5), 3);
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.95), 4);
	const stat_row_t *r = row("GET", "/data.json?q=<id>&x=\"y\"");
	assert_dbl(r->num_requests, 47);
	assert_dbl(r->avg_ms, 2.7343372766144385);
	assert_int_equal(r->npct, 1);
	assert_dbl(pct(r->pct, r->npct, 0.9), 3);
	assert_nan(pct(r->pct, r->npct, 0.99));
	assert_int_equal(snap.nerrors, 2);
	assert_true(snap.legacy_escaping);
}

static void test_v2_8_0(void **st)
{
	(void)st;
	load("2.8.0/stats_requests.json");
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.5), 3);
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.95), 8);
	const stat_row_t *r = row("GET", "/");
	assert_int_equal(r->npct, 2);
	assert_dbl(pct(r->pct, r->npct, 0.9), 6);
	assert_dbl(pct(r->pct, r->npct, 0.99), 18);
	assert_string_equal(snap.total.method, ""); /* null before 2.10 */
	assert_dbl(row("POST", "/submit")->num_failures, 7);
}

static void test_v2_12_1_real(void **st)
{
	(void)st;
	load("2.12.1/stats_requests.json");
	assert_int_equal(snap.state, ST_RUNNING);
	assert_dbl(snap.user_count, 4);
	assert_dbl(snap.fail_ratio, 0.3018867924528302);
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.5), 3);
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.95), 4);
	assert_string_equal(snap.total.method, "");
	assert_int_equal(snap.total.method_len, 0);
	assert_dbl(snap.total.num_requests, 159);
	assert_dbl(pct(snap.total.pct, snap.total.npct, 0.99), 24);
	const stat_row_t *r = row("GET", "/data.json?q=<id>&x=\"y\"");
	assert_int_equal(r->name_len, strlen("/data.json?q=<id>&x=\"y\""));
	assert_true(snap.legacy_escaping);
	assert_int_equal(snap.nerrors, 2);

	load("2.12.1/stats_requests_ready.json");
	assert_int_equal(snap.state, ST_READY);
	assert_int_equal(snap.nrows, 0);
	assert_true(snap.has_total);
	assert_string_equal(snap.total.method, ""); /* null before the first start */
	assert_dbl(snap.total.num_requests, 0);
	assert_dbl(snap.total.min_ms, 0);
	assert_int_equal(snap.nerrors, 0);

	load("2.12.1/stats_requests_spawning.json");
	assert_int_equal(snap.state, ST_SPAWNING);
	assert_string_equal(snap.state_str, "spawning");

	load("2.12.1/stats_requests_stopped.json");
	assert_int_equal(snap.state, ST_STOPPED);
}

static void test_v2_12_1_master(void **st)
{
	(void)st;
	load("2.12.1/master_stats_requests.json");
	assert_dbl(snap.user_count, 6);
	assert_true(snap.has_workers);
	assert_int_equal(snap.nworkers, 2);
	assert_nan(snap.worker_count);
	assert_string_equal(snap.workers[0].id, "vm_44796c21365f436fa7bb7c77f94cdf5f");
	assert_int_equal(snap.workers[0].state, ST_RUNNING);
	assert_dbl(snap.workers[0].user_count, 3);
	assert_dbl(snap.workers[0].cpu_percent, 0.4);
	assert_dbl(snap.workers[0].memory_bytes, 57626624);
	assert_dbl(row("POST", "/submit")->num_failures, 35);

	load("2.12.1/master_stats_requests_worker_missing.json");
	assert_int_equal(snap.nworkers, 2);
	assert_int_equal(snap.workers[0].state, ST_MISSING);
	assert_dbl(snap.workers[0].user_count, 0);
	assert_int_equal(snap.workers[1].state, ST_RUNNING);

	load("2.12.1/master_stats_requests_ready.json");
	assert_int_equal(snap.state, ST_READY);
	assert_int_equal(snap.workers[0].state, ST_READY);
	assert_int_equal(snap.nrows, 0);
}

static void test_v2_19_legacy_1_2(void **st)
{
	(void)st;
	load("2.19.0/stats_requests.json");
	/* _1 = PERCENTILES_TO_CHART[0] = 0.5, _2 = [1] = 0.95 */
	assert_int_equal(snap.ncur_pct, 2);
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.5), 3);
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.95), 9);
	assert_dbl(snap.total_fail_per_sec, 0.4);
	assert_dbl(row("GET", "/a?x=<1>&y=\"2\"")->num_failures, 4);
	assert_true(snap.legacy_escaping);
	assert_string_equal(snap.errors[0].name, "/a?x=&lt;1&gt;&amp;y=&quot;2&quot;");
}

static void test_v2_20_modern(void **st)
{
	(void)st;
	load("2.20.0/stats_requests_modern.json");
	assert_int_equal(snap.state, ST_SPAWNING);
	assert_int_equal(snap.ncur_pct, 1);
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.95), 12);
	assert_nan(pct(snap.cur_pct, snap.ncur_pct, 0.5));
	assert_true(snap.legacy_escaping); /* still <= 2.27 */
	assert_int_equal(snap.nerrors, 0);
}

static void test_v2_28_0(void **st)
{
	(void)st;
	load("2.28.0/stats_requests.json");
	assert_int_equal(snap.ncur_pct, 1);
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.95), 7);
	const stat_row_t *r = row("GET", "/");
	assert_int_equal(r->npct, 2);
	assert_dbl(pct(r->pct, r->npct, 0.95), 7);
	assert_dbl(pct(r->pct, r->npct, 0.99), 9);
	assert_nan(pct(r->pct, r->npct, 0.9));
	assert_false(snap.legacy_escaping);
	assert_string_equal(snap.errors[0].name, "/q?a=1&b=2");
}

static void test_v2_30_0_no_avg(void **st)
{
	(void)st;
	load("2.30.0/stats_requests.json");
	assert_nan(row("GET", "/")->avg_ms);
	assert_nan(snap.total.avg_ms);
	assert_dbl(snap.total.num_requests, 50);
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.5), 4);
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.95), 10);
}

static void test_v2_40_0_master(void **st)
{
	(void)st;
	load("2.40.0/master_stats_requests.json");
	assert_dbl(snap.worker_count, 2);
	assert_int_equal(snap.nworkers, 3);
	assert_int_equal(snap.workers[2].state, ST_MISSING);
	assert_dbl(snap.workers[0].memory_bytes, 61000000);
	assert_dbl(snap.workers[0].cpu_percent, 12.5);
	const stat_row_t *r = row("GET", "/slow");
	assert_dbl(r->median_ms, 110);
	assert_dbl(pct(r->pct, r->npct, 0.99), 160);
	assert_dbl(r->total_rps, 9.5);
	assert_dbl(r->total_fail_per_sec, 0.19);
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.95), 150);
	assert_false(snap.legacy_escaping);
}

static void test_v2_43_4(void **st)
{
	(void)st;
	load("2.43.4/stats_requests.json");
	assert_int_equal(snap.state, ST_STOPPED);
	assert_dbl(snap.total_rps, 4.25);
	assert_dbl(pct(snap.total.pct, snap.total.npct, 0.99), 170);
	assert_dbl(snap.total.median_ms, 110);
	assert_false(snap.has_workers);
}

static void test_v2_46_3(void **st)
{
	(void)st;
	load("2.46.3/master_stats_requests.json");
	assert_dbl(snap.current_rps, 11.0);
	assert_dbl(snap.current_fail_per_sec, 2.4);
	assert_dbl(snap.total_rps, 10.691649614728384);
	assert_dbl(snap.worker_count, 2);
	assert_int_equal(snap.nworkers, 2);
	assert_dbl(snap.workers[1].memory_bytes, 59191296);
	assert_int_equal(snap.nrows, 4);
	assert_dbl(snap.total.num_requests, 227);
	assert_dbl(snap.total.total_rps, 10.691649614728384);
	const stat_row_t *r = row("GET", "/");
	assert_dbl(pct(r->pct, r->npct, 0.95), 6);
	assert_dbl(pct(r->pct, r->npct, 0.99), 9);
	assert_false(snap.legacy_escaping);
	assert_int_equal(snap.nerrors, 2);
	assert_string_equal(snap.errors[0].error, "HTTPError('404 Client Error: File not found for url: /missing')");

	load("2.46.3/stats_requests.json");
	assert_false(snap.has_workers);
	assert_nan(snap.worker_count);
}

static void test_aggregated_by_position(void **st)
{
	(void)st;
	load("edge/aggregated_named_request.json");
	assert_int_equal(snap.nrows, 2);
	assert_string_equal(snap.rows[1].name, "Aggregated");
	assert_string_equal(snap.rows[1].method, "GET");
	assert_dbl(snap.rows[1].num_requests, 20);
	assert_true(snap.has_total);
	assert_dbl(snap.total.num_requests, 30);
}

/* ---- inline documents ------------------------------------------------------ */

static reason_t parse_str(const char *s, buf_t *detail)
{
	buf_reset(detail);
	return snapshot_parse(&snap, s, strlen(s), NULL, detail);
}

#define MIN_DOC_HEAD "{\"state\": \"running\", \"user_count\": 1, "
#define AGG "{\"method\": null, \"name\": \"Aggregated\", \"num_requests\": 3, \"num_failures\": 0}"

static void assert_empty(void)
{
	assert_int_equal(snap.nrows, 0);
	assert_false(snap.has_total);
	assert_int_equal(snap.nerrors, 0);
	assert_int_equal(snap.nworkers, 0);
	assert_false(snap.has_workers);
	assert_int_equal(snap.ncur_pct, 0);
}

static void test_numbers_and_unknown_fields(void **st)
{
	(void)st;
	buf_t d;
	buf_init(&d);
	const char *doc = MIN_DOC_HEAD
		"\"stats\": [{\"method\": \"GET\", \"name\": \"/x\", \"num_requests\": 9007199254740993,"
		" \"num_failures\": 1.0, \"avg_response_time\": null, \"median_response_time\": 1e2,"
		" \"response_time_percentile_0.999\": 5, \"response_time_percentile_1.0\": 6,"
		" \"response_time_percentile_abc\": 7, \"future\": {\"x\": [1]}}, " AGG "],"
		" \"errors\": [], \"future_top\": \"ignored\", \"current_response_time_percentiles\":"
		" {\"response_time_percentile_0.5\": null, \"response_time_percentile_0.9\": 2.5, \"other\": \"x\"}}";
	assert_int_equal(parse_str(doc, &d), RS_OK);
	const stat_row_t *r = row("GET", "/x");
	assert_dbl(r->num_requests, 9007199254740993.0);
	assert_dbl(r->num_failures, 1);
	assert_nan(r->avg_ms);
	assert_dbl(r->median_ms, 100);
	assert_int_equal(r->npct, 1); /* 0.999 only: 1.0 and abc are not quantiles in (0,1) */
	assert_dbl(pct(r->pct, r->npct, 0.999), 5);
	assert_int_equal(snap.ncur_pct, 2);
	assert_nan(pct(snap.cur_pct, snap.ncur_pct, 0.5));
	assert_dbl(pct(snap.cur_pct, snap.ncur_pct, 0.9), 2.5);
	assert_nan(snap.fail_ratio); /* absent -> NAN */
	assert_false(snap.has_workers);

	/* Locust before 1.0 spelled the error count "occurences". */
	assert_int_equal(parse_str(MIN_DOC_HEAD "\"stats\": [" AGG "], \"errors\": [{\"method\": \"GET\","
				   " \"name\": \"/\", \"error\": \"e\", \"occurences\": 4}]}", &d), RS_OK);
	assert_int_equal(snap.nerrors, 1);
	assert_dbl(snap.errors[0].occurrences, 4);

	/* No stats rows at all (runner-less stub): fine, no total. */
	assert_int_equal(parse_str("{\"stats\": [], \"errors\": [], \"state\": \"missing\", \"user_count\": 0,"
				   " \"current_response_time_percentile_1\": null}", &d), RS_OK);
	assert_int_equal(snap.state, ST_MISSING);
	assert_false(snap.has_total);
	assert_int_equal(snap.nrows, 0);

	/* An unknown state is kept as text. */
	assert_int_equal(parse_str(MIN_DOC_HEAD "\"stats\": [" AGG "], \"state2\": 1}", &d), RS_OK);
	assert_int_equal(parse_str("{\"state\": \"warming\", \"user_count\": 1, \"stats\": [" AGG "]}", &d), RS_OK);
	assert_int_equal(snap.state, ST_UNKNOWN);
	assert_string_equal(snap.state_str, "warming");
	buf_free(&d);
}

static void test_many_rows(void **st)
{
	(void)st;
	buf_t doc, d;
	buf_init(&doc);
	buf_init(&d);
	buf_puts(&doc, MIN_DOC_HEAD "\"stats\": [");
	for (int i = 0; i < 2000; i++)
		buf_printf(&doc, "{\"method\": \"GET\", \"name\": \"/e/%d\", \"num_requests\": %d, \"num_failures\": 0},",
			   i, i);
	buf_puts(&doc, AGG "]}");
	assert_int_equal(snapshot_parse(&snap, doc.data, doc.len, NULL, &d), RS_OK);
	assert_int_equal(snap.nrows, 2000);
	assert_string_equal(snap.rows[1999].name, "/e/1999");
	assert_dbl(snap.rows[1234].num_requests, 1234);
	/* The arrays are reused: a smaller document after a large one. */
	load("2.46.3/stats_requests.json");
	assert_int_equal(snap.nrows, 4);
	buf_free(&doc);
	buf_free(&d);
}

static void test_malformed(void **st)
{
	(void)st;
	buf_t d;
	buf_init(&d);
	const char *bad[] = {
		"", "{", "{\"stats\": [", "<html><body>login</body></html>", "{\"stats\": [] \"state\": 1}",
		/* duplicate keys anywhere (jansson's JSON_REJECT_DUPLICATES) */
		"{\"user_count\": 1, \"user_count\": 2, \"state\": \"ready\", \"stats\": []}",
		"{\"user_count\": 1, \"state\": \"ready\", \"stats\": [{\"name\": \"a\", \"na\\u006de\": \"b\"}]}",
		"{\"user_count\": 1, \"state\": \"ready\", \"stats\": [], \"workers\": [{\"id\": \"a\", \"id\": \"b\"}]}",
		"{\"x\": 1, \"x\": [2], \"state\": \"ready\", \"user_count\": 0, \"stats\": []}",
		"{\"state\": \"ready\", \"user_count\": 0, \"stats\": [], \"extra\": {\"a\": 1, \"a\": 2}}",
		/* strings: lone surrogates, NUL in a key, bad escapes, raw control bytes, bad UTF-8 */
		"{\"state\": \"\\ud800\", \"user_count\": 0, \"stats\": []}",
		"{\"state\": \"\\udc00x\", \"user_count\": 0, \"stats\": []}",
		"{\"st\\u0000ate\": \"ready\", \"user_count\": 0, \"stats\": []}",
		"{\"state\": \"\\x41\", \"user_count\": 0, \"stats\": []}",
		"{\"state\": \"a\tb\", \"user_count\": 0, \"stats\": []}",
		"{\"state\": \"\xc0\xaf\", \"user_count\": 0, \"stats\": []}",
		"{\"state\": \"\xed\xa0\x80\", \"user_count\": 0, \"stats\": []}",
		"{\"state\": \"\xf4\x90\x80\x80\", \"user_count\": 0, \"stats\": []}",
		"{\"state\": \"\xe2\x82\", \"user_count\": 0, \"stats\": []}",
		/* numbers: beyond 64-bit integers or doubles, and bad grammar */
		"{\"state\": \"ready\", \"user_count\": 9223372036854775808, \"stats\": []}",
		"{\"state\": \"ready\", \"user_count\": 1e400, \"stats\": []}",
		"{\"state\": \"ready\", \"user_count\": 01, \"stats\": []}",
		"{\"state\": \"ready\", \"user_count\": 1., \"stats\": []}",
		"{\"state\": \"ready\", \"user_count\": .5, \"stats\": []}",
		"{\"state\": \"ready\", \"user_count\": -, \"stats\": []}",
		"{\"state\": \"ready\", \"user_count\": 1e, \"stats\": []}",
		"{\"state\": \"ready\", \"user_count\": +1, \"stats\": []}",
		/* structure: trailing commas, missing colon, bare words, a scalar */
		"{\"state\": \"ready\", \"user_count\": 0, \"stats\": [],}",
		"{\"state\": \"ready\", \"user_count\": 0, \"stats\": [1,]}",
		"{\"state\" \"ready\"}",
		"{\"state\": ready}",
		"{\"state\": \"ready\", \"user_count\": 0, \"stats\": [], \"x\": tru}",
		"42",
		/* a schema problem first, malformed later: malformed wins */
		"{\"state\": 5, \"user_count\": 0, \"stats\": [] ",
		"{\"stats\": [], \"state\": \"ready\", \"user_count\": 0} trailing",
		"{\"state\": \"ready\", \"user_count\": NaN, \"stats\": []}",
		"\xff\xfe{}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		load("2.12.1/master_stats_requests.json"); /* full snapshot first */
		reason_t r = parse_str(bad[i], &d);
		if (r != RS_PARSE)
			fail_msg("'%s': want parse, got %s", bad[i], reason_names[r]);
		assert_true(d.len > 0);
		assert_null(strchr(buf_str(&d), '\n'));
		assert_empty();
	}
	buf_free(&d);
}

/* Nesting past 64 levels is refused before jansson (whose recursion would
 * overflow a 100 KiB worker stack long before its own limit of 2048); at 64
 * (the top-level object counts), an unknown value is skipped.  Brackets in
 * strings do not count. */
#define MAX_NESTING 64

static void test_nesting(void **st)
{
	(void)st;
	buf_t doc, d;
	buf_init(&doc);
	buf_init(&d);
	const int depths[] = {MAX_NESTING - 1, MAX_NESTING, 2100};
	for (size_t k = 0; k < sizeof depths / sizeof depths[0]; k++) {
		int depth = depths[k];
		buf_reset(&doc);
		buf_puts(&doc, MIN_DOC_HEAD "\"stats\": [{\"method\": \"[[[{{\\\"\", \"name\": \"]]]}}\\\\\", "
			 "\"num_requests\": 1}, " AGG "], \"deep\": ");
		for (int i = 0; i < depth; i++)
			buf_puts(&doc, i % 2 ? "{\"k\": " : "[");
		buf_puts(&doc, "0");
		for (int i = depth - 1; i >= 0; i--)
			buf_puts(&doc, i % 2 ? "}" : "]");
		buf_puts(&doc, "}");
		buf_reset(&d);
		reason_t r = snapshot_parse(&snap, doc.data, doc.len, NULL, &d);
		assert_int_equal(r, depth + 1 <= MAX_NESTING ? RS_OK : RS_PARSE);
		if (r == RS_PARSE)
			assert_non_null(strstr(buf_str(&d), "nested deeper"));
		else
			assert_string_equal(snap.rows[0].method, "[[[{{\"");
	}
	buf_free(&doc);
	buf_free(&d);
}

/* Escaped keys match their decoded text; strings are decoded, and a
 * \u0000 in one is read (not a parse error) as '?'. */
static void test_escapes_and_nul(void **st)
{
	(void)st;
	buf_t d;
	buf_init(&d);
	const char *doc = "{\"x\": 1, \"st\\u0061te\": \"running\", \"user_count\": 3, "
		"\"stats\": [{\"method\": \"G\\u00c9T\", \"n\\u0061me\": \"/\\ud83d\\ude00\\n\", \"num_requests\": 2, "
		"\"extra\": {\"a\": 1, \"b\": 2}}, {\"method\": \"GET\", \"name\": \"/a\\u0000b\", \"num_requests\": 1}, "
		AGG "]}";
	assert_int_equal(parse_str(doc, &d), RS_OK);
	assert_int_equal(snap.state, ST_RUNNING);
	assert_int_equal(snap.nrows, 2);
	assert_string_equal(snap.rows[0].method, "G\xc3\x89T");
	assert_int_equal(snap.rows[0].name_len, 6);
	assert_memory_equal(snap.rows[0].name, "/\xf0\x9f\x98\x80\n", 7);
	assert_int_equal(snap.rows[1].name_len, 4);
	assert_string_equal(snap.rows[1].name, "/a?b");

	/* "Aggregated" followed by a NUL is a request name, not the total row. */
	assert_int_equal(parse_str(MIN_DOC_HEAD "\"stats\": [{\"method\": \"GET\", \"name\": \"/\", "
				   "\"num_requests\": 1}, {\"method\": null, \"name\": \"Aggregated\\u0000\", "
				   "\"num_requests\": 1}]}", &d), RS_OK);
	assert_false(snap.has_total);
	assert_int_equal(snap.nrows, 2);
	assert_string_equal(snap.rows[1].name, "Aggregated?");
	/* ... and two names the same but for a NUL and a '?' are the same row. */
	assert_int_equal(parse_str(MIN_DOC_HEAD "\"stats\": [{\"method\": \"GET\", \"name\": \"/\\u0000\", "
				   "\"num_requests\": 1}, {\"method\": \"GET\", \"name\": \"/?\", \"num_requests\": 1}, "
				   AGG "]}", &d), RS_SCHEMA);
	buf_free(&d);
}

/* A document needing more tree memory than max_decode, or with more rows
 * than max_rows, is too large: no data, a one-line reason; the same
 * document within the limits parses. */
static void test_limits(void **st)
{
	(void)st;
	buf_t doc, d;
	buf_init(&doc);
	buf_init(&d);
	buf_puts(&doc, MIN_DOC_HEAD "\"stats\": [");
	for (int i = 0; i < 1000; i++)
		buf_printf(&doc, "{\"method\": \"GET\", \"name\": \"/e/%d\", \"num_requests\": %d},", i, i);
	buf_puts(&doc, AGG "], \"errors\": [{\"method\": \"GET\", \"name\": \"/\", \"error\": \"e\", "
		 "\"occurrences\": 1}]}");
	snap.max_rows = 1002; /* 1001 stats rows + 1 error */
	assert_int_equal(snapshot_parse(&snap, doc.data, doc.len, NULL, &d), RS_OK);
	snap.max_rows = 1001;
	assert_int_equal(snapshot_parse(&snap, doc.data, doc.len, NULL, &d), RS_TOO_LARGE);
	assert_non_null(strstr(buf_str(&d), "1002 rows"));
	assert_null(strchr(buf_str(&d), '\n'));
	assert_empty();
	snap.max_rows = 0;

	/* The tree of this document is several times its size. */
	snap.max_decode = doc.len;
	buf_reset(&d);
	assert_int_equal(snapshot_parse(&snap, doc.data, doc.len, NULL, &d), RS_TOO_LARGE);
	assert_non_null(strstr(buf_str(&d), "max-decoded-size"));
	assert_empty();
	snap.max_decode = 20 * doc.len;
	assert_int_equal(snapshot_parse(&snap, doc.data, doc.len, NULL, &d), RS_OK);
	assert_int_equal(snap.nrows, 1000);

	/* A small answer after a refused one. */
	snap.max_decode = 64 * 1024;
	load("2.46.3/stats_requests.json");
	assert_int_equal(snap.nrows, 4);
	buf_free(&doc);
	buf_free(&d);
}

static void test_wrong_types(void **st)
{
	(void)st;
	buf_t d;
	buf_init(&d);
	const char *bad[] = {
		"[1, 2]",
		"{}",
		"{\"stats\": {}, \"state\": \"running\", \"user_count\": 1}",
		"{\"stats\": [" AGG "], \"state\": 1, \"user_count\": 1}",
		"{\"stats\": [" AGG "], \"state\": \"running\"}",
		MIN_DOC_HEAD "\"stats\": [5]}",
		MIN_DOC_HEAD "\"stats\": [{\"method\": \"GET\", \"name\": \"/\", \"num_requests\": \"5\"}]}",
		MIN_DOC_HEAD "\"stats\": [{\"method\": \"GET\", \"name\": \"/\", \"num_requests\": true}]}",
		MIN_DOC_HEAD "\"stats\": [{\"method\": \"GET\", \"name\": \"/\", \"num_requests\": null}]}",
		MIN_DOC_HEAD "\"stats\": [{\"method\": \"GET\", \"name\": \"/\"}]}",
		MIN_DOC_HEAD "\"stats\": [{\"method\": 5, \"name\": \"/\", \"num_requests\": 1}]}",
		MIN_DOC_HEAD "\"stats\": [{\"method\": \"GET\", \"name\": null, \"num_requests\": 1}]}",
		MIN_DOC_HEAD "\"stats\": [{\"method\": \"GET\", \"name\": \"/\", \"num_requests\": 1, \"avg_response_time\": \"1\"}]}",
		MIN_DOC_HEAD "\"stats\": [{\"method\": \"GET\", \"name\": \"/\", \"num_requests\": 1, \"ninetieth_response_time\": []}]}",
		MIN_DOC_HEAD "\"stats\": [{\"method\": \"GET\", \"name\": \"/\", \"num_requests\": 1, \"response_time_percentile_0.95\": {}}]}",
		MIN_DOC_HEAD "\"stats\": [" AGG "], \"errors\": {}}",
		MIN_DOC_HEAD "\"stats\": [" AGG "], \"errors\": [{\"method\": \"GET\", \"name\": \"/\", \"error\": 5, \"occurrences\": 1}]}",
		MIN_DOC_HEAD "\"stats\": [" AGG "], \"errors\": [{\"method\": \"GET\", \"name\": \"/\", \"error\": \"e\"}]}",
		MIN_DOC_HEAD "\"stats\": [" AGG "], \"workers\": {}}",
		MIN_DOC_HEAD "\"stats\": [" AGG "], \"workers\": [{\"id\": \"w\", \"state\": \"running\", \"user_count\": \"1\", \"cpu_usage\": 0}]}",
		MIN_DOC_HEAD "\"stats\": [" AGG "], \"workers\": [{\"id\": 1, \"state\": \"running\", \"user_count\": 1, \"cpu_usage\": 0}]}",
		MIN_DOC_HEAD "\"stats\": [" AGG "], \"workers\": [{\"id\": \"w\", \"state\": \"running\", \"user_count\": 1, \"cpu_usage\": 0, \"memory_usage\": \"1\"}]}",
		MIN_DOC_HEAD "\"stats\": [" AGG "], \"fail_ratio\": \"0.5\"}",
		MIN_DOC_HEAD "\"stats\": [" AGG "], \"worker_count\": []}",
		MIN_DOC_HEAD "\"stats\": [" AGG "], \"current_response_time_percentiles\": [1]}",
		MIN_DOC_HEAD "\"stats\": [" AGG "], \"current_response_time_percentiles\": {\"response_time_percentile_0.5\": \"3\"}}",
		MIN_DOC_HEAD "\"stats\": [" AGG "], \"current_response_time_percentile_95\": \"3\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		load("2.12.1/master_stats_requests.json");
		reason_t r = parse_str(bad[i], &d);
		if (r != RS_SCHEMA)
			fail_msg("case %zu '%s': want schema, got %s (%s)", i, bad[i], reason_names[r], buf_str(&d));
		assert_true(d.len > 0);
		assert_null(strchr(buf_str(&d), '\n'));
		assert_empty();
	}
	buf_free(&d);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_v1_0_master_hatching),
		T(test_v1_6_0),
		T(test_v2_8_0),
		T(test_v2_12_1_real),
		T(test_v2_12_1_master),
		T(test_v2_19_legacy_1_2),
		T(test_v2_20_modern),
		T(test_v2_28_0),
		T(test_v2_30_0_no_avg),
		T(test_v2_40_0_master),
		T(test_v2_43_4),
		T(test_v2_46_3),
		T(test_aggregated_by_position),
		T(test_numbers_and_unknown_fields),
		T(test_many_rows),
		T(test_malformed),
		T(test_nesting),
		T(test_escapes_and_nul),
		T(test_limits),
		T(test_wrong_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
