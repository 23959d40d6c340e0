/*
 * Unit tests for src/net: TCP with timeouts and TLS verification, against
 * small servers that the test forks on 127.0.0.1 (ports 21000-21999), with
 * the certificates of tests/lib/certs.sh made into a temporary directory.
 * Run from the top of the source tree.
 */
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "net/net.h"

#define CERTS_SH "tests/lib/certs.sh"
#define MAX_SRV 8

enum srv_mode {
	SRV_TLS_ECHO,	/* TLS, then echo everything back */
	SRV_TLS_CLOSE,	/* TLS handshake, then close */
	SRV_PLAIN_ECHO,
	SRV_GREET,	/* send a plain-text line right after accept */
	SRV_CLOSE,	/* close right after accept */
};

static char tmpdir[64];
static char certdir[96];
/* Everything a test started, stopped by the per-test teardown. */
static pid_t srv_pids[MAX_SRV];
static int srv_fds[MAX_SRV];
static int nsrv;

static void
path_of(char *buf, size_t len, const char *name, const char *ext)
{
	snprintf(buf, len, "%s/%s.%s", certdir, name, ext);
}

/* A socket bound to 127.0.0.1 on a free port in 21000-21999. */
static int
bind_port(int *port, bool listening, int backlog)
{
	struct sockaddr_in sin;
	int i, fd, p, one = 1;

	for (i = 0; i < 1000; i++) {
		p = 21000 + (int)((getpid() + i) % 1000);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(fd >= 0);
		if (listening)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			    sizeof(one));
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)p);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    (!listening || listen(fd, backlog) == 0)) {
			*port = p;
			return fd;
		}
		close(fd);
	}
	fail_msg("no free port in 21000-21999");
	return -1;
}

/* Keep a socket open until the end of the test. */
static int
keep_fd(int fd)
{
	assert_true(nsrv < MAX_SRV);
	srv_pids[nsrv] = 0;
	srv_fds[nsrv++] = fd;
	return fd;
}

static ssize_t
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
serve_tls(int fd, enum srv_mode mode, SSL_CTX *ctx)
{
	char buf[16384];
	SSL *ssl = SSL_new(ctx);
	int n;

	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) == 1 && mode == SRV_TLS_ECHO) {
		while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
			if (SSL_write(ssl, buf, n) <= 0)
				break;
		SSL_shutdown(ssl);
	}
	SSL_free(ssl);
}

static void
serve_conn(int fd, enum srv_mode mode, SSL_CTX *ctx)
{
	char buf[16384];
	ssize_t n;

	switch (mode) {
	case SRV_TLS_ECHO:
	case SRV_TLS_CLOSE:
		serve_tls(fd, mode, ctx);
		break;
	case SRV_GREET:
		if (write_all(fd, "* OK plain text\r\n", 17) < 0)
			break;
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		break;
	case SRV_PLAIN_ECHO:
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write_all(fd, buf, (size_t)n) < 0)
				break;
		break;
	case SRV_CLOSE:
		break;
	}
	close(fd);
}

static SSL_CTX *
server_ctx(const char *cert)
{
	char crt[160], key[160];
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	assert_non_null(ctx);
	path_of(crt, sizeof(crt), cert, "crt");
	path_of(key, sizeof(key), cert, "key");
	assert_int_equal(SSL_CTX_use_certificate_chain_file(ctx, crt), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey_file(ctx, key,
	    SSL_FILETYPE_PEM), 1);
	return ctx;
}

/* Fork a server on a fresh port; cert names a certs.sh certificate. */
static int
srv_start(enum srv_mode mode, const char *cert)
{
	SSL_CTX *ctx = cert != NULL ? server_ctx(cert) : NULL;
	int lfd, port, fd;
	pid_t pid;

	lfd = bind_port(&port, true, 16);
	assert_true(nsrv < MAX_SRV);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The server must not outlive the test if the test dies. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_IGN);
		for (;;)
			if ((fd = accept(lfd, NULL, NULL)) >= 0)
				serve_conn(fd, mode, ctx);
	}
	close(lfd);
	SSL_CTX_free(ctx);
	srv_pids[nsrv] = pid;
	srv_fds[nsrv++] = -1;
	return port;
}

