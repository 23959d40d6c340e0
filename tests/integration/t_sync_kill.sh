# The server is killed in the middle of a sync: no corrupt store, and the
# next sync completes with nothing lost or duplicated.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"

u=$(new_user kill)
imapctl gen "$u" "$(password_of "$u")" INBOX 1500 --seed 8 --size 20000
write_config "$T/cfg" work "$u"

# The imap process serving this connection: a child of the Dovecot master
# running as the test user's uid; we kill it by pid once bodies flow.
master=$CACHET_TEST_DOVECOT_PID
"$CACHET" -c "$T/cfg" sync 2>"$T/err1" &
cpid=$!
killed=
i=0
while [ $i -lt 200 ] && kill -0 "$cpid" 2>/dev/null; do
	if grep -q "bodies" "$T/err1" 2>/dev/null; then
		for p in $(ps -o pid= --ppid "$master"); do
			if [ "$(ps -o comm= -p "$p")" = imap ] &&
			    ps -o args= -p "$p" | grep -q "$u"; then
				kill -9 "$p" && killed=$p
			fi
		done
		[ -n "$killed" ] && break
	fi
	sleep 0.05
	i=$((i + 1))
done
set +e
wait "$cpid"
rc=$?
set -e
[ -n "$killed" ] || fail "did not catch the sync in the middle"
[ "$rc" -ne 0 ] || fail "sync reported success after the server died"
storectl check "$(store_of work)" || fail "store corrupt after the kill"
sync_ok "$T/cfg"
assert_in_step "$u" work INBOX bodies
assert_eq "$(storectl count "$(store_of work)" INBOX)" 1500 "rows"
