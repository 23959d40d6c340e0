/*
 * engine_gpgme: the GPGME engine, serving OpenPGP (gpg) and S/MIME (gpgsm,
 * GPGME's CMS protocol) through the same code. This file opens and closes
 * instances, sets up the GPGME contexts (home directory, loopback pinentry
 * with the UI's passphrase callback for OpenPGP, offline mode, armour) and
 * runs the verify and decrypt operations; engine_gpgme_sig.c turns their
 * results into cachet's, engine_gpgme_keys.c and engine_gpgme_out.c do
 * keys, signing and encryption, engine_gpgme_x509.c reads what GPGME does
 * not say about certificates, engine_gpgme_unlock.c unlocks protected
 * S/MIME keys in gpg-agent (asking the UI) before gpgsm needs them.
 * On any decryption or integrity failure every byte produced so far is
 * wiped and freed (engine_gpgme_data.c), never returned.
 * Runs on any thread; one instance belongs to one thread.
 */
#include "crypto/engine_gpgme_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Longest passphrase the UI may hand back, NUL included. */
#define PASS_MAX 1024

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static const char *init_version;	/* NULL: GPGME too old */

static void
init_gpgme(void)
{
	/* Also makes GPGME ignore SIGPIPE from its child processes. */
	init_version = gpgme_check_version("1.13.0");
}

/*
 * Map a GPGME error to a cachet code with a message:
 *	no secret key				CACHET_E_NOTFOUND
 *	passphrase refused or cancelled		CACHET_E_AUTH
 *	damaged, unsupported or unprotected data CACHET_E_INVAL
 *	anything else (gpg, gpgsm, the agent)	CACHET_E_CMD
 */
int
crypto_gpgme_error(struct cachet_err *err, gpgme_error_t ge, const char *what)
{
	int code;

	switch (gpgme_err_code(ge)) {
	case GPG_ERR_NO_SECKEY:
		code = CACHET_E_NOTFOUND;
		break;
	case GPG_ERR_CANCELED:
	case GPG_ERR_FULLY_CANCELED:
	case GPG_ERR_BAD_PASSPHRASE:
	case GPG_ERR_NO_PASSPHRASE:
	case GPG_ERR_NO_PIN_ENTRY:
	case GPG_ERR_PIN_ENTRY:
		code = CACHET_E_AUTH;
		break;
	case GPG_ERR_NO_DATA:
	case GPG_ERR_EOF:
	case GPG_ERR_BAD_BER:
	case GPG_ERR_INV_OBJ:
	case GPG_ERR_INV_CERT_OBJ:
	case GPG_ERR_INV_PACKET:
	case GPG_ERR_INV_ARMOR:
	case GPG_ERR_BAD_DATA:
	case GPG_ERR_INV_DATA:
	case GPG_ERR_DECRYPT_FAILED:
	case GPG_ERR_UNSUPPORTED_ALGORITHM:
	case GPG_ERR_CIPHER_ALGO:
	case GPG_ERR_DIGEST_ALGO:
	case GPG_ERR_CONFLICT:
	case GPG_ERR_INV_VALUE:
	case GPG_ERR_TOO_LARGE:
		code = CACHET_E_INVAL;
		break;
	default:
		code = CACHET_E_CMD;
		break;
	}
	return cachet_err(err, code, "%s: %s", what, gpgme_strerror(ge));
}

/*
 * The same for an operation that may need a secret key: gpgsm, to which
 * GPGME passes no pinentry mode (see ctx_new), has gpg-agent run its own
 * pinentry, which fails without a terminal or display. With a passphrase
 * callback the key was unlocked beforehand (engine_gpgme_unlock.c), so
 * this is met without one (an instance opened with no callback), or when
 * the agent forgot the passphrase in between.
 */
