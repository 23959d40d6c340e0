# `cachet keys` over a GnuPG home holding the demo keys (imported here with
# gpg and gpgsm, as the demo account does): the OpenPGP keys with their
# validity, owner trust, usage and secret part, then the S/MIME
# certificates with issuer; --secret and a pattern narrow the list. Then
# the key view in the UI of `cachet --demo`: K opens it, it lists the demo
# keys with their validity words, j moves the selection and the detail
# block follows, q closes it. Also `cachet keys --trust FPR LEVEL`.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/tmux.sh"
. "$top/tests/lib/gnupg.sh"

K=$top/src/demo/keys
on_exit() {
	ui_stop
	gnupg_stop
}
gnupg_home "$T/g"
printf 'no-auto-key-retrieve\nauto-key-locate local\n' >"$GNUPGHOME/gpg.conf"
echo disable-dirmngr >"$GNUPGHOME/gpgsm.conf"
cp "$K/trustlist.txt" "$GNUPGHOME/"
q() { "$@" >/dev/null 2>>"$T/gpg.log" || fail "$* failed: $(tail -1 "$T/gpg.log")"; }
q gpg --batch --no-tty --import "$K/demo.sec.asc" "$K/alice.pub.asc" \
    "$K/bob.pub.asc"
q gpg --batch --no-tty --import-ownertrust "$K/ownertrust.txt"
q gpg --batch --no-tty --check-trustdb
q gpgsm --batch --import "$K/smime-ca.crt.pem" "$K/smime-alice.crt.pem"
q gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 \
    --import "$K/smime-demo.p12" </dev/null

# The block (paragraph) of the listing that mentions $2.
block() {	# file string
	awk -v RS= -v s="$2" 'index($0, s) { print; print "" }' "$1"
}
# Wait until the screen no longer shows STRING, up to ~10 s.
gone() {	# string
	i=0
	while ui_screen | grep -F -q -e "$1"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { ui_screen >&2; fail "'$1' stays"; }
		sleep 0.1
	done
}
has() {		# file string
	grep -F -q -e "$2" "$1" || { cat "$1" >&2; fail "no '$2' in $1"; }
}

"$CACHET" keys >"$T/keys" 2>"$T/keys.err" || fail "cachet keys: exit $?"
[ -s "$T/keys.err" ] && { cat "$T/keys.err" >&2; fail "warnings"; }
# OpenPGP first, then X.509, six in all.
assert_eq "$(grep -c '^OpenPGP key ' "$T/keys")" 3 "OpenPGP keys"
assert_eq "$(grep -c '^X.509 certificate ' "$T/keys")" 3 "certificates"
assert_eq "$(grep -E '^(OpenPGP|X.509)' "$T/keys" | cut -d' ' -f1 | uniq |
    tr '\n' ' ')" "OpenPGP X.509 " "order"
LC_ALL=C grep -q '[[:cntrl:]]' "$T/keys" && fail "control bytes in output"

block "$T/keys" "user ID:     Demo User" >"$T/demo"
has "$T/demo" "OpenPGP key AEA9006429BAB47214D2206599D9D5054BBE69F6"
has "$T/demo" "address:     demo@example.org"
has "$T/demo" "validity:    ultimate"
has "$T/demo" "owner trust: ultimate"
has "$T/demo" "secret:      yes"
has "$T/demo" "usage:       sign, encrypt"
has "$T/demo" "created:     2026-06-01"
has "$T/demo" "expires:     never"
has "$T/demo" "flags:       none"
has "$T/demo" "origin:      keyring"

block "$T/keys" "user ID:     Alice Example" >"$T/alice"
has "$T/alice" "validity:    full"
has "$T/alice" "secret:      no"

block "$T/keys" "user ID:     Bob Example" >"$T/bob"
has "$T/bob" "validity:    unknown"
has "$T/bob" "owner trust: unknown"
has "$T/bob" "secret:      no"

block "$T/keys" "subject:     CN=Example Org Demo CA" >"$T/ca"
has "$T/ca" "issuer:      CN=Example Org Demo CA,O=Example Org"
has "$T/ca" "expires:     2036-06-01"
block "$T/keys" "address:     alice@example.org" |
    awk -v RS= '/^X.509/' >"$T/salice"
has "$T/salice" "CN=Alice Example"
has "$T/salice" "issuer:      CN=Example Org Demo CA,O=Example Org"
has "$T/salice" "validity:    full"
has "$T/salice" "secret:      no"
block "$T/keys" "address:     demo@example.org" |
    awk -v RS= '/^X.509/' >"$T/sdemo"
has "$T/sdemo" "CN=Demo User"
has "$T/sdemo" "secret:      yes"
# No owner trust for certificates, no issuer for OpenPGP keys.
awk -v RS= '/^X.509/' "$T/keys" | grep -q 'owner trust' &&
    fail "owner trust shown for a certificate"
