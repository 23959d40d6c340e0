#!/usr/bin/env python3
"""fakeimap: a scriptable fake IMAP server for cachet's negative tests.

  fakeimap.py --port P --mode MODE [--cert C --key K] --log FILE
              [--messages N] [--stall-after K] [--stall-count any|body]
              [--ready-file F] [--variant V] [--referral-port P2]

It listens on 127.0.0.1:P (P = 0: a free port in 22000-23999), prints
"ready PORT" on stdout (and into --ready-file) once listening, and serves
connections, each in its own thread, until killed.

The referral modes also listen on 127.0.0.1:P2 (P2 = 0: a free port in
28600-28699), the place their referrals point to, and log
"# 0 referral listener on 127.0.0.1:P2" before "ready". That listener
never answers; it logs "# R connect from ADDR", each line the client
sends as "R plain <bytes>", and "# R close", so any line starting with
"# R " or "R " means a client followed a referral.

The log records every byte the client sends, one line per client line:
    N plain <bytes>      N: connection number; received before TLS
    N tls <bytes>        received inside TLS
    # N <event>          connect, tls-ok, tls-failed: why, close, ...
Bytes outside printable ASCII are written as \\r, \\n, \\\\ and \\xNN, so
`grep -E '^[0-9]+ plain .*LOGIN'` finds a plain-text login. Nothing the
server sends is logged, so a grep for LOGIN cannot match LOGINDISABLED.

Modes:
  nostarttls    plain; LOGINDISABLED and no STARTTLS; all else BAD
  preauth       plain "* PREAUTH" greeting
  garbage       random non-IMAP bytes as greeting, then silence
  starttls-bad  offers STARTTLS, answers it with BAD
  starttls-no   offers STARTTLS, answers it with NO
  inject        answers STARTTLS with "OK Begin TLS" and an injected
                "* OK [CAPABILITY ... AUTH=PLAIN]" in one send(), then
                performs the handshake if the client goes on
  alert-plain   plain greeting with [ALERT] and terminal escapes; STARTTLS
                offered; inside TLS every login is refused
  tls-cert      implicit TLS with --cert/--key; every login is refused
  stall         implicit TLS; INBOX with --messages N; answers properly
                until --stall-after K FETCH responses were sent, then sends
                nothing more (the socket stays open)
  fetchbad      like stall, but a UID FETCH of header fields goes wrong at
                message 3 as --variant says: oversized (a 2 MB literal),
                wronglen (a literal 5 bytes longer than its data), garbage
                (an unknown item with control bytes), interleave (EXISTS,
                EXPUNGE, RECENT, FLAGS, an unsolicited FETCH without UID and
                an untagged OK between the messages, which is legal), bye
                (BYE and close), no (every message, then a tagged NO with
                terminal escapes); quirks a client may read past, the
                reply still complete: unknownitem (X-GM-MSGID in every
                message, before the header literal), capability (an
                untagged CAPABILITY before message 3), nospace (no space
                between message 3's BODY section and its literal, which
                libetpan refuses too)
  referral-login    implicit TLS, no AUTH=PLAIN (so a client uses
                LOGIN); LOGIN and AUTHENTICATE are answered
                "NO [REFERRAL imap://user@127.0.0.1:P2/] try elsewhere"
  referral-auth     the same, with AUTH=PLAIN (so AUTHENTICATE PLAIN)
  referral-select   like stall, but SELECT and EXAMINE are answered
                "NO [REFERRAL imap://127.0.0.1:P2/INBOX] moved"
"""

import argparse
import os
import random
import re
import signal
import socket
import ssl
import sys
import threading


class Eof(Exception):
    pass


ESC = ["\\x%02x" % b if b < 0x20 or b > 0x7e else chr(b) for b in range(256)]
ESC[0x0a], ESC[0x0d], ESC[0x5c] = "\\n", "\\r", "\\\\"


def esc(data):
    return "".join(ESC[b] for b in data)


