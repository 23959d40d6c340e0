/*
 * cmd_send: `cachet send [--account NAME] [--sign] [--encrypt]
 * [--pgp|--smime] [--attach FILE]... [FILE|-]`, for scripts and tools
 * that expect a sendmail-like command. The message read (header fields
 * From, To, Cc, Bcc, Subject, In-Reply-To, References, an empty line, the
 * body) goes through the same building, security and outbox path as the
 * compose screen. Exit 0 once the server accepted it, 75 when it was
 * queued for later, 1 when it was refused (nothing sent), 2 for bad usage
 * or input. Runs on the main thread.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "compose/compose.h"
#include "store/store.h"

#define SEND_INPUT_MAX (64u * 1024 * 1024)

struct send_opts {
	const char *account;
	unsigned security;
	enum compose_proto proto;
	const char **attach;
	size_t nattach;
	const char *file;
};

static int
read_input(const char *file, char **data, size_t *len)
{
	struct cachet_err err = {0};
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	if (file != NULL && strcmp(file, "-") != 0) {
		if (util_read_file(file, data, len, &err) != 0) {
			fprintf(stderr, "cachet: send: %s\n", err.msg);
			return CMD_EXIT_USAGE;
		}
	} else {
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0 &&
		    b.len <= SEND_INPUT_MAX)
			buf_add(&b, chunk, n);
		*data = buf_detach(&b, len);
	}
	if (*len > SEND_INPUT_MAX) {
		fprintf(stderr, "cachet: send: message larger than %u MiB\n",
		    SEND_INPUT_MAX >> 20);
		return CMD_EXIT_USAGE;
	}
	return 0;
}

/*
 * LF line ends, and the In-Reply-To and References fields taken out
 * (with their continuation lines): the editor file format has no place
 * for them.
 */
static char *
take_thread_fields(const char *in, size_t len, struct compose_msg *m)
{
	struct buf out = BUF_INIT, *cur = NULL, irt = BUF_INIT, refs = BUF_INIT;
	const char *p = in, *end = in + len, *nl;
	bool body = false;

	while (p < end) {
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (!body && n == 0)
			body = true;
		if (!body && (p[0] == ' ' || p[0] == '\t') && cur != NULL) {
			buf_addc(cur, ' ');
			buf_add(cur, p, n);
		} else if (!body && n > 12 &&
		    strncasecmp(p, "In-Reply-To:", 12) == 0) {
			cur = &irt;
			buf_add(cur, p + 12, n - 12);
		} else if (!body && n > 11 &&
		    strncasecmp(p, "References:", 11) == 0) {
			cur = &refs;
			buf_add(cur, p + 11, n - 11);
		} else {
			cur = NULL;
			buf_add(&out, p, n);
			buf_addc(&out, '\n');
		}
		p = nl ? nl + 1 : end;
	}
	if (irt.len > 0)
		m->in_reply_to = xstrdup(util_trim(irt.data));
	if (refs.len > 0)
		m->references = xstrdup(util_trim(refs.data));
	buf_release(&irt);
	buf_release(&refs);
	return buf_detach(&out, NULL);
}

/* "<a@b> <c@d>" -> "a@b c@d" (ids are kept without angle brackets). */
static void
strip_angles(char *s)
{
	char *w = s;

	for (; s != NULL && *s != '\0'; s++)
		if (*s != '<' && *s != '>')
			*w++ = *s;
	if (w != NULL)
		*w = '\0';
}

