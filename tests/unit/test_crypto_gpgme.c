/*
 * Unit tests for the crypto engine table, the fake engine and the GPGME
 * engine (OpenPGP through gpg, S/MIME through gpgsm), with real keys and
 * certificates made at test time in a short temporary directory:
 *
 *   p/  OpenPGP home: Alice (own: ed25519 + cv25519, ultimately
 *       trusted), Rev (revoked), Old (expired), Pw (passphrase
 *       "sesame"), Bob (imported, not certified)
 *   o/  elsewhere: Bob and Carol (Carol's key is never imported)
 *   s/  gpgsm home: a test CA (trusted), Alice's signing and encryption
 *       certificates with their keys, Pw's two (keys protected by
 *       "sesame"), a CRL loaded into dirmngr (no HTTP, no LDAP) revoking
 *       "Rev"; a rogue CA nobody trusts. Its gpg-agent may not ask
 *       "trust this root?" and its pinentry is a script that only leaves
 *       a mark (pinentry.used) and fails, so no test can wait on a
 *       dialog, and a test can tell whether the agent tried one.
 *   d/  the demo account's shipped keys, for the demo samples
 *   f/  data, and signatures and messages made outside the engine
 *       (gpg, openssl): SHA-1/MD5 signatures, no-MDC messages, ...
 *
 * Every gpg-agent and dirmngr started for these homes is stopped at the
 * end (gpgconf --kill all), then the directory is removed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "crypto/crypto.h"
#include "crypto/engine_gpgme_int.h"

#ifndef CACHET_SRCDIR
#define CACHET_SRCDIR "."
#endif

extern char **environ;

static char *root;		/* /tmp/tcg.XXXXXX */
static char *alice_fpr, *alice_sha256, *ca_sha256, *bob_fpr;

/*
 * Makes every key, certificate and fixture: sh -c SETUP sh ROOT DEMODIR.
 * Signatures and messages the engine must judge are made here, by gpg,
 * gpgsm and openssl themselves, never by the code under test.
 */
static const char setup_sh[] =
    "set -eu\n"
    "R=$1 D=$2 F=$1/f\n"
    "mkdir -p \"$F\" \"$R/s\"\n"
    "mkdir -m 700 \"$R/p\" \"$R/o\" \"$R/d\"\n"
    "chmod 700 \"$R/s\"\n"
    "q() {\n"
    "  gpg --batch --no-tty --quiet --pinentry-mode loopback \\\n"
    "    --passphrase '' \"$@\"\n"
    "}\n"
    "fpr() {\n"
    "  gpg --with-colons --list-keys \"$1\" |\n"
    "    awk -F: '/^fpr/ { print $10; exit }'\n"
    "}\n"
    "printf 'default-cache-ttl 0\\nmax-cache-ttl 0\\ns2k-count 65536\\n' \\\n"
    "  >\"$R/p/gpg-agent.conf\"\n"
    "printf 'hello, world\\r\\n' >\"$F/data\"\n"
    "printf 'hellO, world\\r\\n' >\"$F/data2\"\n"
    "# OpenPGP: the user's own keys and the keyring's others.\n"
    "export GNUPGHOME=$R/p\n"
    "q --quick-gen-key 'Alice <Alice@Example.test>' ed25519 sign never\n"
    "A=$(fpr alice@example.test)\n"
    "q --quick-add-key \"$A\" cv25519 encr never\n"
    "echo \"$A\" >\"$F/alice.fpr\"\n"
    "q --quick-gen-key 'Rev <rev@example.test>' ed25519 sign never\n"
    "V=$(fpr rev@example.test)\n"
    "q -u \"$V\" --armor --detach-sign -o \"$F/rev.sig\" \"$F/data\"\n"
    "sed 's/^:-----BEGIN/-----BEGIN/' \"$R/p/openpgp-revocs.d/$V.rev\" \\\n"
    "  >\"$R/rev.asc\"\n"
    "q --import \"$R/rev.asc\"\n"
    "T=$(( $(date +%s) - 3 * 365 * 86400 ))\n"
    "q --faked-system-time \"$T!\" \\\n"
    "  --quick-gen-key 'Old <old@example.test>' ed25519 sign 1y\n"
    "q --faked-system-time \"$((T + 86400))!\" -u old@example.test \\\n"
    "  --armor --detach-sign -o \"$F/old.sig\" \"$F/data\"\n"
    "gpg --batch --no-tty --quiet --pinentry-mode loopback \\\n"
    "  --passphrase sesame \\\n"
    "  --quick-gen-key 'Pw <pw@example.test>' ed25519 sign never\n"
    "q -u \"$A\" --armor --digest-algo SHA1 --detach-sign \\\n"
    "  -o \"$F/sha1.sig\" \"$F/data\"\n"
    "q -u \"$A\" --armor --digest-algo MD5 --detach-sign \\\n"
    "  -o \"$F/md5.sig\" \"$F/data\" 2>/dev/null\n"
    "q -u \"$A\" --clearsign -o \"$F/clear.asc\" \"$F/data\"\n"
    "for c in AES256 CAST5; do\n"
    "  q --trust-model always --rfc2440 --cipher-algo $c -r \"$A\" \\\n"
    "    -e -o \"$F/nomdc-$c.gpg\" \"$F/data\" 2>/dev/null\n"
    "done\n"
    "# Bob (imported, not certified), Carol (unknown) live elsewhere.\n"
    "export GNUPGHOME=$R/o\n"
    "for n in bob carol; do\n"
    "  q --quick-gen-key \"$n <$n@example.test>\" ed25519 sign never\n"
    "  q --quick-add-key \"$(fpr $n@example.test)\" cv25519 encr never\n"
    "  q -u $n@example.test --armor --detach-sign \\\n"
    "    -o \"$F/$n.sig\" \"$F/data\"\n"
    "done\n"
    "q --trust-model always -r carol@example.test --armor -e \\\n"
    "  -o \"$F/tocarol.asc\" \"$F/data\"\n"
    "q --armor --export bob@example.test >\"$F/bob.asc\"\n"
    "fpr bob@example.test >\"$F/bob.fpr\"\n"
    "gpgconf --homedir \"$R/o\" --kill all\n"
    "GNUPGHOME=$R/p q --import \"$F/bob.asc\"\n"
    "# S/MIME: a test CA, its users and a rogue CA. Certificates name a\n"
    "# CRL distribution point that is never fetched (dirmngr: no HTTP,\n"
    "# no LDAP); the CRL is loaded from a file instead.\n"
    "export GNUPGHOME=$R/s\n"
    "cd \"$R/s\"\n"
    "DP=URI:http://127.0.0.1:29999/ca.crl\n"
    "cat >ca.cnf <<CNF\n"
    "[req]\n"
    "distinguished_name = dn\n"
    "prompt = no\n"
    "[dn]\n"
    "CN = x\n"
    "[ca]\n"
    "default_ca = tca\n"
    "[tca]\n"
    "database = index.txt\n"
    "new_certs_dir = .\n"
    "serial = serial\n"
    "crlnumber = crlnumber\n"
    "default_md = sha256\n"
    "default_crl_days = 30\n"
    "policy = pany\n"
    "unique_subject = no\n"
    "copy_extensions = none\n"
    "[pany]\n"
    "commonName = supplied\n"
    "organizationName = optional\n"
    "emailAddress = optional\n"
    "[v3_ca]\n"
    "basicConstraints = critical,CA:TRUE\n"
    "keyUsage = critical,keyCertSign,cRLSign\n"
    "subjectKeyIdentifier = hash\n"
    "[sign]\n"
    "basicConstraints = critical,CA:FALSE\n"
    "keyUsage = critical,digitalSignature,nonRepudiation\n"
    "extendedKeyUsage = emailProtection\n"
    "subjectKeyIdentifier = hash\n"
    "authorityKeyIdentifier = keyid\n"
    "subjectAltName = email:copy\n"
    "crlDistributionPoints = $DP\n"
    "[enc]\n"
    "basicConstraints = critical,CA:FALSE\n"
    "keyUsage = critical,keyEncipherment\n"
    "extendedKeyUsage = emailProtection\n"
    "subjectKeyIdentifier = hash\n"
    "authorityKeyIdentifier = keyid\n"
    "subjectAltName = email:copy\n"
    "crlDistributionPoints = $DP\n"
    "CNF\n"
    ": >index.txt\n"
    "echo 01 >serial\n"
    "echo 01 >crlnumber\n"
    "o() { openssl \"$@\" 2>>\"$R/openssl.log\"; }\n"
    "EC='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1'\n"
    "RSA='-newkey rsa:2048'\n"
    "# gpgsm's own keys and the CA (dirmngr 2.2 checks RSA CRLs) are\n"
    "# RSA, the rest EC, which is quicker to make.\n"
    "newca() {\n"
    "  o req -x509 -new $3 -nodes -keyout $1.key -out $1.crt \\\n"
    "    -subj \"$2\" -days 3650 -config ca.cnf -extensions v3_ca\n"
    "}\n"
    "req() {\n"
    "  o req -new $3 -nodes -keyout $1.key -out $1.csr -subj \"$2\"\n"
    "}\n"
    "issue() {\n"
    "  n=$1 x=$3\n"
    "  req $1 \"$2\" \"$4\"\n"
    "  shift 4\n"
    "  o ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key \\\n"
    "    -extensions $x -in $n.csr -out $n.crt -notext \"$@\"\n"
    "}\n"
    "rogue() {\n"
    "  req $1 \"$2\" \"$EC\"\n"
    "  o x509 -req -in $1.csr -CA rogue.crt -CAkey rogue.key \\\n"
    "    -CAcreateserial -out $1.crt -days 365 -extfile ca.cnf \\\n"
    "    -extensions sign\n"
    "}\n"
    "ALICE='/CN=Alice Test/O=Cachet Test'\n"
    "ALICE=\"$ALICE/emailAddress=Alice@Example.test\"\n"
    "newca ca '/CN=Cachet Test CA/O=Cachet Test' \"$RSA\"\n"
    "newca rogue '/CN=Rogue CA' \"$EC\"\n"
    "issue alice \"$ALICE\" sign \"$RSA\" -days 365\n"
    "issue alicee \"$ALICE\" enc \"$RSA\" -days 365\n"
    "issue old '/CN=Old/emailAddress=old@example.test' sign \"$EC\" \\\n"
    "  -startdate 20200101000000Z -enddate 20210101000000Z\n"
    "issue rev '/CN=Rev/emailAddress=rev@example.test' sign \"$EC\" \\\n"
    "  -days 365\n"
    "issue pw '/CN=Pw/emailAddress=pw@example.test' sign \"$RSA\" \\\n"
    "  -days 365\n"
    "issue pwe '/CN=Pw/emailAddress=pw@example.test' enc \"$RSA\" \\\n"
    "  -days 365\n"
    "CA=\"-config ca.cnf -cert ca.crt -keyfile ca.key\"\n"
    "o ca -batch $CA -revoke rev.crt\n"
    "o ca -batch $CA -gencrl -out ca.crl\n"
    "o crl -in ca.crl -outform DER -out ca.crl.der\n"
    "rogue mallory '/CN=Mallory/emailAddress=mallory@example.test'\n"
    "rogue zed '/CN=Zed/emailAddress=zed@example.test'\n"
    "fp() {\n"
    "  o x509 -in $1 -noout -fingerprint -$2 | cut -d= -f2 | tr -d :\n"
    "}\n"
    "echo \"$(fp ca.crt sha1) S\" >trustlist.txt\n"
    "printf 'disable-http\\ndisable-ldap\\n' >dirmngr.conf\n"
    "printf '#!/bin/sh\\ntouch \"%s/pinentry.used\"\\nexit 1\\n' \"$R\" \\\n"
    "  >\"$R/pinentry.sh\"\n"
    "chmod 755 \"$R/pinentry.sh\"\n"
    "# gpgsm would have the agent ask, by pinentry, whether to trust a\n"
    "# root it meets (see test_cms_limits): no dialogs in tests.\n"
    "{\n"
    "  echo no-allow-mark-trusted\n"
    "  echo \"pinentry-program $R/pinentry.sh\"\n"
    "  echo s2k-count 65536\n"
    "} >gpg-agent.conf\n"
    "fp alice.crt sha256 >\"$F/alice.sha256\"\n"
    "fp ca.crt sha256 >\"$F/ca.sha256\"\n"
    "L=$R/gpgsm.log\n"
    "gpgsm --batch --quiet --import ca.crt mallory.crt 2>>\"$L\"\n"
    "for n in alice alicee; do\n"
    "  o pkcs12 -export -legacy -passout pass: -inkey $n.key \\\n"
    "    -in $n.crt -out $n.p12\n"
    "  gpgsm --batch --quiet --pinentry-mode loopback \\\n"
    "    --passphrase-fd 0 --import $n.p12 </dev/null 2>>\"$L\"\n"
    "done\n"
    "# Pw's keys are protected by the passphrase \"sesame\".\n"
    "for n in pw pwe; do\n"
    "  o pkcs12 -export -legacy -passout pass:sesame -inkey $n.key \\\n"
    "    -in $n.crt -out $n.p12\n"
    "  echo sesame | gpgsm --batch --quiet --pinentry-mode loopback \\\n"
    "    --passphrase-fd 0 --import $n.p12 2>>\"$L\"\n"
    "done\n"
    "gpgsm --call-dirmngr loadcrl \"$R/s/ca.crl.der\" >>\"$L\" 2>&1\n"
    "cms() {\n"
    "  out=$1 n=$2\n"
    "  shift 2\n"
    "  o cms -sign -binary -in \"$F/data\" -outform DER \\\n"
    "    -out \"$F/$out\" -signer $n.crt -inkey $n.key \"$@\"\n"
    "}\n"
    "cms sha1.p7s alice -md sha1\n"
    "cms old.p7s old -md sha256\n"
    "cms rev.p7s rev -md sha256\n"
    "cms mallory.p7s mallory -md sha256 -certfile rogue.crt\n"
    "cms zed.p7s zed -md sha256 -nocerts\n"
    "cms wku.p7s alicee -md sha256\n"
    "cms opaque.p7m alice -md sha256 -nodetach\n"
    "o crl2pkcs7 -nocrl -certfile alice.crt -outform DER \\\n"
    "  -out \"$F/certsonly.p7\"\n"
    "enc() {\n"
    "  o cms -encrypt -binary -$1 -in \"$F/data\" -outform DER \\\n"
    "    -out \"$F/$2\" $3\n"
    "}\n"
    "enc des3 3des.p7m alicee.crt\n"
    "enc aes-256-cbc tomallory.p7m mallory.crt\n"
    "enc aes-256-cbc topw.p7m 'mallory.crt pwe.crt'\n"
    "cp zed.crt \"$F/zed.crt\"\n"
    "# The demo account's shipped keys, as cachet --demo imports them.\n"
    "export GNUPGHOME=$R/d\n"
    "K=$D/keys\n"
    "q --import \"$K/demo.sec.asc\" \"$K/alice.pub.asc\" \"$K/bob.pub.asc\"\n"
    "gpg --batch --quiet --import-ownertrust \"$K/ownertrust.txt\"\n"
    "gpg --batch --quiet --check-trustdb 2>/dev/null\n"
    "cp \"$K/trustlist.txt\" \"$R/d/trustlist.txt\"\n"
    "echo disable-dirmngr >\"$R/d/gpgsm.conf\"\n"
    "gpgsm --batch --quiet --import \"$K/smime-ca.crt.pem\" \\\n"
    "  \"$K/smime-alice.crt.pem\" 2>>\"$L\"\n"
    "gpgsm --batch --quiet --pinentry-mode loopback --passphrase-fd 0 \\\n"
    "  --import \"$K/smime-demo.p12\" </dev/null 2>>\"$L\"\n";

