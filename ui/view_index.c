/*
 * view_index: the message list of the current folder, or of a search shown
 * as a virtual folder: drawing the rows, the status text and the actions.
 * The rows themselves come from view_index_rows.c, which reads only what
 * is on screen, so a folder of any size costs the same to show. UI thread.
 */
#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INDEX_DATE_W 10
#define INDEX_SIZE_W 5

static const struct {
	enum store_sort sort;
	const char *name;
} sort_cycle[] = {
	{STORE_SORT_DATE_DESC, "date-desc"},
	{STORE_SORT_DATE, "date"},
	{STORE_SORT_FROM, "from"},
	{STORE_SORT_SUBJECT, "subject"},
	{STORE_SORT_SIZE, "size"},
};
#define NSORT (sizeof(sort_cycle) / sizeof(sort_cycle[0]))

static const char *
index_sort_name(const struct ui_index *x)
{
	enum store_sort s = x->sort;
	size_t i;

	if (x->threaded)
		return "thread";
	for (i = 0; i < NSORT; i++)
		if (sort_cycle[i].sort == s)
			return sort_cycle[i].name;
	return "?";
}

static void
index_sort_next(struct ui *ui)
{
	struct ui_index *x = &ui->idx;
	size_t i;

	if (x->searching) {
		ui_message(ui, "search results are shown newest first");
		return;
	}
	/* The cycle ends in thread order, then starts again. */
	for (i = 0; i < NSORT; i++)
		if (sort_cycle[i].sort == x->sort)
			break;
	if (x->threaded || x->threading) {
		view_index_threads_cancel(ui);
		x->sort = sort_cycle[0].sort;
	} else if (i + 1 >= NSORT) {
		view_index_threads_want(ui);
	} else {
		x->sort = sort_cycle[i + 1].sort;
	}
	view_index_invalidate(ui);
	x->keep_id = 0;
	x->sel = x->top = 0;
	if (x->threading)
		ui_message(ui, "threading\u2026");
	else
		ui_message(ui, "sorted by %s", index_sort_name(x));
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

/* Thread order on or off, staying on the selected message. */
static void
index_toggle_threads(struct ui *ui)
{
	struct ui_index *x = &ui->idx;

	if (x->searching) {
		ui_message(ui, "search results are shown newest first");
		return;
	}
	/* A second toggle while the threads are built goes back, too. */
	if (x->threaded || x->threading)
		view_index_threads_cancel(ui);
	else
		view_index_threads_want(ui);
	if (x->threading)
		ui_message(ui, "threading\u2026");
	else
		ui_message(ui, x->threaded ? "threads" : "sorted by %s",
		    index_sort_name(x));
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

static void
index_page(struct ui *ui, int dir)
{
	struct ui_index *x = &ui->idx;
	uint32_t h = ui->main_h > 0 ? (uint32_t)ui->main_h : 1;

	if (dir > 0) {
		if (x->total > 0 && x->sel + h < x->total) {
			x->sel += h;
			x->top += h;
		} else if (x->total > 0) {
			x->sel = x->total - 1;
		}
	} else {
		x->sel = x->sel > h ? x->sel - h : 0;
		x->top = x->top > h ? x->top - h : 0;
	}
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

/* Actions on the selected message. */
static bool
index_message_action(struct ui *ui, enum ui_action a)
{
	const struct store_msg *m = view_index_current(ui);

	if (m == NULL) {
		ui_message(ui, "no message selected");
		return true;
	}
	switch (a) {
	case UI_A_OPEN:
		view_pager_open(ui, m);
		break;
	case UI_A_TOGGLE_READ:
		msgop_toggle(ui, m, STORE_F_SEEN);
		break;
	case UI_A_TOGGLE_FLAG:
		msgop_toggle(ui, m, STORE_F_FLAGGED);
		break;
	case UI_A_DELETE:
		msgop_delete(ui, m);
		break;
	case UI_A_SECURITY_DETAILS:
		view_details_open_msg(ui, m);
		break;
	case UI_A_MOVE:
	case UI_A_COPY:
		msgop_move_start(ui, m, a == UI_A_COPY);
		break;
	default:
		break;
	}
	return true;
}

static bool
index_action(struct ui *ui, enum ui_action a)
{
	struct ui_index *x = &ui->idx;

	switch (a) {
	case UI_A_NEXT_MESSAGE:
	case UI_A_LINE_DOWN:
		view_index_move(ui, 1);
		return true;
	case UI_A_PREV_MESSAGE:
	case UI_A_LINE_UP:
		view_index_move(ui, -1);
		return true;
	case UI_A_PAGE_DOWN:
	case UI_A_PAGE_UP:
		index_page(ui, a == UI_A_PAGE_DOWN ? 1 : -1);
		return true;
	case UI_A_FIRST:
	case UI_A_LAST:
		x->sel = (a == UI_A_FIRST || x->total == 0) ? 0 : x->total - 1;
		ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
		return true;
	case UI_A_OPEN:
	case UI_A_TOGGLE_READ:
	case UI_A_TOGGLE_FLAG:
	case UI_A_DELETE:
	case UI_A_SECURITY_DETAILS:
	case UI_A_MOVE:
	case UI_A_COPY:
		return index_message_action(ui, a);
	case UI_A_UNDO:
		msgop_undo(ui);
		return true;
	case UI_A_CLOSE:
		if (x->searching) {
			view_index_end_search(ui);
			ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
		}
		return true;
	case UI_A_NEXT_UNREAD:
		view_index_next_unread(ui);
		return true;
	case UI_A_SORT_CYCLE:
		index_sort_next(ui);
		return true;
	case UI_A_TOGGLE_THREADS:
		index_toggle_threads(ui);
		return true;
	case UI_A_TOGGLE_COLLAPSE:
	case UI_A_COLLAPSE_ALL:
		if (x->threaded && !x->searching)
			view_index_collapse(ui, a == UI_A_COLLAPSE_ALL);
		else if (a == UI_A_TOGGLE_COLLAPSE)
			index_page(ui, 1);
		else
			ui_message(ui, "not in thread order");
		return true;
	default:
		return false;
	}
}

/* The row's style: deleted, flagged, unread or plain; selected on top. */
static struct ui_attr
index_row_attr(struct ui *ui, const struct store_msg *m, bool selected)
{
	enum theme_style st = STYLE_INDEX;
	struct ui_attr base, sel;

	if (m->flags & STORE_F_DELETED)
		st = STYLE_INDEX_DELETED;
	else if (m->flags & STORE_F_FLAGGED)
		st = STYLE_INDEX_FLAGGED;
	else if (!(m->flags & STORE_F_SEEN))
		st = STYLE_INDEX_UNREAD;
	base = ui_style(ui, st);
	if (!selected)
		return base;
	sel = ui_style(ui, STYLE_INDEX_SELECTED);
	sel.attr |= base.attr & A_BOLD;
	return sel;
}

/* Column widths for a window width; narrow windows drop columns. */
struct index_cols {
	int date;
	int from;
	int size;
	int subject;
};

static struct index_cols
index_columns(int width)
{
	struct index_cols c;

	c.date = width >= 30 ? INDEX_DATE_W : 0;
	c.size = width >= 40 ? INDEX_SIZE_W : 0;
	c.from = width >= 100 ? 22 : width >= 60 ? 16 : width >= 40 ?
	    width / 5 : 0;
	/* Flags, security and the gaps after each column. */
	c.subject = width - (3 + 1 + 2 + 1) - (c.date ? c.date + 1 : 0) -
	    (c.from ? c.from + 1 : 0) - (c.size ? c.size + 1 : 0);
	return c;
}

/*
 * The security column (see security_cell): two cells, each in its own
 * style, or in the selection's style on the selected row.
 */
static int
index_draw_security(struct ui *ui, WINDOW *w, int y, int x,
    const struct store_msg *m, const struct ui_attr *sel, const char *key)
{
	char cell[3], one[2] = {0, 0};
	enum theme_style st;

	if (m->id == 0) {
		draw_text(w, y, x, 2, "", sel ? *sel : ui_style(ui,
		    STYLE_INDEX_SECURITY), true);
		return 2;
	}
	st = security_cell(m, key, cell);
	one[0] = cell[0];
	draw_text(w, y, x, 1, one, sel ? *sel : ui_style(ui, st), true);
	one[0] = cell[1];
	draw_text(w, y, x + 1, 1, one, sel ? *sel : ui_style(ui,
	    STYLE_SEC_ENCRYPTED), true);
	return 2;
}

/*
 * The subject, after the thread tree in thread order: "├─>" on replies,
 * "[N]" before the root of a collapsed thread of N messages. The tree is
 * our own text; the subject was sanitised when read.
 */
static void
index_draw_subject(struct ui *ui, WINDOW *w, int y, int x, int width,
    const struct store_msg *m, struct ui_attr a)
{
	struct ui_index *ix = &ui->idx;
	const struct model_thread_row *r;
	char pre[MODEL_THREAD_PREFIX_MAX + 16];
	struct buf b;
	size_t row;

	if (m->id == 0) {
		draw_text(w, y, x, width, "(no longer in the store)", a, true);
		return;
	}
	if (!ix->threaded || ix->searching || m < ix->rows ||
	    m >= ix->rows + ix->nrows || (r = model_thread_visible(
	    &ix->threads, ix->rows_top + (size_t)(m - ix->rows))) == NULL) {
		draw_text(w, y, x, width, m->subject, a, true);
		return;
	}
	row = (size_t)(r - ix->threads.rows);
	if (r->collapsed)
		snprintf(pre, sizeof(pre), "[%u] ", (unsigned)r->size);
	else
		model_thread_prefix(&ix->threads, row, pre);
	buf_init(&b);
	buf_adds(&b, pre);
	buf_adds(&b, m->subject ? m->subject : "");
	buf_addc(&b, '\0');
	draw_text(w, y, x, width, b.data, a, true);
	buf_release(&b);
}

static void
index_draw_row(struct ui *ui, WINDOW *w, int y, const struct store_msg *m,
    bool selected, int64_t now, const char *key)
{
	int width = getmaxx(w), x = 0, sw;
	struct index_cols c = index_columns(width);
	struct ui_attr a = index_row_attr(ui, m, selected);
	char flags[4], date[32], size[16];

	flags[0] = !(m->flags & STORE_F_SEEN) ? 'N' :
	    (m->flags & STORE_F_ANSWERED) ? 'r' : ' ';
	flags[1] = (m->flags & STORE_F_FLAGGED) ? 'F' : ' ';
	flags[2] = (m->flags & STORE_F_DELETED) ? 'D' : ' ';
	flags[3] = '\0';
	draw_date(date, sizeof(date), m->date, now);
	draw_size(size, sizeof(size), m->size);
	draw_fill(w, y, 0, width, a);
	x += draw_text(w, y, x, 3, flags, a, true) + 1;
	x += index_draw_security(ui, w, y, x, m, selected ? &a : NULL,
	    key) + 1;
	if (c.date > 0)
		x += draw_text(w, y, x, c.date, date, a, true) + 1;
	if (c.from > 0)
		x += draw_text(w, y, x, c.from, m->from, a, true) + 1;
	index_draw_subject(ui, w, y, x, c.subject, m, a);
	if (c.size > 0 && m->id != 0) {
		/* Right-aligned in the last column. */
		sw = draw_text_width(size);
		draw_text(w, y, width - sw, sw, size, a, false);
	}
}

static void
index_draw(struct ui *ui, WINDOW *w)
{
	struct ui_index *x = &ui->idx;
	int h = getmaxy(w), width = getmaxx(w), y;
	int64_t now = (int64_t)time(NULL);
	struct ui_attr normal = ui_style(ui, STYLE_NORMAL);
	/* The key state once per screen: every row is judged against it. */
	const char *key = cmd_secstat_key();

	view_index_sync(ui);
	for (y = 0; y < h; y++) {
		size_t i = (size_t)y;

		if (x->rows_top + i < x->total && i < x->nrows)
			index_draw_row(ui, w, y, &x->rows[i],
			    x->rows_top + i == x->sel, now, key);
		else
			draw_fill(w, y, 0, width, normal);
	}
	if (x->total > 0)
		return;
	if (account_folder(ui) == NULL && !x->searching)
		draw_text(w, 0, 0, width,
		    "no folders yet; run cachet sync", normal, true);
	else
		draw_text(w, 0, 0, width, x->searching ?
		    "no messages match" : "no messages", normal, true);
}

static void
index_status(struct ui *ui, struct buf *b)
{
	struct ui_index *x = &ui->idx;
	uint32_t pos = x->total ? x->sel + 1 : 0;

	if (x->searching)
		buf_addf(b, "search: %s  %u/%u", x->query, (unsigned)pos,
		    (unsigned)x->total);
	else
		buf_addf(b, "%s  %u/%u  unread:%u  sort:%s",
		    account_folder_label(ui), (unsigned)pos,
		    (unsigned)x->total, (unsigned)x->unread,
		    index_sort_name(x));
	if (x->threading && !x->searching)
		buf_adds(b, "  threading\u2026");
	if (ui->srv.pending)
		buf_adds(b, "  searching on the server\u2026");
}

const struct ui_view_ops view_index_ops = {
	.name = "index",
	.ctx = KEYMAP_INDEX,
	.draw = index_draw,
	.action = index_action,
	.status = index_status,
	.close = NULL,
};
