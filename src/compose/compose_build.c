/*
 * compose_build: the message as it is sent, and as a draft is saved. The
 * MIME builder makes the header fields and the content entity; when the
 * message is to be signed or encrypted, the protocol is settled (AUTO:
 * the one for which every recipient has a valid key), every recipient's
 * key is checked before any cryptography is done, and compose_secure
 * replaces the entity. A message that was to be encrypted is never sent
 * in the clear: without a valid key for everyone nothing is built.
 * Each protocol signs with, and encrypts to self with, the user's own key
 * for it (compose_keydist.c); the sender's public key, when asked for,
 * is attached before anything is signed, and the Autocrypt header joins
 * the outer header fields once the protocol is known.
 * Runs on the caller's thread, which owns the engines.
 */
#include "compose/compose_keydist_int.h"
#include "compose/compose_mime_int.h"

#include <stdlib.h>
#include <string.h>

/* What a signed and/or encrypted message needs. */
struct plan {
	enum compose_proto proto;
	char *signer;
	char **rcpts;		/* fingerprints */
	size_t nrcpts;
};

static void
plan_release(struct plan *p)
{
	size_t i;

	free(p->signer);
	for (i = 0; i < p->nrcpts; i++)
		free(p->rcpts[i]);
	free(p->rcpts);
	memset(p, 0, sizeof(*p));
}

static const char *
proto_name(enum compose_proto p)
{
	return p == COMPOSE_PROTO_OPENPGP ? "OpenPGP" :
	    p == COMPOSE_PROTO_SMIME ? "S/MIME" : "auto";
}

static const char *
why_not(enum compose_keystate s)
{
	switch (s) {
	case COMPOSE_KEY_VALID:
		return "valid";
	case COMPOSE_KEY_UNTRUSTED:
		return "key not validated";
	case COMPOSE_KEY_EXPIRED:
		return "key expired";
	case COMPOSE_KEY_REVOKED:
		return "key revoked";
	case COMPOSE_KEY_MISSING:
		return "no key";
	case COMPOSE_KEY_AMBIGUOUS:
		return "several keys, choose one";
	}
	return "no key";
}

static struct crypto_engine *
engine_of(const struct crypto_ctx *c, enum compose_proto p)
{
	if (c == NULL)
		return NULL;
	return p == COMPOSE_PROTO_OPENPGP ? c->openpgp :
	    p == COMPOSE_PROTO_SMIME ? c->smime : NULL;
}

/* "a@x (OpenPGP: no key, S/MIME: key expired), ..." for AUTO failing. */
static int
refuse_auto(const struct compose_keystat *ks, size_t n,
    struct cachet_err *err)
{
	struct buf b = BUF_INIT;
	const char *last = NULL;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (ks[i].state == COMPOSE_KEY_VALID)
			continue;
		if (last == NULL || strcmp(last, ks[i].addr) != 0)
			buf_addf(&b, "%s%s:", b.len > 0 ? "; " : "",
			    ks[i].addr);
		buf_addf(&b, " %s %s", proto_name(ks[i].proto),
		    why_not(ks[i].state));
		last = ks[i].addr;
	}
	if (b.len == 0)
		buf_adds(&b, "no engine for either protocol");
	rc = cachet_err(err, CACHET_E_INVAL, "cannot encrypt: no protocol "
	    "with a valid key for every recipient (%s)", b.data);
	buf_release(&b);
	return rc;
}

/* Every entry of proto VALID, or an error naming those that are not. */
static int
check_keys(const struct compose_keystat *ks, size_t n,
    enum compose_proto proto, struct cachet_err *err)
{
	struct buf b = BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++)
		if (ks[i].proto == proto && (ks[i].state != COMPOSE_KEY_VALID ||
		    ks[i].fpr == NULL))
			buf_addf(&b, "%s%s: %s", b.len > 0 ? ", " : "",
			    ks[i].addr, why_not(ks[i].state));
	if (b.len > 0)
		rc = cachet_err(err, CACHET_E_INVAL, "cannot encrypt with "
		    "%s: %s", proto_name(proto), b.data);
	buf_release(&b);
	return rc;
}

/* Every address the message goes to has an entry of proto. */
static int
check_covered(const struct compose_keystat *ks, size_t n,
    enum compose_proto proto, char *const *rcpts, size_t nrcpts,
    struct cachet_err *err)
{
	size_t i, j;

	for (j = 0; j < nrcpts; j++) {
		for (i = 0; i < n; i++)
			if (ks[i].proto == proto &&
			    strcmp(ks[i].addr, rcpts[j]) == 0)
				break;
		if (i == n)
			return cachet_err(err, CACHET_E_INVAL, "cannot encrypt "
			    "with %s: %s: no key", proto_name(proto),
			    rcpts[j]);
	}
	return 0;
}

