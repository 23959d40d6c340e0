/*
 * mime/param: reading Content-Type and Content-Disposition as libetpan
 * parsed them: the media type, charset, boundary and file name, with
 * RFC 2231 extended and continued parameters (filename*=, name*0*=) that
 * libetpan hands over undecoded, and RFC 2047 words inside quoted names.
 * File names are made safe to show and to save under. Runs on any thread.
 */
#include "mime_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PARAM_MAX 64		/* parameters looked at per header */
#define PARAM_SEGMENTS 64	/* RFC 2231 continuations per value */
#define FILENAME_MAX_BYTES 255
#define TYPE_MAX 127

struct param {
	const char *name;
	const char *value;
};

struct param_set {
	struct param p[PARAM_MAX];
	size_t n;
};

static void
param_add(struct param_set *ps, const char *name, const char *value)
{
	if (ps->n < PARAM_MAX && name != NULL && value != NULL) {
		ps->p[ps->n].name = name;
		ps->p[ps->n].value = value;
		ps->n++;
	}
}

/* Append an RFC 2231 value, percent-decoded; the first carries charset. */
static void
ext_value(struct buf *raw, const char *v, bool first, char **charset)
{
	const char *q1, *q2;
	int hi, lo;

	if (first && (q1 = strchr(v, '\'')) != NULL &&
	    (q2 = strchr(q1 + 1, '\'')) != NULL) {
		if (q1 > v && *charset == NULL)
			*charset = xstrndup(v, (size_t)(q1 - v));
		v = q2 + 1;	/* the language between the quotes is unused */
	}
	for (; *v; v++) {
		if (*v == '%' && (hi = util_hexval((unsigned char)v[1])) >= 0 &&
		    (lo = util_hexval((unsigned char)v[2])) >= 0) {
			buf_addc(raw, (char)(hi * 16 + lo));
			v += 2;
		} else {
			buf_addc(raw, *v);
		}
	}
}

/*
 * If name is key*N or key*N* return N (and whether it is encoded), or
 * -1 when it is neither.
 */
static int
segment_number(const char *name, const char *key, bool *encoded)
{
	size_t klen = strlen(key);
	char *end;
	long n;

	if (strncasecmp(name, key, klen) != 0 || name[klen] != '*' ||
	    !isdigit((unsigned char)name[klen + 1]))
		return -1;
	n = strtol(name + klen + 1, &end, 10);
	if (n < 0 || n >= PARAM_SEGMENTS)
		return -1;
	*encoded = *end == '*';
	if (*end == '*')
		end++;
	return *end == '\0' ? (int)n : -1;
}

static const struct param *
segment_find(const struct param_set *ps, const char *key, int seg,
    bool *encoded)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (segment_number(ps->p[i].name, key, encoded) == seg)
			return &ps->p[i];
	return NULL;
}

/* The RFC 2231 form of parameter key as UTF-8, or NULL if absent. */
static char *
param_ext(const struct param_set *ps, const char *key)
{
	struct buf raw = BUF_INIT;
	char *charset = NULL, *out;
	const struct param *p;
	bool found = false, enc;
	size_t i, klen = strlen(key);
	int seg;

	for (i = 0; i < ps->n && !found; i++) {
		if (strncasecmp(ps->p[i].name, key, klen) == 0 &&
		    strcmp(ps->p[i].name + klen, "*") == 0) {
			ext_value(&raw, ps->p[i].value, true, &charset);
			found = true;
		}
	}
	for (seg = 0; !found && seg < PARAM_SEGMENTS; seg++) {
		if ((p = segment_find(ps, key, seg, &enc)) == NULL)
			break;
		if (enc)
			ext_value(&raw, p->value, seg == 0, &charset);
		else
			buf_adds(&raw, p->value);
	}
	if (!found && seg == 0) {
		buf_release(&raw);
		return NULL;
	}
	out = mime_charset_to_utf8(charset, raw.data, raw.len, NULL);
	free(charset);
	buf_release(&raw);
	return out;
}

/* Parameter key, decoded; the RFC 2231 form wins over the plain one. */
static char *
param_get(const struct param_set *ps, const char *key)
{
	char *v = param_ext(ps, key);
	size_t i;

	if (v != NULL)
		return v;
	for (i = 0; i < ps->n; i++)
		if (strcasecmp(ps->p[i].name, key) == 0)
			return mime_decode_header(ps->p[i].value);
	return NULL;
}

/* The plain value of key, as it came (for the boundary). */
static const char *
param_raw(const struct param_set *ps, const char *key)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (strcasecmp(ps->p[i].name, key) == 0)
			return ps->p[i].value;
	return NULL;
}

