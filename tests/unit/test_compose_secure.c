/*
 * Unit tests for the security side of compose (compose_secure.c,
 * compose_keys.c, compose_build.c) with real engines: every message made
 * here is read back by crypto_status_compute with the recipient's own
 * engines, which must find it signed and/or encrypted, its protected
 * Subject and its text. Homes live in one short temporary directory:
 *
 *   a/  OpenPGP, the sender: Me (own, ultimately trusted); Bob and two
 *       "dup" keys (certified); Un (not certified); Rev (revoked); Old
 *       (expired)
 *   b/  OpenPGP, the recipient: Bob (own), Me (certified)
 *   s/  gpgsm, the sender: alice's signing and encryption certificates
 *       with their keys, bob's certificate, the test CA (trusted)
 *   t/  gpgsm, the recipient: bob's certificate and key, the test CA
 * and the OpenSSL engine's stores beside the shared S/MIME PKI
 * (smime_fixture.h). Every gpg-agent is stopped at the end.
 */
#include "smime_fixture.h"

#include "compose/compose_int.h"

static char *root;		/* /tmp/g.XXXXXX */
static char *me_fpr, *bob_fpr, *dup_fpr[2];
static struct crypto_engine *me_pgp, *bob_pgp, *al_gsm, *bob_gsm;
static struct crypto_engine *al_ossl, *bob_ossl;

static const char setup_sh[] =
    "set -eu\n"
    "R=$1 P=$2\n"
    "L=$R/log\n"
    "mkdir -m 700 \"$R/a\" \"$R/b\" \"$R/o\" \"$R/s\" \"$R/t\"\n"
    "q() {\n"
    "  gpg --batch --no-tty --quiet --pinentry-mode loopback \\\n"
    "    --passphrase '' \"$@\" >>\"$L\" 2>&1\n"
    "}\n"
    "fpr() {\n"
    "  gpg --with-colons --list-keys \"$1\" 2>>\"$L\" |\n"
    "    awk -F: '/^fpr/ { print $10; exit }'\n"
    "}\n"
    "gen() {\n"
    "  q --quick-gen-key \"$1\" future-default default never\n"
    "}\n"
    "for h in a b o; do\n"
    "  echo 'pinentry-program /nonexistent' >\"$R/$h/gpg-agent.conf\"\n"
    "done\n"
    "export GNUPGHOME=$R/a\n"
    "gen 'Me <me@example.test>'\n"
    "fpr me@example.test >\"$R/me.fpr\"\n"
    "gpg --armor --export me@example.test >\"$R/me.asc\" 2>>\"$L\"\n"
    "export GNUPGHOME=$R/b\n"
    "gen 'Bob <bob@example.test>'\n"
    "fpr bob@example.test >\"$R/bob.fpr\"\n"
    "gpg --armor --export bob@example.test >\"$R/bob.asc\" 2>>\"$L\"\n"
    "q --import \"$R/me.asc\"\n"
    "q --quick-lsign-key \"$(cat \"$R/me.fpr\")\"\n"
    "export GNUPGHOME=$R/o\n"
    "gen 'Dup One <dup@example.test>'\n"
    "gen 'Dup Two <dup@example.test>'\n"
    "gpg --with-colons --list-keys dup@example.test 2>>\"$L\" |\n"
    "  awk -F: '/^pub/ { p = 1; next } p && /^fpr/ { print $10; p = 0 }' \\\n"
    "  >\"$R/dup.fpr\"\n"
    "gen 'Un <un@example.test>'\n"
    "gen 'Rev <rev@example.test>'\n"
    "V=$(fpr rev@example.test)\n"
    "sed 's/^:-----BEGIN/-----BEGIN/' \"$R/o/openpgp-revocs.d/$V.rev\" \\\n"
    "  >\"$R/rev.asc\"\n"
    "q --import \"$R/rev.asc\"\n"
    "T=$(( $(date +%s) - 3 * 365 * 86400 ))\n"
    "q --faked-system-time \"$T!\" \\\n"
    "  --quick-gen-key 'Old <old@example.test>' future-default default 1y\n"
    "gpg --armor --export >\"$R/others.asc\" 2>>\"$L\"\n"
    "gpgconf --homedir \"$R/o\" --kill all\n"
    "export GNUPGHOME=$R/a\n"
    "q --import \"$R/bob.asc\" \"$R/others.asc\"\n"
    "for f in $(cat \"$R/bob.fpr\" \"$R/dup.fpr\"); do\n"
    "  q --quick-lsign-key \"$f\"\n"
    "done\n"
    "CA=$(openssl x509 -in \"$P/ca.crt\" -noout -fingerprint -sha1 |\n"
    "  cut -d= -f2)\n"
    "openssl pkcs12 -export -legacy -passout pass: \\\n"
    "  -inkey \"$P/alice-sign.key\" -in \"$P/alice-sign.crt\" \\\n"
    "  -out \"$R/alice-sign.p12\" 2>>\"$L\"\n"
    "for h in s t; do\n"
    "  echo disable-dirmngr >\"$R/$h/gpgsm.conf\"\n"
    "  echo \"$CA S relax\" >\"$R/$h/trustlist.txt\"\n"
    "  printf 'no-allow-mark-trusted\\npinentry-program /nonexistent\\n' \\\n"
    "    >\"$R/$h/gpg-agent.conf\"\n"
    "  GNUPGHOME=$R/$h gpgsm --batch --quiet --import \"$P/ca.crt\" \\\n"
    "    2>>\"$L\"\n"
    "done\n"
    "p12() {\n"
    "  GNUPGHOME=$R/$1 gpgsm --batch --quiet --pinentry-mode loopback \\\n"
    "    --passphrase-fd 0 --import \"$2\" </dev/null 2>>\"$L\"\n"
    "}\n"
    "p12 s \"$R/alice-sign.p12\"\n"
    "p12 s \"$P/alice-enc.p12\"\n"
    "GNUPGHOME=$R/s gpgsm --batch --quiet --import \"$P/bob.crt\" 2>>\"$L\"\n"
    "p12 t \"$P/bob.p12\"\n";

