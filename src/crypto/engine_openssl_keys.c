/*
 * engine_openssl_keys: listing the OpenSSL S/MIME engine's store (own keys
 * with origin "keyring", collected certificates with origin "collected")
 * and importing into it: PKCS#12 without a password, PEM key +
 * certificate(s), or certificates alone (PEM, DER, or a CMS/PKCS#7
 * certs-only object), which are kept as collected certificates, never as
 * trust. Nothing already stored is overwritten: entries are named by
 * fingerprint. PKCS#12 files are unpacked here, in the engine's own
 * library context, because files from older tools use RC2 and 3DES.
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_openssl_int.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>
#include <string.h>

void
crypto_ossl_key_fill(struct crypto_ossl *o, const struct crypto_ossl_cert *c,
    STACK_OF(X509) *pool, const char *origin, struct crypto_key *k)
{
	X509 *x = c->cert;
	struct crypto_ossl_chain ch;
	int purpose;
	size_t i;

	memset(k, 0, sizeof(*k));
	k->proto = CRYPTO_PROTO_SMIME;
	k->fpr = xstrdup(c->fpr);
	k->addrs = crypto_ossl_addrs(x, &k->naddrs);
	k->nuids = k->naddrs + 1;
	k->uids = xcalloc(k->nuids, sizeof(*k->uids));
	k->uids[0] = crypto_ossl_name(X509_get_subject_name(x));
	for (i = 0; i < k->naddrs; i++)
		k->uids[i + 1] = xstrdup(k->addrs[i]);
	k->created = crypto_ossl_time(X509_get0_notBefore(x));
	k->expires = crypto_ossl_time(X509_get0_notAfter(x));
	k->expired = X509_cmp_current_time(X509_get0_notAfter(x)) < 0;
	k->can_sign = crypto_ossl_can_sign(x);
	k->can_encrypt = crypto_ossl_can_encrypt(x);
	k->has_secret = c->pkey != NULL;
	k->issuer = crypto_ossl_name(X509_get_issuer_name(x));
	k->origin = xstrdup(origin);
	purpose = k->can_sign ? X509_PURPOSE_SMIME_SIGN : k->can_encrypt ?
	    X509_PURPOSE_SMIME_ENCRYPT : X509_PURPOSE_ANY;
	crypto_ossl_check_chain(o, x, pool, purpose, &ch);
	k->validity = ch.error == X509_V_OK ? CRYPTO_TRUST_FULL :
	    CRYPTO_TRUST_UNKNOWN;
	k->revoked = ch.error == X509_V_ERR_CERT_REVOKED;
	crypto_ossl_chain_release(&ch);
}

static bool
cert_matches(const struct crypto_ossl_cert *c, const char *pat)
{
	char *subject, **addrs;
	size_t i, n;
	bool yes;

	if (pat == NULL || *pat == '\0' || strcasestr(c->fpr, pat) != NULL)
		return true;
	subject = crypto_ossl_name(X509_get_subject_name(c->cert));
	yes = strcasestr(subject, pat) != NULL;
	free(subject);
	addrs = crypto_ossl_addrs(c->cert, &n);
	for (i = 0; !yes && i < n; i++)
		yes = strcasestr(addrs[i], pat) != NULL;
	crypto_ossl_strv_free(addrs, n);
	return yes;
}

static bool
fpr_in(const char *fpr, char (*set)[CRYPTO_OSSL_FPR_LEN + 1], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(set[i], fpr) == 0)
			return true;
	return false;
}

/*
 * Describe the store's entries that match pattern (or whose fingerprint
 * is in only[], when given).
 */
static void
describe(struct crypto_ossl *o, bool secret, const char *pattern,
    char (*only)[CRYPTO_OSSL_FPR_LEN + 1], size_t nonly,
    STACK_OF(X509) *extra, struct crypto_key **out, size_t *n)
{
	struct crypto_ossl_certs cs;
	STACK_OF(X509) *pool;
	const struct crypto_ossl_cert *c;
	size_t i;

	crypto_ossl_load(o, CRYPTO_OSSL_KEYS | (secret ? 0 :
	    CRYPTO_OSSL_COLLECTED), &cs);
	pool = crypto_ossl_pool(&cs, extra);
	*out = NULL;
	*n = 0;
	for (i = 0; i < cs.n; i++) {
		c = &cs.v[i];
		if ((only != NULL && !fpr_in(c->fpr, only, nonly)) ||
		    !cert_matches(c, pattern))
			continue;
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		crypto_ossl_key_fill(o, c, pool, c->own ? "keyring" :
		    "collected", &(*out)[(*n)++]);
	}
	sk_X509_free(pool);
	crypto_ossl_certs_release(&cs);
}

