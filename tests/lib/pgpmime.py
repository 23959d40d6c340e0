"""OpenPGP/MIME messages for the UI tests, made with the gpg of $GNUPGHOME.

A test script's Python imports it with tests/lib on sys.path:

    text(BODY)                      a text/plain part
    signed(PART)                    multipart/signed by demo@example.org
    encrypted(PART, TO, SIGN)       multipart/encrypted to TO (default
                                    demo@example.org), also signed by
                                    demo@example.org when SIGN is true
    mixed(PART...)                  multipart/mixed
    put(DIR, NAME, FROM, SUBJECT, ENTITY, DAY)
                                    writes DIR/NAME.eml to Demo User
                                    <demo@example.org>, dated DAY Nov 2026,
                                    with Message-ID <NAME@example.org>

Parts are bytes with LF line ends; what is signed or encrypted is the part
with CRLF line ends, as on the wire.
"""
import subprocess

DEMO = "demo@example.org"


def gpg(*args, data):
    return subprocess.run(["gpg", "--batch", "--no-tty", "--armor",
                           "--trust-model", "always"] + list(args),
                          input=data, check=True,
                          capture_output=True).stdout


def crlf(b):
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def text(s):
    return b'Content-Type: text/plain; charset=utf-8\n\n' + s + b'\n'


def signed(part):
    sig = gpg("--detach-sign", "--digest-algo", "SHA256",
              "-u", DEMO, data=crlf(part))
    return (b'Content-Type: multipart/signed; micalg=pgp-sha256;\n'
            b' protocol="application/pgp-signature"; boundary="s1"\n\n'
            b'--s1\n' + part + b'\n--s1\n'
            b'Content-Type: application/pgp-signature\n\n' + sig +
            b'\n--s1--\n')


def encrypted(part, to=DEMO, sign=False):
    args = ["--encrypt", "-r", to]
    if sign:
        args += ["--sign", "-u", DEMO]
    enc = gpg(*args, data=crlf(part))
    return (b'Content-Type: multipart/encrypted;\n'
            b' protocol="application/pgp-encrypted"; boundary="e1"\n\n'
            b'--e1\nContent-Type: application/pgp-encrypted\n\n'
            b'Version: 1\n\n--e1\n'
            b'Content-Type: application/octet-stream\n\n' + enc +
            b'\n--e1--\n')


def mixed(*parts):
    b = b'Content-Type: multipart/mixed; boundary="m1"\n\n'
    for p in parts:
        b += b'--m1\n' + p + b'\n'
    return b + b'--m1--\n'


def put(out, name, sender, subject, entity, day):
    head = ('From: %s\n'
            'To: Demo User <demo@example.org>\n'
            'Subject: %s\n'
            'Date: %d Nov 2026 10:00:00 +0000\n'
            'Message-ID: <%s@example.org>\n'
            'MIME-Version: 1.0\n' % (sender, subject, day, name)).encode()
    with open("%s/%s.eml" % (out, name), "wb") as f:
        f.write(head + entity)
