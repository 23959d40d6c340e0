/*
 * thread_subject: the part of a subject that threads are joined by
 * ([ui] thread_subjects): without reply and forward prefixes ("Re:",
 * "Re[2]:", "Fwd:", "Aw:") and mailing list tags ("[list]").
 * Runs on whichever thread calls it; no global state.
 */
#include "model/model_int.h"

#include <string.h>
#include <strings.h>

/* Longest mailing list tag ("[name]") taken off a subject. */
#define THREAD_MAX_TAG_LEN 64

/*
 * After a mailing list's tag such as "[dev-list] ", or NULL when p does
 * not start with one (short, no nested brackets, not the whole subject).
 */
static const char *
list_tag_end(const char *p)
{
	const char *q;

	if (*p != '[')
		return NULL;
	for (q = p + 1; *q != '\0' && *q != ']' && *q != '[' &&
	    q - p <= THREAD_MAX_TAG_LEN; q++)
		;
	if (*q != ']' || q == p + 1 || q[1] == '\0')
		return NULL;
	return q + 1;
}

const char *
model_subject_base(const char *s, uint32_t *len)
{
	static const char *const pfx[] = {"re", "fwd", "fw", "aw"};
	const char *p = s ? s : "", *q;
	size_t i, l;
	bool again = true;

	while (again) {
		again = false;
		while (*p == ' ' || *p == '\t')
			p++;
		if ((q = list_tag_end(p)) != NULL) {
			p = q;
			again = true;
			continue;
		}
		for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
			l = strlen(pfx[i]);
			if (strncasecmp(p, pfx[i], l) != 0)
				continue;
			q = p + l;
			if (*q == '[' || *q == '(') {
				for (q++; *q >= '0' && *q <= '9'; q++)
					;
				if (*q == ']' || *q == ')')
					q++;
			}
			if (*q == ':') {
				p = q + 1;
				again = true;
				break;
			}
		}
	}
	l = strlen(p);
	while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\t'))
		l--;
	*len = l > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)l;
	return p;
}
