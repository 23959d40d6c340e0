/*
 * cmd_ttypass: the passphrase prompt of the command-line commands (`cachet
 * send`, `outbox send`, `sync` submitting the outbox: whatever signs,
 * encrypts or decrypts through cmd_crypto_ctx's engines), the terminal's
 * counterpart of the UI's. It asks on the controlling terminal
 * (/dev/tty), so that it works with the message on stdin and the output
 * redirected, and refuses at once when there is none (cron, a mail
 * filter, CI), saying so on stderr: nothing waits for an answer that
 * cannot come.
 * Echo is off while the line is read; the terminal is put back however
 * the read ends. SIGINT, SIGTERM, SIGHUP and SIGQUIT during the read put
 * it back and are raised again with the handler the command had (the
 * process dies, or `cachet sync` stops, as without the prompt; the
 * answer is a refusal); SIGTSTP puts it back, stops, and asks again once
 * continued. The passphrase goes straight into the engine's buffer,
 * which is wiped when the answer is a refusal; it is never echoed,
 * logged or copied.
 * Runs on the main thread: the command line runs one command on it, and
 * the signal handling assumes no other thread reads the terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"

/* How the engine marks a second try after a wrong passphrase. */
#define TTYPASS_WRONG "wrong passphrase; again: "
/* Look at the signal flag this often while waiting for a key. */
#define TTYPASS_TICK_MS 250

/* How reading one line ended. */
enum ttypass_end {
	TTYPASS_LINE,		/* a line, in the buffer */
	TTYPASS_REFUSED,	/* end of file, an error */
	TTYPASS_TOO_LONG,	/* a line longer than the buffer */
	TTYPASS_SIGNAL,		/* one of sigs arrived */
	TTYPASS_STOPPED,	/* stopped at the prompt, now continued */
};

static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
#define TTYPASS_NSIGS (sizeof(sigs) / sizeof(sigs[0]))

static volatile sig_atomic_t caught;

/* The command's signal handling, kept while the prompt has its own. */
struct ttypass_sigs {
	struct sigaction old[TTYPASS_NSIGS];
	bool set[TTYPASS_NSIGS];
};

static void
on_signal(int sig)
{
	caught = sig;
}

static int
tty_open(void)
{
	return open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
}

/* Catch sigs (no SA_RESTART: the wait ends); ignored ones stay ignored. */
static void
sigs_catch(struct ttypass_sigs *s)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	caught = 0;
	for (i = 0; i < TTYPASS_NSIGS; i++) {
		s->set[i] = false;
		if (sigaction(sigs[i], NULL, &s->old[i]) != 0 ||
		    s->old[i].sa_handler == SIG_IGN)
			continue;
		s->set[i] = sigaction(sigs[i], &sa, NULL) == 0;
	}
}

static void
sigs_restore(struct ttypass_sigs *s)
{
	size_t i;

	for (i = 0; i < TTYPASS_NSIGS; i++)
		if (s->set[i])
			sigaction(sigs[i], &s->old[i], NULL);
}

static void
tty_write(int fd, const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* "Passphrase for KEY: ", saying so first when the last one was wrong. */
static void
prompt(int fd, const char *hint)
{
	size_t n = strlen(TTYPASS_WRONG);
	bool again = strncmp(hint, TTYPASS_WRONG, n) == 0;
	const char *who = again ? hint + n : hint;
	char *safe = util_sanitize(who, strlen(who), false, false), *line;

	line = xasprintf("%sPassphrase for %s: ", again ? "Wrong passphrase, "
	    "try again. " : "", safe[0] != '\0' ? safe : "the secret key");
	tty_write(fd, line);
	free(line);
	free(safe);
}

/* Wait until fd can be read or a signal came; false for the signal. */
static bool
wait_input(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	for (;;) {
		if (caught != 0)
			return false;
		r = poll(&p, 1, TTYPASS_TICK_MS);
		/* An error is read's to report. */
		if (r > 0 || (r < 0 && errno != EINTR))
			return true;
	}
}

/*
 * Throw away the rest of a line too long for the buffer, up to its
 * newline: left behind, it would go to the next reader of the terminal
 * (the shell, which shows it).
 */
static enum ttypass_end
drain_line(int fd)
{
	char junk[256];
	enum ttypass_end end = TTYPASS_TOO_LONG;
	ssize_t r;

	for (;;) {
		if (!wait_input(fd)) {
			end = TTYPASS_SIGNAL;
			break;
		}
		r = read(fd, junk, sizeof(junk));
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0 || memchr(junk, '\n', (size_t)r) != NULL)
			break;
	}
	explicit_bzero(junk, sizeof(junk));
	return end;
}

