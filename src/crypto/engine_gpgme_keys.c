/*
 * engine_gpgme_keys: keys and certificates through GPGME: looking one up
 * by fingerprint, resolving an address to the one usable key for signing
 * or encryption, listing (validity, owner trust, dates, usage, secret
 * part, user IDs, addresses, issuer, GnuPG's idea of the origin), listing
 * what key data holds without importing it, and importing. Key look-ups
 * use the instance's second context, so that a result of the operation
 * context stays readable meanwhile.
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_gpgme_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LIST_MAX 100000	/* keys in one listing */
#define WHO_MAX 320	/* longest address accepted as a pattern */

static bool
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

/* A key ID (16), or a fingerprint (40: OpenPGP v4, X.509 SHA-1; 64). */
static bool
is_key_id(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return (n == 16 || n == 40 || n == 64) && is_hex(s, n);
}

static bool
is_fpr(const char *s)
{
	return is_key_id(s) && strlen(s) != 16;
}

/* One mailbox: local@domain, printable, no spaces or angle brackets. */
static bool
is_addr(const char *s)
{
	const char *at = strchr(s, '@');
	size_t i, n = strlen(s);

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') ||
	    n > WHO_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '<' || s[i] == '>' ||
		    s[i] == 0x7f)
			return false;
	return true;
}

static bool
key_matches(gpgme_key_t k, const char *id)
{
	gpgme_subkey_t sk;

	for (sk = k->subkeys; sk != NULL; sk = sk->next)
		if ((sk->fpr != NULL && strcasecmp(sk->fpr, id) == 0) ||
		    (strlen(id) == 16 && sk->keyid != NULL &&
		    strcasecmp(sk->keyid, id) == 0))
			return true;
	return false;
}

/*
 * The key one of whose (sub)keys has exactly this key ID or fingerprint,
 * or NULL. Unref it with gpgme_key_unref.
 */
gpgme_key_t
crypto_gpgme_get_key(struct crypto_gpgme *g, const char *id)
{
	gpgme_key_t k, found = NULL;
	gpgme_error_t ge;

	if (!is_key_id(id))
		return NULL;
	/* gpgsm keeps a signature's certificates it could not yet chain
	 * to a root as "ephemeral": they still name the signer. */
	gpgme_set_keylist_mode(g->kctx, GPGME_KEYLIST_MODE_LOCAL |
	    (g->proto == GPGME_PROTOCOL_CMS ? GPGME_KEYLIST_MODE_EPHEMERAL :
	    0));
	ge = gpgme_op_keylist_start(g->kctx, id, 0);
	while (ge == 0 && (ge = gpgme_op_keylist_next(g->kctx, &k)) == 0) {
		if (found == NULL && key_matches(k, id))
			found = k;
		else
			gpgme_key_unref(k);
	}
	gpgme_op_keylist_end(g->kctx);
	if (gpgme_err_code(ge) != GPG_ERR_EOF)
		crypto_gpgme_renew(g, &g->kctx);
	return found;
}

/* An X.509 certificate named the way cachet names it: gpgsm 2.2 cannot
 * search by SHA-256 fingerprint, so such a pattern lists and filters. */
static bool
is_cms_sha256(const struct crypto_gpgme *g, const char *s)
{
	return g->proto == GPGME_PROTOCOL_CMS && s != NULL &&
	    strlen(s) == 64 && is_hex(s, 64);
}

/* Keep the keys whose cachet fingerprint is fpr. */
static void
filter_sha256(struct crypto_gpgme *g, const char *fpr, gpgme_key_t *keys,
    size_t *n)
{
	size_t i, kept = 0;
	char *f;

	for (i = 0; i < *n; i++) {
		f = crypto_gpgme_fpr(g, keys[i]);
		if (f != NULL && strcasecmp(f, fpr) == 0)
			keys[kept++] = keys[i];
		else
			gpgme_key_unref(keys[i]);
		free(f);
	}
	*n = kept;
}

