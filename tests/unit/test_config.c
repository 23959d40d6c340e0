/*
 * Unit tests for src/config: loading, defaults, every kind of error with
 * its exact FILE:LINE, folder selection and credential commands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "config/config.h"

/* The sample configuration at the top of the source tree. */
#ifdef CACHET_SRCDIR
#define SAMPLE CACHET_SRCDIR "/config.sample"
#else
#define SAMPLE "config.sample"
#endif

#define FPR_UPPER                                                              \
	"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"                     \
	"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
#define FPR_LOWER                                                              \
	"abcdef0123456789abcdef0123456789"                                     \
	"abcdef0123456789abcdef0123456789"

/* Write len bytes to a new file in /tmp; the caller unlinks and frees. */
static char *
write_tmp_len(const char *data, size_t len)
{
	char *path = strdup("/tmp/cachet-test-config-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static char *
write_tmp(const char *data)
{
	return write_tmp_len(data, strlen(data));
}

/* Load text as a config file; the file is removed again. */
static int
load_text(const char *text, struct config *cfg, struct cachet_err *err)
{
	char *path = write_tmp(text);
	int rc;

	memset(err, 0, sizeof(*err));
	rc = config_load(cfg, path, err);
	unlink(path);
	free(path);
	return rc;
}

static void
assert_empty(const struct config *cfg)
{
	struct config zero;

	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(cfg, &zero, sizeof(zero));
}

/* Loading text must fail at exactly line, with a message containing what. */
static void
expect_error(const char *text, int line, const char *what)
{
	char *path = write_tmp(text), prefix[256];
	struct config cfg;
	struct cachet_err err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = config_load(&cfg, path, &err);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (rc != CACHET_E_CONFIG ||
	    strncmp(err.msg, prefix, strlen(prefix)) != 0 ||
	    strstr(err.msg, what) == NULL)
		print_error("config:\n%s\nwanted %s...%s\ngot %d %s\n", text,
		    prefix, what, rc, err.msg);
	assert_int_equal(rc, CACHET_E_CONFIG);
	assert_int_equal(err.code, CACHET_E_CONFIG);
	assert_true(strncmp(err.msg, prefix, strlen(prefix)) == 0);
	assert_non_null(strstr(err.msg, what));
	assert_empty(&cfg);
	config_release(&cfg);
	unlink(path);
	free(path);
}

#define ACCT_HEAD "[account a]\nimap_host = h.example\nimap_user = u\n"

static void
test_multi_account(void **state)
{
	static const char text[] =
	    "; two accounts\n[account work]\n"
	    "from             = Ada Lovelace <ada@example.org>\n"
	    "imap_host        = imap.example.org\n"
	    "imap_port        = 10993     ; odd port\n"
	    "imap_tls         = starttls\nimap_user        = ada\n"
	    "password_cmd     = pass show mail/work\n"
	    "cert_fingerprint = " FPR_UPPER "\n"
	    "smtp_host        = smtp.example.org\nsmtp_port        = 2525\n"
	    "smtp_tls         = starttls\nsmtp_user        = ada@example.org\n"
	    "sync             = full\n"
	    "folders          = INBOX, Sent Items ,Lists/*\n"
	    "timeout          = 90\n\n"
	    "[account home.2]\n  imap_host = 127.0.0.1\n"
	    "  imap_tls = off\n  imap_user = me\n[ui]\ntheme = light\n"
	    "thread_subjects = yes\n[crypto]\nsmime = openssl\n"
	    "crl_fetch = yes\n";
	struct config cfg;
	struct cachet_err err;
	const struct config_account *a;

	assert_int_equal(load_text(text, &cfg, &err), 0);
	assert_int_equal(cfg.naccounts, 2);
	a = config_account_find(&cfg, "work");
	assert_non_null(a);
	assert_string_equal(a->from, "Ada Lovelace <ada@example.org>");
	assert_string_equal(a->imap_host, "imap.example.org");
	assert_int_equal(a->imap_port, 10993);
	assert_int_equal(a->imap_tls, CONFIG_TLS_STARTTLS);
	assert_string_equal(a->imap_user, "ada");
	assert_string_equal(a->password_cmd, "pass show mail/work");
	assert_null(a->oauth2_token_cmd);
	assert_null(a->ca_file);
	assert_string_equal(a->cert_fingerprint, FPR_LOWER);
	assert_string_equal(a->smtp_host, "smtp.example.org");
	assert_int_equal(a->smtp_port, 2525);
	assert_int_equal(a->smtp_tls, CONFIG_TLS_STARTTLS);
	assert_string_equal(a->smtp_user, "ada@example.org");
	assert_int_equal(a->sync, CONFIG_SYNC_FULL);
	assert_non_null(a->folders);
	assert_string_equal(a->folders[0], "INBOX");
	assert_string_equal(a->folders[1], "Sent Items");
	assert_string_equal(a->folders[2], "Lists/*");
	assert_null(a->folders[3]);
	assert_int_equal(a->timeout, 90);
	assert_int_equal(a->line, 2);
	a = config_account_find(&cfg, "home.2");
	assert_non_null(a);
	assert_int_equal(a->line, 18);
	assert_int_equal(a->imap_tls, CONFIG_TLS_OFF);
	assert_int_equal(a->imap_port, 143);
	assert_string_equal(a->imap_user, "me");
	assert_null(config_account_find(&cfg, "nobody"));
	assert_string_equal(cfg.ui.theme, "light");
	assert_true(cfg.ui.thread_subjects);
	assert_null(cfg.ui.keys);
	assert_string_equal(cfg.crypto.openpgp, "gpgme");
	assert_string_equal(cfg.crypto.smime, "openssl");
	assert_true(cfg.crypto.crl_fetch);
	assert_non_null(cfg.path);
	config_release(&cfg);
	assert_empty(&cfg);
	config_release(&cfg); /* twice is harmless */
}

static void
test_defaults(void **state)
{
	struct config cfg;
	struct cachet_err err;
	const struct config_account *a;

	assert_int_equal(
	    load_text(ACCT_HEAD
		"oauth2_token_cmd =\n"
		"[account b]\nimap_host=h\nimap_user=v\nimap_tls=starttls\n"
		"smtp_tls=starttls\n",
		&cfg, &err),
	    0);
	a = config_account_find(&cfg, "a");
	assert_non_null(a);
	assert_null(a->from);
	assert_int_equal(a->imap_port, 993);
	assert_int_equal(a->imap_tls, CONFIG_TLS_IMPLICIT);
	assert_int_equal(a->smtp_port, 465);
	assert_int_equal(a->smtp_tls, CONFIG_TLS_IMPLICIT);
	assert_string_equal(a->smtp_user, "u");
	assert_null(a->smtp_host);
	assert_null(a->password_cmd);
	assert_null(a->oauth2_token_cmd);
	assert_null(a->cert_fingerprint);
	assert_int_equal(a->sync, CONFIG_SYNC_HEADERS);
	assert_null(a->folders);
	assert_int_equal(a->timeout, 20);
	a = config_account_find(&cfg, "b");
	assert_non_null(a);
	assert_int_equal(a->imap_port, 143);
	assert_int_equal(a->smtp_port, 587);
	assert_string_equal(a->smtp_user, "v");
	assert_string_equal(cfg.ui.theme, "default");
	assert_string_equal(cfg.crypto.openpgp, "gpgme");
	assert_string_equal(cfg.crypto.smime, "gpgme");
	config_release(&cfg);

	/* No account at all is fine; the CLI reports it. */
	assert_int_equal(load_text("; nothing here\n", &cfg, &err), 0);
	assert_int_equal(cfg.naccounts, 0);
	assert_null(cfg.accounts);
	assert_string_equal(cfg.ui.theme, "default");
	config_release(&cfg);
	assert_int_equal(load_text("", &cfg, &err), 0);
	assert_int_equal(cfg.naccounts, 0);
	config_release(&cfg);
}

static void
test_syntax(void **state)
{
	struct config cfg;
	struct cachet_err err;
	const struct config_account *a;

	/* BOM, CRLF, comments everywhere, ':' separator, indentation. */
	assert_int_equal(load_text("\xef\xbb\xbf# hash comment\r\n"
				   "[account a]   ; trailing comment\r\n"
				   "\timap_host = h ; comment\r\n"
				   "    ; indented comment\r\n"
				   "    imap_user: u;not-a-comment\r\n"
				   "password_cmd = printf '#x'\n"
				   "timeout = 5\t; tab before the comment\n",
			     &cfg, &err),
	    0);
	a = config_account_find(&cfg, "a");
	assert_non_null(a);
	assert_string_equal(a->imap_host, "h");
	assert_string_equal(a->imap_user, "u;not-a-comment");
	assert_string_equal(a->password_cmd, "printf '#x'");
	assert_int_equal(a->timeout, 5);
	config_release(&cfg);
}

static void
test_errors(void **state)
{
	expect_error("[nope]\n", 1, "unknown section [nope]");
	expect_error("\n; c\n\n[account a]\nimap_host=h\nimap_user=u\n"
		     "imap_hots = x\n",
	    7, "unknown key 'imap_hots'");
	expect_error(ACCT_HEAD "imap_host = again\n", 4,
	    "duplicate key imap_host (first set at line 2)");
	expect_error(
	    ACCT_HEAD ACCT_HEAD, 4, "duplicate account a (first at line 1)");
	expect_error("[account a/b]\n", 1, "bad account name");
	expect_error("[account ..]\n", 1, "bad account name");
	expect_error("[account  ]\n", 1, "needs a name");
	expect_error("[account x y]\n", 1, "bad account name");
	expect_error("[accountx]\n", 1, "unknown section");
	expect_error(
	    "\n[account a]\nimap_user = u\n", 2, "imap_host is required");
	expect_error(
	    "[account a]\nimap_host = h\n[ui]\n", 1, "imap_user is required");
	expect_error("[account a]\nimap_host =\n", 2, "must not be empty");
	expect_error(ACCT_HEAD "imap_port = 0\n", 4, "not a port number");
	expect_error(ACCT_HEAD "imap_port = 65536\n", 4, "not a port number");
	expect_error(ACCT_HEAD "imap_port = 993x\n", 4, "not a port number");
	expect_error(ACCT_HEAD "smtp_port = -1\n", 4, "not a port number");
	expect_error(ACCT_HEAD "smtp_port = 99999999999999999999\n", 4,
	    "not a port number");
	expect_error(ACCT_HEAD "imap_port = 9 93\n", 4, "not a port number");
	expect_error(ACCT_HEAD "imap_tls = tls\n", 4, "not one of implicit");
	expect_error(ACCT_HEAD "smtp_tls = off\n", 4, "not supported");
	expect_error(ACCT_HEAD "sync = some\n", 4, "not one of headers");
	expect_error(ACCT_HEAD "timeout = 0\n", 4, "not a number of seconds");
	expect_error(ACCT_HEAD "timeout = 3601\n", 4, "number of seconds");
	expect_error(ACCT_HEAD "timeout = 20s\n", 4, "number of seconds");
	expect_error(ACCT_HEAD "cert_fingerprint = abcd\n", 4,
	    "expected 64 hex digits, found 4");
	expect_error(
	    ACCT_HEAD "cert_fingerprint = " FPR_LOWER "00\n", 4, "SHA-256");
	expect_error(ACCT_HEAD "cert_fingerprint = " FPR_LOWER "\n"
			       "cert_fingerprint = x\n",
	    5, "duplicate key");
	expect_error(ACCT_HEAD "folders = INBOX,,Sent\n", 4, "empty folder");
	expect_error(ACCT_HEAD "folders = INBOX, \n", 4, "empty folder");
	expect_error(ACCT_HEAD "folders = INBOX, , Sent\n", 4, "empty folder");
	expect_error(ACCT_HEAD "folders = a*b\n", 4, "'*' may only");
	expect_error(ACCT_HEAD "folders = INBOX, *\n", 4, "'*' may only");
	expect_error(ACCT_HEAD "ca_file = /nonexistent/ca.pem\n", 4,
	    "not a readable file");
	expect_error(ACCT_HEAD "ca_file = /tmp\n", 4, "not a readable file");
	expect_error(ACCT_HEAD "from = nobody\n", 4, "has no address");
	expect_error(
	    ACCT_HEAD "smtp_host = smtp example\n", 4, "not a valid host name");
	expect_error(ACCT_HEAD "smtp_host = ::zz\n", 4, "not a valid IPv6");
	expect_error(ACCT_HEAD "imap_user2 = u\n", 4, "unknown key");
	expect_error("imap_host = h\n", 1, "outside any section");
	expect_error(ACCT_HEAD "just words\n", 4, "expected 'key = value'");
	expect_error("[account a\n", 1, "lacks ']'");
	expect_error("[account a] junk\n", 1, "unexpected text after ']'");
	expect_error("[ui]\ntheme = x\n[ui]\n", 3,
	    "duplicate section [ui] (first at line 1)");
	expect_error("[ui]\nfoo = x\n", 2, "unknown key 'foo'");
	expect_error("[ui]\nthread_subjects = sometimes\n", 2,
	    "not yes or no");
	expect_error(
	    "[ui]\nkeys = /nonexistent.keys\n", 2, "not a readable file");
	expect_error("[crypto]\nopenpgp = openssl\n", 2, "unknown engine");
	expect_error("[crypto]\nsmime = rot13\n", 2, "unknown engine");
	expect_error("[crypto]\ncrl_fetch = sometimes\n", 2,
	    "not yes or no");
	expect_error("[crypto]\nsmime_ca_file = nonexistent-ca.pem\n", 2,
	    "not a readable file");
}

static void
test_control_characters(void **state)
{
	static const char nul[] = ACCT_HEAD "from = a\0b@c\n";
	char *path;
	struct config cfg;
	struct cachet_err err;
	char want[300];

	expect_error(ACCT_HEAD "from = a\x01@b\n", 4, "control character");
	expect_error(ACCT_HEAD "from = a\x1b[31m@b\n", 4, "control character");
	expect_error(ACCT_HEAD "from = a\tb@c\n", 4, "control character");
	expect_error(ACCT_HEAD "from = a\x7f@b\n", 4, "control character");
	expect_error(ACCT_HEAD "from = a\xc2\x9b@b\n", 4, "control character");
	expect_error(ACCT_HEAD "from = a\xff@b\n", 4, "invalid UTF-8");
	expect_error(ACCT_HEAD "from = a\rb@c\n", 4, "control character");
	expect_error("[account a\x01]\n", 1, "control character");

	/* A NUL byte would silently cut the line: refused. */
	path = write_tmp_len(nul, sizeof(nul) - 1);
	assert_int_equal(config_load(&cfg, path, &err), CACHET_E_CONFIG);
	snprintf(want, sizeof(want), "%s:4: NUL byte", path);
	assert_true(strncmp(err.msg, want, strlen(want)) == 0);
	assert_empty(&cfg);
	unlink(path);
	free(path);

	/* UTF-8 text is fine. */
	assert_int_equal(
	    load_text(
		ACCT_HEAD "from = Ada L\xc3\xb6velace <a@b>\n", &cfg, &err),
	    0);
	assert_string_equal(cfg.accounts[0].from, "Ada L\xc3\xb6velace <a@b>");
	config_release(&cfg);
}

static void
test_tls_off(void **state)
{
	static const char *const ok[] = {"localhost", "LOCALHOST", "127.0.0.1",
	    "127.200.3.4", "::1", "0:0:0:0:0:0:0:1"};
	static const char *const bad[] = {"imap.example.org", "128.0.0.1",
	    "localhost.example.org", "10.0.0.1", "::2", "127.0.0.1.nip.io"};
	char text[256];
	struct config cfg;
	struct cachet_err err;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text),
		    "[account a]\nimap_user = u\n"
		    "imap_tls = off\nimap_host = %s\n",
		    ok[i]);
		assert_int_equal(load_text(text, &cfg, &err), 0);
		assert_int_equal(cfg.accounts[0].imap_tls, CONFIG_TLS_OFF);
		assert_int_equal(cfg.accounts[0].imap_port, 143);
		config_release(&cfg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* The error names the imap_tls line, not the host line. */
		snprintf(text, sizeof(text),
		    "[account a]\nimap_user = u\n"
		    "imap_tls = off\nimap_host = %s\n",
		    bad[i]);
		expect_error(text, 3, "only allowed for a loopback host");
	}
}

