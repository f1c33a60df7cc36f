/* test_openmetrics: lib/openmetrics.c: Accept negotiation with q-values,
 * the content types, and the OpenMetrics form of an exposition (counter
 * families, unknown for counters that cannot be OpenMetrics counters,
 * UNIT, HELP escaping, dropped comments, samples unchanged, "# EOF" last),
 * including every allocation failing in turn (realloc is wrapped at link
 * time: -Wl,--wrap=realloc). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "expo.h"
#include "openmetrics.h"

/* ---- realloc that fails on the Nth call (0: never) ----------------------- */

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

static int fail_at, calls;

void *__wrap_realloc(void *p, size_t n)
{
	if (fail_at && ++calls == fail_at)
		return NULL;
	return __real_realloc(p, n);
}

/* ---- negotiation ---------------------------------------------------------- */

/* Prometheus 2.42's Accept header for scrapes. */
#define PROM_ACCEPT "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75," \
		    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

static void test_negotiate(void **st)
{
	(void)st;
	static const struct {
		const char *accept;
		expo_format_t want;
	} cases[] = {
		{NULL, FMT_TEXT},
		{"", FMT_TEXT},
		{"*/*", FMT_TEXT},
		{"application/*", FMT_TEXT},
		{"application/json", FMT_TEXT},
		{PROM_ACCEPT, FMT_OPENMETRICS},
		{"text/plain", FMT_TEXT},
		{"text/plain;version=0.0.4", FMT_TEXT},
		{"application/openmetrics-text", FMT_OPENMETRICS},
		{"application/openmetrics-text; version=1.0.0; charset=utf-8", FMT_OPENMETRICS},
		{"application/openmetrics-text; version=0.0.1", FMT_OPENMETRICS_0_0_1},
		{"application/openmetrics-text; version=2.0.0", FMT_TEXT},
		{"application/openmetrics-text;version=2.0.0,application/openmetrics-text;version=0.0.1;q=0.2",
		 FMT_OPENMETRICS_0_0_1},
		/* highest q wins, wherever it is */
		{"text/plain;q=0.9, application/openmetrics-text;q=0.5", FMT_TEXT},
		{"text/plain;q=0.5, application/openmetrics-text;q=0.9", FMT_OPENMETRICS},
		{"application/openmetrics-text;version=0.0.1;q=0.75,application/openmetrics-text;version=1.0.0",
		 FMT_OPENMETRICS},
		/* a tie: the first */
		{"text/plain, application/openmetrics-text", FMT_TEXT},
		{"application/openmetrics-text, text/plain", FMT_OPENMETRICS},
		/* q=0 refuses */
		{"application/openmetrics-text;q=0", FMT_TEXT},
		{"application/openmetrics-text;q=0, text/plain;q=0.001", FMT_TEXT},
		{"text/plain;q=0, application/openmetrics-text;q=0.001", FMT_OPENMETRICS},
		/* a text/plain version we do not speak is skipped */
		{"text/plain;version=1.0.0, application/openmetrics-text;q=0.1", FMT_OPENMETRICS},
		/* case, blanks, quotes */
		{"Application/OpenMetrics-Text; Version=1.0.0", FMT_OPENMETRICS},
		{" application/openmetrics-text ; version = 1.0.0 ; q = 0.7 , text/plain ; q=0.6",
		 FMT_OPENMETRICS},
		{"application/openmetrics-text; version=\"1.0.0\"", FMT_OPENMETRICS},
		/* a comma inside a quoted string does not end the media range */
		{"text/plain;q=0.5;x=\"y,application/openmetrics-text;q=1,z\"", FMT_TEXT},
		/* a malformed q counts as 1, as client_golang's parser does */
		{"text/plain;q=0.5, application/openmetrics-text;q=abc", FMT_OPENMETRICS},
		{"text/plain;q=0.5, application/openmetrics-text;q=2", FMT_OPENMETRICS},
		{"application/openmetrics-text;q=", FMT_OPENMETRICS},
		{",,;;=,", FMT_TEXT},
		{"application/openmetrics-text;;version;=;q=0.5,text/plain;q=0.4", FMT_OPENMETRICS},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		expo_format_t got = om_negotiate(cases[i].accept);
		if (got != cases[i].want)
			fail_msg("Accept: %s -> %d, want %d", cases[i].accept ? cases[i].accept : "(none)",
				 (int)got, (int)cases[i].want);
	}
}

static void test_content_types(void **st)
{
	(void)st;
	assert_string_equal(om_content_type(FMT_TEXT), "text/plain; version=0.0.4; charset=utf-8");
	assert_string_equal(om_content_type(FMT_OPENMETRICS),
			    "application/openmetrics-text; version=1.0.0; charset=utf-8");
	assert_string_equal(om_content_type(FMT_OPENMETRICS_0_0_1),
			    "application/openmetrics-text; version=0.0.1; charset=utf-8");
}

