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

PW='Pass-Phrase-7qK2xZ'
BAD='Wrong-Guess-5mJ8wY'
GNUPGHOME=$T/g
export GNUPGHOME
on_exit() {
	ui_stop
	gpgconf --homedir "$GNUPGHOME" --kill all 2>/dev/null || true
}
mkdir -m 700 "$GNUPGHOME"
# No pinentry can ever appear: only loopback (cachet's prompt) can unlock.
printf 'pinentry-program /nonexistent\nallow-loopback-pinentry\n' \
    >"$GNUPGHOME/gpg-agent.conf"
gpg --batch --no-tty --pinentry-mode loopback --passphrase "$PW" \
    --quick-gen-key 'Demo User <demo@example.org>' default default never \
    2>"$T/gpg.log" || fail "gpg --quick-gen-key"
# Forget the passphrase the key was made with.
forget() {
	gpgconf --homedir "$GNUPGHOME" --kill gpg-agent
}
forget

# The key is locked: gpg cannot sign without a passphrase.
if printf 'x\n' | gpg --batch --no-tty --pinentry-mode loopback \
    --passphrase '' -u demo@example.org --sign >/dev/null 2>&1; then
	fail "the test key is not protected"
fi
forget

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
forget

# A loopback port in our range that nothing listens on.
closed=$("$PYTHON" - <<'PY'
import random, socket
for _ in range(200):
    p = random.randint(20000, 29999)
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", p))
    except OSError:
        print(p)
        break
    finally:
        s.close()
PY
)
[ -n "$closed" ] || fail "no closed port found"

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

# The screen and everything scrolled off it.
pane_all() {
	tmux_ capture-pane -p -S - -E - -t ui
}

# Neither passphrase is on the screen now.
assert_pane_clean() {
	pane_all >"$T/pane.txt"
	assert_not_contains "$T/pane.txt" "$PW"
	assert_not_contains "$T/pane.txt" "$BAD"
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
assert_pane_clean
outbox_list >"$T/outbox.1"
assert_not_contains "$T/outbox.1" "Signed with a passphrase"
forget

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
assert_pane_clean
outbox_list >"$T/outbox.2"
assert_contains "$T/outbox.2" "Signed with a passphrase"
out=$(grep -l -r "Signed with a passphrase" "$(store_of work)/outbox" |
    head -n 1)
[ -n "$out" ] || fail "no outbox file holds the message"
"$CACHET" -c "$T/cfg" verify "$out" >"$T/verify.out" 2>&1 || {
	cat "$T/verify.out" >&2
	fail "cachet verify of the outbox file failed"
}
assert_contains "$T/verify.out" "verdict: signed"
forget

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
assert_pane_clean
ui_keys q
ui_keys Q
ui_wait "EXITED 0"
assert_pane_clean
ui_stop

# (d) S/MIME through gpgsm, to which GPGME cannot hand a passphrase:
# cachet unlocks the protected key in gpg-agent with its own prompt first.
# A key store of its own, so that OpenPGP is not chosen instead; the
# agent's pinentry only leaves a mark, which must never appear.
gpgconf --homedir "$GNUPGHOME" --kill all 2>/dev/null || true
GNUPGHOME=$T/s
export GNUPGHOME
mkdir -m 700 "$GNUPGHOME"
keys=$top/src/demo/keys
printf '#!/bin/sh\ntouch "%s/pinentry.used"\nexit 1\n' "$T" >"$T/pinentry.sh"
chmod 755 "$T/pinentry.sh"
printf 'pinentry-program %s/pinentry.sh\n' "$T" >"$GNUPGHOME/gpg-agent.conf"
printf 'disable-dirmngr\n' >"$GNUPGHOME/gpgsm.conf"
cp "$keys/trustlist.txt" "$GNUPGHOME/"
printf '%s\n' "$PW" | openssl pkcs12 -export -legacy \
    -in "$keys/smime-demo.crt.pem" -inkey "$keys/smime-demo.key.pem" \
    -passout stdin -out "$T/smime-pw.p12" 2>>"$T/gpg.log" ||
    fail "openssl pkcs12 -export"
gpgsm --batch --import "$keys/smime-ca.crt.pem" 2>>"$T/gpg.log" ||
    fail "gpgsm --import of the CA"
printf '%s\n' "$PW" | gpgsm --batch --pinentry-mode loopback \
    --passphrase-fd 0 --import "$T/smime-pw.p12" 2>>"$T/gpg.log" ||
    fail "gpgsm --import of the key"
rm -f "$T/smime-pw.p12"
forget
# The key is locked: gpgsm cannot sign without a passphrase.
if printf 'x\n' | gpgsm --batch --no-tty -u demo@example.org \
    --detach-sign >/dev/null 2>&1; then
	fail "the S/MIME test key is not protected"
fi
forget
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
assert_pane_clean
# The message of (a) and this one wait in the outbox.
assert_eq "$(outbox_list | grep -c "Signed with a passphrase")" 2 \
    "messages in the outbox"
out=$(grep -l -r "pkcs7-signature" "$(store_of work)/outbox" | head -n 1)
[ -n "$out" ] || fail "no outbox file holds an S/MIME signed message"
assert_contains "$out" "Signed with a passphrase"
"$CACHET" -c "$T/cfg" verify "$out" >"$T/verify-smime.out" 2>&1 || {
	cat "$T/verify-smime.out" >&2
	fail "cachet verify of the S/MIME outbox file failed"
}
assert_contains "$T/verify-smime.out" "verdict: signed"
assert_contains "$T/verify-smime.out" "demo@example.org"
[ ! -e "$T/pinentry.used" ] || fail "gpg-agent started its own pinentry"
ui_keys Q
ui_wait "EXITED 0"
assert_pane_clean

# Nothing under the test directory holds a passphrase.
leaks=$(grep -r -l -F -e "$PW" -e "$BAD" "$T" 2>/dev/null || true)
[ -z "$leaks" ] || fail "a passphrase was written to: $leaks"
