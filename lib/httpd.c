/* httpd: civetweb helpers (see httpd.h). */
#include "httpd.h"

#include <civetweb.h>
#include <ctype.h>
#include <libdeflate.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

int httpd_listen_spec(const char *addr, int tls, buf_t *out, buf_t *err)
{
	buf_reset(out);
	if (addr[0] == '[') {
		buf_printf(err, "listen address %s: IPv6 is not supported by this civetweb build; use 0.0.0.0:PORT or :PORT", addr);
		return -1;
	}
	const char *colon = strrchr(addr, ':');
	const char *port = colon ? colon + 1 : addr;
	if (!all_digits(port) || atol(port) > 65535 || strlen(port) > 5) {
		buf_printf(err, "listen address %s: expected [HOST]:PORT with PORT 0-65535", addr);
		return -1;
	}
	if (colon && colon != addr) {
		size_t hl = (size_t)(colon - addr);
		if (hl == 9 && strncmp(addr, "localhost", 9) == 0)
			buf_puts(out, "127.0.0.1");
		else
			buf_put(out, addr, hl);
		buf_putc(out, ':');
	}
	buf_puts(out, port);
	if (tls)
		buf_putc(out, 's');
	return out->oom ? -1 : 0;
}

/* Accept-Encoding is a comma-separated list of "coding[;q=value]". */
int httpd_accepts_gzip(struct mg_connection *c)
{
	const char *p = mg_get_header(c, "Accept-Encoding");
	while (p && *p) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, ",; \t");
		int is_gzip = (n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
			      (n == 1 && *p == '*');
		const char *end = p + strcspn(p, ",");
		const char *q = strstr(p, "q=");
		double weight = (q && q < end) ? strtod(q + 2, NULL) : 1.0;
		if (is_gzip && weight > 0)
			return 1;
		p = end;
	}
	return 0;
}

/* libdeflate level 1: measured on the 2000-endpoint exposition (4 MB),
 * 8-9 ms and 10.0x smaller, where zlib's level 1 took 11-12 ms for 8.9x;
 * levels 2-5 cost 50-80 % more CPU for 1-8 % fewer bytes, level 6 three
 * times the CPU for 22 % fewer.  Compressors are kept for reuse (building
 * one per call costs about as much as compressing a 5-endpoint answer) in
 * a small pool rather than one per thread: as many exist as answers were
 * compressed at the same time (usually one), not one per civetweb worker
 * that ever served a gzip request, which every worker ends up doing as
 * Prometheus reconnects. */
#define GZIP_LEVEL 1
#define GZ_POOL 4 /* idle compressors kept; more are freed after use */

static pthread_mutex_t gz_mu = PTHREAD_MUTEX_INITIALIZER;
static struct libdeflate_compressor *gz_idle[GZ_POOL];
static int gz_nidle;

static struct libdeflate_compressor *gz_take(void)
{
	struct libdeflate_compressor *c = NULL;
	pthread_mutex_lock(&gz_mu);
	if (gz_nidle > 0)
		c = gz_idle[--gz_nidle];
	pthread_mutex_unlock(&gz_mu);
	return c ? c : libdeflate_alloc_compressor(GZIP_LEVEL);
}

