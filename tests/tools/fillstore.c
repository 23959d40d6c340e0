/*
 * fillstore: fill a folder of a store with N synthetic message headers
 * (no bodies) through the public store API, for the UI benchmark and the
 * UI tests that need a store without a server. Every fifth message starts
 * a thread; the four after it reply to it in a chain. Single-threaded.
 *
 *   fillstore DIR FOLDER N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

#define FILL_BATCH 5000
#define FILL_THREAD 5

static const char *const fill_names[] = {
	"Ada Lovelace <ada@example.test>", "Alan Turing <alan@example.test>",
	"Grace Hopper <grace@example.test>",
	"Edsger Dijkstra <ewd@example.test>",
	"Barbara Liskov <bl@example.test>", "Ken Thompson <ken@example.test>",
	"Frances Allen <fa@example.test>",
};

static int
fill_one(struct store *st, int64_t folder, uint32_t uid,
    struct cachet_err *err)
{
	struct store_msg m = {0};
	uint32_t root = uid - (uid - 1) % FILL_THREAD;
	char mid[64], irt[64], refs[64 * FILL_THREAD], subj[96];
	size_t nnames = sizeof(fill_names) / sizeof(fill_names[0]);
	uint32_t u;
	int rc;

	snprintf(mid, sizeof(mid), "m%u@fill.example.test", uid);
	snprintf(subj, sizeof(subj), "%sTopic %u of the synthetic folder",
	    uid == root ? "" : "Re: ", root);
	refs[0] = '\0';
	for (u = root; u < uid; u++) {
		size_t l = strlen(refs);

		snprintf(refs + l, sizeof(refs) - l, "%sm%u@fill.example.test",
		    l ? " " : "", u);
	}
	snprintf(irt, sizeof(irt), "m%u@fill.example.test", uid - 1);
	m.folder_id = folder;
	m.uid = uid;
	m.flags = (uid % 3 == 0) ? 0 : STORE_F_SEEN;
	m.date = 1700000000 + (int64_t)uid * 600;
	m.size = 2000 + uid % 20000;
	m.from = (char *)fill_names[uid % nnames];
	m.to = "reader@example.test";
	m.subject = subj;
	m.message_id = mid;
	m.in_reply_to = uid == root ? NULL : irt;
	m.references = uid == root ? NULL : refs;
	m.sec_verdict = -1;
	rc = store_msg_put(st, &m, NULL, err);
	return rc;
}

int
main(int argc, char **argv)
{
	struct cachet_err err = {0};
	struct store *st = NULL;
	int64_t folder;
	unsigned long n, uid;
	int rc = 1;

	if (argc != 4) {
		fputs("usage: fillstore DIR FOLDER N\n", stderr);
		return 2;
	}
	n = strtoul(argv[3], NULL, 10);
	if (store_open(&st, argv[1], &err) != 0 ||
	    store_folder_ensure(st, argv[2], '/', &folder, &err) != 0 ||
	    store_folder_set_state(st, folder, 1, (uint32_t)n + 1, 0,
	    &err) != 0)
		goto out;
	for (uid = 1; uid <= n; uid++) {
		if (uid % FILL_BATCH == 1 && store_begin(st, &err) != 0)
			goto out;
		if (fill_one(st, folder, (uint32_t)uid, &err) != 0) {
			store_rollback(st);
			goto out;
		}
		if ((uid % FILL_BATCH == 0 || uid == n) &&
		    store_commit(st, &err) != 0)
			goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "fillstore: %s\n", err.msg);
	store_close(st);
	return rc;
}
