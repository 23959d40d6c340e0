# A server that stops answering in the middle of a FETCH: the sync gives up
# after `timeout` seconds with a clear error and the store stays consistent.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"

fake_start stall "$T/stall.log" --messages 50 --stall-after 10
write_config "$T/cfg" stall fakeuser "imap_port=$FAKE_PORT" "timeout=2"
start=$(date +%s)
set +e
"$CACHET" -c "$T/cfg" sync --quiet 2>"$T/err"
rc=$?
set -e
took=$(( $(date +%s) - start ))
fake_stop
cat "$T/err"
[ "$rc" -ne 0 ] || fail "sync succeeded against a stalled server"
[ "$rc" -eq 75 ] || fail "exit code $rc, want 75 (temporary failure)"
assert_contains "$T/err" "no answer"
[ "$took" -le 8 ] || fail "gave up after ${took}s, want about 2s"
storectl check "$(store_of stall)" || fail "store inconsistent after timeout"
