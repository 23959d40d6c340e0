/*
 * Unit tests for handing out one's own keys (compose_keydist.c, the
 * export_key engine operation, compose_build's Autocrypt header and
 * attached key) and for separate own keys per protocol, with real
 * engines. Homes live in one short temporary directory:
 *
 *   a/  OpenPGP, the sender: Me (own, two user IDs: me@example.test and
 *       me@work.test), two own "Dup" keys for one address, Bob (certified)
 *   b/  OpenPGP, the reader: Bob (own), Me (certified)
 *   i/  empty, for importing what Autocrypt sent
 *   j/  empty, for importing the unfiltered minimal export
 * and the OpenSSL engine's stores beside the shared S/MIME PKI
 * (smime_fixture.h): alice with her separate signing and encryption
 * certificates and bob's certificate; bob with his key. Every gpg-agent
 * is stopped at the end.
 */
#include "smime_fixture.h"

#include <openssl/x509.h>

#include "compose/compose_keydist_int.h"
#include "config/config.h"

#include "cmd/cmd_int.h"

static char *root;		/* /tmp/k.XXXXXX */
static char *me_fpr;
static struct crypto_engine *me_pgp, *bob_pgp, *al_ossl, *bob_ossl;

static const char setup_sh[] =
    "set -eu\n"
    "R=$1\n"
    "L=$R/log\n"
    "mkdir -m 700 \"$R/a\" \"$R/b\" \"$R/i\" \"$R/j\"\n"
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
    "for h in a b i j; do\n"
    "  echo 'pinentry-program /nonexistent' >\"$R/$h/gpg-agent.conf\"\n"
    "done\n"
    "export GNUPGHOME=$R/a\n"
    "gen 'Me <me@example.test>'\n"
    "fpr me@example.test >\"$R/me.fpr\"\n"
    "q --quick-add-uid \"$(cat \"$R/me.fpr\")\" 'Me at Work <me@work.test>'\n"
    "gen 'Dup One <dup@example.test>'\n"
    "gen 'Dup Two <dup@example.test>'\n"
    "gpg --armor --export me@example.test >\"$R/me.asc\" 2>>\"$L\"\n"
    "export GNUPGHOME=$R/b\n"
    "gen 'Bob <bob@example.test>'\n"
    "gpg --armor --export bob@example.test >\"$R/bob.asc\" 2>>\"$L\"\n"
    "q --import \"$R/me.asc\"\n"
    "q --quick-lsign-key \"$(cat \"$R/me.fpr\")\"\n"
    "export GNUPGHOME=$R/a\n"
    "q --import \"$R/bob.asc\"\n"
    "q --quick-lsign-key \"$(fpr bob@example.test)\"\n";

static const char body_text[] = "Here is my key, as promised.";

/* ------------------------------------------------------------ helpers */

static struct crypto_engine *
pgp_open(const char *dir)
{
	struct crypto_engine_opts o = { 0 };
	struct crypto_engine *e = NULL;
	struct cachet_err err = { 0 };
	char *home = xasprintf("%s/%s", root, dir);

	o.gnupg_home = home;
	if (crypto_engine_open(&e, "gpgme", CRYPTO_PROTO_OPENPGP, &o,
	    &err) != 0)
		fail_msg("open gpgme %s: %s", dir, err.msg);
	free(home);
	return e;
}

