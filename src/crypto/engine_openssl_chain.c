/*
 * engine_openssl_chain: building a certificate's chain to the configured
 * trust anchors and checking it for S/MIME: validity times, strict X.509
 * rules (X509_V_FLAG_X509_STRICT), basicConstraints (every issuer must be
 * a CA), key usage and extendedKeyUsage emailProtection through the
 * S/MIME signing or encryption purpose, and revocation against the CRLs
 * of the store and of the anchors file, and, for a chain that verified
 * to an anchor without every CRL at hand, those of the certificates'
 * distribution points (engine_openssl_crl.c: cached, fetched only when
 * the user allowed it). Without a CRL for every certificate revocation
 * is "not checked", never "good".
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_openssl_int.h"

#include <openssl/err.h>
#include <string.h>

/* Per-verification state, reached from the callback. */
struct chain_state {
	bool crl_missing;
};

static bool
is_crl_problem(int e)
{
	switch (e) {
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
	case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
		return true;
	default:
		return false;
	}
}

/*
 * A missing, stale or unusable CRL makes revocation "not checked" rather
 * than failing the chain; OpenSSL still consults a stale CRL, so a
 * certificate listed in it is reported revoked. Every other error stops
 * the verification.
 */
static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct chain_state *st = X509_STORE_CTX_get_app_data(ctx);

	if (ok)
		return 1;
	if (is_crl_problem(X509_STORE_CTX_get_error(ctx))) {
		st->crl_missing = true;
		return 1;
	}
	return 0;
}

/* One verification; crls: extra CRLs, or NULL. */
static void
run_check(struct crypto_ossl *o, X509 *leaf, STACK_OF(X509) *untrusted,
    int purpose, STACK_OF(X509_CRL) *crls, struct crypto_ossl_chain *c)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new_ex(o->libctx, NULL);
	struct chain_state st = { false };
	unsigned long flags = X509_V_FLAG_X509_STRICT;
	bool check_crls = o->have_crls || crls != NULL;
	int ok;

	c->error = X509_V_ERR_UNSPECIFIED;
	if (ctx == NULL || X509_STORE_CTX_init(ctx, o->anchors, leaf,
	    untrusted) != 1)
		goto out;
	if (check_crls)
		flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), flags);
	if (X509_STORE_CTX_set_purpose(ctx, purpose) != 1)
		goto out;
	if (crls != NULL)
		X509_STORE_CTX_set0_crls(ctx, crls);
	X509_STORE_CTX_set_app_data(ctx, &st);
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	ok = X509_verify_cert(ctx);
	c->error = X509_STORE_CTX_get_error(ctx);
	if (ok == 1)
		c->error = X509_V_OK;
	else if (c->error == X509_V_OK)
		c->error = X509_V_ERR_UNSPECIFIED;
	c->crl_checked = check_crls && !st.crl_missing;
	c->certs = X509_STORE_CTX_get1_chain(ctx);
out:
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
}

/*
 * Check once with the CRLs at hand. Only a chain that verified to an
 * anchor has its distribution points consulted: an untrusted one must
 * not make cachet fetch URLs of a stranger's choosing.
 */
void
crypto_ossl_check_chain(struct crypto_ossl *o, X509 *leaf,
    STACK_OF(X509) *untrusted, int purpose, struct crypto_ossl_chain *c)
{
	STACK_OF(X509_CRL) *crls = NULL;
	char *note = NULL;

	memset(c, 0, sizeof(*c));
	run_check(o, leaf, untrusted, purpose, NULL, c);
	if (c->error != X509_V_OK || c->crl_checked ||
	    sk_X509_num(c->certs) < 2)
		return;
	crypto_ossl_crl_gather(o, c->certs, &crls, &note);
	if (crls != NULL) {
		crypto_ossl_chain_release(c);
		run_check(o, leaf, untrusted, purpose, crls, c);
		sk_X509_CRL_pop_free(crls, X509_CRL_free);
	}
	if (note == NULL && crls != NULL && c->error == X509_V_OK &&
	    !c->crl_checked)
		note = xstrdup("revocation not checked: no CRL for every "
		    "certificate of the chain");
	c->crl_note = note;
}

void
crypto_ossl_chain_release(struct crypto_ossl_chain *c)
{
	sk_X509_pop_free(c->certs, X509_free);
	c->certs = NULL;
	FREE_AND_NULL(c->crl_note);
}

enum crypto_revocation
crypto_ossl_revocation(struct crypto_ossl *o,
    const struct crypto_ossl_chain *c)
{
	if (c->error == X509_V_ERR_CERT_REVOKED)
		return CRYPTO_REV_REVOKED;
	if (c->error == X509_V_OK && c->crl_checked)
		return CRYPTO_REV_GOOD;
	return CRYPTO_REV_NOT_CHECKED;
}

bool
crypto_ossl_is_expiry(int error)
{
	return error == X509_V_ERR_CERT_HAS_EXPIRED ||
	    error == X509_V_ERR_CERT_NOT_YET_VALID;
}

bool
crypto_ossl_is_no_anchor(int error)
{
	switch (error) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
		return true;
	default:
		return false;
	}
}
