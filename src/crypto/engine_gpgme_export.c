/*
 * engine_gpgme_export: handing out a public key, for Autocrypt and for
 * attaching one's own key to a message. The key is resolved the way
 * signing and encryption resolve theirs (one valid key for an address or
 * fingerprint) and exported by its fingerprint alone, so a pattern never
 * drags in other keys. OpenPGP: armoured, or minimal and binary
 * (GPGME_EXPORT_MODE_MINIMAL: self-signatures only). GPGME 1.18 has no
 * export filter, so every user ID and subkey of the key goes out; the
 * caller may cut user IDs out of the binary form. S/MIME: the
 * certificate, DER.
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_gpgme_int.h"

#include <stdlib.h>
#include <string.h>

#define EXPORT_MAX (4u * 1024 * 1024)	/* no real key is bigger */

/*
 * The one key for who: a valid key for encryption, or a secret signing
 * key (an own signing-only certificate). Two different keys, one from
 * each search, are as ambiguous as two from one.
 */
static int
export_find(struct crypto_gpgme *g, const char *who, gpgme_key_t *out,
    struct cachet_err *err)
{
	gpgme_key_t enc = NULL, sig = NULL;
	int rce, rcs;

	*out = NULL;
	rce = crypto_gpgme_find(g, who, false, false, &enc, err);
	if (rce != 0 && rce != CACHET_E_NOTFOUND)
		return rce;
	rcs = crypto_gpgme_find(g, who, true, true, &sig, rce == 0 ?
	    NULL : err);
	if (rcs != 0 && rcs != CACHET_E_NOTFOUND) {
		if (enc != NULL)
			gpgme_key_unref(enc);
		return rcs;
	}
	if (enc != NULL && sig != NULL &&
	    strcmp(enc->subkeys->fpr, sig->subkeys->fpr) != 0) {
		gpgme_key_unref(enc);
		gpgme_key_unref(sig);
		return cachet_err(err, CACHET_E_INVAL, "export: several keys "
		    "match, name one by fingerprint");
	}
	if (enc == NULL && sig == NULL)
		return rcs;	/* err holds the signing search's NOTFOUND */
	if (enc != NULL && sig != NULL)
		gpgme_key_unref(sig);
	*out = enc != NULL ? enc : sig;
	return 0;
}

int
crypto_gpgme_export(struct crypto_engine *e, const char *who, bool minimal,
    char **out, size_t *outlen, struct cachet_err *err)
{
	struct crypto_gpgme *g = e->priv;
	gpgme_key_t keys[2] = { NULL, NULL };
	bool pgp = g->proto == GPGME_PROTOCOL_OpenPGP;
	gpgme_data_t d = NULL;
	gpgme_error_t ge;
	char *mem;
	size_t n = 0;
	int rc;

	if (out == NULL || outlen == NULL)
		return cachet_err(err, CACHET_E_INVAL, "export: no output");
	*out = NULL;
	*outlen = 0;
	if ((rc = export_find(g, who, &keys[0], err)) != 0)
		return rc;
	if ((ge = gpgme_data_new(&d)) != 0) {
		gpgme_key_unref(keys[0]);
		return crypto_gpgme_error(err, ge, "export");
	}
	/* kctx is never armoured, ctx is for OpenPGP. */
	ge = gpgme_op_export_keys(pgp && !minimal ? g->ctx : g->kctx, keys,
	    pgp && minimal ? GPGME_EXPORT_MODE_MINIMAL : 0, d);
	gpgme_key_unref(keys[0]);
	if (ge != 0) {
		gpgme_data_release(d);
		crypto_gpgme_renew(g, pgp && !minimal ? &g->ctx : &g->kctx);
		return crypto_gpgme_error(err, ge, "export");
	}
	mem = gpgme_data_release_and_get_mem(d, &n);
	if (mem == NULL || n == 0 || n > EXPORT_MAX) {
		gpgme_free(mem);
		return cachet_err(err, CACHET_E_NOTFOUND,
		    "export: the engine gave no key");
	}
	*out = xmalloc(n + 1);
	memcpy(*out, mem, n);
	(*out)[n] = '\0';
	*outlen = n;
	gpgme_free(mem);
	return 0;
}
