# The security status in the UI, with real gpg/gpgsm.
#
# On the demo account: the index's security column for a good signature,
# a bad one, a signer who is not the sender and encrypted mail, computed in
# the background without opening anything; the pager's banner for each, on
# its own rows above the message and in reverse video; the details view
# with fingerprints and the X.509 chain; and the demo's message with
# escape sequences and a fake banner, which stays in the message area in
# plain attributes.
#
# On a synced store, with messages made here with the demo keys: a message
# imitating the banner (same words, box drawing, reverse-video and line-
# drawing escapes); a partly signed message ("s"); one encrypted and
# signed with a protected subject ("SE", the inner subject shown with the
# UI's "protected" marker); an encrypted part inside a clear message ("e",
# opened on request with decrypt-nested); and one encrypted to a key we do
# not hold ("!", "DECRYPTION FAILED", nothing decrypted shown).
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/tmux.sh"
. "$top/tests/lib/gnupg.sh"
on_exit() {
	ui_stop
	gnupg_stop
}

# capture-pane -e into a file, for sec_attr.
ui_screen_e() {
	tmux_ capture-pane -p -e -t ui >"$1"
}

# The screen row (0-based) of the first line holding STRING, or -1.
row_of() {	# string
	ui_screen | awk -v s="$1" 'index($0, s) { print NR - 1; f = 1; exit }
	    END { if (!f) print -1 }'
}

# The two security cells of the index row showing SUBJECT (no sidebar:
# flags are columns 0-2, the security column 4-5).
sec_of() {	# subject
	ui_screen | awk -v s="$1" \
	    'index($0, s) { print "[" substr($0, 5, 2) "]"; exit }'
}

# Hide the sidebar and wait until the index starts at column 0: its first
# row begins with the flag and security columns.
hide_sidebar() {
	ui_keys b
	i=0
	while [ $i -lt 100 ]; do
		if ui_screen | head -n 1 |
		    grep -q '^[N r][ F][ D] [ ?!Ss][ Ee] '; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	ui_screen >&2
	fail "the index never showed without the sidebar"
}

# Wait until no index row is pending ("?") any more.
wait_sec_done() {
	i=0
	while [ $i -lt 100 ]; do
		if ! ui_screen | cut -c5 | grep -q '?'; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	ui_screen >&2
	fail "security statuses never computed"
}

# Attributes of capture-pane -e output, cell by cell: `sec_attr FILE
# reverse ROW TEXT` is true when every character of TEXT on that row is in
# reverse video, `... plain ROW TEXT` when none is reverse or line drawing,
# `... acs ROW` when the row holds line-drawing (alternate character set)
# cells, `... area FROM TO` when no cell of rows FROM..TO is reverse or
# line drawing; `... banner MAX` prints the row of the banner's rule (all
# line drawing, at most MAX) when every row above it is all reverse.
sec_attr() {	# file what row [text|to]
	"$PYTHON" - "$@" <<'PY'
import re, sys
path, what, row = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = sys.argv[4] if len(sys.argv) > 4 else ""
rows, rev, acs = [], False, False
tok = re.compile(r'\x1b\[([0-9;:]*)m|\x1b\([0B]|[\x0e\x0f]|\x1b.|.', re.S)
for line in open(path, encoding="utf-8", errors="replace").read().split("\n"):
    chars, flags = [], []
    for m in tok.finditer(line):
        t = m.group(0)
        if m.group(1) is not None:
            p = [int(x) if x.isdigit() else 0
                 for x in re.split("[;:]", m.group(1))] or [0]
            i = 0
            while i < len(p):
                if p[i] == 0:
                    rev = False
                elif p[i] == 7:
                    rev = True
                elif p[i] == 27:
                    rev = False
                elif p[i] in (38, 48, 58):
                    i += 2 if i + 1 < len(p) and p[i + 1] == 5 else 4
                i += 1
        elif t == "\x0e" or t == "\x1b(0":
            acs = True
        elif t == "\x0f" or t == "\x1b(B":
            acs = False
        elif not t.startswith("\x1b"):
            chars.append(t)
            flags.append((rev, acs))
    rows.append(("".join(chars), flags))
if what == "area":
    bad = [r for r in range(row, int(text) + 1) if r < len(rows) and
           any(a or b for a, b in rows[r][1])]
    if bad:
        print("rows with banner attributes: %s" % bad, file=sys.stderr)
    sys.exit(1 if bad else 0)
if what == "banner":
    # Rows 0..rule-1 all reverse, the rule (row <= ROW) line drawing.
    for r in range(0, row + 1):
        line, flags = rows[r] if r < len(rows) else ("", [])
        if flags and all(a for _, a in flags):
            print(r)
            sys.exit(0)
        if not flags or not all(v for v, _ in flags):
            print("row %d is neither banner text nor rule: %r" % (r, line),
                  file=sys.stderr)
            sys.exit(1)
    sys.exit(1)
line, flags = rows[row] if row < len(rows) else ("", [])
if what == "acs":
    sys.exit(0 if any(a for _, a in flags) else 1)
at = line.find(text)
if at < 0:
    print("row %d has no %r: %r" % (row, text, line), file=sys.stderr)
    sys.exit(2)
cells = flags[at:at + len(text)]
if what == "reverse":
    sys.exit(0 if all(r for r, _ in cells) else 1)
if what == "plain":
    sys.exit(0 if not any(r or a for r, a in cells) else 1)
sys.exit(2)
PY
}

