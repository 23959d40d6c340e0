/*
 * store internals shared by the store_*.c files: the connection struct,
 * the prepared-statement cache, the transaction helpers and the list of
 * file actions that wait for a transaction to end.
 */
#ifndef CACHET_STORE_INT_H
#define CACHET_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>

#include "store/store.h"

/* One slot per prepared statement; each is used by exactly one function. */
enum store_stmt_id {
	STORE_SQL_BEGIN,
	STORE_SQL_COMMIT,
	STORE_SQL_ROLLBACK,
	STORE_SQL_SAVEPOINT,
	STORE_SQL_RELEASE,
	STORE_SQL_ROLLBACK_TO,
	STORE_SQL_FOLDER_ENSURE,
	STORE_SQL_FOLDER_GET,
	STORE_SQL_FOLDER_GET_ID,
	STORE_SQL_FOLDER_LIST,
	STORE_SQL_FOLDER_GET_ID_BARE,
	STORE_SQL_FOLDER_LIST_BARE,
	STORE_SQL_FOLDER_STATE,
	STORE_SQL_FOLDER_FILES,
	STORE_SQL_FOLDER_DEL_MSGS,
	STORE_SQL_FOLDER_DEL_MSG_OPS,
	STORE_SQL_FOLDER_RESET,
	STORE_SQL_FOLDER_DELETE,
	STORE_SQL_MSG_FIND,
	STORE_SQL_MSG_INSERT,
	STORE_SQL_MSG_COUNT_ADD,
	STORE_SQL_MSG_UPDATE,
	STORE_SQL_MSG_FLAGS,
	STORE_SQL_MSG_LOCATE,
	STORE_SQL_MSG_SET_FILE,
	STORE_SQL_MSG_DELETE,
	STORE_SQL_MSG_GET,
	STORE_SQL_MSG_GET_UID,
	STORE_SQL_MSG_UIDS,
	STORE_SQL_MSG_UIDS_NOBODY,
	STORE_SQL_MSG_FILE,
	STORE_SQL_MSG_COUNT,
	STORE_SQL_LIST_FIRST,	/* one per enum store_sort, in its order */
	STORE_SQL_LIST_LAST = STORE_SQL_LIST_FIRST + STORE_SORT_UID,
	STORE_SQL_KEYSET_FIRST,	/* likewise */
	STORE_SQL_KEYSET_LAST = STORE_SQL_KEYSET_FIRST + STORE_SORT_UID,
	STORE_SQL_LIST_REV_FIRST,	/* the same orders read backwards */
	STORE_SQL_LIST_REV_LAST = STORE_SQL_LIST_REV_FIRST + STORE_SORT_UID,
	STORE_SQL_KEYSET_REV_FIRST,
	STORE_SQL_KEYSET_REV_LAST = STORE_SQL_KEYSET_REV_FIRST + STORE_SORT_UID,
	STORE_SQL_DATA_VERSION,
	STORE_SQL_SEARCH,
	STORE_SQL_FTS_QUEUE_BODY,
	STORE_SQL_FTS_KEEP_BODY,
	STORE_SQL_FTS_DROP,
	STORE_SQL_FTS_FILL_OLD,
	STORE_SQL_FTS_FILL_NEW,
	STORE_SQL_FTS_MARK,
	STORE_SQL_FTS_CLEAR,
	STORE_SQL_OP_FIND_MSG,
	STORE_SQL_OP_APPLY_FLAGS,
	STORE_SQL_OP_HIDE,
	STORE_SQL_OP_INSERT,
	STORE_SQL_OP_LIST,
	STORE_SQL_OP_DONE,
	STORE_SQL_OP_FAILED,
	STORE_SQL_SEC_PUT_MSG,
	STORE_SQL_SEC_PUT,
	STORE_SQL_SEC_GET,
	STORE_SQL_SEC_STALE,
	STORE_SQL_THREAD_STAMP,
	STORE_SQL_MAX
};

/* A path to unlink (or an empty directory to remove) later. */
struct store_fileact {
	char *path;
	bool is_dir;
};

struct store_fileacts {
	struct store_fileact *v;
	size_t n, cap;
};

/* The sort key of one listed row. */
struct store_list_key {
	int64_t id;
	int64_t num;		/* date, size or uid */
	char *text;		/* from or subject, or NULL */
};

/*
 * The last window store_msg_list returned, so that the next one, if it
 * starts inside it, can continue after a known row instead of counting
 * an OFFSET from the top. Valid only while nothing has changed.
 */
struct store_list_cache {
	bool valid;
	int64_t folder_id;
	enum store_sort sort;
	uint32_t offset;	/* position of keys[0] */
	size_t n;
	struct store_list_key *keys;
	int64_t data_version;	/* other connections' commits */
	int64_t changes;	/* this connection's changes */
};

/* The last thread stamp read, valid while nothing has changed. */
struct store_stamp_cache {
	bool valid;
	int64_t folder_id;
	int64_t data_version;
	int64_t changes;
	struct store_thread_stamp stamp;
};

