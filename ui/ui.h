/*
 * ui: the ncurses front end. One thread owns curses and the UI state; keys
 * are looked up in the key map, give an action, the action changes state
 * and sets dirty flags, and the loop redraws what is dirty once per turn.
 *
 * Views (index, pager, help) are const ops structs on a stack; the folder
 * sidebar, the status line and the message line are drawn beside them.
 * Every string that comes from the store or a message is sanitised before
 * it is drawn, and cut and padded by display width, never by bytes.
 */
#ifndef CACHET_UI_H
#define CACHET_UI_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>

#include "cmd/cmd.h"
#include "compose/compose.h"
#include "crypto/crypto.h"
#include "model/model.h"
#include "store/store.h"
#include "util/util.h"

#ifndef CACHET_SRCDIR
#define CACHET_SRCDIR "."
#endif

struct ui;

/* The front end entry point handed to cmd_main. */
int ui_run(const struct cmd_ui_args *args);

/* --- keys and actions (keymap.c) --- */

/* Key map contexts: a view's own context wins over the global one. */
enum keymap_ctx {
	KEYMAP_GLOBAL,
	KEYMAP_INDEX,
	KEYMAP_PAGER,
	KEYMAP_HELP,
	KEYMAP_DETAILS,
	KEYMAP_COMPOSE,
	KEYMAP_OUTBOX,
	KEYMAP_PICKER,
	KEYMAP_KEYS,
	KEYMAP_NCTX,
};

enum ui_action {
	UI_A_NONE = 0,
	UI_A_NEXT_MESSAGE,
	UI_A_PREV_MESSAGE,
	UI_A_LINE_DOWN,
	UI_A_LINE_UP,
	UI_A_PAGE_DOWN,
	UI_A_PAGE_UP,
	UI_A_FIRST,
	UI_A_LAST,
	UI_A_OPEN,
	UI_A_CLOSE,
	UI_A_NEXT_FOLDER,
	UI_A_PREV_FOLDER,
	UI_A_TOGGLE_SIDEBAR,
	UI_A_TOGGLE_READ,
	UI_A_TOGGLE_FLAG,
	UI_A_DELETE,
	UI_A_NEXT_UNREAD,
	UI_A_SEARCH,
	UI_A_SORT_CYCLE,
	UI_A_HELP,
	UI_A_QUIT,
	UI_A_REDRAW,
	UI_A_SUSPEND,
	UI_A_SECURITY_DETAILS,
	UI_A_DECRYPT_NESTED,
	UI_A_KEY_LIST,
	UI_A_TOGGLE_THREADS,
	UI_A_TOGGLE_COLLAPSE,
	UI_A_COLLAPSE_ALL,
	UI_A_SAVE_ATTACHMENT,
	UI_A_MOVE,
	UI_A_COPY,
	UI_A_UNDO,
	UI_A_COMPOSE,
	UI_A_REPLY,
	UI_A_REPLY_ALL,
	UI_A_FORWARD,
	UI_A_FORWARD_ATTACH,
	UI_A_RESUME_DRAFT,
	UI_A_OUTBOX,
	UI_A_SEND,
	UI_A_POSTPONE,
	UI_A_EDIT,
	UI_A_CANCEL,
	UI_A_ATTACH,
	UI_A_DETACH,
	UI_A_RENAME_ATTACHMENT,
	UI_A_TOGGLE_SIGN,
	UI_A_TOGGLE_ENCRYPT,
	UI_A_CYCLE_PROTOCOL,
	UI_A_CHOOSE_KEY,
	UI_A_RETRY,
	UI_A_SEND_NOW,
	UI_A_EDIT_TO,
	UI_A_EDIT_CC,
	UI_A_EDIT_BCC,
	UI_A_EDIT_SUBJECT,
	UI_A_OPEN_ATTACHMENT,
	UI_A_SEARCH_SERVER,
	UI_A_IMPORT_KEYS,
	UI_A_SET_TRUST,
	UI_A_LOCATE_KEY,
	UI_A_COUNT,
};

/*
 * Keys are a wide character, or a curses function key code marked with
 * KEYMAP_FN. Input is normalised: carriage return and KEY_ENTER become
 * '\n', DEL and ^H become KEYMAP_FN(KEY_BACKSPACE).
 */
