/*
 * smtp_reply: the pure parts of SMTP submission. Tracks the server's last
 * reply from libcurl's protocol trace, checks envelope addresses and host
 * names before they reach a command line or a URL, and decides whether a
 * failure is worth retrying. Runs on the submitting thread; no state
 * outside the structs passed in.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtp/smtp_int.h"

void
smtp_reply_init(struct smtp_reply *r)
{
	memset(r, 0, sizeof(*r));
}

/* Append s[0..n) to the reply being built, silently cut at its size. */
static void
cur_add(struct smtp_reply *r, const char *s, size_t n)
{
	size_t room = sizeof(r->cur) - 1 - r->cur_len;

	if (n > room)
		n = room;
	memcpy(r->cur + r->cur_len, s, n);
	r->cur_len += n;
	r->cur[r->cur_len] = '\0';
}

static bool
has_code(const char *s, size_t n)
{
	return n >= 3 && s[0] >= '2' && s[0] <= '5' && s[1] >= '0' &&
	    s[1] <= '9' && s[2] >= '0' && s[2] <= '9';
}

/* One whole line (CR and LF removed) of a reply. */
static void
reply_line(struct smtp_reply *r, const char *s, size_t n)
{
	bool more = false;

	if (has_code(s, n)) {
		more = n > 3 && s[3] == '-';
		if (r->cur_len == 0) {
			r->cur_code = (s[0] - '0') * 100 + (s[1] - '0') * 10 +
			    (s[2] - '0');
			cur_add(r, s, 3);
		}
		s += n > 3 ? 4 : 3;
		n -= n > 3 ? 4 : 3;
	}
	if (n > 0) {
		if (r->cur_len > 0)
			cur_add(r, " ", 1);
		cur_add(r, s, n);
	}
	if (more)
		return;
	memcpy(r->last, r->cur, r->cur_len + 1);
	r->code = r->cur_code;
	r->cur_len = 0;
	r->cur[0] = '\0';
	r->cur_code = 0;
}

void
smtp_reply_feed(struct smtp_reply *r, const char *data, size_t len)
{
	size_t i;

	if (r->quit)
		return;
	for (i = 0; i < len; i++) {
		if (data[i] != '\n') {
			/* An overlong line is cut; its end still counts. */
			if (r->line_len < sizeof(r->line) - 1)
				r->line[r->line_len++] = data[i];
			continue;
		}
		if (r->line_len > 0 && r->line[r->line_len - 1] == '\r')
			r->line_len--;
		reply_line(r, r->line, r->line_len);
		r->line_len = 0;
	}
}

void
smtp_reply_sent(struct smtp_reply *r, const char *data, size_t len)
{
	if (len >= 4 && strncasecmp(data, "QUIT", 4) == 0 &&
	    (len == 4 || data[4] == '\r' || data[4] == '\n'))
		r->quit = true;
}

bool
smtp_addr_ok(const char *addr, bool empty_ok)
{
	const unsigned char *p;

	if (addr == NULL)
		return false;
	if (*addr == '\0')
		return empty_ok;
	if (strlen(addr) > 254)
		return false;
	for (p = (const unsigned char *)addr; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>')
			return false;
	return true;
}

bool
smtp_crlf_ok(const char *msg, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (msg[i] == '\r' && (i + 1 == len || msg[i + 1] != '\n'))
			return false;
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			return false;
	}
	return true;
}

static bool
name_ok(const char *host)
{
	size_t n = strlen(host);
	const char *p;

	if (n == 0 || n > 253 || host[0] == '-' || host[0] == '.')
		return false;
	for (p = host; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return false;
	return true;
}

char *
smtp_url(const char *host, int port, bool starttls)
{
	const char *scheme = starttls ? "smtp" : "smtps";
	unsigned char a6[16];

	if (host == NULL || port < 1 || port > 65535)
		return NULL;
	/*
	 * The path is what libcurl sends with EHLO; without one it would
	 * send this machine's host name, which is none of the server's
	 * business.
	 */
	if (strchr(host, ':') != NULL) {
		if (inet_pton(AF_INET6, host, a6) != 1)
			return NULL;
		return xasprintf("%s://[%s]:%d/localhost", scheme, host, port);
	}
	if (!name_ok(host))
		return NULL;
	return xasprintf("%s://%s:%d/localhost", scheme, host, port);
}

/* A failure the server explained with a 4xx or 5xx reply. */
static enum smtp_fail
by_reply(int reply_code, int fallback, int *code)
{
	*code = fallback;
	return reply_code >= 500 ? SMTP_FAIL_PERM : SMTP_FAIL_TEMP;
}

enum smtp_fail
smtp_classify(int curl_code, int reply_code, int *code)
{
	switch (curl_code) {
	case CURLE_OK:
		*code = CACHET_OK;
		return SMTP_FAIL_NONE;
	case CURLE_OPERATION_TIMEDOUT:
		*code = CACHET_E_TIMEOUT;
		return SMTP_FAIL_TEMP;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		*code = CACHET_E_NET;
		return SMTP_FAIL_TEMP;
	case CURLE_USE_SSL_FAILED:
		/* STARTTLS answered 454: the server may do it later. */
		if (reply_code >= 400 && reply_code < 500)
			return by_reply(reply_code, CACHET_E_TLS, code);
		/* FALLTHROUGH */
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		/* Misconfiguration or an attack: the user has to look. */
		*code = CACHET_E_TLS;
		return SMTP_FAIL_PERM;
	case CURLE_SSL_CONNECT_ERROR:
		*code = CACHET_E_TLS;
		return SMTP_FAIL_TEMP;
	case CURLE_LOGIN_DENIED:
		/* 454 is a temporary failure of the server's auth service. */
		if (reply_code >= 400 && reply_code < 500)
			return by_reply(reply_code, CACHET_E_AUTH, code);
		*code = CACHET_E_AUTH;
		return SMTP_FAIL_PERM;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_FUNCTION_ARGUMENT:
		*code = CACHET_E_INVAL;
		return SMTP_FAIL_PERM;
	}
	if (reply_code >= 400 && reply_code < 600)
		return by_reply(reply_code, CACHET_E_SERVER, code);
	switch (curl_code) {
	case CURLE_WEIRD_SERVER_REPLY:
		*code = CACHET_E_PROTO;
		return SMTP_FAIL_TEMP;
	default:
		*code = CACHET_E_NET;
		return SMTP_FAIL_TEMP;
	}
}
