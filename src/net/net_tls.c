/*
 * net_tls: TLS on a net_conn with OpenSSL, verified by cachet: the chain
 * against the system store or one configured CA file, the host name (or IP
 * address) against the certificate, and an optional SHA-256 pin of the leaf
 * certificate. Also the TLS side of reading, writing and closing, with the
 * connection's timeout on every wait.
 *
 * Every connection gets its own SSL_CTX; nothing is shared between
 * connections except what OpenSSL keeps itself. Runs on the thread that
 * owns the connection.
 */
#include "net/net_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define PIN_LEN 32	/* bytes of a SHA-256 digest */

static bool
is_ip_literal(const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
}

static int
hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Parse "ab12...", "AB:12:..." or "SHA256:ab12..." into a digest. */
static int
parse_pin(const char *host, const char *pin, unsigned char md[PIN_LEN],
    struct cachet_err *err)
{
	size_t n = 0;
	int v;

	if (strncasecmp(pin, "sha256:", 7) == 0)
		pin += 7;
	for (; *pin != '\0'; pin++) {
		if (*pin == ':')
			continue;
		if ((v = hex_digit(*pin)) < 0 || n >= 2 * PIN_LEN)
			break;
		if (n % 2 == 0)
			md[n / 2] = (unsigned char)(v << 4);
		else
			md[n / 2] |= (unsigned char)v;
		n++;
	}
	if (*pin != '\0' || n != 2 * PIN_LEN)
		return cachet_err(err, CACHET_E_INVAL,
		    "TLS with %s: bad certificate pin (want the SHA-256 of "
		    "the certificate as 64 hex digits)", host);
	return 0;
}

/* The most recent OpenSSL error as text, or NULL if there is none. */
static const char *
ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	const char *s;

	if (e == 0)
		return NULL;
	if ((s = ERR_reason_error_string(e)) != NULL)
		return s;
	ERR_error_string_n(e, buf, len);
	return buf;
}

static int
lib_error(const char *host, const char *what, struct cachet_err *err)
{
	char buf[256];
	const char *why = ssl_reason(buf, sizeof(buf));

	return cachet_err(err, CACHET_E_TLS, "TLS with %s: %s: %s", host, what,
	    why != NULL ? why : "OpenSSL error");
}

static int
verify_error(const char *host, long v, struct cachet_err *err)
{
	const char *p = "TLS with";

	switch (v) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return cachet_err(err, CACHET_E_TLS,
		    "%s %s: certificate does not match host %s", p, host, host);
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return cachet_err(err, CACHET_E_TLS,
		    "%s %s: certificate expired", p, host);
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return cachet_err(err, CACHET_E_TLS,
		    "%s %s: certificate not yet valid", p, host);
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return cachet_err(err, CACHET_E_TLS,
		    "%s %s: certificate not trusted (unknown CA)", p, host);
	default:
		return cachet_err(err, CACHET_E_TLS,
		    "%s %s: certificate verification failed: %s", p, host,
		    X509_verify_cert_error_string(v));
	}
}

/*
 * A server must say nothing before the client's hello. Bytes already
 * waiting would be read as plain text by a careless protocol layer, or be
 * an attacker's injection after a STARTTLS reply, so refuse.
 */
static int
check_quiet_server(struct net_conn *c, const char *host,
    struct cachet_err *err)
{
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
	char b;
	int r;

	do
		r = poll(&pfd, 1, 0);
	while (r < 0 && errno == EINTR);
	if (r <= 0 || !(pfd.revents & POLLIN))
		return 0;
	if (recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) <= 0)
		return 0;	/* closed or reset: the handshake will say */
	return cachet_err(err, CACHET_E_PROTO,
	    "TLS with %s: server sent data before TLS handshake", host);
}

static int
ca_file_error(const char *host, const char *ca_file, struct cachet_err *err)
{
	char what[CACHET_ERR_MAX];

	snprintf(what, sizeof(what), "cannot load CA file %s", ca_file);
	return lib_error(host, what, err);
}

