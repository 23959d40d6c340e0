/*
 * store_op: the queue of operations made offline (flag changes, deletes,
 * moves, copies, appends). Queuing one also applies it to the local view
 * in the same transaction, so the UI shows the result at once; sync
 * replays the queue in id order and drops each entry when the server has
 * it. Runs on the thread that owns the store.
 */
#include "store/store_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int
op_check(const struct store_op *op, struct cachet_err *err)
{
	if (op == NULL || op->kind < STORE_OP_FLAGS ||
	    op->kind > STORE_OP_APPEND)
		return cachet_err(err, CACHET_E_INVAL,
		    "store: bad operation kind");
	if (op->kind == STORE_OP_APPEND) {
		if (util_str_empty(op->path))
			return cachet_err(err, CACHET_E_INVAL,
			    "store: append without a file");
		return 0;
	}
	if (op->uid == 0)
		return cachet_err(err, CACHET_E_INVAL,
		    "store: operation without a UID");
	if ((op->kind == STORE_OP_MOVE || op->kind == STORE_OP_COPY) &&
	    op->dest == NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "store: move or copy without a destination");
	return 0;
}

/* Run a statement bound to (folder_id, uid) and want one changed row. */
static int
apply_stmt(struct store *st, sqlite3_stmt *s, const struct store_op *op,
    struct cachet_err *err)
{
	int rc;

	sqlite3_bind_int64(s, 1, op->folder_id);
	sqlite3_bind_int64(s, 2, op->uid);
	if ((rc = store_exec_stmt(st, s, "apply operation", err)) != 0)
		return rc;
	if (sqlite3_changes(st->db) == 0)
		return cachet_err(err, CACHET_E_NOTFOUND, "store: no message "
		    "with UID %" PRIu32 " in folder %" PRId64, op->uid,
		    op->folder_id);
	return 0;
}

static int
msg_exists(struct store *st, const struct store_op *op,
    struct cachet_err *err)
{
	sqlite3_stmt *s = store_stmt(st, STORE_SQL_OP_FIND_MSG,
	    "SELECT 1 FROM messages WHERE folder_id = ?1 AND uid = ?2", err);
	int rc;

	if (s == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, op->folder_id);
	sqlite3_bind_int64(s, 2, op->uid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = 0;
	else if (rc == SQLITE_DONE)
		rc = cachet_err(err, CACHET_E_NOTFOUND, "store: no message "
		    "with UID %" PRIu32 " in folder %" PRId64, op->uid,
		    op->folder_id);
	else
		rc = store_sqlerr(st, err, "find message");
	store_stmt_done(s);
	return rc;
}

/* Change the local view the way the server will once it is replayed. */
static int
apply_local(struct store *st, const struct store_op *op,
    struct cachet_err *err)
{
	sqlite3_stmt *s;
	int rc;

	switch (op->kind) {
	case STORE_OP_FLAGS:
		s = store_stmt(st, STORE_SQL_OP_APPLY_FLAGS,
		    "UPDATE messages SET flags = (flags | ?3) & ~?4"
		    " WHERE folder_id = ?1 AND uid = ?2", err);
		if (s == NULL)
			return CACHET_E_STORE;
		sqlite3_bind_int64(s, 3, op->flags_add);
		sqlite3_bind_int64(s, 4, op->flags_del);
		if ((rc = apply_stmt(st, s, op, err)) != 0)
			return rc;
		return store_msg_reflag(st, op->folder_id, op->uid, err);
	case STORE_OP_DELETE:
	case STORE_OP_MOVE:
		s = store_stmt(st, STORE_SQL_OP_HIDE, "UPDATE messages"
		    " SET hidden = 1 WHERE folder_id = ?1 AND uid = ?2", err);
		if (s == NULL)
			return CACHET_E_STORE;
		return apply_stmt(st, s, op, err);
	case STORE_OP_COPY:
		/* Nothing changes here, but the message must exist. */
		return msg_exists(st, op, err);
	case STORE_OP_APPEND:
		break;
	}
	return 0;
}

static void
bind_opt(sqlite3_stmt *s, int col, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, col);
	else
		sqlite3_bind_text(s, col, v, -1, SQLITE_STATIC);
}

static int
insert_op(struct store *st, const struct store_op *op, int64_t *id,
    struct cachet_err *err)
{
	static const char sql[] =
	    "INSERT INTO ops (kind, folder_id, uid, flags_add, flags_del,"
	    " dest, path) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	sqlite3_stmt *s = store_stmt(st, STORE_SQL_OP_INSERT, sql, err);
	int rc;

