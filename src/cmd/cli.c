/*
 * cli: option parsing and the headless commands (`cachet sync`, `send`,
 * ..., with the terminal as their passphrase prompt), the demo account,
 * and handing accounts to the UI. Runs on the main thread.
 */
#include "cmd/cmd.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd/cmd_int.h"
#include "config/config.h"
#include "demo/demo.h"
#include "imap/imap.h"
#include "store/store.h"
#include "sync/sync.h"

static atomic_int stop_flag;
static const struct config *current_config;

const struct config *
cmd_config(void)
{
	return current_config;
}

void
cmd_set_config(const struct config *cfg)
{
	current_config = cfg;
}

static void
on_stop(int sig)
{
	stop_flag = 1;
}

static void
usage(FILE *f)
{
	fputs("usage: cachet [-c FILE] [--offline] [--account NAME] [mailto:URI]\n"
	    "       cachet [-c FILE] sync [--watch] [--quiet] [ACCOUNT...]\n"
	    "       cachet [-c FILE] verify [--json] [FILE|-]\n"
	    "       cachet [-c FILE] show [FILE|-]\n"
	    "       cachet [-c FILE] keys [--secret] [PATTERN]\n"
	    "       cachet [-c FILE] keys --trust FPR unknown|never|marginal|full|ultimate\n"
	    "       cachet [-c FILE] keys --locate ADDR [--replace]\n"
	    "       cachet [-c FILE] send [--account NAME] [--sign] [--encrypt]\n"
	    "                             [--pgp|--smime] [--attach FILE]... [FILE|-]\n"
	    "       cachet [-c FILE] outbox [--account NAME] [list|send|retry ID|delete ID]\n"
	    "       cachet [-c FILE] search [--server] [--account NAME] [--folder NAME] QUERY\n"
	    "       cachet [-c FILE] import [--replace] [FILE|-]\n"
	    "       cachet --demo | --version | --help\n"
	    "\n"
	    "  -c, --config FILE  configuration file (default\n"
	    "                     $XDG_CONFIG_HOME/cachet/config)\n"
	    "  --offline          open the UI from the store, no network\n"
	    "  --account NAME     open only this account\n"
	    "  --demo             open the built-in demo account\n"
	    "  mailto:URI         write a message to the link's address\n"
	    "  sync               synchronise accounts with their servers\n"
	    "    --watch          stay connected and sync as mail arrives\n"
	    "    --quiet          no progress on stderr\n"
	    "  verify             print a message's security report\n"
	    "                     (exit 0: whole message signed, good)\n"
	    "  show               print a message as the pager shows it\n"
	    "  keys               list OpenPGP keys and X.509 certificates\n"
	    "  send               send a message (header fields, empty line,\n"
	    "                     body) like sendmail; exit 0 accepted by the\n"
	    "                     server, 75 queued in the outbox, 1 refused\n"
	    "  outbox             list, send, retry or delete queued messages\n"
	    "  search             search the store (FTS5 syntax), or with\n"
	    "                     --server the server's copy of a folder\n"
	    "  import             take keys or certificates from a file, or\n"
	    "                     the keys a message carries\n"
	    "\n"
	    "Exit status: 0 ok, 1 failure, 2 usage or configuration error,\n"
	    "75 temporary failure (network unreachable, try again).\n", f);
}

int
cmd_exit_for(int code)
{
	switch (code) {
	case 0:
		return CMD_EXIT_OK;
	case CACHET_E_CONFIG:
		return CMD_EXIT_USAGE;
	case CACHET_E_NET:
	case CACHET_E_TIMEOUT:
		return CMD_EXIT_TEMPFAIL;
	default:
		return CMD_EXIT_FAIL;
	}
}

/* CACHET_IMAP_DISABLE=condstore,qresync,... turns extensions off. */
unsigned
cmd_disabled_caps(void)
{
	static const struct {
		const char *name;
		unsigned cap;
	} names[] = {
		{"condstore", IMAP_CAP_CONDSTORE | IMAP_CAP_QRESYNC},
		{"qresync", IMAP_CAP_QRESYNC},
		{"compress", IMAP_CAP_COMPRESS},
		{"idle", IMAP_CAP_IDLE},
		{"move", IMAP_CAP_MOVE},
		{"uidplus", IMAP_CAP_UIDPLUS},
	};
	const char *env = getenv("CACHET_IMAP_DISABLE");
	unsigned caps = 0;
	size_t i;

	for (i = 0; env && i < sizeof(names) / sizeof(names[0]); i++)
		if (strstr(env, names[i].name))
			caps |= names[i].cap;
	return caps;
}

int
cmd_load_config(const char *path, struct config *cfg)
{
	struct cachet_err err = {0};
	char *def = NULL;
	int r;

	if (path == NULL)
		path = def = config_default_path();
	r = config_load(cfg, path, &err);
	free(def);
	if (r != 0) {
		fprintf(stderr, "cachet: %s\n", err.msg);
		if (r == CACHET_E_NOTFOUND)
			fputs("cachet: see config.sample, or try "
			    "`cachet --demo`\n", stderr);
		return CMD_EXIT_USAGE;
	}
	if (cfg->naccounts == 0) {
		fprintf(stderr, "cachet: %s: no [account NAME] section\n",
		    cfg->path);
		return CMD_EXIT_USAGE;
	}
	return 0;
}