/*
 * The keys matching pattern (NULL: all), referenced; an address is
 * matched exactly. S/MIME certificates are validated (without CRL
 * fetches when offline) so that their validity means something.
 */
static int
list_into(struct crypto_gpgme *g, const char *pattern, bool secret,
    gpgme_key_t **out, size_t *n, struct cachet_err *err)
{
	gpgme_keylist_mode_t mode = GPGME_KEYLIST_MODE_LOCAL |
	    GPGME_KEYLIST_MODE_WITH_SECRET;
	gpgme_error_t ge;
	gpgme_key_t k;
	char *pat = NULL;

	*out = NULL;
	*n = 0;
	if (g->proto == GPGME_PROTOCOL_CMS)
		mode |= GPGME_KEYLIST_MODE_VALIDATE;
	if (!util_str_empty(pattern) && !is_cms_sha256(g, pattern))
		pat = is_addr(pattern) ? xasprintf("<%s>", pattern) :
		    xstrdup(pattern);
	gpgme_set_keylist_mode(g->kctx, mode);
	ge = gpgme_op_keylist_start(g->kctx, pat, secret);
	free(pat);
	while (ge == 0 && (ge = gpgme_op_keylist_next(g->kctx, &k)) == 0) {
		if (*n >= LIST_MAX) {
			gpgme_key_unref(k);
			continue;
		}
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		(*out)[(*n)++] = k;
	}
	gpgme_op_keylist_end(g->kctx);
	if (gpgme_err_code(ge) == GPG_ERR_EOF) {
		if (is_cms_sha256(g, pattern))
			filter_sha256(g, pattern, *out, n);
		return 0;
	}
	while (*n > 0)
		gpgme_key_unref((*out)[--*n]);
	FREE_AND_NULL(*out);
	crypto_gpgme_renew(g, &g->kctx);
	return crypto_gpgme_error(err, ge, "key listing");
}

static void
unref_all(gpgme_key_t *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		gpgme_key_unref(keys[i]);
	free(keys);
}

/* -------------------------------------------------------- resolving */

static bool
subkey_usable(gpgme_subkey_t sk)
{
	return !sk->revoked && !sk->expired && !sk->disabled && !sk->invalid;
}

static bool
can(gpgme_key_t k, bool signing, bool need_secret)
{
	gpgme_subkey_t sk;

	for (sk = k->subkeys; sk != NULL; sk = sk->next)
		if (subkey_usable(sk) && (signing ? sk->can_sign :
		    sk->can_encrypt) && (!need_secret || sk->secret))
			return true;
	return false;
}

/* The best validity of the key's valid user IDs with address addr
 * (any user ID when addr is NULL); -1 when there is none. */
static int
uid_validity(gpgme_key_t k, const char *addr)
{
	gpgme_user_id_t u;
	int best = -1;

	for (u = k->uids; u != NULL; u = u->next) {
		if (u->revoked || u->invalid)
			continue;
		if (addr != NULL && (u->address == NULL ||
		    strcasecmp(u->address, addr) != 0))
			continue;
		if ((int)u->validity > best)
			best = (int)u->validity;
	}
	return best;
}

/*
 * Usable for signing: a valid secret signing (sub)key, bound to the
 * address. For encryption: a valid encryption (sub)key and a user ID
 * for the address that is at least marginally valid: recipients are
 * never trusted blindly.
 */
static bool
key_usable(gpgme_key_t k, const char *addr, bool for_signing)
{
	int v;

	if (k->revoked || k->expired || k->disabled || k->invalid)
		return false;
	if (!can(k, for_signing, for_signing))
		return false;
	v = uid_validity(k, addr);
	if (v < 0)
		return false;
	return for_signing || v >= (int)GPGME_VALIDITY_MARGINAL;
}

