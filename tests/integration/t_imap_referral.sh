# IMAP referrals are never followed. A fake server (fakeimap referral-*)
# answers LOGIN, AUTHENTICATE or SELECT with NO [REFERRAL imap://...] that
# points at a second listener of its own: the sync fails at once with an
# error that names the account and repeats the server's refusal, says the
# referral was not followed, and nothing ever connects to the second
# listener. Nothing is stored from a mailbox whose SELECT was referred.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"

esc=$(printf '\033')

# A sync that must fail, its message holding want and naming the URL the
# referral points to (imap://USERINFO127.0.0.1:PORT2/PATH) as not followed.
referred() {	# mode account want userinfo path
	fake_start "$1" "$T/$1.log"
	r_port=$(sed -n 's/^# 0 referral listener on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$T/$1.log")
	[ -n "$r_port" ] || fail "$1: no referral listener"
	[ "$r_port" != "$FAKE_PORT" ] || fail "$1: one port for both"
	write_config "$T/cfg.$1" "$2" fakeuser "imap_port=$FAKE_PORT" \
	    "timeout=5"
	start=$(date +%s)
	set +e
	"$CACHET" -c "$T/cfg.$1" sync 2>"$T/err.$1"
	rc=$?
	set -e
	took=$(( $(date +%s) - start ))
	# Give a connection to the referral target time to be logged.
	sleep 0.5
	fake_stop
	cat "$T/err.$1"
	[ "$rc" -ne 0 ] || fail "$1: sync succeeded"
	[ "$rc" -lt 90 ] || fail "$1: exit code $rc (a sanitizer?)"
	assert_eq "$rc" 1 "$1: exit code"
	[ "$took" -le 4 ] || fail "$1: took ${took}s, not an immediate error"
	assert_contains "$T/err.$1" "$2: "
	assert_contains "$T/err.$1" "$3"
	assert_contains "$T/err.$1" \
	    "(referral to imap://${4}127.0.0.1:$r_port/$5 not followed)"
	assert_not_contains "$T/err.$1" "$esc"
	# Nothing reached the place the referral points to.
	if grep -E '^(# )?R ' "$T/$1.log" >&2; then
		fail "$1: something connected to the referral target"
	fi
	# The refusal came over TLS, and nothing was sent in clear.
	if grep -E '^[0-9]+ plain ' "$T/$1.log" >&2; then
		fail "$1: bytes sent before TLS"
	fi
}

# A login referral to LOGIN (no AUTH=PLAIN offered) and to AUTHENTICATE.
referred referral-login rlogin "try elsewhere" user@ ""
grep -q '^[0-9]* tls [^ ]* LOGIN ' "$T/referral-login.log" ||
    fail "referral-login: no LOGIN was sent"
referred referral-auth rauth "try elsewhere" user@ ""
grep -q '^[0-9]* tls [^ ]* AUTHENTICATE PLAIN' "$T/referral-auth.log" ||
    fail "referral-auth: no AUTHENTICATE PLAIN was sent"
# A login refused by referral is not tried again on the same server.
for m in referral-login referral-auth; do
	n=$(grep -c -E '^[0-9]+ tls [^ ]* (LOGIN|AUTHENTICATE) ' "$T/$m.log" ||
	    true)
	assert_eq "$n" 1 "$m: logins sent"
done

# A mailbox referral to SELECT: nothing stored from INBOX.
referred referral-select rselect "moved" "" INBOX
grep -q '^[0-9]* tls [^ ]* SELECT INBOX' "$T/referral-select.log" ||
    fail "referral-select: no SELECT was sent"
n=$(storectl count "$(store_of rselect)" INBOX 2>/dev/null || echo 0)
assert_eq "$n" 0 "messages stored from a referred mailbox"
