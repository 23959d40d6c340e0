#!/bin/sh
# t_send: `cachet send` end to end with real servers on loopback: a private
# Postfix (TLS + AUTH through the test Dovecot) delivers over LMTP into the
# test Dovecot. For plain, PGP signed, PGP encrypted+signed, S/MIME signed
# and S/MIME encrypted+signed: send with a non-ASCII subject, sender name
# and attachment name, sync the recipient, check the received message
# with `cachet verify` through the crypto engines (S/MIME through both
# engines) and that the attachment comes back byte-identical. Also: Bcc
# delivered but not visible; encryption to a recipient without a key is
# refused and nothing is sent; with the MTA stopped the message waits in
# the outbox with the error and, once the MTA is back, `cachet sync`
# delivers it exactly once; sent copies reach the Sent folder.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"
. "$top/tests/lib/postfix.sh"

K=$T/k
on_exit() {
	postfix_stop
	for h in "$K/s" "$K/r"; do
		[ -d "$h" ] && GNUPGHOME=$h gpgconf --kill all 2>/dev/null
	done
	return 0
}

SU=$(new_user snd)
RU=$(new_user rcv)
BU=$(new_user bcc)
NU=$(new_user nokey)
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
write_config "$RCFG" in "$RU"
cat "$K/crypto.cfg" >>"$RCFG"

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

# msg FILE SUBJECT [TO]: a message as a script would write it.
msg() {
	{
		printf 'To: %s\n' "${3:-Rcv <$RA>}"
		printf 'Subject: %s\n\n' "$2"
		printf 'Grüße aus dem Test (%s).\n\n' "$2"
		printf '.\n.leading dot\nFrom the start of a line\n-- \nZoë\n'
	} >"$1"
}

# snap; ...; arrived: the path of the one message that reached the
# recipient's store since snap (fails unless exactly one did).
INBOX_CUR=$K/rdata/cachet/in/mail/INBOX/cur
snap() {
	ls "$INBOX_CUR" 2>/dev/null | sort >"$T/before"
}
arrived() {
	ls "$INBOX_CUR" 2>/dev/null | sort >"$T/after"
	comm -13 "$T/before" "$T/after" >"$T/new"
	assert_eq "$(wc -l <"$T/new" | tr -d ' ')" 1 "messages arrived"
	printf '%s/%s\n' "$INBOX_CUR" "$(head -n 1 "$T/new")"
}

verify_line() {	# engine file
	as_recipient "$CACHET" -c "$RCFG" verify --smime-engine "$1" "$2" \
	    >"$T/v.out" 2>&1 || true
	sed -n 's/^\(verdict\|flags\): //p' "$T/v.out" | tr '\n' '|'
}

# round MODE SEND-FLAGS WANT-VERDICT WANT-FLAGS WANT-LAYERS
round() {
	rd_subj="Grüße $1 ✓"
	msg "$T/$1.txt" "$rd_subj"
	snap
	rc=0
	as_sender "$CACHET" -c "$SCFG" send $2 --attach "$ATT" "$T/$1.txt" \
	    >"$T/$1.send" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/$1.send" >&2; fail "$1: send exit $rc"; }
	as_recipient "$CACHET" -c "$RCFG" sync --quiet in ||
	    fail "$1: recipient sync"
	rd_file=$(arrived) || exit 1
	for eng in gpgme openssl; do
		case $1 in pgp*) [ "$eng" = openssl ] && continue ;; esac
		assert_eq "$(verify_line "$eng" "$rd_file")" "$3|$4|" \
		    "$1 [$eng] verdict|flags"
	done
	as_recipient python3 "$top/tests/lib/mailcheck.py" "$rd_file" \
	    "$T/$1.out" >"$T/$1.check" || fail "$1: mailcheck"
	assert_contains "$T/$1.check" "from: Zoë Sénder <$SA>"
	assert_contains "$T/$1.check" "layers: $5"
	assert_contains "$T/$1.check" "body: Grüße aus dem Test ($rd_subj)."
	assert_contains "$T/$1.check" "attachments: 1"
	cmp "$ATT" "$T/$1.out/résumé ü.bin" || { ls "$T/$1.out" >&2; cat "$T/$1.check" >&2; }; cmp -s "$ATT" "$T/$1.out/résumé ü.bin" ||
	    fail "$1: attachment differs"
	case $2 in
	*--encrypt*)
		assert_contains "$T/$1.check" "subject: ..."
		assert_contains "$T/$1.check" "protected-subject: $rd_subj"
		;;
	*)
		assert_contains "$T/$1.check" "subject: $rd_subj"
		;;
	esac
}

