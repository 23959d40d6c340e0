# Passphrases on the command line: the keys are protected and gpg-agent
# has no pinentry it could use, so only cachet's own prompt on the
# terminal can unlock them. Run in tmux: (a) `cachet send --sign` asks
# "Passphrase for", refuses a wrong passphrase and asks again, and the
# right one signs: the message waits in the outbox (closed SMTP port) with
# a signature `cachet verify` accepts; (b) Ctrl-C at the prompt ends the
# command, queues nothing, and leaves the terminal echoing again; (c) the
# same as (a) for S/MIME through gpgsm, the message on stdin, which cachet
# unlocks in gpg-agent with the same prompt (the agent's own pinentry
# never runs). Without a terminal (setsid, stdin from /dev/null) sending
# fails at once with an error and waits for nothing. The passphrase shows
# nowhere on screen or in the scrollback and is written to no file under
# the test directory.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"
. "$top/tests/lib/tmux.sh"
. "$top/tests/lib/gnupg.sh"
. "$top/tests/lib/passphrase.sh"

PW='Pass-Phrase-3vR9tQ'
BAD='Wrong-Guess-8nL4kD'
on_exit() {
	ui_stop
	gnupg_stop
}
# No pinentry can ever appear: only loopback (cachet's prompt) can unlock.
pw_openpgp_home "$T/g" "$PW"

closed=$(closed_port) || fail "no closed port found"

u=$(new_user clipass)
write_config "$T/cfg" work "$u" "from=Demo User <demo@example.org>" \
    smtp_host=127.0.0.1 "smtp_port=$closed" smtp_tls=implicit

printf 'To: Nobody <nobody@example.net>\nSubject: %s\n\n%s\n' \
    "Signed on the command line" "signed body line" >"$T/msg.eml"

outbox_list() {
	"$CACHET" -c "$T/cfg" outbox list 2>&1 || true
}

# Run a shell command line in a fresh tmux session; it prints its exit
# status at the end.
tty_run() {	# command line
	ui_new_socket
	tmux_ new-session -d -x 100 -y 30 -s ui \
	    "LANG=C.UTF-8; export LANG; $1; echo EXITED \$?; sleep 30"
}

# Type a wrong passphrase, then the right one.
answer_bad_then_good() {
	ui_wait "Passphrase for"
	ui_wait "Demo User <demo@example.org>"
	ui_absent "Wrong passphrase"
	ui_keys -l "$BAD"
	ui_absent "$BAD"
	ui_keys Enter
	ui_wait "Wrong passphrase, try again. Passphrase for"
	ui_keys -l "$PW"
	ui_absent "$PW"
	ui_keys Enter
}

# (a) cachet send --sign: a wrong passphrase, then the right one.
tty_run "$CACHET -c $T/cfg send --sign $T/msg.eml"
answer_bad_then_good
ui_wait "EXITED 75"
pw_assert_pane_clean "$PW" "$BAD"
ui_stop
outbox_list >"$T/outbox.1"
assert_contains "$T/outbox.1" "Signed on the command line"
pw_verify_outbox "Signed on the command line" verify
gnupg_forget

# (b) Ctrl-C at the prompt: the command ends, nothing is queued, and the
# terminal echoes what is typed again. The shell traps SIGINT (cachet
# still gets it) to live on and tell.
echo_mode="stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e -echo"
tty_run "trap true INT; $CACHET -c $T/cfg send --sign $T/msg.eml; echo;
    $echo_mode"
ui_wait "Passphrase for"
ui_keys -l "$BAD"
ui_keys C-c
ui_wait "EXITED"
ui_screen >"$T/ctrlc.screen"
grep -x -q "echo" "$T/ctrlc.screen" || {
	cat "$T/ctrlc.screen" >&2
	fail "the terminal does not echo after Ctrl-C at the prompt"
}
pw_assert_pane_clean "$PW" "$BAD"
ui_stop
assert_eq "$(outbox_list | grep -c "Signed on the command line")" 1 \
    "messages in the outbox"
gnupg_forget

