#!/bin/sh
# Make the security-status test corpus: keys, certificates and one message
# per status, for tests/integration/t_verify.sh (every engine serving a
# protocol runs the same messages):
#
#	sh tests/lib/crypto-corpus.sh DIR
#
# DIR should have a short path (GnuPG puts its agent sockets in it).
# Written in DIR:
#   g/        the verifier's GnuPG home (gpg and gpgsm): the user "Me"
#             <me@example.test> (secret key, ultimately trusted); Alice,
#             Bob and Rev certified by Me, Rev then revoked; Dave (expired);
#             Eve (not certified). gpgsm: the test CA trusted, alice-enc's
#             key for decryption, no dirmngr, no dialogs.
#   d/        the demo account's home, from src/demo/keys, as cachet --demo
#             builds it
#   s/        tests/lib/smime-certs.sh's PKI and CMS objects
#   data/cachet/%2Esmime/  the OpenSSL engine's store (as cachet names
#             it under XDG_DATA_HOME=DIR/data) with alice-enc's key
#   ddata/cachet/%2Esmime/ the same for the demo user's S/MIME key
#   cfg, cfg-crl, cfg-demo   cachet configurations ([crypto] only):
#             trust anchors s/ca.crt, s/ca+crl.pem (CRL revoking frank),
#             the demo CA
#   mail/NAME.eml   the messages (see the list in the Python below)
# Keys and certificates are made here, never shipped. The messages are
# assembled byte by byte by the Python below; signatures are made by gpg
# and openssl themselves over the CRLF form of each signed part.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: sh crypto-corpus.sh DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mkdir -p "$1"
D=$(cd "$1" && pwd)
log=$D/corpus.log
: >"$log"

sh "$here/smime-certs.sh" "$D/s"
cat >"$D/corpus.py" <<'PY'
"""The security-status corpus: keys, then one message per status.

Messages (mail/NAME.eml); OpenPGP ones are stored with LF line ends
(pgp-good-crlf with CRLF), S/MIME ones with CRLF:
  pgp-good pgp-good-crlf pgp-bad pgp-unknown pgp-expired pgp-revoked
  pgp-untrusted pgp-mismatch pgp-partly pgp-wrapped pgp-weak
  pgp-enc-signed pgp-signed-then-enc pgp-enc-then-signed pgp-enc
  pgp-enc-nokey pgp-nomdc pgp-nested-enc pgp-inline pgp-inline-alone
  pgp-inline-enc pgp-ambiguous pgp-protected
  smime-good smime-bad smime-unknown smime-expired smime-revoked
  smime-untrusted smime-mismatch smime-partly smime-wrapped smime-weak
  smime-opaque smime-detached-content smime-nosigner smime-enc-cbc
  smime-enc-gcm smime-enc-gcm-bad smime-enc-nokey smime-enc-3des
  smime-signed-then-enc smime-clear-signed-then-enc smime-raw-signed-enc
  smime-evil escapes
"""
import base64
import os
import subprocess
import sys
import time

D, TOP = sys.argv[1], sys.argv[2]
S = D + '/s'
G = D + '/g'     # the verifier
M = D + '/m'     # where the signers' keys live
O = D + '/o'     # Carol, whom the verifier never met
MAIL = D + '/mail'
for d in (G, M, O, D + '/d'):
    os.makedirs(d, mode=0o700, exist_ok=True)
os.makedirs(MAIL, exist_ok=True)

NOW = int(time.time())


def run(cmd, data=None, env=None):
    r = subprocess.run(cmd, input=data, capture_output=True, env=env)
    if r.returncode != 0:
        sys.stderr.write('failed: %s\n%s\n' % (' '.join(cmd),
                                             r.stderr.decode('latin-1')))
        sys.exit(1)
    return r.stdout