static int
find_error(struct cachet_err *err, int code, const char *fmt,
    const char *who, bool for_signing)
{
	char *clean = crypto_gpgme_str(who);
	int rc;

	rc = cachet_err(err, code, fmt, clean, for_signing ? "signing" :
	    "encryption");
	free(clean);
	return rc;
}

/*
 * Resolve who (an address or a fingerprint) to exactly one usable key for
 * signing (secret) or encryption. None, or several, is an error naming who.
 */
int
crypto_gpgme_find(struct crypto_gpgme *g, const char *who, bool secret,
    bool for_signing, gpgme_key_t *out, struct cachet_err *err)
{
	gpgme_key_t *keys = NULL, found = NULL;
	const char *addr;
	size_t n, i, nusable = 0;
	int rc;

	*out = NULL;
	if (who == NULL || (!is_fpr(who) && !is_addr(who)))
		return find_error(err, CACHET_E_INVAL, "not an address or a "
		    "fingerprint: \"%s\" (%s)", who != NULL ? who : "",
		    for_signing);
	addr = is_addr(who) ? who : NULL;
	if ((rc = list_into(g, who, secret, &keys, &n, err)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (addr == NULL && !is_cms_sha256(g, who) &&
		    !key_matches(keys[i], who))
			continue;
		if (!key_usable(keys[i], addr, for_signing))
			continue;
		if (found == NULL || strcmp(found->subkeys->fpr,
		    keys[i]->subkeys->fpr) != 0)
			nusable++;
		if (found == NULL)
			found = keys[i];
	}
	if (found != NULL && nusable == 1)
		gpgme_key_ref(found);
	if (nusable == 0)
		rc = find_error(err, CACHET_E_NOTFOUND, n == 0 ?
		    "no key for %s (%s)" : "no valid key for %s (%s): revoked, "
		    "expired, unusable or not trusted", who, for_signing);
	else if (nusable > 1)
		rc = find_error(err, CACHET_E_INVAL, "several valid keys for "
		    "%s (%s): name one by fingerprint", who, for_signing);
	else
		*out = found;
	unref_all(keys, n);
	return rc;
}

/* ----------------------------------------------------------- listing */

/* The fingerprint cachet names a key by: OpenPGP's own; for X.509 the
 * SHA-256 of the certificate, or gpgsm's SHA-1 if it cannot be read. */
char *
crypto_gpgme_fpr(struct crypto_gpgme *g, gpgme_key_t key)
{
	struct crypto_gpgme_x509 x;
	const char *fpr = key->subkeys != NULL ? key->subkeys->fpr : NULL;
	char *s, *p;

	if (g->proto == GPGME_PROTOCOL_CMS &&
	    crypto_gpgme_x509_export(g, fpr, &x) == 0) {
		s = x.fpr_sha256;
		x.fpr_sha256 = NULL;
		crypto_gpgme_x509_release(&x);
		return s;
	}
	s = crypto_gpgme_str(fpr);
	for (p = s; p != NULL && *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	return s;
}

/* Where GnuPG says the key came from; "keyring" when it does not know. */
static const char *
key_origin(gpgme_key_t k)
{
	switch (k->origin) {
	case GPGME_KEYORG_KS:
		return "key server";
	case GPGME_KEYORG_DANE:
		return "DANE";
	case GPGME_KEYORG_WKD:
		return "WKD";
	case GPGME_KEYORG_URL:
		return "URL";
	case GPGME_KEYORG_FILE:
		return "file";
	default:
		return "keyring";
	}
}

static void
key_fill(struct crypto_gpgme *g, gpgme_key_t k, struct crypto_key *out)
{
	gpgme_user_id_t u;
	gpgme_subkey_t sk;
	int v;

	memset(out, 0, sizeof(*out));
	out->proto = g->proto == GPGME_PROTOCOL_CMS ? CRYPTO_PROTO_SMIME :
	    CRYPTO_PROTO_OPENPGP;
	out->fpr = crypto_gpgme_fpr(g, k);
	for (u = k->uids; u != NULL; u = u->next) {
		if (u->uid == NULL)
			continue;
		out->uids = xreallocarray(out->uids, out->nuids + 1,
		    sizeof(*out->uids));
		out->uids[out->nuids++] = crypto_gpgme_str(u->uid);
	}
	out->addrs = crypto_gpgme_addrs(k, &out->naddrs);
	v = uid_validity(k, NULL);
	out->validity = crypto_gpgme_trust(v < 0 ? GPGME_VALIDITY_UNKNOWN :
	    (gpgme_validity_t)v);
	if (g->proto == GPGME_PROTOCOL_OpenPGP)
		out->owner_trust = crypto_gpgme_trust(k->owner_trust);
	if (k->subkeys != NULL) {
		out->created = k->subkeys->timestamp > 0 ?
		    k->subkeys->timestamp : 0;
		out->expires = k->subkeys->expires;
	}
	out->revoked = k->revoked;
	out->expired = k->expired;
	out->can_sign = can(k, true, false);
	out->can_encrypt = can(k, false, false);
	out->has_secret = k->secret;
	for (sk = k->subkeys; sk != NULL; sk = sk->next)
		out->has_secret = out->has_secret || sk->secret;
	if (g->proto == GPGME_PROTOCOL_CMS)
		out->issuer = crypto_gpgme_str(k->issuer_name);
	out->origin = xstrdup(key_origin(k));
}

static void
keys_out(struct crypto_gpgme *g, gpgme_key_t *keys, size_t nk,
    struct crypto_key **out, size_t *n)
{
	size_t i;

	*out = nk != 0 ? xcalloc(nk, sizeof(**out)) : NULL;
	for (i = 0; i < nk; i++)
		key_fill(g, keys[i], &(*out)[i]);
	*n = nk;
}

int
crypto_gpgme_list_keys(struct crypto_engine *e, const char *pattern,
    bool secret, struct crypto_key **out, size_t *n, struct cachet_err *err)
{
	struct crypto_gpgme *g = e->priv;
	gpgme_key_t *keys;
	size_t nk;
	int rc;

	if (out == NULL || n == NULL)
		return cachet_err(err, CACHET_E_INVAL, "list keys: no output");
	*out = NULL;
	*n = 0;
	if ((rc = list_into(g, pattern, secret, &keys, &nk, err)) != 0)
		return rc;
	keys_out(g, keys, nk, out, n);
	unref_all(keys, nk);
	return 0;
}

/*
 * The OpenPGP keys data[0..len) holds, without importing them (gpg's
 * --import-options show-only underneath). Validity and owner trust are
 * unknown: nothing about them is in the keyring.
 */
int
crypto_gpgme_scan_keys(struct crypto_engine *e, const char *data,
    size_t len, struct crypto_key **out, size_t *n, struct cachet_err *err)
{
	struct crypto_gpgme *g = e->priv;
	gpgme_key_t *keys = NULL, k;
	gpgme_data_t d;
	gpgme_error_t ge;
	size_t nk = 0;

	if (out == NULL || n == NULL || data == NULL || len == 0)
		return cachet_err(err, CACHET_E_INVAL, "scan: no data");
	*out = NULL;
	*n = 0;
	if (g->proto != GPGME_PROTOCOL_OpenPGP)
		return cachet_err(err, CACHET_E_INVAL,
		    "scan: OpenPGP only");
	if ((d = crypto_gpgme_data_mem(data, len)) == NULL)
		return cachet_err(err, CACHET_E_CMD, "gpgme: no data object");
	gpgme_set_keylist_mode(g->kctx, GPGME_KEYLIST_MODE_LOCAL);
	ge = gpgme_op_keylist_from_data_start(g->kctx, d, 0);
	while (ge == 0 && (ge = gpgme_op_keylist_next(g->kctx, &k)) == 0) {
		if (nk >= LIST_MAX) {
			gpgme_key_unref(k);
			continue;
		}
		keys = xreallocarray(keys, nk + 1, sizeof(*keys));
		keys[nk++] = k;
	}
	gpgme_op_keylist_end(g->kctx);
	gpgme_data_release(d);
	if (gpgme_err_code(ge) != GPG_ERR_EOF) {
		unref_all(keys, nk);
		crypto_gpgme_renew(g, &g->kctx);
		return crypto_gpgme_error(err, ge, "reading keys");
	}
	keys_out(g, keys, nk, out, n);
	unref_all(keys, nk);
	return 0;
}

/* ---------------------------------------------------------- importing */

/* Fingerprints of the keys the import took or already had. */
static char **
import_fprs(gpgme_import_result_t res, size_t *n)
{
	gpgme_import_status_t st;
	char **v = NULL;
	size_t i;

	*n = 0;
	for (st = res->imports; st != NULL; st = st->next) {
		if (st->fpr == NULL || gpgme_err_code(st->result) != 0 ||
		    !is_key_id(st->fpr))
			continue;
		for (i = 0; i < *n && strcasecmp(v[i], st->fpr) != 0; i++)
			;
		if (i < *n)
			continue;
		v = xreallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = xstrdup(st->fpr);
	}
	return v;
}

static int
import_result(struct crypto_gpgme *g, char ***fprs, size_t *nf,
    struct cachet_err *err)
{
	gpgme_import_result_t res = gpgme_op_import_result(g->ctx);
	gpgme_error_t why;

	if (res == NULL || res->considered == 0)
		return cachet_err(err, CACHET_E_INVAL,
		    "import: no key or certificate found");
	*fprs = import_fprs(res, nf);
	if (*nf != 0)
		return 0;
	why = res->imports != NULL ? res->imports->result : 0;
	return cachet_err(err, CACHET_E_INVAL, "import: nothing imported%s%s",
	    why != 0 ? ": " : "", why != 0 ? gpgme_strerror(why) : "");
}

/* The keys now in the keyring with these fingerprints. */
static void
import_keys(struct crypto_gpgme *g, char **fprs, size_t nf,
    struct crypto_key **out, size_t *n)
{
	gpgme_key_t *all = NULL, *keys;
	size_t i, nk, nall = 0;

	for (i = 0; i < nf; i++) {
		if (list_into(g, fprs[i], false, &keys, &nk, NULL) != 0)
			continue;
		all = xreallocarray(all, nall + nk, sizeof(*all));
		memcpy(all + nall, keys, nk * sizeof(*keys));
		nall += nk;
		free(keys);
	}
	keys_out(g, all, nall, out, n);
	unref_all(all, nall);
}

int
crypto_gpgme_import(struct crypto_engine *e, const char *data, size_t len,
    struct crypto_key **out, size_t *n, struct cachet_err *err)
{
	struct crypto_gpgme *g = e->priv;
	gpgme_data_t d;
	gpgme_error_t ge;
	char **fprs = NULL;
	size_t i, nf = 0;
	int rc;

	if (out == NULL || n == NULL || data == NULL || len == 0)
		return cachet_err(err, CACHET_E_INVAL, "import: no data");
	*out = NULL;
	*n = 0;
	if ((rc = crypto_gpgme_prepare(g, err)) != 0)
		return rc;
	if ((d = crypto_gpgme_data_mem(data, len)) == NULL)
		return cachet_err(err, CACHET_E_CMD, "gpgme: no data object");
	ge = gpgme_op_import(g->ctx, d);
	gpgme_data_release(d);
	if (ge != 0) {
		crypto_gpgme_renew(g, &g->ctx);
		return crypto_gpgme_op_error(g, err, ge, "import");
	}
	if ((rc = import_result(g, &fprs, &nf, err)) != 0)
		return rc;
	import_keys(g, fprs, nf, out, n);
	for (i = 0; i < nf; i++)
		free(fprs[i]);
	free(fprs);
	return 0;
}
