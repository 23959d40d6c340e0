/*
 * engine_gpgme_x509: what GPGME does not say about X.509 objects, read
 * with OpenSSL from the bytes gpgsm holds: a certificate's SHA-256
 * fingerprint, key usage, extended key usage, CA flag and whether it names
 * a CRL distribution point (from gpgsm's own export of it), and the
 * content cipher of a CMS enveloped-data object (gpgsm 2.2 does not report
 * it). The DER walk bounds every length by the bytes left.
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_gpgme_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define WALK_DEPTH 16

static char *
hex_upper(const unsigned char *md, unsigned n)
{
	static const char digits[] = "0123456789ABCDEF";
	char *s = xmalloc(2 * (size_t)n + 1);
	unsigned i;

	for (i = 0; i < n; i++) {
		s[2 * i] = digits[md[i] >> 4];
		s[2 * i + 1] = digits[md[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

static char *
digest_hex(X509 *cert, const EVP_MD *md)
{
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (X509_digest(cert, md, buf, &n) != 1)
		return NULL;
	return hex_upper(buf, n);
}

struct bit_name {
	uint32_t bit;
	const char *name;
};

static const struct bit_name ku_names[] = {
	{ KU_DIGITAL_SIGNATURE, "digitalSignature" },
	{ KU_NON_REPUDIATION, "nonRepudiation" },
	{ KU_KEY_ENCIPHERMENT, "keyEncipherment" },
	{ KU_DATA_ENCIPHERMENT, "dataEncipherment" },
	{ KU_KEY_AGREEMENT, "keyAgreement" },
	{ KU_KEY_CERT_SIGN, "keyCertSign" },
	{ KU_CRL_SIGN, "cRLSign" },
	{ KU_ENCIPHER_ONLY, "encipherOnly" },
	{ KU_DECIPHER_ONLY, "decipherOnly" },
};

static const struct bit_name xku_names[] = {
	{ XKU_SSL_SERVER, "serverAuth" },
	{ XKU_SSL_CLIENT, "clientAuth" },
	{ XKU_SMIME, "emailProtection" },
	{ XKU_CODE_SIGN, "codeSigning" },
	{ XKU_OCSP_SIGN, "OCSPSigning" },
	{ XKU_TIMESTAMP, "timeStamping" },
	{ XKU_DVCS, "dvcs" },
	{ XKU_ANYEKU, "anyExtendedKeyUsage" },
};

static char *
bit_names(uint32_t bits, const struct bit_name *names, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		if (bits & names[i].bit)
			buf_addf(&b, "%s%s", b.len != 0 ? ", " : "",
			    names[i].name);
	if (b.len == 0)
		buf_adds(&b, "none");
	return buf_detach(&b, NULL);
}

static void
describe(X509 *cert, struct crypto_gpgme_x509 *x)
{
	uint32_t flags = X509_get_extension_flags(cert);

	x->fpr_sha256 = digest_hex(cert, EVP_sha256());
	if (flags & EXFLAG_KUSAGE)
		x->key_usage = bit_names(X509_get_key_usage(cert), ku_names,
		    sizeof(ku_names) / sizeof(ku_names[0]));
	if (flags & EXFLAG_XKUSAGE)
		x->ext_key_usage = bit_names(X509_get_extended_key_usage(cert),
		    xku_names, sizeof(xku_names) / sizeof(xku_names[0]));
	x->is_ca = (flags & EXFLAG_CA) != 0;
	x->has_crl_dp = X509_get_ext_by_NID(cert, NID_crl_distribution_points,
	    -1) >= 0;
}

/*
 * Read certificate fpr (gpgsm's SHA-1 fingerprint) from the keyring and
 * describe it; 0, or -1 if it cannot be had (x is then empty).
 */
int
crypto_gpgme_x509_export(struct crypto_gpgme *g, const char *fpr,
    struct crypto_gpgme_x509 *x)
{
	const unsigned char *p;
	gpgme_data_t d = NULL;
	X509 *cert = NULL;
	char *der, *sha1;
	size_t n = 0;
	int rc = -1;

