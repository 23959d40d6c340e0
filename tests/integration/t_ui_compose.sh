# Writing mail in the UI with a scripted $EDITOR: a new message shows on
# the compose screen with what the editor typed (the editor file is 0600,
# in $TMPDIR, and gone afterwards); an unchanged new message is dropped; a
# file that does not parse offers to edit again; encryption to a recipient
# without a key is refused and nothing is queued; a plain message sent
# while the SMTP port is closed waits in the outbox (view and `cachet
# outbox`) with the connection error; a reply quotes the original under
# "Re:"; replies to an encrypted or a signed message ask before going out
# unencrypted or unsigned; cancel asks first; postpone saves to Drafts and
# the draft can be resumed from there; forward inline and as an
# attachment; attach, rename and detach; a key chosen in the picker; the
# outbox view deletes only after a yes.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"
. "$top/tests/lib/tmux.sh"
. "$top/tests/lib/gnupg.sh"

on_exit() {
	ui_stop
	gnupg_stop
}
gnupg_home "$T/g"
gnupg_import_demo

# The messages: a plain one, one signed by the user, one encrypted to him.
mkdir "$T/mail"
gnupg_python "$T/mail" <<'PY' || fail "cannot make the messages"
import sys
from pgpmime import encrypted, put, signed, text
out = sys.argv[1]

put(out, "plain", "Alice Example <alice@example.org>", "Original note",
    text(b"line one of the original"), 2)
put(out, "signed", "Demo User <demo@example.org>", "Signed note",
    signed(text(b"signed words here")), 3)
put(out, "secret", "Demo User <demo@example.org>", "Secret note",
    encrypted(text(b"the secret words")), 4)
PY

closed=$(closed_port) || fail "no closed port found"

u=$(new_user compose)
imapctl append "$u" "$(password_of "$u")" INBOX "$T/mail/plain.eml" \
    "$T/mail/signed.eml" "$T/mail/secret.eml"
# An address book for completion: two names for "car", nothing else.
cat >"$T/query.sh" <<'EOF'
#!/bin/sh
case $1 in
car*) printf 'carol@example.net\tCarol One\ncarl@example.net\tCarl Two\n' ;;
esac
exit 0
EOF
chmod 755 "$T/query.sh"
write_config "$T/cfg" work "$u" "from=Demo User <demo@example.org>" \
    smtp_host=127.0.0.1 "smtp_port=$closed" smtp_tls=implicit \
    "query_cmd=$T/query.sh"
sync_ok "$T/cfg"

# The editor: logs the file's mode and name, then does what ed.mode says.
cat >"$T/ed.sh" <<EOF
#!/bin/sh
f=\$1
printf '%s %s\n' "\$(stat -c %a "\$f")" "\$f" >>"$T/ed.log"
case \$(cat "$T/ed.mode") in
new)
	sed -i -e '/^Bogus:/d' \\
	    -e 's/^To:.*/To: Nobody <nobody@example.net>/' \\
	    -e 's/^Subject:.*/Subject: Hello compose/' "\$f"
	printf 'typed body line\n' >>"\$f" ;;
bad)
	sed -i 's/^Subject:/Bogus: x\nSubject:/' "\$f" ;;
alice)
	sed -i -e 's/^To:.*/To: alice@example.org/' \\
	    -e 's/^Subject:.*/Subject: For Alice/' "\$f" ;;
esac
exit 0
EOF
chmod 755 "$T/ed.sh"
: >"$T/ed.log"
EDITOR=$T/ed.sh
unset VISUAL || true
export EDITOR
TMPDIR=$T/tmp
mkdir -m 700 "$TMPDIR"
export TMPDIR
edit_mode() { printf '%s\n' "$1" >"$T/ed.mode"; }

# The last editor file was 0600 and is gone.
assert_file_gone() {
	last=$(tail -n 1 "$T/ed.log")
	[ -n "$last" ] || fail "the editor did not run"
	assert_eq "${last%% *}" 600 "mode of the editor file"
	[ ! -e "${last#* }" ] || fail "editor file left behind: ${last#* }"
}

