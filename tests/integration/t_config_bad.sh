# A malformed configuration gives FILE:LINE and exit code 2, and touches
# nothing.
. "$(dirname "$0")/../lib/env.sh"

cat >"$T/bad" <<'CFG'
[account work]
imap_host = 127.0.0.1
imap_user = ada
imap_port = 99999
CFG
set +e
"$CACHET" -c "$T/bad" sync 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 2 "exit code"
assert_contains "$T/err" "$T/bad:4:"
[ ! -e "$XDG_DATA_HOME/cachet" ] || fail "a store was created"

printf '[account a]\nimap_host = example.org\nimap_tls = off\nimap_user = x\n' >"$T/bad2"
set +e
"$CACHET" -c "$T/bad2" sync 2>"$T/err2"
rc=$?
set -e
assert_eq "$rc" 2 "exit code for tls=off on a remote host"
assert_contains "$T/err2" "$T/bad2:3:"
set +e
"$CACHET" -c "$T/missing" sync 2>"$T/err3"
rc=$?
set -e
assert_eq "$rc" 2 "exit code for a missing file"
assert_contains "$T/err3" "$T/missing"