static int
parse_opts(int argc, char **argv, struct send_opts *o)
{
	static const struct option longopts[] = {
		{"account", required_argument, NULL, 'a'},
		{"sign", no_argument, NULL, 's'},
		{"encrypt", no_argument, NULL, 'e'},
		{"pgp", no_argument, NULL, 'p'},
		{"smime", no_argument, NULL, 'x'},
		{"attach", required_argument, NULL, 'A'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "a:A:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			o->account = optarg;
			break;
		case 's':
			o->security |= COMPOSE_SIGN;
			break;
		case 'e':
			o->security |= COMPOSE_ENCRYPT;
			break;
		case 'p':
			o->proto = COMPOSE_PROTO_OPENPGP;
			break;
		case 'x':
			o->proto = COMPOSE_PROTO_SMIME;
			break;
		case 'A':
			o->attach = xreallocarray(o->attach, o->nattach + 1,
			    sizeof(*o->attach));
			o->attach[o->nattach++] = optarg;
			break;
		default:
			return CMD_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		fputs("cachet: send takes one message file (or -)\n", stderr);
		return CMD_EXIT_USAGE;
	}
	o->file = optind < argc ? argv[optind] : NULL;
	return 0;
}

/* Read and build the message; 0 or an exit code. */
static int
build(const struct send_opts *so, const struct config_account *a,
    struct compose_msg *m, struct compose_out *out)
{
	struct cachet_err err = {0};
	struct crypto_ctx cc;
	char *raw = NULL, *text;
	size_t len = 0, i;
	int r;

	if ((r = read_input(so->file, &raw, &len)) != 0)
		return r;
	compose_msg_init(m);
	text = take_thread_fields(raw, len, m);
	free(raw);
	strip_angles(m->in_reply_to);
	strip_angles(m->references);
	r = compose_draft_parse(m, text, strlen(text), &err);
	free(text);
	if (r != 0) {
		fprintf(stderr, "cachet: send: %s\n", err.msg);
		return CMD_EXIT_USAGE;
	}
	/* No From field: the account's identity. */
	if (util_str_empty(m->from) && a->from != NULL) {
		free(m->from);
		m->from = xstrdup(a->from);
	}
	m->security |= so->security;
	cmd_send_account_keys(a, m);
	if (so->proto != COMPOSE_PROTO_AUTO)
		m->proto = so->proto;
	for (i = 0; i < so->nattach; i++)
		compose_msg_attach_file(m, so->attach[i], NULL, NULL);
	cmd_crypto_ctx(&cc);
	if (compose_build(m, &cc, out, &err) != 0) {
		fprintf(stderr, "cachet: send: %s; nothing was sent\n",
		    err.msg);
		return CMD_EXIT_FAIL;
	}
	return 0;
}

static int
queue_and_send(const struct config_account *a, const struct compose_msg *m,
    const struct compose_out *out)
{
	struct cmd_outbox_result res;
	struct cachet_err err = {0};
	struct store *st = NULL;
	char *dir = store_account_dir(a->name);
	int64_t id = 0;
	int r;

	r = store_open(&st, dir, &err);
	free(dir);
	if (r == 0)
		r = cmd_outbox_queue(st, a, out, m->to, m->subject, &id, &err);
	if (r != 0) {
		fprintf(stderr, "cachet: send: %s; nothing was sent\n",
		    err.msg);
		store_close(st);
		return CMD_EXIT_FAIL;
	}
	r = cmd_outbox_flush(st, a, id, &res, &err);
	store_close(st);
	if (r == 0 && res.sent == 1)
		return CMD_EXIT_OK;
	if (res.temporary || r == 0) {
		fprintf(stderr, "cachet: send: %s; the message is in the "
		    "outbox and goes with the next `cachet sync`\n",
		    r ? err.msg : "not sent yet");
		return CMD_EXIT_TEMPFAIL;
	}
	fprintf(stderr, "cachet: send: %s; the message is held in the "
	    "outbox\n", err.msg);
	return CMD_EXIT_FAIL;
}

int
cmd_send(int argc, char **argv, const char *config_path)
{
	struct send_opts so = {0};
	struct config cfg = {0};
	struct compose_msg m;
	struct compose_out out = {0};
	const struct config_account *a;
	int r;

	memset(&m, 0, sizeof(m));
	if ((r = parse_opts(argc, argv, &so)) != 0)
		goto done;
	if ((r = cmd_load_config(config_path, &cfg)) != 0)
		goto done;
	a = so.account ? config_account_find(&cfg, so.account) :
	    &cfg.accounts[0];
	if (a == NULL) {
		fprintf(stderr, "cachet: no account named %s\n", so.account);
		r = CMD_EXIT_USAGE;
		goto done;
	}
	cmd_set_config(&cfg);
	r = build(&so, a, &m, &out);
	if (r == 0)
		r = queue_and_send(a, &m, &out);
	cmd_set_config(NULL);
done:
	compose_out_release(&out);
	compose_msg_release(&m);
	config_release(&cfg);
	free(so.attach);
	return r;
}
