/*
 * keymap: key files (keys/default.keys and the user's own) parsed into
 * bindings of CONTEXT KEY = ACTION, the action table, and key names.
 * Loaded before the screen opens; looked up on the UI thread.
 */
#include "ui.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#define KEYMAP_LINE_MAX 1024

static const char *const ctx_names[KEYMAP_NCTX] = {
	[KEYMAP_GLOBAL] = "global",
	[KEYMAP_INDEX] = "index",
	[KEYMAP_PAGER] = "pager",
	[KEYMAP_HELP] = "help",
	[KEYMAP_DETAILS] = "details",
	[KEYMAP_COMPOSE] = "compose",
	[KEYMAP_OUTBOX] = "outbox",
	[KEYMAP_PICKER] = "picker",
	[KEYMAP_KEYS] = "keys",
};

static const struct {
	const char *name;
	const char *help;
} actions[UI_A_COUNT] = {
	[UI_A_NONE] = {"none", "remove the binding"},
	[UI_A_NEXT_MESSAGE] = {"next-message", "next message"},
	[UI_A_PREV_MESSAGE] = {"prev-message", "previous message"},
	[UI_A_LINE_DOWN] = {"line-down", "scroll one line down"},
	[UI_A_LINE_UP] = {"line-up", "scroll one line up"},
	[UI_A_PAGE_DOWN] = {"page-down", "one screen down"},
	[UI_A_PAGE_UP] = {"page-up", "one screen up"},
	[UI_A_FIRST] = {"first", "go to the first entry or line"},
	[UI_A_LAST] = {"last", "go to the last entry or line"},
	[UI_A_OPEN] = {"open", "open the selected message"},
	[UI_A_CLOSE] = {"close", "close this view or search"},
	[UI_A_NEXT_FOLDER] = {"next-folder", "next folder"},
	[UI_A_PREV_FOLDER] = {"prev-folder", "previous folder"},
	[UI_A_TOGGLE_SIDEBAR] = {"toggle-sidebar", "show or hide the folders"},
	[UI_A_TOGGLE_READ] = {"toggle-read", "mark read or unread"},
	[UI_A_TOGGLE_FLAG] = {"toggle-flag", "flag or unflag"},
	[UI_A_DELETE] = {"delete", "delete the message"},
	[UI_A_NEXT_UNREAD] = {"next-unread", "next unread message"},
	[UI_A_SEARCH] = {"search", "search this account"},
	[UI_A_SORT_CYCLE] = {"sort-cycle", "change the sort order"},
	[UI_A_HELP] = {"help", "list the key bindings"},
	[UI_A_QUIT] = {"quit", "leave cachet"},
	[UI_A_REDRAW] = {"redraw", "redraw the screen"},
	[UI_A_SUSPEND] = {"suspend", "suspend to the shell"},
	[UI_A_SECURITY_DETAILS] = {"security-details",
	    "signatures, encryption, keys and certificates of the message"},
	[UI_A_DECRYPT_NESTED] = {"decrypt-nested",
	    "decrypt encrypted parts inside the message"},
	[UI_A_TOGGLE_THREADS] = {"toggle-threads",
	    "show the index as threads or in the sort order"},
	[UI_A_TOGGLE_COLLAPSE] = {"toggle-collapse",
	    "collapse or expand the thread (page down when not threaded)"},
	[UI_A_COLLAPSE_ALL] = {"collapse-all",
	    "collapse every thread, or expand all"},
	[UI_A_KEY_LIST] = {"key-list",
	    "list OpenPGP keys and X.509 certificates"},
	[UI_A_SAVE_ATTACHMENT] = {"save-attachment",
	    "save an attachment to a file (never overwrites unasked)"},
	[UI_A_MOVE] = {"move-message", "move the message to a folder"},
	[UI_A_COPY] = {"copy-message", "copy the message to a folder"},
	[UI_A_UNDO] = {"undo",
	    "take back the last delete or move until it is synced"},
	[UI_A_COMPOSE] = {"compose", "write a new message"},
	[UI_A_REPLY] = {"reply", "reply to the sender"},
	[UI_A_REPLY_ALL] = {"reply-all",
	    "reply to the sender and all recipients"},
	[UI_A_FORWARD] = {"forward", "forward the message inline"},
	[UI_A_FORWARD_ATTACH] = {"forward-attach",
	    "forward the message as an attachment"},
	[UI_A_RESUME_DRAFT] = {"resume-draft",
	    "go on writing a saved draft (or the message as a new one)"},
	[UI_A_OUTBOX] = {"outbox", "messages waiting to be sent"},
	[UI_A_SEND] = {"send", "send the message"},
	[UI_A_POSTPONE] = {"postpone", "save the message to Drafts"},
	[UI_A_EDIT] = {"edit", "edit the message again"},
	[UI_A_CANCEL] = {"cancel", "discard the message (asks first)"},
	[UI_A_ATTACH] = {"attach", "attach a file"},
	[UI_A_DETACH] = {"detach", "remove the selected attachment"},
	[UI_A_RENAME_ATTACHMENT] = {"rename-attachment",
	    "change the file name the selected attachment is sent under"},
	[UI_A_TOGGLE_SIGN] = {"toggle-sign", "sign or do not sign"},
	[UI_A_TOGGLE_ENCRYPT] = {"toggle-encrypt",
	    "encrypt or do not encrypt"},
	[UI_A_CYCLE_PROTOCOL] = {"cycle-protocol",
	    "protocol: auto, OpenPGP, S/MIME"},
	[UI_A_CHOOSE_KEY] = {"choose-key",
	    "choose the key for the selected recipient"},
	[UI_A_RETRY] = {"retry", "send a held message again"},
	[UI_A_SEND_NOW] = {"send-now", "submit the waiting messages now"},
	[UI_A_EDIT_TO] = {"edit-to", "change To (Tab completes an address)"},
	[UI_A_EDIT_CC] = {"edit-cc", "change Cc (Tab completes an address)"},
	[UI_A_EDIT_BCC] = {"edit-bcc",
	    "change Bcc (Tab completes an address)"},
	[UI_A_EDIT_SUBJECT] = {"edit-subject", "change the Subject"},
	[UI_A_IMPORT_KEYS] = {"import-keys",
	    "import the keys the message carries (attached, Autocrypt)"},
	[UI_A_SET_TRUST] = {"set-trust",
	    "set the owner trust of the selected OpenPGP key"},
	[UI_A_LOCATE_KEY] = {"locate-key",
	    "look a key up in its domain's Web Key Directory (WKD)"},
	[UI_A_OPEN_ATTACHMENT] = {"open-attachment",
	    "open an attachment with its mailcap viewer"},
	[UI_A_SEARCH_SERVER] = {"search-server",
	    "search this folder on the server (bodies not synced too)"},
};

