/*
 * compose/mime: the unsecured message. Checks every header value (no line
 * breaks, no controls: no header injection), parses the addresses, writes
 * the outer header with libetpan's mailimf writers (folded, RFC 2047
 * names and Subject, Date in the local zone, a random Message-ID) and the
 * content entity: the text part alone, or multipart/mixed with the
 * attachments under a boundary found in none of them; protected headers
 * when asked. Everything is CRLF and 7-bit except an 8-bit forwarded
 * message. Runs on any thread.
 */
#include "compose_mime_int.h"

#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REFS_MAX 64		/* ids written in References */

struct mime_state {
	const struct compose_msg *m;
	const struct compose_mime_opts *o;
	struct compose_addr *from, *to, *cc, *bcc;
	size_t nfrom, nto, ncc, nbcc;
	char *msgid;
	struct tm tm;
	long gmtoff;
};

/* ---------------------------------------------------------- checking */

static int
check_fields(const struct compose_msg *m, struct cachet_err *err)
{
	const char *v[] = { m->from, m->to, m->cc, m->bcc, m->subject,
	    m->in_reply_to, m->references };
	const char *names[] = { "From", "To", "Cc", "Bcc", "Subject",
	    "In-Reply-To", "References" };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (compose_header_unsafe(v[i]))
			return cachet_err(err, CACHET_E_INVAL,
			    "%s contains a line break or control character",
			    names[i]);
		if (v[i] != NULL && strlen(v[i]) > COMPOSE_FIELD_MAX)
			return cachet_err(err, CACHET_E_INVAL,
			    "%s is too long", names[i]);
	}
	return 0;
}

/* Extra header lines: CRLF-terminated fields, no empty line. */
static int
check_extra(const char *x, struct cachet_err *err)
{
	const char *p;

	if (x == NULL || *x == '\0')
		return 0;
	if (*x == ' ' || *x == '\t' || *x == '\r')
		goto bad;
	for (p = x; *p; p++) {
		if ((*p == '\r' && p[1] != '\n') ||
		    (*p == '\n' && (p == x || p[-1] != '\r')) ||
		    (*p == '\n' && p[1] == '\r'))
			goto bad;
	}
	if (p - x < 2 || p[-1] != '\n')
		goto bad;
	return 0;
bad:
	return cachet_err(err, CACHET_E_INVAL,
	    "extra header lines are not CRLF-terminated fields");
}

/* Parse one address field into *a; errors name the field. */
static int
parse_field(const char *name, const char *v, struct compose_addr **a,
    size_t *n, struct cachet_err *err)
{
	int rc;

	if ((rc = compose_addrs_parse(v, a, n, err)) < 0)
		cachet_err_prefix(err, "%s", name);
	return rc;
}

static int
parse_addrs(struct mime_state *s, struct cachet_err *err)
{
	const struct compose_msg *m = s->m;
	int rc;

	if ((rc = parse_field("From", m->from, &s->from, &s->nfrom, err)) < 0)
		return rc;
	if (s->nfrom != 1)
		return cachet_err(err, CACHET_E_INVAL,
		    "From must hold exactly one address");
	if ((rc = parse_field("To", m->to, &s->to, &s->nto, err)) < 0 ||
	    (rc = parse_field("Cc", m->cc, &s->cc, &s->ncc, err)) < 0 ||
	    (rc = parse_field("Bcc", m->bcc, &s->bcc, &s->nbcc, err)) < 0)
		return rc;
	return 0;
}

/* ------------------------------------------------------- recipients */

