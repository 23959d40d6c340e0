/*
 * imap_fetch: mailbox commands of a session: LIST, SELECT (with CONDSTORE
 * and QRESYNC), UID FETCH of headers, bodies and flags, UID SEARCH. Runs on
 * the account's sync thread.
 */
#include "imap_int.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
msg_flags(struct mailimap_msg_att_dynamic *dyn, struct imap_msg *m,
    struct buf *kw)
{
	clistiter *it;

	if (dyn == NULL || dyn->att_list == NULL)
		return;
	for (it = clist_begin(dyn->att_list); it; it = clist_next(it)) {
		struct mailimap_flag_fetch *ff = clist_content(it);
		struct mailimap_flag *f = ff->fl_flag;

		if (ff->fl_type != MAILIMAP_FLAG_FETCH_OTHER || f == NULL)
			continue;
		switch (f->fl_type) {
		case MAILIMAP_FLAG_ANSWERED:
			m->flags |= STORE_F_ANSWERED;
			break;
		case MAILIMAP_FLAG_FLAGGED:
			m->flags |= STORE_F_FLAGGED;
			break;
		case MAILIMAP_FLAG_DELETED:
			m->flags |= STORE_F_DELETED;
			break;
		case MAILIMAP_FLAG_SEEN:
			m->flags |= STORE_F_SEEN;
			break;
		case MAILIMAP_FLAG_DRAFT:
			m->flags |= STORE_F_DRAFT;
			break;
		case MAILIMAP_FLAG_KEYWORD:
			if (kw->len)
				buf_addc(kw, ' ');
			buf_adds(kw, f->fl_data.fl_keyword);
			break;
		default:
			break;
		}
	}
}

static int64_t
date_time(const struct mailimap_date_time *d)
{
	struct tm tm = {0};
	int64_t t;
	int zone;

	if (d == NULL)
		return 0;
	tm.tm_year = d->dt_year - 1900;
	tm.tm_mon = d->dt_month - 1;
	tm.tm_mday = d->dt_day;
	tm.tm_hour = d->dt_hour;
	tm.tm_min = d->dt_min;
	tm.tm_sec = d->dt_sec;
	t = (int64_t)timegm(&tm);
	zone = d->dt_zone;	/* e.g. +0130 as 130 */
	t -= ((zone / 100) * 3600 + (zone % 100) * 60);
	return t;
}

static void
msg_static(struct mailimap_msg_att_static *st, struct imap_msg *m)
{
	struct mailimap_msg_att_body_section *sec;

	switch (st->att_type) {
	case MAILIMAP_MSG_ATT_UID:
		m->uid = st->att_data.att_uid;
		break;
	case MAILIMAP_MSG_ATT_RFC822_SIZE:
		m->size = st->att_data.att_rfc822_size;
		break;
	case MAILIMAP_MSG_ATT_INTERNALDATE:
		m->internaldate = date_time(st->att_data.att_internal_date);
		break;
	case MAILIMAP_MSG_ATT_BODY_SECTION:
		sec = st->att_data.att_body_section;
		if (sec == NULL || sec->sec_body_part == NULL)
			break;
		if (sec->sec_section && sec->sec_section->sec_spec &&
		    sec->sec_section->sec_spec->sec_type ==
		    MAILIMAP_SECTION_SPEC_SECTION_MSGTEXT) {
			m->header = sec->sec_body_part;
			m->header_len = sec->sec_length;
		} else {
			m->body = sec->sec_body_part;
			m->body_len = sec->sec_length;
		}
		break;
	default:
		break;
	}
}

static void
msg_ext(struct mailimap_extension_data *ext, struct imap_msg *m)
{
	struct mailimap_condstore_fetch_mod_resp *mod;

	if (ext->ext_extension != &mailimap_extension_condstore ||
	    ext->ext_type != MAILIMAP_CONDSTORE_TYPE_FETCH_DATA)
		return;
	mod = ext->ext_data;
	if (mod)
		m->modseq = mod->cs_modseq_value;
}