static void
plan_add_rcpt(struct plan *p, const char *fpr)
{
	size_t i;

	for (i = 0; i < p->nrcpts; i++)
		if (strcmp(p->rcpts[i], fpr) == 0)
			return;
	p->rcpts = xreallocarray(p->rcpts, p->nrcpts + 1, sizeof(*p->rcpts));
	p->rcpts[p->nrcpts++] = xstrdup(fpr);
}

/* Append the n entries of k (moved) to *all. */
static void
keystats_join(struct compose_keystat **all, size_t *n,
    struct compose_keystat *k, size_t kn)
{
	if (kn == 0) {
		free(k);
		return;
	}
	*all = xreallocarray(*all, *n + kn, sizeof(**all));
	memcpy(*all + *n, k, kn * sizeof(*k));
	*n += kn;
	free(k);
}

/*
 * compose_key_status with the own encryption key of each protocol: one
 * protocol at a time when the two may differ. AUTO prefers OpenPGP.
 */
static int
key_status_own(const struct compose_msg *m, const struct crypto_ctx *c,
    struct compose_keystat **out, size_t *n, enum compose_proto *autop,
    struct cachet_err *err)
{
	enum compose_proto protos[2] = { COMPOSE_PROTO_OPENPGP,
	    COMPOSE_PROTO_SMIME };
	struct compose_keystat *k = NULL;
	struct compose_msg one_m;
	struct crypto_ctx one_c;
	enum compose_proto a;
	size_t kn, i;
	int rc;

	if (!m->encrypt_to_self || !util_str_empty(m->enc_self_key) ||
	    (m->own_pgp.encrypt[0] == '\0' && m->own_smime.encrypt[0] == '\0'))
		return compose_key_status(m, c, out, n, autop, err);
	*out = NULL;
	*n = 0;
	*autop = 0;
	for (i = 0; i < 2; i++) {
		memset(&one_c, 0, sizeof(one_c));
		if ((i == 0 ? (one_c.openpgp = c->openpgp) :
		    (one_c.smime = c->smime)) == NULL)
			continue;
		/* A shallow copy, never released: only the key differs. */
		one_m = *m;
		one_m.enc_self_key = (char *)compose_own_enc(m, protos[i]);
		if ((rc = compose_key_status(&one_m, &one_c, &k, &kn, &a,
		    err)) != 0) {
			compose_keystats_free(*out, *n);
			*out = NULL;
			*n = 0;
			return rc;
		}
		keystats_join(out, n, k, kn);
		if (*autop == 0)
			*autop = a;
	}
	return 0;
}

/*
 * Settle the protocol and the recipients' keys of an encrypted message
 * (m's recipients and own key as compose_key_status finds them; rcpts:
 * the addresses it goes to, which must all be among them).
 */
static int
plan_encrypt(const struct compose_msg *m, const struct crypto_ctx *c,
    char *const *rcpts, size_t nrcpts, struct plan *p,
    struct cachet_err *err)
{
	struct compose_keystat *ks = NULL;
	enum compose_proto autop = 0;
	size_t n = 0, i;
	int rc;

	if ((rc = key_status_own(m, c, &ks, &n, &autop, err)) != 0)
		return rc;
	p->proto = m->proto != COMPOSE_PROTO_AUTO ? m->proto : autop;
	if (p->proto == 0)
		rc = refuse_auto(ks, n, err);
	else if (engine_of(c, p->proto) == NULL)
		rc = cachet_err(err, CACHET_E_INVAL, "cannot encrypt: no %s "
		    "engine", proto_name(p->proto));
	else if ((rc = check_keys(ks, n, p->proto, err)) == 0)
		rc = check_covered(ks, n, p->proto, rcpts, nrcpts, err);
	for (i = 0; rc == 0 && i < n; i++)
		if (ks[i].proto == p->proto)
			plan_add_rcpt(p, ks[i].fpr);
	if (rc == 0 && p->nrcpts == 0)
		rc = cachet_err(err, CACHET_E_INVAL,
		    "cannot encrypt: no recipients");
	compose_keystats_free(ks, n);
	return rc;
}

/* Does e hold a secret key able to sign for who? */
static bool
can_sign_as(struct crypto_engine *e, const char *who)
{
	struct crypto_key *k = NULL;
	size_t n = 0, i;
	bool yes = false;

	if (e == NULL || e->ops->list_keys == NULL ||
	    e->ops->list_keys(e, who, true, &k, &n, NULL) != 0)
		return false;
	for (i = 0; i < n; i++)
		yes = yes || (k[i].can_sign && !k[i].revoked && !k[i].expired);
	crypto_keys_free(k, n);
	return yes;
}

/*
 * The protocol of a message that is only signed: the one chosen, else
 * the one AUTO would encrypt with, else OpenPGP, else S/MIME; the first
 * of these for which the signer has a signing key.
 */
