/*
 * Unit tests for src/store: schema and migrations, folders, messages,
 * Maildir bodies, hostile folder names, windowed listing, search, the
 * operation queue, transactions and two connections at once. Every test
 * works in its own directory under /tmp, removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_int.h"

struct fx {
	char dir[64];
	struct store *st;
	int64_t inbox;
};

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));
	struct cachet_err err = { 0 };

	strcpy(fx->dir, "/tmp/cachet-store-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(store_open(&fx->st, fx->dir, &err), 0);
	assert_int_equal(store_folder_ensure(fx->st, "INBOX", '/', &fx->inbox,
	    &err), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	store_close(fx->st);
	nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static struct store_msg
mk(int64_t folder, uint32_t uid, const char *subject)
{
	struct store_msg m = { 0 };

	m.folder_id = folder;
	m.uid = uid;
	m.date = 1700000000 + uid;
	m.size = 1000 + uid;
	m.from = (char *)"Alice <alice@example.org>";
	m.to = (char *)"bob@example.org";
	m.subject = (char *)subject;
	m.message_id = (char *)"id@example.org";
	return m;
}

static int64_t
put(struct store *st, int64_t folder, uint32_t uid, const char *subject,
    uint32_t flags)
{
	struct store_msg m = mk(folder, uid, subject);
	struct cachet_err err = { 0 };
	int64_t id = 0;

	m.flags = flags;
	assert_int_equal(store_msg_put(st, &m, &id, &err), 0);
	assert_true(id > 0);
	return id;
}

static size_t
count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static bool
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static size_t
search_n(struct store *st, int64_t folder, const char *q, int64_t **ids)
{
	struct cachet_err err = { 0 };
	int64_t *v = NULL;
	size_t n = 0;

	assert_int_equal(store_search(st, folder, q, &v, &n, &err), 0);
	if (ids != NULL)
		*ids = v;
	else
		free(v);
	return n;
}

/* Open, migrate, reopen; a newer schema is refused. */
static void
test_open_reopen(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_folder f;
	char *db = xasprintf("%s/index.db", fx->dir);
	sqlite3 *raw;
	sqlite3_stmt *s;

	assert_int_equal(store_schema_version(), 5);
	assert_string_equal(store_dir(fx->st), fx->dir);
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1,
	    &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), store_schema_version());
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1,
	    &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);

	store_close(fx->st);
	assert_int_equal(store_open(&fx->st, fx->dir, &err), 0);
	assert_int_equal(store_folder_get(fx->st, "INBOX", &f, &err), 0);
	assert_int_equal(f.id, fx->inbox);
	assert_int_equal(f.delim, '/');
	store_folder_release(&f);
	store_close(fx->st);
	fx->st = NULL;

	assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	assert_int_equal(store_open(&fx->st, fx->dir, &err), CACHET_E_STORE);
	assert_null(fx->st);
	assert_non_null(strstr(err.msg, "newer"));
	assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 5", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	free(db);
	assert_int_equal(store_open(&fx->st, NULL, &err), CACHET_E_INVAL);
	assert_int_equal(store_open(&fx->st, fx->dir, &err), 0);
}

static void
test_folders(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	static const char *names[] = { "b", "a", "Sent", "Archive" };
	static const char *order[] = { "INBOX", "Archive", "Sent", "a", "b" };
	struct store_folder *list, f;
	int64_t id, again;
	size_t n, i;

	for (i = 0; i < 4; i++)
		assert_int_equal(store_folder_ensure(fx->st, names[i], '.',
		    &id, &err), 0);
	assert_int_equal(store_folder_ensure(fx->st, "INBOX", '/', &again,
	    &err), 0);
	assert_int_equal(again, fx->inbox);
	assert_int_equal(store_folder_get(fx->st, "Nope", &f, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_folder_get_id(fx->st, 9999, &f, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_folder_set_state(fx->st, 9999, 1, 2, 3, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_folder_set_state(fx->st, fx->inbox, 42, 7,
	    UINT64_C(1) << 40, &err), 0);

	put(fx->st, fx->inbox, 1, "one", STORE_F_SEEN);
	put(fx->st, fx->inbox, 2, "two", 0);
	put(fx->st, fx->inbox, 3, "three", STORE_F_FLAGGED);
	struct store_op op = { .kind = STORE_OP_DELETE,
	    .folder_id = fx->inbox, .uid = 3 };
	assert_int_equal(store_op_add(fx->st, &op, NULL, &err), 0);

	assert_int_equal(store_folder_list(fx->st, &list, &n, &err), 0);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++)
		assert_string_equal(list[i].name, order[i]);
	assert_int_equal(list[0].total, 2);
	assert_int_equal(list[0].unread, 1);
	assert_int_equal(list[0].uidvalidity, 42);
	assert_int_equal(list[0].uidnext, 7);
	assert_true(list[0].highestmodseq == UINT64_C(1) << 40);
	assert_int_equal(list[1].total, 0);
	assert_int_equal(list[1].delim, '.');
	store_folders_free(list, n);

	for (i = 0; i < 4; i++) {
		char *p = xasprintf("%s/mail/%s/cur", fx->dir, names[i]);

		assert_true(exists(p));
		free(p);
	}
	store_folders_free(NULL, 0);
	store_folder_release(NULL);
}

static void
test_msg_put_update(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_msg m = mk(fx->inbox, 7, "Original words"), got;
	int64_t id, id2;

	m.keywords = (char *)"$Junk";
	m.references = (char *)"a@x b@y";
	m.modseq = UINT64_C(1) << 50;
	assert_int_equal(store_msg_put(fx->st, &m, &id, &err), 0);
	assert_int_equal(store_msg_get(fx->st, id, &got, &err), 0);
	assert_int_equal(got.uid, 7);
	assert_int_equal(got.folder_id, fx->inbox);
	assert_string_equal(got.subject, "Original words");
	assert_string_equal(got.keywords, "$Junk");
	assert_string_equal(got.references, "a@x b@y");
	assert_null(got.cc);
	assert_null(got.file);
	assert_true(got.modseq == UINT64_C(1) << 50);
	assert_int_equal(got.size, 1007);
	store_msg_release(&got);

	m.subject = (char *)"Replaced title";
	m.flags = STORE_F_ANSWERED;
	assert_int_equal(store_msg_put(fx->st, &m, &id2, &err), 0);
	assert_int_equal(id2, id);
	assert_int_equal(store_msg_get_uid(fx->st, fx->inbox, 7, &got, &err),
	    0);
	assert_string_equal(got.subject, "Replaced title");
	assert_int_equal(got.flags, STORE_F_ANSWERED);
	store_msg_release(&got);
	assert_int_equal(search_n(fx->st, 0, "replaced", NULL), 1);
	assert_int_equal(search_n(fx->st, 0, "original", NULL), 0);

	/* New headers keep the indexed body text. */
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 7, "x", 1,
	    "gnu antelope", &err), 0);
	m.subject = (char *)"Third title";
	assert_int_equal(store_msg_put(fx->st, &m, NULL, &err), 0);
	assert_int_equal(search_n(fx->st, 0, "antelope", NULL), 1);
	assert_int_equal(search_n(fx->st, 0, "third", NULL), 1);
	assert_int_equal(search_n(fx->st, 0, "replaced", NULL), 0);
	assert_int_equal(store_msg_get(fx->st, id, &got, &err), 0);
	assert_non_null(got.file);
	store_msg_release(&got);

	assert_int_equal(store_msg_set_flags(fx->st, fx->inbox, 7,
	    STORE_F_SEEN | STORE_F_DELETED, "$Label1", 99, &err), 0);
	assert_int_equal(store_msg_get(fx->st, id, &got, &err), 0);
	assert_int_equal(got.flags, STORE_F_SEEN | STORE_F_DELETED);
	assert_string_equal(got.keywords, "$Label1");
	assert_int_equal(got.modseq, 99);
	store_msg_release(&got);
	assert_int_equal(store_msg_set_flags(fx->st, fx->inbox, 8, 0, NULL, 0,
	    &err), CACHET_E_NOTFOUND);
	assert_int_equal(store_msg_get(fx->st, 424242, &got, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_msg_get_uid(fx->st, fx->inbox, 8, &got, &err),
	    CACHET_E_NOTFOUND);

	/*
	 * In a batch: a known UID is updated in place (its insert fails on
	 * the unique index and only that statement is undone), a new one
	 * is added, and the folder counts follow both.
	 */
	assert_int_equal(store_begin(fx->st, &err), 0);
	m.subject = (char *)"Fourth title";
	assert_int_equal(store_msg_put(fx->st, &m, &id2, &err), 0);
	assert_int_equal(id2, id);
	m.uid = 8;
	m.subject = (char *)"Brand new";
	assert_int_equal(store_msg_put(fx->st, &m, &id2, &err), 0);
	assert_true(id2 > id);
	assert_int_equal(store_commit(fx->st, &err), 0);
	{
		uint32_t total = 0, unread = 0;

		assert_int_equal(store_msg_count(fx->st, fx->inbox, &total,
		    &unread, &err), 0);
		assert_int_equal(total, 2);
		assert_int_equal(unread, 2);	/* 7 lost its \Seen */
	}
	assert_int_equal(search_n(fx->st, 0, "fourth", NULL), 1);
	assert_int_equal(search_n(fx->st, 0, "third", NULL), 0);
	assert_int_equal(search_n(fx->st, 0, "brand", NULL), 1);
	assert_int_equal(search_n(fx->st, 0, "antelope", NULL), 1);

	m.uid = 0;
	assert_int_equal(store_msg_put(fx->st, &m, NULL, &err),
	    CACHET_E_INVAL);
	assert_int_equal(store_msg_put(fx->st, NULL, NULL, &err),
	    CACHET_E_INVAL);
	m.uid = 1;
	m.folder_id = 9999;
	assert_int_equal(store_msg_put(fx->st, &m, NULL, &err),
	    CACHET_E_NOTFOUND);
	store_msg_release(NULL);
	store_msgs_free(NULL, 0);
}

static const char raw1[] =
    "From: a@b\r\nSubject: bin\r\n\r\nNUL\0here\r\n\xff\x01";
static const char raw2[] = "second body\r\n";

/* Every character of a Maildir name we make comes from this set. */
static void
check_file_name(const char *file, uint32_t uid, const char *suffix)
{
	char prefix[32];
	size_t len = strlen(file);

	snprintf(prefix, sizeof(prefix), "42.%u.", uid);
	assert_int_equal(strncmp(file, prefix, strlen(prefix)), 0);
	assert_true(len > strlen(suffix));
	assert_string_equal(file + len - strlen(suffix), suffix);
	assert_int_equal(strspn(file, "0123456789.PQRabcdef:,DFST"), len);
}

static void
test_body(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_msg got;
	char *data, *path, *path2, *cur;
	uint32_t *uids;
	size_t len, n;
	int64_t id;

	assert_int_equal(store_folder_set_state(fx->st, fx->inbox, 42, 0, 0,
	    &err), 0);
	id = put(fx->st, fx->inbox, 5, "binary", STORE_F_SEEN |
	    STORE_F_FLAGGED);
	assert_int_equal(store_msg_read_raw(fx->st, id, &data, &len, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_msg_path(fx->st, id, &path, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_msg_uids_without_body(fx->st, fx->inbox, &uids,
	    &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(uids[0], 5);
	free(uids);

	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 5, raw1,
	    sizeof(raw1) - 1, "a quokka was here", &err), 0);
	assert_int_equal(store_msg_read_raw(fx->st, id, &data, &len, &err), 0);
	assert_int_equal(len, sizeof(raw1) - 1);
	assert_memory_equal(data, raw1, len);
	free(data);
	assert_int_equal(store_msg_get(fx->st, id, &got, &err), 0);
	check_file_name(got.file, 5, ":2,FS");
	assert_int_equal(store_msg_path(fx->st, id, &path, &err), 0);
	cur = xasprintf("%s/mail/INBOX/cur/", fx->dir);
	assert_int_equal(strncmp(path, cur, strlen(cur)), 0);
	assert_string_equal(path + strlen(cur), got.file);
	store_msg_release(&got);
	assert_int_equal(search_n(fx->st, 0, "quokka", NULL), 1);
	assert_int_equal(store_msg_uids_without_body(fx->st, fx->inbox, &uids,
	    &n, &err), 0);
	assert_int_equal(n, 0);
	free(uids);

	/* Replacing the body drops the old file and the old text. */
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 5, raw2,
	    sizeof(raw2) - 1, "a wombat", &err), 0);
	assert_int_equal(store_msg_path(fx->st, id, &path2, &err), 0);
	assert_string_not_equal(path, path2);
	assert_false(exists(path));
	assert_true(exists(path2));
	assert_int_equal(store_msg_read_raw(fx->st, id, &data, &len, &err), 0);
	assert_int_equal(len, sizeof(raw2) - 1);
	assert_memory_equal(data, raw2, len);
	free(data);
	assert_int_equal(search_n(fx->st, 0, "quokka", NULL), 0);
	assert_int_equal(search_n(fx->st, 0, "wombat", NULL), 1);

	/* Flag changes show in the file name, for other Maildir readers. */
	free(path);
	path = path2;
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_msg_set_flags(fx->st, fx->inbox, 5,
	    STORE_F_ANSWERED, NULL, 0, &err), 0);
	store_rollback(fx->st);
	assert_int_equal(store_msg_path(fx->st, id, &path2, &err), 0);
	assert_string_equal(path, path2);
	free(path2);
	assert_true(exists(path));
	assert_int_equal(count_dir(cur), 1);
	assert_int_equal(store_msg_set_flags(fx->st, fx->inbox, 5,
	    STORE_F_SEEN, NULL, 0, &err), 0);
	assert_int_equal(store_msg_get(fx->st, id, &got, &err), 0);
	check_file_name(got.file, 5, ":2,S");
	store_msg_release(&got);
	assert_false(exists(path));
	struct store_op op = { .kind = STORE_OP_FLAGS, .folder_id = fx->inbox,
	    .uid = 5, .flags_add = STORE_F_DRAFT | STORE_F_DELETED };
	assert_int_equal(store_op_add(fx->st, &op, NULL, &err), 0);
	assert_int_equal(store_msg_get(fx->st, id, &got, &err), 0);
	check_file_name(got.file, 5, ":2,DST");
	store_msg_release(&got);
	assert_int_equal(count_dir(cur), 1);
	assert_int_equal(store_msg_read_raw(fx->st, id, &data, &len, &err), 0);
	assert_int_equal(len, sizeof(raw2) - 1);
	free(data);
	assert_int_equal(store_msg_path(fx->st, id, &path2, &err), 0);

	/* No row, no file; an empty body is a body. */
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 6, raw2, 3,
	    NULL, &err), CACHET_E_NOTFOUND);
	assert_int_equal(count_dir(cur), 1);
	id = put(fx->st, fx->inbox, 6, "empty", 0);
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 6, NULL, 0,
	    NULL, &err), 0);
	assert_int_equal(store_msg_read_raw(fx->st, id, &data, &len, &err), 0);
	assert_int_equal(len, 0);
	free(data);
	assert_int_equal(count_dir(cur), 2);
	free(cur);
	cur = xasprintf("%s/mail/INBOX/tmp", fx->dir);
	assert_int_equal(count_dir(cur), 0);
	free(cur);
	free(path);
	free(path2);
}

