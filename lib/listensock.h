/* listensock: kernel options on the listening sockets civetweb opened.
 *
 * civetweb 1.15 hands a connection to a worker thread as soon as it is
 * accepted, and the worker then waits for the request (request_timeout_ms).
 * A client that connects and sends nothing would hold a worker for that
 * long; with TCP_DEFER_ACCEPT (Linux) the kernel completes such a
 * connection but keeps it out of the accept queue until its first bytes
 * arrive, so it costs no thread, no descriptor and no user memory.
 * civetweb gives no access to its listening sockets; they are found among
 * the process's descriptors (/proc/self/fd): listening TCP sockets bound to
 * one of the context's ports. */
#ifndef LE_LISTENSOCK_H
#define LE_LISTENSOCK_H

#include "buf.h"

struct mg_context;

/* How long the kernel holds a connection that sent nothing: after that
 * (rounded up to its SYN-ACK retransmission schedule) it is accepted, and
 * closed by civetweb when its request timeout runs out. */
#define LISTENSOCK_DEFER_ACCEPT_S 120

/* Set TCP_DEFER_ACCEPT to `seconds` on every listening socket of ctx.
 * Returns the number of sockets set (> 0), or -1 with a one-line reason in
 * err (none found, or setsockopt refused). */
int listensock_defer_accept(const struct mg_context *ctx, int seconds, buf_t *err);

#endif
