/* inproc: in-process cost of each stage of one scrape, on the generated
 * payload of N endpoints, without any HTTP:
 *
 *   bench-inproc N [--seconds S] [--dump FILE] [--only STAGE]
 *
 * decode   jansson json_loadb + json_decref with malloc: the floor of the
 *          decoder the exporter uses
 * parse    snapshot_parse: jansson's decode into memory kept from round to
 *          round (the text buffer, as the exporter lends it), then the walk
 *          into the model
 * render   collector_render of both metric sets plus process_*
 * gzip     httpd_gzip of the rendered text (what Accept-Encoding: gzip adds)
 * om       om_body: the rendered text's OpenMetrics form (what Prometheus,
 *          asking for OpenMetrics, adds; --only om)
 * proc     procmetrics_render alone (process_* from /proc, part of render)
 *
 * --dump writes the rendered text to FILE (to compare renderers' output);
 * --only repeats one stage (after one parse and render) for a profiler.
 *
 * Each stage repeats for at least S seconds (default 1) and 20 rounds; the
 * figure is the median thread CPU time of one round, in milliseconds. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector.h"
#include "httpd.h"
#include "openmetrics.h"
#include "payload.h"
#include "procmetrics.h"
#include "stats.h"

#define MAX_ROUNDS 100000

typedef struct {
	buf_t json, text, gz, proc, detail, om;
	snapshot_t snap;
	collector_t col;
	collector_opts_t opts;
	selfstats_t self;
	int failed;
} bench_t;

typedef void (*stage_fn)(bench_t *b);

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void st_decode(bench_t *b)
{
	json_t *root = json_loadb(b->json.data, b->json.len, 0, NULL);
	if (!root)
		b->failed = 1;
	json_decref(root);
}

static void st_parse(bench_t *b)
{
	buf_reset(&b->detail);
	if (snapshot_parse(&b->snap, b->json.data, b->json.len, &b->text, &b->detail) != RS_OK)
		b->failed = 1;
}

static void st_render(bench_t *b)
{
	buf_reset(&b->text);
	collector_render(&b->col, &b->text, &b->opts, &b->snap, &b->self);
	if (b->text.oom)
		b->failed = 1;
}

static void st_gzip(bench_t *b)
{
	if (httpd_gzip(b->text.data, b->text.len, &b->gz))
		b->failed = 1;
}

static void st_om(bench_t *b)
{
	size_t len;
	if (!om_body(FMT_OPENMETRICS, b->text.data, b->text.len, &b->om, &len))
		b->failed = 1;
}

static void st_proc(bench_t *b)
{
	buf_reset(&b->proc);
	procmetrics_render(&b->proc);
	if (b->proc.oom)
		b->failed = 1;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median CPU ms of one round of fn. */
static double measure(bench_t *b, stage_fn fn, double seconds, double *rounds)
{
	int n = 0;
	double t0 = wall_s();
	fn(b); /* warm-up */
	while (n < MAX_ROUNDS && (n < 20 || wall_s() - t0 < seconds)) {
		double c0 = cpu_ms();
		fn(b);
		rounds[n++] = cpu_ms() - c0;
	}
	qsort(rounds, (size_t)n, sizeof *rounds, cmp_d);
	return rounds[n / 2];
}

static const struct {
	const char *name;
	stage_fn fn;
} stages[] = {
	{"decode", st_decode}, {"parse", st_parse}, {"render", st_render}, {"gzip", st_gzip}, {"proc", st_proc},
	{"om", st_om},
};

/* One stage alone, after the parse and render it depends on. */
static int run_only(bench_t *b, const char *name, double seconds, double *rounds)
{
	st_parse(b);
	st_render(b);
	for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
		if (strcmp(stages[i].name, name) == 0) {
			double ms = measure(b, stages[i].fn, seconds, rounds);
			printf("%s_ms=%.4f\n", name, ms);
			return b->failed;
		}
	}
	fprintf(stderr, "bench-inproc: no stage %s\n", name);
	return 2;
}

static int write_file(const char *path, const buf_t *text)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = fwrite(text->data, 1, text->len, f);
	return (fclose(f) != 0 || n != text->len) ? -1 : 0;
}

int main(int argc, char **argv)
{
	bench_t b;
	double seconds = 1;
	const char *dump = NULL, *only = NULL;
	if (argc < 2) {
		fputs("usage: bench-inproc N [--seconds S] [--dump FILE]\n", stderr);
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--dump") == 0)
			dump = argv[i + 1];
		else if (strcmp(argv[i], "--only") == 0)
			only = argv[i + 1];
	}
	memset(&b, 0, sizeof b);
	b.opts = (collector_opts_t){"locust", 1, 1, 1, "bench", "bench"};
	buf_init(&b.json);
	buf_init(&b.text);
	buf_init(&b.gz);
	buf_init(&b.proc);
	buf_init(&b.detail);
	buf_init(&b.om);
	snapshot_init(&b.snap);
	collector_init(&b.col);
	payload_generate(&b.json, (size_t)strtoul(argv[1], NULL, 10));
	double *rounds = malloc(MAX_ROUNDS * sizeof *rounds);
	if (b.json.oom || !rounds) {
		fputs("bench-inproc: out of memory\n", stderr);
		return 1;
	}
	if (only)
		return run_only(&b, only, seconds, rounds);
	double dec = measure(&b, st_decode, seconds, rounds);
	double par = measure(&b, st_parse, seconds, rounds);
	double ren = measure(&b, st_render, seconds, rounds);
	double gz = measure(&b, st_gzip, seconds, rounds);
	double proc = measure(&b, st_proc, seconds / 4, rounds);
	if (b.failed) {
		fprintf(stderr, "bench-inproc: a stage failed: %s\n", buf_str(&b.detail));
		return 1;
	}
	if (dump && write_file(dump, &b.text)) {
		fprintf(stderr, "bench-inproc: cannot write %s\n", dump);
		return 1;
	}
	printf("decode_ms=%.4f parse_ms=%.4f render_ms=%.4f gzip_ms=%.4f proc_ms=%.4f json_bytes=%zu text_bytes=%zu gzip_bytes=%zu\n",
	       dec, par, ren, gz, proc, b.json.len, b.text.len, b.gz.len);
	free(rounds);
	snapshot_free(&b.snap);
	collector_free(&b.col);
	buf_free(&b.json);
	buf_free(&b.text);
	buf_free(&b.gz);
	buf_free(&b.proc);
	buf_free(&b.detail);
	return 0;
}