static void
test_password_key(void **state)
{
	expect_error(ACCT_HEAD "password = hunter2\n", 4, "use password_cmd");
	expect_error("[account a]\npassword =\n", 2, "not stored");
}

static void
test_fingerprint(void **state)
{
	struct config cfg;
	struct cachet_err err;

	assert_int_equal(load_text(ACCT_HEAD "cert_fingerprint = "
					     "ABCDEF0123456789ABCDEF0123456789a"
					     "bcdef0123456789ABCDEF0123456789"
					     "\n",
			     &cfg, &err),
	    0);
	assert_string_equal(cfg.accounts[0].cert_fingerprint, FPR_LOWER);
	config_release(&cfg);
}

static void
test_folders(void **state)
{
	struct config cfg;
	struct cachet_err err;
	const struct config_account *a;

	assert_int_equal(load_text(ACCT_HEAD "folders = INBOX, Sent Items, "
					     "Lists/*, Archive.*, Work\n",
			     &cfg, &err),
	    0);
	a = &cfg.accounts[0];
	assert_true(config_folder_wanted(a, "INBOX"));
	assert_true(config_folder_wanted(a, "inbox"));
	assert_true(config_folder_wanted(a, "Inbox"));
	assert_true(config_folder_wanted(a, "Sent Items"));
	assert_false(config_folder_wanted(a, "sent items"));
	assert_false(config_folder_wanted(a, "Sent"));
	assert_true(config_folder_wanted(a, "Lists/cachet"));
	assert_true(config_folder_wanted(a, "Lists/a/b"));
	assert_false(config_folder_wanted(a, "Lists"));
	assert_false(config_folder_wanted(a, "Lists/"));
	assert_false(config_folder_wanted(a, "ListsX"));
	assert_true(config_folder_wanted(a, "Archive.2024"));
	assert_false(config_folder_wanted(a, "Archive/2024"));
	assert_true(config_folder_wanted(a, "Work"));
	assert_false(config_folder_wanted(a, "work"));
	assert_false(config_folder_wanted(a, "Work/sub"));
	assert_false(config_folder_wanted(a, "INBOX/sub"));
	assert_false(config_folder_wanted(a, ""));
	assert_false(config_folder_wanted(a, NULL));
	assert_false(config_folder_wanted(NULL, "INBOX"));
	config_release(&cfg);

	/* INBOX's children, in any case of INBOX. */
	assert_int_equal(
	    load_text(ACCT_HEAD "folders = inbox.*\n", &cfg, &err), 0);
	a = &cfg.accounts[0];
	assert_true(config_folder_wanted(a, "INBOX.Drafts"));
	assert_true(config_folder_wanted(a, "inbox.Drafts"));
	assert_true(config_folder_wanted(a, "INBOX.drafts"));
	assert_false(config_folder_wanted(a, "INBOX"));
	assert_false(config_folder_wanted(a, "INBOXES.x"));
	config_release(&cfg);

	/* "*" and an empty value both mean every folder. */
	assert_int_equal(load_text(ACCT_HEAD "folders = *\n", &cfg, &err), 0);
	assert_null(cfg.accounts[0].folders);
	assert_true(config_folder_wanted(&cfg.accounts[0], "Anything/at all"));
	config_release(&cfg);
	assert_int_equal(load_text(ACCT_HEAD "folders =\n", &cfg, &err), 0);
	assert_null(cfg.accounts[0].folders);
	config_release(&cfg);
}

