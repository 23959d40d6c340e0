/*
 * store_folder: the folders table (one row per IMAP mailbox with its sync
 * state) and the folder-wide operations: ensure, list, clear, delete.
 * Runs on the thread that owns the store.
 */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#define FOLDER_COLS \
	"f.id, f.name, f.delim, f.uidvalidity, f.uidnext, f.highestmodseq," \
	" f.n_total, f.n_unread"
/* The same without the counts (kept by triggers since schema 3). */
#define FOLDER_COLS_BARE \
	"f.id, f.name, f.delim, f.uidvalidity, f.uidnext, f.highestmodseq," \
	" 0, 0"

static void
folder_from_row(sqlite3_stmt *s, struct store_folder *f)
{
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(s, 0);
	f->name = store_col_str(s, 1);
	if (f->name == NULL)
		f->name = xstrdup("");
	f->delim = (char)sqlite3_column_int(s, 2);
	f->uidvalidity = (uint32_t)sqlite3_column_int64(s, 3);
	f->uidnext = (uint32_t)sqlite3_column_int64(s, 4);
	f->highestmodseq = (uint64_t)sqlite3_column_int64(s, 5);
	f->total = (uint32_t)sqlite3_column_int64(s, 6);
	f->unread = (uint32_t)sqlite3_column_int64(s, 7);
}

void
store_folder_release(struct store_folder *f)
{
	if (f == NULL)
		return;
	free(f->name);
	memset(f, 0, sizeof(*f));
}

void
store_folders_free(struct store_folder *f, size_t n)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < n; i++)
		store_folder_release(&f[i]);
	free(f);
}

int
store_folder_ensure(struct store *st, const char *name, char delim,
    int64_t *id, struct cachet_err *err)
{
	static const char sql[] =
	    "INSERT INTO folders (name, delim) VALUES (?1, ?2)"
	    " ON CONFLICT (name) DO UPDATE SET delim = excluded.delim"
	    " RETURNING id";
	struct store_tx tx;
	sqlite3_stmt *s;
	int rc;

	if (name == NULL)
		return cachet_err(err, CACHET_E_INVAL, "store: no folder name");
	if ((rc = store_tx_begin(st, &tx, err)) != 0)
		return rc;
	if ((s = store_stmt(st, STORE_SQL_FOLDER_ENSURE, sql, err)) == NULL) {
		rc = CACHET_E_STORE;
		goto out;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, (unsigned char)delim);
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = store_sqlerr(st, err, "ensure folder");
	} else if (id != NULL) {
		*id = sqlite3_column_int64(s, 0);
	}
	store_stmt_done(s);
	if (rc == 0)
		rc = store_maildir_make(st, name, err);
out:
	return store_tx_end(st, &tx, rc, err);
}

/* Run a statement expected to return one folder row. */
static int
folder_one(struct store *st, sqlite3_stmt *s, struct store_folder *out,
    struct cachet_err *err)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		folder_from_row(s, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = cachet_err(err, CACHET_E_NOTFOUND,
		    "store: no such folder");
	} else {
		rc = store_sqlerr(st, err, "get folder");
	}
	store_stmt_done(s);
	return rc;
}

int
store_folder_get(struct store *st, const char *name,
    struct store_folder *out, struct cachet_err *err)
{
	static const char sql[] =
	    "SELECT " FOLDER_COLS " FROM folders f WHERE f.name = ?1";
	sqlite3_stmt *s;

	memset(out, 0, sizeof(*out));
	if (name == NULL)
		return cachet_err(err, CACHET_E_INVAL, "store: no folder name");
	if ((s = store_stmt(st, STORE_SQL_FOLDER_GET, sql, err)) == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return folder_one(st, s, out, err);
}

static int
get_id(struct store *st, int64_t id, struct store_folder *out, bool counts,
    struct cachet_err *err)
{
	static const char sql[] =
	    "SELECT " FOLDER_COLS " FROM folders f WHERE f.id = ?1";
	static const char bare[] =
	    "SELECT " FOLDER_COLS_BARE " FROM folders f WHERE f.id = ?1";
	sqlite3_stmt *s;

