/*
 * compose internals for handing out the user's own keys
 * (compose_keydist.c): which own key a protocol uses, the attached public
 * key and the Autocrypt header. No library types in here.
 */
#ifndef CACHET_COMPOSE_KEYDIST_INT_H
#define CACHET_COMPOSE_KEYDIST_INT_H

#include "compose/compose_int.h"

#define COMPOSE_AUTOCRYPT_COLS 78	/* longest Autocrypt header line */

/* The signing key for proto: sign_key, else the own key, else from. */
const char *compose_own_signer(const struct compose_msg *m,
    enum compose_proto proto, const char *from);
/* The own encryption key for proto: enc_self_key, the own key, or NULL. */
const char *compose_own_enc(const struct compose_msg *m,
    enum compose_proto proto);

/*
 * The sender's armoured OpenPGP key as an attachment (owned strings:
 * release with compose_keydist_att_release). from: the bare From address.
 */
int compose_keydist_att(const struct compose_msg *m,
    const struct crypto_ctx *c, const char *from,
    struct compose_attachment *a, struct cachet_err *err);
void compose_keydist_att_release(struct compose_attachment *a);

/*
 * The Autocrypt header field for from (folded, CRLF-terminated, owned),
 * or NULL when there is no single OpenPGP key to put in it.
 */
char *compose_autocrypt_header(const struct compose_msg *m,
    const struct crypto_ctx *c, const char *from);

/*
 * Keep only the user IDs of a binary OpenPGP key (transferable public
 * key) that carry addr, with their signatures; user attributes go too.
 * Returns a new buffer in *out, or -1 (out untouched) when the packets
 * cannot be read or no user ID carries addr.
 */
int compose_keydist_filter_uids(const char *key, size_t len,
    const char *addr, struct buf *out);

#endif