/* ---- conversion ----------------------------------------------------------- */

static char *convert(const char *in)
{
	buf_t b;
	buf_init(&b);
	om_from_text(&b, in, strlen(in));
	assert_false(b.oom);
	char *r = strdup(buf_str(&b));
	buf_free(&b);
	return r;
}

static void expect(const char *in, const char *want)
{
	char *got = convert(in);
	assert_string_equal(got, want);
	free(got);
}

static void test_empty(void **st)
{
	(void)st;
	expect("", "# EOF\n");
}

static void test_counter(void **st)
{
	(void)st;
	expect("# HELP app_requests_total Requests.\n# TYPE app_requests_total counter\n"
	       "app_requests_total{code=\"200\"} 3\napp_requests_total{code=\"404\"} 1\n",
	       "# TYPE app_requests counter\n# HELP app_requests Requests.\n"
	       "app_requests_total{code=\"200\"} 3\napp_requests_total{code=\"404\"} 1\n# EOF\n");
}

/* A counter without _total (the compat set's locust_total_scrapes), and
 * one whose OpenMetrics name is another family's (compat locust_errors
 * beside native locust_errors_total), keep their names as unknown. */
static void test_counter_as_unknown(void **st)
{
	(void)st;
	expect("# HELP locust_total_scrapes The total number of scrapes.\n# TYPE locust_total_scrapes counter\n"
	       "locust_total_scrapes 7\n",
	       "# TYPE locust_total_scrapes unknown\n# HELP locust_total_scrapes The total number of scrapes.\n"
	       "locust_total_scrapes 7\n# EOF\n");
	expect("# HELP e Current errors.\n# TYPE e gauge\ne{x=\"a\"} 2\n"
	       "# HELP e_total Errors.\n# TYPE e_total counter\ne_total{x=\"a\"} 2\n",
	       "# TYPE e gauge\n# HELP e Current errors.\ne{x=\"a\"} 2\n"
	       "# TYPE e_total unknown\n# HELP e_total Errors.\ne_total{x=\"a\"} 2\n# EOF\n");
	/* the clash is found wherever the other family is */
	expect("# TYPE e_total counter\ne_total 1\n# TYPE e gauge\ne 1\n",
	       "# TYPE e_total unknown\ne_total 1\n# TYPE e gauge\ne 1\n# EOF\n");
	/* "_total" alone is no counter name */
	expect("# TYPE _total counter\n_total 1\n", "# TYPE _total unknown\n_total 1\n# EOF\n");
}

static void test_types(void **st)
{
	(void)st;
	expect("# HELP u Untyped.\n# TYPE u untyped\nu 1\n"
	       "# TYPE g gauge\ng -2.5\n"
	       "# TYPE s summary\ns{quantile=\"0\"} NaN\ns{quantile=\"1\"} NaN\ns_sum 0\ns_count 0\n"
	       "# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"
	       "# TYPE w weird\nw 1\n",
	       "# TYPE u unknown\n# HELP u Untyped.\nu 1\n"
	       "# TYPE g gauge\ng -2.5\n"
	       "# TYPE s summary\ns{quantile=\"0\"} NaN\ns{quantile=\"1\"} NaN\ns_sum 0\ns_count 0\n"
	       "# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"
	       "# TYPE w unknown\nw 1\n# EOF\n");
}

static void test_units(void **st)
{
	(void)st;
	expect("# HELP process_cpu_seconds_total CPU.\n# TYPE process_cpu_seconds_total counter\n"
	       "process_cpu_seconds_total 1.5\n"
	       "# TYPE rss_bytes gauge\nrss_bytes 4096\n"
	       "# TYPE d_seconds summary\nd_seconds_sum 1\nd_seconds_count 1\n"
	       "# TYPE b_seconds histogram\nb_seconds_bucket{le=\"+Inf\"} 0\nb_seconds_sum 0\nb_seconds_count 0\n"
	       "# TYPE fail_ratio gauge\nfail_ratio 0\n"
	       "# TYPE seconds gauge\nseconds 0\n"
	       "# TYPE milliseconds gauge\nmilliseconds 0\n"
	       "# TYPE x_seconds_total counter\nx_seconds_total 1\n"
	       "# TYPE x_seconds gauge\nx_seconds 1\n",
	       "# TYPE process_cpu_seconds counter\n# UNIT process_cpu_seconds seconds\n"
	       "# HELP process_cpu_seconds CPU.\nprocess_cpu_seconds_total 1.5\n"
	       "# TYPE rss_bytes gauge\n# UNIT rss_bytes bytes\nrss_bytes 4096\n"
	       "# TYPE d_seconds summary\n# UNIT d_seconds seconds\nd_seconds_sum 1\nd_seconds_count 1\n"
	       "# TYPE b_seconds histogram\n# UNIT b_seconds seconds\n"
	       "b_seconds_bucket{le=\"+Inf\"} 0\nb_seconds_sum 0\nb_seconds_count 0\n"
	       "# TYPE fail_ratio gauge\n# UNIT fail_ratio ratio\nfail_ratio 0\n"
	       "# TYPE seconds gauge\nseconds 0\n"
	       "# TYPE milliseconds gauge\nmilliseconds 0\n"
	       /* x_seconds is a family: the counter stays x_seconds_total, its
		* unit is no suffix of that name */
	       "# TYPE x_seconds_total unknown\nx_seconds_total 1\n"
	       "# TYPE x_seconds gauge\n# UNIT x_seconds seconds\nx_seconds 1\n# EOF\n");
}

