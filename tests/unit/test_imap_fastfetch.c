/*
 * Unit tests for the fast FETCH reader (src/imap/imap_fastfetch.c): byte
 * strings fed in chunks of every size, good replies, hostile replies, and
 * the outcome codes. When run by tests/run.sh (which starts the test
 * Dovecot and exports CACHET_TEST_*), also a live session: the fast and
 * the libetpan path must agree, and libetpan commands (NOOP, SELECT, FETCH
 * FLAGS, IDLE) must still work after the fast path, with and without
 * COMPRESS and CONDSTORE. Run from the top of the source tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "imap/imap_int.h"
#include "store/store.h"

/* ---- a source over memory, handing out at most `chunk` bytes ---------- */

struct mem {
	const char *p;
	size_t len;
	size_t pos;
	size_t chunk;
};

static int
mem_peek(void *ctx, const char **p, size_t *len)
{
	struct mem *m = ctx;

	if (m->pos >= m->len)
		return -1;
	*p = m->p + m->pos;
	*len = m->len - m->pos < m->chunk ? m->len - m->pos : m->chunk;
	return 0;
}

static int
mem_read(void *ctx, void *dst, size_t n)
{
	struct mem *m = ctx;

	if (n > m->len - m->pos)
		return -1;
	memcpy(dst, m->p + m->pos, n);
	m->pos += n;
	return 0;
}

/* ---- what the parser reported ----------------------------------------- */

#define MAXMSG 16

struct got {
	size_t n;
	struct imap_msg m[MAXMSG];
	char *kw[MAXMSG];
	char *hdr[MAXMSG];
	bool has_hdr[MAXMSG];
	int stop_after;		/* fn returns 1 after this many; 0: never */
	size_t calls;
	char events[256];
};

static int
on_msg(void *ctx, const struct imap_msg *m)
{
	struct got *g = ctx;

	g->calls++;
	if (g->n < MAXMSG) {
		g->m[g->n] = *m;
		g->kw[g->n] = m->keywords ? strdup(m->keywords) : NULL;
		g->has_hdr[g->n] = m->header != NULL;
		g->hdr[g->n] = m->header ? strndup(m->header, m->header_len) :
		    NULL;
		g->n++;
	}
	return g->stop_after && g->calls >= (size_t)g->stop_after;
}

static void
on_event(void *ectx, enum imap_ff_event ev, uint32_t n)
{
	struct got *g = ectx;
	size_t l = strlen(g->events);

	snprintf(g->events + l, sizeof(g->events) - l, "%s%c%u",
	    l ? " " : "", ev == IMAP_FF_EXISTS ? 'E' : ev == IMAP_FF_RECENT ?
	    'R' : 'X', n);
}

static void
got_free(struct got *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->kw[i]);
		free(g->hdr[i]);
	}
	memset(g, 0, sizeof(*g));
}

/* ff->refused of the last run. */
static bool last_refused;

/* Parse text with chunk size chunk; *used gets how much was read. */
static int
run_chunk(const char *text, size_t len, size_t chunk, struct got *g,
    struct cachet_err *err, char **tagtext, size_t *used)
{
	struct mem m = {text, len, 0, chunk};
	struct imap_ff ff = {
		.src = {mem_peek, mem_read, &m},
		.tag = "7",
		.fn = on_msg,
		.ctx = g,
		.event = on_event,
		.ectx = g,
	};
	int r;

	memset(err, 0, sizeof(*err));
	r = imap_ff_parse(&ff, err);
	last_refused = ff.refused;
	if (tagtext)
		*tagtext = ff.text;
	else
		free(ff.text);
	if (used)
		*used = m.pos;
	return r;
}

static int
run(const char *text, struct got *g, struct cachet_err *err)
{
	return run_chunk(text, strlen(text), 4096, g, err, NULL, NULL);
}

/* ---- good replies ------------------------------------------------------ */

#define HDR1 "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\nSubject: hi\r\n\r\n"
#define GOOD \
	"* 1 FETCH (UID 11 FLAGS (\\Seen $Label1 \\Recent \\Flagged) " \
	"RFC822.SIZE 1234 INTERNALDATE \"01-Jan-2024 10:05:00 +0100\" " \
	"MODSEQ (42) BODY[HEADER.FIELDS (DATE FROM TO CC SUBJECT MESSAGE-ID " \
	"IN-REPLY-TO REFERENCES)] {54}\r\n" HDR1 ")\r\n" \
	"* 2 FETCH (BODY[HEADER.FIELDS (DATE FROM TO CC SUBJECT MESSAGE-ID " \
	"IN-REPLY-TO REFERENCES)] {0}\r\n FLAGS () UID 12 " \
	"INTERNALDATE \" 2-Feb-1999 23:59:59 -0130\" RFC822.SIZE 0)\r\n" \
	"7 OK Fetch completed.\r\n"