class Log:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.f = open(path, "a", encoding="ascii")
        self.conns = set()

    def write(self, text):
        with self.lock:
            self.f.write(text + "\n")
            self.f.flush()

    def flush_all(self):
        for c in list(self.conns):
            c.flush_log()


LOG = None
ARGS = None


# ---- connection: bytes, lines, literals, TLS ------------------------------

class Conn:
    def __init__(self, sock, cid):
        self.sock = sock
        self.cid = cid
        self.tls = False
        self.buf = b""
        self.pending = b""	# client bytes not yet logged (no newline yet)
        LOG.conns.add(self)
        self.event("connect")

    def event(self, text):
        LOG.write("# %d %s" % (self.cid, text))

    def log_in(self, data):
        self.pending += data
        while b"\n" in self.pending or len(self.pending) > 4096:
            i = self.pending.find(b"\n")
            i = 4096 if i < 0 else i + 1
            self.log_line(self.pending[:i])
            self.pending = self.pending[i:]

    def log_line(self, data):
        LOG.write("%d %s %s" % (self.cid, "tls" if self.tls else "plain",
                                esc(data)))

    def flush_log(self):
        if self.pending:
            self.log_line(self.pending)
            self.pending = b""

    def recv(self):
        try:
            data = self.sock.recv(65536)
        except (OSError, ssl.SSLError) as e:
            self.event("recv error: %s" % e)
            raise Eof()
        if not data:
            raise Eof()
        self.log_in(data)
        self.buf += data

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (OSError, ssl.SSLError) as e:
            self.event("send error: %s" % e)
            raise Eof()

    def readline(self):
        while b"\n" not in self.buf:
            if len(self.buf) > 1 << 20:
                raise Eof()
            self.recv()
        i = self.buf.index(b"\n") + 1
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def read_exact(self, n):
        while len(self.buf) < n:
            self.recv()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_command(self):
        """One command as raw bytes, literals included."""
        line = self.readline()
        raw = line
        while True:
            m = re.search(rb"\{(\d+)(\+?)\}\r?\n$", line)
            if not m or int(m.group(1)) > 50 << 20:
                return raw
            if not m.group(2):
                self.send(b"+ go ahead\r\n")
            raw += self.read_exact(int(m.group(1)))
            line = self.readline()
            raw += line

    def silence(self):
        """Send nothing more; read (and log) until the client goes."""
        while True:
            self.buf = b""
            self.recv()

    def start_tls(self, ctx):
        """Server side of a handshake; False if the client sent no TLS."""
        self.flush_log()
        if self.buf:
            self.event("plain bytes pipelined before the handshake")
            self.buf = b""
        self.sock.settimeout(30)
        try:
            first = self.sock.recv(1, socket.MSG_PEEK)
        except OSError as e:
            self.event("no handshake: %s" % e)
            raise Eof()
        if not first:
            raise Eof()
        if first[0] != 0x16:
            self.event("client did not start TLS")
            return False
        try:
            self.sock = ctx.wrap_socket(self.sock, server_side=True)
        except (OSError, ssl.SSLError) as e:
            self.event("tls-failed: %s" % e)
            raise Eof()
        self.sock.settimeout(None)
        self.tls = True
        self.event("tls-ok %s" % self.sock.version())
        return True

    def close(self):
        self.flush_log()
        LOG.conns.discard(self)
        self.event("close")
        try:
            self.sock.close()
        except OSError:
            pass


# ---- command parsing -------------------------------------------------------

def tokens(raw):
    """IMAP tokens: atoms as str, strings/literals as bytes, "(" and ")"."""
    out, i, n = [], 0, len(raw)
    while i < n:
        c = raw[i:i + 1]
        if c in (b" ", b"\r", b"\n"):
            i += 1
        elif c in (b"(", b")"):
            out.append(c.decode())
            i += 1
        elif c == b'"':
            i += 1
            s = bytearray()
            while i < n and raw[i:i + 1] != b'"':
                if raw[i:i + 1] == b"\\":
                    i += 1
                s += raw[i:i + 1]
                i += 1
            out.append(bytes(s))
            i += 1
        elif c == b"{":
            m = re.match(rb"\{(\d+)\+?\}\r?\n", raw[i:])
            if not m:
                raise ValueError("bad literal")
            i += m.end()
            out.append(raw[i:i + int(m.group(1))])
            i += int(m.group(1))
        else:
            j, depth = i, 0
            while j < n:
                d = raw[j:j + 1]
                if d == b"[":
                    depth += 1
                elif d == b"]":
                    depth -= 1
                elif depth == 0 and d in (b" ", b"(", b")", b"\r", b"\n"):
                    break
                j += 1
            out.append(raw[i:j].decode("latin-1"))
            i = j
    return out


