/*
 * compose: writing mail. A message being written is a struct compose_msg
 * (UTF-8 fields as the user typed them); it comes from an editor file
 * (compose_draft_parse), a reply or forward of a stored message
 * (compose_reply), a mailto: URI (compose_mailto) or a saved draft
 * (compose_from_message), and becomes the bytes that are sent with
 * compose_build: MIME built with libetpan (RFC 2047 headers, transfer
 * encodings chosen by content, Date and Message-ID), then signed and/or
 * encrypted through the crypto engines (PGP/MIME, S/MIME multipart/signed
 * and enveloped-data; protected headers with a neutral outer Subject).
 * The signed bytes are exactly the bytes sent: canonical CRLF, nothing
 * re-encoded after signing. Only strong algorithms go out (SHA-256 or
 * better, AES): the engines refuse anything weaker.
 * Runs on any thread; every crypto call uses the caller's engines.
 */
#ifndef CACHET_COMPOSE_H
#define CACHET_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/crypto.h"
#include "util/util.h"

enum compose_sec {
	COMPOSE_SIGN = 1 << 0,
	COMPOSE_ENCRYPT = 1 << 1,
};

enum compose_proto {
	COMPOSE_PROTO_AUTO = 0,	/* the protocol for which every recipient
				 * has a valid key; OpenPGP when both do */
	COMPOSE_PROTO_OPENPGP,
	COMPOSE_PROTO_SMIME,
};

struct compose_attachment {
	char *path;		/* file to read at build time, or NULL when
				 * data is set */
	char *name;		/* file name sent (UTF-8, no directories) */
	char *type;		/* media type; NULL: from the name, then
				 * from the content */
	char *data;		/* in-memory content (a forwarded message) */
	size_t len;
};

/*
 * The user's own keys for one protocol, from the account's configuration:
 * fingerprints (or addresses), "" for "find by the From address". Fixed
 * size so that a compose_msg can be copied by value.
 */
#define COMPOSE_OWNKEY_MAX 130
struct compose_ownkeys {
	char sign[COMPOSE_OWNKEY_MAX];		/* signing key */
	char encrypt[COMPOSE_OWNKEY_MAX];	/* encryption key: encrypt to
						 * self, Autocrypt, attached */
};

/* A chosen key for one address (from the compose screen's picker). */
struct compose_keychoice {
	char *addr;		/* lower-case bare address */
	char *fpr;		/* fingerprint to use for it */
};

struct compose_msg {
	char *from;		/* "Name <addr>" */
	char *to;		/* address lists as typed, comma separated */
	char *cc;
	char *bcc;
	char *subject;
	char *in_reply_to;	/* message id without <>, or NULL */
	char *references;	/* ids without <>, space-separated, or NULL */
	char *body;		/* UTF-8, LF line ends */
	struct compose_attachment *atts;
	size_t natts;
	unsigned security;	/* enum compose_sec */
	enum compose_proto proto;
	char *sign_key;		/* signing key (address or fingerprint);
				 * NULL: the From address */
	char *enc_self_key;	/* own encryption key; NULL: From address */
	struct compose_keychoice *keys;	/* recipient key choices */
	size_t nkeys;
	bool encrypt_to_self;	/* default true (compose_msg_init) */
	bool autocrypt;		/* add an Autocrypt header (OpenPGP) */
	bool attach_pubkey;	/* attach the sender's public key */
	/* Set by compose_reply: what the answered message had. */
	bool quotes_decrypted;	/* the quoted text was decrypted */
	bool orig_encrypted;
	bool orig_signed;
	/*
	 * Own keys per protocol (compose_msg_own_keys fills them). The key
	 * of the protocol in use is taken unless sign_key / enc_self_key
	 * override it for every protocol.
	 */
	struct compose_ownkeys own_pgp;
	struct compose_ownkeys own_smime;
	bool autocrypt_mutual;	/* Autocrypt prefer-encrypt=mutual */
};

void compose_msg_init(struct compose_msg *m);
/*
 * Set m's own keys (compose_keydist.c); NULL or "" leaves one unset, a
 * value too long for the field is ignored.
 */
void compose_msg_own_keys(struct compose_msg *m, const char *pgp_sign,
    const char *pgp_encrypt, const char *smime_sign,
    const char *smime_encrypt);
void compose_msg_release(struct compose_msg *m);
/* Append an attachment (copies the strings); name NULL: basename. */
void compose_msg_attach_file(struct compose_msg *m, const char *path,
    const char *name, const char *type);

/*
 * The editor file: header lines (From, To, Cc, Bcc, Subject; folded lines
 * allowed), an empty line, the body. compose_draft_format writes it
 * (owned); compose_draft_parse reads the edited file back into m,
 * replacing those fields and the body and keeping everything else.
 * Unknown header names are an error naming the line (nothing changed).
 */
