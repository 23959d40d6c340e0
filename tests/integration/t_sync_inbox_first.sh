# A store that knows INBOX syncs it before reading the folder list (a
# server may re-read a mailbox it has just listed when it is selected
# next; Dovecot with Maildir does, 0.1 s at 100,000 messages), and the
# list still brings everything else: a folder made on the server since
# the last sync is synced in the same run, one deleted there leaves the
# store, and INBOX is synced once, not twice. The protocol log shows the
# order.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"

u=$(new_user inboxfirst)
pw=$(password_of "$u")
imapctl gen "$u" "$pw" INBOX 20 --seed 5
imapctl gen "$u" "$pw" Old 3 --seed 6
write_config "$T/cfg" acct "$u"

# First sync: nothing known yet, so the list comes first.
CACHET_IMAP_TRACE=$T/trace.1 sync_ok "$T/cfg"
grep '^C: [0-9]* \(LIST\|SELECT\)' "$T/trace.1" | head -n 1 >"$T/first.1"
assert_contains "$T/first.1" "LIST"
assert_in_step "$u" acct INBOX bodies
assert_in_step "$u" acct Old bodies

# Meanwhile on the server: new mail, a new folder, a folder gone.
imapctl gen "$u" "$pw" INBOX 4 --seed 7
imapctl gen "$u" "$pw" Fresh 2 --seed 8
imapctl delete-mailbox "$u" "$pw" Old

CACHET_IMAP_TRACE=$T/trace.2 sync_ok "$T/cfg"
grep '^C: [0-9]* \(LIST\|SELECT\|EXAMINE\)' "$T/trace.2" >"$T/order.2"
head -n 1 "$T/order.2" >"$T/first.2"
assert_contains "$T/first.2" "SELECT INBOX"
sed -n 2p "$T/order.2" >"$T/second.2"
assert_contains "$T/second.2" "LIST"
assert_eq "$(grep -c 'SELECT INBOX' "$T/order.2")" 1 "SELECTs of INBOX"
assert_contains "$T/order.2" "SELECT Fresh"
assert_contains "$SYNC_ERR" "2 folders, 6 new"
assert_in_step "$u" acct INBOX bodies
assert_in_step "$u" acct Fresh bodies
"$PYTHON" - "$(store_of acct)/index.db" >"$T/folders" <<'PY'
import sqlite3, sys
for (name,) in sqlite3.connect(sys.argv[1]).execute("SELECT name FROM folders"):
    print(name)
PY
assert_contains "$T/folders" "Fresh"
assert_not_contains "$T/folders" "Old"
exit 0
