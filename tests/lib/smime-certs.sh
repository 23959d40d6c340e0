#!/bin/sh
# Make a throwaway S/MIME PKI and a corpus of CMS objects for cachet's
# S/MIME tests (every S/MIME engine runs the same corpus):
#
#	sh tests/lib/smime-certs.sh DIR
#
# Keys are RSA-2048 unless said otherwise; certificates carry subject and
# authority key identifiers so that they pass strict X.509 checks, and no
# CRL distribution point or AIA, so nothing ever tries to fetch anything.
# Leaf certificates are valid from now for 30 days. Files written in DIR:
#
#   ca.crt ca.key            "cachet SMIME test CA" (trust anchor)
#   ca.crl                   CRL of the test CA, revoking frank
#   ca+crl.pem               ca.crt followed by ca.crl (a bundle with CRL)
#   rogue-ca.crt             another CA, which no test trusts
#   NAME.crt NAME.key        per user, e-mail NAME@example.test:
#     alice-sign   digitalSignature+nonRepudiation, emailProtection
#     alice-enc    keyEncipherment, emailProtection (same address as
#                  alice-sign: one user, separate signing/encryption)
#     bob          digitalSignature+keyEncipherment, emailProtection,
#                  address also in the subject's emailAddress
#     carol        digitalSignature, extendedKeyUsage clientAuth only
#     dave         valid only in January 2020 (expired)
#     frank        like bob, revoked in ca.crl
#     gina         EC P-256, digitalSignature, emailProtection
#     badint       digitalSignature, CA:FALSE, issued by the CA, yet used
#                  to issue eve (a non-CA intermediate)
#     eve          issued by badint
#     mallory      issued by rogue-ca
#     henry        no key identifiers (breaks strict X.509 rules only)
#     evil         subject CN and e-mail address with terminal escape
#                  sequences (ESC [ 2 J), otherwise like alice-sign
#   NAME.fpr                 SHA-256 fingerprint of NAME.crt, 64 hex digits
#                            upper case (also for ca and rogue-ca)
#   NAME.p12                 key, certificate and CA of alice-enc, bob:
#                            PKCS#12 with an empty password, legacy
#                            encryption (RC2, 3DES) that gpgsm can read
#   alice-enc-aes.p12        the same for alice-enc in OpenSSL 3's default
#                            format (PBES2, AES-256), empty password
#   msg.txt                  the signed/encrypted content (CRLF lines)
#   msg-bad.txt              msg.txt with one byte changed
#
# Signatures over msg.txt, DER (openssl cms -sign -binary):
#   sig-good.p7s          detached, alice-sign, SHA-256 -> good
#   sig-nocert.p7s        detached, alice-sign, signer certificate left out
#                         -> unknown key (unless the certificate is known)
#   sig-sha1.p7s          detached, alice-sign, SHA-1 -> weak
#   sig-expired.p7s       detached, dave -> expired
#   sig-rogue.p7s         detached, mallory -> untrusted (no anchor)
#   sig-noeku.p7s         detached, carol -> untrusted (no emailProtection)
#   sig-badint.p7s        detached, eve, with badint included -> untrusted
#                         (issuer is not a CA)
#   sig-revoked.p7s       detached, frank -> revoked when ca.crl is used
#   sig-ec.p7s            detached, gina -> good, EC-P256
#   sig-two.p7s           detached, alice-sign and mallory -> good and
#                         untrusted, each judged on its own
#   sig-two-unknown.p7s   detached, alice-sign and bob with only alice's
#                         certificate included -> good and unknown key
#   sig-two-bad.p7s       sig-two.p7s with the last byte flipped, which is
#                         inside the signature value of the last
#                         SignerInfo: that signer is bad, the other not
#   sig-nokid.p7s         detached, henry -> untrusted for the openssl
#                         engine (strict X.509: no authority key id);
#                         an engine with laxer rules may call it good
#   sig-evil.p7s          detached, evil -> good; every string sanitised
#   sig-opaque.p7m        opaque (signed-data with content), alice-sign
#                         -> good, content msg.txt; given as a detached
#                         signature it is an error (carries content)
#   sig-nosigner.p7s      signed-data with certificates and no SignerInfo
#                         -> not signed / malformed
# Enveloped data over msg.txt, DER (openssl cms -encrypt -binary):
#   enc-cbc.p7m           AES-256-CBC to alice-enc
#   enc-gcm.p7m           AES-256-GCM (authEnveloped-data) to alice-enc
#   enc-gcm-bad.p7m       enc-gcm.p7m with the last byte flipped, which is
#                         in the GCM authentication tag -> integrity
#                         failure after the whole ciphertext was read
#   enc-3des.p7m          DES-EDE3-CBC to alice-enc (weak cipher)
#   enc-rc2.p7m           RC2-CBC (128 bits) to alice-enc (weak cipher)
#   enc-bob.p7m           AES-256-CBC to bob only
#   enc-wrongkey.p7m      AES-256-GCM to bob, its recipient identifier
#                         changed to alice-enc's serial: alice's key is
#                         tried on a key encrypted for bob and must fail
#   enc-two.p7m           AES-256-CBC to bob and alice-enc
#   enc-signed.p7m        sig-opaque.p7m enveloped (AES-256-CBC) to
#                         alice-enc: signed, then encrypted
#
# Needs openssl (3.0, with the legacy provider) and python3. Takes a few
# seconds (RSA key generation). Prints nothing on success; on failure shows
# openssl's output and exits 1.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: sh smime-certs.sh DIR" >&2
	exit 2