static void
test_credentials(void **state)
{
	struct config cfg;
	struct cachet_err err;
	const struct config_account *a;
	char *pw = (char *)"untouched";

	assert_int_equal(
	    load_text("[account ok]\nimap_host=h\nimap_user=u\n"
		      "password_cmd = printf secret\n"
		      "oauth2_token_cmd = printf 'tok\\nnotes\\n'\n"
		      "[account fails]\nimap_host=h\nimap_user=u\n"
		      "password_cmd = printf leaked-output; exit 3\n"
		      "oauth2_token_cmd = true\n"
		      "[account none]\nimap_host=h\nimap_user=u\n",
		&cfg, &err),
	    0);

	a = config_account_find(&cfg, "ok");
	assert_int_equal(config_password(a, &pw, &err), 0);
	assert_string_equal(pw, "secret");
	util_free_secret(pw);
	assert_int_equal(config_oauth2_token(a, &pw, &err), 0);
	assert_string_equal(pw, "tok");
	util_free_secret(pw);

	a = config_account_find(&cfg, "fails");
	memset(&err, 0, sizeof(err));
	assert_int_equal(config_password(a, &pw, &err), CACHET_E_CMD);
	assert_null(pw);
	assert_non_null(strstr(err.msg, "account fails"));
	assert_non_null(strstr(err.msg, "password_cmd"));
	assert_null(strstr(err.msg, "leaked"));
	assert_int_equal(config_oauth2_token(a, &pw, &err), CACHET_E_AUTH);
	assert_null(pw);
	assert_non_null(strstr(err.msg, "printed nothing"));

	a = config_account_find(&cfg, "none");
	assert_int_equal(config_password(a, &pw, &err), CACHET_E_AUTH);
	assert_string_equal(err.msg, "account none has no password_cmd");
	assert_null(pw);
	assert_int_equal(config_oauth2_token(a, &pw, &err), CACHET_E_AUTH);
	assert_string_equal(err.msg, "account none has no oauth2_token_cmd");

	assert_int_equal(config_password(NULL, &pw, &err), CACHET_E_INVAL);
	assert_int_equal(config_password(a, NULL, NULL), CACHET_E_INVAL);
	config_release(&cfg);
}

