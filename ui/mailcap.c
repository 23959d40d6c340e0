/*
 * mailcap: opening an attachment with the viewer the user's mailcap files
 * name (RFC 1524: "type/subtype; command; flag; flag=value").
 *
 * Files: $CACHET_MAILCAP, a colon-separated list, else ~/.mailcap and
 * /etc/mailcap. An exact type wins over a wildcard subtype (or a bare
 * "type"); in each round the first usable entry of the files in order is taken.
 * Usable means: a command is given, its test= command (when there is one)
 * exits 0, and the command asks only for what cachet can give safely.
 *
 * Nothing from the message reaches a shell: the part is written to a file
 * in a new 0700 directory under $TMPDIR (or /tmp), named by cachet from
 * [A-Za-z0-9._-] characters only ("attachment", and the extension of the
 * message's name when it is letters and digits), and %s becomes that
 * path, which needs no quoting. %t is the
 * type when it is made of safe characters; %{parameter}, %n and %F would
 * carry message text, so entries using them are passed over. A command
 * without %s reads the file on its standard input.
 *
 * needsterminal: curses is left while the viewer runs. copiousoutput: the
 * output (at most MAILCAP_OUTPUT_MAX bytes, for at most
 * MAILCAP_OUTPUT_SECONDS) is shown in a text view. Others run in the
 * background in a session of their own with no terminal; a watcher
 * process removes the file when the viewer ends, and the UI reaps the
 * watcher. UI thread.
 */
#include "ui.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAILCAP_FILE_MAX (1024 * 1024)
#define MAILCAP_OUTPUT_MAX (4 * 1024 * 1024)
#define MAILCAP_OUTPUT_SECONDS 30
#define MAILCAP_EXT_MAX 10
#define MAILCAP_VIEWERS 16

struct mc_entry {
	char *cmd;		/* as written, escapes kept */
	char *ext;		/* from nametemplate=%s.EXT, or NULL */
	bool needsterm;
	bool copious;
};

/*
 * Viewers running in the background: the watcher processes to reap.
 * Only the UI thread touches this.
 */
static pid_t viewers[MAILCAP_VIEWERS];

/* ASCII letters and digits, or one of extra. */
static bool
mc_safe_char(char c, const char *extra)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr(extra, c) != NULL);
}

static bool
mc_safe_chars(const char *s, const char *extra)
{
	for (; *s != '\0'; s++)
		if (!mc_safe_char(*s, extra))
			return false;
	return true;
}

/* A path cachet made: safe anywhere in a shell command, unquoted. */
static bool
mc_safe_path(const char *p)
{
	return p[0] == '/' && mc_safe_chars(p, "._/-") &&
	    strstr(p, "/-") == NULL;
}

static bool
mc_safe_type(const char *t)
{
	const char *slash = strchr(t, '/');

	return slash != NULL && slash != t && slash[1] != '\0' &&
	    strchr(slash + 1, '/') == NULL && mc_safe_chars(t, "/.+_-");
}

/*
 * The command with %s, %t and %% filled in; NULL when it asks for
 * anything else (message text). \% and \; stand for themselves.
 * *has_s tells whether the path was given.
 */
static char *
mc_expand(const char *tmpl, const char *path, const char *type, bool *has_s)
{
	struct buf b = BUF_INIT;
	const char *p;

	*has_s = false;
	for (p = tmpl; *p != '\0'; p++) {
		if (*p == '\\' && (p[1] == '%' || p[1] == ';' ||
		    p[1] == '\\')) {
			buf_addc(&b, *++p);
		} else if (*p != '%') {
			buf_addc(&b, *p);
		} else if (p[1] == 's') {
			buf_adds(&b, path);
			*has_s = true;
			p++;
		} else if (p[1] == 't' && mc_safe_type(type)) {
			buf_adds(&b, type);
			p++;
		} else if (p[1] == '%') {
			buf_addc(&b, '%');
			p++;
		} else {
			buf_release(&b);
			return NULL;
		}
	}
	buf_addc(&b, '\0');
	return buf_detach(&b, NULL);
}

