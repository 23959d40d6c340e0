/*
 * cmd_keys: the OpenPGP keys and X.509 certificates the configured engines
 * know, for `cachet keys [--secret] [PATTERN]` and the UI's key view: one
 * listing over both protocols (OpenPGP first), one description block per
 * key (fingerprint, user IDs, addresses, validity, owner trust, dates,
 * flags, usage, secret part, issuer, origin: cachet's own record of
 * where it imported a key from, else "keyring"), all sanitised; and
 * `cachet keys --trust FPR LEVEL` (OpenPGP owner trust) and `--locate
 * ADDR [--replace]` (a WKD look-up, cmd_wkd.c). Engines are
 * opened for one listing, with the network off, and closed again. Runs on
 * the calling thread (the main thread for the command, the UI thread for
 * the view).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "config/config.h"
#include "crypto/crypto.h"
#include "store/store.h"

static const char *
proto_name(enum crypto_proto p)
{
	return p == CRYPTO_PROTO_OPENPGP ? "OpenPGP" : "S/MIME";
}

static const char *
engine_for(const struct config *cfg, enum crypto_proto p)
{
	const char *name = NULL;

	if (cfg != NULL)
		name = p == CRYPTO_PROTO_OPENPGP ? cfg->crypto.openpgp :
		    cfg->crypto.smime;
	return util_str_empty(name) ? "gpgme" : name;
}

static void
add_warning(struct buf *w, const char *fmt, const char *a, const char *b)
{
	if (w->len > 0)
		buf_adds(w, "; ");
	buf_addf(w, fmt, a, b);
}

/* Append the keys of one protocol to *out. */
static void
list_proto(enum crypto_proto p, const char *pattern, bool secret,
    struct crypto_key **out, size_t *n, struct buf *warn)
{
	const struct config *cfg = cmd_config();
	const char *name = engine_for(cfg, p);
	struct crypto_engine_opts o = {.allow_network = false};
	struct crypto_engine *e = NULL;
	struct crypto_key *keys = NULL;
	struct cachet_err err = {0};
	char *store = NULL;
	size_t nk = 0;

	if (p == CRYPTO_PROTO_SMIME && cfg != NULL)
		o.ca_file = cfg->crypto.smime_ca_file;
	if (p == CRYPTO_PROTO_SMIME && strcmp(name, "openssl") == 0)
		o.store_dir = store = store_account_dir(".smime");
	if (crypto_engine_open(&e, name, p, &o, &err) != 0) {
		add_warning(warn, "%s: %s", proto_name(p), err.msg);
		goto out;
	}
	if (e->ops->list_keys == NULL) {
		add_warning(warn, "%s: engine %s cannot list keys",
		    proto_name(p), name);
		goto out;
	}
	if (e->ops->list_keys(e, pattern, secret, &keys, &nk, &err) != 0) {
		add_warning(warn, "%s: %s", proto_name(p), err.msg);
		goto out;
	}
	if (nk > 0) {
		*out = xreallocarray(*out, *n + nk, sizeof(**out));
		memcpy(*out + *n, keys, nk * sizeof(*keys));
		*n += nk;
	}
	free(keys);	/* the members moved to *out */
out:
	crypto_engine_close(e);
	free(store);
}

int
cmd_keys_list(const char *pattern, bool secret, struct crypto_key **out,
    size_t *n, char **warn)
{
	struct buf w = BUF_INIT;

	*out = NULL;
	*n = 0;
	list_proto(CRYPTO_PROTO_OPENPGP, pattern, secret, out, n, &w);
	list_proto(CRYPTO_PROTO_SMIME, pattern, secret, out, n, &w);
	cmd_keyorigin_apply(*out, *n);
	if (warn != NULL)
		*warn = w.len > 0 ? util_sanitize(w.data, w.len, false,
		    false) : NULL;
	buf_release(&w);
	return 0;
}

static const char *
trust_name(enum crypto_trust t)
{
	switch (t) {
	case CRYPTO_TRUST_NEVER:
		return "never";
	case CRYPTO_TRUST_MARGINAL:
		return "marginal";
	case CRYPTO_TRUST_FULL:
		return "full";
	case CRYPTO_TRUST_ULTIMATE:
		return "ultimate";
	default:
		return "unknown";
	}
}

