/*
 * compose internals: the split between building the MIME message
 * (compose_mime.c and friends) and securing it (compose_secure.c).
 */
#ifndef CACHET_COMPOSE_INT_H
#define CACHET_COMPOSE_INT_H

#include "compose/compose.h"

/* What the MIME builder produces before any signing or encryption. */
struct compose_parts {
	char *headers;		/* outer header fields (From, To, Cc, [Bcc],
				 * Subject, Date, Message-ID, In-Reply-To,
				 * References, MIME-Version), CRLF, without
				 * the empty line and without Content-* */
	char *entity;		/* the content entity: its Content-* fields,
				 * empty line, body; CRLF, 7-bit clean */
	size_t entity_len;
	char *env_from;		/* bare sender address */
	char **rcpts;		/* To, Cc, Bcc bare addresses, each once,
				 * lower case */
	size_t nrcpts;
	char *message_id;	/* without <> */
};
void compose_parts_release(struct compose_parts *p);

struct compose_mime_opts {
	bool keep_bcc;		/* drafts keep Bcc */
	bool protect;		/* protected headers: the entity's
				 * Content-Type carries protected-headers="v1"
				 * and copies of From, To, Cc, Subject, Date,
				 * Message-ID, Reply-To; the outer Subject is
				 * "..." */
	const char *extra;	/* more outer header lines (CRLF-terminated),
				 * e.g. X-Cachet-Draft or Autocrypt; or NULL */
};

/* Build the unsecured message parts from m (attachments read here). */
int compose_mime_build(const struct compose_msg *m,
    const struct compose_mime_opts *o, struct compose_parts *p,
    struct cachet_err *err);

/*
 * Sign and/or encrypt the entity (compose_secure.c). security and proto
 * as in struct compose_msg (proto not AUTO here); signer is an address or
 * fingerprint; rcpts are the encryption recipients (addresses or
 * fingerprints, the sender's own included by the caller). *out gets the
 * replacement entity: multipart/signed, multipart/encrypted or
 * application/pkcs7-mime, CRLF, with its Content-* fields.
 */
int compose_secure(const struct crypto_ctx *c, unsigned security,
    enum compose_proto proto, const char *signer,
    const char *const *rcpts, size_t nrcpts, const char *entity,
    size_t len, char **out, size_t *outlen, struct cachet_err *err);

#endif
