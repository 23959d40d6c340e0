# `cachet search`: the local index finds what the store holds; --server
# asks the server, which also sees bodies a headers-only sync did not
# fetch; a word in nobody's mail finds nothing (exit 1); UTF-8 and
# characters special to IMAP travel safely.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"

u=$(new_user search)
pw=$(password_of "$u")
mk() {	# file subject body
	printf 'From: A <a@example.test>\r\nTo: %s@example.test\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n' \
	    "$u" "$2" "$(basename "$1")" "$3" >"$1"
}
mk "$T/m1" "quarterly report" "the zanzibar figures are in"
mk "$T/m2" "lunch" "Grüße aus Köln, bring \"quotes\" and a backslash \\"
mk "$T/m3" "misc" "nothing to see"
imapctl append "$u" "$pw" INBOX "$T/m1" "$T/m2" "$T/m3"
write_config "$T/cfg" work "$u" "sync=headers"
sync_ok "$T/cfg"

# Headers only: the local index knows subjects, not bodies.
"$CACHET" -c "$T/cfg" search quarterly >"$T/out" 2>"$T/err" ||
    fail "local search of a subject word"
assert_contains "$T/out" "quarterly report"
rc=0
"$CACHET" -c "$T/cfg" search zanzibar >"$T/out" 2>"$T/err" || rc=$?
assert_eq "$rc" 1 "local search of a body word not fetched"

# The server sees the body.
"$CACHET" -c "$T/cfg" search --server zanzibar >"$T/out" 2>"$T/err" || {
	cat "$T/err" >&2
	fail "server search"
}
assert_contains "$T/out" "quarterly report"
assert_eq "$(wc -l <"$T/out" | tr -d ' ')" 1 "server matches"
"$CACHET" -c "$T/cfg" search --server "Köln" >"$T/out" 2>"$T/err" ||
    fail "server search, UTF-8"
assert_contains "$T/out" "lunch"
"$CACHET" -c "$T/cfg" search --server '"quotes" and' >"$T/out" \
    2>"$T/err" || fail "server search with quotes"
assert_contains "$T/out" "lunch"
rc=0
"$CACHET" -c "$T/cfg" search --server nosuchwordanywhere >"$T/out" \
    2>"$T/err" || rc=$?
assert_eq "$rc" 1 "server search without matches"

# A message on the server that is not synced yet is counted, not shown.
mk "$T/m4" "late" "zanzibar again"
imapctl append "$u" "$pw" INBOX "$T/m4"
"$CACHET" -c "$T/cfg" search --server zanzibar >"$T/out" 2>"$T/err" ||
    fail "server search with an unsynced match"
assert_contains "$T/err" "1 more on the server, not synced yet"
exit 0