static void
rcpt_add(struct compose_parts *p, const char *addr)
{
	char *l = xstrdup(addr), *c;
	size_t i;

	for (c = l; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	for (i = 0; i < p->nrcpts; i++)
		if (strcmp(p->rcpts[i], l) == 0) {
			free(l);
			return;
		}
	p->rcpts = xreallocarray(p->rcpts, p->nrcpts + 1, sizeof(char *));
	p->rcpts[p->nrcpts++] = l;
}

static void
fill_envelope(const struct mime_state *s, struct compose_parts *p)
{
	size_t i;

	p->env_from = xstrdup(s->from[0].addr);
	for (i = 0; i < s->nto; i++)
		rcpt_add(p, s->to[i].addr);
	for (i = 0; i < s->ncc; i++)
		rcpt_add(p, s->cc[i].addr);
	for (i = 0; i < s->nbcc; i++)
		rcpt_add(p, s->bcc[i].addr);
}

/* ------------------------------------------------------ the header */

static void
oom_if(int rc)
{
	if (rc != MAILIMF_NO_ERROR)
		abort();	/* libetpan only fails here for memory */
}

static struct mailimf_address_list *
alist(const struct compose_addr *a, size_t n)
{
	struct mailimf_address_list *l = mailimf_address_list_new_empty();
	size_t i;

	if (l == NULL)
		abort();
	for (i = 0; i < n; i++)
		oom_if(mailimf_address_list_add_mb(l, a[i].name != NULL ?
		    compose_header_phrase(a[i].name) : NULL,
		    xstrdup(a[i].addr)));
	return l;
}

static struct mailimf_mailbox_list *
mblist(const struct compose_addr *a)
{
	struct mailimf_mailbox_list *l = mailimf_mailbox_list_new_empty();

	if (l == NULL)
		abort();
	oom_if(mailimf_mailbox_list_add_mb(l, a->name != NULL ?
	    compose_header_phrase(a->name) : NULL, xstrdup(a->addr)));
	return l;
}

static struct mailimf_date_time *
date_of(const struct mime_state *s)
{
	long off = s->gmtoff / 60;
	int zone = (int)((off / 60) * 100 + off % 60);
	struct mailimf_date_time *d;

	d = mailimf_date_time_new(s->tm.tm_mday, s->tm.tm_mon + 1,
	    s->tm.tm_year + 1900, s->tm.tm_hour, s->tm.tm_min, s->tm.tm_sec,
	    zone);
	if (d == NULL)
		abort();
	return d;
}

/* A list of ids (owned copies) from a space-separated string. */
static clist *
id_list(const char *ids, struct cachet_err *err, int *rc)
{
	clist *l = clist_new();
	char *copy = xstrdup(ids), *tok, *save, *id;
	size_t len;

	if (l == NULL)
		abort();
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		len = strlen(tok);
		if (len >= 2 && tok[0] == '<' && tok[len - 1] == '>') {
			tok[len - 1] = '\0';
			tok++;
		}
		if (!compose_msgid_ok(tok)) {
			*rc = cachet_err(err, CACHET_E_INVAL,
			    "not a message id: \"%.60s\"", tok);
			break;
		}
		if (clist_count(l) < REFS_MAX) {
			id = xstrdup(tok);
			if (clist_append(l, id) < 0)
				abort();
		}
	}
	free(copy);
	return l;
}

static void
ids_free(clist *l)
{
	clistiter *it;

	if (l == NULL)
		return;
	for (it = clist_begin(l); it != NULL; it = clist_next(it))
		free(clist_content(it));
	clist_free(l);
}

/* Write fields f to b and free them. */
static void
flush_fields(struct buf *b, struct mailimf_fields *f)
{
	MMAPString *m = mmap_string_new("");
	int col = 0;

	if (m == NULL)
		abort();
	oom_if(mailimf_fields_write_mem(m, &col, f));
	buf_add(b, m->str, m->len);
	mmap_string_free(m);
	mailimf_fields_free(f);
}

static struct mailimf_fields *
new_fields(void)
{
	struct mailimf_fields *f = mailimf_fields_new_empty();

	if (f == NULL)
		abort();
	return f;
}

