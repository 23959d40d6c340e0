/*
 * libFuzzer target for src/mime: every input is parsed as a header block
 * and as a whole message (envelope, render, index text, part data), and
 * the promises of mime.h are checked: no terminal escape reaches the
 * screen strings, every string is valid UTF-8, file names carry no path
 * separator, and part data has the size the part list announced.
 * Built by tests/fuzz/run.sh with clang -fsanitize=fuzzer,address.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime.h"

#define PARTS_CHECKED 8

/* Is s valid UTF-8 (over-long forms and surrogates refused)? */
static int
utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i;
	unsigned cp;

	while (*p) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			len = 2, cp = *p & 0x1f;
		else if (*p >= 0xe0 && *p <= 0xef)
			len = 3, cp = *p & 0x0f;
		else if (*p >= 0xf0 && *p <= 0xf4)
			len = 4, cp = *p & 0x07;
		else
			return 0;
		for (i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += len;
	}
	return 1;
}

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_mime: broken promise: %s\n", what);
		abort();
	}
}

/* A screen string: UTF-8, no ESC, no BEL, no CR, no C1 controls. */
static void
check_screen(const char *s, const char *what)
{
	check(s != NULL, what);
	check(utf8_ok(s), what);
	check(strpbrk(s, "\x1b\x07\r") == NULL, what);
	check(strstr(s, "\xc2\x9b") == NULL && strstr(s, "\xc2\x9d") == NULL,
	    what);
}

static void
check_envelope(const char *data, size_t size)
{
	struct mime_envelope env;

	check(mime_parse_envelope(data, size, &env, NULL) == 0, "envelope");
	if (env.from)
		check_screen(env.from, "envelope from");
	if (env.to)
		check_screen(env.to, "envelope to");
	if (env.cc)
		check_screen(env.cc, "envelope cc");
	if (env.subject)
		check_screen(env.subject, "envelope subject");
	if (env.references)
		check(utf8_ok(env.references), "references");
	mime_envelope_release(&env);
}

static void
check_view(const char *data, size_t size)
{
	struct mime_view v;
	size_t i, dlen;
	char *part;

	check(mime_render(data, size, &v, NULL) == 0, "render");
	check_screen(v.headers, "headers");
	check_screen(v.body, "body");
	for (i = 0; i < v.nparts; i++) {
		check(v.parts[i].index == (int)i, "part index");
		check(v.parts[i].type != NULL, "part type");
		if (v.parts[i].filename) {
			check_screen(v.parts[i].filename, "filename");
			check(strpbrk(v.parts[i].filename, "/\\") == NULL,
			    "filename separator");
		}
		if (i >= PARTS_CHECKED)
			continue;
		check(mime_part_data(data, size, (int)i, &part, &dlen,
		    NULL) == 0, "part data");
		check(dlen == v.parts[i].size, "part size");
		free(part);
	}
	mime_view_release(&v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
	char *data, *s;

	/* An exact-size copy, so that reading past the end is caught. */
	data = malloc(size ? size : 1);
	if (size)
		memcpy(data, buf, size);
	check_envelope(data, size);
	check_view(data, size);
	s = mime_index_text(data, size);
	if (s)
		check(utf8_ok(s), "index text");
	free(s);
	free(data);

	data = malloc(size + 1);
	if (size)
		memcpy(data, buf, size);
	data[size] = '\0';
	s = mime_decode_header(data);
	check_screen(s, "decoded header");
	free(s);
	free(data);
	return 0;
}
