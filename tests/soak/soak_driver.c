/* soak_driver: concurrent scrapers for the soak test (tests/soak/soak.py).
 *
 *   soak_driver URL THREADS TOTAL DEADLINE_S EXPECT [REJECT]
 *
 * THREADS threads share TOTAL GET requests of URL (127.0.0.1 only).  A
 * scrape passes when the answer is HTTP 200 and its body contains EXPECT
 * and not REJECT (C escapes \n in both are decoded).  Each thread keeps
 * its connection alive but reconnects every 10th request, so both reused
 * and fresh connections are exercised and no connection holds a server
 * thread for the whole run.  Stops at DEADLINE_S (then the remaining
 * scrapes count as failed).  Prints one summary line and up to 5 failure
 * descriptions; exit 0 only when every scrape passed. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"

#define RECONNECT_EVERY 10
#define MAX_REPORTS 5

static const char *url, *expect, *reject;
static long total, deadline_s;
static double t_end;
static atomic_long next_req, ok_count, fail_count, reports;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Decode "\n" in place (the only escape a shell argument needs here). */
static char *unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return s;
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	buf_t *b = ud;
	buf_put(b, p, size * n);
	return b->oom ? 0 : size * n;
}

static void report(long i, const char *what, const char *detail)
{
	if (atomic_fetch_add(&reports, 1) < MAX_REPORTS)
		fprintf(stderr, "scrape %ld failed: %s %s\n", i, what, detail);
}

/* One scrape; 0 when it passed. */
static int scrape(CURL *h, buf_t *body, long i)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = 0;
	buf_reset(body);
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, (i % RECONNECT_EVERY) == 0 ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		report(i, curl_easy_strerror(rc), errbuf);
		return -1;
	}
	if (status != 200) {
		char s[32];
		snprintf(s, sizeof s, "%ld", status);
		report(i, "HTTP status", s);
		return -1;
	}
	const char *text = buf_str(body);
	if (!strstr(text, expect)) {
		report(i, "body lacks", expect);
		return -1;
	}
	if (reject && strstr(text, reject)) {
		report(i, "body contains", reject);
		return -1;
	}
	return 0;
}

static void *worker(void *arg)
{
	(void)arg;
	buf_t body;
	buf_init(&body);
	CURL *h = curl_easy_init();
	if (!h) {
		fprintf(stderr, "curl_easy_init failed\n");
		atomic_fetch_add(&fail_count, 1);
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, deadline_s);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	for (;;) {
		long i = atomic_fetch_add(&next_req, 1);
		if (i >= total || now() > t_end)
			break;
		atomic_fetch_add(scrape(h, &body, i) ? &fail_count : &ok_count, 1);
	}
	curl_easy_cleanup(h);
	buf_free(&body);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: soak_driver URL THREADS TOTAL DEADLINE_S EXPECT [REJECT]\n");
		return 2;
	}
	url = argv[1];
	long nthreads = strtol(argv[2], NULL, 10);
	total = strtol(argv[3], NULL, 10);
	deadline_s = strtol(argv[4], NULL, 10);
	expect = unescape(argv[5]);
	reject = argc == 7 ? unescape(argv[6]) : NULL;
	if (nthreads < 1 || nthreads > 1000 || total < 1 || deadline_s < 1 ||
	    strncmp(url, "http://127.0.0.1:", 17) != 0) {
		fprintf(stderr, "soak_driver: bad arguments (URL must be http://127.0.0.1:...)\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_t *th = calloc((size_t)nthreads, sizeof *th);
	if (!th)
		return 2;
	double t0 = now();
	t_end = t0 + (double)deadline_s;
	long started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&th[started], NULL, worker, NULL))
			break;
	for (long i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	curl_global_cleanup();
	long ok = atomic_load(&ok_count), failed = atomic_load(&fail_count);
	long missing = total - ok - failed;
	printf("soak_driver: %ld threads, %ld scrapes: %ld ok, %ld failed, %ld not done (%.1fs)\n",
	       started, total, ok, failed, missing, now() - t0);
	return (started == nthreads && failed == 0 && missing == 0) ? 0 : 1;
}