#define KEYMAP_FN(k) (0x40000000 | (k))
#define KEYMAP_ESC 27

struct keymap_binding {
	enum keymap_ctx ctx;
	int key;
	enum ui_action action;
};

struct keymap {
	struct keymap_binding *b;
	size_t n;
	size_t cap;
};

void keymap_init(struct keymap *km);
void keymap_release(struct keymap *km);
/*
 * Read a key file into km (later lines override earlier bindings; action
 * "none" removes one). Errors are "FILE:LINE: problem" (CACHET_E_CONFIG),
 * or why the file could not be read.
 */
int keymap_load(struct keymap *km, const char *path, struct cachet_err *err);
/* The action bound to key in ctx, falling back to the global context. */
enum ui_action keymap_lookup(const struct keymap *km, enum keymap_ctx ctx,
    int key);
/* The key normalised as keymap_lookup expects it (see KEYMAP_FN). */
int keymap_normalise(int ret, wint_t wc);
/* "<PageDown>", "j", "<C-x>" into buf (size >= 16). */
const char *keymap_key_name(int key, char *buf, size_t size);
const char *keymap_ctx_name(enum keymap_ctx ctx);
const char *keymap_action_name(enum ui_action a);
const char *keymap_action_help(enum ui_action a);

/* --- themes (theme.c) --- */

enum theme_style {
	STYLE_NORMAL,
	STYLE_INDEX,
	STYLE_INDEX_UNREAD,
	STYLE_INDEX_FLAGGED,
	STYLE_INDEX_DELETED,
	STYLE_INDEX_SELECTED,
	STYLE_INDEX_SECURITY,
	STYLE_SIDEBAR,
	STYLE_SIDEBAR_ACCOUNT,
	STYLE_SIDEBAR_SELECTED,
	STYLE_SIDEBAR_UNREAD,
	STYLE_STATUS,
	STYLE_PAGER_HEADER,
	STYLE_PAGER_BODY,
	STYLE_PAGER_QUOTE,
	STYLE_PAGER_SIGNATURE,
	STYLE_PAGER_ATTACHMENT,
	STYLE_PAGER_NOTICE,
	STYLE_HELP_HEADING,
	STYLE_HELP_KEY,
	STYLE_MESSAGE,
	STYLE_ERROR,
	STYLE_PROMPT,
	STYLE_SEC_GOOD,
	STYLE_SEC_PARTIAL,
	STYLE_SEC_BAD,
	STYLE_SEC_ENCRYPTED,
	STYLE_SEC_PENDING,
	STYLE_BANNER_GOOD,
	STYLE_BANNER_PARTIAL,
	STYLE_BANNER_BAD,
	STYLE_BANNER_NEUTRAL,
	STYLE_COUNT,
};

struct theme_def {
	short fg, bg;		/* -1 is the terminal default */
	attr_t attrs;
};

struct theme {
	struct theme_def s[STYLE_COUNT];
};

/* Resolved for drawing. */
struct ui_attr {
	attr_t attr;
	short pair;
};

/* Built-in attribute-only defaults, then the file's lines on top. */
void theme_init(struct theme *t);
int theme_load(struct theme *t, const char *path, struct cachet_err *err);
/* Path of a theme given by name ("default") or path; owned. */
char *theme_path(const char *name);
/* Set up colour pairs (when color) and fill out[STYLE_COUNT]. */
void theme_apply(const struct theme *t, bool color, struct ui_attr *out);
const char *theme_style_name(enum theme_style s);

/* --- drawing helpers (draw.c) --- */

/*
 * UTF-8 (in the locale's encoding) to wide characters: undecodable bytes
 * and characters that are not printable become '?', tabs are expanded to
 * the next multiple of 8 columns. *len gets the length. Owned.
 */
wchar_t *draw_wcs(const char *s, size_t *len);
/* Display width of n wide characters as draw_wcs returns them. */
int draw_wwidth(const wchar_t *w, size_t n);
/*
 * Draw s at (y, x) in at most width columns, padding with spaces in the
 * same attribute when pad. Returns the columns drawn.
 */
