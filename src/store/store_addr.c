/*
 * store_addr: the address fields of stored messages whose text contains a
 * given string, most recent first, for address completion. The string is
 * bound as a LIKE pattern with its wildcards escaped. Runs on the thread
 * that owns the store.
 */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#define ADDR_SCAN_MAX 2000

static char *
like_pattern(const char *s)
{
	struct buf b = BUF_INIT;

	buf_addc(&b, '%');
	for (; *s != '\0'; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_addc(&b, '\\');
		buf_addc(&b, *s);
	}
	buf_addc(&b, '%');
	return buf_detach(&b, NULL);
}

int
store_addresses(struct store *st, const char *text, size_t limit,
    char ***out, size_t *n, struct cachet_err *err)
{
	static const char sql[] =
	    "SELECT v FROM ("
	    " SELECT from_addr AS v, date FROM messages"
	    "  WHERE from_addr LIKE ?1 ESCAPE '\\'"
	    " UNION ALL SELECT to_addr, date FROM messages"
	    "  WHERE to_addr LIKE ?1 ESCAPE '\\'"
	    " UNION ALL SELECT cc_addr, date FROM messages"
	    "  WHERE cc_addr LIKE ?1 ESCAPE '\\')"
	    " ORDER BY date DESC LIMIT ?2";
	char *pat = like_pattern(text ? text : "");
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		free(pat);
		return store_sqlerr(st, err, "addresses");
	}
	sqlite3_bind_text(s, 1, pat, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (int64_t)(limit < ADDR_SCAN_MAX ? limit :
	    ADDR_SCAN_MAX));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		(*out)[(*n)++] = store_col_str(s, 0);
	}
	sqlite3_finalize(s);
	free(pat);
	if (rc != SQLITE_DONE)
		return store_sqlerr(st, err, "addresses");
	return 0;
}
