# `cachet import`: keys from a key file, from a message's
# application/pgp-keys part and from its Autocrypt header (only when the
# header's addr is the sender), certificates from a file; nothing becomes
# trusted by importing; junk is refused with a clear message.
. "$(dirname "$0")/../lib/env.sh"

K=$T/k
on_exit() {
	for h in "$K/s" "$K/r" "$T/g" "$T/b2"; do
		[ -d "$h" ] && GNUPGHOME=$h gpgconf --kill all 2>/dev/null
	done
	return 0
}
sh "$top/tests/lib/send-keys.sh" "$K" alice@example.test bob@example.test ||
    fail "cannot make keys"
G=$T/g
mkdir -p "$G"
chmod 700 "$G"
printf 'pinentry-program /nonexistent\n' >"$G/gpg-agent.conf"
printf 'disable-dirmngr\n' >"$G/gpgsm.conf"
export GNUPGHOME=$G
has_key() {	# addr
	gpg --batch --no-tty --list-keys "$1" >/dev/null 2>&1
}

# Alice's public key, armoured and binary (minimal, as Autocrypt sends).
gpg --homedir "$K/s" --batch --armor --export alice@example.test >"$T/alice.asc"
gpg --homedir "$K/r" --batch --export-options export-minimal --export \
    bob@example.test >"$T/bob.bin"

# 1. A key file.
"$CACHET" import "$T/alice.asc" >"$T/out" 2>&1 || { cat "$T/out"; fail "import a key file"; }
assert_contains "$T/out" "alice@example.test"
assert_contains "$T/out" "not trusted by importing"
has_key alice@example.test || fail "alice's key is not in the keyring"
gpg --batch --with-colons --list-keys alice@example.test >"$T/colons"
grep -q '^pub:[-qon]:' "$T/colons" || fail "an imported key became valid"

# 2. A message with the key attached.
{
	printf 'From: Alice <alice@example.test>\nTo: me@example.test\n'
	printf 'Subject: my key\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
	printf 'Content-Type: text/plain\n\nhere it is\n--b\n'
	printf 'Content-Type: application/pgp-keys; name="alice.asc"\n'
	printf 'Content-Disposition: attachment; filename="alice.asc"\n\n'
	cat "$T/alice.asc"
	printf '\n--b--\n'
} >"$T/attached.eml"
gpgconf --kill all
rm -f "$G/pubring.kbx"
"$CACHET" import "$T/attached.eml" >"$T/out" 2>&1 || { cat "$T/out"; fail "import from an attachment"; }
assert_contains "$T/out" "imported from attached key"
has_key alice@example.test || fail "the attached key was not imported"

# 2b. A secret key in a message is refused: only the user's own files
# bring secret keys.
gpg --homedir "$K/r" --batch --pinentry-mode loopback --passphrase '' \
    --armor --export-secret-keys bob@example.test >"$T/bob-secret.asc"
{
	printf 'From: Bob <bob@example.test>\nTo: me@example.test\n'
	printf 'Subject: take this\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
	printf 'Content-Type: text/plain\n\nhere\n--b\n'
	printf 'Content-Type: application/pgp-keys; name="k.asc"\n\n'
	cat "$T/bob-secret.asc"
	printf '\n--b--\n'
} >"$T/secret.eml"
rc=0
"$CACHET" import "$T/secret.eml" >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "importing a secret key from a message"
assert_contains "$T/out" "secret key"
gpg --batch --list-secret-keys bob@example.test >/dev/null 2>&1 &&
    fail "a secret key was taken from a message"
has_key bob@example.test && fail "part of a refused import went in"

# 3. Autocrypt: imported for its sender only.
kd=$(base64 -w 0 "$T/bob.bin")
autocrypt_msg() {	# file from-addr
	{
		printf 'From: Bob <%s>\nTo: me@example.test\nSubject: hi\n' "$2"
		printf 'Autocrypt: addr=bob@example.test; prefer-encrypt=mutual;\n'
		printf ' keydata=%s\n' "$kd" | fold -w 76 | sed '2,$s/^/ /'
		printf '\nhello\n'
	} >"$1"
}
autocrypt_msg "$T/forged.eml" mallory@example.test
rc=0
"$CACHET" import "$T/forged.eml" >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "Autocrypt header of another address"
assert_contains "$T/out" "carries no key"
has_key bob@example.test && fail "a key was taken from a forged header"
autocrypt_msg "$T/ac.eml" bob@example.test
"$CACHET" import "$T/ac.eml" >"$T/out" 2>&1 || { cat "$T/out"; fail "import an Autocrypt header"; }
assert_contains "$T/out" "imported from Autocrypt header"
has_key bob@example.test || fail "the Autocrypt key was not imported"

