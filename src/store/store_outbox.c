/*
 * store_outbox: messages waiting to be submitted. The message file is made
 * durable in DIR/outbox/ before its row is committed, and both go only
 * after the server accepted the message, so a crash at any point loses
 * nothing. A sender claims an entry (state SENDING, its pid) in one
 * statement, which SQLite serialises: two processes never send the same
 * entry. Runs on the thread that owns the store.
 */
#include "store/store_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define OUTBOX_COLS "id, created, file, env_from, rcpts, to_addr, subject," \
	" message_id, sent_folder, state, attempts, last_try, last_error"

/* Run one statement with up to three bound values; *changes if wanted. */
static int
run(struct store *st, const char *sql, int64_t a, int64_t b, const char *t,
    int *changes, struct cachet_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_sqlerr(st, err, "outbox");
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	if (t != NULL)
		sqlite3_bind_text(s, 3, t, -1, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_sqlerr(st, err,
	    "outbox");
	if (changes != NULL)
		*changes = sqlite3_changes(st->db);
	sqlite3_finalize(s);
	return rc;
}

static char *
outbox_dir(struct store *st)
{
	return xasprintf("%s/outbox", st->dir);
}

static char *
join_rcpts(const struct store_outbox *m, struct cachet_err *err)
{
	struct buf b = {0};
	size_t i;

	for (i = 0; i < m->nrcpts; i++) {
		if (util_str_empty(m->rcpts[i]) ||
		    strpbrk(m->rcpts[i], "\r\n") != NULL) {
			buf_release(&b);
			cachet_err(err, CACHET_E_INVAL,
			    "outbox: bad recipient address");
			return NULL;
		}
		if (i > 0)
			buf_addc(&b, '\n');
		buf_adds(&b, m->rcpts[i]);
	}
	if (b.len == 0) {
		buf_release(&b);
		cachet_err(err, CACHET_E_INVAL, "outbox: no recipients");
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int
insert_row(struct store *st, const char *file, const char *rcpts,
    const struct store_outbox *m, int64_t *id, struct cachet_err *err)
{
	static const char sql[] = "INSERT INTO outbox (created, file,"
	    " env_from, rcpts, to_addr, subject, message_id, sent_folder)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	const char *vals[] = {file, m->env_from, rcpts, m->to, m->subject,
	    m->message_id, m->sent_folder};
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_sqlerr(st, err, "outbox add");
	sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		if (vals[i] != NULL)
			sqlite3_bind_text(s, (int)i + 2, vals[i], -1,
			    SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_sqlerr(st, err,
	    "outbox add");
	sqlite3_finalize(s);
	if (rc == 0 && id != NULL)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int
store_outbox_add(struct store *st, const char *data, size_t len,
    const struct store_outbox *meta, int64_t *id, struct cachet_err *err)
{
	char *dir = NULL, *name = NULL, *rcpts = NULL, *path = NULL;
	uint64_t rnd = 0;
	int rc;

	if (data == NULL || len == 0 || util_str_empty(meta->env_from) ||
	    strpbrk(meta->env_from, "\r\n") != NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "outbox: a message needs bytes and a sender");
	if ((rcpts = join_rcpts(meta, err)) == NULL)
		return CACHET_E_INVAL;
	dir = outbox_dir(st);
	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		rnd = (uint64_t)util_now_ms() ^ ((uint64_t)getpid() << 32);
	name = xasprintf("%lld.%d.%016llx.eml", (long long)time(NULL),
	    (int)getpid(), (unsigned long long)rnd);
	rc = util_mkdirs(dir, 0700, err);
	if (rc == 0)
		rc = util_write_atomic(dir, dir, name, data, len, err);
	if (rc == 0 && (rc = insert_row(st, name, rcpts, meta, id, err)) != 0) {
		path = xasprintf("%s/%s", dir, name);
		unlink(path);
	}
	free(path);
	free(rcpts);
	free(name);
	free(dir);
	return rc;
}

static char **
split_rcpts(const char *s, size_t *n)
{
	char **v = NULL, *copy = xstrdup(s ? s : ""), *p, *save = NULL;

	*n = 0;
	for (p = strtok_r(copy, "\n", &save); p != NULL;
	    p = strtok_r(NULL, "\n", &save)) {
		v = xreallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = xstrdup(p);
	}
	free(copy);
	return v;
}

static void
from_row(struct store *st, sqlite3_stmt *s, struct store_outbox *o)
{
	char *file = store_col_str(s, 2), *rc = store_col_str(s, 4);

	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(s, 0);
	o->created = sqlite3_column_int64(s, 1);
	o->path = xasprintf("%s/outbox/%s", st->dir,
	    store_file_name_ok(file) ? file : "-");
	o->env_from = store_col_str(s, 3);
	o->rcpts = split_rcpts(rc, &o->nrcpts);
	o->to = store_col_str(s, 5);
	o->subject = store_col_str(s, 6);
	o->message_id = store_col_str(s, 7);
	o->sent_folder = store_col_str(s, 8);
	o->state = (enum store_outbox_state)sqlite3_column_int(s, 9);
	o->attempts = sqlite3_column_int(s, 10);
	o->last_try = sqlite3_column_int64(s, 11);
	o->last_error = store_col_str(s, 12);
	free(file);
	free(rc);
}

/* Claims of processes that no longer exist: they may have delivered. */
static int
recover_claims(struct store *st, struct cachet_err *err)
{
	sqlite3_stmt *s;
	int64_t ids[64];
	size_t n = 0, i;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT id, pid FROM outbox"
	    " WHERE state = 1", -1, &s, NULL) != SQLITE_OK)
		return store_sqlerr(st, err, "outbox");
	while (n < 64 && sqlite3_step(s) == SQLITE_ROW) {
		pid_t pid = (pid_t)sqlite3_column_int64(s, 1);

		if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH))
			ids[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	for (i = 0; rc == 0 && i < n; i++)
		rc = run(st, "UPDATE outbox SET state = 2, pid = 0,"
		    " last_error = ?3 WHERE id = ?1 AND state = 1", ids[i], 0,
		    "interrupted while sending: it may have been delivered; "
		    "check before sending again", NULL, err);
	return rc;
}

int
store_outbox_list(struct store *st, struct store_outbox **out, size_t *n,
    struct cachet_err *err)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = recover_claims(st, err)) != 0)
		return rc;
	if (sqlite3_prepare_v2(st->db, "SELECT " OUTBOX_COLS " FROM outbox"
	    " ORDER BY id", -1, &s, NULL) != SQLITE_OK)
		return store_sqlerr(st, err, "outbox list");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		from_row(st, s, &(*out)[(*n)++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_outbox_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_sqlerr(st, err, "outbox list");
	}
	return 0;
}

