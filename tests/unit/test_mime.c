/*
 * Unit tests for src/mime: envelopes, RFC 2047/2231 decoding, charsets,
 * body choice, parts, HTML to text, sanitising and hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime/mime.h"
#include "mime/mime_walk.h"

#define CRLF "\r\n"

/* A message of the given header lines and body, CRLF line ends. */
static struct mime_envelope
env_of(const char *msg)
{
	struct mime_envelope env;

	assert_int_equal(mime_parse_envelope(msg, strlen(msg), &env, NULL), 0);
	return env;
}

static struct mime_view
render(const char *msg)
{
	struct mime_view v;
	struct cachet_err err;

	assert_int_equal(mime_render(msg, strlen(msg), &v, &err), 0);
	assert_non_null(v.headers);
	assert_non_null(v.body);
	return v;
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (hay == NULL || strstr(hay, needle) == NULL)
		fail_msg("\"%s\" not found in \"%s\"", needle,
		    hay ? hay : "(null)");
}

static void
assert_lacks(const char *hay, const char *needle)
{
	if (hay != NULL && strstr(hay, needle) != NULL)
		fail_msg("\"%s\" unexpectedly in \"%s\"", needle, hay);
}

static void
test_envelope_plain(void **state)
{
	const char *msg =
	    "Received: from a by b; Mon, 3 Jun 2024 10:00:00 +0200" CRLF
	    "From: John Doe <john@example.com>" CRLF
	    "To: alice@example.org, \"Bob B.\" <bob@example.org>" CRLF
	    "Cc: \"Doe, Carol\" <carol@example.net>, =?utf-8?q?Eve_=22the=22?="
	    " <eve@example.net>" CRLF
	    "Subject: Hello there" CRLF
	    "Date: Mon, 3 Jun 2024 10:00:00 +0200" CRLF
	    "Message-ID: <abc.123@example.com>" CRLF
	    "In-Reply-To: <parent@example.com>" CRLF
	    "References: <root@example.com> <parent@example.com>" CRLF
	    CRLF "Body text" CRLF;
	struct mime_envelope env = env_of(msg);

	assert_string_equal(env.from, "John Doe <john@example.com>");
	assert_string_equal(env.to,
	    "alice@example.org, Bob B. <bob@example.org>");
	assert_string_equal(env.cc, "\"Doe, Carol\" <carol@example.net>, "
	    "\"Eve \\\"the\\\"\" <eve@example.net>");
	assert_string_equal(env.subject, "Hello there");
	assert_int_equal(env.date, 1717401600);
	assert_string_equal(env.message_id, "abc.123@example.com");
	assert_string_equal(env.in_reply_to, "parent@example.com");
	assert_string_equal(env.references,
	    "root@example.com parent@example.com");
	mime_envelope_release(&env);
	assert_null(env.from);
}

static void
test_envelope_rfc2047(void **state)
{
	struct mime_envelope env;

	env = env_of("From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <j@x.de>" CRLF
	    "Subject: =?UTF-8?Q?caf=C3=A9?= au lait" CRLF CRLF);
	assert_string_equal(env.from, "Jörg Müller <j@x.de>");
	assert_string_equal(env.subject, "café au lait");
	mime_envelope_release(&env);

	env = env_of("Subject: =?utf-8?B?w6l0w6k=?=" CRLF CRLF);
	assert_string_equal(env.subject, "été");
	mime_envelope_release(&env);

	env = env_of("Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=" CRLF CRLF);
	assert_string_equal(env.subject, "Grüße");
	mime_envelope_release(&env);

	/* Adjacent encoded words join without the space between them. */
	env = env_of("Subject: =?UTF-8?Q?a?= =?UTF-8?Q?b?=" CRLF
	    "\t=?UTF-8?B?Yw==?= plain" CRLF CRLF);
	assert_string_equal(env.subject, "abc plain");
	mime_envelope_release(&env);

	/* A UTF-8 character split across two words. */
	env = env_of("Subject: =?UTF-8?B?w6?= =?UTF-8?B?k=?=" CRLF CRLF);
	assert_non_null(env.subject);
	mime_envelope_release(&env);

	/* Unknown charset and broken words never fail. */
	env = env_of("Subject: =?x-unknown?Q?abc?= =?utf-8?q?bad" CRLF CRLF);
	assert_non_null(env.subject);
	assert_contains(env.subject, "abc");
	mime_envelope_release(&env);
}

static void
test_decode_header(void **state)
{
	char *s;

	s = mime_decode_header("=?utf-8?q?one?=\r\n two  three ");
	assert_string_equal(s, "one two three");
	free(s);
	s = mime_decode_header(NULL);
	assert_string_equal(s, "");
	free(s);
	s = mime_decode_header("");
	assert_string_equal(s, "");
	free(s);
	/* Raw 8-bit Latin-1 becomes valid UTF-8. */
	s = mime_decode_header("caf\xe9");
	assert_string_equal(s, "café");
	free(s);
	s = mime_decode_header("Re: =?bogus");
	assert_string_equal(s, "Re: =?bogus");
	free(s);
}

