/*
 * Unit tests for src/smtp: the reply tracker, address and host checks,
 * failure classification, argument checks of smtp_submit, and a few
 * submissions to canned servers on 127.0.0.1 (ports 25000-25999, a thread
 * of this test) that need no TLS to fail in the expected way.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "smtp/smtp_int.h"

static const char *const one_rcpt[] = {"bob@example.test"};

static void
feed(struct smtp_reply *r, const char *s)
{
	smtp_reply_feed(r, s, strlen(s));
}

static void
test_reply_single(void **state)
{
	struct smtp_reply r;

	smtp_reply_init(&r);
	assert_int_equal(r.code, 0);
	feed(&r, "220 mail.example.test ESMTP\r\n");
	assert_int_equal(r.code, 220);
	assert_string_equal(r.last, "220 mail.example.test ESMTP");
	feed(&r, "535 5.7.8 Error: authentication failed\r\n");
	assert_int_equal(r.code, 535);
	assert_string_equal(r.last, "535 5.7.8 Error: authentication failed");
}

static void
test_reply_multiline_pieces(void **state)
{
	const char *s = "250-mail.example.test\r\n250-SIZE 1000\r\n250 8BITMIME"
	    "\r\n";
	struct smtp_reply r;
	size_t i;

	smtp_reply_init(&r);
	feed(&r, "220 hi\r\n");
	/* One byte at a time: a complete reply only at the last line. */
	for (i = 0; s[i] != '\0'; i++) {
		smtp_reply_feed(&r, s + i, 1);
		if (s[i + 1] != '\0')
			assert_int_equal(r.code, 220);
	}
	assert_int_equal(r.code, 250);
	assert_string_equal(r.last, "250 mail.example.test SIZE 1000 8BITMIME");
	/* A bare code and a line ending in LF only. */
	feed(&r, "354\n");
	assert_int_equal(r.code, 354);
	assert_string_equal(r.last, "354");
}

static void
test_reply_garbage_and_overlong(void **state)
{
	struct smtp_reply r;
	char *big = xmalloc(5000);

	smtp_reply_init(&r);
	feed(&r, "hello there\r\n");
	assert_int_equal(r.code, 0);
	assert_string_equal(r.last, "hello there");
	memset(big, 'x', 4999);
	memcpy(big, "550-", 4);
	big[4999] = '\0';
	feed(&r, big);
	feed(&r, "\r\n550-");
	feed(&r, big + 4);
	feed(&r, "\r\n550 end\r\n");
	assert_int_equal(r.code, 550);
	assert_int_equal(strlen(r.last), SMTP_REPLY_MAX - 1);
	assert_memory_equal(r.last, "550 xxx", 7);
	/* Hostile bytes are kept here; smtp.c sanitises before use. */
	feed(&r, "421 \x1b[2J bye\r\n");
	assert_string_equal(r.last, "421 \x1b[2J bye");
	free(big);
}

static void
test_reply_quit(void **state)
{
	struct smtp_reply r;

	smtp_reply_init(&r);
	feed(&r, "250 2.0.0 Ok: queued as 1234\r\n");
	smtp_reply_sent(&r, "MAIL FROM:<QUIT@x>\r\n", 20);
	assert_false(r.quit);
	smtp_reply_sent(&r, "QUITE\r\n", 7);
	assert_false(r.quit);
	smtp_reply_sent(&r, "QUIT\r\n", 6);
	assert_true(r.quit);
	feed(&r, "221 2.0.0 Bye\r\n");
	assert_int_equal(r.code, 250);
	assert_string_equal(r.last, "250 2.0.0 Ok: queued as 1234");
}

static void
test_addr_ok(void **state)
{
	char big[300];

	assert_true(smtp_addr_ok("alice@example.test", false));
	assert_true(smtp_addr_ok("caf\xc3\xa9@example.test", false));
	assert_true(smtp_addr_ok("", true));
	assert_false(smtp_addr_ok("", false));
	assert_false(smtp_addr_ok(NULL, true));
	assert_false(smtp_addr_ok("a@b>\r\nRCPT TO:<x@y", false));
	assert_false(smtp_addr_ok("a@b\nDATA", false));
	assert_false(smtp_addr_ok("a b@c", false));
	assert_false(smtp_addr_ok("<a@b>", false));
	assert_false(smtp_addr_ok("a\x7f@b", false));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(smtp_addr_ok(big, false));
	big[254] = '\0';
	assert_true(smtp_addr_ok(big, false));
}

static void
test_crlf_ok(void **state)
{
	assert_true(smtp_crlf_ok("", 0));
	assert_true(smtp_crlf_ok("a\r\nb\r\n", 6));
	assert_true(smtp_crlf_ok("no line end", 11));
	assert_true(smtp_crlf_ok("a\r\n\0b\r\n", 7));
	assert_false(smtp_crlf_ok("\n", 1));
	assert_false(smtp_crlf_ok("\r", 1));
	assert_false(smtp_crlf_ok("a\n\r\n", 4));
	assert_false(smtp_crlf_ok("a\r\r\n", 4));
	assert_false(smtp_crlf_ok("a\r\n\n", 4));
}

