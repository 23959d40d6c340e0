/*
 * engine_gpgme_agent: the GPGME engine's own conversation with gpg-agent,
 * for the S/MIME keys engine_gpgme_unlock.c unlocks before gpgsm needs
 * them. gpgconf (run without a shell) says where the instance's agent
 * listens, and starts it when it is not running; the connection is
 * GPGME's ASSUAN protocol, with the agent's pinentry set to loopback so
 * that any passphrase it wants comes back as an inquiry. Over it: KEYINFO
 * (is a key protected, is its passphrase cached) and a signature with a
 * key, made only to have the agent ask for, check and cache the
 * passphrase. The inquiry is answered once, by the instance's passphrase
 * callback; the answer is wiped as soon as the agent has it.
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_gpgme_int.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define AGENT_PASS_MAX 1024	/* longest passphrase, NUL included */
#define AGENT_LINE_MAX 4096	/* gpgconf output read */
#define AGENT_SOCKET_MAX 107	/* a unix socket path, NUL excluded */
#define AGENT_GRIP_LEN 40

/* The throw-away signature's digest: any fixed value does. */
static const char sethash[] = "SETHASH --hash=sha256 "
    "0000000000000000000000000000000000000000000000000000000000000000";

/* ------------------------------------------------------------ gpgconf */

/* Wait for pid; its exit status, or -1. */
static int
reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Run gpgconf [--homedir HOME] a1 a2 (no shell) and keep the first line
 * of its output in out; 0 when it exits 0.
 */
