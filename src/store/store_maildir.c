/*
 * store_maildir: the raw messages. One Maildir per folder under DIR/mail,
 * named by util_path_escape so that no server-supplied name can leave it;
 * file names are made of numbers only. Bodies are written to tmp/ and
 * renamed into cur/; files are removed only after the row that pointed at
 * them is gone for good (see store_tx.c). Runs on the store's thread.
 */
#include "store/store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <unistd.h>

/* Text beyond this is not indexed for search (hostile giant bodies). */
#define STORE_TEXT_MAX (1024 * 1024)

static const char *const subdirs[] = { "tmp", "new", "cur" };

char *
store_folder_path(struct store *st, const char *name)
{
	char *esc = util_path_escape(name);
	char *path = xasprintf("%s/%s", st->mail, esc);

	free(esc);
	return path;
}

char *
store_file_path(struct store *st, const char *folder, const char *file)
{
	char *dir = store_folder_path(st, folder);
	char *path = xasprintf("%s/cur/%s", dir, file);

	free(dir);
	return path;
}

bool
store_file_name_ok(const char *file)
{
	return file != NULL && *file != '\0' && *file != '.' &&
	    strchr(file, '/') == NULL;
}

int
store_maildir_make(struct store *st, const char *name,
    struct cachet_err *err)
{
	char *dir = store_folder_path(st, name);
	size_t i;
	int rc = 0;

	for (i = 0; i < 3 && rc == 0; i++) {
		char *sub = xasprintf("%s/%s", dir, subdirs[i]);

		rc = util_mkdirs(sub, 0700, err);
		free(sub);
	}
	free(dir);
	if (rc != 0)
		cachet_err_prefix(err, "store");
	return rc;
}

void
store_maildir_drop(struct store *st, const char *name)
{
	char *dir = store_folder_path(st, name);
	size_t i;

	for (i = 0; i < 3; i++)
		store_fileacts_add(&st->on_commit,
		    xasprintf("%s/%s", dir, subdirs[i]), true);
	store_fileacts_add(&st->on_commit, dir, true);
}

/*
 * "<uidvalidity>.<uid>.<sec>.<usec>P<pid>Q<counter>R<random>:2,<flags>":
 * unique across processes, and nothing in it comes from the server but
 * numbers.
 */
static char *
file_name(struct store *st, uint32_t uidvalidity, uint32_t uid,
    uint32_t flags)
{
	struct timeval tv;
	uint32_t rnd = 0;
	char *letters = store_flags_maildir(flags), *name;

	gettimeofday(&tv, NULL);
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)tv.tv_usec ^ (uint32_t)(uintptr_t)&tv;
	name = xasprintf("%" PRIu32 ".%" PRIu32 ".%lld.%06ldP%ldQ%uR%08" PRIx32
	    ":2,%s", uidvalidity, uid, (long long)tv.tv_sec,
	    (long)tv.tv_usec, (long)getpid(), st->counter++, rnd, letters);
	free(letters);
	return name;
}

/* What set_body needs to know about the row. */
struct located {
	int64_t id;
	uint32_t flags;
	uint32_t uidvalidity;
	char *file;
	char *folder;
};

static int
locate(struct store *st, int64_t folder_id, uint32_t uid,
    struct located *loc, struct cachet_err *err)
{
	static const char sql[] =
	    "SELECT m.id, m.flags, f.uidvalidity, m.file, f.name"
	    " FROM messages m JOIN folders f ON f.id = m.folder_id"
	    " WHERE m.folder_id = ?1 AND m.uid = ?2";
	sqlite3_stmt *s;
	int rc;

	memset(loc, 0, sizeof(*loc));
	if ((s = store_stmt(st, STORE_SQL_MSG_LOCATE, sql, err)) == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, folder_id);
	sqlite3_bind_int64(s, 2, uid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		loc->id = sqlite3_column_int64(s, 0);
		loc->flags = (uint32_t)sqlite3_column_int64(s, 1);
		loc->uidvalidity = (uint32_t)sqlite3_column_int64(s, 2);
		loc->file = store_col_str(s, 3);
		loc->folder = store_col_str(s, 4);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = cachet_err(err, CACHET_E_NOTFOUND, "store: no message "
		    "with UID %" PRIu32 " in folder %" PRId64, uid, folder_id);
	} else {
		rc = store_sqlerr(st, err, "find message");
	}
	store_stmt_done(s);
	return rc;
}