def text(tok):
    return tok.decode("latin-1") if isinstance(tok, bytes) else tok


def seq_set(spec, top):
    """The numbers in an IMAP sequence set, * being top."""
    res = set()
    for part in spec.split(","):
        lo, _, hi = part.partition(":")
        a = top if lo == "*" else int(lo)
        b = a if not hi else (top if hi == "*" else int(hi))
        if a > b:
            a, b = b, a
        res.update(range(max(a, 1), min(b, top) + 1))
    return sorted(res)


def is_set(tok):
    return isinstance(tok, str) and re.fullmatch(r"[0-9*:,]+", tok)


# ---- sessions ---------------------------------------------------------------

class Session:
    """Answers commands; subclasses add mode-specific ones."""
    caps = "IMAP4rev1 AUTH=PLAIN"
    login_ok = False

    def __init__(self, conn):
        self.conn = conn

    def ok(self, tag, msg="done"):
        self.conn.send(b"%s OK %s\r\n" % (tag, msg.encode()))

    def run(self):
        while True:
            raw = self.conn.read_command()
            try:
                toks = tokens(raw)
            except ValueError:
                toks = []
            if len(toks) < 2 or not isinstance(toks[1], str):
                self.conn.send(b"* BAD parse error\r\n")
                continue
            tag = text(toks[0]).encode("latin-1")
            cmd = toks[1].upper()
            fn = getattr(self, "do_" + cmd.replace(".", "_"), None)
            try:
                if fn is None:
                    self.conn.send(b"%s BAD unknown command\r\n" % tag)
                elif fn(tag, toks[2:]) == "quit":
                    return
            except (ValueError, IndexError):
                self.conn.send(b"%s BAD bad arguments\r\n" % tag)

    def do_CAPABILITY(self, tag, args):
        self.conn.send(b"* CAPABILITY %s\r\n" % self.caps.encode())
        self.ok(tag)

    def do_LOGOUT(self, tag, args):
        self.conn.send(b"* BYE bye\r\n")
        self.ok(tag)
        return "quit"


class Refusing(Session):
    """A minimal server that refuses every login (and logs it)."""

    def do_NOOP(self, tag, args):
        self.ok(tag)

    def do_ID(self, tag, args):
        self.conn.send(b"* ID NIL\r\n")
        self.ok(tag)

    def auth_result(self, tag):
        if self.login_ok:
            self.ok(tag, "logged in")
        else:
            self.conn.send(b"%s NO [AUTHENTICATIONFAILED] refused\r\n" % tag)

    def do_LOGIN(self, tag, args):
        self.auth_result(tag)

    def do_AUTHENTICATE(self, tag, args):
        if len(args) < 2:
            self.conn.send(b"+ \r\n")
            if self.conn.readline().strip() == b"*":
                self.conn.send(b"%s BAD cancelled\r\n" % tag)
                return
        self.auth_result(tag)


class NoStartTls(Session):
    caps = "IMAP4rev1 LOGINDISABLED"
    greeting = b"* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] hi\r\n"


class Preauth(Refusing):
    caps = "IMAP4rev1"
    greeting = b"* PREAUTH [CAPABILITY IMAP4rev1] already logged in\r\n"

    def do_STARTTLS(self, tag, args):
        self.conn.send(b"%s BAD already authenticated\r\n" % tag)


