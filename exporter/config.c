/* config: command line and environment (see config.h).
 *
 * Every option is one row of the table below: flag, env var, kind, field,
 * default, help.  Defaults are applied first, then the environment, then
 * the command line. */
#include "config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "httpd.h"
#include "log.h"
#include "netacl.h"

#ifndef LE_VERSION
#define LE_VERSION "dev"
#endif

typedef enum { K_STR, K_DURATION, K_BOOL, K_LEVEL, K_FORMAT, K_SIZE, K_LIST, K_INT, K_COUNT } kind_t;

typedef struct {
	const char *flag;
	const char *env;
	kind_t kind;
	size_t off;
	const char *def;
	const char *help;
} opt_t;

#define F(field) offsetof(config_t, field)

static const opt_t opts[] = {
	{"web.listen-address", "LOCUST_EXPORTER_WEB_LISTEN_ADDRESS", K_STR, F(listen), ":9646",
	 "Address to listen on for web interface and telemetry."},
	{"web.telemetry-path", "LOCUST_EXPORTER_WEB_TELEMETRY_PATH", K_STR, F(telemetry_path), "/metrics",
	 "Path under which to expose metrics."},
	{"web.config.file", "LOCUST_EXPORTER_WEB_CONFIG_FILE", K_STR, F(web_config), NULL,
	 "Exporter-toolkit web config (TLS, basic auth) for the exporter's own endpoints."},
	{"web.disable-exit", "LOCUST_EXPORTER_WEB_DISABLE_EXIT", K_BOOL, F(disable_exit), "false",
	 "Disable the /quitquitquit endpoint."},
	{"web.max-threads", "LOCUST_EXPORTER_WEB_MAX_THREADS", K_INT, F(threads), "136",
	 "Connections served at once (civetweb worker threads)."},
	{"web.request-timeout", "LOCUST_EXPORTER_WEB_REQUEST_TIMEOUT", K_DURATION, F(request_timeout_ms), NULL,
	 "Time a new connection has to send its request header, and its TLS handshake (max 1m; default: 500ms, 2s with HTTPS)."},
	{"web.allowed-networks", "LOCUST_EXPORTER_WEB_ALLOWED_NETWORKS", K_STR, F(allowed_networks), NULL,
	 "Comma-separated IPv4 networks allowed to connect, e.g. 10.0.0.0/8,192.168.1.7 (default: all)."},
	{"locust.uri", "LOCUST_EXPORTER_URI", K_STR, F(uri), "http://localhost:8089",
	 "URI of Locust (http://, https://, with an optional base path)."},
	{"locust.timeout", "LOCUST_EXPORTER_TIMEOUT", K_DURATION, F(timeout_ms), "5s",
	 "Scrape timeout (Go duration: 5s, 1500ms, 1m)."},
	{"locust.namespace", "LOCUST_METRIC_NAMESPACE", K_STR, F(ns), "locust",
	 "Namespace (prefix) of the Locust metrics."},
	{"locust.user", "LOCUST_EXPORTER_USER", K_STR, F(user), NULL,
	 "User for Locust's --web-auth (HTTP basic auth)."},
	{"locust.password-file", "LOCUST_EXPORTER_PASSWORD_FILE", K_STR, F(password_file), NULL,
	 "File holding the basic-auth password (env LOCUST_EXPORTER_PASSWORD also works)."},
	{"locust.ca-file", "LOCUST_EXPORTER_CA_FILE", K_STR, F(ca_file), NULL,
	 "CA certificates to verify Locust's TLS certificate."},
	{"locust.cert-file", "LOCUST_EXPORTER_CERT_FILE", K_STR, F(cert_file), NULL,
	 "Client certificate for TLS to Locust."},
	{"locust.key-file", "LOCUST_EXPORTER_KEY_FILE", K_STR, F(key_file), NULL,
	 "Client key for TLS to Locust."},
	{"locust.insecure-skip-verify", "LOCUST_EXPORTER_INSECURE_SKIP_VERIFY", K_BOOL, F(insecure), "false",
	 "Do not verify Locust's TLS certificate (not recommended)."},
	{"locust.header", "LOCUST_EXPORTER_HEADERS", K_LIST, F(headers), NULL,
	 "Extra request header 'Name: value' (repeatable; env: one per line)."},
	{"locust.max-response-size", "LOCUST_EXPORTER_MAX_RESPONSE_SIZE", K_SIZE, F(max_body), "8MiB",
	 "Largest Locust answer read (bytes, KiB, MiB)."},
	{"locust.max-decoded-size", "LOCUST_EXPORTER_MAX_DECODED_SIZE", K_SIZE, F(max_decoded), "24MiB",
	 "Memory the decoded JSON of one Locust answer may take."},
	{"locust.max-rows", "LOCUST_EXPORTER_MAX_ROWS", K_COUNT, F(max_rows), "10000",
	 "Most rows of stats, errors and workers read from one answer."},
	{"web.max-response-size", "LOCUST_EXPORTER_WEB_MAX_RESPONSE_SIZE", K_SIZE, F(max_text), "16MiB",
	 "Largest metrics page rendered, before gzip."},
	{"locust.csv-max-age", "LOCUST_EXPORTER_CSV_MAX_AGE", K_DURATION, F(csv_max_age_ms), "30s",
	 "With a file:///path/PREFIX URI: CSV files older than this read as locust_up 0."},
	{"collector.compat", "LOCUST_EXPORTER_COLLECTOR_COMPAT", K_BOOL, F(compat), "true",
	 "Expose the Go exporter's metric names (--no-collector.compat to disable)."},
	{"collector.native", "LOCUST_EXPORTER_COLLECTOR_NATIVE", K_BOOL, F(native), "true",
	 "Expose Prometheus-style metrics (--no-collector.native to disable)."},
	{"probe.allowed-targets", "LOCUST_EXPORTER_PROBE_ALLOWED_TARGETS", K_STR, F(probe_allowed), NULL,
	 "Regex of URIs /probe?target= may fetch (default: only --locust.uri's scheme://host:port)."},
	{"pushgateway.url", "LOCUST_EXPORTER_PUSHGATEWAY_URL", K_STR, F(push_url), NULL,
	 "URL of a Pushgateway to push the metrics to (empty: no pushing)."},
	{"pushgateway.job", "LOCUST_EXPORTER_PUSHGATEWAY_JOB", K_STR, F(push_job), "locust",
	 "Job label (grouping key) of the pushed metrics."},
	{"pushgateway.instance", "LOCUST_EXPORTER_PUSHGATEWAY_INSTANCE", K_STR, F(push_instance), NULL,
	 "Instance label (grouping key) of the pushed metrics (default: the host name; empty: none)."},
	{"pushgateway.interval", "LOCUST_EXPORTER_PUSHGATEWAY_INTERVAL", K_DURATION, F(push_interval_ms), "10s",
	 "Interval between pushes (one more on exit)."},
	{"pushgateway.timeout", "LOCUST_EXPORTER_PUSHGATEWAY_TIMEOUT", K_DURATION, F(push_timeout_ms), "5s",
	 "Timeout of one push."},
	{"pushgateway.user", "LOCUST_EXPORTER_PUSHGATEWAY_USER", K_STR, F(push_user), NULL,
	 "User for the Pushgateway's basic auth."},
	{"pushgateway.password-file", "LOCUST_EXPORTER_PUSHGATEWAY_PASSWORD_FILE", K_STR, F(push_password_file), NULL,
	 "File holding the Pushgateway password (env LOCUST_EXPORTER_PUSHGATEWAY_PASSWORD also works)."},
	{"pushgateway.ca-file", "LOCUST_EXPORTER_PUSHGATEWAY_CA_FILE", K_STR, F(push_ca_file), NULL,
	 "CA certificates to verify the Pushgateway's TLS certificate."},
	{"pushgateway.cert-file", "LOCUST_EXPORTER_PUSHGATEWAY_CERT_FILE", K_STR, F(push_cert_file), NULL,
	 "Client certificate for TLS to the Pushgateway."},
	{"pushgateway.key-file", "LOCUST_EXPORTER_PUSHGATEWAY_KEY_FILE", K_STR, F(push_key_file), NULL,
	 "Client key for TLS to the Pushgateway."},
	{"pushgateway.insecure-skip-verify", "LOCUST_EXPORTER_PUSHGATEWAY_INSECURE_SKIP_VERIFY", K_BOOL,
	 F(push_insecure), "false", "Do not verify the Pushgateway's TLS certificate (not recommended)."},
	{"log.level", "LOCUST_EXPORTER_LOG_LEVEL", K_LEVEL, F(log_level), "info",
	 "Only log messages with the given severity or above: debug, info, warn, error."},
	{"log.format", "LOCUST_EXPORTER_LOG_FORMAT", K_FORMAT, F(log_json), "logfmt",
	 "Output format of log messages: logfmt or json."},
};