int draw_text(WINDOW *w, int y, int x, int width, const char *s,
    struct ui_attr a, bool pad);
int draw_wtext(WINDOW *w, int y, int x, int width, const wchar_t *s,
    size_t n, struct ui_attr a, bool pad);
int draw_text_width(const char *s);
/* Number of wide characters of s (n) that fit in width columns. */
size_t draw_wfit(const wchar_t *s, size_t n, int width, int *used);
void draw_fill(WINDOW *w, int y, int x, int width, struct ui_attr a);
/* "14:05", "Nov 28" or "2023-11-28" relative to now. */
void draw_date(char *buf, size_t size, int64_t t, int64_t now);
/* "512", "1.2K", "34K", "2.1M". */
void draw_size(char *buf, size_t size, uint64_t n);
/* The display part of an address list: the first name, or the address. */
char *draw_from_name(const char *from);
/* Where a line of n characters breaks: the characters of its first row. */
size_t draw_break(const wchar_t *s, size_t n, int width);
struct pager_line;
/*
 * Wrap lines to width, breaking at spaces where possible; the rows point
 * into the sources' text. Owned array, *nrows rows.
 */
struct pager_line *draw_wrap(const struct pager_line *src, size_t n,
    int width, size_t *nrows);

/* --- accounts and folders (account.c) --- */

struct ui_account {
	char *name;			/* sanitised */
	struct store *st;
	struct store_folder *folders;
	size_t nfolders;
	char **labels;			/* per folder: decoded, sanitised,
					 * indented by depth */
};

int account_open_all(struct ui *ui, struct cachet_err *err);
void account_close_all(struct ui *ui);
/* Re-read folder lists and counts; true when anything changed. */
bool account_refresh(struct ui *ui, struct ui_account *a);
struct ui_account *account_current(struct ui *ui);
const struct store_folder *account_folder(struct ui *ui);
const char *account_folder_label(struct ui *ui);
/* Move to the next (dir 1) or previous (-1) folder across accounts. */
bool account_move(struct ui *ui, int dir);

/* --- views --- */

struct ui_view_ops {
	const char *name;
	enum keymap_ctx ctx;
	void (*draw)(struct ui *ui, WINDOW *w);
	/* Run an action; false when this view does not handle it. */
	bool (*action)(struct ui *ui, enum ui_action a);
	/* The view's part of the status line. */
	void (*status)(struct ui *ui, struct buf *b);
	void (*close)(struct ui *ui);
};

/*
 * Scroll a text view's top line for the movement actions (line, page,
 * first, last) with a page of the main area's height; true when `a` was
 * one of them and the view is marked dirty (draw.c).
 */
bool ui_scroll_action(struct ui *ui, enum ui_action a, size_t *top,
    size_t nrows);

extern const struct ui_view_ops view_index_ops;
extern const struct ui_view_ops view_pager_ops;
extern const struct ui_view_ops view_help_ops;
extern const struct ui_view_ops view_details_ops;
extern const struct ui_view_ops view_keys_ops;
extern const struct ui_view_ops view_compose_ops;
extern const struct ui_view_ops view_outbox_ops;
extern const struct ui_view_ops view_keypick_ops;

struct ui_thread_job;

/* The message index of the current folder or of a search. */
struct ui_index {
	uint32_t total;
	uint32_t unread;
	uint32_t sel;
	uint32_t top;
	bool counts_valid;
	enum store_sort sort;
	/* The rows on screen: [rows_top, rows_top + nrows). */
	struct store_msg *rows;
	size_t nrows;
	uint32_t rows_top;
	int rows_h;
	bool rows_valid;
	int64_t keep_id;		/* follow this message after a change */
	/* A search is a virtual folder made of the result ids. */
	bool searching;
	char *query;			/* sanitised, for display */
	int64_t *ids;
	size_t nids;
	uint32_t saved_sel;		/* the folder's place before a search */
	uint32_t saved_top;
	/* Thread order (sort STORE_SORT_THREAD in view_index.c). */
	bool threaded;
	bool threads_valid;
	struct model_thread threads;
	int64_t threads_folder;		/* what the model was built from */
	struct store_thread_stamp threads_stamp;
	/*
	 * Thread order asked for while its model is built in the background:
	 * the flat order is shown until the build is done.
	 */
	bool threading;
	struct ui_thread_job *job;	/* the build running, or NULL */
};

