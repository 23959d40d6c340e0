/*
 * demo_gnupg: the demo account's throwaway GnuPG home. Imports the shipped
 * demo keys with gpg and gpgsm (fixed argument vectors, no shell), trusts
 * the demo CA, and keeps gpg and gpgsm off the network. Runs on the main
 * thread, before the UI or any worker starts.
 */
#include "demo/demo_int.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* No key server, no WKD, no automatic retrieval: the demo is offline. */
static const char gpg_conf[] =
    "no-auto-key-retrieve\n"
    "auto-key-locate local\n";
/* No dirmngr, hence no CRL or OCSP fetches for the demo certificates. */
static const char gpgsm_conf[] = "disable-dirmngr\n";

/* The last non-empty line of the log, sanitised; owned by the caller. */
static char *
log_last_line(const char *log)
{
	char *data = NULL, *line, *out;
	size_t len = 0, end, start;

	if (log == NULL || util_read_file(log, &data, &len, NULL) != 0)
		return xstrdup("");
	end = len;
	while (end > 0 && (data[end - 1] == '\n' || data[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && data[start - 1] != '\n')
		start--;
	line = data + start;
	out = util_sanitize(line, end - start, false, false);
	free(data);
	return out;
}

static int
spawn_actions(posix_spawn_file_actions_t *fa, const char *stdin_path,
    const char *log)
{
	if (posix_spawn_file_actions_init(fa) != 0)
		return -1;
	if (posix_spawn_file_actions_addopen(fa, 0,
	    stdin_path != NULL ? stdin_path : "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_addopen(fa, 1, "/dev/null", O_WRONLY,
	    0) != 0 ||
	    posix_spawn_file_actions_addopen(fa, 2,
	    log != NULL ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND,
	    0600) != 0) {
		posix_spawn_file_actions_destroy(fa);
		return -1;
	}
	return 0;
}

int
demo_run(const char *const argv[], const char *stdin_path, const char *log,
    struct cachet_err *err)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc, status;
	char *why;

	if (spawn_actions(&fa, stdin_path, log) != 0)
		return cachet_err(err, CACHET_E_CMD, "%s: cannot set up",
		    argv[0]);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
	    environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return cachet_err(err, CACHET_E_CMD, "cannot run %s: %s",
		    argv[0], strerror(rc));
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return cachet_err(err, CACHET_E_CMD,
			    "waiting for %s: %s", argv[0], strerror(errno));
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	why = log_last_line(log);
	if (WIFEXITED(status))
		rc = cachet_err(err, CACHET_E_CMD, "%s %s failed (exit %d): %s",
		    argv[0], argv[1] != NULL ? argv[1] : "",
		    WEXITSTATUS(status), why);
	else
		rc = cachet_err(err, CACHET_E_CMD, "%s killed by signal %d",
		    argv[0], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	free(why);
	return rc;
}

static int
write_conf(const char *home, const char *name, const char *text,
    struct cachet_err *err)
{
	return util_write_atomic(home, home, name, text, strlen(text), err);
}

/* trustlist.txt must exist before gpg-agent starts: the agent caches it. */
static int
write_trustlist(const char *home, const char *keydir, struct cachet_err *err)
{
	char *src = xasprintf("%s/trustlist.txt", keydir);
	char *data = NULL;
	size_t len;
	int rc;

	rc = util_read_file(src, &data, &len, err);
	if (rc == 0)
		rc = util_write_atomic(home, home, "trustlist.txt", data, len,
		    err);
	free(data);
	free(src);
	return rc;
}

static int
import_openpgp(const char *home, const char *keydir, const char *log,
    struct cachet_err *err)
{
	char *sec = xasprintf("%s/demo.sec.asc", keydir);
	char *alice = xasprintf("%s/alice.pub.asc", keydir);
	char *bob = xasprintf("%s/bob.pub.asc", keydir);
	char *trust = xasprintf("%s/ownertrust.txt", keydir);
	const char *imp[] = { "gpg", "--homedir", home, "--batch", "--no-tty",
	    "--import", sec, alice, bob, NULL };
	const char *own[] = { "gpg", "--homedir", home, "--batch", "--no-tty",
	    "--import-ownertrust", trust, NULL };
	const char *chk[] = { "gpg", "--homedir", home, "--batch", "--no-tty",
	    "--check-trustdb", NULL };
	int rc;

	rc = demo_run(imp, NULL, log, err);
	if (rc == 0)
		rc = demo_run(own, NULL, log, err);
	if (rc == 0)
		rc = demo_run(chk, NULL, log, err);
	free(sec);
	free(alice);
	free(bob);
	free(trust);
	return rc;
}

static int
import_smime(const char *home, const char *keydir, const char *log,
    struct cachet_err *err)
{
	char *ca = xasprintf("%s/smime-ca.crt.pem", keydir);
	char *alice = xasprintf("%s/smime-alice.crt.pem", keydir);
	char *p12 = xasprintf("%s/smime-demo.p12", keydir);
	const char *certs[] = { "gpgsm", "--homedir", home, "--batch",
	    "--import", ca, alice, NULL };
	/*
	 * The PKCS#12 password is empty; an empty passphrase from /dev/null
	 * leaves the imported key unprotected, as the demo needs.
	 */
	const char *key[] = { "gpgsm", "--homedir", home, "--batch",
	    "--pinentry-mode", "loopback", "--passphrase-fd", "0", "--import",
	    p12, NULL };
	int rc;

	rc = demo_run(certs, NULL, log, err);
	if (rc == 0)
		rc = demo_run(key, NULL, log, err);
	free(ca);
	free(alice);
	free(p12);
	return rc;
}

int
demo_gnupg_setup(const char *home, const char *keydir, const char *log,
    struct cachet_err *err)
{
	int rc;

	if (mkdir(home, 0700) != 0)
		return cachet_err(err, CACHET_E_IO, "cannot create %s: %s",
		    home, strerror(errno));
	if ((rc = write_conf(home, "gpg.conf", gpg_conf, err)) != 0 ||
	    (rc = write_conf(home, "gpgsm.conf", gpgsm_conf, err)) != 0 ||
	    (rc = write_trustlist(home, keydir, err)) != 0) {
		cachet_err_prefix(err, "demo key store");
		return rc;
	}
	if ((rc = import_openpgp(home, keydir, log, err)) != 0 ||
	    (rc = import_smime(home, keydir, log, err)) != 0) {
		cachet_err_prefix(err, "importing the demo keys");
		return rc;
	}
	return 0;
}

void
demo_gnupg_stop(const char *home)
{
	const char *kill[] = { "gpgconf", "--homedir", home, "--kill", "all",
	    NULL };
	const char *sock[] = { "gpgconf", "--homedir", home,
	    "--remove-socketdir", NULL };

	demo_run(kill, NULL, NULL, NULL);
	/* Only does something when the sockets live under /run/user. */
	demo_run(sock, NULL, NULL, NULL);
}