# Back to the index (from the pager or the details view).
to_index() {
	ui_keys Escape
	ui_wait "sort:date-desc"
}

# Select the index row showing SUBJECT.
select_msg() {	# subject
	r=$(row_of "$1")
	[ "$r" -ge 0 ] || fail "no index row for '$1'"
	ui_keys g
	while [ "$r" -gt 0 ]; do
		ui_keys j
		r=$((r - 1))
	done
}

# Open the index row showing SUBJECT in the pager.
open_msg() {	# subject
	to_index
	select_msg "$1"
	ui_keys Enter
}

# The pager's banner: WORDS on row 0, its rows all in reverse video down
# to the rule (line drawing, row 1 to 4), the message's From line below.
# Sets RULE.
check_banner() {	# words
	ui_wait "$1"
	assert_eq "$(row_of "$1")" 0 "banner row of '$1'"
	ui_screen_e "$T/e"
	RULE=$(sec_attr "$T/e" banner 4) || fail "no banner rows for '$1'"
	sec_attr "$T/e" reverse 0 "$1" || fail "banner '$1' is not reverse"
	from=$(row_of "From: ")
	[ "$from" -gt "$RULE" ] || fail "From: on row $from, inside the banner"
}

ui_start --demo
ui_wait "Welcome to the cachet demo account"
hide_sidebar

# Index: computed in the background, nothing opened yet.
wait_sec_done
assert_eq "$(sec_of 'Key signing list for the meetup')" "[S ]" "good"
assert_eq "$(sec_of 'Room booking confirmed')" "[S ]" "S/MIME good"
assert_eq "$(sec_of 'Bank details for the meetup fund')" "[! ]" "bad"
assert_eq "$(sec_of 'Room deposit')" "[! ]" "signer not sender"
assert_eq "$(sec_of 'Meetup budget')" "[SE]" "signed+encrypted"
assert_eq "$(sec_of 'Door code for the back room')" "[ E]" "encrypted"
assert_eq "$(sec_of 'Welcome to the cachet demo account')" "[  ]" "plain"

# Pager banners.
open_msg "Key signing list for the meetup"
check_banner "SIGNED  signed by Alice Example <alice@example.org>"
ui_wait "7F28377A8638C7FD4D3A470387BA09364A1D9FBD"
# The details view from the pager: fingerprints, then back.
ui_keys S
ui_wait "Security details: Key signing list for the meetup"
ui_wait "fingerprint: 7F28377A8638C7FD4D3A470387BA09364A1D9FBD"
ui_wait "trust: "
ui_keys q
ui_wait "SIGNED  signed by Alice Example"

open_msg "Bank details for the meetup fund"
check_banner "BAD SIGNATURE"
ui_wait "bad signature on part 1 by Bob Example"

open_msg "Room deposit"
check_banner "NOT SIGNED BY THE SENDER"
ui_wait "the signer is not the sender"
ui_absent "SIGNED  signed by"

open_msg "Welcome to the cachet demo account"
check_banner "NOT SIGNED, NOT ENCRYPTED"

# The fake banner: its text stays in the message area, in plain cells.
open_msg "Security Desk"
check_banner "NOT SIGNED, NOT ENCRYPTED"
ui_wait "Good signature from Alice Example <alice@example.org>"
fake=$(row_of "Good signature from Alice Example")
[ "$fake" -gt "$RULE" ] || fail "the fake banner is on banner row $fake"
ui_wait "?[42;30m"
ui_screen_e "$T/e"
sec_attr "$T/e" plain "$fake" "Good signature from Alice Example" ||
    fail "the fake banner text is drawn with banner attributes"
sec_attr "$T/e" plain "$(row_of 'reverse video')" "reverse video" ||
    fail "a message's own reverse-video escape took effect"
sec_attr "$T/e" area $((RULE + 1)) 27 ||
    fail "message area with banner attributes"

# The details view from the index: the X.509 chain of an S/MIME signer.
to_index
select_msg "Room booking confirmed"
ui_keys S
ui_wait "Security details: Room booking confirmed"
ui_wait "issuer: CN=Example Org Demo CA"
ui_wait "emailProtection"
ui_keys G
ui_wait "CA: yes"
ui_keys Escape
ui_wait "sort:date-desc"
ui_absent "Security details"

ui_keys Q
ui_wait "EXITED 0"
ui_stop

# ---- a synced store: messages made with the demo keys

gnupg_home "$T/g"
gnupg_import_demo

