/*
 * store: the offline store of one account.
 *
 * Layout under the account directory DIR ($XDG_DATA_HOME/cachet/ACCOUNT):
 *   DIR/index.db          SQLite (WAL): folders, messages, sync state,
 *                         pending operations, FTS5 index
 *   DIR/mail/F/{tmp,new,cur}
 *                         one Maildir per folder, F = util_path_escape(name);
 *                         raw messages exactly as fetched, written to tmp/
 *                         then renamed into cur/
 *
 * Every write is transactional. One struct store is one SQLite connection
 * and belongs to one thread; several processes and threads may open the
 * same store at once (WAL lets readers proceed beside the writer).
 */
#ifndef CACHET_STORE_H
#define CACHET_STORE_H

#include <stdint.h>

#include "util/util.h"

struct store;

/* IMAP system flags as a bit mask. */
enum store_flag {
	STORE_F_SEEN = 1 << 0,
	STORE_F_ANSWERED = 1 << 1,
	STORE_F_FLAGGED = 1 << 2,
	STORE_F_DELETED = 1 << 3,
	STORE_F_DRAFT = 1 << 4,
};

struct store_folder {
	int64_t id;
	char *name;		/* server name (modified UTF-7 as received) */
	char delim;		/* hierarchy delimiter, 0 if none */
	uint32_t uidvalidity;	/* 0 until first selected */
	uint32_t uidnext;
	uint64_t highestmodseq;	/* 0 when the server has no CONDSTORE */
	uint32_t total;		/* messages in the store */
	uint32_t unread;	/* without STORE_F_SEEN */
};

struct store_msg {
	int64_t id;		/* row id, stable while the message exists */
	int64_t folder_id;
	uint32_t uid;
	uint32_t flags;		/* enum store_flag */
	char *keywords;		/* space-separated IMAP keywords, may be NULL */
	uint64_t modseq;
	int64_t date;		/* Date: header as Unix time, or INTERNALDATE */
	uint32_t size;		/* RFC822.SIZE */
	char *from;		/* decoded display strings (UTF-8), may be NULL */
	char *to;
	char *cc;
	char *subject;
	char *message_id;	/* without angle brackets, may be NULL */
	char *in_reply_to;
	char *references;	/* space-separated ids, may be NULL */
	char *file;		/* Maildir file name in cur/, NULL until the
				 * body is fetched */
	int sec_verdict;	/* cached enum crypto_verdict, -1: none */
	unsigned sec_flags;	/* cached enum crypto_status_flag bits */
	char *sec_key;		/* key/trust state it was computed under */
};

/* Open (creating and migrating as needed) the store in dir. */
int store_open(struct store **out, const char *dir, struct cachet_err *err);
void store_close(struct store *st);	/* NULL is a no-op */
const char *store_dir(const struct store *st);

/* Schema version this build writes (migrations run up to it on open). */
int store_schema_version(void);

/*
 * Transactions. Calls made outside begin/commit are each their own
 * transaction. Nested begin is an error.
 */
int store_begin(struct store *st, struct cachet_err *err);
int store_commit(struct store *st, struct cachet_err *err);
void store_rollback(struct store *st);

/* Folders. */
int store_folder_ensure(struct store *st, const char *name, char delim,
    int64_t *id, struct cachet_err *err);
/* CACHET_E_NOTFOUND if there is no such folder. */
int store_folder_get(struct store *st, const char *name,
    struct store_folder *out, struct cachet_err *err);
int store_folder_get_id(struct store *st, int64_t id,
    struct store_folder *out, struct cachet_err *err);
/*
 * The same without total/unread (left 0): those cost a scan of the
 * folder's rows, and sync needs only names and state.
 */
int store_folder_state(struct store *st, int64_t id,
    struct store_folder *out, struct cachet_err *err);
int store_folder_list_bare(struct store *st, struct store_folder **out,
    size_t *n, struct cachet_err *err);
/* All folders sorted by name (INBOX first); free with store_folders_free. */
int store_folder_list(struct store *st, struct store_folder **out, size_t *n,
    struct cachet_err *err);
