/*
 * mime_envelope_fast: the envelope of a plain header block field by field,
 * each wanted value handed straight to the smallest libetpan parser (or,
 * for the plainest addresses and message ids, read by a bounded scan),
 * instead of parsing the whole block: the sync engine does this for every
 * header it fetches. Anything less plain goes back to the block parse in
 * mime_envelope.c, so both always give the same envelope (the unit tests
 * compare them). Runs on any thread; no global state.
 */
#include "mime_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The fast path takes a header block of printable ASCII (tabs, LF or CRLF
 * line ends; RFC 2047 words are ASCII) and hands each wanted field's
 * value straight to the libetpan parser its field parser would call.
 * Anything less plain, or a value that parser does not take whole, goes
 * to the block parse instead, so both always give the same envelope.
 */
static bool
plain_ascii(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n')
			continue;
		if (c == '\r' && i + 1 < len && p[i + 1] == '\n')
			continue;
		return false;
	}
	return true;
}

/* Is v[idx..n) only white space and line ends (no comment)? */
static bool
rest_blank(const char *v, size_t n, size_t idx)
{
	for (; idx < n; idx++)
		if (v[idx] != ' ' && v[idx] != '\t' && v[idx] != '\r' &&
		    v[idx] != '\n')
			return false;
	return true;
}

static void
free_id_list(clist *l)
{
	clistiter *it;

	for (it = clist_begin(l); it != NULL; it = clist_next(it))
		free(clist_content(it));
	clist_free(l);
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* May c stand in a plain message id (atext, '.' or '@')? */
static bool
is_id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.@", c) != NULL);
}

/*
 * Plain message ids: "<id>" one or more times with only white space
 * around, each id made of is_id_char bytes. libetpan's parser gives such
 * an id as it stands, so the first max of them are copied to b
 * space-separated without it. Returns how many there are, or 0 if v is
 * not of this form (then libetpan reads it).
 */
static size_t
plain_ids(const char *v, size_t n, size_t max, struct buf *b)
{
	size_t i = 0, start, count = 0;

	for (;;) {
		while (i < n && is_blank(v[i]))
			i++;
		if (i == n)
			return count;
		if (v[i] != '<')
			return 0;
		start = ++i;
		while (i < n && is_id_char(v[i]))
			i++;
		if (i == n || v[i] != '>' || i == start)
			return 0;
		if (count++ < max) {
			if (b->len > 0)
				buf_addc(b, ' ');
			buf_add(b, v + start, i - start);
		}
		i++;
	}
}

static bool
fast_ids(struct mime_envelope *env, int kind, const char *v, size_t n)
{
	struct buf b = BUF_INIT;
	clist *l = NULL;
	size_t idx = 0;
	bool ok;

	if (plain_ids(v, n, kind == MIME_ENV_IN_REPLY_TO ? 1 : SIZE_MAX,
	    &b) > 0) {
		*(kind == MIME_ENV_IN_REPLY_TO ? &env->in_reply_to :
		    &env->references) = buf_detach(&b, NULL);
		return true;
	}
	buf_release(&b);
	if (mailimf_msg_id_list_parse(v, n, &idx, &l) != MAILIMF_NO_ERROR)
		return false;
	ok = rest_blank(v, n, idx);
	if (ok && kind == MIME_ENV_IN_REPLY_TO)
		env->in_reply_to = mime_env_first_msgid(l);
	else if (ok)
		env->references = mime_env_msgid_list(l);
	free_id_list(l);
	return ok;
}

static bool
fast_msgid(struct mime_envelope *env, const char *v, size_t n)
{
	size_t idx = 0;
	struct buf b = BUF_INIT;
	char *id = NULL;
	bool ok;

	if (plain_ids(v, n, 1, &b) == 1) {
		env->message_id = buf_detach(&b, NULL);
		return true;
	}
	buf_release(&b);
	if (mailimf_msg_id_parse(v, n, &idx, &id) != MAILIMF_NO_ERROR)
		return false;
	ok = rest_blank(v, n, idx);
	if (ok && id != NULL)
		env->message_id = mime_env_msgid_value(id);
	free(id);
	return ok;
}

