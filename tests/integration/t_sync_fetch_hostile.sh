# Hostile answers to the headers FETCH (fakeimap fetchbad): an oversized
# literal, a literal longer than its data, an unknown item with control
# bytes, a BYE and a tagged NO end the sync with a clear error and leave the
# store consistent; legal untagged responses between the messages (EXISTS,
# EXPUNGE, RECENT, FLAGS, a FETCH without UID, OK) do not disturb it. The
# libetpan path (CACHET_IMAP_SLOW_FETCH=1) stores the same as the fast one.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"

esc=$(printf '\033')

# variant: sync against it, expecting failure with `want` in the message.
hostile() {	# variant want
	fake_start fetchbad "$T/$1.log" --messages 10 --variant "$1"
	write_config "$T/cfg.$1" "fb$1" fakeuser "imap_port=$FAKE_PORT" \
	    "timeout=5"
	start=$(date +%s)
	set +e
	"$CACHET" -c "$T/cfg.$1" sync --quiet 2>"$T/err.$1"
	rc=$?
	set -e
	took=$(( $(date +%s) - start ))
	fake_stop
	cat "$T/err.$1"
	[ "$rc" -ne 0 ] || fail "$1: sync succeeded"
	[ "$rc" -lt 90 ] || fail "$1: exit code $rc (a sanitizer?)"
	assert_contains "$T/err.$1" "$2"
	assert_not_contains "$T/err.$1" "$esc"
	[ "$took" -le 4 ] || fail "$1: took ${took}s, not an immediate error"
	storectl check "$(store_of "fb$1")" ||
	    fail "$1: store inconsistent afterwards"
	n=$(storectl count "$(store_of "fb$1")" INBOX 2>/dev/null || echo 0)
	[ "$n" -le 2 ] || fail "$1: $n messages stored from a broken batch"
}

hostile oversized "over 1 MiB"
hostile wronglen "cannot parse"
hostile garbage "unknown FETCH item"
hostile bye "closed the session"
hostile no "fetch failed"

# Legal interleaved responses: all ten messages arrive, fast and slow alike.
for how in fast slow; do
	fake_start fetchbad "$T/il.$how.log" --messages 10 --variant interleave
	write_config "$T/cfg.il.$how" "il$how" fakeuser \
	    "imap_port=$FAKE_PORT" "timeout=5"
	if [ "$how" = slow ]; then
		CACHET_IMAP_SLOW_FETCH=1 sync_ok "$T/cfg.il.$how" --quiet
	else
		sync_ok "$T/cfg.il.$how" --quiet
	fi
	fake_stop
	assert_eq "$(storectl count "$(store_of "il$how")" INBOX)" 10 \
	    "messages stored ($how)"
	storectl check "$(store_of "il$how")" || fail "store inconsistent"
	storectl flags "$(store_of "il$how")" INBOX >"$T/il.$how.flags"
done
cmp -s "$T/il.fast.flags" "$T/il.slow.flags" ||
    fail "fast and slow fetch stored different messages"
