/*
 * Unit tests of the envelope's fast path (mime_envelope.c): for plain
 * headers it reads fields without libetpan's block parse, and it must give
 * exactly what the block parse gives, on plain, odd and mutated headers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime/mime_int.h"

static const char *const cases[] = {
	"From: a@b.c\r\nTo: x@y.z\r\nSubject: hi\r\n\r\nbody",
	"From : a@b.c\r\nSubject:   spaced  \r\n",
	"From: \"Doe, John\" <j@d.com>\r\nTo: undisclosed-recipients:;\r\n"
	"Cc: grp: a@b, c@d;\r\n",
	"From: John (comment) <j@d.com> (trailing)\r\n"
	"Date: Mon, 1 Jan 2024 10:00:00 +0100 (CET)\r\n",
	"Date: garbage\r\nFrom: <@route:a@b>\r\n",
	"Message-ID: <a@b> <c@d>\r\nIn-Reply-To: <x@y> (c) <z@w>\r\n"
	"References: <1@a>\r\n <2@b>\r\n\t<3@c>\r\n",
	"Message-ID: <a b@c>\r\nReferences: <1@a><2@b>\r\n"
	"In-Reply-To: <<x@y>>\r\n",
	"Message-ID: no-brackets@x\r\nReferences: junk <1@a> more\r\n"
	"In-Reply-To: <>\r\n",
	"Subject: =?UTF-8?B?w6l0w6k=?= =?UTF-8?Q?_caf=C3=A9?=\r\n plus\r\n"
	"From: =?ISO-8859-1?Q?Andr=E9?= <a@b>\r\n",
	"Subject: caf\xc3\xa9\r\nFrom: a@b\r\n",
	"From: a@b\rTo: c@d\r\nSubject: x\ry\r\n",
	"From: a@b\nTo: c@d\nSubject: bare lf\n\nbody",
	"From: a@b\r\nFrom: c@d\r\nSubject: one\r\nSubject: two\r\n",
	"Subject:\r\nFrom:\r\nTo: \r\n",
	"From: a@b",
	"Subject: no newline at end",
	"From: Alice <alice@example.org>,\r\n Bob <bob@example.org>\r\n"
	"To: \"Q\\\"uote\" <q@x>\r\n",
	"Date: 1 Jan 70 00:00:00 GMT\r\nDate: Tue, 2 Jan 2024 10:00:00 +0000\r\n",
	"Date: Tue, 2 Jan 2024 10:00:00 +0000 junk\r\n",
	"In-Reply-To: <a@b> <c@d>\r\nMessage-ID: <(x)@y>\r\n",
	"From: Mary Smith <mary@x.test>, jdoe@example.org, Who? <o@y.test>\r\n",
	"To: A Group:Ed Jones <c@a.test>,joe@where.test,John <j@one.test>;\r\n",
	"To: Pete(A nice \\) chap) <pete(his account)@silly.test(host)>\r\n",
	"Subject: =?utf-8?q?broken\r\nFrom: =?utf-8?b?not base64?= <a@b>\r\n",
	"Message-Id:<x@y>\r\nIN-REPLY-TO:<p@q>\r\nreferences:<p@q>\r\n",
	"Fromage: x\r\nTodo: y\r\nccx: z\r\nFrom: real@x\r\n",
	"Subject: \t\r\n folded\r\n",
	"From: a@b c@d\r\nTo: a@b,,c@d\r\nCc: a@b,\r\n",
	"From: John Q. Public <jqp@x>\r\nTo: <bare@angle>\r\nCc: x <y>\r\n",
	"From: nobody\r\nTo: <a b@c>\r\nCc: < a@c >\r\n",
	"From: a@b (x)\r\nTo: Someone<s@x>\r\nCc: \"\" <e@x>\r\n",
};

static bool
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The fast path (mime_parse_envelope) against the block parse. */
static void
check_same(const char *data, size_t len)
{
	struct mime_envelope a, b;

	assert_int_equal(mime_parse_envelope(data, len, &a, NULL), 0);
	mime_envelope_parse_block(data, len, &b);
	if (a.date != b.date || !same(a.from, b.from) || !same(a.to, b.to) ||
	    !same(a.cc, b.cc) || !same(a.subject, b.subject) ||
	    !same(a.message_id, b.message_id) ||
	    !same(a.in_reply_to, b.in_reply_to) ||
	    !same(a.references, b.references))
		fail_msg("envelopes differ for [%.*s]: from %s|%s to %s|%s "
		    "cc %s|%s subject %s|%s id %s|%s irt %s|%s refs %s|%s "
		    "date %lld|%lld", (int)len, data, a.from, b.from, a.to,
		    b.to, a.cc, b.cc, a.subject, b.subject, a.message_id,
		    b.message_id, a.in_reply_to, b.in_reply_to, a.references,
		    b.references, (long long)a.date, (long long)b.date);
	mime_envelope_release(&a);
	mime_envelope_release(&b);
}

