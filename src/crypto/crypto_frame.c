/*
 * crypto_frame: the MIME structure of a message as the security framing
 * needs it, with the exact byte ranges of every entity (a detached
 * signature covers the bytes of its first part, not a decoded copy) and
 * the Content-Type parameters the protocols are told apart by (protocol,
 * smime-type, protected-headers). Header values are parsed by libetpan
 * (mailmime_content_parse, mailmime_encoding_parse); the multipart walk
 * follows the same rules and limits as the MIME renderer (src/mime), so
 * that what is judged is what is shown: delimiters are "--boundary" lines
 * with optional trailing white space, the newline before a delimiter
 * belongs to it, nesting stops at CRYPTO_FRAME_MAX_DEPTH and a message
 * holds at most CRYPTO_FRAME_MAX_NODES parts.
 * Runs on any thread; no global state.
 */
#include "crypto/crypto_status_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#define BOUNDARY_MAX 200
#define TYPE_MAX 127
#define CONTENT_FIELDS_MAX 16	/* Content-* fields read per entity */

void
crypto_secret_free(char *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

/* ------------------------------------------------------------ header */

static size_t
line_end(const char *p, size_t len, size_t pos)
{
	const char *nl = memchr(p + pos, '\n', len - pos);

	return nl != NULL ? (size_t)(nl - p) + 1 : len;
}

static bool
line_is_empty(const char *p, size_t len, size_t pos)
{
	if (pos < len && p[pos] == '\n')
		return true;
	return pos + 1 < len && p[pos] == '\r' && p[pos + 1] == '\n';
}

/* Does the line at pos start like a header field ("Name:")? */
static bool
line_is_field(const char *p, size_t len, size_t pos)
{
	size_t i = pos;

	while (i < len && (unsigned char)p[i] > 32 &&
	    (unsigned char)p[i] < 127 && p[i] != ':')
		i++;
	if (i == pos)
		return false;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < len && p[i] == ':';
}

/*
 * Split p into header and body: the header length, and *body_off the
 * first byte after the empty line. An entity that does not start with a
 * field (or the empty line) has no header at all.
 */
static size_t
header_split(const char *p, size_t len, bool message, size_t *body_off)
{
	size_t pos = 0;

	if (message && len > 5 && memcmp(p, "From ", 5) == 0)
		pos = line_end(p, len, 0);
	if (!line_is_empty(p, len, pos) && !line_is_field(p, len, pos)) {
		*body_off = 0;
		return 0;
	}
	while (pos < len) {
		if (line_is_empty(p, len, pos)) {
			*body_off = line_end(p, len, pos);
			return pos;
		}
		pos = line_end(p, len, pos);
	}
	*body_off = len;
	return len;
}

bool
crypto_field_next(const char *hdr, size_t len, size_t *pos,
    struct crypto_field *f)
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
		while (f->name_len > 0 && (f->name[f->name_len - 1] == ' ' ||
		    f->name[f->name_len - 1] == '\t'))
			f->name_len--;
		f->value = hdr + colon + 1;
		f->value_len = end - colon - 1;
		while (f->value_len > 0 &&
		    (f->value[f->value_len - 1] == '\n' ||
		    f->value[f->value_len - 1] == '\r'))
			f->value_len--;
		return true;
	}
	*pos = len;
	return false;
}

bool
crypto_field_is(const struct crypto_field *f, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && strncasecmp(f->name, name, n) == 0;
}

