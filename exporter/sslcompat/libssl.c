/* sslcompat/libssl: the OpenSSL 1.1 name civetweb 1.15 still calls.
 *
 * Debian's civetweb 1.15 loads TLS with dlopen("libssl.so") and looks up
 * SSL_get_peer_certificate, which OpenSSL 3 only has as a macro for
 * SSL_get1_peer_certificate; the missing symbol becomes a NULL function
 * pointer that every HTTPS handshake calls.  This object has the SONAME
 * "libssl.so" and depends on the real libssl.so.3: the exporter links it
 * (rpath $ORIGIN), so civetweb's dlopen("libssl.so") answers with this
 * already-loaded object, every other SSL_* symbol resolves through its
 * dependency, and the old name exists.  Both functions return a new
 * reference to the peer certificate, so the semantics are identical. */
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate

X509 *SSL_get_peer_certificate(const SSL *s);

X509 *SSL_get_peer_certificate(const SSL *s)
{
	return SSL_get1_peer_certificate(s);
}