class StartTlsRefused(Refusing):
    caps = "IMAP4rev1 STARTTLS LOGINDISABLED"
    greeting = b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n"
    answer = b"BAD no"

    def do_STARTTLS(self, tag, args):
        self.conn.send(b"%s %s\r\n" % (tag, self.answer))


class StartTlsNo(StartTlsRefused):
    answer = b"NO no"


class Upgrading(StartTlsRefused):
    """Offers STARTTLS and does it; inside TLS every login is refused."""
    ok_line = b"%s OK Begin TLS now\r\n"

    def do_STARTTLS(self, tag, args):
        if self.conn.tls:
            self.conn.send(b"%s BAD already in TLS\r\n" % tag)
            return
        self.conn.send(self.ok_line % tag)
        if ARGS.ctx is None:
            return
        if self.conn.start_tls(ARGS.ctx):
            self.caps = "IMAP4rev1 AUTH=PLAIN"
        else:
            self.caps = "IMAP4rev1 LOGINDISABLED"


class Inject(Upgrading):
    ok_line = (b"%s OK Begin TLS\r\n"
               b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n")


class AlertPlain(Upgrading):
    greeting = b"* OK [ALERT] \x1b]0;pwned\x07 evil\r\n"


class TlsCert(Refusing):
    greeting = b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake ready\r\n"
    implicit_tls = True


def garbage_session(conn):
    rng = random.Random(os.getpid())
    data = bytes(rng.choice([c for c in range(256) if c not in b"*+"])
                 for _ in range(8)) + os.urandom(248) + b"\r\n\x00\xff\r\n"
    conn.send(data)
    conn.silence()


# ---- stall: a small read-only mailbox server --------------------------------

FLAGS = r"\Answered \Flagged \Deleted \Seen \Draft"
SECTION_ITEM = re.compile(
    r"(BODY|BINARY)(?:\.PEEK)?\[(.*)\](?:<(\d+)\.(\d+)>)?")
# FETCH items that carry message text (what --stall-count body counts).
BODY_ITEM = re.compile(
    r"RFC822(\.TEXT)?|(BODY|BINARY)(\.PEEK)?\[(TEXT|[0-9.]*)\].*")


def make_message(i):
    body = "".join("Line %d of message %d.\r\n" % (j, i)
                   for j in range(1, 4 + i % 7))
    head = ("Date: Mon, 01 Jan 2024 10:%02d:00 +0000\r\n"
            "From: Fake Sender <sender@example.test>\r\n"
            "To: Fake Rcpt <rcpt@example.test>\r\n"
            "Subject: Fake message %d\r\n"
            "Message-ID: <fake.%d@example.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n"
            "\r\n" % (i % 60, i, i))
    return head.encode(), body.encode()


def literal(data):
    return b"{%d}\r\n%s" % (len(data), data)


def header_fields(head, names, negate):
    lines = re.split(rb"\r\n(?![ \t])", head.rstrip(b"\r\n"))
    keep = [ln for ln in lines
            if (ln.split(b":", 1)[0].strip().upper() in names) != negate]
    return b"".join(ln + b"\r\n" for ln in keep) + b"\r\n"


class Mailbox(Refusing):
    caps = "IMAP4rev1 AUTH=PLAIN"
    greeting = b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake mailbox\r\n"
    implicit_tls = True
    login_ok = True

    def __init__(self, conn):
        super().__init__(conn)
        self.n = ARGS.messages
        self.flags = {u: set() for u in range(1, self.n + 1)}
        self.sent = 0

    def do_LIST(self, tag, args):
        pat = text(args[1]) if len(args) > 1 else ""
        if pat == "":
            self.conn.send(b'* LIST (\\Noselect) "/" ""\r\n')
        else:
            self.conn.send(b'* LIST (\\HasNoChildren) "/" INBOX\r\n')
        self.ok(tag)

    do_LSUB = do_LIST

    def do_NAMESPACE(self, tag, args):
        self.conn.send(b'* NAMESPACE (("" "/")) NIL NIL\r\n')
        self.ok(tag)

    def inbox(self, tag, args):
        if not args or text(args[0]).upper() != "INBOX":
            self.conn.send(b"%s NO no such mailbox\r\n" % tag)
            return False
        return True

    def do_STATUS(self, tag, args):
        if not self.inbox(tag, args):
            return
        vals = {"MESSAGES": self.n, "UIDNEXT": self.n + 1, "UIDVALIDITY": 1,
                "UNSEEN": 0, "RECENT": 0}
        items = [text(a).upper() for a in args[1:] if a not in ("(", ")")]
        out = " ".join("%s %d" % (k, vals[k]) for k in items if k in vals)
        self.conn.send(b"* STATUS INBOX (%s)\r\n" % out.encode())
        self.ok(tag)

    def do_SELECT(self, tag, args, ro=False):
        if not self.inbox(tag, args):
            return
        self.conn.send(("* FLAGS (%s)\r\n* OK [PERMANENTFLAGS (%s)] ok\r\n"
                        "* %d EXISTS\r\n* 0 RECENT\r\n"
                        "* OK [UIDVALIDITY 1] ok\r\n* OK [UIDNEXT %d] ok\r\n"
                        % (FLAGS, FLAGS, self.n, self.n + 1)).encode())
        self.ok(tag, "[READ-ONLY] done" if ro else "[READ-WRITE] done")

    def do_EXAMINE(self, tag, args):
        self.do_SELECT(tag, args, ro=True)

    def simple_ok(self, tag, args):
        self.ok(tag)

    do_CLOSE = do_UNSELECT = do_CHECK = do_EXPUNGE = simple_ok
    do_ENABLE = do_SUBSCRIBE = simple_ok

    def do_APPEND(self, tag, args):
        self.conn.send(b"%s NO [CANNOT] read-only fake\r\n" % tag)

    do_CREATE = do_DELETE = do_RENAME = do_COMPRESS = do_APPEND

    def do_IDLE(self, tag, args):
        self.conn.send(b"+ idling\r\n")
        while self.conn.readline().strip().upper() != b"DONE":
            pass
        self.ok(tag)

    def do_UID(self, tag, args):
        if not args:
            self.conn.send(b"%s BAD UID what\r\n" % tag)
            return
        sub = text(args[0]).upper()
        fn = {"FETCH": self.fetch, "SEARCH": self.search,
              "STORE": self.store}.get(sub)
        if fn is None:
            self.conn.send(b"%s BAD unsupported\r\n" % tag)
        else:
            fn(tag, args[1:], True)

    def do_FETCH(self, tag, args):
        self.fetch(tag, args, False)

    def do_SEARCH(self, tag, args):
        self.search(tag, args, False)

    def do_STORE(self, tag, args):
        self.store(tag, args, False)

    def search(self, tag, args, uid):
        hits = list(range(1, self.n + 1))	# sequence numbers are UIDs
        for i, a in enumerate(args):
            if is_set(a) and (i == 0 or text(args[i - 1]).upper() == "UID"):
                hits = [u for u in seq_set(a, self.n) if u in hits]
        self.conn.send(b"* SEARCH%s\r\n" %
                       b"".join(b" %d" % u for u in hits))
        self.ok(tag)

    def store(self, tag, args, uid):
        if len(args) < 3 or not is_set(args[0]):
            self.conn.send(b"%s BAD bad STORE\r\n" % tag)
            return
        op = text(args[1]).upper()
        fl = {text(a) for a in args[2:] if a not in ("(", ")")}
        for u in seq_set(text(args[0]), self.n):
            if op.startswith("+"):
                self.flags[u] |= fl
            elif op.startswith("-"):
                self.flags[u] -= fl
            else:
                self.flags[u] = set(fl)
            if not op.endswith(".SILENT"):
                self.conn.send(b"* %d FETCH (UID %d FLAGS (%s))\r\n" % (
                    u, u, " ".join(sorted(self.flags[u])).encode()))
        self.ok(tag)

    def fetch(self, tag, args, uid):
        if not args or not is_set(args[0]):
            self.conn.send(b"%s BAD bad FETCH\r\n" % tag)
            return
        items = [text(a).upper() for a in args[1:] if a not in ("(", ")")]
        macros = {"ALL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
                  "FAST": ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
                  "FULL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE",
                           "ENVELOPE", "BODY"]}
        if len(items) == 1 and items[0] in macros:
            items = macros[items[0]]
        if uid and "UID" not in items:
            items.insert(0, "UID")
        for u in seq_set(text(args[0]), self.n):
            body = any(BODY_ITEM.fullmatch(it) for it in items)
            if ARGS.stall_after >= 0 and self.sent >= ARGS.stall_after and \
                    (body or ARGS.stall_count == "any"):
                self.conn.event("stalled after %d FETCH responses"
                                % self.sent)
                self.conn.silence()
            parts = [self.item(u, it) for it in items]
            self.conn.send(b"* %d FETCH (%s)\r\n" % (u, b" ".join(parts)))
            if body or ARGS.stall_count == "any":
                self.sent += 1
        self.ok(tag)

    def item(self, u, it):
        head, body = make_message(u)
        if it == "UID":
            return b"UID %d" % u
        if it == "FLAGS":
            return b"FLAGS (%s)" % " ".join(sorted(self.flags[u])).encode()
        if it == "RFC822.SIZE":
            return b"RFC822.SIZE %d" % (len(head) + len(body))
        if it == "INTERNALDATE":
            return b'INTERNALDATE "01-Jan-2024 10:%02d:00 +0000"' % (u % 60)
        if it == "ENVELOPE":
            return b"ENVELOPE " + self.envelope(u)
        if it in ("BODY", "BODYSTRUCTURE"):
            lines = body.count(b"\n")
            ext = b" NIL NIL NIL NIL" if it == "BODYSTRUCTURE" else b""
            return b'%s ("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL ' \
                b'"7BIT" %d %d%s)' % (it.encode(), len(body), lines, ext)
        simple = {"RFC822": b"", "RFC822.HEADER": b"HEADER",
                  "RFC822.TEXT": b"TEXT"}
        if it in simple:
            return it.encode() + b" " + literal(self.section(
                head, body, simple[it]))
        m = SECTION_ITEM.fullmatch(it)
        if not m:
            return b"X-UNKNOWN NIL"
        data = self.section(head, body, m.group(2).encode())
        name = b"%s[%s]" % (m.group(1).encode(), m.group(2).encode())
        if m.group(3) is not None:
            off = int(m.group(3))
            data = data[off:off + int(m.group(4))]
            name += b"<%d>" % off
        return name + b" " + literal(data)

    def section(self, head, body, sec):
        if sec == b"":
            return head + body
        if sec == b"HEADER":
            return head
        if sec in (b"TEXT", b"1"):
            return body
        m = re.fullmatch(rb"HEADER\.FIELDS(\.NOT)? \((.*)\)", sec)
        if m:
            names = set(m.group(2).upper().split())
            return header_fields(head, names, bool(m.group(1)))
        return b""

    def envelope(self, u):
        return (b'("Mon, 01 Jan 2024 10:%02d:00 +0000" "Fake message %d" '
                b'(("Fake Sender" NIL "sender" "example.test")) '
                b'(("Fake Sender" NIL "sender" "example.test")) '
                b'(("Fake Sender" NIL "sender" "example.test")) '
                b'(("Fake Rcpt" NIL "rcpt" "example.test")) '
                b'NIL NIL NIL "<fake.%d@example.test>")' % (u % 60, u, u))


