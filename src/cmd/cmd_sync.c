/*
 * cmd_sync: `cachet sync [--watch] [--quiet] [ACCOUNT...]`, headless, with
 * a progress line on stderr. Runs on the main thread.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "store/store.h"
#include "sync/sync.h"

struct progress {
	const char *account;
	const struct config_account *acct;
	bool quiet;
	bool tty;
	int64_t last_ms;
	char last_phase[32];
};

static void
on_progress(void *ctx, const struct sync_progress *p)
{
	struct progress *pr = ctx;
	int64_t now = util_now_ms();
	bool same = strcmp(pr->last_phase, p->phase) == 0;

	if (pr->quiet)
		return;
	if (strcmp(p->phase, "idle") == 0) {
		if (pr->tty)
			fputs("\r\033[K", stderr);
		fprintf(stderr, "%s: up to date, waiting for new mail\n",
		    pr->account);
		pr->last_phase[0] = '\0';
		return;
	}
	/* Redraw a terminal line at most 10 times a second. */
	if (pr->tty && same && now - pr->last_ms < 100)
		return;
	if (!pr->tty && same)
		return;	/* one line per phase in logs */
	pr->last_ms = now;
	snprintf(pr->last_phase, sizeof(pr->last_phase), "%s", p->phase);
	fprintf(stderr, "%s%s: %s %s", pr->tty ? "\r\033[K" : "",
	    pr->account, p->folder ? p->folder : "", p->phase);
	if (p->total)
		fprintf(stderr, " %u/%u", p->done, p->total);
	if (!pr->tty)
		fputc('\n', stderr);
}

static void
on_alert(void *ctx, const char *text)
{
	struct progress *pr = ctx;

	fprintf(stderr, "%s%s: server alert: %s\n", pr->tty ? "\r\033[K" : "",
	    pr->account, text);
}

static void
before_round(void *ctx, struct store *st)
{
	struct progress *pr = ctx;
	char line[512];

	cmd_outbox_round(st, pr->acct, line, sizeof(line));
	if (line[0] != '\0' && !pr->quiet)
		fprintf(stderr, "%s%s: %s\n", pr->tty ? "\r\033[K" : "",
		    pr->account, line);
}

static int
sync_one(const struct config_account *a, bool watch, bool quiet,
    atomic_int *stop)
{
	struct progress pr = {.account = a->name, .acct = a, .quiet = quiet};
	struct sync_opts o = {
		.progress = on_progress,
		.alert = on_alert,
		.before_round = before_round,
		.ctx = &pr,
		.disable_caps = cmd_disabled_caps(),
		.stop = stop,
	};
	struct cachet_err err = {0};
	struct sync_stats s;
	struct store *st = NULL;
	char *dir = store_account_dir(a->name);
	int64_t t0 = util_now_ms();
	int r;

	pr.tty = isatty(2);
	r = store_open(&st, dir, &err);
	free(dir);
	if (r == 0 && watch)
		r = sync_watch(a, st, &o, &err);
	else if (r == 0)
		r = sync_account(a, st, &o, &s, &err);
	store_close(st);
	if (pr.tty && !quiet)
		fputs("\r\033[K", stderr);
	if (r != 0) {
		fprintf(stderr, "cachet: sync %s: %s\n", a->name, err.msg);
		return r;
	}
	if (!quiet && !watch)
		fprintf(stderr, "%s: %u folders, %u new, %u expunged, "
		    "%u flags changed, %u bodies, %u queued changes sent%s "
		    "(%.2f s)\n", a->name, s.folders, s.added, s.expunged,
		    s.flags_changed, s.bodies, s.ops_replayed,
		    s.rebuilt ? ", folder rebuilt (UIDVALIDITY changed)" : "",
		    (double)(util_now_ms() - t0) / 1000.0);
	return 0;
}

int
cmd_sync(const char *config_path, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"watch", no_argument, NULL, 'w'},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	struct cachet_err err = {0};
	struct config cfg = {0};
	bool watch = false, quiet = false;
	atomic_int *stop;
	char *def = NULL;
	int ch, r, worst = 0;
	size_t i;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "wq", longopts, NULL)) != -1) {
		if (ch == 'w')
			watch = true;
		else if (ch == 'q')
			quiet = true;
		else
			return CMD_EXIT_USAGE;
	}
	if (config_path == NULL)
		config_path = def = config_default_path();
	r = config_load(&cfg, config_path, &err);
	free(def);
	if (r != 0) {
		fprintf(stderr, "cachet: %s\n", err.msg);
		return CMD_EXIT_USAGE;
	}
	for (i = optind; i < (size_t)argc; i++)
		if (config_account_find(&cfg, argv[i]) == NULL) {
			fprintf(stderr, "cachet: no account named %s\n",
			    argv[i]);
			config_release(&cfg);
			return CMD_EXIT_USAGE;
		}
	if (watch && cfg.naccounts > 1 && argc - optind != 1) {
		fputs("cachet: sync --watch takes one account\n", stderr);
		config_release(&cfg);
		return CMD_EXIT_USAGE;
	}
	stop = cmd_stop_flag();
	for (i = 0; i < cfg.naccounts && !*stop; i++) {
		const struct config_account *a = &cfg.accounts[i];
		int k, wanted = optind >= argc;

		for (k = optind; k < argc; k++)
			wanted |= strcmp(argv[k], a->name) == 0;
		if (!wanted)
			continue;
		r = cmd_exit_for(sync_one(a, watch, quiet, stop));
		if (r > worst)
			worst = r;
	}
	config_release(&cfg);
	return worst;
}
