# Thread order while mail comes and goes: the UI is open in thread view
# with a thread collapsed and the cursor on a message; new messages reach
# the server (a reply into the open thread, a reply into the collapsed
# one, a new thread) and the UI's own background sync brings them in.
# The tree is rebuilt in the background: the new messages show in their
# places, the cursor stays on its message, the collapsed thread stays
# collapsed with its new count. Then a delete in the UI and an expunge
# by another client on the server take messages out of the tree.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"
. "$top/tests/lib/tmux.sh"
. "$top/tests/lib/threadmail.sh"
on_exit() { ui_stop; }

u=$(new_user threadslive)
pw=$(password_of "$u")
mk "$T/a.eml" "Trip plan" "Mon, 02 Nov 2026 10:00:00 +0000" a@t.test "" "" \
    "Where shall we go?"
mk "$T/b.eml" "Bob replies" "Mon, 02 Nov 2026 11:00:00 +0000" b@t.test \
    a@t.test "<a@t.test>" "The sea."
mk "$T/g.eml" "Garden party" "Tue, 03 Nov 2026 09:00:00 +0000" g@t.test \
    "" "" "Bring chairs."
mk "$T/h.eml" "Garden reply" "Tue, 03 Nov 2026 10:00:00 +0000" h@t.test \
    g@t.test "<g@t.test>" "I will."
mk "$T/l.eml" "Lone note" "Sun, 01 Nov 2026 09:00:00 +0000" l@t.test \
    "" "" "Alone."
imapctl append "$u" "$pw" INBOX "$T/l.eml" "$T/a.eml" "$T/b.eml" \
    "$T/g.eml" "$T/h.eml"
write_config "$T/cfg" work "$u"
sync_ok "$T/cfg"

# Line number of the first screen line holding a fixed string.
line_of() {	# string
	ui_screen | grep -n -F -e "$1" | head -1 | cut -d: -f1
}
# Wait until the screen no longer shows STRING, up to ~10 s.
ui_wait_gone() {	# string
	i=0
	while ui_screen | grep -F -q -e "$1"; do
		i=$((i + 1))
		[ $i -lt 100 ] ||
		    { ui_screen >&2; fail "screen still shows '$1'"; }
		sleep 0.1
	done
}
# The rows given, each on the line after the one before.
in_order() {	# string...
	prev=0
	for s in "$@"; do
		l=$(line_of "$s")
		[ -n "$l" ] && [ "$l" -gt "$prev" ] ||
		    { ui_screen >&2; fail "'$s' is not after line $prev"; }
		[ "$prev" -eq 0 ] || [ "$l" -eq $((prev + 1)) ] ||
		    { ui_screen >&2; fail "'$s' not right after line $prev"; }
		prev=$l
	done
}

# Online: the UI's sync waits on INBOX (IDLE) and fetches what comes.
ui_start -c "$T/cfg"
ui_wait "Lone note"
ui_wait "up to date"
ui_keys t
ui_wait "sort:thread"
ui_wait "└─>Garden reply"
# Newest activity first: Garden, Trip, Lone.
in_order "Garden party" "Garden reply" "Trip plan" "└─>Bob replies" \
    "Lone note"
# Collapse Garden, then rest on the last row, Lone note.
ui_keys g z
ui_wait "[2] Garden party"
ui_keys G
ui_wait "4/4"

# New mail on the server: Carol answers Bob (the Trip thread moves up
# to Garden's place), a third Garden message (collapsed, it counts one
# more), and a new thread, the newest of all.
mk "$T/c.eml" "Carol answers Bob" "Wed, 04 Nov 2026 12:00:00 +0000" \
    c@t.test b@t.test "<a@t.test> <b@t.test>" "Carol writes here."
mk "$T/i.eml" "Garden more" "Tue, 03 Nov 2026 11:00:00 +0000" i@t.test \
    h@t.test "<g@t.test> <h@t.test>" "And a table."
mk "$T/n.eml" "New topic" "Thu, 05 Nov 2026 09:00:00 +0000" n@t.test \
    "" "" "Something else."
imapctl append "$u" "$pw" INBOX "$T/c.eml" "$T/i.eml" "$T/n.eml"
ui_wait "New topic"
ui_wait "[3] Garden party"
ui_wait "  └─>Carol answers Bob"
in_order "New topic" "Trip plan" "└─>Bob replies" "  └─>Carol answers Bob" \
    "[3] Garden party" "Lone note"
ui_absent "Garden reply"
ui_absent "Garden more"
ui_absent "threading"
# The cursor stayed on Lone note, now the sixth of six rows.
ui_wait "6/6"
ui_keys Enter
ui_wait "Alone."
ui_keys q
ui_wait "6/6"

# Delete Carol's message here: it leaves the tree, the Trip thread goes
# back below Garden, and the cursor stays on the fourth row, now Bob's.
ui_keys k k
ui_wait "4/6"
ui_keys d
ui_wait "deleted (queued for sync)"
ui_wait_gone "Carol answers Bob"
ui_wait "4/5"
in_order "New topic" "[3] Garden party" "Trip plan" "└─>Bob replies" \
    "Lone note"
ui_keys Enter
ui_wait "The sea."
ui_keys q
# Another client expunges New topic (UID 8) on the server; the sync
# takes it out of the store and the tree follows, the cursor still on
# Bob's reply, one row up.
ui_wait "4/5"
imapctl expunge "$u" "$pw" INBOX 8
ui_wait_gone "New topic"
ui_wait "3/4"
ui_absent "no longer in the store"
in_order "[3] Garden party" "Trip plan" "└─>Bob replies" "Lone note"
ui_keys Enter
ui_wait "The sea."
ui_keys q
# Expanding Garden shows its three messages in order.
ui_keys g
ui_wait "1/4"
ui_keys z
ui_wait "└─>Garden more"
ui_absent "[3] Garden party"
in_order "Garden party" "└─>Garden reply" "  └─>Garden more" "Trip plan"
ui_wait "1/6"
ui_keys Q
ui_wait "EXITED 0"
