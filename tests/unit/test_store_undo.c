/*
 * Unit tests for store_op_cancel (src/store/store_undo.c): a pending
 * delete or move taken back shows the message again and leaves no
 * operation; one already replayed cannot be; a message hidden by two
 * operations stays hidden until both are gone. Each test works in its own
 * directory under /tmp, removed afterwards.
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

#include "store/store.h"

struct fx {
	char dir[64];
	struct store *st;
	int64_t inbox;
	int64_t archive;
};

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
put_msg(struct fx *fx, uint32_t uid)
{
	struct cachet_err err = {0};
	char subj[32];
	struct store_msg m = {
		.folder_id = fx->inbox,
		.uid = uid,
		.date = 1700000000 + uid,
		.size = 100,
		.subject = subj,
	};

	snprintf(subj, sizeof(subj), "message %u", uid);
	assert_int_equal(store_msg_put(fx->st, &m, NULL, &err), 0);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct cachet_err err = {0};

	assert_non_null(fx);
	strcpy(fx->dir, "/tmp/cachet-undo-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(store_open(&fx->st, fx->dir, &err), 0);
	assert_int_equal(store_folder_ensure(fx->st, "INBOX", '/', &fx->inbox,
	    &err), 0);
	assert_int_equal(store_folder_ensure(fx->st, "Archive", '/',
	    &fx->archive, &err), 0);
	put_msg(fx, 1);
	put_msg(fx, 2);
	put_msg(fx, 3);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	store_close(fx->st);
	nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static uint32_t
visible(struct fx *fx)
{
	struct cachet_err err = {0};
	uint32_t total = 0, unread = 0;

	assert_int_equal(store_msg_count(fx->st, fx->inbox, &total, &unread,
	    &err), 0);
	return total;
}

static size_t
pending(struct fx *fx)
{
	struct cachet_err err = {0};
	struct store_op *ops = NULL;
	size_t n = 0;

	assert_int_equal(store_op_list(fx->st, 0, &ops, &n, &err), 0);
	store_ops_free(ops, n);
	return n;
}

static int64_t
queue(struct fx *fx, enum store_op_kind kind, uint32_t uid, const char *dest)
{
	struct cachet_err err = {0};
	struct store_op op = {
		.kind = kind,
		.folder_id = fx->inbox,
		.uid = uid,
		.dest = (char *)dest,
	};
	int64_t id = 0;

	assert_int_equal(store_op_add(fx->st, &op, &id, &err), 0);
	assert_true(id > 0);
	return id;
}

static void
test_cancel_delete(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = {0};
	int64_t id;

	id = queue(fx, STORE_OP_DELETE, 2, NULL);
	assert_int_equal(visible(fx), 2);
	assert_int_equal(store_op_cancel(fx->st, id, &err), 0);
	assert_int_equal(visible(fx), 3);
	assert_int_equal(pending(fx), 0);
	/* A second undo finds nothing pending. */
	assert_int_equal(store_op_cancel(fx->st, id, &err), CACHET_E_NOTFOUND);
}

static void
test_cancel_move_and_copy(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = {0};
	int64_t mv, cp;

	mv = queue(fx, STORE_OP_MOVE, 1, "Archive");
	cp = queue(fx, STORE_OP_COPY, 3, "Archive");
	assert_int_equal(visible(fx), 2);
	assert_int_equal(store_op_cancel(fx->st, cp, &err), 0);
	assert_int_equal(visible(fx), 2);
	assert_int_equal(pending(fx), 1);
	assert_int_equal(store_op_cancel(fx->st, mv, &err), 0);
	assert_int_equal(visible(fx), 3);
	assert_int_equal(pending(fx), 0);
}

static void
test_cancel_after_sync(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = {0};
	int64_t id;

	id = queue(fx, STORE_OP_DELETE, 3, NULL);
	/* Sync replayed it. */
	assert_int_equal(store_op_done(fx->st, id, &err), 0);
	assert_int_equal(store_op_cancel(fx->st, id, &err), CACHET_E_NOTFOUND);
	assert_int_equal(visible(fx), 2);
}

static void
test_cancel_twice_hidden(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = {0};
	int64_t del;

	/* Hide it once; a second op on a hidden row is still queued. */
	del = queue(fx, STORE_OP_DELETE, 2, NULL);
	queue(fx, STORE_OP_MOVE, 2, "Archive");
	assert_int_equal(store_op_cancel(fx->st, del, &err), 0);
	/* The move still hides it. */
	assert_int_equal(visible(fx), 2);
	assert_int_equal(pending(fx), 1);
}

static void
test_cancel_refuses_flags(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = {0};
	struct store_op op = {
		.kind = STORE_OP_FLAGS,
		.folder_id = fx->inbox,
		.uid = 1,
		.flags_add = STORE_F_SEEN,
	};
	int64_t id = 0;

	assert_int_equal(store_op_add(fx->st, &op, &id, &err), 0);
	assert_int_equal(store_op_cancel(fx->st, id, &err), CACHET_E_INVAL);
	assert_int_equal(pending(fx), 1);
	assert_int_equal(store_op_cancel(fx->st, 999, &err),
	    CACHET_E_NOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cancel_delete, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cancel_move_and_copy,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_after_sync, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cancel_twice_hidden,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_refuses_flags,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
