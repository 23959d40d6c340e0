/*
 * store_tx: transactions. The caller's explicit transaction
 * (store_begin/commit/rollback) and the internal ones every writing
 * function wraps itself in (BEGIN IMMEDIATE, or a SAVEPOINT inside the
 * caller's). Files are tied to the outcome: a file written in a
 * transaction is removed if it rolls back, a file it replaced or deleted is
 * removed only once it commits, and new files' directories are fsynced
 * before the commit so that a committed row never points at a lost file.
 * Runs on the thread that owns the store.
 */
#include "store/store_int.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
store_fileacts_add(struct store_fileacts *a, char *path, bool is_dir)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n].path = path;
	a->v[a->n].is_dir = is_dir;
	a->n++;
}

/* Carry out the actions from index `from` on, then forget them. */
void
store_fileacts_run(struct store_fileacts *a, size_t from)
{
	size_t i;

	for (i = from; i < a->n; i++) {
		if (a->v[i].is_dir)
			rmdir(a->v[i].path);
		else
			unlink(a->v[i].path);
	}
	store_fileacts_drop(a, from);
}

void
store_fileacts_drop(struct store_fileacts *a, size_t from)
{
	size_t i;

	for (i = from; i < a->n; i++)
		free(a->v[i].path);
	if (from < a->n)
		a->n = from;
}

void
store_sync_dir(struct store *st, const char *dir)
{
	size_t i;

	for (i = 0; i < st->to_sync.n; i++)
		if (strcmp(st->to_sync.v[i].path, dir) == 0)
			return;
	store_fileacts_add(&st->to_sync, xstrdup(dir), true);
}

/*
 * Make the files written in this transaction and their directory entries
 * durable before the rows that point at them commit. Files are written
 * without their own fsync, so one syncfs per commit covers a whole batch
 * (a directory fsync alone would not cover the files' data).
 */
static int
sync_dirs(struct store *st, struct cachet_err *err)
{
	int rc = 0;

	if (st->to_sync.n > 0) {
		int fd = open(st->to_sync.v[0].path,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || syncfs(fd) != 0)
			rc = cachet_err(err, CACHET_E_IO, "store: cannot sync "
			    "%s", st->to_sync.v[0].path);
		if (fd >= 0)
			close(fd);
	}
	store_fileacts_drop(&st->to_sync, 0);
	return rc;
}

static int
run_sql(struct store *st, enum store_stmt_id id, const char *sql,
    const char *what, struct cachet_err *err)
{
	sqlite3_stmt *s = store_stmt(st, id, sql, err);

	if (s == NULL)
		return CACHET_E_STORE;
	return store_exec_stmt(st, s, what, err);
}

static int
sql_begin(struct store *st, struct cachet_err *err)
{
	return run_sql(st, STORE_SQL_BEGIN, "BEGIN IMMEDIATE", "begin", err);
}

/* Undo the outermost transaction and every file it wrote. */
static void
outer_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		run_sql(st, STORE_SQL_ROLLBACK, "ROLLBACK", "rollback", NULL);
	store_fileacts_run(&st->on_rollback, 0);
	store_fileacts_drop(&st->on_commit, 0);
	store_fileacts_drop(&st->to_sync, 0);
	st->fts_dirty = false;
	st->fts_mark_valid = false;
	store_list_forget(st);
}

static int
outer_commit(struct store *st, struct cachet_err *err)
{
	int rc;

	if (sqlite3_get_autocommit(st->db)) {
		/* SQLite already rolled it back after an I/O error. */
		outer_rollback(st);
		return cachet_err(err, CACHET_E_STORE,
		    "store: commit: the transaction was rolled back");
	}
	rc = st->fts_dirty ? store_fts_flush(st, err) : 0;
	if (rc == 0)
		rc = sync_dirs(st, err);
	if (rc == 0)
		rc = run_sql(st, STORE_SQL_COMMIT, "COMMIT", "commit", err);
	if (rc != 0) {
		outer_rollback(st);
		return rc;
	}
	store_fileacts_run(&st->on_commit, 0);
	store_fileacts_drop(&st->on_rollback, 0);
	st->fts_mark_valid = false;
	return 0;
}

int
store_tx_alive(struct store *st, struct cachet_err *err)
{
	if (st->explicit_tx && sqlite3_get_autocommit(st->db))
		return cachet_err(err, CACHET_E_STORE, "store: the transaction "
		    "was rolled back after an error; roll it back and retry");
	return 0;
}

bool
store_in_tx(const struct store *st)
{
	return st->explicit_tx || st->depth > 0;
}

int
store_begin(struct store *st, struct cachet_err *err)
{
	int rc;

	if (st->explicit_tx || st->depth > 0)
		return cachet_err(err, CACHET_E_INVAL,
		    "store: begin: a transaction is already open");
	if ((rc = sql_begin(st, err)) != 0)
		return rc;
	st->explicit_tx = true;
	return 0;
}

int
store_commit(struct store *st, struct cachet_err *err)
{
	if (!st->explicit_tx)
		return cachet_err(err, CACHET_E_INVAL,
		    "store: commit: no transaction is open");
	st->explicit_tx = false;
	return outer_commit(st, err);
}

void
store_rollback(struct store *st)
{
	if (st == NULL || !st->explicit_tx)
		return;
	st->explicit_tx = false;
	outer_rollback(st);
}

int
store_tx_begin(struct store *st, struct store_tx *tx, struct cachet_err *err)
{
	int rc;

	if ((rc = store_tx_alive(st, err)) != 0)
		return rc;
	tx->outer = !st->explicit_tx && st->depth == 0;
	tx->commit_mark = st->on_commit.n;
	tx->rollback_mark = st->on_rollback.n;
	if (tx->outer)
		rc = sql_begin(st, err);
	else
		rc = run_sql(st, STORE_SQL_SAVEPOINT, "SAVEPOINT store_sp",
		    "savepoint", err);
	if (rc == 0)
		st->depth++;
	return rc;
}

/* Undo one internal savepoint, leaving the caller's transaction open. */
static void
savepoint_rollback(struct store *st, struct store_tx *tx)
{
	if (!sqlite3_get_autocommit(st->db)) {
		run_sql(st, STORE_SQL_ROLLBACK_TO, "ROLLBACK TO store_sp",
		    "rollback to savepoint", NULL);
		run_sql(st, STORE_SQL_RELEASE, "RELEASE store_sp",
		    "release savepoint", NULL);
	}
	store_fileacts_run(&st->on_rollback, tx->rollback_mark);
	store_fileacts_drop(&st->on_commit, tx->commit_mark);
	store_list_forget(st);
}

int
store_tx_end(struct store *st, struct store_tx *tx, int rc,
    struct cachet_err *err)
{
	st->depth--;
	if (tx->outer) {
		if (rc == 0)
			return outer_commit(st, err);
		outer_rollback(st);
		return rc;
	}
	if (rc == 0)
		rc = run_sql(st, STORE_SQL_RELEASE, "RELEASE store_sp",
		    "release savepoint", err);
	if (rc != 0)
		savepoint_rollback(st, tx);
	return rc;
}
