/*
 * view_index_threads: the index in thread order. The model (src/model)
 * is built from the store's compact threading rows once per folder, and
 * again only when messages came or went (the store's thread stamp); the
 * model keeps ids and tree links, and the rows on screen are read by id.
 * Collapsed threads stay collapsed across rebuilds. UI thread, but for
 * the builds: each runs on a thread of its own (job_main) with its own
 * store connection, and hands the whole model over when done. While the
 * first build of a folder runs the UI shows the flat order; while a
 * rebuild runs it keeps the tree it has (a row whose message is gone
 * since reads as such). Only when no thread can be started is a folder
 * threaded on the UI thread itself.
 */
#include "ui.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* A build in the background; the UI thread reads it only once done. */
struct ui_thread_job {
	pthread_t tid;
	atomic_bool done;
	/* Set before the start, read-only while it runs. */
	char *store_dir;
	size_t acct;
	int64_t folder_id;
	bool subjects;
	/* Written by the build thread, read after done. */
	int rc;
	struct cachet_err err;
	struct model_thread threads;
	struct store_thread_stamp stamp;
};

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

/* The model's input, pointing into the rows read; owned array. */
static struct model_thread_in *
threads_input(const struct store_thread_rows *tr)
{
	struct model_thread_in *in;
	size_t i;

	in = xcalloc(tr->n ? tr->n : 1, sizeof(*in));
	for (i = 0; i < tr->n; i++) {
		in[i].id = tr->rows[i].id;
		in[i].date = tr->rows[i].date;
		in[i].message_id = store_thread_str(tr, tr->rows[i].message_id);
		in[i].in_reply_to = store_thread_str(tr,
		    tr->rows[i].in_reply_to);
		in[i].references = store_thread_str(tr,
		    tr->rows[i].references);
		in[i].subject = store_thread_str(tr, tr->rows[i].subject);
	}
	return in;
}

/* Read and thread a folder into t (released by the caller). */
static int
threads_read(struct store *st, int64_t folder_id, bool subjects,
    struct model_thread *t, struct store_thread_stamp *stamp,
    struct cachet_err *err)
{
	struct store_thread_rows tr;
	struct model_thread_in *in;

	if (store_thread_rows_opt(st, folder_id, subjects ?
	    STORE_THREAD_SUBJECTS : 0, &tr, err) != 0)
		return -1;
	in = threads_input(&tr);
	model_thread_build(t, in, tr.n, subjects ? MODEL_THREAD_SUBJECT : 0);
	*stamp = tr.stamp;
	free(in);
	store_thread_rows_release(&tr);
	return 0;
}

/* Take t as the folder's model, keeping the threads collapsed before. */
static void
threads_install(struct ui_index *x, struct model_thread *t,
    int64_t folder_id, const struct store_thread_stamp *stamp)
{
	int64_t *keep;
	size_t nkeep;

	keep = x->threads_folder == folder_id ?
	    threads_collapsed(&x->threads, &nkeep) : NULL;
	if (keep == NULL)
		nkeep = 0;
	model_thread_release(&x->threads);
	x->threads = *t;
	memset(t, 0, sizeof(*t));
	threads_recollapse(&x->threads, keep, nkeep);
	x->threads_folder = folder_id;
	x->threads_stamp = *stamp;
	x->threads_valid = true;
	free(keep);
}

