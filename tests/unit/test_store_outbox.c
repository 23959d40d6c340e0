/*
 * Unit tests for the outbox (src/store/store_outbox.c): a queued message is
 * a durable file plus a row; only a claimed entry can be marked sent; a
 * second claim fails; a temporary failure re-queues, a permanent one holds
 * until retried; a claim left by a process that is gone is held with a
 * warning, never re-sent on its own. Each test has its own directory.
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
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"

struct fx {
	char dir[64];
	struct store *st;
};

static const char msg[] = "From: a@example.test\r\nTo: b@example.test\r\n"
    "Subject: hi\r\n\r\nbody\r\n";

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct cachet_err err = {0};

	assert_non_null(fx);
	strcpy(fx->dir, "/tmp/cachet-outbox-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(store_open(&fx->st, fx->dir, &err), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	store_close(fx->st);
	nftw(fx->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static int64_t
queue(struct fx *fx)
{
	char *rcpts[] = {"b@example.test", "c@example.test"};
	struct store_outbox m = {
		.env_from = "a@example.test",
		.rcpts = rcpts,
		.nrcpts = 2,
		.to = "b@example.test",
		.subject = "hi",
		.sent_folder = "Sent",
	};
	struct cachet_err err = {0};
	int64_t id = 0;

	assert_int_equal(store_outbox_add(fx->st, msg, strlen(msg), &m, &id,
	    &err), 0);
	assert_true(id > 0);
	return id;
}

static void
test_add_list_sent(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = {0};
	struct store_outbox *o = NULL;
	size_t n = 0, len = 0;
	char *data = NULL, *path;
	int64_t id = queue(fx);

	assert_int_equal(store_outbox_list(fx->st, &o, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(o[0].state, STORE_OUTBOX_QUEUED);
	assert_int_equal(o[0].nrcpts, 2);
	assert_string_equal(o[0].rcpts[1], "c@example.test");
	assert_string_equal(o[0].sent_folder, "Sent");
	assert_int_equal(util_read_file(o[0].path, &data, &len, &err), 0);
	assert_memory_equal(data, msg, strlen(msg));
	free(data);
	path = strdup(o[0].path);
	store_outbox_free(o, n);

	/* Not claimed: cannot be marked sent. */
	assert_int_not_equal(store_outbox_sent(fx->st, id, &err), 0);
	assert_int_equal(store_outbox_claim(fx->st, id, &err), 0);
	assert_int_equal(store_outbox_claim(fx->st, id, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_outbox_sent(fx->st, id, &err), 0);
	assert_int_equal(store_outbox_list(fx->st, &o, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_not_equal(access(path, F_OK), 0);
	free(path);
}

static void
test_fail_hold_retry(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = {0};
	struct store_outbox *o = NULL;
	size_t n = 0;
	int64_t id = queue(fx);

	assert_int_equal(store_outbox_claim(fx->st, id, &err), 0);
	assert_int_equal(store_outbox_failed(fx->st, id, false,
	    "connection refused", &err), 0);
	assert_int_equal(store_outbox_list(fx->st, &o, &n, &err), 0);
	assert_int_equal(o[0].state, STORE_OUTBOX_QUEUED);
	assert_int_equal(o[0].attempts, 1);
	assert_string_equal(o[0].last_error, "connection refused");
	store_outbox_free(o, n);

	assert_int_equal(store_outbox_claim(fx->st, id, &err), 0);
	assert_int_equal(store_outbox_failed(fx->st, id, true,
	    "550 no such user", &err), 0);
	/* Held: not claimable until the user retries. */
	assert_int_equal(store_outbox_claim(fx->st, id, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_outbox_retry(fx->st, id, &err), 0);
	assert_int_equal(store_outbox_retry(fx->st, id, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_outbox_claim(fx->st, id, &err), 0);
	/* Being sent: the user cannot delete it under the sender. */
	assert_int_not_equal(store_outbox_delete(fx->st, id, &err), 0);
	assert_int_equal(store_outbox_failed(fx->st, id, true, "x", &err), 0);
	assert_int_equal(store_outbox_delete(fx->st, id, &err), 0);
	assert_int_equal(store_outbox_list(fx->st, &o, &n, &err), 0);
	assert_int_equal(n, 0);
}

/* A process claims the entry and dies: the entry is held, not re-sent. */
static void
test_dead_claim_held(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = {0};
	struct store_outbox *o = NULL;
	size_t n = 0;
	int64_t id = queue(fx);
	pid_t pid;
	int status;

	store_close(fx->st);
	fx->st = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *st = NULL;

		if (store_open(&st, fx->dir, NULL) != 0 ||
		    store_outbox_claim(st, id, NULL) != 0)
			_exit(1);
		_exit(0);	/* "crashes" mid-send */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(store_open(&fx->st, fx->dir, &err), 0);
	assert_int_equal(store_outbox_list(fx->st, &o, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(o[0].state, STORE_OUTBOX_HELD);
	assert_non_null(strstr(o[0].last_error, "may have been delivered"));
	store_outbox_free(o, n);
	assert_int_equal(store_outbox_claim(fx->st, id, &err),
	    CACHET_E_NOTFOUND);
}

static void
test_bad_input(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = {0};
	char *bad[] = {"b@example.test\r\nRCPT TO:<x@evil>"};
	struct store_outbox m = {
		.env_from = "a@example.test",
		.rcpts = bad,
		.nrcpts = 1,
	};
	struct store_outbox *o = NULL;
	size_t n = 0;

	assert_int_equal(store_outbox_add(fx->st, msg, strlen(msg), &m, NULL,
	    &err), CACHET_E_INVAL);
	m.nrcpts = 0;
	assert_int_equal(store_outbox_add(fx->st, msg, strlen(msg), &m, NULL,
	    &err), CACHET_E_INVAL);
	assert_int_equal(store_outbox_list(fx->st, &o, &n, &err), 0);
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_list_sent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fail_hold_retry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dead_claim_held, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
