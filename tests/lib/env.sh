# Common set-up for the integration tests. Each tests/integration/t_*.sh
# starts with
#
#	. "$(dirname "$0")/../lib/env.sh"
#
# and runs as `T=<fresh 0755 dir> sh t_X.sh` from tests/run.sh, which has
# started the test Dovecot (tests/lib/dovecot.sh) and exported its
# CACHET_TEST_* variables, CACHET (the binary) and TOOLS.
#
# Provides:
#   top                           the repository root
#   fail MSG                      print "FAIL: MSG" and exit 1
#   assert_eq GOT WANT [MSG]
#   assert_contains FILE STRING   fixed string, not a pattern
#   assert_not_contains FILE STRING
#   new_user NAME                 prints a user name unique to this test,
#                                 created with password "<that name>-pw"
#   password_of USER              prints "USER-pw"
#   write_config FILE ACCOUNT USER [key=value...]   a cachet config (replaces)
#   append_account FILE ACCOUNT USER [key=value...] one more account section
#   imapctl ARGS...               tests/lib/imapctl.py
#   set_uidvalidity USER MAILBOX N
#   plain_logins                  Dovecot log lines of logins without TLS
#   fake_start MODE LOGFILE [fakeimap.py args...]
#                                 sets FAKE_PORT and FAKE_PID
#   fake_stop [PID]               default: the last one started
#   closed_port                   prints a loopback port in 20000-29999
#                                 that nothing listens on; fails if none
#   on_exit                       define it to add clean-up; runs at exit
#
# XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_STATE_HOME point into
# $T, so cachet's store and config land in the test directory.

set -eu

: "${T:?T must name the test directory (tests/run.sh sets it)}"
# The root: from the test's own path, else the current directory (run.sh
# works from the root).
top=$(cd "$(dirname "$0")/../.." && pwd)
[ -f "$top/tests/lib/env.sh" ] || top=$(pwd)
[ -f "$top/tests/lib/env.sh" ] || {
	echo "env.sh: cannot find the repository root from $0" >&2
	exit 1
}
. "$top/tests/lib/dovecot.sh"

if [ -x /usr/bin/python3 ]; then
	PYTHON=${PYTHON:-/usr/bin/python3}
else
	PYTHON=${PYTHON:-python3}
fi

XDG_DATA_HOME=$T/data
XDG_CONFIG_HOME=$T/config
XDG_CACHE_HOME=$T/cache
XDG_STATE_HOME=$T/state
export XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME XDG_STATE_HOME
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

assert_eq() {	# got want [msg]
	[ "$1" = "$2" ] ||
	    fail "${3:-values differ}: got '$1', want '$2'"
}

assert_contains() {	# file string
	[ -f "$1" ] || fail "assert_contains: no file $1"
	grep -F -q -e "$2" "$1" || {
		tail -n 20 "$1" >&2
		fail "$1 does not contain '$2'"
	}
}

assert_not_contains() {	# file string
	[ -f "$1" ] || fail "assert_not_contains: no file $1"
	if grep -F -n -e "$2" "$1" >&2; then
		fail "$1 contains '$2'"
	fi
}

env_need_dovecot() {
	[ -n "${CACHET_TEST_IMAPS_PORT:-}" ] ||
	    fail "no test Dovecot: run this through tests/run.sh"
}

# A short id for this test, from $T: user names must be unique per test.
env_test_id=u$(printf '%s' "$T" | cksum | cut -d ' ' -f 1)

new_user() {	# name
	env_need_dovecot
	env_u=$env_test_id-$1
	dovecot_add_user "$env_u" "$env_u-pw" || fail "cannot add user $env_u"
	printf '%s\n' "$env_u"
}

password_of() {
	printf '%s\n' "$1-pw"
}

