/*
 * compose/reply: starting a reply, a reply to all or a forward of a stored
 * message. What is quoted is what the pager showed: the decrypted display
 * and the protected Subject when the security status has them. Replies to
 * encrypted mail are encrypted, replies to signed mail signed. Runs on any
 * thread.
 */
#include "compose_mime_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mime/mime.h"

#define REFS_KEEP 20		/* ids kept in References */
#define ATT_NAME_MAX 60

struct source {
	const char *raw;	/* what is quoted: display or raw */
	size_t len;
	struct mime_envelope env;
	char *subject;		/* protected or outer, decoded */
};

/* ------------------------------------------------------------ subject */

/* s past any leading "Re:" (or "Fwd:"/"Fw:" when fwd) prefixes. */
static const char *
strip_prefixes(const char *s, bool fwd)
{
	static const char *const re[] = { "re:", "aw:", NULL };
	static const char *const fw[] = { "fwd:", "fw:", NULL };
	const char *const *pre = fwd ? fw : re;
	bool again = true;
	size_t i, n;

	while (again) {
		again = false;
		while (*s == ' ' || *s == '\t')
			s++;
		for (i = 0; pre[i] != NULL; i++) {
			n = strlen(pre[i]);
			if (strncasecmp(s, pre[i], n) == 0) {
				s += n;
				again = true;
			}
		}
	}
	return s;
}

static char *
new_subject(const char *orig, bool fwd)
{
	const char *s = strip_prefixes(orig != NULL ? orig : "", fwd);

	return xasprintf("%s%s", fwd ? "Fwd: " : "Re: ", s);
}

/* ------------------------------------------------------------ threads */

static void
set_threading(struct compose_msg *m, const struct mime_envelope *env)
{
	char *ids[REFS_KEEP + 1], *copy = NULL, *tok, *save;
	struct buf b = BUF_INIT;
	size_t n = 0, i;

	if (!compose_msgid_ok(env->message_id))
		return;
	m->in_reply_to = xstrdup(env->message_id);
	copy = xstrdup(env->references != NULL ? env->references :
	    env->in_reply_to != NULL ? env->in_reply_to : "");
	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (!compose_msgid_ok(tok))
			continue;
		/* Keep the thread's root and the most recent ones. */
		if (n == REFS_KEEP - 1) {
			memmove(ids + 1, ids + 2, (n - 2) * sizeof(*ids));
			n--;
		}
		ids[n++] = tok;
	}
	ids[n++] = env->message_id;
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		buf_adds(&b, ids[i]);
	}
	m->references = buf_detach(&b, NULL);
	free(copy);
}

/* ---------------------------------------------------------- addresses */

static bool
addr_in(const struct compose_addr *a, size_t n, const char *addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (compose_addr_eq(a[i].addr, addr))
			return true;
	return false;
}

/* Addresses of field `name` in the header of src. */
static void
field_addrs(const struct source *src, const char *name,
    struct compose_addr **a, size_t *n)
{
	char *v = compose_header_get(src->raw, src->len, name);

	compose_addrs_parse_raw(v, a, n);
	free(v);
}

/*
 * Move the addresses of in that are not me and not yet in out (nor in
 * excl) to out; free the rest.
 */
static void
merge(struct compose_addr **out, size_t *nout, struct compose_addr *in,
    size_t nin, const char *me, const struct compose_addr *excl,
    size_t nexcl)
{
	size_t i;

	for (i = 0; i < nin; i++) {
		if (compose_addr_eq(in[i].addr, me) ||
		    addr_in(*out, *nout, in[i].addr) ||
		    addr_in(excl, nexcl, in[i].addr)) {
			free(in[i].name);
			free(in[i].addr);
			continue;
		}
		*out = xreallocarray(*out, *nout + 1, sizeof(**out));
		(*out)[(*nout)++] = in[i];
	}
	free(in);
}

static char *
identity_addr(const char *identity)
{
	struct compose_addr *a = NULL;
	size_t n = 0;
	char *addr = NULL;

	if (identity != NULL &&
	    compose_addrs_parse(identity, &a, &n, NULL) == 0 && n > 0)
		addr = xstrdup(a[0].addr);
	compose_addrs_free(a, n);
	return addr;
}

static void
set_recipients(struct compose_msg *m, const struct source *src, bool all,
    const char *me)
{
	struct compose_addr *to = NULL, *cc = NULL, *x;
	size_t nto = 0, ncc = 0, nx;

	field_addrs(src, "Reply-To", &x, &nx);
	if (nx == 0)
		field_addrs(src, "From", &x, &nx);
	/* Answering one's own message goes to its recipients. */
	if (nx > 0 && me != NULL && addr_in(x, nx, me)) {
		compose_addrs_free(x, nx);
		field_addrs(src, "To", &x, &nx);
	}
	merge(&to, &nto, x, nx, all ? me : NULL, NULL, 0);
	if (all) {
		field_addrs(src, "To", &x, &nx);
		merge(&cc, &ncc, x, nx, me, to, nto);
		field_addrs(src, "Cc", &x, &nx);
		merge(&cc, &ncc, x, nx, me, to, nto);
	}
	m->to = compose_addrs_join(to, nto);
	m->cc = compose_addrs_join(cc, ncc);
	compose_addrs_free(to, nto);
	compose_addrs_free(cc, ncc);
}

/* --------------------------------------------------------------- body */