mkdir "$T/mail"
e=$(printf '\033')
{
	printf 'From: Alice Example <alice@example.org>\n'
	printf 'To: demo@example.org\n'
	printf 'Subject: %s[7m SIGNED %s[0m Quarterly figures\n' "$e" "$e"
	printf 'Date: Sun, 01 Nov 2026 10:00:00 +0000\n'
	printf 'Message-ID: <fake-banner@example.org>\n'
	printf 'MIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=UTF-8\n'
	printf 'Content-Transfer-Encoding: 8bit\n\n'
	# ESC [1;1H, ESC [7m, a diamond and the banner's words.
	printf '%s[1;1H%s[7m \342\227\206' "$e" "$e"
	printf ' SIGNED  signed by Alice Example'
	printf ' <alice@example.org> (good)%s[0m\n' "$e"
	# Box drawing in UTF-8, then the DEC line-drawing set by ESC ( 0
	# and by SO/SI.
	printf '\342\224\214\342\224\200\342\224\200\342\224\220'
	printf ' SIGNED AND ENCRYPTED\n'
	printf '%s(0qqqqqqqqqqqqqqqqqqqq%s(B\n' "$e" "$e"
	printf '\016qqqqqqqqqqqqqqqqqqqq\017\n'
	printf '\342\224\200\342\224\200\342\224\200\342\224\200 end of fake\n'
} >"$T/mail/fake.eml"

gnupg_python "$T/mail" <<'PY' || fail "cannot make the messages"
import sys
from pgpmime import encrypted, mixed, put, signed, text
out = sys.argv[1]
me = "Demo User <demo@example.org>"

put(out, "partly", me, "Partly signed note",
    mixed(signed(text(b"This part is signed.")),
          text(b"This tail is not signed.")), 2)
put(out, "protected", me, "...",
    encrypted(b'Content-Type: text/plain; charset=utf-8;'
              b' protected-headers="v1"\n'
              b'Subject: The real subject\n\nProtected headers inside.\n',
              "demo@example.org", sign=True), 3)
put(out, "nested", me, "Nested secret",
    mixed(encrypted(text(b"Secret inner text."), "demo@example.org"),
          text(b"Clear postscript.")), 4)
put(out, "nokey", me, "Not for us",
    encrypted(text(b"Only Alice can read this."), "alice@example.org"), 5)
PY

u=$(new_user sec)
imapctl append "$u" "$(password_of "$u")" INBOX "$T/mail/fake.eml" \
    "$T/mail/partly.eml" "$T/mail/protected.eml" "$T/mail/nested.eml" \
    "$T/mail/nokey.eml"
write_config "$T/cfg" work "$u"
"$CACHET" -c "$T/cfg" sync 2>"$T/sync.err" || {
	cat "$T/sync.err" >&2
	fail "cachet sync failed"
}
ui_start -c "$T/cfg" --offline
ui_wait "Quarterly figures"
hide_sidebar
wait_sec_done
assert_eq "$(sec_of 'Quarterly figures')" "[  ]" "fake banner message"
assert_eq "$(sec_of 'Partly signed note')" "[s ]" "partly signed"
assert_eq "$(sec_of 'Nested secret')" "[ e]" "nested encrypted"
assert_eq "$(sec_of 'Not for us')" "[! ]" "decryption failure"
# Dated a day before, the protected message is the row above.
prot=$(($(row_of 'Nested secret') + 1))
assert_eq "$(ui_screen | awk -v r="$prot" \
    'NR == r + 1 { print "[" substr($0, 5, 2) "]" }')" "[SE]" \
    "signed and encrypted"

# The fake banner: the real one above it, the fake in plain cells.
open_msg "Quarterly figures"
check_banner "NOT SIGNED, NOT ENCRYPTED"
ui_wait "end of fake"
fake=$(row_of "SIGNED  signed by Alice Example")
[ "$fake" -gt "$RULE" ] || fail "the fake banner is on banner row $fake"
ui_screen_e "$T/e"
sec_attr "$T/e" plain "$fake" "SIGNED  signed by Alice Example" ||
    fail "the fake banner text has banner attributes"
sec_attr "$T/e" area $((RULE + 1)) 27 ||
    fail "message area with banner attributes"

open_msg "Partly signed note"
check_banner "PARTLY SIGNED"
ui_wait "the rest is not signed"
ui_wait "This part is signed."

open_msg "Nested secret"
check_banner "PARTLY ENCRYPTED, NOT SIGNED"
ui_wait "application/octet-stream"
ui_absent "Secret inner text."
ui_keys X
ui_wait "Secret inner text."
ui_absent "application/octet-stream"

open_msg "Not for us"
check_banner "DECRYPTION FAILED"
ui_absent "Only Alice can read this."

# The protected subject replaces "..." and carries the UI's marker.
to_index
ui_keys g
i=0
while [ $i -lt "$prot" ]; do ui_keys j; i=$((i + 1)); done
ui_keys Enter
ui_wait "SIGNED AND ENCRYPTED"
ui_wait "Protected headers inside."
ui_absent "Subject: ..."
r=$(row_of "Subject: The real subject")
[ "$r" -gt 1 ] || fail "protected subject on row $r"
ui_screen_e "$T/e"
sec_attr "$T/e" reverse "$r" "protected" ||
    fail "no protected marker before the subject"
sec_attr "$T/e" plain "$r" "Subject: The real subject" ||
    fail "the protected subject itself has banner attributes"

ui_keys Q
ui_wait "EXITED 0"
