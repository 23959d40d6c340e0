/*
 * sync_folder: the synchronisation of one folder (see sync.h for the rules).
 * Runs on the sync thread.
 */
#include "sync_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mime/mime.h"

/* Flag changes and expunges reported by a QRESYNC SELECT. */
struct change {
	uint32_t uid;
	uint32_t flags;
	uint64_t modseq;
	char *keywords;
};

struct select_state {
	struct sync_ctx *c;
	struct change *ch;
	size_t nch;
	uint32_t *van;		/* vanished ranges as pairs first, last */
	size_t nvan;
	uint64_t maxmodseq;
	uint32_t maxuid;
};

static int
on_select_change(void *ctx, const struct imap_msg *m)
{
	struct select_state *s = ctx;

	s->ch = xreallocarray(s->ch, s->nch + 1, sizeof(*s->ch));
	s->ch[s->nch].uid = m->uid;
	s->ch[s->nch].flags = m->flags;
	s->ch[s->nch].modseq = m->modseq;
	s->ch[s->nch].keywords = m->keywords ? xstrdup(m->keywords) : NULL;
	s->nch++;
	return 0;
}

static void
on_vanished(void *ctx, uint32_t first, uint32_t last)
{
	struct select_state *s = ctx;

	s->van = xreallocarray(s->van, s->nvan + 2, sizeof(*s->van));
	s->van[s->nvan++] = first;
	s->van[s->nvan++] = last ? last : first;
}

static void
select_state_release(struct select_state *s)
{
	size_t i;

	for (i = 0; i < s->nch; i++)
		free(s->ch[i].keywords);
	free(s->ch);
	free(s->van);
}

/* Apply the server's flags to the local row, if the message is known. */
static int
apply_flags(struct sync_ctx *c, uint32_t uid, uint32_t flags,
    const char *kw, uint64_t modseq, struct cachet_err *err)
{
	struct store_msg m;
	int r;

	r = store_msg_get_uid(c->st, c->folder_id, uid, &m, err);
	if (r == CACHET_E_NOTFOUND)
		return 0;	/* new: fetched with its headers later */
	if (r != 0)
		return r;
	if (m.flags != flags || !util_streq(m.keywords, kw) ||
	    m.modseq != modseq) {
		if (m.flags != flags)
			c->stats->flags_changed++;
		r = store_msg_set_flags(c->st, c->folder_id, uid, flags, kw,
		    modseq, err);
	}
	store_msg_release(&m);
	return r;
}

static int
on_flags(void *ctx, const struct imap_msg *m)
{
	struct select_state *s = ctx;

	if (m->modseq > s->maxmodseq)
		s->maxmodseq = m->modseq;
	return apply_flags(s->c, m->uid, m->flags, m->keywords, m->modseq,
	    &s->c->cb_err);
}

static int
delete_local(struct sync_ctx *c, uint32_t uid, struct cachet_err *err)
{
	c->stats->expunged++;
	return store_msg_delete(c->st, c->folder_id, uid, err);
}

static bool
in_ranges(const uint32_t *van, size_t n, uint32_t uid)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		if (uid >= van[i] && uid <= van[i + 1])
			return true;
	return false;
}

/* Expunges: QRESYNC's VANISHED ranges, or a comparison of UID lists. */
static int
sync_expunges(struct sync_ctx *c, struct select_state *s, bool qresync,
    struct cachet_err *err)
{
	uint32_t *local = NULL, *remote = NULL;
	size_t nl = 0, nr = 0, i, j = 0;
	int r;

	if (qresync && s->nvan == 0)
		return 0;
	r = store_msg_uids(c->st, c->folder_id, &local, &nl, err);
	if (r == 0 && !qresync)
		r = imap_uid_search_all(c->im, &remote, &nr, err);
	if (r == 0)
		r = store_begin(c->st, err);
	for (i = 0; r == 0 && i < nl; i++) {
		bool gone;

		if (qresync) {
			gone = in_ranges(s->van, s->nvan, local[i]);
		} else {
			while (j < nr && remote[j] < local[i])
				j++;
			gone = j >= nr || remote[j] != local[i];
		}
		if (gone)
			r = delete_local(c, local[i], err);
	}
	if (r == 0)
		r = store_commit(c->st, err);
	else
		store_rollback(c->st);
	free(local);
	free(remote);
	return r;
}

