/* fuzz_scrape: libFuzzer harness over the exporter's scrape path without
 * the network: body -> snapshot_parse -> collector_render (compat and
 * native sets, self metrics) -> promcheck.
 *
 * For every input it aborts when
 *   - the rendered text is not strict Prometheus text format (promcheck:
 *     syntax, escaping, UTF-8, contiguous families, no duplicate series);
 *   - locust_up disagrees with the parse result, or a failed parse still
 *     shows per-request series;
 *   - parsing and rendering the same input again into the reused snapshot
 *     and collector (as the exporter does scrape after scrape) gives a
 *     different text.
 * ASan/UBSan and LeakSanitizer catch the rest. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "collector.h"
#include "promcheck.h"
#include "stats.h"

static snapshot_t snap;
static collector_t col;
static buf_t out, again, detail;

static const collector_opts_t opts = {"locust", 1, 1, 0, "0.0.0-fuzz", "fuzz"};

static void die(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_scrape: %s\n--- rendered output ---\n%s\n--- end ---\n", what, text);
	abort();
}

/* Parse and render once into *dst; returns the parse result. */
static reason_t scrape_once(const uint8_t *data, size_t size, buf_t *dst)
{
	selfstats_t self;
	memset(&self, 0, sizeof self);
	buf_reset(&detail);
	buf_reset(dst);
	reason_t r = snapshot_parse(&snap, (const char *)data, size, dst, &detail);
	if (r != RS_OK && r != RS_PARSE && r != RS_SCHEMA)
		die("snapshot_parse returned a transport reason", reason_names[r]);
	if (r != RS_OK && detail.len == 0)
		die("snapshot_parse failed without a detail message", "");
	self.scrapes = 7;
	self.errors[r] = 1;
	self.last_duration = 0.25;
	self.run_start = r == RS_OK ? 1700000000.5 : 0;
	collector_render(&col, dst, &opts, r == RS_OK ? &snap : NULL, &self);
	if (dst->oom)
		die("out of memory while rendering", "");
	return r;
}

static void check_semantics(reason_t r, const buf_t *b)
{
	const char *up = r == RS_OK ? "\nlocust_up 1\n" : "\nlocust_up 0\n";
	if (!strstr(b->data, up))
		die(r == RS_OK ? "parsed, but locust_up is not 1" : "failed, but locust_up is not 0", b->data);
	if (r != RS_OK && (strstr(b->data, "\nlocust_requests_total") || strstr(b->data, "\nlocust_errors{") ||
			   strstr(b->data, "\nlocust_requests_num_requests")))
		die("failed parse still shows per-request series", b->data);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snapshot_init(&snap);
	collector_init(&col);
	buf_init(&out);
	buf_init(&again);
	buf_init(&detail);
	/* Once: the process_* families render and validate too. */
	collector_opts_t with_proc = opts;
	selfstats_t self;
	memset(&self, 0, sizeof self);
	char err[512];
	with_proc.process = 1;
	collector_render(&col, &out, &with_proc, NULL, &self);
	if (out.oom || promcheck(out.data, out.len, err, sizeof err))
		die(err, buf_str(&out));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	reason_t r = scrape_once(data, size, &out);
	if (promcheck(out.data, out.len, err, sizeof err))
		die(err, out.data);
	check_semantics(r, &out);
	if (scrape_once(data, size, &again) != r || again.len != out.len ||
	    memcmp(again.data, out.data, out.len) != 0)
		die("a second parse+render of the same input differs", again.data);
	return 0;
}
