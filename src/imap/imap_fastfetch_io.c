/*
 * imap_fastfetch_io: the fast FETCH reader (imap_fastfetch.c) over a
 * session. Sends the command with libetpan's tag counter, feeds the parser
 * from the session's mailstream (TLS and COMPRESS sit below it, so both
 * are transparent) and leaves the session as libetpan leaves it after a
 * FETCH: a fresh response info, the tagged text in imap_response, EXISTS,
 * RECENT and EXPUNGE applied to the selection. A reply read only in part,
 * or a BYE, marks the session failed, so that nothing reads the rest of it
 * as the answer to another command; a reply the parser refused but read to
 * its end leaves the session usable and tells the caller to ask libetpan.
 * Runs on the session's thread.
 */
#include "imap_int.h"

#include <string.h>

static int
ms_peek(void *ctx, const char **p, size_t *len)
{
	mailstream *ms = ctx;

	if (ms->read_buffer_len == 0 && mailstream_feed_read_buffer(ms) <= 0)
		return -1;
	*p = ms->read_buffer;
	*len = ms->read_buffer_len;
	return 0;
}

static int
ms_read(void *ctx, void *dst, size_t n)
{
	mailstream *ms = ctx;
	char *d = dst;
	ssize_t got;

	while (n > 0) {
		got = mailstream_read(ms, d, n);
		if (got <= 0)
			return -1;
		d += got;
		n -= (size_t)got;
	}
	return 0;
}

/* What libetpan's response parser does with these responses. */
static void
ms_event(void *ectx, enum imap_ff_event ev, uint32_t n)
{
	mailimap *s = ectx;
	struct mailimap_selection_info *sel = s->imap_selection_info;
	uint32_t *num;

	switch (ev) {
	case IMAP_FF_EXISTS:
		if (sel) {
			sel->sel_exists = n;
			sel->sel_has_exists = 1;
		}
		break;
	case IMAP_FF_RECENT:
		if (sel) {
			sel->sel_recent = n;
			sel->sel_has_recent = 1;
		}
		break;
	case IMAP_FF_EXPUNGE:
		if (s->imap_response_info == NULL)
			break;
		num = mailimap_number_alloc_new(n);
		if (num == NULL || clist_append(
		    s->imap_response_info->rsp_expunged, num) != 0)
			abort();
		if (sel && sel->sel_exists > 0)
			sel->sel_exists--;
		break;
	}
}

/* "TAG UID FETCH set items", the tag from libetpan's own counter. */
static int
ff_send(struct imap *im, const char *set, const char *items)
{
	mailstream *ms = im->s->imap_stream;
	char *cmd;
	size_t len;
	int r;

	if ((r = mailimap_send_current_tag(im->s)) != MAILIMAP_NO_ERROR)
		return r;
	cmd = xasprintf("UID FETCH %s %s\r\n", set, items);
	len = strlen(cmd);
	if (mailstream_write(ms, cmd, len) != (ssize_t)len ||
	    mailstream_flush(ms) == -1)
		r = MAILIMAP_ERROR_STREAM;
	free(cmd);
	return r;
}

/* A fresh response info, as libetpan starts each reply with. */
static void
ff_reset_info(mailimap *s)
{
	if (s->imap_response_info)
		mailimap_response_info_free(s->imap_response_info);
	s->imap_response_info = mailimap_response_info_new();
	if (s->imap_response_info == NULL)
		abort();
	s->imap_response = NULL;
}

/* The session cannot go on after a reply read only in part, or a BYE. */
static void
ff_fail_session(struct imap *im, const struct imap_ff *ff,
    const struct cachet_err *e)
{
	char *clean;

	im->io_failed = true;
	if (ff->bye) {
		clean = util_sanitize(ff->text, strlen(ff->text), false, false);
		cachet_err(&im->io_err, CACHET_E_NET,
		    "%s closed the session: %.200s", im->o.host, clean);
		free(clean);
	} else if (e->code != CACHET_E_NET || im->io_err.code == 0) {
		im->io_err = *e;
	}
}

int
imap_fastfetch(struct imap *im, const char *set, const char *items,
    imap_msg_fn fn, void *ctx, bool *refused, struct cachet_err *err,
    const char *what)
{
	struct imap_ff ff = {.fn = fn, .ctx = ctx, .event = ms_event};
	struct cachet_err e = {0};
	char tag[16];
	int r;

	*refused = false;
	if (im->io_failed)
		return imap_fail(im, MAILIMAP_ERROR_STREAM, err, what);
	if (im->s->imap_state != MAILIMAP_STATE_SELECTED)
		return imap_fail(im, MAILIMAP_ERROR_BAD_STATE, err, what);
	if ((r = ff_send(im, set, items)) != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, what);
	snprintf(tag, sizeof(tag), "%d", im->s->imap_tag);
	ff_reset_info(im->s);
	ff.src = (struct imap_ff_src){ms_peek, ms_read, im->s->imap_stream};
	ff.tag = tag;
	ff.ectx = im->s;
	r = imap_ff_parse(&ff, &e);
	if (ff.text && !ff.bye) {
		if (mmap_string_assign(im->s->imap_response_buffer, ff.text) ==
		    NULL)
			abort();
		im->s->imap_response = im->s->imap_response_buffer->str;
	}
	if (ff.refused) {
		*refused = true;
		im->slow_fetch = true;
	}
	if ((r == CACHET_E_PROTO && !ff.refused) ||
	    (r == CACHET_E_NET && e.code == r)) {
		ff_fail_session(im, &ff, &e);
		free(ff.text);
		return imap_fail(im, MAILIMAP_ERROR_STREAM, err, what);
	}
	free(ff.text);
	if (r == CACHET_E_SERVER || r == CACHET_E_PROTO) {
		if (err)
			*err = e;
		return cachet_err_prefix(err, "%s", what);
	}
	return r;
}
