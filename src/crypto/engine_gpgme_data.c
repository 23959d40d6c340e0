/*
 * engine_gpgme_data: the GPGME data objects of the GPGME engine. Input is
 * borrowed from the caller; output, which may be decrypted text, goes to a
 * buffer this file owns that wipes every copy it leaves behind (when it
 * grows, and when it is dropped) and refuses to grow past OUT_MAX, so a
 * decompression bomb fails instead of eating memory.
 * Runs on the thread that owns the engine instance.
 */
#include "crypto/engine_gpgme_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Decrypted or signed content larger than this is refused (and wiped). */
#define OUT_MAX (256u * 1024 * 1024)

static ssize_t
out_write(void *handle, const void *buf, size_t n)
{
	struct crypto_gpgme_out *o = handle;
	size_t cap;
	char *np;

	if (n > OUT_MAX || o->len + n > OUT_MAX) {
		errno = EFBIG;
		return -1;
	}
	if (o->len + n + 1 > o->cap) {
		cap = o->cap != 0 ? o->cap : 4096;
		while (cap < o->len + n + 1)
			cap *= 2;
		np = xmalloc(cap);
		if (o->len != 0)
			memcpy(np, o->p, o->len);
		if (o->p != NULL) {
			explicit_bzero(o->p, o->cap);
			free(o->p);
		}
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->len, buf, n);
	o->len += n;
	o->p[o->len] = '\0';
	return (ssize_t)n;
}

/* Not const only because GPGME's prototype says so. */
static struct gpgme_data_cbs out_cbs = {
	.write = out_write,
};

int
crypto_gpgme_out_open(struct crypto_gpgme_out *o, struct cachet_err *err)
{
	gpgme_error_t ge;

	memset(o, 0, sizeof(*o));
	ge = gpgme_data_new_from_cbs(&o->d, &out_cbs, o);
	if (ge != 0)
		return crypto_gpgme_error(err, ge, "gpgme output");
	return 0;
}

/* Wipe and free everything the operation wrote. */
void
crypto_gpgme_out_discard(struct crypto_gpgme_out *o)
{
	if (o->d != NULL)
		gpgme_data_release(o->d);
	if (o->p != NULL) {
		explicit_bzero(o->p, o->cap);
		free(o->p);
	}
	memset(o, 0, sizeof(*o));
}

/* Hand the bytes to the caller (NUL-terminated, never NULL). */
char *
crypto_gpgme_out_take(struct crypto_gpgme_out *o, size_t *len)
{
	char *p;

	if (o->p == NULL)
		out_write(o, "", 0);
	p = o->p;
	*len = o->len;
	o->p = NULL;
	crypto_gpgme_out_discard(o);
	return p;
}

/* Input borrowed from the caller for one operation; NULL on no memory. */
gpgme_data_t
crypto_gpgme_data_mem(const char *data, size_t len)
{
	gpgme_data_t d = NULL;

	if (gpgme_data_new_from_mem(&d, len != 0 ? data : "", len, 0) != 0)
		return NULL;
	return d;
}
