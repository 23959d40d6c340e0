# Message actions in the UI, offline, then replayed by sync: save an
# attachment (the bytes as sent; an existing file is never overwritten
# without a yes), move a message to another folder, delete one and undo
# the delete; after `cachet sync` the server has the move and not the
# delete.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"
. "$top/tests/lib/tmux.sh"
on_exit() { ui_stop; }

u=$(new_user actions)
pw=$(password_of "$u")

# The attachment: bytes that are not text, base64 in the message.
printf 'PNG\211\000\001\002\377 attachment bytes\r\n\033[31m\n' >"$T/orig.bin"
b64=$("$PYTHON" -c 'import base64,sys
print(base64.encodebytes(open(sys.argv[1],"rb").read()).decode(),end="")' \
    "$T/orig.bin")
msg() {	# n subject day [extra body]
	printf 'From: Sender %s <s%s@example.test>\nTo: actions@example.test\n' \
	    "$1" "$1"
	printf 'Subject: %s\nDate: Mon, %02d Nov 2026 10:00:00 +0000\n' "$2" "$3"
	printf 'Message-ID: <act%s@example.test>\n' "$1"
}
{ msg 1 "Alpha plain" 2; printf '\nfirst body\n'; } >"$T/m1.eml"
{
	msg 2 "Bravo attached" 3
	printf 'MIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="BB"\n\n'
	printf -- '--BB\nContent-Type: text/plain; charset=UTF-8\n\n'
	printf 'see the file\n\n--BB\n'
	printf 'Content-Type: application/octet-stream; name="report.bin"\n'
	printf 'Content-Disposition: attachment; filename="report.bin"\n'
	printf 'Content-Transfer-Encoding: base64\n\n%s\n--BB--\n' "$b64"
} >"$T/m2.eml"
{ msg 3 "Charlie third" 4; printf '\nthird body\n'; } >"$T/m3.eml"
imapctl append "$u" "$pw" INBOX "$T/m1.eml" "$T/m2.eml" "$T/m3.eml"
imapctl create "$u" "$pw" Archive
write_config "$T/cfg" work "$u"
sync_ok "$T/cfg"

mkdir -p "$T/home/Downloads" "$T/out"
HOME=$T/home
export HOME
ui_start -c "$T/cfg" --offline
ui_wait "Charlie third"

# Save the attachment of "Bravo attached" (found by search, opened).
ui_keys /
ui_keys -l "Bravo"
ui_keys Enter
ui_wait "1 message matches"
ui_keys Enter
ui_wait "see the file"
ui_wait "report.bin"
ui_keys s
ui_wait "Save part [2] to: ~/Downloads/report.bin"
ui_keys C-u
ui_keys -l "$T/out/report.bin"
ui_keys Enter
ui_wait "saved "
cmp -s "$T/orig.bin" "$T/out/report.bin" ||
    fail "saved attachment differs from the bytes sent"

# Again to the same file: asked, "n" leaves it alone.
printf 'keep me\n' >"$T/out/report.bin"
ui_keys s
ui_wait "Save part [2] to:"
ui_keys C-u
ui_keys -l "$T/out/report.bin"
ui_keys Enter
ui_wait "overwrite? (y/n)"
ui_keys n
ui_wait "not saved"
assert_eq "$(cat "$T/out/report.bin")" "keep me" "file changed after n"
# And "y" replaces it with the attachment.
ui_keys s
ui_wait "Save part [2] to:"
ui_keys C-u
ui_keys -l "$T/out/report.bin"
ui_keys Enter
ui_wait "overwrite? (y/n)"
ui_keys y
ui_wait "saved "
cmp -s "$T/orig.bin" "$T/out/report.bin" || fail "overwrite after y failed"
ls "$T/out" | grep -v '^report.bin$' && fail "temporary file left behind"

# An unknown folder is refused; then move it to Archive.
ui_keys m
ui_wait "Move to folder:"
ui_keys -l "Nowhere"
ui_keys Enter
ui_wait "no folder named"
ui_keys m
ui_wait "Move to folder:"
ui_keys -l "Arch"
ui_keys Tab
ui_wait "Move to folder: Archive"
ui_keys Enter
ui_wait "moved to Archive (queued for sync)"

# Back in the folder: delete "Alpha plain", then undo it.
ui_keys Escape
ui_wait "Alpha plain"
ui_absent "Bravo attached"
ui_keys /
ui_keys -l "Alpha"
ui_keys Enter
ui_wait "1 message matches"
ui_keys d
ui_wait "deleted (queued for sync)"
ui_keys Escape
ui_wait "Charlie third"
ui_absent "Alpha plain"
ui_keys u
ui_wait "undone"
ui_wait "Alpha plain"
ui_keys u
ui_wait "nothing to undo"
ui_keys Q
ui_wait "EXITED 0"
ui_stop

sync_ok "$T/cfg"
imapctl dump "$u" "$pw" Archive "$T/arch" >/dev/null
grep -l "Subject: Bravo attached" "$T/arch"/*.eml >/dev/null 2>&1 ||
    fail "moved message not in Archive on the server"
imapctl dump "$u" "$pw" INBOX "$T/inbox" >"$T/inbox.flags"
grep -l "Subject: Alpha plain" "$T/inbox"/*.eml >/dev/null 2>&1 ||
    fail "undone delete happened on the server"
grep -l "Subject: Bravo attached" "$T/inbox"/*.eml >/dev/null 2>&1 &&
    fail "moved message still in INBOX on the server"
grep -q Deleted "$T/inbox.flags" && fail "a message is marked \\Deleted"
assert_eq "$(wc -l <"$T/inbox.flags" | tr -d ' ')" 2 "INBOX count"