void view_index_init(struct ui *ui);
void view_index_release(struct ui *ui);
/* Counts, selection clamping and the visible rows, before drawing. */
void view_index_sync(struct ui *ui);
/* The selected message (after view_index_sync), or NULL. */
const struct store_msg *view_index_current(struct ui *ui);
/* Forget cached rows and counts (the folder changed or data did). */
void view_index_invalidate(struct ui *ui);
/* Reset to the top of a newly chosen folder, leaving any search. */
void view_index_reset(struct ui *ui);
void view_index_set_search(struct ui *ui, const char *query, int64_t *ids,
    size_t n);
void view_index_end_search(struct ui *ui);
/* Move the selection; false at an end. */
bool view_index_move(struct ui *ui, int64_t delta);
bool view_index_next_unread(struct ui *ui);
/* The message was deleted: drop it from a search's results. */
void view_index_forget(struct ui *ui, int64_t id);
/*
 * Thread order (view_index_threads.c): build the model of the current
 * folder when it is missing or messages came or went since, keeping the
 * threads that were collapsed. A rebuild runs in the background (see
 * below) while the tree shown stays; built here and now only when no
 * thread can be started.
 */
void view_index_threads(struct ui *ui);
/* Collapse or expand the selected thread, or all (toggle-collapse/all). */
void view_index_collapse(struct ui *ui, bool all);
/*
 * A build of a folder's threads runs on its own thread with its own
 * store connection, one at a time. _want switches to thread order: at
 * once when the model is there, else it starts the first build and the
 * flat order stays until _poll, called on every loop turn, sees it done
 * (true while one runs); _poll also puts a finished rebuild in place.
 * _cancel goes back to the flat order (a build left running is kept for
 * next time if its folder is still shown). _stop waits for a build
 * still running (the UI is closing).
 */
void view_index_threads_want(struct ui *ui);
void view_index_threads_cancel(struct ui *ui);
bool view_index_threads_poll(struct ui *ui);
void view_index_threads_stop(struct ui *ui);

/*
 * Server search of the current folder (view_index_server.c): _search_server
 * asks for the text and starts it in the background (or says why not:
 * offline, the demo); _poll, on every loop turn, shows the matches as a
 * virtual folder once the server answered and returns true while it has
 * not; _stop drops a search still running (the UI is closing).
 */
struct ui_srvsearch {
	bool pending;
	size_t acct;			/* where it was started */
	int64_t folder_id;
};

void view_index_search_server(struct ui *ui);
bool view_index_search_server_poll(struct ui *ui);
void view_index_search_server_stop(struct ui *ui);

struct pager_line {
	wchar_t *text;
	size_t len;
	enum theme_style style;
	bool mark;		/* drawn with the "protected" marker */
};

/*
 * The pager's security banner: what the UI says about the message's
 * signatures and encryption, built from the status (never from message
 * text) and drawn on reserved rows above the message area.
 */
struct banner {
	enum theme_style style;		/* STYLE_BANNER_* */
	char *text;			/* "VERDICT  details", sanitised */
};

struct ui_pager {
	int64_t msg_id;
	struct store_msg msg;		/* the envelope, for actions */
	struct pager_line *src;		/* unwrapped lines */
	size_t nsrc;
	size_t src_cap;
	struct pager_line *lines;	/* wrapped to `width` */
	size_t nlines;
	int width;
	size_t top;
	struct crypto_status sec;	/* meaningful when has_sec */
	bool has_sec;
	char *sec_error;		/* why there is no status, or NULL */
	bool decrypt_nested;		/* the user asked for inner parts */
	bool secret;			/* the text came from decryption */
	struct banner banner;
};

/* Open the message in the pager (pushing it); false on error. */
bool view_pager_open(struct ui *ui, const struct store_msg *m);
void view_pager_release(struct ui *ui);

/* --- the security banner (banner.c) --- */

