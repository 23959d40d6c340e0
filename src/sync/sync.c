/*
 * sync: account-level synchronisation (connect, folder list, each folder)
 * and the --watch loop that waits with IDLE. Runs on the calling thread.
 */
#include "sync_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void
sync_progress(struct sync_ctx *c, const char *phase, uint32_t done,
    uint32_t total)
{
	struct sync_progress p = {
		.folder = c->folder,
		.phase = phase,
		.done = done,
		.total = total,
	};

	if (c->o && c->o->progress)
		c->o->progress(c->o->ctx, &p);
}

bool
sync_stopped(const struct sync_ctx *c)
{
	return c->o && c->o->stop && *c->o->stop;
}

static enum imap_tls
tls_mode(enum config_tls t)
{
	switch (t) {
	case CONFIG_TLS_STARTTLS:
		return IMAP_TLS_STARTTLS;
	case CONFIG_TLS_OFF:
		return IMAP_TLS_OFF;
	case CONFIG_TLS_IMPLICIT:
		break;
	}
	return IMAP_TLS_IMPLICIT;
}

int
sync_connect(struct sync_ctx *c, struct cachet_err *err)
{
	const struct config_account *a = c->acct;
	char *secret = NULL;
	struct imap_opts o = {
		.host = a->imap_host,
		.port = a->imap_port,
		.tls = tls_mode(a->imap_tls),
		.ca_file = a->ca_file,
		.pin_sha256 = a->cert_fingerprint,
		.user = a->imap_user,
		.timeout = a->timeout,
		.disable_caps = c->o ? c->o->disable_caps : 0,
		.alert = c->o ? c->o->alert : NULL,
		.ctx = c->o ? c->o->ctx : NULL,
	};
	int r;

	sync_progress(c, "connect", 0, 0);
	if (a->oauth2_token_cmd) {
		r = config_oauth2_token(a, &secret, err);
		o.oauth2_token = secret;
	} else {
		r = config_password(a, &secret, err);
		o.password = secret;
	}
	if (r == 0)
		r = imap_connect(&c->im, &o, err);
	util_free_secret(secret);
	if (r != 0)
		cachet_err_prefix(err, "%s", a->name);
	return r;
}

static int
cmp_mailbox(const void *a, const void *b)
{
	const struct imap_mailbox *x = a, *y = b;
	bool xi = strcasecmp(x->name, "INBOX") == 0;
	bool yi = strcasecmp(y->name, "INBOX") == 0;

	if (xi != yi)
		return xi ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * Whether messages wait to be appended to the folder (a sent copy, say).
 * Other operations on a folder gone from the server go with it.
 */
static bool
appends_pending(struct sync_ctx *c, int64_t folder_id)
{
	struct store_op *ops = NULL;
	size_t n = 0, i;
	bool found = false;

	if (store_op_list(c->st, folder_id, &ops, &n, NULL) != 0)
		return false;
	for (i = 0; i < n; i++)
		found |= ops[i].kind == STORE_OP_APPEND;
	store_ops_free(ops, n);
	return found;
}

/*
 * Local folders the server does not list (or the configuration leaves
 * out): a folder with messages to append is created on the server when
 * missing and synced, so that they are replayed (the first sent copy
 * makes the Sent folder); any other goes from the store.
 */
static int
reconcile_local_folders(struct sync_ctx *c, const struct imap_mailbox *mb,
    size_t n, struct cachet_err *err)
{
	struct store_folder *f = NULL;
	size_t nf = 0, i, j;
	int r;

	r = store_folder_list_bare(c->st, &f, &nf, err);
	for (i = 0; r == 0 && i < nf; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(mb[j].name, f[i].name) == 0)
				break;
		if (j < n && !mb[j].noselect)
			continue;
		if (!appends_pending(c, f[i].id)) {
			r = store_folder_delete(c->st, f[i].id, err);
			continue;
		}
		if (j == n)
			r = imap_create(c->im, f[i].name, err);
		if (r == 0)
			r = sync_folder(c, f[i].name, f[i].delim, err);
	}
	store_folders_free(f, nf);
	return r;
}

/*
 * A known INBOX first, before LIST: Dovecot (Maildir) re-reads a mailbox
 * it has just listed when it is then selected, ~0.1 s for 100,000
 * messages, which is most of a resync where nothing changed. INBOX always
 * exists (RFC 3501), so syncing it before the list changes nothing else.
 * *done says whether it was synced.
 */
