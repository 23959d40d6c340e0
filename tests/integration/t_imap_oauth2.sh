# IMAP OAuth2 against a real Dovecot. A Dovecot of this test's own offers
# XOAUTH2 and OAUTHBEARER and checks bearer tokens with its oauth2 passdb,
# which POSTs them to tests/lib/oauthsrv.py (an introspection endpoint that
# knows one token). An account with oauth2_token_cmd and no password_cmd
# syncs; a wrong token fails like a wrong password, naming the account,
# with nothing stored. cachet talks to Dovecot through a relay that keeps
# what cachet sent: it is TLS records from the first byte to the last, and
# the token is not in it in clear; only Dovecot asked the introspection
# endpoint about a token, and Dovecot's log shows an OAuth2 mechanism.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"

good=GOODTOKEN
bad=BADTOKEN
u=$env_test_id-oauth	# what new_user makes below

# run.sh's shared Dovecot is not ours to stop: forget its pid.
CACHET_TEST_DOVECOT_PID=
on_exit() {
	dovecot_stop || true
	[ -z "${osrv_pid:-}" ] || kill "$osrv_pid" 2>/dev/null || true
	[ -z "${relay_pid:-}" ] || kill "$relay_pid" 2>/dev/null || true
}

# "ready PORT" from a server's stdout file, waiting up to 10 s for it.
ready_port() {	# outfile pid what
	rp_i=0
	while [ $rp_i -lt 200 ]; do
		rp_port=$(sed -n 's/^ready \([0-9][0-9]*\)$/\1/p' "$1")
		if [ -n "$rp_port" ]; then
			printf '%s\n' "$rp_port"
			return 0
		fi
		dovecot_pid_alive "$2" || break
		sleep 0.05
		rp_i=$((rp_i + 1))
	done
	cat "$T/$3.err" >&2 2>/dev/null || true
	fail "$3 did not start"
}

# The introspection endpoint, then a Dovecot that asks it.
"$PYTHON" "$top/tests/lib/oauthsrv.py" --token "$good" --user "$u" \
    --log "$T/introspect.log" </dev/null >"$T/oauthsrv.out" \
    2>"$T/oauthsrv.err" &
osrv_pid=$!
osrv_port=$(ready_port "$T/oauthsrv.out" "$osrv_pid" oauthsrv)
[ -n "$osrv_port" ] || fail "no introspection endpoint"
DOVECOT_OAUTH2_URL=http://127.0.0.1:$osrv_port/introspect
export DOVECOT_OAUTH2_URL
dovecot_start "$T/dovecot" || fail "cannot start the OAuth2 Dovecot"
grep -q '^  driver = oauth2$' "$CACHET_TEST_DOVECOT_CONF" ||
    fail "the opt-in wrote no oauth2 passdb"
assert_eq "$(new_user oauth)" "$u" "user name"
imapctl gen "$u" "$(password_of "$u")" INBOX 12 --seed 7

# A relay on 127.0.0.1 that forwards to Dovecot's IMAPS port and appends
# every byte the client sends to $T/relay.N (N: connection number).
cat >"$T/relay.py" <<'EOF'
import random, socket, sys, threading
target, outdir = int(sys.argv[1]), sys.argv[2]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ports = list(range(28600, 28700))
random.shuffle(ports)
for p in ports:
    try:
        ls.bind(("127.0.0.1", p))
        break
    except OSError:
        continue
else:
    sys.exit("relay: no free port in 28600-28699")
ls.listen(8)
print("ready %d" % ls.getsockname()[1], flush=True)

def pump(src, dst, log):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if log:
                log.write(data)
                log.flush()
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

n = 0
while True:
    c, _ = ls.accept()
    n += 1
    s = socket.create_connection(("127.0.0.1", target))
    log = open("%s/relay.%d" % (outdir, n), "wb")
    threading.Thread(target=pump, args=(c, s, log), daemon=True).start()
    threading.Thread(target=pump, args=(s, c, None), daemon=True).start()
EOF
"$PYTHON" "$T/relay.py" "$CACHET_TEST_IMAPS_PORT" "$T" </dev/null \
    >"$T/relay.out" 2>"$T/relay.err" &
relay_pid=$!
relay_port=$(ready_port "$T/relay.out" "$relay_pid" relay)
[ -n "$relay_port" ] || fail "no relay"

# An account that has only a token command: no password_cmd line at all.
oauth_config() {	# file account token
	write_config "$1" "$2" "$u" "imap_port=$relay_port" \
	    "oauth2_token_cmd=printf %s $3" "timeout=10"
	sed '/^password_cmd = /d' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
	chmod 600 "$1"
	assert_not_contains "$1" password_cmd
}