int
crypto_ossl_list_keys(struct crypto_engine *e, const char *pattern,
    bool secret, struct crypto_key **out, size_t *n, struct cachet_err *err)
{
	describe(e->priv, secret, pattern, NULL, 0, NULL, out, n);
	return 0;
}

/* What an import file held. */
struct import {
	EVP_PKEY *pkey;
	STACK_OF(X509) *certs;
};

static void
add_cert(struct import *im, X509 *x)
{
	if (im->certs == NULL && (im->certs = sk_X509_new_null()) == NULL)
		abort();
	if (sk_X509_push(im->certs, x) <= 0)
		abort();
}

static int
set_key(struct import *im, EVP_PKEY *pk, struct cachet_err *err)
{
	if (pk == NULL)
		return cachet_err(err, CACHET_E_INVAL, "unreadable private key");
	if (im->pkey != NULL) {
		EVP_PKEY_free(pk);
		return cachet_err(err, CACHET_E_INVAL,
		    "more than one private key in one file");
	}
	im->pkey = pk;
	return 0;
}

static int
take_bag(struct crypto_ossl *o, const PKCS12_SAFEBAG *bag, const char *pass,
    struct import *im, struct cachet_err *err)
{
	PKCS8_PRIV_KEY_INFO *p8;
	X509 *x;
	int rc = 0;

	switch (PKCS12_SAFEBAG_get_nid(bag)) {
	case NID_keyBag:
		rc = set_key(im, EVP_PKCS82PKEY_ex(PKCS12_SAFEBAG_get0_p8inf(
		    bag), o->libctx, NULL), err);
		break;
	case NID_pkcs8ShroudedKeyBag:
		p8 = PKCS12_decrypt_skey_ex(bag, pass, -1, o->libctx, NULL);
		rc = set_key(im, p8 != NULL ? EVP_PKCS82PKEY_ex(p8, o->libctx,
		    NULL) : NULL, err);
		PKCS8_PRIV_KEY_INFO_free(p8);
		break;
	case NID_certBag:
		if (PKCS12_SAFEBAG_get_bag_nid(bag) == NID_x509Certificate &&
		    (x = PKCS12_SAFEBAG_get1_cert(bag)) != NULL)
			add_cert(im, x);
		break;
	default:
		break;		/* CRLs, secrets, nested bags: not ours */
	}
	return rc;
}

static STACK_OF(PKCS12_SAFEBAG) *
safe_bags(struct crypto_ossl *o, PKCS7 *p7, const char *pass)
{
	PKCS7_ENC_CONTENT *ec;

	if (PKCS7_type_is_data(p7))
		return PKCS12_unpack_p7data(p7);
	if (!PKCS7_type_is_encrypted(p7) || p7->d.encrypted == NULL)
		return NULL;
	ec = p7->d.encrypted->enc_data;
	if (ec == NULL || ec->enc_data == NULL)
		return NULL;
	return PKCS12_item_decrypt_d2i_ex(ec->algorithm,
	    ASN1_ITEM_rptr(PKCS12_SAFEBAGS), pass, -1, ec->enc_data, 1,
	    o->libctx, NULL);
}

static int
parse_p12(struct crypto_ossl *o, PKCS12 *p12, struct import *im,
    struct cachet_err *err)
{
	STACK_OF(PKCS7) *safes = NULL;
	STACK_OF(PKCS12_SAFEBAG) *bags;
	const char *pass = NULL;
	int i, j, rc = 0;

	if (PKCS12_mac_present(p12) && PKCS12_verify_mac(p12, NULL, 0) != 1) {
		if (PKCS12_verify_mac(p12, "", 0) != 1)
			return cachet_err(err, CACHET_E_INVAL, "the PKCS#12 "
			    "file has a password: export it without one");
		pass = "";
	}
	if ((safes = PKCS12_unpack_authsafes(p12)) == NULL)
		return cachet_err(err, CACHET_E_INVAL, "bad PKCS#12 file");
	for (i = 0; rc == 0 && i < sk_PKCS7_num(safes); i++) {
		bags = safe_bags(o, sk_PKCS7_value(safes, i), pass);
		if (bags == NULL)
			rc = cachet_err(err, CACHET_E_INVAL, "cannot decrypt "
			    "the PKCS#12 file (unsupported algorithm?)");
		for (j = 0; rc == 0 && j < sk_PKCS12_SAFEBAG_num(bags); j++)
			rc = take_bag(o, sk_PKCS12_SAFEBAG_value(bags, j), pass,
			    im, err);
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	}
	sk_PKCS7_pop_free(safes, PKCS7_free);
	return rc;
}

static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

static void
read_pem(struct crypto_ossl *o, const char *data, size_t len,
    struct import *im)
{
	BIO *b = BIO_new_mem_buf(data, (int)len);
	X509 *x;

