/*
 * engine_openssl_cert: describing X.509 certificates for crypto results
 * and key lists: fingerprints, names, e-mail addresses, key algorithm,
 * validity times, key usage. Every string that comes from a certificate
 * is sanitised here, before it leaves the engine.
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_openssl_int.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char hexdig[] = "0123456789ABCDEF";

/* SHA-256 of the DER certificate, hex upper case; "" if it fails. */
void
crypto_ossl_fpr(X509 *x, char out[CRYPTO_OSSL_FPR_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	out[0] = '\0';
	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n * 2 !=
	    CRYPTO_OSSL_FPR_LEN)
		return;
	for (i = 0; i < n; i++) {
		out[2 * i] = hexdig[md[i] >> 4];
		out[2 * i + 1] = hexdig[md[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The text of a memory BIO, sanitised; "" if empty. */
static char *
bio_text(BIO *b)
{
	char *p = NULL;
	long n = BIO_get_mem_data(b, &p);

	return util_sanitize(n > 0 ? p : "", n > 0 ? (size_t)n : 0, false,
	    false);
}

/* RFC 2253 one-line name, UTF-8 kept, sanitised. */
char *
crypto_ossl_name(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s;

	if (b == NULL)
		return xstrdup("");
	if (name != NULL)
		X509_NAME_print_ex(b, name, 0,
		    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	s = bio_text(b);
	BIO_free(b);
	return s;
}

static char *
hex_bytes(const unsigned char *p, size_t n)
{
	char *s = xmalloc(2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++) {
		s[2 * i] = hexdig[p[i] >> 4];
		s[2 * i + 1] = hexdig[p[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

char *
crypto_ossl_serial(const ASN1_INTEGER *serial)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	char *s = xstrdup(hex != NULL ? hex : "?");

	OPENSSL_free(hex);
	BN_free(bn);
	return s;
}

/* How a signer or recipient names its certificate, for notes. */
char *
crypto_ossl_id_text(const ASN1_OCTET_STRING *keyid, const X509_NAME *issuer,
    const ASN1_INTEGER *serial)
{
	char *a, *b, *s;

	if (issuer != NULL && serial != NULL) {
		a = crypto_ossl_name(issuer);
		b = crypto_ossl_serial(serial);
		s = xasprintf("issuer %s, serial %s", a, b);
	} else if (keyid != NULL) {
		a = hex_bytes(ASN1_STRING_get0_data(keyid),
		    (size_t)ASN1_STRING_length(keyid));
		b = NULL;
		s = xasprintf("subject key identifier %s", a);
	} else {
		return xstrdup("no identifier");
	}
	free(a);
	free(b);
	return s;
}

static bool
strv_has(char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/*
 * The certificate's e-mail addresses (subject emailAddress and
 * subjectAltName rfc822Name), lower case, sanitised, without repeats.
 */
char **
crypto_ossl_addrs(X509 *x, size_t *n)
{
	STACK_OF(OPENSSL_STRING) *sk = X509_get1_email(x);
	char **v = NULL, *a, *p;
	int i;

	*n = 0;
	for (i = 0; i < sk_OPENSSL_STRING_num(sk); i++) {
		a = xstrdup(sk_OPENSSL_STRING_value(sk, i));
		for (p = a; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		p = util_sanitize(a, strlen(a), false, false);
		free(a);
		if (*p == '\0' || strv_has(v, *n, p)) {
			free(p);
			continue;
		}
		v = xreallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = p;
	}
	X509_email_free(sk);
	return v;
}

bool
crypto_ossl_has_addr(X509 *x, const char *addr)
{
	STACK_OF(OPENSSL_STRING) *sk = X509_get1_email(x);
	bool found = false;
	int i;

	for (i = 0; !found && i < sk_OPENSSL_STRING_num(sk); i++)
		found = strcasecmp(sk_OPENSSL_STRING_value(sk, i), addr) == 0;
	X509_email_free(sk);
	return found;
}

static char *
ec_algo(EVP_PKEY *pk)
{
	char group[80], *s, *d;
	const char *nist;
	size_t glen = 0;
	int nid;

	if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &glen) != 1)
		return xstrdup("EC");
	nid = OBJ_sn2nid(group);
	nist = nid != NID_undef ? EC_curve_nid2nist(nid) : NULL;
	/* "P-256" becomes "EC-P256". */
	s = xasprintf("EC-%s", nist != NULL ? nist : group);
	for (d = s + 3; *d != '\0'; d++)
		if (*d == '-')
			memmove(d, d + 1, strlen(d));
	d = util_sanitize(s, strlen(s), false, false);
	free(s);
	return d;
}

/* "RSA-3072", "EC-P256", "ED25519". */
char *
crypto_ossl_pubkey_algo(X509 *x)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);

	if (pk == NULL)
		return xstrdup("unknown");
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		return xasprintf("RSA-%d", EVP_PKEY_get_bits(pk));
	case EVP_PKEY_DSA:
		return xasprintf("DSA-%d", EVP_PKEY_get_bits(pk));
	case EVP_PKEY_EC:
		return ec_algo(pk);
	case EVP_PKEY_ED25519:
		return xstrdup("ED25519");
	case EVP_PKEY_ED448:
		return xstrdup("ED448");
	default:
		return xstrdup("unknown");
	}
}

/* Unix time of an ASN.1 time, 0 if absent or invalid. */
int64_t
crypto_ossl_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

/* extendedKeyUsage allows e-mail (absent means any use). */
static bool
eku_allows_mail(X509 *x)
{
	uint32_t xku = X509_get_extended_key_usage(x);

	return xku == UINT32_MAX || (xku & (XKU_SMIME | XKU_ANYEKU)) != 0;
}

bool
crypto_ossl_can_sign(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);

	return (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) != 0 &&
	    eku_allows_mail(x);
}

bool
crypto_ossl_can_encrypt(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);

	return (ku & (KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT)) != 0 &&
	    eku_allows_mail(x);
}

static const struct {
	uint32_t bit;
	const char *name;
} ku_names[] = {
	{ KU_DIGITAL_SIGNATURE, "digitalSignature" },
	{ KU_NON_REPUDIATION, "nonRepudiation" },
	{ KU_KEY_ENCIPHERMENT, "keyEncipherment" },
	{ KU_DATA_ENCIPHERMENT, "dataEncipherment" },
	{ KU_KEY_AGREEMENT, "keyAgreement" },
	{ KU_KEY_CERT_SIGN, "keyCertSign" },
	{ KU_CRL_SIGN, "cRLSign" },
	{ KU_ENCIPHER_ONLY, "encipherOnly" },
	{ KU_DECIPHER_ONLY, "decipherOnly" },
};

/* "digitalSignature, keyEncipherment"; NULL without the extension. */
static char *
key_usage_text(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);
	struct buf b = BUF_INIT;
	size_t i;

	if (ku == UINT32_MAX)
		return NULL;
	buf_adds(&b, "");
	for (i = 0; i < sizeof(ku_names) / sizeof(ku_names[0]); i++) {
		if ((ku & ku_names[i].bit) == 0)
			continue;
		if (b.len > 0)
			buf_adds(&b, ", ");
		buf_adds(&b, ku_names[i].name);
	}
	return buf_detach(&b, NULL);
}

/* "emailProtection, clientAuth"; NULL without the extension. */
static char *
eku_text(X509 *x)
{
	EXTENDED_KEY_USAGE *eku;
	struct buf b = BUF_INIT;
	char oid[80], *s;
	int i, nid;

	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	if (eku == NULL) {
		ERR_clear_error();
		return NULL;
	}
	buf_adds(&b, "");
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		ASN1_OBJECT *obj = sk_ASN1_OBJECT_value(eku, i);

		if (b.len > 0)
			buf_adds(&b, ", ");
		nid = OBJ_obj2nid(obj);
		if (nid != NID_undef)
			buf_adds(&b, OBJ_nid2sn(nid));
		else if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) > 0)
			buf_adds(&b, oid);
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	s = util_sanitize(b.data, b.len, false, false);
	buf_release(&b);
	return s;
}

