/*
 * mime/html: a small local HTML-to-text converter for the pager and the
 * search index. It never fetches anything: images become their alt text,
 * links become "text <target>", scripts and styles are dropped, block
 * elements become line breaks and common entities are decoded. It is a
 * single forward pass with no element stack, so hostile nesting costs
 * nothing. Runs on any thread; no global state.
 */
#include "mime_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TAG_NAME_MAX 16
#define ATTR_MAX 2048
#define ENTITY_NAME_MAX 8	/* longer names are not in our tables */

struct html {
	const char *p, *end;
	struct buf out;
	char *href;		/* target of the open <a>, if any */
	size_t link_start;	/* out.len when that <a> opened */
	int pre;		/* inside <pre>: keep white space */
	bool space;		/* white space seen and not yet written */
};

/* Entities that are not in the Latin-1 table below, or read otherwise. */
static const struct {
	const char *name;
	const char *utf8;
} entities[] = {
	{"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""},
	{"apos", "'"}, {"nbsp", " "}, {"shy", ""}, {"zwnj", ""},
	{"zwj", ""}, {"trade", "\xe2\x84\xa2"}, {"mdash", "\xe2\x80\x94"},
	{"ndash", "\xe2\x80\x93"}, {"hellip", "\xe2\x80\xa6"},
	{"lsquo", "\xe2\x80\x98"}, {"rsquo", "\xe2\x80\x99"},
	{"sbquo", "\xe2\x80\x9a"}, {"ldquo", "\xe2\x80\x9c"},
	{"rdquo", "\xe2\x80\x9d"}, {"bdquo", "\xe2\x80\x9e"},
	{"bull", "\xe2\x80\xa2"}, {"euro", "\xe2\x82\xac"},
	{"dagger", "\xe2\x80\xa0"}, {"permil", "\xe2\x80\xb0"},
	{"lsaquo", "\xe2\x80\xb9"}, {"rsaquo", "\xe2\x80\xba"},
	{"ensp", " "}, {"emsp", " "}, {"thinsp", " "},
};

/* HTML 4 names of U+00A0 to U+00FF, in order. */
static const char *const latin1_entities[] = {
	"nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect",
	"uml", "copy", "ordf", "laquo", "not", "shy", "reg", "macr", "deg",
	"plusmn", "sup2", "sup3", "acute", "micro", "para", "middot",
	"cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34",
	"iquest", "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring",
	"AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave",
	"Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
	"Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute",
	"Ucirc", "Uuml", "Yacute", "THORN", "szlig", "agrave", "aacute",
	"acirc", "atilde", "auml", "aring", "aelig", "ccedil", "egrave",
	"eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml",
	"eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml",
	"divide", "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute",
	"thorn", "yuml",
};

/* Elements whose whole content is dropped. */
static const char *const skip_tags[] = {
	"script", "style", "title", "template", "noscript", "svg", "xml",
};

/* Elements that break the line. */
static const char *const block_tags[] = {
	"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr",
	"ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "section",
	"article", "header", "footer", "nav", "aside", "form", "center",
	"address", "figure", "figcaption", "main", "body", "html",
};

static bool
in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

/* Write pending white space as one space (unless at a line start). */
static void
flush_space(struct html *h)
{
	if (h->space && h->out.len > 0 &&
	    h->out.data[h->out.len - 1] != '\n')
		buf_addc(&h->out, ' ');
	h->space = false;
}

/* End the current line; at most one empty line in a row. */
static void
newline(struct html *h, int want)
{
	size_t have = 0;

	h->space = false;
	while (h->out.len > 0 && h->out.data[h->out.len - 1] == ' ')
		h->out.len--;	/* no trailing blanks */
	h->out.data[h->out.len] = '\0';
	if (h->out.len == 0)
		return;
	while (have < h->out.len && (int)have < want &&
	    h->out.data[h->out.len - 1 - have] == '\n')
		have++;
	for (; (int)have < want; have++)
		buf_addc(&h->out, '\n');
}

static void
emit(struct html *h, const char *s, size_t n)
{
	flush_space(h);
	buf_add(&h->out, s, n);
}

static void
put_codepoint(struct html *h, unsigned long cp)
{
	char u[4];

	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = '?';
	if (cp < 0x80) {
		u[0] = (char)cp;
		emit(h, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		emit(h, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		emit(h, u, 3);
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		emit(h, u, 4);
	}
}

/* Decode the entity at h->p ('&'); unknown ones stay as written. */
static void
entity(struct html *h)
{
	const char *s = h->p + 1, *e = s;
	unsigned long cp;
	size_t i, n;
	char *endp;

	while (e < h->end && e - s < 10 && (isalnum((unsigned char)*e) ||
	    *e == '#'))
		e++;
	n = (size_t)(e - s);
	if (n > 1 && *s == '#') {
		bool hex = s[1] == 'x' || s[1] == 'X';
		char num[12];

		memcpy(num, s + 1 + hex, n - 1 - hex);
		num[n - 1 - hex] = '\0';
		cp = strtoul(num, &endp, hex ? 16 : 10);
		if (*num != '\0' && *endp == '\0') {
			put_codepoint(h, cp);
			h->p = e < h->end && *e == ';' ? e + 1 : e;
			return;
		}
	}
	if (n < 2 || n > ENTITY_NAME_MAX)
		goto literal;
	for (i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
		if (entities[i].name[0] == *s &&
		    strlen(entities[i].name) == n &&
		    strncmp(entities[i].name, s, n) == 0) {
			emit(h, entities[i].utf8, strlen(entities[i].utf8));
			h->p = e < h->end && *e == ';' ? e + 1 : e;
			return;
		}
	}
	for (i = 0; i < sizeof(latin1_entities) / sizeof(*latin1_entities);
	    i++) {
		if (latin1_entities[i][0] == *s &&
		    strlen(latin1_entities[i]) == n &&
		    strncmp(latin1_entities[i], s, n) == 0) {
			put_codepoint(h, 0xa0 + i);
			h->p = e < h->end && *e == ';' ? e + 1 : e;
			return;
		}
	}
literal:
	emit(h, "&", 1);
	h->p++;
}

/* Read a tag name at s into name (lower case); returns its end. */
static const char *
tag_name(const char *s, const char *end, char *name)
{
	size_t n = 0;

	while (s < end && (isalnum((unsigned char)*s) || *s == '-' ||
	    *s == ':')) {
		if (n < TAG_NAME_MAX)
			name[n++] = (char)tolower((unsigned char)*s);
		s++;
	}
	name[n] = '\0';
	return s;
}

/* The end of the tag starting at s ('<'), quotes respected: past '>'. */
static const char *
tag_end(const char *s, const char *end)
{
	char quote = 0;

	for (s++; s < end; s++) {
		if (quote) {
			if (*s == quote)
				quote = 0;
		} else if (*s == '"' || *s == '\'') {
			quote = *s;
		} else if (*s == '>') {
			return s + 1;
		}
	}
	return end;
}

/* The value of attribute `attr` inside the tag text [s, e), or NULL. */
static char *
attr_value(const char *s, const char *e, const char *attr)
{
	size_t alen = strlen(attr);
	const char *v;
	char quote;

	for (; s + alen < e; s++) {
		if (!isspace((unsigned char)s[-1]) ||
		    strncasecmp(s, attr, alen) != 0)
			continue;
		v = s + alen;
		while (v < e && isspace((unsigned char)*v))
			v++;
		if (v >= e || *v != '=')
			continue;
		for (v++; v < e && isspace((unsigned char)*v); v++)
			;
		quote = (v < e && (*v == '"' || *v == '\'')) ? *v++ : 0;
		for (s = v; s < e && (quote ? *s != quote :
		    !isspace((unsigned char)*s) && *s != '>'); s++)
			;
		return xstrndup(v, (size_t)(s - v) > ATTR_MAX ? ATTR_MAX :
		    (size_t)(s - v));
	}
	return NULL;
}

/* Skip to just past "</name ...>", or to the end. */
static void
skip_element(struct html *h, const char *name)
{
	size_t n = strlen(name);
	const char *s;

	for (s = h->p; s + n + 2 <= h->end; s++) {
		if (s[0] == '<' && s[1] == '/' &&
		    strncasecmp(s + 2, name, n) == 0 &&
		    (s + n + 2 == h->end ||
		    !isalnum((unsigned char)s[n + 2]))) {
			h->p = tag_end(s, h->end);
			return;
		}
	}
	h->p = h->end;
}

static void
link_open(struct html *h, const char *s, const char *e)
{
	free(h->href);
	h->href = attr_value(s, e, "href");
	flush_space(h);
	h->link_start = h->out.len;
}

/* After the link text, show where it points unless the text says so. */
static void
link_close(struct html *h)
{
	const char *text, *target;
	char *clean;

	/* Trailing blanks may have gone since the link opened. */
	if (h->href == NULL || h->link_start > h->out.len)
		goto out;
	text = h->out.data + h->link_start;
	target = h->href;
	if (strncasecmp(target, "mailto:", 7) == 0)
		target += 7;
	if (*target == '\0' || *target == '#' ||
	    strncasecmp(target, "javascript:", 11) == 0 ||
	    strstr(text, target) != NULL)
		goto out;
	clean = mime_header_clean(target, strlen(target));
	emit(h, " <", 2);
	buf_adds(&h->out, clean);
	buf_addc(&h->out, '>');
	free(clean);
out:
	FREE_AND_NULL(h->href);
}

static void
image(struct html *h, const char *s, const char *e)
{
	char *alt = attr_value(s, e, "alt");
	char *clean;

	if (alt != NULL) {
		clean = mime_header_clean(alt, strlen(alt));
		if (*clean) {
			emit(h, "[", 1);
			buf_adds(&h->out, clean);
			buf_addc(&h->out, ']');
		}
		free(clean);
	}
	free(alt);
}

static void
start_tag(struct html *h, const char *name, const char *s, const char *e)
{
	if (in_list(name, skip_tags, sizeof(skip_tags) / sizeof(*skip_tags))) {
		if (e[-2] != '/')
			skip_element(h, name);
		return;
	}
	if (strcmp(name, "br") == 0) {
		buf_addc(&h->out, '\n');
		h->space = false;
	} else if (strcmp(name, "li") == 0) {
		newline(h, 1);
		emit(h, "* ", 2);
	} else if (strcmp(name, "hr") == 0) {
		newline(h, 1);
		emit(h, "----", 4);
		newline(h, 1);
	} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		h->space = true;
	} else if (strcmp(name, "a") == 0) {
		link_open(h, s, e);
	} else if (strcmp(name, "img") == 0) {
		image(h, s, e);
	} else if (in_list(name, block_tags,
	    sizeof(block_tags) / sizeof(*block_tags))) {
		newline(h, strcmp(name, "p") == 0 || name[0] == 'h' ? 2 : 1);
	}
	if (strcmp(name, "pre") == 0)
		h->pre++;
}

static void
end_tag(struct html *h, const char *name)
{
	if (strcmp(name, "a") == 0)
		link_close(h);
	else if (strcmp(name, "pre") == 0 && h->pre > 0)
		h->pre--;
	if (in_list(name, block_tags, sizeof(block_tags) / sizeof(*block_tags)))
		newline(h, strcmp(name, "p") == 0 || name[0] == 'h' ? 2 : 1);
}

/* Handle the markup at h->p ('<'): a tag, comment or declaration. */
static void
markup(struct html *h)
{
	char name[TAG_NAME_MAX + 1];
	const char *s = h->p, *e, *c;
	bool closing;

	if (s + 3 < h->end && strncmp(s, "<!--", 4) == 0) {
		c = memmem(s + 4, (size_t)(h->end - s - 4), "-->", 3);
		h->p = c ? c + 3 : h->end;
		return;
	}
	closing = s + 1 < h->end && s[1] == '/';
	c = s + 1 + closing;
	if (c >= h->end || (!isalpha((unsigned char)*c) && *c != '!' &&
	    *c != '?')) {
		emit(h, "<", 1);	/* a lone '<' in text */
		h->p++;
		return;
	}
	e = tag_end(s, h->end);
	tag_name(c, h->end, name);
	h->p = e;
	if (closing)
		end_tag(h, name);
	else if (isalpha((unsigned char)*c))
		start_tag(h, name, c, e);
}

static void
text(struct html *h)
{
	const char *s = h->p;

	while (s < h->end && *s != '<' && *s != '&') {
		if (isspace((unsigned char)*s) && !h->pre) {
			h->space = true;
			s++;
			continue;
		}
		if (h->pre && *s == '\n') {
			buf_addc(&h->out, '\n');
			h->space = false;
			s++;
			continue;
		}
		flush_space(h);
		buf_addc(&h->out, *s++);
	}
	h->p = s;
}

char *
mime_html_to_text(const char *html, size_t len, size_t *outlen)
{
	struct html h = {.p = "", .end = NULL};
	size_t lead;

	if (html != NULL)
		h.p = html;
	else
		len = 0;
	h.end = h.p + len;
	buf_grow(&h.out, len / 2);
	while (h.p < h.end) {
		if (*h.p == '<')
			markup(&h);
		else if (*h.p == '&')
			entity(&h);
		else
			text(&h);
	}
	free(h.href);
	newline(&h, 1);
	while (h.out.len > 0 && h.out.data[h.out.len - 1] == '\n')
		h.out.len--;
	for (lead = 0; lead < h.out.len && h.out.data[lead] == '\n'; lead++)
		;
	memmove(h.out.data, h.out.data + lead, h.out.len - lead);
	h.out.len -= lead;
	h.out.data[h.out.len] = '\0';
	return buf_detach(&h.out, outlen);
}