static const char body_text[] = "The plan is ready: meet at noon.";

/* ------------------------------------------------------------ helpers */

static char *
root_line(const char *name, int nth)
{
	char *path = xasprintf("%s/%s", root, name), *data = NULL, *p, *s;
	size_t len;

	assert_int_equal(util_read_file(path, &data, &len, NULL), 0);
	free(path);
	for (p = data; nth > 0 && (p = strchr(p, '\n')) != NULL; nth--)
		p++;
	assert_non_null(p);
	s = xstrndup(p, strcspn(p, "\n"));
	assert_int_equal(strlen(s), 40);
	free(data);
	return s;
}

static struct crypto_engine *
gpgme_open(const char *dir, enum crypto_proto proto)
{
	struct crypto_engine_opts o = { 0 };
	struct crypto_engine *e = NULL;
	struct cachet_err err = { 0 };
	char *home = xasprintf("%s/%s", root, dir);

	o.gnupg_home = home;
	if (crypto_engine_open(&e, "gpgme", proto, &o, &err) != 0)
		fail_msg("open gpgme %s: %s", dir, err.msg);
	free(home);
	return e;
}

static int
group_setup(void **state)
{
	char tmpl[] = "/tmp/g.XXXXXX";
	char *cmd;
	int rc;

	if (fx_setup(state) != 0 || mkdtemp(tmpl) == NULL)
		return -1;
	root = xstrdup(tmpl);
	write_tmp("compose-setup.sh", setup_sh, strlen(setup_sh));
	cmd = xasprintf("sh %s/compose-setup.sh %s %s", tmp, root, pki);
	rc = system(cmd);
	free(cmd);
	if (rc != 0) {
		fprintf(stderr, "key setup failed, see %s/log\n", root);
		return -1;
	}
	me_fpr = root_line("me.fpr", 0);
	bob_fpr = root_line("bob.fpr", 0);
	dup_fpr[0] = root_line("dup.fpr", 0);
	dup_fpr[1] = root_line("dup.fpr", 1);
	me_pgp = gpgme_open("a", CRYPTO_PROTO_OPENPGP);
	bob_pgp = gpgme_open("b", CRYPTO_PROTO_OPENPGP);
	al_gsm = gpgme_open("s", CRYPTO_PROTO_SMIME);
	bob_gsm = gpgme_open("t", CRYPTO_PROTO_SMIME);
	al_ossl = alice_engine("alice-store");
	import_fx(al_ossl, "bob.crt", 1);
	bob_ossl = eng_open("ca.crt", "bob-store");
	import_fx(bob_ossl, "bob.p12", 1);
	return 0;
}

static int
group_teardown(void **state)
{
	const char *homes[] = { "a", "b", "o", "s", "t" };
	struct crypto_engine *all[] = { me_pgp, bob_pgp, al_gsm, bob_gsm,
	    al_ossl, bob_ossl };
	char *cmd;
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] != NULL)
			crypto_engine_close(all[i]);
	for (i = 0; root != NULL && i < sizeof(homes) / sizeof(homes[0]);
	    i++) {
		cmd = xasprintf("gpgconf --homedir %s/%s --kill all", root,
		    homes[i]);
		run(cmd);
		free(cmd);
	}
	if (root != NULL) {
		cmd = xasprintf("rm -rf %s", root);
		run(cmd);
		free(cmd);
	}
	FREE_AND_NULL(root);
	FREE_AND_NULL(me_fpr);
	FREE_AND_NULL(bob_fpr);
	FREE_AND_NULL(dup_fpr[0]);
	FREE_AND_NULL(dup_fpr[1]);
	return fx_teardown(state);
}

/* Every line ends in CRLF, none is longer than max (0: 998). */
static void
assert_crlf(const char *s, size_t len, size_t max)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n') {
			assert_true(i > 0 && s[i - 1] == '\r');
			col = 0;
			continue;
		}
		assert_true(s[i] != '\r' || (i + 1 < len && s[i + 1] == '\n'));
		assert_true(s[i] != '\0' && (unsigned char)s[i] < 0x80);
		if (s[i] != '\r' && ++col > (max != 0 ? max : 998))
			fail_msg("line too long at %zu", i);
	}
	assert_true(len >= 2 && s[len - 2] == '\r' && s[len - 1] == '\n');
}

/* The hand-made content entity, with protected headers. */
static char *
entity(const char *from, const char *to)
{
	return xasprintf("Content-Type: text/plain; charset=utf-8; "
	    "protected-headers=\"v1\"\r\nContent-Transfer-Encoding: 7bit\r\n"
	    "From: %s\r\nTo: %s\r\nSubject: Secret plans\r\n\r\n%s\r\n",
	    from, to, body_text);
}