static void
check_good(const struct got *g)
{
	assert_int_equal(g->n, 2);
	assert_int_equal(g->m[0].uid, 11);
	assert_int_equal(g->m[0].flags, STORE_F_SEEN | STORE_F_FLAGGED);
	assert_string_equal(g->kw[0], "$Label1");
	assert_int_equal(g->m[0].size, 1234);
	assert_int_equal(g->m[0].modseq, 42);
	assert_int_equal(g->m[0].internaldate, 1704099900);
	assert_int_equal(g->m[0].header_len, 54);
	assert_string_equal(g->hdr[0], HDR1);
	assert_int_equal(g->m[1].uid, 12);
	assert_int_equal(g->m[1].flags, 0);
	assert_null(g->kw[1]);
	assert_true(g->has_hdr[1]);
	assert_int_equal(g->m[1].header_len, 0);
	/* 1999-02-02 23:59:59 -01:30 is 1999-02-03 01:29:59 UTC. */
	assert_int_equal(g->m[1].internaldate, 918005399);
}

static void
test_good_every_chunk(void **state)
{
	struct cachet_err err;
	struct got g = {0};
	char *text = NULL;
	size_t chunk, used;

	for (chunk = 1; chunk <= sizeof(GOOD); chunk++) {
		assert_int_equal(run_chunk(GOOD, strlen(GOOD), chunk, &g, &err,
		    &text, &used), 0);
		check_good(&g);
		assert_int_equal(used, strlen(GOOD));
		assert_string_equal(text, "Fetch completed.");
		free(text);
		got_free(&g);
	}
}

/* Nothing past the tagged reply is read: it belongs to the session. */
static void
test_stops_at_tagged(void **state)
{
	static const char t[] = "7 OK done\r\n* 3 EXISTS\r\n";
	struct cachet_err err;
	struct got g = {0};
	size_t used;

	assert_int_equal(run_chunk(t, strlen(t), 4096, &g, &err, NULL, &used),
	    0);
	assert_int_equal(used, strlen("7 OK done\r\n"));
	assert_string_equal(g.events, "");
}

static void
test_nil_and_quoted(void **state)
{
	static const char t[] =
	    "* 1 FETCH (UID 1 BODY[HEADER.FIELDS (\"Date\" FROM)] NIL)\r\n"
	    "* 2 FETCH (UID 2 BODY[HEADER.FIELDS (DATE)] \"a\\\"b\\\\c\")\r\n"
	    "* 3 fetch (uid 3 flags (\\seen \\DRAFT \\Answered \\Deleted "
	    "\\X-Ext kw))\r\n"
	    "7 OK\r\n";
	struct cachet_err err;
	struct got g = {0};

	assert_int_equal(run(t, &g, &err), 0);
	assert_int_equal(g.n, 3);
	assert_false(g.has_hdr[0]);
	assert_string_equal(g.hdr[1], "a\"b\\c");
	assert_int_equal(g.m[1].header_len, 5);
	assert_int_equal(g.m[2].flags, STORE_F_SEEN | STORE_F_DRAFT |
	    STORE_F_ANSWERED | STORE_F_DELETED);
	assert_string_equal(g.kw[2], "kw");
	got_free(&g);
}

/* Untagged responses between: counted, skipped, or (no UID) ignored. */
static void
test_interleaved(void **state)
{
	static const char t[] =
	    "* 5 EXISTS\r\n"
	    "* 1 FETCH (UID 1)\r\n"
	    "* 2 EXPUNGE\r\n"
	    "* 4 FETCH (FLAGS (\\Seen))\r\n"
	    "* 0 RECENT\r\n"
	    "* FLAGS (\\Seen \\Answered new)\r\n"
	    "* OK [PERMANENTFLAGS (\\Seen \\*)] flags\r\n"
	    "* NO [ALERT] something\r\n"
	    "* VANISHED 3:4,9\r\n"
	    "* VANISHED (EARLIER) 10\r\n"
	    "* 2 FETCH (UID 3 MODSEQ (9223372036854775807))\r\n"
	    "7 OK\r\n";
	struct cachet_err err;
	struct got g = {0};

	assert_int_equal(run(t, &g, &err), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.m[0].uid, 1);
	assert_int_equal(g.m[1].uid, 3);
	assert_int_equal(g.m[1].modseq, 9223372036854775807ULL);
	assert_string_equal(g.events, "E5 X2 R0");
	got_free(&g);
}

