/*
 * Unit tests for the MIME side of src/compose: the editor file, building
 * the unsecured message (headers, encodings, attachments, protected
 * headers, header injection), replies and forwards, mailto: URIs and
 * resuming a saved draft. Decoding goes through src/mime, so what is built
 * is checked by the reader the pager uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "compose/compose_int.h"
#include "mime/mime.h"

#define CRLF "\r\n"

/* ------------------------------------------------------------ helpers */

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
msg_set(struct compose_msg *m, const char *from, const char *to,
    const char *subject, const char *body)
{
	compose_msg_init(m);
	m->from = from ? strdup(from) : NULL;
	m->to = to ? strdup(to) : NULL;
	m->subject = subject ? strdup(subject) : NULL;
	m->body = body ? strdup(body) : NULL;
}

static void
add_data_att(struct compose_msg *m, const char *data, size_t len,
    const char *name, const char *type)
{
	struct compose_attachment *a;

	m->atts = realloc(m->atts, (m->natts + 1) * sizeof(*m->atts));
	assert_non_null(m->atts);
	a = &m->atts[m->natts++];
	memset(a, 0, sizeof(*a));
	a->data = malloc(len + 1);
	memcpy(a->data, data, len);
	a->data[len] = '\0';
	a->len = len;
	a->name = name ? strdup(name) : NULL;
	a->type = type ? strdup(type) : NULL;
}

/* Build m and return the whole message: outer fields, then the entity. */
static char *
build(const struct compose_msg *m, const struct compose_mime_opts *o,
    struct compose_parts *p, size_t *len)
{
	struct cachet_err err = { 0, "" };
	char *msg;
	int rc = compose_mime_build(m, o, p, &err);

	if (rc != 0)
		fail_msg("compose_mime_build: %d %s", rc, err.msg);
	*len = strlen(p->headers) + p->entity_len;
	msg = malloc(*len + 1);
	memcpy(msg, p->headers, strlen(p->headers));
	memcpy(msg + strlen(p->headers), p->entity, p->entity_len);
	msg[*len] = '\0';
	return msg;
}

/* CRLF everywhere, no bare CR or LF, lines <= 78, optionally 7-bit. */
static void
assert_wire(const char *s, size_t len, bool seven_bit)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n') {
			if (i == 0 || s[i - 1] != '\r')
				fail_msg("bare LF at %zu", i);
			col = 0;
			continue;
		}
		if (s[i] == '\r' && (i + 1 >= len || s[i + 1] != '\n'))
			fail_msg("bare CR at %zu", i);
		if (s[i] != '\r' && ++col > 78)
			fail_msg("line longer than 78 at %zu", i);
		if (seven_bit && ((unsigned char)s[i] >= 0x80 || s[i] == 0))
			fail_msg("8-bit byte at %zu", i);
	}
	assert_true(len >= 2 && s[len - 2] == '\r' && s[len - 1] == '\n');
}

/* The unfolded raw value of the first field `name` in the header. */
static char *
field(const char *msg, const char *name)
{
	size_t n = strlen(name);
	const char *p = msg, *e;
	char *out = NULL;
	size_t olen = 0;

	while (*p && !(p[0] == '\r' && p[1] == '\n')) {
		e = strstr(p, CRLF);
		assert_non_null(e);
		if (out == NULL && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			out = strndup(p, (size_t)(e - p));
			olen = strlen(out);
		} else if (out != NULL && (*p == ' ' || *p == '\t')) {
			out = realloc(out, olen + (size_t)(e - p) + 1);
			memcpy(out + olen, p, (size_t)(e - p));
			olen += (size_t)(e - p);
			out[olen] = '\0';
		} else if (out != NULL) {
			break;
		}
		p = e + 2;
	}
	return out;
}

/* ------------------------------------------------------------- drafts */

static void
test_draft_round_trip(void **state)
{
	struct compose_msg m, r;
	struct cachet_err err;
	char *text;

	msg_set(&m, "Jörg Müller <jm@example.org>",
	    "Alice <a@example.com>, \"Doe, Bob\" <bob@example.com>",
	    "Grüße — ça va?", "Hallo,\n\nzweite Zeile\n> quoted\n");
	m.cc = strdup("c@example.net");
	m.bcc = strdup("hidden@example.net");
	text = compose_draft_format(&m);
	assert_string_equal(text, "From: Jörg Müller <jm@example.org>\n"
	    "To: Alice <a@example.com>, \"Doe, Bob\" <bob@example.com>\n"
	    "Cc: c@example.net\nBcc: hidden@example.net\n"
	    "Subject: Grüße — ça va?\n\nHallo,\n\nzweite Zeile\n> quoted\n");
	compose_msg_init(&r);
	r.security = COMPOSE_SIGN;
	assert_int_equal(compose_draft_parse(&r, text, strlen(text), &err), 0);
	assert_string_equal(r.from, m.from);
	assert_string_equal(r.to, m.to);
	assert_string_equal(r.cc, m.cc);
	assert_string_equal(r.bcc, m.bcc);
	assert_string_equal(r.subject, m.subject);
	assert_string_equal(r.body, m.body);
	assert_int_equal(r.security, COMPOSE_SIGN);	/* kept */
	free(text);
	compose_msg_release(&r);
	compose_msg_release(&m);
}

