/*
 * Unit tests for the OpenSSL S/MIME engine (src/crypto/engine_openssl*.c),
 * part two: decryption (enveloped and authEnveloped data, weak ciphers,
 * every failure leaving no plaintext), the key store (import, list), and
 * signing and encrypting, whose output is also checked with the openssl
 * command line. Same fixtures as test_crypto_openssl.c (smime_fixture.h).
 */
#include "smime_fixture.h"

#include <ctype.h>

/* ----------------------------------------------------------- decryption */

static int
decrypt_fx(struct crypto_engine *e, const char *name,
    struct crypto_result *r, struct cachet_err *err)
{
	size_t len;
	char *data = fx_read(name, &len);
	int rc;

	memset(r, 0, sizeof(*r));
	rc = e->ops->decrypt(e, data, len, r, err);
	free(data);
	return rc;
}

static void
expect_plain(struct crypto_engine *e, const char *name, const char *cipher,
    bool integrity)
{
	struct cachet_err err = { 0 };
	struct crypto_result r;
	size_t mlen;
	char *msg = fx_read("msg.txt", &mlen);

	if (decrypt_fx(e, name, &r, &err) != 0)
		fail_msg("decrypt %s: %s", name, err.msg);
	assert_true(r.decrypted);
	assert_int_equal(r.integrity, integrity);
	assert_string_equal(r.cipher, cipher);
	assert_int_equal(r.nsigs, 0);
	assert_int_equal(r.plaintext_len, mlen);
	assert_memory_equal(r.plaintext, msg, mlen);
	crypto_result_release(&r);
	free(msg);
}

static void
expect_no_plain(struct crypto_engine *e, const char *name, int code)
{
	struct cachet_err err = { 0 };
	struct crypto_result r;

	assert_int_equal(decrypt_fx(e, name, &r, &err), code);
	assert_false(r.decrypted);
	assert_null(r.plaintext);
	assert_int_equal(r.plaintext_len, 0);
	crypto_result_release(&r);
}

static void
test_decrypt(void **state)
{
	struct crypto_engine *e = alice_engine("st-dec");
	struct cachet_err err = { 0 };
	struct crypto_result r;
	size_t len;
	char *data;

	expect_plain(e, "enc-cbc.p7m", "AES-256-CBC", false);
	expect_plain(e, "enc-gcm.p7m", "id-aes256-GCM", true);
	expect_plain(e, "enc-3des.p7m", "DES-EDE3-CBC", false);
	expect_plain(e, "enc-rc2.p7m", "RC2-CBC", false);
	expect_plain(e, "enc-two.p7m", "AES-256-CBC", false);

	assert_int_equal(decrypt_fx(e, "enc-two.p7m", &r, &err), 0);
	assert_int_equal(r.nrecipients, 2);
	assert_true((strcmp(r.recipients[0], ALICE_NAME) == 0 &&
	    strcmp(r.recipients[1], "issuer " CA_NAME ", serial 67") == 0) ||
	    (strcmp(r.recipients[1], ALICE_NAME) == 0 &&
	    strcmp(r.recipients[0], "issuer " CA_NAME ", serial 67") == 0));
	crypto_result_release(&r);

	/* Signed, then encrypted: the signed-data comes out unverified. */
	assert_int_equal(decrypt_fx(e, "enc-signed.p7m", &r, &err), 0);
	data = fx_read("sig-opaque.p7m", &len);
	assert_int_equal(r.plaintext_len, len);
	assert_memory_equal(r.plaintext, data, len);
	assert_int_equal(r.nsigs, 0);
	crypto_result_release(&r);
	free(data);
	eng_close(e);
}

