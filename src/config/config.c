/*
 * config: reading the configuration file. inih splits lines into sections
 * and key = value pairs; a reader in front of it hands inih one line at a
 * time, so that every key and section is known by its line number, and
 * normalises what inih would treat differently from build to build
 * (indentation as line continuation, inline comments, line length).
 * Section headers are checked here; values in config_value.c.
 *
 * Runs on whichever thread loads the configuration (the UI thread or the
 * CLI at start-up); no global state.
 */
#include "config/config_int.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_FILE_MAX (1024 * 1024)
#define ACCOUNT_NAME_MAX 64

#define ACCT(f) offsetof(struct config_account, f)
static const struct config_key account_keys[] = {
    {"from", CONFIG_K_FROM, ACCT(from), false},
    {"imap_host", CONFIG_K_HOST, ACCT(imap_host), true},
    {"imap_port", CONFIG_K_PORT, ACCT(imap_port), false},
    {"imap_tls", CONFIG_K_IMAP_TLS, ACCT(imap_tls), false},
    {"imap_user", CONFIG_K_TEXT, ACCT(imap_user), true},
    {"password_cmd", CONFIG_K_TEXT, ACCT(password_cmd), false},
    {"oauth2_token_cmd", CONFIG_K_TEXT, ACCT(oauth2_token_cmd), false},
    {"ca_file", CONFIG_K_FILE, ACCT(ca_file), false},
    {"cert_fingerprint", CONFIG_K_FPR, ACCT(cert_fingerprint), false},
    {"smtp_host", CONFIG_K_HOST, ACCT(smtp_host), false},
    {"smtp_port", CONFIG_K_PORT, ACCT(smtp_port), false},
    {"smtp_tls", CONFIG_K_SMTP_TLS, ACCT(smtp_tls), false},
    {"smtp_user", CONFIG_K_TEXT, ACCT(smtp_user), false},
    {"sent_folder", CONFIG_K_TEXT, ACCT(sent_folder), false},
    {"drafts_folder", CONFIG_K_TEXT, ACCT(drafts_folder), false},
    {"query_cmd", CONFIG_K_TEXT, ACCT(query_cmd), false},
    {"sync", CONFIG_K_SYNC, ACCT(sync), false},
    {"folders", CONFIG_K_FOLDERS, ACCT(folders), false},
    {"timeout", CONFIG_K_TIMEOUT, ACCT(timeout), false},
    {"openpgp_sign_key", CONFIG_K_KEYFPR, ACCT(openpgp_sign_key), false},
    {"openpgp_encrypt_key", CONFIG_K_KEYFPR, ACCT(openpgp_encrypt_key),
	false},
    {"smime_sign_cert", CONFIG_K_KEYFPR, ACCT(smime_sign_cert), false},
    {"smime_encrypt_cert", CONFIG_K_KEYFPR, ACCT(smime_encrypt_cert),
	false},
    {"encrypt_to_self", CONFIG_K_BOOL, ACCT(encrypt_to_self), false},
    {"autocrypt", CONFIG_K_AUTOCRYPT, ACCT(autocrypt), false},
};
#undef ACCT

static const struct config_key ui_keys[] = {
    {"keys", CONFIG_K_NAME_OR_FILE, offsetof(struct config_ui, keys),
	false},
    {"theme", CONFIG_K_TEXT, offsetof(struct config_ui, theme), false},
    {"thread_subjects", CONFIG_K_BOOL,
	offsetof(struct config_ui, thread_subjects), false},
};

static const struct config_key crypto_keys[] = {
    {"openpgp", CONFIG_K_OPENPGP, offsetof(struct config_crypto, openpgp),
	false},
    {"smime", CONFIG_K_SMIME, offsetof(struct config_crypto, smime), false},
    {"smime_ca_file", CONFIG_K_FILE,
	offsetof(struct config_crypto, smime_ca_file), false},
    {"crl_fetch", CONFIG_K_BOOL, offsetof(struct config_crypto, crl_fetch),
	false},
};

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(NKEYS(account_keys) <= CONFIG_MAX_KEYS, "raise MAX_KEYS");

int
config_fail(struct config_parse *p, int line, const char *fmt, ...)
{
	char msg[CACHET_ERR_MAX];
	va_list ap;

	if (p->err_line != 0)
		return CACHET_E_CONFIG;
	p->err_line = line > 0 ? line : 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cachet_err(
	    p->err, CACHET_E_CONFIG, "%s:%d: %s", p->path, p->err_line, msg);
}