/* HELP: the 0.0.4 escapes (\\ and \n) stay, a raw '"' is escaped. */
static void test_help_escaping(void **st)
{
	(void)st;
	expect("# HELP a Say \"hi\\\\\" \\n then \\\\n.\n# TYPE a gauge\na 1\n",
	       "# TYPE a gauge\n# HELP a Say \\\"hi\\\\\\\" \\n then \\\\n.\na 1\n# EOF\n");
	expect("# HELP a\n# TYPE a gauge\na 1\n", "# TYPE a gauge\n# HELP a \na 1\n# EOF\n");
	expect("# HELP a \"\n", "# HELP a \\\"\n# EOF\n");
	expect("# HELP a trailing backslash \\", "# HELP a trailing backslash \\\n# EOF\n");
	/* expo_escape_help's output, converted */
	buf_t b;
	buf_init(&b);
	buf_puts(&b, "# HELP h ");
	expo_escape_help(&b, "quote \" backslash \\ newline \n end");
	buf_puts(&b, "\n");
	char *got = convert(buf_str(&b));
	assert_string_equal(got, "# HELP h quote \\\" backslash \\\\ newline \\n end\n# EOF\n");
	free(got);
	buf_free(&b);
}

/* Metadata order and pairing: TYPE, UNIT, HELP per family; a HELP not
 * followed by its TYPE still gets the family's OpenMetrics name. */
static void test_metadata_order(void **st)
{
	(void)st;
	expect("# TYPE c_total counter\n# HELP c_total Count.\nc_total 1\n",
	       "# TYPE c counter\n# HELP c Count.\nc_total 1\n# EOF\n");
	expect("# HELP c_total Count.\nc_total 1\n# TYPE c_total counter\n",
	       "# HELP c Count.\nc_total 1\n# TYPE c counter\n# EOF\n");
	expect("# HELP a A.\n# TYPE b gauge\nb 1\n", "# HELP a A.\n# TYPE b gauge\nb 1\n# EOF\n");
	expect("# HELP lonely_seconds No TYPE.\nlonely_seconds 1\n",
	       "# HELP lonely_seconds No TYPE.\nlonely_seconds 1\n# EOF\n");
}

/* Comments other than HELP/TYPE go; '#' inside a sample line is data. */
static void test_comments_and_hashes(void **st)
{
	(void)st;
	expect("# a comment\n#\n#TYPE x gauge\n# TYPE g gauge\ng{path=\"/a#b\",x=\"# TYPE y counter\"} 1\n",
	       "# TYPE g gauge\ng{path=\"/a#b\",x=\"# TYPE y counter\"} 1\n# EOF\n");
	/* no final newline */
	expect("# TYPE g gauge\ng 1", "# TYPE g gauge\ng 1\n# EOF\n");
	expect("# TYPE g gauge", "# TYPE g gauge\n# EOF\n");
}

/* Appending keeps what the buffer held. */
static void test_appends(void **st)
{
	(void)st;
	buf_t b;
	buf_init(&b);
	buf_puts(&b, "keep");
	om_from_text(&b, "g 1\n", 4);
	assert_string_equal(buf_str(&b), "keepg 1\n# EOF\n");
	buf_free(&b);
}

/* Every sample line of a writer-made exposition with awkward label values
 * comes out byte for byte, in order; only metadata lines change. */
