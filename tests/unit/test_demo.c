/*
 * Unit tests for src/demo: the demo account's store and key store, built
 * from the shipped samples with the real store, mime and GnuPG. The
 * signed and encrypted samples are checked with GPGME in the demo key
 * store, so a corpus that does not verify fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <gpgme.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "demo/demo.h"
#include "store/store.h"

static char *demo_dir;		/* from demo_prepare */
static char *fake_home;		/* the "user's own" GNUPGHOME */
static struct store *st;

/* ------------------------------------------------------------ helpers */

static char *
sample_path(const char *folder, const char *name)
{
	return xasprintf("%s/mail/%s/%s", demo_data_dir(), folder, name);
}

static char *
read_sample(const char *folder, const char *name, size_t *len)
{
	char *path = sample_path(folder, name), *data = NULL;
	struct cachet_err err;

	assert_int_equal(util_read_file(path, &data, len, &err), 0);
	free(path);
	return data;
}

static int
is_eml(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 &&
	    strcmp(d->d_name + n - 4, ".eml") == 0;
}

static int64_t
folder_id(const char *name)
{
	struct store_folder f;
	struct cachet_err err;
	int64_t id;

	assert_int_equal(store_folder_get(st, name, &f, &err), 0);
	id = f.id;
	store_folder_release(&f);
	return id;
}

/* The message with this UID; release with store_msg_release. */
static void
get_msg(const char *folder, uint32_t uid, struct store_msg *m)
{
	struct cachet_err err;

	assert_int_equal(store_msg_get_uid(st, folder_id(folder), uid, m,
	    &err), 0);
}

/* Count entries of a directory other than . and .. */
static int
dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* A live (not zombie) gpg-agent whose command line names home. */
static bool
agent_running(const char *home)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool found = false;

	assert_non_null(d);
	while (!found && (e = readdir(d)) != NULL) {
		char *path, *data = NULL, *p;
		size_t len, i;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		path = xasprintf("/proc/%s/cmdline", e->d_name);
		if (util_read_file(path, &data, &len, NULL) == 0) {
			for (i = 0; i < len; i++)
				if (data[i] == '\0')
					data[i] = ' ';
			found = strstr(data, "gpg-agent") != NULL &&
			    strstr(data, home) != NULL;
		}
		free(data);
		free(path);
		data = NULL;
		path = xasprintf("/proc/%s/stat", e->d_name);
		if (found && util_read_file(path, &data, &len, NULL) == 0 &&
		    (p = strrchr(data, ')')) != NULL && p[1] == ' ' &&
		    p[2] == 'Z')
			found = false;
		free(data);
		free(path);
	}
	closedir(d);
	return found;
}

/* ------------------------------------------------------ MIME splitting */

/* Append [s, e) to b with every LF turned into CRLF. */
static void
add_crlf(struct buf *b, const char *s, const char *e)
{
	for (; s < e; s++) {
		if (*s == '\n')
			buf_addc(b, '\r');
		buf_addc(b, *s);
	}
}

/*
 * Split a two-part multipart sample: the first part with its headers in
 * CRLF form (what a multipart/signed signature covers) and the body of
 * the second part (the signature, or the PGP/MIME ciphertext).
 */
static void
split_two(const char *raw, struct buf *first, struct buf *second)
{
	const char *b, *e, *body, *p1, *p1e, *p2, *p2e;
	char *delim;

	b = strstr(raw, "boundary=\"");
	assert_non_null(b);
	b += 10;
	e = strchr(b, '"');
	assert_non_null(e);
	delim = xasprintf("\n--%.*s", (int)(e - b), b);
	body = strstr(raw, "\n\n");
	assert_non_null(body);
	p1 = strstr(body + 1, delim);
	assert_non_null(p1);
	p1 += strlen(delim) + 1;
	p1e = strstr(p1, delim);
	assert_non_null(p1e);
	if (first != NULL)
		add_crlf(first, p1, p1e);
	p2 = strstr(p1e + strlen(delim), "\n\n");
	assert_non_null(p2);
	p2 += 2;
	p2e = strstr(p2, delim);
	assert_non_null(p2e);
	buf_add(second, p2, (size_t)(p2e - p2));
	free(delim);
}

