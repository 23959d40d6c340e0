/*
 * Unit tests for the security status (src/crypto/crypto_status*.c,
 * crypto_frame.c, crypto_report.c): the framing of PGP/MIME, S/MIME and
 * inline PGP, the verdict rules, sender binding, the display content and
 * the report, with the fake engine (real signatures over the bytes, no
 * cryptography) and a scripted engine defined here that answers what each
 * test needs (weak digests, expired keys, hostile user IDs, ...).
 * The real engines are exercised by tests/integration/t_verify.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "crypto/crypto_status_int.h"
#include "mime/mime_int.h"

#define FAKE_FPR "FA4EFA4EFA4EFA4EFA4EFA4EFA4EFA4EFA4EFA4E"

static struct crypto_engine *fake_pgp, *fake_smime;
static struct crypto_engine *script_pgp, *script_smime;

/* ------------------------------------------------- a scripted engine */

/*
 * Answers by the word after "SCRIPT:" in what it is given: a signature
 * result (good, bad, weak, sha1, expired, revoked, untrusted, unknown,
 * evil, malformed, fail, none) or a decryption (dec-ok, dec-3des,
 * dec-nomdc, dec-fail, dec-signed); decrypted text is what stands
 * between "<<" and ">>".
 */
static const char *
script_word(const char *p, size_t len, char *w, size_t wlen)
{
	const char *s = memmem(p, len, "SCRIPT:", 7);
	size_t n = 0;

	w[0] = '\0';
	if (s == NULL)
		return w;
	s += 7;
	while (s + n < p + len && n + 1 < wlen &&
	    (s[n] == '-' || (s[n] >= 'a' && s[n] <= 'z') ||
	    (s[n] >= '0' && s[n] <= '9')))
		n++;
	memcpy(w, s, n);
	w[n] = '\0';
	return w;
}

static void
script_sig(struct crypto_result *r, enum crypto_sig_result res,
    const char *signer, const char *addr, const char *digest)
{
	struct crypto_sig *s;

	r->sigs = xreallocarray(r->sigs, r->nsigs + 1, sizeof(*r->sigs));
	s = &r->sigs[r->nsigs++];
	memset(s, 0, sizeof(*s));
	s->result = res;
	if (res == CRYPTO_SIG_UNKNOWN_KEY || res == CRYPTO_SIG_ERROR) {
		s->fpr = res == CRYPTO_SIG_ERROR ? NULL :
		    xstrdup("0123456789ABCDEF0123456789ABCDEF01234567");
		s->note = xstrdup(res == CRYPTO_SIG_ERROR ?
		    "not signed/malformed: no signer" : "no key");
		return;
	}
	s->fpr = xstrdup("5C5C5C5C5C5C5C5C5C5C5C5C5C5C5C5C5C5C5C5C");
	s->signer = xstrdup(signer);
	s->addrs = xcalloc(1, sizeof(*s->addrs));
	s->addrs[0] = xstrdup(addr);
	s->naddrs = 1;
	s->digest = xstrdup(digest);
	s->trust = res == CRYPTO_SIG_GOOD ? CRYPTO_TRUST_FULL :
	    CRYPTO_TRUST_UNKNOWN;
}

static int
script_verify(const char *p, size_t len, struct crypto_result *r,
    struct cachet_err *err)
{
	static const struct {
		const char *word;
		enum crypto_sig_result res;
		const char *digest;
	} table[] = {
		{"good", CRYPTO_SIG_GOOD, "SHA256"},
		{"bad", CRYPTO_SIG_BAD, "SHA256"},
		{"weak", CRYPTO_SIG_WEAK, "SHA1"},
		{"sha1", CRYPTO_SIG_UNTRUSTED, "SHA1"},
		{"expired", CRYPTO_SIG_EXPIRED, "SHA256"},
		{"revoked", CRYPTO_SIG_REVOKED, "SHA256"},
		{"untrusted", CRYPTO_SIG_UNTRUSTED, "SHA256"},
		{"unknown", CRYPTO_SIG_UNKNOWN_KEY, NULL},
		{"malformed", CRYPTO_SIG_ERROR, NULL},
	};
	char w[32];
	size_t i;

	script_word(p, len, w, sizeof(w));
	if (strcmp(w, "fail") == 0 || w[0] == '\0')
		return cachet_err(err, CACHET_E_INVAL, "script: cannot judge");
	if (strcmp(w, "none") == 0)
		return 0;
	if (strcmp(w, "evil") == 0) {
		script_sig(r, CRYPTO_SIG_GOOD, "Evil\033[2J\007 Signer "
		    "<script@example.test>", "script@example.test", "SHA256");
		return 0;
	}
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(w, table[i].word) == 0) {
			script_sig(r, table[i].res,
			    "Script Signer <script@example.test>",
			    "script@example.test", table[i].digest);
			return 0;
		}
	return cachet_err(err, CACHET_E_INVAL, "script: unknown word");
}

static int
script_verify_detached(struct crypto_engine *e, const char *data,
    size_t len, const char *sig, size_t siglen, struct crypto_result *r,
    struct cachet_err *err)
{
	return script_verify(sig, siglen, r, err);
}

/* The text between "<<" and ">>", or NULL. */
static char *
between(const char *p, size_t len, size_t *out)
{
	const char *a = memmem(p, len, "<<", 2), *b;

	if (a == NULL)
		return NULL;
	a += 2;
	b = memmem(a, (size_t)(p + len - a), ">>", 2);
	if (b == NULL)
		return NULL;
	*out = (size_t)(b - a);
	return xstrndup(a, *out);
}

static int
script_verify_opaque(struct crypto_engine *e, const char *data, size_t len,
    struct crypto_result *r, struct cachet_err *err)
{
	int rc = script_verify(data, len, r, err);

	if (rc == 0)
		r->plaintext = between(data, len, &r->plaintext_len);
	return rc;
}

static int
script_decrypt(struct crypto_engine *e, const char *data, size_t len,
    struct crypto_result *r, struct cachet_err *err)
{
	char w[32];

	script_word(data, len, w, sizeof(w));
	if (strcmp(w, "dec-fail") == 0)
		return cachet_err(err, CACHET_E_NOTFOUND, "no secret key");
	r->cipher = xstrdup(strcmp(w, "dec-3des") == 0 ? "3DES" : "AES256");
	r->decrypted = true;
	r->integrity = strcmp(w, "dec-nomdc") != 0;
	r->plaintext = between(data, len, &r->plaintext_len);
	if (strcmp(w, "dec-signed") == 0)
		script_sig(r, CRYPTO_SIG_GOOD, "Script Signer "
		    "<script@example.test>", "script@example.test", "SHA256");
	return 0;
}

