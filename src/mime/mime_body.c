/*
 * mime/body: what a message shows and what it says. Chooses the body part
 * (text/plain preferred over HTML in multipart/alternative, the first text
 * part of multipart/mixed, the signed part of multipart/signed), renders
 * it with the headers and the list of parts for the pager, collects the
 * text for the search index, and hands out one part's decoded bytes.
 * Runs on any thread; no global state.
 */
#include "mime_int.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define INDEX_MSG_DEPTH 3	/* attached messages inside attached ... */

static bool
is_text_leaf(const struct mime_node *n)
{
	return mime_node_is(n, "text/plain") || mime_node_is(n, "text/html");
}

/* The leaf that n shows as its body, or NULL. */
static struct mime_node *
pick_body(struct mime_node *n)
{
	struct mime_node *c, *r, *html = NULL;

	if (n->child == NULL)
		return is_text_leaf(n) && !n->attachment ? n : NULL;
	if (mime_node_is(n, "multipart/encrypted"))
		return NULL;	/* nothing readable until decrypted */
	if (mime_node_is(n, "multipart/signed"))
		return pick_body(n->child);
	if (mime_node_is(n, "multipart/alternative")) {
		for (c = n->child; c != NULL; c = c->next) {
			if ((r = pick_body(c)) == NULL)
				continue;
			if (mime_node_is(r, "text/plain"))
				return r;
			if (html == NULL)
				html = r;
		}
		return html;
	}
	for (c = n->child; c != NULL; c = c->next)
		if ((r = pick_body(c)) != NULL)
			return r;
	return NULL;
}

static void
add_text(struct buf *b, const struct mime_node *n, size_t limit)
{
	size_t len;
	char *text = mime_node_text(n, limit, &len);

	buf_add(b, text, len);
	free(text);
}

/* Headers and body text of an attached message, one level deep. */
static void
inline_message(struct buf *b, const struct mime_node *n)
{
	struct mime_envelope env;
	struct mime_tree t;
	struct mime_node *body;
	char *raw, *lines;
	size_t len;

	if (n->depth + 1 >= MIME_MAX_DEPTH)
		return;
	raw = mime_node_decode(n, &len);
	mime_parse_envelope(raw, len, &env, NULL);
	lines = mime_envelope_lines(&env);
	buf_adds(b, "\n\n----- Attached message -----\n");
	buf_adds(b, lines);
	free(lines);
	mime_envelope_release(&env);
	mime_tree_parse(&t, raw, len, n->depth + 1);
	if ((body = pick_body(t.root)) != NULL) {
		buf_adds(b, "\n\n");
		add_text(b, body, SIZE_MAX);
	}
	mime_tree_release(&t);
	free(raw);
}

static void
list_parts(struct mime_view *v, const struct mime_tree *t,
    const struct mime_node *body)
{
	int i;

	v->parts = xcalloc((size_t)t->nleaves, sizeof(*v->parts));
	v->nparts = (size_t)t->nleaves;
	for (i = 0; i < t->nleaves; i++) {
		const struct mime_node *n = t->leaves[i];
		struct mime_part *p = &v->parts[i];
		char *data;

		p->index = i;
		p->type = xstrdup(n->type);
		p->filename = n->filename ? xstrdup(n->filename) : NULL;
		p->charset = n->charset ? util_sanitize(n->charset,
		    strlen(n->charset), false, false) : NULL;
		data = mime_node_decode(n, &p->size);
		free(data);
		p->is_body = n == body;
	}
}

/* Sanitise the text for the screen, without blank lines around it. */
static char *
sanitize_trimmed(const struct buf *b)
{
	const char *s = b->data ? b->data : "";
	size_t len = b->len;

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	while (len > 0 && *s == '\n') {
		s++;
		len--;
	}
	return util_sanitize(s, len, true, true);
}

int
mime_render(const char *raw, size_t len, struct mime_view *out,
    struct cachet_err *err)
{
	struct mime_envelope env;
	struct mime_tree t;
	struct mime_node *body;
	struct buf text = BUF_INIT;
	char *lines;
	int i, shown = 0;

