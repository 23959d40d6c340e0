/*
 * crypto_status_verdict: the message-level verdict from the parts (the
 * rules are in crypto.h, above enum crypto_verdict), the one-line summary
 * the banner shows, and the names the report and the summary use.
 * Runs on any thread; no global state.
 */
#include "crypto/crypto_status_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *
crypto_verdict_name(enum crypto_verdict v)
{
	switch (v) {
	case CRYPTO_VERDICT_SIGNED:
		return "signed";
	case CRYPTO_VERDICT_PARTLY_SIGNED:
		return "partly signed";
	case CRYPTO_VERDICT_PROBLEM:
		return "problem";
	case CRYPTO_VERDICT_NONE:
		break;
	}
	return "not signed";
}

const char *
crypto_sig_result_name(enum crypto_sig_result r)
{
	static const char *const names[] = {
		[CRYPTO_SIG_GOOD] = "good",
		[CRYPTO_SIG_BAD] = "bad",
		[CRYPTO_SIG_UNKNOWN_KEY] = "unknown key",
		[CRYPTO_SIG_EXPIRED] = "expired",
		[CRYPTO_SIG_REVOKED] = "revoked",
		[CRYPTO_SIG_UNTRUSTED] = "untrusted",
		[CRYPTO_SIG_WEAK] = "weak digest",
		[CRYPTO_SIG_ERROR] = "error",
	};

	if ((unsigned)r < sizeof(names) / sizeof(names[0]))
		return names[r];
	return "error";
}

const char *
crypto_part_kind_name(enum crypto_part_kind k)
{
	switch (k) {
	case CRYPTO_PART_SIGNED:
		return "signed";
	case CRYPTO_PART_OPAQUE_SIGNED:
		return "opaque signed";
	case CRYPTO_PART_INLINE_SIGNED:
		return "inline signed";
	case CRYPTO_PART_ENCRYPTED:
		return "encrypted";
	}
	return "unknown";
}

const char *
crypto_proto_name(enum crypto_proto p)
{
	return p == CRYPTO_PROTO_OPENPGP ? "OpenPGP" : "S/MIME";
}