/* The account directory holds the database, its open lock and mail/,
 * nothing else. */
static bool
only_db_and_mail(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool ok = true;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, "mail") != 0 &&
		    strcmp(e->d_name, "open.lock") != 0 &&
		    strncmp(e->d_name, "index.db", 8) != 0)
			ok = false;
	closedir(d);
	return ok;
}

/* Folder names from a server never reach outside DIR/mail. */
static void
test_hostile_names(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	static const char *names[] = { "../x", "a/b", "", "line\nbreak",
	    "..", ".", "/abs", "%2F", "INBOX/../../etc", ".hidden",
	    "tab\there", "\x1b[31mred" };
	const size_t nnames = sizeof(names) / sizeof(names[0]);
	char mail[PATH_MAX], real[PATH_MAX], *top;
	size_t i;

	top = xasprintf("%s/mail", fx->dir);
	assert_non_null(realpath(top, mail));
	for (i = 0; i < nnames; i++) {
		struct store_folder f;
		int64_t id, mid;
		char *path, *rest;

		assert_int_equal(store_folder_ensure(fx->st, names[i], '/', &id,
		    &err), 0);
		assert_int_equal(store_folder_get(fx->st, names[i], &f, &err),
		    0);
		assert_string_equal(f.name, names[i]);
		store_folder_release(&f);
		mid = put(fx->st, id, 1, names[i], 0);
		assert_int_equal(store_msg_set_body(fx->st, id, 1, "x", 1,
		    NULL, &err), 0);
		assert_int_equal(store_msg_path(fx->st, mid, &path, &err), 0);
		assert_non_null(realpath(path, real));
		assert_int_equal(strncmp(real, mail, strlen(mail)), 0);
		rest = real + strlen(mail);
		/* "/F/cur/file": exactly one folder level below mail/. */
		assert_int_equal(rest[0], '/');
		assert_non_null(strchr(rest + 1, '/'));
		assert_int_equal(strncmp(strchr(rest + 1, '/'), "/cur/", 5), 0);
		assert_null(strchr(strchr(rest + 1, '/') + 5, '/'));
		free(path);
	}
	/* INBOX plus one directory per hostile name, nothing else. */
	assert_int_equal(count_dir(top), nnames + 1);
	assert_true(only_db_and_mail(fx->dir));
	free(top);
}