/* Hand every message of a fetch result to fn. */
static int
deliver(clist *result, imap_msg_fn fn, void *ctx)
{
	struct buf kw = BUF_INIT;
	clistiter *it, *jt;
	int rc = 0;

	for (it = clist_begin(result); it && rc == 0; it = clist_next(it)) {
		struct mailimap_msg_att *att = clist_content(it);
		struct imap_msg m = {0};

		buf_reset(&kw);
		for (jt = clist_begin(att->att_list); jt; jt = clist_next(jt)) {
			struct mailimap_msg_att_item *item = clist_content(jt);

			if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC)
				msg_flags(item->att_data.att_dyn, &m, &kw);
			else if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC)
				msg_static(item->att_data.att_static, &m);
			else if (item->att_type ==
			    MAILIMAP_MSG_ATT_ITEM_EXTENSION)
				msg_ext(item->att_data.att_extension_data, &m);
		}
		if (m.uid == 0)
			continue;	/* unsolicited FETCH without UID */
		m.keywords = kw.len ? kw.data : NULL;
		rc = fn(ctx, &m);
	}
	buf_release(&kw);
	return rc;
}

int
imap_list(struct imap *im, struct imap_mailbox **out, size_t *n,
    struct cachet_err *err)
{
	clist *list = NULL;
	clistiter *it;
	size_t i = 0;
	int r;

	*out = NULL;
	*n = 0;
	r = mailimap_list(im->s, "", "*", &list);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "LIST");
	*out = xcalloc(clist_count(list) + 1, sizeof(**out));
	for (it = clist_begin(list); it; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		struct imap_mailbox *o = &(*out)[i];

		if (mb->mb_name == NULL || mb->mb_name[0] == '\0')
			continue;
		o->name = xstrdup(mb->mb_name);
		o->delim = mb->mb_delimiter;
		if (mb->mb_flag && mb->mb_flag->mbf_type ==
		    MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
		    mb->mb_flag->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
			o->noselect = true;
		i++;
	}
	*n = i;
	mailimap_list_result_free(list);
	return 0;
}

void
imap_mailboxes_free(struct imap_mailbox *m, size_t n)
{
	size_t i;

	for (i = 0; m && i < n; i++)
		free(m[i].name);
	free(m);
}

static void
report_vanished(struct mailimap_qresync_vanished *v, imap_vanished_fn fn,
    void *ctx)
{
	clistiter *it;

	if (v == NULL || v->qr_known_uids == NULL || fn == NULL)
		return;
	for (it = clist_begin(v->qr_known_uids->set_list); it;
	    it = clist_next(it)) {
		struct mailimap_set_item *item = clist_content(it);

		fn(ctx, item->set_first, item->set_last);
	}
}

/*
 * Changes since modseq in one round trip: UID FETCH 1:* (UID FLAGS MODSEQ)
 * (CHANGEDSINCE m VANISHED), valid once QRESYNC is enabled. (libetpan's
 * SELECT ... QRESYNC omits the parentheses RFC 7162 requires, so servers
 * ignore it; this form carries the same information.)
 */
static int
qresync_changes(struct imap *im, uint64_t modseq, imap_msg_fn fn,
    imap_vanished_fn vanished, void *ctx, struct cachet_err *err)
{
	struct mailimap_qresync_vanished *v = NULL;
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *fetched = NULL;
	int r;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_flags());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_modseq());
	set = mailimap_set_new_interval(1, 0);
	r = mailimap_uid_fetch_qresync(im->s, set, ft, modseq, &fetched, &v);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "UID FETCH CHANGEDSINCE VANISHED");
	report_vanished(v, vanished, ctx);
	if (fetched && fn)
		r = deliver(fetched, fn, ctx);
	if (v)
		mailimap_qresync_vanished_free(v);
	if (fetched)
		mailimap_fetch_list_free(fetched);
	return r;
}

int
imap_select(struct imap *im, const char *name, uint32_t known_uidvalidity,
    uint64_t known_modseq, struct imap_selected *sel, imap_msg_fn fn,
    imap_vanished_fn vanished, void *ctx, struct cachet_err *err)
{
	uint64_t modseq = 0;
	int r;

	memset(sel, 0, sizeof(*sel));
	if (im->caps & IMAP_CAP_CONDSTORE)
		r = mailimap_select_condstore(im->s, name, &modseq);
	else
		r = mailimap_select(im->s, name);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "SELECT");
	sel->uidvalidity = im->s->imap_selection_info->sel_uidvalidity;
	sel->uidnext = im->s->imap_selection_info->sel_uidnext;
	sel->exists = im->s->imap_selection_info->sel_exists;
	sel->highestmodseq = modseq;
	if ((im->caps & IMAP_CAP_QRESYNC) && known_uidvalidity &&
	    known_modseq && sel->uidvalidity == known_uidvalidity) {
		sel->qresync_used = true;
		if (modseq != known_modseq)
			r = qresync_changes(im, known_modseq, fn, vanished,
			    ctx, err);
	}
	return r;
}

