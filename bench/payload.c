/* payload: Locust-shaped benchmark documents (see payload.h). */
#include "payload.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
	uint64_t s;
} rng_t;

static uint64_t rnd(rng_t *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

/* Uniform in [0,1). */
static double unit(rng_t *r)
{
	return (double)(rnd(r) >> 11) / 9007199254740992.0;
}

/* A float the way Python's repr prints it: shortest round-trip text, and
 * a trailing ".0" on integral values. */
static void pyfloat(buf_t *out, double v)
{
	char tmp[40];
	if (v == (double)(long long)v && v < 1e16) {
		buf_printf(out, "%.1f", v);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	buf_puts(out, tmp);
}

static void key(buf_t *out, int indent, const char *k)
{
	buf_printf(out, "%*s\"%s\": ", indent, "", k);
}

static void kfloat(buf_t *out, int indent, const char *k, double v, int last)
{
	key(out, indent, k);
	pyfloat(out, v);
	buf_puts(out, last ? "\n" : ",\n");
}

static void kint(buf_t *out, int indent, const char *k, long long v, int last)
{
	key(out, indent, k);
	buf_printf(out, "%lld%s", v, last ? "\n" : ",\n");
}

static void kstr(buf_t *out, int indent, const char *k, const char *v, int last)
{
	key(out, indent, k);
	buf_printf(out, "\"%s\"%s", v, last ? "\n" : ",\n");
}

static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "GET", "GET"};

/* Endpoint names: mostly plain paths, some with query strings, and every
 * 97th with characters the exposition format must escape (already
 * JSON-escaped here). */
static void endpoint_name(char *dst, size_t cap, size_t i)
{
	if (i % 97 == 13)
		snprintf(dst, cap, "/search?q=\\\"caf\\u00e9\\\"\\\\%zu", i);
	else if (i % 5 == 1)
		snprintf(dst, cap, "/products/%zu?page=2", i);
	else
		snprintf(dst, cap, "/customers/%zu/orders", i);
}

static void stat_entry(buf_t *out, rng_t *r, const char *method, const char *name, long long reqs, int last)
{
	long long fails = (long long)(reqs * unit(r) * 0.05);
	double mn = 1 + (double)(rnd(r) % 20);
	double med = mn + (double)(rnd(r) % 200);
	double mx = med * 3 + (double)(rnd(r) % 1000);
	double avg = reqs ? (med * reqs + unit(r) * reqs * 17.0) / (double)reqs : 0;
	buf_puts(out, "    {\n");
	kfloat(out, 6, "avg_content_length", (double)(rnd(r) % 40000) + (rnd(r) % 4 ? 0 : unit(r)), 0);
	kfloat(out, 6, "avg_response_time", avg, 0);
	kfloat(out, 6, "current_fail_per_sec", (double)(rnd(r) % 30) / 10, 0);
	kfloat(out, 6, "current_rps", (double)(rnd(r) % 3000) / 10, 0);
	kfloat(out, 6, "max_response_time", mx, 0);
	kint(out, 6, "median_response_time", (long long)med, 0);
	kstr(out, 6, "method", method, 0);
	kfloat(out, 6, "min_response_time", mn, 0);
	kstr(out, 6, "name", name, 0);
	kint(out, 6, "num_failures", fails, 0);
	kint(out, 6, "num_requests", reqs, 0);
	kint(out, 6, "response_time_percentile_0.95", (long long)(med * 2), 0);
	kint(out, 6, "response_time_percentile_0.99", (long long)(med * 2.6), 0);
	kfloat(out, 6, "total_fail_per_sec", (double)fails / 600.0, 0);
	kfloat(out, 6, "total_rps", (double)reqs / 600.0, 1);
	buf_puts(out, last ? "    }\n" : "    },\n");
}

static void errors(buf_t *out, rng_t *r, size_t n)
{
	size_t ne = n / 20 + 1;
	if (ne > 100)
		ne = 100;
	buf_puts(out, "  \"errors\": [\n");
	for (size_t i = 0; i < ne; i++) {
		char name[128];
		endpoint_name(name, sizeof name, i * 7 % (n ? n : 1));
		buf_puts(out, "    {\n");
		buf_printf(out, "      \"error\": \"HTTPError('500 Server Error: INTERNAL SERVER ERROR for url: %s')\",\n",
			   name);
		kfloat(out, 6, "first_seen", 1795660987.540488 + (double)i, 0);
		kfloat(out, 6, "last_seen", 1795661008.6905878 + (double)i, 0);
		kstr(out, 6, "method", methods[(i * 7) % 6], 0);
		kstr(out, 6, "name", name, 0);
		kint(out, 6, "occurrences", (long long)(1 + rnd(r) % 5000), 1);
		buf_puts(out, i + 1 < ne ? "    },\n" : "    }\n");
	}
	buf_puts(out, "  ],\n");
}

static void workers(buf_t *out)
{
	buf_puts(out, "  \"worker_count\": 2,\n  \"workers\": [\n");
	for (int i = 0; i < 2; i++) {
		buf_puts(out, "    {\n");
		kfloat(out, 6, "cpu_usage", 37.5 + i, 0);
		buf_printf(out, "      \"id\": \"bench-worker-%d_be3b780563664c408d8ca0c58130249%d\",\n", i, i);
		kint(out, 6, "memory_usage", 59248640 + i * 4096, 0);
		kstr(out, 6, "state", "running", 0);
		kint(out, 6, "user_count", 500, 1);
		buf_puts(out, i ? "    }\n" : "    },\n");
	}
	buf_puts(out, "  ]\n");
}

void payload_generate(buf_t *out, size_t n)
{
	rng_t r = {0x9e3779b97f4a7c15ull ^ n};
	long long total = 0;
	buf_puts(out, "{\n");
	kfloat(out, 2, "current_fail_per_sec", 2.2, 0);
	buf_puts(out, "  \"current_response_time_percentiles\": {\n"
		      "    \"response_time_percentile_0.5\": 3,\n"
		      "    \"response_time_percentile_0.95\": 5\n  },\n");
	kfloat(out, 2, "current_rps", 1234.5, 0);
	errors(out, &r, n);
	kfloat(out, 2, "fail_ratio", 0.030405405405405406, 0);
	kstr(out, 2, "state", "running", 0);
	buf_puts(out, "  \"stats\": [\n");
	for (size_t i = 0; i < n; i++) {
		char name[128];
		long long reqs = (long long)(rnd(&r) % 100000);
		endpoint_name(name, sizeof name, i);
		total += reqs;
		stat_entry(out, &r, methods[i % 6], name, reqs, 0);
	}
	stat_entry(out, &r, "", "Aggregated", total, 1);
	buf_puts(out, "  ],\n");
	kfloat(out, 2, "total_fail_per_sec", 20.304402171911184, 0);
	kfloat(out, 2, "total_rps", 1166.677892269873011, 0);
	kint(out, 2, "user_count", 1000, 0);
	workers(out);
	buf_puts(out, "}\n");
}
