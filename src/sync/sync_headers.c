/*
 * sync_headers: new messages' headers, fetched and stored in a pipeline.
 * The sync thread fetches and parses batch N+1 while a second thread
 * stores batch N, so the server's work, the parsing and the store's work
 * overlap (the store is the longest stage, so everything that does not
 * need it happens on the sync thread). Only the store thread touches the
 * store during this phase; batches are handed over through a two-slot
 * queue.
 */
#include "sync_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime.h"

/* One message as fetched, its header already parsed. */
struct hdr {
	uint32_t uid;
	uint32_t flags;
	uint32_t size;
	uint64_t modseq;
	int64_t internaldate;
	char *keywords;
	struct mime_envelope env;
};

struct batch {
	struct hdr *v;
	size_t n;
	size_t cap;
	uint32_t last;		/* UIDs up to here are known after it */
	struct batch *next;
};

struct pipe {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct batch *head, *tail;
	size_t queued;
	bool done;		/* the producer has no more batches */
	bool failed;		/* the consumer stopped on an error */
	struct cachet_err err;
	struct sync_ctx *c;
	uint32_t uidvalidity;
	uint64_t modseq;
	uint32_t maxuid;
};

static void
batch_free(struct batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		free(b->v[i].keywords);
		mime_envelope_release(&b->v[i].env);
	}
	free(b->v);
	free(b);
}

static int
collect(void *ctx, const struct imap_msg *m)
{
	struct batch *b = ctx;
	struct hdr *h;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->v = xreallocarray(b->v, b->cap, sizeof(*b->v));
	}
	h = &b->v[b->n++];
	h->uid = m->uid;
	h->flags = m->flags;
	h->size = m->size;
	h->modseq = m->modseq;
	h->internaldate = m->internaldate;
	h->keywords = m->keywords ? xstrdup(m->keywords) : NULL;
	memset(&h->env, 0, sizeof(h->env));
	if (m->header)
		mime_parse_envelope(m->header, m->header_len, &h->env, NULL);
	return 0;
}

static int
store_one(struct pipe *p, const struct hdr *h, struct cachet_err *err)
{
	const struct mime_envelope *env = &h->env;
	struct store_msg row = {0};
	int r;

	row.folder_id = p->c->folder_id;
	row.uid = h->uid;
	row.flags = h->flags;
	row.keywords = h->keywords;
	row.modseq = h->modseq;
	row.date = env->date ? env->date : h->internaldate;
	row.size = h->size;
	row.from = env->from;
	row.to = env->to;
	row.cc = env->cc;
	row.subject = env->subject;
	row.message_id = env->message_id;
	row.in_reply_to = env->in_reply_to;
	row.references = env->references;
	r = store_msg_put(p->c->st, &row, NULL, err);
	if (h->uid > p->maxuid)
		p->maxuid = h->uid;
	return r;
}

/* One batch, one transaction; the folder's UIDNEXT moves with it. */
static int
store_batch(struct pipe *p, const struct batch *b, struct cachet_err *err)
{
	struct sync_ctx *c = p->c;
	size_t i;
	int r = store_begin(c->st, err);

	for (i = 0; r == 0 && i < b->n; i++)
		r = store_one(p, &b->v[i], err);
	if (r == 0 && b->last)
		r = store_folder_set_state(c->st, c->folder_id, p->uidvalidity,
		    b->last + 1, p->modseq, err);
	if (r == 0)
		r = store_commit(c->st, err);
	else
		store_rollback(c->st);
	return r;
}

static void *
consumer(void *arg)
{
	struct pipe *p = arg;
	struct batch *b;
	int r;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->head == NULL && !p->done)
			pthread_cond_wait(&p->cond, &p->lock);
		b = p->head;
		if (b) {
			p->head = b->next;
			if (p->head == NULL)
				p->tail = NULL;
			p->queued--;
			pthread_cond_broadcast(&p->cond);
		}
		pthread_mutex_unlock(&p->lock);
		if (b == NULL)
			return NULL;	/* done and drained */
		r = store_batch(p, b, &p->err);
		p->c->stats->added += (uint32_t)b->n;
		batch_free(b);
		if (r != 0) {
			pthread_mutex_lock(&p->lock);
			p->failed = true;
			pthread_cond_broadcast(&p->cond);
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
	}
}

/* Queue a batch, waiting while two are already waiting; false if the
 * consumer has failed (the batch is then freed). */
static bool
enqueue(struct pipe *p, struct batch *b)
{
	bool ok;

	pthread_mutex_lock(&p->lock);
	while (p->queued >= 2 && !p->failed)
		pthread_cond_wait(&p->cond, &p->lock);
	ok = !p->failed;
	if (ok) {
		if (p->tail)
			p->tail->next = b;
		else
			p->head = b;
		p->tail = b;
		p->queued++;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	if (!ok)
		batch_free(b);
	return ok;
}

static int
produce(struct pipe *p, uint32_t from, uint32_t uidnext, uint32_t exists,
    struct cachet_err *err)
{
	struct sync_ctx *c = p->c;
	uint32_t first, last;
	int r = 0;

	c->done = 0;
	c->total = exists;
	for (first = from; r == 0 && (uidnext == 0 || first < uidnext);
	    first = last + 1) {
		struct batch *b = xcalloc(1, sizeof(*b));

		last = uidnext ? uidnext - 1 : 0;
		if (uidnext && last - first >= SYNC_HEADER_BATCH)
			last = first + SYNC_HEADER_BATCH - 1;
		sync_progress(c, "headers", c->done, c->total);
		r = imap_fetch_headers(c->im, first, last, collect, b, err);
		b->last = last;
		c->done += (uint32_t)b->n;
		if (r != 0) {
			batch_free(b);
			break;
		}
		if (!enqueue(p, b))
			break;
		if (sync_stopped(c))
			r = cachet_err(err, CACHET_E_NET, "interrupted");
		if (uidnext == 0)
			break;	/* one fetch up to * */
	}
	return r;
}

int
sync_headers(struct sync_ctx *c, uint32_t from, uint32_t uidnext,
    uint32_t uidvalidity, uint32_t exists, uint64_t modseq,
    uint32_t *maxuid, struct cachet_err *err)
{
	struct pipe p = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
		.c = c,
		.uidvalidity = uidvalidity,
		.modseq = modseq,
	};
	pthread_t t;
	int r;

	if (uidnext != 0 && from >= uidnext)
		return 0;	/* nothing new */
	if (pthread_create(&t, NULL, consumer, &p) != 0)
		return cachet_err(err, CACHET_E_IO, "cannot start a thread");
	r = produce(&p, from, uidnext, exists, err);
	pthread_mutex_lock(&p.lock);
	p.done = true;
	pthread_cond_broadcast(&p.cond);
	pthread_mutex_unlock(&p.lock);
	pthread_join(t, NULL);
	while (p.head) {	/* left over after a consumer failure */
		struct batch *b = p.head;

		p.head = b->next;
		batch_free(b);
	}
	if (p.failed && r == 0) {
		*err = p.err;
		r = err->code ? err->code : CACHET_E_STORE;
	}
	if (p.maxuid > *maxuid)
		*maxuid = p.maxuid;
	return r;
}
