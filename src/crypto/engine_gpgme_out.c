/*
 * engine_gpgme_out: signing and encrypting through GPGME. Signatures are
 * detached (PGP/MIME, S/MIME multipart/signed) or opaque (an OpenPGP
 * signed message, CMS signed-data with its content); OpenPGP output is
 * ASCII-armoured, CMS output is DER. Neither GPGME nor gpgsm let cachet
 * choose the digest, so the signature's digest is checked afterwards and
 * anything weaker than SHA-256 is refused (and its output dropped).
 * Recipients are resolved one by one to a valid key (no "always trust"):
 * a recipient without one is refused by address. A passphrase-protected
 * S/MIME signing key is unlocked in gpg-agent first, asking the UI
 * (engine_gpgme_unlock.c), since gpgsm cannot ask through GPGME.
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_gpgme_int.h"

#include <stdlib.h>
#include <string.h>

#define RECIPIENTS_MAX 1000

/* The micalg parameter for a digest; NULL if it is too weak to send. */
static const char *
micalg(gpgme_protocol_t proto, gpgme_hash_algo_t h)
{
	bool cms = proto == GPGME_PROTOCOL_CMS;

	switch (h) {
	case GPGME_MD_SHA256:
		return cms ? "sha-256" : "pgp-sha256";
	case GPGME_MD_SHA384:
		return cms ? "sha-384" : "pgp-sha384";
	case GPGME_MD_SHA512:
		return cms ? "sha-512" : "pgp-sha512";
	default:
		return NULL;
	}
}

/* Check the signature just made; its micalg in *mic. */
static int
check_signed(struct crypto_gpgme *g, const char **mic, struct cachet_err *err)
{
	gpgme_sign_result_t sr = gpgme_op_sign_result(g->ctx);
	const char *name;

	if (sr == NULL || sr->invalid_signers != NULL ||
	    sr->signatures == NULL || sr->signatures->next != NULL)
		return cachet_err(err, CACHET_E_CMD,
		    "sign: the signing key was refused");
	*mic = micalg(g->proto, sr->signatures->hash_algo);
	if (*mic == NULL) {
		name = gpgme_hash_algo_name(sr->signatures->hash_algo);
		return cachet_err(err, CACHET_E_INVAL, "sign: refusing a %s "
		    "signature (SHA-256 or stronger only)", name != NULL ?
		    name : "unknown");
	}
	return 0;
}

static int
set_signer(struct crypto_gpgme *g, const char *signer,
    struct cachet_err *err)
{
	gpgme_key_t key;
	gpgme_error_t ge;
	int rc;

	gpgme_signers_clear(g->ctx);
	if ((rc = crypto_gpgme_find(g, signer, true, true, &key, err)) != 0)
		return rc;
	ge = gpgme_signers_add(g->ctx, key);
	gpgme_key_unref(key);
	if (ge != 0)
		return crypto_gpgme_error(err, ge, "sign");
	return 0;
}

int
crypto_gpgme_sign(struct crypto_engine *e, const char *signer,
    const char *data, size_t len, bool detached, char **out, size_t *outlen,
    char **mic_out, struct cachet_err *err)
{
	struct crypto_gpgme *g = e->priv;
	struct crypto_gpgme_out o;
	const char *mic = NULL;
	gpgme_data_t in = NULL;
	gpgme_error_t ge;
	int rc;

	if (out == NULL || outlen == NULL || (data == NULL && len != 0))
		return cachet_err(err, CACHET_E_INVAL, "sign: no data");
	*out = NULL;
	*outlen = 0;
	if (mic_out != NULL)
		*mic_out = NULL;
	if ((rc = set_signer(g, signer, err)) != 0 ||
	    (rc = crypto_gpgme_unlock_signer(g, err)) != 0 ||
	    (rc = crypto_gpgme_prepare(g, err)) != 0 ||
	    (rc = crypto_gpgme_out_open(&o, err)) != 0) {
		gpgme_signers_clear(g->ctx);
		return rc;
	}
	if ((in = crypto_gpgme_data_mem(data, len)) == NULL)
		rc = cachet_err(err, CACHET_E_CMD, "gpgme: no data object");
	else if ((ge = gpgme_op_sign(g->ctx, in, o.d, detached ?
	    GPGME_SIG_MODE_DETACH : GPGME_SIG_MODE_NORMAL)) != 0) {
		crypto_gpgme_renew(g, &g->ctx);
		rc = crypto_gpgme_op_error(g, err, ge, "sign");
	} else
		rc = check_signed(g, &mic, err);
	gpgme_data_release(in);
	gpgme_signers_clear(g->ctx);
	if (rc != 0) {
		crypto_gpgme_out_discard(&o);
		return rc;
	}
	*out = crypto_gpgme_out_take(&o, outlen);
	if (mic_out != NULL)
		*mic_out = xstrdup(mic);
	return 0;
}

