/* server: civetweb handlers (see server.h).
 *
 * One catch-all handler dispatches on the exact path, so civetweb's prefix
 * matching never serves a neighbour route, and anything else is a 404.
 * No document_root is set: civetweb serves no file, whatever the path.
 * --web.config.file adds HTTPS (tlsserver) and basic auth (basicauth) in
 * front of every route except the health checks.
 *
 * Connections (docs/security.md, "Clients that hold connections"): civetweb
 * 1.15 gives every connection a worker thread until the request header is
 * in, so a client that sends nothing or half a header holds one, and the
 * others queue behind it in arrival order.  Against that: the kernel keeps
 * connections that sent nothing away from civetweb (TCP_DEFER_ACCEPT,
 * listensock); --web.request-timeout (500 ms) frees a worker held by half
 * a header; with N workers (--web.max-threads, 136), up to 2N-1 such
 * clients held at once delay a new connection by one timeout at most, as
 * it is among the next N to get a worker; each worker gives back the
 * stack it touched after every connection (threadstack), so the pool costs
 * ~20 KiB a worker; --web.allowed-networks refuses other clients before
 * they reach a worker. */
#include "server.h"

#include <civetweb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basicauth.h"
#include "httpd.h"
#include "listensock.h"
#include "log.h"
#include "netacl.h"
#include "openmetrics.h"
#include "probe.h"
#include "threadstack.h"
#include "tlsserver.h"
#include "webconfig.h"

#ifndef LE_VERSION
#define LE_VERSION "dev"
#endif

volatile sig_atomic_t server_quit_requested;

/* --web.request-timeout's defaults.  Plain HTTP: TCP_DEFER_ACCEPT hands
 * over a connection once its first bytes are in, and a request header is
 * one segment, so only a client that stops half-way runs into this; half a
 * second keeps a scrape's wait behind such clients under 1 s (see the top).
 * HTTPS: the handshake needs client round trips after that, and a client
 * short of CPU (measured: 64 curl at once beside a busy loop on 2 cores)
 * can take longer than 500 ms between them. */
#define REQUEST_TIMEOUT_MS 500
#define REQUEST_TIMEOUT_TLS_MS 2000

struct server {
	struct mg_context *ctx;
	const config_t *cfg;
	target_t *target;
	probe_t *probe;
	buf_t landing;
	webconfig_t web;        /* zeroed when there is no --web.config.file */
	basicauth_t *auth;      /* NULL: no basic_auth_users */
};

static void send_text(struct mg_connection *c, int status, const char *body)
{
	httpd_send(c, status, "text/plain; charset=utf-8", body, strlen(body), NULL);
}

static void render_auth(void *auth, buf_t *out)
{
	basicauth_render(auth, out);
}

/* Scrape t and answer with its text, or its OpenMetrics form when the
 * Accept header prefers it, gzipped when accepted (the server's own auth
 * counters are part of /metrics' text: target render_extra). */
static void send_scrape(target_t *t, struct mg_connection *c)
{
	result_t *r = target_scrape(t);
	expo_format_t fmt = om_negotiate(mg_get_header(c, "Accept"));
	const buf_t *body = r && r->text.len && !r->text.oom ? result_form(r, fmt) : NULL;
	buf_t scratch; /* a gzip of the form the result's own is not */
	buf_init(&scratch);
	if (!body) {
		send_text(c, 500, "out of memory rendering metrics\n");
	} else {
		const buf_t *gz = httpd_accepts_gzip(c) ? result_gzip(r, fmt, &scratch) : NULL;
		httpd_send(c, 200, om_content_type(fmt), body->data, body->len, gz);
	}
	buf_free(&scratch);
	if (r)
		result_release(t, r);
}

static void h_metrics(server_t *s, struct mg_connection *c)
{
	send_scrape(s->target, c);
}

static void h_probe(server_t *s, struct mg_connection *c)
{
	int temp;
	target_t *t = probe_acquire(s->probe, c, &temp);
	if (t) {
		send_scrape(t, c);
		probe_release(s->probe, t, temp);
	}
}

static void h_landing(server_t *s, struct mg_connection *c)
{
	httpd_send(c, 200, "text/html; charset=utf-8", s->landing.data, s->landing.len, NULL);
}

static void h_healthy(server_t *s, struct mg_connection *c)
{
	(void)s;
	send_text(c, 200, "OK\n");
}

static void h_quit(server_t *s, struct mg_connection *c)
{
	if (s->cfg->disable_exit) {
		send_text(c, 404, "404 page not found\n");
		return;
	}
	send_text(c, 200, "Exiting\n");
	log_info("exit requested through /quitquitquit");
	server_quit_requested = 1;
}

static int is_health(const char *path)
{
	return strcmp(path, "/-/healthy") == 0 || strcmp(path, "/-/ready") == 0 ||
	       strcmp(path, "/healthz") == 0;
}

/* Basic auth in front of everything but the health checks (they say "OK"
 * and nothing else, and probes rarely carry credentials).  0: go on. */