static void
test_draft_folded_and_crlf(void **state)
{
	const char *t = "from: Me <me@example.org>\r\n"
	    "To: a@example.com,\r\n   b@example.com,\r\n\tc@example.com\r\n"
	    "Subject: one\r\n two\r\nCc:\r\n\r\nline 1\r\nline 2";
	struct compose_msg m;
	struct cachet_err err;

	compose_msg_init(&m);
	m.cc = strdup("old@example.com");
	assert_int_equal(compose_draft_parse(&m, t, strlen(t), &err), 0);
	assert_string_equal(m.from, "Me <me@example.org>");
	assert_string_equal(m.to,
	    "a@example.com, b@example.com, c@example.com");
	assert_string_equal(m.subject, "one two");
	assert_null(m.cc);	/* emptied by the user */
	assert_null(m.bcc);
	assert_string_equal(m.body, "line 1\nline 2");
	compose_msg_release(&m);

	/* Headers only, no body; then an empty file. */
	compose_msg_init(&m);
	assert_int_equal(compose_draft_parse(&m, "To: x@y.z\n", 10, &err), 0);
	assert_string_equal(m.to, "x@y.z");
	assert_string_equal(m.body, "");
	assert_int_equal(compose_draft_parse(&m, NULL, 0, &err), 0);
	assert_null(m.to);
	compose_msg_release(&m);
}

static void
test_draft_errors(void **state)
{
	const char *t = "From: me@example.org\nTo: a@example.com\n"
	    "X-Evil: 1\nSubject: s\n\nbody\n";
	struct compose_msg m;
	struct cachet_err err;

	msg_set(&m, "old@example.org", "old@example.com", "old", "old body");
	assert_int_equal(compose_draft_parse(&m, t, strlen(t), &err),
	    CACHET_E_INVAL);
	assert_string_equal(err.msg, "line 3: unknown header field X-Evil");
	assert_string_equal(m.from, "old@example.org");	/* unchanged */
	assert_string_equal(m.to, "old@example.com");
	assert_string_equal(m.subject, "old");
	assert_string_equal(m.body, "old body");

	assert_int_equal(compose_draft_parse(&m, " folded\n\n", 9, &err),
	    CACHET_E_INVAL);
	assert_contains(err.msg, "line 1:");
	assert_int_equal(compose_draft_parse(&m, "To x\n\n", 6, &err),
	    CACHET_E_INVAL);
	assert_int_equal(compose_draft_parse(&m,
	    "Subject: a\nSubject: b\n\n", 23, &err), CACHET_E_INVAL);
	assert_contains(err.msg, "line 2:");
	/* A control character in the name is not drawn back. */
	assert_int_equal(compose_draft_parse(&m, "\x1b[2J: x\n\n", 9, &err),
	    CACHET_E_INVAL);
	assert_lacks(err.msg, "\x1b");
	assert_string_equal(m.subject, "old");
	assert_int_equal(compose_draft_parse(NULL, "", 0, &err),
	    CACHET_E_INVAL);
	compose_msg_release(&m);
}

/* -------------------------------------------------------------- build */

static void
test_build_plain_ascii(void **state)
{
	const char *head = "From: John Doe <john@example.com>" CRLF
	    "To: alice@example.org, \"Bob B.\" <bob@example.org>" CRLF
	    "Subject: Hello there" CRLF "Date: ";
	struct compose_msg m;
	struct compose_parts p;
	char *msg, *v;
	size_t len;

	msg_set(&m, "John Doe <john@example.com>",
	    "alice@example.org, \"Bob B.\" <bob@example.org>", "Hello there",
	    "Hi Alice,\nsee you.\n");
	msg = build(&m, NULL, &p, &len);
	assert_string_equal(p.entity,
	    "Content-Type: text/plain; charset=us-ascii" CRLF
	    "Content-Transfer-Encoding: 7bit" CRLF CRLF
	    "Hi Alice," CRLF "see you." CRLF);
	assert_int_equal(p.entity_len, strlen(p.entity));
	assert_true(strncmp(p.headers, head, strlen(head)) == 0);
	assert_contains(p.headers, CRLF "MIME-Version: 1.0" CRLF);
	assert_lacks(p.headers, "Content-");
	assert_lacks(p.headers, "Bcc");
	v = field(msg, "Message-ID");
	assert_non_null(v);
	assert_true(v[0] == '<' && v[strlen(v) - 1] == '>');
	assert_contains(v, "@example.com>");
	assert_int_equal(strlen(v), strlen(p.message_id) + 2);
	assert_true(strncmp(v + 1, p.message_id, strlen(p.message_id)) == 0);
	free(v);
	v = field(msg, "Date");
	assert_non_null(v);
	assert_true(strlen(v) >= 29);	/* "Sat, 28 Nov 2026 22:02:47 +0000" */
	free(v);
	assert_wire(msg, len, true);
	assert_string_equal(p.env_from, "john@example.com");
	assert_int_equal(p.nrcpts, 2);
	assert_string_equal(p.rcpts[0], "alice@example.org");
	assert_string_equal(p.rcpts[1], "bob@example.org");
	free(msg);
	compose_parts_release(&p);
	compose_parts_release(&p);	/* released twice is harmless */
	compose_msg_release(&m);
}

static void
test_build_encodings(void **state)
{
	struct compose_msg m;
	struct compose_parts p;
	struct mime_view v;
	char *msg, *data;
	size_t len, dlen;

	/* Mostly ASCII, a line starting "From " and trailing space: QP. */
	msg_set(&m, "a@example.com", "b@example.com", "s",
	    "Café au lait\nFrom here on \nend");
	msg = build(&m, NULL, &p, &len);
	assert_contains(p.entity, "charset=utf-8");
	assert_contains(p.entity, "quoted-printable");
	assert_wire(msg, len, true);
	assert_int_equal(mime_part_data(msg, len, 0, &data, &dlen, NULL), 0);
	assert_string_equal(data, "Café au lait\r\nFrom here on \r\nend\r\n");
	free(data);
	free(msg);
	compose_parts_release(&p);
	compose_msg_release(&m);

	/* Mostly not ASCII: base64; still decodes to the same text. */
	msg_set(&m, "a@example.com", "b@example.com", "s",
	    "Привет, как дела? Всё хорошо.\n");
	msg = build(&m, NULL, &p, &len);
	assert_contains(p.entity, "Content-Transfer-Encoding: base64");
	assert_wire(msg, len, true);
	assert_int_equal(mime_render(msg, len, &v, NULL), 0);
	assert_string_equal(v.body, "Привет, как дела? Всё хорошо.");
	mime_view_release(&v);
	free(msg);
	compose_parts_release(&p);
	compose_msg_release(&m);

	/* A long ASCII line is not sent 7bit. */
	data = malloc(301);
	memset(data, 'x', 300);
	data[300] = '\0';
	msg_set(&m, "a@example.com", "b@example.com", "s", data);
	msg = build(&m, NULL, &p, &len);
	assert_contains(p.entity, "quoted-printable");
	assert_wire(msg, len, true);
	free(data);
	free(msg);
	compose_parts_release(&p);
	compose_msg_release(&m);
}

