/*
 * imap_compress: COMPRESS=DEFLATE (RFC 4978) for the session's stream,
 * with zlib raw deflate. The libetpan build a distribution ships may lack
 * its own support, so the stream below libetpan does it. Runs on the
 * session's thread.
 */
#include "imap_int.h"

#include <string.h>
#include <zlib.h>

struct imap_z {
	z_stream in;
	z_stream out;
	unsigned char inbuf[16384];
};

int
imap_compress_start(struct imap *im, struct cachet_err *err)
{
	struct imap_z *z = xcalloc(1, sizeof(*z));

	if (inflateInit2(&z->in, -15) != Z_OK) {
		free(z);
		return cachet_err(err, CACHET_E_INVAL, "inflateInit failed");
	}
	if (deflateInit2(&z->out, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		inflateEnd(&z->in);
		free(z);
		return cachet_err(err, CACHET_E_INVAL, "deflateInit failed");
	}
	im->z = z;
	return 0;
}

void
imap_compress_end(struct imap *im)
{
	if (im->z == NULL)
		return;
	inflateEnd(&im->z->in);
	deflateEnd(&im->z->out);
	free(im->z);
	im->z = NULL;
}

ssize_t
imap_compress_read(struct imap *im, void *buf, size_t len)
{
	struct imap_z *z = im->z;
	ssize_t n;
	int r;

	for (;;) {
		z->in.next_out = buf;
		z->in.avail_out = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
		if (z->in.avail_in > 0) {
			r = inflate(&z->in, Z_SYNC_FLUSH);
			if (r != Z_OK && r != Z_BUF_ERROR) {
				cachet_err(&im->io_err, CACHET_E_PROTO,
				    "%s sent a corrupt compressed stream",
				    im->o.host);
				return -1;
			}
			n = (ssize_t)(len - z->in.avail_out);
			if (n > 0)
				return n;
		}
		n = net_conn_read(im->conn, z->inbuf, sizeof(z->inbuf),
		    &im->io_err);
		if (n <= 0) {
			if (n == 0)
				cachet_err(&im->io_err, CACHET_E_NET,
				    "%s closed the connection", im->o.host);
			return -1;
		}
		z->in.next_in = z->inbuf;
		z->in.avail_in = (uInt)n;
	}
}

int
imap_compress_write(struct imap *im, const void *buf, size_t len)
{
	struct imap_z *z = im->z;
	unsigned char out[16384];
	int r;

	z->out.next_in = (unsigned char *)buf;
	z->out.avail_in = (uInt)len;
	do {
		z->out.next_out = out;
		z->out.avail_out = sizeof(out);
		r = deflate(&z->out, Z_SYNC_FLUSH);
		if (r != Z_OK && r != Z_BUF_ERROR)
			return cachet_err(&im->io_err, CACHET_E_INVAL,
			    "deflate failed");
		if (net_conn_write(im->conn, out, sizeof(out) -
		    z->out.avail_out, &im->io_err) != 0)
			return -1;
	} while (z->out.avail_out == 0 || z->out.avail_in > 0);
	return 0;
}
