/*
 * engine_openssl_store: the certificate store the OpenSSL S/MIME engine
 * keeps under its store_dir (created 0700):
 *   keys/FPR.key   the user's own private key (PKCS#8 PEM, mode 0600)
 *   keys/FPR.pem   its certificate, then any issuer certificates
 *   certs/FPR.pem  collected correspondent certificates: a record of who
 *                  signed mail to the user, never a source of trust
 *   anchors/       extra trust anchors the user put there (PEM files)
 *   crls/          CRLs (PEM or DER files) for revocation checks: the
 *                  user's, and those fetched from distribution points
 *                  (HASH.crl, engine_openssl_crl.c)
 * FPR is the SHA-256 fingerprint of the certificate, 64 hex digits upper
 * case. The files are read again for every operation, so several cachet
 * processes can share one store. Runs on the thread that owns the engine.
 */
#include "crypto/engine_openssl_int.h"

#include <dirent.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool
is_fpr_name(const char *name, const char *ext)
{
	size_t i;

	for (i = 0; i < CRYPTO_OSSL_FPR_LEN; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'A' && name[i] <= 'F')))
			return false;
	return strcmp(name + CRYPTO_OSSL_FPR_LEN, ext) == 0;
}

static void
load_crl_file(struct crypto_ossl *o, const char *path)
{
	BIO *b = BIO_new_file(path, "rb");
	X509_CRL *crl;
	int n = 0;

	if (b == NULL)
		return;
	while ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
		n += X509_STORE_add_crl(o->anchors, crl) == 1;
		X509_CRL_free(crl);
	}
	if (n == 0 && BIO_reset(b) == 0 &&
	    (crl = d2i_X509_CRL_bio(b, NULL)) != NULL) {
		n += X509_STORE_add_crl(o->anchors, crl) == 1;
		X509_CRL_free(crl);
	}
	if (n > 0)
		o->have_crls = true;
	BIO_free(b);
	ERR_clear_error();
}

static void
load_anchor_file(struct crypto_ossl *o, const char *path)
{
	X509_STORE_load_file_ex(o->anchors, path, o->libctx, NULL);
	ERR_clear_error();
}

/* Call fn for every regular, non-hidden file of dir. */
static void
each_file(struct crypto_ossl *o, const char *dir,
    void (*fn)(struct crypto_ossl *, const char *))
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *path;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		fn(o, path);
		free(path);
	}
	closedir(d);
}

int
crypto_ossl_store_open(struct crypto_ossl *o, const char *dir,
    struct cachet_err *err)
{
	char *anchors = xasprintf("%s/anchors", dir);
	char *crls = xasprintf("%s/crls", dir);
	int rc;

	o->crls_dir = xstrdup(crls);
	o->store_dir = xstrdup(dir);
	o->certs_dir = xasprintf("%s/certs", dir);
	o->keys_dir = xasprintf("%s/keys", dir);
	if ((rc = util_mkdirs(dir, 0700, err)) != 0 ||
	    (rc = util_mkdirs(o->certs_dir, 0700, err)) != 0 ||
	    (rc = util_mkdirs(o->keys_dir, 0700, err)) != 0 ||
	    (rc = util_mkdirs(anchors, 0700, err)) != 0 ||
	    (rc = util_mkdirs(crls, 0700, err)) != 0)
		goto out;
	/* Private keys live here: whatever it was, it is ours only now. */
	if (chmod(o->keys_dir, 0700) != 0) {
		rc = cachet_err(err, CACHET_E_IO, "cannot protect %s",
		    o->keys_dir);
		goto out;
	}
	each_file(o, anchors, load_anchor_file);
	each_file(o, crls, load_crl_file);
out:
	free(anchors);
	free(crls);
	return rc;
}