static void
test_build_rfc2047(void **state)
{
	const char *subj = "Grüße aus München — ein sehr langer Betreff, "
	    "der über mehrere Zeilen gefaltet werden muss: "
	    "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung";
	struct compose_msg m;
	struct compose_parts p;
	struct mime_envelope env;
	char *msg, *v, *d;
	size_t len;

	msg_set(&m, "Jörg Müller <jm@example.org>",
	    "\"Doe, Jérôme\" <jd@example.org>, =?x <odd@example.org>", subj,
	    "x\n");
	msg = build(&m, NULL, &p, &len);
	assert_wire(msg, len, true);
	v = field(msg, "Subject");
	d = mime_decode_header(v);
	assert_string_equal(d, subj);
	free(d);
	free(v);
	assert_int_equal(mime_parse_envelope(msg, len, &env, NULL), 0);
	assert_string_equal(env.from, "Jörg Müller <jm@example.org>");
	assert_contains(env.to, "Jérôme");
	assert_contains(env.to, "<jd@example.org>");
	assert_string_equal(env.subject, subj);
	mime_envelope_release(&env);
	/* Addresses are never encoded. */
	assert_contains(p.headers, "<jm@example.org>");
	assert_contains(p.headers, "<odd@example.org>");
	assert_lacks(p.headers, " =?x ");
	free(msg);
	compose_parts_release(&p);
	compose_msg_release(&m);
}

static void
test_build_attachment_names(void **state)
{
	const char *name1 = "Übersicht März – Entwurf.pdf";
	const char *name2 = "Ein wirklich sehr langer Dateiname mit Umlauten "
	    "äöü und noch mehr Text, damit er in Stücken kommt.txt";
	struct compose_msg m;
	struct compose_parts p;
	struct mime_view v;
	char *msg;
	size_t len;

	msg_set(&m, "a@example.com", "b@example.com", "files", "see\n");
	add_data_att(&m, "%PDF-1.4\n", 9, name1, NULL);
	add_data_att(&m, "plain text\n", 11, name2, NULL);
	add_data_att(&m, "x", 1, "report.txt", NULL);
	msg = build(&m, NULL, &p, &len);
	assert_wire(msg, len, true);
	assert_contains(p.entity, "filename*0*=utf-8''");
	assert_int_equal(mime_render(msg, len, &v, NULL), 0);
	assert_int_equal(v.nparts, 4);
	assert_true(v.parts[0].is_body);
	assert_string_equal(v.parts[1].filename, name1);
	assert_string_equal(v.parts[1].type, "application/pdf");
	assert_string_equal(v.parts[2].filename, name2);
	assert_string_equal(v.parts[2].type, "text/plain");
	assert_string_equal(v.parts[3].filename, "report.txt");
	assert_string_equal(v.body, "see");
	mime_view_release(&v);
	free(msg);
	compose_parts_release(&p);
	compose_msg_release(&m);
}

static void
test_build_attachment_bytes(void **state)
{
	char bin[600];
	const char text[] = "no newline at the end\r\nmixed\nends";
	struct compose_msg m;
	struct compose_parts p;
	struct mime_view v;
	char *msg, *data, path[] = "/tmp/cachet-att-XXXXXX";
	size_t len, dlen, i;
	FILE *f;
	int fd;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (char)(i * 7 % 256);
	bin[0] = '\0';
	bin[sizeof(bin) - 1] = '\0';
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fwrite(bin, 1, 300, f);
	fclose(f);

	msg_set(&m, "a@example.com", "b@example.com", "bytes", "");
	add_data_att(&m, bin, sizeof(bin), "blob", NULL);
	add_data_att(&m, text, sizeof(text) - 1, "t", NULL);
	compose_msg_attach_file(&m, path, NULL, "application/X-Test");
	msg = build(&m, NULL, &p, &len);
	unlink(path);
	assert_wire(msg, len, true);
	assert_int_equal(mime_render(msg, len, &v, NULL), 0);
	/* No body text: three attachment leaves. */
	assert_int_equal(v.nparts, 3);
	assert_string_equal(v.parts[0].type, "application/octet-stream");
	assert_string_equal(v.parts[1].type, "text/plain");
	assert_string_equal(v.parts[2].type, "application/x-test");
	assert_string_equal(v.parts[2].filename, path + 5);
	mime_view_release(&v);
	assert_int_equal(mime_part_data(msg, len, 0, &data, &dlen, NULL), 0);
	assert_int_equal(dlen, sizeof(bin));
	assert_memory_equal(data, bin, sizeof(bin));
	free(data);
	assert_int_equal(mime_part_data(msg, len, 1, &data, &dlen, NULL), 0);
	assert_int_equal(dlen, sizeof(text) - 1);
	assert_memory_equal(data, text, sizeof(text) - 1);
	free(data);
	assert_int_equal(mime_part_data(msg, len, 2, &data, &dlen, NULL), 0);
	assert_int_equal(dlen, 300);
	assert_memory_equal(data, bin, 300);
	free(data);
	free(msg);
	compose_parts_release(&p);
	compose_msg_release(&m);
}