static void
check_url(const char *host, int port, bool starttls, const char *want)
{
	char *u = smtp_url(host, port, starttls);

	if (want == NULL) {
		assert_null(u);
		return;
	}
	assert_non_null(u);
	assert_string_equal(u, want);
	free(u);
}

static void
test_url(void **state)
{
	check_url("127.0.0.1", 465, false, "smtps://127.0.0.1:465/localhost");
	check_url("mail.example.test", 587, true,
	    "smtp://mail.example.test:587/localhost");
	check_url("::1", 465, false, "smtps://[::1]:465/localhost");
	check_url("fe80::1%eth0", 465, false, NULL);
	check_url("evil/x", 465, false, NULL);
	check_url("u@evil", 465, false, NULL);
	check_url("a b", 465, false, NULL);
	check_url("-oProxy", 465, false, NULL);
	check_url("", 465, false, NULL);
	check_url(NULL, 465, false, NULL);
	check_url("host", 0, false, NULL);
	check_url("host", 65536, false, NULL);
	check_url("host", 65535, false, "smtps://host:65535/localhost");
}

static void
check_class(int curl_code, int reply, enum smtp_fail fail, int code)
{
	int got = 12345;

	assert_int_equal(smtp_classify(curl_code, reply, &got), fail);
	assert_int_equal(got, code);
}

static void
test_classify(void **state)
{
	check_class(CURLE_OK, 250, SMTP_FAIL_NONE, CACHET_OK);
	check_class(CURLE_COULDNT_CONNECT, 0, SMTP_FAIL_TEMP, CACHET_E_NET);
	check_class(CURLE_COULDNT_RESOLVE_HOST, 0, SMTP_FAIL_TEMP,
	    CACHET_E_NET);
	check_class(CURLE_OPERATION_TIMEDOUT, 220, SMTP_FAIL_TEMP,
	    CACHET_E_TIMEOUT);
	check_class(CURLE_PEER_FAILED_VERIFICATION, 0, SMTP_FAIL_PERM,
	    CACHET_E_TLS);
	check_class(CURLE_SSL_CACERT_BADFILE, 0, SMTP_FAIL_PERM, CACHET_E_TLS);
	check_class(CURLE_USE_SSL_FAILED, 250, SMTP_FAIL_PERM, CACHET_E_TLS);
	check_class(CURLE_USE_SSL_FAILED, 454, SMTP_FAIL_TEMP, CACHET_E_TLS);
	check_class(CURLE_SSL_CONNECT_ERROR, 0, SMTP_FAIL_TEMP, CACHET_E_TLS);
	check_class(CURLE_LOGIN_DENIED, 535, SMTP_FAIL_PERM, CACHET_E_AUTH);
	check_class(CURLE_LOGIN_DENIED, 454, SMTP_FAIL_TEMP, CACHET_E_AUTH);
	check_class(CURLE_LOGIN_DENIED, 250, SMTP_FAIL_PERM, CACHET_E_AUTH);
	/* libcurl reports refused MAIL, RCPT and DATA as send errors. */
	check_class(CURLE_SEND_ERROR, 550, SMTP_FAIL_PERM, CACHET_E_SERVER);
	check_class(CURLE_SEND_ERROR, 452, SMTP_FAIL_TEMP, CACHET_E_SERVER);
	check_class(CURLE_SEND_ERROR, 250, SMTP_FAIL_TEMP, CACHET_E_NET);
	check_class(CURLE_RECV_ERROR, 0, SMTP_FAIL_TEMP, CACHET_E_NET);
	check_class(CURLE_WEIRD_SERVER_REPLY, 554, SMTP_FAIL_PERM,
	    CACHET_E_SERVER);
	check_class(CURLE_WEIRD_SERVER_REPLY, 0, SMTP_FAIL_TEMP,
	    CACHET_E_PROTO);
	check_class(CURLE_URL_MALFORMAT, 0, SMTP_FAIL_PERM, CACHET_E_INVAL);
}

static void
check_bad_args(const struct smtp_server *s, const char *from,
    const char *const *rcpts, size_t n, const char *msg)
{
	struct cachet_err err = {0};
	struct smtp_result res;

	memset(&res, 0x55, sizeof(res));
	assert_int_equal(smtp_submit(s, from, rcpts, n, msg,
	    msg ? strlen(msg) : 0, &res, &err), CACHET_E_INVAL);
	assert_int_equal(err.code, CACHET_E_INVAL);
	assert_int_equal(res.fail, SMTP_FAIL_PERM);
	assert_int_equal(res.code, 0);
	assert_string_equal(res.reply, "");
	assert_int_equal(smtp_submit(s, from, rcpts, n, msg,
	    msg ? strlen(msg) : 0, NULL, NULL), CACHET_E_INVAL);
}

