/*
 * crypto_status_inline: inline PGP in text/plain parts, read-only.
 *  - A clear-signed block ("-----BEGIN PGP SIGNED MESSAGE-----" ...
 *    "-----END PGP SIGNATURE-----") is verified as it stands, exactly
 *    those bytes and nothing around them, and the status records which
 *    lines of the part's text the signature covers (numbered as the pager
 *    splits lines: LF, CRLF and a lone CR each end one). The text is
 *    shown as it is; only lines in that range are signed.
 *  - An armored message ("-----BEGIN PGP MESSAGE-----" ...) is decrypted
 *    when it is all the root part holds; with text around it, or below
 *    the root, only on request, and then shown as a part of its own
 *    beside the clear text, never merged into it.
 * Runs on the caller's thread, which owns the engines.
 */
#include "crypto/crypto_status_int.h"

#include <stdlib.h>
#include <string.h>

#define BEGIN_SIGNED "-----BEGIN PGP SIGNED MESSAGE-----"
#define BEGIN_SIG "-----BEGIN PGP SIGNATURE-----"
#define END_SIG "-----END PGP SIGNATURE-----"
#define BEGIN_MSG "-----BEGIN PGP MESSAGE-----"
#define END_MSG "-----END PGP MESSAGE-----"

struct block {
	bool is_signed;
	size_t start, end;		/* bytes of the armored block */
	size_t text_start, text_end;	/* clear-signed text */
};

struct text {
	const char *p;
	size_t len;
};

static size_t
next_line(const struct text *t, size_t pos)
{
	const char *nl = memchr(t->p + pos, '\n', t->len - pos);

	return nl != NULL ? (size_t)(nl - t->p) + 1 : t->len;
}

/* Is the line at pos `marker`, then only white space? */
static bool
line_is(const struct text *t, size_t pos, const char *marker)
{
	size_t n = strlen(marker), end = next_line(t, pos), i;

	if (end - pos < n || memcmp(t->p + pos, marker, n) != 0)
		return false;
	for (i = pos + n; i < end; i++)
		if (t->p[i] != ' ' && t->p[i] != '\t' && t->p[i] != '\r' &&
		    t->p[i] != '\n')
			return false;
	return true;
}

static bool
line_blank(const struct text *t, size_t pos)
{
	size_t end = next_line(t, pos), i;

	for (i = pos; i < end; i++)
		if (t->p[i] != ' ' && t->p[i] != '\t' && t->p[i] != '\r' &&
		    t->p[i] != '\n')
			return false;
	return true;
}

/* The line at pos starting with marker; t->len when there is none. */
static size_t
find_line(const struct text *t, size_t pos, const char *marker)
{
	for (; pos < t->len; pos = next_line(t, pos))
		if (line_is(t, pos, marker))
			return pos;
	return t->len;
}

/* A clear-signed block starting at pos; false if it is incomplete. */
static bool
signed_block(const struct text *t, size_t pos, struct block *b)
{
	size_t q = next_line(t, pos), sig, end;

	/* Armor headers ("Hash: ...") end at the first blank line. */
	while (q < t->len && !line_blank(t, q))
		q = next_line(t, q);
	if (q >= t->len)
		return false;
	b->text_start = next_line(t, q);
	sig = find_line(t, b->text_start, BEGIN_SIG);
	end = find_line(t, sig, END_SIG);
	if (sig >= t->len || end >= t->len)
		return false;
	b->is_signed = true;
	b->start = pos;
	b->text_end = sig;
	b->end = next_line(t, end);
	return true;
}

static bool
message_block(const struct text *t, size_t pos, struct block *b)
{
	size_t end = find_line(t, pos, END_MSG);

	if (end >= t->len)
		return false;
	b->is_signed = false;
	b->start = pos;
	b->end = next_line(t, end);
	b->text_start = b->text_end = 0;
	return true;
}

static size_t
find_blocks(const struct text *t, struct block *v, size_t max)
{
	size_t pos = 0, n = 0;

	while (pos < t->len && n < max) {
		if (line_is(t, pos, BEGIN_SIGNED) &&
		    signed_block(t, pos, &v[n])) {
			pos = v[n++].end;
			continue;
		}
		if (line_is(t, pos, BEGIN_MSG) &&
		    message_block(t, pos, &v[n])) {
			pos = v[n++].end;
			continue;
		}
		pos = next_line(t, pos);
	}
	return n;
}

