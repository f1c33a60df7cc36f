/* webconfig: the --web.config.file of the Prometheus exporter toolkit
 * (YAML, read with libyaml) for the exporter's own endpoint.
 *
 *   tls_server_config:            # HTTPS when cert_file and key_file are set
 *     cert_file, key_file, client_ca_file, client_auth_type,
 *     min_version, max_version (TLS10..TLS13), prefer_server_cipher_suites
 *   basic_auth_users:             # user: bcrypt hash
 *   http_server_config: {http2}   # accepted, HTTP/1.1 only
 *
 * Relative file names are relative to the config file's directory, as in
 * the toolkit.  Unknown keys and options this exporter cannot honour
 * (cipher_suites, curve_preferences, ...) are errors, never ignored. */
#ifndef LE_WEBCONFIG_H
#define LE_WEBCONFIG_H

#include <stddef.h>

#include "buf.h"

typedef enum {
	CLIENT_AUTH_NONE,            /* NoClientCert */
	CLIENT_AUTH_REQUEST,         /* RequestClientCert */
	CLIENT_AUTH_REQUIRE_ANY,     /* RequireAnyClientCert */
	CLIENT_AUTH_VERIFY_IF_GIVEN, /* VerifyClientCertIfGiven */
	CLIENT_AUTH_REQUIRE_VERIFY,  /* RequireAndVerifyClientCert */
} client_auth_t;

typedef struct {
	char *name;
	char *hash;      /* bcrypt ($2a$, $2b$, $2y$) */
} webuser_t;

typedef struct {
	int tls;                /* cert_file and key_file are set */
	char *cert_file;
	char *key_file;
	char *client_ca_file;
	client_auth_t client_auth;
	int min_version;        /* TLS wire version (0x0303 = TLS 1.2) */
	int max_version;        /* 0: the newest the library has */
	int prefer_server_ciphers;
	webuser_t *users;
	size_t nusers;
} webconfig_t;

/* Load and check path into *wc (zeroed first).  0, or -1 with one line in
 * err naming the file and, for YAML errors, the line. */
int webconfig_load(webconfig_t *wc, const char *path, buf_t *err);
void webconfig_free(webconfig_t *wc);

#endif
