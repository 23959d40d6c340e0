/*
 * compose_keys: the key status of every recipient of a message being
 * written (To, Cc, Bcc and, for encrypt-to-self, the sender), per protocol
 * that has an engine, from the engines' key listings: one valid key, an
 * unvalidated one, expired, revoked, none, or several to choose from.
 * Keys the user chose on the compose screen (m->keys) are taken as they
 * are; a chosen fingerprint the engine of one protocol does not know is a
 * choice for the other protocol and is ignored for this one.
 * Runs on the caller's thread, which owns the engines.
 */
#include "compose/compose_mime_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct addrs {
	char **v;
	size_t n;
};

static void
addrs_release(struct addrs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

static bool
addrs_has(const struct addrs *a, const char *s)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], s) == 0)
			return true;
	return false;
}

static void
addrs_add(struct addrs *a, const char *addr)
{
	char *s = xstrdup(addr), *p;

	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (addrs_has(a, s)) {
		free(s);
		return;
	}
	a->v = xreallocarray(a->v, a->n + 1, sizeof(*a->v));
	a->v[a->n++] = s;
}

/*
 * Append the bare addresses (lower case, each once) of an address list
 * as typed (may be NULL), read by the same rules as the MIME builder's.
 */
static int
addrs_parse(struct addrs *a, const char *list, struct cachet_err *err)
{
	struct compose_addr *v = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = compose_addrs_parse(list, &v, &n, err)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		addrs_add(a, v[i].addr);
	compose_addrs_free(v, n);
	return 0;
}

/* ------------------------------------------------------- judging */

static bool
key_has_addr(const struct crypto_key *k, const char *addr)
{
	size_t i;

	for (i = 0; i < k->naddrs; i++)
		if (k->addrs[i] != NULL && strcasecmp(k->addrs[i], addr) == 0)
			return true;
	return false;
}

static bool
key_usable(const struct crypto_key *k)
{
	return !k->revoked && !k->expired && k->can_encrypt;
}

static bool
key_valid(const struct crypto_key *k)
{
	return key_usable(k) && k->validity >= CRYPTO_TRUST_MARGINAL;
}

/* The state of one key taken on its own. */
static enum compose_keystate
key_state(const struct crypto_key *k)
{
	if (k->revoked)
		return COMPOSE_KEY_REVOKED;
	if (k->expired)
		return COMPOSE_KEY_EXPIRED;
	if (!k->can_encrypt)
		return COMPOSE_KEY_MISSING;
	return key_valid(k) ? COMPOSE_KEY_VALID : COMPOSE_KEY_UNTRUSTED;
}

static void
stat_set(struct compose_keystat *ks, enum compose_keystate state,
    const struct crypto_key *k, const char *origin)
{
	const char *o = origin != NULL ? origin : k != NULL ? k->origin : NULL;

	ks->state = state;
	FREE_AND_NULL(ks->fpr);
	FREE_AND_NULL(ks->origin);
	if (k != NULL && k->fpr != NULL)
		ks->fpr = util_sanitize(k->fpr, strlen(k->fpr), false, false);
	if (k != NULL && o != NULL)
		ks->origin = util_sanitize(o, strlen(o), false, false);
}

/*
 * The keys of an address that could encrypt to it now or once could:
 * gpgme no longer calls an expired or revoked key encryption-capable.
 */
static void
judge_addr(struct compose_keystat *ks, const struct crypto_key *k, size_t n)
{
	const struct crypto_key *valid = NULL, *usable = NULL;
	size_t i, nvalid = 0;
	bool revoked = false;

	ks->ncandidates = 0;
	for (i = 0; i < n; i++) {
		if (!key_has_addr(&k[i], ks->addr) ||
		    !(k[i].can_encrypt || k[i].expired || k[i].revoked))
			continue;
		ks->ncandidates++;
		revoked = revoked || k[i].revoked;
		if (key_valid(&k[i]) && nvalid++ == 0)
			valid = &k[i];
		if (key_usable(&k[i]) && usable == NULL)
			usable = &k[i];
	}
	if (nvalid > 1)
		stat_set(ks, COMPOSE_KEY_AMBIGUOUS, NULL, NULL);
	else if (valid != NULL)
		stat_set(ks, COMPOSE_KEY_VALID, valid, NULL);
	else if (usable != NULL)
		stat_set(ks, COMPOSE_KEY_UNTRUSTED, usable, NULL);
	else if (ks->ncandidates == 0)
		stat_set(ks, COMPOSE_KEY_MISSING, NULL, NULL);
	else
		stat_set(ks, revoked ? COMPOSE_KEY_REVOKED :
		    COMPOSE_KEY_EXPIRED, NULL, NULL);
}