static void
test_envelope_dates(void **state)
{
	static const struct {
		const char *date;
		int64_t want;
	} cases[] = {
		{"Mon, 3 Jun 2024 10:00:00 +0200", 1717401600},
		{"Mon, 3 Jun 2024 10:00:00 -0530", 1717428600},
		{"3 Jun 2024 10:00:00 GMT", 1717408800},
		{"Mon, 03 Jun 2024 10:00:00 +0000 (UTC)", 1717408800},
		{"Fri, 31 Dec 99 23:59:59 +0000", 946684799},
		{"not a date at all", 0},
		{"Mon, 45 Foo 2024 99:99:99 +0000", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char msg[256];
		struct mime_envelope env;

		snprintf(msg, sizeof(msg), "Date: %s\r\nSubject: x\r\n\r\n",
		    cases[i].date);
		env = env_of(msg);
		if (env.date != cases[i].want)
			fail_msg("%s: got %lld want %lld", cases[i].date,
			    (long long)env.date, (long long)cases[i].want);
		assert_string_equal(env.subject, "x");
		mime_envelope_release(&env);
	}
	{
		struct mime_envelope env = env_of("Subject: no date\r\n\r\n");

		assert_int_equal(env.date, 0);
		mime_envelope_release(&env);
	}
}

static void
test_envelope_references(void **state)
{
	struct mime_envelope env = env_of(
	    "References: <a@b>" CRLF " <c@d>\t<e@f>" CRLF
	    "In-Reply-To: <x@y> <z@w>" CRLF
	    "Message-ID:   <id@host>  " CRLF CRLF);

	assert_string_equal(env.references, "a@b c@d e@f");
	assert_string_equal(env.in_reply_to, "x@y");
	assert_string_equal(env.message_id, "id@host");
	assert_null(env.from);
	assert_null(env.subject);
	mime_envelope_release(&env);
}

static void
test_envelope_header_only(void **state)
{
	/* What BODY.PEEK[HEADER] returns, and one cut short. */
	struct mime_envelope env = env_of("From: a@b\nSubject: lf only\n\n");

	assert_string_equal(env.from, "a@b");
	assert_string_equal(env.subject, "lf only");
	mime_envelope_release(&env);
	env = env_of("From: a@b\r\nSubject: no end");
	assert_string_equal(env.subject, "no end");
	mime_envelope_release(&env);
	/* The body is never read as header. */
	env = env_of("From: a@b\r\n\r\nSubject: in the body\r\n");
	assert_null(env.subject);
	mime_envelope_release(&env);
}

static void
test_envelope_hostile(void **state)
{
	size_t big = 10 * 1024 * 1024, n;
	char *msg = malloc(big + 256);
	struct mime_envelope env;

	/* A bad line in the middle does not hide the fields after it. */
	env = env_of("From: a@b\r\nthis is no field\r\nSubject: after\r\n\r\n");
	assert_string_equal(env.from, "a@b");
	assert_string_equal(env.subject, "after");
	mime_envelope_release(&env);

	/* A 10 MB header line is skipped; the other fields survive. */
	n = (size_t)sprintf(msg, "X-Junk: ");
	memset(msg + n, 'A', big);
	n += big;
	n += (size_t)sprintf(msg + n, "\r\nSubject: =?utf-8?q?");
	sprintf(msg + n, "ok?=\r\nFrom: x@y\r\n\r\n");
	env = env_of(msg);
	assert_string_equal(env.subject, "ok");
	assert_string_equal(env.from, "x@y");
	mime_envelope_release(&env);

	/* Invalid UTF-8 and control bytes come out valid and inert. */
	env = env_of("Subject: \xff\xfe bad \x1b[31m red \x9b\r\n"
	    "From: \"\xc3\x28\" <q@r>\r\n\r\n");
	assert_non_null(env.subject);
	assert_null(strchr(env.subject, '\x1b'));
	assert_non_null(env.from);
	mime_envelope_release(&env);

	assert_int_equal(mime_parse_envelope(NULL, 0, &env, NULL),
	    CACHET_E_INVAL);
	assert_int_equal(mime_parse_envelope("", 0, &env, NULL), 0);
	assert_null(env.subject);
	assert_int_equal(env.date, 0);
	mime_envelope_release(&env);
	assert_int_equal(mime_parse_envelope("\0\0\0", 3, &env, NULL), 0);
	mime_envelope_release(&env);
	free(msg);
}

static const char alt_msg[] =
    "From: a@b" CRLF "Subject: alt" CRLF "MIME-Version: 1.0" CRLF
    "Content-Type: multipart/alternative; boundary=\"XYZ\"" CRLF CRLF
    "preamble" CRLF
    "--XYZ" CRLF
    "Content-Type: text/html; charset=utf-8" CRLF CRLF
    "<p>HTML version</p>" CRLF
    "--XYZ" CRLF
    "Content-Type: text/plain; charset=utf-8" CRLF CRLF
    "Plain version" CRLF
    "--XYZ--" CRLF "epilogue" CRLF;

static void
test_alternative(void **state)
{
	struct mime_view v = render(alt_msg);
	char *idx;

	assert_string_equal(v.body, "Plain version");
	assert_int_equal(v.nparts, 2);
	assert_string_equal(v.parts[0].type, "text/html");
	assert_false(v.parts[0].is_body);
	assert_string_equal(v.parts[1].type, "text/plain");
	assert_true(v.parts[1].is_body);
	assert_string_equal(v.parts[1].charset, "utf-8");
	assert_contains(v.headers, "From: a@b");
	assert_contains(v.headers, "Subject: alt");
	mime_view_release(&v);

	idx = mime_index_text(alt_msg, strlen(alt_msg));
	assert_string_equal(idx, "Plain version");
	free(idx);
}

static void
test_html_only(void **state)
{
	const char *msg =
	    "Content-Type: text/html; charset=utf-8" CRLF CRLF
	    "<html><head><title>T</title><style>p { color: red }</style>"
	    "<script>alert('x')</script></head><body>"
	    "<p>Hello <b>world</b> &amp; &lt;friends&gt; &#233;&#x20AC;"
	    " cr&egrave;me &unknown; &#0; &#xD800;</p>"
	    "<!-- <p>hidden</p> -->"
	    "<a href=\"https://example.org/x\">the link</a>"
	    "<img src=\"https://tracker.example/p.gif\" alt=\"logo\">"
	    "<ul><li>one</li><li>two</li></ul>"
	    "<script>document.write('y')</script></body></html>" CRLF;
	struct mime_view v = render(msg);
	char *idx;

	assert_contains(v.body,
	    "Hello world & <friends> é€ crème &unknown; ? ?");
	assert_contains(v.body, "the link <https://example.org/x>");
	assert_contains(v.body, "[logo]");
	assert_contains(v.body, "* one\n* two");
	assert_lacks(v.body, "<p>");
	assert_lacks(v.body, "alert");
	assert_lacks(v.body, "color");
	assert_lacks(v.body, "hidden");
	assert_lacks(v.body, "document.write");
	assert_lacks(v.body, "tracker");
	assert_true(v.parts[0].is_body);
	mime_view_release(&v);

	idx = mime_index_text(msg, strlen(msg));
	assert_contains(idx, "Hello world");
	assert_lacks(idx, "<b>");
	free(idx);
}

static void
test_transfer_encodings(void **state)
{
	struct mime_view v;

	v = render("Content-Type: text/plain; charset=utf-8" CRLF
	    "Content-Transfer-Encoding: base64" CRLF CRLF
	    "SGVsbG8sIHfDtnJsZCEK" CRLF "U2Vjb25kIGxpbmU=" CRLF);
	assert_string_equal(v.body, "Hello, wörld!\nSecond line");
	mime_view_release(&v);

	v = render("Content-Type: text/plain; charset=utf-8" CRLF
	    "Content-Transfer-Encoding: quoted-printable" CRLF CRLF
	    "caf=C3=A9 soft=" CRLF "break" CRLF "next =3D line" CRLF);
	assert_string_equal(v.body, "café softbreak\nnext = line");
	mime_view_release(&v);

	/* Invalid base64 and QP show what they can. */
	v = render("Content-Transfer-Encoding: base64" CRLF CRLF
	    "SGVs!!bG8=*garbage*=" CRLF);
	assert_contains(v.body, "Hello");
	mime_view_release(&v);
	v = render("Content-Transfer-Encoding: quoted-printable" CRLF CRLF
	    "bad =ZZ and =" CRLF);
	assert_contains(v.body, "bad");
	mime_view_release(&v);
}

static void
test_charsets(void **state)
{
	struct mime_view v;

	v = render("Content-Type: text/plain; charset=ISO-8859-1" CRLF CRLF
	    "Gr\xfc\xdf" "e, caf\xe9" CRLF);
	assert_string_equal(v.body, "Grüße, café");
	mime_view_release(&v);

	v = render("Content-Type: text/plain; charset=\"windows-1251\"" CRLF
	    CRLF "\xcf\xf0\xe8\xe2\xe5\xf2" CRLF);
	assert_string_equal(v.body, "Привет");
	mime_view_release(&v);

	/* Unknown charset: ASCII kept, the rest replaced, never fails. */
	v = render("Content-Type: text/plain; charset=x-no-such-thing" CRLF
	    CRLF "abc \xe9\xff def" CRLF);
	assert_string_equal(v.body, "abc ?? def");
	mime_view_release(&v);

	/* HTML without a MIME charset names one in <meta>. */
	v = render("Content-Type: text/html" CRLF CRLF "<html><head><meta "
	    "http-equiv=\"Content-Type\" content=\"text/html; "
	    "Charset=iso-8859-15\"></head><body>\xa4 caf\xe9</body></html>"
	    CRLF);
	assert_string_equal(v.body, "€ café");
	mime_view_release(&v);

	/* A charset name that is not one. */
	v = render("Content-Type: text/plain; charset=\"UTF-8//TRANSLIT\""
	    CRLF CRLF "abc" CRLF);
	assert_string_equal(v.body, "abc");
	mime_view_release(&v);

	/* No charset: UTF-8 kept, other 8-bit bytes read as Latin-1. */
	v = render("Subject: none" CRLF CRLF "caf\xc3\xa9 caf\xe9" CRLF);
	assert_string_equal(v.body, "café café");
	mime_view_release(&v);

	/* Invalid UTF-8 in a UTF-8 body. */
	v = render("Content-Type: text/plain; charset=utf-8" CRLF CRLF
	    "ok \xc3\x28 \xed\xa0\x80 end" CRLF);
	assert_contains(v.body, "ok ?( ");
	assert_contains(v.body, "end");
	mime_view_release(&v);
}

static const char mixed_msg[] =
    "From: a@b" CRLF
    "Content-Type: multipart/mixed; boundary=outer" CRLF CRLF
    "--outer" CRLF
    "Content-Type: text/plain" CRLF CRLF
    "See attached." CRLF
    "--outer" CRLF
    "Content-Type: application/octet-stream; name=\"fallback.bin\"" CRLF
    "Content-Transfer-Encoding: base64" CRLF CRLF
    "AAECA/8=" CRLF
    "--outer" CRLF
    "Content-Type: text/plain" CRLF
    "Content-Disposition: attachment;" CRLF
    " filename*=UTF-8''%E2%82%AC%20rates.txt" CRLF CRLF
    "second text" CRLF
    "--outer" CRLF
    "Content-Type: application/pdf" CRLF
    "Content-Disposition: attachment; filename=\"../../etc/passwd\"" CRLF
    CRLF "%PDF" CRLF
    "--outer" CRLF
    "Content-Type: image/png" CRLF
    "Content-Disposition: inline;" CRLF
    " filename*0*=iso-8859-1'en'caf%E9; filename*1=\"-photo.png\"" CRLF
    CRLF "png" CRLF
    "--outer" CRLF
    "Content-Type: text/plain; name=\"=?UTF-8?Q?r=C3=A9sum=C3=A9?=.txt\""
    CRLF "Content-Disposition: attachment" CRLF CRLF "cv" CRLF
    "--outer--" CRLF;

static void
test_mixed_and_names(void **state)
{
	struct mime_view v = render(mixed_msg);
	size_t i;

	assert_string_equal(v.body, "See attached.");
	assert_int_equal(v.nparts, 6);
	assert_true(v.parts[0].is_body);
	for (i = 1; i < v.nparts; i++)
		assert_false(v.parts[i].is_body);
	assert_null(v.parts[0].filename);
	assert_string_equal(v.parts[1].filename, "fallback.bin");
	assert_int_equal(v.parts[1].size, 5);
	assert_string_equal(v.parts[2].filename, "€ rates.txt");
	assert_string_equal(v.parts[2].type, "text/plain");
	assert_non_null(v.parts[3].filename);
	assert_null(strchr(v.parts[3].filename, '/'));
	assert_lacks(v.parts[3].filename, "..");
	assert_contains(v.parts[3].filename, "etcpasswd");
	assert_string_equal(v.parts[4].filename, "café-photo.png");
	assert_string_equal(v.parts[4].type, "image/png");
	assert_string_equal(v.parts[5].filename, "résumé.txt");
	for (i = 0; i < v.nparts; i++)
		assert_int_equal(v.parts[i].index, (int)i);
	mime_view_release(&v);
}

static void
test_part_data(void **state)
{
	char *data = NULL;
	size_t len = 0;
	struct cachet_err err;
	static const unsigned char want[] = {0, 1, 2, 3, 0xff};

	assert_int_equal(mime_part_data(mixed_msg, strlen(mixed_msg), 1, &data,
	    &len, &err), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(data, want, 5);
	free(data);
	assert_int_equal(mime_part_data(mixed_msg, strlen(mixed_msg), 0, &data,
	    &len, &err), 0);
	assert_int_equal(len, strlen("See attached."));
	assert_memory_equal(data, "See attached.", len);
	free(data);
	assert_int_equal(mime_part_data(mixed_msg, strlen(mixed_msg), 6, &data,
	    &len, &err), CACHET_E_NOTFOUND);
	assert_null(data);
	assert_int_equal(mime_part_data(mixed_msg, strlen(mixed_msg), -1, &data,
	    &len, &err), CACHET_E_NOTFOUND);
	assert_int_equal(mime_part_data(NULL, 0, 0, &data, &len, &err),
	    CACHET_E_INVAL);
	/* A message that is not multipart is one part: its body. */
	assert_int_equal(mime_part_data("Subject: x\r\n\r\nab\0c", 18, 0,
	    &data, &len, NULL), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(data, "ab\0c", 4);
	free(data);
}

static void
test_escapes_neutralised(void **state)
{
	const char *msg =
	    "From: \x1b]8;;http://evil\x07" "Bank\x1b]8;;\x07 <a@b>" CRLF
	    "Subject: \x1b[2J\x1b]0;title\x07 =?utf-8?q?=1B[31mred=9B?="
	    " \xc2\x9b" "1m" CRLF
	    "Content-Type: text/plain; charset=utf-8" CRLF CRLF
	    "line one\x1b[31m red\r\n\x1b]52;c;Zm9v\x07\ttab\r\x1bP\x9b\x07"
	    CRLF;
	struct mime_view v = render(msg);
	struct mime_envelope env = env_of(msg);

	assert_null(strchr(v.headers, '\x1b'));
	assert_null(strchr(v.body, '\x1b'));
	assert_null(strchr(v.body, '\x07'));
	assert_null(strchr(v.body, '\r'));
	assert_lacks(v.headers, "\xc2\x9b");
	assert_lacks(v.body, "\xc2\x9b");
	assert_contains(v.body, "line one");
	assert_contains(v.body, "\ttab");
	assert_null(strchr(env.subject, '\x1b'));
	assert_null(strchr(env.from, '\x1b'));
	mime_view_release(&v);
	mime_envelope_release(&env);
}

static void
test_signed_and_encrypted(void **state)
{
	struct mime_view v = render(
	    "Content-Type: multipart/signed; protocol=\"application/"
	    "pgp-signature\"; micalg=pgp-sha256; boundary=\"sig\"" CRLF CRLF
	    "--sig" CRLF
	    "Content-Type: multipart/mixed; boundary=\"in\"" CRLF CRLF
	    "--in" CRLF "Content-Type: text/plain" CRLF CRLF
	    "Signed text" CRLF
	    "--in" CRLF "Content-Type: image/gif" CRLF CRLF "GIF" CRLF
	    "--in--" CRLF
	    "--sig" CRLF
	    "Content-Type: application/pgp-signature" CRLF CRLF
	    "-----BEGIN PGP SIGNATURE-----" CRLF
	    "--sig--" CRLF);

	assert_string_equal(v.body, "Signed text");
	assert_int_equal(v.nparts, 3);
	assert_true(v.parts[0].is_body);
	assert_string_equal(v.parts[2].type, "application/pgp-signature");
	mime_view_release(&v);

	v = render("Content-Type: multipart/encrypted; boundary=e" CRLF CRLF
	    "--e" CRLF "Content-Type: application/pgp-encrypted" CRLF CRLF
	    "Version: 1" CRLF
	    "--e" CRLF "Content-Type: application/octet-stream" CRLF CRLF
	    "-----BEGIN PGP MESSAGE-----" CRLF "--e--" CRLF);
	assert_string_equal(v.body, "");
	assert_int_equal(v.nparts, 2);
	mime_view_release(&v);

	v = render("Content-Type: application/pkcs7-mime; smime-type="
	    "enveloped-data" CRLF "Content-Transfer-Encoding: base64" CRLF
	    CRLF "MIAGCSqGSIb3DQEHA6CAMIACAQA=" CRLF);
	assert_string_equal(v.body, "");
	assert_int_equal(v.nparts, 1);
	assert_string_equal(v.parts[0].type, "application/pkcs7-mime");
	mime_view_release(&v);
}

static const char fwd_msg[] =
    "From: a@b" CRLF "Subject: fwd" CRLF
    "Content-Type: multipart/mixed; boundary=m" CRLF CRLF
    "--m" CRLF "Content-Type: text/plain" CRLF CRLF "Forwarding." CRLF
    "--m" CRLF "Content-Type: message/rfc822" CRLF CRLF
    "From: Inner Person <inner@x>" CRLF
    "Subject: =?utf-8?q?inner_subject?=" CRLF
    "Content-Type: text/plain" CRLF CRLF
    "Inner body words" CRLF
    "--m--" CRLF;

static void
test_message_rfc822(void **state)
{
	struct mime_view v = render(fwd_msg);
	char *idx;

	assert_int_equal(v.nparts, 2);
	assert_string_equal(v.parts[1].type, "message/rfc822");
	assert_false(v.parts[1].is_body);
	assert_contains(v.body, "Forwarding.");
	assert_contains(v.body, "From: Inner Person <inner@x>");
	assert_contains(v.body, "Subject: inner subject");
	assert_contains(v.body, "Inner body words");
	mime_view_release(&v);

	idx = mime_index_text(fwd_msg, strlen(fwd_msg));
	assert_contains(idx, "Forwarding.");
	assert_contains(idx, "Inner body words");
	free(idx);
}

static void
test_broken_structure(void **state)
{
	struct mime_view v;

	/* No close delimiter: the last part runs to the end. */
	v = render("Content-Type: multipart/mixed; boundary=b" CRLF CRLF
	    "--b" CRLF CRLF "first" CRLF "--b" CRLF
	    "Content-Type: application/zip" CRLF CRLF "PK truncated");
	assert_string_equal(v.body, "first");
	assert_int_equal(v.nparts, 2);
	assert_int_equal(v.parts[1].size, strlen("PK truncated"));
	mime_view_release(&v);

	/* The boundary never appears: the body is shown as text. */
	v = render("Content-Type: multipart/mixed; boundary=nothere" CRLF
	    CRLF "just text" CRLF);
	assert_string_equal(v.body, "just text");
	mime_view_release(&v);

	/* No boundary parameter at all. */
	v = render("Content-Type: multipart/alternative" CRLF CRLF "t" CRLF);
	assert_string_equal(v.body, "t");
	mime_view_release(&v);

	/* A longer boundary that starts with ours is not ours. */
	v = render("Content-Type: multipart/mixed; boundary=b" CRLF CRLF
	    "--b" CRLF CRLF "one" CRLF "--b--x" CRLF "--bb" CRLF
	    "still one" CRLF "--b" CRLF CRLF "two" CRLF "--b--" CRLF);
	assert_string_equal(v.body, "one\n--b--x\n--bb\nstill one");
	assert_int_equal(v.nparts, 2);
	mime_view_release(&v);

	/* A part without header lines. */
	v = render("Content-Type: multipart/mixed; boundary=q" CRLF CRLF
	    "--q" CRLF "headless body" CRLF "--q--" CRLF);
	assert_string_equal(v.body, "headless body");
	mime_view_release(&v);

	/* No header at all, and an mbox "From " line before the fields. */
	v = render("just some text\nand more");
	assert_string_equal(v.body, "just some text\nand more");
	mime_view_release(&v);
	v = render("From someone Mon Jun  3 10:00:00 2024\n"
	    "From: a@b\nContent-Type: text/plain; charset=iso-8859-1\n\n"
	    "caf\xe9\n");
	assert_string_equal(v.body, "café");
	assert_contains(v.headers, "From: a@b");
	mime_view_release(&v);

	/* NUL bytes in a body. */
	{
		static const char m[] = "Subject: nul\r\n\r\na\0b\0c\r\n";
		struct mime_view w;

		assert_int_equal(mime_render(m, sizeof(m) - 1, &w, NULL), 0);
		assert_string_equal(w.body, "abc");
		mime_view_release(&w);
	}
}

/* n nested multipart/mixed levels around one text part. */
static char *
nested_multipart(int n)
{
	struct buf b = BUF_INIT;
	int i;

	buf_adds(&b, "Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
	for (i = 0; i < n; i++)
		buf_addf(&b, "--b%d\r\nContent-Type: multipart/mixed; "
		    "boundary=b%d\r\n\r\n", i, i + 1);
	buf_addf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n", n);
	for (i = n; i >= 0; i--)
		buf_addf(&b, "--b%d--\r\n", i);
	return buf_detach(&b, NULL);
}

static void
test_deep_nesting(void **state)
{
	char *m = nested_multipart(20), *idx;
	struct mime_view v;
	struct buf b = BUF_INIT;
	int64_t t0;
	int i;

	v = render(m);
	assert_string_equal(v.body, "deep");
	mime_view_release(&v);
	free(m);

	/* Beyond the depth limit nothing crashes and time stays small. */
	m = nested_multipart(5000);
	t0 = util_now_ms();
	v = render(m);
	assert_true(v.nparts >= 1);
	mime_view_release(&v);
	idx = mime_index_text(m, strlen(m));
	free(idx);
	free(m);

	/* 100,000 nested message/rfc822 parts (3 MB). */
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "Content-Type: message/rfc822\r\n\r\n");
	buf_adds(&b, "bottom\r\n");
	v = render(b.data);
	assert_int_equal(v.nparts, 1);
	mime_view_release(&v);
	idx = mime_index_text(b.data, b.len);
	free(idx);
	buf_release(&b);
	assert_true(util_now_ms() - t0 < 10000);

	/* Many parts: capped, not refused. */
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=z\r\n\r\n");
	for (i = 0; i < 5000; i++)
		buf_adds(&b, "--z\r\n\r\np\r\n");
	buf_adds(&b, "--z--\r\n");
	v = render(b.data);
	assert_true(v.nparts > 100 && v.nparts <= 1024);
	mime_view_release(&v);
	buf_release(&b);
}

static void
test_huge_inputs(void **state)
{
	size_t big = 2 * 1024 * 1024, n;
	char *m = malloc(big * 2 + 256), *idx;
	struct mime_view v;
	struct mime_envelope env;

	/* A huge RFC 2047 word in the Subject. */
	n = (size_t)sprintf(m, "Subject: =?utf-8?b?");
	memset(m + n, 'Q', big);
	n += big;
	n += (size_t)sprintf(m + n, "?=\r\nFrom: f@g\r\n\r\nbody\r\n");
	env = env_of(m);
	assert_string_equal(env.from, "f@g");
	mime_envelope_release(&env);
	v = render(m);
	assert_string_equal(v.body, "body");
	mime_view_release(&v);

	/* A big text body is capped for the index. */
	n = (size_t)sprintf(m, "Content-Type: text/plain\r\n\r\n");
	memset(m + n, 'w', big);
	m[n + big] = '\0';
	idx = mime_index_text(m, n + big);
	assert_non_null(idx);
	assert_true(strlen(idx) <= 256 * 1024);
	free(idx);
	free(m);
}

/* The bytes of [p, p + len) are exactly s. */
static void
assert_span(const char *p, size_t len, const char *s)
{
	assert_int_equal(len, strlen(s));
	assert_memory_equal(p, s, len);
}

static void
test_walk_ranges(void **state)
{
	static const char m[] =
	    "From x Mon Jun  3 10:00:00 2024\n"
	    "From: a@b\n"
	    "Content-Type: multipart/signed; boundary=\"S\";\n"
	    " protocol=\"Application/PGP-Signature\"; micalg=PGP-SHA256\n"
	    "\n"
	    "preamble\n"
	    "--S  \r\n"
	    "Content-Type: text/plain; charset=UTF-8;\n"
	    "  protected-headers=v1\n"
	    "\n"
	    "signed\r\n"
	    "--SX\n"
	    "text\n"
	    "--S\n"
	    "Content-Type: application/octet-stream; name*=utf-8''n%C3%A4me\n"
	    "Content-Disposition: attachment;\n"
	    "  filename*0*=utf-8''caf%C3%A9; filename*1=\".txt\"\n"
	    "Content-Transfer-Encoding:  base64\n"
	    "\n"
	    "aGVsbG8=\n"
	    "--S--\n"
	    "epilogue\n";
	struct mime_walk_node *r, *c1, *c2;
	int budget = MIME_WALK_MAX_NODES;
	struct mime_walk w = {.budget = &budget};
	size_t len;
	char *d;

	r = mime_walk_parse(&w, m, sizeof(m) - 1, true, 0);
	assert_false(w.truncated);
	assert_int_equal(budget, MIME_WALK_MAX_NODES - 3);
	assert_ptr_equal(r->start, m);
	assert_int_equal(r->len, sizeof(m) - 1);
	assert_true(r->is_message);
	assert_string_equal(r->type, "multipart/signed");
	assert_string_equal(r->boundary, "S");
	assert_string_equal(r->protocol, "application/pgp-signature");
	assert_string_equal(r->micalg, "pgp-sha256");
	assert_ptr_equal(r->body, strstr(m, "preamble"));
	c1 = r->child;
	c2 = c1->next;
	assert_non_null(c2);
	assert_null(c2->next);
	assert_ptr_equal(c1->parent, r);
	assert_int_equal(c1->depth, 1);
	/* The first part without the CRLF before the next delimiter. */
	assert_span(c1->start, c1->len, "Content-Type: text/plain; "
	    "charset=UTF-8;\n  protected-headers=v1\n\nsigned\r\n--SX\ntext");
	assert_span(c1->hdr, c1->hdr_len, "Content-Type: text/plain; "
	    "charset=UTF-8;\n  protected-headers=v1\n");
	assert_span(c1->body, c1->body_len, "signed\r\n--SX\ntext");
	assert_true(c1->protected_headers);
	assert_string_equal(c1->charset_token, "utf-8");
	assert_string_equal(c1->charset, "UTF-8");
	assert_null(c1->filename);
	assert_false(c1->is_message);
	/* RFC 2231 names decoded; the disposition's wins. */
	assert_string_equal(c2->type, "application/octet-stream");
	assert_string_equal(c2->filename, "caf\xc3\xa9.txt");
	assert_true(c2->attachment);
	assert_false(mime_walk_is_identity(c2->encoding));
	assert_span(c2->body, c2->body_len, "aGVsbG8=");
	d = mime_walk_decode(c2->body, c2->body_len, c2->encoding, &len);
	assert_int_equal(len, 5);
	assert_string_equal(d, "hello");
	free(d);
	mime_walk_free(r);
}

static void
test_walk_limits(void **state)
{
	static const char fwd[] =
	    "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: message/rfc822\n\n"
	    "Subject: in\nContent-Type: text/html\n\n<p>x</p>\n--m--\n";
	char *big = NULL;
	struct mime_walk_node *r;
	int budget = MIME_WALK_MAX_NODES, i;
	struct mime_walk w = {.budget = &budget};
	struct buf b = BUF_INIT;

	/* Attached messages: a leaf, or its message as the only child. */
	r = mime_walk_parse(&w, fwd, sizeof(fwd) - 1, true, 0);
	assert_string_equal(r->child->type, "message/rfc822");
	assert_null(r->child->child);
	mime_walk_free(r);
	w.messages = true;
	r = mime_walk_parse(&w, fwd, sizeof(fwd) - 1, true, 0);
	assert_non_null(r->child->child);
	assert_true(r->child->child->is_message);
	assert_string_equal(r->child->child->type, "text/html");
	assert_int_equal(r->child->child->depth, 2);
	mime_walk_free(r);

	/* Too long a boundary: no split, the body is text. */
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=");
	for (i = 0; i <= MIME_WALK_BOUNDARY_MAX; i++)
		buf_addc(&b, 'b');
	buf_adds(&b, "\n\nbody\n");
	r = mime_walk_parse(&w, b.data, b.len, true, 0);
	assert_string_equal(r->type, "text/plain");
	assert_null(r->child);
	mime_walk_free(r);
	buf_reset(&b);

	/* The budget is shared and its end is reported. */
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=z\n\n");
	for (i = 0; i < 20; i++)
		buf_adds(&b, "--z\n\np\n");
	budget = 5;
	r = mime_walk_parse(&w, b.data, b.len, true, 0);
	assert_true(w.truncated);
	assert_int_equal(budget, 0);
	assert_non_null(r->child->next->next->next);
	assert_null(r->child->next->next->next->next);
	mime_walk_free(r);
	budget = 0;
	r = mime_walk_parse(&w, b.data, b.len, true, 0);
	assert_true(w.truncated);
	assert_null(r->child);
	assert_string_equal(r->type, "text/plain");
	mime_walk_free(r);
	buf_release(&b);

	/* At the depth limit a multipart is opaque. */
	budget = MIME_WALK_MAX_NODES;
	big = xasprintf("Content-Type: multipart/mixed; boundary=d\n\n"
	    "--d\n\nx\n--d--\n");
	r = mime_walk_parse(&w, big, strlen(big), false, MIME_WALK_MAX_DEPTH);
	assert_true(w.truncated);
	assert_string_equal(r->type, "application/octet-stream");
	mime_walk_free(r);
	free(big);

	/* Empty and NULL input: one empty text leaf. */
	r = mime_walk_parse(&w, NULL, 0, true, 0);
	assert_int_equal(r->len, 0);
	assert_int_equal(r->body_len, 0);
	assert_string_equal(r->type, "text/plain");
	mime_walk_free(r);
}

static void
test_null_and_empty(void **state)
{
	struct mime_view v;
	struct cachet_err err;

	assert_int_equal(mime_render(NULL, 0, &v, &err), CACHET_E_INVAL);
	assert_int_equal(mime_render("x", 1, NULL, &err), CACHET_E_INVAL);
	assert_int_equal(mime_render("", 0, &v, &err), 0);
	assert_string_equal(v.headers, "");
	assert_string_equal(v.body, "");
	mime_view_release(&v);
	mime_view_release(NULL);
	mime_envelope_release(NULL);
	assert_null(mime_index_text(NULL, 0));
	assert_null(mime_index_text("", 0));
	assert_null(mime_index_text("Subject: x\r\n\r\n", 14));
	assert_null(mime_index_text("Content-Type: image/png\r\n\r\nPNG", 30));
	assert_int_equal(mime_part_data("x", 1, 0, NULL, NULL, &err),
	    CACHET_E_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_plain),
		cmocka_unit_test(test_envelope_rfc2047),
		cmocka_unit_test(test_decode_header),
		cmocka_unit_test(test_envelope_dates),
		cmocka_unit_test(test_envelope_references),
		cmocka_unit_test(test_envelope_header_only),
		cmocka_unit_test(test_envelope_hostile),
		cmocka_unit_test(test_alternative),
		cmocka_unit_test(test_html_only),
		cmocka_unit_test(test_transfer_encodings),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_mixed_and_names),
		cmocka_unit_test(test_part_data),
		cmocka_unit_test(test_escapes_neutralised),
		cmocka_unit_test(test_signed_and_encrypted),
		cmocka_unit_test(test_message_rfc822),
		cmocka_unit_test(test_broken_structure),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_huge_inputs),
		cmocka_unit_test(test_walk_ranges),
		cmocka_unit_test(test_walk_limits),
		cmocka_unit_test(test_null_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
