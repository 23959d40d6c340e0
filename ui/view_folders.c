/*
 * view_folders: the sidebar. Every account with its folders below it, each
 * folder with unread/total counts, the current one highlighted and kept in
 * sight. Counts come from the folder list account.c keeps. UI thread.
 */
#include "ui.h"

#include <stdio.h>
#include <string.h>

/* Row of the current folder in the sidebar's full list. */
static int
folders_current_row(struct ui *ui)
{
	int row = 0;
	size_t i;

	for (i = 0; i < ui->nacct; i++) {
		row++;
		if (i == ui->cur_acct)
			return row + (int)ui->cur_folder;
		row += (int)ui->acct[i].nfolders;
	}
	return 0;
}

static void
folders_draw_folder(struct ui *ui, WINDOW *w, int y, int width,
    struct ui_account *a, size_t fi, bool current)
{
	const struct store_folder *f = &a->folders[fi];
	enum theme_style st = STYLE_SIDEBAR;
	char counts[32];
	int cw;

	if (current)
		st = STYLE_SIDEBAR_SELECTED;
	else if (f->unread > 0)
		st = STYLE_SIDEBAR_UNREAD;
	snprintf(counts, sizeof(counts), "%u/%u", (unsigned)f->unread,
	    (unsigned)f->total);
	cw = (int)strlen(counts);
	if (cw + 2 > width)
		cw = 0;
	/* A marker as well as the style, for terminals without either. */
	draw_text(w, y, 0, 1, current ? ">" : "", ui_style(ui, st), true);
	draw_text(w, y, 1, width - cw - 2, a->labels[fi], ui_style(ui, st),
	    true);
	draw_text(w, y, width - cw - 1, cw + 1, "", ui_style(ui, st), true);
	if (cw > 0)
		draw_text(w, y, width - cw, cw, counts, ui_style(ui, st), true);
}

void
view_folders_draw(struct ui *ui, WINDOW *w)
{
	int h = getmaxy(w), width = getmaxx(w) - 1, row = 0, y, top = 0;
	int cur = folders_current_row(ui);
	size_t i, fi;

	if (width < 1)
		return;
	if (cur >= h)
		top = cur - h / 2;
	for (i = 0; i < ui->nacct; i++) {
		struct ui_account *a = &ui->acct[i];

		if ((y = row++ - top) >= 0 && y < h)
			draw_text(w, y, 0, width, a->name,
			    ui_style(ui, STYLE_SIDEBAR_ACCOUNT), true);
		for (fi = 0; fi < a->nfolders; fi++) {
			if ((y = row++ - top) < 0 || y >= h)
				continue;
			folders_draw_folder(ui, w, y, width, a, fi,
			    i == ui->cur_acct && fi == ui->cur_folder);
		}
	}
	for (y = row - top > 0 ? row - top : 0; y < h; y++)
		draw_fill(w, y, 0, width, ui_style(ui, STYLE_SIDEBAR));
	wattr_set(w, ui_style(ui, STYLE_SIDEBAR).attr,
	    ui_style(ui, STYLE_SIDEBAR).pair, NULL);
	mvwvline(w, 0, width, ACS_VLINE, h);
}
