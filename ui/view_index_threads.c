/*
 * view_index_threads: the index in thread order. The model (src/model)
 * is built from the store's compact threading rows once per folder, and
 * again only when messages came or went (the store's thread stamp); the
 * model keeps ids and tree links, and the rows on screen are read by id.
 * Collapsed threads stay collapsed across rebuilds. UI thread.
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>

static int
id_cmp(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return a < b ? -1 : a > b;
}

/* Root ids of the collapsed threads, sorted; owned. */
static int64_t *
threads_collapsed(const struct model_thread *t, size_t *n)
{
	int64_t *v = NULL;
	size_t r, cap = 0;

	*n = 0;
	for (r = 0; r < t->n; r += t->rows[r].size) {
		if (!t->rows[r].collapsed)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[(*n)++] = t->rows[r].id;
	}
	if (*n > 0)
		qsort(v, *n, sizeof(*v), id_cmp);
	return v;
}

static void
threads_recollapse(struct model_thread *t, const int64_t *ids, size_t n)
{
	size_t r;

	if (n == 0)
		return;
	for (r = 0; r < t->n; r += t->rows[r].size)
		if (t->rows[r].size > 1 && bsearch(&t->rows[r].id, ids, n,
		    sizeof(*ids), id_cmp) != NULL)
			t->rows[r].collapsed = true;
	model_thread_refresh(t);
}

/* Thread the folder again; its stamp is taken from the rows read. */
static void
threads_build(struct ui *ui, struct store *st, int64_t folder_id)
{
	struct ui_index *x = &ui->idx;
	struct store_thread_rows tr;
	struct model_thread_in *in;
	struct cachet_err err;
	int64_t *keep;
	size_t i, nkeep;
	/* [ui] thread_subjects: JWZ's optional grouping by subject. */
	bool subjects = cmd_ui_thread_subjects();

	if (store_thread_rows_opt(st, folder_id, subjects ?
	    STORE_THREAD_SUBJECTS : 0, &tr, &err) != 0) {
		ui_error(ui, "%s", err.msg);
		return;
	}
	in = xcalloc(tr.n ? tr.n : 1, sizeof(*in));
	for (i = 0; i < tr.n; i++) {
		in[i].id = tr.rows[i].id;
		in[i].date = tr.rows[i].date;
		in[i].message_id = store_thread_str(&tr, tr.rows[i].message_id);
		in[i].in_reply_to = store_thread_str(&tr,
		    tr.rows[i].in_reply_to);
		in[i].references = store_thread_str(&tr,
		    tr.rows[i].references);
		in[i].subject = store_thread_str(&tr, tr.rows[i].subject);
	}
	keep = x->threads_folder == folder_id ?
	    threads_collapsed(&x->threads, &nkeep) : NULL;
	if (keep == NULL)
		nkeep = 0;
	model_thread_release(&x->threads);
	model_thread_build(&x->threads, in, tr.n, subjects ?
	    MODEL_THREAD_SUBJECT : 0);
	threads_recollapse(&x->threads, keep, nkeep);
	x->threads_folder = folder_id;
	x->threads_stamp = tr.stamp;
	x->threads_valid = true;
	free(keep);
	free(in);
	store_thread_rows_release(&tr);
}

void
view_index_threads(struct ui *ui)
{
	struct ui_index *x = &ui->idx;
	const struct store_folder *f = account_folder(ui);
	struct store_thread_stamp stamp;
	struct cachet_err err;
	struct store *st;

	if (f == NULL) {
		model_thread_release(&x->threads);
		return;
	}
	st = account_current(ui)->st;
	/* The stamp costs nothing while the database has not changed. */
	if (x->threads_valid && x->threads_folder == f->id) {
		if (store_thread_stamp(st, f->id, &stamp, &err) != 0) {
			ui_error(ui, "%s", err.msg);
			return;
		}
		if (memcmp(&stamp, &x->threads_stamp, sizeof(stamp)) == 0)
			return;
	}
	threads_build(ui, st, f->id);
}

void
view_index_collapse(struct ui *ui, bool all)
{
	struct ui_index *x = &ui->idx;
	const struct store_msg *m;
	int64_t at = -1, cur = 0, root = 0, r;

	view_index_sync(ui);
	if ((m = view_index_current(ui)) != NULL &&
	    (r = model_thread_find_row(&x->threads, m->id)) >= 0) {
		cur = m->id;
		root = x->threads.rows[model_thread_root(&x->threads,
		    (size_t)r)].id;
	}
	if (all)
		model_thread_collapse_all(&x->threads,
		    !model_thread_any_collapsed(&x->threads));
	else
		model_thread_toggle(&x->threads, x->sel);
	/* Stay on the message, or on its thread when it was folded away. */
	if (cur != 0 && (at = model_thread_find(&x->threads, cur)) < 0)
		at = model_thread_find(&x->threads, root);
	if (at >= 0)
		x->sel = (uint32_t)at;
	x->total = (uint32_t)x->threads.nvis;
	x->rows_valid = false;
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}
