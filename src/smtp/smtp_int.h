/*
 * smtp internals shared by smtp.c and smtp_reply.c, and visible to the
 * unit tests: the reply tracker fed from libcurl's protocol trace, input
 * checks and the mapping of a failure onto enum smtp_fail.
 */
#ifndef CACHET_SMTP_INT_H
#define CACHET_SMTP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp/smtp.h"

#define SMTP_LINE_MAX 512
#define SMTP_REPLY_MAX 512

/*
 * The server's replies as libcurl traces them, possibly in pieces. Only
 * the last complete reply is kept (code and text of all its lines, each
 * line's code dropped after the first); replies after our QUIT are
 * ignored, so that "221 Bye" never hides the reply that mattered.
 */
struct smtp_reply {
	char line[SMTP_LINE_MAX];	/* the line being received */
	size_t line_len;
	char cur[SMTP_REPLY_MAX];	/* the reply being received */
	size_t cur_len;
	int cur_code;
	char last[SMTP_REPLY_MAX];	/* the last complete reply */
	int code;			/* its code, 0 if none yet */
	bool quit;			/* QUIT seen: stop recording */
};

void smtp_reply_init(struct smtp_reply *r);
/* Bytes the server sent (CURLINFO_HEADER_IN). */
void smtp_reply_feed(struct smtp_reply *r, const char *data, size_t len);
/* A command we sent (CURLINFO_HEADER_OUT); only QUIT matters. */
void smtp_reply_sent(struct smtp_reply *r, const char *data, size_t len);

/*
 * Whether addr can go into MAIL FROM:<addr> or RCPT TO:<addr>: no
 * controls, spaces, angle brackets, at most 254 bytes; empty only when
 * empty_ok (the null sender).
 */
bool smtp_addr_ok(const char *addr, bool empty_ok);

/*
 * Whether every line of msg[0..len) ends in CRLF, with no CR or LF
 * elsewhere: a bare LF followed by "." could end DATA early at a server
 * that takes LF for a line end, and smuggle what follows as commands.
 */
bool smtp_crlf_ok(const char *msg, size_t len);

/*
 * The URL for host and port, or NULL when host is not a plain name, an
 * IPv4 address or an IPv6 address (which gets brackets). The path is
 * the name sent with EHLO. Owned by the caller.
 */
char *smtp_url(const char *host, int port, bool starttls);

/*
 * Classify a libcurl result (a CURLcode) together with the code of the
 * server's last reply (0 if none): *code gets the cachet error code.
 */
enum smtp_fail smtp_classify(int curl_code, int reply_code, int *code);

#endif
