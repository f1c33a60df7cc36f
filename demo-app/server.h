/* server: the civetweb side of the demo app: options (listen address,
 * worker pool sized for 1000 concurrent users, small thread stacks,
 * keep-alive off unless asked for, clients that hold connections kept
 * cheap),
 * callbacks, start and stop. */
#ifndef DEMO_SERVER_H
#define DEMO_SERVER_H

#include "buf.h"

struct mg_context;

/* Idle time (ms) after which a kept-alive connection is closed, freeing
 * its worker thread (--keep-alive only). */
#define SERVER_KEEP_ALIVE_IDLE_MS 5000

/* How long a new connection may take to send its request header (a string:
 * a civetweb option value). */
#define SERVER_REQUEST_TIMEOUT_MS "500"

/* Start serving every path with app_handle, with HTTP keep-alive when
 * keep_alive; NULL with a one-line reason in err. */
struct mg_context *server_start(const char *listen, long threads, int keep_alive,
				buf_t *err);
/* Stop serving (listen: the address given to server_start). */
void server_stop(struct mg_context *ctx, const char *listen);
/* The port actually bound (useful with port 0), or -1. */
int server_port(struct mg_context *ctx);

#endif
