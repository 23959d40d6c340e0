/*
 * security: the security status as the index shows it (a two-cell column
 * read from the status cached on each message row) and the background
 * work that computes it for new mail on idle turns of the loop, a message
 * at a time within a small time budget, so a key press never waits long
 * for crypto. UI thread.
 */
#include "ui.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Crypto per idle turn: stop starting new messages after this long. */
#define SECURITY_BUDGET_MS 80
/* Messages per idle turn at most. */
#define SECURITY_BATCH 20

/* Flags that make any message a problem. */
#define SECURITY_BAD_FLAGS (CRYPTO_ST_SENDER_MISMATCH | CRYPTO_ST_WEAK | \
    CRYPTO_ST_DECRYPT_FAILED | CRYPTO_ST_NO_INTEGRITY | CRYPTO_ST_NO_ENGINE)

enum security_level
security_level(int verdict, unsigned flags)
{
	if (verdict == CRYPTO_VERDICT_PROBLEM || (flags & SECURITY_BAD_FLAGS))
		return SECURITY_BAD;
	if (verdict == CRYPTO_VERDICT_NONE)
		return SECURITY_NONE;
	/* A signature bound to no clear sender says nothing of the sender. */
	if (flags & CRYPTO_ST_AMBIGUOUS_SENDER)
		return SECURITY_BAD;
	if (verdict == CRYPTO_VERDICT_SIGNED && !(flags & CRYPTO_ST_WARNINGS))
		return SECURITY_GOOD;
	return SECURITY_PARTIAL;
}

static bool
security_is_current(const struct store_msg *m, const char *key)
{
	return m->sec_verdict >= 0 && key != NULL && m->sec_key != NULL &&
	    strcmp(key, m->sec_key) == 0;
}

/*
 * The column: signature cell then encryption cell.
 *   "S " signed: good signatures covering everything shown   sec_good
 *   "s " partly signed, or signed with a caveat (an encrypted part left
 *        closed, limits reached)                             sec_partial
 *   "! " problem: bad or unverifiable signature, signer is not the
 *        sender, ambiguous sender of a signed message, weak algorithm,
 *        decryption or integrity failure                     sec_bad
 *   " E" encrypted (root decrypted); " e" only some parts   sec_encrypted
 *   "? " not checked yet, or checked under other keys        sec_pending
 *   "  " neither signed nor encrypted
 * The return is the style of the signature cell; the encryption cell is
 * drawn in sec_encrypted.
 */
enum theme_style
security_cell(const struct store_msg *m, const char *key, char out[3])
{
	static const struct {
		char c;
		enum theme_style style;
	} sig[] = {
		[SECURITY_NONE] = {' ', STYLE_INDEX_SECURITY},
		[SECURITY_GOOD] = {'S', STYLE_SEC_GOOD},
		[SECURITY_PARTIAL] = {'s', STYLE_SEC_PARTIAL},
		[SECURITY_BAD] = {'!', STYLE_SEC_BAD},
	};
	unsigned f = m->sec_flags;
	enum security_level lv;

	out[0] = out[1] = ' ';
	out[2] = '\0';
	if (!security_is_current(m, key)) {
		out[0] = '?';
		return STYLE_SEC_PENDING;
	}
	lv = security_level(m->sec_verdict, f);
	out[0] = sig[lv].c;
	if (f & CRYPTO_ST_ENCRYPTED)
		out[1] = 'E';
	else if (f & (CRYPTO_ST_PARTLY_ENCRYPTED | CRYPTO_ST_NESTED_ENCRYPTED))
		out[1] = 'e';
	return sig[lv].style;
}

/* A key is waiting: background work stops at once. */
static bool
security_input_waiting(void)
{
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};

	return poll(&pfd, 1, 0) > 0;
}

void
security_wake(struct ui *ui)
{
	ui->sec_next = 0;
}

/* Is any message of the store waiting for its status? */
static bool
security_has_stale(struct store *st)
{
	struct cachet_err err;
	int64_t *ids = NULL;
	size_t n = 0;

	if (store_secstat_stale(st, cmd_secstat_key(), 1, &ids, &n,
	    &err) != 0)
		return false;
	free(ids);
	return n > 0;
}

bool
security_idle(struct ui *ui)
{
	struct ui_account *a = account_current(ui);
	int64_t start = util_now_ms();
	struct cachet_err err;
	bool more = false;
	int done = 0;

	if (a == NULL || start < ui->sec_next)
		return false;
	/*
	 * One message per call, so that the budget is checked between
	 * messages; a message that cannot be checked is cached as a problem
	 * by the refresh, so this always moves on.
	 */
	while (done < SECURITY_BATCH && (more = security_has_stale(a->st))) {
		if (cmd_secstat_refresh(a->st, 1, &err) < 0) {
			/* Said once; tried again on the next poll tick. */
			if (!ui->sec_failed)
				ui_error(ui, "security status: %s", err.msg);
			ui->sec_failed = true;
			more = false;
			break;
		}
		ui->sec_failed = false;
		done++;
		if (util_now_ms() - start >= SECURITY_BUDGET_MS ||
		    security_input_waiting())
			break;
	}
	if (done > 0) {
		view_index_invalidate(ui);
		ui_dirty(ui, UI_DIRTY_MAIN);
	}
	if (more)
		return true;
	/* Nothing stale (or an error): look again at the next poll tick. */
	ui->sec_next = util_now_ms() + UI_POLL_MS;
	return false;
}
