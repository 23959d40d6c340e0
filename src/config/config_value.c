/*
 * config/value: parsing and checking one configuration value (ports, TLS
 * modes, fingerprints, folder lists, file names), and matching folder
 * names against an account's folders list. Runs on whichever thread loads
 * the configuration; no global state.
 */
#include "config/config_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOST_MAX 253

/* The field of the struct being filled, typed by the caller. */
#define FIELD(p, k, type) ((type *)(void *)((char *)(p)->base + (k)->off))

bool
config_has_control(const char *s, bool allow_tab)
{
	size_t len = strlen(s);
	char *clean;
	bool bad;

	if (len == 0)
		return false;
	clean = util_sanitize(s, len, false, allow_tab);
	bad = strcmp(clean, s) != 0;
	free(clean);
	return bad;
}

bool
config_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (host == NULL)
		return false;
	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

void
config_folders_free(char **folders)
{
	char **f;

	if (folders == NULL)
		return;
	for (f = folders; *f; f++)
		free(*f);
	free(folders);
}

/* Decimal digits only, within min..max. */
static bool
parse_int(const char *s, int min, int max, int *out)
{
	long v = 0;
	size_t i;

	if (*s == '\0' || strlen(s) > 9)
		return false;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return false;
	*out = (int)v;
	return true;
}

static int
set_host(struct config_parse *p, const struct config_key *k, const char *v)
{
	struct in6_addr a6;
	size_t i, len = strlen(v);

	if (len > HOST_MAX)
		return config_fail(p, p->lineno, "%s is too long", k->name);
	if (strchr(v, ':') != NULL) {
		if (inet_pton(AF_INET6, v, &a6) != 1)
			return config_fail(p, p->lineno,
			    "%s: '%s' is not a valid IPv6 address", k->name, v);
	} else {
		for (i = 0; i < len; i++) {
			if (!isalnum((unsigned char)v[i]) && v[i] != '.' &&
			    v[i] != '-' && v[i] != '_')
				return config_fail(p, p->lineno,
				    "%s: '%s' is not a valid host name",
				    k->name, v);
		}
	}
	*FIELD(p, k, char *) = xstrdup(v);
	return 0;
}

static int
set_from(struct config_parse *p, const struct config_key *k, const char *v)
{
	if (strchr(v, '@') == NULL)
		return config_fail(p, p->lineno,
		    "%s: '%s' has no address (expected Name <user@host>)",
		    k->name, v);
	*FIELD(p, k, char *) = xstrdup(v);
	return 0;
}

static int
set_tls(struct config_parse *p, const struct config_key *k, const char *v)
{
	enum config_tls *t = FIELD(p, k, enum config_tls);

	if (strcmp(v, "implicit") == 0)
		*t = CONFIG_TLS_IMPLICIT;
	else if (strcmp(v, "starttls") == 0)
		*t = CONFIG_TLS_STARTTLS;
	else if (strcmp(v, "off") == 0 && k->kind == CONFIG_K_IMAP_TLS)
		*t = CONFIG_TLS_OFF;
	else if (strcmp(v, "off") == 0)
		return config_fail(p, p->lineno,
		    "%s = off is not supported: mail is only submitted over "
		    "TLS (use implicit or starttls)",
		    k->name);
	else
		return config_fail(p, p->lineno, "%s: '%s' is not one of %s",
		    k->name, v,
		    k->kind == CONFIG_K_IMAP_TLS ? "implicit, starttls, off"
						 : "implicit, starttls");
	return 0;
}

static int
set_sync(struct config_parse *p, const struct config_key *k, const char *v)
{
	enum config_sync *s = FIELD(p, k, enum config_sync);

	if (strcmp(v, "headers") == 0)
		*s = CONFIG_SYNC_HEADERS;
	else if (strcmp(v, "full") == 0)
		*s = CONFIG_SYNC_FULL;
	else
		return config_fail(p, p->lineno,
		    "%s: '%s' is not one of headers, full", k->name, v);
	return 0;
}

static int
set_number(struct config_parse *p, const struct config_key *k, const char *v)
{
	bool port = k->kind == CONFIG_K_PORT;
	int max = port ? 65535 : 3600;

	if (!parse_int(v, 1, max, FIELD(p, k, int)))
		return config_fail(p, p->lineno, "%s: '%.40s' is not %s (1-%d)",
		    k->name, v, port ? "a port number" : "a number of seconds",
		    max);
	return 0;
}

/* 64 hex digits, colons ignored; stored in lower case without colons. */
static int
set_fingerprint(
    struct config_parse *p, const struct config_key *k, const char *v)
{
	char hex[65];
	size_t n = 0;

