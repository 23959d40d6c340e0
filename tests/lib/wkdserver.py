#!/usr/bin/env python3
"""A Web Key Directory server for tests, on 127.0.0.1 over HTTPS.

    wkdserver.py ROOT CERT KEY LOG DELAYFILE PORT [PORT...]

Requests for a host starting "openpgpkey." are served from ROOT/adv, the
others from ROOT/dir (the advanced and the direct method); a missing
file is 404. Each request is logged to LOG as "HOST PATH" when it comes
in, then answered only after the number of seconds DELAYFILE holds when
it comes (0, or no file: at once), so a test can make the server slow.
A file NAME.redirect next to NAME answers 302 to the URL it holds.
Requests are served on threads of their own. It listens on the first
free PORT given and prints "ready PORT" once it does.
"""
import http.server
import os
import ssl
import sys
import time


def delay_of(path):
    try:
        with open(path) as f:
            return float(f.read().strip() or "0")
    except (OSError, ValueError):
        return 0.0


class Handler(http.server.BaseHTTPRequestHandler):
    root = log = delay_file = None

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0]
        base = "adv" if host.startswith("openpgpkey.") else "dir"
        path = os.path.normpath(self.path.split("?")[0]).lstrip("/")
        f = os.path.join(self.root, base, path)
        with open(self.log, "a") as lf:
            lf.write("%s %s\n" % (host, self.path))
        time.sleep(delay_of(self.delay_file))
        if os.path.isfile(f + ".redirect"):
            with open(f + ".redirect") as rf:
                to = rf.read().strip()
            self.send_response(302)
            self.send_header("Location", to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not os.path.isfile(f):
            self.send_error(404)
            return
        with open(f, "rb") as kf:
            data = kf.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    root, cert, key, log, delay_file = sys.argv[1:6]
    Handler.root, Handler.log, Handler.delay_file = root, log, delay_file
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = None
    for p in sys.argv[6:]:
        try:
            srv = Server(("127.0.0.1", int(p)), Handler)
            break
        except OSError:
            srv = None
    if srv is None:
        sys.exit("no free port")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("ready %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
