/*
 * view_help: the active key bindings, read from the key map when the view
 * opens, grouped by context and action. UI thread.
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>

static void
help_add(struct ui *ui, enum theme_style style, const char *text)
{
	ui->help = xreallocarray(ui->help, ui->nhelp + 1, sizeof(*ui->help));
	ui->help[ui->nhelp].text = draw_wcs(text, &ui->help[ui->nhelp].len);
	ui->help[ui->nhelp].style = style;
	ui->nhelp++;
}

/* The keys bound to action in ctx, "j <Down>", in b; false if none. */
static bool
help_keys(struct ui *ui, enum keymap_ctx ctx, enum ui_action a,
    struct buf *b)
{
	char name[32];
	size_t i;
	bool any = false;

	buf_reset(b);
	for (i = 0; i < ui->keys.n; i++) {
		const struct keymap_binding *kb = &ui->keys.b[i];

		if (kb->ctx != ctx || kb->action != a)
			continue;
		if (any)
			buf_addc(b, ' ');
		buf_adds(b, keymap_key_name(kb->key, name, sizeof(name)));
		any = true;
	}
	return any;
}

static void
help_release(struct ui *ui)
{
	size_t i;

	for (i = 0; i < ui->nhelp; i++)
		free(ui->help[i].text);
	FREE_AND_NULL(ui->help);
	ui->nhelp = 0;
	ui->help_top = 0;
}

/* What the index's security column and the pager's banner mean. */
static const char *const help_security[] = {
	"The security column of the index (two cells):",
	"  S   signed: good signature(s) covering everything shown",
	"  s   partly signed: a good signature over some parts only",
	"  !   problem: bad or unverifiable signature, signer is not the",
	"      sender, ambiguous sender, weak algorithm, decryption or",
	"      integrity failure",
	"   E  encrypted (the message was decrypted)",
	"   e  only some parts are encrypted, or an inner part is",
	"  ?   not checked yet (or checked before the keys changed)",
	"      blank: neither signed nor encrypted",
	"",
	"The pager's security banner sits on its own rows above the message,",
	"in reverse video, opened by a diamond and closed by a line: message",
	"text is never drawn there, nor in reverse video. Every message has",
	"one, \"NOT SIGNED, NOT ENCRYPTED\" included. security-details lists",
	"every part: signer, fingerprint, algorithms, trust, X.509 chain.",
};

static void
help_add_security(struct ui *ui)
{
	size_t i;

	help_add(ui, STYLE_NORMAL, "");
	help_add(ui, STYLE_HELP_HEADING, "security");
	for (i = 0; i < sizeof(help_security) / sizeof(help_security[0]); i++)
		help_add(ui, STYLE_NORMAL, help_security[i]);
}

void
view_help_open(struct ui *ui)
{
	struct buf keys = BUF_INIT, line = BUF_INIT;
	int ctx, a;

	if (ui_top(ui) == &view_help_ops)
		return;
	help_release(ui);
	help_add(ui, STYLE_HELP_HEADING, "cachet key bindings");
	for (ctx = 0; ctx < KEYMAP_NCTX; ctx++) {
		help_add(ui, STYLE_NORMAL, "");
		help_add(ui, STYLE_HELP_HEADING, keymap_ctx_name(ctx));
		for (a = 1; a < UI_A_COUNT; a++) {
			if (!help_keys(ui, ctx, a, &keys))
				continue;
			buf_reset(&line);
			buf_addf(&line, "  %-26s %-16s %s", keys.data,
			    keymap_action_name(a), keymap_action_help(a));
			help_add(ui, STYLE_NORMAL, line.data);
		}
	}
	help_add_security(ui);
	buf_release(&keys);
	buf_release(&line);
	ui_push(ui, &view_help_ops);
}

static void
help_draw(struct ui *ui, WINDOW *w)
{
	int h = getmaxy(w), width = getmaxx(w), y;
	size_t max = ui->nhelp > (size_t)h ? ui->nhelp - (size_t)h : 0;

	if (ui->help_top > max)
		ui->help_top = max;
	for (y = 0; y < h; y++) {
		size_t i = ui->help_top + (size_t)y;

		if (i < ui->nhelp)
			draw_wtext(w, y, 0, width, ui->help[i].text,
			    ui->help[i].len, ui_style(ui, ui->help[i].style),
			    true);
		else
			draw_fill(w, y, 0, width, ui_style(ui, STYLE_NORMAL));
	}
}

static bool
help_action(struct ui *ui, enum ui_action a)
{
	if (a == UI_A_CLOSE || a == UI_A_HELP) {
		ui_pop(ui);
		return true;
	}
	return ui_scroll_action(ui, a, &ui->help_top, ui->nhelp);
}

static void
help_status(struct ui *ui, struct buf *b)
{
	buf_addf(b, "help  line %zu/%zu", ui->nhelp ? ui->help_top + 1 : 0,
	    ui->nhelp);
}

const struct ui_view_ops view_help_ops = {
	.name = "help",
	.ctx = KEYMAP_HELP,
	.draw = help_draw,
	.action = help_action,
	.status = help_status,
	.close = help_release,
};