static void
test_bad_inputs(void **state)
{
	struct config cfg;
	struct cachet_err err;
	char *big, *path, want[300];
	size_t n = 100 * 1024, len;

	memset(&err, 0, sizeof(err));
	assert_int_equal(config_load(NULL, "/tmp/x", &err), CACHET_E_INVAL);
	assert_int_equal(config_load(&cfg, NULL, &err), CACHET_E_INVAL);
	assert_empty(&cfg);
	assert_int_equal(config_load(&cfg, "", NULL), CACHET_E_INVAL);
	assert_int_equal(config_load(&cfg, "/nonexistent/cachet/config", &err),
	    CACHET_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "/nonexistent/cachet/config"));
	assert_empty(&cfg);
	assert_int_equal(config_load(&cfg, "/tmp", &err), CACHET_E_IO);
	assert_empty(&cfg);
	config_release(NULL);
	assert_null(config_account_find(NULL, "a"));

	/* A 100 KB value. */
	big = malloc(n + 64);
	assert_non_null(big);
	len = (size_t)snprintf(big, n, ACCT_HEAD "from = ");
	memset(big + len, 'x', n - len);
	strcpy(big + n, "@y\n");
	expect_error(big, 4, "line too long");

	/* A 100 KB comment is fine (it is not a value). */
	len = (size_t)snprintf(big, n, ACCT_HEAD "; ");
	memset(big + len, 'x', n - len);
	strcpy(big + n, "\n");
	assert_int_equal(load_text(big, &cfg, &err), 0);
	config_release(&cfg);

	/* Longest line accepted, and one more. */
	len = (size_t)snprintf(big, n, ACCT_HEAD "password_cmd = ");
	memset(big + len, 'x', 198 - strlen("password_cmd = "));
	strcpy(big + len + 198 - strlen("password_cmd = "), "\n");
	assert_int_equal(load_text(big, &cfg, &err), 0);
	assert_int_equal(strlen(cfg.accounts[0].password_cmd),
	    198 - strlen("password_cmd = "));
	config_release(&cfg);
	strcpy(big + len + 198 - strlen("password_cmd = "), "x\n");
	expect_error(big, 4, "line too long");
	free(big);

	/* More than 1 MiB of comments: refused before parsing. */
	big = malloc(2 * 1024 * 1024);
	assert_non_null(big);
	memset(big, '\n', 2 * 1024 * 1024);
	path = write_tmp_len(big, 2 * 1024 * 1024);
	assert_int_equal(config_load(&cfg, path, &err), CACHET_E_CONFIG);
	snprintf(want, sizeof(want), "cannot read %s", path);
	assert_non_null(strstr(err.msg, want));
	assert_empty(&cfg);
	unlink(path);
	free(path);
	free(big);
}

