/*
 * view_index_rows: the index's model. Counts of the folder (or the number
 * of search results), the selection kept inside them, and the rows on
 * screen read from the store only when the visible window changes. Also
 * the scan for the next unread message, read in chunks. UI thread.
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>

#define INDEX_SCAN_CHUNK 500

static void
index_free_rows(struct ui_index *x)
{
	store_msgs_free(x->rows, x->nrows);
	x->rows = NULL;
	x->nrows = 0;
	x->rows_valid = false;
}

void
view_index_init(struct ui *ui)
{
	memset(&ui->idx, 0, sizeof(ui->idx));
	ui->idx.sort = STORE_SORT_DATE_DESC;
}

static void
index_drop_search(struct ui_index *x)
{
	FREE_AND_NULL(x->query);
	FREE_AND_NULL(x->ids);
	x->nids = 0;
	x->searching = false;
}

void
view_index_release(struct ui *ui)
{
	index_free_rows(&ui->idx);
	index_drop_search(&ui->idx);
	model_thread_release(&ui->idx.threads);
	ui->idx.threads_valid = false;
}

void
view_index_invalidate(struct ui *ui)
{
	const struct store_msg *m = view_index_current(ui);

	ui->idx.keep_id = m ? m->id : 0;
	index_free_rows(&ui->idx);
	ui->idx.counts_valid = false;
}

void
view_index_reset(struct ui *ui)
{
	index_drop_search(&ui->idx);
	index_free_rows(&ui->idx);
	ui->idx.counts_valid = false;
	ui->idx.keep_id = 0;
	ui->idx.sel = ui->idx.top = 0;
	ui->idx.threads_valid = false;
}

void
view_index_set_search(struct ui *ui, const char *query, int64_t *ids,
    size_t n)
{
	struct ui_index *x = &ui->idx;

	if (!x->searching) {
		x->saved_sel = x->sel;
		x->saved_top = x->top;
	}
	index_drop_search(x);
	index_free_rows(x);
	x->searching = true;
	x->query = util_sanitize(query, strlen(query), false, false);
	x->ids = ids;
	x->nids = n;
	x->sel = x->top = 0;
	x->keep_id = 0;
	x->counts_valid = false;
}

void
view_index_end_search(struct ui *ui)
{
	struct ui_index *x = &ui->idx;

	if (!x->searching)
		return;
	index_drop_search(x);
	index_free_rows(x);
	x->sel = x->saved_sel;
	x->top = x->saved_top;
	x->keep_id = 0;
	x->counts_valid = false;
}

void
view_index_forget(struct ui *ui, int64_t id)
{
	struct ui_index *x = &ui->idx;
	size_t i;

	if (!x->searching)
		return;
	for (i = 0; i < x->nids; i++) {
		if (x->ids[i] == id) {
			memmove(&x->ids[i], &x->ids[i + 1],
			    (x->nids - i - 1) * sizeof(*x->ids));
			x->nids--;
			break;
		}
	}
}

static void
index_counts(struct ui *ui)
{
	struct ui_index *x = &ui->idx;
	const struct store_folder *f = account_folder(ui);
	struct cachet_err err;

	x->counts_valid = true;
	x->total = x->unread = 0;
	if (x->searching) {
		x->total = (uint32_t)x->nids;
		return;
	}
	if (f == NULL)
		return;
	if (store_msg_count(account_current(ui)->st, f->id, &x->total,
	    &x->unread, &err) != 0) {
		x->total = x->unread = 0;
		ui_error(ui, "%s", err.msg);
	}
	if (x->threaded) {
		view_index_threads(ui);
		x->total = (uint32_t)x->threads.nvis;
	}
}

/* Keep the selection inside the folder and on the screen. */
static void
index_clamp(struct ui_index *x, uint32_t h)
{
	if (x->total == 0) {
		x->sel = x->top = 0;
		return;
	}
	if (x->sel >= x->total)
		x->sel = x->total - 1;
	if (x->sel < x->top)
		x->top = x->sel;
	if (x->sel >= x->top + h)
		x->top = x->sel - h + 1;
	if (x->top > 0 && x->top + h > x->total)
		x->top = x->total > h ? x->total - h : 0;
}