static void
test_build_bcc_and_rcpts(void **state)
{
	struct compose_mime_opts draft = { .keep_bcc = true };
	struct compose_msg m;
	struct compose_parts p;
	char *msg;
	size_t len;

	msg_set(&m, "Me <Me@Example.org>", "A <a@example.com>, B@Example.com",
	    "s", "b\n");
	m.cc = strdup("a@EXAMPLE.com, Grp: c@example.com, d@example.com;");
	m.bcc = strdup("Secret Person <secret@example.net>, b@example.com");
	msg = build(&m, NULL, &p, &len);
	assert_lacks(msg, "Bcc");
	assert_lacks(msg, "secret");
	assert_string_equal(p.env_from, "Me@Example.org");
	assert_int_equal(p.nrcpts, 5);
	assert_string_equal(p.rcpts[0], "a@example.com");
	assert_string_equal(p.rcpts[1], "b@example.com");
	assert_string_equal(p.rcpts[2], "c@example.com");
	assert_string_equal(p.rcpts[3], "d@example.com");
	assert_string_equal(p.rcpts[4], "secret@example.net");
	free(msg);
	compose_parts_release(&p);

	msg = build(&m, &draft, &p, &len);
	assert_contains(p.headers, "Bcc: Secret Person <secret@example.net>");
	free(msg);
	compose_parts_release(&p);
	compose_msg_release(&m);
}

static void
test_build_injection(void **state)
{
	struct compose_mime_opts bad = { .extra = "X-A: 1\r\n\r\nBody" };
	struct compose_mime_opts nocrlf = { .extra = "X-A: 1" };
	struct compose_mime_opts ok = { .extra = "X-Cachet-Draft: sign\r\n" };
	struct compose_msg m;
	struct compose_parts p;
	struct cachet_err err;
	char *msg;
	size_t len;

	msg_set(&m, "a@example.com", "b@example.com",
	    "Hi\r\nBcc: victim@example.com", "b\n");
	assert_int_equal(compose_mime_build(&m, NULL, &p, &err),
	    CACHET_E_INVAL);
	assert_contains(err.msg, "Subject");
	assert_null(p.headers);
	free(m.subject);
	m.subject = strdup("fine");
	free(m.to);
	m.to = strdup("b@example.com\nBcc: x@example.com");
	assert_int_equal(compose_mime_build(&m, NULL, &p, &err),
	    CACHET_E_INVAL);
	free(m.to);
	m.to = strdup("b@example.com");
	m.in_reply_to = strdup("id@x>\r\nX-Evil: 1");
	assert_int_equal(compose_mime_build(&m, NULL, &p, &err),
	    CACHET_E_INVAL);
	free(m.in_reply_to);
	m.in_reply_to = strdup("two ids@x");
	assert_int_equal(compose_mime_build(&m, NULL, &p, &err), 0);
	compose_parts_release(&p);
	free(m.in_reply_to);
	m.in_reply_to = strdup("a>b@x");
	assert_int_equal(compose_mime_build(&m, NULL, &p, &err),
	    CACHET_E_INVAL);
	free(m.in_reply_to);
	m.in_reply_to = NULL;
	add_data_att(&m, "x", 1, "a\r\nContent-Type: text/html", NULL);
	assert_int_equal(compose_mime_build(&m, NULL, &p, &err),
	    CACHET_E_INVAL);
	free(m.atts[0].name);
	m.atts[0].name = strdup("a.txt");
	m.atts[0].type = strdup("text/plain; x=\"");
	assert_int_equal(compose_mime_build(&m, NULL, &p, &err),
	    CACHET_E_INVAL);
	free(m.atts[0].type);
	m.atts[0].type = NULL;
	assert_int_equal(compose_mime_build(&m, &bad, &p, &err),
	    CACHET_E_INVAL);
	assert_int_equal(compose_mime_build(&m, &nocrlf, &p, &err),
	    CACHET_E_INVAL);
	compose_msg_attach_file(&m, "/nonexistent/cachet/x.pdf", NULL, NULL);
	assert_true(compose_mime_build(&m, NULL, &p, &err) < 0);
	assert_contains(err.msg, "attachment 2");
	free(m.atts[1].path);
	free(m.atts[1].name);
	m.natts = 1;
	msg = build(&m, &ok, &p, &len);
	assert_contains(p.headers, CRLF "X-Cachet-Draft: sign" CRLF);
	free(msg);
	compose_parts_release(&p);
	/* Bad addresses and a missing From. */
	free(m.to);
	m.to = strdup("not an address");
	assert_int_equal(compose_mime_build(&m, NULL, &p, &err),
	    CACHET_E_INVAL);
	free(m.to);
	m.to = strdup("b@example.com");
	free(m.from);
	m.from = NULL;
	assert_int_equal(compose_mime_build(&m, NULL, &p, &err),
	    CACHET_E_INVAL);
	m.from = strdup("a@example.com, c@example.com");
	assert_int_equal(compose_mime_build(&m, NULL, &p, &err),
	    CACHET_E_INVAL);
	assert_int_equal(compose_mime_build(NULL, NULL, &p, &err),
	    CACHET_E_INVAL);
	compose_msg_release(&m);
}

