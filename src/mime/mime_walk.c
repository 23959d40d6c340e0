/*
 * mime/walk: the multipart walk both the renderer and the security
 * framing build on (see mime_walk.h for the rules). Header values are
 * parsed by libetpan (mailmime_content_parse, mailmime_encoding_parse,
 * mailmime_disposition_parse, one field at a time so that one broken or
 * giant field cannot hide the others); the walk itself is done here
 * because mailmime_parse recurses without a limit and rescans the whole
 * input at every level. Every level is one pass over its own bytes.
 * Runs on any thread; no global state.
 */
#include "mime_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONTENT_FIELDS_MAX 16	/* Content-* fields read per entity */

/* ------------------------------------------------------------ fields */

static size_t
line_end(const char *p, size_t len, size_t pos)
{
	const char *nl = memchr(p + pos, '\n', len - pos);

	return nl != NULL ? (size_t)(nl - p) + 1 : len;
}

static void
trim_field(struct mime_walk_field *f)
{
	while (f->name_len > 0 && (f->name[f->name_len - 1] == ' ' ||
	    f->name[f->name_len - 1] == '\t'))
		f->name_len--;
	while (f->value_len > 0 && (f->value[f->value_len - 1] == '\n' ||
	    f->value[f->value_len - 1] == '\r'))
		f->value_len--;
}

bool
mime_walk_field_next(const char *hdr, size_t len, size_t *pos,
    struct mime_walk_field *f)
{
	size_t p = *pos, end, colon;

	while (p < len) {
		end = line_end(hdr, len, p);
		while (end < len && (hdr[end] == ' ' || hdr[end] == '\t'))
			end = line_end(hdr, len, end);
		*pos = end;
		for (colon = p; colon < end && hdr[colon] != ':' &&
		    hdr[colon] != '\n'; colon++)
			;
		if (colon == end || hdr[colon] != ':' || colon == p) {
			p = end;	/* not a field: an mbox line, junk */
			continue;
		}
		f->name = hdr + p;
		f->name_len = colon - p;
		f->value = hdr + colon + 1;
		f->value_len = end - colon - 1;
		trim_field(f);
		return true;
	}
	*pos = len;
	return false;
}

bool
mime_walk_field_is(const struct mime_walk_field *f, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && strncasecmp(f->name, name, n) == 0;
}

