/*
 * cmd_keyorigin: where each key cachet imported came from, kept in
 * $XDG_DATA_HOME/cachet/keyorigin (else ~/.local/share/cachet), one line
 * per fingerprint: FPR TAB ORIGIN TAB DETAIL TAB UNIX-TIME. ORIGIN is
 * "file", "attachment", "Autocrypt" or "WKD"; DETAIL the file name,
 * message id (and date) or URL. The file is rewritten whole through
 * util_write_atomic and read tolerantly: a line that does not parse is
 * skipped, never trusted (of several lines for one key the first wins).
 * Each import of a key records where it came from this time, replacing
 * what was recorded before. Runs on the calling thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "crypto/crypto.h"

#define ORIGIN_FILE_MAX (4u * 1024 * 1024)
#define ORIGIN_DETAIL_MAX 512

struct origin_rec {
	char *fpr;
	char *origin;
	char *detail;
	long long when;
};

struct origin_set {
	struct origin_rec *v;
	size_t n;
};

static char *
origin_dir(void)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (!util_str_empty(xdg))
		return xasprintf("%s/cachet", xdg);
	if (util_str_empty(home))
		return NULL;
	return xasprintf("%s/.local/share/cachet", home);
}

static bool
is_fpr(const char *s)
{
	size_t i, n = strlen(s);

	if (n != 40 && n != 64)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

static bool
is_origin(const char *s)
{
	static const char *const known[] = {
		"file", "attachment", "Autocrypt", "WKD",
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i]) == 0)
			return true;
	return false;
}

/* Detail as one safe field: sanitised, no tab, bounded. */
static char *
clean_detail(const char *s)
{
	size_t n = s != NULL ? strnlen(s, ORIGIN_DETAIL_MAX) : 0;
	char *c = util_sanitize(s != NULL ? s : "", n, false, false), *p;

	for (p = c; *p != '\0'; p++)
		if (*p == '\t')
			*p = ' ';
	return c;
}

static const struct origin_rec *
set_find(const struct origin_set *s, const char *fpr)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcasecmp(s->v[i].fpr, fpr) == 0)
			return &s->v[i];
	return NULL;
}

/* Add a record; one for the same key is replaced when replace, else
 * kept (reading: the first line of a key wins). */
static void
set_add(struct origin_set *s, const char *fpr, const char *origin,
    const char *detail, long long when, bool replace)
{
	struct origin_rec *r = (struct origin_rec *)set_find(s, fpr);

	if (r != NULL && !replace)
		return;
	if (r == NULL) {
		s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
		r = &s->v[s->n++];
		r->fpr = xstrdup(fpr);
	} else {
		free(r->origin);
		free(r->detail);
	}
	r->origin = xstrdup(origin);
	r->detail = clean_detail(detail);
	r->when = when;
}

static void
set_release(struct origin_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].fpr);
		free(s->v[i].origin);
		free(s->v[i].detail);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* One line, NUL-terminated and modified in place; bad lines are skipped. */
static void
parse_line(struct origin_set *s, char *line)
{
	char *f[4], *end;
	long long when;
	int i;

	for (i = 0; i < 4; i++) {
		f[i] = line;
		line = i < 3 ? strchr(line, '\t') : NULL;
		if (i < 3 && line == NULL)
			return;
		if (line != NULL)
			*line++ = '\0';
	}
	if (f[3][0] < '0' || f[3][0] > '9')
		return;
	when = strtoll(f[3], &end, 10);
	if (!is_fpr(f[0]) || !is_origin(f[1]) || *end != '\0' || when < 0)
		return;
	set_add(s, f[0], f[1], f[2], when, false);
}

static void
set_load(struct origin_set *s)
{
	char *dir = origin_dir(), *path, *data = NULL, *p, *nl;
	size_t len = 0;

	if (dir == NULL)
		return;
	path = xasprintf("%s/keyorigin", dir);
	free(dir);
	if (util_read_file(path, &data, &len, NULL) == 0 &&
	    len <= ORIGIN_FILE_MAX && memchr(data, '\0', len) == NULL) {
		for (p = data; p < data + len; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(data + len - p));
			if (nl == NULL)
				break;	/* a torn last line */
			*nl = '\0';
			parse_line(s, p);
		}
	}
	free(data);
	free(path);
}

static char *
upper(const char *s)
{
	char *u = xstrdup(s), *p;

	for (p = u; *p != '\0'; p++)
		*p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
	return u;
}

int
cmd_keyorigin_record(const char *const *fprs, size_t n, const char *origin,
    const char *detail, struct cachet_err *err)
{
	struct origin_set s = {0};
	struct buf b = BUF_INIT;
	char *dir = origin_dir(), *up;
	size_t i;
	int rc = 0;

	if (dir == NULL)
		return cachet_err(err, CACHET_E_IO, "no home directory");
	if (origin == NULL || !is_origin(origin)) {
		free(dir);
		return cachet_err(err, CACHET_E_INVAL, "unknown key origin");
	}
	set_load(&s);
	for (i = 0; i < n; i++) {
		up = upper(fprs[i]);
		if (is_fpr(up))
			set_add(&s, up, origin, detail, (long long)time(NULL),
			    true);
		free(up);
	}
	for (i = 0; i < s.n; i++)
		buf_addf(&b, "%s\t%s\t%s\t%lld\n", s.v[i].fpr,
		    s.v[i].origin, s.v[i].detail, s.v[i].when);
	if ((rc = util_mkdirs(dir, 0700, err)) == 0)
		rc = util_write_atomic(dir, dir, "keyorigin", b.data ? b.data :
		    "", b.len, err);
	buf_release(&b);
	set_release(&s);
	free(dir);
	return rc;
}

/* "WKD https://... (imported 2026-11-28)" */
static char *
describe(const struct origin_rec *r)
{
	char date[16] = "?";
	time_t t = (time_t)r->when;
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL)
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	if (r->detail[0] == '\0')
		return xasprintf("%s (imported %s)", r->origin, date);
	return xasprintf("%s %s (imported %s)", r->origin, r->detail, date);
}

void
cmd_keyorigin_apply(struct crypto_key *keys, size_t n)
{
	struct origin_set s = {0};
	const struct origin_rec *r;
	size_t i;

	if (n == 0)
		return;
	set_load(&s);
	for (i = 0; i < n; i++) {
		if (keys[i].fpr == NULL ||
		    (r = set_find(&s, keys[i].fpr)) == NULL)
			continue;
		free(keys[i].origin);
		keys[i].origin = describe(r);
	}
	set_release(&s);
}
