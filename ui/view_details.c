/*
 * view_details: the security details of one message: the report
 * crypto_status_report writes (the message-level verdict, then one block
 * per protected part: signer, fingerprint, algorithms, trust, X.509
 * chain, encryption), sanitised line by line, wrapped and scrolled. Opened
 * from the pager with the status it computed, or from the index, which
 * computes it for the selected message. UI thread.
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>

static void
details_add(struct ui_details *d, const char *s, size_t len,
    enum theme_style style)
{
	char *safe = util_sanitize(s, len, false, true);

	d->src = xreallocarray(d->src, d->nsrc + 1, sizeof(*d->src));
	d->src[d->nsrc].text = draw_wcs(safe, &d->src[d->nsrc].len);
	d->src[d->nsrc].style = style;
	d->src[d->nsrc].mark = false;
	d->nsrc++;
	free(safe);
}

/*
 * The report, one line at a time; lines that start a block (not
 * indented, ending in ':' or naming a part) are headings.
 */
static void
details_add_report(struct ui_details *d, const char *text)
{
	const char *s = text, *nl;
	size_t len;

	while (s != NULL && *s != '\0') {
		nl = strchr(s, '\n');
		len = nl ? (size_t)(nl - s) : strlen(s);
		if (len > 0 && s[len - 1] == '\r')
			len--;
		details_add(d, s, len, (len > 0 && s[0] != ' ' &&
		    s[0] != '\t' && (s[len - 1] == ':' ||
		    strncmp(s, "part ", 5) == 0)) ? STYLE_HELP_HEADING :
		    STYLE_NORMAL);
		s = nl ? nl + 1 : NULL;
	}
}

static void
details_release(struct ui *ui)
{
	struct ui_details *d = &ui->details;
	size_t i;

	for (i = 0; i < d->nsrc; i++)
		free(d->src[i].text);
	free(d->src);
	free(d->rows);
	memset(d, 0, sizeof(*d));
}

void
view_details_open(struct ui *ui, const struct crypto_status *st,
    const char *error, const char *subject)
{
	struct ui_details *d = &ui->details;
	char *head, *report;

	if (ui_top(ui) == &view_details_ops)
		ui_pop(ui);
	details_release(ui);
	head = xasprintf("Security details: %s", subject ? subject : "");
	details_add(d, head, strlen(head), STYLE_HELP_HEADING);
	free(head);
	details_add(d, "", 0, STYLE_NORMAL);
	if (st != NULL) {
		report = crypto_status_report(st, false);
		details_add_report(d, report ? report : "(no report)");
		free(report);
	} else {
		details_add(d, "The security status could not be computed:",
		    42, STYLE_HELP_HEADING);
		details_add(d, error ? error : "", error ? strlen(error) : 0,
		    STYLE_NORMAL);
	}
	ui_push(ui, &view_details_ops);
}

void
view_details_open_msg(struct ui *ui, const struct store_msg *m)
{
	struct ui_account *a = account_current(ui);
	struct crypto_status st;
	struct cachet_err err;
	char *subject = xstrdup(m->subject ? m->subject : "");
	int64_t id = m->id;

	memset(&st, 0, sizeof(st));
	if (a == NULL) {
		ui_error(ui, "no account");
	} else if (cmd_secstat_compute(a->st, id, false, &st, &err) != 0) {
		crypto_status_release(&st);
		view_details_open(ui, NULL, err.code == CACHET_E_NOTFOUND ?
		    "the body is not downloaded yet" : err.msg, subject);
	} else {
		view_details_open(ui, &st, NULL, subject);
		crypto_status_release(&st);
	}
	/* The computation refreshed the row's cached status. */
	view_index_invalidate(ui);
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
	free(subject);
}

static size_t
details_max_top(struct ui *ui, int h)
{
	struct ui_details *d = &ui->details;

	return d->nrows > (size_t)h ? d->nrows - (size_t)h : 0;
}

static void
details_draw(struct ui *ui, WINDOW *w)
{
	struct ui_details *d = &ui->details;
	int h = getmaxy(w), width = getmaxx(w), y;

	if (d->width != width || d->rows == NULL) {
		free(d->rows);
		d->rows = draw_wrap(d->src, d->nsrc, width, &d->nrows);
		d->width = width;
	}
	if (d->top > details_max_top(ui, h))
		d->top = details_max_top(ui, h);
	for (y = 0; y < h; y++) {
		size_t i = d->top + (size_t)y;

		if (i < d->nrows)
			draw_wtext(w, y, 0, width, d->rows[i].text,
			    d->rows[i].len, ui_style(ui, d->rows[i].style),
			    true);
		else
			draw_fill(w, y, 0, width, ui_style(ui, STYLE_NORMAL));
	}
}

static bool
details_action(struct ui *ui, enum ui_action a)
{
	struct ui_details *d = &ui->details;

	if (a == UI_A_CLOSE || a == UI_A_SECURITY_DETAILS) {
		ui_pop(ui);
		return true;
	}
	return ui_scroll_action(ui, a, &d->top, d->nrows);
}

static void
details_status(struct ui *ui, struct buf *b)
{
	struct ui_details *d = &ui->details;

	buf_addf(b, "security details  line %zu/%zu",
	    d->nrows ? d->top + 1 : 0, d->nrows);
}

const struct ui_view_ops view_details_ops = {
	.name = "security details",
	.ctx = KEYMAP_DETAILS,
	.draw = details_draw,
	.action = details_action,
	.status = details_status,
	.close = details_release,
};
