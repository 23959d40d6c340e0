/*
 * mime: parsing messages (libetpan mailimf/mailmime), decoding (transfer
 * encodings, RFC 2047/2231, charsets via iconv) and rendering text for
 * display and for the search index. Every string it returns is UTF-8;
 * strings meant for the screen are also sanitised (util_sanitize).
 * Runs on any thread; no global state.
 */
#ifndef CACHET_MIME_H
#define CACHET_MIME_H

#include <stdint.h>

#include "util/util.h"

/* Envelope fields of a header block, decoded to UTF-8. */
struct mime_envelope {
	int64_t date;		/* Date: as Unix time, 0 if absent/invalid */
	char *from;		/* "Name <addr>, ..." decoded; NULL if absent */
	char *to;
	char *cc;
	char *subject;
	char *message_id;	/* without <>, NULL if absent */
	char *in_reply_to;	/* first id without <>, NULL if absent */
	char *references;	/* ids without <>, space-separated */
};

/*
 * Parse a header block (or a whole message: parsing stops at the first
 * empty line). Missing or malformed fields are left NULL/0; only an
 * unparseable block is an error.
 */
int mime_parse_envelope(const char *data, size_t len,
    struct mime_envelope *env, struct cachet_err *err);
void mime_envelope_release(struct mime_envelope *env);

/*
 * The raw value of the first header field called name in the message
 * raw[0..len), unfolded, not decoded (owned), or NULL when absent or
 * oversized (mime_field.c).
 */
char *mime_header_value(const char *raw, size_t len, const char *name);

/* Decode an RFC 2047 header value to UTF-8 (never fails; owned). */
char *mime_decode_header(const char *value);

/*
 * The message's readable text for the search index: every text/plain part
 * decoded (text/html converted to text when there is no plain part),
 * joined by newlines. Not sanitised (it is never drawn). NULL if none.
 */
char *mime_index_text(const char *raw, size_t len);

/* One leaf part of a message, for the pager's attachment list. */
struct mime_part {
	int index;		/* depth-first leaf number, from 0 */
	char *type;		/* "text/plain", lower case */
	char *filename;		/* sanitised, may be NULL */
	char *charset;		/* may be NULL */
	size_t size;		/* decoded size in bytes */
	bool is_body;		/* shown inline as the body text */
};

/* A message made ready for the pager. */
struct mime_view {
	char *headers;		/* "From: ...\nTo: ...\nDate: ...\nSubject: ..."
				 * decoded and sanitised */
	char *body;		/* decoded, converted, sanitised text */
	struct mime_part *parts;
	size_t nparts;
};

int mime_render(const char *raw, size_t len, struct mime_view *out,
    struct cachet_err *err);
void mime_view_release(struct mime_view *v);

/* The decoded bytes of leaf part `index` (for saving an attachment). */
int mime_part_data(const char *raw, size_t len, int index, char **data,
    size_t *dlen, struct cachet_err *err);

#endif
