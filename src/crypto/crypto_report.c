/*
 * crypto_report: the security report of one message, as `cachet verify`
 * prints it and the details view lists it: the message-level verdict,
 * then one block per protected part (signatures with signer, fingerprint,
 * algorithms, time, trust, revocation and X.509 chain; decryption facts).
 * Plain text, or JSON for scripts. Every string is sanitised again on
 * the way out, whatever the engines did.
 * Runs on any thread; no global state.
 */
#include "crypto/crypto_status_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
add_clean(struct buf *b, const char *s)
{
	char *c;

	if (s == NULL)
		return;
	c = util_sanitize(s, strlen(s), false, false);
	buf_adds(b, c);
	free(c);
}

static void
add_time(struct buf *b, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[32];

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
		buf_adds(b, "unknown");
		return;
	}
	buf_adds(b, s);
}

static void
add_flags(struct buf *b, unsigned flags, const char *sep)
{
	const char *name;
	unsigned bit;
	bool first = true;

	for (bit = 0; (name = crypto_flag_name(bit)) != NULL; bit++) {
		if (!(flags & (1u << bit)))
			continue;
		buf_addf(b, "%s%s", first ? "" : sep, name);
		first = false;
	}
}

/* ------------------------------------------------------------- text */

static void
text_line(struct buf *b, const char *indent, const char *key, const char *v)
{
	if (v == NULL)
		return;
	buf_addf(b, "%s%s: ", indent, key);
	add_clean(b, v);
	buf_addc(b, '\n');
}

static void
text_cert(struct buf *b, const struct crypto_cert *c, size_t i)
{
	buf_addf(b, "    certificate %zu: ", i + 1);
	add_clean(b, c->subject != NULL ? c->subject : "(no subject)");
	buf_addc(b, '\n');
	text_line(b, "      ", "issuer", c->issuer);
	text_line(b, "      ", "serial", c->serial);
	buf_adds(b, "      valid: ");
	add_time(b, c->not_before);
	buf_adds(b, " to ");
	if (c->not_after > 0)
		add_time(b, c->not_after);
	else
		buf_adds(b, "no expiry");
	buf_addc(b, '\n');
	text_line(b, "      ", "key usage", c->key_usage);
	text_line(b, "      ", "extended key usage", c->ext_key_usage);
	buf_addf(b, "      CA: %s\n", c->is_ca ? "yes" : "no");
	text_line(b, "      ", "fingerprint (SHA-256)", c->fpr_sha256);
}

static void
text_sig(struct buf *b, const struct crypto_sig *s, size_t i)
{
	size_t k;

	buf_addf(b, "  signature %zu: %s\n", i + 1,
	    crypto_sig_result_name(s->result));
	text_line(b, "    ", "signer", s->signer);
	for (k = 0; k < s->naddrs; k++)
		text_line(b, "    ", "address", s->addrs[k]);
	text_line(b, "    ", "fingerprint", s->fpr);
	text_line(b, "    ", "digest", s->digest);
	text_line(b, "    ", "key algorithm", s->pubkey_algo);
	buf_adds(b, "    signed: ");
	add_time(b, s->created);
	buf_addc(b, '\n');
	buf_addf(b, "    trust: %s\n", crypto_trust_name(s->trust));
	buf_addf(b, "    revocation: %s\n",
	    crypto_revocation_name(s->revocation));
	text_line(b, "    ", "note", s->note);
	for (k = 0; k < s->nchain; k++)
		text_cert(b, &s->chain[k], k);
}

static void
text_decrypt(struct buf *b, const struct crypto_part_status *p)
{
	size_t k;

	buf_addf(b, "  decrypted: %s\n", p->res.decrypted ? "yes" : "no");
	text_line(b, "  ", "cipher", p->res.cipher);
	if (p->res.decrypted)
		buf_addf(b, "  integrity protection: %s\n",
		    p->res.integrity ? "yes" : "no");
	for (k = 0; k < p->res.nrecipients; k++)
		text_line(b, "  ", "recipient", p->res.recipients[k]);
}

static void
text_part(struct buf *b, const struct crypto_part_status *p)
{
	size_t i;

	buf_addf(b, "part %s: %s %s (", p->path, crypto_proto_name(p->proto),
	    crypto_part_kind_name(p->kind));
	add_clean(b, p->type);
	buf_addf(b, "): %s\n", p->error != NULL ? "error" :
	    p->kind == CRYPTO_PART_ENCRYPTED && !p->res.decrypted ?
	    "not decrypted" : p->covers_all ? "covers the whole message" :
	    "covers only this part");
	text_line(b, "  ", "error", p->error);
	if (p->flags != 0) {
		buf_adds(b, "  flags: ");
		add_flags(b, p->flags, ", ");
		buf_addc(b, '\n');
	}
	text_line(b, "  ", "note", p->note);
	if (p->first_line > 0) {
		if (p->last_line >= p->first_line)
			buf_addf(b, "  lines: %zu-%zu\n", p->first_line,
			    p->last_line);
		else
			buf_adds(b, "  lines: none\n");
	}
	if (p->kind == CRYPTO_PART_ENCRYPTED)
		text_decrypt(b, p);
	for (i = 0; i < p->res.nsigs; i++)
		text_sig(b, &p->res.sigs[i], i);
}

static char *
report_text(const struct crypto_status *st)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_addf(&b, "verdict: %s\n", crypto_verdict_name(st->verdict));
	text_line(&b, "", "summary", st->summary);
	buf_adds(&b, "flags: ");
	if (st->flags == 0)
		buf_adds(&b, "none");
	add_flags(&b, st->flags, ", ");
	buf_addc(&b, '\n');
	text_line(&b, "", "from", st->from_addr != NULL ? st->from_addr :
	    "(ambiguous: no sender binding)");
	text_line(&b, "", "protected subject", st->protected_subject);
	for (i = 0; i < st->nparts; i++)
		text_part(&b, &st->parts[i]);
	return buf_detach(&b, NULL);
}