def gpg(home, *args, data=None, faked=None):
    cmd = ['gpg', '--homedir', home, '--batch', '--no-tty', '--quiet',
           '--pinentry-mode', 'loopback', '--passphrase', '']
    if faked is not None:
        cmd += ['--faked-system-time', '%d!' % faked]
    return run(cmd + list(args), data)


def gpgsm(home, *args, data=None):
    return run(['gpgsm', '--homedir', home, '--batch', '--no-tty',
                '--quiet'] + list(args), data)


def fpr(home, who):
    out = gpg(home, '--with-colons', '--list-keys', who).decode()
    for line in out.splitlines():
        if line.startswith('fpr:'):
            return line.split(':')[9]
    sys.exit('no fingerprint for ' + who)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


def crlf(b):
    return b.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')


# ------------------------------------------------------------ OpenPGP keys

for home in (G, M, O):
    write(home + '/gpg-agent.conf', b'pinentry-program /nonexistent\n'
          b'no-allow-mark-trusted\n')

NAMES = {
    'me': 'Me Test <me@example.test>',
    'alice': 'Alice Test <alice@example.test>',
    'bob': 'Bob Test <bob@example.test>',
    'rev': 'Rev Test <rev@example.test>',
    'eve': 'Eve Test <eve@example.test>',
}
for n, uid in NAMES.items():
    gpg(M, '--quick-gen-key', uid, 'ed25519', 'sign', 'never')
gpg(M, '--quick-add-key', fpr(M, 'me@example.test'), 'cv25519', 'encr',
    'never')
PAST = NOW - 3 * 365 * 86400
gpg(M, '--quick-gen-key', 'Dave Test <dave@example.test>', 'ed25519',
    'sign', '1y', faked=PAST)
gpg(O, '--quick-gen-key', 'Carol Test <carol@example.test>', 'ed25519',
    'sign', 'never')
gpg(O, '--quick-add-key', fpr(O, 'carol@example.test'), 'cv25519', 'encr',
    'never')
gpg(M, '--import', data=gpg(O, '--export', '--armor', 'carol@example.test'))

# The verifier: Me's secret key, the others' public keys.
ME = fpr(M, 'me@example.test')
gpg(G, '--import', data=gpg(M, '--export-secret-keys', '--armor', ME))
for n in ('alice', 'bob', 'rev', 'eve', 'dave'):
    gpg(G, '--import', data=gpg(M, '--export', '--armor',
                                n + '@example.test'))
gpg(G, '--import-ownertrust', data=(ME + ':6:\n').encode())
for n in ('alice', 'bob', 'rev'):
    gpg(G, '--quick-lsign-key', fpr(G, n + '@example.test'))
gpg(G, '--check-trustdb')


def detach(who, data, digest=None, faked=None):
    args = ['--armor', '--detach-sign', '-u', who + '@example.test']
    if digest:
        args += ['--digest-algo', digest]
    home = O if who == 'carol' else M
    return gpg(home, *args, data=data, faked=faked)



# ------------------------------------------------------------ MIME helpers


def head(name, frm='Alice Test <alice@example.test>', extra=b''):
    return (b'From: ' + frm.encode() + b'\n'
            b'To: Me Test <me@example.test>\n'
            b'Subject: ' + name.encode() + b'\n'
            b'Date: Sat, 28 Nov 2026 12:00:00 +0000\n'
            b'Message-ID: <' + name.encode() + b'@example.test>\n'
            b'MIME-Version: 1.0\n' + extra)


TEXT = (b'Content-Type: text/plain; charset=utf-8\n'
        b'Content-Transfer-Encoding: quoted-printable\n'
        b'\n'
        b'Hello Me,\n'
        b'\n'
        b'this text is signed.  =E2=9C=93\n'
        b'From the start of a line, and trailing space \n'
        b'-- \n'
        b'Alice\n')