static int
run_demo(cmd_ui_fn ui)
{
	struct cachet_err err = {0};
	struct cmd_ui_account acct = {.name = "demo"};
	struct cmd_ui_args args = {
		.accounts = &acct,
		.naccounts = 1,
		.offline = true,
		.demo = true,
	};
	char *dir = NULL, *store_dir;
	int rc;

	if (demo_prepare(&dir, &err) != 0) {
		fprintf(stderr, "cachet: demo: %s\n", err.msg);
		return CMD_EXIT_FAIL;
	}
	store_dir = xasprintf("%s/store", dir);
	acct.store_dir = store_dir;
	acct.from = "Demo User <demo@example.org>";
	rc = ui(&args);
	demo_cleanup(dir);
	free(store_dir);
	free(dir);
	return rc;
}

static int
run_ui(const char *config_path, const char *only, bool offline,
    const char *mailto, cmd_ui_fn ui)
{
	struct config cfg = {0};
	struct cmd_ui_account *accts;
	struct cmd_ui_args args = {0};
	size_t i, n = 0;
	int rc;

	if ((rc = cmd_load_config(config_path, &cfg)) != 0)
		return rc;
	accts = xcalloc(cfg.naccounts, sizeof(*accts));
	for (i = 0; i < cfg.naccounts; i++) {
		if (only && strcmp(only, cfg.accounts[i].name) != 0)
			continue;
		accts[n].name = cfg.accounts[i].name;
		accts[n].store_dir = store_account_dir(cfg.accounts[i].name);
		accts[n].from = cfg.accounts[i].from;
		n++;
	}
	if (n == 0) {
		fprintf(stderr, "cachet: no account named %s\n", only);
		rc = CMD_EXIT_USAGE;
		goto out;
	}
	args.accounts = accts;
	args.naccounts = n;
	args.config_path = cfg.path;
	args.keys_file = cfg.ui.keys;
	args.theme = cfg.ui.theme;
	args.offline = offline;
	args.mailto = mailto;
	cmd_set_config(&cfg);
	if (!offline)
		cmd_workers_start(&cfg, only);
	rc = ui(&args);
	if (!offline)
		cmd_workers_stop();
	cmd_set_config(NULL);
out:
	for (i = 0; i < n; i++)
		free((char *)accts[i].store_dir);
	free(accts);
	config_release(&cfg);
	return rc;
}

/* A headless command; argv[0] is its name. */
typedef int (*cmd_cli_fn)(int argc, char **argv, const char *config_path);

static int
run_sync(int argc, char **argv, const char *config_path)
{
	return cmd_sync(config_path, argc, argv);
}

static cmd_cli_fn
find_command(const char *name)
{
	static const struct {
		const char *name;
		cmd_cli_fn run;
	} commands[] = {
		{"sync", run_sync},
		{"verify", cmd_verify},
		{"show", cmd_show},
		{"send", cmd_send},
		{"outbox", cmd_outbox},
		{"search", cmd_search},
		{"import", cmd_import},
		{"keys", cmd_keys},
	};
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].run;
	return NULL;
}

/*
 * A headless command, with the terminal as the passphrase prompt (the UI
 * installs its own): without one every protected key would be refused
 * unasked. With no terminal at all, a key that needs its passphrase is
 * refused at once, and the user told why.
 */
static int
run_command(cmd_cli_fn run, const char *config_path, int argc, char **argv)
{
	int rc;

	cmd_set_passphrase_fn(cmd_ttypass_available() ? cmd_ttypass_ask :
	    cmd_ttypass_refuse, NULL);
	rc = run(argc, argv, config_path);
	cmd_set_passphrase_fn(NULL, NULL);
	return rc;
}

int
cmd_main(int argc, char **argv, cmd_ui_fn ui)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"offline", no_argument, NULL, 'o'},
		{"account", required_argument, NULL, 'a'},
		{"demo", no_argument, NULL, 'd'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config_path = NULL, *only = NULL;
	bool offline = false, demo = false;
	cmd_cli_fn run;
	int ch;

	/* Stop at the first non-option: it is a command with options. */
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'o':
			offline = true;
			break;
		case 'a':
			only = optarg;
			break;
		case 'd':
			demo = true;
			break;
		case 'V':
			printf("cachet %s\n", CACHET_VERSION);
			return CMD_EXIT_OK;
		case 'h':
			usage(stdout);
			return CMD_EXIT_OK;
		default:
			usage(stderr);
			return CMD_EXIT_USAGE;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (demo)
		return run_demo(ui);
	if (optind < argc && (run = find_command(argv[optind])) != NULL)
		return run_command(run, config_path, argc - optind,
		    argv + optind);
	/* A mailto: link (a browser's mail handler): write to it. */
	if (optind + 1 == argc && strncasecmp(argv[optind], "mailto:", 7) == 0)
		return run_ui(config_path, only, offline, argv[optind], ui);
	if (optind < argc) {
		fprintf(stderr, "cachet: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return CMD_EXIT_USAGE;
	}
	return run_ui(config_path, only, offline, NULL, ui);
}

atomic_int *
cmd_stop_flag(void)
{
	struct sigaction sa = {0};

	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: waits end on a signal */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return &stop_flag;
}
