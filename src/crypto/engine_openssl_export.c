/*
 * engine_openssl_export: one certificate from cachet's own store (own or
 * collected), DER, for handing out. who is an address or a SHA-256
 * fingerprint (colons and spaces allowed); only certificates valid now
 * count, and an address that several certificates carry (a signing and
 * an encryption certificate, say) must be named by fingerprint instead.
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_openssl_int.h"

#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool
fpr_is(const char *fpr, const char *who)
{
	size_t i = 0;

	for (; *who != '\0'; who++) {
		if (*who == ':' || *who == ' ')
			continue;
		if (i >= CRYPTO_OSSL_FPR_LEN ||
		    strncasecmp(who, fpr + i, 1) != 0)
			return false;
		i++;
	}
	return i == CRYPTO_OSSL_FPR_LEN;
}

static bool
valid_now(X509 *x)
{
	return X509_cmp_current_time(X509_get0_notBefore(x)) < 0 &&
	    X509_cmp_current_time(X509_get0_notAfter(x)) > 0;
}

/* The one matching certificate; an own and a collected copy are one. */
static int
find_one(const struct crypto_ossl_certs *cs, const char *who,
    const struct crypto_ossl_cert **out, struct cachet_err *err)
{
	bool addr = strchr(who, '@') != NULL;
	const struct crypto_ossl_cert *c;
	size_t i;

	*out = NULL;
	for (i = 0; i < cs->n; i++) {
		c = &cs->v[i];
		if (!(addr ? crypto_ossl_has_addr(c->cert, who) :
		    fpr_is(c->fpr, who)) || !valid_now(c->cert))
			continue;
		if (*out != NULL && strcmp((*out)->fpr, c->fpr) != 0)
			return cachet_err(err, CACHET_E_INVAL, "export: "
			    "several certificates for %s, name one by "
			    "fingerprint", addr ? who : "that fingerprint");
		*out = c;
	}
	if (*out == NULL)
		return cachet_err(err, CACHET_E_NOTFOUND, "export: no valid "
		    "certificate for %s", addr ? who : "that fingerprint");
	return 0;
}

int
crypto_ossl_export(struct crypto_engine *e, const char *who, bool minimal,
    char **out, size_t *outlen, struct cachet_err *err)
{
	struct crypto_ossl *o = e->priv;
	const struct crypto_ossl_cert *c;
	struct crypto_ossl_certs all;
	unsigned char *der = NULL;
	int n, rc;

	if (out == NULL || outlen == NULL)
		return cachet_err(err, CACHET_E_INVAL, "export: no output");
	*out = NULL;
	*outlen = 0;
	if (util_str_empty(who) || strlen(who) > 320)
		return cachet_err(err, CACHET_E_INVAL,
		    "export: no address or fingerprint");
	crypto_ossl_load(o, CRYPTO_OSSL_OWN | CRYPTO_OSSL_COLLECTED, &all);
	if ((rc = find_one(&all, who, &c, err)) == 0) {
		if ((n = i2d_X509(c->cert, &der)) <= 0)
			rc = cachet_err(err, CACHET_E_INVAL,
			    "export: cannot encode the certificate");
		else {
			*out = xmalloc((size_t)n + 1);
			memcpy(*out, der, (size_t)n);
			(*out)[n] = '\0';
			*outlen = (size_t)n;
		}
	}
	OPENSSL_free(der);
	crypto_ossl_certs_release(&all);
	ERR_clear_error();
	return rc;
}
