# GnuPG homes for the integration tests; sourced after env.sh.
#
#   gnupg_home DIR [DIR...]   makes each DIR (0700) and points GNUPGHOME,
#                             exported, at the first
#   gnupg_stop                stops the agents of every home gnupg_home made;
#                             call it from on_exit
#   gnupg_forget              stops the gpg-agent of $GNUPGHOME, so that it
#                             forgets every passphrase it was given
#   gnupg_import_demo         imports the demo's secret key, Alice's public
#                             key and their owner trust into $GNUPGHOME
#   gnupg_new_key HOME UID    a new key without a passphrase in HOME
#   gnupg_fpr HOME            prints the fingerprint of HOME's first key
#   gnupg_has_key WHO         true when $GNUPGHOME has a key for WHO
#   gnupg_python ARGS...      runs the Python program on stdin with ARGS,
#                             tests/lib/pgpmime.py importable as pgpmime
#
# gpg's messages go to $T/gpg.log.

gnupg_homes=

gnupg_home() {	# dir [dir...]
	for gnupg_d in "$@"; do
		mkdir -m 700 "$gnupg_d"
		gnupg_homes="$gnupg_homes $gnupg_d"
	done
	GNUPGHOME=$1
	export GNUPGHOME
}

gnupg_stop() {
	for gnupg_d in $gnupg_homes; do
		[ ! -d "$gnupg_d" ] ||
		    gpgconf --homedir "$gnupg_d" --kill all 2>/dev/null || true
	done
}

gnupg_forget() {
	gpgconf --homedir "$GNUPGHOME" --kill gpg-agent
}

gnupg_import_demo() {
	gnupg_k=$top/src/demo/keys
	gpg --batch --no-tty --import "$gnupg_k/demo.sec.asc" \
	    "$gnupg_k/alice.pub.asc" 2>>"$T/gpg.log" || fail "gpg --import"
	gpg --batch --no-tty --import-ownertrust "$gnupg_k/ownertrust.txt" \
	    2>>"$T/gpg.log" || fail "gpg --import-ownertrust"
	gpg --batch --no-tty --check-trustdb 2>>"$T/gpg.log" || true
}

gnupg_new_key() {	# home uid
	gpg --homedir "$1" --batch --passphrase '' --quick-gen-key "$2" \
	    default default never 2>>"$T/gpg.log" || fail "gpg key for $2"
}

gnupg_fpr() {	# home
	gpg --homedir "$1" --batch --with-colons --list-keys |
	    awk -F: '/^fpr:/ { print $10; exit }'
}

gnupg_has_key() {	# fingerprint or address
	gpg --batch --no-tty --list-keys "$1" >/dev/null 2>&1
}

# -B: no __pycache__ in the tree.
gnupg_python() {	# args...
	PYTHONPATH=$top/tests/lib "$PYTHON" -B - "$@"
}