static int
replay_one(struct sync_ctx *c, const struct store_op *op,
    struct cachet_err *err)
{
	char *data = NULL;
	size_t len = 0;
	int r;

	switch (op->kind) {
	case STORE_OP_FLAGS:
		return imap_store_flags(c->im, op->uid, op->flags_add,
		    op->flags_del, err);
	case STORE_OP_DELETE:
		r = imap_delete_uid(c->im, op->uid, err);
		return r ? r : store_msg_delete(c->st, c->folder_id, op->uid,
		    err);
	case STORE_OP_MOVE:
		r = imap_move_uid(c->im, op->uid, op->dest, err);
		return r ? r : store_msg_delete(c->st, c->folder_id, op->uid,
		    err);
	case STORE_OP_COPY:
		return imap_copy_uid(c->im, op->uid, op->dest, err);
	case STORE_OP_APPEND:
		r = util_read_file(op->path, &data, &len, err);
		if (r == CACHET_E_NOTFOUND)
			return 0;	/* already sent and cleaned up */
		if (r == 0)
			r = imap_append(c->im, c->folder, op->flags_add, data,
			    len, err);
		free(data);
		return r;
	}
	return cachet_err(err, CACHET_E_INVAL, "unknown operation %d",
	    op->kind);
}

/* Replay the folder's queued operations in order; *n counts them. */
static int
replay_ops(struct sync_ctx *c, uint32_t *n, struct cachet_err *err)
{
	struct store_op *ops = NULL;
	size_t nops = 0, i;
	int r;

	*n = 0;
	r = store_op_list(c->st, c->folder_id, &ops, &nops, err);
	for (i = 0; r == 0 && i < nops; i++) {
		struct cachet_err e = {0};

		sync_progress(c, "ops", (uint32_t)i, (uint32_t)nops);
		r = replay_one(c, &ops[i], &e);
		if (r == 0) {
			r = store_op_done(c->st, ops[i].id, err);
			if (ops[i].kind == STORE_OP_APPEND)
				unlink(ops[i].path);
			c->stats->ops_replayed++;
			(*n)++;
		} else if (r == CACHET_E_SERVER) {
			/* Refused by the server: keep it, give up later. */
			if (ops[i].attempts + 1 >= 5) {
				r = store_op_done(c->st, ops[i].id, err);
				c->stats->ops_dropped++;
			} else {
				r = store_op_failed(c->st, ops[i].id, e.msg,
				    err);
			}
		} else {
			*err = e;
		}
	}
	store_ops_free(ops, nops);
	return r;
}

/* Apply the flag changes a QRESYNC SELECT reported. */
static int
apply_select_changes(struct sync_ctx *c, struct select_state *s,
    struct cachet_err *err)
{
	size_t i;
	int r = store_begin(c->st, err);

	for (i = 0; r == 0 && i < s->nch; i++) {
		if (s->ch[i].modseq > s->maxmodseq)
			s->maxmodseq = s->ch[i].modseq;
		r = apply_flags(c, s->ch[i].uid, s->ch[i].flags,
		    s->ch[i].keywords, s->ch[i].modseq, err);
	}
	if (r == 0)
		return store_commit(c->st, err);
	store_rollback(c->st);
	return r;
}

/* Fetch flags (all, or CHANGEDSINCE modseq) and apply them. */
static int
fetch_flags(struct sync_ctx *c, struct select_state *s, uint64_t since,
    struct cachet_err *err)
{
	int r;

	sync_progress(c, "flags", 0, 0);
	r = store_begin(c->st, err);
	if (r != 0)
		return r;
	r = imap_fetch_flags(c->im, 1, since, on_flags, s, err);
	if (r > 0) {
		*err = c->cb_err;
		r = err->code;
	}
	if (r == 0)
		return store_commit(c->st, err);
	store_rollback(c->st);
	return r;
}

static int
on_body(void *ctx, const struct imap_msg *m)
{
	struct sync_ctx *c = ctx;
	char *text;
	int r;

	if (m->body == NULL)
		return 0;
	text = mime_index_text(m->body, m->body_len);
	r = store_msg_set_body(c->st, c->folder_id, m->uid, m->body,
	    m->body_len, text, &c->cb_err);
	free(text);
	c->stats->bodies++;
	c->done++;
	return r ? 1 : 0;
}

