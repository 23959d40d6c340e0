/*
 * engine_gpgme_unlock: passphrase-protected S/MIME keys, unlocked in
 * gpg-agent before gpgsm needs them. GPGME cannot relay gpgsm's
 * passphrase inquiries, and gpgsm would have the agent start a pinentry
 * of its own (which fails, or draws over the UI). So before a CMS
 * operation that needs a secret key, when the instance has a passphrase
 * callback, cachet talks to the agent itself (engine_gpgme_agent.c):
 * KEYINFO says whether the key is protected and whether its passphrase
 * is cached; if it is protected and not cached, the callback is asked
 * once and the answer handed to the agent while it makes a signature
 * with the key that is thrown away. An agent that unprotects a key
 * caches its passphrase, and KEYINFO must then say so, or gpgsm does not
 * run at all.
 * The keys: the signer's; for decryption, the first of the user's secret
 * certificates that the message's RecipientInfos name, in their order
 * (the order gpgsm tries them in). The message is read with OpenSSL;
 * anything it cannot read means nothing to unlock.
 * One answer per operation, as gpg asks in loopback mode: the caller runs
 * the operation again after a wrong passphrase.
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_gpgme_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#define UNLOCK_CERTS_MAX 64	/* secret certificates compared */
#define UNLOCK_HINT_MAX 200	/* bytes of a prompt's hint */
#define UNLOCK_GRIP_LEN 40

static bool
wanted(const struct crypto_gpgme *g)
{
	return g->proto == GPGME_PROTOCOL_CMS && g->passphrase != NULL;
}

static bool
is_grip(const char *s)
{
	return s != NULL && strlen(s) == UNLOCK_GRIP_LEN &&
	    strspn(s, "0123456789ABCDEFabcdef") == UNLOCK_GRIP_LEN;
}

/* ------------------------------------------------------------ unlock */

/* A certificate of the keyring, from gpgsm's DER export. */
static X509 *
export_cert(struct crypto_gpgme *g, const char *fpr)
{
	const unsigned char *p;
	gpgme_data_t d = NULL;
	X509 *cert = NULL;
	size_t n = 0;
	char *der;

	if (fpr == NULL || gpgme_data_new(&d) != 0)
		return NULL;
	if (gpgme_op_export(g->kctx, fpr, 0, d) != 0) {
		gpgme_data_release(d);
		crypto_gpgme_renew(g, &g->kctx);
		return NULL;
	}
	der = gpgme_data_release_and_get_mem(d, &n);
	p = (const unsigned char *)der;
	if (der != NULL && n != 0 && n < LONG_MAX)
		cert = d2i_X509(NULL, &p, (long)n);
	gpgme_free(der);
	return cert;
}

