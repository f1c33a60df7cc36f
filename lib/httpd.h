/* httpd: small helpers around civetweb shared by both programs:
 * Go-style listen addresses, response writing with optional gzip. */
#ifndef LE_HTTPD_H
#define LE_HTTPD_H

#include <stddef.h>

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

/* Send a complete response.  When gzip_scratch is non-NULL and the client
 * accepts gzip, the body is compressed into it first. */
void httpd_send(struct mg_connection *c, int status, const char *ctype,
		const char *body, size_t len, buf_t *gzip_scratch);

#endif
