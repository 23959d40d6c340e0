/*
 * compose_edit: the message in the user's editor. The editor file (header
 * lines, a blank line, the body) is written to a new 0600 file in $TMPDIR
 * (or /tmp), curses is left, `/bin/sh -c '$EDITOR "$1"' sh FILE` runs with
 * the file name as an argument (never spliced into the command text), and
 * the file is read back and parsed. The file is overwritten before it is
 * removed, since a reply may quote decrypted text. UI thread.
 */
#include "ui.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The prompt keeps a pointer to its label: this one outlives the call. */
static char edit_question[320];

static int
edit_write_all(int fd, const char *s, size_t len)
{
	ssize_t r;

	while (len > 0) {
		if ((r = write(fd, s, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += r;
		len -= (size_t)r;
	}
	return 0;
}

/* A new 0600 file in $TMPDIR or /tmp holding text; owned path or NULL. */
static char *
edit_tmpfile(const char *text, struct cachet_err *err)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd;

	if (util_str_empty(dir))
		dir = "/tmp";
	path = xasprintf("%s/cachet-XXXXXX.eml", dir);
	if ((fd = mkstemps(path, 4)) < 0) {
		cachet_err(err, CACHET_E_IO, "cannot create a file in %s: %s",
		    dir, strerror(errno));
		free(path);
		return NULL;
	}
	if (fchmod(fd, 0600) != 0 ||
	    edit_write_all(fd, text, strlen(text)) != 0) {
		cachet_err(err, CACHET_E_IO, "cannot write %s: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

/* Overwrite the file's bytes, then remove it. */
static void
edit_wipe(const char *path)
{
	char zero[4096];
	struct stat sb;
	off_t left;
	int fd;

	fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		memset(zero, 0, sizeof(zero));
		for (left = sb.st_size; left > 0;) {
			size_t n = left > (off_t)sizeof(zero) ? sizeof(zero) :
			    (size_t)left;

			if (edit_write_all(fd, zero, n) != 0)
				break;
			left -= (off_t)n;
		}
		fsync(fd);
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
}

void
compose_edit_cleanup(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;

	if (c->path != NULL)
		edit_wipe(c->path);
	FREE_AND_NULL(c->path);
	util_free_secret(c->orig);
	c->orig = NULL;
}

static void
edit_child(const char *cmd, const char *path)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
	_exit(127);
}

/*
 * Run $VISUAL, $EDITOR or vi on path with curses left. ^C in the editor
 * belongs to the editor, so the UI ignores it meanwhile.
 */
static int
edit_run(struct ui *ui, const char *path, struct cachet_err *err)
{
	const char *ed = getenv("VISUAL");
	struct sigaction ign, oint, oquit;
	char *cmd;
	pid_t pid;
	int status = 0, rc = 0;

	if (util_str_empty(ed))
		ed = getenv("EDITOR");
	if (util_str_empty(ed))
		ed = "vi";
	cmd = xasprintf("%s \"$1\"", ed);
	memset(&ign, 0, sizeof(ign));
	sigemptyset(&ign.sa_mask);
	ign.sa_handler = SIG_IGN;
	def_prog_mode();
	endwin();
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	if ((pid = fork()) == 0)
		edit_child(cmd, path);
	if (pid < 0)
		rc = cachet_err(err, CACHET_E_IO, "cannot start the editor: %s",
		    strerror(errno));
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	reset_prog_mode();
	clearok(curscr, TRUE);
	ui_dirty(ui, UI_DIRTY_ALL);
	free(cmd);
	if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		rc = cachet_err(err, CACHET_E_IO, "the editor failed (%s %d)",
		    WIFEXITED(status) ? "exit" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return rc;
}

/* Give up on this edit: a message never shown goes, else it stays. */
static void
edit_abandon(struct ui *ui, const char *why)
{
	struct ui_compose *c = &ui->compose;

	compose_edit_cleanup(ui);
	if (!c->shown) {
		compose_discard(ui);
		ui_error(ui, "%s; message discarded", why);
	} else {
		ui_error(ui, "%s; the message is as it was", why);
	}
}

static void
edit_again_submit(struct ui *ui, const char *text)
{
	if (text[0] == 'y' || text[0] == 'Y')
		compose_edit(ui);
	else
		edit_abandon(ui, "not edited");
}

/* Read the edited file back; true when the message took it. */
static bool
edit_read_back(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;
	struct cachet_err err;
	char *data = NULL, *safe;
	size_t len = 0;
	bool same;
	int rc;

	if (util_read_file(c->path, &data, &len, &err) != 0) {
		edit_abandon(ui, err.msg);
		return false;
	}
	same = len == strlen(c->orig) && memcmp(data, c->orig, len) == 0;
	if (same && c->is_new && !c->shown) {
		util_free_secret(data);
		compose_discard(ui);
		ui_message(ui, "message not changed: discarded");
		return false;
	}
	rc = compose_draft_parse(&c->msg, data, len, &err);
	explicit_bzero(data, len);
	free(data);
	if (rc == 0)
		return true;
	safe = util_sanitize(err.msg, strlen(err.msg), false, false);
	snprintf(edit_question, sizeof(edit_question),
	    "%.240s; edit again? (y/n) ", safe);
	free(safe);
	prompt_start(ui, edit_question, edit_again_submit);
	ui->prompt.onekey = true;
	return false;
}

void
compose_edit(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;
	struct cachet_err err;

	if (!c->active)
		return;
	if (c->path == NULL) {
		c->orig = compose_draft_format(&c->msg);
		if ((c->path = edit_tmpfile(c->orig, &err)) == NULL) {
			edit_abandon(ui, err.msg);
			return;
		}
	}
	if (edit_run(ui, c->path, &err) != 0) {
		edit_abandon(ui, err.msg);
		return;
	}
	if (!edit_read_back(ui))
		return;
	compose_edit_cleanup(ui);
	compose_changed(ui);
	view_compose_show(ui);
}
