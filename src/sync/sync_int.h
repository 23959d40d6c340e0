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

void sync_progress(struct sync_ctx *c, const char *phase, uint32_t done,
    uint32_t total);
bool sync_stopped(const struct sync_ctx *c);
int sync_folder(struct sync_ctx *c, const char *name, char delim,
    struct cachet_err *err);

#endif