static int
group_setup(void **state)
{
	char tmpl[] = "/tmp/k.XXXXXX", *cmd, *path, *s = NULL;
	size_t len;
	int rc;

	if (fx_setup(state) != 0 || mkdtemp(tmpl) == NULL)
		return -1;
	root = xstrdup(tmpl);
	write_tmp("keydist-setup.sh", setup_sh, strlen(setup_sh));
	cmd = xasprintf("sh %s/keydist-setup.sh %s", tmp, root);
	rc = system(cmd);
	free(cmd);
	if (rc != 0) {
		fprintf(stderr, "key setup failed, see %s/log\n", root);
		return -1;
	}
	path = xasprintf("%s/me.fpr", root);
	if (util_read_file(path, &s, &len, NULL) != 0)
		return -1;
	free(path);
	s[strcspn(s, "\n")] = '\0';
	me_fpr = s;
	me_pgp = pgp_open("a");
	bob_pgp = pgp_open("b");
	al_ossl = alice_engine("alice-store");
	import_fx(al_ossl, "bob.crt", 1);
	bob_ossl = eng_open("ca.crt", "bob-store");
	import_fx(bob_ossl, "bob.p12", 1);
	return strlen(me_fpr) == 40 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	const char *homes[] = { "a", "b", "i", "j" };
	struct crypto_engine *all[] = { me_pgp, bob_pgp, al_ossl, bob_ossl };
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
	return fx_teardown(state);
}

static void
msg_init(struct compose_msg *m, const char *from, const char *to)
{
	compose_msg_init(m);
	m->from = (char *)from;
	m->to = (char *)to;
	m->subject = (char *)"My key";
	m->body = (char *)body_text;
}

static void
build_ok(const struct compose_msg *m, const struct crypto_ctx *c,
    struct compose_out *out)
{
	struct cachet_err err = { 0 };

	if (compose_build(m, c, out, &err) != 0)
		fail_msg("compose_build: %s", err.msg);
}

/* The outer header block of a built message (owned, CRLF kept). */
static char *
outer_header(const struct compose_out *out)
{
	const char *end = strstr(out->data, "\r\n\r\n");

	assert_non_null(end);
	return xstrndup(out->data, (size_t)(end - out->data) + 2);
}

/*
 * The unfolded Autocrypt field of the outer header, or NULL; checks that
 * there is at most one and that none of its lines is longer than 78.
 */
static char *
autocrypt_of(const struct compose_out *out)
{
	char *h = outer_header(out), *at, *v, *nl;
	struct buf b = BUF_INIT;

	at = strstr(h, "Autocrypt:");
	if (at == NULL || (at != h && at[-1] != '\n')) {
		free(h);
		return NULL;
	}
	assert_null(strstr(at + 1, "\nAutocrypt:"));
	for (v = at + strlen("Autocrypt:");; v = nl + 2) {
		nl = strstr(v, "\r\n");
		assert_non_null(nl);
		assert_true((size_t)(nl - (v == at + 10 ? at : v)) <= 78);
		buf_add(&b, v, (size_t)(nl - v));
		if (nl[2] != ' ' && nl[2] != '\t')
			break;
	}
	free(h);
	return buf_detach(&b, NULL);
}

/* The value of attribute name in an unfolded Autocrypt field (owned). */
static char *
ac_attr(const char *field, const char *name)
{
	char *want = xasprintf("%s=", name), *p, *v;
	size_t n = strlen(want);

	for (p = (char *)field; (p = strstr(p, want)) != NULL; p += n)
		if (p == field || p[-1] == ' ' || p[-1] == ';')
			break;
	free(want);
	if (p == NULL)
		return NULL;
	v = xstrndup(p + n, strcspn(p + n, ";"));
	return v;
}

/* Import data into the empty home dir; the keys found. */
static void
import_into(const char *dir, const char *data, size_t len,
    struct crypto_key **k, size_t *n)
{
	struct crypto_engine *e = pgp_open(dir);
	struct cachet_err err = { 0 };

	if (e->ops->import(e, data, len, k, n, &err) != 0)
		fail_msg("import into %s: %s", dir, err.msg);
	crypto_engine_close(e);
}

static size_t
nuids_matching(const struct crypto_key *k, const char *addr)
{
	size_t i, hits = 0;

	for (i = 0; i < k->naddrs; i++)
		hits += strcmp(k->addrs[i], addr) == 0;
	return hits;
}

/* ------------------------------------------------------------ export */