/* compose_secure on the hand-made entity; the whole message, owned. */
static char *
secure_msg(struct crypto_engine *pgp, struct crypto_engine *smime,
    unsigned sec, enum compose_proto proto, const char *from,
    const char *to, const char *const *rcpts, size_t n, size_t *len)
{
	struct crypto_ctx c = { pgp, smime, false };
	struct cachet_err err = { 0 };
	char *ent = entity(from, to), *out = NULL, *msg;
	size_t olen = 0;

	if (compose_secure(&c, sec, proto, from, rcpts, n, ent, strlen(ent),
	    &out, &olen, &err) != 0)
		fail_msg("compose_secure: %s", err.msg);
	assert_crlf(out, olen, proto == COMPOSE_PROTO_SMIME ? 76 : 0);
	assert_int_equal(strlen(out), olen);
	if (sec == COMPOSE_SIGN)	/* the first part is the entity */
		assert_non_null(memmem(out, olen, ent, strlen(ent)));
	else			/* nothing of the text shows */
		assert_null(strstr(out, "meet at noon"));
	msg = xasprintf("From: %s\r\nTo: %s\r\nSubject: ...\r\n"
	    "MIME-Version: 1.0\r\n%s", from, to, out);
	*len = strlen(msg);
	free(ent);
	free(out);
	return msg;
}

/* Read msg back with the reader's engines and check what it says. */
static void
expect_status(struct crypto_engine *pgp, struct crypto_engine *smime,
    const char *msg, size_t len, bool encrypted)
{
	struct crypto_ctx c = { pgp, smime, false };
	struct cachet_err err = { 0 };
	struct crypto_status st;
	const char *shown;

	assert_int_equal(crypto_status_compute(&c, msg, len, &st, &err), 0);
	if (st.verdict != CRYPTO_VERDICT_SIGNED)
		fail_msg("verdict %s: %s", crypto_verdict_name(st.verdict),
		    st.summary != NULL ? st.summary : "");
	assert_int_equal(st.flags & CRYPTO_ST_WARNINGS, 0);
	assert_int_equal(!!(st.flags & CRYPTO_ST_ENCRYPTED), encrypted);
	assert_non_null(st.protected_subject);
	assert_string_equal(st.protected_subject, "Secret plans");
	shown = encrypted ? st.display : msg;
	assert_non_null(shown);
	assert_non_null(strstr(shown, body_text));
	crypto_status_release(&st);
}

/* The reader cannot decrypt it. */
static void
expect_unreadable(struct crypto_engine *pgp, struct crypto_engine *smime,
    const char *msg, size_t len)
{
	struct crypto_ctx c = { pgp, smime, false };
	struct crypto_status st;

	assert_int_equal(crypto_status_compute(&c, msg, len, &st, NULL), 0);
	assert_true(st.flags & CRYPTO_ST_DECRYPT_FAILED);
	assert_false(st.flags & CRYPTO_ST_ENCRYPTED);
	assert_true(st.display == NULL || strstr(st.display,
	    body_text) == NULL);
	crypto_status_release(&st);
}

/* --------------------------------------------------- compose_secure */

static void
test_pgp_sign(void **state)
{
	size_t len;
	char *msg = secure_msg(me_pgp, NULL, COMPOSE_SIGN,
	    COMPOSE_PROTO_OPENPGP, "me@example.test", "bob@example.test",
	    NULL, 0, &len);

	assert_non_null(strstr(msg, "multipart/signed; micalg=\"pgp-sha"));
	assert_non_null(strstr(msg,
	    "protocol=\"application/pgp-signature\""));
	assert_non_null(strstr(msg, "Content-Type: application/pgp-signature;"
	    " name=\"signature.asc\"\r\n"));
	assert_non_null(strstr(msg, "-----BEGIN PGP SIGNATURE-----\r\n"));
	expect_status(bob_pgp, NULL, msg, len, false);
	free(msg);
}

static void
test_pgp_encrypt_sign(void **state)
{
	const char *rcpts[] = { bob_fpr, me_fpr };
	size_t len;
	char *msg = secure_msg(me_pgp, NULL, COMPOSE_SIGN | COMPOSE_ENCRYPT,
	    COMPOSE_PROTO_OPENPGP, "me@example.test", "bob@example.test",
	    rcpts, 2, &len);

	assert_non_null(strstr(msg, "Content-Type: multipart/encrypted;\r\n"
	    " protocol=\"application/pgp-encrypted\""));
	assert_non_null(strstr(msg, "\r\nVersion: 1\r\n"));
	assert_non_null(strstr(msg, "Content-Type: application/octet-stream"));
	assert_non_null(strstr(msg, "-----BEGIN PGP MESSAGE-----\r\n"));
	expect_status(bob_pgp, NULL, msg, len, true);
	expect_status(me_pgp, NULL, msg, len, true);	/* to self too */
	free(msg);
}

static void
test_pgp_encrypt_only(void **state)
{
	const char *rcpts[] = { bob_fpr };
	struct crypto_ctx c = { bob_pgp, NULL, false };
	struct crypto_status st;
	size_t len;
	char *msg = secure_msg(me_pgp, NULL, COMPOSE_ENCRYPT,
	    COMPOSE_PROTO_OPENPGP, "me@example.test", "bob@example.test",
	    rcpts, 1, &len);

	assert_int_equal(crypto_status_compute(&c, msg, len, &st, NULL), 0);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_NONE);
	assert_true(st.flags & CRYPTO_ST_ENCRYPTED);
	assert_non_null(strstr(st.display, body_text));
	crypto_status_release(&st);
	/* Not encrypted to the sender: the sender cannot read it. */
	expect_unreadable(me_pgp, NULL, msg, len);
	free(msg);
}

