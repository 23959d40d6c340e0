# Passphrases are asked inside the UI (loopback pinentry): the OpenPGP key
# is protected and gpg-agent has no pinentry it could start, so any prompt
# must be cachet's own. (b) Esc at the prompt cancels sending, with a
# message, and nothing is queued; (a) a wrong passphrase is refused and
# asked again, the right one signs and the message waits in the outbox
# (closed SMTP port) with a signature `cachet verify` accepts; (c) a
# message encrypted to the key is decrypted in the pager after a wrong
# passphrase and the right one; (d) signing with a protected S/MIME key
# through gpgsm: GPGME 1.18 cannot hand gpgsm a passphrase, so cachet
# unlocks the key in gpg-agent itself, asking with its own prompt (a wrong
# passphrase, then the right one), and the message waits in the outbox
# signed; the agent's own pinentry (a script that leaves a mark) never runs.
# The background status work never prompts. The passphrase shows nowhere on
# screen, in the scrollback, or in any file under the test directory.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"
. "$top/tests/lib/tmux.sh"
. "$top/tests/lib/gnupg.sh"
. "$top/tests/lib/passphrase.sh"

PW='Pass-Phrase-7qK2xZ'
BAD='Wrong-Guess-5mJ8wY'
on_exit() {
	ui_stop
	gnupg_stop
}
# No pinentry can ever appear: only loopback (cachet's prompt) can unlock.
pw_openpgp_home "$T/g" "$PW"

# The key is locked: gpg cannot sign without a passphrase.
if printf 'x\n' | gpg --batch --no-tty --pinentry-mode loopback \
    --passphrase '' -u demo@example.org --sign >/dev/null 2>&1; then
	fail "the test key is not protected"
fi
gnupg_forget

# A message encrypted to the key (the public part suffices).
"$PYTHON" - "$T/secret.eml" <<'PY' || fail "cannot make the message"
import subprocess, sys
part = (b'Content-Type: text/plain; charset=utf-8\r\n\r\n'
        b'the unlocked words\r\n')
enc = subprocess.run(["gpg", "--batch", "--no-tty", "--armor",
                      "--trust-model", "always", "--encrypt",
                      "-r", "demo@example.org"], input=part, check=True,
                     capture_output=True).stdout
msg = (b'From: Demo User <demo@example.org>\n'
       b'To: Demo User <demo@example.org>\n'
       b'Subject: Locked note\n'
       b'Date: 4 Nov 2026 10:00:00 +0000\n'
       b'Message-ID: <locked@example.org>\n'
       b'MIME-Version: 1.0\n'
       b'Content-Type: multipart/encrypted;\n'
       b' protocol="application/pgp-encrypted"; boundary="e1"\n\n'
       b'--e1\nContent-Type: application/pgp-encrypted\n\n'
       b'Version: 1\n\n--e1\n'
       b'Content-Type: application/octet-stream\n\n' + enc +
       b'\n--e1--\n')
open(sys.argv[1], "wb").write(msg)
PY
gnupg_forget

closed=$(closed_port) || fail "no closed port found"

u=$(new_user pass)
write_config "$T/cfg" work "$u" "from=Demo User <demo@example.org>" \
    smtp_host=127.0.0.1 "smtp_port=$closed" smtp_tls=implicit
sync_ok "$T/cfg"

cat >"$T/ed.sh" <<'EOF'
#!/bin/sh
sed -i -e 's/^To:.*/To: Nobody <nobody@example.net>/' \
    -e 's/^Subject:.*/Subject: Signed with a passphrase/' "$1"
printf 'signed body line\n' >>"$1"
exit 0
EOF
chmod 755 "$T/ed.sh"
EDITOR=$T/ed.sh
unset VISUAL || true
export EDITOR
TMPDIR=$T/tmp
mkdir -m 700 "$TMPDIR"
export TMPDIR

outbox_list() {
	"$CACHET" -c "$T/cfg" outbox list 2>&1 || true
}

# Write a message with signing on and press send: the prompt comes.
compose_signed() {
	ui_keys c
	ui_wait "Subject: Signed with a passphrase"
	ui_wait "Security: sign off"
	ui_keys s
	ui_wait "Security: sign on"
	ui_keys y
	ui_wait "Passphrase for"
	ui_wait "Demo User <demo@example.org>"
	ui_wait "(Esc cancels)"
}

ui_start -c "$T/cfg"
ui_wait "work"

