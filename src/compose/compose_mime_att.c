/*
 * compose/mime_att: the leaf parts of an outgoing message. The text part
 * gets the lightest transfer encoding that keeps it 7-bit and safe to sign
 * (7bit, quoted-printable or base64, by content); attachments are base64
 * with RFC 2231 file names, typed by the caller, by /etc/mime.types or by
 * their content; message/rfc822 goes unencoded (RFC 2046). Base64 is
 * libetpan's; quoted-printable is written here (see add_qp). Runs on any
 * thread.
 */
#include "compose_mime_int.h"

#include <ctype.h>
#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define MIME_TYPES "/etc/mime.types"
#define LINE_7BIT 76		/* longer lines are sent quoted-printable */
#define LINE_MAX_RFC 998
#define NAME_PLAIN_MAX 60	/* longer names are sent in pieces */
#define PCT_SEGMENT 73	/* column before the last %XX of a line */

char *
compose_random_hex(size_t n)
{
	unsigned char r[64];
	struct buf b = BUF_INIT;
	size_t i, got = 0;
	ssize_t k;

	if (n > sizeof(r))
		n = sizeof(r);
	while (got < n) {
		k = getrandom(r + got, n - got, 0);
		if (k <= 0)
			abort();	/* the kernel's generator cannot fail */
		got += (size_t)k;
	}
	for (i = 0; i < n; i++)
		buf_addf(&b, "%02x", r[i]);
	explicit_bzero(r, sizeof(r));
	return buf_detach(&b, NULL);
}

static void
mmap_to_buf(struct buf *out, MMAPString *m)
{
	if (m == NULL)
		abort();
	buf_add(out, m->str, m->len);
	mmap_string_free(m);
}

static void
add_base64_body(struct buf *out, const char *data, size_t len)
{
	MMAPString *m = mmap_string_new("");
	int col = 0;

	if (m == NULL)
		abort();
	mailmime_base64_write_mem(m, &col, data, len);
	mmap_to_buf(out, m);
	if (out->len >= 2 && out->data[out->len - 1] != '\n')
		buf_adds(out, "\r\n");
}

/* ------------------------------------------------------------ text */

enum text_enc { ENC_7BIT, ENC_QP, ENC_B64 };

static enum text_enc
text_encoding(const char *s, size_t len, bool *ascii)
{
	size_t i, col = 0, high = 0;
	bool plain = true;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n') {
			if (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
				plain = false;	/* MTAs strip it */
			col = 0;
			continue;
		}
		if (col == 0 && len - i >= 5 && memcmp(s + i, "From ", 5) == 0)
			plain = false;	/* mbox would mangle it */
		if (++col > LINE_7BIT)
			plain = false;
		if (c >= 0x80)
			high++;
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			plain = false;
	}
	*ascii = high == 0;
	if (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		plain = false;
	if (high == 0 && plain)
		return ENC_7BIT;
	return high * 3 > len ? ENC_B64 : ENC_QP;
}

/* Text with LF line ends (a CR before LF is dropped), ending in LF. */
static char *
text_lf(const char *body, size_t *len)
{
	struct buf b = BUF_INIT;
	const char *p;

	for (p = body; *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			buf_addc(&b, *p);
	if (b.len > 0 && b.data[b.len - 1] != '\n')
		buf_addc(&b, '\n');
	return buf_detach(&b, len);
}

static void
add_crlf_text(struct buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			buf_addc(out, '\r');
		buf_addc(out, s[i]);
	}
}

/*
 * Quoted-printable (RFC 2045) of LF-terminated text, CRLF line ends, at
 * most 76 characters a line. Written here because libetpan 1.9.4's
 * encoder sends trailing white space twice (raw, then encoded).
 */
static void
qp_byte(struct buf *out, size_t *col, unsigned char c, bool literal)
{
	size_t w = literal ? 1 : 3;

	if (*col + w > 75) {
		buf_adds(out, "=\r\n");
		*col = 0;
	}
	if (literal)
		buf_addc(out, (char)c);
	else
		buf_addf(out, "=%02X", c);
	*col += w;
}