/* ----------------------------------------------------------- helpers */

static int
run(const char *const argv[], const char *log)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT |
	    O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv,
	    environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *
home(const char *name)
{
	return xasprintf("%s/%s", root, name);
}

/* A fixture file's bytes (NUL-terminated); free with buf_release. */
static struct buf
fixture(const char *name)
{
	struct buf b = BUF_INIT;
	struct cachet_err err;
	char *path = xasprintf("%s/f/%s", root, name), *data = NULL;
	size_t len = 0;

	if (util_read_file(path, &data, &len, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	buf_add(&b, data, len);
	free(data);
	free(path);
	return b;
}

/* The first line of a fixture. */
static char *
fixture_line(const char *name)
{
	struct buf b = fixture(name);
	char *s = xstrndup(b.data, strcspn(b.data, "\r\n"));

	buf_release(&b);
	return s;
}

struct pass {
	const char *give;	/* NULL: refuse */
	int calls;
	char hint[256];
};

static int
pass_cb(void *ctx, const char *hint, char *buf, size_t len)
{
	struct pass *p = ctx;

	p->calls++;
	snprintf(p->hint, sizeof(p->hint), "%s", hint != NULL ? hint : "");
	if (p->give == NULL)
		return -1;
	snprintf(buf, len, "%s", p->give);
	return 0;
}

static struct crypto_engine *
engine_cb(enum crypto_proto proto, const char *dir, bool net,
    crypto_passphrase_fn cb, void *ctx)
{
	struct crypto_engine_opts o = { 0 };
	struct crypto_engine *e = NULL;
	struct cachet_err err;
	char *h = home(dir);

	o.gnupg_home = h;
	o.allow_network = net;
	o.passphrase = cb;
	o.passphrase_ctx = ctx;
	if (crypto_engine_open(&e, "gpgme", proto, &o, &err) != 0)
		fail_msg("open: %s", err.msg);
	free(h);
	return e;
}

static struct crypto_engine *
engine(enum crypto_proto proto, const char *dir, bool net, struct pass *p)
{
	return engine_cb(proto, dir, net, p != NULL ? pass_cb : NULL, p);
}

static struct crypto_engine *
pgp(void)
{
	return engine(CRYPTO_PROTO_OPENPGP, "p", false, NULL);
}

static struct crypto_engine *
cms(bool net)
{
	return engine(CRYPTO_PROTO_SMIME, "s", net, NULL);
}

/* Verify fixture sig over fixture data; the one signature's result. */
static void
verify_files(struct crypto_engine *e, const char *data, const char *sig,
    struct crypto_result *r)
{
	struct buf d = fixture(data), s = fixture(sig);
	struct cachet_err err;

	memset(r, 0, sizeof(*r));
	if (e->ops->verify_detached(e, d.data, d.len, s.data, s.len, r,
	    &err) != 0)
		fail_msg("verify %s: %s", sig, err.msg);
	assert_int_equal(r->nsigs, 1);
	buf_release(&d);
	buf_release(&s);
}

static bool
has_addr(const struct crypto_sig *s, const char *addr)
{
	size_t i;

	for (i = 0; i < s->naddrs; i++)
		if (strcmp(s->addrs[i], addr) == 0)
			return true;
	return false;
}

static bool
is_upper_hex(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || strlen(s) != n)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

/* Base64 to bytes (the MIME layer's job in real use). */
static struct buf
unbase64(const char *s, size_t len)
{
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	struct buf b = BUF_INIT;
	int n1 = 0, n2 = 0;

	buf_grow(&b, len);
	EVP_DecodeInit(ctx);
	assert_true(EVP_DecodeUpdate(ctx, (unsigned char *)b.data, &n1,
	    (const unsigned char *)s, (int)len) >= 0);
	assert_int_equal(EVP_DecodeFinal(ctx, (unsigned char *)b.data + n1,
	    &n2), 1);
	EVP_ENCODE_CTX_free(ctx);
	b.len = (size_t)(n1 + n2);
	b.data[b.len] = '\0';
	return b;
}

/* ----------------------------------------------------------- fixture */

static int
kill_agents(void)
{
	static const char *const homes[] = { "p", "o", "s", "d" };
	char *log = home("teardown.log"), *h;
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(homes) / sizeof(homes[0]); i++) {
		h = home(homes[i]);
		const char *const argv[] = { "/usr/bin/gpgconf", "--homedir",
			h, "--kill", "all", NULL };
		if (run(argv, log) != 0)
			rc = -1;
		free(h);
	}
	free(log);
	return rc;
}

static int
group_setup(void **state)
{
	char tmpl[] = "/tmp/tcg.XXXXXX";
	char *log;
	int rc;

	if (mkdtemp(tmpl) == NULL)
		return -1;
	root = xstrdup(tmpl);
	log = home("setup.log");
	const char *const argv[] = { "/bin/sh", "-c", setup_sh, "sh", root,
		CACHET_SRCDIR "/src/demo", NULL };
	rc = run(argv, log);
	if (rc != 0) {
		const char *const tail[] = { "/usr/bin/tail", "-n", "30", log,
			NULL };
		fprintf(stderr, "setup failed (%d), %s:\n", rc, log);
		run(tail, "/dev/stderr");
		free(log);
		return -1;
	}
	free(log);
	alice_fpr = fixture_line("alice.fpr");
	alice_sha256 = fixture_line("alice.sha256");
	ca_sha256 = fixture_line("ca.sha256");
	bob_fpr = fixture_line("bob.fpr");
	return 0;
}

static int
group_teardown(void **state)
{
	int rc = kill_agents();
	const char *const argv[] = { "/bin/rm", "-rf", root, NULL };

	if (run(argv, "/dev/null") != 0)
		rc = -1;
	free(root);
	free(alice_fpr);
	free(alice_sha256);
	free(ca_sha256);
	free(bob_fpr);
	return rc;
}

/* ------------------------------------------------ table, fake engine */

static void
test_table(void **state)
{
	struct crypto_engine *e = (void *)1;
	struct cachet_err err;
	struct crypto_result r = { 0 };

	assert_non_null(crypto_engine_find("gpgme", CRYPTO_PROTO_OPENPGP));
	assert_non_null(crypto_engine_find("gpgme", CRYPTO_PROTO_SMIME));
	assert_non_null(crypto_engine_find("openssl", CRYPTO_PROTO_SMIME));
	assert_null(crypto_engine_find("openssl", CRYPTO_PROTO_OPENPGP));
	assert_non_null(crypto_engine_find("fake", CRYPTO_PROTO_OPENPGP));
	assert_non_null(crypto_engine_find("fake", CRYPTO_PROTO_SMIME));
	assert_null(crypto_engine_find("gpgme",
	    CRYPTO_PROTO_OPENPGP | CRYPTO_PROTO_SMIME));
	assert_null(crypto_engine_find("gpgme", 0));
	assert_null(crypto_engine_find("nope", CRYPTO_PROTO_OPENPGP));
	assert_null(crypto_engine_find(NULL, CRYPTO_PROTO_OPENPGP));
	assert_int_equal(crypto_engine_open(&e, "nope", CRYPTO_PROTO_SMIME,
	    NULL, &err), CACHET_E_CONFIG);
	assert_null(e);
	assert_non_null(strstr(err.msg, "nope"));
	assert_int_equal(crypto_engine_open(NULL, "fake", CRYPTO_PROTO_SMIME,
	    NULL, &err), CACHET_E_INVAL);
	/* The engine's own open refuses what it does not serve. */
	assert_int_not_equal(crypto_engine_find("gpgme",
	    CRYPTO_PROTO_SMIME)->open(&e, 4, NULL, &err), 0);
	crypto_engine_close(NULL);
	crypto_result_release(NULL);
	crypto_result_release(&r);
	crypto_keys_free(NULL, 0);
}

static void
test_fake(void **state)
{
	struct crypto_engine *e;
	struct crypto_result r = { 0 };
	struct crypto_key *k;
	struct cachet_err err;
	const char *rcpt[] = { "x@example.test" };
	char *sig, *mic, *ct;
	size_t siglen, ctlen, n;

	assert_int_equal(crypto_engine_open(&e, "fake", CRYPTO_PROTO_SMIME,
	    NULL, &err), 0);
	assert_int_equal(e->proto, CRYPTO_PROTO_SMIME);
	assert_int_equal(e->ops->sign(e, "fake@example.test", "abc", 3, true,
	    &sig, &siglen, &mic, &err), 0);
	assert_string_equal(mic, "sha-256");
	assert_int_equal(e->ops->verify_detached(e, "abc", 3, sig, siglen,
	    &r, &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_string_equal(r.sigs[0].addrs[0], "fake@example.test");
	crypto_result_release(&r);
	assert_int_equal(e->ops->verify_detached(e, "abd", 3, sig, siglen,
	    &r, &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_BAD);
	crypto_result_release(&r);
	sig[8] = '0';	/* another key */
	assert_int_equal(e->ops->verify_detached(e, "abc", 3, sig, siglen,
	    &r, &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_UNKNOWN_KEY);
	crypto_result_release(&r);
	assert_int_not_equal(e->ops->verify_detached(e, "abc", 3, "x", 1, &r,
	    &err), 0);
	free(sig);
	free(mic);
	assert_int_equal(e->ops->sign(e, "fake@example.test", "body", 4,
	    false, &sig, &siglen, NULL, &err), 0);
	assert_int_equal(e->ops->verify_opaque(e, sig, siglen, &r, &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_string_equal(r.plaintext, "body");
	crypto_result_release(&r);
	free(sig);
	assert_int_equal(e->ops->sign(e, "who@example.test", "x", 1, true,
	    &sig, &siglen, NULL, &err), CACHET_E_NOTFOUND);
	assert_int_equal(e->ops->encrypt(e, rcpt, 1, "fake@example.test",
	    "secret", 6, &ct, &ctlen, &err), 0);
	assert_int_equal(e->ops->decrypt(e, ct, ctlen, &r, &err), 0);
	assert_true(r.decrypted && r.integrity);
	assert_string_equal(r.plaintext, "secret");
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	crypto_result_release(&r);
	free(ct);
	assert_int_not_equal(e->ops->decrypt(e, "FAKENOMDC:x", 11, &r, &err),
	    0);
	assert_null(r.plaintext);
	assert_false(r.integrity);
	crypto_result_release(&r);
	assert_int_equal(e->ops->list_keys(e, "fake@", false, &k, &n, &err),
	    0);
	assert_int_equal(n, 1);
	assert_true(k[0].can_sign && k[0].can_encrypt);
	crypto_keys_free(k, n);
	assert_int_equal(e->ops->list_keys(e, "nobody", false, &k, &n, &err),
	    0);
	assert_int_equal(n, 0);
	assert_int_equal(e->ops->import(e, "FAKEKEY", 7, &k, &n, &err), 0);
	assert_int_equal(n, 1);
	crypto_keys_free(k, n);
	assert_int_not_equal(e->ops->import(e, "x", 1, &k, &n, &err), 0);
	crypto_engine_close(e);
}

/* ---------------------------------------------------- verdict mapping */

struct verdict_case {
	gpgme_protocol_t proto;
	gpgme_sigsum_t summary;
	gpg_err_code_t status;
	gpgme_validity_t validity;
	gpg_err_code_t reason;
	gpgme_hash_algo_t hash;
	bool wku;
	enum crypto_sig_result want;
};

#define PGP GPGME_PROTOCOL_OpenPGP
#define CMS GPGME_PROTOCOL_CMS
#define VG (GPGME_SIGSUM_VALID | GPGME_SIGSUM_GREEN)

static const struct verdict_case verdicts[] = {
	{ PGP, VG, 0, GPGME_VALIDITY_FULL, 0, GPGME_MD_SHA256, false,
	    CRYPTO_SIG_GOOD },
	{ PGP, VG, 0, GPGME_VALIDITY_ULTIMATE, 0, GPGME_MD_SHA512, false,
	    CRYPTO_SIG_GOOD },
	{ PGP, GPGME_SIGSUM_GREEN, 0, GPGME_VALIDITY_MARGINAL, 0,
	    GPGME_MD_SHA384, false, CRYPTO_SIG_GOOD },
	{ CMS, VG | GPGME_SIGSUM_CRL_MISSING, 0, GPGME_VALIDITY_FULL, 0,
	    GPGME_MD_SHA256, false, CRYPTO_SIG_GOOD },
	{ PGP, GPGME_SIGSUM_RED, GPG_ERR_BAD_SIGNATURE, 0, 0, 0, false,
	    CRYPTO_SIG_BAD },
	{ PGP, GPGME_SIGSUM_RED, GPG_ERR_BAD_SIGNATURE, 0, 0, GPGME_MD_SHA1,
	    false, CRYPTO_SIG_BAD },
	{ PGP, GPGME_SIGSUM_KEY_MISSING, GPG_ERR_NO_PUBKEY, 0, 0,
	    GPGME_MD_SHA256, false, CRYPTO_SIG_UNKNOWN_KEY },
	{ CMS, GPGME_SIGSUM_KEY_MISSING, 0, 0, 0, 0, false,
	    CRYPTO_SIG_UNKNOWN_KEY },
	{ PGP, GPGME_SIGSUM_KEY_REVOKED, GPG_ERR_CERT_REVOKED,
	    GPGME_VALIDITY_FULL, 0, GPGME_MD_SHA1, false,
	    CRYPTO_SIG_REVOKED },
	{ CMS, GPGME_SIGSUM_RED | GPGME_SIGSUM_KEY_REVOKED, 0,
	    GPGME_VALIDITY_NEVER, GPG_ERR_CERT_REVOKED, GPGME_MD_SHA256,
	    false, CRYPTO_SIG_REVOKED },
	{ PGP, GPGME_SIGSUM_KEY_EXPIRED, GPG_ERR_KEY_EXPIRED, 0, 0,
	    GPGME_MD_SHA256, false, CRYPTO_SIG_EXPIRED },
	{ PGP, GPGME_SIGSUM_SIG_EXPIRED, GPG_ERR_SIG_EXPIRED, 0, 0,
	    GPGME_MD_SHA256, false, CRYPTO_SIG_EXPIRED },
	{ CMS, GPGME_SIGSUM_GREEN | GPGME_SIGSUM_KEY_EXPIRED,
	    GPG_ERR_KEY_EXPIRED, GPGME_VALIDITY_FULL, 0, GPGME_MD_SHA256,
	    false, CRYPTO_SIG_EXPIRED },
	{ CMS, 0, 0, GPGME_VALIDITY_UNDEFINED, GPG_ERR_CERT_EXPIRED,
	    GPGME_MD_SHA256, false, CRYPTO_SIG_EXPIRED },
	{ PGP, VG, 0, GPGME_VALIDITY_FULL, 0, GPGME_MD_SHA1, false,
	    CRYPTO_SIG_WEAK },
	{ CMS, VG, 0, GPGME_VALIDITY_FULL, 0, GPGME_MD_RMD160, false,
	    CRYPTO_SIG_WEAK },
	{ PGP, GPGME_SIGSUM_SYS_ERROR, GPG_ERR_DIGEST_ALGO, 0, 0,
	    GPGME_MD_MD5, false, CRYPTO_SIG_WEAK },
	{ PGP, 0, 0, GPGME_VALIDITY_UNKNOWN, 0, GPGME_MD_SHA1, false,
	    CRYPTO_SIG_WEAK },
	{ PGP, GPGME_SIGSUM_SYS_ERROR, GPG_ERR_GENERAL, 0, 0,
	    GPGME_MD_SHA256, false, CRYPTO_SIG_ERROR },
	{ PGP, GPGME_SIGSUM_SYS_ERROR, GPG_ERR_DIGEST_ALGO, 0, 0,
	    GPGME_MD_SHA256, false, CRYPTO_SIG_ERROR },
	{ CMS, GPGME_SIGSUM_GREEN | GPGME_SIGSUM_BAD_POLICY, 0,
	    GPGME_VALIDITY_FULL, 0, GPGME_MD_SHA256, true,
	    CRYPTO_SIG_UNTRUSTED },
	{ PGP, GPGME_SIGSUM_TOFU_CONFLICT, 0, GPGME_VALIDITY_FULL, 0,
	    GPGME_MD_SHA256, false, CRYPTO_SIG_UNTRUSTED },
	{ PGP, 0, 0, GPGME_VALIDITY_UNKNOWN, 0, GPGME_MD_SHA256, false,
	    CRYPTO_SIG_UNTRUSTED },
	{ PGP, GPGME_SIGSUM_RED, 0, GPGME_VALIDITY_NEVER, 0,
	    GPGME_MD_SHA256, false, CRYPTO_SIG_UNTRUSTED },
	{ CMS, 0, 0, GPGME_VALIDITY_UNKNOWN, GPG_ERR_NOT_TRUSTED,
	    GPGME_MD_SHA256, false, CRYPTO_SIG_UNTRUSTED },
	{ CMS, 0, 0, GPGME_VALIDITY_UNDEFINED, GPG_ERR_NO_CRL_KNOWN,
	    GPGME_MD_SHA256, false, CRYPTO_SIG_UNTRUSTED },
	{ PGP, GPGME_SIGSUM_GREEN | GPGME_SIGSUM_SYS_ERROR, 0,
	    GPGME_VALIDITY_FULL, 0, GPGME_MD_SHA256, false,
	    CRYPTO_SIG_ERROR },
	{ PGP, GPGME_SIGSUM_RED, 0, GPGME_VALIDITY_FULL, 0,
	    GPGME_MD_SHA256, false, CRYPTO_SIG_ERROR },
};

static void
test_verdict_table(void **state)
{
	struct crypto_gpgme_verdict v;
	size_t i;

	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
		const struct verdict_case *c = &verdicts[i];

		crypto_gpgme_verdict(c->proto, c->summary,
		    gpg_error(c->status), c->validity, gpg_error(c->reason),
		    c->hash, c->wku, &v);
		if (v.result != c->want)
			fail_msg("case %zu: got %d, want %d", i, v.result,
			    c->want);
		assert_int_equal(v.trust, crypto_gpgme_trust(c->validity));
		if (v.result != CRYPTO_SIG_GOOD)
			assert_non_null(v.note);
	}
	assert_int_equal(crypto_gpgme_trust(GPGME_VALIDITY_UNDEFINED),
	    CRYPTO_TRUST_UNKNOWN);
	assert_int_equal(crypto_gpgme_trust(GPGME_VALIDITY_ULTIMATE),
	    CRYPTO_TRUST_ULTIMATE);
	assert_false(crypto_gpgme_weak_hash(GPGME_MD_NONE));
	assert_false(crypto_gpgme_weak_hash(GPGME_MD_SHA224));
	assert_true(crypto_gpgme_weak_hash(GPGME_MD_MD5));
	assert_true(crypto_gpgme_weak_hash(GPGME_MD_SHA1));
}

/* ----------------------------------------------------------- OpenPGP */

static void
test_pgp_good(void **state)
{
	struct crypto_engine *e = pgp();
	struct crypto_result r = { 0 };
	struct buf d = fixture("data");
	struct cachet_err err;
	char *sig, *mic;
	size_t siglen;
	const struct crypto_sig *s;

	assert_int_equal(e->ops->sign(e, "alice@example.test", d.data, d.len,
	    true, &sig, &siglen, &mic, &err), 0);
	assert_string_equal(mic, "pgp-sha256");
	assert_non_null(strstr(sig, "-----BEGIN PGP SIGNATURE-----"));
	assert_int_equal(e->ops->verify_detached(e, d.data, d.len, sig,
	    siglen, &r, &err), 0);
	assert_int_equal(r.nsigs, 1);
	s = &r.sigs[0];
	assert_int_equal(s->result, CRYPTO_SIG_GOOD);
	assert_string_equal(s->fpr, alice_fpr);
	assert_string_equal(s->signer, "Alice <Alice@Example.test>");
	assert_int_equal(s->naddrs, 1);
	assert_string_equal(s->addrs[0], "alice@example.test");
	assert_string_equal(s->digest, "SHA256");
	assert_string_equal(s->pubkey_algo, "ed25519");
	assert_true(s->trust >= CRYPTO_TRUST_FULL);
	assert_true(s->created > 1700000000);
	assert_int_equal(s->revocation, CRYPTO_REV_NOT_CHECKED);
	assert_null(s->chain);
	assert_null(s->note);
	assert_null(r.plaintext);
	crypto_result_release(&r);
	free(sig);
	free(mic);
	buf_release(&d);
	crypto_engine_close(e);
}

static void
test_pgp_bad(void **state)
{
	struct crypto_engine *e = pgp();
	struct crypto_result r;

	/* sha1.sig is a valid signature over "data", by Alice. */
	verify_files(e, "data2", "sha1.sig", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_BAD);
	assert_string_equal(r.sigs[0].fpr, alice_fpr);
	assert_non_null(r.sigs[0].note);
	crypto_result_release(&r);
	crypto_engine_close(e);
}

static void
test_pgp_unknown_key(void **state)
{
	struct crypto_engine *e = pgp();
	struct crypto_result r;

	verify_files(e, "data", "carol.sig", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_UNKNOWN_KEY);
	assert_null(r.sigs[0].signer);
	assert_int_equal(r.sigs[0].naddrs, 0);
	assert_non_null(r.sigs[0].fpr);
	crypto_result_release(&r);
	crypto_engine_close(e);
}

static void
test_pgp_expired_revoked(void **state)
{
	struct crypto_engine *e = pgp();
	struct crypto_result r;

	verify_files(e, "data", "old.sig", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_EXPIRED);
	assert_string_equal(r.sigs[0].addrs[0], "old@example.test");
	crypto_result_release(&r);
	verify_files(e, "data", "rev.sig", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_REVOKED);
	assert_int_equal(r.sigs[0].revocation, CRYPTO_REV_REVOKED);
	crypto_result_release(&r);
	crypto_engine_close(e);
}

static void
test_pgp_untrusted_weak(void **state)
{
	struct crypto_engine *e = pgp();
	struct crypto_result r;

	verify_files(e, "data", "bob.sig", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_UNTRUSTED);
	assert_int_equal(r.sigs[0].trust, CRYPTO_TRUST_UNKNOWN);
	assert_string_equal(r.sigs[0].fpr, bob_fpr);
	assert_true(has_addr(&r.sigs[0], "bob@example.test"));
	crypto_result_release(&r);
	verify_files(e, "data", "sha1.sig", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_WEAK);
	assert_string_equal(r.sigs[0].digest, "SHA1");
	assert_string_equal(r.sigs[0].fpr, alice_fpr);
	crypto_result_release(&r);
	verify_files(e, "data", "md5.sig", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_WEAK);
	assert_string_equal(r.sigs[0].digest, "MD5");
	crypto_result_release(&r);
	crypto_engine_close(e);
}

static void
test_pgp_opaque(void **state)
{
	struct crypto_engine *e = pgp();
	struct crypto_result r = { 0 };
	struct buf d = fixture("data"), c = fixture("clear.asc");
	struct cachet_err err;
	char *out, *mic;
	size_t outlen;

	assert_int_equal(e->ops->sign(e, alice_fpr, d.data, d.len, false,
	    &out, &outlen, &mic, &err), 0);
	assert_non_null(strstr(out, "-----BEGIN PGP MESSAGE-----"));
	assert_int_equal(e->ops->verify_opaque(e, out, outlen, &r, &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_int_equal(r.plaintext_len, d.len);
	assert_memory_equal(r.plaintext, d.data, d.len);
	crypto_result_release(&r);
	free(out);
	free(mic);
	/* gpg's clear-signed text: the signed text comes back. */
	assert_int_equal(e->ops->verify_opaque(e, c.data, c.len, &r, &err),
	    0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_non_null(strstr(r.plaintext, "hello, world"));
	crypto_result_release(&r);
	/* Unsigned data is no verdict at all. */
	assert_int_not_equal(e->ops->verify_opaque(e, d.data, d.len, &r,
	    &err), 0);
	assert_null(r.plaintext);
	assert_int_equal(r.nsigs, 0);
	assert_int_equal(e->ops->verify_opaque(e, NULL, 0, &r, &err),
	    CACHET_E_INVAL);
	assert_int_equal(e->ops->verify_detached(e, d.data, d.len, "", 0, &r,
	    &err), CACHET_E_INVAL);
	crypto_result_release(&r);
	buf_release(&d);
	buf_release(&c);
	crypto_engine_close(e);
}

static void
test_pgp_roundtrip(void **state)
{
	struct crypto_engine *e = pgp();
	struct crypto_result r = { 0 };
	struct buf d = fixture("data");
	struct cachet_err err;
	const char *rcpt[] = { "alice@example.test" };
	char *ct;
	size_t ctlen;

	assert_int_equal(e->ops->encrypt(e, rcpt, 1, NULL, d.data, d.len,
	    &ct, &ctlen, &err), 0);
	assert_non_null(strstr(ct, "-----BEGIN PGP MESSAGE-----"));
	assert_int_equal(e->ops->decrypt(e, ct, ctlen, &r, &err), 0);
	assert_true(r.decrypted);
	assert_true(r.integrity);
	assert_string_equal(r.cipher, "AES256");
	assert_int_equal(r.nrecipients, 1);
	assert_true(is_upper_hex(r.recipients[0], 16));
	assert_int_equal(r.nsigs, 0);
	assert_int_equal(r.plaintext_len, d.len);
	assert_memory_equal(r.plaintext, d.data, d.len);
	crypto_result_release(&r);
	free(ct);
	/* Signed and encrypted in one go. */
	assert_int_equal(e->ops->encrypt(e, rcpt, 1, "alice@example.test",
	    d.data, d.len, &ct, &ctlen, &err), 0);
	assert_int_equal(e->ops->decrypt(e, ct, ctlen, &r, &err), 0);
	assert_true(r.decrypted);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_string_equal(r.sigs[0].fpr, alice_fpr);
	crypto_result_release(&r);
	free(ct);
	buf_release(&d);
	crypto_engine_close(e);
}

static void
test_pgp_encrypt_refused(void **state)
{
	struct crypto_engine *e = pgp();
	struct cachet_err err;
	const char *bob[] = { "alice@example.test", "bob@example.test" };
	const char *nobody[] = { "nobody@example.test" };
	const char *bad[] = { "not an address" };
	char *ct = (char *)1;
	size_t ctlen = 1;

	/* Bob's key is there, but nobody certified it. */
	assert_int_equal(e->ops->encrypt(e, bob, 2, NULL, "x", 1, &ct,
	    &ctlen, &err), CACHET_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "bob@example.test"));
	assert_null(ct);
	assert_int_equal(ctlen, 0);
	assert_int_equal(e->ops->encrypt(e, nobody, 1, NULL, "x", 1, &ct,
	    &ctlen, &err), CACHET_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "nobody@example.test"));
	assert_int_equal(e->ops->encrypt(e, bad, 1, NULL, "x", 1, &ct,
	    &ctlen, &err), CACHET_E_INVAL);
	assert_int_equal(e->ops->encrypt(e, bob, 0, NULL, "x", 1, &ct,
	    &ctlen, &err), CACHET_E_INVAL);
	/* Revoked and expired keys do not sign. */
	assert_int_equal(e->ops->sign(e, "rev@example.test", "x", 1, true,
	    &ct, &ctlen, NULL, &err), CACHET_E_NOTFOUND);
	assert_int_equal(e->ops->sign(e, "old@example.test", "x", 1, true,
	    &ct, &ctlen, NULL, &err), CACHET_E_NOTFOUND);
	/* No secret key for Bob. */
	assert_int_equal(e->ops->sign(e, "bob@example.test", "x", 1, true,
	    &ct, &ctlen, NULL, &err), CACHET_E_NOTFOUND);
	assert_null(ct);
	crypto_engine_close(e);
}

static void
test_pgp_decrypt_failures(void **state)
{
	struct crypto_engine *e = pgp();
	struct crypto_result r = { 0 };
	struct buf c = fixture("tocarol.asc"), d = fixture("data");
	struct buf aes = fixture("nomdc-AES256.gpg");
	struct buf cast = fixture("nomdc-CAST5.gpg");
	struct cachet_err err;

	/* Not for us: an error, no plaintext, the recipient named. */
	assert_int_equal(e->ops->decrypt(e, c.data, c.len, &r, &err),
	    CACHET_E_NOTFOUND);
	assert_false(r.decrypted);
	assert_null(r.plaintext);
	assert_int_equal(r.plaintext_len, 0);
	assert_int_equal(r.nrecipients, 1);
	crypto_result_release(&r);
	/* Without MDC: gpg fails AES outright ... */
	assert_int_equal(e->ops->decrypt(e, aes.data, aes.len, &r, &err),
	    CACHET_E_INVAL);
	assert_false(r.decrypted);
	assert_false(r.integrity);
	assert_null(r.plaintext);
	crypto_result_release(&r);
	/* ... and says legacy_cipher_nomdc for CAST5. */
	assert_int_equal(e->ops->decrypt(e, cast.data, cast.len, &r, &err),
	    CACHET_E_INVAL);
	assert_non_null(strstr(err.msg, "integrity"));
	assert_false(r.decrypted);
	assert_false(r.integrity);
	assert_null(r.plaintext);
	assert_string_equal(r.cipher, "CAST5");
	crypto_result_release(&r);
	/* Damaged ciphertext, plain text, nothing. */
	cast.data[cast.len / 2] ^= 0x55;
	assert_int_not_equal(e->ops->decrypt(e, cast.data, cast.len, &r,
	    &err), 0);
	assert_null(r.plaintext);
	crypto_result_release(&r);
	assert_int_not_equal(e->ops->decrypt(e, d.data, d.len, &r, &err), 0);
	assert_null(r.plaintext);
	crypto_result_release(&r);
	assert_int_equal(e->ops->decrypt(e, "", 0, &r, &err),
	    CACHET_E_INVAL);
	buf_release(&c);
	buf_release(&d);
	buf_release(&aes);
	buf_release(&cast);
	crypto_engine_close(e);
}

static const struct crypto_key *
find_key(const struct crypto_key *k, size_t n, const char *addr)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < k[i].naddrs; j++)
			if (strcmp(k[i].addrs[j], addr) == 0)
				return &k[i];
	return NULL;
}

static void
test_pgp_keys(void **state)
{
	struct crypto_engine *e = pgp();
	struct crypto_key *k;
	const struct crypto_key *a;
	struct cachet_err err;
	size_t n;

	assert_int_equal(e->ops->list_keys(e, "alice@example.test", false, &k,
	    &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(k[0].proto, CRYPTO_PROTO_OPENPGP);
	assert_string_equal(k[0].fpr, alice_fpr);
	assert_int_equal(k[0].nuids, 1);
	assert_string_equal(k[0].uids[0], "Alice <Alice@Example.test>");
	assert_int_equal(k[0].validity, CRYPTO_TRUST_ULTIMATE);
	assert_int_equal(k[0].owner_trust, CRYPTO_TRUST_ULTIMATE);
	assert_true(k[0].can_sign && k[0].can_encrypt && k[0].has_secret);
	assert_false(k[0].revoked || k[0].expired);
	assert_true(k[0].created > 1700000000);
	assert_int_equal(k[0].expires, 0);
	assert_null(k[0].issuer);
	assert_string_equal(k[0].origin, "keyring");
	crypto_keys_free(k, n);
	assert_int_equal(e->ops->list_keys(e, NULL, false, &k, &n, &err), 0);
	assert_int_equal(n, 5);
	a = find_key(k, n, "bob@example.test");
	assert_non_null(a);
	assert_false(a->has_secret);
	assert_int_equal(a->validity, CRYPTO_TRUST_UNKNOWN);
	assert_true(find_key(k, n, "rev@example.test")->revoked);
	assert_false(find_key(k, n, "rev@example.test")->can_sign);
	assert_true(find_key(k, n, "old@example.test")->expired);
	assert_true(find_key(k, n, "old@example.test")->expires > 0);
	crypto_keys_free(k, n);
	assert_int_equal(e->ops->list_keys(e, NULL, true, &k, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_null(find_key(k, n, "bob@example.test"));
	crypto_keys_free(k, n);
	assert_int_equal(e->ops->list_keys(e, "nobody@example.test", false,
	    &k, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(k);
	crypto_engine_close(e);
}

static void
test_pgp_import(void **state)
{
	struct crypto_engine *e = pgp();
	struct buf b = fixture("bob.asc");
	struct crypto_key *k;
	struct cachet_err err;
	size_t n;

	assert_int_equal(e->ops->import(e, b.data, b.len, &k, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(k[0].fpr, bob_fpr);
	assert_string_equal(k[0].addrs[0], "bob@example.test");
	crypto_keys_free(k, n);
	assert_int_equal(e->ops->import(e, "junk", 4, &k, &n, &err),
	    CACHET_E_INVAL);
	assert_null(k);
	assert_int_equal(n, 0);
	buf_release(&b);
	crypto_engine_close(e);
}

static void
test_pgp_passphrase(void **state)
{
	struct pass wrong = { "guess", 0, "" }, none = { NULL, 0, "" };
	struct pass right = { "sesame", 0, "" };
	struct crypto_engine *e;
	struct cachet_err err;
	char *sig = NULL;
	size_t siglen;

	e = engine(CRYPTO_PROTO_OPENPGP, "p", false, &none);
	assert_int_equal(e->ops->sign(e, "pw@example.test", "x", 1, true,
	    &sig, &siglen, NULL, &err), CACHET_E_AUTH);
	assert_int_equal(none.calls, 1);
	assert_null(sig);
	crypto_engine_close(e);
	e = engine(CRYPTO_PROTO_OPENPGP, "p", false, &wrong);
	assert_int_not_equal(e->ops->sign(e, "pw@example.test", "x", 1, true,
	    &sig, &siglen, NULL, &err), 0);
	assert_true(wrong.calls >= 1);
	assert_null(sig);
	crypto_engine_close(e);
	e = engine(CRYPTO_PROTO_OPENPGP, "p", false, &right);
	assert_int_equal(e->ops->sign(e, "pw@example.test", "x", 1, true,
	    &sig, &siglen, NULL, &err), 0);
	assert_int_equal(right.calls, 1);
	assert_non_null(strstr(right.hint, "pw@example.test"));
	free(sig);
	crypto_engine_close(e);
	/* No callback at all: refused, never a terminal prompt. */
	e = pgp();
	assert_int_equal(e->ops->sign(e, "pw@example.test", "x", 1, true,
	    &sig, &siglen, NULL, &err), CACHET_E_AUTH);
	crypto_engine_close(e);
}

/*
 * The UI's prompt as cmd hands it to the engines of the calling thread
 * (cmd_set_passphrase_fn, cmd_crypto_ctx): gpg-agent asks once per
 * operation in loopback mode, so a wrong passphrase is asked again by
 * running the operation again, with a hint that says so, three times at
 * most; a refusal is not asked again; without a prompt nothing is asked.
 */
struct pass_seq {
	const char *give[4];	/* NULL: refuse */
	int calls;
	char hint[4][256];
};

static int
pass_seq_cb(void *ctx, const char *hint, char *buf, size_t len)
{
	struct pass_seq *p = ctx;
	int i = p->calls++;

	if (i >= 4)
		return -1;
	snprintf(p->hint[i], sizeof(p->hint[i]), "%s", hint ? hint : "");
	if (p->give[i] == NULL)
		return -1;
	snprintf(buf, len, "%s", p->give[i]);
	return 0;
}

/*
 * Signs with the protected key of pw@example.test; returns what sign
 * returned, or SIGN_PW_INCONSISTENT when the signature does not agree with
 * it (none on success, or one on failure). No cmocka assertions: the
 * S/MIME checks run it in a child process.
 */
#define SIGN_PW_INCONSISTENT (-100)

static int
sign_pw(struct crypto_engine *e, struct cachet_err *err)
{
	char *sig = NULL;
	size_t siglen = 0;
	int rc;

	rc = e->ops->sign(e, "pw@example.test", "x", 1, true, &sig, &siglen,
	    NULL, err);
	if (rc == 0 ? sig == NULL || siglen == 0 : sig != NULL)
		rc = SIGN_PW_INCONSISTENT;
	free(sig);
	return rc;
}

static bool
is_again(const char *hint)
{
	return strncmp(hint, "wrong passphrase; again: ", 25) == 0;
}

static void
test_cmd_passphrase(void **state)
{
	struct pass_seq two = { { "guess", "sesame" }, 0, { "" } };
	struct pass_seq bad = { { "a", "b", "c", "d" }, 0, { "" } };
	struct pass_seq esc = { { NULL }, 0, { "" } };
	struct pass_seq ok = { { "sesame" }, 0, { "" } };
	struct crypto_ctx cc;
	struct cachet_err err;
	char *h = home("p");
	int rc;

	setenv("GNUPGHOME", h, 1);
	free(h);
	cmd_crypto_ctx(&cc);
	assert_non_null(cc.openpgp);
	/* No prompt installed: refused, nothing asked. */
	assert_int_equal(sign_pw(cc.openpgp, &err), CACHET_E_AUTH);
	/* Wrong, then right: asked twice, the second time saying so. */
	cmd_set_passphrase_fn(pass_seq_cb, &two);
	assert_int_equal(sign_pw(cc.openpgp, &err), 0);
	assert_int_equal(two.calls, 2);
	assert_false(is_again(two.hint[0]));
	assert_non_null(strstr(two.hint[0], "pw@example.test"));
	assert_true(is_again(two.hint[1]));
	assert_non_null(strstr(two.hint[1], "pw@example.test"));
	/* Always wrong: three tries, then the error. */
	cmd_set_passphrase_fn(pass_seq_cb, &bad);
	rc = sign_pw(cc.openpgp, &err);
	assert_int_not_equal(rc, 0);
	assert_int_not_equal(rc, SIGN_PW_INCONSISTENT);
	assert_int_equal(bad.calls, 3);
	assert_true(is_again(bad.hint[2]));
	/* Cancelled: not asked again. */
	cmd_set_passphrase_fn(pass_seq_cb, &esc);
	assert_int_equal(sign_pw(cc.openpgp, &err), CACHET_E_AUTH);
	assert_int_equal(esc.calls, 1);
	/* The next operation starts afresh. */
	cmd_set_passphrase_fn(pass_seq_cb, &ok);
	assert_int_equal(sign_pw(cc.openpgp, &err), 0);
	assert_int_equal(ok.calls, 1);
	assert_false(is_again(ok.hint[0]));
	cmd_set_passphrase_fn(NULL, NULL);
	assert_int_equal(sign_pw(cc.openpgp, &err), CACHET_E_AUTH);
	assert_int_equal(ok.calls, 1);
}

/* ------------------------------------------------------------ S/MIME */

static void
test_cms_good(void **state)
{
	struct crypto_engine *e = cms(false);
	struct crypto_result r = { 0 };
	struct buf d = fixture("data");
	struct cachet_err err;
	const struct crypto_sig *s;
	char *sig, *mic;
	size_t siglen;

	assert_int_equal(e->ops->sign(e, "alice@example.test", d.data, d.len,
	    true, &sig, &siglen, &mic, &err), 0);
	assert_string_equal(mic, "sha-256");
	assert_int_equal((unsigned char)sig[0], 0x30);	/* DER */
	assert_int_equal(e->ops->verify_detached(e, d.data, d.len, sig,
	    siglen, &r, &err), 0);
	assert_int_equal(r.nsigs, 1);
	s = &r.sigs[0];
	assert_int_equal(s->result, CRYPTO_SIG_GOOD);
	assert_string_equal(s->fpr, alice_sha256);
	assert_non_null(strstr(s->signer, "CN=Alice Test"));
	assert_int_equal(s->naddrs, 1);
	assert_string_equal(s->addrs[0], "alice@example.test");
	assert_string_equal(s->digest, "SHA256");
	assert_string_equal(s->pubkey_algo, "RSA-2048");
	assert_int_equal(s->trust, CRYPTO_TRUST_FULL);
	/* Offline: gpgsm was told not to check CRLs, and says so. */
	assert_int_equal(s->revocation, CRYPTO_REV_NOT_CHECKED);
	assert_int_equal(s->nchain, 2);
	assert_string_equal(s->chain[0].fpr_sha256, alice_sha256);
	assert_string_equal(s->chain[0].key_usage,
	    "digitalSignature, nonRepudiation");
	assert_string_equal(s->chain[0].ext_key_usage, "emailProtection");
	assert_false(s->chain[0].is_ca);
	assert_string_equal(s->chain[0].serial, "01");
	assert_non_null(strstr(s->chain[0].issuer, "CN=Cachet Test CA"));
	assert_true(s->chain[0].not_before > 1700000000);
	assert_true(s->chain[0].not_after > s->chain[0].not_before);
	assert_string_equal(s->chain[1].fpr_sha256, ca_sha256);
	assert_true(s->chain[1].is_ca);
	assert_string_equal(s->chain[1].key_usage, "keyCertSign, cRLSign");
	assert_non_null(strstr(s->chain[1].subject, "CN=Cachet Test CA"));
	crypto_result_release(&r);
	/* One byte changed. */
	d.data[0] ^= 1;
	assert_int_equal(e->ops->verify_detached(e, d.data, d.len, sig,
	    siglen, &r, &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_BAD);
	crypto_result_release(&r);
	free(sig);
	free(mic);
	buf_release(&d);
	crypto_engine_close(e);
}

static void
test_cms_verdicts(void **state)
{
	struct crypto_engine *e = cms(false);
	struct crypto_result r;

	verify_files(e, "data", "zed.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_UNKNOWN_KEY);
	assert_null(r.sigs[0].signer);
	assert_int_equal(r.sigs[0].nchain, 0);
	crypto_result_release(&r);
	verify_files(e, "data", "old.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_EXPIRED);
	assert_string_equal(r.sigs[0].addrs[0], "old@example.test");
	crypto_result_release(&r);
	/* A valid signature, from a CA nobody trusts. */
	verify_files(e, "data", "mallory.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_UNTRUSTED);
	assert_non_null(strstr(r.sigs[0].note, "trusted root"));
	assert_int_equal(r.sigs[0].nchain, 2);
	assert_non_null(strstr(r.sigs[0].chain[1].subject, "Rogue CA"));
	crypto_result_release(&r);
	/* Made with the encryption-only certificate. */
	verify_files(e, "data", "wku.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_UNTRUSTED);
	assert_string_equal(r.sigs[0].chain[0].key_usage, "keyEncipherment");
	crypto_result_release(&r);
	verify_files(e, "data", "sha1.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_WEAK);
	assert_string_equal(r.sigs[0].digest, "SHA1");
	crypto_result_release(&r);
	verify_files(e, "data2", "sha1.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_BAD);
	crypto_result_release(&r);
	crypto_engine_close(e);
}

static void
test_cms_revocation(void **state)
{
	struct crypto_engine *off = cms(false), *on = cms(true);
	struct crypto_result r;

	/* Offline, the CRL is not consulted, and the status says so. */
	verify_files(off, "data", "rev.p7s", &r);
	assert_int_not_equal(r.sigs[0].result, CRYPTO_SIG_REVOKED);
	assert_int_equal(r.sigs[0].revocation, CRYPTO_REV_NOT_CHECKED);
	crypto_result_release(&r);
	/* Online, dirmngr answers from the CRL it holds. */
	verify_files(on, "data", "rev.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_REVOKED);
	assert_int_equal(r.sigs[0].revocation, CRYPTO_REV_REVOKED);
	crypto_result_release(&r);
	verify_files(on, "data", "sha1.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_WEAK);
	assert_int_equal(r.sigs[0].revocation, CRYPTO_REV_GOOD);
	crypto_result_release(&r);
	crypto_engine_close(off);
	crypto_engine_close(on);
}

static void
test_cms_opaque(void **state)
{
	struct crypto_engine *e = cms(false);
	struct crypto_result r = { 0 };
	struct buf d = fixture("data"), o = fixture("opaque.p7m");
	struct buf c = fixture("certsonly.p7");
	struct cachet_err err;
	char *out;
	size_t outlen;

	assert_int_equal(e->ops->sign(e, "alice@example.test", d.data, d.len,
	    false, &out, &outlen, NULL, &err), 0);
	assert_int_equal(e->ops->verify_opaque(e, out, outlen, &r, &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_int_equal(r.plaintext_len, d.len);
	assert_memory_equal(r.plaintext, d.data, d.len);
	crypto_result_release(&r);
	free(out);
	assert_int_equal(e->ops->verify_opaque(e, o.data, o.len, &r, &err),
	    0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_memory_equal(r.plaintext, d.data, d.len);
	crypto_result_release(&r);
	/* A "detached" signature that carries content of its own. */
	assert_int_equal(e->ops->verify_detached(e, d.data, d.len, o.data,
	    o.len, &r, &err), CACHET_E_INVAL);
	assert_int_equal(r.nsigs, 0);
	/* A CMS object with no signer is no signature. */
	assert_int_equal(e->ops->verify_detached(e, d.data, d.len, c.data,
	    c.len, &r, &err), CACHET_E_INVAL);
	assert_int_not_equal(e->ops->verify_opaque(e, c.data, c.len, &r,
	    &err), 0);
	assert_null(r.plaintext);
	crypto_result_release(&r);
	buf_release(&d);
	buf_release(&o);
	buf_release(&c);
	crypto_engine_close(e);
}

static void
test_cms_roundtrip(void **state)
{
	struct crypto_engine *e = cms(false);
	struct crypto_result r = { 0 };
	struct buf d = fixture("data"), t = fixture("3des.p7m");
	struct buf m = fixture("tomallory.p7m");
	struct cachet_err err;
	const char *rcpt[] = { "Alice@Example.test" };
	const char *mallory[] = { "mallory@example.test" };
	char *ct;
	size_t ctlen;

	assert_int_equal(e->ops->encrypt(e, rcpt, 1, NULL, d.data, d.len,
	    &ct, &ctlen, &err), 0);
	assert_int_equal(e->ops->decrypt(e, ct, ctlen, &r, &err), 0);
	assert_true(r.decrypted && r.integrity);
	assert_non_null(r.cipher);
	assert_int_equal(strncmp(r.cipher, "AES", 3), 0);
	assert_int_equal(r.nrecipients, 1);
	assert_memory_equal(r.plaintext, d.data, d.len);
	crypto_result_release(&r);
	free(ct);
	/* The cipher of a message made elsewhere, read from the object. */
	assert_int_equal(e->ops->decrypt(e, t.data, t.len, &r, &err), 0);
	assert_string_equal(r.cipher, "3DES");
	assert_memory_equal(r.plaintext, d.data, d.len);
	crypto_result_release(&r);
	/* For someone else: an error and no plaintext. */
	assert_int_equal(e->ops->decrypt(e, m.data, m.len, &r, &err),
	    CACHET_E_NOTFOUND);
	assert_false(r.decrypted);
	assert_null(r.plaintext);
	assert_string_equal(r.cipher, "AES256");
	crypto_result_release(&r);
	/* Mallory's certificate is there, but nothing vouches for it. */
	assert_int_equal(e->ops->encrypt(e, mallory, 1, NULL, d.data, d.len,
	    &ct, &ctlen, &err), CACHET_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "mallory@example.test"));
	assert_int_equal(e->ops->encrypt(e, rcpt, 1, "alice@example.test",
	    d.data, d.len, &ct, &ctlen, &err), CACHET_E_INVAL);
	buf_release(&d);
	buf_release(&t);
	buf_release(&m);
	crypto_engine_close(e);
}

static void
test_cms_keys(void **state)
{
	struct crypto_engine *e = cms(false);
	struct buf z = fixture("zed.crt");
	const struct crypto_key *a;
	struct crypto_key *k;
	struct cachet_err err;
	size_t n, i, sign = 0, enc = 0, siglen;
	char *sig;

	assert_int_equal(e->ops->list_keys(e, "alice@example.test", false, &k,
	    &n, &err), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_int_equal(k[i].proto, CRYPTO_PROTO_SMIME);
		assert_true(is_upper_hex(k[i].fpr, 64));
		assert_true(k[i].has_secret);
		assert_int_equal(k[i].validity, CRYPTO_TRUST_FULL);
		assert_non_null(strstr(k[i].issuer, "CN=Cachet Test CA"));
		assert_string_equal(k[i].addrs[0], "alice@example.test");
		assert_true(k[i].expires > k[i].created);
		sign += k[i].can_sign && !k[i].can_encrypt;
		enc += k[i].can_encrypt && !k[i].can_sign;
	}
	assert_int_equal(sign, 1);
	assert_int_equal(enc, 1);
	crypto_keys_free(k, n);
	/* Named by cachet's SHA-256 fingerprint, which gpgsm cannot search. */
	assert_int_equal(e->ops->list_keys(e, alice_sha256, false, &k, &n,
	    &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(k[0].fpr, alice_sha256);
	assert_true(k[0].can_sign);
	crypto_keys_free(k, n);
	assert_int_equal(e->ops->sign(e, alice_sha256, "x", 1, true, &sig,
	    &siglen, NULL, &err), 0);
	free(sig);
	assert_int_equal(e->ops->list_keys(e, "mallory@example.test", false,
	    &k, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_not_equal(k[0].validity, CRYPTO_TRUST_FULL);
	assert_false(k[0].has_secret);
	crypto_keys_free(k, n);
	/* gpgsm may report the issuer it now holds for good as well. */
	assert_int_equal(e->ops->import(e, z.data, z.len, &k, &n, &err), 0);
	a = find_key(k, n, "zed@example.test");
	assert_non_null(a);
	assert_true(is_upper_hex(a->fpr, 64));
	assert_false(a->has_secret);
	crypto_keys_free(k, n);
	assert_int_equal(e->ops->import(e, "junk", 4, &k, &n, &err),
	    CACHET_E_INVAL);
	buf_release(&z);
	crypto_engine_close(e);
}

/* Upper-case hex SHA-256 of data (owned). */
static char *
sha256_upper(const char *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;
	char *hex = xmalloc(65);

	assert_int_equal(EVP_Digest(data, len, md, &n, EVP_sha256(), NULL),
	    1);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02X", md[i]);
	return hex;
}

/* export_key: certificates as DER, one at a time; the fake engine's. */
static void
test_cms_export(void **state)
{
	struct crypto_engine *e = cms(false), *f = NULL;
	struct cachet_err err;
	char *out = NULL, *fpr;
	size_t len = 0;

	assert_true(e->ops->caps & CRYPTO_CAP_EXPORT);
	/* Alice has a signing and an encryption certificate. */
	assert_int_equal(e->ops->export_key(e, "alice@example.test", false,
	    &out, &len, &err), CACHET_E_INVAL);
	assert_null(out);
	assert_int_equal(e->ops->export_key(e, alice_sha256, false, &out,
	    &len, &err), 0);
	assert_true(len > 100 && (unsigned char)out[0] == 0x30);
	fpr = sha256_upper(out, len);
	assert_string_equal(fpr, alice_sha256);
	free(fpr);
	free(out);
	/* Not trusted, or unknown: nothing to hand out. */
	assert_int_equal(e->ops->export_key(e, "mallory@example.test", false,
	    &out, &len, &err), CACHET_E_NOTFOUND);
	assert_int_equal(e->ops->export_key(e, "nobody@example.test", false,
	    &out, &len, &err), CACHET_E_NOTFOUND);
	assert_int_equal(e->ops->export_key(e, "", false, &out, &len, &err),
	    CACHET_E_INVAL);
	crypto_engine_close(e);
	assert_int_equal(crypto_engine_open(&f, "fake", CRYPTO_PROTO_OPENPGP,
	    NULL, &err), 0);
	assert_int_equal(f->ops->export_key(f, "fake@example.test", true, &out,
	    &len, &err), 0);
	assert_true(strncmp(out, "FAKEKEY", 7) == 0);
	assert_int_equal(strlen(out), len);
	free(out);
	assert_int_equal(f->ops->export_key(f, "x@example.test", true, &out,
	    &len, &err), CACHET_E_NOTFOUND);
	crypto_engine_close(f);
}

/* ------------------------------------------- protected S/MIME keys */

/*
 * Stop the S/MIME home's gpg-agent, so that it starts again with an empty
 * passphrase cache, and forget whether its pinentry ran.
 */
static void
agent_cold(void)
{
	char *h = home("s"), *log = home("agent.log");
	char *mark = home("pinentry.used");
	const char *const argv[] = { "/usr/bin/gpgconf", "--homedir", h,
		"--kill", "gpg-agent", NULL };

	assert_int_equal(run(argv, log), 0);
	unlink(mark);
	free(mark);
	free(log);
	free(h);
}

/* Empty its passphrase cache and keep it running (gpgsm stays connected). */
static int
agent_flush(void)
{
	char *h = home("s"), *log = home("agent.log");
	const char *const argv[] = { "/usr/bin/gpg-connect-agent", "--homedir",
		h, "RELOADAGENT", "/bye", NULL };
	int rc = run(argv, log);

	free(log);
	free(h);
	return rc;
}

/* Did the agent start a pinentry of its own? */
static bool
pinentry_used(void)
{
	char *mark = home("pinentry.used");
	bool used = access(mark, F_OK) == 0;

	free(mark);
	return used;
}

/*
 * What gpgsm through GPGME cannot do, failing cleanly: CRL checks turned
 * off in gpgsm's own configuration show as "not checked" even online,
 * and without a passphrase callback a passphrase-protected S/MIME key
 * cannot be unlocked (GPGME 1.18 does not relay gpgsm's passphrase
 * inquiries): gpgsm has the agent try its own pinentry, which fails.
 */
static void
test_cms_limits(void **state)
{
	char *conf = xasprintf("%s/s/gpgsm.conf", root);
	struct crypto_engine *e;
	struct crypto_result r;
	struct cachet_err err;
	char *sig = NULL, *dir = home("s");
	size_t siglen;

	assert_int_equal(util_write_atomic(dir, dir, "gpgsm.conf",
	    "disable-crl-checks\n", 19, &err), 0);
	free(dir);
	e = cms(true);
	verify_files(e, "data", "rev.p7s", &r);
	assert_int_not_equal(r.sigs[0].result, CRYPTO_SIG_REVOKED);
	assert_int_equal(r.sigs[0].revocation, CRYPTO_REV_NOT_CHECKED);
	crypto_result_release(&r);
	verify_files(e, "data", "sha1.p7s", &r);
	assert_int_equal(r.sigs[0].revocation, CRYPTO_REV_NOT_CHECKED);
	crypto_result_release(&r);
	crypto_engine_close(e);
	assert_int_equal(unlink(conf), 0);
	free(conf);
	agent_cold();
	e = cms(false);
	assert_int_equal(e->ops->sign(e, "pw@example.test", "x", 1, true,
	    &sig, &siglen, NULL, &err), CACHET_E_AUTH);
	assert_non_null(strstr(err.msg, "passphrase"));
	assert_null(sig);
	assert_true(pinentry_used());
	/* The instance still works afterwards. */
	assert_int_equal(e->ops->sign(e, "alice@example.test", "x", 1, true,
	    &sig, &siglen, NULL, &err), 0);
	free(sig);
	crypto_engine_close(e);
}

/*
 * Pw's protected S/MIME key through gpgsm, with a passphrase callback:
 * the engine unlocks it in gpg-agent with the callback's answer before
 * gpgsm runs. The agent then keeps the passphrase, so later operations,
 * in this instance or another, do not ask. The agent's own pinentry
 * never runs.
 */
static void
test_cms_unlock_sign(void **state)
{
	struct pass p = { "sesame", 0, "" };
	struct crypto_result r = { 0 };
	struct buf d = fixture("data");
	struct crypto_engine *e;
	struct cachet_err err;
	char *sig = NULL, *mic = NULL;
	size_t siglen;

	agent_cold();
	e = engine(CRYPTO_PROTO_SMIME, "s", false, &p);
	assert_int_equal(e->ops->sign(e, "pw@example.test", d.data, d.len,
	    true, &sig, &siglen, &mic, &err), 0);
	assert_int_equal(p.calls, 1);
	assert_string_equal(p.hint, "Pw <pw@example.test>");
	assert_string_equal(mic, "sha-256");
	assert_int_equal(e->ops->verify_detached(e, d.data, d.len, sig,
	    siglen, &r, &err), 0);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_true(has_addr(&r.sigs[0], "pw@example.test"));
	crypto_result_release(&r);
	free(sig);
	free(mic);
	assert_int_equal(e->ops->sign(e, "pw@example.test", "x", 1, false,
	    &sig, &siglen, NULL, &err), 0);
	free(sig);
	crypto_engine_close(e);
	e = engine(CRYPTO_PROTO_SMIME, "s", false, &p);
	assert_int_equal(e->ops->sign(e, "pw@example.test", "x", 1, true,
	    &sig, &siglen, NULL, &err), 0);
	free(sig);
	/* An unprotected key is never asked for. */
	assert_int_equal(e->ops->sign(e, "alice@example.test", "x", 1, true,
	    &sig, &siglen, NULL, &err), 0);
	free(sig);
	assert_int_equal(p.calls, 1);
	assert_false(pinentry_used());
	crypto_engine_close(e);
	buf_release(&d);
}

/*
 * One answer per operation, as gpg asks in loopback mode: a wrong one
 * fails the operation (cmd runs it again), the next operation asks
 * afresh; a refusal cancels. gpgsm never runs with the key locked.
 */
static void
test_cms_unlock_wrong(void **state)
{
	struct pass_seq two = { { "guess", "sesame" }, 0, { "" } };
	struct pass_seq bad = { { "a", "b", "c" }, 0, { "" } };
	struct pass_seq esc = { { NULL }, 0, { "" } };
	struct crypto_engine *e;
	struct cachet_err err;
	int i;

	agent_cold();
	e = engine_cb(CRYPTO_PROTO_SMIME, "s", false, pass_seq_cb, &two);
	assert_int_equal(sign_pw(e, &err), CACHET_E_AUTH);
	assert_non_null(strstr(err.msg, "wrong passphrase"));
	assert_int_equal(two.calls, 1);
	assert_int_equal(sign_pw(e, &err), 0);
	assert_int_equal(two.calls, 2);
	assert_string_equal(two.hint[1], "Pw <pw@example.test>");
	crypto_engine_close(e);
	assert_int_equal(agent_flush(), 0);
	e = engine_cb(CRYPTO_PROTO_SMIME, "s", false, pass_seq_cb, &bad);
	for (i = 1; i <= 3; i++) {
		assert_int_equal(sign_pw(e, &err), CACHET_E_AUTH);
		assert_int_equal(bad.calls, i);
	}
	crypto_engine_close(e);
	e = engine_cb(CRYPTO_PROTO_SMIME, "s", false, pass_seq_cb, &esc);
	assert_int_equal(sign_pw(e, &err), CACHET_E_AUTH);
	assert_non_null(strstr(err.msg, "cancelled"));
	assert_int_equal(esc.calls, 1);
	crypto_engine_close(e);
	assert_false(pinentry_used());
}

/*
 * Decrypting a message for Pw (made by openssl for Mallory and Pw, in
 * that order) unlocks Pw's encryption key; what the engine encrypts to
 * Pw then decrypts without asking. Input the engine cannot read as CMS
 * asks nothing.
 */
static void
test_cms_unlock_decrypt(void **state)
{
	struct pass p = { "sesame", 0, "" }, w = { "guess", 0, "" };
	struct buf d = fixture("data"), m = fixture("topw.p7m");
	const char *rcpt[] = { "pw@example.test" };
	struct crypto_result r = { 0 };
	struct crypto_engine *e;
	struct cachet_err err;
	char *ct;
	size_t ctlen;

	agent_cold();
	e = engine(CRYPTO_PROTO_SMIME, "s", false, &w);
	assert_int_equal(e->ops->decrypt(e, m.data, m.len, &r, &err),
	    CACHET_E_AUTH);
	assert_non_null(strstr(err.msg, "wrong passphrase"));
	assert_int_equal(w.calls, 1);
	assert_string_equal(w.hint, "Pw <pw@example.test>");
	assert_false(r.decrypted);
	assert_null(r.plaintext);
	assert_string_equal(r.cipher, "AES256");
	crypto_result_release(&r);
	crypto_engine_close(e);
	e = engine(CRYPTO_PROTO_SMIME, "s", false, &p);
	assert_int_equal(e->ops->decrypt(e, m.data, m.len, &r, &err), 0);
	assert_true(r.decrypted);
	assert_int_equal(r.plaintext_len, d.len);
	assert_memory_equal(r.plaintext, d.data, d.len);
	assert_int_equal(p.calls, 1);
	crypto_result_release(&r);
	assert_int_equal(e->ops->encrypt(e, rcpt, 1, NULL, d.data, d.len, &ct,
	    &ctlen, &err), 0);
	assert_int_equal(e->ops->decrypt(e, ct, ctlen, &r, &err), 0);
	assert_memory_equal(r.plaintext, d.data, d.len);
	crypto_result_release(&r);
	free(ct);
	/* Not CMS, or cut short: nothing to unlock, nothing asked. */
	assert_int_not_equal(e->ops->decrypt(e, "junk", 4, &r, &err), 0);
	assert_null(r.plaintext);
	crypto_result_release(&r);
	assert_int_not_equal(e->ops->decrypt(e, m.data, m.len / 2, &r, &err),
	    0);
	assert_null(r.plaintext);
	crypto_result_release(&r);
	assert_int_equal(p.calls, 1);
	assert_false(pinentry_used());
	/*
	 * With the key locked again, input whose recipients cannot be read
	 * is refused before gpgsm runs: gpgsm might need the key, and the
	 * agent would start its own pinentry.
	 */
	agent_cold();
	assert_int_equal(e->ops->decrypt(e, "junk", 4, &r, &err),
	    CACHET_E_INVAL);
	assert_non_null(strstr(err.msg, "recipients cannot be read"));
	assert_null(r.plaintext);
	crypto_result_release(&r);
	assert_int_equal(p.calls, 1);
	assert_false(pinentry_used());
	crypto_engine_close(e);
	buf_release(&d);
	buf_release(&m);
}

/*
 * An agent that caches nothing (default-cache-ttl 0) cannot hand gpgsm
 * the passphrase it was given: refused with a message that says why, and
 * the instance does not ask again.
 */
static void
test_cms_unlock_nocache(void **state)
{
	struct pass p = { "sesame", 0, "" };
	char *dir = home("s"), *path = home("s/gpg-agent.conf"), *old, *conf;
	struct crypto_engine *e;
	struct cachet_err err;
	size_t len;

	assert_int_equal(util_read_file(path, &old, &len, &err), 0);
	conf = xasprintf("%sdefault-cache-ttl 0\n", old);
	assert_int_equal(util_write_atomic(dir, dir, "gpg-agent.conf", conf,
	    strlen(conf), &err), 0);
	agent_cold();
	e = engine(CRYPTO_PROTO_SMIME, "s", false, &p);
	assert_int_equal(sign_pw(e, &err), CACHET_E_AUTH);
	assert_non_null(strstr(err.msg, "default-cache-ttl"));
	assert_int_equal(p.calls, 1);
	assert_int_equal(sign_pw(e, &err), CACHET_E_AUTH);
	assert_int_equal(p.calls, 1);
	crypto_engine_close(e);
	assert_false(pinentry_used());
	assert_int_equal(util_write_atomic(dir, dir, "gpg-agent.conf", old,
	    len, &err), 0);
	agent_cold();
	free(conf);
	free(old);
	free(path);
	free(dir);
}

/*
 * The same through cmd, as the UI uses it: cmd runs the operation again
 * after a wrong passphrase, three tries in all, saying so in the hint.
 * In a child process, in a thread of its own, so that cmd opens that
 * thread's engines on the S/MIME home (it opens them once per thread and
 * keeps them until the process ends).
 */
#define CHILD_CHECK(c) \
	do { \
		if (!(c)) \
			return __LINE__; \
	} while (0)

static int
cmd_smime_checks(void)
{
	struct pass_seq two = { { "guess", "sesame" }, 0, { "" } };
	struct pass_seq bad = { { "a", "b", "c", "d" }, 0, { "" } };
	struct pass_seq esc = { { NULL }, 0, { "" } };
	struct pass_seq ok = { { "sesame" }, 0, { "" } };
	struct crypto_ctx cc;
	struct cachet_err err;

	cmd_crypto_ctx(&cc);
	CHILD_CHECK(cc.smime != NULL);
	cmd_set_passphrase_fn(pass_seq_cb, &two);
	CHILD_CHECK(sign_pw(cc.smime, &err) == 0 && two.calls == 2);
	CHILD_CHECK(!is_again(two.hint[0]) && is_again(two.hint[1]));
	CHILD_CHECK(strstr(two.hint[1], "pw@example.test") != NULL);
	CHILD_CHECK(agent_flush() == 0);
	cmd_set_passphrase_fn(pass_seq_cb, &bad);
	CHILD_CHECK(sign_pw(cc.smime, &err) == CACHET_E_AUTH);
	CHILD_CHECK(bad.calls == 3 && is_again(bad.hint[2]));
	cmd_set_passphrase_fn(pass_seq_cb, &esc);
	CHILD_CHECK(sign_pw(cc.smime, &err) == CACHET_E_AUTH);
	CHILD_CHECK(esc.calls == 1);
	cmd_set_passphrase_fn(pass_seq_cb, &ok);
	CHILD_CHECK(sign_pw(cc.smime, &err) == 0 && ok.calls == 1);
	CHILD_CHECK(!is_again(ok.hint[0]));
	CHILD_CHECK(sign_pw(cc.smime, &err) == 0 && ok.calls == 1);
	/* No prompt installed, the cache empty: refused at once. */
	CHILD_CHECK(agent_flush() == 0);
	cmd_set_passphrase_fn(NULL, NULL);
	CHILD_CHECK(sign_pw(cc.smime, &err) == CACHET_E_AUTH);
	CHILD_CHECK(!pinentry_used());
	return 0;
}

static void *
cmd_smime_thread(void *arg)
{
	*(int *)arg = cmd_smime_checks();
	return NULL;
}

static void
test_cmd_smime_passphrase(void **state)
{
	char *h = home("s");
	pthread_t t;
	int status, line = -1;
	pid_t pid;

	agent_cold();
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		setenv("GNUPGHOME", h, 1);
		if (pthread_create(&t, NULL, cmd_smime_thread, &line) != 0 ||
		    pthread_join(t, NULL) != 0)
			_exit(2);
		if (line != 0)
			fprintf(stderr, "cmd S/MIME check at line %d failed\n",
			    line);
		_exit(line == 0 ? 0 : 1);
	}
	free(h);
	assert_true(pid > 0);
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* -------------------------------------------------- the demo samples */

static struct buf
sample(const char *name)
{
	struct buf b = BUF_INIT;
	struct cachet_err err;
	char *path = xasprintf("%s/src/demo/mail/INBOX/%s", CACHET_SRCDIR,
	    name), *data = NULL;
	size_t len = 0;

	if (util_read_file(path, &data, &len, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	buf_add(&b, data, len);
	free(data);
	free(path);
	return b;
}

/* Append [s, e) with LF made CRLF (the canonical form signed). */
static void
add_crlf(struct buf *b, const char *s, const char *e)
{
	for (; s < e; s++) {
		if (*s == '\n')
			buf_addc(b, '\r');
		buf_addc(b, *s);
	}
}

/* The two parts of a two-part sample: the first whole (CRLF), the
 * second's body only. */
static void
split(const char *raw, struct buf *first, struct buf *second)
{
	const char *b, *q, *p1, *e1, *p2, *e2;
	char *delim;

	b = strstr(raw, "boundary=\"");
	assert_non_null(b);
	b += strlen("boundary=\"");
	q = strchr(b, '"');
	assert_non_null(q);
	delim = xasprintf("\n--%.*s", (int)(q - b), b);
	p1 = strstr(raw, delim);
	assert_non_null(p1);
	p1 += strlen(delim) + 1;
	e1 = strstr(p1, delim);
	assert_non_null(e1);
	add_crlf(first, p1, e1);
	p2 = strstr(e1 + strlen(delim), "\n\n");
	assert_non_null(p2);
	p2 += 2;
	e2 = strstr(p2, delim);
	assert_non_null(e2);
	buf_add(second, p2, (size_t)(e2 - p2));
	free(delim);
}

static const char *
body(const struct buf *raw)
{
	const char *p = strstr(raw->data, "\n\n");

	assert_non_null(p);
	return p + 2;
}

static enum crypto_sig_result
demo_verify(struct crypto_engine *e, const char *name, bool b64,
    char **addr)
{
	struct buf raw = sample(name), part = BUF_INIT, sig = BUF_INIT, dec;
	struct crypto_result r = { 0 };
	struct cachet_err err;
	enum crypto_sig_result res;

	split(raw.data, &part, &sig);
	if (b64) {
		dec = unbase64(sig.data, sig.len);
		buf_release(&sig);
		sig = dec;
	}
	if (e->ops->verify_detached(e, part.data, part.len, sig.data,
	    sig.len, &r, &err) != 0)
		fail_msg("%s: %s", name, err.msg);
	assert_int_equal(r.nsigs, 1);
	res = r.sigs[0].result;
	*addr = xstrdup(r.sigs[0].naddrs > 0 ? r.sigs[0].addrs[0] : "");
	crypto_result_release(&r);
	buf_release(&raw);
	buf_release(&part);
	buf_release(&sig);
	return res;
}

static void
test_demo_openpgp(void **state)
{
	struct crypto_engine *e = engine(CRYPTO_PROTO_OPENPGP, "d", false,
	    NULL);
	struct buf raw, part = BUF_INIT, ct = BUF_INIT;
	struct crypto_result r = { 0 };
	struct cachet_err err;
	char *addr;

	assert_int_equal(demo_verify(e, "13-pgp-signed.eml", false, &addr),
	    CRYPTO_SIG_GOOD);
	assert_string_equal(addr, "alice@example.org");
	free(addr);
	assert_int_equal(demo_verify(e, "16-pgp-bad-signature.eml", false,
	    &addr), CRYPTO_SIG_BAD);
	free(addr);
	/* Signed by Bob (not certified), From says Alice. */
	assert_int_equal(demo_verify(e, "17-pgp-signer-not-sender.eml",
	    false, &addr), CRYPTO_SIG_UNTRUSTED);
	assert_string_equal(addr, "bob@example.net");
	free(addr);
	assert_int_equal(demo_verify(e, "18-pgp-unknown-key.eml", false,
	    &addr), CRYPTO_SIG_UNKNOWN_KEY);
	free(addr);
	raw = sample("15-pgp-inline-clearsigned.eml");
	assert_int_equal(e->ops->verify_opaque(e, body(&raw),
	    strlen(body(&raw)), &r, &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_UNTRUSTED);
	assert_non_null(r.plaintext);
	crypto_result_release(&r);
	buf_release(&raw);
	raw = sample("14-pgp-encrypted-signed.eml");
	split(raw.data, &part, &ct);
	assert_int_equal(e->ops->decrypt(e, ct.data, ct.len, &r, &err), 0);
	assert_true(r.decrypted && r.integrity);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_non_null(strstr(r.plaintext, "Content-Type:"));
	crypto_result_release(&r);
	buf_release(&raw);
	buf_release(&part);
	buf_release(&ct);
	crypto_engine_close(e);
}

static void
test_demo_smime(void **state)
{
	struct crypto_engine *e = engine(CRYPTO_PROTO_SMIME, "d", false,
	    NULL);
	struct crypto_result r = { 0 };
	struct cachet_err err;
	struct buf raw, der;
	char *addr;

	assert_int_equal(demo_verify(e, "19-smime-signed.eml", true, &addr),
	    CRYPTO_SIG_GOOD);
	assert_string_equal(addr, "alice@example.org");
	free(addr);
	raw = sample("20-smime-opaque-signed.eml");
	der = unbase64(body(&raw), strlen(body(&raw)));
	assert_int_equal(e->ops->verify_opaque(e, der.data, der.len, &r,
	    &err), 0);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_non_null(strstr(r.plaintext, "Content-Type: text/plain"));
	crypto_result_release(&r);
	buf_release(&raw);
	buf_release(&der);
	raw = sample("21-smime-encrypted.eml");
	der = unbase64(body(&raw), strlen(body(&raw)));
	assert_int_equal(e->ops->decrypt(e, der.data, der.len, &r, &err), 0);
	assert_true(r.decrypted);
	assert_string_equal(r.cipher, "AES256");
	assert_non_null(strstr(r.plaintext, "Content-Type:"));
	crypto_result_release(&r);
	buf_release(&raw);
	buf_release(&der);
	crypto_engine_close(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_fake),
		cmocka_unit_test(test_verdict_table),
		cmocka_unit_test(test_pgp_good),
		cmocka_unit_test(test_pgp_bad),
		cmocka_unit_test(test_pgp_unknown_key),
		cmocka_unit_test(test_pgp_expired_revoked),
		cmocka_unit_test(test_pgp_untrusted_weak),
		cmocka_unit_test(test_pgp_opaque),
		cmocka_unit_test(test_pgp_roundtrip),
		cmocka_unit_test(test_pgp_encrypt_refused),
		cmocka_unit_test(test_pgp_decrypt_failures),
		cmocka_unit_test(test_pgp_keys),
		cmocka_unit_test(test_pgp_import),
		cmocka_unit_test(test_pgp_passphrase),
		cmocka_unit_test(test_cmd_passphrase),
		cmocka_unit_test(test_cms_good),
		cmocka_unit_test(test_cms_verdicts),
		cmocka_unit_test(test_cms_revocation),
		cmocka_unit_test(test_cms_opaque),
		cmocka_unit_test(test_cms_roundtrip),
		cmocka_unit_test(test_cms_keys),
		cmocka_unit_test(test_cms_export),
		cmocka_unit_test(test_cms_limits),
		cmocka_unit_test(test_cms_unlock_sign),
		cmocka_unit_test(test_cms_unlock_wrong),
		cmocka_unit_test(test_cms_unlock_decrypt),
		cmocka_unit_test(test_cms_unlock_nocache),
		cmocka_unit_test(test_cmd_smime_passphrase),
		cmocka_unit_test(test_demo_openpgp),
		cmocka_unit_test(test_demo_smime),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
