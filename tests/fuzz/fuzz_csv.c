/* fuzz_csv: libFuzzer harness over the headless-Locust CSV source:
 * input -> PREFIX_stats.csv [+ PREFIX_failures.csv] -> csvsource_load ->
 * collector_render (both sets) -> promcheck, with the same checks as
 * fuzz_scrape (valid text, locust_up agrees, no per-request series when
 * down).  The input is split at the first "\n---\n": stats file before,
 * failures file after (no failures file when there is no separator).
 * The files live in $FUZZ_CSV_DIR, else in a temporary directory. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "collector.h"
#include "csvsource.h"
#include "promcheck.h"
#include "stats.h"

static snapshot_t snap;
static collector_t col;
static csvsource_t cs;
static buf_t out, detail;
static char dir[256], prefix[300], stats_path[320], failures_path[320];

static const collector_opts_t opts = {"locust", 1, 1, 0, "0.0.0-fuzz", "fuzz"};

static void die(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_csv: %s\n--- rendered output ---\n%s\n--- end ---\n", what, text);
	abort();
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		die("cannot write the input files", path);
}

static void rmdir_all(void)
{
	unlink(stats_path);
	unlink(failures_path);
	rmdir(dir);
}

/* $FUZZ_CSV_DIR (run.sh: $O/fuzz/csv-files, kept) or a fresh directory
 * in /tmp, removed at exit. */
static void make_dir(void)
{
	const char *fixed = getenv("FUZZ_CSV_DIR");
	if (fixed && *fixed) {
		snprintf(dir, sizeof dir, "%s", fixed);
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			die("cannot create $FUZZ_CSV_DIR", dir);
		return;
	}
	snprintf(dir, sizeof dir, "/tmp/fuzz_csv.XXXXXX");
	if (!mkdtemp(dir))
		die("mkdtemp failed", dir);
	atexit(rmdir_all);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	make_dir();
	snprintf(prefix, sizeof prefix, "%s/run", dir);
	snprintf(stats_path, sizeof stats_path, "%s_stats.csv", prefix);
	snprintf(failures_path, sizeof failures_path, "%s_failures.csv", prefix);
	snapshot_init(&snap);
	collector_init(&col);
	csvsource_init(&cs);
	buf_init(&out);
	buf_init(&detail);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n---\n";
	const uint8_t *cut = memmem(data, size, sep, sizeof sep - 1);
	size_t n1 = cut ? (size_t)(cut - data) : size;
	write_file(stats_path, data, n1);
	unlink(failures_path);
	if (cut)
		write_file(failures_path, cut + sizeof sep - 1, size - n1 - (sizeof sep - 1));

	selfstats_t self;
	char err[512];
	memset(&self, 0, sizeof self);
	buf_reset(&detail);
	buf_reset(&out);
	reason_t r = csvsource_load(&cs, prefix, 3600, 1 << 20, &snap, &detail);
	self.scrapes = 1;
	self.errors[r] = 1;
	collector_render(&col, &out, &opts, r == RS_OK ? &snap : NULL, &self);
	if (out.oom)
		die("out of memory while rendering", "");
	if (promcheck(out.data, out.len, err, sizeof err))
		die(err, out.data);
	if (!strstr(out.data, r == RS_OK ? "\nlocust_up 1\n" : "\nlocust_up 0\n"))
		die("locust_up disagrees with the load result", out.data);
	if (r != RS_OK && strstr(out.data, "\nlocust_requests_total"))
		die("failed load still shows per-request series", out.data);
	return 0;
}
