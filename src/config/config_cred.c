/*
 * config/cred: getting an account's password or OAuth2 token by running
 * the command the user configured (password_cmd, oauth2_token_cmd). The
 * output is a secret: it is never copied into an error message, and every
 * copy is wiped. Runs on the thread that needs the credential (usually an
 * account's sync worker); no global state.
 */
#include "config/config_int.h"

#include <stdlib.h>
#include <string.h>

/*
 * Run cmd (the account's key named what) and return the first line of its
 * output.
 */
static int
run_cred(const struct config_account *acct, const char *cmd, const char *what,
    char **out, struct cachet_err *err)
{
	struct cachet_err e;
	char *s = NULL, *nl;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (acct == NULL || out == NULL)
		return cachet_err(err, CACHET_E_INVAL, "%s: no account", what);
	if (util_str_empty(cmd))
		return cachet_err(err, CACHET_E_AUTH, "account %s has no %s",
		    acct->name, what);
	rc = util_run_capture(cmd, &s, &e);
	if (rc != 0)
		return cachet_err(err, CACHET_E_CMD,
		    "account %s: %s failed: %s", acct->name, what, e.msg);
	/* Only the first line counts (pass(1) puts notes after it). */
	nl = strpbrk(s ? s : "", "\r\n");
	if (nl != NULL)
		explicit_bzero(nl, strlen(nl));
	if (util_str_empty(s)) {
		util_free_secret(s);
		return cachet_err(err, CACHET_E_AUTH,
		    "account %s: %s printed nothing", acct->name, what);
	}
	*out = s;
	return 0;
}

int
config_password(
    const struct config_account *acct, char **out, struct cachet_err *err)
{
	return run_cred(
	    acct, acct ? acct->password_cmd : NULL, "password_cmd", out, err);
}

int
config_oauth2_token(
    const struct config_account *acct, char **out, struct cachet_err *err)
{
	return run_cred(acct, acct ? acct->oauth2_token_cmd : NULL,
	    "oauth2_token_cmd", out, err);
}
