/*
 * msgmove: moving and copying a message to another folder of its account,
 * asked for on the prompt (Tab completes folder names), and undo of the
 * session's last delete or move while sync has not replayed it. Both go
 * through the store's queue of pending operations. UI thread.
 */
#include "ui.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

static const struct store_folder *
move_find_folder(struct ui_account *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nfolders; i++)
		if (strcmp(a->folders[i].name, name) == 0)
			return &a->folders[i];
	/* INBOX is case-insensitive in IMAP. */
	if (strcasecmp(name, "INBOX") == 0)
		for (i = 0; i < a->nfolders; i++)
			if (strcasecmp(a->folders[i].name, "INBOX") == 0)
				return &a->folders[i];
	return NULL;
}

/* Tab: extend the text to the longest prefix the matching names share. */
static void
move_complete(struct ui *ui)
{
	struct ui_account *a = account_current(ui);
	char text[PROMPT_MAX * MB_LEN_MAX + 1];
	const char *first = NULL;
	size_t i, len, common = 0, nmatch = 0;

	if (a == NULL || !prompt_get_text(ui, text, sizeof(text)))
		return;
	len = strlen(text);
	for (i = 0; i < a->nfolders; i++) {
		const char *name = a->folders[i].name;
		size_t k;

		if (strncmp(name, text, len) != 0)
			continue;
		if (first == NULL) {
			first = name;
			common = strlen(name);
		}
		for (k = 0; k < common && name[k] == first[k]; k++)
			;
		common = k;
		nmatch++;
	}
	if (nmatch == 0 || common <= len || common >= sizeof(text))
		return;
	memcpy(text, first, common);
	text[common] = '\0';
	prompt_set_text(ui, text);
}

static void
move_submit(struct ui *ui, const char *text)
{
	struct ui_account *a = account_current(ui);
	struct ui_msgop *o = &ui->op;
	const struct store_folder *f;
	struct cachet_err err;
	struct store_op op = {
		.kind = o->copy ? STORE_OP_COPY : STORE_OP_MOVE,
		.folder_id = o->folder_id,
		.uid = o->uid,
	};
	int64_t op_id = 0;

	if (a == NULL || util_str_empty(text))
		return;
	if ((f = move_find_folder(a, text)) == NULL) {
		ui_error(ui, "no folder named \"%.64s\" in this account", text);
		return;
	}
	if (f->id == o->folder_id) {
		ui_error(ui, "the message is already in %.64s", f->name);
		return;
	}
	op.dest = f->name;
	if (store_op_add(a->st, &op, &op_id, &err) != 0) {
		ui_error(ui, "%s", err.msg);
		return;
	}
	if (!o->copy) {
		o->undo_acct = ui->cur_acct;
		o->undo_op = op_id;
		o->undo_msg = o->msg_id;
		view_index_forget(ui, o->msg_id);
		if (ui_top(ui) == &view_pager_ops &&
		    ui->pager.msg_id == o->msg_id)
			ui_pop(ui);
	}
	ui_message(ui, "%s %.64s (queued for sync)",
	    o->copy ? "copied to" : "moved to", f->name);
	ui_dirty(ui, UI_DIRTY_DATA | UI_DIRTY_SIDEBAR | UI_DIRTY_MAIN |
	    UI_DIRTY_STATUS);
}

void
msgop_move_start(struct ui *ui, const struct store_msg *m, bool copy)
{
	struct ui_msgop *o = &ui->op;

	o->msg_id = m->id;
	o->folder_id = m->folder_id;
	o->uid = m->uid;
	o->copy = copy;
	prompt_start(ui, copy ? "Copy to folder: " : "Move to folder: ",
	    move_submit);
	ui->prompt.complete = move_complete;
}

void
msgop_undo(struct ui *ui)
{
	struct ui_msgop *o = &ui->op;
	struct cachet_err err;
	int64_t id = o->undo_op;
	int rc;

	if (id == 0 || o->undo_acct >= ui->nacct) {
		ui_message(ui, "nothing to undo");
		return;
	}
	o->undo_op = 0;
	rc = store_op_cancel(ui->acct[o->undo_acct].st, id, &err);
	if (rc == CACHET_E_NOTFOUND) {
		ui_error(ui, "already synced; cannot undo");
		return;
	}
	if (rc != 0) {
		ui_error(ui, "undo: %s", err.msg);
		return;
	}
	view_index_invalidate(ui);
	if (o->undo_acct == ui->cur_acct)
		ui->idx.keep_id = o->undo_msg;
	ui_message(ui, "undone");
	ui_dirty(ui, UI_DIRTY_DATA | UI_DIRTY_SIDEBAR | UI_DIRTY_MAIN |
	    UI_DIRTY_STATUS);
}
