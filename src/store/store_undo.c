/*
 * store_undo: taking back a queued operation before sync has replayed it.
 * Cancelling a delete or move shows the message again; the operation row
 * and the change to the local view go in one transaction. Runs on the
 * thread that owns the store.
 */
#include "store/store_int.h"

#include <inttypes.h>

/* Prepare a one-off statement (undo is rare: nothing is cached). */
static sqlite3_stmt *
undo_prepare(struct store *st, const char *sql, struct cachet_err *err)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_sqlerr(st, err, "prepare undo");
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

/* The kind, folder and UID of pending operation id. */
static int
undo_find(struct store *st, int64_t id, struct store_op *op,
    struct cachet_err *err)
{
	sqlite3_stmt *s = undo_prepare(st,
	    "SELECT kind, folder_id, uid FROM ops WHERE id = ?1", err);
	int rc;

	if (s == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		op->id = id;
		op->kind = (enum store_op_kind)sqlite3_column_int(s, 0);
		op->folder_id = sqlite3_column_int64(s, 1);
		op->uid = (uint32_t)sqlite3_column_int64(s, 2);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = cachet_err(err, CACHET_E_NOTFOUND,
		    "store: operation %" PRId64 " is no longer pending", id);
	} else {
		rc = store_sqlerr(st, err, "find operation");
	}
	sqlite3_finalize(s);
	return rc;
}

static int
undo_run(struct store *st, const char *sql, const struct store_op *op,
    const char *what, struct cachet_err *err)
{
	sqlite3_stmt *s = undo_prepare(st, sql, err);
	int rc = 0;

	if (s == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, op->id);
	sqlite3_bind_int64(s, 2, op->folder_id);
	sqlite3_bind_int64(s, 3, op->uid);
	/* Statements with fewer parameters ignore the others. */
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = store_sqlerr(st, err, what);
	sqlite3_finalize(s);
	return rc;
}

/*
 * Show the message again, unless another pending delete or move of it
 * still hides it.
 */
static int
undo_unhide(struct store *st, const struct store_op *op,
    struct cachet_err *err)
{
	static const char sql[] =
	    "UPDATE messages SET hidden = 0"
	    " WHERE folder_id = ?2 AND uid = ?3 AND NOT EXISTS"
	    " (SELECT 1 FROM ops WHERE id != ?1 AND folder_id = ?2"
	    " AND uid = ?3 AND kind IN (2, 3))";	/* DELETE, MOVE */

	return undo_run(st, sql, op, "show message again", err);
}

int
store_op_cancel(struct store *st, int64_t id, struct cachet_err *err)
{
	struct store_op op = {0};
	struct store_tx tx;
	int rc;

	if ((rc = store_tx_begin(st, &tx, err)) != 0)
		return rc;
	if ((rc = undo_find(st, id, &op, err)) != 0)
		goto out;
	if (op.kind == STORE_OP_FLAGS || op.kind == STORE_OP_APPEND) {
		rc = cachet_err(err, CACHET_E_INVAL,
		    "store: only a delete, move or copy can be undone");
		goto out;
	}
	rc = undo_run(st, "DELETE FROM ops WHERE id = ?1", &op,
	    "cancel operation", err);
	if (rc == 0 && op.kind != STORE_OP_COPY)
		rc = undo_unhide(st, &op, err);
out:
	return store_tx_end(st, &tx, rc, err);
}
