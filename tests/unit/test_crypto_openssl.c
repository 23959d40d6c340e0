/*
 * Unit tests for the OpenSSL S/MIME engine (src/crypto/engine_openssl*.c),
 * part one: the engine itself and signature verification, with the
 * throwaway PKI and CMS corpus of tests/lib/smime-certs.sh (see
 * smime_fixture.h) and the demo account's signed samples. Every verdict
 * is asserted exactly. Keys, decryption, signing and encryption are in
 * test_crypto_openssl_keys.c.
 */
#include "smime_fixture.h"

#include <dirent.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------- engine basics */

static void
test_ops(void **state)
{
	struct crypto_engine *e = NULL;
	struct cachet_err err = { 0 };
	struct crypto_engine_opts o = { 0 };

	assert_string_equal(crypto_engine_openssl.name, "openssl");
	assert_int_equal(crypto_engine_openssl.protocols, CRYPTO_PROTO_SMIME);
	assert_int_equal(crypto_engine_openssl.caps, CRYPTO_CAP_VERIFY |
	    CRYPTO_CAP_DECRYPT | CRYPTO_CAP_SIGN | CRYPTO_CAP_ENCRYPT |
	    CRYPTO_CAP_LIST_KEYS | CRYPTO_CAP_IMPORT | CRYPTO_CAP_EXPORT);
	assert_int_not_equal(crypto_engine_openssl.open(&e,
	    CRYPTO_PROTO_OPENPGP, &o, &err), 0);
	assert_null(e);
	o.ca_file = "/nonexistent/ca.pem";
	assert_int_equal(crypto_engine_openssl.open(&e, CRYPTO_PROTO_SMIME,
	    &o, &err), CACHET_E_CONFIG);
	assert_null(e);
	assert_non_null(strstr(err.msg, "/nonexistent/ca.pem"));
	/* System anchors, no store: opens; nothing to list. */
	e = eng_open(NULL, NULL);
	eng_close(e);

	/* Through the engine table. */
	assert_ptr_equal(crypto_engine_find("openssl", CRYPTO_PROTO_SMIME),
	    &crypto_engine_openssl);
	assert_null(crypto_engine_find("openssl", CRYPTO_PROTO_OPENPGP));
	o.ca_file = NULL;
	assert_int_equal(crypto_engine_open(&e, "openssl", CRYPTO_PROTO_SMIME,
	    &o, &err), 0);
	assert_ptr_equal(e->ops, &crypto_engine_openssl);
	assert_int_equal(e->proto, CRYPTO_PROTO_SMIME);
	crypto_engine_close(e);
}

