/*
 * cmd: the command line. `cachet [options] [COMMAND ...]` parses options,
 * loads the configuration and runs a headless command (sync, ...) or hands
 * the accounts to the UI through the callback the front end supplies, so
 * that src/ never depends on ui/.
 */
#ifndef CACHET_CMD_H
#define CACHET_CMD_H

#include <stdatomic.h>
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
	const char *mailto;		/* `cachet mailto:URI`: start writing
					 * from the URI (first account) */
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

struct crypto_ctx;

/*
 * The engines the configuration chose, opened once for the calling thread
 * (local only: no key lookup, no CRL fetch); either may be NULL when it
 * could not be opened. Valid until the thread ends.
 */
void cmd_crypto_ctx(struct crypto_ctx *out);

/*
 * The passphrase prompt for the calling thread's engines (a
 * crypto_passphrase_fn: write the NUL-terminated passphrase into
 * buf[0..len), return 0, or non-zero to cancel). Only the UI thread sets
 * one; threads without one, and cmd_secstat_refresh (background work),
 * never prompt: an operation that needs a locked key fails with an error.
 * Takes effect at once, also for engines already open; NULL removes it.
 * Signing, encrypting or decrypting with these engines that fails after
 * a passphrase was typed asks again, up to 3 times; the hint then starts
 * with "wrong passphrase; again: ". Cancelling is not asked again.
 */
void cmd_set_passphrase_fn(int (*fn)(void *ctx, const char *hint, char *buf,
    size_t len), void *ctx);

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

/*
 * Key management for the UI and the commands. Keys come in only after a
 * check: an address that already has a different key (or certificate)
 * is refused unless replace (the user confirmed); then res->conflict
 * holds one line per such address, "ADDR already has key OLD; the new
 * key is NEW", and nothing was imported. res->report describes what came
 * in (cmd_keys_describe blocks). Where each key came from is recorded
 * and shown as its origin. Nothing is trusted by importing.
 *
 * cmd_import_message: the keys a message carries (application/pgp-keys
 * and certificate parts: "attachment"; its Autocrypt header when addr is
 * the one From address: "Autocrypt"); CACHET_E_NOTFOUND when none.
 * cmd_wkd_locate: look addr up in the Web Key Directory of its domain
 * over HTTPS (only when asked; never automatically); the key must carry
 * a user ID with exactly that address. Origin "WKD URL". Setting *cancel
 * (may be NULL) from another thread stops it soon after.
 * cmd_keys_set_trust: the OpenPGP owner trust (enum crypto_trust) of the
 * key with this full fingerprint; cached statuses go stale by themselves
 * (the trust database changed).
 */
struct cmd_import_res {
	size_t imported;	/* keys and certificates taken */
	char *report;		/* owned, or NULL */
	char *conflict;		/* owned: refused for want of replace */
};
void cmd_import_res_release(struct cmd_import_res *r);
int cmd_import_message(const char *raw, size_t len, bool replace,
    struct cmd_import_res *res, struct cachet_err *err);
int cmd_wkd_locate(const char *addr, bool replace, const atomic_bool *cancel,
    struct cmd_import_res *res, struct cachet_err *err);
int cmd_keys_set_trust(const char *fpr, int level, struct cachet_err *err);

struct config_account;
struct compose_out;

/*
 * The outbox (cmd_outbox.c). cmd_outbox_queue puts a built message in the
 * account's outbox (to and subject are for the outbox view).
 * cmd_outbox_flush submits the queued messages (all, or only the entry
 * `only`) over SMTP: each leaves the outbox only when the server accepted
 * it, and a copy is queued for the account's Sent folder. A refusal holds
 * the message for the user; a network failure keeps it queued and stops
 * the run. Returns 0 when nothing failed, else the first failure (in err).
 */
struct cmd_outbox_result {
	unsigned sent;
	unsigned waiting;	/* still queued (network trouble) */
	unsigned held;		/* refused, or needs the user */
	bool temporary;		/* the last failure was temporary */
	char error[512];	/* the last failure */
};
int cmd_outbox_queue(struct store *st, const struct config_account *a,
    const struct compose_out *o, const char *to, const char *subject,
    int64_t *id, struct cachet_err *err);
int cmd_outbox_flush(struct store *st, const struct config_account *a,
    int64_t only, struct cmd_outbox_result *res, struct cachet_err *err);

/*
 * Queue raw bytes to be appended to `folder` (created locally, and on the
 * server by the next sync when missing) with flags: a sent copy, a draft.
 */
int cmd_folder_append(struct store *st, const char *folder, const char *data,
    size_t len, uint32_t flags, struct cachet_err *err);

/*
 * For the UI (cmd_send_ui.c), by account name with the configuration in
 * use (the demo has none: CACHET_E_CONFIG, "cannot send").
 * cmd_ui_send: build m with the configured engines, put it in the outbox
 * and start submitting it on a background thread (its own store
 * connection); the outcome shows in cmd_sync_status. A refusal to build
 * (no key for a recipient, ...) is returned and nothing is queued.
 * cmd_ui_postpone: save m as a draft in the account's Drafts folder.
 * cmd_ui_outbox_kick: submit whatever waits, in the background.
 */
struct compose_msg;
int cmd_ui_send(const char *account, struct store *st,
    const struct compose_msg *m, struct cachet_err *err);
int cmd_ui_postpone(const char *account, struct store *st,
    const struct compose_msg *m, struct cachet_err *err);
void cmd_ui_outbox_kick(const char *account);

/*
 * Address completion (cmd_complete.c): up to max "Name <addr>" candidates
 * containing text, from the account's query_cmd, known keys and stored
 * mail, each address once, sanitised. Free each and the array.
 */
int cmd_complete_addresses(const char *account, struct store *st,
    const char *text, size_t max, char ***out, size_t *n);

/*
 * Server search for the UI (cmd_search_ui.c), one at a time, on a
 * background thread with its own store connection: sync_search_server on
 * `folder` of the named account of the configuration in use.
 * cmd_ui_search_start: CACHET_E_CONFIG without a configuration (the demo)
 * or account; CACHET_E_INVAL when one is running already.
 * cmd_ui_search_poll: false while none is finished; true once the search
 * ended, with its result in res (then forgotten: release res).
 * cmd_ui_search_cancel: drop a running search (closing the UI).
 * cmd_ui_thread_subjects: the [ui] thread_subjects setting (false without
 * a configuration).
 */
struct cmd_ui_search_result {
	int rc;				/* 0, or the error in err */
	struct cachet_err err;
	int64_t *ids;			/* store ids, newest first; owned */
	size_t n;
	size_t unsynced;		/* matches not in the store yet */
	char *text;			/* what was searched for; owned */
};
int cmd_ui_search_start(const char *account, const char *folder,
    const char *text, struct cachet_err *err);
bool cmd_ui_search_running(void);
bool cmd_ui_search_poll(struct cmd_ui_search_result *res);
void cmd_ui_search_result_release(struct cmd_ui_search_result *res);
void cmd_ui_search_cancel(void);
bool cmd_ui_thread_subjects(void);

/* Entry point shared by the UI binary; returns the process exit code. */
int cmd_main(int argc, char **argv, cmd_ui_fn ui);

#endif
