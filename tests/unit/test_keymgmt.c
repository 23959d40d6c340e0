/*
 * Unit tests for key management around the engines: the WKD hash
 * (z-base-32 of SHA-1, checked against GnuPG's gpg-wks-client and the
 * WKD specification's example), addresses a WKD look-up refuses before
 * any network, the key origin record (written, read back, damaged lines
 * skipped, hostile detail sanitised, a later import replacing an earlier
 * record), and the certificate scanner on junk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmd_int.h"
#include "crypto/crypto.h"

#define FPR_A "0123456789ABCDEF0123456789ABCDEF01234567"
#define FPR_B "89ABCDEF0123456789ABCDEF0123456789ABCDEF"

static char dir[64];

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/cachet-keymgmt.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	setenv("XDG_DATA_HOME", dir, 1);
	return 0;
}

static int
teardown(void **state)
{
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	unsetenv("XDG_DATA_HOME");
	return 0;
}

static void
test_wkd_hash(void **state)
{
	char h[33];

	cmd_wkd_hash("bob", 3, h);
	assert_string_equal(h, "jycbiujnsxs47xrkethgtj69xuunurok");
	cmd_wkd_hash("Joe.Doe", 7, h);
	assert_string_equal(h, "iy9q119eutrkn8s1mk4r39qejnbu3n5q");
	cmd_wkd_hash("JOE.DOE@ignored", 7, h);
	assert_string_equal(h, "iy9q119eutrkn8s1mk4r39qejnbu3n5q");
	cmd_wkd_hash("", 0, h);
	assert_int_equal(strlen(h), 32);
}

static void
test_wkd_bad_addresses(void **state)
{
	static const char *const bad[] = {
		"", "bob", "@example.test", "bob@", "a@b@c", "a b@example.test",
		"a/b@example.test", "a@exa mple.test", "a@example.test/x",
		"a@example.test?x", "a@exam_ple.test", "a%40b@example.test",
		"\x1b[7m@example.test",
	};
	struct cachet_err err = {0};
	char *data = (char *)1, *url = (char *)1, big[400];
	size_t i, len = 1;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cmd_wkd_fetch(bad[i], NULL, &data, &len, &url,
		    &err), CACHET_E_INVAL);
		assert_null(data);
		assert_null(url);
		assert_int_equal(len, 0);
	}
	assert_int_equal(cmd_wkd_fetch(NULL, NULL, &data, &len, &url, &err),
	    CACHET_E_INVAL);
	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(big) - 14, "@example.test", 14);
	assert_int_equal(cmd_wkd_fetch(big, NULL, &data, &len, &url, &err),
	    CACHET_E_INVAL);
}

static struct crypto_key *
two_keys(void)
{
	struct crypto_key *k = calloc(2, sizeof(*k));

	k[0].fpr = strdup(FPR_A);
	k[0].origin = strdup("keyring");
	k[1].fpr = strdup(FPR_B);
	k[1].origin = strdup("keyring");
	return k;
}

static char *
record_path(void)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/cachet/keyorigin", dir);
	return p;
}

static void
test_origin_record(void **state)
{
	const char *fprs[] = {"0123456789abcdef0123456789abcdef01234567"};
	struct cachet_err err = {0};
	struct crypto_key *k = two_keys();

	cmd_keyorigin_apply(NULL, 0);
	assert_int_equal(cmd_keyorigin_record(fprs, 1, "WKD",
	    "https://example.test/x", &err), 0);
	cmd_keyorigin_apply(k, 2);
	assert_non_null(strstr(k[0].origin, "WKD https://example.test/x "
	    "(imported "));
	assert_string_equal(k[1].origin, "keyring");
	crypto_keys_free(k, 2);

	/* A later import of the same key replaces the record. */
	assert_int_equal(cmd_keyorigin_record(fprs, 1, "attachment",
	    "<m@x>", &err), 0);
	k = two_keys();
	cmd_keyorigin_apply(k, 2);
	assert_non_null(strstr(k[0].origin, "attachment <m@x> "));
	crypto_keys_free(k, 2);

	/* Unknown origins and short fingerprints are not recorded. */
	assert_int_equal(cmd_keyorigin_record(fprs, 1, "keyserver", "",
	    &err), CACHET_E_INVAL);
	fprs[0] = "0123456789ABCDEF";
	assert_int_equal(cmd_keyorigin_record(fprs, 1, "file", "x", &err),
	    0);
}

static void
test_origin_tolerant(void **state)
{
	const char *fprs[] = {FPR_B};
	struct cachet_err err = {0};
	struct crypto_key *k;
	FILE *f;

	assert_int_equal(cmd_keyorigin_record(NULL, 0, "file", NULL, &err),
	    0);
	f = fopen(record_path(), "a");
	assert_non_null(f);
	fputs("garbage\n\t\t\t\n" FPR_A "\tWKD\tx\tnot-a-time\n"
	    FPR_A "\tkeyserver\tx\t1\n" FPR_A "\tfile\tx\t-5\n"
	    "0123\tfile\tx\t1\n" FPR_A "\tfile\tgood\t1700000000\n"
	    FPR_A "\tWKD\tsecond\t1700000000\n" FPR_B "\tfile\ttorn", f);
	fclose(f);
	k = two_keys();
	cmd_keyorigin_apply(k, 2);
	assert_string_equal(k[0].origin, "file good (imported 2023-11-14)");
	assert_string_equal(k[1].origin, "keyring");
	crypto_keys_free(k, 2);

	/* A hostile detail: no tab, newline or escape survives. */
	assert_int_equal(cmd_keyorigin_record(fprs, 1, "Autocrypt",
	    "<a\tb\nc\x1b[7m>", &err), 0);
	k = two_keys();
	cmd_keyorigin_apply(k, 2);
	assert_null(strchr(k[1].origin, '\t'));
	assert_null(strchr(k[1].origin, '\n'));
	assert_null(strchr(k[1].origin, '\x1b'));
	assert_string_equal(k[0].origin, "file good (imported 2023-11-14)");
	crypto_keys_free(k, 2);
}

static void
test_certscan_junk(void **state)
{
	struct crypto_key *k = (struct crypto_key *)1;
	size_t n = 1;

	assert_int_equal(cmd_certscan(NULL, 0, &k, &n), 0);
	assert_null(k);
	assert_int_equal(n, 0);
	assert_int_equal(cmd_certscan("", 0, &k, &n), 0);
	assert_int_equal(cmd_certscan("-----BEGIN CERTIFICATE-----\nxx\n"
	    "-----END CERTIFICATE-----\n", 56, &k, &n), 0);
	assert_int_equal(cmd_certscan("\x30\x82\xff\xff junk", 9, &k, &n), 0);
	assert_null(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wkd_hash),
		cmocka_unit_test(test_wkd_bad_addresses),
		cmocka_unit_test_setup_teardown(test_origin_record, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_origin_tolerant, setup,
		    teardown),
		cmocka_unit_test(test_certscan_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