class HostileFetch(Mailbox):
    """Mailbox whose FETCH of header fields breaks at message 3."""

    def fetch(self, tag, args, uid):
        if not uid or b"HEADER.FIELDS" not in b" ".join(
                a if isinstance(a, bytes) else a.encode("latin-1")
                for a in args):
            return Mailbox.fetch(self, tag, args, uid)
        for u in seq_set(text(args[0]), self.n):
            if u == 3 and self.hostile(u):
                continue
            head, _ = make_message(u)
            data = header_fields(head, {b"DATE", b"FROM", b"SUBJECT",
                                        b"MESSAGE-ID"}, False)
            v = ARGS.variant
            extra = b"X-GM-MSGID %d " % (1600000000000000000 + u) \
                if v == "unknownitem" else b""
            sp = b"" if v == "nospace" and u == 3 else b" "
            self.conn.send(b"* %d FETCH (UID %d %sFLAGS (%s) RFC822.SIZE %d "
                           b"INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" "
                           b"BODY[HEADER.FIELDS (DATE FROM SUBJECT "
                           b"MESSAGE-ID)]%s%s)\r\n" % (
                               u, u, extra,
                               " ".join(sorted(self.flags[u])).encode(),
                               len(head), sp, literal(data)))
        if ARGS.variant == "no":
            self.conn.send(b"%s NO [SERVERBUG] \x1b[2J\x1b]0;pwned\x07 "
                           b"fetch failed\r\n" % tag)
        else:
            self.ok(tag)

    def hostile(self, u):
        """Send message u's bad answer; True if it replaces the message.
        Variants the client cannot read past end the session here."""
        v = ARGS.variant
        pre = b"* %d FETCH (UID %d BODY[HEADER.FIELDS (DATE)] " % (u, u)
        if v == "interleave":
            self.conn.send(b"* %d EXISTS\r\n* 2 EXPUNGE\r\n* 0 RECENT\r\n"
                           b"* FLAGS (%s $New)\r\n"
                           b"* 1 FETCH (FLAGS (\\Seen))\r\n"
                           b"* OK [HIGHESTMODSEQ 99] still here\r\n"
                           % (self.n + 1, FLAGS.encode()))
            return False
        if v == "capability":
            self.conn.send(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN X-GM-EXT-1"
                           b"\r\n")
            return False
        if v == "wronglen":	# the rest follows, shifted by 7 bytes
            self.conn.send(pre + b"{25}\r\nDate: short\r\n\r\n)\r\n")
            return True
        if v == "oversized":
            self.conn.send(pre + b"{2000000}\r\n" + b"x" * 2000000 +
                           b")\r\n")
        elif v == "garbage":
            self.conn.send(b"* %d FETCH (UID %d X-JUNK \x01\x7f\xff)\r\n"
                           % (u, u))
        elif v == "bye":
            self.conn.send(b"* BYE [UNAVAILABLE] \x1b[31mgoing down\r\n")
            raise Eof()
        else:
            return False
        self.conn.silence()
        return True


