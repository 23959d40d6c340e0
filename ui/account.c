/*
 * account: the accounts the UI shows, each with its own store connection,
 * folder list and counts, and which folder is current. Folder names are
 * decoded from modified UTF-7 and sanitised once per refresh. UI thread.
 */
#include "ui.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCOUNT_NAME_MAX 1024

/* Modified UTF-7 (RFC 3501) to UTF-8, or a copy when it does not decode. */
static char *
account_decode_name(const char *name)
{
	size_t inlen = strlen(name), outcap, outleft;
	char *in = (char *)name, *out, *op;
	iconv_t cd;

	if (strchr(name, '&') == NULL || inlen > ACCOUNT_NAME_MAX)
		return xstrdup(name);
	if ((cd = iconv_open("UTF-8", "UTF-7-IMAP")) == (iconv_t)-1)
		return xstrdup(name);
	outcap = inlen * 4 + 1;
	out = op = xmalloc(outcap);
	outleft = outcap - 1;
	if (iconv(cd, &in, &inlen, &op, &outleft) == (size_t)-1) {
		iconv_close(cd);
		free(out);
		return xstrdup(name);
	}
	*op = '\0';
	iconv_close(cd);
	return out;
}

/* The label drawn in the sidebar: last component, indented by depth. */
static char *
account_label(const struct store_folder *f)
{
	char *dec = account_decode_name(f->name), *safe, *label;
	const char *last = dec, *p;
	int depth = 0;

	if (f->delim != '\0') {
		for (p = dec; *p; p++) {
			if (*p == f->delim && p[1] != '\0') {
				depth++;
				last = p + 1;
			}
		}
	}
	if (depth > 8)
		depth = 8;
	safe = util_sanitize(last, strlen(last), false, false);
	label = xasprintf("%*s%s", depth * 2, "", safe);
	free(safe);
	free(dec);
	return label;
}

static void
account_free_folders(struct ui_account *a)
{
	size_t i;

	for (i = 0; a->labels != NULL && i < a->nfolders; i++)
		free(a->labels[i]);
	FREE_AND_NULL(a->labels);
	store_folders_free(a->folders, a->nfolders);
	a->folders = NULL;
	a->nfolders = 0;
}

static bool
account_same(const struct ui_account *a, const struct store_folder *f,
    size_t n)
{
	size_t i;

	if (n != a->nfolders)
		return false;
	for (i = 0; i < n; i++) {
		if (f[i].id != a->folders[i].id ||
		    f[i].total != a->folders[i].total ||
		    f[i].unread != a->folders[i].unread)
			return false;
	}
	return true;
}

bool
account_refresh(struct ui *ui, struct ui_account *a)
{
	struct store_folder *f = NULL;
	struct cachet_err err;
	int64_t cur_id = -1;
	size_t n = 0, i;

	if (store_folder_list(a->st, &f, &n, &err) != 0) {
		ui_error(ui, "%s: %s", a->name, err.msg);
		return false;
	}
	if (account_same(a, f, n)) {
		store_folders_free(f, n);
		return false;
	}
	if (a == account_current(ui) && ui->cur_folder < a->nfolders)
		cur_id = a->folders[ui->cur_folder].id;
	account_free_folders(a);
	a->folders = f;
	a->nfolders = n;
	a->labels = xcalloc(n ? n : 1, sizeof(*a->labels));
	for (i = 0; i < n; i++) {
		a->labels[i] = account_label(&f[i]);
		if (f[i].id == cur_id)
			ui->cur_folder = i;
	}
	if (a == account_current(ui) && ui->cur_folder >= n)
		ui->cur_folder = n ? n - 1 : 0;
	return true;
}

int
account_open_all(struct ui *ui, struct cachet_err *err)
{
	const struct cmd_ui_args *args = ui->args;
	size_t i;
	int rc;

	ui->acct = xcalloc(args->naccounts ? args->naccounts : 1,
	    sizeof(*ui->acct));
	for (i = 0; i < args->naccounts; i++) {
		const struct cmd_ui_account *ca = &args->accounts[i];
		struct ui_account *a = &ui->acct[i];
		const char *name = ca->name ? ca->name : "?";

		a->name = util_sanitize(name, strlen(name), false, false);
		ui->nacct++;
		if ((rc = store_open(&a->st, ca->store_dir, err)) != 0)
			return cachet_err_prefix(err, "account %s", a->name);
		account_refresh(ui, a);
	}
	return 0;
}

void
account_close_all(struct ui *ui)
{
	size_t i;

	for (i = 0; i < ui->nacct; i++) {
		account_free_folders(&ui->acct[i]);
		store_close(ui->acct[i].st);
		free(ui->acct[i].name);
	}
	FREE_AND_NULL(ui->acct);
	ui->nacct = 0;
}

struct ui_account *
account_current(struct ui *ui)
{
	return ui->cur_acct < ui->nacct ? &ui->acct[ui->cur_acct] : NULL;
}

const struct store_folder *
account_folder(struct ui *ui)
{
	struct ui_account *a = account_current(ui);

	if (a == NULL || ui->cur_folder >= a->nfolders)
		return NULL;
	return &a->folders[ui->cur_folder];
}

const char *
account_folder_label(struct ui *ui)
{
	struct ui_account *a = account_current(ui);
	const char *l;

	if (a == NULL || ui->cur_folder >= a->nfolders)
		return "";
	/* The sidebar label without its indentation. */
	for (l = a->labels[ui->cur_folder]; *l == ' '; l++)
		;
	return l;
}

bool
account_move(struct ui *ui, int dir)
{
	size_t a = ui->cur_acct;
	int64_t f = (int64_t)ui->cur_folder + dir;

	/* Step over the end of one account's folders into the next. */
	while (a < ui->nacct) {
		if (f >= 0 && (uint64_t)f < ui->acct[a].nfolders) {
			ui->cur_acct = a;
			ui->cur_folder = (size_t)f;
			return true;
		}
		if (dir > 0) {
			a++;
			f = 0;
		} else {
			if (a == 0)
				return false;
			a--;
			f = (int64_t)ui->acct[a].nfolders - 1;
		}
	}
	return false;
}