const char *
cmd_keys_validity(const struct crypto_key *k)
{
	if (k->revoked)
		return "revoked";
	if (k->expired)
		return "expired";
	return trust_name(k->validity);
}

const char *
cmd_keys_usage(const struct crypto_key *k)
{
	if (k->can_sign && k->can_encrypt)
		return "sign, encrypt";
	if (k->can_sign)
		return "sign";
	return k->can_encrypt ? "encrypt" : "none";
}

/* One "  label: value" line, value sanitised to a single line. */
static void
add_field(struct buf *b, const char *label, const char *value)
{
	char *v = util_sanitize(value != NULL ? value : "",
	    value != NULL ? strlen(value) : 0, false, false);

	buf_addf(b, "  %-12s %s\n", label, v);
	free(v);
}

static void
add_date(struct buf *b, const char *label, int64_t t, const char *none)
{
	char date[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d", &tm) == 0)
		snprintf(date, sizeof(date), "%s", none);
	add_field(b, label, date);
}

char *
cmd_keys_describe(const struct crypto_key *k)
{
	struct buf b = BUF_INIT;
	char *fpr = util_sanitize(k->fpr ? k->fpr : "?",
	    k->fpr ? strlen(k->fpr) : 1, false, false);
	size_t i;

	buf_addf(&b, "%s %s\n", k->proto == CRYPTO_PROTO_OPENPGP ?
	    "OpenPGP key" : "X.509 certificate", fpr);
	free(fpr);
	for (i = 0; i < k->nuids; i++)
		add_field(&b, k->proto == CRYPTO_PROTO_OPENPGP ? "user ID:" :
		    i == 0 ? "subject:" : "alt name:", k->uids[i]);
	for (i = 0; i < k->naddrs; i++)
		add_field(&b, "address:", k->addrs[i]);
	add_field(&b, "validity:", trust_name(k->validity));
	if (k->proto == CRYPTO_PROTO_OPENPGP)
		add_field(&b, "owner trust:", trust_name(k->owner_trust));
	add_date(&b, "created:", k->created, "unknown");
	add_date(&b, "expires:", k->expires, "never");
	add_field(&b, "flags:", k->revoked && k->expired ? "revoked, expired" :
	    k->revoked ? "revoked" : k->expired ? "expired" : "none");
	add_field(&b, "usage:", cmd_keys_usage(k));
	add_field(&b, "secret:", k->has_secret ? "yes" : "no");
	if (k->proto == CRYPTO_PROTO_SMIME)
		add_field(&b, "issuer:", k->issuer ? k->issuer : "unknown");
	add_field(&b, "origin:", k->origin ? k->origin : "unknown");
	return buf_detach(&b, NULL);
}

/* ---------------------------------------------------- `cachet keys` */

int
cmd_load_crypto_config(const char *config_path, struct config *cfg)
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

static int
keys_print(const char *pattern, bool secret)
{
	struct crypto_key *keys = NULL;
	char *warn = NULL, *block;
	size_t n = 0, i;

	cmd_keys_list(pattern, secret, &keys, &n, &warn);
	for (i = 0; i < n; i++) {
		block = cmd_keys_describe(&keys[i]);
		printf("%s%s", i > 0 ? "\n" : "", block);
		free(block);
	}
	if (warn != NULL)
		fprintf(stderr, "cachet: %s\n", warn);
	if (n == 0)
		fprintf(stderr, "cachet: no keys or certificates%s\n",
		    pattern != NULL ? " match" : "");
	free(warn);
	crypto_keys_free(keys, n);
	if (fflush(stdout) != 0)
		return CMD_EXIT_FAIL;
	return n > 0 ? CMD_EXIT_OK : CMD_EXIT_FAIL;
}

/* ------------------------------------------------------ owner trust */

static const char *const trust_words[] = {
	[CRYPTO_TRUST_UNKNOWN] = "unknown",
	[CRYPTO_TRUST_NEVER] = "never",
	[CRYPTO_TRUST_MARGINAL] = "marginal",
	[CRYPTO_TRUST_FULL] = "full",
	[CRYPTO_TRUST_ULTIMATE] = "ultimate",
};

int
cmd_keys_set_trust(const char *fpr, int level, struct cachet_err *err)
{
	struct crypto_engine *e = NULL;
	int rc;

	if (level < CRYPTO_TRUST_UNKNOWN || level > CRYPTO_TRUST_ULTIMATE)
		return cachet_err(err, CACHET_E_INVAL, "no such trust level");
	if ((rc = cmd_keys_engine_open(CRYPTO_PROTO_OPENPGP, &e, err)) != 0)
		return rc;
	rc = e->ops->set_owner_trust != NULL ? e->ops->set_owner_trust(e,
	    fpr, (enum crypto_trust)level, err) : cachet_err(err,
	    CACHET_E_INVAL, "the %s engine cannot set owner trust",
	    e->ops->name);
	crypto_engine_close(e);
	return rc;
}

static int
keys_trust(const char *fpr, const char *word)
{
	struct cachet_err err = {0};
	int i;

	for (i = 0; i <= CRYPTO_TRUST_ULTIMATE; i++)
		if (strcmp(word, trust_words[i]) == 0)
			break;
	if (i > CRYPTO_TRUST_ULTIMATE) {
		fprintf(stderr, "cachet: keys --trust: level is one of "
		    "unknown, never, marginal, full, ultimate\n");
		return CMD_EXIT_USAGE;
	}
	if (cmd_keys_set_trust(fpr, i, &err) != 0) {
		fprintf(stderr, "cachet: keys --trust: %s\n", err.msg);
		return err.code == CACHET_E_INVAL ? CMD_EXIT_USAGE :
		    CMD_EXIT_FAIL;
	}
	printf("owner trust of %s set to %s\n", fpr, trust_words[i]);
	return CMD_EXIT_OK;
}

/* ------------------------------------------------------- WKD look-up */

static int
keys_locate(const char *addr, bool replace)
{
	struct cmd_import_res res = {0};
	struct cachet_err err = {0};
	int rc;

	rc = cmd_wkd_locate(addr, replace, NULL, &res, &err);
	if (res.report != NULL)
		fputs(res.report, stdout);
	if (res.conflict != NULL)
		fprintf(stderr, "cachet: import refused: %s\ncachet: check "
		    "the new key with its owner; import it anyway with "
		    "`cachet keys --locate ADDR --replace`\n", res.conflict);
	else if (rc != 0)
		fprintf(stderr, "cachet: keys --locate %s: %s\n", addr,
		    err.msg);
	cmd_import_res_release(&res);
	return rc == 0 ? CMD_EXIT_OK : CMD_EXIT_FAIL;
}

int
cmd_keys(int argc, char **argv, const char *config_path)
{
	static const struct option longopts[] = {
		{"secret", no_argument, NULL, 's'},
		{"trust", required_argument, NULL, 't'},
		{"locate", required_argument, NULL, 'l'},
		{"replace", no_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct config cfg = {0};
	const char *trust = NULL, *locate = NULL;
	bool secret = false, replace = false;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 's')
			secret = true;
		else if (ch == 't')
			trust = optarg;
		else if (ch == 'l')
			locate = optarg;
		else if (ch == 'r')
			replace = true;
		else
			goto usage;
	}
	if ((trust != NULL) + (locate != NULL) > 1 ||
	    (trust != NULL ? argc - optind != 1 : argc - optind > 1) ||
	    (locate != NULL && argc - optind != 0) ||
	    (replace && locate == NULL) || (secret && (trust || locate)))
		goto usage;
	if (cmd_load_crypto_config(config_path, &cfg) != 0)
		return CMD_EXIT_USAGE;
	cmd_set_config(&cfg);
	if (trust != NULL)
		rc = keys_trust(trust, argv[optind]);
	else if (locate != NULL)
		rc = keys_locate(locate, replace);
	else
		rc = keys_print(optind < argc ? argv[optind] : NULL, secret);
	cmd_set_config(NULL);
	config_release(&cfg);
	return rc;
usage:
	fputs("usage: cachet [-c FILE] keys [--secret] [PATTERN]\n"
	    "       cachet [-c FILE] keys --trust FINGERPRINT "
	    "unknown|never|marginal|full|ultimate\n"
	    "       cachet [-c FILE] keys --locate ADDRESS [--replace]\n",
	    stderr);
	return CMD_EXIT_USAGE;
}
