/*
 * Private to the OpenSSL S/MIME engine (engine_openssl*.c): the engine's
 * state, the certificate store on disk and the helpers the files share.
 * OpenSSL types stay in here and in those files.
 */
#ifndef CACHET_ENGINE_OPENSSL_INT_H
#define CACHET_ENGINE_OPENSSL_INT_H

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"

#define CRYPTO_OSSL_FPR_LEN 64	/* hex digits of a SHA-256 fingerprint */
#define CRYPTO_OSSL_CRL_MAX (4 * 1024 * 1024)	/* bytes of one CRL */

/* What one CRL distribution point URL gave this instance. */
struct crypto_ossl_crl_memo {
	char *url;
	X509_CRL *crl;		/* usable when it was got, or NULL */
	char *why;		/* why there is none, sanitised */
	int64_t when;		/* when it was got or tried */
};

/* One engine instance (struct crypto_engine.priv). */
struct crypto_ossl {
	OSSL_LIB_CTX *libctx;	/* own library context: default + legacy */
	OSSL_PROVIDER *prov_default;
	OSSL_PROVIDER *prov_legacy;	/* NULL if not available */
	X509_STORE *anchors;	/* trust anchors and configured CRLs */
	bool have_crls;		/* revocation can be checked */
	char *store_dir;	/* NULL: no certificate store */
	char *certs_dir;	/* store_dir/certs: collected */
	char *keys_dir;		/* store_dir/keys: own key + certificate */
	char *crls_dir;		/* store_dir/crls: CRLs, fetched ones too */
	bool allow_network;	/* CRLs may be fetched */
	struct crypto_ossl_crl_memo *memo;	/* CRLs got so far */
	size_t nmemo;
};

/*
 * A certificate from the store: the user's own (chain = the other
 * certificates of its file, pkey its private key when asked for) or a
 * collected one.
 */
struct crypto_ossl_cert {
	X509 *cert;
	bool own;		/* from keys/ */
	EVP_PKEY *pkey;		/* own, and loaded with CRYPTO_OSSL_KEYS */
	STACK_OF(X509) *chain;
	char fpr[CRYPTO_OSSL_FPR_LEN + 1];
};

struct crypto_ossl_certs {
	struct crypto_ossl_cert *v;
	size_t n;
};

/* The outcome of building and checking one certificate's chain. */
struct crypto_ossl_chain {
	int error;		/* X509_V_OK or the first error */
	bool crl_checked;	/* a CRL was consulted for every certificate */
	STACK_OF(X509) *certs;	/* the chain built, leaf first (owned) */
	char *crl_note;		/* why revocation was not checked, or NULL */
};

/* engine_openssl.c */
extern const struct crypto_engine_ops crypto_engine_openssl;
CMS_ContentInfo *crypto_ossl_cms_parse(struct crypto_ossl *o,
    const char *data, size_t len);
int crypto_ossl_cms_out(CMS_ContentInfo *cms, char **out, size_t *outlen,
    struct cachet_err *err);
const char *crypto_ossl_reason(char *buf, size_t len);
void crypto_ossl_bio_wipe_free(BIO *b);

/* engine_openssl_cert.c: describing certificates */
void crypto_ossl_fpr(X509 *x, char out[CRYPTO_OSSL_FPR_LEN + 1]);
char *crypto_ossl_name(const X509_NAME *name);
char *crypto_ossl_serial(const ASN1_INTEGER *serial);
char *crypto_ossl_id_text(const ASN1_OCTET_STRING *keyid,
    const X509_NAME *issuer, const ASN1_INTEGER *serial);
char **crypto_ossl_addrs(X509 *x, size_t *n);
bool crypto_ossl_has_addr(X509 *x, const char *addr);
char *crypto_ossl_pubkey_algo(X509 *x);
int64_t crypto_ossl_time(const ASN1_TIME *t);
bool crypto_ossl_can_sign(X509 *x);
bool crypto_ossl_can_encrypt(X509 *x);
void crypto_ossl_cert_fill(X509 *x, struct crypto_cert *c);
void crypto_ossl_chain_fill(X509 *leaf, STACK_OF(X509) *chain,
    struct crypto_cert **out, size_t *n);