static void
located_release(struct located *loc)
{
	free(loc->file);
	free(loc->folder);
}

static int
record_file(struct store *st, int64_t id, const char *file,
    struct cachet_err *err)
{
	sqlite3_stmt *s = store_stmt(st, STORE_SQL_MSG_SET_FILE,
	    "UPDATE messages SET file = ?2 WHERE id = ?1", err);

	if (s == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, file, -1, SQLITE_STATIC);
	return store_exec_stmt(st, s, "set file", err);
}

static void
sync_cur(struct store *st, const char *folder)
{
	char *dir = store_folder_path(st, folder);
	char *cur = xasprintf("%s/cur", dir);

	store_sync_dir(st, cur);
	free(cur);
	free(dir);
}

/* Point the row at its new file and index its text. */
static int
record_body(struct store *st, int64_t id, const char *file, const char *text,
    struct cachet_err *err)
{
	sqlite3_stmt *s;
	size_t tlen = text ? strlen(text) : 0;
	int rc;

	if ((rc = record_file(st, id, file, err)) != 0)
		return rc;
	s = store_stmt(st, STORE_SQL_FTS_QUEUE_BODY,
	    "INSERT INTO fts_queue (id, body, has_body) VALUES (?1, ?2, 1)"
	    " ON CONFLICT (id) DO UPDATE SET body = excluded.body,"
	    " has_body = 1", err);
	if (s == NULL)
		return CACHET_E_STORE;
	if (tlen > STORE_TEXT_MAX) {
		tlen = STORE_TEXT_MAX;
		while (tlen > 0 && ((unsigned char)text[tlen] & 0xC0) == 0x80)
			tlen--;
	}
	sqlite3_bind_int64(s, 1, id);
	if (text != NULL)
		sqlite3_bind_text(s, 2, text, (int)tlen, SQLITE_STATIC);
	st->fts_dirty = true;
	return store_exec_stmt(st, s, "index text", err);
}

/* Write the bytes into cur/ and note the file for rollback. */
static int
write_file(struct store *st, const struct located *loc, const char *file,
    const char *raw, size_t len, struct cachet_err *err)
{
	char *dir = store_folder_path(st, loc->folder);
	char *tmp = xasprintf("%s/tmp", dir);
	char *cur = xasprintf("%s/cur", dir);
	int rc;

	/* The folder's Maildir is made with the folder; remake it only if
	 * something removed it since. Durability comes at commit (syncfs). */
	if (access(cur, W_OK) != 0)
		rc = store_maildir_make(st, loc->folder, err);
	else
		rc = 0;
	if (rc == 0)
		rc = util_write_atomic_nosync(tmp, cur, file, raw, len, err);
	if (rc == 0) {
		store_fileacts_add(&st->on_rollback,
		    xasprintf("%s/%s", cur, file), false);
		store_sync_dir(st, cur);
	}
	free(dir);
	free(tmp);
	free(cur);
	return rc;
}

/*
 * Give the row's file the info suffix of its current flags, for other
 * Maildir readers: a hard link under the new name now, the old name
 * removed at commit. Where links are not possible the name stays.
 */
int
store_msg_reflag(struct store *st, int64_t folder_id, uint32_t uid,
    struct cachet_err *err)
{
	struct located loc;
	char *letters, *name = NULL, *from = NULL, *to = NULL;
	size_t base;
	int rc;

	if ((rc = locate(st, folder_id, uid, &loc, err)) != 0)
		return rc;
	if (!store_file_name_ok(loc.file))
		goto out;
	base = strcspn(loc.file, ":");
	letters = store_flags_maildir(loc.flags);
	name = xasprintf("%.*s:2,%s", (int)base, loc.file, letters);
	free(letters);
	if (strcmp(name, loc.file) == 0)
		goto out;
	from = store_file_path(st, loc.folder, loc.file);
	to = store_file_path(st, loc.folder, name);
	if (link(from, to) != 0)
		goto out;
	store_fileacts_add(&st->on_rollback, to, false);
	to = NULL;
	if ((rc = record_file(st, loc.id, name, err)) == 0) {
		store_fileacts_add(&st->on_commit, from, false);
		from = NULL;
		sync_cur(st, loc.folder);
	}
out:
	free(name);
	free(from);
	free(to);
	located_release(&loc);
	return rc;
}

