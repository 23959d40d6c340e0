/*
 * engine_openssl: the S/MIME engine built on OpenSSL's CMS API. This file
 * holds the ops table, opening and closing an instance (its own OpenSSL
 * library context, the trust anchors and configured CRLs, the certificate
 * store) and the CMS input/output helpers the other engine_openssl_*.c
 * files share:
 *   engine_openssl_verify.c   detached and opaque signatures
 *   engine_openssl_decrypt.c  enveloped and authEnveloped data
 *   engine_openssl_send.c     signing and encrypting
 *   engine_openssl_chain.c    chains to the anchors, CRLs
 *   engine_openssl_crl.c      CRLs from distribution points, cached
 *   engine_openssl_fetch.c    fetching one CRL over HTTP(S), libcurl
 *   engine_openssl_cert.c     describing certificates for results
 *   engine_openssl_store.c    own keys and collected certificates on disk
 *   engine_openssl_keys.c     list_keys and import
 *
 * The library context loads the default provider and, when it is
 * installed, the legacy one, so that old mail encrypted with RC2 or DES can
 * still be read (and reported as weak); nothing weak is ever produced.
 * Runs on whichever thread owns the instance; instances share nothing.
 */
#include "crypto/engine_openssl_int.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <string.h>

static void
ossl_free(struct crypto_ossl *o)
{
	if (o == NULL)
		return;
	X509_STORE_free(o->anchors);
	if (o->prov_legacy != NULL)
		OSSL_PROVIDER_unload(o->prov_legacy);
	if (o->prov_default != NULL)
		OSSL_PROVIDER_unload(o->prov_default);
	OSSL_LIB_CTX_free(o->libctx);
	free(o->store_dir);
	free(o->certs_dir);
	free(o->keys_dir);
	free(o->crls_dir);
	crypto_ossl_crl_memo_free(o);
	free(o);
}

const char *
crypto_ossl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "unknown OpenSSL error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

static int
open_libctx(struct crypto_ossl *o, struct cachet_err *err)
{
	char why[256];

	o->libctx = OSSL_LIB_CTX_new();
	if (o->libctx == NULL)
		return cachet_err(err, CACHET_E_INVAL, "openssl: %s",
		    crypto_ossl_reason(why, sizeof(why)));
	o->prov_default = OSSL_PROVIDER_load(o->libctx, "default");
	if (o->prov_default == NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "openssl: cannot load the default provider: %s",
		    crypto_ossl_reason(why, sizeof(why)));
	/* Optional: without it RC2/DES mail fails to decrypt, clearly. */
	o->prov_legacy = OSSL_PROVIDER_load(o->libctx, "legacy");
	ERR_clear_error();
	return 0;
}

static int
has_crl(X509_OBJECT *obj)
{
	return X509_OBJECT_get_type(obj) == X509_LU_CRL;
}

/* Anchors: ca_file (certificates and any CRLs in it), else the system. */
static int
load_anchors(struct crypto_ossl *o, const char *ca_file,
    struct cachet_err *err)
{
	STACK_OF(X509_OBJECT) *objs;
	char why[256];
	int i;

	o->anchors = X509_STORE_new();
	if (o->anchors == NULL)
		return cachet_err(err, CACHET_E_INVAL, "openssl: %s",
		    crypto_ossl_reason(why, sizeof(why)));
	if (ca_file != NULL) {
		if (X509_STORE_load_file_ex(o->anchors, ca_file, o->libctx,
		    NULL) != 1)
			return cachet_err(err, CACHET_E_CONFIG,
			    "cannot load S/MIME trust anchors from %s: %s",
			    ca_file, crypto_ossl_reason(why, sizeof(why)));
	} else if (X509_STORE_set_default_paths_ex(o->anchors, o->libctx,
	    NULL) != 1) {
		return cachet_err(err, CACHET_E_CONFIG,
		    "cannot use the system trust anchors: %s",
		    crypto_ossl_reason(why, sizeof(why)));
	}
	objs = X509_STORE_get0_objects(o->anchors);
	for (i = 0; i < sk_X509_OBJECT_num(objs); i++)
		if (has_crl(sk_X509_OBJECT_value(objs, i)))
			o->have_crls = true;
	return 0;
}

static int
ossl_open(struct crypto_engine **out, enum crypto_proto proto,
    const struct crypto_engine_opts *opts, struct cachet_err *err)
{
	struct crypto_ossl *o;
	struct crypto_engine *e;
	int rc;

	*out = NULL;
	if (proto != CRYPTO_PROTO_SMIME)
		return cachet_err(err, CACHET_E_INVAL,
		    "the openssl engine serves S/MIME only");
	o = xcalloc(1, sizeof(*o));
	o->allow_network = opts != NULL && opts->allow_network;
	rc = open_libctx(o, err);
	if (rc == 0)
		rc = load_anchors(o, opts != NULL ? opts->ca_file : NULL, err);
	if (rc == 0 && opts != NULL && opts->store_dir != NULL)
		rc = crypto_ossl_store_open(o, opts->store_dir, err);
	if (rc != 0) {
		ossl_free(o);
		return rc;
	}
	e = xcalloc(1, sizeof(*e));
	e->ops = &crypto_engine_openssl;
	e->proto = proto;
	e->priv = o;
	*out = e;
	return 0;
}

