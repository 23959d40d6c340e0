/*
 * store: opening the offline store (directories, SQLite connection,
 * pragmas, schema migrations), the prepared-statement cache and the
 * error helpers. One struct store belongs to the thread that opened it.
 */
#include "store/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/*
 * Schema migrations, applied in order inside one transaction on open.
 * Each step ends by setting user_version to its own number. Never edit a
 * step once released: add a new one.
 */
static const char *const migrations[] = {
	/* 1: folders, messages, pending operations, full-text index. */
	"CREATE TABLE folders ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" delim INTEGER NOT NULL DEFAULT 0,"
	" uidvalidity INTEGER NOT NULL DEFAULT 0,"
	" uidnext INTEGER NOT NULL DEFAULT 0,"
	" highestmodseq INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" folder_id INTEGER NOT NULL REFERENCES folders(id)"
	"  ON DELETE CASCADE,"
	" uid INTEGER NOT NULL,"
	" flags INTEGER NOT NULL DEFAULT 0,"
	" keywords TEXT,"
	" modseq INTEGER NOT NULL DEFAULT 0,"
	" date INTEGER NOT NULL DEFAULT 0,"
	" size INTEGER NOT NULL DEFAULT 0,"
	" from_addr TEXT, to_addr TEXT, cc_addr TEXT, subject TEXT,"
	" message_id TEXT, in_reply_to TEXT, refs TEXT,"
	" file TEXT,"
	" hidden INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (folder_id, uid));"
	"CREATE INDEX msg_date ON messages (folder_id, hidden, date);"
	"CREATE INDEX msg_from ON messages"
	" (folder_id, hidden, from_addr COLLATE NOCASE);"
	"CREATE INDEX msg_subject ON messages"
	" (folder_id, hidden, subject COLLATE NOCASE);"
	"CREATE INDEX msg_size ON messages (folder_id, hidden, size);"
	"CREATE INDEX msg_uid ON messages (folder_id, hidden, uid, flags);"
	"CREATE TABLE ops ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" kind INTEGER NOT NULL,"
	" folder_id INTEGER NOT NULL REFERENCES folders(id)"
	"  ON DELETE CASCADE,"
	" uid INTEGER NOT NULL DEFAULT 0,"
	" flags_add INTEGER NOT NULL DEFAULT 0,"
	" flags_del INTEGER NOT NULL DEFAULT 0,"
	" dest TEXT, path TEXT,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT,"
	" created INTEGER NOT NULL"
	"  DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)));"
	"CREATE INDEX ops_folder ON ops (folder_id, uid);"
	"CREATE VIRTUAL TABLE msg_fts USING fts5 ("
	" \"from\", \"to\", cc, subject, body,"
	" tokenize = 'unicode61 remove_diacritics 2');"
	/*
	 * The index is written just before each commit (store_fts_flush),
	 * not row by row: FTS5 writes its pending terms out at every
	 * statement savepoint, and a trigger on every insert would cost a
	 * savepoint per row. Rows inserted in the transaction are found by
	 * id (AUTOINCREMENT ids only grow); fts_queue, filled by triggers
	 * and set_body, names the older rows to re-index, with body text
	 * given by set_body until then.
	 */
	"CREATE TABLE fts_queue ("
	" id INTEGER PRIMARY KEY,"
	" body TEXT,"
	" has_body INTEGER NOT NULL DEFAULT 0);"
	"CREATE TRIGGER msg_fts_del AFTER DELETE ON messages BEGIN"
	" INSERT OR IGNORE INTO fts_queue (id) VALUES (old.id);"
	" END;"
	"CREATE TRIGGER msg_fts_upd AFTER UPDATE OF"
	" from_addr, to_addr, cc_addr, subject ON messages"
	" WHEN old.from_addr IS NOT new.from_addr"
	" OR old.to_addr IS NOT new.to_addr"
	" OR old.cc_addr IS NOT new.cc_addr"
	" OR old.subject IS NOT new.subject BEGIN"
	" INSERT OR IGNORE INTO fts_queue (id) VALUES (new.id);"
	" END;"
	"PRAGMA user_version = 1;",
	/*
	 * 2: the cached security status of each message. The verdict and
	 * flags live on the row (the index shows them without a join); the
	 * key says under which key/trust state they were computed, so a
	 * change there makes them stale; the reports live beside.
	 */
	"ALTER TABLE messages ADD COLUMN sec_verdict INTEGER NOT NULL"
	" DEFAULT -1;"
	"ALTER TABLE messages ADD COLUMN sec_flags INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE messages ADD COLUMN sec_key TEXT;"
	"CREATE TABLE secstat ("
	" msg_id INTEGER PRIMARY KEY REFERENCES messages(id)"
	"  ON DELETE CASCADE,"
	" summary TEXT, report TEXT);"
	"PRAGMA user_version = 2;",
	/*
	 * 3: each folder's visible and unread counts, so the sidebar and
	 * status line need no scan of the folder's rows. Deletes and flag
	 * changes keep them by trigger; inserts, the bulk of a sync, by a
	 * plain statement in store_msg.c (a trigger's sub-program per row
	 * cost 40 us, as much as the rest of the insert).
	 */
	"ALTER TABLE folders ADD COLUMN n_total INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE folders ADD COLUMN n_unread INTEGER NOT NULL DEFAULT 0;"
	"UPDATE folders SET"
	" n_total = (SELECT count(*) FROM messages m"
	"  WHERE m.folder_id = folders.id AND m.hidden = 0),"
	" n_unread = (SELECT count(*) FROM messages m"
	"  WHERE m.folder_id = folders.id AND m.hidden = 0"
	"  AND m.flags & 1 = 0);"
	"CREATE TRIGGER cnt_del AFTER DELETE ON messages BEGIN"
	" UPDATE folders SET n_total = n_total - (old.hidden = 0),"
	" n_unread = n_unread - (old.hidden = 0 AND old.flags & 1 = 0)"
	" WHERE id = old.folder_id;"
	" END;"
	"CREATE TRIGGER cnt_upd AFTER UPDATE OF flags, hidden, folder_id"
	" ON messages WHEN old.flags IS NOT new.flags"
	" OR old.hidden IS NOT new.hidden"
	" OR old.folder_id IS NOT new.folder_id BEGIN"
	" UPDATE folders SET n_total = n_total - (old.hidden = 0),"
	" n_unread = n_unread - (old.hidden = 0 AND old.flags & 1 = 0)"
	" WHERE id = old.folder_id;"
	" UPDATE folders SET n_total = n_total + (new.hidden = 0),"
	" n_unread = n_unread + (new.hidden = 0 AND new.flags & 1 = 0)"
	" WHERE id = new.folder_id;"
	" END;"
	"PRAGMA user_version = 3;",
	/*
	 * 4: the outbox. A message to send is a file in DIR/outbox/ and a
	 * row here; the row goes only after the server accepted the
	 * message. state: 0 queued, 1 being sent by process `pid`, 2 held
	 * until the user retries it (refused, or interrupted mid-send).
	 */
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" created INTEGER NOT NULL,"
	" file TEXT NOT NULL,"
	" env_from TEXT NOT NULL,"
	" rcpts TEXT NOT NULL,"
	" to_addr TEXT, subject TEXT, message_id TEXT,"
	" sent_folder TEXT,"
	" state INTEGER NOT NULL DEFAULT 0,"
	" pid INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" last_try INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT);"
	"PRAGMA user_version = 4;",
	/*
	 * 5: each folder's thread generation, bumped whenever the set of
	 * its visible rows or their threading fields change, so that
	 * (n_total, thread_gen) tells the UI whether to thread again
	 * without reading the folder. Inserts bump it in store_msg.c with
	 * the counts; deletes in cnt_del (made again here: one trigger per
	 * deleted row, not two); the rest in thread_upd, which flag and
	 * security-status writes never fire. Starting at 0 is fine:
	 * stamps are compared only within one process.
	 */
	"ALTER TABLE folders ADD COLUMN thread_gen INTEGER NOT NULL"
	" DEFAULT 0;"
	"DROP TRIGGER cnt_del;"
	"CREATE TRIGGER cnt_del AFTER DELETE ON messages BEGIN"
	" UPDATE folders SET n_total = n_total - (old.hidden = 0),"
	" n_unread = n_unread - (old.hidden = 0 AND old.flags & 1 = 0),"
	" thread_gen = thread_gen + (old.hidden = 0)"
	" WHERE id = old.folder_id;"
	" END;"
	"CREATE TRIGGER thread_upd AFTER UPDATE OF hidden, folder_id,"
	" date, message_id, in_reply_to, refs, subject ON messages"
	" WHEN (old.hidden = 0 OR new.hidden = 0)"
	" AND (old.hidden IS NOT new.hidden"
	" OR old.folder_id IS NOT new.folder_id"
	" OR old.date IS NOT new.date"
	" OR old.message_id IS NOT new.message_id"
	" OR old.in_reply_to IS NOT new.in_reply_to"
	" OR old.refs IS NOT new.refs"
	" OR old.subject IS NOT new.subject) BEGIN"
	" UPDATE folders SET thread_gen = thread_gen + 1"
	" WHERE id IN (old.folder_id, new.folder_id);"
	" END;"
	"PRAGMA user_version = 5;",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int
