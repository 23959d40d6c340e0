/*
 * engine_openssl_send: signing and encrypting outgoing S/MIME.
 *
 * sign: SHA-256 with the user's own key whose certificate carries the
 * signer's address (or has the given fingerprint), allows signing
 * (digitalSignature or nonRepudiation, e-mail use) and is valid now; the
 * signer certificate and its issuers from the key file are included; DER
 * output, micalg "sha-256".
 * encrypt: AES-256-CBC enveloped-data (what every client reads) to one
 * certificate per recipient, found among collected and own certificates
 * by address (or fingerprint), allowing encryption (keyEncipherment or
 * keyAgreement) and verifying to a trust anchor for S/MIME encryption; a
 * recipient without one is an error naming the address. With a signer,
 * the user's own encryption certificate is added, so the sender can read
 * the message later.
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_openssl_int.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <strings.h>

/* The address inside "Name <addr>", else the string trimmed; sanitised. */
static char *
bare_addr(const char *who)
{
	const char *lt = strrchr(who, '<'), *gt;
	char *s, *t, *r;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		s = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	else
		s = xstrdup(who);
	t = util_trim(s);
	r = util_sanitize(t, strlen(t), false, false);
	free(s);
	return r;
}

/* who: an e-mail address, or a SHA-256 fingerprint (':' allowed). */
static bool
matches(const struct crypto_ossl_cert *c, const char *who)
{
	size_t i = 0;

	if (strchr(who, '@') != NULL)
		return crypto_ossl_has_addr(c->cert, who);
	for (; *who != '\0'; who++) {
		if (*who == ':' || *who == ' ')
			continue;
		if (i >= CRYPTO_OSSL_FPR_LEN ||
		    strncasecmp(who, c->fpr + i, 1) != 0)
			return false;
		i++;
	}
	return i == CRYPTO_OSSL_FPR_LEN;
}

static bool
valid_now(X509 *x)
{
	return X509_cmp_current_time(X509_get0_notBefore(x)) < 0 &&
	    X509_cmp_current_time(X509_get0_notAfter(x)) > 0;
}

static bool
chain_ok(struct crypto_ossl *o, X509 *x, STACK_OF(X509) *pool, int purpose)
{
	struct crypto_ossl_chain ch;
	bool ok;

	crypto_ossl_check_chain(o, x, pool, purpose, &ch);
	ok = ch.error == X509_V_OK;
	crypto_ossl_chain_release(&ch);
	return ok;
}

/*
 * The best certificate for who: usable for signing or encryption, valid
 * now, an own key when own, verifying to an anchor when pool is given;
 * among several, the one valid longest.
 */
static const struct crypto_ossl_cert *
pick(struct crypto_ossl *o, const struct crypto_ossl_certs *cs,
    const char *who, bool for_sign, bool own, STACK_OF(X509) *pool)
{
	const struct crypto_ossl_cert *best = NULL, *c;
	size_t i;

	for (i = 0; i < cs->n; i++) {
		c = &cs->v[i];
		if ((own && c->pkey == NULL) || !matches(c, who) ||
		    !(for_sign ? crypto_ossl_can_sign(c->cert) :
		    crypto_ossl_can_encrypt(c->cert)) || !valid_now(c->cert))
			continue;
		if (pool != NULL && !chain_ok(o, c->cert, pool, for_sign ?
		    X509_PURPOSE_SMIME_SIGN : X509_PURPOSE_SMIME_ENCRYPT))
			continue;
		if (best == NULL || ASN1_TIME_compare(X509_get0_notAfter(
		    c->cert), X509_get0_notAfter(best->cert)) > 0)
			best = c;
	}
	ERR_clear_error();
	return best;
}

