/*
 * cmd_wkd: looking a key up in the Web Key Directory of an address's
 * domain, only when the user asks (`cachet keys --locate ADDR`, the key
 * view's locate-key), never by itself. The advanced method first,
 *   https://openpgpkey.DOMAIN/.well-known/openpgpkey/DOMAIN/hu/HASH?l=LOCAL
 * then the direct one,
 *   https://DOMAIN/.well-known/openpgpkey/hu/HASH?l=LOCAL
 * where HASH is the z-base-32 encoded SHA-1 of the lower-cased local
 * part. Fetched with libcurl: HTTPS only, the certificate verified
 * against the system's trust store (an account's ca_file does not apply
 * here), 15 seconds at most, 256 KiB at most, redirects followed only on
 * the same host and over HTTPS. What comes back is imported through
 * cmd_keyimport, which insists that every key carries the address asked
 * for and asks before another key of an address is added; its origin is
 * recorded as "WKD URL". A failure imports nothing.
 *
 * Testing aids (never set them otherwise):
 *   CACHET_WKD_CONNECT_TO="HOST:443:127.0.0.1:PORT[,...]" connects to the
 *     given address instead of the one DNS names (CURLOPT_CONNECT_TO; the
 *     name still has to match the server's certificate);
 *   CACHET_WKD_CA=FILE trusts the certificates in FILE instead of the
 *     system store (CURLOPT_CAINFO).
 * Runs on the calling thread (blocking).
 */
#include <curl/curl.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"

#define WKD_MAX (256u * 1024)
#define WKD_TIMEOUT 15L
#define WKD_REDIRECTS 3
#define WKD_ADDR_MAX 254

struct fetch {
	struct buf body;
	bool too_big;
	const atomic_bool *cancel;	/* NULL, or stops the transfer */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* z-base-32 of the 20 bytes of a SHA-1 digest: 32 characters. */
static void
zbase32(const unsigned char *in, size_t n, char *out)
{
	static const char alpha[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
	unsigned long long acc = 0;
	size_t i, bits = 0, o = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alpha[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = alpha[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

/* HASH for the local part: zbase32(SHA1(lower-case ASCII local)). */
void
cmd_wkd_hash(const char *local, size_t n, char out[33])
{
	unsigned char md[SHA_DIGEST_LENGTH];
	char *low = xstrndup(local, n);

	for (char *p = low; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	SHA1((const unsigned char *)low, strlen(low), md);
	free(low);
	zbase32(md, sizeof(md), out);
}

/* local@domain, printable ASCII, nothing that could bend a URL. */
static bool
addr_ok(const char *a)
{
	const char *at = strchr(a, '@');
	size_t i, n = strlen(a);

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') ||
	    n > WKD_ADDR_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)a[i] <= ' ' || (unsigned char)a[i] >= 0x7f ||
		    strchr("<>()[]\\,;:\"/?#%", a[i]) != NULL)
			return false;
	for (i = (size_t)(at - a) + 1; i < n; i++)
		if (!((a[i] >= 'a' && a[i] <= 'z') ||
		    (a[i] >= 'A' && a[i] <= 'Z') ||
		    (a[i] >= '0' && a[i] <= '9') || a[i] == '-' || a[i] == '.'))
			return false;
	return true;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct fetch *f = ctx;
	size_t n = size * nmemb;

	if (f->body.len + n > WKD_MAX) {
		f->too_big = true;
		return 0;	/* aborts the transfer */
	}
	buf_add(&f->body, p, n);
	return n;
}

static struct curl_slist *
connect_to(void)
{
	const char *env = getenv("CACHET_WKD_CONNECT_TO");
	struct curl_slist *l = NULL;
	char *copy, *tok, *save = NULL;

	if (util_str_empty(env))
		return NULL;
	copy = xstrdup(env);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		l = curl_slist_append(l, tok);
	free(copy);
	return l;
}

/* Progress callback: a non-zero answer aborts the transfer. */
static int
on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	const struct fetch *f = ctx;

	return f->cancel != NULL && atomic_load(f->cancel);
}

static CURL *
easy_new(const char *url, struct fetch *f, struct curl_slist *to)
{
	const char *ca = getenv("CACHET_WKD_CA");
	CURL *c = curl_easy_init();

	if (c == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, WKD_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, WKD_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)WKD_MAX);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cachet");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, f);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	if (!util_str_empty(ca))
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	if (to != NULL) {
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, to);
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	}
	return c;
}

/* The host of an https URL (lower case, owned), or NULL. */
static char *
url_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *scheme = NULL, *out = NULL;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    strcasecmp(scheme, "https") == 0 &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		out = xstrdup(host);
		for (char *p = out; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	}
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return out;
}

/* What one transfer came to; a redirect is 0 (the caller follows). */
static int
fetch_result(CURLcode cc, long code, const struct fetch *f, const char *url,
    struct cachet_err *err)
{
	if (f->too_big || cc == CURLE_FILESIZE_EXCEEDED)
		return cachet_err(err, CACHET_E_PROTO, "more than %u KiB: "
		    "refused (%s)", WKD_MAX / 1024, url);
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return cachet_err(err, CACHET_E_TIMEOUT, "no answer within "
		    "%ld seconds (%s)", WKD_TIMEOUT, url);
	if (cc == CURLE_PEER_FAILED_VERIFICATION ||
	    cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_SSL_CACERT_BADFILE)
		return cachet_err(err, CACHET_E_TLS, "TLS: %s (%s)",
		    curl_easy_strerror(cc), url);
	if (cc != CURLE_OK)
		return cachet_err(err, CACHET_E_NET, "%s (%s)",
		    curl_easy_strerror(cc), url);
	if (code == 404 || code == 410)
		return cachet_err(err, CACHET_E_NOTFOUND, "no key published "
		    "(%s)", url);
	if (code >= 300 && code < 400)
		return 0;
	if (code != 200)
		return cachet_err(err, CACHET_E_SERVER, "HTTP status %ld (%s)",
		    code, url);
	if (f->body.len == 0)
		return cachet_err(err, CACHET_E_NOTFOUND, "empty answer: no "
		    "key published (%s)", url);
	return 0;
}

