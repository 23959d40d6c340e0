/*
 * store_msg: message rows: insert/update from synced headers, flags,
 * lookups, UID lists for sync and counts. Runs on the thread that owns
 * the store.
 */
#include "store/store_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void
store_msg_from_row(sqlite3_stmt *s, struct store_msg *m)
{
	m->id = sqlite3_column_int64(s, 0);
	m->folder_id = sqlite3_column_int64(s, 1);
	m->uid = (uint32_t)sqlite3_column_int64(s, 2);
	m->flags = (uint32_t)sqlite3_column_int64(s, 3);
	m->keywords = store_col_str(s, 4);
	m->modseq = (uint64_t)sqlite3_column_int64(s, 5);
	m->date = sqlite3_column_int64(s, 6);
	m->size = (uint32_t)sqlite3_column_int64(s, 7);
	m->from = store_col_str(s, 8);
	m->to = store_col_str(s, 9);
	m->cc = store_col_str(s, 10);
	m->subject = store_col_str(s, 11);
	m->message_id = store_col_str(s, 12);
	m->in_reply_to = store_col_str(s, 13);
	m->references = store_col_str(s, 14);
	m->file = store_col_str(s, 15);
	m->sec_verdict = (int)sqlite3_column_int64(s, 16);
	m->sec_flags = (unsigned)sqlite3_column_int64(s, 17);
	m->sec_key = store_col_str(s, 18);
}

void
store_msg_release(struct store_msg *m)
{
	if (m == NULL)
		return;
	free(m->keywords);
	free(m->from);
	free(m->to);
	free(m->cc);
	free(m->subject);
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	free(m->file);
	free(m->sec_key);
	memset(m, 0, sizeof(*m));
}

void
store_msgs_free(struct store_msg *m, size_t n)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < n; i++)
		store_msg_release(&m[i]);
	free(m);
}

static void
bind_str(sqlite3_stmt *s, int col, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, col);
	else
		sqlite3_bind_text(s, col, v, -1, SQLITE_STATIC);
}

static int
put_error(struct store *st, struct cachet_err *err)
{
	if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
		return cachet_err(err, CACHET_E_NOTFOUND,
		    "store: put message: no such folder");
	return store_sqlerr(st, err, "put message");
}

static void
bind_fields(sqlite3_stmt *s, const struct store_msg *m)
{
	sqlite3_bind_int64(s, 1, m->folder_id);
	sqlite3_bind_int64(s, 2, m->uid);
	sqlite3_bind_int64(s, 3, m->flags);
	bind_str(s, 4, m->keywords);
	sqlite3_bind_int64(s, 5, (int64_t)m->modseq);
	sqlite3_bind_int64(s, 6, m->date);
	sqlite3_bind_int64(s, 7, m->size);
	bind_str(s, 8, m->from);
	bind_str(s, 9, m->to);
	bind_str(s, 10, m->cc);
	bind_str(s, 11, m->subject);
	bind_str(s, 12, m->message_id);
	bind_str(s, 13, m->in_reply_to);
	bind_str(s, 14, m->references);
}

/* The row id of (folder_id, uid), 0 if there is none. */
static int
find_row(struct store *st, int64_t folder_id, uint32_t uid, int64_t *id,
    struct cachet_err *err)
{
	sqlite3_stmt *s = store_stmt(st, STORE_SQL_MSG_FIND,
	    "SELECT id FROM messages WHERE folder_id = ?1 AND uid = ?2", err);
	int rc;

	*id = 0;
	if (s == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, folder_id);
	sqlite3_bind_int64(s, 2, uid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    store_sqlerr(st, err, "find message");
	store_stmt_done(s);
	return rc;
}

/*
 * A new visible row: the folder's counts and thread generation grow
 * (see migrations 3 and 5).
 */
static int
count_insert(struct store *st, const struct store_msg *m,
    struct cachet_err *err)
{
	sqlite3_stmt *s = store_stmt(st, STORE_SQL_MSG_COUNT_ADD,
	    "UPDATE folders SET n_total = n_total + 1,"
	    " n_unread = n_unread + ?2, thread_gen = thread_gen + 1"
	    " WHERE id = ?1", err);