/* Line where key name was set in the current section, or 0. */
static int
key_line(const struct config_parse *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nkeys; i++)
		if (strcmp(p->keys[i].name, name) == 0)
			return p->key_line[i];
	return 0;
}

/* Cross-key checks and defaults once an account section is complete. */
static int
account_finish(struct config_parse *p)
{
	struct config_account *a = p->base;
	bool off = a->imap_tls == CONFIG_TLS_OFF;

	if (a->imap_host == NULL)
		return config_fail(
		    p, a->line, "account %s: imap_host is required", a->name);
	if (a->imap_user == NULL)
		return config_fail(
		    p, a->line, "account %s: imap_user is required", a->name);
	if (off && !config_is_loopback(a->imap_host))
		return config_fail(p, key_line(p, "imap_tls"),
		    "imap_tls = off is only allowed for a loopback host "
		    "(localhost, 127.0.0.0/8, ::1), not %s",
		    a->imap_host);
	if (a->imap_port == 0)
		a->imap_port = a->imap_tls == CONFIG_TLS_IMPLICIT ? 993 : 143;
	if (a->smtp_port == 0)
		a->smtp_port = a->smtp_tls == CONFIG_TLS_IMPLICIT ? 465 : 587;
	if (a->smtp_user == NULL)
		a->smtp_user = xstrdup(a->imap_user);
	if (a->sent_folder == NULL)
		a->sent_folder = xstrdup("Sent");
	if (a->drafts_folder == NULL)
		a->drafts_folder = xstrdup("Drafts");
	if (a->timeout == 0)
		a->timeout = 20;
	if (key_line(p, "encrypt_to_self") == 0)
		a->encrypt_to_self = true;
	return 0;
}

/* Close the current section, if any. */
static int
section_end(struct config_parse *p)
{
	int rc = 0;

	if (p->keys == account_keys)
		rc = account_finish(p);
	p->keys = NULL;
	p->nkeys = 0;
	p->base = NULL;
	memset(p->key_line, 0, sizeof(p->key_line));
	return rc;
}

static bool
account_name_ok(const char *name)
{
	const char *s;

	if (*name == '\0' || strlen(name) > ACCOUNT_NAME_MAX ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (s = name; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '.' && *s != '_' &&
		    *s != '-')
			return false;
	return true;
}

static int
account_begin(struct config_parse *p, const char *name)
{
	struct config *cfg = p->cfg;
	struct config_account *a;
	size_t i;

	if (!account_name_ok(name))
		return config_fail(p, p->lineno,
		    "bad account name '%.64s': use 1-%d of A-Z a-z 0-9 . _ - "
		    "(it names a directory)",
		    name, ACCOUNT_NAME_MAX);
	for (i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, name) == 0)
			return config_fail(p, p->lineno,
			    "duplicate account %s (first at line %d)", name,
			    cfg->accounts[i].line);
	cfg->accounts = xreallocarray(
	    cfg->accounts, cfg->naccounts + 1, sizeof(*cfg->accounts));
	a = &cfg->accounts[cfg->naccounts++];
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(name);
	a->line = p->lineno;
	p->keys = account_keys;
	p->nkeys = NKEYS(account_keys);
	p->base = a;
	return 0;
}

/* A section that may appear once: [ui] or [crypto]. */
static int
single_begin(struct config_parse *p, const char *name, int *seen,
    const struct config_key *keys, size_t nkeys, void *base)
{
	if (*seen != 0)
		return config_fail(p, p->lineno,
		    "duplicate section [%s] (first at line %d)", name, *seen);
	*seen = p->lineno;
	p->keys = keys;
	p->nkeys = nkeys;
	p->base = base;
	return 0;
}

/* A line starting with '[': "[account NAME]", "[ui]" or "[crypto]". */
static int
section_begin(struct config_parse *p, char *line)
{
	char *close = strchr(line, ']'), *name;

	if (section_end(p) != 0)
		return CACHET_E_CONFIG;
	if (close == NULL)
		return config_fail(p, p->lineno, "section header lacks ']'");
	if (close[1] != '\0')
		return config_fail(p, p->lineno, "unexpected text after ']'");
	*close = '\0';
	name = util_trim(line + 1);
	if (strcmp(name, "ui") == 0)
		return single_begin(
		    p, "ui", &p->ui_line, ui_keys, NKEYS(ui_keys), &p->cfg->ui);
	if (strcmp(name, "crypto") == 0)
		return single_begin(p, "crypto", &p->crypto_line, crypto_keys,
		    NKEYS(crypto_keys), &p->cfg->crypto);
	if (strcmp(name, "account") == 0)
		return config_fail(p, p->lineno,
		    "account section needs a name: [account NAME]");
	if (strncmp(name, "account", 7) == 0 &&
	    (name[7] == ' ' || name[7] == '\t'))
		return account_begin(p, util_trim(name + 8));
	return config_fail(p, p->lineno,
	    "unknown section [%.64s] (expected [account NAME], [ui] or "
	    "[crypto])",
	    name);
}