/* The certificate's common name (UTF-8), or NULL. */
static char *
cert_cn(X509 *cert)
{
	X509_NAME *name = cert != NULL ? X509_get_subject_name(cert) : NULL;
	unsigned char *utf8 = NULL;
	char *cn = NULL;
	int i, n;

	if (name == NULL ||
	    (i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0)
		return NULL;
	n = ASN1_STRING_to_UTF8(&utf8,
	    X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n > 0)
		cn = xstrndup((const char *)utf8, (size_t)n);
	OPENSSL_free(utf8);
	return cn;
}

/* "Pw <pw@example.test>" for a certificate, sanitised, cut short. */
static char *
key_hint(struct crypto_gpgme *g, gpgme_key_t key)
{
	X509 *cert = export_cert(g, key->subkeys != NULL ? key->subkeys->fpr :
	    NULL);
	char **addrs, *cn = cert_cn(cert), *s, *hint;
	size_t n = 0, i;

	X509_free(cert);
	addrs = crypto_gpgme_addrs(key, &n);
	if (cn != NULL && n > 0)
		s = xasprintf("%s <%s>", cn, addrs[0]);
	else
		s = xstrdup(cn != NULL ? cn : n > 0 ? addrs[0] :
		    key->uids != NULL && key->uids->uid != NULL ?
		    key->uids->uid : "the S/MIME key");
	for (i = 0; i < n; i++)
		free(addrs[i]);
	free(addrs);
	free(cn);
	hint = crypto_gpgme_str(s);
	free(s);
	if (strlen(hint) > UNLOCK_HINT_MAX) {
		i = UNLOCK_HINT_MAX;
		while (i > 0 && ((unsigned char)hint[i] & 0xc0) == 0x80)
			i--;
		hint[i] = '\0';
	}
	return hint;
}

/*
 * The key is still not cached after a passphrase was tried. If the agent
 * took it (ge 0) but keeps none, gpgsm would need it again: that will not
 * change, so the instance stops asking.
 */
static int
still_locked(struct crypto_gpgme *g, gpgme_error_t ge, bool answered,
    const char *what, const char *hint, struct cachet_err *err)
{
	if (g->agent_nocache || (answered && ge == 0)) {
		g->agent_nocache = true;
		return cachet_err(err, CACHET_E_AUTH, "%s: gpg-agent keeps no "
		    "passphrase in its cache (default-cache-ttl 0), and gpgsm "
		    "needs it there to use the key of %s", what, hint);
	}
	if (ge != 0)
		return cachet_err(err, CACHET_E_AUTH, "%s: gpg-agent cannot "
		    "unlock the key of %s: %s", what, hint,
		    gpgme_strerror(ge));
	return cachet_err(err, CACHET_E_AUTH, "%s: the key of %s is still "
	    "locked in gpg-agent", what, hint);
}

/* Make sure key's passphrase is cached in the agent, asking for it. */
static int
unlock_key(struct crypto_gpgme *g, gpgme_ctx_t agent, gpgme_key_t key,
    const char *what, struct cachet_err *err)
{
	const char *grip = key->subkeys != NULL ? key->subkeys->keygrip : NULL;
	struct crypto_gpgme_agent_keyinfo k;
	struct crypto_gpgme_agent_ask a;
	gpgme_error_t ge;
	gpg_err_code_t c;
	char *hint;
	int rc;

	if (!is_grip(grip))
		return cachet_err(err, CACHET_E_CMD, "%s: gpgsm names no "
		    "keygrip for the key", what);
	if ((rc = crypto_gpgme_agent_keyinfo(agent, grip, &k, err)) != 0 ||
	    !k.found || !k.protected || k.cached)
		return rc;
	hint = key_hint(g, key);
	if (g->agent_nocache) {
		rc = still_locked(g, 0, false, what, hint, err);
		free(hint);
		return rc;
	}
	ge = crypto_gpgme_agent_sign(g, agent, grip, hint, &a);
	c = gpgme_err_code(ge);
	if (a.refused)
		rc = cachet_err(err, CACHET_E_AUTH, "%s: no passphrase given "
		    "for %s (cancelled)", what, hint);
	else if (a.answered && (c == GPG_ERR_BAD_PASSPHRASE ||
	    c == GPG_ERR_NO_PASSPHRASE))
		rc = cachet_err(err, CACHET_E_AUTH, "%s: wrong passphrase for "
		    "%s", what, hint);
	else if ((rc = crypto_gpgme_agent_keyinfo(agent, grip, &k,
	    err)) == 0 && !k.cached)
		rc = still_locked(g, ge, a.answered, what, hint, err);
	free(hint);
	return rc;
}

static int
unlock_one(struct crypto_gpgme *g, gpgme_key_t key, const char *what,
    struct cachet_err *err)
{
	gpgme_ctx_t agent = NULL;
	int rc;

	if ((rc = crypto_gpgme_agent_open(g, what, &agent, err)) != 0)
		return rc;
	rc = unlock_key(g, agent, key, what, err);
	gpgme_release(agent);
	return rc;
}

int
crypto_gpgme_unlock_signer(struct crypto_gpgme *g, struct cachet_err *err)
{
	gpgme_key_t key;
	int rc;

	if (!wanted(g) || (key = gpgme_signers_enum(g->ctx, 0)) == NULL)
		return 0;
	rc = unlock_one(g, key, "sign", err);
	gpgme_key_unref(key);
	return rc;
}

/* ---------------------------------------------------------- decrypt */

/* A CMS object (DER, as the MIME layer hands it over), or NULL. */
static CMS_ContentInfo *
cms_parse(const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *)data;

	if (len > LONG_MAX)
		return NULL;
	return d2i_CMS_ContentInfo(NULL, &p, (long)len);
}

/* Does this RecipientInfo name cert? */
static bool
names(CMS_RecipientInfo *ri, X509 *cert)
{
	STACK_OF(CMS_RecipientEncryptedKey) *reks;
	int i;

	switch (CMS_RecipientInfo_type(ri)) {
	case CMS_RECIPINFO_TRANS:
		return CMS_RecipientInfo_ktri_cert_cmp(ri, cert) == 0;
	case CMS_RECIPINFO_AGREE:
		reks = CMS_RecipientInfo_kari_get0_reks(ri);
		for (i = 0; i < sk_CMS_RecipientEncryptedKey_num(reks); i++)
			if (CMS_RecipientEncryptedKey_cert_cmp(
			    sk_CMS_RecipientEncryptedKey_value(reks, i),
			    cert) == 0)
				return true;
		return false;
	default:
		return false;
	}
}

