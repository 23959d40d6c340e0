/*
 * compose: starting a message (new, reply, reply-all, forward inline or as
 * an attachment, a resumed draft) and finishing it (send with the safety
 * questions first, postpone to Drafts, cancel after asking). The message
 * lives in ui->compose while it is written; its text is wiped when it
 * goes. Building, queueing and submitting are cmd_ui_send's: the UI never
 * talks to the network. UI thread.
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum compose_confirm {
	CONFIRM_UNENCRYPTED,
	CONFIRM_UNSIGNED,
	CONFIRM_DONE,
};

static void compose_send_step(struct ui *ui);

bool
compose_busy(struct ui *ui)
{
	if (!ui->compose.active)
		return false;
	ui_error(ui, "a message is being written already");
	return true;
}

void
compose_changed(struct ui *ui)
{
	ui->compose.ks_stale = true;
	ui->compose.rows_stale = true;
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

/* The account the message is written from, as cmd names it. */
static const struct cmd_ui_account *
compose_account(struct ui *ui)
{
	size_t i = ui->compose.acct;

	return i < ui->args->naccounts ? &ui->args->accounts[i] : NULL;
}

/* Everything of the message goes: text wiped, file removed, view closed. */
void
compose_discard(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;
	bool shown = ui_top(ui) == &view_compose_ops;

	compose_edit_cleanup(ui);
	compose_msg_release(&c->msg);
	compose_keystats_free(c->ks, c->nks);
	free(c->ks_error);
	view_compose_release_rows(ui);
	memset(c, 0, sizeof(*c));
	if (shown)
		ui_pop(ui);
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

/* A fresh message for the current account; false without one. */
static bool
compose_begin(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;

	if (compose_busy(ui))
		return false;
	if (account_current(ui) == NULL) {
		ui_error(ui, "no account to write from");
		return false;
	}
	memset(c, 0, sizeof(*c));
	c->acct = ui->cur_acct;
	c->sel = (size_t)-1;
	c->ks_stale = c->rows_stale = true;
	return true;
}

void
compose_start_new(struct ui *ui)
{
	const struct cmd_ui_account *ca;
	struct ui_compose *c = &ui->compose;

	if (!compose_begin(ui))
		return;
	compose_msg_init(&c->msg);
	ca = compose_account(ui);
	if (ca != NULL && ca->from != NULL)
		c->msg.from = xstrdup(ca->from);
	c->active = true;
	c->is_new = true;
	compose_edit(ui);
}

/*
 * A message from a mailto: link. Nothing is sent without the user: the
 * compose screen shows every header the link set, and the editor runs
 * only when asked (e).
 */
void
compose_start_mailto(struct ui *ui, const char *uri)
{
	const struct cmd_ui_account *ca;
	struct ui_compose *c = &ui->compose;
	struct cachet_err err;

	if (!compose_begin(ui))
		return;
	if (compose_mailto(uri, &c->msg, &err) != 0) {
		compose_msg_release(&c->msg);
		ui_error(ui, "cannot use the mailto: link: %s", err.msg);
		return;
	}
	ca = compose_account(ui);
	free(c->msg.from);
	c->msg.from = ca != NULL && ca->from != NULL ? xstrdup(ca->from) :
	    NULL;
	c->active = true;
	c->is_new = true;
	view_compose_show(ui);
	ui_message(ui, "from a mailto: link: check every field before "
	    "sending (e edits)");
}

/* The selected message: the pager's when it is open, else the index's. */
static const struct store_msg *
compose_source(struct ui *ui)
{
	const struct store_msg *m;

	if (ui_top(ui) == &view_pager_ops)
		return &ui->pager.msg;
	view_index_sync(ui);
	if ((m = view_index_current(ui)) == NULL)
		ui_error(ui, "no message selected");
	return m;
}

/*
 * The message's security status: what the pager computed when the message
 * is open there (so a reply quotes what was shown), else computed now.
 * *own: the caller releases it.
 */
static const struct crypto_status *
compose_status(struct ui *ui, int64_t id, struct crypto_status *st,
    bool *own)
{
	struct ui_account *a = account_current(ui);
	struct cachet_err err;

	*own = false;
	if (ui_top(ui) == &view_pager_ops && ui->pager.msg_id == id &&
	    ui->pager.has_sec)
		return &ui->pager.sec;
	memset(st, 0, sizeof(*st));
	if (cmd_secstat_compute(a->st, id, false, st, &err) != 0) {
		crypto_status_release(st);
		return NULL;
	}
	*own = true;
	return st;
}

static const char *
compose_mode_name(enum compose_reply_mode mode)
{
	switch (mode) {
	case COMPOSE_REPLY:
		return "reply";
	case COMPOSE_REPLY_ALL:
		return "reply to all";
	default:
		return "forward";
	}
}

void
compose_start_reply(struct ui *ui, enum compose_reply_mode mode)
{
	struct ui_compose *c = &ui->compose;
	const struct store_msg *m;
	const struct cmd_ui_account *ca;
	const struct crypto_status *st;
	struct crypto_status own_st;
	struct cachet_err err;
	char *raw = NULL;
	size_t len = 0;
	bool own = false;
	int rc;

	if (compose_busy(ui) || (m = compose_source(ui)) == NULL ||
	    !compose_begin(ui))
		return;
	if (store_msg_read_raw(account_current(ui)->st, m->id, &raw, &len,
	    &err) != 0) {
		ui_error(ui, "cannot %s: %s", compose_mode_name(mode),
		    err.code == CACHET_E_NOTFOUND ?
		    "the body is not downloaded yet" : err.msg);
		return;
	}
	st = compose_status(ui, m->id, &own_st, &own);
	ca = compose_account(ui);
	rc = compose_reply(raw, len, st, mode, ca ? ca->from : NULL, &c->msg,
	    &err);
	if (own)
		crypto_status_release(&own_st);
	free(raw);
	if (rc != 0) {
		compose_msg_release(&c->msg);
		ui_error(ui, "cannot %s: %s", compose_mode_name(mode),
		    err.msg);
		return;
	}
	if (util_str_empty(c->msg.from) && ca != NULL && ca->from != NULL) {
		free(c->msg.from);
		c->msg.from = xstrdup(ca->from);
	}
	c->active = true;
	compose_edit(ui);
}

/* A message in a folder named Drafts, or flagged as a draft. */
static bool
compose_is_draft(struct ui *ui, const struct store_msg *m)
{
	const struct store_folder *f = account_folder(ui);
	const char *name, *slash;

	if (m->flags & STORE_F_DRAFT)
		return true;
	if (f == NULL || f->id != m->folder_id)
		return false;
	name = f->name;
	if (f->delim != '\0' && (slash = strrchr(name, f->delim)) != NULL)
		name = slash + 1;
	return strcasecmp(name, "Drafts") == 0;
}

void
compose_start_draft(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;
	const struct store_msg *m;
	struct crypto_ctx cc;
	struct cachet_err err;
	char *raw = NULL;
	size_t len = 0;
	int rc;

	if (compose_busy(ui) || (m = compose_source(ui)) == NULL ||
	    !compose_begin(ui))
		return;
	if (store_msg_read_raw(account_current(ui)->st, m->id, &raw, &len,
	    &err) != 0) {
		ui_error(ui, "cannot resume: %s", err.code == CACHET_E_NOTFOUND ?
		    "the body is not downloaded yet" : err.msg);
		return;
	}
	cmd_crypto_ctx(&cc);
	rc = compose_from_message(raw, len, &cc, &c->msg, &err);
	free(raw);
	if (rc != 0) {
		compose_msg_release(&c->msg);
		ui_error(ui, "cannot resume: %s", err.msg);
		return;
	}
	if (compose_is_draft(ui, m)) {
		/* The saved copy goes once this one is sent or saved. */
		c->draft_id = m->id;
		c->draft_folder = m->folder_id;
		c->draft_uid = m->uid;
	}
	c->active = true;
	compose_edit(ui);
}

/* The resumed draft is superseded: delete it (queued for sync). */
static void
compose_drop_draft(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;
	struct store_op op = {
		.kind = STORE_OP_DELETE,
		.folder_id = c->draft_folder,
		.uid = c->draft_uid,
	};
	struct cachet_err err;
	struct ui_account *a;

	/* A draft that never reached the server has no uid to delete. */
	if (c->draft_id == 0 || c->draft_uid == 0 || c->acct >= ui->nacct)
		return;
	a = &ui->acct[c->acct];
	if (store_op_add(a->st, &op, NULL, &err) != 0)
		return;
	if (c->acct == ui->cur_acct)
		view_index_forget(ui, c->draft_id);
	ui_dirty(ui, UI_DIRTY_DATA);
}

static void
compose_confirm_submit(struct ui *ui, const char *text)
{
	if (text[0] != 'y' && text[0] != 'Y') {
		ui->compose.confirm = CONFIRM_UNENCRYPTED;
		ui_message(ui, "not sent");
		return;
	}
	ui->compose.confirm++;
	compose_send_step(ui);
}

static void
compose_ask(struct ui *ui, const char *question)
{
	prompt_start(ui, question, compose_confirm_submit);
	ui->prompt.onekey = true;
}

/* The question this step would ask, or NULL when it has none. */
static const char *
compose_question(const struct compose_msg *m, int step)
{
	bool enc = (m->security & COMPOSE_ENCRYPT) != 0;

	if (step == CONFIRM_UNENCRYPTED && !enc && m->quotes_decrypted)
		return "this reply quotes decrypted text and would go out "
		    "unencrypted; send anyway? (y/n) ";
	if (step == CONFIRM_UNENCRYPTED && !enc && m->orig_encrypted)
		return "this replies to an encrypted message and would go "
		    "out unencrypted; send anyway? (y/n) ";
	if (step == CONFIRM_UNSIGNED && !(m->security & COMPOSE_SIGN) &&
	    m->orig_signed)
		return "this replies to a signed message and would go out "
		    "unsigned; send anyway? (y/n) ";
	return NULL;
}

/* Ask what is left to ask, then hand the message to cmd_ui_send. */
static void
compose_send_step(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;
	const struct cmd_ui_account *ca = compose_account(ui);
	struct cachet_err err;
	const char *q;

	for (; c->confirm < CONFIRM_DONE; c->confirm++) {
		if ((q = compose_question(&c->msg, c->confirm)) != NULL) {
			compose_ask(ui, q);
			return;
		}
	}
	c->confirm = CONFIRM_UNENCRYPTED;
	if (ca == NULL || c->acct >= ui->nacct) {
		ui_error(ui, "not sent: the account is gone");
		return;
	}
	if (cmd_ui_send(ca->name, ui->acct[c->acct].st, &c->msg, &err) != 0) {
		/* Nothing was queued: the message stays on screen. */
		ui_error(ui, "not sent: %s", err.msg);
		compose_changed(ui);
		return;
	}
	compose_drop_draft(ui);
	compose_discard(ui);
	ui_message(ui, "queued for sending");
}

void
compose_send(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;

	if (util_str_empty(c->msg.to) && util_str_empty(c->msg.cc) &&
	    util_str_empty(c->msg.bcc)) {
		ui_error(ui, "no recipients: edit the message (To, Cc, Bcc)");
		return;
	}
	c->confirm = CONFIRM_UNENCRYPTED;
	compose_send_step(ui);
}

void
compose_postpone(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;
	const struct cmd_ui_account *ca = compose_account(ui);
	struct cachet_err err;

	if (ca == NULL || c->acct >= ui->nacct) {
		ui_error(ui, "not saved: the account is gone");
		return;
	}
	if (cmd_ui_postpone(ca->name, ui->acct[c->acct].st, &c->msg,
	    &err) != 0) {
		ui_error(ui, "not saved: %s", err.msg);
		return;
	}
	compose_drop_draft(ui);
	compose_discard(ui);
	ui_message(ui, "saved to Drafts");
}

static void
compose_cancel_submit(struct ui *ui, const char *text)
{
	if (text[0] != 'y' && text[0] != 'Y') {
		ui_message(ui, "kept");
		return;
	}
	compose_discard(ui);
	ui_message(ui, "message discarded");
}

void
compose_cancel(struct ui *ui)
{
	prompt_start(ui, "discard this message? (y/n) ",
	    compose_cancel_submit);
	ui->prompt.onekey = true;
}
