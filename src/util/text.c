/*
 * util/text: making hostile bytes safe for a terminal, and server names safe
 * as path components. Runs on any thread.
 */
#include "util.h"

#include <stdio.h>
#include <string.h>

int
util_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
util_utf8_decode(const unsigned char *s, size_t n, unsigned *cpp)
{
	size_t len, i;
	unsigned cp;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		len = 1;
		cp = s[0];
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cpp)
		*cpp = cp;
	return len;
}

/* Length of a UTF-8 sequence safe to draw at s, or 0. */
static size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned cp = 0;
	size_t len = util_utf8_decode(s, n, &cp);

	if (len == 0)
		return 0;
	/* C1 controls encoded in UTF-8 are controls too. */
	if (cp >= 0x80 && cp <= 0x9f)
		return 0;
	/* Bidi overrides and isolates can reorder what the user sees. */
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return len;
}

char *
util_sanitize(const char *s, size_t len, bool keep_newline, bool keep_tab)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b = BUF_INIT;
	size_t i = 0, n;

	buf_grow(&b, len);
	while (i < len) {
		unsigned char c = p[i];

		if (c == '\n' && keep_newline) {
			buf_addc(&b, '\n');
			i++;
		} else if (c == '\t' && keep_tab) {
			buf_addc(&b, '\t');
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			buf_addc(&b, '?');
			i++;
		} else if ((n = utf8_seq_len(p + i, len - i)) == 0) {
			buf_addc(&b, '?');
			i++;
		} else {
			buf_add(&b, p + i, n);
			i += n;
		}
	}
	return buf_detach(&b, NULL);
}

char *
util_path_escape(const char *name)
{
	struct buf b = BUF_INIT;
	const unsigned char *p;

	if (name == NULL || *name == '\0')
		return xstrdup("%00");
	for (p = (const unsigned char *)name; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '-' || (*p == '.' && p != (const unsigned char *)name);

		if (plain)
			buf_addc(&b, (char)*p);
		else
			buf_addf(&b, "%%%02X", *p);
	}
	return buf_detach(&b, NULL);
}

void
util_progress_bar(char *buf, size_t len, unsigned done, unsigned total,
    unsigned width)
{
	unsigned fill, i;

	if (len == 0)
		return;
	if (total == 0 || width == 0 || len < (size_t)width + 3) {
		buf[0] = '\0';
		return;
	}
	if (done > total)
		done = total;
	fill = (unsigned)((unsigned long long)done * width / total);
	buf[0] = '[';
	for (i = 0; i < width; i++)
		buf[i + 1] = i < fill ? '#' : '-';
	buf[width + 1] = ']';
	buf[width + 2] = '\0';
}
