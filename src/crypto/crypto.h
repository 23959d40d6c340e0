/*
 * crypto: the security status of messages, and the engines that do the
 * cryptography.
 *
 * Layers:
 *  - an *engine* (struct crypto_engine_ops) only transforms bytes and
 *    manages keys: verify a detached or opaque signature, decrypt, sign,
 *    encrypt, list/find/import/export keys. Engines are found by name in
 *    one table (crypto_engine_find); every call takes an engine instance,
 *    no globals.
 *    Shipped: "gpgme" for OpenPGP, "gpgme" for S/MIME (gpgsm), "openssl"
 *    for S/MIME (CMS API), and "fake" for unit tests of the code around.
 *  - the *framing* (PGP/MIME, inline PGP, S/MIME multipart/signed and
 *    application/pkcs7-mime) is written once, in crypto_status.c & co: it
 *    walks the MIME tree, hands canonical bytes to the engine serving that
 *    protocol, and builds the status.
 *  - the *status* (struct crypto_status) is a value: per part what was
 *    signed/encrypted and how, plus the message-level verdict, computed by
 *    the rules in DESIGN.md / the issue, cached in the store.
 *
 * Every string in results comes from structured library APIs and is
 * sanitised (util_sanitize) before it is put in a result. Nothing here
 * touches the network unless the caller turned it on.
 * Runs on any thread; one engine instance belongs to one thread.
 */
#ifndef CACHET_CRYPTO_H
#define CACHET_CRYPTO_H

#include <stdint.h>

#include "util/util.h"

enum crypto_proto {
	CRYPTO_PROTO_OPENPGP = 1 << 0,
	CRYPTO_PROTO_SMIME = 1 << 1,
};

enum crypto_cap {
	CRYPTO_CAP_VERIFY = 1 << 0,
	CRYPTO_CAP_DECRYPT = 1 << 1,
	CRYPTO_CAP_SIGN = 1 << 2,
	CRYPTO_CAP_ENCRYPT = 1 << 3,
	CRYPTO_CAP_FIND_KEYS = 1 << 4,
	CRYPTO_CAP_LIST_KEYS = 1 << 5,
	CRYPTO_CAP_IMPORT = 1 << 6,
	CRYPTO_CAP_EXPORT = 1 << 7,
	CRYPTO_CAP_SCAN = 1 << 8,	/* scan_keys: OpenPGP only */
	CRYPTO_CAP_OWNER_TRUST = 1 << 9,	/* set_owner_trust */
};

/* The result of one signature, judged on its own. */
enum crypto_sig_result {
	CRYPTO_SIG_GOOD = 0,	/* valid, key valid and trusted */
	CRYPTO_SIG_BAD,		/* the data does not match the signature */
	CRYPTO_SIG_UNKNOWN_KEY,	/* no key/certificate to check it with */
	CRYPTO_SIG_EXPIRED,	/* key, certificate or signature expired */
	CRYPTO_SIG_REVOKED,	/* key or certificate revoked */
	CRYPTO_SIG_UNTRUSTED,	/* valid maths, no trust path/anchor */
	CRYPTO_SIG_WEAK,	/* valid but made with a weak digest */
	CRYPTO_SIG_ERROR,	/* malformed, no signer, anything else */
};

enum crypto_trust {
	CRYPTO_TRUST_UNKNOWN = 0,
	CRYPTO_TRUST_NEVER,
	CRYPTO_TRUST_MARGINAL,
	CRYPTO_TRUST_FULL,
	CRYPTO_TRUST_ULTIMATE,
};

enum crypto_revocation {
	CRYPTO_REV_NOT_CHECKED = 0,
	CRYPTO_REV_GOOD,
	CRYPTO_REV_REVOKED,
};

/* One certificate of an X.509 chain, leaf first. */
struct crypto_cert {
	char *subject;
	char *issuer;
	char *serial;
	char *fpr_sha256;	/* hex */
	int64_t not_before;
	int64_t not_after;
	char *key_usage;	/* "digitalSignature, keyEncipherment" */
	char *ext_key_usage;	/* "emailProtection" */
	bool is_ca;
};

struct crypto_sig {
	enum crypto_sig_result result;
	char *fpr;		/* full fingerprint (OpenPGP) or SHA-256 of
				 * the certificate (S/MIME), hex upper case */
	char *signer;		/* primary user ID / certificate subject */
	char **addrs;		/* signer e-mail addresses, lower case */
	size_t naddrs;
	char *digest;		/* "SHA256" */
	char *pubkey_algo;	/* "ed25519", "RSA-3072" */
	int64_t created;	/* signing time, 0 if unknown */
	enum crypto_trust trust;	/* validity of the key / chain */
	enum crypto_revocation revocation;
	struct crypto_cert *chain;	/* S/MIME only, leaf first */
	size_t nchain;
	char *note;		/* engine's explanation, e.g. "no trust anchor" */
};