def pgp_signed_entity(entity, sig, boundary=b'=_sig'):
    """A multipart/signed entity (no message header) over entity."""
    return (b'Content-Type: multipart/signed; micalg=pgp-sha256;\n'
            b' protocol="application/pgp-signature"; boundary="' +
            boundary + b'"\n\n'
            b'This is an OpenPGP/MIME signed message.\n'
            b'--' + boundary + b'\n' + entity + b'\n'
            b'--' + boundary + b'\n'
            b'Content-Type: application/pgp-signature; '
            b'name="signature.asc"\n'
            b'Content-Disposition: attachment; filename="signature.asc"\n'
            b'\n' + sig +
            b'--' + boundary + b'--\n')


def pgp_sign(who, entity, **kw):
    """entity: LF, without the line end that belongs to the delimiter."""
    return pgp_signed_entity(entity, detach(who, crlf(entity), **kw))


def pgp_encrypted_entity(armored):
    return (b'Content-Type: multipart/encrypted;\n'
            b' protocol="application/pgp-encrypted"; boundary="=_enc"\n'
            b'\n'
            b'This is an OpenPGP/MIME encrypted message.\n'
            b'--=_enc\n'
            b'Content-Type: application/pgp-encrypted\n'
            b'\n'
            b'Version: 1\n'
            b'\n'
            b'--=_enc\n'
            b'Content-Type: application/octet-stream; name="encrypted.asc"'
            b'\n\n' + armored +
            b'--=_enc--\n')


def encrypt_to(rcpt, data, signer=None, extra=()):
    args = ['--trust-model', 'always', '--armor', '-e', '-r',
            rcpt + '@example.test'] + list(extra)
    if signer:
        args += ['-s', '-u', signer + '@example.test']
    return gpg(M, *args, data=data)


def mixed(parts, boundary=b'=_mix'):
    out = b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\n\n'
    for p in parts:
        out += b'--' + boundary + b'\n' + p + b'\n'
    return out + b'--' + boundary + b'--\n'


CLEAR = (b'Content-Type: text/plain; charset=us-ascii\n\n'
         b'This part is not signed.\n')


def put(name, data):
    write(MAIL + '/' + name + '.eml', data)


BODY = TEXT[:-1]    # the last line end belongs to the delimiter

put('pgp-good', head('pgp-good') + pgp_sign('alice', BODY))
put('pgp-good-crlf', crlf(head('pgp-good-crlf') + pgp_sign('alice', BODY)))
good = head('pgp-bad') + pgp_sign('alice', BODY)
put('pgp-bad', good.replace(b'this text is signed', b'this text is sigNed'))
put('pgp-unknown', head('pgp-unknown', 'Carol Test <carol@example.test>') +
    pgp_sign('carol', BODY))
put('pgp-expired', head('pgp-expired', 'Dave Test <dave@example.test>') +
    pgp_sign('dave', BODY, faked=PAST + 86400))
put('pgp-revoked', head('pgp-revoked', 'Rev Test <rev@example.test>') +
    pgp_sign('rev', BODY))
put('pgp-untrusted', head('pgp-untrusted', 'Eve Test <eve@example.test>') +
    pgp_sign('eve', BODY))
put('pgp-mismatch', head('pgp-mismatch') + pgp_sign('bob', BODY))
put('pgp-partly', head('pgp-partly') + mixed([pgp_sign('alice', BODY),
                                              CLEAR[:-1]]))
put('pgp-wrapped', head('pgp-wrapped') + mixed([pgp_sign('alice', BODY)]))
put('pgp-weak', head('pgp-weak') + pgp_sign('alice', BODY, digest='SHA1'))
put('pgp-ambiguous', head('pgp-ambiguous',
                          '"bob@example.test" <alice@example.test>') +
    pgp_sign('alice', BODY))
PROT = (b'Content-Type: text/plain; charset=utf-8; protected-headers="v1"\n'
        b'Subject: the real subject\n'
        b'\n'
        b'Protected headers inside.\n')
put('pgp-protected', head('...') + pgp_encrypted_entity(
    encrypt_to('me', PROT, signer='alice')))