static const struct {
	const char *name;
	int key;
} named_keys[] = {
	{"Enter", '\n'},
	{"Return", '\n'},
	{"Space", ' '},
	{"Tab", '\t'},
	{"Esc", KEYMAP_ESC},
	{"Up", KEYMAP_FN(KEY_UP)},
	{"Down", KEYMAP_FN(KEY_DOWN)},
	{"Left", KEYMAP_FN(KEY_LEFT)},
	{"Right", KEYMAP_FN(KEY_RIGHT)},
	{"PageUp", KEYMAP_FN(KEY_PPAGE)},
	{"PageDown", KEYMAP_FN(KEY_NPAGE)},
	{"Home", KEYMAP_FN(KEY_HOME)},
	{"End", KEYMAP_FN(KEY_END)},
	{"Backspace", KEYMAP_FN(KEY_BACKSPACE)},
	{"Delete", KEYMAP_FN(KEY_DC)},
	{"Insert", KEYMAP_FN(KEY_IC)},
	{"S-Tab", KEYMAP_FN(KEY_BTAB)},
};

void
keymap_init(struct keymap *km)
{
	memset(km, 0, sizeof(*km));
}

void
keymap_release(struct keymap *km)
{
	free(km->b);
	memset(km, 0, sizeof(*km));
}

