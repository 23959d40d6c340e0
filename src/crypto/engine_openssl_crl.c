/*
 * engine_openssl_crl: CRLs from the CRL distribution points of the
 * certificates of a chain, for the revocation check in
 * engine_openssl_chain.c.
 *
 * For every certificate below the anchor that names http:// or https://
 * distribution points, the CRL is taken, in this order, from what this
 * instance already has, from the store's cache (crls/HASH.crl, HASH the
 * SHA-256 of the URL in upper-case hex), and, only when the user allowed
 * network use, from the URL itself (engine_openssl_fetch.c). A CRL is
 * used only when it names the certificate's issuer, its signature
 * verifies with the issuer's key and its nextUpdate is still ahead; a
 * fetched one is then written to the cache atomically and used until its
 * nextUpdate has passed. Other locations (ldap:, file:, ...) are not
 * used: revocation then stays "not checked", with a note saying why,
 * never "good".
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_openssl_int.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CRL_URL_MAX 2048
#define CRL_RETRY_SECS 300	/* a failed fetch is tried again after */

/* What one certificate's distribution points gave. */
enum crl_outcome {
	CRL_NO_DP = 0,		/* no distribution point at all */
	CRL_FOUND,		/* a usable CRL */
	CRL_UNSUPPORTED,	/* only locations cachet does not use */
	CRL_UNAVAILABLE,	/* http(s) points, no usable CRL */
};

/* Upper-case hex SHA-256 of the URL, then ".crl". */
char *
crypto_ossl_crl_cache_name(const char *url)
{
	unsigned char md[32];
	char hex[sizeof(md) * 2 + 1];
	size_t i;

	if (SHA256((const unsigned char *)url, strlen(url), md) == NULL)
		abort();
	for (i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02X", md[i]);
	return xasprintf("%s.crl", hex);
}

/* One CRL, DER or PEM; NULL if data holds none. */
X509_CRL *
crypto_ossl_crl_parse(const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *)data;
	X509_CRL *crl = NULL;
	BIO *b;

	if (data == NULL || len == 0 || len > CRYPTO_OSSL_CRL_MAX)
		return NULL;
	crl = d2i_X509_CRL(NULL, &p, (long)len);
	if (crl == NULL && (b = BIO_new_mem_buf(data, (int)len)) != NULL) {
		crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	ERR_clear_error();
	return crl;
}

/* Why crl cannot stand for issuer's revocations now, or NULL. */
const char *
crypto_ossl_crl_problem(X509_CRL *crl, X509 *issuer)
{
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
	const ASN1_TIME *last = X509_CRL_get0_lastUpdate(crl);
	EVP_PKEY *pk = X509_get0_pubkey(issuer);
	int ok;

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(issuer)) != 0)
		return "issued by another CA";
	ok = pk != NULL && X509_CRL_verify(crl, pk) == 1;
	ERR_clear_error();
	if (!ok)
		return "its signature does not verify";
	if (next == NULL)
		return "it has no nextUpdate";
	if (X509_cmp_current_time(next) <= 0)
		return "it has expired";
	if (last == NULL || X509_cmp_current_time(last) >= 0)
		return "it is not valid yet";
	return NULL;
}

static struct crypto_ossl_crl_memo *
memo_find(struct crypto_ossl *o, const char *url)
{
	size_t i;

	for (i = 0; i < o->nmemo; i++)
		if (strcmp(o->memo[i].url, url) == 0)
			return &o->memo[i];
	return NULL;
}

/* Remember what url gave (crl is taken over, why copied). */
static void
memo_set(struct crypto_ossl *o, const char *url, X509_CRL *crl,
    const char *why)
{
	struct crypto_ossl_crl_memo *m = memo_find(o, url);

	if (m == NULL) {
		o->memo = xreallocarray(o->memo, o->nmemo + 1,
		    sizeof(*o->memo));
		m = &o->memo[o->nmemo++];
		memset(m, 0, sizeof(*m));
		m->url = xstrdup(url);
	}
	X509_CRL_free(m->crl);
	free(m->why);
	m->crl = crl;
	m->why = why != NULL ? util_sanitize(why, strlen(why), false, false) :
	    NULL;
	m->when = (int64_t)time(NULL);
}