/* ------------------------------------------------------------- GPGME */

static gpgme_ctx_t
new_ctx(gpgme_protocol_t proto)
{
	gpgme_ctx_t ctx;

	assert_int_equal(gpgme_new(&ctx), 0);
	assert_int_equal(gpgme_set_protocol(ctx, proto), 0);
	gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK);
	return ctx;
}

static gpgme_data_t
mem_data(const struct buf *b)
{
	gpgme_data_t d;

	assert_int_equal(gpgme_data_new_from_mem(&d, b->data, b->len, 1), 0);
	return d;
}

/* Number of keys matching pattern (secret ones when secret). */
static int
count_keys(gpgme_protocol_t proto, const char *pattern, int secret,
    gpgme_validity_t *validity)
{
	gpgme_ctx_t ctx = new_ctx(proto);
	gpgme_key_t key;
	int n = 0;

	assert_int_equal(gpgme_op_keylist_start(ctx, pattern, secret), 0);
	while (gpgme_op_keylist_next(ctx, &key) == 0) {
		if (validity != NULL)
			*validity = key->uids->validity;
		gpgme_key_unref(key);
		n++;
	}
	gpgme_op_keylist_end(ctx);
	gpgme_release(ctx);
	return n;
}

struct sig_check {
	gpgme_error_t status;
	gpgme_sigsum_t summary;
	char email[64];		/* first user ID of the signing key */
};

static void
take_result(gpgme_ctx_t ctx, struct sig_check *out)
{
	gpgme_verify_result_t r = gpgme_op_verify_result(ctx);
	gpgme_key_t key = NULL;

	assert_non_null(r);
	assert_non_null(r->signatures);
	out->status = gpgme_err_code(r->signatures->status);
	out->summary = r->signatures->summary;
	out->email[0] = '\0';
	if (r->signatures->fpr != NULL &&
	    gpgme_get_key(ctx, r->signatures->fpr, &key, 0) == 0) {
		snprintf(out->email, sizeof(out->email), "%s",
		    key->uids->email);
		gpgme_key_unref(key);
	}
}

/* Verify a multipart/signed sample, OpenPGP or S/MIME. */
static void
verify_signed(const char *folder, const char *name, gpgme_protocol_t proto,
    struct sig_check *out)
{
	struct buf content = BUF_INIT, sig = BUF_INIT;
	gpgme_data_t dsig, dtext;
	gpgme_ctx_t ctx = new_ctx(proto);
	size_t len;
	char *raw = read_sample(folder, name, &len);

	split_two(raw, &content, &sig);
	dsig = mem_data(&sig);
	dtext = mem_data(&content);
	if (proto == GPGME_PROTOCOL_CMS)
		gpgme_data_set_encoding(dsig, GPGME_DATA_ENCODING_BASE64);
	assert_int_equal(gpgme_op_verify(ctx, dsig, dtext, NULL), 0);
	take_result(ctx, out);
	gpgme_data_release(dsig);
	gpgme_data_release(dtext);
	gpgme_release(ctx);
	buf_release(&content);
	buf_release(&sig);
	free(raw);
}

/*
 * Decrypt ciphertext (verifying any signature inside); returns the
 * plaintext, owned by the caller. *signed_ok tells whether a good
 * signature was found.
 */
static char *
decrypt(gpgme_protocol_t proto, const struct buf *cipher, bool base64,
    bool *signed_ok)
{
	gpgme_ctx_t ctx = new_ctx(proto);
	gpgme_data_t in = mem_data(cipher), out;
	gpgme_verify_result_t vr;
	char *plain;
	size_t len;

	if (base64)
		gpgme_data_set_encoding(in, GPGME_DATA_ENCODING_BASE64);
	assert_int_equal(gpgme_data_new(&out), 0);
	assert_int_equal(gpgme_op_decrypt_verify(ctx, in, out), 0);
	vr = gpgme_op_verify_result(ctx);
	*signed_ok = vr != NULL && vr->signatures != NULL &&
	    gpgme_err_code(vr->signatures->status) == GPG_ERR_NO_ERROR;
	gpgme_data_write(out, "", 1);
	plain = gpgme_data_release_and_get_mem(out, &len);
	out = NULL;
	assert_non_null(plain);
	char *copy = xstrdup(plain);
	gpgme_free(plain);
	gpgme_data_release(in);
	gpgme_release(ctx);
	return copy;
}