/* What an engine call produced. Caller-owned; crypto_result_release. */
struct crypto_result {
	struct crypto_sig *sigs;	/* one per signature */
	size_t nsigs;
	bool decrypted;		/* the engine decrypted the container */
	bool integrity;		/* MDC/AEAD/CMS authenticated or n/a */
	char *cipher;		/* "AES256" */
	char **recipients;	/* key ids / certificate subjects */
	size_t nrecipients;
	char *plaintext;	/* decrypted or opaque-signed content */
	size_t plaintext_len;
};
void crypto_result_release(struct crypto_result *r);

/* A key or certificate as the key views list it. */
struct crypto_key {
	enum crypto_proto proto;
	char *fpr;
	char **uids;		/* user IDs / subject + alt names */
	size_t nuids;
	char **addrs;
	size_t naddrs;
	enum crypto_trust validity;
	enum crypto_trust owner_trust;	/* OpenPGP only */
	int64_t created;
	int64_t expires;	/* 0: never */
	bool revoked;
	bool expired;
	bool can_sign;
	bool can_encrypt;
	bool has_secret;
	char *issuer;		/* S/MIME */
	char *origin;		/* "keyring", "WKD", "Autocrypt", ...; cachet's
				 * own record (cmd_keys_list) adds detail:
				 * "WKD https://...", "attachment <id>" */
};
void crypto_keys_free(struct crypto_key *k, size_t n);

struct crypto_engine;

/* Passphrase prompt supplied by the UI (never echoed, never logged). */
typedef int (*crypto_passphrase_fn)(void *ctx, const char *hint,
    char *buf, size_t len);

struct crypto_engine_opts {
	const char *gnupg_home;	/* NULL: $GNUPGHOME or ~/.gnupg */
	const char *ca_file;	/* openssl: trust anchors; NULL: system */
	const char *store_dir;	/* openssl: collected certificates */
	bool allow_network;	/* key lookup, CRL fetch */
	crypto_passphrase_fn passphrase;
	void *passphrase_ctx;
};

struct crypto_engine_ops {
	const char *name;	/* "gpgme", "openssl", "fake" */
	unsigned protocols;	/* enum crypto_proto */
	unsigned caps;		/* enum crypto_cap */
	int (*open)(struct crypto_engine **out, enum crypto_proto proto,
	    const struct crypto_engine_opts *o, struct cachet_err *err);
	void (*close)(struct crypto_engine *e);
	/*
	 * Verify sig over data (detached: the exact canonical bytes that were
	 * signed). Fills r->sigs. A return of 0 means the engine produced a
	 * verdict (which may be BAD); an error means it could not judge.
	 */
	int (*verify_detached)(struct crypto_engine *e, const char *data,
	    size_t len, const char *sig, size_t siglen,
	    struct crypto_result *r, struct cachet_err *err);
	/* Opaque signature (inline PGP clear-signed, CMS signed-data):
	 * fills r->sigs and r->plaintext with the signed content. */
	int (*verify_opaque)(struct crypto_engine *e, const char *data,
	    size_t len, struct crypto_result *r, struct cachet_err *err);
	/* Decrypt (and verify anything signed inside). On any decryption or
	 * integrity failure: error, and r holds no plaintext at all. */
	int (*decrypt)(struct crypto_engine *e, const char *data, size_t len,
	    struct crypto_result *r, struct cachet_err *err);
	int (*sign)(struct crypto_engine *e, const char *signer,
	    const char *data, size_t len, bool detached, char **out,
	    size_t *outlen, char **micalg, struct cachet_err *err);
	int (*encrypt)(struct crypto_engine *e, const char *const *recipients,
	    size_t nrecipients, const char *signer, const char *data,
	    size_t len, char **out, size_t *outlen, struct cachet_err *err);
	int (*list_keys)(struct crypto_engine *e, const char *pattern,
	    bool secret, struct crypto_key **out, size_t *n,
	    struct cachet_err *err);
	int (*import)(struct crypto_engine *e, const char *data, size_t len,
	    struct crypto_key **out, size_t *n, struct cachet_err *err);
	/*
	 * The public key of who (an address or a fingerprint), for sending
	 * to others: the one valid key or certificate that matches (no key:
	 * CACHET_E_NOTFOUND; several: CACHET_E_INVAL, name one by
	 * fingerprint). OpenPGP: ASCII-armoured; with minimal, binary and
	 * stripped of third-party signatures (GPGME_EXPORT_MODE_MINIMAL:
	 * what Autocrypt's keydata carries; every user ID and subkey stays).
	 * S/MIME: the certificate alone, DER (minimal is ignored). *out is
	 * owned by the caller and NUL-terminated after *outlen bytes.
	 */
	int (*export_key)(struct crypto_engine *e, const char *who,
	    bool minimal, char **out, size_t *outlen, struct cachet_err *err);
	/*
	 * The keys data[0..len) holds, described as list_keys describes
	 * keys, without importing anything (so that an import can be
	 * checked first). Validity and owner trust are unknown. OpenPGP;
	 * NULL when the engine cannot (CRYPTO_CAP_SCAN).
	 */
	int (*scan_keys)(struct crypto_engine *e, const char *data,
	    size_t len, struct crypto_key **out, size_t *n,
	    struct cachet_err *err);
	/*
	 * Set the OpenPGP owner trust of the key whose primary fingerprint
	 * is fpr (the full fingerprint: nothing shorter is accepted) to
	 * level (CRYPTO_TRUST_UNKNOWN .. ULTIMATE). The trust database
	 * changes, and with it the validity of keys and cached statuses.
	 * NULL when the engine cannot (CRYPTO_CAP_OWNER_TRUST).
	 */
	int (*set_owner_trust)(struct crypto_engine *e, const char *fpr,
	    enum crypto_trust level, struct cachet_err *err);
};

