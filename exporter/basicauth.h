/* basicauth: HTTP basic auth for the exporter's own endpoint, checked
 * against the bcrypt hashes of --web.config.file's basic_auth_users with
 * libcrypt's crypt_r, and the failure counter the exporter exposes as
 * locust_exporter_http_auth_failures_total{reason}. */
#ifndef LE_BASICAUTH_H
#define LE_BASICAUTH_H

#include <stddef.h>

#include "buf.h"
#include "webconfig.h"

typedef struct basicauth basicauth_t;

typedef enum { BA_OK, BA_MISSING, BA_INVALID } ba_result_t;

/* Check every hash once (one bcrypt each); NULL with a line in err. */
basicauth_t *basicauth_new(const webuser_t *users, size_t n, buf_t *err);
void basicauth_free(basicauth_t *a);

/* Check an Authorization header (NULL when absent) and count a failure.
 * Thread-safe.  An unknown user costs one bcrypt like a known one, and a
 * user's last accepted password is remembered as a salted SHA-256 so that
 * a scrape every few seconds does not pay bcrypt's cost each time. */
ba_result_t basicauth_check(basicauth_t *a, const char *authorization);

/* Append the failure counter family (text exposition). */
void basicauth_render(basicauth_t *a, buf_t *out);

/* Decode standard base64 (padding optional) into out; -1 when invalid. */
int basicauth_b64decode(const char *s, size_t len, buf_t *out);

#endif
