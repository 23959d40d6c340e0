/*
 * cmd_verify: `cachet verify [--json] [FILE|-]` prints the security report
 * of one raw RFC 5322 message (the same as the details view), and `cachet
 * show [FILE|-]` prints the message as the pager draws it: the banner
 * made from the security status, the headers, the body (of the decrypted
 * or opaque-signed content when there is one) and the attachment list,
 * as sanitised plain text. Both use the engines of the configuration's
 * [crypto] section (defaults: gpgme for OpenPGP and S/MIME), opened with
 * the network off (but for CRL fetching by the openssl engine when
 * crl_fetch = yes), GNUPGHOME or ~/.gnupg for the GPGME engines, and the
 * same certificate store as the UI for the OpenSSL engine (the store
 * module's directory for the name ".smime").
 *
 * verify exits 0 only for a whole-message good signature with no warning,
 * 1 for none, partial or a problem, 2 for input it cannot read (or a bad
 * command line or configuration). Runs on the main thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "config/config.h"
#include "crypto/crypto.h"
#include "mime/mime.h"
#include "store/store.h"

#define INPUT_MAX (64u * 1024 * 1024)

struct verify_opts {
	bool json;
	bool decrypt_nested;
	const char *smime_engine;	/* overrides the configuration */
	const char *input;		/* NULL or "-": standard input */
};

static void
verify_usage(const char *cmd)
{
	fprintf(stderr, "usage: cachet [-c FILE] %s%s [--decrypt-nested] "
	    "[--smime-engine gpgme|openssl] [FILE|-]\n", cmd,
	    strcmp(cmd, "verify") == 0 ? " [--json]" : "");
}

static int
parse_opts(int argc, char **argv, bool allow_json, struct verify_opts *o)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"decrypt-nested", no_argument, NULL, 'n'},
		{"smime-engine", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			if (!allow_json)
				return -1;
			o->json = true;
			break;
		case 'n':
			o->decrypt_nested = true;
			break;
		case 's':
			o->smime_engine = optarg;
			break;
		default:
			return -1;
		}
	}
	if (argc - optind > 1)
		return -1;
	o->input = optind < argc ? argv[optind] : NULL;
	return 0;
}

/* The whole input, at most INPUT_MAX bytes. */
static int
read_input(const char *path, char **data, size_t *len,
    struct cachet_err *err)
{
	bool is_stdin = path == NULL || strcmp(path, "-") == 0;
	int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	struct buf b = BUF_INIT;
	char chunk[65536];
	ssize_t n;

	if (fd < 0)
		return cachet_err(err, CACHET_E_IO, "cannot open %s: %s",
		    path, strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len + (size_t)n > INPUT_MAX) {
			int e = n < 0 ? errno : EFBIG;

			if (!is_stdin)
				close(fd);
			buf_release(&b);
			return cachet_err(err, CACHET_E_IO,
			    "cannot read %s: %s", is_stdin ?
			    "standard input" : path, e == EFBIG ?
			    "larger than 64 MiB" : strerror(e));
		}
		buf_add(&b, chunk, (size_t)n);
	}
	if (!is_stdin)
		close(fd);
	buf_add(&b, "", 0);
	*data = buf_detach(&b, len);
	return 0;
}

/* The configuration if there is one; defaults otherwise. */
static int
load_crypto_config(const char *config_path, struct config *cfg)
{
	struct cachet_err err = {0};
	char *def = NULL;
	int rc;

	rc = config_load(cfg, config_path != NULL ? config_path :
	    (def = config_default_path()), &err);
	free(def);
	if (rc == CACHET_E_NOTFOUND && config_path == NULL) {
		memset(cfg, 0, sizeof(*cfg));
		return 0;
	}
	if (rc != 0)
		fprintf(stderr, "cachet: %s\n", err.msg);
	return rc;
}

static struct crypto_engine *
open_engine(const char *name, enum crypto_proto proto, const char *ca_file,
    bool allow_network)
{
	struct crypto_engine_opts o = {0};
	struct crypto_engine *e = NULL;
	struct cachet_err err = {0};
	char *store = NULL;

	o.allow_network = allow_network;
	o.ca_file = ca_file;
	/* A protected key is asked for on the terminal, once. */
	o.passphrase = cmd_passphrase_ask;
	if (proto == CRYPTO_PROTO_SMIME && strcmp(name, "openssl") == 0)
		o.store_dir = store = store_account_dir(".smime");
	if (crypto_engine_open(&e, name, proto, &o, &err) != 0) {
		fprintf(stderr, "cachet: %s engine \"%s\": %s\n",
		    proto == CRYPTO_PROTO_OPENPGP ? "OpenPGP" : "S/MIME", name,
		    err.msg);
		e = NULL;
	}
	free(store);
	return e;
}

static int
open_engines(const char *config_path, const struct verify_opts *vo,
    struct crypto_ctx *ctx)
{
	struct config cfg = {0};
	const char *pgp, *smime;

