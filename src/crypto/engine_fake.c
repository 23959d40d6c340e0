/*
 * engine_fake: a deterministic engine with no cryptography at all, for
 * unit tests of the code around the engines (framing, status, UI). It
 * must never be configured for real mail; nothing it says means anything.
 *
 *   signature      "FAKESIG:<fpr>:<hex SHA-256 of the data>"; GOOD when the
 *                  digest matches and fpr is the fake key's, UNKNOWN_KEY
 *                  for another fpr, BAD when the digest differs
 *   opaque signed  the signature line, "\n", then the content
 *   ciphertext     "FAKEENC:" + plaintext (an opaque signed text inside is
 *                  verified); "FAKENOMDC:" + anything fails as a message
 *                  without integrity protection
 *   keys           one fixed key, Fake Signer <fake@example.test>; import
 *                  accepts data starting with "FAKEKEY" and returns it;
 *                  export gives "FAKEKEY <fpr>\n" for its address or fpr
 *
 * Runs on any thread; no state.
 */
#include "crypto/crypto.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#define FAKE_FPR "FA4EFA4EFA4EFA4EFA4EFA4EFA4EFA4EFA4EFA4E"
#define FAKE_UID "Fake Signer <fake@example.test>"
#define FAKE_ADDR "fake@example.test"
#define SIG_PREFIX "FAKESIG:"
#define ENC_PREFIX "FAKEENC:"
#define NOMDC_PREFIX "FAKENOMDC:"

const struct crypto_engine_ops crypto_engine_fake;

/* A copy of len bytes that may hold NULs, NUL-terminated after them. */
static char *
bytes_dup(const char *p, size_t len)
{
	char *q = xmalloc(len + 1);

	memcpy(q, p, len);
	q[len] = '\0';
	return q;
}

static void
sha256_hex(const char *data, size_t len, char out[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;

	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		abort();
	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[64] = '\0';
}

static int
fake_open(struct crypto_engine **out, enum crypto_proto proto,
    const struct crypto_engine_opts *o, struct cachet_err *err)
{
	*out = xcalloc(1, sizeof(**out));
	(*out)->ops = &crypto_engine_fake;
	(*out)->proto = proto;
	return 0;
}

static void
fake_close(struct crypto_engine *e)
{
	free(e);
}

static bool
starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return s != NULL && len >= n && memcmp(s, prefix, n) == 0;
}

/* Judge one "FAKESIG:<fpr>:<hex>" of siglen bytes over data. */
static int
judge(const char *sig, size_t siglen, const char *data, size_t len,
    struct crypto_result *r, struct cachet_err *err)
{
	const char *fpr, *colon;
	struct crypto_sig *s;
	char hex[65];

	if (!starts(sig, siglen, SIG_PREFIX))
		return cachet_err(err, CACHET_E_INVAL, "fake: no signature");
	fpr = sig + strlen(SIG_PREFIX);
	colon = memchr(fpr, ':', siglen - strlen(SIG_PREFIX));
	if (colon == NULL || (size_t)(sig + siglen - colon - 1) != 64)
		return cachet_err(err, CACHET_E_INVAL, "fake: malformed");
	sha256_hex(data, len, hex);
	r->sigs = xreallocarray(r->sigs, r->nsigs + 1, sizeof(*r->sigs));
	s = &r->sigs[r->nsigs++];
	memset(s, 0, sizeof(*s));
	s->fpr = util_sanitize(fpr, (size_t)(colon - fpr), false, false);
	s->digest = xstrdup("SHA256");
	s->pubkey_algo = xstrdup("ed25519");
	if (memcmp(colon + 1, hex, 64) != 0) {
		s->result = CRYPTO_SIG_BAD;
	} else if (strcmp(s->fpr, FAKE_FPR) != 0) {
		s->result = CRYPTO_SIG_UNKNOWN_KEY;
	} else {
		s->result = CRYPTO_SIG_GOOD;
		s->trust = CRYPTO_TRUST_FULL;
		s->signer = xstrdup(FAKE_UID);
		s->addrs = xcalloc(1, sizeof(*s->addrs));
		s->addrs[0] = xstrdup(FAKE_ADDR);
		s->naddrs = 1;
	}
	return 0;
}

static int
fake_verify_detached(struct crypto_engine *e, const char *data, size_t len,
    const char *sig, size_t siglen, struct crypto_result *r,
    struct cachet_err *err)
{
	return judge(sig, siglen, data, len, r, err);
}

static int
fake_verify_opaque(struct crypto_engine *e, const char *data, size_t len,
    struct crypto_result *r, struct cachet_err *err)
{
	const char *nl = data != NULL ? memchr(data, '\n', len) : NULL;
	size_t hl;
	int rc;

	if (nl == NULL)
		return cachet_err(err, CACHET_E_INVAL, "fake: not signed");
	hl = (size_t)(nl - data);
	rc = judge(data, hl, nl + 1, len - hl - 1, r, err);
	if (rc == 0) {
		r->plaintext_len = len - hl - 1;
		r->plaintext = bytes_dup(nl + 1, r->plaintext_len);
	}
	return rc;
}

static int
fake_decrypt(struct crypto_engine *e, const char *data, size_t len,
    struct crypto_result *r, struct cachet_err *err)
{
	size_t n = strlen(ENC_PREFIX);

