/* Internals shared by the files of src/cmd. */
#ifndef CACHET_CMD_INT_H
#define CACHET_CMD_INT_H

#include <signal.h>

#include "config/config.h"

int cmd_exit_for(int code);
/* Load the configuration (default path when NULL), printing any error;
 * 0 or CMD_EXIT_USAGE (also when it has no account). */
int cmd_load_config(const char *path, struct config *cfg);
/* The configuration in use (NULL for the demo); read-only once set. */
const struct config *cmd_config(void);
void cmd_set_config(const struct config *cfg);
unsigned cmd_disabled_caps(void);
/* Install SIGINT/SIGTERM handlers that set the returned flag. */
volatile sig_atomic_t *cmd_stop_flag(void);
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
 * something, 1 when nothing matched, 2 for bad usage or configuration. */
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
/* `cachet import [FILE|-]` (cmd_import.c). */
int cmd_import(int argc, char **argv, const char *config_path);
/* `cachet search [--server] [--account NAME] [--folder NAME] QUERY...`
 * (cmd_search.c). */
int cmd_search(int argc, char **argv, const char *config_path);
/* Submit the account's outbox at the start of a sync round; line gets a
 * one-line report, "" when there was nothing to send. */
struct store;
void cmd_outbox_round(struct store *st, const struct config_account *a,
    char *line, size_t len);

#endif
