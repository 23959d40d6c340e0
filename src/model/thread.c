/*
 * thread: building the thread model of a folder (JWZ-style threading).
 *
 * 1. One container per Message-ID, found through an open-addressing hash
 *    table over the input's own strings (nothing is copied). A duplicate
 *    Message-ID gets a container of its own.
 * 2. Each message's References (or In-Reply-To) link consecutive ids as
 *    parent and child where no parent is known yet, and make the last id
 *    the message's parent; a link that would close a cycle is refused.
 * 3. Empty containers (messages not in the folder) are passed over: a
 *    message hangs under its nearest real ancestor; the messages directly
 *    under an empty root go under the earliest of them.
 * 4. Optionally ([ui] thread_subjects), roots with the same subject
 *    (less "Re:", "Fwd:", "Aw:" and "[list]" tags, thread_subject.c) are
 *    joined under the earliest: messages without usable References or
 *    In-Reply-To then still find their conversation.
 * 5. Siblings in date order; the tree is flattened depth first without
 *    recursion, and whole threads are ordered by their activity.
 *
 * Runs on whichever thread calls it; no global state.
 */
#include "model/model_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define THREAD_MAX_ID_LEN 998
/* Steps taken to look for a cycle before a link is refused anyway. */
#define THREAD_LOOP_WALK 4096
/* How many ids ahead a hash table slot is fetched. */
#define THREAD_PREFETCH 8
/* Messages whose references are parsed and hashed in one go. */
#define THREAD_LINK_CHUNK 256

struct hent {
	const char *k;
	uint32_t len;
	uint32_t val;
	uint64_t h;		/* compared first: keys are rarely read */
};

struct htab {
	struct hent *e;
	size_t cap;		/* a power of two */
	size_t n;
};

struct ctr {
	uint32_t parent;
	uint32_t nchild;
	uint32_t msg;		/* input index, MODEL_NONE when empty */
};

struct builder {
	const struct model_thread_in *in;
	size_t nin;
	struct ctr *c;
	size_t nc, cap;
	struct htab ids;
	uint32_t *np;		/* per input: parent input index */
};

struct span {
	const char *p;
	uint32_t len;
};

/* An id of the input and its hash. */
struct idref {
	const char *p;
	uint32_t len;
	uint64_t h;
};

static uint64_t
hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

static void
htab_init(struct htab *t, size_t want)
{
	t->cap = 64;
	while (t->cap < want * 2)
		t->cap *= 2;
	t->e = xcalloc(t->cap, sizeof(*t->e));
	t->n = 0;
}

static struct hent *
htab_slot(struct htab *t, const char *k, uint32_t len, uint64_t h)
{
	size_t i = (size_t)h & (t->cap - 1);

	while (t->e[i].k != NULL) {
		if (t->e[i].h == h && t->e[i].len == len &&
		    memcmp(t->e[i].k, k, len) == 0)
			return &t->e[i];
		i = (i + 1) & (t->cap - 1);
	}
	return &t->e[i];
}

static void
htab_grow(struct htab *t)
{
	struct hent *old = t->e;
	size_t oldcap = t->cap, i;

	t->cap *= 2;
	t->e = xcalloc(t->cap, sizeof(*t->e));
	for (i = 0; i < oldcap; i++)
		if (old[i].k != NULL)
			*htab_slot(t, old[i].k, old[i].len,
			    old[i].h) = old[i];
	free(old);
}

/*
 * Ask for the slot of hash h ahead of its lookup: the table is far larger
 * than the caches, and each lookup would otherwise wait on memory.
 */
static void
htab_prefetch(const struct htab *t, uint64_t h)
{
	__builtin_prefetch(&t->e[(size_t)h & (t->cap - 1)]);
}

/* The entry for k of hash h, added with val MODEL_NONE when absent. */
static struct hent *
htab_get_h(struct htab *t, const char *k, uint32_t len, uint64_t h)
{
	struct hent *e;

	if ((t->n + 1) * 2 > t->cap)
		htab_grow(t);
	e = htab_slot(t, k, len, h);
	if (e->k == NULL) {
		e->k = k;
		e->h = h;
		e->len = len;
		e->val = MODEL_NONE;
		t->n++;
	}
	return e;
}