# Encryption, to Me (the verifier), Carol (not the verifier).
put('pgp-enc', head('pgp-enc') + pgp_encrypted_entity(
    encrypt_to('me', TEXT)))
put('pgp-enc-signed', head('pgp-enc-signed') + pgp_encrypted_entity(
    encrypt_to('me', TEXT, signer='alice')))
put('pgp-signed-then-enc', head('pgp-signed-then-enc') +
    pgp_encrypted_entity(encrypt_to('me', pgp_sign('alice', BODY))))
ENC = pgp_encrypted_entity(encrypt_to('me', TEXT))
put('pgp-enc-then-signed', head('pgp-enc-then-signed') +
    pgp_sign('alice', ENC[:-1]))
put('pgp-enc-nokey', head('pgp-enc-nokey') + pgp_encrypted_entity(
    encrypt_to('carol', TEXT)))
put('pgp-nomdc', head('pgp-nomdc') + pgp_encrypted_entity(
    encrypt_to('me', TEXT, extra=('--rfc2440', '--cipher-algo', 'CAST5'))))
put('pgp-nested-enc', head('pgp-nested-enc') + mixed([CLEAR[:-1], ENC[:-1]]))

# Inline PGP: text, a clear-signed block, more text.
clear = gpg(M, '--clearsign', '-u', 'alice@example.test',
            data=b'Signed line one.\n- dash line\nSigned line three.\n')
put('pgp-inline', head('pgp-inline', extra=b'Content-Type: text/plain; '
                       b'charset=us-ascii\n') + b'\n'
    b'Text above the block.\n\n' + clear + b'\nText below the block.\n')
put('pgp-inline-alone', head('pgp-inline-alone', extra=b'Content-Type: '
                             b'text/plain; charset=us-ascii\n') + b'\n' +
    clear)
put('pgp-inline-enc', head('pgp-inline-enc', extra=b'Content-Type: '
                           b'text/plain; charset=us-ascii\n') + b'\n' +
    encrypt_to('me', b'Inline secret text.\n'))

# Now Rev's revocation reaches the verifier.
REVCERT = read(M + '/openpgp-revocs.d/' + fpr(M, 'rev@example.test') +
               '.rev').replace(b':-----BEGIN', b'-----BEGIN')
gpg(G, '--import', data=REVCERT)

# ------------------------------------------------------------ S/MIME

MSG = read(S + '/msg.txt')         # a CRLF MIME entity, signed as is


def b64(der):
    e = base64.encodebytes(der)
    return e.replace(b'\n', b'\r\n')


def smime_signed_entity(content, sig):
    """content is signed exactly, its last CRLF included."""
    return (b'Content-Type: multipart/signed; '
            b'protocol="application/pkcs7-signature";\r\n'
            b' micalg=sha-256; boundary="=_ssig"\r\n\r\n'
            b'This is a cryptographically signed message.\r\n'
            b'--=_ssig\r\n' + content + b'\r\n'
            b'--=_ssig\r\n'
            b'Content-Type: application/pkcs7-signature; name=smime.p7s\r\n'
            b'Content-Transfer-Encoding: base64\r\n'
            b'Content-Disposition: attachment; filename=smime.p7s\r\n\r\n' +
            b64(sig) +
            b'--=_ssig--\r\n')


def pkcs7(kind, der):
    return (b'Content-Type: application/pkcs7-mime; smime-type=' + kind +
            b'; name=smime.p7m\r\n'
            b'Content-Transfer-Encoding: base64\r\n'
            b'Content-Disposition: attachment; filename=smime.p7m\r\n\r\n' +
            b64(der))


def shead(name, frm='Alice Test <alice@example.test>'):
    return crlf(head(name, frm))


def sig(name):
    return read(S + '/' + name)


def mixed_crlf(parts):
    out = (b'Content-Type: multipart/mixed; boundary="=_smix"\r\n\r\n')
    for p in parts:
        out += b'--=_smix\r\n' + p + b'\r\n'
    return out + b'--=_smix--\r\n'