store_schema_version(void)
{
	return NMIGRATIONS;
}

const char *
store_dir(const struct store *st)
{
	return st->dir;
}

int
store_sqlerr(struct store *st, struct cachet_err *err, const char *what)
{
	return cachet_err(err, CACHET_E_STORE, "store: %s: %s", what,
	    st->db ? sqlite3_errmsg(st->db) : "no database");
}

sqlite3_stmt *
store_stmt(struct store *st, enum store_stmt_id id, const char *sql,
    struct cachet_err *err)
{
	if (st->stmt[id] != NULL)
		return st->stmt[id];
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st->stmt[id], NULL) != SQLITE_OK) {
		store_sqlerr(st, err, "prepare");
		st->stmt[id] = NULL;
	}
	return st->stmt[id];
}

void
store_stmt_done(sqlite3_stmt *s)
{
	if (s == NULL)
		return;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

int
store_exec_stmt(struct store *st, sqlite3_stmt *s, const char *what,
    struct cachet_err *err)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = store_sqlerr(st, err, what);
		store_stmt_done(s);
		return rc;
	}
	store_stmt_done(s);
	return 0;
}

char *
store_col_str(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t ? xstrdup((const char *)t) : NULL;
}

static int
user_version(struct store *st, int *v, struct cachet_err *err)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s,
	    NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return store_sqlerr(st, err, "read schema version");
	}
	*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

