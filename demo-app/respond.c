/* respond: one HTTP/1.1 message per response, one send (see respond.h). */
#include "respond.h"

#include <civetweb.h>
#include <string.h>
#include <strings.h>

#include "httpd.h"
#include "openmetrics.h"

void respond_format(buf_t *out, const char *version, const char *reason,
		    const app_response_t *resp, const char *body, size_t len,
		    int zipped, int head, int keep_alive, time_t now)
{
	httpd_header_t extra[2];
	size_t n = 0;
	if (resp->allow)
		extra[n++] = (httpd_header_t){"Allow", resp->allow};
	if (resp->cache)
		extra[n++] = (httpd_header_t){"X-Cache", resp->cache};
	httpd_head(out, version, resp->status, reason, resp->ctype, zipped, extra, n, len,
		   keep_alive, now);
	if (!head)
		buf_put(out, body, len);
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
	if (httpd_keep_alive(1, ri ? ri->http_version : NULL,
			       mg_get_header(c, "Connection"), mg_get_header(c, "Upgrade")) &&
	    ri && ri->content_length <= 0 && !mg_get_header(c, "Transfer-Encoding"))
		return 1;
	mg_disable_connection_keep_alive(c); /* "close" is then always true */
	return 0;
}

/* An exposition in the format the request's Accept header asks for:
 * OpenMetrics converted into om, or the text as it is.  Sets r->ctype;
 * a conversion out of memory answers 500 with no body. */
static const char *negotiate(struct mg_connection *c, app_response_t *r, const char *body,
			     size_t *len, buf_t *om)
{
	expo_format_t fmt = om_negotiate(mg_get_header(c, "Accept"));
	const char *out = om_body(fmt, body, *len, om, len);
	if (!out) {
		r->status = 500;
		*len = 0;
		return "";
	}
	r->ctype = om_content_type(fmt);
	return out;
}

void respond_send(struct mg_connection *c, const app_response_t *resp,
		  int head)
{
	buf_t gz, msg, om;
	buf_init(&gz);
	buf_init(&msg);
	buf_init(&om);
	app_response_t r = *resp;
	const char *body = resp->body.oom ? "" : buf_str((buf_t *)&resp->body);
	size_t len = resp->body.oom ? 0 : resp->body.len;
	if (resp->exposition && len > 0)
		body = negotiate(c, &r, body, &len, &om);
	int zipped = r.gzip_ok && !head && len > 0 &&
		     httpd_accepts_gzip(c) && httpd_gzip(body, len, &gz) == 0;
	if (zipped) {
		body = gz.data;
		len = gz.len;
	}
	const struct mg_request_info *ri = mg_get_request_info(c);
	const char *version = ri && ri->http_version &&
			      strcmp(ri->http_version, "1.0") == 0 ? "1.0" : "1.1";
	respond_format(&msg, version, mg_get_response_code_text(c, r.status),
		       &r, body, len, zipped, head, keep_alive(c, ri), time(NULL));
	if (!msg.oom)
		mg_write(c, msg.data, msg.len);
	buf_free(&msg);
	buf_free(&gz);
	buf_free(&om);
}