awk -v RS= '/^OpenPGP/' "$T/keys" | grep -q 'issuer:' &&
    fail "issuer shown for an OpenPGP key"

# --secret: the two keys with a secret part.
"$CACHET" keys --secret >"$T/sec" 2>/dev/null || fail "keys --secret"
assert_eq "$(grep -cE '^(OpenPGP|X.509)' "$T/sec")" 2 "secret keys"
has "$T/sec" "Demo User"
grep -q "Alice" "$T/sec" && fail "--secret lists Alice"

# A pattern: an address matches exactly, in both protocols.
"$CACHET" keys alice@example.org >"$T/pat" 2>/dev/null || fail "pattern"
assert_eq "$(grep -cE '^(OpenPGP|X.509)' "$T/pat")" 2 "alice's keys"
rc=0
"$CACHET" keys nobody@example.com >/dev/null 2>"$T/none" || rc=$?
assert_eq "$rc" 1 "no match: exit 1"
has "$T/none" "no keys or certificates match"
rc=0
"$CACHET" keys --bogus >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "bad option"

# --trust: Bob's owner trust, by full fingerprint only; the trust
# database changes (the security status cache keys on it), Bob's own
# validity does not (nobody certified his key).
BOB=C816F6C0E3571816DEE3072E227FD76AE5BB6C1B
before=$(stat -c %y "$GNUPGHOME/trustdb.gpg")
sleep 0.01
"$CACHET" keys --trust "$BOB" full >"$T/tr" 2>&1 || { cat "$T/tr"; fail "--trust full"; }
has "$T/tr" "owner trust of $BOB set to full"
[ "$(stat -c %y "$GNUPGHOME/trustdb.gpg")" != "$before" ] ||
    fail "the trust database did not change"
"$CACHET" keys bob@example.net >"$T/bobt" 2>/dev/null || fail "keys bob"
has "$T/bobt" "owner trust: full"
has "$T/bobt" "validity:    unknown"
gpg --batch --export-ownertrust 2>/dev/null | grep -q "^$BOB:5:" ||
    fail "gpg does not see full owner trust"
for bad in 227FD76AE5BB6C1B E5BB6C1B bob@example.net; do
	rc=0
	"$CACHET" keys --trust "$bad" full >/dev/null 2>"$T/tr" || rc=$?
	assert_eq "$rc" 2 "--trust $bad"
	has "$T/tr" "full fingerprint"
done
rc=0
"$CACHET" keys --trust "$BOB" total >/dev/null 2>"$T/tr" || rc=$?
assert_eq "$rc" 2 "--trust with a bad level"
rc=0
"$CACHET" keys --trust 0000000000000000000000000000000000000000 never \
    >/dev/null 2>"$T/tr" || rc=$?
assert_eq "$rc" 1 "--trust of a key not in the keyring"
has "$T/tr" "no key"
"$CACHET" keys --trust "$BOB" unknown >/dev/null 2>&1 || fail "--trust unknown"
"$CACHET" keys bob@example.net >"$T/bobt" 2>/dev/null || fail "keys bob"
has "$T/bobt" "owner trust: unknown"

# The key view of the demo account.
ui_start --demo
ui_wait "INBOX"
ui_keys K
ui_wait "Keys and certificates: 6"
ui_wait "keys  1/6"
ui_screen >"$T/s1"
has "$T/s1" "OpenPGP ultimate sign, encrypt sec keyring    Demo User <demo@example.org>"
has "$T/s1" "OpenPGP full     sign, encrypt     keyring    Alice Example"
has "$T/s1" "OpenPGP unknown  sign, encrypt     keyring    Bob Example"
has "$T/s1" "X.509   ultimate"
has "$T/s1" "X.509   full     sign, encrypt     keyring    alice@example.org"
has "$T/s1" "X.509   full     sign, encrypt sec keyring    demo@example.org"
has "$T/s1" "OpenPGP key AEA9006429BAB47214D2206599D9D5054BBE69F6"
has "$T/s1" "owner trust: ultimate"
ui_keys j j
ui_wait "keys  3/6"
ui_wait "user ID:     Bob Example <bob@example.net>"
ui_wait "OpenPGP key C816F6C0E3571816DEE3072E227FD76AE5BB6C1B"
ui_absent "OpenPGP key AEA9006429BAB47214D2206599D9D5054BBE69F6"
ui_keys G
ui_wait "keys  6/6"
ui_wait "issuer:      CN=Example Org Demo CA"
ui_keys q
gone "Keys and certificates"
ui_wait "INBOX"
ui_keys K
ui_wait "Keys and certificates: 6"
ui_keys Escape
gone "Keys and certificates"
ui_keys Q
ui_wait "EXITED 0"
ui_stop
echo ok