int
crypto_gpgme_op_error(struct crypto_gpgme *g, struct cachet_err *err,
    gpgme_error_t ge, const char *what)
{
	gpg_err_code_t c = gpgme_err_code(ge);

	if (g->proto == GPGME_PROTOCOL_CMS && (c == GPG_ERR_ENOTTY ||
	    c == GPG_ERR_NO_PIN_ENTRY || c == GPG_ERR_PIN_ENTRY ||
	    c == GPG_ERR_NO_PASSPHRASE))
		return cachet_err(err, CACHET_E_AUTH, "%s: the S/MIME key is "
		    "protected by a passphrase, which gpgsm cannot ask for "
		    "%s: unlock it in gpg-agent first, or use the openssl "
		    "engine", what, g->passphrase == NULL ? "without a prompt" :
		    "here");
	return crypto_gpgme_error(err, ge, what);
}

/* -------------------------------------------------------- passphrase */

static gpgme_error_t
passphrase_cb(void *hook, const char *uid_hint, const char *info,
    int prev_was_bad, int fd)
{
	struct crypto_gpgme *g = hook;
	char buf[PASS_MAX], *hint, *who;
	size_t n;
	int rc;

	if (g->passphrase == NULL)
		return gpg_error(GPG_ERR_CANCELED);
	who = crypto_gpgme_str(uid_hint != NULL ? uid_hint : "");
	hint = xasprintf("%s%s", prev_was_bad ? "wrong passphrase; again: " :
	    "", who);
	free(who);
	memset(buf, 0, sizeof(buf));
	rc = g->passphrase(g->passphrase_ctx, hint, buf, sizeof(buf));
	free(hint);
	buf[sizeof(buf) - 1] = '\0';
	/* The agent reads one line: a newline would cut the passphrase. */
	n = strcspn(buf, "\r\n");
	if (rc == 0 && (gpgme_io_writen(fd, buf, n) != 0 ||
	    gpgme_io_writen(fd, "\n", 1) != 0))
		rc = -1;
	explicit_bzero(buf, sizeof(buf));
	return rc == 0 ? 0 : gpg_error(GPG_ERR_CANCELED);
}

/* ------------------------------------------------------------- setup */

static int
ctx_new(struct crypto_gpgme *g, bool armor, gpgme_ctx_t *out,
    struct cachet_err *err)
{
	gpgme_ctx_t c = NULL;
	gpgme_error_t ge;

	*out = NULL;
	ge = gpgme_new(&c);
	if (ge == 0)
		ge = gpgme_set_protocol(c, g->proto);
	if (ge == 0 && g->home != NULL)
		ge = gpgme_ctx_set_engine_info(c, g->proto, NULL, g->home);
	if (ge == 0)
		ge = gpgme_set_pinentry_mode(c, GPGME_PINENTRY_MODE_LOOPBACK);
	if (ge != 0) {
		gpgme_release(c);
		return crypto_gpgme_error(err, ge, g->proto ==
		    GPGME_PROTOCOL_CMS ? "gpgsm" : "gpg");
	}
	/*
	 * GPGME 1.18 cannot relay gpgsm's passphrase inquiries: with a
	 * callback set, every CMS operation that could need one fails with
	 * "Not implemented". Nor does it hand gpgsm the pinentry mode, so
	 * gpg-agent uses its own pinentry for gpgsm (a protected key, or
	 * "trust this root certificate?" when a chain ends at an unknown
	 * root). So the CMS context gets no callback; instead, before
	 * signing or decrypting, engine_gpgme_unlock.c asks the agent
	 * directly (loopback, with the instance's callback) to unlock the
	 * keys the operation needs, which leaves their passphrases in the
	 * agent's cache for gpgsm, and refuses to start gpgsm while one is
	 * still locked. Without a callback the key must be unprotected or
	 * unlocked beforehand; "pinentry-mode loopback" in gpgsm.conf and
	 * "no-allow-mark-trusted" in gpg-agent.conf keep the agent from
	 * prompting at all.
	 */
	if (g->proto == GPGME_PROTOCOL_OpenPGP)
		gpgme_set_passphrase_cb(c, passphrase_cb, g);
	gpgme_set_offline(c, g->offline);
	gpgme_set_armor(c, armor);
	gpgme_set_textmode(c, 0);
	*out = c;
	return 0;
}

