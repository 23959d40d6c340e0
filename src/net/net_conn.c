/*
 * net_conn: TCP connections with a timeout on every step (connect, and each
 * read or write that makes no progress), the plain-text side of reading and
 * writing, and the loopback test. net_tls.c adds TLS on top.
 *
 * Sockets are non-blocking and close-on-exec; writes use MSG_NOSIGNAL, so a
 * peer that goes away gives an error, never SIGPIPE. A connection is used
 * by the one thread that owns it (an account's worker).
 */
#include "net/net_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

int
net_wait(struct net_conn *c, short events, struct cachet_err *err)
{
	struct pollfd pfd;
	int64_t deadline = -1, left;
	int ms, r;

	if (c->timeout_sec > 0)
		deadline = util_now_ms() + (int64_t)c->timeout_sec * 1000;
	for (;;) {
		ms = -1;
		if (deadline >= 0) {
			left = deadline - util_now_ms();
			if (left > INT_MAX)
				left = INT_MAX;
			ms = left > 0 ? (int)left : 0;
		}
		pfd.fd = c->fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r > 0 && (pfd.revents & POLLNVAL))
			break;
		/* POLLERR and POLLHUP: the next read or write says why. */
		if (r > 0)
			return 0;
		if (r == 0)
			return cachet_err(err, CACHET_E_TIMEOUT,
			    "no answer from %s for %d s", c->host,
			    c->timeout_sec);
		if (errno != EINTR)
			break;
	}
	return cachet_err(err, CACHET_E_NET, "waiting for %s: %s", c->host,
	    r > 0 ? "bad socket" : strerror(errno));
}

/* Try one address; on success c->fd is connected. */
static int
connect_addr(struct net_conn *c, const struct addrinfo *ai,
    struct cachet_err *err)
{
	int fd, r, soerr = 0;
	socklen_t len = sizeof(soerr);

	fd = socket(ai->ai_family,
	    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		goto fail;
	c->fd = fd;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	/* EINTR: the connection goes on in the background, like EINPROGRESS. */
	if (errno != EINPROGRESS && errno != EINTR)
		goto fail;
	if ((r = net_wait(c, POLLOUT, err)) < 0)
		goto out;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		goto fail;
	if (soerr == 0)
		return 0;
	errno = soerr;
fail:
	r = cachet_err(err, CACHET_E_NET, "cannot connect to %s port %d: %s",
	    c->host, c->port, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	c->fd = -1;
	return r;
}

static struct net_conn *
conn_new(const char *host, int port, int timeout_sec)
{
	struct net_conn *c = xcalloc(1, sizeof(*c));

	c->fd = -1;
	c->port = port;
	c->timeout_sec = timeout_sec;
	c->host = xstrdup(host);
	return c;
}

int
net_conn_open(struct net_conn **out, const char *host, int port,
    int timeout_sec, struct cachet_err *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct net_conn *c;
	char serv[16];
	int gai, r, one = 1;

	*out = NULL;
	if (util_str_empty(host))
		return cachet_err(err, CACHET_E_INVAL, "no server name given");
	if (port < 1 || port > 65535)
		return cachet_err(err, CACHET_E_INVAL, "bad port %d for %s",
		    port, host);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%d", port);
	gai = getaddrinfo(host, serv, &hints, &res);
	if (gai != 0)
		return cachet_err(err, CACHET_E_NET, "cannot resolve %s: %s",
		    host, gai == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(gai));
	c = conn_new(host, port, timeout_sec);
	/* Every address in turn (::1 then 127.0.0.1 for localhost, say). */
	r = 1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((r = connect_addr(c, ai, err)) == 0)
			break;
	}
	freeaddrinfo(res);
	if (r > 0)
		r = cachet_err(err, CACHET_E_NET,
		    "cannot resolve %s: no address", host);
	if (r < 0) {
		net_conn_close(c);
		return r;
	}
	/* Commands are small and answered at once: do not hold them back. */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*out = c;
	return 0;
}

static ssize_t
plain_read(struct net_conn *c, void *buf, size_t len, struct cachet_err *err)
{
	ssize_t n;
	int r;

	for (;;) {
		n = recv(c->fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return cachet_err(err, CACHET_E_NET,
			    "reading from %s: %s", c->host, strerror(errno));
		if ((r = net_wait(c, POLLIN, err)) < 0)
			return r;
	}
}

static int
plain_write(struct net_conn *c, const void *buf, size_t len,
    struct cachet_err *err)
{
	const char *p = buf;
	ssize_t n;
	int r;

	while (len > 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return cachet_err(err, CACHET_E_NET,
			    "writing to %s: %s", c->host,
			    n == 0 ? "nothing written" : strerror(errno));
		if ((r = net_wait(c, POLLOUT, err)) < 0)
			return r;
	}
	return 0;
}

static int
check_usable(struct net_conn *c, struct cachet_err *err)
{
	if (c == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no connection");
	if (c->dead)
		return cachet_err(err, CACHET_E_TLS,
		    "connection to %s is unusable after a TLS failure",
		    c->host);
	return 0;
}

ssize_t
net_conn_read(struct net_conn *c, void *buf, size_t len,
    struct cachet_err *err)
{
	int r;

	if ((r = check_usable(c, err)) < 0)
		return r;
	if (buf == NULL || len == 0)
		return cachet_err(err, CACHET_E_INVAL, "empty read buffer");
	if (c->ssl != NULL)
		return net_tls_read(c, buf, len, err);
	return plain_read(c, buf, len, err);
}

int
net_conn_write(struct net_conn *c, const void *buf, size_t len,
    struct cachet_err *err)
{
	int r;

	if ((r = check_usable(c, err)) < 0)
		return r;
	if (len == 0)
		return 0;
	if (buf == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no data to write");
	if (c->ssl != NULL)
		return net_tls_write(c, buf, len, err);
	return plain_write(c, buf, len, err);
}

size_t
net_conn_pending(struct net_conn *c)
{
	int n;

	if (c == NULL || c->ssl == NULL || c->dead)
		return 0;
	n = SSL_pending(c->ssl);
	return n > 0 ? (size_t)n : 0;
}

bool
net_conn_is_tls(const struct net_conn *c)
{
	return c != NULL && c->ssl != NULL;
}

int
net_conn_fd(const struct net_conn *c)
{
	return c != NULL ? c->fd : -1;
}

void
net_conn_set_timeout(struct net_conn *c, int timeout_sec)
{
	if (c != NULL)
		c->timeout_sec = timeout_sec;
}

int
net_conn_timeout(const struct net_conn *c)
{
	return c != NULL ? c->timeout_sec : 0;
}

const char *
net_conn_tls_desc(const struct net_conn *c)
{
	if (c == NULL || c->ssl == NULL)
		return NULL;
	return c->tls_desc;
}

void
net_conn_close(struct net_conn *c)
{
	if (c == NULL)
		return;
	net_tls_free(c);
	if (c->fd >= 0)
		close(c->fd);
	free(c->host);
	free(c);
}

bool
net_is_loopback(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;
	const unsigned char *b;

	if (host == NULL)
		return false;
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1) {
		b = (const unsigned char *)&a4.s_addr;
		return b[0] == 127;
	}
	if (inet_pton(AF_INET6, host, &a6) != 1)
		return false;
	if (IN6_IS_ADDR_LOOPBACK(&a6))
		return true;
	/* ::ffff:127.x.y.z is the same IPv4 loopback, written for IPv6. */
	return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
}