static int
sync_known_inbox(struct sync_ctx *c, bool *done, struct cachet_err *err)
{
	struct store_folder f = {0};
	int r = 0;

	*done = false;
	if (!config_folder_wanted(c->acct, "INBOX") ||
	    store_folder_get(c->st, "INBOX", &f, NULL) != 0)
		return 0;
	if (f.uidvalidity != 0) {
		r = sync_folder(c, "INBOX", f.delim, err);
		*done = r == 0;
	}
	store_folder_release(&f);
	return r;
}

static int
sync_connected(struct sync_ctx *c, struct cachet_err *err)
{
	struct imap_mailbox *mb = NULL;
	size_t n = 0, i;
	bool inbox_done;
	int r;

	if ((r = sync_known_inbox(c, &inbox_done, err)) != 0)
		return r;
	r = imap_list(c->im, &mb, &n, err);
	if (r != 0)
		return r;
	qsort(mb, n, sizeof(*mb), cmp_mailbox);
	/* Only folders the configuration selects are synced (or kept). */
	for (i = 0; i < n; i++)
		if (!config_folder_wanted(c->acct, mb[i].name))
			mb[i].noselect = true;
	for (i = 0; r == 0 && i < n; i++) {
		if (mb[i].noselect || (inbox_done &&
		    strcmp(mb[i].name, "INBOX") == 0))
			continue;
		r = sync_folder(c, mb[i].name, mb[i].delim, err);
		if (r == 0 && sync_stopped(c))
			r = cachet_err(err, CACHET_E_NET, "interrupted");
	}
	if (r == 0)
		r = reconcile_local_folders(c, mb, n, err);
	imap_mailboxes_free(mb, n);
	return r;
}

int
sync_account(const struct config_account *acct, struct store *st,
    const struct sync_opts *o, struct sync_stats *stats,
    struct cachet_err *err)
{
	struct sync_ctx c = {
		.acct = acct,
		.st = st,
		.o = o,
		.stats = stats,
	};
	int r;

	memset(stats, 0, sizeof(*stats));
	if (o != NULL && o->before_round != NULL)
		o->before_round(o->ctx, st);
	r = sync_connect(&c, err);
	if (r != 0)
		return r;
	r = sync_connected(&c, err);
	imap_close(c.im);
	return r;
}

/* Wait on INBOX with IDLE (re-issued every 25 minutes) for a change. */
static int
watch_once(struct sync_ctx *c, struct cachet_err *err)
{
	struct imap_selected sel;
	bool changed = false;
	int r;

	r = sync_connected(c, err);
	if (r != 0)
		return r;
	r = imap_select(c->im, "INBOX", 0, 0, &sel, NULL, NULL, NULL, err);
	c->folder = NULL;
	sync_progress(c, "idle", 0, 0);
	while (r == 0 && !changed && !sync_stopped(c))
		r = imap_idle(c->im, 60, -1, &changed, err);
	return r;
}

int
sync_watch(const struct config_account *acct, struct store *st,
    const struct sync_opts *o, struct cachet_err *err)
{
	struct sync_stats stats;
	struct sync_ctx c = {
		.acct = acct,
		.st = st,
		.o = o,
		.stats = &stats,
	};
	unsigned delay = 1;
	int r = 0;

	while (!sync_stopped(&c)) {
		memset(&stats, 0, sizeof(stats));
		if (o != NULL && o->before_round != NULL)
			o->before_round(o->ctx, st);
		if (c.im == NULL) {
			r = sync_connect(&c, err);
			if (r == CACHET_E_TLS || r == CACHET_E_AUTH ||
			    r == CACHET_E_CMD)
				return r;	/* retrying will not help */
		}
		if (r == 0)
			r = watch_once(&c, err);
		if (r == 0) {
			delay = 1;
			continue;
		}
		imap_close(c.im);
		c.im = NULL;
		if (o && o->alert)
			o->alert(o->ctx, err->msg);
		for (unsigned i = 0; i < delay && !sync_stopped(&c); i++)
			sleep(1);
		delay = delay < 300 ? delay * 2 : 300;
		r = 0;
	}
	imap_close(c.im);
	return 0;
}
