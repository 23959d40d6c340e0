/*
 * compose/addr: address lists, as the user typed them (UTF-8 display
 * names) or as a message carries them (RFC 2047 names), parsed with
 * libetpan's mailimf address parser; bare addresses for the envelope and
 * "Name <addr>" forms for the editor. Runs on any thread.
 */
#include "compose_mime_int.h"

#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime/mime.h"

#define ADDR_MAX 320		/* RFC 5321: 64 + 1 + 255 */

struct addr_vec {
	struct compose_addr *a;
	size_t n;
};

static bool
addr_valid(const char *s)
{
	const char *at = strrchr(s, '@');
	const unsigned char *p;

	if (at == NULL || at == s || at[1] == '\0' || strlen(s) > ADDR_MAX)
		return false;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>' ||
		    *p == ',' || *p == '"')
			return false;
	return true;
}

static void
vec_add(struct addr_vec *v, const char *name, const char *addr)
{
	struct compose_addr *a;

	v->a = xreallocarray(v->a, v->n + 1, sizeof(*v->a));
	a = &v->a[v->n++];
	a->name = !util_str_empty(name) ? xstrdup(name) : NULL;
	a->addr = xstrdup(addr);
}

/* Add one mailbox; decode: the name is RFC 2047 text from a message. */
static int
add_mailbox(struct addr_vec *v, const struct mailimf_mailbox *mb,
    bool decode, struct cachet_err *err)
{
	char *name = NULL, *t;

	if (mb->mb_addr_spec == NULL || !addr_valid(mb->mb_addr_spec)) {
		if (decode)
			return 0;
		t = util_sanitize(mb->mb_addr_spec ? mb->mb_addr_spec : "",
		    mb->mb_addr_spec ? strlen(mb->mb_addr_spec) : 0, false,
		    false);
		cachet_err(err, CACHET_E_INVAL, "not an address: \"%s\"", t);
		free(t);
		return CACHET_E_INVAL;
	}
	if (v->n >= COMPOSE_ADDRS_MAX)
		return decode ? 0 : cachet_err(err, CACHET_E_INVAL,
		    "more than %d addresses", COMPOSE_ADDRS_MAX);
	if (mb->mb_display_name != NULL)
		name = decode ? mime_decode_header(mb->mb_display_name) :
		    xstrdup(mb->mb_display_name);
	if (name != NULL)
		t = util_trim(name);
	else
		t = NULL;
	vec_add(v, t, mb->mb_addr_spec);
	free(name);
	return 0;
}

static int
add_address(struct addr_vec *v, const struct mailimf_address *ad,
    bool decode, struct cachet_err *err)
{
	const struct mailimf_mailbox_list *ml;
	clistiter *it;
	int rc;

	if (ad->ad_type == MAILIMF_ADDRESS_MAILBOX)
		return add_mailbox(v, ad->ad_data.ad_mailbox, decode, err);
	if (ad->ad_data.ad_group == NULL ||
	    (ml = ad->ad_data.ad_group->grp_mb_list) == NULL)
		return 0;
	for (it = clist_begin(ml->mb_list); it; it = clist_next(it))
		if ((rc = add_mailbox(v, clist_content(it), decode, err)) < 0)
			return rc;
	return 0;
}

static bool
only_blanks(const char *s, size_t from, size_t len)
{
	for (; from < len; from++)
		if (s[from] != ' ' && s[from] != '\t' && s[from] != ',' &&
		    s[from] != '\r' && s[from] != '\n')
			return false;
	return true;
}

static int
parse_list(const char *list, bool decode, struct addr_vec *v,
    struct cachet_err *err)
{
	struct mailimf_address_list *al = NULL;
	size_t idx = 0, len = strlen(list);
	clistiter *it;
	int rc = 0;

	if (only_blanks(list, 0, len))
		return 0;
	if (len > COMPOSE_FIELD_MAX)
		return cachet_err(err, CACHET_E_INVAL, "address list too long");
	if (mailimf_address_list_parse(list, len, &idx, &al) !=
	    MAILIMF_NO_ERROR || !only_blanks(list, idx, len)) {
		if (al != NULL)
			mailimf_address_list_free(al);
		return cachet_err(err, CACHET_E_INVAL,
		    "cannot read the address list near \"%.40s\"",
		    list + (idx < len ? idx : 0));
	}
	for (it = clist_begin(al->ad_list); it && rc == 0;
	    it = clist_next(it))
		rc = add_address(v, clist_content(it), decode, err);
	mailimf_address_list_free(al);
	return rc;
}

int
compose_addrs_parse(const char *list, struct compose_addr **out, size_t *n,
    struct cachet_err *err)
{
	struct addr_vec v = { NULL, 0 };
	int rc;

	*out = NULL;
	*n = 0;
	if (list == NULL)
		return 0;
	if (compose_header_unsafe(list))
		return cachet_err(err, CACHET_E_INVAL,
		    "address list with a line break or control character");
	if ((rc = parse_list(list, false, &v, err)) < 0) {
		compose_addrs_free(v.a, v.n);
		return rc;
	}
	*out = v.a;
	*n = v.n;
	return 0;
}

void
compose_addrs_parse_raw(const char *value, struct compose_addr **out,
    size_t *n)
{
	struct addr_vec v = { NULL, 0 };

	*out = NULL;
	*n = 0;
	if (value == NULL)
		return;
	if (parse_list(value, true, &v, NULL) < 0) {
		compose_addrs_free(v.a, v.n);
		return;
	}
	*out = v.a;
	*n = v.n;
}

void
compose_addrs_free(struct compose_addr *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].addr);
	}
	free(a);
}

/* Must the display name be quoted to stay one phrase? */
static bool
name_needs_quotes(const char *s)
{
	for (; *s; s++)
		if (strchr("()<>[]:;@\\,.\"", *s) != NULL)
			return true;
	return false;
}

void
compose_addr_format(struct buf *b, const struct compose_addr *a)
{
	const char *p;

	if (util_str_empty(a->name)) {
		buf_adds(b, a->addr);
		return;
	}
	if (!name_needs_quotes(a->name)) {
		buf_adds(b, a->name);
	} else {
		buf_addc(b, '"');
		for (p = a->name; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(b, '\\');
			buf_addc(b, *p);
		}
		buf_addc(b, '"');
	}
	buf_addf(b, " <%s>", a->addr);
}

char *
compose_addrs_join(const struct compose_addr *a, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (n == 0)
		return NULL;
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_adds(&b, ", ");
		compose_addr_format(&b, &a[i]);
	}
	return buf_detach(&b, NULL);
}

bool
compose_addr_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

bool
compose_msgid_ok(const char *s)
{
	const unsigned char *p;

	if (util_str_empty(s) || strlen(s) > 998)
		return false;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>')
			return false;
	return true;
}
