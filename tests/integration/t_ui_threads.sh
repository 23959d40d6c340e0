# Thread order in the index over a store filled by a real sync: a thread
# of four messages (one reply nested under another) and two unrelated
# ones. `t` shows the tree, `z` collapses the thread to its root with a
# count and expands it again, and a reply opens in the pager.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"
. "$top/tests/lib/tmux.sh"
. "$top/tests/lib/threadmail.sh"
on_exit() { ui_stop; }

u=$(new_user threads)
pw=$(password_of "$u")
mk "$T/a.eml" "Trip plan" "Mon, 02 Nov 2026 10:00:00 +0000" a@t.test "" "" \
    "Where shall we go?"
mk "$T/b.eml" "Bob replies" "Mon, 02 Nov 2026 11:00:00 +0000" b@t.test \
    a@t.test "<a@t.test>" "The sea."
mk "$T/c.eml" "Carol answers Bob" "Mon, 02 Nov 2026 12:00:00 +0000" \
    c@t.test b@t.test "<a@t.test> <b@t.test>" "Carol writes the body here."
mk "$T/d.eml" "Dave replies" "Mon, 02 Nov 2026 13:00:00 +0000" d@t.test \
    a@t.test "<a@t.test>" "The hills."
mk "$T/n.eml" "Unrelated newer" "Tue, 03 Nov 2026 09:00:00 +0000" n@t.test \
    "" "" "Newer."
mk "$T/o.eml" "Unrelated older" "Sun, 01 Nov 2026 09:00:00 +0000" o@t.test \
    "" "" "Older."
# Replies before their parents on the server, to thread out of order.
imapctl append "$u" "$pw" INBOX "$T/c.eml" "$T/n.eml" "$T/d.eml" \
    "$T/a.eml" "$T/o.eml" "$T/b.eml"
# A second folder with a thread of its own, opened in thread order below.
mk "$T/l1.eml" "Later root" "Wed, 04 Nov 2026 09:00:00 +0000" l1@t.test \
    "" "" "Root."
mk "$T/l2.eml" "Later reply" "Wed, 04 Nov 2026 10:00:00 +0000" l2@t.test \
    l1@t.test "<l1@t.test>" "Reply."
imapctl create "$u" "$pw" Later
imapctl append "$u" "$pw" Later "$T/l2.eml" "$T/l1.eml"
write_config "$T/cfg" work "$u"
sync_ok "$T/cfg"

# Line number of the first screen line holding a fixed string.
line_of() {	# string
	ui_screen | grep -n -F -e "$1" | head -1 | cut -d: -f1
}

ui_start -c "$T/cfg" --offline
ui_wait "Unrelated older"
ui_keys t
ui_wait "sort:thread"
ui_wait "├─>Bob replies"
ui_wait "│ └─>Carol answers Bob"
ui_wait "└─>Dave replies"
ui_absent "─>Trip plan"
ln=$(line_of "Unrelated newer"); la=$(line_of "Trip plan")
lb=$(line_of "Bob replies"); lc=$(line_of "Carol answers")
ld=$(line_of "Dave replies"); lo=$(line_of "Unrelated older")
[ "$ln" -lt "$la" ] && [ "$la" -lt "$lb" ] && [ "$lb" -lt "$lc" ] &&
    [ "$lc" -lt "$ld" ] && [ "$ld" -lt "$lo" ] ||
    { ui_screen >&2; fail "thread rows out of order: $ln $la $lb $lc $ld $lo"; }
[ $((la + 1)) -eq "$lb" ] && [ $((lb + 1)) -eq "$lc" ] &&
    [ $((lc + 1)) -eq "$ld" ] || { ui_screen >&2; fail "thread not contiguous"; }

# Collapse from the root: one row with the count; expand again.
ui_keys j z
ui_wait "[4] Trip plan"
ui_absent "Bob replies"
ui_absent "Dave replies"
ui_wait "2/3"
ui_keys z
ui_wait "└─>Dave replies"
ui_absent "[4] Trip plan"
# All collapsed and expanded with Z.
ui_keys Z
ui_wait "[4] Trip plan"
ui_keys Z
ui_wait "│ └─>Carol answers Bob"

# Open the nested reply.
ui_keys j j Enter
ui_wait "Carol writes the body here."
ui_keys q
ui_wait "│ └─>Carol answers Bob"
# Back to the plain order and out.
ui_keys t
ui_wait "sort:date-desc"
ui_absent "─>Bob replies"

# The threads are built in the background, then shown on their own, with
# the cursor kept on its message: Carol is 3rd by date, 4th in the tree.
ui_keys g j j
ui_wait "3/6"
ui_keys t
ui_wait "sort:thread"
ui_wait "4/6"
ui_absent "threading"
ui_keys t
ui_wait "sort:date-desc"
# A second toggle while building goes back to the flat order and stays.
ui_keys t t
ui_wait "sort:date-desc"
sleep 0.5
ui_absent "sort:thread"
ui_absent "threading"
ui_keys t
ui_wait "sort:thread"
ui_wait "4/6"
# The next folder opens in thread order: its tree shows after a moment.
ui_keys Tab
ui_wait "└─>Later reply"
ui_wait "sort:thread"
ui_absent "threading"
ui_keys Q
ui_wait "EXITED 0"
