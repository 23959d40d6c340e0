/*
 * view_keypick: choosing the key for one recipient of the message being
 * written, among the keys the configured engines have for the address
 * (cmd_keys_list, network off) in the recipient's protocol. Keys that
 * cannot encrypt (revoked, expired, no encryption subkey) are listed but
 * cannot be chosen. The choice goes into the message's key choices, which
 * compose_key_status and compose_build honour. UI thread.
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void
keypick_release(struct ui *ui)
{
	struct ui_keypick *k = &ui->keypick;

	crypto_keys_free(k->keys, k->n);
	free(k->addr);
	free(k->warn);
	memset(k, 0, sizeof(*k));
}

static bool
keypick_proto_ok(const struct crypto_key *key, enum compose_proto p)
{
	if (p == COMPOSE_PROTO_OPENPGP)
		return key->proto == CRYPTO_PROTO_OPENPGP;
	if (p == COMPOSE_PROTO_SMIME)
		return key->proto == CRYPTO_PROTO_SMIME;
	return true;
}

/* Keep the keys of the recipient's protocol; the others are freed. */
static void
keypick_filter(struct ui_keypick *k)
{
	struct crypto_key *keep, *drop;
	size_t i, nkeep = 0, ndrop = 0;

	if (k->n == 0)
		return;
	keep = xcalloc(k->n, sizeof(*keep));
	drop = xcalloc(k->n, sizeof(*drop));
	for (i = 0; i < k->n; i++) {
		if (keypick_proto_ok(&k->keys[i], k->proto))
			keep[nkeep++] = k->keys[i];
		else
			drop[ndrop++] = k->keys[i];
	}
	/* The structs moved: free the old array only, then the others. */
	free(k->keys);
	crypto_keys_free(drop, ndrop);
	k->keys = keep;
	k->n = nkeep;
}

void
view_keypick_open(struct ui *ui, const char *addr, enum compose_proto proto)
{
	struct ui_keypick *k = &ui->keypick;

	if (ui_top(ui) == &view_keypick_ops)
		ui_pop(ui);
	keypick_release(ui);
	k->addr = xstrdup(addr);
	k->proto = proto;
	cmd_keys_list(addr, false, &k->keys, &k->n, &k->warn);
	keypick_filter(k);
	if (k->n == 0) {
		char *safe = util_sanitize(addr, strlen(addr), false, false);

		ui_error(ui, "no keys for %s%s%s", safe, k->warn ? ": " : "",
		    k->warn ? k->warn : "");
		free(safe);
		keypick_release(ui);
		return;
	}
	if (k->warn != NULL)
		ui_error(ui, "%s", k->warn);
	ui_push(ui, &view_keypick_ops);
}

static bool
keypick_usable(const struct crypto_key *key)
{
	return key->can_encrypt && !key->revoked && !key->expired;
}

static void
keypick_draw_row(struct ui *ui, WINDOW *w, int y, size_t i)
{
	const struct crypto_key *key = &ui->keypick.keys[i];
	const char *uid = key->nuids > 0 ? key->uids[0] : "";
	char *s, *safe;

	s = xasprintf("  %-40s %-9s %-14s %s%s", key->fpr ? key->fpr : "?",
	    cmd_keys_validity(key), cmd_keys_usage(key), uid,
	    keypick_usable(key) ? "" : "  (cannot encrypt)");
	safe = util_sanitize(s, strlen(s), false, false);
	draw_text(w, y, 0, getmaxx(w), safe, ui_style(ui,
	    i == ui->keypick.sel ? STYLE_INDEX_SELECTED :
	    keypick_usable(key) ? STYLE_NORMAL : STYLE_SEC_BAD), true);
	free(safe);
	free(s);
}

static void
keypick_draw(struct ui *ui, WINDOW *w)
{
	struct ui_keypick *k = &ui->keypick;
	int h = getmaxy(w), width = getmaxx(w), y;
	char *head, *safe;
	size_t rows = h > 2 ? (size_t)h - 2 : 1;

	head = xasprintf("Keys for %s (%s): Enter chooses, q goes back",
	    k->addr, k->proto == COMPOSE_PROTO_SMIME ? "S/MIME" : "OpenPGP");
	safe = util_sanitize(head, strlen(head), false, false);
	draw_text(w, 0, 0, width, safe, ui_style(ui, STYLE_HELP_HEADING),
	    true);
	free(safe);
	free(head);
	draw_fill(w, 1, 0, width, ui_style(ui, STYLE_NORMAL));
	if (k->sel < k->top)
		k->top = k->sel;
	if (k->sel >= k->top + rows)
		k->top = k->sel - rows + 1;
	for (y = 2; y < h; y++) {
		size_t i = k->top + (size_t)(y - 2);

		if (i < k->n)
			keypick_draw_row(ui, w, y, i);
		else
			draw_fill(w, y, 0, width, ui_style(ui, STYLE_NORMAL));
	}
}

/* Record fpr as the key for addr in the message's choices. */
static void
keypick_set(struct compose_msg *m, const char *addr, const char *fpr)
{
	size_t i;

	for (i = 0; i < m->nkeys; i++) {
		if (strcasecmp(m->keys[i].addr, addr) == 0) {
			free(m->keys[i].fpr);
			m->keys[i].fpr = xstrdup(fpr);
			return;
		}
	}
	m->keys = xreallocarray(m->keys, m->nkeys + 1, sizeof(*m->keys));
	m->keys[m->nkeys].addr = xstrdup(addr);
	m->keys[m->nkeys].fpr = xstrdup(fpr);
	m->nkeys++;
}

static void
keypick_choose(struct ui *ui)
{
	struct ui_keypick *k = &ui->keypick;
	const struct crypto_key *key;

	if (k->sel >= k->n || !ui->compose.active)
		return;
	key = &k->keys[k->sel];
	if (!keypick_usable(key) || key->fpr == NULL) {
		ui_error(ui, "this key cannot encrypt");
		return;
	}
	keypick_set(&ui->compose.msg, k->addr, key->fpr);
	ui_message(ui, "key %.16s... chosen", key->fpr);
	ui_pop(ui);
	compose_changed(ui);
}

static bool
keypick_action(struct ui *ui, enum ui_action a)
{
	struct ui_keypick *k = &ui->keypick;

	switch (a) {
	case UI_A_NEXT_MESSAGE:
	case UI_A_LINE_DOWN:
		if (k->sel + 1 < k->n)
			k->sel++;
		break;
	case UI_A_PREV_MESSAGE:
	case UI_A_LINE_UP:
		if (k->sel > 0)
			k->sel--;
		break;
	case UI_A_OPEN:
		keypick_choose(ui);
		return true;
	case UI_A_CLOSE:
		ui_pop(ui);
		return true;
	default:
		return false;
	}
	ui_dirty(ui, UI_DIRTY_MAIN);
	return true;
}

static void
keypick_status(struct ui *ui, struct buf *b)
{
	buf_addf(b, "choose a key  %zu/%zu", ui->keypick.n ?
	    ui->keypick.sel + 1 : 0, ui->keypick.n);
}

const struct ui_view_ops view_keypick_ops = {
	.name = "picker",
	.ctx = KEYMAP_PICKER,
	.draw = keypick_draw,
	.action = keypick_action,
	.status = keypick_status,
	.close = keypick_release,
};