int
store_msg_set_body(struct store *st, int64_t folder_id, uint32_t uid,
    const char *raw, size_t len, const char *text, struct cachet_err *err)
{
	struct located loc;
	struct store_tx tx;
	char *file = NULL;
	int rc;

	if (raw == NULL && len > 0)
		return cachet_err(err, CACHET_E_INVAL,
		    "store: no message data");
	if ((rc = store_tx_begin(st, &tx, err)) != 0)
		return rc;
	if ((rc = locate(st, folder_id, uid, &loc, err)) != 0)
		goto out;
	file = file_name(st, loc.uidvalidity, uid, loc.flags);
	if ((rc = write_file(st, &loc, file, raw ? raw : "", len, err)) == 0)
		rc = record_body(st, loc.id, file, text, err);
	if (rc == 0 && store_file_name_ok(loc.file))
		store_fileacts_add(&st->on_commit,
		    store_file_path(st, loc.folder, loc.file), false);
	located_release(&loc);
	free(file);
out:
	return store_tx_end(st, &tx, rc, err);
}

int
store_msg_delete(struct store *st, int64_t folder_id, uint32_t uid,
    struct cachet_err *err)
{
	struct located loc;
	struct store_tx tx;
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_tx_begin(st, &tx, err)) != 0)
		return rc;
	if ((rc = locate(st, folder_id, uid, &loc, err)) != 0) {
		if (rc == CACHET_E_NOTFOUND)
			rc = 0;
		goto out;
	}
	s = store_stmt(st, STORE_SQL_MSG_DELETE,
	    "DELETE FROM messages WHERE id = ?1", err);
	if (s == NULL) {
		rc = CACHET_E_STORE;
	} else {
		sqlite3_bind_int64(s, 1, loc.id);
		rc = store_exec_stmt(st, s, "delete message", err);
		st->fts_dirty = true;
	}
	if (rc == 0 && store_file_name_ok(loc.file))
		store_fileacts_add(&st->on_commit,
		    store_file_path(st, loc.folder, loc.file), false);
	located_release(&loc);
out:
	return store_tx_end(st, &tx, rc, err);
}

int
store_msg_path(struct store *st, int64_t id, char **path,
    struct cachet_err *err)
{
	static const char sql[] =
	    "SELECT m.file, f.name FROM messages m"
	    " JOIN folders f ON f.id = m.folder_id WHERE m.id = ?1";
	sqlite3_stmt *s;
	int rc;

	*path = NULL;
	if ((s = store_stmt(st, STORE_SQL_MSG_FILE, sql, err)) == NULL)
		return CACHET_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *file = (const char *)sqlite3_column_text(s, 0);
		const char *name = (const char *)sqlite3_column_text(s, 1);

		if (store_file_name_ok(file) && name != NULL) {
			*path = store_file_path(st, name, file);
			rc = 0;
		} else {
			rc = cachet_err(err, CACHET_E_NOTFOUND,
			    "store: message %" PRId64 " has no body", id);
		}
	} else if (rc == SQLITE_DONE) {
		rc = cachet_err(err, CACHET_E_NOTFOUND,
		    "store: no message %" PRId64, id);
	} else {
		rc = store_sqlerr(st, err, "message path");
	}
	store_stmt_done(s);
	return rc;
}

int
store_msg_read_raw(struct store *st, int64_t id, char **data, size_t *len,
    struct cachet_err *err)
{
	char *path;
	int rc;

	*data = NULL;
	*len = 0;
	if ((rc = store_msg_path(st, id, &path, err)) != 0)
		return rc;
	rc = util_read_file(path, data, len, err);
	free(path);
	if (rc != 0)
		cachet_err_prefix(err, "store");
	return rc;
}
