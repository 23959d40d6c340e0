#!/usr/bin/env python3
"""What the server alone costs: a bare client that parses nothing.

  floor.py PORT CA USER PASSWORD

Over implicit TLS on 127.0.0.1: (1) connect, LOGIN, ENABLE QRESYNC,
SELECT INBOX (CONDSTORE), LOGOUT -- the least a resync can cost; (2) the
same headers-only UID FETCH of the whole INBOX that a first sync sends,
read to the end and thrown away. Prints one line per measurement, in
the bench's format, so a sync's time can be read against the server's.
"""
import socket
import ssl
import sys
import time

FIELDS = "Date From To Cc Subject Message-ID In-Reply-To References"


class Client:
    def __init__(self, port, ca):
        ctx = ssl.create_default_context(cafile=ca)
        raw = socket.create_connection(("127.0.0.1", port))
        self.s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        self.f = self.s.makefile("rb", buffering=1 << 20)
        self.n = 0
        self.f.readline()

    def cmd(self, text):
        """Send a command, read until its tagged answer; bytes read."""
        self.n += 1
        tag = b"f%d " % self.n
        self.s.sendall(tag + text.encode() + b"\r\n")
        total = 0
        while True:
            line = self.f.readline()
            if not line:
                raise SystemExit("connection closed")
            total += len(line)
            if line.endswith(b"}\r\n"):	# a literal follows
                size = int(line[line.rindex(b"{") + 1:-3])
                total += len(self.f.read(size))
                continue
            if line.startswith(tag):
                if not line[len(tag):].startswith(b"OK"):
                    raise SystemExit(line.decode(errors="replace"))
                return total


def main():
    port, ca, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
        sys.argv[4]
    times = []
    for _ in range(7):
        t = time.time()
        c = Client(port, ca)
        c.cmd("LOGIN %s %s" % (user, pw))
        c.cmd("ENABLE QRESYNC")
        c.cmd("SELECT INBOX (CONDSTORE)")
        c.cmd("LOGOUT")
        times.append(time.time() - t)
    times.sort()
    print("%-34s wall %.3f s (median of 7, best %.3f)" %
          ("server alone: login + SELECT", times[3], times[0]))
    c = Client(port, ca)
    c.cmd("LOGIN %s %s" % (user, pw))
    c.cmd("SELECT INBOX (CONDSTORE)")
    t = time.time()
    size = c.cmd("UID FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE "
                 "BODY.PEEK[HEADER.FIELDS (%s)] MODSEQ)" % FIELDS)
    dt = time.time() - t
    c.cmd("LOGOUT")
    print("%-34s wall %.3f s (%d MiB read, nothing parsed)" %
          ("server alone: header fetch", dt, size >> 20))


if __name__ == "__main__":
    main()
