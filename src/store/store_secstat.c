/*
 * store_secstat: the cached security status of messages, so the index can
 * show it without opening anything and the crypto work is done once per
 * message and key/trust state. Runs on the thread that owns the store.
 */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

static int
put_row(struct store *st, int64_t msg_id, const struct store_secstat *s,
    struct cachet_err *err)
{
	sqlite3_stmt *q;
	int rc;

	q = store_stmt(st, STORE_SQL_SEC_PUT_MSG, "UPDATE messages SET"
	    " sec_verdict = ?2, sec_flags = ?3, sec_key = ?4 WHERE id = ?1",
	    err);
	if (q == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(q, 1, msg_id);
	sqlite3_bind_int64(q, 2, s->verdict);
	sqlite3_bind_int64(q, 3, s->flags);
	sqlite3_bind_text(q, 4, s->key, -1, SQLITE_STATIC);
	rc = store_exec_stmt(st, q, "security status", err);
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		return cachet_err(err, CACHET_E_NOTFOUND,
		    "store: no message %lld", (long long)msg_id);
	if (rc != 0)
		return rc;
	q = store_stmt(st, STORE_SQL_SEC_PUT, "INSERT INTO secstat"
	    " (msg_id, summary, report) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (msg_id) DO UPDATE SET summary = excluded.summary,"
	    " report = excluded.report", err);
	if (q == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(q, 1, msg_id);
	sqlite3_bind_text(q, 2, s->summary, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, s->report, -1, SQLITE_STATIC);
	return store_exec_stmt(st, q, "security report", err);
}

int
store_secstat_put(struct store *st, int64_t msg_id,
    const struct store_secstat *s, struct cachet_err *err)
{
	int rc = store_begin(st, err);

	if (rc != 0)
		return rc;
	rc = put_row(st, msg_id, s, err);
	if (rc != 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err);
}

int
store_secstat_get(struct store *st, int64_t msg_id,
    struct store_secstat *out, struct cachet_err *err)
{
	sqlite3_stmt *q;
	int rc;

	memset(out, 0, sizeof(*out));
	q = store_stmt(st, STORE_SQL_SEC_GET, "SELECT m.sec_verdict,"
	    " m.sec_flags, m.sec_key, s.summary, s.report FROM messages m"
	    " LEFT JOIN secstat s ON s.msg_id = m.id WHERE m.id = ?1", err);
	if (q == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(q, 1, msg_id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW && sqlite3_column_int64(q, 0) >= 0) {
		out->verdict = (int)sqlite3_column_int64(q, 0);
		out->flags = (unsigned)sqlite3_column_int64(q, 1);
		out->key = store_col_str(q, 2);
		out->summary = store_col_str(q, 3);
		out->report = store_col_str(q, 4);
		rc = 0;
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		rc = cachet_err(err, CACHET_E_NOTFOUND,
		    "store: no security status for %lld", (long long)msg_id);
	} else {
		rc = store_sqlerr(st, err, "security status");
	}
	store_stmt_done(q);
	return rc;
}

void
store_secstat_release(struct store_secstat *s)
{
	if (s == NULL)
		return;
	free(s->key);
	free(s->summary);
	free(s->report);
	memset(s, 0, sizeof(*s));
}

int
store_secstat_stale(struct store *st, const char *key, size_t limit,
    int64_t **ids, size_t *n, struct cachet_err *err)
{
	sqlite3_stmt *q;
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	q = store_stmt(st, STORE_SQL_SEC_STALE, "SELECT id FROM messages"
	    " WHERE file IS NOT NULL AND hidden = 0"
	    " AND (sec_key IS NULL OR sec_key <> ?1)"
	    " ORDER BY date DESC LIMIT ?2", err);
	if (q == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*ids = xreallocarray(*ids, cap, sizeof(**ids));
		}
		(*ids)[(*n)++] = sqlite3_column_int64(q, 0);
	}
	store_stmt_done(q);
	if (rc != SQLITE_DONE) {
		FREE_AND_NULL(*ids);
		*n = 0;
		return store_sqlerr(st, err, "stale security status");
	}
	return 0;
}