/* Called by inih for every key = value line (through ini_cb). */
static int
on_key(struct config_parse *p, const char *name, const char *value)
{
	size_t i;

	if (p->err_line != 0)
		return 0;
	if (p->keys == NULL) {
		config_fail(p, p->lineno, "%s is outside any section", name);
		return 0;
	}
	if (p->keys == account_keys && strcmp(name, "password") == 0) {
		config_fail(p, p->lineno,
		    "passwords are not stored in the configuration file; use "
		    "password_cmd (e.g. password_cmd = pass show mail/%s)",
		    p->cfg->accounts[p->cfg->naccounts - 1].name);
		return 0;
	}
	for (i = 0; i < p->nkeys; i++) {
		if (strcmp(p->keys[i].name, name) != 0)
			continue;
		if (p->key_line[i] != 0) {
			config_fail(p, p->lineno,
			    "duplicate key %s (first set at line %d)", name,
			    p->key_line[i]);
			return 0;
		}
		p->key_line[i] = p->lineno;
		return config_value_set(p, &p->keys[i], value) == 0;
	}
	config_fail(p, p->lineno, "unknown key '%.64s' in this section", name);
	return 0;
}

#if INI_HANDLER_LINENO
static int
ini_cb(void *user, const char *section, const char *name, const char *value,
    int lineno)
{
	return on_key(user, name, value);
}
#else
static int
ini_cb(void *user, const char *section, const char *name, const char *value)
{
	return on_key(user, name, value);
}
#endif

/*
 * Cut line down to what matters: no indentation (inih would take an
 * indented line as the continuation of the previous value), no comment
 * (';' or '#' at the start, or ';' after a space), no trailing space.
 */
