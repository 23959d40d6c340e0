/*
 * imap_stream: a libetpan mailstream whose bytes travel over a cachet
 * net_conn, so that TLS, verification and timeouts stay ours. Runs on the
 * session's thread.
 */
#include "imap_int.h"

static ssize_t
low_read(mailstream_low *low, void *buf, size_t len)
{
	struct imap *im = low->data;
	ssize_t n;

	if (im->io_failed)
		return -1;
	if (im->z) {
		n = imap_compress_read(im, buf, len);
		if (n < 0)
			im->io_failed = true;
		return n;
	}
	n = net_conn_read(im->conn, buf, len, &im->io_err);
	if (n < 0) {
		im->io_failed = true;
		return -1;
	}
	if (n == 0) {
		im->io_failed = true;
		cachet_err(&im->io_err, CACHET_E_NET,
		    "%s closed the connection", im->o.host);
		return -1;
	}
	return n;
}

static ssize_t
low_write(mailstream_low *low, const void *buf, size_t len)
{
	struct imap *im = low->data;

	if (im->io_failed)
		return -1;
	if (im->z ? imap_compress_write(im, buf, len) != 0 :
	    net_conn_write(im->conn, buf, len, &im->io_err) != 0) {
		im->io_failed = true;
		return -1;
	}
	return (ssize_t)len;
}

static int
low_close(mailstream_low *low)
{
	return 0;	/* the net_conn is closed by imap_close */
}

static int
low_get_fd(mailstream_low *low)
{
	struct imap *im = low->data;

	return net_conn_fd(im->conn);
}

static void
low_free(mailstream_low *low)
{
	free(low);
}

static void
low_cancel(mailstream_low *low)
{
}

static struct mailstream_cancel *
low_get_cancel(mailstream_low *low)
{
	return NULL;
}

static carray *
low_get_chain(mailstream_low *low)
{
	return NULL;
}

static mailstream_low_driver low_driver = {
	.mailstream_read = low_read,
	.mailstream_write = low_write,
	.mailstream_close = low_close,
	.mailstream_get_fd = low_get_fd,
	.mailstream_free = low_free,
	.mailstream_cancel = low_cancel,
	.mailstream_get_cancel = low_get_cancel,
	.mailstream_get_certificate_chain = low_get_chain,
};

mailstream *
imap_stream_new(struct imap *im)
{
	mailstream_low *low;
	mailstream *s;

	low = mailstream_low_new(im, &low_driver);
	if (low == NULL)
		abort();
	s = mailstream_new(low, 8192);
	if (s == NULL)
		abort();
	return s;
}

static void
trace_log(mailimap *s, int type, const char *str, size_t size, void *ctx)
{
	struct imap *im = ctx;
	const char *dir;

	switch (type) {
	case MAILSTREAM_LOG_TYPE_DATA_RECEIVED:
		dir = "S: ";
		break;
	case MAILSTREAM_LOG_TYPE_DATA_SENT:
		dir = "C: ";
		break;
	case MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE:
		fputs("C: <secret not logged>\n", im->trace);
		return;
	default:
		return;
	}
	if (im->trace_quiet) {
		fprintf(im->trace, "%s<secret not logged>\n", dir);
		return;
	}
	fputs(dir, im->trace);
	fwrite(str, 1, size, im->trace);
	if (size == 0 || str[size - 1] != '\n')
		fputc('\n', im->trace);
}

void
imap_trace_start(struct imap *im)
{
	const char *path = getenv("CACHET_IMAP_TRACE");

	if (path == NULL || *path == '\0')
		return;
	im->trace = fopen(path, "a");
	if (im->trace)
		mailimap_set_logger(im->s, trace_log, im);
}

void
imap_trace_end(struct imap *im)
{
	if (im->trace)
		fclose(im->trace);
	im->trace = NULL;
}
