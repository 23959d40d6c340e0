/*
 * engine_gpgme_sig: GPGME's verification result made into cachet's, one
 * struct crypto_sig per gpgme_signature_t, from the structured result
 * (gpgme_op_verify_result) and key listings only; never from gpg's text.
 * Every string put into a result goes through util_sanitize.
 *
 * The verdict of one signature (crypto_gpgme_verdict), first match wins;
 * "status" is the signature's status code, "reason" its validity_reason:
 *
 *  1. status BAD_SIGNATURE                              -> BAD
 *  2. status NO_PUBKEY, or summary KEY_MISSING          -> UNKNOWN_KEY
 *  3. status or reason CERT_REVOKED (gpg's code for a
 *     revoked key too), or summary KEY_REVOKED          -> REVOKED
 *  4. status KEY_EXPIRED, SIG_EXPIRED or CERT_EXPIRED,
 *     reason CERT_EXPIRED, or summary KEY_EXPIRED or
 *     SIG_EXPIRED                                       -> EXPIRED
 *  5. a digest other than SHA-224/256/384/512 (MD5,
 *     SHA-1, RIPEMD-160, ...) with status 0, or with
 *     status DIGEST_ALGO (gpg refuses MD5 outright)     -> WEAK
 *  6. any other non-zero status                         -> ERROR
 *  7. wrong_key_usage, or summary BAD_POLICY or
 *     TOFU_CONFLICT                                     -> UNTRUSTED
 *  8. validity UNKNOWN, UNDEFINED or NEVER (OpenPGP: the
 *     key is not certified; CMS: no chain to a trusted
 *     root, or the chain failed with `reason`)          -> UNTRUSTED
 *  9. summary RED or SYS_ERROR left over                -> ERROR
 * 10. otherwise (status 0, validity MARGINAL, FULL or
 *     ULTIMATE; summary VALID and/or GREEN)              -> GOOD
 *
 * trust is the signature's validity: UNKNOWN/UNDEFINED -> UNKNOWN, NEVER,
 * MARGINAL, FULL, ULTIMATE. Revocation: OpenPGP says NOT_CHECKED unless
 * the key is revoked (gpg checks only what the keyring holds). S/MIME says
 * REVOKED when gpgsm found the certificate revoked; GOOD only when gpgsm
 * was allowed to check CRLs (instance online, gpgsm's configuration does
 * not disable them), the chain validated with no error up to its root and
 * every certificate below the root names a CRL distribution point (gpgsm
 * does not check one without); NOT_CHECKED otherwise.
 *
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_gpgme_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIGS_MAX 32	/* more signatures than this: refused */
#define CHAIN_MAX 8	/* certificates followed up an X.509 chain */

char *
crypto_gpgme_str(const char *s)
{
	if (s == NULL)
		return NULL;
	return util_sanitize(s, strlen(s), false, false);
}

