/*
 * mime/tree: the MIME structure of a message as the renderer uses it: the
 * tree mime_walk.c builds (the one walk the security framing builds on
 * too, with its depth and node limits), without descending into attached
 * messages, leaves numbered depth first. Bodies are decoded by libetpan.
 * Runs on any thread; no global state.
 */
#include "mime_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTML_SNIFF 2048		/* bytes searched for a <meta> charset */

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

/* The renderer's node for walk node w, the next of t's array. */
static struct mime_node *
node_from_walk(struct mime_tree *t, const struct mime_walk_node *w)
{
	struct mime_node *n = &t->root[t->nnodes++], **tail = &n->child;
	const struct mime_walk_node *c;

	n->type = w->type;
	n->charset = w->charset;
	n->filename = w->filename;
	n->boundary = w->boundary;
	n->encoding = w->encoding;
	n->attachment = w->attachment;
	n->body = w->body;
	n->body_len = w->body_len;
	n->depth = w->depth;
	n->leaf = -1;
	for (c = w->child; c != NULL; c = c->next) {
		*tail = node_from_walk(t, c);
		tail = &(*tail)->next;
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
	int budget = MIME_MAX_NODES, n;
	struct mime_walk w = {.budget = &budget};

	memset(t, 0, sizeof(*t));
	t->walk = mime_walk_parse(&w, raw, len, true, depth);
	/* Every node of the walk took one from the budget. */
	n = MIME_MAX_NODES - budget;
	t->root = xcalloc((size_t)n, sizeof(*t->root));
	node_from_walk(t, t->walk);
	t->leaves = xcalloc((size_t)n, sizeof(*t->leaves));
	number_leaves(t, t->root);
}

void
mime_tree_release(struct mime_tree *t)
{
	free(t->root);
	free(t->leaves);
	mime_walk_free(t->walk);
	memset(t, 0, sizeof(*t));
}

char *
mime_node_decode(const struct mime_node *n, size_t *len)
{
	return mime_walk_decode(n->body, n->body_len, n->encoding, len);
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