static void
test_export_pgp(void **state)
{
	struct cachet_err err = { 0 };
	struct crypto_key *k = NULL;
	char *out = NULL;
	size_t len = 0, n = 0;

	assert_true(me_pgp->ops->caps & CRYPTO_CAP_EXPORT);
	assert_int_equal(me_pgp->ops->export_key(me_pgp, "me@example.test",
	    false, &out, &len, &err), 0);
	assert_int_equal(strlen(out), len);
	assert_true(strncmp(out, "-----BEGIN PGP PUBLIC KEY BLOCK-----",
	    36) == 0);
	free(out);
	/* Minimal: binary, one key, every user ID still there. */
	assert_int_equal(me_pgp->ops->export_key(me_pgp, me_fpr, true, &out,
	    &len, &err), 0);
	assert_true(len > 100 && ((unsigned char)out[0] & 0x80));
	import_into("j", out, len, &k, &n);
	assert_int_equal(n, 1);
	assert_string_equal(k[0].fpr, me_fpr);
	assert_int_equal(k[0].nuids, 2);
	crypto_keys_free(k, n);
	free(out);
	/* None, or several. */
	assert_int_equal(me_pgp->ops->export_key(me_pgp, "zed@example.test",
	    true, &out, &len, &err), CACHET_E_NOTFOUND);
	assert_null(out);
	assert_int_equal(me_pgp->ops->export_key(me_pgp, "dup@example.test",
	    false, &out, &len, &err), CACHET_E_INVAL);
	assert_null(out);
	assert_int_equal(me_pgp->ops->export_key(me_pgp, "not a key", false,
	    &out, &len, &err), CACHET_E_INVAL);
	assert_int_equal(me_pgp->ops->export_key(me_pgp, "me@example.test",
	    false, NULL, &len, &err), CACHET_E_INVAL);
}

/* The certificate's SHA-256, as smime-certs.sh wrote it. */
static bool
der_is(const char *der, size_t len, const char *name)
{
	const unsigned char *p = (const unsigned char *)der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	unsigned char md[32];
	unsigned mdlen = 0, i;
	char hex[65];

	assert_non_null(x);
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &mdlen), 1);
	X509_free(x);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02X", md[i]);
	return p == (const unsigned char *)der + len && fpr_is(hex, name);
}

static void
test_export_smime(void **state)
{
	struct cachet_err err = { 0 };
	char *out = NULL, *enc = fx_fpr("alice-enc"), *bob = fx_fpr("bob");
	size_t len = 0;

	assert_true(al_ossl->ops->caps & CRYPTO_CAP_EXPORT);
	/* Two certificates carry alice's address: name one. */
	assert_int_equal(al_ossl->ops->export_key(al_ossl,
	    "alice@example.test", false, &out, &len, &err), CACHET_E_INVAL);
	assert_null(out);
	assert_int_equal(al_ossl->ops->export_key(al_ossl, enc, false, &out,
	    &len, &err), 0);
	assert_true(der_is(out, len, "alice-enc"));
	free(out);
	assert_int_equal(al_ossl->ops->export_key(al_ossl, "bob@example.test",
	    true, &out, &len, &err), 0);
	assert_true(der_is(out, len, "bob"));
	free(out);
	assert_int_equal(al_ossl->ops->export_key(al_ossl, bob, false, &out,
	    &len, &err), 0);
	free(out);
	assert_int_equal(al_ossl->ops->export_key(al_ossl, "zed@example.test",
	    false, &out, &len, &err), CACHET_E_NOTFOUND);
	assert_int_equal(al_ossl->ops->export_key(al_ossl, "", false, &out,
	    &len, &err), CACHET_E_INVAL);
	free(enc);
	free(bob);
}

/* --------------------------------------------------------- Autocrypt */

/* Decode unbroken base64 text s into out. */
static void
b64(const char *s, struct buf *out)
{
	size_t len = strlen(s), pad = 0;
	unsigned char *d = xmalloc(len / 4 * 3 + 3);
	int n;

	assert_true(len % 4 == 0);
	n = EVP_DecodeBlock(d, (const unsigned char *)s, (int)len);
	assert_true(n > 0);
	while (pad < 2 && len > pad && s[len - 1 - pad] == '=')
		pad++;
	buf_add(out, (char *)d, (size_t)n - pad);
	free(d);
}

