# Hostile answers to the headers FETCH (fakeimap fetchbad): an oversized
# literal, a literal longer than its data, an unknown item with control
# bytes, a BYE and a tagged NO end the sync with a clear error and leave the
# store consistent; legal untagged responses between the messages (EXISTS,
# EXPUNGE, RECENT, FLAGS, a FETCH without UID, OK) do not disturb it. The
# libetpan path (CACHET_IMAP_SLOW_FETCH=1) stores the same as the fast one.
# Well-framed quirks the fast reader does not know (an X-GM-MSGID item, an
# untagged CAPABILITY) make the session fall back to libetpan, which then
# stores the same as the libetpan path alone.
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
# Read past by the fast reader, but libetpan cannot parse it either.
hostile nospace "cannot parse"

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

# Quirks the fast reader does not know, in a reply that is still well
# framed: it reads the reply to its end, the same range is fetched again
# through libetpan, and the session keeps libetpan for later batches. The
# store ends up as the libetpan path alone leaves it, each message once.
dump() {	# account
	sqlite3 "file:$(store_of "$1")/index.db?mode=ro" \
	    "SELECT uid, flags, keywords, modseq, date, size, from_addr,
	    to_addr, cc_addr, subject, message_id, in_reply_to, refs, hidden
	    FROM messages ORDER BY uid"
}

quirk() {	# variant messages header-fetches-fast header-fetches-slow
	for how in fast slow; do
		a=q$1$how
		fake_start fetchbad "$T/$a.log" --messages "$2" --variant "$1"
		write_config "$T/cfg.$a" "$a" fakeuser "imap_port=$FAKE_PORT" \
		    "timeout=5"
		if [ "$how" = slow ]; then
			CACHET_IMAP_SLOW_FETCH=1 sync_ok "$T/cfg.$a"
		else
			sync_ok "$T/cfg.$a"
		fi
		fake_stop
		assert_contains "$SYNC_ERR" "1 folders, $2 new,"
		assert_eq "$(storectl count "$(store_of "$a")" INBOX)" "$2" \
		    "$1: messages stored ($how)"
		storectl check "$(store_of "$a")" ||
		    fail "$1: store inconsistent ($how)"
		n=$(grep -c '^[0-9]* tls .*UID FETCH .*HEADER\.FIELDS' \
		    "$T/$a.log" || true)
		if [ "$how" = fast ]; then want=$3; else want=$4; fi
		assert_eq "$n" "$want" "$1: header fetches sent ($how)"
		dump "$a" >"$T/$a.dump"
	done
	[ -s "$T/q${1}fast.dump" ] || fail "$1: empty dump"
	if ! cmp -s "$T/q${1}fast.dump" "$T/q${1}slow.dump"; then
		diff "$T/q${1}fast.dump" "$T/q${1}slow.dump" | head >&2
		fail "$1: the fallback stored other messages than libetpan"
	fi
}

# Two batches (2000 + 500): refused once, then libetpan for both.
quirk unknownitem 2500 3 2
quirk capability 10 2 1
