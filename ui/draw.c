/*
 * draw: text on the screen by display width. Strings are decoded with the
 * locale (UTF-8), anything unprintable becomes '?', and every column is cut
 * and padded by what the terminal will show, so wide and combining
 * characters cannot push a column out of place. UI thread only.
 */
#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DRAW_TAB 8
#define DRAW_MAX_COMBINING 4

/* One character as draw_wcs keeps it: printable, or '?'. */
static wchar_t
draw_printable(wchar_t wc, int *width)
{
	int w = wcwidth(wc);

	if (w < 0) {
		*width = 1;
		return L'?';
	}
	*width = w;
	return wc;
}

/* Append wc to out (growing it), following tab stops and combining runs. */
static void
draw_push(wchar_t **out, size_t *len, size_t *cap, wchar_t wc, int *col,
    int *zero_run)
{
	int w, i, n = 1;

	if (wc == L'\t') {
		n = DRAW_TAB - (*col % DRAW_TAB);
		wc = L' ';
	}
	wc = draw_printable(wc, &w);
	if (w == 0) {
		/* A mark with nothing to sit on, or a run of them. */
		if (*len == 0 || *zero_run >= DRAW_MAX_COMBINING)
			return;
		(*zero_run)++;
	} else {
		*zero_run = 0;
	}
	if (*len + (size_t)n + 1 > *cap) {
		*cap = (*cap + (size_t)n + 1) * 2;
		*out = xreallocarray(*out, *cap, sizeof(**out));
	}
	for (i = 0; i < n; i++)
		(*out)[(*len)++] = wc;
	*col += w * n;
}

wchar_t *
draw_wcs(const char *s, size_t *len)
{
	size_t n = s ? strlen(s) : 0, cap = n + 1, r, ol = 0;
	wchar_t *out = xreallocarray(NULL, cap, sizeof(*out)), wc;
	int col = 0, zero_run = 0;
	mbstate_t ps;

	memset(&ps, 0, sizeof(ps));
	while (n > 0) {
		r = mbrtowc(&wc, s, n, &ps);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
			memset(&ps, 0, sizeof(ps));
			wc = L'?';
			r = 1;
		}
		draw_push(&out, &ol, &cap, wc, &col, &zero_run);
		s += r;
		n -= r;
	}
	out[ol] = L'\0';
	if (len != NULL)
		*len = ol;
	return out;
}

int
draw_wwidth(const wchar_t *w, size_t n)
{
	int total = 0, cw;
	size_t i;

	for (i = 0; i < n; i++)
		if ((cw = wcwidth(w[i])) > 0)
			total += cw;
	return total;
}

size_t
draw_wfit(const wchar_t *s, size_t n, int width, int *used)
{
	int col = 0, cw;
	size_t i;

	for (i = 0; i < n; i++) {
		cw = wcwidth(s[i]);
		if (cw < 0)
			cw = 1;
		if (col + cw > width)
			break;
		col += cw;
	}
	if (used != NULL)
		*used = col;
	return i;
}

void
draw_fill(WINDOW *w, int y, int x, int width, struct ui_attr a)
{
	int i;

	if (width <= 0)
		return;
	wattr_set(w, a.attr, a.pair, NULL);
	wmove(w, y, x);
	for (i = 0; i < width; i++)
		waddch(w, ' ');
}

int
draw_wtext(WINDOW *w, int y, int x, int width, const wchar_t *s, size_t n,
    struct ui_attr a, bool pad)
{
	int used = 0;
	size_t k;

	if (width <= 0)
		return 0;
	k = draw_wfit(s, n, width, &used);
	wattr_set(w, a.attr, a.pair, NULL);
	if (k > 0)
		mvwaddnwstr(w, y, x, s, (int)k);
	if (pad && used < width)
		draw_fill(w, y, x + used, width - used, a);
	return pad ? width : used;
}

int
draw_text(WINDOW *w, int y, int x, int width, const char *s,
    struct ui_attr a, bool pad)
{
	size_t n;
	wchar_t *ws = draw_wcs(s, &n);
	int r = draw_wtext(w, y, x, width, ws, n, a, pad);

	free(ws);
	return r;
}

