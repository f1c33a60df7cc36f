/* tlsserver: HTTPS for the exporter's own endpoint.
 *
 * civetweb creates the SSL_CTX (through its dlopen'ed OpenSSL) and hands it
 * to the init_ssl callback, which calls tlsserver_configure: certificate
 * chain, key, TLS versions and client-certificate policy from the web
 * config, set with OpenSSL's API directly.  Before that, tlsserver_check
 * makes sure HTTPS cannot crash civetweb 1.15 on OpenSSL 3 (the libssl.so
 * compat object of exporter/sslcompat/ must be what civetweb will load)
 * and builds a scratch context so that bad files fail at startup, in one
 * line, instead of at the first handshake. */
#ifndef LE_TLSSERVER_H
#define LE_TLSSERVER_H

#include "buf.h"
#include "webconfig.h"

/* 0 when HTTPS can be served with wc; -1 and one line in err if not. */
int tlsserver_check(const webconfig_t *wc, buf_t *err);

/* Configure an SSL_CTX (void * as civetweb passes it); 0 or -1 + err. */
int tlsserver_configure(void *ssl_ctx, const webconfig_t *wc, buf_t *err);

#endif
