/* config: flags and environment (see config.h).  One table row per flag:
 * its name, its environment variable, its parser and where it goes. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpd.h"
#include "log.h"
#include "scenario.h"

struct flag;
typedef int (*parse_fn)(const struct flag *f, const char *s, void *dst);

/* One row per flag: name, environment variable, parser, destination,
 * accepted range (numbers) and help. */
struct flag {
	const char *name;
	const char *env;
	parse_fn parse;
	size_t off;
	double min, max;
	const char *expect;  /* for the error line */
	const char *help;
};

static int p_string(const struct flag *f, const char *s, void *dst)
{
	(void)f;
	*(const char **)dst = s;
	return 0;
}

static int p_listen(const struct flag *f, const char *s, void *dst)
{
	buf_t spec, why;
	buf_init(&spec);
	buf_init(&why);
	int rc = httpd_listen_spec(s, 0, &spec, &why);
	buf_free(&spec);
	buf_free(&why);
	return rc ? -1 : p_string(f, s, dst);
}

static int p_long(const struct flag *f, const char *s, void *dst)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < f->min || v > f->max)
		return -1;
	*(long *)dst = v;
	return 0;
}

static int p_double(const struct flag *f, const char *s, void *dst)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < f->min || v > f->max)
		return -1;
	*(double *)dst = v;
	return 0;
}

static int p_seed(const struct flag *f, const char *s, void *dst)
{
	(void)f;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		return -1;
	demo_seed_t *seed = dst;
	seed->value = v;
	seed->set = 1;
	return 0;
}

/* Bytes with an optional K, M or G (binary) suffix, "B"/"iB" allowed. */
static int p_size(const struct flag *f, const char *s, void *dst)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M')
		shift = 20;
	else if (*end == 'G')
		shift = 30;
	if (shift)
		end++;
	if (shift && *end == 'i')
		end++;
	if (*end == 'B')
		end++;
	if (errno || end == s || *end || *s == '-' ||
	    (double)v * (double)(1ULL << shift) > f->max)
		return -1;
	*(size_t *)dst = (size_t)(v << shift);
	return 0;
}

static int p_scenarios(const struct flag *f, const char *s, void *dst)
{
	(void)f;
	buf_t ignored;
	buf_init(&ignored);
	int rc = scenario_parse_list(s, dst, &ignored);
	buf_free(&ignored);
	return rc;
}

static int p_level(const struct flag *f, const char *s, void *dst)
{
	(void)f;
	int l = log_parse_level(s);
	if (l < 0)
		return -1;
	*(int *)dst = l;
	return 0;
}

/* on/off, true/false, yes/no or 1/0, any case. */
static int p_bool(const struct flag *f, const char *s, void *dst)
{
	(void)f;
	static const char *const on[] = {"1", "on", "true", "yes"};
	static const char *const off[] = {"0", "off", "false", "no"};
	for (size_t i = 0; i < sizeof on / sizeof on[0]; i++) {
		if (strcasecmp(s, on[i]) == 0 || strcasecmp(s, off[i]) == 0) {
			*(int *)dst = strcasecmp(s, on[i]) == 0;
			return 0;
		}
	}
	return -1;
}

#define F(field) offsetof(demo_config_t, field)
static const struct flag flags[] = {
	{"listen", "DEMO_APP_LISTEN", p_listen, F(listen), 0, 0, "[HOST]:PORT with an IPv4 host and PORT 0-65535", "ADDR:PORT to serve on (default 0.0.0.0:5000)"},
	{"threads", "DEMO_APP_THREADS", p_long, F(threads), 1, 20000, "an integer 1-20000", "HTTP worker threads, 1-20000 (default 1100)"},
	{"scenario", "DEMO_APP_SCENARIOS", p_scenarios, F(scenarios), 0, 0, "a comma-separated list of latency_spikes, memory_leak, slow_db, poor_cache, pool_exhaustion", "NAME[,NAME...] switched on at start (default none)"},
	{"seed", "DEMO_APP_SEED", p_seed, F(seed), 0, 0, "an unsigned integer", "unsigned seed for reproducible delays (default: time-based)"},
	{"db", "DEMO_APP_DB", p_string, F(db), 0, 0, "a path", "SQLite file (default: a temporary file, removed at exit)"},
	{"spike-ratio", "DEMO_APP_SPIKE_RATIO", p_double, F(spike_ratio), 0, 1, "a number 0-1", "fraction of requests latency_spikes delays, 0-1 (default 0.02)"},
	{"leak-cap", "DEMO_APP_LEAK_CAP", p_size, F(leak_cap), 0, 1ULL << 40, "a size in bytes up to 1TiB, e.g. 256MiB", "memory_leak stops retaining at this size (default 256MiB)"},
	{"leak-bytes", "DEMO_APP_LEAK_BYTES", p_size, F(leak_bytes), 0, 1ULL << 30, "a size in bytes up to 1GiB, e.g. 64KiB", "bytes retained per request by memory_leak (default 64KiB)"},
	{"pool-size", "DEMO_APP_POOL_SIZE", p_long, F(pool_size), 1, 100000, "an integer 1-100000", "backend pool size with pool_exhaustion on (default 4)"},
	{"pool-timeout", "DEMO_APP_POOL_TIMEOUT", p_double, F(pool_timeout), 0.001, 3600, "seconds, 0.001-3600", "seconds a request waits for the pool before 503 (default 1)"},
	{"cache-size", "DEMO_APP_CACHE_SIZE", p_long, F(cache_size), 1, 1000, "an integer 1-1000", "/products cache entries with poor_cache on, 1-1000 (default 10)"},
	{"log-level", "DEMO_APP_LOG_LEVEL", p_level, F(log_level), 0, 0, "debug, info, warn or error", "debug, info, warn or error (default info)"},
	{"keep-alive", "DEMO_APP_KEEP_ALIVE", p_bool, F(keep_alive), 0, 0, "on/off, true/false, yes/no or 1/0", "reuse connections, 5 s idle timeout; alone or =on|off (default off, as Flask's dev server)"},
};
#define NFLAGS (sizeof flags / sizeof flags[0])

