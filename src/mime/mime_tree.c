/*
 * mime/tree: the MIME structure of a message. Each part's header fields
 * are parsed by libetpan (mailimf + mailmime_fields_parse) and bodies are
 * decoded by libetpan (mailmime_part_parse); the multipart walk itself is
 * done here because mailmime_parse recurses without a limit (100,000
 * nested message/rfc822 parts, 3 MB, overflow its stack) and rescans the
 * whole input at every level. Here nesting stops at MIME_MAX_DEPTH, parts
 * at MIME_MAX_NODES, and every level is one pass over its own bytes.
 * Runs on any thread; no global state.
 */
#include "mime_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BOUNDARY_MAX 200
#define HTML_SNIFF 2048		/* bytes searched for a <meta> charset */

struct fields_ctx {
	struct mime_node *node;
	char *ct_name;		/* name= of Content-Type, the fallback */
	bool have_type, have_enc, have_disp;
};

static void
mime_field(struct fields_ctx *c, struct mailmime_field *f)
{
	switch (f->fld_type) {
	case MAILMIME_FIELD_TYPE:
		if (!c->have_type && f->fld_data.fld_content != NULL) {
			mime_param_content(c->node, f->fld_data.fld_content,
			    &c->ct_name);
			c->have_type = true;
		}
		break;
	case MAILMIME_FIELD_TRANSFER_ENCODING:
		if (!c->have_enc && f->fld_data.fld_encoding != NULL) {
			c->node->encoding = f->fld_data.fld_encoding->enc_type;
			c->have_enc = true;
		}
		break;
	case MAILMIME_FIELD_DISPOSITION:
		if (!c->have_disp) {
			mime_param_disposition(c->node,
			    f->fld_data.fld_disposition);
			c->have_disp = true;
		}
		break;
	default:
		break;
	}
}

static void
on_fields(struct mailimf_fields *fields, void *arg)
{
	struct mailmime_fields *mf = NULL;
	clistiter *it;

	if (mailmime_fields_parse(fields, &mf) != MAILIMF_NO_ERROR ||
	    mf == NULL)
		return;
	for (it = clist_begin(mf->fld_list); it; it = clist_next(it))
		mime_field(arg, clist_content(it));
	mailmime_fields_free(mf);
}

/* Fill type, charset, encoding, file name from the part's header. */
static void
node_header(struct mime_node *n, const char *hdr, size_t len,
    const char *deftype)
{
	struct fields_ctx c = {.node = n};

	n->type = xstrdup(deftype);
	n->encoding = MAILMIME_MECHANISM_8BIT;
	mime_fields_foreach(hdr, len, false, on_fields, &c);
	if (n->filename == NULL && c.ct_name != NULL)
		n->filename = mime_filename_safe(c.ct_name);
	free(c.ct_name);
}

bool
mime_node_is(const struct mime_node *n, const char *type)
{
	return n != NULL && n->type != NULL && strcmp(n->type, type) == 0;
}

bool
mime_node_is_multipart(const struct mime_node *n)
{
	return n != NULL && n->type != NULL &&
	    strncmp(n->type, "multipart/", 10) == 0;
}

static bool
boundary_ok(const char *b)
{
	size_t len = b ? strlen(b) : 0;

	return len > 0 && len <= BOUNDARY_MAX && !strpbrk(b, "\r\n");
}

/*
 * Is [p, end) a delimiter line "--boundary" (or the close delimiter
 * "--boundary--"), allowing trailing white space?
 */
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

static struct mime_node *node_parse(struct mime_tree *t, const char *p,
    size_t len, int depth, enum mime_split mode, const char *deftype);

static void
add_child(struct mime_tree *t, struct mime_node *parent,
    struct mime_node ***tail, const char *start, const char *end,
    const char *deftype)
{
	struct mime_node *c;

	/* The newline before a delimiter belongs to the delimiter. */
	if (end > start && end[-1] == '\n')
		end--;
	if (end > start && end[-1] == '\r')
		end--;
	c = node_parse(t, start, (size_t)(end - start), parent->depth + 1,
	    MIME_SPLIT_PART, deftype);
	**tail = c;
	*tail = &c->next;
}

/* Split a multipart body at its delimiters into child parts. */
static void
split_multipart(struct mime_tree *t, struct mime_node *n)
{
	const char *p = n->body, *end = n->body + n->body_len;
	const char *line, *lend, *nl;
	const char *part = NULL, *deftype = "text/plain";
	struct mime_node **tail = &n->child;
	size_t blen = strlen(n->boundary);
	bool close = false;

	if (mime_node_is(n, "multipart/digest"))
		deftype = "message/rfc822";
	for (line = p; line < end && !close; line = nl) {
		nl = memchr(line, '\n', (size_t)(end - line));
		lend = nl ? nl : end;
		nl = nl ? nl + 1 : end;
		if (line[0] != '-' ||
		    !is_delimiter(line, lend, n->boundary, blen, &close))
			continue;
		if (part != NULL && t->nnodes < MIME_MAX_NODES)
			add_child(t, n, &tail, part, line, deftype);
		part = nl;
	}
	/* A missing close delimiter: the last part runs to the end. */
	if (!close && part != NULL && part < end &&
	    t->nnodes < MIME_MAX_NODES)
		add_child(t, n, &tail, part, end, deftype);
}

static struct mime_node *
node_parse(struct mime_tree *t, const char *p, size_t len, int depth,
    enum mime_split mode, const char *deftype)
{
	struct mime_node *n = xcalloc(1, sizeof(*n));
	size_t hlen, body_off;

