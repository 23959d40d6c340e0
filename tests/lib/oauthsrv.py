#!/usr/bin/env python3
"""oauthsrv: an OAuth2 token introspection endpoint for cachet's tests.

    oauthsrv.py --token TOKEN --user USER --log FILE [--port P]

It listens on 127.0.0.1:P (P = 0, the default: the first free port in
28600-28699), prints "ready PORT" on stdout once listening, and answers
every request, on any path, with JSON:

    {"active": true, "username": USER}   when the request carries TOKEN
    {"active": false}                    otherwise

The token is looked for where Dovecot's oauth2 passdb puts it in each of
its introspection modes: a form field "token" in a POST body (post), a
query parameter "token" (get), or an "Authorization: Bearer" header (auth).

Each request is logged to FILE as one line

    METHOD PATH from=ADDR via=post|get|auth|none token=T active=0|1 ua=UA

(T and UA with spaces and control bytes escaped), so a test can see who
asked about which token. It serves until killed.
"""

import argparse
import http.server
import json
import random
import sys
import threading
import urllib.parse

ARGS = None
LOG_LOCK = threading.Lock()


def esc(s):
    return "".join(c if 0x20 < ord(c) < 0x7f and c != "\\" else
                   "\\x%02x" % ord(c) if ord(c) < 0x100 else
                   "\\u%04x" % ord(c) for c in s)


def form_token(data):
    fields = urllib.parse.parse_qs(data, keep_blank_values=True)
    vals = fields.get("token")
    return vals[0] if vals else None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def find_token(self, body):
        auth = self.headers.get("Authorization") or ""
        if auth[:7].lower() == "bearer ":
            return "auth", auth[7:].strip()
        if self.command == "POST":
            tok = form_token(body.decode("latin-1"))
            if tok is not None:
                return "post", tok
        query = urllib.parse.urlsplit(self.path).query
        tok = form_token(query)
        if tok is not None:
            return "get", tok
        return "none", ""

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(n, 1 << 16)) if n > 0 else b""
        via, tok = self.find_token(body)
        active = via != "none" and tok == ARGS.token
        with LOG_LOCK, open(ARGS.log, "a", encoding="ascii") as f:
            f.write("%s %s from=%s via=%s token=%s active=%d ua=%s\n" % (
                self.command, esc(self.path), self.client_address[0], via,
                esc(tok), int(active),
                esc(self.headers.get("User-Agent") or "-")))
        res = {"active": True, "username": ARGS.user} if active else \
            {"active": False}
        data = json.dumps(res).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = answer

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def bind(port):
    if port:
        return Server(("127.0.0.1", port), Handler)
    ports = list(range(28600, 28700))
    random.shuffle(ports)
    for p in ports:
        try:
            return Server(("127.0.0.1", p), Handler)
        except OSError:
            continue
    sys.exit("oauthsrv: no free port in 28600-28699")


def main():
    global ARGS
    p = argparse.ArgumentParser(prog="oauthsrv")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--token", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--log", required=True)
    ARGS = p.parse_args()
    open(ARGS.log, "a").close()
    srv = bind(ARGS.port)
    print("ready %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
