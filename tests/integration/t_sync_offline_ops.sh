# Offline flag change and delete, then sync: the server shows them. A
# change queued for a message another client expunged meanwhile is dropped
# (the server wins).
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"

u=$(new_user ops)
pw=$(password_of "$u")
imapctl gen "$u" "$pw" INBOX 20 --seed 7
imapctl create "$u" "$pw" Archive
write_config "$T/cfg" work "$u"
sync_ok "$T/cfg"

st=$(store_of work)
"$TOOLS/storeop" "$st" INBOX flag 2 +F +S
"$TOOLS/storeop" "$st" INBOX flag 3 -S
"$TOOLS/storeop" "$st" INBOX delete 4
"$TOOLS/storeop" "$st" INBOX move 5 Archive
"$TOOLS/storeop" "$st" INBOX flag 9 +F
imapctl expunge "$u" "$pw" INBOX 9	# conflict: gone on the server
[ "$(storectl ops "$st" | wc -l)" -eq 5 ] || fail "5 operations queued"

sync_ok "$T/cfg"
assert_contains "$SYNC_ERR" "5 queued changes sent"
imapctl dump "$u" "$pw" INBOX "$T/d1" >"$T/flags"
grep -q '^2 .*\\Flagged' "$T/flags" || fail "uid 2 not flagged on server"
grep -q '^2 .*\\Seen' "$T/flags" || fail "uid 2 not seen on server"
grep -q '^3 .*\\Seen' "$T/flags" && fail "uid 3 still seen on server"
grep -q '^4\b' "$T/flags" && fail "uid 4 still on server"
grep -q '^5\b' "$T/flags" && fail "uid 5 still in INBOX"
grep -q '^9\b' "$T/flags" && fail "uid 9 came back"
[ "$(imapctl uids "$u" "$pw" Archive | wc -l)" -eq 1 ] ||
    fail "moved message not in Archive"
assert_eq "$(storectl ops "$st" | wc -l | tr -d ' ')" 0 "queue empty"
assert_in_step "$u" work INBOX bodies
assert_in_step "$u" work Archive bodies
