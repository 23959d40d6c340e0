/*
 * mime/header: finding the header block of a message or part, parsing it
 * with libetpan's mailimf field by field so that one broken or giant field
 * cannot hide the others, and decoding RFC 2047 header text to one clean
 * UTF-8 line. Runs on any thread; no global state.
 */
#include "mime_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* End of the line starting at p: the byte after its '\n', or len. */
static size_t
line_end(const char *p, size_t len, size_t pos)
{
	const char *nl = memchr(p + pos, '\n', len - pos);

	return nl ? (size_t)(nl - p) + 1 : len;
}

/* Is the line at pos empty ("\n" or "\r\n")? */
static bool
line_is_empty(const char *p, size_t len, size_t pos)
{
	if (pos < len && p[pos] == '\n')
		return true;
	return pos + 1 < len && p[pos] == '\r' && p[pos + 1] == '\n';
}

/* Does the line at pos start like a header field ("Name:")? */
static bool
line_is_field(const char *p, size_t len, size_t pos)
{
	size_t i = pos;

	while (i < len && (unsigned char)p[i] > 32 &&
	    (unsigned char)p[i] < 127 && p[i] != ':')
		i++;
	if (i == pos)
		return false;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < len && p[i] == ':';
}

size_t
mime_header_split(const char *raw, size_t len, enum mime_split mode,
    size_t *body_off)
{
	size_t pos = 0;

	if (raw == NULL || len == 0) {
		*body_off = 0;
		return 0;
	}
	if (mode == MIME_SPLIT_MESSAGE && len > 5 &&
	    memcmp(raw, "From ", 5) == 0)
		pos = line_end(raw, len, 0);
	if (mode != MIME_SPLIT_LOOSE && !line_is_empty(raw, len, pos) &&
	    !line_is_field(raw, len, pos)) {
		*body_off = 0;
		return 0;
	}
	while (pos < len) {
		if (line_is_empty(raw, len, pos)) {
			*body_off = line_end(raw, len, pos);
			return pos;
		}
		pos = line_end(raw, len, pos);
	}
	*body_off = len;
	return len;
}

/* End of the field starting at pos, continuation lines included. */
static size_t
field_end(const char *p, size_t len, size_t pos)
{
	pos = line_end(p, len, pos);
	while (pos < len && (p[pos] == ' ' || p[pos] == '\t'))
		pos = line_end(p, len, pos);
	return pos;
}

size_t
mime_field_end(const char *p, size_t len, size_t pos)
{
	return field_end(p, len, pos);
}

int
mime_envelope_kind(const char *p, size_t n, size_t *voff)
{
	/* In enum mime_env_kind order. */
	static const struct {
		const char *name;
		size_t len;
	} names[] = {
		{ "from", 4 }, { "to", 2 }, { "cc", 2 }, { "subject", 7 },
		{ "date", 4 }, { "message-id", 10 }, { "in-reply-to", 11 },
		{ "references", 10 },
	};
	size_t i, nl;
	int c;

	if (n == 0)
		return -1;
	c = p[0] | 0x20;	/* lower case for letters */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		nl = names[i].len;
		if (c != names[i].name[0] || n <= nl ||
		    strncasecmp(p, names[i].name, nl) != 0)
			continue;
		while (nl < n && (p[nl] == ' ' || p[nl] == '\t'))
			nl++;
		if (nl == n || p[nl] != ':')
			return -1;
		*voff = nl + 1;
		return (int)i;
	}
	return -1;
}

/*
 * Is the field at p (n bytes) an envelope field the caller wants? Only
 * the first field of each name counts (later ones are never read).
 */
static bool
field_wanted(const char *p, size_t n, unsigned *seen)
{
	size_t voff;
	int k;

	k = mime_envelope_kind(p, n, &voff);
	if (k < 0 || (*seen & (1u << k)))
		return false;
	*seen |= 1u << k;
	return true;
}

/* Parse selected fields, skipping any line libetpan refuses. */
static void
parse_fields(const char *p, size_t len,
    void (*fn)(struct mailimf_fields *, void *), void *arg)
{
	struct mailimf_fields *fields;
	size_t pos = 0, idx;
	int r;

	while (pos < len) {
		idx = pos;
		fields = NULL;
		r = mailimf_envelope_fields_parse(p, len, &idx, &fields);
		if (r == MAILIMF_NO_ERROR && fields != NULL) {
			fn(fields, arg);
			mailimf_fields_free(fields);
		}
		if (r != MAILIMF_NO_ERROR || idx <= pos)
			idx = pos;
		if (idx >= len)
			break;
		pos = field_end(p, len, idx);	/* skip what it refused */
	}
}