static struct hent *
htab_get(struct htab *t, const char *k, uint32_t len)
{
	return htab_get_h(t, k, len, hash_bytes(k, len));
}

static uint32_t
ctr_new(struct builder *b, uint32_t msg)
{
	if (b->nc == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1024;
		b->c = xreallocarray(b->c, b->cap, sizeof(*b->c));
	}
	b->c[b->nc].parent = MODEL_NONE;
	b->c[b->nc].nchild = 0;
	b->c[b->nc].msg = msg;
	return (uint32_t)b->nc++;
}

/* The container of a Message-ID, made empty when new. */
static uint32_t
ctr_of(struct builder *b, const struct idref *r)
{
	struct hent *e = htab_get_h(&b->ids, r->p, r->len, r->h);

	if (e->val == MODEL_NONE)
		e->val = ctr_new(b, MODEL_NONE);
	return e->val;
}

/* What separates ids in References (a table: every byte is looked at). */
static const bool sep_byte[256] = {
	[' '] = true, ['\t'] = true, ['\r'] = true, ['\n'] = true,
	['<'] = true, ['>'] = true, [','] = true,
};

static bool
is_sep(char c)
{
	return sep_byte[(unsigned char)c];
}

/* The next id in *s, or len 0 at the end; over-long ids are skipped. */
static struct span
next_id(const char **s)
{
	struct span sp = {NULL, 0};
	const char *p = *s, *q;

	for (;;) {
		while (*p != '\0' && is_sep(*p))
			p++;
		if (*p == '\0')
			break;
		for (q = p; *q != '\0' && !is_sep(*q); q++)
			;
		if (q - p <= THREAD_MAX_ID_LEN) {
			sp.p = p;
			sp.len = (uint32_t)(q - p);
			p = q;
			break;
		}
		p = q;
	}
	*s = p;
	return sp;
}

/*
 * Append to out the first max of the last MODEL_THREAD_MAX_REFS ids of s,
 * in order, hashed; returns how many.
 */
static size_t
refs_add(struct idref *out, const char *s, size_t max)
{
	struct span ring[MODEL_THREAD_MAX_REFS];
	const char *p = s;
	size_t total = 0, n, k;
	struct span sp;

	if (s == NULL)
		return 0;
	while ((sp = next_id(&p)).len > 0)
		ring[total++ % MODEL_THREAD_MAX_REFS] = sp;
	n = total < MODEL_THREAD_MAX_REFS ? total : MODEL_THREAD_MAX_REFS;
	for (k = 0; k < n && k < max; k++) {
		sp = ring[(total - n + k) % MODEL_THREAD_MAX_REFS];
		out[k].p = sp.p;
		out[k].len = sp.len;
		out[k].h = hash_bytes(sp.p, sp.len);
	}
	return k;
}

/* True when a is b or one of b's ancestors (or the walk gave up). */
static bool
is_ancestor(const struct builder *b, uint32_t a, uint32_t x)
{
	size_t steps = 0;

	if (a == x)
		return true;
	if (b->c[a].nchild == 0)
		return false;
	while ((x = b->c[x].parent) != MODEL_NONE) {
		if (x == a || ++steps > THREAD_LOOP_WALK)
			return true;
	}
	return false;
}

static void
set_parent(struct builder *b, uint32_t child, uint32_t parent)
{
	struct ctr *c = &b->c[child];

	if (c->parent == parent || is_ancestor(b, child, parent))
		return;
	if (c->parent != MODEL_NONE)
		b->c[c->parent].nchild--;
	c->parent = parent;
	b->c[parent].nchild++;
}

/*
 * Link the messages [from, to): first every id of their References (or
 * In-Reply-To) is found and hashed into v, then the ids are looked up in
 * order, each slot fetched a few ids ahead.
 */
static void
link_chunk(struct builder *b, const uint32_t *self, size_t from, size_t to,
    struct idref *v, size_t *start)
{
	const struct model_thread_in *m;
	uint32_t prev, cur;
	size_t i, k, n = 0, c;