	if (out == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no view to fill");
	memset(out, 0, sizeof(*out));
	if (raw == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no message to render");
	mime_parse_envelope(raw, len, &env, NULL);
	lines = mime_envelope_lines(&env);
	out->headers = util_sanitize(lines, strlen(lines), true, false);
	free(lines);
	mime_envelope_release(&env);

	mime_tree_parse(&t, raw, len, 0);
	if ((body = pick_body(t.root)) != NULL)
		add_text(&text, body, SIZE_MAX);
	for (i = 0; i < t.nleaves && shown < MIME_INLINE_MSGS; i++) {
		if (mime_node_is(t.leaves[i], "message/rfc822")) {
			inline_message(&text, t.leaves[i]);
			shown++;
		}
	}
	list_parts(out, &t, body);
	mime_tree_release(&t);
	out->body = sanitize_trimmed(&text);
	buf_release(&text);
	return 0;
}

void
mime_view_release(struct mime_view *v)
{
	size_t i;

	if (v == NULL)
		return;
	free(v->headers);
	free(v->body);
	for (i = 0; i < v->nparts; i++) {
		free(v->parts[i].type);
		free(v->parts[i].filename);
		free(v->parts[i].charset);
	}
	free(v->parts);
	memset(v, 0, sizeof(*v));
}

static void index_node(struct buf *b, struct mime_node *n, int msgs);

/* The text of an attached message, for the index. */
static void
index_message(struct buf *b, const struct mime_node *n, int msgs)
{
	struct mime_tree t;
	char *raw;
	size_t len;

	if (msgs >= INDEX_MSG_DEPTH || n->depth + 1 >= MIME_MAX_DEPTH)
		return;
	raw = mime_node_decode(n, &len);
	mime_tree_parse(&t, raw, len, n->depth + 1);
	index_node(b, t.root, msgs + 1);
	mime_tree_release(&t);
	free(raw);
}

static void
index_leaf(struct buf *b, const struct mime_node *n, int msgs)
{
	size_t before = b->len;

	/* HTML is mostly markup: read more of it for the same text. */
	if (is_text_leaf(n))
		add_text(b, n, MIME_INDEX_MAX * 4);
	else if (mime_node_is(n, "message/rfc822"))
		index_message(b, n, msgs);
	if (b->len > before && b->data[b->len - 1] != '\n')
		buf_addc(b, '\n');
}

static void
index_node(struct buf *b, struct mime_node *n, int msgs)
{
	struct mime_node *c;

	if (b->len >= MIME_INDEX_MAX)
		return;
	if (n->child == NULL) {
		index_leaf(b, n, msgs);
		return;
	}
	if (mime_node_is(n, "multipart/alternative")) {
		if ((c = pick_body(n)) != NULL)
			index_leaf(b, c, msgs);
		return;
	}
	for (c = n->child; c != NULL && b->len < MIME_INDEX_MAX; c = c->next)
		index_node(b, c, msgs);
}

char *
mime_index_text(const char *raw, size_t len)
{
	struct mime_tree t;
	struct buf b = BUF_INIT;
	size_t n;

	if (raw == NULL || len == 0)
		return NULL;
	mime_tree_parse(&t, raw, len, 0);
	index_node(&b, t.root, 0);
	mime_tree_release(&t);
	if (b.len > MIME_INDEX_MAX) {
		n = MIME_INDEX_MAX;
		while (n > 0 && ((unsigned char)b.data[n] & 0xc0) == 0x80)
			n--;	/* do not cut a character in two */
		b.len = n;
		b.data[n] = '\0';
	}
	while (b.len > 0 && (b.data[b.len - 1] == '\n' ||
	    b.data[b.len - 1] == ' '))
		b.data[--b.len] = '\0';
	if (b.len == 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

int
mime_part_data(const char *raw, size_t len, int index, char **data,
    size_t *dlen, struct cachet_err *err)
{
	struct mime_tree t;

	if (data == NULL || dlen == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no place for the data");
	*data = NULL;
	*dlen = 0;
	if (raw == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no message");
	mime_tree_parse(&t, raw, len, 0);
	if (index < 0 || index >= t.nleaves) {
		mime_tree_release(&t);
		return cachet_err(err, CACHET_E_NOTFOUND,
		    "message has no part %d", index);
	}
	*data = mime_node_decode(t.leaves[index], dlen);
	mime_tree_release(&t);
	return 0;
}
