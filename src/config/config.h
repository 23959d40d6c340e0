/*
 * config: loading and validating the configuration file (INI, via inih).
 *
 * One [account NAME] section per account, plus optional [ui] and [crypto]
 * sections. Every problem is reported as "FILE:LINE: problem" and loading
 * fails as a whole: nothing half-read is ever returned.
 */
#ifndef CACHET_CONFIG_H
#define CACHET_CONFIG_H

#include "util/util.h"

enum config_tls {
	CONFIG_TLS_IMPLICIT,
	CONFIG_TLS_STARTTLS,
	CONFIG_TLS_OFF,		/* accepted only for loopback hosts */
};

enum config_sync {
	CONFIG_SYNC_HEADERS,	/* envelope + headers; bodies on demand */
	CONFIG_SYNC_FULL,	/* every message whole */
};

enum config_autocrypt {
	CONFIG_AUTOCRYPT_NO,
	CONFIG_AUTOCRYPT_YES,		/* header, no preference */
	CONFIG_AUTOCRYPT_MUTUAL,	/* header with prefer-encrypt=mutual */
};

struct config_account {
	char *name;		/* from the section header */
	char *from;		/* "Name <addr>" identity, may be NULL */
	char *imap_host;
	int imap_port;		/* default 993 (implicit) or 143 */
	enum config_tls imap_tls;	/* default implicit */
	char *imap_user;
	char *password_cmd;	/* may be NULL */
	char *oauth2_token_cmd;	/* may be NULL */
	char *ca_file;		/* NULL: system store */
	char *cert_fingerprint;	/* NULL, or 64 lower-case hex digits */
	char *smtp_host;	/* may be NULL */
	int smtp_port;		/* default 465 (implicit) or 587 */
	enum config_tls smtp_tls;	/* implicit or starttls only */
	char *smtp_user;	/* default: imap_user */
	char *sent_folder;	/* copies of sent mail, default "Sent" */
	char *drafts_folder;	/* postponed messages, default "Drafts" */
	char *query_cmd;	/* address book: prints "addr\tname" lines
				 * for its argument; may be NULL */
	enum config_sync sync;	/* default headers */
	char **folders;		/* NULL-terminated; NULL means all ("*") */
	int timeout;		/* seconds, default 20, 1..3600 */
	/* Own keys of this identity: fingerprints (upper-case hex, 40 or
	 * 64 digits) or NULL: found by the From address. */
	char *openpgp_sign_key;
	char *openpgp_encrypt_key;
	char *smime_sign_cert;
	char *smime_encrypt_cert;
	bool encrypt_to_self;	/* default true */
	enum config_autocrypt autocrypt;	/* default no */
	int line;		/* line of the section header */
};

struct config_ui {
	char *keys;		/* user key file, may be NULL */
	char *theme;		/* theme name or path, default "default" */
	bool thread_subjects;	/* thread by subject when References and
				 * In-Reply-To are missing; default no */
};

struct config_crypto {
	char *openpgp;		/* engine name, default "gpgme" */
	char *smime;		/* "gpgme" (default) or "openssl" */
	char *smime_ca_file;	/* may be NULL */
	bool crl_fetch;		/* openssl: fetch CRLs from the certificates'
				 * distribution points, default no */
};

struct config {
	char *path;
	struct config_account *accounts;
	size_t naccounts;
	struct config_ui ui;
	struct config_crypto crypto;
};

/*
 * Default path: $XDG_CONFIG_HOME/cachet/config, or ~/.config/cachet/config.
 * Owned by the caller; NULL only when no home directory can be found.
 */
char *config_default_path(void);

/*
 * Load and validate path into cfg. On failure cfg is left empty (safe to
 * release) and err says "PATH:LINE: problem" (CACHET_E_CONFIG), or why the
 * file could not be read (CACHET_E_NOTFOUND / CACHET_E_IO). cfg is
 * overwritten, not released: pass a zeroed or released struct.
 */
int config_load(struct config *cfg, const char *path, struct cachet_err *err);

/* Free everything cfg owns; cfg may be zeroed or partly filled. */
void config_release(struct config *cfg);

/* Account by name, or NULL. */
const struct config_account *config_account_find(const struct config *cfg,
    const char *name);

/* Whether folder (a server name) is selected by the account's folders list. */
bool config_folder_wanted(const struct config_account *acct,
    const char *folder);

/*
 * Credentials: run password_cmd (or oauth2_token_cmd) and return its output.
 * The result is a secret: free it with util_free_secret. Only the first
 * line of the output is used. No command configured, or empty output:
 * CACHET_E_AUTH; the command failed: CACHET_E_CMD (the output is never
 * put in the message).
 */
int config_password(const struct config_account *acct, char **out,
    struct cachet_err *err);
int config_oauth2_token(const struct config_account *acct, char **out,
    struct cachet_err *err);

#endif
