/*
 * storeop: queue an offline change in a store through the same public API
 * the UI uses (store_op_add), for the integration tests.
 *
 *   storeop DIR FOLDER flag UID [+F|-F|+S|-S|+A|-A]...
 *   storeop DIR FOLDER delete UID
 *   storeop DIR FOLDER move UID DEST
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static uint32_t
letter(char c)
{
	switch (c) {
	case 'S':
		return STORE_F_SEEN;
	case 'F':
		return STORE_F_FLAGGED;
	case 'A':
		return STORE_F_ANSWERED;
	case 'D':
		return STORE_F_DRAFT;
	}
	fprintf(stderr, "storeop: unknown flag %c\n", c);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct cachet_err err = {0};
	struct store_folder f = {0};
	struct store_op op = {0};
	struct store *st = NULL;
	int i, r;

	if (argc < 5) {
		fputs("usage: storeop DIR FOLDER flag|delete|move UID ...\n",
		    stderr);
		return 2;
	}
	if (store_open(&st, argv[1], &err) != 0 ||
	    store_folder_get(st, argv[2], &f, &err) != 0) {
		fprintf(stderr, "storeop: %s\n", err.msg);
		return 1;
	}
	op.folder_id = f.id;
	op.uid = (uint32_t)strtoul(argv[4], NULL, 10);
	if (strcmp(argv[3], "flag") == 0) {
		op.kind = STORE_OP_FLAGS;
		for (i = 5; i < argc; i++) {
			if (argv[i][0] == '+')
				op.flags_add |= letter(argv[i][1]);
			else
				op.flags_del |= letter(argv[i][1]);
		}
	} else if (strcmp(argv[3], "delete") == 0) {
		op.kind = STORE_OP_DELETE;
	} else if (strcmp(argv[3], "move") == 0 && argc > 5) {
		op.kind = STORE_OP_MOVE;
		op.dest = argv[5];
	} else {
		fprintf(stderr, "storeop: bad command %s\n", argv[3]);
		return 2;
	}
	r = store_op_add(st, &op, NULL, &err);
	if (r != 0)
		fprintf(stderr, "storeop: %s\n", err.msg);
	store_folder_release(&f);
	store_close(st);
	return r ? 1 : 0;
}
