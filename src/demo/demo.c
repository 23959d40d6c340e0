/*
 * demo: the embedded demo account. demo_prepare makes a private temporary
 * directory holding an offline store filled from the sample messages in
 * src/demo/mail/FOLDER/NN-name.eml and a GnuPG home with the demo keys, and
 * points GNUPGHOME at it; demo_cleanup stops that home's agent and removes
 * the directory. Runs on the main thread, before the UI or any worker
 * starts (it changes the environment).
 */
#include "demo/demo.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo/demo_int.h"
#include "mime/mime.h"
#include "store/store.h"

#ifndef CACHET_SRCDIR
#define CACHET_SRCDIR "."
#endif

/* Every demo directory is named like this; demo_cleanup checks it. */
#define DEMO_PREFIX "cachet-demo."
/*
 * Longest $TMPDIR used: gpg-agent's sockets live in DIR/gnupg and a unix
 * socket path has at most 107 bytes ("/cachet-demo.XXXXXX/gnupg" and
 * "/S.gpg-agent.browser" take 45 of them).
 */
#define DEMO_TMPDIR_MAX 60

/* Folders in the order they are created; each is a directory in mail/. */
static const char *const demo_folders[] = { "INBOX", "Archive", "Sent" };

/* Flags of the samples that are not simply "read". */
static const struct {
	const char *file;	/* FOLDER/NAME.eml */
	uint32_t flags;
} demo_flags[] = {
	{ "INBOX/09-thread-reply.eml", STORE_F_SEEN | STORE_F_ANSWERED },
	{ "INBOX/11-thread-reply.eml", 0 },
	{ "INBOX/14-pgp-encrypted-signed.eml", STORE_F_SEEN | STORE_F_FLAGGED },
	{ "INBOX/15-pgp-inline-clearsigned.eml",
	    STORE_F_SEEN | STORE_F_ANSWERED },
	{ "INBOX/17-pgp-signer-not-sender.eml", 0 },
	{ "INBOX/18-pgp-unknown-key.eml", 0 },
	{ "INBOX/21-smime-encrypted.eml", 0 },
};

const char *
demo_data_dir(void)
{
	return CACHET_SRCDIR "/src/demo";
}

static uint32_t
flags_for(const char *folder, const char *name)
{
	size_t i, n = strlen(folder);

	for (i = 0; i < sizeof(demo_flags) / sizeof(demo_flags[0]); i++) {
		const char *f = demo_flags[i].file;

		if (strncmp(f, folder, n) == 0 && f[n] == '/' &&
		    strcmp(f + n + 1, name) == 0)
			return demo_flags[i].flags;
	}
	return STORE_F_SEEN;
}

static int
is_sample(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 &&
	    strcmp(d->d_name + n - 4, ".eml") == 0;
}