/* The exact type, or the type with any subtype, as the round asks. */
static bool
mc_type_match(const char *field, const char *type, bool wild)
{
	const char *slash = strchr(type, '/');
	size_t major = slash ? (size_t)(slash - type) : strlen(type);

	if (!wild)
		return strcasecmp(field, type) == 0;
	if (strncasecmp(field, type, major) != 0)
		return false;
	return field[major] == '\0' || strcmp(field + major, "/*") == 0;
}

/* What a viewer's child does before exec: signals, stdin, stdout. */
static void
mc_child_exec(const char *cmd, const char *in, int out)
{
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (in != NULL && (fd = open(in, O_RDONLY)) >= 0)
		dup2(fd, 0);
	if (out >= 0) {
		dup2(out, 1);
		dup2(out, 2);
	}
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Run a test= command quietly; true when it exits 0. */
static bool
mc_test(const char *cmd)
{
	int status = 0;
	pid_t pid;

	if ((pid = fork()) == 0)
		mc_child_exec(cmd, "/dev/null", open("/dev/null", O_WRONLY));
	if (pid < 0)
		return false;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Split one logical line into fields at unescaped ';' (in place). */
static size_t
mc_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line, *start = line;

	for (;; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p != ';' && *p != '\0')
			continue;
		if (n < max)
			f[n++] = util_trim(start);
		if (*p == '\0')
			break;
		*p = '\0';
		start = p + 1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(f[i]);

		while (l > 0 && (f[i][l - 1] == ' ' || f[i][l - 1] == '\t'))
			f[i][--l] = '\0';
	}
	return n;
}

/* One entry line: true (filling e) when it matches and may be used. */
static bool
mc_entry_try(char *line, const char *type, bool wild, const char *path,
    struct mc_entry *e)
{
	char *f[32], *test = NULL, *tmpl = NULL, *x;
	size_t n = mc_fields(line, f, 32), i;
	bool has_s, ok;

	if (n < 2 || f[1][0] == '\0' || !mc_type_match(f[0], type, wild))
		return false;
	memset(e, 0, sizeof(*e));
	for (i = 2; i < n; i++) {
		if (strcasecmp(f[i], "needsterminal") == 0)
			e->needsterm = true;
		else if (strcasecmp(f[i], "copiousoutput") == 0)
			e->copious = true;
		else if (strncasecmp(f[i], "test=", 5) == 0)
			test = util_trim(f[i] + 5);
		else if (strncasecmp(f[i], "nametemplate=", 13) == 0)
			tmpl = util_trim(f[i] + 13);
	}
	if ((x = mc_expand(f[1], path, type, &has_s)) == NULL)
		return false;
	free(x);
	if (test != NULL) {
		if ((x = mc_expand(test, path, type, &has_s)) == NULL)
			return false;
		ok = mc_test(x);
		free(x);
		if (!ok)
			return false;
	}
	if (tmpl != NULL && strncmp(tmpl, "%s.", 3) == 0 &&
	    strlen(tmpl + 3) <= MAILCAP_EXT_MAX && tmpl[3] != '\0' &&
	    mc_safe_chars(tmpl + 3, ""))
		e->ext = xstrdup(tmpl + 3);
	e->cmd = xstrdup(f[1]);
	return true;
}

/* Look through one file's entries; true when one was taken. */
static bool
mc_scan_file(const char *file, const char *type, bool wild,
    const char *path, struct mc_entry *e)
{
	struct cachet_err err;
	struct buf line = BUF_INIT;
	char *data = NULL, *s;
	size_t len = 0, i;
	bool found = false;

	if (util_read_file(file, &data, &len, &err) != 0)
		return false;
	for (i = 0; i <= len && !found && len <= MAILCAP_FILE_MAX; i++) {
		if (i < len && data[i] == '\\' && i + 1 < len &&
		    data[i + 1] == '\n') {
			i++;		/* a continued line */
			continue;
		}
		if (i < len && data[i] != '\n' && data[i] != '\0') {
			if (data[i] != '\r')
				buf_addc(&line, data[i]);
			continue;
		}
		buf_addc(&line, '\0');
		s = util_trim(line.data);
		if (*s != '#' && *s != '\0')
			found = mc_entry_try(s, type, wild, path, e);
		line.len = 0;
	}
	buf_release(&line);
	free(data);
	return found;
}

