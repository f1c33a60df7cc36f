/* respond: one HTTP/1.1 message per response, one send (see respond.h). */
#include "respond.h"

#include <civetweb.h>
#include <string.h>

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
		    int zipped, int head, time_t now)
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
	buf_puts(out, "Connection: close\r\n\r\n");
	if (!head)
		buf_put(out, body, len);
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
		       resp, body, len, zipped, head, time(NULL));
	if (!msg.oom)
		mg_write(c, msg.data, msg.len);
	buf_free(&msg);
	buf_free(&gz);
}