static void
smime_sign(struct crypto_engine *snd, struct crypto_engine *rcv)
{
	size_t len;
	char *msg = secure_msg(NULL, snd, COMPOSE_SIGN, COMPOSE_PROTO_SMIME,
	    "alice@example.test", "bob@example.test", NULL, 0, &len);

	assert_non_null(strstr(msg, "multipart/signed; micalg=\"sha-256\""));
	assert_non_null(strstr(msg,
	    "protocol=\"application/pkcs7-signature\""));
	assert_non_null(strstr(msg, "Content-Type: application/pkcs7-"
	    "signature; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: "
	    "base64\r\n"));
	expect_status(NULL, rcv, msg, len, false);
	free(msg);
}

static void
smime_encrypt_sign(struct crypto_engine *snd, struct crypto_engine *rcv)
{
	const char *rcpts[] = { "bob@example.test", "alice@example.test" };
	size_t len;
	char *msg = secure_msg(NULL, snd, COMPOSE_SIGN | COMPOSE_ENCRYPT,
	    COMPOSE_PROTO_SMIME, "alice@example.test", "bob@example.test",
	    rcpts, 2, &len);

	assert_non_null(strstr(msg, "Content-Type: application/pkcs7-mime; "
	    "smime-type=enveloped-data;\r\n name=\"smime.p7m\"\r\n"));
	expect_status(NULL, rcv, msg, len, true);
	free(msg);
}

static void
test_smime_sign_openssl(void **state)
{
	smime_sign(al_ossl, bob_ossl);
}

static void
test_smime_sign_gpgsm(void **state)
{
	smime_sign(al_gsm, bob_gsm);
}

static void
test_smime_encrypt_sign_openssl(void **state)
{
	smime_encrypt_sign(al_ossl, bob_ossl);
}

static void
test_smime_encrypt_sign_gpgsm(void **state)
{
	smime_encrypt_sign(al_gsm, bob_gsm);
}

/* What one engine makes, the other reads. */
static void
test_smime_cross(void **state)
{
	smime_encrypt_sign(al_ossl, bob_gsm);
	smime_encrypt_sign(al_gsm, bob_ossl);
}

static void
test_secure_refusals(void **state)
{
	struct crypto_ctx c = { me_pgp, NULL, false };
	struct cachet_err err = { 0 };
	const char *none[] = { "nobody@example.test" };
	const char *old[] = { "old@example.test" };
	const char *good[] = { bob_fpr };
	char *ent = entity("me@example.test", "x@example.test");
	char *out = (char *)"x";
	size_t len = 1;

	assert_int_not_equal(compose_secure(&c, COMPOSE_ENCRYPT,
	    COMPOSE_PROTO_OPENPGP, NULL, none, 1, ent, strlen(ent), &out, &len,
	    &err), 0);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_non_null(strstr(err.msg, "nobody@example.test"));
	assert_int_not_equal(compose_secure(&c, COMPOSE_ENCRYPT,
	    COMPOSE_PROTO_OPENPGP, NULL, old, 1, ent, strlen(ent), &out, &len,
	    &err), 0);
	assert_null(out);
	/* No S/MIME engine; no protocol; nothing to do; no recipients. */
	assert_int_equal(compose_secure(&c, COMPOSE_SIGN, COMPOSE_PROTO_SMIME,
	    "me@example.test", NULL, 0, ent, strlen(ent), &out, &len, &err),
	    CACHET_E_INVAL);
	assert_int_equal(compose_secure(&c, COMPOSE_SIGN, COMPOSE_PROTO_AUTO,
	    "me@example.test", NULL, 0, ent, strlen(ent), &out, &len, &err),
	    CACHET_E_INVAL);
	assert_int_equal(compose_secure(&c, 0, COMPOSE_PROTO_OPENPGP,
	    "me@example.test", NULL, 0, ent, strlen(ent), &out, &len, &err),
	    CACHET_E_INVAL);
	assert_int_equal(compose_secure(&c, COMPOSE_ENCRYPT,
	    COMPOSE_PROTO_OPENPGP, NULL, NULL, 0, ent, strlen(ent), &out, &len,
	    &err), CACHET_E_INVAL);
	assert_int_equal(compose_secure(&c, COMPOSE_SIGN,
	    COMPOSE_PROTO_OPENPGP, "me@example.test", NULL, 0, NULL, 0, &out,
	    &len, &err), CACHET_E_INVAL);
	/* Signing asked for: never an unsigned message instead. */
	assert_int_equal(compose_secure(&c, COMPOSE_SIGN | COMPOSE_ENCRYPT,
	    COMPOSE_PROTO_OPENPGP, NULL, good, 1, ent, strlen(ent), &out, &len,
	    &err), CACHET_E_INVAL);
	assert_null(out);
	free(ent);
}

/* Bare LF in the entity goes out as CRLF, and is what was signed. */
static void
test_secure_lf_input(void **state)
{
	struct crypto_ctx c = { me_pgp, NULL, false };
	struct crypto_ctx r = { bob_pgp, NULL, false };
	struct cachet_err err = { 0 };
	struct crypto_status st;
	const char ent[] = "Content-Type: text/plain; charset=us-ascii\n\n"
	    "The plan is ready: meet at noon.\n";
	char *out = NULL, *msg;
	size_t len = 0;

	assert_int_equal(compose_secure(&c, COMPOSE_SIGN,
	    COMPOSE_PROTO_OPENPGP, "me@example.test", NULL, 0, ent,
	    strlen(ent), &out, &len, &err), 0);
	assert_crlf(out, len, 0);
	msg = xasprintf("From: me@example.test\r\nMIME-Version: 1.0\r\n%s",
	    out);
	assert_int_equal(crypto_status_compute(&r, msg, strlen(msg), &st,
	    NULL), 0);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	crypto_status_release(&st);
	free(msg);
	free(out);
}