void store_folder_release(struct store_folder *f);
void store_folders_free(struct store_folder *f, size_t n);
int store_folder_set_state(struct store *st, int64_t id, uint32_t uidvalidity,
    uint32_t uidnext, uint64_t highestmodseq, struct cachet_err *err);
/*
 * Drop every message of the folder (rows, index entries, Maildir files and
 * pending operations on them), keeping the folder; state is reset to 0.
 * Used when UIDVALIDITY changes.
 */
int store_folder_clear(struct store *st, int64_t id, struct cachet_err *err);
/* Remove the folder and all it holds (it is gone on the server). */
int store_folder_delete(struct store *st, int64_t id, struct cachet_err *err);

/*
 * Messages. store_msg_put inserts or updates by (folder_id, uid) from the
 * header fields in m (m->id and m->file are ignored) and indexes the
 * headers for search; *id gets the row id (may be NULL).
 */
int store_msg_put(struct store *st, const struct store_msg *m, int64_t *id,
    struct cachet_err *err);
int store_msg_set_flags(struct store *st, int64_t folder_id, uint32_t uid,
    uint32_t flags, const char *keywords, uint64_t modseq,
    struct cachet_err *err);
/*
 * Store the raw message (exactly the bytes given) in the folder's Maildir
 * (tmp/ then rename into cur/) and index text (decoded body text for
 * search; may be NULL). The row must exist.
 */
int store_msg_set_body(struct store *st, int64_t folder_id, uint32_t uid,
    const char *raw, size_t len, const char *text, struct cachet_err *err);
/* Remove a message (row, index entry, Maildir file); absent is not an error. */
int store_msg_delete(struct store *st, int64_t folder_id, uint32_t uid,
    struct cachet_err *err);
int store_msg_get(struct store *st, int64_t id, struct store_msg *out,
    struct cachet_err *err);
int store_msg_get_uid(struct store *st, int64_t folder_id, uint32_t uid,
    struct store_msg *out, struct cachet_err *err);
void store_msg_release(struct store_msg *m);
void store_msgs_free(struct store_msg *m, size_t n);

/* UIDs of a folder in ascending order; free(*uids). */
int store_msg_uids(struct store *st, int64_t folder_id, uint32_t **uids,
    size_t *n, struct cachet_err *err);
/*
 * Same, only messages whose body is not in the Maildir yet (rows hidden by
 * a pending delete or move are left out).
 */
int store_msg_uids_without_body(struct store *st, int64_t folder_id,
    uint32_t **uids, size_t *n, struct cachet_err *err);

/* Full path of the message's Maildir file, or CACHET_E_NOTFOUND. */
int store_msg_path(struct store *st, int64_t id, char **path,
    struct cachet_err *err);
/* The raw message bytes, or CACHET_E_NOTFOUND if only headers are stored. */
int store_msg_read_raw(struct store *st, int64_t id, char **data, size_t *len,
    struct cachet_err *err);

enum store_sort {
	STORE_SORT_DATE,	/* oldest first */
	STORE_SORT_DATE_DESC,
	STORE_SORT_FROM,
	STORE_SORT_SUBJECT,
	STORE_SORT_SIZE,
	STORE_SORT_UID,
};

/* Count of messages in a folder. */
int store_msg_count(struct store *st, int64_t folder_id, uint32_t *total,
    uint32_t *unread, struct cachet_err *err);
/*
 * One window of a folder in the given order: rows [offset, offset+limit).
 * Only these rows are read. Free with store_msgs_free.
 */
int store_msg_list(struct store *st, int64_t folder_id, enum store_sort sort,
    uint32_t offset, uint32_t limit, struct store_msg **out, size_t *n,
    struct cachet_err *err);

/*
 * The compact fields threading needs, for every visible message of a
 * folder (store_thread.c). Strings live in one pool and are found by
 * offset (store_thread_str); References keep only their last
 * STORE_THREAD_REFS_MAX bytes, cut at an id boundary.
 */
#define STORE_THREAD_REFS_MAX 4096

/*
 * What changes when a message arrives in or leaves the folder, or a
 * visible message's threading fields (date, Message-ID, In-Reply-To,
 * References, subject) change; flag and security-status changes leave it
 * alone. A cheap test of whether to thread again: two stamps of one
 * folder are equal only if nothing threading reads changed in between.
 * Meaningful only within one process (gen restarts at 0 when an older
 * store is migrated).
 */
