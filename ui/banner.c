/*
 * banner: the pager's security banner. It says what the security status
 * says (verdict words chosen here, then the status's own summary line)
 * and is built only from the status, never from message text. It is
 * drawn on rows reserved above the message area, in reverse video (which
 * message text never gets, see theme.c), opened by a line-drawing diamond
 * and closed by a line-drawing rule: characters of the terminal's
 * alternate set, which sanitised text cannot select. A message that is
 * neither signed nor encrypted gets a neutral banner, so no message can
 * fake the banner's absence. UI thread.
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>

/* Columns before the text: " <diamond> ". */
#define BANNER_INDENT 3

void
banner_release(struct banner *b)
{
	free(b->text);
	memset(b, 0, sizeof(*b));
}

static bool
banner_any_sig(const struct crypto_status *st, enum crypto_sig_result r)
{
	size_t i, j;

	for (i = 0; i < st->nparts; i++)
		for (j = 0; j < st->parts[i].res.nsigs; j++)
			if (st->parts[i].res.sigs[j].result == r)
				return true;
	return false;
}

static const char *
banner_bad_words(const struct crypto_status *st)
{
	if (st->flags & CRYPTO_ST_DECRYPT_FAILED)
		return "DECRYPTION FAILED";
	if (st->flags & CRYPTO_ST_NO_INTEGRITY)
		return "NO INTEGRITY PROTECTION";
	if (banner_any_sig(st, CRYPTO_SIG_BAD))
		return "BAD SIGNATURE";
	if (st->flags & CRYPTO_ST_SENDER_MISMATCH)
		return "NOT SIGNED BY THE SENDER";
	if (st->flags & CRYPTO_ST_AMBIGUOUS_SENDER)
		return "SENDER UNCLEAR";
	return "NOT VERIFIED";
}

/* The banner's first words, and its style. */
static const char *
banner_words(const struct crypto_status *st, enum theme_style *style)
{
	bool enc = st->flags & CRYPTO_ST_ENCRYPTED;

	switch (security_level(st->verdict, st->flags)) {
	case SECURITY_BAD:
		*style = STYLE_BANNER_BAD;
		return banner_bad_words(st);
	case SECURITY_GOOD:
		*style = STYLE_BANNER_GOOD;
		return enc ? "SIGNED AND ENCRYPTED" : "SIGNED";
	case SECURITY_PARTIAL:
		*style = STYLE_BANNER_PARTIAL;
		if (st->verdict == CRYPTO_VERDICT_PARTLY_SIGNED)
			return enc ? "PARTLY SIGNED, ENCRYPTED" :
			    "PARTLY SIGNED";
		return enc ? "SIGNED AND ENCRYPTED, WITH A CAVEAT" :
		    "SIGNED, WITH A CAVEAT";
	case SECURITY_NONE:
	default:
		*style = STYLE_BANNER_NEUTRAL;
		if (enc)
			return "ENCRYPTED, NOT SIGNED";
		if (st->flags & CRYPTO_ST_PARTLY_ENCRYPTED)
			return "PARTLY ENCRYPTED, NOT SIGNED";
		return "NOT SIGNED, NOT ENCRYPTED";
	}
}

static void
banner_note(struct buf *b, const char *s)
{
	buf_adds(b, b->len > 0 ? "; " : "  ");
	buf_adds(b, s);
}

/* Which lines an inline signature covers (the summary names parts). */
static void
banner_note_lines(struct buf *b, const struct crypto_status *st)
{
	size_t i;

	for (i = 0; i < st->nparts; i++) {
		const struct crypto_part_status *ps = &st->parts[i];

		if (ps->res.nsigs == 0 || ps->first_line == 0 ||
		    ps->covers_all)
			continue;
		buf_adds(b, b->len > 0 ? "; " : "  ");
		buf_addf(b, "part %s: only lines %zu-%zu are signed",
		    ps->path ? ps->path : "?", ps->first_line, ps->last_line);
	}
}

/*
 * After the words: the status's summary (signer, fingerprint, problem,
 * caveats), except for an unsigned message, whose summary only says so;
 * then what the UI does about failures.
 */
