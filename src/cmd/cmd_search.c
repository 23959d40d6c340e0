/*
 * cmd_search: `cachet search [--server] [--account NAME] [--folder NAME]
 * QUERY...`: the local full-text index (FTS5 syntax; every folder unless
 * --folder), or with --server the server's own search of one folder
 * (default INBOX), which also sees bodies not fetched. One line per
 * match: store id, date, from, subject, folder, all sanitised. Exit 0
 * with matches, 1 without, 2 for bad usage, 75 server unreachable. Runs
 * on the main thread.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "store/store.h"
#include "sync/sync.h"

struct search_opts {
	bool server;
	const char *account;
	const char *folder;
	char *query;
};

static char *
clean(const char *s)
{
	return util_sanitize(s ? s : "", s ? strlen(s) : 0, false, false);
}

static void
print_match(struct store *st, int64_t id)
{
	struct store_msg m = {0};
	struct store_folder f = {0};
	char when[32] = "", *from, *subj, *fname;
	time_t t;
	struct tm tm;

	if (store_msg_get(st, id, &m, NULL) != 0)
		return;
	t = (time_t)m.date;
	if (localtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	store_folder_get_id(st, m.folder_id, &f, NULL);
	from = clean(m.from);
	subj = clean(m.subject);
	fname = clean(f.name);
	printf("%lld\t%s\t%s\t%s\t%s\n", (long long)id, when, from, subj,
	    fname);
	free(from);
	free(subj);
	free(fname);
	store_folder_release(&f);
	store_msg_release(&m);
}

static int
parse(int argc, char **argv, struct search_opts *o)
{
	static const struct option longopts[] = {
		{"server", no_argument, NULL, 's'},
		{"account", required_argument, NULL, 'a'},
		{"folder", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	struct buf q = BUF_INIT;
	int ch, i;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "a:f:", longopts, NULL)) != -1) {
		if (ch == 's')
			o->server = true;
		else if (ch == 'a')
			o->account = optarg;
		else if (ch == 'f')
			o->folder = optarg;
		else
			return CMD_EXIT_USAGE;
	}
	for (i = optind; i < argc; i++) {
		if (q.len > 0)
			buf_addc(&q, ' ');
		buf_adds(&q, argv[i]);
	}
	if (q.len == 0) {
		fputs("cachet: search needs a query\n", stderr);
		return CMD_EXIT_USAGE;
	}
	o->query = buf_detach(&q, NULL);
	return 0;
}

static int
run(const struct search_opts *so, const struct config_account *a,
    struct store *st, size_t *found)
{
	struct cachet_err err = {0};
	struct store_folder f = {0};
	struct sync_opts o = {.disable_caps = cmd_disabled_caps()};
	int64_t *ids = NULL, fid = 0;
	size_t n = 0, unsynced = 0, i;
	int r = 0;

	if (so->server) {
		r = sync_search_server(a, st, so->folder ? so->folder :
		    "INBOX", so->query, &o, &ids, &n, &unsynced, &err);
	} else {
		if (so->folder != NULL &&
		    (r = store_folder_get(st, so->folder, &f, &err)) == 0)
			fid = f.id;
		if (r == 0)
			r = store_search(st, fid, so->query, &ids, &n, &err);
	}
	store_folder_release(&f);
	if (r != 0) {
		fprintf(stderr, "cachet: search: %s\n", err.msg);
		return r == CACHET_E_INVAL ? CMD_EXIT_USAGE : cmd_exit_for(r);
	}
	for (i = 0; i < n; i++)
		print_match(st, ids[i]);
	if (unsynced > 0)
		fprintf(stderr, "cachet: search: %zu more on the server, not "
		    "synced yet\n", unsynced);
	free(ids);
	*found = n;
	return 0;
}

int
cmd_search(int argc, char **argv, const char *config_path)
{
	struct search_opts so = {0};
	struct config cfg = {0};
	struct cachet_err err = {0};
	const struct config_account *a;
	struct store *st = NULL;
	size_t found = 0;
	char *dir;
	int r;

	if ((r = parse(argc, argv, &so)) != 0)
		return r;
	if ((r = cmd_load_config(config_path, &cfg)) != 0) {
		free(so.query);
		return r;
	}
	a = so.account ? config_account_find(&cfg, so.account) :
	    &cfg.accounts[0];
	if (a == NULL) {
		fprintf(stderr, "cachet: no account named %s\n", so.account);
		r = CMD_EXIT_USAGE;
		goto out;
	}
	dir = store_account_dir(a->name);
	r = store_open(&st, dir, &err);
	free(dir);
	if (r != 0) {
		fprintf(stderr, "cachet: %s\n", err.msg);
		r = CMD_EXIT_FAIL;
		goto out;
	}
	r = run(&so, a, st, &found);
	if (r == 0 && found == 0)
		r = CMD_EXIT_FAIL;
out:
	store_close(st);
	config_release(&cfg);
	free(so.query);
	return r;
}