	if (starts(data, len, NOMDC_PREFIX)) {
		r->cipher = xstrdup("CAST5");
		return cachet_err(err, CACHET_E_INVAL,
		    "fake: no integrity protection");
	}
	if (!starts(data, len, ENC_PREFIX))
		return cachet_err(err, CACHET_E_INVAL, "fake: not encrypted");
	r->cipher = xstrdup("AES256");
	r->recipients = xcalloc(1, sizeof(*r->recipients));
	r->recipients[0] = xstrdup(FAKE_FPR);
	r->nrecipients = 1;
	r->decrypted = r->integrity = true;
	if (starts(data + n, len - n, SIG_PREFIX) &&
	    fake_verify_opaque(e, data + n, len - n, r, NULL) == 0)
		return 0;
	r->plaintext_len = len - n;
	r->plaintext = bytes_dup(data + n, len - n);
	return 0;
}

static bool
is_fake_key(const char *who)
{
	return who != NULL && (strcasecmp(who, FAKE_ADDR) == 0 ||
	    strcmp(who, FAKE_FPR) == 0);
}

static int
fake_sign(struct crypto_engine *e, const char *signer, const char *data,
    size_t len, bool detached, char **out, size_t *outlen, char **micalg,
    struct cachet_err *err)
{
	struct buf b = BUF_INIT;
	char hex[65];

	if (!is_fake_key(signer))
		return cachet_err(err, CACHET_E_NOTFOUND, "fake: no such key");
	sha256_hex(data != NULL ? data : "", data != NULL ? len : 0, hex);
	buf_addf(&b, SIG_PREFIX "%s:%s", FAKE_FPR, hex);
	if (!detached) {
		buf_addc(&b, '\n');
		if (len != 0)
			buf_add(&b, data, len);
	}
	*out = buf_detach(&b, outlen);
	if (micalg != NULL)
		*micalg = xstrdup(e->proto == CRYPTO_PROTO_SMIME ? "sha-256" :
		    "pgp-sha256");
	return 0;
}

static int
fake_encrypt(struct crypto_engine *e, const char *const *recipients,
    size_t nrecipients, const char *signer, const char *data, size_t len,
    char **out, size_t *outlen, struct cachet_err *err)
{
	struct buf b = BUF_INIT;
	char *inner = NULL;
	size_t n = len;
	int rc;

	if (recipients == NULL || nrecipients == 0)
		return cachet_err(err, CACHET_E_INVAL, "fake: no recipients");
	if (signer != NULL &&
	    (rc = fake_sign(e, signer, data, len, false, &inner, &n, NULL,
	    err)) != 0)
		return rc;
	buf_adds(&b, ENC_PREFIX);
	buf_add(&b, inner != NULL ? inner : data, n);
	free(inner);
	*out = buf_detach(&b, outlen);
	return 0;
}

static void
fake_key(struct crypto_engine *e, struct crypto_key *k)
{
	memset(k, 0, sizeof(*k));
	k->proto = e->proto;
	k->fpr = xstrdup(FAKE_FPR);
	k->uids = xcalloc(1, sizeof(*k->uids));
	k->uids[0] = xstrdup(FAKE_UID);
	k->nuids = 1;
	k->addrs = xcalloc(1, sizeof(*k->addrs));
	k->addrs[0] = xstrdup(FAKE_ADDR);
	k->naddrs = 1;
	k->validity = CRYPTO_TRUST_FULL;
	k->owner_trust = CRYPTO_TRUST_ULTIMATE;
	k->created = 1700000000;
	k->can_sign = k->can_encrypt = k->has_secret = true;
	k->origin = xstrdup("keyring");
}

static int
fake_list_keys(struct crypto_engine *e, const char *pattern, bool secret,
    struct crypto_key **out, size_t *n, struct cachet_err *err)
{
	*out = NULL;
	*n = 0;
	if (pattern != NULL && *pattern != '\0' &&
	    strcasestr(FAKE_UID " " FAKE_FPR, pattern) == NULL)
		return 0;
	*out = xcalloc(1, sizeof(**out));
	fake_key(e, *out);
	*n = 1;
	return 0;
}

static int
fake_import(struct crypto_engine *e, const char *data, size_t len,
    struct crypto_key **out, size_t *n, struct cachet_err *err)
{
	*out = NULL;
	*n = 0;
	if (!starts(data, len, "FAKEKEY"))
		return cachet_err(err, CACHET_E_INVAL, "fake: no key found");
	return fake_list_keys(e, NULL, false, out, n, err);
}

static int
fake_export(struct crypto_engine *e, const char *who, bool minimal,
    char **out, size_t *outlen, struct cachet_err *err)
{
	*out = NULL;
	*outlen = 0;
	if (who == NULL || (strcasecmp(who, FAKE_ADDR) != 0 &&
	    strcasecmp(who, FAKE_FPR) != 0))
		return cachet_err(err, CACHET_E_NOTFOUND, "fake: no key");
	*out = xstrdup("FAKEKEY " FAKE_FPR "\n");
	*outlen = strlen(*out);
	return 0;
}

const struct crypto_engine_ops crypto_engine_fake = {
	.name = "fake",
	.protocols = CRYPTO_PROTO_OPENPGP | CRYPTO_PROTO_SMIME,
	.caps = CRYPTO_CAP_VERIFY | CRYPTO_CAP_DECRYPT | CRYPTO_CAP_SIGN |
	    CRYPTO_CAP_ENCRYPT | CRYPTO_CAP_FIND_KEYS | CRYPTO_CAP_LIST_KEYS |
	    CRYPTO_CAP_IMPORT | CRYPTO_CAP_EXPORT,
	.open = fake_open,
	.close = fake_close,
	.verify_detached = fake_verify_detached,
	.verify_opaque = fake_verify_opaque,
	.decrypt = fake_decrypt,
	.sign = fake_sign,
	.encrypt = fake_encrypt,
	.list_keys = fake_list_keys,
	.import = fake_import,
	.export_key = fake_export,
};