static void
test_delete(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_msg got;
	char *path;
	int64_t id;

	id = put(fx->st, fx->inbox, 9, "doomed platypus", 0);
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 9, "abc", 3,
	    "body echidna", &err), 0);
	assert_int_equal(store_msg_path(fx->st, id, &path, &err), 0);
	assert_true(exists(path));

	/* Rolled back: row and file stay. */
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_msg_delete(fx->st, fx->inbox, 9, &err), 0);
	assert_true(exists(path));
	store_rollback(fx->st);
	assert_true(exists(path));
	assert_int_equal(store_msg_get(fx->st, id, &got, &err), 0);
	store_msg_release(&got);

	assert_int_equal(store_msg_delete(fx->st, fx->inbox, 9, &err), 0);
	assert_false(exists(path));
	assert_int_equal(store_msg_get(fx->st, id, &got, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(search_n(fx->st, 0, "platypus", NULL), 0);
	assert_int_equal(search_n(fx->st, 0, "echidna", NULL), 0);
	assert_int_equal(store_msg_delete(fx->st, fx->inbox, 9, &err), 0);
	free(path);
}

static void
test_folder_clear_delete(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_op op = { .kind = STORE_OP_FLAGS, .uid = 1,
	    .flags_add = STORE_F_SEEN };
	struct store_op *ops;
	struct store_folder f;
	char *cur, *dir;
	uint32_t i, total;
	int64_t id, other;
	size_t n;

	assert_int_equal(store_folder_ensure(fx->st, "Lists", '/', &id, &err),
	    0);
	assert_int_equal(store_folder_ensure(fx->st, "Other", '/', &other,
	    &err), 0);
	assert_int_equal(store_folder_set_state(fx->st, id, 5, 10, 20, &err),
	    0);
	for (i = 1; i <= 3; i++) {
		put(fx->st, id, i, "listmail", 0);
		assert_int_equal(store_msg_set_body(fx->st, id, i, "x", 1,
		    "stoat", &err), 0);
	}
	put(fx->st, other, 1, "listmail", 0);
	op.folder_id = id;
	assert_int_equal(store_op_add(fx->st, &op, NULL, &err), 0);
	op.kind = STORE_OP_APPEND;
	op.uid = 0;
	op.path = (char *)"/tmp/outbox-file";
	assert_int_equal(store_op_add(fx->st, &op, NULL, &err), 0);
	cur = xasprintf("%s/mail/Lists/cur", fx->dir);
	dir = xasprintf("%s/mail/Lists", fx->dir);
	assert_int_equal(count_dir(cur), 3);

	assert_int_equal(store_folder_clear(fx->st, id, &err), 0);
	assert_int_equal(count_dir(cur), 0);
	assert_int_equal(store_msg_count(fx->st, id, &total, NULL, &err), 0);
	assert_int_equal(total, 0);
	assert_int_equal(store_folder_get_id(fx->st, id, &f, &err), 0);
	assert_int_equal(f.uidvalidity, 0);
	assert_int_equal(f.uidnext, 0);
	assert_int_equal(f.highestmodseq, 0);
	store_folder_release(&f);
	assert_int_equal(store_op_list(fx->st, id, &ops, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ops[0].kind, STORE_OP_APPEND);
	store_ops_free(ops, n);
	assert_int_equal(search_n(fx->st, 0, "stoat", NULL), 0);
	assert_int_equal(search_n(fx->st, 0, "listmail", NULL), 1);

	put(fx->st, id, 4, "again", 0);
	assert_int_equal(store_msg_set_body(fx->st, id, 4, "y", 1, NULL,
	    &err), 0);
	assert_int_equal(store_folder_delete(fx->st, id, &err), 0);
	assert_int_equal(store_folder_get_id(fx->st, id, &f, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_op_list(fx->st, 0, &ops, &n, &err), 0);
	assert_int_equal(n, 0);
	store_ops_free(ops, n);
	assert_false(exists(dir));
	assert_int_equal(search_n(fx->st, 0, "again", NULL), 0);
	assert_int_equal(store_folder_clear(fx->st, id, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_folder_delete(fx->st, id, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_msg_count(fx->st, other, &total, NULL, &err),
	    0);
	assert_int_equal(total, 1);
	free(cur);
	free(dir);
}

#define NLIST 5000

static const char *const words[] = { "apple", "Banana", "cherry", "Date",
    "elder", "fig", "Grape", "honeydew" };

static void
fill_list(struct store *st, int64_t folder)
{
	struct cachet_err err = { 0 };
	char from[32], subj[64];
	uint32_t i;

	assert_int_equal(store_begin(st, &err), 0);
	for (i = 1; i <= NLIST; i++) {
		struct store_msg m = { .folder_id = folder, .uid = i * 3 };

		/* Many equal dates, sizes and senders: ties break by id. */
		m.date = (int64_t)((i * 7919u) % 1000u);
		m.size = (i * 104729u) % 700u;
		snprintf(from, sizeof(from), "%ser%03u", i % 2 ? "Us" : "us",
		    (i * 31u) % 400u);
		snprintf(subj, sizeof(subj), "%s %u", words[(i * 13u) % 8u], i);
		m.from = from;
		m.subject = i % 97 == 0 ? NULL : subj;
		m.flags = i % 3 ? STORE_F_SEEN : 0;
		assert_int_equal(store_msg_put(st, &m, NULL, &err), 0);
	}
	assert_int_equal(store_commit(st, &err), 0);
}

static int
cmp_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcasecmp(a, b);
}

static int
cmp_i64(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

/* The order each sort promises, ties broken by row id. */
static int
cmp_sort(enum store_sort sort, const struct store_msg *a,
    const struct store_msg *b)
{
	int c = 0;

	switch (sort) {
	case STORE_SORT_DATE:
		c = cmp_i64(a->date, b->date);
		break;
	case STORE_SORT_DATE_DESC:
		c = -cmp_i64(a->date, b->date);
		if (c == 0)
			return -cmp_i64(a->id, b->id);
		break;
	case STORE_SORT_FROM:
		c = cmp_str(a->from, b->from);
		break;
	case STORE_SORT_SUBJECT:
		c = cmp_str(a->subject, b->subject);
		break;
	case STORE_SORT_SIZE:
		c = cmp_i64(a->size, b->size);
		break;
	case STORE_SORT_UID:
		return cmp_i64(a->uid, b->uid);
	}
	return c != 0 ? c : cmp_i64(a->id, b->id);
}

/* The whole folder read window by window. */
static struct store_msg *
read_all(struct store *st, int64_t folder, enum store_sort sort, size_t *n)
{
	struct cachet_err err = { 0 };
	struct store_msg *all = xcalloc(NLIST + 1, sizeof(*all)), *w;
	size_t len = 0, got;

	for (;;) {
		assert_int_equal(store_msg_list(st, folder, sort, (uint32_t)len,
		    333, &w, &got, &err), 0);
		assert_true(got <= 333);
		assert_true(len + got <= NLIST);
		if (got > 0)
			memcpy(all + len, w, got * sizeof(*w));
		free(w);
		len += got;
		if (got < 333)
			break;
	}
	*n = len;
	return all;
}

static void
test_list_windows(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_msg *all, *w;
	enum store_sort sort;
	size_t n, got, i;
	uint32_t total;
	char *seen;

	fill_list(fx->st, fx->inbox);
	for (sort = STORE_SORT_DATE; sort <= STORE_SORT_UID; sort++) {
		all = read_all(fx->st, fx->inbox, sort, &n);
		assert_int_equal(n, NLIST);
		seen = xcalloc(NLIST + 1, 1);
		for (i = 0; i < n; i++) {
			assert_int_equal(all[i].uid % 3, 0);
			assert_false(seen[all[i].uid / 3]);
			seen[all[i].uid / 3] = 1;
			if (i > 0)
				assert_true(cmp_sort(sort, &all[i - 1],
				    &all[i]) < 0);
		}
		free(seen);
		/* A window in the middle is exactly that slice. */
		assert_int_equal(store_msg_list(fx->st, fx->inbox, sort, 1234,
		    100, &w, &got, &err), 0);
		assert_int_equal(got, 100);
		for (i = 0; i < got; i++)
			assert_int_equal(w[i].id, all[1234 + i].id);
		store_msgs_free(w, got);
		assert_int_equal(store_msg_list(fx->st, fx->inbox, sort,
		    NLIST - 10, 50, &w, &got, &err), 0);
		assert_int_equal(got, 10);
		assert_int_equal(w[9].id, all[NLIST - 1].id);
		store_msgs_free(w, got);
		store_msgs_free(all, n);
	}
	assert_int_equal(store_msg_list(fx->st, fx->inbox, STORE_SORT_UID,
	    NLIST, 10, &w, &got, &err), 0);
	assert_int_equal(got, 0);
	assert_null(w);
	assert_int_equal(store_msg_list(fx->st, fx->inbox, STORE_SORT_UID, 0,
	    0, &w, &got, &err), 0);
	assert_int_equal(got, 0);
	assert_int_equal(store_msg_list(fx->st, fx->inbox, (enum store_sort)99,
	    0, 10, &w, &got, &err), CACHET_E_INVAL);

	/* Overlapping windows (scrolling) match the OFFSET answer. */
	for (sort = STORE_SORT_DATE; sort <= STORE_SORT_UID; sort++) {
		uint64_t used = fx->st->keyset_used;
		uint32_t o;

		all = read_all(fx->st, fx->inbox, sort, &n);
		for (o = 0; o < 700; o += 7) {
			assert_int_equal(store_msg_list(fx->st, fx->inbox, sort,
			    o, 20, &w, &got, &err), 0);
			assert_int_equal(got, 20);
			for (i = 0; i < got; i++)
				assert_int_equal(w[i].id, all[o + i].id);
			store_msgs_free(w, got);
		}
		/* Only windows after a row with no text key count. */
		assert_true(fx->st->keyset_used - used >= 90);
		store_msgs_free(all, n);
	}

	/* Hidden rows leave the listing and the counts. */
	struct store_op op = { .kind = STORE_OP_DELETE,
	    .folder_id = fx->inbox, .uid = 3 };
	assert_int_equal(store_op_add(fx->st, &op, NULL, &err), 0);
	assert_int_equal(store_msg_count(fx->st, fx->inbox, &total, NULL, &err),
	    0);
	assert_int_equal(total, NLIST - 1);
	assert_int_equal(store_msg_list(fx->st, fx->inbox, STORE_SORT_UID, 0,
	    1, &w, &got, &err), 0);
	assert_int_equal(w[0].uid, 6);
	store_msgs_free(w, got);
}

/* Check that the window [o, o + len) is exactly that slice of all. */
static void
check_window(struct store *st, int64_t folder, enum store_sort sort,
    const struct store_msg *all, uint32_t o, uint32_t len)
{
	struct cachet_err err = { 0 };
	struct store_msg *w;
	size_t got, i;

	assert_int_equal(store_msg_list(st, folder, sort, o, len, &w, &got,
	    &err), 0);
	assert_int_equal(got, len);
	for (i = 0; i < got; i++)
		assert_int_equal(w[i].id, all[o + i].id);
	store_msgs_free(w, got);
}

/*
 * Windows near the end are read backwards from the end; paging up from
 * there continues before the first row shown; all match the slices.
 */
static void
test_list_backwards(void **state)
{
	struct fx *fx = *state;
	enum store_sort sort;
	struct store_msg *all;
	uint64_t used, rev;
	size_t n;
	uint32_t o;

	fill_list(fx->st, fx->inbox);
	for (sort = STORE_SORT_DATE; sort <= STORE_SORT_UID; sort++) {
		all = read_all(fx->st, fx->inbox, sort, &n);
		assert_int_equal(n, NLIST);
		rev = fx->st->reverse_used;
		check_window(fx->st, fx->inbox, sort, all, NLIST - 100, 30);
		check_window(fx->st, fx->inbox, sort, all, NLIST - 30, 30);
		assert_int_equal(fx->st->reverse_used, rev + 2);
		/* Near the top, the OFFSET still counts from there. */
		check_window(fx->st, fx->inbox, sort, all, 40, 30);
		assert_int_equal(fx->st->reverse_used, rev + 2);
		/* Page up from the end, then down again. */
		used = fx->st->keyset_used;
		for (o = NLIST - 30; o >= 20; o -= 20)
			check_window(fx->st, fx->inbox, sort, all, o - 20, 20);
		assert_true(fx->st->keyset_used - used >= 200);
		for (o = 0; o + 25 <= NLIST; o += 500)
			check_window(fx->st, fx->inbox, sort, all, o, 25);
		/* Scrolling up a row at a time near the end. */
		for (o = NLIST - 30; o > NLIST - 60; o--)
			check_window(fx->st, fx->inbox, sort, all, o, 30);
		store_msgs_free(all, n);
	}
}

static int64_t
put_dated(struct store *st, int64_t folder, uint32_t uid, int64_t date)
{
	struct store_msg m = mk(folder, uid, "dated");
	struct cachet_err err = { 0 };
	int64_t id = 0;

	m.date = date;
	assert_int_equal(store_msg_put(st, &m, &id, &err), 0);
	return id;
}

/* The first date of the window [offset, offset + 5) by date. */
static int64_t
date_at(struct store *st, int64_t folder, uint32_t offset)
{
	struct cachet_err err = { 0 };
	struct store_msg *w;
	int64_t date;
	size_t n;

	assert_int_equal(store_msg_list(st, folder, STORE_SORT_DATE, offset,
	    5, &w, &n, &err), 0);
	assert_true(n > 0);
	date = w[0].date;
	store_msgs_free(w, n);
	return date;
}

/* A remembered window is never used once anything has changed. */
static void
test_list_stale(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store *st2;
	uint64_t used;
	uint32_t i;

	for (i = 1; i <= 100; i++)
		put_dated(fx->st, fx->inbox, i, 100 + i);
	assert_int_equal(date_at(fx->st, fx->inbox, 0), 101);
	used = fx->st->keyset_used;
	assert_int_equal(date_at(fx->st, fx->inbox, 5), 106);
	assert_int_equal(fx->st->keyset_used, used + 1);

	/* Another connection commits a row that sorts first. */
	assert_int_equal(store_open(&st2, fx->dir, &err), 0);
	put_dated(st2, fx->inbox, 500, 1);
	assert_int_equal(date_at(fx->st, fx->inbox, 10), 110);
	assert_int_equal(fx->st->keyset_used, used + 1);
	store_close(st2);

	/* This connection does. */
	assert_int_equal(date_at(fx->st, fx->inbox, 15), 115);
	put_dated(fx->st, fx->inbox, 501, 2);
	assert_int_equal(date_at(fx->st, fx->inbox, 20), 119);

	/* A rollback takes back what the window saw. */
	assert_int_equal(store_begin(fx->st, &err), 0);
	put_dated(fx->st, fx->inbox, 502, 3);
	assert_int_equal(date_at(fx->st, fx->inbox, 0), 1);
	store_rollback(fx->st);
	assert_int_equal(date_at(fx->st, fx->inbox, 5), 104);

	/* A hidden row moves the rest up. */
	assert_int_equal(date_at(fx->st, fx->inbox, 30), 129);
	struct store_op op = { .kind = STORE_OP_DELETE,
	    .folder_id = fx->inbox, .uid = 1 };
	assert_int_equal(store_op_add(fx->st, &op, NULL, &err), 0);
	assert_int_equal(date_at(fx->st, fx->inbox, 35), 135);
}

/* One listing walks an index: no temporary sort of the whole folder. */
static void
check_plan(sqlite3 *raw, const char *sql, bool keyset)
{
	char *q = xasprintf("EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *s;
	bool index = false;

	assert_int_equal(sqlite3_prepare_v2(raw, q, -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(s, 3);

		assert_null(strstr(d, "TEMP B-TREE"));
		/* Keyset windows start inside the index. */
		if (strstr(d, "USING INDEX msg_") != NULL &&
		    (!keyset || strchr(d, '>') || strchr(d, '<')))
			index = true;
	}
	assert_true(index);
	sqlite3_finalize(s);
	free(q);
}

/* Every order, forwards and backwards, by OFFSET and after a row. */
static void
check_plans(sqlite3 *raw)
{
	enum store_sort sort;

	for (sort = STORE_SORT_DATE; sort <= STORE_SORT_UID; sort++) {
		check_plan(raw, store_msg_list_sql(sort), false);
		check_plan(raw, store_msg_keyset_sql(sort), true);
		check_plan(raw, store_msg_list_rev_sql(sort), false);
		check_plan(raw, store_msg_keyset_rev_sql(sort), true);
	}
}

static void
test_list_plans(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	char *db = xasprintf("%s/index.db", fx->dir);
	int64_t other;
	sqlite3 *raw;

	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	check_plans(raw);
	/* Still so once the planner has statistics (PRAGMA optimize). */
	assert_int_equal(store_folder_ensure(fx->st, "Small", '/', &other,
	    &err), 0);
	fill_list(fx->st, fx->inbox);
	put(fx->st, other, 1, "small", 0);
	assert_int_equal(sqlite3_exec(raw, "ANALYZE", NULL, NULL, NULL),
	    SQLITE_OK);
	check_plans(raw);
	assert_null(store_msg_list_sql((enum store_sort)99));
	assert_null(store_msg_keyset_sql((enum store_sort)99));
	assert_null(store_msg_list_rev_sql((enum store_sort)99));
	assert_null(store_msg_keyset_rev_sql((enum store_sort)99));
	sqlite3_close(raw);
	free(db);
}

static void
test_search(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_msg m;
	int64_t *ids, a, b, c, other;
	size_t n;

	assert_int_equal(store_folder_ensure(fx->st, "Work", '/', &other,
	    &err), 0);
	a = put(fx->st, fx->inbox, 1, "Quarterly budget review", 0);
	b = put(fx->st, fx->inbox, 2, "Lunch", 0);
	c = put(fx->st, other, 1, "budget elsewhere", 0);
	m = mk(fx->inbox, 3, "Café au lait");
	m.from = (char *)"Zoë <zoe@example.net>";
	m.date = 1;
	put(fx->st, fx->inbox, 4, "unrelated", 0);
	assert_int_equal(store_msg_put(fx->st, &m, NULL, &err), 0);
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 1, "r", 1,
	    "the zebra crossing", &err), 0);
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 2, "r", 1,
	    "pizza", &err), 0);

	/* Newest first: c (uid 1 of Work) ties a on date, wins on id. */
	assert_int_equal(search_n(fx->st, 0, "budget", &ids), 2);
	assert_int_equal(ids[0], c);
	assert_int_equal(ids[1], a);
	free(ids);
	assert_int_equal(search_n(fx->st, fx->inbox, "budget", &ids), 1);
	assert_int_equal(ids[0], a);
	free(ids);
	assert_int_equal(search_n(fx->st, 0, "zebra", &ids), 1);
	assert_int_equal(ids[0], a);
	free(ids);
	assert_int_equal(search_n(fx->st, 0, "pizza", &ids), 1);
	assert_int_equal(ids[0], b);
	free(ids);
	assert_int_equal(search_n(fx->st, 0, "subject:zebra", NULL), 0);
	assert_int_equal(search_n(fx->st, 0, "body:zebra", NULL), 1);
	assert_int_equal(search_n(fx->st, 0, "cafe", NULL), 1);
	assert_int_equal(search_n(fx->st, 0, "from:zoe", NULL), 1);
	assert_int_equal(search_n(fx->st, 0, "to:bob", NULL), 5);
	assert_int_equal(search_n(fx->st, 0, "zebra OR pizza", NULL), 2);
	assert_int_equal(search_n(fx->st, 0, "\"zebra crossing\"", NULL), 1);
	assert_int_equal(search_n(fx->st, 0, "", NULL), 0);
	assert_int_equal(search_n(fx->st, 0, NULL, NULL), 0);
	assert_int_equal(store_search(fx->st, 0, "\"unterminated", &ids, &n,
	    &err), CACHET_E_INVAL);
	assert_null(ids);
	assert_int_equal(store_search(fx->st, 0, "nosuchcol:x", &ids, &n,
	    &err), CACHET_E_INVAL);
	/* A hostile query is data: it cannot reach the SQL. */
	assert_int_equal(store_search(fx->st, 0, "x'); DROP TABLE messages;--",
	    &ids, &n, &err), CACHET_E_INVAL);
	assert_int_equal(search_n(fx->st, 0, "budget", NULL), 2);

	/* Hidden rows are not found. */
	struct store_op op = { .kind = STORE_OP_MOVE, .folder_id = fx->inbox,
	    .uid = 1, .dest = (char *)"Work" };
	assert_int_equal(store_op_add(fx->st, &op, NULL, &err), 0);
	assert_int_equal(search_n(fx->st, 0, "zebra", NULL), 0);
	assert_int_equal(search_n(fx->st, 0, "budget", NULL), 1);
}

static void
test_ops(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_op op, *ops;
	struct store_msg got;
	int64_t other, id, ids[7];
	uint32_t total, unread, *uids;
	size_t n, i;

	assert_int_equal(store_folder_ensure(fx->st, "Archive", '/', &other,
	    &err), 0);
	for (i = 1; i <= 4; i++)
		put(fx->st, fx->inbox, (uint32_t)i, "opmsg", 0);
	put(fx->st, other, 1, "archived", 0);

	op = (struct store_op){ .kind = STORE_OP_FLAGS, .folder_id = fx->inbox,
	    .uid = 1, .flags_add = STORE_F_SEEN | STORE_F_FLAGGED };
	assert_int_equal(store_op_add(fx->st, &op, &ids[0], &err), 0);
	op.flags_add = 0;
	op.flags_del = STORE_F_FLAGGED;
	assert_int_equal(store_op_add(fx->st, &op, &ids[1], &err), 0);
	assert_int_equal(store_msg_get_uid(fx->st, fx->inbox, 1, &got, &err),
	    0);
	assert_int_equal(got.flags, STORE_F_SEEN);
	store_msg_release(&got);

	op = (struct store_op){ .kind = STORE_OP_DELETE,
	    .folder_id = fx->inbox, .uid = 2 };
	assert_int_equal(store_op_add(fx->st, &op, &ids[2], &err), 0);
	op = (struct store_op){ .kind = STORE_OP_MOVE, .folder_id = fx->inbox,
	    .uid = 3, .dest = (char *)"Archive" };
	assert_int_equal(store_op_add(fx->st, &op, &ids[3], &err), 0);
	op.kind = STORE_OP_COPY;
	op.uid = 4;
	assert_int_equal(store_op_add(fx->st, &op, &ids[4], &err), 0);
	op = (struct store_op){ .kind = STORE_OP_APPEND,
	    .folder_id = fx->inbox, .uid = 77, .path = (char *)"/tmp/m" };
	assert_int_equal(store_op_add(fx->st, &op, &ids[5], &err), 0);
	op = (struct store_op){ .kind = STORE_OP_FLAGS, .folder_id = other,
	    .uid = 1, .flags_add = STORE_F_DELETED };
	assert_int_equal(store_op_add(fx->st, &op, &ids[6], &err), 0);

	/* Deleted and moved are hidden; the copy stays; sync still sees all. */
	assert_int_equal(store_msg_count(fx->st, fx->inbox, &total, &unread,
	    &err), 0);
	assert_int_equal(total, 2);
	assert_int_equal(unread, 1);
	assert_int_equal(store_msg_uids(fx->st, fx->inbox, &uids, &n, &err), 0);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++)
		assert_int_equal(uids[i], i + 1);
	free(uids);

	/* Refused: no change, nothing queued. */
	op = (struct store_op){ .kind = STORE_OP_FLAGS, .folder_id = fx->inbox,
	    .uid = 99, .flags_add = STORE_F_SEEN };
	assert_int_equal(store_op_add(fx->st, &op, &id, &err),
	    CACHET_E_NOTFOUND);
	op.kind = STORE_OP_COPY;
	op.dest = (char *)"Archive";
	assert_int_equal(store_op_add(fx->st, &op, &id, &err),
	    CACHET_E_NOTFOUND);
	op = (struct store_op){ .kind = STORE_OP_APPEND, .folder_id = 9999,
	    .path = (char *)"/tmp/m" };
	assert_int_equal(store_op_add(fx->st, &op, &id, &err),
	    CACHET_E_NOTFOUND);
	op = (struct store_op){ .kind = 0, .folder_id = fx->inbox, .uid = 1 };
	assert_int_equal(store_op_add(fx->st, &op, &id, &err), CACHET_E_INVAL);
	op.kind = 9;
	assert_int_equal(store_op_add(fx->st, &op, &id, &err), CACHET_E_INVAL);
	op.kind = STORE_OP_MOVE;
	assert_int_equal(store_op_add(fx->st, &op, &id, &err), CACHET_E_INVAL);
	op.kind = STORE_OP_APPEND;
	assert_int_equal(store_op_add(fx->st, &op, &id, &err), CACHET_E_INVAL);
	op.kind = STORE_OP_DELETE;
	op.uid = 0;
	assert_int_equal(store_op_add(fx->st, &op, &id, &err), CACHET_E_INVAL);
	assert_int_equal(store_op_add(fx->st, NULL, &id, &err), CACHET_E_INVAL);

	assert_int_equal(store_op_list(fx->st, 0, &ops, &n, &err), 0);
	assert_int_equal(n, 7);
	for (i = 0; i < n; i++)
		assert_int_equal(ops[i].id, ids[i]);
	assert_int_equal(ops[0].kind, STORE_OP_FLAGS);
	assert_int_equal(ops[1].flags_del, STORE_F_FLAGGED);
	assert_int_equal(ops[3].kind, STORE_OP_MOVE);
	assert_string_equal(ops[3].dest, "Archive");
	assert_int_equal(ops[5].kind, STORE_OP_APPEND);
	assert_int_equal(ops[5].uid, 0);
	assert_string_equal(ops[5].path, "/tmp/m");
	assert_int_equal(ops[0].attempts, 0);
	assert_null(ops[0].last_error);
	store_ops_free(ops, n);
	assert_int_equal(store_op_list(fx->st, other, &ops, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ops[0].id, ids[6]);
	store_ops_free(ops, n);

	assert_int_equal(store_op_failed(fx->st, ids[2], "NO [TRYCREATE]",
	    &err), 0);
	assert_int_equal(store_op_failed(fx->st, ids[2], "server said NO",
	    &err), 0);
	assert_int_equal(store_op_done(fx->st, ids[0], &err), 0);
	assert_int_equal(store_op_done(fx->st, ids[0], &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_op_failed(fx->st, ids[0], "x", &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_op_list(fx->st, fx->inbox, &ops, &n, &err), 0);
	assert_int_equal(n, 5);
	assert_int_equal(ops[0].id, ids[1]);
	assert_int_equal(ops[1].attempts, 2);
	assert_string_equal(ops[1].last_error, "server said NO");
	store_ops_free(ops, n);
	store_ops_free(NULL, 0);
}

/* The stamp as store_thread_stamp gives it, checked against rows read. */
static struct store_thread_stamp
stamp_of(struct store *st, int64_t folder)
{
	struct cachet_err err = { 0 };
	struct store_thread_stamp sp;

	assert_int_equal(store_thread_stamp(st, folder, &sp, &err), 0);
	return sp;
}

static bool
stamp_eq(struct store_thread_stamp a, struct store_thread_stamp b)
{
	return a.count == b.count && a.gen == b.gen;
}

/*
 * Threading rows come in (date, id) order, with subjects only when asked
 * for, and carry their stamp; a remembered stamp is given back only while
 * nothing has changed, here or in another connection, and not after a
 * rollback.
 */
static void
test_thread_rows(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_thread_rows tr;
	struct store_thread_stamp sp, before;
	struct store *st2;
	size_t i;

	for (i = 0; i < 6; i++)
		put_dated(fx->st, fx->inbox, (uint32_t)i + 1,
		    (int64_t)((i * 5) % 6));
	assert_int_equal(store_thread_rows_opt(fx->st, fx->inbox, 0, &tr,
	    &err), 0);
	assert_int_equal(tr.n, 6);
	for (i = 0; i < tr.n; i++) {
		assert_int_equal(tr.rows[i].date, (int64_t)i);
		assert_string_equal(store_thread_str(&tr, tr.rows[i].subject),
		    "");
	}
	assert_int_equal(tr.stamp.count, 6);
	assert_int_equal(tr.stamp.gen, 6);
	store_thread_rows_release(&tr);
	assert_int_equal(store_thread_rows(fx->st, fx->inbox, &tr, &err), 0);
	assert_string_equal(store_thread_str(&tr, tr.rows[0].subject),
	    "dated");
	sp = stamp_of(fx->st, fx->inbox);
	assert_true(stamp_eq(sp, tr.stamp));
	store_thread_rows_release(&tr);
	/* Another folder's stamp is its own. */
	assert_int_equal(stamp_of(fx->st, fx->inbox + 1000).count, 0);
	assert_true(stamp_eq(stamp_of(fx->st, fx->inbox), sp));

	/* Another connection adds one; then this one hides one. */
	assert_int_equal(store_open(&st2, fx->dir, &err), 0);
	put_dated(st2, fx->inbox, 100, 50);
	store_close(st2);
	sp = stamp_of(fx->st, fx->inbox);
	assert_int_equal(sp.count, 7);
	struct store_op op = { .kind = STORE_OP_DELETE,
	    .folder_id = fx->inbox, .uid = 1 };
	assert_int_equal(store_op_add(fx->st, &op, NULL, &err), 0);
	before = stamp_of(fx->st, fx->inbox);
	assert_int_equal(before.count, 6);
	assert_int_equal(before.gen, sp.gen + 1);

	/* What a rolled back transaction added is not remembered. */
	assert_int_equal(store_begin(fx->st, &err), 0);
	put_dated(fx->st, fx->inbox, 200, 60);
	assert_int_equal(stamp_of(fx->st, fx->inbox).count, 7);
	store_rollback(fx->st);
	assert_true(stamp_eq(stamp_of(fx->st, fx->inbox), before));
	assert_int_equal(store_thread_rows_opt(fx->st, fx->inbox,
	    STORE_THREAD_SUBJECTS, &tr, &err), 0);
	assert_true(stamp_eq(tr.stamp, before));
	store_thread_rows_release(&tr);
}

/* Has the folder's stamp moved since `was`? Remembers the new one. */
static bool
stamp_moved(struct store *st, int64_t folder, struct store_thread_stamp *was)
{
	struct store_thread_stamp now = stamp_of(st, folder);
	bool moved = !stamp_eq(now, *was);

	*was = now;
	return moved;
}

/* Rows and their stamp, read together: the stamp counts exactly them. */
static void
check_rows_stamp(struct store *st, int64_t folder)
{
	struct cachet_err err = { 0 };
	struct store_thread_rows tr;

	assert_int_equal(store_thread_rows(st, folder, &tr, &err), 0);
	assert_int_equal(tr.stamp.count, (int64_t)tr.n);
	assert_true(stamp_eq(tr.stamp, stamp_of(st, folder)));
	store_thread_rows_release(&tr);
}

/*
 * The stamp moves when rows come, go, hide, show again, change folder
 * (both folders) or change a threading header; flag changes and security
 * status writes leave it alone.
 */
static void
test_thread_stamp(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_secstat sec = { 1, 5, "k1", "signed", "report" };
	struct store_thread_stamp in, ar;
	struct store_msg m;
	int64_t archive, a, op_id;
	char *db = xasprintf("%s/index.db", fx->dir);
	sqlite3 *raw;
	char *sql;

	assert_int_equal(store_folder_ensure(fx->st, "Archive", '/', &archive,
	    &err), 0);
	in = stamp_of(fx->st, fx->inbox);
	ar = stamp_of(fx->st, archive);
	assert_int_equal(in.count, 0);
	a = put(fx->st, fx->inbox, 1, "one", 0);
	assert_true(stamp_moved(fx->st, fx->inbox, &in));
	assert_int_equal(in.count, 1);
	put(fx->st, fx->inbox, 2, "two", 0);
	put(fx->st, fx->inbox, 3, "three", 0);
	assert_true(stamp_moved(fx->st, fx->inbox, &in));
	assert_int_equal(in.count, 3);
	check_rows_stamp(fx->st, fx->inbox);

	/* Flags, locally and from the server, and security status: no. */
	assert_int_equal(store_msg_set_flags(fx->st, fx->inbox, 1,
	    STORE_F_SEEN, NULL, 7, &err), 0);
	struct store_op op = { .kind = STORE_OP_FLAGS,
	    .folder_id = fx->inbox, .uid = 2, .flags_add = STORE_F_FLAGGED };
	assert_int_equal(store_op_add(fx->st, &op, NULL, &err), 0);
	assert_int_equal(store_secstat_put(fx->st, a, &sec, &err), 0);
	m = mk(fx->inbox, 3, "three");
	m.flags = STORE_F_ANSWERED;
	assert_int_equal(store_msg_put(fx->st, &m, NULL, &err), 0);
	assert_false(stamp_moved(fx->st, fx->inbox, &in));

	/* A changed References (the same put again): yes. */
	m.references = (char *)"<root@example.org>";
	assert_int_equal(store_msg_put(fx->st, &m, NULL, &err), 0);
	assert_true(stamp_moved(fx->st, fx->inbox, &in));
	assert_int_equal(in.count, 3);
	assert_int_equal(store_msg_put(fx->st, &m, NULL, &err), 0);
	assert_false(stamp_moved(fx->st, fx->inbox, &in));

	/* Hidden by a local delete, shown again when it is undone. */
	op = (struct store_op){ .kind = STORE_OP_DELETE,
	    .folder_id = fx->inbox, .uid = 1 };
	assert_int_equal(store_op_add(fx->st, &op, &op_id, &err), 0);
	assert_true(stamp_moved(fx->st, fx->inbox, &in));
	assert_int_equal(in.count, 2);
	check_rows_stamp(fx->st, fx->inbox);
	assert_int_equal(store_op_cancel(fx->st, op_id, &err), 0);
	assert_true(stamp_moved(fx->st, fx->inbox, &in));
	assert_int_equal(in.count, 3);

	/* A local move hides it here; the other folder has nothing yet. */
	op = (struct store_op){ .kind = STORE_OP_MOVE,
	    .folder_id = fx->inbox, .uid = 2, .dest = (char *)"Archive" };
	assert_int_equal(store_op_add(fx->st, &op, NULL, &err), 0);
	assert_true(stamp_moved(fx->st, fx->inbox, &in));
	assert_int_equal(in.count, 2);
	assert_false(stamp_moved(fx->st, archive, &ar));

	/* A row that changes folder moves both stamps. */
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	sqlite3_busy_timeout(raw, 5000);
	sql = xasprintf("UPDATE messages SET folder_id = %lld WHERE id = %lld",
	    (long long)archive, (long long)a);
	assert_int_equal(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);
	sqlite3_close(raw);
	free(db);
	assert_true(stamp_moved(fx->st, fx->inbox, &in));
	assert_true(stamp_moved(fx->st, archive, &ar));
	assert_int_equal(in.count, 1);
	assert_int_equal(ar.count, 1);
	check_rows_stamp(fx->st, fx->inbox);
	check_rows_stamp(fx->st, archive);

	/* Deleted: yes; a hidden row deleted (the move replayed): no. */
	assert_int_equal(store_msg_delete(fx->st, fx->inbox, 3, &err), 0);
	assert_true(stamp_moved(fx->st, fx->inbox, &in));
	assert_int_equal(in.count, 0);
	assert_int_equal(store_msg_delete(fx->st, fx->inbox, 2, &err), 0);
	assert_false(stamp_moved(fx->st, fx->inbox, &in));
	check_rows_stamp(fx->st, fx->inbox);
}

/*
 * Inside the caller's transaction the rows and stamp include what it
 * wrote so far, and the stamp is forgotten if it rolls back.
 */
static void
test_thread_stamp_tx(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_thread_stamp before;

	put(fx->st, fx->inbox, 1, "one", 0);
	before = stamp_of(fx->st, fx->inbox);
	assert_int_equal(store_begin(fx->st, &err), 0);
	put(fx->st, fx->inbox, 2, "two", 0);
	check_rows_stamp(fx->st, fx->inbox);
	assert_int_equal(stamp_of(fx->st, fx->inbox).count, 2);
	/* The savepoint the rows were read under is gone again. */
	put(fx->st, fx->inbox, 3, "three", 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(stamp_of(fx->st, fx->inbox).count, 3);
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_msg_delete(fx->st, fx->inbox, 1, &err), 0);
	check_rows_stamp(fx->st, fx->inbox);
	store_rollback(fx->st);
	assert_int_equal(stamp_of(fx->st, fx->inbox).count, 3);
	assert_int_equal(stamp_of(fx->st, fx->inbox).gen, before.gen + 2);
	check_rows_stamp(fx->st, fx->inbox);
}

/*
 * A store left at schema 4 by an older cachet: made here by undoing
 * step 5 on a new one, with a row added the old way. Opening it again
 * migrates, keeps the counts, and the stamp then works.
 */
static void
test_migrate_from_4(void **state)
{
	static const char undo5[] =
	    "DROP TRIGGER thread_upd;"
	    "DROP TRIGGER cnt_del;"
	    "CREATE TRIGGER cnt_del AFTER DELETE ON messages BEGIN"
	    " UPDATE folders SET n_total = n_total - (old.hidden = 0),"
	    " n_unread = n_unread - (old.hidden = 0 AND old.flags & 1 = 0)"
	    " WHERE id = old.folder_id;"
	    " END;"
	    "ALTER TABLE folders DROP COLUMN thread_gen;"
	    "INSERT INTO messages (folder_id, uid, date, message_id)"
	    " VALUES (1, 3, 3, '<old@example.org>');"
	    "UPDATE folders SET n_total = n_total + 1,"
	    " n_unread = n_unread + 1 WHERE id = 1;"
	    "PRAGMA user_version = 4;";
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_thread_stamp sp, again;
	char *db = xasprintf("%s/index.db", fx->dir);
	uint32_t total, unread;
	sqlite3 *raw;

	assert_int_equal(fx->inbox, 1);
	put(fx->st, fx->inbox, 1, "one", 0);
	put(fx->st, fx->inbox, 2, "two", STORE_F_SEEN);
	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, undo5, NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(raw);
	free(db);

	assert_int_equal(store_open(&fx->st, fx->dir, &err), 0);
	assert_int_equal(store_msg_count(fx->st, fx->inbox, &total, &unread,
	    &err), 0);
	assert_int_equal(total, 3);
	assert_int_equal(unread, 2);
	sp = stamp_of(fx->st, fx->inbox);
	assert_int_equal(sp.count, 3);
	assert_int_equal(sp.gen, 0);
	check_rows_stamp(fx->st, fx->inbox);

	put(fx->st, fx->inbox, 4, "four", 0);
	assert_true(stamp_moved(fx->st, fx->inbox, &sp));
	assert_int_equal(sp.count, 4);
	assert_int_equal(store_msg_set_flags(fx->st, fx->inbox, 3,
	    STORE_F_SEEN, NULL, 0, &err), 0);
	assert_false(stamp_moved(fx->st, fx->inbox, &sp));
	assert_int_equal(store_msg_delete(fx->st, fx->inbox, 3, &err), 0);
	assert_true(stamp_moved(fx->st, fx->inbox, &sp));
	assert_int_equal(sp.count, 3);
	assert_int_equal(store_msg_count(fx->st, fx->inbox, &total, &unread,
	    &err), 0);
	assert_int_equal(unread, 2);

	/* Opened again: nothing to migrate, the same stamp. */
	store_close(fx->st);
	assert_int_equal(store_open(&fx->st, fx->dir, &err), 0);
	again = stamp_of(fx->st, fx->inbox);
	assert_true(stamp_eq(again, sp));
}

/* The threading SELECT walks the date index: no sort of the folder. */
static void
test_thread_plan(void **state)
{
	struct fx *fx = *state;
	char *db = xasprintf("%s/index.db", fx->dir);
	sqlite3 *raw;

	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	check_plan(raw, store_thread_sql(0), false);
	check_plan(raw, store_thread_sql(STORE_THREAD_SUBJECTS), false);
	sqlite3_close(raw);
	free(db);
}

/* Two connections (as the UI and sync threads have): WAL readers. */
static void
test_two_connections(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store *st2;
	struct store_msg *w;
	struct store_folder f;
	uint32_t total, i;
	int64_t t0;
	size_t n;

	assert_int_equal(store_open(&st2, fx->dir, &err), 0);
	assert_int_equal(store_begin(fx->st, &err), 0);
	for (i = 1; i <= 100; i++)
		put(fx->st, fx->inbox, i, "concurrent", 0);
	/* The reader is not blocked and sees the last commit. */
	t0 = util_now_ms();
	assert_int_equal(store_msg_count(st2, fx->inbox, &total, NULL, &err),
	    0);
	assert_int_equal(total, 0);
	assert_int_equal(store_msg_list(st2, fx->inbox, STORE_SORT_DATE, 0, 10,
	    &w, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_folder_get(st2, "INBOX", &f, &err), 0);
	store_folder_release(&f);
	assert_true(util_now_ms() - t0 < 2000);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(store_msg_count(st2, fx->inbox, &total, NULL, &err),
	    0);
	assert_int_equal(total, 100);
	assert_int_equal(search_n(st2, 0, "concurrent", NULL), 100);

	/* And the other way round. */
	put(st2, fx->inbox, 500, "from the second", 0);
	assert_int_equal(store_msg_count(fx->st, fx->inbox, &total, NULL,
	    &err), 0);
	assert_int_equal(total, 101);
	store_close(st2);
}

static void
test_rollback(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_folder f;
	struct store_op *ops;
	struct store_msg got;
	char *cur, *p1, *p2;
	int64_t id, mid;
	size_t n;

	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_begin(fx->st, &err), CACHET_E_INVAL);
	assert_int_equal(store_folder_ensure(fx->st, "Tx", '/', &id, &err), 0);
	put(fx->st, id, 1, "temporary", 0);
	assert_int_equal(store_msg_set_body(fx->st, id, 1, "raw", 3, "ferret",
	    &err), 0);
	struct store_op op = { .kind = STORE_OP_DELETE, .folder_id = id,
	    .uid = 1 };
	assert_int_equal(store_op_add(fx->st, &op, NULL, &err), 0);
	cur = xasprintf("%s/mail/Tx/cur", fx->dir);
	assert_int_equal(count_dir(cur), 1);
	store_rollback(fx->st);
	assert_int_equal(count_dir(cur), 0);
	assert_int_equal(store_folder_get(fx->st, "Tx", &f, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(search_n(fx->st, 0, "temporary OR ferret", NULL), 0);
	assert_int_equal(store_op_list(fx->st, 0, &ops, &n, &err), 0);
	assert_int_equal(n, 0);
	free(ops);
	assert_int_equal(store_commit(fx->st, &err), CACHET_E_INVAL);
	store_rollback(fx->st);
	free(cur);

	/* Searching inside a transaction sees its rows, before and after. */
	assert_int_equal(store_begin(fx->st, &err), 0);
	put(fx->st, fx->inbox, 50, "pending marmot", 0);
	assert_int_equal(search_n(fx->st, 0, "marmot", NULL), 1);
	put(fx->st, fx->inbox, 51, "later marmot", 0);
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 50, "b", 1,
	    "lemming", &err), 0);
	assert_int_equal(search_n(fx->st, 0, "marmot", NULL), 2);
	assert_int_equal(search_n(fx->st, 0, "lemming", NULL), 1);
	store_rollback(fx->st);
	assert_int_equal(search_n(fx->st, 0, "marmot OR lemming", NULL), 0);
	assert_int_equal(store_begin(fx->st, &err), 0);
	put(fx->st, fx->inbox, 50, "pending marmot", 0);
	assert_int_equal(search_n(fx->st, 0, "marmot", NULL), 1);
	put(fx->st, fx->inbox, 51, "later marmot", 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(search_n(fx->st, 0, "marmot", NULL), 2);

	/* A failing call inside a transaction undoes only itself. */
	assert_int_equal(store_begin(fx->st, &err), 0);
	put(fx->st, fx->inbox, 1, "kept", 0);
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 99, "x", 1,
	    NULL, &err), CACHET_E_NOTFOUND);
	op = (struct store_op){ .kind = STORE_OP_DELETE,
	    .folder_id = fx->inbox, .uid = 99 };
	assert_int_equal(store_op_add(fx->st, &op, NULL, &err),
	    CACHET_E_NOTFOUND);
	mid = put(fx->st, fx->inbox, 2, "kept too", 0);
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 2, "one", 3,
	    NULL, &err), 0);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(store_msg_get_uid(fx->st, fx->inbox, 1, &got, &err),
	    0);
	store_msg_release(&got);

	/* The replaced file lives until the commit. */
	assert_int_equal(store_msg_path(fx->st, mid, &p1, &err), 0);
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 2, "two", 3,
	    NULL, &err), 0);
	assert_int_equal(store_msg_path(fx->st, mid, &p2, &err), 0);
	assert_true(exists(p1));
	assert_true(exists(p2));
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_false(exists(p1));
	assert_true(exists(p2));
	free(p1);
	free(p2);
}

