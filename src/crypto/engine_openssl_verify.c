/*
 * engine_openssl_verify: CMS signed-data, detached (multipart/signed) and
 * opaque (application/pkcs7-mime; smime-type=signed-data).
 *
 * Every SignerInfo is judged on its own: its certificate is looked up
 * (in the CMS object, then among collected and own certificates), the
 * signature over the signed attributes is checked (CMS_SignerInfo_verify),
 * then the content digest (CMS_SignerInfo_verify_content), then the
 * signer's chain to the trust anchors for S/MIME signing (and its
 * revocation: why it was not checked goes into the note). Problems with
 * the object itself (not CMS, not signed-data, no SignerInfo, content
 * where there must be none or none where there must be some) are a
 * verdict too: one signature with CRYPTO_SIG_ERROR and a note. A signer
 * whose signature and chain verified has its certificate collected into
 * the store, as a record only (trust comes from the anchors alone).
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_openssl_int.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

struct verify_ctx {
	struct crypto_ossl *o;
	BIO *digests;		/* CMS_dataInit chain, content read */
	STACK_OF(X509) *included;	/* the CMS object's certificates */
	struct crypto_ossl_certs store;	/* loaded only when needed */
	bool store_loaded;
	STACK_OF(X509) *pool;	/* included, then store: signers, issuers */
};

/*
 * Most messages carry their signer's certificate and issuers; the store
 * is read only for those that do not.
 */
static bool
load_store(struct verify_ctx *v)
{
	if (v->store_loaded)
		return false;
	v->store_loaded = true;
	crypto_ossl_load(v->o, CRYPTO_OSSL_OWN | CRYPTO_OSSL_COLLECTED,
	    &v->store);
	sk_X509_free(v->pool);
	v->pool = crypto_ossl_pool(&v->store, v->included);
	return v->store.n > 0;
}

/* The whole verdict is one error. */
static void
one_error(struct crypto_result *r, const char *note)
{
	r->sigs = xcalloc(1, sizeof(*r->sigs));
	r->nsigs = 1;
	r->sigs[0].result = CRYPTO_SIG_ERROR;
	r->sigs[0].note = xstrdup(note);
}

static X509 *
find_signer(struct verify_ctx *v, CMS_SignerInfo *si)
{
	int i;

	do {
		for (i = 0; i < sk_X509_num(v->pool); i++)
			if (CMS_SignerInfo_cert_cmp(si,
			    sk_X509_value(v->pool, i)) == 0)
				return sk_X509_value(v->pool, i);
	} while (load_store(v));
	return NULL;
}

static int
digest_nid(CMS_SignerInfo *si)
{
	X509_ALGOR *dig = NULL;
	const ASN1_OBJECT *obj = NULL;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	if (dig == NULL)
		return NID_undef;
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	return OBJ_obj2nid(obj);
}

static bool
is_weak_digest(int nid)
{
	return nid == NID_md5 || nid == NID_sha1 || nid == NID_md4 ||
	    nid == NID_md2 || nid == NID_md5_sha1;
}

/* The signingTime attribute, 0 if absent. */
static int64_t
signing_time(CMS_SignerInfo *si)
{
	int i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	X509_ATTRIBUTE *a;
	ASN1_TYPE *t;

	if (i < 0 || (a = CMS_signed_get_attr(si, i)) == NULL)
		return 0;
	t = X509_ATTRIBUTE_get0_type(a, 0);
	if (t == NULL || (t->type != V_ASN1_UTCTIME &&
	    t->type != V_ASN1_GENERALIZEDTIME))
		return 0;
	return crypto_ossl_time(t->value.asn1_string);
}

static void
note_unknown(CMS_SignerInfo *si, struct crypto_sig *s)
{
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	char *id;

	CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial);
	id = crypto_ossl_id_text(keyid, issuer, serial);
	s->note = xasprintf("no certificate for the signer (%s)", id);
	free(id);
}

static void
describe_signer(X509 *x, struct crypto_sig *s)
{
	char fpr[CRYPTO_OSSL_FPR_LEN + 1];

	crypto_ossl_fpr(x, fpr);
	s->fpr = xstrdup(fpr);
	s->signer = crypto_ossl_name(X509_get_subject_name(x));
	s->addrs = crypto_ossl_addrs(x, &s->naddrs);
	s->pubkey_algo = crypto_ossl_pubkey_algo(x);
}