static void
test_tagged_no_bad(void **state)
{
	struct cachet_err err;
	struct got g = {0};
	char *text;

	assert_int_equal(run_chunk("7 NO [SERVERBUG] \x1b[31mred\r\n", 28,
	    5, &g, &err, &text, NULL), CACHET_E_SERVER);
	assert_null(strchr(err.msg, 0x1b));
	assert_non_null(strstr(err.msg, "SERVERBUG"));
	assert_non_null(text);
	free(text);
	assert_int_equal(run("7 BAD nope\r\n", &g, &err), CACHET_E_SERVER);
	assert_non_null(strstr(err.msg, "nope"));
	assert_int_equal(run("7 bad\r\n", &g, &err), CACHET_E_SERVER);
}

/* fn stops the delivery, but the reply is still read to its end. */
static void
test_fn_stops(void **state)
{
	struct cachet_err err;
	struct got g = {.stop_after = 1};
	size_t used;

	assert_int_equal(run_chunk(GOOD, strlen(GOOD), 3, &g, &err, NULL,
	    &used), 1);
	assert_int_equal(g.calls, 1);
	assert_int_equal(used, strlen(GOOD));
	got_free(&g);
}

static void
test_bye(void **state)
{
	struct mem m = {"* 1 FETCH (UID 1)\r\n* BYE shutting down\r\n", 41, 0,
	    4096};
	struct got g = {0};
	struct imap_ff ff = {
		.src = {mem_peek, mem_read, &m}, .tag = "7", .fn = on_msg,
		.ctx = &g,
	};
	struct cachet_err err;

	assert_int_equal(imap_ff_parse(&ff, &err), CACHET_E_NET);
	assert_true(ff.bye);
	assert_string_equal(ff.text, "shutting down");
	assert_int_equal(g.n, 1);
	free(ff.text);
	got_free(&g);
}

/* ---- hostile replies --------------------------------------------------- */

struct bad {
	const char *text;
	int code;
	bool refused;	/* read to the tagged reply after the refusal */
};

