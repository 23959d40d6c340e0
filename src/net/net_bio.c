/*
 * net_bio: the OpenSSL BIO under a cachet TLS connection. It reads and
 * writes the connection's non-blocking socket like OpenSSL's own socket
 * BIO, except that it sends with MSG_NOSIGNAL: a server that goes away in
 * the middle of a write gives EPIPE rather than killing the process with
 * SIGPIPE, and no process-wide signal handler has to change for it.
 *
 * Each connection makes its own BIO_METHOD (no shared state); it runs on
 * the connection's thread.
 */
#include "net/net_int.h"

#include <errno.h>
#include <sys/socket.h>

/* A type number from the range OpenSSL leaves to applications. */
#define NET_BIO_TYPE (BIO_TYPE_START | BIO_TYPE_SOURCE_SINK)

static int
bio_write(BIO *b, const char *data, int len)
{
	struct net_conn *c = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	if (len <= 0)
		return 0;
	do
		n = send(c->fd, data, (size_t)len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_write(b);
	return (int)n;
}

static int
bio_read(BIO *b, char *data, int len)
{
	struct net_conn *c = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	if (len <= 0)
		return 0;
	do
		n = recv(c->fd, data, (size_t)len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_read(b);
	/* OpenSSL asks BIO_CTRL_EOF to tell a closed socket from an error. */
	if (n == 0)
		BIO_set_flags(b, BIO_FLAGS_IN_EOF);
	return (int)n;
}

static long
bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;	/* nothing is buffered here */
	case BIO_CTRL_EOF:
		return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
	default:
		return 0;
	}
}

static int
bio_create(BIO *b)
{
	BIO_set_init(b, 0);
	BIO_set_data(b, NULL);
	return 1;
}

static int
bio_destroy(BIO *b)
{
	/* The socket belongs to the connection, which closes it. */
	BIO_set_data(b, NULL);
	BIO_set_init(b, 0);
	return 1;
}

/* A method table for one connection's BIO, or NULL if OpenSSL fails. */
BIO_METHOD *
net_bio_method_new(void)
{
	BIO_METHOD *m;

	if ((m = BIO_meth_new(NET_BIO_TYPE, "cachet socket")) == NULL)
		return NULL;
	if (BIO_meth_set_write(m, bio_write) != 1 ||
	    BIO_meth_set_read(m, bio_read) != 1 ||
	    BIO_meth_set_ctrl(m, bio_ctrl) != 1 ||
	    BIO_meth_set_create(m, bio_create) != 1 ||
	    BIO_meth_set_destroy(m, bio_destroy) != 1) {
		BIO_meth_free(m);
		return NULL;
	}
	return m;
}

/* A BIO on c's socket; c must outlive it. NULL if OpenSSL fails. */
BIO *
net_bio_new(BIO_METHOD *meth, struct net_conn *c)
{
	BIO *b;

	if ((b = BIO_new(meth)) == NULL)
		return NULL;
	BIO_set_data(b, c);
	BIO_set_init(b, 1);
	return b;
}
