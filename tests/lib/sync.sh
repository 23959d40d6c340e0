# Helpers shared by the sync tests; sourced after env.sh.

# The store directory of ACCOUNT.
store_of() {
	printf '%s/cachet/%s\n' "$XDG_DATA_HOME" "$1"
}

storectl() {
	"$PYTHON" "$top/tests/lib/storectl.py" "$@"
}

# Run `cachet sync`, keeping its stderr in $T/sync.N.err; fail on error.
sync_ok() {	# config [args...]
	sync_n=$(( ${sync_n:-0} + 1 ))
	sync_cfg=$1
	shift
	"$CACHET" -c "$sync_cfg" sync "$@" 2>"$T/sync.$sync_n.err" || {
		cat "$T/sync.$sync_n.err" >&2
		fail "cachet sync failed"
	}
	SYNC_ERR=$T/sync.$sync_n.err
}

# The store's flags for FOLDER equal the server's, and every stored body
# equals the server's bytes.
assert_in_step() {	# user account folder [bodies]
	rm -rf "$T/dump"
	imapctl dump "$1" "$(password_of "$1")" "$3" "$T/dump" >"$T/server.flags"
	storectl flags "$(store_of "$2")" "$3" >"$T/store.flags"
	if ! cmp -s "$T/server.flags" "$T/store.flags"; then
		diff "$T/server.flags" "$T/store.flags" | head -20 >&2
		fail "flags/UIDs of $3 differ between server and store"
	fi
	if [ "${4:-}" = bodies ]; then
		storectl files "$(store_of "$2")" "$3" | while read -r uid path; do
			[ "$path" != - ] || fail "uid $uid has no body"
			cmp -s "$T/dump/$uid.eml" "$path" ||
			    fail "uid $uid: stored bytes differ from the server's"
		done
	fi
	storectl check "$(store_of "$2")" >/dev/null || fail "store check failed"
}