/* All PEM certificates of a file; NULL if none. */
static STACK_OF(X509) *
read_certs(struct crypto_ossl *o, const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	STACK_OF(X509) *sk = NULL;
	X509 *x;

	if (b == NULL)
		goto out;
	for (;;) {
		if ((x = X509_new_ex(o->libctx, NULL)) == NULL)
			break;
		if (PEM_read_bio_X509(b, &x, NULL, NULL) == NULL) {
			X509_free(x);
			break;
		}
		if (sk == NULL)
			sk = sk_X509_new_null();
		if (sk == NULL || sk_X509_push(sk, x) <= 0) {
			X509_free(x);
			break;
		}
	}
	BIO_free(b);
out:
	ERR_clear_error();
	return sk;
}

static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

static EVP_PKEY *
read_key(struct crypto_ossl *o, const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	EVP_PKEY *pk = NULL;

	if (b != NULL)
		pk = PEM_read_bio_PrivateKey_ex(b, NULL, no_passphrase, NULL,
		    o->libctx, NULL);
	BIO_free(b);
	ERR_clear_error();
	return pk;
}

/* Load one store entry; false if it is unusable (it is then skipped). */
static bool
load_entry(struct crypto_ossl *o, const char *dir, const char *name,
    unsigned what, struct crypto_ossl_cert *c)
{
	char *path = xasprintf("%s/%s", dir, name);
	bool ok = false;

	memset(c, 0, sizeof(*c));
	c->chain = read_certs(o, path);
	if (c->chain == NULL)
		goto out;
	c->cert = sk_X509_shift(c->chain);
	c->own = (what & CRYPTO_OSSL_COLLECTED) == 0;
	if ((what & CRYPTO_OSSL_KEYS) != 0) {
		memcpy(path + strlen(path) - 4, ".key", 4);
		c->pkey = read_key(o, path);
		if (c->pkey == NULL || X509_check_private_key(c->cert,
		    c->pkey) != 1)
			goto out;
	}
	crypto_ossl_fpr(c->cert, c->fpr);
	ok = c->fpr[0] != '\0';
out:
	if (!ok) {
		X509_free(c->cert);
		EVP_PKEY_free(c->pkey);
		sk_X509_pop_free(c->chain, X509_free);
		memset(c, 0, sizeof(*c));
	}
	ERR_clear_error();
	free(path);
	return ok;
}

static void
load_dir(struct crypto_ossl *o, const char *dir, unsigned what,
    struct crypto_ossl_certs *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct crypto_ossl_cert c;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!is_fpr_name(de->d_name, ".pem") ||
		    !load_entry(o, dir, de->d_name, what, &c))
			continue;
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		out->v[out->n++] = c;
	}
	closedir(d);
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct crypto_ossl_cert *x = a, *y = b;

	if (x->own != y->own)
		return x->own ? -1 : 1;
	return strcmp(x->fpr, y->fpr);
}

/*
 * Own and/or collected certificates, own first, each group in fingerprint
 * order. Own entries whose key is asked for and cannot be read or does not
 * match are left out. Nothing without a store.
 */
void
crypto_ossl_load(struct crypto_ossl *o, unsigned what,
    struct crypto_ossl_certs *out)
{
	out->v = NULL;
	out->n = 0;
	if (o->store_dir == NULL)
		return;
	if ((what & (CRYPTO_OSSL_OWN | CRYPTO_OSSL_KEYS)) != 0)
		load_dir(o, o->keys_dir, what & CRYPTO_OSSL_KEYS, out);
	if ((what & CRYPTO_OSSL_COLLECTED) != 0)
		load_dir(o, o->certs_dir, CRYPTO_OSSL_COLLECTED, out);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_entry);
}

void
crypto_ossl_certs_release(struct crypto_ossl_certs *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		X509_free(cs->v[i].cert);
		EVP_PKEY_free(cs->v[i].pkey);
		sk_X509_pop_free(cs->v[i].chain, X509_free);
	}
	free(cs->v);
	cs->v = NULL;
	cs->n = 0;
}

/*
 * A borrowed list (free with sk_X509_free) of extra's certificates, then
 * every certificate of cs with its chain: where signers are looked up
 * and intermediates found. Nothing in it is trusted.
 */
