/*
 * config internals shared by config.c (reading, sections, keys) and
 * config_value.c (parsing and checking one value).
 */
#ifndef CACHET_CONFIG_INT_H
#define CACHET_CONFIG_INT_H

#include "config/config.h"

#include <stddef.h>

/* How a key's value is parsed and where it is stored. */
enum config_kind {
	CONFIG_K_TEXT,     /* char *: any printable text */
	CONFIG_K_FROM,     /* char *: "Name <addr>" */
	CONFIG_K_HOST,     /* char *: host name or IP address */
	CONFIG_K_PORT,     /* int: 1..65535 */
	CONFIG_K_IMAP_TLS, /* enum config_tls: implicit|starttls|off */
	CONFIG_K_SMTP_TLS, /* enum config_tls: implicit|starttls */
	CONFIG_K_SYNC,     /* enum config_sync */
	CONFIG_K_TIMEOUT,  /* int: 1..3600 */
	CONFIG_K_FPR,      /* char *: SHA-256, normalised */
	CONFIG_K_FOLDERS,  /* char **: NULL-terminated list */
	CONFIG_K_FILE,     /* char *: readable file, path resolved */
	CONFIG_K_NAME_OR_FILE, /* char *: a bare name, or a file as above */
	CONFIG_K_OPENPGP,  /* char *: OpenPGP engine name */
	CONFIG_K_SMIME,    /* char *: S/MIME engine name */
	CONFIG_K_KEYFPR,   /* char *: key fingerprint, 40 or 64 hex digits */
	CONFIG_K_BOOL,     /* bool: yes|no */
	CONFIG_K_AUTOCRYPT, /* enum config_autocrypt: no|yes|mutual */
};

struct config_key {
	const char *name;
	enum config_kind kind;
	size_t off;    /* offset of the field in its struct */
	bool required; /* empty is an error, not "unset" */
};

#define CONFIG_MAX_KEYS 32

/* The state of one config_load call. */
struct config_parse {
	struct config *cfg;
	const char *path;
	char *dir;        /* directory of path (relative names) */
	const char *data; /* whole file */
	size_t len;
	size_t pos;                    /* start of the next line */
	int lineno;                    /* line handed to inih last */
	const struct config_key *keys; /* keys of the current section */
	size_t nkeys;
	void *base;                    /* struct the current section fills */
	int key_line[CONFIG_MAX_KEYS]; /* where each key was set, or 0 */
	int ui_line;                   /* where [ui] started, or 0 */
	int crypto_line;
	int err_line; /* line of the first problem, or 0 */
	struct cachet_err *err;
};

/*
 * Record the first problem as "PATH:LINE: message" and return
 * CACHET_E_CONFIG. Later problems are ignored.
 */
int config_fail(struct config_parse *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parse value for key k (on line p->lineno) into p->base; 0 or error. */
int config_value_set(
    struct config_parse *p, const struct config_key *k, const char *value);

/* Whether text contains a control character or invalid UTF-8. */
bool config_has_control(const char *s, bool allow_tab);

/* localhost, 127.0.0.0/8 or ::1. */
bool config_is_loopback(const char *host);

/* Free a NULL-terminated folder list. */
void config_folders_free(char **folders);

#endif
