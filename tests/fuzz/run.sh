#!/bin/sh
# Build the libFuzzer targets with clang and run each for FUZZ_SECONDS
# (default 60) over its seed corpus in tests/fuzz/corpus/NAME/. New inputs
# go to a scratch directory, never into the seeds; a crash leaves its input
# in build/fuzz/ and makes this script fail.
#
#   sh tests/fuzz/run.sh            every target (mime, fetch)
#   sh tests/fuzz/run.sh mime       one target
#   FUZZ_SECONDS=600 sh tests/fuzz/run.sh
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=$top/build/fuzz
secs=${FUZZ_SECONDS:-60}
targets=${1:-mime fetch}
status=0

if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: clang not found, skipped"
	exit 0
fi
mkdir -p "$out"

# libetpan's .pc adds link specs that do not mix with the sanitizers.
libs() {
	pkg-config --libs "$@" | tr ' ' '\n' | grep -v -e '^-specs=' -e '^-Wl' |
	    tr '\n' ' '
}

build() {	# name: compile tests/fuzz/fuzz_NAME.c with its module
	name=$1
	case "$name" in
	mime)
		srcs="src/mime/*.c src/util/util.c src/util/text.c"
		pkgs="libetpan"
		;;
	fetch)
		srcs="src/imap/imap_fastfetch.c src/util/util.c src/util/text.c"
		pkgs="libetpan"
		;;
	*)
		echo "fuzz: unknown target $name"
		return 1
		;;
	esac
	# shellcheck disable=SC2086
	clang -std=c17 -D_GNU_SOURCE -g -O1 -Isrc \
	    -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined \
	    $(pkg-config --cflags $pkgs) -o "$out/fuzz_$name" \
	    "tests/fuzz/fuzz_$name.c" $srcs $(libs $pkgs)
}

for t in $targets; do
	if ! build "$t"; then
		echo "FAIL fuzz_$t (build)"
		status=1
		continue
	fi
	work=$(mktemp -d /tmp/cachet-fuzz.XXXXXX)
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
	echo "fuzz_$t: ${secs}s over tests/fuzz/corpus/$t"
	# shellcheck disable=SC2086
	if "$out/fuzz_$t" -max_total_time="$secs" -max_len=65536 \
	    -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$out/$t-" $dict "$work" "tests/fuzz/corpus/$t" \
	    >"$out/$t.log" 2>&1; then
		echo "PASS fuzz_$t ($(grep -c . "$out/$t.log") log lines," \
		    "$(grep -o 'stat::number_of_executed_units: *[0-9]*' \
		    "$out/$t.log" | grep -o '[0-9]*$') runs)"
	else
		tail -40 "$out/$t.log"
		echo "FAIL fuzz_$t: see $out/$t.log and $out/$t-*"
		status=1
	fi
	rm -rf "$work"
done
exit $status