char *
mime_walk_field_unfold(const struct mime_walk_field *f)
{
	size_t n = f->value_len < MIME_WALK_FIELD_MAX ? f->value_len :
	    MIME_WALK_FIELD_MAX;
	char *s = xmalloc(n + 1);
	size_t i;

	memcpy(s, f->value, n);
	s[n] = '\0';
	/* Line breaks become spaces; so do NUL bytes, which would end the
	 * value early for the parsers. */
	for (i = 0; i < n; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			s[i] = ' ';
	return s;
}

/* ------------------------------------------------------ Content-Type */

static char *
lower_dup(const char *s)
{
	char *d = xstrdup(s), *p;

	for (p = d; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

static void
set_param(char **dst, const char *value, bool lower)
{
	if (*dst != NULL || value == NULL)
		return;	/* the first one counts */
	*dst = lower ? lower_dup(value) : xstrdup(value);
}

/* A charset token: it is written into headers cachet makes. */
static bool
charset_ok(const char *s)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0'; s++, n++)
		if (!isalnum((unsigned char)*s) && strchr("._:-+", *s) == NULL)
			return false;
	return n > 0 && n <= 64;
}

/* The parameters as they came, for structure and protocol. */
static void
content_params(struct mime_walk_node *n, struct mailmime_content *ct)
{
	clistiter *it;

	for (it = clist_begin(ct->ct_parameters); it; it = clist_next(it)) {
		const struct mailmime_parameter *p = clist_content(it);

		if (p == NULL || p->pa_name == NULL)
			continue;
		if (strcasecmp(p->pa_name, "boundary") == 0)
			set_param(&n->boundary, p->pa_value, false);
		else if (strcasecmp(p->pa_name, "protocol") == 0)
			set_param(&n->protocol, p->pa_value, true);
		else if (strcasecmp(p->pa_name, "smime-type") == 0)
			set_param(&n->smime_type, p->pa_value, true);
		else if (strcasecmp(p->pa_name, "micalg") == 0)
			set_param(&n->micalg, p->pa_value, true);
		else if (strcasecmp(p->pa_name, "charset") == 0 &&
		    charset_ok(p->pa_value))
			set_param(&n->charset_token, p->pa_value, true);
		else if (strcasecmp(p->pa_name, "protected-headers") == 0 &&
		    p->pa_value != NULL && strcasecmp(p->pa_value, "v1") == 0)
			n->protected_headers = true;
	}
}

/* A Content-Type value; false when libetpan cannot parse it. */
static bool
parse_content_type(struct mime_walk_node *n, const char *v, char **ct_name)
{
	struct mailmime_content *ct = NULL;
	struct mime_node r = {.type = NULL};
	size_t idx = 0;

	if (mailmime_content_parse(v, strlen(v), &idx, &ct) !=
	    MAILIMF_NO_ERROR || ct == NULL)
		return false;
	/* The type, the decoded charset and name (mime_param.c). */
	mime_param_content(&r, ct, ct_name);
	if (r.type != NULL) {
		free(n->type);
		n->type = r.type;
	}
	n->charset = r.charset;
	free(r.boundary);
	content_params(n, ct);
	mailmime_content_free(ct);
	return true;
}

static bool
parse_encoding(struct mime_walk_node *n, const char *v)
{
	struct mailmime_mechanism *m = NULL;
	size_t idx = 0, len = strlen(v);

	/* libetpan's mechanism parser does not skip leading space. */
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	if (mailmime_encoding_parse(v, len, &idx, &m) != MAILIMF_NO_ERROR ||
	    m == NULL)
		return false;
	n->encoding = m->enc_type;
	mailmime_mechanism_free(m);
	return true;
}

static bool
parse_disposition(struct mime_walk_node *n, const char *v)
{
	struct mailmime_disposition *d = NULL;
	struct mime_node r = {.type = NULL};
	size_t idx = 0;

	if (mailmime_disposition_parse(v, strlen(v), &idx, &d) !=
	    MAILIMF_NO_ERROR || d == NULL)
		return false;
	mime_param_disposition(&r, d);
	n->attachment = r.attachment;
	n->filename = r.filename;
	mailmime_disposition_free(d);
	return true;
}

/* Which Content-* fields have been read (the first readable counts). */
enum {
	MIME_WALK_HAVE_TYPE = 1,
	MIME_WALK_HAVE_ENCODING = 2,
	MIME_WALK_HAVE_DISPOSITION = 4,
};

/* One Content-* field: the first of each kind libetpan reads counts. */
static void
content_field(struct mime_walk_node *n, const struct mime_walk_field *f,
    unsigned *have, char **ct_name)
{
	char *v = mime_walk_field_unfold(f);

	if (!(*have & MIME_WALK_HAVE_TYPE) &&
	    mime_walk_field_is(f, "content-type")) {
		if (parse_content_type(n, v, ct_name))
			*have |= MIME_WALK_HAVE_TYPE;
	} else if (!(*have & MIME_WALK_HAVE_ENCODING) &&
	    mime_walk_field_is(f, "content-transfer-encoding")) {
		if (parse_encoding(n, v))
			*have |= MIME_WALK_HAVE_ENCODING;
	} else if (!(*have & MIME_WALK_HAVE_DISPOSITION) &&
	    mime_walk_field_is(f, "content-disposition")) {
		if (parse_disposition(n, v))
			*have |= MIME_WALK_HAVE_DISPOSITION;
	}
	free(v);
}

static void
node_header(struct mime_walk_node *n, const char *deftype)
{
	struct mime_walk_field f;
	size_t pos = 0;
	unsigned seen = 0, have = 0;
	char *ct_name = NULL;

	n->type = xstrdup(deftype);
	n->encoding = MAILMIME_MECHANISM_8BIT;
	while (mime_walk_field_next(n->hdr, n->hdr_len, &pos, &f)) {
		if (f.name_len <= 8 || strncasecmp(f.name, "content-", 8) != 0)
			continue;
		if (++seen > CONTENT_FIELDS_MAX)
			break;
		if (f.value_len <= MIME_WALK_FIELD_MAX)
			content_field(n, &f, &have, &ct_name);
	}
	if (n->filename == NULL && ct_name != NULL)
		n->filename = mime_filename_safe(ct_name);
	free(ct_name);
}

/* --------------------------------------------------------- the walk */

bool
mime_walk_is(const struct mime_walk_node *n, const char *type)
{
	return n != NULL && n->type != NULL && strcmp(n->type, type) == 0;
}

bool
mime_walk_is_multipart(const struct mime_walk_node *n)
{
	return n != NULL && n->type != NULL &&
	    strncmp(n->type, "multipart/", 10) == 0;
}

bool
mime_walk_is_identity(int encoding)
{
	return encoding != MAILMIME_MECHANISM_BASE64 &&
	    encoding != MAILMIME_MECHANISM_QUOTED_PRINTABLE;
}

static bool
boundary_ok(const char *b)
{
	size_t len = b != NULL ? strlen(b) : 0;

	return len > 0 && len <= MIME_WALK_BOUNDARY_MAX &&
	    strpbrk(b, "\r\n") == NULL;
}

/* Is [p, end) "--boundary" or "--boundary--", then only white space? */
static bool
is_delimiter(const char *p, const char *end, const char *b, size_t blen,
    bool *close)
{
	bool is_close;

	if ((size_t)(end - p) < blen + 2 || p[0] != '-' || p[1] != '-' ||
	    memcmp(p + 2, b, blen) != 0)
		return false;
	p += blen + 2;
	is_close = end - p >= 2 && p[0] == '-' && p[1] == '-';
	if (is_close)
		p += 2;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	if (p != end)
		return false;	/* "--boundaryX": another boundary */
	*close = is_close;
	return true;
}

static struct mime_walk_node *node_parse(struct mime_walk *w,
    struct mime_walk_node *parent, const char *p, size_t len, bool message,
    const char *deftype, int depth);

/* The part [start, end) as the next child of n, if the budget allows. */
static void
add_child(struct mime_walk *w, struct mime_walk_node *n,
    struct mime_walk_node ***tail, const char *start, const char *end,
    const char *deftype)
{
	struct mime_walk_node *c;

	if (*w->budget <= 0) {
		w->truncated = true;
		return;
	}
	/* The newline before a delimiter belongs to the delimiter. */
	if (end > start && end[-1] == '\n')
		end--;
	if (end > start && end[-1] == '\r')
		end--;
	c = node_parse(w, n, start, (size_t)(end - start), false, deftype,
	    n->depth + 1);
	**tail = c;
	*tail = &c->next;
}

/* Split a multipart body at its delimiters into child parts. */
static void
split_multipart(struct mime_walk *w, struct mime_walk_node *n)
{
	const char *end = n->body + n->body_len, *line, *lend, *nl;
	const char *part = NULL, *deftype = "text/plain";
	struct mime_walk_node **tail = &n->child;
	size_t blen = strlen(n->boundary);
	bool close = false;

	if (mime_walk_is(n, "multipart/digest"))
		deftype = "message/rfc822";
	for (line = n->body; line < end && !close; line = nl) {
		nl = memchr(line, '\n', (size_t)(end - line));
		lend = nl != NULL ? nl : end;
		nl = nl != NULL ? nl + 1 : end;
		if (line[0] != '-' ||
		    !is_delimiter(line, lend, n->boundary, blen, &close))
			continue;
		if (part != NULL)
			add_child(w, n, &tail, part, line, deftype);
		part = nl;
	}
	/* A missing close delimiter: the last part runs to the end. */
	if (!close && part != NULL && part < end)
		add_child(w, n, &tail, part, end, deftype);
}

/* message/rfc822 in an identity encoding: its message is the child. */
static void
descend_message(struct mime_walk *w, struct mime_walk_node *n)
{
	if (!mime_walk_is_identity(n->encoding))
		return;
	if (n->depth + 1 >= MIME_WALK_MAX_DEPTH || *w->budget <= 0) {
		w->truncated = true;
		return;
	}
	n->child = node_parse(w, n, n->body, n->body_len, true, "text/plain",
	    n->depth + 1);
}

static struct mime_walk_node *
node_parse(struct mime_walk *w, struct mime_walk_node *parent, const char *p,
    size_t len, bool message, const char *deftype, int depth)
{
	struct mime_walk_node *n = xcalloc(1, sizeof(*n));
	size_t body_off;

	(*w->budget)--;
	n->parent = parent;
	n->depth = depth;
	n->is_message = message;
	n->start = n->hdr = p;
	n->len = len;
	n->hdr_len = mime_header_split(p, len, message ? MIME_SPLIT_MESSAGE :
	    MIME_SPLIT_PART, &body_off);
	n->body = p + body_off;
	n->body_len = len - body_off;
	node_header(n, deftype);
	if (mime_walk_is(n, "message/rfc822")) {
		if (w->messages)
			descend_message(w, n);
		return n;
	}
	if (!mime_walk_is_multipart(n))
		return n;
	if (boundary_ok(n->boundary) && depth < MIME_WALK_MAX_DEPTH)
		split_multipart(w, n);
	else if (depth >= MIME_WALK_MAX_DEPTH)
		w->truncated = true;
	if (n->child == NULL) {
		/* Nothing we can split: show the raw body as text. */
		free(n->type);
		n->type = xstrdup(depth < MIME_WALK_MAX_DEPTH ? "text/plain" :
		    "application/octet-stream");
	}
	return n;
}

struct mime_walk_node *
mime_walk_parse(struct mime_walk *w, const char *buf, size_t len,
    bool message, int depth)
{
	w->truncated = *w->budget <= 0;
	if (buf == NULL) {
		buf = "";
		len = 0;
	}
	return node_parse(w, NULL, buf, len, message, "text/plain", depth);
}

void
mime_walk_free(struct mime_walk_node *n)
{
	struct mime_walk_node *c, *next;

	if (n == NULL)
		return;
	for (c = n->child; c != NULL; c = next) {
		next = c->next;
		mime_walk_free(c);
	}
	free(n->type);
	free(n->boundary);
	free(n->protocol);
	free(n->smime_type);
	free(n->micalg);
	free(n->charset_token);
	free(n->charset);
	free(n->filename);
	free(n);
}

/* ------------------------------------------------------------ bodies */

/*
 * Bytes of slack after a body handed to libetpan's decoder: its
 * quoted-printable and base64 decoders read up to two bytes past a '='
 * or a CR at the very end, so they get a zeroed tail of their own rather
 * than the bytes after the part.
 */
#define DECODE_PAD 8

static char *
copy_out(const char *p, size_t len, size_t *outlen)
{
	char *out = xmalloc(len + 1);

	if (len > 0)
		memcpy(out, p, len);
	out[len] = '\0';
	*outlen = len;
	return out;
}

char *
mime_walk_decode(const char *body, size_t len, int encoding, size_t *outlen)
{
	char *res = NULL, *out, *in;
	size_t idx = 0, rlen = 0;
	int rc;

	if (mime_walk_is_identity(encoding) || len == 0)
		return copy_out(body, len, outlen);
	in = xcalloc(1, len + DECODE_PAD);
	memcpy(in, body, len);
	rc = mailmime_part_parse(in, len, &idx, encoding, &res, &rlen);
	explicit_bzero(in, len);
	free(in);
	if (rc != MAILIMF_NO_ERROR || res == NULL)
		return copy_out(body, len, outlen);
	out = copy_out(res, rlen, outlen);
	explicit_bzero(res, rlen);
	mailmime_decoded_part_free(res);
	return out;
}