/* The body (after the header) of a single-part sample. */
static void
sample_body(const char *folder, const char *name, struct buf *b)
{
	size_t len;
	char *raw = read_sample(folder, name, &len);
	const char *body = strstr(raw, "\n\n");

	assert_non_null(body);
	buf_adds(b, body + 2);
	free(raw);
}

/* -------------------------------------------------------- the fixture */

static int
group_setup(void **state)
{
	struct cachet_err err = { 0 };
	char tmpl[] = "/tmp/test-demo-home.XXXXXX";
	char *storedir;

	gpgme_check_version(NULL);
	fake_home = xstrdup(mkdtemp(tmpl));
	if (util_write_atomic(fake_home, fake_home, "pubring.kbx", "mine", 4,
	    &err) != 0)
		return -1;
	setenv("GNUPGHOME", fake_home, 1);
	if (demo_prepare(&demo_dir, &err) != 0) {
		fprintf(stderr, "demo_prepare: %s\n", err.msg);
		return -1;
	}
	storedir = xasprintf("%s/store", demo_dir);
	if (store_open(&st, storedir, &err) != 0) {
		fprintf(stderr, "store_open: %s\n", err.msg);
		free(storedir);
		return -1;
	}
	free(storedir);
	return 0;
}

static int
group_teardown(void **state)
{
	char *sentinel = xasprintf("%s/pubring.kbx", fake_home);

	store_close(st);
	demo_cleanup(demo_dir);
	free(demo_dir);
	unlink(sentinel);
	free(sentinel);
	rmdir(fake_home);
	free(fake_home);
	return 0;
}

/* -------------------------------------------------------------- tests */

static void
test_bad_args(void **state)
{
	struct cachet_err err;
	char tmpl[] = "/tmp/not-a-demo.XXXXXX";

	assert_int_equal(demo_prepare(NULL, &err), CACHET_E_INVAL);
	demo_cleanup(NULL);
	demo_cleanup("");
	demo_cleanup("relative/cachet-demo.x");
	/* A directory demo_prepare did not make is never removed. */
	assert_non_null(mkdtemp(tmpl));
	demo_cleanup(tmpl);
	assert_int_equal(access(tmpl, F_OK), 0);
	rmdir(tmpl);
}

