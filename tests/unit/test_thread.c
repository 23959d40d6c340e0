/*
 * Unit tests for src/model threading: parents from References and
 * In-Reply-To, missing parents, sibling and thread order, duplicates,
 * self-references and cycles, huge reference lists, the subject option,
 * collapse and expand, tree prefixes, input order, and a timing of
 * 100,000 messages (printed, not asserted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/model.h"
#include "util/util.h"

#define M(i, d, mid, irt, refs, subj) \
	{.id = (i), .date = (d), .message_id = (mid), .in_reply_to = (irt), \
	    .references = (refs), .subject = (subj)}

/* "id:depth" of every visible row, space-separated. */
static char *
shape(const struct model_thread *t)
{
	struct buf b;
	const struct model_thread_row *r;
	size_t v;

	buf_init(&b);
	for (v = 0; (r = model_thread_visible(t, v)) != NULL; v++)
		buf_addf(&b, "%s%lld:%u", v ? " " : "", (long long)r->id,
		    (unsigned)r->depth);
	buf_addc(&b, '\0');
	return buf_detach(&b, NULL);
}

static void
check(const struct model_thread_in *in, size_t n, unsigned opts,
    const char *want)
{
	struct model_thread t;
	char *s;

	model_thread_build(&t, in, n, opts);
	s = shape(&t);
	assert_string_equal(s, want);
	free(s);
	model_thread_release(&t);
}

static void
test_empty(void **state)
{
	struct model_thread t;

	model_thread_build(&t, NULL, 0, 0);
	assert_int_equal(t.n, 0);
	assert_null(model_thread_visible(&t, 0));
	assert_int_equal(model_thread_toggle(&t, 0), -1);
	assert_int_equal(model_thread_find(&t, 1), -1);
	model_thread_release(&t);
	model_thread_release(NULL);
}

static void
test_basic(void **state)
{
	/* Out of order on input; an unrelated newer message first. */
	const struct model_thread_in in[] = {
		M(3, 30, "c@x", "b@x", "<a@x> <b@x>", "Re: hi"),
		M(1, 10, "<a@x>", NULL, NULL, "hi"),
		M(9, 90, "z@x", NULL, NULL, "other"),
		M(2, 20, "b@x", "a@x", "a@x", "Re: hi"),
		M(4, 25, "d@x", "a@x", NULL, "Re: hi"),
	};

	check(in, 5, 0, "9:0 1:0 2:1 3:2 4:1");
	check(in, 5, MODEL_THREAD_OLDEST_FIRST, "1:0 2:1 3:2 4:1 9:0");
}

static void
test_missing_parent(void **state)
{
	/* Two replies to a message not in the folder: the first adopts. */
	const struct model_thread_in in[] = {
		M(1, 10, "r1@x", NULL, "gone@x", "Re: q"),
		M(2, 20, "r2@x", NULL, "gone@x", "Re: q"),
		M(3, 30, "r3@x", NULL, "gone@x r2@x", "Re: q"),
		/* One reply under a missing parent is simply a root. */
		M(4, 5, "s@x", NULL, "lost@x", "x"),
	};

	check(in, 4, 0, "1:0 2:1 3:2 4:0");
}

static void
test_hostile(void **state)
{
	char *refs;
	struct buf b;
	size_t i;
	struct model_thread_in in[] = {
		M(1, 10, "a@x", NULL, "a@x", "self"),
		M(2, 20, "b@x", NULL, "c@x", "cycle b"),
		M(3, 30, "c@x", NULL, "b@x", "cycle c"),
		M(4, 40, "a@x", NULL, NULL, "dup of a"),
		M(5, 50, NULL, NULL, NULL, NULL),
		M(6, 60, "", "", "", ""),
		M(7, 70, "h@x", NULL, NULL, "huge"),
	};

	buf_init(&b);
	for (i = 0; i < 10000; i++)
		buf_addf(&b, "<r%zu@x> ", i);
	buf_adds(&b, "a@x");
	buf_addc(&b, '\0');
	refs = buf_detach(&b, NULL);
	in[6].references = refs;
	/* Every message appears exactly once, whatever the structure. */
	{
		struct model_thread t;
		bool seen[8] = {false};
		const struct model_thread_row *r;

		model_thread_build(&t, in, 7, 0);
		assert_int_equal(t.n, 7);
		for (i = 0; (r = model_thread_visible(&t, i)) != NULL; i++) {
			assert_false(seen[r->id]);
			seen[r->id] = true;
		}
		assert_int_equal(i, 7);
		/* The huge list still ends in a@x: 7 hangs under 1. */
		i = (size_t)model_thread_find_row(&t, 7);
		assert_int_equal(t.rows[t.rows[i].parent].id, 1);
		model_thread_release(&t);
	}
	free(refs);
}

