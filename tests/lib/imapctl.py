#!/usr/bin/env python3
"""imapctl: a second IMAP client for the cachet integration tests.

It talks to the test Dovecot over implicit TLS (127.0.0.1, port from
$CACHET_TEST_IMAPS_PORT, CA from $CACHET_TEST_CA) and prepares or inspects
mailboxes independently of cachet.

  append USER PASS MAILBOX FILE...        append files byte for byte
                                          (append and gen create MAILBOX
                                          when it does not exist)
  gen USER PASS MAILBOX COUNT [--size BYTES] [--seed N] [--direct]
      [--no-multiappend]                  append COUNT generated messages
  create USER PASS MAILBOX
  delete-mailbox USER PASS MAILBOX
  flags USER PASS MAILBOX UID (+FLAG|-FLAG)...   e.g. +\\Flagged -\\Seen
  expunge USER PASS MAILBOX UID...
  dump USER PASS MAILBOX OUTDIR           OUTDIR/<uid>.eml (BODY.PEEK[]) and
                                          "UID FLAG..." lines on stdout
  state USER PASS MAILBOX                 UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ,
                                          MESSAGES, one "NAME VALUE" per line
  uids USER PASS MAILBOX                  one UID per line
  list USER PASS                          mailbox names (as the server
                                          sends them, modified UTF-7)

gen makes the same messages for the same --seed (and --size): a mix of
plain ASCII, UTF-8 (8bit and quoted-printable) bodies with RFC 2047
subjects and names, multipart/mixed with a base64 attachment, and about
30% replies carrying In-Reply-To/References; CRLF line ends; Message-ID
<gen.SEED.INDEX@example.test>; --size pads the text to about that many
bytes. They are sent over one connection, 100 per MULTIAPPEND command
(or pipelined single APPENDs with --no-multiappend). gen --direct instead
writes them into the user's Maildir (owned by uid 65534, as the harness
makes it) and runs doveadm force-resync; it needs root and
$CACHET_TEST_DOVECOT_CONF. Either way UIDs follow generation order.

dump prints "UID" then the flags, sorted, without \Recent ("7 \Seen"; just
"7" when there are none).

Any error: a message on stderr and exit status 1.
"""

import argparse
import base64
import datetime
import email.quoprimime
import email.utils
import imaplib
import itertools
import os
import quopri
import random
import re
import socket
import ssl
import subprocess
import sys
import time

TIMEOUT = 20
PIPELINE = 64		# single APPENDs in flight at once
BATCH = 100		# messages per MULTIAPPEND command


class Fail(Exception):
    pass


def quote(name):
    """An IMAP quoted string for a mailbox name."""
    if any(c in name for c in "\r\n\0"):
        raise Fail("bad mailbox name: %r" % name)
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check(typ, dat, what):
    if typ != "OK":
        raise Fail("%s: %s %s" % (what, typ, dat))
    return dat


def connect(user, password):
    port = os.environ.get("CACHET_TEST_IMAPS_PORT")
    ca = os.environ.get("CACHET_TEST_CA")
    if not port or not ca:
        raise Fail("CACHET_TEST_IMAPS_PORT / CACHET_TEST_CA not set")
    ctx = ssl.create_default_context(cafile=ca)
    m = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ctx,
                          timeout=TIMEOUT)
    check(*m.login(user, password), "LOGIN %s" % user)
    # imaplib keeps the capabilities from before login; Dovecot offers
    # more (MULTIAPPEND, CONDSTORE, ...) once logged in.
    dat = check(*m.capability(), "CAPABILITY")
    m.capabilities = tuple(dat[-1].decode("ascii", "replace").upper().split())
    return m


def select(m, mailbox, readonly=False, create=False):
    """SELECT mailbox; with create, CREATE it first if it is missing."""
    typ, dat = m.select(quote(mailbox), readonly=readonly)
    if typ != "OK" and create:
        check(*m.create(quote(mailbox)), "CREATE %s" % mailbox)
        typ, dat = m.select(quote(mailbox), readonly=readonly)
    check(typ, dat, "SELECT %s" % mailbox)


def uid_list(m):
    dat = check(*m.uid("SEARCH", "ALL"), "UID SEARCH")
    uids = []
    for chunk in dat:
        if chunk:
            uids.extend(int(x) for x in chunk.split())
    return sorted(uids)