/*
 * Read one line (echo is off) into buf[0..len): NUL-terminated without
 * its newline. A line that does not fit is refused.
 */
static enum ttypass_end
read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;
	char *nl;

	for (;;) {
		if (!wait_input(fd))
			return TTYPASS_SIGNAL;
		r = read(fd, buf + n, len - 1 - n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return TTYPASS_REFUSED;
		n += (size_t)r;
		buf[n] = '\0';
		if ((nl = memchr(buf, '\n', n)) != NULL) {
			*nl = '\0';
			if (nl > buf && nl[-1] == '\r')
				nl[-1] = '\0';
			return TTYPASS_LINE;
		}
		if (n == len - 1)
			return drain_line(fd);
	}
}

/*
 * One prompt with echo off and the signals caught; the terminal and the
 * command's signal handling are back as they were when it returns, and
 * a signal that came is raised again: SIGTSTP stops the process, and
 * (when it interrupted the read) ends the prompt as TTYPASS_STOPPED once
 * continued; the others end it as a refusal if the process lives on.
 */
static enum ttypass_end
ask_once(int fd, const char *hint, char *buf, size_t len)
{
	struct termios saved, quiet;
	struct ttypass_sigs s;
	enum ttypass_end end;
	int sig;

	if (tcgetattr(fd, &saved) != 0)
		return TTYPASS_REFUSED;
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON | ISIG;
	sigs_catch(&s);
	/* Echo goes off first: nothing typed from here on is shown. */
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		end = TTYPASS_REFUSED;
	} else {
		prompt(fd, hint);
		end = read_line(fd, buf, len);
	}
	tcsetattr(fd, TCSANOW, &saved);
	tty_write(fd, end == TTYPASS_TOO_LONG ? "\nToo long: refused.\n" :
	    "\n");
	sigs_restore(&s);
	/* Also one that came after the line was read: none is lost. */
	if ((sig = caught) != 0)
		raise(sig);
	if (end != TTYPASS_SIGNAL)
		return end;
	return sig == SIGTSTP ? TTYPASS_STOPPED : TTYPASS_REFUSED;
}

int
cmd_ttypass_refuse(void *ctx, const char *hint, char *buf, size_t len)
{
	size_t n = strlen(TTYPASS_WRONG);
	const char *who = hint == NULL ? "" : strncmp(hint, TTYPASS_WRONG,
	    n) == 0 ? hint + n : hint;
	char *safe = util_sanitize(who, strlen(who), false, false);

	fprintf(stderr, "cachet: the passphrase of %s is needed, and there "
	    "is no terminal to ask for it\n", safe[0] != '\0' ? safe :
	    "the secret key");
	free(safe);
	if (buf != NULL && len > 0)
		explicit_bzero(buf, len);
	return -1;
}

int
cmd_ttypass_ask(void *ctx, const char *hint, char *buf, size_t len)
{
	enum ttypass_end end;
	int fd;

	if (buf == NULL || len < 2)
		return -1;
	/* No terminal: refuse now rather than wait. */
	if ((fd = tty_open()) < 0)
		return cmd_ttypass_refuse(ctx, hint, buf, len);
	/* Stopped at the prompt (SIGTSTP) and continued: ask again. */
	do
		end = ask_once(fd, hint != NULL ? hint : "", buf, len);
	while (end == TTYPASS_STOPPED);
	close(fd);
	if (end == TTYPASS_LINE)
		return 0;
	explicit_bzero(buf, len);
	return -1;
}

bool
cmd_ttypass_available(void)
{
	int fd;

	if (isatty(STDIN_FILENO))
		return true;
	if ((fd = tty_open()) < 0)
		return false;
	close(fd);
	return true;
}
