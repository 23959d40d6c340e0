/*
 * mime/charset: converting message text from its declared charset to
 * UTF-8 with iconv, and repairing text that claims to be UTF-8 but is not.
 * Conversion never fails: unknown charsets and invalid bytes degrade to
 * '?'. Runs on any thread; each call opens its own iconv descriptor.
 */
#include "mime_int.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHARSET_NAME_MAX 40

/* Labels that mail uses for a superset iconv knows better. */
static const struct {
	const char *label;
	const char *iconv_name;
} charset_alias[] = {
	{"iso-8859-1", "WINDOWS-1252"},
	{"iso8859-1", "WINDOWS-1252"},
	{"iso_8859-1", "WINDOWS-1252"},
	{"latin1", "WINDOWS-1252"},
	{"l1", "WINDOWS-1252"},
	{"gb2312", "GB18030"},
	{"gbk", "GB18030"},
	{"x-gbk", "GB18030"},
	{"ks_c_5601-1987", "CP949"},
	{"euc-kr", "CP949"},
	{"tis-620", "CP874"},
	{"x-sjis", "SHIFT_JIS"},
};

/* Labels for UTF-8: validated, not converted. */
static const char *const utf8_labels[] = {
	"utf-8", "utf8", "unicode-1-1-utf-8",
};

/*
 * No charset, or plain ASCII: UTF-8 is kept (mail often says ASCII and
 * sends UTF-8), other 8-bit bytes are most likely Latin-1.
 */
static const char *const ascii_labels[] = {
	"us-ascii", "ascii", "ansi_x3.4-1968", "us", "iso646-us",
};

size_t
mime_utf8_seq(const unsigned char *s, size_t n)
{
	return util_utf8_decode(s, n, NULL);
}

/* Append s as UTF-8; each invalid byte becomes `bad` or its Latin-1. */
static void
utf8_append(struct buf *out, const char *s, size_t len, bool latin1)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, n;

	buf_grow(out, len);
	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = mime_utf8_seq(p + i, len - i)) != 0) {
			i += n;
			continue;
		}
		buf_add(out, s + start, i - start);
		if (latin1) {
			buf_addc(out, (char)(0xc0 | (p[i] >> 6)));
			buf_addc(out, (char)(0x80 | (p[i] & 0x3f)));
		} else {
			buf_addc(out, '?');
		}
		start = ++i;
	}
	buf_add(out, s + start, len - start);
}

void
mime_utf8_repair(struct buf *out, const char *s, size_t len)
{
	utf8_append(out, s, len, true);
}

bool
mime_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = mime_utf8_seq(p + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

/* Keep ASCII, every other byte becomes '?'. */
static void
ascii_append(struct buf *out, const char *s, size_t len)
{
	size_t i;

	buf_grow(out, len);
	for (i = 0; i < len; i++)
		buf_addc(out, (s[i] & 0x80) ? '?' : s[i]);
}

/*
 * The iconv name for a charset label, or NULL when the label is not a
 * plausible charset name (it comes from the message).
 */
const char *
mime_charset_iconv_name(const char *label, char *tmp, size_t tmpsz)
{
	size_t i, n = strlen(label);

	if (n == 0 || n >= tmpsz || n > CHARSET_NAME_MAX)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)label[i];

		if (!isalnum(c) && c != '-' && c != '_' && c != '.' &&
		    c != ':')
			return NULL;
		tmp[i] = (char)tolower(c);
	}
	tmp[n] = '\0';
	for (i = 0; i < sizeof(charset_alias) / sizeof(charset_alias[0]);
	    i++)
		if (strcmp(tmp, charset_alias[i].label) == 0)
			return charset_alias[i].iconv_name;
	return tmp;
}

static bool
in_labels(const char *label, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(label, list[i]) == 0)
			return true;
	return false;
}

bool
mime_charset_is_utf8(const char *label)
{
	return label != NULL && in_labels(label, utf8_labels,
	    sizeof(utf8_labels) / sizeof(utf8_labels[0]));
}

/* Run cd over in, appending to out; bad input becomes '?'. */
static void
iconv_append(struct buf *out, iconv_t cd, const char *in, size_t len)
{
	char *src = (char *)in, *dst;
	size_t left = len, room, r;

	while (left > 0) {
		buf_grow(out, left * 2 + 16);
		dst = out->data + out->len;
		room = out->cap - out->len - 1;
		r = iconv(cd, &src, &left, &dst, &room);
		out->len = (size_t)(dst - out->data);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		/* EILSEQ, or EINVAL for a sequence cut short at the end. */
		buf_addc(out, '?');
		src++;
		left--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	/* Flush any shift state (ISO-2022-JP and the like). */
	buf_grow(out, 16);
	dst = out->data + out->len;
	room = out->cap - out->len - 1;
	iconv(cd, NULL, NULL, &dst, &room);
	out->len = (size_t)(dst - out->data);
	out->data[out->len] = '\0';
}

char *
mime_charset_to_utf8(const char *charset, const char *in, size_t len,
    size_t *outlen)
{
	struct buf out = BUF_INIT;
	char tmp[CHARSET_NAME_MAX + 1];
	const char *name;
	iconv_t cd;

	if (in == NULL) {
		in = "";
		len = 0;
	}
	if (charset == NULL || *charset == '\0' ||
	    in_labels(charset, ascii_labels, sizeof(ascii_labels) /
	    sizeof(ascii_labels[0]))) {
		utf8_append(&out, in, len, true);
		return buf_detach(&out, outlen);
	}
	if (in_labels(charset, utf8_labels, sizeof(utf8_labels) /
	    sizeof(utf8_labels[0]))) {
		utf8_append(&out, in, len, false);
		return buf_detach(&out, outlen);
	}
	name = mime_charset_iconv_name(charset, tmp, sizeof(tmp));
	cd = name ? iconv_open("UTF-8", name) : (iconv_t)-1;
	if (cd == (iconv_t)-1) {
		ascii_append(&out, in, len);
		return buf_detach(&out, outlen);
	}
	iconv_append(&out, cd, in, len);
	iconv_close(cd);
	if (!mime_utf8_valid(out.data, out.len)) {
		/* Not expected from iconv, but the caller relies on it. */
		struct buf fixed = BUF_INIT;

		utf8_append(&fixed, out.data, out.len, false);
		buf_release(&out);
		return buf_detach(&fixed, outlen);
	}
	return buf_detach(&out, outlen);
}