	if (s == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int(s, 1, op->kind);
	sqlite3_bind_int64(s, 2, op->folder_id);
	sqlite3_bind_int64(s, 3, op->kind == STORE_OP_APPEND ? 0 : op->uid);
	sqlite3_bind_int64(s, 4, op->flags_add);
	sqlite3_bind_int64(s, 5, op->flags_del);
	bind_opt(s, 6, op->dest);
	bind_opt(s, 7, op->path);
	if (sqlite3_step(s) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_FOREIGNKEY)
			rc = cachet_err(err, CACHET_E_NOTFOUND,
			    "store: queue operation: no such folder");
		else
			rc = store_sqlerr(st, err, "queue operation");
	} else {
		rc = 0;
		if (id != NULL)
			*id = sqlite3_last_insert_rowid(st->db);
	}
	store_stmt_done(s);
	return rc;
}

int
store_op_add(struct store *st, const struct store_op *op, int64_t *id,
    struct cachet_err *err)
{
	struct store_tx tx;
	int rc;

	if ((rc = op_check(op, err)) != 0)
		return rc;
	if ((rc = store_tx_begin(st, &tx, err)) != 0)
		return rc;
	if ((rc = apply_local(st, op, err)) == 0)
		rc = insert_op(st, op, id, err);
	return store_tx_end(st, &tx, rc, err);
}

static void
op_from_row(sqlite3_stmt *s, struct store_op *op)
{
	memset(op, 0, sizeof(*op));
	op->id = sqlite3_column_int64(s, 0);
	op->kind = (enum store_op_kind)sqlite3_column_int(s, 1);
	op->folder_id = sqlite3_column_int64(s, 2);
	op->uid = (uint32_t)sqlite3_column_int64(s, 3);
	op->flags_add = (uint32_t)sqlite3_column_int64(s, 4);
	op->flags_del = (uint32_t)sqlite3_column_int64(s, 5);
	op->dest = store_col_str(s, 6);
	op->path = store_col_str(s, 7);
	op->attempts = sqlite3_column_int(s, 8);
	op->last_error = store_col_str(s, 9);
}

int
store_op_list(struct store *st, int64_t folder_id, struct store_op **out,
    size_t *n, struct cachet_err *err)
{
	static const char sql[] =
	    "SELECT id, kind, folder_id, uid, flags_add, flags_del, dest,"
	    " path, attempts, last_error FROM ops"
	    " WHERE ?1 = 0 OR folder_id = ?1 ORDER BY id";
	struct store_op *v = NULL;
	size_t len = 0, cap = 0;
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	if ((s = store_stmt(st, STORE_SQL_OP_LIST, sql, err)) == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, folder_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		op_from_row(s, &v[len++]);
	}
	if (rc != SQLITE_DONE) {
		rc = store_sqlerr(st, err, "list operations");
		store_stmt_done(s);
		store_ops_free(v, len);
		return rc;
	}
	store_stmt_done(s);
	*out = v;
	*n = len;
	return 0;
}

static int
op_update(struct store *st, sqlite3_stmt *s, int64_t id, const char *what,
    struct cachet_err *err)
{
	int rc;

	sqlite3_bind_int64(s, 1, id);
	if ((rc = store_exec_stmt(st, s, what, err)) != 0)
		return rc;
	if (sqlite3_changes(st->db) == 0)
		return cachet_err(err, CACHET_E_NOTFOUND,
		    "store: no operation %" PRId64, id);
	return 0;
}

int
store_op_done(struct store *st, int64_t id, struct cachet_err *err)
{
	sqlite3_stmt *s = store_stmt(st, STORE_SQL_OP_DONE,
	    "DELETE FROM ops WHERE id = ?1", err);

	if (s == NULL)
		return CACHET_E_STORE;
	return op_update(st, s, id, "operation done", err);
}

int
store_op_failed(struct store *st, int64_t id, const char *why,
    struct cachet_err *err)
{
	sqlite3_stmt *s = store_stmt(st, STORE_SQL_OP_FAILED,
	    "UPDATE ops SET attempts = attempts + 1, last_error = ?2"
	    " WHERE id = ?1", err);

	if (s == NULL)
		return CACHET_E_STORE;
	bind_opt(s, 2, why);
	return op_update(st, s, id, "operation failed", err);
}

void
store_ops_free(struct store_op *ops, size_t n)
{
	size_t i;

	if (ops == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(ops[i].dest);
		free(ops[i].path);
		free(ops[i].last_error);
	}
	free(ops);
}
