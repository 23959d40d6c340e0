# `cachet sync --watch` stays connected (IDLE) and syncs as mail arrives.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"

u=$(new_user watch)
pw=$(password_of "$u")
imapctl gen "$u" "$pw" INBOX 5 --seed 9
write_config "$T/cfg" work "$u"
"$CACHET" -c "$T/cfg" sync --watch 2>"$T/err" &
wpid=$!
on_exit() { kill "$wpid" 2>/dev/null || true; }
i=0
while [ $i -lt 100 ]; do
	[ "$(storectl count "$(store_of work)" INBOX 2>/dev/null)" = 5 ] && break
	sleep 0.1
	i=$((i + 1))
done
assert_eq "$(storectl count "$(store_of work)" INBOX)" 5 "first sync"
imapctl gen "$u" "$pw" INBOX 2 --seed 10
i=0
while [ $i -lt 100 ]; do
	[ "$(storectl count "$(store_of work)" INBOX)" = 7 ] && break
	sleep 0.1
	i=$((i + 1))
done
assert_eq "$(storectl count "$(store_of work)" INBOX)" 7 "new mail seen"
kill -TERM "$wpid"
set +e
wait "$wpid"
rc=$?
set -e
assert_eq "$rc" 0 "watch exit status after SIGTERM"
assert_in_step "$u" work INBOX bodies
