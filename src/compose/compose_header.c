/*
 * compose/header: header text going out (RFC 2047 encoded words for
 * anything that is not plain ASCII, with libetpan's base64) and header
 * fields coming in from a stored message (found and unfolded, bounded).
 * Runs on any thread.
 */
#include "compose_mime_int.h"

#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EW_CHUNK 45		/* bytes per encoded word: 60 base64 chars */
#define WORD_MAX 60		/* longer ASCII words are encoded to fold */

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool
word_needs_encoding(const char *w, size_t len)
{
	size_t i;

	if (len > WORD_MAX)
		return true;
	for (i = 0; i < len; i++) {
		if ((unsigned char)w[i] >= 0x80)
			return true;
		if (w[i] == '=' && i + 1 < len && w[i + 1] == '?')
			return true;
	}
	return false;
}

/* Append s[0..len) as base64 without line breaks. */
static void
add_base64(struct buf *b, const char *s, size_t len)
{
	MMAPString *m = mmap_string_new("");
	int col = 0;
	size_t n;

	if (m == NULL)
		abort();
	mailmime_base64_write_mem(m, &col, s, len);
	n = m->len;
	while (n > 0 && (m->str[n - 1] == '\n' || m->str[n - 1] == '\r'))
		n--;
	buf_add(b, m->str, n);
	mmap_string_free(m);
}

/* Append s[0..len) as encoded words, never splitting a character. */
static void
add_encoded(struct buf *b, const char *s, size_t len)
{
	size_t at = 0, n, k;
	bool first = true;

	while (at < len) {
		n = 0;
		while (at + n < len) {
			k = util_utf8_decode((const unsigned char *)s + at + n,
			    len - at - n, NULL);
			if (k == 0)
				k = 1;	/* an invalid byte goes as it is */
			if (n + k > EW_CHUNK && n > 0)
				break;
			n += k;
		}
		if (!first)
			buf_addc(b, ' ');
		buf_adds(b, "=?utf-8?B?");
		add_base64(b, s + at, n);
		buf_adds(b, "?=");
		at += n;
		first = false;
	}
}

char *
compose_header_encode(const char *value)
{
	struct buf b = BUF_INIT;
	const char *p = value, *w, *run = NULL, *run_end = NULL;
	size_t len;

	while (is_wsp(*p))
		p++;
	while (*p != '\0') {
		for (w = p; *p != '\0' && !is_wsp(*p); p++)
			;
		len = (size_t)(p - w);
		if (word_needs_encoding(w, len)) {
			if (run == NULL)
				run = w;
			run_end = p;
		} else {
			if (run != NULL) {
				add_encoded(&b, run, (size_t)(run_end - run));
				buf_adds(&b, " ");
				run = NULL;
			}
			buf_add(&b, w, len);
			if (*p != '\0')
				buf_addc(&b, ' ');
		}
		while (is_wsp(*p))
			p++;
	}
	if (run != NULL)
		add_encoded(&b, run, (size_t)(run_end - run));
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	return buf_detach(&b, NULL);
}

char *
compose_header_phrase(const char *name)
{
	struct buf b = BUF_INIT;
	const char *p;
	bool encode = false;

	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80 || (p[0] == '=' && p[1] == '?'))
			encode = true;
	if (!encode)
		return xstrdup(name);
	add_encoded(&b, name, strlen(name));
	return buf_detach(&b, NULL);
}

bool
compose_header_unsafe(const char *s)
{
	const unsigned char *p;

	if (s == NULL)
		return false;
	for (p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return true;
	return false;
}

/* End of the line at p (the byte after its LF, or end). */
static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl + 1 : end;
}

static bool
is_blank_line(const char *p, const char *e)
{
	return (e - p == 1 && p[0] == '\n') ||
	    (e - p == 2 && p[0] == '\r' && p[1] == '\n') || e == p;
}

/* Append a line's text without its line end; NULs become spaces. */
static void
add_unfolded(struct buf *b, const char *p, const char *e)
{
	while (e > p && (e[-1] == '\n' || e[-1] == '\r'))
		e--;
	for (; p < e; p++)
		buf_addc(b, *p == '\0' ? ' ' : *p);
}

char *
compose_header_get(const char *raw, size_t len, const char *name)
{
	const char *p = raw, *end = raw + len, *e;
	size_t nlen = strlen(name);
	struct buf b = BUF_INIT;
	bool in = false, found = false;

	for (; p < end; p = e) {
		e = line_end(p, end);
		if (is_blank_line(p, e))
			break;
		if (is_wsp(*p)) {
			if (in)
				add_unfolded(&b, p, e);
		} else if (found) {
			break;
		} else if ((size_t)(e - p) > nlen && p[nlen] == ':' &&
		    strncasecmp(p, name, nlen) == 0) {
			in = found = true;
			add_unfolded(&b, p + nlen + 1, e);
		}
		if (b.len > COMPOSE_FIELD_MAX) {
			buf_release(&b);
			return NULL;
		}
	}
	if (!found)
		return NULL;
	return buf_detach(&b, NULL);
}
