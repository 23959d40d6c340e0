/*
 * mime_field: one header field of a message by name, for callers outside
 * src/mime that need a field the envelope does not carry (Autocrypt,
 * List-Id, ...). The value is unfolded but not decoded; a field longer
 * than MIME_FIELD_MAX is treated as absent. Runs on any thread.
 */
#include "mime_int.h"

#include <stdlib.h>
#include <string.h>

char *
mime_header_value(const char *raw, size_t len, const char *name)
{
	size_t hlen, body_off, vlen, i;
	const char *v;
	struct buf b = BUF_INIT;

	if (raw == NULL || name == NULL)
		return NULL;
	hlen = mime_header_split(raw, len, MIME_SPLIT_MESSAGE, &body_off);
	v = mime_header_find(raw, hlen, name, &vlen);
	if (v == NULL || vlen > MIME_FIELD_MAX)
		return NULL;
	for (i = 0; i < vlen; i++) {
		if (v[i] == '\r' || v[i] == '\n')
			continue;	/* unfold: the next line's WSP stays */
		buf_addc(&b, v[i]);
	}
	if (b.len == 0) {
		buf_release(&b);
		return xstrdup("");
	}
	return buf_detach(&b, NULL);
}
