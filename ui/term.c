/*
 * term: the terminal's life cycle. Curses starts and ends here; Ctrl-Z
 * suspends (endwin, then SIGTSTP with its default action, redraw on
 * return); SIGTERM, SIGHUP and SIGINT end the loop cleanly; fatal signals
 * and exit() restore the terminal before the process goes. SIGWINCH is
 * left to ncurses, which turns it into KEY_RESIZE. UI thread.
 */
#include "ui.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TERM_ESCDELAY_MS 25

static volatile sig_atomic_t term_quit;
static volatile sig_atomic_t term_active;
static SCREEN *term_screen;

static void
term_on_fatal(int sig)
{
	/* Not async-signal-safe, but the process is going anyway and a
	 * terminal left in raw mode is worse. */
	if (term_active)
		endwin();
	term_active = 0;
	raise(sig);
}

static void
term_on_quit(int sig)
{
	term_quit = 1;
}

static void
term_atexit(void)
{
	if (term_active && !isendwin())
		endwin();
	term_active = 0;
}

void
term_install(void)
{
	static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	static const int quit[] = {SIGTERM, SIGHUP, SIGINT};
	static bool done;
	struct sigaction sa;
	size_t i;

	if (done)
		return;
	done = true;
	atexit(term_atexit);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* Default action again inside the handler, so raise() ends us. */
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sa.sa_handler = term_on_fatal;
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	/* No SA_RESTART: a blocked read returns and the loop sees the flag. */
	sa.sa_flags = 0;
	sa.sa_handler = term_on_quit;
	for (i = 0; i < sizeof(quit) / sizeof(quit[0]); i++)
		sigaction(quit[i], &sa, NULL);
}

int
term_start(struct cachet_err *err)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cachet_err(err, CACHET_E_INVAL,
		    "the interactive interface needs a terminal");
	if ((term_screen = newterm(NULL, stdout, stdin)) == NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "cannot use the terminal (TERM=%s)",
		    getenv("TERM") ? getenv("TERM") : "");
	term_active = 1;
	set_escdelay(TERM_ESCDELAY_MS);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
	}
	/* stdscr is never drawn on; refresh it once so it stays clean. */
	wnoutrefresh(stdscr);
	return 0;
}

void
term_end(void)
{
	if (!term_active)
		return;
	endwin();
	term_active = 0;
	if (term_screen != NULL) {
		delscreen(term_screen);
		term_screen = NULL;
	}
}

void
term_suspend(void)
{
	struct sigaction sa, old;

	endwin();
	/* Stop with the default action, whoever handles SIGTSTP normally. */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTSTP, &sa, &old);
	raise(SIGTSTP);
	sigaction(SIGTSTP, &old, NULL);
	/* Back in the foreground: the caller redraws everything. */
}

bool
term_should_quit(void)
{
	return term_quit != 0;
}
