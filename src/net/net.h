/*
 * net: TCP connections with timeouts and TLS streams that cachet verifies
 * itself with OpenSSL (chain, host name, optional SHA-256 pin).
 *
 * A connection starts in plain text; net_conn_start_tls upgrades it (right
 * away for implicit TLS, after the protocol's STARTTLS exchange otherwise).
 * One connection belongs to one thread.
 */
#ifndef CACHET_NET_H
#define CACHET_NET_H

#include <sys/types.h>

#include "util/util.h"

struct net_conn;

struct net_tls_opts {
	const char *host;	/* name checked against the certificate */
	const char *ca_file;	/* NULL: the system store */
	const char *pin_sha256;	/* NULL, or hex SHA-256 of the leaf cert
				 * (DER); colons allowed. Checked in addition
				 * to chain and host verification. */
};

/*
 * Connect to host:port (name or literal address) with a timeout in seconds
 * for the connect and for every later read or write without progress
 * (timeout_sec <= 0: no limit). Name resolution itself is not limited.
 */
int net_conn_open(struct net_conn **out, const char *host, int port,
    int timeout_sec, struct cachet_err *err);

/*
 * TLS handshake and verification. Fails with CACHET_E_TLS and a message
 * naming the reason: "certificate not trusted (unknown CA)", "certificate
 * does not match host NAME", "certificate expired", "certificate not yet
 * valid", "certificate pin mismatch", or the handshake error. Refuses
 * (CACHET_E_PROTO) when unread plain-text bytes are already waiting on the
 * socket, since a server must not send anything before the handshake.
 */
int net_conn_start_tls(struct net_conn *c, const struct net_tls_opts *o,
    struct cachet_err *err);

/*
 * Read up to len bytes: >0 bytes read, 0 on orderly close, <0 a status
 * (CACHET_E_TIMEOUT after timeout_sec without data, CACHET_E_NET, ...).
 */
ssize_t net_conn_read(struct net_conn *c, void *buf, size_t len,
    struct cachet_err *err);

/* Write all of buf (or fail with a status). */
int net_conn_write(struct net_conn *c, const void *buf, size_t len,
    struct cachet_err *err);

/* Bytes already decrypted and buffered inside TLS, not yet read. */
size_t net_conn_pending(struct net_conn *c);

bool net_conn_is_tls(const struct net_conn *c);
int net_conn_fd(const struct net_conn *c);
void net_conn_set_timeout(struct net_conn *c, int timeout_sec);
int net_conn_timeout(const struct net_conn *c);

/* "TLSv1.3 TLS_AES_256_GCM_SHA384" or NULL in plain text. */
const char *net_conn_tls_desc(const struct net_conn *c);

/* Close and free; NULL is a no-op. */
void net_conn_close(struct net_conn *c);

/* True for localhost, 127.0.0.0/8 and ::1 (by name or literal). */
bool net_is_loopback(const char *host);

#endif