static void gz_give(struct libdeflate_compressor *c)
{
	pthread_mutex_lock(&gz_mu);
	if (gz_nidle < GZ_POOL) {
		gz_idle[gz_nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&gz_mu);
	libdeflate_free_compressor(c);
}

int httpd_gzip(const char *data, size_t len, buf_t *out)
{
	buf_reset(out);
	struct libdeflate_compressor *c = gz_take();
	if (!c)
		return -1;
	size_t bound = libdeflate_gzip_compress_bound(c, len);
	size_t n = buf_reserve(out, bound) ? 0 : libdeflate_gzip_compress(c, data, len, out->data, bound);
	gz_give(c);
	if (n == 0)
		return -1;
	out->len = n;
	out->data[n] = '\0';
	return 0;
}

/* Does the comma-separated list hold option, as civetweb's
 * header_has_option sees it?  Items are trimmed of blanks and cut at '=',
 * empty ones are skipped, and an item matches when it is a
 * case-insensitive prefix of option ("keep" counts as keep-alive). */
static int has_option(const char *list, const char *option)
{
	size_t olen = strlen(option);
	while (*list) {
		size_t n = strcspn(list, ",");
		const char *p = list, *end = list + n;
		list = *end ? end + 1 : end;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (eq)
			end = eq;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		size_t len = (size_t)(end - p);
		if (len > 0 && len <= olen && strncasecmp(option, p, len) == 0)
			return 1;
	}
	return 0;
}

int httpd_keep_alive(int enabled, const char *version, const char *connection,
		     const char *upgrade)
{
	if (!enabled)
		return 0;
	if (!connection)
		return version && strcmp(version, "1.1") == 0;
	if (!upgrade && strcasestr(connection, "upgrade"))
		return 0; /* civetweb: an upgrade to nothing is an error, it closes */
	return has_option(connection, "keep-alive");
}

void httpd_head(buf_t *out, const char *version, int status, const char *reason,
		const char *ctype, int gz, const httpd_header_t *extra, size_t nextra,
		size_t len, int keep_alive, time_t now)
{
	struct tm tm;
	char date[64];
	buf_printf(out, "HTTP/%s %d %s\r\nContent-Type: %s\r\n", version, status, reason, ctype);
	if (gz)
		buf_puts(out, "Content-Encoding: gzip\r\n");
	for (size_t i = 0; i < nextra; i++)
		buf_printf(out, "%s: %s\r\n", extra[i].name, extra[i].value);
	buf_printf(out, "Content-Length: %zu\r\n", len);
	if (gmtime_r(&now, &tm) && strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm))
		buf_printf(out, "Date: %s\r\n", date);
	buf_puts(out, keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
}

/* Status line and headers of this connection's answer; the Connection
 * header says what civetweb will do (its own rule, httpd_keep_alive). */
static void response_head(buf_t *out, struct mg_connection *c, int status, const char *ctype,
			  int gz, size_t len)
{
	const struct mg_request_info *ri = mg_get_request_info(c);
	const char *opt = mg_get_option(mg_get_context(c), "enable_keep_alive");
	int keep = httpd_keep_alive(opt && strcasecmp(opt, "yes") == 0, ri->http_version,
				    mg_get_header(c, "Connection"), mg_get_header(c, "Upgrade"));
	httpd_head(out, ri->http_version && strcmp(ri->http_version, "1.0") == 0 ? "1.0" : "1.1",
		   status, mg_get_response_code_text(c, status), ctype, gz, NULL, 0, len, keep, time(NULL));
}

/* Answers up to this size go out in one write: civetweb writes every
 * header line with its own send(), and with Nagle on, a body smaller than
 * a segment then waits for the client's delayed ACK (~40 ms). */
#define ONE_WRITE_MAX (256 * 1024)

void httpd_send(struct mg_connection *c, int status, const char *ctype,
		const char *body, size_t len, const buf_t *gz)
{
	if (gz) {
		body = gz->data;
		len = gz->len;
	}
	const char *method = mg_get_request_info(c)->request_method;
	size_t send_len = method && strcmp(method, "HEAD") == 0 ? 0 : len;
	buf_t msg;
	buf_init(&msg);
	response_head(&msg, c, status, ctype, gz != NULL, len);
	if (send_len <= ONE_WRITE_MAX) {
		buf_put(&msg, body, send_len);
		send_len = 0;
	}
	if (!msg.oom)
		mg_write(c, msg.data, msg.len);
	if (send_len && !msg.oom)
		mg_write(c, body, send_len);
	buf_free(&msg);
}
