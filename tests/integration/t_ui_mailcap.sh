# Opening attachments with mailcap viewers from the pager (open-attachment,
# `o`): the viewer gets a file with exactly the decoded bytes, named by
# cachet in a private directory, and nothing of the message's file name
# ($(...), quotes, semicolons) reaches its command line; entries whose
# test= fails or that ask for a message parameter (%{...}) are passed
# over; copiousoutput shows the output in a view, needsterminal runs with
# the terminal, others in the background; the file is removed once the
# viewer is done; a type without an entry says so.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"
. "$top/tests/lib/tmux.sh"
on_exit() { ui_stop; }

u=$(new_user mailcap)
pw=$(password_of "$u")

printf 'BIN\000\001\002\377 bytes; $(x) `y`\r\n\033[31m\n' >"$T/bin.orig"
printf 'hello from the part\nsecond line\n' >"$T/text.orig"
b64() {
	"$PYTHON" -c 'import base64,sys
print(base64.encodebytes(open(sys.argv[1],"rb").read()).decode(),end="")' "$1"
}
msg() {	# n subject type filename-parameter file
	printf 'From: Sender <s%s@example.test>\nTo: %s@example.test\n' "$1" "$u"
	printf 'Subject: %s\nDate: Mon, 0%s Nov 2026 10:00:00 +0000\n' "$2" "$1"
	printf 'Message-ID: <mc%s@example.test>\nMIME-Version: 1.0\n' "$1"
	printf 'Content-Type: multipart/mixed; boundary="BB"\n\n'
	printf -- '--BB\nContent-Type: text/plain; charset=UTF-8\n\n'
	printf 'body of %s\n\n--BB\n' "$2"
	printf 'Content-Type: %s; name=%s; charset="x;$(touch %s/pwned2)"\n' \
	    "$3" "$4" "$T"
	printf 'Content-Disposition: attachment; filename=%s\n' "$4"
	printf 'Content-Transfer-Encoding: base64\n\n%s\n--BB--\n' "$(b64 "$5")"
}
evil="\"\$(touch $T/pwned)'q;r\`touch $T/pwned3\`.txt\""
msg 1 "Background viewer" application/x-cachet-bg "$evil" "$T/bin.orig" \
    >"$T/m1.eml"
msg 2 "Copious viewer" text/x-cachet-out '"notes.txt"' "$T/text.orig" \
    >"$T/m2.eml"
msg 3 "Terminal viewer" application/x-cachet-term '"run.bin"' \
    "$T/bin.orig" >"$T/m3.eml"
msg 4 "Nobody views" image/x-cachet-none '"pic.img"' "$T/bin.orig" \
    >"$T/m4.eml"
msg 5 "Wildcard viewer" video/x-cachet-any '"clip"' "$T/bin.orig" \
    >"$T/m5.eml"
imapctl append "$u" "$pw" INBOX "$T/m1.eml" "$T/m2.eml" "$T/m3.eml" \
    "$T/m4.eml" "$T/m5.eml"
write_config "$T/cfg" work "$u"
sync_ok "$T/cfg"

# The viewer: records its arguments, its file's bytes and directory mode.
cat >"$T/rec.sh" <<EOF
tag=\$1
shift
printf '%s\n' "\$@" >"$T/argv.\$tag.tmp"
[ -n "\${1:-}" ] && cp "\$1" "$T/got.\$tag" &&
    stat -c %a "\$(dirname "\$1")" >"$T/mode.\$tag"
[ "\$tag" = out ] && { printf 'VIEWER SAYS: '; cat "\$1"; }
mv "$T/argv.\$tag.tmp" "$T/argv.\$tag"
[ "\$tag" = bg ] && sleep 1
exit 0
EOF
cat >"$T/mailcap" <<EOF
# comments and continued lines
application/x-cachet-bg; sh $T/rec.sh never %s; test=false
application/x-cachet-bg; sh $T/rec.sh param %{charset} %s
application/x-cachet-bg; sh $T/rec.sh param %n %s
application/x-cachet-bg; \\
	sh $T/rec.sh bg %s
