/*
 * cmd_secstat: the security status glue between the store's cache and the
 * crypto engines chosen by the configuration. Each thread that asks opens
 * its own engines (an engine instance belongs to one thread) with network
 * access off. The cache key is derived from the engines' key and trust
 * files, so importing a key or changing trust makes cached statuses stale.
 *
 * Passphrases: every engine is opened with ask_passphrase, which hands
 * the question to the prompt the calling thread installed with
 * cmd_set_passphrase_fn (only the UI thread does). Other threads, and
 * the background refresh even on the UI thread, never prompt: the engine
 * is told no, and the operation fails cleanly. In loopback mode gpg-agent
 * asks once per operation, so the operations that may need a secret key
 * (sign, encrypt, decrypt) are wrapped: when one fails after a passphrase
 * was typed, it was wrong, and the operation runs again (the prompt then
 * says so), three times at most.
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
	/* The engines' own operations; pgp->ops and smime->ops point at
	 * copies whose sign, encrypt and decrypt ask again. */
	const struct crypto_engine_ops *pgp_real;
	const struct crypto_engine_ops *smime_real;
	struct crypto_engine_ops pgp_ops;
	struct crypto_engine_ops smime_ops;
	char key[80];
	crypto_passphrase_fn ask;	/* this thread's prompt, or NULL */
	void *ask_ctx;
	bool quiet;		/* background work: never prompt */
	bool answered;		/* a passphrase was typed this try */
	bool wrong;		/* the last one typed was refused */
	int tries;		/* of the operation being run */
};

/* How often one operation asks for a passphrase at most. */
#define PASSPHRASE_TRIES 3
/* How the prompt is told that the last passphrase was wrong. */
#define PASSPHRASE_AGAIN "wrong passphrase; again: "

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
	char *home = gnupg_home(), *smime_dir;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = xasprintf("%s/%s", home, files[i]);

		hash_file(&h, p);
		free(p);
	}
	if (cfg && cfg->crypto.smime_ca_file)
		hash_file(&h, cfg->crypto.smime_ca_file);
	/* The OpenSSL engine's CRLs (a new one changes the directory). */
	smime_dir = store_account_dir(".smime");
	if (smime_dir != NULL) {
		char *crls = xasprintf("%s/crls", smime_dir);

		hash_file(&h, crls);
		free(crls);
		free(smime_dir);
	}
	if (cfg && cfg->crypto.crl_fetch)
		h ^= 0x9e3779b97f4a7c15ULL;
	free(home);
	snprintf(tls.key, sizeof(tls.key), "v1-%s-%016llx", smime,
	    (unsigned long long)h);
	return tls.key;
}

/*
 * The engines' passphrase callback: the calling thread's prompt when it
 * has one and is not doing background work, else a refusal.
 */
static int
ask_passphrase(void *ctx, const char *hint, char *buf, size_t len)
{
	struct engines *t = ctx;
	size_t n = strlen(PASSPHRASE_AGAIN);
	char *again = NULL;
	int rc;

	if (t->ask == NULL || t->quiet)
		return -1;
	if (hint == NULL)
		hint = "";
	if (t->wrong && strncmp(hint, PASSPHRASE_AGAIN, n) != 0)
		hint = again = xasprintf("%s%s", PASSPHRASE_AGAIN, hint);
	rc = t->ask(t->ask_ctx, hint, buf, len);
	free(again);
	if (rc == 0)
		t->answered = true;
	return rc;
}

int
cmd_passphrase_ask(void *ctx, const char *hint, char *buf, size_t len)
{
	(void)ctx;
	return ask_passphrase(&tls, hint, buf, len);
}

void
cmd_set_passphrase_fn(crypto_passphrase_fn fn, void *ctx)
{
	tls.ask = fn;
	tls.ask_ctx = fn != NULL ? ctx : NULL;
}

/* Before an operation that may ask. */
static void
retry_begin(void)
{
	tls.answered = tls.wrong = false;
	tls.tries = 0;
}

/* After it: run it again? Yes when it failed after a passphrase was
 * typed (a right one would have let it through, or is cached now). */
