#!/bin/sh
# t_verify: `cachet verify` and `cachet show` over the security-status
# corpus (tests/lib/crypto-corpus.sh: real gpg/gpgsm/openssl keys and
# certificates made for this run) and over the demo account's shipped
# samples. Every message is checked for its exact verdict, flags, per-part
# result lines and exit code, through every engine that serves its
# protocol: OpenPGP through gpgme, S/MIME through gpgme and openssl, which
# must agree. No network: the engines run offline.
. "$(dirname "$0")/../lib/env.sh"

C=$T/c
O=$T/out
mkdir -p "$O"

on_exit() {
	for h in "$C/g" "$C/d" "$C/m" "$C/o"; do
		[ -d "$h" ] && GNUPGHOME=$h gpgconf --kill all 2>/dev/null
	done
	return 0
}

sh "$top/tests/lib/crypto-corpus.sh" "$C" || fail "cannot make the corpus"

GNUPGHOME=$C/g
XDG_DATA_HOME=$C/data
export GNUPGHOME XDG_DATA_HOME
CFG=$C/cfg
MAILDIR=$C/mail

# The lines of a report that every S/MIME engine must print alike.
key_lines() {
	grep -E -e '^(verdict|flags):|^part |^  signature [0-9]+:' \
	    -e '^  (decrypted|integrity protection):' "$1"
}

line_in() {	# file line
	grep -F -x -q -e "$2" "$1" || {
		cat "$1" >&2
		fail "$1 has no line '$2'"
	}
}

# run_verify NAME ENGINE [cachet options...]: report in $O/NAME.ENGINE
run_verify() {
	rv_name=$1
	rv_eng=$2
	shift 2
	rv_out=$O/$rv_name.$rv_eng
	rv_rc=0
	"$CACHET" -c "$CFG" verify --smime-engine "$rv_eng" "$@" \
	    "$MAILDIR/$rv_name.eml" >"$rv_out" 2>"$rv_out.err" || rv_rc=$?
	if grep -q -e 'Sanitizer' -e 'runtime error' "$rv_out.err"; then
		cat "$rv_out.err" >&2
		fail "$rv_name [$rv_eng]: sanitizer report"
	fi
}

# expect NAME ENGINE EXIT VERDICT FLAGS [LINE...]: each LINE a whole line
# of the report.
expect() {
	ex_name=$1
	ex_eng=$2
	ex_rc=$3
	ex_verdict=$4
	ex_flags=$5
	shift 5
	run_verify "$ex_name" "$ex_eng"
	assert_eq "$(sed -n 's/^verdict: //p' "$rv_out")" "$ex_verdict" \
	    "$ex_name [$ex_eng] verdict"
	assert_eq "$(sed -n 's/^flags: //p' "$rv_out")" "$ex_flags" \
	    "$ex_name [$ex_eng] flags"
	assert_eq "$rv_rc" "$ex_rc" "$ex_name [$ex_eng] exit status"
	for ex_line in "$@"; do
		line_in "$rv_out" "$ex_line"
	done
}

# both NAME EXIT VERDICT FLAGS [LINE...]: S/MIME, both engines, alike.
both() {
	bo_name=$1
	shift
	expect "$bo_name" gpgme "$@"
	expect "$bo_name" openssl "$@"
	key_lines "$O/$bo_name.gpgme" >"$O/$bo_name.k1"
	key_lines "$O/$bo_name.openssl" >"$O/$bo_name.k2"
	if ! cmp -s "$O/$bo_name.k1" "$O/$bo_name.k2"; then
		diff "$O/$bo_name.k1" "$O/$bo_name.k2" >&2
		fail "$bo_name: the S/MIME engines disagree"
	fi
}

pgp() {
	pg_name=$1
	shift
	expect "$pg_name" gpgme "$@"
}

# ----------------------------------------------------------- OpenPGP

WHOLE='covers the whole message'
SIGNED_ALL="part 1: OpenPGP signed (multipart/signed): $WHOLE"
ENC_ALL="part 1: OpenPGP encrypted (multipart/encrypted): $WHOLE"

pgp pgp-good 0 signed none "$SIGNED_ALL" '  signature 1: good' \
    '    address: alice@example.test' '    digest: SHA256' \
    '    trust: full'