	for (; *v; v++) {
		if (*v == ':')
			continue;
		if (!isxdigit((unsigned char)*v) || n == 64)
			return config_fail(p, p->lineno,
			    "%s: expected a SHA-256 fingerprint (64 hex "
			    "digits, colons allowed)",
			    k->name);
		hex[n++] = (char)tolower((unsigned char)*v);
	}
	if (n != 64)
		return config_fail(p, p->lineno,
		    "%s: expected 64 hex digits, found %zu", k->name, n);
	hex[n] = '\0';
	*FIELD(p, k, char *) = xstrdup(hex);
	return 0;
}

/*
 * A key's fingerprint: 40 (OpenPGP v4, gpgsm's SHA-1) or 64 hex digits
 * (SHA-256 of a certificate, OpenPGP v5); colons and spaces ignored;
 * stored in upper case without them, as the engines print them.
 */
static int
set_key_fpr(struct config_parse *p, const struct config_key *k, const char *v)
{
	char hex[65];
	size_t n = 0;

	for (; *v; v++) {
		if (*v == ':' || *v == ' ')
			continue;
		if (!isxdigit((unsigned char)*v) || n == 64)
			return config_fail(p, p->lineno, "%s: expected a key "
			    "fingerprint (40 or 64 hex digits)", k->name);
		hex[n++] = (char)toupper((unsigned char)*v);
	}
	if (n != 40 && n != 64)
		return config_fail(p, p->lineno, "%s: expected 40 or 64 hex "
		    "digits, found %zu", k->name, n);
	hex[n] = '\0';
	*FIELD(p, k, char *) = xstrdup(hex);
	return 0;
}

static int
set_bool(struct config_parse *p, const struct config_key *k, const char *v)
{
	if (strcmp(v, "yes") == 0)
		*FIELD(p, k, bool) = true;
	else if (strcmp(v, "no") == 0)
		*FIELD(p, k, bool) = false;
	else
		return config_fail(p, p->lineno,
		    "%s: '%.40s' is not yes or no", k->name, v);
	return 0;
}

static int
set_autocrypt(struct config_parse *p, const struct config_key *k,
    const char *v)
{
	enum config_autocrypt *a = FIELD(p, k, enum config_autocrypt);

	if (strcmp(v, "no") == 0)
		*a = CONFIG_AUTOCRYPT_NO;
	else if (strcmp(v, "yes") == 0)
		*a = CONFIG_AUTOCRYPT_YES;
	else if (strcmp(v, "mutual") == 0)
		*a = CONFIG_AUTOCRYPT_MUTUAL;
	else
		return config_fail(p, p->lineno,
		    "%s: '%.40s' is not no, yes or mutual", k->name, v);
	return 0;
}

/*
 * One entry of a folders list: a star may only end it, right after a
 * hierarchy delimiter (slash or dot).
 */
static bool
folder_entry_ok(const char *e)
{
	const char *star = strchr(e, '*');
	size_t len = strlen(e);

	if (star == NULL)
		return true;
	return star == e + len - 1 && len >= 3 &&
	       (e[len - 2] == '/' || e[len - 2] == '.');
}

static int
set_folders(struct config_parse *p, const struct config_key *k, const char *v)
{
	char *copy, *item, *save = NULL, **list = NULL;
	size_t n = 0;
	int rc = 0;

	if (strcmp(v, "*") == 0)
		return 0; /* NULL: every folder */
	if (v[strlen(v) - 1] == ',' || v[0] == ',' || strstr(v, ",,"))
		return config_fail(
		    p, p->lineno, "%s: empty folder name in the list", k->name);
	copy = xstrdup(v);
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		item = util_trim(item);
		if (*item == '\0') {
			rc = config_fail(p, p->lineno,
			    "%s: empty folder name in the list", k->name);
			break;
		}
		if (!folder_entry_ok(item)) {
			rc = config_fail(p, p->lineno,
			    "%s: '*' may only stand alone or end an entry as "
			    "'/*' or '.*'",
			    k->name);
			break;
		}
		list = xreallocarray(list, n + 2, sizeof(*list));
		list[n++] = xstrdup(item);
		list[n] = NULL;
	}
	free(copy);
	if (rc != 0)
		config_folders_free(list);
	else
		*FIELD(p, k, char **) = list;
	return rc;
}

/* "~/x" is under $HOME; a relative name is next to the config file. */
static char *
resolve_path(const struct config_parse *p, const char *v)
{
	const char *home = getenv("HOME");

	if (v[0] == '~' && v[1] == '/' && !util_str_empty(home))
		return xasprintf("%s/%s", home, v + 2);
	if (v[0] == '/')
		return xstrdup(v);
	return xasprintf("%s/%s", p->dir, v);
}

