/* Internals shared by the files of src/imap. */
#ifndef CACHET_IMAP_INT_H
#define CACHET_IMAP_INT_H

#include <libetpan/libetpan.h>
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
};

/* Turn a libetpan result into a cachet error naming what was tried. */
int imap_fail(struct imap *im, int r, struct cachet_err *err,
    const char *what);
/* Re-read the capability list and store it in im->caps. */
int imap_read_caps(struct imap *im, struct cachet_err *err);
/* mailstream over a net_conn. */
mailstream *imap_stream_new(struct imap *im);

#endif
