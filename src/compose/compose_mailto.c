/*
 * compose/mailto: a message started from a mailto: URI (RFC 6068). Only
 * the recipients, Subject, body and In-Reply-To are taken; any other field
 * (attach, file, from, headers of any kind) is ignored, so a link cannot
 * attach local files or add header fields. Values are percent-decoded and
 * must be UTF-8; header values must not break lines. Runs on any thread.
 */
#include "compose_mime_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define URI_MAX (64 * 1024)	/* longer links are refused */
#define FIELDS_MAX 64		/* hname=hvalue pairs looked at */

/* Percent-decode s[0..len) into owned UTF-8 without NULs; NULL if not. */
static char *
pct_decode(const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	size_t i, k;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    (hi = util_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = util_hexval((unsigned char)s[i + 2])) >= 0) {
			buf_addc(&b, (char)(hi * 16 + lo));
			i += 2;
		} else {
			buf_addc(&b, s[i]);
		}
	}
	for (i = 0; i < b.len; i += k) {
		k = util_utf8_decode((const unsigned char *)b.data + i,
		    b.len - i, NULL);
		if (k == 0 || b.data[i] == '\0') {
			buf_release(&b);
			return NULL;
		}
	}
	return buf_detach(&b, NULL);
}

/* Append an address list to *field, ", " between. */
static void
add_list(char **field, const char *v)
{
	char *old = *field;

	if (util_str_empty(v))
		return;
	*field = old != NULL ? xasprintf("%s, %s", old, v) : xstrdup(v);
	free(old);
}

static void
set_once(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

/* The body: CRLF (and a lone CR) become LF, controls are dropped. */
static char *
body_text(const char *v)
{
	struct buf b = BUF_INIT;
	char *out;

	for (; *v; v++) {
		if (v[0] == '\r' && v[1] == '\n')
			continue;
		buf_addc(&b, *v == '\r' ? '\n' : *v);
	}
	out = util_sanitize(b.data != NULL ? b.data : "", b.len, true, true);
	buf_release(&b);
	return out;
}

static int
take_field(struct compose_msg *m, const char *name, const char *v,
    struct cachet_err *err)
{
	size_t len;
	char *id;

	if (strcasecmp(name, "body") == 0) {
		util_free_secret(m->body);
		m->body = body_text(v);
		return 0;
	}
	if (strcasecmp(name, "to") != 0 && strcasecmp(name, "cc") != 0 &&
	    strcasecmp(name, "bcc") != 0 && strcasecmp(name, "subject") != 0 &&
	    strcasecmp(name, "in-reply-to") != 0)
		return 0;	/* attach, file, from, ...: ignored */
	if (compose_header_unsafe(v))
		return cachet_err(err, CACHET_E_INVAL,
		    "mailto: %s with a line break or control character", name);
	if (strcasecmp(name, "to") == 0)
		add_list(&m->to, v);
	else if (strcasecmp(name, "cc") == 0)
		add_list(&m->cc, v);
	else if (strcasecmp(name, "bcc") == 0)
		add_list(&m->bcc, v);
	else if (strcasecmp(name, "subject") == 0)
		set_once(&m->subject, v);
	else {
		id = xstrdup(v);
		len = strlen(id);
		if (len >= 2 && id[0] == '<' && id[len - 1] == '>') {
			memmove(id, id + 1, len - 2);
			id[len - 2] = '\0';
		}
		if (compose_msgid_ok(id))
			set_once(&m->in_reply_to, id);
		free(id);
	}
	return 0;
}

/* One hname=hvalue pair of the query. */
static int
take_pair(struct compose_msg *m, const char *s, size_t len,
    struct cachet_err *err)
{
	const char *eq = memchr(s, '=', len);
	char *name, *value;
	int rc;

	if (eq == NULL)
		return 0;
	name = pct_decode(s, (size_t)(eq - s));
	value = pct_decode(eq + 1, len - (size_t)(eq + 1 - s));
	if (name == NULL || value == NULL)
		rc = cachet_err(err, CACHET_E_INVAL,
		    "mailto: a field is not valid UTF-8");
	else
		rc = take_field(m, name, value, err);
	free(name);
	free(value);
	return rc;
}

static int
parse_uri(struct compose_msg *m, const char *uri, struct cachet_err *err)
{
	const char *p = uri + 7, *q = strchr(p, '?'), *amp, *end;
	size_t plen = q != NULL ? (size_t)(q - p) : strlen(p);
	char *to;
	int rc = 0, n = 0;

	if ((to = pct_decode(p, plen)) == NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "mailto: the address is not valid UTF-8");
	rc = take_field(m, "to", to, err);
	free(to);
	for (p = q != NULL ? q + 1 : NULL; rc == 0 && p != NULL && *p;
	    p = amp != NULL ? amp + 1 : NULL) {
		if (++n > FIELDS_MAX)
			break;
		amp = strchr(p, '&');
		end = amp != NULL ? amp : p + strlen(p);
		rc = take_pair(m, p, (size_t)(end - p), err);
	}
	return rc;
}

int
compose_mailto(const char *uri, struct compose_msg *m,
    struct cachet_err *err)
{
	int rc;

	if (m == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no message to fill");
	compose_msg_init(m);
	if (uri == NULL || strncasecmp(uri, "mailto:", 7) != 0)
		return cachet_err(err, CACHET_E_INVAL, "not a mailto: URI");
	if (strlen(uri) > URI_MAX)
		return cachet_err(err, CACHET_E_INVAL,
		    "mailto: URI longer than %d bytes", URI_MAX);
	if ((rc = parse_uri(m, uri, err)) < 0) {
		compose_msg_release(m);
		return rc;
	}
	return 0;
}