static const struct bad bad_replies[] = {
	/* Ends in the middle. */
	{"", CACHET_E_NET, false},
	{"* 1 FETCH (UID 1", CACHET_E_NET, false},
	{"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (DATE)] {10}\r\nshort",
	    CACHET_E_NET, false},
	/* Literal of the wrong length: the rest does not parse. */
	{"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (DATE)] {2}\r\nabc)\r\n7 OK\r\n",
	    CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (DATE)] {1048577}\r\n",
	    CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (DATE)] {99999999999}\r\n",
	    CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (DATE)] {5+}\r\nabcde)\r\n",
	    CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (DATE)] {5} x\r\n",
	    CACHET_E_PROTO, false},
	/* Items cachet did not ask for, or bad ones. */
	{"* 1 FETCH (UID 1 X-GM-MSGID 5)\r\n7 OK\r\n", CACHET_E_PROTO, true},
	{"* 1 FETCH (UID 1 BODY[TEXT] {1}\r\nx)\r\n7 OK\r\n",
	    CACHET_E_PROTO, true},
	{"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (DATE)]<0> NIL)\r\n",
	    CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 BODY[HEADER.FIELDS ()] NIL)\r\n",
	    CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 BODY.PEEK[HEADER.FIELDS (DATE)] NIL)\r\n",
	    CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 UID 2)\r\n7 OK\r\n", CACHET_E_PROTO, true},
	{"* 1 FETCH (UID 0)\r\n7 OK\r\n", CACHET_E_PROTO, true},
	{"* 1 FETCH (UID 4294967296)\r\n7 OK\r\n", CACHET_E_PROTO, true},
	{"* 1 FETCH (UID -1)\r\n7 OK\r\n", CACHET_E_PROTO, true},
	{"* 1 FETCH (UID 1 MODSEQ (9223372036854775808))\r\n",
	    CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 MODSEQ 5)\r\n", CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 RFC822.SIZE 99999999999999999999999)\r\n",
	    CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 INTERNALDATE \"32-Jan-2024 10:00:00 +0000\")\r\n",
	    CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 INTERNALDATE \"01-Foo-2024 10:00:00 +0000\")\r\n",
	    CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 INTERNALDATE \"01-Jan-2024 10:00:00\")\r\n",
	    CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 INTERNALDATE NIL)\r\n", CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 FLAGS (\\*))\r\n", CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 FLAGS (a  b))\r\n", CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 FLAGS \\Seen)\r\n", CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (DATE)] \"a\nb\")\r\n",
	    CACHET_E_PROTO, false},
	{"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (DATE)] \"a\\xb\")\r\n",
	    CACHET_E_PROTO, false},
	/* Framing. */
	{"* 1 FETCH (UID 1) junk\r\n7 OK\r\n", CACHET_E_PROTO, true},
	{"* 1 FETCH (UID 1\r\n7 OK\r\n", CACHET_E_PROTO, true},
	{"* 1 FETCH ()\r\n7 OK\r\n", CACHET_E_PROTO, true},
	{"* 0 FETCH (UID 1)\r\n7 OK\r\n", CACHET_E_PROTO, true},
	{"* 1 FETCH (UID 1)\n7 OK\r\n", CACHET_E_PROTO, false},
	{"* 0 EXPUNGE\r\n7 OK\r\n", CACHET_E_PROTO, true},
	{"* 3 EXISTS now\r\n7 OK\r\n", CACHET_E_PROTO, true},
	{"* CAPABILITY IMAP4rev1\r\n7 OK\r\n", CACHET_E_PROTO, true},
	{"* OK look {5}\r\nabcde\r\n7 OK\r\n", CACHET_E_PROTO, false},
	{"* VANISHED\r\n", CACHET_E_PROTO, false},
	{"* VANISHED 1:x\r\n", CACHET_E_PROTO, false},
	{"+ more\r\n", CACHET_E_PROTO, false},
	{"8 OK wrong tag\r\n", CACHET_E_PROTO, false},
	{"77 OK longer tag\r\n", CACHET_E_PROTO, false},
	{"7 MAYBE\r\n", CACHET_E_PROTO, false},
	{"garbage\r\n", CACHET_E_PROTO, false},
};

static void
test_hostile(void **state)
{
	struct cachet_err err;
	struct got g = {0};
	size_t i, chunk;
	int r;

	for (i = 0; i < sizeof(bad_replies) / sizeof(bad_replies[0]); i++) {
		const struct bad *b = &bad_replies[i];

		for (chunk = 1; chunk <= 64; chunk *= 4) {
			r = run_chunk(b->text, strlen(b->text), chunk, &g,
			    &err, NULL, NULL);
			if (r != b->code || last_refused != b->refused)
				fail_msg("reply %zu (%s): %d%s, want %d%s", i,
				    b->text, r, last_refused ? " refused" : "",
				    b->code, b->refused ? " refused" : "");
			assert_int_equal(err.code, r);
			assert_null(strchr(err.msg, '\n'));
			got_free(&g);
		}
	}
}

static char *
repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail), i;
	char *s = malloc(hl + ul * n + tl + 1);

	assert_non_null(s);
	memcpy(s, head, hl);
	for (i = 0; i < n; i++)
		memcpy(s + hl + i * ul, unit, ul);
	memcpy(s + hl + n * ul, tail, tl + 1);
	return s;
}

/* ---- refused replies read to their end ------------------------------- */

/* What the session reads after the reply: it must be left unread. */
#define NEXT "* 9 EXISTS\r\n"

/* An item cachet did not ask for, before a literal that looks tagged. */
#define UNKNOWN \
	"* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n" \
	"* 2 FETCH (UID 2 X-GM-MSGID 123 BODY[HEADER.FIELDS (DATE)] {11}\r\n" \
	"7 OK fake\r\n)\r\n" \
	"* 3 FETCH (UID 3 BODY[HEADER.FIELDS (DATE)] {2}\r\nab " \
	"X-GM-LABELS ({1}\r\nx \"y\"))\r\n" \
	"7 OK done\r\n"

struct drained {
	const char *text;
	size_t delivered;	/* messages fn saw before the refusal */
	const char *why;	/* in the error */
	const char *events;
};

