/*
 * imap_fastfetch: a small strict parser for the responses to cachet's UID
 * FETCH of message headers (UID, FLAGS, RFC822.SIZE, INTERNALDATE,
 * BODY[HEADER.FIELDS (...)], MODSEQ), used instead of libetpan's, which
 * builds a tree of allocations for every message. It reads from a source
 * (the session's mailstream, see imap_fastfetch_io.c, or memory in the
 * tests), bounds every line, literal and list, and refuses whatever it
 * does not know rather than guess. After refusing a line whose framing is
 * still sound (an item or response it does not know), it reads the rest
 * of the reply under the same limits, so that the session can ask again
 * with libetpan; a break in the framing ends there. Runs on the session's
 * thread.
 */
#include "imap_int.h"

#include <string.h>
#include <strings.h>

#include "store/store.h"

enum {
	ITEM_UID = 1 << 0,
	ITEM_FLAGS = 1 << 1,
	ITEM_SIZE = 1 << 2,
	ITEM_DATE = 1 << 3,
	ITEM_BODY = 1 << 4,
	ITEM_MODSEQ = 1 << 5,
};

struct ff_state {
	struct imap_ff *ff;
	struct cachet_err *err;
	struct buf line;	/* the current line, CRLF removed */
	size_t pos;		/* parse position in line */
	struct buf lit;		/* the header fields of this message */
	struct buf kw;		/* the keywords of this message */
	struct buf section;	/* the last BODY section found valid */
	int fn_rc;		/* first non-zero value of fn */
	bool framing;		/* the refusal broke the framing */
};

static int
ff_proto(struct ff_state *s, const char *what)
{
	size_t at = s->pos < s->line.len ? s->pos : s->line.len;
	size_t n = s->line.len - at > 40 ? 40 : s->line.len - at;
	char *near = util_sanitize(s->line.data ? s->line.data + at : "", n,
	    false, false);

	cachet_err(s->err, CACHET_E_PROTO,
	    "cannot parse the server's reply: %s near \"%s\"", what, near);
	free(near);
	return CACHET_E_PROTO;
}

/* A refusal after which the bytes that follow cannot be trusted. */
static int
ff_frame(struct ff_state *s, const char *what)
{
	s->framing = true;
	return ff_proto(s, what);
}

static int
ff_eof(struct ff_state *s)
{
	return cachet_err(s->err, CACHET_E_NET,
	    "connection lost in the middle of a reply");
}

/* The next line into s->line without its CRLF, at most LINE_MAX bytes. */
static int
ff_getline(struct ff_state *s)
{
	const struct imap_ff_src *src = &s->ff->src;
	const char *p, *nl;
	size_t len, take;

	buf_reset(&s->line);
	s->pos = 0;
	do {
		if (src->peek(src->ctx, &p, &len) != 0 || len == 0)
			return ff_eof(s);
		nl = memchr(p, '\n', len);
		take = nl ? (size_t)(nl - p) + 1 : len;
		if (take > IMAP_FF_LINE_MAX + 2 - s->line.len)
			return ff_frame(s, "a line too long");
		buf_grow(&s->line, take);
		if (src->read(src->ctx, s->line.data + s->line.len, take) != 0)
			return ff_eof(s);
		s->line.len += take;
	} while (nl == NULL);
	if (s->line.len < 2 || s->line.data[s->line.len - 2] != '\r') {
		s->pos = s->line.len;
		return ff_frame(s, "a line not ended by CRLF");
	}
	s->line.len -= 2;
	s->line.data[s->line.len] = '\0';
	return 0;
}

static int
ff_peekc(const struct ff_state *s)
{
	return s->pos < s->line.len ? (unsigned char)s->line.data[s->pos] : -1;
}

static bool
ff_eat(struct ff_state *s, char c)
{
	if (ff_peekc(s) != (unsigned char)c)
		return false;
	s->pos++;
	return true;
}

/* The word w (case-insensitive) at the position, consumed if there. */
static bool
ff_eat_word(struct ff_state *s, const char *w)
{
	size_t n = strlen(w);

	if (s->line.len - s->pos < n ||
	    strncasecmp(s->line.data + s->pos, w, n) != 0)
		return false;
	s->pos += n;
	return true;
}

