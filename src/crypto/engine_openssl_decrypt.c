/*
 * engine_openssl_decrypt: CMS enveloped-data and authEnveloped-data
 * (AES-GCM) with the user's own keys.
 *
 * integrity is reported true only for authEnveloped-data, whose AEAD tag
 * covers the content. Plain enveloped-data is CBC without a MAC: anyone
 * can change the ciphertext unnoticed, so integrity is false there (a
 * signature inside may still protect the content). Weak ciphers (DES,
 * 3DES, RC2, RC4) still decrypt; r->cipher names them so the status layer
 * can mark them weak.
 *
 * On any failure every byte of plaintext produced so far is wiped and
 * freed, and r gets no plaintext. Signed-data inside is returned as it is:
 * the framing layer verifies nested objects.
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_openssl_int.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <string.h>

/* One DER element at *p: its tag, class and content; advances *p. */
static bool
der_next(const unsigned char **p, long *len, int *tag, int *cls,
    const unsigned char **content, long *clen)
{
	const unsigned char *q = *p;
	int ret;

	if (*len <= 0)
		return false;
	ret = ASN1_get_object(&q, clen, tag, cls, *len);
	if ((ret & 0x80) != 0 || ret == 0x21)
		return false;	/* error, or indefinite length (not DER) */
	*content = q;
	*len -= (long)(q - *p) + *clen;
	*p = q + *clen;
	return *len >= 0;
}

/* Step into the next element, which must have this tag and class. */
static bool
der_enter(const unsigned char **p, long *len, int want, int wcls)
{
	const unsigned char *c;
	long clen;
	int tag, cls;

	if (!der_next(p, len, &tag, &cls, &c, &clen) || tag != want ||
	    cls != wcls)
		return false;
	*p = c;
	*len = clen;
	return true;
}

static bool
der_skip(const unsigned char **p, long *len, int want)
{
	const unsigned char *c;
	long clen;
	int tag, cls;

	return der_next(p, len, &tag, &cls, &c, &clen) && tag == want &&
	    cls == V_ASN1_UNIVERSAL;
}

/*
 * The content-encryption algorithm: OpenSSL 3.0 has no accessor for it,
 * so walk the DER encoding. ContentInfo { type, [0] { version,
 * originatorInfo [0] OPTIONAL, recipientInfos SET, EncryptedContentInfo
 * { contentType, contentEncryptionAlgorithm, ... } ... } } is the same
 * for enveloped-data and authEnveloped-data.
 */
static int
content_cipher(CMS_ContentInfo *cms)
{
	unsigned char *der = NULL;
	const unsigned char *p, *c;
	X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	int n = i2d_CMS_ContentInfo(cms, &der), tag, cls, nid = NID_undef;
	long len = n, clen;

	p = der;
	if (n <= 0 || !der_enter(&p, &len, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL) ||
	    !der_skip(&p, &len, V_ASN1_OBJECT) ||
	    !der_enter(&p, &len, 0, V_ASN1_CONTEXT_SPECIFIC) ||
	    !der_enter(&p, &len, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL) ||
	    !der_skip(&p, &len, V_ASN1_INTEGER) ||
	    !der_next(&p, &len, &tag, &cls, &c, &clen))
		goto out;
	if (tag == 0 && cls == V_ASN1_CONTEXT_SPECIFIC &&	/* originator */
	    !der_next(&p, &len, &tag, &cls, &c, &clen))
		goto out;
	if (tag != V_ASN1_SET || cls != V_ASN1_UNIVERSAL ||
	    !der_enter(&p, &len, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL) ||
	    !der_skip(&p, &len, V_ASN1_OBJECT))
		goto out;
	if ((alg = d2i_X509_ALGOR(NULL, &p, len)) != NULL) {
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
		nid = OBJ_obj2nid(obj);
	}
out:
	X509_ALGOR_free(alg);
	OPENSSL_free(der);
	ERR_clear_error();
	return nid;
}

/* A recipient as the subject of a known certificate, else its id. */
static char *
recipient_text(const struct crypto_ossl_certs *known, CMS_RecipientInfo *ri,
    CMS_RecipientEncryptedKey *rek)
{
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	size_t i;

	for (i = 0; i < known->n; i++) {
		X509 *x = known->v[i].cert;

		if ((rek != NULL && CMS_RecipientEncryptedKey_cert_cmp(rek,
		    x) == 0) || (rek == NULL &&
		    CMS_RecipientInfo_ktri_cert_cmp(ri, x) == 0))
			return crypto_ossl_name(X509_get_subject_name(x));
	}
	if (rek != NULL)
		CMS_RecipientEncryptedKey_get0_id(rek, &keyid, NULL, NULL,
		    &issuer, &serial);
	else
		CMS_RecipientInfo_ktri_get0_signer_id(ri, &keyid, &issuer,
		    &serial);
	return crypto_ossl_id_text(keyid, issuer, serial);
}