/* From, To, Cc (and Bcc), as written outside and in protected copies. */
static void
add_addr_fields(struct mailimf_fields *f, const struct mime_state *s,
    bool bcc)
{
	oom_if(mailimf_fields_add_data(f, NULL, mblist(&s->from[0]), NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
	if (s->nto > 0)
		oom_if(mailimf_fields_add_data(f, NULL, NULL, NULL, NULL,
		    alist(s->to, s->nto), NULL, NULL, NULL, NULL, NULL, NULL));
	if (s->ncc > 0)
		oom_if(mailimf_fields_add_data(f, NULL, NULL, NULL, NULL, NULL,
		    alist(s->cc, s->ncc), NULL, NULL, NULL, NULL, NULL));
	if (bcc && s->nbcc > 0)
		oom_if(mailimf_fields_add_data(f, NULL, NULL, NULL, NULL, NULL,
		    NULL, alist(s->bcc, s->nbcc), NULL, NULL, NULL, NULL));
}

/* Subject, Date, Message-ID. */
static void
add_id_fields(struct mailimf_fields *f, const struct mime_state *s,
    const char *subject)
{
	if (!util_str_empty(subject))
		oom_if(mailimf_fields_add_data(f, NULL, NULL, NULL, NULL, NULL,
		    NULL, NULL, NULL, NULL, NULL,
		    compose_header_encode(subject)));
	oom_if(mailimf_fields_add_data(f, date_of(s), NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL));
	oom_if(mailimf_fields_add_data(f, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, xstrdup(s->msgid), NULL, NULL, NULL));
}

static int
add_thread_fields(struct mailimf_fields *f, const struct compose_msg *m,
    struct cachet_err *err)
{
	clist *irt = NULL, *refs = NULL;
	int rc = 0;

	if (!util_str_empty(m->in_reply_to))
		irt = id_list(m->in_reply_to, err, &rc);
	if (rc == 0 && !util_str_empty(m->references))
		refs = id_list(m->references, err, &rc);
	if (rc < 0) {
		ids_free(irt);
		ids_free(refs);
		return rc;
	}
	if (irt != NULL && clist_count(irt) > 0)
		oom_if(mailimf_fields_add_data(f, NULL, NULL, NULL, NULL, NULL,
		    NULL, NULL, NULL, irt, NULL, NULL));
	else
		ids_free(irt);
	if (refs != NULL && clist_count(refs) > 0)
		oom_if(mailimf_fields_add_data(f, NULL, NULL, NULL, NULL, NULL,
		    NULL, NULL, NULL, NULL, refs, NULL));
	else
		ids_free(refs);
	return 0;
}

static int
outer_header(const struct mime_state *s, struct buf *b,
    struct cachet_err *err)
{
	struct mailimf_fields *f = new_fields();
	int rc;

	add_addr_fields(f, s, s->o->keep_bcc);
	add_id_fields(f, s, s->o->protect ? "..." : s->m->subject);
	if ((rc = add_thread_fields(f, s->m, err)) < 0) {
		mailimf_fields_free(f);
		return rc;
	}
	flush_fields(b, f);
	buf_adds(b, "MIME-Version: 1.0\r\n");
	if (s->o->extra != NULL)
		buf_adds(b, s->o->extra);
	return 0;
}

/* Copies of the header fields inside the entity (protected headers). */
static void
protected_copies(const struct mime_state *s, struct buf *b)
{
	struct mailimf_fields *f = new_fields();

	add_addr_fields(f, s, false);
	add_id_fields(f, s, s->m->subject);
	flush_fields(b, f);
}

/* ------------------------------------------------------ the entity */

static int
attachment_parts(const struct compose_msg *m, struct buf *parts,
    size_t *ends, struct cachet_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < m->natts; i++) {
		if ((rc = compose_att_part(parts, &m->atts[i], err)) < 0) {
			cachet_err_prefix(err, "attachment %zu", i + 1);
			return rc;
		}
		ends[i] = parts->len;
	}
	return 0;
}

static char *
pick_boundary(const struct buf *parts, const struct buf *text)
{
	char *hex, *b;

	for (;;) {
		hex = compose_random_hex(16);
		b = xasprintf("=_cachet_%s", hex);
		free(hex);
		if ((parts->data == NULL || strstr(parts->data, b) == NULL) &&
		    (text->data == NULL || strstr(text->data, b) == NULL))
			return b;
		free(b);
	}
}

static int
multipart_entity(const struct mime_state *s, struct buf *e,
    struct cachet_err *err)
{
	const struct compose_msg *m = s->m;
	struct buf parts = BUF_INIT, text = BUF_INIT;
	size_t *ends = xcalloc(m->natts, sizeof(size_t)), i, at = 0;
	char *bnd = NULL;
	int rc;

	if (!util_str_empty(m->body))
		compose_text_part(&text, m->body, NULL);
	if ((rc = attachment_parts(m, &parts, ends, err)) < 0)
		goto out;
	bnd = pick_boundary(&parts, &text);
	buf_addf(e, "Content-Type: multipart/mixed;\r\n\tboundary=\"%s\"%s"
	    "\r\n\r\n", bnd, s->o->protect ?
	    ";\r\n\tprotected-headers=\"v1\"" : "");
	/*
	 * Every part ends in CRLF and one more CRLF starts each delimiter
	 * (RFC 2046: it belongs to the delimiter), so a part's last line
	 * break survives: a forwarded message comes back byte for byte.
	 */
	if (text.len > 0) {
		buf_addf(e, "--%s\r\n", bnd);
		buf_add(e, text.data, text.len);
	}
	for (i = 0; i < m->natts; i++) {
		buf_addf(e, "%s--%s\r\n", text.len + i > 0 ? "\r\n" : "",
		    bnd);
		buf_add(e, parts.data + at, ends[i] - at);
		at = ends[i];
	}
	buf_addf(e, "\r\n--%s--\r\n", bnd);
out:
	free(bnd);
	free(ends);
	buf_release(&parts);
	buf_release(&text);
	return rc;
}

static int
build_entity(const struct mime_state *s, struct buf *e,
    struct cachet_err *err)
{
	if (s->o->protect)
		protected_copies(s, e);
	if (s->m->natts > 0)
		return multipart_entity(s, e, err);
	compose_text_part(e, s->m->body,
	    s->o->protect ? "; protected-headers=\"v1\"" : NULL);
	return 0;
}

/* ---------------------------------------------------------- driver */

static void
state_init(struct mime_state *s, const struct compose_msg *m,
    const struct compose_mime_opts *o)
{
	time_t now = time(NULL);

	memset(s, 0, sizeof(*s));
	s->m = m;
	s->o = o;
	localtime_r(&now, &s->tm);
	s->gmtoff = s->tm.tm_gmtoff;
}

static void
state_release(struct mime_state *s)
{
	compose_addrs_free(s->from, s->nfrom);
	compose_addrs_free(s->to, s->nto);
	compose_addrs_free(s->cc, s->ncc);
	compose_addrs_free(s->bcc, s->nbcc);
	free(s->msgid);
}

static void
make_msgid(struct mime_state *s)
{
	const char *domain = strrchr(s->from[0].addr, '@') + 1;
	char *hex = compose_random_hex(16);

	s->msgid = xasprintf("%s@%s", hex, domain);
	free(hex);
}

int
compose_mime_build(const struct compose_msg *m,
    const struct compose_mime_opts *o, struct compose_parts *p,
    struct cachet_err *err)
{
	static const struct compose_mime_opts none = { false, false, NULL };
	struct mime_state s;
	struct buf hdr = BUF_INIT, ent = BUF_INIT;
	int rc;

	if (p == NULL || m == NULL)
		return cachet_err(err, CACHET_E_INVAL, "nothing to build");
	memset(p, 0, sizeof(*p));
	state_init(&s, m, o != NULL ? o : &none);
	if ((rc = check_fields(m, err)) < 0 ||
	    (rc = check_extra(s.o->extra, err)) < 0 ||
	    (rc = parse_addrs(&s, err)) < 0)
		goto out;
	make_msgid(&s);
	if ((rc = outer_header(&s, &hdr, err)) < 0 ||
	    (rc = build_entity(&s, &ent, err)) < 0)
		goto out;
	fill_envelope(&s, p);
	p->headers = buf_detach(&hdr, NULL);
	p->entity = buf_detach(&ent, &p->entity_len);
	p->message_id = s.msgid;
	s.msgid = NULL;
out:
	buf_release(&hdr);
	buf_release(&ent);
	state_release(&s);
	return rc;
}
