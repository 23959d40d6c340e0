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
	p->nsrc++;
	free(safe);
}

static void
pager_addf(struct ui_pager *p, enum theme_style style, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

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

/* Header lines, one per line of text. */
static void
pager_add_headers(struct ui_pager *p, const char *text)
{
	const char *s = text, *nl;

	while (s != NULL && *s != '\0') {
		nl = strchr(s, '\n');
		pager_add(p, s, nl ? (size_t)(nl - s) : strlen(s),
		    STYLE_PAGER_HEADER);
		s = nl ? nl + 1 : NULL;
	}
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
	if (rc == 0 && mime_render(raw, len, &v, &err) == 0) {
		pager_add_headers(p, v.headers);
		pager_add(p, "", 0, STYLE_PAGER_BODY);
		pager_add_body(p, v.body ? v.body : "",
		    v.body ? strlen(v.body) : 0);
		pager_add_parts(p, &v);
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
	free(raw);
}

void
view_pager_release(struct ui *ui)
{
	struct ui_pager *p = &ui->pager;
	size_t i;

	for (i = 0; i < p->nsrc; i++)
		free(p->src[i].text);
	free(p->src);
	free(p->lines);
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
	pager_load(ui, p);
	if (ui_top(ui) != &view_pager_ops)
		ui_push(ui, &view_pager_ops);
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
	return true;
}

/* Where one source line breaks: the characters of its first row. */
static size_t
pager_break(const wchar_t *s, size_t n, int width)
{
	size_t k = draw_wfit(s, n, width, NULL), i;

	if (k == 0)
		return n ? 1 : 0;
	if (k == n || s[k] == L' ')
		return k;
	for (i = k; i > k / 2; i--)
		if (s[i - 1] == L' ')
			return i;
	return k;
}

/* Wrap the source lines to width; the rows point into the sources. */
static void
pager_wrap(struct ui_pager *p, int width)
{
	size_t i, pos, k, cap = p->nsrc + 16;

	free(p->lines);
	p->lines = xreallocarray(NULL, cap, sizeof(*p->lines));
	p->nlines = 0;
	p->width = width;
	for (i = 0; i < p->nsrc; i++) {
		const struct pager_line *s = &p->src[i];

		pos = 0;
		do {
			k = pager_break(s->text + pos, s->len - pos, width);
			if (p->nlines == cap) {
				cap *= 2;
				p->lines = xreallocarray(p->lines, cap,
				    sizeof(*p->lines));
			}
			p->lines[p->nlines++] = (struct pager_line){
				s->text + pos, k, s->style};
			pos += k;
		} while (pos < s->len);
	}
}

static size_t
pager_max_top(struct ui *ui)
{
	size_t h = ui->main_h > 0 ? (size_t)ui->main_h : 1;

	return ui->pager.nlines > h ? ui->pager.nlines - h : 0;
}

static void
pager_draw(struct ui *ui, WINDOW *w)
{
	struct ui_pager *p = &ui->pager;
	int h = getmaxy(w), width = getmaxx(w), y;

	if (p->width != width)
		pager_wrap(p, width);
	if (p->top > pager_max_top(ui))
		p->top = pager_max_top(ui);
	for (y = 0; y < h; y++) {
		size_t i = p->top + (size_t)y;

		if (i < p->nlines)
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

static bool
pager_action(struct ui *ui, enum ui_action a)
{
	struct ui_pager *p = &ui->pager;
	int64_t h = ui->main_h > 1 ? ui->main_h - 1 : 1;

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
	default:
		return false;
	}
}

static void
pager_status(struct ui *ui, struct buf *b)
{
	struct ui_pager *p = &ui->pager;
	size_t h = ui->main_h > 0 ? (size_t)ui->main_h : 1;
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