/*
 * An engine that returns canned output: its ciphertext is a fixture file
 * (priv), its signature "sig" with priv as the digest name. It lets the
 * tests see what compose_secure does with what a real engine refuses to
 * make (3DES, RC2, SHA-1).
 */
static int
canned_sign(struct crypto_engine *e, const char *signer, const char *data,
    size_t len, bool detached, char **out, size_t *outlen, char **micalg,
    struct cachet_err *err)
{
	*out = xstrdup("sig");
	*outlen = 3;
	*micalg = xstrdup(e->priv);
	return 0;
}

static int
canned_encrypt(struct crypto_engine *e, const char *const *recipients,
    size_t nrecipients, const char *signer, const char *data, size_t len,
    char **out, size_t *outlen, struct cachet_err *err)
{
	*out = fx_read(e->priv, outlen);
	return 0;
}

static const struct crypto_engine_ops canned_ops = {
	.name = "canned",
	.protocols = CRYPTO_PROTO_SMIME,
	.caps = CRYPTO_CAP_SIGN | CRYPTO_CAP_ENCRYPT,
	.sign = canned_sign,
	.encrypt = canned_encrypt,
};

static int
canned(const char *what, unsigned sec, enum compose_proto proto,
    struct cachet_err *err)
{
	struct crypto_engine e = { &canned_ops, CRYPTO_PROTO_SMIME,
	    (void *)what };
	struct crypto_ctx c = { &e, &e, false };
	const char *rcpts[] = { "bob@example.test" };
	const char ent[] = "Content-Type: text/plain\r\n\r\nhi\r\n";
	char *out = NULL;
	size_t len = 0;
	int rc;

	rc = compose_secure(&c, sec, proto, "alice@example.test", rcpts, 1,
	    ent, strlen(ent), &out, &len, err);
	assert_true((rc == 0) == (out != NULL));
	free(out);
	return rc;
}

static void
test_secure_weak_refused(void **state)
{
	struct cachet_err err = { 0 };

	assert_int_equal(canned("enc-cbc.p7m", COMPOSE_ENCRYPT,
	    COMPOSE_PROTO_SMIME, &err), 0);
	assert_int_equal(canned("enc-3des.p7m", COMPOSE_ENCRYPT,
	    COMPOSE_PROTO_SMIME, &err), CACHET_E_INVAL);
	assert_non_null(strstr(err.msg, "AES"));
	assert_int_equal(canned("enc-rc2.p7m", COMPOSE_ENCRYPT,
	    COMPOSE_PROTO_SMIME, &err), CACHET_E_INVAL);
	/* Not enveloped-data at all. */
	assert_int_equal(canned("sig-good.p7s", COMPOSE_ENCRYPT,
	    COMPOSE_PROTO_SMIME, &err), CACHET_E_INVAL);
	assert_int_equal(canned("msg.txt", COMPOSE_ENCRYPT,
	    COMPOSE_PROTO_SMIME, &err), CACHET_E_INVAL);
	assert_int_equal(canned("sha-256", COMPOSE_SIGN, COMPOSE_PROTO_SMIME,
	    &err), 0);
	assert_int_equal(canned("pgp-sha512", COMPOSE_SIGN,
	    COMPOSE_PROTO_OPENPGP, &err), 0);
	assert_int_equal(canned("sha1", COMPOSE_SIGN, COMPOSE_PROTO_SMIME,
	    &err), CACHET_E_INVAL);
	assert_int_equal(canned("pgp-sha1", COMPOSE_SIGN,
	    COMPOSE_PROTO_OPENPGP, &err), CACHET_E_INVAL);
	assert_int_equal(canned("sha-256\"; x=\"", COMPOSE_SIGN,
	    COMPOSE_PROTO_SMIME, &err), CACHET_E_INVAL);
}

/* ------------------------------------------------------- key status */

static void
msg_init(struct compose_msg *m, const char *from, const char *to)
{
	memset(m, 0, sizeof(*m));
	m->from = (char *)from;
	m->to = (char *)to;
	m->subject = (char *)"Secret plans";
	m->body = (char *)"The plan is ready: meet at noon.\n";
	m->encrypt_to_self = true;
}

static const struct compose_keystat *
stat_of(const struct compose_keystat *k, size_t n, const char *addr,
    enum compose_proto proto)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(k[i].addr, addr) == 0 && k[i].proto == proto)
			return &k[i];
	fail_msg("no status for %s", addr);
	return NULL;
}

static void
expect_state(const struct compose_keystat *k, size_t n, const char *addr,
    enum compose_keystate want, const char *fpr)
{
	const struct compose_keystat *s = stat_of(k, n, addr,
	    COMPOSE_PROTO_OPENPGP);

	if (s->state != want)
		fail_msg("%s: %s, want %s", addr,
		    compose_keystate_name(s->state),
		    compose_keystate_name(want));
	if (fpr != NULL)
		assert_string_equal(s->fpr, fpr);
	else
		assert_null(s->fpr);
}

