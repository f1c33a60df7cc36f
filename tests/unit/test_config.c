/* test_config: flags and environment (exporter/config.c): defaults, every
 * flag in both --flag=value and --flag value forms, env vars and
 * flag-over-env precedence, Go durations, sizes, headers, and one-line
 * errors for bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "log.h"

extern char **environ;

/* Remove every LOCUST_* variable so the tests see only what they set. */
static int clean_env(void **st)
{
	(void)st;
	for (int again = 1; again;) {
		again = 0;
		for (char **e = environ; *e; e++) {
			if (strncmp(*e, "LOCUST_", 7) == 0) {
				char name[256];
				size_t n = strcspn(*e, "=");
				snprintf(name, sizeof name, "%.*s", (int)n, *e);
				unsetenv(name);
				again = 1;
				break;
			}
		}
	}
	return 0;
}

typedef struct {
	config_t cfg;
	buf_t out, err;
	int rc;
} run_t;

/* Parse argv (NULL-terminated, without argv[0]). */
static run_t *parse(const char *first, ...)
{
	static run_t r;
	char *argv[64];
	int argc = 0;
	va_list ap;
	argv[argc++] = "locust_exporter";
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	buf_init(&r.out);
	buf_init(&r.err);
	r.rc = config_parse(&r.cfg, argc, argv, &r.out, &r.err);
	return &r;
}

static void done(run_t *r)
{
	config_free(&r->cfg);
	buf_free(&r->out);
	buf_free(&r->err);
}

/* A bad command line: CONFIG_ERROR and exactly one line of message. */
static void expect_error(run_t *r, const char *needle)
{
	if (r->rc != CONFIG_ERROR)
		fail_msg("expected CONFIG_ERROR for '%s', got %d", needle, r->rc);
	const char *m = buf_str(&r->err);
	assert_true(strlen(m) > 10);
	assert_null(strchr(m, '\n'));
	if (needle && !strstr(m, needle))
		fail_msg("error '%s' does not mention '%s'", m, needle);
	done(r);
}