fi
mkdir -p "$1"
cd "$1"
log=smime-certs.log
: >"$log"

run() {
	if ! "$@" >>"$log" 2>&1; then
		echo "smime-certs.sh: failed: $*" >&2
		cat "$log" >&2
		exit 1
	fi
}

cat >smime.cnf <<'EOF'
[req]
distinguished_name = req_dn
prompt = no

[req_dn]
CN = cachet test

[ca]
default_ca = test_ca

[test_ca]
database = ca.db
new_certs_dir = ca.new
serial = ca.serial
crlnumber = ca.crlnum
default_md = sha256
default_crl_days = 30
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
crl_extensions = crl_ext

[policy_any]
commonName = supplied

[crl_ext]
authorityKeyIdentifier = keyid:always

[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[sign_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:${ENV::SMIME_MAIL}

[enc_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:${ENV::SMIME_MAIL}

[both_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:${ENV::SMIME_MAIL}

[nokid_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = none
authorityKeyIdentifier = none
subjectAltName = email:${ENV::SMIME_MAIL}

[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:${ENV::SMIME_MAIL}

[noca_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:${ENV::SMIME_MAIL}
EOF
SMIME_MAIL=nobody@example.test
export SMIME_MAIL

newkey() {	# name [ec]
	if [ "${2:-}" = ec ]; then
		run openssl genpkey -algorithm EC \
		    -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
	else
		run openssl genpkey -algorithm RSA \
		    -pkeyopt rsa_keygen_bits:2048 -out "$1.key"
	fi
}

newca() {	# name subject
	newkey "$1"
	run openssl req -config smime.cnf -x509 -new -key "$1.key" \
	    -subj "/O=cachet test/CN=$2" -days 60 -sha256 -extensions ca_ext \
	    -out "$1.crt"
}

csr() {		# name subject [ec]
	newkey "$1" "${3:-}"
	run openssl req -config smime.cnf -new -key "$1.key" -subj "$2" \
	    -out "$1.csr"
}

# leaf NAME ADDRESS CN ISSUER EXTENSIONS SERIAL [ec|subject-mail]
leaf() {
	SMIME_MAIL=$2
	subj="/O=cachet test/CN=$3"
	[ "${7:-}" = subject-mail ] && subj="$subj/emailAddress=$2"
	csr "$1" "$subj" "${7:-}"
	run openssl x509 -req -in "$1.csr" -CA "$4.crt" -CAkey "$4.key" \
	    -set_serial "$6" -days 30 -sha256 -extfile smime.cnf \
	    -extensions "$5" -out "$1.crt"
}

sign() {	# out signer [openssl cms options...]
	o=$1
	s=$2
	shift 2
	run openssl cms -sign -binary -in msg.txt -outform DER -out "$o" \
	    -signer "$s.crt" -inkey "$s.key" "$@"
}

encrypt() {	# out cipher in recipient...
	o=$1
	c=$2
	i=$3
	shift 3
	run openssl cms -encrypt -binary -in "$i" -outform DER -out "$o" \
	    "$c" "$@"
}

flip_last() {	# in out
	n=$(wc -c <"$1")
	b=$(tail -c 1 "$1" | od -An -tu1 | tr -d ' ')
	head -c $((n - 1)) "$1" >"$2"
	# shellcheck disable=SC2059
	printf "\\$(printf %o $((b ^ 1)))" >>"$2"
}

rm -rf ca.new
mkdir ca.new
: >ca.db
echo 2001 >ca.serial
echo 01 >ca.crlnum

newca ca "cachet SMIME test CA"
newca rogue-ca "cachet rogue CA"
leaf alice-sign alice@example.test "Alice Test" ca sign_ext 101
leaf alice-enc alice@example.test "Alice Test" ca enc_ext 102
leaf bob bob@example.test "Bob Test" ca both_ext 103 subject-mail
leaf carol carol@example.test "Carol Test" ca client_ext 104
leaf frank frank@example.test "Frank Test" ca both_ext 105
leaf gina gina@example.test "Gina Test" ca sign_ext 106 ec
leaf badint badint@example.test "Not A CA" ca noca_ext 107
leaf eve eve@example.test "Eve Test" badint sign_ext 108
leaf mallory mallory@example.test "Mallory Test" rogue-ca sign_ext 109
leaf henry henry@example.test "Henry Test" ca nokid_ext 111
esc=$(printf '\033')
leaf evil "evil${esc}[2J@example.test" "Evil${esc}[2J Test" ca sign_ext 110

# dave: explicit validity dates, which only "openssl ca" can set.
SMIME_MAIL=dave@example.test
csr dave "/O=cachet test/CN=Dave Test"
run openssl ca -config smime.cnf -batch -notext -cert ca.crt \
    -keyfile ca.key -in dave.csr -out dave.crt -extensions sign_ext \
    -startdate 20200101000000Z -enddate 20200201000000Z

run openssl ca -config smime.cnf -batch -cert ca.crt -keyfile ca.key \
    -revoke frank.crt -crl_reason keyCompromise
run openssl ca -config smime.cnf -batch -cert ca.crt -keyfile ca.key \
    -gencrl -out ca.crl
cat ca.crt ca.crl >ca+crl.pem

for n in alice-enc bob; do
	run openssl pkcs12 -export -legacy -inkey "$n.key" -in "$n.crt" \
	    -certfile ca.crt -passout pass: -out "$n.p12"
done
run openssl pkcs12 -export -inkey alice-enc.key -in alice-enc.crt \
    -certfile ca.crt -passout pass: -out alice-enc-aes.p12

printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nHello from the cachet S/MIME tests.\r\nSecond line.\r\n' \
    >msg.txt
sed 's/Second/Sec0nd/' msg.txt >msg-bad.txt

sign sig-good.p7s alice-sign -md sha256
sign sig-nocert.p7s alice-sign -md sha256 -nocerts
sign sig-sha1.p7s alice-sign -md sha1
sign sig-expired.p7s dave -md sha256
sign sig-rogue.p7s mallory -md sha256
sign sig-noeku.p7s carol -md sha256
sign sig-badint.p7s eve -md sha256 -certfile badint.crt
sign sig-revoked.p7s frank -md sha256
sign sig-ec.p7s gina -md sha256
sign sig-two.p7s alice-sign -md sha256 -signer mallory.crt \
    -inkey mallory.key
sign sig-two-unknown.p7s alice-sign -md sha256 -signer bob.crt \
    -inkey bob.key -nocerts -certfile alice-sign.crt
flip_last sig-two.p7s sig-two-bad.p7s
sign sig-evil.p7s evil -md sha256
sign sig-nokid.p7s henry -md sha256
sign sig-opaque.p7m alice-sign -md sha256 -nodetach
run openssl crl2pkcs7 -nocrl -certfile alice-sign.crt -outform DER \
    -out sig-nosigner.p7s

encrypt enc-cbc.p7m -aes-256-cbc msg.txt alice-enc.crt
encrypt enc-gcm.p7m -aes-256-gcm msg.txt alice-enc.crt
flip_last enc-gcm.p7m enc-gcm-bad.p7m
encrypt enc-3des.p7m -des3 msg.txt alice-enc.crt
run openssl cms -encrypt -binary -provider legacy -provider default -rc2 \
    -in msg.txt -outform DER -out enc-rc2.p7m alice-enc.crt
encrypt enc-bob.p7m -aes-256-cbc msg.txt bob.crt
encrypt enc-bob-gcm.p7m -aes-256-gcm msg.txt bob.crt
# bob's serial 103 (INTEGER 02 01 67) becomes alice-enc's 102, once.
python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
i = d.index(b"\x02\x01\x67")
open(sys.argv[2], "wb").write(d[:i + 2] + b"\x66" + d[i + 3:])
' enc-bob-gcm.p7m enc-wrongkey.p7m
rm enc-bob-gcm.p7m
encrypt enc-two.p7m -aes-256-cbc msg.txt bob.crt alice-enc.crt
encrypt enc-signed.p7m -aes-256-cbc sig-opaque.p7m alice-enc.crt

for c in ./*.crt; do
	openssl x509 -in "$c" -noout -fingerprint -sha256 |
	    sed 's/.*=//; s/://g' >"${c%.crt}.fpr"
done
chmod 644 ./*.key ./*.crt ./*.p12 ./*.p7?
rm -rf ca.new ca.db* ca.serial* ca.crlnum* ./*.csr smime.cnf "$log"