#define NOPTS (sizeof opts / sizeof opts[0])

/* [s, end) is digits with at most one '.' (what strtod read must not be
 * an exponent, hex, inf or nan). */
static int plain_decimal(const char *s, const char *end)
{
	size_t n = (size_t)(end - s), digits = strspn(s, "0123456789");
	if (digits < n && s[digits] == '.')
		digits += 1 + strspn(s + digits + 1, "0123456789");
	return digits == n;
}

long config_parse_duration_ms(const char *s)
{
	static const struct { const char *u; double ms; } units[] = {
		{"ns", 1e-6}, {"us", 1e-3}, {"\xc2\xb5s", 1e-3}, {"ms", 1},
		{"s", 1000}, {"m", 60000}, {"h", 3600000},
	};
	double total = 0;
	if (!*s)
		return -1;
	if (strcmp(s, "0") == 0)
		return 0;
	while (*s) {
		char *end;
		if (!isdigit((unsigned char)*s) && *s != '.')
			return -1;
		errno = 0;
		double v = strtod(s, &end);
		/* Go's syntax: digits and one '.', no exponent or hex */
		if (end == s || errno || !plain_decimal(s, end))
			return -1;
		s = end;
		size_t best = 0, bi = 0;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t n = strlen(units[i].u);
			if (strncmp(s, units[i].u, n) == 0 && n > best) {
				best = n;
				bi = i;
			}
		}
		if (!best)
			return -1;
		total += v * units[bi].ms;
		s += best;
	}
	if (!isfinite(total) || total > 86400000.0 * 365)
		return -1;
	return (long)ceil(total);
}