static int
script_open(struct crypto_engine **out, enum crypto_proto proto,
    const struct crypto_engine_opts *o, struct cachet_err *err)
{
	*out = xcalloc(1, sizeof(**out));
	return 0;
}

static void
script_close(struct crypto_engine *e)
{
	free(e);
}

static const struct crypto_engine_ops script_ops = {
	.name = "script",
	.protocols = CRYPTO_PROTO_OPENPGP | CRYPTO_PROTO_SMIME,
	.caps = CRYPTO_CAP_VERIFY | CRYPTO_CAP_DECRYPT,
	.open = script_open,
	.close = script_close,
	.verify_detached = script_verify_detached,
	.verify_opaque = script_verify_opaque,
	.decrypt = script_decrypt,
};

static struct crypto_engine *
script_engine(enum crypto_proto proto)
{
	struct crypto_engine *e = NULL;

	script_open(&e, proto, NULL, NULL);
	e->ops = &script_ops;
	e->proto = proto;
	return e;
}

/* ------------------------------------------------------------ set-up */

static int
setup(void **state)
{
	struct cachet_err err;

	if (crypto_engine_open(&fake_pgp, "fake", CRYPTO_PROTO_OPENPGP, NULL,
	    &err) != 0 || crypto_engine_open(&fake_smime, "fake",
	    CRYPTO_PROTO_SMIME, NULL, &err) != 0)
		return -1;
	script_pgp = script_engine(CRYPTO_PROTO_OPENPGP);
	script_smime = script_engine(CRYPTO_PROTO_SMIME);
	return 0;
}

static int
teardown(void **state)
{
	crypto_engine_close(fake_pgp);
	crypto_engine_close(fake_smime);
	crypto_engine_close(script_pgp);
	crypto_engine_close(script_smime);
	return 0;
}

/* ----------------------------------------------------------- helpers */

/* LF text with every line end made CRLF. */
static char *
crlf(const char *s)
{
	size_t n;

	return crypto_canon_crlf(s, strlen(s), &n);
}

/* The fake engine's detached signature over the CRLF form of entity. */
static char *
fake_sig(const char *entity)
{
	char *canon = crlf(entity), *sig = NULL;
	size_t slen;
	struct cachet_err err;

	assert_int_equal(fake_pgp->ops->sign(fake_pgp, "fake@example.test",
	    canon, strlen(canon), true, &sig, &slen, NULL, &err), 0);
	free(canon);
	return sig;
}

static char *
b64(const char *s, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s,
	    (int)len);
	return out;
}

static const char text_entity[] =
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Hello,\n"
    "this is signed.\n";

/* multipart/signed over entity with the signature sig (PGP/MIME). */
static char *
pgp_signed(const char *from, const char *entity, const char *sig)
{
	return xasprintf("From: %s\n"
	    "To: Bob <bob@example.test>\n"
	    "Subject: test\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/signed; micalg=pgp-sha256;\n"
	    " protocol=\"application/pgp-signature\"; boundary=\"SIG\"\n"
	    "\n"
	    "This is an OpenPGP/MIME signed message.\n"
	    "--SIG\n"
	    "%s\n"
	    "--SIG\n"
	    "Content-Type: application/pgp-signature\n"
	    "\n"
	    "%s\n"
	    "--SIG--\n", from, entity, sig);
}

/* The same message as the fake signs it, entity included. */
static char *
good_signed(const char *from)
{
	/* Without the last line end: it belongs to the delimiter. */
	char *entity = xstrndup(text_entity, strlen(text_entity) - 1);
	char *sig = fake_sig(entity), *m;

	m = pgp_signed(from, entity, sig);
	free(sig);
	free(entity);
	return m;
}

static struct crypto_status
status_of(struct crypto_engine *pgp, struct crypto_engine *smime,
    bool nested, const char *msg)
{
	struct crypto_ctx c = { pgp, smime, nested };
	struct crypto_status st;
	struct cachet_err err;

	assert_int_equal(crypto_status_compute(&c, msg, strlen(msg), &st,
	    &err), 0);
	assert_non_null(st.summary);
	return st;
}

static struct crypto_status
fake_status(const char *msg)
{
	return status_of(fake_pgp, fake_smime, false, msg);
}

static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n') || *s == 0x7f)
			return true;
	return false;
}

/* ------------------------------------------------------------- tests */

static void
test_null_and_empty(void **state)
{
	struct crypto_status st;
	struct cachet_err err;
	char *r;

	assert_int_equal(crypto_status_compute(NULL, NULL, 0, &st, &err),
	    CACHET_E_INVAL);
	assert_int_equal(crypto_status_compute(NULL, "x", 1, NULL, &err),
	    CACHET_E_INVAL);
	crypto_status_release(NULL);
	crypto_status_release(&st);
	r = crypto_status_report(NULL, true);
	assert_string_equal(r, "null\n");
	free(r);
	assert_int_equal(crypto_status_compute(NULL, "", 0, &st, &err), 0);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_NONE);
	assert_true(st.flags & CRYPTO_ST_AMBIGUOUS_SENDER);
	assert_null(st.from_addr);
	assert_int_equal(st.nparts, 0);
	crypto_status_release(&st);
}

static void
test_plain(void **state)
{
	struct crypto_status st = fake_status("From: A <a@example.test>\n"
	    "Subject: hi\n\nhello\n");

	assert_int_equal(st.verdict, CRYPTO_VERDICT_NONE);
	assert_int_equal(st.flags, 0);
	assert_string_equal(st.from_addr, "a@example.test");
	assert_string_equal(st.summary, "not signed");
	assert_null(st.display);
	crypto_status_release(&st);
}

static void
test_canon_crlf(void **state)
{
	size_t n;
	char *s = crypto_canon_crlf("a\nb\r\nc\rd\n", 9, &n);

	assert_string_equal(s, "a\r\nb\r\nc\rd\r\n");
	assert_int_equal(n, 11);
	free(s);
	s = crypto_canon_crlf("", 0, &n);
	assert_int_equal(n, 0);
	free(s);
}