# One [account] section; key=value arguments replace defaults or add keys.
env_account() {	# account user [key=value...]
	env_acct=$1
	env_user=$2
	shift 2
	printf '[account %s]\n' "$env_acct"
	for env_kv in "imap_host=127.0.0.1" \
	    "imap_port=$CACHET_TEST_IMAPS_PORT" "imap_tls=implicit" \
	    "imap_user=$env_user" "password_cmd=printf %s $env_user-pw" \
	    "ca_file=$CACHET_TEST_CA" "sync=full" "timeout=10"; do
		env_k=${env_kv%%=*}
		for env_x in "$@"; do
			[ "${env_x%%=*}" = "$env_k" ] && env_kv=
		done
		[ -n "$env_kv" ] && printf '%s = %s\n' "$env_k" "${env_kv#*=}"
	done
	for env_x in "$@"; do
		case $env_x in
		*=*) printf '%s = %s\n' "${env_x%%=*}" "${env_x#*=}" ;;
		*) fail "write_config: not key=value: $env_x" ;;
		esac
	done
	printf '\n'
}

write_config() {	# file account user [key=value...]
	env_need_dovecot
	mkdir -p "$(dirname "$1")"
	env_f=$1
	shift
	env_account "$@" >"$env_f.tmp"
	chmod 600 "$env_f.tmp"
	mv "$env_f.tmp" "$env_f"
}

append_account() {	# file account user [key=value...]
	env_need_dovecot
	env_f=$1
	shift
	env_account "$@" >>"$env_f"
}

imapctl() {
	env_need_dovecot
	"$PYTHON" "$top/tests/lib/imapctl.py" "$@"
}

set_uidvalidity() {	# user mailbox n
	env_need_dovecot
	doveadm_cmd mailbox update --uid-validity "$3" -u "$1" "$2"
}

plain_logins() {
	env_need_dovecot
	dovecot_plain_logins
}

env_fake_pids=
env_fake_n=0

fake_start() {	# mode logfile [args...]
	env_mode=$1
	env_log=$2
	shift 2
	env_fake_n=$((env_fake_n + 1))
	env_out=$T/fake.$env_fake_n.out
	: >"$env_out"
	set -- --mode "$env_mode" --log "$env_log" --port 0 "$@"
	if [ -n "${CACHET_TEST_CERTS:-}" ]; then
		set -- --cert "$CACHET_TEST_CERTS/server.crt" \
		    --key "$CACHET_TEST_CERTS/server.key" "$@"
	fi
	"$PYTHON" "$top/tests/lib/fakeimap.py" "$@" \
	    </dev/null >"$env_out" 2>"$T/fake.$env_fake_n.err" &
	FAKE_PID=$!
	env_fake_pids="$env_fake_pids $FAKE_PID"
	env_i=0
	FAKE_PORT=
	while [ $env_i -lt 200 ]; do
		FAKE_PORT=$(sed -n 's/^ready \([0-9][0-9]*\)$/\1/p' "$env_out")
		[ -n "$FAKE_PORT" ] && break
		dovecot_pid_alive "$FAKE_PID" || break
		sleep 0.05
		env_i=$((env_i + 1))
	done
	if [ -z "$FAKE_PORT" ]; then
		cat "$T/fake.$env_fake_n.err" >&2
		fail "fakeimap $env_mode did not start"
	fi
	export FAKE_PORT FAKE_PID
}

fake_stop() {	# [pid]
	env_p=${1:-${FAKE_PID:-}}
	[ -n "$env_p" ] || return 0
	kill "$env_p" 2>/dev/null || true
	wait "$env_p" 2>/dev/null || true
	env_rest=
	for env_x in $env_fake_pids; do
		[ "$env_x" = "$env_p" ] || env_rest="$env_rest $env_x"
	done
	env_fake_pids=$env_rest
}

closed_port() {
	"$PYTHON" - <<'PY'
import random, socket, sys
for _ in range(200):
    p = random.randint(20000, 29999)
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", p))
    except OSError:
        print(p)
        sys.exit(0)
    finally:
        s.close()
sys.exit(1)
PY
}

env_cleanup() {
	env_rc=$?
	if command -v on_exit >/dev/null 2>&1; then
		on_exit || true
	fi
	for env_x in $env_fake_pids; do
		fake_stop "$env_x"
	done
	exit $env_rc
}
trap env_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
