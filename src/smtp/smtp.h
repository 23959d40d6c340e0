/*
 * smtp: message submission through libcurl (RFC 6409).
 *
 * TLS is always on and verified: implicit TLS (smtps, port 465) or
 * STARTTLS required (port 587); the chain is checked against ca_file or
 * the system store and the host name against the certificate. AUTH is
 * only ever sent inside TLS. One call is one SMTP transaction: either
 * every recipient was accepted and the server answered the end of DATA
 * with 2xx (return 0), or nothing was handed over.
 * Runs on any thread; no global state besides libcurl's one-time init.
 */
#ifndef CACHET_SMTP_H
#define CACHET_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

struct smtp_server {
	const char *host;
	int port;
	bool starttls;		/* false: implicit TLS */
	const char *user;	/* NULL: no AUTH */
	const char *secret;	/* password, or OAuth2 token with oauth2 */
	bool oauth2;		/* XOAUTH2/OAUTHBEARER with secret as token */
	const char *ca_file;	/* NULL: system store */
	int timeout;		/* seconds without progress, >= 1 */
};

/* How a failed submission should be treated by the outbox. */
enum smtp_fail {
	SMTP_FAIL_NONE = 0,
	SMTP_FAIL_TEMP,		/* network, TLS handshake, timeout, 4xx:
				   retry later */
	SMTP_FAIL_PERM,		/* 5xx, refused credentials, untrusted
				   certificate, no STARTTLS, bad arguments:
				   needs the user */
};

struct smtp_result {
	enum smtp_fail fail;
	int code;		/* last SMTP reply code, 0 if none */
	char reply[512];	/* last server reply text, sanitised */
};

/*
 * Submit msg[0..len) (CRLF line ends, dot-stuffing is done here) from the
 * envelope sender `from` (bare address) to every address in rcpts.
 * A message with a bare CR or LF, or an address with controls, spaces or
 * angle brackets, is refused with CACHET_E_INVAL before connecting.
 * On failure err names the reason (CACHET_E_TLS, _NET, _TIMEOUT, _AUTH,
 * _SERVER) with the server's sanitised reply, and res->fail says whether
 * to retry. res may be NULL.
 */
int smtp_submit(const struct smtp_server *s, const char *from,
    const char *const *rcpts, size_t nrcpts, const char *msg, size_t len,
    struct smtp_result *res, struct cachet_err *err);

#endif