/* Bring the schema up to date; one transaction for all steps. */
static int
migrate(struct store *st, struct cachet_err *err)
{
	int v = 0, rc;

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return store_sqlerr(st, err, "begin migration");
	if ((rc = user_version(st, &v, err)) != 0)
		goto fail;
	if (v > NMIGRATIONS) {
		rc = cachet_err(err, CACHET_E_STORE, "store: database schema "
		    "%d is newer than this cachet knows (%d)", v, NMIGRATIONS);
		goto fail;
	}
	for (; v < NMIGRATIONS; v++) {
		if (sqlite3_exec(st->db, migrations[v], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			char what[64];

			snprintf(what, sizeof(what), "migration %d", v + 1);
			rc = store_sqlerr(st, err, what);
			goto fail;
		}
	}
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = store_sqlerr(st, err, "commit migration");
		goto fail;
	}
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int
configure(struct store *st, struct cachet_err *err)
{
	/*
	 * page_size only counts before the first table is made: 16 KiB
	 * pages halve the pages a batch of inserts dirties in the sort
	 * indexes and the full-text index.
	 */
	static const char pragmas[] =
	    "PRAGMA page_size = 16384;"
	    "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA temp_store = MEMORY;"
	    "PRAGMA cache_size = -8192;";

	sqlite3_extended_result_codes(st->db, 1);
	if (sqlite3_busy_timeout(st->db, 5000) != SQLITE_OK ||
	    sqlite3_exec(st->db, pragmas, NULL, NULL, NULL) != SQLITE_OK)
		return store_sqlerr(st, err, "configure");
	return 0;
}

/*
 * Settings and migrations, one process or thread at a time: two
 * connections making a new database (it starts in rollback-journal mode
 * until one turns WAL on) can otherwise deadlock, and SQLite then
 * answers "database is locked" at once instead of waiting. The lock is
 * an flock on DIR/open.lock, held only while the store is being opened.
 */
static int
prepare_locked(struct store *st, struct cachet_err *err)
{
	char *path = xasprintf("%s/open.lock", st->dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600), rc;

	free(path);
	if (fd < 0)
		return cachet_err(err, CACHET_E_STORE, "store: open.lock: %s",
		    strerror(errno));
	while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
		;
	if ((rc = configure(st, err)) == 0)
		rc = migrate(st, err);
	close(fd);	/* releases the lock */
	return rc;
}

int
store_open(struct store **out, const char *dir, struct cachet_err *err)
{
	struct store *st;
	char *db = NULL;
	int rc;

	*out = NULL;
	if (util_str_empty(dir))
		return cachet_err(err, CACHET_E_INVAL, "store: no directory");
	st = xcalloc(1, sizeof(*st));
	st->dir = xstrdup(dir);
	st->mail = xasprintf("%s/mail", dir);
	if ((rc = util_mkdirs(st->mail, 0700, err)) != 0) {
		cachet_err_prefix(err, "store");
		goto fail;
	}
	db = xasprintf("%s/index.db", dir);
	if (sqlite3_open_v2(db, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = store_sqlerr(st, err, "open index.db");
		goto fail;
	}
	if ((rc = prepare_locked(st, err)) != 0)
		goto fail;
	free(db);
	*out = st;
	return 0;
fail:
	free(db);
	store_close(st);
	return rc;
}

void
store_close(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	if (st->explicit_tx)
		store_rollback(st);
	store_list_forget(st);
	for (i = 0; i < STORE_SQL_MAX; i++)
		sqlite3_finalize(st->stmt[i]);
	if (st->db != NULL) {
		/*
		 * Statistics for the planner, but never wait for a writer,
		 * and sample each index rather than read it whole: after a
		 * big sync a full ANALYZE costs as much as a tenth of it.
		 */
		sqlite3_busy_timeout(st->db, 0);
		sqlite3_exec(st->db, "PRAGMA analysis_limit = 1000;"
		    "PRAGMA optimize", NULL, NULL, NULL);
		sqlite3_close(st->db);
	}
	store_fileacts_drop(&st->on_commit, 0);
	store_fileacts_drop(&st->on_rollback, 0);
	store_fileacts_drop(&st->to_sync, 0);
	free(st->on_commit.v);
	free(st->on_rollback.v);
	free(st->to_sync.v);
	free(st->dir);
	free(st->mail);
	free(st);
}
