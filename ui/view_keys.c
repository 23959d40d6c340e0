/*
 * view_keys: the OpenPGP keys and X.509 certificates the configured
 * engines know (cmd_keys_list), OpenPGP first: one line per key with its
 * protocol, validity, usage, secret part, origin and name, and below the
 * list the
 * full description of the selected key (cmd_keys_describe: fingerprint,
 * user IDs, addresses, trust, dates, flags, issuer, origin). The list is
 * read when the view opens, and again after set-trust or locate-key
 * (keyop.c) changed the keyring. Everything drawn is sanitised. UI
 * thread.
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>

/* Rows of the description block at most (its rule comes above). */
#define KEYS_DETAIL_MAX 16

static void
keys_release(struct ui *ui)
{
	struct ui_keys *k = &ui->keylist;

	crypto_keys_free(k->keys, k->n);
	free(k->warn);
	memset(k, 0, sizeof(*k));
}

void
view_keys_open(struct ui *ui)
{
	struct ui_keys *k = &ui->keylist;

	if (ui_top(ui) == &view_keys_ops)
		ui_pop(ui);
	keys_release(ui);
	cmd_keys_list(NULL, false, &k->keys, &k->n, &k->warn);
	if (k->warn != NULL)
		ui_error(ui, "%s", k->warn);
	else
		ui_message(ui, "%zu keys and certificates", k->n);
	ui_push(ui, &view_keys_ops);
}

