# A Web Key Directory on loopback for the WKD tests; sourced after env.sh.
#
#   wkd_start ROOT PORT...  makes a CA and a certificate from it for
#                           example.test and openpgpkey.example.test (in
#                           $T/pki), then runs tests/lib/wkdserver.py with
#                           them on the first free PORT: the advanced host
#                           serves ROOT/adv, the direct one ROOT/dir, each
#                           request is logged to $T/req.log (emptied here)
#                           and answered after the seconds $T/delay holds
#                           (no file: at once). Sets WKD_PID and WKD_PORT;
#                           CACHET_WKD_CONNECT_TO sends both host names to
#                           the server and CACHET_WKD_CA trusts the CA.
#   wkd_stop                stops the server; call it from on_exit too
#   wkd_hash ADDR           GnuPG's WKD hash of ADDR's local part

WKD_PID=

# A CA, and a server certificate for both WKD host names.
wkd_pki() {	# dir
	mkdir -p "$1"
	(
		cd "$1"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout ca.key -out ca.crt -days 2 \
		    -subj "/CN=WKD test CA" \
		    -addext basicConstraints=critical,CA:TRUE \
		    -addext keyUsage=critical,keyCertSign
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout srv.key -out srv.csr -subj "/CN=example.test"
		printf 'subjectAltName=DNS:example.test,%s\n' \
		    'DNS:openpgpkey.example.test' >ext.cnf
		openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key \
		    -CAcreateserial -days 2 -extfile ext.cnf -out srv.crt
	) >"$T/pki.log" 2>&1 ||
	    { cat "$T/pki.log"; fail "cannot make the PKI"; }
}

wkd_start() {	# root port...
	wkd_root=$1
	shift
	wkd_pki "$T/pki"
	: >"$T/req.log"
	"$PYTHON" "$top/tests/lib/wkdserver.py" "$wkd_root" "$T/pki/srv.crt" \
	    "$T/pki/srv.key" "$T/req.log" "$T/delay" "$@" \
	    >"$T/srv.out" 2>"$T/srv.err" &
	WKD_PID=$!
	wkd_i=0
	WKD_PORT=
	while [ $wkd_i -lt 100 ] && [ -z "$WKD_PORT" ]; do
		WKD_PORT=$(sed -n 's/^ready //p' "$T/srv.out")
		sleep 0.05
		wkd_i=$((wkd_i + 1))
	done
	[ -n "$WKD_PORT" ] ||
	    { cat "$T/srv.err"; fail "the WKD server did not start"; }
	wkd_at=127.0.0.1:$WKD_PORT
	CACHET_WKD_CONNECT_TO="openpgpkey.example.test:443:$wkd_at"
	CACHET_WKD_CONNECT_TO="$CACHET_WKD_CONNECT_TO,example.test:443:$wkd_at"
	CACHET_WKD_CA=$T/pki/ca.crt
	export CACHET_WKD_CONNECT_TO CACHET_WKD_CA
}

wkd_stop() {
	[ -n "$WKD_PID" ] || return 0
	kill "$WKD_PID" 2>/dev/null || true
	wait "$WKD_PID" 2>/dev/null || true
	WKD_PID=
	return 0
}

wkd_hash() {	# addr
	/usr/lib/gnupg/gpg-wks-client --print-wkd-hash "$1" | cut -d' ' -f1
}
