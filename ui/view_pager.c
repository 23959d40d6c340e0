/*
 * view_pager: one message on screen: the header block, the body text and
 * the list of its parts, scrolled by line or page. The raw message comes
 * from the store and goes through mime_render; every line is sanitised
 * again here and wrapped by display width. A message whose body is not in
 * the store yet shows its envelope and says so. UI thread.
 */
#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mime/mime.h"

static void
pager_add(struct ui_pager *p, const char *s, size_t len,
    enum theme_style style)
{
	char *safe = util_sanitize(s, len, false, true);

	if (p->nsrc == p->src_cap) {
		p->src_cap = p->src_cap ? p->src_cap * 2 : 64;
		p->src = xreallocarray(p->src, p->src_cap, sizeof(*p->src));
	}
	p->src[p->nsrc].text = draw_wcs(safe, &p->src[p->nsrc].len);
	p->src[p->nsrc].style = style;
	p->src[p->nsrc].mark = false;
	p->nsrc++;
	if (p->secret)
		explicit_bzero(safe, strlen(safe));
	free(safe);
}

static void
pager_addf(struct ui_pager *p, enum theme_style style, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* " <diamond> protected " and a blank: the marker's columns. */
#define PAGER_MARK_W 14

/*
 * The subject line starts with blanks where the marker will be drawn, so
 * that it wraps as it will be shown.
 */
static void
pager_add_protected(struct ui_pager *p, const char *subject)
{
	char *s = xasprintf("%*sSubject: %s", PAGER_MARK_W, "", subject);

	pager_add(p, s, strlen(s), STYLE_PAGER_HEADER);
	p->src[p->nsrc - 1].mark = true;
	free(s);
}

static void
pager_addf(struct ui_pager *p, enum theme_style style, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	pager_add(p, s, strlen(s), style);
	free(s);
}

/*
 * Header lines, one per line of text. A subject from protected headers
 * (inside the signature or encryption) takes the place of the outer one
 * and carries the "protected" marker, which only the UI can draw.
 */
static void
pager_add_headers(struct ui_pager *p, const char *text, const char *psubj)
{
	const char *s = text, *nl;
	bool done = false;
	size_t len;

	while (s != NULL && *s != '\0') {
		nl = strchr(s, '\n');
		len = nl ? (size_t)(nl - s) : strlen(s);
		if (psubj != NULL && len >= 8 &&
		    strncasecmp(s, "Subject:", 8) == 0) {
			if (!done)
				pager_add_protected(p, psubj);
			done = true;
		} else {
			pager_add(p, s, len, STYLE_PAGER_HEADER);
		}
		s = nl ? nl + 1 : NULL;
	}
	if (psubj != NULL && !done)
		pager_add_protected(p, psubj);
}

/* Body lines, with quotes and the signature told apart. */
static void
pager_add_body(struct ui_pager *p, const char *text, size_t len)
{
	const char *s = text, *end = text + len, *nl, *q;
	bool sig = false;
	size_t ll;

	while (s < end) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		ll = (size_t)(nl - s);
		if (ll > 0 && s[ll - 1] == '\r')
			ll--;
		if (ll == 3 && memcmp(s, "-- ", 3) == 0)
			sig = true;
		for (q = s; q < s + ll && (*q == ' ' || *q == '\t'); q++)
			;
		pager_add(p, s, ll, sig ? STYLE_PAGER_SIGNATURE :
		    (q < s + ll && *q == '>') ? STYLE_PAGER_QUOTE :
		    STYLE_PAGER_BODY);
		s = nl + 1;
	}
}

static void
pager_add_parts(struct ui_pager *p, const struct mime_view *v)
{
	bool other = false;
	char size[16];
	size_t i;

	for (i = 0; i < v->nparts; i++)
		if (!v->parts[i].is_body)
			other = true;
	if (!other)
		return;
	pager_add(p, "", 0, STYLE_PAGER_BODY);
	pager_add(p, "Attachments:", 12, STYLE_PAGER_HEADER);
	for (i = 0; i < v->nparts; i++) {
		const struct mime_part *mp = &v->parts[i];

		draw_size(size, sizeof(size), mp->size);
		pager_addf(p, STYLE_PAGER_ATTACHMENT, "  [%d] %s  %s%s%s%s",
		    mp->index + 1, mp->type ? mp->type : "?", size,
		    mp->filename ? "  " : "", mp->filename ? mp->filename : "",
		    mp->is_body ? "  (shown)" : "");
	}
}