static int refuse_unauthorized(server_t *s, struct mg_connection *c, const char *path)
{
	static const char body[] = "401 Unauthorized\n";
	char len[16];
	if (!s->auth || is_health(path) ||
	    basicauth_check(s->auth, mg_get_header(c, "Authorization")) == BA_OK)
		return 0;
	snprintf(len, sizeof len, "%zu", sizeof body - 1);
	mg_response_header_start(c, 401);
	mg_response_header_add(c, "WWW-Authenticate", "Basic realm=\"locust_exporter\", charset=\"UTF-8\"", -1);
	mg_response_header_add(c, "Content-Type", "text/plain; charset=utf-8", -1);
	mg_response_header_add(c, "Content-Length", len, -1);
	mg_response_header_send(c);
	mg_write(c, body, sizeof body - 1);
	return 1;
}

static int dispatch(struct mg_connection *c, void *ud)
{
	server_t *s = ud;
	const struct mg_request_info *ri = mg_get_request_info(c);
	const char *path = ri->local_uri ? ri->local_uri : "";
	if (refuse_unauthorized(s, c, path))
		return 1;
	if (strcmp(path, s->cfg->telemetry_path) == 0)
		h_metrics(s, c);
	else if (strcmp(path, "/") == 0)
		h_landing(s, c);
	else if (is_health(path))
		h_healthy(s, c);
	else if (strcmp(path, "/probe") == 0)
		h_probe(s, c);
	else if (strcmp(path, "/quitquitquit") == 0)
		h_quit(s, c);
	else
		send_text(c, 404, "404 page not found\n");
	return 1;
}

/* civetweb's own authorization step: with no handler installed it looks
 * for a .htpasswd beside the path on every request (a stat() of
 * "/.htpasswd", as no document_root is set).  Our basic auth runs in
 * dispatch, so this step lets everything through. */
static int skip_htpasswd(struct mg_connection *c, void *ud)
{
	(void)c;
	(void)ud;
	return 1;
}

/* civetweb logs each connection that access_control_list refuses; at most
 * one line a minute, with the count, keeps a flood out of the log. */
#define REFUSAL_LOG_EVERY_S 60

static pthread_mutex_t refused_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long refused_unlogged;
static time_t refused_logged_at;

static void log_refusal(const char *msg)
{
	time_t now = time(NULL);
	pthread_mutex_lock(&refused_mu);
	refused_unlogged++;
	if (refused_logged_at == 0 || now - refused_logged_at >= REFUSAL_LOG_EVERY_S) {
		log_warn("refused %lu connection(s) from outside --web.allowed-networks (latest: %s)",
			 refused_unlogged, msg);
		refused_unlogged = 0;
		refused_logged_at = now;
	}
	pthread_mutex_unlock(&refused_mu);
}

static int on_log(const struct mg_connection *c, const char *msg)
{
	(void)c;
	if (strstr(msg, " is not allowed to connect"))
		log_refusal(msg);
	else
		log_warn("http server: %s", msg);
	return 1;
}

/* A worker's connection is over: its deep stack pages go back.  Worth it
 * for a large pool only: giving pages back costs a TLB flush on every CPU
 * and the faults to take them again, ~0.3 ms per connection on a virtual
 * machine, which a pool of a few workers does not save memory for. */
#define STACK_RELEASE_MIN_THREADS 32

static void on_closed(const struct mg_connection *c)
{
	(void)c;
	threadstack_release();
}

/* The context exists and listens, no thread serves yet: routes and socket
 * options set here are in place for the very first connection (set after
 * mg_start returns, a request arriving in between would get civetweb's own
 * 404).  The context is civetweb's, not const; the callback only says that
 * civetweb does not change it here. */
static void on_context(const struct mg_context *cctx)
{
	struct mg_context *ctx = (struct mg_context *)cctx;
	server_t *s = mg_get_user_data(ctx);
	mg_set_auth_handler(ctx, "/", skip_htpasswd, s);
	mg_set_request_handler(ctx, "/", dispatch, s);
	buf_t why;
	buf_init(&why);
	if (listensock_defer_accept(ctx, LISTENSOCK_DEFER_ACCEPT_S, &why) < 0)
		log_warn("connections that send nothing will hold a worker thread: %s", buf_str(&why));
	buf_free(&why);
}

static void build_landing(server_t *s)
{
	buf_printf(&s->landing,
		   "<!DOCTYPE html>\n<html><head><title>Locust Exporter</title></head><body>\n"
		   "<h1>Locust Exporter</h1>\n<p>Version " LE_VERSION "</p>\n<ul>\n"
		   "<li><a href=\"%s\">Metrics</a></li>\n"
		   "<li><a href=\"/-/healthy\">Health</a></li>\n"
		   "<li>Multi-target: <code>/probe?target=&lt;Locust URI&gt;</code></li>\n</ul>\n"
		   "<p>Locust: <code>",
		   s->cfg->telemetry_path);
	for (const char *p = s->cfg->uri; *p; p++) {
		if (*p == '<')
			buf_puts(&s->landing, "&lt;");
		else if (*p == '&')
			buf_puts(&s->landing, "&amp;");
		else if (*p == '"')
			buf_puts(&s->landing, "&quot;");
		else
			buf_putc(&s->landing, *p);
	}
	buf_puts(&s->landing, "</code></p>\n</body></html>\n");
}