static const char *
major_type(const struct mailmime_type *t)
{
	static const char *const discrete[] = {
		[MAILMIME_DISCRETE_TYPE_TEXT] = "text",
		[MAILMIME_DISCRETE_TYPE_IMAGE] = "image",
		[MAILMIME_DISCRETE_TYPE_AUDIO] = "audio",
		[MAILMIME_DISCRETE_TYPE_VIDEO] = "video",
		[MAILMIME_DISCRETE_TYPE_APPLICATION] = "application",
	};
	const struct mailmime_discrete_type *d;
	const struct mailmime_composite_type *c;

	if (t == NULL)
		return NULL;
	if (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
	    (d = t->tp_data.tp_discrete_type) != NULL) {
		if (d->dt_type == MAILMIME_DISCRETE_TYPE_EXTENSION)
			return d->dt_extension;
		if (d->dt_type > 0 && d->dt_type <
		    (int)(sizeof(discrete) / sizeof(discrete[0])))
			return discrete[d->dt_type];
	}
	if (t->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
	    (c = t->tp_data.tp_composite_type) != NULL) {
		if (c->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE)
			return "message";
		if (c->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART)
			return "multipart";
		return c->ct_token;
	}
	return NULL;
}

/* "major/minor" in lower case, made of token characters; or NULL. */
static char *
type_string(const struct mailmime_content *ct)
{
	const char *major = major_type(ct->ct_type);
	struct buf b = BUF_INIT;
	const char *p;

	if (major == NULL || ct->ct_subtype == NULL)
		return NULL;
	buf_adds(&b, major);
	buf_addc(&b, '/');
	buf_adds(&b, ct->ct_subtype);
	for (p = b.data; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 127 || strchr("()<>@,;:\\\"[]?=", c)) {
			buf_release(&b);
			return NULL;
		}
		b.data[p - b.data] = (char)tolower(c);
	}
	if (b.len > TYPE_MAX || b.len < 3) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

void
mime_param_content(struct mime_node *n, struct mailmime_content *ct,
    char **ct_name)
{
	struct param_set ps = {.n = 0};
	const char *boundary;
	char *type;
	clistiter *it;

	if (ct == NULL || (type = type_string(ct)) == NULL)
		return;
	free(n->type);
	n->type = type;
	for (it = clist_begin(ct->ct_parameters); it; it = clist_next(it)) {
		const struct mailmime_parameter *p = clist_content(it);

		param_add(&ps, p->pa_name, p->pa_value);
	}
	free(n->charset);
	n->charset = param_get(&ps, "charset");
	if ((boundary = param_raw(&ps, "boundary")) != NULL) {
		free(n->boundary);
		n->boundary = xstrdup(boundary);
	}
	if (*ct_name == NULL)
		*ct_name = param_get(&ps, "name");
}

void
mime_param_disposition(struct mime_node *n, struct mailmime_disposition *d)
{
	struct param_set ps = {.n = 0};
	char *name;
	clistiter *it;

	if (d == NULL)
		return;
	if (d->dsp_type != NULL &&
	    d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT)
		n->attachment = true;
	for (it = clist_begin(d->dsp_parms); it; it = clist_next(it)) {
		const struct mailmime_disposition_parm *p = clist_content(it);

		if (p->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME)
			param_add(&ps, "filename", p->pa_data.pa_filename);
		else if (p->pa_type == MAILMIME_DISPOSITION_PARM_PARAMETER &&
		    p->pa_data.pa_parameter != NULL)
			param_add(&ps, p->pa_data.pa_parameter->pa_name,
			    p->pa_data.pa_parameter->pa_value);
	}
	if (n->filename == NULL && (name = param_get(&ps, "filename"))) {
		n->filename = mime_filename_safe(name);
		free(name);
	}
}

char *
mime_filename_safe(const char *name)
{
	struct buf b = BUF_INIT;
	const unsigned char *p;
	char *s, *start, *out;
	size_t len;

	if (name == NULL)
		return NULL;
	for (p = (const unsigned char *)name; *p; p++)
		if (*p >= 0x20 && *p != 0x7f && *p != '/' && *p != '\\')
			buf_addc(&b, (char)*p);
	s = util_sanitize(b.data ? b.data : "", b.len, false, false);
	buf_release(&b);
	/* No hidden files, no "." or "..", no surrounding blanks. */
	for (start = s; *start == '.' || *start == ' '; start++)
		;
	len = strlen(start);
	while (len > 0 && start[len - 1] == ' ')
		len--;
	if (len > FILENAME_MAX_BYTES) {
		len = FILENAME_MAX_BYTES;
		while (len > 0 && ((unsigned char)start[len] & 0xc0) == 0x80)
			len--;	/* do not cut a character in two */
	}
	out = len > 0 ? xstrndup(start, len) : NULL;
	free(s);
	return out;
}