/* ----------------------------------------------------------- encrypt */

static void
keys_release(gpgme_key_t *keys)
{
	size_t i;

	if (keys == NULL)
		return;
	for (i = 0; keys[i] != NULL; i++)
		gpgme_key_unref(keys[i]);
	free(keys);
}

/* A NULL-terminated array with one valid key per recipient. */
static int
resolve(struct crypto_gpgme *g, const char *const *recipients, size_t n,
    gpgme_key_t **out, struct cachet_err *err)
{
	gpgme_key_t *keys;
	size_t i;
	int rc;

	*out = NULL;
	if (recipients == NULL || n == 0 || n > RECIPIENTS_MAX)
		return cachet_err(err, CACHET_E_INVAL,
		    "encrypt: no recipients, or too many");
	keys = xcalloc(n + 1, sizeof(*keys));
	for (i = 0; i < n; i++) {
		rc = crypto_gpgme_find(g, recipients[i], false, false,
		    &keys[i], err);
		if (rc != 0) {
			keys_release(keys);
			return rc;
		}
	}
	*out = keys;
	return 0;
}

/* Name a recipient the engine refused after all. */
static int
refused(gpgme_encrypt_result_t er, struct cachet_err *err)
{
	char *fpr = crypto_gpgme_str(er->invalid_recipients->fpr);
	int rc;

	rc = cachet_err(err, CACHET_E_NOTFOUND, "encrypt: key %s refused: %s",
	    fpr != NULL ? fpr : "?",
	    gpgme_strerror(er->invalid_recipients->reason));
	free(fpr);
	return rc;
}

static int
run_encrypt(struct crypto_gpgme *g, gpgme_key_t *keys, bool sign,
    gpgme_data_t in, gpgme_data_t out, struct cachet_err *err)
{
	gpgme_encrypt_result_t er;
	gpgme_error_t ge;
	const char *mic;
	int rc = 0;

	ge = sign ? gpgme_op_encrypt_sign(g->ctx, keys, 0, in, out) :
	    gpgme_op_encrypt(g->ctx, keys, 0, in, out);
	er = gpgme_op_encrypt_result(g->ctx);
	if (er != NULL && er->invalid_recipients != NULL)
		rc = refused(er, err);
	else if (ge != 0)
		rc = crypto_gpgme_error(err, ge, "encrypt");
	if (rc != 0) {
		crypto_gpgme_renew(g, &g->ctx);
		return rc;
	}
	return sign ? check_signed(g, &mic, err) : 0;
}

/*
 * Encrypt to every recipient (addresses or fingerprints), signed by
 * signer when given (OpenPGP only: for S/MIME the framing signs first,
 * then encrypts). The output is the ciphertext.
 */
int
crypto_gpgme_encrypt(struct crypto_engine *e,
    const char *const *recipients, size_t nrecipients, const char *signer,
    const char *data, size_t len, char **out, size_t *outlen,
    struct cachet_err *err)
{
	struct crypto_gpgme *g = e->priv;
	struct crypto_gpgme_out o;
	gpgme_key_t *keys = NULL;
	gpgme_data_t in = NULL;
	int rc;

	if (out == NULL || outlen == NULL || (data == NULL && len != 0))
		return cachet_err(err, CACHET_E_INVAL, "encrypt: no data");
	*out = NULL;
	*outlen = 0;
	if (signer != NULL && g->proto == GPGME_PROTOCOL_CMS)
		return cachet_err(err, CACHET_E_INVAL, "encrypt: S/MIME signs "
		    "and encrypts in two steps");
	if ((rc = resolve(g, recipients, nrecipients, &keys, err)) != 0)
		return rc;
	if ((signer != NULL && (rc = set_signer(g, signer, err)) != 0) ||
	    (rc = crypto_gpgme_prepare(g, err)) != 0 ||
	    (rc = crypto_gpgme_out_open(&o, err)) != 0) {
		gpgme_signers_clear(g->ctx);
		keys_release(keys);
		return rc;
	}
	if ((in = crypto_gpgme_data_mem(data, len)) == NULL)
		rc = cachet_err(err, CACHET_E_CMD, "gpgme: no data object");
	else
		rc = run_encrypt(g, keys, signer != NULL, in, o.d, err);
	gpgme_data_release(in);
	gpgme_signers_clear(g->ctx);
	keys_release(keys);
	if (rc != 0) {
		crypto_gpgme_out_discard(&o);
		return rc;
	}
	*out = crypto_gpgme_out_take(&o, outlen);
	return 0;
}
