/*
 * compose/msg: the message being written (struct compose_msg) and the
 * parts the MIME builder hands to the securing step: initialising,
 * releasing, adding attachments. Runs on any thread.
 */
#include "compose_int.h"

#include <stdlib.h>
#include <string.h>

void
compose_msg_init(struct compose_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->encrypt_to_self = true;
}

static void
attachment_release(struct compose_attachment *a)
{
	free(a->path);
	free(a->name);
	free(a->type);
	if (a->data != NULL) {
		/* A forwarded message may be decrypted content. */
		explicit_bzero(a->data, a->len);
		free(a->data);
	}
}

void
compose_msg_release(struct compose_msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->from);
	free(m->to);
	free(m->cc);
	free(m->bcc);
	free(m->subject);
	free(m->in_reply_to);
	free(m->references);
	util_free_secret(m->body);
	for (i = 0; i < m->natts; i++)
		attachment_release(&m->atts[i]);
	free(m->atts);
	free(m->sign_key);
	free(m->enc_self_key);
	for (i = 0; i < m->nkeys; i++) {
		free(m->keys[i].addr);
		free(m->keys[i].fpr);
	}
	free(m->keys);
	compose_msg_init(m);
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

void
compose_msg_attach_file(struct compose_msg *m, const char *path,
    const char *name, const char *type)
{
	struct compose_attachment *a;

	if (m == NULL || path == NULL)
		return;
	m->atts = xreallocarray(m->atts, m->natts + 1, sizeof(*m->atts));
	a = &m->atts[m->natts++];
	memset(a, 0, sizeof(*a));
	a->path = xstrdup(path);
	a->name = xstrdup(name != NULL ? name : base_name(path));
	a->type = type != NULL ? xstrdup(type) : NULL;
}

void
compose_parts_release(struct compose_parts *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->headers);
	if (p->entity != NULL) {
		explicit_bzero(p->entity, p->entity_len);
		free(p->entity);
	}
	free(p->env_from);
	for (i = 0; i < p->nrcpts; i++)
		free(p->rcpts[i]);
	free(p->rcpts);
	free(p->message_id);
	memset(p, 0, sizeof(*p));
}
