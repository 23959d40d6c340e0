/*
 * Private to the GPGME engine (engine_gpgme*.c): the instance state and the
 * helpers its files share. GPGME and OpenSSL types stay in here and in
 * those files.
 */
#ifndef CACHET_ENGINE_GPGME_INT_H
#define CACHET_ENGINE_GPGME_INT_H

#include <gpgme.h>

#include "crypto/crypto.h"

/* One engine instance (struct crypto_engine.priv). */
struct crypto_gpgme {
	gpgme_protocol_t proto;
	gpgme_ctx_t ctx;	/* operations */
	gpgme_ctx_t kctx;	/* key look-ups while a result is read */
	char *home;		/* NULL: $GNUPGHOME or the default */
	bool offline;		/* no dirmngr, no key servers, no CRLs */
	bool crl_disabled;	/* gpgsm's own configuration skips CRLs */
	crypto_passphrase_fn passphrase;
	void *passphrase_ctx;
	char *agent_socket;	/* S/MIME: gpg-agent's, once asked */
	bool agent_nocache;	/* S/MIME: the agent keeps no passphrases */
};

/* A signature's verdict before the key is looked up. */
struct crypto_gpgme_verdict {
	enum crypto_sig_result result;
	enum crypto_trust trust;
	const char *note;	/* static text, NULL if none */
};

/*
 * Output of one operation: a growing buffer that wipes every copy of its
 * bytes it leaves behind (decrypted text must not linger in freed memory).
 */
struct crypto_gpgme_out {
	gpgme_data_t d;		/* hand this to the GPGME operation */
	char *p;
	size_t len;
	size_t cap;
};

/* engine_gpgme.c */
extern const struct crypto_engine_ops crypto_engine_gpgme;
int crypto_gpgme_error(struct cachet_err *err, gpgme_error_t ge,
    const char *what);
int crypto_gpgme_op_error(struct crypto_gpgme *g, struct cachet_err *err,
    gpgme_error_t ge, const char *what);
int crypto_gpgme_prepare(struct crypto_gpgme *g, struct cachet_err *err);
void crypto_gpgme_renew(struct crypto_gpgme *g, gpgme_ctx_t *which);

/* engine_gpgme_data.c */
gpgme_data_t crypto_gpgme_data_mem(const char *data, size_t len);
int crypto_gpgme_out_open(struct crypto_gpgme_out *o, struct cachet_err *err);
/* Wipe and free everything written. */
void crypto_gpgme_out_discard(struct crypto_gpgme_out *o);
/* The bytes, NUL-terminated, never NULL; releases the rest of o. */
char *crypto_gpgme_out_take(struct crypto_gpgme_out *o, size_t *len);

/* engine_gpgme_sig.c: turning GPGME's results into cachet's */
void crypto_gpgme_verdict(gpgme_protocol_t proto, gpgme_sigsum_t summary,
    gpgme_error_t status, gpgme_validity_t validity,
    gpgme_error_t validity_reason, gpgme_hash_algo_t hash,
    bool wrong_key_usage, struct crypto_gpgme_verdict *v);
enum crypto_trust crypto_gpgme_trust(gpgme_validity_t v);
bool crypto_gpgme_weak_hash(gpgme_hash_algo_t h);
int crypto_gpgme_take_sigs(struct crypto_gpgme *g, struct crypto_result *r,
    struct cachet_err *err);
char *crypto_gpgme_str(const char *s);
char **crypto_gpgme_addrs(gpgme_key_t key, size_t *n);
char *crypto_gpgme_algo(gpgme_subkey_t sk);

/* engine_gpgme_keys.c: finding, listing and importing keys */
gpgme_key_t crypto_gpgme_get_key(struct crypto_gpgme *g, const char *fpr);
int crypto_gpgme_find(struct crypto_gpgme *g, const char *who, bool secret,
    bool for_signing, gpgme_key_t *out, struct cachet_err *err);
int crypto_gpgme_list_keys(struct crypto_engine *e, const char *pattern,
    bool secret, struct crypto_key **out, size_t *n, struct cachet_err *err);
int crypto_gpgme_import(struct crypto_engine *e, const char *data,
    size_t len, struct crypto_key **out, size_t *n, struct cachet_err *err);
