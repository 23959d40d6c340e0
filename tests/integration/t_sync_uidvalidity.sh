# UIDVALIDITY change: the folder is rebuilt and no stale message remains.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"

u=$(new_user uidv)
pw=$(password_of "$u")
imapctl gen "$u" "$pw" INBOX 30 --seed 5
write_config "$T/cfg" work "$u"
sync_ok "$T/cfg"
assert_in_step "$u" work INBOX bodies
old=$(storectl state "$(store_of work)" INBOX | cut -d ' ' -f 1)

# Same UIDs, new UIDVALIDITY, and the messages are now different ones.
imapctl expunge "$u" "$pw" INBOX $(imapctl uids "$u" "$pw" INBOX)
set_uidvalidity "$u" INBOX $((old + 1000))
imapctl gen "$u" "$pw" INBOX 12 --seed 6
sync_ok "$T/cfg"
assert_contains "$SYNC_ERR" "rebuilt"
new=$(storectl state "$(store_of work)" INBOX | cut -d ' ' -f 1)
assert_eq "$new" $((old + 1000)) "stored UIDVALIDITY"
assert_eq "$(storectl count "$(store_of work)" INBOX)" 12 "rows after rebuild"
assert_in_step "$u" work INBOX bodies
# No file of the old generation is left in the Maildir.
n=$(ls "$(store_of work)/mail/INBOX/cur" | wc -l)
assert_eq "$n" 12 "files in the Maildir"