const char *
crypto_trust_name(enum crypto_trust t)
{
	switch (t) {
	case CRYPTO_TRUST_NEVER:
		return "never";
	case CRYPTO_TRUST_MARGINAL:
		return "marginal";
	case CRYPTO_TRUST_FULL:
		return "full";
	case CRYPTO_TRUST_ULTIMATE:
		return "ultimate";
	case CRYPTO_TRUST_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *
crypto_revocation_name(enum crypto_revocation r)
{
	switch (r) {
	case CRYPTO_REV_GOOD:
		return "checked, not revoked";
	case CRYPTO_REV_REVOKED:
		return "revoked";
	case CRYPTO_REV_NOT_CHECKED:
		break;
	}
	return "not checked";
}

const char *
crypto_flag_name(unsigned bit)
{
	static const char *const names[] = {
		"encrypted", "partly-encrypted", "sender-mismatch",
		"ambiguous-sender", "weak", "decrypt-failed", "no-integrity",
		"nested-encrypted", "no-engine", "no-aead", "truncated",
	};

	return bit < sizeof(names) / sizeof(names[0]) ? names[bit] : NULL;
}

/* A name containing one of the words, as a whole token. */
static bool
has_token(const char *s, const char *const *words)
{
	size_t i, n;
	const char *p;

	for (i = 0; words[i] != NULL; i++) {
		n = strlen(words[i]);
		for (p = strcasestr(s, words[i]); p != NULL;
		    p = strcasestr(p + 1, words[i])) {
			bool left = p == s || p[-1] == '-' || p[-1] == '_' ||
			    p[-1] == ' ' || (p[-1] >= '0' && p[-1] <= '9');
			char c = p[n];
			bool right = c == '\0' || c == '-' || c == '_' ||
			    c == ' ' || c == '.' || (c >= '0' && c <= '9');

			if (left && right)
				return true;
		}
	}
	return false;
}

/* DES, 3DES/DES-EDE3/TripleDES, RC2, RC4/ARCFOUR. */
bool
crypto_weak_cipher(const char *cipher)
{
	static const char *const weak[] = {
		"DES", "3DES", "DES-EDE3", "DES-EDE", "TRIPLEDES", "RC2",
		"RC4", "ARCFOUR", NULL,
	};

	return cipher != NULL && has_token(cipher, weak);
}

/* MD5, SHA-1 (and older: MD2, MD4). */
bool
crypto_weak_digest(const char *digest)
{
	static const char *const weak[] = {
		"MD2", "MD4", "MD5", "SHA1", "SHA-1", NULL,
	};

	return digest != NULL && has_token(digest, weak);
}

/* ------------------------------------------------------ the verdict */

static bool
part_has_problem(const struct crypto_part_status *p)
{
	size_t i;

	if (p->error != NULL)
		return true;
	for (i = 0; i < p->res.nsigs; i++)
		if (p->res.sigs[i].result != CRYPTO_SIG_GOOD)
			return true;
	return p->res.nsigs > 0 && (p->flags & CRYPTO_ST_SENDER_MISMATCH);
}

static enum crypto_verdict
verdict_of(struct crypto_status *st)
{
	bool problem = false, any = false, covered = false;
	size_t i;

	for (i = 0; i < st->nparts; i++) {
		const struct crypto_part_status *p = &st->parts[i];

		st->flags |= p->flags;
		if (p->kind == CRYPTO_PART_ENCRYPTED && p->covers_all &&
		    p->res.decrypted && p->error == NULL)
			st->flags |= CRYPTO_ST_ENCRYPTED;
		problem = problem || part_has_problem(p);
		if (p->res.nsigs > 0) {
			any = true;
			covered = covered || p->covers_all;
		}
	}
	if (problem)
		return CRYPTO_VERDICT_PROBLEM;
	if (!any)
		return CRYPTO_VERDICT_NONE;
	return covered ? CRYPTO_VERDICT_SIGNED : CRYPTO_VERDICT_PARTLY_SIGNED;
}

/* ------------------------------------------------------ the summary */

/* The CN of an X.509 subject ("CN=Alice,O=Example"), or NULL. */
static char *
common_name(const char *dn)
{
	const char *p = dn, *e;

	while ((p = strstr(p, "CN=")) != NULL) {
		if (p == dn || p[-1] == ',' || p[-1] == '/' || p[-1] == ' ')
			break;
		p += 3;
	}
	if (p == NULL)
		return NULL;
	p += 3;
	for (e = p; *e != '\0' && *e != ',' && *e != '/'; e++)
		if (*e == '\\' && e[1] != '\0')
			e++;
	return e > p ? xstrndup(p, (size_t)(e - p)) : NULL;
}

static void
add_signer(struct buf *b, const struct crypto_sig *s)
{
	char *cn = s->signer != NULL && strchr(s->signer, '<') == NULL ?
	    common_name(s->signer) : NULL;

	if (cn != NULL) {
		/* An X.509 subject: its name, and the address it binds. */
		buf_adds(b, cn);
		if (s->naddrs > 0)
			buf_addf(b, " <%s>", s->addrs[0]);
		free(cn);
	} else if (s->signer != NULL)
		buf_adds(b, s->signer);
	else if (s->naddrs > 0)
		buf_addf(b, "<%s>", s->addrs[0]);
	else if (s->fpr != NULL)
		buf_addf(b, "key %s", s->fpr);
	else
		buf_adds(b, "an unknown signer");
}

static void
summary_signed(struct buf *b, const struct crypto_status *st, bool all)
{
	const struct crypto_part_status *p = NULL;
	size_t i, nsigs = 0;

	for (i = 0; i < st->nparts; i++) {
		nsigs += st->parts[i].res.nsigs;
		if (p == NULL && st->parts[i].res.nsigs > 0 &&
		    (!all || st->parts[i].covers_all))
			p = &st->parts[i];
	}
	if (p == NULL)
		return;
	if (!all && p->first_line > 0 && p->last_line >= p->first_line)
		buf_addf(b, "partly signed: lines %zu-%zu of part %s "
		    "signed by ", p->first_line, p->last_line, p->path);
	else if (!all)
		buf_addf(b, "partly signed: part %s signed by ", p->path);
	else
		buf_adds(b, "signed by ");
	add_signer(b, &p->res.sigs[0]);
	buf_adds(b, " (good");
	if (p->res.sigs[0].fpr != NULL)
		buf_addf(b, ", fingerprint %s", p->res.sigs[0].fpr);
	buf_adds(b, ")");
	if (nsigs > 1)
		buf_addf(b, " and %zu more good signature%s", nsigs - 1,
		    nsigs > 2 ? "s" : "");
	if (!all)
		buf_adds(b, "; the rest is not signed");
}

static bool
summary_sig_problem(struct buf *b, const struct crypto_status *st,
    const struct crypto_part_status *p, bool *said_mismatch)
{
	size_t i;

	for (i = 0; i < p->res.nsigs; i++) {
		const struct crypto_sig *s = &p->res.sigs[i];

		if (s->result == CRYPTO_SIG_GOOD)
			continue;
		buf_addf(b, "%s signature on part %s by ",
		    crypto_sig_result_name(s->result), p->path);
		add_signer(b, s);
		if (s->note != NULL)
			buf_addf(b, " (%s)", s->note);
		return true;
	}
	if (p->res.nsigs == 0 || !(p->flags & CRYPTO_ST_SENDER_MISMATCH))
		return false;
	*said_mismatch = true;
	buf_adds(b, "signed by ");
	add_signer(b, &p->res.sigs[0]);
	if (st->from_addr != NULL)
		buf_addf(b, ", not by the sender <%s>", st->from_addr);
	else
		buf_adds(b, ", not by the sender");
	return true;
}

static void
summary_problem(struct buf *b, const struct crypto_status *st,
    bool *said_mismatch)
{
	size_t i;

	for (i = 0; i < st->nparts; i++) {
		const struct crypto_part_status *p = &st->parts[i];

		if (p->error == NULL)
			continue;
		buf_addf(b, "%s part %s: %s", p->kind ==
		    CRYPTO_PART_ENCRYPTED ? "cannot decrypt" :
		    "cannot check signed", p->path, p->error);
		return;
	}
	for (i = 0; i < st->nparts; i++)
		if (summary_sig_problem(b, st, &st->parts[i], said_mismatch))
			return;
	buf_adds(b, "problem");
}

static void
summary_flags(struct buf *b, unsigned f, bool said_mismatch)
{
	if ((f & CRYPTO_ST_SENDER_MISMATCH) && !said_mismatch)
		buf_adds(b, "; the signer is not the sender");
	if (f & CRYPTO_ST_ENCRYPTED)
		buf_adds(b, (f & CRYPTO_ST_NO_AEAD) ? "; encrypted (S/MIME "
		    "CBC, no integrity check of its own)" : "; encrypted");
	if (f & CRYPTO_ST_PARTLY_ENCRYPTED)
		buf_adds(b, "; partly encrypted");
	if (f & CRYPTO_ST_NESTED_ENCRYPTED)
		buf_adds(b, "; an encrypted part is not decrypted (on "
		    "request only)");
	if (f & CRYPTO_ST_AMBIGUOUS_SENDER)
		buf_adds(b, "; ambiguous sender: no sender binding");
	if (f & CRYPTO_ST_WEAK)
		buf_adds(b, "; weak algorithm");
	if (f & CRYPTO_ST_TRUNCATED)
		buf_adds(b, "; not everything was examined (limits)");
}

void
crypto_status_finish(struct crypto_status *st)
{
	struct buf b = BUF_INIT;
	bool said_mismatch = false;

	st->verdict = verdict_of(st);
	switch (st->verdict) {
	case CRYPTO_VERDICT_SIGNED:
		summary_signed(&b, st, true);
		break;
	case CRYPTO_VERDICT_PARTLY_SIGNED:
		summary_signed(&b, st, false);
		break;
	case CRYPTO_VERDICT_PROBLEM:
		summary_problem(&b, st, &said_mismatch);
		break;
	case CRYPTO_VERDICT_NONE:
		buf_adds(&b, "not signed");
		break;
	}
	summary_flags(&b, st->flags, said_mismatch);
	free(st->summary);
	st->summary = util_sanitize(b.data != NULL ? b.data : "", b.len,
	    false, false);
	buf_release(&b);
}