# ---- referrals: answers that point at another server -----------------------

class ReferralLogin(Refusing):
    """Every login is refused with a login referral (RFC 2221)."""
    caps = "IMAP4rev1 LOGIN-REFERRALS"
    greeting = b"* OK [CAPABILITY IMAP4rev1 LOGIN-REFERRALS] fake ready\r\n"
    implicit_tls = True
    refers = True

    def auth_result(self, tag):
        self.conn.send(b"%s NO [REFERRAL imap://user@127.0.0.1:%d/] "
                       b"try elsewhere\r\n" % (tag, ARGS.referral_port))


class ReferralAuth(ReferralLogin):
    caps = "IMAP4rev1 LOGIN-REFERRALS AUTH=PLAIN"
    greeting = (b"* OK [CAPABILITY IMAP4rev1 LOGIN-REFERRALS AUTH=PLAIN] "
                b"fake ready\r\n")


class ReferralSelect(Mailbox):
    """Logs in, lists INBOX, and refers its SELECT elsewhere (RFC 2193)."""
    caps = "IMAP4rev1 MAILBOX-REFERRALS AUTH=PLAIN"
    refers = True

    def do_SELECT(self, tag, args, ro=False):
        self.conn.send(b"%s NO [REFERRAL imap://127.0.0.1:%d/INBOX] "
                       b"moved\r\n" % (tag, ARGS.referral_port))


