#!/bin/sh
# Make a throwaway PKI for cachet's TLS tests:
#
#	sh tests/lib/certs.sh DIR
#
# writes into DIR (created if missing), all keys EC P-256:
#	ca.crt ca.key			the test CA
#	server.crt server.key		signed by the CA for IP:127.0.0.1 and
#					DNS:localhost, valid for 2 days
#	wronghost.crt wronghost.key	signed by the CA for DNS:other.example
#	expired.crt expired.key		signed by the CA, valid only in 2020
#	notyet.crt notyet.key		signed by the CA, valid only from 2099
#	rogue-ca.crt rogue-ca.key	another CA, which no test trusts
#	rogue.crt rogue.key		signed by the rogue CA for 127.0.0.1
# and for each server certificate NAME.pem: the key, then the certificate.
# The certificates carry no CRL or AIA extensions, so nothing ever tries to
# fetch anything. Keys are world-readable: they protect nothing, and test
# daemons may read them under another uid. Prints nothing on success; on
# failure, shows openssl's output and exits 1.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: sh certs.sh DIR" >&2
	exit 2
fi
mkdir -p "$1"
cd "$1"
log=certs.log
: >"$log"

run() {
	if ! "$@" >>"$log" 2>&1; then
		echo "certs.sh: failed: $*" >&2
		cat "$log" >&2
		exit 1
	fi
}

cat >certs.cnf <<'EOF'
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
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none

[policy_any]
commonName = supplied

[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = IP:127.0.0.1,DNS:localhost

[wronghost_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:other.example
EOF

newkey() {	# name
	run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1.key"
}

newca() {	# name subject
	newkey "$1"
	run openssl req -config certs.cnf -x509 -new -key "$1.key" \
	    -subj "/CN=$2" -days 3 -sha256 -extensions ca_ext -out "$1.crt"
}

csr() {		# name subject
	newkey "$1"
	run openssl req -config certs.cnf -new -key "$1.key" -subj "/CN=$2" \
	    -out "$1.csr"
}

# leaf NAME CA EXTENSIONS SERIAL: signed by CA, valid from now for 2 days.
leaf() {
	csr "$1" "$1 (cachet test)"
	run openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" \
	    -set_serial "$4" -days 2 -sha256 -extfile certs.cnf \
	    -extensions "$3" -out "$1.crt"
}

# dated NAME START END: signed by the test CA with explicit validity dates,
# which only "openssl ca" can set in OpenSSL 3.0.
dated() {
	csr "$1" "$1 (cachet test)"
	run openssl ca -config certs.cnf -batch -notext -cert ca.crt \
	    -keyfile ca.key -in "$1.csr" -out "$1.crt" -extensions server_ext \
	    -startdate "$2" -enddate "$3"
}

rm -rf ca.new
mkdir ca.new
: >ca.db
echo 1001 >ca.serial

newca ca "cachet test CA"
newca rogue-ca "cachet rogue CA"
leaf server ca server_ext 101
leaf wronghost ca wronghost_ext 102
leaf rogue rogue-ca server_ext 103
dated expired 20200101000000Z 20200201000000Z
dated notyet 20990101000000Z 20990201000000Z

for n in server wronghost rogue expired notyet; do
	cat "$n.key" "$n.crt" >"$n.pem"
done
chmod 644 ./*.key ./*.crt ./*.pem
rm -rf ca.new ca.db* ca.serial* ./*.csr certs.cnf "$log"