static void
test_subject(void **state)
{
	const struct model_thread_in in[] = {
		M(1, 10, "a@x", NULL, NULL, "Plans"),
		M(2, 20, "b@x", NULL, NULL, "Re: Re[2]: Plans"),
		M(3, 30, "c@x", NULL, NULL, "fwd: plans"),
	};

	check(in, 3, 0, "3:0 2:0 1:0");
	check(in, 3, MODEL_THREAD_SUBJECT, "3:0 1:0 2:1");
}

/*
 * Subject fallback (the [ui] thread_subjects option): off, messages with
 * the same subject and no references stay apart; on, they are grouped
 * under the earliest, list tags and Aw:/Fwd: prefixes aside, while
 * messages that thread by References keep their place.
 */
static void
test_subject_fallback(void **state)
{
	const struct model_thread_in in[] = {
		M(1, 10, "a@x", NULL, NULL, "[dev] Release"),
		M(2, 20, "b@x", NULL, NULL, "Aw: [dev] Release"),
		M(3, 30, "c@x", NULL, NULL, "Re: [dev] Re: Release"),
		M(4, 40, "d@x", NULL, "<b@x>", "something else"),
		M(5, 50, "e@x", NULL, NULL, "Other"),
		M(6, 60, "f@x", NULL, NULL, "[dev]"),
		M(7, 70, "g@x", NULL, NULL, "[dev]"),
	};

	check(in, 7, 0, "7:0 6:0 5:0 2:0 4:1 3:0 1:0");
	check(in, 7, MODEL_THREAD_SUBJECT, "6:0 7:1 5:0 1:0 2:1 4:2 3:1");
}

static void
test_collapse_prefix(void **state)
{
	const struct model_thread_in in[] = {
		M(1, 10, "a@x", NULL, NULL, "t"),
		M(2, 20, "b@x", NULL, "a@x", "t"),
		M(3, 30, "c@x", NULL, "a@x b@x", "t"),
		M(4, 40, "d@x", NULL, "a@x", "t"),
		M(5, 5, "e@x", NULL, NULL, "u"),
	};
	struct model_thread t;
	char buf[MODEL_THREAD_PREFIX_MAX], *s;

	model_thread_build(&t, in, 5, 0);
	assert_string_equal(model_thread_prefix(&t, 0, buf), "");
	assert_string_equal(model_thread_prefix(&t, 1, buf),
	    "\u251c\u2500>");
	assert_string_equal(model_thread_prefix(&t, 2, buf),
	    "\u2502 \u2514\u2500>");
	assert_string_equal(model_thread_prefix(&t, 3, buf),
	    "\u2514\u2500>");
	assert_int_equal(t.rows[0].size, 4);
	/* Collapsing from a reply collapses its thread, at the root. */
	assert_int_equal(model_thread_toggle(&t, 2), 0);
	s = shape(&t);
	assert_string_equal(s, "1:0 5:0");
	free(s);
	assert_true(model_thread_any_collapsed(&t));
	assert_int_equal(model_thread_find(&t, 3), -1);
	assert_int_equal(model_thread_find(&t, 5), 1);
	/* A one-message thread does not collapse. */
	assert_int_equal(model_thread_toggle(&t, 1), 1);
	assert_int_equal(model_thread_toggle(&t, 0), 0);
	assert_int_equal(t.nvis, 5);
	model_thread_collapse_all(&t, true);
	assert_int_equal(t.nvis, 2);
	model_thread_collapse_all(&t, false);
	assert_int_equal(t.nvis, 5);
	assert_false(model_thread_any_collapsed(&t));
	model_thread_release(&t);
}

static void
test_deep_chain(void **state)
{
	/* A reply chain 50,000 deep, newest first on input. */
	size_t n = 50000, i;
	struct model_thread_in *in = calloc(n, sizeof(*in));
	char (*ids)[24] = calloc(n, sizeof(*ids));
	struct model_thread t;
	char buf[MODEL_THREAD_PREFIX_MAX];

	for (i = 0; i < n; i++)
		snprintf(ids[i], sizeof(ids[i]), "m%zu@x", i);
	for (i = 0; i < n; i++) {
		in[i].id = (int64_t)(n - i);
		in[i].date = (int64_t)(n - i);
		in[i].message_id = ids[n - 1 - i];
		in[i].in_reply_to = i + 1 < n ? ids[n - 2 - i] : NULL;
	}
	model_thread_build(&t, in, n, 0);
	assert_int_equal(t.n, n);
	assert_int_equal(t.rows[0].size, n);
	assert_int_equal(t.rows[n - 1].depth, n - 1);
	assert_true(strlen(model_thread_prefix(&t, n - 1, buf)) <
	    MODEL_THREAD_PREFIX_MAX);
	model_thread_release(&t);
	free(in);
	free(ids);
}