void
store_outbox_free(struct store_outbox *o, size_t n)
{
	size_t i, j;

	for (i = 0; o != NULL && i < n; i++) {
		free(o[i].path);
		free(o[i].env_from);
		for (j = 0; j < o[i].nrcpts; j++)
			free(o[i].rcpts[j]);
		free(o[i].rcpts);
		free(o[i].to);
		free(o[i].subject);
		free(o[i].message_id);
		free(o[i].sent_folder);
		free(o[i].last_error);
	}
	free(o);
}

int
store_outbox_claim(struct store *st, int64_t id, struct cachet_err *err)
{
	int changes = 0;
	int rc = run(st, "UPDATE outbox SET state = 1, pid = ?2,"
	    " attempts = attempts + 1, last_try = unixepoch()"
	    " WHERE id = ?1 AND state = 0", id, getpid(), NULL, &changes, err);

	if (rc == 0 && changes == 0)
		return cachet_err(err, CACHET_E_NOTFOUND,
		    "outbox: message %lld is not waiting to be sent",
		    (long long)id);
	return rc;
}

/* Drop the row (any state but SENDING unless `claimed`) and its file. */
static int
drop(struct store *st, int64_t id, bool claimed, struct cachet_err *err)
{
	struct store_outbox *all = NULL, *o = NULL;
	size_t n = 0, i;
	int changes = 0, rc;

	if ((rc = store_outbox_list(st, &all, &n, err)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (all[i].id == id)
			o = &all[i];
	if (o == NULL || (o->state == STORE_OUTBOX_SENDING) != claimed) {
		store_outbox_free(all, n);
		return cachet_err(err, CACHET_E_NOTFOUND, "outbox: no message "
		    "%lld %s", (long long)id, o ? "in that state" : "");
	}
	rc = run(st, "DELETE FROM outbox WHERE id = ?1 AND state = ?2", id,
	    o->state, NULL, &changes, err);
	if (rc == 0 && changes == 1)
		unlink(o->path);
	store_outbox_free(all, n);
	return rc;
}

int
store_outbox_sent(struct store *st, int64_t id, struct cachet_err *err)
{
	return drop(st, id, true, err);
}

int
store_outbox_delete(struct store *st, int64_t id, struct cachet_err *err)
{
	return drop(st, id, false, err);
}

int
store_outbox_failed(struct store *st, int64_t id, bool hold, const char *why,
    struct cachet_err *err)
{
	return run(st, "UPDATE outbox SET state = ?2, pid = 0,"
	    " last_error = ?3 WHERE id = ?1", id, hold ? STORE_OUTBOX_HELD :
	    STORE_OUTBOX_QUEUED, why ? why : "failed", NULL, err);
}

int
store_outbox_retry(struct store *st, int64_t id, struct cachet_err *err)
{
	int changes = 0;
	int rc = run(st, "UPDATE outbox SET state = 0, last_error = NULL"
	    " WHERE id = ?1 AND state = ?2", id, STORE_OUTBOX_HELD, NULL,
	    &changes, err);

	if (rc == 0 && changes == 0)
		return cachet_err(err, CACHET_E_NOTFOUND,
		    "outbox: message %lld is not held", (long long)id);
	return rc;
}

const char *
store_outbox_state_name(enum store_outbox_state s)
{
	switch (s) {
	case STORE_OUTBOX_QUEUED:
		return "queued";
	case STORE_OUTBOX_SENDING:
		return "sending";
	case STORE_OUTBOX_HELD:
		return "held";
	}
	return "?";
}