/* SQLite undoes a transaction by itself when the disk is full. */
static void
test_disk_full(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	char *big = xmalloc(100001), *q, *cur;
	sqlite3_stmt *s;
	uint32_t uid, total;
	int pages, rc = 0;

	memset(big, 'w', 100000);
	big[100000] = '\0';
	assert_int_equal(sqlite3_prepare_v2(fx->st->db, "PRAGMA page_count",
	    -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	pages = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	q = xasprintf("PRAGMA max_page_count = %d", pages + 40);
	assert_int_equal(sqlite3_exec(fx->st->db, q, NULL, NULL, NULL), 0);
	free(q);

	assert_int_equal(store_begin(fx->st, &err), 0);
	put(fx->st, fx->inbox, 1, "small", 0);
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 1, "x", 1,
	    NULL, &err), 0);
	cur = xasprintf("%s/mail/INBOX/cur", fx->dir);
	assert_int_equal(count_dir(cur), 1);
	for (uid = 2; uid < 100 && rc == 0; uid++) {
		struct store_msg m = mk(fx->inbox, uid, big);

		rc = store_msg_put(fx->st, &m, NULL, &err);
	}
	assert_int_equal(rc, CACHET_E_STORE);
	/* Whatever the state, nothing of it is committed. */
	rc = store_msg_put(fx->st, &(struct store_msg){ .folder_id = fx->inbox,
	    .uid = 500 }, NULL, &err);
	if (rc == 0)
		assert_int_equal(store_commit(fx->st, &err), CACHET_E_STORE);
	else
		store_rollback(fx->st);
	assert_int_equal(store_commit(fx->st, &err), CACHET_E_INVAL);
	assert_int_equal(count_dir(cur), 0);
	assert_int_equal(sqlite3_exec(fx->st->db, "PRAGMA max_page_count = "
	    "1073741823", NULL, NULL, NULL), 0);
	assert_int_equal(store_msg_count(fx->st, fx->inbox, &total, NULL,
	    &err), 0);
	assert_int_equal(total, 0);
	put(fx->st, fx->inbox, 1, "after", 0);
	assert_int_equal(search_n(fx->st, 0, "after", NULL), 1);
	free(cur);
	free(big);
}