/* keydata decodes to Me's key with the From user ID alone. */
static void
check_keydata(const char *field)
{
	char *kd = ac_attr(field, "keydata"), *w, *r;
	struct buf der = BUF_INIT;
	struct crypto_key *k = NULL;
	size_t n = 0;

	assert_non_null(kd);
	/* Folding white space inside keydata is not part of it. */
	for (w = r = kd; *r != '\0'; r++)
		if (*r != ' ' && *r != '\t')
			*w++ = *r;
	*w = '\0';
	b64(kd, &der);
	import_into("i", der.data, der.len, &k, &n);
	assert_int_equal(n, 1);
	assert_string_equal(k[0].fpr, me_fpr);
	assert_int_equal(k[0].nuids, 1);
	assert_int_equal(nuids_matching(&k[0], "me@example.test"), 1);
	assert_true(k[0].can_encrypt);
	crypto_keys_free(k, n);
	buf_release(&der);
	free(kd);
}

static void
test_autocrypt_clear(void **state)
{
	struct crypto_ctx c = { me_pgp, al_ossl, false };
	struct compose_out out;
	struct compose_msg m;
	char *f, *addr;

	msg_init(&m, "Me <me@example.test>", "bob@example.test");
	m.autocrypt = true;
	build_ok(&m, &c, &out);
	f = autocrypt_of(&out);
	assert_non_null(f);
	addr = ac_attr(f, "addr");
	assert_string_equal(addr, "me@example.test");
	assert_null(strstr(f, "prefer-encrypt"));
	check_keydata(f);
	free(addr);
	free(f);
	compose_out_release(&out);
	/* mutual */
	m.autocrypt_mutual = true;
	build_ok(&m, &c, &out);
	f = autocrypt_of(&out);
	assert_non_null(f);
	addr = ac_attr(f, "prefer-encrypt");
	assert_string_equal(addr, "mutual");
	free(addr);
	free(f);
	compose_out_release(&out);
	/* Not asked for: none. */
	m.autocrypt = false;
	build_ok(&m, &c, &out);
	assert_null(autocrypt_of(&out));
	compose_out_release(&out);
	/* A sender without an OpenPGP key: left out, not an error. */
	msg_init(&m, "Zed <zed@example.test>", "bob@example.test");
	m.autocrypt = true;
	build_ok(&m, &c, &out);
	assert_null(autocrypt_of(&out));
	compose_out_release(&out);
	/* No OpenPGP engine at all: the same. */
	c.openpgp = NULL;
	msg_init(&m, "Me <me@example.test>", "bob@example.test");
	m.autocrypt = true;
	build_ok(&m, &c, &out);
	assert_null(autocrypt_of(&out));
	compose_out_release(&out);
}

static void
test_autocrypt_secure(void **state)
{
	struct crypto_ctx c = { me_pgp, al_ossl, false };
	struct crypto_ctx rc = { bob_pgp, NULL, false };
	struct crypto_status st;
	struct compose_out out;
	struct compose_msg m;
	char *f, *h;

	/* Encrypted OpenPGP: the field stays in the outer header. */
	msg_init(&m, "Me <me@example.test>", "bob@example.test");
	m.autocrypt = true;
	m.security = COMPOSE_SIGN | COMPOSE_ENCRYPT;
	build_ok(&m, &c, &out);
	assert_int_equal(out.proto, COMPOSE_PROTO_OPENPGP);
	f = autocrypt_of(&out);
	assert_non_null(f);
	check_keydata(f);
	free(f);
	assert_int_equal(crypto_status_compute(&rc, out.data, out.len, &st,
	    NULL), 0);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	assert_true(st.flags & CRYPTO_ST_ENCRYPTED);
	assert_non_null(st.display);
	assert_non_null(strstr(st.display, body_text));
	crypto_status_release(&st);
	compose_out_release(&out);
	/* S/MIME: never, even when asked for and the sender has both. */
	msg_init(&m, "Alice <alice@example.test>", "bob@example.test");
	m.autocrypt = true;
	m.security = COMPOSE_SIGN;
	m.proto = COMPOSE_PROTO_SMIME;
	build_ok(&m, &c, &out);
	assert_int_equal(out.proto, COMPOSE_PROTO_SMIME);
	h = outer_header(&out);
	assert_null(strstr(h, "Autocrypt"));
	free(h);
	compose_out_release(&out);
	/* Drafts carry none. */
	msg_init(&m, "Me <me@example.test>", "bob@example.test");
	m.autocrypt = true;
	assert_int_equal(compose_build_draft(&m, &c, &out, NULL), 0);
	assert_null(autocrypt_of(&out));
	compose_out_release(&out);
}