static enum crypto_sig_result
chain_verdict(int error)
{
	if (error == X509_V_OK)
		return CRYPTO_SIG_GOOD;
	if (error == X509_V_ERR_CERT_REVOKED)
		return CRYPTO_SIG_REVOKED;
	if (crypto_ossl_is_expiry(error))
		return CRYPTO_SIG_EXPIRED;
	return CRYPTO_SIG_UNTRUSTED;
}

static char *
chain_note(int error)
{
	const char *what = X509_verify_cert_error_string(error);

	if (error == X509_V_OK)
		return NULL;
	if (crypto_ossl_is_no_anchor(error))
		return xasprintf("no trust anchor: %s", what);
	if (error == X509_V_ERR_INVALID_CA)
		return xasprintf("an issuer is not a CA: %s", what);
	if (error == X509_V_ERR_INVALID_PURPOSE)
		return xasprintf("certificate not for e-mail signing: %s",
		    what);
	return xasprintf("certificate chain: %s", what);
}

/* Append more to *note ("a; b"). */
static void
add_note(char **note, const char *more)
{
	char *s;

	if (*note == NULL) {
		*note = xstrdup(more);
		return;
	}
	s = xasprintf("%s; %s", *note, more);
	free(*note);
	*note = s;
}

/* Signature maths are good: judge the chain and the digest. */
static void
judge_chain(struct verify_ctx *v, X509 *x, int dnid, struct crypto_sig *s)
{
	struct crypto_ossl_chain ch;
	char *note;

	crypto_ossl_check_chain(v->o, x, v->pool, X509_PURPOSE_SMIME_SIGN,
	    &ch);
	if (crypto_ossl_is_no_anchor(ch.error) && load_store(v)) {
		crypto_ossl_chain_release(&ch);
		crypto_ossl_check_chain(v->o, x, v->pool,
		    X509_PURPOSE_SMIME_SIGN, &ch);
	}
	crypto_ossl_chain_fill(x, ch.certs, &s->chain, &s->nchain);
	s->revocation = crypto_ossl_revocation(v->o, &ch);
	s->trust = ch.error == X509_V_OK ? CRYPTO_TRUST_FULL :
	    CRYPTO_TRUST_UNKNOWN;
	s->result = chain_verdict(ch.error);
	note = chain_note(ch.error);
	if (ch.crl_note != NULL)
		add_note(&note, ch.crl_note);
	/*
	 * Keep the certificate of a signer that verified to an anchor, as a
	 * record; others would let any message fill the store with junk. A
	 * store that cannot be written changes no verdict.
	 */
	if (ch.error == X509_V_OK && v->o->store_dir != NULL)
		crypto_ossl_collect(v->o, x, NULL);
	if (is_weak_digest(dnid)) {
		if (s->result == CRYPTO_SIG_GOOD)
			s->result = CRYPTO_SIG_WEAK;
		s->note = xasprintf("%s%sweak digest %s",
		    note != NULL ? note : "", note != NULL ? "; " : "",
		    s->digest);
		free(note);
	} else {
		s->note = note;
	}
	crypto_ossl_chain_release(&ch);
}

static void
judge(struct verify_ctx *v, CMS_SignerInfo *si, struct crypto_sig *s)
{
	X509 *x = find_signer(v, si);
	int dnid = digest_nid(si);

	s->digest = xstrdup(dnid != NID_undef ? OBJ_nid2sn(dnid) : "unknown");
	s->created = signing_time(si);
	if (x == NULL) {
		s->result = CRYPTO_SIG_UNKNOWN_KEY;
		note_unknown(si, s);
		return;
	}
	describe_signer(x, s);
	CMS_SignerInfo_set1_signer_cert(si, x);
	if (CMS_signed_get_attr_count(si) >= 0 &&
	    CMS_SignerInfo_verify(si) != 1) {
		s->result = CRYPTO_SIG_BAD;
		s->note = xstrdup("the signature over the signed attributes "
		    "does not verify");
	} else if (CMS_SignerInfo_verify_content(si, v->digests) != 1) {
		s->result = CRYPTO_SIG_BAD;
		s->note = xstrdup("the content does not match the signature");
	} else {
		judge_chain(v, x, dnid, s);
	}
	ERR_clear_error();
}

