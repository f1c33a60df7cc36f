/* driver: the benchmark's HTTP client (libcurl, one keep-alive connection).
 *
 *   bench-driver URL [--gzip] [--fresh] [--pid PID] [--min N] [--max N]
 *                    [--seconds S] [--expect TEXT]
 *
 * GETs URL sequentially (3 warm-up requests first, not counted) until at
 * least --min requests and --seconds have passed, or --max requests.  With
 * --gzip it sends Accept-Encoding: gzip and counts the compressed bytes
 * (it does not inflate them).  With --fresh every request opens a new
 * connection (what Prometheus does when the server closed the idle one
 * between scrapes).  With --pid it reads that process's
 * utime+stime from /proc/PID/stat before and after and its RSS after.
 * Prints one line of key=value figures; exits 1 if a request fails, an
 * answer is not 200, or the first plain answer lacks --expect. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

typedef struct {
	const char *url, *expect;
	int gzip, fresh, pid;
	long min, max;
	double seconds;
} opts_t;

typedef struct {
	size_t bytes;
	buf_t keep; /* body of the current answer, only while checking */
	int keeping;
} sink_t;

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	sink_t *s = ud;
	s->bytes += size * n;
	if (s->keeping)
		buf_put(&s->keep, p, size * n);
	return size * n;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* utime + stime of pid in milliseconds, -1 if unreadable. */
static double cpu_ms(int pid)
{
	char path[64], line[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(line, 1, sizeof line - 1, f);
	fclose(f);
	line[n] = '\0';
	char *p = strrchr(line, ')');
	unsigned long long ut, st;
	/* fields after comm: state(3) ... utime(14) stime(15) */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* A "Key:   123 kB" line of /proc/PID/status, in KiB; -1 if absent. */
static long status_kb(int pid, const char *key)
{
	char path[64], line[256];
	long v = -1;
	size_t kl = strlen(key);
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':')
			v = strtol(line + kl + 1, NULL, 10);
	fclose(f);
	return v;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int parse_args(opts_t *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	o->min = 500;
	o->max = 100000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--gzip") == 0)
			o->gzip = 1;
		else if (strcmp(a, "--fresh") == 0)
			o->fresh = 1;
		else if (strcmp(a, "--pid") == 0 && v)
			o->pid = atoi(argv[++i]);
		else if (strcmp(a, "--min") == 0 && v)
			o->min = atol(argv[++i]);
		else if (strcmp(a, "--max") == 0 && v)
			o->max = atol(argv[++i]);
		else if (strcmp(a, "--seconds") == 0 && v)
			o->seconds = atof(argv[++i]);
		else if (strcmp(a, "--expect") == 0 && v)
			o->expect = argv[++i];
		else if (a[0] != '-' && !o->url)
			o->url = a;
		else
			return -1;
	}
	return o->url && o->min > 0 && o->max >= o->min ? 0 : -1;
}

/* One GET; its latency in ms, or -1 on failure. */
static double get(CURL *h)
{
	long status = 0;
	double t0 = now_ms();
	CURLcode rc = curl_easy_perform(h);
	double dt = now_ms() - t0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK || status != 200) {
		fprintf(stderr, "bench-driver: GET failed: %s, HTTP %ld\n", curl_easy_strerror(rc), status);
		return -1;
	}
	return dt;
}

static int run(const opts_t *o, CURL *h, sink_t *s, double *lat, long *count, double *cpu)
{
	s->keeping = o->expect && !o->gzip;
	for (int i = 0; i < 3; i++) {
		if (get(h) < 0)
			return -1;
		if (s->keeping && (s->keep.oom || !memmem(s->keep.data, s->keep.len, o->expect, strlen(o->expect)))) {
			fprintf(stderr, "bench-driver: answer lacks \"%s\"\n", o->expect);
			return -1;
		}
		s->keeping = 0;
	}
	double c0 = o->pid ? cpu_ms(o->pid) : 0, t0 = now_ms();
	long n = 0, hdr = 0;
	s->bytes = 0;
	while (n < o->max && (n < o->min || now_ms() - t0 < o->seconds * 1e3)) {
		if ((lat[n] = get(h)) < 0)
			return -1;
		n++;
	}
	curl_easy_getinfo(h, CURLINFO_HEADER_SIZE, &hdr);
	*cpu = o->pid ? (cpu_ms(o->pid) - c0) / (double)n : -1;
	*count = n;
	s->bytes = s->bytes / (size_t)n + (size_t)hdr;
	return 0;
}

int main(int argc, char **argv)
{
	opts_t o;
	if (parse_args(&o, argc, argv)) {
		fputs("usage: bench-driver URL [--gzip] [--fresh] [--pid PID] [--min N] [--max N] [--seconds S] [--expect TEXT]\n",
		      stderr);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *h = curl_easy_init();
	struct curl_slist *hd = o.gzip ? curl_slist_append(NULL, "Accept-Encoding: gzip") : NULL;
	double *lat = malloc((size_t)o.max * sizeof *lat);
	sink_t s = {0};
	buf_init(&s.keep);
	if (!h || !lat || (o.gzip && !hd)) {
		fputs("bench-driver: out of memory\n", stderr);
		return 1;
	}
	curl_easy_setopt(h, CURLOPT_URL, o.url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, (long)o.fresh);
	if (hd)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	long n = 0;
	double cpu = -1;
	int rc = run(&o, h, &s, lat, &n, &cpu);
	if (rc == 0) {
		qsort(lat, (size_t)n, sizeof *lat, cmp_d);
		double sum = 0;
		for (long i = 0; i < n; i++)
			sum += lat[i];
		long p99 = (long)((double)n * 0.99);
		printf("scrapes=%ld median_ms=%.3f p99_ms=%.3f mean_ms=%.3f bytes=%zu cpu_ms=%.4f rss_kb=%ld hwm_kb=%ld\n",
		       n, lat[n / 2], lat[p99 < n ? p99 : n - 1], sum / (double)n, s.bytes, cpu,
		       o.pid ? status_kb(o.pid, "VmRSS") : -1, o.pid ? status_kb(o.pid, "VmHWM") : -1);
	}
	free(lat);
	buf_free(&s.keep);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return rc ? 1 : 0;
}
