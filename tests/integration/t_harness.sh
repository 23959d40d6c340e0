#!/bin/sh
# Self-test of the test harness itself (no cachet involved): the test
# Dovecot, imapctl, set_uidvalidity, the plain-login detector and the fake
# IMAP server's modes.
. "$(dirname "$0")/../lib/env.sh"

# talk PORT MODE [SEND...]: a scripted client. MODE is plain, tls or
# starttls (upgrade with "s STARTTLS" first). Each SEND is written with
# CRLF; everything received is printed with \r removed. Reading stops at the
# tagged reply for the tag of each SEND, or after a 2 s silence.
talk() {
	"$PYTHON" - "$@" <<'EOF'
import socket, ssl, sys, os
port, mode, sends = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
ctx = ssl.create_default_context(cafile=os.environ["CACHET_TEST_CA"])
s = socket.create_connection(("127.0.0.1", port), timeout=2)
buf = b""
def until(tag):
    global buf, s
    while True:
        for ln in buf.split(b"\n")[:-1]:
            if tag is None or ln.startswith(tag + b" "):
                out, buf = buf, b""
                sys.stdout.write(out.decode("latin-1").replace("\r", ""))
                return
        try:
            d = s.recv(65536)
        except socket.timeout:
            d = b""
        if not d:
            sys.stdout.write(buf.decode("latin-1").replace("\r", ""))
            print("[silent or closed]")
            buf = b""
            return
        buf += d
if mode == "tls":
    s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
until(None)
if mode == "starttls":
    s.sendall(b"s STARTTLS\r\n")
    until(b"s")
    s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
for line in sends:
    s.sendall(line.encode() + b"\r\n")
    until(line.split()[0].encode())
EOF
}