	if (s == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, m->folder_id);
	sqlite3_bind_int(s, 2, (m->flags & STORE_F_SEEN) ? 0 : 1);
	return store_exec_stmt(st, s, "count message", err);
}

static int
update_row(struct store *st, const struct store_msg *m, int64_t row,
    struct cachet_err *err)
{
	static const char upd[] =
	    "UPDATE messages SET flags = ?3, keywords = ?4, modseq = ?5,"
	    " date = ?6, size = ?7, from_addr = ?8, to_addr = ?9,"
	    " cc_addr = ?10, subject = ?11, message_id = ?12,"
	    " in_reply_to = ?13, refs = ?14 WHERE id = ?15";
	sqlite3_stmt *s = store_stmt(st, STORE_SQL_MSG_UPDATE, upd, err);
	int rc = 0;

	if (s == NULL)
		return CACHET_E_STORE;
	bind_fields(s, m);
	sqlite3_bind_int64(s, 15, row);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = put_error(st, err);
	store_stmt_done(s);
	return rc;
}

/*
 * Insert, and update only when the UID is there already: a sync puts
 * mostly new rows, and the failed insert stops at the unique index before
 * writing anything. (An upsert with RETURNING would build a temporary
 * table for every row.)
 */
static int
put_row(struct store *st, const struct store_msg *m, int64_t *id,
    struct cachet_err *err)
{
	static const char ins[] =
	    "INSERT INTO messages (folder_id, uid, flags, keywords, modseq,"
	    " date, size, from_addr, to_addr, cc_addr, subject, message_id,"
	    " in_reply_to, refs)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
	    " ?13, ?14)";
	sqlite3_stmt *s;
	int64_t row = 0;
	int rc;

	if ((rc = store_fts_mark(st, err)) != 0)
		return rc;
	if ((s = store_stmt(st, STORE_SQL_MSG_INSERT, ins, err)) == NULL)
		return CACHET_E_STORE;
	bind_fields(s, m);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		row = sqlite3_last_insert_rowid(st->db);
		store_stmt_done(s);
		rc = count_insert(st, m, err);
	} else if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		store_stmt_done(s);
		rc = find_row(st, m->folder_id, m->uid, &row, err);
		if (rc == 0 && row == 0)
			rc = cachet_err(err, CACHET_E_STORE,
			    "store: put message: conflict without a row");
		if (rc == 0)
			rc = update_row(st, m, row, err);
	} else {
		rc = put_error(st, err);
		store_stmt_done(s);
	}
	st->fts_dirty = true;
	if (rc == 0 && id != NULL)
		*id = row;
	return rc;
}

int
store_msg_put(struct store *st, const struct store_msg *m, int64_t *id,
    struct cachet_err *err)
{
	struct store_tx tx;
	int rc;

	if (m == NULL || m->uid == 0)
		return cachet_err(err, CACHET_E_INVAL,
		    "store: put message: no UID");
	/* One statement is atomic: no savepoint inside a transaction. */
	if (store_in_tx(st)) {
		if ((rc = store_tx_alive(st, err)) != 0)
			return rc;
		return put_row(st, m, id, err);
	}
	if ((rc = store_tx_begin(st, &tx, err)) != 0)
		return rc;
	rc = put_row(st, m, id, err);
	return store_tx_end(st, &tx, rc, err);
}

static int
set_flags(struct store *st, int64_t folder_id, uint32_t uid,
    uint32_t flags, const char *keywords, uint64_t modseq,
    struct cachet_err *err)
{
	static const char sql[] =
	    "UPDATE messages SET flags = ?3, keywords = ?4, modseq = ?5"
	    " WHERE folder_id = ?1 AND uid = ?2";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, STORE_SQL_MSG_FLAGS, sql, err)) == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, folder_id);
	sqlite3_bind_int64(s, 2, uid);
	sqlite3_bind_int64(s, 3, flags);
	bind_str(s, 4, keywords);
	sqlite3_bind_int64(s, 5, (int64_t)modseq);
	if ((rc = store_exec_stmt(st, s, "set flags", err)) != 0)
		return rc;
	if (sqlite3_changes(st->db) == 0)
		return cachet_err(err, CACHET_E_NOTFOUND, "store: no message "
		    "with UID %" PRIu32 " in folder %" PRId64, uid, folder_id);
	return store_msg_reflag(st, folder_id, uid, err);
}

int
store_msg_set_flags(struct store *st, int64_t folder_id, uint32_t uid,
    uint32_t flags, const char *keywords, uint64_t modseq,
    struct cachet_err *err)
{
	struct store_tx tx;
	int rc;

