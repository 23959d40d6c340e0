#!/usr/bin/env python3
"""mailcheck: look inside a received message for the sending tests.

    mailcheck.py FILE OUTDIR

Opens PGP/MIME (gpg) and S/MIME enveloped-data (gpgsm) with the keys of
$GNUPGHOME, unwraps multipart/signed, and prints one "name: value" line
each for: subject (outer, decoded), from (decoded), bcc (yes/no: a Bcc
field in the bytes), layers (e.g. "pgp-encrypted pgp-signed"),
protected-subject (the Subject inside the protected part, or "-"),
body (the first line of the text part), attachments (count). Each
attachment is written to OUTDIR under its decoded file name. Exit 1 on
any error. Used only by tests; it never touches the network.
"""
import email
import email.header
import email.policy
import os
import subprocess
import sys


def decoded(value):
    if value is None:
        return '-'
    return str(email.header.make_header(email.header.decode_header(value)))


def run(cmd, data):
    """Decrypt with cmd; success is the DECRYPTION_OKAY status (gpgsm
    exits non-zero when one of several recipients is not ours)."""
    p = subprocess.run(cmd + ['--status-fd', '2'], input=data,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if b'[GNUPG:] DECRYPTION_OKAY' not in p.stderr:
        sys.exit('%s failed: %s' % (cmd[0], p.stderr.decode()[-500:]))
    return p.stdout


def unwrap(part, layers):
    """The innermost content entity, decrypting and unsigning."""
    ctype = part.get_content_type()
    if ctype == 'multipart/encrypted':
        layers.append('pgp-encrypted')
        body = part.get_payload()[1].get_payload(decode=True)
        inner = run(['gpg', '--batch', '--no-tty', '--quiet'] +
                    ['--decrypt'], body)
        return unwrap(email.message_from_bytes(inner), layers)
    if ctype == 'application/pkcs7-mime':
        kind = (part.get_param('smime-type') or '').lower()
        layers.append('smime-' + kind)
        der = part.get_payload(decode=True)
        if kind == 'enveloped-data':
            inner = run(['gpgsm', '--batch', '--no-tty', '--quiet',
                         '--decrypt'], der)
            return unwrap(email.message_from_bytes(inner), layers)
        sys.exit('unexpected smime-type ' + kind)
    if ctype == 'multipart/signed':
        proto = part.get_param('protocol') or ''
        layers.append('pgp-signed' if 'pgp' in proto else 'smime-signed')
        return unwrap(part.get_payload()[0], layers)
    return part


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: mailcheck.py FILE OUTDIR')
    with open(sys.argv[1], 'rb') as f:
        raw = f.read()
    os.makedirs(sys.argv[2], exist_ok=True)
    msg = email.message_from_bytes(raw)
    layers = []
    inner = unwrap(msg, layers)
    print('subject: ' + decoded(msg['Subject']))
    print('from: ' + decoded(msg['From']))
    print('bcc: ' + ('yes' if msg['Bcc'] is not None or b'\nBcc:' in raw
                     else 'no'))
    print('layers: ' + (' '.join(layers) or '-'))
    if 'protected-headers' in (inner.get('Content-Type') or ''):
        print('protected-subject: ' + decoded(inner['Subject']))
    else:
        print('protected-subject: -')
    body = '-'
    natt = 0
    for part in inner.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        if name is not None:
            name = decoded(name)
            data = part.get_payload(decode=True)
            with open(os.path.join(sys.argv[2], os.path.basename(name)),
                      'wb') as f:
                f.write(data)
            natt += 1
        elif body == '-' and part.get_content_type() == 'text/plain':
            text = part.get_payload(decode=True).decode(
                part.get_content_charset() or 'us-ascii')
            body = text.splitlines()[0] if text else ''
    print('body: ' + body)
    print('attachments: %d' % natt)


main()