static bool
engine_lists(const struct crypto_engine *e)
{
	return e != NULL && e->ops != NULL && e->ops->list_keys != NULL &&
	    (e->ops->caps & CRYPTO_CAP_LIST_KEYS);
}

/* A chosen key by fingerprint: true when this engine knows it. */
static int
judge_chosen(struct crypto_engine *e, struct compose_keystat *ks,
    const char *fpr, const char *origin, bool *found, struct cachet_err *err)
{
	struct crypto_key *k = NULL;
	size_t n = 0, i;
	int rc;

	*found = false;
	if ((rc = e->ops->list_keys(e, fpr, false, &k, &n, err)) != 0)
		return rc;
	for (i = 0; i < n && !*found; i++) {
		if (k[i].fpr == NULL || strcasecmp(k[i].fpr, fpr) != 0)
			continue;
		*found = true;
		ks->ncandidates = 1;
		stat_set(ks, key_state(&k[i]), &k[i], origin);
	}
	crypto_keys_free(k, n);
	return 0;
}

static int
judge(struct crypto_engine *e, struct compose_keystat *ks, const char *fpr,
    const char *origin, struct cachet_err *err)
{
	struct crypto_key *k = NULL;
	size_t n = 0;
	bool found = false;
	int rc;

	if (!engine_lists(e)) {
		stat_set(ks, COMPOSE_KEY_MISSING, NULL, NULL);
		return 0;
	}
	if (fpr != NULL && (rc = judge_chosen(e, ks, fpr, origin, &found,
	    err)) != 0)
		return rc;
	if (found)
		return 0;
	if ((rc = e->ops->list_keys(e, ks->addr, false, &k, &n, err)) != 0)
		return rc;
	judge_addr(ks, k, n);
	crypto_keys_free(k, n);
	return 0;
}

/* ------------------------------------------------------ the list */

struct status {
	const struct compose_msg *m;
	const struct crypto_ctx *c;
	struct compose_keystat *v;
	size_t n;
};

static const char *
choice_for(const struct compose_msg *m, const char *addr)
{
	size_t i;

	for (i = 0; m->keys != NULL && i < m->nkeys; i++)
		if (m->keys[i].addr != NULL && m->keys[i].fpr != NULL &&
		    strcasecmp(m->keys[i].addr, addr) == 0)
			return m->keys[i].fpr;
	return NULL;
}

/* Entries for addr, one per protocol with an engine. */
static int
status_addr(struct status *s, const char *addr, const char *fpr,
    const char *origin, bool self, struct cachet_err *err)
{
	struct crypto_engine *eng[2] = { s->c->openpgp, s->c->smime };
	const char *own[2] = { s->m->own_pgp.encrypt,
	    s->m->own_smime.encrypt };
	enum compose_proto proto[2] = { COMPOSE_PROTO_OPENPGP,
	    COMPOSE_PROTO_SMIME };
	struct compose_keystat *ks;
	const char *chosen = choice_for(s->m, addr);
	size_t i;
	int rc;

	if (chosen != NULL) {
		fpr = chosen;
		origin = "chosen";
	}
	for (i = 0; i < 2; i++) {
		const char *use = fpr, *from = origin;

		if (eng[i] == NULL)
			continue;
		/* The sender's own key of this protocol, when configured. */
		if (self && use == NULL && !util_str_empty(own[i])) {
			use = own[i];
			from = "configured";
		}
		s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
		ks = &s->v[s->n++];
		memset(ks, 0, sizeof(*ks));
		ks->addr = xstrdup(addr);
		ks->proto = proto[i];
		if ((rc = judge(eng[i], ks, use, from, err)) != 0)
			return rc;
	}
	return 0;
}