/* Read the content through the digest BIOs; keep it when asked. */
static bool
read_content(BIO *chain, struct buf *keep)
{
	char tmp[16384];
	int n;

	while ((n = BIO_read(chain, tmp, sizeof(tmp))) > 0)
		if (keep != NULL)
			buf_add(keep, tmp, (size_t)n);
	return n == 0;
}

/* What is wrong with the object's shape, or NULL. */
static const char *
shape_problem(CMS_ContentInfo *cms, bool detached)
{
	STACK_OF(CMS_SignerInfo) *sis;

	if (cms == NULL)
		return "malformed signature: not a CMS object";
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
		return "not signed-data";
	sis = CMS_get0_SignerInfos(cms);
	if (sis == NULL || sk_CMS_SignerInfo_num(sis) <= 0)
		return "not signed/malformed: no signer";
	if (detached && CMS_is_detached(cms) != 1)
		return "detached signature carries content";
	if (!detached && CMS_is_detached(cms) != 0)
		return "opaque signature carries no content";
	return NULL;
}

static void
judge_all(struct verify_ctx *v, CMS_ContentInfo *cms,
    struct crypto_result *r)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	int i, n = sk_CMS_SignerInfo_num(sis);

	r->sigs = xcalloc((size_t)n, sizeof(*r->sigs));
	r->nsigs = (size_t)n;
	for (i = 0; i < n; i++)
		judge(v, sk_CMS_SignerInfo_value(sis, i), &r->sigs[i]);
}

/* content/clen: the detached content, or NULL for an opaque signature. */
static int
verify(struct crypto_ossl *o, const char *content, size_t clen,
    const char *sig, size_t siglen, struct crypto_result *r)
{
	struct verify_ctx v;
	CMS_ContentInfo *cms = crypto_ossl_cms_parse(o, sig, siglen);
	struct buf plain = BUF_INIT;
	const char *problem = shape_problem(cms, content != NULL);
	BIO *dcont = NULL;

	memset(&v, 0, sizeof(v));
	v.o = o;
	if (problem != NULL)
		goto out;
	if (content != NULL && (dcont = BIO_new_mem_buf(clen > 0 ? content :
	    "", (int)clen)) == NULL)
		abort();
	v.digests = CMS_dataInit(cms, dcont);
	if (v.digests == NULL) {
		problem = "malformed signature: unsupported digest or content";
		BIO_free(dcont);
		goto out;
	}
	if (!read_content(v.digests, content == NULL ? &plain : NULL)) {
		problem = "malformed signature: cannot read the content";
		goto out;
	}
	v.included = CMS_get1_certs(cms);
	v.pool = crypto_ossl_pool(NULL, v.included);
	judge_all(&v, cms, r);
	if (content == NULL) {
		buf_adds(&plain, "");
		r->plaintext = buf_detach(&plain, &r->plaintext_len);
	}
out:
	if (problem != NULL)
		one_error(r, problem);
	buf_release(&plain);
	BIO_free_all(v.digests);
	sk_X509_free(v.pool);
	sk_X509_pop_free(v.included, X509_free);
	crypto_ossl_certs_release(&v.store);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return 0;
}

int
crypto_ossl_verify_detached(struct crypto_engine *e, const char *data,
    size_t len, const char *sig, size_t siglen, struct crypto_result *r,
    struct cachet_err *err)
{
	if (len > INT32_MAX || (data == NULL && len > 0))
		return cachet_err(err, CACHET_E_INVAL,
		    "signed content too large or missing");
	return verify(e->priv, data != NULL ? data : "", len, sig, siglen, r);
}

int
crypto_ossl_verify_opaque(struct crypto_engine *e, const char *data,
    size_t len, struct crypto_result *r, struct cachet_err *err)
{
	return verify(e->priv, NULL, 0, data, len, r);
}