static int
set_file(struct config_parse *p, const struct config_key *k, const char *v)
{
	char *path = resolve_path(p, v);
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    access(path, R_OK) != 0) {
		config_fail(p, p->lineno, "%s: %s is not a readable file",
		    k->name, path);
		free(path);
		return CACHET_E_CONFIG;
	}
	*FIELD(p, k, char *) = path;
	return 0;
}

static int
set_engine(struct config_parse *p, const struct config_key *k, const char *v)
{
	bool ok = strcmp(v, "gpgme") == 0 ||
		  (k->kind == CONFIG_K_SMIME && strcmp(v, "openssl") == 0);

	if (!ok)
		return config_fail(p, p->lineno,
		    "%s: unknown engine '%.40s' (known: %s)", k->name, v,
		    k->kind == CONFIG_K_SMIME ? "gpgme, openssl" : "gpgme");
	*FIELD(p, k, char *) = xstrdup(v);
	return 0;
}

int
config_value_set(
    struct config_parse *p, const struct config_key *k, const char *value)
{
	if (config_has_control(value, false))
		return config_fail(p, p->lineno,
		    "%s: value contains a control character", k->name);
	if (*value == '\0') {
		if (k->required)
			return config_fail(
			    p, p->lineno, "%s must not be empty", k->name);
		return 0; /* empty: unset, the default applies */
	}
	switch (k->kind) {
	case CONFIG_K_TEXT:
		*FIELD(p, k, char *) = xstrdup(value);
		return 0;
	case CONFIG_K_FROM:
		return set_from(p, k, value);
	case CONFIG_K_HOST:
		return set_host(p, k, value);
	case CONFIG_K_PORT:
	case CONFIG_K_TIMEOUT:
		return set_number(p, k, value);
	case CONFIG_K_IMAP_TLS:
	case CONFIG_K_SMTP_TLS:
		return set_tls(p, k, value);
	case CONFIG_K_SYNC:
		return set_sync(p, k, value);
	case CONFIG_K_FPR:
		return set_fingerprint(p, k, value);
	case CONFIG_K_FOLDERS:
		return set_folders(p, k, value);
	case CONFIG_K_FILE:
		return set_file(p, k, value);
	case CONFIG_K_NAME_OR_FILE:
		/* "emacs" names a shipped key map; anything with a '/' or a
		 * leading '~' is a file of the user's. */
		if (strchr(value, '/') == NULL && value[0] != '~' &&
		    value[0] != '.') {
			*FIELD(p, k, char *) = xstrdup(value);
			return 0;
		}
		return set_file(p, k, value);
	case CONFIG_K_OPENPGP:
	case CONFIG_K_SMIME:
		return set_engine(p, k, value);
	case CONFIG_K_KEYFPR:
		return set_key_fpr(p, k, value);
	case CONFIG_K_BOOL:
		return set_bool(p, k, value);
	case CONFIG_K_AUTOCRYPT:
		return set_autocrypt(p, k, value);
	}
	return config_fail(p, p->lineno, "%s: internal error", k->name);
}

/* Length of a leading "INBOX" component (any case), or 0. */
static size_t
inbox_len(const char *s)
{
	if (strncasecmp(s, "INBOX", 5) != 0)
		return 0;
	return (s[5] == '\0' || s[5] == '/' || s[5] == '.') ? 5 : 0;
}

/* Whether folder starts with the first n bytes of entry. */
static bool
folder_has_prefix(const char *folder, const char *entry, size_t n)
{
	size_t skip = 0;

	if (n >= 5 && inbox_len(entry) && inbox_len(folder))
		skip = 5;
	return strlen(folder) >= n &&
	       strncmp(folder + skip, entry + skip, n - skip) == 0;
}

bool
config_folder_wanted(const struct config_account *acct, const char *folder)
{
	char **e;

	if (acct == NULL || folder == NULL || *folder == '\0')
		return false;
	if (acct->folders == NULL)
		return true;
	for (e = acct->folders; *e; e++) {
		size_t len = strlen(*e);

		if (len >= 3 && (*e)[len - 1] == '*') {
			/* A trailing star: every folder below the prefix. */
			if (folder_has_prefix(folder, *e, len - 1) &&
			    folder[len - 1] != '\0')
				return true;
		} else if (folder_has_prefix(folder, *e, len) &&
			   folder[len] == '\0') {
			return true;
		}
	}
	return false;
}
