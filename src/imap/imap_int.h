/* Internals shared by the files of src/imap. */
#ifndef CACHET_IMAP_INT_H
#define CACHET_IMAP_INT_H

#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>

#include "imap/imap.h"
#include "net/net.h"

struct imap {
	mailimap *s;
	struct net_conn *conn;
	struct imap_opts o;
	unsigned caps;
	bool io_failed;		/* the transport failed; io_err says why */
	/* The fast reader refused a reply of this server: libetpan reads
	 * every later header fetch of the session. */
	bool slow_fetch;
	struct cachet_err io_err;
	char desc[128];
	struct imap_z *z;	/* COMPRESS=DEFLATE state, or NULL */
	FILE *trace;		/* CACHET_IMAP_TRACE protocol log */
	bool trace_quiet;
};

/* Turn a libetpan result into a cachet error naming what was tried. */
int imap_fail(struct imap *im, int r, struct cachet_err *err,
    const char *what);
/* Re-read the capability list and store it in im->caps. */
int imap_read_caps(struct imap *im, struct cachet_err *err);
/* COMPRESS=DEFLATE below libetpan (imap_compress.c). */
int imap_compress_start(struct imap *im, struct cachet_err *err);
void imap_compress_end(struct imap *im);
ssize_t imap_compress_read(struct imap *im, void *buf, size_t len);
int imap_compress_write(struct imap *im, const void *buf, size_t len);
/*
 * With CACHET_IMAP_TRACE=FILE set, append the protocol exchange (without
 * passwords) to FILE, for debugging a server.
 */
void imap_trace_start(struct imap *im);
void imap_trace_end(struct imap *im);
/* mailstream over a net_conn. */
mailstream *imap_stream_new(struct imap *im);

/*
 * The fast FETCH reader (imap_fastfetch.c): a bounded parser for the
 * responses to a UID FETCH of UID, FLAGS, RFC822.SIZE, INTERNALDATE,
 * BODY[HEADER.FIELDS (...)] and MODSEQ, without libetpan's trees.
 */
#define IMAP_FF_LINE_MAX (64 * 1024)	/* one response line */
#define IMAP_FF_LITERAL_MAX (1024 * 1024)	/* the header fields */
#define IMAP_FF_FLAGS_MAX 512		/* flags of one message */

/* Where the parser reads from: the session's mailstream, or memory. */
struct imap_ff_src {
	/* At least one byte available at *p (*len of them); -1 at the end. */
	int (*peek)(void *ctx, const char **p, size_t *len);
	/* Consume exactly n bytes into dst; -1 if the input ends first. */
	int (*read)(void *ctx, void *dst, size_t n);
	void *ctx;
};

enum imap_ff_event {
	IMAP_FF_EXISTS,
	IMAP_FF_RECENT,
	IMAP_FF_EXPUNGE,
};

struct imap_ff {
	struct imap_ff_src src;
	const char *tag;	/* of the command whose responses these are */
	imap_msg_fn fn;		/* every message with a UID */
	void *ctx;
	/* Untagged EXISTS, RECENT, EXPUNGE (may be NULL). */
	void (*event)(void *ectx, enum imap_ff_event ev, uint32_t n);
	void *ectx;
	/* Results: the text of the tagged reply or of a BYE (raw, owned). */
	char *text;
	bool bye;		/* the server said BYE */
	bool refused;		/* refused, but read to the tagged reply */
};

/*
 * Read responses up to the tagged one. 0 on OK; CACHET_E_SERVER on NO or
 * BAD; CACHET_E_PROTO on anything it does not know (nothing is guessed);
 * CACHET_E_NET when the input ends or on BYE; or the first non-zero value
 * fn returned (the responses are still read to the end). ff->text is
 * set when a tagged reply or BYE was read; free it with free().
 *
 * A refused line whose framing is sound (CRLF, no control bytes, no bad
 * literal) is not the end: the rest of the reply is read, honouring {n}
 * literals under the same limits, up to the tagged line, and then the
 * result is CACHET_E_PROTO (or fn's value) with ff->refused set, err
 * saying what was refused, and the input in step for the next command.
 * Messages after the refusal do not reach fn. A framing error (a line
 * over the limit or not ended by CRLF, a literal over the limit or of
 * another length than announced) is CACHET_E_PROTO without ff->refused.
 */
int imap_ff_parse(struct imap_ff *ff, struct cachet_err *err);
/*
 * UID FETCH set items over the session with imap_ff_parse. When the reply
 * was refused but read to its end, *refused is set, im->slow_fetch too,
 * and the session goes on (the result is CACHET_E_PROTO or fn's value);
 * any other CACHET_E_PROTO, and BYE, mark the session failed.
 */
int imap_fastfetch(struct imap *im, const char *set, const char *items,
    imap_msg_fn fn, void *ctx, bool *refused, struct cachet_err *err,
    const char *what);

#endif
