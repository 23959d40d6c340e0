/*
 * mime/envelope: the envelope fields of a header block (From, To, Cc,
 * Subject, Date, Message-ID, In-Reply-To, References) from libetpan's
 * mailimf parser, decoded to clean UTF-8. The sync engine calls this for
 * every header it fetches, so it parses in place and copies only what it
 * keeps. Runs on any thread; no global state.
 */
#include "mime_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Characters that make a display name need quotes to read back. */
#define NAME_SPECIALS "\"(),:;<>@[\\]"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* A parsed Date as Unix time (UTC), or 0 when it makes no sense. */
int64_t
mime_env_date(const struct mailimf_date_time *d)
{
	int64_t y = d->dt_year, t;
	int zone = d->dt_zone, zabs, zsec;

	if (y >= 0 && y < 50)		/* RFC 5322 4.3: two-digit years */
		y += 2000;
	else if (y >= 50 && y < 1000)
		y += 1900;
	if (y < 1970 || y > 9999 || d->dt_month < 1 || d->dt_month > 12 ||
	    d->dt_day < 1 || d->dt_day > 31 || d->dt_hour < 0 ||
	    d->dt_hour > 23 || d->dt_min < 0 || d->dt_min > 59 ||
	    d->dt_sec < 0 || d->dt_sec > 60)
		return 0;
	zabs = zone < 0 ? -zone : zone;
	if (zabs > 2359 || zabs % 100 > 59)
		zabs = 0;	/* nonsense zone: read the time as UTC */
	zsec = (zabs / 100) * 3600 + (zabs % 100) * 60;
	t = days_from_civil(y, d->dt_month, d->dt_day) * 86400 +
	    d->dt_hour * 3600 + d->dt_min * 60 + d->dt_sec;
	t += zone < 0 ? zsec : -zsec;
	return t > 0 ? t : 0;
}

/* Append a message id (no brackets, no spaces, no controls). */
static void
add_msgid(struct buf *b, const char *id)
{
	char *clean = mime_header_clean(id, strlen(id));
	const char *p;

	for (p = clean; *p; p++)
		if (*p != ' ' && *p != '<' && *p != '>')
			buf_addc(b, *p);
	free(clean);
}

