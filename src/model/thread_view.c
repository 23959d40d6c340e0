/*
 * thread_view: the thread model as rows. Flattens the parents that
 * thread.c found into display order (depth first, siblings by date,
 * threads by activity), and keeps the visible rows as threads collapse
 * and expand; also the tree prefix drawn before each subject.
 * Runs on whichever thread owns the model; no global state.
 */
#include "model/model_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

struct tree {
	uint32_t *fc, *lc, *ns;	/* first child, last child, next sibling */
};

struct thread_span {
	uint32_t start, len;
	int64_t key;		/* newest (or oldest) date in the thread */
	int64_t id;
};

/* Child lists in date order (order is the input in date order). */
static void
tree_build(struct tree *t, const uint32_t *np, const uint32_t *order,
    size_t n)
{
	size_t i;
	uint32_t m, p;

	t->fc = xcalloc(n + 1, sizeof(*t->fc));
	t->lc = xcalloc(n + 1, sizeof(*t->lc));
	t->ns = xcalloc(n + 1, sizeof(*t->ns));
	for (i = 0; i < n; i++)
		t->fc[i] = t->lc[i] = t->ns[i] = MODEL_NONE;
	for (i = 0; i < n; i++) {
		m = order[i];
		if ((p = np[m]) == MODEL_NONE)
			continue;
		if (t->lc[p] == MODEL_NONE)
			t->fc[p] = m;
		else
			t->ns[t->lc[p]] = m;
		t->lc[p] = m;
	}
}

static void
tree_free(struct tree *t)
{
	free(t->fc);
	free(t->lc);
	free(t->ns);
}

static void
put_row(struct model_thread_row *r, const struct model_thread_in *m,
    uint32_t parent, size_t depth, bool last)
{
	r->id = m->id;
	r->parent = parent;
	r->size = 1;
	r->depth = depth > UINT16_MAX ? UINT16_MAX : (uint16_t)depth;
	r->last = last;
	r->collapsed = false;
}

/*
 * Depth first from root into out[at...], without recursion: nxt[d] is
 * where to go on after the subtree at depth d, prow[d] its row.
 */
struct emit_ctx {
	const struct tree *t;
	const struct model_thread_in *in;
	struct model_thread_row *out;
	uint32_t *rowmsg;	/* row -> input index */
	uint32_t *nxt;
	uint32_t *prow;
};

static size_t
emit_thread(const struct emit_ctx *e, uint32_t root, size_t at)
{
	const struct tree *t = e->t;
	uint32_t *nxt = e->nxt, *prow = e->prow;
	size_t d = 1;
	uint32_t cur = t->fc[root];

	put_row(&e->out[at], &e->in[root], MODEL_NONE, 0, true);
	e->rowmsg[at] = root;
	prow[0] = (uint32_t)at++;
	for (;;) {
		while (cur == MODEL_NONE) {
			if (d == 1)
				return at;
			cur = nxt[--d];
		}
		put_row(&e->out[at], &e->in[cur], prow[d - 1], d,
		    t->ns[cur] == MODEL_NONE);
		e->rowmsg[at] = cur;
		if (t->fc[cur] != MODEL_NONE) {
			nxt[d] = t->ns[cur];
			prow[d++] = (uint32_t)at++;
			cur = t->fc[cur];
		} else {
			at++;
			cur = t->ns[cur];
		}
	}
}

static int
span_newest_cmp(const void *pa, const void *pb)
{
	const struct thread_span *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key > b->key ? -1 : 1;
	return a->id > b->id ? -1 : a->id < b->id;
}

static int
span_oldest_cmp(const void *pa, const void *pb)
{
	return -span_newest_cmp(pa, pb);
}

/* Subtree sizes, and each thread's date key over its rows. */
static void
finish_spans(struct model_thread_row *rows, const struct model_thread_in *in,
    const uint32_t *rowmsg, struct thread_span *sp, size_t nsp, bool newest)
{
	size_t s, r;
	int64_t d;

	for (s = 0; s < nsp; s++) {
		sp[s].key = in[rowmsg[sp[s].start]].date;
		for (r = sp[s].start + sp[s].len; r-- > sp[s].start;) {
			d = in[rowmsg[r]].date;
			if (newest ? d > sp[s].key : d < sp[s].key)
				sp[s].key = d;
			if (rows[r].parent != MODEL_NONE)
				rows[rows[r].parent].size += rows[r].size;
		}
	}
}

/* Threads in their final order into t->rows. */
static void
place_threads(struct model_thread *t, const struct model_thread_row *tmp,
    struct thread_span *sp, size_t nsp, bool newest)
{
	size_t s, r, at = 0;
	struct model_thread_row *o;

	qsort(sp, nsp, sizeof(*sp), newest ? span_newest_cmp :
	    span_oldest_cmp);
	for (s = 0; s < nsp; s++) {
		for (r = 0; r < sp[s].len; r++) {
			o = &t->rows[at + r];
			*o = tmp[sp[s].start + r];
			if (o->parent != MODEL_NONE)
				o->parent = o->parent - sp[s].start +
				    (uint32_t)at;
		}
		at += sp[s].len;
	}
}