def signed_as(name, who, s, content=MSG):
    put(name, shead(name, who) + smime_signed_entity(content, s))


ALICE = 'Alice Test <alice@example.test>'
signed_as('smime-good', ALICE, sig('sig-good.p7s'))
signed_as('smime-bad', ALICE, sig('sig-good.p7s'), read(S + '/msg-bad.txt'))
# Gina's certificate is in no other message: nobody has collected it.
run(['openssl', 'cms', '-sign', '-binary', '-in', S + '/msg.txt',
     '-outform', 'DER', '-out', D + '/sig-gina-nocert.p7s', '-md', 'sha256',
     '-nocerts', '-signer', S + '/gina.crt', '-inkey', S + '/gina.key'])
signed_as('smime-unknown', 'Gina Test <gina@example.test>',
          read(D + '/sig-gina-nocert.p7s'))
signed_as('smime-expired', 'Dave Test <dave@example.test>',
          sig('sig-expired.p7s'))
signed_as('smime-revoked', 'Frank Test <frank@example.test>',
          sig('sig-revoked.p7s'))
signed_as('smime-untrusted', 'Mallory Test <mallory@example.test>',
          sig('sig-rogue.p7s'))
signed_as('smime-mismatch', 'Bob Test <bob@example.test>',
          sig('sig-good.p7s'))
signed_as('smime-weak', ALICE, sig('sig-sha1.p7s'))
signed_as('smime-detached-content', ALICE, sig('sig-opaque.p7m'))
signed_as('smime-nosigner', ALICE, sig('sig-nosigner.p7s'))
signed_as('smime-evil', ALICE, sig('sig-evil.p7s'))
SS = smime_signed_entity(MSG, sig('sig-good.p7s'))
put('smime-partly', shead('smime-partly') + mixed_crlf([SS[:-2],
                                                        crlf(CLEAR[:-1])]))
put('smime-wrapped', shead('smime-wrapped') + mixed_crlf([SS[:-2]]))
put('smime-opaque', shead('smime-opaque') + pkcs7(b'signed-data',
                                                  sig('sig-opaque.p7m')))
for name, f, kind in (('smime-enc-cbc', 'enc-cbc.p7m', b'enveloped-data'),
                      ('smime-enc-gcm', 'enc-gcm.p7m',
                       b'authEnveloped-data'),
                      ('smime-enc-gcm-bad', 'enc-gcm-bad.p7m',
                       b'authEnveloped-data'),
                      ('smime-enc-nokey', 'enc-bob.p7m', b'enveloped-data'),
                      ('smime-enc-3des', 'enc-3des.p7m', b'enveloped-data'),
                      ('smime-raw-signed-enc', 'enc-signed.p7m',
                       b'enveloped-data')):
    put(name, shead(name) + pkcs7(kind, sig(f)))


def cms_encrypt(entity):
    path = D + '/entity.tmp'
    write(path, entity)
    der = run(['openssl', 'cms', '-encrypt', '-binary', '-aes-256-cbc',
               '-in', path, '-outform', 'DER', S + '/alice-enc.crt'])
    os.unlink(path)
    return der


opaque = pkcs7(b'signed-data', sig('sig-opaque.p7m'))
put('smime-signed-then-enc', shead('smime-signed-then-enc') +
    pkcs7(b'enveloped-data', cms_encrypt(opaque)))
put('smime-clear-signed-then-enc', shead('smime-clear-signed-then-enc') +
    pkcs7(b'enveloped-data', cms_encrypt(SS)))

# Terminal escapes everywhere a message can put them.
put('escapes', b'From: =?utf-8?q?Security_=1B[32m=E2=9C=94_verified=1B[0m?='
    b' <alice@example.test>\n'
    b'Subject: \x1b]0;pwned\x07\x1b[1;32m[signed]\x1b[0m hello\n'
    b'Content-Type: text/plain; charset=utf-8\n\n'
    b'[cachet] signed by Alice Test <alice@example.test> (good)\n'
    b'\x1b[2J\x1b[H\x1b[1;32mGOOD SIGNATURE\x1b[0m \xc2\x9b31m C1 CSI\n'
    b'\x1b]8;;https://example.test/\x1b\\link\x1b]8;;\x1b\\ bell\x07 '
    b'nul\x00 del\x7f\n')