char *
crypto_field_unfold(const struct crypto_field *f)
{
	size_t n = f->value_len < CRYPTO_FIELD_MAX ? f->value_len :
	    CRYPTO_FIELD_MAX;
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

static const char *
major_type(const struct mailmime_type *t)
{
	const struct mailmime_discrete_type *d;
	const struct mailmime_composite_type *c;

	if (t == NULL)
		return NULL;
	if (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
	    (d = t->tp_data.tp_discrete_type) != NULL) {
		switch (d->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT:
			return "text";
		case MAILMIME_DISCRETE_TYPE_IMAGE:
			return "image";
		case MAILMIME_DISCRETE_TYPE_AUDIO:
			return "audio";
		case MAILMIME_DISCRETE_TYPE_VIDEO:
			return "video";
		case MAILMIME_DISCRETE_TYPE_APPLICATION:
			return "application";
		case MAILMIME_DISCRETE_TYPE_EXTENSION:
			return d->dt_extension;
		}
		return NULL;
	}
	if (t->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
	    (c = t->tp_data.tp_composite_type) != NULL) {
		if (c->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE)
			return "message";
		if (c->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART)
			return "multipart";
		return c->ct_token;
	}
	return NULL;
}

/* "major/minor" in lower case, token characters only; or NULL. */
static char *
type_string(const struct mailmime_content *ct)
{
	const char *major = major_type(ct->ct_type);
	char *s, *p;

	if (major == NULL || ct->ct_subtype == NULL)
		return NULL;
	s = xasprintf("%s/%s", major, ct->ct_subtype);
	for (p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 127 || strchr("()<>@,;:\\\"[]?=", c)) {
			free(s);
			return NULL;
		}
		*p = (char)tolower(c);
	}
	if (strlen(s) > TYPE_MAX || strlen(s) < 3) {
		free(s);
		return NULL;
	}
	return s;
}

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

/* A charset name is a token: it is written into headers cachet makes. */
static bool
charset_ok(const char *s)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0'; s++, n++)
		if (!isalnum((unsigned char)*s) && strchr("._:-+", *s) == NULL)
			return false;
	return n > 0 && n <= 64;
}

static void
content_params(struct crypto_node *n, struct mailmime_content *ct)
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
		else if (strcasecmp(p->pa_name, "charset") == 0 &&
		    charset_ok(p->pa_value))
			set_param(&n->charset, p->pa_value, true);
		else if (strcasecmp(p->pa_name, "protected-headers") == 0 &&
		    p->pa_value != NULL && strcasecmp(p->pa_value, "v1") == 0)
			n->protected_headers = true;
	}
}

/* A Content-Type value; false when libetpan cannot parse it. */
static bool
parse_content_type(struct crypto_node *n, const char *v, size_t len)
{
	struct mailmime_content *ct = NULL;
	size_t idx = 0;
	char *type;

	if (mailmime_content_parse(v, len, &idx, &ct) != MAILIMF_NO_ERROR ||
	    ct == NULL)
		return false;
	if ((type = type_string(ct)) != NULL) {
		free(n->type);
		n->type = type;
	}
	content_params(n, ct);
	mailmime_content_free(ct);
	return true;
}

