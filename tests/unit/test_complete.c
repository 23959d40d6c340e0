/*
 * Unit tests for address completion (src/cmd/cmd_complete.c and
 * src/store/store_addr.c): candidates from stored From/To/Cc lists (quoted
 * names with commas, most recent first, each address once, LIKE wildcards
 * taken literally), and from query_cmd, which gets what was typed as "$1"
 * and never as command text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "store/store.h"

struct fx {
	char dir[64];
	struct store *st;
	struct config cfg;
};

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
put(struct fx *fx, int64_t folder, uint32_t uid, const char *from,
    const char *to, const char *cc)
{
	struct store_msg m = {
		.folder_id = folder, .uid = uid, .date = 1700000000 + uid,
		.from = (char *)from, .to = (char *)to, .cc = (char *)cc,
	};

	assert_int_equal(store_msg_put(fx->st, &m, NULL, NULL), 0);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct cachet_err err = {0};
	char *cfgpath;
	FILE *f;
	int64_t inbox;

	assert_non_null(fx);
	strcpy(fx->dir, "/tmp/cachet-compl-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(store_open(&fx->st, fx->dir, &err), 0);
	assert_int_equal(store_folder_ensure(fx->st, "INBOX", '/', &inbox,
	    &err), 0);
	put(fx, inbox, 1, "Ada Lovelace <ada@example.org>",
	    "\"Babbage, Charles\" <cb@example.org>, me@example.org", NULL);
	put(fx, inbox, 2, "ADA <Ada@Example.org>", "me@example.org",
	    "Percent 100% <pct@example.org>");
	put(fx, inbox, 3, "Zed <zed@example.net>", "me@example.org", NULL);
	cfgpath = xasprintf("%s/config", fx->dir);
	f = fopen(cfgpath, "w");
	assert_non_null(f);
	fputs("[account a]\nimap_host = 127.0.0.1\nimap_user = u\n"
	    "query_cmd = printf '%s@book.test\\tFrom Book\\n'\n", f);
	fclose(f);
	assert_int_equal(config_load(&fx->cfg, cfgpath, &err), 0);
	free(cfgpath);
	cmd_set_config(&fx->cfg);
	setenv("GNUPGHOME", "/nonexistent/cachet-test", 1);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	cmd_set_config(NULL);
	config_release(&fx->cfg);
	store_close(fx->st);
	nftw(fx->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static void
free_all(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool
has(char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void
test_store_candidates(void **state)
{
	struct fx *fx = *state;
	char **v = NULL;
	size_t n = 0;

	assert_int_equal(cmd_complete_addresses("a", fx->st, "ada", 10, &v,
	    &n), 0);
	/* The most recent form of the address wins; once only. */
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "From Book <ada@book.test>");
	assert_string_equal(v[1], "ADA <Ada@Example.org>");
	free_all(v, n);

	assert_int_equal(cmd_complete_addresses("a", fx->st, "babbage", 10,
	    &v, &n), 0);
	assert_true(has(v, n, "Babbage, Charles <cb@example.org>"));
	free_all(v, n);

	/* % is a character here, not a wildcard. */
	assert_int_equal(cmd_complete_addresses("a", fx->st, "0%", 10, &v,
	    &n), 0);
	assert_true(has(v, n, "Percent 100% <pct@example.org>"));
	assert_false(has(v, n, "Zed <zed@example.net>"));
	free_all(v, n);
}

/* What was typed reaches query_cmd as data, never as shell text. */
static void
test_query_cmd_argument(void **state)
{
	struct fx *fx = *state;
	char **v = NULL, *mark = xasprintf("%s/pwned", fx->dir);
	char *typed = xasprintf("x$(touch %s)y", mark);
	size_t n = 0;

	assert_int_equal(cmd_complete_addresses("a", NULL, "zoe", 10, &v,
	    &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "From Book <zoe@book.test>");
	free_all(v, n);
	assert_int_equal(cmd_complete_addresses("a", NULL, typed, 10, &v,
	    &n), 0);
	assert_int_not_equal(access(mark, F_OK), 0);
	free_all(v, n);
	free(typed);
	free(mark);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_candidates, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_query_cmd_argument, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
