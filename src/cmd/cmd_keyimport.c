/*
 * cmd_keyimport: the one way keys and certificates come into the
 * keyrings (`cachet import`, WKD look-ups, the UI's import-keys). First
 * it lists what the data holds without importing (the engine's scan for
 * OpenPGP, OpenSSL for certificates); a WKD answer must carry the address
 * asked for; an address that already has a different key or certificate
 * (another primary fingerprint) stops everything unless the caller says
 * replace, and the caller learns which address and both fingerprints.
 * Only then is anything imported, and where each key came from is
 * recorded (cmd_keyorigin). The same key again is a refresh, not a
 * conflict. Importing never makes a key trusted. Runs on the calling
 * thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "crypto/crypto.h"
#include "store/store.h"

int
cmd_keys_engine_open(enum crypto_proto proto, struct crypto_engine **e,
    struct cachet_err *err)
{
	const struct config *cfg = cmd_config();
	struct crypto_engine_opts o = {.allow_network = false};
	const char *name = NULL;
	char *dir = NULL;
	int rc;

	if (cfg != NULL)
		name = proto == CRYPTO_PROTO_OPENPGP ? cfg->crypto.openpgp :
		    cfg->crypto.smime;
	if (util_str_empty(name))
		name = "gpgme";
	if (cfg != NULL && proto == CRYPTO_PROTO_SMIME)
		o.ca_file = cfg->crypto.smime_ca_file;
	if (proto == CRYPTO_PROTO_SMIME)
		o.store_dir = dir = store_account_dir(".smime");
	o.gnupg_home = getenv("GNUPGHOME");
	rc = crypto_engine_open(e, name, proto, &o, err);
	free(dir);
	return rc;
}

void
cmd_import_res_release(struct cmd_import_res *r)
{
	if (r == NULL)
		return;
	free(r->report);
	free(r->conflict);
	memset(r, 0, sizeof(*r));
}

/* What src holds: the engine's scan (OpenPGP) or OpenSSL (S/MIME). */
static int
scan(struct crypto_engine *e, const struct cmd_import_src *src,
    struct crypto_key **keys, size_t *n, struct cachet_err *err)
{
	if (src->proto == CRYPTO_PROTO_SMIME) {
		if (cmd_certscan(src->data, src->len, keys, n) == 0)
			return cachet_err(err, CACHET_E_INVAL,
			    "%s: no certificate found", src->what);
		return 0;
	}
	if (e->ops->scan_keys == NULL)
		return cachet_err(err, CACHET_E_INVAL, "%s: the %s engine "
		    "cannot check keys before importing them", src->what,
		    e->ops->name);
	if (e->ops->scan_keys(e, src->data, src->len, keys, n, err) != 0)
		return CACHET_E_INVAL;
	if (*n == 0)
		return cachet_err(err, CACHET_E_INVAL,
		    "%s: no key or certificate found", src->what);
	return 0;
}

static bool
has_addr(const struct crypto_key *k, const char *addr)
{
	size_t i;

	for (i = 0; i < k->naddrs; i++)
		if (strcasecmp(k->addrs[i], addr) == 0)
			return true;
	return false;
}

/* A WKD answer: every key in it must carry the address asked for. */
static int
check_addr(const struct crypto_key *keys, size_t n, const char *addr,
    struct cachet_err *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!has_addr(&keys[i], addr))
			return cachet_err(err, CACHET_E_INVAL, "the key %s "
			    "has no user ID with the address %s: refused",
			    keys[i].fpr ? keys[i].fpr : "?", addr);
	return 0;
}

/* Every address of incoming key k that has another key: lines to c. */
static void
check_conflicts(struct crypto_engine *e, const struct crypto_key *k,
    struct buf *c)
{
	struct crypto_key *have = NULL;
	struct cachet_err err = {0};
	size_t i, j, nh = 0;

	for (i = 0; i < k->naddrs; i++) {
		if (e->ops->list_keys == NULL || e->ops->list_keys(e,
		    k->addrs[i], false, &have, &nh, &err) != 0)
			continue;
		for (j = 0; j < nh; j++) {
			if (have[j].fpr == NULL || k->fpr == NULL ||
			    strcasecmp(have[j].fpr, k->fpr) == 0 ||
			    !has_addr(&have[j], k->addrs[i]))
				continue;
			buf_addf(c, "%s%s already has key %s; the new key is "
			    "%s", c->len ? "\n" : "", k->addrs[i],
			    have[j].fpr, k->fpr);
		}
		crypto_keys_free(have, nh);
		have = NULL;
		nh = 0;
	}
}

