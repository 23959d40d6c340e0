/*
 * ui: the front end's entry point and main loop. Key and theme files are
 * read before the screen opens (a bad line is a FILE:LINE error and exit
 * code 2); then each turn of the loop redraws what is dirty (one doupdate),
 * waits for a key or a poll tick, and turns the key into an action through
 * the key map. Runs on the main thread, which owns curses.
 */
#include "ui.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define UI_INPUT_TIMEOUT_MS 1000
/* Wait for a key this long while background work is left. */
#define UI_BUSY_TIMEOUT_MS 20
#define UI_MIN_LINES 3
#define UI_MIN_COLS 20

struct ui_attr
ui_style(struct ui *ui, enum theme_style s)
{
	return ui->attr[s < STYLE_COUNT ? s : STYLE_NORMAL];
}

void
ui_dirty(struct ui *ui, unsigned flags)
{
	ui->dirty |= flags;
}

const struct ui_view_ops *
ui_top(struct ui *ui)
{
	return ui->depth > 0 ? ui->stack[ui->depth - 1] : NULL;
}

void
ui_push(struct ui *ui, const struct ui_view_ops *v)
{
	if (ui->depth == UI_STACK_MAX)
		ui_pop(ui);
	ui->stack[ui->depth++] = v;
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

/* Close the top view; the index at the bottom always stays. */
void
ui_pop(struct ui *ui)
{
	const struct ui_view_ops *v;

	if (ui->depth <= 1)
		return;
	v = ui->stack[--ui->depth];
	if (v->close != NULL)
		v->close(ui);
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

static void
ui_vmessage(struct ui *ui, bool error, const char *fmt, va_list ap)
{
	char *s = xvasprintf(fmt, ap), *safe;

	/* Messages may quote store errors, folder names and the like. */
	safe = util_sanitize(s, strlen(s), false, false);
	snprintf(ui->msg, sizeof(ui->msg), "%s", safe);
	ui->msg_error = error;
	free(safe);
	free(s);
	ui_dirty(ui, UI_DIRTY_MSG);
}

void
ui_message(struct ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ui_vmessage(ui, false, fmt, ap);
	va_end(ap);
}

void
ui_error(struct ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ui_vmessage(ui, true, fmt, ap);
	va_end(ap);
}

/* Key map and themes; everything that can fail before the screen opens. */
static int
ui_load_files(struct ui *ui, struct cachet_err *err)
{
	char *path;
	int rc;

	if ((rc = keymap_load(&ui->keys, CACHET_SRCDIR "/keys/default.keys",
	    err)) != 0)
		return rc;
	if (ui->args->keys_file != NULL &&
	    (rc = keymap_load(&ui->keys, ui->args->keys_file, err)) != 0)
		return rc;
	theme_init(&ui->theme);
	path = theme_path(ui->args->theme);
	rc = theme_load(&ui->theme, path, err);
	free(path);
	if (rc != 0)
		return rc;
	theme_init(&ui->mono);
	path = theme_path("mono");
	rc = theme_load(&ui->mono, path, err);
	free(path);
	return rc;
}

static void
ui_free_windows(struct ui *ui)
{
	WINDOW **w[] = {&ui->w_side, &ui->w_main, &ui->w_status, &ui->w_msg};
	size_t i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		if (*w[i] != NULL)
			delwin(*w[i]);
		*w[i] = NULL;
	}
}

static bool
ui_sidebar_visible(struct ui *ui)
{
	if (ui->sidebar == UI_SIDEBAR_AUTO)
		return COLS >= UI_SIDEBAR_MIN_COLS;
	return ui->sidebar == UI_SIDEBAR_SHOWN;
}

/* Windows for the current terminal size: sidebar | main, status, message. */
static void
ui_layout(struct ui *ui)
{
	int side = 0;

	ui_free_windows(ui);
	ui->main_h = ui->main_w = 0;
	if (LINES < UI_MIN_LINES || COLS < UI_MIN_COLS)
		return;
	if (ui_sidebar_visible(ui))
		side = COLS >= 120 ? 30 : COLS >= 60 ? 24 : COLS / 3;
	ui->main_h = LINES - 2;
	ui->main_w = COLS - side;
	if (side > 0)
		ui->w_side = newwin(ui->main_h, side, 0, 0);
	ui->w_main = newwin(ui->main_h, ui->main_w, 0, side);
	ui->w_status = newwin(1, COLS, LINES - 2, 0);
	ui->w_msg = newwin(1, COLS, LINES - 1, 0);
	if (ui->w_main == NULL || ui->w_status == NULL || ui->w_msg == NULL ||
	    (side > 0 && ui->w_side == NULL)) {
		ui_free_windows(ui);
		ui->main_h = ui->main_w = 0;
		return;
	}
	keypad(ui->w_msg, TRUE);
	wtimeout(ui->w_msg, UI_INPUT_TIMEOUT_MS);
	ui_dirty(ui, UI_DIRTY_ALL & ~UI_DIRTY_LAYOUT);
}

static void
ui_draw_too_small(void)
{
	werase(stdscr);
	mvwaddstr(stdscr, 0, 0, "terminal too small");
	wnoutrefresh(stdscr);
	doupdate();
}

static void
ui_refresh_data(struct ui *ui)
{
	size_t i;

	for (i = 0; i < ui->nacct; i++)
		account_refresh(ui, &ui->acct[i]);
	view_index_invalidate(ui);
	ui_dirty(ui, UI_DIRTY_SIDEBAR | UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

/* Draw everything dirty, then one doupdate. */
static void
ui_redraw(struct ui *ui)
{
	if (ui->dirty & UI_DIRTY_LAYOUT)
		ui_layout(ui);
	if (ui->w_main == NULL) {
		ui_draw_too_small();
		ui->dirty = 0;
		return;
	}
	if (ui->dirty & UI_DIRTY_DATA)
		ui_refresh_data(ui);
	if (ui->dirty & (UI_DIRTY_MAIN | UI_DIRTY_STATUS))
		view_index_sync(ui);
	if ((ui->dirty & UI_DIRTY_SIDEBAR) && ui->w_side != NULL) {
		view_folders_draw(ui, ui->w_side);
		wnoutrefresh(ui->w_side);
	}
	if (ui->dirty & UI_DIRTY_MAIN) {
		ui_top(ui)->draw(ui, ui->w_main);
		/* Completions of the prompt, over the view's last rows. */
		if (ui->prompt.active)
			prompt_menu_draw(ui, ui->w_main);
		wnoutrefresh(ui->w_main);
	}
	if (ui->dirty & UI_DIRTY_STATUS) {
		status_draw(ui, ui->w_status);
		wnoutrefresh(ui->w_status);
	}
	if (ui->dirty & UI_DIRTY_MSG)
		status_message_draw(ui, ui->w_msg);
	/* Last, so the cursor ends up in the prompt when there is one. */
	wnoutrefresh(ui->w_msg);
	curs_set(ui->prompt.active ? 1 : 0);
	doupdate();
	ui->dirty = 0;
}

static void
ui_folder_changed(struct ui *ui)
{
	while (ui->depth > 1)
		ui_pop(ui);
	view_index_reset(ui);
	ui_dirty(ui, UI_DIRTY_SIDEBAR | UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

/* Start writing or open the outbox; false for other actions. */
static bool
ui_compose_action(struct ui *ui, enum ui_action a)
{
	switch (a) {
	case UI_A_COMPOSE:
		compose_start_new(ui);
		return true;
	case UI_A_REPLY:
		compose_start_reply(ui, COMPOSE_REPLY);
		return true;
	case UI_A_REPLY_ALL:
		compose_start_reply(ui, COMPOSE_REPLY_ALL);
		return true;
	case UI_A_FORWARD:
		compose_start_reply(ui, COMPOSE_FORWARD_INLINE);
		return true;
	case UI_A_FORWARD_ATTACH:
		compose_start_reply(ui, COMPOSE_FORWARD_ATTACH);
		return true;
	case UI_A_RESUME_DRAFT:
		compose_start_draft(ui);
		return true;
	case UI_A_OUTBOX:
		view_outbox_open(ui);
		return true;
	default:
		return false;
	}
}

/* Leaving for another folder or quitting would drop the message. */
static bool
ui_compose_blocks(struct ui *ui, enum ui_action a)
{
	if (!ui->compose.active)
		return false;
	if (a != UI_A_QUIT && a != UI_A_NEXT_FOLDER &&
	    a != UI_A_PREV_FOLDER && a != UI_A_SEARCH &&
	    a != UI_A_SEARCH_SERVER)
		return false;
	ui_error(ui, "send, postpone or cancel the message first");
	return true;
}

/* Actions that belong to no view, or that the top view left alone. */
static void
ui_global_action(struct ui *ui, enum ui_action a)
{
	if (ui_compose_blocks(ui, a) || ui_compose_action(ui, a))
		return;
	switch (a) {
	case UI_A_QUIT:
		ui->quit = true;
		break;
	case UI_A_HELP:
		view_help_open(ui);
		break;
	case UI_A_REDRAW:
		clearok(curscr, TRUE);
		ui_dirty(ui, UI_DIRTY_ALL);
		break;
	case UI_A_SUSPEND:
		term_suspend();
		clearok(curscr, TRUE);
		ui_dirty(ui, UI_DIRTY_ALL);
		break;
	case UI_A_TOGGLE_SIDEBAR:
		ui->sidebar = ui_sidebar_visible(ui) ? UI_SIDEBAR_HIDDEN :
		    UI_SIDEBAR_SHOWN;
		ui_dirty(ui, UI_DIRTY_ALL);
		break;
	case UI_A_NEXT_FOLDER:
	case UI_A_PREV_FOLDER:
		if (account_move(ui, a == UI_A_NEXT_FOLDER ? 1 : -1))
			ui_folder_changed(ui);
		else
			ui_message(ui, a == UI_A_NEXT_FOLDER ?
			    "no next folder" : "no previous folder");
		break;
	case UI_A_SEARCH:
		prompt_start(ui, "Search: ", prompt_search_submit);
		break;
	case UI_A_SEARCH_SERVER:
		view_index_search_server(ui);
		break;
	case UI_A_OPEN_ATTACHMENT:
		/* The pager leaves it here: its parts are the pager's. */
		if (ui_top(ui) == &view_pager_ops)
			attach_open_start(ui);
		else
			ui_message(ui, "open a message first, then its "
			    "attachments");
		break;
	case UI_A_CLOSE:
		ui_pop(ui);
		break;
	case UI_A_KEY_LIST:
		view_keys_open(ui);
		break;
	default:
		ui_message(ui, "%s does not apply here",
		    keymap_action_name(a));
		break;
	}
}

static void
ui_key(struct ui *ui, int key)
{
	const struct ui_view_ops *v = ui_top(ui);
	enum ui_action a;
	char name[32];

	if (ui->prompt.active) {
		prompt_key(ui, key);
		return;
	}
	if (ui->msg[0] != '\0') {
		ui->msg[0] = '\0';
		ui_dirty(ui, UI_DIRTY_MSG);
	}
	a = keymap_lookup(&ui->keys, v->ctx, key);
	if (a == UI_A_NONE) {
		ui_message(ui, "%s is not bound; ? lists the keys",
		    keymap_key_name(key, name, sizeof(name)));
		return;
	}
	if (ui->w_main == NULL && a != UI_A_QUIT && a != UI_A_SUSPEND)
		return;
	if (v->action == NULL || !v->action(ui, a))
		ui_global_action(ui, a);
}

/* Now and then, look for changes another process (sync) made. */
static void
ui_poll(struct ui *ui)
{
	int64_t now = util_now_ms();
	bool changed = false;
	unsigned gen = 0;
	char sync[8];
	size_t i;

	if (now - ui->last_poll < UI_POLL_MS)
		return;
	ui->last_poll = now;
	for (i = 0; i < ui->nacct; i++)
		changed |= account_refresh(ui, &ui->acct[i]);
	mailcap_reap(ui);
	/*
	 * Workers changed the store, or their status line (sync, outbox
	 * submission) may have changed: show it.
	 */
	if (cmd_sync_status(sync, sizeof(sync), &gen)) {
		ui->sync_gen = gen;
		ui_dirty(ui, UI_DIRTY_STATUS);
	}
	/* The outbox view shows background submission as it goes. */
	if (ui_top(ui) == &view_outbox_ops)
		ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
	if (changed) {
		view_index_invalidate(ui);
		ui_dirty(ui, UI_DIRTY_SIDEBAR | UI_DIRTY_MAIN |
		    UI_DIRTY_STATUS);
		security_wake(ui);
	}
}

/*
 * Benchmark hooks, for tests/bench/ui.sh only, read from the environment
 * once: CACHET_UI_EXIT_AFTER_DRAW=1 quits once the first screen is drawn;
 * CACHET_UI_BENCH_KEYS feeds its bytes as keys, one per loop turn, then
 * quits, and with CACHET_UI_BENCH_LOG=FILE writes "KEY USEC" per key: the
 * time to act on it and draw the screen again.
 */
struct ui_bench {
	bool exit_after_draw;
	const char *keys;	/* left to feed; NULL: not benchmarking */
	FILE *log;
	int64_t t0;		/* when the last key was fed, 0: none */
	int key;
};

static int64_t
ui_bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
ui_bench_init(struct ui_bench *b)
{
	const char *e = getenv("CACHET_UI_EXIT_AFTER_DRAW");
	const char *log = getenv("CACHET_UI_BENCH_LOG");

	memset(b, 0, sizeof(*b));
	b->exit_after_draw = e != NULL && strcmp(e, "1") == 0;
	b->keys = getenv("CACHET_UI_BENCH_KEYS");
	if (b->keys != NULL && log != NULL && *log != '\0')
		b->log = fopen(log, "w");
}

/* After a redraw: log the last fed key, feed the next; false if idle. */
static bool
ui_bench_turn(struct ui *ui, struct ui_bench *b)
{
	if (b->exit_after_draw) {
		ui->quit = true;
		return true;
	}
	if (b->keys == NULL)
		return false;
	if (b->t0 != 0 && b->log != NULL)
		fprintf(b->log, "%d %lld\n", b->key,
		    (long long)(ui_bench_now_us() - b->t0));
	if (*b->keys == '\0') {
		ui->quit = true;
		return true;
	}
	b->key = (unsigned char)*b->keys++;
	b->t0 = ui_bench_now_us();
	ui_key(ui, b->key);
	return true;
}

static void
ui_loop(struct ui *ui)
{
	struct ui_bench bench;
	WINDOW *in;
	wint_t wc;
	int r;
	bool busy = true;

	ui_bench_init(&bench);
	while (!ui->quit && !term_should_quit()) {
		/* A thread build in the background: its end is looked for. */
		busy |= view_index_threads_poll(ui);
		ui_redraw(ui);
		if (ui_bench_turn(ui, &bench))
			continue;
		in = ui->w_msg != NULL ? ui->w_msg : stdscr;
		wtimeout(in, busy ? UI_BUSY_TIMEOUT_MS : UI_INPUT_TIMEOUT_MS);
		r = wget_wch(in, &wc);
		if (term_should_quit())
			break;
		if (r == ERR) {
			/* Idle: new mail's security status, bit by bit. */
			ui_poll(ui);
			busy = ui->w_main != NULL && security_idle(ui);
			/* Look for the server's answer often while waiting. */
			busy |= view_index_search_server_poll(ui);
			/* A WKD look-up in the background: its answer. */
			busy |= keyop_locate_poll(ui);
			continue;
		}
		if (r == KEY_CODE_YES && wc == KEY_RESIZE) {
			ui_dirty(ui, UI_DIRTY_ALL);
			continue;
		}
		ui_key(ui, keymap_normalise(r, wc));
		ui_poll(ui);
		view_index_search_server_poll(ui);
		busy |= keyop_locate_poll(ui);
	}
	if (bench.log != NULL)
		fclose(bench.log);
}

static void
ui_free(struct ui *ui)
{
	while (ui->depth > 1)
		ui_pop(ui);
	/* A message still being written (the UI was told to end). */
	if (ui->compose.active)
		compose_discard(ui);
	prompt_menu_clear(ui);
	view_index_search_server_stop(ui);
	view_index_threads_stop(ui);
	keyop_locate_stop(ui);
	mailcap_reap(ui);
	ui->depth = 0;
	view_pager_release(ui);
	view_index_release(ui);
	account_close_all(ui);
	keymap_release(&ui->keys);
}

static void
ui_start(struct ui *ui)
{
	const char *nc = getenv("NO_COLOR");
	bool color = has_colors() && (nc == NULL || *nc == '\0');

	theme_apply(color ? &ui->theme : &ui->mono, color, ui->attr);
	ui->stack[0] = &view_index_ops;
	ui->depth = 1;
	ui->last_poll = util_now_ms();
	passphrase_install(ui);
	if (ui->nacct == 0)
		ui_message(ui, "no accounts configured");
	ui_dirty(ui, UI_DIRTY_ALL);
	/* cachet mailto:...: straight to the compose screen. */
	if (ui->args->mailto != NULL)
		compose_start_mailto(ui, ui->args->mailto);
}

int
ui_run(const struct cmd_ui_args *args)
{
	struct ui ui;
	struct cachet_err err;
	int rc = CMD_EXIT_OK;

	setlocale(LC_ALL, "");
	memset(&ui, 0, sizeof(ui));
	ui.args = args;
	keymap_init(&ui.keys);
	view_index_init(&ui);
	if (ui_load_files(&ui, &err) != 0) {
		fprintf(stderr, "cachet: %s\n", err.msg);
		rc = CMD_EXIT_USAGE;
		goto out;
	}
	if (account_open_all(&ui, &err) != 0) {
		fprintf(stderr, "cachet: %s\n", err.msg);
		rc = CMD_EXIT_FAIL;
		goto out;
	}
	term_install();
	if (term_start(&err) != 0) {
		fprintf(stderr, "cachet: %s\n", err.msg);
		rc = CMD_EXIT_FAIL;
		goto out;
	}
	ui_start(&ui);
	ui_loop(&ui);
	ui_free_windows(&ui);
	term_end();
out:
	ui_free(&ui);
	return rc;
}