char *
mime_env_msgid_value(const char *id)
{
	struct buf b = BUF_INIT;

	add_msgid(&b, id);
	if (b.len == 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

char *
mime_env_first_msgid(clist *ids)
{
	struct buf b = BUF_INIT;
	clistiter *it;

	for (it = clist_begin(ids); it != NULL; it = clist_next(it)) {
		add_msgid(&b, clist_content(it));
		if (b.len > 0)
			return buf_detach(&b, NULL);
	}
	buf_release(&b);
	return NULL;
}

char *
mime_env_msgid_list(clist *ids)
{
	struct buf b = BUF_INIT;
	clistiter *it;
	size_t before;

	for (it = clist_begin(ids); it != NULL; it = clist_next(it)) {
		before = b.len;
		if (b.len > 0)
			buf_addc(&b, ' ');
		add_msgid(&b, clist_content(it));
		if (b.len == before + 1) {	/* empty id: drop the space */
			b.len = before;
			b.data[b.len] = '\0';
		}
	}
	if (b.len == 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* Append a display name, quoted when it would otherwise read wrongly. */
static void
add_name(struct buf *b, const char *name)
{
	const char *p;

	if (strpbrk(name, NAME_SPECIALS) == NULL) {
		buf_adds(b, name);
		return;
	}
	buf_addc(b, '"');
	for (p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

/* One mailbox: the display name (NULL if none) and the address. */
void
mime_env_add_mailbox(struct buf *b, const char *dname, size_t dlen,
    const char *spec, size_t slen)
{
	char *name = NULL, *addr;

	if (dname != NULL)
		name = mime_decode_header_n(dname, dlen);
	addr = mime_header_clean(spec, slen);
	if (b->len > 0)
		buf_adds(b, ", ");
	if (!util_str_empty(name)) {
		add_name(b, name);
		buf_addf(b, " <%s>", addr);
	} else {
		buf_adds(b, addr);
	}
	free(name);
	free(addr);
}

static void
add_mailbox(struct buf *b, const struct mailimf_mailbox *mb)
{
	const char *dn;

	if (mb == NULL || mb->mb_addr_spec == NULL)
		return;
	dn = mb->mb_display_name;
	mime_env_add_mailbox(b, dn, dn ? strnlen(dn, MIME_FIELD_MAX) : 0,
	    mb->mb_addr_spec, strlen(mb->mb_addr_spec));
}

static void
add_mailbox_list(struct buf *b, const struct mailimf_mailbox_list *l)
{
	clistiter *it;

	if (l == NULL)
		return;
	for (it = clist_begin(l->mb_list); it != NULL; it = clist_next(it))
		add_mailbox(b, clist_content(it));
}

/* Groups show their members; an empty group shows "name:;". */
static void
add_group(struct buf *b, const struct mailimf_group *g)
{
	char *name;

	if (g == NULL)
		return;
	if (g->grp_mb_list != NULL && clist_begin(g->grp_mb_list->mb_list)) {
		add_mailbox_list(b, g->grp_mb_list);
		return;
	}
	if (g->grp_display_name == NULL)
		return;
	name = mime_decode_header(g->grp_display_name);
	if (*name) {
		if (b->len > 0)
			buf_adds(b, ", ");
		buf_addf(b, "%s:;", name);
	}
	free(name);
}

char *
mime_env_address_list(const struct mailimf_address_list *l)
{
	struct buf b = BUF_INIT;
	clistiter *it;

	if (l == NULL)
		return NULL;
	for (it = clist_begin(l->ad_list); it != NULL; it = clist_next(it)) {
		const struct mailimf_address *a = clist_content(it);

		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX)
			add_mailbox(&b, a->ad_data.ad_mailbox);
		else if (a->ad_type == MAILIMF_ADDRESS_GROUP)
			add_group(&b, a->ad_data.ad_group);
	}
	return buf_detach(&b, NULL);
}

char *
mime_env_mailbox_list(const struct mailimf_mailbox_list *l)
{
	struct buf b = BUF_INIT;

	add_mailbox_list(&b, l);
	return buf_detach(&b, NULL);
}

/* Take one parsed field; the first of each kind wins. */
static void
env_field(struct mime_envelope *env, const struct mailimf_field *f)
{
	const void *d = f->fld_data.fld_from;	/* any member: NULL check */

	if (d == NULL)
		return;
	switch (f->fld_type) {
	case MAILIMF_FIELD_ORIG_DATE:
		if (env->date == 0 && f->fld_data.fld_orig_date->dt_date_time)
			env->date = mime_env_date(
			    f->fld_data.fld_orig_date->dt_date_time);
		break;
	case MAILIMF_FIELD_FROM:
		if (env->from == NULL)
			env->from = mime_env_mailbox_list(
			    f->fld_data.fld_from->frm_mb_list);
		break;
	case MAILIMF_FIELD_TO:
		if (env->to == NULL)
			env->to = mime_env_address_list(
			    f->fld_data.fld_to->to_addr_list);
		break;
	case MAILIMF_FIELD_CC:
		if (env->cc == NULL)
			env->cc = mime_env_address_list(
			    f->fld_data.fld_cc->cc_addr_list);
		break;
	case MAILIMF_FIELD_SUBJECT:
		if (env->subject == NULL && f->fld_data.fld_subject->sbj_value)
			env->subject = mime_decode_header(
			    f->fld_data.fld_subject->sbj_value);
		break;
	case MAILIMF_FIELD_MESSAGE_ID:
		if (env->message_id == NULL &&
		    f->fld_data.fld_message_id->mid_value)
			env->message_id = mime_env_msgid_value(
			    f->fld_data.fld_message_id->mid_value);
		break;
	case MAILIMF_FIELD_IN_REPLY_TO:
		if (env->in_reply_to == NULL)
			env->in_reply_to = mime_env_first_msgid(
			    f->fld_data.fld_in_reply_to->mid_list);
		break;
	case MAILIMF_FIELD_REFERENCES:
		if (env->references == NULL)
			env->references = mime_env_msgid_list(
			    f->fld_data.fld_references->mid_list);
		break;
	default:
		break;
	}
}

static void
env_fields(struct mailimf_fields *fields, void *arg)
{
	clistiter *it;

	for (it = clist_begin(fields->fld_list); it != NULL;
	    it = clist_next(it))
		env_field(arg, clist_content(it));
}

/* An empty address list or subject reads as absent. */
static void
drop_empty(char **s)
{
	if (*s != NULL && **s == '\0')
		FREE_AND_NULL(*s);
}

/*
 * A From that libetpan cannot read (control bytes, stray brackets) is
 * still shown, decoded as plain text, rather than left blank.
 */
static char *
raw_from(const char *hdr, size_t len)
{
	const char *v;
	size_t vlen;
	char *s;

	v = mime_header_find(hdr, len, "From", &vlen);
	if (v == NULL || vlen > MIME_FIELD_MAX)
		return NULL;
	s = mime_decode_header_n(v, vlen);
	if (*s == '\0')
		FREE_AND_NULL(s);
	return s;
}

/* What neither parse gives: a From to show, absent empty lists. */
static void
envelope_finish(const char *hdr, size_t hlen, struct mime_envelope *env)
{
	drop_empty(&env->from);
	if (env->from == NULL)
		env->from = raw_from(hdr, hlen);
	drop_empty(&env->to);
	drop_empty(&env->cc);
}

void
mime_envelope_parse_block(const char *data, size_t len,
    struct mime_envelope *env)
{
	size_t hlen, body_off;

	memset(env, 0, sizeof(*env));
	hlen = mime_header_split(data, len, MIME_SPLIT_LOOSE, &body_off);
	mime_fields_foreach(data, hlen, env_fields, env);
	envelope_finish(data, hlen, env);
}

int
mime_parse_envelope(const char *data, size_t len, struct mime_envelope *env,
    struct cachet_err *err)
{
	size_t hlen, body_off;

	if (env == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no envelope to fill");
	memset(env, 0, sizeof(*env));
	if (data == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no header data");
	hlen = mime_header_split(data, len, MIME_SPLIT_LOOSE, &body_off);
	if (!mime_envelope_fast(data, hlen, env))
		mime_fields_foreach(data, hlen, env_fields, env);
	envelope_finish(data, hlen, env);
	return 0;
}

void
mime_envelope_release(struct mime_envelope *env)
{
	if (env == NULL)
		return;
	free(env->from);
	free(env->to);
	free(env->cc);
	free(env->subject);
	free(env->message_id);
	free(env->in_reply_to);
	free(env->references);
	memset(env, 0, sizeof(*env));
}

char *
mime_envelope_lines(const struct mime_envelope *env)
{
	struct buf b = BUF_INIT;
	char when[64];
	struct tm tm;
	time_t t;

	if (env->from)
		buf_addf(&b, "From: %s\n", env->from);
	if (env->to)
		buf_addf(&b, "To: %s\n", env->to);
	if (env->cc)
		buf_addf(&b, "Cc: %s\n", env->cc);
	t = (time_t)env->date;
	if (env->date != 0 && localtime_r(&t, &tm) != NULL &&
	    strftime(when, sizeof(when), "%a, %d %b %Y %H:%M", &tm) > 0)
		buf_addf(&b, "Date: %s\n", when);
	if (env->subject)
		buf_addf(&b, "Subject: %s\n", env->subject);
	if (b.len > 0)
		b.data[--b.len] = '\0';	/* no newline after the last */
	return buf_detach(&b, NULL);
}