static const struct drained drained_replies[] = {
	{UNKNOWN, 1, "unknown FETCH item", ""},
	/* Untagged responses the parser does not know, between messages. */
	{"* 1 FETCH (UID 1)\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"
	    "* 2 FETCH (UID 2)\r\n* 3 EXISTS\r\n* 1 EXPUNGE\r\n* 0 RECENT\r\n"
	    "7 OK done\r\n", 1, "unexpected response", "E3 X1 R0"},
	{"* ID (\"name\" {4}\r\nfake)\r\n* 1 FETCH (UID 1)\r\n7 OK done\r\n",
	    0, "unexpected response", ""},
	/* No space before the literal. */
	{"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (DATE)]{3}\r\nabc)\r\n"
	    "* 2 FETCH (UID 2)\r\n7 OK done\r\n", 0, "BODY section", ""},
	/* A literal ending the response, and an empty one. */
	{"* LIST () \"/\" {5}\r\nINBOX\r\n* 1 FETCH (X {0}\r\n)\r\n"
	    "7 OK done\r\n", 0, "unexpected response", ""},
	{"* CAPABILITY X {3}\r\nabc\r\n7 OK done\r\n", 0,
	    "unexpected response", ""},
	/* The tagged reply is NO: libetpan reads it again and says so. */
	{"* 1 FETCH (UID 1 X-GM-THRID 5)\r\n7 NO done\r\n", 0,
	    "unknown FETCH item", ""},
	/* A tab and 8-bit bytes are not noise (UTF8=ACCEPT strings). */
	{"* 1 FETCH (UID 1 X-GM-LABELS (\"a\tb\" \"\xc3\xa9\"))\r\n"
	    "7 OK done\r\n", 0, "unknown FETCH item", ""},
};

static void
test_drained(void **state)
{
	struct cachet_err err;
	struct got g = {0};
	size_t i, chunk, used, len;
	char *text, *t;
	int r;

	for (i = 0; i < sizeof(drained_replies) / sizeof(drained_replies[0]);
	    i++) {
		const struct drained *d = &drained_replies[i];

		len = strlen(d->text);
		t = repeat(d->text, "", 0, NEXT);
		for (chunk = 1; chunk <= 4096; chunk = chunk < 64 ?
		    chunk + 1 : chunk * 8) {
			r = run_chunk(t, strlen(t), chunk, &g, &err, &text,
			    &used);
			if (r != CACHET_E_PROTO || !last_refused)
				fail_msg("reply %zu chunk %zu: %d (%s)", i,
				    chunk, r, err.msg);
			assert_int_equal(err.code, CACHET_E_PROTO);
			assert_non_null(strstr(err.msg, d->why));
			assert_int_equal(used, len);
			assert_int_equal(g.n, d->delivered);
			assert_string_equal(text, "done");
			assert_string_equal(g.events, d->events);
			free(text);
			got_free(&g);
		}
		free(t);
	}
}

/* fn asked to stop before the refusal: its value wins, still refused. */
static void
test_drained_fn_stops(void **state)
{
	struct cachet_err err;
	struct got g = {.stop_after = 1};
	size_t used;

	assert_int_equal(run_chunk(UNKNOWN, strlen(UNKNOWN), 7, &g, &err,
	    NULL, &used), 1);
	assert_true(last_refused);
	assert_int_equal(g.calls, 1);
	assert_int_equal(used, strlen(UNKNOWN));
	got_free(&g);
}

