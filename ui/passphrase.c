/*
 * passphrase: the prompt the crypto engines call, through
 * cmd_set_passphrase_fn, when an operation started from the UI (signing a
 * message being sent, decrypting the message being opened) needs a key's
 * passphrase. The engine waits for the answer inside that operation, so
 * the prompt runs its own small input loop on the bottom line instead of
 * going through the main loop. What is typed is never drawn (one '*' per
 * character), kept only in the engine's buffer, and wiped when cancelled;
 * Esc cancels. UI thread.
 */
#include "ui.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* How the engine marks a second try after a wrong passphrase. */
#define PASSPHRASE_AGAIN "wrong passphrase; again: "
/* Characters at most (each is at least one byte of the engine's buffer). */
#define PASSPHRASE_CHARS 1024
/* Columns kept for the stars when the label is long. */
#define PASSPHRASE_ROOM 16
/* Wake up this often to notice a request to quit. */
#define PASSPHRASE_TICK_MS 500
#define PASSPHRASE_CTRL_U 0x15

/* What is typed: bytes in the engine's buffer, lengths per character. */
struct pass_input {
	char *buf;
	size_t size;
	size_t len;
	unsigned char clen[PASSPHRASE_CHARS];
	size_t nchars;
};

/* "Passphrase for KEY: ", saying so first when the last one was wrong. */
static char *
pass_label(const char *hint)
{
	size_t n = strlen(PASSPHRASE_AGAIN);
	bool again = hint != NULL && strncmp(hint, PASSPHRASE_AGAIN, n) == 0;
	const char *who = hint == NULL ? "" : again ? hint + n : hint;
	char *safe = util_sanitize(who, strlen(who), false, false), *label;

	label = xasprintf("%sPassphrase for %s (Esc cancels): ", again ?
	    "Wrong passphrase, try again. " : "", safe[0] != '\0' ? safe :
	    "the secret key");
	free(safe);
	return label;
}

static WINDOW *
pass_window(void)
{
	WINDOW *w;

	if (LINES < 1 || COLS < 1 || (w = newwin(1, COLS, LINES - 1, 0)) ==
	    NULL)
		return NULL;
	keypad(w, TRUE);
	wtimeout(w, PASSPHRASE_TICK_MS);
	return w;
}

/* The label, cut to leave room, then a star per character that fits. */
static void
pass_draw(struct ui *ui, WINDOW *w, const char *label, size_t nchars)
{
	struct ui_attr a = ui_style(ui, STYLE_PROMPT);
	int width = getmaxx(w), used, room;
	char stars[PASSPHRASE_ROOM * 8 + 1];
	size_t n;

	werase(w);
	used = draw_text(w, 0, 0, width > 2 * PASSPHRASE_ROOM ? width -
	    PASSPHRASE_ROOM : width / 2, label, a, false);
	room = width - used - 1;
	n = room > 0 ? (size_t)room : 0;
	if (n > nchars)
		n = nchars;
	if (n > sizeof(stars) - 1)
		n = sizeof(stars) - 1;
	memset(stars, '*', n);
	stars[n] = '\0';
	used += draw_text(w, 0, used, width - used, stars, a, false);
	draw_fill(w, 0, used, width - used, ui_style(ui, STYLE_NORMAL));
	wmove(w, 0, used < width ? used : width - 1);
	curs_set(1);
	wnoutrefresh(w);
	doupdate();
}

/* One typed character, in the locale's encoding; false when full. */
static bool
pass_add(struct pass_input *in, wchar_t wc)
{
	char mb[MB_LEN_MAX];
	mbstate_t ps;
	size_t m;
	bool ok = false;

	memset(&ps, 0, sizeof(ps));
	m = wcrtomb(mb, wc, &ps);
	if (m != (size_t)-1 && m > 0 && in->len + m < in->size &&
	    in->nchars < PASSPHRASE_CHARS) {
		memcpy(in->buf + in->len, mb, m);
		in->len += m;
		in->clen[in->nchars++] = (unsigned char)m;
		ok = true;
	}
	explicit_bzero(mb, sizeof(mb));
	return ok;
}

/* Act on one key: 1 done, -1 cancelled, 0 go on. */
static int
pass_key(struct pass_input *in, int key)
{
	if (key == KEYMAP_ESC)
		return -1;
	if (key == '\n')
		return 1;
	if (key == KEYMAP_FN(KEY_BACKSPACE)) {
		if (in->nchars > 0)
			in->len -= in->clen[--in->nchars];
	} else if (key == PASSPHRASE_CTRL_U) {
		in->len = in->nchars = 0;
	} else if ((key & KEYMAP_FN(0)) == 0 && key >= 0x20 && key != 0x7f &&
	    !pass_add(in, (wchar_t)key))
		beep();
	return 0;
}

/* Read until Enter (0) or Esc, a request to quit, no screen (-1). */
static int
pass_read(struct ui *ui, const char *label, struct pass_input *in)
{
	WINDOW *w = NULL;
	wint_t wc;
	int r, rc = 0;

	while (rc == 0) {
		if (w == NULL && (w = pass_window()) == NULL) {
			rc = -1;
			break;
		}
		pass_draw(ui, w, label, in->nchars);
		r = wget_wch(w, &wc);
		if (term_should_quit())
			rc = -1;
		else if (r == KEY_CODE_YES && wc == KEY_RESIZE) {
			delwin(w);
			w = NULL;
			ui_dirty(ui, UI_DIRTY_LAYOUT);
		} else if (r != ERR)
			rc = pass_key(in, keymap_normalise(r, wc));
	}
	if (w != NULL) {
		/* Nothing of the prompt stays while the engine works on. */
		werase(w);
		draw_text(w, 0, 0, getmaxx(w), rc > 0 ? "checking the "
		    "passphrase..." : "", ui_style(ui, STYLE_MESSAGE), false);
		curs_set(0);
		wnoutrefresh(w);
		doupdate();
		delwin(w);
	}
	return rc > 0 ? 0 : -1;
}

/* The crypto_passphrase_fn handed to cmd_set_passphrase_fn. */
static int
passphrase_ask(void *ctx, const char *hint, char *buf, size_t len)
{
	struct ui *ui = ctx;
	struct pass_input in;
	char *label;
	int rc;

	if (ui == NULL || buf == NULL || len == 0 || isendwin())
		return -1;
	memset(&in, 0, sizeof(in));
	in.buf = buf;
	in.size = len;
	label = pass_label(hint);
	rc = pass_read(ui, label, &in);
	free(label);
	if (rc == 0)
		buf[in.len] = '\0';
	else
		explicit_bzero(buf, len);
	explicit_bzero(&in, sizeof(in));
	/* Whatever the prompt covered is drawn again on the next turn. */
	ui_dirty(ui, UI_DIRTY_ALL);
	return rc;
}

void
passphrase_install(struct ui *ui)
{
	cmd_set_passphrase_fn(passphrase_ask, ui);
}