static bool
parse_encoding(struct crypto_node *n, const char *v, size_t len)
{
	struct mailmime_mechanism *m = NULL;
	size_t idx = 0;

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

static void
node_header(struct crypto_node *n, const char *deftype)
{
	struct crypto_field f;
	size_t pos = 0;
	unsigned seen = 0;
	bool have_type = false, have_enc = false;
	char *v;

	n->type = xstrdup(deftype);
	n->encoding = MAILMIME_MECHANISM_8BIT;
	while (crypto_field_next(n->hdr, n->hdr_len, &pos, &f)) {
		if (f.name_len <= 8 || strncasecmp(f.name, "content-", 8) != 0)
			continue;
		if (++seen > CONTENT_FIELDS_MAX)
			break;
		if (f.value_len > CRYPTO_FIELD_MAX)
			continue;
		v = crypto_field_unfold(&f);
		if (!have_type && crypto_field_is(&f, "content-type"))
			have_type = parse_content_type(n, v, strlen(v));
		else if (!have_enc &&
		    crypto_field_is(&f, "content-transfer-encoding"))
			have_enc = parse_encoding(n, v, strlen(v));
		free(v);
	}
}

/* --------------------------------------------------------- the tree */

bool
crypto_node_is(const struct crypto_node *n, const char *type)
{
	return n != NULL && n->type != NULL && strcmp(n->type, type) == 0;
}

bool
crypto_node_is_multipart(const struct crypto_node *n)
{
	return n != NULL && n->type != NULL &&
	    strncmp(n->type, "multipart/", 10) == 0;
}

size_t
crypto_node_nchildren(const struct crypto_node *n)
{
	const struct crypto_node *c;
	size_t k = 0;

	for (c = n->child; c != NULL; c = c->next)
		k++;
	return k;
}

static bool
boundary_ok(const char *b)
{
	size_t len = b != NULL ? strlen(b) : 0;

	return len > 0 && len <= BOUNDARY_MAX && strpbrk(b, "\r\n") == NULL;
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
		return false;
	*close = is_close;
	return true;
}

static struct crypto_node *node_parse(struct crypto_frame *f,
    struct crypto_node *parent, const char *p, size_t len, bool message,
    const char *deftype, char *path, int depth);

static void
add_child(struct crypto_frame *f, struct crypto_node *parent,
    struct crypto_node ***tail, const char *start, const char *end,
    const char *deftype, int index)
{
	struct crypto_node *c;

	/* The newline before a delimiter belongs to the delimiter. */
	if (end > start && end[-1] == '\n')
		end--;
	if (end > start && end[-1] == '\r')
		end--;
	c = node_parse(f, parent, start, (size_t)(end - start), false,
	    deftype, xasprintf("%s.%d", parent->path, index),
	    parent->depth + 1);
	**tail = c;
	*tail = &c->next;
}

static void
split_multipart(struct crypto_frame *f, struct crypto_node *n)
{
	const char *end = n->body + n->body_len, *line, *lend, *nl;
	const char *part = NULL, *deftype = "text/plain";
	struct crypto_node **tail = &n->child;
	size_t blen = strlen(n->boundary);
	bool close = false;
	int index = 0;

	if (crypto_node_is(n, "multipart/digest"))
		deftype = "message/rfc822";
	for (line = n->body; line < end && !close; line = nl) {
		nl = memchr(line, '\n', (size_t)(end - line));
		lend = nl != NULL ? nl : end;
		nl = nl != NULL ? nl + 1 : end;
		if (line[0] != '-' ||
		    !is_delimiter(line, lend, n->boundary, blen, &close))
			continue;
		if (part != NULL) {
			if (*f->budget > 0)
				add_child(f, n, &tail, part, line, deftype,
				    ++index);
			else
				f->truncated = true;
		}
		part = nl;
	}
	if (!close && part != NULL && part < end) {
		if (*f->budget > 0)
			add_child(f, n, &tail, part, end, deftype, ++index);
		else
			f->truncated = true;
	}
}

/* message/rfc822 in an identity encoding: its message is child P.1. */
static void
descend_message(struct crypto_frame *f, struct crypto_node *n)
{
	if (n->encoding != MAILMIME_MECHANISM_7BIT &&
	    n->encoding != MAILMIME_MECHANISM_8BIT &&
	    n->encoding != MAILMIME_MECHANISM_BINARY)
		return;
	if (n->depth + 1 >= CRYPTO_FRAME_MAX_DEPTH || *f->budget <= 0) {
		f->truncated = true;
		return;
	}
	n->child = node_parse(f, n, n->body, n->body_len, true, "text/plain",
	    xasprintf("%s.1", n->path), n->depth + 1);
}

static struct crypto_node *
node_parse(struct crypto_frame *f, struct crypto_node *parent, const char *p,
    size_t len, bool message, const char *deftype, char *path, int depth)
{
	struct crypto_node *n = xcalloc(1, sizeof(*n));
	size_t body_off;

	(*f->budget)--;
	n->parent = parent;
	n->path = path;
	n->depth = depth;
	n->is_message = message;
	n->start = p;
	n->len = len;
	n->hdr = p;
	n->hdr_len = len > 0 ? header_split(p, len, message, &body_off) : 0;
	if (len == 0)
		body_off = 0;
	n->body = p + body_off;
	n->body_len = len - body_off;
	node_header(n, deftype);
	if (crypto_node_is(n, "message/rfc822")) {
		descend_message(f, n);
		return n;
	}
	if (!crypto_node_is_multipart(n))
		return n;
	if (boundary_ok(n->boundary) && depth < CRYPTO_FRAME_MAX_DEPTH)
		split_multipart(f, n);
	else if (depth >= CRYPTO_FRAME_MAX_DEPTH)
		f->truncated = true;
	if (n->child == NULL) {
		/* Nothing to split: the renderer shows it as text too. */
		free(n->type);
		n->type = xstrdup(depth < CRYPTO_FRAME_MAX_DEPTH ?
		    "text/plain" : "application/octet-stream");
	}
	return n;
}

void
crypto_frame_parse(struct crypto_frame *f, const char *buf, size_t len,
    bool message, const char *path, int depth, int *budget)
{
	memset(f, 0, sizeof(*f));
	f->budget = budget;
	if (buf == NULL) {
		buf = "";
		len = 0;
	}
	if (*budget <= 0)
		f->truncated = true;
	f->root = node_parse(f, NULL, buf, len, message, "text/plain",
	    xstrdup(path), depth);
}

static void
node_free(struct crypto_node *n)
{
	struct crypto_node *c, *next;

	if (n == NULL)
		return;
	for (c = n->child; c != NULL; c = next) {
		next = c->next;
		node_free(c);
	}
	free(n->type);
	free(n->protocol);
	free(n->smime_type);
	free(n->charset);
	free(n->boundary);
	free(n->path);
	free(n);
}

void
crypto_frame_release(struct crypto_frame *f)
{
	node_free(f->root);
	memset(f, 0, sizeof(*f));
}

/* ------------------------------------------------------------ bodies */

bool
crypto_node_is_identity(const struct crypto_node *n)
{
	return n->encoding != MAILMIME_MECHANISM_BASE64 &&
	    n->encoding != MAILMIME_MECHANISM_QUOTED_PRINTABLE;
}

/* Bytes of slack after a body handed to libetpan's decoder. */
#define DECODE_PAD 8

char *
crypto_node_decode(const struct crypto_node *n, size_t *len)
{
	char *res = NULL, *out, *in;
	size_t idx = 0, rlen = 0;
	int rc;

	if (!crypto_node_is_identity(n) && n->body_len > 0) {
		/*
		 * libetpan's quoted-printable decoder reads up to two bytes
		 * past a '=' at the very end: give it a zeroed tail of its
		 * own rather than the bytes after the part.
		 */
		in = xcalloc(1, n->body_len + DECODE_PAD);
		memcpy(in, n->body, n->body_len);
		rc = mailmime_part_parse(in, n->body_len, &idx, n->encoding,
		    &res, &rlen);
		crypto_secret_free(in, n->body_len);
		if (rc == MAILIMF_NO_ERROR && res != NULL) {
			out = xmalloc(rlen + 1);
			memcpy(out, res, rlen);
			out[rlen] = '\0';
			explicit_bzero(res, rlen);
			mailmime_decoded_part_free(res);
			*len = rlen;
			return out;
		}
	}
	*len = n->body_len;
	out = xmalloc(n->body_len + 1);
	if (n->body_len > 0)
		memcpy(out, n->body, n->body_len);
	out[n->body_len] = '\0';
	return out;
}

char *
crypto_canon_crlf(const char *p, size_t len, size_t *outlen)
{
	struct buf b = BUF_INIT;
	size_t i, from = 0, bare = 0;

	for (i = 0; i < len; i++)
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			bare++;
	/* Sized once: the content may be plaintext, leave no copies. */
	buf_grow(&b, len + bare);
	for (i = 0; i < len; i++) {
		if (p[i] != '\n' || (i > 0 && p[i - 1] == '\r'))
			continue;
		buf_add(&b, p + from, i - from);
		buf_add(&b, "\r\n", 2);
		from = i + 1;
	}
	buf_add(&b, p + from, len - from);
	return buf_detach(&b, outlen);
}