/* A broken frame found while reading past a refusal still ends it all. */
static const struct bad undrained[] = {
	{"* CAPABILITY X\r\n* 1 FETCH (UID 1)\n7 OK\r\n",
	    CACHET_E_PROTO, false},
	{"* CAPABILITY X\r\n* 1 FETCH (X {1048577}\r\n7 OK\r\n",
	    CACHET_E_PROTO, false},
	{"* CAPABILITY X\r\n* 1 FETCH (X {2}\r\nabc)\r\n7 OK\r\n",
	    CACHET_E_PROTO, false},
	{"* CAPABILITY X\r\n* 1 FETCH (X {4}\r\nab)\r\n7 OK\r\n",
	    CACHET_E_PROTO, false},
	{"* CAPABILITY X\r\n* OK {5+}\r\nabcde\r\n7 OK\r\n",
	    CACHET_E_PROTO, false},
	{"* CAPABILITY X\r\n* OK {}\r\n7 OK\r\n", CACHET_E_PROTO, false},
	{"* CAPABILITY X\r\n* OK {12345678901}\r\n7 OK\r\n",
	    CACHET_E_PROTO, false},
	{"* CAPABILITY X\r\n* OK \x1b[2J\r\n7 OK\r\n", CACHET_E_PROTO, false},
	{"* CAPABILITY X\r\n* OK a\rb\r\n7 OK\r\n", CACHET_E_PROTO, false},
	/* Noise in the refused line itself. */
	{"* 1 FETCH (UID 1 X-JUNK \x01\x7f\xff)\r\n7 OK\r\n",
	    CACHET_E_PROTO, false},
	/* The input ends first: the refusal is the error. */
	{"* CAPABILITY X\r\n* 1 FETCH (UID 1)\r\n", CACHET_E_PROTO, false},
	{"* CAPABILITY X\r\n* 1 FETCH (X {9}\r\nab", CACHET_E_PROTO, false},
	/* BYE. */
	{"* CAPABILITY X\r\n* BYE going\r\n7 OK\r\n", CACHET_E_NET, false},
};

static void
test_undrained(void **state)
{
	struct cachet_err err;
	struct got g = {0};
	size_t i, chunk;
	int r;

	for (i = 0; i < sizeof(undrained) / sizeof(undrained[0]); i++) {
		const struct bad *b = &undrained[i];

		for (chunk = 1; chunk <= 64; chunk *= 4) {
			r = run_chunk(b->text, strlen(b->text), chunk, &g,
			    &err, NULL, NULL);
			if (r != b->code || last_refused)
				fail_msg("reply %zu (%s): %d%s, want %d", i,
				    b->text, r, last_refused ? " refused" :
				    "", b->code);
			assert_int_equal(err.code, r);
			assert_null(strchr(err.msg, 0x1b));
			assert_null(strchr(err.msg, '\r'));
			got_free(&g);
		}
	}
	/* The refusal itself is what the error names, when nothing else. */
	run("* 1 FETCH (UID 1 X-JUNK \x01)\r\n7 OK\r\n", &g, &err);
	assert_non_null(strstr(err.msg, "unknown FETCH item"));
	run("* CAPABILITY X\r\n* 1 FETCH (UID 1)\r\n", &g, &err);
	assert_non_null(strstr(err.msg, "unexpected response"));
	run("* CAPABILITY X\r\n* 1 FETCH (X {2}\r\nabc)\r\n7 OK\r\n", &g,
	    &err);
	assert_non_null(strstr(err.msg, "longer or shorter"));
	run("* CAPABILITY X\r\n* BYE going\r\n7 OK\r\n", &g, &err);
	assert_non_null(strstr(err.msg, "closed the session"));
}

/* The limits hold while reading past a refusal, and allow what they say. */
static void
test_drained_limits(void **state)
{
	struct cachet_err err;
	struct got g = {0};
	char *t;

	t = repeat("* CAPABILITY X\r\n* OK ", "x", IMAP_FF_LINE_MAX + 1,
	    "\r\n7 OK\r\n");
	assert_int_equal(run(t, &g, &err), CACHET_E_PROTO);
	assert_false(last_refused);
	assert_non_null(strstr(err.msg, "too long"));
	free(t);
	t = repeat("* CAPABILITY X\r\n* OK ", "x", IMAP_FF_LINE_MAX - 5,
	    "\r\n7 OK done\r\n");
	assert_int_equal(run(t, &g, &err), CACHET_E_PROTO);
	assert_true(last_refused);
	free(t);
	t = repeat("* CAPABILITY X\r\n* 1 FETCH (X {1048576}\r\n", "x",
	    1048576, ")\r\n7 OK done\r\n");
	assert_int_equal(run_chunk(t, strlen(t), 8192, &g, &err, NULL, NULL),
	    CACHET_E_PROTO);
	assert_true(last_refused);
	free(t);
}

