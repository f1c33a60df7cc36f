/* listensock: kernel options on civetweb's listening sockets (see listensock.h). */
#include "listensock.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_PORTS 16

/* The local port of fd when it is a listening TCP socket, else -1. */
static int listening_port(int fd)
{
	int on = 0, proto = 0;
	socklen_t len = sizeof on;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) != 0 || !on)
		return -1;
	len = sizeof proto;
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) != 0 || proto != IPPROTO_TCP)
		return -1;
	struct sockaddr_storage ss;
	len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

int listensock_defer_accept(const struct mg_context *ctx, int seconds, buf_t *err)
{
	struct mg_server_port ports[MAX_PORTS];
	memset(ports, 0, sizeof ports);
	int nports = mg_get_server_ports(ctx, MAX_PORTS, ports);
	if (nports <= 0) {
		buf_puts(err, "civetweb reports no listening port");
		return -1;
	}
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		buf_printf(err, "cannot list /proc/self/fd: %s", strerror(errno));
		return -1;
	}
	int set = 0, failed = 0, why = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || fd == dirfd(d))
			continue;
		int port = listening_port((int)fd);
		for (int i = 0; port >= 0 && i < nports; i++) {
			if (ports[i].port != port)
				continue;
			if (setsockopt((int)fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof seconds) == 0) {
				set++;
			} else {
				failed++;
				why = errno;
			}
			break;
		}
	}
	closedir(d);
	if (failed || !set) {
		if (failed)
			buf_printf(err, "TCP_DEFER_ACCEPT: %s", strerror(why));
		else
			buf_puts(err, "no listening socket of civetweb found among the open descriptors");
		return -1;
	}
	return set;
}