/* The envelope from the store, for a message without its body. */
static void
pager_add_envelope(struct ui_pager *p, const struct store_msg *m)
{
	char date[64] = "-";
	time_t t = (time_t)m->date;
	struct tm tm;

	if (m->date > 0 && localtime_r(&t, &tm) != NULL)
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M", &tm);
	pager_addf(p, STYLE_PAGER_HEADER, "From: %s", m->from ? m->from : "");
	if (m->to != NULL)
		pager_addf(p, STYLE_PAGER_HEADER, "To: %s", m->to);
	if (m->cc != NULL)
		pager_addf(p, STYLE_PAGER_HEADER, "Cc: %s", m->cc);
	pager_addf(p, STYLE_PAGER_HEADER, "Date: %s", date);
	pager_addf(p, STYLE_PAGER_HEADER, "Subject: %s",
	    m->subject ? m->subject : "");
}

static void
pager_load(struct ui *ui, struct ui_pager *p)
{
	struct ui_account *a = account_current(ui);
	struct mime_view v = {0};
	struct cachet_err err;
	char *raw = NULL;
	size_t len = 0;
	int rc;

	rc = store_msg_read_raw(a->st, p->msg_id, &raw, &len, &err);
	p->secret = rc == 0 && p->has_sec && p->sec.display != NULL;
	if (p->secret) {
		/* The message with its protected content opened. */
		free(raw);
		raw = xmalloc(p->sec.display_len + 1);
		memcpy(raw, p->sec.display, p->sec.display_len);
		raw[p->sec.display_len] = '\0';
		len = p->sec.display_len;
	}
	if (rc == 0 && mime_render(raw, len, &v, &err) == 0) {
		pager_add_headers(p, v.headers, p->has_sec ?
		    p->sec.protected_subject : NULL);
		pager_add(p, "", 0, STYLE_PAGER_BODY);
		pager_add_body(p, v.body ? v.body : "",
		    v.body ? strlen(v.body) : 0);
		pager_add_parts(p, &v);
		if (p->secret && v.body != NULL)
			explicit_bzero(v.body, strlen(v.body));
		mime_view_release(&v);
	} else if (rc == 0) {
		/* Undecodable: show what is there, sanitised, as text. */
		pager_add_envelope(p, &p->msg);
		pager_add(p, "", 0, STYLE_PAGER_BODY);
		pager_addf(p, STYLE_PAGER_NOTICE, "cannot decode: %s",
		    err.msg);
		pager_add_body(p, raw, len);
	} else {
		pager_add_envelope(p, &p->msg);
		pager_add(p, "", 0, STYLE_PAGER_BODY);
		if (rc == CACHET_E_NOTFOUND)
			pager_addf(p, STYLE_PAGER_NOTICE,
			    "body not downloaded yet; run cachet sync");
		else
			pager_addf(p, STYLE_PAGER_NOTICE,
			    "cannot read the message: %s", err.msg);
	}
	if (p->secret)
		explicit_bzero(raw, len);
	free(raw);
}

/* Drop the text and the status, keeping the message. */
static void
pager_clear(struct ui_pager *p)
{
	size_t i;

	for (i = 0; i < p->nsrc; i++) {
		/* Decrypted text is wiped, as the status wipes its own. */
		if (p->secret)
			explicit_bzero(p->src[i].text,
			    p->src[i].len * sizeof(*p->src[i].text));
		free(p->src[i].text);
	}
	FREE_AND_NULL(p->src);
	FREE_AND_NULL(p->lines);
	p->nsrc = p->src_cap = p->nlines = 0;
	p->width = 0;
	p->top = 0;
	if (p->has_sec)
		crypto_status_release(&p->sec);
	memset(&p->sec, 0, sizeof(p->sec));
	p->has_sec = false;
	p->secret = false;
	FREE_AND_NULL(p->sec_error);
	banner_release(&p->banner);
}

/*
 * The security status, computed now (local crypto only) so that the
 * banner and what is displayed agree with each other; then the text.
 */