int crypto_gpgme_scan_keys(struct crypto_engine *e, const char *data,
    size_t len, struct crypto_key **out, size_t *n, struct cachet_err *err);
char *crypto_gpgme_fpr(struct crypto_gpgme *g, gpgme_key_t key);

/* engine_gpgme_trust.c: OpenPGP owner trust (crypto.h set_owner_trust) */
int crypto_gpgme_set_owner_trust(struct crypto_engine *e, const char *fpr,
    enum crypto_trust level, struct cachet_err *err);

/* engine_gpgme_out.c: signing and encrypting */
int crypto_gpgme_sign(struct crypto_engine *e, const char *signer,
    const char *data, size_t len, bool detached, char **out, size_t *outlen,
    char **micalg, struct cachet_err *err);
int crypto_gpgme_encrypt(struct crypto_engine *e,
    const char *const *recipients, size_t nrecipients, const char *signer,
    const char *data, size_t len, char **out, size_t *outlen,
    struct cachet_err *err);

/*
 * engine_gpgme_unlock.c: S/MIME keys unlocked in gpg-agent, asking the
 * instance's passphrase callback, before gpgsm needs them. Both return 0
 * at once for OpenPGP or without a callback, and when nothing needs
 * unlocking; CACHET_E_AUTH when a key stays locked (cancelled, wrong
 * passphrase, no cache), so that gpgsm is not started.
 */
/* The signer already set on g->ctx. */
int crypto_gpgme_unlock_signer(struct crypto_gpgme *g, struct cachet_err *err);
/* The user's key among the recipients of CMS enveloped data. */
int crypto_gpgme_unlock_recipient(struct crypto_gpgme *g, const char *data,
    size_t len, struct cachet_err *err);

/*
 * engine_gpgme_agent.c: talking to the instance's gpg-agent (Assuan,
 * loopback pinentry) for engine_gpgme_unlock.c.
 * crypto_gpgme_agent_open: a connection (release it with gpgme_release),
 * starting the agent through gpgconf if need be; what names the
 * operation in errors. CACHET_E_AUTH when the agent refuses loopback.
 * crypto_gpgme_agent_keyinfo: what KEYINFO says about the key with this
 * keygrip (k->found false when the agent has no such key).
 * crypto_gpgme_agent_sign: have the agent sign with grip, answering its
 * passphrase inquiry once with g->passphrase (must be set), hint passed
 * to it; the agent's error, and in *a whether the callback answered or
 * refused.
 */
struct crypto_gpgme_agent_keyinfo {
	bool found;
	bool cached;
	bool protected;	/* by a passphrase */
};
struct crypto_gpgme_agent_ask {
	bool answered;	/* the callback gave a passphrase */
	bool refused;	/* the callback declined */
};
int crypto_gpgme_agent_open(struct crypto_gpgme *g, const char *what,
    gpgme_ctx_t *out, struct cachet_err *err);
int crypto_gpgme_agent_keyinfo(gpgme_ctx_t agent, const char *grip,
    struct crypto_gpgme_agent_keyinfo *k, struct cachet_err *err);
gpgme_error_t crypto_gpgme_agent_sign(struct crypto_gpgme *g,
    gpgme_ctx_t agent, const char *grip, const char *hint,
    struct crypto_gpgme_agent_ask *a);

/* engine_gpgme_export.c: public keys for others (crypto.h export_key) */
int crypto_gpgme_export(struct crypto_engine *e, const char *who,
    bool minimal, char **out, size_t *outlen, struct cachet_err *err);

/* engine_gpgme_x509.c: what GPGME does not say about X.509 objects */
struct crypto_gpgme_x509 {
	char *fpr_sha256;	/* upper-case hex */
	char *key_usage;	/* "digitalSignature, nonRepudiation" */
	char *ext_key_usage;	/* "emailProtection" */
	bool is_ca;
	bool has_crl_dp;	/* carries a CRL distribution point */
};
int crypto_gpgme_x509_export(struct crypto_gpgme *g, const char *fpr,
    struct crypto_gpgme_x509 *x);
void crypto_gpgme_x509_release(struct crypto_gpgme_x509 *x);
char *crypto_gpgme_cms_cipher(const char *data, size_t len);

#endif