static void
test_filter_uids(void **state)
{
	static const char junk[] = "\x99\x01";	/* truncated packet */
	struct buf b = BUF_INIT;
	char *key = NULL;
	size_t len = 0;

	assert_int_equal(compose_keydist_filter_uids(NULL, 0, "a@b", &b), -1);
	assert_int_equal(compose_keydist_filter_uids("", 0, "a@b", &b), -1);
	assert_int_equal(compose_keydist_filter_uids(junk, 2, "a@b", &b), -1);
	assert_int_equal(compose_keydist_filter_uids("\x01\x02", 2, "a@b",
	    &b), -1);
	assert_int_equal(me_pgp->ops->export_key(me_pgp, me_fpr, true, &key,
	    &len, NULL), 0);
	assert_int_equal(compose_keydist_filter_uids(key, len,
	    "zed@example.test", &b), -1);
	assert_int_equal(compose_keydist_filter_uids(key, len,
	    "me@work.test", &b), 0);
	assert_true(b.len > 0 && b.len < len);
	buf_release(&b);
	/* Every prefix of the key is either read whole or refused. */
	for (size_t cut = 1; cut < len; cut += 7) {
		if (compose_keydist_filter_uids(key, cut, "me@example.test",
		    &b) == 0)
			buf_release(&b);
	}
	free(key);
}

/* ------------------------------------------------------ attached key */

static void
test_attach_pubkey(void **state)
{
	struct crypto_ctx c = { me_pgp, al_ossl, false };
	struct crypto_ctx rc = { bob_pgp, NULL, false };
	struct crypto_status st;
	struct compose_out out;
	struct compose_msg m;
	char *name, *sig, *key;

	msg_init(&m, "Me <me@example.test>", "bob@example.test");
	m.attach_pubkey = true;
	m.security = COMPOSE_SIGN;
	m.proto = COMPOSE_PROTO_OPENPGP;
	build_ok(&m, &c, &out);
	name = xasprintf("OpenPGP_0x%s.asc", me_fpr + 24);
	assert_non_null(strstr(out.data, name));
	assert_non_null(strstr(out.data, "application/pgp-keys"));
	/* Inside the signed part: before the signature. */
	key = strstr(out.data, "application/pgp-keys");
	sig = strstr(out.data, "Content-Type: application/pgp-signature");
	assert_non_null(key);
	assert_non_null(sig);
	assert_true(key < sig);
	assert_true(strstr(out.data, "multipart/signed") < key);
	assert_int_equal(crypto_status_compute(&rc, out.data, out.len, &st,
	    NULL), 0);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	assert_int_equal(st.flags & CRYPTO_ST_WARNINGS, 0);
	assert_int_equal(st.nparts, 1);
	assert_string_equal(st.parts[0].path, "1");
	assert_true(st.parts[0].covers_all);
	crypto_status_release(&st);
	compose_out_release(&out);
	/* Encrypted: the key is inside, not in the clear. */
	m.security = COMPOSE_SIGN | COMPOSE_ENCRYPT;
	build_ok(&m, &c, &out);
	assert_null(strstr(out.data, "application/pgp-keys"));
	assert_int_equal(crypto_status_compute(&rc, out.data, out.len, &st,
	    NULL), 0);
	assert_true(st.flags & CRYPTO_ST_ENCRYPTED);
	assert_non_null(st.display);
	assert_non_null(strstr(st.display, name));
	assert_non_null(strstr(st.display, "application/pgp-keys"));
	crypto_status_release(&st);
	compose_out_release(&out);
	free(name);
	/* No key to attach: an error, nothing built. */
	msg_init(&m, "Zed <zed@example.test>", "bob@example.test");
	m.attach_pubkey = true;
	assert_int_not_equal(compose_build(&m, &c, &out, NULL), 0);
	assert_null(out.data);
}