/* The 1-based line of byte pos, counting breaks as the pager does. */
static size_t
line_of(const struct text *t, size_t pos)
{
	size_t i, line = 1;

	for (i = 0; i < pos && i < t->len; i++) {
		if (t->p[i] == '\n')
			line++;
		else if (t->p[i] == '\r' && (i + 1 >= t->len ||
		    t->p[i + 1] != '\n'))
			line++;
	}
	return line;
}

/* Only white space outside the blocks? */
static bool
nothing_around(const struct text *t, const struct block *v, size_t n)
{
	size_t pos = 0, i = 0;

	while (pos < t->len) {
		if (i < n && pos == v[i].start) {
			pos = v[i++].end;
			continue;
		}
		if (!line_blank(t, pos))
			return false;
		pos = next_line(t, pos);
	}
	return true;
}

static void
verify_block(struct crypto_level *lv, struct crypto_part_status *p,
    const struct text *t, const struct block *b)
{
	struct crypto_engine *e = crypto_walk_engine(lv->w, p);
	struct cachet_err err = { 0, "" };
	struct crypto_result *r = &p->res;
	int rc;

	p->first_line = line_of(t, b->text_start);
	p->last_line = line_of(t, b->text_end) - 1;
	if (e == NULL)
		return;
	rc = e->ops->verify_opaque(e, t->p + b->start, b->end - b->start, r,
	    &err);
	crypto_walk_clean(r);
	/* What is shown is the text in the part, not the engine's copy. */
	crypto_secret_free(r->plaintext, r->plaintext_len);
	r->plaintext = NULL;
	r->plaintext_len = 0;
	if (rc != 0)
		p->error = util_sanitize(err.msg, strlen(err.msg), false,
		    false);
	else if (r->nsigs == 0)
		p->error = xstrdup("not signed/malformed: no signature");
	crypto_walk_judge_sigs(lv, p);
}

/* Decrypt one armored block; the plaintext (owned, secret) or NULL. */
static char *
decrypt_block(struct crypto_level *lv, struct crypto_part_status *p,
    const struct text *t, const struct block *b, size_t *len)
{
	struct crypto_engine *e = crypto_walk_engine(lv->w, p);
	struct cachet_err err = { 0, "" };
	struct crypto_result *r = &p->res;
	char *pt;
	int rc;

	p->first_line = line_of(t, b->start);
	p->last_line = line_of(t, b->end) - 1;
	if (e == NULL)
		return NULL;
	rc = e->ops->decrypt(e, t->p + b->start, b->end - b->start, r, &err);
	crypto_walk_clean(r);
	if (rc == 0 && r->plaintext_len > CRYPTO_CONTENT_MAX) {
		rc = CACHET_E_INVAL;
		cachet_err(&err, rc, "the content is too large to show");
	}
	if (rc != 0) {
		crypto_secret_free(r->plaintext, r->plaintext_len);
		r->plaintext = NULL;
		r->plaintext_len = 0;
		r->decrypted = false;
		p->flags |= CRYPTO_ST_DECRYPT_FAILED;
		if (strstr(err.msg, "integrity") != NULL)
			p->flags |= CRYPTO_ST_NO_INTEGRITY;
		p->error = util_sanitize(err.msg, strlen(err.msg), false,
		    false);
		return NULL;
	}
	if (!crypto_walk_judge_decrypt(lv->w, p, false, false))
		return NULL;
	crypto_walk_judge_sigs(lv, p);
	pt = r->plaintext;
	*len = r->plaintext_len;
	r->plaintext = NULL;
	r->plaintext_len = 0;
	return pt;
}

/* Clear text and decrypted blocks, each a text/plain part of its own. */
struct pieces {
	struct buf out;
	const char *boundary;
	const char *charset;
};

static void
piece(struct pieces *pc, const char *p, size_t len, bool always)
{
	size_t i;

	for (i = 0; !always && i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' &&
		    p[i] != '\n')
			break;
	if (!always && i == len)
		return;
	buf_addf(&pc->out, "--%s\r\nContent-Type: text/plain; charset=%s\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n", pc->boundary,
	    pc->charset);
	buf_add(&pc->out, p, len);
	buf_add(&pc->out, "\r\n", 2);
}

static const char *const boundaries[] = {
	"=_cachet_inline_0", "=_cachet_inline_1", "=_cachet_inline_2",
	"=_cachet_inline_3",
};