/*
 * Replace a context after a failed operation: gpgsm's session can be left
 * where every later command fails ("Invalid value passed to IPC"). If no
 * new context can be had, the old one stays.
 */
void
crypto_gpgme_renew(struct crypto_gpgme *g, gpgme_ctx_t *which)
{
	gpgme_ctx_t fresh;

	if (ctx_new(g, which == &g->ctx && g->proto == GPGME_PROTOCOL_OpenPGP,
	    &fresh, NULL) != 0)
		return;
	gpgme_release(*which);
	*which = fresh;
}

/* Is option `name` of gpgsm's configuration set? */
static bool
conf_flag(gpgme_conf_comp_t comp, const char *name)
{
	gpgme_conf_opt_t o;

	for (o = comp->options; o != NULL; o = o->next)
		if (o->name != NULL && strcmp(o->name, name) == 0)
			return o->value != NULL;
	return false;
}

/*
 * Does gpgsm's own configuration turn CRL checks off (disable-crl-checks,
 * or disable-dirmngr, which implies it)? Unknown counts as yes, so that a
 * revocation status is never claimed without a check.
 */
static bool
cms_crl_disabled(const struct crypto_gpgme *g)
{
	gpgme_conf_comp_t conf = NULL, comp;
	gpgme_ctx_t c = NULL;
	bool off = true;

	if (gpgme_new(&c) != 0)
		return true;
	if (gpgme_set_protocol(c, GPGME_PROTOCOL_GPGCONF) == 0 &&
	    (g->home == NULL || gpgme_ctx_set_engine_info(c,
	    GPGME_PROTOCOL_GPGCONF, NULL, g->home) == 0) &&
	    gpgme_op_conf_load(c, &conf) == 0) {
		for (comp = conf; comp != NULL; comp = comp->next)
			if (comp->name != NULL &&
			    strcmp(comp->name, "gpgsm") == 0)
				off = conf_flag(comp, "disable-crl-checks") ||
				    conf_flag(comp, "disable-dirmngr");
	}
	gpgme_conf_release(conf);
	gpgme_release(c);
	return off;
}

static void
gme_free(struct crypto_gpgme *g)
{
	if (g == NULL)
		return;
	if (g->ctx != NULL)
		gpgme_release(g->ctx);
	if (g->kctx != NULL)
		gpgme_release(g->kctx);
	free(g->home);
	free(g->agent_socket);
	free(g);
}

static int
gme_open(struct crypto_engine **out, enum crypto_proto proto,
    const struct crypto_engine_opts *opts, struct cachet_err *err)
{
	struct crypto_gpgme *g;
	struct crypto_engine *e;
	int rc;

	*out = NULL;
	pthread_once(&init_once, init_gpgme);
	if (init_version == NULL)
		return cachet_err(err, CACHET_E_CMD,
		    "GPGME %s is too old (1.13 or newer needed)",
		    gpgme_check_version(NULL));
	if (proto != CRYPTO_PROTO_OPENPGP && proto != CRYPTO_PROTO_SMIME)
		return cachet_err(err, CACHET_E_INVAL,
		    "gpgme: no such protocol");
	g = xcalloc(1, sizeof(*g));
	g->proto = proto == CRYPTO_PROTO_SMIME ? GPGME_PROTOCOL_CMS :
	    GPGME_PROTOCOL_OpenPGP;
	g->home = opts != NULL && !util_str_empty(opts->gnupg_home) ?
	    xstrdup(opts->gnupg_home) : NULL;
	g->offline = opts == NULL || !opts->allow_network;
	if (opts != NULL) {
		g->passphrase = opts->passphrase;
		g->passphrase_ctx = opts->passphrase_ctx;
	}
	rc = ctx_new(g, g->proto == GPGME_PROTOCOL_OpenPGP, &g->ctx, err);
	if (rc == 0)
		rc = ctx_new(g, false, &g->kctx, err);
	if (rc != 0) {
		gme_free(g);
		return rc;
	}
	if (g->proto == GPGME_PROTOCOL_CMS && !g->offline)
		g->crl_disabled = cms_crl_disabled(g);
	e = xcalloc(1, sizeof(*e));
	e->ops = &crypto_engine_gpgme;
	e->proto = proto;
	e->priv = g;
	*out = e;
	return 0;
}