void config_defaults(demo_config_t *c)
{
	memset(c, 0, sizeof *c);
	c->listen = "0.0.0.0:5000";
	c->threads = 1100;
	c->spike_ratio = 0.02;
	c->leak_cap = 256u << 20;
	c->leak_bytes = 64u << 10;
	c->pool_size = 4;
	c->pool_timeout = 1.0;
	c->cache_size = 10;
	c->log_level = LOG_INFO;
}

static int apply(demo_config_t *c, const struct flag *f, const char *v,
		 const char *origin, buf_t *err)
{
	if (f->parse(f, v, (char *)c + f->off) == 0)
		return 0;
	buf_printf(err, "%s: invalid value \"%s\" (expected %s)", origin, v, f->expect);
	return -1;
}

static const struct flag *find(const char *name, size_t len)
{
	for (size_t i = 0; i < NFLAGS; i++)
		if (strlen(flags[i].name) == len &&
		    memcmp(flags[i].name, name, len) == 0)
			return &flags[i];
	return NULL;
}

static int parse_env(demo_config_t *c, buf_t *err)
{
	for (size_t i = 0; i < NFLAGS; i++) {
		const char *v = getenv(flags[i].env);
		if (v && apply(c, &flags[i], v, flags[i].env, err))
			return -1;
	}
	return 0;
}

int config_parse(demo_config_t *c, int argc, char **argv, buf_t *err)
{
	if (parse_env(c, err))
		return -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			c->help = 1;
			return 1;
		}
		if (!strcmp(a, "--version")) {
			c->version = 1;
			return 1;
		}
		const char *name = a + 2;
		if (strncmp(a, "--", 2) != 0 || !*name) {
			buf_printf(err, "unexpected argument \"%s\" (see --help)", a);
			return -1;
		}
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct flag *f = find(name, len);
		if (!f) {
			buf_printf(err, "unknown flag --%.*s (see --help)", (int)len, name);
			return -1;
		}
		/* a yes/no flag alone means on; its value only after '=' */
		const char *v = eq ? eq + 1 : f->parse == p_bool ? "on" :
			(i + 1 < argc ? argv[++i] : NULL);
		if (!v) {
			buf_printf(err, "flag --%s needs a value", f->name);
			return -1;
		}
		buf_t origin;
		buf_init(&origin);
		buf_printf(&origin, "--%s", f->name);
		int rc = apply(c, f, v, buf_str(&origin), err);
		buf_free(&origin);
		if (rc)
			return -1;
	}
	return 0;
}

void config_usage(FILE *out)
{
	fputs("usage: demo-app [--flag=value | --flag value]...\n"
	      "The demo target for Locust: / /about /products /contact /orders,\n"
	      "/metrics, /healthz and the scenario switches at /admin/scenarios.\n\n",
	      out);
	for (size_t i = 0; i < NFLAGS; i++)
		fprintf(out, "  --%-14s %s\n  %-16s env %s\n", flags[i].name,
			flags[i].help, "", flags[i].env);
	fputs("  --help           this text\n  --version        print the version\n\n"
	      "Scenarios: latency_spikes, memory_leak, slow_db, poor_cache, pool_exhaustion.\n",
	      out);
}