# --- the real Dovecot, through imapctl -------------------------------------
u=$(new_user harness)
pw=$(password_of "$u")
assert_eq "$pw" "$u-pw"
imapctl gen "$u" "$pw" INBOX 50 --seed 7
imapctl dump "$u" "$pw" INBOX "$T/dump" >"$T/dump.txt"
assert_eq "$(ls "$T/dump" | wc -l)" 50 "files dumped"
assert_eq "$(wc -l <"$T/dump.txt")" 50 "dump lines"
assert_eq "$(head -n 1 "$T/dump.txt")" 1 "first dump line"
assert_eq "$(tail -n 1 "$T/dump.txt")" 50 "last dump line"
assert_contains "$T/dump/1.eml" "Message-ID: <gen.7.0@example.test>"
assert_contains "$T/dump/50.eml" "Message-ID: <gen.7.49@example.test>"
grep -l '^Content-Type: multipart/mixed' "$T"/dump/*.eml >/dev/null ||
    fail "no multipart message generated"
grep -l '^Subject: .*=?UTF-8?[BQq]?' "$T"/dump/*.eml >/dev/null ||
    fail "no encoded-word subject generated"
grep -l '^In-Reply-To: ' "$T"/dump/*.eml >/dev/null || fail "no replies"
# Every line ends in CRLF: no LF without CR before it.
if grep -l -v "$(printf '\r')\$" "$T"/dump/*.eml >/dev/null; then
	fail "a dumped message has a bare LF"
fi

imapctl state "$u" "$pw" INBOX >"$T/state.txt"
assert_contains "$T/state.txt" "UIDNEXT 51"
assert_contains "$T/state.txt" "MESSAGES 50"
grep -q '^UIDVALIDITY [1-9][0-9]*$' "$T/state.txt" || fail "no UIDVALIDITY"
grep -q '^HIGHESTMODSEQ [1-9][0-9]*$' "$T/state.txt" ||
    fail "no HIGHESTMODSEQ"
ms1=$(sed -n 's/^HIGHESTMODSEQ //p' "$T/state.txt")

imapctl flags "$u" "$pw" INBOX 3 '+\Flagged' '+\Seen' '-\Seen' '+\Seen'
imapctl flags "$u" "$pw" INBOX 4 '+$Label1'
imapctl expunge "$u" "$pw" INBOX 5 7
imapctl dump "$u" "$pw" INBOX "$T/dump2" >"$T/dump2.txt"
assert_eq "$(wc -l <"$T/dump2.txt")" 48 "after expunge"
assert_eq "$(sed -n 3p "$T/dump2.txt")" '3 \Flagged \Seen' "flags of 3"
assert_eq "$(sed -n 4p "$T/dump2.txt")" '4 $Label1' "flags of 4"
[ ! -e "$T/dump2/5.eml" ] || fail "5 not expunged"
cmp -s "$T/dump/6.eml" "$T/dump2/6.eml" || fail "message 6 changed"
imapctl uids "$u" "$pw" INBOX | tr '\n' ' ' >"$T/uids.txt"
assert_contains "$T/uids.txt" "1 2 3 4 6 8 9 "
imapctl state "$u" "$pw" INBOX >"$T/state2.txt"
ms2=$(sed -n 's/^HIGHESTMODSEQ //p' "$T/state2.txt")
[ "$ms2" -gt "$ms1" ] || fail "HIGHESTMODSEQ did not grow: $ms1 -> $ms2"

printf 'Subject: by file\r\n\r\nbody\r\n' >"$T/one.eml"
imapctl create "$u" "$pw" "Two Words"
imapctl append "$u" "$pw" "Two Words" "$T/one.eml" "$T/one.eml"
imapctl list "$u" "$pw" >"$T/list.txt"
assert_eq "$(tr '\n' '|' <"$T/list.txt")" "INBOX|Two Words|" "list"
imapctl dump "$u" "$pw" "Two Words" "$T/dump3" >/dev/null
cmp -s "$T/one.eml" "$T/dump3/2.eml" || fail "appended bytes differ"
imapctl delete-mailbox "$u" "$pw" "Two Words"
assert_eq "$(imapctl list "$u" "$pw")" INBOX "list after delete"
if imapctl state "$u" wrong INBOX 2>"$T/err.txt"; then
	fail "a wrong password was accepted"
fi
assert_contains "$T/err.txt" "AUTHENTICATIONFAILED"

# set_uidvalidity, seen by a fresh IMAP session.
set_uidvalidity "$u" INBOX 4242
imapctl state "$u" "$pw" INBOX >"$T/state3.txt"
assert_contains "$T/state3.txt" "UIDVALIDITY 4242"
assert_contains "$T/state3.txt" "MESSAGES 48"

# Direct Maildir writes keep generation order in the UIDs.
imapctl gen "$u" "$pw" Bulk 30 --direct --seed 3
imapctl dump "$u" "$pw" Bulk "$T/dump4" >/dev/null
assert_contains "$T/dump4/1.eml" "Message-ID: <gen.3.0@example.test>"
assert_contains "$T/dump4/30.eml" "Message-ID: <gen.3.29@example.test>"

# Every login of this user so far used TLS; a LOGIN before STARTTLS on the
# plain port is accepted by Dovecot on loopback, and the detector sees it.
[ -z "$(plain_logins | grep "user=<$u>")" ] || fail "plain-text login seen"
talk "$CACHET_TEST_IMAP_PORT" plain "p LOGIN $u $pw" "q LOGOUT" >"$T/p.txt"
assert_contains "$T/p.txt" "p OK"
talk "$CACHET_TEST_IMAP_PORT" starttls "r LOGIN $u $pw" "q LOGOUT" \
    >"$T/r.txt"
assert_contains "$T/r.txt" "r OK"
# The log process may write the line a moment after the reply.
i=0
while [ "$(plain_logins | grep -c "user=<$u>")" -eq 0 ] && [ $i -lt 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
assert_eq "$(plain_logins | grep -c "user=<$u>")" 1 "plain logins"

# --- the fake server ---------------------------------------------------------
fake_start nostarttls "$T/f1.log"
talk "$FAKE_PORT" plain "a CAPABILITY" "b LOGIN x y" "c STARTTLS" \
    "d LOGOUT" >"$T/f1.txt"
assert_contains "$T/f1.txt" "* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] hi"
assert_contains "$T/f1.txt" "* CAPABILITY IMAP4rev1 LOGINDISABLED"
assert_contains "$T/f1.txt" "b BAD"
assert_contains "$T/f1.txt" "c BAD"
assert_contains "$T/f1.txt" "d OK"
assert_not_contains "$T/f1.txt" "STARTTLS"
fake_stop
grep -q '^1 plain b LOGIN x y\\r\\n$' "$T/f1.log" || fail "LOGIN not logged"
assert_contains "$T/f1.log" "# 1 close"

fake_start inject "$T/f2.log"
"$PYTHON" - "$FAKE_PORT" >"$T/f2.txt" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.recv(4096)
s.sendall(b"s STARTTLS\r\n")
time.sleep(0.3)
print(s.recv(4096).decode())	# both lines come in one segment
EOF
grep -q '^s OK Begin TLS' "$T/f2.txt" || fail "no STARTTLS answer"
assert_contains "$T/f2.txt" "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected"
fake_stop

fake_start tls-cert "$T/f3.log"
talk "$FAKE_PORT" tls "a LOGIN u p" "b LOGOUT" >"$T/f3.txt"
assert_contains "$T/f3.txt" "a NO"
fake_stop
grep -q '^1 tls a LOGIN u p' "$T/f3.log" || fail "TLS LOGIN not logged"
fake_start tls-cert "$T/f4.log" --cert "$CACHET_TEST_CERTS/expired.crt" \
    --key "$CACHET_TEST_CERTS/expired.key"
if talk "$FAKE_PORT" tls >"$T/f4.txt" 2>&1; then
	fail "expired certificate accepted"
fi
assert_contains "$T/f4.txt" "certificate has expired"
fake_stop
grep -q '^# 1 tls-failed' "$T/f4.log" || fail "failed handshake not logged"

fake_start stall "$T/f5.log" --messages 5 --stall-after 2
talk "$FAKE_PORT" tls "a LOGIN u p" "b SELECT INBOX" \
    "c UID FETCH 1:* (UID FLAGS BODY.PEEK[])" >"$T/f5.txt"
assert_contains "$T/f5.txt" "* 5 EXISTS"
assert_contains "$T/f5.txt" "* 2 FETCH (UID 2 FLAGS () BODY[] {"
assert_not_contains "$T/f5.txt" "* 3 FETCH"
assert_contains "$T/f5.txt" "[silent or closed]"
fake_stop
assert_contains "$T/f5.log" "stalled after 2 FETCH responses"

fake_start alert-plain "$T/f6.log"
talk "$FAKE_PORT" starttls "a CAPABILITY" "b LOGIN u p" >"$T/f6.txt"
assert_contains "$T/f6.txt" "$(printf '[ALERT] \033]0;pwned\007 evil')"
assert_contains "$T/f6.txt" "b NO"
fake_stop
grep -q '^1 tls b LOGIN' "$T/f6.log" || fail "login inside TLS not logged"
if grep -q '^1 plain .*LOGIN' "$T/f6.log"; then
	fail "plain LOGIN logged"
fi

fake_start preauth "$T/f7.log"
talk "$FAKE_PORT" plain >"$T/f7.txt"
assert_contains "$T/f7.txt" "* PREAUTH"
fake_stop
fake_start garbage "$T/f8.log"
talk "$FAKE_PORT" plain >"$T/f8.txt"
if grep -q '^\* OK' "$T/f8.txt"; then
	fail "garbage greeting looks like IMAP"
fi
fake_stop
echo "harness OK"
