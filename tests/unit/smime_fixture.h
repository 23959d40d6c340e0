/*
 * Shared by the OpenSSL S/MIME engine's unit tests (test_crypto_openssl*.c):
 * the test PKI and CMS corpus from tests/lib/smime-certs.sh, made once per
 * test run (under $TEST_ROOT when tests/run.sh sets it, else per binary),
 * and small helpers to open engines and feed them fixture files.
 * Helpers are FX_STATIC so that each test file uses what it needs.
 */
#ifndef CACHET_SMIME_FIXTURE_H
#define CACHET_SMIME_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"

#ifndef CACHET_SRCDIR
#define CACHET_SRCDIR "."
#endif
#define DEMO_KEYS CACHET_SRCDIR "/src/demo/keys"
#define DEMO_INBOX CACHET_SRCDIR "/src/demo/mail/INBOX"

#define CA_NAME "CN=cachet SMIME test CA,O=cachet test"
#define ALICE_NAME "CN=Alice Test,O=cachet test"

#define FX_STATIC static __attribute__((unused))

extern const struct crypto_engine_ops crypto_engine_openssl;

static char *tmp;		/* what this test binary writes */
static char *pki;		/* the fixtures (read only) */

/* ------------------------------------------------------------ helpers */

FX_STATIC char *
fx_path(const char *name)
{
	return name[0] == '/' ? xstrdup(name) : xasprintf("%s/%s", pki, name);
}

FX_STATIC char *
fx_read(const char *name, size_t *len)
{
	char *path = fx_path(name), *data = NULL;
	size_t n;

	assert_int_equal(util_read_file(path, &data, len != NULL ? len : &n,
	    NULL), 0);
	free(path);
	return data;
}

/* The fingerprint smime-certs.sh wrote for NAME.crt. */
FX_STATIC char *
fx_fpr(const char *name)
{
	char *file = xasprintf("%s.fpr", name), *s = fx_read(file, NULL);

	free(file);
	s[strcspn(s, "\n")] = '\0';
	assert_int_equal(strlen(s), 64);
	return s;
}

FX_STATIC bool
fpr_is(const char *fpr, const char *name)
{
	char *want = fx_fpr(name);
	bool yes = fpr != NULL && strcmp(fpr, want) == 0;

	free(want);
	return yes;
}

FX_STATIC char *
store_path(const char *name)
{
	return xasprintf("%s/%s", tmp, name);
}

/* ca: fixture name or absolute path, NULL for the system anchors. */
FX_STATIC struct crypto_engine *
eng_open(const char *ca, const char *store)
{
	struct crypto_engine_opts o = { 0 };
	struct crypto_engine *e = NULL;
	struct cachet_err err = { 0 };
	char *ca_path = ca != NULL ? fx_path(ca) : NULL;
	char *st = store != NULL ? store_path(store) : NULL;

	o.ca_file = ca_path;
	o.store_dir = st;
	if (crypto_engine_openssl.open(&e, CRYPTO_PROTO_SMIME, &o, &err) != 0)
		fail_msg("open: %s", err.msg);
	assert_ptr_equal(e->ops, &crypto_engine_openssl);
	assert_non_null(e->priv);
	free(ca_path);
	free(st);
	return e;
}

FX_STATIC void
eng_close(struct crypto_engine *e)
{
	e->ops->close(e);
}

FX_STATIC void
verify_fx(struct crypto_engine *e, const char *content, const char *sig,
    struct crypto_result *r)
{
	struct cachet_err err = { 0 };
	size_t clen, slen;
	char *c = fx_read(content, &clen), *s = fx_read(sig, &slen);

	memset(r, 0, sizeof(*r));
	if (e->ops->verify_detached(e, c, clen, s, slen, r, &err) != 0)
		fail_msg("verify %s: %s", sig, err.msg);
	assert_null(r->plaintext);
	free(c);
	free(s);
}

/* Verify one single-signer fixture and check its result. */
FX_STATIC void
expect_one(struct crypto_engine *e, const char *sig,
    enum crypto_sig_result want, const char *signer_cert)
{
	struct crypto_result r;

	verify_fx(e, "msg.txt", sig, &r);
	assert_int_equal(r.nsigs, 1);
	if (r.sigs[0].result != want)
		fail_msg("%s: result %d, want %d (%s)", sig, r.sigs[0].result,
		    want, r.sigs[0].note != NULL ? r.sigs[0].note : "");
	if (signer_cert != NULL)
		assert_true(fpr_is(r.sigs[0].fpr, signer_cert));
	crypto_result_release(&r);
}

FX_STATIC bool
note_has(const struct crypto_sig *s, const char *what)
{
	return s->note != NULL && strstr(s->note, what) != NULL;
}