static void
test_decrypt_failures(void **state)
{
	struct crypto_engine *e = alice_engine("st-decfail");
	struct cachet_err err = { 0 };
	struct crypto_result r;
	char *fpr, *cmd;

	/* Not for us: bob's key is not in this store. */
	expect_no_plain(e, "enc-bob.p7m", CACHET_E_NOTFOUND);
	/* Named for alice, encrypted for bob: her key is the wrong one. */
	expect_no_plain(e, "enc-wrongkey.p7m", CACHET_E_INVAL);
	/* GCM tag damaged: the whole plaintext was produced, then wiped. */
	expect_no_plain(e, "enc-gcm-bad.p7m", CACHET_E_INVAL);
	assert_int_equal(decrypt_fx(e, "enc-gcm-bad.p7m", &r, &err),
	    CACHET_E_INVAL);
	assert_non_null(strstr(err.msg, "integrity"));
	crypto_result_release(&r);
	/* Not enveloped data; garbage; nothing. */
	expect_no_plain(e, "sig-opaque.p7m", CACHET_E_INVAL);
	expect_no_plain(e, "msg.txt", CACHET_E_INVAL);
	memset(&r, 0, sizeof(r));
	assert_int_equal(e->ops->decrypt(e, NULL, 0, &r, &err),
	    CACHET_E_INVAL);
	assert_null(r.plaintext);
	eng_close(e);

	/* No store, no keys. */
	e = eng_open("ca.crt", NULL);
	expect_no_plain(e, "enc-cbc.p7m", CACHET_E_NOTFOUND);
	eng_close(e);

	/*
	 * bob's certificate with alice's key in the store: the store refuses
	 * a key that does not match its certificate.
	 */
	e = eng_open("ca.crt", "st-wrongkey");
	import_fx(e, "bob.p12", 1);
	eng_close(e);
	fpr = fx_fpr("bob");
	cmd = xasprintf("cp %s/alice-enc.key %s/st-wrongkey/keys/%s.key", pki,
	    tmp, fpr);
	assert_int_equal(run(cmd), 0);
	free(cmd);
	free(fpr);
	e = eng_open("ca.crt", "st-wrongkey");
	expect_no_plain(e, "enc-bob.p7m", CACHET_E_NOTFOUND);
	eng_close(e);
}

/* -------------------------------------------------------------- keys */

static const struct crypto_key *
key_of(const struct crypto_key *k, size_t n, const char *name)
{
	char *fpr = fx_fpr(name);
	size_t i;

	for (i = 0; i < n && strcmp(k[i].fpr, fpr) != 0; i++)
		;
	free(fpr);
	return i < n ? &k[i] : NULL;
}

static void
test_list_keys(void **state)
{
	struct crypto_engine *e = alice_engine("st-list");
	struct cachet_err err = { 0 };
	const struct crypto_key *a, *b;
	struct crypto_key *k;
	size_t n;

	import_fx(e, "bob.crt", 1);
	import_fx(e, "dave.crt", 1);
	import_fx(e, "mallory.crt", 1);
	assert_int_equal(e->ops->list_keys(e, NULL, false, &k, &n, &err), 0);
	assert_int_equal(n, 5);
	a = key_of(k, n, "alice-sign");
	assert_non_null(a);
	assert_int_equal(a->proto, CRYPTO_PROTO_SMIME);
	assert_true(a->has_secret && a->can_sign && !a->can_encrypt);
	assert_string_equal(a->origin, "keyring");
	assert_string_equal(a->issuer, CA_NAME);
	assert_int_equal(a->nuids, 2);
	assert_string_equal(a->uids[0], ALICE_NAME);
	assert_string_equal(a->uids[1], "alice@example.test");
	assert_int_equal(a->validity, CRYPTO_TRUST_FULL);
	assert_false(a->expired);
	assert_int_equal(a->expires - a->created, 30 * 86400);
	a = key_of(k, n, "alice-enc");
	assert_true(a->has_secret && !a->can_sign && a->can_encrypt);
	assert_int_equal(a->validity, CRYPTO_TRUST_FULL);
	b = key_of(k, n, "bob");
	assert_true(!b->has_secret && b->can_sign && b->can_encrypt);
	assert_string_equal(b->origin, "collected");
	assert_string_equal(b->uids[0],
	    "emailAddress=bob@example.test,CN=Bob Test,O=cachet test");
	assert_int_equal(b->naddrs, 1);
	assert_string_equal(b->addrs[0], "bob@example.test");
	b = key_of(k, n, "dave");
	assert_true(b->expired);
	assert_int_equal(b->validity, CRYPTO_TRUST_UNKNOWN);
	b = key_of(k, n, "mallory");
	assert_int_equal(b->validity, CRYPTO_TRUST_UNKNOWN);
	crypto_keys_free(k, n);

	assert_int_equal(e->ops->list_keys(e, NULL, true, &k, &n, &err), 0);
	assert_int_equal(n, 2);
	crypto_keys_free(k, n);
	assert_int_equal(e->ops->list_keys(e, "BOB@", false, &k, &n, &err),
	    0);
	assert_int_equal(n, 1);
	crypto_keys_free(k, n);
	assert_int_equal(e->ops->list_keys(e, "nobody", false, &k, &n, &err),
	    0);
	assert_int_equal(n, 0);
	crypto_keys_free(k, n);
	eng_close(e);
}

