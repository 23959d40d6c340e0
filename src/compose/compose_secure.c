/*
 * compose_secure: signing and encrypting the content entity of an outgoing
 * message through the caller's crypto engines, and framing the result:
 *  - OpenPGP (RFC 3156): multipart/signed with an armoured detached
 *    signature, multipart/encrypted with the armoured ciphertext; sign and
 *    encrypt is one OpenPGP message that is both (the reader reports such
 *    a message as signed and encrypted);
 *  - S/MIME (RFC 8551): multipart/signed with a detached CMS signature,
 *    application/pkcs7-mime enveloped-data; sign and encrypt is the
 *    clear-signed entity, encrypted as a whole.
 * The signed bytes are exactly the bytes sent: the entity is made CRLF
 * first and never touched again. Enveloped-data that does not use AES is
 * refused, whatever the engine did.
 * Runs on the caller's thread, which owns the engines.
 */
#include "compose/compose_int.h"

#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define B64_LINE_IN 57		/* bytes per base64 line: 76 characters */
#define BOUNDARY_TRIES 8

/* The entity with every bare LF (and lone CR) made CRLF, owned. */
static char *
canon_crlf(const char *p, size_t len, size_t *outlen)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_grow(&b, len + len / 16 + 3);
	for (i = 0; i < len; i++) {
		if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n') {
			buf_add(&b, "\r\n", 2);
			i++;
		} else if (p[i] == '\r' || p[i] == '\n')
			buf_add(&b, "\r\n", 2);
		else
			buf_addc(&b, p[i]);
	}
	if (b.data == NULL)
		buf_add(&b, "", 0);
	return buf_detach(&b, outlen);
}

/* Append p[0..len) with its line ends made CRLF, ending in CRLF. */
static void
add_crlf(struct buf *b, const char *p, size_t len)
{
	size_t n;
	char *c = canon_crlf(p, len, &n);

	buf_add(b, c, n);
	if (n < 2 || c[n - 2] != '\r' || c[n - 1] != '\n')
		buf_add(b, "\r\n", 2);
	free(c);
}

/* Base64 lines of at most 76 characters, CRLF each. */
static void
add_base64(struct buf *b, const char *data, size_t len)
{
	unsigned char line[80];
	size_t off, n;
	int w;

	for (off = 0; off < len; off += n) {
		n = len - off < B64_LINE_IN ? len - off : B64_LINE_IN;
		w = EVP_EncodeBlock(line, (const unsigned char *)data + off,
		    (int)n);
		buf_add(b, line, (size_t)w);
		buf_add(b, "\r\n", 2);
	}
}

static bool
occurs(const char *hay, size_t len, const char *needle)
{
	return hay != NULL && memmem(hay, len, needle, strlen(needle)) != NULL;
}

/*
 * A random boundary found in neither a[0..alen) nor b[0..blen). "=_" can
 * appear neither in base64 nor in quoted-printable text.
 */
static int
boundary(char *out, size_t size, const char *a, size_t alen, const char *b,
    size_t blen, struct cachet_err *err)
{
	unsigned char rnd[16];
	size_t i;
	int t;

	for (t = 0; t < BOUNDARY_TRIES; t++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return cachet_err(err, CACHET_E_IO,
			    "no random bytes for a MIME boundary");
		snprintf(out, size, "=_cachet_");
		for (i = 0; i < sizeof(rnd) && strlen(out) + 3 <= size; i++)
			snprintf(out + strlen(out), size - strlen(out),
			    "%02x", rnd[i]);
		if (!occurs(a, alen, out) && !occurs(b, blen, out))
			return 0;
	}
	return cachet_err(err, CACHET_E_INVAL,
	    "no MIME boundary could be found for the content");
}

static struct crypto_engine *
engine_for(const struct crypto_ctx *c, enum compose_proto proto,
    unsigned cap, struct cachet_err *err, int *rc)
{
	struct crypto_engine *e = NULL;

	if (c != NULL)
		e = proto == COMPOSE_PROTO_OPENPGP ? c->openpgp :
		    proto == COMPOSE_PROTO_SMIME ? c->smime : NULL;
	if (e == NULL || e->ops == NULL || !(e->ops->caps & cap) ||
	    (cap == CRYPTO_CAP_SIGN && e->ops->sign == NULL) ||
	    (cap == CRYPTO_CAP_ENCRYPT && e->ops->encrypt == NULL)) {
		*rc = cachet_err(err, CACHET_E_INVAL, "no %s engine that can "
		    "%s", proto == COMPOSE_PROTO_SMIME ? "S/MIME" : "OpenPGP",
		    cap == CRYPTO_CAP_SIGN ? "sign" : "encrypt");
		return NULL;
	}
	return e;
}

