/*
 * net: declarations shared by the files of the module, not by its users.
 */
#ifndef CACHET_NET_INT_H
#define CACHET_NET_INT_H

#include <openssl/ssl.h>

#include "net/net.h"

struct net_conn {
	int fd;
	int port;
	int timeout_sec;	/* <= 0: wait for ever */
	char *host;		/* as given to net_conn_open */
	SSL *ssl;		/* set once the handshake is verified */
	BIO_METHOD *bio_meth;	/* outlives the BIO that uses it */
	bool dead;		/* a failed handshake or a fatal TLS error:
				 * no more I/O, in plain text or otherwise */
	char tls_desc[96];
};

/*
 * Wait until the socket is ready for events (POLLIN or POLLOUT), at most
 * the connection's timeout: 0, or CACHET_E_TIMEOUT / CACHET_E_NET.
 */
int net_wait(struct net_conn *c, short events, struct cachet_err *err);

/* net_bio.c: a BIO over c->fd that never raises SIGPIPE. */
BIO_METHOD *net_bio_method_new(void);
BIO *net_bio_new(BIO_METHOD *meth, struct net_conn *c);

/* net_tls.c: the TLS side of read, write and close. */
ssize_t net_tls_read(struct net_conn *c, void *buf, size_t len,
    struct cachet_err *err);
int net_tls_write(struct net_conn *c, const void *buf, size_t len,
    struct cachet_err *err);
void net_tls_free(struct net_conn *c);

#endif
