/*
 * store_list: the windowed listing the index view reads. Only the rows
 * asked for are read, walking one index per sort order. A window that
 * starts inside the previous one (scrolling down, paging down) continues
 * after the row before it (keyset) instead of counting an OFFSET from the
 * top; any change to the database since makes it count again.
 * Runs on the thread that owns the store.
 */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#define LIST_SQL(order) \
	"SELECT " STORE_MSG_COLS " FROM messages" \
	" WHERE folder_id = ?1 AND hidden = 0 ORDER BY " order \
	" LIMIT ?2 OFFSET ?3"

#define KEYSET_SQL(after, order) \
	"SELECT " STORE_MSG_COLS " FROM messages" \
	" WHERE folder_id = ?1 AND hidden = 0 AND " after \
	" ORDER BY " order " LIMIT ?2"

/* Indexed by enum store_sort; each order is served by one index. */
static const char *const list_sql[] = {
	[STORE_SORT_DATE] = LIST_SQL("date, id"),
	[STORE_SORT_DATE_DESC] = LIST_SQL("date DESC, id DESC"),
	[STORE_SORT_FROM] = LIST_SQL("from_addr COLLATE NOCASE, id"),
	[STORE_SORT_SUBJECT] = LIST_SQL("subject COLLATE NOCASE, id"),
	[STORE_SORT_SIZE] = LIST_SQL("size, id"),
	[STORE_SORT_UID] = LIST_SQL("uid"),
};

/*
 * The rows after (?3, ?4) = (key, id). The extra ">=" on the text keys
 * lets SQLite start the index walk there; NULL keys never get here.
 */
static const char *const keyset_sql[] = {
	[STORE_SORT_DATE] = KEYSET_SQL("(date, id) > (?3, ?4)", "date, id"),
	[STORE_SORT_DATE_DESC] = KEYSET_SQL("(date, id) < (?3, ?4)",
	    "date DESC, id DESC"),
	[STORE_SORT_FROM] = KEYSET_SQL("from_addr >= ?3 COLLATE NOCASE AND"
	    " (from_addr COLLATE NOCASE, id) > (?3, ?4)",
	    "from_addr COLLATE NOCASE, id"),
	[STORE_SORT_SUBJECT] = KEYSET_SQL("subject >= ?3 COLLATE NOCASE AND"
	    " (subject COLLATE NOCASE, id) > (?3, ?4)",
	    "subject COLLATE NOCASE, id"),
	[STORE_SORT_SIZE] = KEYSET_SQL("(size, id) > (?3, ?4)", "size, id"),
	[STORE_SORT_UID] = KEYSET_SQL("uid > ?3", "uid"),
};

const char *
store_msg_list_sql(enum store_sort sort)
{
	return (unsigned)sort > STORE_SORT_UID ? NULL : list_sql[sort];
}

const char *
store_msg_keyset_sql(enum store_sort sort)
{
	return (unsigned)sort > STORE_SORT_UID ? NULL : keyset_sql[sort];
}

static bool
is_text_sort(enum store_sort sort)
{
	return sort == STORE_SORT_FROM || sort == STORE_SORT_SUBJECT;
}

static void
key_of(enum store_sort sort, const struct store_msg *m,
    struct store_list_key *k)
{
	const char *text = NULL;

	k->id = m->id;
	k->num = m->date;
	if (sort == STORE_SORT_SIZE)
		k->num = m->size;
	else if (sort == STORE_SORT_UID)
		k->num = m->uid;
	if (sort == STORE_SORT_FROM)
		text = m->from;
	else if (sort == STORE_SORT_SUBJECT)
		text = m->subject;
	k->text = text ? xstrdup(text) : NULL;
}

void
store_list_forget(struct store *st)
{
	size_t i;

	for (i = 0; i < st->list.n; i++)
		free(st->list.keys[i].text);
	free(st->list.keys);
	memset(&st->list, 0, sizeof(st->list));
}

/* Counters that move with every change, ours or another connection's. */
static int
list_version(struct store *st, int64_t *dv, int64_t *changes,
    struct cachet_err *err)
{
	sqlite3_stmt *s = store_stmt(st, STORE_SQL_DATA_VERSION,
	    "PRAGMA data_version", err);
	int rc = 0;