/* civetweb created the SSL_CTX: certificate, versions, client certs. */
static int on_init_ssl(void *ssl_ctx, void *ud)
{
	server_t *s = ud;
	buf_t err;
	buf_init(&err);
	int rc = tlsserver_configure(ssl_ctx, &s->web, &err);
	if (rc)
		log_error("%s", buf_str(&err));
	buf_free(&err);
	return rc ? -1 : 1;
}

static const char *client_auth_name(client_auth_t a)
{
	static const char *const names[] = {
		"NoClientCert", "RequestClientCert", "RequireAnyClientCert",
		"VerifyClientCertIfGiven", "RequireAndVerifyClientCert",
	};
	return names[a];
}

/* Read --web.config.file and check everything it names, before listening. */
static int load_web_config(server_t *s, buf_t *err)
{
	if (!s->cfg->web_config || !*s->cfg->web_config)
		return 0;
	if (webconfig_load(&s->web, s->cfg->web_config, err))
		return -1;
	buf_t why;
	buf_init(&why);
	if ((s->web.nusers && !(s->auth = basicauth_new(s->web.users, s->web.nusers, &why))) ||
	    (s->web.tls && tlsserver_check(&s->web, &why))) {
		buf_printf(err, "web config %s: %s", s->cfg->web_config, buf_str(&why));
		buf_free(&why);
		return -1;
	}
	buf_free(&why);
	log_info("web config %s: %s, %zu basic-auth user(s)%s%s", s->cfg->web_config,
		 s->web.tls ? "HTTPS" : "plain HTTP", s->web.nusers,
		 s->web.tls ? ", client certificates: " : "",
		 s->web.tls ? client_auth_name(s->web.client_auth) : "");
	return 0;
}

server_t *server_start(const config_t *cfg, target_t *main_target, buf_t *err)
{
	server_t *s = calloc(1, sizeof *s);
	buf_t ports, acl;
	char threads[16], timeout[24];
	buf_init(&ports);
	buf_init(&acl);
	if (!s) {
		buf_puts(err, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->target = main_target;
	buf_init(&s->landing);
	build_landing(s);
	if (!(s->probe = probe_new(cfg, err)))
		goto fail;
	if (load_web_config(s, err) || httpd_listen_spec(cfg->listen, s->web.tls, &ports, err) ||
	    netacl_spec(cfg->allowed_networks, &acl, err) || s->landing.oom)
		goto fail;
	if (s->auth) {
		main_target->render_extra = render_auth;
		main_target->render_extra_ud = s->auth;
	}
	snprintf(threads, sizeof threads, "%d", cfg->threads);
	snprintf(timeout, sizeof timeout, "%ld", cfg->request_timeout_ms ? cfg->request_timeout_ms
			 : s->web.tls ? REQUEST_TIMEOUT_TLS_MS : REQUEST_TIMEOUT_MS);
	const char *opts[] = {
		"listening_ports", ports.data,
		"num_threads", threads,
		"enable_keep_alive", "yes",
		/* Replies built header by header (the 401 path) must not wait
		 * for the client's delayed ACK (Nagle). */
		"tcp_nodelay", "1",
		/* TLS handshake, then request header: each this long at most
		 * (civetweb also abandons a write stalled for this long or its
		 * 2 s poll step, whichever is longer).  The clock starts when a
		 * worker takes the connection. */
		"request_timeout_ms", timeout,
		/* a kept-alive connection's next request (civetweb's default) */
		"keep_alive_timeout_ms", "500",
		/* connections waiting for a worker wait in the kernel: room for
		 * thousands (capped by net.core.somaxconn) */
		"listen_backlog", "4096",
		/* Routes match the path as sent: "/metrics%00.txt" is not /metrics. */
		"decode_url", "no",
		acl.len ? "access_control_list" : NULL, acl.data,
		NULL,
	};
	struct mg_callbacks cb;
	memset(&cb, 0, sizeof cb);
	cb.log_message = on_log;
	if (cfg->threads >= STACK_RELEASE_MIN_THREADS)
		cb.connection_closed = on_closed;
	cb.init_context = on_context;
	if (s->web.tls)
		cb.init_ssl = on_init_ssl;
	s->ctx = mg_start(&cb, s, opts);
	if (!s->ctx) {
		buf_printf(err, "cannot listen on %s (address in use or not permitted)", cfg->listen);
		goto fail;
	}
	buf_free(&ports);
	buf_free(&acl);
	return s;
fail:
	buf_free(&ports);
	buf_free(&acl);
	probe_free(s->probe);
	buf_free(&s->landing);
	basicauth_free(s->auth);
	webconfig_free(&s->web);
	free(s);
	return NULL;
}

void server_stop(server_t *s)
{
	if (!s)
		return;
	mg_stop(s->ctx);
	probe_free(s->probe);
	buf_free(&s->landing);
	basicauth_free(s->auth);
	webconfig_free(&s->web);
	free(s);
}
