/* httpd: small helpers around civetweb shared by both programs:
 * Go-style listen addresses, response writing with optional gzip. */
#ifndef LE_HTTPD_H
#define LE_HTTPD_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

struct mg_connection;

/* Turn a Go-style listen address (":9646", "0.0.0.0:9646",
 * "127.0.0.1:9646", "localhost:9646", "9646") into civetweb's
 * listening_ports syntax, appending 's' when tls is set.  Returns 0, or -1
 * with a one-line reason in err (IPv6 is not available in Debian's
 * civetweb build). */
int httpd_listen_spec(const char *addr, int tls, buf_t *out, buf_t *err);

/* True when the request's Accept-Encoding allows gzip. */
int httpd_accepts_gzip(struct mg_connection *c);

/* gzip `len` bytes of `data` into `out` (reset first); 0 on success. */
int httpd_gzip(const char *data, size_t len, buf_t *out);

/* civetweb 1.15's keep-alive rule (its should_keep_alive, checked against
 * the library): never when enable_keep_alive is off; else the request's
 * Connection header decides: kept when one of its comma-separated options
 * is keep-alive (civetweb also takes a prefix such as "keep"), closed when
 * it names an upgrade but no Upgrade header came; without one, HTTP/1.1
 * keeps and HTTP/1.0 closes.  connection, upgrade: the request's
 * Connection and Upgrade headers or NULL. */
int httpd_keep_alive(int enabled, const char *version, const char *connection,
		     const char *upgrade);

/* A header line beyond the ones httpd_head always writes. */
typedef struct {
	const char *name, *value;
} httpd_header_t;

/* Append the status line ("HTTP/<version> <status> <reason>") and the
 * headers of an answer, as civetweb's mg_response_header_* would send them:
 * Content-Type, Content-Encoding: gzip when gz, the extra ones in order,
 * Content-Length: len, Date: now, Connection: keep-alive or close, and the
 * blank line. */
void httpd_head(buf_t *out, const char *version, int status, const char *reason,
		const char *ctype, int gz, const httpd_header_t *extra, size_t nextra,
		size_t len, int keep_alive, time_t now);

/* Send a complete response: body, or gz (the same body gzipped) when it is
 * non-NULL (the caller checked httpd_accepts_gzip). */
void httpd_send(struct mg_connection *c, int status, const char *ctype,
		const char *body, size_t len, const buf_t *gz);

#endif