static void
test_submit_bad_args(void **state)
{
	struct smtp_server s = {.host = "127.0.0.1", .port = 1, .timeout = 1};
	const char *const bad_rcpt[] = {"bob@example.test", "x>\r\nDATA"};
	const char *m = "Subject: x\r\n\r\nhi\r\n";

	check_bad_args(NULL, "a@b", one_rcpt, 1, m);
	check_bad_args(&s, "a@b", one_rcpt, 0, m);
	check_bad_args(&s, "a@b", NULL, 1, m);
	check_bad_args(&s, "a@b", bad_rcpt, 2, m);
	check_bad_args(&s, "a\r\n@b", one_rcpt, 1, m);
	check_bad_args(&s, NULL, one_rcpt, 1, m);
	check_bad_args(&s, "a@b", one_rcpt, 1, NULL);
	check_bad_args(&s, "a@b", one_rcpt, 1, "Subject: x\r\n\nhi\r\n");
	check_bad_args(&s, "a@b", one_rcpt, 1, "a\r\n.\n\r\nMAIL FROM:");
	check_bad_args(&s, "a@b", one_rcpt, 1, "a\rb\r\n");
	check_bad_args(&s, "a@b", one_rcpt, 1, "\nb\r\n");
	check_bad_args(&s, "a@b", one_rcpt, 1, "ab\r");
	s.timeout = 0;
	check_bad_args(&s, "a@b", one_rcpt, 1, m);
	s.timeout = 1;
	s.user = "alice";
	check_bad_args(&s, "a@b", one_rcpt, 1, m);
	s.user = NULL;
	s.host = "evil/path";
	check_bad_args(&s, "a@b", one_rcpt, 1, m);
	s.host = "127.0.0.1";
	s.port = 70000;
	check_bad_args(&s, "a@b", one_rcpt, 1, m);
}

/* A socket bound to a free port of 25000-25999 on 127.0.0.1. */
static int
bind_port(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd, i, one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 200; i++) {
		*port = 25000 + (getpid() * 7 + i * 61) % 1000;
		a.sin_port = htons((uint16_t)*port);
		assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
		close(fd);
	}
	fail_msg("no free port");
	return -1;
}

struct canned {
	int fd;
	const char *greeting;
};

/* Accept one client, send the greeting, read until the client is done. */
static void *
canned_run(void *arg)
{
	struct canned *c = arg;
	char b[512];
	int cfd;

	if ((cfd = accept(c->fd, NULL, NULL)) < 0)
		return NULL;
	if (write(cfd, c->greeting, strlen(c->greeting)) < 0)
		goto out;
	while (read(cfd, b, sizeof(b)) > 0)
		;
out:
	close(cfd);
	return NULL;
}

static void
test_submit_refused(void **state)
{
	struct smtp_server s = {.host = "127.0.0.1", .timeout = 5};
	struct cachet_err err = {0};
	struct smtp_result res;
	int fd, r;

	/* Bound but not listening: the connection is refused. */
	fd = bind_port(&s.port);
	r = smtp_submit(&s, "a@b", one_rcpt, 1, "x\r\n", 3, &res, &err);
	close(fd);
	assert_int_equal(r, CACHET_E_NET);
	assert_int_equal(res.fail, SMTP_FAIL_TEMP);
	assert_non_null(strstr(err.msg, "connection refused"));
	assert_non_null(strstr(err.msg, "smtp 127.0.0.1:"));
}

static void
test_submit_greeting_554(void **state)
{
	struct smtp_server s = {.host = "127.0.0.1", .timeout = 5,
	    .starttls = true, .user = "alice", .secret = "alicepw"};
	struct canned c = {.greeting = "554 5.3.2 \x1b[31mgo away\x07\r\n"};
	struct cachet_err err = {0};
	struct smtp_result res;
	pthread_t t;
	int r;

	c.fd = bind_port(&s.port);
	assert_int_equal(listen(c.fd, 1), 0);
	assert_int_equal(pthread_create(&t, NULL, canned_run, &c), 0);
	r = smtp_submit(&s, "a@b", one_rcpt, 1, "x\r\n", 3, &res, &err);
	pthread_join(t, NULL);
	close(c.fd);
	assert_int_equal(r, CACHET_E_SERVER);
	assert_int_equal(res.fail, SMTP_FAIL_PERM);
	assert_int_equal(res.code, 554);
	assert_string_equal(res.reply, "554 5.3.2 ?[31mgo away?");
	assert_non_null(strstr(err.msg, "server said: 554 5.3.2 ?[31mgo"));
	assert_null(strstr(err.msg, "alicepw"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_single),
		cmocka_unit_test(test_reply_multiline_pieces),
		cmocka_unit_test(test_reply_garbage_and_overlong),
		cmocka_unit_test(test_reply_quit),
		cmocka_unit_test(test_addr_ok),
		cmocka_unit_test(test_crlf_ok),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_submit_bad_args),
		cmocka_unit_test(test_submit_refused),
		cmocka_unit_test(test_submit_greeting_554),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
