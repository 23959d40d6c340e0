#!/bin/sh
# t_ui_send: sending from the UI end to end with real servers on loopback
# (a private Postfix delivering into the test Dovecot). For plain, PGP
# signed, PGP encrypted+signed, S/MIME signed and S/MIME encrypted+signed:
# a scripted $EDITOR writes To, a non-ASCII Subject and the body; a file
# with a non-ASCII name is attached on the compose screen; sign, encrypt
# and protocol are set with the compose keys; `y` queues it and the UI's
# background submission empties the outbox. The recipient syncs and the
# message is checked with `cachet verify` (S/MIME through both engines)
# and tests/lib/mailcheck.py (layers, protected Subject, body, the
# attachment byte for byte). Then the recipient replies in the UI to the
# PGP encrypted message: encryption is on and the text quoted; the reply
# reaches the sender encrypted, quoting, under the protected Subject
# "Re: <original subject>".
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"
. "$top/tests/lib/postfix.sh"
. "$top/tests/lib/tmux.sh"

K=$T/k
on_exit() {
	ui_stop
	[ ! -s "$T/ui.err" ] || sed 's/^/ui stderr: /' "$T/ui.err" >&2
	postfix_stop
	for h in "$K/s" "$K/r"; do
		[ -d "$h" ] && GNUPGHOME=$h gpgconf --kill all 2>/dev/null
	done
	return 0
}

SU=$(new_user uis)
RU=$(new_user uir)
SA=$SU@example.test
RA=$RU@example.test
sh "$top/tests/lib/send-keys.sh" "$K" "$SA" "$RA" ||
    fail "cannot make keys"
postfix_start "$T/pf" || fail "cannot start Postfix"

SCFG=$T/sender.cfg
write_config "$SCFG" out "$SU" "from=Zoë Sénder <$SA>" \
    "smtp_host=127.0.0.1" "smtp_port=$CACHET_TEST_SMTPS_PORT" \
    "smtp_tls=implicit"
cat "$K/crypto.cfg" >>"$SCFG"
RCFG=$T/recipient.cfg
write_config "$RCFG" in "$RU" "from=Rcv <$RA>" \
    "smtp_host=127.0.0.1" "smtp_port=$CACHET_TEST_SMTPS_PORT" \
    "smtp_tls=implicit"
cat "$K/crypto.cfg" >>"$RCFG"

# The UI runs under a tmux server that inherits these: whose keys and
# store it sees.
be_sender() {
	GNUPGHOME=$K/s XDG_DATA_HOME=$K/sdata
	export GNUPGHOME XDG_DATA_HOME
}
be_recipient() {
	GNUPGHOME=$K/r XDG_DATA_HOME=$K/rdata
	export GNUPGHOME XDG_DATA_HOME
}
as_sender() {
	GNUPGHOME=$K/s XDG_DATA_HOME=$K/sdata "$@"
}
as_recipient() {
	GNUPGHOME=$K/r XDG_DATA_HOME=$K/rdata "$@"
}

# A binary attachment with NULs, high bytes and no final newline.
ATT="$T/résumé ü.bin"
head -c 3000 /dev/urandom >"$ATT"
printf '\000\377end' >>"$ATT"

# The editor: a new message gets To, the Subject in ed.subject and a body;
# anything else (a reply) is left as it is.
cat >"$T/ed.sh" <<EOF
#!/bin/sh
f=\$1
if grep -q '^Subject: *\$' "\$f"; then
	s=\$(cat "$T/ed.subject")
	sed -i -e "s/^To:.*/To: Rcv <$RA>/" -e "s/^Subject:.*/Subject: \$s/" \\
	    "\$f"
	printf 'Grüße aus dem UI (%s).\n\nsecond line\n' "\$s" >>"\$f"
fi
exit 0
EOF
chmod 755 "$T/ed.sh"
EDITOR=$T/ed.sh
unset VISUAL || true
TMPDIR=$T/tmp
mkdir -m 700 "$TMPDIR"
export EDITOR TMPDIR

# snap DIR; ...; arrived DIR: the one message that reached DIR since snap.
snap() {
	ls "$1" 2>/dev/null | sort >"$T/before"
}
arrived() {
	ls "$1" 2>/dev/null | sort >"$T/after"
	comm -13 "$T/before" "$T/after" >"$T/new"
	assert_eq "$(wc -l <"$T/new" | tr -d ' ')" 1 "messages arrived"
	printf '%s/%s\n' "$1" "$(head -n 1 "$T/new")"
}
R_INBOX=$K/rdata/cachet/in/mail/INBOX/cur
S_INBOX=$K/sdata/cachet/out/mail/INBOX/cur

verify_line() {	# engine file
	as_recipient "$CACHET" -c "$RCFG" verify --smime-engine "$1" "$2" \
	    >"$T/v.out" 2>&1 || true
	sed -n 's/^\(verdict\|flags\): //p' "$T/v.out" | tr '\n' '|'
}

# Wait until `cachet outbox` of the config says it is empty (~15 s).
outbox_drained() {	# as_who config
	od_i=0
	while [ $od_i -lt 150 ]; do
		"$1" "$CACHET" -c "$2" outbox >"$T/ob.out" 2>&1 || true
		grep -q "outbox empty" "$T/ob.out" && return 0
		sleep 0.1
		od_i=$((od_i + 1))
	done
	cat "$T/ob.out" >&2
	fail "the outbox never emptied"
}