def referral_target(sock, addr):
    """The server referrals point to: log the connection, never answer."""
    LOG.write("# R connect from %s:%d" % addr)
    sock.settimeout(5)
    pending = b""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            pending += data
            while b"\n" in pending:
                i = pending.index(b"\n") + 1
                LOG.write("R plain %s" % esc(pending[:i]))
                pending = pending[i:]
    except OSError:
        pass
    if pending:
        LOG.write("R plain %s" % esc(pending))
    LOG.write("# R close")
    sock.close()


def referral_listen(port):
    """Listen for referral_target on port, or on one in 28600-28699."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ports = [port] if port else random.sample(range(28600, 28700), 100)
    for p in ports:
        try:
            s.bind(("127.0.0.1", p))
            break
        except OSError:
            continue
    else:
        sys.exit("fakeimap: no free referral port")
    s.listen(16)

    def loop():
        while True:
            c, addr = s.accept()
            threading.Thread(target=referral_target, args=(c, addr),
                             daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return s.getsockname()[1]


# ---- server -----------------------------------------------------------------

MODES = {
    "nostarttls": NoStartTls, "preauth": Preauth, "garbage": None,
    "starttls-bad": StartTlsRefused, "starttls-no": StartTlsNo,
    "inject": Inject, "alert-plain": AlertPlain, "tls-cert": TlsCert,
    "stall": Mailbox, "fetchbad": HostileFetch,
    "referral-login": ReferralLogin, "referral-auth": ReferralAuth,
    "referral-select": ReferralSelect,
}


def serve(sock, cid):
    conn = Conn(sock, cid)
    try:
        cls = MODES[ARGS.mode]
        if cls is None:
            garbage_session(conn)
            return
        if getattr(cls, "implicit_tls", False):
            if not conn.start_tls(ARGS.ctx):
                conn.silence()
        sess = cls(conn)
        conn.send(sess.greeting)
        sess.run()
    except Eof:
        pass
    finally:
        conn.close()


def listen(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if port:
        s.bind(("127.0.0.1", port))
    else:
        rng = random.Random()
        for _ in range(200):
            try:
                s.bind(("127.0.0.1", rng.randrange(22000, 24000)))
                break
            except OSError:
                continue
        else:
            sys.exit("fakeimap: no free port in 22000-23999")
    s.listen(16)
    return s


def main():
    global ARGS, LOG
    p = argparse.ArgumentParser(prog="fakeimap")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--mode", required=True, choices=sorted(MODES))
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--log", required=True)
    p.add_argument("--messages", type=int, default=10)
    p.add_argument("--stall-after", type=int, default=-1)
    p.add_argument("--stall-count", choices=("any", "body"), default="any")
    p.add_argument("--ready-file")
    p.add_argument("--variant", default="interleave",
                   choices=("oversized", "wronglen", "garbage", "interleave",
                            "bye", "no", "unknownitem", "capability",
                            "nospace"))
    p.add_argument("--referral-port", type=int, default=0)
    ARGS = p.parse_args()
    ARGS.ctx = None
    if ARGS.cert:
        ARGS.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ARGS.ctx.load_cert_chain(ARGS.cert, ARGS.key)
    elif getattr(MODES[ARGS.mode], "implicit_tls", False):
        sys.exit("fakeimap: mode %s needs --cert and --key" % ARGS.mode)
    LOG = Log(ARGS.log)

    def stop(signum, frame):
        LOG.flush_all()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    s = listen(ARGS.port)
    port = s.getsockname()[1]
    LOG.write("# 0 listening on 127.0.0.1:%d mode %s" % (port, ARGS.mode))
    if getattr(MODES[ARGS.mode], "refers", False):
        ARGS.referral_port = referral_listen(ARGS.referral_port)
        LOG.write("# 0 referral listener on 127.0.0.1:%d"
                  % ARGS.referral_port)
    if ARGS.ready_file:
        with open(ARGS.ready_file, "w") as f:
            f.write("ready %d\n" % port)
    print("ready %d" % port, flush=True)
    cid = 0
    while True:
        c, _ = s.accept()
        cid += 1
        threading.Thread(target=serve, args=(c, cid), daemon=True).start()


if __name__ == "__main__":
    main()
