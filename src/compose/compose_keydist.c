/*
 * compose_keydist: the user's own keys in outgoing mail. Which key signs
 * and which one is encrypted to for each protocol (per identity, from the
 * account's configuration), the public key attached on request
 * (application/pgp-keys) and the Autocrypt header (Autocrypt Level 1:
 * addr, optional prefer-encrypt=mutual, keydata with the key in minimal
 * form, cut down to the user ID of the From address).
 * Runs on the caller's thread, which owns the engines.
 */
#include "compose/compose_keydist_int.h"

#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PKT_UID 13
#define PKT_UATTR 17
#define UID_MAX 4096		/* longer user IDs are not looked into */

void
compose_msg_own_keys(struct compose_msg *m, const char *pgp_sign,
    const char *pgp_encrypt, const char *smime_sign,
    const char *smime_encrypt)
{
	const char *v[4] = { pgp_sign, pgp_encrypt, smime_sign,
	    smime_encrypt };
	char *dst[4];
	size_t i;

	if (m == NULL)
		return;
	dst[0] = m->own_pgp.sign;
	dst[1] = m->own_pgp.encrypt;
	dst[2] = m->own_smime.sign;
	dst[3] = m->own_smime.encrypt;
	for (i = 0; i < 4; i++)
		if (v[i] != NULL && strlen(v[i]) < COMPOSE_OWNKEY_MAX)
			strcpy(dst[i], v[i]);
}

static const struct compose_ownkeys *
own_of(const struct compose_msg *m, enum compose_proto proto)
{
	return proto == COMPOSE_PROTO_OPENPGP ? &m->own_pgp :
	    proto == COMPOSE_PROTO_SMIME ? &m->own_smime : NULL;
}

const char *
compose_own_signer(const struct compose_msg *m, enum compose_proto proto,
    const char *from)
{
	const struct compose_ownkeys *o = own_of(m, proto);

	if (!util_str_empty(m->sign_key))
		return m->sign_key;
	if (o != NULL && o->sign[0] != '\0')
		return o->sign;
	return from != NULL ? from : "";
}

const char *
compose_own_enc(const struct compose_msg *m, enum compose_proto proto)
{
	const struct compose_ownkeys *o = own_of(m, proto);

	if (!util_str_empty(m->enc_self_key))
		return m->enc_self_key;
	return o != NULL && o->encrypt[0] != '\0' ? o->encrypt : NULL;
}

/* The own OpenPGP key for key distribution, exported (owned). */
static int
export_own(const struct compose_msg *m, const struct crypto_ctx *c,
    const char *from, bool minimal, char **out, size_t *len,
    struct cachet_err *err)
{
	struct crypto_engine *e = c != NULL ? c->openpgp : NULL;
	const char *who = m->own_pgp.encrypt[0] != '\0' ? m->own_pgp.encrypt :
	    from;

	if (e == NULL || e->ops->export_key == NULL ||
	    !(e->ops->caps & CRYPTO_CAP_EXPORT))
		return cachet_err(err, CACHET_E_INVAL,
		    "no OpenPGP engine that can export keys");
	if (util_str_empty(who))
		return cachet_err(err, CACHET_E_INVAL, "no sender address");
	return e->ops->export_key(e, who, minimal, out, len, err);
}

/* The last 16 hex digits of the usable key who names (owned), or NULL. */
static char *
fpr_of(struct crypto_engine *e, const char *who)
{
	struct crypto_key *k = NULL;
	size_t n = 0, i, len;
	char *fpr = NULL;

	if (e->ops->list_keys == NULL ||
	    e->ops->list_keys(e, who, false, &k, &n, NULL) != 0)
		return NULL;
	for (i = 0; i < n && fpr == NULL; i++) {
		len = k[i].fpr != NULL ? strlen(k[i].fpr) : 0;
		if (len >= 16 && k[i].can_encrypt && !k[i].revoked &&
		    !k[i].expired)
			fpr = xstrdup(k[i].fpr + len - 16);
	}
	crypto_keys_free(k, n);
	return fpr;
}

int
compose_keydist_att(const struct compose_msg *m, const struct crypto_ctx *c,
    const char *from, struct compose_attachment *a, struct cachet_err *err)
{
	const char *who = m->own_pgp.encrypt[0] != '\0' ? m->own_pgp.encrypt :
	    from;
	char *fpr;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = export_own(m, c, from, false, &a->data, &a->len,
	    err)) != 0) {
		cachet_err_prefix(err, "cannot attach your public key");
		return rc;
	}
	fpr = fpr_of(c->openpgp, who);
	a->name = xasprintf("OpenPGP_0x%s.asc", fpr != NULL ? fpr : "key");
	a->type = xstrdup("application/pgp-keys");
	free(fpr);
	return 0;
}

void
compose_keydist_att_release(struct compose_attachment *a)
{
	free(a->name);
	free(a->type);
	free(a->data);
	memset(a, 0, sizeof(*a));
}

/* ------------------------------------------------------- packets */

/*
 * The packet at key[at..len): its tag, where its body starts and where
 * the next packet starts. -1 for anything malformed or with partial
 * lengths (never used in keys).
 */
