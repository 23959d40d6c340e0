/*
 * cmd_secstat: the security status glue between the store's cache and the
 * crypto engines chosen by the configuration. Each thread that asks opens
 * its own engines (an engine instance belongs to one thread) with network
 * access off. The cache key is derived from the engines' key and trust
 * files, so importing a key or changing trust makes cached statuses stale.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "crypto/crypto.h"
#include "store/store.h"

struct engines {
	bool opened;
	struct crypto_engine *pgp;
	struct crypto_engine *smime;
	char key[80];
};

static __thread struct engines tls;

static const char *
engine_name(const char *configured, const char *fallback)
{
	return util_str_empty(configured) ? fallback : configured;
}

static char *
gnupg_home(void)
{
	const char *env = getenv("GNUPGHOME"), *home = getenv("HOME");

	if (!util_str_empty(env))
		return xstrdup(env);
	return xasprintf("%s/.gnupg", home ? home : "");
}

/* FNV-1a over the stat facts of the files that hold keys and trust. */
static void
hash_file(uint64_t *h, const char *path)
{
	struct stat sb;
	char buf[128];
	size_t i, n;

	if (stat(path, &sb) != 0)
		n = (size_t)snprintf(buf, sizeof(buf), "%s:-", path);
	else
		n = (size_t)snprintf(buf, sizeof(buf), "%lld.%ld:%lld",
		    (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
		    (long long)sb.st_size);
	for (i = 0; i < n && i < sizeof(buf); i++) {
		*h ^= (unsigned char)buf[i];
		*h *= 1099511628211ULL;
	}
}

const char *
cmd_secstat_key(void)
{
	static const char *const files[] = {
		"pubring.kbx", "pubring.gpg", "trustdb.gpg", "trustlist.txt",
		"gpgsm.conf", "gpg.conf",
	};
	const struct config *cfg = cmd_config();
	const char *smime = engine_name(cfg ? cfg->crypto.smime : NULL,
	    "gpgme");
	uint64_t h = 14695981039346656037ULL;
	char *home = gnupg_home();
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = xasprintf("%s/%s", home, files[i]);

		hash_file(&h, p);
		free(p);
	}
	if (cfg && cfg->crypto.smime_ca_file)
		hash_file(&h, cfg->crypto.smime_ca_file);
	free(home);
	snprintf(tls.key, sizeof(tls.key), "v1-%s-%016llx", smime,
	    (unsigned long long)h);
	return tls.key;
}

static void
open_engines(void)
{
	const struct config *cfg = cmd_config();
	struct crypto_engine_opts o = {
		.ca_file = cfg ? cfg->crypto.smime_ca_file : NULL,
		.allow_network = false,
	};
	char *dir = NULL;

	if (tls.opened)
		return;
	tls.opened = true;
	if (cfg == NULL || !util_str_empty(getenv("GNUPGHOME")))
		o.gnupg_home = getenv("GNUPGHOME");
	dir = store_account_dir(".smime");	/* collected certificates */
	o.store_dir = dir;
	crypto_engine_open(&tls.pgp, engine_name(cfg ? cfg->crypto.openpgp :
	    NULL, "gpgme"), CRYPTO_PROTO_OPENPGP, &o, NULL);
	crypto_engine_open(&tls.smime, engine_name(cfg ? cfg->crypto.smime :
	    NULL, "gpgme"), CRYPTO_PROTO_SMIME, &o, NULL);
	free(dir);
}

void
cmd_crypto_ctx(struct crypto_ctx *out)
{
	open_engines();
	memset(out, 0, sizeof(*out));
	out->openpgp = tls.pgp;
	out->smime = tls.smime;
}

int
cmd_secstat_compute(struct store *st, int64_t msg_id, bool decrypt_nested,
    struct crypto_status *out, struct cachet_err *err)
{
	struct crypto_ctx ctx = {0};
	struct store_secstat cache = {0};
	char *raw = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	r = store_msg_read_raw(st, msg_id, &raw, &len, err);
	if (r != 0)
		return r;
	open_engines();
	ctx.openpgp = tls.pgp;
	ctx.smime = tls.smime;
	ctx.decrypt_nested = decrypt_nested;
	r = crypto_status_compute(&ctx, raw, len, out, err);
	free(raw);
	if (decrypt_nested)
		return r;	/* cache only what opening shows by itself */
	cache.key = (char *)cmd_secstat_key();
	if (r != 0) {
		/* Cache the failure too, or it would be retried forever. */
		cache.verdict = CRYPTO_VERDICT_PROBLEM;
		cache.summary = xasprintf("cannot check: %s",
		    err ? err->msg : "error");
		cache.report = xstrdup(cache.summary);
		store_secstat_put(st, msg_id, &cache, NULL);
		free(cache.summary);
		free(cache.report);
		return r;
	}
	cache.verdict = out->verdict;
	cache.flags = out->flags;
	cache.summary = out->summary;
	cache.report = crypto_status_report(out, false);
	r = store_secstat_put(st, msg_id, &cache, err);
	free(cache.report);
	return r;
}

int
cmd_secstat_refresh(struct store *st, size_t limit, struct cachet_err *err)
{
	int64_t *ids = NULL;
	size_t n = 0, i;
	int r, done = 0;

	r = store_secstat_stale(st, cmd_secstat_key(), limit, &ids, &n, err);
	if (r != 0)
		return r;
	/* One message that cannot be checked does not stop the others. */
	for (i = 0; i < n; i++) {
		struct crypto_status s;

		if (cmd_secstat_compute(st, ids[i], false, &s, NULL) == 0)
			done++;
		crypto_status_release(&s);
	}
	free(ids);
	return done;
}
