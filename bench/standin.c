/* standin: a static Locust stand-in for the benchmarks.
 *
 *   bench-standin [--port P] N...   serve GET /<N>/stats/requests (and
 *                                   /stats/requests for the first N) on
 *                                   127.0.0.1, print the port, run until killed
 *   bench-standin --dump N          write the N-endpoint document to stdout
 *
 * Every answer is prepared once at start (headers + body in one buffer) and
 * sent with one write; connections are kept alive, TCP_NODELAY is on, one
 * thread per connection.  It costs the exporter's fetch as little as a
 * server can. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "payload.h"

#define MAX_SIZES 16
#define REQ_MAX 16384

typedef struct {
	size_t n;
	char path[48];
	buf_t answer; /* status line, headers and body */
} route_t;

static route_t routes[MAX_SIZES];
static size_t nroutes;
static const char not_found[] =
	"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nnot found\n";

static int prepare(route_t *r, size_t n)
{
	buf_t body;
	buf_init(&body);
	payload_generate(&body, n);
	r->n = n;
	snprintf(r->path, sizeof r->path, "/%zu/stats/requests", n);
	buf_init(&r->answer);
	buf_printf(&r->answer, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			       "Content-Length: %zu\r\n\r\n", body.len);
	buf_put(&r->answer, body.data, body.len);
	int bad = body.oom || r->answer.oom;
	buf_free(&body);
	return bad ? -1 : 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static const buf_t *lookup(const char *path, size_t len)
{
	const char *q = memchr(path, '?', len);
	if (q)
		len = (size_t)(q - path);
	if (len == 15 && memcmp(path, "/stats/requests", 15) == 0)
		return &routes[0].answer;
	for (size_t i = 0; i < nroutes; i++)
		if (strlen(routes[i].path) == len && memcmp(routes[i].path, path, len) == 0)
			return &routes[i].answer;
	return NULL;
}

/* Answer one complete request head; -1 to close the connection. */
static int answer(int fd, const char *req, size_t len)
{
	const char *sp = memchr(req, ' ', len);
	if (!sp)
		return -1;
	const char *path = sp + 1;
	const char *end = memchr(path, ' ', len - (size_t)(path - req));
	if (!end)
		return -1;
	const buf_t *a = lookup(path, (size_t)(end - path));
	int rc = a ? write_all(fd, a->data, a->len) : write_all(fd, not_found, sizeof not_found - 1);
	if (memmem(req, len, "Connection: close", 17) || memmem(req, len, "connection: close", 17))
		return -1;
	return rc;
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *req = malloc(REQ_MAX);
	size_t have = 0;
	while (req) {
		ssize_t r = read(fd, req + have, REQ_MAX - have);
		if (r <= 0)
			break;
		have += (size_t)r;
		char *eoh;
		int stop = 0;
		while (!stop && (eoh = memmem(req, have, "\r\n\r\n", 4)) != NULL) {
			size_t hl = (size_t)(eoh - req) + 4;
			stop = answer(fd, req, hl) != 0;
			memmove(req, req + hl, have - hl);
			have -= hl;
		}
		if (stop || have == REQ_MAX)
			break;
	}
	free(req);
	close(fd);
	return NULL;
}

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 128) ||
	    getsockname(fd, (struct sockaddr *)&a, &al)) {
		perror("bench-standin: listen");
		exit(1);
	}
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	return fd;
}

int main(int argc, char **argv)
{
	int port = 0, i = 1;
	if (argc == 3 && strcmp(argv[1], "--dump") == 0) {
		buf_t b;
		buf_init(&b);
		payload_generate(&b, (size_t)strtoul(argv[2], NULL, 10));
		int rc = b.oom || fwrite(b.data, 1, b.len, stdout) != b.len;
		buf_free(&b);
		return rc;
	}
	if (argc > 2 && strcmp(argv[1], "--port") == 0) {
		port = atoi(argv[2]);
		i = 3;
	}
	for (; i < argc && nroutes < MAX_SIZES; i++)
		if (prepare(&routes[nroutes++], (size_t)strtoul(argv[i], NULL, 10))) {
			fputs("bench-standin: out of memory\n", stderr);
			return 1;
		}
	if (!nroutes) {
		fputs("usage: bench-standin [--port P] N... | --dump N\n", stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	int lfd = listen_on(port);
	for (;;) {
		int c = accept(lfd, NULL, NULL), one = 1;
		pthread_t th;
		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (pthread_create(&th, NULL, serve, (void *)(intptr_t)c) != 0) {
			close(c);
			continue;
		}
		pthread_detach(th);
	}
}