static bool
is_atext(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static bool
is_addr_char(char c)
{
	return is_atext(c) || c == '.' || c == '@';
}

/*
 * A word with a '?' in it is plain only as a whole RFC 2047 word,
 * "=?charset?B|Q?text?=" (libetpan refuses some other words with '?').
 */
static bool
plain_word(const char *w, size_t n)
{
	const char *q1, *q2;

	if (memchr(w, '?', n) == NULL)
		return true;
	if (n < 8 || w[0] != '=' || w[1] != '?' || w[n - 2] != '?' ||
	    w[n - 1] != '=')
		return false;
	q1 = memchr(w + 2, '?', n - 4);
	if (q1 == NULL || q1 == w + 2 || q1 + 3 > w + n - 2 || q1[2] != '?' ||
	    strchr("BbQq", q1[1]) == NULL || q1[1] == '\0')
		return false;
	q2 = memchr(q1 + 3, '?', (size_t)(w + n - 2 - (q1 + 3)));
	return q2 == NULL;
}

/*
 * One plain mailbox at v[*i]: "addr", or "[word...] <addr>", where each
 * word is atext only and addr only atext, '.' and '@' (one '@' at least
 * when bare). libetpan gives the words joined by single spaces and the
 * address as it stands, and so does this.
 */
static bool
plain_mailbox(const char *v, size_t n, size_t *pi, struct buf *b)
{
	struct buf name = BUF_INIT;
	size_t i = *pi, s, ntok = 0, first = 0, first_len = 0;
	bool words = true, ok = false;

	for (;;) {
		while (i < n && is_blank(v[i]))
			i++;
		if (i == n || v[i] == '<' || v[i] == ',')
			break;
		for (s = i; i < n && is_addr_char(v[i]); i++)
			if (!is_atext(v[i]))
				words = false;
		if (i == s || (i < n && !is_blank(v[i]) && v[i] != '<' &&
		    v[i] != ','))
			goto out;
		if (!plain_word(v + s, i - s))
			words = false;
		if (ntok++ == 0) {
			first = s;
			first_len = i - s;
		}
		if (name.len > 0)
			buf_addc(&name, ' ');
		buf_add(&name, v + s, i - s);
	}
	if (i == n || v[i] == ',') {	/* a bare address */
		if (ntok != 1 || memchr(v + first, '@', first_len) == NULL)
			goto out;
		mime_env_add_mailbox(b, NULL, 0, v + first, first_len);
	} else {
		if (!words)
			goto out;
		for (s = ++i; i < n && is_addr_char(v[i]); i++)
			;
		if (i == s || i == n || v[i] != '>')
			goto out;
		mime_env_add_mailbox(b, ntok ? name.data : NULL, name.len, v + s,
		    i - s);
		for (i++; i < n && is_blank(v[i]); i++)
			;
	}
	*pi = i;
	ok = true;
out:
	buf_release(&name);
	return ok;
}

/* A list of plain mailboxes, or NULL when any of it is not plain. */
static char *
plain_mailboxes(const char *v, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i = 0;

	for (;;) {
		if (!plain_mailbox(v, n, &i, &b))
			break;
		if (i == n)
			return buf_detach(&b, NULL);
		if (v[i] != ',')
			break;
		i++;
	}
	buf_release(&b);
	return NULL;
}

static bool
fast_addrs(struct mime_envelope *env, int kind, const char *v, size_t n)
{
	struct mailimf_mailbox_list *mbl = NULL;
	struct mailimf_address_list *al = NULL;
	size_t idx = 0;
	char **dst = kind == MIME_ENV_FROM ? &env->from :
	    kind == MIME_ENV_TO ? &env->to : &env->cc;
	bool ok;

	if ((*dst = plain_mailboxes(v, n)) != NULL)
		return true;
	if (kind == MIME_ENV_FROM) {
		if (mailimf_mailbox_list_parse(v, n, &idx, &mbl) !=
		    MAILIMF_NO_ERROR)
			return false;
		if ((ok = rest_blank(v, n, idx)))
			env->from = mime_env_mailbox_list(mbl);
		mailimf_mailbox_list_free(mbl);
		return ok;
	}
	if (mailimf_address_list_parse(v, n, &idx, &al) != MAILIMF_NO_ERROR)
		return false;
	if ((ok = rest_blank(v, n, idx)))
		*(kind == MIME_ENV_TO ? &env->to : &env->cc) = mime_env_address_list(al);
	mailimf_address_list_free(al);
	return ok;
}

static bool
fast_date(struct mime_envelope *env, const char *v, size_t n)
{
	struct mailimf_date_time *d = NULL;
	size_t idx = 0;
	bool ok;

	if (mailimf_date_time_parse(v, n, &idx, &d) != MAILIMF_NO_ERROR)
		return false;
	if ((ok = rest_blank(v, n, idx)))
		env->date = mime_env_date(d);
	mailimf_date_time_free(d);
	return ok;
}

/* The unstructured value: leading blanks and the line end dropped. */
static void
fast_subject(struct mime_envelope *env, const char *v, size_t n)
{
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	if (n > 0 && v[n - 1] == '\n')
		n--;
	if (n > 0 && v[n - 1] == '\r')
		n--;
	env->subject = mime_decode_header_n(v, n);
}

static bool
fast_field(struct mime_envelope *env, int kind, const char *v, size_t n)
{
	switch (kind) {
	case MIME_ENV_FROM:
	case MIME_ENV_TO:
	case MIME_ENV_CC:
		return fast_addrs(env, kind, v, n);
	case MIME_ENV_SUBJECT:
		fast_subject(env, v, n);
		return true;
	case MIME_ENV_DATE:
		return fast_date(env, v, n);
	case MIME_ENV_MESSAGE_ID:
		return fast_msgid(env, v, n);
	default:
		return fast_ids(env, kind, v, n);
	}
}

bool
mime_envelope_fast(const char *hdr, size_t len, struct mime_envelope *env)
{
	size_t pos = 0, end, voff;
	unsigned seen = 0;
	int k;

	if (!plain_ascii(hdr, len))
		return false;
	for (; pos < len; pos = end) {
		end = mime_field_end(hdr, len, pos);
		if (end - pos > MIME_FIELD_MAX)
			continue;
		k = mime_envelope_kind(hdr + pos, end - pos, &voff);
		if (k < 0 || (seen & (1u << k)))
			continue;
		seen |= 1u << k;
		if (hdr[pos + voff - 2] == ' ' || hdr[pos + voff - 2] == '\t' ||
		    !fast_field(env, k, hdr + pos + voff, end - pos - voff)) {
			mime_envelope_release(env);
			return false;
		}
	}
	return true;
}