/* A later error drops the accounts already read: nothing half-applied. */
static void
test_all_or_nothing(void **state)
{
	static const char text[] =
	    ACCT_HEAD "folders = INBOX\n[ui]\n"
		      "theme = dark\n[crypto]\nsmime = openssl\n[account b]\n"
		      "imap_host = h\nimap_user = u\nsync = never\n";
	struct config cfg;
	struct cachet_err err;

	expect_error(text, 12, "sync: 'never' is not one of headers, full");
	/* Whatever cfg held before is overwritten, not freed. */
	memset(&cfg, 0x5a, sizeof(cfg));
	assert_int_equal(load_text(text, &cfg, &err), CACHET_E_CONFIG);
	assert_empty(&cfg);
	config_release(&cfg);
}

static void
test_file_paths(void **state)
{
	char *ca = write_tmp("not really PEM\n"), *text, *base;
	const char *home = getenv("HOME");
	struct config cfg;
	struct cachet_err err;

	/* Relative to the config file's directory (/tmp). */
	base = strrchr(ca, '/') + 1;
	text = malloc(512);
	assert_non_null(text);
	snprintf(text, 512,
	    ACCT_HEAD "ca_file = %s\n[crypto]\n"
		      "smime_ca_file = %s\n[ui]\nkeys = %s\n",
	    base, ca, ca);
	assert_int_equal(load_text(text, &cfg, &err), 0);
	assert_string_equal(cfg.accounts[0].ca_file, ca);
	assert_string_equal(cfg.crypto.smime_ca_file, ca);
	assert_string_equal(cfg.ui.keys, ca);
	config_release(&cfg);

	/* ~/ is the home directory. */
	assert_int_equal(setenv("HOME", "/tmp", 1), 0);
	snprintf(text, 512, ACCT_HEAD "ca_file = ~/%s\n", base);
	assert_int_equal(load_text(text, &cfg, &err), 0);
	assert_string_equal(cfg.accounts[0].ca_file, ca);
	config_release(&cfg);
	if (home)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	free(text);
	unlink(ca);
	free(ca);
}