static void
pager_fill(struct ui *ui, struct ui_pager *p)
{
	struct ui_account *a = account_current(ui);
	struct cachet_err err;

	pager_clear(p);
	if (cmd_secstat_compute(a->st, p->msg_id, p->decrypt_nested, &p->sec,
	    &err) == 0) {
		p->has_sec = true;
	} else {
		/* Whatever was filled in before the failure goes. */
		crypto_status_release(&p->sec);
		p->sec_error = xstrdup(err.code == CACHET_E_NOTFOUND ?
		    "the body is not downloaded yet" : err.msg);
	}
	banner_build(&p->banner, p->has_sec ? &p->sec : NULL, p->sec_error);
	pager_load(ui, p);
	/* Computing refreshed the message's cached status in the store. */
	view_index_invalidate(ui);
}

void
view_pager_release(struct ui *ui)
{
	struct ui_pager *p = &ui->pager;

	pager_clear(p);
	store_msg_release(&p->msg);
	memset(p, 0, sizeof(*p));
}

bool
view_pager_open(struct ui *ui, const struct store_msg *m)
{
	struct ui_account *a = account_current(ui);
	struct ui_pager *p = &ui->pager;
	struct cachet_err err;
	int64_t id = m->id;

	view_pager_release(ui);
	if (a == NULL || store_msg_get(a->st, id, &p->msg, &err) != 0) {
		ui_error(ui, "cannot open the message: %s",
		    a ? err.msg : "no account");
		memset(&p->msg, 0, sizeof(p->msg));
		return false;
	}
	p->msg_id = id;
	if (!(p->msg.flags & STORE_F_SEEN) &&
	    msgop_flags(ui, &p->msg, STORE_F_SEEN, 0) == 0)
		p->msg.flags |= STORE_F_SEEN;
	pager_fill(ui, p);
	if (ui_top(ui) != &view_pager_ops)
		ui_push(ui, &view_pager_ops);
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
	return true;
}

/* Wrap the source lines to width; the rows point into the sources. */
static void
pager_wrap(struct ui_pager *p, int width)
{
	free(p->lines);
	p->lines = draw_wrap(p->src, p->nsrc, width, &p->nlines);
	p->width = width;
}

/* Rows of the message area: the window less the banner's rows. */
static size_t
pager_area(struct ui *ui)
{
	int h = ui->main_h > 0 ? ui->main_h : 1;
	int bh = banner_height(&ui->pager.banner, ui->main_w, h);

	return h - bh > 0 ? (size_t)(h - bh) : 1;
}

static size_t
pager_max_top(struct ui *ui)
{
	size_t h = pager_area(ui);

	return ui->pager.nlines > h ? ui->pager.nlines - h : 0;
}

/*
 * A line with the "protected" marker: the marker covers the line's first
 * columns, in the banner's own style (reverse video, a line-drawing
 * diamond), so no message text can imitate it.
 */
static void
pager_draw_marked(struct ui *ui, WINDOW *w, int y,
    const struct pager_line *l)
{
	struct ui_attr m = ui_style(ui, ui->pager.banner.style);
	int width = getmaxx(w);

	draw_wtext(w, y, 0, width, l->text, l->len, ui_style(ui, l->style),
	    true);
	if (width < PAGER_MARK_W)
		return;
	draw_text(w, y, 0, PAGER_MARK_W - 1, "   protected", m, true);
	mvwaddch(w, y, 1, ACS_DIAMOND | m.attr | COLOR_PAIR(m.pair));
}

/*
 * The banner on its reserved rows, then the message area below it: no
 * line of the message is ever drawn on a banner row.
 */
static void
pager_draw(struct ui *ui, WINDOW *w)
{
	struct ui_pager *p = &ui->pager;
	int h = getmaxy(w), width = getmaxx(w), y, bh;

	if (p->width != width)
		pager_wrap(p, width);
	bh = banner_draw(ui, w, &p->banner);
	if (p->top > pager_max_top(ui))
		p->top = pager_max_top(ui);
	for (y = bh; y < h; y++) {
		size_t i = p->top + (size_t)(y - bh);

		if (i < p->nlines && p->lines[i].mark)
			pager_draw_marked(ui, w, y, &p->lines[i]);
		else if (i < p->nlines)
			draw_wtext(w, y, 0, width, p->lines[i].text,
			    p->lines[i].len, ui_style(ui, p->lines[i].style),
			    true);
		else
			draw_fill(w, y, 0, width, ui_style(ui, STYLE_NORMAL));
	}
}

