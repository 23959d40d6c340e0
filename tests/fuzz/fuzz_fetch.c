/*
 * libFuzzer target for the fast FETCH reader (src/imap/imap_fastfetch.c).
 * The first input byte chooses how many bytes the source hands out at a
 * time (1 to 64, or 4096), the rest is the server's reply to the command
 * tagged "7". Checked: the outcome is one of the documented codes, every
 * message has a UID and a header within the literal limit (every byte is
 * read, so ASan sees overruns), error text carries no control bytes, and
 * nothing past the tagged reply is consumed.
 * Built by tests/fuzz/run.sh with clang -fsanitize=fuzzer,address.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/imap_int.h"

struct mem {
	const uint8_t *p;
	size_t len;
	size_t pos;
	size_t chunk;
};

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_fetch: broken promise: %s\n", what);
		abort();
	}
}

static int
mem_peek(void *ctx, const char **p, size_t *len)
{
	struct mem *m = ctx;

	if (m->pos >= m->len)
		return -1;
	*p = (const char *)m->p + m->pos;
	*len = m->len - m->pos < m->chunk ? m->len - m->pos : m->chunk;
	return 0;
}

static int
mem_read(void *ctx, void *dst, size_t n)
{
	struct mem *m = ctx;

	if (n > m->len - m->pos)
		return -1;
	memcpy(dst, m->p + m->pos, n);
	m->pos += n;
	return 0;
}

static int
on_msg(void *ctx, const struct imap_msg *m)
{
	unsigned sum = 0;
	size_t i;

	check(m->uid != 0, "a message without a UID");
	check(m->header_len <= IMAP_FF_LITERAL_MAX, "header over the limit");
	check(m->header != NULL || m->header_len == 0, "length without data");
	for (i = 0; i < m->header_len; i++)
		sum += (unsigned char)m->header[i];
	if (m->keywords) {
		check(strlen(m->keywords) <= IMAP_FF_LINE_MAX, "keywords long");
		check(m->keywords[0] != '\0', "empty keywords");
	}
	check(m->body == NULL, "a body from a header fetch");
	*(unsigned *)ctx += sum;
	return m->uid % 97 == 13 ? 5 : 0;
}

static void
on_event(void *ectx, enum imap_ff_event ev, uint32_t n)
{
	check(ev != IMAP_FF_EXPUNGE || n > 0, "EXPUNGE of message 0");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m;
	struct cachet_err err = {0};
	unsigned sum = 0;
	struct imap_ff ff = {
		.src = {mem_peek, mem_read, &m},
		.tag = "7",
		.fn = on_msg,
		.ctx = &sum,
		.event = on_event,
	};
	const char *c;
	int r;

	if (size < 1)
		return 0;
	m = (struct mem){data + 1, size - 1, 0,
	    data[0] < 0xc0 ? 1u + data[0] % 64 : 4096};
	r = imap_ff_parse(&ff, &err);
	check(r == 0 || r == 5 || r == CACHET_E_SERVER || r == CACHET_E_PROTO ||
	    r == CACHET_E_NET, "an undocumented result");
	if (r < 0) {
		check(err.code == r, "error code differs from the result");
		for (c = err.msg; *c; c++)
			check((unsigned char)*c >= 0x20 && *c != 0x7f,
			    "a control byte in the error text");
	}
	if (r == 0 || r == 5) {
		check(m.pos >= 4 && m.p[m.pos - 1] == '\n' &&
		    m.p[m.pos - 2] == '\r', "did not end at a line");
		check(ff.text != NULL, "no tagged text");
	}
	check(!ff.bye || r == CACHET_E_NET, "BYE without a network error");
	free(ff.text);
	return 0;
}