	if (s == NULL)
		return CACHET_E_STORE;
	if (sqlite3_step(s) == SQLITE_ROW)
		*dv = sqlite3_column_int64(s, 0);
	else
		rc = store_sqlerr(st, err, "data version");
	store_stmt_done(s);
	*changes = sqlite3_total_changes64(st->db);
	return rc;
}

/* The remembered row just before offset, if the last window has it. */
static const struct store_list_key *
anchor(const struct store *st, int64_t folder_id, enum store_sort sort,
    uint32_t offset, int64_t dv, int64_t changes)
{
	const struct store_list_cache *c = &st->list;
	const struct store_list_key *k;

	if (!c->valid || c->folder_id != folder_id || c->sort != sort ||
	    c->data_version != dv || c->changes != changes || offset == 0 ||
	    offset - 1 < c->offset || offset - 1 - c->offset >= c->n)
		return NULL;
	k = &c->keys[offset - 1 - c->offset];
	if (is_text_sort(sort) && k->text == NULL)
		return NULL;
	return k;
}

static void
remember(struct store *st, int64_t folder_id, enum store_sort sort,
    uint32_t offset, const struct store_msg *v, size_t n, int64_t dv,
    int64_t changes)
{
	struct store_list_cache *c = &st->list;
	size_t i;

	store_list_forget(st);
	if (n == 0)
		return;
	c->keys = xcalloc(n, sizeof(*c->keys));
	for (i = 0; i < n; i++)
		key_of(sort, &v[i], &c->keys[i]);
	c->n = n;
	c->valid = true;
	c->folder_id = folder_id;
	c->sort = sort;
	c->offset = offset;
	c->data_version = dv;
	c->changes = changes;
}

static sqlite3_stmt *
window_stmt(struct store *st, int64_t folder_id, enum store_sort sort,
    uint32_t offset, uint32_t limit, const struct store_list_key *k,
    struct cachet_err *err)
{
	sqlite3_stmt *s;

	if (k == NULL) {
		s = store_stmt(st, STORE_SQL_LIST_FIRST + sort, list_sql[sort],
		    err);
		if (s != NULL)
			sqlite3_bind_int64(s, 3, offset);
	} else {
		s = store_stmt(st, STORE_SQL_KEYSET_FIRST + sort,
		    keyset_sql[sort], err);
		if (s == NULL)
			return NULL;
		if (k->text != NULL)
			sqlite3_bind_text(s, 3, k->text, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_int64(s, 3, k->num);
		if (sqlite3_bind_parameter_count(s) >= 4)
			sqlite3_bind_int64(s, 4, k->id);
		st->keyset_used++;
	}
	if (s != NULL) {
		sqlite3_bind_int64(s, 1, folder_id);
		sqlite3_bind_int64(s, 2, limit);
	}
	return s;
}

int
store_msg_list(struct store *st, int64_t folder_id, enum store_sort sort,
    uint32_t offset, uint32_t limit, struct store_msg **out, size_t *n,
    struct cachet_err *err)
{
	struct store_msg *v = NULL;
	size_t len = 0, cap = 0;
	int64_t dv = 0, changes = 0;
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	if ((unsigned)sort > STORE_SORT_UID)
		return cachet_err(err, CACHET_E_INVAL, "store: bad sort order");
	if (limit == 0)
		return 0;
	if ((rc = list_version(st, &dv, &changes, err)) != 0)
		return rc;
	s = window_stmt(st, folder_id, sort, offset, limit,
	    anchor(st, folder_id, sort, offset, dv, changes), err);
	if (s == NULL)
		return CACHET_E_STORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : (limit < 64 ? limit : 64);
			v = xreallocarray(v, cap, sizeof(*v));
		}
		memset(&v[len], 0, sizeof(*v));
		store_msg_from_row(s, &v[len++]);
	}
	if (rc != SQLITE_DONE) {
		rc = store_sqlerr(st, err, "list messages");
		store_stmt_done(s);
		store_msgs_free(v, len);
		store_list_forget(st);
		return rc;
	}
	store_stmt_done(s);
	remember(st, folder_id, sort, offset, v, len, dv, changes);
	*out = v;
	*n = len;
	return 0;
}
