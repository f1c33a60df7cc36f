/* client: fetches Locust's stats over HTTP(S) with libcurl.
 *
 * One client per Locust target keeps one curl handle, so the connection is
 * reused between scrapes (keep-alive).  A client is not thread-safe: the
 * scrape path guarantees one fetch at a time per target. */
#ifndef LE_CLIENT_H
#define LE_CLIENT_H

#include "buf.h"
#include "config.h"
#include "reason.h"

typedef struct client client_t;

/* base_uri: scheme://host[:port][/base-path]; NULL on OOM. */
client_t *client_new(const config_t *cfg, const char *base_uri);
void client_free(client_t *c);

/* GET base_uri + path into body (reset first, capped at the configured
 * size while reading).  Returns RS_OK or the failure reason, with a one-line
 * human explanation in detail. */
reason_t client_get(client_t *c, const char *path, buf_t *body, buf_t *detail);

#endif
