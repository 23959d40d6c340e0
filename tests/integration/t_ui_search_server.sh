# Server search from the UI (search-server, `\`): in a headers-only store a
# body word is not in the local index, but the server finds it and the
# match shows as a virtual folder; a match the store does not hold yet is
# counted ("N more on the server, not synced yet"); offline, the UI says
# server search needs the network. Also [ui] thread_subjects: messages
# with the same subject and no References thread together only when it is
# on.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"
. "$top/tests/lib/tmux.sh"
on_exit() { ui_stop; }

u=$(new_user srvsearch)
pw=$(password_of "$u")
mk() {	# file subject day body
	printf 'From: A <a@example.test>\r\nTo: %s@example.test\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\nDate: Sat, %s Nov 2026 12:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' \
	    "$u" "$2" "$(basename "$1")" "$3" "$4" >"$1"
}
mk "$T/m1" "quarterly report" 21 "the zanzibar figures are in"
mk "$T/m2" "lunch plans" 22 "nothing to see"
mk "$T/m3" "Plans" 23 "first"
mk "$T/m4" "Re: [team] Plans" 24 "second, no references"
mk "$T/o1" "archived figures" 20 "more zanzibar here"
imapctl append "$u" "$pw" INBOX "$T/m1" "$T/m2" "$T/m3" "$T/m4"
imapctl create "$u" "$pw" Other
imapctl append "$u" "$pw" Other "$T/o1"
write_config "$T/cfg" work "$u" "sync=headers"
sync_ok "$T/cfg"

ui_start -c "$T/cfg"
ui_wait "quarterly report"
ui_wait "up to date"
# The UI's sync waits on INBOX (IDLE) after its first round, so a late
# message in Other stays unsynced for a while.
mk "$T/o2" "late arrival" 25 "zanzibar again"
imapctl append "$u" "$pw" Other "$T/o2"
# The local index has no bodies.
ui_keys /
ui_keys -l zanzibar
ui_keys Enter
ui_wait "0 messages match"
ui_keys Escape
ui_wait "lunch plans"
# The server has them.
ui_keys -l '\'
ui_wait "Search on server:"
ui_keys -l zanzibar
ui_keys Enter
ui_wait "1 message matches on the server"
ui_wait "search: server: zanzibar"
ui_wait "quarterly report"
ui_absent "lunch plans"
ui_absent "not synced yet"
ui_keys Escape
ui_wait "lunch plans"
# Other: one match stored, one only on the server.
ui_keys Tab
ui_wait "archived figures"
ui_keys -l '\'
ui_wait "Search on server:"
ui_keys -l zanzibar
ui_keys Enter
ui_wait "1 message matches on the server; 1 more on the server, not synced yet"
ui_wait "archived figures"
ui_keys Q
ui_wait "EXITED 0"
ui_stop

# Offline: no network, no server search.
ui_start -c "$T/cfg" --offline
ui_wait "quarterly report"
ui_keys -l '\'
ui_wait "offline: server search needs the network"
ui_absent "Search on server:"
ui_keys Q
ui_wait "EXITED 0"
ui_stop

# Threads by subject: off by default, on with [ui] thread_subjects = yes.
ui_start -c "$T/cfg" --offline
ui_wait "quarterly report"
ui_keys t
ui_wait "sort:thread"
ui_wait "Re: [team] Plans"
ui_absent "─>Re: [team] Plans"
ui_keys Q
ui_wait "EXITED 0"
ui_stop
cp "$T/cfg" "$T/cfg.subj"
printf '[ui]\nthread_subjects = yes\n' >>"$T/cfg.subj"
ui_start -c "$T/cfg.subj" --offline
ui_wait "quarterly report"
ui_keys t
ui_wait "sort:thread"
ui_wait "└─>Re: [team] Plans"
ui_keys Q
ui_wait "EXITED 0"
exit 0
