/*
 * Unit tests for small helpers of src/util: the text progress bar the
 * status line shows while syncing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "util/util.h"

static void
test_progress_bar(void **state)
{
	char buf[16];

	util_progress_bar(buf, sizeof(buf), 0, 1000, 10);
	assert_string_equal(buf, "[----------]");
	util_progress_bar(buf, sizeof(buf), 500, 1000, 10);
	assert_string_equal(buf, "[#####-----]");
	util_progress_bar(buf, sizeof(buf), 999, 1000, 10);
	assert_string_equal(buf, "[#########-]");
	util_progress_bar(buf, sizeof(buf), 1000, 1000, 10);
	assert_string_equal(buf, "[##########]");
	/* More done than total (a count that grew): full, not beyond. */
	util_progress_bar(buf, sizeof(buf), 5000, 1000, 10);
	assert_string_equal(buf, "[##########]");
	/* Huge counts do not overflow. */
	util_progress_bar(buf, sizeof(buf), 4000000000u, 4294967295u, 10);
	assert_string_equal(buf, "[#########-]");
	/* Nothing to show, or no room: empty. */
	util_progress_bar(buf, sizeof(buf), 1, 0, 10);
	assert_string_equal(buf, "");
	util_progress_bar(buf, 12, 1, 2, 10);
	assert_string_equal(buf, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress_bar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
