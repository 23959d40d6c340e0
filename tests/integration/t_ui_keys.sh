# Key management in the UI, with real gpg: in the pager, import-keys (I)
# takes the key attached to a message (origin "attachment" in the key
# view) and the Autocrypt key of a sender; a second key for an address
# that has one asks "import another? (y/n)", and n imports nothing, y
# imports it. In the key view, set-trust (t) with its chooser: ultimate
# asks again, and the validity column changes from "unknown" to
# "ultimate"; locate-key (L) with nothing to answer shows a clear error
# and imports nothing. The messages come through the test Dovecot.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/tmux.sh"
. "$top/tests/lib/gnupg.sh"

G=$T/g
on_exit() {
	ui_stop
	gnupg_stop
}
gnupg_home "$G" "$T/ka" "$T/kb1" "$T/kb2"
printf 'no-auto-key-retrieve\nauto-key-locate local\n' >"$G/gpg.conf"
printf 'disable-dirmngr\n' >"$G/gpgsm.conf"
# locate-key must not reach anything: every name goes to a closed port.
CACHET_WKD_CONNECT_TO="::127.0.0.1:26449"
export CACHET_WKD_CONNECT_TO

gnupg_new_key "$T/ka" "Alice <alice@example.test>"
gnupg_new_key "$T/kb1" "Bob <bob@example.test>"
gnupg_new_key "$T/kb2" "Bob Again <bob@example.test>"
ALICE=$(gnupg_fpr "$T/ka")
BOB1=$(gnupg_fpr "$T/kb1")
BOB2=$(gnupg_fpr "$T/kb2")
# Bob's first key is known already.
gpg --homedir "$T/kb1" --batch --armor --export |
    gpg --batch --no-tty --import 2>>"$T/gpg.log" || fail "import bob"

mkdir "$T/mail"
{
	printf 'From: Alice <alice@example.test>\nTo: me@example.test\n'
	printf 'Subject: Alice sends her key\nMessage-ID: <alice-key@example.test>\n'
	printf 'Date: Mon, 02 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
	printf 'Content-Type: text/plain\n\nhere it is\n--b\n'
	printf 'Content-Type: application/pgp-keys; name="alice.asc"\n'
	printf 'Content-Disposition: attachment; filename="alice.asc"\n\n'
	gpg --homedir "$T/ka" --batch --armor --export
	printf '\n--b--\n'
} >"$T/mail/alice.eml"
kd=$(gpg --homedir "$T/kb2" --batch --export-options export-minimal \
    --export | base64 -w 0)
{
	printf 'From: Bob <bob@example.test>\nTo: me@example.test\n'
	printf 'Subject: Bob with a new key\nMessage-ID: <bob-new@example.test>\n'
	printf 'Date: Sun, 01 Nov 2026 10:00:00 +0000\n'
	printf 'Autocrypt: addr=bob@example.test; prefer-encrypt=mutual;\n'
	printf ' keydata=%s\n' "$kd" | fold -w 76 | sed '2,$s/^/ /'
	printf '\nhello, new key\n'
} >"$T/mail/bob.eml"

u=$(new_user keys)
imapctl append "$u" "$(password_of "$u")" INBOX "$T/mail/alice.eml" \
    "$T/mail/bob.eml"
write_config "$T/cfg" work "$u"
"$CACHET" -c "$T/cfg" sync 2>"$T/sync.err" || {
	cat "$T/sync.err" >&2
	fail "cachet sync failed"
}

# The screen row (0-based) of the first line holding STRING, or -1.
row_of() {	# string
	ui_screen | awk -v s="$1" 'index($0, s) { print NR - 1; f = 1; exit }
	    END { if (!f) print -1 }'
}
# Select the index or key list row showing STRING (the first row of the
# list is screen row FIRST).
select_row() {	# string first
	r=$(row_of "$1")
	[ "$r" -ge 0 ] || { ui_screen >&2; fail "no row for '$1'"; }
	ui_keys g
	r=$((r - $2))
	while [ "$r" -gt 0 ]; do
		ui_keys j
		r=$((r - 1))
	done
}

ui_start -c "$T/cfg" --offline
ui_wait "Alice sends her key"

# 1. The attached key, from the pager.
select_row "Alice sends her key" 0
ui_keys Enter
ui_wait "here it is"
ui_keys I
ui_wait "import: 1 key imported"
gnupg_has_key "$ALICE" || fail "alice's key was not imported"
ui_keys q
ui_wait "Bob with a new key"

# 2. Bob's Autocrypt key: bob has another key, so the UI asks; n keeps
# it out, y takes it.
select_row "Bob with a new key" 0
ui_keys Enter
ui_wait "hello, new key"
ui_keys I
short=$(printf '%s' "$BOB1" | cut -c25-40)
ui_wait "bob@example.test already has key $short; import another? (y/n)"
ui_keys n
ui_wait "not imported"
gnupg_has_key "$BOB2" && fail "bob's new key came in after n"
ui_keys I
ui_wait "import another? (y/n)"
ui_keys y
ui_wait "import: 1 key imported"
gnupg_has_key "$BOB2" || fail "bob's new key was not imported after y"
ui_keys q

# 3. The key view: origins, then set-trust on Alice's key.
ui_keys K
ui_wait "Keys and certificates: 3"
ui_screen >"$T/s1"
grep -F "Alice <alice@example.test>" "$T/s1" | grep -q "unknown .*attachment" ||
    { cat "$T/s1" >&2; fail "alice's row: validity unknown, origin attachment"; }
grep -F "Bob Again" "$T/s1" | grep -q "Autocrypt" ||
    { cat "$T/s1" >&2; fail "bob's new key: origin Autocrypt"; }
select_row "Alice <alice@example.test>" 1
ui_wait "OpenPGP key $ALICE"
ui_wait "origin:      attachment <alice-key@example.test>"
ui_keys t
ui_wait "(u)nknown (n)ever (m)arginal (f)ull (U)ltimate?"
ui_keys U
ui_wait "ultimately, like your own key? (y/n)"
ui_keys n
ui_wait "owner trust unchanged"
gpg --batch --export-ownertrust 2>/dev/null | grep -q "^$ALICE:" &&
    fail "owner trust set after n"
ui_keys t
ui_wait "(U)ltimate?"
ui_keys U
ui_wait "(y/n)"
ui_keys y
ui_wait "set to ultimate"
ui_wait "owner trust: ultimate"
grep_row() { ui_screen | grep -F "Alice <alice@example.test>"; }
i=0
until grep_row | grep -q "ultimate"; do
	i=$((i + 1))
	[ $i -lt 50 ] || { ui_screen >&2; fail "validity column unchanged"; }
	sleep 0.1
done
gpg --batch --export-ownertrust 2>/dev/null | grep -q "^$ALICE:6:" ||
    fail "gpg does not see ultimate owner trust for alice"
# full on Bob's new key: owner trust changes, his validity does not.
select_row "Bob Again" 1
ui_keys t
ui_wait "(U)ltimate?"
ui_keys f
ui_wait "set to full"
ui_wait "owner trust: full"

# 4. locate-key: nothing answers, a clear error, nothing imported.
ui_keys L
ui_wait "Look up in WKD (address):"
ui_keys -l "carol@example.test"
ui_keys Enter
ui_wait "WKD: Couldn't connect to server"
gpg --batch --list-keys carol@example.test >/dev/null 2>&1 &&
    fail "a key for carol came from nowhere"
ui_keys q
ui_keys Q
ui_wait "EXITED 0"
ui_stop
exit 0
