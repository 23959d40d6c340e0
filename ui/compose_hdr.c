/*
 * compose_hdr: To, Cc, Bcc and Subject of the message being written,
 * edited in place on the prompt from the compose screen. In the address
 * fields Tab completes the address being typed (the text after the last
 * comma) from cmd_complete_addresses: one candidate goes in at once,
 * several are listed above the prompt for Tab to go through. UI thread.
 */
#include "ui.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Candidates asked for at most. */
#define HDR_COMPLETE_MAX 20

static const char *
hdr_label(enum ui_action field)
{
	switch (field) {
	case UI_A_EDIT_TO:
		return "To: ";
	case UI_A_EDIT_CC:
		return "Cc: ";
	case UI_A_EDIT_BCC:
		return "Bcc: ";
	default:
		return "Subject: ";
	}
}

static char **
hdr_slot(struct compose_msg *m, enum ui_action field)
{
	switch (field) {
	case UI_A_EDIT_TO:
		return &m->to;
	case UI_A_EDIT_CC:
		return &m->cc;
	case UI_A_EDIT_BCC:
		return &m->bcc;
	case UI_A_EDIT_SUBJECT:
		return &m->subject;
	default:
		return NULL;
	}
}

/* An address list as typed, without the separators left at its end. */
static void
hdr_trim_list(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ',' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static void
hdr_submit(struct ui *ui, const char *text)
{
	struct ui_compose *c = &ui->compose;
	char **slot, *copy, *v;

	if (!c->active || (slot = hdr_slot(&c->msg, c->field)) == NULL)
		return;
	copy = xstrdup(text);
	v = util_trim(copy);
	if (c->field != UI_A_EDIT_SUBJECT)
		hdr_trim_list(v);
	free(*slot);
	*slot = *v != '\0' ? xstrdup(v) : NULL;
	free(copy);
	ui_message(ui, "%.*s%s", (int)strlen(hdr_label(c->field)) - 2,
	    hdr_label(c->field), *slot != NULL ? " changed" : " cleared");
	compose_changed(ui);
}

/* Where the address before the cursor starts: after a comma and blanks. */
static size_t
hdr_word_start(const struct ui_prompt *p)
{
	size_t i = p->cur;

	while (i > 0 && p->text[i - 1] != L',')
		i--;
	while (i < p->cur && p->text[i] == L' ')
		i++;
	return i;
}

static void
hdr_complete(struct ui *ui)
{
	struct ui_compose *c = &ui->compose;
	struct ui_prompt *p = &ui->prompt;
	wchar_t w[PROMPT_MAX];
	char word[PROMPT_MAX * MB_LEN_MAX + 1], *title;
	char **v = NULL;
	size_t from = hdr_word_start(p), n = 0, k;

	if (c->acct >= ui->nacct || c->acct >= ui->args->naccounts)
		return;
	wmemcpy(w, &p->text[from], p->cur - from);
	w[p->cur - from] = L'\0';
	k = wcstombs(word, w, sizeof(word) - 1);
	if (k == (size_t)-1)
		return;
	word[k] = '\0';
	cmd_complete_addresses(ui->args->accounts[c->acct].name,
	    ui->acct[c->acct].st, word, HDR_COMPLETE_MAX, &v, &n);
	if (n == 1) {
		if (!prompt_replace(ui, from, v[0]))
			prompt_menu_set(ui, "the address does not fit on the "
			    "line", NULL, 0, from);
		free(v[0]);
		free(v);
		return;
	}
	if (n == 0)
		title = xasprintf("no address matches \"%s\"", word);
	else
		title = xasprintf("%zu addresses match \"%s\": Tab for the "
		    "next, S-Tab for the previous", n, word);
	prompt_menu_set(ui, title, v, n, from);
	free(title);
}

void
compose_hdr_edit(struct ui *ui, enum ui_action field)
{
	struct ui_compose *c = &ui->compose;
	char **slot = hdr_slot(&c->msg, field);
	const char *cur;
	size_t n;

	if (!c->active || slot == NULL)
		return;
	cur = *slot != NULL ? *slot : "";
	/* A field the line cannot hold whole is the editor's job. */
	n = mbstowcs(NULL, cur, 0);
	if (n == (size_t)-1 || n >= PROMPT_MAX - 1) {
		ui_error(ui, "%.*s is too long to edit here: use the editor",
		    (int)strlen(hdr_label(field)) - 2, hdr_label(field));
		return;
	}
	c->field = field;
	prompt_start(ui, hdr_label(field), hdr_submit);
	prompt_set_text(ui, cur);
	if (field != UI_A_EDIT_SUBJECT)
		ui->prompt.complete = hdr_complete;
}