static void
test_import(void **state)
{
	struct crypto_engine *e = eng_open("ca.crt", "st-import");
	struct cachet_err err = { 0 };
	struct crypto_key *k = NULL;
	size_t n = 0, len;
	char *cmd, *data;

	/* The demo key: PKCS#12 with RC2 and 3DES, empty password. */
	data = fx_read(DEMO_KEYS "/smime-demo.p12", &len);
	assert_int_equal(e->ops->import(e, data, len, &k, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_true(k[0].has_secret);
	assert_string_equal(k[0].addrs[0], "demo@example.org");
	crypto_keys_free(k, n);
	free(data);
	/* Again: nothing changes, nothing is duplicated. */
	import_fx(e, DEMO_KEYS "/smime-demo.p12", 1);
	/* OpenSSL 3's own format: PBES2 with AES. */
	import_fx(e, "alice-enc-aes.p12", 1);
	/* A certs-only CMS object with two certificates. */
	cmd = xasprintf("openssl crl2pkcs7 -nocrl -certfile %s/carol.crt "
	    "-certfile %s/gina.crt -outform DER -out %s/certs.p7c", pki, pki,
	    tmp);
	assert_int_equal(run(cmd), 0);
	free(cmd);
	cmd = xasprintf("%s/certs.p7c", tmp);
	import_fx(e, cmd, 2);
	free(cmd);
	/* DER certificate. */
	cmd = xasprintf("openssl x509 -in %s/eve.crt -outform DER -out "
	    "%s/eve.der", pki, tmp);
	assert_int_equal(run(cmd), 0);
	free(cmd);
	cmd = xasprintf("%s/eve.der", tmp);
	import_fx(e, cmd, 1);
	free(cmd);
	assert_int_equal(e->ops->list_keys(e, NULL, false, &k, &n, &err), 0);
	assert_int_equal(n, 5);
	crypto_keys_free(k, n);
	assert_int_equal(e->ops->list_keys(e, NULL, true, &k, &n, &err), 0);
	assert_int_equal(n, 2);
	crypto_keys_free(k, n);

	/* Refused: a password, a passphrase, a key without its cert. */
	cmd = xasprintf("openssl pkcs12 -export -inkey %s/bob.key -in "
	    "%s/bob.crt -passout pass:secret -out %s/pw.p12 && openssl pkey "
	    "-in %s/bob.key -aes256 -passout pass:secret -out %s/pw.key",
	    pki, pki, tmp, pki, tmp);
	assert_int_equal(run(cmd), 0);
	free(cmd);
	cmd = xasprintf("%s/pw.p12", tmp);
	data = fx_read(cmd, &len);
	assert_int_equal(e->ops->import(e, data, len, &k, &n, &err),
	    CACHET_E_INVAL);
	assert_non_null(strstr(err.msg, "password"));
	free(data);
	free(cmd);
	cmd = xasprintf("%s/pw.key", tmp);
	data = fx_read(cmd, &len);
	assert_int_equal(e->ops->import(e, data, len, &k, &n, &err),
	    CACHET_E_INVAL);
	assert_non_null(strstr(err.msg, "passphrase"));
	free(data);
	free(cmd);
	data = fx_read("bob.key", &len);
	assert_int_equal(e->ops->import(e, data, len, &k, &n, &err),
	    CACHET_E_INVAL);
	explicit_bzero(data, len);
	free(data);
	assert_int_equal(e->ops->import(e, "garbage", 7, &k, &n, &err),
	    CACHET_E_INVAL);
	assert_int_equal(e->ops->import(e, NULL, 0, &k, &n, &err),
	    CACHET_E_INVAL);
	assert_null(k);
	assert_int_equal(n, 0);
	eng_close(e);

	/* No store: nothing to import into. */
	e = eng_open("ca.crt", NULL);
	data = fx_read("bob.crt", &len);
	assert_int_equal(e->ops->import(e, data, len, &k, &n, &err),
	    CACHET_E_INVAL);
	free(data);
	eng_close(e);
}

/* -------------------------------------------------- signing, encrypting */

static void
test_sign(void **state)
{
	struct crypto_engine *e = alice_engine("st-sign");
	struct cachet_err err = { 0 };
	struct crypto_result r;
	char *out = NULL, *micalg = NULL, *fpr = fx_fpr("alice-sign"), *cmd;
	size_t mlen, outlen;
	char *msg = fx_read("msg.txt", &mlen);

	assert_int_equal(e->ops->sign(e, "Alice <alice@example.test>", msg,
	    mlen, true, &out, &outlen, &micalg, &err), 0);
	assert_string_equal(micalg, "sha-256");
	memset(&r, 0, sizeof(r));
	assert_int_equal(e->ops->verify_detached(e, msg, mlen, out, outlen,
	    &r, &err), 0);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_string_equal(r.sigs[0].fpr, fpr);	/* not alice-enc */
	assert_string_equal(r.sigs[0].digest, "SHA256");
	crypto_result_release(&r);
	write_tmp("signed.p7s", out, outlen);
	cmd = xasprintf("openssl cms -verify -binary -inform DER -in "
	    "%s/signed.p7s -content %s/msg.txt -CAfile %s/ca.crt -purpose "
	    "smimesign -x509_strict -out /dev/null", tmp, pki, pki);
	assert_int_equal(run(cmd), 0);
	free(cmd);
	FREE_AND_NULL(out);
	FREE_AND_NULL(micalg);

	/* Opaque, chosen by fingerprint (with colons, lower case). */
	for (cmd = fpr; *cmd != '\0'; cmd++)
		*cmd = (char)tolower((unsigned char)*cmd);
	cmd = xasprintf("%.2s:%s", fpr, fpr + 2);
	assert_int_equal(e->ops->sign(e, cmd, msg, mlen, false, &out, &outlen,
	    NULL, &err), 0);
	free(cmd);
	assert_int_equal(e->ops->verify_opaque(e, out, outlen, &r, &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_int_equal(r.plaintext_len, mlen);
	assert_memory_equal(r.plaintext, msg, mlen);
	crypto_result_release(&r);
	FREE_AND_NULL(out);

	/* No own signing key for these. */
	assert_int_equal(e->ops->sign(e, "bob@example.test", msg, mlen, true,
	    &out, &outlen, &micalg, &err), CACHET_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "bob@example.test"));
	assert_null(out);
	assert_null(micalg);
	assert_int_equal(e->ops->sign(e, NULL, msg, mlen, true, &out, &outlen,
	    &micalg, &err), CACHET_E_INVAL);
	free(msg);
	free(fpr);
	eng_close(e);
}

/* Whether `openssl cms -decrypt` with NAME's key gets msg.txt back. */
static bool
cli_decrypts(const char *der, size_t len, const char *name)
{
	char *cmd;
	int rc;

	write_tmp("cli.p7m", der, len);
	cmd = xasprintf("openssl cms -decrypt -binary -inform DER -in "
	    "%s/cli.p7m -recip %s/%s.crt -inkey %s/%s.key -out %s/cli.txt && "
	    "cmp %s/cli.txt %s/msg.txt", tmp, pki, name, pki, name, tmp, tmp,
	    pki);
	rc = run(cmd);
	free(cmd);
	return rc == 0;
}

static void
test_encrypt(void **state)
{
	struct crypto_engine *e = alice_engine("st-enc"), *bob;
	const char *to_bob[] = { "Bob <bob@example.test>" };
	const char *to_alice[] = { "alice@example.test" };
	const char *to_bad[] = { "bob@example.test", "carol@example.test" };
	const char *to_rogue[] = { "mallory@example.test" };
	struct cachet_err err = { 0 };
	struct crypto_result r;
	char *out = NULL;
	size_t mlen, outlen;
	char *msg = fx_read("msg.txt", &mlen);

	import_fx(e, "bob.crt", 1);
	import_fx(e, "mallory.crt", 1);
	assert_int_equal(e->ops->encrypt(e, to_bob, 1, "alice@example.test",
	    msg, mlen, &out, &outlen, &err), 0);
	/* Encrypted to self too: alice reads it back. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(e->ops->decrypt(e, out, outlen, &r, &err), 0);
	assert_string_equal(r.cipher, "AES-256-CBC");
	assert_false(r.integrity);
	assert_int_equal(r.nrecipients, 2);
	assert_memory_equal(r.plaintext, msg, mlen);
	crypto_result_release(&r);
	/* And bob, with his own engine and with the openssl tool. */
	bob = eng_open("ca.crt", "st-enc-bob");
	import_fx(bob, "bob.p12", 1);
	assert_int_equal(bob->ops->decrypt(bob, out, outlen, &r, &err), 0);
	assert_memory_equal(r.plaintext, msg, mlen);
	crypto_result_release(&r);
	eng_close(bob);
	/* The openssl tool agrees; alice's copy is for her encryption key. */
	assert_true(cli_decrypts(out, outlen, "bob"));
	assert_true(cli_decrypts(out, outlen, "alice-enc"));
	assert_false(cli_decrypts(out, outlen, "alice-sign"));
	FREE_AND_NULL(out);

	/* Without a signer there is no copy for alice. */
	assert_int_equal(e->ops->encrypt(e, to_bob, 1, NULL, msg, mlen, &out,
	    &outlen, &err), 0);
	assert_int_equal(e->ops->decrypt(e, out, outlen, &r, &err),
	    CACHET_E_NOTFOUND);
	assert_null(r.plaintext);
	crypto_result_release(&r);
	FREE_AND_NULL(out);

	/* alice's encryption certificate is picked, not her signing one. */
	assert_int_equal(e->ops->encrypt(e, to_alice, 1, NULL, msg, mlen, &out,
	    &outlen, &err), 0);
	assert_int_equal(e->ops->decrypt(e, out, outlen, &r, &err), 0);
	assert_int_equal(r.nrecipients, 1);
	crypto_result_release(&r);
	assert_true(cli_decrypts(out, outlen, "alice-enc"));
	FREE_AND_NULL(out);

	/* Refused: no certificate; a certificate without an anchor. */
	assert_int_equal(e->ops->encrypt(e, to_bad, 2, NULL, msg, mlen, &out,
	    &outlen, &err), CACHET_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "carol@example.test"));
	assert_null(out);
	assert_int_equal(e->ops->encrypt(e, to_rogue, 1, NULL, msg, mlen,
	    &out, &outlen, &err), CACHET_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "mallory@example.test"));
	assert_int_equal(e->ops->encrypt(e, NULL, 0, NULL, msg, mlen, &out,
	    &outlen, &err), CACHET_E_INVAL);
	assert_int_equal(e->ops->encrypt(e, to_bob, 1, "carol@example.test",
	    msg, mlen, &out, &outlen, &err), CACHET_E_NOTFOUND);
	assert_null(out);
	free(msg);
	eng_close(e);

	/* A revoked recipient is refused once the CRL is known. */
	e = eng_open("ca+crl.pem", "st-enc-crl");
	import_fx(e, "frank.crt", 1);
	to_rogue[0] = "frank@example.test";
	assert_int_equal(e->ops->encrypt(e, to_rogue, 1, NULL, "x", 1, &out,
	    &outlen, &err), CACHET_E_NOTFOUND);
	eng_close(e);
}

/* --------------------------------------------------------- demo sample */

static void
test_demo_encrypted(void **state)
{
	struct crypto_engine *e = eng_open(DEMO_KEYS "/smime-ca.crt.pem",
	    "st-demo");
	struct buf der = BUF_INIT;
	struct cachet_err err = { 0 };
	struct crypto_result r;

	/* The demo key: PKCS#12 with RC2 and 3DES, empty password. */
	import_fx(e, DEMO_KEYS "/smime-demo.p12", 1);
	import_fx(e, DEMO_KEYS "/smime-alice.crt.pem", 1);
	sample_body(DEMO_INBOX "/21-smime-encrypted.eml", &der);
	memset(&r, 0, sizeof(r));
	assert_int_equal(e->ops->decrypt(e, der.data, der.len, &r, &err), 0);
	assert_true(r.decrypted);
	assert_false(r.integrity);
	assert_string_equal(r.cipher, "AES-256-CBC");
	assert_int_equal(r.nrecipients, 2);
	assert_true(strstr(r.recipients[0], "CN=Demo User") != NULL ||
	    strstr(r.recipients[1], "CN=Demo User") != NULL);
	assert_true(strstr(r.recipients[0], "CN=Alice Example") != NULL ||
	    strstr(r.recipients[1], "CN=Alice Example") != NULL);
	assert_non_null(strstr(r.plaintext,
	    "door code for the back room is 4711"));
	crypto_result_release(&r);
	buf_release(&der);
	eng_close(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decrypt),
		cmocka_unit_test(test_decrypt_failures),
		cmocka_unit_test(test_list_keys),
		cmocka_unit_test(test_import),
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_encrypt),
		cmocka_unit_test(test_demo_encrypted),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
