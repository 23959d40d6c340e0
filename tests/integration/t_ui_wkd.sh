# locate-key (L in the key view) against a slow Web Key Directory: a
# loopback HTTPS server (tests/lib/wkdserver.py) that answers each request
# only after a few seconds. The look-up runs in the background: the
# message line says "looking up ADDR in WKD…", the cursor still moves in
# the key list, a second L says one is running already, and the answer
# comes by itself: a found key is imported and shows in the list; a
# second key for an address asks "import another? (y/n)" and y looks it
# up again (in the background too) and imports it; nothing published is
# said so, also after the key view was left; quitting while a look-up
# runs waits for it and exits cleanly.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/tmux.sh"
. "$top/tests/lib/gnupg.sh"
. "$top/tests/lib/wkd.sh"

G=$T/g
W=$T/www
PORTS="27541 27542 27543 27544 27545"
on_exit() {
	ui_stop
	wkd_stop
	gnupg_stop
}
gnupg_home "$G" "$T/ka" "$T/kb1" "$T/kb2" "$T/kc"
printf 'no-auto-key-retrieve\nauto-key-locate local\n' >"$G/gpg.conf"
printf 'disable-dirmngr\n' >"$G/gpgsm.conf"

gnupg_new_key "$T/ka" "Alice <alice@example.test>"
gnupg_new_key "$T/kb1" "Bob <bob@example.test>"
gnupg_new_key "$T/kb2" "Bob Again <bob@example.test>"
gnupg_new_key "$T/kc" "Carol <carol@example.test>"
BOB1=$(gnupg_fpr "$T/kb1")
BOB2=$(gnupg_fpr "$T/kb2")
CAROL=$(gnupg_fpr "$T/kc")
# Alice and Bob's first key are known already.
for h in "$T/ka" "$T/kb1"; do
	gpg --homedir "$h" --batch --armor --export |
	    gpg --batch --no-tty --import 2>>"$T/gpg.log" || fail "import $h"
done

# Published (advanced method): Carol's key, and Bob's second one.
ADV=$W/adv/.well-known/openpgpkey/example.test/hu
mkdir -p "$ADV" "$W/dir/.well-known/openpgpkey/hu"
gpg --homedir "$T/kc" --batch --export >"$ADV/$(wkd_hash carol@example.test)"
gpg --homedir "$T/kb2" --batch --export >"$ADV/$(wkd_hash bob@example.test)"

# Every request is answered after $T/delay seconds.
echo 4 >"$T/delay"
wkd_start "$W" $PORTS

u=$(new_user wkd)
write_config "$T/cfg" work "$u"
"$CACHET" -c "$T/cfg" sync 2>"$T/sync.err" || {
	cat "$T/sync.err" >&2
	fail "cachet sync failed"
}

# ui_wait, for up to SECS seconds.
ui_wait_long() {	# string secs
	w=0
	until ui_screen | grep -F -q -e "$1"; do
		w=$((w + 1))
		[ $w -lt $(($2 * 10)) ] ||
		    { ui_screen >&2; fail "screen never showed '$1'"; }
		sleep 0.1
	done
}
# The fingerprint the key view describes (the selected key's).
shown_fpr() {
	ui_screen | sed -n 's/.*OpenPGP key \([0-9A-F]\{40\}\).*/\1/p' | head -1
}
locate() {	# addr
	ui_keys L
	ui_wait "Look up in WKD (address):"
	ui_keys -l "$1"
	ui_keys Enter
}

ui_start -c "$T/cfg" --offline
ui_wait "[work]"
ui_keys K
ui_wait "Keys and certificates: 2"
ui_wait "keys  1/2"

# 1. Carol: the answer takes 4 s; meanwhile the UI works.
locate carol@example.test
ui_wait "looking up carol@example.test in WKD"
first=$(shown_fpr)
ui_keys j
ui_wait "keys  2/2"
second=$(shown_fpr)
[ -n "$first" ] && [ "$first" != "$second" ] ||
    fail "the selection did not move during the look-up ($first, $second)"
ui_keys k
ui_wait "keys  1/2"
assert_eq "$(shown_fpr)" "$first" "the selection after k"
ui_wait "looking up carol@example.test in WKD"
ui_keys L
ui_wait "a WKD look-up is running already (carol@example.test)"
# All of that while the server holds the request (it answers 4 s after
# it came in).
w=0
until grep -q "^openpgpkey.example.test .*$(wkd_hash carol@example.test)" \
    "$T/req.log"; do
	w=$((w + 1))
	[ $w -lt 30 ] || fail "the look-up never reached the server"
	sleep 0.1
done
ui_absent "key imported"
gnupg_has_key "$CAROL" && fail "carol's key came in before the answer"
ui_wait_long "WKD: 1 key imported" 15
ui_wait "Keys and certificates: 3"
ui_wait "Carol <carol@example.test>"
gnupg_has_key "$CAROL" || fail "carol's key was not imported"

# 2. Bob has a key: the question, then y looks it up again, in the
# background too, with replace.
locate bob@example.test
ui_wait "looking up bob@example.test in WKD"
short=$(printf '%s' "$BOB1" | cut -c25-40)
ui_wait_long "bob@example.test already has key $short; import another? (y/n)" 15
gnupg_has_key "$BOB2" && fail "bob's second key came in before y"
ui_keys y
ui_wait "looking up bob@example.test in WKD"
ui_keys j
ui_wait "keys  2/3"
ui_absent "key imported"
ui_wait_long "WKD: 1 key imported" 15
ui_wait "Keys and certificates: 4"
ui_wait "Bob Again <bob@example.test>"
gnupg_has_key "$BOB2" || fail "bob's second key was not imported after y"

# 3. Nothing for erin (two requests, 2 s each); the key view is left
# while it runs, and the answer shows in the index.
echo 2 >"$T/delay"
locate erin@example.test
ui_wait "looking up erin@example.test in WKD"
ui_keys q
ui_wait "unread:"
ui_wait_long "WKD: no key published for erin@example.test" 15
gnupg_has_key erin@example.test && fail "a key for erin came from nowhere"

# 4. Quitting while a look-up runs: the transfer is cancelled, not
# waited out (the server would answer in 60 s), and cachet ends cleanly
# (the sanitizer build fails on a leak or a race it sees).
echo 60 >"$T/delay"
ui_keys K
ui_wait "Keys and certificates: 4"
locate dave@example.test
ui_wait "looking up dave@example.test in WKD"
ui_keys Q
ui_wait_long "EXITED 0" 10
ui_wait "stopping the WKD look-up of dave@example.test"
ui_stop
exit 0
