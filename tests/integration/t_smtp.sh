# Submission through src/smtp (build/tools/smtpsend) to a private Postfix
# that delivers into the test Dovecot: implicit TLS and STARTTLS with AUTH,
# envelope-only recipients, dot-stuffing, refused login, untrusted CA,
# a stopped server, a server that never answers, and servers that do not
# (or will not) do STARTTLS, which must never see AUTH or MAIL.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/postfix.sh"

SEND=$TOOLS/smtpsend
[ -x "$SEND" ] || fail "no $SEND (make tests)"
on_exit() {
	postfix_stop
}
postfix_start "$T/postfix" || fail "cannot start Postfix"
SUB=$CACHET_TEST_SUBMISSION_PORT
SMTPS=$CACHET_TEST_SMTPS_PORT

a=$(new_user alice)
b=$(new_user bob)
c=$(new_user carol)
password_of "$a" >"$T/a.pw"
echo wrong >"$T/bad.pw"

# send NAME [smtpsend args...]: runs smtpsend with the common arguments,
# stdout in $T/NAME.out, stderr in $T/NAME.err; sets RC and SECS.
send() {
	sd_name=$1
	shift
	sd_t0=$(date +%s)
	RC=0
	"$SEND" --host 127.0.0.1 --timeout 10 --from "$a@example.test" "$@" \
	    >"$T/$sd_name.out" 2>"$T/$sd_name.err" || RC=$?
	SECS=$(($(date +%s) - sd_t0))
	cat "$T/$sd_name.out" "$T/$sd_name.err"
}

# count USER: messages in the user's INBOX.
count() {
	imapctl uids "$1" "$(password_of "$1")" INBOX | wc -l | tr -d ' '
}

# wait_count USER N: until INBOX holds N messages (Postfix delivers
# asynchronously), at most 10 s.
wait_count() {
	wc_i=0
	while [ "$(count "$1")" -lt "$2" ] && [ $wc_i -lt 100 ]; do
		sleep 0.1
		wc_i=$((wc_i + 1))
	done
	assert_eq "$(count "$1")" "$2" "messages in $1's INBOX"
}

# msg FILE SUBJECT: a message with Date and Message-ID, so that Postfix
# adds nothing inside it, with lines that need dot-stuffing.
msg() {
	printf '%s\r\n' "From: Alice <$a@example.test>" \
	    "To: Alice <$a@example.test>" "Subject: $2" \
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000" \
	    "Message-ID: <$2.$env_test_id@example.test>" \
	    "MIME-Version: 1.0" "Content-Type: text/plain; charset=utf-8" \
	    "" ".a line starting with a dot" "." ".." "middle" \
	    " . not alone" "caf$(printf '\303\251') ok" "." >"$1"
}

