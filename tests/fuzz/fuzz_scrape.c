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
 *     different text;
 *   - its OpenMetrics form (lib/openmetrics) does not hold the same sample
 *     lines in the same order, does not end with its one "# EOF", has a
 *     metadata line other than TYPE (counter, gauge, summary, histogram,
 *     unknown), UNIT (a suffix of the name) or HELP (no bare '"'), names a
 *     family twice, or has a counter family whose samples do not end in
 *     _total.
 * ASan/UBSan and LeakSanitizer catch the rest. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "collector.h"
#include "openmetrics.h"
#include "promcheck.h"
#include "stats.h"

static snapshot_t snap;
static collector_t col;
static buf_t out, again, detail, om, lines_a, lines_b, seen, probe;

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

/* The sample lines of text (every line not starting with '#'), in order. */
static void sample_lines(const char *text, size_t len, buf_t *dst)
{
	buf_reset(dst);
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl + 1 : end) - p);
		if (*p != '#')
			buf_put(dst, p, n);
		p += n;
	}
}

static int has_suffix(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && memcmp(s + n - k, suf, k) == 0;
}

/* The OpenMetrics form of the 0.0.4 text t. */
static void check_openmetrics(const buf_t *t)
{
	buf_reset(&om);
	om_from_text(&om, t->data, t->len);
	if (om.oom)
		die("out of memory converting to OpenMetrics", "");
	/* sample lines never start with '#' and label values hold no raw
	 * newline: "\n# EOF\n" can only be the last line */
	if (om.len < 7 || strstr(om.data, "\n# EOF\n") != om.data + om.len - 7)
		die("OpenMetrics: not one '# EOF' at the end", om.data);
	sample_lines(t->data, t->len, &lines_a);
	sample_lines(om.data, om.len, &lines_b);
	if (lines_a.len != lines_b.len || memcmp(lines_a.data, lines_b.data, lines_a.len) != 0)
		die("OpenMetrics: the sample lines differ from the text's", om.data);
	char counter[256] = "";
	buf_reset(&seen);
	buf_putc(&seen, '\n');
	for (const char *p = om.data; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = (size_t)(nl - p);
		if (*p == '#' && !(n == 5 && memcmp(p, "# EOF", 5) == 0)) {
			if (n <= 7)
				die("OpenMetrics: bad metadata line", p);
			const char *name = p + 7, *sp = memchr(name, ' ', n - 7);
			size_t nl_ = sp ? (size_t)(sp - name) : 0;
			const char *val = sp + 1;
			size_t vl = (size_t)(nl - val);
			if (!sp || nl_ >= sizeof counter)
				die("OpenMetrics: bad metadata line", p);
			if (memcmp(p, "# TYPE ", 7) == 0) {
				static const char *const types[] = {"counter", "gauge", "summary", "histogram", "unknown"};
				int ok = 0;
				for (size_t i = 0; i < 5; i++)
					ok |= vl == strlen(types[i]) && memcmp(val, types[i], vl) == 0;
				if (!ok)
					die("OpenMetrics: bad TYPE", p);
				/* each family once: "\n<name>\n" not yet in seen */
				buf_reset(&probe);
				buf_putc(&probe, '\n');
				buf_put(&probe, name, nl_);
				buf_putc(&probe, '\n');
				if (probe.oom || seen.oom || strstr(seen.data, probe.data))
					die("OpenMetrics: a family named twice", p);
				buf_put(&seen, probe.data + 1, probe.len - 1);
				snprintf(counter, sizeof counter, "%.*s", (int)nl_,
					 vl == 7 && memcmp(val, "counter", 7) == 0 ? name : "");
			} else if (memcmp(p, "# UNIT ", 7) == 0) {
				char suf[64];
				snprintf(suf, sizeof suf, "_%.*s", (int)(vl < 60 ? vl : 60), val);
				if (!has_suffix(name, nl_, suf))
					die("OpenMetrics: UNIT is not a suffix of the name", p);
			} else if (memcmp(p, "# HELP ", 7) == 0) {
				for (size_t i = 0; i < vl; i++) {
					if (val[i] == '\\')
						i++;
					else if (val[i] == '"')
						die("OpenMetrics: bare '\"' in HELP", p);
				}
			} else {
				die("OpenMetrics: a comment that is not TYPE, UNIT or HELP", p);
			}
		} else if (*p != '#' && counter[0]) {
			size_t cl = strlen(counter);
			if (n < cl + 6 || memcmp(p, counter, cl) != 0 || memcmp(p + cl, "_total", 6) != 0)
				die("OpenMetrics: a counter sample without _total", p);
		}
		p = nl + 1;
	}
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
	buf_init(&om);
	buf_init(&lines_a);
	buf_init(&lines_b);
	buf_init(&seen);
	buf_init(&probe);
	/* Once: the process_* families render and validate too. */
	collector_opts_t with_proc = opts;
	selfstats_t self;
	memset(&self, 0, sizeof self);
	char err[512];
	with_proc.process = 1;
	collector_render(&col, &out, &with_proc, NULL, &self);
	if (out.oom || promcheck(out.data, out.len, err, sizeof err))
		die(err, buf_str(&out));
	check_openmetrics(&out);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	reason_t r = scrape_once(data, size, &out);
	if (promcheck(out.data, out.len, err, sizeof err))
		die(err, out.data);
	check_semantics(r, &out);
	check_openmetrics(&out);
	if (scrape_once(data, size, &again) != r || again.len != out.len ||
	    memcmp(again.data, out.data, out.len) != 0)
		die("a second parse+render of the same input differs", again.data);
	return 0;
}