char *compose_draft_format(const struct compose_msg *m);
int compose_draft_parse(struct compose_msg *m, const char *text, size_t len,
    struct cachet_err *err);

enum compose_reply_mode {
	COMPOSE_REPLY,
	COMPOSE_REPLY_ALL,
	COMPOSE_FORWARD_INLINE,
	COMPOSE_FORWARD_ATTACH,
};

/*
 * Start a reply or forward of raw[0..len). st is the message's security
 * status when known (its display, protected Subject and flags are used:
 * a reply quotes only what the pager showed, i.e. the decrypted content
 * when there is one; encryption is turned on for a reply to an encrypted
 * message and signing for a reply to a signed one). identity is the
 * user's "Name <addr>" (excluded from reply-all). m is initialised here.
 */
int compose_reply(const char *raw, size_t len, const struct crypto_status *st,
    enum compose_reply_mode mode, const char *identity,
    struct compose_msg *m, struct cachet_err *err);

/*
 * A mailto: URI (RFC 6068): only to, cc, bcc, subject, body and
 * in-reply-to are taken; every other field (attach, file, from, ...) is
 * ignored. m is initialised here.
 */
int compose_mailto(const char *uri, struct compose_msg *m,
    struct cachet_err *err);

/* What compose_build produced. */
struct compose_out {
	char *data;		/* the message as sent: CRLF, no Bcc field */
	size_t len;
	char *env_from;		/* bare sender address */
	char **rcpts;		/* To, Cc and Bcc bare addresses, each once */
	size_t nrcpts;
	char *message_id;	/* without <> */
	enum compose_proto proto;	/* the protocol used, 0 if none */
};
void compose_out_release(struct compose_out *o);

/*
 * Build the message. Encryption goes to every recipient (Bcc included)
 * and, with encrypt_to_self, the sender; a recipient without a usable key
 * is refused (CACHET_E_INVAL naming the addresses) and nothing is built.
 * c holds the engines (either may be NULL when not needed).
 * attach_pubkey: the sender's OpenPGP key (own_pgp.encrypt, else the From
 * address) goes along armoured as application/pgp-keys, named
 * OpenPGP_0x<last 16 hex digits of its fingerprint>.asc, inside what is
 * signed and encrypted; no such key is an error. autocrypt: an Autocrypt
 * header (Level 1) with the same key in minimal form is added to the
 * outer header when the message goes out as OpenPGP or in the clear,
 * never with S/MIME; without an OpenPGP key for From it is left out.
 */
int compose_build(const struct compose_msg *m, const struct crypto_ctx *c,
    struct compose_out *out, struct cachet_err *err);

/*
 * A draft to save in the Drafts folder: the message with X-Cachet-Draft
 * (security choices) and Bcc kept; encrypted to the user's own key only
 * when m asks for encryption. compose_from_message reads a saved draft
 * (or any message) back into m, decrypting with c when needed.
 */
int compose_build_draft(const struct compose_msg *m,
    const struct crypto_ctx *c, struct compose_out *out,
    struct cachet_err *err);
int compose_from_message(const char *raw, size_t len,
    const struct crypto_ctx *c, struct compose_msg *m,
    struct cachet_err *err);

/* Per-recipient key status for the compose screen. */
enum compose_keystate {
	COMPOSE_KEY_VALID,	/* one usable, valid key */
	COMPOSE_KEY_UNTRUSTED,	/* usable but not validated */
	COMPOSE_KEY_EXPIRED,
	COMPOSE_KEY_REVOKED,
	COMPOSE_KEY_MISSING,	/* no key at all */
	COMPOSE_KEY_AMBIGUOUS,	/* several usable keys: pick one */
};

struct compose_keystat {
	char *addr;		/* lower-case bare address */
	enum compose_proto proto;
	enum compose_keystate state;
	char *fpr;		/* the key that would be used, or NULL */
	char *origin;		/* "keyring", "chosen", ... (sanitised) */
	size_t ncandidates;	/* keys found for the address */
};

/*
 * The status of every recipient's key (To, Cc, Bcc, and the sender's own
 * for encrypt-to-self), one entry per address and protocol that has an
 * engine in c. Choices in m->keys are honoured. *auto_proto: the protocol
 * AUTO would pick (0 when no protocol has a valid key for everyone).
 */
int compose_key_status(const struct compose_msg *m,
    const struct crypto_ctx *c, struct compose_keystat **out, size_t *n,
    enum compose_proto *auto_proto, struct cachet_err *err);
void compose_keystats_free(struct compose_keystat *k, size_t n);

/* "valid", "untrusted", "expired", "revoked", "missing", "choose". */
const char *compose_keystate_name(enum compose_keystate s);

#endif
