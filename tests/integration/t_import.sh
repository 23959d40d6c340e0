# `cachet import`: keys from a key file, from a message's
# application/pgp-keys part and from its Autocrypt header (only when the
# header's addr is the sender), certificates from a file; nothing becomes
# trusted by importing; junk is refused with a clear message.
. "$(dirname "$0")/../lib/env.sh"

K=$T/k
on_exit() {
	for h in "$K/s" "$K/r" "$T/g"; do
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
exit 0
