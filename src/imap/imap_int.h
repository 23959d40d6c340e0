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

#endif