static int
plan_sign_proto(const struct compose_msg *m, const struct crypto_ctx *c,
    const char *from, struct plan *p, struct cachet_err *err)
{
	struct compose_keystat *ks = NULL;
	enum compose_proto order[3] = { 0, COMPOSE_PROTO_OPENPGP,
	    COMPOSE_PROTO_SMIME };
	size_t n = 0, i;
	int rc;

	p->proto = m->proto;
	if (p->proto != COMPOSE_PROTO_AUTO)
		return 0;
	if ((rc = key_status_own(m, c, &ks, &n, &order[0], err)) != 0)
		return rc;
	compose_keystats_free(ks, n);
	for (i = 0; i < 3 && p->proto == 0; i++)
		if (order[i] != 0 && can_sign_as(engine_of(c, order[i]),
		    compose_own_signer(m, order[i], from)))
			p->proto = order[i];
	if (p->proto == 0)
		return cachet_err(err, CACHET_E_INVAL, "cannot sign: no "
		    "signing key for %s", from);
	return 0;
}

static int
plan_make(const struct compose_msg *m, const struct crypto_ctx *c,
    unsigned sec, const struct compose_parts *parts, bool draft,
    struct plan *p, struct cachet_err *err)
{
	const char *from = parts->env_from != NULL ? parts->env_from : "";
	int rc;

	memset(p, 0, sizeof(*p));
	if (c == NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "no crypto engines to sign or encrypt with");
	if ((sec & COMPOSE_SIGN) && *from == '\0' &&
	    util_str_empty(m->sign_key))
		return cachet_err(err, CACHET_E_INVAL,
		    "cannot sign: no sender");
	if (sec & COMPOSE_ENCRYPT)
		rc = plan_encrypt(m, c, draft ? NULL : parts->rcpts,
		    draft ? 0 : parts->nrcpts, p, err);
	else
		rc = plan_sign_proto(m, c, from, p, err);
	if (rc == 0 && engine_of(c, p->proto) == NULL)
		rc = cachet_err(err, CACHET_E_INVAL, "no %s engine",
		    proto_name(p->proto));
	/* The signing key of the protocol settled on. */
	if (rc == 0)
		p->signer = xstrdup(compose_own_signer(m, p->proto, from));
	return rc;
}

/* out gets headers + entity and the envelope from parts (moved). */
static void
out_fill(struct compose_out *out, struct compose_parts *parts,
    const char *ent, size_t elen, enum compose_proto proto)
{
	struct buf b = BUF_INIT;
	size_t hl = parts->headers != NULL ? strlen(parts->headers) : 0;

	buf_grow(&b, hl + elen + 2);
	buf_add(&b, parts->headers != NULL ? parts->headers : "", hl);
	if (hl > 0 && parts->headers[hl - 1] != '\n')
		buf_add(&b, "\r\n", 2);
	buf_add(&b, ent, elen);
	out->data = buf_detach(&b, &out->len);
	out->env_from = parts->env_from;
	out->rcpts = parts->rcpts;
	out->nrcpts = parts->nrcpts;
	out->message_id = parts->message_id;
	out->proto = proto;
	parts->env_from = NULL;
	parts->rcpts = NULL;
	parts->nrcpts = 0;
	parts->message_id = NULL;
}

/* The Autocrypt header goes at the end of the outer header fields. */
static void
add_autocrypt(const struct compose_msg *m, const struct crypto_ctx *c,
    enum compose_proto proto, struct compose_parts *parts)
{
	char *h, *all;

	if (!m->autocrypt || proto == COMPOSE_PROTO_SMIME ||
	    parts->env_from == NULL ||
	    (h = compose_autocrypt_header(m, c, parts->env_from)) == NULL)
		return;
	all = xasprintf("%s%s", parts->headers != NULL ? parts->headers : "",
	    h);
	free(parts->headers);
	parts->headers = all;
	free(h);
}

/*
 * Build m with MIME options o and security sec, the keys as
 * compose_key_status finds them for m_keys; a draft is encrypted to the
 * keys of m_keys alone (the sender's own), not to its recipients.
 */
static int
build(const struct compose_msg *m, const struct compose_msg *m_keys,
    const struct crypto_ctx *c, unsigned sec,
    const struct compose_mime_opts *o, struct compose_out *out,
    struct cachet_err *err)
{
	struct compose_parts parts;
	struct plan p;
	char *ent = NULL;
	size_t elen = 0;
	int rc;

