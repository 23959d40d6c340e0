/*
 * Private to the security-status code (crypto_status*.c, crypto_frame.c,
 * crypto_report.c): the MIME structure as the framing sees it, and the
 * state of one status computation. No library types in here.
 */
#ifndef CACHET_CRYPTO_STATUS_INT_H
#define CACHET_CRYPTO_STATUS_INT_H

#include "crypto/crypto.h"
#include "mime/mime_walk.h"

/* Limits on hostile input: the MIME walk's, shared with the renderer. */
#define CRYPTO_FRAME_MAX_DEPTH MIME_WALK_MAX_DEPTH	/* nesting */
#define CRYPTO_FRAME_MAX_NODES MIME_WALK_MAX_NODES	/* parts, in all */
#define CRYPTO_FIELD_MAX MIME_WALK_FIELD_MAX	/* one header field */
/* Limits of the status itself. */
#define CRYPTO_MAX_PARTS 32		/* protected parts judged */
#define CRYPTO_MAX_LAYERS 8		/* containers decrypted/opened
					 * inside each other */
#define CRYPTO_INLINE_MAX 16		/* inline PGP blocks per part */
#define CRYPTO_CONTENT_MAX (64u * 1024 * 1024)	/* plaintext, display */

/* ------------------------------------------------------ crypto_frame.c */

/* One MIME entity inside a buffer the framing examines: a node of the
 * walk of src/mime/mime_walk.c (which owns the strings) with a path. */
struct crypto_node {
	const char *start;	/* the entity: header and body */
	size_t len;
	const char *hdr;	/* header block (up to the empty line) */
	size_t hdr_len;
	const char *body;	/* still transfer-encoded */
	size_t body_len;
	char *type;		/* "text/plain", lower case */
	/* Content-Type parameters, NULL when absent; protocol,
	 * smime-type, micalg and charset lower case, the boundary as given; a
	 * charset that is not a plain token is absent. */
	char *protocol;
	char *smime_type;
	char *micalg;
	char *charset;
	char *boundary;
	bool protected_headers;	/* protected-headers="v1" */
	int encoding;		/* libetpan's MAILMIME_MECHANISM_* */
	bool is_message;	/* the root of a message (has its From) */
	char *path;
	int depth;
	struct crypto_node *parent;
	struct crypto_node *child;
	struct crypto_node *next;
};

struct crypto_frame {
	struct crypto_node *root;	/* the nodes, in walk order */
	size_t nnodes;
	struct mime_walk_node *walk;	/* owns the nodes' strings */
	int *budget;		/* nodes still allowed, shared */
	bool truncated;		/* a limit cut the tree short */
};

/*
 * Parse buf (which must outlive the frame) as a message (message: an
 * mbox "From " line is skipped and a header is read only if it starts
 * with a field) or as an entity, giving the root path `path` and depth
 * `depth`. Never fails: what cannot be parsed is a text/plain leaf.
 */
void crypto_frame_parse(struct crypto_frame *f, const char *buf, size_t len,
    bool message, const char *path, int depth, int *budget);
void crypto_frame_release(struct crypto_frame *f);

bool crypto_node_is(const struct crypto_node *n, const char *type);
bool crypto_node_is_multipart(const struct crypto_node *n);
size_t crypto_node_nchildren(const struct crypto_node *n);
/* Is the body stored as it is (no base64, no quoted-printable)? */
bool crypto_node_is_identity(const struct crypto_node *n);
/* The body with its transfer encoding undone (owned, NUL-terminated). */
char *crypto_node_decode(const struct crypto_node *n, size_t *len);

/* One header field of a header block. */
struct crypto_field {
	const char *name;
	size_t name_len;
	const char *value;	/* raw, folded; without the final newline */
	size_t value_len;
};
/* Next field at *pos of hdr[0..len); false at the end. */
bool crypto_field_next(const char *hdr, size_t len, size_t *pos,
    struct crypto_field *f);
bool crypto_field_is(const struct crypto_field *f, const char *name);
/* The value unfolded (line breaks and NULs become spaces), owned. */
char *crypto_field_unfold(const struct crypto_field *f);

/* Bytes with every bare LF made CRLF (RFC 3156, RFC 8551), owned. */
char *crypto_canon_crlf(const char *p, size_t len, size_t *outlen);

/* Free a buffer that may hold plaintext, wiping it first; NULL is ok. */
void crypto_secret_free(char *p, size_t len);

/* ------------------------------------------------- crypto_status*.c */