long long config_parse_size(const char *s)
{
	static const struct { const char *u; double mul; } units[] = {
		{"", 1}, {"B", 1}, {"KiB", 1024.0}, {"MiB", 1048576.0},
		{"GiB", 1073741824.0}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
		{"k", 1024.0}, {"K", 1024.0}, {"M", 1048576.0}, {"G", 1073741824.0},
	};
	char *end;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || !plain_decimal(s, end))
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].u) == 0) {
			double b = v * units[i].mul;
			if (b < 1 || b > 1099511627776.0)
				return -1;
			return (long long)b;
		}
	}
	return -1;
}

static int parse_bool(const char *v, int *out)
{
	static const char *yes[] = {"true", "1", "yes", "on"};
	static const char *no[] = {"false", "0", "no", "off"};
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

static int list_add(config_t *cfg, const char *v)
{
	char **n = realloc(cfg->headers, (cfg->nheaders + 1) * sizeof *n);
	if (!n)
		return -1;
	cfg->headers = n;
	if (!(n[cfg->nheaders] = strdup(v)))
		return -1;
	cfg->nheaders++;
	return 0;
}

/* Store one value; src names where it came from for error messages. */
static int set_opt(config_t *cfg, const opt_t *o, const char *v, const char *src, buf_t *err)
{
	char *base = (char *)cfg + o->off;
	long l;
	long long ll;
	int i;
	switch (o->kind) {
	case K_STR: {
		char *d = strdup(v);
		if (!d)
			goto oom;
		free(*(char **)base);
		*(char **)base = d;
		return 0;
	}
	case K_DURATION:
		if ((l = config_parse_duration_ms(v)) <= 0) {
			buf_printf(err, "invalid duration '%s' for %s (want e.g. 5s, 500ms, 1m)", v, src);
			return -1;
		}
		*(long *)base = l;
		return 0;
	case K_BOOL:
		if (parse_bool(v, &i)) {
			buf_printf(err, "invalid boolean '%s' for %s (want true or false)", v, src);
			return -1;
		}
		*(int *)base = i;
		return 0;
	case K_LEVEL:
		if ((i = log_parse_level(v)) < 0) {
			buf_printf(err, "invalid log level '%s' for %s (want debug, info, warn or error)", v, src);
			return -1;
		}
		*(int *)base = i;
		return 0;
	case K_FORMAT:
		if ((i = log_parse_format(v)) < 0) {
			buf_printf(err, "invalid log format '%s' for %s (want logfmt or json)", v, src);
			return -1;
		}
		*(int *)base = i;
		return 0;
	case K_SIZE:
		if ((ll = config_parse_size(v)) < 0) {
			buf_printf(err, "invalid size '%s' for %s (want e.g. 16MiB, 65536)", v, src);
			return -1;
		}
		*(long long *)base = ll;
		return 0;
	case K_INT: {
		char *end;
		errno = 0;
		l = strtol(v, &end, 10);
		if (errno || *end || end == v || l < 1 || l > 1024) {
			buf_printf(err, "invalid number '%s' for %s (want 1-1024)", v, src);
			return -1;
		}
		*(int *)base = (int)l;
		return 0;
	}
	case K_COUNT: {
		char *end;
		errno = 0;
		ll = strtoll(v, &end, 10);
		if (errno || *end || end == v || ll < 1) {
			buf_printf(err, "invalid count '%s' for %s (want a whole number from 1)", v, src);
			return -1;
		}
		*(long long *)base = ll;
		return 0;
	}
	case K_LIST: {
		/* A flag holds one entry; the environment one entry per line. */
		if (src[0] == '-')
			return list_add(cfg, v) ? (buf_puts(err, "out of memory"), -1) : 0;
		for (const char *p = v; *p;) {
			size_t n = strcspn(p, "\n");
			char *one = n ? strndup(p, n) : NULL;
			if (n && (!one || list_add(cfg, one))) {
				free(one);
				goto oom;
			}
			free(one);
			p += n + (p[n] != '\0');
		}
		return 0;
	}
	}
	return 0;
oom:
	buf_puts(err, "out of memory");
	return -1;
}

static void usage(buf_t *out)
{
	buf_puts(out, "usage: locust_exporter [<flags>]\n\n"
		      "Prometheus exporter for Locust (drop-in for containersol/locust_exporter).\n\nFlags:\n"
		      "  -h, --help     Show this help.\n      --version  Show the version.\n");
	for (size_t i = 0; i < NOPTS; i++) {
		const opt_t *o = &opts[i];
		buf_printf(out, "      --%s%s\n          %s", o->kind == K_BOOL ? "[no-]" : "",
			   o->flag, o->help);
		if (o->def)
			buf_printf(out, " (default: %s)", o->def);
		buf_printf(out, " ($%s)\n", o->env);
	}
}

static const opt_t *find_opt(const char *name, size_t len)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strlen(opts[i].flag) == len && strncmp(opts[i].flag, name, len) == 0)
			return &opts[i];
	return NULL;
}