	memset(x, 0, sizeof(*x));
	if (g->proto != GPGME_PROTOCOL_CMS || fpr == NULL ||
	    gpgme_data_new(&d) != 0)
		return -1;
	if (gpgme_op_export(g->kctx, fpr, 0, d) != 0) {
		gpgme_data_release(d);
		crypto_gpgme_renew(g, &g->kctx);
		return -1;
	}
	der = gpgme_data_release_and_get_mem(d, &n);
	p = (const unsigned char *)der;
	if (der != NULL && n != 0 && n < LONG_MAX)
		cert = d2i_X509(NULL, &p, (long)n);
	gpgme_free(der);
	if (cert == NULL)
		return -1;
	/* Describe only the certificate that was asked for. */
	sha1 = digest_hex(cert, EVP_sha1());
	if (sha1 != NULL && strcasecmp(sha1, fpr) == 0) {
		describe(cert, x);
		rc = x->fpr_sha256 != NULL ? 0 : -1;
	}
	free(sha1);
	X509_free(cert);
	if (rc != 0)
		crypto_gpgme_x509_release(x);
	return rc;
}

void
crypto_gpgme_x509_release(struct crypto_gpgme_x509 *x)
{
	free(x->fpr_sha256);
	free(x->key_usage);
	free(x->ext_key_usage);
	memset(x, 0, sizeof(*x));
}

/* ------------------------------------------------- enveloped-data walk */

struct tlv {
	const unsigned char *start;	/* the header */
	const unsigned char *body;
	long len;			/* 0 when indefinite */
	int tag;
	int cls;
	bool cons;
	bool indef;
};

static bool
tlv_next(const unsigned char **p, const unsigned char *end, struct tlv *t)
{
	long max = (long)(end - *p);
	int ret;

	if (max <= 0)
		return false;
	t->start = *p;
	ret = ASN1_get_object(p, &t->len, &t->tag, &t->cls, max);
	if (ret & 0x80)
		return false;
	t->body = *p;
	t->cons = (ret & V_ASN1_CONSTRUCTED) != 0;
	t->indef = (ret & 1) != 0;
	return !t->indef || t->cons;
}

static bool
is_eoc(const struct tlv *t)
{
	return t->tag == 0 && t->cls == V_ASN1_UNIVERSAL && !t->cons &&
	    t->len == 0;
}

/* Move *p past the content of t (whose header was just read). */
static bool
tlv_skip(const unsigned char **p, const unsigned char *end,
    const struct tlv *t, int depth)
{
	struct tlv c;

	if (!t->indef) {
		*p = t->body + t->len;
		return true;
	}
	if (depth > WALK_DEPTH)
		return false;
	for (;;) {
		if (!tlv_next(p, end, &c))
			return false;
		if (is_eoc(&c))
			return true;
		if (!tlv_skip(p, end, &c, depth + 1))
			return false;
	}
}

/* Read the next element, which must have this class, tag and form. */
static bool
expect(const unsigned char **p, const unsigned char *end, int cls, int tag,
    bool cons, struct tlv *t)
{
	return tlv_next(p, end, t) && t->cls == cls && t->tag == tag &&
	    t->cons == cons;
}

static const unsigned char oid_enveloped[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03 };
static const unsigned char oid_auth_enveloped[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17 };

static bool
oid_is(const struct tlv *t, const unsigned char *oid, size_t n)
{
	return !t->indef && (size_t)t->len == n && memcmp(t->body, oid, n) == 0;
}

/* The content-encryption algorithm's OID element inside the DER. */
static bool
find_cipher_oid(const unsigned char *p, const unsigned char *end,
    struct tlv *oid)
{
	struct tlv t;

