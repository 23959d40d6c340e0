/*
 * view_compose: the compose screen after the editor. The header block,
 * the attachments, the security choices (sign, encrypt, protocol and what
 * "auto" resolves to), every recipient's key status and the body, as rows
 * rebuilt when the message changes; attachments and recipients can be
 * selected for detach, rename and choose-key. Every string from the
 * message or a key is sanitised before it is drawn. UI thread.
 */
#include "ui.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPOSE_FPR_TAIL 16
#define COMPOSE_NONE ((size_t)-1)

static void
row_add(struct ui_compose *c, enum theme_style style, int kind, size_t idx,
    const char *text)
{
	c->rows = xreallocarray(c->rows, c->nrows + 1, sizeof(*c->rows));
	c->rows[c->nrows].text = util_sanitize(text, strlen(text), false,
	    true);
	c->rows[c->nrows].style = style;
	c->rows[c->nrows].kind = kind;
	c->rows[c->nrows].idx = idx;
	c->nrows++;
}

static void
row_addf(struct ui_compose *c, enum theme_style style, int kind, size_t idx,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
row_addf(struct ui_compose *c, enum theme_style style, int kind, size_t idx,
    const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	row_add(c, style, kind, idx, s);
	util_free_secret(s);
}

void
view_compose_release_rows(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;
	size_t i;

	/* Body rows may hold decrypted text. */
	for (i = 0; i < c->nrows; i++)
		util_free_secret(c->rows[i].text);
	FREE_AND_NULL(c->rows);
	c->nrows = 0;
}

static const char *
proto_name(enum compose_proto p)
{
	switch (p) {
	case COMPOSE_PROTO_OPENPGP:
		return "OpenPGP";
	case COMPOSE_PROTO_SMIME:
		return "S/MIME";
	default:
		return "auto";
	}
}

static const char *
val(const char *s)
{
	return s != NULL ? s : "";
}

/* Key status of the recipients, when the message changed. */
static void
compose_keys_refresh(struct ui_compose *c)
{
	struct crypto_ctx cc;
	struct cachet_err err;

	compose_keystats_free(c->ks, c->nks);
	c->ks = NULL;
	c->nks = 0;
	c->auto_proto = 0;
	FREE_AND_NULL(c->ks_error);
	c->ks_stale = false;
	cmd_crypto_ctx(&cc);
	if (compose_key_status(&c->msg, &cc, &c->ks, &c->nks, &c->auto_proto,
	    &err) != 0) {
		compose_keystats_free(c->ks, c->nks);
		c->ks = NULL;
		c->nks = 0;
		c->ks_error = xstrdup(err.msg);
	}
}

static void
rows_headers(struct ui_compose *c)
{
	const struct compose_msg *m = &c->msg;

	row_addf(c, STYLE_PAGER_HEADER, COMPOSE_ROW_TEXT, 0, "From:    %s",
	    val(m->from));
	row_addf(c, STYLE_PAGER_HEADER, COMPOSE_ROW_TEXT, 0, "To:      %s",
	    val(m->to));
	row_addf(c, STYLE_PAGER_HEADER, COMPOSE_ROW_TEXT, 0, "Cc:      %s",
	    val(m->cc));
	row_addf(c, STYLE_PAGER_HEADER, COMPOSE_ROW_TEXT, 0, "Bcc:     %s",
	    val(m->bcc));
	row_addf(c, STYLE_PAGER_HEADER, COMPOSE_ROW_TEXT, 0, "Subject: %s",
	    val(m->subject));
	/* Set by a reply or a mailto: link; shown, since it is sent. */
	if (m->in_reply_to != NULL)
		row_addf(c, STYLE_PAGER_HEADER, COMPOSE_ROW_TEXT, 0,
		    "In-Reply-To: <%s>", m->in_reply_to);
}

static void
rows_attachments(struct ui_compose *c)
{
	const struct compose_msg *m = &c->msg;
	char size[16];
	size_t i;

	row_add(c, STYLE_NORMAL, COMPOSE_ROW_TEXT, 0, "");
	if (m->natts == 0) {
		row_add(c, STYLE_PAGER_HEADER, COMPOSE_ROW_TEXT, 0,
		    "Attachments: none");
		return;
	}
	row_addf(c, STYLE_PAGER_HEADER, COMPOSE_ROW_TEXT, 0,
	    "Attachments (%zu):", m->natts);
	for (i = 0; i < m->natts; i++) {
		const struct compose_attachment *a = &m->atts[i];

		if (a->data != NULL)
			draw_size(size, sizeof(size), a->len);
		row_addf(c, STYLE_PAGER_ATTACHMENT, COMPOSE_ROW_ATT, i,
		    "  [%zu] %s  %s%s%s", i + 1, val(a->name),
		    a->type ? a->type : "(type from content)",
		    a->data ? "  " : "", a->data ? size : "");
	}
}

static void
rows_security(struct ui_compose *c)
{
	const struct compose_msg *m = &c->msg;
	const char *res = "";
	char buf[96];

	if (m->proto == COMPOSE_PROTO_AUTO) {
		snprintf(buf, sizeof(buf), " (resolves to %s)",
		    c->auto_proto ? proto_name(c->auto_proto) :
		    "none: no protocol has a valid key for everyone");
		res = buf;
	}
	row_add(c, STYLE_NORMAL, COMPOSE_ROW_TEXT, 0, "");
	row_addf(c, STYLE_PAGER_HEADER, COMPOSE_ROW_TEXT, 0,
	    "Security: sign %s, encrypt %s, protocol %s%s",
	    (m->security & COMPOSE_SIGN) ? "on" : "off",
	    (m->security & COMPOSE_ENCRYPT) ? "on" : "off",
	    proto_name(m->proto), res);
	if (m->orig_encrypted || m->orig_signed || m->quotes_decrypted)
		row_addf(c, STYLE_PAGER_NOTICE, COMPOSE_ROW_TEXT, 0,
		    "  answers a%s%s%s message%s",
		    m->orig_signed ? " signed" : "",
		    m->orig_signed && m->orig_encrypted ? "," : "",
		    m->orig_encrypted ? " encrypted" :
		    (m->orig_signed ? "" : "n"),
		    m->quotes_decrypted ? "; quotes decrypted text" : "");
}

static enum theme_style
key_style(enum compose_keystate s)
{
	switch (s) {
	case COMPOSE_KEY_VALID:
		return STYLE_SEC_GOOD;
	case COMPOSE_KEY_UNTRUSTED:
	case COMPOSE_KEY_AMBIGUOUS:
		return STYLE_SEC_PARTIAL;
	default:
		return STYLE_SEC_BAD;
	}
}

static void
rows_keys(struct ui_compose *c)
{
	size_t i, fl;

	row_add(c, STYLE_NORMAL, COMPOSE_ROW_TEXT, 0, "");
	row_add(c, STYLE_PAGER_HEADER, COMPOSE_ROW_TEXT, 0, "Recipient keys:");
	if (c->ks_error != NULL)
		row_addf(c, STYLE_SEC_BAD, COMPOSE_ROW_TEXT, 0,
		    "  key status unavailable: %s", c->ks_error);
	else if (c->nks == 0)
		row_add(c, STYLE_NORMAL, COMPOSE_ROW_TEXT, 0,
		    "  (no recipients, or no crypto engine)");
	for (i = 0; i < c->nks; i++) {
		const struct compose_keystat *k = &c->ks[i];
		const char *fpr = k->fpr ? k->fpr : "-";

		fl = strlen(fpr);
		row_addf(c, key_style(k->state), COMPOSE_ROW_KEY, i,
		    "  %-32s %-8s %-9s %s%-16s  %s%s", val(k->addr),
		    proto_name(k->proto), compose_keystate_name(k->state),
		    fl > COMPOSE_FPR_TAIL ? "..." : "",
		    fl > COMPOSE_FPR_TAIL ? fpr + fl - COMPOSE_FPR_TAIL : fpr,
		    val(k->origin), k->ncandidates > 1 ?
		    "  (several keys: choose-key)" : "");
	}
}

static void
rows_body(struct ui_compose *c)
{
	const char *s = val(c->msg.body), *nl, *q;
	size_t len;
	char *line;

	row_add(c, STYLE_NORMAL, COMPOSE_ROW_TEXT, 0, "");
	row_add(c, STYLE_PAGER_HEADER, COMPOSE_ROW_TEXT, 0, "Body:");
	while (*s != '\0') {
		nl = strchr(s, '\n');
		len = nl ? (size_t)(nl - s) : strlen(s);
		line = xmalloc(len + 3);
		memcpy(line, "  ", 2);
		memcpy(line + 2, s, len);
		line[len + 2] = '\0';
		for (q = s; q < s + len && (*q == ' ' || *q == '\t'); q++)
			;
		row_add(c, q < s + len && *q == '>' ? STYLE_PAGER_QUOTE :
		    STYLE_PAGER_BODY, COMPOSE_ROW_TEXT, 0, line);
		util_free_secret(line);
		s = nl ? nl + 1 : s + len;
	}
}

static void
compose_rows(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;

	if (c->ks_stale)
		compose_keys_refresh(c);
	view_compose_release_rows(ui);
	rows_headers(c);
	rows_attachments(c);
	rows_security(c);
	rows_keys(c);
	rows_body(c);
	c->rows_stale = false;
	if (c->sel != COMPOSE_NONE && (c->sel >= c->nrows ||
	    c->rows[c->sel].kind == COMPOSE_ROW_TEXT))
		c->sel = COMPOSE_NONE;
}

void
view_compose_show(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;

	c->shown = true;
	if (ui_top(ui) != &view_compose_ops)
		ui_push(ui, &view_compose_ops);
	compose_changed(ui);
}

static void
compose_draw(struct ui *ui, WINDOW *w)
{
	struct ui_compose *c = &ui->compose;
	int h = getmaxy(w), width = getmaxx(w), y;
	size_t max;

	if (c->rows_stale)
		compose_rows(ui);
	max = c->nrows > (size_t)h ? c->nrows - (size_t)h : 0;
	if (c->sel != COMPOSE_NONE && c->sel < c->top)
		c->top = c->sel;
	if (c->sel != COMPOSE_NONE && c->sel >= c->top + (size_t)h)
		c->top = c->sel - (size_t)h + 1;
	if (c->top > max)
		c->top = max;
	for (y = 0; y < h; y++) {
		size_t i = c->top + (size_t)y;

		if (i >= c->nrows) {
			draw_fill(w, y, 0, width, ui_style(ui, STYLE_NORMAL));
			continue;
		}
		draw_text(w, y, 0, width, c->rows[i].text, ui_style(ui,
		    i == c->sel ? STYLE_INDEX_SELECTED : c->rows[i].style),
		    true);
	}
}

/* Move the selection over attachments and recipients. */
static void
compose_select(struct ui *ui, int dir)
{
	struct ui_compose *c = &ui->compose;
	size_t i;

	if (c->rows_stale)
		compose_rows(ui);
	if (dir > 0) {
		i = c->sel == COMPOSE_NONE ? 0 : c->sel + 1;
		for (; i < c->nrows; i++)
			if (c->rows[i].kind != COMPOSE_ROW_TEXT)
				break;
	} else {
		i = c->sel == COMPOSE_NONE ? c->nrows : c->sel;
		while (i > 0 && c->rows[i - 1].kind == COMPOSE_ROW_TEXT)
			i--;
		i = i > 0 ? i - 1 : c->nrows;
	}
	if (i >= c->nrows) {
		ui_message(ui, dir > 0 ? "no attachment or recipient below" :
		    "no attachment or recipient above");
		return;
	}
	c->sel = i;
	ui_dirty(ui, UI_DIRTY_MAIN);
}

/* The selected row's index when it is of kind, else COMPOSE_NONE. */
size_t
view_compose_selected(struct ui *ui, int kind)
{
	struct ui_compose *c = &ui->compose;

	if (c->sel == COMPOSE_NONE || c->sel >= c->nrows ||
	    c->rows[c->sel].kind != kind)
		return COMPOSE_NONE;
	return c->rows[c->sel].idx;
}

static void
compose_choose_key(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;
	size_t i = view_compose_selected(ui, COMPOSE_ROW_KEY);

	if (i == COMPOSE_NONE || i >= c->nks) {
		/* Without a selection: the first recipient to choose for. */
		for (i = 0; i < c->nks; i++)
			if (c->ks[i].state == COMPOSE_KEY_AMBIGUOUS)
				break;
	}
	if (i >= c->nks || c->ks[i].addr == NULL) {
		ui_error(ui, "select a recipient first (j)");
		return;
	}
	view_keypick_open(ui, c->ks[i].addr, c->ks[i].proto);
}

static void
compose_toggle(struct ui *ui, unsigned bit)
{
	struct compose_msg *m = &ui->compose.msg;

	m->security ^= bit;
	ui_message(ui, "%s %s", bit == COMPOSE_SIGN ? "signing" :
	    "encryption", (m->security & bit) ? "on" : "off");
	compose_changed(ui);
}

static void
compose_cycle_proto(struct ui *ui)
{
	struct compose_msg *m = &ui->compose.msg;

	m->proto = m->proto == COMPOSE_PROTO_AUTO ? COMPOSE_PROTO_OPENPGP :
	    m->proto == COMPOSE_PROTO_OPENPGP ? COMPOSE_PROTO_SMIME :
	    COMPOSE_PROTO_AUTO;
	ui_message(ui, "protocol %s", proto_name(m->proto));
	compose_changed(ui);
}

/* Actions that would leave the message behind: finish it first. */
static bool
compose_blocked(enum ui_action a)
{
	switch (a) {
	case UI_A_COMPOSE:
	case UI_A_REPLY:
	case UI_A_REPLY_ALL:
	case UI_A_FORWARD:
	case UI_A_FORWARD_ATTACH:
	case UI_A_RESUME_DRAFT:
	case UI_A_NEXT_FOLDER:
	case UI_A_PREV_FOLDER:
	case UI_A_SEARCH:
	case UI_A_QUIT:
		return true;
	default:
		return false;
	}
}

static bool
compose_edit_action(struct ui *ui, enum ui_action a)
{
	switch (a) {
	case UI_A_SEND:
		compose_send(ui);
		return true;
	case UI_A_POSTPONE:
		compose_postpone(ui);
		return true;
	case UI_A_EDIT:
		compose_edit(ui);
		return true;
	case UI_A_CANCEL:
	case UI_A_CLOSE:
		compose_cancel(ui);
		return true;
	case UI_A_ATTACH:
		compose_att_add(ui);
		return true;
	case UI_A_DETACH:
		compose_att_remove(ui);
		return true;
	case UI_A_RENAME_ATTACHMENT:
		compose_att_rename(ui);
		return true;
	case UI_A_EDIT_TO:
	case UI_A_EDIT_CC:
	case UI_A_EDIT_BCC:
	case UI_A_EDIT_SUBJECT:
		compose_hdr_edit(ui, a);
		return true;
	default:
		return false;
	}
}

static bool
compose_action(struct ui *ui, enum ui_action a)
{
	struct ui_compose *c = &ui->compose;

	if (compose_edit_action(ui, a))
		return true;
	switch (a) {
	case UI_A_TOGGLE_SIGN:
		compose_toggle(ui, COMPOSE_SIGN);
		return true;
	case UI_A_TOGGLE_ENCRYPT:
		compose_toggle(ui, COMPOSE_ENCRYPT);
		return true;
	case UI_A_CYCLE_PROTOCOL:
		compose_cycle_proto(ui);
		return true;
	case UI_A_CHOOSE_KEY:
		compose_choose_key(ui);
		return true;
	case UI_A_NEXT_MESSAGE:
	case UI_A_PREV_MESSAGE:
		compose_select(ui, a == UI_A_NEXT_MESSAGE ? 1 : -1);
		return true;
	case UI_A_PAGE_DOWN:
	case UI_A_PAGE_UP:
	case UI_A_LINE_DOWN:
	case UI_A_LINE_UP:
	case UI_A_FIRST:
	case UI_A_LAST:
		c->sel = COMPOSE_NONE;
		return ui_scroll_action(ui, a, &c->top, c->nrows);
	default:
		break;
	}
	if (compose_blocked(a)) {
		ui_error(ui, "send, postpone or cancel the message first");
		return true;
	}
	return false;
}

static void
compose_status(struct ui *ui, struct buf *b)
{
	struct ui_compose *c = &ui->compose;

	buf_addf(b, "compose  %zu attachment%s  sign %s  encrypt %s",
	    c->msg.natts, c->msg.natts == 1 ? "" : "s",
	    (c->msg.security & COMPOSE_SIGN) ? "on" : "off",
	    (c->msg.security & COMPOSE_ENCRYPT) ? "on" : "off");
}

/* Popped by anything but send, postpone or cancel: nothing may linger. */
static void
compose_close(struct ui *ui)
{
	if (ui->compose.active)
		compose_discard(ui);
}

const struct ui_view_ops view_compose_ops = {
	.name = "compose",
	.ctx = KEYMAP_COMPOSE,
	.draw = compose_draw,
	.action = compose_action,
	.status = compose_status,
	.close = compose_close,
};