pgp pgp-good-crlf 0 signed none "$SIGNED_ALL" '  signature 1: good'
pgp pgp-bad 1 problem none "$SIGNED_ALL" '  signature 1: bad'
pgp pgp-unknown 1 problem none '  signature 1: unknown key'
pgp pgp-expired 1 problem none '  signature 1: expired'
pgp pgp-revoked 1 problem none '  signature 1: revoked' \
    '    revocation: revoked'
pgp pgp-untrusted 1 problem none '  signature 1: untrusted'
pgp pgp-mismatch 1 problem sender-mismatch '  signature 1: good' \
    '    address: bob@example.test'
assert_contains "$rv_out" 'not by the sender <alice@example.test>'
pgp pgp-partly 1 'partly signed' none \
    'part 1.1: OpenPGP signed (multipart/signed): covers only this part' \
    '  signature 1: good'
pgp pgp-wrapped 1 'partly signed' none \
    'part 1.1: OpenPGP signed (multipart/signed): covers only this part'
pgp pgp-weak 1 problem weak '  signature 1: weak digest' \
    '    digest: SHA1'
pgp pgp-ambiguous 1 signed ambiguous-sender '  signature 1: good' \
    'from: (ambiguous: no sender binding)'
pgp pgp-enc 1 'not signed' encrypted "$ENC_ALL" '  decrypted: yes' \
    '  integrity protection: yes'
pgp pgp-enc-signed 0 signed encrypted "$ENC_ALL" '  signature 1: good'
pgp pgp-signed-then-enc 0 signed encrypted "$ENC_ALL" "$SIGNED_ALL" \
    '  signature 1: good'
pgp pgp-enc-then-signed 0 signed encrypted "$SIGNED_ALL" \
    '  signature 1: good' \
    "part 1.1: OpenPGP encrypted (multipart/encrypted): $WHOLE"
pgp pgp-enc-nokey 1 problem decrypt-failed \
    'part 1: OpenPGP encrypted (multipart/encrypted): error' \
    '  decrypted: no'
pgp pgp-nomdc 1 problem 'decrypt-failed, no-integrity' \
    'part 1: OpenPGP encrypted (multipart/encrypted): error' \
    '  cipher: CAST5'
pgp pgp-nested-enc 1 'not signed' 'partly-encrypted, nested-encrypted' \
    'part 1.2: OpenPGP encrypted (multipart/encrypted): not decrypted'
pgp pgp-inline 1 'partly signed' none \
    'part 1: OpenPGP inline signed (text/plain): covers only this part' \
    '  lines: 6-8' '  signature 1: good'
assert_contains "$rv_out" 'partly signed: lines 6-8 of part 1 signed by'
pgp pgp-inline-alone 0 signed none \
    'part 1: OpenPGP inline signed (text/plain): covers the whole message' \
    '  lines: 4-6'
# The armored block is all the body holds: every line of it.
n=$(sed '1,/^$/d' "$MAILDIR/pgp-inline-enc.eml" | wc -l)
pgp pgp-inline-enc 1 'not signed' encrypted \
    'part 1: OpenPGP encrypted (text/plain): covers the whole message' \
    "  lines: 1-$n"
pgp pgp-protected 0 signed encrypted \
    'protected subject: the real subject'

# A nested encrypted part on request: decrypted, still marked partial.
run_verify pgp-nested-enc gpgme --decrypt-nested
line_in "$rv_out" 'flags: partly-encrypted'
line_in "$rv_out" \
    'part 1.2: OpenPGP encrypted (multipart/encrypted): covers only this part'

# ------------------------------------------------------------ S/MIME

SSIGNED_ALL="part 1: S/MIME signed (multipart/signed): $WHOLE"
SENC_ALL="part 1: S/MIME encrypted (application/pkcs7-mime): $WHOLE"
SOPAQUE_ALL="part 1: S/MIME opaque signed (application/pkcs7-mime): $WHOLE"

both smime-good 0 signed none "$SSIGNED_ALL" '  signature 1: good' \
    '    address: alice@example.test'
both smime-bad 1 problem none "$SSIGNED_ALL" '  signature 1: bad'
both smime-unknown 1 problem none '  signature 1: unknown key'
both smime-expired 1 problem none '  signature 1: expired'
both smime-untrusted 1 problem none '  signature 1: untrusted'
both smime-mismatch 1 problem sender-mismatch '  signature 1: good'
both smime-partly 1 'partly signed' none \
    'part 1.1: S/MIME signed (multipart/signed): covers only this part'
both smime-wrapped 1 'partly signed' none \
    'part 1.1: S/MIME signed (multipart/signed): covers only this part'