struct store_thread_stamp {
	int64_t count;		/* visible messages */
	int64_t gen;		/* the folder's thread generation */
};

struct store_thread_row {
	int64_t id;
	int64_t date;
	uint32_t message_id;	/* offsets into the pool; 0 is "" */
	uint32_t in_reply_to;
	uint32_t references;
	uint32_t subject;
};

struct store_thread_rows {
	struct store_thread_row *rows;
	size_t n;
	char *pool;
	size_t pool_len;
	struct store_thread_stamp stamp;	/* of exactly these rows */
};

int store_thread_rows(struct store *st, int64_t folder_id,
    struct store_thread_rows *out, struct cachet_err *err);
/*
 * The same with options: without STORE_THREAD_SUBJECTS every subject is
 * left out (""), for threading that does not join threads by subject.
 * Rows come in (date, id) order.
 */
#define STORE_THREAD_SUBJECTS (1u << 0)
int store_thread_rows_opt(struct store *st, int64_t folder_id,
    unsigned opts, struct store_thread_rows *out, struct cachet_err *err);
void store_thread_rows_release(struct store_thread_rows *r);
const char *store_thread_str(const struct store_thread_rows *r, uint32_t off);

/*
 * The folder's stamp (struct store_thread_stamp): one row of the folders
 * table, whatever the folder's size; remembered until something is
 * written. A folder that does not exist has the stamp {0, 0}.
 */
int store_thread_stamp(struct store *st, int64_t folder_id,
    struct store_thread_stamp *out, struct cachet_err *err);

/*
 * Local full-text search (FTS5 syntax, over from/to/cc/subject and body
 * text) in one folder (folder_id > 0) or all (0). Ids newest first.
 * A query FTS5 cannot parse gives CACHET_E_INVAL; an empty one, no ids.
 */
int store_search(struct store *st, int64_t folder_id, const char *query,
    int64_t **ids, size_t *n, struct cachet_err *err);

/*
 * Address fields (from, to or cc display strings, possibly lists) of
 * messages whose field contains text (case-insensitive for ASCII), most
 * recent first, at most limit; free each string and the array.
 */
int store_addresses(struct store *st, const char *text, size_t limit,
    char ***out, size_t *n, struct cachet_err *err);

/*
 * Pending operations made offline, replayed by sync in id order.
 * Queuing an operation also applies it to the local view at once (flags
 * changed, message hidden for delete/move) inside one transaction.
 */
enum store_op_kind {
	STORE_OP_FLAGS = 1,	/* add flags_add, remove flags_del */
	STORE_OP_DELETE = 2,	/* mark \Deleted and expunge on the server */
	STORE_OP_MOVE = 3,	/* to folder `dest` */
	STORE_OP_COPY = 4,	/* to folder `dest` */
	STORE_OP_APPEND = 5,	/* raw message at `path` into folder_id */
};

struct store_op {
	int64_t id;
	enum store_op_kind kind;
	int64_t folder_id;
	uint32_t uid;		/* 0 for APPEND */
	uint32_t flags_add;
	uint32_t flags_del;
	char *dest;		/* MOVE/COPY destination folder name */
	char *path;		/* APPEND: file holding the message */
	int attempts;
	char *last_error;
};

int store_op_add(struct store *st, const struct store_op *op, int64_t *id,
    struct cachet_err *err);
/* Pending operations of one folder (or all when folder_id is 0). */
int store_op_list(struct store *st, int64_t folder_id, struct store_op **out,
    size_t *n, struct cachet_err *err);
int store_op_done(struct store *st, int64_t id, struct cachet_err *err);
/*
 * Take back pending delete, move or copy `id` before sync replays it
 * (store_undo.c): the operation goes and a hidden message is shown again,
 * in one transaction. CACHET_E_NOTFOUND when it is no longer pending
 * (already synced); CACHET_E_INVAL for other kinds.
 */
int store_op_cancel(struct store *st, int64_t id, struct cachet_err *err);
int store_op_failed(struct store *st, int64_t id, const char *why,
    struct cachet_err *err);
void store_ops_free(struct store_op *ops, size_t n);