	for (i = from; i < to; i++) {
		m = &b->in[i];
		start[i - from] = n;
		c = refs_add(v + n, m->references, MODEL_THREAD_MAX_REFS);
		n += c > 0 ? c : refs_add(v + n, m->in_reply_to, 1);
	}
	start[to - from] = n;
	for (i = from; i < to; i++) {
		prev = MODEL_NONE;
		for (k = start[i - from]; k < start[i - from + 1]; k++) {
			if (k + THREAD_PREFETCH < n)
				htab_prefetch(&b->ids,
				    v[k + THREAD_PREFETCH].h);
			cur = ctr_of(b, &v[k]);
			if (prev != MODEL_NONE &&
			    b->c[cur].parent == MODEL_NONE)
				set_parent(b, cur, prev);
			prev = cur;
		}
		if (prev != MODEL_NONE)
			set_parent(b, self[i], prev);
	}
}

static void
link_messages(struct builder *b, const uint32_t *self)
{
	struct idref *v = xcalloc(THREAD_LINK_CHUNK * MODEL_THREAD_MAX_REFS,
	    sizeof(*v));
	size_t *start = xcalloc(THREAD_LINK_CHUNK + 1, sizeof(*start));
	size_t i, to;

	for (i = 0; i < b->nin; i = to) {
		to = b->nin - i < THREAD_LINK_CHUNK ? b->nin : i +
		    THREAD_LINK_CHUNK;
		link_chunk(b, self, i, to, v, start);
	}
	free(v);
	free(start);
}

/* Each message's own id, hashed. */
static struct idref *
message_ids(const struct builder *b)
{
	struct idref *mid = xcalloc(b->nin ? b->nin : 1, sizeof(*mid));
	const char *p;
	struct span sp;
	size_t i;

	for (i = 0; i < b->nin; i++) {
		p = b->in[i].message_id ? b->in[i].message_id : "";
		sp = next_id(&p);
		mid[i].p = sp.p;
		mid[i].len = sp.len;
		mid[i].h = sp.len > 0 ? hash_bytes(sp.p, sp.len) : 0;
	}
	return mid;
}

static void
add_messages(struct builder *b)
{
	uint32_t *self = xcalloc(b->nin ? b->nin : 1, sizeof(*self));
	struct idref *mid = message_ids(b);
	struct hent *e;
	size_t i;

	for (i = 0; i < b->nin; i++) {
		if (i + THREAD_PREFETCH < b->nin &&
		    mid[i + THREAD_PREFETCH].len > 0)
			htab_prefetch(&b->ids, mid[i + THREAD_PREFETCH].h);
		e = mid[i].len > 0 ? htab_get_h(&b->ids, mid[i].p, mid[i].len,
		    mid[i].h) : NULL;
		if (e != NULL && e->val == MODEL_NONE)
			e->val = ctr_new(b, (uint32_t)i);
		else if (e != NULL && b->c[e->val].msg == MODEL_NONE)
			b->c[e->val].msg = (uint32_t)i;
		else
			e = NULL;
		self[i] = e != NULL ? e->val : ctr_new(b, (uint32_t)i);
	}
	free(mid);
	link_messages(b, self);
	free(self);
}

struct order_key {
	int64_t date;
	int64_t id;
	uint32_t idx;
};

