/*
 * imap: connection set-up and the TLS policy. Greeting, STARTTLS,
 * capabilities, authentication, COMPRESS and ENABLE QRESYNC. Runs on the
 * account's sync thread.
 *
 * Policy: an account that needs TLS gets no credential and no mailbox
 * command before the handshake has verified the server; bytes that arrive
 * between the STARTTLS reply and the handshake abort the connection;
 * capabilities learned in plain text are thrown away; a PREAUTH greeting in
 * plain text is refused; [ALERT] text is shown only when it came over TLS.
 */
#include "imap_int.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	unsigned cap;
} cap_names[] = {
	{"CONDSTORE", IMAP_CAP_CONDSTORE},
	{"QRESYNC", IMAP_CAP_QRESYNC},
	{"IDLE", IMAP_CAP_IDLE},
	{"UIDPLUS", IMAP_CAP_UIDPLUS},
	{"MOVE", IMAP_CAP_MOVE},
	{"COMPRESS=DEFLATE", IMAP_CAP_COMPRESS},
	{"ENABLE", IMAP_CAP_ENABLE},
	{"LOGINDISABLED", IMAP_CAP_LOGINDISABLED},
	{"STARTTLS", IMAP_CAP_STARTTLS},
};

/*
 * The note for a refusal that carries [REFERRAL url] (RFC 2221 for logins,
 * RFC 2193 for mailboxes), or "" when it carries none. Referrals are never
 * followed: the server is only quoted, so the user learns where it points.
 */
static char *
referral_note(struct imap *im)
{
	struct mailimap_response_info *ri = im->s->imap_response_info;
	const char *url;
	char *clean, *note;

	if (ri == NULL || ri->rsp_atom == NULL ||
	    strcasecmp(ri->rsp_atom, "REFERRAL") != 0)
		return xstrdup("");
	url = ri->rsp_value ? ri->rsp_value : "";
	clean = util_sanitize(url, strlen(url), false, false);
	note = xasprintf(" (referral to %.200s not followed)", clean);
	free(clean);
	return note;
}

int
imap_fail(struct imap *im, int r, struct cachet_err *err, const char *what)
{
	const char *resp;

	if (im->io_failed) {
		cachet_err(err, im->io_err.code, "%s", im->io_err.msg);
		return cachet_err_prefix(err, "%s", what);
	}
	resp = im->s ? im->s->imap_response : NULL;
	if (r == MAILIMAP_ERROR_PARSE)
		return cachet_err(err, CACHET_E_PROTO,
		    "%s: cannot parse the server's reply", what);
	if (r == MAILIMAP_ERROR_STREAM)
		return cachet_err(err, CACHET_E_NET, "%s: connection lost",
		    what);
	if (resp != NULL) {
		char *clean = util_sanitize(resp, strlen(resp), false, false);
		char *note = referral_note(im);

		cachet_err(err, CACHET_E_SERVER, "%s: server said: %.200s%s",
		    what, clean, note);
		free(clean);
		free(note);
		return CACHET_E_SERVER;
	}
	return cachet_err(err, CACHET_E_SERVER, "%s failed (error %d)", what,
	    r);
}

static unsigned
caps_from(struct mailimap_capability_data *data)
{
	unsigned caps = 0;
	clistiter *it;
	size_t i;

	if (data == NULL)
		return 0;
	for (it = clist_begin(data->cap_list); it; it = clist_next(it)) {
		struct mailimap_capability *c = clist_content(it);

		if (c->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE) {
			const char *a = c->cap_data.cap_auth_type;

			if (a && strcasecmp(a, "PLAIN") == 0)
				caps |= IMAP_CAP_AUTH_PLAIN;
			if (a && strcasecmp(a, "XOAUTH2") == 0)
				caps |= IMAP_CAP_XOAUTH2;
			continue;
		}
		if (c->cap_data.cap_name == NULL)
			continue;
		for (i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
			if (strcasecmp(c->cap_data.cap_name,
			    cap_names[i].name) == 0)
				caps |= cap_names[i].cap;
	}
	return caps;
}

int
imap_read_caps(struct imap *im, struct cachet_err *err)
{
	struct mailimap_capability_data *data = NULL;
	int r = mailimap_capability(im->s, &data);

	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "CAPABILITY");
	im->caps = caps_from(data) & ~im->o.disable_caps;
	mailimap_capability_data_free(data);
	return 0;
}