/* The digests that may go out (the engines refuse weaker ones too). */
static bool
micalg_ok(enum compose_proto proto, const char *m)
{
	static const char *const pgp[] = { "pgp-sha256", "pgp-sha384",
	    "pgp-sha512" };
	static const char *const cms[] = { "sha-256", "sha-384", "sha-512" };
	const char *const *ok = proto == COMPOSE_PROTO_OPENPGP ? pgp : cms;
	size_t i;

	for (i = 0; m != NULL && i < 3; i++)
		if (strcmp(m, ok[i]) == 0)
			return true;
	return false;
}

/* --------------------------------------------------------- signing */

static void
frame_signed(struct buf *b, enum compose_proto proto, const char *bnd,
    const char *mic, const char *ent, size_t elen, const char *sig,
    size_t slen)
{
	bool pgp = proto == COMPOSE_PROTO_OPENPGP;

	buf_addf(b, "Content-Type: multipart/signed; micalg=\"%s\";\r\n"
	    " protocol=\"application/%s\";\r\n boundary=\"%s\"\r\n\r\n"
	    "This is a digitally signed message in MIME format.\r\n\r\n"
	    "--%s\r\n", mic, pgp ? "pgp-signature" : "pkcs7-signature",
	    bnd, bnd);
	buf_add(b, ent, elen);
	buf_addf(b, "\r\n--%s\r\n", bnd);
	if (pgp) {
		buf_adds(b, "Content-Type: application/pgp-signature; "
		    "name=\"signature.asc\"\r\nContent-Description: OpenPGP "
		    "digital signature\r\nContent-Disposition: attachment; "
		    "filename=\"signature.asc\"\r\n\r\n");
		add_crlf(b, sig, slen);
	} else {
		buf_adds(b, "Content-Type: application/pkcs7-signature; "
		    "name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64"
		    "\r\nContent-Disposition: attachment; "
		    "filename=\"smime.p7s\"\r\nContent-Description: S/MIME "
		    "cryptographic signature\r\n\r\n");
		add_base64(b, sig, slen);
	}
	buf_addf(b, "--%s--\r\n", bnd);
}

/* multipart/signed around ent (CRLF already), into *out. */
static int
sign_entity(struct crypto_engine *e, enum compose_proto proto,
    const char *signer, const char *ent, size_t elen, char **out,
    size_t *outlen, struct cachet_err *err)
{
	struct buf b = BUF_INIT;
	char *sig = NULL, *mic = NULL, bnd[64];
	size_t slen = 0;
	int rc;

	rc = e->ops->sign(e, signer, ent, elen, true, &sig, &slen, &mic, err);
	if (rc != 0)
		goto out;
	if (!micalg_ok(proto, mic)) {
		rc = cachet_err(err, CACHET_E_INVAL, "sign: refusing digest "
		    "\"%.32s\" (SHA-256 or stronger only)", mic != NULL ? mic :
		    "");
		goto out;
	}
	if ((rc = boundary(bnd, sizeof(bnd), ent, elen, sig, slen, err)) != 0)
		goto out;
	frame_signed(&b, proto, bnd, mic, ent, elen, sig, slen);
	*out = buf_detach(&b, outlen);
out:
	free(sig);
	free(mic);
	return rc;
}

/* ------------------------------------------------------- encrypting */

/* multipart/encrypted around an armoured OpenPGP message. */
static int
frame_pgp_encrypted(const char *ct, size_t clen, char **out, size_t *outlen,
    struct cachet_err *err)
{
	struct buf b = BUF_INIT;
	char bnd[64];
	int rc;