/* Thread the folder again; its stamp is taken from the rows read. */
static void
threads_build(struct ui *ui, struct store *st, int64_t folder_id)
{
	struct model_thread t;
	struct store_thread_stamp stamp;
	struct cachet_err err;
	/* [ui] thread_subjects: JWZ's optional grouping by subject. */
	bool subjects = cmd_ui_thread_subjects();

	memset(&t, 0, sizeof(t));
	if (threads_read(st, folder_id, subjects, &t, &stamp, &err) != 0) {
		ui_error(ui, "%s", err.msg);
		return;
	}
	threads_install(&ui->idx, &t, folder_id, &stamp);
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

/* The build thread: its own connection, closed before it says done. */
static void *
job_main(void *arg)
{
	struct ui_thread_job *j = arg;
	struct store *st = NULL;

	j->rc = store_open(&st, j->store_dir, &j->err);
	if (j->rc == 0)
		j->rc = threads_read(st, j->folder_id, j->subjects,
		    &j->threads, &j->stamp, &j->err);
	store_close(st);
	atomic_store_explicit(&j->done, true, memory_order_release);
	return NULL;
}

static void
job_free(struct ui_thread_job *j)
{
	model_thread_release(&j->threads);
	free(j->store_dir);
	free(j);
}

/* Start building the current folder's threads; false if it cannot. */
static bool
job_start(struct ui *ui, const struct store_folder *f)
{
	struct ui_thread_job *j;
	const char *dir;

	if (ui->cur_acct >= ui->args->naccounts ||
	    (dir = ui->args->accounts[ui->cur_acct].store_dir) == NULL)
		return false;
	j = xcalloc(1, sizeof(*j));
	atomic_init(&j->done, false);
	j->store_dir = xstrdup(dir);
	j->acct = ui->cur_acct;
	j->folder_id = f->id;
	j->subjects = cmd_ui_thread_subjects();
	if (pthread_create(&j->tid, NULL, job_main, j) != 0) {
		job_free(j);
		return false;
	}
	ui->idx.job = j;
	return true;
}

static bool
threads_ready(const struct ui_index *x, const struct store_folder *f)
{
	return x->threads_valid && x->threads_folder == f->id;
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
	if (threads_ready(x, f)) {
		/* A build running: its end looks at the stamp again. */
		if (x->job != NULL)
			return;
		/* The stamp costs nothing while the database is unchanged. */
		if (store_thread_stamp(st, f->id, &stamp, &err) != 0) {
			ui_error(ui, "%s", err.msg);
			return;
		}
		if (memcmp(&stamp, &x->threads_stamp, sizeof(stamp)) == 0)
			return;
		/* Messages came or went: the tree shown stays until then. */
		if (job_start(ui, f))
			return;
	}
	threads_build(ui, st, f->id);
}

/* The message under the cursor, or the one a change asked to follow. */
static int64_t
threads_cursor(struct ui *ui)
{
	const struct store_msg *m;

	if (ui->idx.keep_id != 0)
		return ui->idx.keep_id;
	m = view_index_current(ui);
	return m != NULL ? m->id : 0;
}

/* Keep the cursor's message while the order changes. */
static void
threads_show(struct ui *ui, bool threaded)
{
	struct ui_index *x = &ui->idx;
	int64_t at, keep = threads_cursor(ui);

	view_index_invalidate(ui);
	x->keep_id = keep;
	x->threaded = threaded;
	x->threading = false;
	/* The tree is there: straight to the message, scrolled to it. */
	if (threaded && x->threads_valid && !x->searching && x->keep_id != 0 &&
	    (at = model_thread_find(&x->threads, x->keep_id)) >= 0) {
		x->sel = (uint32_t)at;
		x->keep_id = 0;
	}
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

/*
 * The cursor back on message id in the new tree, or on the root of its
 * thread when that is collapsed; a message gone leaves the cursor where
 * it was, on the row that took its place.
 */
static void
threads_follow(struct ui_index *x, int64_t id)
{
	int64_t at, r;

	if (id == 0)
		return;
	if ((at = model_thread_find(&x->threads, id)) < 0 &&
	    (r = model_thread_find_row(&x->threads, id)) >= 0)
		at = model_thread_find(&x->threads, x->threads.rows[
		    model_thread_root(&x->threads, (size_t)r)].id);
	if (at < 0)
		return;
	x->sel = (uint32_t)at;
	x->keep_id = 0;
}

/*
 * A rebuild is done: the new tree replaces the one shown, on the same
 * message. The counts are read again, and with them the stamp: messages
 * that came or went while it ran start the next rebuild.
 */
static void
job_swap(struct ui *ui, struct ui_thread_job *j)
{
	struct ui_index *x = &ui->idx;
	int64_t cur = 0;

	if (x->threaded && !x->searching)
		cur = threads_cursor(ui);
	if (x->threaded)
		view_index_invalidate(ui);
	threads_install(x, &j->threads, j->folder_id, &j->stamp);
	threads_follow(x, cur);
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

static void
job_failed(struct ui *ui, struct ui_thread_job *j)
{
	struct ui_index *x = &ui->idx;

	if (x->threading || x->threaded)
		ui_error(ui, "threads: %s", j->err.msg);
	x->threading = false;
	ui_dirty(ui, UI_DIRTY_STATUS);
}

/* The build ended: its model for the folder still shown, else dropped. */
static void
job_finish(struct ui *ui)
{
	struct ui_index *x = &ui->idx;
	struct ui_thread_job *j = x->job;
	const struct store_folder *f = account_folder(ui);

	pthread_join(j->tid, NULL);
	x->job = NULL;
	if (f == NULL || j->acct != ui->cur_acct || j->folder_id != f->id) {
		/* The tree shown, if any, is looked at again. */
		if (x->threaded) {
			view_index_invalidate(ui);
			ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
		}
	} else if (j->rc != 0) {
		job_failed(ui, j);
	} else if (x->threading) {
		threads_install(x, &j->threads, j->folder_id, &j->stamp);
		threads_show(ui, true);
		ui_message(ui, "threads");
	} else {
		job_swap(ui, j);
	}
	job_free(j);
}

void
view_index_threads_want(struct ui *ui)
{
	struct ui_index *x = &ui->idx;
	const struct store_folder *f = account_folder(ui);

	if (f == NULL || threads_ready(x, f) ||
	    (x->job == NULL && !job_start(ui, f))) {
		/* Built already, or built here and now (the fallback). */
		threads_show(ui, true);
		return;
	}
	threads_show(ui, false);
	x->threading = true;
}

void
view_index_threads_cancel(struct ui *ui)
{
	threads_show(ui, false);
}

bool
view_index_threads_poll(struct ui *ui)
{
	struct ui_index *x = &ui->idx;
	const struct store_folder *f;

	if (x->job != NULL &&
	    atomic_load_explicit(&x->job->done, memory_order_acquire))
		job_finish(ui);
	/* A folder opened in thread order: flat until its build is done. */
	if ((x->threaded || x->threading) &&
	    (f = account_folder(ui)) != NULL && !threads_ready(x, f)) {
		if (x->threaded) {
			threads_show(ui, false);
			x->threading = true;
		}
		if (x->job == NULL && !job_start(ui, f))
			threads_show(ui, true);
	}
	return x->job != NULL;
}

void
view_index_threads_stop(struct ui *ui)
{
	struct ui_index *x = &ui->idx;

	if (x->job == NULL)
		return;
	pthread_join(x->job->tid, NULL);
	job_free(x->job);
	x->job = NULL;
	x->threading = false;
}