/* Sanitised and upper case (fingerprints, key IDs). */
static char *
str_upper(const char *s)
{
	char *u = crypto_gpgme_str(s), *p;

	for (p = u; p != NULL && *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return u;
}

enum crypto_trust
crypto_gpgme_trust(gpgme_validity_t v)
{
	switch (v) {
	case GPGME_VALIDITY_NEVER:
		return CRYPTO_TRUST_NEVER;
	case GPGME_VALIDITY_MARGINAL:
		return CRYPTO_TRUST_MARGINAL;
	case GPGME_VALIDITY_FULL:
		return CRYPTO_TRUST_FULL;
	case GPGME_VALIDITY_ULTIMATE:
		return CRYPTO_TRUST_ULTIMATE;
	default:
		return CRYPTO_TRUST_UNKNOWN;
	}
}

/* Weak: any known digest but the SHA-2 family; none (0) is not weak. */
bool
crypto_gpgme_weak_hash(gpgme_hash_algo_t h)
{
	switch (h) {
	case GPGME_MD_NONE:
	case GPGME_MD_SHA224:
	case GPGME_MD_SHA256:
	case GPGME_MD_SHA384:
	case GPGME_MD_SHA512:
		return false;
	default:
		return true;
	}
}

static void
set(struct crypto_gpgme_verdict *v, enum crypto_sig_result r,
    const char *note)
{
	v->result = r;
	v->note = note;
}

static const char *
untrusted_note(gpgme_protocol_t proto, gpgme_validity_t validity,
    gpg_err_code_t reason)
{
	if (proto == GPGME_PROTOCOL_CMS) {
		if (reason == GPG_ERR_NOT_TRUSTED || reason == 0)
			return "no chain to a trusted root certificate";
		return gpgme_strerror(reason);
	}
	if (validity == GPGME_VALIDITY_NEVER)
		return "the key is marked as never valid";
	return "the key is not certified (validity unknown)";
}

/* The mapping in the comment at the top of this file. */
void
crypto_gpgme_verdict(gpgme_protocol_t proto, gpgme_sigsum_t summary,
    gpgme_error_t status, gpgme_validity_t validity,
    gpgme_error_t validity_reason, gpgme_hash_algo_t hash,
    bool wrong_key_usage, struct crypto_gpgme_verdict *v)
{
	gpg_err_code_t s = gpgme_err_code(status);
	gpg_err_code_t r = gpgme_err_code(validity_reason);

	v->trust = crypto_gpgme_trust(validity);
	if (s == GPG_ERR_BAD_SIGNATURE)
		set(v, CRYPTO_SIG_BAD, "the data does not match the signature");
	else if (s == GPG_ERR_NO_PUBKEY || (summary & GPGME_SIGSUM_KEY_MISSING))
		set(v, CRYPTO_SIG_UNKNOWN_KEY,
		    "no key or certificate to check the signature with");
	else if (s == GPG_ERR_CERT_REVOKED || r == GPG_ERR_CERT_REVOKED ||
	    (summary & GPGME_SIGSUM_KEY_REVOKED))
		set(v, CRYPTO_SIG_REVOKED, "the key or certificate is revoked");
	else if (s == GPG_ERR_KEY_EXPIRED || s == GPG_ERR_SIG_EXPIRED ||
	    s == GPG_ERR_CERT_EXPIRED || r == GPG_ERR_CERT_EXPIRED ||
	    (summary & (GPGME_SIGSUM_KEY_EXPIRED | GPGME_SIGSUM_SIG_EXPIRED)))
		set(v, CRYPTO_SIG_EXPIRED,
		    "the key, certificate or signature has expired");
	else if (crypto_gpgme_weak_hash(hash) &&
	    (s == GPG_ERR_NO_ERROR || s == GPG_ERR_DIGEST_ALGO))
		set(v, CRYPTO_SIG_WEAK, "made with a weak digest");
	else if (s != GPG_ERR_NO_ERROR)
		set(v, CRYPTO_SIG_ERROR, gpgme_strerror(status));
	else if (wrong_key_usage || (summary & (GPGME_SIGSUM_BAD_POLICY |
	    GPGME_SIGSUM_TOFU_CONFLICT)))
		set(v, CRYPTO_SIG_UNTRUSTED,
		    "the key or certificate may not make this signature");
	else if (validity < GPGME_VALIDITY_MARGINAL)
		set(v, CRYPTO_SIG_UNTRUSTED,
		    untrusted_note(proto, validity, r));
	else if (summary & (GPGME_SIGSUM_RED | GPGME_SIGSUM_SYS_ERROR))
		set(v, CRYPTO_SIG_ERROR, "the engine reported an error");
	else
		set(v, CRYPTO_SIG_GOOD, NULL);
}

/* --------------------------------------------------------- key facts */

/* The primary user ID: the first one neither revoked nor invalid. */
static const char *
primary_uid(gpgme_key_t key)
{
	gpgme_user_id_t u;

	for (u = key->uids; u != NULL; u = u->next)
		if (!u->revoked && !u->invalid && u->uid != NULL)
			return u->uid;
	return key->uids != NULL ? key->uids->uid : NULL;
}

/* The address of a user ID, lower case, or NULL. */
static char *
uid_addr(gpgme_user_id_t u)
{
	const char *a = u->address;
	char *s, *p, *clean;
	size_t n;

	if (a == NULL && u->email != NULL) {
		a = u->email;
		if (*a == '<')
			a++;
	}
	if (a == NULL || strchr(a, '@') == NULL)
		return NULL;
	n = strcspn(a, ">");
	s = xstrndup(a, n);
	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	clean = crypto_gpgme_str(s);
	free(s);
	return clean;
}

/*
 * Every address of the key's user IDs, lower case, no repeats. A revoked
 * user ID binds no address, nor does an OpenPGP one whose self-signature
 * is invalid. When the whole key is revoked (gpg then marks every user ID
 * revoked) its addresses still say whose it was; an X.509 certificate
 * whose chain did not validate (gpgsm: "invalid") still names its owner:
 * the verdict says what that is worth.
 */
char **
crypto_gpgme_addrs(gpgme_key_t key, size_t *n)
{
	gpgme_user_id_t u;
	char **v = NULL, *a;
	size_t i;

	*n = 0;
	for (u = key->uids; u != NULL; u = u->next) {
		if ((u->revoked && !key->revoked) || (u->invalid &&
		    key->protocol != GPGME_PROTOCOL_CMS) ||
		    (a = uid_addr(u)) == NULL)
			continue;
		for (i = 0; i < *n && strcmp(v[i], a) != 0; i++)
			;
		if (i < *n) {
			free(a);
			continue;
		}
		v = xreallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = a;
	}
	return v;
}

/* "RSA-3072", "ed25519". */
char *
crypto_gpgme_algo(gpgme_subkey_t sk)
{
	const char *name;
	char *s, *clean;

	if (sk == NULL)
		return NULL;
	switch (sk->pubkey_algo) {
	case GPGME_PK_RSA:
	case GPGME_PK_RSA_E:
	case GPGME_PK_RSA_S:
		return xasprintf("RSA-%u", sk->length);
	case GPGME_PK_DSA:
		return xasprintf("DSA-%u", sk->length);
	case GPGME_PK_ELG:
	case GPGME_PK_ELG_E:
		return xasprintf("ELG-%u", sk->length);
	default:
		break;
	}
	name = sk->curve != NULL ? sk->curve :
	    gpgme_pubkey_algo_name(sk->pubkey_algo);
	s = xstrdup(name != NULL ? name : "unknown");
	clean = crypto_gpgme_str(s);
	free(s);
	return clean;
}

/* The subkey that made the signature (by fingerprint or key ID). */
static gpgme_subkey_t
signing_subkey(gpgme_key_t key, const char *fpr)
{
	gpgme_subkey_t sk;

	for (sk = key->subkeys; sk != NULL; sk = sk->next)
		if ((sk->fpr != NULL && strcasecmp(sk->fpr, fpr) == 0) ||
		    (sk->keyid != NULL && strcasecmp(sk->keyid, fpr) == 0))
			return sk;
	return key->subkeys;
}

/* -------------------------------------------------------- X.509 chain */

struct chain_info {
	bool complete;		/* followed up to a self-signed root */
	bool all_dp;		/* every non-root certificate has a CRL DP */
};

/* What GPGME alone says about usage, if the certificate is unreadable. */
static char *
caps_usage(gpgme_key_t k)
{
	struct buf b = BUF_INIT;

	if (k->can_sign)
		buf_adds(&b, "sign");
	if (k->can_encrypt)
		buf_addf(&b, "%sencrypt", b.len != 0 ? ", " : "");
	if (k->can_certify)
		buf_addf(&b, "%scertify", b.len != 0 ? ", " : "");
	return b.len != 0 ? buf_detach(&b, NULL) : NULL;
}

/* Fill c from k; *has_dp: the certificate names a CRL distribution point
 * (false when it could not be read). */
static void
cert_fill(struct crypto_gpgme *g, gpgme_key_t k, struct crypto_cert *c,
    bool *has_dp)
{
	struct crypto_gpgme_x509 x;

	memset(c, 0, sizeof(*c));
	c->subject = crypto_gpgme_str(k->uids != NULL ? k->uids->uid : NULL);
	c->issuer = crypto_gpgme_str(k->issuer_name);
	c->serial = str_upper(k->issuer_serial);
	if (k->subkeys != NULL) {
		c->not_before = k->subkeys->timestamp > 0 ?
		    k->subkeys->timestamp : 0;
		c->not_after = k->subkeys->expires;
	}
	if (k->subkeys != NULL &&
	    crypto_gpgme_x509_export(g, k->subkeys->fpr, &x) == 0) {
		c->fpr_sha256 = x.fpr_sha256;
		c->key_usage = x.key_usage;
		c->ext_key_usage = x.ext_key_usage;
		c->is_ca = x.is_ca;
		*has_dp = x.has_crl_dp;
		memset(&x, 0, sizeof(x));
	} else {
		/* Capabilities only: the fingerprint stays NULL. */
		c->key_usage = caps_usage(k);
		c->is_ca = k->can_certify;
		*has_dp = false;
	}
}

static bool
is_root(gpgme_key_t k)
{
	return k->chain_id != NULL && k->subkeys != NULL &&
	    k->subkeys->fpr != NULL &&
	    strcmp(k->chain_id, k->subkeys->fpr) == 0;
}

/* The chain from the leaf up, as far as the keyring has it. */
static void
fill_chain(struct crypto_gpgme *g, gpgme_key_t leaf, struct crypto_sig *out,
    struct chain_info *ci)
{
	gpgme_key_t cur = leaf, next;
	bool has_dp;

	ci->complete = false;
	ci->all_dp = true;
	gpgme_key_ref(cur);
	while (cur != NULL && out->nchain < CHAIN_MAX) {
		out->chain = xreallocarray(out->chain, out->nchain + 1,
		    sizeof(*out->chain));
		cert_fill(g, cur, &out->chain[out->nchain++], &has_dp);
		if (is_root(cur)) {
			ci->complete = true;
			break;
		}
		if (!has_dp)
			ci->all_dp = false;
		next = cur->chain_id != NULL ?
		    crypto_gpgme_get_key(g, cur->chain_id) : NULL;
		gpgme_key_unref(cur);
		cur = next;
	}
	if (cur != NULL)
		gpgme_key_unref(cur);
}

static enum crypto_revocation
cms_revocation(struct crypto_gpgme *g, gpgme_signature_t s,
    enum crypto_sig_result res, const struct chain_info *ci)
{
	if (res == CRYPTO_SIG_REVOKED)
		return CRYPTO_REV_REVOKED;
	if (g->offline || g->crl_disabled)
		return CRYPTO_REV_NOT_CHECKED;
	if (s->summary & (GPGME_SIGSUM_CRL_MISSING | GPGME_SIGSUM_CRL_TOO_OLD))
		return CRYPTO_REV_NOT_CHECKED;
	if (gpgme_err_code(s->status) != 0 ||
	    gpgme_err_code(s->validity_reason) != 0 ||
	    s->validity < GPGME_VALIDITY_MARGINAL)
		return CRYPTO_REV_NOT_CHECKED;
	if (!ci->complete || !ci->all_dp)
		return CRYPTO_REV_NOT_CHECKED;
	return CRYPTO_REV_GOOD;
}

/* ---------------------------------------------------------- the sigs */

static void
fill_sig(struct crypto_gpgme *g, gpgme_signature_t s, struct crypto_sig *out)
{
	struct crypto_gpgme_verdict v;
	struct chain_info ci = { false, false };
	gpgme_key_t key = NULL;

	memset(out, 0, sizeof(*out));
	crypto_gpgme_verdict(g->proto, s->summary, s->status, s->validity,
	    s->validity_reason, s->hash_algo, s->wrong_key_usage, &v);
	out->result = v.result;
	out->trust = v.trust;
	out->note = crypto_gpgme_str(v.note);
	if (s->hash_algo != GPGME_MD_NONE)
		out->digest = crypto_gpgme_str(gpgme_hash_algo_name(
		    s->hash_algo));
	out->created = (int64_t)s->timestamp;
	/* No key by definition; a key ID alone could name another key. */
	if (s->fpr != NULL && v.result != CRYPTO_SIG_UNKNOWN_KEY)
		key = crypto_gpgme_get_key(g, s->fpr);
	if (key != NULL) {
		out->signer = crypto_gpgme_str(primary_uid(key));
		out->addrs = crypto_gpgme_addrs(key, &out->naddrs);
		out->pubkey_algo = crypto_gpgme_algo(signing_subkey(key,
		    s->fpr));
	} else if (s->pubkey_algo != 0) {
		out->pubkey_algo = crypto_gpgme_str(gpgme_pubkey_algo_name(
		    s->pubkey_algo));
	}
	if (g->proto == GPGME_PROTOCOL_CMS) {
		if (key != NULL)
			fill_chain(g, key, out, &ci);
		out->fpr = out->nchain > 0 && out->chain[0].fpr_sha256 != NULL ?
		    xstrdup(out->chain[0].fpr_sha256) : str_upper(s->fpr);
		out->revocation = cms_revocation(g, s, v.result, &ci);
	} else {
		out->fpr = str_upper(key != NULL && key->subkeys != NULL ?
		    key->subkeys->fpr : s->fpr);
		out->revocation = v.result == CRYPTO_SIG_REVOKED ?
		    CRYPTO_REV_REVOKED : CRYPTO_REV_NOT_CHECKED;
	}
	if (key != NULL)
		gpgme_key_unref(key);
}

/* Append one crypto_sig per signature of the last operation on g->ctx. */
int
crypto_gpgme_take_sigs(struct crypto_gpgme *g, struct crypto_result *r,
    struct cachet_err *err)
{
	gpgme_verify_result_t vr = gpgme_op_verify_result(g->ctx);
	gpgme_signature_t s;
	size_t n = 0;

	if (vr == NULL)
		return 0;
	for (s = vr->signatures; s != NULL; s = s->next)
		if (++n > SIGS_MAX)
			return cachet_err(err, CACHET_E_INVAL,
			    "more than %d signatures", SIGS_MAX);
	for (s = vr->signatures; s != NULL; s = s->next) {
		r->sigs = xreallocarray(r->sigs, r->nsigs + 1,
		    sizeof(*r->sigs));
		fill_sig(g, s, &r->sigs[r->nsigs]);
		r->nsigs++;
	}
	return 0;
}