/* The store is created private, and the keys in it too. */
static void
test_store_layout(void **state)
{
	struct crypto_engine *e = alice_engine("st-layout");
	char *keys = store_path("st-layout/keys"), *fpr = fx_fpr("alice-sign");
	char *key = xasprintf("%s/%s.key", keys, fpr);
	struct stat st;

	assert_int_equal(stat(keys, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(key);
	key = store_path("st-layout");
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	free(key);
	free(keys);
	free(fpr);
	eng_close(e);
}

/* ---------------------------------------------------------- signatures */

static void
test_verify_good(void **state)
{
	struct crypto_engine *e = eng_open("ca.crt", "st-good");
	struct crypto_result r;
	const struct crypto_sig *s;
	char *fpr = fx_fpr("alice-sign"), *path;
	int64_t now = (int64_t)time(NULL);

	verify_fx(e, "msg.txt", "sig-good.p7s", &r);
	assert_int_equal(r.nsigs, 1);
	s = &r.sigs[0];
	assert_int_equal(s->result, CRYPTO_SIG_GOOD);
	assert_string_equal(s->fpr, fpr);
	assert_string_equal(s->signer, ALICE_NAME);
	assert_int_equal(s->naddrs, 1);
	assert_string_equal(s->addrs[0], "alice@example.test");
	assert_string_equal(s->digest, "SHA256");
	assert_string_equal(s->pubkey_algo, "RSA-2048");
	assert_true(s->created > now - 3600 && s->created <= now + 5);
	assert_int_equal(s->trust, CRYPTO_TRUST_FULL);
	assert_int_equal(s->revocation, CRYPTO_REV_NOT_CHECKED);
	assert_null(s->note);
	assert_int_equal(s->nchain, 2);
	assert_string_equal(s->chain[0].subject, ALICE_NAME);
	assert_string_equal(s->chain[0].issuer, CA_NAME);
	assert_string_equal(s->chain[0].serial, "65");
	assert_string_equal(s->chain[0].fpr_sha256, fpr);
	assert_string_equal(s->chain[0].key_usage,
	    "digitalSignature, nonRepudiation");
	assert_string_equal(s->chain[0].ext_key_usage, "emailProtection");
	assert_false(s->chain[0].is_ca);
	assert_true(s->chain[0].not_before <= now &&
	    s->chain[0].not_after - s->chain[0].not_before == 30 * 86400);
	assert_string_equal(s->chain[1].subject, CA_NAME);
	assert_string_equal(s->chain[1].key_usage, "keyCertSign, cRLSign");
	assert_null(s->chain[1].ext_key_usage);
	assert_true(s->chain[1].is_ca);
	assert_true(fpr_is(s->chain[1].fpr_sha256, "ca"));
	crypto_result_release(&r);

	/* The signer's certificate was collected, as a record. */
	path = xasprintf("%s/st-good/certs/%s.pem", tmp, fpr);
	assert_int_equal(access(path, F_OK), 0);
	free(path);
	free(fpr);
	eng_close(e);
}

/* Entries of a directory under tmp, other than . and .. */
static int
dir_count(const char *name)
{
	char *path = store_path(name);
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	free(path);
	return n;
}

static void
test_verify_bad(void **state)
{
	struct crypto_engine *e = eng_open("ca.crt", "st-bad");
	struct crypto_result r;

	verify_fx(e, "msg-bad.txt", "sig-good.p7s", &r);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_BAD);
	assert_true(fpr_is(r.sigs[0].fpr, "alice-sign"));
	assert_true(note_has(&r.sigs[0], "does not match"));
	assert_int_equal(r.sigs[0].trust, CRYPTO_TRUST_UNKNOWN);
	crypto_result_release(&r);
	/* A bad signature does not get its certificate collected, */
	expect_one(e, "sig-nocert.p7s", CRYPTO_SIG_UNKNOWN_KEY, NULL);
	/* nor does a good one without a path to an anchor. */
	expect_one(e, "sig-rogue.p7s", CRYPTO_SIG_UNTRUSTED, "mallory");
	expect_one(e, "sig-expired.p7s", CRYPTO_SIG_EXPIRED, "dave");
	assert_int_equal(dir_count("st-bad/certs"), 0);
	eng_close(e);
}

static void
test_verify_unknown_then_collected(void **state)
{
	struct crypto_engine *e = eng_open("ca.crt", "st-unknown");
	struct crypto_result r;

	verify_fx(e, "msg.txt", "sig-nocert.p7s", &r);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_UNKNOWN_KEY);
	assert_null(r.sigs[0].fpr);
	assert_null(r.sigs[0].signer);
	assert_string_equal(r.sigs[0].digest, "SHA256");
	assert_true(note_has(&r.sigs[0], "issuer " CA_NAME ", serial 65"));
	crypto_result_release(&r);
	/* Verifying a message that includes it collects the certificate, */
	expect_one(e, "sig-good.p7s", CRYPTO_SIG_GOOD, "alice-sign");
	/* which then identifies the signer of the one without. */
	expect_one(e, "sig-nocert.p7s", CRYPTO_SIG_GOOD, "alice-sign");
	eng_close(e);
}