/*
 * Secret keys come in only from the user's own files: one arriving in a
 * message or from WKD would be someone else's key posing as the user's.
 */
static int
check_public(const struct cmd_import_src *src, const char *data,
    const struct crypto_key *keys, size_t n, struct cachet_err *err)
{
	size_t i;

	if (src->origin != NULL && strcmp(src->origin, "file") == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (keys[i].has_secret)
			break;
	if (i < n || memmem(data, src->len, "PRIVATE KEY", 11) != NULL)
		return cachet_err(err, CACHET_E_INVAL, "%s: holds a secret "
		    "key, which is only taken from your own files: refused",
		    src->what);
	return 0;
}

/* Scan one source and look for conflicts (lines to c). */
static int
check_src(const struct cmd_import_src *src, struct buf *c,
    struct cachet_err *err)
{
	struct crypto_engine *e = NULL;
	struct crypto_key *keys = NULL;
	size_t i, n = 0;
	int rc;

	if ((rc = cmd_keys_engine_open(src->proto, &e, err)) != 0)
		return rc;
	if ((rc = scan(e, src, &keys, &n, err)) == 0)
		rc = check_public(src, src->data, keys, n, err);
	if (rc == 0 && src->need_addr != NULL)
		rc = check_addr(keys, n, src->need_addr, err);
	for (i = 0; rc == 0 && i < n; i++)
		check_conflicts(e, &keys[i], c);
	crypto_keys_free(keys, n);
	crypto_engine_close(e);
	return rc;
}

/* Import one checked source; its keys go to the report and the record. */
static int
import_src(const struct cmd_import_src *src, struct cmd_import_res *res,
    struct buf *rep, struct cachet_err *err)
{
	struct crypto_engine *e = NULL;
	struct crypto_key *keys = NULL;
	const char **fprs;
	size_t i, n = 0;
	int rc;

	if ((rc = cmd_keys_engine_open(src->proto, &e, err)) != 0)
		return rc;
	rc = e->ops->import ? e->ops->import(e, src->data, src->len, &keys,
	    &n, err) : cachet_err(err, CACHET_E_INVAL, "the %s engine "
	    "cannot import", e->ops->name);
	crypto_engine_close(e);
	if (rc != 0)
		return rc;
	fprs = xcalloc(n + 1, sizeof(*fprs));
	for (i = 0; i < n; i++)
		fprs[i] = keys[i].fpr ? keys[i].fpr : "";
	cmd_keyorigin_record(fprs, n, src->origin, src->detail, NULL);
	free(fprs);
	cmd_keyorigin_apply(keys, n);
	for (i = 0; i < n; i++) {
		char *d = cmd_keys_describe(&keys[i]);

		buf_addf(rep, "imported from %s:\n%s\n", src->what, d);
		free(d);
	}
	res->imported += n;
	crypto_keys_free(keys, n);
	return 0;
}

int
cmd_keyimport(const struct cmd_import_src *src, size_t n, bool replace,
    struct cmd_import_res *res, struct cachet_err *err)
{
	struct buf c = BUF_INIT, rep = BUF_INIT;
	struct cachet_err e1 = {0}, e2 = {0};
	size_t i;
	int rc = 0, r, first = 0;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < n && rc == 0; i++)
		rc = check_src(&src[i], &c, err);
	if (rc == 0 && c.len > 0 && !replace) {
		res->conflict = buf_detach(&c, NULL);
		rc = cachet_err(err, CACHET_E_INVAL, "%s", res->conflict);
	}
	/* One source failing (a broken Autocrypt key beside a good
	 * attachment) does not stop the others. */
	for (i = 0; i < n && rc == 0; i++)
		if ((r = import_src(&src[i], res, &rep,
		    first == 0 ? &e1 : &e2)) != 0 && first == 0)
			first = r;
	if (rc == 0 && res->imported == 0)
		rc = first != 0 ? cachet_err(err, first, "%s", e1.msg) :
		    cachet_err(err, CACHET_E_INVAL, "nothing to import");
	res->report = rep.len > 0 ? buf_detach(&rep, NULL) : NULL;
	buf_release(&rep);
	buf_release(&c);
	return rc;
}
