# Protected keys and the checks that their passphrases stay secret, for the
# tests of cachet's passphrase prompt; sourced after env.sh, gnupg.sh,
# sync.sh and tmux.sh.
#
#   pw_openpgp_home DIR PASSPHRASE
#       a GnuPG home at DIR (GNUPGHOME points there) with a new key for
#       "Demo User <demo@example.org>" under PASSPHRASE; its agent can start
#       no pinentry, so only loopback (cachet's own prompt) can unlock it,
#       and has forgotten the passphrase
#   pw_smime_home DIR PASSPHRASE
#       a GnuPG home at DIR (GNUPGHOME points there) with the demo S/MIME
#       key under PASSPHRASE and its CA; the agent's pinentry is a script
#       that only touches $T/pinentry.used, and the agent has forgotten
#       the passphrase
#   pw_assert_pane_clean STRING...
#       none of the strings is on the screen of the tmux session "ui" or in
#       its scrollback
#   pw_assert_no_leak STRING...
#       no file under $T holds any of the strings
#   pw_verify_outbox PATTERN NAME
#       the first file in the outbox of account "work" that matches
#       PATTERN (grep) passes `cachet -c $T/cfg verify` with "verdict:
#       signed"; its output is in $T/NAME.out, the file's path in PW_OUT

pw_openpgp_home() {	# dir passphrase
	gnupg_home "$1"
	printf 'pinentry-program /nonexistent\nallow-loopback-pinentry\n' \
	    >"$GNUPGHOME/gpg-agent.conf"
	gpg --batch --no-tty --pinentry-mode loopback --passphrase "$2" \
	    --quick-gen-key 'Demo User <demo@example.org>' default default \
	    never 2>>"$T/gpg.log" || fail "gpg --quick-gen-key"
	gnupg_forget
}

pw_smime_home() {	# dir passphrase
	pw_k=$top/src/demo/keys
	gnupg_home "$1"
	printf '#!/bin/sh\ntouch "%s/pinentry.used"\nexit 1\n' "$T" \
	    >"$T/pinentry.sh"
	chmod 755 "$T/pinentry.sh"
	printf 'pinentry-program %s/pinentry.sh\n' "$T" \
	    >"$GNUPGHOME/gpg-agent.conf"
	printf 'disable-dirmngr\n' >"$GNUPGHOME/gpgsm.conf"
	cp "$pw_k/trustlist.txt" "$GNUPGHOME/"
	printf '%s\n' "$2" | openssl pkcs12 -export -legacy \
	    -in "$pw_k/smime-demo.crt.pem" -inkey "$pw_k/smime-demo.key.pem" \
	    -passout stdin -out "$T/smime-pw.p12" 2>>"$T/gpg.log" ||
	    fail "openssl pkcs12 -export"
	gpgsm --batch --import "$pw_k/smime-ca.crt.pem" 2>>"$T/gpg.log" ||
	    fail "gpgsm --import of the CA"
	printf '%s\n' "$2" | gpgsm --batch --pinentry-mode loopback \
	    --passphrase-fd 0 --import "$T/smime-pw.p12" 2>>"$T/gpg.log" ||
	    fail "gpgsm --import of the key"
	rm -f "$T/smime-pw.p12"
	gnupg_forget
}

pw_assert_pane_clean() {	# string...
	tmux_ capture-pane -p -S - -E - -t ui >"$T/pane.txt"
	for pw_s in "$@"; do
		assert_not_contains "$T/pane.txt" "$pw_s"
	done
}

pw_assert_no_leak() {	# string...
	for pw_s in "$@"; do
		pw_leaks=$(grep -r -l -F -e "$pw_s" "$T" 2>/dev/null || true)
		[ -z "$pw_leaks" ] ||
		    fail "a passphrase was written to: $pw_leaks"
	done
}

pw_verify_outbox() {	# pattern name
	PW_OUT=$(grep -l -r -e "$1" "$(store_of work)/outbox" | head -n 1)
	[ -n "$PW_OUT" ] || fail "no outbox file holds '$1'"
	"$CACHET" -c "$T/cfg" verify "$PW_OUT" >"$T/$2.out" 2>&1 || {
		cat "$T/$2.out" >&2
		fail "cachet verify of the outbox file $PW_OUT failed"
	}
	assert_contains "$T/$2.out" "verdict: signed"
}
