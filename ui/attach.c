/*
 * attach: saving a part of the message in the pager to a file. The part is
 * chosen by its number in the pager's list, the file name offered is the
 * part's own, made safe (no path separator, no leading dot, never empty),
 * under ~/Downloads when it exists. A file is created only if it is not
 * there (O_EXCL); an existing one is replaced, atomically, only after the
 * user says so. UI thread.
 */
#include "ui.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mime/mime.h"

/* The message as the pager shows it (decrypted when it is). */
static int
attach_raw(struct ui *ui, char **raw, size_t *len, struct cachet_err *err)
{
	struct ui_account *a = account_current(ui);
	struct ui_pager *p = &ui->pager;

	if (a == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no account");
	if (p->secret) {
		*raw = xmalloc(p->sec.display_len + 1);
		memcpy(*raw, p->sec.display, p->sec.display_len);
		(*raw)[p->sec.display_len] = '\0';
		*len = p->sec.display_len;
		return 0;
	}
	return store_msg_read_raw(a->st, p->msg_id, raw, len, err);
}

static void
attach_raw_free(struct ui *ui, char *raw, size_t len)
{
	if (raw != NULL && ui->pager.secret)
		explicit_bzero(raw, len);
	free(raw);
}

/* A file name with no separator, no leading dot, never empty. Owned. */
static char *
attach_safe_name(const char *name, int part)
{
	char *s, *d;
	const char *q;

	if (name == NULL)
		name = "";
	while (*name == '.' || *name == ' ')
		name++;
	s = d = xmalloc(strlen(name) + 1);
	for (q = name; *q != '\0'; q++)
		*d++ = (*q == '/' || *q == '\\' || (unsigned char)*q < 0x20) ?
		    '_' : *q;
	*d = '\0';
	if (*s == '\0' || strlen(s) > 200) {
		free(s);
		s = xasprintf("part-%d", part + 1);
	}
	return s;
}

/* "~/Downloads/NAME" when that directory exists, else "~/NAME". */
static char *
attach_default_path(const char *name)
{
	const char *home = getenv("HOME");
	struct stat sb;
	char *dl;

	if (util_str_empty(home))
		return xstrdup(name);
	dl = xasprintf("%s/Downloads", home);
	if (stat(dl, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		free(dl);
		return xasprintf("~/Downloads/%s", name);
	}
	free(dl);
	return xasprintf("~/%s", name);
}

/* "~/x" with $HOME; owned. */
static char *
attach_expand(const char *text)
{
	const char *home = getenv("HOME");

	if (strncmp(text, "~/", 2) == 0 && !util_str_empty(home))
		return xasprintf("%s/%s", home, text + 2);
	return xstrdup(text);
}

static int
attach_write_new(const char *path, const char *data, size_t len,
    bool *exists, struct cachet_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	size_t off = 0;
	ssize_t n;

	if (fd < 0) {
		*exists = errno == EEXIST;
		return cachet_err(err, CACHET_E_IO, "%s", strerror(errno));
	}
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (off < len || fsync(fd) != 0) {
		int e = errno;

		close(fd);
		unlink(path);
		return cachet_err(err, CACHET_E_IO, "%s", strerror(e));
	}
	if (close(fd) != 0)
		return cachet_err(err, CACHET_E_IO, "%s", strerror(errno));
	return 0;
}

/* Replace path through a temporary file in its directory. */
static int
attach_replace(const char *path, const char *data, size_t len,
    struct cachet_err *err)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	const char *name = path;
	int rc;

	if (slash == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else {
		name = path + (slash - dir) + 1;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	rc = util_write_atomic(dir, dir, name, data, len, err);
	free(dir);
	return rc;
}

static void attach_confirm_submit(struct ui *ui, const char *text);
static void attach_number_submit(struct ui *ui, const char *text);

/* Decode the chosen part and write it (replace: after "overwrite? y"). */
static void
attach_write(struct ui *ui, const char *path, bool replace)
{
	struct ui_save *sv = &ui->save;
	struct cachet_err err;
	char *raw = NULL, *data = NULL;
	size_t len = 0, dlen = 0;
	bool exists = false;
	struct stat sb;
	int rc;

	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		ui_error(ui, "%.100s is a directory", path);
		return;
	}
	if ((rc = attach_raw(ui, &raw, &len, &err)) == 0)
		rc = mime_part_data(raw, len, sv->part, &data, &dlen, &err);
	attach_raw_free(ui, raw, len);
	if (rc == 0)
		rc = replace ? attach_replace(path, data, dlen, &err) :
		    attach_write_new(path, data, dlen, &exists, &err);
	free(data);
	if (rc != 0 && exists) {
		snprintf(sv->path, sizeof(sv->path), "%s", path);
		prompt_start(ui, "File exists: overwrite? (y/n) ",
		    attach_confirm_submit);
		ui->prompt.onekey = true;
		return;
	}
	if (rc != 0)
		ui_error(ui, "cannot save %.100s: %s", path, err.msg);
	else
		ui_message(ui, "saved %zu bytes to %.100s", dlen, path);
}

static void
attach_confirm_submit(struct ui *ui, const char *text)
{
	struct ui_save *sv = &ui->save;

	if (sv->msg_id != ui->pager.msg_id || ui_top(ui) != &view_pager_ops)
		return;
	if (strcmp(text, "y") != 0 && strcmp(text, "Y") != 0) {
		ui_message(ui, "not saved: %.100s is left as it was",
		    sv->path);
		return;
	}
	attach_write(ui, sv->path, true);
}

static void
attach_path_submit(struct ui *ui, const char *text)
{
	char *path;

	if (util_str_empty(text)) {
		ui_message(ui, "not saved");
		return;
	}
	if (ui->save.msg_id != ui->pager.msg_id ||
	    ui_top(ui) != &view_pager_ops)
		return;
	path = attach_expand(text);
	attach_write(ui, path, false);
	free(path);
}

/* The non-body parts of the message; *n of them into v. */
static int
attach_parts(struct ui *ui, struct mime_view *v, struct cachet_err *err)
{
	char *raw = NULL;
	size_t len = 0;
	int rc;

	if ((rc = attach_raw(ui, &raw, &len, err)) == 0)
		rc = mime_render(raw, len, v, err);
	attach_raw_free(ui, raw, len);
	if (rc == 0 && ui->pager.secret && v->body != NULL)
		explicit_bzero(v->body, strlen(v->body));
	return rc;
}

/* Ask where to save part number n (as listed: index + 1). */
static void
attach_ask_path(struct ui *ui, const struct mime_part *mp)
{
	struct ui_save *sv = &ui->save;
	char *name, *path;

	sv->part = mp->index;
	snprintf(sv->label, sizeof(sv->label), "Save part [%d] to: ",
	    mp->index + 1);
	name = attach_safe_name(mp->filename, mp->index);
	path = attach_default_path(name);
	prompt_start(ui, sv->label, attach_path_submit);
	prompt_set_text(ui, path);
	free(name);
	free(path);
}

/* Find part n, or the only attachment (n 0), and ask for its path. */
static void
attach_choose(struct ui *ui, int n)
{
	struct mime_view v = {0};
	const struct mime_part *one = NULL;
	struct cachet_err err;
	size_t i, count = 0;

	if (attach_parts(ui, &v, &err) != 0) {
		ui_error(ui, "cannot read the message: %s", err.msg);
		return;
	}
	for (i = 0; i < v.nparts; i++) {
		if (n > 0 && v.parts[i].index + 1 == n)
			one = &v.parts[i];
		if (n == 0 && !v.parts[i].is_body) {
			one = &v.parts[i];
			count++;
		}
	}
	if (n == 0 && count == 0)
		ui_message(ui, "no attachments");
	else if (n == 0 && count > 1)
		prompt_start(ui, "Save part: ", attach_number_submit);
	else if (one == NULL)
		ui_error(ui, "no part [%d]", n);
	else
		attach_ask_path(ui, one);
	mime_view_release(&v);
}

static void
attach_number_submit(struct ui *ui, const char *text)
{
	char *end;
	long n;

	if (util_str_empty(text) || ui->save.msg_id != ui->pager.msg_id ||
	    ui_top(ui) != &view_pager_ops)
		return;
	n = strtol(text, &end, 10);
	if (*end != '\0' || n < 1 || n > 10000) {
		ui_error(ui, "a part number from the list, please");
		return;
	}
	attach_choose(ui, (int)n);
}

void
attach_save_start(struct ui *ui)
{
	ui->save.msg_id = ui->pager.msg_id;
	attach_choose(ui, 0);
}