/* Text rows of the banner at most (its closing rule comes below). */
#define BANNER_MAX_TEXT_ROWS 3

/* Build from a status, or from the reason there is none (st NULL). */
void banner_build(struct banner *b, const struct crypto_status *st,
    const char *error);
void banner_release(struct banner *b);
/* Rows banner_draw will use in a window of this size. */
int banner_height(const struct banner *b, int width, int h);
/* Draw on rows [0, banner_height); returns that height. */
int banner_draw(struct ui *ui, WINDOW *w, const struct banner *b);

/* --- security status in the index and in the background (security.c) --- */

/* How a status is shown: the index cell and the banner agree on it. */
enum security_level {
	SECURITY_NONE,		/* claims nothing */
	SECURITY_GOOD,		/* signed, all shown covered, no caveat */
	SECURITY_PARTIAL,	/* partly signed, or signed with a caveat */
	SECURITY_BAD,		/* a problem: never shown as signed */
};

enum security_level security_level(int verdict, unsigned flags);

/*
 * The index's two-cell security column for m: out gets two characters
 * and a NUL; the return is the style of the first. A row whose cached
 * status was computed under another key state than key (from
 * cmd_secstat_key) is pending ("?").
 */
enum theme_style security_cell(const struct store_msg *m, const char *key,
    char out[3]);
/*
 * Background work on an idle turn: compute the status of new mail of the
 * current account, a message at a time, stopping after a small time budget
 * or as soon as a key is waiting. Returns true when more may be waiting.
 */
bool security_idle(struct ui *ui);
/* The store changed: look for stale statuses on the next idle turn. */
void security_wake(struct ui *ui);

/* --- security details view (view_details.c) --- */

/* The report as text lines, wrapped to the window when drawn. */
struct ui_details {
	struct pager_line *src;
	size_t nsrc;
	struct pager_line *rows;	/* point into src */
	size_t nrows;
	int width;
	size_t top;
};

/*
 * Open the details of a computed status (st) or the reason there is none
 * (error); subject is the message's subject line, for the heading.
 */
void view_details_open(struct ui *ui, const struct crypto_status *st,
    const char *error, const char *subject);
/* Compute the status of the selected index message and show its details. */
void view_details_open_msg(struct ui *ui, const struct store_msg *m);

/* --- keys and certificates (view_keys.c) --- */

struct ui_keys {
	struct crypto_key *keys;	/* OpenPGP, then X.509 */
	size_t n;
	size_t sel;
	size_t top;
	char *warn;			/* an engine that could not list */
};

/* List the keys of the configured engines and show them. */
void view_keys_open(struct ui *ui);
/* List them again, keeping the selected key selected (it changed). */
void view_keys_reload(struct ui *ui);

struct keyop_wkd_job;

/*
 * Key management from the UI (keyop.c): import-keys in the pager (the
 * keys the open message carries), set-trust and locate-key (WKD, on
 * request) in the key view. Adding a key for an address that has another
 * one asks first; ultimate trust asks first. The state between a
 * question and its answer:
 */
struct ui_keyop {
	int kind;			/* KEYOP_* in keyop.c */
	int64_t msg_id;			/* import: the pager's message */
	char fpr[72];			/* set-trust: the key */
	char addr[256];			/* locate: the address */
	char label[320];		/* the question on the prompt */
	struct keyop_wkd_job *wkd;	/* the WKD look-up running, or NULL */
};

void keyop_import_start(struct ui *ui);
void keyop_trust_start(struct ui *ui);
void keyop_locate_start(struct ui *ui);
/*
 * The WKD look-up runs on a thread of its own: _poll, on every loop
 * turn, reports its end (or asks about a conflict) and returns true while
 * it runs; _stop waits for one still running (the UI is closing and the
 * terminal was given back).
 */
bool keyop_locate_poll(struct ui *ui);
void keyop_locate_stop(struct ui *ui);

void view_folders_draw(struct ui *ui, WINDOW *w);

/* Help: lines built from the key map when the view opens. */
void view_help_open(struct ui *ui);

/* --- message operations (msgop.c) --- */

int msgop_flags(struct ui *ui, const struct store_msg *m, uint32_t add,
    uint32_t del);