static void
banner_details(struct buf *b, const struct crypto_status *st)
{
	unsigned f = st->flags;

	if (st->verdict != CRYPTO_VERDICT_NONE && st->summary != NULL &&
	    *st->summary != '\0')
		buf_addf(b, "  %s", st->summary);
	if (st->verdict == CRYPTO_VERDICT_NONE) {
		if (f & CRYPTO_ST_AMBIGUOUS_SENDER)
			banner_note(b, "ambiguous sender");
		if (f & CRYPTO_ST_NESTED_ENCRYPTED)
			banner_note(b, "an encrypted part inside is not "
			    "decrypted");
		if (f & CRYPTO_ST_NO_AEAD)
			banner_note(b, "S/MIME CBC: no integrity check of "
			    "its own");
		if (f & CRYPTO_ST_TRUNCATED)
			banner_note(b, "not everything was examined");
	}
	banner_note_lines(b, st);
	if (f & (CRYPTO_ST_DECRYPT_FAILED | CRYPTO_ST_NO_INTEGRITY))
		banner_note(b, "nothing decrypted is shown");
}

void
banner_build(struct banner *b, const struct crypto_status *st,
    const char *error)
{
	struct buf t = BUF_INIT, d = BUF_INIT;

	banner_release(b);
	if (st == NULL) {
		b->style = STYLE_BANNER_NEUTRAL;
		buf_addf(&t, "SECURITY NOT CHECKED  %s",
		    error ? error : "no status");
	} else {
		buf_adds(&t, banner_words(st, &b->style));
		banner_details(&d, st);
		if (d.len > 0)
			buf_add(&t, d.data, d.len);
	}
	b->text = util_sanitize(t.data ? t.data : "", t.len, false, false);
	buf_release(&t);
	buf_release(&d);
}

/* Text rows the banner needs in a given width, at most max. */
static int
banner_text_rows(const wchar_t *s, size_t n, int width, int max)
{
	size_t pos = 0;
	int rows = 0;

	do {
		pos += draw_break(s + pos, n - pos, width);
		rows++;
	} while (pos < n && rows < max);
	return rows;
}

int
banner_height(const struct banner *b, int width, int h)
{
	int text = 1;
	wchar_t *ws;
	size_t n;

	if (h <= 1)
		return h > 0 ? 1 : 0;
	if (width > BANNER_INDENT) {
		ws = draw_wcs(b->text ? b->text : "", &n);
		text = banner_text_rows(ws, n, width - BANNER_INDENT,
		    BANNER_MAX_TEXT_ROWS);
		free(ws);
	}
	/* The rule below; and at least one row left for the message. */
	return text + 1 < h ? text + 1 : h - 1;
}

/* One reverse-video row: the lead-in (diamond or blank), then text. */
static void
banner_row(WINDOW *w, int y, int width, struct ui_attr a, bool lead,
    const wchar_t *s, size_t n)
{
	draw_fill(w, y, 0, width, a);
	if (lead && width > 1)
		mvwaddch(w, y, 1, ACS_DIAMOND | a.attr | COLOR_PAIR(a.pair));
	if (width > BANNER_INDENT && n > 0)
		draw_wtext(w, y, BANNER_INDENT, width - BANNER_INDENT, s, n, a,
		    true);
}

/* The rule closing the banner, in line-drawing characters. */
static void
banner_rule(WINDOW *w, int y, int width, struct ui_attr a)
{
	wattr_set(w, a.attr, a.pair, NULL);
	mvwhline(w, y, 0, ACS_HLINE | a.attr | COLOR_PAIR(a.pair), width);
}

int
banner_draw(struct ui *ui, WINDOW *w, const struct banner *b)
{
	int width = getmaxx(w), h = getmaxy(w);
	int rows = banner_height(b, width, h), text, y;
	int tw = width - BANNER_INDENT;
	struct ui_attr a = ui_style(ui, b->style);
	size_t n, pos = 0, k;
	wchar_t *ws;

	if (rows <= 0)
		return 0;
	text = rows > 1 ? rows - 1 : 1;
	ws = draw_wcs(b->text ? b->text : "", &n);
	for (y = 0; y < text; y++) {
		k = pos < n && tw > 0 ? draw_break(ws + pos, n - pos, tw) : 0;
		if (k > n - pos)
			k = n - pos;
		/* Cut short: the last row ends with '>' (S shows all). */
		if (y == text - 1 && pos + k < n && k > 1)
			k = draw_wfit(ws + pos, n - pos, tw - 1, NULL);
		banner_row(w, y, width, a, y == 0, ws + pos, k);
		if (y == text - 1 && pos + k < n && width > 1)
			mvwaddch(w, y, width - 1, '>' | a.attr |
			    COLOR_PAIR(a.pair));
		pos += k;
	}
	if (rows > 1)
		banner_rule(w, rows - 1, width, a);
	free(ws);
	return rows;
}
