/*
 * cmd_certscan: what a certificate file holds, read with OpenSSL without
 * importing it anywhere (for the check before an import): PEM (any number
 * of certificates), DER, or PKCS#12 without a password. Each certificate
 * becomes a crypto_key with cachet's S/MIME fingerprint (SHA-256 of the
 * DER, upper-case hex) and its e-mail addresses (subject emailAddress and
 * rfc822Name alt names, lower case). Runs on the calling thread.
 */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd_int.h"
#include "crypto/crypto.h"

#define CERTSCAN_MAX 64

static char *
lower_clean(const char *s)
{
	char *p = util_sanitize(s, strlen(s), false, false), *q;

	for (q = p; *q != '\0'; q++)
		*q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
	return p;
}

static void
add_emails(X509 *x, struct crypto_key *k)
{
	STACK_OF(OPENSSL_STRING) *emails = X509_get1_email(x);
	int i;

	for (i = 0; emails != NULL && i < sk_OPENSSL_STRING_num(emails) &&
	    i < 32; i++) {
		k->addrs = xreallocarray(k->addrs, k->naddrs + 1,
		    sizeof(*k->addrs));
		k->addrs[k->naddrs++] =
		    lower_clean(sk_OPENSSL_STRING_value(emails, i));
	}
	X509_email_free(emails);
}

static void
add_cert(X509 *x, struct crypto_key **out, size_t *n)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	struct crypto_key *k;
	char *subj;

	if (*n >= CERTSCAN_MAX || !X509_digest(x, EVP_sha256(), md, &mdlen))
		return;
	*out = xreallocarray(*out, *n + 1, sizeof(**out));
	k = &(*out)[(*n)++];
	memset(k, 0, sizeof(*k));
	k->proto = CRYPTO_PROTO_SMIME;
	k->fpr = xmalloc(mdlen * 2 + 1);
	for (i = 0; i < mdlen; i++)
		snprintf(k->fpr + i * 2, 3, "%02X", md[i]);
	subj = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);
	k->uids = xcalloc(1, sizeof(*k->uids));
	k->uids[0] = util_sanitize(subj ? subj : "", subj ? strlen(subj) : 0,
	    false, false);
	k->nuids = 1;
	OPENSSL_free(subj);
	add_emails(x, k);
	k->origin = xstrdup("file");
}

static void
scan_pem(const char *data, size_t len, struct crypto_key **out, size_t *n)
{
	BIO *b = BIO_new_mem_buf(data, (int)len);
	X509 *x;

	while (b != NULL && *n < CERTSCAN_MAX &&
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		add_cert(x, out, n);
		X509_free(x);
	}
	BIO_free(b);
}

static void
scan_p12(const char *data, size_t len, struct crypto_key **out, size_t *n)
{
	const unsigned char *p = (const unsigned char *)data;
	PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
	STACK_OF(X509) *ca = NULL;
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	int i;

	if (p12 == NULL)
		return;
	if (PKCS12_parse(p12, "", &pk, &x, &ca) ||
	    PKCS12_parse(p12, NULL, &pk, &x, &ca)) {
		if (x != NULL)
			add_cert(x, out, n);
		for (i = 0; ca != NULL && i < sk_X509_num(ca); i++)
			add_cert(sk_X509_value(ca, i), out, n);
	}
	EVP_PKEY_free(pk);
	X509_free(x);
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(p12);
}

int
cmd_certscan(const char *data, size_t len, struct crypto_key **out,
    size_t *n)
{
	const unsigned char *p = (const unsigned char *)data;
	X509 *x;

	*out = NULL;
	*n = 0;
	if (data == NULL || len == 0 || len > INT32_MAX)
		return 0;
	scan_pem(data, len, out, n);
	if (*n == 0 && (x = d2i_X509(NULL, &p, (long)len)) != NULL) {
		add_cert(x, out, n);
		X509_free(x);
	}
	if (*n == 0)
		scan_p12(data, len, out, n);
	ERR_clear_error();
	return (int)*n;
}