static int
ctx_new(SSL_CTX **out, const char *host, const char *ca_file,
    struct cachet_err *err)
{
	SSL_CTX *ctx;
	int r = 0;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return lib_error(host, "cannot set up TLS", err);
	/* A server that drops the connection without close_notify gives end
	 * of file: the protocols above frame their own data. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		r = lib_error(host, "cannot set up TLS", err);
	else if (ca_file != NULL && SSL_CTX_load_verify_file(ctx, ca_file) != 1)
		r = ca_file_error(host, ca_file, err);
	else if (ca_file == NULL && SSL_CTX_set_default_verify_paths(ctx) != 1)
		r = lib_error(host, "cannot load the system CA store", err);
	if (r < 0) {
		SSL_CTX_free(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

/* An SSL for c with host checks and SNI, over cachet's socket BIO. */
static int
ssl_new(struct net_conn *c, const char *host, const char *ca_file, SSL **out,
    struct cachet_err *err)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl;
	BIO *bio;
	int r;

	if ((r = ctx_new(&ctx, host, ca_file, err)) < 0)
		return r;
	ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);	/* ssl holds its own reference */
	if (ssl == NULL)
		goto fail;
	if (is_ip_literal(host)) {
		/* No SNI for addresses (RFC 6066); match an IP SAN. */
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    host) != 1)
			goto fail;
	} else {
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set_tlsext_host_name(ssl, host) != 1 ||
		    SSL_set1_host(ssl, host) != 1)
			goto fail;
	}
	if (c->bio_meth == NULL && (c->bio_meth = net_bio_method_new()) == NULL)
		goto fail;
	if ((bio = net_bio_new(c->bio_meth, c)) == NULL)
		goto fail;
	SSL_set_bio(ssl, bio, bio);
	SSL_set_connect_state(ssl);
	*out = ssl;
	return 0;
fail:
	SSL_free(ssl);
	return lib_error(host, "cannot set up TLS", err);
}

static int
handshake_error(SSL *ssl, const char *host, int e, int syserr,
    struct cachet_err *err)
{
	char buf[256];
	const char *why;
	long v;

	/* A bad certificate stops the handshake; name the reason. */
	if ((v = SSL_get_verify_result(ssl)) != X509_V_OK)
		return verify_error(host, v, err);
	if ((why = ssl_reason(buf, sizeof(buf))) == NULL)
		why = e == SSL_ERROR_SYSCALL && syserr != 0 ?
		    strerror(syserr) : "connection closed by the server";
	return cachet_err(err, CACHET_E_TLS,
	    "TLS with %s: handshake failed: %s", host, why);
}

static int
handshake(struct net_conn *c, SSL *ssl, const char *host,
    struct cachet_err *err)
{
	int r, e, syserr;
	short ev;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		r = SSL_connect(ssl);
		syserr = errno;
		if (r == 1)
			return 0;
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			ev = POLLIN;
		else if (e == SSL_ERROR_WANT_WRITE)
			ev = POLLOUT;
		else
			return handshake_error(ssl, host, e, syserr, err);
		if ((r = net_wait(c, ev, err)) < 0)
			return r;
	}
}

/* After the handshake: the chain once more, then the pin if there is one. */
static int
check_peer(SSL *ssl, const char *host, const unsigned char *pin,
    struct cachet_err *err)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * PIN_LEN + 1];
	unsigned int mdlen = 0, i;
	X509 *cert;
	long v;

	if ((cert = SSL_get0_peer_certificate(ssl)) == NULL)
		return cachet_err(err, CACHET_E_TLS,
		    "TLS with %s: the server sent no certificate", host);
	if ((v = SSL_get_verify_result(ssl)) != X509_V_OK)
		return verify_error(host, v, err);
	if (pin == NULL)
		return 0;
	if (X509_digest(cert, EVP_sha256(), md, &mdlen) != 1 ||
	    mdlen != PIN_LEN)
		return lib_error(host, "cannot hash the certificate", err);
	if (CRYPTO_memcmp(md, pin, PIN_LEN) == 0)
		return 0;
	for (i = 0; i < PIN_LEN; i++) {
		hex[2 * i] = hexd[md[i] >> 4];
		hex[2 * i + 1] = hexd[md[i] & 0xf];
	}
	hex[2 * PIN_LEN] = '\0';
	return cachet_err(err, CACHET_E_TLS,
	    "TLS with %s: certificate pin mismatch (server has SHA256:%s)",
	    host, hex);
}

