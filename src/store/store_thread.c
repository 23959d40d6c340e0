/*
 * store_thread: what threading reads from the store. One SELECT over a
 * folder returns only the ids, dates and threading headers, packed into a
 * single string pool (no allocation per row), so a folder of 100,000
 * messages costs a few megabytes for as long as threading runs. Also a
 * stamp that tells when threading may give another answer: the folder's
 * visible count and thread generation (migration 5), one row of the
 * folders table whatever the folder's size, read in the same transaction
 * as the rows so that it is theirs, and remembered until anything in the
 * database changes.
 * Runs on the thread that owns the store.
 */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

/*
 * In (date, id) order, which the date index gives for nothing and the
 * model then need not sort; subjects only when threads join by them.
 */
#define THREAD_SQL(subject) \
	"SELECT id, date, message_id, in_reply_to, refs, " subject \
	" FROM messages WHERE folder_id = ?1 AND hidden = 0" \
	" ORDER BY date, id"
#define STAMP_SQL "SELECT n_total, thread_gen FROM folders WHERE id = ?1"
/* Rows and stamp are read under it, from one snapshot of the database. */
#define READ_SAVEPOINT "store_thread_read"
/* No single string past this; longer ones are cut (subjects) or tailed. */
#define THREAD_STR_MAX 1024
/* Pool bytes first set aside per message (ids, a few references). */
#define THREAD_POOL_GUESS 160
/* Rows set aside at most before any is read; more grow as they come. */
#define THREAD_RESERVE_MAX 500000
/* Append len bytes of s and a NUL; returns the offset, 0 for nothing. */
static uint32_t
pool_add(struct buf *pool, const char *s, size_t len)
{
	size_t at = pool->len;

	if (s == NULL || len == 0 || at + len + 1 > UINT32_MAX)
		return 0;
	buf_add(pool, s, len);
	buf_addc(pool, '\0');
	return (uint32_t)at;
}

static uint32_t
pool_col(struct buf *pool, sqlite3_stmt *s, int col)
{
	const char *t = (const char *)sqlite3_column_text(s, col);
	int n = sqlite3_column_bytes(s, col);

	if (t == NULL || n <= 0)
		return 0;
	return pool_add(pool, t, (size_t)n < THREAD_STR_MAX ? (size_t)n :
	    THREAD_STR_MAX);
}

/* The tail of a long References, starting at an id. */
static uint32_t
pool_refs(struct buf *pool, sqlite3_stmt *s, int col)
{
	const char *t = (const char *)sqlite3_column_text(s, col), *p;
	int n = sqlite3_column_bytes(s, col);
	size_t len;

	if (t == NULL || n <= 0)
		return 0;
	len = (size_t)n;
	if (len <= STORE_THREAD_REFS_MAX)
		return pool_add(pool, t, len);
	p = t + len - STORE_THREAD_REFS_MAX;
	while (*p != '\0' && *p != ' ' && *p != '<')
		p++;
	return pool_add(pool, p, len - (size_t)(p - t));
}

/* Room for want rows, from the folder's count, so nothing is copied. */
static void
rows_reserve(struct store_thread_rows *out, struct buf *pool, size_t want,
    size_t *cap)
{
	if (want == 0)
		return;
	if (want > THREAD_RESERVE_MAX)
		want = THREAD_RESERVE_MAX;
	*cap = want;
	out->rows = xreallocarray(NULL, want, sizeof(*out->rows));
	buf_grow(pool, want * THREAD_POOL_GUESS);
}

/* Every row of s into out (emptied first): SQLITE_DONE when all were. */
static int
rows_read(sqlite3_stmt *s, size_t want, struct store_thread_rows *out)
{
	struct store_thread_row *r;
	struct buf pool;
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	buf_init(&pool);
	rows_reserve(out, &pool, want, &cap);
	buf_addc(&pool, '\0');	/* offset 0 is the empty string */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 256;
			out->rows = xreallocarray(out->rows, cap,
			    sizeof(*out->rows));
		}
		r = &out->rows[out->n++];
		r->id = sqlite3_column_int64(s, 0);
		r->date = sqlite3_column_int64(s, 1);
		r->message_id = pool_col(&pool, s, 2);
		r->in_reply_to = pool_col(&pool, s, 3);
		r->references = pool_refs(&pool, s, 4);
		r->subject = pool_col(&pool, s, 5);
	}
	out->pool = buf_detach(&pool, &out->pool_len);
	return rc;
}

static void
rows_remember(struct store *st, int64_t folder_id,
    const struct store_thread_stamp *sp, int64_t dv, int64_t changes)
{
	st->stamp.valid = true;
	st->stamp.folder_id = folder_id;
	st->stamp.data_version = dv;
	st->stamp.changes = changes;
	st->stamp.stamp = *sp;
}