static void test_samples_unchanged(void **st)
{
	(void)st;
	static const expo_family_t fams[] = {
		{"requests_total", EXPO_COUNTER, "Requests \"made\"."},
		{"requests", EXPO_GAUGE, "Clashes with the counter's name."},
		{"latency_seconds", EXPO_SUMMARY, "Latency.\nSecond line."},
	};
	static const char *const names[] = {
		"/a#b", "# TYPE fake counter", "\n# HELP x y", "quote\"back\\slash", "caf\xc3\xa9", "",
	};
	buf_t in, out, a, bb;
	buf_init(&in);
	buf_init(&out);
	buf_init(&a);
	buf_init(&bb);
	for (size_t f = 0; f < 3; f++) {
		expo_header(&in, "app_", &fams[f]);
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			expo_label_t l[2] = {{"name", names[i], EXPO_STRLEN}, {"quantile", "0.5", EXPO_STRLEN}};
			expo_sample(&in, "app_", fams[f].name, NULL, l, f == 2 ? 2 : 1, (double)i + 0.25);
		}
	}
	assert_false(in.oom);
	om_from_text(&out, in.data, in.len);
	assert_false(out.oom);
	/* the sample lines of both, in order */
	const buf_t *src[2] = {&in, &out};
	buf_t *dst[2] = {&a, &bb};
	for (int k = 0; k < 2; k++) {
		const char *p = src[k]->data, *end = p + src[k]->len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = (size_t)((nl ? nl + 1 : end) - p);
			if (p[0] != '#')
				buf_put(dst[k], p, n);
			p += n;
		}
	}
	assert_int_equal(a.len, bb.len);
	assert_memory_equal(a.data, bb.data, a.len);
	assert_non_null(strstr(out.data, "# TYPE app_requests_total unknown\n"));
	assert_non_null(strstr(out.data, "# HELP app_requests_total Requests \\\"made\\\".\n"));
	assert_non_null(strstr(out.data, "# TYPE app_latency_seconds summary\n# UNIT app_latency_seconds seconds\n"
				       "# HELP app_latency_seconds Latency.\\nSecond line.\n"));
	/* one "# EOF", last */
	assert_true(out.len >= 6);
	assert_ptr_equal(strstr(out.data, "# EOF"), out.data + out.len - 6);
	buf_free(&in);
	buf_free(&out);
	buf_free(&a);
	buf_free(&bb);
}

/* om_body: the text itself for FMT_TEXT, the conversion otherwise. */
static void test_body(void **st)
{
	(void)st;
	static const char text[] = "# HELP c_total C.\n# TYPE c_total counter\nc_total 1\n";
	buf_t scratch;
	buf_init(&scratch);
	size_t len = 0;
	assert_ptr_equal(om_body(FMT_TEXT, text, sizeof text - 1, &scratch, &len), text);
	assert_int_equal(len, sizeof text - 1);
	buf_puts(&scratch, "left over");
	const char *om = om_body(FMT_OPENMETRICS, text, sizeof text - 1, &scratch, &len);
	assert_non_null(om);
	assert_int_equal(len, strlen(om));
	assert_string_equal(om, "# TYPE c counter\n# HELP c C.\nc_total 1\n# EOF\n");
	/* the same text under the pre-1.0 label */
	assert_string_equal(om_body(FMT_OPENMETRICS_0_0_1, text, sizeof text - 1, &scratch, &len),
			    "# TYPE c counter\n# HELP c C.\nc_total 1\n# EOF\n");
	buf_free(&scratch);
}

/* Every allocation failing in turn: NULL / the oom flag, never a partial
 * answer passed off as whole, nothing leaked (ASan, valgrind). */
static void test_allocation_failures(void **st)
{
	(void)st;
	buf_t big;
	buf_init(&big);
	for (int i = 0; i < 200; i++)
		buf_printf(&big, "# HELP f%d_total F.\n# TYPE f%d_total counter\nf%d_total %d\n", i, i, i, i);
	assert_false(big.oom);
	char *want = convert(big.data);
	int failed = 0, succeeded = 0;
	for (fail_at = 1; fail_at < 64 && !succeeded; fail_at++) {
		calls = 0;
		buf_t scratch;
		buf_init(&scratch);
		size_t len = 0;
		const char *om = om_body(FMT_OPENMETRICS, big.data, big.len, &scratch, &len);
		if (calls >= fail_at) { /* an allocation failed */
			assert_null(om);
			assert_true(scratch.oom);
			failed++;
		} else {
			assert_non_null(om);
			assert_int_equal(len, strlen(want));
			assert_string_equal(om, want);
			succeeded = 1;
		}
		buf_free(&scratch);
	}
	fail_at = 0;
	assert_true(failed >= 2); /* the output buffer and the family table */
	assert_true(succeeded);
	free(want);
	buf_free(&big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_content_types),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_counter_as_unknown),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_help_escaping),
		cmocka_unit_test(test_metadata_order),
		cmocka_unit_test(test_comments_and_hashes),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_samples_unchanged),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_allocation_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
