/*
 * util/file: directories, atomic writes, whole-file reads and running the
 * user's helper commands. Runs on any thread.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int
util_mkdirs(const char *path, unsigned mode, struct cachet_err *err)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST) {
			rc = cachet_err(err, CACHET_E_IO, "cannot create %s: %s",
			    p, strerror(errno));
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_atomic(const char *tmpdir, const char *dir, const char *name,
    const void *data, size_t len, bool sync, struct cachet_err *err)
{
	char *tmp = xasprintf("%s/.%s.XXXXXX", tmpdir, name);
	char *dst = xasprintf("%s/%s", dir, name);
	int fd, rc = 0;

	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = cachet_err(err, CACHET_E_IO, "cannot create %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) != 0 || (sync && fsync(fd) != 0)) {
		rc = cachet_err(err, CACHET_E_IO, "cannot write %s: %s", tmp,
		    strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, dst) != 0) {
		rc = cachet_err(err, CACHET_E_IO, "cannot rename to %s: %s",
		    dst, strerror(errno));
		unlink(tmp);
	}
out:
	free(tmp);
	free(dst);
	return rc;
}

int
util_write_atomic(const char *tmpdir, const char *dir, const char *name,
    const void *data, size_t len, struct cachet_err *err)
{
	return write_atomic(tmpdir, dir, name, data, len, true, err);
}

int
util_write_atomic_nosync(const char *tmpdir, const char *dir,
    const char *name, const void *data, size_t len, struct cachet_err *err)
{
	return write_atomic(tmpdir, dir, name, data, len, false, err);
}

int
util_read_file(const char *path, char **data, size_t *len,
    struct cachet_err *err)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return cachet_err(err, errno == ENOENT ? CACHET_E_NOTFOUND :
		    CACHET_E_IO, "cannot open %s: %s", path, strerror(errno));
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			buf_release(&b);
			return cachet_err(err, CACHET_E_IO, "cannot read %s: %s",
			    path, strerror(e));
		}
		if (n == 0)
			break;
		buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	*data = buf_detach(&b, len);
	return 0;
}

/* cmd, or with arg: cmd "$1" where $1 is arg (never spliced into text). */
static int
run_capture(const char *cmd, const char *arg, char **out,
    struct cachet_err *err)
{
	struct buf b = BUF_INIT;
	int pfd[2], status;
	pid_t pid;
	char chunk[512];

	*out = NULL;
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return cachet_err(err, CACHET_E_CMD, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return cachet_err(err, CACHET_E_CMD, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pfd[1], 1);
		signal(SIGPIPE, SIG_DFL);
		if (arg == NULL) {
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		} else {
			char *script = xasprintf("%s \"$1\"", cmd);

			execl("/bin/sh", "sh", "-c", script, "sh", arg,
			    (char *)NULL);
		}
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n = read(pfd[0], chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b.len < 65536)
			buf_add(&b, chunk, (size_t)n);
	}
	explicit_bzero(chunk, sizeof(chunk));
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (b.data)
			explicit_bzero(b.data, b.len);
		buf_release(&b);
		return cachet_err(err, CACHET_E_CMD,
		    "command exited with status %d",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	while (b.len > 0 && (b.data[b.len - 1] == '\n' ||
	    b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	*out = buf_detach(&b, NULL);
	return 0;
}

int
util_run_capture(const char *cmd, char **out, struct cachet_err *err)
{
	return run_capture(cmd, NULL, out, err);
}

int
util_run_capture_arg(const char *cmd, const char *arg, char **out,
    struct cachet_err *err)
{
	return run_capture(cmd, arg, out, err);
}
