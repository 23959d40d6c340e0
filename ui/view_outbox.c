/*
 * view_outbox: the messages of the current account waiting to be sent,
 * two rows each (state, attempts, when queued, To and Subject; then the
 * last error), read from the store whenever the view is drawn so that the
 * background submission shows as it goes. A held message can be retried,
 * any one deleted (after asking), and everything waiting submitted now.
 * Every string is sanitised. UI thread.
 */
#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OUTBOX_ROWS 2

static void
outbox_free_list(struct ui_outbox *o)
{
	store_outbox_free(o->e, o->n);
	o->e = NULL;
	o->n = 0;
	FREE_AND_NULL(o->error);
}

static void
outbox_release(struct ui *ui)
{
	outbox_free_list(&ui->outbox);
	memset(&ui->outbox, 0, sizeof(ui->outbox));
}

static void
outbox_read(struct ui *ui)
{
	struct ui_outbox *o = &ui->outbox;
	struct cachet_err err;

	outbox_free_list(o);
	if (o->acct >= ui->nacct)
		return;
	if (store_outbox_list(ui->acct[o->acct].st, &o->e, &o->n,
	    &err) != 0) {
		o->e = NULL;
		o->n = 0;
		o->error = xstrdup(err.msg);
	}
	if (o->sel >= o->n)
		o->sel = o->n ? o->n - 1 : 0;
}

void
view_outbox_open(struct ui *ui)
{
	if (ui_top(ui) == &view_outbox_ops)
		return;
	if (account_current(ui) == NULL) {
		ui_error(ui, "no account");
		return;
	}
	outbox_release(ui);
	ui->outbox.acct = ui->cur_acct;
	ui_push(ui, &view_outbox_ops);
}

/* A line of text, sanitised, in style st (selected: reversed). */
static void
outbox_line(struct ui *ui, WINDOW *w, int y, const char *s,
    enum theme_style st, bool sel)
{
	char *safe = util_sanitize(s, strlen(s), false, false);

	draw_text(w, y, 0, getmaxx(w), safe, ui_style(ui,
	    sel ? STYLE_INDEX_SELECTED : st), true);
	free(safe);
}

static void
outbox_draw_entry(struct ui *ui, WINDOW *w, int y, size_t i)
{
	const struct store_outbox *e = &ui->outbox.e[i];
	bool sel = i == ui->outbox.sel;
	char date[32], *s;

	draw_date(date, sizeof(date), e->created, (int64_t)time(NULL));
	s = xasprintf("%4lld %-7s %2d tries  %-6s  %s  (to %s)",
	    (long long)e->id, store_outbox_state_name(e->state), e->attempts, date,
	    e->subject ? e->subject : "", e->to ? e->to : "");
	outbox_line(ui, w, y, s, e->state == STORE_OUTBOX_HELD ?
	    STYLE_SEC_BAD : STYLE_NORMAL, sel);
	free(s);
	if (y + 1 >= getmaxy(w))
		return;
	s = xasprintf("      %s%s", e->last_error ? "last error: " :
	    "not tried yet", e->last_error ? e->last_error : "");
	outbox_line(ui, w, y + 1, s, STYLE_PAGER_NOTICE, false);
	free(s);
}

static void
outbox_draw(struct ui *ui, WINDOW *w)
{
	struct ui_outbox *o = &ui->outbox;
	int h = getmaxy(w), width = getmaxx(w), y;
	size_t per = (size_t)(h > OUTBOX_ROWS * 2 ? (h - 1) / OUTBOX_ROWS : 1);

	outbox_read(ui);
	outbox_line(ui, w, 0, o->error ? o->error : o->n == 0 ?
	    "Outbox: empty" : "Outbox: r retries a held message, d deletes, "
	    "s sends now", o->error ? STYLE_ERROR : STYLE_HELP_HEADING,
	    false);
	if (o->sel < o->top)
		o->top = o->sel;
	if (o->sel >= o->top + per)
		o->top = o->sel - per + 1;
	for (y = 1; y < h; y += OUTBOX_ROWS) {
		size_t i = o->top + (size_t)(y - 1) / OUTBOX_ROWS;

		if (i < o->n) {
			outbox_draw_entry(ui, w, y, i);
			continue;
		}
		draw_fill(w, y, 0, width, ui_style(ui, STYLE_NORMAL));
		if (y + 1 < h)
			draw_fill(w, y + 1, 0, width,
			    ui_style(ui, STYLE_NORMAL));
	}
}