outbox_list() {
	"$CACHET" -c "$T/cfg" outbox list 2>&1 || true
}

ui_start -c "$T/cfg"
ui_wait "Secret note"

# An unchanged new message is dropped.
edit_mode keep
ui_keys c
ui_wait "message not changed: discarded"
assert_file_gone

# A file that does not parse: asked to edit again; the second edit fixes it.
edit_mode bad
ui_keys c
ui_wait "edit again? (y/n)"
edit_mode new
ui_keys y
ui_wait "Subject: Hello compose"
ui_wait "To:      Nobody <nobody@example.net>"
ui_wait "typed body line"
ui_wait "Recipient keys:"
ui_wait "nobody@example.net"
ui_wait "missing"
ui_wait "Security: sign off, encrypt off"
assert_file_gone
assert_eq "$(ls "$TMPDIR")" "" "files left in TMPDIR"

# Encryption on: nobody@example.net has no key, so nothing is sent.
ui_keys x
ui_wait "encrypt on"
ui_keys y
ui_wait "not sent: cannot encrypt"
ui_wait "Subject: Hello compose"
outbox_list >"$T/outbox.1"
assert_not_contains "$T/outbox.1" "Hello compose"

# Encryption off: queued; the closed port keeps it in the outbox.
ui_keys x
ui_wait "encrypt off"
ui_keys y
ui_wait "queued for sending"
ui_wait "Secret note"
ui_keys O
ui_wait "Hello compose"
ui_wait "queued"
ui_wait "last error:"
ui_screen >"$T/outbox.screen"
grep -i -q "connect\|refused" "$T/outbox.screen" || {
	cat "$T/outbox.screen" >&2
	fail "no connection error in the outbox view"
}
outbox_list >"$T/outbox.2"
assert_contains "$T/outbox.2" "Hello compose"
ui_keys q
ui_wait "Secret note"

# A reply quotes the original under "Re:"; cancel asks, n keeps it.
ui_keys /
ui_keys -l "Original"
ui_keys Enter
ui_wait "1 message matches"
edit_mode keep
ui_keys r
ui_wait "Subject: Re: Original note"
ui_wait "> line one of the original"
ui_wait "To:      Alice Example <alice@example.org>"
assert_file_gone
ui_keys q
ui_wait "discard this message? (y/n)"
ui_keys n
ui_wait "kept"
ui_wait "Subject: Re: Original note"
ui_keys q
ui_wait "discard this message? (y/n)"
ui_keys y
ui_wait "message discarded"
ui_absent "Re: Original note"
ui_keys Escape

# A reply to the encrypted message: encryption on, the decrypted text
# quoted; turned off, sending asks first and n sends nothing.
ui_keys /
ui_keys -l "Secret"
ui_keys Enter
ui_wait "1 message matches"
ui_keys r
ui_wait "Subject: Re: Secret note"
ui_wait "> the secret words"
ui_wait "encrypt on, protocol OpenPGP"
assert_file_gone
ui_keys x
ui_wait "encrypt off"
ui_keys y
ui_wait "quotes decrypted text and would go out unencrypted; send anyway?"
ui_keys n
ui_wait "not sent"
ui_wait "Subject: Re: Secret note"
ui_keys q
ui_wait "discard this message? (y/n)"
ui_keys y
ui_wait "message discarded"
ui_keys Escape

# A reply to the signed message: signing on; turned off, sending asks.
ui_keys /
ui_keys -l "Signed"
ui_keys Enter
ui_wait "1 message matches"
ui_keys r
ui_wait "Subject: Re: Signed note"
ui_wait "sign on"
ui_keys s
ui_wait "signing off"
ui_keys y
ui_wait "would go out unsigned; send anyway? (y/n)"
ui_keys n
ui_wait "not sent"

