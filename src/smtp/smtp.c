/*
 * smtp: one message submission through libcurl. TLS is mandatory and
 * verified (implicit, or STARTTLS with CURLUSESSL_ALL so that libcurl gives
 * up rather than authenticate in plain text); the server's replies are
 * followed through libcurl's protocol trace to report what it said.
 * Runs on whichever thread calls smtp_submit (the outbox worker); each call
 * has its own easy handle and nothing is shared but libcurl's global init.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "smtp/smtp_int.h"

/* What one transfer carries around its callbacks. */
struct smtp_xfer {
	const char *msg;
	size_t len;
	size_t off;
	struct smtp_reply reply;
	char curl_err[CURL_ERROR_SIZE];
};

static pthread_once_t smtp_once = PTHREAD_ONCE_INIT;
static CURLcode smtp_init_rc = CURLE_FAILED_INIT;

static void
smtp_global_init(void)
{
	smtp_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
smtp_read(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct smtp_xfer *x = arg;
	size_t n = size * nmemb;

	if (n > x->len - x->off)
		n = x->len - x->off;
	memcpy(dst, x->msg + x->off, n);
	x->off += n;
	return n;
}

/* Only protocol lines are looked at; nothing is ever printed. */
static int
smtp_trace(CURL *h, curl_infotype type, char *data, size_t len, void *arg)
{
	struct smtp_xfer *x = arg;

	if (type == CURLINFO_HEADER_IN)
		smtp_reply_feed(&x->reply, data, len);
	else if (type == CURLINFO_HEADER_OUT)
		smtp_reply_sent(&x->reply, data, len);
	return 0;
}

static int
smtp_check_args(const struct smtp_server *s, const char *from,
    const char *const *rcpts, size_t nrcpts, const char *msg, size_t len,
    struct cachet_err *err)
{
	size_t i;

	if (s == NULL || s->host == NULL)
		return cachet_err(err, CACHET_E_INVAL, "smtp: no server");
	if (s->timeout < 1)
		return cachet_err(err, CACHET_E_INVAL,
		    "smtp %s:%d: bad timeout", s->host, s->port);
	if (s->user != NULL && s->secret == NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "smtp %s:%d: user without a secret", s->host, s->port);
	if (msg == NULL)
		return cachet_err(err, CACHET_E_INVAL, "smtp: no message");
	if (!smtp_crlf_ok(msg, len))
		return cachet_err(err, CACHET_E_INVAL,
		    "smtp: message has a line end other than CRLF");
	if (!smtp_addr_ok(from, true))
		return cachet_err(err, CACHET_E_INVAL,
		    "smtp: bad sender address");
	if (rcpts == NULL || nrcpts == 0)
		return cachet_err(err, CACHET_E_INVAL, "smtp: no recipients");
	for (i = 0; i < nrcpts; i++)
		if (!smtp_addr_ok(rcpts[i], false))
			return cachet_err(err, CACHET_E_INVAL,
			    "smtp: bad recipient address (number %zu)", i + 1);
	return 0;
}

/* Set one option unless an earlier one failed (h and rc in scope). */
#define SET(opt, val) \
	do { \
		if (rc == CURLE_OK) \
			rc = curl_easy_setopt(h, opt, val); \
	} while (0)

/* Everything but the message, the envelope and the callbacks. */
static CURLcode
smtp_setup_conn(CURL *h, const struct smtp_server *s, const char *url)
{
	CURLcode rc = CURLE_OK;

	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (s->ca_file != NULL) {
		/* The given file is the whole trust store, as for IMAP. */
		SET(CURLOPT_CAINFO, s->ca_file);
		SET(CURLOPT_CAPATH, (char *)NULL);
	}
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, (long)s->timeout);
	SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)s->timeout);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, (long)s->timeout);
	SET(CURLOPT_FORBID_REUSE, 1L);
	if (s->user != NULL) {
		SET(CURLOPT_USERNAME, s->user);
		if (s->oauth2) {
			SET(CURLOPT_XOAUTH2_BEARER, s->secret);
			SET(CURLOPT_LOGIN_OPTIONS,
			    "AUTH=OAUTHBEARER;AUTH=XOAUTH2");
		} else {
			SET(CURLOPT_PASSWORD, s->secret);
			/* Inside TLS; no challenge-response mechanisms. */
			SET(CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN;AUTH=LOGIN");
		}
		SET(CURLOPT_SASL_IR, 1L);
	}
	return rc;
}

static CURLcode
smtp_setup_xfer(CURL *h, struct smtp_xfer *x, const char *from,
    struct curl_slist *rcpt)
{
	CURLcode rc = CURLE_OK;

	SET(CURLOPT_ERRORBUFFER, x->curl_err);
	SET(CURLOPT_MAIL_FROM, from);
	SET(CURLOPT_MAIL_RCPT, rcpt);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, smtp_read);
	SET(CURLOPT_READDATA, x);
	SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->len);
	SET(CURLOPT_DEBUGFUNCTION, smtp_trace);
	SET(CURLOPT_DEBUGDATA, x);
	SET(CURLOPT_VERBOSE, 1L);
	return rc;
}

#undef SET