	if ((rc = store_tx_begin(st, &tx, err)) != 0)
		return rc;
	rc = set_flags(st, folder_id, uid, flags, keywords, modseq, err);
	return store_tx_end(st, &tx, rc, err);
}

static int
msg_one(struct store *st, sqlite3_stmt *s, struct store_msg *out,
    struct cachet_err *err)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		store_msg_from_row(s, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = cachet_err(err, CACHET_E_NOTFOUND,
		    "store: no such message");
	} else {
		rc = store_sqlerr(st, err, "get message");
	}
	store_stmt_done(s);
	return rc;
}

int
store_msg_get(struct store *st, int64_t id, struct store_msg *out,
    struct cachet_err *err)
{
	sqlite3_stmt *s;

	memset(out, 0, sizeof(*out));
	s = store_stmt(st, STORE_SQL_MSG_GET,
	    "SELECT " STORE_MSG_COLS " FROM messages WHERE id = ?1", err);
	if (s == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	return msg_one(st, s, out, err);
}

int
store_msg_get_uid(struct store *st, int64_t folder_id, uint32_t uid,
    struct store_msg *out, struct cachet_err *err)
{
	sqlite3_stmt *s;

	memset(out, 0, sizeof(*out));
	s = store_stmt(st, STORE_SQL_MSG_GET_UID, "SELECT " STORE_MSG_COLS
	    " FROM messages WHERE folder_id = ?1 AND uid = ?2", err);
	if (s == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, folder_id);
	sqlite3_bind_int64(s, 2, uid);
	return msg_one(st, s, out, err);
}

static int
uid_list(struct store *st, sqlite3_stmt *s, int64_t folder_id,
    uint32_t **uids, size_t *n, struct cachet_err *err)
{
	uint32_t *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*uids = NULL;
	*n = 0;
	sqlite3_bind_int64(s, 1, folder_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 256;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[len++] = (uint32_t)sqlite3_column_int64(s, 0);
	}
	if (rc != SQLITE_DONE) {
		rc = store_sqlerr(st, err, "list UIDs");
		store_stmt_done(s);
		free(v);
		return rc;
	}
	store_stmt_done(s);
	*uids = v;
	*n = len;
	return 0;
}

int
store_msg_uids(struct store *st, int64_t folder_id, uint32_t **uids,
    size_t *n, struct cachet_err *err)
{
	sqlite3_stmt *s = store_stmt(st, STORE_SQL_MSG_UIDS,
	    "SELECT uid FROM messages WHERE folder_id = ?1 ORDER BY uid", err);

	if (s == NULL) {
		*uids = NULL;
		*n = 0;
		return CACHET_E_STORE;
	}
	return uid_list(st, s, folder_id, uids, n, err);
}

int
store_msg_uids_without_body(struct store *st, int64_t folder_id,
    uint32_t **uids, size_t *n, struct cachet_err *err)
{
	sqlite3_stmt *s = store_stmt(st, STORE_SQL_MSG_UIDS_NOBODY,
	    "SELECT uid FROM messages WHERE folder_id = ?1 AND file IS NULL"
	    " AND hidden = 0 ORDER BY uid", err);

	if (s == NULL) {
		*uids = NULL;
		*n = 0;
		return CACHET_E_STORE;
	}
	return uid_list(st, s, folder_id, uids, n, err);
}

int
store_msg_count(struct store *st, int64_t folder_id, uint32_t *total,
    uint32_t *unread, struct cachet_err *err)
{
	static const char sql[] =
	    "SELECT n_total, n_unread FROM folders WHERE id = ?1";
	sqlite3_stmt *s;
	int rc = 0;

	if (total != NULL)
		*total = 0;
	if (unread != NULL)
		*unread = 0;
	if ((s = store_stmt(st, STORE_SQL_MSG_COUNT, sql, err)) == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, folder_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		rc = 0;		/* no such folder: nothing in it */
	} else if (rc != SQLITE_ROW) {
		rc = store_sqlerr(st, err, "count messages");
	} else {
		rc = 0;
		if (total != NULL)
			*total = (uint32_t)sqlite3_column_int64(s, 0);
		if (unread != NULL)
			*unread = (uint32_t)sqlite3_column_int64(s, 1);
	}
	store_stmt_done(s);
	return rc;
}
