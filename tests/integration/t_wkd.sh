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

G=$T/g
W=$T/www
PORTS="26431 26432 26433 26434 26435"
on_exit() {
	[ -n "${SRV_PID:-}" ] && kill "$SRV_PID" 2>/dev/null
	for h in "$G" "$T/k1" "$T/k2" "$T/k3"; do
		[ -d "$h" ] && GNUPGHOME=$h gpgconf --kill all 2>/dev/null
	done
	return 0
}
mkdir -p -m 700 "$G" "$T/k1" "$T/k2" "$T/k3"
printf 'disable-dirmngr\n' >"$G/gpgsm.conf"
export GNUPGHOME=$G

# The PKI: a CA, and a server certificate for both WKD host names.
P=$T/pki
mkdir -p "$P"
(
	cd "$P"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=WKD test CA" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout srv.key -out srv.csr -subj "/CN=example.test"
	printf 'subjectAltName=DNS:example.test,DNS:openpgpkey.example.test\n' \
	    >ext.cnf
	openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -days 2 -extfile ext.cnf -out srv.crt
) >"$T/pki.log" 2>&1 || { cat "$T/pki.log"; fail "cannot make the PKI"; }

# Keys: bob (twice: two different keys) and carol.
gen() {	# home uid
	gpg --homedir "$1" --batch --passphrase '' --quick-gen-key "$2" \
	    default default never 2>>"$T/gpg.log" || fail "gpg key for $2"
}
gen "$T/k1" "Bob <bob@example.test>"
gen "$T/k2" "Bob Again <bob@example.test>"
gen "$T/k3" "Carol <carol@example.test>"
fpr_of() {	# home
	gpg --homedir "$1" --batch --with-colons --list-keys |
	    awk -F: '/^fpr:/ { print $10; exit }'
}
BOB1=$(fpr_of "$T/k1")
BOB2=$(fpr_of "$T/k2")

hash_of() {	# addr
	/usr/lib/gnupg/gpg-wks-client --print-wkd-hash "$1" | cut -d' ' -f1
}
HB=$(hash_of bob@example.test)
HC=$(hash_of carol@example.test)
HD=$(hash_of dave@example.test)
HE=$(hash_of erin@example.test)
HF=$(hash_of frank@example.test)
ADV=$W/adv/.well-known/openpgpkey/example.test/hu
DIR=$W/dir/.well-known/openpgpkey/hu
mkdir -p "$ADV" "$DIR"

# The server: the advanced host serves $W/adv, the other $W/dir; a file
# NAME.redirect answers 302 to the URL it holds. It logs each request.
cat >"$T/srv.py" <<'PY'
import http.server, os, ssl, sys
root, cert, key, log = sys.argv[1:5]
ports = [int(p) for p in sys.argv[5:]]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0]
        base = "adv" if host.startswith("openpgpkey.") else "dir"
        path = os.path.normpath(self.path.split("?")[0]).lstrip("/")
        f = os.path.join(root, base, path)
        with open(log, "a") as lf:
            lf.write("%s %s\n" % (host, self.path))
        if os.path.isfile(f + ".redirect"):
            self.send_response(302)
            self.send_header("Location", open(f + ".redirect").read().strip())
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not os.path.isfile(f):
            self.send_error(404)
            return
        data = open(f, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
for p in ports:
    try:
        srv = http.server.HTTPServer(("127.0.0.1", p), H)
        break
    except OSError:
        srv = None
if srv is None:
    sys.exit("no free port")
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready %d" % srv.server_address[1], flush=True)
srv.serve_forever()
PY
: >"$T/req.log"
"$PYTHON" "$T/srv.py" "$W" "$P/srv.crt" "$P/srv.key" "$T/req.log" $PORTS \
    >"$T/srv.out" 2>"$T/srv.err" &
SRV_PID=$!
i=0
PORT=
while [ $i -lt 100 ] && [ -z "$PORT" ]; do
	PORT=$(sed -n 's/^ready //p' "$T/srv.out")
	sleep 0.05
	i=$((i + 1))
done
[ -n "$PORT" ] || { cat "$T/srv.err"; fail "the WKD server did not start"; }
CACHET_WKD_CONNECT_TO="openpgpkey.example.test:443:127.0.0.1:$PORT,example.test:443:127.0.0.1:$PORT"
CACHET_WKD_CA=$P/ca.crt
export CACHET_WKD_CONNECT_TO CACHET_WKD_CA

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
kill "$SRV_PID"
wait "$SRV_PID" 2>/dev/null || true
SRV_PID=
locate carol@example.test
assert_eq "$RC" 1 "server down"
assert_contains "$T/err" "Couldn't connect"
assert_eq "$(count_keys)" 3 "keys at the end"

# 9. Not an address.
locate 'x/@example.test'
assert_eq "$RC" 1 "bad address"
assert_contains "$T/err" "not an address"
exit 0
