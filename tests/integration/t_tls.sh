# TLS policy: untrusted CA, wrong host name, expired certificate, pin
# mismatch, a server without STARTTLS, STARTTLS refused, data injected
# after the STARTTLS reply, PREAUTH and garbage greetings: each refused
# with its own error, and no credential ever travels in plain text.
. "$(dirname "$0")/../lib/env.sh"

certs=$CACHET_TEST_CERTS

# expect_refusal NAME WANT-IN-STDERR fake-mode tls [fake args] -- [config kv]
expect_refusal() {
	name=$1 want=$2 mode=$3 tls=$4
	shift 4
	fargs=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		fargs="$fargs $1"
		shift
	done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086
	fake_start "$mode" "$T/$name.log" $fargs
	write_config "$T/$name.cfg" "$name" fakeuser "imap_port=$FAKE_PORT" \
	    "imap_tls=$tls" "timeout=5" "$@"
	set +e
	"$CACHET" -c "$T/$name.cfg" sync --quiet 2>"$T/$name.err"
	rc=$?
	set -e
	fake_stop
	[ "$rc" -eq 1 ] || fail "$name: exit status $rc, want 1"
	assert_contains "$T/$name.err" "$want"
	if grep -E '^[0-9]+ plain .*(LOGIN|AUTHENTICATE|SELECT|LIST)' \
	    "$T/$name.log" >&2; then
		fail "$name: credential or mailbox command sent in plain text"
	fi
	if grep -E '^[0-9]+ tls .*(LOGIN|AUTHENTICATE)' "$T/$name.log" >&2 &&
	    [ "${allow_tls_login:-}" != "$name" ]; then
		fail "$name: login sent to an unverified server"
	fi
}

# The fake server presents these certificates over implicit TLS.
expect_refusal rogue "certificate not trusted (unknown CA)" tls-cert implicit \
    --cert "$certs/rogue.crt" --key "$certs/rogue.key"
expect_refusal wronghost "does not match host" tls-cert implicit \
    --cert "$certs/wronghost.crt" --key "$certs/wronghost.key"
expect_refusal expired "certificate expired" tls-cert implicit \
    --cert "$certs/expired.crt" --key "$certs/expired.key"
expect_refusal pin "pin mismatch" tls-cert implicit -- \
    "cert_fingerprint=$(printf '%064d' 0)"

# STARTTLS downgrade and injection attempts.
expect_refusal nostarttls "does not offer STARTTLS" nostarttls starttls
expect_refusal starttlsbad "refused STARTTLS" starttls-bad starttls
expect_refusal starttlsno "refused STARTTLS" starttls-no starttls
expect_refusal inject "after the STARTTLS reply" inject starttls
expect_refusal preauth "PREAUTH before TLS" preauth starttls
expect_refusal garbage "no valid IMAP greeting" garbage starttls
# implicit TLS to a plain-text server fails in the handshake.
expect_refusal plainserver "TLS" nostarttls implicit

# An [ALERT] in a plain-text greeting is never shown; the login that follows
# over verified TLS is refused by the fake server.
allow_tls_login=alert
expect_refusal alert "login" alert-plain starttls
assert_not_contains "$T/alert.err" "pwned"
assert_not_contains "$T/alert.err" "evil"

# The real Dovecot: the right pin connects; STARTTLS works; a wrong pin
# does not, and Dovecot never saw a plain-text login from us.
u=$(new_user tls)
pin=$(openssl x509 -in "$certs/server.crt" -outform DER |
    openssl dgst -sha256 | sed 's/.*= *//')
write_config "$T/ok.cfg" ok "$u" "cert_fingerprint=$pin"
"$CACHET" -c "$T/ok.cfg" sync --quiet || fail "pinned sync failed"
write_config "$T/stls.cfg" stls "$u" "imap_tls=starttls" \
    "imap_port=$CACHET_TEST_IMAP_PORT"
"$CACHET" -c "$T/stls.cfg" sync --quiet || fail "STARTTLS sync failed"
[ -z "$(plain_logins | grep "$u" || true)" ] ||
    fail "Dovecot logged a plain-text login"
