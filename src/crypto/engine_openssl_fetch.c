/*
 * engine_openssl_fetch: getting one CRL over HTTP or HTTPS with libcurl,
 * for engine_openssl_crl.c. Only http:// and https:// URLs are fetched,
 * redirects may not change the scheme, the whole transfer is limited in
 * time (CRYPTO_OSSL_FETCH_TIMEOUT) and size (CRYPTO_OSSL_CRL_MAX), no
 * proxy, netrc or cookies are used, and HTTPS checks the server's
 * certificate against the system's anchors. Called only when the user
 * allowed network use. Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_openssl_int.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#define CRYPTO_OSSL_FETCH_TIMEOUT 10L	/* seconds, the whole transfer */

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static CURLcode fetch_init_rc = CURLE_FAILED_INIT;

static void
fetch_global_init(void)
{
	fetch_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct fetch_sink {
	struct buf body;
	bool too_big;
};

static size_t
fetch_write(char *src, size_t size, size_t nmemb, void *arg)
{
	struct fetch_sink *s = arg;
	size_t n = size * nmemb;

	if (n > CRYPTO_OSSL_CRL_MAX - s->body.len) {
		s->too_big = true;
		return 0;	/* curl stops with CURLE_WRITE_ERROR */
	}
	buf_add(&s->body, src, n);
	return n;
}

/* "http" or "https" for a URL cachet fetches, else NULL. */
const char *
crypto_ossl_fetch_scheme(const char *url)
{
	if (strncasecmp(url, "http://", 7) == 0)
		return "http";
	if (strncasecmp(url, "https://", 8) == 0)
		return "https";
	return NULL;
}

#define SET(opt, val) \
	do { \
		if (rc == CURLE_OK) \
			rc = curl_easy_setopt(c, opt, val); \
	} while (0)

static CURLcode
fetch_setup(CURL *c, const char *url, const char *scheme,
    struct fetch_sink *s, char *errbuf)
{
	CURLcode rc = CURLE_OK;

	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	/* A redirect may not leave the scheme of the distribution point. */
	SET(CURLOPT_REDIR_PROTOCOLS_STR, scheme);
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, 3L);
	SET(CURLOPT_FAILONERROR, 1L);
	SET(CURLOPT_TIMEOUT, CRYPTO_OSSL_FETCH_TIMEOUT);
	SET(CURLOPT_CONNECTTIMEOUT, CRYPTO_OSSL_FETCH_TIMEOUT);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)CRYPTO_OSSL_CRL_MAX);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_USERAGENT, "cachet");
	SET(CURLOPT_WRITEFUNCTION, fetch_write);
	SET(CURLOPT_WRITEDATA, s);
	return rc;
}

#undef SET

/*
 * Fetch url into *out, *outlen (owned by the caller). On failure returns
 * a negative code and err says why, in a few words fit for a note.
 */
int
crypto_ossl_fetch(const char *url, char **out, size_t *outlen,
    struct cachet_err *err)
{
	const char *scheme = crypto_ossl_fetch_scheme(url);
	char errbuf[CURL_ERROR_SIZE] = "";
	struct fetch_sink s = { BUF_INIT, false };
	CURL *c = NULL;
	CURLcode rc;
	int ret = 0;

	*out = NULL;
	*outlen = 0;
	if (scheme == NULL)
		return cachet_err(err, CACHET_E_INVAL,
		    "unsupported CRL location");
	pthread_once(&fetch_once, fetch_global_init);
	if (fetch_init_rc != CURLE_OK || (c = curl_easy_init()) == NULL)
		return cachet_err(err, CACHET_E_IO, "cannot start libcurl");
	rc = fetch_setup(c, url, scheme, &s, errbuf);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(c);
	if (s.too_big || rc == CURLE_FILESIZE_EXCEEDED)
		ret = cachet_err(err, CACHET_E_NET, "larger than %d bytes",
		    CRYPTO_OSSL_CRL_MAX);
	else if (rc != CURLE_OK)
		ret = cachet_err(err, CACHET_E_NET, "%s", errbuf[0] != '\0' ?
		    errbuf : curl_easy_strerror(rc));
	else if (s.body.len == 0)
		ret = cachet_err(err, CACHET_E_NET, "empty response");
	curl_easy_cleanup(c);
	if (ret == 0) {
		*out = buf_detach(&s.body, outlen);
		return 0;
	}
	buf_release(&s.body);
	return ret;
}