const char *
keymap_ctx_name(enum keymap_ctx ctx)
{
	return ctx < KEYMAP_NCTX ? ctx_names[ctx] : "?";
}

const char *
keymap_action_name(enum ui_action a)
{
	return a < UI_A_COUNT ? actions[a].name : "?";
}

const char *
keymap_action_help(enum ui_action a)
{
	return a < UI_A_COUNT ? actions[a].help : "";
}

/* Set or (for UI_A_NONE) remove the binding of key in ctx. */
static void
keymap_set(struct keymap *km, enum keymap_ctx ctx, int key,
    enum ui_action action)
{
	size_t i;

	for (i = 0; i < km->n; i++) {
		if (km->b[i].ctx != ctx || km->b[i].key != key)
			continue;
		if (action == UI_A_NONE) {
			memmove(&km->b[i], &km->b[i + 1],
			    (km->n - i - 1) * sizeof(*km->b));
			km->n--;
		} else {
			km->b[i].action = action;
		}
		return;
	}
	if (action == UI_A_NONE)
		return;
	if (km->n == km->cap) {
		km->cap = km->cap ? km->cap * 2 : 64;
		km->b = xreallocarray(km->b, km->cap, sizeof(*km->b));
	}
	km->b[km->n++] = (struct keymap_binding){ctx, key, action};
}

enum ui_action
keymap_lookup(const struct keymap *km, enum keymap_ctx ctx, int key)
{
	enum ui_action global = UI_A_NONE;
	size_t i;

	for (i = 0; i < km->n; i++) {
		if (km->b[i].key != key)
			continue;
		if (km->b[i].ctx == ctx)
			return km->b[i].action;
		if (km->b[i].ctx == KEYMAP_GLOBAL)
			global = km->b[i].action;
	}
	return global;
}

int
keymap_normalise(int ret, wint_t wc)
{
	if (ret == KEY_CODE_YES) {
		if (wc == KEY_ENTER)
			return '\n';
		return KEYMAP_FN((int)wc);
	}
	if (wc == '\r')
		return '\n';
	if (wc == 0x7f || wc == 0x08)
		return KEYMAP_FN(KEY_BACKSPACE);
	return (int)wc;
}

/* "<C-x>": a control key, or -1. */
static int
parse_control(const char *in, size_t n)
{
	unsigned char c;

	if (n != 1)
		return -1;
	c = (unsigned char)in[0];
	if (isalpha(c))
		c = (unsigned char)tolower(c);
	if ((c >= 'a' && c <= 'z') || strchr("@[\\]^_", c) != NULL)
		return c & 0x1f;
	return -1;
}

/* "<Name>" without the brackets: a named key, <C-x> or <Fn>, or -1. */
static int
parse_named(const char *in, size_t n)
{
	size_t i;
	int fn;

	if (n > 2 && strncasecmp(in, "C-", 2) == 0) {
		int k = parse_control(in + 2, n - 2);

		/* ^M and ^J arrive as Enter once normalised. */
		return (k == '\r') ? '\n' : k;
	}
	for (i = 0; i < sizeof(named_keys) / sizeof(named_keys[0]); i++) {
		if (strlen(named_keys[i].name) == n &&
		    strncasecmp(named_keys[i].name, in, n) == 0)
			return named_keys[i].key;
	}
	if (n >= 2 && n <= 3 && (in[0] == 'F' || in[0] == 'f') &&
	    isdigit((unsigned char)in[1]) &&
	    (n == 2 || isdigit((unsigned char)in[2]))) {
		fn = atoi(in + 1);
		if (fn >= 1 && fn <= 12)
			return KEYMAP_FN(KEY_F(fn));
	}
	return -1;
}

/* One key token: a single (possibly multibyte) character or <Name>. */
static int
parse_key(const char *tok)
{
	size_t n = strlen(tok);
	mbstate_t ps;
	wchar_t wc;
	size_t r;

	if (n > 2 && tok[0] == '<' && tok[n - 1] == '>')
		return parse_named(tok + 1, n - 2);
	memset(&ps, 0, sizeof(ps));
	r = mbrtowc(&wc, tok, n, &ps);
	if (r == (size_t)-1 || r == (size_t)-2 || r != n || wc == 0 ||
	    !iswprint((wint_t)wc) || wc == ' ')
		return -1;
	return (int)wc;
}

