/*
 * crypto_frame: the MIME structure of a message as the security framing
 * needs it, with the exact byte ranges of every entity (a detached
 * signature covers the bytes of its first part, not a decoded copy) and
 * the Content-Type parameters the protocols are told apart by (protocol,
 * smime-type, protected-headers). The walk is the renderer's own
 * (src/mime/mime_walk.c: the same delimiter rules, limits and header
 * parsing), so that what is judged is what is shown; here its nodes get
 * their paths ("1.2.1") and attached messages are descended into.
 * Runs on any thread; no global state.
 */
#include "crypto/crypto_status_int.h"

#include <stdlib.h>
#include <string.h>

void
crypto_secret_free(char *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

/* ------------------------------------------------------------ header */

bool
crypto_field_next(const char *hdr, size_t len, size_t *pos,
    struct crypto_field *f)
{
	struct mime_walk_field w;

	if (!mime_walk_field_next(hdr, len, pos, &w))
		return false;
	f->name = w.name;
	f->name_len = w.name_len;
	f->value = w.value;
	f->value_len = w.value_len;
	return true;
}

static void
to_walk_field(const struct crypto_field *f, struct mime_walk_field *w)
{
	w->name = f->name;
	w->name_len = f->name_len;
	w->value = f->value;
	w->value_len = f->value_len;
}

bool
crypto_field_is(const struct crypto_field *f, const char *name)
{
	struct mime_walk_field w;

	to_walk_field(f, &w);
	return mime_walk_field_is(&w, name);
}

char *
crypto_field_unfold(const struct crypto_field *f)
{
	struct mime_walk_field w;

	to_walk_field(f, &w);
	return mime_walk_field_unfold(&w);
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

/* The framing's node for walk node w, the next of f's array. */
static struct crypto_node *
node_from_walk(struct crypto_frame *f, const struct mime_walk_node *w,
    struct crypto_node *parent, char *path)
{
	struct crypto_node *n = &f->root[f->nnodes++], **tail = &n->child;
	const struct mime_walk_node *c;
	int index = 0;

	n->start = w->start;
	n->len = w->len;
	n->hdr = w->hdr;
	n->hdr_len = w->hdr_len;
	n->body = w->body;
	n->body_len = w->body_len;
	n->type = w->type;
	n->protocol = w->protocol;
	n->smime_type = w->smime_type;
	n->micalg = w->micalg;
	n->charset = w->charset_token;
	n->boundary = w->boundary;
	n->protected_headers = w->protected_headers;
	n->encoding = w->encoding;
	n->is_message = w->is_message;
	n->path = path;
	n->depth = w->depth;
	n->parent = parent;
	for (c = w->child; c != NULL; c = c->next) {
		*tail = node_from_walk(f, c, n, xasprintf("%s.%d", path,
		    ++index));
		tail = &(*tail)->next;
	}
	return n;
}

void
crypto_frame_parse(struct crypto_frame *f, const char *buf, size_t len,
    bool message, const char *path, int depth, int *budget)
{
	struct mime_walk w = {.budget = budget, .messages = true};
	int before = *budget;

	memset(f, 0, sizeof(*f));
	f->budget = budget;
	f->walk = mime_walk_parse(&w, buf, len, message, depth);
	f->truncated = w.truncated;
	/* Every node of the walk took one from the budget. */
	f->root = xcalloc((size_t)(before - *budget), sizeof(*f->root));
	node_from_walk(f, f->walk, NULL, xstrdup(path));
}

void
crypto_frame_release(struct crypto_frame *f)
{
	size_t i;

	for (i = 0; i < f->nnodes; i++)
		free(f->root[i].path);
	free(f->root);
	mime_walk_free(f->walk);
	memset(f, 0, sizeof(*f));
}

/* ------------------------------------------------------------ bodies */

bool
crypto_node_is_identity(const struct crypto_node *n)
{
	return mime_walk_is_identity(n->encoding);
}

char *
crypto_node_decode(const struct crypto_node *n, size_t *len)
{
	return mime_walk_decode(n->body, n->body_len, n->encoding, len);
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
