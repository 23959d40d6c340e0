/*
 * theme: semantic styles (index_unread, status, pager_quote, ...) read from
 * themes/NAME.theme as `style = FG BG [ATTR ...]`, resolved into curses
 * attributes and colour pairs. Parsed before the screen opens; applied on
 * the UI thread once curses knows what the terminal can do.
 */
#include "ui.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THEME_LINE_MAX 512

static const char *const style_names[STYLE_COUNT] = {
	[STYLE_NORMAL] = "normal",
	[STYLE_INDEX] = "index",
	[STYLE_INDEX_UNREAD] = "index_unread",
	[STYLE_INDEX_FLAGGED] = "index_flagged",
	[STYLE_INDEX_DELETED] = "index_deleted",
	[STYLE_INDEX_SELECTED] = "index_selected",
	[STYLE_INDEX_SECURITY] = "index_security",
	[STYLE_SIDEBAR] = "sidebar",
	[STYLE_SIDEBAR_ACCOUNT] = "sidebar_account",
	[STYLE_SIDEBAR_SELECTED] = "sidebar_selected",
	[STYLE_SIDEBAR_UNREAD] = "sidebar_unread",
	[STYLE_STATUS] = "status",
	[STYLE_PAGER_HEADER] = "pager_header",
	[STYLE_PAGER_BODY] = "pager_body",
	[STYLE_PAGER_QUOTE] = "pager_quote",
	[STYLE_PAGER_SIGNATURE] = "pager_signature",
	[STYLE_PAGER_ATTACHMENT] = "pager_attachment",
	[STYLE_PAGER_NOTICE] = "pager_notice",
	[STYLE_HELP_HEADING] = "help_heading",
	[STYLE_HELP_KEY] = "help_key",
	[STYLE_MESSAGE] = "message",
	[STYLE_ERROR] = "error",
	[STYLE_PROMPT] = "prompt",
	[STYLE_SEC_GOOD] = "sec_good",
	[STYLE_SEC_PARTIAL] = "sec_partial",
	[STYLE_SEC_BAD] = "sec_bad",
	[STYLE_SEC_ENCRYPTED] = "sec_encrypted",
	[STYLE_SEC_PENDING] = "sec_pending",
	[STYLE_BANNER_GOOD] = "banner_good",
	[STYLE_BANNER_PARTIAL] = "banner_partial",
	[STYLE_BANNER_BAD] = "banner_bad",
	[STYLE_BANNER_NEUTRAL] = "banner_neutral",
};

/* Attribute-only defaults: what a style is when no theme line sets it. */
static const attr_t default_attrs[STYLE_COUNT] = {
	[STYLE_INDEX_UNREAD] = A_BOLD,
	[STYLE_INDEX_FLAGGED] = A_BOLD,
	[STYLE_INDEX_DELETED] = A_DIM,
	[STYLE_INDEX_SELECTED] = A_REVERSE,
	[STYLE_SIDEBAR_ACCOUNT] = A_BOLD,
	[STYLE_SIDEBAR_SELECTED] = A_REVERSE,
	[STYLE_SIDEBAR_UNREAD] = A_BOLD,
	[STYLE_STATUS] = A_REVERSE,
	[STYLE_PAGER_HEADER] = A_BOLD,
	[STYLE_PAGER_QUOTE] = A_DIM,
	[STYLE_PAGER_SIGNATURE] = A_DIM,
	[STYLE_PAGER_ATTACHMENT] = A_UNDERLINE,
	[STYLE_PAGER_NOTICE] = A_BOLD,
	[STYLE_HELP_HEADING] = A_BOLD,
	[STYLE_HELP_KEY] = A_BOLD,
	[STYLE_ERROR] = A_BOLD | A_REVERSE,
	[STYLE_SEC_GOOD] = A_BOLD,
	[STYLE_SEC_BAD] = A_BOLD | A_REVERSE,
	[STYLE_SEC_PENDING] = A_DIM,
	[STYLE_BANNER_GOOD] = A_BOLD | A_REVERSE,
	[STYLE_BANNER_PARTIAL] = A_REVERSE,
	[STYLE_BANNER_BAD] = A_BOLD | A_REVERSE,
	[STYLE_BANNER_NEUTRAL] = A_REVERSE,
};