/* The first usable entry for type: exact types first, then wildcards. */
static bool
mc_find(const char *type, const char *path, struct mc_entry *e)
{
	const char *env = getenv("CACHET_MAILCAP"), *home = getenv("HOME");
	char *list, *save = NULL, *f;
	int wild;
	bool found = false;

	if (!util_str_empty(env))
		list = xstrdup(env);
	else
		list = xasprintf("%s/.mailcap:/etc/mailcap",
		    util_str_empty(home) ? "/nonexistent" : home);
	for (wild = 0; wild < 2 && !found; wild++) {
		char *copy = xstrdup(list);

		for (f = strtok_r(copy, ":", &save); f != NULL && !found;
		    f = strtok_r(NULL, ":", &save))
			found = mc_scan_file(f, type, wild, path, e);
		free(copy);
	}
	free(list);
	return found;
}

/*
 * The name of the file: "attachment", with the extension of the message's
 * name when that is a short run of letters and digits (viewers go by it).
 * Nothing else of the name is used.
 */
static char *
mc_file_name(const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;

	if (dot != NULL && dot[1] != '\0' &&
	    strlen(dot + 1) <= MAILCAP_EXT_MAX && mc_safe_chars(dot + 1, ""))
		return xasprintf("attachment.%s", dot + 1);
	return xstrdup("attachment");
}

/* True when path ends in "." ext. */
static bool
mc_has_ext(const char *path, const char *ext)
{
	size_t pl = strlen(path), el = strlen(ext);

	return pl > el + 1 && path[pl - el - 1] == '.' &&
	    strcasecmp(path + pl - el, ext) == 0;
}

