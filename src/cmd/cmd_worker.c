/*
 * cmd_worker: one background sync thread per account while the UI runs,
 * each with its own store connection, so the UI never waits on the
 * network. Workers report through a mutex-protected status line that the
 * UI reads; they never touch the terminal.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "store/store.h"
#include "sync/sync.h"

#define MAX_WORKERS 16

struct worker {
	pthread_t thread;
	const struct config_account *acct;
	bool running;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct worker workers[MAX_WORKERS];
static size_t nworkers;
static char status[256];
static unsigned generation;
static atomic_int stop;

static void
set_status(const char *account, const char *text)
{
	pthread_mutex_lock(&lock);
	snprintf(status, sizeof(status), "%.40s: %.200s", account, text);
	generation++;
	pthread_mutex_unlock(&lock);
}

static void
on_progress(void *ctx, const struct sync_progress *p)
{
	const struct config_account *a = ctx;
	char text[180], bar[16];

	if (strcmp(p->phase, "idle") == 0) {
		snprintf(text, sizeof(text), "up to date");
	} else if (p->total) {
		util_progress_bar(bar, sizeof(bar), p->done, p->total, 10);
		snprintf(text, sizeof(text), "syncing %.80s %.20s %s %u/%u",
		    p->folder ? p->folder : "", p->phase, bar, p->done,
		    p->total);
	} else {
		snprintf(text, sizeof(text), "syncing %.80s %.20s",
		    p->folder ? p->folder : "", p->phase);
	}
	set_status(a->name, text);
}

static void
on_alert(void *ctx, const char *text)
{
	const struct config_account *a = ctx;

	set_status(a->name, text);
}

static void
before_round(void *ctx, struct store *st)
{
	const struct config_account *a = ctx;
	char line[512];

	cmd_outbox_round(st, a, line, sizeof(line));
	if (line[0] != '\0')
		set_status(a->name, line);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct sync_opts o = {
		.progress = on_progress,
		.alert = on_alert,
		.before_round = before_round,
		.ctx = (void *)w->acct,
		.disable_caps = cmd_disabled_caps(),
		.stop = &stop,
	};
	struct cachet_err err = {0};
	struct store *st = NULL;
	char *dir = store_account_dir(w->acct->name);

	if (store_open(&st, dir, &err) == 0 &&
	    sync_watch(w->acct, st, &o, &err) == 0)
		set_status(w->acct->name, "stopped");
	else
		set_status(w->acct->name, err.msg);
	store_close(st);
	free(dir);
	return NULL;
}

static void
on_wake(int sig)
{
}

void
cmd_workers_start(const struct config *cfg, const char *only)
{
	struct sigaction sa = {0};
	size_t i;

	sa.sa_handler = on_wake;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: ends waits */
	stop = 0;
	for (i = 0; i < cfg->naccounts && nworkers < MAX_WORKERS; i++) {
		struct worker *w = &workers[nworkers];

		if (only && strcmp(only, cfg->accounts[i].name) != 0)
			continue;
		w->acct = &cfg->accounts[i];
		if (pthread_create(&w->thread, NULL, worker_main, w) == 0) {
			w->running = true;
			nworkers++;
		}
	}
}

/* Outbox submissions the UI started (cmd_ui_outbox_kick). */
#define MAX_KICKS 8

struct kick {
	pthread_t thread;
	char account[128];
	bool used;
};

static struct kick kicks[MAX_KICKS];

static void *
kick_main(void *arg)
{
	struct kick *k = arg;
	const struct config *cfg = cmd_config();
	const struct config_account *a = cfg ? config_account_find(cfg,
	    k->account) : NULL;
	struct cachet_err err = {0};
	struct store *st = NULL;
	char *dir = store_account_dir(k->account), line[512];

	if (a != NULL && store_open(&st, dir, &err) == 0) {
		cmd_outbox_round(st, a, line, sizeof(line));
		set_status(a->name, line[0] ? line : "outbox empty");
	} else if (a != NULL) {
		set_status(a->name, err.msg);
	}
	store_close(st);
	free(dir);
	return NULL;
}

void
cmd_ui_outbox_kick(const char *account)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < MAX_KICKS; i++) {
		if (!kicks[i].used)
			continue;
		/* Reap the ones that are done. */
		if (pthread_tryjoin_np(kicks[i].thread, NULL) == 0)
			kicks[i].used = false;
	}
	for (i = 0; i < MAX_KICKS && kicks[i].used; i++)
		;
	if (i < MAX_KICKS) {
		snprintf(kicks[i].account, sizeof(kicks[i].account), "%s",
		    account);
		kicks[i].used = pthread_create(&kicks[i].thread, NULL,
		    kick_main, &kicks[i]) == 0;
	}
	pthread_mutex_unlock(&lock);
}

/* Let submissions in progress finish (each is bounded by its timeout). */
static void
kicks_stop(void)
{
	struct timespec deadline;
	size_t i;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 30;
	for (i = 0; i < MAX_KICKS; i++) {
		if (!kicks[i].used)
			continue;
		if (pthread_timedjoin_np(kicks[i].thread, NULL,
		    &deadline) != 0)
			pthread_detach(kicks[i].thread);
		kicks[i].used = false;
	}
}

void
cmd_workers_stop(void)
{
	size_t i;

	kicks_stop();
	stop = 1;
	for (i = 0; i < nworkers; i++) {
		/* Wake a worker blocked in IDLE's poll. */
		struct timespec deadline;

		pthread_kill(workers[i].thread, SIGUSR1);
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += 2;
		/*
		 * A worker in the middle of a network read may take up to its
		 * timeout to notice; do not keep the user waiting for it. The
		 * store is transactional, so ending the process mid-batch
		 * loses nothing.
		 */
		if (pthread_timedjoin_np(workers[i].thread, NULL,
		    &deadline) != 0)
			pthread_detach(workers[i].thread);
		workers[i].running = false;
	}
	nworkers = 0;
}

bool
cmd_sync_status(char *buf, size_t len, unsigned *gen)
{
	bool any;

	pthread_mutex_lock(&lock);
	any = nworkers > 0;
	snprintf(buf, len, "%s", status);
	if (gen)
		*gen = generation;
	pthread_mutex_unlock(&lock);
	return any;
}