/* ------------------------------------------------------------- JSON */

static void
json_str(struct buf *b, const char *s)
{
	char *c;
	const unsigned char *p;

	if (s == NULL) {
		buf_adds(b, "null");
		return;
	}
	c = util_sanitize(s, strlen(s), false, false);
	buf_addc(b, '"');
	for (p = (const unsigned char *)c; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_addf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			buf_addf(b, "\\u%04x", *p);
		else
			buf_addc(b, (char)*p);
	}
	buf_addc(b, '"');
	free(c);
}

static void
json_key(struct buf *b, const char *key, const char *v, bool comma)
{
	buf_addf(b, "\"%s\":", key);
	json_str(b, v);
	if (comma)
		buf_addc(b, ',');
}

static void
json_strv(struct buf *b, const char *key, char *const *v, size_t n)
{
	size_t i;

	buf_addf(b, "\"%s\":[", key);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		json_str(b, v[i]);
	}
	buf_adds(b, "],");
}

static void
json_flags(struct buf *b, unsigned flags)
{
	const char *name;
	unsigned bit;
	bool first = true;

	buf_adds(b, "\"flags\":[");
	for (bit = 0; (name = crypto_flag_name(bit)) != NULL; bit++) {
		if (!(flags & (1u << bit)))
			continue;
		buf_addf(b, "%s\"%s\"", first ? "" : ",", name);
		first = false;
	}
	buf_adds(b, "],");
}

static void
json_cert(struct buf *b, const struct crypto_cert *c)
{
	buf_addc(b, '{');
	json_key(b, "subject", c->subject, true);
	json_key(b, "issuer", c->issuer, true);
	json_key(b, "serial", c->serial, true);
	json_key(b, "fingerprint_sha256", c->fpr_sha256, true);
	buf_addf(b, "\"not_before\":%lld,\"not_after\":%lld,",
	    (long long)c->not_before, (long long)c->not_after);
	json_key(b, "key_usage", c->key_usage, true);
	json_key(b, "ext_key_usage", c->ext_key_usage, true);
	buf_addf(b, "\"is_ca\":%s}", c->is_ca ? "true" : "false");
}

static void
json_sig(struct buf *b, const struct crypto_sig *s)
{
	size_t i;

	buf_addc(b, '{');
	json_key(b, "result", crypto_sig_result_name(s->result), true);
	json_key(b, "fingerprint", s->fpr, true);
	json_key(b, "signer", s->signer, true);
	json_strv(b, "addresses", s->addrs, s->naddrs);
	json_key(b, "digest", s->digest, true);
	json_key(b, "key_algorithm", s->pubkey_algo, true);
	buf_addf(b, "\"created\":%lld,", (long long)s->created);
	json_key(b, "trust", crypto_trust_name(s->trust), true);
	json_key(b, "revocation", crypto_revocation_name(s->revocation),
	    true);
	json_key(b, "note", s->note, true);
	buf_adds(b, "\"chain\":[");
	for (i = 0; i < s->nchain; i++) {
		if (i > 0)
			buf_addc(b, ',');
		json_cert(b, &s->chain[i]);
	}
	buf_adds(b, "]}");
}

static void
json_part(struct buf *b, const struct crypto_part_status *p)
{
	size_t i;

	buf_addc(b, '{');
	json_key(b, "path", p->path, true);
	json_key(b, "kind", crypto_part_kind_name(p->kind), true);
	json_key(b, "protocol", crypto_proto_name(p->proto), true);
	json_key(b, "type", p->type, true);
	buf_addf(b, "\"covers_all\":%s,", p->covers_all ? "true" : "false");
	json_key(b, "error", p->error, true);
	json_key(b, "note", p->note, true);
	json_flags(b, p->flags);
	buf_addf(b, "\"first_line\":%zu,\"last_line\":%zu,", p->first_line,
	    p->last_line);
	buf_addf(b, "\"decrypted\":%s,\"integrity\":%s,",
	    p->res.decrypted ? "true" : "false",
	    p->res.integrity ? "true" : "false");
	json_key(b, "cipher", p->res.cipher, true);
	json_strv(b, "recipients", p->res.recipients, p->res.nrecipients);
	buf_adds(b, "\"signatures\":[");
	for (i = 0; i < p->res.nsigs; i++) {
		if (i > 0)
			buf_addc(b, ',');
		json_sig(b, &p->res.sigs[i]);
	}
	buf_adds(b, "]}");
}

static char *
report_json(const struct crypto_status *st)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_addc(&b, '{');
	json_key(&b, "verdict", crypto_verdict_name(st->verdict), true);
	json_key(&b, "summary", st->summary, true);
	json_flags(&b, st->flags);
	json_key(&b, "from", st->from_addr, true);
	json_key(&b, "protected_subject", st->protected_subject, true);
	buf_addf(&b, "\"clean\":%s,", st->verdict == CRYPTO_VERDICT_SIGNED &&
	    !(st->flags & CRYPTO_ST_WARNINGS) ? "true" : "false");
	buf_adds(&b, "\"parts\":[");
	for (i = 0; i < st->nparts; i++) {
		if (i > 0)
			buf_addc(&b, ',');
		json_part(&b, &st->parts[i]);
	}
	buf_adds(&b, "]}\n");
	return buf_detach(&b, NULL);
}

char *
crypto_status_report(const struct crypto_status *st, bool json)
{
	if (st == NULL)
		return xstrdup(json ? "null\n" : "");
	return json ? report_json(st) : report_text(st);
}