	if ((rc = boundary(bnd, sizeof(bnd), ct, clen, NULL, 0, err)) != 0)
		return rc;
	buf_addf(&b, "Content-Type: multipart/encrypted;\r\n"
	    " protocol=\"application/pgp-encrypted\";\r\n"
	    " boundary=\"%s\"\r\n\r\n"
	    "This is an OpenPGP/MIME encrypted message (RFC 3156).\r\n\r\n"
	    "--%s\r\nContent-Type: application/pgp-encrypted\r\n"
	    "Content-Description: PGP/MIME version identification\r\n\r\n"
	    "Version: 1\r\n\r\n--%s\r\n"
	    "Content-Type: application/octet-stream; name=\"encrypted.asc\""
	    "\r\nContent-Description: OpenPGP encrypted message\r\n"
	    "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n",
	    bnd, bnd, bnd);
	add_crlf(&b, ct, clen);
	buf_addf(&b, "--%s--\r\n", bnd);
	*out = buf_detach(&b, outlen);
	return 0;
}

/* Enter the DER element at *p if it has this tag and class. */
static int
der_enter(const unsigned char **p, long *left, int want_tag, int want_cls,
    long *len)
{
	const unsigned char *q = *p;
	int tag, cls, ret;

	ret = ASN1_get_object(&q, len, &tag, &cls, *left);
	if ((ret & 0x80) || tag != want_tag || cls != want_cls ||
	    *len > *left - (long)(q - *p))
		return -1;
	*left -= (long)(q - *p);
	*p = q;
	return ret & V_ASN1_CONSTRUCTED;
}

/* Skip the DER element at *p if it has this tag and class. */
static int
der_skip(const unsigned char **p, long *left, int want_tag, int want_cls)
{
	long len;

	if (der_enter(p, left, want_tag, want_cls, &len) < 0)
		return -1;
	*p += len;
	*left -= len;
	return 0;
}

/*
 * The content-encryption algorithm of a CMS enveloped-data object, found
 * by walking its DER (the object is re-encoded first, since gpgsm writes
 * indefinite lengths): ContentInfo { OID, [0] EnvelopedData { version,
 * [0] originatorInfo OPTIONAL, recipientInfos SET, encryptedContentInfo
 * { contentType, contentEncryptionAlgorithm { OID, ... } } } }.
 */
static int
cms_cipher_nid(const unsigned char *p, long left)
{
	const unsigned char *q;
	ASN1_OBJECT *obj;
	long len;
	int nid;

	if (der_enter(&p, &left, V_ASN1_SEQUENCE, 0, &len) <= 0 ||
	    der_skip(&p, &left, V_ASN1_OBJECT, 0) != 0 ||
	    der_enter(&p, &left, 0, V_ASN1_CONTEXT_SPECIFIC, &len) <= 0 ||
	    der_enter(&p, &left, V_ASN1_SEQUENCE, 0, &len) <= 0 ||
	    der_skip(&p, &left, V_ASN1_INTEGER, 0) != 0)
		return NID_undef;
	q = p;
	if (der_skip(&q, &left, 0, V_ASN1_CONTEXT_SPECIFIC) == 0)
		p = q;		/* originatorInfo, skipped */
	if (der_skip(&p, &left, V_ASN1_SET, 0) != 0 ||
	    der_enter(&p, &left, V_ASN1_SEQUENCE, 0, &len) <= 0 ||
	    der_skip(&p, &left, V_ASN1_OBJECT, 0) != 0 ||
	    der_enter(&p, &left, V_ASN1_SEQUENCE, 0, &len) <= 0)
		return NID_undef;
	q = p;
	if ((obj = d2i_ASN1_OBJECT(NULL, &q, left)) == NULL)
		return NID_undef;
	nid = OBJ_obj2nid(obj);
	ASN1_OBJECT_free(obj);
	return nid;
}

/* Is der an enveloped-data object encrypted with AES? */
static bool
cms_aes(const char *der, size_t len)
{
	const unsigned char *p = (const unsigned char *)der;
	CMS_ContentInfo *cms;
	unsigned char *re = NULL;
	int n, nid = NID_undef;

	if (len > 0x7fffffff)
		return false;
	if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return false;
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_enveloped &&
	    (n = i2d_CMS_ContentInfo(cms, &re)) > 0)
		nid = cms_cipher_nid(re, n);
	OPENSSL_free(re);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	switch (nid) {
	case NID_aes_128_cbc:
	case NID_aes_192_cbc:
	case NID_aes_256_cbc:
		return true;
	default:
		return false;
	}
}