# 4. A certificate file goes to the S/MIME engine.
"$CACHET" import "$K/pki/r.crt" >"$T/out" 2>&1 || { cat "$T/out"; fail "import a certificate"; }
assert_contains "$T/out" "bob@example.test"
gpgsm --batch --list-keys bob@example.test >/dev/null 2>&1 ||
    fail "the certificate is not in gpgsm's keybox"

# 5. Junk.
printf 'not a key\n' >"$T/junk"
rc=0
"$CACHET" import "$T/junk" >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "importing junk"

# 6. Provenance: `cachet keys` says where each key last came from
# (alice's from the attachment; bob's from the Autocrypt header; the
# certificate from its file); the record is one line per fingerprint.
# With a Message-ID and a Date, Autocrypt's detail names both.
"$CACHET" keys alice@example.test >"$T/keys" 2>/dev/null || fail "keys alice"
assert_contains "$T/keys" "origin:      attachment in a message without Message-ID"
"$CACHET" keys bob@example.test >"$T/keys" 2>/dev/null || fail "keys bob"
assert_contains "$T/keys" "origin:      Autocrypt in a message without Message-ID"
assert_contains "$T/keys" "origin:      file $K/pki/r.crt"
{
	printf 'Message-ID: <ac-2@example.test>\n'
	printf 'Date: Sun, 01 Nov 2026 10:00:00 +0000\n'
	cat "$T/ac.eml"
} >"$T/ac2.eml"
"$CACHET" import "$T/ac2.eml" >"$T/out" 2>&1 || { cat "$T/out"; fail "import ac2"; }
"$CACHET" keys bob@example.test >"$T/keys" 2>/dev/null || fail "keys bob"
assert_contains "$T/keys" "origin:      Autocrypt <ac-2@example.test>, sent 2026-11-01 (imported "
REC=$XDG_DATA_HOME/cachet/keyorigin
[ -f "$REC" ] || fail "no key origin record"
awk -F '\t' 'NF != 4 { exit 1 }' "$REC" || fail "malformed record lines"
# A damaged record is read tolerantly: bad lines are skipped.
printf 'garbage\nZZZZ\tfile\tx\t1\n' >>"$REC"
printf 'no newline at the end' >>"$REC"
"$CACHET" keys bob@example.test >"$T/keys" 2>/dev/null || fail "keys bob (2)"
assert_contains "$T/keys" "origin:      Autocrypt"

# 7. Another key for an address that has one: refused without --replace,
# naming the address and both fingerprints; nothing is imported. The
# same key again is a refresh, not a conflict.
gen_bob2() {
	mkdir -p -m 700 "$T/b2"
	gpg --homedir "$T/b2" --batch --passphrase '' --quick-gen-key \
	    "Bob Two <bob@example.test>" default default never 2>/dev/null ||
	    fail "cannot make a second key for bob"
	gpg --homedir "$T/b2" --batch --armor --export >"$T/bob2.asc"
}
gen_bob2
fpr() {	# home
	gpg --homedir "$1" --batch --with-colons --list-keys |
	    awk -F: '/^fpr:/ { print $10; exit }'
}
OLD=$(fpr "$K/r")
NEW=$(fpr "$T/b2")
rc=0
"$CACHET" import "$T/bob2.asc" >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "a second key for bob"
assert_contains "$T/out" "bob@example.test already has key $OLD"
assert_contains "$T/out" "the new key is $NEW"
assert_contains "$T/out" "--replace"
gpg --batch --list-keys "$NEW" >/dev/null 2>&1 &&
    fail "the second key came in without --replace"
"$CACHET" import "$T/ac.eml" >"$T/out" 2>&1 || { cat "$T/out"; fail "the same key again"; }
"$CACHET" import --replace "$T/bob2.asc" >"$T/out" 2>&1 ||
    { cat "$T/out"; fail "import --replace"; }
gpg --batch --list-keys "$NEW" >/dev/null 2>&1 ||
    fail "the second key is not in the keyring after --replace"
"$CACHET" keys "$NEW" >"$T/keys" 2>/dev/null || fail "keys NEW"
assert_contains "$T/keys" "origin:      file $T/bob2.asc"
rc=0
"$CACHET" import --bogus "$T/bob2.asc" >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "bad option"
exit 0