static void
add_qp(struct buf *out, const char *s, size_t len)
{
	size_t i, col = 0;
	unsigned char c;
	bool eol, literal;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '\n') {
			buf_adds(out, "\r\n");
			col = 0;
			continue;
		}
		eol = i + 1 == len || s[i + 1] == '\n';
		literal = (c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !eol);
		/* "From " at a line start would be mangled by mbox. */
		if (col == 0 && c == 'F' && len - i >= 5 &&
		    memcmp(s + i, "From ", 5) == 0)
			literal = false;
		qp_byte(out, &col, c, literal);
	}
}

void
compose_text_part(struct buf *out, const char *body, const char *ctparams)
{
	size_t len;
	char *text = text_lf(body != NULL ? body : "", &len);
	bool ascii;
	enum text_enc enc = text_encoding(text, len, &ascii);
	static const char *const names[] = { "7bit", "quoted-printable",
	    "base64" };
	struct buf crlf = BUF_INIT;

	buf_addf(out, "Content-Type: text/plain; charset=%s%s\r\n",
	    ascii ? "us-ascii" : "utf-8", ctparams != NULL ? ctparams : "");
	buf_addf(out, "Content-Transfer-Encoding: %s\r\n\r\n", names[enc]);
	if (enc == ENC_7BIT) {
		add_crlf_text(out, text, len);
	} else if (enc == ENC_QP) {
		add_qp(out, text, len);
	} else {
		add_crlf_text(&crlf, text, len);
		add_base64_body(out, crlf.data != NULL ? crlf.data : "",
		    crlf.len);
		buf_release(&crlf);
	}
	free(text);
}

/* ----------------------------------------------------- content type */

static bool
is_token_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* Is t "type/subtype" made of token characters? */
static bool
type_valid(const char *t)
{
	const char *slash = strchr(t, '/'), *p;

	if (slash == NULL || slash == t || slash[1] == '\0' ||
	    strlen(t) > 127)
		return false;
	for (p = t; *p; p++)
		if (p != slash && !is_token_char((unsigned char)*p))
			return false;
	return true;
}

/* The type /etc/mime.types gives the extension of name, or NULL. */
static char *
type_by_name(const char *name)
{
	const char *ext = name != NULL ? strrchr(name, '.') : NULL;
	char line[1024], *tok, *type, *save;
	char *found = NULL;
	FILE *f;

	if (ext == NULL || ext[1] == '\0' || strlen(ext) > 32)
		return NULL;
	ext++;
	if ((f = fopen(MIME_TYPES, "re")) == NULL)
		return NULL;
	while (found == NULL && fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#')
			continue;
		if ((type = strtok_r(line, " \t\r\n", &save)) == NULL ||
		    !type_valid(type))
			continue;
		while ((tok = strtok_r(NULL, " \t\r\n", &save)) != NULL)
			if (strcasecmp(tok, ext) == 0) {
				found = xstrdup(type);
				break;
			}
	}
	fclose(f);
	return found;
}

static bool
utf8_text(const char *s, size_t len)
{
	size_t i = 0, k;

	while (i < len) {
		if (s[i] == '\0')
			return false;
		if ((k = util_utf8_decode((const unsigned char *)s + i,
		    len - i, NULL)) == 0)
			return false;
		i += k;
	}
	return true;
}

static char *
type_of(const struct compose_attachment *a, const char *data, size_t len,
    struct cachet_err *err)
{
	char *t, *p;