static bool
retry_again(int rc)
{
	bool again = rc != 0 && tls.answered && tls.tries <
	    PASSPHRASE_TRIES - 1;

	tls.answered = false;
	tls.wrong = again;
	tls.tries = again ? tls.tries + 1 : 0;
	return again;
}

static const struct crypto_engine_ops *
real_ops(const struct crypto_engine *e)
{
	return e == tls.smime ? tls.smime_real : tls.pgp_real;
}

static int
retry_sign(struct crypto_engine *e, const char *signer, const char *data,
    size_t len, bool detached, char **out, size_t *outlen, char **micalg,
    struct cachet_err *err)
{
	const struct crypto_engine_ops *ops = real_ops(e);
	int rc;

	retry_begin();
	do
		rc = ops->sign(e, signer, data, len, detached, out, outlen,
		    micalg, err);
	while (retry_again(rc));
	return rc;
}

static int
retry_encrypt(struct crypto_engine *e, const char *const *recipients,
    size_t nrecipients, const char *signer, const char *data, size_t len,
    char **out, size_t *outlen, struct cachet_err *err)
{
	const struct crypto_engine_ops *ops = real_ops(e);
	int rc;

	retry_begin();
	do
		rc = ops->encrypt(e, recipients, nrecipients, signer, data,
		    len, out, outlen, err);
	while (retry_again(rc));
	return rc;
}

static int
retry_decrypt(struct crypto_engine *e, const char *data, size_t len,
    struct crypto_result *r, struct cachet_err *err)
{
	const struct crypto_engine_ops *ops = real_ops(e);
	int rc;

	retry_begin();
	for (;;) {
		rc = ops->decrypt(e, data, len, r, err);
		if (!retry_again(rc))
			return rc;
		/* What the failed try learnt (cipher, recipients) goes. */
		crypto_result_release(r);
	}
}

/* Make e's sign, encrypt and decrypt ask again after a wrong passphrase. */
static void
wrap_engine(struct crypto_engine *e, const struct crypto_engine_ops **real,
    struct crypto_engine_ops *copy)
{
	if (e == NULL)
		return;
	*real = e->ops;
	*copy = *e->ops;
	if (copy->sign != NULL)
		copy->sign = retry_sign;
	if (copy->encrypt != NULL)
		copy->encrypt = retry_encrypt;
	if (copy->decrypt != NULL)
		copy->decrypt = retry_decrypt;
	e->ops = copy;
}

static void
open_engines(void)
{
	const struct config *cfg = cmd_config();
	struct crypto_engine_opts o = {
		.ca_file = cfg ? cfg->crypto.smime_ca_file : NULL,
		.allow_network = false,
		.passphrase = ask_passphrase,
		.passphrase_ctx = &tls,
	};
	const char *smime;
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
	/*
	 * Revocation over the network only when the user turned it on:
	 * openssl fetches CRLs itself, gpgsm through its dirmngr.
	 */
	smime = engine_name(cfg ? cfg->crypto.smime : NULL, "gpgme");
	o.allow_network = cfg != NULL && cfg->crypto.crl_fetch;
	crypto_engine_open(&tls.smime, smime, CRYPTO_PROTO_SMIME, &o, NULL);
	free(dir);
	wrap_engine(tls.pgp, &tls.pgp_real, &tls.pgp_ops);
	wrap_engine(tls.smime, &tls.smime_real, &tls.smime_ops);
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

	bool quiet = tls.quiet;

	r = store_secstat_stale(st, cmd_secstat_key(), limit, &ids, &n, err);
	if (r != 0)
		return r;
	/* Nobody asked for these: a locked key is not unlocked for them. */
	tls.quiet = true;
	/* One message that cannot be checked does not stop the others. */
	for (i = 0; i < n; i++) {
		struct crypto_status s;

		if (cmd_secstat_compute(st, ids[i], false, &s, NULL) == 0)
			done++;
		crypto_status_release(&s);
	}
	tls.quiet = quiet;
	free(ids);
	return done;
}