FX_STATIC void
import_data(struct crypto_engine *e, const char *data, size_t len,
    size_t want)
{
	struct cachet_err err = { 0 };
	struct crypto_key *k = NULL;
	size_t n = 0;

	if (e->ops->import(e, data, len, &k, &n, &err) != 0)
		fail_msg("import: %s", err.msg);
	assert_int_equal(n, want);
	crypto_keys_free(k, n);
}

FX_STATIC void
import_fx(struct crypto_engine *e, const char *name, size_t want)
{
	size_t len;
	char *data = fx_read(name, &len);

	import_data(e, data, len, want);
	free(data);
}

/* Import NAME.key and NAME.crt as one PEM file. */
FX_STATIC void
import_pem_pair(struct crypto_engine *e, const char *name)
{
	char *kn = xasprintf("%s.key", name), *cn = xasprintf("%s.crt", name);
	size_t kl, cl;
	char *key = fx_read(kn, &kl), *crt = fx_read(cn, &cl);
	struct buf b = BUF_INIT;

	buf_add(&b, key, kl);
	buf_add(&b, crt, cl);
	import_data(e, b.data, b.len, 1);
	buf_release(&b);
	free(kn);
	free(cn);
	explicit_bzero(key, kl);
	free(key);
	free(crt);
}

/* An engine trusting the test CA with alice's two own keys. */
FX_STATIC struct crypto_engine *
alice_engine(const char *store)
{
	struct crypto_engine *e = eng_open("ca.crt", store);

	import_pem_pair(e, "alice-sign");
	import_fx(e, "alice-enc.p12", 1);
	return e;
}

FX_STATIC int
run(const char *cmd)
{
	char *full = xasprintf("{ %s; } >/dev/null 2>&1", cmd);
	int rc = system(full);

	free(full);
	return rc;
}

FX_STATIC void
write_tmp(const char *name, const char *data, size_t len)
{
	assert_int_equal(util_write_atomic(tmp, tmp, name, data, len, NULL),
	    0);
}

FX_STATIC void
b64_decode(const char *s, size_t len, struct buf *out)
{
	BIO *mem = BIO_new_mem_buf(s, (int)len), *b64 = BIO_new(BIO_f_base64());
	char chunk[4096];
	int n;

	BIO_push(b64, mem);
	while ((n = BIO_read(b64, chunk, sizeof(chunk))) > 0)
		buf_add(out, chunk, (size_t)n);
	BIO_free_all(b64);
	assert_true(out->len > 0);
}

FX_STATIC void
sample_body(const char *name, struct buf *der)
{
	char *raw = fx_read(name, NULL);
	const char *body = strstr(raw, "\n\n");

	assert_non_null(body);
	b64_decode(body + 2, strlen(body + 2), der);
	free(raw);
}

/* ------------------------------------------------------------- fixture */

FX_STATIC int
fx_make(const char *dir)
{
	char *cmd = xasprintf("sh %s/tests/lib/smime-certs.sh %s",
	    CACHET_SRCDIR, dir);
	int rc = system(cmd);

	free(cmd);
	if (rc != 0)
		fprintf(stderr, "smime-certs.sh %s failed\n", dir);
	return rc == 0 ? 0 : -1;
}

/*
 * The PKI is made once per run under $TEST_ROOT/smime-pki: in a private
 * directory first, then renamed into place, so that a concurrent maker
 * can only lose the race, never see half a PKI.
 */
FX_STATIC int
fx_shared_pki(const char *root)
{
	char *mine = xasprintf("%s/smime-pki.%ld", root, (long)getpid());
	char *cmd;
	int rc = 0;

	pki = xasprintf("%s/smime-pki", root);
	if (access(pki, F_OK) == 0)
		goto out;
	if ((rc = fx_make(mine)) == 0 && rename(mine, pki) != 0 &&
	    errno != EEXIST && errno != ENOTEMPTY)
		rc = -1;
	cmd = xasprintf("rm -rf %s", mine);
	if (system(cmd) != 0)
		rc = -1;
	free(cmd);
out:
	free(mine);
	return rc;
}

FX_STATIC int
fx_setup(void **state)
{
	char tmpl[] = "/tmp/test-crypto-openssl.XXXXXX";
	const char *root = getenv("TEST_ROOT");

	if (mkdtemp(tmpl) == NULL)
		return -1;
	tmp = xstrdup(tmpl);
	if (root != NULL && *root != '\0')
		return fx_shared_pki(root);
	pki = xasprintf("%s/pki", tmp);
	return fx_make(pki);
}

FX_STATIC int
fx_teardown(void **state)
{
	char *cmd = xasprintf("rm -rf %s", tmp);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmp);
	free(cmd);
	FREE_AND_NULL(tmp);
	FREE_AND_NULL(pki);
	return 0;
}

#endif