static void
test_key_states(void **state)
{
	struct crypto_ctx c = { me_pgp, NULL, false };
	struct cachet_err err = { 0 };
	struct compose_keystat *k = NULL;
	enum compose_proto ap = 99;
	struct compose_msg m;
	size_t n = 0;

	msg_init(&m, "Me <me@example.test>", "Bob <Bob@Example.test>, "
	    "dup@example.test, nobody@example.test, \"Un, X\" "
	    "<un@example.test>, bob@example.test");
	m.cc = (char *)"old@example.test";
	m.bcc = (char *)"Team: rev@example.test;";
	if (compose_key_status(&m, &c, &k, &n, &ap, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(n, 7);		/* bob once, plus the sender */
	assert_int_equal(ap, 0);
	assert_string_equal(k[0].addr, "bob@example.test");
	expect_state(k, n, "bob@example.test", COMPOSE_KEY_VALID, bob_fpr);
	assert_string_equal(k[0].origin, "keyring");
	expect_state(k, n, "dup@example.test", COMPOSE_KEY_AMBIGUOUS, NULL);
	assert_int_equal(stat_of(k, n, "dup@example.test",
	    COMPOSE_PROTO_OPENPGP)->ncandidates, 2);
	expect_state(k, n, "nobody@example.test", COMPOSE_KEY_MISSING, NULL);
	assert_int_equal(stat_of(k, n, "un@example.test",
	    COMPOSE_PROTO_OPENPGP)->state, COMPOSE_KEY_UNTRUSTED);
	expect_state(k, n, "old@example.test", COMPOSE_KEY_EXPIRED, NULL);
	expect_state(k, n, "rev@example.test", COMPOSE_KEY_REVOKED, NULL);
	expect_state(k, n, "me@example.test", COMPOSE_KEY_VALID, me_fpr);
	compose_keystats_free(k, n);
}

/* Untrusted keys name the key that would be used. */
static void
test_key_untrusted_fpr(void **state)
{
	struct crypto_ctx c = { me_pgp, NULL, false };
	struct compose_keystat *k = NULL;
	struct compose_msg m;
	size_t n = 0;

	msg_init(&m, "me@example.test", "un@example.test");
	m.encrypt_to_self = false;
	assert_int_equal(compose_key_status(&m, &c, &k, &n, NULL, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(k[0].state, COMPOSE_KEY_UNTRUSTED);
	assert_non_null(k[0].fpr);
	assert_int_equal(strlen(k[0].fpr), 40);
	compose_keystats_free(k, n);
}

static void
test_key_chosen(void **state)
{
	struct crypto_ctx c = { me_pgp, NULL, false };
	struct compose_keychoice ch = { (char *)"dup@example.test", NULL };
	struct compose_keystat *k = NULL;
	enum compose_proto ap = 0;
	struct compose_msg m;
	size_t n = 0;

	ch.fpr = dup_fpr[1];
	msg_init(&m, "me@example.test", "dup@example.test");
	m.keys = &ch;
	m.nkeys = 1;
	assert_int_equal(compose_key_status(&m, &c, &k, &n, &ap, NULL), 0);
	assert_int_equal(n, 2);
	expect_state(k, n, "dup@example.test", COMPOSE_KEY_VALID, dup_fpr[1]);
	assert_string_equal(k[0].origin, "chosen");
	assert_int_equal(ap, COMPOSE_PROTO_OPENPGP);
	compose_keystats_free(k, n);
}

static void
test_auto_proto(void **state)
{
	struct crypto_ctx both = { me_pgp, al_ossl, false };
	struct crypto_ctx gsm = { me_pgp, al_gsm, false };
	struct compose_keystat *k = NULL;
	enum compose_proto ap = 0;
	struct compose_msg m;
	size_t n = 0;

	/* Both protocols have keys for bob: OpenPGP is preferred. */
	msg_init(&m, "me@example.test", "bob@example.test");
	m.encrypt_to_self = false;
	assert_int_equal(compose_key_status(&m, &both, &k, &n, &ap, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ap, COMPOSE_PROTO_OPENPGP);
	assert_int_equal(stat_of(k, n, "bob@example.test",
	    COMPOSE_PROTO_SMIME)->state, COMPOSE_KEY_VALID);
	compose_keystats_free(k, n);
	/* Alice has no OpenPGP key for herself, but certificates. */
	msg_init(&m, "Alice <alice@example.test>", "bob@example.test");
	assert_int_equal(compose_key_status(&m, &both, &k, &n, &ap, NULL), 0);
	assert_int_equal(n, 4);
	assert_int_equal(ap, COMPOSE_PROTO_SMIME);
	compose_keystats_free(k, n);
	assert_int_equal(compose_key_status(&m, &gsm, &k, &n, &ap, NULL), 0);
	assert_int_equal(ap, COMPOSE_PROTO_SMIME);
	compose_keystats_free(k, n);
	/* Nobody has any key: nothing. */
	msg_init(&m, "me@example.test", "nobody@example.test");
	assert_int_equal(compose_key_status(&m, &both, &k, &n, &ap, NULL), 0);
	assert_int_equal(ap, 0);
	compose_keystats_free(k, n);
}

static void
test_key_status_bad_input(void **state)
{
	struct crypto_ctx c = { me_pgp, NULL, false };
	struct cachet_err err = { 0 };
	struct compose_keystat *k = NULL;
	struct compose_msg m;
	size_t n = 0;

	msg_init(&m, "me@example.test", "bob@example.test, <<>>");
	assert_int_equal(compose_key_status(&m, &c, &k, &n, NULL, &err),
	    CACHET_E_INVAL);
	assert_null(k);
	assert_int_equal(n, 0);
	msg_init(&m, "not an address", "bob@example.test");
	assert_int_equal(compose_key_status(&m, &c, &k, &n, NULL, &err),
	    CACHET_E_INVAL);
	msg_init(&m, "me@example.test", NULL);
	m.encrypt_to_self = false;
	assert_int_equal(compose_key_status(&m, &c, &k, &n, NULL, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(compose_key_status(NULL, &c, &k, &n, NULL, &err),
	    CACHET_E_INVAL);
	assert_string_equal(compose_keystate_name(COMPOSE_KEY_AMBIGUOUS),
	    "choose");
	assert_string_equal(compose_keystate_name(COMPOSE_KEY_UNTRUSTED),
	    "untrusted");
}

/* ------------------------------------------------------ compose_build */

static void
expect_refused(struct compose_msg *m, const struct crypto_ctx *c,
    const char *what, const char *why)
{
	struct cachet_err err = { 0 };
	struct compose_out out;

	assert_int_equal(compose_build(m, c, &out, &err), CACHET_E_INVAL);
	assert_null(out.data);
	assert_int_equal(out.len, 0);
	assert_null(out.rcpts);
	if (strstr(err.msg, what) == NULL || strstr(err.msg, why) == NULL)
		fail_msg("error \"%s\" lacks %s / %s", err.msg, what, why);
}

static void
test_build_refusals(void **state)
{
	struct crypto_ctx c = { me_pgp, al_ossl, false };
	struct compose_msg m;

	msg_init(&m, "Me <me@example.test>", "nobody@example.test");
	m.security = COMPOSE_SIGN | COMPOSE_ENCRYPT;
	m.proto = COMPOSE_PROTO_OPENPGP;
	expect_refused(&m, &c, "nobody@example.test", "no key");
	m.to = (char *)"bob@example.test, old@example.test";
	expect_refused(&m, &c, "old@example.test", "key expired");
	m.to = (char *)"bob@example.test";
	m.bcc = (char *)"rev@example.test";
	expect_refused(&m, &c, "rev@example.test", "key revoked");
	m.bcc = (char *)"dup@example.test";
	expect_refused(&m, &c, "dup@example.test", "several keys, choose");
	m.bcc = NULL;
	m.to = (char *)"un@example.test";
	expect_refused(&m, &c, "un@example.test", "not validated");
	/* AUTO with no protocol for everyone: never clear text. */
	m.proto = COMPOSE_PROTO_AUTO;
	m.security = COMPOSE_ENCRYPT;
	m.to = (char *)"bob@example.test, nobody@example.test";
	expect_refused(&m, &c, "nobody@example.test", "no key");
	/* The sender's own key is needed for encrypt-to-self. */
	msg_init(&m, "Zed <zed@example.test>", "bob@example.test");
	m.security = COMPOSE_ENCRYPT;
	m.proto = COMPOSE_PROTO_OPENPGP;
	expect_refused(&m, &c, "zed@example.test", "no key");
}

static void
build_ok(struct compose_msg *m, const struct crypto_ctx *c,
    struct compose_out *out)
{
	struct cachet_err err = { 0 };

	if (compose_build(m, c, out, &err) != 0)
		fail_msg("compose_build: %s", err.msg);
	assert_crlf(out->data, out->len, 0);
	assert_null(strstr(out->data, "meet at noon"));
}

static void
test_build_pgp(void **state)
{
	struct crypto_ctx c = { me_pgp, al_ossl, false };
	struct compose_keychoice ch = { (char *)"dup@example.test", NULL };
	struct compose_out out;
	struct compose_msg m;

	ch.fpr = dup_fpr[0];
	msg_init(&m, "Me <me@example.test>", "Bob <bob@example.test>");
	m.cc = (char *)"dup@example.test";
	m.keys = &ch;
	m.nkeys = 1;
	m.security = COMPOSE_SIGN | COMPOSE_ENCRYPT;
	build_ok(&m, &c, &out);
	assert_int_equal(out.proto, COMPOSE_PROTO_OPENPGP);
	assert_int_equal(out.nrcpts, 2);
	assert_string_equal(out.env_from, "me@example.test");
	assert_non_null(strstr(out.data, "multipart/encrypted"));
	expect_status(bob_pgp, NULL, out.data, out.len, true);
	compose_out_release(&out);
}

static void
test_build_smime(void **state)
{
	struct crypto_ctx c = { me_pgp, al_ossl, false };
	struct compose_out out;
	struct compose_msg m;

	msg_init(&m, "Alice <alice@example.test>", "bob@example.test");
	m.security = COMPOSE_SIGN | COMPOSE_ENCRYPT;
	build_ok(&m, &c, &out);
	assert_int_equal(out.proto, COMPOSE_PROTO_SMIME);
	assert_non_null(strstr(out.data, "application/pkcs7-mime"));
	expect_status(NULL, bob_ossl, out.data, out.len, true);
	compose_out_release(&out);
	/* The same through gpgsm (recipients named by SHA-256). */
	c.smime = al_gsm;
	build_ok(&m, &c, &out);
	assert_int_equal(out.proto, COMPOSE_PROTO_SMIME);
	expect_status(NULL, bob_gsm, out.data, out.len, true);
	compose_out_release(&out);
	/* Signed only, chosen protocol. */
	m.security = COMPOSE_SIGN;
	m.proto = COMPOSE_PROTO_SMIME;
	if (compose_build(&m, &c, &out, NULL) != 0)
		fail_msg("sign only failed");
	assert_int_equal(out.proto, COMPOSE_PROTO_SMIME);
	assert_non_null(strstr(out.data, "application/pkcs7-signature"));
	assert_non_null(strstr(out.data, body_text));
	compose_out_release(&out);
}

static void
build_ok_clear(struct compose_msg *m, const struct crypto_ctx *c,
    struct compose_out *out)
{
	struct cachet_err err = { 0 };

	if (compose_build(m, c, out, &err) != 0)
		fail_msg("compose_build: %s", err.msg);
	assert_crlf(out->data, out->len, 0);
	assert_non_null(strstr(out->data, body_text));
}

/* Signed (not encrypted) for the reader; out is released. */
static void
expect_signed(struct crypto_engine *pgp, struct crypto_engine *smime,
    struct compose_out *out)
{
	struct crypto_ctx c = { pgp, smime, false };
	struct crypto_status st;

	assert_int_equal(crypto_status_compute(&c, out->data, out->len, &st,
	    NULL), 0);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	assert_int_equal(st.flags & (CRYPTO_ST_WARNINGS | CRYPTO_ST_ENCRYPTED),
	    0);
	crypto_status_release(&st);
	compose_out_release(out);
}

/* Signed only, AUTO: the protocol the sender can sign with. */
static void
test_build_sign_auto(void **state)
{
	struct crypto_ctx c = { me_pgp, al_ossl, false };
	struct compose_out out;
	struct compose_msg m;

	msg_init(&m, "Me <me@example.test>", "nobody@example.test");
	m.security = COMPOSE_SIGN;
	build_ok_clear(&m, &c, &out);
	assert_int_equal(out.proto, COMPOSE_PROTO_OPENPGP);
	expect_signed(bob_pgp, NULL, &out);
	msg_init(&m, "Alice <alice@example.test>", "nobody@example.test");
	m.security = COMPOSE_SIGN;
	build_ok_clear(&m, &c, &out);
	assert_int_equal(out.proto, COMPOSE_PROTO_SMIME);
	expect_signed(NULL, bob_ossl, &out);
	msg_init(&m, "Zed <zed@example.test>", "nobody@example.test");
	m.security = COMPOSE_SIGN;
	expect_refused(&m, &c, "zed@example.test", "no signing key");
}

static void
test_build_plain(void **state)
{
	struct compose_out out;
	struct compose_msg m;

	msg_init(&m, "Me <me@example.test>", "nobody@example.test");
	assert_int_equal(compose_build(&m, NULL, &out, NULL), 0);
	assert_int_equal(out.proto, 0);
	assert_non_null(strstr(out.data, body_text));
	compose_out_release(&out);
	compose_out_release(NULL);
	assert_int_equal(compose_build(NULL, NULL, &out, NULL),
	    CACHET_E_INVAL);
}

static void
test_build_draft(void **state)
{
	struct crypto_ctx c = { me_pgp, NULL, false };
	struct crypto_status st;
	struct compose_out out;
	struct compose_msg m, back;

	msg_init(&m, "Me <me@example.test>", "nobody@example.test");
	m.security = COMPOSE_SIGN | COMPOSE_ENCRYPT;
	m.proto = COMPOSE_PROTO_OPENPGP;
	if (compose_build_draft(&m, &c, &out, NULL) != 0)
		fail_msg("draft failed");
	assert_crlf(out.data, out.len, 0);
	assert_non_null(strstr(out.data,
	    "X-Cachet-Draft: sign, encrypt, proto=openpgp\r\n"));
	assert_null(strstr(out.data, "meet at noon"));
	/* Only the user can read it, and it is not signed. */
	expect_unreadable(bob_pgp, NULL, out.data, out.len);
	assert_int_equal(crypto_status_compute(&c, out.data, out.len, &st,
	    NULL), 0);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_NONE);
	assert_true(st.flags & CRYPTO_ST_ENCRYPTED);
	assert_non_null(strstr(st.display, body_text));
	crypto_status_release(&st);
	/* Read back into a message: the choices and the text. */
	assert_int_equal(compose_from_message(out.data, out.len, &c, &back,
	    NULL), 0);
	assert_int_equal(back.security, COMPOSE_SIGN | COMPOSE_ENCRYPT);
	assert_int_equal(back.proto, COMPOSE_PROTO_OPENPGP);
	assert_string_equal(back.subject, "Secret plans");
	assert_non_null(strstr(back.body, body_text));
	compose_msg_release(&back);
	compose_out_release(&out);
	/* Without encryption: clear, choices recorded. */
	m.security = 0;
	m.proto = COMPOSE_PROTO_AUTO;
	assert_int_equal(compose_build_draft(&m, NULL, &out, NULL), 0);
	assert_non_null(strstr(out.data, "X-Cachet-Draft: proto=auto\r\n"));
	assert_non_null(strstr(out.data, body_text));
	compose_out_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pgp_sign),
		cmocka_unit_test(test_pgp_encrypt_sign),
		cmocka_unit_test(test_pgp_encrypt_only),
		cmocka_unit_test(test_smime_sign_openssl),
		cmocka_unit_test(test_smime_sign_gpgsm),
		cmocka_unit_test(test_smime_encrypt_sign_openssl),
		cmocka_unit_test(test_smime_encrypt_sign_gpgsm),
		cmocka_unit_test(test_smime_cross),
		cmocka_unit_test(test_secure_refusals),
		cmocka_unit_test(test_secure_lf_input),
		cmocka_unit_test(test_secure_weak_refused),
		cmocka_unit_test(test_key_states),
		cmocka_unit_test(test_key_untrusted_fpr),
		cmocka_unit_test(test_key_chosen),
		cmocka_unit_test(test_auto_proto),
		cmocka_unit_test(test_key_status_bad_input),
		cmocka_unit_test(test_build_refusals),
		cmocka_unit_test(test_build_pgp),
		cmocka_unit_test(test_build_smime),
		cmocka_unit_test(test_build_sign_auto),
		cmocka_unit_test(test_build_plain),
		cmocka_unit_test(test_build_draft),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
