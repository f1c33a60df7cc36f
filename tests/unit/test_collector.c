/* test_collector: snapshot -> exposition (exporter/collector.c).
 *
 * Compat set: the Go exporter's exact names, types, labels and HELP, the
 * Aggregated row as {method="",name="Aggregated"}, locust_running 0/1/2.
 * Native set: summary quantiles/_sum/_count, no aggregate row in
 * per-endpoint families, error texts unescaped (Locust <= 2.27).  Both
 * switches, the namespace, and the locust_up 0 output.  Every rendering is
 * also checked for duplicate series and repeated HELP/TYPE. */
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
#include "collector.h"
#include "expo.h"
#include "fixture.h"
#include "stats.h"

static snapshot_t snap;
static collector_t col;
static buf_t out;
static char *body;
static selfstats_t self;
static collector_opts_t opts;

static int setup(void **st)
{
	(void)st;
	snapshot_init(&snap);
	collector_init(&col);
	buf_init(&out);
	body = NULL;
	memset(&self, 0, sizeof self);
	opts = (collector_opts_t){"locust", 1, 1, 0, "1.2.3", "abc123"};
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	snapshot_free(&snap);
	collector_free(&col);
	buf_free(&out);
	free(body);
	return 0;
}

static void load(const char *rel)
{
	parse_fixture(&snap, &body, rel);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The whole text must be well-formed: every family's HELP and TYPE once,
 * every series once, every sample line "<series> <value>". */
static void check_wellformed(const char *text)
{
	size_t n = 0, cap = 1024;
	char **series = malloc(cap * sizeof *series);
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl); /* every line ends with \n */
		size_t len = (size_t)(nl - p);
		char *line = strndup(p, len);
		if (line[0] == '#') {
			assert_true(strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0);
		} else {
			char *sp = strrchr(line, ' ');
			assert_non_null(sp);
			char *end;
			strtod(sp + 1, &end);
			if (*end != '\0')
				fail_msg("bad value in '%s'", line);
			*sp = '\0';
		}
		if (n == cap)
			series = realloc(series, (cap *= 2) * sizeof *series);
		series[n++] = line;
		p = nl + 1;
	}
	qsort(series, n, sizeof *series, cmp_str);
	for (size_t i = 1; i < n; i++)
		if (strcmp(series[i - 1], series[i]) == 0)
			fail_msg("repeated line/series: %s", series[i]);
	for (size_t i = 0; i < n; i++)
		free(series[i]);
	free(series);
}

static const char *render(void)
{
	buf_reset(&out);
	collector_render(&col, &out, &opts, &snap, &self);
	assert_false(out.oom);
	check_wellformed(buf_str(&out));
	return buf_str(&out);
}

static const char *render_down(void)
{
	buf_reset(&out);
	collector_render(&col, &out, &opts, NULL, &self);
	assert_false(out.oom);
	check_wellformed(buf_str(&out));
	return buf_str(&out);
}

/* A whole line of the output. */
static int has_line(const char *text, const char *line)
{
	size_t l = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[l] == '\n')
			return 1;
	return 0;
}

static void want_line(const char *text, const char *line)
{
	if (!has_line(text, line))
		fail_msg("missing line: %s", line);
}

static void want_no(const char *text, const char *needle)
{
	if (strstr(text, needle))
		fail_msg("unexpected '%s' in output", needle);
}