static void
test_build_protected(void **state)
{
	struct compose_mime_opts o = { .protect = true };
	struct compose_msg m;
	struct compose_parts p;
	char *msg, *v, *d;
	size_t len;
	const char *ct;

	msg_set(&m, "a@example.com", "b@example.com", "Secret plans ünd more",
	    "b\n");
	msg = build(&m, &o, &p, &len);
	v = field(msg, "Subject");
	assert_string_equal(v, "...");
	free(v);
	/* The entity's own header: copies first, then Content-Type. */
	v = field(p.entity, "Subject");
	d = mime_decode_header(v);
	assert_string_equal(d, "Secret plans ünd more");
	free(d);
	free(v);
	v = field(p.entity, "Message-ID");
	assert_contains(v, p.message_id);
	free(v);
	assert_true(strncmp(p.entity, "From: a@example.com" CRLF, 21) == 0);
	ct = strstr(p.entity, "Content-Type: text/plain");
	assert_non_null(ct);
	assert_true(strstr(p.entity, "Date: ") < ct);
	assert_contains(ct, "protected-headers=\"v1\"");
	assert_wire(msg, len, true);
	free(msg);
	compose_parts_release(&p);

	/* With an attachment the multipart carries the parameter. */
	add_data_att(&m, "x", 1, "x.bin", NULL);
	msg = build(&m, &o, &p, &len);
	ct = strstr(p.entity, "Content-Type: multipart/mixed");
	assert_non_null(ct);
	assert_contains(ct, "protected-headers=\"v1\"");
	assert_wire(msg, len, true);
	free(msg);
	compose_parts_release(&p);
	compose_msg_release(&m);
}

/* ------------------------------------------------------------ replies */

static const char orig[] =
    "From: Alice Example <alice@example.org>" CRLF
    "To: Bob <bob@example.com>, me@example.net" CRLF
    "Cc: carol@example.org, Me Again <ME@example.net>, bob@example.com" CRLF
    "Subject: Re: RE: Lunch?" CRLF
    "Date: Mon, 3 Jun 2024 10:00:00 +0000" CRLF
    "Message-ID: <m3@example.org>" CRLF
    "References: <m1@example.org> <m2@example.org>" CRLF
    "Content-Type: multipart/mixed; boundary=XX" CRLF CRLF
    "--XX" CRLF "Content-Type: text/plain; charset=iso-8859-1" CRLF
    "Content-Transfer-Encoding: quoted-printable" CRLF CRLF
    "Shall we have lunch at the caf=E9?" CRLF "> earlier" CRLF CRLF
    "Alice" CRLF
    "--XX" CRLF "Content-Type: image/png; name=menu.png" CRLF
    "Content-Disposition: attachment; filename=menu.png" CRLF
    "Content-Transfer-Encoding: base64" CRLF CRLF "iVBORw0KGgo=" CRLF
    "--XX--" CRLF;

static void
test_reply(void **state)
{
	struct compose_msg m;
	struct cachet_err err;

	assert_int_equal(compose_reply(orig, strlen(orig), NULL,
	    COMPOSE_REPLY, "Me <me@example.net>", &m, &err), 0);
	assert_string_equal(m.from, "Me <me@example.net>");
	assert_string_equal(m.to, "Alice Example <alice@example.org>");
	assert_null(m.cc);
	assert_string_equal(m.subject, "Re: Lunch?");
	assert_string_equal(m.in_reply_to, "m3@example.org");
	assert_string_equal(m.references,
	    "m1@example.org m2@example.org m3@example.org");
	assert_contains(m.body, " Alice Example wrote:\n");
	assert_true(strncmp(m.body, "On ", 3) == 0);
	assert_contains(m.body, "\n> Shall we have lunch at the café?\n"
	    ">> earlier\n>\n> Alice\n");
	assert_lacks(m.body, "iVBOR");
	assert_int_equal(m.natts, 0);
	assert_int_equal(m.security, 0);
	compose_msg_release(&m);

	assert_int_equal(compose_reply(orig, strlen(orig), NULL,
	    COMPOSE_REPLY_ALL, "Me <me@example.net>", &m, &err), 0);
	assert_string_equal(m.to, "Alice Example <alice@example.org>");
	assert_string_equal(m.cc,
	    "Bob <bob@example.com>, carol@example.org");
	compose_msg_release(&m);
}

static void
test_reply_references_bounded(void **state)
{
	struct buf b = BUF_INIT;
	struct compose_msg m;
	char *refs;
	int i, n = 0;

	buf_adds(&b, "From: a@example.org" CRLF "Subject: re: re:re: x" CRLF
	    "Reply-To: List <list@example.org>" CRLF
	    "Message-ID: <last@example.org>" CRLF "References:");
	for (i = 0; i < 100; i++)
		buf_addf(&b, " <r%d@example.org>", i);
	buf_adds(&b, CRLF CRLF "text" CRLF);
	assert_int_equal(compose_reply(b.data, b.len, NULL, COMPOSE_REPLY,
	    NULL, &m, NULL), 0);
	assert_string_equal(m.subject, "Re: x");
	assert_string_equal(m.to, "List <list@example.org>");
	assert_null(m.from);
	refs = m.references;
	for (i = 0; refs[i]; i++)
		n += refs[i] == ' ';
	assert_int_equal(n + 1, 20);
	assert_true(strncmp(refs, "r0@example.org r82@example.org", 30) == 0);
	assert_contains(refs, "r99@example.org last@example.org");
	compose_msg_release(&m);
	buf_release(&b);
}