static void
test_cases_agree(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_same(cases[i], strlen(cases[i]));
}

static void
test_plain_values(void **state)
{
	static const char hdr[] =
	    "Date: Tue, 02 Jan 2024 08:00:00 +0000\r\n"
	    "From: =?UTF-8?B?R3LDvMOfZQ==?=\r\n <gruss@example.test>\r\n"
	    "To: Alice Adams <alice@example.test>, bob@example.test\r\n"
	    "Subject: Re: Lunch on Friday?\r\n"
	    "Message-ID: <gen.1.2@example.test>\r\n"
	    "In-Reply-To: <gen.1.1@example.test>\r\n"
	    "References: <gen.1.0@example.test>\r\n <gen.1.1@example.test>\r\n";
	struct mime_envelope e;

	assert_int_equal(mime_parse_envelope(hdr, sizeof(hdr) - 1, &e, NULL),
	    0);
	assert_int_equal(e.date, 1704182400);
	assert_string_equal(e.from, "Grüße <gruss@example.test>");
	assert_string_equal(e.to,
	    "Alice Adams <alice@example.test>, bob@example.test");
	assert_null(e.cc);
	assert_string_equal(e.subject, "Re: Lunch on Friday?");
	assert_string_equal(e.message_id, "gen.1.2@example.test");
	assert_string_equal(e.in_reply_to, "gen.1.1@example.test");
	assert_string_equal(e.references,
	    "gen.1.0@example.test gen.1.1@example.test");
	mime_envelope_release(&e);
	check_same(hdr, sizeof(hdr) - 1);
}

/* Mutations of plain headers with the bytes that matter to the syntax. */
static void
test_mutations_agree(void **state)
{
	static const char base[] =
	    "Date: Tue, 02 Jan 2024 08:00:00 +0100\r\n"
	    "From: Alice Adams <alice@example.test>\r\n"
	    "To: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= <g@x.test>, bob@y.test\r\n"
	    "Cc: c@z.test\r\n"
	    "Subject: Re: =?UTF-8?B?w6l0w6k=?= report\r\n"
	    "Message-ID: <m.1@x.test>\r\n"
	    "In-Reply-To: <m.0@x.test>\r\n"
	    "References: <m.a@x.test>\r\n <m.0@x.test>\r\n";
	static const char alphabet[] = "<>,;:\"()@. \t\r\n=?\\aZ0_-!\x80\xc3";
	char buf[sizeof(base) + 8];
	unsigned seed = 12345;
	int i, k, nmut;

	for (i = 0; i < 4000; i++) {
		size_t len = sizeof(base) - 1;

		memcpy(buf, base, sizeof(base));
		seed = seed * 1103515245u + 12345u;
		nmut = 1 + (int)((seed >> 16) % 3);
		for (k = 0; k < nmut; k++) {
			size_t pos;

			seed = seed * 1103515245u + 12345u;
			pos = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			buf[pos] = alphabet[(seed >> 16) %
			    (sizeof(alphabet) - 1)];
		}
		check_same(buf, len);
	}
}

static void
test_oversized_and_empty(void **state)
{
	size_t n = MIME_FIELD_MAX + 100, len;
	char *big = malloc(n + 64);

	assert_non_null(big);
	memcpy(big, "From: ", 6);
	memset(big + 6, 'a', n);
	len = 6 + n;
	memcpy(big + len, "@b\r\nTo: c@d\r\n", 13);
	len += 13;
	check_same(big, len);
	free(big);
	check_same("", 0);
	check_same("\r\n", 2);
	check_same(":\r\n", 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases_agree),
		cmocka_unit_test(test_plain_values),
		cmocka_unit_test(test_mutations_agree),
		cmocka_unit_test(test_oversized_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