static int count_lines_with_prefix(const char *text, const char *prefix)
{
	int n = 0;
	size_t l = strlen(prefix);
	for (const char *p = text; *p;) {
		if (strncmp(p, prefix, l) == 0)
			n++;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

/* "<series> <value>" with the value formatted like the writer does. */
static const char *line_v(const char *series, double v)
{
	static buf_t b;
	buf_free(&b);
	buf_init(&b);
	buf_puts(&b, series);
	buf_putc(&b, ' ');
	expo_double(&b, v);
	return buf_str(&b);
}

/* ---- compat ------------------------------------------------------------------ */

static const struct {
	const char *name, *type, *help;
} compat_families[] = {
	{"locust_up", "gauge", "The current health status of the server (1 = UP, 0 = DOWN)."},
	{"locust_users", "gauge", "The current number of users."},
	{"locust_running", "gauge", "The current state of the execution (0 = STOPPED 1 = HATCHING 2 = RUNNING,)."},
	{"locust_workers_count", "gauge", "The current number of workers."},
	{"locust_workers_running_count", "gauge", "The current number of running workers."},
	{"locust_workers_hatching_count", "gauge", "The current number of hatching workers."},
	{"locust_workers_missing_count", "gauge", "The current number of missing workers."},
	{"locust_worker_detail", "gauge", "The current status of a worker with user count"},
	{"locust_errors", "gauge", "The current number of errors."},
	{"locust_total_scrapes", "counter", "The total number of scrapes."},
	/* Go has empty HELP here; ours are deliberate (docs/metrics.md) */
	{"locust_requests_fail_ratio", "gauge", NULL},
	{"locust_requests_current_response_time_percentile_50", "gauge", NULL},
	{"locust_requests_current_response_time_percentile_95", "gauge", NULL},
	{"locust_requests_num_requests", "gauge", NULL},
	{"locust_requests_num_failures", "gauge", NULL},
	{"locust_requests_avg_response_time", "gauge", NULL},
	{"locust_requests_current_fail_per_sec", "gauge", NULL},
	{"locust_requests_min_response_time", "gauge", NULL},
	{"locust_requests_max_response_time", "gauge", NULL},
	{"locust_requests_current_rps", "gauge", NULL},
	{"locust_requests_median_response_time", "gauge", NULL},
	{"locust_requests_avg_content_length", "gauge", NULL},
	{"locust_requests_response_time_percentile_95", "gauge", "The 95th percentile of response time per endpoint."},
	{"locust_requests_response_time_percentile_99", "gauge", "The 99th percentile of response time per endpoint."},
	{"locustexporter_build_info", "gauge", NULL},
};

static void test_compat_families(void **st)
{
	(void)st;
	load("2.46.3/master_stats_requests.json"); /* every compat family has data here */
	const char *t = render();
	char want[512];
	for (size_t i = 0; i < sizeof compat_families / sizeof compat_families[0]; i++) {
		snprintf(want, sizeof want, "# TYPE %s %s", compat_families[i].name, compat_families[i].type);
		want_line(t, want);
		if (compat_families[i].help) {
			snprintf(want, sizeof want, "# HELP %s %s", compat_families[i].name, compat_families[i].help);
			want_line(t, want);
		} else {
			/* not empty: we document these */
			snprintf(want, sizeof want, "# HELP %s \n", compat_families[i].name);
			want_no(t, want);
		}
	}
}

static void test_compat_values_2_12_1_master(void **st)
{
	(void)st;
	load("2.12.1/master_stats_requests.json");
	self.scrapes = 7;
	const char *t = render();
	want_line(t, "locust_up 1");
	want_line(t, "locust_users 6");
	want_line(t, "locust_running 2");
	want_line(t, "locust_workers_count 2");
	want_line(t, "locust_workers_running_count 2");
	want_line(t, "locust_workers_hatching_count 0");
	want_line(t, "locust_workers_missing_count 0");
	want_line(t, "locust_worker_detail{id=\"vm_44796c21365f436fa7bb7c77f94cdf5f\",state=\"running\"} 3");
	want_line(t, "locust_worker_detail{id=\"vm_fa440ca8368f4d5f91537ac4cce72e83\",state=\"running\"} 3");
	want_line(t, "locust_requests_fail_ratio 0.25");
	want_line(t, "locust_requests_current_response_time_percentile_50 2");
	want_line(t, "locust_requests_current_response_time_percentile_95 4");
	want_line(t, "locust_requests_num_requests{method=\"GET\",name=\"/\"} 104");
	want_line(t, "locust_requests_num_requests{method=\"GET\",name=\"/data.json?q=<id>&x=\\\"y\\\"\"} 58");
	want_line(t, "locust_requests_num_requests{method=\"\",name=\"Aggregated\"} 216");
	want_line(t, "locust_requests_num_failures{method=\"POST\",name=\"/submit\"} 35");
	want_line(t, "locust_requests_num_failures{method=\"\",name=\"Aggregated\"} 54");
	want_line(t, "locust_requests_avg_response_time{method=\"GET\",name=\"/\"} 2.704370067290868");
	want_line(t, "locust_requests_current_fail_per_sec{method=\"GET\",name=\"/missing\"} 0.9");
	want_line(t, "locust_requests_min_response_time{method=\"GET\",name=\"/\"} 1");
	want_line(t, "locust_requests_max_response_time{method=\"\",name=\"Aggregated\"} 8");
	want_line(t, "locust_requests_current_rps{method=\"\",name=\"Aggregated\"} 10.2");
	want_line(t, "locust_requests_median_response_time{method=\"GET\",name=\"/\"} 3");
	want_line(t, "locust_requests_avg_content_length{method=\"\",name=\"Aggregated\"} 110.92592592592592");
	want_line(t, "locust_requests_response_time_percentile_99{method=\"GET\",name=\"/\"} 5");
	want_no(t, "locust_requests_response_time_percentile_95{"); /* no per-entry p95 before 2.21 */
	/* 4 endpoints + Aggregated in every per-request compat family */
	assert_int_equal(count_lines_with_prefix(t, "locust_requests_num_requests{"), 5);
	assert_int_equal(count_lines_with_prefix(t, "locust_requests_median_response_time{"), 5);
	/* compat errors: Locust's raw text, as the Go exporter shows it */
	want_line(t, "locust_errors{method=\"GET\",name=\"/missing\",error=\"&quot;HTTPError(&#x27;404 Client Error: "
		     "File not found for url: http://127.0.0.1:28180/missing&#x27;)&quot;\"} 19");
	want_line(t, "locust_total_scrapes 7");
	want_line(t, "locustexporter_build_info{branch=\"\",goversion=\"\",revision=\"abc123\",version=\"1.2.3\"} 1");
}

static void test_compat_running_states(void **st)
{
	(void)st;
	struct { const char *file; const char *running; const char *state; } cases[] = {
		{"1.0/master_stats_requests_hatching.json", "locust_running 1", "locust_state{state=\"spawning\"} 1"},
		{"2.12.1/stats_requests_spawning.json", "locust_running 1", "locust_state{state=\"spawning\"} 1"},
		{"2.12.1/stats_requests.json", "locust_running 2", "locust_state{state=\"running\"} 1"},
		{"2.12.1/stats_requests_stopped.json", "locust_running 0", "locust_state{state=\"stopped\"} 1"},
		{"2.12.1/stats_requests_ready.json", "locust_running 0", "locust_state{state=\"ready\"} 1"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		load(cases[i].file);
		const char *t = render();
		want_line(t, cases[i].running);
		want_line(t, cases[i].state);
		/* exactly one state is 1 */
		assert_int_equal(count_lines_with_prefix(t, "locust_state{"), 7);
		int ones = 0;
		for (const char *p = t; (p = strstr(p, "locust_state{")) != NULL; p++)
			ones += strncmp(strchr(p, '}'), "} 1\n", 4) == 0;
		assert_int_equal(ones, 1);
	}
}

static void test_compat_workers_1_0(void **st)
{
	(void)st;
	load("1.0/master_stats_requests_hatching.json");
	const char *t = render();
	want_line(t, "locust_workers_count 2");
	want_line(t, "locust_workers_hatching_count 1");
	want_line(t, "locust_workers_running_count 1");
	want_line(t, "locust_worker_detail{id=\"host_aaaa\",state=\"hatching\"} 2");
	want_line(t, "locust_requests_current_response_time_percentile_50 2");
	want_no(t, "locust_requests_current_response_time_percentile_95 "); /* null */
	want_line(t, "locust_requests_num_requests{method=\"\",name=\"Aggregated\"} 40");
	/* native: workers by state, hatching counted as spawning */
	want_line(t, "locust_workers{state=\"spawning\"} 1");
	want_line(t, "locust_workers{state=\"running\"} 1");
	want_line(t, "locust_workers{state=\"missing\"} 0");
	want_no(t, "locust_worker_memory_bytes"); /* before 2.4.2 */

	load("2.12.1/master_stats_requests_worker_missing.json");
	t = render();
	want_line(t, "locust_workers_missing_count 1");
	want_line(t, "locust_workers{state=\"missing\"} 1");
}

static void test_aggregated_only_in_compat(void **st)
{
	(void)st;
	load("edge/aggregated_named_request.json");
	const char *t = render();
	/* the user's request called "Aggregated" is an ordinary endpoint */
	want_line(t, "locust_requests_num_requests{method=\"GET\",name=\"Aggregated\"} 20");
	want_line(t, "locust_requests_num_requests{method=\"\",name=\"Aggregated\"} 30");
	want_line(t, "locust_requests_total{method=\"GET\",name=\"Aggregated\"} 20");
	want_no(t, "locust_requests_total{method=\"\"");
	want_line(t, "locust_aggregate_requests_total 30");

	opts.compat = 0;
	load("2.46.3/master_stats_requests.json");
	t = render();
	want_no(t, "name=\"Aggregated\"");
	want_no(t, "method=\"\"");
	assert_int_equal(count_lines_with_prefix(t, "locust_requests_total{"), 4);
}

/* ---- native -------------------------------------------------------------------- */

static void test_native_summary(void **st)
{
	(void)st;
	load("2.46.3/master_stats_requests.json");
	const char *t = render();
	const char *ls = "{method=\"GET\",name=\"/\"";
	char s[256];
	want_line(t, "# TYPE locust_request_duration_seconds summary");
	struct { const char *q; double v; } qs[] = {
		{"0", 1.0 / 1000}, {"0.5", 3.0 / 1000}, {"0.95", 6.0 / 1000}, {"0.99", 9.0 / 1000}, {"1", 9.0 / 1000},
	};
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		snprintf(s, sizeof s, "locust_request_duration_seconds%s,quantile=\"%s\"}", ls, qs[i].q);
		want_line(t, line_v(s, qs[i].v));
	}
	snprintf(s, sizeof s, "locust_request_duration_seconds_sum%s}", ls);
	want_line(t, line_v(s, 3.3493705192313428 * 104 / 1000));
	snprintf(s, sizeof s, "locust_request_duration_seconds_count%s}", ls);
	want_line(t, line_v(s, 104));
	/* 5 quantiles + sum + count per endpoint, 4 endpoints */
	assert_int_equal(count_lines_with_prefix(t, "locust_request_duration_seconds{"), 20);
	assert_int_equal(count_lines_with_prefix(t, "locust_request_duration_seconds_count{"), 4);
	/* the aggregate as its own summary */
	want_line(t, "locust_aggregate_request_duration_seconds_count 227");
	want_line(t, "locust_aggregate_request_duration_seconds{quantile=\"0.99\"} 0.007");
	/* counters and the rest of the native set */
	want_line(t, "locust_requests_total{method=\"GET\",name=\"/\"} 104");
	want_line(t, "locust_request_failures_total{method=\"GET\",name=\"/missing\"} 27");
	want_line(t, line_v("locust_response_content_bytes_total{method=\"GET\",name=\"/\"}", 39.0 * 104));
	want_line(t, "locust_aggregate_request_failures_total 57");
	want_line(t, "locust_users 6");
	want_line(t, "locust_fail_ratio 0.2511013215859031");
	want_line(t, "locust_current_requests_per_second 11");
	want_line(t, "locust_current_failures_per_second 2.4");
	want_line(t, "locust_current_response_time_seconds{quantile=\"0.5\"} 0.003");
	want_line(t, "locust_current_response_time_seconds{quantile=\"0.95\"} 0.006");
	want_line(t, "locust_requests_per_second{method=\"GET\",name=\"/\"} 5.4");
	want_line(t, "locust_request_failures_per_second{method=\"POST\",name=\"/submit\"} 1.4");
	want_line(t, "locust_workers{state=\"running\"} 2");
	want_line(t, "locust_worker_users{worker=\"vm_be3b780563664c408d8ca0c581302496\"} 3");
	want_line(t, line_v("locust_worker_cpu_usage_ratio{worker=\"vm_be3b780563664c408d8ca0c581302496\"}", 0.7 * 0.01));
	want_line(t, "locust_worker_memory_bytes{worker=\"vm_be3b780563664c408d8ca0c581302496\"} 59248640");
	want_line(t, "# TYPE locust_requests_total counter");
	want_line(t, "# TYPE locust_errors_total counter");
}

static void test_native_legacy_quantiles(void **st)
{
	(void)st;
	/* <= 2.27: p90 and p99 come from ninetieth_/ninety_ninth_response_time */
	load("2.8.0/stats_requests.json");
	const char *t = render();
	want_line(t, "locust_request_duration_seconds{method=\"GET\",name=\"/\",quantile=\"0.9\"} 0.006");
	want_line(t, "locust_request_duration_seconds{method=\"GET\",name=\"/\",quantile=\"0.99\"} 0.018");
	want_line(t, "locust_requests_response_time_percentile_99{method=\"GET\",name=\"/\"} 18");

	/* 2.30.0: no avg -> no _sum, and no compat avg; _count stays */
	load("2.30.0/stats_requests.json");
	t = render();
	want_no(t, "locust_request_duration_seconds_sum");
	want_no(t, "locust_requests_avg_response_time{");
	want_line(t, "locust_request_duration_seconds_count{method=\"GET\",name=\"/\"} 50");

	/* no requests yet: NaN quantiles, zero sum and count */
	load("2.12.1/stats_requests_ready.json");
	t = render();
	want_line(t, "locust_aggregate_request_duration_seconds{quantile=\"0.5\"} NaN");
	want_line(t, "locust_aggregate_request_duration_seconds_sum 0");
	want_line(t, "locust_aggregate_request_duration_seconds_count 0");
	want_no(t, "locust_requests_total{");
}

static void test_native_errors_unescaped(void **st)
{
	(void)st;
	load("2.12.1/master_stats_requests.json");
	const char *t = render();
	/* double repr and HTML entities undone: the same text 2.28+ shows */
	want_line(t, "locust_errors_total{method=\"GET\",name=\"/missing\",error=\"HTTPError('404 Client Error: "
		     "File not found for url: http://127.0.0.1:28180/missing')\"} 19");
	want_line(t, "locust_errors_total{method=\"POST\",name=\"/submit\",error=\"HTTPError(\\\"501 Server Error: "
		     "Unsupported method ('POST') for url: http://127.0.0.1:28180/submit\\\")\"} 35");
	want_no(t, "locust_errors_total{method=\"GET\",name=\"/missing\",error=\"&");

	load("1.0/master_stats_requests_hatching.json");
	t = render();
	want_line(t, "locust_errors_total{method=\"GET\",name=\"/missing\",error=\"HTTPError('404 Client Error: "
		     "NOT FOUND for url: http://127.0.0.1:8000/missing')\"} 10");

	/* error rows' names are escaped in <= 2.27 too */
	load("2.19.0/stats_requests.json");
	t = render();
	want_line(t, "locust_errors_total{method=\"GET\",name=\"/a?x=<1>&y=\\\"2\\\"\",error=\"HTTPError('404 Client Error: "
		     "File not found for url: http://127.0.0.1:8000/a?x=<1>&y=\\\"2\\\"')\"} 4");
	want_line(t, "locust_errors{method=\"GET\",name=\"/a?x=&lt;1&gt;&amp;y=&quot;2&quot;\",error=\"HTTPError(&#x27;404 "
		     "Client Error: File not found for url: http://127.0.0.1:8000/a?x=&lt;1&gt;&amp;y=&quot;2&quot;&#x27;)\"} 4");

	/* 2.28+: raw text, never unescaped */
	load("2.28.0/stats_requests.json");
	t = render();
	want_line(t, "locust_errors_total{method=\"GET\",name=\"/q?a=1&b=2\",error=\"ValueError('x &amp; y <raw>')\"} 3");
}

static void test_error_text(void **st)
{
	(void)st;
	struct { const char *in; int legacy; const char *out; } cases[] = {
		{"&quot;E(&#x27;a&#x27;)&quot;", 1, "E('a')"},
		{"&#x27;E(&quot;x (\\&#x27;P\\&#x27;)&quot;)&#x27;", 1, "E(\"x ('P')\")"},
		{"a &amp;lt; b", 1, "a &lt; b"},
		{"&lt;&gt;&amp;&#39;&unknown;", 1, "<>&'&unknown;"},
		{"&quot;E(&#x27;a&#x27;)&quot;", 0, "&quot;E(&#x27;a&#x27;)&quot;"},
		{"'quoted'", 0, "'quoted'"},
		{"", 1, ""},
	};
	buf_t b;
	buf_init(&b);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf_reset(&b);
		collector_error_text(&b, cases[i].in, strlen(cases[i].in), cases[i].legacy, 1024);
		assert_string_equal(buf_str(&b), cases[i].out);
	}
	/* bounded on a UTF-8 boundary, with an ellipsis */
	buf_reset(&b);
	collector_error_text(&b, "ab\xe2\x82\xac" "cd", 7, 0, 3);
	assert_string_equal(buf_str(&b), "ab\xe2\x80\xa6");
	buf_reset(&b);
	collector_error_text(&b, "abcdef", 6, 0, 4);
	assert_string_equal(buf_str(&b), "abcd\xe2\x80\xa6");
	buf_free(&b);
}

/* ---- switches, namespace, down --------------------------------------------- */

static void test_switches(void **st)
{
	(void)st;
	load("2.46.3/master_stats_requests.json");
	opts.compat = 0;
	const char *t = render();
	want_no(t, "locust_running");
	want_no(t, "locust_requests_num_requests");
	want_no(t, "locust_worker_detail");
	want_no(t, "locust_errors{");
	want_no(t, "locust_total_scrapes");
	want_no(t, "locustexporter_build_info");
	want_line(t, "locust_up 1");
	want_line(t, "locust_users 6");
	want_line(t, "locust_requests_total{method=\"GET\",name=\"/\"} 104");
	want_line(t, "locust_exporter_build_info{revision=\"abc123\",version=\"1.2.3\"} 1");

	opts.compat = 1;
	opts.native = 0;
	t = render();
	want_no(t, "locust_requests_total");
	want_no(t, "locust_state");
	want_no(t, "locust_request_duration_seconds");
	want_no(t, "locust_errors_total");
	want_no(t, "locust_workers{");
	want_line(t, "locust_up 1");
	want_line(t, "locust_users 6");
	want_line(t, "locust_requests_num_requests{method=\"GET\",name=\"/\"} 104");
	want_line(t, "locust_exporter_scrapes_total 0"); /* self metrics stay */
}

static void test_namespace(void **st)
{
	(void)st;
	load("2.46.3/master_stats_requests.json");
	opts.ns = "lt";
	const char *t = render();
	want_line(t, "lt_up 1");
	want_line(t, "lt_requests_num_requests{method=\"GET\",name=\"/\"} 104");
	want_line(t, "lt_requests_total{method=\"GET\",name=\"/\"} 104");
	want_line(t, "locust_exporter_scrapes_total 0");
	want_line(t, "locustexporter_build_info{branch=\"\",goversion=\"\",revision=\"abc123\",version=\"1.2.3\"} 1");
	want_no(t, "\nlocust_up");
}

static void test_down_output(void **st)
{
	(void)st;
	load("2.46.3/master_stats_requests.json");
	render(); /* a good render first: nothing of it may survive */
	self.scrapes = 5;
	self.errors[RS_TIMEOUT] = 3;
	self.errors[RS_SCHEMA] = 1;
	const char *t = render_down();
	want_line(t, "locust_up 0");
	want_no(t, "method=");
	want_no(t, "locust_requests");
	want_no(t, "locust_users");
	want_no(t, "locust_running");
	want_no(t, "locust_worker");
	want_no(t, "locust_state");
	want_no(t, "locust_errors");
	want_line(t, "locust_exporter_scrapes_total 5");
	want_line(t, "locust_total_scrapes 5");
	want_line(t, "locust_exporter_scrape_errors_total{reason=\"timeout\"} 3");
	want_line(t, "locust_exporter_scrape_errors_total{reason=\"schema\"} 1");
	const char *reasons[] = {"connect", "timeout", "tls", "auth", "redirect", "http_status",
				 "not_json", "too_large", "parse", "schema", "io"};
	char s[128];
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
		snprintf(s, sizeof s, "locust_exporter_scrape_errors_total{reason=\"%s\"}", reasons[i]);
		assert_non_null(strstr(t, s));
	}
	want_line(t, "locustexporter_build_info{branch=\"\",goversion=\"\",revision=\"abc123\",version=\"1.2.3\"} 1");
}

