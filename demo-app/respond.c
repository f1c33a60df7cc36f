/* respond: one HTTP/1.1 message per response, one send (see respond.h). */
#include "respond.h"

#include <civetweb.h>
#include <string.h>
#include <strings.h>

#include "httpd.h"

static void put_date(buf_t *out, time_t now)
{
	struct tm tm;
	char date[64];
	if (gmtime_r(&now, &tm) &&
	    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm))
		buf_printf(out, "Date: %s\r\n", date);
}

void respond_format(buf_t *out, const char *version, const char *reason,
		    const app_response_t *resp, const char *body, size_t len,
		    int zipped, int head, int keep_alive, time_t now)
{
	buf_printf(out, "HTTP/%s %d %s\r\nContent-Type: %s\r\n", version,
		   resp->status, reason, resp->ctype);
	if (zipped)
		buf_puts(out, "Content-Encoding: gzip\r\n");
	if (resp->allow)
		buf_printf(out, "Allow: %s\r\n", resp->allow);
	if (resp->cache)
		buf_printf(out, "X-Cache: %s\r\n", resp->cache);
	buf_printf(out, "Content-Length: %zu\r\n", len);
	put_date(out, now);
	buf_puts(out, keep_alive ? "Connection: keep-alive\r\n\r\n"
				 : "Connection: close\r\n\r\n");
	if (!head)
		buf_put(out, body, len);
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

int respond_keep_alive(int enabled, const char *version, const char *connection,
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

/* Whether civetweb keeps c open after this answer.  Whenever the answer
 * says close, civetweb is told to close, so that is always true; requests
 * with a body (never read here) close too. */
static int keep_alive(struct mg_connection *c, const struct mg_request_info *ri)
{
	const char *opt = mg_get_option(mg_get_context(c), "enable_keep_alive");
	int enabled = opt && strcasecmp(opt, "yes") == 0;
	if (!enabled)
		return 0;
	if (respond_keep_alive(1, ri ? ri->http_version : NULL,
			       mg_get_header(c, "Connection"), mg_get_header(c, "Upgrade")) &&
	    ri && ri->content_length <= 0 && !mg_get_header(c, "Transfer-Encoding"))
		return 1;
	mg_disable_connection_keep_alive(c); /* "close" is then always true */
	return 0;
}

void respond_send(struct mg_connection *c, const app_response_t *resp,
		  int head)
{
	buf_t gz, msg;
	buf_init(&gz);
	buf_init(&msg);
	const char *body = resp->body.oom ? "" : buf_str((buf_t *)&resp->body);
	size_t len = resp->body.oom ? 0 : resp->body.len;
	int zipped = resp->gzip_ok && !head && len > 0 &&
		     httpd_accepts_gzip(c) && httpd_gzip(body, len, &gz) == 0;
	if (zipped) {
		body = gz.data;
		len = gz.len;
	}
	const struct mg_request_info *ri = mg_get_request_info(c);
	const char *version = ri && ri->http_version &&
			      strcmp(ri->http_version, "1.0") == 0 ? "1.0" : "1.1";
	respond_format(&msg, version, mg_get_response_code_text(c, resp->status),
		       resp, body, len, zipped, head, keep_alive(c, ri), time(NULL));
	if (!msg.oom)
		mg_write(c, msg.data, msg.len);
	buf_free(&msg);
	buf_free(&gz);
}