static int
parse_ctx(const char *tok)
{
	int i;

	for (i = 0; i < KEYMAP_NCTX; i++)
		if (strcmp(tok, ctx_names[i]) == 0)
			return i;
	return -1;
}

static int
parse_action(const char *tok)
{
	int i;

	for (i = 0; i < UI_A_COUNT; i++)
		if (strcmp(tok, actions[i].name) == 0)
			return i;
	return -1;
}

/* One line without its newline; NUL-terminated, modified in place. */
static int
keymap_line(struct keymap *km, char *line, const char *path, int lineno,
    struct cachet_err *err)
{
	char *tok[5], *save = NULL, *s = util_trim(line);
	int n = 0, ctx, key, action;

	if (*s == '\0' || *s == '#')
		return 0;
	for (char *t = strtok_r(s, " \t", &save); t != NULL;
	    t = strtok_r(NULL, " \t", &save)) {
		if (n == 5)
			break;
		tok[n++] = t;
	}
	if (n != 4 || strcmp(tok[2], "=") != 0)
		return cachet_err(err, CACHET_E_CONFIG,
		    "%s:%d: expected CONTEXT KEY = ACTION", path, lineno);
	if ((ctx = parse_ctx(tok[0])) < 0)
		return cachet_err(err, CACHET_E_CONFIG,
		    "%s:%d: unknown context '%.40s'", path, lineno, tok[0]);
	if ((key = parse_key(tok[1])) < 0)
		return cachet_err(err, CACHET_E_CONFIG,
		    "%s:%d: unknown key '%.40s'", path, lineno, tok[1]);
	if ((action = parse_action(tok[3])) < 0)
		return cachet_err(err, CACHET_E_CONFIG,
		    "%s:%d: unknown action '%.40s'", path, lineno, tok[3]);
	keymap_set(km, (enum keymap_ctx)ctx, key, (enum ui_action)action);
	return 0;
}

/*
 * A bare name (no '/') is a shipped map: "emacs" reads
 * CACHET_SRCDIR/keys/emacs.keys.
 */
int
keymap_load(struct keymap *km, const char *path, struct cachet_err *err)
{
	char *data = NULL, *p, *nl, *named = NULL, line[KEYMAP_LINE_MAX];
	size_t len, ll;
	int lineno = 0, rc;

	if (strchr(path, '/') == NULL)
		path = named = xasprintf("%s/keys/%s.keys", CACHET_SRCDIR,
		    path);
	if ((rc = util_read_file(path, &data, &len, err)) != 0)
		goto out;
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
		if ((rc = keymap_line(km, line, path, lineno, err)) != 0)
			goto out;
	}
	rc = 0;
out:
	free(data);
	free(named);
	return rc;
}

const char *
keymap_key_name(int key, char *buf, size_t size)
{
	size_t i;
	mbstate_t ps;
	char mb[MB_LEN_MAX + 1];
	size_t r;

	for (i = 0; i < sizeof(named_keys) / sizeof(named_keys[0]); i++) {
		if (named_keys[i].key == key) {
			snprintf(buf, size, "<%s>", named_keys[i].name);
			return buf;
		}
	}
	if (key >= KEYMAP_FN(KEY_F(1)) && key <= KEYMAP_FN(KEY_F(12))) {
		snprintf(buf, size, "<F%d>", key - KEYMAP_FN(KEY_F(0)));
	} else if (key > 0 && key < 0x20) {
		snprintf(buf, size, "<C-%c>", key + 0x60);
	} else if (key >= 0x20 && key < KEYMAP_FN(0)) {
		memset(&ps, 0, sizeof(ps));
		r = wcrtomb(mb, (wchar_t)key, &ps);
		if (r == (size_t)-1)
			r = 0;
		mb[r] = '\0';
		snprintf(buf, size, "%s", r ? mb : "?");
	} else {
		snprintf(buf, size, "<key %d>", key & ~KEYMAP_FN(0));
	}
	return buf;
}
