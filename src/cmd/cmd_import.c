/*
 * cmd_import: `cachet import [FILE|-]` — take keys and certificates into
 * the configured engines: from a key or certificate file (OpenPGP
 * armoured or binary; S/MIME PEM, DER or PKCS#12 without a password), or
 * from a message: its application/pgp-keys parts and its Autocrypt header
 * (only when the header's addr is the message's one From address, as the
 * Autocrypt rules require). Importing never makes a key trusted: its
 * validity stays what the user's own certifications make it. Cached
 * security statuses go stale by themselves (the key files changed).
 * Runs on the main thread.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "crypto/crypto.h"
#include "mime/mime.h"
#include "store/store.h"

#define IMPORT_INPUT_MAX (16u * 1024 * 1024)
#define IMPORT_PARTS_MAX 64

struct blob {
	char *data;
	size_t len;
	const char *what;	/* "attached key", "Autocrypt header" */
};

struct blobs {
	struct blob v[IMPORT_PARTS_MAX + 1];
	size_t n;
};

static void
add_blob(struct blobs *b, char *data, size_t len, const char *what)
{
	if (b->n >= IMPORT_PARTS_MAX || data == NULL || len == 0) {
		free(data);
		return;
	}
	b->v[b->n].data = data;
	b->v[b->n].len = len;
	b->v[b->n++].what = what;
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

/* The bare lower-case address of the message's one From mailbox. */
static char *
from_addr(const char *raw, size_t len)
{
	struct mime_envelope env;
	char *lt, *gt, *a = NULL, *p;

	if (mime_parse_envelope(raw, len, &env, NULL) != 0 ||
	    env.from == NULL || strchr(env.from, ',') != NULL) {
		mime_envelope_release(&env);
		return NULL;
	}
	lt = strrchr(env.from, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	a = lt && gt ? xstrndup(lt + 1, (size_t)(gt - lt - 1)) :
	    xstrdup(env.from);
	for (p = a; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
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

	if (v == NULL)
		return;
	for (attr = strtok_r(v, ";", &save); attr != NULL;
	    attr = strtok_r(NULL, ";", &save)) {
		attr = util_trim(attr);
		if (strncasecmp(attr, "addr=", 5) == 0)
			addr = util_trim(attr + 5);
		else if (strncasecmp(attr, "keydata=", 8) == 0)
			keydata = attr + 8;
	}
	from = from_addr(raw, len);
	if (addr != NULL && keydata != NULL && from != NULL &&
	    strcasecmp(addr, from) == 0 &&
	    (key = unbase64(keydata, &klen)) != NULL)
		add_blob(b, key, klen, "Autocrypt header");
	free(from);
	free(v);
}

static void
message_blobs(const char *raw, size_t len, struct blobs *b)
{
	struct mime_view view;
	size_t i;

	autocrypt_blob(raw, len, b);
	if (mime_render(raw, len, &view, NULL) != 0)
		return;
	for (i = 0; i < view.nparts; i++) {
		char *data = NULL;
		size_t dlen = 0;

		if (strcmp(view.parts[i].type, "application/pgp-keys") != 0)
			continue;
		if (mime_part_data(raw, len, view.parts[i].index, &data,
		    &dlen, NULL) == 0)
			add_blob(b, data, dlen, "attached key");
	}
	mime_view_release(&view);
}

/* Import one blob with the engine for proto; prints what came in. */
static int
import_with(enum crypto_proto proto, const struct blob *bl, bool quiet)
{
	const struct config *cfg = cmd_config();
	struct crypto_engine_opts o = {.ca_file = cfg ?
	    cfg->crypto.smime_ca_file : NULL};
	const char *name = proto == CRYPTO_PROTO_OPENPGP ?
	    (cfg && cfg->crypto.openpgp ? cfg->crypto.openpgp : "gpgme") :
	    (cfg && cfg->crypto.smime ? cfg->crypto.smime : "gpgme");
	struct cachet_err err = {0};
	struct crypto_engine *e = NULL;
	struct crypto_key *keys = NULL;
	size_t n = 0, i;
	char *dir = store_account_dir(".smime");
	int r;

	o.store_dir = dir;
	o.gnupg_home = getenv("GNUPGHOME");
	r = crypto_engine_open(&e, name, proto, &o, &err);
	if (r == 0)
		r = e->ops->import ? e->ops->import(e, bl->data, bl->len,
		    &keys, &n, &err) : cachet_err(&err, CACHET_E_INVAL,
		    "the %s engine cannot import", name);
	crypto_engine_close(e);
	free(dir);
	if (r != 0) {
		if (!quiet)
			fprintf(stderr, "cachet: import (%s): %s\n", bl->what,
			    err.msg);
		return r;
	}
	for (i = 0; i < n; i++) {
		char *d = cmd_keys_describe(&keys[i]);

		printf("imported from %s:\n%s\n", bl->what, d);
		free(d);
	}
	crypto_keys_free(keys, n);
	return 0;
}

static bool
looks_like_message(const char *raw, size_t len)
{
	char *ct = mime_header_value(raw, len, "Content-Type");
	char *from = mime_header_value(raw, len, "From");
	bool yes = ct != NULL || from != NULL;

	free(ct);
	free(from);
	return yes;
}

static int
import_input(char *raw, size_t len)
{
	struct blobs b = {.n = 0};
	size_t i, ok = 0;

	if (looks_like_message(raw, len)) {
		message_blobs(raw, len, &b);
		if (b.n == 0) {
			fputs("cachet: import: the message carries no key "
			    "(no application/pgp-keys part, no Autocrypt "
			    "header for its sender)\n", stderr);
			return CMD_EXIT_FAIL;
		}
		for (i = 0; i < b.n; i++) {
			ok += import_with(CRYPTO_PROTO_OPENPGP, &b.v[i],
			    false) == 0;
			free(b.v[i].data);
		}
	} else {
		struct blob one = {raw, len, "file"};

		/* An OpenPGP key, else a certificate. */
		ok = import_with(CRYPTO_PROTO_OPENPGP, &one, true) == 0 ||
		    import_with(CRYPTO_PROTO_SMIME, &one, false) == 0;
	}
	if (ok > 0)
		puts("Imported keys are not trusted by importing: check the "
		    "fingerprint with its owner, then certify it.");
	return ok > 0 ? CMD_EXIT_OK : CMD_EXIT_FAIL;
}

int
cmd_import(int argc, char **argv, const char *config_path)
{
	struct cachet_err err = {0};
	struct config cfg = {0};
	struct buf in = BUF_INIT;
	const char *file = argc > 1 ? argv[1] : "-";
	char chunk[65536], *raw = NULL;
	size_t len = 0, n;
	int r;

	if (argc > 2) {
		fputs("cachet: import takes one file (or -)\n", stderr);
		return CMD_EXIT_USAGE;
	}
	if (strcmp(file, "-") == 0) {
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0 &&
		    in.len <= IMPORT_INPUT_MAX)
			buf_add(&in, chunk, n);
		raw = buf_detach(&in, &len);
	} else if (util_read_file(file, &raw, &len, &err) != 0) {
		fprintf(stderr, "cachet: import: %s\n", err.msg);
		return CMD_EXIT_USAGE;
	}
	if (len == 0 || len > IMPORT_INPUT_MAX) {
		fputs("cachet: import: empty or too large input\n", stderr);
		free(raw);
		return CMD_EXIT_USAGE;
	}
	if (cmd_load_crypto_config(config_path, &cfg) != 0) {
		free(raw);
		return CMD_EXIT_USAGE;
	}
	cmd_set_config(cfg.path ? &cfg : NULL);
	r = import_input(raw, len);
	cmd_set_config(NULL);
	config_release(&cfg);
	free(raw);
	return r;
}
