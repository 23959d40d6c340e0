/*
 * compose_att: the attachments of the message being written, from the
 * compose screen: attach a file (asked for on the prompt, ~/ expanded,
 * only a readable regular file), detach, and rename the file name it is
 * sent under (no directories, no control characters). UI thread.
 */
#include "ui.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COMPOSE_NONE ((size_t)-1)

/* The attachment to act on: the selected one, or the only one. */
static size_t
att_target(struct ui *ui)
{
	const struct compose_msg *m = &ui->compose.msg;
	size_t i = view_compose_selected(ui, COMPOSE_ROW_ATT);

	if (i != COMPOSE_NONE && i < m->natts)
		return i;
	if (m->natts == 1)
		return 0;
	ui_error(ui, m->natts == 0 ? "no attachments" :
	    "select an attachment first (j)");
	return COMPOSE_NONE;
}

/* "~/x" with $HOME; owned. */
static char *
att_expand(const char *text)
{
	const char *home = getenv("HOME");

	if (strncmp(text, "~/", 2) == 0 && !util_str_empty(home))
		return xasprintf("%s/%s", home, text + 2);
	return xstrdup(text);
}

static void
att_add_submit(struct ui *ui, const char *text)
{
	struct compose_msg *m = &ui->compose.msg;
	struct stat sb;
	char *copy, *path, *safe;

	if (util_str_empty(text) || !ui->compose.active)
		return;
	copy = xstrdup(text);
	path = att_expand(util_trim(copy));
	free(copy);
	safe = util_sanitize(path, strlen(path), false, false);
	if (stat(path, &sb) != 0)
		ui_error(ui, "cannot attach %s: %s", safe, strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		ui_error(ui, "cannot attach %s: not a regular file", safe);
	else if (access(path, R_OK) != 0)
		ui_error(ui, "cannot attach %s: %s", safe, strerror(errno));
	else {
		compose_msg_attach_file(m, path, NULL, NULL);
		ui_message(ui, "attached %s", safe);
		compose_changed(ui);
	}
	free(safe);
	free(path);
}

void
compose_att_add(struct ui *ui)
{
	prompt_start(ui, "Attach file: ", att_add_submit);
}

static void
att_free(struct compose_attachment *a)
{
	free(a->path);
	free(a->name);
	free(a->type);
	if (a->data != NULL) {
		/* A forwarded message may be decrypted content. */
		explicit_bzero(a->data, a->len);
		free(a->data);
	}
}

void
compose_att_remove(struct ui *ui)
{
	struct compose_msg *m = &ui->compose.msg;
	size_t i = att_target(ui);

	if (i == COMPOSE_NONE)
		return;
	att_free(&m->atts[i]);
	memmove(&m->atts[i], &m->atts[i + 1],
	    (m->natts - i - 1) * sizeof(*m->atts));
	m->natts--;
	ui_message(ui, "attachment %zu removed", i + 1);
	compose_changed(ui);
}

/* A name to send a file under: no directories, nothing unprintable. */
static char *
att_clean_name(const char *text)
{
	char *name = util_sanitize(text, strlen(text), false, false), *p;

	for (p = name; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			*p = '_';
	p = util_trim(name);
	if (*p == '\0' || strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
		free(name);
		return NULL;
	}
	p = xstrdup(p);
	free(name);
	return p;
}

static size_t att_renaming = COMPOSE_NONE;

static void
att_rename_submit(struct ui *ui, const char *text)
{
	struct compose_msg *m = &ui->compose.msg;
	size_t i = att_renaming;
	char *name;

	att_renaming = COMPOSE_NONE;
	if (!ui->compose.active || i >= m->natts)
		return;
	if ((name = att_clean_name(text)) == NULL) {
		ui_error(ui, "not renamed: the name is empty");
		return;
	}
	free(m->atts[i].name);
	m->atts[i].name = name;
	ui_message(ui, "attachment %zu is sent as %s", i + 1, name);
	compose_changed(ui);
}

void
compose_att_rename(struct ui *ui)
{
	struct compose_msg *m = &ui->compose.msg;
	size_t i = att_target(ui);
	char *safe;

	if (i == COMPOSE_NONE)
		return;
	att_renaming = i;
	prompt_start(ui, "Send attachment as: ", att_rename_submit);
	safe = util_sanitize(m->atts[i].name ? m->atts[i].name : "",
	    m->atts[i].name ? strlen(m->atts[i].name) : 0, false, false);
	prompt_set_text(ui, safe);
	free(safe);
}
