/*
 * crypto_engine: the one table of crypto engines, opening and closing them
 * by name, and releasing what engines hand back (results, key lists).
 * Adding an engine means one file and one line in the table below.
 * Runs on any thread; the table is constant.
 */
#include "crypto/crypto.h"

#include <stdlib.h>
#include <string.h>

extern const struct crypto_engine_ops crypto_engine_gpgme;
extern const struct crypto_engine_ops crypto_engine_openssl;
extern const struct crypto_engine_ops crypto_engine_fake;

/*
 * Each entry serves the protocols in its ops' mask: "gpgme" serves OpenPGP
 * (gpg) and S/MIME (gpgsm), "openssl" S/MIME, "fake" both, for unit tests
 * of the code around the engines.
 */
static const struct crypto_engine_ops *const engines[] = {
	&crypto_engine_gpgme,
	&crypto_engine_openssl,
	&crypto_engine_fake,
};

const struct crypto_engine_ops *
crypto_engine_find(const char *name, enum crypto_proto proto)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
		if (strcmp(engines[i]->name, name) == 0 &&
		    (engines[i]->protocols & proto) != 0 &&
		    (proto & (proto - 1)) == 0)
			return engines[i];
	return NULL;
}

static const char *
proto_name(enum crypto_proto proto)
{
	switch (proto) {
	case CRYPTO_PROTO_OPENPGP:
		return "OpenPGP";
	case CRYPTO_PROTO_SMIME:
		return "S/MIME";
	}
	return "an unknown protocol";
}

int
crypto_engine_open(struct crypto_engine **out, const char *name,
    enum crypto_proto proto, const struct crypto_engine_opts *o,
    struct cachet_err *err)
{
	const struct crypto_engine_ops *ops;
	struct crypto_engine_opts none = { 0 };
	int rc;

	if (out == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no engine pointer");
	*out = NULL;
	ops = crypto_engine_find(name, proto);
	if (ops == NULL)
		return cachet_err(err, CACHET_E_CONFIG,
		    "no crypto engine \"%s\" for %s",
		    name != NULL ? name : "(none)", proto_name(proto));
	rc = ops->open(out, proto, o != NULL ? o : &none, err);
	if (rc != 0) {
		*out = NULL;
		return rc;
	}
	(*out)->ops = ops;
	(*out)->proto = proto;
	return 0;
}

/* The engine's close frees the instance itself. */
void
crypto_engine_close(struct crypto_engine *e)
{
	if (e == NULL)
		return;
	e->ops->close(e);
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
cert_release(struct crypto_cert *c)
{
	free(c->subject);
	free(c->issuer);
	free(c->serial);
	free(c->fpr_sha256);
	free(c->key_usage);
	free(c->ext_key_usage);
}

static void
sig_release(struct crypto_sig *s)
{
	size_t i;

	free(s->fpr);
	free(s->signer);
	strv_free(s->addrs, s->naddrs);
	free(s->digest);
	free(s->pubkey_algo);
	for (i = 0; i < s->nchain; i++)
		cert_release(&s->chain[i]);
	free(s->chain);
	free(s->note);
}

/* Everything in r is freed; the plaintext is wiped first. */
void
crypto_result_release(struct crypto_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nsigs; i++)
		sig_release(&r->sigs[i]);
	free(r->sigs);
	free(r->cipher);
	strv_free(r->recipients, r->nrecipients);
	if (r->plaintext != NULL) {
		explicit_bzero(r->plaintext, r->plaintext_len);
		free(r->plaintext);
	}
	memset(r, 0, sizeof(*r));
}

void
crypto_keys_free(struct crypto_key *k, size_t n)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(k[i].fpr);
		strv_free(k[i].uids, k[i].nuids);
		strv_free(k[i].addrs, k[i].naddrs);
		free(k[i].issuer);
		free(k[i].origin);
	}
	free(k);
}
