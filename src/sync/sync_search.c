/*
 * sync_search: a search run by the server (UID SEARCH CHARSET UTF-8 TEXT)
 * in one folder, for what the local index cannot see: bodies not fetched
 * (sync = headers) and text in parts the index leaves out. The UIDs found
 * are mapped to the store's rows; the server is only read. Runs on the
 * calling thread with its own connection.
 */
#include <stdlib.h>
#include <string.h>

#include "sync/sync_int.h"

static int
map_uids(struct store *st, int64_t folder_id, const uint32_t *uids, size_t n,
    int64_t **ids, size_t *nids, size_t *unsynced, struct cachet_err *err)
{
	size_t i;

	*ids = xcalloc(n + 1, sizeof(**ids));
	*nids = 0;
	for (i = n; i-- > 0;) {
		struct store_msg m = {0};
		int r = store_msg_get_uid(st, folder_id, uids[i], &m, err);

		if (r == CACHET_E_NOTFOUND) {
			(*unsynced)++;
			continue;
		}
		if (r != 0)
			return r;
		(*ids)[(*nids)++] = m.id;
		store_msg_release(&m);
	}
	return 0;
}

int
sync_search_server(const struct config_account *acct, struct store *st,
    const char *folder, const char *text, const struct sync_opts *o,
    int64_t **ids, size_t *n, size_t *unsynced, struct cachet_err *err)
{
	struct sync_stats stats = {0};
	struct sync_ctx c = {.acct = acct, .st = st, .o = o, .stats = &stats};
	struct imap_selected sel;
	struct store_folder f = {0};
	uint32_t *uids = NULL;
	size_t nuids = 0, skipped = 0;
	int r;

	*ids = NULL;
	*n = 0;
	r = store_folder_get(st, folder, &f, err);
	if (r == 0)
		r = sync_connect(&c, err);
	if (r == 0)
		r = imap_select(c.im, folder, 0, 0, &sel, NULL, NULL, NULL,
		    err);
	/* UIDs from another UIDVALIDITY would name other messages. */
	if (r == 0 && f.uidvalidity != sel.uidvalidity)
		r = cachet_err(err, CACHET_E_INVAL, "%s changed on the server "
		    "since the last sync: sync first", folder);
	if (r == 0)
		r = imap_uid_search_text(c.im, text, &uids, &nuids, err);
	if (r == 0)
		r = map_uids(st, f.id, uids, nuids, ids, n, &skipped, err);
	if (r != 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	if (unsynced != NULL)
		*unsynced = skipped;
	imap_close(c.im);
	free(uids);
	store_folder_release(&f);
	return r;
}