/* Frees the instance itself too (crypto_engine_close calls this). */
static void
gme_close(struct crypto_engine *e)
{
	if (e == NULL)
		return;
	gme_free(e->priv);
	free(e);
}

/*
 * Before each operation. gpgsm checks CRLs during verification whatever
 * GPGME's offline flag says; only its session option "offline" stops that,
 * and GPGME sends that option with every key listing, on the gpgsm server
 * the context keeps for its next operations. So an offline S/MIME
 * instance lists nothing first, and gpgsm then skips CRL fetches (and
 * checks: the revocation status says "not checked").
 */
static gpgme_error_t
list_nothing(gpgme_ctx_t c)
{
	gpgme_key_t key;
	gpgme_error_t ge;

	gpgme_set_keylist_mode(c, GPGME_KEYLIST_MODE_LOCAL);
	ge = gpgme_op_keylist_start(c,
	    "0000000000000000000000000000000000000000", 0);
	while (ge == 0 && (ge = gpgme_op_keylist_next(c, &key)) == 0)
		gpgme_key_unref(key);
	gpgme_op_keylist_end(c);
	return gpgme_err_code(ge) == GPG_ERR_EOF ? 0 : ge;
}

int
crypto_gpgme_prepare(struct crypto_gpgme *g, struct cachet_err *err)
{
	gpgme_error_t ge;

	if (g->proto != GPGME_PROTOCOL_CMS || !g->offline)
		return 0;
	if ((ge = list_nothing(g->ctx)) != 0) {
		crypto_gpgme_renew(g, &g->ctx);
		ge = list_nothing(g->ctx);
	}
	if (ge != 0)
		return crypto_gpgme_error(err, ge, "gpgsm");
	return 0;
}

/* ------------------------------------------------------------ verify */

static struct crypto_gpgme *
priv(struct crypto_engine *e)
{
	return e->priv;
}

static int
no_sigs(struct crypto_result *r, struct cachet_err *err)
{
	if (r->nsigs != 0)
		return 0;
	return cachet_err(err, CACHET_E_INVAL, "no signature found");
}

static int
gme_verify_detached(struct crypto_engine *e, const char *data, size_t len,
    const char *sig, size_t siglen, struct crypto_result *r,
    struct cachet_err *err)
{
	struct crypto_gpgme *g = priv(e);
	gpgme_data_t dsig = NULL, dtext = NULL;
	gpgme_error_t ge;
	int rc;

	if (r == NULL || sig == NULL || siglen == 0 || (data == NULL &&
	    len != 0))
		return cachet_err(err, CACHET_E_INVAL, "verify: no signature");
	if ((rc = crypto_gpgme_prepare(g, err)) != 0)
		return rc;
	dsig = crypto_gpgme_data_mem(sig, siglen);
	dtext = crypto_gpgme_data_mem(data, len);
	if (dsig == NULL || dtext == NULL)
		rc = cachet_err(err, CACHET_E_CMD, "gpgme: no data object");
	else if ((ge = gpgme_op_verify(g->ctx, dsig, dtext, NULL)) != 0) {
		crypto_gpgme_renew(g, &g->ctx);
		rc = gpgme_err_code(ge) == GPG_ERR_CONFLICT ?
		    cachet_err(err, CACHET_E_INVAL, "the detached signature "
		    "carries content of its own") :
		    crypto_gpgme_error(err, ge, "verify");
	} else if ((rc = crypto_gpgme_take_sigs(g, r, err)) == 0)
		rc = no_sigs(r, err);
	gpgme_data_release(dsig);
	gpgme_data_release(dtext);
	return rc;
}