/* One listing of the secret certificates; false if it failed. */
static bool
list_own(struct crypto_gpgme *g, gpgme_key_t *keys, size_t max, size_t *n)
{
	gpgme_error_t ge;
	gpgme_key_t k;

	*n = 0;
	gpgme_set_keylist_mode(g->kctx, GPGME_KEYLIST_MODE_LOCAL);
	ge = gpgme_op_keylist_start(g->kctx, NULL, 1);
	while (ge == 0 && (ge = gpgme_op_keylist_next(g->kctx, &k)) == 0) {
		if (*n < max && k->subkeys != NULL && k->subkeys->fpr != NULL)
			keys[(*n)++] = k;
		else
			gpgme_key_unref(k);
	}
	gpgme_op_keylist_end(g->kctx);
	if (gpgme_err_code(ge) == GPG_ERR_EOF)
		return true;
	crypto_gpgme_renew(g, &g->kctx);
	return false;
}

/*
 * The user's secret certificates (gpgsm's listing), at most max. A
 * listing that failed (gpgsm lost its agent, say) is tried once more on
 * a fresh context: an empty answer would leave a locked key unnoticed.
 */
static size_t
own_keys(struct crypto_gpgme *g, gpgme_key_t *keys, size_t max)
{
	size_t n, i;

	if (list_own(g, keys, max, &n))
		return n;
	for (i = 0; i < n; i++)
		gpgme_key_unref(keys[i]);
	list_own(g, keys, max, &n);
	return n;
}

/* The first secret certificate, in the recipients' order, named. */
static gpgme_key_t
first_own(struct crypto_gpgme *g, STACK_OF(CMS_RecipientInfo) *ris)
{
	gpgme_key_t keys[UNLOCK_CERTS_MAX], found = NULL;
	X509 *certs[UNLOCK_CERTS_MAX];
	size_t n, i;
	int r;

	n = own_keys(g, keys, UNLOCK_CERTS_MAX);
	for (i = 0; i < n; i++)
		certs[i] = export_cert(g, keys[i]->subkeys->fpr);
	for (r = 0; found == NULL && r < sk_CMS_RecipientInfo_num(ris); r++)
		for (i = 0; found == NULL && i < n; i++)
			if (certs[i] != NULL && names(
			    sk_CMS_RecipientInfo_value(ris, r), certs[i]))
				found = keys[i];
	for (i = 0; i < n; i++) {
		X509_free(certs[i]);
		if (keys[i] != found)
			gpgme_key_unref(keys[i]);
	}
	return found;
}

/* Is any of the user's secret certificates locked in the agent? */
static bool
any_locked(struct crypto_gpgme *g)
{
	gpgme_key_t keys[UNLOCK_CERTS_MAX];
	struct crypto_gpgme_agent_keyinfo k;
	gpgme_ctx_t agent = NULL;
	bool locked = false;
	size_t n, i;

	n = own_keys(g, keys, UNLOCK_CERTS_MAX);
	if (n > 0 && crypto_gpgme_agent_open(g, "decrypt", &agent, NULL) != 0)
		locked = true;	/* cannot tell: count it as locked */
	for (i = 0; i < n; i++) {
		const char *grip = keys[i]->subkeys->keygrip;

		if (!locked && is_grip(grip) &&
		    crypto_gpgme_agent_keyinfo(agent, grip, &k, NULL) == 0 &&
		    k.found && k.protected && !k.cached)
			locked = true;
		gpgme_key_unref(keys[i]);
	}
	if (agent != NULL)
		gpgme_release(agent);
	return locked;
}

int
crypto_gpgme_unlock_recipient(struct crypto_gpgme *g, const char *data,
    size_t len, struct cachet_err *err)
{
	STACK_OF(CMS_RecipientInfo) *ris = NULL;
	CMS_ContentInfo *cms;
	gpgme_key_t key = NULL;
	int rc;

	if (!wanted(g) || data == NULL || len == 0)
		return 0;
	if ((cms = cms_parse(data, len)) != NULL &&
	    (ris = CMS_get0_RecipientInfos(cms)) != NULL)
		key = first_own(g, ris);
	CMS_ContentInfo_free(cms);
	/* Leave no parse errors behind for the thread's next OpenSSL user. */
	ERR_clear_error();
	/*
	 * Unreadable here: which key gpgsm would need is unknown, and a
	 * locked one would have gpg-agent start its own pinentry. Only when
	 * none is locked may gpgsm try.
	 */
	if (ris == NULL && any_locked(g))
		return cachet_err(err, CACHET_E_INVAL, "decrypt: the message's "
		    "recipients cannot be read, and an S/MIME key is locked: "
		    "nothing was asked or tried");
	if (key == NULL)
		return 0;
	rc = unlock_one(g, key, "decrypt", err);
	gpgme_key_unref(key);
	return rc;
}
