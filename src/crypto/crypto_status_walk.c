/*
 * crypto_status_walk: walking one message for its security status. Each
 * buffer (the raw message, then every decrypted or opaque-signed content)
 * is framed (crypto_frame.c), its protected parts are handed to the
 * engine serving their protocol (crypto_status_mime.c, _inline.c), and
 * each container whose content could be had is replaced by that content
 * in the buffer to display. A part is at "root position" when what it
 * holds is all that is displayed: the message root, the signed content of
 * a multipart/signed at root position, the content of a container at root
 * position. Only there does a signature cover everything, and only there
 * is an encrypted part decrypted unless the caller asked for more.
 * Runs on the caller's thread, which owns the engines.
 */
#include "crypto/crypto_status_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime/mime.h"

static void walk_children(struct crypto_level *lv, struct crypto_node *n);

struct crypto_part_status *
crypto_walk_part(struct crypto_walk *w, const struct crypto_node *n,
    enum crypto_part_kind kind, enum crypto_proto proto)
{
	struct crypto_status *st = w->st;
	struct crypto_part_status *p;

	if (w->parts_full)
		return NULL;
	st->parts = xreallocarray(st->parts, st->nparts + 1,
	    sizeof(*st->parts));
	p = &st->parts[st->nparts++];
	memset(p, 0, sizeof(*p));
	p->path = xstrdup(n->path);
	p->kind = kind;
	p->proto = proto;
	p->type = util_sanitize(n->type, strlen(n->type), false, false);
	if (st->nparts <= CRYPTO_MAX_PARTS)
		return p;
	/* One part past the limit says what was left unchecked. */
	w->parts_full = true;
	p->error = xasprintf("more than %d protected parts: the rest is "
	    "not checked", CRYPTO_MAX_PARTS);
	p->flags |= CRYPTO_ST_TRUNCATED;
	return NULL;
}

struct crypto_engine *
crypto_walk_engine(struct crypto_walk *w, struct crypto_part_status *p)
{
	struct crypto_engine *e = NULL;

	if (w->ctx != NULL)
		e = p->proto == CRYPTO_PROTO_OPENPGP ? w->ctx->openpgp :
		    w->ctx->smime;
	if (e == NULL) {
		p->error = xasprintf("no engine for %s",
		    crypto_proto_name(p->proto));
		p->flags |= CRYPTO_ST_NO_ENGINE;
	} else if (w->layers >= CRYPTO_MAX_LAYERS) {
		p->error = xasprintf("more than %d protected layers inside "
		    "each other", CRYPTO_MAX_LAYERS);
		p->flags |= CRYPTO_ST_TRUNCATED;
		e = NULL;
	}
	return e;
}

/* Header fields of n to keep around new content: all but Content-*. */
static void
kept_fields(const struct crypto_node *n, struct buf *b)
{
	struct crypto_field f;
	size_t pos = 0;

	while (crypto_field_next(n->hdr, n->hdr_len, &pos, &f)) {
		if ((f.name_len > 8 &&
		    strncasecmp(f.name, "content-", 8) == 0) ||
		    crypto_field_is(&f, "mime-version"))
			continue;
		buf_add(b, f.name, (size_t)(f.value + f.value_len - f.name));
		buf_add(b, "\r\n", 2);
	}
}

/* Does content start with its own header (or an empty one)? */
static bool
starts_with_header(const char *p, size_t len)
{
	size_t i = 0;

	if (len > 0 && p[0] == '\n')
		return true;
	if (len > 1 && p[0] == '\r' && p[1] == '\n')
		return true;
	while (i < len && (unsigned char)p[i] > 32 &&
	    (unsigned char)p[i] < 127 && p[i] != ':')
		i++;
	return i > 0 && i < len && p[i] == ':';
}

void
crypto_walk_splice(struct crypto_level *lv, const struct crypto_node *n,
    char *content, size_t content_len)
{
	struct crypto_splice *s;
	struct buf b = BUF_INIT;

	/* Sized once: no copy of the plaintext is left behind a realloc. */
	buf_grow(&b, 2 * n->hdr_len + 4 + content_len);
	kept_fields(n, &b);
	if (b.len > 0 || !starts_with_header(content, content_len)) {
		if (!starts_with_header(content, content_len))
			buf_add(&b, "\r\n", 2);
		buf_add(&b, content, content_len);
		crypto_secret_free(content, content_len);
		content = buf_detach(&b, &content_len);
	}
	buf_release(&b);
	lv->splices = xreallocarray(lv->splices, lv->nsplices + 1,
	    sizeof(*lv->splices));
	s = &lv->splices[lv->nsplices++];
	s->off = (size_t)(n->start - lv->buf);
	s->len = n->len;
	s->data = content;
	s->data_len = content_len;
}