static void
test_forward(void **state)
{
	struct compose_msg m;
	struct compose_parts p;
	struct mime_view v;
	char *msg, *data;
	size_t len, dlen;

	assert_int_equal(compose_reply(orig, strlen(orig), NULL,
	    COMPOSE_FORWARD_INLINE, "me@example.net", &m, NULL), 0);
	assert_string_equal(m.subject, "Fwd: Re: RE: Lunch?");
	assert_null(m.to);
	assert_null(m.in_reply_to);
	assert_contains(m.body, "-------- Forwarded message --------\n"
	    "From: Alice Example <alice@example.org>\nDate: ");
	assert_contains(m.body, "\nSubject: Re: RE: Lunch?\n");
	assert_contains(m.body, "\nShall we have lunch at the café?\n");
	assert_int_equal(m.natts, 1);	/* the picture comes along */
	assert_string_equal(m.atts[0].name, "menu.png");
	assert_string_equal(m.atts[0].type, "image/png");
	assert_int_equal(m.atts[0].len, 8);
	compose_msg_release(&m);

	assert_int_equal(compose_reply(orig, strlen(orig), NULL,
	    COMPOSE_FORWARD_ATTACH, "me@example.net", &m, NULL), 0);
	assert_string_equal(m.body, "");
	assert_int_equal(m.natts, 1);
	assert_string_equal(m.atts[0].type, "message/rfc822");
	assert_int_equal(m.atts[0].len, strlen(orig));
	assert_memory_equal(m.atts[0].data, orig, strlen(orig));
	assert_false(m.quotes_decrypted);
	/* Built, the message goes unencoded (RFC 2046). */
	free(m.to);
	m.to = strdup("x@example.com");
	msg = build(&m, NULL, &p, &len);
	assert_contains(p.entity, "Content-Type: message/rfc822");
	assert_contains(p.entity, "Content-Transfer-Encoding: 7bit");
	assert_contains(p.entity, "Subject: Re: RE: Lunch?" CRLF);
	assert_wire(msg, len, true);
	assert_int_equal(mime_render(msg, len, &v, NULL), 0);
	assert_int_equal(v.nparts, 1);
	assert_string_equal(v.parts[0].type, "message/rfc822");
	mime_view_release(&v);
	assert_int_equal(mime_part_data(msg, len, 0, &data, &dlen, NULL), 0);
	assert_int_equal(dlen, strlen(orig));
	assert_memory_equal(data, orig, dlen);
	free(data);
	free(msg);
	compose_parts_release(&p);
	compose_msg_release(&m);
}

static void
test_reply_decrypted(void **state)
{
	const char *outer = "From: a@example.org" CRLF "To: me@example.net"
	    CRLF "Subject: ..." CRLF "Message-ID: <enc@example.org>" CRLF
	    "Content-Type: multipart/encrypted; boundary=E; "
	    "protocol=\"application/pgp-encrypted\"" CRLF CRLF
	    "--E" CRLF "Content-Type: application/pgp-encrypted" CRLF CRLF
	    "Version: 1" CRLF "--E" CRLF
	    "Content-Type: application/octet-stream" CRLF CRLF
	    "-----BEGIN PGP MESSAGE-----" CRLF "--E--" CRLF;
	char display[] = "From: a@example.org" CRLF "To: me@example.net" CRLF
	    "Subject: ..." CRLF "Message-ID: <enc@example.org>" CRLF
	    "Content-Type: text/plain; charset=utf-8" CRLF CRLF
	    "the secret text" CRLF;
	char psubj[] = "Real subject";
	struct crypto_part_status part;
	struct crypto_status st;
	struct compose_msg m;

	memset(&part, 0, sizeof(part));
	part.proto = CRYPTO_PROTO_OPENPGP;
	part.kind = CRYPTO_PART_ENCRYPTED;
	memset(&st, 0, sizeof(st));
	st.verdict = CRYPTO_VERDICT_SIGNED;
	st.flags = CRYPTO_ST_ENCRYPTED;
	st.display = display;
	st.display_len = strlen(display);
	st.protected_subject = psubj;
	st.parts = &part;
	st.nparts = 1;
	assert_int_equal(compose_reply(outer, strlen(outer), &st,
	    COMPOSE_REPLY, "me@example.net", &m, NULL), 0);
	assert_string_equal(m.subject, "Re: Real subject");
	assert_contains(m.body, "> the secret text\n");
	assert_lacks(m.body, "PGP MESSAGE");
	assert_int_equal(m.security, COMPOSE_SIGN | COMPOSE_ENCRYPT);
	assert_int_equal(m.proto, COMPOSE_PROTO_OPENPGP);
	assert_true(m.quotes_decrypted);
	assert_true(m.orig_encrypted);
	assert_true(m.orig_signed);
	compose_msg_release(&m);

	/* Forwarded as an attachment: the decrypted message, S/MIME. */
	part.proto = CRYPTO_PROTO_SMIME;
	st.verdict = CRYPTO_VERDICT_PROBLEM;
	assert_int_equal(compose_reply(outer, strlen(outer), &st,
	    COMPOSE_FORWARD_ATTACH, "me@example.net", &m, NULL), 0);
	assert_string_equal(m.subject, "Fwd: Real subject");
	assert_int_equal(m.atts[0].len, strlen(display));
	assert_memory_equal(m.atts[0].data, display, strlen(display));
	assert_string_equal(m.atts[0].name, "Real subject.eml");
	assert_int_equal(m.security, COMPOSE_ENCRYPT);
	assert_int_equal(m.proto, COMPOSE_PROTO_SMIME);
	assert_true(m.quotes_decrypted);
	assert_false(m.orig_signed);
	compose_msg_release(&m);

	assert_int_equal(compose_reply(NULL, 0, NULL, COMPOSE_REPLY, NULL,
	    &m, NULL), CACHET_E_INVAL);
	compose_msg_release(&m);
}

/* ------------------------------------------------------------- mailto */

