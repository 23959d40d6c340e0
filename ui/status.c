/*
 * status: the status line (account, folder or search, position, counts,
 * sort, "offline") and the message line below it, which is also where the
 * prompt is drawn. UI thread.
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>

void
status_draw(struct ui *ui, WINDOW *w)
{
	struct ui_attr a = ui_style(ui, STYLE_STATUS);
	const struct ui_view_ops *v = ui_top(ui);
	struct ui_account *acct = account_current(ui);
	struct buf b = BUF_INIT;
	char *safe, sync[256];

	buf_addf(&b, " [%s] ", acct ? acct->name : "no account");
	if (v != NULL && v->status != NULL)
		v->status(ui, &b);
	if (ui->args->offline)
		buf_adds(&b, "  offline");
	/*
	 * What the background workers are doing: sync, and outbox
	 * submission (which runs offline too, when asked).
	 */
	if (cmd_sync_status(sync, sizeof(sync), NULL) && sync[0])
		buf_addf(&b, "  %s", sync);
	/* Everything here is sanitised already; once more costs nothing. */
	safe = util_sanitize(b.data, b.len, false, false);
	draw_text(w, 0, 0, getmaxx(w), safe, a, true);
	free(safe);
	buf_release(&b);
}

void
status_message_draw(struct ui *ui, WINDOW *w)
{
	enum theme_style st = ui->msg_error ? STYLE_ERROR : STYLE_MESSAGE;
	int width = getmaxx(w), used;

	if (ui->prompt.active) {
		prompt_draw(ui, w);
		return;
	}
	used = draw_text(w, 0, 0, width, ui->msg, ui_style(ui, st), false);
	draw_fill(w, 0, used, width - used, ui_style(ui, STYLE_NORMAL));
}