	t->nnodes++;
	n->depth = depth;
	n->leaf = -1;
	hlen = mime_header_split(p, len, mode, &body_off);
	node_header(n, p, hlen, deftype);
	n->body = p + body_off;
	n->body_len = len - body_off;
	if (!mime_node_is_multipart(n))
		return n;
	if (boundary_ok(n->boundary) && depth < MIME_MAX_DEPTH)
		split_multipart(t, n);
	if (n->child == NULL) {
		/* Nothing we can split: show the raw body as text. */
		free(n->type);
		n->type = xstrdup(depth < MIME_MAX_DEPTH ? "text/plain" :
		    "application/octet-stream");
	}
	return n;
}

static void
number_leaves(struct mime_tree *t, struct mime_node *n)
{
	struct mime_node *c;

	if (n->child == NULL) {
		n->leaf = t->nleaves;
		t->leaves[t->nleaves++] = n;
		return;
	}
	for (c = n->child; c != NULL; c = c->next)
		number_leaves(t, c);
}

void
mime_tree_parse(struct mime_tree *t, const char *raw, size_t len, int depth)
{
	memset(t, 0, sizeof(*t));
	if (raw == NULL) {
		raw = "";
		len = 0;
	}
	t->root = node_parse(t, raw, len, depth, MIME_SPLIT_MESSAGE,
	    "text/plain");
	t->leaves = xcalloc((size_t)t->nnodes, sizeof(*t->leaves));
	number_leaves(t, t->root);
}

static void
node_free(struct mime_node *n)
{
	struct mime_node *c, *next;

	if (n == NULL)
		return;
	for (c = n->child; c != NULL; c = next) {
		next = c->next;
		node_free(c);
	}
	free(n->type);
	free(n->charset);
	free(n->filename);
	free(n->boundary);
	free(n);
}

void
mime_tree_release(struct mime_tree *t)
{
	node_free(t->root);
	free(t->leaves);
	memset(t, 0, sizeof(*t));
}

/*
 * libetpan's transfer decoders read up to two bytes past the length they
 * are given (a quoted-printable '=' or a CR at the very end), so they get
 * a copy with NUL padding instead of a window into the message.
 */
#define DECODE_PAD 4

static int
decode_padded(const struct mime_node *n, char **res, size_t *rlen)
{
	char *copy = xmalloc(n->body_len + DECODE_PAD);
	size_t idx = 0;
	int r;

	memcpy(copy, n->body, n->body_len);
	memset(copy + n->body_len, 0, DECODE_PAD);
	r = mailmime_part_parse(copy, n->body_len, &idx, n->encoding, res,
	    rlen);
	free(copy);
	return r;
}

char *
mime_node_decode(const struct mime_node *n, size_t *len)
{
	char *res = NULL, *out;
	size_t rlen = 0;

	if ((n->encoding == MAILMIME_MECHANISM_BASE64 ||
	    n->encoding == MAILMIME_MECHANISM_QUOTED_PRINTABLE) &&
	    n->body_len > 0 &&
	    decode_padded(n, &res, &rlen) == MAILIMF_NO_ERROR && res != NULL) {
		out = xmalloc(rlen + 1);
		memcpy(out, res, rlen);
		out[rlen] = '\0';
		mailmime_decoded_part_free(res);
		*len = rlen;
		return out;
	}
	/* 7bit, 8bit, binary and unknown encodings: the bytes as they are. */
	*len = n->body_len;
	out = xmalloc(n->body_len + 1);
	if (n->body_len > 0)
		memcpy(out, n->body, n->body_len);
	out[n->body_len] = '\0';
	return out;
}

/* Lines end in '\n' (CRLF and lone CR become LF); NUL bytes go. */
static size_t
normalise_text(char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\0')
			continue;
		if (s[i] == '\r') {
			if (i + 1 < len && s[i + 1] == '\n')
				continue;
			s[o++] = '\n';
			continue;
		}
		s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

/*
 * HTML without a MIME charset often names one in a <meta> tag near the
 * top: read "charset=NAME" from the first bytes into name.
 */
static const char *
html_meta_charset(const char *raw, size_t len, char *name, size_t size)
{
	const char *p, *end = raw + (len < HTML_SNIFF ? len : HTML_SNIFF);
	size_t n = 0;

	for (p = raw; p + 8 <= end && strncasecmp(p, "charset=", 8); p++)
		;
	if (p + 8 > end)
		return NULL;
	for (p += 8; p < end && (*p == '"' || *p == '\''); p++)
		;
	while (p < end && n + 1 < size && (isalnum((unsigned char)*p) ||
	    *p == '-' || *p == '_' || *p == '.' || *p == ':'))
		name[n++] = *p++;
	name[n] = '\0';
	return n > 0 ? name : NULL;
}

char *
mime_node_text(const struct mime_node *n, size_t limit, size_t *len)
{
	const char *charset = n->charset;
	char *raw, *text, *html, meta[48];
	size_t rlen, tlen;

	raw = mime_node_decode(n, &rlen);
	if (rlen > limit)
		rlen = limit;
	if (charset == NULL && mime_node_is(n, "text/html"))
		charset = html_meta_charset(raw, rlen, meta, sizeof(meta));
	text = mime_charset_to_utf8(charset, raw, rlen, &tlen);
	free(raw);
	tlen = normalise_text(text, tlen);
	if (mime_node_is(n, "text/html")) {
		html = mime_html_to_text(text, tlen, &tlen);
		free(text);
		text = html;
	}
	if (len != NULL)
		*len = tlen;
	return text;
}
