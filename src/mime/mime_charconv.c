/*
 * mime_charconv: the converter libetpan uses for the charset of encoded
 * words (RFC 2047), installed through its extended_charconv hook. libetpan
 * alone opens and closes an iconv descriptor for every word, which costs
 * more than the rest of decoding a header. Here UTF-8 to UTF-8 is a
 * validating copy, and other charsets use descriptors kept per thread
 * (a few, the most recently used), closed when the thread ends. Invalid
 * input becomes '?', as libetpan's own conversion does. Anything but
 * conversion to UTF-8 is left to libetpan.
 * Runs on any thread.
 */
#include "mime_int.h"

#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#define CONV_CACHE 4		/* descriptors kept per thread */
#define CONV_NAME_MAX 40

struct conv_slot {
	char name[CONV_NAME_MAX + 1];	/* iconv name, "" if free */
	iconv_t cd;
	unsigned long used;
};

struct conv_cache {
	struct conv_slot slot[CONV_CACHE];
	unsigned long clock;
};

static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static pthread_key_t cache_key;

static void
cache_free(void *p)
{
	struct conv_cache *c = p;
	size_t i;

	for (i = 0; i < CONV_CACHE; i++)
		if (c->slot[i].name[0] != '\0')
			iconv_close(c->slot[i].cd);
	free(c);
}

/* The thread's descriptor from UTF-8's point of view, or (iconv_t)-1. */
static iconv_t
conv_get(const char *name)
{
	struct conv_cache *c = pthread_getspecific(cache_key);
	struct conv_slot *victim;
	iconv_t cd;
	size_t i;

	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		if (pthread_setspecific(cache_key, c) != 0) {
			free(c);
			return (iconv_t)-1;
		}
	}
	victim = &c->slot[0];
	for (i = 0; i < CONV_CACHE; i++) {
		struct conv_slot *s = &c->slot[i];

		if (s->name[0] != '\0' && strcmp(s->name, name) == 0) {
			s->used = ++c->clock;
			iconv(s->cd, NULL, NULL, NULL, NULL);	/* reset */
			return s->cd;
		}
		if (s->used < victim->used)
			victim = s;
	}
	if ((cd = iconv_open("UTF-8", name)) == (iconv_t)-1)
		return cd;
	if (victim->name[0] != '\0')
		iconv_close(victim->cd);
	snprintf(victim->name, sizeof(victim->name), "%s", name);
	victim->cd = cd;
	victim->used = ++c->clock;
	return cd;
}

/* Valid UTF-8 copied, each invalid byte '?'; false if out is too small. */
static bool
utf8_copy(const char *in, size_t len, char *out, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, o = 0, n;

	while (i < len) {
		n = p[i] < 0x80 ? 1 : mime_utf8_seq(p + i, len - i);
		if (o + (n ? n : 1) > *outlen)
			return false;
		if (n == 0) {
			out[o++] = '?';
			i++;
			continue;
		}
		memcpy(out + o, in + i, n);
		o += n;
		i += n;
	}
	*outlen = o;
	return true;
}

/* iconv over in; each invalid byte '?'; false if out is too small. */
static bool
iconv_copy(iconv_t cd, const char *in, size_t len, char *out,
    size_t *outlen)
{
	char *src = (char *)in, *dst = out;
	size_t left = len, room = *outlen;

	while (left > 0) {
		if (iconv(cd, &src, &left, &dst, &room) != (size_t)-1)
			break;
		if (errno == E2BIG || room == 0)
			return false;
		/* EILSEQ, or EINVAL for a sequence cut short at the end. */
		*dst++ = '?';
		room--;
		src++;
		left--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	if (iconv(cd, NULL, NULL, &dst, &room) == (size_t)-1)
		return false;	/* no room for the shift state's end */
	*outlen = (size_t)(dst - out);
	return true;
}

static int
convert(const char *tocode, const char *fromcode, const char *str,
    size_t length, char *result, size_t *result_len)
{
	char tmp[CONV_NAME_MAX + 1];
	const char *name;
	iconv_t cd;
	bool ok;

	if (tocode == NULL || fromcode == NULL || str == NULL ||
	    !mime_charset_is_utf8(tocode))
		return MAIL_CHARCONV_ERROR_UNKNOWN_CHARSET;
	if (mime_charset_is_utf8(fromcode))
		ok = utf8_copy(str, length, result, result_len);
	else {
		name = mime_charset_iconv_name(fromcode, tmp, sizeof(tmp));
		if (name == NULL ||
		    (cd = conv_get(name)) == (iconv_t)-1)
			return MAIL_CHARCONV_ERROR_UNKNOWN_CHARSET;
		ok = iconv_copy(cd, str, length, result, result_len);
	}
	return ok ? MAIL_CHARCONV_NO_ERROR : MAIL_CHARCONV_ERROR_MEMORY;
}

static void
install(void)
{
	if (pthread_key_create(&cache_key, cache_free) == 0)
		extended_charconv = convert;
}

void
mime_charconv_install(void)
{
	pthread_once(&install_once, install);
}
