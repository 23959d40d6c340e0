/*
 * sync: bring an account's offline store and its IMAP server into step.
 *
 * For each wanted folder: replay the operations queued offline (in order),
 * detect a UIDVALIDITY change (the folder is rebuilt), apply expunges
 * (QRESYNC VANISHED, else UID SEARCH comparison) and flag changes
 * (QRESYNC, CONDSTORE CHANGEDSINCE, else a full flags fetch), then fetch
 * headers of new messages in batches and, with `sync = full`, bodies.
 * Every batch is one store transaction, so an interrupted sync leaves a
 * consistent store and the next one carries on.
 *
 * Conflict rule: the server wins. A queued change to a message that was
 * expunged on the server is dropped; flags are pushed first and then read
 * back, so both sides end with the server's merged result.
 *
 * Runs on the calling thread (a CLI process or an account worker).
 */
#ifndef CACHET_SYNC_H
#define CACHET_SYNC_H

#include <signal.h>
#include <stdatomic.h>

#include "config/config.h"
#include "store/store.h"
#include "util/util.h"

struct sync_progress {
	const char *folder;
	const char *phase;	/* "connect", "ops", "flags", "headers", ... */
	uint32_t done;
	uint32_t total;
};

struct sync_stats {
	uint32_t folders;
	uint32_t added;
	uint32_t expunged;
	uint32_t flags_changed;
	uint32_t bodies;
	uint32_t ops_replayed;
	uint32_t ops_dropped;
	uint32_t rebuilt;	/* folders rebuilt after UIDVALIDITY changed */
};

struct sync_opts {
	void (*progress)(void *ctx, const struct sync_progress *p);
	void (*alert)(void *ctx, const char *text);	/* sanitised */
	void *ctx;
	unsigned disable_caps;	/* enum imap_cap bits, for testing fallbacks */
	/*
	 * Called at the start of every round (before connecting), e.g. to
	 * submit the outbox, so that its Sent copies are appended by the
	 * round that follows. May be NULL.
	 */
	void (*before_round)(void *ctx, struct store *st);
	/* --watch: set to non-zero (e.g. from a signal handler) to stop. */
	atomic_int *stop;	/* lock-free: set from signal handlers too */
};

/* One full sync of the account into st. */
int sync_account(const struct config_account *acct, struct store *st,
    const struct sync_opts *o, struct sync_stats *stats,
    struct cachet_err *err);

/*
 * Stay connected: sync, then IDLE on INBOX and sync again whenever the
 * server reports a change (or every few minutes), until *o->stop.
 * Reconnects after network errors with a growing delay.
 */
int sync_watch(const struct config_account *acct, struct store *st,
    const struct sync_opts *o, struct cachet_err *err);

/*
 * Search a folder on the server (UID SEARCH TEXT: headers and bodies,
 * including messages whose bodies are not stored) and return the store
 * ids of the matches, newest UID first. Matches not in the store yet
 * are counted in *unsynced (may be NULL) and left out (sync_search.c).
 */
int sync_search_server(const struct config_account *acct, struct store *st,
    const char *folder, const char *text, const struct sync_opts *o,
    int64_t **ids, size_t *n, size_t *unsynced, struct cachet_err *err);

#endif
