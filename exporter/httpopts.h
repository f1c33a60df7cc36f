/* httpopts: the libcurl settings the exporter's two HTTP clients share,
 * the Locust client (client.c) and the Pushgateway pusher (push.c):
 * whole-transfer and connect timeouts, http/https only, no redirects
 * followed, no signals, TLS verification (on unless insecure) with an
 * optional CA file, a client certificate, basic auth; and the failure
 * reason a libcurl error counts as. */
#ifndef LE_HTTPOPTS_H
#define LE_HTTPOPTS_H

#include <curl/curl.h>

#include "reason.h"

typedef struct {
	long timeout_ms;
	const char *user;      /* basic auth when not NULL */
	const char *password;  /* NULL: empty */
	const char *ca_file;   /* NULL: the system's CAs */
	const char *cert_file; /* client certificate and key, both or neither */
	const char *key_file;
	int insecure;          /* do not verify the server's certificate */
} httpopts_t;

/* Set o's options (and the ones every exporter transfer has) on h. */
void httpopts_apply(CURL *h, const httpopts_t *o);

/* The reason a transfer that failed with rc counts as; msg is libcurl's
 * error buffer (a TLS alert after the handshake arrives as a read error
 * that names it).  CURLE_FILESIZE_EXCEEDED is RS_TOO_LARGE. */
reason_t httpopts_reason(CURLcode rc, const char *msg);

#endif
