/* Internals shared by the files of src/cmd. */
#ifndef CACHET_CMD_INT_H
#define CACHET_CMD_INT_H

#include <signal.h>
#include <stdatomic.h>

#include "config/config.h"
#include "crypto/crypto.h"

int cmd_exit_for(int code);
/* Load the configuration (default path when NULL), printing any error;
 * 0 or CMD_EXIT_USAGE (also when it has no account). */
int cmd_load_config(const char *path, struct config *cfg);
/* The configuration in use (NULL for the demo); read-only once set. */
const struct config *cmd_config(void);
void cmd_set_config(const struct config *cfg);
unsigned cmd_disabled_caps(void);
/* Install SIGINT/SIGTERM handlers that set the returned flag. */
atomic_int *cmd_stop_flag(void);
int cmd_sync(const char *config_path, int argc, char **argv);
void cmd_workers_start(const struct config *cfg, const char *only);
void cmd_workers_stop(void);
/*
 * `cachet verify [--json] [FILE|-]` and `cachet show [FILE|-]`
 * (cmd_verify.c); argv[0] is the command name. Exit codes: verify 0 for
 * a clean whole-message signature, 1 otherwise, 2 unreadable input or
 * bad usage; show 0 when shown, 2 unreadable input.
 */
int cmd_verify(int argc, char **argv, const char *config_path);
int cmd_show(int argc, char **argv, const char *config_path);
/* `cachet keys [--secret] [PATTERN]` (cmd_keys.c): exit 0 when it listed
 * something, 1 when nothing matched, 2 for bad usage or configuration;
 * `cachet keys --trust FPR LEVEL` and `--locate ADDR [--replace]`: 0 done,
 * 1 failed or refused, 2 bad usage (not a full fingerprint, no level). */
int cmd_keys(int argc, char **argv, const char *config_path);

/*
 * The account's own keys per protocol, encrypt-to-self and Autocrypt
 * choices into m before it is built (cmd_send_ui.c).
 */
struct compose_msg;
void cmd_send_account_keys(const struct config_account *a,
    struct compose_msg *m);
/* `cachet send ...` (cmd_send.c) and `cachet outbox ...`
 * (cmd_outbox_cli.c). */
int cmd_send(int argc, char **argv, const char *config_path);
int cmd_outbox(int argc, char **argv, const char *config_path);
/*
 * The configuration for commands that only need its [crypto] section:
 * a missing default file is no error (cfg stays empty, 0 returned).
 */
int cmd_load_crypto_config(const char *config_path, struct config *cfg);
/*
 * The command line's passphrase prompt (cmd_ttypass.c), a
 * crypto_passphrase_fn for cmd_set_passphrase_fn: asks on /dev/tty with
 * echo off; -1 when the answer is cancelled or too long, and at once
 * when there is no terminal (as cmd_ttypass_refuse). cmd_ttypass_refuse:
 * says on stderr that there is no terminal to ask on, and returns -1.
 * cmd_ttypass_available: stdin is a terminal, or /dev/tty can be opened.
 * Main thread.
 */
int cmd_ttypass_ask(void *ctx, const char *hint, char *buf, size_t len);
int cmd_ttypass_refuse(void *ctx, const char *hint, char *buf, size_t len);
bool cmd_ttypass_available(void);
/* `cachet import [--replace] [FILE|-]` (cmd_import.c). */
int cmd_import(int argc, char **argv, const char *config_path);
/* True when raw looks like a message (a From or Content-Type field). */
bool cmd_import_is_message(const char *raw, size_t len);

/*
 * Key management internals (cmd_keyimport.c, cmd_certscan.c,
 * cmd_keyorigin.c, cmd_wkd.c).
 */
struct cmd_import_res;

/* One piece of key data to import and where it came from. */
struct cmd_import_src {
	const char *data;
	size_t len;
	enum crypto_proto proto;	/* the engine to import with */
	const char *what;		/* "attached key", for messages */
	const char *origin;		/* "file", "WKD", ... */
	const char *detail;		/* file name, message id, URL */
	const char *need_addr;		/* all keys need it, or NULL */
};
/*
 * Check every source (scan without importing; need_addr; an address with
 * a different key already is a conflict, refused unless replace: then
 * res->conflict names each address and both fingerprints and nothing is
 * imported), then import them all and record their origin. 0 when some
 * key came in; res is always filled (cmd_import_res_release).
 */
int cmd_keyimport(const struct cmd_import_src *src, size_t n, bool replace,
    struct cmd_import_res *res, struct cachet_err *err);
/* The engine the configuration chose for proto, local only. */
int cmd_keys_engine_open(enum crypto_proto proto, struct crypto_engine **e,
    struct cachet_err *err);
/* The certificates data holds (PEM, DER, PKCS#12 without password), read
 * with OpenSSL, as S/MIME keys (fpr, addrs); returns how many. */
int cmd_certscan(const char *data, size_t len, struct crypto_key **out,
    size_t *n);
/*
 * The record of where keys came from: add a line for each fingerprint
 * that has none yet (origin "file", "attachment", "Autocrypt", "WKD");
 * and replace the origin of listed keys that have a record with
 * "ORIGIN DETAIL (imported DATE)".
 */
int cmd_keyorigin_record(const char *const *fprs, size_t n,
    const char *origin, const char *detail, struct cachet_err *err);
void cmd_keyorigin_apply(struct crypto_key *keys, size_t n);
/* Fetch the WKD key data for addr (cmd_wkd.c): *url gets the URL that
 * answered. Owned. */
/*
 * A crypto_passphrase_fn for engines a command opens itself: the calling
 * thread's prompt (cmd_set_passphrase_fn), or a refusal. One try per
 * operation: such engines are not wrapped to ask again.
 */
int cmd_passphrase_ask(void *ctx, const char *hint, char *buf, size_t len);
int cmd_wkd_fetch(const char *addr, const atomic_bool *cancel, char **data,
    size_t *len, char **url, struct cachet_err *err);
/* WKD's HASH of a local part: z-base-32 of the SHA-1 of its lower-case
 * form, 32 characters and a NUL. */
void cmd_wkd_hash(const char *local, size_t n, char out[33]);
/* `cachet search [--server] [--account NAME] [--folder NAME] QUERY...`
 * (cmd_search.c). */
int cmd_search(int argc, char **argv, const char *config_path);
/* Submit the account's outbox at the start of a sync round; line gets a
 * one-line report, "" when there was nothing to send. */
struct store;
void cmd_outbox_round(struct store *st, const struct config_account *a,
    char *line, size_t len);

#endif
