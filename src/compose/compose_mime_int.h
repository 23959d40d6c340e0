/*
 * compose internals shared by the MIME side of compose (building, replies,
 * drafts, resuming): address lists, header text, reading a stored message
 * back. No library types in here.
 */
#ifndef CACHET_COMPOSE_MIME_INT_H
#define CACHET_COMPOSE_MIME_INT_H

#include "compose/compose_int.h"

#define COMPOSE_FIELD_MAX (64 * 1024)	/* one header field, folded */
#define COMPOSE_ADDRS_MAX 1000		/* addresses in one field */

/* ------------------------------------------------------ compose_addr.c */

/* One mailbox: UTF-8 display name (or NULL) and bare address. */
struct compose_addr {
	char *name;
	char *addr;
};

/*
 * Parse a comma-separated list as the user typed it (UTF-8 display names,
 * groups flattened). NULL or blank: zero addresses. Each address must be
 * local@domain without spaces or controls.
 */
int compose_addrs_parse(const char *list, struct compose_addr **out,
    size_t *n, struct cachet_err *err);
/*
 * Parse a raw header value from a message (RFC 2047 display names are
 * decoded); what cannot be parsed is skipped. Never fails.
 */
void compose_addrs_parse_raw(const char *value, struct compose_addr **out,
    size_t *n);
void compose_addrs_free(struct compose_addr *a, size_t n);
/* Append "Name <addr>" (name quoted when needed) or "addr" to b. */
void compose_addr_format(struct buf *b, const struct compose_addr *a);
/* The list formatted with ", " between addresses; NULL when n is 0. */
char *compose_addrs_join(const struct compose_addr *a, size_t n);
/* Case-insensitive address comparison. */
bool compose_addr_eq(const char *a, const char *b);
/* Is s a message id we can write between <> (printable, no <> or space)? */
bool compose_msgid_ok(const char *s);

/* ---------------------------------------------------- compose_header.c */

/*
 * The RFC 2047 form of unstructured header text (owned): words that are
 * not ASCII, look like encoded words or are too long to fold become
 * "=?utf-8?B?...?=" words of at most 75 characters; the rest is kept.
 */
char *compose_header_encode(const char *value);
/* The same for a display name: all of it encoded when any must be. */
char *compose_header_phrase(const char *name);
/* Does s contain CR, LF (or other controls than tab)? */
bool compose_header_unsafe(const char *s);
/*
 * The unfolded value of the first field `name` in the header block of
 * raw[0..len) (owned; RFC 2047 not decoded), or NULL.
 */
char *compose_header_get(const char *raw, size_t len, const char *name);

/* ----------------------------------------------------- compose_text.c */

/*
 * The readable body of raw[0..len) as UTF-8 with LF line ends, sanitised
 * (owned, never NULL), and when atts is not NULL every other leaf part
 * that is not a signature or crypto control part, as in-memory
 * attachments appended to m.
 */
char *compose_text_body(const char *raw, size_t len, struct compose_msg *atts);

/* -------------------------------------------------- compose_mime_att.c */

/*
 * Append the MIME part of attachment a (its Content-* fields, empty line,
 * encoded body; CRLF) to out. 8-bit data only for message/rfc822.
 */
int compose_att_part(struct buf *out, const struct compose_attachment *a,
    struct cachet_err *err);
/* Append the text/plain part of body (Content-* fields, empty line, body).
 * ctparams are appended to its Content-Type (e.g. protected-headers). */
void compose_text_part(struct buf *out, const char *body,
    const char *ctparams);
/* Random bytes as lower-case hex (n bytes, 2n characters). */
char *compose_random_hex(size_t n);

#endif