static void
test_verify_problems(void **state)
{
	struct crypto_engine *e = eng_open("ca.crt", NULL);
	struct crypto_result r;

	verify_fx(e, "msg.txt", "sig-sha1.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_WEAK);
	assert_string_equal(r.sigs[0].digest, "SHA1");
	assert_int_equal(r.sigs[0].trust, CRYPTO_TRUST_FULL);
	assert_true(note_has(&r.sigs[0], "weak digest SHA1"));
	crypto_result_release(&r);

	verify_fx(e, "msg.txt", "sig-expired.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_EXPIRED);
	assert_int_equal(r.sigs[0].trust, CRYPTO_TRUST_UNKNOWN);
	assert_true(note_has(&r.sigs[0], "expired"));
	assert_int_equal(r.sigs[0].nchain, 2);
	assert_int_equal(r.sigs[0].chain[0].not_after, 1580515200);
	crypto_result_release(&r);

	verify_fx(e, "msg.txt", "sig-rogue.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_UNTRUSTED);
	assert_true(note_has(&r.sigs[0], "no trust anchor"));
	assert_int_equal(r.sigs[0].nchain, 1);
	assert_string_equal(r.sigs[0].chain[0].issuer,
	    "CN=cachet rogue CA,O=cachet test");
	crypto_result_release(&r);

	verify_fx(e, "msg.txt", "sig-noeku.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_UNTRUSTED);
	assert_true(note_has(&r.sigs[0], "not for e-mail signing"));
	assert_string_equal(r.sigs[0].chain[0].ext_key_usage, "clientAuth");
	crypto_result_release(&r);

	verify_fx(e, "msg.txt", "sig-badint.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_UNTRUSTED);
	assert_true(note_has(&r.sigs[0], "issuer is not a CA"));
	assert_int_equal(r.sigs[0].nchain, 3);
	assert_false(r.sigs[0].chain[1].is_ca);
	assert_true(r.sigs[0].chain[2].is_ca);
	crypto_result_release(&r);

	/* Strict X.509: a certificate without authority key identifier. */
	verify_fx(e, "msg.txt", "sig-nokid.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_UNTRUSTED);
	assert_true(note_has(&r.sigs[0], "Authority Key Identifier"));
	crypto_result_release(&r);

	expect_one(e, "sig-ec.p7s", CRYPTO_SIG_GOOD, "gina");
	verify_fx(e, "msg.txt", "sig-ec.p7s", &r);
	assert_string_equal(r.sigs[0].pubkey_algo, "EC-P256");
	assert_string_equal(r.sigs[0].addrs[0], "gina@example.test");
	crypto_result_release(&r);
	eng_close(e);
}

static void
test_verify_revocation(void **state)
{
	struct crypto_engine *e = eng_open("ca+crl.pem", NULL);
	struct crypto_result r;
	char *crls, *cmd;

	verify_fx(e, "msg.txt", "sig-revoked.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_REVOKED);
	assert_int_equal(r.sigs[0].revocation, CRYPTO_REV_REVOKED);
	assert_int_equal(r.sigs[0].trust, CRYPTO_TRUST_UNKNOWN);
	crypto_result_release(&r);
	verify_fx(e, "msg.txt", "sig-good.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_int_equal(r.sigs[0].revocation, CRYPTO_REV_GOOD);
	crypto_result_release(&r);
	/* No CRL for the rogue CA: still untrusted, revocation unknown. */
	verify_fx(e, "msg.txt", "sig-rogue.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_UNTRUSTED);
	assert_int_equal(r.sigs[0].revocation, CRYPTO_REV_NOT_CHECKED);
	crypto_result_release(&r);
	eng_close(e);

	/* Without CRLs the revoked certificate looks fine: "not checked". */
	e = eng_open("ca.crt", NULL);
	verify_fx(e, "msg.txt", "sig-revoked.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_int_equal(r.sigs[0].revocation, CRYPTO_REV_NOT_CHECKED);
	crypto_result_release(&r);
	eng_close(e);

	/* CRLs in the store's crls/ directory count too. */
	e = eng_open("ca.crt", "st-crl");
	eng_close(e);
	crls = store_path("st-crl/crls");
	cmd = xasprintf("cp %s/ca.crl %s/", pki, crls);
	assert_int_equal(run(cmd), 0);
	e = eng_open("ca.crt", "st-crl");
	expect_one(e, "sig-revoked.p7s", CRYPTO_SIG_REVOKED, "frank");
	eng_close(e);
	free(cmd);
	free(crls);
}

static const struct crypto_sig *
sig_of(const struct crypto_result *r, const char *subject)
{
	size_t i;

	for (i = 0; i < r->nsigs; i++)
		if (r->sigs[i].signer != NULL &&
		    strcmp(r->sigs[i].signer, subject) == 0)
			return &r->sigs[i];
	return NULL;
}

static void
test_verify_two_signers(void **state)
{
	struct crypto_engine *e = eng_open("ca.crt", NULL);
	const struct crypto_sig *a, *m;
	struct crypto_result r;
	bool alice_first;

	verify_fx(e, "msg.txt", "sig-two.p7s", &r);
	assert_int_equal(r.nsigs, 2);
	a = sig_of(&r, ALICE_NAME);
	m = sig_of(&r, "CN=Mallory Test,O=cachet test");
	assert_non_null(a);
	assert_non_null(m);
	assert_int_equal(a->result, CRYPTO_SIG_GOOD);
	assert_int_equal(m->result, CRYPTO_SIG_UNTRUSTED);
	alice_first = a == &r.sigs[0];
	crypto_result_release(&r);

	/* The last SignerInfo's signature is damaged; the other stands. */
	verify_fx(e, "msg.txt", "sig-two-bad.p7s", &r);
	assert_int_equal(r.nsigs, 2);
	assert_int_equal(r.sigs[1].result, CRYPTO_SIG_BAD);
	assert_int_equal(r.sigs[0].result, alice_first ? CRYPTO_SIG_GOOD :
	    CRYPTO_SIG_UNTRUSTED);
	assert_string_equal(r.sigs[0].signer, alice_first ? ALICE_NAME :
	    "CN=Mallory Test,O=cachet test");
	crypto_result_release(&r);

	verify_fx(e, "msg.txt", "sig-two-unknown.p7s", &r);
	assert_int_equal(r.nsigs, 2);
	a = sig_of(&r, ALICE_NAME);
	assert_non_null(a);
	assert_int_equal(a->result, CRYPTO_SIG_GOOD);
	m = a == &r.sigs[0] ? &r.sigs[1] : &r.sigs[0];
	assert_int_equal(m->result, CRYPTO_SIG_UNKNOWN_KEY);
	assert_true(note_has(m, "serial 67"));	/* bob, 103 */
	crypto_result_release(&r);
	eng_close(e);
}

static void
test_verify_shapes(void **state)
{
	struct crypto_engine *e = eng_open("ca.crt", NULL);
	struct cachet_err err = { 0 };
	struct crypto_result r;
	size_t mlen, len;
	char *msg = fx_read("msg.txt", &mlen), *data;

	/* Opaque: the content comes from inside the signature. */
	data = fx_read("sig-opaque.p7m", &len);
	memset(&r, 0, sizeof(r));
	assert_int_equal(e->ops->verify_opaque(e, data, len, &r, &err), 0);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_int_equal(r.plaintext_len, mlen);
	assert_memory_equal(r.plaintext, msg, mlen);
	crypto_result_release(&r);
	free(data);

	/* A detached signature whose object also carries content. */
	verify_fx(e, "msg.txt", "sig-opaque.p7m", &r);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_ERROR);
	assert_string_equal(r.sigs[0].note,
	    "detached signature carries content");
	crypto_result_release(&r);

	/* An opaque signature without content. */
	data = fx_read("sig-good.p7s", &len);
	assert_int_equal(e->ops->verify_opaque(e, data, len, &r, &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_ERROR);
	assert_string_equal(r.sigs[0].note,
	    "opaque signature carries no content");
	assert_null(r.plaintext);
	crypto_result_release(&r);
	free(data);

	/* No SignerInfo at all. */
	verify_fx(e, "msg.txt", "sig-nosigner.p7s", &r);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_ERROR);
	assert_string_equal(r.sigs[0].note, "not signed/malformed: no signer");
	crypto_result_release(&r);

	/* Not signed-data; not CMS; empty. */
	verify_fx(e, "msg.txt", "enc-cbc.p7m", &r);
	assert_string_equal(r.sigs[0].note, "not signed-data");
	crypto_result_release(&r);
	verify_fx(e, "msg.txt", "msg.txt", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_ERROR);
	assert_non_null(strstr(r.sigs[0].note, "malformed"));
	crypto_result_release(&r);
	assert_int_equal(e->ops->verify_detached(e, msg, mlen, NULL, 0, &r,
	    &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_ERROR);
	crypto_result_release(&r);
	assert_int_equal(e->ops->verify_opaque(e, "", 0, &r, &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_ERROR);
	crypto_result_release(&r);
	/* Empty content against a real signature: bad, not a crash. */
	data = fx_read("sig-good.p7s", &len);
	assert_int_equal(e->ops->verify_detached(e, NULL, 0, data, len, &r,
	    &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_BAD);
	crypto_result_release(&r);
	/* Truncated DER. */
	assert_int_equal(e->ops->verify_detached(e, msg, mlen, data, len / 2,
	    &r, &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_ERROR);
	crypto_result_release(&r);
	free(data);
	free(msg);
	eng_close(e);
}

static void
test_verify_pem(void **state)
{
	struct crypto_engine *e = eng_open("ca.crt", NULL);
	char *cmd = xasprintf("openssl cms -cmsout -inform DER -in "
	    "%s/sig-good.p7s -outform PEM -out %s/sig-good.pem", pki, tmp);
	char *path = xasprintf("%s/sig-good.pem", tmp);

	assert_int_equal(run(cmd), 0);
	expect_one(e, path, CRYPTO_SIG_GOOD, "alice-sign");
	free(cmd);
	free(path);
	eng_close(e);
}

static bool
has_byte(const char *s, char c)
{
	return s != NULL && strchr(s, c) != NULL;
}

static void
test_verify_sanitised(void **state)
{
	struct crypto_engine *e = eng_open("ca.crt", NULL);
	const struct crypto_sig *s;
	struct crypto_result r;
	size_t i;

	verify_fx(e, "msg.txt", "sig-evil.p7s", &r);
	s = &r.sigs[0];
	assert_int_equal(s->result, CRYPTO_SIG_GOOD);
	assert_non_null(strstr(s->signer, "CN=Evil"));
	assert_false(has_byte(s->signer, '\033'));
	assert_int_equal(s->naddrs, 1);
	assert_false(has_byte(s->addrs[0], '\033'));
	assert_non_null(strstr(s->addrs[0], "@example.test"));
	for (i = 0; i < s->nchain; i++) {
		assert_false(has_byte(s->chain[i].subject, '\033'));
		assert_false(has_byte(s->chain[i].issuer, '\033'));
	}
	crypto_result_release(&r);
	eng_close(e);
}

/* --------------------------------------------------------- demo samples */

/* First part of a multipart/signed sample in CRLF form; the signature. */
static void
split_signed(const char *raw, struct buf *part, struct buf *sig)
{
	const char *b = strstr(raw, "boundary=\""), *e, *p, *q;
	char *delim;

	assert_non_null(b);
	b += 10;
	e = strchr(b, '"');
	assert_non_null(e);
	delim = xasprintf("\n--%.*s\n", (int)(e - b), b);
	p = strstr(raw, delim);
	assert_non_null(p);
	p += strlen(delim);
	q = strstr(p, delim);
	assert_non_null(q);
	for (; p < q; p++) {
		if (*p == '\n')
			buf_addc(part, '\r');
		buf_addc(part, *p);
	}
	p = strstr(q + 1, "\n\n");
	assert_non_null(p);
	p += 2;
	delim[strlen(delim) - 1] = '\0';
	q = strstr(p, delim);
	assert_non_null(q);
	b64_decode(p, (size_t)(q - p), sig);
	free(delim);
}

static void
test_demo_signed(void **state)
{
	struct crypto_engine *e = eng_open(DEMO_KEYS "/smime-ca.crt.pem",
	    NULL);
	struct buf part = BUF_INIT, sig = BUF_INIT;
	struct cachet_err err = { 0 };
	struct crypto_result r;
	char *raw;

	raw = fx_read(DEMO_INBOX "/19-smime-signed.eml", NULL);
	split_signed(raw, &part, &sig);
	memset(&r, 0, sizeof(r));
	assert_int_equal(e->ops->verify_detached(e, part.data, part.len,
	    sig.data, sig.len, &r, &err), 0);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_string_equal(r.sigs[0].signer,
	    "emailAddress=alice@example.org,CN=Alice Example,O=Example Org");
	assert_string_equal(r.sigs[0].addrs[0], "alice@example.org");
	assert_string_equal(r.sigs[0].pubkey_algo, "RSA-3072");
	assert_int_equal(r.sigs[0].trust, CRYPTO_TRUST_FULL);
	assert_string_equal(r.sigs[0].chain[1].subject,
	    "CN=Example Org Demo CA,O=Example Org");
	crypto_result_release(&r);
	/* One byte of the signed part changed: bad. */
	part.data[part.len - 3] ^= 1;
	assert_int_equal(e->ops->verify_detached(e, part.data, part.len,
	    sig.data, sig.len, &r, &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_BAD);
	crypto_result_release(&r);
	free(raw);
	buf_reset(&sig);

	sample_body(DEMO_INBOX "/20-smime-opaque-signed.eml", &sig);
	assert_int_equal(e->ops->verify_opaque(e, sig.data, sig.len, &r,
	    &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_string_equal(r.sigs[0].addrs[0], "alice@example.org");
	assert_non_null(strstr(r.plaintext, "meetup photos"));
	crypto_result_release(&r);
	buf_release(&sig);
	buf_release(&part);
	eng_close(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_store_layout),
		cmocka_unit_test(test_verify_good),
		cmocka_unit_test(test_verify_bad),
		cmocka_unit_test(test_verify_unknown_then_collected),
		cmocka_unit_test(test_verify_problems),
		cmocka_unit_test(test_verify_revocation),
		cmocka_unit_test(test_verify_two_signers),
		cmocka_unit_test(test_verify_shapes),
		cmocka_unit_test(test_verify_pem),
		cmocka_unit_test(test_verify_sanitised),
		cmocka_unit_test(test_demo_signed),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
