/*
 * prompt_menu: the list of completions the prompt shows above itself when
 * Tab finds several (addresses on the compose screen). Tab and S-Tab put
 * the next or previous candidate in place of the word being completed;
 * going past either end brings back the word as typed. The list is drawn
 * over the bottom rows of the main window and goes away with the next
 * other key. Candidates are sanitised when they arrive and drawn through
 * the width-safe helpers. UI thread.
 */
#include "ui.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Rows of candidates shown at most (the list scrolls to the choice). */
#define MENU_ROWS 8

void
prompt_menu_clear(struct ui *ui)
{
	struct ui_prompt *p = &ui->prompt;
	size_t i;

	if (!p->menu_shown && p->menu == NULL && p->menu_title == NULL)
		return;
	for (i = 0; i < p->nmenu; i++)
		free(p->menu[i]);
	FREE_AND_NULL(p->menu);
	FREE_AND_NULL(p->menu_title);
	p->nmenu = 0;
	p->menu_sel = 0;
	p->menu_shown = false;
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_MSG);
}

void
prompt_menu_set(struct ui *ui, const char *title, char **cands, size_t n,
    size_t from)
{
	struct ui_prompt *p = &ui->prompt;
	size_t i;

	prompt_menu_clear(ui);
	p->menu = xcalloc(n ? n : 1, sizeof(*p->menu));
	for (i = 0; i < n; i++) {
		const char *c = cands[i] != NULL ? cands[i] : "";

		p->menu[i] = util_sanitize(c, strlen(c), false, false);
		free(cands[i]);
	}
	free(cands);
	p->nmenu = n;
	p->menu_sel = n;
	p->menu_title = util_sanitize(title, strlen(title), false, false);
	if (from > p->cur)
		from = p->cur;
	p->menu_from = from;
	p->menu_orig_len = p->cur - from;
	wmemcpy(p->menu_orig, &p->text[from], p->menu_orig_len);
	p->menu_orig[p->menu_orig_len] = L'\0';
	p->menu_shown = true;
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_MSG);
}

/* Put candidate sel (nmenu: the word as typed) in place of the word. */
static void
menu_choose(struct ui *ui, size_t sel)
{
	struct ui_prompt *p = &ui->prompt;
	char orig[PROMPT_MAX * MB_LEN_MAX + 1];
	const char *text = orig;
	size_t n;

	if (sel < p->nmenu) {
		text = p->menu[sel];
	} else {
		n = wcstombs(orig, p->menu_orig, sizeof(orig) - 1);
		if (n == (size_t)-1)
			n = 0;
		orig[n] = '\0';
	}
	p->menu_sel = sel;
	if (!prompt_replace(ui, p->menu_from, text))
		ui_error(ui, "the address does not fit on the line");
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_MSG);
}

bool
prompt_menu_key(struct ui *ui, int key)
{
	struct ui_prompt *p = &ui->prompt;
	size_t n = p->nmenu + 1;

	if (!p->menu_shown)
		return false;
	if (key == KEYMAP_ESC) {
		prompt_menu_clear(ui);
		return true;
	}
	if (p->nmenu == 0 || (key != '\t' && key != KEYMAP_FN(KEY_BTAB)))
		return false;
	menu_choose(ui, key == '\t' ? (p->menu_sel + 1) % n :
	    (p->menu_sel + n - 1) % n);
	return true;
}

void
prompt_menu_draw(struct ui *ui, WINDOW *w)
{
	struct ui_prompt *p = &ui->prompt;
	int h = getmaxy(w), width = getmaxx(w), rows, y;
	size_t top = 0, i;

	if (!p->menu_shown || h < 2)
		return;
	rows = p->nmenu < MENU_ROWS ? (int)p->nmenu : MENU_ROWS;
	if (rows > h - 1)
		rows = h - 1;
	if (rows > 0 && p->menu_sel < p->nmenu &&
	    p->menu_sel >= (size_t)rows)
		top = p->menu_sel - (size_t)rows + 1;
	y = h - rows - 1;
	draw_text(w, y++, 0, width, p->menu_title,
	    ui_style(ui, STYLE_STATUS), true);
	for (i = top; i < p->nmenu && y < h; i++, y++)
		draw_text(w, y, 0, width, p->menu[i], ui_style(ui,
		    i == p->menu_sel ? STYLE_INDEX_SELECTED : STYLE_PROMPT),
		    true);
}