static void
test_default_path(void **state)
{
	char *saved_xdg = getenv("XDG_CONFIG_HOME")
			      ? strdup(getenv("XDG_CONFIG_HOME"))
			      : NULL;
	char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	char *p;

	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	setenv("HOME", "/home/ada", 1);
	p = config_default_path();
	assert_string_equal(p, "/xdg/cachet/config");
	free(p);
	setenv("XDG_CONFIG_HOME", "relative", 1);
	p = config_default_path();
	assert_string_equal(p, "/home/ada/.config/cachet/config");
	free(p);
	unsetenv("XDG_CONFIG_HOME");
	p = config_default_path();
	assert_string_equal(p, "/home/ada/.config/cachet/config");
	free(p);
	if (saved_xdg)
		setenv("XDG_CONFIG_HOME", saved_xdg, 1);
	if (saved_home)
		setenv("HOME", saved_home, 1);
	else
		unsetenv("HOME");
	free(saved_xdg);
	free(saved_home);
}

/* Own keys per identity, encrypt-to-self and Autocrypt. */
static void
test_own_keys(void **state)
{
	struct config cfg;
	struct cachet_err err;
	const struct config_account *a;

	assert_int_equal(load_text(ACCT_HEAD
	    "openpgp_sign_key = 0123 4567 89ab cdef 0123 4567 89AB CDEF "
	    "0123 4567\n"
	    "openpgp_encrypt_key = fedcba9876543210fedcba9876543210fedcba98\n"
	    "smime_sign_cert = " FPR_UPPER "\n"
	    "smime_encrypt_cert = " FPR_LOWER "\n"
	    "encrypt_to_self = no\nautocrypt = mutual\n"
	    "[account b]\nimap_host=h\nimap_user=v\n", &cfg, &err), 0);
	a = config_account_find(&cfg, "a");
	assert_string_equal(a->openpgp_sign_key,
	    "0123456789ABCDEF0123456789ABCDEF01234567");
	assert_string_equal(a->openpgp_encrypt_key,
	    "FEDCBA9876543210FEDCBA9876543210FEDCBA98");
	assert_string_equal(a->smime_sign_cert, "ABCDEF0123456789ABCDEF"
	    "0123456789ABCDEF0123456789ABCDEF0123456789");
	assert_string_equal(a->smime_encrypt_cert, a->smime_sign_cert);
	assert_false(a->encrypt_to_self);
	assert_int_equal(a->autocrypt, CONFIG_AUTOCRYPT_MUTUAL);
	a = config_account_find(&cfg, "b");
	assert_null(a->openpgp_sign_key);
	assert_null(a->openpgp_encrypt_key);
	assert_null(a->smime_sign_cert);
	assert_null(a->smime_encrypt_cert);
	assert_true(a->encrypt_to_self);
	assert_int_equal(a->autocrypt, CONFIG_AUTOCRYPT_NO);
	config_release(&cfg);

	expect_error(ACCT_HEAD "openpgp_sign_key = 0123\n", 4,
	    "40 or 64 hex digits, found 4");
	expect_error(ACCT_HEAD "smime_encrypt_cert = xyz\n", 4,
	    "expected a key fingerprint");
	expect_error(ACCT_HEAD "encrypt_to_self = maybe\n", 4,
	    "not yes or no");
	expect_error(ACCT_HEAD "autocrypt = always\n", 4,
	    "not no, yes or mutual");
}