static void
test_flags(void **state)
{
	char *s;

	assert_int_equal(store_flags_parse("\\Seen \\FLAGGED \\Recent $Junk"),
	    STORE_F_SEEN | STORE_F_FLAGGED);
	assert_int_equal(store_flags_parse("(\\answered \\Draft)"),
	    STORE_F_ANSWERED | STORE_F_DRAFT);
	assert_int_equal(store_flags_parse("\\Deleted\t\\Seenx \\See"),
	    STORE_F_DELETED);
	assert_int_equal(store_flags_parse(NULL), 0);
	assert_int_equal(store_flags_parse(""), 0);
	assert_int_equal(store_flags_parse("   ()  "), 0);
	s = store_flags_format(0);
	assert_string_equal(s, "");
	free(s);
	s = store_flags_format(0x1f);
	assert_int_equal(store_flags_parse(s), 0x1f);
	free(s);
	s = store_flags_format(STORE_F_SEEN | STORE_F_DRAFT | 0x100);
	assert_string_equal(s, "\\Seen \\Draft");
	free(s);
	s = store_flags_maildir(0x1f);
	assert_string_equal(s, "DFRST");
	free(s);
	s = store_flags_maildir(STORE_F_SEEN | STORE_F_FLAGGED);
	assert_string_equal(s, "FS");
	free(s);
	s = store_flags_maildir(0);
	assert_string_equal(s, "");
	free(s);
}

