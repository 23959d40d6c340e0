/*
 * Unit tests for the OpenSSL S/MIME engine's CRLs from distribution
 * points (src/crypto/engine_openssl_crl.c, engine_openssl_fetch.c): the
 * cache names, parsing and checking a CRL, which URLs are fetched, and
 * chains whose certificates name no distribution point. Nothing here
 * touches the network; fetching over loopback is tested by
 * tests/integration/t_crl.sh.
 */
#include "smime_fixture.h"

#include <openssl/pem.h>

#include "crypto/engine_openssl_int.h"

static X509 *
read_cert(const char *name)
{
	char *path = fx_path(name);
	BIO *b = BIO_new_file(path, "r");
	X509 *x;

	assert_non_null(b);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	assert_non_null(x);
	BIO_free(b);
	free(path);
	return x;
}

static X509_CRL *
read_crl(const char *name)
{
	size_t len;
	char *data = fx_read(name, &len);
	X509_CRL *crl = crypto_ossl_crl_parse(data, len);

	assert_non_null(crl);
	free(data);
	return crl;
}

static void
test_cache_name(void **state)
{
	char *n = crypto_ossl_crl_cache_name("http://127.0.0.1:26000/ca.crl");

	assert_string_equal(n, "C0AB57D0BEEA3F9132BFF6EC8418B638"
	    "E14A099C63B7ED73ECD4DA66E9FCABFB.crl");
	free(n);
	n = crypto_ossl_crl_cache_name("");
	assert_int_equal(strlen(n), 64 + 4);
	free(n);
}

static void
test_parse(void **state)
{
	X509_CRL *crl = read_crl("ca.crl"), *again;
	unsigned char *der = NULL;
	char *big;
	int n;

	/* PEM (the fixture) and DER alike. */
	n = i2d_X509_CRL(crl, &der);
	assert_true(n > 0);
	again = crypto_ossl_crl_parse((const char *)der, (size_t)n);
	assert_non_null(again);
	assert_int_equal(X509_CRL_cmp(crl, again), 0);
	X509_CRL_free(again);
	/* Truncated DER is no CRL. */
	assert_null(crypto_ossl_crl_parse((const char *)der, (size_t)n / 2));
	OPENSSL_free(der);
	X509_CRL_free(crl);

	assert_null(crypto_ossl_crl_parse(NULL, 0));
	assert_null(crypto_ossl_crl_parse("", 0));
	assert_null(crypto_ossl_crl_parse("not a CRL", 9));
	big = xcalloc(1, CRYPTO_OSSL_CRL_MAX + 1);
	assert_null(crypto_ossl_crl_parse(big, CRYPTO_OSSL_CRL_MAX + 1));
	free(big);
}

static void
test_problem(void **state)
{
	X509_CRL *crl = read_crl("ca.crl");
	X509 *ca = read_cert("ca.crt"), *rogue = read_cert("rogue-ca.crt");

	assert_null(crypto_ossl_crl_problem(crl, ca));
	assert_string_equal(crypto_ossl_crl_problem(crl, rogue),
	    "issued by another CA");
	X509_free(ca);
	X509_free(rogue);
	X509_CRL_free(crl);
}

static void
test_schemes(void **state)
{
	struct cachet_err err = { 0 };
	char *out = (char *)"x";
	size_t len = 1;

	assert_string_equal(crypto_ossl_fetch_scheme("http://a/b"), "http");
	assert_string_equal(crypto_ossl_fetch_scheme("HTTPS://a/b"), "https");
	assert_null(crypto_ossl_fetch_scheme("ldap://a/cn=x"));
	assert_null(crypto_ossl_fetch_scheme("file:///etc/passwd"));
	assert_null(crypto_ossl_fetch_scheme("http:/a"));
	assert_null(crypto_ossl_fetch_scheme(""));
	/* Refused before any network use. */
	assert_int_equal(crypto_ossl_fetch("ftp://127.0.0.1/ca.crl", &out,
	    &len, &err), CACHET_E_INVAL);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_non_null(strstr(err.msg, "unsupported CRL location"));
}

/*
 * Certificates without distribution points: nothing gathered, no note,
 * and revocation stays "not checked" even with network use allowed.
 */
static void
test_no_dp(void **state)
{
	struct crypto_engine_opts o = { 0 };
	struct crypto_engine *e = NULL;
	struct cachet_err err = { 0 };
	STACK_OF(X509) *chain = sk_X509_new_null();
	STACK_OF(X509_CRL) *crls = (void *)1;
	X509 *leaf = read_cert("alice-sign.crt"), *ca = read_cert("ca.crt");
	char *ca_path = fx_path("ca.crt"), *st = store_path("st-nodp");
	char *note = (char *)"x";
	struct crypto_result r;

	o.ca_file = ca_path;
	o.store_dir = st;
	o.allow_network = true;
	assert_int_equal(crypto_engine_openssl.open(&e, CRYPTO_PROTO_SMIME,
	    &o, &err), 0);
	sk_X509_push(chain, leaf);
	sk_X509_push(chain, ca);
	crypto_ossl_crl_gather(e->priv, chain, &crls, &note);
	assert_null(crls);
	assert_null(note);
	verify_fx(e, "msg.txt", "sig-good.p7s", &r);
	assert_int_equal(r.sigs[0].result, CRYPTO_SIG_GOOD);
	assert_int_equal(r.sigs[0].revocation, CRYPTO_REV_NOT_CHECKED);
	assert_null(r.sigs[0].note);
	crypto_result_release(&r);
	sk_X509_pop_free(chain, X509_free);
	eng_close(e);
	free(ca_path);
	free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_name),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_problem),
		cmocka_unit_test(test_schemes),
		cmocka_unit_test(test_no_dp),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
