/*
 * keyop: key management from the UI. In the pager, import-keys takes in
 * the keys the open message carries (attached keys and certificates, the
 * Autocrypt header of its sender); in the key view, set-trust sets the
 * owner trust of the selected OpenPGP key with a one-key chooser, and
 * locate-key looks an address up in its domain's Web Key Directory (only
 * then: never by itself). A key for an address that has another one is
 * imported only after "import another? (y/n)"; ultimate trust only after
 * its own question. The work is done by cmd_import_message,
 * cmd_wkd_locate and cmd_keys_set_trust; the key files change, so cached
 * security statuses go stale and are computed again. UI thread (the WKD
 * look-up blocks it, 15 seconds at most).
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>

enum {
	KEYOP_NONE,
	KEYOP_IMPORT,
	KEYOP_LOCATE,
	KEYOP_TRUST,
};

static const char *const trust_words[] = {
	[CRYPTO_TRUST_UNKNOWN] = "unknown",
	[CRYPTO_TRUST_NEVER] = "never",
	[CRYPTO_TRUST_MARGINAL] = "marginal",
	[CRYPTO_TRUST_FULL] = "full",
	[CRYPTO_TRUST_ULTIMATE] = "ultimate",
};

/* The last 16 hex digits of a fingerprint: enough to tell keys apart. */
static const char *
short_id(const char *fpr, size_t n)
{
	return n > 16 ? fpr + n - 16 : fpr;
}

/* The key files changed: statuses are stale, listings are old. */
static void
keys_changed(struct ui *ui)
{
	security_wake(ui);
	if (ui_top(ui) == &view_keys_ops)
		view_keys_reload(ui);
	ui_dirty(ui, UI_DIRTY_ALL);
}

static void keyop_confirm_submit(struct ui *ui, const char *text);

/*
 * Ask before importing over a conflict: the first line of it names the
 * address and the key it has ("ADDR already has key OLD; ...").
 */
static void
ask_replace(struct ui *ui, const char *conflict)
{
	struct ui_keyop *k = &ui->keyop;
	const char *sp = strstr(conflict, " already has key "), *fpr, *end;
	char *addr, *safe;
	size_t n;

	if (sp == NULL) {
		ui_error(ui, "%.200s", conflict);
		return;
	}
	addr = xstrndup(conflict, (size_t)(sp - conflict));
	safe = util_sanitize(addr, strlen(addr), false, false);
	fpr = sp + strlen(" already has key ");
	end = strchr(fpr, ';');
	n = end ? (size_t)(end - fpr) : strlen(fpr);
	snprintf(k->label, sizeof(k->label), "%.120s already has key %.16s; "
	    "import another? (y/n) ", safe, short_id(fpr, n));
	free(addr);
	free(safe);
	prompt_start(ui, k->label, keyop_confirm_submit);
	ui->prompt.onekey = true;
}

static void
report(struct ui *ui, int rc, const struct cmd_import_res *res,
    const struct cachet_err *err, const char *what)
{
	if (res->conflict != NULL) {
		ask_replace(ui, res->conflict);
		return;
	}
	if (rc != 0) {
		ui_error(ui, "%s: %s", what, err->msg);
		return;
	}
	keys_changed(ui);
	ui_message(ui, "%s: %zu key%s imported (not trusted by importing: "
	    "check the fingerprint)", what, res->imported,
	    res->imported == 1 ? "" : "s");
}

/* ------------------------------------------------- import-keys */

static int
message_raw(struct ui *ui, char **raw, size_t *len, bool *secret,
    struct cachet_err *err)
{
	struct ui_pager *p = &ui->pager;
	struct ui_account *a = account_current(ui);