static const char *const colour_names[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static const struct {
	const char *name;
	attr_t attr;
} attr_names[] = {
	{"none", 0},
	{"normal", 0},
	{"bold", A_BOLD},
	{"dim", A_DIM},
	{"underline", A_UNDERLINE},
	{"reverse", A_REVERSE},
	{"standout", A_STANDOUT},
	{"italic", A_ITALIC},
	{"blink", A_BLINK},
};

const char *
theme_style_name(enum theme_style s)
{
	return s < STYLE_COUNT ? style_names[s] : "?";
}

void
theme_init(struct theme *t)
{
	int i;

	for (i = 0; i < STYLE_COUNT; i++)
		t->s[i] = (struct theme_def){-1, -1, default_attrs[i]};
}

char *
theme_path(const char *name)
{
	if (name == NULL || *name == '\0')
		name = "default";
	if (strchr(name, '/') != NULL)
		return xstrdup(name);
	return xasprintf("%s/themes/%s.theme", CACHET_SRCDIR, name);
}

/* "default", a colour name, "brightNAME" or 0-255; -2 when invalid. */
static int
parse_colour(const char *tok)
{
	size_t i;
	int bright = 0;
	char *end;
	long v;

	if (strcmp(tok, "default") == 0 || strcmp(tok, "-") == 0)
		return -1;
	if (strncmp(tok, "bright", 6) == 0) {
		bright = 8;
		tok += 6;
	}
	for (i = 0; i < sizeof(colour_names) / sizeof(colour_names[0]); i++)
		if (strcmp(tok, colour_names[i]) == 0)
			return (int)i + bright;
	if (bright || !isdigit((unsigned char)*tok))
		return -2;
	v = strtol(tok, &end, 10);
	if (*end != '\0' || v < 0 || v > 255)
		return -2;
	return (int)v;
}

static int
parse_attr(const char *tok, attr_t *out)
{
	size_t i;

	for (i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++) {
		if (strcmp(tok, attr_names[i].name) == 0) {
			*out |= attr_names[i].attr;
			return 0;
		}
	}
	return -1;
}

static int
find_style(const char *name)
{
	int i;

	for (i = 0; i < STYLE_COUNT; i++)
		if (strcmp(name, style_names[i]) == 0)
			return i;
	return -1;
}

/* `style = FG BG [ATTR ...]`; the line is modified in place. */
static int
theme_line(struct theme *t, char *line, const char *path, int lineno,
    struct cachet_err *err)
{
	char *s = util_trim(line), *save = NULL, *tok;
	struct theme_def d = {-1, -1, 0};
	int style, fg, bg;

	if (*s == '\0' || *s == '#')
		return 0;
	if ((tok = strtok_r(s, " \t", &save)) == NULL)
		return 0;
	if ((style = find_style(tok)) < 0)
		return cachet_err(err, CACHET_E_CONFIG,
		    "%s:%d: unknown style '%.40s'", path, lineno, tok);
	tok = strtok_r(NULL, " \t", &save);
	if (tok == NULL || strcmp(tok, "=") != 0)
		return cachet_err(err, CACHET_E_CONFIG,
		    "%s:%d: expected STYLE = FG BG [ATTR ...]", path, lineno);
	if ((tok = strtok_r(NULL, " \t", &save)) == NULL ||
	    (fg = parse_colour(tok)) == -2)
		return cachet_err(err, CACHET_E_CONFIG,
		    "%s:%d: bad foreground colour '%.40s'", path, lineno,
		    tok ? tok : "");
	if ((tok = strtok_r(NULL, " \t", &save)) == NULL ||
	    (bg = parse_colour(tok)) == -2)
		return cachet_err(err, CACHET_E_CONFIG,
		    "%s:%d: bad background colour '%.40s'", path, lineno,
		    tok ? tok : "");
	while ((tok = strtok_r(NULL, " \t,", &save)) != NULL)
		if (parse_attr(tok, &d.attrs) != 0)
			return cachet_err(err, CACHET_E_CONFIG,
			    "%s:%d: unknown attribute '%.40s'", path, lineno,
			    tok);
	d.fg = (short)fg;
	d.bg = (short)bg;
	t->s[style] = d;
	return 0;
}

int
theme_load(struct theme *t, const char *path, struct cachet_err *err)
{
	char *data = NULL, *p, *nl, line[THEME_LINE_MAX];
	size_t len, ll;
	int lineno = 0, rc;

	if ((rc = util_read_file(path, &data, &len, err)) != 0)
		return rc;
	if (memchr(data, '\0', len) != NULL) {
		rc = cachet_err(err, CACHET_E_CONFIG, "%s: NUL byte in file",
		    path);
		goto out;
	}
	for (p = data; p < data + len; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(data + len - p))) == NULL)
			nl = data + len;
		ll = (size_t)(nl - p);
		if (ll >= sizeof(line)) {
			rc = cachet_err(err, CACHET_E_CONFIG,
			    "%s:%d: line too long", path, lineno);
			goto out;
		}
		memcpy(line, p, ll);
		line[ll] = '\0';
		if ((rc = theme_line(t, line, path, lineno, err)) != 0)
			goto out;
	}
	rc = 0;
out:
	free(data);
	return rc;
}

/* A colour the terminal has, or the default. */
static short
clamp_colour(short c)
{
	return (c >= 0 && c < COLORS) ? c : -1;
}

/*
 * The banner's promise does not depend on the theme: banner styles are
 * always reverse video, and the styles of message text (the pager's
 * header, body, quote, signature, attachment and notice lines, and the
 * normal style of the empty rows) never are, whatever a theme file says.
 */
static attr_t
theme_enforce(enum theme_style s, attr_t a)
{
	switch (s) {
	case STYLE_BANNER_GOOD:
	case STYLE_BANNER_PARTIAL:
	case STYLE_BANNER_BAD:
	case STYLE_BANNER_NEUTRAL:
		return a | A_REVERSE;
	case STYLE_NORMAL:
	case STYLE_PAGER_HEADER:
	case STYLE_PAGER_BODY:
	case STYLE_PAGER_QUOTE:
	case STYLE_PAGER_SIGNATURE:
	case STYLE_PAGER_ATTACHMENT:
	case STYLE_PAGER_NOTICE:
		return a & ~(A_REVERSE | A_STANDOUT);
	default:
		return a;
	}
}

void
theme_apply(const struct theme *t, bool color, struct ui_attr *out)
{
	int i;

	for (i = 0; i < STYLE_COUNT; i++) {
		const struct theme_def *d = &t->s[i];
		short fg, bg;

		out[i].attr = theme_enforce((enum theme_style)i, d->attrs);
		out[i].pair = 0;
		if (!color || i + 1 >= COLOR_PAIRS)
			continue;
		fg = clamp_colour(d->fg);
		bg = clamp_colour(d->bg);
		if (fg == -1 && bg == -1)
			continue;
		if (init_pair((short)(i + 1), fg, bg) == OK)
			out[i].pair = (short)(i + 1);
	}
}