/* The limits: flags per message, line length, literal size. */
static void
test_limits(void **state)
{
	struct cachet_err err;
	struct got g = {0};
	char *t;

	t = repeat("* 1 FETCH (UID 1 FLAGS (", "k ", IMAP_FF_FLAGS_MAX - 1,
	    "k))\r\n7 OK\r\n");
	assert_int_equal(run(t, &g, &err), 0);
	assert_int_equal(strlen(g.kw[0]), IMAP_FF_FLAGS_MAX * 2 - 1);
	got_free(&g);
	free(t);
	t = repeat("* 1 FETCH (UID 1 FLAGS (", "k ", IMAP_FF_FLAGS_MAX,
	    "k))\r\n7 OK\r\n");
	assert_int_equal(run(t, &g, &err), CACHET_E_PROTO);
	free(t);
	t = repeat("* OK ", "x", IMAP_FF_LINE_MAX + 1, "\r\n7 OK\r\n");
	assert_int_equal(run(t, &g, &err), CACHET_E_PROTO);
	assert_non_null(strstr(err.msg, "too long"));
	free(t);
	t = repeat("* 1 FETCH (UID 1 BODY[HEADER.FIELDS (DATE)] {1048576}\r\n",
	    "x", 1048576, ")\r\n7 OK\r\n");
	assert_int_equal(run_chunk(t, strlen(t), 8192, &g, &err, NULL, NULL),
	    0);
	assert_int_equal(g.m[0].header_len, 1048576);
	got_free(&g);
	free(t);
}

/* ---- a live session against the test Dovecot --------------------------- */

struct live {
	size_t n;
	struct imap_msg m[64];
	char *kw[64];
	char *hdr[64];
};

static int
live_msg(void *ctx, const struct imap_msg *m)
{
	struct live *l = ctx;

	if (l->n == 64)
		return 1;
	l->m[l->n] = *m;
	l->kw[l->n] = m->keywords ? strdup(m->keywords) : NULL;
	l->hdr[l->n] = m->header ? strndup(m->header, m->header_len) : NULL;
	l->m[l->n].keywords = NULL;
	l->m[l->n].header = NULL;
	l->n++;
	return 0;
}

static void
live_free(struct live *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->kw[i]);
		free(l->hdr[i]);
	}
	memset(l, 0, sizeof(*l));
}

static void
live_same(const struct live *a, const struct live *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(a->m[i].uid, b->m[i].uid);
		assert_int_equal(a->m[i].flags, b->m[i].flags);
		assert_int_equal(a->m[i].modseq, b->m[i].modseq);
		assert_int_equal(a->m[i].size, b->m[i].size);
		assert_int_equal(a->m[i].internaldate, b->m[i].internaldate);
		assert_int_equal(a->m[i].header_len, b->m[i].header_len);
		if (a->kw[i] || b->kw[i])
			assert_string_equal(a->kw[i], b->kw[i]);
		assert_string_equal(a->hdr[i], b->hdr[i]);
	}
}

static char live_user[64];

static int
live_setup(void **state)
{
	char cmd[512];

	if (getenv("CACHET_TEST_IMAPS_PORT") == NULL ||
	    getenv("CACHET_TEST_PASSWD") == NULL)
		return 0;
	snprintf(live_user, sizeof(live_user), "ff%ld", (long)getpid());
	snprintf(cmd, sizeof(cmd), "sh -c '. %s/tests/lib/dovecot.sh && "
	    "dovecot_add_user %s %s-pw'", CACHET_SRCDIR, live_user, live_user);
	if (system(cmd) != 0)
		live_user[0] = '\0';
	return 0;
}

static struct imap *
live_connect(unsigned disable)
{
	struct imap_opts o = {
		.host = "127.0.0.1",
		.port = atoi(getenv("CACHET_TEST_IMAPS_PORT")),
		.tls = IMAP_TLS_IMPLICIT,
		.ca_file = getenv("CACHET_TEST_CA"),
		.user = live_user,
		.timeout = 20,
		.disable_caps = disable,
	};
	struct cachet_err err = {0};
	struct imap *im = NULL;
	char pw[80];
	int r, i;

	snprintf(pw, sizeof(pw), "%s-pw", live_user);
	o.password = pw;
	/* Dovecot notices a new passwd entry by its mtime: retry a little. */
	for (i = 0; i < 30; i++) {
		r = imap_connect(&im, &o, &err);
		if (r != CACHET_E_AUTH)
			break;
		usleep(100000);
	}
	if (r != 0)
		fail_msg("connect: %s", err.msg);
	return im;
}