struct store {
	sqlite3 *db;
	char *dir;		/* account directory */
	char *mail;		/* DIR/mail */
	sqlite3_stmt *stmt[STORE_SQL_MAX];
	bool explicit_tx;	/* inside store_begin/store_commit */
	int depth;		/* nesting of internal transactions */
	struct store_fileacts on_commit;	/* old files to drop */
	struct store_fileacts on_rollback;	/* new files to drop */
	struct store_fileacts to_sync;		/* directories to fsync */
	unsigned counter;	/* part of unique Maildir names */
	bool fts_dirty;		/* msg_fts may lag behind messages */
	bool fts_mark_valid;
	int64_t fts_mark;	/* max(messages.id) before this transaction's
				 * first insert */
	struct store_list_cache list;
	struct store_stamp_cache stamp;
	uint64_t keyset_used;	/* windows read after (or before) a known
				 * row */
	uint64_t reverse_used;	/* windows read from the end backwards */
};

/* Where an internal transaction began, to undo exactly its part. */
struct store_tx {
	bool outer;
	size_t commit_mark;
	size_t rollback_mark;
};

/* The cached statement for id (prepared from sql on first use). */
sqlite3_stmt *store_stmt(struct store *st, enum store_stmt_id id,
    const char *sql, struct cachet_err *err);
/* Reset and clear a statement after use; NULL is a no-op. */
void store_stmt_done(sqlite3_stmt *s);
/* "store: what: <sqlite message>" with CACHET_E_STORE. */
int store_sqlerr(struct store *st, struct cachet_err *err, const char *what);
/* Step a statement that returns no rows and reset it. */
int store_exec_stmt(struct store *st, sqlite3_stmt *s, const char *what,
    struct cachet_err *err);
char *store_col_str(sqlite3_stmt *s, int col);

/*
 * Internal transactions: BEGIN IMMEDIATE when none is open, a SAVEPOINT
 * inside the caller's. store_tx_end commits when rc is 0 and rolls back
 * otherwise; it returns rc, or the commit's error.
 */
int store_tx_begin(struct store *st, struct store_tx *tx,
    struct cachet_err *err);
int store_tx_end(struct store *st, struct store_tx *tx, int rc,
    struct cachet_err *err);

/* Is a transaction (the caller's or an internal one) open? */
bool store_in_tx(const struct store *st);
/* CACHET_E_STORE if SQLite has already undone the caller's transaction. */
int store_tx_alive(struct store *st, struct cachet_err *err);

/*
 * Bring msg_fts in step with the messages (see the schema); run before
 * every commit and before a search inside an open transaction.
 * store_fts_mark must run before a transaction's first insert.
 */
int store_fts_flush(struct store *st, struct cachet_err *err);
int store_fts_mark(struct store *st, struct cachet_err *err);

/* Queue path to be removed once the transaction commits / rolls back. */
void store_fileacts_add(struct store_fileacts *a, char *path, bool is_dir);
void store_fileacts_run(struct store_fileacts *a, size_t from);
void store_fileacts_drop(struct store_fileacts *a, size_t from);
/* Remember a directory to fsync before the transaction commits. */
void store_sync_dir(struct store *st, const char *dir);

/* Maildir paths: DIR/mail/ESC(name) and a file in its cur/. */
char *store_folder_path(struct store *st, const char *name);
char *store_file_path(struct store *st, const char *folder, const char *file);
int store_maildir_make(struct store *st, const char *name,
    struct cachet_err *err);
/* Queue removal of a folder's Maildir directories after commit. */
void store_maildir_drop(struct store *st, const char *name);
/* Rename the message's file to match its flags (see store_maildir.c). */
int store_msg_reflag(struct store *st, int64_t folder_id, uint32_t uid,
    struct cachet_err *err);
/* A Maildir file name is ours only if it is plain (no '/', not "."). */
bool store_file_name_ok(const char *file);

/* The columns store_msg_from_row reads, in its order. */
#define STORE_MSG_COLS \
	"id, folder_id, uid, flags, keywords, modseq, date, size," \
	" from_addr, to_addr, cc_addr, subject, message_id, in_reply_to," \
	" refs, file, sec_verdict, sec_flags, sec_key"
void store_msg_from_row(sqlite3_stmt *s, struct store_msg *m);

/*
 * The SQL of each store_msg_list order, by offset and after a known row
 * (the tests check their plans).
 */
const char *store_msg_list_sql(enum store_sort sort);
const char *store_msg_keyset_sql(enum store_sort sort);
/* The same orders walked backwards: from the end, and before a known row. */
const char *store_msg_list_rev_sql(enum store_sort sort);
const char *store_msg_keyset_rev_sql(enum store_sort sort);
/* The SELECT of store_thread_rows_opt (the tests check its plan). */
const char *store_thread_sql(unsigned opts);
/* Forget the remembered listing window and stamp (after a rollback). */
void store_list_forget(struct store *st);
/*
 * PRAGMA data_version (other connections' commits) and this connection's
 * total changes: while both stay the same, nothing in the database moved.
 */
int store_list_version(struct store *st, int64_t *dv, int64_t *changes,
    struct cachet_err *err);

#endif
