#!/bin/sh
# Sync benchmark: a local Dovecot with a 100,000-message INBOX of ~13 KB
# messages; measures a cold headers-only `cachet sync` and a resync where
# nothing changed, with wall time and peak RSS from /usr/bin/time -v.
#
#   make bench                      (BENCH_MESSAGES=20000 make bench for a
#                                    quicker run)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
N=${BENCH_MESSAGES:-100000}
TEST_ROOT=$(mktemp -d /tmp/cb.XXXXXX)
chmod 755 "$TEST_ROOT"
export TEST_ROOT
. "$top/tests/lib/dovecot.sh"
cleanup() {
	dovecot_stop
	rm -rf "$TEST_ROOT"
}
trap cleanup EXIT INT TERM
dovecot_start "$TEST_ROOT/dovecot"
T=$TEST_ROOT/bench
mkdir -p "$T"
chmod 755 "$T"
export T CACHET="$top/cachet"
. "$top/tests/lib/env.sh"
trap cleanup EXIT INT TERM

u=$(new_user bench)
echo "filling INBOX with $N messages..."
s=$(date +%s)
imapctl gen "$u" "$(password_of "$u")" INBOX "$N" --size 13000 --direct
echo "filled in $(( $(date +%s) - s )) s"
write_config "$T/cfg" bench "$u" "sync=headers" "timeout=60"

measure() {	# label
	/usr/bin/time -v "$CACHET" -c "$T/cfg" sync 2>"$T/time.txt" ||
	    { cat "$T/time.txt"; exit 1; }
	wall=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$T/time.txt")
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time.txt")
	printf '%-34s wall %s  peak RSS %d MiB\n' "$1" "$wall" $((rss / 1024))
}

# The same, 7 times: the median wall time (a resync is short enough for
# the server's own variation to show).
measure_median() {	# label
	for i in 1 2 3 4 5 6 7; do
		/usr/bin/time -f "%e %M" -o "$T/time.$i" "$CACHET" -c "$T/cfg" \
		    sync 2>/dev/null || { cat "$T/time.$i"; exit 1; }
	done
	cat "$T"/time.[1-7] | sort -n | sed -n 4p | {
		read -r wall rss
		printf '%-34s wall %s s (median of 7)  peak RSS %d MiB\n' \
		    "$1" "$wall" $((rss / 1024))
	}
}

# The yardstick: NeoMutt opening the same INBOX cold (no header cache),
# in a private tmux server since it needs a terminal.
neomutt_open() {
	command -v neomutt >/dev/null || {
		echo "neomutt not installed: no yardstick"
		return 0
	}
	cat >"$T/muttrc" <<RC
set folder="imaps://$u@127.0.0.1:$CACHET_TEST_IMAPS_PORT/"
set imap_pass="$(password_of "$u")"
set spoolfile="+INBOX"
set ssl_ca_certificates_file="$CACHET_TEST_CA"
set header_cache=""
set message_cachedir=""
set quit=yes
set mail_check_stats=no
RC
	rm -f "$T/nm.time"
	tmux -S "$T/tmux" -f /dev/null new-session -d -x 100 -y 30 \
	    "/usr/bin/time -v -o $T/nm.time neomutt -n -F $T/muttrc -e 'push <quit>'"
	i=0
	while [ $i -lt 1200 ] && ! grep -q Exit "$T/nm.time" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	tmux -S "$T/tmux" kill-server 2>/dev/null || true
	wall=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$T/nm.time")
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/nm.time")
	printf '%-34s wall %s  peak RSS %d MiB\n' "neomutt cold open ($N)" \
	    "$wall" $((${rss:-0} / 1024))
}

measure "cold headers-only sync ($N)"
measure_median "resync, nothing changed"
CACHET_IMAP_DISABLE=qresync measure_median "resync without QRESYNC"
# What the server alone takes for the same work (its caches warm now),
# to read the figures against: the 1.8 s budget was set where a bare
# header fetch took 1.2 s.
python3 "$top/tests/bench/floor.py" "$CACHET_TEST_IMAPS_PORT" \
    "$CACHET_TEST_CA" "$u" "$(password_of "$u")"
rm -rf "$XDG_DATA_HOME/cachet"
measure "cold headers-only sync, again"
neomutt_open
# The UI on the store this sync made (its INBOX has $N messages).
BENCH_UI_MESSAGES=$N BENCH_UI_SYNCED_STORE="$XDG_DATA_HOME/cachet/bench" \
    sh "$top/tests/bench/ui.sh"