/* Engine table lookup: the engine `name` serving `proto`, or NULL. */
const struct crypto_engine_ops *crypto_engine_find(const char *name,
    enum crypto_proto proto);

struct crypto_engine {
	const struct crypto_engine_ops *ops;
	enum crypto_proto proto;
	void *priv;		/* the engine's own state */
};

/* Open/close through the table. */
int crypto_engine_open(struct crypto_engine **out, const char *name,
    enum crypto_proto proto, const struct crypto_engine_opts *o,
    struct cachet_err *err);
void crypto_engine_close(struct crypto_engine *e);

/*
 * The security status of one message (crypto_status*.c, crypto_frame.c,
 * crypto_report.c).
 *
 * Verdict rules (issue 4), applied in this order:
 *  - every signature is judged on its own; any signature that is not
 *    GOOD (bad, unknown key, expired, revoked, untrusted, weak digest,
 *    error), any protected part that could not be checked (malformed,
 *    no engine, engine error, a CMS object without signer, a detached
 *    signature carrying content) or decrypted, and any good signature
 *    whose signer is not the single From address make the message
 *    CRYPTO_VERDICT_PROBLEM;
 *  - else, when there are signatures, the message is SIGNED if one of
 *    them covers everything displayed (its part is the message root, the
 *    signed content of a root multipart/signed, the plaintext of a root
 *    encrypted part, or an inline PGP block with nothing but white space
 *    around it in a root text part), else PARTLY_SIGNED;
 *  - else NONE.
 * Sender: exactly one From field holding exactly one mailbox whose display
 * name does not look like another address binds the sender (from_addr);
 * anything else sets CRYPTO_ST_AMBIGUOUS_SENDER and no signer is compared
 * (the verdict stays what the signatures make it, with the warning flag).
 * A good signature none of whose signer addresses is From: PROBLEM with
 * CRYPTO_ST_SENDER_MISMATCH. Parts inside an attached message/rfc822 are
 * compared with that message's own From.
 * "Encrypted" (CRYPTO_ST_ENCRYPTED) only when the engine decrypted the
 * root container and the displayed content came from inside it. An
 * encrypted part below the root is decrypted only with decrypt_nested
 * (else CRYPTO_ST_NESTED_ENCRYPTED); any encrypted part beside clear
 * content sets CRYPTO_ST_PARTLY_ENCRYPTED. A decryption or integrity
 * failure (OpenPGP without MDC/AEAD is one) wipes and discards every byte
 * of plaintext. S/MIME enveloped-data has no integrity protection of its
 * own (CBC): that is noted (CRYPTO_ST_NO_AEAD), not a failure.
 */
enum crypto_verdict {
	CRYPTO_VERDICT_NONE = 0,	/* no signature at all */
	CRYPTO_VERDICT_SIGNED,		/* good, covers all that is shown */
	CRYPTO_VERDICT_PARTLY_SIGNED,	/* good, covers only some parts */
	CRYPTO_VERDICT_PROBLEM,		/* a signature is not good, or a
					 * protected part could not be
					 * checked or decrypted */
};