STACK_OF(X509) *
crypto_ossl_pool(const struct crypto_ossl_certs *cs, STACK_OF(X509) *extra)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	size_t i;
	int j;

	if (sk == NULL)
		abort();
	for (j = 0; j < sk_X509_num(extra); j++)
		sk_X509_push(sk, sk_X509_value(extra, j));
	for (i = 0; cs != NULL && i < cs->n; i++) {
		sk_X509_push(sk, cs->v[i].cert);
		for (j = 0; j < sk_X509_num(cs->v[i].chain); j++)
			sk_X509_push(sk, sk_X509_value(cs->v[i].chain, j));
	}
	return sk;
}

static bool
entry_exists(const char *dir, const char *fpr)
{
	char *path = xasprintf("%s/%s.pem", dir, fpr);
	bool yes = access(path, F_OK) == 0;

	free(path);
	return yes;
}

/* PEM of the certificates into b. */
static bool
pem_certs(BIO *b, X509 *x, STACK_OF(X509) *chain)
{
	int i;

	if (PEM_write_bio_X509(b, x) != 1)
		return false;
	for (i = 0; i < sk_X509_num(chain); i++)
		if (X509_cmp(sk_X509_value(chain, i), x) != 0 &&
		    PEM_write_bio_X509(b, sk_X509_value(chain, i)) != 1)
			return false;
	return true;
}

static int
write_bio(const char *dir, const char *name, BIO *b, struct cachet_err *err)
{
	char *data = NULL;
	long n = BIO_get_mem_data(b, &data);

	if (n <= 0)
		return cachet_err(err, CACHET_E_INVAL, "nothing to write");
	return util_write_atomic(dir, dir, name, data, (size_t)n, err);
}

/*
 * Keep a correspondent's certificate as a record (not trust); a no-op
 * when it is already kept, or is one of the user's own.
 */
int
crypto_ossl_collect(struct crypto_ossl *o, X509 *x, struct cachet_err *err)
{
	char fpr[CRYPTO_OSSL_FPR_LEN + 1], *name, why[256];
	BIO *b;
	int rc;

	if (o->store_dir == NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "no S/MIME certificate store configured");
	crypto_ossl_fpr(x, fpr);
	if (fpr[0] == '\0')
		return cachet_err(err, CACHET_E_INVAL, "bad certificate");
	if (entry_exists(o->keys_dir, fpr) || entry_exists(o->certs_dir, fpr))
		return 0;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		abort();
	name = xasprintf("%s.pem", fpr);
	if (pem_certs(b, x, NULL))
		rc = write_bio(o->certs_dir, name, b, err);
	else
		rc = cachet_err(err, CACHET_E_INVAL, "cannot encode a "
		    "certificate: %s", crypto_ossl_reason(why, sizeof(why)));
	free(name);
	BIO_free(b);
	return rc;
}

/* Store an own key with its certificate and issuers: key file first. */
int
crypto_ossl_save_key(struct crypto_ossl *o, EVP_PKEY *pkey, X509 *x,
    STACK_OF(X509) *chain, struct cachet_err *err)
{
	char fpr[CRYPTO_OSSL_FPR_LEN + 1], *kname, *cname, why[256];
	BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
	int rc;

	crypto_ossl_fpr(x, fpr);
	kname = xasprintf("%s.key", fpr);
	cname = xasprintf("%s.pem", fpr);
	if (kb == NULL || cb == NULL || fpr[0] == '\0' ||
	    PEM_write_bio_PrivateKey(kb, pkey, NULL, NULL, 0, NULL, NULL) !=
	    1 || !pem_certs(cb, x, chain)) {
		rc = cachet_err(err, CACHET_E_INVAL, "cannot encode key: %s",
		    crypto_ossl_reason(why, sizeof(why)));
		goto out;
	}
	if ((rc = write_bio(o->keys_dir, kname, kb, err)) == 0)
		rc = write_bio(o->keys_dir, cname, cb, err);
out:
	crypto_ossl_bio_wipe_free(kb);
	BIO_free(cb);
	free(kname);
	free(cname);
	return rc;
}