	memset(ctx, 0, sizeof(*ctx));
	if (load_crypto_config(config_path, &cfg) != 0)
		return -1;
	pgp = cfg.crypto.openpgp != NULL ? cfg.crypto.openpgp : "gpgme";
	smime = vo->smime_engine != NULL ? vo->smime_engine :
	    cfg.crypto.smime != NULL ? cfg.crypto.smime : "gpgme";
	ctx->openpgp = open_engine(pgp, CRYPTO_PROTO_OPENPGP, NULL, false);
	/* The only network use: CRLs, when the configuration allows it. */
	ctx->smime = open_engine(smime, CRYPTO_PROTO_SMIME,
	    cfg.crypto.smime_ca_file,
	    cfg.crypto.crl_fetch);
	ctx->decrypt_nested = vo->decrypt_nested;
	config_release(&cfg);
	return 0;
}

static void
close_engines(struct crypto_ctx *ctx)
{
	crypto_engine_close(ctx->openpgp);
	crypto_engine_close(ctx->smime);
	memset(ctx, 0, sizeof(*ctx));
}

/* Options, input, engines, status: 0, or the exit code to return. */
static int
compute(int argc, char **argv, const char *config_path, bool allow_json,
    struct verify_opts *vo, struct crypto_status *st, char **raw,
    size_t *len)
{
	struct crypto_ctx ctx;
	struct cachet_err err = {0};
	int rc;

	if (parse_opts(argc, argv, allow_json, vo) != 0) {
		verify_usage(argv[0]);
		return CMD_EXIT_USAGE;
	}
	if (read_input(vo->input, raw, len, &err) != 0) {
		fprintf(stderr, "cachet: %s\n", err.msg);
		return CMD_EXIT_USAGE;
	}
	if (open_engines(config_path, vo, &ctx) != 0) {
		util_free_secret(*raw);
		return CMD_EXIT_USAGE;
	}
	rc = crypto_status_compute(&ctx, *raw, *len, st, &err);
	close_engines(&ctx);
	if (rc != 0) {
		fprintf(stderr, "cachet: %s\n", err.msg);
		util_free_secret(*raw);
		return CMD_EXIT_USAGE;
	}
	return 0;
}

int
cmd_verify(int argc, char **argv, const char *config_path)
{
	struct verify_opts vo;
	struct crypto_status st = {0};
	char *raw = NULL, *report;
	size_t len = 0;
	int rc;

	if ((rc = compute(argc, argv, config_path, true, &vo, &st, &raw,
	    &len)) != 0)
		return rc;
	report = crypto_status_report(&st, vo.json);
	fputs(report, stdout);
	free(report);
	rc = st.verdict == CRYPTO_VERDICT_SIGNED &&
	    !(st.flags & CRYPTO_ST_WARNINGS) ? CMD_EXIT_OK : CMD_EXIT_FAIL;
	crypto_status_release(&st);
	util_free_secret(raw);
	return fflush(stdout) == 0 ? rc : CMD_EXIT_FAIL;
}

/* Write s with no control bytes but newline and tab. */
static void
put_clean(const char *s)
{
	char *c = util_sanitize(s != NULL ? s : "", s != NULL ? strlen(s) : 0,
	    true, true);

	fputs(c, stdout);
	free(c);
}

static void
show_view(const struct mime_view *v)
{
	size_t i;

	put_clean(v->headers);
	fputs("\n\n", stdout);
	put_clean(v->body);
	fputs("\n", stdout);
	if (v->nparts == 0)
		return;
	fputs("\nAttachments:\n", stdout);
	for (i = 0; i < v->nparts; i++) {
		const struct mime_part *p = &v->parts[i];
		char *line = xasprintf("  [%d] %s%s%s (%zu bytes)%s\n",
		    p->index + 1, p->type, p->filename != NULL ? " " : "",
		    p->filename != NULL ? p->filename : "", p->size,
		    p->is_body ? ", shown above" : "");

		put_clean(line);
		free(line);
	}
}

int
cmd_show(int argc, char **argv, const char *config_path)
{
	struct verify_opts vo;
	struct crypto_status st = {0};
	struct mime_view v = {0};
	struct cachet_err err = {0};
	char *raw = NULL, *banner;
	size_t len = 0;
	int rc;

	if ((rc = compute(argc, argv, config_path, false, &vo, &st, &raw,
	    &len)) != 0)
		return rc;
	banner = xasprintf("[cachet] %s\n", st.summary);
	put_clean(banner);
	free(banner);
	if (st.protected_subject != NULL) {
		banner = xasprintf("[cachet] protected subject: %s\n",
		    st.protected_subject);
		put_clean(banner);
		free(banner);
	}
	fputs("\n", stdout);
	rc = st.display != NULL ?
	    mime_render(st.display, st.display_len, &v, &err) :
	    mime_render(raw, len, &v, &err);
	if (rc == 0)
		show_view(&v);
	else
		fprintf(stderr, "cachet: %s\n", err.msg);
	mime_view_release(&v);
	crypto_status_release(&st);
	util_free_secret(raw);
	if (fflush(stdout) != 0)
		return CMD_EXIT_FAIL;
	return rc == 0 ? CMD_EXIT_OK : CMD_EXIT_USAGE;
}