enum crypto_status_flag {
	CRYPTO_ST_ENCRYPTED = 1 << 0,	/* root container decrypted */
	CRYPTO_ST_PARTLY_ENCRYPTED = 1 << 1,	/* encrypted parts beside
						 * clear ones */
	CRYPTO_ST_SENDER_MISMATCH = 1 << 2,
	CRYPTO_ST_AMBIGUOUS_SENDER = 1 << 3,
	CRYPTO_ST_WEAK = 1 << 4,	/* weak digest or cipher somewhere */
	CRYPTO_ST_DECRYPT_FAILED = 1 << 5,
	CRYPTO_ST_NO_INTEGRITY = 1 << 6,	/* no MDC/AEAD: not shown */
	CRYPTO_ST_NESTED_ENCRYPTED = 1 << 7,	/* encrypted part below the
						 * root: decrypt on request */
	CRYPTO_ST_NO_ENGINE = 1 << 8,	/* protocol without an engine */
	CRYPTO_ST_NO_AEAD = 1 << 9,	/* S/MIME CBC enveloped-data: no
					 * integrity check of its own (a
					 * note, not a warning) */
	CRYPTO_ST_TRUNCATED = 1 << 10,	/* limits reached (parts,
					 * nesting): not everything was
					 * examined */
};

/* Flags that keep a message from being reported as cleanly signed. */
#define CRYPTO_ST_WARNINGS (CRYPTO_ST_PARTLY_ENCRYPTED | \
	CRYPTO_ST_SENDER_MISMATCH | CRYPTO_ST_AMBIGUOUS_SENDER | \
	CRYPTO_ST_WEAK | CRYPTO_ST_DECRYPT_FAILED | CRYPTO_ST_NO_INTEGRITY | \
	CRYPTO_ST_NESTED_ENCRYPTED | CRYPTO_ST_NO_ENGINE | CRYPTO_ST_TRUNCATED)

enum crypto_part_kind {
	CRYPTO_PART_SIGNED = 1,		/* multipart/signed, detached */
	CRYPTO_PART_OPAQUE_SIGNED,	/* pkcs7-mime signed-data */
	CRYPTO_PART_INLINE_SIGNED,	/* inline PGP clear-signed */
	CRYPTO_PART_ENCRYPTED,		/* PGP/MIME, pkcs7 enveloped, inline */
};

/*
 * One protected MIME part and what the engine said about it.
 *
 * Paths: the message (its root entity) is "1"; the children of part P
 * are P.1, P.2, ...; the message inside a message/rfc822 part P is P.1.
 * Decrypted or opaque-signed content takes the place (and the path) of
 * its container, so paths name parts of `display` when there is one.
 */
struct crypto_part_status {
	char *path;		/* MIME part path, "1", "1.2", ... */
	enum crypto_part_kind kind;
	enum crypto_proto proto;
	char *type;		/* the container's media type */
	struct crypto_result res;	/* sigs and decryption facts; its
					 * plaintext is moved out (below) */
	char *error;		/* why it could not be checked, or NULL */
	unsigned flags;		/* enum crypto_status_flag, this part's */
	bool covers_all;	/* its signatures cover all that is shown;
				 * for encrypted parts: it is the root */
	char *note;		/* e.g. CBC without integrity, or NULL */
	/* Inline PGP: the 1-based line range of the part's decoded text
	 * (lines as the pager splits them) the signature covers, or the
	 * encrypted block spans (0 when not inline). */
	size_t first_line;
	size_t last_line;
};

struct crypto_status {
	enum crypto_verdict verdict;
	unsigned flags;		/* enum crypto_status_flag */
	char *from_addr;	/* the one From address, lower case, or NULL */
	char *summary;		/* one sanitised line for the banner */
	char *protected_subject;	/* Subject from protected headers
					 * (protected-headers="v1") of the
					 * root content, sanitised, or NULL */
	struct crypto_part_status *parts;
	size_t nparts;
	/*
	 * What to display when it differs from the raw message: the raw
	 * message with each decrypted or opaque-signed container replaced
	 * by its content (the outer header fields other than Content-* are
	 * kept), else NULL. Secret: wiped by crypto_status_release.
	 */
	char *display;
	size_t display_len;
};

/* The engines to use, one per protocol (either may be NULL). */
struct crypto_ctx {
	struct crypto_engine *openpgp;
	struct crypto_engine *smime;
	bool decrypt_nested;	/* the user asked to decrypt a nested part */
};

/*
 * Compute the status of the raw message raw[0..len) (LF or CRLF line
 * ends). Fails only for a missing message (CACHET_E_INVAL); everything
 * wrong inside the message is part of the status. st is overwritten.
 */
int crypto_status_compute(const struct crypto_ctx *c, const char *raw,
    size_t len, struct crypto_status *st, struct cachet_err *err);
void crypto_status_release(struct crypto_status *st);

/* "signed", "partly signed", "problem", "not signed". */
const char *crypto_verdict_name(enum crypto_verdict v);

/*
 * The report `cachet verify` prints and the details view shows: the
 * message-level verdict, then one block per part (plain text), or JSON.
 * Owned by the caller; every string in it is sanitised.
 */
char *crypto_status_report(const struct crypto_status *st, bool json);

#endif
