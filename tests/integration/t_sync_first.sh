# First sync of a folder with 1,000 messages: every message is in the
# Maildir byte for byte as on the server and every row in the database.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"

u=$(new_user first)
imapctl gen "$u" "$(password_of "$u")" INBOX 1000 --seed 1
imapctl create "$u" "$(password_of "$u")" "Old Lists"
imapctl gen "$u" "$(password_of "$u")" "Old Lists" 20 --seed 2
write_config "$T/cfg" work "$u"

sync_ok "$T/cfg"
assert_contains "$SYNC_ERR" "1020 new"
assert_eq "$(storectl count "$(store_of work)" INBOX)" 1000 "rows in INBOX"
assert_in_step "$u" work INBOX bodies
assert_in_step "$u" work "Old Lists" bodies

# A second sync with nothing changed adds nothing.
sync_ok "$T/cfg"
assert_contains "$SYNC_ERR" "0 new, 0 expunged, 0 flags changed"
assert_in_step "$u" work INBOX bodies
