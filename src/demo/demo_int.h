/*
 * demo_int: helpers shared by the files of the demo module.
 */
#ifndef CACHET_DEMO_INT_H
#define CACHET_DEMO_INT_H

#include "util/util.h"

/*
 * Run argv[0] (looked up in PATH, no shell) with standard input from
 * stdin_path (NULL: /dev/null), standard output discarded and standard
 * error appended to log (NULL: discarded), and wait for it. Fails with
 * CACHET_E_CMD unless it exits with status 0; the message then holds the
 * last line the command wrote to the log.
 */
int demo_run(const char *const argv[], const char *stdin_path,
    const char *log, struct cachet_err *err);

/*
 * Create the GnuPG home `home` (mode 0700) and import the demo keys found
 * in keydir: OpenPGP keys and owner trust with gpg, the demo CA, Alice's
 * certificate and the demo user's PKCS#12 with gpgsm. Writes gpg.conf and
 * gpgsm.conf so that neither ever looks keys up on the network, and
 * trustlist.txt so that the demo CA is trusted. Command output goes to log.
 */
int demo_gnupg_setup(const char *home, const char *keydir, const char *log,
    struct cachet_err *err);

/* Stop every GnuPG daemon serving home; quiet, best effort. */
void demo_gnupg_stop(const char *home);

#endif
