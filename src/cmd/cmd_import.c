/*
 * cmd_import: `cachet import [--replace] [FILE|-]` and the UI's
 * import-keys: take keys and certificates into the configured engines
 * from a key or certificate file (OpenPGP armoured or binary; S/MIME PEM,
 * DER or PKCS#12 without a password), or from a message: its
 * application/pgp-keys and certificate parts and its Autocrypt header
 * (only when the header's addr is the message's one From address, as the
 * Autocrypt rules require). Everything goes through cmd_keyimport: it is
 * checked before it is imported, an address that has another key already
 * needs --replace (the user's confirmation), and where each key came from
 * is recorded ("file", "attachment" or "Autocrypt" with the message id).
 * Importing never makes a key trusted. Cached security statuses go stale
 * by themselves (the key files changed). Runs on the calling thread.
 */
#include <getopt.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "crypto/crypto.h"
#include "mime/mime.h"

#define IMPORT_INPUT_MAX (16u * 1024 * 1024)
#define IMPORT_PARTS_MAX 64

struct blobs {
	struct cmd_import_src v[IMPORT_PARTS_MAX + 1];
	char *data[IMPORT_PARTS_MAX + 1];
	size_t n;
	char *msgid;		/* the message's id, for the record */
	char *acdetail;		/* "<id>, sent DATE" for Autocrypt */
};

static void
add_blob(struct blobs *b, char *data, size_t len, enum crypto_proto proto,
    const char *what, const char *origin, const char *detail)
{
	if (b->n >= IMPORT_PARTS_MAX || data == NULL || len == 0) {
		free(data);
		return;
	}
	b->data[b->n] = data;
	b->v[b->n] = (struct cmd_import_src){
		.data = data, .len = len, .proto = proto, .what = what,
		.origin = origin, .detail = detail,
	};
	b->n++;
}

static void
blobs_release(struct blobs *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->data[i]);
	free(b->msgid);
	free(b->acdetail);
	memset(b, 0, sizeof(*b));
}

/* Base64 (with any white space in it) to bytes; NULL when malformed. */
static char *
unbase64(const char *s, size_t *outlen)
{
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	size_t n = strlen(s);
	unsigned char *out = xmalloc(n / 4 * 3 + 4);
	int k = 0, fin = 0;

	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, out, &k, (const unsigned char *)s,
	    (int)n) < 0 || EVP_DecodeFinal(ctx, out + k, &fin) < 0) {
		EVP_ENCODE_CTX_free(ctx);
		free(out);
		return NULL;
	}
	EVP_ENCODE_CTX_free(ctx);
	*outlen = (size_t)k + (size_t)fin;
	return (char *)out;
}

/* The bare lower-case address of the message's one From mailbox; the
 * message id and date for the record. */
