/*
 * imap: one IMAP session, spoken with libetpan over a cachet TLS stream
 * (src/net). Connection set-up enforces the TLS policy: implicit TLS or
 * STARTTLS with verification, no plain-text fallback, no credentials or
 * mailbox commands before TLS, capabilities re-read after TLS.
 *
 * A session belongs to one thread (the account's sync worker).
 */
#ifndef CACHET_IMAP_H
#define CACHET_IMAP_H

#include <stdint.h>

#include "util/util.h"

struct imap;

enum imap_tls {
	IMAP_TLS_IMPLICIT,
	IMAP_TLS_STARTTLS,
	IMAP_TLS_OFF,		/* only for loopback hosts */
};

enum imap_cap {
	IMAP_CAP_CONDSTORE = 1 << 0,
	IMAP_CAP_QRESYNC = 1 << 1,
	IMAP_CAP_IDLE = 1 << 2,
	IMAP_CAP_UIDPLUS = 1 << 3,
	IMAP_CAP_MOVE = 1 << 4,
	IMAP_CAP_COMPRESS = 1 << 5,	/* COMPRESS=DEFLATE */
	IMAP_CAP_AUTH_PLAIN = 1 << 6,
	IMAP_CAP_XOAUTH2 = 1 << 7,
	IMAP_CAP_ENABLE = 1 << 8,
	IMAP_CAP_LOGINDISABLED = 1 << 9,
	IMAP_CAP_STARTTLS = 1 << 10,
};

struct imap_opts {
	const char *host;
	int port;
	enum imap_tls tls;
	const char *ca_file;	/* NULL: system store */
	const char *pin_sha256;	/* NULL or hex */
	const char *user;
	const char *password;	/* used when token is NULL */
	const char *oauth2_token;	/* XOAUTH2 when set */
	int timeout;		/* seconds without progress */
	unsigned disable_caps;	/* enum imap_cap bits never to use */
	/* Text of [ALERT] responses that came over TLS, already sanitised. */
	void (*alert)(void *ctx, const char *text);
	void *ctx;
};

/* Connect, secure, authenticate, enable extensions. */
int imap_connect(struct imap **out, const struct imap_opts *o,
    struct cachet_err *err);
/* LOGOUT (best effort) and free; NULL is a no-op. */
void imap_close(struct imap *im);
unsigned imap_caps(const struct imap *im);
/* "TLSv1.3 ..., COMPRESS" for the progress line. */
const char *imap_tls_desc(const struct imap *im);

struct imap_mailbox {
	char *name;
	char delim;
	bool noselect;
};
int imap_list(struct imap *im, struct imap_mailbox **out, size_t *n,
    struct cachet_err *err);
void imap_mailboxes_free(struct imap_mailbox *m, size_t n);

struct imap_msg;
/* Called for every message a fetch returns; non-zero stops the fetch. */
typedef int (*imap_msg_fn)(void *ctx, const struct imap_msg *m);

struct imap_msg {
	uint32_t uid;
	uint32_t flags;		/* enum store_flag bits */
	const char *keywords;	/* space-separated, may be NULL */
	uint64_t modseq;
	uint32_t size;
	int64_t internaldate;
	const char *header;	/* BODY[HEADER] when fetched, else NULL */
	size_t header_len;
	const char *body;	/* BODY[] when fetched, else NULL */
	size_t body_len;
};

struct imap_selected {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint32_t exists;
	uint64_t highestmodseq;	/* 0 without CONDSTORE */
	bool qresync_used;	/* changes were reported by QRESYNC */
};

/*
 * SELECT name. With QRESYNC (when usable and known_uidvalidity/known_modseq
 * are non-zero), flag changes since known_modseq are reported through fn and
 * expunged UIDs through vanished; otherwise both are left to the caller.
 */
typedef void (*imap_vanished_fn)(void *ctx, uint32_t first, uint32_t last);
int imap_select(struct imap *im, const char *name, uint32_t known_uidvalidity,
    uint64_t known_modseq, struct imap_selected *sel, imap_msg_fn fn,
    imap_vanished_fn vanished, void *ctx, struct cachet_err *err);

/* UID FETCH first:last (last 0 means *) of UID, FLAGS, size, date, header. */
int imap_fetch_headers(struct imap *im, uint32_t first, uint32_t last,
    imap_msg_fn fn, void *ctx, struct cachet_err *err);
/* UID FETCH of whole messages (BODY.PEEK[]) for the given UIDs. */
int imap_fetch_bodies(struct imap *im, const uint32_t *uids, size_t n,
    imap_msg_fn fn, void *ctx, struct cachet_err *err);
/* UID FETCH first:* FLAGS, with CHANGEDSINCE when changedsince > 0. */
int imap_fetch_flags(struct imap *im, uint32_t first, uint64_t changedsince,
    imap_msg_fn fn, void *ctx, struct cachet_err *err);
/* UID SEARCH ALL, ascending. */
int imap_uid_search_all(struct imap *im, uint32_t **uids, size_t *n,
    struct cachet_err *err);
/* UID SEARCH CHARSET UTF-8 TEXT text (headers and body, on the server),
 * ascending; control bytes in text become spaces. */
int imap_uid_search_text(struct imap *im, const char *text, uint32_t **uids,
    size_t *n, struct cachet_err *err);

/* UID STORE +FLAGS / -FLAGS (silent). */
int imap_store_flags(struct imap *im, uint32_t uid, uint32_t add,
    uint32_t del, struct cachet_err *err);
/* Mark \Deleted and expunge that UID only (UID EXPUNGE, else EXPUNGE). */
int imap_delete_uid(struct imap *im, uint32_t uid, struct cachet_err *err);
int imap_copy_uid(struct imap *im, uint32_t uid, const char *dest,
    struct cachet_err *err);
/* UID MOVE, or COPY + delete when MOVE is not offered. */
int imap_move_uid(struct imap *im, uint32_t uid, const char *dest,
    struct cachet_err *err);
int imap_append(struct imap *im, const char *mailbox, uint32_t flags,
    const char *data, size_t len, struct cachet_err *err);
int imap_create(struct imap *im, const char *mailbox, struct cachet_err *err);

/*
 * IDLE for at most `seconds` (or until the server reports a change, or the
 * fd wake_fd (may be -1) becomes readable). *changed tells which.
 */
int imap_idle(struct imap *im, int seconds, int wake_fd, bool *changed,
    struct cachet_err *err);
int imap_noop(struct imap *im, struct cachet_err *err);

#endif