static char *
date_text(int64_t date)
{
	char s[64];
	time_t t = (time_t)date;
	struct tm tm;

	if (date <= 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%a, %d %b %Y at %H:%M", &tm) == 0)
		return NULL;
	return xstrdup(s);
}

/* The display name of the first From mailbox, else its address. */
static char *
from_name(const struct source *src)
{
	struct compose_addr *a;
	size_t n;
	char *s;

	field_addrs(src, "From", &a, &n);
	if (n == 0)
		s = xstrdup(src->env.from != NULL ? src->env.from : "someone");
	else
		s = xstrdup(a[0].name != NULL ? a[0].name : a[0].addr);
	compose_addrs_free(a, n);
	return s;
}

static void
quote(struct buf *b, const char *text)
{
	const char *p = text, *nl;
	size_t len;

	while (*p) {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (len == 0)
			buf_adds(b, ">\n");
		else {
			buf_adds(b, *p == '>' ? ">" : "> ");
			buf_add(b, p, len);
			buf_addc(b, '\n');
		}
		p += len + (nl != NULL);
	}
}

static char *
reply_body(const struct source *src)
{
	struct buf b = BUF_INIT;
	char *date = date_text(src->env.date), *name = from_name(src);
	char *text = compose_text_body(src->raw, src->len, NULL);

	if (date != NULL)
		buf_addf(&b, "On %s, %s wrote:\n", date, name);
	else
		buf_addf(&b, "%s wrote:\n", name);
	quote(&b, text);
	free(date);
	free(name);
	util_free_secret(text);
	return buf_detach(&b, NULL);
}

static char *
forward_body(const struct source *src, struct compose_msg *m)
{
	struct buf b = BUF_INIT;
	char *date = date_text(src->env.date);
	char *text = compose_text_body(src->raw, src->len, m);
	const struct mime_envelope *e = &src->env;

	buf_adds(&b, "\n\n-------- Forwarded message --------\n");
	buf_addf(&b, "From: %s\n", e->from != NULL ? e->from : "");
	buf_addf(&b, "Date: %s\n", date != NULL ? date : "");
	buf_addf(&b, "Subject: %s\n", src->subject != NULL ?
	    src->subject : "");
	buf_addf(&b, "To: %s\n\n", e->to != NULL ? e->to : "");
	buf_adds(&b, text);
	if (b.len > 0 && b.data[b.len - 1] != '\n')
		buf_addc(&b, '\n');
	free(date);
	util_free_secret(text);
	return buf_detach(&b, NULL);
}

/* The original as one message/rfc822 attachment. */
static void
forward_attach(const struct source *src, struct compose_msg *m)
{
	struct compose_attachment *a;
	struct buf name = BUF_INIT;
	const char *s;

	/* Stop at a character boundary once the name is long enough. */
	for (s = src->subject; s != NULL && *s; s++) {
		if (name.len >= ATT_NAME_MAX && (*s & 0xc0) != 0x80)
			break;
		buf_addc(&name, *s == '/' || *s == '\\' ? '_' : *s);
	}
	buf_adds(&name, name.len > 0 ? ".eml" : "forwarded-message.eml");
	m->atts = xcalloc(1, sizeof(*m->atts));
	m->natts = 1;
	a = &m->atts[0];
	a->data = xmalloc(src->len + 1);
	memcpy(a->data, src->raw, src->len);
	a->data[src->len] = '\0';
	a->len = src->len;
	a->name = buf_detach(&name, NULL);
	a->type = xstrdup("message/rfc822");
}

/* ----------------------------------------------------------- security */

static void
set_security(struct compose_msg *m, const struct crypto_status *st)
{
	size_t i;

	if (st == NULL)
		return;
	if (st->flags & CRYPTO_ST_ENCRYPTED) {
		m->security |= COMPOSE_ENCRYPT;
		m->orig_encrypted = true;
		m->quotes_decrypted = true;
	}
	if (st->verdict == CRYPTO_VERDICT_SIGNED ||
	    st->verdict == CRYPTO_VERDICT_PARTLY_SIGNED) {
		m->security |= COMPOSE_SIGN;
		m->orig_signed = true;
	}
	for (i = 0; i < st->nparts; i++) {
		if (st->parts[i].proto == CRYPTO_PROTO_OPENPGP)
			m->proto = COMPOSE_PROTO_OPENPGP;
		else if (st->parts[i].proto == CRYPTO_PROTO_SMIME)
			m->proto = COMPOSE_PROTO_SMIME;
		if (m->proto != COMPOSE_PROTO_AUTO)
			break;
	}
}

int
compose_reply(const char *raw, size_t len, const struct crypto_status *st,
    enum compose_reply_mode mode, const char *identity,
    struct compose_msg *m, struct cachet_err *err)
{
	struct source src;
	char *me = NULL;
	bool fwd = mode == COMPOSE_FORWARD_INLINE ||
	    mode == COMPOSE_FORWARD_ATTACH;
	int rc;

	if (m == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no message to fill");
	compose_msg_init(m);
	if (raw == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no message to answer");
	memset(&src, 0, sizeof(src));
	src.raw = st != NULL && st->display != NULL ? st->display : raw;
	src.len = st != NULL && st->display != NULL ? st->display_len : len;
	if ((rc = mime_parse_envelope(src.raw, src.len, &src.env, err)) < 0)
		return rc;
	src.subject = xstrdup(st != NULL && st->protected_subject != NULL ?
	    st->protected_subject : src.env.subject != NULL ?
	    src.env.subject : "");
	me = identity_addr(identity);
	if (identity != NULL)
		m->from = xstrdup(identity);
	m->subject = new_subject(src.subject, fwd);
	if (!fwd) {
		set_recipients(m, &src, mode == COMPOSE_REPLY_ALL, me);
		set_threading(m, &src.env);
		m->body = reply_body(&src);
	} else if (mode == COMPOSE_FORWARD_INLINE) {
		m->body = forward_body(&src, m);
	} else {
		m->body = xstrdup("");
		forward_attach(&src, m);
	}
	set_security(m, st);
	free(me);
	free(src.subject);
	mime_envelope_release(&src.env);
	return 0;
}
