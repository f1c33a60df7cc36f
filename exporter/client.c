/* client: libcurl fetch of Locust's JSON (see client.h). */
#include "client.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpopts.h"

struct client {
	CURL *curl;
	struct curl_slist *headers;
	char *base;
	buf_t url;
	buf_t *body;     /* target of the current transfer */
	long long max;
	int too_large;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	client_t *c = ud;
	size_t len = size * n;
	if ((long long)(c->body->len + len) > c->max) {
		c->too_large = 1;
		return 0; /* abort the transfer now, not after reading it all */
	}
	buf_put(c->body, p, len);
	return c->body->oom ? 0 : len;
}

client_t *client_new(const config_t *cfg, const char *base_uri)
{
	client_t *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	buf_init(&c->url);
	c->max = cfg->max_body;
	c->base = strdup(base_uri);
	c->curl = curl_easy_init();
	if (!c->base || !c->curl)
		goto fail;
	size_t bl = strlen(c->base);
	while (bl > 0 && c->base[bl - 1] == '/')
		c->base[--bl] = '\0';
	c->headers = curl_slist_append(NULL, "Accept: application/json");
	for (size_t i = 0; c->headers && i < cfg->nheaders; i++) {
		struct curl_slist *h = curl_slist_append(c->headers, cfg->headers[i]);
		if (!h)
			goto fail;
		c->headers = h;
	}
	if (!c->headers)
		goto fail;
	CURL *h = c->curl;
	httpopts_t o = {cfg->timeout_ms, cfg->user, cfg->password, cfg->ca_file,
			cfg->cert_file, cfg->key_file, cfg->insecure};
	httpopts_apply(h, &o);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_body);
	return c;
fail:
	client_free(c);
	return NULL;
}

void client_free(client_t *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	free(c->base);
	buf_free(&c->url);
	free(c);
}

static int looks_like_json(const buf_t *b)
{
	for (size_t i = 0; i < b->len; i++) {
		char ch = b->data[i];
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
			continue;
		return ch == '{' || ch == '[';
	}
	return 0;
}

static int mentions_login(const buf_t *b)
{
	return b->len && memmem(b->data, b->len, "login", 5) != NULL;
}

static reason_t classify_http(client_t *c, long status, buf_t *detail)
{
	char *loc = NULL;
	if (status == 401 || status == 403) {
		buf_printf(detail, "HTTP %ld from %s: Locust wants credentials (--locust.user, --locust.password-file)",
			   status, c->url.data);
		return RS_AUTH;
	}
	if (status >= 300 && status < 400) {
		curl_easy_getinfo(c->curl, CURLINFO_REDIRECT_URL, &loc);
		if (loc && strstr(loc, "login")) {
			buf_printf(detail, "HTTP %ld to %s: Locust runs with --web-login; give the exporter a route without login",
				   status, loc);
			return RS_AUTH;
		}
		buf_printf(detail, "HTTP %ld redirect to %s (redirects are not followed; fix --locust.uri)",
			   status, loc ? loc : "?");
		return RS_REDIRECT;
	}
	if (status < 200 || status >= 300) {
		buf_printf(detail, "HTTP %ld from %s", status, c->url.data);
		return RS_HTTP_STATUS;
	}
	if (!looks_like_json(c->body)) {
		if (mentions_login(c->body)) {
			buf_printf(detail, "%s answered a login page: Locust runs with --web-login", c->url.data);
			return RS_AUTH;
		}
		buf_printf(detail, "%s answered %zu bytes that are not JSON (is this Locust's web UI?)",
			   c->url.data, c->body->len);
		return RS_NOT_JSON;
	}
	return RS_OK;
}

static reason_t classify_curl(client_t *c, CURLcode rc, const char *msg, buf_t *detail)
{
	buf_printf(detail, "GET %s: %s", c->url.data, msg[0] ? msg : curl_easy_strerror(rc));
	if (rc == CURLE_WRITE_ERROR)
		return c->too_large ? RS_TOO_LARGE : RS_IO;
	return httpopts_reason(rc, msg);
}

reason_t client_get(client_t *c, const char *path, buf_t *body, buf_t *detail)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	buf_reset(body);
	buf_reset(&c->url);
	buf_puts(&c->url, c->base);
	buf_puts(&c->url, path);
	if (c->url.oom) {
		buf_puts(detail, "out of memory");
		return RS_IO;
	}
	c->body = body;
	c->too_large = 0;
	curl_easy_setopt(c->curl, CURLOPT_URL, c->url.data);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
	if ((rc == CURLE_WRITE_ERROR && c->too_large) || rc == CURLE_FILESIZE_EXCEEDED) {
		buf_printf(detail, "GET %s: answer larger than --locust.max-response-size (%lld bytes)",
			   c->url.data, c->max);
		return RS_TOO_LARGE;
	}
	if (rc != CURLE_OK)
		return classify_curl(c, rc, errbuf, detail);
	if (body->oom) {
		buf_puts(detail, "out of memory reading Locust's answer");
		return RS_IO;
	}
	long status = 0;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	return classify_http(c, status, detail);
}
