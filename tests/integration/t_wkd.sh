# `cachet keys --locate ADDR`: a Web Key Directory look-up over HTTPS,
# against a loopback server (python's http.server wrapped in TLS, with a
# certificate for openpgpkey.example.test and example.test from a CA made
# here). CACHET_WKD_CONNECT_TO sends both names to 127.0.0.1 and
# CACHET_WKD_CA trusts the test CA. Covered: found through the advanced
# method; found through the direct method when the advanced one has
# nothing; the hash in the URL is GnuPG's (gpg-wks-client); a key without
# the address asked for is refused; nothing published; the server down;
# an answer over 256 KiB; a redirect to another host; a second key for an
# address needs --replace; the origin shows in `cachet keys`. Nothing is
# imported on any failure.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/gnupg.sh"
. "$top/tests/lib/wkd.sh"

G=$T/g
W=$T/www
PORTS="26431 26432 26433 26434 26435"
on_exit() {
	wkd_stop
	gnupg_stop
}
gnupg_home "$G" "$T/k1" "$T/k2" "$T/k3"
printf 'disable-dirmngr\n' >"$G/gpgsm.conf"

# Keys: bob (twice: two different keys) and carol.
gnupg_new_key "$T/k1" "Bob <bob@example.test>"
gnupg_new_key "$T/k2" "Bob Again <bob@example.test>"
gnupg_new_key "$T/k3" "Carol <carol@example.test>"
BOB1=$(gnupg_fpr "$T/k1")
BOB2=$(gnupg_fpr "$T/k2")

HB=$(wkd_hash bob@example.test)
HC=$(wkd_hash carol@example.test)
HD=$(wkd_hash dave@example.test)
HE=$(wkd_hash erin@example.test)
HF=$(wkd_hash frank@example.test)
ADV=$W/adv/.well-known/openpgpkey/example.test/hu
DIR=$W/dir/.well-known/openpgpkey/hu
mkdir -p "$ADV" "$DIR"

# The server (tests/lib/wkdserver.py): the advanced host serves $W/adv,
# the other $W/dir; a file NAME.redirect answers 302 to the URL it holds.
# It logs each request to $T/req.log.
wkd_start "$W" $PORTS

count_keys() {
	gpg --batch --no-tty --with-colons --list-keys 2>/dev/null |
	    grep -c '^pub:' || true
}
locate() {	# addr [--replace]: sets RC, output in $T/out and $T/err
	RC=0
	"$CACHET" keys --locate "$@" >"$T/out" 2>"$T/err" || RC=$?
}

# 1. Advanced method (binary key, as WKD serves it).
gpg --homedir "$T/k1" --batch --export bob@example.test >"$ADV/$HB"
locate bob@example.test
[ "$RC" = 0 ] || { cat "$T/err"; fail "locate via the advanced method"; }
assert_contains "$T/out" "$BOB1"
assert_contains "$T/req.log" \
    "openpgpkey.example.test /.well-known/openpgpkey/example.test/hu/$HB?l=bob"
assert_not_contains "$T/req.log" "example.test /.well-known/openpgpkey/hu/"
"$CACHET" keys bob@example.test >"$T/keys" || fail "cachet keys"
assert_contains "$T/keys" "origin:      WKD https://openpgpkey.example.test/.well-known/openpgpkey/example.test/hu/$HB?l=bob"
gpg --batch --with-colons --list-keys bob@example.test >"$T/colons"
grep -q '^pub:[-qon]:' "$T/colons" || fail "a WKD key became valid"

# 2. Direct method when the advanced host has nothing (404); the local
# part keeps its case in l=, the hash is of the lower-cased one.
gpg --homedir "$T/k3" --batch --export carol@example.test >"$DIR/$HC"
: >"$T/req.log"
locate Carol@example.test
[ "$RC" = 0 ] || { cat "$T/err"; fail "locate via the direct method"; }
assert_contains "$T/req.log" "openpgpkey.example.test /.well-known/openpgpkey/example.test/hu/$HC?l=Carol"
assert_contains "$T/req.log" "example.test /.well-known/openpgpkey/hu/$HC?l=Carol"
"$CACHET" keys carol@example.test >"$T/keys" || fail "cachet keys carol"
assert_contains "$T/keys" "origin:      WKD https://example.test/.well-known/openpgpkey/hu/$HC?l=Carol"
N=$(count_keys)
assert_eq "$N" 2 "keys after two look-ups"

# 3. The key served for dave is carol's: refused.
cp "$DIR/$HC" "$DIR/$HD"
locate dave@example.test
assert_eq "$RC" 1 "a key without the address"
assert_contains "$T/err" "has no user ID with the address dave@example.test"

# 4. Nothing published for erin.
locate erin@example.test
assert_eq "$RC" 1 "nothing published"
assert_contains "$T/err" "no key published"

# 5. Too large (300 KiB) for frank.
head -c 307200 /dev/zero >"$DIR/$HF"
locate frank@example.test
assert_eq "$RC" 1 "too large"
assert_contains "$T/err" "more than 256 KiB"
rm "$DIR/$HF"

# 6. A redirect to another host is not followed.
echo "https://elsewhere.example.test/k" >"$ADV/$HF.redirect"
echo "https://elsewhere.example.test/k" >"$DIR/$HF.redirect"
: >"$T/req.log"
locate frank@example.test
assert_eq "$RC" 1 "redirect elsewhere"
assert_contains "$T/err" "redirected elsewhere"
assert_not_contains "$T/req.log" "elsewhere"

# 7. Another key for bob: refused without --replace, naming both keys.
gpg --homedir "$T/k2" --batch --export bob@example.test >"$ADV/$HB"
locate bob@example.test
assert_eq "$RC" 1 "second key for bob"
assert_contains "$T/err" "bob@example.test already has key $BOB1"
assert_contains "$T/err" "$BOB2"
gpg --batch --list-keys "$BOB2" >/dev/null 2>&1 &&
    fail "bob's second key came in without --replace"
assert_eq "$(count_keys)" 2 "keys after the refusals"
locate bob@example.test --replace
[ "$RC" = 0 ] || { cat "$T/err"; fail "locate --replace"; }
gpg --batch --list-keys "$BOB2" >/dev/null 2>&1 ||
    fail "bob's second key is not in the keyring after --replace"

# 8. The server down: a clear error, nothing imported.
wkd_stop
locate carol@example.test
assert_eq "$RC" 1 "server down"
assert_contains "$T/err" "Couldn't connect"
assert_eq "$(count_keys)" 3 "keys at the end"

# 9. Not an address.
locate 'x/@example.test'
assert_eq "$RC" 1 "bad address"
assert_contains "$T/err" "not an address"
exit 0