/* UID FETCH set items, optionally CHANGEDSINCE, delivering to fn. */
static int
uid_fetch(struct imap *im, struct mailimap_set *set,
    struct mailimap_fetch_type *ft, uint64_t changedsince, imap_msg_fn fn,
    void *ctx, struct cachet_err *err, const char *what)
{
	clist *result = NULL;
	int r;

	if (im->caps & IMAP_CAP_CONDSTORE)
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_modseq());
	if (changedsince)
		r = mailimap_uid_fetch_changedsince(im->s, set, ft,
		    changedsince, &result);
	else
		r = mailimap_uid_fetch(im->s, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, what);
	r = deliver(result, fn, ctx);
	mailimap_fetch_list_free(result);
	return r;
}

static struct mailimap_fetch_type *
fetch_type_basic(void)
{
	struct mailimap_fetch_type *ft;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_flags());
	return ft;
}

/*
 * Only the header fields the store keeps: less to transfer and parse, and
 * servers answer them from their own cache.
 */
static const char *const header_names[] = {
	"Date", "From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To",
	"References",
};

static struct mailimap_section *
header_section(void)
{
	clist *list = clist_new();
	size_t i;

	if (list == NULL)
		abort();
	for (i = 0; i < sizeof(header_names) / sizeof(header_names[0]); i++)
		clist_append(list, xstrdup(header_names[i]));
	return mailimap_section_new_header_fields(
	    mailimap_header_list_new(list));
}

/*
 * The fast reader (imap_fastfetch.c) unless CACHET_IMAP_SLOW_FETCH is set
 * (to compare the two), libetpan was told to use another tag format, or
 * the fast reader refused a reply of this server before.
 */
static bool
use_fastfetch(struct imap *im)
{
	const char *e = getenv("CACHET_IMAP_SLOW_FETCH");

	if (im->slow_fetch || (e && *e && strcmp(e, "0") != 0))
		return false;
	return !mailimap_is_163_workaround_enabled(im->s);
}

/*
 * The UIDs the fast reader delivered before it refused a reply, so that
 * libetpan's reading of the same range hands fn only the others.
 */
struct delivered {
	imap_msg_fn fn;
	void *ctx;
	uint32_t *uids;
	size_t n;
	size_t cap;
};

static int
delivered_note(void *ctx, const struct imap_msg *m)
{
	struct delivered *d = ctx;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 256;
		d->uids = xreallocarray(d->uids, d->cap, sizeof(*d->uids));
	}
	d->uids[d->n++] = m->uid;
	return d->fn(d->ctx, m);
}

static int
delivered_skip(void *ctx, const struct imap_msg *m)
{
	struct delivered *d = ctx;

	if (d->n > 0 && bsearch(&m->uid, d->uids, d->n, sizeof(*d->uids),
	    cmp_u32) != NULL)
		return 0;
	return d->fn(d->ctx, m);
}

static int
fetch_headers_fast(struct imap *im, uint32_t first, uint32_t last,
    imap_msg_fn fn, void *ctx, bool *refused, struct cachet_err *err)
{
	struct buf items = BUF_INIT;
	char set[32];
	size_t i;
	int r;

	if (last)
		snprintf(set, sizeof(set), "%" PRIu32 ":%" PRIu32, first, last);
	else
		snprintf(set, sizeof(set), "%" PRIu32 ":*", first);
	buf_adds(&items, "(UID FLAGS RFC822.SIZE INTERNALDATE "
	    "BODY.PEEK[HEADER.FIELDS (");
	for (i = 0; i < sizeof(header_names) / sizeof(header_names[0]); i++)
		buf_addf(&items, "%s%s", i ? " " : "", header_names[i]);
	buf_adds(&items, ")]");
	if (im->caps & IMAP_CAP_CONDSTORE)
		buf_adds(&items, " MODSEQ");
	buf_addc(&items, ')');
	r = imap_fastfetch(im, set, items.data, fn, ctx, refused, err,
	    "UID FETCH headers");
	buf_release(&items);
	return r;
}