/* The push counters: only with a pusher, every reason pre-declared, up
 * or down. */
static void test_push_counters(void **st)
{
	(void)st;
	load("2.12.1/stats_requests.json");
	want_no(render(), "push");
	static pushstats_t ps;
	atomic_store(&ps.pushes, 9);
	atomic_store(&ps.errors[RS_TIMEOUT], 2);
	atomic_store(&ps.errors[RS_HTTP_STATUS], 1);
	self.push = &ps;
	for (int down = 0; down < 2; down++) {
		const char *t = down ? render_down() : render();
		want_line(t, "# TYPE locust_exporter_pushes_total counter");
		want_line(t, "locust_exporter_pushes_total 9");
		want_line(t, "# TYPE locust_exporter_push_errors_total counter");
		want_line(t, "locust_exporter_push_errors_total{reason=\"timeout\"} 2");
		want_line(t, "locust_exporter_push_errors_total{reason=\"http_status\"} 1");
		const char *zero[] = {"connect", "tls", "auth", "redirect", "io"};
		char s[128];
		for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) {
			snprintf(s, sizeof s, "locust_exporter_push_errors_total{reason=\"%s\"} 0", zero[i]);
			want_line(t, s);
		}
		assert_int_equal(count_lines_with_prefix(t, "locust_exporter_push_errors_total{"), 7);
	}
}

