/*
 * crypto_status_sender: who a message says it is from, for binding a
 * signature to its sender. Only an unambiguous From binds: exactly one
 * From field holding exactly one mailbox (libetpan's mailbox-list parser,
 * nothing left over), with an address, and a display name that does not
 * look like another address (an '@' or a look-alike of it, unless the
 * name is that same address), and no control bytes in the field.
 * Everything else is "ambiguous sender" and binds nobody. Addresses are
 * compared lower-cased.
 * Runs on any thread; no global state.
 */
#include "crypto/crypto_status_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "mime/mime.h"

static char *
lower(const char *s)
{
	char *d = xstrdup(s), *p;

	for (p = d; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* '@', FULLWIDTH COMMERCIAL AT, SMALL COMMERCIAL AT. */
static bool
has_at(const char *s)
{
	return strchr(s, '@') != NULL || strstr(s, "\xef\xbc\xa0") != NULL ||
	    strstr(s, "\xef\xb9\xab") != NULL;
}

/* The name with blanks, quotes and angle brackets around it removed. */
static char *
bare_name(const char *name)
{
	const char *s = name, *e = name + strlen(name);

	while (s < e && strchr(" \t\"'<", *s) != NULL)
		s++;
	while (e > s && strchr(" \t\"'>", e[-1]) != NULL)
		e--;
	return xstrndup(s, (size_t)(e - s));
}

/* Does the display name look like an address other than addr? */
static bool
name_is_other_address(const char *raw_name, const char *addr)
{
	char *name, *bare, *low;
	bool other;

	if (raw_name == NULL)
		return false;
	name = mime_decode_header(raw_name);
	if (name == NULL)
		return false;
	other = has_at(name);
	if (other) {
		bare = bare_name(name);
		low = lower(bare);
		other = strcmp(low, addr) != 0;
		free(low);
		free(bare);
	}
	free(name);
	return other;
}

static bool
only_space(const char *s, size_t from, size_t len)
{
	for (; from < len; from++)
		if (!isspace((unsigned char)s[from]))
			return false;
	return true;
}

/* Control bytes (a NUL, an escape) other than line breaks and tabs? */
static bool
has_controls(const struct crypto_field *f)
{
	size_t i;

	for (i = 0; i < f->value_len; i++) {
		unsigned char c = (unsigned char)f->value[i];

		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
		    c == 0x7f)
			return true;
	}
	return false;
}

/* The one mailbox of a From value, lower case, or NULL. */
static char *
single_mailbox(const struct crypto_field *f)
{
	struct mailimf_mailbox_list *ml = NULL;
	struct mailimf_mailbox *mb;
	char *v, *addr = NULL;
	size_t idx = 0, len;

	/* What the screen shows of such a value is not what parses. */
	if (has_controls(f))
		return NULL;
	v = crypto_field_unfold(f);
	len = strlen(v);
	if (mailimf_mailbox_list_parse(v, len, &idx, &ml) !=
	    MAILIMF_NO_ERROR || ml == NULL)
		goto out;
	if (!only_space(v, idx, len) || clist_count(ml->mb_list) != 1)
		goto out;
	mb = clist_content(clist_begin(ml->mb_list));
	if (mb == NULL || mb->mb_addr_spec == NULL ||
	    strchr(mb->mb_addr_spec, '@') == NULL ||
	    strpbrk(mb->mb_addr_spec, " \t\r\n") != NULL)
		goto out;
	addr = lower(mb->mb_addr_spec);
	if (name_is_other_address(mb->mb_display_name, addr))
		FREE_AND_NULL(addr);
out:
	if (ml != NULL)
		mailimf_mailbox_list_free(ml);
	free(v);
	return addr;
}

void
crypto_sender_parse(const char *hdr, size_t len, struct crypto_sender *s)
{
	struct crypto_field f;
	size_t pos = 0;
	int nfrom = 0;
	char *addr = NULL, *clean;

	memset(s, 0, sizeof(*s));
	while (hdr != NULL && crypto_field_next(hdr, len, &pos, &f)) {
		if (!crypto_field_is(&f, "from"))
			continue;
		if (++nfrom == 1 && f.value_len <= CRYPTO_FIELD_MAX)
			addr = single_mailbox(&f);
	}
	if (nfrom != 1 || addr == NULL) {
		free(addr);
		s->ambiguous = true;
		return;
	}
	clean = util_sanitize(addr, strlen(addr), false, false);
	if (strcmp(clean, addr) != 0) {
		/* Control bytes in an address: nobody to bind to. */
		free(clean);
		clean = NULL;
		s->ambiguous = true;
	}
	free(addr);
	s->addr = clean;
}

void
crypto_sender_release(struct crypto_sender *s)
{
	if (s == NULL)
		return;
	free(s->addr);
	memset(s, 0, sizeof(*s));
}

bool
crypto_sender_matches(const struct crypto_sender *s,
    const struct crypto_sig *sig)
{
	size_t i;
	char *a;
	bool eq;

	if (s == NULL || s->addr == NULL)
		return false;
	for (i = 0; i < sig->naddrs; i++) {
		if (sig->addrs[i] == NULL)
			continue;
		a = lower(sig->addrs[i]);
		eq = strcmp(a, s->addr) == 0;
		free(a);
		if (eq)
			return true;
	}
	return false;
}
