/*
 * crypto_status: the security status of one message, computed once from
 * its raw bytes with the engines the caller opened: the walk over its
 * MIME structure (crypto_status_walk.c and the protocol files beside it),
 * then the verdict and the banner line (crypto_status_verdict.c). The
 * rules are documented in crypto.h. Nothing here touches the network:
 * the engines were opened by the caller, who decides that.
 * Runs on the caller's thread, which owns the engines.
 */
#include "crypto/crypto_status_int.h"

#include <stdlib.h>
#include <string.h>

int
crypto_status_compute(const struct crypto_ctx *c, const char *raw,
    size_t len, struct crypto_status *st, struct cachet_err *err)
{
	static const struct crypto_ctx none = { NULL, NULL, false };
	struct crypto_walk w;
	char *display;
	size_t dlen = 0;

	if (st == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no status to fill");
	memset(st, 0, sizeof(*st));
	if (raw == NULL)
		return cachet_err(err, CACHET_E_INVAL, "no message");
	memset(&w, 0, sizeof(w));
	w.ctx = c != NULL ? c : &none;
	w.st = st;
	w.budget = CRYPTO_FRAME_MAX_NODES;
	display = crypto_walk_buffer(&w, raw, len, true, "1", 0, true, NULL,
	    &dlen);
	st->display = display;
	st->display_len = display != NULL ? dlen : 0;
	crypto_status_finish(st);
	return 0;
}

static void
part_release(struct crypto_part_status *p)
{
	free(p->path);
	free(p->type);
	crypto_result_release(&p->res);
	free(p->error);
	free(p->note);
}

void
crypto_status_release(struct crypto_status *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nparts; i++)
		part_release(&st->parts[i]);
	free(st->parts);
	free(st->from_addr);
	free(st->summary);
	free(st->protected_subject);
	crypto_secret_free(st->display, st->display_len);
	memset(st, 0, sizeof(*st));
}