/* The buffer with every splice applied, or NULL if there is none. */
static char *
apply_splices(struct crypto_level *lv, size_t *outlen)
{
	struct buf b = BUF_INIT;
	size_t i, at = 0, total = lv->len;

	if (lv->nsplices == 0)
		return NULL;
	for (i = 0; i < lv->nsplices; i++)
		total += lv->splices[i].data_len;
	buf_grow(&b, total);
	for (i = 0; i < lv->nsplices; i++) {
		const struct crypto_splice *s = &lv->splices[i];

		if (s->off < at || s->off + s->len > lv->len)
			continue;	/* overlapping: cannot happen */
		buf_add(&b, lv->buf + at, s->off - at);
		buf_add(&b, s->data, s->data_len);
		at = s->off + s->len;
		if (b.len > CRYPTO_CONTENT_MAX)
			break;
	}
	buf_add(&b, lv->buf + at, lv->len - at);
	if (b.len > CRYPTO_CONTENT_MAX) {
		crypto_secret_free(b.data, b.cap);
		lv->w->st->flags |= CRYPTO_ST_TRUNCATED;
		return NULL;
	}
	return buf_detach(&b, outlen);
}

void
crypto_walk_protected(struct crypto_walk *w, const struct crypto_node *n)
{
	struct crypto_field f;
	size_t pos = 0;
	char *v, *dec;

	if (!n->protected_headers)
		return;
	while (crypto_field_next(n->hdr, n->hdr_len, &pos, &f)) {
		if (!crypto_field_is(&f, "subject") ||
		    f.value_len > CRYPTO_FIELD_MAX)
			continue;
		v = crypto_field_unfold(&f);
		dec = mime_decode_header(v);
		free(v);
		free(w->st->protected_subject);
		w->st->protected_subject = util_sanitize(dec != NULL ? dec :
		    "", dec != NULL ? strlen(dec) : 0, false, false);
		free(dec);
		return;
	}
}

char *
crypto_walk_buffer(struct crypto_walk *w, const char *buf, size_t len,
    bool message, const char *path, int depth, bool root_pos,
    const struct crypto_sender *sender, size_t *outlen)
{
	struct crypto_level lv = { w, buf, len, sender, NULL, 0 };
	struct crypto_frame f;
	char *out;
	size_t i;

	crypto_frame_parse(&f, buf, len, message, path, depth, &w->budget);
	if (!message && root_pos)
		crypto_walk_protected(w, f.root);
	crypto_walk_node(&lv, f.root, root_pos);
	if (f.truncated)
		w->st->flags |= CRYPTO_ST_TRUNCATED;
	out = apply_splices(&lv, outlen);
	for (i = 0; i < lv.nsplices; i++)
		crypto_secret_free(lv.splices[i].data, lv.splices[i].data_len);
	free(lv.splices);
	crypto_frame_release(&f);
	return out;
}

void
crypto_walk_content(struct crypto_level *lv, struct crypto_node *n,
    char *content, size_t len, bool root_pos, bool is_entity,
    const char *charset)
{
	struct crypto_walk *w = lv->w;
	struct buf b = BUF_INIT;
	char *inner;
	size_t ilen = 0;

	if (!is_entity) {
		buf_grow(&b, len + 128 + (charset != NULL ? strlen(charset) :
		    0));
		buf_addf(&b, "Content-Type: text/plain; charset=%s\r\n"
		    "Content-Transfer-Encoding: 8bit\r\n\r\n",
		    charset != NULL ? charset : "utf-8");
		buf_add(&b, content, len);
		crypto_secret_free(content, len);
		content = buf_detach(&b, &len);
	}
	w->layers++;
	inner = crypto_walk_buffer(w, content, len, false, n->path, n->depth,
	    root_pos, lv->sender, &ilen);
	w->layers--;
	if (inner != NULL) {
		crypto_secret_free(content, len);
		content = inner;
		len = ilen;
	}
	crypto_walk_splice(lv, n, content, len);
}

static void
record_root_sender(struct crypto_walk *w, const struct crypto_sender *s)
{
	if (s->ambiguous)
		w->st->flags |= CRYPTO_ST_AMBIGUOUS_SENDER;
	free(w->st->from_addr);
	w->st->from_addr = s->addr != NULL ? xstrdup(s->addr) : NULL;
}

static bool
param_is(const char *v, const char *want)
{
	return v != NULL && strcmp(v, want) == 0;
}

static bool
is_pkcs7_mime(const struct crypto_node *n)
{
	return crypto_node_is(n, "application/pkcs7-mime") ||
	    crypto_node_is(n, "application/x-pkcs7-mime");
}

static bool
is_signed_protocol(const char *p)
{
	return param_is(p, "application/pgp-signature") ||
	    param_is(p, "application/pkcs7-signature") ||
	    param_is(p, "application/x-pkcs7-signature");
}

static void
dispatch(struct crypto_level *lv, struct crypto_node *n, bool root_pos)
{
	if (crypto_node_is(n, "multipart/signed") &&
	    is_signed_protocol(n->protocol))
		crypto_walk_signed(lv, n, root_pos);
	else if (crypto_node_is(n, "multipart/encrypted") &&
	    param_is(n->protocol, "application/pgp-encrypted"))
		crypto_walk_pgp_encrypted(lv, n, root_pos);
	else if (is_pkcs7_mime(n))
		crypto_walk_pkcs7(lv, n, root_pos);
	else if (crypto_node_is_multipart(n) ||
	    crypto_node_is(n, "message/rfc822"))
		walk_children(lv, n);
	else if (crypto_node_is(n, "text/plain"))
		crypto_walk_inline(lv, n, root_pos);
}