static void
live_fill(struct imap *im)
{
	static const uint32_t fl[] = {0, STORE_F_SEEN, STORE_F_FLAGGED |
	    STORE_F_ANSWERED, STORE_F_DRAFT};
	struct cachet_err err;
	char msg[512];
	int i, n;

	for (i = 0; i < 20; i++) {
		n = snprintf(msg, sizeof(msg), "Date: Mon, 0%d Jan 2024 "
		    "10:00:00 +0000\r\nFrom: a@example.test\r\nTo: "
		    "b@example.test\r\nSubject: live %d\r\nMessage-ID: "
		    "<live.%d@example.test>\r\nX-Other: not fetched\r\n\r\n"
		    "body %d\r\n", 1 + i % 9, i, i, i);
		if (imap_append(im, "INBOX", fl[i % 4], msg, (size_t)n,
		    &err) != 0)
			fail_msg("append: %s", err.msg);
	}
}

static void
live_fetch(struct imap *im, bool slow, struct live *l)
{
	struct cachet_err err;

	if (slow)
		setenv("CACHET_IMAP_SLOW_FETCH", "1", 1);
	else
		unsetenv("CACHET_IMAP_SLOW_FETCH");
	if (imap_fetch_headers(im, 1, 0, live_msg, l, &err) != 0)
		fail_msg("fetch (%s): %s", slow ? "slow" : "fast", err.msg);
	unsetenv("CACHET_IMAP_SLOW_FETCH");
}

static int
count_msg(void *ctx, const struct imap_msg *m)
{
	(*(size_t *)ctx)++;
	return 0;
}

/* After the fast path, libetpan's own commands go on as before. */
static void
live_round(unsigned disable)
{
	struct imap_selected sel;
	struct cachet_err err;
	struct live fast = {0}, slow = {0}, again = {0};
	struct imap *im = live_connect(disable);
	size_t n = 0;
	bool changed;

	/* The test Dovecot offers COMPRESS=DEFLATE and CONDSTORE. */
	assert_int_equal(imap_caps(im) & (IMAP_CAP_COMPRESS |
	    IMAP_CAP_CONDSTORE), (IMAP_CAP_COMPRESS | IMAP_CAP_CONDSTORE) &
	    ~disable);
	assert_int_equal(imap_select(im, "INBOX", 0, 0, &sel, NULL, NULL,
	    NULL, &err), 0);
	if (sel.exists == 0) {
		live_fill(im);
		assert_int_equal(imap_noop(im, &err), 0);
	}
	live_fetch(im, false, &fast);
	assert_int_equal(fast.n, 20);
	assert_int_equal(imap_noop(im, &err), 0);
	live_fetch(im, true, &slow);
	live_same(&fast, &slow);
	assert_int_equal(imap_fetch_flags(im, 1, 0, count_msg, &n, &err), 0);
	assert_int_equal(n, 20);
	live_fetch(im, false, &again);
	live_same(&fast, &again);
	assert_int_equal(imap_select(im, "INBOX", 0, 0, &sel, NULL, NULL,
	    NULL, &err), 0);
	assert_int_equal(sel.exists, 20);
	if (imap_caps(im) & IMAP_CAP_IDLE)
		assert_int_equal(imap_idle(im, 1, -1, &changed, &err), 0);
	live_free(&again);
	live_fetch(im, false, &again);
	live_same(&fast, &again);
	/* Just one, and a range past the end (the server answers the last). */
	live_free(&again);
	assert_int_equal(imap_fetch_headers(im, 5, 5, live_msg, &again, &err),
	    0);
	assert_int_equal(again.n, 1);
	assert_int_equal(again.m[0].uid, 5);
	assert_string_equal(again.hdr[0], fast.hdr[4]);
	assert_int_equal(imap_noop(im, &err), 0);
	imap_close(im);
	live_free(&fast);
	live_free(&slow);
	live_free(&again);
}

static void
test_live(void **state)
{
	if (live_user[0] == '\0')
		skip();
	live_round(0);
	live_round(IMAP_CAP_COMPRESS);
	live_round(IMAP_CAP_CONDSTORE | IMAP_CAP_QRESYNC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_every_chunk),
		cmocka_unit_test(test_stops_at_tagged),
		cmocka_unit_test(test_nil_and_quoted),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_tagged_no_bad),
		cmocka_unit_test(test_fn_stops),
		cmocka_unit_test(test_bye),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_drained),
		cmocka_unit_test(test_drained_fn_stops),
		cmocka_unit_test(test_undrained),
		cmocka_unit_test(test_drained_limits),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, live_setup, NULL);
}