static void
test_detached_good(void **state)
{
	char *m = good_signed("Fake Signer <fake@example.test>"), *m2, *r;
	struct crypto_status st = fake_status(m);

	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	assert_int_equal(st.flags, 0);
	assert_int_equal(st.nparts, 1);
	assert_string_equal(st.parts[0].path, "1");
	assert_int_equal(st.parts[0].kind, CRYPTO_PART_SIGNED);
	assert_int_equal(st.parts[0].proto, CRYPTO_PROTO_OPENPGP);
	assert_true(st.parts[0].covers_all);
	assert_int_equal(st.parts[0].res.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_non_null(strstr(st.summary, "signed by Fake Signer "
	    "<fake@example.test> (good, fingerprint " FAKE_FPR ")"));
	r = crypto_status_report(&st, false);
	assert_non_null(strstr(r, "verdict: signed\n"));
	assert_non_null(strstr(r, "part 1: OpenPGP signed (multipart/signed):"
	    " covers the whole message\n"));
	assert_non_null(strstr(r, "  signature 1: good\n"));
	free(r);
	r = crypto_status_report(&st, true);
	assert_non_null(strstr(r, "\"verdict\":\"signed\""));
	assert_non_null(strstr(r, "\"clean\":true"));
	free(r);
	crypto_status_release(&st);
	/* The same message stored with CRLF line ends. */
	m2 = crlf(m);
	st = fake_status(m2);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	crypto_status_release(&st);
	free(m2);
	free(m);
}

/* The signature is over the CRLF form without the final line end. */
static void
test_detached_canonical_form(void **state)
{
	char *entity = xstrndup(text_entity, strlen(text_entity) - 1);
	char *sig, *m;
	struct crypto_status st;
	size_t slen;
	struct cachet_err err;

	/* Over the LF form: not what was displayed in canonical form. */
	assert_int_equal(fake_pgp->ops->sign(fake_pgp, "fake@example.test",
	    entity, strlen(entity), true, &sig, &slen, NULL, &err), 0);
	m = pgp_signed("fake@example.test", entity, sig);
	st = fake_status(m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
	assert_int_equal(st.parts[0].res.sigs[0].result, CRYPTO_SIG_BAD);
	crypto_status_release(&st);
	free(m);
	free(sig);
	/* Including the line end before the delimiter: bad too. */
	sig = fake_sig(text_entity);
	m = pgp_signed("fake@example.test", entity, sig);
	st = fake_status(m);
	assert_int_equal(st.parts[0].res.sigs[0].result, CRYPTO_SIG_BAD);
	crypto_status_release(&st);
	free(m);
	free(sig);
	free(entity);
}

static void
test_detached_bad_and_unknown(void **state)
{
	char *m = good_signed("fake@example.test"), *p, *r;
	struct crypto_status st;

	p = strstr(m, "this is signed");
	p[0] = 'T';	/* one byte changed */
	st = fake_status(m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
	assert_int_equal(st.parts[0].res.sigs[0].result, CRYPTO_SIG_BAD);
	assert_non_null(strstr(st.summary, "bad signature on part 1"));
	r = crypto_status_report(&st, false);
	assert_non_null(strstr(r, "  signature 1: bad\n"));
	free(r);
	crypto_status_release(&st);
	free(m);
	m = good_signed("fake@example.test");
	p = strstr(m, FAKE_FPR);
	p[0] = '0';	/* another key */
	st = fake_status(m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
	assert_int_equal(st.parts[0].res.sigs[0].result,
	    CRYPTO_SIG_UNKNOWN_KEY);
	crypto_status_release(&st);
	free(m);
}

static void
test_partly_signed(void **state)
{
	char *inner = good_signed("fake@example.test"), *body, *m;
	struct crypto_status st;

	/* The signed message's body, as a part of a multipart/mixed. */
	body = strstr(inner, "Content-Type: multipart/signed");
	m = xasprintf("From: fake@example.test\n"
	    "Content-Type: multipart/mixed; boundary=\"MIX\"\n\n"
	    "--MIX\n%s\n--MIX\nContent-Type: text/plain\n\nnot signed\n"
	    "--MIX--\n", body);
	st = fake_status(m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PARTLY_SIGNED);
	assert_string_equal(st.parts[0].path, "1.1");
	assert_false(st.parts[0].covers_all);
	assert_non_null(strstr(st.summary, "partly signed: part 1.1 signed "
	    "by Fake Signer"));
	crypto_status_release(&st);
	free(m);
	/* Wrapped alone inside an unsigned multipart: still partly. */
	m = xasprintf("From: fake@example.test\n"
	    "Content-Type: multipart/mixed; boundary=\"MIX\"\n\n"
	    "--MIX\n%s\n--MIX--\n", body);
	st = fake_status(m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PARTLY_SIGNED);
	crypto_status_release(&st);
	free(m);
	free(inner);
}

static void
test_sender_mismatch(void **state)
{
	char *m = good_signed("Boss <boss@example.test>");
	struct crypto_status st = fake_status(m);

	assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
	assert_true(st.flags & CRYPTO_ST_SENDER_MISMATCH);
	assert_non_null(strstr(st.summary, "signed by Fake Signer "
	    "<fake@example.test>, not by the sender <boss@example.test>"));
	crypto_status_release(&st);
	free(m);
	/* Case does not matter. */
	m = good_signed("Fake <FAKE@Example.TEST>");
	st = fake_status(m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	crypto_status_release(&st);
	free(m);
}

static void
test_ambiguous_sender(void **state)
{
	static const char *const from[] = {
		"fake@example.test\nFrom: fake@example.test",	/* two */
		"fake@example.test, other@example.test",
		"",
		"\"boss@example.test\" <fake@example.test>",
		"=?utf-8?q?boss=40example.test?= <fake@example.test>",
		"\"boss\xef\xbc\xa0" "example.test\" <fake@example.test>",
		"undisclosed:;",
	};
	struct crypto_status st;
	size_t i;
	char *m;

	for (i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		m = good_signed(from[i]);
		st = fake_status(m);
		assert_true(st.flags & CRYPTO_ST_AMBIGUOUS_SENDER);
		assert_null(st.from_addr);
		/* The signature stands; no sender is bound. */
		assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
		assert_false(st.flags & CRYPTO_ST_SENDER_MISMATCH);
		assert_non_null(strstr(st.summary, "ambiguous sender"));
		crypto_status_release(&st);
		free(m);
	}
	/* No From at all. */
	m = good_signed("x");
	memcpy(m, "X-Fr", 4);
	st = fake_status(m);
	assert_true(st.flags & CRYPTO_ST_AMBIGUOUS_SENDER);
	crypto_status_release(&st);
	free(m);
	/* A name that is the address itself is not another address. */
	m = good_signed("\"fake@example.test\" <fake@example.test>");
	st = fake_status(m);
	assert_false(st.flags & CRYPTO_ST_AMBIGUOUS_SENDER);
	assert_string_equal(st.from_addr, "fake@example.test");
	crypto_status_release(&st);
	free(m);
}

/* PGP/MIME encrypted, ciphertext (fake) ct. */
static char *
pgp_encrypted(const char *from, const char *ct)
{
	return xasprintf("From: %s\n"
	    "Subject: secret\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/encrypted;\n"
	    " protocol=\"application/pgp-encrypted\"; boundary=\"ENC\"\n"
	    "\n"
	    "--ENC\n"
	    "Content-Type: application/pgp-encrypted\n"
	    "\n"
	    "Version: 1\n"
	    "\n"
	    "--ENC\n"
	    "Content-Type: application/octet-stream\n"
	    "\n"
	    "%s\n"
	    "--ENC--\n", from, ct);
}

static void
test_encrypted(void **state)
{
	char *m = xasprintf("FAKEENC:%s", text_entity), *msg;
	struct crypto_status st;

	msg = pgp_encrypted("fake@example.test", m);
	st = fake_status(msg);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_NONE);
	assert_int_equal(st.flags, CRYPTO_ST_ENCRYPTED);
	assert_int_equal(st.nparts, 1);
	assert_int_equal(st.parts[0].kind, CRYPTO_PART_ENCRYPTED);
	assert_true(st.parts[0].res.decrypted);
	assert_null(st.parts[0].res.plaintext);
	assert_non_null(st.display);
	/* The content in place of the container, outer fields kept. */
	assert_non_null(strstr(st.display, "this is signed."));
	assert_non_null(strstr(st.display, "Subject: secret\r\n"));
	assert_null(strstr(st.display, "multipart/encrypted"));
	assert_string_equal(st.summary, "not signed; encrypted");
	crypto_status_release(&st);
	free(msg);
	free(m);
}

static void
test_encrypted_and_signed(void **state)
{
	char *ct = NULL, *msg, *entity, *sig, *inner;
	size_t ctlen;
	struct cachet_err err;
	const char *const rcpt[] = { "fake@example.test" };
	struct crypto_status st;

	/* One OpenPGP message, encrypted and signed. */
	assert_int_equal(fake_pgp->ops->encrypt(fake_pgp, rcpt, 1,
	    "fake@example.test", text_entity, strlen(text_entity), &ct,
	    &ctlen, &err), 0);
	msg = pgp_encrypted("fake@example.test", ct);
	st = fake_status(msg);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	assert_int_equal(st.flags, CRYPTO_ST_ENCRYPTED);
	assert_int_equal(st.parts[0].res.nsigs, 1);
	crypto_status_release(&st);
	free(msg);
	free(ct);
	/* Signed, then encrypted: multipart/signed inside. */
	entity = xstrndup(text_entity, strlen(text_entity) - 1);
	sig = fake_sig(entity);
	inner = xasprintf("Content-Type: multipart/signed; "
	    "protocol=\"application/pgp-signature\"; boundary=\"S2\"\n\n"
	    "--S2\n%s\n--S2\nContent-Type: application/pgp-signature\n\n%s\n"
	    "--S2--\n", entity, sig);
	ct = xasprintf("FAKEENC:%s", inner);
	msg = pgp_encrypted("fake@example.test", ct);
	st = fake_status(msg);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	assert_int_equal(st.flags, CRYPTO_ST_ENCRYPTED);
	assert_int_equal(st.nparts, 2);
	assert_int_equal(st.parts[1].kind, CRYPTO_PART_SIGNED);
	assert_string_equal(st.parts[1].path, "1");
	assert_true(st.parts[1].covers_all);
	crypto_status_release(&st);
	free(msg);
	free(ct);
	/* Encrypted, then signed: multipart/encrypted inside the signed. */
	ct = xasprintf("FAKEENC:%s", text_entity);
	free(inner);
	inner = pgp_encrypted("x", ct);
	free(sig);
	entity = (free(entity), xstrdup(strstr(inner, "Content-Type:")));
	entity[strlen(entity) - 1] = '\0';
	sig = fake_sig(entity);
	msg = pgp_signed("fake@example.test", entity, sig);
	st = fake_status(msg);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	assert_int_equal(st.flags, CRYPTO_ST_ENCRYPTED);
	assert_non_null(strstr(st.display, "this is signed."));
	crypto_status_release(&st);
	free(msg);
	free(ct);
	free(inner);
	free(entity);
	free(sig);
}

static void
test_decrypt_failures(void **state)
{
	char *msg = pgp_encrypted("fake@example.test", "FAKENOMDC:secret");
	struct crypto_status st = fake_status(msg);

	assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
	assert_true(st.flags & CRYPTO_ST_DECRYPT_FAILED);
	assert_true(st.flags & CRYPTO_ST_NO_INTEGRITY);
	assert_false(st.flags & CRYPTO_ST_ENCRYPTED);
	assert_null(st.display);
	assert_null(st.parts[0].res.plaintext);
	assert_non_null(strstr(st.summary, "cannot decrypt part 1"));
	crypto_status_release(&st);
	free(msg);
	msg = pgp_encrypted("fake@example.test", "not encrypted at all");
	st = fake_status(msg);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
	assert_true(st.flags & CRYPTO_ST_DECRYPT_FAILED);
	assert_false(st.flags & CRYPTO_ST_NO_INTEGRITY);
	crypto_status_release(&st);
	free(msg);
	/* Decrypted without integrity (OpenPGP): refused, nothing shown. */
	msg = pgp_encrypted("fake@example.test", "SCRIPT:dec-nomdc <<x>>");
	st = status_of(script_pgp, NULL, false, msg);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
	assert_true(st.flags & CRYPTO_ST_NO_INTEGRITY);
	assert_null(st.display);
	assert_false(st.parts[0].res.decrypted);
	crypto_status_release(&st);
	free(msg);
	/* A weak cipher decrypts, and is marked. */
	msg = pgp_encrypted("fake@example.test",
	    "SCRIPT:dec-3des <<\nhello>>");
	st = status_of(script_pgp, NULL, false, msg);
	assert_int_equal(st.flags, CRYPTO_ST_ENCRYPTED | CRYPTO_ST_WEAK);
	crypto_status_release(&st);
	free(msg);
}

static void
test_nested_encrypted(void **state)
{
	char *inner = pgp_encrypted("x", "FAKEENC:\nhidden text\n"), *m;
	struct crypto_status st;

	m = xasprintf("From: fake@example.test\n"
	    "Content-Type: multipart/mixed; boundary=\"MIX\"\n\n"
	    "--MIX\nContent-Type: text/plain\n\nclear text\n--MIX\n%s\n"
	    "--MIX--\n", strstr(inner, "Content-Type: multipart/encrypted"));
	st = fake_status(m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_NONE);
	assert_true(st.flags & CRYPTO_ST_NESTED_ENCRYPTED);
	assert_true(st.flags & CRYPTO_ST_PARTLY_ENCRYPTED);
	assert_false(st.flags & CRYPTO_ST_ENCRYPTED);
	assert_false(st.parts[0].res.decrypted);
	assert_string_equal(st.parts[0].path, "1.2");
	assert_null(st.display);
	crypto_status_release(&st);
	/* On request. */
	st = status_of(fake_pgp, NULL, true, m);
	assert_false(st.flags & CRYPTO_ST_NESTED_ENCRYPTED);
	assert_true(st.flags & CRYPTO_ST_PARTLY_ENCRYPTED);
	assert_false(st.flags & CRYPTO_ST_ENCRYPTED);
	assert_true(st.parts[0].res.decrypted);
	assert_non_null(strstr(st.display, "hidden text"));
	assert_non_null(strstr(st.display, "clear text"));
	crypto_status_release(&st);
	free(m);
	free(inner);
}

static char *
smime_msg(const char *type, const char *body, size_t len)
{
	char *enc = b64(body, len);
	char *m = xasprintf("From: fake@example.test\n"
	    "Subject: s\n"
	    "Content-Type: application/pkcs7-mime%s%s; name=smime.p7m\n"
	    "Content-Transfer-Encoding: base64\n\n%s\n",
	    type != NULL ? "; smime-type=" : "", type != NULL ? type : "",
	    enc);

	free(enc);
	return m;
}

static void
test_smime_opaque_and_enveloped(void **state)
{
	char *sig = NULL, *m;
	size_t slen;
	struct cachet_err err;
	struct crypto_status st;

	assert_int_equal(fake_smime->ops->sign(fake_smime,
	    "fake@example.test", text_entity, strlen(text_entity), false,
	    &sig, &slen, NULL, &err), 0);
	m = smime_msg("signed-data", sig, slen);
	st = fake_status(m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	assert_int_equal(st.parts[0].kind, CRYPTO_PART_OPAQUE_SIGNED);
	assert_int_equal(st.parts[0].proto, CRYPTO_PROTO_SMIME);
	/* Displayed from its own content only. */
	assert_non_null(strstr(st.display, "this is signed."));
	assert_null(strstr(st.display, "pkcs7"));
	crypto_status_release(&st);
	free(m);
	free(sig);
	sig = xasprintf("FAKEENC:%s", text_entity);
	m = smime_msg("enveloped-data", sig, strlen(sig));
	st = fake_status(m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_NONE);
	assert_int_equal(st.flags, CRYPTO_ST_ENCRYPTED | CRYPTO_ST_NO_AEAD);
	assert_non_null(st.parts[0].note);
	assert_false(st.parts[0].res.integrity);
	crypto_status_release(&st);
	free(m);
	m = smime_msg("authEnveloped-data", sig, strlen(sig));
	st = fake_status(m);
	assert_int_equal(st.flags, CRYPTO_ST_ENCRYPTED);
	assert_true(st.parts[0].res.integrity);
	crypto_status_release(&st);
	free(m);
	/* certs-only and other types: not a protected part. */
	m = smime_msg("certs-only", sig, strlen(sig));
	st = fake_status(m);
	assert_int_equal(st.nparts, 0);
	crypto_status_release(&st);
	free(m);
	free(sig);
}

static void
test_smime_sniff(void **state)
{
	/* A DER ContentInfo header: SEQUENCE, OID signedData. */
	static const char der[] = "\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d"
	    "\x01\x07\x02SCRIPT:good<<Content-Type: text/plain\n\nsniffed\n>>";
	char *m = smime_msg(NULL, der, sizeof(der) - 1);
	struct crypto_status st = status_of(NULL, script_smime, false, m);

	assert_int_equal(st.nparts, 1);
	assert_int_equal(st.parts[0].kind, CRYPTO_PART_OPAQUE_SIGNED);
	assert_non_null(strstr(st.display, "sniffed"));
	crypto_status_release(&st);
	free(m);
	/* Malformed (one ERROR signature, nobody named): a part error. */
	m = smime_msg("signed-data", "SCRIPT:malformed", 16);
	st = status_of(NULL, script_smime, false, m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
	assert_int_equal(st.parts[0].res.nsigs, 0);
	assert_string_equal(st.parts[0].error,
	    "not signed/malformed: no signer");
	crypto_status_release(&st);
	free(m);
	m = smime_msg("signed-data", "SCRIPT:none", 11);
	st = status_of(NULL, script_smime, false, m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
	assert_non_null(st.parts[0].error);
	crypto_status_release(&st);
	free(m);
}

static void
test_results(void **state)
{
	static const struct {
		const char *word;
		enum crypto_sig_result res;
		bool weak;
	} cases[] = {
		{"weak", CRYPTO_SIG_WEAK, true},
		{"sha1", CRYPTO_SIG_UNTRUSTED, true},
		{"expired", CRYPTO_SIG_EXPIRED, false},
		{"revoked", CRYPTO_SIG_REVOKED, false},
		{"untrusted", CRYPTO_SIG_UNTRUSTED, false},
		{"unknown", CRYPTO_SIG_UNKNOWN_KEY, false},
	};
	struct crypto_status st;
	size_t i;
	char *w, *m;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		w = xasprintf("SCRIPT:%s", cases[i].word);
		m = pgp_signed("script@example.test", "x", w);
		st = status_of(script_pgp, NULL, false, m);
		assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
		assert_int_equal(st.parts[0].res.sigs[0].result,
		    cases[i].res);
		assert_int_equal(!!(st.flags & CRYPTO_ST_WEAK),
		    cases[i].weak);
		assert_false(st.flags & CRYPTO_ST_SENDER_MISMATCH);
		crypto_status_release(&st);
		free(m);
		free(w);
	}
	/* No engine for the protocol, and an engine that cannot judge. */
	m = pgp_signed("script@example.test", "x", "SCRIPT:good");
	st = status_of(NULL, script_smime, false, m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
	assert_true(st.flags & CRYPTO_ST_NO_ENGINE);
	crypto_status_release(&st);
	free(m);
	m = pgp_signed("script@example.test", "x", "SCRIPT:fail");
	st = status_of(script_pgp, NULL, false, m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
	assert_string_equal(st.parts[0].error, "script: cannot judge");
	crypto_status_release(&st);
	free(m);
}

static void
test_hostile_strings(void **state)
{
	char *m = pgp_signed("script@example.test", "x", "SCRIPT:evil");
	struct crypto_status st = status_of(script_pgp, NULL, false, m);
	char *r;

	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	assert_false(has_control(st.summary));
	/* In the status itself, whatever the engine handed over. */
	assert_string_equal(st.parts[0].res.sigs[0].signer,
	    "Evil?[2J? Signer <script@example.test>");
	r = crypto_status_report(&st, false);
	assert_false(has_control(r));
	assert_non_null(strstr(r, "Evil?[2J? Signer"));
	free(r);
	r = crypto_status_report(&st, true);
	assert_false(has_control(r));
	free(r);
	crypto_status_release(&st);
	free(m);
}

static void
test_inline(void **state)
{
	static const char clear[] =
	    "From: script@example.test\n"
	    "Content-Type: text/plain\n\n"
	    "-----BEGIN PGP SIGNED MESSAGE-----\n"
	    "Hash: SHA256\n"
	    "\n"
	    "line one\n"
	    "line two\n"
	    "-----BEGIN PGP SIGNATURE-----\n"
	    "\n"
	    "SCRIPT:good\n"
	    "-----END PGP SIGNATURE-----\n";
	struct crypto_status st = status_of(script_pgp, NULL, false, clear);
	char *m, *r;

	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	assert_int_equal(st.parts[0].kind, CRYPTO_PART_INLINE_SIGNED);
	assert_int_equal(st.parts[0].first_line, 4);
	assert_int_equal(st.parts[0].last_line, 5);
	assert_null(st.display);	/* shown as it is */
	r = crypto_status_report(&st, false);
	assert_non_null(strstr(r, "  lines: 4-5\n"));
	free(r);
	crypto_status_release(&st);
	/* Text around it: partly signed, the same lines covered. */
	m = xasprintf("%.*sabove\r\n\r\n%sbelow\n", 52, clear, clear + 52);
	st = status_of(script_pgp, NULL, false, m);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PARTLY_SIGNED);
	assert_int_equal(st.parts[0].first_line, 6);
	assert_int_equal(st.parts[0].last_line, 7);
	crypto_status_release(&st);
	free(m);
	/* Incomplete: no claim at all. */
	m = xstrndup(clear, strlen(clear) - 28);
	st = status_of(script_pgp, NULL, false, m);
	assert_int_equal(st.nparts, 0);
	crypto_status_release(&st);
	free(m);
}

static void
test_inline_encrypted(void **state)
{
	static const char enc[] =
	    "-----BEGIN PGP MESSAGE-----\n"
	    "\n"
	    "SCRIPT:dec-ok <<secret words>>\n"
	    "-----END PGP MESSAGE-----\n";
	char *m = xasprintf("From: a@example.test\nSubject: s\n"
	    "Content-Type: text/plain; charset=iso-8859-1\n\n%s", enc);
	struct crypto_status st = status_of(script_pgp, NULL, false, m);

	assert_int_equal(st.flags, CRYPTO_ST_ENCRYPTED);
	assert_int_equal(st.parts[0].first_line, 1);
	assert_int_equal(st.parts[0].last_line, 4);
	assert_non_null(strstr(st.display, "secret words"));
	assert_non_null(strstr(st.display, "charset=iso-8859-1"));
	assert_null(strstr(st.display, "BEGIN PGP"));
	crypto_status_release(&st);
	free(m);
	/* A charset that is no token is not copied into headers. */
	m = xasprintf("From: a@example.test\nContent-Type: text/plain; "
	    "charset=\"x; protected-headers=v1\"\n\n%s", enc);
	st = status_of(script_pgp, NULL, false, m);
	assert_non_null(strstr(st.display, "charset=utf-8\r\n"));
	assert_null(strstr(st.display, "protected"));
	crypto_status_release(&st);
	free(m);
	/* With text around: a nested part, decrypted on request only. */
	m = xasprintf("From: a@example.test\n\nHello\n%sBye\n", enc);
	st = status_of(script_pgp, NULL, false, m);
	assert_true(st.flags & CRYPTO_ST_NESTED_ENCRYPTED);
	assert_null(st.display);
	crypto_status_release(&st);
	st = status_of(script_pgp, NULL, true, m);
	assert_int_equal(st.flags, CRYPTO_ST_PARTLY_ENCRYPTED);
	assert_non_null(strstr(st.display, "multipart/mixed"));
	assert_non_null(strstr(st.display, "secret words"));
	assert_non_null(strstr(st.display, "Hello"));
	crypto_status_release(&st);
	free(m);
}

static void
test_protected_subject(void **state)
{
	char *ct = xasprintf("FAKEENC:Content-Type: text/plain; "
	    "protected-headers=\"v1\"\nSubject: =?utf-8?q?real_subject?=\n"
	    "\nbody\n");
	char *m = pgp_encrypted("fake@example.test", ct);
	struct crypto_status st = fake_status(m);

	assert_string_equal(st.protected_subject, "real subject");
	crypto_status_release(&st);
	free(m);
	/* Outside any protection it means nothing. */
	st = fake_status("From: a@example.test\nSubject: x\n"
	    "Content-Type: text/plain; protected-headers=v1\n\nbody\n");
	assert_null(st.protected_subject);
	crypto_status_release(&st);
	free(ct);
}

static void
test_attached_message(void **state)
{
	char *inner = good_signed("fake@example.test"), *m;
	struct crypto_status st;

	m = xasprintf("From: boss@example.test\n"
	    "Content-Type: multipart/mixed; boundary=\"MIX\"\n\n"
	    "--MIX\nContent-Type: text/plain\n\nforwarded:\n"
	    "--MIX\nContent-Type: message/rfc822\n\n%s\n--MIX--\n", inner);
	st = fake_status(m);
	/* Judged against the attached message's own From. */
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PARTLY_SIGNED);
	assert_string_equal(st.parts[0].path, "1.2.1");
	assert_string_equal(st.from_addr, "boss@example.test");
	crypto_status_release(&st);
	free(m);
	free(inner);
}

static void
test_limits(void **state)
{
	struct buf b = BUF_INIT;
	struct crypto_status st;
	int i;

	/* More protected parts than are judged: a problem. */
	buf_adds(&b, "From: a@example.test\n"
	    "Content-Type: multipart/mixed; boundary=\"M\"\n\n");
	for (i = 0; i < CRYPTO_MAX_PARTS + 5; i++)
		buf_adds(&b, "--M\nContent-Type: multipart/signed; "
		    "protocol=\"application/pgp-signature\"; boundary=\"S\"\n"
		    "\n--S\n\nx\n--S\nContent-Type: application/pgp-signature"
		    "\n\nSCRIPT:good\n--S--\n");
	buf_adds(&b, "--M--\n");
	st = status_of(script_pgp, NULL, false, b.data);
	assert_int_equal(st.nparts, CRYPTO_MAX_PARTS + 1);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
	assert_true(st.flags & CRYPTO_ST_TRUNCATED);
	crypto_status_release(&st);
	buf_reset(&b);
	/* Deep nesting and many parts: bounded, no crash. */
	buf_adds(&b, "From: a@example.test\n");
	for (i = 0; i < 200; i++)
		buf_addf(&b, "Content-Type: multipart/mixed; boundary=\"B%d\""
		    "\n\n--B%d\n", i, i);
	buf_adds(&b, "\nx\n");
	st = fake_status(b.data);
	assert_true(st.flags & CRYPTO_ST_TRUNCATED);
	crypto_status_release(&st);
	buf_reset(&b);
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=\"M\"\n\n");
	for (i = 0; i < 3000; i++)
		buf_adds(&b, "--M\n\nx\n");
	st = fake_status(b.data);
	assert_true(st.flags & CRYPTO_ST_TRUNCATED);
	crypto_status_release(&st);
	buf_release(&b);
}

static void
test_malformed_structures(void **state)
{
	static const char *const msgs[] = {
		/* multipart/signed with one part */
		"From: a@example.test\nContent-Type: multipart/signed; "
		"protocol=\"application/pgp-signature\"; boundary=S\n\n"
		"--S\n\nx\n--S--\n",
		/* signature part of the wrong type */
		"From: a@example.test\nContent-Type: multipart/signed; "
		"protocol=\"application/pgp-signature\"; boundary=S\n\n"
		"--S\n\nx\n--S\nContent-Type: text/plain\n\nSCRIPT:good\n"
		"--S--\n",
		/* multipart/encrypted without its version part */
		"From: a@example.test\nContent-Type: multipart/encrypted; "
		"protocol=\"application/pgp-encrypted\"; boundary=E\n\n"
		"--E\nContent-Type: application/octet-stream\n\n"
		"SCRIPT:dec-ok <<x>>\n--E--\n",
	};
	struct crypto_status st;
	size_t i;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		st = status_of(script_pgp, NULL, false, msgs[i]);
		assert_int_equal(st.verdict, CRYPTO_VERDICT_PROBLEM);
		assert_non_null(st.parts[0].error);
		assert_null(st.display);
		crypto_status_release(&st);
	}
}

/*
 * The renderer's tree (src/mime) and the framing's agree node for node:
 * same types, same bytes, same encodings. The renderer leaves attached
 * messages as leaves and parses them again when shown; in an identity
 * encoding that parse must give the framing's subtree too.
 */
static void
assert_same_tree(const struct mime_node *m, const struct crypto_node *c)
{
	const struct mime_node *mc;
	const struct crypto_node *cc;
	struct mime_tree t;

	assert_string_equal(m->type, c->type);
	assert_ptr_equal(m->body, c->body);
	assert_int_equal(m->body_len, c->body_len);
	assert_int_equal(m->encoding, c->encoding);
	assert_int_equal(m->depth, c->depth);
	if (mime_node_is(m, "multipart/signed") ||
	    mime_node_is(m, "multipart/mixed"))
		assert_string_equal(m->boundary, c->boundary);
	if (crypto_node_is(c, "message/rfc822")) {
		assert_null(m->child);
		if (c->child == NULL)
			return;
		mime_tree_parse(&t, m->body, m->body_len, m->depth + 1);
		assert_same_tree(t.root, c->child);
		mime_tree_release(&t);
		return;
	}
	for (mc = m->child, cc = c->child; mc != NULL && cc != NULL;
	    mc = mc->next, cc = cc->next)
		assert_same_tree(mc, cc);
	assert_null(mc);
	assert_null(cc);
}

static void
assert_views_agree(const char *msg)
{
	struct mime_tree t;
	struct crypto_frame f;
	int budget = CRYPTO_FRAME_MAX_NODES;

	mime_tree_parse(&t, msg, strlen(msg), 0);
	crypto_frame_parse(&f, msg, strlen(msg), true, "1", 0, &budget);
	assert_same_tree(t.root, f.root);
	crypto_frame_release(&f);
	mime_tree_release(&t);
}

static void
test_views_agree(void **state)
{
	static const char *const msgs[] = {
		/* signed in mixed, CRLF, white space after delimiters, a
		 * longer boundary, a headless part, no close delimiter */
		"From: a@example.test\r\n"
		"Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n"
		"pre\r\n--M \t\r\n"
		"Content-Type: multipart/signed; boundary=S;\r\n"
		" protocol=\"application/pgp-signature\"\r\n\r\n"
		"--S\r\nContent-Type: text/plain\r\n\r\nx\r\n--SS\r\n"
		"--S\r\nContent-Type: application/pgp-signature\r\n\r\n"
		"SCRIPT:good\r\n--S--\r\n"
		"--M\r\nheadless\r\n--Mx\r\n--M\r\n\r\nlast",
		/* a digest of messages, one of them signed, one in base64 */
		"Content-Type: multipart/digest; boundary=D\n\n"
		"--D\n\nFrom: b@example.test\n"
		"Content-Type: multipart/signed; boundary=T\n\n"
		"--T\n\nin\n--T\nContent-Type: application/pgp-signature\n\n"
		"s\n--T--\n"
		"--D\nContent-Transfer-Encoding: base64\n\nRnJvbTogYQo=\n"
		"--D\nContent-Type: text/plain\n\nnot a message\n--D--\n",
		/* the first Content-Type unreadable, the second counts */
		"Content-Type: ;;;\nContent-Type: multipart/mixed; "
		"boundary=x\nContent-Type: text/plain\n\n--x\n\none\n--x--\n",
		/* an invalid type is the default; junk and a space before
		 * the colon in the header */
		"Content-Type: te@xt/plain; charset=utf-8\n\nbody\n",
		"junk line\nContent-Type : multipart/mixed; boundary=j\n\n"
		"--j\nContent-Type: message/rfc822\n\n"
		"Content-Type: multipart/alternative; boundary=k\n\n"
		"--k\n\na\n--k\nContent-Type: text/html\n\n<b>b</b>\n--k--\n"
		"--j--\n",
		/* too many Content- fields hide the type */
		"Content-A: 1\nContent-B: 2\nContent-C: 3\nContent-D: 4\n"
		"Content-E: 5\nContent-F: 6\nContent-G: 7\nContent-H: 8\n"
		"Content-I: 9\nContent-J: 10\nContent-K: 11\nContent-L: 12\n"
		"Content-M: 13\nContent-N: 14\nContent-O: 15\nContent-P: 16\n"
		"Content-Type: multipart/mixed; boundary=h\n\n"
		"--h\n\nx\n--h--\n",
		/* a stray CR inside a folded Content-Type: the renderer
		 * once saw text here while the framing judged a signature */
		"From: a@example.test\nContent-Type: multipart/signed; "
		"micalg=pgp-sha256\r;\n protocol=\"application/pgp-signature\";"
		" boundary=\"S\"\n\n--S\n\nsigned\n--S\nContent-Type: "
		"application/pgp-signature\n\nSCRIPT:good\n--S--\n",
		/* no boundary, an empty one, one with a quoted CR */
		"Content-Type: multipart/mixed\n\n--\n\nx\n",
		"Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nx\n",
		"Content-Type: multipart/mixed; boundary=\"a\\\rb\"\n\n--a\n",
		"",
	};
	struct buf b = BUF_INIT;
	size_t i;
	int k;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		assert_views_agree(msgs[i]);
	/* Past the depth limit, and past the node limit. */
	for (k = 0; k < CRYPTO_FRAME_MAX_DEPTH + 8; k++)
		buf_addf(&b, "Content-Type: multipart/mixed; boundary=\"B%d\""
		    "\n\n--B%d\n", k, k);
	buf_adds(&b, "\nx\n");
	assert_views_agree(b.data);
	buf_reset(&b);
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=\"M\"\n\n");
	for (k = 0; k < CRYPTO_FRAME_MAX_NODES + 100; k++)
		buf_adds(&b, "--M\n\nx\n");
	assert_views_agree(b.data);
	buf_release(&b);
}

/* Inputs the fuzzer found; run under ASan, they must stay quiet. */
static void
test_fuzz_regressions(void **state)
{
	static const char from_nul[] = "From: a\0@example.test\n\nx\n";
	static const char qp_end[] = "Content-Type: text/plain\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "-----BEGIN PGP MESSAGE-----=C";
	struct crypto_ctx c = { fake_pgp, fake_smime, false };
	struct crypto_status st;
	char *exact;

	/* A NUL inside a header value. */
	exact = xmalloc(sizeof(from_nul) - 1);
	memcpy(exact, from_nul, sizeof(from_nul) - 1);
	assert_int_equal(crypto_status_compute(&c, exact,
	    sizeof(from_nul) - 1, &st, NULL), 0);
	assert_true(st.flags & CRYPTO_ST_AMBIGUOUS_SENDER);
	crypto_status_release(&st);
	free(exact);
	/* Quoted-printable ending in '=' at the very end of the buffer. */
	exact = xmalloc(sizeof(qp_end) - 1);
	memcpy(exact, qp_end, sizeof(qp_end) - 1);
	assert_int_equal(crypto_status_compute(&c, exact, sizeof(qp_end) - 1,
	    &st, NULL), 0);
	assert_int_equal(st.nparts, 0);
	crypto_status_release(&st);
	free(exact);
}

static void
test_names(void **state)
{
	assert_true(crypto_weak_cipher("3DES"));
	assert_true(crypto_weak_cipher("DES-EDE3-CBC"));
	assert_true(crypto_weak_cipher("des-cbc"));
	assert_true(crypto_weak_cipher("RC2"));
	assert_true(crypto_weak_cipher("RC2-CBC"));
	assert_true(crypto_weak_cipher("RC4"));
	assert_false(crypto_weak_cipher("AES256"));
	assert_false(crypto_weak_cipher("AES-256-CBC"));
	assert_false(crypto_weak_cipher("id-aes256-GCM"));
	assert_false(crypto_weak_cipher(NULL));
	assert_true(crypto_weak_digest("SHA1"));
	assert_true(crypto_weak_digest("MD5"));
	assert_false(crypto_weak_digest("SHA256"));
	assert_false(crypto_weak_digest("SHA512"));
	assert_string_equal(crypto_verdict_name(CRYPTO_VERDICT_PARTLY_SIGNED),
	    "partly signed");
	assert_null(crypto_flag_name(31));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_empty),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_canon_crlf),
		cmocka_unit_test(test_detached_good),
		cmocka_unit_test(test_detached_canonical_form),
		cmocka_unit_test(test_detached_bad_and_unknown),
		cmocka_unit_test(test_partly_signed),
		cmocka_unit_test(test_sender_mismatch),
		cmocka_unit_test(test_ambiguous_sender),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_encrypted_and_signed),
		cmocka_unit_test(test_decrypt_failures),
		cmocka_unit_test(test_nested_encrypted),
		cmocka_unit_test(test_smime_opaque_and_enveloped),
		cmocka_unit_test(test_smime_sniff),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_inline),
		cmocka_unit_test(test_inline_encrypted),
		cmocka_unit_test(test_protected_subject),
		cmocka_unit_test(test_attached_message),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_malformed_structures),
		cmocka_unit_test(test_fuzz_regressions),
		cmocka_unit_test(test_views_agree),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