/* plain[i]: the decrypted text of block i, or NULL. */
static void
splice_pieces(struct crypto_level *lv, struct crypto_node *n,
    const struct text *t, const struct block *v, char **plain,
    size_t *plen, size_t nb, const char *charset)
{
	struct pieces pc = { BUF_INIT, NULL, charset };
	size_t i, at = 0, k;
	char *data;

	for (k = 0; k < 4 && pc.boundary == NULL; k++) {
		pc.boundary = boundaries[k];
		for (i = 0; i < nb; i++)
			if (plain[i] != NULL &&
			    memmem(plain[i], plen[i], boundaries[k],
			    strlen(boundaries[k])) != NULL)
				pc.boundary = NULL;
		if (pc.boundary != NULL && memmem(t->p, t->len, boundaries[k],
		    strlen(boundaries[k])) != NULL)
			pc.boundary = NULL;
	}
	if (pc.boundary == NULL)
		return;		/* nothing shown decrypted */
	/* Sized once: no copy of the plaintext is left behind a realloc. */
	k = t->len + (2 * nb + 2) * (strlen(charset) + 160);
	for (i = 0; i < nb; i++)
		k += plen[i];
	buf_grow(&pc.out, k);
	buf_addf(&pc.out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
	    "\r\n", pc.boundary);
	for (i = 0; i < nb; i++) {
		if (plain[i] == NULL)
			continue;
		piece(&pc, t->p + at, v[i].start - at, false);
		piece(&pc, plain[i], plen[i], true);
		at = v[i].end;
	}
	piece(&pc, t->p + at, t->len - at, false);
	buf_addf(&pc.out, "--%s--\r\n", pc.boundary);
	data = buf_detach(&pc.out, &k);
	crypto_walk_splice(lv, n, data, k);
}

static void
judge_blocks(struct crypto_level *lv, struct crypto_node *n,
    const struct text *t, const struct block *v, size_t nb, bool root_pos)
{
	struct crypto_walk *w = lv->w;
	bool alone = root_pos && nb == 1 && nothing_around(t, v, nb);
	bool nested_ok = w->ctx != NULL && w->ctx->decrypt_nested;
	char *plain[CRYPTO_INLINE_MAX] = { NULL };
	size_t plen[CRYPTO_INLINE_MAX] = { 0 }, i, ndec = 0;
	struct crypto_part_status *p;

	for (i = 0; i < nb; i++) {
		p = crypto_walk_part(w, n, v[i].is_signed ?
		    CRYPTO_PART_INLINE_SIGNED : CRYPTO_PART_ENCRYPTED,
		    CRYPTO_PROTO_OPENPGP);
		if (p == NULL)
			break;
		p->covers_all = alone;
		if (v[i].is_signed) {
			verify_block(lv, p, t, &v[i]);
			continue;
		}
		if (!alone) {
			p->flags |= CRYPTO_ST_PARTLY_ENCRYPTED;
			if (!nested_ok) {
				p->flags |= CRYPTO_ST_NESTED_ENCRYPTED;
				continue;
			}
		}
		plain[i] = decrypt_block(lv, p, t, &v[i], &plen[i]);
		ndec += plain[i] != NULL;
	}
	if (ndec == 1 && alone)
		crypto_walk_content(lv, n, plain[0], plen[0], true, false,
		    n->charset);
	else if (ndec > 0)
		splice_pieces(lv, n, t, v, plain, plen, nb,
		    n->charset != NULL ? n->charset : "utf-8");
	if (ndec == 1 && alone)
		plain[0] = NULL;
	for (i = 0; i < nb; i++)
		crypto_secret_free(plain[i], plen[i]);
}

void
crypto_walk_inline(struct crypto_level *lv, struct crypto_node *n,
    bool root_pos)
{
	struct block v[CRYPTO_INLINE_MAX];
	struct text t;
	char *body;
	size_t len, nb;

	if (crypto_node_is_identity(n) &&
	    memmem(n->body, n->body_len, "-----BEGIN PGP ", 15) == NULL)
		return;		/* the common case, without a copy */
	body = crypto_node_decode(n, &len);
	t.p = body;
	t.len = len;
	nb = memmem(body, len, "-----BEGIN PGP ", 15) != NULL ?
	    find_blocks(&t, v, CRYPTO_INLINE_MAX) : 0;
	if (nb > 0)
		judge_blocks(lv, n, &t, v, nb, root_pos);
	crypto_secret_free(body, len);
}