# Postpone: saved to Drafts, the compose screen closes.
ui_keys P
ui_wait "saved to Drafts"
ui_absent "Subject: Re: Signed note"
ui_keys Escape
ui_wait "Secret note"

# The draft reaches the server's Drafts with the next sync, and can be
# resumed from there.
# (Today the first sync only creates the folder on the server and a later
# one appends; sync until the store holds the draft.)
i=0
while [ "$(storectl count "$(store_of work)" Drafts 2>/dev/null)" != 1 ] &&
    [ $i -lt 4 ]; do
	"$CACHET" -c "$T/cfg" sync >>"$T/sync.draft.out" 2>&1 || true
	i=$((i + 1))
done
imapctl dump "$u" "$(password_of "$u")" Drafts "$T/drafts" >/dev/null ||
    fail "no Drafts folder on the server"
grep -l -r "Re: Signed note" "$T/drafts" >/dev/null || {
	cat "$T/sync.draft.out" >&2
	fail "the draft is not in Drafts"
}
i=0
while ! ui_screen | grep -q "Drafts" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
i=0
while ! ui_screen | grep -q "Re: Signed note" && [ $i -lt 20 ]; do
	ui_keys Tab
	sleep 0.3
	i=$((i + 1))
done
ui_wait "Re: Signed note"
ui_keys E
ui_wait "Subject: Re: Signed note"
ui_wait "Security: sign off"
ui_keys q
ui_wait "discard this message? (y/n)"
ui_keys y
ui_wait "message discarded"
i=0
while ! ui_screen | grep -q "Secret note" && [ $i -lt 40 ]; do
	ui_keys BTab
	sleep 0.3
	i=$((i + 1))
done
ui_wait "Secret note"

# Forward inline and as an attachment.
ui_keys /
ui_keys -l "Original"
ui_keys Enter
ui_wait "1 message matches"
ui_keys f
ui_wait "Subject: Fwd: Original note"
ui_wait "line one of the original"
ui_keys q
ui_wait "discard this message? (y/n)"
ui_keys y
ui_wait "message discarded"
ui_keys A
ui_wait "Subject: Fwd: Original note"
ui_wait "message/rfc822"
ui_keys q
ui_wait "discard this message? (y/n)"
ui_keys y
ui_wait "message discarded"
ui_keys Escape

# Attachments: attach, rename (no directories), detach; a key chosen in
# the picker for alice@example.org.
printf 'attached text\n' >"$T/report.txt"
edit_mode alice
ui_keys c
ui_wait "Subject: For Alice"
ui_keys a
ui_wait "Attach file:"
ui_keys -l "$T/nothing.txt"
ui_keys Enter
ui_wait "cannot attach"
ui_keys a
ui_wait "Attach file:"
ui_keys -l "$T/report.txt"
ui_keys Enter
ui_wait "[1] report.txt"
ui_keys R
ui_wait "Send attachment as: report.txt"
ui_keys C-u
ui_keys -l "../sub/renamed.txt"
ui_keys Enter
ui_wait "[1] .._sub_renamed.txt"
ui_keys D
ui_wait "Attachments: none"
ui_keys j
ui_keys k
ui_wait "Keys for alice@example.org (OpenPGP)"
ui_keys Enter
ui_wait "chosen"
ui_wait "Subject: For Alice"
ui_keys q
ui_wait "discard this message? (y/n)"
ui_keys y
ui_wait "message discarded"