/* ----------------------------------------------- own keys per protocol */

static void
test_separate_smime_certs(void **state)
{
	struct crypto_ctx c = { me_pgp, al_ossl, false };
	struct crypto_ctx self = { NULL, al_ossl, false };
	struct crypto_ctx bob = { NULL, bob_ossl, false };
	char *sign = fx_fpr("alice-sign"), *enc = fx_fpr("alice-enc");
	struct cachet_err err = { 0 };
	struct crypto_status st;
	struct compose_out out;
	struct compose_msg m;

	msg_init(&m, "Alice <alice@example.test>", "bob@example.test");
	m.security = COMPOSE_SIGN | COMPOSE_ENCRYPT;
	m.proto = COMPOSE_PROTO_SMIME;
	compose_msg_own_keys(&m, NULL, NULL, sign, enc);
	build_ok(&m, &c, &out);
	assert_int_equal(out.proto, COMPOSE_PROTO_SMIME);
	/* Alice reads her own copy (alice-enc) and sees alice-sign. */
	assert_int_equal(crypto_status_compute(&self, out.data, out.len, &st,
	    NULL), 0);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	assert_true(st.flags & CRYPTO_ST_ENCRYPTED);
	assert_true(st.nparts >= 1);
	{
		size_t i, nsig = 0;

		for (i = 0; i < st.nparts; i++)
			if (st.parts[i].res.nsigs == 1) {
				assert_true(fpr_is(st.parts[i].res.sigs[0].fpr,
				    "alice-sign"));
				nsig++;
			}
		assert_int_equal(nsig, 1);
	}
	crypto_status_release(&st);
	/* And so does bob. */
	assert_int_equal(crypto_status_compute(&bob, out.data, out.len, &st,
	    NULL), 0);
	assert_int_equal(st.verdict, CRYPTO_VERDICT_SIGNED);
	assert_true(st.flags & CRYPTO_ST_ENCRYPTED);
	crypto_status_release(&st);
	compose_out_release(&out);
	/* The keys are really the ones used: swapped, both are refused. */
	memset(&m.own_smime, 0, sizeof(m.own_smime));
	compose_msg_own_keys(&m, NULL, NULL, sign, sign);
	assert_int_not_equal(compose_build(&m, &c, &out, &err), 0);
	assert_null(out.data);
	memset(&m.own_smime, 0, sizeof(m.own_smime));
	compose_msg_own_keys(&m, NULL, NULL, enc, enc);
	assert_int_not_equal(compose_build(&m, &c, &out, &err), 0);
	assert_null(out.data);
	/* The OpenPGP keys do not leak into S/MIME and back. */
	memset(&m.own_smime, 0, sizeof(m.own_smime));
	compose_msg_own_keys(&m, me_fpr, me_fpr, sign, enc);
	m.security = COMPOSE_SIGN;
	build_ok(&m, &c, &out);
	assert_int_equal(out.proto, COMPOSE_PROTO_SMIME);
	compose_out_release(&out);
	free(sign);
	free(enc);
}