/* The password in path (trailing newlines dropped) into *dst. */
static int read_password_file(const char *path, const char *flag, char **dst, buf_t *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		buf_printf(err, "cannot read --%s %s: %s", flag, path, strerror(errno));
		return -1;
	}
	buf_t b;
	buf_init(&b);
	char chunk[512];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < 65536)
		buf_put(&b, chunk, n);
	fclose(f);
	if (b.oom) {
		buf_free(&b);
		buf_puts(err, "out of memory");
		return -1;
	}
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	free(*dst);
	*dst = b.data ? b.data : strdup("");
	return *dst ? 0 : -1;
}

/* Where a password comes from: its file flag or, failing that, its
 * environment variable; it needs its user flag. */
typedef struct {
	const char *what, *file_flag, *env, *user_flag;
} secret_t;

static const secret_t locust_secret = {"Locust", "locust.password-file", "LOCUST_EXPORTER_PASSWORD",
				       "locust.user"};
static const secret_t push_secret = {"Pushgateway", "pushgateway.password-file",
				     "LOCUST_EXPORTER_PUSHGATEWAY_PASSWORD", "pushgateway.user"};

static int password(const secret_t *s, const char *file, const char *user, char **dst, buf_t *err)
{
	if (!*dst) {
		const char *pw = getenv(s->env);
		if (pw && !(*dst = strdup(pw))) {
			buf_puts(err, "out of memory");
			return -1;
		}
	}
	if (file && read_password_file(file, s->file_flag, dst, err))
		return -1;
	if (*dst && !user) {
		buf_printf(err, "a %s password was given without --%s", s->what, s->user_flag);
		return -1;
	}
	return 0;
}