/* Who a part inside one message should be signed by. */
struct crypto_sender {
	bool ambiguous;
	char *addr;		/* lower case; NULL when ambiguous */
};

/* crypto_status_sender.c */
void crypto_sender_parse(const char *hdr, size_t len,
    struct crypto_sender *s);
void crypto_sender_release(struct crypto_sender *s);
/* Does any address of sig equal s->addr? */
bool crypto_sender_matches(const struct crypto_sender *s,
    const struct crypto_sig *sig);

/* A replacement of one entity of a buffer by new bytes (owned). */
struct crypto_splice {
	size_t off;
	size_t len;
	char *data;
	size_t data_len;
};

/* The state of one crypto_status_compute. */
struct crypto_walk {
	const struct crypto_ctx *ctx;
	struct crypto_status *st;
	int budget;		/* MIME nodes left */
	int layers;		/* containers opened, current depth */
	bool parts_full;	/* CRYPTO_MAX_PARTS reached */
};

/* One buffer being walked: its frame and the replacements found. */
struct crypto_level {
	struct crypto_walk *w;
	const char *buf;
	size_t len;
	const struct crypto_sender *sender;	/* of the message around */
	struct crypto_splice *splices;
	size_t nsplices;
};

/* crypto_status_walk.c */
/*
 * Walk buf (an entity: a message when message is set) whose root has
 * path `path`, at root position or not; return the buffer to display
 * instead (owned, secret) or NULL when nothing was replaced.
 */
char *crypto_walk_buffer(struct crypto_walk *w, const char *buf,
    size_t len, bool message, const char *path, int depth, bool root_pos,
    const struct crypto_sender *sender, size_t *outlen);
/* Walk node n of level lv. */
void crypto_walk_node(struct crypto_level *lv, struct crypto_node *n,
    bool root_pos);
/* A new part status (NULL when CRYPTO_MAX_PARTS is reached). */
struct crypto_part_status *crypto_walk_part(struct crypto_walk *w,
    const struct crypto_node *n, enum crypto_part_kind kind,
    enum crypto_proto proto);
struct crypto_engine *crypto_walk_engine(struct crypto_walk *w,
    struct crypto_part_status *p);
/* Record a replacement of node n's entity by content (taken). */
void crypto_walk_splice(struct crypto_level *lv, const struct crypto_node *n,
    char *content, size_t content_len);
/* Take the Subject of n if it carries protected headers. */
void crypto_walk_protected(struct crypto_walk *w, const struct crypto_node *n);
/* Sanitise every string an engine put in r (again: engines are meant
 * to, but the status promises it whatever the engine). */
void crypto_walk_clean(struct crypto_result *r);
/* Judge the signatures in p->res: sender binding, weak digests. */
void crypto_walk_judge_sigs(struct crypto_level *lv,
    struct crypto_part_status *p);
/* Decryption facts of p->res: weak cipher, integrity; false: failed. */
bool crypto_walk_judge_decrypt(struct crypto_walk *w,
    struct crypto_part_status *p, bool aead_known, bool aead);
/*
 * Content of a container (decrypted or opaque signed) at node n: walk it
 * and splice it (or its own display) in place of n. Takes content.
 */
void crypto_walk_content(struct crypto_level *lv, struct crypto_node *n,
    char *content, size_t len, bool root_pos, bool is_entity,
    const char *charset);

/* crypto_status_mime.c: PGP/MIME and S/MIME containers */
void crypto_walk_signed(struct crypto_level *lv, struct crypto_node *n,
    bool root_pos);
void crypto_walk_pgp_encrypted(struct crypto_level *lv,
    struct crypto_node *n, bool root_pos);
void crypto_walk_pkcs7(struct crypto_level *lv, struct crypto_node *n,
    bool root_pos);

/* crypto_status_inline.c: inline PGP in text parts */
void crypto_walk_inline(struct crypto_level *lv, struct crypto_node *n,
    bool root_pos);

/* crypto_status_verdict.c: the message-level verdict and summary */
void crypto_status_finish(struct crypto_status *st);
const char *crypto_sig_result_name(enum crypto_sig_result r);
const char *crypto_part_kind_name(enum crypto_part_kind k);
const char *crypto_proto_name(enum crypto_proto p);
const char *crypto_trust_name(enum crypto_trust t);
const char *crypto_revocation_name(enum crypto_revocation r);
/* Flag names, in bit order; NULL past the last. */
const char *crypto_flag_name(unsigned bit);
bool crypto_weak_cipher(const char *cipher);
bool crypto_weak_digest(const char *digest);

#endif
