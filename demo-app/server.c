/* server: civetweb setup for the demo app (see server.h).
 *
 * civetweb 1.15 serves one connection per worker thread and creates all
 * num_threads workers at start, so 1000 concurrent sleeping requests need
 * a pool of ~1100 threads.  Debian's civetweb gives its threads 100 KiB
 * stacks itself; the process-wide default set here (small_stacks) covers
 * the app's other threads.  After each connection a worker gives back the
 * stack pages it touched (threadstack).
 *
 * Clients that hold connections (docs/demo-app.md): connections that send
 * nothing stay in the kernel (TCP_DEFER_ACCEPT, listensock) and take no
 * worker; one that sends half a request header holds a worker for
 * request_timeout_ms at most. */
#include "server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "httpd.h"
#include "listensock.h"
#include "log.h"
#include "threadstack.h"

#if defined(__SANITIZE_ADDRESS__)
#define WORKER_STACK (1024 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WORKER_STACK (1024 * 1024)
#endif
#endif
#ifndef WORKER_STACK
#define WORKER_STACK (256 * 1024)
#endif

static int on_log(const struct mg_connection *c, const char *msg)
{
	(void)c;
	log_warn("civetweb: %s", msg);
	return 1;
}

static int on_conn_open(const struct mg_connection *c, void **data)
{
	(void)c;
	(void)data;
	app_busy(1);
	return 0;
}

static void on_conn_closed(const struct mg_connection *c)
{
	(void)c;
	app_busy(-1);
	threadstack_release();
}

/* civetweb calls this inside mg_start2, after the port is bound and before
 * its master thread accepts a connection: registering the handler here
 * means no request ever meets civetweb's own 404 for a path not yet
 * handled (the context is ours to change: the const is civetweb's API),
 * and TCP_DEFER_ACCEPT is on for the very first connection. */
static void on_init_context(const struct mg_context *ctx)
{
	mg_set_request_handler((struct mg_context *)ctx, "/", app_handle, NULL);
	buf_t why;
	buf_init(&why);
	if (listensock_defer_accept(ctx, LISTENSOCK_DEFER_ACCEPT_S, &why) < 0)
		log_warn("connections that send nothing will hold a worker thread: %s", buf_str(&why));
	buf_free(&why);
}

/* The options at debug level, as "name=value ..." (bench/demo.py gives
 * the reference civetweb the same ones). */
static void log_options(const char *const *options)
{
	if (!log_enabled(LOG_DEBUG))
		return;
	buf_t line;
	buf_init(&line);
	for (size_t i = 0; options[i] && options[i + 1]; i += 2)
		buf_printf(&line, "%s%s=%s", i ? " " : "", options[i], options[i + 1]);
	log_debug("civetweb options: %s", buf_str(&line));
	buf_free(&line);
}

static void small_stacks(void)
{
	pthread_attr_t a;
	if (pthread_attr_init(&a))
		return;
	if (pthread_attr_setstacksize(&a, WORKER_STACK) == 0 &&
	    pthread_setattr_default_np(&a) != 0)
		log_warn("cannot shrink the worker thread stacks");
	pthread_attr_destroy(&a);
}

struct mg_context *server_start(const char *listen, long threads, int keep_alive,
				buf_t *err)
{
	buf_t ports;
	buf_init(&ports);
	if (httpd_listen_spec(listen, 0, &ports, err)) {
		buf_free(&ports);
		return NULL;
	}
	char nthreads[24], queue[24], idle[24];
	snprintf(nthreads, sizeof nthreads, "%ld", threads);
	snprintf(idle, sizeof idle, "%d", SERVER_KEEP_ALIVE_IDLE_MS);
	snprintf(queue, sizeof queue, "%ld", threads < 64 ? 64 : threads);
	const char *options[] = {
		"listening_ports", buf_str(&ports),
		"num_threads", nthreads,
		"connection_queue", queue,
		"listen_backlog", "4096",
		/* off: as the Flask dev server; respond.c says which in Connection */
		"enable_keep_alive", keep_alive ? "yes" : "no",
		"tcp_nodelay", "1",        /* a reply past one segment: no Nagle wait for its tail */
		/* a new connection's request header: it is there on arrival
		 * (TCP_DEFER_ACCEPT), so this only bounds clients that stop
		 * half-way, each holding a worker until then */
		"request_timeout_ms", SERVER_REQUEST_TIMEOUT_MS,
		/* civetweb waits this long for a kept-alive connection's next
		 * request (request_timeout_ms covers only its first one) */
		keep_alive ? "keep_alive_timeout_ms" : NULL, idle,
		NULL,
	};
	struct mg_callbacks cb;
	memset(&cb, 0, sizeof cb);
	cb.log_message = on_log;
	cb.init_connection = on_conn_open;
	cb.connection_closed = on_conn_closed;
	cb.init_context = on_init_context;
	log_options(options);
	small_stacks();
	struct mg_init_data init = {.callbacks = &cb, .configuration_options = options};
	struct mg_error_data ed;
	char msg[256] = "";
	unsigned code = 0;
	memset(&ed, 0, sizeof ed);
	ed.code = &code;
	ed.text = msg;
	ed.text_buffer_size = sizeof msg;
	struct mg_context *ctx = mg_start2(&init, &ed);
	if (!ctx)
		buf_printf(err, "cannot listen on %s: %s", listen,
			   msg[0] ? msg : "civetweb failed to start");
	buf_free(&ports);
	return ctx;
}

/* civetweb's master thread notices a stop only when its poll() on the
 * listening socket returns, up to 2 s later; connections of our own to the
 * port wake it at once. */
struct poke {
	struct sockaddr_in addr;
	atomic_int done;
};

static void *poke_run(void *arg)
{
	struct poke *p = arg;
	struct timespec gap = {0, 50 * 1000 * 1000};
	for (int i = 0; i < 60 && !atomic_load(&p->done); i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			(void)!connect(fd, (struct sockaddr *)&p->addr, sizeof p->addr);
			close(fd);
		}
		nanosleep(&gap, NULL);
	}
	return NULL;
}

static void poke_address(struct poke *p, const char *listen, int port)
{
	memset(&p->addr, 0, sizeof p->addr);
	p->addr.sin_family = AF_INET;
	p->addr.sin_port = htons((uint16_t)port);
	p->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	const char *colon = strrchr(listen, ':');
	char host[64];
	size_t n = colon ? (size_t)(colon - listen) : 0;
	if (n > 0 && n < sizeof host) {
		memcpy(host, listen, n);
		host[n] = '\0';
		struct in_addr a;
		if (inet_pton(AF_INET, host, &a) == 1 && a.s_addr != htonl(INADDR_ANY))
			p->addr.sin_addr = a;
	}
	atomic_init(&p->done, 0);
}

void server_stop(struct mg_context *ctx, const char *listen)
{
	if (!ctx)
		return;
	struct poke p;
	pthread_t t;
	int port = server_port(ctx);
	poke_address(&p, listen, port);
	int poking = port > 0 && pthread_create(&t, NULL, poke_run, &p) == 0;
	mg_stop(ctx);
	atomic_store(&p.done, 1);
	if (poking)
		pthread_join(t, NULL);
}

int server_port(struct mg_context *ctx)
{
	struct mg_server_port p[4];
	memset(p, 0, sizeof p);
	int n = mg_get_server_ports(ctx, 4, p);
	return n > 0 ? p[0].port : -1;
}