/* Replace the store's strings by what the index draws. */
static void
index_display_fields(struct store_msg *m)
{
	char *s;

	s = util_sanitize(m->from ? m->from : "",
	    m->from ? strlen(m->from) : 0, false, false);
	free(m->from);
	m->from = draw_from_name(s);
	free(s);
	s = util_sanitize(m->subject ? m->subject : "",
	    m->subject ? strlen(m->subject) : 0, false, false);
	free(m->subject);
	m->subject = s;
}

static int
index_fetch_search(struct ui *ui, uint32_t h)
{
	struct ui_index *x = &ui->idx;
	struct ui_account *a = account_current(ui);
	struct cachet_err err;
	size_t i;

	x->rows = xcalloc(h, sizeof(*x->rows));
	for (i = 0; i < h && x->top + i < x->nids; i++) {
		/* A message gone since the search stays as an empty row. */
		if (store_msg_get(a->st, x->ids[x->top + i], &x->rows[i],
		    &err) != 0)
			memset(&x->rows[i], 0, sizeof(x->rows[i]));
	}
	x->nrows = i;
	return 0;
}

/* The visible window of the thread order, a message at a time by id. */
static void
index_fetch_threads(struct ui *ui, uint32_t h)
{
	struct ui_index *x = &ui->idx;
	struct ui_account *a = account_current(ui);
	const struct model_thread_row *r;
	struct cachet_err err;
	size_t i;

	x->rows = xcalloc(h, sizeof(*x->rows));
	for (i = 0; i < h; i++) {
		if ((r = model_thread_visible(&x->threads, x->top + i)) ==
		    NULL)
			break;
		if (store_msg_get(a->st, r->id, &x->rows[i], &err) != 0)
			memset(&x->rows[i], 0, sizeof(x->rows[i]));
	}
	x->nrows = i;
}

static void
index_fetch(struct ui *ui, uint32_t h)
{
	struct ui_index *x = &ui->idx;
	const struct store_folder *f = account_folder(ui);
	struct cachet_err err;
	size_t i;

	if (x->rows_valid && x->rows_top == x->top && x->rows_h == (int)h)
		return;
	index_free_rows(x);
	x->rows_top = x->top;
	x->rows_h = (int)h;
	x->rows_valid = true;
	if (x->searching) {
		index_fetch_search(ui, h);
	} else if (x->threaded) {
		index_fetch_threads(ui, h);
	} else if (f != NULL && x->total > 0) {
		if (store_msg_list(account_current(ui)->st, f->id, x->sort,
		    x->top, h, &x->rows, &x->nrows, &err) != 0) {
			x->rows = NULL;
			x->nrows = 0;
			ui_error(ui, "%s", err.msg);
		}
	}
	for (i = 0; i < x->nrows; i++)
		index_display_fields(&x->rows[i]);
}

/* After a data change, follow the selected message if it moved on screen. */
static void
index_follow(struct ui_index *x)
{
	size_t i;
	int64_t at;

	if (x->keep_id == 0)
		return;
	if (x->threaded && !x->searching &&
	    (at = model_thread_find(&x->threads, x->keep_id)) >= 0) {
		x->sel = (uint32_t)at;
		x->keep_id = 0;
		return;
	}
	for (i = 0; i < x->nrows; i++) {
		if (x->rows[i].id == x->keep_id) {
			x->sel = x->rows_top + (uint32_t)i;
			break;
		}
	}
	x->keep_id = 0;
}

void
view_index_sync(struct ui *ui)
{
	struct ui_index *x = &ui->idx;
	uint32_t h = ui->main_h > 0 ? (uint32_t)ui->main_h : 1;

	if (!x->counts_valid)
		index_counts(ui);
	index_clamp(x, h);
	index_fetch(ui, h);
	index_follow(x);
}