# To, Cc, Bcc and Subject changed in place. Tab completes the address
# after the last comma: several candidates are listed and Tab goes through
# them (and back to what was typed); one goes in at once; none says so.
# The recipients' key status follows the change.
edit_mode alice
ui_keys c
ui_wait "Subject: For Alice"
ui_keys S
ui_wait "Subject: For Alice"
ui_keys C-u
ui_keys -l "Grüße neu"
ui_keys Enter
ui_wait "Subject changed"
ui_wait "Subject: Grüße neu"
ui_keys t
ui_wait "To: alice@example.org"
ui_keys -l ", car"
ui_keys Tab
ui_wait '2 addresses match "car"'
ui_wait "Carl Two <carl@example.net>"
ui_keys Tab
ui_wait "To: alice@example.org, Carol One <carol@example.net>"
ui_keys Tab
ui_wait "To: alice@example.org, Carl Two <carl@example.net>"
ui_keys Tab
ui_wait "To: alice@example.org, car"
ui_keys BTab
ui_wait "To: alice@example.org, Carl Two <carl@example.net>"
ui_keys Enter
ui_wait "To changed"
ui_wait "To:      alice@example.org, Carl Two <carl@example.net>"
ui_absent '2 addresses match'
ui_wait "carl@example.net    "
ui_keys C
ui_keys -l "ali"
ui_keys Tab
ui_keys Enter
ui_wait "Cc changed"
ui_screen | grep -q "Cc: .*alice@example.org" || {
	ui_screen >&2
	fail "Cc was not completed"
}
ui_keys b
ui_keys -l "zzqq"
ui_keys Tab
ui_wait 'no address matches "zzqq"'
ui_keys Escape
sleep 0.3
ui_absent 'no address matches'
ui_keys C-u
ui_keys -l "hidden@example.net"
ui_keys Enter
ui_wait "Bcc:     hidden@example.net"
ui_wait "hidden@example.net    "
ui_keys q
ui_wait "discard this message? (y/n)"
ui_keys y
ui_wait "message discarded"

# The help view lists the compose keys.
ui_keys ?
ui_wait "cachet key bindings"
i=0
while ! ui_screen | grep -q "toggle-encrypt" && [ $i -lt 30 ]; do
	ui_keys Space
	sleep 0.1
	i=$((i + 1))
done
ui_wait "toggle-encrypt"
ui_keys q

# Nothing was lost: the plain message still waits in the outbox.
outbox_list >"$T/outbox.3"
assert_contains "$T/outbox.3" "Hello compose"
assert_not_contains "$T/outbox.3" "Re: Secret note"
assert_not_contains "$T/outbox.3" "Re: Signed note"

# Deleting it from the outbox view asks first.
ui_keys O
ui_wait "Hello compose"
ui_keys d
ui_wait "delete this message without sending it? (y/n)"
ui_keys n
ui_wait "kept"
ui_wait "Hello compose"
ui_keys d
ui_wait "delete this message without sending it? (y/n)"
ui_keys y
ui_wait "Outbox: empty"
ui_keys q
ui_keys Q
ui_wait "EXITED 0"
outbox_list >"$T/outbox.4"
assert_not_contains "$T/outbox.4" "Hello compose"

# cachet mailto:URI (any case): the compose screen at once with every
# header of the link shown, its attach= ignored, nothing sent unasked.
link='MailTo:bob@example.net?subject=Hi%20there&cc=carl@example.net'
link="$link&body=Line%20one%0Aline%20two&attach=/etc/passwd"
link="$link&in-reply-to=%3Cabc@example.net%3E"
ui_start -c "$T/cfg" --offline "'$link'"
ui_wait "To:      bob@example.net"
ui_wait "From:    Demo User <demo@example.org>"
ui_wait "Cc:      carl@example.net"
ui_wait "Subject: Hi there"
ui_wait "In-Reply-To: <abc@example.net>"
ui_wait "Attachments: none"
ui_wait "  Line one"
ui_wait "  line two"
ui_absent "passwd"
ui_keys q
ui_wait "discard this message? (y/n)"
ui_keys y
ui_wait "message discarded"
ui_keys Q
ui_wait "EXITED 0"
outbox_list >"$T/outbox.5"
assert_not_contains "$T/outbox.5" "Hi there"

# A link that would smuggle in a header field is refused.
link='mailto:x@example.net?subject=a%0D%0ABcc:%20evil@example.net'
ui_start -c "$T/cfg" --offline "'$link'"
ui_wait "cannot use the mailto: link"
ui_absent "evil@example.net"
ui_keys Q
ui_wait "EXITED 0"