void
crypto_ossl_cert_fill(X509 *x, struct crypto_cert *c)
{
	char fpr[CRYPTO_OSSL_FPR_LEN + 1];

	memset(c, 0, sizeof(*c));
	c->subject = crypto_ossl_name(X509_get_subject_name(x));
	c->issuer = crypto_ossl_name(X509_get_issuer_name(x));
	c->serial = crypto_ossl_serial(X509_get0_serialNumber(x));
	crypto_ossl_fpr(x, fpr);
	c->fpr_sha256 = xstrdup(fpr);
	c->not_before = crypto_ossl_time(X509_get0_notBefore(x));
	c->not_after = crypto_ossl_time(X509_get0_notAfter(x));
	c->key_usage = key_usage_text(x);
	c->ext_key_usage = eku_text(x);
	c->is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
}

/* The chain as built (leaf first), or just the leaf. */
void
crypto_ossl_chain_fill(X509 *leaf, STACK_OF(X509) *chain,
    struct crypto_cert **out, size_t *n)
{
	int i, num = chain != NULL ? sk_X509_num(chain) : 0;

	if (num <= 0) {
		*out = xcalloc(1, sizeof(**out));
		crypto_ossl_cert_fill(leaf, *out);
		*n = 1;
		return;
	}
	*out = xcalloc((size_t)num, sizeof(**out));
	for (i = 0; i < num; i++)
		crypto_ossl_cert_fill(sk_X509_value(chain, i), &(*out)[i]);
	*n = (size_t)num;
}

void
crypto_ossl_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