both smime-weak 1 problem weak '  signature 1: weak digest'
both smime-opaque 0 signed none "$SOPAQUE_ALL" '  signature 1: good'
both smime-detached-content 1 problem none \
    'part 1: S/MIME signed (multipart/signed): error'
both smime-nosigner 1 problem none \
    'part 1: S/MIME signed (multipart/signed): error'
both smime-enc-cbc 1 'not signed' 'encrypted, no-aead' "$SENC_ALL" \
    '  decrypted: yes' '  integrity protection: no'
both smime-enc-nokey 1 problem decrypt-failed \
    'part 1: S/MIME encrypted (application/pkcs7-mime): error'
both smime-enc-3des 1 'not signed' 'encrypted, weak, no-aead' "$SENC_ALL"
both smime-signed-then-enc 0 signed 'encrypted, no-aead' "$SENC_ALL" \
    "$SOPAQUE_ALL" '  signature 1: good'
both smime-clear-signed-then-enc 0 signed 'encrypted, no-aead' \
    "$SENC_ALL" "$SSIGNED_ALL"
both smime-raw-signed-enc 0 signed 'encrypted, no-aead' "$SENC_ALL" \
    "$SOPAQUE_ALL"
both smime-evil 1 problem sender-mismatch '  signature 1: good'
for e in gpgme openssl; do
	if grep -P '[\x00-\x08\x0b-\x1f\x7f]' "$O/smime-evil.$e" >/dev/null
	then
		fail "smime-evil [$e]: control bytes in the report"
	fi
done

# Where the engines differ, each is asserted for what it does:
# revocation needs a CRL, which only the openssl engine reads offline
# (gpgsm checks CRLs through dirmngr, which an offline engine never
# asks); gpgsm 2.2 has no authEnveloped-data (AES-GCM).
CFG=$C/cfg-crl
expect smime-revoked openssl 1 problem none '  signature 1: revoked' \
    '    revocation: revoked'
expect smime-revoked gpgme 0 signed none '  signature 1: good' \
    '    revocation: not checked'
CFG=$C/cfg
expect smime-enc-gcm openssl 1 'not signed' encrypted "$SENC_ALL" \
    '  integrity protection: yes'
expect smime-enc-gcm gpgme 1 problem decrypt-failed
expect smime-enc-gcm-bad openssl 1 problem 'decrypt-failed, no-integrity'
expect smime-enc-gcm-bad gpgme 1 problem decrypt-failed

# -------------------------------------------------------------- JSON

"$CACHET" -c "$CFG" verify --json "$MAILDIR/pgp-good.eml" >"$O/good.json" ||
    fail "verify --json pgp-good failed"
"$PYTHON" - "$O/good.json" <<'PY' || fail "bad JSON report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "signed" and r["clean"] is True, r
p = r["parts"][0]
assert p["path"] == "1" and p["covers_all"] is True, p
assert p["signatures"][0]["result"] == "good", p
assert p["signatures"][0]["addresses"] == ["alice@example.test"], p
PY
"$CACHET" -c "$CFG" verify --json "$MAILDIR/smime-evil.eml" \
    >"$O/evil.json" || true
"$PYTHON" -c 'import json, sys; json.load(open(sys.argv[1]))' \
    "$O/evil.json" || fail "smime-evil: bad JSON report"

# ------------------------------------------------------------- input

rc=0
"$CACHET" -c "$CFG" verify - <"$MAILDIR/pgp-good.eml" >"$O/stdin" || rc=$?
assert_eq "$rc" 0 "verify from standard input"
line_in "$O/stdin" 'verdict: signed'
rc=0
"$CACHET" -c "$CFG" verify "$C/no-such-file" >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "verify of a missing file"
rc=0
head -c 67108865 /dev/zero | "$CACHET" -c "$CFG" verify - >/dev/null \
    2>"$O/big.err" || rc=$?
assert_eq "$rc" 2 "verify of more than 64 MiB"
assert_contains "$O/big.err" "larger than 64 MiB"
rc=0
"$CACHET" -c "$CFG" verify --bogus >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "verify with a bad option"

# -------------------------------------------------------------- show