# ------------------------------------------------------ gpgsm, OpenSSL

# The verifier's gpgsm: the test CA trusted, alice-enc's key, no dirmngr.
write(G + '/gpgsm.conf', b'disable-dirmngr\n')
cafpr = run(['openssl', 'x509', '-in', S + '/ca.crt', '-noout',
             '-fingerprint', '-sha1']).decode().split('=')[1].strip()
write(G + '/trustlist.txt', (cafpr.replace(':', '') + ' S relax\n').encode())
gpgsm(G, '--import', S + '/ca.crt')
run(['openssl', 'pkcs12', '-export', '-legacy', '-passout', 'pass:',
     '-inkey', S + '/alice-enc.key', '-in', S + '/alice-enc.crt',
     '-certfile', S + '/ca.crt', '-out', D + '/alice-enc.p12'])
run(['gpgsm', '--homedir', G, '--batch', '--no-tty', '--quiet',
     '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--import',
     D + '/alice-enc.p12'], b'')


def ossl_store(store, key, certs):
    # store_account_dir(".smime"): the name is escaped as a path.
    keys = store + '/cachet/%2Esmime/keys'
    os.makedirs(keys, mode=0o700, exist_ok=True)
    f = run(['openssl', 'x509', '-in', certs[0], '-noout', '-fingerprint',
             '-sha256']).decode().split('=')[1].strip().replace(':', '')
    write(keys + '/' + f + '.key', read(key))
    os.chmod(keys + '/' + f + '.key', 0o600)
    write(keys + '/' + f + '.pem', b''.join(read(c) for c in certs))


ossl_store(D + '/data', S + '/alice-enc.key', [S + '/alice-enc.crt',
                                               S + '/ca.crt'])
write(D + '/cfg', ('[crypto]\nsmime_ca_file = %s/ca.crt\n' % S).encode())
write(D + '/cfg-crl',
      ('[crypto]\nsmime_ca_file = %s/ca+crl.pem\n' % S).encode())

# ------------------------------------------------------ the demo account

K = TOP + '/src/demo/keys'
DH = D + '/d'
write(DH + '/gpg-agent.conf', b'pinentry-program /nonexistent\n'
      b'no-allow-mark-trusted\n')
gpg(DH, '--import', K + '/demo.sec.asc', K + '/alice.pub.asc',
    K + '/bob.pub.asc')
gpg(DH, '--import-ownertrust', K + '/ownertrust.txt')
gpg(DH, '--check-trustdb')
write(DH + '/trustlist.txt', read(K + '/trustlist.txt'))
write(DH + '/gpgsm.conf', b'disable-dirmngr\n')
gpgsm(DH, '--import', K + '/smime-ca.crt.pem', K + '/smime-alice.crt.pem')
run(['gpgsm', '--homedir', DH, '--batch', '--no-tty', '--quiet',
     '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--import',
     K + '/smime-demo.p12'], b'')
ossl_store(D + '/ddata', K + '/smime-demo.key.pem',
           [K + '/smime-demo.crt.pem', K + '/smime-ca.crt.pem'])
write(D + '/cfg-demo',
      ('[crypto]\nsmime_ca_file = %s/smime-ca.crt.pem\n' % K).encode())

for home in (G, M, O, DH):
    subprocess.run(['gpgconf', '--homedir', home, '--kill', 'all'],
                   capture_output=True)
print('corpus ready')
PY
python3 "$D/corpus.py" "$D" "$top" >>"$log" 2>&1 || {
	echo "crypto-corpus: failed, see below" >&2
	tail -30 "$log" >&2
	exit 1
}