static const struct store_outbox *
outbox_current(struct ui *ui)
{
	struct ui_outbox *o = &ui->outbox;

	if (o->sel >= o->n) {
		ui_error(ui, "the outbox is empty");
		return NULL;
	}
	return &o->e[o->sel];
}

static const char *
outbox_account_name(struct ui *ui)
{
	size_t i = ui->outbox.acct;

	return i < ui->args->naccounts ? ui->args->accounts[i].name : NULL;
}

static void
outbox_retry(struct ui *ui)
{
	const struct store_outbox *e = outbox_current(ui);
	const char *name = outbox_account_name(ui);
	struct cachet_err err;

	if (e == NULL || name == NULL)
		return;
	if (e->state != STORE_OUTBOX_HELD) {
		ui_message(ui, "only a held message needs a retry");
		return;
	}
	if (store_outbox_retry(ui->acct[ui->outbox.acct].st, e->id,
	    &err) != 0) {
		ui_error(ui, "retry: %s", err.msg);
		return;
	}
	cmd_ui_outbox_kick(name);
	ui_message(ui, "queued for sending again");
}

static void
outbox_delete_submit(struct ui *ui, const char *text)
{
	struct ui_outbox *o = &ui->outbox;
	struct cachet_err err;
	int64_t id = o->del_id;

	o->del_id = 0;
	if (text[0] != 'y' && text[0] != 'Y') {
		ui_message(ui, "kept");
		return;
	}
	if (o->acct >= ui->nacct ||
	    store_outbox_delete(ui->acct[o->acct].st, id, &err) != 0) {
		ui_error(ui, "delete: %s", o->acct < ui->nacct ? err.msg :
		    "no account");
		return;
	}
	ui_message(ui, "deleted from the outbox (not sent)");
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

static void
outbox_delete(struct ui *ui)
{
	const struct store_outbox *e = outbox_current(ui);

	if (e == NULL)
		return;
	if (e->state == STORE_OUTBOX_SENDING) {
		ui_error(ui, "it is being sent right now");
		return;
	}
	ui->outbox.del_id = e->id;
	prompt_start(ui, "delete this message without sending it? (y/n) ",
	    outbox_delete_submit);
	ui->prompt.onekey = true;
}

static bool
outbox_action(struct ui *ui, enum ui_action a)
{
	struct ui_outbox *o = &ui->outbox;
	const char *name;

	switch (a) {
	case UI_A_NEXT_MESSAGE:
		o->sel += o->sel + 1 < o->n;
		break;
	case UI_A_PREV_MESSAGE:
		o->sel -= o->sel > 0;
		break;
	case UI_A_RETRY:
		outbox_retry(ui);
		break;
	case UI_A_DELETE:
		outbox_delete(ui);
		break;
	case UI_A_SEND_NOW:
		if ((name = outbox_account_name(ui)) != NULL) {
			cmd_ui_outbox_kick(name);
			ui_message(ui, "sending what waits in the outbox");
		}
		break;
	case UI_A_CLOSE:
	case UI_A_OUTBOX:
		ui_pop(ui);
		return true;
	default:
		return false;
	}
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
	return true;
}

static void
outbox_status(struct ui *ui, struct buf *b)
{
	struct ui_outbox *o = &ui->outbox;

	buf_addf(b, "outbox  %zu/%zu", o->n ? o->sel + 1 : 0, o->n);
}

const struct ui_view_ops view_outbox_ops = {
	.name = "outbox",
	.ctx = KEYMAP_OUTBOX,
	.draw = outbox_draw,
	.action = outbox_action,
	.status = outbox_status,
	.close = outbox_release,
};