/* --pushgateway.*: a URL libcurl takes (http:// when no scheme is given,
 * as the Go exporter's client does), http or https, a job, the host name
 * as the default instance. */
static int check_push(config_t *cfg, buf_t *err)
{
	if (!cfg->push_url || !*cfg->push_url)
		return 0;
	if (!strstr(cfg->push_url, "://")) {
		char *full = malloc(strlen(cfg->push_url) + 8);
		if (!full) {
			buf_puts(err, "out of memory");
			return -1;
		}
		strcpy(full, "http://");
		strcat(full, cfg->push_url);
		free(cfg->push_url);
		cfg->push_url = full;
	}
	CURLU *u = curl_url();
	char *scheme = NULL;
	if (!u) {
		buf_puts(err, "out of memory");
		return -1;
	}
	CURLUcode rc = curl_url_set(u, CURLUPART_URL, cfg->push_url, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	int ok = rc == CURLUE_OK && (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
	curl_free(scheme);
	curl_url_cleanup(u);
	if (!ok) {
		buf_puts(err, "invalid --pushgateway.url");
		if (!strchr(cfg->push_url, '@')) /* a URL with credentials is not echoed */
			buf_printf(err, " '%s'", cfg->push_url);
		buf_puts(err, " (want http[s]://host[:port][/path])");
		return -1;
	}
	if (!*cfg->push_job) {
		buf_puts(err, "--pushgateway.job must not be empty");
		return -1;
	}
	if (!cfg->push_instance) {
		char host[256] = "";
		if (gethostname(host, sizeof host - 1) != 0 || !*host)
			snprintf(host, sizeof host, "unknown");
		if (!(cfg->push_instance = strdup(host))) {
			buf_puts(err, "out of memory");
			return -1;
		}
	}
	if ((cfg->push_cert_file != NULL) != (cfg->push_key_file != NULL)) {
		buf_puts(err, "--pushgateway.cert-file and --pushgateway.key-file go together");
		return -1;
	}
	return 0;
}

/* The connection flags (docs/security.md: holding connections). */
static int check_web(const config_t *cfg, buf_t *err)
{
	if (cfg->request_timeout_ms > 60000) {
		buf_printf(err, "--web.request-timeout %ldms is above the 1m maximum", cfg->request_timeout_ms);
		return -1;
	}
	buf_t acl;
	buf_init(&acl);
	int rc = netacl_spec(cfg->allowed_networks, &acl, err);
	buf_free(&acl);
	return rc;
}

static int check(config_t *cfg, buf_t *err)
{
	const char *u = cfg->uri;
	if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0 &&
	    strncmp(u, "file://", 7) != 0) {
		buf_printf(err, "unsupported --locust.uri '%s' (want http://, https:// or file://)", u);
		return -1;
	}
	buf_t spec; /* a bad listen address is a bad flag (exit 2), not a start failure */
	buf_init(&spec);
	int bad_listen = httpd_listen_spec(cfg->listen, 0, &spec, err);
	buf_free(&spec);
	if (bad_listen)
		return -1;
	if (check_web(cfg, err))
		return -1;
	if (cfg->telemetry_path[0] != '/') {
		buf_printf(err, "--web.telemetry-path must start with '/', got '%s'", cfg->telemetry_path);
		return -1;
	}
	if (!cfg->compat && !cfg->native) {
		buf_puts(err, "--no-collector.compat and --no-collector.native together leave nothing to export");
		return -1;
	}
	if (cfg->max_text < 65536) {
		buf_puts(err, "--web.max-response-size below 64KiB leaves no room for the exporter's own metrics");
		return -1;
	}
	for (const char *p = cfg->ns; *p; p++) {
		if (!(isalnum((unsigned char)*p) || *p == '_') || (p == cfg->ns && isdigit((unsigned char)*p))) {
			buf_printf(err, "invalid --locust.namespace '%s' (want [a-zA-Z_][a-zA-Z0-9_]*)", cfg->ns);
			return -1;
		}
	}
	for (size_t i = 0; i < cfg->nheaders; i++) {
		const char *c = strchr(cfg->headers[i], ':');
		if (!c || c == cfg->headers[i] || strpbrk(cfg->headers[i], "\r\n")) {
			buf_printf(err, "invalid --locust.header '%s' (want 'Name: value')", cfg->headers[i]);
			return -1;
		}
	}
	if (password(&locust_secret, cfg->password_file, cfg->user, &cfg->password, err) ||
	    password(&push_secret, cfg->push_password_file, cfg->push_user, &cfg->push_password, err))
		return -1;
	if (cfg->probe_allowed) {
		regex_t re;
		if (regcomp(&re, cfg->probe_allowed, REG_EXTENDED | REG_NOSUB) != 0) {
			buf_printf(err, "invalid --probe.allowed-targets regex '%s'", cfg->probe_allowed);
			return -1;
		}
		regfree(&re);
	}
	if ((cfg->cert_file != NULL) != (cfg->key_file != NULL)) {
		buf_puts(err, "--locust.cert-file and --locust.key-file go together");
		return -1;
	}
	return check_push(cfg, err);
}

static int parse_all(config_t *cfg, int argc, char **argv, buf_t *out, buf_t *err)
{
	memset(cfg, 0, sizeof *cfg);
	for (size_t i = 0; i < NOPTS; i++)
		if (opts[i].def && set_opt(cfg, &opts[i], opts[i].def, "default", err))
			return CONFIG_ERROR;
	for (size_t i = 0; i < NOPTS; i++) {
		const char *v = getenv(opts[i].env);
		if (v && set_opt(cfg, &opts[i], v, opts[i].env, err))
			return CONFIG_ERROR;
	}
	int list_from_flags = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(out);
			return CONFIG_EXIT;
		}
		if (strcmp(a, "--version") == 0) {
			buf_puts(out, "locust_exporter, version " LE_VERSION "\n");
			return CONFIG_EXIT;
		}
		if (strncmp(a, "--", 2) != 0) {
			buf_printf(err, "unexpected argument '%s', try --help", a);
			return CONFIG_ERROR;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		int negated = 0;
		const opt_t *o = find_opt(name, len);
		if (!o && len > 3 && strncmp(name, "no-", 3) == 0) {
			o = find_opt(name + 3, len - 3);
			negated = 1;
			if (o && o->kind != K_BOOL)
				o = NULL;
		}
		if (!o) {
			buf_printf(err, "unknown flag '--%.*s', try --help", (int)len, name);
			return CONFIG_ERROR;
		}
		const char *v;
		if (o->kind == K_BOOL && !eq) {
			v = negated ? "false" : "true";
		} else if (negated) {
			buf_printf(err, "flag '--%.*s' takes no value", (int)len, name);
			return CONFIG_ERROR;
		} else if (eq) {
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else {
			buf_printf(err, "flag '--%s' needs a value", name);
			return CONFIG_ERROR;
		}
		if (o->kind == K_LIST && !list_from_flags) {
			/* the flag replaces the env var's entries, as for every option */
			list_from_flags = 1;
			for (size_t k = 0; k < cfg->nheaders; k++)
				free(cfg->headers[k]);
			cfg->nheaders = 0;
		}
		char src[128];
		snprintf(src, sizeof src, "--%s", o->flag);
		if (set_opt(cfg, o, v, src, err))
			return CONFIG_ERROR;
	}
	return check(cfg, err) ? CONFIG_ERROR : CONFIG_OK;
}

int config_parse(config_t *cfg, int argc, char **argv, buf_t *out, buf_t *err)
{
	size_t start = err->len;
	int rc = parse_all(cfg, argc, argv, out, err);
	/* A bad value echoed in the message must not break it into lines. */
	for (size_t i = start; i < err->len; i++)
		if (err->data[i] == '\n' || err->data[i] == '\r')
			err->data[i] = ' ';
	return rc;
}

void config_free(config_t *cfg)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (opts[i].kind == K_STR)
			free(*(char **)((char *)cfg + opts[i].off));
	for (size_t i = 0; i < cfg->nheaders; i++)
		free(cfg->headers[i]);
	free(cfg->headers);
	char *secrets[] = {cfg->password, cfg->push_password};
	for (size_t i = 0; i < 2; i++) {
		if (secrets[i])
			memset(secrets[i], 0, strlen(secrets[i]));
		free(secrets[i]);
	}
	memset(cfg, 0, sizeof *cfg);
}