	*secret = p->has_sec && p->sec.display != NULL;
	if (*secret) {
		*raw = xmalloc(p->sec.display_len + 1);
		memcpy(*raw, p->sec.display, p->sec.display_len);
		(*raw)[p->sec.display_len] = '\0';
		*len = p->sec.display_len;
		return 0;
	}
	if (a == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no account");
	return store_msg_read_raw(a->st, p->msg_id, raw, len, err);
}

static void
import_run(struct ui *ui, bool replace)
{
	struct cmd_import_res res = {0};
	struct cachet_err err = {0};
	char *raw = NULL;
	size_t len = 0;
	bool secret = false;
	int rc;

	if (ui_top(ui) != &view_pager_ops ||
	    ui->pager.msg_id != ui->keyop.msg_id)
		return;
	rc = message_raw(ui, &raw, &len, &secret, &err);
	if (rc == 0)
		rc = cmd_import_message(raw, len, replace, &res, &err);
	if (raw != NULL && secret)
		explicit_bzero(raw, len);
	free(raw);
	report(ui, rc, &res, &err, "import");
	cmd_import_res_release(&res);
}

void
keyop_import_start(struct ui *ui)
{
	if (ui_top(ui) != &view_pager_ops)
		return;
	ui->keyop.kind = KEYOP_IMPORT;
	ui->keyop.msg_id = ui->pager.msg_id;
	import_run(ui, false);
}

/* ------------------------------------------------- locate-key */

static void
locate_run(struct ui *ui, bool replace)
{
	struct cmd_import_res res = {0};
	struct cachet_err err = {0};
	int rc;

	rc = cmd_wkd_locate(ui->keyop.addr, replace, &res, &err);
	report(ui, rc, &res, &err, "WKD");
	cmd_import_res_release(&res);
}

static void
locate_submit(struct ui *ui, const char *text)
{
	char *addr = xstrdup(text), *a = util_trim(addr);

	if (*a == '\0' || strlen(a) >= sizeof(ui->keyop.addr)) {
		ui_message(ui, "no look-up");
		free(addr);
		return;
	}
	ui->keyop.kind = KEYOP_LOCATE;
	snprintf(ui->keyop.addr, sizeof(ui->keyop.addr), "%s", a);
	free(addr);
	locate_run(ui, false);
}

void
keyop_locate_start(struct ui *ui)
{
	prompt_start(ui, "Look up in WKD (address): ", locate_submit);
}

/* ---------------------------------------------------------- answers */

static void
keyop_confirm_submit(struct ui *ui, const char *text)
{
	bool yes = strcmp(text, "y") == 0 || strcmp(text, "Y") == 0;

	if (!yes) {
		ui_message(ui, "not imported");
		return;
	}
	if (ui->keyop.kind == KEYOP_IMPORT)
		import_run(ui, true);
	else if (ui->keyop.kind == KEYOP_LOCATE)
		locate_run(ui, true);
}

/* -------------------------------------------------------- set-trust */

static void
trust_apply(struct ui *ui, int level)
{
	struct cachet_err err = {0};

	if (cmd_keys_set_trust(ui->keyop.fpr, level, &err) != 0) {
		ui_error(ui, "owner trust: %s", err.msg);
		return;
	}
	keys_changed(ui);
	ui_message(ui, "owner trust of %s set to %s",
	    short_id(ui->keyop.fpr, strlen(ui->keyop.fpr)),
	    trust_words[level]);
}

static void
trust_ultimate_submit(struct ui *ui, const char *text)
{
	if (strcmp(text, "y") != 0 && strcmp(text, "Y") != 0) {
		ui_message(ui, "owner trust unchanged");
		return;
	}
	trust_apply(ui, CRYPTO_TRUST_ULTIMATE);
}

static void
trust_submit(struct ui *ui, const char *text)
{
	static const char keys[] = "unmfU";
	const char *c = text[0] != '\0' && text[1] == '\0' ?
	    strchr(keys, text[0]) : NULL;

	if (c == NULL) {
		ui_message(ui, "owner trust unchanged");
		return;
	}
	if (*c != 'U') {
		trust_apply(ui, (int)(c - keys));
		return;
	}
	snprintf(ui->keyop.label, sizeof(ui->keyop.label), "Trust %s "
	    "ultimately, like your own key? (y/n) ",
	    short_id(ui->keyop.fpr, strlen(ui->keyop.fpr)));
	prompt_start(ui, ui->keyop.label, trust_ultimate_submit);
	ui->prompt.onekey = true;
}

void
keyop_trust_start(struct ui *ui)
{
	struct ui_keys *kl = &ui->keylist;
	const struct crypto_key *key = kl->sel < kl->n ?
	    &kl->keys[kl->sel] : NULL;
	size_t n = key && key->fpr ? strlen(key->fpr) : 0;

	if (key == NULL)
		return;
	if (key->proto != CRYPTO_PROTO_OPENPGP) {
		ui_error(ui, "owner trust is for OpenPGP keys; certificates "
		    "are trusted through their issuers");
		return;
	}
	if ((n != 40 && n != 64) || n >= sizeof(ui->keyop.fpr)) {
		ui_error(ui, "owner trust: the key has no full fingerprint");
		return;
	}
	ui->keyop.kind = KEYOP_TRUST;
	memcpy(ui->keyop.fpr, key->fpr, n + 1);
	snprintf(ui->keyop.label, sizeof(ui->keyop.label), "Owner trust of "
	    "%s: (u)nknown (n)ever (m)arginal (f)ull (U)ltimate? ",
	    short_id(key->fpr, n));
	prompt_start(ui, ui->keyop.label, trust_submit);
	ui->prompt.onekey = true;
}
