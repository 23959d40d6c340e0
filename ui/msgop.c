/*
 * msgop: what the user does to a message (read/unread, flag, delete, move
 * and copy to a folder, undo of the last delete or move),
 * queued in the store's pending operations so it works offline: the store
 * applies it to the local view at once and sync replays it on the server
 * later. The UI never talks to the network. UI thread.
 */
#include "ui.h"

#include <string.h>

static int
msgop_queue(struct ui *ui, const struct store_op *op, int64_t *id)
{
	struct ui_account *a = account_current(ui);
	struct cachet_err err;

	if (a == NULL)
		return CACHET_E_INVAL;
	if (store_op_add(a->st, op, id, &err) != 0) {
		ui_error(ui, "%s", err.msg);
		return err.code;
	}
	ui_dirty(ui, UI_DIRTY_DATA);
	return 0;
}

int
msgop_flags(struct ui *ui, const struct store_msg *m, uint32_t add,
    uint32_t del)
{
	struct store_op op = {
		.kind = STORE_OP_FLAGS,
		.folder_id = m->folder_id,
		.uid = m->uid,
		.flags_add = add,
		.flags_del = del,
	};

	return msgop_queue(ui, &op, NULL);
}

int
msgop_toggle(struct ui *ui, const struct store_msg *m, uint32_t flag)
{
	bool had = (m->flags & flag) != 0;
	int rc;

	if (had)
		rc = msgop_flags(ui, m, 0, flag);
	else
		rc = msgop_flags(ui, m, flag, 0);
	if (rc != 0)
		return rc;
	if (flag == STORE_F_SEEN)
		ui_message(ui, had ? "marked unread (queued for sync)" :
		    "marked read (queued for sync)");
	else if (flag == STORE_F_FLAGGED)
		ui_message(ui, had ? "unflagged (queued for sync)" :
		    "flagged (queued for sync)");
	return 0;
}

int
msgop_delete(struct ui *ui, const struct store_msg *m)
{
	struct store_op op = {
		.kind = STORE_OP_DELETE,
		.folder_id = m->folder_id,
		.uid = m->uid,
	};
	int64_t id = m->id, op_id = 0;
	int rc;

	if ((rc = msgop_queue(ui, &op, &op_id)) != 0)
		return rc;
	ui->op.undo_acct = ui->cur_acct;
	ui->op.undo_op = op_id;
	ui->op.undo_msg = id;
	view_index_forget(ui, id);
	ui_message(ui, "deleted (queued for sync)");
	return 0;
}