static bool
ff_is_atom_char(int c)
{
	switch (c) {
	case '(': case ')': case '{': case '%': case '*': case '"': case '\\':
	case ']':
		return false;
	default:
		return c > 0x20 && c < 0x7f;
	}
}

/* Length of the item or response name at the position, consumed. */
static size_t
ff_name(struct ff_state *s, const char **w)
{
	size_t start = s->pos;
	int c;

	while ((c = ff_peekc(s)) >= 0 && (c == '.' || c == '-' ||
	    (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
		s->pos++;
	*w = s->line.data + start;
	return s->pos - start;
}

static bool
ff_is(const char *w, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(w, name, n) == 0;
}

/* A decimal number no larger than max. */
static int
ff_num(struct ff_state *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t digits = 0;
	int c;

	while ((c = ff_peekc(s)) >= '0' && c <= '9') {
		if (v > (max - (uint64_t)(c - '0')) / 10)
			return ff_proto(s, "a number out of range");
		v = v * 10 + (uint64_t)(c - '0');
		s->pos++;
		digits++;
	}
	if (digits == 0)
		return ff_proto(s, "a missing number");
	*out = v;
	return 0;
}

static int
ff_sp_num32(struct ff_state *s, uint32_t *out, bool nonzero)
{
	uint64_t v;
	int r;

	if (!ff_eat(s, ' '))
		return ff_proto(s, "a missing space");
	if ((r = ff_num(s, UINT32_MAX, &v)) != 0)
		return r;
	if (nonzero && v == 0)
		return ff_proto(s, "a zero where a number must be positive");
	*out = (uint32_t)v;
	return 0;
}

static void
ff_keyword(struct ff_state *s, const char *w, size_t n)
{
	if (s->kw.len)
		buf_addc(&s->kw, ' ');
	buf_add(&s->kw, w, n);
}

/* One flag: a system flag sets its bit, a keyword is collected. */
static int
ff_flag(struct ff_state *s, struct imap_msg *m)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} sys[] = {
		{"Answered", STORE_F_ANSWERED},
		{"Flagged", STORE_F_FLAGGED},
		{"Deleted", STORE_F_DELETED},
		{"Seen", STORE_F_SEEN},
		{"Draft", STORE_F_DRAFT},
	};
	bool is_sys = ff_eat(s, '\\');
	size_t start = s->pos, n, i;
	const char *w;

	while (ff_is_atom_char(ff_peekc(s)))
		s->pos++;
	n = s->pos - start;
	w = s->line.data + start;
	if (n == 0)
		return ff_proto(s, "an empty flag");
	if (!is_sys) {
		ff_keyword(s, w, n);
		return 0;
	}
	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		if (ff_is(w, n, sys[i].name))
			m->flags |= sys[i].bit;
	return 0;	/* \Recent and extension flags are not kept */
}

static int
ff_flags(struct ff_state *s, struct imap_msg *m)
{
	size_t n = 0;
	int r;

	if (!ff_eat(s, ' ') || !ff_eat(s, '('))
		return ff_proto(s, "FLAGS without a list");
	if (ff_eat(s, ')'))
		return 0;
	for (;;) {
		if (++n > IMAP_FF_FLAGS_MAX)
			return ff_proto(s, "too many flags");
		if ((r = ff_flag(s, m)) != 0)
			return r;
		if (ff_eat(s, ')'))
			return 0;
		if (!ff_eat(s, ' '))
			return ff_proto(s, "a bad flag list");
	}
}

static int64_t
ff_days(int64_t y, int mon, int d)
{
	int64_t era, yoe, doy;

	y -= mon <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* Digits at p[0..n), or -1. */
static int
ff_digits(const char *p, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* INTERNALDATE "dd-Mon-yyyy hh:mm:ss +zzzz" as seconds since the epoch. */
static int
ff_date(struct ff_state *s, int64_t *t)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	const char *p;
	int day, mon, year, hh, mm, ss, zone;

	if (!ff_eat(s, ' ') || !ff_eat(s, '"') || s->line.len - s->pos < 27 ||
	    s->line.data[s->pos + 26] != '"')
		return ff_proto(s, "a bad INTERNALDATE");
	p = s->line.data + s->pos;
	day = p[0] == ' ' ? ff_digits(p + 1, 1) : ff_digits(p, 2);
	for (mon = 0; mon < 12; mon++)
		if (strncasecmp(p + 3, months + 3 * mon, 3) == 0)
			break;
	year = ff_digits(p + 7, 4);
	hh = ff_digits(p + 12, 2);
	mm = ff_digits(p + 15, 2);
	ss = ff_digits(p + 18, 2);
	zone = ff_digits(p + 22, 4);
	if (p[2] != '-' || p[6] != '-' || p[11] != ' ' || p[14] != ':' ||
	    p[17] != ':' || p[20] != ' ' || (p[21] != '+' && p[21] != '-') ||
	    day < 1 || day > 31 || mon == 12 || year < 0 || hh < 0 ||
	    hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 || zone < 0 ||
	    zone % 100 > 59)
		return ff_proto(s, "a bad INTERNALDATE");
	*t = ff_days(year, mon + 1, day) * 86400 + hh * 3600 + mm * 60 + ss;
	zone = (zone / 100) * 3600 + (zone % 100) * 60;
	*t -= p[21] == '-' ? -zone : zone;
	s->pos += 27;
	return 0;
}

/* Header field names of "BODY[HEADER.FIELDS (...)]": atoms or quoted. */
static int
ff_section_check(struct ff_state *s)
{
	size_t start;
	bool quoted;
	int c;

	if (!ff_eat_word(s, "[HEADER.FIELDS ("))
		return ff_proto(s, "a BODY section cachet did not ask for");
	for (;;) {
		start = s->pos;
		if ((quoted = ff_eat(s, '"'))) {
			while ((c = ff_peekc(s)) > 0x20 && c < 0x7f &&
			    c != '"' && c != '\\')
				s->pos++;
			if (!ff_eat(s, '"'))
				return ff_proto(s, "a bad header field name");
		} else {
			while (ff_is_atom_char(ff_peekc(s)))
				s->pos++;
		}
		if (s->pos - start < (quoted ? 3u : 1u))
			return ff_proto(s, "an empty header field name");
		if (ff_eat(s, ')'))
			break;
		if (!ff_eat(s, ' '))
			return ff_proto(s, "a bad header field list");
	}
	if (!ff_eat(s, ']') || !ff_eat(s, ' '))
		return ff_proto(s, "a bad BODY section");
	return 0;
}

/* Every message repeats the same section: check it once. */
static int
ff_section(struct ff_state *s)
{
	size_t start = s->pos, n = s->section.len;
	int r;

	if (n > 0 && s->line.len - start >= n &&
	    memcmp(s->line.data + start, s->section.data, n) == 0) {
		s->pos += n;
		return 0;
	}
	if ((r = ff_section_check(s)) != 0)
		return r;
	buf_reset(&s->section);
	buf_add(&s->section, s->line.data + start, s->pos - start);
	return 0;
}

static int
ff_quoted(struct ff_state *s, struct imap_msg *m)
{
	int c;

	buf_reset(&s->lit);
	for (;;) {
		if ((c = ff_peekc(s)) <= 0 || c == '\r' || c == '\n')
			return ff_proto(s, "a bad quoted string");
		s->pos++;
		if (c == '"')
			break;
		if (c == '\\') {
			c = ff_peekc(s);
			if (c != '"' && c != '\\')
				return ff_proto(s, "a bad escape");
			s->pos++;
		}
		buf_addc(&s->lit, (char)c);
	}
	m->header = s->lit.data ? s->lit.data : "";
	m->header_len = s->lit.len;
	return 0;
}

/*
 * Whether the line ends by announcing a literal: 1 with its '{' at *at and
 * its length in *n, 0 if the line does not end in '}'. Any other ending in
 * '}' and a literal over the limit are framing errors.
 */
static int
ff_announce(struct ff_state *s, size_t *at, uint64_t *n)
{
	const char *l = s->line.data;
	size_t end = s->line.len, i;

	if (end == 0 || l[end - 1] != '}')
		return 0;
	for (i = --end; i > 0 && l[i - 1] >= '0' && l[i - 1] <= '9'; i--)
		;
	s->pos = i;
	if (i == 0 || l[i - 1] != '{' || i == end || end - i > 10)
		return ff_frame(s, "a bad literal");
	for (*n = 0; i < end; i++)
		*n = *n * 10 + (uint64_t)(l[i] - '0');
	if (*n > IMAP_FF_LITERAL_MAX)
		return ff_frame(s, "a literal over 1 MiB");
	*at = s->pos - 1;
	s->pos = end + 1;
	return 1;
}

/*
 * The n bytes of a literal into s->lit, then the line that goes on after
 * it, which starts with a space or ')' or is empty: anything else means
 * the literal was longer or shorter than announced.
 */
static int
ff_read_literal(struct ff_state *s, uint64_t n)
{
	const struct imap_ff_src *src = &s->ff->src;
	int c, r;

	buf_reset(&s->lit);
	buf_grow(&s->lit, (size_t)n);
	if (n > 0 && src->read(src->ctx, s->lit.data, (size_t)n) != 0)
		return ff_eof(s);
	s->lit.len = (size_t)n;
	s->lit.data[n] = '\0';
	if ((r = ff_getline(s)) != 0)
		return r;
	if ((c = ff_peekc(s)) != -1 && c != ' ' && c != ')')
		return ff_frame(s, "a literal longer or shorter than said");
	return 0;
}

/* {n} ends the line; n bytes follow, then the rest of the response. */
static int
ff_literal(struct ff_state *s, struct imap_msg *m)
{
	size_t brace = s->pos - 1, at;
	uint64_t n;
	int r;

	if ((r = ff_announce(s, &at, &n)) < 0)
		return r;
	if (r == 0 || at != brace) {
		s->pos = brace;
		return ff_proto(s, "a bad literal");
	}
	if ((r = ff_read_literal(s, n)) != 0)
		return r;
	m->header = s->lit.data;
	m->header_len = s->lit.len;
	return 0;
}

static int
ff_body(struct ff_state *s, struct imap_msg *m)
{
	int r;

	if ((r = ff_section(s)) != 0)
		return r;
	if (ff_eat_word(s, "NIL"))
		return 0;
	if (ff_eat(s, '"'))
		return ff_quoted(s, m);
	if (ff_eat(s, '{'))
		return ff_literal(s, m);
	return ff_proto(s, "a bad BODY value");
}

static int
ff_modseq(struct ff_state *s, struct imap_msg *m)
{
	int r;

	if (!ff_eat(s, ' ') || !ff_eat(s, '('))
		return ff_proto(s, "a bad MODSEQ");
	if ((r = ff_num(s, INT64_MAX, &m->modseq)) != 0)
		return r;
	if (!ff_eat(s, ')'))
		return ff_proto(s, "a bad MODSEQ");
	return 0;
}

static int
ff_item(struct ff_state *s, struct imap_msg *m, unsigned *bit)
{
	const char *w;
	size_t n = ff_name(s, &w);
	uint32_t v;
	int r;

	if (ff_is(w, n, "UID")) {
		*bit = ITEM_UID;
		return ff_sp_num32(s, &m->uid, true);
	}
	if (ff_is(w, n, "FLAGS")) {
		*bit = ITEM_FLAGS;
		return ff_flags(s, m);
	}
	if (ff_is(w, n, "RFC822.SIZE")) {
		*bit = ITEM_SIZE;
		r = ff_sp_num32(s, &v, false);
		m->size = v;
		return r;
	}
	if (ff_is(w, n, "INTERNALDATE")) {
		*bit = ITEM_DATE;
		return ff_date(s, &m->internaldate);
	}
	if (ff_is(w, n, "MODSEQ")) {
		*bit = ITEM_MODSEQ;
		return ff_modseq(s, m);
	}
	if (ff_is(w, n, "BODY") && ff_peekc(s) == '[') {
		*bit = ITEM_BODY;
		return ff_body(s, m);
	}
	s->pos -= n;
	return ff_proto(s, "an unknown FETCH item");
}

/* "(" items ")" of one FETCH response; messages with a UID go to fn. */
static int
ff_fetch(struct ff_state *s)
{
	struct imap_msg m = {0};
	unsigned seen = 0, bit = 0;
	int r;

	buf_reset(&s->kw);
	if (!ff_eat(s, ' ') || !ff_eat(s, '(') || ff_peekc(s) == ')')
		return ff_proto(s, "a bad FETCH response");
	do {
		if ((r = ff_item(s, &m, &bit)) != 0)
			return r;
		if (seen & bit)
			return ff_proto(s, "an item twice in one FETCH");
		seen |= bit;
	} while (ff_eat(s, ' '));
	if (!ff_eat(s, ')') || s->pos != s->line.len)
		return ff_proto(s, "a bad end of a FETCH response");
	if (m.uid == 0)
		return 0;	/* unsolicited flag change without a UID */
	m.keywords = s->kw.len ? s->kw.data : NULL;
	if (s->fn_rc == 0 && s->ff->fn)
		s->fn_rc = s->ff->fn(s->ff->ctx, &m);
	return 0;
}

static void
ff_event(struct ff_state *s, enum imap_ff_event ev, uint32_t n)
{
	if (s->ff->event)
		s->ff->event(s->ff->ectx, ev, n);
}

/* The rest of "* n EXISTS", "* n RECENT" or "* n EXPUNGE". */
static int
ff_count(struct ff_state *s, const char *w, size_t len, uint32_t n)
{
	if (s->pos != s->line.len)
		return ff_proto(s, "an unexpected response");
	if (ff_is(w, len, "EXISTS"))
		ff_event(s, IMAP_FF_EXISTS, n);
	else if (ff_is(w, len, "RECENT"))
		ff_event(s, IMAP_FF_RECENT, n);
	else if (ff_is(w, len, "EXPUNGE") && n > 0)
		ff_event(s, IMAP_FF_EXPUNGE, n);
	else
		return ff_proto(s, "an unexpected response");
	return 0;
}

/* "* n FETCH (...)", "* n EXISTS", "* n RECENT", "* n EXPUNGE". */
static int
ff_numbered(struct ff_state *s)
{
	uint64_t n;
	const char *w;
	size_t len;
	int r;

	if ((r = ff_num(s, UINT32_MAX, &n)) != 0)
		return r;
	if (!ff_eat(s, ' '))
		return ff_proto(s, "a missing space");
	len = ff_name(s, &w);
	if (ff_is(w, len, "FETCH"))
		return n ? ff_fetch(s) : ff_proto(s, "FETCH of message 0");
	return ff_count(s, w, len, (uint32_t)n);
}

/* "* VANISHED uid-set": the UIDs are gone; nothing else to do here. */
static int
ff_vanished(struct ff_state *s)
{
	int c;

	if (!ff_eat(s, ' '))
		return ff_proto(s, "a bad VANISHED");
	ff_eat_word(s, "(EARLIER) ");
	if (s->pos == s->line.len)
		return ff_proto(s, "an empty VANISHED");
	while ((c = ff_peekc(s)) >= 0)
		if ((c >= '0' && c <= '9') || c == ':' || c == ',')
			s->pos++;
		else
			return ff_proto(s, "a bad VANISHED");
	return 0;
}

static int
ff_bye(struct ff_state *s)
{
	s->ff->bye = true;
	ff_eat(s, ' ');
	s->ff->text = xstrdup(s->line.data + s->pos);
	return cachet_err(s->err, CACHET_E_NET,
	    "the server closed the session");
}

static int
ff_untagged(struct ff_state *s)
{
	const char *w;
	size_t n;
	int c = ff_peekc(s);

	if (c >= '0' && c <= '9')
		return ff_numbered(s);
	n = ff_name(s, &w);
	if (ff_is(w, n, "VANISHED"))
		return ff_vanished(s);
	if (ff_is(w, n, "BYE"))
		return ff_bye(s);
	if (!ff_is(w, n, "OK") && !ff_is(w, n, "NO") && !ff_is(w, n, "BAD") &&
	    !ff_is(w, n, "FLAGS"))
		return ff_proto(s, "an unexpected response");
	/* Status and FLAGS lines change nothing cachet reads; none of them
	 * may announce a literal, which would hide the next response. */
	if (s->line.len > 0 && s->line.data[s->line.len - 1] == '}') {
		s->pos = s->line.len - 1;
		return ff_frame(s, "a literal in a status response");
	}
	return 0;
}

/* The tagged reply: 1 for OK, CACHET_E_SERVER for NO or BAD. */
static int
ff_tagged(struct ff_state *s)
{
	const char *w;
	size_t n = ff_name(s, &w);
	bool ok = ff_is(w, n, "OK");
	char *clean;

	/* The reply ends here, so there is nothing to read past it. */
	if (!ok && !ff_is(w, n, "NO") && !ff_is(w, n, "BAD"))
		return ff_frame(s, "a bad tagged reply");
	if (s->pos != s->line.len && !ff_eat(s, ' '))
		return ff_frame(s, "a bad tagged reply");
	s->ff->text = xstrdup(s->line.data + s->pos);
	if (ok)
		return 1;
	clean = util_sanitize(s->ff->text, strlen(s->ff->text), false, false);
	cachet_err(s->err, CACHET_E_SERVER, "server said: %.200s", clean);
	free(clean);
	return CACHET_E_SERVER;
}

/* One response: 0 for untagged ones, 1 after the tagged OK, or < 0. */
static int
ff_response(struct ff_state *s)
{
	size_t tl = strlen(s->ff->tag);
	int r;

	if ((r = ff_getline(s)) != 0)
		return r;
	if (ff_eat_word(s, "* "))
		return ff_untagged(s);
	if (s->line.len > tl && memcmp(s->line.data, s->ff->tag, tl) == 0 &&
	    s->line.data[tl] == ' ') {
		s->pos = tl + 1;
		return ff_tagged(s);
	}
	return ff_proto(s, "an unexpected line");
}

/* No control bytes but tab: a line as a server sends it, not noise. */
static bool
ff_is_clean(const struct ff_state *s)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < s->line.len; i++) {
		c = (unsigned char)s->line.data[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

/*
 * The first line of a response while draining: 1 for the tagged one,
 * CACHET_E_NET for BYE; EXISTS, RECENT and EXPUNGE are reported as usual
 * and everything else is passed over.
 */
static int
ff_drain_start(struct ff_state *s)
{
	size_t tl = strlen(s->ff->tag), n;
	const char *w;
	uint64_t v;

	if (s->line.len > tl && memcmp(s->line.data, s->ff->tag, tl) == 0 &&
	    s->line.data[tl] == ' ') {
		s->pos = tl + 1;
		ff_name(s, &w);
		ff_eat(s, ' ');
		s->ff->text = xstrdup(s->line.data + s->pos);
		return 1;
	}
	if (!ff_eat_word(s, "* "))
		return 0;
	if (ff_peekc(s) < '0' || ff_peekc(s) > '9') {
		n = ff_name(s, &w);
		return ff_is(w, n, "BYE") ? ff_bye(s) : 0;
	}
	if (ff_num(s, UINT32_MAX, &v) == 0 && ff_eat(s, ' ')) {
		n = ff_name(s, &w);
		if (!ff_is(w, n, "FETCH"))
			(void)ff_count(s, w, n, (uint32_t)v);
	}
	return 0;
}

/*
 * Read the rest of a reply after a refusal, line by line and literal by
 * literal under the same limits: 1 at the tagged line, or < 0.
 */
static int
ff_drain(struct ff_state *s)
{
	uint64_t n;
	size_t at;
	int lit, r;

	for (;;) {
		if ((lit = ff_announce(s, &at, &n)) < 0)
			return lit;
		if (lit)
			r = ff_read_literal(s, n);
		else
			r = ff_getline(s);
		if (r == 0 && !ff_is_clean(s))
			r = ff_frame(s, "a control byte outside a literal");
		if (r == 0 && !lit)
			r = ff_drain_start(s);
		if (r != 0)
			return r;
	}
}

/*
 * After a refusal of a well-framed line: 1 with ff->refused set once the
 * reply was read to its end. The refusal stays the error when the input
 * ends first; a BYE or a framing error found on the way replaces it.
 */
static int
ff_recover(struct ff_state *s)
{
	struct cachet_err *refusal = s->err, e = {0};
	int r;

	if (s->framing || !ff_is_clean(s))
		return CACHET_E_PROTO;
	s->err = &e;
	r = ff_drain(s);
	s->err = refusal;
	if (r == 1)
		s->ff->refused = true;
	else if (r != CACHET_E_NET || s->ff->bye)
		*refusal = e;
	else
		r = CACHET_E_PROTO;
	return r;
}

int
imap_ff_parse(struct imap_ff *ff, struct cachet_err *err)
{
	struct ff_state s = {.ff = ff, .err = err};
	int r;

	ff->text = NULL;
	ff->bye = false;
	ff->refused = false;
	while ((r = ff_response(&s)) == 0)
		;
	if (r == CACHET_E_PROTO)
		r = ff_recover(&s);
	if (r == 1)
		r = ff->refused && s.fn_rc == 0 ? CACHET_E_PROTO : s.fn_rc;
	buf_release(&s.line);
	buf_release(&s.lit);
	buf_release(&s.kw);
	buf_release(&s.section);
	return r;
}
