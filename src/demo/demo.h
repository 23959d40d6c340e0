/*
 * demo: the embedded demo account. Builds a throwaway offline store and a
 * throwaway GnuPG home from the sample mail and demo keys shipped in
 * src/demo/, so `cachet --demo` works with no server and never touches the
 * user's own keys or mail.
 */
#ifndef CACHET_DEMO_H
#define CACHET_DEMO_H

#include "util/util.h"

/*
 * Create DIR/store (an account store filled with the sample messages, in
 * folders INBOX and a few more) and DIR/gnupg (demo keys imported, demo CA
 * trusted, with gpgsm.conf disable-dirmngr), with DIR a new private
 * temporary directory. Sets GNUPGHOME to DIR/gnupg for this process.
 * *dir is owned by the caller; remove it with demo_cleanup.
 */
int demo_prepare(char **dir, struct cachet_err *err);

/* Stop the demo gpg-agent (gpgconf --kill all for that home) and remove
 * the directory. */
void demo_cleanup(const char *dir);

/* Directory holding the shipped sample mail and keys. */
const char *demo_data_dir(void);

#endif
