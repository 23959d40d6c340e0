/*
 * prompt: a one-line editor on the bottom line (search, folder names,
 * file names, yes/no questions answered by one key). It is a mode of
 * the main loop, not a dialog with a loop of its own: while it is active
 * keys go to it, and Enter hands the text to the submit callback. Also the
 * search itself: the FTS query runs on the store and its results become
 * the index of a virtual folder. UI thread.
 */
#include "ui.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#define CTRL(c) ((c) & 0x1f)

void
prompt_start(struct ui *ui, const char *label,
    void (*submit)(struct ui *ui, const char *text))
{
	struct ui_prompt *p = &ui->prompt;

	prompt_menu_clear(ui);
	p->active = true;
	p->label = label;
	p->len = p->cur = 0;
	p->onekey = false;
	p->submit = submit;
	p->complete = NULL;
	ui->msg[0] = '\0';
	ui_dirty(ui, UI_DIRTY_MSG);
}

void
prompt_set_text(struct ui *ui, const char *text)
{
	struct ui_prompt *p = &ui->prompt;
	size_t n = mbstowcs(p->text, text, PROMPT_MAX - 1);

	if (n == (size_t)-1)
		n = 0;
	p->len = p->cur = n;
	p->text[n] = L'\0';
	ui_dirty(ui, UI_DIRTY_MSG);
}

bool
prompt_get_text(struct ui *ui, char *buf, size_t size)
{
	struct ui_prompt *p = &ui->prompt;
	size_t n;

	p->text[p->len] = L'\0';
	n = wcstombs(buf, p->text, size - 1);
	if (n == (size_t)-1 || n >= size - 1)
		return false;
	buf[n] = '\0';
	return true;
}

static void
prompt_finish(struct ui *ui)
{
	struct ui_prompt *p = &ui->prompt;
	char text[PROMPT_MAX * MB_LEN_MAX + 1];

	prompt_menu_clear(ui);
	p->active = false;
	if (!prompt_get_text(ui, text, sizeof(text))) {
		ui_error(ui, "the text cannot be encoded in this locale");
		return;
	}
	if (p->submit != NULL)
		p->submit(ui, text);
}

static void
prompt_delete(struct ui_prompt *p, size_t from, size_t to)
{
	if (from >= to || to > p->len)
		return;
	memmove(&p->text[from], &p->text[to], (p->len - to) * sizeof(wchar_t));
	p->len -= to - from;
	p->cur = from;
}

static void
prompt_insert(struct ui_prompt *p, int key)
{
	if (key >= KEYMAP_FN(0) || !iswprint((wint_t)key) ||
	    p->len + 1 >= PROMPT_MAX)
		return;
	memmove(&p->text[p->cur + 1], &p->text[p->cur],
	    (p->len - p->cur) * sizeof(wchar_t));
	p->text[p->cur++] = (wchar_t)key;
	p->len++;
}

bool
prompt_replace(struct ui *ui, size_t from, const char *text)
{
	struct ui_prompt *p = &ui->prompt;
	wchar_t w[PROMPT_MAX];
	size_t n, i;

	if (from > p->cur)
		return false;
	n = mbstowcs(w, text, PROMPT_MAX);
	if (n == (size_t)-1 || n >= PROMPT_MAX ||
	    p->len - (p->cur - from) + n >= PROMPT_MAX)
		return false;
	/* Nothing unprintable goes into the line being edited. */
	for (i = 0; i < n; i++)
		if (!iswprint((wint_t)w[i]))
			w[i] = L'?';
	memmove(&p->text[from + n], &p->text[p->cur],
	    (p->len - p->cur) * sizeof(wchar_t));
	p->len = p->len - (p->cur - from) + n;
	wmemcpy(&p->text[from], w, n);
	p->cur = from + n;
	p->text[p->len] = L'\0';
	ui_dirty(ui, UI_DIRTY_MSG);
	return true;
}

/* Start of the word before the cursor (for ^W). */
static size_t
prompt_word_start(const struct ui_prompt *p)
{
	size_t i = p->cur;

	while (i > 0 && p->text[i - 1] == L' ')
		i--;
	while (i > 0 && p->text[i - 1] != L' ')
		i--;
	return i;
}