# The compose screen's "Security:" line.
sec_proto='protocol [A-Za-z/]*'
sec_line() {
	ui_screen | grep -o "Security: sign [a-z]*, encrypt [a-z]*, $sec_proto" |
	    head -n 1
}

# Press KEY until the security line shows WORD after LABEL, waiting for
# the line to change after each press.
sec_set() {	# key label word
	ss_i=0
	while ! sec_line | grep -q "$2 $3"; do
		[ $ss_i -lt 4 ] || { ui_screen >&2; fail "cannot set $2 $3"; }
		ss_was=$(sec_line)
		ui_keys "$1"
		ss_j=0
		while [ "$(sec_line)" = "$ss_was" ] && [ $ss_j -lt 50 ]; do
			sleep 0.1
			ss_j=$((ss_j + 1))
		done
		ss_i=$((ss_i + 1))
	done
}

# round MODE SIGN ENCRYPT PROTOCOL WANT-VERDICT WANT-FLAGS WANT-LAYERS
round() {
	rd_subj="Grüße $1 ✓"
	printf '%s\n' "$rd_subj" >"$T/ed.subject"
	ui_keys c
	ui_wait "Subject: $rd_subj"
	ui_wait "To:      Rcv <$RA>"
	ui_keys a
	ui_wait "Attach file:"
	ui_keys -l "$ATT"
	ui_keys Enter
	ui_wait "[1] résumé ü.bin"
	sec_set p protocol "$4"
	sec_set s sign "$2"
	sec_set x encrypt "$3"
	snap "$R_INBOX"
	ui_keys y
	ui_wait "queued for sending"
	outbox_drained as_sender "$SCFG"
	as_recipient "$CACHET" -c "$RCFG" sync --quiet in ||
	    fail "$1: recipient sync"
	rd_file=$(arrived "$R_INBOX") || exit 1
	for eng in gpgme openssl; do
		case $1 in pgp*) [ "$eng" = openssl ] && continue ;; esac
		vl=$(verify_line "$eng" "$rd_file")
		[ "$vl" = "$5|$6|" ] || cat "$T/v.out" >&2
		assert_eq "$vl" "$5|$6|" "$1 [$eng] verdict|flags"
	done
	as_recipient python3 "$top/tests/lib/mailcheck.py" "$rd_file" \
	    "$T/$1.out" >"$T/$1.check" || fail "$1: mailcheck"
	assert_contains "$T/$1.check" "from: Zoë Sénder <$SA>"
	assert_contains "$T/$1.check" "layers: $7"
	assert_contains "$T/$1.check" "body: Grüße aus dem UI ($rd_subj)."
	assert_contains "$T/$1.check" "attachments: 1"
	cmp -s "$ATT" "$T/$1.out/résumé ü.bin" || {
		ls "$T/$1.out" >&2
		fail "$1: attachment differs"
	}
	if [ "$3" = on ]; then
		assert_contains "$T/$1.check" "subject: ..."
		assert_contains "$T/$1.check" "protected-subject: $rd_subj"
	else
		assert_contains "$T/$1.check" "subject: $rd_subj"
	fi
}

# The UI's stderr (sanitizer reports, errors before the screen opens)
# goes to ui.err, shown at exit.
be_sender
ui_start -c "$SCFG" "2>>'$T/ui.err'"
ui_wait "[out]"
round plain off off auto "not signed" none "-"
round pgp-signed on off OpenPGP signed none "pgp-signed"
round pgp-encrypted on on OpenPGP signed encrypted "pgp-encrypted"
round smime-signed on off S/MIME signed none "smime-signed"
round smime-encrypted on on S/MIME signed "encrypted, no-aead" \
    "smime-enveloped-data smime-signed"
ui_keys Q
ui_wait "EXITED 0"
ui_stop

# The reply, as the recipient, to the PGP encrypted message.
orig="Grüße pgp-encrypted ✓"
be_recipient
ui_start -c "$RCFG" "2>>'$T/ui.err'"
ui_wait "[in]"
# Its Subject is protected, so no search finds it; but it is the third of
# the five, in either order.
ui_wait "Grüße smime-signed ✓"
ui_keys g
ui_keys j
ui_keys j
ui_keys Enter
ui_wait "Grüße aus dem UI ($orig)."
ui_keys r
ui_wait "Subject: Re: $orig"
ui_wait "> Grüße aus dem UI ($orig)."
ui_wait "encrypt on, protocol OpenPGP"
ui_wait "sign on"
snap "$S_INBOX"
ui_keys y
ui_wait "queued for sending"
outbox_drained as_recipient "$RCFG"
ui_keys Q
ui_keys Q
ui_wait "EXITED 0"
ui_stop

as_sender "$CACHET" -c "$SCFG" sync --quiet out || fail "sender sync"
rp_file=$(arrived "$S_INBOX") || exit 1
as_sender python3 "$top/tests/lib/mailcheck.py" "$rp_file" "$T/reply.out" \
    >"$T/reply.check" || fail "reply: mailcheck"
assert_contains "$T/reply.check" "from: Rcv <$RA>"
assert_contains "$T/reply.check" "layers: pgp-encrypted"
assert_contains "$T/reply.check" "subject: ..."
assert_contains "$T/reply.check" "protected-subject: Re: $orig"
as_sender "$CACHET" -c "$SCFG" show "$rp_file" >"$T/reply.show" 2>&1 ||
    true
assert_contains "$T/reply.show" "> Grüße aus dem UI ($orig)."
assert_contains "$T/reply.show" "> second line"
exit 0