/* The shipped sample must itself be a valid configuration. */
static void
test_sample(void **state)
{
	struct config cfg;
	struct cachet_err err;
	const struct config_account *a;

	memset(&err, 0, sizeof(err));
	if (config_load(&cfg, SAMPLE, &err) != 0)
		print_error("%s\n", err.msg);
	assert_int_equal(err.code, 0);
	assert_int_equal(cfg.naccounts, 1);
	a = config_account_find(&cfg, "work");
	assert_non_null(a);
	assert_string_equal(a->imap_host, "imap.example.org");
	assert_int_equal(a->imap_port, 993);
	assert_int_equal(a->imap_tls, CONFIG_TLS_IMPLICIT);
	assert_string_equal(a->password_cmd, "pass show mail/work");
	assert_string_equal(a->smtp_user, "ada");
	assert_int_equal(a->smtp_port, 465);
	assert_null(a->folders);
	assert_int_equal(a->timeout, 20);
	assert_string_equal(cfg.ui.theme, "default");
	assert_false(cfg.ui.thread_subjects);
	assert_string_equal(cfg.crypto.smime, "gpgme");
	assert_false(cfg.crypto.crl_fetch);
	assert_true(a->encrypt_to_self);
	assert_int_equal(a->autocrypt, CONFIG_AUTOCRYPT_NO);
	assert_null(a->openpgp_sign_key);
	config_release(&cfg);
}

