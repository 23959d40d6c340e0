#!/bin/sh
# UI benchmark: stores of 10,000 and 100,000 message headers filled
# directly through the store API (tests/tools/fillstore, no server; under
# `make bench` the 100,000 one is the store its real sync made, passed in
# BENCH_UI_SYNCED_STORE), then
# cachet in a private tmux server (100x30, xterm-256color) measures
#   (a) exec to the first index screen drawn (CACHET_UI_EXIT_AFTER_DRAW=1
#       makes the UI quit right after that first doupdate): wall time and
#       peak RSS from /usr/bin/time -v, plus a finer wall clock in µs;
#   (b) page-down cost (one key handled and the screen redrawn) at 10k
#       and 100k, from the top and from the end of the folder, and the
#       jump from the top to the end (G after g);
#   (c) sort-cycle and toggle-threads at 100k, and the first toggle of a
#       run, whose thread build runs in the background, with the switch
#       to the tree when it is done.
# (b) and (c) feed keys with CACHET_UI_BENCH_KEYS and read the per-key
# times the UI writes to CACHET_UI_BENCH_LOG. Prints a table; asserts
# nothing.
#
#   sh tests/bench/ui.sh            (BENCH_UI_MESSAGES=20000 for a quick run)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BIG=${BENCH_UI_MESSAGES:-100000}
SMALL=$((BIG / 10))
RUNS=${BENCH_UI_RUNS:-5}
CACHET=${CACHET:-$top/cachet}
FILL=$top/build/tools/fillstore
[ -x "$CACHET" ] || make -s all
[ -x "$FILL" ] || make -s build/tools/fillstore
T=$(mktemp -d /tmp/cbui.XXXXXX)
cleanup() {
	[ -n "${BENCH_UI_KEEP:-}" ] && return 0
	tmux -S "$T/tmux" kill-server 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

# One store per size, each under its own XDG_DATA_HOME.
fill() {	# n
	mkdir -p "$T/$1"
	printf '[account bench]\nimap_host = 127.0.0.1\nimap_port = 29999\n' \
	    >"$T/$1/cfg"
	printf 'imap_user = x\npassword_cmd = true\n' >>"$T/$1/cfg"
	chmod 600 "$T/$1/cfg"
	# make bench hands over the store its sync made: measure that one.
	if [ "$1" = "$BIG" ] && [ -n "${BENCH_UI_SYNCED_STORE:-}" ]; then
		mkdir -p "$T/$1/data/cachet"
		ln -s "$BENCH_UI_SYNCED_STORE" "$T/$1/data/cachet/bench"
		echo "using the store synced from the server for $1 messages"
		return 0
	fi
	s=$(date +%s%N)
	"$FILL" "$T/$1/data/cachet/bench" INBOX "$1"
	echo "filled $1 headers in $(( ($(date +%s%N) - s) / 1000000 )) ms"
}

# Run cachet once in tmux with extra environment (a file of exports);
# waits for it to end. Leaves $T/time (time -v) and $T/us (wall, µs).
run() {	# n envfile
	rm -f "$T/time" "$T/us" "$T/done"
	cat >"$T/run" <<RUN
. "$2"
export XDG_DATA_HOME="$T/$1/data" LANG=C.UTF-8 TERM=xterm-256color
s=\$(date +%s%N)
/usr/bin/time -v -o "$T/time" "$CACHET" -c "$T/$1/cfg" --offline
e=\$(date +%s%N)
echo \$(( (e - s) / 1000 )) >"$T/us"
touch "$T/done"
RUN
	tmux -S "$T/tmux" -f /dev/null new-session -d -x 100 -y 30 \
	    "sh $T/run"
	i=0
	while [ ! -e "$T/done" ] && [ $i -lt 1200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	tmux -S "$T/tmux" kill-server 2>/dev/null || true
	[ -e "$T/done" ] || { echo "cachet did not finish"; exit 1; }
	grep -q 'Exit status: 0' "$T/time" ||
	    { echo "cachet failed:"; cat "$T/time"; exit 1; }
}

first_screen() {	# n
	echo "export CACHET_UI_EXIT_AFTER_DRAW=1" >"$T/env"
	: >"$T/walls"
	rssmax=0
	k=0
	while [ $k -lt "$RUNS" ]; do
		run "$1" "$T/env"
		cat "$T/us" >>"$T/walls"
		rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' \
		    "$T/time")
		[ "$rss" -gt "$rssmax" ] && rssmax=$rss
		k=$((k + 1))
	done
	sort -n "$T/walls" | awk -v n="$1" -v rss="$rssmax" '
	    { v[NR] = $1 }
	    END { printf "%-40s %8.1f ms  %8.1f ms  %6.1f MiB\n",
		"first index screen, " n " msgs", v[1] / 1000,
		v[int((NR + 1) / 2)] / 1000, rss / 1024 }'
}

# Feed KEYS (printf format), report the per-key times of key code CODE.
keys() {	# n label keys code
	printf 'export CACHET_UI_BENCH_KEYS="%s"\n' "$(printf "$3")" >"$T/env"
	printf 'export CACHET_UI_BENCH_LOG=%s\n' "$T/log" >>"$T/env"
	run "$1" "$T/env"
	awk -v c="$4" '$1 == c { print $2 }' "$T/log" | sort -n >"$T/v"
	[ -s "$T/v" ] || { echo "$2: no times logged"; exit 1; }
	awk -v l="$2" '{ v[NR] = $1; s += $1 }
	    END { printf "%-40s %8.2f ms  %8.2f ms  %8.2f ms  (n=%d)\n",
		l, v[int((NR + 1) / 2)] / 1000, s / NR / 1000, v[NR] / 1000,
		NR }' \
	    "$T/v"
}

repeat() {	# string count
	r=0
	while [ $r -lt "$2" ]; do
		printf '%s' "$1"
		r=$((r + 1))
	done
}

fill "$SMALL"
fill "$BIG"
echo
printf '%-40s %11s  %11s  %10s\n' "(a) start-up ($RUNS runs)" "best" "median" \
    "peak RSS"
first_screen "$SMALL"
first_screen "$BIG"
echo
printf '%-40s %11s  %11s  %11s\n' "(b)/(c) one key + redraw" "median" "mean" \
    "max"
pd=$(repeat '\006' 200)
pu=$(repeat '\002' 200)
keys "$SMALL" "page-down from top, $SMALL msgs" "$pd" 6
keys "$BIG" "page-down from top, $BIG msgs" "$pd" 6
keys "$SMALL" "page-up from the end, $SMALL msgs" "G$pu" 2
keys "$BIG" "page-up from the end, $BIG msgs" "G$pu" 2
keys "$BIG" "jump to the end (G), $BIG msgs" "$(repeat gG 20)" 71
keys "$BIG" "sort-cycle (o), $BIG msgs" "$(repeat o 12)" 111
keys "$BIG" "toggle-threads (t), $BIG msgs" "$(repeat t 10)" 116
# The first toggle of a run starts the thread build in the background;
# j and k keep the loop turning until the tree replaces the flat list,
# and that switch is timed with the key it happened after: the worst j/k.
: >"$T/all"
k=0
while [ $k -lt "$RUNS" ]; do
	keys "$BIG" "first toggle-threads (t), run $((k + 1))" \
	    "t$(repeat jk 400)t" 116 >/dev/null
	awk '$1 == 116 { print "t", $2 } $1 == 106 || $1 == 107 {
	    if ($2 > m) m = $2 } END { print "s", m }' "$T/log" >>"$T/all"
	k=$((k + 1))
done
for w in t s; do
	[ $w = t ] && l="toggle-threads cold (t, then jk), $BIG" ||
	    l="switch to the tree (worst j/k), $BIG"
	awk -v w=$w '$1 == w { print $2 }' "$T/all" | sort -n |
	    awk -v l="$l" '{ v[NR] = $1; s += $1 }
	    END { printf "%-40s %8.2f ms  %8.2f ms  %8.2f ms  (n=%d)\n",
		l, v[int((NR + 1) / 2)] / 1000, s / NR / 1000,
		v[NR] / 1000, NR }'
done