static void
test_mailto(void **state)
{
	struct compose_msg m;
	struct cachet_err err;

	assert_int_equal(compose_mailto("mailto:a@example.com,%22J%C3%B6rg%22"
	    "%20%3Cj@example.de%3E?subject=Gr%C3%BC%C3%9Fe%20+more&cc=c@x.org"
	    "&to=t@example.com&attach=/etc/passwd&file=%2Fetc%2Fshadow"
	    "&From=evil@x.org&X-Header=1&bcc=b@x.org"
	    "&body=line%201%0D%0Aline%202%0Dthree&In-Reply-To=%3Cid@x%3E",
	    &m, &err), 0);
	assert_string_equal(m.to,
	    "a@example.com,\"Jörg\" <j@example.de>, t@example.com");
	assert_string_equal(m.subject, "Grüße +more");
	assert_string_equal(m.cc, "c@x.org");
	assert_string_equal(m.bcc, "b@x.org");
	assert_string_equal(m.body, "line 1\nline 2\nthree");
	assert_string_equal(m.in_reply_to, "id@x");
	assert_int_equal(m.natts, 0);
	assert_null(m.from);
	compose_msg_release(&m);

	assert_int_equal(compose_mailto("MAILTO:?subject=x%0D%0ABcc:%20e@x",
	    &m, &err), CACHET_E_INVAL);
	assert_null(m.subject);
	assert_int_equal(compose_mailto("mailto:a@x?to=b@x%0Ac@x", &m, &err),
	    CACHET_E_INVAL);
	assert_int_equal(compose_mailto("mailto:a@x?subject=%FF%FE", &m,
	    &err), CACHET_E_INVAL);
	assert_int_equal(compose_mailto("mailto:a@x?subject=%00", &m, &err),
	    CACHET_E_INVAL);
	assert_int_equal(compose_mailto("http://x", &m, &err),
	    CACHET_E_INVAL);
	assert_int_equal(compose_mailto(NULL, &m, &err), CACHET_E_INVAL);
	/* Broken escapes stay as they are; no field at all is fine. */
	assert_int_equal(compose_mailto("mailto:a%4@x?subject=50%&&=&x",
	    &m, &err), 0);
	assert_string_equal(m.to, "a%4@x");
	assert_string_equal(m.subject, "50%");
	compose_msg_release(&m);
	assert_int_equal(compose_mailto("mailto:", &m, &err), 0);
	assert_null(m.to);
	compose_msg_release(&m);
}

static void
test_mailto_oversized(void **state)
{
	struct compose_msg m;
	size_t n = 200 * 1024;
	char *uri = malloc(n + 1);

	memcpy(uri, "mailto:a@x?body=", 16);
	memset(uri + 16, 'x', n - 16);
	uri[n] = '\0';
	assert_int_equal(compose_mailto(uri, &m, NULL), CACHET_E_INVAL);
	compose_msg_release(&m);
	free(uri);
}

/* ------------------------------------------------------------- resume */

static void
test_resume(void **state)
{
	struct compose_mime_opts o = { .keep_bcc = true,
	    .extra = "X-Cachet-Draft: sign, encrypt, proto=smime\r\n" };
	struct compose_msg m, r;
	struct compose_parts p;
	struct crypto_ctx none;
	char *msg;
	size_t len;
	int pass;

	msg_set(&m, "Jörg <j@example.de>", "\"Doe, Ann\" <ann@example.com>",
	    "Entwurf über alles", "Text mit Ümläuten\n\tund Tab\n");
	m.cc = strdup("c@example.com");
	m.bcc = strdup("b@example.com");
	m.in_reply_to = strdup("parent@example.org");
	m.references = strdup("root@example.org parent@example.org");
	add_data_att(&m, "a\0b", 3, "bin.dat", NULL);
	add_data_att(&m, "From: x@y\r\n\r\nhi\r\n", 17, NULL,
	    "message/rfc822");
	msg = build(&m, &o, &p, &len);
	memset(&none, 0, sizeof(none));
	for (pass = 0; pass < 2; pass++) {
		assert_int_equal(compose_from_message(msg, len,
		    pass ? &none : NULL, &r, NULL), 0);
		assert_string_equal(r.from, m.from);
		assert_string_equal(r.to, m.to);
		assert_string_equal(r.cc, m.cc);
		assert_string_equal(r.bcc, m.bcc);
		assert_string_equal(r.subject, m.subject);
		assert_string_equal(r.in_reply_to, m.in_reply_to);
		assert_string_equal(r.references, m.references);
		assert_string_equal(r.body, m.body);
		assert_int_equal(r.security, COMPOSE_SIGN | COMPOSE_ENCRYPT);
		assert_int_equal(r.proto, COMPOSE_PROTO_SMIME);
		assert_int_equal(r.natts, 2);
		assert_null(r.atts[0].path);
		assert_string_equal(r.atts[0].name, "bin.dat");
		assert_string_equal(r.atts[0].type, "application/octet-stream");
		assert_int_equal(r.atts[0].len, 3);
		assert_memory_equal(r.atts[0].data, "a\0b", 3);
		assert_string_equal(r.atts[1].type, "message/rfc822");
		assert_int_equal(r.atts[1].len, 17);
		compose_msg_release(&r);
	}
	free(msg);
	compose_parts_release(&p);
	compose_msg_release(&m);
	assert_int_equal(compose_from_message(NULL, 0, NULL, &r, NULL),
	    CACHET_E_INVAL);
	compose_msg_release(&r);
}

/* A built entity wrapped as PGP/MIME by the fake engine ("FAKEENC:"). */
static char *
fake_encrypted(const struct compose_parts *p, const char *prefix,
    size_t *len)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, p->headers);
	buf_adds(&b, "Content-Type: multipart/encrypted;" CRLF
	    "\tprotocol=\"application/pgp-encrypted\"; boundary=\"ENC\"" CRLF
	    CRLF "--ENC" CRLF "Content-Type: application/pgp-encrypted" CRLF
	    CRLF "Version: 1" CRLF CRLF "--ENC" CRLF
	    "Content-Type: application/octet-stream" CRLF CRLF);
	buf_adds(&b, prefix);
	buf_add(&b, p->entity, p->entity_len);
	buf_adds(&b, CRLF "--ENC--" CRLF);
	return buf_detach(&b, len);
}