static int
mc_write(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len > 0) {
		if ((n = write(fd, data, len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return close(fd);
}

/* A new private directory; owned, or NULL. */
static char *
mc_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char *dir;

	if (util_str_empty(t) || !mc_safe_path(t) || strlen(t) > 200)
		t = "/tmp";
	dir = xasprintf("%s/cachet-XXXXXX", t);
	if (mkdtemp(dir) == NULL || !mc_safe_path(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

static void
mc_cleanup(const char *path, const char *dir)
{
	if (path != NULL)
		unlink(path);
	if (dir != NULL)
		rmdir(dir);
}

/* needsterminal: the viewer has the terminal until it ends. */
static int
mc_run_terminal(struct ui *ui, const char *cmd, const char *in)
{
	struct sigaction ign, oint, oquit;
	int status = 0;
	pid_t pid;

	memset(&ign, 0, sizeof(ign));
	sigemptyset(&ign.sa_mask);
	ign.sa_handler = SIG_IGN;
	def_prog_mode();
	endwin();
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	if ((pid = fork()) == 0)
		mc_child_exec(cmd, in, -1);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	reset_prog_mode();
	clearok(curscr, TRUE);
	ui_dirty(ui, UI_DIRTY_ALL);
	return pid < 0 ? -1 : status;
}

/* copiousoutput: the viewer's output (and errors) into out. */
static int
mc_run_capture(const char *cmd, const char *in, struct buf *out)
{
	int64_t deadline = util_now_ms() + MAILCAP_OUTPUT_SECONDS * 1000;
	int p[2], status = 0, left;
	struct pollfd pfd;
	char chunk[4096];
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	if ((pid = fork()) == 0)
		mc_child_exec(cmd, in ? in : "/dev/null", p[1]);
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (pid > 0) {
		left = (int)(deadline - util_now_ms());
		if (left <= 0 || (poll(&pfd, 1, left) == 0)) {
			kill(pid, SIGKILL);
			buf_adds(out, "\n(the viewer took too long and was "
			    "stopped)\n");
			break;
		}
		if ((n = read(p[0], chunk, sizeof(chunk))) < 0 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len < MAILCAP_OUTPUT_MAX)
			buf_add(out, chunk, (size_t)n);
	}
	close(p[0]);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return pid < 0 ? -1 : status;
}

/* Reap what ended; the index of a free slot, or -1. */
static int
mc_reap_slots(void)
{
	int i, free_slot = -1;

	for (i = 0; i < MAILCAP_VIEWERS; i++) {
		if (viewers[i] > 0 && waitpid(viewers[i], NULL, WNOHANG) != 0)
			viewers[i] = 0;
		if (viewers[i] == 0 && free_slot < 0)
			free_slot = i;
	}
	return free_slot;
}

void
mailcap_reap(struct ui *ui)
{
	mc_reap_slots();
}

/*
 * Any other viewer: in the background, in a session of its own, output
 * dropped. A watcher process waits for it and removes the file.
 */
static int
mc_run_background(const char *cmd, const char *in, const char *path,
    const char *dir)
{
	int slot = mc_reap_slots();
	pid_t pid, v;

	if (slot < 0)
		return -1;
	if ((pid = fork()) == 0) {
		setsid();
		if ((v = fork()) == 0)
			mc_child_exec(cmd, in ? in : "/dev/null",
			    open("/dev/null", O_WRONLY));
		while (v > 0 && waitpid(v, NULL, 0) < 0 && errno == EINTR)
			;
		unlink(path);
		rmdir(dir);
		_exit(0);
	}
	if (pid < 0)
		return -1;
	viewers[slot] = pid;
	return 0;
}

/* --- opening --- */

/* The output of a copiousoutput viewer, and how it ended. */
static void
mc_show(struct ui *ui, const char *type, const struct buf *out, int status)
{
	char *note = NULL;

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		note = xasprintf("(the viewer ended with %s %d)",
		    WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) :
		    WTERMSIG(status));
	attach_output_show(ui, type, out->data, out->len, note);
	free(note);
}

/* Run the entry's command on the file, as its flags say. */
static void
mc_run(struct ui *ui, const struct mc_entry *e, const char *type,
    const char *path, const char *dir)
{
	struct buf out = BUF_INIT;
	bool has_s;
	char *cmd = mc_expand(e->cmd, path, type, &has_s);
	const char *in = has_s ? NULL : path;
	int status;

	if (cmd == NULL) {		/* checked when it was found */
		mc_cleanup(path, dir);
		return;
	}
	if (e->copious) {
		status = mc_run_capture(cmd, in, &out);
		mc_cleanup(path, dir);
		if (status < 0)
			ui_error(ui, "cannot start the viewer: %s",
			    strerror(errno));
		else
			mc_show(ui, type, &out, status);
	} else if (e->needsterm) {
		status = mc_run_terminal(ui, cmd, in);
		mc_cleanup(path, dir);
		if (status < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			ui_error(ui, "the viewer for %s failed", type);
		else
			ui_message(ui, "viewed %s", type);
	} else if (mc_run_background(cmd, in, path, dir) != 0) {
		mc_cleanup(path, dir);
		ui_error(ui, "cannot start the viewer (too many open?)");
	} else {
		ui_message(ui, "opened %s in its viewer", type);
	}
	buf_release(&out);
	free(cmd);
}

void
mailcap_open(struct ui *ui, const char *type, const char *name,
    const char *data, size_t len)
{
	const char *t = util_str_empty(type) ? "application/octet-stream" :
	    type;
	struct mc_entry e = {0};
	char *dir, *fname = NULL, *path = NULL, *np;

	if ((dir = mc_tmpdir()) == NULL) {
		ui_error(ui, "cannot make a temporary directory: %s",
		    strerror(errno));
		return;
	}
	fname = mc_file_name(name);
	path = xasprintf("%s/%s", dir, fname);
	if (!mc_safe_path(path) || mc_write(path, data, len) != 0) {
		ui_error(ui, "cannot write the part to a temporary file");
		mc_cleanup(path, dir);
	} else if (!mc_find(t, path, &e)) {
		ui_error(ui, "no mailcap entry for %s (see CACHET_MAILCAP, "
		    "~/.mailcap, /etc/mailcap)", t);
		mc_cleanup(path, dir);
	} else {
		/* nametemplate=%s.pdf: viewers that go by the extension. */
		np = e.ext ? xasprintf("%s.%s", path, e.ext) : NULL;
		if (np != NULL && !mc_has_ext(path, e.ext) &&
		    mc_safe_path(np) && rename(path, np) == 0) {
			free(path);
			path = np;
			np = NULL;
		}
		free(np);
		mc_run(ui, &e, t, path, dir);
	}
	free(e.cmd);
	free(e.ext);
	free(fname);
	free(path);
	free(dir);
}
