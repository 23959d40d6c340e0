/*
 * cmd_search_ui: the server search the UI starts. One search at a time
 * runs on a thread of its own with its own store connection, so that the
 * UI stays responsive while the server answers; the UI polls for the
 * result on its turns. Also the [ui] settings of the configuration in use
 * that the UI reads directly. The search thread touches only its own job
 * and, under the lock, the job's result; never the terminal.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "store/store.h"
#include "sync/sync.h"

/* How long closing the UI waits for a search still on the network. */
#define SEARCH_JOIN_SECONDS 2

struct search_job {
	pthread_t thread;
	char *account;
	char *folder;
	char *text;
	/* Under lock once the thread runs. */
	bool done;
	int rc;
	struct cachet_err err;
	int64_t *ids;
	size_t n;
	size_t unsynced;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct search_job *job;		/* the one running, or NULL */
static struct search_job *orphan;	/* left running when the UI closed */

static void
job_free(struct search_job *j)
{
	if (j == NULL)
		return;
	free(j->account);
	free(j->folder);
	free(j->text);
	free(j->ids);
	free(j);
}

static void *
search_main(void *arg)
{
	struct search_job *j = arg;
	const struct config *cfg = cmd_config();
	const struct config_account *a = cfg ? config_account_find(cfg,
	    j->account) : NULL;
	struct sync_opts o = {.disable_caps = cmd_disabled_caps()};
	struct cachet_err err = {0};
	struct store *st = NULL;
	int64_t *ids = NULL;
	size_t n = 0, unsynced = 0;
	char *dir = store_account_dir(j->account);
	int rc;

	if (a == NULL)
		rc = cachet_err(&err, CACHET_E_CONFIG, "no account %.64s",
		    j->account);
	else if ((rc = store_open(&st, dir, &err)) == 0)
		rc = sync_search_server(a, st, j->folder, j->text, &o, &ids,
		    &n, &unsynced, &err);
	store_close(st);
	free(dir);
	pthread_mutex_lock(&lock);
	j->rc = rc;
	j->err = err;
	j->ids = ids;
	j->n = rc == 0 ? n : 0;
	j->unsynced = rc == 0 ? unsynced : 0;
	j->done = true;
	pthread_mutex_unlock(&lock);
	return NULL;
}

int
cmd_ui_search_start(const char *account, const char *folder,
    const char *text, struct cachet_err *err)
{
	const struct config *cfg = cmd_config();
	struct search_job *j;

	if (cfg == NULL || config_account_find(cfg, account) == NULL)
		return cachet_err(err, CACHET_E_CONFIG,
		    "no server configured for this account");
	pthread_mutex_lock(&lock);
	if (job != NULL) {
		pthread_mutex_unlock(&lock);
		return cachet_err(err, CACHET_E_INVAL,
		    "a server search is running already");
	}
	j = xcalloc(1, sizeof(*j));
	j->account = xstrdup(account);
	j->folder = xstrdup(folder);
	j->text = xstrdup(text);
	if (pthread_create(&j->thread, NULL, search_main, j) != 0) {
		pthread_mutex_unlock(&lock);
		job_free(j);
		return cachet_err(err, CACHET_E_IO,
		    "cannot start the server search");
	}
	job = j;
	pthread_mutex_unlock(&lock);
	return 0;
}

bool
cmd_ui_search_running(void)
{
	bool running;

	pthread_mutex_lock(&lock);
	running = job != NULL;
	pthread_mutex_unlock(&lock);
	return running;
}

bool
cmd_ui_search_poll(struct cmd_ui_search_result *res)
{
	struct search_job *j;

	memset(res, 0, sizeof(*res));
	pthread_mutex_lock(&lock);
	j = job;
	if (j == NULL || !j->done) {
		pthread_mutex_unlock(&lock);
		return false;
	}
	job = NULL;
	pthread_mutex_unlock(&lock);
	pthread_join(j->thread, NULL);
	res->rc = j->rc;
	res->err = j->err;
	res->ids = j->ids;
	res->n = j->n;
	res->unsynced = j->unsynced;
	res->text = j->text;
	j->ids = NULL;
	j->text = NULL;
	job_free(j);
	return true;
}

void
cmd_ui_search_result_release(struct cmd_ui_search_result *res)
{
	free(res->ids);
	free(res->text);
	memset(res, 0, sizeof(*res));
}

void
cmd_ui_search_cancel(void)
{
	struct timespec deadline;
	struct search_job *j;

	pthread_mutex_lock(&lock);
	j = job;
	job = NULL;
	pthread_mutex_unlock(&lock);
	if (j == NULL)
		return;
	/*
	 * A search blocked on the network may take up to the account's
	 * timeout; the UI does not wait that long. A thread left behind
	 * keeps its job (and ends with the process), still reachable.
	 */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += SEARCH_JOIN_SECONDS;
	if (pthread_timedjoin_np(j->thread, NULL, &deadline) == 0)
		job_free(j);
	else if (pthread_detach(j->thread) == 0)
		orphan = j;
}

bool
cmd_ui_thread_subjects(void)
{
	const struct config *cfg = cmd_config();

	return cfg != NULL && cfg->ui.thread_subjects;
}