static void
test_resume_encrypted(void **state)
{
	struct compose_mime_opts o = { .keep_bcc = true, .protect = true,
	    .extra = "X-Cachet-Draft: encrypt, proto=openpgp\r\n" };
	struct crypto_engine_opts eo;
	struct crypto_ctx c;
	struct crypto_status st;
	struct compose_msg m, r;
	struct compose_parts p;
	struct cachet_err err;
	char *msg;
	size_t len;

	memset(&eo, 0, sizeof(eo));
	memset(&c, 0, sizeof(c));
	assert_int_equal(crypto_engine_open(&c.openpgp, "fake",
	    CRYPTO_PROTO_OPENPGP, &eo, &err), 0);
	msg_set(&m, "Me <me@example.org>", "you@example.com",
	    "Geheimer Betreff über Pläne", "streng geheim\n");
	m.bcc = strdup("hidden@example.net");
	assert_int_equal(compose_mime_build(&m, &o, &p, &err), 0);
	msg = fake_encrypted(&p, "FAKEENC:", &len);
	assert_lacks(msg, "Subject: =?utf-8");	/* only inside */

	/* The status reader finds the protected Subject we wrote. */
	assert_int_equal(crypto_status_compute(&c, msg, len, &st, &err), 0);
	assert_true(st.flags & CRYPTO_ST_ENCRYPTED);
	assert_string_equal(st.protected_subject,
	    "Geheimer Betreff über Pläne");
	assert_int_equal(compose_reply(msg, len, &st, COMPOSE_REPLY,
	    "Me <me@example.org>", &r, &err), 0);
	assert_string_equal(r.subject, "Re: Geheimer Betreff über Pläne");
	assert_string_equal(r.to, "you@example.com");	/* own message */
	assert_contains(r.body, "> streng geheim\n");
	assert_true(r.security & COMPOSE_ENCRYPT);
	assert_int_equal(r.proto, COMPOSE_PROTO_OPENPGP);
	compose_msg_release(&r);
	crypto_status_release(&st);

	assert_int_equal(compose_from_message(msg, len, &c, &r, &err), 0);
	assert_string_equal(r.subject, m.subject);
	assert_string_equal(r.body, m.body);
	assert_string_equal(r.bcc, m.bcc);
	assert_int_equal(r.security, COMPOSE_ENCRYPT);
	assert_int_equal(r.proto, COMPOSE_PROTO_OPENPGP);
	assert_int_equal(r.natts, 0);
	compose_msg_release(&r);
	free(msg);

	/* A draft that cannot be decrypted is an error, not empty. */
	msg = fake_encrypted(&p, "FAKENOMDC:", &len);
	assert_int_not_equal(compose_from_message(msg, len, &c, &r, &err), 0);
	assert_null(r.body);
	compose_msg_release(&r);
	free(msg);
	compose_parts_release(&p);
	compose_msg_release(&m);
	crypto_engine_close(c.openpgp);
}

/* Garbage in: no crash, no leak, bounded work. */
static void
test_hostile_inputs(void **state)
{
	static const char *const msgs[] = {
		"", "\r\n\r\n", "From:\r\nTo: ,,,\r\nReply-To: <>\r\n\r\n",
		"From: \"unterminated <a@b\r\nSubject: =?utf-8?B?####?=\r\n\r\n",
		"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x--",
		"Message-ID: <a b>\r\nReferences: <<<>>> <x@y>\r\n\r\nbody",
	};
	unsigned char junk[4096];
	struct compose_msg m;
	unsigned seed = 12345;
	size_t i, k;
	int mode;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		for (mode = COMPOSE_REPLY; mode <= COMPOSE_FORWARD_ATTACH;
		    mode++) {
			if (compose_reply(msgs[i], strlen(msgs[i]), NULL, mode,
			    "me@example.org", &m, NULL) == 0)
				assert_non_null(m.body);
			compose_msg_release(&m);
		}
		compose_from_message(msgs[i], strlen(msgs[i]), NULL, &m, NULL);
		compose_msg_release(&m);
	}
	for (k = 0; k < 20; k++) {
		for (i = 0; i < sizeof(junk); i++) {
			seed = seed * 1103515245u + 12345u;
			junk[i] = (unsigned char)(seed >> 16);
		}
		compose_reply((char *)junk, sizeof(junk), NULL,
		    COMPOSE_REPLY_ALL, NULL, &m, NULL);
		compose_msg_release(&m);
		compose_from_message((char *)junk, sizeof(junk), NULL, &m,
		    NULL);
		compose_msg_release(&m);
		compose_msg_init(&m);
		compose_draft_parse(&m, (char *)junk, sizeof(junk), NULL);
		compose_msg_release(&m);
	}
}

static void
test_msg_helpers(void **state)
{
	struct compose_msg m;

	compose_msg_init(&m);
	assert_true(m.encrypt_to_self);
	assert_int_equal(m.security, 0);
	compose_msg_attach_file(&m, "/home/u/docs/report.pdf", NULL, NULL);
	compose_msg_attach_file(&m, "x.bin", "Name.bin", "a/b");
	assert_int_equal(m.natts, 2);
	assert_string_equal(m.atts[0].name, "report.pdf");
	assert_null(m.atts[0].type);
	assert_string_equal(m.atts[1].name, "Name.bin");
	assert_string_equal(m.atts[1].type, "a/b");
	compose_msg_release(&m);
	assert_int_equal(m.natts, 0);
	assert_true(m.encrypt_to_self);
	compose_msg_release(NULL);
	compose_parts_release(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draft_round_trip),
		cmocka_unit_test(test_draft_folded_and_crlf),
		cmocka_unit_test(test_draft_errors),
		cmocka_unit_test(test_build_plain_ascii),
		cmocka_unit_test(test_build_encodings),
		cmocka_unit_test(test_build_rfc2047),
		cmocka_unit_test(test_build_attachment_names),
		cmocka_unit_test(test_build_attachment_bytes),
		cmocka_unit_test(test_build_bcc_and_rcpts),
		cmocka_unit_test(test_build_injection),
		cmocka_unit_test(test_build_protected),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_reply_references_bounded),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_reply_decrypted),
		cmocka_unit_test(test_mailto),
		cmocka_unit_test(test_mailto_oversized),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_resume_encrypted),
		cmocka_unit_test(test_hostile_inputs),
		cmocka_unit_test(test_msg_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