static void
test_own_key_choice(void **state)
{
	struct compose_msg m;
	char big[COMPOSE_OWNKEY_MAX + 10];

	compose_msg_init(&m);
	compose_msg_own_keys(&m, "P1", "P2", "S1", "S2");
	assert_string_equal(compose_own_signer(&m, COMPOSE_PROTO_OPENPGP,
	    "f@x"), "P1");
	assert_string_equal(compose_own_signer(&m, COMPOSE_PROTO_SMIME,
	    "f@x"), "S1");
	assert_string_equal(compose_own_enc(&m, COMPOSE_PROTO_OPENPGP), "P2");
	assert_string_equal(compose_own_enc(&m, COMPOSE_PROTO_SMIME), "S2");
	/* The protocol-independent choice wins. */
	m.sign_key = (char *)"K";
	m.enc_self_key = (char *)"E";
	assert_string_equal(compose_own_signer(&m, COMPOSE_PROTO_SMIME,
	    "f@x"), "K");
	assert_string_equal(compose_own_enc(&m, COMPOSE_PROTO_OPENPGP), "E");
	/* Unset: From. Too long: ignored. */
	compose_msg_init(&m);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	compose_msg_own_keys(&m, big, NULL, "", NULL);
	assert_string_equal(compose_own_signer(&m, COMPOSE_PROTO_OPENPGP,
	    "f@x"), "f@x");
	assert_null(compose_own_enc(&m, COMPOSE_PROTO_SMIME));
	compose_msg_own_keys(NULL, "x", "x", "x", "x");
}

/* What the account's configuration puts into a message. */
static void
test_account_keys(void **state)
{
	struct config_account a;
	struct compose_msg m;

	memset(&a, 0, sizeof(a));
	a.openpgp_sign_key = (char *)"PS";
	a.smime_encrypt_cert = (char *)"SE";
	a.encrypt_to_self = true;
	compose_msg_init(&m);
	cmd_send_account_keys(&a, &m);
	assert_string_equal(m.own_pgp.sign, "PS");
	assert_string_equal(m.own_pgp.encrypt, "");
	assert_string_equal(m.own_smime.sign, "");
	assert_string_equal(m.own_smime.encrypt, "SE");
	assert_true(m.encrypt_to_self);
	assert_false(m.autocrypt);
	a.encrypt_to_self = false;
	a.autocrypt = CONFIG_AUTOCRYPT_MUTUAL;
	cmd_send_account_keys(&a, &m);
	assert_false(m.encrypt_to_self);
	assert_true(m.autocrypt);
	assert_true(m.autocrypt_mutual);
}

/* encrypt_to_self = no: only the recipient can read it. */
static void
test_no_encrypt_to_self(void **state)
{
	struct crypto_ctx c = { me_pgp, NULL, false };
	struct crypto_ctx mine = { me_pgp, NULL, false };
	struct crypto_status st;
	struct compose_out out;
	struct compose_msg m;

	msg_init(&m, "Me <me@example.test>", "bob@example.test");
	m.security = COMPOSE_ENCRYPT;
	m.encrypt_to_self = false;
	build_ok(&m, &c, &out);
	assert_int_equal(crypto_status_compute(&mine, out.data, out.len, &st,
	    NULL), 0);
	assert_true(st.flags & CRYPTO_ST_DECRYPT_FAILED);
	crypto_status_release(&st);
	compose_out_release(&out);
	m.encrypt_to_self = true;
	build_ok(&m, &c, &out);
	assert_int_equal(crypto_status_compute(&mine, out.data, out.len, &st,
	    NULL), 0);
	assert_true(st.flags & CRYPTO_ST_ENCRYPTED);
	crypto_status_release(&st);
	compose_out_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export_pgp),
		cmocka_unit_test(test_export_smime),
		cmocka_unit_test(test_autocrypt_clear),
		cmocka_unit_test(test_autocrypt_secure),
		cmocka_unit_test(test_filter_uids),
		cmocka_unit_test(test_attach_pubkey),
		cmocka_unit_test(test_separate_smime_certs),
		cmocka_unit_test(test_own_key_choice),
		cmocka_unit_test(test_account_keys),
		cmocka_unit_test(test_no_encrypt_to_self),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