# (b) Esc cancels the send: said so, nothing queued, the message stays.
compose_signed
ui_keys -l "$BAD"
ui_absent "$BAD"
ui_wait "******"
ui_keys Escape
ui_wait "not sent:"
ui_screen >"$T/cancel.screen"
grep -i -q "cancel" "$T/cancel.screen" || {
	cat "$T/cancel.screen" >&2
	fail "cancelling does not say so"
}
ui_wait "Subject: Signed with a passphrase"
ui_absent "Passphrase for"
pw_assert_pane_clean "$PW" "$BAD"
outbox_list >"$T/outbox.1"
assert_not_contains "$T/outbox.1" "Signed with a passphrase"
gnupg_forget

# (a) A wrong passphrase is refused and asked for again; the right one
# signs and the message is queued.
ui_keys y
ui_wait "Passphrase for"
ui_absent "Wrong passphrase"
ui_keys -l "$BAD"
ui_keys Enter
ui_wait "Wrong passphrase, try again."
ui_absent "$BAD"
ui_keys -l "$PW"
ui_absent "$PW"
ui_keys Enter
ui_wait "queued for sending"
ui_absent "Passphrase for"
pw_assert_pane_clean "$PW" "$BAD"
outbox_list >"$T/outbox.2"
assert_contains "$T/outbox.2" "Signed with a passphrase"
pw_verify_outbox "Signed with a passphrase" verify
gnupg_forget

# (c) Decrypting: the encrypted message comes with a sync; the background
# status work does not ask, opening it does.
imapctl append "$u" "$(password_of "$u")" INBOX "$T/secret.eml"
sync_ok "$T/cfg"
ui_wait "Locked note"
# Give the idle status work time to look at it: it must not prompt.
sleep 2
ui_absent "Passphrase for"
ui_keys Enter
ui_wait "Passphrase for"
ui_keys -l "$BAD"
ui_keys Enter
ui_wait "Wrong passphrase, try again."
ui_keys -l "$PW"
ui_keys Enter
ui_wait "the unlocked words"
ui_absent "Passphrase for"
pw_assert_pane_clean "$PW" "$BAD"
ui_keys q
ui_keys Q
ui_wait "EXITED 0"
pw_assert_pane_clean "$PW" "$BAD"
ui_stop

# (d) S/MIME through gpgsm, to which GPGME cannot hand a passphrase:
# cachet unlocks the protected key in gpg-agent with its own prompt first.
# A key store of its own, so that OpenPGP is not chosen instead; the
# agent's pinentry only leaves a mark, which must never appear.
gnupg_stop
pw_smime_home "$T/s" "$PW"
# The key is locked: gpgsm cannot sign without a passphrase.
if printf 'x\n' | gpgsm --batch --no-tty -u demo@example.org \
    --detach-sign >/dev/null 2>&1; then
	fail "the S/MIME test key is not protected"
fi
gnupg_forget
rm -f "$T/pinentry.used"
ui_start -c "$T/cfg"
ui_wait "Locked note"
ui_keys c
ui_wait "Subject: Signed with a passphrase"
ui_keys s
ui_wait "Security: sign on"
i=0
while ! ui_screen | grep -q "protocol S/MIME" && [ $i -lt 4 ]; do
	ui_keys p
	sleep 0.3
	i=$((i + 1))
done
ui_wait "protocol S/MIME"
ui_keys y
ui_wait "Passphrase for"
ui_wait "Demo User <demo@example.org>"
ui_absent "Wrong passphrase"
ui_keys -l "$BAD"
ui_absent "$BAD"
ui_keys Enter
ui_wait "Wrong passphrase, try again."
ui_keys -l "$PW"
ui_absent "$PW"
ui_keys Enter
ui_wait "queued for sending"
ui_absent "Passphrase for"
pw_assert_pane_clean "$PW" "$BAD"
# The message of (a) and this one wait in the outbox.
assert_eq "$(outbox_list | grep -c "Signed with a passphrase")" 2 \
    "messages in the outbox"
pw_verify_outbox "pkcs7-signature" verify-smime
assert_contains "$PW_OUT" "Signed with a passphrase"
assert_contains "$T/verify-smime.out" "demo@example.org"
[ ! -e "$T/pinentry.used" ] || fail "gpg-agent started its own pinentry"
ui_keys Q
ui_wait "EXITED 0"
pw_assert_pane_clean "$PW" "$BAD"

# Nothing under the test directory holds a passphrase.
pw_assert_no_leak "$PW" "$BAD"