static int
fetch_bodies(struct sync_ctx *c, struct cachet_err *err)
{
	uint32_t *uids = NULL;
	size_t n = 0, i, k;
	int r;

	r = store_msg_uids_without_body(c->st, c->folder_id, &uids, &n, err);
	c->done = 0;
	c->total = (uint32_t)n;
	for (i = 0; r == 0 && i < n; i += k) {
		k = n - i < SYNC_BODY_BATCH ? n - i : SYNC_BODY_BATCH;
		sync_progress(c, "bodies", c->done, c->total);
		r = store_begin(c->st, err);
		if (r != 0)
			break;
		r = imap_fetch_bodies(c->im, uids + i, k, on_body, c, err);
		if (r > 0) {
			*err = c->cb_err;
			r = err->code;
		}
		if (r == 0)
			r = store_commit(c->st, err);
		else
			store_rollback(c->st);
		if (r == 0 && sync_stopped(c))
			r = cachet_err(err, CACHET_E_NET, "interrupted");
	}
	free(uids);
	return r;
}

/* Select, check UIDVALIDITY, replay the queue, then read changes. */
static int
sync_selected(struct sync_ctx *c, struct select_state *s,
    const struct store_folder *f, struct cachet_err *err)
{
	struct imap_selected sel;
	uint32_t known_v = f->uidvalidity, from = f->uidnext, replayed = 0;
	uint64_t known_m = f->highestmodseq, modseq;
	int r;

	r = imap_select(c->im, c->folder, known_v, known_m, &sel,
	    on_select_change, on_vanished, s, err);
	if (r != 0)
		return r;
	if (sel.uidvalidity == 0)
		return cachet_err(err, CACHET_E_PROTO, "no UIDVALIDITY");
	if (known_v != 0 && known_v != sel.uidvalidity) {
		/* Every UID we hold is meaningless now: start over. */
		r = store_folder_clear(c->st, c->folder_id, err);
		if (r != 0)
			return r;
		c->stats->rebuilt++;
		known_v = 0;
		known_m = 0;
		from = 0;
		sel.qresync_used = false;
	}
	if (known_v == 0)
		r = store_folder_set_state(c->st, c->folder_id,
		    sel.uidvalidity, 0, 0, err);
	/*
	 * A folder seen for the first time (or just cleared) can only have
	 * appends queued, which need no UIDs: replay them now, so a sent
	 * copy for a new Sent folder goes in the round that made it.
	 */
	if (r == 0)
		r = replay_ops(c, &replayed, err);
	if (r == 0 && known_v != 0)
		r = sync_expunges(c, s, sel.qresync_used, err);
	if (r == 0 && sel.qresync_used)
		r = apply_select_changes(c, s, err);
	else if (r == 0 && known_v != 0)
		r = fetch_flags(c, s, (imap_caps(c->im) & IMAP_CAP_CONDSTORE) ?
		    known_m : 0, err);
	if (r == 0 && replayed)	/* read back what our changes made */
		r = fetch_flags(c, s, sel.highestmodseq, err);
	modseq = sel.highestmodseq > s->maxmodseq ? sel.highestmodseq :
	    s->maxmodseq;
	if (r == 0)
		r = sync_headers(c, from ? from : 1, sel.uidnext, sel.uidvalidity,
		    sel.exists, known_m, &s->maxuid, err);
	if (r == 0 && c->acct->sync == CONFIG_SYNC_FULL)
		r = fetch_bodies(c, err);
	if (r == 0)
		r = store_folder_set_state(c->st, c->folder_id,
		    sel.uidvalidity, sel.uidnext ? sel.uidnext : s->maxuid + 1,
		    (imap_caps(c->im) & IMAP_CAP_CONDSTORE) ? modseq : 0, err);
	return r;
}

int
sync_folder(struct sync_ctx *c, const char *name, char delim,
    struct cachet_err *err)
{
	struct select_state s = {.c = c};
	struct store_folder f = {0};
	int r;

	c->folder = name;
	r = store_folder_ensure(c->st, name, delim, &c->folder_id, err);
	if (r == 0)
		r = store_folder_state(c->st, c->folder_id, &f, err);
	if (r == 0)
		r = sync_selected(c, &s, &f, err);
	if (r != 0)
		cachet_err_prefix(err, "%s", name);
	else
		c->stats->folders++;
	store_folder_release(&f);
	select_state_release(&s);
	return r;
}