/*
 * The same messages in date order (as the store hands them over) or
 * shuffled give the same threads; References longer than the ids kept,
 * over more messages than are parsed in one go, still find the parent.
 */
#define ORDER_N 700
#define ORDER_CHAIN 200

static char *
order_shape(const struct model_thread_in *in, size_t n)
{
	struct model_thread t;
	char *s;

	model_thread_build(&t, in, n, 0);
	assert_int_equal(t.n, n);
	s = shape(&t);
	model_thread_release(&t);
	return s;
}

static void
test_input_order(void **state)
{
	struct model_thread_in *in = xcalloc(ORDER_N, sizeof(*in));
	struct model_thread_in *sh = xcalloc(ORDER_N, sizeof(*sh));
	char (*mid)[32] = xcalloc(ORDER_N, sizeof(*mid));
	char **refs = xcalloc(ORDER_N, sizeof(*refs));
	char *sorted, *shuffled;
	struct buf b;
	size_t i, j;

	for (i = 0; i < ORDER_N; i++) {
		snprintf(mid[i], sizeof(mid[i]), "<c%zu@order.test>", i);
		buf_init(&b);
		/* Every earlier message of the chain, up to 199 ids. */
		for (j = i - i % ORDER_CHAIN; j < i; j++)
			buf_addf(&b, "%s%s", j > i - i % ORDER_CHAIN ? " " :
			    "", mid[j]);
		buf_addc(&b, '\0');
		refs[i] = buf_detach(&b, NULL);
		in[i].id = (int64_t)i + 1;
		in[i].date = 1000 + (int64_t)i;
		in[i].message_id = mid[i];
		in[i].references = refs[i];
	}
	/* 7919 is prime to ORDER_N: a permutation. */
	for (i = 0; i < ORDER_N; i++)
		sh[i] = in[(i * 7919) % ORDER_N];
	sorted = order_shape(in, ORDER_N);
	shuffled = order_shape(sh, ORDER_N);
	assert_string_equal(sorted, shuffled);
	/* The newest chain first, each message under the one before. */
	assert_memory_equal(sorted, "601:0 602:1 603:2 604:3", 23);
	assert_non_null(strstr(sorted, " 700:99 401:0 "));
	assert_non_null(strstr(sorted, " 400:199 1:0 "));
	free(sorted);
	free(shuffled);
	for (i = 0; i < ORDER_N; i++)
		free(refs[i]);
	free(refs);
	free(mid);
	free(sh);
	free(in);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
test_bench_100k(void **state)
{
	size_t n = 100000, i, p;
	struct model_thread_in *in = calloc(n, sizeof(*in));
	char (*mid)[32] = calloc(n, sizeof(*mid));
	char (*refs)[128] = calloc(n, sizeof(*refs));
	struct model_thread t;
	double t0, t1;
	unsigned seed = 1;

	/* Threads of about ten: every message replies to one of the last ten. */
	for (i = 0; i < n; i++) {
		snprintf(mid[i], sizeof(mid[i]), "<msg%zu@bench.test>", i);
		in[i].id = (int64_t)i + 1;
		in[i].date = 1700000000 + (int64_t)i * 60;
		in[i].message_id = mid[i];
		in[i].subject = "bench";
		seed = seed * 1103515245 + 12345;
		if (i % 10 != 0) {
			p = i - 1 - (seed >> 16) % (i % 10);
			snprintf(refs[i], sizeof(refs[i]), "%s %s",
			    mid[i - i % 10], mid[p]);
			in[i].references = refs[i];
		}
	}
	t0 = now_ms();
	model_thread_build(&t, in, n, 0);
	t1 = now_ms();
	printf("thread: %zu messages threaded in %.1f ms (%zu rows,"
	    " %zu bytes of rows)\n", n, t1 - t0, t.n,
	    t.n * sizeof(*t.rows));
	assert_int_equal(t.n, n);
	assert_int_equal(t.rows[0].size, 10);
	t0 = now_ms();
	model_thread_collapse_all(&t, true);
	t1 = now_ms();
	printf("thread: collapse all in %.1f ms\n", t1 - t0);
	assert_int_equal(t.nvis, n / 10);
	model_thread_release(&t);
	free(in);
	free(mid);
	free(refs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_missing_parent),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_subject_fallback),
		cmocka_unit_test(test_collapse_prefix),
		cmocka_unit_test(test_deep_chain),
		cmocka_unit_test(test_input_order),
		cmocka_unit_test(test_bench_100k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