round plain "" "not signed" none "-"
round pgp-signed "--sign --pgp" signed none "pgp-signed"
round pgp-encrypted "--sign --encrypt --pgp" signed encrypted "pgp-encrypted"
round smime-signed "--sign --smime" signed none "smime-signed"
round smime-encrypted "--sign --encrypt --smime" signed "encrypted, no-aead" \
    "smime-enveloped-data smime-signed"

# Bcc: delivered to the Bcc recipient, invisible to everyone.
{
	printf 'To: %s\nBcc: %s@example.test\nSubject: bcc-check\n\nhi\n' \
	    "$RA" "$BU"
} >"$T/bcc.txt"
as_sender "$CACHET" -c "$SCFG" send "$T/bcc.txt" || fail "bcc: send"
imapctl dump "$BU" "$(password_of "$BU")" INBOX "$T/bccbox" >/dev/null
assert_eq "$(ls "$T/bccbox" | wc -l | tr -d ' ')" 1 "bcc copies"
assert_not_contains "$T/bccbox/1.eml" "Bcc:"
assert_not_contains "$T/bccbox/1.eml" "$BU"

# No key for the recipient: refused, nothing queued, nothing delivered.
msg "$T/nokey.txt" "nokey-check" "$NU@example.test"
rc=0
as_sender "$CACHET" -c "$SCFG" send --encrypt --pgp "$T/nokey.txt" \
    >"$T/nokey.out" 2>&1 || rc=$?
assert_eq "$rc" 1 "send to a recipient without a key"
assert_contains "$T/nokey.out" "$NU@example.test"
assert_contains "$T/nokey.out" "nothing was sent"
as_sender "$CACHET" -c "$SCFG" outbox >"$T/ob.out" 2>&1
assert_contains "$T/ob.out" "outbox empty"
imapctl dump "$NU" "$(password_of "$NU")" INBOX "$T/nokeybox" >/dev/null
assert_eq "$(ls "$T/nokeybox" | wc -l | tr -d ' ')" 0 "nokey deliveries"

# MTA down: queued with the error; back up: delivered once by sync.
postfix_stop
msg "$T/down.txt" "mta-down-check"
as_recipient "$CACHET" -c "$RCFG" sync --quiet in || fail "recipient sync"
snap
rc=0
as_sender "$CACHET" -c "$SCFG" send "$T/down.txt" >"$T/down.out" 2>&1 ||
    rc=$?
assert_eq "$rc" 75 "send with the MTA down"
assert_contains "$T/down.out" "outbox"
as_sender "$CACHET" -c "$SCFG" outbox >"$T/ob.out" 2>&1
assert_contains "$T/ob.out" "queued"
assert_contains "$T/ob.out" "mta-down-check"
grep -q -i -e "refused" -e "connect" "$T/ob.out" ||
    fail "the outbox does not show the connection error"
postfix_start "$T/pf" || fail "cannot restart Postfix"
as_sender "$CACHET" -c "$SCFG" sync --quiet out || fail "sender sync"
as_sender "$CACHET" -c "$SCFG" sync --quiet out || fail "second sync"
as_sender "$CACHET" -c "$SCFG" outbox >"$T/ob.out" 2>&1
assert_contains "$T/ob.out" "outbox empty"
as_recipient "$CACHET" -c "$RCFG" sync --quiet in || fail "recipient sync"
arrived >/dev/null || exit 1

# Every message sent has its copy in the sender's Sent folder.
as_sender "$CACHET" -c "$SCFG" sync --quiet out || fail "sender sync"
imapctl dump "$SU" "$(password_of "$SU")" Sent "$T/sent" >/dev/null ||
    fail "no Sent folder on the server"
assert_eq "$(ls "$T/sent" | wc -l | tr -d ' ')" 7 "copies in Sent"
grep -l -F "mta-down-check" "$T/sent/"*.eml >/dev/null ||
    fail "no Sent copy of the queued message"
exit 0