/* The reason in words, for err->msg. */
static void
smtp_reason(CURL *h, CURLcode rc, const struct smtp_xfer *x, int code,
    const struct smtp_server *s, const char *reply, struct cachet_err *err)
{
	const char *why = x->curl_err[0] != '\0' ? x->curl_err :
	    curl_easy_strerror(rc);
	char *clean = util_sanitize(why, strlen(why), false, false);
	long os_errno = 0;

	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
	if (rc == CURLE_COULDNT_CONNECT && os_errno == ECONNREFUSED)
		cachet_err(err, code, "smtp %s:%d: connection refused",
		    s->host, s->port);
	else if (rc == CURLE_PEER_FAILED_VERIFICATION)
		cachet_err(err, code,
		    "smtp %s:%d: certificate not trusted (%s)", s->host,
		    s->port, clean);
	else if (rc == CURLE_USE_SSL_FAILED && x->reply.code >= 400)
		cachet_err(err, code, "smtp %s:%d: server refused STARTTLS: "
		    "%s; not sending in plain text", s->host, s->port, reply);
	else if (rc == CURLE_USE_SSL_FAILED)
		cachet_err(err, code, "smtp %s:%d: server offers no STARTTLS; "
		    "not sending in plain text", s->host, s->port);
	else if (code == CACHET_E_TIMEOUT)
		cachet_err(err, code, "smtp %s:%d: no progress for %d s (%s)",
		    s->host, s->port, s->timeout, clean);
	else if (code == CACHET_E_AUTH && x->reply.code >= 400)
		cachet_err(err, code, "smtp %s:%d: login refused, server said: "
		    "%s", s->host, s->port, reply);
	else if (code == CACHET_E_AUTH)
		cachet_err(err, code, "smtp %s:%d: cannot log in (%s)",
		    s->host, s->port, clean);
	else if (code == CACHET_E_SERVER)
		cachet_err(err, code, "smtp %s:%d: server said: %s", s->host,
		    s->port, reply);
	else
		cachet_err(err, code, "smtp %s:%d: %s", s->host, s->port,
		    clean);
	free(clean);
}

/* Fill res from the transfer and err from the failure; returns the code. */
static int
smtp_finish(CURL *h, CURLcode rc, struct smtp_xfer *x,
    const struct smtp_server *s, struct smtp_result *res,
    struct cachet_err *err)
{
	char *reply;
	long resp = 0;
	int code;
	enum smtp_fail fail;

	reply = util_sanitize(x->reply.last, strlen(x->reply.last), false,
	    false);
	res->code = x->reply.code;
	if (res->code == 0 &&
	    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp) == CURLE_OK &&
	    resp > 0 && resp < 1000)
		res->code = (int)resp;
	snprintf(res->reply, sizeof(res->reply), "%s", reply);
	fail = smtp_classify(rc, res->code, &code);
	res->fail = fail;
	if (fail != SMTP_FAIL_NONE)
		smtp_reason(h, rc, x, code, s, reply, err);
	free(reply);
	return code;
}

static struct curl_slist *
smtp_rcpt_list(const char *const *rcpts, size_t nrcpts)
{
	struct curl_slist *l = NULL, *t;
	size_t i;

	for (i = 0; i < nrcpts; i++) {
		if ((t = curl_slist_append(l, rcpts[i])) == NULL)
			abort();
		l = t;
	}
	return l;
}

int
smtp_submit(const struct smtp_server *s, const char *from,
    const char *const *rcpts, size_t nrcpts, const char *msg, size_t len,
    struct smtp_result *res, struct cachet_err *err)
{
	struct smtp_result dummy;
	struct smtp_xfer *x = NULL;
	struct curl_slist *rcpt = NULL;
	CURL *h = NULL;
	char *url = NULL;
	CURLcode rc;
	int r;

	if (res == NULL)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	res->fail = SMTP_FAIL_PERM;
	if ((r = smtp_check_args(s, from, rcpts, nrcpts, msg, len, err)) < 0)
		return r;
	if ((url = smtp_url(s->host, s->port, s->starttls)) == NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "smtp: bad host name or port");
	pthread_once(&smtp_once, smtp_global_init);
	res->fail = SMTP_FAIL_TEMP;
	if (smtp_init_rc != CURLE_OK || (h = curl_easy_init()) == NULL) {
		r = cachet_err(err, CACHET_E_NET,
		    "smtp: cannot set up libcurl");
		goto out;
	}
	x = xcalloc(1, sizeof(*x));
	x->msg = msg;
	x->len = len;
	smtp_reply_init(&x->reply);
	rcpt = smtp_rcpt_list(rcpts, nrcpts);
	if ((rc = smtp_setup_conn(h, s, url)) != CURLE_OK ||
	    (rc = smtp_setup_xfer(h, x, from, rcpt)) != CURLE_OK) {
		res->fail = SMTP_FAIL_PERM;
		r = cachet_err(err, CACHET_E_INVAL, "smtp: libcurl option: %s",
		    curl_easy_strerror(rc));
		goto out;
	}
	rc = curl_easy_perform(h);
	/* What the connection says while closing is of no interest. */
	x->reply.quit = true;
	r = smtp_finish(h, rc, x, s, res, err);
out:
	curl_easy_cleanup(h);
	curl_slist_free_all(rcpt);
	free(x);
	free(url);
	return r;
}