/* Show [ALERT] text, but only what arrived over TLS, sanitised. */
static void
check_alert(struct imap *im)
{
	struct mailimap_response_info *ri = im->s->imap_response_info;
	char *clean;

	if (ri == NULL || ri->rsp_alert == NULL)
		return;
	if (net_conn_is_tls(im->conn) && im->o.alert) {
		clean = util_sanitize(ri->rsp_alert, strlen(ri->rsp_alert),
		    false, false);
		im->o.alert(im->o.ctx, clean);
		free(clean);
	}
	free(ri->rsp_alert);
	ri->rsp_alert = NULL;
}

static int
tls_handshake(struct imap *im, struct cachet_err *err)
{
	struct net_tls_opts t = {
		.host = im->o.host,
		.ca_file = im->o.ca_file,
		.pin_sha256 = im->o.pin_sha256,
	};

	return net_conn_start_tls(im->conn, &t, err);
}

static int
do_starttls(struct imap *im, struct cachet_err *err)
{
	int r;

	r = imap_read_caps(im, err);
	if (r != 0)
		return r;
	if (!(im->caps & IMAP_CAP_STARTTLS))
		return cachet_err(err, CACHET_E_TLS,
		    "%s does not offer STARTTLS; refusing to continue in "
		    "plain text", im->o.host);
	r = mailimap_starttls(im->s);
	/* Anything already read past the reply was injected in clear. */
	if (im->s->imap_stream->read_buffer_len != 0)
		return cachet_err(err, CACHET_E_PROTO,
		    "%s sent data after the STARTTLS reply, before the TLS "
		    "handshake; aborting", im->o.host);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(im, r, err, "STARTTLS");
		return cachet_err_prefix(err,
		    "%s refused STARTTLS; refusing to continue in plain text",
		    im->o.host);
	}
	im->caps = 0;
	r = tls_handshake(im, err);
	if (r != 0)
		return r;
	return imap_read_caps(im, err);
}

static int
greet(struct imap *im, struct cachet_err *err)
{
	int r = mailimap_connect(im->s, imap_stream_new(im));

	if (r == MAILIMAP_NO_ERROR_AUTHENTICATED) {
		if (!net_conn_is_tls(im->conn) &&
		    im->o.tls != IMAP_TLS_OFF)
			return cachet_err(err, CACHET_E_PROTO,
			    "%s sent PREAUTH before TLS; refusing the "
			    "connection", im->o.host);
		return 1;
	}
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		imap_fail(im, r, err, "greeting");
		return cachet_err_prefix(err, "%s sent no valid IMAP greeting",
		    im->o.host);
	}
	return 0;
}

static int
auth_plain(struct imap *im, struct cachet_err *err)
{
	size_t ul = strlen(im->o.user), pl = strlen(im->o.password);
	size_t rawlen = ul * 2 + pl + 2;
	unsigned char *raw = xmalloc(rawlen);
	char *b64 = xmalloc(4 * ((rawlen + 2) / 3) + 1);
	char *cmd;
	int r;

	memcpy(raw, im->o.user, ul);
	raw[ul] = '\0';
	memcpy(raw + ul + 1, im->o.user, ul);
	raw[2 * ul + 1] = '\0';
	memcpy(raw + 2 * ul + 2, im->o.password, pl);
	EVP_EncodeBlock((unsigned char *)b64, raw, (int)rawlen);
	cmd = xasprintf("AUTHENTICATE PLAIN %s", b64);
	im->trace_quiet = true;	/* never write the secret to the trace */
	r = mailimap_custom_command(im->s, cmd);
	im->trace_quiet = false;
	/* libetpan does not know the raw command logged us in. */
	if (r == MAILIMAP_NO_ERROR)
		im->s->imap_state = MAILIMAP_STATE_AUTHENTICATED;
	explicit_bzero(raw, rawlen);
	explicit_bzero(b64, strlen(b64));
	explicit_bzero(cmd, strlen(cmd));
	free(raw);
	free(b64);
	free(cmd);
	return r;
}

static int
authenticate(struct imap *im, struct cachet_err *err)
{
	int r;

	if (im->o.oauth2_token) {
		r = mailimap_oauth2_authenticate(im->s, im->o.user,
		    im->o.oauth2_token);
	} else if (im->o.password == NULL) {
		return cachet_err(err, CACHET_E_AUTH, "no password for %s",
		    im->o.user);
	} else if (im->caps & IMAP_CAP_AUTH_PLAIN) {
		r = auth_plain(im, err);
	} else if (im->caps & IMAP_CAP_LOGINDISABLED) {
		return cachet_err(err, CACHET_E_AUTH,
		    "%s disables LOGIN and offers no usable mechanism",
		    im->o.host);
	} else {
		r = mailimap_login(im->s, im->o.user, im->o.password);
	}
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(im, r, err, "login");
		if (err && err->code == CACHET_E_SERVER)
			err->code = CACHET_E_AUTH;
		return err ? err->code : CACHET_E_AUTH;
	}
	check_alert(im);
	return imap_read_caps(im, err);
}

