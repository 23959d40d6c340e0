/*
 * store_list: the windowed listing the index view reads. Only the rows
 * asked for are read, walking one index per sort order. A window that
 * starts inside the previous one (scrolling down, paging down) continues
 * after the row before it (keyset); one that ends inside it (scrolling
 * up, paging up) continues before the row after it, walking the index
 * backwards. Any other window counts an OFFSET from the nearer end of the
 * folder, so no window costs more than half the folder's index entries,
 * and paging costs the same anywhere. Any change to the database since
 * the last window makes it count again.
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

/* Each order exactly reversed (NULL text keys last), the same index. */
static const char *const list_rev_sql[] = {
	[STORE_SORT_DATE] = LIST_SQL("date DESC, id DESC"),
	[STORE_SORT_DATE_DESC] = LIST_SQL("date, id"),
	[STORE_SORT_FROM] = LIST_SQL("from_addr COLLATE NOCASE DESC,"
	    " id DESC"),
	[STORE_SORT_SUBJECT] = LIST_SQL("subject COLLATE NOCASE DESC,"
	    " id DESC"),
	[STORE_SORT_SIZE] = LIST_SQL("size DESC, id DESC"),
	[STORE_SORT_UID] = LIST_SQL("uid DESC"),
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

/*
 * The rows before (?3, ?4), nearest first. Rows with a NULL text key
 * (they sort first) are left out: a window that reaches them comes back
 * short, and store_msg_list then counts an OFFSET instead.
 */
static const char *const keyset_rev_sql[] = {
	[STORE_SORT_DATE] = KEYSET_SQL("(date, id) < (?3, ?4)",
	    "date DESC, id DESC"),
	[STORE_SORT_DATE_DESC] = KEYSET_SQL("(date, id) > (?3, ?4)",
	    "date, id"),
	[STORE_SORT_FROM] = KEYSET_SQL("from_addr <= ?3 COLLATE NOCASE AND"
	    " (from_addr COLLATE NOCASE, id) < (?3, ?4)",
	    "from_addr COLLATE NOCASE DESC, id DESC"),
	[STORE_SORT_SUBJECT] = KEYSET_SQL("subject <= ?3 COLLATE NOCASE AND"
	    " (subject COLLATE NOCASE, id) < (?3, ?4)",
	    "subject COLLATE NOCASE DESC, id DESC"),
	[STORE_SORT_SIZE] = KEYSET_SQL("(size, id) < (?3, ?4)",
	    "size DESC, id DESC"),
	[STORE_SORT_UID] = KEYSET_SQL("uid < ?3", "uid DESC"),
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

const char *
store_msg_list_rev_sql(enum store_sort sort)
{
	return (unsigned)sort > STORE_SORT_UID ? NULL : list_rev_sql[sort];
}

const char *
store_msg_keyset_rev_sql(enum store_sort sort)
{
	return (unsigned)sort > STORE_SORT_UID ? NULL : keyset_rev_sql[sort];
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

static void
list_clear(struct store *st)
{
	size_t i;

	for (i = 0; i < st->list.n; i++)
		free(st->list.keys[i].text);
	free(st->list.keys);
	memset(&st->list, 0, sizeof(st->list));
}

void
store_list_forget(struct store *st)
{
	list_clear(st);
	/* A rollback leaves the change counters where they were. */
	st->stamp.valid = false;
}

int
store_list_version(struct store *st, int64_t *dv, int64_t *changes,
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

static void
remember(struct store *st, int64_t folder_id, enum store_sort sort,
    uint32_t offset, const struct store_msg *v, size_t n, int64_t dv,
    int64_t changes)
{
	struct store_list_cache *c = &st->list;
	size_t i;

	list_clear(st);
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

/*
 * How one window is read: after or before a remembered row (keyset), or
 * by an OFFSET counted from the top or, walking backwards, from the end.
 */
struct list_plan {
	const struct store_list_key *key;	/* NULL: count an OFFSET */
	bool reverse;		/* walk backwards, then turn the rows round */
	uint32_t offset;	/* the OFFSET from where the walk starts */
	uint32_t limit;
};

/* Is the remembered window still what the database holds? */
static bool
cache_fresh(const struct store *st, int64_t folder_id, enum store_sort sort,
    int64_t dv, int64_t changes)
{
	const struct store_list_cache *c = &st->list;

	return c->valid && c->folder_id == folder_id && c->sort == sort &&
	    c->data_version == dv && c->changes == changes;
}

/* The remembered row at position pos, if the last window has it. */
static const struct store_list_key *
cached_key(const struct store *st, enum store_sort sort, uint64_t pos)
{
	const struct store_list_cache *c = &st->list;
	const struct store_list_key *k;

	if (pos < c->offset || pos - c->offset >= c->n)
		return NULL;
	k = &c->keys[pos - c->offset];
	if (is_text_sort(sort) && k->text == NULL)
		return NULL;
	return k;
}

static int
list_plan(struct store *st, int64_t folder_id, enum store_sort sort,
    uint32_t offset, uint32_t limit, bool fresh, struct list_plan *p,
    struct cachet_err *err)
{
	uint32_t total = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	p->offset = offset;
	p->limit = limit;
	if (fresh && offset > 0 &&
	    (p->key = cached_key(st, sort, (uint64_t)offset - 1)) != NULL)
		return 0;
	if (fresh && (p->key = cached_key(st, sort, (uint64_t)offset +
	    limit)) != NULL) {
		p->reverse = true;
		return 0;
	}
	/* The folder's count is kept up to date by the schema's triggers. */
	if ((rc = store_msg_count(st, folder_id, &total, NULL, err)) != 0)
		return rc;
	if (offset < total && offset > total / 2) {
		p->reverse = true;
		p->limit = limit < total - offset ? limit : total - offset;
		p->offset = total - offset - p->limit;
	}
	return 0;
}

static sqlite3_stmt *
window_stmt(struct store *st, int64_t folder_id, enum store_sort sort,
    const struct list_plan *p, struct cachet_err *err)
{
	const struct store_list_key *k = p->key;
	sqlite3_stmt *s;

	if (k == NULL) {
		s = p->reverse ? store_stmt(st, STORE_SQL_LIST_REV_FIRST +
		    sort, list_rev_sql[sort], err) : store_stmt(st,
		    STORE_SQL_LIST_FIRST + sort, list_sql[sort], err);
		if (s == NULL)
			return NULL;
		sqlite3_bind_int64(s, 3, p->offset);
		if (p->reverse)
			st->reverse_used++;
	} else {
		s = p->reverse ? store_stmt(st, STORE_SQL_KEYSET_REV_FIRST +
		    sort, keyset_rev_sql[sort], err) : store_stmt(st,
		    STORE_SQL_KEYSET_FIRST + sort, keyset_sql[sort], err);
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
	sqlite3_bind_int64(s, 1, folder_id);
	sqlite3_bind_int64(s, 2, p->limit);
	return s;
}

/* The rows of one plan, in the order's direction. */
static int
list_read(struct store *st, int64_t folder_id, enum store_sort sort,
    const struct list_plan *p, struct store_msg **out, size_t *n,
    struct cachet_err *err)
{
	struct store_msg *v = NULL, tmp;
	size_t len = 0, cap = 0, i;
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	if (p->limit == 0)
		return 0;
	if ((s = window_stmt(st, folder_id, sort, p, err)) == NULL)
		return CACHET_E_STORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : (p->limit < 64 ? p->limit : 64);
			v = xreallocarray(v, cap, sizeof(*v));
		}
		memset(&v[len], 0, sizeof(*v));
		store_msg_from_row(s, &v[len++]);
	}
	if (rc != SQLITE_DONE) {
		rc = store_sqlerr(st, err, "list messages");
		store_stmt_done(s);
		store_msgs_free(v, len);
		return rc;
	}
	store_stmt_done(s);
	for (i = 0; p->reverse && i < len / 2; i++) {
		tmp = v[i];
		v[i] = v[len - 1 - i];
		v[len - 1 - i] = tmp;
	}
	*out = v;
	*n = len;
	return 0;
}

int
store_msg_list(struct store *st, int64_t folder_id, enum store_sort sort,
    uint32_t offset, uint32_t limit, struct store_msg **out, size_t *n,
    struct cachet_err *err)
{
	struct list_plan p;
	int64_t dv = 0, changes = 0;
	bool fresh;
	int rc;

	*out = NULL;
	*n = 0;
	if ((unsigned)sort > STORE_SORT_UID)
		return cachet_err(err, CACHET_E_INVAL, "store: bad sort order");
	if (limit == 0)
		return 0;
	if ((rc = store_list_version(st, &dv, &changes, err)) != 0)
		return rc;
	fresh = cache_fresh(st, folder_id, sort, dv, changes);
	rc = list_plan(st, folder_id, sort, offset, limit, fresh, &p, err);
	if (rc == 0)
		rc = list_read(st, folder_id, sort, &p, out, n, err);
	/*
	 * Before a known row, a short window means rows with no text key
	 * were left out (see keyset_rev_sql): count instead.
	 */
	if (rc == 0 && p.key != NULL && p.reverse && *n < limit) {
		store_msgs_free(*out, *n);
		*out = NULL;
		*n = 0;
		rc = list_plan(st, folder_id, sort, offset, limit, false, &p,
		    err);
		if (rc == 0)
			rc = list_read(st, folder_id, sort, &p, out, n, err);
	}
	if (rc != 0) {
		list_clear(st);
		return rc;
	}
	remember(st, folder_id, sort, offset, *out, *n, dv, changes);
	return 0;
}