void
crypto_ossl_crl_memo_free(struct crypto_ossl *o)
{
	size_t i;

	for (i = 0; i < o->nmemo; i++) {
		free(o->memo[i].url);
		X509_CRL_free(o->memo[i].crl);
		free(o->memo[i].why);
	}
	free(o->memo);
	o->memo = NULL;
	o->nmemo = 0;
}

/* The cached CRL for url, if it is there and usable for issuer. */
static X509_CRL *
cache_read(struct crypto_ossl *o, const char *url, X509 *issuer)
{
	char *name, *path, *data = NULL;
	X509_CRL *crl = NULL;
	struct stat st;
	size_t len;

	if (o->crls_dir == NULL)
		return NULL;
	name = crypto_ossl_crl_cache_name(url);
	path = xasprintf("%s/%s", o->crls_dir, name);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size <= CRYPTO_OSSL_CRL_MAX &&
	    util_read_file(path, &data, &len, NULL) == 0)
		crl = crypto_ossl_crl_parse(data, len);
	if (crl != NULL && crypto_ossl_crl_problem(crl, issuer) != NULL) {
		X509_CRL_free(crl);
		crl = NULL;
	}
	free(data);
	free(path);
	free(name);
	return crl;
}

/* Fetch url, check the CRL, cache it. NULL and *why on failure. */
static X509_CRL *
fetch(struct crypto_ossl *o, const char *url, X509 *issuer, char **why)
{
	struct cachet_err err = { 0 };
	char *data = NULL, *name;
	const char *problem;
	X509_CRL *crl = NULL;
	size_t len;

	if (crypto_ossl_fetch(url, &data, &len, &err) != 0) {
		*why = xstrdup(err.msg);
		return NULL;
	}
	if ((crl = crypto_ossl_crl_parse(data, len)) == NULL) {
		*why = xstrdup("the server sent no CRL");
	} else if ((problem = crypto_ossl_crl_problem(crl, issuer)) != NULL) {
		*why = xstrdup(problem);
		X509_CRL_free(crl);
		crl = NULL;
	} else if (o->crls_dir != NULL) {
		/* A cache that cannot be written costs a fetch next time. */
		name = crypto_ossl_crl_cache_name(url);
		util_write_atomic(o->crls_dir, o->crls_dir, name, data, len,
		    NULL);
		free(name);
	}
	free(data);
	return crl;
}

/*
 * The CRL of url for issuer: a new reference, or NULL with *why (owned)
 * saying why there is none.
 */
static X509_CRL *
crl_for(struct crypto_ossl *o, const char *url, X509 *issuer, char **why)
{
	struct crypto_ossl_crl_memo *m = memo_find(o, url);
	int64_t now = (int64_t)time(NULL);
	X509_CRL *crl;

	*why = NULL;
	if (m != NULL && m->crl != NULL &&
	    crypto_ossl_crl_problem(m->crl, issuer) == NULL) {
		X509_CRL_up_ref(m->crl);
		return m->crl;
	}
	if (m != NULL && m->crl == NULL && m->why != NULL &&
	    now - m->when < CRL_RETRY_SECS) {
		*why = xstrdup(m->why);
		return NULL;
	}
	if ((crl = cache_read(o, url, issuer)) == NULL) {
		if (!o->allow_network)
			*why = xstrdup("fetching CRLs is turned off");
		else
			crl = fetch(o, url, issuer, why);
	}
	if (crl != NULL)
		X509_CRL_up_ref(crl);
	memo_set(o, url, crl, *why);
	return crl;
}

