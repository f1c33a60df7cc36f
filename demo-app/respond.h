/* respond: an app_response_t on the wire as one HTTP/1.1 message written
 * with one send.  civetweb's mg_response_header_* API sends every header
 * line in its own send(): with TCP_NODELAY each is a TCP segment, which
 * for a short body costs several times the request's own work.  The
 * Connection header says what civetweb does next: close (the default) or
 * keep the connection for the next request (--keep-alive). */
#ifndef DEMO_RESPOND_H
#define DEMO_RESPOND_H

#include <stddef.h>
#include <time.h>

#include "app.h"
#include "buf.h"

struct mg_connection;

/* Append to out the status line (HTTP version "1.0" or "1.1" and reason
 * text given, as civetweb answers in the request's version), the headers of resp
 * (Content-Type, Content-Encoding: gzip when zipped, Allow, X-Cache,
 * Content-Length: len, Date: now, Connection: keep-alive when keep_alive,
 * else close), the blank line and, unless head, the len bytes of body. */
void respond_format(buf_t *out, const char *version, const char *reason,
		    const app_response_t *resp, const char *body, size_t len,
		    int zipped, int head, int keep_alive, time_t now);

/* Write resp on c in one mg_write (an exposition (resp->exposition) in
 * OpenMetrics when the Accept header asks for it; gzip when resp->gzip_ok,
 * not head, and the client accepts it).  Without keep-alive the connection closes after
 * it (as the Flask development server); with it, it stays open for the
 * client's next request unless civetweb's rule (httpd_keep_alive) says no or the request
 * came with a body (those close: the app never reads bodies). */
void respond_send(struct mg_connection *c, const app_response_t *resp,
		  int head);

#endif