/* Processes opening a new store at once all succeed (no "locked"). */
static void
test_concurrent_open(void **state)
{
	char dir[] = "/tmp/cachet-copen-XXXXXX";
	pid_t pids[6];
	int i, status, ok = 0;

	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 6; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct store *st = NULL;
			int r = store_open(&st, dir, NULL);

			store_close(st);
			_exit(r == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < 6; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	assert_int_equal(ok, 6);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
test_account_dir(void **state)
{
	char *old_xdg = getenv("XDG_DATA_HOME"), *old_home = getenv("HOME");
	char *s;

	old_xdg = old_xdg ? xstrdup(old_xdg) : NULL;
	old_home = old_home ? xstrdup(old_home) : NULL;
	setenv("XDG_DATA_HOME", "/x/data", 1);
	setenv("HOME", "/home/h", 1);
	s = store_account_dir("work");
	assert_string_equal(s, "/x/data/cachet/work");
	free(s);
	s = store_account_dir("../evil");
	assert_string_equal(s, "/x/data/cachet/%2E.%2Fevil");
	free(s);
	setenv("XDG_DATA_HOME", "relative", 1);
	s = store_account_dir("work");
	assert_string_equal(s, "/home/h/.local/share/cachet/work");
	free(s);
	unsetenv("XDG_DATA_HOME");
	s = store_account_dir("work");
	assert_string_equal(s, "/home/h/.local/share/cachet/work");
	free(s);
	assert_null(store_account_dir(NULL));
	if (old_xdg != NULL)
		setenv("XDG_DATA_HOME", old_xdg, 1);
	if (old_home != NULL)
		setenv("HOME", old_home, 1);
	else
		unsetenv("HOME");
	free(old_xdg);
	free(old_home);
}

/* A headers-only sync of 100,000 messages; the time is printed. */
/* The cached security status: put, get, staleness by key, cascade. */
static void
test_secstat(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	struct store_secstat in = { 1, 5, "k1", "signed by a", "report" };
	struct store_secstat out;
	struct store_msg m;
	int64_t a, b, *ids;
	size_t n;

	a = put(fx->st, fx->inbox, 1, "one", 0);
	b = put(fx->st, fx->inbox, 2, "two", 0);
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 1, "x", 1, NULL,
	    &err), 0);
	assert_int_equal(store_msg_set_body(fx->st, fx->inbox, 2, "y", 1, NULL,
	    &err), 0);
	assert_int_equal(store_secstat_get(fx->st, a, &out, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_msg_get(fx->st, a, &m, &err), 0);
	assert_int_equal(m.sec_verdict, -1);
	assert_null(m.sec_key);
	store_msg_release(&m);
	assert_int_equal(store_secstat_stale(fx->st, "k1", 10, &ids, &n, &err),
	    0);
	assert_int_equal(n, 2);
	free(ids);

	assert_int_equal(store_secstat_put(fx->st, a, &in, &err), 0);
	assert_int_equal(store_secstat_get(fx->st, a, &out, &err), 0);
	assert_int_equal(out.verdict, 1);
	assert_int_equal(out.flags, 5);
	assert_string_equal(out.key, "k1");
	assert_string_equal(out.summary, "signed by a");
	assert_string_equal(out.report, "report");
	store_secstat_release(&out);
	assert_int_equal(store_msg_get(fx->st, a, &m, &err), 0);
	assert_int_equal(m.sec_verdict, 1);
	assert_string_equal(m.sec_key, "k1");
	store_msg_release(&m);

	/* Only b is stale under k1; both are under another key. */
	assert_int_equal(store_secstat_stale(fx->st, "k1", 10, &ids, &n, &err),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], b);
	free(ids);
	assert_int_equal(store_secstat_stale(fx->st, "k2", 10, &ids, &n, &err),
	    0);
	assert_int_equal(n, 2);
	free(ids);

	/* No such message; and deleting the message drops its status. */
	assert_int_equal(store_secstat_put(fx->st, 9999, &in, &err),
	    CACHET_E_NOTFOUND);
	assert_int_equal(store_msg_delete(fx->st, fx->inbox, 1, &err), 0);
	assert_int_equal(store_secstat_get(fx->st, a, &out, &err),
	    CACHET_E_NOTFOUND);
}

