# The server is killed in the middle of a sync: no corrupt store, and the
# next sync completes with nothing lost or duplicated.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"

u=$(new_user kill)
imapctl gen "$u" "$(password_of "$u")" INBOX 1500 --seed 8 --size 20000
write_config "$T/cfg" work "$u"

# Once bodies flow, kill the Dovecot imap process serving this connection,
# found by pid with `doveadm who`.
"$CACHET" -c "$T/cfg" sync 2>"$T/err1" &
cpid=$!
killed=
i=0
while [ $i -lt 400 ] && kill -0 "$cpid" 2>/dev/null; do
	if grep -q "bodies" "$T/err1" 2>/dev/null; then
		p=$(doveadm_cmd who -1 "$u" 2>/dev/null |
		    awk -v u="$u" '$1 == u && $2 == "imap" { print $3 }' |
		    head -n 1)
		if [ -n "$p" ]; then
			kill -9 "$p" && killed=$p
			break
		fi
	fi
	sleep 0.02
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