static void
pager_scroll(struct ui *ui, int64_t delta)
{
	struct ui_pager *p = &ui->pager;
	int64_t to = (int64_t)p->top + delta, max = (int64_t)pager_max_top(ui);

	if (to > max)
		to = max;
	if (to < 0)
		to = 0;
	if ((size_t)to == p->top && delta != 0)
		ui_message(ui, delta > 0 ? "end of message" :
		    "top of message");
	p->top = (size_t)to;
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

/* Open the message the index selection moved to. */
static void
pager_follow_index(struct ui *ui, bool moved)
{
	const struct store_msg *m;

	if (!moved)
		return;
	view_index_sync(ui);
	if ((m = view_index_current(ui)) != NULL)
		view_pager_open(ui, m);
}

/* Compute again, decrypting encrypted parts below the root too. */
static void
pager_decrypt_nested(struct ui *ui)
{
	struct ui_pager *p = &ui->pager;

	if (p->decrypt_nested || !p->has_sec ||
	    !(p->sec.flags & CRYPTO_ST_NESTED_ENCRYPTED)) {
		ui_message(ui, "no encrypted part left to decrypt");
		return;
	}
	p->decrypt_nested = true;
	pager_fill(ui, p);
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
}

static bool
pager_action(struct ui *ui, enum ui_action a)
{
	struct ui_pager *p = &ui->pager;
	int64_t h = pager_area(ui) > 1 ? (int64_t)pager_area(ui) - 1 : 1;

	switch (a) {
	case UI_A_LINE_DOWN:
	case UI_A_LINE_UP:
		pager_scroll(ui, a == UI_A_LINE_DOWN ? 1 : -1);
		return true;
	case UI_A_PAGE_DOWN:
	case UI_A_PAGE_UP:
		pager_scroll(ui, a == UI_A_PAGE_DOWN ? h : -h);
		return true;
	case UI_A_FIRST:
	case UI_A_LAST:
		p->top = a == UI_A_FIRST ? 0 : pager_max_top(ui);
		ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
		return true;
	case UI_A_NEXT_MESSAGE:
	case UI_A_PREV_MESSAGE:
		pager_follow_index(ui, view_index_move(ui,
		    a == UI_A_NEXT_MESSAGE ? 1 : -1));
		return true;
	case UI_A_NEXT_UNREAD:
		pager_follow_index(ui, view_index_next_unread(ui));
		return true;
	case UI_A_TOGGLE_READ:
	case UI_A_TOGGLE_FLAG: {
		uint32_t f = a == UI_A_TOGGLE_READ ? STORE_F_SEEN :
		    STORE_F_FLAGGED;

		if (msgop_toggle(ui, &p->msg, f) == 0)
			p->msg.flags ^= f;
		return true;
	}
	case UI_A_DELETE:
		if (msgop_delete(ui, &p->msg) == 0)
			ui_pop(ui);
		return true;
	case UI_A_CLOSE:
		ui_pop(ui);
		return true;
	case UI_A_OPEN:
		return true;
	case UI_A_SECURITY_DETAILS:
		view_details_open(ui, p->has_sec ? &p->sec : NULL,
		    p->sec_error, p->msg.subject);
		return true;
	case UI_A_DECRYPT_NESTED:
		pager_decrypt_nested(ui);
		return true;
	case UI_A_MOVE:
	case UI_A_COPY:
		msgop_move_start(ui, &p->msg, a == UI_A_COPY);
		return true;
	case UI_A_SAVE_ATTACHMENT:
		attach_save_start(ui);
		return true;
	case UI_A_IMPORT_KEYS:
		keyop_import_start(ui);
		return true;
	default:
		return false;
	}
}

static void
pager_status(struct ui *ui, struct buf *b)
{
	struct ui_pager *p = &ui->pager;
	size_t h = pager_area(ui);
	size_t bottom = p->top + h < p->nlines ? p->top + h : p->nlines;
	unsigned pct = p->nlines ? (unsigned)(bottom * 100 / p->nlines) : 100;

	if (ui->idx.searching)
		buf_addf(b, "search: %s", ui->idx.query);
	else
		buf_adds(b, account_folder_label(ui));
	buf_addf(b, "  %u/%u  line %zu/%zu (%u%%)",
	    (unsigned)(ui->idx.total ? ui->idx.sel + 1 : 0),
	    (unsigned)ui->idx.total, p->nlines ? p->top + 1 : 0, p->nlines,
	    pct);
}

const struct ui_view_ops view_pager_ops = {
	.name = "pager",
	.ctx = KEYMAP_PAGER,
	.draw = pager_draw,
	.action = pager_action,
	.status = pager_status,
	.close = view_pager_release,
};