static void
flatten(struct model_thread *t, const struct model_thread_in *in, size_t n,
    const uint32_t *np, const uint32_t *order, unsigned opts)
{
	struct tree tr;
	struct emit_ctx e;
	struct thread_span *sp = xcalloc(n, sizeof(*sp));
	bool newest = !(opts & MODEL_THREAD_OLDEST_FIRST);
	size_t i, at = 0, nsp = 0;

	tree_build(&tr, np, order, n);
	e.t = &tr;
	e.in = in;
	e.out = xcalloc(n, sizeof(*e.out));
	e.rowmsg = xcalloc(n, sizeof(*e.rowmsg));
	e.nxt = xcalloc(n + 1, sizeof(*e.nxt));
	e.prow = xcalloc(n + 1, sizeof(*e.prow));
	for (i = 0; i < n; i++) {
		if (np[order[i]] != MODEL_NONE)
			continue;
		sp[nsp].start = (uint32_t)at;
		sp[nsp].id = in[order[i]].id;
		at = emit_thread(&e, order[i], at);
		sp[nsp].len = (uint32_t)(at - sp[nsp].start);
		nsp++;
	}
	finish_spans(e.out, in, e.rowmsg, sp, nsp, newest);
	t->rows = xcalloc(n, sizeof(*t->rows));
	t->n = at;
	place_threads(t, e.out, sp, nsp, newest);
	tree_free(&tr);
	free(e.out);
	free(e.rowmsg);
	free(e.nxt);
	free(e.prow);
	free(sp);
}

static void
visible_rebuild(struct model_thread *t)
{
	size_t r = 0;

	t->nvis = 0;
	while (r < t->n) {
		t->vis[t->nvis++] = (uint32_t)r;
		r += (t->rows[r].parent == MODEL_NONE && t->rows[r].collapsed) ?
		    t->rows[r].size : 1;
	}
}

void
model_thread_build(struct model_thread *t, const struct model_thread_in *in,
    size_t n, unsigned opts)
{
	uint32_t *np, *order = NULL;

	memset(t, 0, sizeof(*t));
	if (in == NULL || n == 0 || n >= MODEL_NONE)
		return;
	np = xcalloc(n, sizeof(*np));
	model_thread_parents(in, n, opts, np, &order);
	flatten(t, in, n, np, order, opts);
	free(np);
	free(order);
	t->vis = xcalloc(n, sizeof(*t->vis));
	visible_rebuild(t);
}

void
model_thread_release(struct model_thread *t)
{
	if (t == NULL)
		return;
	free(t->rows);
	free(t->vis);
	memset(t, 0, sizeof(*t));
}

const struct model_thread_row *
model_thread_visible(const struct model_thread *t, size_t v)
{
	return v < t->nvis ? &t->rows[t->vis[v]] : NULL;
}

int64_t
model_thread_find_row(const struct model_thread *t, int64_t id)
{
	size_t r;

	for (r = 0; r < t->n; r++)
		if (t->rows[r].id == id)
			return (int64_t)r;
	return -1;
}

/* Visible position of row r (vis is ascending), or -1 when hidden. */
static int64_t
visible_pos(const struct model_thread *t, uint32_t r)
{
	size_t lo = 0, hi = t->nvis, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->vis[mid] < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nvis && t->vis[lo] == r ? (int64_t)lo : -1;
}

int64_t
model_thread_find(const struct model_thread *t, int64_t id)
{
	int64_t r = model_thread_find_row(t, id);

	return r < 0 ? -1 : visible_pos(t, (uint32_t)r);
}

int64_t
model_thread_toggle(struct model_thread *t, size_t v)
{
	uint32_t r;

	if (v >= t->nvis)
		return -1;
	r = (uint32_t)model_thread_root(t, t->vis[v]);
	if (t->rows[r].size > 1) {
		t->rows[r].collapsed = !t->rows[r].collapsed;
		visible_rebuild(t);
	}
	return visible_pos(t, r);
}

void
model_thread_collapse_all(struct model_thread *t, bool collapse)
{
	size_t r;

	for (r = 0; r < t->n; r += t->rows[r].size)
		t->rows[r].collapsed = collapse && t->rows[r].size > 1;
	if (t->vis != NULL)
		visible_rebuild(t);
}

void
model_thread_refresh(struct model_thread *t)
{
	if (t->vis != NULL)
		visible_rebuild(t);
}

size_t
model_thread_root(const struct model_thread *t, size_t r)
{
	while (t->rows[r].parent != MODEL_NONE)
		r = t->rows[r].parent;
	return r;
}

bool
model_thread_any_collapsed(const struct model_thread *t)
{
	size_t r;

	for (r = 0; r < t->n; r += t->rows[r].size)
		if (t->rows[r].collapsed)
			return true;
	return false;
}

const char *
model_thread_prefix(const struct model_thread *t, size_t r, char *buf)
{
	bool lastv[MODEL_THREAD_PREFIX_LEVELS];
	size_t nl = 0, k, at = 0;
	uint32_t a;

	buf[0] = '\0';
	if (r >= t->n || t->rows[r].parent == MODEL_NONE)
		return buf;
	/* Ancestors below the root, nearest first. */
	for (a = t->rows[r].parent; t->rows[a].parent != MODEL_NONE &&
	    nl < MODEL_THREAD_PREFIX_LEVELS; a = t->rows[a].parent)
		lastv[nl++] = t->rows[a].last;
	for (k = nl; k-- > 0;) {
		memcpy(buf + at, lastv[k] ? "  " : "\u2502 ",
		    lastv[k] ? 2 : 4);
		at += lastv[k] ? 2 : 4;
	}
	memcpy(buf + at, t->rows[r].last ? "\u2514\u2500>" : "\u251c\u2500>",
	    8);
	return buf;
}
