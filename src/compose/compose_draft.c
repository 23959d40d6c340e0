/*
 * compose/draft: the file the user edits. Header lines From, To, Cc, Bcc
 * and Subject (UTF-8 as typed, folded lines allowed), an empty line, the
 * body. Reading it back is all or nothing: any line that is not one of
 * those fields leaves the message as it was. Runs on any thread.
 */
#include "compose_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum draft_field { F_FROM, F_TO, F_CC, F_BCC, F_SUBJECT, F_COUNT };

static const char *const field_names[F_COUNT] = {
	[F_FROM] = "From",
	[F_TO] = "To",
	[F_CC] = "Cc",
	[F_BCC] = "Bcc",
	[F_SUBJECT] = "Subject",
};

/* A field value on one line: line breaks become spaces. */
static void
add_value(struct buf *b, const char *v)
{
	for (; v != NULL && *v; v++)
		buf_addc(b, *v == '\r' || *v == '\n' ? ' ' : *v);
}

char *
compose_draft_format(const struct compose_msg *m)
{
	const char *v[F_COUNT] = { m->from, m->to, m->cc, m->bcc,
	    m->subject };
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < F_COUNT; i++) {
		buf_addf(&b, "%s: ", field_names[i]);
		add_value(&b, v[i]);
		buf_addc(&b, '\n');
	}
	buf_addc(&b, '\n');
	if (m->body != NULL)
		buf_adds(&b, m->body);
	return buf_detach(&b, NULL);
}

struct draft_parse {
	struct buf val[F_COUNT];
	bool seen[F_COUNT];
	int cur;		/* field of the last header line, or -1 */
	size_t lineno;
};

static int
field_index(const char *name, size_t len)
{
	int i;

	for (i = 0; i < F_COUNT; i++)
		if (strlen(field_names[i]) == len &&
		    strncasecmp(field_names[i], name, len) == 0)
			return i;
	return -1;
}

/* Append a piece of a value, one space between folded pieces. */
static void
add_piece(struct buf *b, const char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0)
		return;
	if (b->len > 0)
		buf_addc(b, ' ');
	buf_add(b, s, len);
}

static int
bad_line(struct draft_parse *d, const char *what, const char *s,
    size_t len, struct cachet_err *err)
{
	char *t = util_sanitize(s, len > 40 ? 40 : len, false, false);

	cachet_err(err, CACHET_E_INVAL, "line %zu: %s%s", d->lineno, what, t);
	free(t);
	return CACHET_E_INVAL;
}

static int
header_line(struct draft_parse *d, const char *s, size_t len,
    struct cachet_err *err)
{
	const char *colon = memchr(s, ':', len);
	size_t nlen;
	int f;

	if (*s == ' ' || *s == '\t') {
		if (d->cur < 0)
			return bad_line(d, "continuation without a field", "",
			    0, err);
		add_piece(&d->val[d->cur], s, len);
		return 0;
	}
	if (colon == NULL)
		return bad_line(d, "not a header field: ", s, len, err);
	nlen = (size_t)(colon - s);
	while (nlen > 0 && (s[nlen - 1] == ' ' || s[nlen - 1] == '\t'))
		nlen--;
	if ((f = field_index(s, nlen)) < 0)
		return bad_line(d, "unknown header field ", s, nlen, err);
	/* Address fields given twice add up; a second Subject or From
	 * would silently lose text. */
	if (d->seen[f] && (f == F_FROM || f == F_SUBJECT))
		return bad_line(d, "repeated header field ", s, nlen, err);
	if (d->seen[f] && d->val[f].len > 0)
		buf_addc(&d->val[f], ',');
	d->seen[f] = true;
	d->cur = f;
	add_piece(&d->val[f], colon + 1, len - (size_t)(colon + 1 - s));
	return 0;
}

/* The body with CRLF made LF. */
static char *
body_lf(const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		buf_addc(&b, s[i] == '\0' ? ' ' : s[i]);
	}
	return buf_detach(&b, NULL);
}

static void
commit(struct compose_msg *m, struct draft_parse *d, char *body)
{
	char **dst[F_COUNT] = { &m->from, &m->to, &m->cc, &m->bcc,
	    &m->subject };
	int i;

	for (i = 0; i < F_COUNT; i++) {
		free(*dst[i]);
		*dst[i] = d->val[i].len > 0 ?
		    buf_detach(&d->val[i], NULL) : NULL;
	}
	util_free_secret(m->body);
	m->body = body;
}

int
compose_draft_parse(struct compose_msg *m, const char *text, size_t len,
    struct cachet_err *err)
{
	struct draft_parse d;
	const char *p = text, *end = text + len, *nl, *line;
	size_t llen;
	int i, rc = 0;

	if (m == NULL || (text == NULL && len > 0))
		return cachet_err(err, CACHET_E_INVAL, "no draft to read");
	if (text == NULL)
		p = end = "";
	memset(&d, 0, sizeof(d));
	d.cur = -1;
	while (p < end) {
		line = p;
		nl = memchr(p, '\n', (size_t)(end - p));
		llen = (size_t)((nl != NULL ? nl : end) - p);
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		d.lineno++;
		p = nl != NULL ? nl + 1 : end;
		if (llen == 0)
			break;
		if ((rc = header_line(&d, line, llen, err)) < 0)
			break;
	}
	if (rc == 0)
		commit(m, &d, body_lf(p, (size_t)(end - p)));
	for (i = 0; i < F_COUNT; i++)
		buf_release(&d.val[i]);
	return rc;
}