int
net_conn_start_tls(struct net_conn *c, const struct net_tls_opts *o,
    struct cachet_err *err)
{
	unsigned char pin[PIN_LEN];
	bool pinned;
	const char *host;
	SSL *ssl = NULL;
	int r;

	if (c == NULL || o == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no connection");
	if (c->dead || c->ssl != NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "TLS with %s: already started", c->host);
	host = util_str_empty(o->host) ? c->host : o->host;
	pinned = !util_str_empty(o->pin_sha256);
	if (pinned && (r = parse_pin(host, o->pin_sha256, pin, err)) < 0)
		goto out;
	if ((r = check_quiet_server(c, host, err)) < 0)
		goto out;
	if ((r = ssl_new(c, host, o->ca_file, &ssl, err)) < 0)
		goto out;
	if ((r = handshake(c, ssl, host, err)) < 0)
		goto out;
	if ((r = check_peer(ssl, host, pinned ? pin : NULL, err)) < 0)
		goto out;
	snprintf(c->tls_desc, sizeof(c->tls_desc), "%s %s",
	    SSL_get_version(ssl), SSL_get_cipher_name(ssl));
	c->ssl = ssl;
	ssl = NULL;
out:
	/* Never fall back to plain text on this connection. */
	if (r < 0)
		c->dead = true;
	SSL_free(ssl);
	ERR_clear_error();
	return r;
}

/* A fatal error in the middle of a session: no more I/O after it. */
static int
io_error(struct net_conn *c, int syserr, const char *what,
    struct cachet_err *err)
{
	char buf[256];
	const char *why = ssl_reason(buf, sizeof(buf));
	int r;

	c->dead = true;
	if (why != NULL)
		r = cachet_err(err, CACHET_E_TLS, "TLS %s %s: %s", what,
		    c->host, why);
	else
		r = cachet_err(err, CACHET_E_NET, "%s %s: %s", what, c->host,
		    syserr != 0 ? strerror(syserr) : "connection lost");
	ERR_clear_error();
	return r;
}

/* Wait as OpenSSL asks; 1 to try again, <0 for a status. */
static int
tls_retry(struct net_conn *c, int e, int syserr, const char *what,
    struct cachet_err *err)
{
	int r;

	if (e == SSL_ERROR_WANT_READ)
		r = net_wait(c, POLLIN, err);
	else if (e == SSL_ERROR_WANT_WRITE)
		r = net_wait(c, POLLOUT, err);
	else
		return io_error(c, syserr, what, err);
	return r < 0 ? r : 1;
}

ssize_t
net_tls_read(struct net_conn *c, void *buf, size_t len,
    struct cachet_err *err)
{
	int n, e, r, syserr;

	if (len > INT_MAX)
		len = INT_MAX;
	for (;;) {
		ERR_clear_error();
		errno = 0;
		n = SSL_read(c->ssl, buf, (int)len);
		syserr = errno;
		if (n > 0)
			return n;
		if ((e = SSL_get_error(c->ssl, n)) == SSL_ERROR_ZERO_RETURN)
			return 0;
		if ((r = tls_retry(c, e, syserr, "reading from", err)) < 0)
			return r;
	}
}

int
net_tls_write(struct net_conn *c, const void *buf, size_t len,
    struct cachet_err *err)
{
	const char *p = buf;
	int n, r, syserr;

	while (len > 0) {
		ERR_clear_error();
		errno = 0;
		/* Partial writes are on: retry with the same p after a wait. */
		n = SSL_write(c->ssl, p, len > INT_MAX ? INT_MAX : (int)len);
		syserr = errno;
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		r = tls_retry(c, SSL_get_error(c->ssl, n), syserr, "writing to",
		    err);
		if (r < 0)
			return r;
	}
	return 0;
}

void
net_tls_free(struct net_conn *c)
{
	if (c->ssl == NULL && c->bio_meth == NULL)
		return;		/* plain text all along */
	if (c->ssl != NULL) {
		/* Send close_notify if the socket takes it; never wait. */
		if (!c->dead) {
			ERR_clear_error();
			(void)SSL_shutdown(c->ssl);
		}
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	BIO_meth_free(c->bio_meth);
	c->bio_meth = NULL;
	ERR_clear_error();
}