void crypto_ossl_strv_free(char **v, size_t n);

/* engine_openssl_chain.c: checking certificates against the anchors */
void crypto_ossl_check_chain(struct crypto_ossl *o, X509 *leaf,
    STACK_OF(X509) *untrusted, int purpose, struct crypto_ossl_chain *c);
void crypto_ossl_chain_release(struct crypto_ossl_chain *c);
enum crypto_revocation crypto_ossl_revocation(struct crypto_ossl *o,
    const struct crypto_ossl_chain *c);
bool crypto_ossl_is_expiry(int error);
bool crypto_ossl_is_no_anchor(int error);

/* engine_openssl_crl.c: CRLs from distribution points, cached */
void crypto_ossl_crl_gather(struct crypto_ossl *o, STACK_OF(X509) *chain,
    STACK_OF(X509_CRL) **crls, char **note);
void crypto_ossl_crl_memo_free(struct crypto_ossl *o);
char *crypto_ossl_crl_cache_name(const char *url);
X509_CRL *crypto_ossl_crl_parse(const char *data, size_t len);
const char *crypto_ossl_crl_problem(X509_CRL *crl, X509 *issuer);

/* engine_openssl_fetch.c: one CRL over HTTP(S) */
const char *crypto_ossl_fetch_scheme(const char *url);
int crypto_ossl_fetch(const char *url, char **out, size_t *outlen,
    struct cachet_err *err);

/* engine_openssl_store.c: the certificate store on disk */
int crypto_ossl_store_open(struct crypto_ossl *o, const char *dir,
    struct cachet_err *err);
/* What crypto_ossl_load reads. */
enum crypto_ossl_load_what {
	CRYPTO_OSSL_OWN = 1 << 0,	/* own certificates */
	CRYPTO_OSSL_KEYS = 1 << 1,	/* ... with their private keys */
	CRYPTO_OSSL_COLLECTED = 1 << 2,
};
void crypto_ossl_load(struct crypto_ossl *o, unsigned what,
    struct crypto_ossl_certs *out);
void crypto_ossl_certs_release(struct crypto_ossl_certs *cs);
STACK_OF(X509) *crypto_ossl_pool(const struct crypto_ossl_certs *cs,
    STACK_OF(X509) *extra);
int crypto_ossl_collect(struct crypto_ossl *o, X509 *x,
    struct cachet_err *err);
int crypto_ossl_save_key(struct crypto_ossl *o, EVP_PKEY *pkey, X509 *x,
    STACK_OF(X509) *chain, struct cachet_err *err);
void crypto_ossl_key_fill(struct crypto_ossl *o,
    const struct crypto_ossl_cert *c, STACK_OF(X509) *pool,
    const char *origin, struct crypto_key *k);

/* The engine's operations, one file each. */
int crypto_ossl_verify_detached(struct crypto_engine *e, const char *data,
    size_t len, const char *sig, size_t siglen, struct crypto_result *r,
    struct cachet_err *err);
int crypto_ossl_verify_opaque(struct crypto_engine *e, const char *data,
    size_t len, struct crypto_result *r, struct cachet_err *err);
int crypto_ossl_decrypt(struct crypto_engine *e, const char *data,
    size_t len, struct crypto_result *r, struct cachet_err *err);
int crypto_ossl_sign(struct crypto_engine *e, const char *signer,
    const char *data, size_t len, bool detached, char **out, size_t *outlen,
    char **micalg, struct cachet_err *err);
int crypto_ossl_encrypt(struct crypto_engine *e,
    const char *const *recipients, size_t nrecipients, const char *signer,
    const char *data, size_t len, char **out, size_t *outlen,
    struct cachet_err *err);
int crypto_ossl_list_keys(struct crypto_engine *e, const char *pattern,
    bool secret, struct crypto_key **out, size_t *n, struct cachet_err *err);
int crypto_ossl_import(struct crypto_engine *e, const char *data,
    size_t len, struct crypto_key **out, size_t *n, struct cachet_err *err);
int crypto_ossl_export(struct crypto_engine *e, const char *who,
    bool minimal, char **out, size_t *outlen, struct cachet_err *err);

#endif
