/*
 * imap_ops: changes sent to the server (flags, expunge, copy, move,
 * append, create) and waiting for news with IDLE. Runs on the account's
 * sync thread.
 */
#include "imap_int.h"

#include <poll.h>
#include <string.h>

#include "store/store.h"

static struct mailimap_flag_list *
flag_list(uint32_t flags)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();

	if (flags & STORE_F_SEEN)
		mailimap_flag_list_add(fl, mailimap_flag_new_seen());
	if (flags & STORE_F_ANSWERED)
		mailimap_flag_list_add(fl, mailimap_flag_new_answered());
	if (flags & STORE_F_FLAGGED)
		mailimap_flag_list_add(fl, mailimap_flag_new_flagged());
	if (flags & STORE_F_DELETED)
		mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
	if (flags & STORE_F_DRAFT)
		mailimap_flag_list_add(fl, mailimap_flag_new_draft());
	return fl;
}

static int
store_one(struct imap *im, uint32_t uid, uint32_t flags, bool add,
    struct cachet_err *err)
{
	struct mailimap_store_att_flags *att;
	struct mailimap_set *set;
	int r;

	if (flags == 0)
		return 0;
	att = add ? mailimap_store_att_flags_new_add_flags_silent(
	    flag_list(flags)) :
	    mailimap_store_att_flags_new_remove_flags_silent(flag_list(flags));
	set = mailimap_set_new_single(uid);
	r = mailimap_uid_store(im->s, set, att);
	mailimap_set_free(set);
	mailimap_store_att_flags_free(att);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "UID STORE");
	return 0;
}

int
imap_store_flags(struct imap *im, uint32_t uid, uint32_t add, uint32_t del,
    struct cachet_err *err)
{
	int r = store_one(im, uid, add, true, err);

	return r ? r : store_one(im, uid, del, false, err);
}

int
imap_delete_uid(struct imap *im, uint32_t uid, struct cachet_err *err)
{
	struct mailimap_set *set;
	int r;

	r = store_one(im, uid, STORE_F_DELETED, true, err);
	if (r != 0)
		return r;
	set = mailimap_set_new_single(uid);
	if (im->caps & IMAP_CAP_UIDPLUS)
		r = mailimap_uid_expunge(im->s, set);
	else
		r = mailimap_expunge(im->s);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "EXPUNGE");
	return 0;
}

int
imap_copy_uid(struct imap *im, uint32_t uid, const char *dest,
    struct cachet_err *err)
{
	struct mailimap_set *set = mailimap_set_new_single(uid);
	int r = mailimap_uid_copy(im->s, set, dest);

	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "UID COPY");
	return 0;
}

int
imap_move_uid(struct imap *im, uint32_t uid, const char *dest,
    struct cachet_err *err)
{
	struct mailimap_set *set;
	int r;

	if (!(im->caps & IMAP_CAP_MOVE)) {
		r = imap_copy_uid(im, uid, dest, err);
		return r ? r : imap_delete_uid(im, uid, err);
	}
	set = mailimap_set_new_single(uid);
	r = mailimap_uid_move(im->s, set, dest);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "UID MOVE");
	return 0;
}

int
imap_append(struct imap *im, const char *mailbox, uint32_t flags,
    const char *data, size_t len, struct cachet_err *err)
{
	struct mailimap_flag_list *fl = flag_list(flags);
	int r = mailimap_append(im->s, mailbox, fl, NULL, data, len);

	mailimap_flag_list_free(fl);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "APPEND");
	return 0;
}

int
imap_create(struct imap *im, const char *mailbox, struct cachet_err *err)
{
	int r = mailimap_create(im->s, mailbox);

	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "CREATE");
	return 0;
}

int
imap_noop(struct imap *im, struct cachet_err *err)
{
	int r = mailimap_noop(im->s);

	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "NOOP");
	return 0;
}

int
imap_idle(struct imap *im, int seconds, int wake_fd, bool *changed,
    struct cachet_err *err)
{
	struct pollfd p[2];
	int r, n, timeout_ms;

	*changed = false;
	if (!(im->caps & IMAP_CAP_IDLE)) {
		/* Without IDLE, poll the mailbox by waiting then NOOP. */
		p[0].fd = wake_fd;
		p[0].events = POLLIN;
		poll(p, wake_fd >= 0 ? 1 : 0, seconds * 1000);
		*changed = true;
		return imap_noop(im, err);
	}
	r = mailimap_idle(im->s);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "IDLE");
	timeout_ms = seconds * 1000;
	if (im->s->imap_stream->read_buffer_len == 0 &&
	    net_conn_pending(im->conn) == 0) {
		p[0].fd = net_conn_fd(im->conn);
		p[0].events = POLLIN;
		p[1].fd = wake_fd;
		p[1].events = POLLIN;
		/* A signal (EINTR) ends the wait early, like a wake-up. */
		n = poll(p, wake_fd >= 0 ? 2 : 1, timeout_ms);
		if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			*changed = true;
	} else {
		*changed = true;
	}
	r = mailimap_idle_done(im->s);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "IDLE DONE");
	return 0;
}