	if (a->type != NULL) {
		if (!type_valid(a->type)) {
			cachet_err(err, CACHET_E_INVAL,
			    "not a media type: \"%.60s\"", a->type);
			return NULL;
		}
		t = xstrdup(a->type);
		for (p = t; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return t;
	}
	if ((t = type_by_name(a->name != NULL ? a->name : a->path)) != NULL)
		return t;
	return xstrdup(utf8_text(data, len) ? "text/plain" :
	    "application/octet-stream");
}

/* -------------------------------------------------------- file name */

static bool
name_plain(const char *s)
{
	const unsigned char *p;

	if (strlen(s) > NAME_PLAIN_MAX)
		return false;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			return false;
	return true;
}

/* ;\r\n\tkey*N*=utf-8''%XX... in pieces of at most PCT_SEGMENT chars. */
static void
add_rfc2231(struct buf *out, const char *key, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int seg = 0;
	size_t col;

	while (*p) {
		buf_addf(out, ";\r\n\t%s*%d*=%s", key, seg, seg == 0 ?
		    "utf-8''" : "");
		/* tab, key, "*N*=", charset: the line stays within 76. */
		col = 1 + strlen(key) + 5 + (seg >= 10) + (seg == 0 ? 7 : 0);
		for (; *p && col < PCT_SEGMENT; p++) {
			if (isalnum(*p) || strchr("-._~", *p) != NULL) {
				buf_addc(out, (char)*p);
				col++;
			} else {
				buf_addf(out, "%%%02X", *p);
				col += 3;
			}
		}
		seg++;
	}
}

static void
add_disposition(struct buf *out, const char *name)
{
	buf_adds(out, "Content-Disposition: attachment");
	if (name == NULL) {
		buf_adds(out, "\r\n");
		return;
	}
	if (name_plain(name)) {
		buf_addf(out, ";\r\n\tfilename=\"%s\"\r\n", name);
		return;
	}
	/*
	 * RFC 2231 alone: a plain filename beside it would be what some
	 * readers (Python's email package, for one) show instead.
	 */
	add_rfc2231(out, "filename", name);
	buf_adds(out, "\r\n");
}

/* The name parameter of Content-Type: plain, or RFC 2231 like filename. */
static void
add_type_name(struct buf *out, const char *name)
{
	if (name_plain(name))
		buf_addf(out, ";\r\n\tname=\"%s\"", name);
	else
		add_rfc2231(out, "name", name);
}

/* --------------------------------------------------------- the part */

static const char *
att_basename(const struct compose_attachment *a)
{
	const char *s;

	if (!util_str_empty(a->name))
		return a->name;
	if (a->path == NULL)
		return NULL;
	s = strrchr(a->path, '/');
	s = s != NULL ? s + 1 : a->path;
	return *s != '\0' ? s : NULL;
}

/* Must a message/rfc822 body be labelled 8bit (RFC 2046: never encoded)? */
static bool
message_8bit(const char *data, size_t len)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		col = data[i] == '\n' ? 0 : col + 1;
		if ((unsigned char)data[i] >= 0x80 || data[i] == '\0' ||
		    col > LINE_MAX_RFC)
			return true;
	}
	return false;
}

/* A message/rfc822 body with CRLF line ends. */
static void
add_message(struct buf *out, const char *data, size_t len)
{
	size_t i, start = out->len;

	for (i = 0; i < len; i++) {
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			buf_addc(out, '\r');
		buf_addc(out, data[i]);
	}
	if (out->len > start && out->data[out->len - 1] != '\n')
		buf_adds(out, "\r\n");
}

static int
att_data(const struct compose_attachment *a, char **data, size_t *len,
    struct cachet_err *err)
{
	if (a->data != NULL || a->path == NULL) {
		*data = xmalloc(a->len + 1);
		if (a->len > 0)
			memcpy(*data, a->data, a->len);
		(*data)[a->len] = '\0';
		*len = a->len;
		return 0;
	}
	return util_read_file(a->path, data, len, err);
}

int
compose_att_part(struct buf *out, const struct compose_attachment *a,
    struct cachet_err *err)
{
	const char *name = att_basename(a);
	char *data = NULL, *type = NULL;
	size_t len = 0;
	int rc;

	if (compose_header_unsafe(name) || compose_header_unsafe(a->type))
		return cachet_err(err, CACHET_E_INVAL,
		    "attachment name or type with a control character");
	if ((rc = att_data(a, &data, &len, err)) < 0)
		return rc;
	if ((type = type_of(a, data, len, err)) == NULL) {
		free(data);
		return CACHET_E_INVAL;
	}
	buf_addf(out, "Content-Type: %s", type);
	if (strncmp(type, "text/", 5) == 0 && utf8_text(data, len))
		buf_adds(out, "; charset=utf-8");
	if (name != NULL)
		add_type_name(out, name);
	buf_adds(out, "\r\n");
	add_disposition(out, name);
	if (strcmp(type, "message/rfc822") == 0) {
		buf_addf(out, "Content-Transfer-Encoding: %s\r\n\r\n",
		    message_8bit(data, len) ? "8bit" : "7bit");
		add_message(out, data, len);
	} else {
		buf_adds(out, "Content-Transfer-Encoding: base64\r\n\r\n");
		add_base64_body(out, data, len);
	}
	free(type);
	free(data);
	return 0;
}
