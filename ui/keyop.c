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
 * security statuses go stale and are computed again. UI thread, but for
 * the WKD look-up: it runs on a thread of its own (wkd_main, one at a
 * time, up to 15 seconds a request) while the UI goes on, and each loop
 * turn looks for its end.
 */
#include "ui.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
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

/*
 * A look-up in the background. The thread touches only its job: never
 * the terminal nor the UI state; the UI thread reads the result once
 * done is set, and joins the thread.
 */
struct keyop_wkd_job {
	pthread_t tid;
	atomic_bool done;
	atomic_bool cancel;	/* set by the UI thread when it quits */
	/* Set before the start, read-only while it runs. */
	char addr[256];
	bool replace;
	/* Written by the look-up thread, read after done. */
	int rc;
	struct cmd_import_res res;
	struct cachet_err err;
};

static void *
wkd_main(void *arg)
{
	struct keyop_wkd_job *j = arg;

	j->rc = cmd_wkd_locate(j->addr, j->replace, &j->cancel, &j->res,
	    &j->err);
	atomic_store_explicit(&j->done, true, memory_order_release);
	return NULL;
}

static bool
wkd_is_done(struct keyop_wkd_job *j)
{
	return atomic_load_explicit(&j->done, memory_order_acquire);
}

static void
wkd_free(struct keyop_wkd_job *j)
{
	cmd_import_res_release(&j->res);
	free(j);
}

/* The address as the UI shows it (typed by the user, yet sanitised). */
static char *
wkd_safe_addr(const struct keyop_wkd_job *j)
{
	return util_sanitize(j->addr, strlen(j->addr), false, false);
}

static void
wkd_say_busy(struct ui *ui, const struct keyop_wkd_job *j)
{
	char *safe = wkd_safe_addr(j);

	ui_message(ui, "looking up %.120s in WKD\u2026", safe);
	free(safe);
}

/* Start looking ui->keyop.addr up; the answer comes to keyop_locate_poll. */
static void
locate_run(struct ui *ui, bool replace)
{
	struct keyop_wkd_job *j;

	if (ui->keyop.wkd != NULL) {
		ui_message(ui, "a WKD look-up is running already");
		return;
	}
	j = xcalloc(1, sizeof(*j));
	atomic_init(&j->done, false);
	snprintf(j->addr, sizeof(j->addr), "%s", ui->keyop.addr);
	j->replace = replace;
	if (pthread_create(&j->tid, NULL, wkd_main, j) != 0) {
		wkd_free(j);
		ui_error(ui, "WKD: cannot start the look-up");
		return;
	}
	ui->keyop.wkd = j;
	wkd_say_busy(ui, j);
}

/* The look-up ended: the report, or the question about a conflict. */
static void
wkd_finish(struct ui *ui, struct keyop_wkd_job *j)
{
	if (j->res.conflict != NULL) {
		/* "y" runs it again with replace (keyop_confirm_submit). */
		ui->keyop.kind = KEYOP_LOCATE;
		snprintf(ui->keyop.addr, sizeof(ui->keyop.addr), "%s",
		    j->addr);
	}
	report(ui, j->rc, &j->res, &j->err, "WKD");
	ui_dirty(ui, UI_DIRTY_MSG | UI_DIRTY_STATUS);
}

bool
keyop_locate_poll(struct ui *ui)
{
	struct keyop_wkd_job *j = ui->keyop.wkd;

	if (j == NULL)
		return false;
	if (!wkd_is_done(j)) {
		/* A key cleared the line: say again what is going on. */
		if (ui->msg[0] == '\0' && !ui->prompt.active)
			wkd_say_busy(ui, j);
		return true;
	}
	/* Not while a question is asked: the end may ask one of its own. */
	if (ui->prompt.active)
		return true;
	pthread_join(j->tid, NULL);
	ui->keyop.wkd = NULL;
	wkd_finish(ui, j);
	wkd_free(j);
	return false;
}

void
keyop_locate_stop(struct ui *ui)
{
	struct keyop_wkd_job *j = ui->keyop.wkd;
	char *safe;

	if (j == NULL)
		return;
	/*
	 * Cancelled and waited for, never left behind: the look-up reads the
	 * configuration and writes the key files, and both may go once the
	 * UI returns. A transfer stops within a second of the cancel; an
	 * import already under way finishes.
	 */
	atomic_store(&j->cancel, true);
	if (!wkd_is_done(j)) {
		safe = wkd_safe_addr(j);
		fprintf(stderr, "cachet: stopping the WKD look-up of %.120s\n",
		    safe);
		free(safe);
	}
	pthread_join(j->tid, NULL);
	ui->keyop.wkd = NULL;
	wkd_free(j);
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
	char *safe;

	if (ui->keyop.wkd != NULL) {
		safe = wkd_safe_addr(ui->keyop.wkd);
		ui_message(ui, "a WKD look-up is running already (%.120s); "
		    "one at a time", safe);
		free(safe);
		return;
	}
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