int
draw_text_width(const char *s)
{
	size_t n;
	wchar_t *ws = draw_wcs(s, &n);
	int r = draw_wwidth(ws, n);

	free(ws);
	return r;
}

void
draw_date(char *buf, size_t size, int64_t t, int64_t now)
{
	time_t tt = (time_t)t, tn = (time_t)now;
	struct tm tm, tmn;
	const char *fmt = "%Y-%m-%d";

	if (t <= 0 || localtime_r(&tt, &tm) == NULL ||
	    localtime_r(&tn, &tmn) == NULL) {
		snprintf(buf, size, "-");
		return;
	}
	if (tm.tm_year == tmn.tm_year && tm.tm_yday == tmn.tm_yday)
		fmt = "%H:%M";
	else if (tm.tm_year == tmn.tm_year)
		fmt = "%b %d";
	if (strftime(buf, size, fmt, &tm) == 0)
		snprintf(buf, size, "-");
}

void
draw_size(char *buf, size_t size, uint64_t n)
{
	static const char units[] = "KMGT";
	double v = (double)n;
	int u = -1;

	if (n < 1000) {
		snprintf(buf, size, "%u", (unsigned)n);
		return;
	}
	while (v >= 1000 && u < 3) {
		v /= 1024;
		u++;
	}
	if (v < 9.95)
		snprintf(buf, size, "%.1f%c", v, units[u]);
	else
		snprintf(buf, size, "%.0f%c", v, units[u]);
}

/* Copy [s, e) without surrounding blanks and quotes. */
static char *
draw_trimmed(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t' || *s == '"'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '"'))
		e--;
	return xstrndup(s, (size_t)(e - s));
}

char *
draw_from_name(const char *from)
{
	const char *s = from, *lt, *gt, *comma, *q;
	char *name;

	if (s == NULL)
		return xstrdup("");
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '"' && (q = strchr(s + 1, '"')) != NULL && q > s + 1)
		return draw_trimmed(s + 1, q);
	lt = strchr(s, '<');
	comma = strchr(s, ',');
	if (lt != NULL && (comma == NULL || lt < comma)) {
		name = draw_trimmed(s, lt);
		if (*name != '\0')
			return name;
		free(name);
		gt = strchr(lt, '>');
		return draw_trimmed(lt + 1, gt ? gt : lt + strlen(lt));
	}
	return draw_trimmed(s, comma ? comma : s + strlen(s));
}

size_t
draw_break(const wchar_t *s, size_t n, int width)
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

struct pager_line *
draw_wrap(const struct pager_line *src, size_t n, int width, size_t *nrows)
{
	size_t i, pos, k, cap = n + 16, nr = 0;
	struct pager_line *rows = xreallocarray(NULL, cap, sizeof(*rows));

	for (i = 0; i < n; i++) {
		const struct pager_line *s = &src[i];

		pos = 0;
		do {
			k = draw_break(s->text + pos, s->len - pos, width);
			if (nr == cap) {
				cap *= 2;
				rows = xreallocarray(rows, cap, sizeof(*rows));
			}
			/* A mark belongs to the first row of its line. */
			rows[nr++] = (struct pager_line){s->text + pos, k,
			    s->style, s->mark && pos == 0};
			pos += k;
		} while (pos < s->len);
	}
	*nrows = nr;
	return rows;
}

bool
ui_scroll_action(struct ui *ui, enum ui_action a, size_t *top, size_t nrows)
{
	size_t h = ui->main_h > 1 ? (size_t)ui->main_h - 1 : 1;

	switch (a) {
	case UI_A_LINE_DOWN:
	case UI_A_NEXT_MESSAGE:
		(*top)++;
		break;
	case UI_A_LINE_UP:
	case UI_A_PREV_MESSAGE:
		*top -= *top > 0;
		break;
	case UI_A_PAGE_DOWN:
		*top += h;
		break;
	case UI_A_PAGE_UP:
		*top = *top > h ? *top - h : 0;
		break;
	case UI_A_FIRST:
		*top = 0;
		break;
	case UI_A_LAST:
		*top = nrows;
		break;
	default:
		return false;
	}
	ui_dirty(ui, UI_DIRTY_MAIN | UI_DIRTY_STATUS);
	return true;
}