static void
test_bench_insert(void **state)
{
	struct fx *fx = *state;
	struct cachet_err err = { 0 };
	char from[64], subject[96];
	struct store_msg *w;
	uint32_t uid, total;
	int64_t t0, t1;
	size_t n;

	t0 = util_now_ms();
	for (uid = 1; uid <= 100000; uid++) {
		struct store_msg m = { .folder_id = fx->inbox, .uid = uid };

		if (uid % 5000 == 1)
			assert_int_equal(store_begin(fx->st, &err), 0);
		snprintf(from, sizeof(from), "Sender %u <s%u@example.org>",
		    uid % 900, uid % 900);
		snprintf(subject, sizeof(subject), "Re: topic %u %s report",
		    uid % 5000, words[uid % 8]);
		m.date = 1600000000 + (int64_t)uid * 60;
		m.size = 2000 + uid % 30000;
		m.from = from;
		m.to = (char *)"me@example.org";
		m.subject = subject;
		m.message_id = subject;
		m.flags = uid % 4 ? STORE_F_SEEN : 0;
		assert_int_equal(store_msg_put(fx->st, &m, NULL, &err), 0);
		if (uid % 5000 == 0)
			assert_int_equal(store_commit(fx->st, &err), 0);
	}
	t1 = util_now_ms();
	printf("store bench: 100000 header rows in %lld ms\n",
	    (long long)(t1 - t0));
	assert_int_equal(store_msg_count(fx->st, fx->inbox, &total, NULL,
	    &err), 0);
	assert_int_equal(total, 100000);
	t0 = util_now_ms();
	assert_int_equal(store_msg_list(fx->st, fx->inbox,
	    STORE_SORT_DATE_DESC, 90000, 50, &w, &n, &err), 0);
	t1 = util_now_ms();
	assert_int_equal(n, 50);
	assert_int_equal(w[0].uid, 10000);
	store_msgs_free(w, n);
	printf("store bench: window at offset 90000 in %lld ms\n",
	    (long long)(t1 - t0));
	t0 = util_now_ms();
	assert_int_equal(search_n(fx->st, 0, "cherry", NULL), 12500);
	printf("store bench: search over 100000 rows in %lld ms\n",
	    (long long)(util_now_ms() - t0));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_reopen),
		T(test_folders),
		T(test_msg_put_update),
		T(test_body),
		T(test_hostile_names),
		T(test_delete),
		T(test_folder_clear_delete),
		T(test_list_windows),
		T(test_list_backwards),
		T(test_list_stale),
		T(test_list_plans),
		T(test_thread_rows),
		T(test_thread_stamp),
		T(test_thread_stamp_tx),
		T(test_migrate_from_4),
		T(test_thread_plan),
		T(test_search),
		T(test_ops),
		T(test_two_connections),
		T(test_rollback),
		T(test_disk_full),
		T(test_secstat),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_account_dir),
		cmocka_unit_test(test_concurrent_open),
		T(test_bench_insert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