	memset(out, 0, sizeof(*out));
	s = counts ? store_stmt(st, STORE_SQL_FOLDER_GET_ID, sql, err) :
	    store_stmt(st, STORE_SQL_FOLDER_GET_ID_BARE, bare, err);
	if (s == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	return folder_one(st, s, out, err);
}

int
store_folder_get_id(struct store *st, int64_t id, struct store_folder *out,
    struct cachet_err *err)
{
	return get_id(st, id, out, true, err);
}

int
store_folder_state(struct store *st, int64_t id, struct store_folder *out,
    struct cachet_err *err)
{
	return get_id(st, id, out, false, err);
}

static int
list(struct store *st, struct store_folder **out, size_t *n, bool counts,
    struct cachet_err *err)
{
	static const char sql[] =
	    "SELECT " FOLDER_COLS " FROM folders f"
	    " ORDER BY f.name <> 'INBOX' COLLATE NOCASE, f.name";
	static const char bare[] =
	    "SELECT " FOLDER_COLS_BARE " FROM folders f"
	    " ORDER BY f.name <> 'INBOX' COLLATE NOCASE, f.name";
	struct store_folder *v = NULL;
	size_t len = 0, cap = 0;
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	s = counts ? store_stmt(st, STORE_SQL_FOLDER_LIST, sql, err) :
	    store_stmt(st, STORE_SQL_FOLDER_LIST_BARE, bare, err);
	if (s == NULL)
		return CACHET_E_STORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		folder_from_row(s, &v[len++]);
	}
	if (rc != SQLITE_DONE) {
		rc = store_sqlerr(st, err, "list folders");
		store_stmt_done(s);
		store_folders_free(v, len);
		return rc;
	}
	store_stmt_done(s);
	*out = v;
	*n = len;
	return 0;
}

int
store_folder_list(struct store *st, struct store_folder **out, size_t *n,
    struct cachet_err *err)
{
	return list(st, out, n, true, err);
}

int
store_folder_list_bare(struct store *st, struct store_folder **out,
    size_t *n, struct cachet_err *err)
{
	return list(st, out, n, false, err);
}

int
store_folder_set_state(struct store *st, int64_t id, uint32_t uidvalidity,
    uint32_t uidnext, uint64_t highestmodseq, struct cachet_err *err)
{
	static const char sql[] =
	    "UPDATE folders SET uidvalidity = ?2, uidnext = ?3,"
	    " highestmodseq = ?4 WHERE id = ?1";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, STORE_SQL_FOLDER_STATE, sql, err)) == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, uidnext);
	sqlite3_bind_int64(s, 4, (int64_t)highestmodseq);
	if ((rc = store_exec_stmt(st, s, "set folder state", err)) != 0)
		return rc;
	if (sqlite3_changes(st->db) == 0)
		return cachet_err(err, CACHET_E_NOTFOUND,
		    "store: no such folder");
	return 0;
}

/* Queue every Maildir file of the folder for removal after commit. */
static int
queue_files(struct store *st, int64_t id, const char *name,
    struct cachet_err *err)
{
	static const char sql[] =
	    "SELECT file FROM messages WHERE folder_id = ?1"
	    " AND file IS NOT NULL";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, STORE_SQL_FOLDER_FILES, sql, err)) == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *file = (const char *)sqlite3_column_text(s, 0);

		if (store_file_name_ok(file))
			store_fileacts_add(&st->on_commit,
			    store_file_path(st, name, file), false);
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, err, "folder files");
	store_stmt_done(s);
	return rc;
}

static int
exec_id(struct store *st, enum store_stmt_id sid, const char *sql,
    int64_t id, const char *what, struct cachet_err *err)
{
	sqlite3_stmt *s = store_stmt(st, sid, sql, err);

	if (s == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	return store_exec_stmt(st, s, what, err);
}

/* Drop the folder's messages and their files (after commit). */
static int
drop_messages(struct store *st, int64_t id, const char *name,
    struct cachet_err *err)
{
	int rc;

	if ((rc = queue_files(st, id, name, err)) != 0)
		return rc;
	st->fts_dirty = true;
	return exec_id(st, STORE_SQL_FOLDER_DEL_MSGS,
	    "DELETE FROM messages WHERE folder_id = ?1", id,
	    "delete messages", err);
}

int
store_folder_clear(struct store *st, int64_t id, struct cachet_err *err)
{
	struct store_folder f;
	struct store_tx tx;
	int rc;

	if ((rc = store_tx_begin(st, &tx, err)) != 0)
		return rc;
	if ((rc = store_folder_get_id(st, id, &f, err)) != 0)
		goto out;
	rc = drop_messages(st, id, f.name, err);
	if (rc == 0)
		rc = exec_id(st, STORE_SQL_FOLDER_DEL_MSG_OPS,
		    "DELETE FROM ops WHERE folder_id = ?1 AND uid <> 0", id,
		    "delete operations", err);
	if (rc == 0)
		rc = exec_id(st, STORE_SQL_FOLDER_RESET,
		    "UPDATE folders SET uidvalidity = 0, uidnext = 0,"
		    " highestmodseq = 0 WHERE id = ?1", id,
		    "reset folder", err);
	store_folder_release(&f);
out:
	return store_tx_end(st, &tx, rc, err);
}

int
store_folder_delete(struct store *st, int64_t id, struct cachet_err *err)
{
	struct store_folder f;
	struct store_tx tx;
	int rc;

	if ((rc = store_tx_begin(st, &tx, err)) != 0)
		return rc;
	if ((rc = store_folder_get_id(st, id, &f, err)) != 0)
		goto out;
	rc = drop_messages(st, id, f.name, err);
	/* Pending operations go with the folder (ON DELETE CASCADE). */
	if (rc == 0)
		rc = exec_id(st, STORE_SQL_FOLDER_DELETE,
		    "DELETE FROM folders WHERE id = ?1", id,
		    "delete folder", err);
	if (rc == 0)
		store_maildir_drop(st, f.name);
	store_folder_release(&f);
out:
	return store_tx_end(st, &tx, rc, err);
}