	if (b == NULL)
		abort();
	im->pkey = PEM_read_bio_PrivateKey_ex(b, NULL, no_passphrase, NULL,
	    o->libctx, NULL);
	BIO_free(b);
	if ((b = BIO_new_mem_buf(data, (int)len)) == NULL)
		abort();
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		add_cert(im, x);
	BIO_free(b);
	ERR_clear_error();
}

/* The certificates of a CMS/PKCS#7 object (certs-only or signed). */
static void
read_cms_certs(struct crypto_ossl *o, const char *data, size_t len,
    struct import *im)
{
	CMS_ContentInfo *cms = crypto_ossl_cms_parse(o, data, len);
	STACK_OF(X509) *sk = cms != NULL ? CMS_get1_certs(cms) : NULL;
	X509 *x;

	while (sk != NULL && (x = sk_X509_shift(sk)) != NULL)
		add_cert(im, x);
	sk_X509_free(sk);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
}

static bool
has_encrypted_key(const char *data, size_t len)
{
	return memmem(data, len, "-----BEGIN ENCRYPTED PRIVATE KEY", 32) !=
	    NULL || memmem(data, len, "Proc-Type: 4,ENCRYPTED", 22) != NULL;
}

static int
parse_import(struct crypto_ossl *o, const char *data, size_t len,
    struct import *im, struct cachet_err *err)
{
	const unsigned char *p = (const unsigned char *)data;
	PKCS12 *p12;
	X509 *x;
	int rc = 0;

	if (has_encrypted_key(data, len))
		return cachet_err(err, CACHET_E_INVAL, "the key has a "
		    "passphrase: export it without one");
	if (memmem(data, len, "-----BEGIN", 10) != NULL) {
		read_pem(o, data, len, im);
	} else if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) != NULL) {
		rc = parse_p12(o, p12, im, err);
		PKCS12_free(p12);
	} else {
		p = (const unsigned char *)data;
		if ((x = d2i_X509(NULL, &p, (long)len)) != NULL)
			add_cert(im, x);
	}
	if (rc == 0 && im->pkey == NULL && sk_X509_num(im->certs) <= 0)
		read_cms_certs(o, data, len, im);
	ERR_clear_error();
	if (rc == 0 && sk_X509_num(im->certs) <= 0)
		rc = cachet_err(err, CACHET_E_INVAL, "no S/MIME certificate "
		    "found (PKCS#12, PEM, DER and CMS are understood)");
	return rc;
}

/* Store what was imported; fills the fingerprints stored. */
static int
store_import(struct crypto_ossl *o, struct import *im,
    char (*fprs)[CRYPTO_OSSL_FPR_LEN + 1], size_t *nfprs,
    struct cachet_err *err)
{
	X509 *leaf = NULL;
	int i, rc = 0;

	*nfprs = 0;
	if (im->pkey != NULL) {
		for (i = 0; leaf == NULL && i < sk_X509_num(im->certs); i++)
			if (X509_check_private_key(sk_X509_value(im->certs, i),
			    im->pkey) == 1)
				leaf = sk_X509_value(im->certs, i);
		ERR_clear_error();
		if (leaf == NULL)
			return cachet_err(err, CACHET_E_INVAL, "the private key "
			    "matches none of the certificates");
		crypto_ossl_fpr(leaf, fprs[(*nfprs)++]);
		return crypto_ossl_save_key(o, im->pkey, leaf, im->certs, err);
	}
	for (i = 0; rc == 0 && i < sk_X509_num(im->certs); i++) {
		crypto_ossl_fpr(sk_X509_value(im->certs, i), fprs[(*nfprs)++]);
		rc = crypto_ossl_collect(o, sk_X509_value(im->certs, i), err);
	}
	return rc;
}

int
crypto_ossl_import(struct crypto_engine *e, const char *data, size_t len,
    struct crypto_key **out, size_t *n, struct cachet_err *err)
{
	struct crypto_ossl *o = e->priv;
	struct import im = { NULL, NULL };
	char (*fprs)[CRYPTO_OSSL_FPR_LEN + 1] = NULL;
	size_t nfprs = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (o->store_dir == NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "no S/MIME certificate store configured");
	if (data == NULL || len == 0 || len > INT_MAX)
		return cachet_err(err, CACHET_E_INVAL, "nothing to import");
	if ((rc = parse_import(o, data, len, &im, err)) != 0)
		goto out;
	fprs = xcalloc((size_t)sk_X509_num(im.certs), sizeof(*fprs));
	if ((rc = store_import(o, &im, fprs, &nfprs, err)) != 0)
		goto out;
	describe(o, false, NULL, fprs, nfprs, im.certs, out, n);
out:
	free(fprs);
	EVP_PKEY_free(im.pkey);
	sk_X509_pop_free(im.certs, X509_free);
	return rc;
}