static int
packet_next(const unsigned char *p, size_t len, size_t at, int *tag,
    size_t *body, size_t *next)
{
	size_t hl, bl, rest = len - at;
	unsigned b;

	if (rest < 2 || !(p[at] & 0x80))
		return -1;
	b = p[at];
	if (b & 0x40) {		/* new format */
		*tag = (int)(b & 0x3f);
		if (p[at + 1] < 192) {
			hl = 2;
			bl = p[at + 1];
		} else if (p[at + 1] < 224 && rest >= 3) {
			hl = 3;
			bl = ((size_t)(p[at + 1] - 192) << 8) + p[at + 2] + 192;
		} else if (p[at + 1] == 255 && rest >= 6) {
			hl = 6;
			bl = ((size_t)p[at + 2] << 24) | ((size_t)p[at + 3] <<
			    16) | ((size_t)p[at + 4] << 8) | p[at + 5];
		} else
			return -1;
	} else {		/* old format */
		*tag = (int)((b >> 2) & 0x0f);
		switch (b & 3) {
		case 0:
			hl = 2;
			bl = p[at + 1];
			break;
		case 1:
			if (rest < 3)
				return -1;
			hl = 3;
			bl = ((size_t)p[at + 1] << 8) | p[at + 2];
			break;
		case 2:
			if (rest < 5)
				return -1;
			hl = 5;
			bl = ((size_t)p[at + 1] << 24) | ((size_t)p[at + 2] <<
			    16) | ((size_t)p[at + 3] << 8) | p[at + 4];
			break;
		default:
			return -1;
		}
	}
	if (hl > rest || bl > rest - hl)
		return -1;
	*body = at + hl;
	*next = at + hl + bl;
	return 0;
}

/* Does the user ID text carry addr (as "<addr>" or alone)? */
static bool
uid_has(const char *uid, size_t n, const char *addr)
{
	size_t al = strlen(addr), i;

	if (n > UID_MAX || al == 0)
		return false;
	if (n == al && strncasecmp(uid, addr, al) == 0)
		return true;
	for (i = 0; i + al + 2 <= n; i++)
		if (uid[i] == '<' && uid[i + al + 1] == '>' &&
		    strncasecmp(uid + i + 1, addr, al) == 0)
			return true;
	return false;
}

int
compose_keydist_filter_uids(const char *key, size_t len, const char *addr,
    struct buf *out)
{
	const unsigned char *p = (const unsigned char *)key;
	struct buf b = BUF_INIT;
	size_t at = 0, body, next, kept = 0;
	bool keep = true;
	int tag;

	if (key == NULL || addr == NULL)
		return -1;
	while (at < len) {
		if (packet_next(p, len, at, &tag, &body, &next) != 0) {
			buf_release(&b);
			return -1;
		}
		if (tag == PKT_UID) {
			keep = kept == 0 && uid_has(key + body, next - body,
			    addr);
			kept += keep;
		} else if (tag == PKT_UATTR)
			keep = false;
		else if (tag != 2)	/* not a signature: a key or subkey */
			keep = true;
		if (keep)
			buf_add(&b, key + at, next - at);
		at = next;
	}
	if (kept == 0) {
		buf_release(&b);
		return -1;
	}
	*out = b;
	return 0;
}

/* ------------------------------------------------------ Autocrypt */

static void
base64_plain(struct buf *b, const char *s, size_t len)
{
	MMAPString *m = mmap_string_new("");
	int col = 0;
	size_t i;

	if (m == NULL)
		abort();
	mailmime_base64_write_mem(m, &col, s, len);
	for (i = 0; i < m->len; i++)
		if (m->str[i] != '\r' && m->str[i] != '\n')
			buf_addc(b, m->str[i]);
	mmap_string_free(m);
}

/* Append word, after a fold when the line would grow too long. */
static void
fold_add(struct buf *h, size_t *col, const char *w, size_t n)
{
	if (*col + 1 + n > COMPOSE_AUTOCRYPT_COLS) {
		buf_adds(h, "\r\n");
		*col = 0;
	}
	buf_addc(h, ' ');
	buf_add(h, w, n);
	*col += 1 + n;
}

/* Has the address only characters an Autocrypt attribute may carry? */
static bool
addr_ok(const char *a)
{
	for (; *a != '\0'; a++)
		if ((unsigned char)*a <= ' ' || (unsigned char)*a >= 0x7f ||
		    *a == ';' || *a == '=' || *a == '"')
			return false;
	return true;
}

char *
compose_autocrypt_header(const struct compose_msg *m,
    const struct crypto_ctx *c, const char *from)
{
	struct buf h = BUF_INIT, kd = BUF_INIT, cut = BUF_INIT;
	char *key = NULL, *w;
	size_t klen = 0, col, i, n;

	if (util_str_empty(from) || !addr_ok(from) ||
	    export_own(m, c, from, true, &key, &klen, NULL) != 0)
		return NULL;
	if (compose_keydist_filter_uids(key, klen, from, &cut) == 0)
		base64_plain(&kd, cut.data, cut.len);
	else
		base64_plain(&kd, key, klen);
	buf_release(&cut);
	free(key);
	buf_adds(&h, "Autocrypt:");
	col = strlen("Autocrypt:");
	w = xasprintf("addr=%s;", from);
	fold_add(&h, &col, w, strlen(w));
	free(w);
	if (m->autocrypt_mutual)
		fold_add(&h, &col, "prefer-encrypt=mutual;", 22);
	fold_add(&h, &col, "keydata=", 8);
	/* The key on lines of its own, as in the specification's example. */
	for (i = 0; i < kd.len; i += n) {
		n = kd.len - i < COMPOSE_AUTOCRYPT_COLS - 2 ? kd.len - i :
		    COMPOSE_AUTOCRYPT_COLS - 2;
		buf_adds(&h, "\r\n ");
		buf_add(&h, kd.data + i, n);
	}
	buf_adds(&h, "\r\n");
	buf_release(&kd);
	return buf_detach(&h, NULL);
}
