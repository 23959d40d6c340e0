#!/bin/sh
# Run every test: unit tests (cmocka) and integration tests (real Dovecot on
# loopback), first with the normal build, then with the ASan/UBSan build.
# Ends with one line "N passed, N failed" and exits non-zero on any failure.
#
#   sh tests/run.sh                 everything
#   sh tests/run.sh build           one flavour
#   ONLY=sync_basic sh tests/run.sh only tests whose name contains this
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
flavours=${1:-"build build-asan"}
passed=0
failed=0
failures=""

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=98"
export LSAN_OPTIONS="suppressions=$top/tests/lib/lsan.supp:print_suppressions=0"

TEST_ROOT=$(mktemp -d /tmp/ct.XXXXXX)
chmod 755 "$TEST_ROOT"
export TEST_ROOT
. "$top/tests/lib/dovecot.sh"
cleanup() {
	dovecot_stop
	rm -rf "$TEST_ROOT"
}
trap cleanup EXIT INT TERM
if ! dovecot_start "$TEST_ROOT/dovecot"; then
	echo "cannot start the test Dovecot"
	echo "0 passed, 1 failed"
	exit 1
fi

record() {	# name status
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS $1"
	else
		failed=$((failed + 1))
		failures="$failures $1"
		echo "FAIL $1"
	fi
}

run_unit() {	# binary
	out=$("$1" 2>&1)
	rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# crashed, or a sanitizer fired after the tests
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures="$failures $(basename "$1")[$2]"
		printf '%s\n' "$out" | tail -40
		echo "FAIL $(basename "$1") [$2]"
	else
		echo "PASS $(basename "$1") [$2] ($p)"
	fi
}

for fl in $flavours; do
	if [ "$fl" = build ]; then
		CACHET="$top/cachet"
	else
		CACHET="$top/$fl/cachet"
	fi
	export CACHET
	export TOOLS="$top/$fl/tools"
	for t in "$top/$fl"/tests/test_*; do
		[ -x "$t" ] || continue
		case "$t" in *"${ONLY:-}"*) ;; *) continue ;; esac
		run_unit "$t" "$fl"
	done
	for t in "$top"/tests/integration/t_*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		case "$name" in *"${ONLY:-}"*) ;; *) continue ;; esac
		T=$(mktemp -d "$TEST_ROOT/t.XXXXXX")
		chmod 755 "$T"
		start=$(date +%s)
		T="$T" sh "$t" >"$T.log" 2>&1
		rc=$?
		secs=$(( $(date +%s) - start ))
		if [ "$rc" -ne 0 ]; then
			tail -30 "$T.log"
		fi
		record "$name [$fl] (${secs}s)" "$rc"
	done
done

# A short fuzz smoke run; `make fuzz` runs longer.
case "fuzz_smoke" in *"${ONLY:-}"*)
	FUZZ_SECONDS=${FUZZ_SECONDS:-15} sh "$top/tests/fuzz/run.sh" \
	    >"$TEST_ROOT/fuzz.log" 2>&1
	rc=$?
	[ "$rc" -ne 0 ] && tail -20 "$TEST_ROOT/fuzz.log"
	record "fuzz_smoke" "$rc"
	;;
esac

echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
