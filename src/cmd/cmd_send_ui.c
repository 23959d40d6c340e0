/*
 * cmd_send_ui: sending and postponing for the compose screen, by account
 * name with the configuration in use. The message is built with the
 * engines of the calling thread (the UI's), put in the outbox, and
 * submitted on a background thread so the UI never waits on the network.
 * Runs on the UI thread.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "compose/compose.h"
#include "store/store.h"

/*
 * The account's choices for this identity: its own keys, encrypt-to-self
 * (a "no" in the configuration wins over the message's default) and
 * Autocrypt (on when either the account or the message asks for it).
 */
void
cmd_send_account_keys(const struct config_account *a, struct compose_msg *m)
{
	compose_msg_own_keys(m, a->openpgp_sign_key, a->openpgp_encrypt_key,
	    a->smime_sign_cert, a->smime_encrypt_cert);
	m->encrypt_to_self = m->encrypt_to_self && a->encrypt_to_self;
	if (a->autocrypt != CONFIG_AUTOCRYPT_NO)
		m->autocrypt = true;
	if (a->autocrypt == CONFIG_AUTOCRYPT_MUTUAL)
		m->autocrypt_mutual = true;
}

static const struct config_account *
account(const char *name, struct cachet_err *err)
{
	const struct config *cfg = cmd_config();
	const struct config_account *a = cfg ? config_account_find(cfg,
	    name) : NULL;

	if (a == NULL)
		cachet_err(err, CACHET_E_CONFIG, "account %s cannot send (no "
		    "configuration)", name ? name : "");
	return a;
}

int
cmd_ui_send(const char *name, struct store *st, const struct compose_msg *m,
    struct cachet_err *err)
{
	const struct config_account *a = account(name, err);
	struct compose_out out = {0};
	struct compose_msg mine;
	struct crypto_ctx cc;
	int r;

	if (a == NULL)
		return CACHET_E_CONFIG;
	/* A shallow copy: only value fields change, nothing is released. */
	mine = *m;
	cmd_send_account_keys(a, &mine);
	cmd_crypto_ctx(&cc);
	r = compose_build(&mine, &cc, &out, err);
	if (r == 0)
		r = cmd_outbox_queue(st, a, &out, m->to, m->subject, NULL,
		    err);
	compose_out_release(&out);
	if (r == 0)
		cmd_ui_outbox_kick(name);
	return r;
}

int
cmd_ui_postpone(const char *name, struct store *st,
    const struct compose_msg *m, struct cachet_err *err)
{
	const struct config_account *a = account(name, err);
	struct compose_out out = {0};
	struct compose_msg mine;
	struct crypto_ctx cc;
	int r;

	if (a == NULL)
		return CACHET_E_CONFIG;
	if (util_str_empty(a->drafts_folder))
		return cachet_err(err, CACHET_E_CONFIG, "account %s has no "
		    "drafts_folder", a->name);
	mine = *m;
	cmd_send_account_keys(a, &mine);
	cmd_crypto_ctx(&cc);
	r = compose_build_draft(&mine, &cc, &out, err);
	if (r == 0)
		r = cmd_folder_append(st, a->drafts_folder, out.data, out.len,
		    STORE_F_SEEN | STORE_F_DRAFT, err);
	compose_out_release(&out);
	return r;
}