const struct store_msg *
view_index_current(struct ui *ui)
{
	struct ui_index *x = &ui->idx;

	if (!x->rows_valid || x->sel < x->rows_top ||
	    x->sel - x->rows_top >= x->nrows)
		return NULL;
	if (x->rows[x->sel - x->rows_top].id == 0)
		return NULL;
	return &x->rows[x->sel - x->rows_top];
}

bool
view_index_move(struct ui *ui, int64_t delta)
{
	struct ui_index *x = &ui->idx;
	int64_t to;

	if (!x->counts_valid)
		index_counts(ui);
	to = (int64_t)x->sel + delta;
	if (x->total == 0 || to < 0 || to >= (int64_t)x->total) {
		ui_message(ui, delta > 0 ? "no next message" :
		    "no previous message");
		return false;
	}
	x->sel = (uint32_t)to;
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
	return true;
}

/* The message at position i of a search or of the thread order. */
static int64_t
index_id_at(const struct ui_index *x, uint32_t i)
{
	const struct model_thread_row *r;

	if (x->searching)
		return i < x->nids ? x->ids[i] : 0;
	r = model_thread_visible(&x->threads, i);
	return r != NULL ? r->id : 0;
}

/* Position of the first unread search result in [from, to), or -1. */
static int64_t
index_scan_unread_ids(struct ui *ui, uint32_t from, uint32_t to)
{
	struct ui_index *x = &ui->idx;
	struct ui_account *a = account_current(ui);
	struct store_msg m;
	struct cachet_err err;
	uint32_t i;
	bool unread;

	for (i = from; i < to && i < x->total; i++) {
		if (store_msg_get(a->st, index_id_at(x, i), &m, &err) != 0)
			continue;
		unread = !(m.flags & STORE_F_SEEN);
		store_msg_release(&m);
		if (unread)
			return i;
	}
	return -1;
}

/* Position of the first unread message in [from, to), or -1. */
static int64_t
index_scan_unread(struct ui *ui, uint32_t from, uint32_t to)
{
	struct ui_index *x = &ui->idx;
	const struct store_folder *f = account_folder(ui);
	struct store_msg *m = NULL;
	struct cachet_err err;
	size_t n = 0, i;
	uint32_t off;

	if (x->searching || x->threaded)
		return index_scan_unread_ids(ui, from, to);
	/* Read in chunks: only the flags matter, never the whole folder. */
	for (off = from; off < to; off += INDEX_SCAN_CHUNK) {
		if (store_msg_list(account_current(ui)->st, f->id, x->sort,
		    off, INDEX_SCAN_CHUNK, &m, &n, &err) != 0) {
			ui_error(ui, "%s", err.msg);
			return -1;
		}
		for (i = 0; i < n && off + i < to; i++)
			if (!(m[i].flags & STORE_F_SEEN))
				break;
		store_msgs_free(m, n);
		if (i < n && off + i < to)
			return off + (int64_t)i;
		if (n < INDEX_SCAN_CHUNK)
			break;
	}
	return -1;
}

bool
view_index_next_unread(struct ui *ui)
{
	struct ui_index *x = &ui->idx;
	int64_t at;

	if (!x->counts_valid)
		index_counts(ui);
	if (x->total == 0 || account_folder(ui) == NULL ||
	    (!x->searching && x->unread == 0)) {
		ui_message(ui, "no unread messages");
		return false;
	}
	at = index_scan_unread(ui, x->sel + 1, x->total);
	if (at < 0 && (at = index_scan_unread(ui, 0, x->sel + 1)) >= 0)
		ui_message(ui, "search wrapped to the top");
	if (at < 0) {
		ui_message(ui, "no unread messages");
		return false;
	}
	x->sel = (uint32_t)at;
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
	return true;
}
