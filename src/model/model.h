/*
 * model: display models of a folder that need no terminal.
 *
 * Threading (thread.c) groups messages into conversations the way Jamie
 * Zawinski's algorithm does: one container per Message-ID, parents from
 * References (the last id is the parent) or else In-Reply-To, empty
 * containers for parents that are not in the folder, and, only when asked,
 * threads joined by subject. The result is a flat list of rows in display
 * order with each row's depth and tree links, and the collapse state of
 * every thread. Strings of the input are borrowed during the build only;
 * the model keeps ids and links, about 24 bytes a message.
 *
 * Hostile input is expected: duplicate and missing Message-IDs,
 * self-references, reference cycles and very long reference lists (only
 * the last MODEL_THREAD_MAX_REFS ids are used).
 */
#ifndef CACHET_MODEL_H
#define CACHET_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODEL_THREAD_MAX_REFS 64
/* Ancestor levels a tree prefix draws; deeper levels are left out. */
#define MODEL_THREAD_PREFIX_LEVELS 12
/* Enough for any prefix model_thread_prefix writes, with its NUL. */
#define MODEL_THREAD_PREFIX_MAX (MODEL_THREAD_PREFIX_LEVELS * 4 + 16)
#define MODEL_NONE UINT32_MAX

/* One message as threading sees it; strings may be NULL. */
struct model_thread_in {
	int64_t id;
	int64_t date;
	const char *message_id;	/* with or without angle brackets */
	const char *in_reply_to;
	const char *references;	/* ids separated by space or <> */
	const char *subject;
};

enum model_thread_opt {
	MODEL_THREAD_SUBJECT = 1 << 0,	/* join root threads by subject */
	MODEL_THREAD_OLDEST_FIRST = 1 << 1, /* threads by first activity,
					 * oldest first; else newest
					 * activity first */
};

/* A row of the full (uncollapsed) order. */
struct model_thread_row {
	int64_t id;		/* the message */
	uint32_t parent;	/* row of the parent, MODEL_NONE at a root */
	uint32_t size;		/* rows in this subtree, itself included */
	uint16_t depth;		/* 0 for a thread root (saturates) */
	bool last;		/* no later sibling under the same parent */
	bool collapsed;		/* roots only: the thread shows one row */
};

struct model_thread {
	struct model_thread_row *rows;	/* n, in display order */
	size_t n;
	uint32_t *vis;			/* visible row -> index into rows */
	size_t nvis;
};

/*
 * Thread n messages into t (which is overwritten: release it first).
 * opts are enum model_thread_opt bits. Never fails; empty input gives an
 * empty model.
 */
void model_thread_build(struct model_thread *t,
    const struct model_thread_in *in, size_t n, unsigned opts);
void model_thread_release(struct model_thread *t);

/* The row shown at visible position v, or NULL past the end. */
const struct model_thread_row *model_thread_visible(
    const struct model_thread *t, size_t v);
/* Visible position of the message id, or -1 (also when hidden). */
int64_t model_thread_find(const struct model_thread *t, int64_t id);
/* Index in rows of the message id, or -1. */
int64_t model_thread_find_row(const struct model_thread *t, int64_t id);
/*
 * Collapse or expand the thread holding visible row v; returns the new
 * visible position of its root, or -1 when v is out of range. A thread
 * of one message does not collapse.
 */
int64_t model_thread_toggle(struct model_thread *t, size_t v);
/* Collapse every thread of more than one message (true) or expand all. */
void model_thread_collapse_all(struct model_thread *t, bool collapse);
/* Recompute the visible rows after setting rows' collapsed flags. */
void model_thread_refresh(struct model_thread *t);
/* Row of the root of the thread holding row r (r < n). */
size_t model_thread_root(const struct model_thread *t, size_t r);
/* True when some thread is collapsed. */
bool model_thread_any_collapsed(const struct model_thread *t);

/*
 * The tree drawn before the subject of row r (an index into rows), in
 * UTF-8 box drawing: "│ " or "  " per ancestor level, then "├─>" or
 * "└─>"; empty for a root. buf has MODEL_THREAD_PREFIX_MAX bytes.
 */
const char *model_thread_prefix(const struct model_thread *t, size_t r,
    char *buf);

#endif