static void
line_normalise(char *line)
{
	char *s = line, *c;

	while (*s == ' ' || *s == '\t')
		s++;
	memmove(line, s, strlen(s) + 1);
	if (*line == ';' || *line == '#')
		*line = '\0';
	for (c = line; *c; c++) {
		if (*c == ';' && c > line && (c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			break;
		}
	}
	util_trim(line);
}

/* Checks on a whole normalised line; sections are opened here. */
static int
line_check(struct config_parse *p, char *line)
{
	if (config_has_control(line, true))
		return config_fail(
		    p, p->lineno, "control character or invalid UTF-8");
	if (*line == '[')
		return section_begin(p, line);
	if (*line != '\0' && strpbrk(line, "=:") == NULL)
		return config_fail(
		    p, p->lineno, "expected 'key = value' or '[section]'");
	return 0;
}

/* The next line of the file for inih, in the manner of fgets. */
static char *
read_line(char *str, int num, void *stream)
{
	struct config_parse *p = stream;
	const char *start = p->data + p->pos, *nl;
	size_t n;
	char *line;

	if (p->err_line != 0 || p->pos >= p->len || num < 3)
		return NULL;
	nl = memchr(start, '\n', p->len - p->pos);
	n = nl ? (size_t)(nl - start) : p->len - p->pos;
	p->pos += n + (nl ? 1 : 0);
	p->lineno++;
	if (memchr(start, '\0', n) != NULL) {
		config_fail(p, p->lineno, "NUL byte in line");
		return NULL;
	}
	if (p->lineno == 1 && n >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0) {
		start += 3; /* UTF-8 byte order mark */
		n -= 3;
	}
	line = xstrndup(start, n);
	line_normalise(line);
	if (strlen(line) > (size_t)num - 2) {
		config_fail(p, p->lineno,
		    "line too long (at most %d characters without "
		    "indentation and comments)",
		    num - 2);
	} else {
		/* Copied first: line_check may cut a section header up. */
		snprintf(str, (size_t)num, "%s\n", line);
		line_check(p, line);
	}
	free(line);
	return p->err_line != 0 ? NULL : str;
}

/* Read at most CONFIG_FILE_MAX bytes of path. */
static int
read_config(const char *path, char **data, size_t *len, struct cachet_err *err)
{
	struct buf b = BUF_INIT;
	char chunk[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 && errno == ENOENT)
		return cachet_err(err, CACHET_E_NOTFOUND,
		    "configuration file %s not found", path);
	if (fd < 0)
		return cachet_err(err, CACHET_E_IO, "cannot open %s: %s", path,
		    strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len + (size_t)n > CONFIG_FILE_MAX) {
			int e = n < 0 ? errno : EFBIG;

			close(fd);
			buf_release(&b);
			return cachet_err(err,
			    e == EFBIG ? CACHET_E_CONFIG : CACHET_E_IO,
			    "cannot read %s: %s", path, strerror(e));
		}
		buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	*data = buf_detach(&b, len);
	return 0;
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* Defaults that do not depend on any section being present. */
static void
apply_defaults(struct config *cfg)
{
	if (cfg->ui.theme == NULL)
		cfg->ui.theme = xstrdup("default");
	if (cfg->crypto.openpgp == NULL)
		cfg->crypto.openpgp = xstrdup("gpgme");
	if (cfg->crypto.smime == NULL)
		cfg->crypto.smime = xstrdup("gpgme");
}

/* Run inih over the file held in p; 0 or CACHET_E_CONFIG. */
static int
parse(struct config_parse *p)
{
	int ret = ini_parse_stream(read_line, p, ini_cb, p);

	if (ret > 0 && (p->err_line == 0 || ret < p->err_line)) {
		p->err_line = 0;
		return config_fail(p, ret, "syntax error");
	}
	if (ret < 0 && p->err_line == 0)
		return config_fail(p, 1, "cannot parse (inih error %d)", ret);
	if (p->err_line == 0)
		section_end(p);
	return p->err_line != 0 ? CACHET_E_CONFIG : 0;
}

int
config_load(struct config *cfg, const char *path, struct cachet_err *err)
{
	struct config_parse p;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (cfg == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no config to load");
	memset(cfg, 0, sizeof(*cfg));
	if (util_str_empty(path))
		return cachet_err(
		    err, CACHET_E_INVAL, "no configuration file given");
	rc = read_config(path, &data, &len, err);
	if (rc != 0)
		return rc;
	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.path = path;
	p.dir = dir_of(path);
	p.data = data;
	p.len = len;
	p.err = err;
	cfg->path = xstrdup(path);
	rc = parse(&p);
	if (rc == 0)
		apply_defaults(cfg);
	else
		config_release(cfg);
	free(p.dir);
	free(data);
	return rc;
}

static void
account_release(struct config_account *a)
{
	free(a->name);
	free(a->from);
	free(a->imap_host);
	free(a->imap_user);
	free(a->password_cmd);
	free(a->oauth2_token_cmd);
	free(a->ca_file);
	free(a->cert_fingerprint);
	free(a->smtp_host);
	free(a->smtp_user);
	free(a->sent_folder);
	free(a->drafts_folder);
	free(a->query_cmd);
	free(a->openpgp_sign_key);
	free(a->openpgp_encrypt_key);
	free(a->smime_sign_cert);
	free(a->smime_encrypt_cert);
	config_folders_free(a->folders);
}

void
config_release(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->naccounts; i++)
		account_release(&cfg->accounts[i]);
	free(cfg->accounts);
	free(cfg->path);
	free(cfg->ui.keys);
	free(cfg->ui.theme);
	free(cfg->crypto.openpgp);
	free(cfg->crypto.smime);
	free(cfg->crypto.smime_ca_file);
	memset(cfg, 0, sizeof(*cfg));
}

const struct config_account *
config_account_find(const struct config *cfg, const char *name)
{
	size_t i;

	if (cfg == NULL || name == NULL)
		return NULL;
	for (i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, name) == 0)
			return &cfg->accounts[i];
	return NULL;
}

char *
config_default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	struct passwd pw, *res = NULL;
	char buf[4096];

	/* The XDG spec says to ignore a relative XDG_CONFIG_HOME. */
	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/cachet/config", xdg);
	if (!util_str_empty(home))
		return xasprintf("%s/.config/cachet/config", home);
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 &&
	    res != NULL && !util_str_empty(pw.pw_dir))
		return xasprintf("%s/.config/cachet/config", pw.pw_dir);
	return NULL;
}