static int
fetch_headers_slow(struct imap *im, uint32_t first, uint32_t last,
    imap_msg_fn fn, void *ctx, struct cachet_err *err)
{
	struct mailimap_fetch_type *ft;

	ft = fetch_type_basic();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_rfc822_size());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_internaldate());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(header_section()));
	return uid_fetch(im, mailimap_set_new_interval(first, last), ft, 0,
	    fn, ctx, err, "UID FETCH headers");
}

/*
 * The fast reader first; when it refuses a reply it could still read to
 * its end (an item or response it does not know), the same range again
 * through libetpan, skipping what was delivered already.
 */
int
imap_fetch_headers(struct imap *im, uint32_t first, uint32_t last,
    imap_msg_fn fn, void *ctx, struct cachet_err *err)
{
	struct delivered d = {.fn = fn, .ctx = ctx};
	bool refused;
	int r;

	if (!use_fastfetch(im))
		return fetch_headers_slow(im, first, last, fn, ctx, err);
	r = fetch_headers_fast(im, first, last, delivered_note, &d, &refused,
	    err);
	if (refused && r == CACHET_E_PROTO) {
		if (d.n > 1)
			qsort(d.uids, d.n, sizeof(*d.uids), cmp_u32);
		r = fetch_headers_slow(im, first, last, delivered_skip, &d,
		    err);
	}
	free(d.uids);
	return r;
}

int
imap_fetch_bodies(struct imap *im, const uint32_t *uids, size_t n,
    imap_msg_fn fn, void *ctx, struct cachet_err *err)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	struct mailimap_fetch_type *ft;
	size_t i;

	for (i = 0; i < n; i++)
		mailimap_set_add_single(set, uids[i]);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(
	    mailimap_section_new(NULL)));
	return uid_fetch(im, set, ft, 0, fn, ctx, err, "UID FETCH bodies");
}

int
imap_fetch_flags(struct imap *im, uint32_t first, uint64_t changedsince,
    imap_msg_fn fn, void *ctx, struct cachet_err *err)
{
	if (!(im->caps & IMAP_CAP_CONDSTORE))
		changedsince = 0;
	return uid_fetch(im, mailimap_set_new_interval(first, 0),
	    fetch_type_basic(), changedsince, fn, ctx, err,
	    "UID FETCH flags");
}

/* UID SEARCH with key (consumed), ascending UIDs. */
static int
uid_search(struct imap *im, const char *charset,
    struct mailimap_search_key *key, uint32_t **uids, size_t *n,
    struct cachet_err *err)
{
	clist *result = NULL;
	clistiter *it;
	size_t i = 0;
	int r;

	*uids = NULL;
	*n = 0;
	r = mailimap_uid_search(im->s, charset, key, &result);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, err, "UID SEARCH");
	*uids = xcalloc(clist_count(result) + 1, sizeof(uint32_t));
	for (it = clist_begin(result); it; it = clist_next(it))
		(*uids)[i++] = *(uint32_t *)clist_content(it);
	*n = i;
	mailimap_search_result_free(result);
	qsort(*uids, *n, sizeof(uint32_t), cmp_u32);
	return 0;
}

int
imap_uid_search_all(struct imap *im, uint32_t **uids, size_t *n,
    struct cachet_err *err)
{
	return uid_search(im, NULL, mailimap_search_key_new_all(), uids, n,
	    err);
}

int
imap_uid_search_text(struct imap *im, const char *text, uint32_t **uids,
    size_t *n, struct cachet_err *err)
{
	char *t;
	size_t i;

	*uids = NULL;
	*n = 0;
	if (text == NULL || *text == '\0' || strlen(text) > 1000)
		return cachet_err(err, CACHET_E_INVAL,
		    "search text empty or too long");
	/* Sent as a string or literal by libetpan; no control bytes. */
	t = xstrdup(text);
	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			t[i] = ' ';
	return uid_search(im, "UTF-8", mailimap_search_key_new_text(t), uids,
	    n, err);
}