/*
 * The cached security status of a message (computed by src/crypto, which
 * defines verdict and flags). `key` names the key/trust state it was
 * computed under: a status whose key differs from the current one is
 * stale and shown as pending until recomputed.
 */
struct store_secstat {
	int verdict;
	unsigned flags;
	char *key;
	char *summary;		/* one line for the banner */
	char *report;		/* the details view's text */
};
int store_secstat_put(struct store *st, int64_t msg_id,
    const struct store_secstat *s, struct cachet_err *err);
/* CACHET_E_NOTFOUND when never computed. */
int store_secstat_get(struct store *st, int64_t msg_id,
    struct store_secstat *out, struct cachet_err *err);
void store_secstat_release(struct store_secstat *s);
/*
 * Up to `limit` messages (newest first) whose body is stored and whose
 * status is missing or was computed under another key.
 */
int store_secstat_stale(struct store *st, const char *key, size_t limit,
    int64_t **ids, size_t *n, struct cachet_err *err);

/*
 * The outbox (store_outbox.c): messages waiting to be submitted. The
 * bytes are written (fsync, rename) to DIR/outbox/ before the row is
 * committed; the row and file go only when store_outbox_sent is called,
 * after the server's final 2xx. A sender claims an entry first, so two
 * processes never submit the same message; an entry left claimed by a
 * process that is gone is held (it may or may not have been delivered)
 * until the user retries it.
 */
enum store_outbox_state {
	STORE_OUTBOX_QUEUED = 0,	/* sent at the next chance */
	STORE_OUTBOX_SENDING = 1,	/* claimed by process `pid` */
	STORE_OUTBOX_HELD = 2,		/* waits for the user */
};

struct store_outbox {
	int64_t id;
	int64_t created;	/* Unix time */
	char *path;		/* full path of the message file */
	char *env_from;		/* envelope sender */
	char **rcpts;		/* envelope recipients */
	size_t nrcpts;
	char *to;		/* display fields for the outbox view */
	char *subject;
	char *message_id;
	char *sent_folder;	/* where the sent copy goes, or NULL */
	enum store_outbox_state state;
	int attempts;
	int64_t last_try;	/* Unix time, 0 never */
	char *last_error;
};

/* Queue data[0..len) with the envelope and display fields of *meta. */
int store_outbox_add(struct store *st, const char *data, size_t len,
    const struct store_outbox *meta, int64_t *id, struct cachet_err *err);
/* Every entry, oldest first (held ones after first recovering claims of
 * processes that are gone). Free with store_outbox_free. */
int store_outbox_list(struct store *st, struct store_outbox **out,
    size_t *n, struct cachet_err *err);
void store_outbox_free(struct store_outbox *o, size_t n);
/* Claim a queued entry for this process: CACHET_E_NOTFOUND when it is
 * not queued (another process sends it, it is held, or gone). */
int store_outbox_claim(struct store *st, int64_t id, struct cachet_err *err);
/* The server accepted it: drop row and file. */
int store_outbox_sent(struct store *st, int64_t id, struct cachet_err *err);
/* Submission failed: back to queued (hold false) or held, with why. */
int store_outbox_failed(struct store *st, int64_t id, bool hold,
    const char *why, struct cachet_err *err);
/* The user asks to send a held entry again. */
int store_outbox_retry(struct store *st, int64_t id, struct cachet_err *err);
/* "queued", "sending" or "held", for the outbox views. */
const char *store_outbox_state_name(enum store_outbox_state s);
/* The user deletes an entry that was not sent (row and file). */
int store_outbox_delete(struct store *st, int64_t id, struct cachet_err *err);

/*
 * Directory of the account's store: $XDG_DATA_HOME/cachet/ACCOUNT, else
 * $HOME/.local/share/cachet/ACCOUNT, with ACCOUNT passed through
 * util_path_escape; NULL if there is no home directory.
 */
char *store_account_dir(const char *account);

/* Flags <-> IMAP text ("\\Seen \\Flagged"). */
uint32_t store_flags_parse(const char *imap_flags);
char *store_flags_format(uint32_t flags);
/* Maildir info suffix letters ("FS") for flags. */
char *store_flags_maildir(uint32_t flags);

#endif
