/*
 * crypto_status_mime: the MIME containers of PGP/MIME (RFC 3156) and
 * S/MIME (RFC 8551), judged by the engine serving their protocol:
 *  - multipart/signed: the first part's bytes exactly as they stand
 *    between the delimiters, line ends made CRLF, without the line end
 *    before the delimiter, against the second part (the signature);
 *  - multipart/encrypted (application/pgp-encrypted): the second part
 *    decrypted (and any signature inside it verified) by the engine;
 *  - application/pkcs7-mime: signed-data verified as an opaque signature
 *    and displayed from its own content only; enveloped-data and
 *    authEnveloped-data decrypted; without smime-type the DER says which.
 * On every failure the plaintext produced so far is wiped and dropped.
 * Runs on the caller's thread, which owns the engines.
 */
#include "crypto/crypto_status_int.h"

#include <stdlib.h>
#include <string.h>

enum cms_kind {
	CMS_UNKNOWN,
	CMS_SIGNED,
	CMS_ENVELOPED,
	CMS_AUTH_ENVELOPED,
};

static const unsigned char oid_signed[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
static const unsigned char oid_enveloped[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03 };
static const unsigned char oid_auth_enveloped[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17 };

/* The content type of a DER/BER ContentInfo: SEQUENCE { OID, ... }. */
static enum cms_kind
cms_sniff(const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t h = 2, olen;

	if (len < 4 || p[0] != 0x30)
		return CMS_UNKNOWN;
	if (p[1] > 0x80)
		h += p[1] & 0x7f;	/* long form; 0x80: indefinite */
	if (p[1] > 0x84 || h + 2 > len || p[h] != 0x06)
		return CMS_UNKNOWN;
	olen = p[h + 1];
	if (h + 2 + olen > len)
		return CMS_UNKNOWN;
	p += h + 2;
	if (olen == sizeof(oid_signed) && memcmp(p, oid_signed, olen) == 0)
		return CMS_SIGNED;
	if (olen == sizeof(oid_enveloped) &&
	    memcmp(p, oid_enveloped, olen) == 0)
		return CMS_ENVELOPED;
	if (olen == sizeof(oid_auth_enveloped) &&
	    memcmp(p, oid_auth_enveloped, olen) == 0)
		return CMS_AUTH_ENVELOPED;
	return CMS_UNKNOWN;
}

static void
set_error(struct crypto_part_status *p, const char *msg)
{
	free(p->error);
	p->error = util_sanitize(msg, strlen(msg), false, false);
}

static void
drop_plaintext(struct crypto_result *r)
{
	crypto_secret_free(r->plaintext, r->plaintext_len);
	r->plaintext = NULL;
	r->plaintext_len = 0;
}

/*
 * An engine that judged the object itself malformed (one signature,
 * ERROR, nobody named) says so as an error of the part, the same way an
 * engine that refused to judge does: every engine reports it alike.
 */
static void
verify_done(struct crypto_part_status *p, int rc,
    const struct cachet_err *err)
{
	struct crypto_result *r = &p->res;
	const struct crypto_sig *s = r->nsigs == 1 ? &r->sigs[0] : NULL;
	char *note;

	if (rc != 0) {
		drop_plaintext(r);
		set_error(p, err->msg[0] != '\0' ? err->msg :
		    "the engine could not check the signature");
		return;
	}
	if (s != NULL && s->result == CRYPTO_SIG_ERROR && s->fpr == NULL &&
	    s->signer == NULL) {
		note = xstrdup(s->note != NULL ? s->note : "malformed");
		drop_plaintext(r);
		crypto_result_release(r);
		set_error(p, note);
		free(note);
		return;
	}
	if (r->nsigs == 0) {
		drop_plaintext(r);
		set_error(p, "not signed/malformed: no signature");
	}
}

static void
decrypt_failed(struct crypto_part_status *p, const struct cachet_err *err)
{
	drop_plaintext(&p->res);
	p->res.decrypted = false;
	p->flags |= CRYPTO_ST_DECRYPT_FAILED;
	if (strstr(err->msg, "integrity") != NULL)
		p->flags |= CRYPTO_ST_NO_INTEGRITY;
	set_error(p, err->msg[0] != '\0' ? err->msg : "decryption failed");
}

/* An encrypted part below the root: decrypted only on request. */
static bool
nested_allowed(struct crypto_walk *w, struct crypto_part_status *p,
    bool root_pos)
{
	p->covers_all = root_pos;
	if (root_pos)
		return true;
	p->flags |= CRYPTO_ST_PARTLY_ENCRYPTED;
	if (w->ctx != NULL && w->ctx->decrypt_nested)
		return true;
	p->flags |= CRYPTO_ST_NESTED_ENCRYPTED;
	return false;
}

static bool
plaintext_ok(struct crypto_part_status *p)
{
	if (p->res.plaintext_len <= CRYPTO_CONTENT_MAX)
		return true;
	drop_plaintext(&p->res);
	set_error(p, "the content is too large to show");
	p->flags |= CRYPTO_ST_TRUNCATED;
	return false;
}

/* ------------------------------------------------- multipart/signed */

static bool
sig_part_ok(const struct crypto_node *c, enum crypto_proto proto)
{
	if (proto == CRYPTO_PROTO_OPENPGP)
		return crypto_node_is(c, "application/pgp-signature");
	return crypto_node_is(c, "application/pkcs7-signature") ||
	    crypto_node_is(c, "application/x-pkcs7-signature");
}

static void
verify_detached(struct crypto_walk *w, struct crypto_part_status *p,
    const struct crypto_node *c1, const struct crypto_node *c2)
{
	struct crypto_engine *e;
	struct cachet_err err = { 0, "" };
	char *data, *sig;
	size_t dlen, slen;
	int rc;

	if (c1 == NULL || crypto_node_nchildren(c1->parent) != 2) {
		set_error(p, "malformed multipart/signed: not two parts");
		return;
	}
	if (!sig_part_ok(c2, p->proto)) {
		set_error(p, "malformed multipart/signed: the signature part "
		    "does not match the protocol");
		return;
	}
	if ((e = crypto_walk_engine(w, p)) == NULL)
		return;
	data = crypto_canon_crlf(c1->start, c1->len, &dlen);
	sig = crypto_node_decode(c2, &slen);
	rc = e->ops->verify_detached(e, data, dlen, sig, slen, &p->res, &err);
	crypto_walk_clean(&p->res);
	verify_done(p, rc, &err);
	drop_plaintext(&p->res);
	crypto_secret_free(data, dlen);
	crypto_secret_free(sig, slen);
}

void
crypto_walk_signed(struct crypto_level *lv, struct crypto_node *n,
    bool root_pos)
{
	struct crypto_part_status *p;
	struct crypto_node *c1 = n->child;
	enum crypto_proto proto = strcmp(n->protocol,
	    "application/pgp-signature") == 0 ? CRYPTO_PROTO_OPENPGP :
	    CRYPTO_PROTO_SMIME;

	p = crypto_walk_part(lv->w, n, CRYPTO_PART_SIGNED, proto);
	if (p != NULL) {
		p->covers_all = root_pos;
		verify_detached(lv->w, p, c1, c1 != NULL ? c1->next : NULL);
		crypto_walk_judge_sigs(lv, p);
	}
	if (c1 == NULL)
		return;
	/* The signed content is what is shown: walk it in place. */
	if (p != NULL && root_pos)
		crypto_walk_protected(lv->w, c1);
	crypto_walk_node(lv, c1, root_pos && p != NULL);
}

/* ---------------------------------------------- multipart/encrypted */

/* Decrypt data with p's engine; the plaintext stays in p->res. */
static bool
decrypt(struct crypto_walk *w, struct crypto_part_status *p,
    const char *data, size_t len)
{
	struct crypto_engine *e = crypto_walk_engine(w, p);
	struct cachet_err err = { 0, "" };
	int rc;

	if (e == NULL)
		return false;
	rc = e->ops->decrypt(e, data, len, &p->res, &err);
	crypto_walk_clean(&p->res);
	if (rc == 0 && !p->res.decrypted) {
		rc = CACHET_E_INVAL;
		cachet_err(&err, rc, "the engine did not decrypt it");
	}
	if (rc != 0) {
		decrypt_failed(p, &err);
		return false;
	}
	return plaintext_ok(p);
}

static const char *
pgp_structure_problem(const struct crypto_node *n)
{
	const struct crypto_node *c1 = n->child;

	if (crypto_node_nchildren(n) != 2)
		return "malformed PGP/MIME encrypted message: not two parts";
	if (!crypto_node_is(c1, "application/pgp-encrypted") ||
	    !crypto_node_is(c1->next, "application/octet-stream"))
		return "malformed PGP/MIME encrypted message: wrong part types";
	return NULL;
}

void
crypto_walk_pgp_encrypted(struct crypto_level *lv, struct crypto_node *n,
    bool root_pos)
{
	struct crypto_walk *w = lv->w;
	struct crypto_part_status *p;
	const char *problem = pgp_structure_problem(n);
	char *data, *pt;
	size_t len, ptlen;
	bool ok;

	p = crypto_walk_part(w, n, CRYPTO_PART_ENCRYPTED,
	    CRYPTO_PROTO_OPENPGP);
	if (p == NULL || !nested_allowed(w, p, root_pos))
		return;
	if (problem != NULL) {
		set_error(p, problem);
		p->flags |= CRYPTO_ST_DECRYPT_FAILED;
		return;
	}
	data = crypto_node_decode(n->child->next, &len);
	ok = decrypt(w, p, data, len);
	crypto_secret_free(data, len);
	if (!ok || !crypto_walk_judge_decrypt(w, p, false, false))
		return;
	crypto_walk_judge_sigs(lv, p);
	pt = p->res.plaintext;
	ptlen = p->res.plaintext_len;
	p->res.plaintext = NULL;
	p->res.plaintext_len = 0;
	crypto_walk_content(lv, n, pt, ptlen, root_pos, true, NULL);
}

/* ---------------------------------------------- application/pkcs7-mime */

/* Opaque signed-data (DER in data): verify, show its own content. */
static void
opaque_signed(struct crypto_level *lv, struct crypto_node *n,
    const char *data, size_t len, bool root_pos)
{
	struct crypto_walk *w = lv->w;
	struct crypto_part_status *p;
	struct crypto_engine *e;
	struct cachet_err err = { 0, "" };
	char *pt;
	size_t ptlen;
	int rc;

	p = crypto_walk_part(w, n, CRYPTO_PART_OPAQUE_SIGNED,
	    CRYPTO_PROTO_SMIME);
	if (p == NULL)
		return;
	p->covers_all = root_pos;
	if ((e = crypto_walk_engine(w, p)) == NULL)
		return;
	rc = e->ops->verify_opaque(e, data, len, &p->res, &err);
	crypto_walk_clean(&p->res);
	verify_done(p, rc, &err);
	crypto_walk_judge_sigs(lv, p);
	if (p->res.plaintext == NULL || !plaintext_ok(p))
		return;
	pt = p->res.plaintext;
	ptlen = p->res.plaintext_len;
	p->res.plaintext = NULL;
	p->res.plaintext_len = 0;
	crypto_walk_content(lv, n, pt, ptlen, root_pos, true, NULL);
}

static void
enveloped(struct crypto_level *lv, struct crypto_node *n, const char *data,
    size_t len, enum cms_kind kind, bool root_pos)
{
	struct crypto_walk *w = lv->w;
	struct crypto_part_status *p;
	char *pt;
	size_t ptlen;

	p = crypto_walk_part(w, n, CRYPTO_PART_ENCRYPTED, CRYPTO_PROTO_SMIME);
	if (p == NULL || !nested_allowed(w, p, root_pos) ||
	    !decrypt(w, p, data, len) ||
	    !crypto_walk_judge_decrypt(w, p, n->smime_type != NULL,
	    kind == CMS_AUTH_ENVELOPED))
		return;
	crypto_walk_judge_sigs(lv, p);
	pt = p->res.plaintext;
	ptlen = p->res.plaintext_len;
	p->res.plaintext = NULL;
	p->res.plaintext_len = 0;
	if (cms_sniff(pt, ptlen) != CMS_SIGNED) {
		crypto_walk_content(lv, n, pt, ptlen, root_pos, true, NULL);
		return;
	}
	/* A bare signed-data object inside (not a MIME entity). */
	w->layers++;
	opaque_signed(lv, n, pt, ptlen, root_pos);
	w->layers--;
	crypto_secret_free(pt, ptlen);
}

static enum cms_kind
smime_kind(const struct crypto_node *n, const char *der, size_t len)
{
	const char *t = n->smime_type;

	if (t == NULL)
		return cms_sniff(der, len);
	if (strcmp(t, "signed-data") == 0)
		return CMS_SIGNED;
	if (strcmp(t, "enveloped-data") == 0)
		return CMS_ENVELOPED;
	if (strcmp(t, "authenveloped-data") == 0)
		return CMS_AUTH_ENVELOPED;
	return CMS_UNKNOWN;	/* certs-only, compressed-data, ... */
}

void
crypto_walk_pkcs7(struct crypto_level *lv, struct crypto_node *n,
    bool root_pos)
{
	char *der;
	size_t len;

	der = crypto_node_decode(n, &len);
	switch (smime_kind(n, der, len)) {
	case CMS_SIGNED:
		opaque_signed(lv, n, der, len, root_pos);
		break;
	case CMS_ENVELOPED:
	case CMS_AUTH_ENVELOPED:
		enveloped(lv, n, der, len, smime_kind(n, der, len), root_pos);
		break;
	case CMS_UNKNOWN:
		break;
	}
	crypto_secret_free(der, len);
}