/* Frees the instance itself too (crypto_engine_close calls this). */
static void
ossl_close(struct crypto_engine *e)
{
	if (e == NULL)
		return;
	ossl_free(e->priv);
	free(e);
}

static bool
is_cms_pem_name(const char *name)
{
	return strcmp(name, "CMS") == 0 || strcmp(name, "PKCS7") == 0 ||
	    strcmp(name, "PKCS #7 SIGNED DATA") == 0;
}

/* The DER of the first CMS/PKCS7 PEM block (OPENSSL_free), or NULL. */
static unsigned char *
pem_to_der(const char *data, size_t len, long *dlen)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;

	if (bio == NULL)
		return NULL;
	while (PEM_read_bio(bio, &name, &header, &der, dlen) == 1) {
		OPENSSL_free(header);
		if (is_cms_pem_name(name)) {
			OPENSSL_free(name);
			break;
		}
		OPENSSL_free(name);
		OPENSSL_free(der);
		der = NULL;
	}
	BIO_free(bio);
	ERR_clear_error();
	return der;
}

static bool
looks_pem(const char *data, size_t len)
{
	size_t i = 0;

	while (i < len && (data[i] == ' ' || data[i] == '\t' ||
	    data[i] == '\r' || data[i] == '\n'))
		i++;
	return len - i >= 11 && memcmp(data + i, "-----BEGIN ", 11) == 0;
}

/*
 * Parse a CMS ContentInfo given as DER/BER or PEM, in the instance's
 * library context. NULL if it is not one.
 */
CMS_ContentInfo *
crypto_ossl_cms_parse(struct crypto_ossl *o, const char *data, size_t len)
{
	CMS_ContentInfo *cms = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	long dlen;

	if (data == NULL || len == 0 || len > INT_MAX)
		return NULL;
	if (looks_pem(data, len)) {
		if ((der = pem_to_der(data, len, &dlen)) == NULL)
			return NULL;
		p = der;
	} else {
		p = (const unsigned char *)data;
		dlen = (long)len;
	}
	cms = CMS_ContentInfo_new_ex(o->libctx, NULL);
	/* On failure d2i frees cms and sets it to NULL. */
	if (cms != NULL && d2i_CMS_ContentInfo(&cms, &p, dlen) == NULL)
		cms = NULL;
	OPENSSL_free(der);
	ERR_clear_error();
	return cms;
}

/* Free a memory BIO that may hold secrets, wiping its data first. */
void
crypto_ossl_bio_wipe_free(BIO *b)
{
	BUF_MEM *bm = NULL;

	if (b == NULL)
		return;
	BIO_get_mem_ptr(b, &bm);
	if (bm != NULL && bm->data != NULL)
		OPENSSL_cleanse(bm->data, bm->length);
	BIO_free(b);
}

/* DER of cms into a fresh buffer. */
int
crypto_ossl_cms_out(CMS_ContentInfo *cms, char **out, size_t *outlen,
    struct cachet_err *err)
{
	BIO *bio = BIO_new(BIO_s_mem());
	BUF_MEM *bm;
	char why[256];

	if (bio == NULL || i2d_CMS_bio(bio, cms) != 1) {
		BIO_free(bio);
		return cachet_err(err, CACHET_E_INVAL, "cannot encode CMS: %s",
		    crypto_ossl_reason(why, sizeof(why)));
	}
	BIO_get_mem_ptr(bio, &bm);
	*out = xmalloc(bm->length + 1);
	memcpy(*out, bm->data, bm->length);
	(*out)[bm->length] = '\0';
	*outlen = bm->length;
	BIO_free(bio);
	return 0;
}

const struct crypto_engine_ops crypto_engine_openssl = {
	.name = "openssl",
	.protocols = CRYPTO_PROTO_SMIME,
	.caps = CRYPTO_CAP_VERIFY | CRYPTO_CAP_DECRYPT | CRYPTO_CAP_SIGN |
	    CRYPTO_CAP_ENCRYPT | CRYPTO_CAP_LIST_KEYS | CRYPTO_CAP_IMPORT |
	    CRYPTO_CAP_EXPORT,
	.open = ossl_open,
	.close = ossl_close,
	.verify_detached = crypto_ossl_verify_detached,
	.verify_opaque = crypto_ossl_verify_opaque,
	.decrypt = crypto_ossl_decrypt,
	.sign = crypto_ossl_sign,
	.encrypt = crypto_ossl_encrypt,
	.list_keys = crypto_ossl_list_keys,
	.import = crypto_ossl_import,
	.export_key = crypto_ossl_export,
};