# No terminal (no controlling one, stdin not one): refused at once with
# an error, nothing waits, nothing is queued.
no_tty() {	# name command...
	no_tty_name=$1
	shift
	start=$(date +%s)
	if timeout 30 setsid -w "$@" </dev/null >"$T/$no_tty_name.out" \
	    2>"$T/$no_tty_name.err"; then
		fail "$no_tty_name without a terminal succeeded"
	fi
	[ $(($(date +%s) - start)) -lt 15 ] ||
	    fail "$no_tty_name without a terminal waited"
	[ -s "$T/$no_tty_name.err" ] || fail "$no_tty_name: no error shown"
}
no_tty send "$CACHET" -c "$T/cfg" send --sign "$T/msg.eml"
assert_contains "$T/send.err" "there is no terminal to ask for it"
assert_contains "$T/send.err" "nothing was sent"
assert_eq "$(outbox_list | grep -c "Signed on the command line")" 1 \
    "messages in the outbox"

# (d) cachet show of a message encrypted to the protected key asks once
# on the terminal and shows the decrypted text; without a terminal it
# shows no plaintext and waits for nothing.
printf 'Content-Type: text/plain\n\nsecret body line 42\n' |
    gpg --batch --no-tty --armor --trust-model always \
    --recipient demo@example.org --encrypt >"$T/enc.asc" 2>>"$T/gpg.log" ||
    fail "gpg --encrypt"
{
	printf 'From: Demo User <demo@example.org>\nTo: demo@example.org\n'
	printf 'Subject: Encrypted to a protected key\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/encrypted;'
	printf ' protocol="application/pgp-encrypted"; boundary="b1"\n\n'
	printf -- '--b1\nContent-Type: application/pgp-encrypted\n\n'
	printf 'Version: 1\n\n--b1\nContent-Type: application/octet-stream\n\n'
	cat "$T/enc.asc"
	printf -- '\n--b1--\n'
} >"$T/enc.eml"
start=$(date +%s)
timeout 30 setsid -w "$CACHET" -c "$T/cfg" show "$T/enc.eml" </dev/null \
    >"$T/show.out" 2>"$T/show.err" || true
[ $(($(date +%s) - start)) -lt 15 ] || fail "show without a terminal waited"
assert_contains "$T/show.out" "Encrypted to a protected key"
assert_not_contains "$T/show.out" "secret body line 42"
tty_run "$CACHET -c $T/cfg show $T/enc.eml"
ui_wait "Passphrase for"
ui_keys -l "$PW"
ui_absent "$PW"
ui_keys Enter
ui_wait "secret body line 42"
ui_wait "EXITED 0"
pw_assert_pane_clean "$PW" "$BAD"
ui_stop
gnupg_forget

# (c) S/MIME through gpgsm: cachet unlocks the protected key in gpg-agent
# with the same prompt; the agent's own pinentry (a script that leaves a
# mark) never runs. A key store of its own, so that OpenPGP is not used.
gnupg_stop
pw_smime_home "$T/s" "$PW"
rm -f "$T/pinentry.used"
printf 'To: Nobody <nobody@example.net>\nSubject: %s\n\n%s\n' \
    "S/MIME on the command line" "signed body line" >"$T/smime.eml"
no_tty smime "$CACHET" -c "$T/cfg" send --sign --smime "$T/smime.eml"
assert_contains "$T/smime.err" "there is no terminal to ask for it"
assert_contains "$T/smime.err" "nothing was sent"
tty_run "$CACHET -c $T/cfg send --sign --smime <$T/smime.eml"
answer_bad_then_good
ui_wait "EXITED 75"
pw_assert_pane_clean "$PW" "$BAD"
ui_stop
pw_verify_outbox "pkcs7-signature" verify-smime
assert_contains "$PW_OUT" "S/MIME on the command line"
[ ! -e "$T/pinentry.used" ] || fail "gpg-agent started its own pinentry"

# Nothing under the test directory holds a passphrase.
pw_assert_no_leak "$PW" "$BAD"