static int
gme_verify_opaque(struct crypto_engine *e, const char *data, size_t len,
    struct crypto_result *r, struct cachet_err *err)
{
	struct crypto_gpgme *g = priv(e);
	gpgme_data_t in = NULL;
	gpgme_error_t ge;
	struct crypto_gpgme_out o;
	int rc;

	if (r == NULL || data == NULL || len == 0)
		return cachet_err(err, CACHET_E_INVAL, "verify: no data");
	if ((rc = crypto_gpgme_prepare(g, err)) != 0 ||
	    (rc = crypto_gpgme_out_open(&o, err)) != 0)
		return rc;
	if ((in = crypto_gpgme_data_mem(data, len)) == NULL)
		rc = cachet_err(err, CACHET_E_CMD, "gpgme: no data object");
	else if ((ge = gpgme_op_verify(g->ctx, in, NULL, o.d)) != 0) {
		crypto_gpgme_renew(g, &g->ctx);
		rc = crypto_gpgme_error(err, ge, "verify");
	} else if ((rc = crypto_gpgme_take_sigs(g, r, err)) == 0)
		rc = no_sigs(r, err);
	gpgme_data_release(in);
	if (rc == 0)
		r->plaintext = crypto_gpgme_out_take(&o, &r->plaintext_len);
	else
		crypto_gpgme_out_discard(&o);
	return rc;
}

/* ----------------------------------------------------------- decrypt */

/* "AES256" from GPGME's "AES256.CFB"; NULL when it does not know. */
static char *
cipher_name(const char *algo)
{
	size_t n;
	char *s, *clean;

	if (algo == NULL || algo[0] == '?' || algo[0] == '\0')
		return NULL;
	n = strcspn(algo, ".");
	s = xstrndup(algo, n);
	clean = crypto_gpgme_str(s);
	free(s);
	return clean;
}

/* Cipher and recipients, kept even when decryption fails. */
static void
take_decrypt_info(struct crypto_gpgme *g, gpgme_decrypt_result_t dr,
    const char *data, size_t len, struct crypto_result *r)
{
	gpgme_recipient_t rc;

	r->cipher = cipher_name(dr != NULL ? dr->symkey_algo : NULL);
	if (r->cipher == NULL && g->proto == GPGME_PROTOCOL_CMS)
		r->cipher = crypto_gpgme_cms_cipher(data, len);
	if (dr == NULL)
		return;
	for (rc = dr->recipients; rc != NULL; rc = rc->next) {
		if (rc->keyid == NULL)
			continue;
		r->recipients = xreallocarray(r->recipients,
		    r->nrecipients + 1, sizeof(*r->recipients));
		r->recipients[r->nrecipients++] = crypto_gpgme_str(rc->keyid);
	}
}

static int
decrypt_failed(struct crypto_gpgme *g, gpgme_error_t ge,
    gpgme_decrypt_result_t dr, struct cachet_err *err)
{
	if (dr != NULL && dr->legacy_cipher_nomdc)
		return cachet_err(err, CACHET_E_INVAL, "decrypt: the message "
		    "has no integrity protection (legacy cipher, no MDC)");
	if (ge == 0 && dr != NULL && dr->unsupported_algorithm != NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "decrypt: unsupported algorithm");
	if (gpgme_err_code(ge) == GPG_ERR_DECRYPT_FAILED)
		return cachet_err(err, CACHET_E_INVAL, "decrypt: decryption "
		    "failed (damaged, or not integrity protected)");
	if (ge == 0)
		return cachet_err(err, CACHET_E_CMD, "decrypt: no result");
	return crypto_gpgme_op_error(g, err, ge, "decrypt");
}