void
view_keys_reload(struct ui *ui)
{
	struct ui_keys *k = &ui->keylist;
	char *fpr = k->sel < k->n && k->keys[k->sel].fpr ?
	    xstrdup(k->keys[k->sel].fpr) : NULL;
	size_t i, sel = k->sel;

	crypto_keys_free(k->keys, k->n);
	FREE_AND_NULL(k->warn);
	k->keys = NULL;
	k->n = 0;
	cmd_keys_list(NULL, false, &k->keys, &k->n, &k->warn);
	k->sel = sel < k->n ? sel : k->n > 0 ? k->n - 1 : 0;
	for (i = 0; fpr != NULL && i < k->n; i++)
		if (k->keys[i].fpr && strcmp(k->keys[i].fpr, fpr) == 0)
			k->sel = i;
	free(fpr);
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

static enum theme_style
validity_style(const struct crypto_key *key)
{
	if (key->revoked || key->expired ||
	    key->validity == CRYPTO_TRUST_NEVER)
		return STYLE_SEC_BAD;
	if (key->validity == CRYPTO_TRUST_FULL ||
	    key->validity == CRYPTO_TRUST_ULTIMATE)
		return STYLE_SEC_GOOD;
	if (key->validity == CRYPTO_TRUST_MARGINAL)
		return STYLE_SEC_PARTIAL;
	return STYLE_NORMAL;
}

/* The name a key goes by in the list, sanitised; owned. */
static char *
keys_name(const struct crypto_key *key)
{
	const char *uid = key->nuids > 0 ? key->uids[0] : "";
	char *s, *safe;

	if (key->proto == CRYPTO_PROTO_SMIME && key->naddrs > 0)
		s = xasprintf("%s  %s", key->addrs[0], uid);
	else
		s = xstrdup(uid);
	safe = util_sanitize(s, strlen(s), false, false);
	free(s);
	return safe;
}

/* The first word of the origin: "keyring", "WKD", "Autocrypt", ... */
static const char *
keys_origin(const struct crypto_key *key)
{
	static char word[16];
	const char *o = key->origin ? key->origin : "keyring";
	size_t n = strcspn(o, " ");

	snprintf(word, sizeof(word), "%.*s", (int)(n < 15 ? n : 15), o);
	return word;
}

static void
keys_draw_row(struct ui *ui, WINDOW *w, int y, size_t i)
{
	const struct crypto_key *key = &ui->keylist.keys[i];
	bool sel = i == ui->keylist.sel;
	struct ui_attr a = ui_style(ui, sel ? STYLE_INDEX_SELECTED :
	    STYLE_NORMAL);
	int width = getmaxx(w), x = 0;
	char cell[32], *name;

	snprintf(cell, sizeof(cell), "%-8s", key->proto ==
	    CRYPTO_PROTO_OPENPGP ? "OpenPGP" : "X.509");
	x += draw_text(w, y, x, width - x, cell, a, false);
	snprintf(cell, sizeof(cell), "%-9s", cmd_keys_validity(key));
	x += draw_text(w, y, x, width - x, cell, sel ? a :
	    ui_style(ui, validity_style(key)), false);
	snprintf(cell, sizeof(cell), "%-14s%-4s", cmd_keys_usage(key),
	    key->has_secret ? "sec" : "");
	x += draw_text(w, y, x, width - x, cell, a, false);
	snprintf(cell, sizeof(cell), "%-11.10s", keys_origin(key));
	x += draw_text(w, y, x, width - x, cell, a, false);
	name = keys_name(key);
	draw_text(w, y, x, width - x, name, a, true);
	free(name);
}

static void
keys_draw_list(struct ui *ui, WINDOW *w, int y0, int rows)
{
	struct ui_keys *k = &ui->keylist;
	int width = getmaxx(w), y;

	if (k->sel < k->top)
		k->top = k->sel;
	if (rows > 0 && k->sel >= k->top + (size_t)rows)
		k->top = k->sel - (size_t)rows + 1;
	for (y = 0; y < rows; y++) {
		size_t i = k->top + (size_t)y;

		if (i < k->n)
			keys_draw_row(ui, w, y0 + y, i);
		else
			draw_fill(w, y0 + y, 0, width,
			    ui_style(ui, STYLE_NORMAL));
	}
}

/* The selected key's description on rows [y0, y0 + rows). */
static void
keys_draw_detail(struct ui *ui, WINDOW *w, int y0, int rows)
{
	struct ui_keys *k = &ui->keylist;
	int width = getmaxx(w), y = 0;
	char *text = k->sel < k->n ? cmd_keys_describe(&k->keys[k->sel]) :
	    xstrdup("No keys or certificates.\n");
	const char *s = text, *nl;

	for (; y < rows && *s != '\0'; y++) {
		char *line;

		nl = strchr(s, '\n');
		line = xstrndup(s, nl ? (size_t)(nl - s) : strlen(s));
		draw_text(w, y0 + y, 0, width, line, ui_style(ui, y == 0 ?
		    STYLE_HELP_HEADING : STYLE_NORMAL), true);
		free(line);
		s = nl ? nl + 1 : s + strlen(s);
	}
	for (; y < rows; y++)
		draw_fill(w, y0 + y, 0, width, ui_style(ui, STYLE_NORMAL));
	free(text);
}

static void
keys_draw(struct ui *ui, WINDOW *w)
{
	int h = getmaxy(w), width = getmaxx(w);
	int detail = h / 2 < KEYS_DETAIL_MAX ? h / 2 : KEYS_DETAIL_MAX;
	int list = h - 2 - detail;
	char *head;

	if (list < 1) {
		list = h > 1 ? h - 1 : 0;
		detail = 0;
	}
	head = xasprintf("Keys and certificates: %zu (OpenPGP, then X.509)",
	    ui->keylist.n);
	draw_text(w, 0, 0, width, head, ui_style(ui, STYLE_HELP_HEADING),
	    true);
	free(head);
	keys_draw_list(ui, w, 1, list);
	if (detail > 0) {
		mvwhline(w, 1 + list, 0, ACS_HLINE, width);
		keys_draw_detail(ui, w, 2 + list, detail);
	}
}

static bool
keys_action(struct ui *ui, enum ui_action a)
{
	struct ui_keys *k = &ui->keylist;
	size_t page = ui->main_h > 4 ? (size_t)ui->main_h / 2 : 1;
	size_t last = k->n > 0 ? k->n - 1 : 0;

	switch (a) {
	case UI_A_LINE_DOWN:
	case UI_A_NEXT_MESSAGE:
		k->sel += k->sel < last;
		break;
	case UI_A_LINE_UP:
	case UI_A_PREV_MESSAGE:
		k->sel -= k->sel > 0;
		break;
	case UI_A_PAGE_DOWN:
		k->sel = k->sel + page < last ? k->sel + page : last;
		break;
	case UI_A_PAGE_UP:
		k->sel = k->sel > page ? k->sel - page : 0;
		break;
	case UI_A_FIRST:
		k->sel = 0;
		break;
	case UI_A_LAST:
		k->sel = last;
		break;
	case UI_A_KEY_LIST:
		break;		/* already open */
	case UI_A_SET_TRUST:
		keyop_trust_start(ui);
		return true;
	case UI_A_LOCATE_KEY:
		keyop_locate_start(ui);
		return true;
	case UI_A_CLOSE:
		ui_pop(ui);
		return true;
	default:
		return false;
	}
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
	return true;
}

static void
keys_status(struct ui *ui, struct buf *b)
{
	struct ui_keys *k = &ui->keylist;

	buf_addf(b, "keys  %zu/%zu", k->n ? k->sel + 1 : 0, k->n);
}

/* Its own context "keys": moving, closing, set-trust, locate-key. */
const struct ui_view_ops view_keys_ops = {
	.name = "keys",
	.ctx = KEYMAP_KEYS,
	.draw = keys_draw,
	.action = keys_action,
	.status = keys_status,
	.close = keys_release,
};