def uid_arg(s):
    if not re.fullmatch(r"[0-9]+(:[0-9]+|:\*)?(,[0-9]+(:[0-9]+|:\*)?)*", s):
        raise Fail("bad UID or UID set: %r" % s)
    return s


# ---- message generator ----------------------------------------------------

NAMES = [
    ("Alice Archer", "alice"), ("Bob Baker", "bob"),
    ("Jürgen Müller", "juergen"), ("Zoë Ångström", "zoe"),
    ("Carol Chen", "carol"), ("Дмитрий Иванов", "dmitri"),
    ("山田太郎", "taro"), ("Dave \"the\" Diver", "dave"),
]
TOPICS = [
    "Meeting notes", "Quarterly report", "Lunch on Friday?",
    "Build failure on main", "Holiday plans", "Invoice", "Re-org",
    "Server maintenance window",
]
UTF8_TOPICS = [
    "Grüße aus Köln", "Café für alle – heute", "Привет из Москвы",
    "日本語の件名", "Ζωή και χαρά", "Ünïcödé ✓ check", "€ 100 refund",
]
WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do "
         "eiusmod tempor incididunt ut labore et dolore magna aliqua").split()
UTF8_WORDS = "straße über café naïve façade smørrebrød ĳssel déjà vu".split()


def enc_word(text, rng):
    """RFC 2047 encoded-words for text (B or Q), each at most 60 chars."""
    q = rng.random() < 0.5
    words, chunk = [], ""

    def one(t):
        raw = t.encode("utf-8")
        if q:
            return email.quoprimime.header_encode(raw, "UTF-8")
        return "=?UTF-8?B?%s?=" % base64.b64encode(raw).decode()

    for c in text:
        if chunk and len(one(chunk + c)) > 60:
            words.append(one(chunk))
            chunk = ""
        chunk += c
    words.append(one(chunk))
    return "\r\n ".join(words)


def addr(rng, name, local):
    if all(ord(c) < 128 for c in name):
        shown = '"%s"' % name.replace('"', '\\"') if '"' in name else name
    else:
        shown = enc_word(name, rng)
    return "%s <%s@example.test>" % (shown, local)