show() {	# name [options...]
	sh_name=$1
	shift
	sh_out=$O/$sh_name.show
	"$CACHET" -c "$CFG" show "$@" "$MAILDIR/$sh_name.eml" >"$sh_out" \
	    2>"$sh_out.err" || fail "show $sh_name failed"
	if grep -P '[\x00-\x08\x0b-\x1f\x7f]' "$sh_out" >/dev/null; then
		od -c "$sh_out" | head -40 >&2
		fail "show $sh_name: control bytes in the output"
	fi
}

show escapes
assert_eq "$(head -n 1 "$O/escapes.show")" "[cachet] not signed" \
    "escapes: banner"
# A Q-encoded escape in From, OSC and CSI in Subject and body, C1 CSI,
# BEL, NUL, DEL: all made visible, none passed on.
assert_contains "$O/escapes.show" "GOOD SIGNATURE"
assert_contains "$O/escapes.show" "?[2J?[H"
show pgp-good
afpr=$(gpg --homedir "$C/g" --with-colons --list-keys alice@example.test |
    awk -F: '/^fpr/ { print $10; exit }')
want="[cachet] signed by Alice Test <alice@example.test>"
assert_eq "$(head -n 1 "$O/pgp-good.show")" \
    "$want (good, fingerprint $afpr)" "pgp-good: banner"
assert_contains "$O/pgp-good.show" "Subject: pgp-good"
assert_contains "$O/pgp-good.show" "this text is signed."
show pgp-enc-signed
assert_contains "$O/pgp-enc-signed.show" "this text is signed."
assert_contains "$O/pgp-enc-signed.show" "; encrypted"
show pgp-nomdc
assert_not_contains "$O/pgp-nomdc.show" "Hello Me"
show pgp-enc-nokey
assert_not_contains "$O/pgp-enc-nokey.show" "Hello Me"
show pgp-nested-enc
assert_not_contains "$O/pgp-nested-enc.show" "Hello Me"
show pgp-nested-enc --decrypt-nested
assert_contains "$O/pgp-nested-enc.show" "This part is not signed."
show pgp-protected
line_in "$O/pgp-protected.show" \
    "[cachet] protected subject: the real subject"
assert_contains "$O/pgp-protected.show" "Protected headers inside."
show pgp-inline-enc
assert_contains "$O/pgp-inline-enc.show" "Inline secret text."
assert_not_contains "$O/pgp-inline-enc.show" "BEGIN PGP MESSAGE"
show smime-signed-then-enc
assert_contains "$O/smime-signed-then-enc.show" \
    "Hello from the cachet S/MIME tests."
show smime-evil
show smime-enc-nokey
assert_not_contains "$O/smime-enc-nokey.show" "Hello from the cachet"

# ------------------------------------------------- the demo account

GNUPGHOME=$C/d
XDG_DATA_HOME=$C/ddata
CFG=$C/cfg-demo
DEMO=$top/src/demo/mail
MAILDIR=$T/demo
mkdir -p "$MAILDIR"
for f in "$DEMO"/INBOX/*.eml "$DEMO"/Sent/*.eml; do
	n=$(basename "$f")
	cp "$f" "$MAILDIR/${n%%-*}-$(basename "$(dirname "$f")")-${n#*-}"
done
pgp 13-INBOX-pgp-signed 0 signed none '  signature 1: good'
pgp 14-INBOX-pgp-encrypted-signed 0 signed encrypted '  signature 1: good'
pgp 15-INBOX-pgp-inline-clearsigned 1 problem none \
    '  signature 1: untrusted' '  lines: 4-11'
pgp 16-INBOX-pgp-bad-signature 1 problem none '  signature 1: bad'
pgp 17-INBOX-pgp-signer-not-sender 1 problem sender-mismatch \
    '  signature 1: untrusted' '    address: bob@example.net'
pgp 18-INBOX-pgp-unknown-key 1 problem none '  signature 1: unknown key'
both 19-INBOX-smime-signed 0 signed none '  signature 1: good' \
    '    address: alice@example.org'
both 20-INBOX-smime-opaque-signed 0 signed none '  signature 1: good'
both 21-INBOX-smime-encrypted 1 'not signed' 'encrypted, no-aead'
pgp 01-Sent-thread-reply-signed 0 signed none '  signature 1: good'
pgp 02-Sent-pgp-encrypted-to-bob 0 signed encrypted
pgp 01-INBOX-welcome 1 'not signed' none
show 12-INBOX-terminal-escapes
assert_eq "$(head -n 1 "$O/12-INBOX-terminal-escapes.show")" \
    "[cachet] not signed" "demo 12: banner"
echo "t_verify: ok"
