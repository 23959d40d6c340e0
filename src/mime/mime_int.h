/*
 * mime: helpers shared by the files of the mime module. Library types
 * (libetpan) may appear here; they never leave src/mime.
 */
#ifndef CACHET_MIME_INT_H
#define CACHET_MIME_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <libetpan/libetpan.h>

#include "mime/mime.h"
#include "mime/mime_walk.h"
#include "util/util.h"

/* Limits on hostile input: beyond them we degrade, never fail. The
 * structure limits are the walk's, shared with the security framing. */
#define MIME_MAX_DEPTH MIME_WALK_MAX_DEPTH	/* nested parts, messages */
#define MIME_MAX_NODES MIME_WALK_MAX_NODES	/* parts in one message */
#define MIME_FIELD_MAX MIME_WALK_FIELD_MAX	/* one header field */
#define MIME_INDEX_MAX (256 * 1024)	/* text given to the search index */
#define MIME_INLINE_MSGS 8		/* attached messages shown inline */

/* mime_charset.c */

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0. */
size_t mime_utf8_seq(const unsigned char *s, size_t n);
bool mime_utf8_valid(const char *s, size_t len);
/* Append s to out as valid UTF-8: invalid bytes are read as Latin-1. */
void mime_utf8_repair(struct buf *out, const char *s, size_t len);
/*
 * Convert len bytes from charset to UTF-8. Without a charset (or with
 * US-ASCII) UTF-8 is kept and other bytes are read as Latin-1. Unknown
 * charsets keep ASCII and turn every other byte into '?'; invalid input
 * becomes '?'. Never fails; the result is NUL-terminated and owned.
 */
char *mime_charset_to_utf8(const char *charset, const char *in, size_t len,
    size_t *outlen);
/* Is label a name of UTF-8? */
bool mime_charset_is_utf8(const char *label);
/* The iconv name for a charset label (lower-cased into tmp, or an alias
 * for a superset), NULL when it is not a plausible charset name. */
const char *mime_charset_iconv_name(const char *label, char *tmp,
    size_t tmpsz);

/* mime_charconv.c: libetpan's conversions (RFC 2047 words) go through
 * mime_charconv_install's converter. Idempotent, any thread. */
void mime_charconv_install(void);

/* mime_header.c */

/* How to find where the header block of a message or part ends. */
enum mime_split {
	MIME_SPLIT_LOOSE,	/* everything up to the empty line */
	MIME_SPLIT_MESSAGE,	/* no header unless it starts with a field,
				 * after an optional mbox "From " line */
	MIME_SPLIT_PART,	/* no header unless it starts with a field */
};

/*
 * Split raw into its header block and body. Returns the header length
 * (up to and including the newline of the last field) and sets *body_off
 * to the first byte after the empty line (len when there is none). A
 * MIME part may start directly with its body: see enum mime_split.
 */
size_t mime_header_split(const char *raw, size_t len, enum mime_split mode,
    size_t *body_off);

/*
 * Parse the envelope fields (From, To, Subject, ...) of a header block
 * with libetpan and hand each parsed field list to fn (which must not
 * keep it). Fields over MIME_FIELD_MAX and lines libetpan refuses are
 * skipped, so one bad line cannot hide the fields after it.
 */
void mime_fields_foreach(const char *hdr, size_t len,
    void (*fn)(struct mailimf_fields *, void *), void *arg);

/* Decode RFC 2047 words in s[0..len) to one sanitised UTF-8 line. */
char *mime_decode_header_n(const char *s, size_t len);
/*
 * Make raw header text one sanitised UTF-8 line (no RFC 2047); bytes that
 * are not UTF-8 are read as Latin-1.
 */
char *mime_header_clean(const char *s, size_t len);

/* End of the field starting at hdr[pos], continuation lines included. */
size_t mime_field_end(const char *hdr, size_t len, size_t pos);
/* The envelope fields, in the order mime_envelope_kind knows them. */
enum mime_env_kind {
	MIME_ENV_FROM,
	MIME_ENV_TO,
	MIME_ENV_CC,
	MIME_ENV_SUBJECT,
	MIME_ENV_DATE,
	MIME_ENV_MESSAGE_ID,
	MIME_ENV_IN_REPLY_TO,
	MIME_ENV_REFERENCES,
};
/*
 * Which envelope field the field p[0..n) ("Name: value") is: an enum
 * mime_env_kind, or -1 for any other; *voff is set to the offset of its
 * value, just after the colon.
 */