/* A URI cachet could fetch: http(s), short, printable ASCII. */
static bool
is_usable_url(const ASN1_IA5STRING *s, char **url)
{
	const unsigned char *d = ASN1_STRING_get0_data(s);
	int i, n = ASN1_STRING_length(s);

	if (d == NULL || n <= 0 || n > CRL_URL_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (d[i] <= 0x20 || d[i] >= 0x7f)
			return false;
	*url = xasprintf("%.*s", n, (const char *)d);
	if (crypto_ossl_fetch_scheme(*url) != NULL)
		return true;
	FREE_AND_NULL(*url);
	return false;
}

/* The usable URLs of x's distribution points; *any: it has some. */
static char **
dp_urls(X509 *x, size_t *n, bool *any)
{
	STACK_OF(DIST_POINT) *dps;
	GENERAL_NAMES *names;
	GENERAL_NAME *gn;
	char **v = NULL, *url;
	int i, j;

	*n = 0;
	*any = false;
	dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	for (i = 0; i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		*any = true;
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		names = dp->distpoint->name.fullname;
		for (j = 0; j < sk_GENERAL_NAME_num(names); j++) {
			gn = sk_GENERAL_NAME_value(names, j);
			if (gn->type != GEN_URI ||
			    !is_usable_url(gn->d.uniformResourceIdentifier,
			    &url))
				continue;
			v = xreallocarray(v, *n + 1, sizeof(*v));
			v[(*n)++] = url;
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	ERR_clear_error();
	return v;
}

/* Try x's distribution points in order; the first usable CRL wins. */
static enum crl_outcome
cert_crl(struct crypto_ossl *o, X509 *x, X509 *issuer,
    STACK_OF(X509_CRL) *out, char **why)
{
	enum crl_outcome res;
	X509_CRL *crl = NULL;
	char **urls, *w;
	size_t i, n;
	bool any;

	urls = dp_urls(x, &n, &any);
	res = !any ? CRL_NO_DP : n == 0 ? CRL_UNSUPPORTED : CRL_UNAVAILABLE;
	for (i = 0; i < n && crl == NULL; i++) {
		crl = crl_for(o, urls[i], issuer, &w);
		if (crl == NULL && *why == NULL)
			*why = w;
		else
			free(w);
	}
	if (crl != NULL) {
		if (sk_X509_CRL_push(out, crl) <= 0)
			abort();
		res = CRL_FOUND;
		FREE_AND_NULL(*why);
	}
	crypto_ossl_strv_free(urls, n);
	return res;
}

/*
 * For each certificate of chain (leaf first) below its last one, the CRL
 * of its distribution points, appended to *crls (created here, owned by
 * the caller, NULL when there is none). *note (owned, may be NULL): why
 * a certificate with distribution points has no CRL.
 */
void
crypto_ossl_crl_gather(struct crypto_ossl *o, STACK_OF(X509) *chain,
    STACK_OF(X509_CRL) **crls, char **note)
{
	char *why;
	int i, n = sk_X509_num(chain);

	*crls = sk_X509_CRL_new_null();
	*note = NULL;
	if (*crls == NULL)
		abort();
	for (i = 0; i + 1 < n; i++) {
		why = NULL;
		switch (cert_crl(o, sk_X509_value(chain, i),
		    sk_X509_value(chain, i + 1), *crls, &why)) {
		case CRL_UNSUPPORTED:
			if (*note == NULL)
				*note = xstrdup("revocation not checked: "
				    "unsupported CRL location");
			break;
		case CRL_UNAVAILABLE:
			if (*note == NULL)
				*note = xasprintf("CRL not available: %s",
				    why != NULL ? why : "unknown reason");
			break;
		case CRL_NO_DP:
		case CRL_FOUND:
			break;
		}
		free(why);
	}
	if (sk_X509_CRL_num(*crls) == 0) {
		sk_X509_CRL_free(*crls);
		*crls = NULL;
	}
}
