/* tlsserver: OpenSSL setup of the exporter's HTTPS (see tlsserver.h). */
#include "tlsserver.h"

#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <string.h>

/* The name civetweb 1.15 looks up (a macro in OpenSSL 3's headers). */
#define OLD_PEER_CERT_FN "SSL_get_peer_certificate"

/* Append OpenSSL's queued errors to err, then clear the queue. */
static int ssl_fail(buf_t *err, const char *what, const char *file)
{
	unsigned long e;
	char msg[256];
	buf_printf(err, "HTTPS: %s %s", what, file ? file : "");
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, msg, sizeof msg);
		buf_printf(err, ": %s", msg);
	}
	return -1;
}

/* RequestClientCert and RequireAnyClientCert ask for a certificate but
 * accept any: the handshake goes on whatever the chain check said. */
static int accept_any(int preverify_ok, X509_STORE_CTX *x)
{
	(void)preverify_ok;
	(void)x;
	return 1;
}

static int client_auth(SSL_CTX *ctx, const webconfig_t *wc, buf_t *err)
{
	static const unsigned char sid[] = "locust_exporter";
	int mode = SSL_VERIFY_NONE;
	SSL_verify_cb cb = NULL;
	switch (wc->client_auth) {
	case CLIENT_AUTH_NONE:
		break;
	case CLIENT_AUTH_REQUEST:
		mode = SSL_VERIFY_PEER, cb = accept_any;
		break;
	case CLIENT_AUTH_REQUIRE_ANY:
		mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, cb = accept_any;
		break;
	case CLIENT_AUTH_VERIFY_IF_GIVEN:
		mode = SSL_VERIFY_PEER;
		break;
	case CLIENT_AUTH_REQUIRE_VERIFY:
		mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
		break;
	}
	if (wc->client_ca_file) {
		if (SSL_CTX_load_verify_locations(ctx, wc->client_ca_file, NULL) != 1)
			return ssl_fail(err, "cannot load client_ca_file", wc->client_ca_file);
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(wc->client_ca_file);
		if (!names)
			return ssl_fail(err, "no CA names in client_ca_file", wc->client_ca_file);
		SSL_CTX_set_client_CA_list(ctx, names);
	}
	SSL_CTX_set_verify(ctx, mode, cb);
	/* Session resumption with client certificates needs an id context. */
	SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1);
	return 0;
}

int tlsserver_configure(void *ssl_ctx, const webconfig_t *wc, buf_t *err)
{
	SSL_CTX *ctx = ssl_ctx;
	ERR_clear_error();
	if (SSL_CTX_use_certificate_chain_file(ctx, wc->cert_file) != 1)
		return ssl_fail(err, "cannot load cert_file", wc->cert_file);
	if (SSL_CTX_use_PrivateKey_file(ctx, wc->key_file, SSL_FILETYPE_PEM) != 1)
		return ssl_fail(err, "cannot load key_file", wc->key_file);
	if (SSL_CTX_check_private_key(ctx) != 1)
		return ssl_fail(err, "key_file does not match cert_file", wc->key_file);
	if (SSL_CTX_set_min_proto_version(ctx, wc->min_version) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, wc->max_version) != 1)
		return ssl_fail(err, "unsupported TLS version range", NULL);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
				 (wc->prefer_server_ciphers ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0));
	return client_auth(ctx, wc, err);
}

/* civetweb resolves its TLS functions with dlopen(name) + dlsym: the object
 * it will get must be loaded already and have every name it needs. */
static int check_dlopen_target(const char *name, const char *sym, buf_t *err)
{
	void *h = dlopen(name, RTLD_NOW | RTLD_NOLOAD);
	int ok = h && dlsym(h, sym) != NULL;
	if (h)
		dlclose(h);
	if (!ok)
		buf_printf(err, "HTTPS: %s with %s is not loaded: keep the exporter's libssl.so and "
			   "libcrypto.so next to the binary (civetweb 1.15 with OpenSSL 3 would crash; "
			   "see docs/security.md)", name, sym);
	return ok ? 0 : -1;
}

int tlsserver_check(const webconfig_t *wc, buf_t *err)
{
	if (check_dlopen_target("libssl.so", OLD_PEER_CERT_FN, err) ||
	    check_dlopen_target("libcrypto.so", "ERR_get_error", err))
		return -1;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		return ssl_fail(err, "cannot create a TLS context", NULL);
	int rc = tlsserver_configure(ctx, wc, err);
	SSL_CTX_free(ctx);
	return rc;
}