/* Store one sample file as message `uid` of the folder. */
static int
add_message(struct store *st, int64_t fid, uint32_t uid, const char *folder,
    const char *path, const char *name, struct cachet_err *err)
{
	struct mime_envelope env;
	struct store_msg m;
	char *raw = NULL, *text = NULL;
	size_t len;
	int rc;

	memset(&env, 0, sizeof(env));
	if ((rc = util_read_file(path, &raw, &len, err)) != 0)
		return rc;
	if (len > UINT32_MAX) {
		rc = cachet_err(err, CACHET_E_INVAL, "%s: too large", path);
		goto out;
	}
	if ((rc = mime_parse_envelope(raw, len, &env, err)) != 0) {
		cachet_err_prefix(err, "%s", path);
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.folder_id = fid;
	m.uid = uid;
	m.flags = flags_for(folder, name);
	m.date = env.date;
	m.size = (uint32_t)len;
	m.from = env.from;
	m.to = env.to;
	m.cc = env.cc;
	m.subject = env.subject;
	m.message_id = env.message_id;
	m.in_reply_to = env.in_reply_to;
	m.references = env.references;
	if ((rc = store_msg_put(st, &m, NULL, err)) != 0)
		goto out;
	text = mime_index_text(raw, len);
	rc = store_msg_set_body(st, fid, uid, raw, len, text, err);
out:
	mime_envelope_release(&env);
	free(text);
	free(raw);
	return rc;
}

/* Create the folder and store its samples with UIDs 1, 2, ... */
static int
fill_folder(struct store *st, const char *maildir, const char *folder,
    struct cachet_err *err)
{
	struct dirent **ents = NULL;
	char *dir = xasprintf("%s/%s", maildir, folder);
	int64_t fid;
	int i, n, rc;

	n = scandir(dir, &ents, is_sample, alphasort);
	if (n < 0) {
		rc = cachet_err(err, CACHET_E_NOTFOUND, "demo mail %s: %s",
		    dir, strerror(errno));
		free(dir);
		return rc;
	}
	rc = store_folder_ensure(st, folder, '/', &fid, err);
	for (i = 0; i < n && rc == 0; i++) {
		char *path = xasprintf("%s/%s", dir, ents[i]->d_name);

		rc = add_message(st, fid, (uint32_t)i + 1, folder, path,
		    ents[i]->d_name, err);
		free(path);
	}
	if (rc == 0)
		rc = store_folder_set_state(st, fid, 1, (uint32_t)n + 1, 0,
		    err);
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	free(dir);
	return rc;
}

static int
fill_store(const char *storedir, struct cachet_err *err)
{
	struct store *st = NULL;
	char *maildir = xasprintf("%s/mail", demo_data_dir());
	size_t i;
	int rc;

	if ((rc = store_open(&st, storedir, err)) != 0)
		goto out;
	if ((rc = store_begin(st, err)) != 0)
		goto out;
	for (i = 0; i < sizeof(demo_folders) / sizeof(demo_folders[0]); i++)
		if ((rc = fill_folder(st, maildir, demo_folders[i], err)) != 0)
			break;
	if (rc == 0)
		rc = store_commit(st, err);
	else
		store_rollback(st);
out:
	store_close(st);
	free(maildir);
	return rc;
}

/* A new private (0700) directory with a short path, or NULL. */
static char *
make_dir(struct cachet_err *err)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	if (tmp == NULL || tmp[0] != '/' || strlen(tmp) > DEMO_TMPDIR_MAX)
		tmp = "/tmp";
	dir = xasprintf("%s/" DEMO_PREFIX "XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		cachet_err(err, CACHET_E_IO, "cannot create a directory in "
		    "%s: %s", tmp, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

int
demo_prepare(char **dirp, struct cachet_err *err)
{
	char *dir = NULL, *home = NULL, *keys = NULL, *log = NULL;
	char *storedir = NULL;
	int rc;

	if (dirp == NULL)
		return cachet_err(err, CACHET_E_INVAL, "demo_prepare: no dir");
	*dirp = NULL;
	if ((dir = make_dir(err)) == NULL)
		return CACHET_E_IO;
	home = xasprintf("%s/gnupg", dir);
	keys = xasprintf("%s/keys", demo_data_dir());
	log = xasprintf("%s/gnupg-setup.log", dir);
	storedir = xasprintf("%s/store", dir);
	if ((rc = demo_gnupg_setup(home, keys, log, err)) != 0)
		goto out;
	if (setenv("GNUPGHOME", home, 1) != 0) {
		rc = cachet_err(err, CACHET_E_IO, "cannot set GNUPGHOME: %s",
		    strerror(errno));
		goto out;
	}
	if ((rc = fill_store(storedir, err)) != 0) {
		cachet_err_prefix(err, "demo store");
		goto out;
	}
	*dirp = dir;
	dir = NULL;
out:
	if (dir != NULL)
		demo_cleanup(dir);
	free(dir);
	free(home);
	free(keys);
	free(log);
	free(storedir);
	return rc;
}

static int
remove_entry(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	/* Keep going on errors: remove as much as possible. */
	(void)remove(path);
	return 0;
}

void
demo_cleanup(const char *dir)
{
	const char *base;
	char *home;

	if (dir == NULL || dir[0] != '/')
		return;
	/* A recursive delete: only ever of a directory demo_prepare made. */
	base = strrchr(dir, '/') + 1;
	if (strncmp(base, DEMO_PREFIX, strlen(DEMO_PREFIX)) != 0)
		return;
	home = xasprintf("%s/gnupg", dir);
	if (access(home, F_OK) == 0)
		demo_gnupg_stop(home);
	free(home);
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
