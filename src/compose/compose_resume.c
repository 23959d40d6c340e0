/*
 * compose/resume: a saved draft (or any message) read back into a message
 * being written: its header fields, its text body, its other parts as
 * in-memory attachments and the security choices of X-Cachet-Draft. An
 * encrypted draft is decrypted first. Everything is parsed and rebuilt
 * later; no byte goes out again as it came. Runs on any thread.
 */
#include "compose_mime_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime/mime.h"

struct resume_src {
	const char *raw;
	size_t len;
};

static char *
addr_field(const struct resume_src *s, const char *name)
{
	char *v = compose_header_get(s->raw, s->len, name);
	struct compose_addr *a;
	size_t n;
	char *out;

	compose_addrs_parse_raw(v, &a, &n);
	free(v);
	out = compose_addrs_join(a, n);
	compose_addrs_free(a, n);
	return out;
}

/* "sign, encrypt, proto=openpgp" */
static void
draft_flags(struct compose_msg *m, const char *v)
{
	char *copy = xstrdup(v), *tok, *save, *t;

	for (tok = strtok_r(copy, ",;", &save); tok != NULL;
	    tok = strtok_r(NULL, ",;", &save)) {
		t = util_trim(tok);
		if (strcasecmp(t, "sign") == 0)
			m->security |= COMPOSE_SIGN;
		else if (strcasecmp(t, "encrypt") == 0)
			m->security |= COMPOSE_ENCRYPT;
		else if (strcasecmp(t, "proto=openpgp") == 0)
			m->proto = COMPOSE_PROTO_OPENPGP;
		else if (strcasecmp(t, "proto=smime") == 0)
			m->proto = COMPOSE_PROTO_SMIME;
		else if (strcasecmp(t, "proto=auto") == 0)
			m->proto = COMPOSE_PROTO_AUTO;
	}
	free(copy);
}

static void
read_fields(struct compose_msg *m, const struct resume_src *s,
    const struct crypto_status *st)
{
	struct mime_envelope env;
	char *v;

	memset(&env, 0, sizeof(env));
	mime_parse_envelope(s->raw, s->len, &env, NULL);
	m->from = addr_field(s, "From");
	m->to = addr_field(s, "To");
	m->cc = addr_field(s, "Cc");
	m->bcc = addr_field(s, "Bcc");
	if (st != NULL && st->protected_subject != NULL)
		m->subject = xstrdup(st->protected_subject);
	else if (env.subject != NULL)
		m->subject = xstrdup(env.subject);
	if (compose_msgid_ok(env.in_reply_to))
		m->in_reply_to = xstrdup(env.in_reply_to);
	if (!util_str_empty(env.references))
		m->references = xstrdup(env.references);
	if ((v = compose_header_get(s->raw, s->len, "X-Cachet-Draft"))) {
		draft_flags(m, v);
		free(v);
	}
	mime_envelope_release(&env);
}

int
compose_from_message(const char *raw, size_t len,
    const struct crypto_ctx *c, struct compose_msg *m,
    struct cachet_err *err)
{
	struct crypto_status st;
	struct resume_src s = { raw, len };
	bool have_st = false;
	int rc;

	if (m == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no message to fill");
	compose_msg_init(m);
	if (raw == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no message to read");
	if (c != NULL) {
		if ((rc = crypto_status_compute(c, raw, len, &st, err)) < 0)
			return rc;
		have_st = true;
		if (st.flags & CRYPTO_ST_DECRYPT_FAILED) {
			crypto_status_release(&st);
			return cachet_err(err, CACHET_E_INVAL,
			    "the draft cannot be decrypted");
		}
		if (st.display != NULL) {
			s.raw = st.display;
			s.len = st.display_len;
		}
	}
	read_fields(m, &s, have_st ? &st : NULL);
	m->body = compose_text_body(s.raw, s.len, m);
	if (have_st)
		crypto_status_release(&st);
	return 0;
}