static int
enable_qresync(struct imap *im)
{
	struct mailimap_capability_data *want, *got = NULL;
	clist *list = clist_new();
	int r;

	clist_append(list, mailimap_capability_new(MAILIMAP_CAPABILITY_NAME,
	    NULL, strdup("QRESYNC")));
	want = mailimap_capability_data_new(list);
	r = mailimap_enable(im->s, want, &got);
	mailimap_capability_data_free(want);
	if (got)
		mailimap_capability_data_free(got);
	return r;
}

static int
enable_extensions(struct imap *im, struct cachet_err *err)
{
	int r;

	if (im->caps & IMAP_CAP_COMPRESS) {
		r = mailimap_custom_command(im->s, "COMPRESS DEFLATE");
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(im, r, err, "COMPRESS");
		if (im->s->imap_stream->read_buffer_len != 0)
			return cachet_err(err, CACHET_E_PROTO,
			    "%s sent data after the COMPRESS reply", im->o.host);
		r = imap_compress_start(im, err);
		if (r != 0)
			return r;
	}
	if ((im->caps & IMAP_CAP_QRESYNC) && (im->caps & IMAP_CAP_ENABLE)) {
		r = enable_qresync(im);
		if (r != MAILIMAP_NO_ERROR)
			im->caps &= ~IMAP_CAP_QRESYNC;
	} else {
		im->caps &= ~IMAP_CAP_QRESYNC;
	}
	return 0;
}

int
imap_connect(struct imap **out, const struct imap_opts *o,
    struct cachet_err *err)
{
	struct imap *im = xcalloc(1, sizeof(*im));
	int r, preauth;

	*out = NULL;
	im->o = *o;
	if (o->tls == IMAP_TLS_OFF && !net_is_loopback(o->host)) {
		r = cachet_err(err, CACHET_E_TLS, "imap_tls = off is only "
		    "allowed for loopback hosts, not %s", o->host);
		goto fail;
	}
	r = net_conn_open(&im->conn, o->host, o->port, o->timeout, err);
	if (r != 0)
		goto fail;
	if (o->tls == IMAP_TLS_IMPLICIT && (r = tls_handshake(im, err)) != 0)
		goto fail;
	im->s = mailimap_new(0, NULL);
	if (im->s == NULL)
		abort();
	imap_trace_start(im);
	preauth = greet(im, err);
	if ((r = preauth) < 0)
		goto fail;
	check_alert(im);	/* shown only if it came over TLS */
	if (o->tls == IMAP_TLS_STARTTLS)
		r = do_starttls(im, err);
	else
		r = imap_read_caps(im, err);
	if (r != 0)
		goto fail;
	check_alert(im);
	if (!preauth && (r = authenticate(im, err)) != 0)
		goto fail;
	if ((r = enable_extensions(im, err)) != 0)
		goto fail;
	snprintf(im->desc, sizeof(im->desc), "%s%s",
	    net_conn_tls_desc(im->conn) ? net_conn_tls_desc(im->conn) :
	    "no TLS", (im->caps & IMAP_CAP_COMPRESS) ? ", COMPRESS" : "");
	*out = im;
	return 0;
fail:
	imap_close(im);
	return r;
}

void
imap_close(struct imap *im)
{
	if (im == NULL)
		return;
	if (im->s) {
		/*
		 * Say LOGOUT but do not wait for the answer: a server may
		 * write its indexes before answering (100 ms on a large
		 * mailbox), and nothing it could say changes anything.
		 */
		if (!im->io_failed && im->s->imap_state !=
		    MAILIMAP_STATE_DISCONNECTED) {
			static const char bye[] = "Z LOGOUT\r\n";

			if (mailstream_write(im->s->imap_stream, bye,
			    sizeof(bye) - 1) >= 0)
				mailstream_flush(im->s->imap_stream);
		}
		mailimap_free(im->s);
	}
	imap_compress_end(im);
	imap_trace_end(im);
	net_conn_close(im->conn);
	free(im);
}

unsigned
imap_caps(const struct imap *im)
{
	return im->caps;
}

const char *
imap_tls_desc(const struct imap *im)
{
	return im->desc;
}