/* The sender's own address and key for encrypt-to-self. */
static int
self_key(const struct compose_msg *m, struct addrs *a, const char **fpr,
    struct cachet_err *err)
{
	const char *k = m->enc_self_key;
	int rc;

	*fpr = NULL;
	if (!util_str_empty(k) && strchr(k, '@') != NULL)
		rc = addrs_parse(a, k, err);
	else {
		rc = addrs_parse(a, m->from, err);
		if (!util_str_empty(k))
			*fpr = k;
	}
	if (rc == 0 && a->n != 1)
		rc = cachet_err(err, CACHET_E_INVAL, "encrypt to self: no "
		    "single own address (From or the own key setting)");
	return rc;
}

static int
status_all(struct status *s, struct cachet_err *err)
{
	struct addrs a = { NULL, 0 }, self = { NULL, 0 };
	const char *fpr;
	size_t i;
	int rc;

	if ((rc = addrs_parse(&a, s->m->to, err)) != 0 ||
	    (rc = addrs_parse(&a, s->m->cc, err)) != 0 ||
	    (rc = addrs_parse(&a, s->m->bcc, err)) != 0)
		goto out;
	for (i = 0; i < a.n && rc == 0; i++)
		rc = status_addr(s, a.v[i], NULL, NULL, false, err);
	if (rc != 0 || !s->m->encrypt_to_self)
		goto out;
	if ((rc = self_key(s->m, &self, &fpr, err)) != 0)
		goto out;
	if (fpr != NULL || !addrs_has(&a, self.v[0]) ||
	    s->m->own_pgp.encrypt[0] != '\0' ||
	    s->m->own_smime.encrypt[0] != '\0')
		rc = status_addr(s, self.v[0], fpr, "configured", true, err);
out:
	addrs_release(&a);
	addrs_release(&self);
	return rc;
}

/* OpenPGP when every entry has a valid key for it, else S/MIME, else 0. */
static enum compose_proto
pick_auto(const struct status *s)
{
	enum compose_proto order[2] = { COMPOSE_PROTO_OPENPGP,
	    COMPOSE_PROTO_SMIME };
	size_t i, j, seen;
	bool all;

	for (j = 0; j < 2; j++) {
		all = true;
		seen = 0;
		for (i = 0; i < s->n; i++) {
			if (s->v[i].proto != order[j])
				continue;
			seen++;
			all = all && s->v[i].state == COMPOSE_KEY_VALID;
		}
		if (seen > 0 && all)
			return order[j];
	}
	return 0;
}

int
compose_key_status(const struct compose_msg *m, const struct crypto_ctx *c,
    struct compose_keystat **out, size_t *n, enum compose_proto *auto_proto,
    struct cachet_err *err)
{
	struct status s = { m, c, NULL, 0 };
	int rc;

	if (out == NULL || n == NULL)
		return cachet_err(err, CACHET_E_INVAL, "key status: no output");
	*out = NULL;
	*n = 0;
	if (auto_proto != NULL)
		*auto_proto = 0;
	if (m == NULL || c == NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "key status: no message or no engines");
	if ((rc = status_all(&s, err)) != 0) {
		compose_keystats_free(s.v, s.n);
		return rc;
	}
	if (auto_proto != NULL)
		*auto_proto = pick_auto(&s);
	*out = s.v;
	*n = s.n;
	return 0;
}

void
compose_keystats_free(struct compose_keystat *k, size_t n)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(k[i].addr);
		free(k[i].fpr);
		free(k[i].origin);
	}
	free(k);
}

const char *
compose_keystate_name(enum compose_keystate s)
{
	switch (s) {
	case COMPOSE_KEY_VALID:
		return "valid";
	case COMPOSE_KEY_UNTRUSTED:
		return "untrusted";
	case COMPOSE_KEY_EXPIRED:
		return "expired";
	case COMPOSE_KEY_REVOKED:
		return "revoked";
	case COMPOSE_KEY_MISSING:
		return "missing";
	case COMPOSE_KEY_AMBIGUOUS:
		return "choose";
	}
	return "unknown";
}