static int
stop_servers(void **state)
{
	int i;

	for (i = 0; i < nsrv; i++) {
		if (srv_pids[i] > 0) {
			kill(srv_pids[i], SIGKILL);
			waitpid(srv_pids[i], NULL, 0);
		}
		if (srv_fds[i] >= 0)
			close(srv_fds[i]);
	}
	nsrv = 0;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
group_setup(void **state)
{
	char cmd[256];

	if (access(CERTS_SH, R_OK) != 0) {
		fprintf(stderr, "test_net: run from the top of the tree (%s)\n",
		    CERTS_SH);
		return -1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cachet-net.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(certdir, sizeof(certdir), "%s/certs", tmpdir);
	snprintf(cmd, sizeof(cmd), "sh %s %s", CERTS_SH, certdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* Connect to 127.0.0.1:port (or name) and start TLS checked for host. */
static int
tls_open(struct net_conn **c, const char *name, int port, const char *host,
    const char *ca, const char *pin, struct cachet_err *err)
{
	struct net_tls_opts o = {.host = host, .pin_sha256 = pin};
	char cafile[160];
	int r;

	r = net_conn_open(c, name, port, 5, err);
	assert_int_equal(r, 0);
	if (ca != NULL) {
		path_of(cafile, sizeof(cafile), ca, "crt");
		o.ca_file = cafile;
	}
	return net_conn_start_tls(*c, &o, err);
}

/* Expect a TLS failure whose message contains want. */
static void
expect_tls_fail(const char *cert, const char *name, const char *host,
    const char *ca, const char *pin, int code, const char *want)
{
	struct cachet_err err = {0};
	struct net_conn *c = NULL;
	int port = srv_start(SRV_TLS_ECHO, cert);
	char b;

	assert_int_equal(tls_open(&c, name, port, host, ca, pin, &err), code);
	assert_int_equal(err.code, code);
	if (strstr(err.msg, want) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", err.msg, want);
	assert_false(net_conn_is_tls(c));
	/* No plain-text fallback after a failed handshake. */
	assert_true(net_conn_read(c, &b, 1, &err) < 0);
	assert_true(net_conn_write(c, "x", 1, &err) < 0);
	net_conn_close(c);
}

static void
echo(struct net_conn *c, const char *msg, size_t len)
{
	struct cachet_err err = {0};
	char buf[16384];
	size_t got = 0;
	ssize_t n;

	assert_true(len <= sizeof(buf));
	assert_int_equal(net_conn_write(c, msg, len, &err), 0);
	while (got < len) {
		n = net_conn_read(c, buf + got, len - got, &err);
		if (n <= 0)
			fail_msg("read: %zd %s", n, err.msg);
		got += (size_t)n;
	}
	assert_memory_equal(buf, msg, len);
}

static void
test_tls_good(void **state)
{
	struct cachet_err err = {0};
	struct net_conn *c = NULL;
	char big[16384], b[8];
	int port = srv_start(SRV_TLS_ECHO, "server"), i;
	int64_t t0;

	if (tls_open(&c, "127.0.0.1", port, "127.0.0.1", "ca", NULL, &err))
		fail_msg("%s", err.msg);
	assert_true(net_conn_is_tls(c));
	assert_non_null(net_conn_tls_desc(c));
	assert_true(strncmp(net_conn_tls_desc(c), "TLSv1.", 6) == 0);
	assert_int_equal(net_conn_pending(c), 0);
	/* One record of 5 bytes comes back: read 1, the rest is pending. */
	assert_int_equal(net_conn_write(c, "hello", 5, &err), 0);
	assert_int_equal(net_conn_read(c, b, 1, &err), 1);
	assert_int_equal(net_conn_pending(c), 4);
	assert_int_equal(net_conn_read(c, b + 1, 4, &err), 4);
	assert_memory_equal(b, "hello", 5);
	for (i = 0; i < 32; i++) {
		memset(big, 'a' + i % 26, sizeof(big));
		echo(c, big, sizeof(big));
	}
	/* A silent server: the read gives up after the timeout. */
	net_conn_set_timeout(c, 1);
	assert_int_equal(net_conn_timeout(c), 1);
	t0 = util_now_ms();
	assert_int_equal(net_conn_read(c, b, 1, &err), CACHET_E_TIMEOUT);
	assert_true(util_now_ms() - t0 >= 900);
	assert_true(util_now_ms() - t0 < 3000);
	assert_non_null(strstr(err.msg, "no answer from 127.0.0.1 for 1 s"));
	net_conn_close(c);
}

static void
test_tls_localhost(void **state)
{
	struct cachet_err err = {0};
	struct net_conn *c = NULL;
	int port = srv_start(SRV_TLS_ECHO, "server");

	/* By name: SNI and a DNS name check; maybe ::1 first, refused. */
	if (tls_open(&c, "localhost", port, "localhost", "ca", NULL, &err))
		fail_msg("%s", err.msg);
	echo(c, "a line\r\n", 8);
	net_conn_close(c);
	/* No host in the options: the connection's own name is checked. */
	if (tls_open(&c, "localhost", port, NULL, "ca", NULL, &err))
		fail_msg("%s", err.msg);
	net_conn_close(c);
}

static void
test_tls_unknown_ca(void **state)
{
	expect_tls_fail("rogue", "127.0.0.1", "127.0.0.1", "ca", NULL,
	    CACHET_E_TLS, "certificate not trusted (unknown CA)");
	/* The system store does not know the test CA either. */
	expect_tls_fail("server", "127.0.0.1", "127.0.0.1", NULL, NULL,
	    CACHET_E_TLS, "unknown CA");
	/* Trusting only the rogue CA rejects the real server. */
	expect_tls_fail("server", "127.0.0.1", "127.0.0.1", "rogue-ca", NULL,
	    CACHET_E_TLS, "unknown CA");
}

static void
test_tls_wrong_host(void **state)
{
	expect_tls_fail("wronghost", "127.0.0.1", "127.0.0.1", "ca", NULL,
	    CACHET_E_TLS, "certificate does not match host 127.0.0.1");
	expect_tls_fail("wronghost", "localhost", "localhost", "ca", NULL,
	    CACHET_E_TLS, "certificate does not match host localhost");
	/* The certificate is for localhost and 127.0.0.1 only. */
	expect_tls_fail("server", "127.0.0.1", "mail.example.test", "ca",
	    NULL, CACHET_E_TLS, "does not match host mail.example.test");
	expect_tls_fail("server", "127.0.0.1", "127.0.0.2", "ca", NULL,
	    CACHET_E_TLS, "does not match host 127.0.0.2");
}

static void
test_tls_dates(void **state)
{
	expect_tls_fail("expired", "127.0.0.1", "127.0.0.1", "ca", NULL,
	    CACHET_E_TLS, "certificate expired");
	expect_tls_fail("notyet", "127.0.0.1", "127.0.0.1", "ca", NULL,
	    CACHET_E_TLS, "certificate not yet valid");
}

/* The SHA-256 fingerprint as openssl prints it: "AB:CD:...". */
static void
fingerprint(const char *cert, char *out, size_t len)
{
	char cmd[256], line[256], *eq;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
	    "openssl x509 -in %s/%s.crt -noout -fingerprint -sha256", certdir,
	    cert);
	assert_non_null(f = popen(cmd, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(pclose(f), 0);
	line[strcspn(line, "\r\n")] = '\0';
	assert_non_null(eq = strchr(line, '='));
	assert_int_equal(strlen(eq + 1), 95);
	snprintf(out, len, "%s", eq + 1);
}

static void
test_tls_pin(void **state)
{
	struct cachet_err err = {0};
	struct net_conn *c = NULL;
	char fp[128], lower[128], other[160], want[224];
	int port = srv_start(SRV_TLS_ECHO, "server");
	size_t i, j;

	fingerprint("server", fp, sizeof(fp));
	if (tls_open(&c, "127.0.0.1", port, "127.0.0.1", "ca", fp, &err))
		fail_msg("%s", err.msg);
	echo(c, "pinned", 6);
	net_conn_close(c);
	/* Lower case without colons, and with the prefix, also work. */
	for (i = j = 0; fp[i] != '\0'; i++)
		if (fp[i] != ':')
			lower[j++] = (char)(fp[i] >= 'A' && fp[i] <= 'F' ?
			    fp[i] - 'A' + 'a' : fp[i]);
	lower[j] = '\0';
	snprintf(other, sizeof(other), "SHA256:%s", lower);
	if (tls_open(&c, "127.0.0.1", port, "127.0.0.1", "ca", lower, &err) ||
	    (net_conn_close(c), 0) ||
	    tls_open(&c, "127.0.0.1", port, "127.0.0.1", "ca", other, &err))
		fail_msg("%s", err.msg);
	net_conn_close(c);
	/* One digit off: refused, and the message shows the real value. */
	snprintf(other, sizeof(other), "%s", lower);
	other[10] = other[10] == '0' ? '1' : '0';
	snprintf(want, sizeof(want), "certificate pin mismatch (server has "
	    "SHA256:%s)", lower);
	expect_tls_fail("server", "127.0.0.1", "127.0.0.1", "ca", other,
	    CACHET_E_TLS, want);
	/* The pin is checked in addition to the chain, not instead of it. */
	expect_tls_fail("server", "127.0.0.1", "127.0.0.1", NULL, lower,
	    CACHET_E_TLS, "unknown CA");
	expect_tls_fail("server", "127.0.0.1", "127.0.0.1", "ca", "abc",
	    CACHET_E_INVAL, "bad certificate pin");
	lower[63] = 'x';
	expect_tls_fail("server", "127.0.0.1", "127.0.0.1", "ca", lower,
	    CACHET_E_INVAL, "bad certificate pin");
}

static void
test_tls_early_data(void **state)
{
	struct net_tls_opts o = {0};
	struct cachet_err err = {0};
	struct net_conn *c = NULL;
	int port = srv_start(SRV_GREET, NULL);
	struct pollfd pfd;
	char b;

	assert_int_equal(net_conn_open(&c, "127.0.0.1", port, 5, &err), 0);
	pfd.fd = net_conn_fd(c);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	o.host = "127.0.0.1";
	assert_int_equal(net_conn_start_tls(c, &o, &err), CACHET_E_PROTO);
	assert_non_null(strstr(err.msg, "server sent data before TLS "
	    "handshake"));
	assert_false(net_conn_is_tls(c));
	assert_true(net_conn_read(c, &b, 1, &err) < 0);
	assert_int_equal(net_conn_start_tls(c, &o, &err), CACHET_E_INVAL);
	net_conn_close(c);
}

static void
test_handshake_timeout(void **state)
{
	struct net_tls_opts o = {.host = "127.0.0.1"};
	struct cachet_err err = {0};
	struct net_conn *c = NULL;
	int port;
	int64_t t0;

	/* Listening, never accepting: the kernel completes TCP, no more. */
	keep_fd(bind_port(&port, true, 16));
	assert_int_equal(net_conn_open(&c, "127.0.0.1", port, 1, &err), 0);
	t0 = util_now_ms();
	assert_int_equal(net_conn_start_tls(c, &o, &err), CACHET_E_TIMEOUT);
	assert_true(util_now_ms() - t0 >= 900);
	assert_true(util_now_ms() - t0 < 3000);
	assert_non_null(strstr(err.msg, "no answer from 127.0.0.1 for 1 s"));
	net_conn_close(c);
}

static void
test_connect_timeout(void **state)
{
	struct cachet_err err = {0};
	struct net_conn *c = NULL, *first = NULL;
	int port;
	int64_t t0;

	/* A backlog of 0 holds one connection; later SYNs are dropped. */
	keep_fd(bind_port(&port, true, 0));
	assert_int_equal(net_conn_open(&first, "127.0.0.1", port, 2, &err), 0);
	t0 = util_now_ms();
	assert_int_equal(net_conn_open(&c, "127.0.0.1", port, 1, &err),
	    CACHET_E_TIMEOUT);
	assert_null(c);
	assert_true(util_now_ms() - t0 >= 900);
	assert_true(util_now_ms() - t0 < 3000);
	assert_non_null(strstr(err.msg, "no answer from 127.0.0.1 for 1 s"));
	net_conn_close(first);
}

static void
test_plain(void **state)
{
	struct cachet_err err = {0};
	struct net_conn *c = NULL;
	int port = srv_start(SRV_PLAIN_ECHO, NULL), lport;
	char b;
	int64_t t0;

	assert_int_equal(net_conn_open(&c, "127.0.0.1", port, 5, &err), 0);
	assert_false(net_conn_is_tls(c));
	assert_null(net_conn_tls_desc(c));
	assert_int_equal(net_conn_pending(c), 0);
	assert_true(net_conn_fd(c) >= 0);
	echo(c, "a001 NOOP\r\n", 11);
	assert_int_equal(net_conn_write(c, "", 0, &err), 0);
	assert_int_equal(net_conn_read(c, &b, 0, &err), CACHET_E_INVAL);
	net_conn_close(c);

	keep_fd(bind_port(&lport, true, 16));
	assert_int_equal(net_conn_open(&c, "127.0.0.1", lport, 1, &err), 0);
	t0 = util_now_ms();
	assert_int_equal(net_conn_read(c, &b, 1, &err), CACHET_E_TIMEOUT);
	assert_true(util_now_ms() - t0 >= 900);
	assert_true(util_now_ms() - t0 < 3000);
	net_conn_close(c);
}

static void
test_refused(void **state)
{
	struct cachet_err err = {0};
	struct net_conn *c = (struct net_conn *)&err; /* open resets it */
	int port;

	/* Bound but not listening: nobody else gets the port, SYN gets RST. */
	keep_fd(bind_port(&port, false, 0));
	assert_int_equal(net_conn_open(&c, "127.0.0.1", port, 2, &err),
	    CACHET_E_NET);
	assert_null(c);
	assert_non_null(strstr(err.msg, "refused"));
	assert_int_equal(net_conn_open(&c, "localhost", port, 2, &err),
	    CACHET_E_NET);
	assert_int_equal(net_conn_open(&c, "127.0.0.1", 0, 2, &err),
	    CACHET_E_INVAL);
	assert_int_equal(net_conn_open(&c, "127.0.0.1", 65536, 2, &err),
	    CACHET_E_INVAL);
	assert_int_equal(net_conn_open(&c, "", port, 2, &err), CACHET_E_INVAL);
	assert_int_equal(net_conn_open(&c, NULL, port, 2, &err),
	    CACHET_E_INVAL);
	net_conn_close(NULL);
	assert_false(net_conn_is_tls(NULL));
}

/* A peer that goes away mid-write: an error, not death by SIGPIPE. */
static void
write_until_error(struct net_conn *c)
{
	struct cachet_err err = {0};
	static char junk[65536];
	int i, r = 0;

	for (i = 0; i < 200 && r == 0; i++) {
		r = net_conn_write(c, junk, sizeof(junk), &err);
		if (r == 0)
			usleep(10000);
	}
	assert_int_equal(r, CACHET_E_NET);
}

static void
test_peer_gone(void **state)
{
	struct cachet_err err = {0};
	struct net_conn *c = NULL;
	int port = srv_start(SRV_CLOSE, NULL);
	char b;

	assert_int_equal(net_conn_open(&c, "127.0.0.1", port, 5, &err), 0);
	assert_int_equal(net_conn_read(c, &b, 1, &err), 0);
	write_until_error(c);
	net_conn_close(c);

	port = srv_start(SRV_TLS_CLOSE, "server");
	if (tls_open(&c, "127.0.0.1", port, "127.0.0.1", "ca", NULL, &err))
		fail_msg("%s", err.msg);
	write_until_error(c);
	net_conn_close(c);
}

static void
test_bad_ca_file(void **state)
{
	struct net_tls_opts o = {.host = "127.0.0.1"};
	struct cachet_err err = {0};
	struct net_conn *c = NULL;
	int port = srv_start(SRV_TLS_ECHO, "server");

	o.ca_file = "/nonexistent/ca.crt";
	assert_int_equal(net_conn_open(&c, "127.0.0.1", port, 5, &err), 0);
	assert_int_equal(net_conn_start_tls(c, &o, &err), CACHET_E_TLS);
	assert_non_null(strstr(err.msg, "cannot load CA file"));
	net_conn_close(c);
}

static void
test_loopback(void **state)
{
	assert_true(net_is_loopback("localhost"));
	assert_true(net_is_loopback("LocalHost"));
	assert_true(net_is_loopback("127.0.0.1"));
	assert_true(net_is_loopback("127.255.3.4"));
	assert_true(net_is_loopback("::1"));
	assert_true(net_is_loopback("0:0:0:0:0:0:0:1"));
	assert_true(net_is_loopback("::ffff:127.0.0.1"));
	assert_false(net_is_loopback(NULL));
	assert_false(net_is_loopback(""));
	assert_false(net_is_loopback("128.0.0.1"));
	assert_false(net_is_loopback("10.0.0.1"));
	assert_false(net_is_loopback("::2"));
	assert_false(net_is_loopback("::"));
	assert_false(net_is_loopback("localhost.example.com"));
	assert_false(net_is_loopback("127.0.0.1.example.com"));
	assert_false(net_is_loopback("localhos"));
	assert_false(net_is_loopback(" 127.0.0.1"));
	assert_false(net_is_loopback("::ffff:10.0.0.1"));
}

#define T(f) cmocka_unit_test_teardown(f, stop_servers)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tls_good),
		T(test_tls_localhost),
		T(test_tls_unknown_ca),
		T(test_tls_wrong_host),
		T(test_tls_dates),
		T(test_tls_pin),
		T(test_tls_early_data),
		T(test_handshake_timeout),
		T(test_connect_timeout),
		T(test_plain),
		T(test_refused),
		T(test_peer_gone),
		T(test_bad_ca_file),
		T(test_loopback),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