int msgop_toggle(struct ui *ui, const struct store_msg *m, uint32_t flag);
int msgop_delete(struct ui *ui, const struct store_msg *m);
/* Ask for a folder and queue a move (copy false) or copy of m there. */
void msgop_move_start(struct ui *ui, const struct store_msg *m, bool copy);
/* Take back this session's last delete or move while it is pending. */
void msgop_undo(struct ui *ui);

/* What msgop remembers between a prompt and its answer, and for undo. */
struct ui_msgop {
	int64_t msg_id;			/* the message the prompt is about */
	int64_t folder_id;
	uint32_t uid;
	bool copy;
	size_t undo_acct;		/* the account of undo_op */
	int64_t undo_op;		/* 0: nothing to undo */
	int64_t undo_msg;
};

/* --- saving attachments (attach.c) --- */

struct ui_save {
	int64_t msg_id;
	int part;			/* leaf index (mime_part.index) */
	bool open;			/* open with mailcap, not save */
	char label[64];			/* "Save part [n] to: " */
	char path[4096];		/* waiting for "overwrite?" */
};

/* Ask which part of the pager's message to save, and where. */
void attach_save_start(struct ui *ui);
/* Ask which part to open, and open it with its mailcap viewer. */
void attach_open_start(struct ui *ui);
/*
 * Show a viewer's output (len bytes, sanitised line by line) in a text
 * view headed with the part's type; note, when not NULL, ends it.
 */
void attach_output_show(struct ui *ui, const char *type, const char *out,
    size_t len, const char *note);

/* --- viewing attachments with mailcap (mailcap.c) --- */

/*
 * Open data (a decoded part of type `type`, file name `name` as the
 * message gives it, may be NULL) with the first matching viewer of the
 * mailcap files: $CACHET_MAILCAP (a colon-separated list), else
 * ~/.mailcap and /etc/mailcap. The data goes to a new file in a private
 * directory, named by cachet ("attachment", plus the extension of the
 * message's name when that is letters and digits), and only that path is
 * ever put in the command;
 * entries asking for other message text (%{...}, %n, %F) are passed
 * over, and so are entries whose test= command fails. needsterminal
 * gives the terminal to the viewer; copiousoutput shows its output in a
 * text view; any other viewer runs in the background. The file goes when
 * the viewer ends.
 */
void mailcap_open(struct ui *ui, const char *type, const char *name,
    const char *data, size_t len);
/* Reap background viewers that ended (their files are gone already). */
void mailcap_reap(struct ui *ui);

/* --- writing mail (compose*.c, view_compose.c) --- */

/* One row of the compose screen, sanitised for drawing. */
struct compose_row {
	char *text;
	enum theme_style style;
	int kind;			/* COMPOSE_ROW_* */
	size_t idx;			/* attachment or key status index */
};

enum {
	COMPOSE_ROW_TEXT,
	COMPOSE_ROW_ATT,
	COMPOSE_ROW_KEY,
};

struct ui_compose {
	bool active;			/* a message is being written */
	struct compose_msg msg;
	size_t acct;			/* the account it is written from */
	bool is_new;			/* not a reply, forward or draft */
	bool shown;			/* the compose screen was reached */
	int64_t draft_id;		/* the resumed draft (Drafts), or 0 */
	int64_t draft_folder;
	uint32_t draft_uid;
	char *path;			/* the editor file while it exists */
	char *orig;			/* the text first written to it */
	/* Per-recipient key status, recomputed when stale. */
	struct compose_keystat *ks;
	size_t nks;
	enum compose_proto auto_proto;
	char *ks_error;
	bool ks_stale;
	/* The screen's rows, rebuilt when stale. */
	struct compose_row *rows;
	size_t nrows;
	bool rows_stale;
	size_t sel;			/* selected row (ATT or KEY), or -1 */
	size_t top;
	int confirm;			/* send: the next safety question */
	enum ui_action field;		/* the header edited on the prompt */
};

