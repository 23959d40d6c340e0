/*
 * Unit tests for mime_charconv: the charset conversion of encoded words
 * (RFC 2047) through libetpan's hook: UTF-8 copied with invalid bytes
 * turned into '?', other charsets through iconv descriptors kept per
 * thread (including a stateful one, and more charsets than the cache
 * holds), several threads at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime.h"

static const struct {
	const char *in;
	const char *out;
} cases[] = {
	{ "=?utf-8?q?caf=C3=A9?=", "café" },
	{ "=?UTF-8?B?w6l0w6k=?=", "été" },
	{ "=?utf-8?q?a=FFb?=", "a?b" },		/* invalid byte */
	{ "=?utf-8?q?=C3?=", "?" },		/* cut short */
	{ "=?iso-8859-1?q?Gr=FC=DFe?=", "Grüße" },
	{ "=?iso-8859-1?q?=80_5?=", "€ 5" },	/* read as windows-1252 */
	{ "=?koi8-r?b?8NLJ18XU?=", "Привет" },
	{ "=?iso-2022-jp?b?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは" },
	{ "=?shift_jis?b?k/qWew==?=", "日本" },
	{ "=?windows-1251?b?zOjw?=", "Мир" },
	{ "=?iso-8859-7?b?w+Xp3A==?=", "Γειά" },
	{ "=?gb2312?b?1tDOxA==?=", "中文" },	/* read as GB18030 */
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void
check(size_t i)
{
	char *s = mime_decode_header(cases[i].in);

	if (strcmp(s, cases[i].out) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", cases[i].in, s,
		    cases[i].out);
	free(s);
}

static void
test_each(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NCASES; i++)
		check(i);
}

/* More charsets in turn than a thread keeps descriptors for, twice, and
 * the same charset again right after a stateful one. */
static void
test_cache_turnover(void **state)
{
	size_t round, i;

	(void)state;
	for (round = 0; round < 3; round++)
		for (i = 0; i < NCASES; i++) {
			check(i);
			check(NCASES - 1 - i);
		}
}

/* Words in several charsets in one header, and text around them. */
static void
test_mixed_header(void **state)
{
	char *s;

	(void)state;
	s = mime_decode_header("Re: =?koi8-r?b?8NLJ18XU?= and "
	    "=?iso-8859-1?q?caf=E9?= =?utf-8?q?=C3=A9t=C3=A9?= end");
	assert_string_equal(s, "Re: Привет and caféété end");
	free(s);
}

/* Unknown charsets still never fail (libetpan's own path decides). */
static void
test_unknown(void **state)
{
	char *s;

	(void)state;
	s = mime_decode_header("=?x-no-such-charset?q?abc?= tail");
	assert_non_null(strstr(s, "tail"));
	free(s);
	s = mime_decode_header("=?a/b?q?abc?=");
	assert_non_null(s);
	free(s);
}

static void *
worker(void *arg)
{
	size_t off = (size_t)(uintptr_t)arg, n, i;
	long bad = 0;

	for (n = 0; n < 300; n++) {
		i = (n + off) % NCASES;
		char *s = mime_decode_header(cases[i].in);

		bad += strcmp(s, cases[i].out) != 0;
		free(s);
	}
	return (void *)bad;
}

/* Threads each with their own descriptors; each thread's end frees its
 * cache (a leak here fails the sanitizer build). */
static void
test_threads(void **state)
{
	pthread_t t[4];
	void *bad;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker,
		    (void *)(uintptr_t)(i * 3)), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each),
		cmocka_unit_test(test_cache_turnover),
		cmocka_unit_test(test_mixed_header),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