static int
frame_smime_encrypted(const char *der, size_t len, char **out,
    size_t *outlen, struct cachet_err *err)
{
	struct buf b = BUF_INIT;

	if (!cms_aes(der, len))
		return cachet_err(err, CACHET_E_INVAL, "encrypt: the S/MIME "
		    "engine did not use AES; nothing is sent");
	buf_adds(&b, "Content-Type: application/pkcs7-mime; "
	    "smime-type=enveloped-data;\r\n name=\"smime.p7m\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n"
	    "Content-Description: S/MIME encrypted message\r\n\r\n");
	add_base64(&b, der, len);
	*out = buf_detach(&b, outlen);
	return 0;
}

static void
secret_free(char *p, size_t len)
{
	if (p != NULL)
		explicit_bzero(p, len);
	free(p);
}

static int
encrypt_entity(const struct crypto_ctx *c, enum compose_proto proto,
    const char *signer, const char *const *rcpts, size_t nrcpts,
    const char *ent, size_t elen, char **out, size_t *outlen,
    struct cachet_err *err)
{
	struct crypto_engine *e;
	char *ct = NULL;
	size_t clen = 0;
	int rc = 0;

	if (rcpts == NULL || nrcpts == 0)
		return cachet_err(err, CACHET_E_INVAL,
		    "encrypt: no recipients");
	if ((e = engine_for(c, proto, CRYPTO_CAP_ENCRYPT, err, &rc)) == NULL)
		return rc;
	rc = e->ops->encrypt(e, rcpts, nrcpts, signer, ent, elen, &ct, &clen,
	    err);
	if (rc != 0)
		return rc;
	if (ct == NULL || clen == 0)
		rc = cachet_err(err, CACHET_E_INVAL, "encrypt: no output");
	else if (proto == COMPOSE_PROTO_OPENPGP)
		rc = frame_pgp_encrypted(ct, clen, out, outlen, err);
	else
		rc = frame_smime_encrypted(ct, clen, out, outlen, err);
	free(ct);
	return rc;
}

/* ---------------------------------------------------------- public */

int
compose_secure(const struct crypto_ctx *c, unsigned security,
    enum compose_proto proto, const char *signer, const char *const *rcpts,
    size_t nrcpts, const char *entity, size_t len, char **out,
    size_t *outlen, struct cachet_err *err)
{
	bool sign = security & COMPOSE_SIGN, enc = security & COMPOSE_ENCRYPT;
	struct crypto_engine *e;
	char *ent = NULL, *signed_ent = NULL;
	size_t elen = 0, slen = 0;
	int rc = 0;

	if (out == NULL || outlen == NULL)
		return cachet_err(err, CACHET_E_INVAL, "secure: no output");
	*out = NULL;
	*outlen = 0;
	if (entity == NULL || len == 0 || (!sign && !enc) ||
	    (proto != COMPOSE_PROTO_OPENPGP && proto != COMPOSE_PROTO_SMIME))
		return cachet_err(err, CACHET_E_INVAL,
		    "secure: nothing to do, or no protocol");
	if (sign && util_str_empty(signer))
		return cachet_err(err, CACHET_E_INVAL, "sign: no signer");
	ent = canon_crlf(entity, len, &elen);
	if (proto == COMPOSE_PROTO_OPENPGP && enc) {
		/* One OpenPGP message, signed and encrypted at once. */
		rc = encrypt_entity(c, proto, sign ? signer : NULL, rcpts,
		    nrcpts, ent, elen, out, outlen, err);
		goto out;
	}
	if (sign) {
		if ((e = engine_for(c, proto, CRYPTO_CAP_SIGN, err,
		    &rc)) == NULL)
			goto out;
		if ((rc = sign_entity(e, proto, signer, ent, elen, &signed_ent,
		    &slen, err)) != 0)
			goto out;
	}
	if (!enc) {
		*out = signed_ent;
		*outlen = slen;
		signed_ent = NULL;
		goto out;
	}
	/* S/MIME: the clear-signed entity (or the entity) is encrypted. */
	rc = encrypt_entity(c, proto, NULL, rcpts, nrcpts, sign ? signed_ent :
	    ent, sign ? slen : elen, out, outlen, err);
out:
	secret_free(ent, elen);
	secret_free(signed_ent, slen);
	return rc;
}