# (1) The right token: everything arrives.
oauth_config "$T/cfg.good" work "$good"
CACHET_IMAP_TRACE=$T/trace.good sync_ok "$T/cfg.good"
assert_contains "$SYNC_ERR" "12 new"
assert_eq "$(storectl count "$(store_of work)" INBOX)" 12 "rows in INBOX"
assert_in_step "$u" work INBOX bodies
grep -E "imap-login: (Info: )?Login: user=<$u>, method=(XOAUTH2|OAUTHBEARER)," \
    "$CACHET_TEST_DOVECOT_LOG" >"$T/logins" ||
    fail "Dovecot logged no OAuth2 login for $u"
[ -z "$(plain_logins)" ] || fail "a login without TLS: $(plain_logins)"
grep -q ", TLS" "$T/logins" || fail "the OAuth2 login was not over TLS"
grep -q "via=post token=$good active=1 " "$T/introspect.log" ||
    fail "the introspection endpoint never saw the good token"

# (2) A wrong token: refused like a wrong password, nothing stored.
oauth_config "$T/cfg.bad" badtok "$bad"
set +e
"$CACHET" -c "$T/cfg.bad" sync 2>"$T/err.bad"
rc_bad=$?
set -e
cat "$T/err.bad"
write_config "$T/cfg.pw" badpw "$u" "password_cmd=printf %s wrong-pw"
set +e
"$CACHET" -c "$T/cfg.pw" sync 2>"$T/err.pw"
rc_pw=$?
set -e
cat "$T/err.pw"
[ "$rc_pw" -ne 0 ] || fail "a wrong password was accepted"
[ "$rc_bad" -ne 0 ] || fail "a wrong token was accepted"
[ "$rc_bad" -lt 90 ] || fail "exit code $rc_bad (a sanitizer?)"
assert_eq "$rc_bad" "$rc_pw" "exit code for a wrong token"
assert_contains "$T/err.bad" "badtok"
assert_contains "$T/err.bad" "badtok: login: server said: Authentication failed"
assert_not_contains "$T/err.bad" "$bad"
n=$(storectl count "$(store_of badtok)" INBOX 2>/dev/null || echo 0)
assert_eq "$n" 0 "messages stored with a wrong token"
grep -q "via=post token=$bad active=0 " "$T/introspect.log" ||
    fail "the introspection endpoint never saw the wrong token"
grep -q "oauth2 failed: Introspection failed" "$CACHET_TEST_DOVECOT_LOG" ||
    fail "Dovecot did not log the refused token"
grep -E "auth failed, .*user=<$u>, method=(XOAUTH2|OAUTHBEARER)," \
    "$CACHET_TEST_DOVECOT_LOG" >/dev/null ||
    fail "Dovecot logged no failed OAuth2 login"
# The wrong password went to the passwd-file passdb, not to the endpoint.
assert_not_contains "$T/introspect.log" "wrong-pw"

# (3) Who saw the token: every introspection request came from Dovecot.
if grep -v ' ua=dovecot-oauth2-passdb/' "$T/introspect.log" >&2; then
	fail "something other than Dovecot asked the introspection endpoint"
fi
assert_not_contains "$T/trace.good" "$good"
# What cachet sent, connection by connection: TLS records only, from the
# first byte (a handshake) on, and neither the token nor its XOAUTH2 or
# OAUTHBEARER encodings anywhere.
kill "$relay_pid" 2>/dev/null || true
wait "$relay_pid" 2>/dev/null || true
relay_pid=
ls "$T"/relay.[0-9]* >/dev/null 2>&1 || fail "nothing went through the relay"
"$PYTHON" - "$good" "$u" "$T"/relay.[0-9]* <<'EOF' || fail "token in clear"
import base64, sys
tok, user = sys.argv[1].encode(), sys.argv[2].encode()
forms = [tok,
         base64.b64encode(b"user=%s\x01auth=Bearer %s\x01\x01" % (user, tok)),
         base64.b64encode(b"n,a=%s,\x01auth=Bearer %s\x01\x01" % (user, tok))]
bad = 0
for path in sys.argv[3:]:
    data = open(path, "rb").read()
    i, kinds = 0, set()
    while i < len(data):
        if len(data) - i < 5:
            print("%s: %d stray bytes at the end" % (path, len(data) - i))
            bad = 1
            break
        ctype, major, n = data[i], data[i + 1], int.from_bytes(
            data[i + 3:i + 5], "big")
        if ctype not in (20, 21, 22, 23) or major != 3 or \
                i + 5 + n > len(data):
            print("%s: not a TLS record at byte %d: %r" %
                  (path, i, data[i:i + 16]))
            bad = 1
            break
        if i == 0 and ctype != 22:
            print("%s: does not start with a handshake" % path)
            bad = 1
        kinds.add(ctype)
        i += 5 + n
    if 23 not in kinds:
        print("%s: no application data" % path)
        bad = 1
    for f in forms:
        if f in data:
            print("%s: %r in clear" % (path, f[:20]))
            bad = 1
sys.exit(bad)
EOF
