/*
 * view_index_server: searching the current folder on the server (the
 * search-server action), for what the local index cannot see, such as
 * bodies a headers-only sync did not fetch. The search runs in the
 * background (cmd_ui_search_*) while the UI goes on; each loop turn polls
 * for its end, and the matches become a virtual folder like a local
 * search. UI thread.
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>

static void
server_submit(struct ui *ui, const char *text)
{
	struct ui_srvsearch *s = &ui->srv;
	const struct store_folder *f = account_folder(ui);
	struct cachet_err err;

	if (util_str_empty(text))
		return;
	if (f == NULL || ui->cur_acct >= ui->args->naccounts) {
		ui_error(ui, "no folder to search");
		return;
	}
	if (cmd_ui_search_start(ui->args->accounts[ui->cur_acct].name,
	    f->name, text, &err) != 0) {
		ui_error(ui, "server search: %s", err.msg);
		return;
	}
	s->pending = true;
	s->acct = ui->cur_acct;
	s->folder_id = f->id;
	ui_message(ui, "searching on the server\u2026");
	ui_dirty(ui, UI_DIRTY_STATUS);
}

void
view_index_search_server(struct ui *ui)
{
	if (ui->args->offline || ui->args->demo) {
		ui_error(ui, "offline: server search needs the network");
		return;
	}
	if (ui->srv.pending) {
		ui_message(ui, "searching on the server\u2026 (still)");
		return;
	}
	if (account_folder(ui) == NULL) {
		ui_error(ui, "no folder to search");
		return;
	}
	prompt_start(ui, "Search on server: ", server_submit);
}

/* The matches as a virtual folder, with what was left out. */
static void
server_show(struct ui *ui, struct cmd_ui_search_result *r)
{
	char *label = xasprintf("server: %s", r->text ? r->text : "");
	size_t n = r->n;

	while (ui->depth > 1)
		ui_pop(ui);
	view_index_set_search(ui, label, r->ids, n);
	r->ids = NULL;
	free(label);
	if (r->unsynced > 0)
		ui_message(ui, "%zu message%s match%s on the server; %zu more "
		    "on the server, not synced yet", n, n == 1 ? "" : "s",
		    n == 1 ? "es" : "", r->unsynced);
	else
		ui_message(ui, "%zu message%s match%s on the server", n,
		    n == 1 ? "" : "s", n == 1 ? "es" : "");
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

bool
view_index_search_server_poll(struct ui *ui)
{
	struct ui_srvsearch *s = &ui->srv;
	const struct store_folder *f;
	struct cmd_ui_search_result r;

	if (!s->pending)
		return false;
	/* Not while a question is asked: the answer may be about a view. */
	if (ui->prompt.active || !cmd_ui_search_poll(&r))
		return true;
	s->pending = false;
	f = account_folder(ui);
	if (r.rc != 0)
		ui_error(ui, "server search: %s", r.err.msg);
	else if (s->acct != ui->cur_acct || f == NULL ||
	    f->id != s->folder_id)
		ui_message(ui, "server search ended after the folder changed; "
		    "not shown");
	else if (ui->compose.active)
		ui_message(ui, "server search: %zu found; finish the message "
		    "first", r.n);
	else
		server_show(ui, &r);
	cmd_ui_search_result_release(&r);
	ui_dirty(ui, UI_DIRTY_STATUS);
	return false;
}

void
view_index_search_server_stop(struct ui *ui)
{
	if (ui->srv.pending)
		cmd_ui_search_cancel();
	ui->srv.pending = false;
}