def text_lines(rng, pools, utf8, target):
    """Body lines of about target bytes, drawn from a per-run pool."""
    pool = pools.setdefault("utf8" if utf8 else "ascii", [])
    if not pool:
        words = WORDS + UTF8_WORDS if utf8 else WORDS
        for _ in range(300):
            n = rng.randint(4, 12)
            pool.append(" ".join(rng.choice(words) for _ in range(n)))
        pool += [""] * 30
    avg = sum(len(x) + 2 for x in pool) // len(pool)
    lines = rng.choices(pool, k=max(target, 40) // avg + 1)
    return lines


def gen_body(rng, pools, i, kind, target):
    """(header lines, body bytes) for one message."""
    utf8 = kind in ("utf8", "qp")
    lines = text_lines(rng, pools, utf8, target)
    text = "\r\n".join(lines) + "\r\n"
    if kind == "qp":
        body = quopri.encodestring(text.encode("utf-8")).replace(
            b"\r\n", b"\n").replace(b"\n", b"\r\n")
        return (["Content-Type: text/plain; charset=UTF-8",
                 "Content-Transfer-Encoding: quoted-printable"], body)
    if kind != "multipart":
        cs = "UTF-8" if utf8 else "us-ascii"
        cte = "8bit" if utf8 else "7bit"
        return (["Content-Type: text/plain; charset=" + cs,
                 "Content-Transfer-Encoding: " + cte], text.encode("utf-8"))
    blob = rng.randbytes(rng.randint(200, 1200))
    b64 = base64.encodebytes(blob).replace(b"\n", b"\r\n")
    bnd = "=-gen-%d-%x" % (i, rng.getrandbits(32))
    parts = [
        "This is a multi-part message in MIME format.",
        "--" + bnd,
        "Content-Type: text/plain; charset=us-ascii",
        "",
        text,
        "--" + bnd,
        "Content-Type: application/octet-stream; name=\"data-%d.bin\"" % i,
        "Content-Disposition: attachment; filename=\"data-%d.bin\"" % i,
        "Content-Transfer-Encoding: base64",
        "",
    ]
    body = "\r\n".join(parts).encode() + b"\r\n" + b64 + \
        ("--%s--\r\n" % bnd).encode()
    return (["MIME-Version: 1.0",
             "Content-Type: multipart/mixed; boundary=\"%s\"" % bnd], body)


def generate(count, size, seed):
    """Yield count varied RFC 5322 messages (bytes, CRLF); a seed always
    gives the same messages."""
    rng = random.Random(seed)
    start = datetime.datetime(2024, 1, 2, 8, 0, 0,
                              tzinfo=datetime.timezone.utc)
    kinds = ["plain", "utf8", "qp", "multipart"]
    threads = []	# (subject, [message-ids])
    pools = {}
    for i in range(count):
        kind = kinds[i % 4] if i % 5 else kinds[rng.randrange(4)]
        frm, to = rng.sample(NAMES, 2)
        mid = "<gen.%d.%d@example.test>" % (seed, i)
        hdr = []
        if threads and rng.random() < 0.3:
            t = rng.choice(threads)
            subj = "Re: " + t[0]
            hdr += ["In-Reply-To: " + t[1][-1],
                    "References: " + "\r\n ".join(t[1][-10:])]
            t[1].append(mid)
        else:
            if kind in ("utf8", "qp"):
                subj = "%s %d" % (rng.choice(UTF8_TOPICS), i)
            else:
                subj = "%s %d" % (rng.choice(TOPICS), i)
            threads.append((subj, [mid]))
        if subj.isascii():
            subj_h = subj
        elif subj.startswith("Re: "):
            subj_h = "Re: " + enc_word(subj[4:], rng)
        else:
            subj_h = enc_word(subj, rng)
        date = start + datetime.timedelta(minutes=7 * i)
        hdr = ["Date: " + email.utils.format_datetime(date),
               "From: " + addr(rng, *frm),
               "To: " + addr(rng, *to),
               "Subject: " + subj_h,
               "Message-ID: " + mid] + hdr
        mime, body = gen_body(rng, pools, i, kind, size - 400 if size else 0)
        if "MIME-Version: 1.0" not in mime:
            hdr.append("MIME-Version: 1.0")
        head = "\r\n".join(hdr + mime) + "\r\n\r\n"
        yield head.encode("ascii") + body


# ---- commands -------------------------------------------------------------

def cmd_append(a):
    m = connect(a.user, a.password)
    select(m, a.mailbox, create=True)
    for path in a.files:
        with open(path, "rb") as f:
            data = f.read()
        append_raw(m, a.mailbox, [data])
    m.logout()


def append_raw(m, mailbox, messages, multi=True):
    """APPEND messages (an iterable) exactly as given. With MULTIAPPEND,
    BATCH messages per command (Dovecot commits each command as one
    transaction, which is what makes it fast); without, PIPELINE single
    APPENDs in flight. Literals are LITERAL+ when the server allows."""
    caps = m.capabilities
    if "LITERAL+" not in caps:
        for data in messages:
            m.literal = data
            check(*m._simple_command("APPEND", quote(mailbox)), "APPEND")
        return
    multi = multi and "MULTIAPPEND" in caps
    box = quote(mailbox).encode()
    it = iter(messages)
    n = 0
    while True:
        batch = list(itertools.islice(it, BATCH if multi else PIPELINE))
        if not batch:
            return
        out, pending = [], set()
        for data in batch:
            if not out or not multi:
                tag = b"G%06d" % n
                n += 1
                pending.add(tag)
                out.append(b"%s APPEND %s" % (tag, box))
            out.append(b" {%d+}\r\n" % len(data))
            out.append(data)
            if not multi:
                out.append(b"\r\n")
        if multi:
            out.append(b"\r\n")
        m.send(b"".join(out))
        wait_tags(m, pending)


def wait_tags(m, pending):
    while pending:
        line = m.readline()
        if not line:
            raise Fail("connection closed during APPEND")
        tag, _, rest = line.partition(b" ")
        if tag in pending:
            pending.discard(tag)
            if not rest.startswith(b"OK"):
                raise Fail("APPEND: %s" % line.decode("utf-8", "replace"))


def cmd_gen(a):
    msgs = generate(a.count, a.size, a.seed)
    if a.direct:
        direct_save(a.user, a.mailbox, msgs, a.count)
        return
    m = connect(a.user, a.password)
    # Dovecot appends much faster to the selected mailbox: it does not have
    # to open (and rescan) it for every APPEND.
    select(m, a.mailbox, create=True)
    append_raw(m, a.mailbox, msgs, not a.no_multiappend)
    m.logout()


def doveadm(*args):
    conf = os.environ.get("CACHET_TEST_DOVECOT_CONF")
    if not conf:
        raise Fail("CACHET_TEST_DOVECOT_CONF not set")
    r = subprocess.run(["doveadm", "-c", conf] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=300)
    if r.returncode != 0:
        raise Fail("doveadm %s: %s" % (" ".join(args),
                                      r.stderr.decode("utf-8", "replace")))
    return r.stdout.decode("utf-8", "replace")


def direct_save(user, mailbox, msgs, count):
    """Write msgs as Maildir files, in order, then let Dovecot index them."""
    if mailbox != "INBOX":
        try:
            doveadm("mailbox", "create", "-u", user, mailbox)
        except Fail as e:
            if "exists" not in str(e):
                raise
    path = doveadm("mailbox", "path", "-u", user, mailbox).strip()
    if not path.startswith("/"):
        raise Fail("doveadm mailbox path: %r" % path)
    for sub in ("", "/cur", "/new", "/tmp"):
        d = path + sub
        os.makedirs(d, mode=0o700, exist_ok=True)
        os.chown(d, 65534, 65534)
    # Dovecot gives new files their UIDs in the order of the time stamp at
    # the start of the name, so number them from a base that grows.
    base = int(time.time()) - count - 1
    host = socket.gethostname().replace("/", "_").replace(":", "_")
    pid = os.getpid()
    for i, data in enumerate(msgs):
        name = "%d.M%dP%d.%s,S=%d:2," % (base + i, i, pid, host, len(data))
        tmp = "%s/tmp/%s" % (path, name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fchown(fd, 65534, 65534)
        finally:
            os.close(fd)
        os.rename(tmp, "%s/cur/%s" % (path, name))
    doveadm("force-resync", "-u", user, mailbox)


def cmd_create(a):
    m = connect(a.user, a.password)
    check(*m.create(quote(a.mailbox)), "CREATE %s" % a.mailbox)
    m.logout()


def cmd_delete_mailbox(a):
    m = connect(a.user, a.password)
    check(*m.delete(quote(a.mailbox)), "DELETE %s" % a.mailbox)
    m.logout()


def cmd_flags(a):
    m = connect(a.user, a.password)
    select(m, a.mailbox)
    uid = uid_arg(a.uid)
    for spec in a.changes:
        if len(spec) < 2 or spec[0] not in "+-" or \
                not re.fullmatch(r"\\?[A-Za-z0-9$_.-]+", spec[1:]):
            raise Fail("bad flag change: %r (want +FLAG or -FLAG)" % spec)
        op = "+FLAGS.SILENT" if spec[0] == "+" else "-FLAGS.SILENT"
        check(*m.uid("STORE", uid, op, "(%s)" % spec[1:]), "UID STORE")
    m.logout()


def cmd_expunge(a):
    m = connect(a.user, a.password)
    select(m, a.mailbox)
    uids = ",".join(uid_arg(u) for u in a.uids)
    check(*m.uid("STORE", uids, "+FLAGS.SILENT", r"(\Deleted)"),
          "UID STORE")
    check(*m.uid("EXPUNGE", uids), "UID EXPUNGE")
    m.logout()


FETCH_RE = re.compile(rb"UID (\d+)")
FLAGS_RE = re.compile(rb"FLAGS \(([^)]*)\)")


def parse_fetch(dat):
    """(uid, flags, body) triples from imaplib's FETCH data."""
    out = []
    cur = None
    for item in dat:
        if isinstance(item, tuple):
            cur = [item[0], item[1]]
            out.append(cur)
        elif item and cur is not None:
            cur[0] += item	# the text after the literal, e.g. ")"
    res = []
    for meta, body in out:
        u = FETCH_RE.search(meta)
        f = FLAGS_RE.search(meta)
        if not u or not f:
            raise Fail("cannot parse FETCH response: %r" % meta[:200])
        flags = sorted(x.decode() for x in f.group(1).split()
                       if x != rb"\Recent")
        res.append((int(u.group(1)), flags, body))
    return res


def cmd_dump(a):
    m = connect(a.user, a.password)
    select(m, a.mailbox, readonly=True)
    os.makedirs(a.outdir, exist_ok=True)
    uids = uid_list(m)
    lines = []
    for i in range(0, len(uids), 200):
        chunk = ",".join(str(u) for u in uids[i:i + 200])
        dat = check(*m.uid("FETCH", chunk, "(UID FLAGS BODY.PEEK[])"),
                    "UID FETCH")
        for uid, flags, body in parse_fetch(dat):
            with open(os.path.join(a.outdir, "%d.eml" % uid), "wb") as f:
                f.write(body)
            lines.append((uid, flags))
    m.logout()
    for uid, flags in sorted(lines):
        print(" ".join([str(uid)] + flags))


def cmd_state(a):
    m = connect(a.user, a.password)
    dat = check(*m.status(quote(a.mailbox),
                          "(UIDVALIDITY UIDNEXT HIGHESTMODSEQ MESSAGES)"),
                "STATUS")
    text = b" ".join(d for d in dat if isinstance(d, bytes)).decode()
    m.logout()
    for key in ("UIDVALIDITY", "UIDNEXT", "HIGHESTMODSEQ", "MESSAGES"):
        v = re.search(r"\b%s (\d+)" % key, text)
        if not v:
            raise Fail("STATUS lacks %s: %s" % (key, text))
        print(key, v.group(1))


def cmd_uids(a):
    m = connect(a.user, a.password)
    select(m, a.mailbox, readonly=True)
    for u in uid_list(m):
        print(u)
    m.logout()


LIST_RE = re.compile(rb'^\([^)]*\) (?:"(?:[^"\\]|\\.)*"|NIL) (.*)$')


def cmd_list(a):
    m = connect(a.user, a.password)
    dat = check(*m.list(), "LIST")
    names = []
    for item in dat:
        if isinstance(item, tuple):	# name sent as a literal
            names.append(item[1])
            continue
        r = LIST_RE.match(item or b"")
        if not r:
            raise Fail("cannot parse LIST response: %r" % item)
        name = r.group(1)
        if name.startswith(b'"'):
            name = re.sub(rb'\\(.)', rb'\1', name[1:-1])
        names.append(name)
    m.logout()
    for n in sorted(names):
        print(n.decode("utf-8", "replace"))


# ---- command line ---------------------------------------------------------

def parser():
    p = argparse.ArgumentParser(prog="imapctl")
    sub = p.add_subparsers(dest="cmd", required=True)

    def add(name, fn, *args, box=True):
        s = sub.add_parser(name)
        s.add_argument("user")
        s.add_argument("password")
        if box:
            s.add_argument("mailbox")
        for a in args:
            s.add_argument(a[0], **a[1])
        s.set_defaults(fn=fn)
        return s

    add("append", cmd_append, ("files", {"nargs": "+"}))
    g = add("gen", cmd_gen, ("count", {"type": int}))
    g.add_argument("--size", type=int, default=0)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--direct", action="store_true")
    g.add_argument("--no-multiappend", action="store_true")
    add("create", cmd_create)
    add("delete-mailbox", cmd_delete_mailbox)
    add("flags", cmd_flags, ("uid", {}), ("changes", {"nargs": "+"}))
    add("expunge", cmd_expunge, ("uids", {"nargs": "+"}))
    add("dump", cmd_dump, ("outdir", {}))
    add("state", cmd_state)
    add("uids", cmd_uids)
    add("list", cmd_list, box=False)
    return p


def main():
    p = parser()
    # A flag change such as "-\Seen" must not be taken for an option.
    argv = sys.argv[1:]
    if argv and argv[0] == "flags" and len(argv) > 5:
        argv = argv[:5] + ["--"] + argv[5:]
    a = p.parse_args(argv)
    try:
        a.fn(a)
        sys.stdout.flush()
    except BrokenPipeError:		# e.g. "imapctl uids ... | head"
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except (Fail, imaplib.IMAP4.error, OSError, ssl.SSLError,
            subprocess.SubprocessError, ValueError) as e:
        print("imapctl %s: %s" % (a.cmd, e), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
