/*
 * smtpsend: submit one message file through smtp_submit, for the
 * integration tests.
 *
 *   smtpsend --host H --port P [--starttls] [--user U --pass-file F]
 *       [--oauth2] [--ca FILE] [--timeout N] --from ADDR --to ADDR
 *       [--to ADDR...] FILE
 *
 * With --oauth2 the first line of the pass file is an OAuth2 token.
 *
 * Prints "ok"/"temp"/"perm", the reply code and the server's last reply on
 * stdout, and err.msg on stderr when it failed. Exit status: 0 sent, 75
 * temporary failure, 1 permanent failure, 2 usage or local error. The
 * password never leaves the process except to the server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp.h"

#define MAX_RCPT 64

static void
usage(void)
{
	fputs("usage: smtpsend --host H --port P [--starttls] "
	    "[--user U --pass-file F] [--oauth2] [--ca FILE] [--timeout N] "
	    "--from ADDR --to ADDR [--to ADDR...] FILE\n", stderr);
	exit(2);
}

/* The first line of the file, as the password. */
static char *
read_secret(const char *path)
{
	struct cachet_err err = {0};
	char *data = NULL;
	size_t len = 0;

	if (util_read_file(path, &data, &len, &err) < 0) {
		fprintf(stderr, "smtpsend: %s\n", err.msg);
		exit(2);
	}
	data[strcspn(data, "\r\n")] = '\0';
	return data;
}

static const char *
next_arg(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		usage();
	return argv[++*i];
}

int
main(int argc, char **argv)
{
	struct smtp_server s = {.timeout = 30};
	struct smtp_result res;
	struct cachet_err err = {0};
	const char *rcpts[MAX_RCPT], *from = NULL, *file = NULL;
	const char *pass_file = NULL, *a;
	char *msg = NULL, *secret = NULL;
	size_t n = 0, len = 0;
	int i, r;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--host") == 0)
			s.host = next_arg(argc, argv, &i);
		else if (strcmp(a, "--port") == 0)
			s.port = atoi(next_arg(argc, argv, &i));
		else if (strcmp(a, "--starttls") == 0)
			s.starttls = true;
		else if (strcmp(a, "--oauth2") == 0)
			s.oauth2 = true;
		else if (strcmp(a, "--user") == 0)
			s.user = next_arg(argc, argv, &i);
		else if (strcmp(a, "--pass-file") == 0)
			pass_file = next_arg(argc, argv, &i);
		else if (strcmp(a, "--ca") == 0)
			s.ca_file = next_arg(argc, argv, &i);
		else if (strcmp(a, "--timeout") == 0)
			s.timeout = atoi(next_arg(argc, argv, &i));
		else if (strcmp(a, "--from") == 0)
			from = next_arg(argc, argv, &i);
		else if (strcmp(a, "--to") == 0) {
			if (n == MAX_RCPT)
				usage();
			rcpts[n++] = next_arg(argc, argv, &i);
		} else if (a[0] == '-' || file != NULL)
			usage();
		else
			file = a;
	}
	if (s.host == NULL || from == NULL || file == NULL || n == 0)
		usage();
	if (pass_file != NULL)
		s.secret = secret = read_secret(pass_file);
	if (util_read_file(file, &msg, &len, &err) < 0) {
		fprintf(stderr, "smtpsend: %s\n", err.msg);
		util_free_secret(secret);
		return 2;
	}
	r = smtp_submit(&s, from, rcpts, n, msg, len, &res, &err);
	util_free_secret(secret);
	free(msg);
	printf("%s %d %s\n", res.fail == SMTP_FAIL_NONE ? "ok" :
	    res.fail == SMTP_FAIL_TEMP ? "temp" : "perm", res.code, res.reply);
	if (r == 0)
		return 0;
	fprintf(stderr, "smtpsend: %s\n", err.msg);
	return res.fail == SMTP_FAIL_TEMP ? 75 : 1;
}
