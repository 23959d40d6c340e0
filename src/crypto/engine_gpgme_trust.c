/*
 * engine_gpgme_trust: setting the owner trust of an OpenPGP key, by
 * driving gpg's key editor ("trust") through gpgme_op_interact: the
 * editor asks with status lines (GET_LINE keyedit.prompt, GET_LINE
 * edit_ownertrust.value, GET_BOOL edit_ownertrust.set_ultimate.okay) and
 * the callback answers each; any question it does not expect ends the
 * edit with an error, so nothing else is ever changed. The trust
 * database changes, and so does everything computed from it.
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_gpgme_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct trust_edit {
	char value;		/* '1' unknown .. '5' ultimate */
	bool asked;		/* the value was given */
	bool quit;		/* "quit" was sent */
	int prompts;		/* keyedit.prompt seen, against loops */
};

static gpgme_error_t
answer(int fd, const char *s)
{
	size_t n = strlen(s);

	if (gpgme_io_writen(fd, s, n) != 0 || gpgme_io_writen(fd, "\n", 1))
		return gpg_error(GPG_ERR_GENERAL);
	return 0;
}

static gpgme_error_t
trust_cb(void *opaque, const char *keyword, const char *args, int fd)
{
	struct trust_edit *t = opaque;
	char v[2] = {t->value, '\0'};

	if (fd < 0)
		return 0;	/* a status line, not a question */
	if (args == NULL)
		args = "";
	if (strcmp(keyword, "GET_LINE") == 0 &&
	    strcmp(args, "keyedit.prompt") == 0) {
		if (++t->prompts > 3)
			return gpg_error(GPG_ERR_GENERAL);
		t->quit = t->asked;
		return answer(fd, t->asked ? "quit" : "trust");
	}
	if (strcmp(keyword, "GET_LINE") == 0 &&
	    strcmp(args, "edit_ownertrust.value") == 0) {
		if (t->asked)
			return gpg_error(GPG_ERR_GENERAL);
		t->asked = true;
		return answer(fd, v);
	}
	if (strcmp(keyword, "GET_BOOL") == 0 &&
	    strcmp(args, "edit_ownertrust.set_ultimate.okay") == 0)
		return answer(fd, t->value == '5' ? "Y" : "N");
	if (strcmp(keyword, "GET_BOOL") == 0 &&
	    strcmp(args, "keyedit.save.okay") == 0)
		return answer(fd, "Y");
	return gpg_error(GPG_ERR_GENERAL);
}

static char
trust_value(enum crypto_trust level)
{
	switch (level) {
	case CRYPTO_TRUST_UNKNOWN:
		return '1';
	case CRYPTO_TRUST_NEVER:
		return '2';
	case CRYPTO_TRUST_MARGINAL:
		return '3';
	case CRYPTO_TRUST_FULL:
		return '4';
	case CRYPTO_TRUST_ULTIMATE:
		return '5';
	}
	return '\0';
}

static bool
is_full_fpr(const char *s)
{
	size_t i, n = s != NULL ? strlen(s) : 0;

	if (n != 40 && n != 64)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

int
crypto_gpgme_set_owner_trust(struct crypto_engine *e, const char *fpr,
    enum crypto_trust level, struct cachet_err *err)
{
	struct crypto_gpgme *g = e->priv;
	struct trust_edit t = {.value = trust_value(level)};
	gpgme_data_t out = NULL;
	gpgme_key_t k;
	gpgme_error_t ge;

	if (g->proto != GPGME_PROTOCOL_OpenPGP)
		return cachet_err(err, CACHET_E_INVAL,
		    "owner trust is for OpenPGP keys only");
	if (!is_full_fpr(fpr))
		return cachet_err(err, CACHET_E_INVAL,
		    "owner trust: name the key by its full fingerprint");
	if (t.value == '\0')
		return cachet_err(err, CACHET_E_INVAL,
		    "owner trust: no such level");
	k = crypto_gpgme_get_key(g, fpr);
	if (k == NULL || k->subkeys == NULL ||
	    strcasecmp(k->subkeys->fpr, fpr) != 0) {
		gpgme_key_unref(k);
		return cachet_err(err, CACHET_E_NOTFOUND,
		    "owner trust: no key %s in the keyring", fpr);
	}
	if ((ge = gpgme_data_new(&out)) == 0)
		ge = gpgme_op_interact(g->ctx, k, 0, trust_cb, &t, out);
	gpgme_data_release(out);
	gpgme_key_unref(k);
	if (ge == 0 && !t.asked)
		ge = gpg_error(GPG_ERR_GENERAL);
	if (ge != 0) {
		crypto_gpgme_renew(g, &g->ctx);
		return crypto_gpgme_op_error(g, err, ge, "setting owner trust");
	}
	return 0;
}