int mime_envelope_kind(const char *p, size_t n, size_t *voff);
/* The raw value of the first field called name in hdr, or NULL. */
const char *mime_header_find(const char *hdr, size_t len, const char *name,
    size_t *vlen);

/* mime_envelope.c */

/*
 * mime_parse_envelope without its fast path: the whole block through
 * libetpan's field parser (the tests compare the two).
 */
void mime_envelope_parse_block(const char *data, size_t len,
    struct mime_envelope *env);
/*
 * Shared by mime_envelope.c and mime_envelope_fast.c: one decoded mailbox
 * appended to b, address lists and mailbox lists made display strings,
 * a Date as Unix time (0 when it makes no sense), message ids without
 * brackets (one, the first of a list, or all space-separated).
 */
void mime_env_add_mailbox(struct buf *b, const char *dname, size_t dlen,
    const char *spec, size_t slen);
char *mime_env_address_list(const struct mailimf_address_list *l);
char *mime_env_mailbox_list(const struct mailimf_mailbox_list *l);
int64_t mime_env_date(const struct mailimf_date_time *d);
char *mime_env_msgid_value(const char *id);
char *mime_env_first_msgid(clist *ids);
char *mime_env_msgid_list(clist *ids);
/* mime_envelope_fast.c: the envelope field by field from a plain block;
 * false (env emptied) when the block parse must do it. */
bool mime_envelope_fast(const char *hdr, size_t len,
    struct mime_envelope *env);
/* "From: ...\nTo: ...\nCc: ...\nDate: ...\nSubject: ..." of env. */
char *mime_envelope_lines(const struct mime_envelope *env);

/*
 * mime_tree.c: the structure of a message as the renderer sees it, built
 * from the walk of mime_walk.c (attached messages are not descended into:
 * they are leaves, parsed again when shown).
 */

/* The strings belong to the walk the tree was built from. */
struct mime_node {
	char *type;		/* "text/plain", lower case */
	char *charset;		/* NULL if none */
	char *filename;		/* decoded and made safe; NULL if none */
	char *boundary;		/* multipart only */
	int encoding;		/* MAILMIME_MECHANISM_* */
	bool attachment;	/* Content-Disposition: attachment */
	const char *body;	/* still transfer-encoded, inside the raw */
	size_t body_len;
	int leaf;		/* depth-first leaf number, -1 if a container */
	int depth;
	struct mime_node *child;
	struct mime_node *next;
};

struct mime_tree {
	struct mime_node *root;		/* the nodes, in walk order */
	struct mime_node **leaves;	/* by leaf number */
	int nleaves;
	int nnodes;
	struct mime_walk_node *walk;	/* owns the nodes' strings */
};

/*
 * Parse raw (which must outlive the tree) starting at nesting depth
 * `depth`. Never fails: what cannot be parsed becomes a text leaf.
 */
void mime_tree_parse(struct mime_tree *t, const char *raw, size_t len,
    int depth);
void mime_tree_release(struct mime_tree *t);
bool mime_node_is(const struct mime_node *n, const char *type);
bool mime_node_is_multipart(const struct mime_node *n);
/* The body with its transfer encoding undone (owned, NUL-terminated). */
char *mime_node_decode(const struct mime_node *n, size_t *len);
/*
 * The readable text of a text leaf: decoded, converted to UTF-8, lines
 * ending in '\n', NUL bytes dropped, HTML turned into text. Only the first
 * `limit` decoded bytes are read. Owned.
 */
char *mime_node_text(const struct mime_node *n, size_t limit, size_t *len);

/* mime_param.c: Content-Type and Content-Disposition parameters. */

/* charset, boundary and the name from a parsed Content-Type. */
void mime_param_content(struct mime_node *n, struct mailmime_content *ct,
    char **ct_name);
/* filename and attachment from a parsed Content-Disposition. */
void mime_param_disposition(struct mime_node *n,
    struct mailmime_disposition *d);
/* Make a decoded file name safe to show and to save under; or NULL. */
char *mime_filename_safe(const char *name);

/* mime_html.c */

/* Turn UTF-8 HTML into plain text, locally; links become text. Owned. */
char *mime_html_to_text(const char *html, size_t len, size_t *outlen);

#endif
