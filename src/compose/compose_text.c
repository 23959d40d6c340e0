/*
 * compose/text: reading a stored message back for a reply, a forward or a
 * resumed draft: the text body as the pager chose it (src/mime), decoded
 * to UTF-8 with LF line ends and sanitised, and the other leaf parts as
 * in-memory attachments. Runs on any thread.
 */
#include "compose_mime_int.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime/mime.h"

#define TEXT_MAX (16u * 1024 * 1024)	/* body text taken over */
#define ATTS_MAX 256			/* parts taken over as attachments */

/* Parts that only make sense inside their security framing. */
static bool
is_crypto_part(const char *type)
{
	static const char *const skip[] = {
		"application/pgp-signature", "application/pgp-encrypted",
		"application/pkcs7-signature",
		"application/x-pkcs7-signature", "application/pkcs7-mime",
		"application/x-pkcs7-mime",
	};
	size_t i;

	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strcmp(type, skip[i]) == 0)
			return true;
	return false;
}

static bool
charset_is_utf8(const char *cs)
{
	return cs == NULL || strcasecmp(cs, "utf-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0 || strcasecmp(cs, "us-ascii") == 0;
}

static bool
utf8_valid(const char *s, size_t len)
{
	size_t i = 0, k;

	while (i < len) {
		if ((k = util_utf8_decode((const unsigned char *)s + i,
		    len - i, NULL)) == 0)
			return false;
		i += k;
	}
	return true;
}

/* Convert with iconv; NULL when the charset is unknown or input bad. */
static char *
convert(const char *cs, const char *in, size_t len)
{
	struct buf b = BUF_INIT;
	iconv_t cd = iconv_open("UTF-8", cs);
	char out[4096], *ip = (char *)in, *op;
	size_t il = len, ol;
	bool ok = true;

	if (cd == (iconv_t)-1)
		return NULL;
	while (il > 0) {
		op = out;
		ol = sizeof(out);
		if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 &&
		    errno != E2BIG) {
			ok = false;
			break;
		}
		buf_add(&b, out, sizeof(out) - ol);
	}
	iconv_close(cd);
	if (!ok) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* The decoded text of the body part, or NULL to use the rendered one. */
static char *
plain_text(const char *raw, size_t len, const struct mime_part *p)
{
	char *data = NULL, *text;
	size_t dlen;

	if (strcmp(p->type, "text/plain") != 0 ||
	    mime_part_data(raw, len, p->index, &data, &dlen, NULL) < 0)
		return NULL;
	if (dlen > TEXT_MAX)
		dlen = TEXT_MAX;
	if (charset_is_utf8(p->charset))
		text = utf8_valid(data, dlen) ? xstrndup(data, dlen) : NULL;
	else
		text = convert(p->charset, data, dlen);
	free(data);
	return text;
}

/* s with CRLF (and lone CR) made LF, then sanitised for the editor. */
static char *
clean_text(const char *s)
{
	struct buf b = BUF_INIT;
	char *out;

	for (; *s; s++) {
		if (s[0] == '\r' && s[1] == '\n')
			continue;
		buf_addc(&b, *s == '\r' ? '\n' : *s);
	}
	out = util_sanitize(b.data != NULL ? b.data : "", b.len, true, true);
	buf_release(&b);
	return out;
}

static void
add_attachment(struct compose_msg *m, const char *raw, size_t len,
    const struct mime_part *p)
{
	struct compose_attachment *a;
	char *data = NULL;
	size_t dlen = 0;

	if (m->natts >= ATTS_MAX ||
	    mime_part_data(raw, len, p->index, &data, &dlen, NULL) < 0)
		return;
	m->atts = xreallocarray(m->atts, m->natts + 1, sizeof(*m->atts));
	a = &m->atts[m->natts++];
	memset(a, 0, sizeof(*a));
	a->data = data;
	a->len = dlen;
	a->name = p->filename != NULL ? xstrdup(p->filename) : NULL;
	a->type = xstrdup(p->type);
}

char *
compose_text_body(const char *raw, size_t len, struct compose_msg *atts)
{
	struct mime_view v;
	char *text = NULL, *out, *cut;
	size_t i;

	if (raw == NULL || mime_render(raw, len, &v, NULL) < 0)
		return xstrdup("");
	for (i = 0; i < v.nparts; i++) {
		const struct mime_part *p = &v.parts[i];

		if (p->is_body)
			text = plain_text(raw, len, p);
		else if (atts != NULL && !is_crypto_part(p->type))
			add_attachment(atts, raw, len, p);
	}
	if (text == NULL) {
		/* HTML or an odd charset: what the pager shows, without the
		 * attached messages it adds after the body. */
		text = xstrdup(v.body != NULL ? v.body : "");
		if ((cut = strstr(text, "\n\n----- Attached message -----\n")))
			*cut = '\0';
	}
	out = clean_text(text);
	util_free_secret(text);
	mime_view_release(&v);
	return out;
}