int
crypto_ossl_sign(struct crypto_engine *e, const char *signer,
    const char *data, size_t len, bool detached, char **out, size_t *outlen,
    char **micalg, struct cachet_err *err)
{
	struct crypto_ossl *o = e->priv;
	unsigned flags = CMS_BINARY | CMS_PARTIAL |
	    (detached ? CMS_DETACHED : 0);
	const struct crypto_ossl_cert *k;
	struct crypto_ossl_certs own;
	CMS_ContentInfo *cms = NULL;
	EVP_MD *md = NULL;
	BIO *in = NULL;
	char *who = NULL, why[256];
	int rc;

	*out = NULL;
	*outlen = 0;
	if (micalg != NULL)
		*micalg = NULL;
	if (signer == NULL || (data == NULL && len > 0) || len > INT_MAX)
		return cachet_err(err, CACHET_E_INVAL,
		    "S/MIME signing needs a signer and data");
	crypto_ossl_load(o, CRYPTO_OSSL_KEYS, &own);
	who = bare_addr(signer);
	if ((k = pick(o, &own, who, true, true, NULL)) == NULL) {
		rc = cachet_err(err, CACHET_E_NOTFOUND,
		    "no S/MIME signing certificate of your own for %s", who);
		goto out;
	}
	md = EVP_MD_fetch(o->libctx, "SHA256", NULL);
	in = BIO_new_mem_buf(len > 0 ? data : "", (int)len);
	cms = CMS_sign_ex(NULL, NULL, k->chain, NULL, flags, o->libctx, NULL);
	if (md == NULL || in == NULL || cms == NULL ||
	    CMS_add1_signer(cms, k->cert, k->pkey, md, flags) == NULL ||
	    CMS_final(cms, in, NULL, flags) != 1) {
		rc = cachet_err(err, CACHET_E_INVAL, "S/MIME signing failed: "
		    "%s", crypto_ossl_reason(why, sizeof(why)));
		goto out;
	}
	rc = crypto_ossl_cms_out(cms, out, outlen, err);
	if (rc == 0 && micalg != NULL)
		*micalg = xstrdup("sha-256");
out:
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	EVP_MD_free(md);
	crypto_ossl_certs_release(&own);
	free(who);
	ERR_clear_error();
	return rc;
}

static void
add_unique(STACK_OF(X509) *sk, X509 *x)
{
	int i;

	for (i = 0; i < sk_X509_num(sk); i++)
		if (X509_cmp(sk_X509_value(sk, i), x) == 0)
			return;
	if (sk_X509_push(sk, x) <= 0)
		abort();
}

/* The recipients' certificates (borrowed from all) into certs. */
static int
find_recipients(struct crypto_ossl *o, const struct crypto_ossl_certs *all,
    const char *const *recipients, size_t n, const char *signer,
    STACK_OF(X509) *certs, struct cachet_err *err)
{
	STACK_OF(X509) *pool = crypto_ossl_pool(all, NULL);
	const struct crypto_ossl_cert *c;
	char *who = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		who = bare_addr(recipients[i] != NULL ? recipients[i] : "");
		if ((c = pick(o, all, who, false, false, pool)) == NULL)
			rc = cachet_err(err, CACHET_E_NOTFOUND, "no S/MIME "
			    "certificate for %s that allows encryption and "
			    "verifies to a trust anchor", who);
		else
			add_unique(certs, c->cert);
		FREE_AND_NULL(who);
	}
	if (rc == 0 && signer != NULL) {
		who = bare_addr(signer);
		if ((c = pick(o, all, who, false, true, NULL)) == NULL)
			rc = cachet_err(err, CACHET_E_NOTFOUND, "no S/MIME "
			    "encryption certificate of your own for %s", who);
		else
			add_unique(certs, c->cert);
		free(who);
	}
	sk_X509_free(pool);
	return rc;
}

int
crypto_ossl_encrypt(struct crypto_engine *e,
    const char *const *recipients, size_t nrecipients, const char *signer,
    const char *data, size_t len, char **out, size_t *outlen,
    struct cachet_err *err)
{
	struct crypto_ossl *o = e->priv;
	STACK_OF(X509) *certs = sk_X509_new_null();
	struct crypto_ossl_certs all;
	CMS_ContentInfo *cms = NULL;
	EVP_CIPHER *cipher = NULL;
	BIO *in = NULL;
	char why[256];
	int rc;

	*out = NULL;
	*outlen = 0;
	if (certs == NULL)
		abort();
	if ((data == NULL && len > 0) || len > INT_MAX)
		return cachet_err(err, CACHET_E_INVAL, "nothing to encrypt");
	crypto_ossl_load(o, CRYPTO_OSSL_KEYS | CRYPTO_OSSL_COLLECTED, &all);
	rc = find_recipients(o, &all, recipients, nrecipients, signer, certs,
	    err);
	if (rc == 0 && sk_X509_num(certs) == 0)
		rc = cachet_err(err, CACHET_E_INVAL, "no recipients");
	if (rc != 0)
		goto out;
	cipher = EVP_CIPHER_fetch(o->libctx, "AES-256-CBC", NULL);
	in = BIO_new_mem_buf(len > 0 ? data : "", (int)len);
	if (cipher == NULL || in == NULL || (cms = CMS_encrypt_ex(certs, in,
	    cipher, CMS_BINARY, o->libctx, NULL)) == NULL) {
		rc = cachet_err(err, CACHET_E_INVAL, "S/MIME encryption "
		    "failed: %s", crypto_ossl_reason(why, sizeof(why)));
		goto out;
	}
	rc = crypto_ossl_cms_out(cms, out, outlen, err);
out:
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	EVP_CIPHER_free(cipher);
	sk_X509_free(certs);
	crypto_ossl_certs_release(&all);
	ERR_clear_error();
	return rc;
}
