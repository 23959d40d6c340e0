/*
 * util: allocation wrappers, growable buffers, strings, the error struct,
 * terminal sanitising, path escaping, atomic file writes and running the
 * user's own helper commands (password_cmd and the like).
 *
 * Everything here is thread-safe and has no global state.
 */
#ifndef CACHET_UTIL_H
#define CACHET_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CACHET_VERSION "0.1.0"

/* Status codes: 0 is success, every error is negative. */
enum cachet_code {
	CACHET_OK = 0,
	CACHET_E_INVAL = -1,	/* bad argument or bad input data */
	CACHET_E_IO = -2,	/* local file system */
	CACHET_E_CONFIG = -3,	/* configuration file */
	CACHET_E_TLS = -4,	/* handshake or certificate verification */
	CACHET_E_NET = -5,	/* connection refused, reset, DNS */
	CACHET_E_TIMEOUT = -6,	/* no progress within the timeout */
	CACHET_E_PROTO = -7,	/* the server broke the protocol */
	CACHET_E_AUTH = -8,	/* credentials refused or unavailable */
	CACHET_E_STORE = -9,	/* the offline store (SQLite, Maildir) */
	CACHET_E_NOTFOUND = -10,
	CACHET_E_SERVER = -11,	/* the server said NO or BAD */
	CACHET_E_CMD = -12,	/* a helper command failed */
};

#define CACHET_ERR_MAX 512

/* Detail for a failed call: the code again, and a human-readable message. */
struct cachet_err {
	int code;
	char msg[CACHET_ERR_MAX];
};

/*
 * Fill err (which may be NULL) with code and a printf-style message and
 * return code, so that callers can write
 *	return cachet_err(err, CACHET_E_IO, "cannot open %s", path);
 */
int cachet_err(struct cachet_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with more context ("sync INBOX: ..."). */
int cachet_err_prefix(struct cachet_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Allocation that aborts on out-of-memory; never returns NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);
#define FREE_AND_NULL(p) \
	do { \
		free(p); \
		(p) = NULL; \
	} while (0)

/* Zero a secret before freeing it; NULL is a no-op. */
void util_free_secret(char *s);

/* Growable byte buffer, always NUL-terminated after data[len]. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
#define BUF_INIT {NULL, 0, 0}
void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hand the data to the caller (who frees it) and reset b. */
char *buf_detach(struct buf *b, size_t *len);

/* Strings. */
char *util_trim(char *s);	/* in place; returns s advanced past spaces */
bool util_str_empty(const char *s);
bool util_streq(const char *a, const char *b);	/* NULL-safe */

/*
 * Decode one UTF-8 sequence at s (at most n bytes): its length, or 0 when
 * it is not valid (overlong, surrogate, beyond U+10FFFF, truncated).
 * *cp gets the code point (cp may be NULL).
 */
size_t util_utf8_decode(const unsigned char *s, size_t n, unsigned *cp);
/* The value of a hexadecimal digit (either case), or -1. */
int util_hexval(int c);

/*
 * Make hostile text safe to draw on a terminal. Valid UTF-8 is kept;
 * C0 controls (except tab when keep_tab), DEL, C1 controls (U+0080-U+009F),
 * escape sequences and invalid bytes become '?'. Newlines are kept only when
 * keep_newline. The result is owned by the caller.
 */
char *util_sanitize(const char *s, size_t len, bool keep_newline,
    bool keep_tab);

/*
 * Turn an arbitrary server-supplied name into one safe path component:
 * [A-Za-z0-9._-] are kept (a leading '.' is escaped), every other byte
 * becomes %XX. The result is never empty, "." or "..".
 */
char *util_path_escape(const char *name);

/* mkdir -p with mode; 0 or CACHET_E_IO. */
int util_mkdirs(const char *path, unsigned mode, struct cachet_err *err);

/*
 * Write data to dir/name through a temporary file in tmpdir (same file
 * system), fsync, then rename. tmpdir may equal dir.
 */
int util_write_atomic(const char *tmpdir, const char *dir, const char *name,
    const void *data, size_t len, struct cachet_err *err);
/*
 * The same without the fsync: for callers that make a whole batch durable
 * at once (syncfs) before recording it anywhere.
 */
int util_write_atomic_nosync(const char *tmpdir, const char *dir,
    const char *name, const void *data, size_t len, struct cachet_err *err);

/* Read a whole file. */
int util_read_file(const char *path, char **data, size_t *len,
    struct cachet_err *err);

/*
 * Run a command the user wrote in their own configuration with /bin/sh -c
 * and capture its standard output (trailing newline removed). Used for
 * password_cmd and oauth2_token_cmd; never with data from the network.
 * The output is a secret: free it with util_free_secret.
 */
int util_run_capture(const char *cmd, char **out, struct cachet_err *err);
/* The same with one argument, given to the command as "$1" (query_cmd):
 * the argument is never part of the command text. */
int util_run_capture_arg(const char *cmd, const char *arg, char **out,
    struct cachet_err *err);

/*
 * A text progress bar "[####------]" of width cells for done of total
 * into buf (needs width + 3 bytes); "" when total or width is 0 or buf
 * is too small.
 */
void util_progress_bar(char *buf, size_t len, unsigned done, unsigned total,
    unsigned width);

/* Monotonic clock in milliseconds. */
int64_t util_now_ms(void);

#endif
