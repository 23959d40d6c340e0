/*
 * store_flags: IMAP system flags as text and as Maildir info letters, and
 * where an account's store lives. Pure functions, any thread.
 */
#include "store/store.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const struct {
	uint32_t flag;
	const char *imap;
} imap_flags[] = {
	{ STORE_F_SEEN, "\\Seen" },
	{ STORE_F_ANSWERED, "\\Answered" },
	{ STORE_F_FLAGGED, "\\Flagged" },
	{ STORE_F_DELETED, "\\Deleted" },
	{ STORE_F_DRAFT, "\\Draft" },
};

#define NFLAGS (sizeof(imap_flags) / sizeof(imap_flags[0]))

static uint32_t
flag_word(const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < NFLAGS; i++)
		if (strlen(imap_flags[i].imap) == len &&
		    strncasecmp(imap_flags[i].imap, w, len) == 0)
			return imap_flags[i].flag;
	return 0;
}

uint32_t
store_flags_parse(const char *s)
{
	static const char seps[] = " \t\r\n()";
	uint32_t flags = 0;

	if (s == NULL)
		return 0;
	while (*s != '\0') {
		size_t len;

		s += strspn(s, seps);
		len = strcspn(s, seps);
		if (len == 0)
			break;
		flags |= flag_word(s, len);
		s += len;
	}
	return flags;
}

char *
store_flags_format(uint32_t flags)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_adds(&b, "");
	for (i = 0; i < NFLAGS; i++) {
		if (!(flags & imap_flags[i].flag))
			continue;
		if (b.len > 0)
			buf_addc(&b, ' ');
		buf_adds(&b, imap_flags[i].imap);
	}
	return buf_detach(&b, NULL);
}

char *
store_flags_maildir(uint32_t flags)
{
	char s[8];
	size_t n = 0;

	/* Maildir wants the letters in ASCII order. */
	if (flags & STORE_F_DRAFT)
		s[n++] = 'D';
	if (flags & STORE_F_FLAGGED)
		s[n++] = 'F';
	if (flags & STORE_F_ANSWERED)
		s[n++] = 'R';
	if (flags & STORE_F_SEEN)
		s[n++] = 'S';
	if (flags & STORE_F_DELETED)
		s[n++] = 'T';
	s[n] = '\0';
	return xstrdup(s);
}

static const char *
home_dir(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home != NULL && home[0] == '/')
		return home;
	pw = getpwuid(getuid());
	return pw != NULL && pw->pw_dir != NULL ? pw->pw_dir : NULL;
}

char *
store_account_dir(const char *account)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home;
	char *esc, *dir;

	if (account == NULL)
		return NULL;
	/* The account name comes from the configuration: keep it one
	 * path component all the same. */
	esc = util_path_escape(account);
	if (xdg != NULL && xdg[0] == '/') {
		dir = xasprintf("%s/cachet/%s", xdg, esc);
	} else if ((home = home_dir()) != NULL) {
		dir = xasprintf("%s/.local/share/cachet/%s", home, esc);
	} else {
		dir = NULL;
	}
	free(esc);
	return dir;
}