/* Start writing: new message, reply, forward or resumed draft. */
void compose_start_new(struct ui *ui);
void compose_start_reply(struct ui *ui, enum compose_reply_mode mode);
void compose_start_draft(struct ui *ui);
/* True (after saying so) when a message is being written already. */
bool compose_busy(struct ui *ui);
/* Send, postpone, cancel (asking first) from the compose screen. */
void compose_send(struct ui *ui);
void compose_postpone(struct ui *ui);
void compose_cancel(struct ui *ui);
/* Forget the message (wiped), its editor file and the screen. */
void compose_discard(struct ui *ui);
/* The message changed: key status and rows are redone on next draw. */
void compose_changed(struct ui *ui);

/*
 * Run the editor on the message (compose_edit.c): write the editor file,
 * leave curses, run $VISUAL/$EDITOR (vi), come back and parse the file.
 * Shows the compose screen on success; asks to edit again on a parse
 * error; an unchanged file of a new message cancels it.
 */
void compose_edit(struct ui *ui);
/* Remove the editor file, overwriting it first. */
void compose_edit_cleanup(struct ui *ui);

/* The compose screen (view_compose.c). */
void view_compose_show(struct ui *ui);
void view_compose_release_rows(struct ui *ui);
/* The selected row's attachment or key status index ((size_t)-1: none). */
size_t view_compose_selected(struct ui *ui, int kind);
/* Attachments from the compose screen (compose_att.c). */
void compose_att_add(struct ui *ui);
void compose_att_remove(struct ui *ui);
void compose_att_rename(struct ui *ui);
/*
 * Edit To, Cc, Bcc (Tab completes the address being typed) or Subject in
 * place on the prompt (compose_hdr.c); field is UI_A_EDIT_TO and so on.
 */
void compose_hdr_edit(struct ui *ui, enum ui_action field);
/* Start writing from a mailto: URI (cachet mailto:...); shows every header. */
void compose_start_mailto(struct ui *ui, const char *uri);

/* The key picker (view_keypick.c): the candidates for one recipient. */
struct ui_keypick {
	struct crypto_key *keys;
	size_t n;
	size_t sel;
	size_t top;
	char *addr;
	enum compose_proto proto;
	char *warn;
};

void view_keypick_open(struct ui *ui, const char *addr,
    enum compose_proto proto);

/* --- the outbox (view_outbox.c) --- */

struct ui_outbox {
	struct store_outbox *e;
	size_t n;
	size_t sel;
	size_t top;
	size_t acct;
	int64_t del_id;			/* waiting for "delete?" */
	char *error;			/* why the list could not be read */
};

void view_outbox_open(struct ui *ui);

/* --- the bottom-line prompt (prompt.c) --- */

#define PROMPT_MAX 256

struct ui_prompt {
	bool active;
	const char *label;
	wchar_t text[PROMPT_MAX];
	size_t len;
	size_t cur;
	bool onekey;		/* the first printable key answers */
	void (*submit)(struct ui *ui, const char *text);
	void (*complete)(struct ui *ui);	/* Tab, or NULL */
	/*
	 * A list of completions shown above the prompt (prompt_menu.c):
	 * Tab and S-Tab put the next or previous one in place of the word
	 * at [menu_from, cursor); past either end the word as typed comes
	 * back. Any other key closes the list and acts as usual.
	 */
	bool menu_shown;
	char *menu_title;		/* sanitised, owned */
	char **menu;			/* sanitised candidates, owned */
	size_t nmenu;
	size_t menu_sel;		/* nmenu: the word as typed */
	size_t menu_from;
	wchar_t menu_orig[PROMPT_MAX];	/* the word as typed */
	size_t menu_orig_len;
};

void prompt_start(struct ui *ui, const char *label,
    void (*submit)(struct ui *ui, const char *text));
void prompt_key(struct ui *ui, int key);
/* Replace the text being edited (UTF-8), cursor at the end. */
void prompt_set_text(struct ui *ui, const char *text);
/* The text being edited as UTF-8 into buf; false if it cannot be. */
bool prompt_get_text(struct ui *ui, char *buf, size_t size);
void prompt_draw(struct ui *ui, WINDOW *w);
/*
 * Replace the text from wide character `from` to the cursor with text
 * (UTF-8), cursor after it; false (nothing changed) when it does not fit.
 */
