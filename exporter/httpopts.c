/* httpopts: shared libcurl settings and error reasons (see httpopts.h). */
#include "httpopts.h"

#include <string.h>

#ifndef LE_VERSION
#define LE_VERSION "dev"
#endif

void httpopts_apply(CURL *h, const httpopts_t *o)
{
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "locust_exporter/" LE_VERSION);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
	if (o->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
	if (o->cert_file) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, o->cert_file);
		curl_easy_setopt(h, CURLOPT_SSLKEY, o->key_file);
	}
	if (o->user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, o->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, o->password ? o->password : "");
	}
}

reason_t httpopts_reason(CURLcode rc, const char *msg)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return RS_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return RS_CONNECT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		return RS_TLS;
	case CURLE_FILESIZE_EXCEEDED:
		return RS_TOO_LARGE;
	case CURLE_RECV_ERROR:
		/* TLS 1.3 servers reject a missing client certificate after the
		 * handshake: it arrives as a read error carrying a TLS alert. */
		return msg && strstr(msg, "SSL") && strstr(msg, "alert") ? RS_TLS : RS_IO;
	default:
		return RS_IO;
	}
}