static char *
from_addr(const char *raw, size_t len, struct blobs *b)
{
	struct mime_envelope env;
	char *lt, *gt, *a = NULL, *p, date[16];
	time_t t;
	struct tm tm;

	if (mime_parse_envelope(raw, len, &env, NULL) != 0)
		return NULL;
	b->msgid = env.message_id != NULL ? xasprintf("<%s>",
	    env.message_id) : xstrdup("in a message without Message-ID");
	t = (time_t)env.date;
	if (env.date > 0 && gmtime_r(&t, &tm) != NULL &&
	    strftime(date, sizeof(date), "%Y-%m-%d", &tm) > 0)
		b->acdetail = xasprintf("%s, sent %s", b->msgid, date);
	else
		b->acdetail = xstrdup(b->msgid);
	if (env.from != NULL && strchr(env.from, ',') == NULL) {
		lt = strrchr(env.from, '<');
		gt = lt ? strchr(lt, '>') : NULL;
		a = lt && gt ? xstrndup(lt + 1, (size_t)(gt - lt - 1)) :
		    xstrdup(env.from);
		for (p = a; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	}
	mime_envelope_release(&env);
	return a;
}

/* Autocrypt: addr=A; [prefer-encrypt=mutual;] keydata=BASE64 */
static void
autocrypt_blob(const char *raw, size_t len, struct blobs *b)
{
	char *v = mime_header_value(raw, len, "Autocrypt"), *save = NULL;
	char *attr, *addr = NULL, *keydata = NULL, *from, *key;
	size_t klen = 0;

	from = from_addr(raw, len, b);
	if (v == NULL) {
		free(from);
		return;
	}
	for (attr = strtok_r(v, ";", &save); attr != NULL;
	    attr = strtok_r(NULL, ";", &save)) {
		attr = util_trim(attr);
		if (strncasecmp(attr, "addr=", 5) == 0)
			addr = util_trim(attr + 5);
		else if (strncasecmp(attr, "keydata=", 8) == 0)
			keydata = attr + 8;
	}
	if (addr != NULL && keydata != NULL && from != NULL &&
	    strcasecmp(addr, from) == 0 &&
	    (key = unbase64(keydata, &klen)) != NULL)
		add_blob(b, key, klen, CRYPTO_PROTO_OPENPGP,
		    "Autocrypt header", "Autocrypt", b->acdetail);
	free(from);
	free(v);
}

static int
part_proto(const char *type)
{
	static const char *const certs[] = {
		"application/pkix-cert", "application/x-x509-ca-cert",
		"application/x-x509-user-cert", "application/x-pem-file",
	};
	size_t i;

	if (strcmp(type, "application/pgp-keys") == 0)
		return CRYPTO_PROTO_OPENPGP;
	for (i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
		if (strcmp(type, certs[i]) == 0)
			return CRYPTO_PROTO_SMIME;
	return 0;
}

static void
message_blobs(const char *raw, size_t len, struct blobs *b)
{
	struct mime_view view;
	size_t i;
	int proto;

	autocrypt_blob(raw, len, b);
	if (mime_render(raw, len, &view, NULL) != 0)
		return;
	for (i = 0; i < view.nparts; i++) {
		char *data = NULL;
		size_t dlen = 0;

		if ((proto = part_proto(view.parts[i].type)) == 0)
			continue;
		if (mime_part_data(raw, len, view.parts[i].index, &data,
		    &dlen, NULL) == 0)
			add_blob(b, data, dlen, (enum crypto_proto)proto,
			    proto == CRYPTO_PROTO_OPENPGP ? "attached key" :
			    "attached certificate", "attachment", b->msgid);
	}
	mime_view_release(&view);
}

int
cmd_import_message(const char *raw, size_t len, bool replace,
    struct cmd_import_res *res, struct cachet_err *err)
{
	struct blobs b = {0};
	int rc;

	memset(res, 0, sizeof(*res));
	message_blobs(raw, len, &b);
	if (b.n == 0)
		rc = cachet_err(err, CACHET_E_NOTFOUND, "the message carries "
		    "no key (no key or certificate part, no Autocrypt header "
		    "for its sender)");
	else
		rc = cmd_keyimport(b.v, b.n, replace, res, err);
	blobs_release(&b);
	return rc;
}

bool
cmd_import_is_message(const char *raw, size_t len)
{
	char *ct = mime_header_value(raw, len, "Content-Type");
	char *from = mime_header_value(raw, len, "From");
	bool yes = ct != NULL || from != NULL;

	free(ct);
	free(from);
	return yes;
}

/* ------------------------------------------------- `cachet import` */

static int
import_print(struct cmd_import_res *res, int rc, const struct cachet_err *e)
{
	if (res->report != NULL)
		fputs(res->report, stdout);
	if (res->conflict != NULL)
		fprintf(stderr, "cachet: import refused: %s\ncachet: check "
		    "the new key with its owner; import it anyway with "
		    "`cachet import --replace`\n", res->conflict);
	else if (rc != 0)
		fprintf(stderr, "cachet: import: %s\n", e->msg);
	if (res->imported > 0)
		puts("Imported keys are not trusted by importing: check the "
		    "fingerprint with its owner, then certify it.");
	return res->imported > 0 ? CMD_EXIT_OK : CMD_EXIT_FAIL;
}

static int
import_input(char *raw, size_t len, const char *file, bool replace)
{
	struct cmd_import_res res = {0};
	struct cachet_err err = {0};
	struct crypto_key *certs = NULL;
	struct cmd_import_src one = {
		.data = raw, .len = len, .proto = CRYPTO_PROTO_OPENPGP,
		.what = "file", .origin = "file", .detail = file,
	};
	size_t nc = 0;
	int rc;

	if (cmd_import_is_message(raw, len)) {
		rc = cmd_import_message(raw, len, replace, &res, &err);
	} else {
		/* A certificate when OpenSSL reads one, else OpenPGP. */
		if (cmd_certscan(raw, len, &certs, &nc) > 0)
			one.proto = CRYPTO_PROTO_SMIME;
		crypto_keys_free(certs, nc);
		rc = cmd_keyimport(&one, 1, replace, &res, &err);
	}
	rc = import_print(&res, rc, &err);
	cmd_import_res_release(&res);
	return rc;
}

static int
read_input(const char *file, char **raw, size_t *len)
{
	struct cachet_err err = {0};
	struct buf in = BUF_INIT;
	char chunk[65536];
	size_t n;

	if (strcmp(file, "-") == 0) {
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0 &&
		    in.len <= IMPORT_INPUT_MAX)
			buf_add(&in, chunk, n);
		*raw = buf_detach(&in, len);
	} else if (util_read_file(file, raw, len, &err) != 0) {
		fprintf(stderr, "cachet: import: %s\n", err.msg);
		return CMD_EXIT_USAGE;
	}
	if (*len == 0 || *len > IMPORT_INPUT_MAX) {
		fputs("cachet: import: empty or too large input\n", stderr);
		FREE_AND_NULL(*raw);
		return CMD_EXIT_USAGE;
	}
	return 0;
}

int
cmd_import(int argc, char **argv, const char *config_path)
{
	static const struct option longopts[] = {
		{"replace", no_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct config cfg = {0};
	const char *file;
	char *raw = NULL;
	size_t len = 0;
	bool replace = false;
	int ch, r;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch != 'r')
			goto usage;
		replace = true;
	}
	if (argc - optind > 1)
		goto usage;
	file = optind < argc ? argv[optind] : "-";
	if ((r = read_input(file, &raw, &len)) != 0)
		return r;
	if (cmd_load_crypto_config(config_path, &cfg) != 0) {
		free(raw);
		return CMD_EXIT_USAGE;
	}
	cmd_set_config(cfg.path ? &cfg : NULL);
	r = import_input(raw, len, strcmp(file, "-") == 0 ? "stdin" : file,
	    replace);
	cmd_set_config(NULL);
	config_release(&cfg);
	free(raw);
	return r;
usage:
	fputs("usage: cachet [-c FILE] import [--replace] [FILE|-]\n",
	    stderr);
	return CMD_EXIT_USAGE;
}