static int
gpgconf(const struct crypto_gpgme *g, const char *a1, const char *a2,
    char *out, size_t size)
{
	const char *prog = gpgme_get_dirinfo("gpgconf-name"), *argv[6];
	posix_spawn_file_actions_t fa;
	size_t n = 0, argc = 0;
	int fds[2], rc;
	ssize_t r;
	pid_t pid;

	out[0] = '\0';
	if (prog == NULL || pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	argv[argc++] = prog;
	if (g->home != NULL) {
		argv[argc++] = "--homedir";
		argv[argc++] = g->home;
	}
	argv[argc++] = a1;
	argv[argc++] = a2;
	argv[argc] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, prog, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	while (rc == 0 && n < size - 1 && (r = read(fds[0], out + n,
	    size - 1 - n)) != 0) {
		if (r > 0)
			n += (size_t)r;
		else if (errno != EINTR)
			break;
	}
	close(fds[0]);
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return rc == 0 && reap(pid) == 0 ? 0 : -1;
}

/* Undo gpgconf's percent escapes in place; false on anything odd. */
static bool
unescape(char *s)
{
	const char *r = s;
	char *w = s;
	int hi, lo;

	while (*r != '\0') {
		if (*r != '%') {
			*w++ = *r++;
			continue;
		}
		if ((hi = util_hexval((unsigned char)r[1])) < 0 ||
		    (lo = util_hexval((unsigned char)r[2])) < 0 || hi + lo == 0)
			return false;
		*w++ = (char)(hi * 16 + lo);
		r += 3;
	}
	*w = '\0';
	return true;
}

/* Where the instance's gpg-agent listens (asked once), or NULL. */
static const char *
agent_socket(struct crypto_gpgme *g)
{
	char line[AGENT_LINE_MAX];
	size_t i, n;

	if (g->agent_socket != NULL)
		return g->agent_socket;
	if (gpgconf(g, "--list-dirs", "agent-socket", line,
	    sizeof(line)) != 0 || !unescape(line) || line[0] != '/' ||
	    (n = strlen(line)) > AGENT_SOCKET_MAX)
		return NULL;
	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
			return NULL;
	g->agent_socket = xstrdup(line);
	return g->agent_socket;
}

/* -------------------------------------------------------- the agent */

/* One command; the transport's error, else the agent's. */
static gpgme_error_t
transact(gpgme_ctx_t agent, const char *cmd, gpgme_assuan_inquire_cb_t inq,
    void *inq_value, gpgme_assuan_status_cb_t st, void *st_value)
{
	gpgme_error_t ge, op = 0;

	ge = gpgme_op_assuan_transact_ext(agent, cmd, NULL, NULL, inq,
	    inq_value, st, st_value, &op);
	return ge != 0 ? ge : op;
}

static gpgme_error_t
agent_connect(const char *socket, gpgme_ctx_t *out)
{
	gpgme_ctx_t c = NULL;
	gpgme_error_t ge;

	*out = NULL;
	ge = gpgme_new(&c);
	if (ge == 0)
		ge = gpgme_set_protocol(c, GPGME_PROTOCOL_ASSUAN);
	if (ge == 0)
		ge = gpgme_ctx_set_engine_info(c, GPGME_PROTOCOL_ASSUAN,
		    socket, NULL);
	/* Never the agent's own pinentry on this connection. */
	if (ge == 0)
		ge = transact(c, "OPTION pinentry-mode=loopback", NULL, NULL,
		    NULL, NULL);
	if (ge != 0) {
		gpgme_release(c);
		return ge;
	}
	*out = c;
	return 0;
}

/*
 * gpgsm has normally started the agent already (listing secret keys asks
 * it); if not, gpgconf does.
 */
int
crypto_gpgme_agent_open(struct crypto_gpgme *g, const char *what,
    gpgme_ctx_t *out, struct cachet_err *err)
{
	const char *socket = agent_socket(g);
	char line[AGENT_LINE_MAX];
	gpgme_error_t ge;

	if (socket == NULL)
		return cachet_err(err, CACHET_E_CMD,
		    "%s: gpgconf does not say where gpg-agent listens", what);
	if ((ge = agent_connect(socket, out)) == 0)
		return 0;
	if (gpgme_err_code(ge) != GPG_ERR_NOT_SUPPORTED &&
	    gpgconf(g, "--launch", "gpg-agent", line, sizeof(line)) == 0)
		ge = agent_connect(socket, out);
	if (gpgme_err_code(ge) == GPG_ERR_NOT_SUPPORTED)
		return cachet_err(err, CACHET_E_AUTH, "%s: gpg-agent refuses "
		    "loopback pinentry (no-allow-loopback-pinentry), so "
		    "cachet cannot give it the S/MIME key's passphrase", what);
	if (ge != 0)
		return cachet_err(err, CACHET_E_CMD, "%s: gpg-agent: %s", what,
		    gpgme_strerror(ge));
	return 0;
}

/* What KEYINFO is asked about, and what it says. */
struct keyinfo {
	const char *grip;
	struct crypto_gpgme_agent_keyinfo *k;
};

/* "S KEYINFO grip type serialno idstr cached protection ..." */
static gpgme_error_t
keyinfo_status(void *opaque, const char *status, const char *args)
{
	struct keyinfo *ki = opaque;
	char grip[AGENT_GRIP_LEN + 1], cached[8], prot[8];

	if (status == NULL || args == NULL || strcmp(status, "KEYINFO") != 0 ||
	    sscanf(args, "%40s %*s %*s %*s %7s %7s", grip, cached, prot) != 3 ||
	    strcasecmp(grip, ki->grip) != 0)
		return 0;
	ki->k->found = true;
	ki->k->cached = strcmp(cached, "1") == 0;
	ki->k->protected = strcmp(prot, "P") == 0;
	return 0;
}

int
crypto_gpgme_agent_keyinfo(gpgme_ctx_t agent, const char *grip,
    struct crypto_gpgme_agent_keyinfo *k, struct cachet_err *err)
{
	struct keyinfo ki = { .grip = grip, .k = k };
	char cmd[64];
	gpgme_error_t ge;

	memset(k, 0, sizeof(*k));
	snprintf(cmd, sizeof(cmd), "KEYINFO %s", grip);
	ge = transact(agent, cmd, NULL, NULL, keyinfo_status, &ki);
	/* Not in the agent: gpgsm will say there is no secret key. */
	if (gpgme_err_code(ge) == GPG_ERR_NO_SECKEY)
		return 0;
	if (ge != 0)
		return cachet_err(err, CACHET_E_CMD, "gpg-agent: KEYINFO: %s",
		    gpgme_strerror(ge));
	return 0;
}

/* The agent's question for a passphrase, and what became of it. */
struct ask {
	struct crypto_gpgme *g;
	const char *hint;
	char *pass;		/* AGENT_PASS_MAX bytes */
	gpgme_data_t d;		/* refers to pass */
	int asked;
	struct crypto_gpgme_agent_ask *out;
};

static void
ask_done(struct ask *a)
{
	if (a->d != NULL)
		gpgme_data_release(a->d);
	a->d = NULL;
	explicit_bzero(a->pass, AGENT_PASS_MAX);
}

/*
 * GPGME's inquiry callback: INQUIRE PASSPHRASE is answered once by the
 * instance's callback; anything else, or a refusal, is cancelled. Called
 * again with no name once GPGME has sent the data.
 */
static gpgme_error_t
ask_inquire(void *opaque, const char *name, const char *args,
    gpgme_data_t *r_data)
{
	struct ask *a = opaque;
	size_t n;

	if (name == NULL) {
		ask_done(a);
		*r_data = NULL;
		return 0;
	}
	*r_data = NULL;
	if (strcmp(name, "PASSPHRASE") != 0 || a->asked++ > 0)
		return gpg_error(GPG_ERR_ASS_CANCELED);
	memset(a->pass, 0, AGENT_PASS_MAX);
	if (a->g->passphrase(a->g->passphrase_ctx, a->hint, a->pass,
	    AGENT_PASS_MAX) != 0) {
		a->out->refused = true;
		explicit_bzero(a->pass, AGENT_PASS_MAX);
		return gpg_error(GPG_ERR_ASS_CANCELED);
	}
	a->out->answered = true;
	a->pass[AGENT_PASS_MAX - 1] = '\0';
	/* The agent takes one line. */
	n = strcspn(a->pass, "\r\n");
	if (n == 0)
		return 0;
	if (gpgme_data_new_from_mem(&a->d, a->pass, n, 0) != 0) {
		a->d = NULL;
		return gpg_error(GPG_ERR_ASS_CANCELED);
	}
	*r_data = a->d;
	return 0;
}

gpgme_error_t
crypto_gpgme_agent_sign(struct crypto_gpgme *g, gpgme_ctx_t agent,
    const char *grip, const char *hint, struct crypto_gpgme_agent_ask *out)
{
	struct ask a = { .g = g, .hint = hint, .out = out };
	char cmd[64];
	gpgme_error_t ge;

	memset(out, 0, sizeof(*out));
	a.pass = xmalloc(AGENT_PASS_MAX);
	snprintf(cmd, sizeof(cmd), "SIGKEY %s", grip);
	ge = transact(agent, cmd, NULL, NULL, NULL, NULL);
	if (ge == 0)
		ge = transact(agent, sethash, NULL, NULL, NULL, NULL);
	if (ge == 0)
		ge = transact(agent, "PKSIGN", ask_inquire, &a, NULL, NULL);
	ask_done(&a);
	free(a.pass);
	return ge;
}
