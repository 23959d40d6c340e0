/*
 * store_search: offline full-text search over the FTS5 index of headers
 * (from, to, cc, subject) and decoded body text. The query is FTS5 syntax
 * and is always bound, never spliced into SQL. Hidden rows (deleted or
 * moved locally) are left out. Runs on the thread that owns the store.
 */
#include "store/store_int.h"

#include <stdint.h>
#include <stdlib.h>

static const char search_sql[] =
    "SELECT m.id FROM msg_fts"
    " JOIN messages m ON m.id = msg_fts.rowid"
    " WHERE msg_fts MATCH ?1 AND m.hidden = 0"
    " AND (?2 = 0 OR m.folder_id = ?2)"
    " ORDER BY m.date DESC, m.id DESC";

/* A query SQLite rejects is the user's mistake, not a broken store. */
static int
search_error(struct store *st, struct cachet_err *err)
{
	int code = sqlite3_errcode(st->db) == SQLITE_ERROR ?
	    CACHET_E_INVAL : CACHET_E_STORE;

	return cachet_err(err, code, "store: search: %s",
	    sqlite3_errmsg(st->db));
}

int
store_search(struct store *st, int64_t folder_id, const char *query,
    int64_t **ids, size_t *n, struct cachet_err *err)
{
	int64_t *v = NULL;
	size_t len = 0, cap = 0;
	sqlite3_stmt *s;
	int rc;

	*ids = NULL;
	*n = 0;
	if (util_str_empty(query))
		return 0;
	/* Rows changed in the open transaction are searchable too. */
	if (st->fts_dirty && store_in_tx(st) &&
	    (rc = store_fts_flush(st, err)) != 0)
		return rc;
	if ((s = store_stmt(st, STORE_SQL_SEARCH, search_sql, err)) == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_text(s, 1, query, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, folder_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[len++] = sqlite3_column_int64(s, 0);
	}
	if (rc != SQLITE_DONE) {
		rc = search_error(st, err);
		store_stmt_done(s);
		free(v);
		return rc;
	}
	store_stmt_done(s);
	*ids = v;
	*n = len;
	return 0;
}

/*
 * Bring msg_fts in step: re-index the queued rows that existed before the
 * transaction (keeping their body text unless a new one was queued), then
 * index the rows inserted since, then empty the queue. Each step is one
 * statement, so FTS5 gathers all the terms and writes them out once.
 */
int
store_fts_flush(struct store *st, struct cachet_err *err)
{
	static const struct {
		enum store_stmt_id id;
		const char *sql;
	} steps[] = {
		{ STORE_SQL_FTS_KEEP_BODY, "UPDATE fts_queue SET body ="
		    " (SELECT body FROM msg_fts WHERE msg_fts.rowid ="
		    " fts_queue.id) WHERE has_body = 0 AND id <= ?1" },
		{ STORE_SQL_FTS_DROP, "DELETE FROM msg_fts WHERE rowid IN"
		    " (SELECT id FROM fts_queue WHERE id <= ?1)" },
		{ STORE_SQL_FTS_FILL_OLD, "INSERT INTO msg_fts (rowid,"
		    " \"from\", \"to\", cc, subject, body)"
		    " SELECT m.id, m.from_addr, m.to_addr, m.cc_addr,"
		    " m.subject, q.body FROM fts_queue q"
		    " JOIN messages m ON m.id = q.id WHERE q.id <= ?1"
		    " ORDER BY q.id" },
		{ STORE_SQL_FTS_FILL_NEW, "INSERT INTO msg_fts (rowid,"
		    " \"from\", \"to\", cc, subject, body)"
		    " SELECT m.id, m.from_addr, m.to_addr, m.cc_addr,"
		    " m.subject, q.body FROM messages m"
		    " LEFT JOIN fts_queue q ON q.id = m.id WHERE m.id > ?1"
		    " ORDER BY m.id" },
		{ STORE_SQL_FTS_CLEAR, "DELETE FROM fts_queue" },
	};
	int64_t mark = st->fts_mark_valid ? st->fts_mark : INT64_MAX;
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]) && rc == 0; i++) {
		sqlite3_stmt *s = store_stmt(st, steps[i].id, steps[i].sql,
		    err);

		if (s == NULL)
			return CACHET_E_STORE;
		if (sqlite3_bind_parameter_count(s) > 0)
			sqlite3_bind_int64(s, 1, mark);
		rc = store_exec_stmt(st, s, "update search index", err);
	}
	if (rc == 0) {
		st->fts_dirty = false;
		st->fts_mark_valid = false;
	}
	return rc;
}

/* Before the first insert of a transaction: rows above this are new. */
int
store_fts_mark(struct store *st, struct cachet_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (st->fts_mark_valid)
		return 0;
	s = store_stmt(st, STORE_SQL_FTS_MARK,
	    "SELECT coalesce(max(id), 0) FROM messages", err);
	if (s == NULL)
		return CACHET_E_STORE;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		st->fts_mark = sqlite3_column_int64(s, 0);
		st->fts_mark_valid = true;
		rc = 0;
	} else {
		rc = store_sqlerr(st, err, "search index mark");
	}
	store_stmt_done(s);
	return rc;
}