void
mime_fields_foreach(const char *hdr, size_t len,
    void (*fn)(struct mailimf_fields *, void *), void *arg)
{
	struct buf sel = BUF_INIT;
	size_t pos = 0, end;
	unsigned seen = 0;

	/*
	 * Only the fields asked for reach libetpan: leaving out Received,
	 * DKIM-Signature and the like saves a third of the parse time, and
	 * a giant field is dropped rather than parsed.
	 */
	while (pos < len) {
		end = field_end(hdr, len, pos);
		if (end - pos <= MIME_FIELD_MAX &&
		    field_wanted(hdr + pos, end - pos, &seen))
			buf_add(&sel, hdr + pos, end - pos);
		pos = end;
	}
	if (sel.len == 0)
		return;
	if (sel.data[sel.len - 1] != '\n')	/* libetpan wants the newline */
		buf_add(&sel, "\r\n", 2);
	parse_fields(sel.data, sel.len, fn, arg);
	buf_release(&sel);
}

const char *
mime_header_find(const char *hdr, size_t len, const char *name,
    size_t *vlen)
{
	size_t pos = 0, nlen = strlen(name), end, v;

	while (pos < len) {
		end = field_end(hdr, len, pos);
		if (end - pos > nlen &&
		    strncasecmp(hdr + pos, name, nlen) == 0) {
			for (v = pos + nlen; v < end &&
			    (hdr[v] == ' ' || hdr[v] == '\t'); v++)
				;
			if (v < end && hdr[v] == ':') {
				*vlen = end - v - 1;
				return hdr + v + 1;
			}
		}
		pos = end;
	}
	return NULL;
}

/* Is s printable ASCII already, single-spaced and trimmed? */
static bool
is_clean_ascii(const char *s, size_t len)
{
	size_t i;

	if (len > 0 && (s[0] == ' ' || s[len - 1] == ' '))
		return false;
	/* s[len - 1] is no space, so s[i + 1] below stays inside. */
	for (i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e ||
		    (s[i] == ' ' && s[i + 1] == ' '))
			return false;
	}
	return true;
}

char *
mime_header_clean(const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	size_t i, start;
	char *out;
	bool space = false;

	if (s == NULL)
		return xstrdup("");
	if (is_clean_ascii(s, len)) {	/* the common case: a plain copy */
		out = xmalloc(len + 1);
		memcpy(out, s, len);
		out[len] = '\0';
		return out;
	}
	/* Unfold: runs of white space, CR and LF become one space. */
	buf_grow(&b, len);
	for (i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n') {
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_addc(&b, ' ');
		space = false;
		start = i;
		while (i + 1 < len && s[i + 1] != ' ' && s[i + 1] != '\t' &&
		    s[i + 1] != '\r' && s[i + 1] != '\n')
			i++;
		buf_add(&b, s + start, i + 1 - start);
	}
	if (!mime_utf8_valid(b.data, b.len)) {
		struct buf fixed = BUF_INIT;

		mime_utf8_repair(&fixed, b.data, b.len);
		buf_release(&b);
		b = fixed;
	}
	out = util_sanitize(b.data ? b.data : "", b.len, false, false);
	buf_release(&b);
	return out;
}

/* Does s[0..len) hold anything that may be an RFC 2047 word? */
static bool
has_encoded_word(const char *s, size_t len)
{
	return len >= 2 && memmem(s, len, "=?", 2) != NULL;
}

char *
mime_decode_header_n(const char *s, size_t len)
{
	struct buf raw = BUF_INIT, out = BUF_INIT;
	char *dec = NULL, *res;
	size_t idx = 0;
	int r;

	if (s == NULL)
		return xstrdup("");
	if (len > MIME_FIELD_MAX)
		len = MIME_FIELD_MAX;
	if (!has_encoded_word(s, len))
		return mime_header_clean(s, len);
	mime_charconv_install();
	/*
	 * libetpan converts the words between encoded words from the
	 * default charset; make sure they are UTF-8 so that step is a copy.
	 */
	mime_utf8_repair(&raw, s, len);
	r = mailmime_encoded_phrase_parse("utf-8", raw.data, raw.len, &idx,
	    "utf-8", &dec);
	if (r == MAILIMF_NO_ERROR && dec != NULL) {
		buf_adds(&out, dec);
		free(dec);
	} else {
		idx = 0;
	}
	/* Whatever it could not read is shown as it came. */
	if (idx < raw.len) {
		if (out.len > 0)
			buf_addc(&out, ' ');
		buf_add(&out, raw.data + idx, raw.len - idx);
	}
	res = mime_header_clean(out.data ? out.data : "", out.len);
	buf_release(&raw);
	buf_release(&out);
	return res;
}

char *
mime_decode_header(const char *value)
{
	if (value == NULL)
		return xstrdup("");
	return mime_decode_header_n(value, strnlen(value, MIME_FIELD_MAX));
}