	if (!expect(&p, end, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true, &t) ||
	    !expect(&p, end, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, false, &t) ||
	    !(oid_is(&t, oid_enveloped, sizeof(oid_enveloped)) ||
	    oid_is(&t, oid_auth_enveloped, sizeof(oid_auth_enveloped))))
		return false;
	p = t.body + t.len;
	if (!expect(&p, end, V_ASN1_CONTEXT_SPECIFIC, 0, true, &t) ||
	    !expect(&p, end, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true, &t) ||
	    !expect(&p, end, V_ASN1_UNIVERSAL, V_ASN1_INTEGER, false, &t) ||
	    !tlv_skip(&p, end, &t, 0) || !tlv_next(&p, end, &t))
		return false;
	if (t.cls == V_ASN1_CONTEXT_SPECIFIC && t.tag == 0 &&
	    (!tlv_skip(&p, end, &t, 0) || !tlv_next(&p, end, &t)))
		return false;
	/* t: recipientInfos, then the encrypted content info. */
	if (t.cls != V_ASN1_UNIVERSAL || t.tag != V_ASN1_SET ||
	    !tlv_skip(&p, end, &t, 0) ||
	    !expect(&p, end, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true, &t) ||
	    !expect(&p, end, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, false, &t) ||
	    !tlv_skip(&p, end, &t, 0) ||
	    !expect(&p, end, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true, &t))
		return false;
	return expect(&p, end, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, false, oid) &&
	    !oid->indef;
}

static const struct {
	int nid;
	const char *name;
} cipher_names[] = {
	{ NID_aes_128_cbc, "AES128" },
	{ NID_aes_192_cbc, "AES192" },
	{ NID_aes_256_cbc, "AES256" },
	{ NID_aes_128_gcm, "AES128-GCM" },
	{ NID_aes_192_gcm, "AES192-GCM" },
	{ NID_aes_256_gcm, "AES256-GCM" },
	{ NID_des_ede3_cbc, "3DES" },
	{ NID_des_cbc, "DES" },
	{ NID_rc2_cbc, "RC2" },
	{ NID_rc4, "RC4" },
};

static char *
cipher_of(const struct tlv *oid)
{
	const unsigned char *q = oid->start;
	ASN1_OBJECT *obj;
	char txt[128];
	size_t i;
	int nid;

	obj = d2i_ASN1_OBJECT(NULL, &q, (long)(oid->body - oid->start) +
	    oid->len);
	if (obj == NULL)
		return NULL;
	nid = OBJ_obj2nid(obj);
	for (i = 0; i < sizeof(cipher_names) / sizeof(cipher_names[0]); i++)
		if (cipher_names[i].nid == nid) {
			ASN1_OBJECT_free(obj);
			return xstrdup(cipher_names[i].name);
		}
	if (nid != NID_undef)
		snprintf(txt, sizeof(txt), "%s", OBJ_nid2sn(nid));
	else if (OBJ_obj2txt(txt, sizeof(txt), obj, 1) <= 0)
		snprintf(txt, sizeof(txt), "unknown");
	ASN1_OBJECT_free(obj);
	return crypto_gpgme_str(txt);
}

/* Base64 (as in a MIME body) to bytes; NULL if it is not base64. */
static unsigned char *
unbase64(const char *data, size_t len, size_t *out)
{
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	unsigned char *buf;
	int n1 = 0, n2 = 0;

	if (ctx == NULL || len > INT_MAX / 2) {
		EVP_ENCODE_CTX_free(ctx);
		return NULL;
	}
	buf = xmalloc(len + 1);
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, buf, &n1, (const unsigned char *)data,
	    (int)len) < 0 || EVP_DecodeFinal(ctx, buf + n1, &n2) != 1) {
		EVP_ENCODE_CTX_free(ctx);
		free(buf);
		return NULL;
	}
	EVP_ENCODE_CTX_free(ctx);
	*out = (size_t)n1 + (size_t)n2;
	return buf;
}

/*
 * The content cipher of a CMS (auth)enveloped-data object given as DER or
 * base64 ("AES256", "3DES", "RC2", ...), or NULL if it cannot be read.
 */
char *
crypto_gpgme_cms_cipher(const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *)data;
	unsigned char *decoded = NULL;
	struct tlv oid;
	char *name = NULL;
	size_t n = len;

	if (data == NULL || len < 2 || len > (size_t)LONG_MAX)
		return NULL;
	if (p[0] != 0x30) {
		if ((decoded = unbase64(data, len, &n)) == NULL)
			return NULL;
		p = decoded;
	}
	if (n >= 2 && find_cipher_oid(p, p + n, &oid))
		name = cipher_of(&oid);
	free(decoded);
	return name;
}