text/x-cachet-out; sh $T/rec.sh out %s; copiousoutput
application/x-cachet-term; sh $T/rec.sh term '%s' %t; needsterminal
video/*; sh $T/rec.sh wild %s
video/x-cachet-any; sh $T/rec.sh exact %s; test=test -n "\$HOME"
EOF
echo "nothing here; matches nothing" >"$T/mailcap.empty"
mkdir -p "$T/tmp"
CACHET_MAILCAP=$T/mailcap.empty:$T/nonexistent:$T/mailcap
TMPDIR=$T/tmp
export CACHET_MAILCAP TMPDIR

ui_start -c "$T/cfg" --offline
ui_wait "Wildcard viewer"

open_msg() {	# subject
	ui_keys /
	ui_keys -l "$1"
	ui_keys Enter
	ui_wait "1 message matches"
	ui_keys Enter
	ui_wait "body of $1"
}
wait_file() {	# path
	i=0
	while [ ! -e "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ] || { ui_screen >&2; fail "no $1"; }
}
# The argument is cachet's own path: private directory, safe characters.
check_path() {	# tag ext
	p=$(head -1 "$T/argv.$1")
	case $p in
	"$T/tmp/cachet-"??????"$2") ;;
	*) fail "$1: viewer got '$p'" ;;
	esac
	printf '%s' "$p" | grep -q '^[A-Za-z0-9._/-]*$' ||
	    fail "$1: unsafe characters in '$p'"
	assert_eq "$(cat "$T/mode.$1")" 700 "$1: directory mode"
}

# Background: the bytes as sent, nothing of the name on the command line.
open_msg "Background viewer"
ui_keys o
wait_file "$T/argv.bg"
ui_wait "opened application/x-cachet-bg in its viewer"
check_path bg /attachment.txt
assert_eq "$(wc -l <"$T/argv.bg" | tr -d ' ')" 1 "bg: one argument"
cmp "$T/bin.orig" "$T/got.bg" || fail "bg: the bytes differ"
for bad in pwned touch "'" ";" '`' '$('; do
	assert_not_contains "$T/argv.bg" "$bad"
done
[ ! -e "$T/argv.never" ] || fail "an entry whose test failed ran"
[ ! -e "$T/argv.param" ] || fail "an entry with %{charset} or %n ran"
# Removed once the viewer (which sleeps a second) has ended.
p=$(head -1 "$T/argv.bg")
i=0
while [ -e "$p" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ ! -e "$p" ] || fail "bg: the file outlived its viewer"
[ ! -e "$(dirname "$p")" ] || fail "bg: the directory outlived its viewer"
ui_keys q

# copiousoutput: the output in a view of its own, then back.
open_msg "Copious viewer"
ui_keys o
ui_wait "VIEWER SAYS: hello from the part"
ui_wait "second line"
ui_wait "viewer output"
check_path out /attachment.txt
cmp "$T/text.orig" "$T/got.out" || fail "out: the bytes differ"
ui_keys q
ui_wait "body of Copious viewer"
ui_keys q

# needsterminal: curses comes back after the viewer; %t is the type.
open_msg "Terminal viewer"
ui_keys o
wait_file "$T/argv.term"
ui_wait "viewed application/x-cachet-term"
ui_wait "body of Terminal viewer"
check_path term /attachment.bin
assert_eq "$(sed -n 2p "$T/argv.term")" application/x-cachet-term "%t"
cmp "$T/bin.orig" "$T/got.term" || fail "term: the bytes differ"
ui_keys q

# An exact type wins over a wildcard (test= passed).
open_msg "Wildcard viewer"
ui_keys o
wait_file "$T/argv.exact"
[ ! -e "$T/argv.wild" ] || fail "the wildcard won over the exact type"
check_path exact /attachment
ui_keys q

# No entry at all.
open_msg "Nobody views"
ui_keys o
ui_wait "no mailcap entry for image/x-cachet-none"
ui_keys q

ui_keys Q
ui_wait "EXITED 0"
for f in pwned pwned2 pwned3; do
	[ ! -e "$T/$f" ] || fail "message text ran as a command ($f)"
done
sleep 0.5
[ -z "$(ls -A "$T/tmp")" ] || { ls -lR "$T/tmp" >&2; fail "files left in TMPDIR"; }
exit 0
