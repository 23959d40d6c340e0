/*
 * attach: saving a part of the message in the pager to a file, or opening
 * it with its mailcap viewer (mailcap.c). The part is chosen by its
 * number in the pager's list (or is the only attachment); the file name
 * offered is the part's own, made safe (no path separator, no leading
 * dot, never empty), under ~/Downloads when it exists. A file is created
 * only if it is not there (O_EXCL); an existing one is replaced,
 * atomically, only after the user says so. The output of a viewer that
 * writes text (mailcap copiousoutput) is shown here too, sanitised line
 * by line. UI thread.
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

/* Decode the part and hand it to its mailcap viewer. */
static void
attach_open_part(struct ui *ui, const struct mime_part *mp)
{
	struct cachet_err err;
	char *raw = NULL, *data = NULL;
	size_t len = 0, dlen = 0;
	int rc;

	if ((rc = attach_raw(ui, &raw, &len, &err)) == 0)
		rc = mime_part_data(raw, len, mp->index, &data, &dlen, &err);
	attach_raw_free(ui, raw, len);
	if (rc != 0)
		ui_error(ui, "cannot read part [%d]: %s", mp->index + 1,
		    err.msg);
	else
		mailcap_open(ui, mp->type, mp->filename, data, dlen);
	if (data != NULL && ui->pager.secret)
		explicit_bzero(data, dlen);
	free(data);
}

/*
 * Find part n, or the only attachment (n 0), and ask for its path or
 * open it.
 */
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
		prompt_start(ui, ui->save.open ? "Open part: " : "Save part: ",
		    attach_number_submit);
	else if (one == NULL)
		ui_error(ui, "no part [%d]", n);
	else if (ui->save.open)
		attach_open_part(ui, one);
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
	ui->save.open = false;
	attach_choose(ui, 0);
}

void
attach_open_start(struct ui *ui)
{
	ui->save.msg_id = ui->pager.msg_id;
	ui->save.open = true;
	attach_choose(ui, 0);
}

/* --- the text view of a viewer's output (mailcap.c runs it) --- */

static void
mcout_add(struct ui_details *d, const char *s, size_t len,
    enum theme_style style)
{
	char *safe = util_sanitize(s, len, false, true);

	d->src = xreallocarray(d->src, d->nsrc + 1, sizeof(*d->src));
	d->src[d->nsrc].text = draw_wcs(safe, &d->src[d->nsrc].len);
	d->src[d->nsrc].style = style;
	d->src[d->nsrc].mark = false;
	d->nsrc++;
	free(safe);
}

static void
mcout_release(struct ui *ui)
{
	struct ui_details *d = &ui->mcout;
	size_t i;

	for (i = 0; i < d->nsrc; i++)
		free(d->src[i].text);
	free(d->src);
	free(d->rows);
	memset(d, 0, sizeof(*d));
}

static void
mcout_draw(struct ui *ui, WINDOW *w)
{
	struct ui_details *d = &ui->mcout;
	int h = getmaxy(w), width = getmaxx(w), y;
	size_t max;

	if (d->width != width || d->rows == NULL) {
		free(d->rows);
		d->rows = draw_wrap(d->src, d->nsrc, width, &d->nrows);
		d->width = width;
	}
	max = d->nrows > (size_t)h ? d->nrows - (size_t)h : 0;
	if (d->top > max)
		d->top = max;
	for (y = 0; y < h; y++) {
		size_t i = d->top + (size_t)y;

		if (i < d->nrows)
			draw_wtext(w, y, 0, width, d->rows[i].text,
			    d->rows[i].len, ui_style(ui, d->rows[i].style),
			    true);
		else
			draw_fill(w, y, 0, width, ui_style(ui, STYLE_NORMAL));
	}
}

static bool
mcout_action(struct ui *ui, enum ui_action a)
{
	if (a == UI_A_CLOSE) {
		ui_pop(ui);
		return true;
	}
	return ui_scroll_action(ui, a, &ui->mcout.top, ui->mcout.nrows);
}

static void
mcout_status(struct ui *ui, struct buf *b)
{
	struct ui_details *d = &ui->mcout;

	buf_addf(b, "viewer output  line %zu/%zu", d->nrows ? d->top + 1 : 0,
	    d->nrows);
}

static const struct ui_view_ops view_mcout_ops = {
	.name = "viewer output",
	.ctx = KEYMAP_HELP,
	.draw = mcout_draw,
	.action = mcout_action,
	.status = mcout_status,
	.close = mcout_release,
};

void
attach_output_show(struct ui *ui, const char *type, const char *out,
    size_t len, const char *note)
{
	struct ui_details *d = &ui->mcout;
	const char *s = out ? out : "", *end = s + (out ? len : 0), *nl;
	char *head;

	if (ui_top(ui) == &view_mcout_ops)
		ui_pop(ui);
	mcout_release(ui);
	head = xasprintf("Output of the viewer for %s", type);
	mcout_add(d, head, strlen(head), STYLE_HELP_HEADING);
	free(head);
	mcout_add(d, "", 0, STYLE_NORMAL);
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		mcout_add(d, s, (size_t)((nl ? nl : end) - s), STYLE_NORMAL);
		s = nl ? nl + 1 : end;
	}
	if (out == NULL || len == 0)
		mcout_add(d, "(no output)", 11, STYLE_PAGER_NOTICE);
	if (note != NULL)
		mcout_add(d, note, strlen(note), STYLE_PAGER_NOTICE);
	ui_push(ui, &view_mcout_ops);
}