void
crypto_walk_node(struct crypto_level *lv, struct crypto_node *n,
    bool root_pos)
{
	const struct crypto_sender *saved = lv->sender;
	struct crypto_sender s;

	if (n == NULL)
		return;
	if (!n->is_message) {
		dispatch(lv, n, root_pos);
		return;
	}
	crypto_sender_parse(n->hdr, n->hdr_len, &s);
	if (n->depth == 0 && lv->w->layers == 0)
		record_root_sender(lv->w, &s);
	lv->sender = &s;
	dispatch(lv, n, root_pos);
	lv->sender = saved;
	crypto_sender_release(&s);
}

/* A container's children, none of which is all that is shown. */
static void
walk_children(struct crypto_level *lv, struct crypto_node *n)
{
	struct crypto_node *c;

	for (c = n->child; c != NULL; c = c->next)
		crypto_walk_node(lv, c, false);
}

/* ------------------------------------------------------ judging */

static void
clean(char **s)
{
	char *c;

	if (*s == NULL)
		return;
	c = util_sanitize(*s, strlen(*s), false, false);
	free(*s);
	*s = c;
}

static void
clean_v(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		clean(&v[i]);
}

void
crypto_walk_clean(struct crypto_result *r)
{
	size_t i, k;

	for (i = 0; i < r->nsigs; i++) {
		struct crypto_sig *s = &r->sigs[i];

		clean(&s->fpr);
		clean(&s->signer);
		clean_v(s->addrs, s->naddrs);
		clean(&s->digest);
		clean(&s->pubkey_algo);
		clean(&s->note);
		for (k = 0; k < s->nchain; k++) {
			struct crypto_cert *c = &s->chain[k];

			clean(&c->subject);
			clean(&c->issuer);
			clean(&c->serial);
			clean(&c->fpr_sha256);
			clean(&c->key_usage);
			clean(&c->ext_key_usage);
		}
	}
	clean(&r->cipher);
	clean_v(r->recipients, r->nrecipients);
}

static bool
names_a_signer(const struct crypto_sig *s)
{
	switch (s->result) {
	case CRYPTO_SIG_GOOD:
	case CRYPTO_SIG_EXPIRED:
	case CRYPTO_SIG_REVOKED:
	case CRYPTO_SIG_UNTRUSTED:
	case CRYPTO_SIG_WEAK:
		return true;
	default:
		return false;
	}
}

void
crypto_walk_judge_sigs(struct crypto_level *lv, struct crypto_part_status *p)
{
	const struct crypto_sender *snd = lv->sender;
	size_t i;

	for (i = 0; i < p->res.nsigs; i++) {
		const struct crypto_sig *s = &p->res.sigs[i];

		if (s->result == CRYPTO_SIG_WEAK ||
		    crypto_weak_digest(s->digest))
			p->flags |= CRYPTO_ST_WEAK;
		if (!names_a_signer(s))
			continue;
		if (snd == NULL || snd->ambiguous)
			p->flags |= CRYPTO_ST_AMBIGUOUS_SENDER;
		else if (!crypto_sender_matches(snd, s))
			p->flags |= CRYPTO_ST_SENDER_MISMATCH;
	}
}

static bool
cipher_is_aead(const char *c)
{
	return c != NULL && (strcasestr(c, "GCM") != NULL ||
	    strcasestr(c, "CCM") != NULL || strcasestr(c, "OCB") != NULL ||
	    strcasestr(c, "POLY1305") != NULL);
}

bool
crypto_walk_judge_decrypt(struct crypto_walk *w, struct crypto_part_status *p,
    bool aead_known, bool aead)
{
	struct crypto_result *r = &p->res;

	if (crypto_weak_cipher(r->cipher))
		p->flags |= CRYPTO_ST_WEAK;
	if (p->proto == CRYPTO_PROTO_OPENPGP && (!r->decrypted ||
	    !r->integrity)) {
		crypto_secret_free(r->plaintext, r->plaintext_len);
		r->plaintext = NULL;
		r->plaintext_len = 0;
		r->decrypted = false;
		p->error = xstrdup("no integrity protection (no MDC or "
		    "AEAD): the content is not shown");
		p->flags |= CRYPTO_ST_DECRYPT_FAILED | CRYPTO_ST_NO_INTEGRITY;
		return false;
	}
	if (p->proto == CRYPTO_PROTO_SMIME) {
		/* The engines differ on what "integrity" means for CBC:
		 * decide from the object itself, the same for all. */
		r->integrity = aead_known ? aead : cipher_is_aead(r->cipher);
		if (!r->integrity) {
			p->flags |= CRYPTO_ST_NO_AEAD;
			p->note = xstrdup("enveloped-data (CBC) carries no "
			    "integrity check of its own");
		}
	}
	return true;
}
