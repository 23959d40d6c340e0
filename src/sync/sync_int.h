/* Internals shared by the files of src/sync. */
#ifndef CACHET_SYNC_INT_H
#define CACHET_SYNC_INT_H

#include "imap/imap.h"
#include "sync/sync.h"

/* Header batch and body batch sizes (UIDs per UID FETCH). */
#define SYNC_HEADER_BATCH 2000
#define SYNC_BODY_BATCH 100

struct sync_ctx {
	const struct config_account *acct;
	struct store *st;
	struct imap *im;
	const struct sync_opts *o;
	struct sync_stats *stats;
	/* Per folder. */
	int64_t folder_id;
	const char *folder;
	uint32_t done;
	uint32_t total;
	struct cachet_err cb_err;	/* error raised inside a callback */
};

/* Log in to the account's server (c->im), credentials from its commands. */
int sync_connect(struct sync_ctx *c, struct cachet_err *err);
void sync_progress(struct sync_ctx *c, const char *phase, uint32_t done,
    uint32_t total);
bool sync_stopped(const struct sync_ctx *c);
/*
 * Fetch the headers of UIDs from..uidnext-1 (to * when uidnext is 0) in
 * batches and store them; the folder's UIDNEXT is recorded after each
 * batch. *maxuid gets the highest UID stored (sync_headers.c).
 */
int sync_headers(struct sync_ctx *c, uint32_t from, uint32_t uidnext,
    uint32_t uidvalidity, uint32_t exists, uint64_t modseq,
    uint32_t *maxuid, struct cachet_err *err);
int sync_folder(struct sync_ctx *c, const char *name, char delim,
    struct cachet_err *err);

#endif