	memset(&parts, 0, sizeof(parts));
	memset(&p, 0, sizeof(p));
	if ((rc = compose_mime_build(m, o, &parts, err)) != 0)
		goto out;
	if (sec == 0) {
		if (m_keys == m)
			add_autocrypt(m, c, 0, &parts);
		out_fill(out, &parts, parts.entity, parts.entity_len, 0);
		goto out;
	}
	if ((rc = plan_make(m_keys, c, sec, &parts, m_keys != m, &p,
	    err)) != 0 ||
	    (rc = compose_secure(c, sec, p.proto, p.signer,
	    (const char *const *)p.rcpts, p.nrcpts, parts.entity,
	    parts.entity_len, &ent, &elen, err)) != 0)
		goto out;
	if (m_keys == m)
		add_autocrypt(m, c, p.proto, &parts);
	out_fill(out, &parts, ent, elen, p.proto);
out:
	if (parts.entity != NULL)
		explicit_bzero(parts.entity, parts.entity_len);
	compose_parts_release(&parts);
	plan_release(&p);
	free(ent);
	return rc;
}

/*
 * m with the sender's public key as one more attachment, in *with (a
 * shallow copy sharing m's strings; only with->atts and the key's
 * attachment are its own: release_with frees them).
 */
static int
with_pubkey(const struct compose_msg *m, const struct crypto_ctx *c,
    struct compose_msg *with, struct cachet_err *err)
{
	struct compose_addr *from = NULL;
	struct compose_attachment key;
	size_t nfrom = 0;
	int rc;

	if ((rc = compose_addrs_parse(m->from, &from, &nfrom, err)) != 0)
		return rc;
	if (nfrom != 1)
		rc = cachet_err(err, CACHET_E_INVAL,
		    "From must hold exactly one address");
	else
		rc = compose_keydist_att(m, c, from[0].addr, &key, err);
	compose_addrs_free(from, nfrom);
	if (rc != 0)
		return rc;
	*with = *m;
	with->atts = xcalloc(m->natts + 1, sizeof(*with->atts));
	if (m->natts > 0)
		memcpy(with->atts, m->atts, m->natts * sizeof(*m->atts));
	with->atts[with->natts++] = key;
	return 0;
}

static void
release_with(struct compose_msg *with)
{
	compose_keydist_att_release(&with->atts[with->natts - 1]);
	free(with->atts);
}

int
compose_build(const struct compose_msg *m, const struct crypto_ctx *c,
    struct compose_out *out, struct cachet_err *err)
{
	struct compose_mime_opts o = { false, false, NULL };
	struct compose_msg with;
	unsigned sec;
	int rc;

	if (out == NULL)
		return cachet_err(err, CACHET_E_INVAL, "build: no output");
	memset(out, 0, sizeof(*out));
	if (m == NULL)
		return cachet_err(err, CACHET_E_INVAL, "build: no message");
	sec = m->security & (COMPOSE_SIGN | COMPOSE_ENCRYPT);
	o.protect = (sec & COMPOSE_ENCRYPT) != 0;
	if (!m->attach_pubkey)
		return build(m, m, c, sec, &o, out, err);
	/* The key is part of the content, so it is signed and encrypted. */
	if ((rc = with_pubkey(m, c, &with, err)) != 0)
		return rc;
	rc = build(&with, &with, c, sec, &o, out, err);
	release_with(&with);
	return rc;
}

int
compose_build_draft(const struct compose_msg *m, const struct crypto_ctx *c,
    struct compose_out *out, struct cachet_err *err)
{
	struct compose_mime_opts o = { true, false, NULL };
	struct compose_msg self;
	char *extra;
	int rc;

	if (out == NULL)
		return cachet_err(err, CACHET_E_INVAL, "draft: no output");
	memset(out, 0, sizeof(*out));
	if (m == NULL)
		return cachet_err(err, CACHET_E_INVAL, "draft: no message");
	extra = xasprintf("X-Cachet-Draft: %s%sproto=%s\r\n",
	    (m->security & COMPOSE_SIGN) ? "sign, " : "",
	    (m->security & COMPOSE_ENCRYPT) ? "encrypt, " : "",
	    m->proto == COMPOSE_PROTO_OPENPGP ? "openpgp" :
	    m->proto == COMPOSE_PROTO_SMIME ? "smime" : "auto");
	o.extra = extra;
	o.protect = (m->security & COMPOSE_ENCRYPT) != 0;
	/* The key status of the sender alone: the draft is for the user. */
	self = *m;
	self.to = self.cc = self.bcc = NULL;
	self.encrypt_to_self = true;
	rc = build(m, &self, c, m->security & COMPOSE_ENCRYPT, &o, out, err);
	free(extra);
	return rc;
}

void
compose_out_release(struct compose_out *o)
{
	size_t i;

	if (o == NULL)
		return;
	free(o->data);
	free(o->env_from);
	for (i = 0; i < o->nrcpts; i++)
		free(o->rcpts[i]);
	free(o->rcpts);
	free(o->message_id);
	memset(o, 0, sizeof(*o));
}