/* The folder's stamp as it stands; {0, 0} for no such folder. */
static int
stamp_read(struct store *st, int64_t folder_id,
    struct store_thread_stamp *out, struct cachet_err *err)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((s = store_stmt(st, STORE_SQL_THREAD_STAMP, STAMP_SQL, err)) ==
	    NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, folder_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->count = sqlite3_column_int64(s, 0);
		out->gen = sqlite3_column_int64(s, 1);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = store_sqlerr(st, err, "thread stamp");
	}
	store_stmt_done(s);
	return rc;
}

/*
 * A savepoint is a deferred read transaction when none is open and
 * nests inside the caller's (whose snapshot already holds) otherwise.
 */
static int
read_begin(struct store *st, struct cachet_err *err)
{
	if (sqlite3_exec(st->db, "SAVEPOINT " READ_SAVEPOINT, NULL, NULL,
	    NULL) != SQLITE_OK)
		return store_sqlerr(st, err, "begin thread read");
	return 0;
}

static int
read_end(struct store *st, int rc, struct cachet_err *err)
{
	if (sqlite3_exec(st->db, "RELEASE " READ_SAVEPOINT, NULL, NULL,
	    NULL) != SQLITE_OK && rc == 0)
		rc = store_sqlerr(st, err, "end thread read");
	return rc;
}

/*
 * The stamp first, then the version and the rows, all in one snapshot:
 * the stamp is exactly the rows', and the version the one to remember
 * it under.
 */
static int
rows_in_tx(struct store *st, int64_t folder_id, unsigned opts,
    struct store_thread_rows *out, struct cachet_err *err)
{
	struct store_thread_stamp sp;
	sqlite3_stmt *s = NULL;
	int64_t dv = 0, changes = 0;
	int rc;

	if ((rc = stamp_read(st, folder_id, &sp, err)) != 0 ||
	    (rc = store_list_version(st, &dv, &changes, err)) != 0)
		return rc;
	if (sqlite3_prepare_v2(st->db, store_thread_sql(opts), -1, &s,
	    NULL) != SQLITE_OK)
		return store_sqlerr(st, err, "thread rows");
	sqlite3_bind_int64(s, 1, folder_id);
	if (rows_read(s, sp.count > 0 ? (size_t)sp.count : 0, out) !=
	    SQLITE_DONE)
		rc = store_sqlerr(st, err, "thread rows");
	sqlite3_finalize(s);
	if (rc != 0)
		return rc;
	out->stamp = sp;
	rows_remember(st, folder_id, &sp, dv, changes);
	return 0;
}

const char *
store_thread_sql(unsigned opts)
{
	return (opts & STORE_THREAD_SUBJECTS) ? THREAD_SQL("subject") :
	    THREAD_SQL("NULL");
}

int
store_thread_rows(struct store *st, int64_t folder_id,
    struct store_thread_rows *out, struct cachet_err *err)
{
	return store_thread_rows_opt(st, folder_id, STORE_THREAD_SUBJECTS,
	    out, err);
}

int
store_thread_rows_opt(struct store *st, int64_t folder_id, unsigned opts,
    struct store_thread_rows *out, struct cachet_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_begin(st, err)) != 0)
		return rc;
	rc = read_end(st, rows_in_tx(st, folder_id, opts, out, err), err);
	if (rc != 0) {
		store_thread_rows_release(out);
		st->stamp.valid = false;
	}
	return rc;
}

void
store_thread_rows_release(struct store_thread_rows *r)
{
	if (r == NULL)
		return;
	free(r->rows);
	free(r->pool);
	memset(r, 0, sizeof(*r));
}

const char *
store_thread_str(const struct store_thread_rows *r, uint32_t off)
{
	if (r->pool == NULL || off >= r->pool_len)
		return "";
	return r->pool + off;
}

int
store_thread_stamp(struct store *st, int64_t folder_id,
    struct store_thread_stamp *out, struct cachet_err *err)
{
	int64_t dv = 0, changes = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_list_version(st, &dv, &changes, err)) != 0)
		return rc;
	if (st->stamp.valid && st->stamp.folder_id == folder_id &&
	    st->stamp.data_version == dv && st->stamp.changes == changes) {
		*out = st->stamp.stamp;
		return 0;
	}
	/* After the version: a commit in between only costs a new read. */
	if ((rc = stamp_read(st, folder_id, out, err)) == 0)
		rows_remember(st, folder_id, out, dv, changes);
	return rc;
}