static void test_many_endpoints_and_odd_names(void **st)
{
	(void)st;
	buf_t doc, d;
	buf_init(&doc);
	buf_init(&d);
	buf_puts(&doc, "{\"state\": \"running\", \"user_count\": 1, \"stats\": [");
	for (int i = 0; i < 2000; i++)
		buf_printf(&doc, "{\"method\": \"GET\", \"name\": \"/e/%04d \\\"q\\\" \\\\ \\n \\u00e9\", \"num_requests\": %d,"
			   " \"num_failures\": 0, \"avg_response_time\": 1.5, \"median_response_time\": 1,"
			   " \"min_response_time\": 1, \"max_response_time\": 2},", i, i + 1);
	buf_puts(&doc, "{\"method\": \"\", \"name\": \"Aggregated\", \"num_requests\": 1, \"num_failures\": 0}]}");
	assert_int_equal(snapshot_parse(&snap, doc.data, doc.len, NULL, &d), RS_OK);
	const char *t = render();
	assert_int_equal(count_lines_with_prefix(t, "locust_requests_total{"), 2000);
	assert_int_equal(count_lines_with_prefix(t, "locust_requests_num_requests{"), 2001);
	want_line(t, "locust_requests_total{method=\"GET\",name=\"/e/0042 \\\"q\\\" \\\\ \\n \xc3\xa9\"} 43");
	/* rendering again into the reused buffers gives the same text */
	char *first = strdup(t);
	assert_string_equal(render(), first);
	free(first);
	buf_free(&doc);
	buf_free(&d);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_compat_families),
		T(test_compat_values_2_12_1_master),
		T(test_compat_running_states),
		T(test_compat_workers_1_0),
		T(test_aggregated_only_in_compat),
		T(test_native_summary),
		T(test_native_legacy_quantiles),
		T(test_native_errors_unescaped),
		T(test_error_text),
		T(test_switches),
		T(test_namespace),
		T(test_down_output),
		T(test_push_counters),
		T(test_many_endpoints_and_odd_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