static void test_defaults(void **st)
{
	(void)st;
	run_t *r = parse(NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_string_equal(r->cfg.uri, "http://localhost:8089");
	assert_int_equal(r->cfg.timeout_ms, 5000);
	assert_string_equal(r->cfg.listen, ":9646");
	assert_string_equal(r->cfg.telemetry_path, "/metrics");
	assert_string_equal(r->cfg.ns, "locust");
	assert_int_equal(r->cfg.log_level, LOG_INFO);
	assert_int_equal(r->cfg.log_json, 0);
	assert_int_equal(r->cfg.compat, 1);
	assert_int_equal(r->cfg.native, 1);
	assert_int_equal(r->cfg.max_body, 8 * 1024 * 1024);
	assert_int_equal(r->cfg.max_decoded, 24 * 1024 * 1024);
	assert_int_equal(r->cfg.max_rows, 10000);
	assert_int_equal(r->cfg.max_text, 16 * 1024 * 1024);
	assert_int_equal(r->cfg.threads, 136);
	assert_int_equal(r->cfg.request_timeout_ms, 0); /* server.c: 500ms, 2s with TLS */
	assert_null(r->cfg.allowed_networks);
	assert_int_equal(r->cfg.disable_exit, 0);
	assert_int_equal(r->cfg.insecure, 0);
	assert_null(r->cfg.user);
	assert_null(r->cfg.password);
	assert_null(r->cfg.ca_file);
	assert_int_equal(r->cfg.nheaders, 0);
	done(r);
}

/* Every string-valued flag, in both syntaxes. */
static void test_every_flag_both_forms(void **st)
{
	(void)st;
	for (int form = 0; form < 2; form++) {
		run_t *r;
		if (form == 0)
			r = parse("--locust.uri=https://locust:8443/base", "--locust.timeout=1m30s",
				  "--web.listen-address=127.0.0.1:9999", "--web.telemetry-path=/m",
				  "--locust.namespace=lt", "--log.level=debug", "--log.format=json",
				  "--locust.user=u", "--locust.ca-file=/ca.pem", "--locust.cert-file=/c.pem",
				  "--locust.key-file=/k.pem", "--locust.insecure-skip-verify=true",
				  "--locust.header=X-A: 1", "--locust.max-response-size=2MiB",
				  "--collector.compat=false", "--web.disable-exit=true", "--web.max-threads=7",
				  "--probe.allowed-targets=^http://x:1$", NULL);
		else
			r = parse("--locust.uri", "https://locust:8443/base", "--locust.timeout", "1m30s",
				  "--web.listen-address", "127.0.0.1:9999", "--web.telemetry-path", "/m",
				  "--locust.namespace", "lt", "--log.level", "debug", "--log.format", "json",
				  "--locust.user", "u", "--locust.ca-file", "/ca.pem", "--locust.cert-file", "/c.pem",
				  "--locust.key-file", "/k.pem", "--locust.insecure-skip-verify",
				  "--locust.header", "X-A: 1", "--locust.max-response-size", "2MiB",
				  "--no-collector.compat", "--web.disable-exit", "--web.max-threads", "7",
				  "--probe.allowed-targets", "^http://x:1$", NULL);
		if (r->rc != CONFIG_OK)
			fail_msg("form %d: %s", form, buf_str(&r->err));
		assert_string_equal(r->cfg.uri, "https://locust:8443/base");
		assert_int_equal(r->cfg.timeout_ms, 90000);
		assert_string_equal(r->cfg.listen, "127.0.0.1:9999");
		assert_string_equal(r->cfg.telemetry_path, "/m");
		assert_string_equal(r->cfg.ns, "lt");
		assert_int_equal(r->cfg.log_level, LOG_DEBUG);
		assert_int_equal(r->cfg.log_json, 1);
		assert_string_equal(r->cfg.user, "u");
		assert_string_equal(r->cfg.ca_file, "/ca.pem");
		assert_string_equal(r->cfg.cert_file, "/c.pem");
		assert_string_equal(r->cfg.key_file, "/k.pem");
		assert_int_equal(r->cfg.insecure, 1);
		assert_int_equal(r->cfg.nheaders, 1);
		assert_string_equal(r->cfg.headers[0], "X-A: 1");
		assert_int_equal(r->cfg.max_body, 2 * 1024 * 1024);
		assert_int_equal(r->cfg.compat, 0);
		assert_int_equal(r->cfg.native, 1);
		assert_int_equal(r->cfg.disable_exit, 1);
		assert_int_equal(r->cfg.threads, 7);
		assert_string_equal(r->cfg.probe_allowed, "^http://x:1$");
		done(r);
	}
}

static void test_env_and_precedence(void **st)
{
	(void)st;
	setenv("LOCUST_EXPORTER_URI", "http://env:1", 1);
	setenv("LOCUST_EXPORTER_TIMEOUT", "250ms", 1);
	setenv("LOCUST_EXPORTER_WEB_LISTEN_ADDRESS", ":1234", 1);
	setenv("LOCUST_EXPORTER_WEB_TELEMETRY_PATH", "/envmetrics", 1);
	setenv("LOCUST_METRIC_NAMESPACE", "envns", 1);
	setenv("LOCUST_EXPORTER_LOG_LEVEL", "warn", 1);
	setenv("LOCUST_EXPORTER_COLLECTOR_NATIVE", "false", 1);
	setenv("LOCUST_EXPORTER_MAX_RESPONSE_SIZE", "512KiB", 1);
	run_t *r = parse(NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_string_equal(r->cfg.uri, "http://env:1");
	assert_int_equal(r->cfg.timeout_ms, 250);
	assert_string_equal(r->cfg.listen, ":1234");
	assert_string_equal(r->cfg.telemetry_path, "/envmetrics");
	assert_string_equal(r->cfg.ns, "envns");
	assert_int_equal(r->cfg.log_level, LOG_WARN);
	assert_int_equal(r->cfg.native, 0);
	assert_int_equal(r->cfg.max_body, 512 * 1024);
	done(r);

	/* A flag wins over its env var, in both forms. */
	r = parse("--locust.uri=http://flag:2", "--locust.timeout", "2s", "--web.listen-address=:4321",
		  "--locust.namespace", "flagns", "--collector.native", "--log.level=error", NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_string_equal(r->cfg.uri, "http://flag:2");
	assert_int_equal(r->cfg.timeout_ms, 2000);
	assert_string_equal(r->cfg.listen, ":4321");
	assert_string_equal(r->cfg.ns, "flagns");
	assert_int_equal(r->cfg.native, 1);
	assert_int_equal(r->cfg.log_level, LOG_ERROR);
	assert_string_equal(r->cfg.telemetry_path, "/envmetrics"); /* not overridden */
	done(r);

	/* A bad env value is an error that names the variable. */
	setenv("LOCUST_EXPORTER_TIMEOUT", "soon", 1);
	expect_error(parse(NULL), "LOCUST_EXPORTER_TIMEOUT");
	clean_env(NULL);
}

static void test_durations(void **st)
{
	(void)st;
	struct { const char *s; long ms; } ok[] = {
		{"5s", 5000}, {"1m30s", 90000}, {"250ms", 250}, {"1.5h", 5400000}, {"1h2m3s4ms", 3723004},
		{"0", 0}, {"500us", 1}, {"2000000ns", 2}, {"0.5s", 500}, {".5s", 500}, {"1m", 60000},
		{"100\xc2\xb5s", 1}, {"3h", 10800000},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		long got = config_parse_duration_ms(ok[i].s);
		if (got != ok[i].ms)
			fail_msg("duration '%s': want %ld, got %ld", ok[i].s, ok[i].ms, got);
	}
	/* Rejected by Go's time.ParseDuration too. */
	const char *bad[] = {"", "5", "s", "-5s", "5x", "5 s", " 5s", "5s ", "1e3s", "0x10s", "1.5.5s",
			     "inf", "nans", "5S", "1d", ".", "ms"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		long got = config_parse_duration_ms(bad[i]);
		if (got != -1)
			fail_msg("duration '%s' should be rejected, got %ld", bad[i], got);
	}
	/* Through the flag: zero is not a usable timeout. */
	expect_error(parse("--locust.timeout=0", NULL), "--locust.timeout");
	expect_error(parse("--locust.timeout", "5", NULL), "invalid duration '5'");
}

static void test_sizes(void **st)
{
	(void)st;
	struct { const char *s; long long v; } ok[] = {
		{"16MiB", 16777216}, {"512KiB", 524288}, {"1048576", 1048576}, {"2MB", 2000000},
		{"1GiB", 1073741824}, {"10KB", 10000}, {"64k", 65536}, {"1M", 1048576}, {"100B", 100},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		assert_int_equal(config_parse_size(ok[i].s), ok[i].v);
	const char *bad[] = {"", "MiB", "-1", "0", "12XB", "1 MiB", "2TiB", "0x10", "1e3"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (config_parse_size(bad[i]) != -1)
			fail_msg("size '%s' should be rejected", bad[i]);
	}
	expect_error(parse("--locust.max-response-size=lots", NULL), "--locust.max-response-size");
	expect_error(parse("--locust.max-decoded-size=0", NULL), "--locust.max-decoded-size");
	expect_error(parse("--web.max-response-size=4KiB", NULL), "--web.max-response-size");
}

/* The limits of a scrape: sizes, and a row count (a whole number from 1). */
static void test_limits(void **st)
{
	(void)st;
	run_t *r = parse("--locust.max-decoded-size=64MiB", "--locust.max-rows", "500",
			 "--web.max-response-size=1MiB", NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_int_equal(r->cfg.max_decoded, 64 * 1024 * 1024);
	assert_int_equal(r->cfg.max_rows, 500);
	assert_int_equal(r->cfg.max_text, 1024 * 1024);
	done(r);
	setenv("LOCUST_EXPORTER_MAX_ROWS", "20000", 1);
	setenv("LOCUST_EXPORTER_MAX_DECODED_SIZE", "1MiB", 1);
	setenv("LOCUST_EXPORTER_WEB_MAX_RESPONSE_SIZE", "2MiB", 1);
	r = parse(NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_int_equal(r->cfg.max_rows, 20000);
	assert_int_equal(r->cfg.max_decoded, 1024 * 1024);
	assert_int_equal(r->cfg.max_text, 2 * 1024 * 1024);
	done(r);
	unsetenv("LOCUST_EXPORTER_MAX_ROWS");
	unsetenv("LOCUST_EXPORTER_MAX_DECODED_SIZE");
	unsetenv("LOCUST_EXPORTER_WEB_MAX_RESPONSE_SIZE");
	const char *bad[] = {"0", "-5", "1e4", "10k", "", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_t a;
		buf_init(&a);
		buf_printf(&a, "--locust.max-rows=%s", bad[i]);
		expect_error(parse(buf_str(&a), NULL), "--locust.max-rows");
		buf_free(&a);
	}
}

static void test_booleans(void **st)
{
	(void)st;
	const char *yes[] = {"--collector.compat=true", "--collector.compat=1", "--collector.compat=yes",
			     "--collector.compat=ON", "--collector.compat"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		run_t *r = parse("--no-collector.native", yes[i], NULL);
		assert_int_equal(r->rc, CONFIG_OK);
		assert_int_equal(r->cfg.compat, 1);
		assert_int_equal(r->cfg.native, 0);
		done(r);
	}
	run_t *r = parse("--no-collector.compat", NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_int_equal(r->cfg.compat, 0);
	assert_int_equal(r->cfg.native, 1);
	done(r);
	r = parse("--collector.compat=off", NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_int_equal(r->cfg.compat, 0);
	done(r);
	/* env false, flag true: the flag wins */
	setenv("LOCUST_EXPORTER_COLLECTOR_COMPAT", "false", 1);
	r = parse("--collector.compat", NULL);
	assert_int_equal(r->cfg.compat, 1);
	done(r);
	r = parse(NULL);
	assert_int_equal(r->cfg.compat, 0);
	done(r);
	clean_env(NULL);
	expect_error(parse("--collector.compat=maybe", NULL), "invalid boolean 'maybe'");
	expect_error(parse("--no-collector.compat=false", NULL), "takes no value");
	expect_error(parse("--no-collector.compat", "--no-collector.native", NULL), "nothing to export");
}

static void test_headers(void **st)
{
	(void)st;
	run_t *r = parse("--locust.header=X-A: 1", "--locust.header", "Authorization: Bearer t:k", NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_int_equal(r->cfg.nheaders, 2);
	assert_string_equal(r->cfg.headers[0], "X-A: 1");
	assert_string_equal(r->cfg.headers[1], "Authorization: Bearer t:k");
	done(r);

	setenv("LOCUST_EXPORTER_HEADERS", "X-Env: 1\nX-Env2: 2\n", 1);
	r = parse(NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_int_equal(r->cfg.nheaders, 2);
	assert_string_equal(r->cfg.headers[0], "X-Env: 1");
	assert_string_equal(r->cfg.headers[1], "X-Env2: 2");
	done(r);
	/* Flags replace the env list, as for every other option. */
	r = parse("--locust.header=X-Flag: 3", NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_int_equal(r->cfg.nheaders, 1);
	assert_string_equal(r->cfg.headers[0], "X-Flag: 3");
	done(r);
	clean_env(NULL);

	expect_error(parse("--locust.header=NoColon", NULL), "--locust.header");
	expect_error(parse("--locust.header=: empty name", NULL), "--locust.header");
	expect_error(parse("--locust.header=X: a\r\nInjected: 1", NULL), "--locust.header");
}

static void test_password(void **st)
{
	(void)st;
	char path[] = "/tmp/le_test_pw_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s3cret\n", 7), 7);
	close(fd);
	run_t *r = parse("--locust.user=admin", "--locust.password-file", path, NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_string_equal(r->cfg.password, "s3cret");
	done(r);
	unlink(path);
	expect_error(parse("--locust.user=admin", "--locust.password-file", path, NULL), "cannot read");

	setenv("LOCUST_EXPORTER_PASSWORD", "envpw", 1);
	r = parse("--locust.user=admin", NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_string_equal(r->cfg.password, "envpw");
	done(r);
	expect_error(parse(NULL), "without --locust.user");
	clean_env(NULL);
}

static void test_bad_flags(void **st)
{
	(void)st;
	expect_error(parse("--nope", NULL), "unknown flag '--nope'");
	expect_error(parse("--nope=1", NULL), "unknown flag '--nope'");
	expect_error(parse("--no-locust.uri", NULL), "unknown flag");
	expect_error(parse("positional", NULL), "unexpected argument");
	expect_error(parse("-x", NULL), "unexpected argument");
	expect_error(parse("--locust.uri", NULL), "needs a value");
	expect_error(parse("--locust.uri=ftp://x", NULL), "--locust.uri");
	expect_error(parse("--locust.uri=x\ny", NULL), "--locust.uri"); /* still one line */
	expect_error(parse("--locust.uri=localhost:8089", NULL), "--locust.uri");
	expect_error(parse("--log.level=verbose", NULL), "invalid log level");
	expect_error(parse("--log.format=xml", NULL), "invalid log format");
	expect_error(parse("--locust.namespace=1abc", NULL), "namespace");
	expect_error(parse("--locust.namespace=a-b", NULL), "namespace");
	expect_error(parse("--web.telemetry-path=metrics", NULL), "telemetry-path");
	expect_error(parse("--web.listen-address=[::]:9646", NULL), "IPv6");
	expect_error(parse("--web.listen-address=:http", NULL), "listen address");
	expect_error(parse("--web.listen-address=:70000", NULL), "listen address");
	expect_error(parse("--web.listen-address=", NULL), "listen address");
	expect_error(parse("--web.max-threads=0", NULL), "--web.max-threads");
	expect_error(parse("--web.max-threads=abc", NULL), "--web.max-threads");
	expect_error(parse("--locust.cert-file=/c.pem", NULL), "go together");
	expect_error(parse("--probe.allowed-targets=(", NULL), "--probe.allowed-targets");
}

/* --pushgateway.*: the Go fork's flags and variables, defaults, the host
 * name as instance, the Go client's "http://" for a URL without scheme,
 * TLS and auth options as for Locust, one-line errors. */
static void test_pushgateway(void **st)
{
	(void)st;
	char host[256] = "";
	assert_int_equal(gethostname(host, sizeof host - 1), 0);
	run_t *r = parse(NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_null(r->cfg.push_url); /* off */
	assert_string_equal(r->cfg.push_job, "locust");
	assert_int_equal(r->cfg.push_interval_ms, 10000);
	assert_int_equal(r->cfg.push_timeout_ms, 5000);
	assert_int_equal(r->cfg.push_insecure, 0);
	done(r);

	r = parse("--pushgateway.url=http://pgw:9091", NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_string_equal(r->cfg.push_url, "http://pgw:9091");
	assert_string_equal(r->cfg.push_instance, host);
	done(r);

	/* both forms of every flag */
	for (int form = 0; form < 2; form++) {
		if (form == 0)
			r = parse("--pushgateway.url=pgw:9091/base", "--pushgateway.job=lt",
				  "--pushgateway.instance=ci-7", "--pushgateway.interval=1m",
				  "--pushgateway.timeout=2s", "--pushgateway.user=u",
				  "--pushgateway.ca-file=/ca", "--pushgateway.cert-file=/c",
				  "--pushgateway.key-file=/k", "--pushgateway.insecure-skip-verify=true", NULL);
		else
			r = parse("--pushgateway.url", "pgw:9091/base", "--pushgateway.job", "lt",
				  "--pushgateway.instance", "ci-7", "--pushgateway.interval", "1m",
				  "--pushgateway.timeout", "2s", "--pushgateway.user", "u",
				  "--pushgateway.ca-file", "/ca", "--pushgateway.cert-file", "/c",
				  "--pushgateway.key-file", "/k", "--pushgateway.insecure-skip-verify", NULL);
		if (r->rc != CONFIG_OK)
			fail_msg("form %d: %s", form, buf_str(&r->err));
		assert_string_equal(r->cfg.push_url, "http://pgw:9091/base");
		assert_string_equal(r->cfg.push_job, "lt");
		assert_string_equal(r->cfg.push_instance, "ci-7");
		assert_int_equal(r->cfg.push_interval_ms, 60000);
		assert_int_equal(r->cfg.push_timeout_ms, 2000);
		assert_string_equal(r->cfg.push_user, "u");
		assert_string_equal(r->cfg.push_ca_file, "/ca");
		assert_string_equal(r->cfg.push_cert_file, "/c");
		assert_string_equal(r->cfg.push_key_file, "/k");
		assert_int_equal(r->cfg.push_insecure, 1);
		assert_null(r->cfg.user); /* Locust's own options untouched */
		assert_null(r->cfg.ca_file);
		done(r);
	}

	/* the Go fork's environment variables; an empty instance means none */
	setenv("LOCUST_EXPORTER_PUSHGATEWAY_URL", "https://pgw.example:443", 1);
	setenv("LOCUST_EXPORTER_PUSHGATEWAY_JOB", "envjob", 1);
	setenv("LOCUST_EXPORTER_PUSHGATEWAY_INTERVAL", "250ms", 1);
	setenv("LOCUST_EXPORTER_PUSHGATEWAY_INSTANCE", "", 1);
	setenv("LOCUST_EXPORTER_PUSHGATEWAY_USER", "pu", 1);
	setenv("LOCUST_EXPORTER_PUSHGATEWAY_PASSWORD", "ppw", 1);
	r = parse(NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_string_equal(r->cfg.push_url, "https://pgw.example:443");
	assert_string_equal(r->cfg.push_job, "envjob");
	assert_int_equal(r->cfg.push_interval_ms, 250);
	assert_string_equal(r->cfg.push_instance, "");
	assert_string_equal(r->cfg.push_password, "ppw");
	assert_null(r->cfg.password);
	done(r);
	r = parse("--pushgateway.job=flagjob", "--pushgateway.interval", "3s", NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_string_equal(r->cfg.push_job, "flagjob");
	assert_int_equal(r->cfg.push_interval_ms, 3000);
	done(r);
	/* an empty URL turns pushing off, as in the Go fork */
	r = parse("--pushgateway.url=", NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_string_equal(r->cfg.push_url, "");
	done(r);
	setenv("LOCUST_EXPORTER_PUSHGATEWAY_INTERVAL", "often", 1);
	expect_error(parse(NULL), "LOCUST_EXPORTER_PUSHGATEWAY_INTERVAL");
	clean_env(NULL);

	/* the password file */
	char path[] = "/tmp/le_test_ppw_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "pw\r\n", 4), 4);
	close(fd);
	r = parse("--pushgateway.url=http://p:1", "--pushgateway.user=u", "--pushgateway.password-file", path, NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_string_equal(r->cfg.push_password, "pw");
	done(r);
	expect_error(parse("--pushgateway.url=http://p:1", "--pushgateway.password-file", path, NULL),
		     "without --pushgateway.user");
	unlink(path);
	expect_error(parse("--pushgateway.user=u", "--pushgateway.password-file", path, NULL),
		     "cannot read --pushgateway.password-file");

	expect_error(parse("--pushgateway.url=ftp://pgw:21", NULL), "invalid --pushgateway.url 'ftp://pgw:21'");
	r = parse("--pushgateway.url=ftp://user:s3cret@pgw:21", NULL); /* credentials never echoed */
	assert_int_equal(r->rc, CONFIG_ERROR);
	assert_non_null(strstr(buf_str(&r->err), "invalid --pushgateway.url"));
	assert_null(strstr(buf_str(&r->err), "s3cret"));
	done(r);
	expect_error(parse("--pushgateway.url=http://", NULL), "invalid --pushgateway.url");
	expect_error(parse("--pushgateway.url=http://pgw:99999", NULL), "invalid --pushgateway.url");
	expect_error(parse("--pushgateway.url=http://pgw", "--pushgateway.job=", NULL), "--pushgateway.job");
	expect_error(parse("--pushgateway.url=http://pgw", "--pushgateway.interval=0s", NULL), "--pushgateway.interval");
	expect_error(parse("--pushgateway.url=http://pgw", "--pushgateway.timeout=-1s", NULL), "--pushgateway.timeout");
	expect_error(parse("--pushgateway.url=http://pgw", "--pushgateway.cert-file=/c", NULL), "go together");
	expect_error(parse("--pushgateway.nope=1", NULL), "unknown flag");
}

/* The connection flags (docs/security.md): values, env vars, bad input. */
static void test_connection_flags(void **st)
{
	(void)st;
	run_t *r = parse("--web.request-timeout=2s", "--web.allowed-networks=10.0.0.0/8, 127.0.0.1", NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_int_equal(r->cfg.request_timeout_ms, 2000);
	assert_string_equal(r->cfg.allowed_networks, "10.0.0.0/8, 127.0.0.1");
	done(r);
	setenv("LOCUST_EXPORTER_WEB_REQUEST_TIMEOUT", "250ms", 1);
	setenv("LOCUST_EXPORTER_WEB_ALLOWED_NETWORKS", "192.168.0.0/16", 1);
	r = parse(NULL);
	assert_int_equal(r->rc, CONFIG_OK);
	assert_int_equal(r->cfg.request_timeout_ms, 250);
	assert_string_equal(r->cfg.allowed_networks, "192.168.0.0/16");
	done(r);
	setenv("LOCUST_EXPORTER_WEB_ALLOWED_NETWORKS", "192.168.0.0/99", 1);
	expect_error(parse(NULL), "192.168.0.0/99");
	clean_env(NULL);
	expect_error(parse("--web.request-timeout=0", NULL), "--web.request-timeout");
	expect_error(parse("--web.request-timeout=2m", NULL), "--web.request-timeout");
	expect_error(parse("--web.allowed-networks=10.0.0.0/33", NULL), "10.0.0.0/33");
	expect_error(parse("--web.allowed-networks=10.0.0/8", NULL), "not an IPv4");
	expect_error(parse("--web.allowed-networks=::1/128", NULL), "IPv6");
	expect_error(parse("--web.allowed-networks=10.0.0.0/8,", NULL), "empty item");
	expect_error(parse("--web.allowed-networks=10.0.0.0/", NULL), "--web.allowed-networks");
	expect_error(parse("--web.allowed-networks=localhost", NULL), "--web.allowed-networks");
}

static void test_help_and_version(void **st)
{
	(void)st;
	run_t *r = parse("--version", NULL);
	assert_int_equal(r->rc, CONFIG_EXIT);
	assert_non_null(strstr(buf_str(&r->out), "locust_exporter, version "));
	done(r);
	const char *help[] = {"-h", "--help"};
	for (int i = 0; i < 2; i++) {
		r = parse("--locust.uri=http://x:1", help[i], NULL);
		assert_int_equal(r->rc, CONFIG_EXIT);
		const char *o = buf_str(&r->out);
		const char *want[] = {"--web.listen-address", "--web.telemetry-path", "--locust.uri",
				      "--locust.timeout", "--locust.namespace", "--log.level", "--log.format",
				      "LOCUST_EXPORTER_URI", "LOCUST_METRIC_NAMESPACE", "(default: :9646)",
				      "(default: 5s)", "--[no-]collector.compat"};
		for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
			if (!strstr(o, want[k]))
				fail_msg("help lacks '%s'", want[k]);
		done(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, clean_env),
		cmocka_unit_test_setup(test_every_flag_both_forms, clean_env),
		cmocka_unit_test_setup(test_env_and_precedence, clean_env),
		cmocka_unit_test_setup(test_durations, clean_env),
		cmocka_unit_test_setup(test_sizes, clean_env),
		cmocka_unit_test_setup(test_limits, clean_env),
		cmocka_unit_test_setup(test_booleans, clean_env),
		cmocka_unit_test_setup(test_headers, clean_env),
		cmocka_unit_test_setup(test_password, clean_env),
		cmocka_unit_test_setup(test_bad_flags, clean_env),
		cmocka_unit_test_setup(test_pushgateway, clean_env),
		cmocka_unit_test_setup(test_connection_flags, clean_env),
		cmocka_unit_test_setup(test_help_and_version, clean_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