/*
 * GET url: 0 with the body for 200; CACHET_E_NOTFOUND for 404 and the
 * like; else an error saying why. Redirects only on the same host.
 */
static int
get(const char *url, const atomic_bool *cancel, struct buf *body,
    struct cachet_err *err)
{
	struct curl_slist *to = connect_to();
	char *cur = xstrdup(url), *host = url_host(url), *next, *nh;
	struct fetch f = {BUF_INIT, false, cancel};
	long code = 0;
	int hops, rc = 0;
	CURL *c;
	CURLcode cc;

	for (hops = 0; rc == 0; hops++) {
		buf_release(&f.body);
		f.too_big = false;
		if ((c = easy_new(cur, &f, to)) == NULL) {
			rc = cachet_err(err, CACHET_E_NET, "no HTTP client");
			break;
		}
		cc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		next = NULL;
		if (cc == CURLE_OK && code >= 300 && code < 400) {
			curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &next);
			next = next != NULL ? xstrdup(next) : NULL;
		}
		rc = fetch_result(cc, code, &f, cur, err);
		curl_easy_cleanup(c);
		if (rc == 0 && code >= 300 && next == NULL)
			rc = cachet_err(err, CACHET_E_PROTO, "redirect without "
			    "a target (%s)", cur);
		if (rc != 0 || next == NULL) {
			free(next);
			break;
		}
		nh = url_host(next);
		if (nh == NULL || host == NULL || strcmp(nh, host) != 0 ||
		    hops >= WKD_REDIRECTS)
			rc = cachet_err(err, CACHET_E_PROTO, "redirected "
			    "elsewhere: not followed (%s)", cur);
		free(nh);
		free(cur);
		cur = next;
	}
	if (rc == 0)
		*body = f.body;
	else
		buf_release(&f.body);
	free(cur);
	free(host);
	curl_slist_free_all(to);
	return rc;
}

static char *
wkd_url(const char *addr, bool advanced)
{
	const char *at = strchr(addr, '@');
	char hash[33], *dom, *local, *url;
	CURL *c;

	cmd_wkd_hash(addr, (size_t)(at - addr), hash);
	dom = xstrdup(at + 1);
	for (char *p = dom; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	c = curl_easy_init();
	local = c ? curl_easy_escape(c, addr, (int)(at - addr)) : NULL;
	if (advanced)
		url = xasprintf("https://openpgpkey.%s/.well-known/openpgpkey/"
		    "%s/hu/%s?l=%s", dom, dom, hash, local ? local : "");
	else
		url = xasprintf("https://%s/.well-known/openpgpkey/hu/%s?l=%s",
		    dom, hash, local ? local : "");
	curl_free(local);
	curl_easy_cleanup(c);
	free(dom);
	return url;
}

int
cmd_wkd_fetch(const char *addr, const atomic_bool *cancel, char **data,
    size_t *len, char **url, struct cachet_err *err)
{
	struct buf body = BUF_INIT;
	struct cachet_err e1 = {0}, e2 = {0};
	char *adv, *dir;
	int rc;

	*data = NULL;
	*len = 0;
	*url = NULL;
	if (addr == NULL || !addr_ok(addr))
		return cachet_err(err, CACHET_E_INVAL, "not an address: %.80s",
		    addr ? addr : "");
	pthread_once(&curl_once, curl_init);
	adv = wkd_url(addr, true);
	dir = wkd_url(addr, false);
	if ((rc = get(adv, cancel, &body, &e1)) == 0) {
		*url = adv;
		adv = NULL;
	} else if (cancel != NULL && atomic_load(cancel)) {
		rc = cachet_err(err, CACHET_E_NET, "look-up cancelled");
	} else if ((rc = get(dir, cancel, &body, &e2)) == 0) {
		*url = dir;
		dir = NULL;
	} else if (rc == CACHET_E_NOTFOUND) {
		rc = cachet_err(err, rc, "no key published for %s (%s)", addr,
		    dir);
	} else {
		rc = cachet_err(err, rc, "%s", e2.msg);
	}
	if (rc == 0)
		*data = buf_detach(&body, len);
	buf_release(&body);
	free(adv);
	free(dir);
	return rc;
}

int
cmd_wkd_locate(const char *addr, bool replace, const atomic_bool *cancel,
    struct cmd_import_res *res, struct cachet_err *err)
{
	struct cmd_import_src src = {
		.proto = CRYPTO_PROTO_OPENPGP, .what = "WKD",
		.origin = "WKD", .need_addr = addr,
	};
	char *data = NULL, *url = NULL;
	size_t len = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = cmd_wkd_fetch(addr, cancel, &data, &len, &url, err)) != 0)
		return rc;
	src.data = data;
	src.len = len;
	src.detail = url;
	rc = cmd_keyimport(&src, 1, replace, res, err);
	free(data);
	free(url);
	return rc;
}
