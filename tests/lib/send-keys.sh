#!/bin/sh
# Keys and certificates for sending tests: a sender and a recipient, each
# with an OpenPGP key and an S/MIME certificate for their own address,
# each knowing (and validating) the other's public half:
#
#	sh tests/lib/send-keys.sh DIR SENDER_ADDR RECIPIENT_ADDR
#
# DIR should have a short path (GnuPG puts its agent sockets in it).
# Written in DIR:
#   s/  r/       GnuPG homes (gpg and gpgsm) of the sender and recipient:
#                own secret key (ultimately trusted) and own S/MIME key,
#                the other's public key certified by the owner, the other's
#                certificate, the test CA trusted; no dirmngr, no dialogs
#   sdata/ rdata/  the OpenSSL S/MIME engine's stores (as XDG_DATA_HOME):
#                own key and certificate, the other's certificate
#   pki/         ca.crt ca.key, s.crt s.key, r.crt r.key
#   crypto.cfg   a [crypto] section naming pki/ca.crt as trust anchor
# Everything is made here, for this run; gpg-agents are stopped at the end.
set -eu

if [ $# -ne 3 ]; then
	echo "usage: sh send-keys.sh DIR SENDER_ADDR RECIPIENT_ADDR" >&2
	exit 2
fi
mkdir -p "$1"
D=$(cd "$1" && pwd)
S=$2
R=$3
P=$D/pki
mkdir -p "$P"
cd "$P"

# ------------------------------------------------------------ S/MIME PKI
cat >ext.cnf <<'EOF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = email:${ENV::LEAF_EMAIL}
EOF
LEAF_EMAIL=ca@example.test openssl req -x509 -newkey rsa:2048 -nodes \
    -keyout ca.key -out ca.crt -days 30 -subj "/CN=cachet send test CA" \
    -config ext.cnf -extensions ca 2>/dev/null
for who in s r; do
	if [ "$who" = s ]; then addr=$S; else addr=$R; fi
	openssl req -newkey rsa:2048 -nodes -keyout "$who.key" \
	    -out "$who.csr" -subj "/CN=Test $who/emailAddress=$addr" \
	    2>/dev/null
	LEAF_EMAIL=$addr openssl x509 -req -in "$who.csr" -CA ca.crt \
	    -CAkey ca.key -CAcreateserial -days 30 -sha256 \
	    -extfile ext.cnf -extensions leaf -out "$who.crt" 2>/dev/null
	openssl pkcs12 -export -legacy -inkey "$who.key" -in "$who.crt" \
	    -certfile ca.crt -passout pass: -out "$who.p12"
done
printf '[crypto]\nsmime_ca_file = %s/ca.crt\n' "$P" >"$D/crypto.cfg"

# ------------------------------------------------------------ GnuPG homes
g() {	# home args...
	gh=$1
	shift
	gpg --homedir "$gh" --batch --no-tty --quiet --pinentry-mode loopback \
	    --passphrase '' "$@"
}
fpr() {	# home addr
	g "$1" --with-colons --list-keys "$2" | sed -n 's/^fpr:\{9\}\([0-9A-F]*\):.*/\1/p' |
	    head -n 1
}
for who in s r; do
	h=$D/$who
	mkdir -p "$h"
	chmod 700 "$h"
	printf 'pinentry-program /nonexistent\nno-allow-mark-trusted\n' \
	    >"$h/gpg-agent.conf"
	printf 'disable-dirmngr\n' >"$h/gpgsm.conf"
	# The CA is trusted for S/MIME (written before the agent starts).
	printf '%s S relax\n' "$(openssl x509 -in "$P/ca.crt" -noout \
	    -fingerprint -sha1 | sed 's/.*=//')" >"$h/trustlist.txt"
	if [ "$who" = s ]; then addr=$S; else addr=$R; fi
	g "$h" --quick-gen-key "Test $who <$addr>" ed25519 sign never
	g "$h" --quick-add-key "$(fpr "$h" "$addr")" cv25519 encr never
	g "$h" --import-ownertrust <<EOF
$(fpr "$h" "$addr"):6:
EOF
	gpgsm --homedir "$h" --batch --no-tty --quiet --import "$P/ca.crt" \
	    2>/dev/null
	gpgsm --homedir "$h" --batch --no-tty --quiet --pinentry-mode \
	    loopback --passphrase-fd 0 --import "$P/$who.p12" </dev/null \
	    2>/dev/null
done
# Each knows and certifies the other.
g "$D/s" --export --armor "$S" | g "$D/r" --import 2>/dev/null
g "$D/r" --export --armor "$R" | g "$D/s" --import 2>/dev/null
g "$D/r" --quick-lsign-key "$(fpr "$D/r" "$S")" >/dev/null 2>&1
g "$D/s" --quick-lsign-key "$(fpr "$D/s" "$R")" >/dev/null 2>&1
gpgsm --homedir "$D/s" --batch --no-tty --quiet --import "$P/r.crt" 2>/dev/null
gpgsm --homedir "$D/r" --batch --no-tty --quiet --import "$P/s.crt" 2>/dev/null
for who in s r; do
	g "$D/$who" --check-trustdb 2>/dev/null || true
done

# ------------------------------------------------------------ OpenSSL stores
ossl_store() {	# data-dir own other
	od=$1/cachet/%2Esmime
	mkdir -p "$od/keys" "$od/certs"
	chmod -R 700 "$1"
	f=$(openssl x509 -in "$P/$2.crt" -noout -fingerprint -sha256 |
	    sed 's/.*=//; s/://g')
	openssl pkcs8 -topk8 -nocrypt -in "$P/$2.key" -out "$od/keys/$f.key"
	chmod 600 "$od/keys/$f.key"
	cat "$P/$2.crt" "$P/ca.crt" >"$od/keys/$f.pem"
	f=$(openssl x509 -in "$P/$3.crt" -noout -fingerprint -sha256 |
	    sed 's/.*=//; s/://g')
	cp "$P/$3.crt" "$od/certs/$f.pem"
}
ossl_store "$D/sdata" s r
ossl_store "$D/rdata" r s

for who in s r; do
	gpgconf --homedir "$D/$who" --kill all 2>/dev/null || true
done