void
prompt_key(struct ui *ui, int key)
{
	struct ui_prompt *p = &ui->prompt;

	ui_dirty(ui, UI_DIRTY_MSG);
	if (p->menu_shown) {
		if (prompt_menu_key(ui, key))
			return;
		prompt_menu_clear(ui);
	}
	if (p->onekey && key < KEYMAP_FN(0) && iswprint((wint_t)key)) {
		p->len = p->cur = 0;
		prompt_insert(p, key);
		prompt_finish(ui);
	} else if (key == '\n') {
		prompt_finish(ui);
	} else if (key == '\t' && p->complete != NULL) {
		p->complete(ui);
	} else if (key == KEYMAP_ESC || key == CTRL('g') || key == CTRL('c')) {
		prompt_menu_clear(ui);
		p->active = false;
	} else if (key == KEYMAP_FN(KEY_BACKSPACE)) {
		if (p->cur > 0)
			prompt_delete(p, p->cur - 1, p->cur);
	} else if (key == KEYMAP_FN(KEY_DC) || key == CTRL('d')) {
		prompt_delete(p, p->cur, p->cur + 1);
	} else if (key == KEYMAP_FN(KEY_LEFT) || key == CTRL('b')) {
		p->cur -= p->cur > 0;
	} else if (key == KEYMAP_FN(KEY_RIGHT) || key == CTRL('f')) {
		p->cur += p->cur < p->len;
	} else if (key == KEYMAP_FN(KEY_HOME) || key == CTRL('a')) {
		p->cur = 0;
	} else if (key == KEYMAP_FN(KEY_END) || key == CTRL('e')) {
		p->cur = p->len;
	} else if (key == CTRL('u')) {
		prompt_delete(p, 0, p->cur);
	} else if (key == CTRL('w')) {
		prompt_delete(p, prompt_word_start(p), p->cur);
	} else {
		prompt_insert(p, key);
	}
}

void
prompt_draw(struct ui *ui, WINDOW *w)
{
	struct ui_prompt *p = &ui->prompt;
	struct ui_attr a = ui_style(ui, STYLE_PROMPT);
	int width = getmaxx(w), lw, avail, cx;
	size_t start = 0;

	lw = draw_text(w, 0, 0, width, p->label, a, false);
	avail = width - lw - 1;
	if (avail < 1) {
		wmove(w, 0, width - 1);
		return;
	}
	/* Scroll sideways so the cursor stays in sight. */
	while (start < p->cur &&
	    draw_wwidth(&p->text[start], p->cur - start) > avail)
		start++;
	draw_wtext(w, 0, lw, width - lw, &p->text[start], p->len - start, a,
	    true);
	cx = lw + draw_wwidth(&p->text[start], p->cur - start);
	wmove(w, 0, cx < width ? cx : width - 1);
}

/* Every word as an FTS phrase ("foo-bar" -> "\"foo-bar\""), quotes doubled. */
static char *
prompt_quote_terms(const char *text)
{
	struct buf b = BUF_INIT;
	const char *p = text;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (b.len > 0)
			buf_addc(&b, ' ');
		buf_addc(&b, '"');
		for (; *p != '\0' && *p != ' ' && *p != '\t'; p++) {
			if (*p == '"')
				buf_addc(&b, '"');
			buf_addc(&b, *p);
		}
		buf_addc(&b, '"');
	}
	return buf_detach(&b, NULL);
}

/*
 * Run the query as FTS syntax; when that does not parse (a plain "foo-bar"
 * is a column filter to FTS5), try again with every word as a phrase.
 */
static int
prompt_search(struct store *st, const char *text, int64_t **ids, size_t *n,
    struct cachet_err *err)
{
	struct cachet_err err2;
	char *quoted;
	int rc;

	if ((rc = store_search(st, 0, text, ids, n, err)) == 0)
		return 0;
	quoted = prompt_quote_terms(text);
	if (strcmp(quoted, text) != 0 &&
	    store_search(st, 0, quoted, ids, n, &err2) == 0)
		rc = 0;
	free(quoted);
	return rc;
}

void
prompt_search_submit(struct ui *ui, const char *text)
{
	struct ui_account *a = account_current(ui);
	struct cachet_err err;
	int64_t *ids = NULL;
	size_t n = 0;

	if (util_str_empty(text))
		return;
	if (a == NULL) {
		ui_error(ui, "no account to search");
		return;
	}
	if (prompt_search(a->st, text, &ids, &n, &err) != 0) {
		ui_error(ui, "search: %s", err.msg);
		return;
	}
	while (ui->depth > 1)
		ui_pop(ui);
	view_index_set_search(ui, text, ids, n);
	if (n == 1)
		ui_message(ui, "1 message matches");
	else
		ui_message(ui, "%zu messages match", n);
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}