static int
order_cmp(const void *pa, const void *pb)
{
	const struct order_key *a = pa, *b = pb;

	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

/* True when in is in (date, id) order already, as the store gives it. */
static bool
is_date_ordered(const struct model_thread_in *in, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (in[i].date < in[i - 1].date || (in[i].date ==
		    in[i - 1].date && in[i].id < in[i - 1].id))
			return false;
	return true;
}

/* Input indexes in (date, id) order. */
static uint32_t *
date_order(const struct model_thread_in *in, size_t n)
{
	uint32_t *out = xcalloc(n ? n : 1, sizeof(*out));
	struct order_key *k;
	size_t i;

	if (is_date_ordered(in, n)) {
		for (i = 0; i < n; i++)
			out[i] = (uint32_t)i;
		return out;
	}
	k = xcalloc(n ? n : 1, sizeof(*k));
	for (i = 0; i < n; i++) {
		k[i].date = in[i].date;
		k[i].id = in[i].id;
		k[i].idx = (uint32_t)i;
	}
	qsort(k, n, sizeof(*k), order_cmp);
	for (i = 0; i < n; i++)
		out[i] = k[i].idx;
	free(k);
	return out;
}

/*
 * For every container, its nearest real ancestor (ra) and its root (top),
 * each computed once by walking up to a known container.
 */
static void
resolve_ancestors(struct builder *b, uint32_t *ra, uint32_t *top)
{
	uint32_t *stk = xcalloc(b->nc + 1, sizeof(*stk));
	size_t i, sp;
	uint32_t x, p;

	for (i = 0; i < b->nc; i++)
		ra[i] = top[i] = MODEL_NONE;
	for (i = 0; i < b->nc; i++) {
		sp = 0;
		for (x = (uint32_t)i; top[x] == MODEL_NONE; x = p) {
			stk[sp++] = x;
			if ((p = b->c[x].parent) == MODEL_NONE)
				break;
		}
		while (sp > 0) {
			x = stk[--sp];
			p = b->c[x].parent;
			if (p == MODEL_NONE) {
				top[x] = x;
				continue;
			}
			top[x] = top[p];
			ra[x] = b->c[p].msg != MODEL_NONE ? p : ra[p];
		}
	}
	free(stk);
}

/* Parents by input index, with empty containers passed over. */
static void
real_parents(struct builder *b, const uint32_t *order, uint32_t *selfc)
{
	uint32_t *ra = xcalloc(b->nc + 1, sizeof(*ra));
	uint32_t *top = xcalloc(b->nc + 1, sizeof(*top));
	uint32_t *head = ra;	/* reused below for dummy roots' heads */
	size_t i;
	uint32_t c, m, t;

	resolve_ancestors(b, ra, top);
	for (i = 0; i < b->nin; i++) {
		m = order[i];
		c = selfc[m];
		if (ra[c] != MODEL_NONE) {
			b->np[m] = b->c[ra[c]].msg;
			top[c] = MODEL_NONE;	/* done */
		}
	}
	/* Only messages without a real ancestor are left. */
	for (i = 0; i < b->nc; i++)
		head[i] = MODEL_NONE;
	for (i = 0; i < b->nin; i++) {
		m = order[i];
		c = selfc[m];
		if ((t = top[c]) == MODEL_NONE)
			continue;
		if (t == c || head[t] == MODEL_NONE) {
			if (t != c)
				head[t] = m;
			b->np[m] = MODEL_NONE;
		} else {
			b->np[m] = head[t];
		}
	}
	free(ra);
	free(top);
}

static void
join_by_subject(struct builder *b, const uint32_t *order)
{
	struct htab subj;
	struct hent *e;
	struct span sp;
	size_t i;
	uint32_t m;

	htab_init(&subj, 64);
	for (i = 0; i < b->nin; i++) {
		m = order[i];
		if (b->np[m] != MODEL_NONE)
			continue;
		sp.p = model_subject_base(b->in[m].subject, &sp.len);
		if (sp.len == 0)
			continue;
		e = htab_get(&subj, sp.p, sp.len);
		if (e->val == MODEL_NONE)
			e->val = m;
		else
			b->np[m] = e->val;
	}
	free(subj.e);
}

void
model_thread_parents(const struct model_thread_in *in, size_t n,
    unsigned opts, uint32_t *np, uint32_t **order)
{
	struct builder b;
	uint32_t *selfc;
	size_t i;

	memset(&b, 0, sizeof(b));
	b.in = in;
	b.nin = n;
	b.np = np;
	htab_init(&b.ids, n + 16);
	add_messages(&b);
	selfc = xcalloc(n ? n : 1, sizeof(*selfc));
	for (i = 0; i < b.nc; i++)
		if (b.c[i].msg != MODEL_NONE)
			selfc[b.c[i].msg] = (uint32_t)i;
	*order = date_order(in, n);
	real_parents(&b, *order, selfc);
	if (opts & MODEL_THREAD_SUBJECT)
		join_by_subject(&b, *order);
	free(selfc);
	free(b.c);
	free(b.ids.e);
}