static void
add_recipient(struct crypto_result *r, char *s)
{
	r->recipients = xreallocarray(r->recipients, r->nrecipients + 1,
	    sizeof(*r->recipients));
	r->recipients[r->nrecipients++] = s;
}

static void
list_recipients(CMS_ContentInfo *cms, const struct crypto_ossl_certs *known,
    struct crypto_result *r)
{
	STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
	STACK_OF(CMS_RecipientEncryptedKey) *reks;
	CMS_RecipientInfo *ri;
	int i, j;

	for (i = 0; i < sk_CMS_RecipientInfo_num(ris); i++) {
		ri = sk_CMS_RecipientInfo_value(ris, i);
		switch (CMS_RecipientInfo_type(ri)) {
		case CMS_RECIPINFO_TRANS:
			add_recipient(r, recipient_text(known, ri, NULL));
			break;
		case CMS_RECIPINFO_AGREE:
			reks = CMS_RecipientInfo_kari_get0_reks(ri);
			for (j = 0; j < sk_CMS_RecipientEncryptedKey_num(reks);
			    j++)
				add_recipient(r, recipient_text(known, ri,
				    sk_CMS_RecipientEncryptedKey_value(reks,
				    j)));
			break;
		default:
			add_recipient(r, xstrdup("(password or key-encryption "
			    "key recipient)"));
		}
	}
	ERR_clear_error();
}

/* Set the first own key a recipient matches; false if none does. */
static bool
set_own_key(CMS_ContentInfo *cms, const struct crypto_ossl_certs *own)
{
	size_t i;

	for (i = 0; i < own->n; i++) {
		if (own->v[i].pkey == NULL)
			continue;
		if (CMS_decrypt_set1_pkey_and_peer(cms, own->v[i].pkey,
		    own->v[i].cert, NULL) == 1)
			return true;
		ERR_clear_error();
	}
	return false;
}

/* Decrypt with the key already set; the plaintext, or NULL. */
static char *
run_decrypt(CMS_ContentInfo *cms, size_t *len, char *why, size_t wlen)
{
	BIO *out = BIO_new(BIO_s_mem());
	BUF_MEM *bm = NULL;
	char *plain = NULL;

	if (out == NULL)
		abort();
	if (CMS_decrypt(cms, NULL, NULL, NULL, out, CMS_BINARY) != 1) {
		crypto_ossl_reason(why, wlen);
		goto out;
	}
	BIO_get_mem_ptr(out, &bm);
	plain = xmalloc(bm->length + 1);
	memcpy(plain, bm->data, bm->length);
	plain[bm->length] = '\0';
	*len = bm->length;
out:
	crypto_ossl_bio_wipe_free(out);
	return plain;
}

int
crypto_ossl_decrypt(struct crypto_engine *e, const char *data, size_t len,
    struct crypto_result *r, struct cachet_err *err)
{
	struct crypto_ossl *o = e->priv;
	CMS_ContentInfo *cms = crypto_ossl_cms_parse(o, data, len);
	struct crypto_ossl_certs known;
	char why[256];
	int type, cipher, rc = 0;
	bool aead;

	crypto_ossl_load(o, CRYPTO_OSSL_KEYS | CRYPTO_OSSL_COLLECTED,
	    &known);
	type = cms != NULL ? OBJ_obj2nid(CMS_get0_type(cms)) : NID_undef;
	aead = type == NID_id_smime_ct_authEnvelopedData;
	if (!aead && type != NID_pkcs7_enveloped) {
		rc = cachet_err(err, CACHET_E_INVAL, "not S/MIME enveloped "
		    "data (%s)", cms == NULL ? "not CMS" : OBJ_nid2sn(type));
		goto out;
	}
	cipher = content_cipher(cms);
	r->cipher = xstrdup(cipher != NID_undef ? OBJ_nid2sn(cipher) :
	    "unknown");
	list_recipients(cms, &known, r);
	if (!set_own_key(cms, &known)) {
		rc = cachet_err(err, CACHET_E_NOTFOUND, "no secret key for any "
		    "recipient of this message");
		goto out;
	}
	r->plaintext = run_decrypt(cms, &r->plaintext_len, why, sizeof(why));
	if (r->plaintext == NULL) {
		rc = cachet_err(err, CACHET_E_INVAL, "decryption failed%s: %s",
		    aead ? " (integrity check)" : "", why);
		goto out;
	}
	r->decrypted = true;
	r->integrity = aead;
out:
	crypto_ossl_certs_release(&known);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return rc;
}