# delivered USER SUBJECT FILE: the user's copy ends with FILE, byte for
# byte (Dovecot and Postfix only prepend trace headers).
delivered() {
	rm -rf "$T/dump"
	imapctl dump "$1" "$(password_of "$1")" INBOX "$T/dump" >/dev/null
	dl_f=$(grep -l -F "Subject: $2" "$T"/dump/*.eml) ||
	    fail "$1 has no message '$2'"
	"$PYTHON" - "$dl_f" "$3" <<'EOF' || fail "$1's copy of '$2' differs"
import sys
got, want = (open(p, "rb").read() for p in sys.argv[1:3])
sys.exit(0 if got.endswith(b"\r\n" + want) else 1)
EOF
}

# (1) and (2): implicit TLS and STARTTLS, with AUTH, to a header recipient
# and two envelope-only ones; dots at line starts survive.
msg "$T/m1" smtps-1
send m1 --port "$SMTPS" --ca "$CACHET_TEST_CA" --user "$a" \
    --pass-file "$T/a.pw" --to "$a@example.test" --to "$b@example.test" \
    --to "$c@example.test" "$T/m1"
assert_eq "$RC" 0 "smtps submission"
assert_contains "$T/m1.out" "ok 250 250 2.0.0 Ok: queued as"
msg "$T/m2" starttls-2
send m2 --port "$SUB" --starttls --ca "$CACHET_TEST_CA" --user "$a" \
    --pass-file "$T/a.pw" --to "$a@example.test" --to "$c@example.test" \
    "$T/m2"
assert_eq "$RC" 0 "STARTTLS submission"
wait_count "$a" 2
wait_count "$b" 1
wait_count "$c" 2
delivered "$a" smtps-1 "$T/m1"
delivered "$b" smtps-1 "$T/m1"
delivered "$c" smtps-1 "$T/m1"
delivered "$a" starttls-2 "$T/m2"
delivered "$c" starttls-2 "$T/m2"
# The STARTTLS session authenticated after STARTTLS, on its own.
assert_contains "$T/postfix/maillog" "ehlo=2 starttls=1 auth=1 mail=1 rcpt=2"

# (3) A wrong password: permanent, 535, nothing delivered.
msg "$T/m3" badpw-3
send m3 --port "$SMTPS" --ca "$CACHET_TEST_CA" --user "$a" \
    --pass-file "$T/bad.pw" --to "$b@example.test" "$T/m3"
assert_eq "$RC" 1 "wrong password"
assert_contains "$T/m3.out" "perm 535 535 5.7.8"
assert_contains "$T/m3.err" "login refused, server said: 535 5.7.8"
assert_not_contains "$T/m3.err" wrong

# Until every session in the Postfix log has its "disconnect" line
# (postlogd writes a moment after the client is done), at most 2 s.
log_settle() {
	ls_i=0
	while [ "$(grep -c ' connect from' "$T/postfix/maillog")" != \
	    "$(grep -c 'disconnect from' "$T/postfix/maillog")" ] &&
	    [ $ls_i -lt 40 ]; do
		sleep 0.05
		ls_i=$((ls_i + 1))
	done
}

# (4) A CA that did not sign the server's certificate: TLS error, no AUTH
# (Postfix logs the session as ending after CONNECT or STARTTLS).
for p in "$SMTPS" "$SUB --starttls"; do
	log_settle
	cp "$T/postfix/maillog" "$T/postfix/maillog.before"
	# shellcheck disable=SC2086
	send m4 --port $p --ca "$CACHET_TEST_CERTS/rogue-ca.crt" --user "$a" \
	    --pass-file "$T/a.pw" --to "$b@example.test" "$T/m3"
	assert_eq "$RC" 1 "untrusted CA on $p"
	assert_contains "$T/m4.err" "certificate not trusted"
	log_settle
	diff "$T/postfix/maillog.before" "$T/postfix/maillog" >"$T/m4.log" ||
	    true
	assert_contains "$T/m4.log" "disconnect from"
	assert_not_contains "$T/m4.log" "auth="
	assert_not_contains "$T/m4.log" "sasl_"
done
wait_count "$b" 1

# (5) Postfix stopped: temporary failure; started again: delivered once.
postfix_stop
msg "$T/m5" restart-5
send m5 --port "$SMTPS" --ca "$CACHET_TEST_CA" --user "$a" \
    --pass-file "$T/a.pw" --to "$b@example.test" "$T/m5"
assert_eq "$RC" 75 "Postfix stopped"
assert_contains "$T/m5.err" "smtp 127.0.0.1:$SMTPS: connection refused"
postfix_start "$T/postfix" || fail "cannot restart Postfix"
assert_eq "$CACHET_TEST_SMTPS_PORT" "$SMTPS" "smtps port after restart"
send m5 --port "$SMTPS" --ca "$CACHET_TEST_CA" --user "$a" \
    --pass-file "$T/a.pw" --to "$b@example.test" "$T/m5"
assert_eq "$RC" 0 "after restart"
wait_count "$b" 2
sleep 0.5
assert_eq "$(count "$b")" 2 "messages in $b's INBOX after the retry"
delivered "$b" restart-5 "$T/m5"

# Fake servers on loopback for what Postfix will not do. Each logs every
# line it receives to its log file.
cat >"$T/fakesmtp.py" <<'EOF'
import os, socket, ssl, sys
mode, log = sys.argv[1], sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
for i in range(200):
    port = 24000 + (os.getpid() * 7 + i * 61) % 2000
    try:
        srv.bind(("127.0.0.1", port))
        break
    except OSError:
        continue
else:
    sys.exit("no free port")
srv.listen(4)
print("ready %d" % port, flush=True)
out = open(log, "a")
held = []
while True:
    c, _ = srv.accept()
    if mode == "silent":
        held.append(c)  # keep the connection open, never answer
        continue
    if mode == "oauth":     # implicit TLS with the test certificate
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        certs = os.environ["CACHET_TEST_CERTS"]
        ctx.load_cert_chain(certs + "/server.crt", certs + "/server.key")
        try:
            c = ctx.wrap_socket(c, server_side=True)
        except (OSError, ssl.SSLError):
            continue
    f = c.makefile("rb")
    c.sendall(b"220 fake ESMTP\r\n")
    for line in f:
        out.write(line.decode("latin-1"))
        out.flush()
        verb = line[:4].upper()
        if verb in (b"EHLO", b"HELO"):
            ext = b"250-STARTTLS\r\n" if mode == "refuse" else b""
            c.sendall(b"250-fake\r\n" + ext + b"250-AUTH PLAIN LOGIN"
                      b" XOAUTH2 OAUTHBEARER\r\n250 8BITMIME\r\n")
        elif verb == b"STAR":
            c.sendall(b"454 4.7.0 TLS not available\r\n")
        elif verb == b"AUTH":
            c.sendall(b"235 2.7.0 ok\r\n")
        elif verb == b"DATA":
            c.sendall(b"354 go on\r\n")
            for line in f:
                out.write("D:" + line.decode("latin-1"))
                if line == b".\r\n":
                    break
            out.flush()
            c.sendall(b"250 2.0.0 queued as FAKE\r\n")
        elif verb == b"QUIT":
            c.sendall(b"221 bye\r\n")
            break
        else:
            c.sendall(b"250 ok\r\n")
    c.close()
EOF

# fake MODE: start one, set FPORT and FPID; fake_kill stops it.
fake_pids=
fake() {
	: >"$T/fake.$1.log"
	"$PYTHON" "$T/fakesmtp.py" "$1" "$T/fake.$1.log" </dev/null \
	    >"$T/fake.$1.out" 2>"$T/fake.$1.err" &
	FPID=$!
	fake_pids="$fake_pids $FPID"
	fk_i=0
	FPORT=
	while [ -z "$FPORT" ] && [ $fk_i -lt 100 ]; do
		sleep 0.05
		FPORT=$(sed -n 's/^ready \([0-9]*\)$/\1/p' "$T/fake.$1.out")
		fk_i=$((fk_i + 1))
	done
	[ -n "$FPORT" ] || fail "fake SMTP server $1 did not start"
}

fake_kill() {
	kill "$FPID" 2>/dev/null || true
	wait "$FPID" 2>/dev/null || true
}

on_exit() {
	postfix_stop
	for p in $fake_pids; do
		kill "$p" 2>/dev/null || true
	done
}

# No STARTTLS offered, or STARTTLS refused: fail, and never send AUTH,
# MAIL or the message in plain text.
for m in plain refuse; do
	fake $m
	send fake-$m --port "$FPORT" --starttls --ca "$CACHET_TEST_CA" \
	    --user "$a" --pass-file "$T/a.pw" --to "$b@example.test" "$T/m3"
	fake_kill
	[ "$RC" -ne 0 ] || fail "submission without TLS ($m) succeeded"
	assert_contains "$T/fake.$m.log" EHLO
	assert_not_contains "$T/fake.$m.log" AUTH
	assert_not_contains "$T/fake.$m.log" MAIL
	assert_not_contains "$T/fake.$m.log" RCPT
	assert_not_contains "$T/fake.$m.log" badpw-3
	assert_contains "$T/fake-$m.err" "not sending in plain text"
	eval "rc_$m=\$RC"
done
assert_eq "$rc_plain" 1 "no STARTTLS offered"
assert_contains "$T/fake-plain.err" "server offers no STARTTLS"
assert_eq "$rc_refuse" 75 "STARTTLS refused with 454"
assert_contains "$T/fake.refuse.log" STARTTLS
assert_contains "$T/fake-refuse.err" "server refused STARTTLS: 454 4.7.0"

# (6) A server that accepts and never speaks, neither a TLS handshake nor
# a greeting: temporary, within the timeout.
fake silent
for tls in "" --starttls; do
	send silent --port "$FPORT" $tls --timeout 1 --ca "$CACHET_TEST_CA" \
	    --to "$b@example.test" "$T/m3"
	assert_eq "$RC" 75 "silent server $tls"
	[ "$SECS" -le 4 ] ||
	    fail "silent server $tls: took ${SECS}s with --timeout 1"
	assert_contains "$T/silent.err" "no progress for 1 s"
done
fake_kill

# OAuth2 to a fake implicit-TLS server that offers both token mechanisms:
# the token goes as a bearer token, never as a password; the message goes
# dot-stuffed on the wire.
printf 'tok-%s\n' "$env_test_id" >"$T/token"
fake oauth
send oauth --port "$FPORT" --oauth2 --ca "$CACHET_TEST_CA" --user "$a" \
    --pass-file "$T/token" --to "$b@example.test" "$T/m1"
assert_eq "$RC" 0 "OAuth2 submission to the fake"
assert_contains "$T/oauth.out" "ok 250 250 2.0.0 queued as FAKE"
fake_kill
"$PYTHON" - "$T/fake.oauth.log" "tok-$env_test_id" <<'EOF' ||
import base64, sys
log, tok = open(sys.argv[1], "rb").read().decode("latin-1"), sys.argv[2]
auth = [l.split() for l in log.splitlines() if l.startswith("AUTH ")]
assert len(auth) == 1 and auth[0][1] in ("OAUTHBEARER", "XOAUTH2"), auth
ir = base64.b64decode(auth[0][2]).decode("latin-1")
assert "auth=Bearer %s\x01\x01" % tok in ir, "no bearer token"
data = [l[2:] for l in log.splitlines() if l.startswith("D:")]
for want in ("..a line starting with a dot", "..", "...", " . not alone"):
    assert want in data, "not on the wire: %r" % want
assert data[-1] == "." and data.count("..") == 2, data
EOF
    fail "OAuth2 or dot-stuffing on the wire is wrong (see $T/fake.oauth.log)"