/* The sample documents every key, in the order of the tables. */
static void
test_sample_complete(void **state)
{
	static const char *const keys[] = {"[account ", "from", "imap_host",
	    "imap_port", "imap_tls", "imap_user", "password_cmd",
	    "oauth2_token_cmd", "ca_file", "cert_fingerprint", "smtp_host",
	    "smtp_port", "smtp_tls", "smtp_user", "sync", "folders", "timeout",
	    "openpgp_sign_key", "openpgp_encrypt_key", "smime_sign_cert",
	    "smime_encrypt_cert", "encrypt_to_self", "autocrypt", "[ui]",
	    "keys", "theme", "thread_subjects", "[crypto]", "openpgp", "smime",
	    "smime_ca_file", "crl_fetch"};
	struct cachet_err err;
	char *text, *at, want[64];
	size_t i, len;

	assert_int_equal(util_read_file(SAMPLE, &text, &len, &err), 0);
	at = text;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(want, sizeof(want), "\n%s%s", keys[i],
		    keys[i][0] == '[' ? "" : " ");
		at = strstr(at, want);
		if (at == NULL)
			print_error(
			    "config.sample: %s missing or out of order\n",
			    keys[i]);
		assert_non_null(at);
		at++;
	}
	assert_non_null(strstr(text, "-c FILE"));
	assert_non_null(strstr(text, "password_cmd"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_multi_account),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_syntax),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_control_characters),
	    cmocka_unit_test(test_tls_off),
	    cmocka_unit_test(test_password_key),
	    cmocka_unit_test(test_fingerprint),
	    cmocka_unit_test(test_folders),
	    cmocka_unit_test(test_credentials),
	    cmocka_unit_test(test_bad_inputs),
	    cmocka_unit_test(test_all_or_nothing),
	    cmocka_unit_test(test_file_paths),
	    cmocka_unit_test(test_default_path),
	    cmocka_unit_test(test_own_keys),
	    cmocka_unit_test(test_sample),
	    cmocka_unit_test(test_sample_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
