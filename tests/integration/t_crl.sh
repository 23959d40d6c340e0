#!/bin/sh
# t_crl: the openssl S/MIME engine takes CRLs from the certificates' CRL
# distribution points. A test CA made here issues certificates naming
# http://127.0.0.1:PORT/ca.crl, which a python3 http.server on loopback
# serves (its log shows every request). `cachet verify` with
# crl_fetch = yes: a good signer is "checked, not revoked", a revoked one
# makes the verdict a problem; the CRL is cached in the store and used
# while the server is down; with no server and no cache revocation is
# "not checked" with the reason; with crl_fetch = no nothing is fetched.
# An ldap: distribution point is not used, and says so.
. "$(dirname "$0")/../lib/env.sh"

P=$T/pki
W=$T/www
O=$T/out
mkdir -p "$P" "$W" "$O"
HTTP_PID=

on_exit() {
	http_stop
	return 0
}

http_stop() {
	if [ -n "$HTTP_PID" ]; then
		kill "$HTTP_PID" 2>/dev/null || true
		wait "$HTTP_PID" 2>/dev/null || true
		HTTP_PID=
	fi
}

# A free port in 26000-26999 on 127.0.0.1.
free_port() {
	"$PYTHON" - <<'EOF'
import random, socket
for _ in range(200):
    p = random.randint(26000, 26999)
    s = socket.socket()
    try:
        s.bind(('127.0.0.1', p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
EOF
}

PORT=$(free_port)
[ -n "$PORT" ] || fail "no free port in 26000-26999"
URL=http://127.0.0.1:$PORT/ca.crl

# http_start LOG: serve $W on 127.0.0.1:$PORT, requests logged to LOG.
http_start() {
	"$PYTHON" -m http.server "$PORT" --bind 127.0.0.1 --directory "$W" \
	    </dev/null >/dev/null 2>"$1" &
	HTTP_PID=$!
	hs_i=0
	until "$PYTHON" -c "import socket; socket.create_connection(
	    ('127.0.0.1', $PORT), 1).close()" 2>/dev/null; do
		hs_i=$((hs_i + 1))
		[ $hs_i -lt 100 ] || fail "http.server did not start"
		kill -0 "$HTTP_PID" 2>/dev/null || fail "http.server died"
		sleep 0.1
	done
}

# ------------------------------------------------------------- the PKI

run() {
	"$@" >>"$P/log" 2>&1 || {
		cat "$P/log" >&2
		fail "failed: $*"
	}
}

cat >"$P/ca.cnf" <<EOF
[req]
distinguished_name = req_dn
prompt = no

[req_dn]
CN = cachet crl test

[ca]
default_ca = test_ca

[test_ca]
database = $P/ca.db
new_certs_dir = $P/new
serial = $P/ca.serial
crlnumber = $P/ca.crlnum
default_md = sha256
default_crl_days = 7
policy = policy_any
unique_subject = no
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

[leaf_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:\${ENV::CRL_MAIL}
crlDistributionPoints = URI:\${ENV::CRL_DP}
EOF
mkdir -p "$P/new"
: >"$P/ca.db"
echo 1001 >"$P/ca.serial"
echo 01 >"$P/ca.crlnum"
CRL_MAIL=nobody@example.test
CRL_DP=$URL
export CRL_MAIL CRL_DP

run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$P/ca.key"
run openssl req -config "$P/ca.cnf" -x509 -new -key "$P/ca.key" \
    -subj "/O=cachet test/CN=cachet CRL test CA" -days 30 -sha256 \
    -extensions ca_ext -out "$P/ca.crt"

leaf() {	# name dp serial
	CRL_MAIL=$1@example.test
	CRL_DP=$2
	run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$P/$1.key"
	run openssl req -config "$P/ca.cnf" -new -key "$P/$1.key" \
	    -subj "/O=cachet test/CN=$1" -out "$P/$1.csr"
	run openssl x509 -req -in "$P/$1.csr" -CA "$P/ca.crt" \
	    -CAkey "$P/ca.key" -set_serial "$3" -days 20 -sha256 \
	    -extfile "$P/ca.cnf" -extensions leaf_ext -out "$P/$1.crt"
}
leaf good "$URL" 11
leaf revoked "$URL" 12
leaf viad "ldap://127.0.0.1:$PORT/cn=ca?certificateRevocationList" 13

run openssl ca -config "$P/ca.cnf" -batch -cert "$P/ca.crt" \
    -keyfile "$P/ca.key" -revoke "$P/revoked.crt" -crl_reason keyCompromise
run openssl ca -config "$P/ca.cnf" -batch -cert "$P/ca.crt" \
    -keyfile "$P/ca.key" -gencrl -out "$P/ca.crl.pem"
run openssl crl -in "$P/ca.crl.pem" -outform DER -out "$W/ca.crl"

# ------------------------------------------------------- the messages

printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nHello.\r\n' \
    >"$P/content"

# message NAME: mail from NAME@example.test signed by NAME's certificate.
message() {
	run openssl cms -sign -binary -in "$P/content" -outform DER \
	    -out "$P/$1.p7s" -signer "$P/$1.crt" -inkey "$P/$1.key"
	{
		printf 'From: %s <%s@example.test>\r\n' "$1" "$1"
		printf 'To: me@example.test\r\nSubject: %s\r\n' "$1"
		printf 'Date: Sat, 1 Jan 2022 10:00:00 +0000\r\n'
		printf 'Message-ID: <%s@example.test>\r\n' "$1"
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: multipart/signed; '
		printf 'protocol="application/pkcs7-signature";\r\n'
		printf ' micalg=sha-256; boundary="=_b"\r\n\r\n'
		printf -- '--=_b\r\n'
		cat "$P/content"
		printf '\r\n--=_b\r\n'
		printf 'Content-Type: application/pkcs7-signature; '
		printf 'name=smime.p7s\r\n'
		printf 'Content-Transfer-Encoding: base64\r\n\r\n'
		base64 "$P/$1.p7s" | sed 's/$/\r/'
		printf -- '--=_b--\r\n'
	} >"$P/$1.eml"
}
message good
message revoked
message viad

# ------------------------------------------------------------- running

# config FETCH: $T/cfg with the test CA and crl_fetch = FETCH.
config() {
	printf '[crypto]\nsmime = openssl\nsmime_ca_file = %s\n' \
	    "$P/ca.crt" >"$T/cfg"
	printf 'crl_fetch = %s\n' "$1" >>"$T/cfg"
}

# check NAME TAG: report of NAME.eml in $O/NAME.TAG, exit status in rc.
check() {
	rc=0
	"$CACHET" -c "$T/cfg" verify --smime-engine openssl "$P/$1.eml" \
	    >"$O/$1.$2" 2>"$O/$1.$2.err" || rc=$?
	if grep -q -e 'Sanitizer' -e 'runtime error' "$O/$1.$2.err"; then
		cat "$O/$1.$2.err" >&2
		fail "$1 [$2]: sanitizer report"
	fi
	out=$O/$1.$2
}

requests() {	# log: how many times ca.crl was asked for
	grep -c 'GET /ca.crl' "$1" || true
}

CRLS=$XDG_DATA_HOME/cachet/%2Esmime/crls
CACHED=$CRLS/$(printf '%s' "$URL" | sha256sum | cut -d ' ' -f 1 |
    tr 'a-f' 'A-F').crl

# 1. Fetching on: good is checked, revoked is revoked; the CRL is cached.
config yes
http_start "$T/http1.log"
check good fetch
assert_eq "$rc" 0 "good: exit status"
assert_contains "$out" "verdict: signed"
assert_contains "$out" "revocation: checked, not revoked"
[ -f "$CACHED" ] || fail "no cached CRL at $CACHED"
cmp -s "$CACHED" "$W/ca.crl" || fail "the cached CRL differs"
check revoked fetch
assert_eq "$rc" 1 "revoked: exit status"
assert_contains "$out" "verdict: problem"
assert_contains "$out" "signature 1: revoked"
assert_contains "$out" "revocation: revoked"
n1=$(requests "$T/http1.log")
assert_eq "$n1" 1 "requests with a fresh cache"

# 2. Server stopped: the cached CRL is used, by a new process.
http_stop
check good cached
assert_contains "$out" "revocation: checked, not revoked"
check revoked cached
assert_contains "$out" "verdict: problem"
assert_contains "$out" "revocation: revoked"

# 3. Server down, no cache: not checked, with the reason; never good.
rm -f "$CACHED"
check good down
assert_contains "$out" "revocation: not checked"
assert_contains "$out" "CRL not available: "
assert_not_contains "$out" "checked, not revoked"
check revoked down
assert_contains "$out" "revocation: not checked"
assert_contains "$out" "CRL not available: "
[ ! -f "$CACHED" ] || fail "a failed fetch left a cached CRL"

# 4. Fetching off: no request at all, revocation not checked.
config no
http_start "$T/http2.log"
check good off
assert_contains "$out" "revocation: not checked"
assert_contains "$out" "CRL not available: fetching CRLs is turned off"
check revoked off
assert_contains "$out" "revocation: not checked"
assert_not_contains "$T/http2.log" "GET"
[ ! -f "$CACHED" ] || fail "a CRL was cached with fetching off"

# 5. ... but a cached CRL is still used with fetching off.
cp "$W/ca.crl" "$CACHED"
check revoked off-cached
assert_contains "$out" "revocation: revoked"
check good off-cached
assert_contains "$out" "revocation: checked, not revoked"
assert_not_contains "$T/http2.log" "GET"
rm -f "$CACHED"

# 6. An ldap: distribution point is not used, and the report says so.
config yes
check viad ldap
assert_contains "$out" "revocation: not checked"
assert_contains "$out" "not checked: unsupported CRL location"
assert_not_contains "$T/http2.log" "GET"

# 7. A CRL signed by another key is refused, not cached.
run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$P/other.key"
run openssl req -config "$P/ca.cnf" -x509 -new -key "$P/other.key" \
    -subj "/O=cachet test/CN=cachet CRL test CA" -days 30 -sha256 \
    -extensions ca_ext -out "$P/other.crt"
run openssl ca -config "$P/ca.cnf" -batch -cert "$P/other.crt" \
    -keyfile "$P/other.key" -gencrl -out "$P/other.crl.pem"
run openssl crl -in "$P/other.crl.pem" -outform DER -out "$W/ca.crl"
check good forged
assert_contains "$out" "revocation: not checked"
assert_contains "$out" "CRL not available: its signature does not verify"
[ ! -f "$CACHED" ] || fail "a forged CRL was cached"
http_stop
echo "t_crl: ok"