static void
test_gnupghome(void **state)
{
	char *want = xasprintf("%s/gnupg", demo_dir);
	struct stat sb;

	assert_string_equal(getenv("GNUPGHOME"), want);
	assert_int_equal(stat(want, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(stat(demo_dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* Short enough for gpg-agent's sockets. */
	assert_true(strlen(want) + strlen("/S.gpg-agent.browser") < 108);
	/* The user's own home was left alone. */
	assert_int_equal(dir_entries(fake_home), 1);
	free(want);
}

static void
test_folders(void **state)
{
	static const struct {
		const char *name;
		uint32_t total, unread;
	} want[] = {
		{ "INBOX", 21, 4 },
		{ "Archive", 3, 0 },
		{ "Sent", 2, 0 },
	};
	struct store_folder *f;
	struct cachet_err err;
	size_t n, i;

	assert_int_equal(store_folder_list(st, &f, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(f[0].name, "INBOX");
	for (i = 0; i < 3; i++) {
		struct store_folder g;

		assert_int_equal(store_folder_get(st, want[i].name, &g, &err),
		    0);
		assert_int_equal(g.total, want[i].total);
		assert_int_equal(g.unread, want[i].unread);
		assert_int_equal(g.uidvalidity, 1);
		assert_int_equal(g.uidnext, want[i].total + 1);
		store_folder_release(&g);
	}
	store_folders_free(f, n);
}

/* Every stored message is byte for byte the shipped file, in file order. */
static void
check_folder_raw(const char *folder)
{
	struct dirent **ents;
	struct cachet_err err;
	int i, n;
	char *dir = xasprintf("%s/mail/%s", demo_data_dir(), folder);

	n = scandir(dir, &ents, is_eml, alphasort);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		struct store_msg m;
		size_t flen, slen;
		char *file = read_sample(folder, ents[i]->d_name, &flen);
		char *raw = NULL;

		get_msg(folder, (uint32_t)i + 1, &m);
		assert_int_equal(m.size, flen);
		assert_int_equal(store_msg_read_raw(st, m.id, &raw, &slen,
		    &err), 0);
		assert_int_equal(slen, flen);
		assert_memory_equal(raw, file, flen);
		assert_true(m.date > 1767225600);	/* 2026 or later */
		assert_non_null(m.from);
		assert_non_null(m.subject);
		assert_non_null(m.message_id);
		store_msg_release(&m);
		free(raw);
		free(file);
		free(ents[i]);
	}
	free(ents);
	free(dir);
}

static void
test_raw_equal(void **state)
{
	check_folder_raw("INBOX");
	check_folder_raw("Archive");
	check_folder_raw("Sent");
}

static void
test_flags(void **state)
{
	struct store_msg m;

	get_msg("INBOX", 1, &m);
	assert_int_equal(m.flags, STORE_F_SEEN);
	store_msg_release(&m);
	get_msg("INBOX", 9, &m);
	assert_int_equal(m.flags, STORE_F_SEEN | STORE_F_ANSWERED);
	store_msg_release(&m);
	get_msg("INBOX", 14, &m);
	assert_int_equal(m.flags, STORE_F_SEEN | STORE_F_FLAGGED);
	store_msg_release(&m);
	get_msg("INBOX", 21, &m);
	assert_int_equal(m.flags, 0);
	store_msg_release(&m);
}

static void
test_thread(void **state)
{
	static const char *const ids[] = {
		"autumn-meetup-1@mail.example.org",
		"5e0c9a1f.autumn@example.net",
		"autumn-meetup-3@example.org",
		"autumn-meetup-4@mail.example.org",
		"77d2b0c4.autumn@example.net",
	};
	struct store_msg m;
	int i;

	get_msg("INBOX", 8, &m);
	assert_string_equal(m.message_id, ids[0]);
	assert_null(m.in_reply_to);
	assert_string_equal(m.subject, "Autumn meetup: venue and agenda");
	store_msg_release(&m);
	get_msg("INBOX", 9, &m);
	assert_string_equal(m.message_id, ids[1]);
	assert_string_equal(m.in_reply_to, ids[0]);
	assert_string_equal(m.references, ids[0]);
	store_msg_release(&m);
	get_msg("Sent", 1, &m);
	assert_string_equal(m.message_id, ids[2]);
	assert_string_equal(m.in_reply_to, ids[1]);
	store_msg_release(&m);
	get_msg("INBOX", 11, &m);
	assert_string_equal(m.message_id, ids[4]);
	assert_string_equal(m.in_reply_to, ids[3]);
	assert_non_null(m.references);
	for (i = 0; i < 4; i++)
		assert_non_null(strstr(m.references, ids[i]));
	store_msg_release(&m);
}

static void
test_decoded_headers(void **state)
{
	struct store_msg m;

	get_msg("INBOX", 4, &m);
	assert_string_equal(m.subject, "来週の打ち合わせについて");
	assert_non_null(strstr(m.from, "佐藤 花子"));
	store_msg_release(&m);
	get_msg("INBOX", 7, &m);
	assert_string_equal(m.subject, "Réunion à Zürich - détails");
	store_msg_release(&m);
	get_msg("INBOX", 8, &m);
	/* Date: Mon, 21 Sep 2026 08:14:00 +0200 */
	assert_int_equal(m.date, 1789971240);
	store_msg_release(&m);
}

static void
test_escapes_kept_raw(void **state)
{
	struct store_msg m;
	struct cachet_err err;
	char *raw = NULL;
	size_t len;

	get_msg("INBOX", 12, &m);
	assert_int_equal(store_msg_read_raw(st, m.id, &raw, &len, &err), 0);
	/* Sanitising happens when drawing; the store keeps the bytes. */
	assert_non_null(strstr(raw, "Subject: \033]0;Inbox"));
	assert_non_null(strstr(raw, "\033]52;c;"));
	assert_non_null(strstr(raw, "\033[2J"));
	assert_non_null(memchr(raw, '\r', len));
	assert_non_null(m.subject);
	store_msg_release(&m);
	free(raw);
}

static void
test_search(void **state)
{
	struct cachet_err err;
	struct store_msg m;
	int64_t *ids;
	size_t n;

	/* A body-only word: the body text was indexed. */
	assert_int_equal(store_search(st, 0, "imapsync", &ids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_msg_get(st, ids[0], &m, &err), 0);
	assert_string_equal(m.subject, "Server migration checklist");
	store_msg_release(&m);
	free(ids);
}

static void
test_keys(void **state)
{
	gpgme_validity_t v = GPGME_VALIDITY_UNKNOWN;

	assert_int_equal(count_keys(GPGME_PROTOCOL_OpenPGP, "demo@example.org",
	    1, NULL), 1);
	assert_int_equal(count_keys(GPGME_PROTOCOL_OpenPGP,
	    "alice@example.org", 1, NULL), 0);
	assert_int_equal(count_keys(GPGME_PROTOCOL_OpenPGP,
	    "alice@example.org", 0, &v), 1);
	assert_int_equal(v, GPGME_VALIDITY_FULL);
	assert_int_equal(count_keys(GPGME_PROTOCOL_OpenPGP, "bob@example.net",
	    0, &v), 1);
	assert_true(v < GPGME_VALIDITY_MARGINAL);
	assert_int_equal(count_keys(GPGME_PROTOCOL_OpenPGP, "carol@example.net",
	    0, NULL), 0);
	assert_int_equal(count_keys(GPGME_PROTOCOL_CMS, "demo@example.org", 1,
	    NULL), 1);
	assert_int_equal(count_keys(GPGME_PROTOCOL_CMS, "alice@example.org", 0,
	    NULL), 1);
}

/* The demo user can sign in both protocols with no passphrase. */
static void
test_demo_can_sign(void **state)
{
	static const gpgme_protocol_t protos[] = { GPGME_PROTOCOL_OpenPGP,
	    GPGME_PROTOCOL_CMS };
	size_t i;

	for (i = 0; i < 2; i++) {
		gpgme_ctx_t ctx = new_ctx(protos[i]);
		gpgme_data_t in, out;

		assert_int_equal(gpgme_data_new_from_mem(&in, "hi\r\n", 4, 0),
		    0);
		assert_int_equal(gpgme_data_new(&out), 0);
		assert_int_equal(gpgme_op_sign(ctx, in, out,
		    GPGME_SIG_MODE_DETACH), 0);
		gpgme_data_release(in);
		gpgme_data_release(out);
		gpgme_release(ctx);
	}
}

static void
test_verify_samples(void **state)
{
	struct sig_check c;

	verify_signed("INBOX", "13-pgp-signed.eml", GPGME_PROTOCOL_OpenPGP, &c);
	assert_int_equal(c.status, GPG_ERR_NO_ERROR);
	assert_true(c.summary & GPGME_SIGSUM_VALID);
	assert_string_equal(c.email, "alice@example.org");

	verify_signed("INBOX", "16-pgp-bad-signature.eml",
	    GPGME_PROTOCOL_OpenPGP, &c);
	assert_int_equal(c.status, GPG_ERR_BAD_SIGNATURE);

	verify_signed("INBOX", "17-pgp-signer-not-sender.eml",
	    GPGME_PROTOCOL_OpenPGP, &c);
	assert_int_equal(c.status, GPG_ERR_NO_ERROR);
	assert_string_equal(c.email, "bob@example.net");

	verify_signed("INBOX", "18-pgp-unknown-key.eml",
	    GPGME_PROTOCOL_OpenPGP, &c);
	assert_int_equal(c.status, GPG_ERR_NO_PUBKEY);

	verify_signed("Sent", "01-thread-reply-signed.eml",
	    GPGME_PROTOCOL_OpenPGP, &c);
	assert_true(c.summary & GPGME_SIGSUM_VALID);
	assert_string_equal(c.email, "demo@example.org");

	verify_signed("INBOX", "19-smime-signed.eml", GPGME_PROTOCOL_CMS, &c);
	assert_int_equal(c.status, GPG_ERR_NO_ERROR);
	assert_true(c.summary & GPGME_SIGSUM_VALID);
}

static void
test_inline_and_opaque(void **state)
{
	struct buf b = BUF_INIT;
	struct sig_check c;
	gpgme_ctx_t ctx;
	gpgme_data_t sig, plain;

	sample_body("INBOX", "15-pgp-inline-clearsigned.eml", &b);
	ctx = new_ctx(GPGME_PROTOCOL_OpenPGP);
	sig = mem_data(&b);
	assert_int_equal(gpgme_data_new(&plain), 0);
	assert_int_equal(gpgme_op_verify(ctx, sig, NULL, plain), 0);
	take_result(ctx, &c);
	assert_int_equal(c.status, GPG_ERR_NO_ERROR);
	assert_string_equal(c.email, "bob@example.net");
	gpgme_data_release(sig);
	gpgme_data_release(plain);
	gpgme_release(ctx);
	buf_reset(&b);

	sample_body("INBOX", "20-smime-opaque-signed.eml", &b);
	ctx = new_ctx(GPGME_PROTOCOL_CMS);
	sig = mem_data(&b);
	gpgme_data_set_encoding(sig, GPGME_DATA_ENCODING_BASE64);
	assert_int_equal(gpgme_data_new(&plain), 0);
	assert_int_equal(gpgme_op_verify(ctx, sig, NULL, plain), 0);
	take_result(ctx, &c);
	assert_int_equal(c.status, GPG_ERR_NO_ERROR);
	assert_true(c.summary & GPGME_SIGSUM_VALID);
	gpgme_data_release(sig);
	gpgme_data_release(plain);
	gpgme_release(ctx);
	buf_release(&b);
}

static void
test_decrypt_samples(void **state)
{
	struct buf b = BUF_INIT;
	bool good;
	char *plain, *raw;
	size_t len;

	raw = read_sample("INBOX", "14-pgp-encrypted-signed.eml", &len);
	split_two(raw, NULL, &b);
	plain = decrypt(GPGME_PROTOCOL_OpenPGP, &b, false, &good);
	assert_true(good);
	assert_non_null(strstr(plain, "budget.csv"));
	free(plain);
	free(raw);
	buf_reset(&b);

	raw = read_sample("Sent", "02-pgp-encrypted-to-bob.eml", &len);
	split_two(raw, NULL, &b);
	plain = decrypt(GPGME_PROTOCOL_OpenPGP, &b, false, &good);
	assert_true(good);
	assert_non_null(strstr(plain, "slide 3"));
	free(plain);
	free(raw);
	buf_reset(&b);

	sample_body("INBOX", "21-smime-encrypted.eml", &b);
	plain = decrypt(GPGME_PROTOCOL_CMS, &b, true, &good);
	assert_false(good);		/* encrypted only, not signed */
	assert_non_null(strstr(plain, "door code for the back room is 4711"));
	free(plain);
	buf_release(&b);
}

/* Last: demo_cleanup stops the agent and removes everything. */
static void
test_cleanup(void **state)
{
	char *home = xasprintf("%s/gnupg", demo_dir);
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int i;

	assert_true(agent_running(home));
	store_close(st);
	st = NULL;
	demo_cleanup(demo_dir);
	assert_int_equal(access(demo_dir, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	for (i = 0; i < 60 && agent_running(home); i++)
		nanosleep(&ts, NULL);
	assert_false(agent_running(home));
	assert_int_equal(dir_entries(fake_home), 1);
	FREE_AND_NULL(demo_dir);
	free(home);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_gnupghome),
		cmocka_unit_test(test_folders),
		cmocka_unit_test(test_raw_equal),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_thread),
		cmocka_unit_test(test_decoded_headers),
		cmocka_unit_test(test_escapes_kept_raw),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_demo_can_sign),
		cmocka_unit_test(test_verify_samples),
		cmocka_unit_test(test_inline_and_opaque),
		cmocka_unit_test(test_decrypt_samples),
		cmocka_unit_test(test_cleanup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