bool prompt_replace(struct ui *ui, size_t from, const char *text);
/*
 * Show completions (prompt_menu.c): takes the candidates (owned, freed
 * with the list; n may be 0 to show only the title); from is where the
 * word being completed starts. Drawn at the bottom of the main window.
 */
void prompt_menu_set(struct ui *ui, const char *title, char **cands,
    size_t n, size_t from);
void prompt_menu_clear(struct ui *ui);
/* Tab, S-Tab and Esc while the list is shown; false for other keys. */
bool prompt_menu_key(struct ui *ui, int key);
void prompt_menu_draw(struct ui *ui, WINDOW *w);
/* The search prompt's submit: runs the FTS search, shows the results. */
void prompt_search_submit(struct ui *ui, const char *text);

/* Engines ask for passphrases on the bottom line (passphrase.c). */
void passphrase_install(struct ui *ui);

/* --- status and message lines (status.c) --- */

void status_draw(struct ui *ui, WINDOW *w);
void status_message_draw(struct ui *ui, WINDOW *w);

/* --- terminal (term.c) --- */

void term_install(void);
int term_start(struct cachet_err *err);
void term_end(void);
void term_suspend(void);
/* True once SIGTERM, SIGHUP or SIGINT asked the UI to end. */
bool term_should_quit(void);

/* --- the UI state and loop (ui.c) --- */

enum ui_dirty {
	UI_DIRTY_SIDEBAR = 1 << 0,
	UI_DIRTY_MAIN = 1 << 1,
	UI_DIRTY_STATUS = 1 << 2,
	UI_DIRTY_MSG = 1 << 3,
	UI_DIRTY_DATA = 1 << 4,		/* counts and rows must be re-read */
	UI_DIRTY_LAYOUT = 1 << 5,	/* windows must be rebuilt */
	UI_DIRTY_ALL = 0x3f,
};

enum ui_sidebar {
	UI_SIDEBAR_AUTO,	/* shown when COLS >= UI_SIDEBAR_MIN_COLS */
	UI_SIDEBAR_SHOWN,
	UI_SIDEBAR_HIDDEN,
};

#define UI_SIDEBAR_MIN_COLS 100
#define UI_STACK_MAX 6
#define UI_POLL_MS 5000

struct ui {
	const struct cmd_ui_args *args;
	struct ui_account *acct;
	size_t nacct;
	size_t cur_acct;
	size_t cur_folder;		/* index in acct[cur_acct].folders */

	struct keymap keys;
	struct theme theme;
	struct theme mono;
	struct ui_attr attr[STYLE_COUNT];

	const struct ui_view_ops *stack[UI_STACK_MAX];
	int depth;
	struct ui_index idx;
	struct ui_pager pager;
	struct pager_line *help;
	size_t nhelp;
	size_t help_top;
	struct ui_details details;
	struct ui_keys keylist;
	struct ui_prompt prompt;
	struct ui_msgop op;
	struct ui_save save;
	struct ui_details mcout;	/* a viewer's output (mailcap.c) */
	struct ui_srvsearch srv;	/* server search in progress */
	struct ui_compose compose;
	struct ui_keypick keypick;
	struct ui_outbox outbox;
	struct ui_keyop keyop;

	char msg[256];
	bool msg_error;

	WINDOW *w_side;
	WINDOW *w_main;
	WINDOW *w_status;
	WINDOW *w_msg;
	int main_h;
	int main_w;
	enum ui_sidebar sidebar;
	unsigned dirty;
	bool quit;
	unsigned sync_gen;	/* cmd_sync_status generation shown */
	int64_t last_poll;
	int64_t sec_next;		/* next idle look for stale statuses */
	bool sec_failed;		/* background work reported an error */
};

struct ui_attr ui_style(struct ui *ui, enum theme_style s);
void ui_push(struct ui *ui, const struct ui_view_ops *v);
void ui_pop(struct ui *ui);
const struct ui_view_ops *ui_top(struct ui *ui);
void ui_dirty(struct ui *ui, unsigned flags);
/* Show a one-line note (or error) on the message line. */
void ui_message(struct ui *ui, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ui_error(struct ui *ui, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
