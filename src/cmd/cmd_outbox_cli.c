/*
 * cmd_outbox_cli: `cachet outbox [--account NAME] [list | send | retry ID |
 * delete ID]`: what waits to be sent and why, and the user's decisions
 * about held messages. Runs on the main thread.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "store/store.h"

static char *
clean(const char *s)
{
	return util_sanitize(s ? s : "", s ? strlen(s) : 0, false, false);
}

static void
print_entry(const struct store_outbox *o)
{
	char when[32] = "";
	struct tm tm;
	time_t t = (time_t)o->created;
	char *to = clean(o->to);
	char *subj = clean(o->subject);

	if (localtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	printf("%lld\t%s\t%s\tto %s\t%s\n", (long long)o->id,
	    store_outbox_state_name(o->state), when, to, subj);
	if (o->last_error != NULL) {
		char *e = clean(o->last_error);

		printf("\tattempts %d: %s\n", o->attempts, e);
		free(e);
	}
	free(to);
	free(subj);
}

static int
list(struct store *st)
{
	struct cachet_err err = {0};
	struct store_outbox *o = NULL;
	size_t n = 0, i;

	if (store_outbox_list(st, &o, &n, &err) != 0) {
		fprintf(stderr, "cachet: outbox: %s\n", err.msg);
		return CMD_EXIT_FAIL;
	}
	for (i = 0; i < n; i++)
		print_entry(&o[i]);
	if (n == 0)
		puts("outbox empty");
	store_outbox_free(o, n);
	return CMD_EXIT_OK;
}

static int
flush(struct store *st, const struct config_account *a)
{
	struct cmd_outbox_result res;
	struct cachet_err err = {0};
	int r = cmd_outbox_flush(st, a, 0, &res, &err);

	printf("%u sent, %u waiting, %u held\n", res.sent, res.waiting,
	    res.held);
	if (r != 0)
		fprintf(stderr, "cachet: outbox: %s\n", err.msg);
	if (r != 0 && res.temporary)
		return CMD_EXIT_TEMPFAIL;
	return r != 0 ? CMD_EXIT_FAIL : CMD_EXIT_OK;
}

static int
act(struct store *st, const char *verb, const char *arg)
{
	struct cachet_err err = {0};
	char *end = NULL;
	long long id = arg ? strtoll(arg, &end, 10) : 0;
	int r;

	if (arg == NULL || *end != '\0' || id <= 0) {
		fprintf(stderr, "cachet: outbox %s needs a message number\n",
		    verb);
		return CMD_EXIT_USAGE;
	}
	if (strcmp(verb, "retry") == 0)
		r = store_outbox_retry(st, id, &err);
	else
		r = store_outbox_delete(st, id, &err);
	if (r != 0) {
		fprintf(stderr, "cachet: outbox: %s\n", err.msg);
		return CMD_EXIT_FAIL;
	}
	return CMD_EXIT_OK;
}

int
cmd_outbox(int argc, char **argv, const char *config_path)
{
	static const struct option longopts[] = {
		{"account", required_argument, NULL, 'a'},
		{NULL, 0, NULL, 0},
	};
	struct cachet_err err = {0};
	struct config cfg = {0};
	const struct config_account *a;
	const char *only = NULL, *verb;
	struct store *st = NULL;
	char *dir;
	int ch, r;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "a:", longopts, NULL)) != -1) {
		if (ch != 'a')
			return CMD_EXIT_USAGE;
		only = optarg;
	}
	verb = optind < argc ? argv[optind] : "list";
	if ((r = cmd_load_config(config_path, &cfg)) != 0)
		return r;
	a = only ? config_account_find(&cfg, only) : &cfg.accounts[0];
	if (a == NULL) {
		fprintf(stderr, "cachet: no account named %s\n", only);
		config_release(&cfg);
		return CMD_EXIT_USAGE;
	}
	dir = store_account_dir(a->name);
	r = store_open(&st, dir, &err);
	free(dir);
	if (r != 0) {
		fprintf(stderr, "cachet: %s\n", err.msg);
		r = CMD_EXIT_FAIL;
	} else if (strcmp(verb, "list") == 0) {
		r = list(st);
	} else if (strcmp(verb, "send") == 0) {
		r = flush(st, a);
	} else if (strcmp(verb, "retry") == 0 || strcmp(verb, "delete") == 0) {
		r = act(st, verb, optind + 1 < argc ? argv[optind + 1] : NULL);
	} else {
		fprintf(stderr, "cachet: outbox: unknown action '%s'\n", verb);
		r = CMD_EXIT_USAGE;
	}
	store_close(st);
	config_release(&cfg);
	return r;
}
