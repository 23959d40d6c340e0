/*
 * cmd_outbox: putting built messages in the account's outbox and handing
 * them to the SMTP server. A message is in the outbox (durably) before any
 * network work; it leaves only after the server's final 2xx, and a copy is
 * then queued for the Sent folder (appended by the next sync). A refusal
 * holds the message for the user; a network failure leaves it queued for
 * the next try. Runs on the thread that owns the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "compose/compose.h"
#include "smtp/smtp.h"
#include "store/store.h"

int
cmd_outbox_queue(struct store *st, const struct config_account *a,
    const struct compose_out *o, const char *to, const char *subject,
    int64_t *id, struct cachet_err *err)
{
	struct store_outbox meta = {
		.env_from = o->env_from,
		.rcpts = o->rcpts,
		.nrcpts = o->nrcpts,
		.to = (char *)to,
		.subject = (char *)subject,
		.message_id = o->message_id,
		.sent_folder = util_str_empty(a->sent_folder) ? NULL :
		    a->sent_folder,
	};

	return store_outbox_add(st, o->data, o->len, &meta, id, err);
}

int
cmd_folder_append(struct store *st, const char *folder, const char *data,
    size_t len, uint32_t flags, struct cachet_err *err)
{
	struct store_folder f = {0};
	struct store_op op = {.kind = STORE_OP_APPEND, .flags_add = flags};
	char *dir = xasprintf("%s/append", store_dir(st)), *name;
	uint64_t rnd = 0;
	int64_t fid = 0;
	int r;

	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		rnd = (uint64_t)util_now_ms();
	name = xasprintf("%lld.%016llx.eml", (long long)time(NULL),
	    (unsigned long long)rnd);
	r = util_mkdirs(dir, 0700, err);
	if (r == 0)
		r = util_write_atomic(dir, dir, name, data, len, err);
	if (r == 0 && store_folder_get(st, folder, &f, NULL) == 0)
		fid = f.id;
	else if (r == 0)
		r = store_folder_ensure(st, folder, '/', &fid, err);
	store_folder_release(&f);
	if (r == 0) {
		op.folder_id = fid;
		op.path = xasprintf("%s/%s", dir, name);
		r = store_op_add(st, &op, NULL, err);
		if (r != 0)
			unlink(op.path);
		free(op.path);
	}
	free(name);
	free(dir);
	return r;
}

static int
account_server(const struct config_account *a, struct smtp_server *s,
    char **secret, struct cachet_err *err)
{
	int r;

	*secret = NULL;
	if (util_str_empty(a->smtp_host))
		return cachet_err(err, CACHET_E_CONFIG, "account %s has no "
		    "smtp_host: it cannot send", a->name);
	memset(s, 0, sizeof(*s));
	s->host = a->smtp_host;
	s->port = a->smtp_port;
	s->starttls = a->smtp_tls == CONFIG_TLS_STARTTLS;
	s->user = a->smtp_user;
	s->ca_file = a->ca_file;
	s->timeout = a->timeout > 0 ? a->timeout : 20;
	if (a->oauth2_token_cmd != NULL) {
		s->oauth2 = true;
		r = config_oauth2_token(a, secret, err);
	} else {
		r = config_password(a, secret, err);
	}
	s->secret = *secret;
	return r;
}

/* Send one claimed entry; *fail says how a failure is to be treated. */
static int
submit(struct store *st, const struct config_account *a,
    const struct store_outbox *o, enum smtp_fail *fail,
    struct cachet_err *err)
{
	struct smtp_result res = {0};
	struct smtp_server srv;
	char *data = NULL, *secret = NULL;
	size_t len = 0;
	int r;

	*fail = SMTP_FAIL_TEMP;
	r = util_read_file(o->path, &data, &len, err);
	if (r != 0) {
		*fail = SMTP_FAIL_PERM;
		return r;
	}
	r = account_server(a, &srv, &secret, err);
	if (r == 0)
		r = smtp_submit(&srv, o->env_from,
		    (const char *const *)o->rcpts, o->nrcpts, data, len, &res,
		    err);
	util_free_secret(secret);
	if (r != 0 && res.fail != SMTP_FAIL_NONE)
		*fail = res.fail;
	else if (r == CACHET_E_AUTH)
		*fail = SMTP_FAIL_PERM;
	if (r == 0) {
		*fail = SMTP_FAIL_NONE;
		/* Delivered: the copy for Sent must not undo that. */
		if (o->sent_folder != NULL && cmd_folder_append(st,
		    o->sent_folder, data, len, STORE_F_SEEN, NULL) != 0)
			fprintf(stderr, "cachet: %s: could not queue the copy "
			    "for %s\n", a->name, o->sent_folder);
	}
	free(data);
	return r;
}

static int
send_entry(struct store *st, const struct config_account *a,
    const struct store_outbox *o, struct cmd_outbox_result *res,
    struct cachet_err *err)
{
	enum smtp_fail fail;
	int r;

	if ((r = store_outbox_claim(st, o->id, err)) != 0)
		return r;
	r = submit(st, a, o, &fail, err);
	if (r == 0) {
		res->sent++;
		/* Accepted: whatever happens now, never send it again. */
		if (store_outbox_sent(st, o->id, NULL) != 0)
			store_outbox_failed(st, o->id, true, "sent, but could "
			    "not be removed from the outbox", NULL);
		return 0;
	}
	if (fail == SMTP_FAIL_PERM)
		res->held++;
	else
		res->waiting++;
	snprintf(res->error, sizeof(res->error), "%s", err ? err->msg : "");
	store_outbox_failed(st, o->id, fail == SMTP_FAIL_PERM,
	    err ? err->msg : "failed", NULL);
	res->temporary = fail != SMTP_FAIL_PERM;
	return r;
}

int
cmd_outbox_flush(struct store *st, const struct config_account *a,
    int64_t only, struct cmd_outbox_result *res, struct cachet_err *err)
{
	struct store_outbox *o = NULL;
	size_t n = 0, i;
	int r, first = 0;

	memset(res, 0, sizeof(*res));
	if ((r = store_outbox_list(st, &o, &n, err)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		struct cachet_err e = {0};

		if (only != 0 && o[i].id != only)
			continue;
		if (o[i].state == STORE_OUTBOX_HELD) {
			res->held++;
			continue;
		}
		if (o[i].state != STORE_OUTBOX_QUEUED)
			continue;	/* another process sends it */
		r = send_entry(st, a, &o[i], res, &e);
		if (r != 0 && first == 0) {
			first = r;
			if (err != NULL)
				*err = e;
		}
		/* The server is unreachable: the others wait too. */
		if (r != 0 && res->temporary && r != CACHET_E_SERVER)
			break;
	}
	store_outbox_free(o, n);
	return first;
}

void
cmd_outbox_round(struct store *st, const struct config_account *a,
    char *line, size_t len)
{
	struct cmd_outbox_result res;
	struct cachet_err err = {0};
	int r = cmd_outbox_flush(st, a, 0, &res, &err);

	line[0] = '\0';
	if (r != 0)
		snprintf(line, len, "outbox: %u sent, %u waiting, %u held: "
		    "%.300s", res.sent, res.waiting, res.held, err.msg);
	else if (res.sent + res.waiting + res.held > 0)
		snprintf(line, len, "outbox: %u sent, %u waiting, %u held",
		    res.sent, res.waiting, res.held);
}
