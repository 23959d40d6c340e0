/*
 * mime/walk: the one walk over the MIME structure of a message. The
 * renderer (mime_tree.c) and the security framing (src/crypto) both build
 * their trees from it, so that what is judged is what is shown. Nodes
 * keep the exact byte ranges of every entity and the Content-* fields
 * both sides read. No library types in here: src/crypto includes it.
 */
#ifndef CACHET_MIME_WALK_H
#define CACHET_MIME_WALK_H

#include <stdbool.h>
#include <stddef.h>

/* Limits on hostile input: beyond them we degrade, never fail. */
#define MIME_WALK_MAX_DEPTH 32		/* nested multiparts, messages */
#define MIME_WALK_MAX_NODES 1024	/* parts in one message, in all */
#define MIME_WALK_BOUNDARY_MAX 200	/* bytes of a boundary */
#define MIME_WALK_FIELD_MAX (64 * 1024)	/* one header field, folded */

/* One header field of a header block. */
struct mime_walk_field {
	const char *name;
	size_t name_len;
	const char *value;	/* raw, folded; without the final newline */
	size_t value_len;
};

/*
 * Next field at *pos of hdr[0..len); false at the end. Lines that are not
 * fields (no colon, an mbox "From " line) are skipped.
 */
bool mime_walk_field_next(const char *hdr, size_t len, size_t *pos,
    struct mime_walk_field *f);
bool mime_walk_field_is(const struct mime_walk_field *f, const char *name);
/* The value unfolded (line breaks and NULs become spaces), owned. */
char *mime_walk_field_unfold(const struct mime_walk_field *f);

/* One MIME entity inside the buffer walked. */
struct mime_walk_node {
	const char *start;	/* the entity: header and body */
	size_t len;
	const char *hdr;	/* header block (up to the empty line) */
	size_t hdr_len;
	const char *body;	/* still transfer-encoded */
	size_t body_len;
	char *type;		/* "text/plain", lower case, never NULL */
	/*
	 * Content-Type parameters, NULL when absent. The first of each
	 * name counts. boundary as given; protocol, smime-type, micalg
	 * and charset_token lower case, charset_token only when it is a
	 * plain token; charset decoded (RFC 2231, RFC 2047) as the
	 * renderer reads text with it, only when the type is valid.
	 */
	char *boundary;
	char *protocol;
	char *smime_type;
	char *micalg;
	char *charset_token;
	char *charset;
	bool protected_headers;	/* protected-headers="v1" */
	/* Content-Disposition filename, else Content-Type name: decoded
	 * and made safe to show and save under; NULL if none. */
	char *filename;
	bool attachment;	/* Content-Disposition: attachment */
	int encoding;		/* libetpan's MAILMIME_MECHANISM_* */
	bool is_message;	/* the root of a message (has its From) */
	int depth;
	struct mime_walk_node *parent;
	struct mime_walk_node *child;
	struct mime_walk_node *next;
};

/* One walk: its limits in, what they did out. */
struct mime_walk {
	int *budget;		/* nodes still allowed, may be shared */
	bool messages;		/* descend into message/rfc822 parts in an
				 * identity encoding (child P.1) */
	bool truncated;		/* a limit cut the tree short */
};

/*
 * Walk buf (which must outlive the tree) as a message (message: an mbox
 * "From " line is skipped) or as a part, at nesting depth `depth`. A
 * header is read only if the entity starts with a field. Delimiters are
 * "--boundary" lines with optional trailing white space ("--boundary--"
 * closes), the newline before a delimiter belongs to it, a missing close
 * delimiter lets the last part run to the end; nesting stops at
 * MIME_WALK_MAX_DEPTH and every node takes one from *w->budget. Never
 * fails: a multipart that cannot be split becomes a text/plain leaf
 * (application/octet-stream at the depth limit).
 */
struct mime_walk_node *mime_walk_parse(struct mime_walk *w, const char *buf,
    size_t len, bool message, int depth);
void mime_walk_free(struct mime_walk_node *n);

bool mime_walk_is(const struct mime_walk_node *n, const char *type);
bool mime_walk_is_multipart(const struct mime_walk_node *n);
/* Is the encoding an identity one (no base64, no quoted-printable)? */
bool mime_walk_is_identity(int encoding);
/*
 * body[0..len) with transfer encoding `encoding` undone (owned,
 * NUL-terminated); identity or undecodable bodies are copied. Every
 * temporary copy is wiped: the body may be plaintext.
 */
char *mime_walk_decode(const char *body, size_t len, int encoding,
    size_t *outlen);

#endif
