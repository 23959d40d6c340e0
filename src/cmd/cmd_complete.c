/*
 * cmd_complete: address completion for the compose screen. Candidates
 * come from the account's query_cmd (an address book printing
 * "address<TAB>name" lines; what was typed is its "$1", never part of the
 * command text), then from user IDs of known keys and certificates, then
 * from the From/To/Cc fields of stored mail, most recent first. Each
 * address appears once; every candidate is sanitised. Runs on the UI
 * thread.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "crypto/crypto.h"
#include "store/store.h"

struct cands {
	char **v;
	char **addr;		/* lower-case bare address of v[i] */
	size_t n, max;
};

/* The address of "Name <addr>" or "addr", trimmed; owned. */
static char *
addr_part(const char *s)
{
	const char *lt = strrchr(s, '<'), *gt;
	char *a, *p;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		a = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	else
		a = xstrdup(s);
	p = util_trim(a);
	memmove(a, p, strlen(p) + 1);
	return a;
}

/* The same in lower case, to compare addresses. */
static char *
bare_addr(const char *s)
{
	char *a = addr_part(s), *p;

	for (p = a; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return a;
}

static void
add(struct cands *c, const char *name, const char *addr, const char *text)
{
	char *full, *bare, *clean;
	size_t i;

	if (c->n >= c->max || util_str_empty(addr) || strchr(addr, '@') ==
	    NULL)
		return;
	if (util_str_empty(name) || strcmp(name, addr) == 0)
		full = xstrdup(addr);
	else
		full = xasprintf("%s <%s>", name, addr);
	if (text != NULL && strcasestr(full, text) == NULL) {
		free(full);
		return;
	}
	bare = bare_addr(addr);
	for (i = 0; i < c->n; i++)
		if (strcmp(c->addr[i], bare) == 0)
			break;
	clean = util_sanitize(full, strlen(full), false, false);
	free(full);
	if (i < c->n) {
		free(bare);
		free(clean);
		return;
	}
	c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	c->addr = xreallocarray(c->addr, c->n + 1, sizeof(*c->addr));
	c->v[c->n] = clean;
	c->addr[c->n++] = bare;
}

/* One display string ("Name <a>, "B, C" <b>") split into mailboxes. */
static void
add_list(struct cands *c, const char *list, const char *text)
{
	const char *p = list, *start = list;
	bool quoted = false, angle = false;

	for (;; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '<' && !quoted)
			angle = true;
		else if (*p == '>' && !quoted)
			angle = false;
		if (*p == '\0' || (*p == ',' && !quoted && !angle)) {
			char *copy = xstrndup(start, (size_t)(p - start));
			char *addr = addr_part(copy), *lt = strrchr(copy, '<');
			char *name;

			if (lt != NULL)
				*lt = '\0';
			name = util_trim(copy);
			if (*name == '"' && strlen(name) >= 2 &&
			    name[strlen(name) - 1] == '"') {
				name[strlen(name) - 1] = '\0';
				name++;
			}
			add(c, lt != NULL ? name : NULL, addr, text);
			free(addr);
			free(copy);
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
}

static void
from_query_cmd(struct cands *c, const struct config_account *a,
    const char *text)
{
	char *out = NULL, *line, *save = NULL;

	if (a == NULL || util_str_empty(a->query_cmd) ||
	    util_run_capture_arg(a->query_cmd, text, &out, NULL) != 0)
		return;
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');

		if (tab != NULL)
			*tab++ = '\0';
		add(c, tab, util_trim(line), NULL);
	}
	util_free_secret(out);
}

static void
from_keys(struct cands *c, const char *text)
{
	struct crypto_key *k = NULL;
	size_t n = 0, i, j;

	cmd_keys_list(text, false, &k, &n, NULL);
	for (i = 0; i < n; i++)
		for (j = 0; j < k[i].naddrs; j++)
			add(c, NULL, k[i].addrs[j], NULL);
	crypto_keys_free(k, n);
}

int
cmd_complete_addresses(const char *account, struct store *st,
    const char *text, size_t max, char ***out, size_t *n)
{
	const struct config *cfg = cmd_config();
	struct cands c = {.max = max};
	char **fields = NULL;
	size_t nf = 0, i;

	if (text != NULL && strlen(text) >= 2) {
		from_query_cmd(&c, cfg ? config_account_find(cfg, account) :
		    NULL, text);
		from_keys(&c, text);
	}
	if (st != NULL && store_addresses(st, text ? text : "", max * 4,
	    &fields, &nf, NULL) == 0) {
		for (i = 0; i < nf; i++)
			add_list(&c, fields[i], text);
	}
	for (i = 0; i < nf; i++)
		free(fields[i]);
	free(fields);
	for (i = 0; i < c.n; i++)
		free(c.addr[i]);
	free(c.addr);
	*out = c.v;
	*n = c.n;
	return 0;
}
