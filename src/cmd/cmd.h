/*
 * cmd: the command line. `cachet [options] [COMMAND ...]` parses options,
 * loads the configuration and runs a headless command (sync, ...) or hands
 * the accounts to the UI through the callback the front end supplies, so
 * that src/ never depends on ui/.
 */
#ifndef CACHET_CMD_H
#define CACHET_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* Exit codes. */
enum cmd_exit {
	CMD_EXIT_OK = 0,
	CMD_EXIT_FAIL = 1,	/* the operation failed (network, server, ...) */
	CMD_EXIT_USAGE = 2,	/* bad command line or bad configuration */
	CMD_EXIT_TEMPFAIL = 75,	/* try again later (offline) */
};

/* One account as the UI opens it: its store and identity. */
struct cmd_ui_account {
	const char *name;
	const char *store_dir;	/* open with store_open */
	const char *from;	/* identity, may be NULL */
};

struct cmd_ui_args {
	const struct cmd_ui_account *accounts;
	size_t naccounts;
	const char *config_path;	/* NULL for the demo */
	const char *keys_file;		/* user key map, may be NULL */
	const char *theme;		/* theme name, may be NULL */
	bool offline;
	bool demo;
};

/* The front end: runs the interactive UI and returns an exit code. */
typedef int (*cmd_ui_fn)(const struct cmd_ui_args *args);

/*
 * State of the background sync workers the UI runs beside it, as one
 * short line ("syncing work: INBOX headers 200/1000", "work: offline
 * (no answer from ...)"), for the status bar. Thread-safe; returns false
 * when no worker runs. *generation changes whenever the store was changed
 * by a worker, so the UI knows to re-read.
 */
bool cmd_sync_status(char *buf, size_t len, unsigned *generation);

struct store;
struct store_secstat;
struct crypto_status;

/*
 * Security status for the UI, with the engines the configuration chose
 * (opened once per thread, local only: no key lookup, no CRL fetch).
 *
 * cmd_secstat_key: the current key/trust state; a store_msg whose sec_key
 * differs is stale (show it as pending).
 * cmd_secstat_compute: compute the full status of one stored message now
 * (for the pager: it includes the decrypted content to display, which is
 * never cached) and refresh its cached row. decrypt_nested: the user asked
 * to decrypt an encrypted part below the root.
 * cmd_secstat_refresh: compute and cache up to `limit` stale messages,
 * newest first; returns how many were done (for background work).
 */
const char *cmd_secstat_key(void);
int cmd_secstat_compute(struct store *st, int64_t msg_id, bool decrypt_nested,
    struct crypto_status *out, struct cachet_err *err);
int cmd_secstat_refresh(struct store *st, size_t limit, struct cachet_err *err);

struct crypto_key;

/*
 * Keys and certificates for `cachet keys` and the key view (cmd_keys.c):
 * the OpenPGP keys, then the X.509 certificates, that match pattern (NULL:
 * all; an address matches exactly), listed by the engines the configuration
 * chose, with the network off. secret: only keys with a secret part. An
 * engine that cannot be opened or cannot list is skipped and named in
 * *warn (owned, sanitised; NULL when all went well). Always returns 0;
 * free the keys with crypto_keys_free.
 */
int cmd_keys_list(const char *pattern, bool secret, struct crypto_key **out,
    size_t *n, char **warn);
/* One key as a block of "  label: value" lines after a heading line,
 * every value sanitised; owned. */
char *cmd_keys_describe(const struct crypto_key *k);
/* "revoked", "expired", else the validity ("full", "marginal", ...). */
const char *cmd_keys_validity(const struct crypto_key *k);
/* "sign, encrypt", "sign", "encrypt" or "none". */
const char *cmd_keys_usage(const struct crypto_key *k);

/* Entry point shared by the UI binary; returns the process exit code. */
int cmd_main(int argc, char **argv, cmd_ui_fn ui);

#endif