/*
 * r->decrypted only when GPGME reports success. For OpenPGP that means
 * the MDC or AEAD tag checked out (gpg 2.2 fails a message without one);
 * a legacy message without MDC is refused here too. CMS enveloped-data
 * carries no integrity check of its own (r->integrity says "n/a" there):
 * what protects it is a signature inside, judged by the framing.
 */
static int
gme_decrypt(struct crypto_engine *e, const char *data, size_t len,
    struct crypto_result *r, struct cachet_err *err)
{
	struct crypto_gpgme *g = priv(e);
	gpgme_decrypt_result_t dr;
	gpgme_data_t in = NULL;
	gpgme_error_t ge;
	struct crypto_gpgme_out o;
	int rc;

	if (r == NULL || data == NULL || len == 0)
		return cachet_err(err, CACHET_E_INVAL, "decrypt: no data");
	if ((rc = crypto_gpgme_prepare(g, err)) != 0)
		return rc;
	/* A locked S/MIME key: never start gpgsm, which would prompt. */
	if ((rc = crypto_gpgme_unlock_recipient(g, data, len, err)) != 0) {
		take_decrypt_info(g, NULL, data, len, r);
		return rc;
	}
	if ((rc = crypto_gpgme_out_open(&o, err)) != 0)
		return rc;
	if ((in = crypto_gpgme_data_mem(data, len)) == NULL) {
		crypto_gpgme_out_discard(&o);
		return cachet_err(err, CACHET_E_CMD, "gpgme: no data object");
	}
	ge = gpgme_op_decrypt_verify(g->ctx, in, o.d);
	gpgme_data_release(in);
	dr = gpgme_op_decrypt_result(g->ctx);
	take_decrypt_info(g, dr, data, len, r);
	r->decrypted = false;
	r->integrity = false;
	if (ge != 0 || dr == NULL || dr->legacy_cipher_nomdc ||
	    dr->unsupported_algorithm != NULL) {
		crypto_gpgme_out_discard(&o);
		rc = decrypt_failed(g, ge, dr, err);
		if (ge != 0)
			crypto_gpgme_renew(g, &g->ctx);
		return rc;
	}
	if ((rc = crypto_gpgme_take_sigs(g, r, err)) != 0) {
		crypto_gpgme_out_discard(&o);
		return rc;
	}
	r->decrypted = true;
	r->integrity = true;
	r->plaintext = crypto_gpgme_out_take(&o, &r->plaintext_len);
	return 0;
}

const struct crypto_engine_ops crypto_engine_gpgme = {
	.name = "gpgme",
	.protocols = CRYPTO_PROTO_OPENPGP | CRYPTO_PROTO_SMIME,
	.caps = CRYPTO_CAP_VERIFY | CRYPTO_CAP_DECRYPT | CRYPTO_CAP_SIGN |
	    CRYPTO_CAP_ENCRYPT | CRYPTO_CAP_FIND_KEYS | CRYPTO_CAP_LIST_KEYS |
	    CRYPTO_CAP_IMPORT | CRYPTO_CAP_EXPORT | CRYPTO_CAP_SCAN |
	    CRYPTO_CAP_OWNER_TRUST,
	.open = gme_open,
	.close = gme_close,
	.verify_detached = gme_verify_detached,
	.verify_opaque = gme_verify_opaque,
	.decrypt = gme_decrypt,
	.sign = crypto_gpgme_sign,
	.encrypt = crypto_gpgme_encrypt,
	.list_keys = crypto_gpgme_list_keys,
	.import = crypto_gpgme_import,
	.export_key = crypto_gpgme_export,
	.scan_keys = crypto_gpgme_scan_keys,
	.set_owner_trust = crypto_gpgme_set_owner_trust,
};
